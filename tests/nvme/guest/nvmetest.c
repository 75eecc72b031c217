/*
 * Bare-metal NVMe test: enumerates PCI, brings up the first NVMe controller,
 * identifies it, moves data through one I/O queue pair and exercises error
 * paths, interrupts (INTx through the PLIC, then MSI-X) and the shutdown and
 * reset handshakes. Every completion is printed in one stable line format so
 * that runs on QEMU and on cosim can be compared line by line:
 *
 *   CPL <what> cid=<hex4> sq=<n> sct=<x> sc=<xx> dnr=<d> dw0=<hex8>
 *
 * Freestanding, M-mode, single hart. Config space access is ECAM (QEMU virt)
 * or, with -DPCIE_DW, the DesignWare host of the FU740 (DBI for the root
 * port, an outbound iATU region retargeted per access for the buses below).
 */
#include <stdint.h>
#include <stddef.h>
#include "platform.h"

#define PAGE 4096u

/* ---------------------------------------------------------------- basics */

static inline void mmio_w32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t mmio_r32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_w16(uintptr_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline uint16_t mmio_r16(uintptr_t a) { return *(volatile uint16_t *)a; }
static inline void mmio_w8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint8_t mmio_r8(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline void mmio_w64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }
static inline uint64_t mmio_r64(uintptr_t a) { return *(volatile uint64_t *)a; }

/* Queue entries and data must be in memory before the doorbell write that
   tells the device about them; completions must be read after the phase
   tag that says they are there. */
#define wmb() __asm__ volatile("fence w,o" ::: "memory")
#define rmb() __asm__ volatile("fence i,r" ::: "memory")
#define barrier() __asm__ volatile("" ::: "memory")

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static int failures;

/* ---------------------------------------------------------------- console */

static void putc_raw(char c)
{
#ifdef UART_SIFIVE
	while ((int32_t)mmio_r32(UART_BASE + 0x00) < 0)
		;
	mmio_w32(UART_BASE + 0x00, (uint8_t)c);
#else
	while (!(mmio_r8(UART_BASE + 5) & 0x20))
		;
	mmio_w8(UART_BASE + 0, (uint8_t)c);
#endif
}

static void putch(char c)
{
	if (c == '\n')
		putc_raw('\r');
	putc_raw(c);
}

static void puts_(const char *s)
{
	while (*s)
		putch(*s++);
}

static void puthex(uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		putch("0123456789abcdef"[(v >> (4 * i)) & 0xf]);
}

static void putdec(uint64_t v)
{
	char buf[24];
	int n = 0;
	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putch(buf[--n]);
}

/* Prints a fixed-width identify string with trailing spaces removed. */
static void putfixed(const uint8_t *s, int n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == 0))
		n--;
	putch('"');
	for (int i = 0; i < n; i++)
		putch(s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?');
	putch('"');
}

static void kv(const char *k, uint64_t v, int digits)
{
	puts_(" ");
	puts_(k);
	puts_("=");
	puthex(v, digits);
}

/* One field per line, so a comparison can name each field that may differ. */
static void field(const char *prefix, const char *k, uint64_t v, int digits)
{
	puts_(prefix);
	puts_(" ");
	puts_(k);
	puts_("=");
	puthex(v, digits);
	puts_("\n");
}

static void field_str(const char *prefix, const char *k, const uint8_t *s, int n)
{
	puts_(prefix);
	puts_(" ");
	puts_(k);
	puts_("=");
	putfixed(s, n);
	puts_("\n");
}

static void fail(const char *what)
{
	failures++;
	puts_("FAIL ");
	puts_(what);
	puts_("\n");
}

#ifdef PMIC_I2C_BASE
/* The HiFive Unmatched has no test finisher: the run ends as the board
   powers off, by telling the DA9063 PMIC on I2C0 to shut down, as
   OpenSBI's FU740 reset driver does. The I2C controller is the OpenCores
   core (registers at a 4-byte stride). */
#define I2C_PRELO 0x00
#define I2C_PREHI 0x04
#define I2C_CTR 0x08
#define I2C_TXR 0x0c
#define I2C_CR 0x10
#define I2C_SR 0x10
#define I2C_CTR_EN 0x80
#define I2C_CR_STA 0x80
#define I2C_CR_STO 0x40
#define I2C_CR_WR 0x10
#define I2C_SR_RXACK 0x80
#define I2C_SR_TIP 0x02
#define DA9063_PAGE_CON 0x00
#define DA9063_CONTROL_F 0x13
#define DA9063_CONTROL_F_SHUTDOWN 0x02

/* Sends one byte (with START and/or STOP as cmd says); 1 if acknowledged. */
static int i2c_send(uint8_t b, uint32_t cmd)
{
	mmio_w32(PMIC_I2C_BASE + I2C_TXR, b);
	mmio_w32(PMIC_I2C_BASE + I2C_CR, cmd | I2C_CR_WR);
	for (int i = 0; i < 100000 && (mmio_r32(PMIC_I2C_BASE + I2C_SR) & I2C_SR_TIP); i++)
		;
	return !(mmio_r32(PMIC_I2C_BASE + I2C_SR) & I2C_SR_RXACK);
}

static int pmic_write(uint8_t reg, uint8_t v)
{
	int ok = i2c_send((uint8_t)(PMIC_I2C_ADDR << 1), I2C_CR_STA);
	ok = ok && i2c_send(reg, 0);
	return ok && i2c_send(v, I2C_CR_STO);
}

static void power_off(void)
{
	/* Prescaler for 100 kHz from the 125 MHz peripheral clock, set while
	   the core is disabled. */
	mmio_w32(PMIC_I2C_BASE + I2C_CTR, 0);
	mmio_w32(PMIC_I2C_BASE + I2C_PRELO, 249);
	mmio_w32(PMIC_I2C_BASE + I2C_PREHI, 0);
	mmio_w32(PMIC_I2C_BASE + I2C_CTR, I2C_CTR_EN);
	if (!pmic_write(DA9063_PAGE_CON, 0) || !pmic_write(DA9063_CONTROL_F, DA9063_CONTROL_F_SHUTDOWN))
		puts_("POWEROFF failed: the PMIC did not acknowledge\n");
}
#endif

static void finish(void)
{
	puts_(failures ? "RESULT fail\n" : "RESULT pass\n");
#ifdef FINISHER_BASE
	mmio_w32(FINISHER_BASE, failures ? ((uint32_t)failures << 16) | 0x3333 : 0x5555);
#endif
#ifdef PMIC_I2C_BASE
	power_off();
#endif
	for (;;)
		__asm__ volatile("wfi");
}

/* ------------------------------------------------------ config space access */

#ifdef PCIE_DW
/* DesignWare port logic and unrolled iATU (outbound region r at
   0x300000 + r * 0x200). */
#define DW_PORT_DEBUG1 0x72c
#define DW_DEBUG1_LINK_UP (1u << 4)
#define DW_DEBUG1_IN_TRAINING (1u << 29)
#define DW_MISC_CONTROL_1 0x8bc
#define DW_ATU_VIEWPORT 0x900
#define DW_ATU(r) (0x300000u + (r) * 0x200u)
#define ATU_CTRL1 0x00
#define ATU_CTRL2 0x04
#define ATU_LOWER_BASE 0x08
#define ATU_UPPER_BASE 0x0c
#define ATU_LIMIT 0x10
#define ATU_LOWER_TARGET 0x14
#define ATU_UPPER_TARGET 0x18
#define ATU_TYPE_MEM 0
#define ATU_TYPE_CFG0 4
#define ATU_TYPE_CFG1 5
#define ATU_ENABLE (1u << 31)
#define ATU_CFG_REGION 0
#define ATU_MEM_REGION 1
#define MGMT_PERST_N 0x0
#define MGMT_LTSSM_ENABLE 0x10
#define MGMT_HOLD_PHY_RST 0x18
#define MGMT_DEVICE_TYPE 0x708

