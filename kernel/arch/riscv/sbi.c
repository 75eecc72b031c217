/* SBI calls (v0.2+ extensions with the legacy console as a fallback). */
#include <arch/sbi.h>
#include <kernel/lib.h>

int sbi_has_dbcn, sbi_has_time, sbi_has_ipi, sbi_has_rfence, sbi_has_hsm, sbi_has_srst;
long sbi_spec_version, sbi_impl_id, sbi_impl_version;

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2, unsigned long a3)
{
	register unsigned long r0 asm("a0") = a0;
	register unsigned long r1 asm("a1") = a1;
	register unsigned long r2 asm("a2") = a2;
	register unsigned long r3 asm("a3") = a3;
	register unsigned long r6 asm("a6") = fid;
	register unsigned long r7 asm("a7") = ext;
	asm volatile("ecall"
		     : "+r"(r0), "+r"(r1)
		     : "r"(r2), "r"(r3), "r"(r6), "r"(r7)
		     : "memory");
	return (struct sbiret){ (long)r0, (long)r1 };
}

int sbi_probe(unsigned long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 3, ext, 0, 0, 0);
	return r.error == 0 && r.value != 0;
}

void sbi_init(void)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 0, 0, 0, 0, 0);
	sbi_spec_version = r.error ? 1 : r.value;  /* 0.1 firmware has no BASE */
	if (r.error)
		return;
	sbi_impl_id = sbi_call(SBI_EXT_BASE, 1, 0, 0, 0, 0).value;
	sbi_impl_version = sbi_call(SBI_EXT_BASE, 2, 0, 0, 0, 0).value;
	sbi_has_dbcn = sbi_probe(SBI_EXT_DBCN);
	sbi_has_time = sbi_probe(SBI_EXT_TIME);
	sbi_has_ipi = sbi_probe(SBI_EXT_IPI);
	sbi_has_rfence = sbi_probe(SBI_EXT_RFENCE);
	sbi_has_hsm = sbi_probe(SBI_EXT_HSM);
	sbi_has_srst = sbi_probe(SBI_EXT_SRST);
}

long sbi_legacy_putchar(int c)
{
	return sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0, 0).error;
}

/* RAM is identity-mapped, so a kernel buffer's address is its physical address. */
long sbi_dbcn_write(const void *buf, unsigned long len)
{
	struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, len, (unsigned long)buf, 0, 0);
	return r.error ? r.error : r.value;
}

void sbi_set_timer(unsigned long when)
{
	if (sbi_has_time)
		sbi_call(SBI_EXT_TIME, 0, when, 0, 0, 0);
	else
		sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, when, 0, 0, 0);
}

long sbi_send_ipi(unsigned long hart_mask, unsigned long base)
{
	return sbi_call(SBI_EXT_IPI, 0, hart_mask, base, 0, 0).error;
}

long sbi_remote_fence_i(unsigned long hart_mask, unsigned long base)
{
	return sbi_call(SBI_EXT_RFENCE, 0, hart_mask, base, 0, 0).error;
}

long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long base)
{
	return sbi_call(SBI_EXT_RFENCE, 1, hart_mask, base, 0, 0).error;
}

long sbi_hart_start(unsigned long hartid, unsigned long addr, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, addr, opaque, 0).error;
}

/* Returns only if the firmware cannot power off (no SRST, or no device). */
void sbi_shutdown(int failure)
{
	if (sbi_has_srst)
		sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
			 failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0, 0);
}

/* The last resort: the legacy call halts every hart even when it cannot power off. */
void sbi_legacy_shutdown(void)
{
	sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0, 0);
}

void sbi_reboot(void)
{
	if (sbi_has_srst)
		sbi_call(SBI_EXT_SRST, 0, SBI_SRST_COLD_REBOOT, SBI_SRST_REASON_NONE, 0, 0);
}
