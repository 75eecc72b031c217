/* Model only (8 PMP entries, 4 KiB grain, as expected of the U74): the
 * grain shows in pmpaddr read-back (NAPOT: low bits read as ones; TOR/OFF:
 * low bits read as zero), NA4 cannot be selected, and entries 8..15 read
 * as zero and ignore writes. */
#include "lib/lib.h"

int test_main(void)
{
	csr_write(pmpaddr1, ~0ull);
	show("probe", csr_read(pmpaddr1)); /* entry 1 is OFF: G low bits zero */
	csr_write(pmpaddr1, 0x20000123ull);
	csr_write(pmpcfg0, 0x1f | (0x18ull << 8)); /* entry 1 NAPOT */
	show("napot", csr_read(pmpaddr1));
	csr_write(pmpcfg0, 0x1f | (0x08ull << 8)); /* entry 1 TOR */
	show("tor", csr_read(pmpaddr1));
	csr_write(pmpcfg0, 0x1f | (0x10ull << 8)); /* NA4: not selectable */
	show("na4-cfg", csr_read(pmpcfg0));
	csr_write(pmpaddr9, 0x1234);
	show("entry9", csr_read(pmpaddr9));
	csr_write(pmpcfg2, 0x1f);
	show("cfg2", csr_read(pmpcfg2));
	csr_write(pmpcfg0, 0x1f);
	SHOW_TRAPS();
	return 0;
}
