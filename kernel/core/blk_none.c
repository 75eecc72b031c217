/* Block devices: none yet on this board. */
#include <kernel/kernel.h>
#if !defined(BOARD_PCIE_ECAM) && !defined(BOARD_PCIE_DW)
void blk_init(void) {}
long blk_info_user(unsigned long uaddr) { (void)uaddr; return -ENODEV; }
long blk_io(int op, unsigned long lba, unsigned long count, unsigned long ubuf)
{
	(void)op; (void)lba; (void)count; (void)ubuf;
	return -ENODEV;
}
#endif