static int dw_secondary_bus = 1;

static void dw_atu(int region, uint32_t type, uint64_t cpu, uint64_t size, uint64_t target)
{
	uintptr_t r = PCIE_DBI_BASE + DW_ATU(region);
	mmio_w32(r + ATU_LOWER_BASE, (uint32_t)cpu);
	mmio_w32(r + ATU_UPPER_BASE, (uint32_t)(cpu >> 32));
	mmio_w32(r + ATU_LIMIT, (uint32_t)(cpu + size - 1));
	mmio_w32(r + ATU_LOWER_TARGET, (uint32_t)target);
	mmio_w32(r + ATU_UPPER_TARGET, (uint32_t)(target >> 32));
	mmio_w32(r + ATU_CTRL1, type);
	mmio_w32(r + ATU_CTRL2, ATU_ENABLE);
	while (!(mmio_r32(r + ATU_CTRL2) & ATU_ENABLE))
		;
}

/* Returns the CPU address of a config register, or 0 when nothing can
   answer there (only device 0 exists on bus 0 and on the root port's link). */
static uintptr_t cfg_addr(int bus, int dev, int fn, int off)
{
	if (bus == 0)
		return dev == 0 ? PCIE_DBI_BASE + (uintptr_t)off : 0;
	if (bus == dw_secondary_bus && dev != 0)
		return 0;
	uint32_t type = bus == dw_secondary_bus ? ATU_TYPE_CFG0 : ATU_TYPE_CFG1;
	uint32_t target = ((uint32_t)bus << 24) | ((uint32_t)dev << 19) | ((uint32_t)fn << 16);
	dw_atu(ATU_CFG_REGION, type, PCIE_CFG_BASE, 0x1000, target);
	return PCIE_CFG_BASE + (uintptr_t)off;
}

static void host_init(void)
{
	uintptr_t m = PCIE_MGMT_BASE;
	mmio_w32(m + MGMT_PERST_N, 0);
	mmio_w32(m + MGMT_PERST_N, 1);
	mmio_w32(m + MGMT_HOLD_PHY_RST, 1);
	mmio_w32(m + MGMT_HOLD_PHY_RST, 0);
	mmio_w32(m + MGMT_DEVICE_TYPE, 4);
	mmio_w32(m + MGMT_LTSSM_ENABLE, 1);
	uint32_t d = 0;
	for (int i = 0; i < 1000000; i++) {
		d = mmio_r32(PCIE_DBI_BASE + DW_PORT_DEBUG1);
		if ((d & DW_DEBUG1_LINK_UP) && !(d & DW_DEBUG1_IN_TRAINING))
			break;
	}
	puts_("DW link");
	kv("debug1", d, 8);
	kv("viewport", mmio_r32(PCIE_DBI_BASE + DW_ATU_VIEWPORT), 8);
	puts_("\n");
	if (!(d & DW_DEBUG1_LINK_UP))
		fail("link did not come up");
	/* Memory accesses in the window reach PCI at the same address. */
	dw_atu(ATU_MEM_REGION, ATU_TYPE_MEM, PCIE_MEM_WINDOW, PCIE_MEM_WINDOW_SIZE, PCIE_MEM_WINDOW);
}
#else
static uintptr_t cfg_addr(int bus, int dev, int fn, int off)
{
	return PCIE_ECAM_BASE + ((uintptr_t)bus << 20) + ((uintptr_t)dev << 15) + ((uintptr_t)fn << 12) +
	       (uintptr_t)off;
}

static void host_init(void) {}
#endif

static uint32_t cfg_r32(int b, int d, int f, int off)
{
	uintptr_t a = cfg_addr(b, d, f, off);
	return a ? mmio_r32(a) : 0xffffffffu;
}

static uint16_t cfg_r16(int b, int d, int f, int off)
{
	uintptr_t a = cfg_addr(b, d, f, off);
	return a ? mmio_r16(a) : 0xffff;
}

static uint8_t cfg_r8(int b, int d, int f, int off)
{
	uintptr_t a = cfg_addr(b, d, f, off);
	return a ? mmio_r8(a) : 0xff;
}

static void cfg_w32(int b, int d, int f, int off, uint32_t v)
{
	uintptr_t a = cfg_addr(b, d, f, off);
	if (a)
		mmio_w32(a, v);
}

static void cfg_w16(int b, int d, int f, int off, uint16_t v)
{
	uintptr_t a = cfg_addr(b, d, f, off);
	if (a)
		mmio_w16(a, v);
}

static void cfg_w8(int b, int d, int f, int off, uint8_t v)
{
	uintptr_t a = cfg_addr(b, d, f, off);
	if (a)
		mmio_w8(a, v);
}

/* ------------------------------------------------------------ enumeration */

#define PCI_COMMAND 0x04
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_CMD_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAPS 0x10
#define PCI_STATUS_INTX 0x08

struct nvme_fn {
	int found, bus, dev, fn, slot_on_root;
	uint64_t bar0;
	uint8_t msix_cap;
	uint8_t pin;
};

static struct nvme_fn nv;
static uint64_t mmio_next = PCIE_MMIO_BASE;
static int next_bus = 1;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static void print_bdf(int b, int d, int f)
{
	puthex((uint64_t)b, 2);
	putch(':');
	puthex((uint64_t)d, 2);
	putch('.');
	putdec((uint64_t)f);
}

static void print_caps(int b, int d, int f)
{
	if (!(cfg_r16(b, d, f, PCI_STATUS) & PCI_STATUS_CAPS))
		return;
	puts_("CAPS ");
	print_bdf(b, d, f);
	uint8_t p = cfg_r8(b, d, f, 0x34) & 0xfc;
	for (int n = 0; p && n < 48; n++) {
		uint8_t id = cfg_r8(b, d, f, p);
		puts_(" ");
		puthex(id, 2);
		putch('@');
		puthex(p, 2);
		p = cfg_r8(b, d, f, p + 1) & 0xfc;
	}
	puts_("\n");
}

static uint8_t find_cap(int b, int d, int f, uint8_t want)
{
	uint8_t p = cfg_r8(b, d, f, 0x34) & 0xfc;
	for (int n = 0; p && n < 48; n++) {
		if (cfg_r8(b, d, f, p) == want)
			return p;
		p = cfg_r8(b, d, f, p + 1) & 0xfc;
	}
	return 0;
}

/* Sizes every BAR with all-ones writes and places memory BARs in the window. */
static void assign_bars(int b, int d, int f, int nbars)
{
	for (int i = 0; i < nbars; i++) {
		int off = 0x10 + 4 * i;
		uint32_t orig = cfg_r32(b, d, f, off);
		cfg_w32(b, d, f, off, 0xffffffffu);
		uint32_t lo = cfg_r32(b, d, f, off);
		if (lo == 0) {
			cfg_w32(b, d, f, off, orig);
			continue;
		}
		if (lo & 1) {
			uint32_t size = ~(lo & ~3u) + 1;
			puts_("BAR");
			putdec((uint64_t)i);
			puts_(" io size=");
			puthex(size & 0xffff, 4);
			puts_("\n");
			cfg_w32(b, d, f, off, 0);
			continue;
		}
		int is64 = ((lo >> 1) & 3) == 2;
		uint64_t mask = lo & ~0xfull;
		if (is64) {
			cfg_w32(b, d, f, off + 4, 0xffffffffu);
			mask |= (uint64_t)cfg_r32(b, d, f, off + 4) << 32;
		} else {
			mask |= 0xffffffff00000000ull;
		}
		uint64_t size = ~mask + 1;
		uint64_t addr = align_up(mmio_next, size);
		mmio_next = addr + size;
		cfg_w32(b, d, f, off, (uint32_t)addr);
		if (is64)
			cfg_w32(b, d, f, off + 4, (uint32_t)(addr >> 32));
		puts_("BAR");
		putdec((uint64_t)i);
		puts_(is64 ? " mem64" : " mem32");
		puts_((lo & 8) ? " pf" : " np");
		kv("size", size, 8);
		kv("addr", addr, 8);
		puts_(" readback=");
		puthex(cfg_r32(b, d, f, off), 8);
		puts_("\n");
		if (i == 0 && nv.found == 0)
			nv.bar0 = addr;
		if (is64)
			i++;
	}
}

