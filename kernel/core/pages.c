/*
 * Physical page allocator: one bit per 4 KiB page of the managed RAM.
 * Allocation is lowest-address-first, so a page freed by one process is
 * the next one handed out: recycled pages (and their stale cache lines)
 * are the normal case, not the exception.
 */
#include <kernel/kernel.h>
#include <kernel/mm.h>
#include <kernel/lock.h>

#define MAX_MANAGED (1UL << 30)      /* manage at most 1 GiB of RAM */
#define MAX_PAGES (MAX_MANAGED / PAGE_SIZE)

/* Guards bitmap, first_free and nfree. */
static struct spinlock pages_lock = SPINLOCK_INIT(LC_PAGES, 0, "pages");
static uint64_t bitmap[MAX_PAGES / 64];   /* bit set: page in use */
static unsigned long base, npages, nfree, first_free;

void pages_init(unsigned long start, unsigned long end)
{
	start = PAGE_ROUND_UP(start);
	end = PAGE_ROUND_DOWN(end);
	if (end - start > MAX_MANAGED)
		end = start + MAX_MANAGED;
	base = start;
	npages = (end - start) / PAGE_SIZE;
	nfree = npages;
	first_free = 0;
	memset(bitmap, 0, sizeof bitmap);
	/* Pages past the end count as used. */
	for (unsigned long i = npages; i < MAX_PAGES; i++)
		bitmap[i / 64] |= 1UL << (i % 64);
}

static void mark(unsigned long i, bool used)
{
	if (used)
		bitmap[i / 64] |= 1UL << (i % 64);
	else
		bitmap[i / 64] &= ~(1UL << (i % 64));
}

static bool used(unsigned long i)
{
	return bitmap[i / 64] & (1UL << (i % 64));
}

void pages_reserve(unsigned long start, unsigned long end)
{
	lock_acquire(&pages_lock);
	for (unsigned long a = PAGE_ROUND_DOWN(start); a < end; a += PAGE_SIZE) {
		if (a < base || a >= base + npages * PAGE_SIZE)
			continue;
		unsigned long i = (a - base) / PAGE_SIZE;
		if (!used(i)) {
			mark(i, true);
			nfree--;
		}
	}
	lock_release(&pages_lock);
}

void *pages_alloc(unsigned n)
{
	lock_acquire(&pages_lock);
	unsigned long i = first_free, run = 0, start = 0;
	while (i / 64 < (npages + 63) / 64 && bitmap[i / 64] == ~0UL)
		i = (i / 64 + 1) * 64;
	for (; i < npages; i++) {
		if (used(i)) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			start = i;
		if (run == n)
			break;
	}
	if (run < n) {
		lock_release(&pages_lock);
		return NULL;
	}
	for (unsigned long j = start; j < start + n; j++)
		mark(j, true);
	nfree -= n;
	if (start == first_free)
		first_free = start + n;
	lock_release(&pages_lock);
	void *p = (void *)(base + start * PAGE_SIZE);
	memset(p, 0, n * PAGE_SIZE);
	return p;
}

void *page_alloc(void)
{
	return pages_alloc(1);
}

void pages_free(void *p, unsigned n)
{
	unsigned long a = (unsigned long)p;
	BUG_ON(a < base || a + n * PAGE_SIZE > base + npages * PAGE_SIZE || (a & (PAGE_SIZE - 1)));
	unsigned long i = (a - base) / PAGE_SIZE;
	lock_acquire(&pages_lock);
	for (unsigned long j = i; j < i + n; j++) {
		BUG_ON(!used(j));
		mark(j, false);
	}
	nfree += n;
	if (i < first_free)
		first_free = i;
	lock_release(&pages_lock);
}

void page_free(void *p)
{
	pages_free(p, 1);
}

unsigned long pages_free_count(void)
{
	return READ_ONCE(nfree);
}

unsigned long pages_total(void)
{
	return npages;
}
