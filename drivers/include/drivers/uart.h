/* The board's console UART (ns16550a or SiFive), polled output. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H
void uart_init(void);
void uart_putc(char c);
#endif
