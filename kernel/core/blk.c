/* The block device behind SYS_BLK_*: the first NVMe namespace, if any. */
#include <board.h>
#if defined(BOARD_PCIE_ECAM) || defined(BOARD_PCIE_DW)
#include <kernel/kernel.h>
#include <kernel/proc.h>
#include <drivers/pci.h>
#include <drivers/nvme.h>

void blk_init(void)
{
	struct pci_dev devs[16];
	int n = pci_enumerate(devs, 16);
	for (int i = 0; i < n && i < 16; i++)
		printk("[kernel] pci %02x:%02x.%d %04x:%04x class %06x irq %d\n", devs[i].bus, devs[i].dev,
		       devs[i].fn, devs[i].vendor, devs[i].device, devs[i].class, devs[i].irq);
	nvme_probe();
}

long blk_info_user(unsigned long uaddr)
{
	const struct nvme_info *ni = nvme_info();
	if (!ni)
		return -ENODEV;
	struct blk_info bi;
	memset(&bi, 0, sizeof bi);
	bi.blocks = ni->blocks;
	bi.block_size = ni->block_size;
	bi.present = 1;
	strlcpy(bi.model, ni->model, sizeof bi.model);
	strlcpy(bi.serial, ni->serial, sizeof bi.serial);
	return copy_to_user(&current_thread()->proc->as, uaddr, &bi, sizeof bi);
}

/* Move count blocks between the user buffer and the device, a command at a time. */
long blk_io(int op, unsigned long lba, unsigned long count, unsigned long ubuf)
{
	const struct nvme_info *ni = nvme_info();
	if (!ni)
		return -ENODEV;
	if (op == BLK_FLUSH)
		return nvme_io(NVME_OP_FLUSH, 0, 0, NULL);
	if (op != BLK_READ && op != BLK_WRITE)
		return -EINVAL;
	if (lba >= ni->blocks || count > ni->blocks - lba)
		return -EINVAL;
	struct addrspace *as = &current_thread()->proc->as;
	unsigned long per_cmd = NVME_MAX_XFER / ni->block_size;
	uint8_t *bounce = pages_alloc(NVME_MAX_XFER / PAGE_SIZE);
	if (!bounce)
		return -ENOMEM;
	long r = 0;
	for (unsigned long done = 0; done < count && r == 0;) {
		unsigned long n = MIN(per_cmd, count - done);
		unsigned long bytes = n * ni->block_size, u = ubuf + done * ni->block_size;
		if (op == BLK_WRITE) {
			r = copy_from_user(as, bounce, u, bytes);
			if (r == 0)
				r = nvme_io(NVME_OP_WRITE, lba + done, (uint32_t)n, bounce);
		} else {
			r = nvme_io(NVME_OP_READ, lba + done, (uint32_t)n, bounce);
			if (r == 0)
				r = copy_to_user(as, u, bounce, bytes);
		}
		done += n;
	}
	pages_free(bounce, NVME_MAX_XFER / PAGE_SIZE);
	return r;
}
#endif