static void scan_bus(int bus, int root_slot);

static void setup_bridge(int b, int d, int f)
{
	int sec = next_bus++;
	/* Primary, secondary, subordinate (provisionally everything below). */
	cfg_w32(b, d, f, 0x18, (cfg_r32(b, d, f, 0x18) & 0xff000000u) | (0xffu << 16) | ((uint32_t)sec << 8) | (uint32_t)b);
#ifdef PCIE_DW
	if (b == 0)
		dw_secondary_bus = sec;
#endif
	mmio_next = align_up(mmio_next, 1u << 20);
	uint64_t start = mmio_next;
	scan_bus(sec, -1);
	mmio_next = align_up(mmio_next, 1u << 20);
	cfg_w8(b, d, f, 0x1a, (uint8_t)(next_bus - 1));
	if (mmio_next > start) {
		cfg_w16(b, d, f, 0x20, (uint16_t)((start >> 16) & 0xfff0));
		cfg_w16(b, d, f, 0x22, (uint16_t)(((mmio_next - 1) >> 16) & 0xfff0));
	} else {
		cfg_w16(b, d, f, 0x20, 0xfff0);
		cfg_w16(b, d, f, 0x22, 0x0000);
	}
	/* No prefetchable or I/O window. */
	cfg_w16(b, d, f, 0x24, 0xfff0);
	cfg_w16(b, d, f, 0x26, 0x0000);
	cfg_w32(b, d, f, 0x28, 0);
	cfg_w32(b, d, f, 0x2c, 0);
	cfg_w8(b, d, f, 0x1c, 0xf0);
	cfg_w8(b, d, f, 0x1d, 0x00);
	cfg_w16(b, d, f, PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_MASTER);
	puts_("BRIDGE ");
	print_bdf(b, d, f);
	kv("buses", cfg_r32(b, d, f, 0x18) & 0xffffff, 6);
	kv("mem", cfg_r32(b, d, f, 0x20), 8);
	kv("cmd", cfg_r16(b, d, f, PCI_COMMAND), 4);
	puts_("\n");
}

static void scan_bus(int bus, int root_slot)
{
	for (int d = 0; d < 32; d++) {
		for (int f = 0; f < 8; f++) {
			uint32_t id = cfg_r32(bus, d, f, 0);
			if (id == 0xffffffffu) {
				if (f == 0)
					break;
				continue;
			}
			uint8_t hdr = cfg_r8(bus, d, f, 0x0e);
			uint32_t class = cfg_r32(bus, d, f, 0x08) >> 8;
			puts_("PCI ");
			print_bdf(bus, d, f);
			puts_(" ");
			puthex(id & 0xffff, 4);
			putch(':');
			puthex(id >> 16, 4);
			kv("class", class, 6);
			kv("hdr", hdr, 2);
			kv("rev", cfg_r8(bus, d, f, 0x08), 2);
			kv("pin", cfg_r8(bus, d, f, 0x3d), 2);
			kv("status", cfg_r16(bus, d, f, PCI_STATUS) & ~PCI_STATUS_INTX, 4);
			puts_("\n");
			print_caps(bus, d, f);
			if ((hdr & 0x7f) == 1) {
				setup_bridge(bus, d, f);
			} else if (class == 0x010802 && !nv.found) {
				assign_bars(bus, d, f, 6);
				nv.found = 1;
				nv.bus = bus;
				nv.dev = d;
				nv.fn = f;
				nv.slot_on_root = root_slot >= 0 ? root_slot : d;
				nv.pin = cfg_r8(bus, d, f, 0x3d);
				nv.msix_cap = find_cap(bus, d, f, 0x11);
				cfg_w16(bus, d, f, PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_MASTER);
			} else if ((hdr & 0x7f) == 0 && class >> 8 != 0x0600) {
				assign_bars(bus, d, f, 6);
			}
			if (f == 0 && !(hdr & 0x80))
				break;
		}
	}
}

/* ------------------------------------------------------------------ NVMe */

#define NVME_CAP 0x00
#define NVME_VS 0x08
#define NVME_INTMS 0x0c
#define NVME_INTMC 0x10
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30

struct sqe {
	uint8_t opc;
	uint8_t flags;
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status;
};

struct queue {
	uint16_t qid, cqid;
	uint16_t sq_size, cq_size;
	uint16_t sq_tail, cq_head;
	uint8_t phase;
	struct sqe *sq;
	volatile struct cqe *cq;
};

#define ADMIN_ENTRIES 32
#define IO_ENTRIES 8
#define NSZE_EXPECTED 2048

static struct sqe asq_mem[ADMIN_ENTRIES] __attribute__((aligned(PAGE)));
static struct cqe acq_mem[ADMIN_ENTRIES] __attribute__((aligned(PAGE)));
static struct sqe sq1_mem[IO_ENTRIES] __attribute__((aligned(PAGE)));
static struct cqe cq1_mem[IO_ENTRIES] __attribute__((aligned(PAGE)));
static struct sqe sq2_mem[IO_ENTRIES] __attribute__((aligned(PAGE)));
static struct sqe sq3_mem[IO_ENTRIES] __attribute__((aligned(PAGE)));
static struct cqe cq2_mem[4] __attribute__((aligned(PAGE)));
static uint8_t idbuf[PAGE] __attribute__((aligned(PAGE)));
static uint8_t wbuf[5 * PAGE] __attribute__((aligned(PAGE)));
static uint8_t rbuf[5 * PAGE] __attribute__((aligned(PAGE)));
static uint64_t prplist[2][PAGE / 8] __attribute__((aligned(PAGE)));
static volatile uint32_t msix_mbox[PAGE / 4] __attribute__((aligned(PAGE)));

static struct queue adminq, ioq1, ioq2, ioq3, cq2q;
static uint16_t next_cid = 1;
static uint32_t dstrd;
static uint64_t nsze;
static uint16_t aer_cid;
static volatile int irq_count;
static volatile uint32_t irq_last_src;
static int hart;

static uintptr_t bar(uint32_t off) { return (uintptr_t)nv.bar0 + off; }

static uintptr_t sq_doorbell(uint16_t qid) { return bar(0x1000 + (2u * qid) * (4u << dstrd)); }

static uintptr_t cq_doorbell(uint16_t qid) { return bar(0x1000 + (2u * qid + 1) * (4u << dstrd)); }

static void queue_init(struct queue *q, uint16_t qid, struct sqe *sq, uint16_t sq_size, volatile struct cqe *cq,
		       uint16_t cq_size)
{
	q->qid = qid;
	q->cqid = qid;
	q->sq = sq;
	q->sq_size = sq_size;
	q->sq_tail = 0;
	q->cq = cq;
	q->cq_size = cq_size;
	q->cq_head = 0;
	q->phase = 1;
	if (sq)
		memset(sq, 0, sizeof(struct sqe) * sq_size);
	if (cq)
		memset((void *)cq, 0, sizeof(struct cqe) * cq_size);
}

static uint16_t submit(struct queue *q, struct sqe *c)
{
	c->cid = next_cid++;
	q->sq[q->sq_tail] = *c;
	q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->sq_size);
	wmb();
	mmio_w32(sq_doorbell(q->qid), q->sq_tail);
	return c->cid;
}

