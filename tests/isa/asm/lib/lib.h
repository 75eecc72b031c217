/* C side of the ISA test runtime (rt.S): printing, the trap logs, running
 * a function at another privilege, CSR access and page-table building. */
#ifndef ISA_LIB_H
#define ISA_LIB_H
#include <stdint.h>

typedef uint64_t u64;

void putc(int c);
void puts(const char *s);
void puthex(u64 v);
void putnl(void);
void show(const char *label, u64 v);

struct trap {
	u64 cause, tval, epc, priv;
};
struct traplog {
	u64 count;
	struct trap t[16];
};
extern struct traplog trap_log, strap_log;
extern u64 trap_resume, strap_resume;
void print_traps(struct traplog *log);
#define SHOW_TRAPS() print_traps(&trap_log)
#define SHOW_STRAPS() print_traps(&strap_log)

/* Runs fn(arg) at privilege priv (0 U, 1 S, 3 M) and returns its result.
 * Traps go to the runtime's handlers, which log and skip the instruction. */
long run_fn_in_mode(long priv, long (*fn)(long), long arg);
#define PRIV_U 0
#define PRIV_S 1
#define PRIV_M 3

#define csr_read(c) ({ u64 __v; asm volatile("csrr %0, " #c : "=r"(__v)); __v; })
#define csr_write(c, v) asm volatile("csrw " #c ", %0" ::"r"((u64)(v)) : "memory")
#define csr_set(c, v) asm volatile("csrs " #c ", %0" ::"r"((u64)(v)) : "memory")
#define csr_clear(c, v) asm volatile("csrc " #c ", %0" ::"r"((u64)(v)) : "memory")

/* Loads and stores the compiler cannot elide or merge; a faulting access
 * leaves its result at the "poison" value. */
static inline u64 ld64(u64 a)
{
	u64 v = 0xdeadbeefdeadbeefull;
	asm volatile("ld %0, 0(%1)" : "+r"(v) : "r"(a) : "memory");
	return v;
}
static inline void sd64(u64 a, u64 v) { asm volatile("sd %0, 0(%1)" ::"r"(v), "r"(a) : "memory"); }
static inline u64 lw32(u64 a)
{
	u64 v = 0xdeadbeefdeadbeefull;
	asm volatile("lw %0, 0(%1)" : "+r"(v) : "r"(a) : "memory");
	return v;
}
static inline void sfence(void) { asm volatile("sfence.vma" ::: "memory"); }

/* PTE bits. */
#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 16
#define PTE_G 32
#define PTE_A 64
#define PTE_D 128

#define MSTATUS_SIE (1ull << 1)
#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_SPP (1ull << 8)
#define MSTATUS_MPP (3ull << 11)
#define MSTATUS_MPRV (1ull << 17)
#define MSTATUS_SUM (1ull << 18)
#define MSTATUS_MXR (1ull << 19)
#define MSTATUS_TVM (1ull << 20)
#define MSTATUS_TW (1ull << 21)
#define MSTATUS_TSR (1ull << 22)

#define SATP_SV39 (8ull << 60)
#define SATP_SV48 (9ull << 60)

/* A zeroed 4 KiB page from a static pool. */
u64 *page_new(void);
/* Maps va to pa with flags (V added) as a leaf at level (0: 4 KiB, 1: 2 MiB,
 * 2: 1 GiB) of a table with levels levels. Returns the PTE's address. */
u64 *map(u64 *root, int levels, u64 va, u64 pa, u64 flags, int level);
/* satp value for root. */
static inline u64 satp_for(u64 mode, u64 *root) { return mode | ((u64)root >> 12); }

#endif
