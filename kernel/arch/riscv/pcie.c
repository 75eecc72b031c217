/*
 * PCIe configuration access for the board's host bridge:
 *  - generic ECAM (QEMU virt): bus << 20 | dev << 15 | fn << 12 | offset
 *    in the configuration window;
 *  - DesignWare (FU740): the root port's own registers through DBI, every
 *    other bus through an outbound iATU region that turns accesses to the
 *    "config" window into type 0 (the root port's secondary bus) or type 1
 *    configuration requests for the target bus/device/function.
 */
#include <board.h>
#include <kernel/kernel.h>
#include <arch/io.h>
#include <arch/csr.h>
#include <drivers/pci.h>

#if defined(BOARD_PCIE_ECAM)

static unsigned long ecam(int bus, int dev, int fn, int off)
{
	return BOARD_PCIE_CFG_BASE + ((unsigned long)bus << 20) + ((unsigned long)dev << 15) +
	       ((unsigned long)fn << 12) + (unsigned long)(off & 0xffc);
}

int pcie_host_init(void)
{
	return 0;
}

uint32_t pcie_cfg_read32(int bus, int dev, int fn, int off)
{
	if ((unsigned long)bus << 20 >= BOARD_PCIE_CFG_SIZE)
		return 0xffffffffu;
	return mmio_read32(ecam(bus, dev, fn, off));
}

void pcie_cfg_write32(int bus, int dev, int fn, int off, uint32_t v)
{
	if ((unsigned long)bus << 20 >= BOARD_PCIE_CFG_SIZE)
		return;
	mmio_write32(ecam(bus, dev, fn, off), v);
}

#elif defined(BOARD_PCIE_DW)

/* DesignWare port logic: legacy iATU viewport registers, or the unrolled
 * iATU space (cores from 4.80a) at DBI + 3 MiB, 0x200 per region. */
#define ATU_VIEWPORT     0x900
#define ATU_VP_CTRL1     0x904
#define ATU_VP_CTRL2     0x908
#define ATU_VP_LBASE     0x90c
#define ATU_VP_UBASE     0x910
#define ATU_VP_LIMIT     0x914
#define ATU_VP_LTARGET   0x918
#define ATU_VP_UTARGET   0x91c
#define ATU_UNROLL_BASE  0x300000UL
#define ATU_UR_CTRL1     0x00
#define ATU_UR_CTRL2     0x04
#define ATU_UR_LBASE     0x08
#define ATU_UR_UBASE     0x0c
#define ATU_UR_LIMIT     0x10
#define ATU_UR_LTARGET   0x14
#define ATU_UR_UTARGET   0x18
#define ATU_TYPE_MEM     0
#define ATU_TYPE_CFG0    4
#define ATU_TYPE_CFG1    5
#define ATU_ENABLE       (1u << 31)
#define MEM_REGION       0
#define CFG_REGION       1
#define ROOT_SECONDARY   1
#define PORT_DEBUG1      0x72c
#define DEBUG1_LINK_UP   (1u << 4)
#define DEBUG1_TRAINING  (1u << 29)
/* The FU740's "mgmt" block (SiFive glue around the controller). */
#define MGMT_PERST_N       0x000
#define MGMT_LTSSM_ENABLE  0x010
#define MGMT_HOLD_PHY_RST  0x018
#define MGMT_DEVICE_TYPE   0x708
#define DEVICE_TYPE_RC     4

static int atu_unrolled;

static void atu_program(int region, int type, uint64_t base, uint64_t limit, uint64_t target);

static bool link_up(void)
{
	uint32_t v = mmio_read32(BOARD_PCIE_DBI_BASE + PORT_DEBUG1);
	return (v & DEBUG1_LINK_UP) && !(v & DEBUG1_TRAINING);
}

#define LINK_POLLS_PER_SEC 100   /* poll the link every 10 ms */

/*
 * Waits up to a second for the link, as Linux's dw_pcie_wait_for_link, but
 * asleep in wfi on the timer between polls: with an empty slot the link
 * never trains, and a spin would burn a second of instructions. The
 * boot hart's timer is borrowed and re-armed as it was.
 */
static bool wait_for_link(void)
{
	unsigned long armed = this_cpu()->timer_armed;
	unsigned long deadline = rdtime() + machine.timebase;
	bool up;
	while (!(up = link_up())) {
		unsigned long now = rdtime();
		if (now >= deadline)
			break;
		unsigned long next = now + machine.timebase / LINK_POLLS_PER_SEC;
		timer_program(next < deadline ? next : deadline);
		while (!(csr_read(sip) & SIE_STIE))   /* sie.STIE wakes wfi; sstatus.SIE stays off */
			wfi();
	}
	timer_program(armed);
	return up;
}

/*
 * Firmware (U-Boot) normally trains the link; booted straight from the
 * SBI, release the controller ourselves: PHY out of reset, root-complex
 * mode, PERST# released, LTSSM on, then wait for the link.
 */
