/* SiFive UART (sifive,uart0): polled transmit. */
#include <board.h>
#ifdef BOARD_CONSOLE_UART_SIFIVE
#include <arch/io.h>
#include <drivers/uart.h>

#define TXDATA 0x00
#define TXCTRL 0x08
#define DIV    0x18
#define TXDATA_FULL 0x80000000u
#define TXCTRL_TXEN 1u
#define BAUD 115200

void uart_init(void)
{
	/* baud = f_in / (div + 1) */
	mmio_write32(BOARD_CONSOLE_UART_BASE + DIV, BOARD_CONSOLE_UART_CLOCK_HZ / BAUD - 1);
	mmio_write32(BOARD_CONSOLE_UART_BASE + TXCTRL, TXCTRL_TXEN);
}

void uart_putc(char c)
{
	while (mmio_read32(BOARD_CONSOLE_UART_BASE + TXDATA) & TXDATA_FULL)
		;
	mmio_write32(BOARD_CONSOLE_UART_BASE + TXDATA, (uint8_t)c);
}
#endif
