/* Calls into the SBI firmware (OpenSBI, or cosim's built-in SBI). */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR   0x01
#define SBI_EXT_LEGACY_SHUTDOWN  0x08
#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494D45
#define SBI_EXT_IPI    0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM    0x48534D
#define SBI_EXT_SRST   0x53525354
#define SBI_EXT_DBCN   0x4442434E

#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_COLD_REBOOT 1
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAILURE 1

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
		       unsigned long a1, unsigned long a2, unsigned long a3);
int sbi_probe(unsigned long ext);
long sbi_legacy_putchar(int c);
long sbi_dbcn_write(const void *buf, unsigned long len);
void sbi_set_timer(unsigned long when);
long sbi_send_ipi(unsigned long hart_mask, unsigned long base);
long sbi_remote_fence_i(unsigned long hart_mask, unsigned long base);
long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long base);
long sbi_hart_start(unsigned long hartid, unsigned long addr, unsigned long opaque);
void sbi_shutdown(int failure);
void sbi_reboot(void);
void sbi_legacy_shutdown(void);
void sbi_init(void);

/* What the firmware offers, probed once at boot. */
extern int sbi_has_dbcn, sbi_has_time, sbi_has_ipi, sbi_has_rfence, sbi_has_hsm, sbi_has_srst;
extern long sbi_spec_version, sbi_impl_id, sbi_impl_version;

#endif
