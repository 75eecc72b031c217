/* PCI(e) enumeration and configuration space, over the board's host bridge. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H
#include <stdint.h>

struct pci_dev {
	int bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class;          /* class << 16 | subclass << 8 | prog-if */
	uint64_t bar[6];         /* assigned CPU (= PCI) address, 0 if none */
	uint64_t bar_size[6];
	int pin;                 /* 1 = INTA .. 4 = INTD, 0 none */
	int irq;                 /* PLIC source, 0 none */
};

/* Host-bridge configuration access (arch layer: ECAM or DesignWare). */
uint32_t pcie_cfg_read32(int bus, int dev, int fn, int off);
void pcie_cfg_write32(int bus, int dev, int fn, int off, uint32_t v);
int pcie_host_init(void);

uint16_t pci_read16(const struct pci_dev *d, int off);
void pci_write16(const struct pci_dev *d, int off, uint16_t v);
/* Enumerate, assign BARs from the board's window, enable memory and bus
 * mastering; returns the number of functions found (up to max). */
int pci_enumerate(struct pci_dev *devs, int max);
struct pci_dev *pci_find_class(uint32_t class);

#define PCI_VENDOR   0x00
#define PCI_COMMAND  0x04
#define PCI_CLASS    0x08
#define PCI_HEADER   0x0c
#define PCI_BAR0     0x10
#define PCI_BUSES    0x18   /* type 1: primary, secondary, subordinate */
#define PCI_MEMWIN   0x20   /* type 1: memory base/limit */
#define PCI_INTR     0x3c   /* line, pin */
#define PCI_CMD_MEM     0x0002
#define PCI_CMD_MASTER  0x0004
#define PCI_CMD_INTX_DISABLE 0x0400
#endif