/* Takes the next completion of the queue if its phase tag says it is new. */
static int cq_take(struct queue *q, struct cqe *out, int ring)
{
	volatile struct cqe *e = &q->cq[q->cq_head];
	if ((e->status & 1) != q->phase)
		return 0;
	rmb();
	out->dw0 = e->dw0;
	out->dw1 = e->dw1;
	out->sqhd = e->sqhd;
	out->sqid = e->sqid;
	out->cid = e->cid;
	out->status = e->status;
	q->cq_head = (uint16_t)(q->cq_head + 1);
	if (q->cq_head == q->cq_size) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	if (ring)
		mmio_w32(cq_doorbell(q->qid), q->cq_head);
	return 1;
}

static void print_cpl(const char *what, const struct cqe *c)
{
	puts_("CPL ");
	puts_(what);
	kv("cid", c->cid, 4);
	puts_(" sq=");
	putdec(c->sqid);
	kv("sct", (c->status >> 9) & 7, 1);
	kv("sc", (c->status >> 1) & 0xff, 2);
	kv("dnr", (c->status >> 15) & 1, 1);
	kv("dw0", c->dw0, 8);
	puts_("\n");
}

static struct cqe last_aen;
static int aen_seen;

/* Waits for the completion of cid; completions of the outstanding
   Asynchronous Event Request that arrive meanwhile are printed as AEN. */
static int wait_cid(struct queue *q, uint16_t cid, struct cqe *out)
{
	for (long spin = 0; spin < 20000000; spin++) {
		struct cqe c;
		if (!cq_take(q, &c, 1))
			continue;
		if (q == &adminq && aer_cid && c.cid == aer_cid) {
			print_cpl("aen", &c);
			last_aen = c;
			aen_seen = 1;
			aer_cid = 0;
			continue;
		}
		if (c.cid != cid) {
			puts_("UNEXPECTED ");
			print_cpl("?", &c);
			failures++;
			continue;
		}
		*out = c;
		return 1;
	}
	puts_("TIMEOUT cid=");
	puthex(cid, 4);
	puts_("\n");
	failures++;
	return 0;
}

static struct cqe run(struct queue *q, struct sqe *c, const char *what)
{
	struct cqe r;
	memset(&r, 0xff, sizeof r);
	uint16_t cid = submit(q, c);
	if (wait_cid(q, cid, &r))
		print_cpl(what, &r);
	return r;
}

static int ok(const struct cqe *c) { return ((c->status >> 1) & 0x7ff) == 0; }

static uint32_t csts(void) { return mmio_r32(bar(NVME_CSTS)); }

static int wait_csts(uint32_t mask, uint32_t want)
{
	for (long i = 0; i < 20000000; i++)
		if ((csts() & mask) == want)
			return 1;
	return 0;
}

static void submit_aer(void)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	c.opc = 0x0c;
	aer_cid = submit(&adminq, &c);
}

static void print_cap(void)
{
	uint64_t cap = mmio_r64(bar(NVME_CAP));
	field("CAP", "mqes", cap & 0xffff, 4);
	field("CAP", "cqr", (cap >> 16) & 1, 1);
	field("CAP", "ams", (cap >> 17) & 3, 1);
	field("CAP", "to", (cap >> 24) & 0xff, 2);
	field("CAP", "dstrd", (cap >> 32) & 0xf, 1);
	field("CAP", "nssrs", (cap >> 36) & 1, 1);
	field("CAP", "css", (cap >> 37) & 0xff, 2);
	field("CAP", "bps", (cap >> 45) & 1, 1);
	field("CAP", "mpsmin", (cap >> 48) & 0xf, 1);
	field("CAP", "mpsmax", (cap >> 52) & 0xf, 1);
	field("CAP", "pmrs", (cap >> 56) & 1, 1);
	field("CAP", "cmbs", (cap >> 57) & 1, 1);
	puts_("NVME");
	kv("vs", mmio_r32(bar(NVME_VS)), 8);
	kv("cc", mmio_r32(bar(NVME_CC)), 8);
	kv("csts", csts(), 8);
	puts_("\n");
	dstrd = (uint32_t)((cap >> 32) & 0xf);
}

static int enable_controller(void)
{
	mmio_w32(bar(NVME_CC), 0);
	if (!wait_csts(1, 0)) {
		fail("CSTS.RDY did not clear");
		return 0;
	}
	queue_init(&adminq, 0, asq_mem, ADMIN_ENTRIES, acq_mem, ADMIN_ENTRIES);
	mmio_w32(bar(NVME_AQA), ((ADMIN_ENTRIES - 1u) << 16) | (ADMIN_ENTRIES - 1u));
	mmio_w64(bar(NVME_ASQ), (uintptr_t)asq_mem);
	mmio_w64(bar(NVME_ACQ), (uintptr_t)acq_mem);
	/* IOCQES 4 (16 B), IOSQES 6 (64 B), MPS 0 (4 KiB), CSS NVM, EN. */
	mmio_w32(bar(NVME_CC), (4u << 20) | (6u << 16) | 1u);
	int rdy = wait_csts(3, 1);
	puts_("NVME enable");
	kv("cc", mmio_r32(bar(NVME_CC)), 8);
	kv("csts", csts(), 8);
	kv("aqa", mmio_r32(bar(NVME_AQA)), 8);
	puts_("\n");
	if (!rdy)
		fail("CSTS.RDY did not set");
	return rdy;
}

/* --------------------------------------------------------- admin commands */

static struct cqe identify(uint32_t cns, uint32_t nsid, const char *what)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	memset(idbuf, 0xa5, sizeof idbuf);
	c.opc = 0x06;
	c.nsid = nsid;
	c.prp1 = (uintptr_t)idbuf;
	c.cdw10 = cns;
	return run(&adminq, &c, what);
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void print_identify_ctrl(void)
{
	const uint8_t *d = idbuf;
	const char *p = "IDCTRL";
	field(p, "vid", le(d + 0, 2), 4);
	field(p, "ssvid", le(d + 2, 2), 4);
	field_str(p, "sn", d + 4, 20);
	field_str(p, "mn", d + 24, 40);
	field_str(p, "fr", d + 64, 8);
	field(p, "rab", d[72], 2);
	field(p, "ieee", le(d + 73, 3), 6);
	field(p, "cmic", d[76], 2);
	field(p, "mdts", d[77], 2);
	field(p, "cntlid", le(d + 78, 2), 4);
	field(p, "ver", le(d + 80, 4), 8);
	field(p, "oaes", le(d + 92, 4), 8);
	field(p, "ctratt", le(d + 96, 4), 8);
	field(p, "cntrltype", d[111], 2);
	field(p, "oacs", le(d + 256, 2), 4);
	field(p, "acl", d[258], 2);
	field(p, "aerl", d[259], 2);
	field(p, "frmw", d[260], 2);
	field(p, "lpa", d[261], 2);
	field(p, "elpe", d[262], 2);
	field(p, "npss", d[263], 2);
	field(p, "wctemp", le(d + 266, 2), 4);
	field(p, "cctemp", le(d + 268, 2), 4);
	field(p, "sqes", d[512], 2);
	field(p, "cqes", d[513], 2);
	field(p, "maxcmd", le(d + 514, 2), 4);
	field(p, "nn", le(d + 516, 4), 8);
	field(p, "oncs", le(d + 520, 2), 4);
	field(p, "fuses", le(d + 522, 2), 4);
	field(p, "fna", d[524], 2);
	field(p, "vwc", d[525], 2);
	field(p, "awun", le(d + 526, 2), 4);
	field(p, "awupf", le(d + 528, 2), 4);
	field(p, "sgls", le(d + 536, 4), 8);
	field_str(p, "subnqn", d + 768, 256);
}

static void print_identify_ns(void)
{
	const uint8_t *d = idbuf;
	const char *p = "IDNS";
	nsze = le(d + 0, 8);
	field(p, "nsze", nsze, 8);
	field(p, "ncap", le(d + 8, 8), 8);
	field(p, "nuse", le(d + 16, 8), 8);
	field(p, "nsfeat", d[24], 2);
	field(p, "nlbaf", d[25], 2);
	field(p, "flbas", d[26], 2);
	field(p, "mc", d[27], 2);
	field(p, "dpc", d[28], 2);
	field(p, "dps", d[29], 2);
	field(p, "nmic", d[30], 2);
	field(p, "dlfeat", d[33], 2);
	field(p, "lbaf0", le(d + 128, 4), 8);
}

