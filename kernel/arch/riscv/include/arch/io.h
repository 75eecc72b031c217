/*
 * Device registers. The kernel maps all device space once, in the upper
 * half of Sv39 (KIO_BASE + pa); RAM is identity-mapped, so a RAM address is
 * also its physical (DMA) address.
 */
#ifndef ARCH_IO_H
#define ARCH_IO_H

#include <stdint.h>
#include <arch/barrier.h>

#define KIO_BASE 0xffffffc000000000UL
/* 0 until the MMU is on (device space at its physical address), then KIO_BASE. */
extern unsigned long io_base_va;
#define IO_VA(pa) (io_base_va + (unsigned long)(pa))

static inline uint32_t mmio_read32(unsigned long pa)
{
	uint32_t v = *(volatile uint32_t *)IO_VA(pa);
	io_rmb();
	return v;
}

static inline void mmio_write32(unsigned long pa, uint32_t v)
{
	io_wmb();
	*(volatile uint32_t *)IO_VA(pa) = v;
}

static inline uint64_t mmio_read64(unsigned long pa)
{
	uint64_t v = *(volatile uint64_t *)IO_VA(pa);
	io_rmb();
	return v;
}

static inline void mmio_write64(unsigned long pa, uint64_t v)
{
	io_wmb();
	*(volatile uint64_t *)IO_VA(pa) = v;
}

static inline uint16_t mmio_read16(unsigned long pa)
{
	uint16_t v = *(volatile uint16_t *)IO_VA(pa);
	io_rmb();
	return v;
}

static inline void mmio_write16(unsigned long pa, uint16_t v)
{
	io_wmb();
	*(volatile uint16_t *)IO_VA(pa) = v;
}

static inline uint8_t mmio_read8(unsigned long pa)
{
	uint8_t v = *(volatile uint8_t *)IO_VA(pa);
	io_rmb();
	return v;
}

static inline void mmio_write8(unsigned long pa, uint8_t v)
{
	io_wmb();
	*(volatile uint8_t *)IO_VA(pa) = v;
}

#endif
