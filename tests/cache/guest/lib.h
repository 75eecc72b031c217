/* Console output and the end of a run for the cache test programs, on the
 * board the generated header describes. */
#ifndef CACHE_TEST_LIB_H
#define CACHE_TEST_LIB_H

typedef unsigned long u64;
typedef unsigned int u32;

static inline void mmio_w32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline u32 mmio_r32(u64 a) { return *(volatile u32 *)a; }
static inline void mmio_w8(u64 a, unsigned char v) { *(volatile unsigned char *)a = v; }
static inline unsigned char mmio_r8(u64 a) { return *(volatile unsigned char *)a; }

static void con_putc(char c)
{
#if defined(BOARD_CONSOLE_UART_SIFIVE)
	mmio_w32(BOARD_CONSOLE_UART_BASE + 0x08, 1); /* txctrl: txen */
	while (mmio_r32(BOARD_CONSOLE_UART_BASE) & 0x80000000u)
		;
	mmio_w32(BOARD_CONSOLE_UART_BASE, (unsigned char)c);
#else
	while (!(mmio_r8(BOARD_CONSOLE_UART_BASE + 5) & 0x20))
		;
	mmio_w8(BOARD_CONSOLE_UART_BASE, c);
#endif
}

static void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

static void puthex(u64 v)
{
	con_puts("0x");
	for (int i = 60; i >= 0; i -= 4)
		con_putc("0123456789abcdef"[(v >> i) & 15]);
}

/* show prints "name=value\n". */
static void show(const char *name, u64 v)
{
	con_puts(name);
	con_putc('=');
	puthex(v);
	con_putc('\n');
}

/* finish ends the run: the test finisher where the board has one, else
 * a marker line and a spin the run's instruction limit ends. */
void finish(void)
{
	con_puts("END\n");
#ifdef BOARD_TEST_FINISHER_BASE
	mmio_w32(BOARD_TEST_FINISHER_BASE, 0x5555);
#endif
	for (;;)
		;
}

#endif
