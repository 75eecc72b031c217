/* Kernel self-tests reachable from user programs (SYS_DEBUG). */
#include <kernel/kernel.h>
#include <arch/atomic.h>

/* Two locks whose classes make "a then b" an inversion. */
static struct spinlock dbg_high = SPINLOCK_INIT(LC_BLK, 100, "debug-high");
static struct spinlock dbg_low = SPINLOCK_INIT(LC_CHANNEL, 100, "debug-low");
static struct spinlock dbg_nest[2] = {
	SPINLOCK_INIT(LC_SLEEPQ, 200, "debug-nest-0"),
	SPINLOCK_INIT(LC_SLEEPQ, 201, "debug-nest-1"),
};

int debug_selftest(int op, unsigned long arg)
{
	struct thread *t = current_thread();
	switch (op) {
	case DEBUG_LOCK_INVERSION:
		printk("[kernel] lock self-test: taking debug-high, then debug-low (an inversion)\n");
		lock_acquire(&dbg_high);
		lock_acquire(&dbg_low);
		/* Only reached when the checker is compiled out. */
		lock_release(&dbg_low);
		lock_release(&dbg_high);
		return 0;
	case DEBUG_LOCK_NESTED_OK:
		lock_acquire(&dbg_nest[0]);
		lock_acquire(&dbg_nest[1]);
		lock_release(&dbg_nest[1]);
		lock_release(&dbg_nest[0]);
		return 0;
	case DEBUG_TFLAGS_SET:
		tflags_set(&t->flags, (uint32_t)arg & TF_USER);
		return (int)t->flags;
	case DEBUG_TFLAGS_CLEAR:
		tflags_clear(&t->flags, (uint32_t)arg & TF_USER);
		return (int)t->flags;
	default:
		return -EINVAL;
	}
}
