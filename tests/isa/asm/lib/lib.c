/* C helpers of the ISA test runtime; see lib.h. */
#include "lib.h"

void show(const char *label, u64 v)
{
	puts(label);
	putc(' ');
	puthex(v);
	putnl();
}

static u64 pool[48][512] __attribute__((aligned(4096)));
static int pool_used;

u64 *page_new(void)
{
	if (pool_used == 48) {
		puts("page pool exhausted\n");
		return 0;
	}
	u64 *p = pool[pool_used++];
	for (int i = 0; i < 512; i++)
		p[i] = 0;
	return p;
}

u64 *map(u64 *root, int levels, u64 va, u64 pa, u64 flags, int level)
{
	u64 *t = root;
	for (int l = levels - 1; l > level; l--) {
		u64 i = (va >> (12 + 9 * l)) & 511;
		if (!(t[i] & PTE_V))
			t[i] = ((u64)page_new() >> 12 << 10) | PTE_V;
		t = (u64 *)((t[i] >> 10) << 12);
	}
	u64 *pte = &t[(va >> (12 + 9 * level)) & 511];
	*pte = (pa >> 12 << 10) | flags | PTE_V;
	return pte;
}
