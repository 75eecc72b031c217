/* User library: system calls, printf, threads. */
#include "ulib.h"

long syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long x10 asm("a0") = a0;
	register long x11 asm("a1") = a1;
	register long x12 asm("a2") = a2;
	register long x13 asm("a3") = a3;
	register long x14 asm("a4") = a4;
	register long x15 asm("a5") = a5;
	register long x17 asm("a7") = n;
	asm volatile("ecall"
		     : "+r"(x10)
		     : "r"(x11), "r"(x12), "r"(x13), "r"(x14), "r"(x15), "r"(x17)
		     : "memory");
	return x10;
}

_Noreturn void exit(int status)
{
	SC1(SYS_EXIT, status);
	for (;;)
		;
}

_Noreturn void thread_exit(long value)
{
	SC1(SYS_THREAD_EXIT, value);
	for (;;)
		;
}

/* The kernel's printk path, for the shared printf.c. */
void console_write(const char *s, size_t n)
{
	SC2(SYS_WRITE, s, n);
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	SC2(SYS_WRITE, buf, MIN(n, (int)sizeof buf - 1));
	return n;
}

int puts(const char *s)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s\n", s);
	SC2(SYS_WRITE, buf, MIN(n, (int)sizeof buf - 1));
	return n;
}

long atol(const char *s)
{
	long v = 0;
	bool neg = false;
	while (*s == ' ')
		s++;
	if (*s == '-') {
		neg = true;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

#define THREAD_STACK (16 * 1024)
#define MAX_USER_THREADS 64
extern void __thread_start(void);

/* tid -> stack, so thread_join can free it. Slots claimed with AMOs. */
static struct {
	int tid;      /* 0 free, -1 being set up */
	void *stack;
} stacks[MAX_USER_THREADS];

int thread_create(void *(*fn)(void *), void *arg, int prio, int cpu)
{
	int slot = -1;
	for (int i = 0; i < MAX_USER_THREADS && slot < 0; i++) {
		int zero = 0;
		if (__atomic_compare_exchange_n(&stacks[i].tid, &zero, -1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			slot = i;
	}
	void *stack = mmap(THREAD_STACK);
	if (mmap_failed(stack)) {
		if (slot >= 0)
			__atomic_store_n(&stacks[slot].tid, 0, __ATOMIC_RELEASE);
		return (int)(long)stack;
	}
	unsigned long top = (unsigned long)stack + THREAD_STACK - 32;
	((void **)top)[0] = (void *)fn;
	((void **)top)[1] = arg;
	int tid = (int)SC5(SYS_THREAD_CREATE, __thread_start, top, top, prio, cpu);
	if (tid < 0) {
		munmap(stack, THREAD_STACK);
		if (slot >= 0)
			__atomic_store_n(&stacks[slot].tid, 0, __ATOMIC_RELEASE);
		return tid;
	}
	if (slot >= 0) {
		stacks[slot].stack = stack;
		__atomic_store_n(&stacks[slot].tid, tid, __ATOMIC_RELEASE);
	}
	return tid;
}

int thread_join(int tid, long *value)
{
	int r = (int)SC2(SYS_THREAD_JOIN, tid, value);
	if (r == 0) {
		for (int i = 0; i < MAX_USER_THREADS; i++) {
			if (__atomic_load_n(&stacks[i].tid, __ATOMIC_ACQUIRE) == tid) {
				munmap(stacks[i].stack, THREAD_STACK);
				__atomic_store_n(&stacks[i].tid, 0, __ATOMIC_RELEASE);
				break;
			}
		}
	}
	return r;
}
