/* External interrupts: PLIC sources to driver handlers. */
#include <kernel/kernel.h>
#include <drivers/plic.h>

struct irq_handler {
	void (*fn)(void *);
	void *arg;
};
static struct irq_handler handlers[BOARD_PLIC_NDEV + 1];

int irq_attach(int irq, void (*fn)(void *), void *arg)
{
	if (irq <= 0 || irq > BOARD_PLIC_NDEV)
		return -EINVAL;
	handlers[irq].arg = arg;
	handlers[irq].fn = fn;
	plic_set_priority(irq, 1);
	/* Any hart may take it; the PLIC gives each claim to one. */
	for (int i = 0; i < ncpu; i++)
		plic_enable(irq, cpus[i].plic_context, 1);
	return 0;
}

void irq_dispatch(uint32_t irq)
{
	if (irq <= BOARD_PLIC_NDEV && handlers[irq].fn)
		handlers[irq].fn(handlers[irq].arg);
}