static struct cqe set_features(uint32_t fid, uint32_t dw11, const char *what)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	c.opc = 0x09;
	c.cdw10 = fid;
	c.cdw11 = dw11;
	return run(&adminq, &c, what);
}

static struct cqe get_features(uint32_t fid, uint32_t sel, const char *what)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	c.opc = 0x0a;
	c.cdw10 = fid | (sel << 8);
	return run(&adminq, &c, what);
}

static struct cqe get_log(uint32_t lid, uint32_t nsid, uint32_t bytes, int rae, const char *what)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	memset(idbuf, 0, sizeof idbuf);
	c.opc = 0x02;
	c.nsid = nsid;
	c.prp1 = (uintptr_t)idbuf;
	c.cdw10 = lid | ((uint32_t)rae << 15) | (((bytes / 4) - 1) << 16);
	return run(&adminq, &c, what);
}

static struct cqe create_cq(uint16_t qid, volatile struct cqe *mem, uint16_t size, uint16_t iv, int ien,
			    const char *what)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	c.opc = 0x05;
	c.prp1 = (uintptr_t)mem;
	c.cdw10 = ((uint32_t)(size - 1) << 16) | qid;
	c.cdw11 = ((uint32_t)iv << 16) | (ien ? 2u : 0u) | 1u;
	return run(&adminq, &c, what);
}

static struct cqe create_sq(uint16_t qid, struct sqe *mem, uint16_t size, uint16_t cqid, const char *what)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	c.opc = 0x01;
	c.prp1 = (uintptr_t)mem;
	c.cdw10 = ((uint32_t)(size - 1) << 16) | qid;
	c.cdw11 = ((uint32_t)cqid << 16) | 1u;
	return run(&adminq, &c, what);
}

static struct cqe delete_queue(uint8_t opc, uint16_t qid, const char *what)
{
	struct sqe c;
	memset(&c, 0, sizeof c);
	c.opc = opc;
	c.cdw10 = qid;
	return run(&adminq, &c, what);
}

/* ------------------------------------------------------------ I/O commands */

static uint8_t pattern(uint64_t lba, uint32_t i) { return (uint8_t)(lba * 31u + i * 7u + 0x5au + (i >> 9)); }

static void fill_pattern(uint8_t *buf, uint64_t lba, uint32_t nblocks)
{
	for (uint32_t b = 0; b < nblocks; b++)
		for (uint32_t i = 0; i < 512; i++)
			buf[b * 512 + i] = pattern(lba + b, i);
}

static int check_pattern(const uint8_t *buf, uint64_t lba, uint32_t nblocks)
{
	for (uint32_t b = 0; b < nblocks; b++)
		for (uint32_t i = 0; i < 512; i++)
			if (buf[b * 512 + i] != pattern(lba + b, i))
				return 0;
	return 1;
}

static uint32_t fnv(const uint8_t *p, uint32_t n)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void rw_cmd(struct sqe *c, uint8_t opc, uint32_t nsid, uint64_t lba, uint32_t nblocks, uint64_t prp1,
		   uint64_t prp2)
{
	memset(c, 0, sizeof *c);
	c->opc = opc;
	c->nsid = nsid;
	c->prp1 = prp1;
	c->prp2 = prp2;
	c->cdw10 = (uint32_t)lba;
	c->cdw11 = (uint32_t)(lba >> 32);
	c->cdw12 = nblocks - 1;
}

static void print_data(const char *what, const uint8_t *p, uint32_t n)
{
	puts_("DATA ");
	puts_(what);
	kv("fnv", fnv(p, n), 8);
	puts_(" head=");
	for (int i = 0; i < 8; i++)
		puthex(p[i], 2);
	puts_("\n");
}

/* ------------------------------------------------------------------ PLIC */

#define PLIC_PRIORITY(s) (PLIC_BASE + 4u * (s))
#define PLIC_ENABLE(ctx, s) (PLIC_BASE + 0x2000u + 0x80u * (ctx) + 4u * ((s) / 32))
#define PLIC_THRESHOLD(ctx) (PLIC_BASE + 0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_BASE + 0x200004u + 0x1000u * (ctx))

static uint32_t intx_src;
static struct queue *irq_queue;
static struct cqe irq_cqe;
/* Written by the handler: volatile, or the compiler may take the value the
   main code stored before waiting as the one it reads after. */
static volatile int irq_cqe_valid;

void trap_handler(uint64_t cause, uint64_t epc, uint64_t tval)
{
	if (cause != ((1ull << 63) | 11)) {
		puts_("TRAP");
		kv("mcause", cause, 16);
		kv("mepc", epc, 16);
		kv("mtval", tval, 16);
		puts_("\n");
		failures++;
		finish();
	}
	int ctx = PLIC_MCONTEXT(hart);
	uint32_t src = mmio_r32(PLIC_CLAIM(ctx));
	if (src == 0)
		return;
	irq_last_src = src;
	if (irq_queue && !irq_cqe_valid && cq_take(irq_queue, &irq_cqe, 1))
		irq_cqe_valid = 1;
	irq_count++;
	mmio_w32(PLIC_CLAIM(ctx), src);
}

static void plic_setup(uint32_t src)
{
	int ctx = PLIC_MCONTEXT(hart);
	mmio_w32(PLIC_PRIORITY(src), 1);
	mmio_w32(PLIC_ENABLE(ctx, src), mmio_r32(PLIC_ENABLE(ctx, src)) | (1u << (src % 32)));
	mmio_w32(PLIC_THRESHOLD(ctx), 0);
	/* Drop a pending bit latched while the line toggled during polling. */
	uint32_t stale = mmio_r32(PLIC_CLAIM(ctx));
	if (stale)
		mmio_w32(PLIC_CLAIM(ctx), stale);
}

static void irqs_on(void)
{
	__asm__ volatile("csrs mie, %0" ::"r"(1ul << 11));
	__asm__ volatile("csrs mstatus, %0" ::"r"(1ul << 3));
}

static void irqs_off(void)
{
	__asm__ volatile("csrc mstatus, %0" ::"r"(1ul << 3));
	__asm__ volatile("csrc mie, %0" ::"r"(1ul << 11));
}

/* Waits, with interrupts on, until the handler has counted one more than
   before. The check and the wfi run with mstatus.MIE clear: an interrupt
   arriving between them stays pending and ends the wfi (wfi wakes on a
   pending interrupt enabled in mie, whatever mstatus.MIE says), where
   taking it just before the wfi would leave the hart asleep for good. */
static int wait_irq(int before)
{
	int got = 0;
	for (long i = 0; i < 2000000 && !got; i++) {
		__asm__ volatile("csrc mstatus, %0" ::"r"(1ul << 3));
		got = irq_count != before;
		if (!got)
			__asm__ volatile("wfi");
		__asm__ volatile("csrs mstatus, %0" ::"r"(1ul << 3) : "memory");
	}
	return got || irq_count != before;
}

/* ------------------------------------------------------------------ phases */

static void phase_identify(void)
{
	struct cqe r = identify(1, 0, "identify-ctrl");
	if (ok(&r))
		print_identify_ctrl();
	r = identify(0, 1, "identify-ns1");
	if (ok(&r))
		print_identify_ns();
	if (nsze != NSZE_EXPECTED)
		fail("namespace size");
	r = identify(2, 0, "identify-nslist");
	if (ok(&r)) {
		puts_("NSLIST");
		kv("0", le(idbuf, 4), 8);
		kv("1", le(idbuf + 4, 4), 8);
		puts_("\n");
	}
	identify(3, 1, "identify-nsdesc");
	identify(0x55, 0, "identify-badcns");
	identify(0, 0, "identify-ns0");
	r = identify(0, 2, "identify-inactive-ns2");
	if (ok(&r)) {
		puts_("IDNS2");
		kv("nsze", le(idbuf, 8), 8);
		puts_("\n");
	}
}

