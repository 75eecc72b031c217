/* The fence.i test in S-mode under the built-in SBI, with the SBI's remote
 * fence.i (RFENCE extension) on this hart in place of a local fence.i: the
 * store is seen by fetches only after the SBI call. */
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

/* sbi_remote_fence_i(hart_mask = 1, hart_mask_base = hart): SBI error. */
static long sbi_remote_fence_i(u64 hart)
{
	register u64 a0 asm("a0") = 1;
	register u64 a1 asm("a1") = hart;
	register u64 a6 asm("a6") = 0;
	register u64 a7 asm("a7") = 0x52464E43; /* "RFNC" */
	asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
	return (long)a0;
}

void smain(u64 hart)
{
	copy(code, fn_one, fn_one_end);
	show("rfence", sbi_remote_fence_i(hart));
	show("first", call());
	copy(code, fn_two, fn_two_end);
	show("nofence", call());
	sbi_remote_fence_i(hart);
	show("fence", call());
	con_puts("END\n");
}
