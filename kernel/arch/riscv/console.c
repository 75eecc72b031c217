/*
 * The kernel console: SBI DBCN when the firmware has it, else the legacy
 * SBI putchar, else the board's UART driver directly.
 */
#include <kernel/kernel.h>
#include <arch/sbi.h>
#include <drivers/uart.h>

enum { CONS_LEGACY, CONS_DBCN, CONS_UART };
static int console_mode = CONS_LEGACY;

/* Guards the console device, so one call's output is not interleaved. */
static struct spinlock console_lock = SPINLOCK_INIT(LC_CONSOLE, 0, "console");

void console_init(void)
{
	if (sbi_has_dbcn)
		console_mode = CONS_DBCN;
	else if (sbi_spec_version != 0 && sbi_probe(SBI_EXT_LEGACY_PUTCHAR))
		console_mode = CONS_LEGACY;
	else {
		uart_init();
		console_mode = CONS_UART;
	}
}

/* The board's UART driver instead of the SBI (kernel option console=uart). */
void console_use_uart(void)
{
	uart_init();
	console_mode = CONS_UART;
}

const char *console_kind(void)
{
	switch (console_mode) {
	case CONS_DBCN: return "sbi-dbcn";
	case CONS_UART: return "uart";
	default: return "sbi-legacy";
	}
}

void console_write_unlocked(const char *s, size_t n)
{
	switch (console_mode) {
	case CONS_DBCN:
		while (n) {
			long w = sbi_dbcn_write(s, n);
			if (w <= 0)
				break;
			s += w;
			n -= (size_t)w;
		}
		break;
	case CONS_UART:
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\n')
				uart_putc('\r');
			uart_putc(s[i]);
		}
		break;
	default:
		for (size_t i = 0; i < n; i++)
			sbi_legacy_putchar(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	if (!this_cpu()) {
		console_write_unlocked(s, n);
		return;
	}
	lock_acquire(&console_lock);
	console_write_unlocked(s, n);
	lock_release(&console_lock);
}
