/* Atomic memory operations (RV64A). */
#ifndef ARCH_ATOMIC_H
#define ARCH_ATOMIC_H

#include <stdint.h>

static inline uint32_t atomic_or32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;
	asm volatile("amoor.w.aqrl %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory");
	return old;
}

static inline uint32_t atomic_and32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;
	asm volatile("amoand.w.aqrl %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory");
	return old;
}

static inline uint32_t atomic_add32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;
	asm volatile("amoadd.w.aqrl %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory");
	return old;
}

static inline uint32_t atomic_swap32(volatile uint32_t *p, uint32_t v)
{
	uint32_t old;
	asm volatile("amoswap.w.aqrl %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory");
	return old;
}

static inline uint64_t atomic_or64(volatile uint64_t *p, uint64_t v)
{
	uint64_t old;
	asm volatile("amoor.d.aqrl %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory");
	return old;
}

static inline uint64_t atomic_and64(volatile uint64_t *p, uint64_t v)
{
	uint64_t old;
	asm volatile("amoand.d.aqrl %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory");
	return old;
}

static inline uint64_t atomic_add64(volatile uint64_t *p, uint64_t v)
{
	uint64_t old;
	asm volatile("amoadd.d.aqrl %0, %2, %1" : "=r"(old), "+A"(*p) : "r"(v) : "memory");
	return old;
}

/* Compare-and-swap; returns the value found. */
static inline uint32_t atomic_cas32(volatile uint32_t *p, uint32_t expect, uint32_t v)
{
	uint32_t old, tmp;
	asm volatile(
		"1: lr.w.aqrl %0, %2\n"
		"   bne %0, %3, 2f\n"
		"   sc.w.aqrl %1, %4, %2\n"
		"   bnez %1, 1b\n"
		"2:\n"
		: "=&r"(old), "=&r"(tmp), "+A"(*p)
		: "r"(expect), "r"(v)
		: "memory");
	return old;
}

/*
 * Thread-state flags: a word that several harts update (the thread's own
 * hart on kernel entry and exit, other harts to request a kill or a
 * reschedule). Only AMOs may change it. Porting bug 3 turns these into
 * plain load/modify/store sequences, which lose updates as soon as two
 * harts race on the word.
 */
#ifdef CONFIG_BUG_PLAIN_FLAGS_RMW
static inline uint32_t tflags_set(volatile uint32_t *p, uint32_t v)
{
	uint32_t old = *p;
	*p = old | v;
	return old;
}

static inline uint32_t tflags_clear(volatile uint32_t *p, uint32_t v)
{
	uint32_t old = *p;
	*p = old & ~v;
	return old;
}
#else
static inline uint32_t tflags_set(volatile uint32_t *p, uint32_t v)
{
	return atomic_or32(p, v);
}

static inline uint32_t tflags_clear(volatile uint32_t *p, uint32_t v)
{
	return atomic_and32(p, ~v);
}
#endif

#endif
