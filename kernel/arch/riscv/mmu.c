/*
 * Sv39 address spaces. The kernel's part is shared by every address space:
 * RAM identity-mapped with gigapages (so RAM addresses are physical), and
 * device space in the upper half at IO_VA(pa). User space is everything
 * below RAM, mapped with 4 KiB pages.
 *
 * Every leaf the kernel creates has A and D set explicitly: the U54/U74
 * take a page fault on a leaf with A clear (or D clear for a store), where
 * QEMU would set them in hardware. Porting bug 2 (BUG_NO_AD_BITS) leaves
 * them clear on user leaves.
 */
#include <kernel/kernel.h>
#include <kernel/mm.h>
#include <kernel/lock.h>
#include <arch/io.h>
#include <arch/atomic.h>
#include <arch/csr.h>
#include <arch/sbi.h>

static pte_t kernel_root[512] __attribute__((aligned(4096)));
unsigned long kernel_satp_value;
unsigned long io_base_va;

#define GIB (1UL << 30)
#define KERNEL_LEAF (PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)
#define IO_LEAF (PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D)

static void map_io_gib(unsigned long pa)
{
	pa &= ~(GIB - 1);
	kernel_root[VA_INDEX(KIO_BASE + pa, 2)] = PA_TO_PTE(pa) | IO_LEAF;
}

void kvm_init(unsigned long ram_start, unsigned long ram_end)
{
	for (unsigned long pa = ram_start & ~(GIB - 1); pa < ram_end; pa += GIB)
		kernel_root[VA_INDEX(pa, 2)] = PA_TO_PTE(pa) | KERNEL_LEAF;
	/* Low device space (CLINT, PLIC, UARTs, PCIe windows below RAM). */
	map_io_gib(0);
	map_io_gib(GIB);
#ifdef BOARD_PCIE_CFG_BASE
	for (unsigned long a = BOARD_PCIE_CFG_BASE; a < BOARD_PCIE_CFG_BASE + BOARD_PCIE_CFG_SIZE; a += GIB)
		map_io_gib(a);
#endif
#ifdef BOARD_PCIE_DBI_BASE
	map_io_gib(BOARD_PCIE_DBI_BASE);
#endif
	kernel_satp_value = SATP_MODE_SV39 | ((unsigned long)kernel_root >> PAGE_SHIFT);
}

void kvm_enable(void)
{
	sfence_vma_all();
	csr_write(satp, kernel_satp_value);
	sfence_vma_all();
	io_base_va = KIO_BASE;
}

unsigned long kernel_satp(void)
{
	return kernel_satp_value;
}

unsigned long user_leaf_flags(unsigned long perm)
{
	unsigned long f = PTE_V | PTE_U | (perm & (PTE_R | PTE_W | PTE_X));
#ifndef CONFIG_BUG_NO_AD_BITS
	f |= PTE_A;
	if (perm & PTE_W)
		f |= PTE_D;
#endif
	return f;
}

int as_create(struct addrspace *as)
{
	pte_t *root = page_alloc();
	if (!root)
		return -ENOMEM;
	for (int i = VA_INDEX(USER_VA_TOP, 2); i < 512; i++)
		root[i] = kernel_root[i];
	as->root = root;
	as->mmap_next = USER_MMAP_BASE;
	as->cpus = 0;
	return 0;
}

/* The leaf PTE for va, creating tables on the way if alloc. */
static pte_t *walk(pte_t *root, unsigned long va, bool alloc)
{
	pte_t *table = root;
	for (int level = 2; level > 0; level--) {
		pte_t *e = &table[VA_INDEX(va, level)];
		if (*e & PTE_V) {
			if (*e & (PTE_R | PTE_W | PTE_X))
				return NULL;  /* a superpage: not user space */
			table = (pte_t *)PTE_TO_PA(*e);
			continue;
		}
		if (!alloc)
			return NULL;
		pte_t *next = page_alloc();
		if (!next)
			return NULL;
		/* Non-leaf entries: V only; A, D and U must be clear. */
		*e = PA_TO_PTE(next) | PTE_V;
		table = next;
	}
	return &table[VA_INDEX(va, 0)];
}

int as_map_page(struct addrspace *as, unsigned long va, void *page, unsigned long perm)
{
	if (va < USER_VA_BASE || va >= USER_VA_TOP)
		return -EINVAL;
	lock_acquire(as->lock);
	pte_t *e = walk(as->root, va, true);
	int r = 0;
	if (!e)
		r = -ENOMEM;
	else if (*e & PTE_V)
		r = -EEXIST;
	else
		*e = PA_TO_PTE(page) | user_leaf_flags(perm);
	lock_release(as->lock);
	return r;
}

int as_map_anon(struct addrspace *as, unsigned long va, unsigned long size, unsigned long perm)
{
	for (unsigned long off = 0; off < size; off += PAGE_SIZE) {
		void *pg = page_alloc();
		if (!pg)
			return -ENOMEM;
		int r = as_map_page(as, va + off, pg, perm);
		if (r) {
			page_free(pg);
			return r;
		}
	}
	return 0;
}

