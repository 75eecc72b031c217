/*
 * The DTB the firmware handed over, checked against the board header the
 * kernel was compiled for: a kernel built for one board must not run on
 * another, whose devices sit elsewhere.
 */
#include <kernel/kernel.h>
#include <kernel/fdt.h>

struct machine machine;

static int mismatches;

static void mismatch_str(const char *what, const char *want, const char *found)
{
	printk("dtb check: %s: expected \"%s\", found \"%s\"\n", what, want, found ? found : "(absent)");
	mismatches++;
}

static void mismatch_num(const char *what, unsigned long want, unsigned long found, bool present)
{
	if (present)
		printk("dtb check: %s: expected %#lx, found %#lx\n", what, want, found);
	else
		printk("dtb check: %s: expected %#lx, found (absent)\n", what, want);
	mismatches++;
}

static void check_root(const void *fdt)
{
	struct fdt_node root;
	fdt_find_path(fdt, "/", &root);
	const char *compat = fdt_getprop_str(&root, "compatible");
	if (!compat || strcmp(compat, BOARD_COMPATIBLE) != 0)
		mismatch_str("/compatible", BOARD_COMPATIBLE, compat);
	const char *model = fdt_getprop_str(&root, "model");
	if (!model || strcmp(model, BOARD_MODEL) != 0)
		mismatch_str("/model", BOARD_MODEL, model);
}

struct cpu_scan {
	int count;          /* cpu nodes */
	unsigned long timebase;
	bool timebase_found;
};

static bool hart_usable(const struct fdt_node *n, uint32_t hartid)
{
	const char *status = fdt_getprop_str(n, "status");
	if (status && strcmp(status, "okay") != 0 && strcmp(status, "ok") != 0)
		return false;
	const char *mmu = fdt_getprop_str(n, "mmu-type");
	if (!mmu || strcmp(mmu, "riscv,none") == 0)
		return false;
	return hartid < 64 && (BOARD_SMODE_HART_MASK & (1UL << hartid));
}

static bool visit_cpu(const struct fdt_node *n, void *arg)
{
	struct cpu_scan *cs = arg;
	if (n->depth != 2)
		return true;
	const char *type = fdt_getprop_str(n, "device_type");
	if (!type || strcmp(type, "cpu") != 0)
		return true;
	/* Only children of /cpus. */
	if (strncmp(n->name, "cpu@", 4) != 0 && strcmp(n->name, "cpu") != 0)
		return true;
	uint64_t hartid;
	if (!fdt_reg(n, 0, &hartid, NULL))
		return true;
	cs->count++;
	uint32_t tb;
	if (!cs->timebase_found && fdt_getprop_u32(n, "timebase-frequency", &tb)) {
		cs->timebase = tb;
		cs->timebase_found = true;
	}
	if (!hart_usable(n, (uint32_t)hartid) || machine.nharts >= NCPU)
		return true;
	const char *isa = fdt_getprop_str(n, "riscv,isa");
	machine.hart_sstc[machine.nharts] = isa && strstr(isa, "sstc") != NULL;
	machine.hartids[machine.nharts++] = hartid;
	return true;
}

static void check_cpus(const void *fdt, unsigned long boot_hart)
{
	struct fdt_node cpusn;
	if (!fdt_find_path(fdt, "/cpus", &cpusn)) {
		mismatch_str("/cpus", "present", NULL);
		return;
	}
	struct cpu_scan cs = { 0, 0, false };
	uint32_t tb;
	if (fdt_getprop_u32(&cpusn, "timebase-frequency", &tb)) {
		cs.timebase = tb;
		cs.timebase_found = true;
	}
	fdt_walk(fdt, visit_cpu, &cs);
	if (!cs.timebase_found || cs.timebase != BOARD_TIMEBASE_HZ)
		mismatch_num("/cpus/timebase-frequency", BOARD_TIMEBASE_HZ, cs.timebase, cs.timebase_found);
	machine.timebase = cs.timebase;
	if (cs.count > BOARD_HART_COUNT)
		mismatch_num("number of /cpus/cpu nodes (at most)", BOARD_HART_COUNT, (unsigned long)cs.count, true);
	bool boot_found = false;
	for (int i = 0; i < machine.nharts; i++)
		boot_found |= machine.hartids[i] == boot_hart;
	if (!boot_found) {
		printk("dtb check: boot hart %lu is not an enabled S-mode hart of the DTB and board\n", boot_hart);
		mismatches++;
	}
}

