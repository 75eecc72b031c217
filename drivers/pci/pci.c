/*
 * PCI enumeration at boot: walk the buses behind the host bridge, give
 * every memory BAR an address from the board's 32-bit window (no firmware
 * does it on these boards), program bridge windows, enable memory decoding
 * and bus mastering, and work out each function's PLIC interrupt.
 */
#include <board.h>
#if defined(BOARD_PCIE_ECAM) || defined(BOARD_PCIE_DW)
#include <kernel/lib.h>
#include <drivers/pci.h>

#define MAX_PCI_DEVS 16
static struct pci_dev found[MAX_PCI_DEVS];
static int nfound;
static uint64_t mmio_next = BOARD_PCIE_MMIO_BASE;
static int next_bus = 1;

uint16_t pci_read16(const struct pci_dev *d, int off)
{
	uint32_t v = pcie_cfg_read32(d->bus, d->dev, d->fn, off & ~3);
	return (uint16_t)(v >> (8 * (off & 2)));
}

void pci_write16(const struct pci_dev *d, int off, uint16_t v)
{
	uint32_t w = pcie_cfg_read32(d->bus, d->dev, d->fn, off & ~3);
	int sh = 8 * (off & 2);
	w = (w & ~(0xffffu << sh)) | ((uint32_t)v << sh);
	pcie_cfg_write32(d->bus, d->dev, d->fn, off & ~3, w);
}

static uint64_t alloc_mmio(uint64_t size)
{
	uint64_t a = (mmio_next + size - 1) & ~(size - 1);
	if (a + size > BOARD_PCIE_MMIO_BASE + BOARD_PCIE_MMIO_SIZE)
		return 0;
	mmio_next = a + size;
	return a;
}

/* Size and place the BARs of a function with nbars BARs. */
static void assign_bars(struct pci_dev *d, int nbars)
{
	for (int i = 0; i < nbars; i++) {
		int off = PCI_BAR0 + 4 * i;
		uint32_t orig = pcie_cfg_read32(d->bus, d->dev, d->fn, off);
		if (orig & 1)
			continue;   /* I/O space: not used by our drivers */
		bool is64 = ((orig >> 1) & 3) == 2;
		pcie_cfg_write32(d->bus, d->dev, d->fn, off, 0xffffffffu);
		uint64_t mask = pcie_cfg_read32(d->bus, d->dev, d->fn, off) & ~0xfu;
		if (is64) {
			pcie_cfg_write32(d->bus, d->dev, d->fn, off + 4, 0xffffffffu);
			mask |= (uint64_t)pcie_cfg_read32(d->bus, d->dev, d->fn, off + 4) << 32;
		} else {
			mask |= 0xffffffff00000000ull;
		}
		uint64_t size = mask ? ~mask + 1 : 0;
		uint64_t addr = size ? alloc_mmio(size) : 0;
		pcie_cfg_write32(d->bus, d->dev, d->fn, off, (uint32_t)addr);
		if (is64)
			pcie_cfg_write32(d->bus, d->dev, d->fn, off + 4, (uint32_t)(addr >> 32));
		d->bar[i] = addr;
		d->bar_size[i] = size;
		if (is64)
			i++;
	}
}

static int intx_irq(int slot, int pin)
{
	if (pin < 1 || pin > 4)
		return 0;
#if BOARD_PCIE_INTX_SWIZZLE
	return BOARD_PCIE_INTX_IRQ_BASE + (slot + pin - 1) % 4;
#else
	(void)slot;
	return BOARD_PCIE_INTX_IRQ_BASE + pin - 1;
#endif
}

static void scan_bus(int bus, int root_slot);

static void setup_bridge(struct pci_dev *d)
{
	int secondary = next_bus++;
	/* primary, secondary, subordinate (final value once the subtree is known) */
	pcie_cfg_write32(d->bus, d->dev, d->fn, PCI_BUSES,
			 (uint32_t)d->bus | (uint32_t)secondary << 8 | 0xffu << 16);
	uint64_t win_start = (mmio_next + 0xfffff) & ~0xfffffull;
	mmio_next = win_start;
	scan_bus(secondary, d->dev);
	uint64_t win_end = ((mmio_next + 0xfffff) & ~0xfffffull) - 1;
	mmio_next = win_end + 1;
	pcie_cfg_write32(d->bus, d->dev, d->fn, PCI_BUSES,
			 (uint32_t)d->bus | (uint32_t)secondary << 8 | (uint32_t)(next_bus - 1) << 16);
	if (win_end > win_start)
		pcie_cfg_write32(d->bus, d->dev, d->fn, PCI_MEMWIN,
				 (uint32_t)(win_start >> 16) | (uint32_t)(win_end >> 16) << 16);
	pci_write16(d, PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_MASTER);
}

static void probe_fn(int bus, int dev, int fn, int root_slot)
{
	uint32_t id = pcie_cfg_read32(bus, dev, fn, PCI_VENDOR);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return;
	struct pci_dev d = { .bus = bus, .dev = dev, .fn = fn };
	d.vendor = (uint16_t)id;
	d.device = (uint16_t)(id >> 16);
	d.class = pcie_cfg_read32(bus, dev, fn, PCI_CLASS) >> 8;
	int htype = (pcie_cfg_read32(bus, dev, fn, PCI_HEADER) >> 16) & 0x7f;
	if (htype == 1) {
		/* A root port's own BARs stay unused (on DesignWare they alias DBI). */
		setup_bridge(&d);
		return;
	}
	if (htype != 0)
		return;
	assign_bars(&d, 6);
	d.pin = (pcie_cfg_read32(bus, dev, fn, PCI_INTR) >> 8) & 0xff;
	d.irq = intx_irq(bus == 0 ? dev : root_slot, d.pin);
	uint16_t cmd = pci_read16(&d, PCI_COMMAND);
	cmd = (uint16_t)((cmd | PCI_CMD_MEM | PCI_CMD_MASTER) & ~PCI_CMD_INTX_DISABLE);
	pci_write16(&d, PCI_COMMAND, cmd);
	if (nfound < MAX_PCI_DEVS)
		found[nfound++] = d;
}

static void scan_bus(int bus, int root_slot)
{
	for (int dev = 0; dev < 32; dev++) {
		uint32_t id = pcie_cfg_read32(bus, dev, 0, PCI_VENDOR);
		if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
			continue;
		bool multi = (pcie_cfg_read32(bus, dev, 0, PCI_HEADER) >> 16) & 0x80;
		for (int fn = 0; fn < (multi ? 8 : 1); fn++)
			probe_fn(bus, dev, fn, root_slot);
	}
}

int pci_enumerate(struct pci_dev *devs, int max)
{
	if (pcie_host_init() != 0)
		return 0;
	nfound = 0;
	scan_bus(0, 0);
	int n = MIN(nfound, max);
	if (devs)
		memcpy(devs, found, (size_t)n * sizeof *devs);
	return nfound;
}

struct pci_dev *pci_find_class(uint32_t class)
{
	for (int i = 0; i < nfound; i++)
		if (found[i].class == class)
			return &found[i];
	return NULL;
}
#endif
