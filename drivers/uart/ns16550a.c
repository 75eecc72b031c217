/* ns16550a UART: polled transmit (the console when the SBI has none). */
#include <board.h>
#ifdef BOARD_CONSOLE_UART_NS16550A
#include <arch/io.h>
#include <drivers/uart.h>

#define REG(r) (BOARD_CONSOLE_UART_BASE + ((r) << BOARD_CONSOLE_UART_REG_SHIFT))
#define THR 0   /* transmit holding (DLAB=0) */
#define DLL 0   /* divisor latch low (DLAB=1) */
#define IER 1
#define DLM 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_8N1  0x03
#define BAUD 115200

void uart_init(void)
{
	unsigned div = BOARD_CONSOLE_UART_CLOCK_HZ / (16 * BAUD);
	mmio_write8(REG(IER), 0);
	mmio_write8(REG(LCR), LCR_DLAB);
	mmio_write8(REG(DLL), div & 0xff);
	mmio_write8(REG(DLM), (div >> 8) & 0xff);
	mmio_write8(REG(LCR), LCR_8N1);
	mmio_write8(REG(FCR), 0x07);   /* enable and clear FIFOs */
	mmio_write8(REG(MCR), 0x03);   /* DTR, RTS */
}

void uart_putc(char c)
{
	while (!(mmio_read8(REG(LSR)) & LSR_THRE))
		;
	mmio_write8(REG(THR), (uint8_t)c);
}
#endif