static void phase_features(void)
{
	set_features(0x07, (3u << 16) | 3u, "set-nqueues");
	get_features(0x07, 0, "get-nqueues");
	get_features(0x06, 0, "get-vwc");
	get_features(0x01, 0, "get-arbitration");
	get_features(0x04, 0, "get-temp-thresh");
	get_features(0x08, 0, "get-int-coalescing");
	get_features(0x0b, 0, "get-async-config");
	set_features(0x08, (1u << 8) | 4u, "set-int-coalescing");
	get_features(0x08, 0, "get-int-coalescing");
	/* Back to no coalescing, so that MSI-X messages below are sent (or
	   marked pending) at each completion on every controller. */
	set_features(0x08, 0, "set-int-coalescing-off");
	get_features(0x06, 3, "get-vwc-caps");
	get_features(0x7f, 0, "get-bad-fid");
}

static void phase_io_queues(void)
{
	queue_init(&ioq1, 1, sq1_mem, IO_ENTRIES, cq1_mem, IO_ENTRIES);
	create_cq(1, cq1_mem, IO_ENTRIES, 0, 1, "create-cq1");
	create_sq(1, sq1_mem, IO_ENTRIES, 1, "create-sq1");
	set_features(0x07, (3u << 16) | 3u, "set-nqueues-late");
}

static void phase_data(void)
{
	struct sqe c;
	struct cqe r;

	/* Three pages at LBA 8: PRP1 a page, PRP2 a list of two entries. */
	fill_pattern(wbuf, 8, 24);
	prplist[0][0] = (uintptr_t)(wbuf + PAGE);
	prplist[0][1] = (uintptr_t)(wbuf + 2 * PAGE);
	rw_cmd(&c, 0x01, 1, 8, 24, (uintptr_t)wbuf, (uintptr_t)prplist[0]);
	run(&ioq1, &c, "write-3pages");

	/* Four pages at LBA 32 whose PRP list starts 16 bytes before the end of
	   a page: its second entry chains to the next list page. */
	fill_pattern(wbuf, 32, 32);
	uint64_t *tail = &prplist[0][PAGE / 8 - 2];
	tail[0] = (uintptr_t)(wbuf + PAGE);
	tail[1] = (uintptr_t)prplist[1];
	prplist[1][0] = (uintptr_t)(wbuf + 2 * PAGE);
	prplist[1][1] = (uintptr_t)(wbuf + 3 * PAGE);
	rw_cmd(&c, 0x01, 1, 32, 32, (uintptr_t)wbuf, (uintptr_t)tail);
	run(&ioq1, &c, "write-4pages-chained");

	/* One block with Force Unit Access. */
	fill_pattern(wbuf, 64, 8);
	rw_cmd(&c, 0x01, 1, 64, 8, (uintptr_t)wbuf, 0);
	c.cdw12 |= 1u << 30;
	run(&ioq1, &c, "write-fua");

	memset(&c, 0, sizeof c);
	c.opc = 0x00;
	c.nsid = 1;
	run(&ioq1, &c, "flush");

	memset(rbuf, 0, sizeof rbuf);
	prplist[0][0] = (uintptr_t)(rbuf + PAGE);
	prplist[0][1] = (uintptr_t)(rbuf + 2 * PAGE);
	rw_cmd(&c, 0x02, 1, 8, 24, (uintptr_t)rbuf, (uintptr_t)prplist[0]);
	r = run(&ioq1, &c, "read-3pages");
	print_data("lba8", rbuf, 24 * 512);
	if (!ok(&r) || !check_pattern(rbuf, 8, 24))
		fail("read-back of LBA 8..31");

	memset(rbuf, 0, sizeof rbuf);
	tail[0] = (uintptr_t)(rbuf + PAGE);
	tail[1] = (uintptr_t)prplist[1];
	prplist[1][0] = (uintptr_t)(rbuf + 2 * PAGE);
	prplist[1][1] = (uintptr_t)(rbuf + 3 * PAGE);
	rw_cmd(&c, 0x02, 1, 32, 32, (uintptr_t)rbuf, (uintptr_t)tail);
	r = run(&ioq1, &c, "read-4pages-chained");
	print_data("lba32", rbuf, 32 * 512);
	if (!ok(&r) || !check_pattern(rbuf, 32, 32))
		fail("read-back of LBA 32..63");

	/* PRP1 with an offset: 4 KiB from the middle of a page, PRP2 is the
	   second page itself. */
	memset(rbuf, 0, sizeof rbuf);
	rw_cmd(&c, 0x02, 1, 8, 8, (uintptr_t)(rbuf + 0x200), (uintptr_t)(rbuf + PAGE));
	r = run(&ioq1, &c, "read-prp1-offset");
	if (!ok(&r) || !check_pattern(rbuf + 0x200, 8, 8))
		fail("read with PRP1 offset");

	/* Compare: equal, then different. */
	fill_pattern(wbuf, 8, 1);
	rw_cmd(&c, 0x05, 1, 8, 1, (uintptr_t)wbuf, 0);
	run(&ioq1, &c, "compare-equal");
	wbuf[100] ^= 1;
	rw_cmd(&c, 0x05, 1, 8, 1, (uintptr_t)wbuf, 0);
	run(&ioq1, &c, "compare-differ");

	/* Write Zeroes over LBA 64..71, read back. */
	rw_cmd(&c, 0x08, 1, 64, 8, 0, 0);
	run(&ioq1, &c, "write-zeroes");
	memset(rbuf, 0xee, PAGE);
	rw_cmd(&c, 0x02, 1, 64, 8, (uintptr_t)rbuf, 0);
	r = run(&ioq1, &c, "read-zeroed");
	print_data("lba64", rbuf, 8 * 512);

	/* Dataset Management: deallocate LBA 100..107 (advisory; not read back). */
	memset(wbuf, 0, PAGE);
	((uint32_t *)wbuf)[1] = 8;
	((uint64_t *)wbuf)[1] = 100;
	memset(&c, 0, sizeof c);
	c.opc = 0x09;
	c.nsid = 1;
	c.prp1 = (uintptr_t)wbuf;
	c.cdw10 = 0;
	c.cdw11 = 1u << 2;
	run(&ioq1, &c, "dsm-deallocate");

	/* Phase tags: twenty one-block reads through an eight-entry queue. */
	int good = 1;
	for (int i = 0; i < 20; i++) {
		rw_cmd(&c, 0x02, 1, 8 + (uint64_t)i, 1, (uintptr_t)rbuf, 0);
		uint16_t cid = submit(&ioq1, &c);
		if (!wait_cid(&ioq1, cid, &r) || !ok(&r) || !check_pattern(rbuf, 8 + (uint64_t)i, 1))
			good = 0;
	}
	puts_("PHASE wraps ok=");
	putdec((uint64_t)good);
	kv("cqhead", ioq1.cq_head, 2);
	kv("phase", ioq1.phase, 1);
	puts_("\n");
	if (!good)
		fail("phase tag wrap");
}

