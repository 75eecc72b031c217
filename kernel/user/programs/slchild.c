/*
 * spawnloop's child, built twice (slchild_a, slchild_b) with a different
 * CHILD_ID: same layout, different instruction bytes. Physical pages are
 * recycled between the two, so a hart that fetches stale instructions
 * (no fence.i after the kernel loaded the code) runs the other program's
 * bytes and computes the other ID. slchild EXPECTED_CPU
 */
#include "ulib.h"

/* Read through the data path, which is coherent with the kernel's stores. */
static volatile const long expected_id = CHILD_ID;

__attribute__((noinline)) static long ident(long x)
{
	return (x ^ CHILD_ID) + (CHILD_ID >> 3);
}

__attribute__((noinline)) static long ident2(void)
{
	return CHILD_ID * 3 + 1;
}

int main(int argc, char **argv)
{
	long want = expected_id;
	if (ident(0) != (want ^ 0) + (want >> 3) || ident(want) != (want >> 3) || ident2() != want * 3 + 1)
		return 10;
	if (argc > 1 && cpu_id() != atoi(argv[1]))
		return 11;
	return 0;
}
