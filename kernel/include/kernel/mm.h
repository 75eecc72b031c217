/* Physical pages and address spaces. */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <kernel/lib.h>
#include <arch/mmu.h>

void pages_init(unsigned long start, unsigned long end);
void pages_reserve(unsigned long start, unsigned long end);
void *page_alloc(void);                 /* one zeroed page, NULL when out of memory */
void *pages_alloc(unsigned n);          /* n contiguous zeroed pages */
void pages_free(void *p, unsigned n);
void page_free(void *p);
unsigned long pages_free_count(void);
unsigned long pages_total(void);

struct spinlock;
struct addrspace {
	pte_t *root;                  /* guarded by lock */
	struct spinlock *lock;
	unsigned long mmap_next;      /* next free address for SYS_MMAP */
	volatile uint64_t cpus;       /* harts that may hold TLB entries of it, AMO only */
};

void kvm_init(unsigned long ram_start, unsigned long ram_end);
void kvm_enable(void);
unsigned long kernel_satp(void);
int as_create(struct addrspace *as);
void as_destroy(struct addrspace *as);
int as_map_page(struct addrspace *as, unsigned long va, void *page, unsigned long perm);
int as_map_anon(struct addrspace *as, unsigned long va, unsigned long size, unsigned long perm);
int as_unmap(struct addrspace *as, unsigned long va, unsigned long size);
unsigned long as_satp(struct addrspace *as);
/* Translate a user address for an access of perm; 0 when not mapped so. */
unsigned long as_translate(struct addrspace *as, unsigned long va, unsigned long perm);
int copy_from_user(struct addrspace *as, void *dst, unsigned long src, unsigned long n);
int copy_to_user(struct addrspace *as, unsigned long dst, const void *src, unsigned long n);
long copy_user_to_user(struct addrspace *das, unsigned long dst, struct addrspace *sas,
		       unsigned long src, unsigned long n);
long strncpy_from_user(struct addrspace *as, char *dst, unsigned long src, unsigned long n);
unsigned long user_leaf_flags(unsigned long perm);

#endif
