/* Sv39 page tables. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdint.h>

#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12
#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

#define PTE_PPN_SHIFT 10
#define PTE_TO_PA(pte) (((pte) >> PTE_PPN_SHIFT) << PAGE_SHIFT)
#define PA_TO_PTE(pa)  (((unsigned long)(pa) >> PAGE_SHIFT) << PTE_PPN_SHIFT)

#define VA_INDEX(va, level) (((unsigned long)(va) >> (PAGE_SHIFT + 9 * (level))) & 511)

/* User space: everything below the identity-mapped RAM. */
#define USER_VA_BASE 0x10000UL
#define USER_VA_TOP  0x80000000UL
#define USER_STACK_TOP  0x7fff0000UL
#define USER_STACK_SIZE (64 * 1024UL)
#define USER_MMAP_BASE  0x40000000UL

typedef uint64_t pte_t;

static inline void sfence_vma_all(void)
{
	asm volatile("sfence.vma" ::: "memory");
}

static inline void fence_i(void)
{
	asm volatile("fence.i" ::: "memory");
}

#endif
