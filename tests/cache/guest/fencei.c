/* Copies a function into memory nothing has run from, runs it, overwrites
 * it with a different function and runs it again without fence.i, then
 * once more after fence.i. With an I-cache that does not follow stores
 * (fu740) the second run executes the old function; with a coherent one
 * (qemu-virt) the new one; after fence.i both run the new one. */
#include "lib.h"

extern char fn_one[], fn_one_end[], fn_two[], fn_two_end[];

static u32 code[64] __attribute__((aligned(64)));

static void copy(void *dst, const char *from, const char *to)
{
	volatile char *d = dst;
	while (from < to)
		*d++ = *from++;
}

static u64 call(void) { return ((u64(*)(void))(void *)code)(); }

static void fence_i(void) { asm volatile("fence.i" ::: "memory"); }

int main(void)
{
	copy(code, fn_one, fn_one_end);
	fence_i();
	show("first", call());
	copy(code, fn_two, fn_two_end);
	show("nofence", call());
	fence_i();
	show("fence", call());
	return 0;
}
