/*
 * Memory ordering between harts. Every barrier here is a hardware fence:
 * RVWMO lets a hart's stores become visible to others out of order, so a
 * compiler-only barrier orders nothing that another hart can see.
 */
#ifndef ARCH_BARRIER_H
#define ARCH_BARRIER_H

#define barrier()      asm volatile("" ::: "memory")
#define mb()           asm volatile("fence rw,rw" ::: "memory")
#define rmb()          asm volatile("fence r,r" ::: "memory")
#define wmb()          asm volatile("fence w,w" ::: "memory")
#define release_fence() asm volatile("fence rw,w" ::: "memory")
#define acquire_fence() asm volatile("fence r,rw" ::: "memory")
/* Device I/O: order normal memory against MMIO (doorbells after queue writes). */
#define io_wmb()       asm volatile("fence w,o" ::: "memory")
#define io_rmb()       asm volatile("fence i,r" ::: "memory")
#define io_mb()        asm volatile("fence iorw,iorw" ::: "memory")

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define smp_store_release(p, v) do { release_fence(); WRITE_ONCE(*(p), (v)); } while (0)
#define smp_load_acquire(p) ({ __typeof__(*(p)) __v = READ_ONCE(*(p)); acquire_fence(); __v; })

/*
 * The scheduler's wake-up handshake: the hart switching a thread out
 * publishes "its context is saved" (wake_release) and a hart about to run
 * that thread waits for it (wake_acquire). Porting bug 4 replaces these by
 * compiler-only barriers, which is what x86 (TSO) code gets away with.
 */
#ifdef CONFIG_BUG_COMPILER_BARRIER
#define wake_release() barrier()
#define wake_acquire() barrier()
#else
#define wake_release() release_fence()
#define wake_acquire() acquire_fence()
#endif

#endif
