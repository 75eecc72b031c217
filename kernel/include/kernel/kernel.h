/* Kernel-wide declarations: boot, system calls, the machine description. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <board.h>
#include <kernel/lib.h>
#include <kernel/cpu.h>
#include <kernel/thread.h>

#define BOOTARGS_MAX 256

/* The machine as the DTB described it, checked against the board header. */
struct machine {
	const void *fdt;
	unsigned long fdt_size;
	unsigned long ram_base, ram_size;
	unsigned long timebase;
	int nharts;                      /* S-mode harts usable */
	unsigned long hartids[NCPU];
	int hart_sstc[NCPU];
	char bootargs[BOOTARGS_MAX];
	unsigned long boot_hart;
};
extern struct machine machine;
extern volatile int system_halting;

void machine_check_dtb(const void *fdt, unsigned long boot_hart);
long syscall_dispatch(struct trapframe *tf);
void trap_init_cpu(void);
void smp_boot_secondaries(void);
void arch_cpu_init(struct cpu *c);
void kmain_secondary(struct cpu *c);
_Noreturn void system_shutdown(int failure, const char *why);
void console_init(void);
void console_use_uart(void);
const char *console_kind(void);
const char *timer_kind(void);
void timer_init_cpu(void);
void timer_program(unsigned long when);
extern int kernel_bug_variant;
void irq_external(void);
int irq_attach(int irq, void (*fn)(void *), void *arg);
void blk_init(void);
long blk_info_user(unsigned long uaddr);
long blk_io(int op, unsigned long lba, unsigned long count, unsigned long ubuf);
int debug_selftest(int op, unsigned long arg);

#endif
