/* Board addresses of the NVMe test program. The default is QEMU's virt
   machine (and our qemu-virt model); -DPCIE_DW selects the FU740 layout,
   whose PCIe host is the DesignWare controller behind DBI/iATU registers. */
#ifndef PLATFORM_H
#define PLATFORM_H

#ifdef PCIE_DW
/* SiFive FU740-C000 (HiFive Unmatched). */
#define UART_SIFIVE 1
#define UART_BASE 0x10010000UL
#define PLIC_BASE 0x0C000000UL
#define PCIE_DBI_BASE 0xE00000000UL
#define PCIE_CFG_BASE 0xDF0000000UL
#define PCIE_MGMT_BASE 0x100D0000UL
#define PCIE_MMIO_BASE 0x60100000UL /* inside the 0x6009_0000 window, 1 MiB aligned for the bridge */
#define PCIE_MMIO_END 0x70000000UL
#define PCIE_MEM_WINDOW 0x60090000UL
#define PCIE_MEM_WINDOW_SIZE 0x0FF70000UL
#define PMIC_I2C_BASE 0x10030000UL /* I2C0 with the DA9063 power controller */
#define PMIC_I2C_ADDR 0x58
#define PCIE_INTA_IRQ 57 /* INTA..INTD = 57..60, not swizzled by the host */
/* The M-mode PLIC context of a hart: hart 0 (S7) has only M, harts 1-4 have M and S. */
#define PLIC_MCONTEXT(h) ((h) == 0 ? 0 : 2 * (h) - 1)
#else
/* QEMU virt. */
#define UART_BASE 0x10000000UL
#define PLIC_BASE 0x0C000000UL
#define FINISHER_BASE 0x100000UL
#define PCIE_ECAM_BASE 0x30000000UL
#define PCIE_MMIO_BASE 0x40000000UL
#define PCIE_MMIO_END 0x80000000UL
/* virt swizzles INTx: PLIC source 32 + (slot + pin - 1) % 4, pin 1 = INTA. */
#define PCIE_INTX_IRQ(slot, pin) (32 + ((slot) + (pin) - 1) % 4)
#define PLIC_MCONTEXT(h) (2 * (h))
#endif

#endif
