/* Maps a page whose leaf PTE has A clear and loads from it in S-mode under
 * Sv39. A hart that faults on A=0 (fu740's U74) reports a load page fault
 * and leaves the PTE alone; one that sets A in hardware (qemu-virt) loads
 * the value and the PTE has A set afterwards. */
#include "lib.h"

#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_A 64
#define PTE_D 128

extern u64 trap_cause, trap_tval;
u64 run_in_s(u64 (*fn)(u64), u64 arg);

static u64 root[512] __attribute__((aligned(4096)));
static u64 data = 0x5eed;

/* Gigapage PTE for physical address pa. */
static u64 giga(u64 pa, u64 flags) { return (pa >> 12) << 10 | flags | PTE_V; }

static u64 s_load(u64 va) { return *(volatile u64 *)va; }

int main(void)
{
	/* S-mode may access everything: one NAPOT PMP region. */
	asm volatile("csrw pmpaddr0, %0" ::"r"(~0ul));
	asm volatile("csrw pmpcfg0, %0" ::"r"(0x1ful));
	/* 0x0000_0000 (devices) and 0x8000_0000 (DRAM, code) identity mapped
	 * with A and D set; 0xc000_0000 maps DRAM again with A clear. */
	root[0] = giga(0, PTE_R | PTE_W | PTE_A | PTE_D);
	root[2] = giga(0x80000000ul, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
	root[3] = giga(0x80000000ul, PTE_R | PTE_W);
	asm volatile("csrw satp, %0; sfence.vma" ::"r"(8ul << 60 | (u64)root >> 12) : "memory");
	u64 va = (u64)&data - 0x80000000ul + 0xc0000000ul;
	u64 v = run_in_s(s_load, va);
	show("value", v);
	show("cause", trap_cause);
	show("tval", trap_tval == va ? 1 : 0);
	show("pte_a", (root[3] & PTE_A) != 0);
	return 0;
}
