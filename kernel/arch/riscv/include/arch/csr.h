/* RISC-V control and status registers as the S-mode kernel uses them. */
#ifndef ARCH_CSR_H
#define ARCH_CSR_H

#define SSTATUS_SIE   (1UL << 1)
#define SSTATUS_SPIE  (1UL << 5)
#define SSTATUS_SPP   (1UL << 8)
#define SSTATUS_FS    (3UL << 13)
#define SSTATUS_SUM   (1UL << 18)

#define IRQ_S_SOFT    1
#define IRQ_S_TIMER   5
#define IRQ_S_EXT     9
#define SIE_SSIE      (1UL << IRQ_S_SOFT)
#define SIE_STIE      (1UL << IRQ_S_TIMER)
#define SIE_SEIE      (1UL << IRQ_S_EXT)

#define SCAUSE_INTR   (1UL << 63)
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_INST_PAGE        12
#define EXC_LOAD_PAGE        13
#define EXC_STORE_PAGE       15

#define SATP_MODE_SV39 (8UL << 60)

#define CSR_STIMECMP 0x14d

#define csr_read(csr) ({ unsigned long __v; \
	asm volatile("csrr %0, " #csr : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, val) ({ unsigned long __v = (unsigned long)(val); \
	asm volatile("csrw " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_set(csr, val) ({ unsigned long __v = (unsigned long)(val); \
	asm volatile("csrs " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_clear(csr, val) ({ unsigned long __v = (unsigned long)(val); \
	asm volatile("csrc " #csr ", %0" :: "rK"(__v) : "memory"); })

static inline unsigned long rdtime(void)
{
	unsigned long v;
	asm volatile("rdtime %0" : "=r"(v));
	return v;
}

static inline unsigned long rdcycle(void)
{
	unsigned long v;
	asm volatile("rdcycle %0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void)
{
	/* pause (Zihintpause) is a hint encoded as a fence: harmless where absent. */
	asm volatile(".4byte 0x0100000f" ::: "memory");
}

static inline void wfi(void)
{
	asm volatile("wfi" ::: "memory");
}

#endif
