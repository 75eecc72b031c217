/*
 * nvmetest: write a pattern to the NVMe namespace, flush, read it back and
 * verify; then two threads on different harts do the same on disjoint
 * ranges at once (interrupt-driven completions for both).
 */
#include "ulib.h"

#define FIRST_LBA 8
#define NBLOCKS 64

static struct blk_info bi;

static uint8_t pattern(unsigned long lba, unsigned i, unsigned seed)
{
	return (uint8_t)(lba * 131 + i * 7 + seed * 29 + (i >> 8));
}

static int write_verify(unsigned long lba0, unsigned long n, unsigned seed, const char *who)
{
	unsigned long bytes = n * bi.block_size;
	uint8_t *w = mmap(bytes), *r = mmap(bytes);
	if (mmap_failed(w) || mmap_failed(r))
		return 1;
	for (unsigned long b = 0; b < n; b++)
		for (unsigned i = 0; i < bi.block_size; i++)
			w[b * bi.block_size + i] = pattern(lba0 + b, i, seed);
	long e;
	if ((e = blk_io(BLK_WRITE, lba0, n, w)) != 0) {
		printf("nvmetest: %s: write: %ld\n", who, e);
		return 1;
	}
	if ((e = blk_io(BLK_FLUSH, 0, 0, 0)) != 0) {
		printf("nvmetest: %s: flush: %ld\n", who, e);
		return 1;
	}
	if ((e = blk_io(BLK_READ, lba0, n, r)) != 0) {
		printf("nvmetest: %s: read: %ld\n", who, e);
		return 1;
	}
	for (unsigned long i = 0; i < bytes; i++) {
		if (r[i] != w[i]) {
			printf("nvmetest: %s: mismatch at byte %lu (lba %lu): read %02x, wrote %02x\n", who, i,
			       lba0 + i / bi.block_size, r[i], w[i]);
			return 1;
		}
	}
	munmap(w, bytes);
	munmap(r, bytes);
	return 0;
}

struct job {
	unsigned long lba;
	unsigned seed;
	const char *name;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	int bad = 0;
	for (int round = 0; round < 4 && !bad; round++)
		bad = write_verify(j->lba, 32, j->seed + (unsigned)round, j->name);
	return (void *)(long)bad;
}

int main(int argc, char **argv)
{
	int r = blk_info(&bi);
	if (r) {
		printf("nvmetest: no block device (%d)\n", r);
		return 1;
	}
	printf("nvmetest: \"%s\" serial \"%s\": %lu blocks of %u bytes\n", bi.model, bi.serial, bi.blocks, bi.block_size);
	if (bi.blocks < FIRST_LBA + 3 * NBLOCKS + 64)
		return 1;
	if (write_verify(FIRST_LBA, NBLOCKS, 1, "main"))
		return 1;
	uint8_t *z = mmap(bi.block_size);
	if (blk_io(BLK_READ, bi.blocks, 1, z) != -EINVAL || blk_io(7, 0, 1, z) != -EINVAL) {
		printf("nvmetest: out-of-range I/O was not refused\n");
		return 1;
	}
	struct sysinfo si;
	sysinfo(&si);
	struct job jobs[2] = {
		{ FIRST_LBA + NBLOCKS, 11, "thread 0" },
		{ FIRST_LBA + NBLOCKS + 32, 23, "thread 1" },
	};
	int tids[2];
	for (int i = 0; i < 2; i++)
		tids[i] = thread_create(worker, &jobs[i], 0, i % si.ncpu);
	long bad = 0;
	for (int i = 0; i < 2; i++) {
		long v = 1;
		thread_join(tids[i], &v);
		bad |= v;
	}
	if (bad)
		return 1;
	/* The first range is still intact after the threads' writes. */
	if (write_verify(FIRST_LBA, NBLOCKS, 1, "main again"))
		return 1;
	printf("nvmetest: PASS (%d blocks written, flushed, read back and verified; 2 threads x 4 rounds concurrently)\n",
	       NBLOCKS);
	return 0;
}
