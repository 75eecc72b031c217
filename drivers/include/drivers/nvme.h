/* NVMe over PCIe: one admin and one I/O queue pair, interrupt-driven I/O. */
#ifndef DRIVERS_NVME_H
#define DRIVERS_NVME_H
#include <stdint.h>

#define NVME_OP_FLUSH 0x00
#define NVME_OP_WRITE 0x01
#define NVME_OP_READ  0x02
#define NVME_MAX_XFER (2 * 4096)   /* bytes per command: two PRP entries */

struct nvme_info {
	uint64_t blocks;
	uint32_t block_size;
	char model[41];
	char serial[21];
};

int nvme_probe(void);
const struct nvme_info *nvme_info(void);
/* One command; buf is page-aligned kernel (= physical) memory of
 * count * block_size <= NVME_MAX_XFER bytes. Blocks the caller until
 * the completion interrupt. Returns 0 or -EIO. */
int nvme_io(int op, uint64_t lba, uint32_t count, void *buf);
#endif