static void phase_errors(void)
{
	struct sqe c;

	rw_cmd(&c, 0x02, 1, nsze, 1, (uintptr_t)rbuf, 0);
	run(&ioq1, &c, "read-lba-at-end");
	rw_cmd(&c, 0x02, 1, nsze - 1, 2, (uintptr_t)rbuf, 0);
	run(&ioq1, &c, "read-lba-across-end");
	rw_cmd(&c, 0x08, 1, nsze - 4, 8, 0, 0);
	run(&ioq1, &c, "write-zeroes-across-end");
	rw_cmd(&c, 0x02, 1, 0, 65536, (uintptr_t)rbuf, 0);
	run(&ioq1, &c, "read-over-mdts");

	memset(&c, 0, sizeof c);
	c.opc = 0x7f;
	c.nsid = 1;
	run(&ioq1, &c, "io-bad-opcode");
	memset(&c, 0, sizeof c);
	c.opc = 0x3f;
	run(&adminq, &c, "admin-bad-opcode");

	/* A three-page write whose second list entry has an offset: nothing
	   may reach LBA 200. */
	fill_pattern(wbuf, 200, 24);
	prplist[0][0] = (uintptr_t)(wbuf + PAGE);
	prplist[0][1] = (uintptr_t)(wbuf + 2 * PAGE + 0x200);
	rw_cmd(&c, 0x01, 1, 200, 24, (uintptr_t)wbuf, (uintptr_t)prplist[0]);
	run(&ioq1, &c, "write-bad-prp-entry");
	/* Two pages whose PRP2 (a page pointer) has an offset. */
	rw_cmd(&c, 0x02, 1, 8, 16, (uintptr_t)rbuf, (uintptr_t)(rbuf + PAGE + 0x100));
	run(&ioq1, &c, "read-bad-prp2");

	rw_cmd(&c, 0x02, 2, 0, 1, (uintptr_t)rbuf, 0);
	run(&ioq1, &c, "read-inactive-ns");
	rw_cmd(&c, 0x02, 0, 0, 1, (uintptr_t)rbuf, 0);
	run(&ioq1, &c, "read-ns0");
	rw_cmd(&c, 0x02, 0x1000, 0, 1, (uintptr_t)rbuf, 0);
	run(&ioq1, &c, "read-ns-beyond-nn");

	create_cq(0, cq2_mem, 4, 0, 1, "create-cq0");
	create_cq(1, cq2_mem, 4, 0, 1, "create-cq-existing");
	create_cq(65, cq2_mem, 4, 0, 1, "create-cq65");
	create_cq(4, cq2_mem, 1, 0, 1, "create-cq-size1");
	create_cq(4, cq2_mem, 4, 200, 1, "create-cq-bad-vector");
	create_sq(4, sq2_mem, 4, 9, "create-sq-missing-cq");
	create_sq(65, sq2_mem, 4, 1, "create-sq65");
	create_sq(4, sq2_mem, 1, 1, "create-sq-size1");
	delete_queue(0x00, 9, "delete-sq-missing");
	delete_queue(0x04, 9, "delete-cq-missing");
	delete_queue(0x00, 0, "delete-sq0");
	delete_queue(0x04, 1, "delete-cq-in-use");

	memset(&c, 0, sizeof c);
	c.opc = 0x08;
	c.cdw10 = (0x7777u << 16) | 1u;
	run(&adminq, &c, "abort-unknown-cid");

	get_log(0x7f, 0xffffffffu, 512, 0, "getlog-bad-lid");
}

static void phase_events(void)
{
	struct cqe r;

	/* A doorbell of a queue that does not exist. */
	aen_seen = 0;
	mmio_w32(sq_doorbell(10), 1);
	for (long i = 0; i < 20000000 && !aen_seen; i++) {
		struct cqe c;
		if (cq_take(&adminq, &c, 1)) {
			print_cpl(c.cid == aer_cid ? "aen" : "?", &c);
			if (c.cid == aer_cid) {
				aen_seen = 1;
				aer_cid = 0;
			}
		}
	}
	if (!aen_seen)
		fail("no event for an invalid doorbell");
	r = get_log(0x01, 0xffffffffu, 64, 0, "getlog-error");
	(void)r;
	submit_aer();

	/* SMART: enable the temperature event and set the threshold below the
	   current temperature. */
	set_features(0x0b, 0x02, "set-async-config");
	aen_seen = 0;
	set_features(0x04, 0x100, "set-temp-thresh-low");
	if (!aen_seen) {
		struct cqe c;
		for (long i = 0; i < 2000000 && !aen_seen; i++)
			if (cq_take(&adminq, &c, 1) && c.cid == aer_cid) {
				print_cpl("aen", &c);
				aen_seen = 1;
				aer_cid = 0;
			}
	}
	r = get_log(0x02, 0xffffffffu, 512, 1, "getlog-smart-rae");
	if (ok(&r)) {
		puts_("SMART");
		kv("crit", idbuf[0], 2);
		kv("temp", le(idbuf + 1, 2), 4);
		puts_("\n");
	}
	set_features(0x04, 0x157, "set-temp-thresh-default");
	r = get_log(0x02, 0xffffffffu, 512, 0, "getlog-smart");
	submit_aer();
}

static void print_smart(void)
{
	struct cqe r = get_log(0x02, 0xffffffffu, 512, 0, "getlog-smart-final");
	if (!ok(&r))
		return;
	const char *p = "SMART";
	field(p, "crit", idbuf[0], 2);
	field(p, "temp", le(idbuf + 1, 2), 4);
	field(p, "spare", idbuf[3], 2);
	field(p, "sparethresh", idbuf[4], 2);
	field(p, "used", idbuf[5], 2);
	field(p, "dur", le(idbuf + 32, 8), 8);
	field(p, "duw", le(idbuf + 48, 8), 8);
	field(p, "hrc", le(idbuf + 64, 8), 8);
	field(p, "hwc", le(idbuf + 80, 8), 8);
	field(p, "mediaerr", le(idbuf + 160, 8), 8);
}

static void phase_intx(void)
{
#ifdef PCIE_DW
	intx_src = PCIE_INTA_IRQ + ((nv.slot_on_root + nv.pin - 1) % 4);
#else
	intx_src = PCIE_INTX_IRQ(nv.slot_on_root, nv.pin);
#endif
	puts_("INTX src=");
	putdec(intx_src);
	puts_("\n");
	plic_setup(intx_src);
	irq_queue = &ioq1;
	irq_cqe_valid = 0;
	irqs_on();

	struct sqe c;
	rw_cmd(&c, 0x02, 1, 8, 1, (uintptr_t)rbuf, 0);
	int before = irq_count;
	submit(&ioq1, &c);
	int got = wait_irq(before);
	puts_("IRQ intx got=");
	putdec((uint64_t)got);
	puts_(" src=");
	putdec(irq_last_src);
	puts_("\n");
	if (got && irq_cqe_valid)
		print_cpl("read-intx", &irq_cqe);
	else
		fail("no INTx interrupt");

	/* Masked through INTMS: the completion arrives without an interrupt;
	   INTMC then raises it, since the entry is still unacknowledged. */
	irqs_off();
	mmio_w32(bar(NVME_INTMS), 1);
	irq_cqe_valid = 0;
	before = irq_count;
	rw_cmd(&c, 0x02, 1, 9, 1, (uintptr_t)rbuf, 0);
	uint16_t cid = submit(&ioq1, &c);
	volatile struct cqe *e = &ioq1.cq[ioq1.cq_head];
	long spin = 0;
	while ((e->status & 1) != ioq1.phase && spin < 20000000)
		spin++;
	irqs_on();
	for (int i = 0; i < 10000; i++)
		__asm__ volatile("nop");
	puts_("IRQ masked count=");
	putdec((uint64_t)(irq_count - before));
	kv("intms", mmio_r32(bar(NVME_INTMS)), 8);
	puts_("\n");
	mmio_w32(bar(NVME_INTMC), 1);
	int got2 = wait_irq(before);
	puts_("IRQ unmasked got=");
	putdec((uint64_t)got2);
	kv("intms", mmio_r32(bar(NVME_INTMS)), 8);
	puts_("\n");
	if (got2 && irq_cqe_valid && irq_cqe.cid == cid)
		print_cpl("read-intmc", &irq_cqe);
	else
		fail("no interrupt after INTMC");
	irqs_off();
	irq_queue = 0;
}