static bool bring_up_link(void)
{
	if (link_up())
		return true;
#ifdef BOARD_PCIE_MGMT_BASE
	mmio_write32(BOARD_PCIE_MGMT_BASE + MGMT_HOLD_PHY_RST, 0);
	mmio_write32(BOARD_PCIE_MGMT_BASE + MGMT_DEVICE_TYPE, DEVICE_TYPE_RC);
	mmio_write32(BOARD_PCIE_MGMT_BASE + MGMT_PERST_N, 1);
	mmio_write32(BOARD_PCIE_MGMT_BASE + MGMT_LTSSM_ENABLE, 1);
	return wait_for_link();
#else
	return false;
#endif
}

int pcie_host_init(void)
{
	atu_unrolled = mmio_read32(BOARD_PCIE_DBI_BASE + ATU_VIEWPORT) == 0xffffffffu;
	if (!bring_up_link()) {
		printk("[kernel] pcie: link down (empty slot), not scanning behind the root port\n");
		return -ENODEV;
	}
	/* CPU accesses to the memory window reach the bus unchanged. */
	atu_program(MEM_REGION, ATU_TYPE_MEM, BOARD_PCIE_MMIO_BASE,
		    BOARD_PCIE_MMIO_BASE + BOARD_PCIE_MMIO_SIZE - 1, BOARD_PCIE_MMIO_BASE);
	return 0;
}

static void atu_program_cfg(int type, uint64_t target)
{
	atu_program(CFG_REGION, type, BOARD_PCIE_CFG_BASE, BOARD_PCIE_CFG_BASE + 0xfff, target);
}

static void atu_program(int region, int type, uint64_t base, uint64_t limit, uint64_t target)
{
	if (atu_unrolled) {
		unsigned long r = BOARD_PCIE_DBI_BASE + ATU_UNROLL_BASE + 0x200UL * (unsigned long)region;
		mmio_write32(r + ATU_UR_LBASE, (uint32_t)base);
		mmio_write32(r + ATU_UR_UBASE, (uint32_t)(base >> 32));
		mmio_write32(r + ATU_UR_LIMIT, (uint32_t)limit);
		mmio_write32(r + ATU_UR_LTARGET, (uint32_t)target);
		mmio_write32(r + ATU_UR_UTARGET, (uint32_t)(target >> 32));
		mmio_write32(r + ATU_UR_CTRL1, (uint32_t)type);
		mmio_write32(r + ATU_UR_CTRL2, ATU_ENABLE);
		(void)mmio_read32(r + ATU_UR_CTRL2);   /* the write must land before the access */
	} else {
		unsigned long d = BOARD_PCIE_DBI_BASE;
		mmio_write32(d + ATU_VIEWPORT, (uint32_t)region);
		mmio_write32(d + ATU_VP_LBASE, (uint32_t)base);
		mmio_write32(d + ATU_VP_UBASE, (uint32_t)(base >> 32));
		mmio_write32(d + ATU_VP_LIMIT, (uint32_t)limit);
		mmio_write32(d + ATU_VP_LTARGET, (uint32_t)target);
		mmio_write32(d + ATU_VP_UTARGET, (uint32_t)(target >> 32));
		mmio_write32(d + ATU_VP_CTRL1, (uint32_t)type);
		mmio_write32(d + ATU_VP_CTRL2, ATU_ENABLE);
		(void)mmio_read32(d + ATU_VP_CTRL2);
	}
}

/* The address to access, or 0 where no device can answer. */
static unsigned long dw_cfg_addr(int bus, int dev, int fn, int off)
{
	if (bus == 0)
		return dev == 0 && fn == 0 ? BOARD_PCIE_DBI_BASE + (unsigned long)(off & 0xffc) : 0;
	/* Behind a root port, only device 0 exists on its secondary bus. */
	if (bus == ROOT_SECONDARY && dev != 0)
		return 0;
	uint64_t target = ((uint64_t)bus << 24) | ((uint64_t)dev << 19) | ((uint64_t)fn << 16);
	atu_program_cfg(bus == ROOT_SECONDARY ? ATU_TYPE_CFG0 : ATU_TYPE_CFG1, target);
	return BOARD_PCIE_CFG_BASE + (unsigned long)(off & 0xffc);
}

/* Callers serialise configuration access (boot-time enumeration only). */
uint32_t pcie_cfg_read32(int bus, int dev, int fn, int off)
{
	unsigned long a = dw_cfg_addr(bus, dev, fn, off);
	return a ? mmio_read32(a) : 0xffffffffu;
}

void pcie_cfg_write32(int bus, int dev, int fn, int off, uint32_t v)
{
	unsigned long a = dw_cfg_addr(bus, dev, fn, off);
	if (a)
		mmio_write32(a, v);
}

#endif
