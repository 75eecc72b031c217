/*
 * PLIC (riscv,plic0 / sifive,plic-1.0.0): priority 4*irq, enable
 * 0x2000 + 0x80*context, threshold 0x200000 + 0x1000*context, claim and
 * complete at threshold + 4.
 */
#include <board.h>
#include <arch/io.h>
#include <drivers/plic.h>

#define PRIORITY(irq)     (BOARD_PLIC_BASE + 4UL * (irq))
#define ENABLE(ctx, irq)  (BOARD_PLIC_BASE + 0x2000UL + 0x80UL * (ctx) + 4UL * ((irq) / 32))
#define THRESHOLD(ctx)    (BOARD_PLIC_BASE + 0x200000UL + 0x1000UL * (ctx))
#define CLAIM(ctx)        (THRESHOLD(ctx) + 4)

void plic_init_cpu(int hartid, int context)
{
	(void)hartid;
	if (context < 0)
		return;
	for (int w = 0; w <= BOARD_PLIC_NDEV / 32; w++)
		mmio_write32(ENABLE(context, w * 32), 0);
	mmio_write32(THRESHOLD(context), 0);
}

void plic_set_priority(int irq, int prio)
{
	mmio_write32(PRIORITY(irq), (uint32_t)prio);
}

void plic_enable(int irq, int context, int on)
{
	if (context < 0 || irq <= 0 || irq > BOARD_PLIC_NDEV)
		return;
	uint32_t v = mmio_read32(ENABLE(context, irq));
	if (on)
		v |= 1u << (irq % 32);
	else
		v &= ~(1u << (irq % 32));
	mmio_write32(ENABLE(context, irq), v);
}

uint32_t plic_claim(int context)
{
	return mmio_read32(CLAIM(context));
}

void plic_complete(int context, uint32_t irq)
{
	mmio_write32(CLAIM(context), irq);
}