/* Other harts that may cache translations of as must drop them. */
static void tlb_shootdown(struct addrspace *as)
{
	sfence_vma_all();
	struct cpu *me = this_cpu();
	unsigned long mask = 0;
	for (int i = 0; i < ncpu; i++)
		if (i != me->id && (READ_ONCE(as->cpus) & (1UL << i)))
			mask |= 1UL << cpus[i].hartid;
	if (mask)
		sbi_remote_sfence_vma(mask, 0);
}

int as_unmap(struct addrspace *as, unsigned long va, unsigned long size)
{
	if (va < USER_VA_BASE || va + size > USER_VA_TOP || (va & (PAGE_SIZE - 1)))
		return -EINVAL;
	int n = 0;
	lock_acquire(as->lock);
	for (unsigned long a = va; a < va + size; a += PAGE_SIZE) {
		pte_t *e = walk(as->root, a, false);
		if (!e || !(*e & PTE_V))
			continue;
		void *pg = (void *)PTE_TO_PA(*e);
		*e = 0;
		page_free(pg);
		n++;
	}
	lock_release(as->lock);
	if (n)
		tlb_shootdown(as);
	return 0;
}

static void free_table(pte_t *table, int level)
{
	for (int i = 0; i < 512; i++) {
		pte_t e = table[i];
		if (!(e & PTE_V))
			continue;
		if (level > 0 && !(e & (PTE_R | PTE_W | PTE_X)))
			free_table((pte_t *)PTE_TO_PA(e), level - 1);
		else
			page_free((void *)PTE_TO_PA(e));
	}
	page_free(table);
}

/* Called with no thread of the process left running on any hart. */
void as_destroy(struct addrspace *as)
{
	if (!as->root)
		return;
	for (unsigned i = 0; i < VA_INDEX(USER_VA_TOP, 2); i++) {
		pte_t e = as->root[i];
		if (e & PTE_V)
			free_table((pte_t *)PTE_TO_PA(e), 1);
	}
	page_free(as->root);
	as->root = NULL;
}

unsigned long as_satp(struct addrspace *as)
{
	return SATP_MODE_SV39 | ((unsigned long)as->root >> PAGE_SHIFT);
}

unsigned long as_translate(struct addrspace *as, unsigned long va, unsigned long perm)
{
	if (va < USER_VA_BASE || va >= USER_VA_TOP || !as->root)
		return 0;
	pte_t *e = walk(as->root, va, false);
	if (!e)
		return 0;
	pte_t v = READ_ONCE(*e);
	if (!(v & PTE_V) || !(v & PTE_U) || (v & perm) != perm)
		return 0;
	return PTE_TO_PA(v) | (va & (PAGE_SIZE - 1));
}

/*
 * The kernel reaches user memory through the page tables, never through
 * the user mapping: a bad pointer is an error code, not a kernel fault.
 * The caller keeps the address space alive (its own process, or a blocked
 * peer whose process cannot be torn down while the peer waits).
 */
int copy_from_user(struct addrspace *as, void *dst, unsigned long src, unsigned long n)
{
	uint8_t *d = dst;
	while (n) {
		unsigned long pa = as_translate(as, src, PTE_R);
		if (!pa)
			return -EFAULT;
		unsigned long chunk = MIN(n, PAGE_SIZE - (src & (PAGE_SIZE - 1)));
		memcpy(d, (void *)pa, chunk);
		d += chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_to_user(struct addrspace *as, unsigned long dst, const void *src, unsigned long n)
{
	const uint8_t *s = src;
	while (n) {
		unsigned long pa = as_translate(as, dst, PTE_W);
		if (!pa)
			return -EFAULT;
		unsigned long chunk = MIN(n, PAGE_SIZE - (dst & (PAGE_SIZE - 1)));
		memcpy((void *)pa, s, chunk);
		s += chunk;
		dst += chunk;
		n -= chunk;
	}
	return 0;
}

long copy_user_to_user(struct addrspace *das, unsigned long dst, struct addrspace *sas,
		       unsigned long src, unsigned long n)
{
	unsigned long done = 0;
	while (done < n) {
		unsigned long spa = as_translate(sas, src + done, PTE_R);
		unsigned long dpa = as_translate(das, dst + done, PTE_W);
		if (!spa || !dpa)
			return -EFAULT;
		unsigned long chunk = n - done;
		chunk = MIN(chunk, PAGE_SIZE - ((src + done) & (PAGE_SIZE - 1)));
		chunk = MIN(chunk, PAGE_SIZE - ((dst + done) & (PAGE_SIZE - 1)));
		memcpy((void *)dpa, (void *)spa, chunk);
		done += chunk;
	}
	return (long)done;
}

long strncpy_from_user(struct addrspace *as, char *dst, unsigned long src, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long pa = as_translate(as, src + i, PTE_R);
		if (!pa)
			return -EFAULT;
		dst[i] = *(char *)pa;
		if (!dst[i])
			return (long)i;
	}
	return -E2BIG;
}
