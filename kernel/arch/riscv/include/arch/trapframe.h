/* The registers saved on a trap, at the top of the thread's kernel stack. */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#ifndef __ASSEMBLER__
struct trapframe {
	unsigned long x[32];   /* x[0] holds nothing */
	unsigned long sepc;
	unsigned long sstatus;
	unsigned long scause;
	unsigned long stval;
};

/* Callee-saved state for a switch between kernel threads. */
struct context {
	unsigned long ra, sp;
	unsigned long s[12];
};

#define tf_ra(tf) ((tf)->x[1])
#define tf_sp(tf) ((tf)->x[2])
#define tf_tp(tf) ((tf)->x[4])
#define tf_a(tf, i) ((tf)->x[10 + (i)])
#endif

#define TF_SIZE    (36 * 8)
#define TF_SEPC    (32 * 8)
#define TF_SSTATUS (33 * 8)
#define TF_SCAUSE  (34 * 8)
#define TF_STVAL   (35 * 8)

/* Offsets into struct cpu used by the trap entry. */
#define CPU_KSTACK_TOP 8
#define CPU_SCRATCH    16

#endif