static void check_uart(const void *fdt)
{
	struct fdt_node chosen, uart;
	bool found = false;
	if (fdt_find_path(fdt, "/chosen", &chosen)) {
		const char *sp = fdt_getprop_str(&chosen, "stdout-path");
		if (sp) {
			char path[96];
			size_t i = 0;
			while (sp[i] && sp[i] != ':' && i + 1 < sizeof path) {
				path[i] = sp[i];
				i++;
			}
			path[i] = 0;
			found = fdt_find_path(fdt, path, &uart);
		}
	}
#if defined(BOARD_CONSOLE_UART_NS16550A)
	if (!found)
		found = fdt_find_compatible(fdt, "ns16550a", &uart);
#elif defined(BOARD_CONSOLE_UART_SIFIVE)
	if (!found)
		found = fdt_find_compatible(fdt, "sifive,uart0", &uart);
#endif
	uint64_t base = 0;
	if (!found || !fdt_reg(&uart, 0, &base, NULL) || base != BOARD_CONSOLE_UART_BASE)
		mismatch_num("console UART reg", BOARD_CONSOLE_UART_BASE, base, found);
}

static void check_plic(const void *fdt)
{
	struct fdt_node plic;
	bool found = fdt_find_compatible(fdt, "riscv,plic0", &plic) ||
		     fdt_find_compatible(fdt, "sifive,plic-1.0.0", &plic);
	uint64_t base = 0;
	if (!found || !fdt_reg(&plic, 0, &base, NULL) || base != BOARD_PLIC_BASE) {
		mismatch_num("PLIC reg", BOARD_PLIC_BASE, base, found);
		return;
	}
	uint32_t ndev = 0;
	bool have = fdt_getprop_u32(&plic, "riscv,ndev", &ndev);
	if (!have || ndev != BOARD_PLIC_NDEV)
		mismatch_num("PLIC riscv,ndev", BOARD_PLIC_NDEV, ndev, have);
}

static void read_memory(const void *fdt)
{
	struct fdt_node mem;
	uint64_t base = 0, size = 0;
	if (!fdt_find_path(fdt, "/memory", &mem) || !fdt_reg(&mem, 0, &base, &size)) {
		mismatch_str("/memory", "present", NULL);
		return;
	}
	if (base != BOARD_DRAM_BASE)
		mismatch_num("/memory base", BOARD_DRAM_BASE, base, true);
	/* BOARD_DRAM_SIZE is the board's default: a run may have more or less. */
	machine.ram_base = base;
	machine.ram_size = size;
}

static void read_bootargs(const void *fdt)
{
	struct fdt_node chosen;
	if (!fdt_find_path(fdt, "/chosen", &chosen))
		return;
	const char *args = fdt_getprop_str(&chosen, "bootargs");
	if (args)
		strlcpy(machine.bootargs, args, sizeof machine.bootargs);
}

void machine_check_dtb(const void *fdt, unsigned long boot_hart)
{
	machine.fdt = fdt;
	machine.boot_hart = boot_hart;
	if (fdt_check(fdt) != 0) {
		printk("dtb check: no valid device tree at %p (a1 from the firmware)\n", fdt);
		system_shutdown(1, "no device tree");
	}
	machine.fdt_size = fdt_totalsize(fdt);
	check_root(fdt);
	check_cpus(fdt, boot_hart);
	check_uart(fdt);
	check_plic(fdt);
	read_memory(fdt);
	read_bootargs(fdt);
	if (mismatches) {
		printk("dtb check: %d mismatch(es): this kernel was built for board %s\n", mismatches, BOARD_NAME);
		system_shutdown(1, "DTB does not match the board header");
	}
}