static void phase_msix(void)
{
	if (!nv.msix_cap) {
		fail("no MSI-X capability");
		return;
	}
	int b = nv.bus, d = nv.dev, f = nv.fn;
	uint16_t mc = cfg_r16(b, d, f, nv.msix_cap + 2);
	uint32_t tab = cfg_r32(b, d, f, nv.msix_cap + 4);
	uint32_t pba = cfg_r32(b, d, f, nv.msix_cap + 8);
	puts_("MSIX");
	kv("ctrl", mc, 4);
	kv("table", tab, 8);
	kv("pba", pba, 8);
	puts_("\n");
	uintptr_t t = bar(tab & ~7u), p = bar(pba & ~7u);
	puts_("MSIX entry1");
	kv("ctrl", mmio_r32(t + 16 + 12), 8);
	puts_("\n");

	mmio_w32(t + 16 + 0, (uint32_t)(uintptr_t)msix_mbox);
	mmio_w32(t + 16 + 4, (uint32_t)((uint64_t)(uintptr_t)msix_mbox >> 32));
	mmio_w32(t + 16 + 8, 0xc05e0001u);
	mmio_w32(t + 16 + 12, 0);
	cfg_w16(b, d, f, nv.msix_cap + 2, (uint16_t)(mc | 0x8000));
	puts_("MSIX enabled");
	kv("ctrl", cfg_r16(b, d, f, nv.msix_cap + 2), 4);
	puts_("\n");

	queue_init(&cq2q, 2, 0, 0, cq2_mem, 4);
	queue_init(&ioq2, 2, sq2_mem, IO_ENTRIES, 0, 0);
	queue_init(&ioq3, 3, sq3_mem, IO_ENTRIES, 0, 0);
	create_cq(2, cq2_mem, 4, 1, 1, "create-cq2-msix");
	create_sq(2, sq2_mem, IO_ENTRIES, 2, "create-sq2");
	create_sq(3, sq3_mem, IO_ENTRIES, 2, "create-sq3");

	struct sqe c;
	struct cqe r;
	msix_mbox[0] = 0;
	rw_cmd(&c, 0x02, 1, 10, 1, (uintptr_t)rbuf, 0);
	uint16_t cid = submit(&ioq2, &c);
	long spin = 0;
	while (msix_mbox[0] == 0 && spin < 20000000)
		spin++;
	puts_("MSIX message");
	kv("mbox", msix_mbox[0], 8);
	puts_("\n");
	if (wait_cid(&cq2q, cid, &r))
		print_cpl("read-sq2-msix", &r);

	/* Masked vector: the message waits in the PBA until unmasked. */
	mmio_w32(t + 16 + 12, 1);
	msix_mbox[0] = 0;
	rw_cmd(&c, 0x02, 1, 11, 1, (uintptr_t)rbuf, 0);
	cid = submit(&ioq3, &c);
	if (wait_cid(&cq2q, cid, &r))
		print_cpl("read-sq3-masked", &r);
	/* Only vector 1's pending bit: QEMU does not mark vector 0 pending for
	   an admin queue created before MSI-X was enabled. */
	puts_("MSIX masked");
	kv("mbox", msix_mbox[0], 8);
	kv("pba1", (mmio_r64(p) >> 1) & 1, 1);
	puts_("\n");
	mmio_w32(t + 16 + 12, 0);
	spin = 0;
	while (msix_mbox[0] == 0 && spin < 20000000)
		spin++;
	puts_("MSIX unmasked");
	kv("mbox", msix_mbox[0], 8);
	kv("pba1", (mmio_r64(p) >> 1) & 1, 1);
	puts_("\n");

	/* A tail beyond the queue size is an invalid doorbell value. */
	aen_seen = 0;
	mmio_w32(sq_doorbell(3), 100);
	for (long i = 0; i < 20000000 && !aen_seen; i++) {
		struct cqe e;
		if (cq_take(&adminq, &e, 1) && e.cid == aer_cid) {
			print_cpl("aen", &e);
			aen_seen = 1;
			aer_cid = 0;
		}
	}
	if (!aen_seen)
		fail("no event for an invalid doorbell value");
	get_log(0x01, 0xffffffffu, 64, 0, "getlog-error2");
	submit_aer();

	delete_queue(0x00, 2, "delete-sq2");
	delete_queue(0x00, 3, "delete-sq3");
	delete_queue(0x04, 2, "delete-cq2");
	cfg_w16(b, d, f, nv.msix_cap + 2, mc & (uint16_t)~0x8000);
}

static void phase_shutdown(void)
{
	print_smart();
	uint32_t cc = mmio_r32(bar(NVME_CC));
	mmio_w32(bar(NVME_CC), (cc & ~(3u << 14)) | (1u << 14));
	int done = wait_csts(3u << 2, 2u << 2);
	puts_("NVME shutdown");
	kv("shst", (csts() >> 2) & 3, 1);
	puts_("\n");
	if (!done)
		fail("shutdown did not complete");
	mmio_w32(bar(NVME_CC), 0);
	done = wait_csts(1, 0);
	puts_("NVME disabled");
	kv("csts", csts(), 8);
	puts_("\n");
	if (!done)
		fail("disable did not complete");

	/* After a controller reset the I/O queues are gone. */
	if (!enable_controller())
		return;
	aer_cid = 0;
	delete_queue(0x00, 1, "delete-sq1-after-reset");
	get_features(0x07, 0, "get-nqueues-after-reset");
}

#ifdef DURABILITY
/* Durability mode: writes the pattern over LBA 8..31, flushes, says so,
   then keeps writing (never flushing) LBA 300..307 until the simulator is
   killed. What was flushed must be in the image afterwards. */
static void durability(void)
{
	struct sqe c;
	struct cqe r;
	queue_init(&ioq1, 1, sq1_mem, IO_ENTRIES, cq1_mem, IO_ENTRIES);
	create_cq(1, cq1_mem, IO_ENTRIES, 0, 0, "create-cq1");
	create_sq(1, sq1_mem, IO_ENTRIES, 1, "create-sq1");
	fill_pattern(wbuf, 8, 24);
	prplist[0][0] = (uintptr_t)(wbuf + PAGE);
	prplist[0][1] = (uintptr_t)(wbuf + 2 * PAGE);
	rw_cmd(&c, 0x01, 1, 8, 24, (uintptr_t)wbuf, (uintptr_t)prplist[0]);
	struct cqe w = run(&ioq1, &c, "write-3pages");
	memset(&c, 0, sizeof c);
	c.opc = 0x00;
	c.nsid = 1;
	r = run(&ioq1, &c, "flush");
	if (!ok(&w) || !ok(&r)) {
		fail("durable write");
		finish();
	}
	puts_("DURABLE flushed lba=8 blocks=24\n");
	for (uint64_t n = 0;; n++) {
		uint64_t lba = 300 + n % 8;
		fill_pattern(wbuf, lba + n, 1);
		rw_cmd(&c, 0x01, 1, lba, 1, (uintptr_t)wbuf, 0);
		uint16_t cid = submit(&ioq1, &c);
		if (!wait_cid(&ioq1, cid, &r) || !ok(&r)) {
			fail("unflushed write");
			finish();
		}
	}
}
#endif

int main(unsigned long hartid)
{
	hart = (int)hartid;
#ifdef UART_SIFIVE
	mmio_w32(UART_BASE + 0x08, 1); /* txen */
#endif
	puts_("NVMETEST start\n");
	host_init();
	scan_bus(0, -1);
	if (!nv.found) {
		fail("no NVMe controller");
		finish();
	}
	puts_("NVME at ");
	print_bdf(nv.bus, nv.dev, nv.fn);
	kv("bar0", nv.bar0, 8);
	puts_("\n");
	print_cap();
	if (!enable_controller())
		finish();
#ifdef DURABILITY
	durability();
#endif
	submit_aer();
	phase_identify();
	phase_features();
	phase_io_queues();
	phase_data();
	phase_errors();
	phase_events();
	phase_intx();
	phase_msix();
	phase_shutdown();
	finish();
	return 0;
}
