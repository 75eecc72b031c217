/* The user-side library: system-call wrappers, printf, threads. */
#ifndef ULIB_H
#define ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uapi/cosim.h>

long syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5);
#define SC0(n) syscall6((n), 0, 0, 0, 0, 0, 0)
#define SC1(n, a) syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b) syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SC4(n, a, b, c, d) syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SC5(n, a, b, c, d, e) syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

_Noreturn void exit(int status);
_Noreturn void thread_exit(long value);
static inline int getpid(void) { return (int)SC0(SYS_GETPID); }
static inline int gettid(void) { return (int)SC0(SYS_GETTID); }
static inline int spawn(const char *name, const char *args, int cpu) { return (int)SC3(SYS_SPAWN, name, args, cpu); }
static inline int waitpid(int pid, int *status) { return (int)SC3(SYS_WAITPID, pid, status, 0); }
static inline long sched_yield(void) { return SC0(SYS_YIELD); }
static inline long sleep_ns(unsigned long ns) { return SC1(SYS_SLEEP, ns); }
static inline long sleep_ms(unsigned long ms) { return sleep_ns(ms * 1000000UL); }
static inline unsigned long clock_ns(void) { return (unsigned long)SC0(SYS_CLOCK); }
static inline int set_prio(int tid, int prio) { return (int)SC2(SYS_SET_PRIO, tid, prio); }
static inline int get_prio(int tid) { return (int)SC1(SYS_GET_PRIO, tid); }
static inline int set_runmask(int tid, unsigned mask) { return (int)SC2(SYS_SET_RUNMASK, tid, mask); }
static inline int cpu_id(void) { return (int)SC0(SYS_CPU); }
static inline void *mmap(unsigned long size) { return (void *)SC1(SYS_MMAP, size); }
static inline int munmap(void *p, unsigned long size) { return (int)SC2(SYS_MUNMAP, p, size); }
static inline int kill(int pid) { return (int)SC1(SYS_KILL, pid); }
static inline bool mmap_failed(void *p) { return (long)p < 0 && (long)p > -4096; }

static inline int channel_create(void) { return (int)SC1(SYS_CHANNEL_CREATE, 0); }
static inline int channel_destroy(int chid) { return (int)SC1(SYS_CHANNEL_DESTROY, chid); }
static inline int connect_attach(int pid, int chid) { return (int)SC2(SYS_CONNECT_ATTACH, pid, chid); }
static inline int connect_detach(int coid) { return (int)SC1(SYS_CONNECT_DETACH, coid); }
static inline long msg_send(int coid, const void *s, long sl, void *r, long rl) { return SC5(SYS_MSG_SEND, coid, s, sl, r, rl); }
static inline int msg_receive(int chid, void *buf, long len, struct msg_info *info) { return (int)SC4(SYS_MSG_RECEIVE, chid, buf, len, info); }
static inline int msg_reply(int rcvid, long status, const void *m, long len) { return (int)SC4(SYS_MSG_REPLY, rcvid, status, m, len); }
static inline int msg_error(int rcvid, int err) { return (int)SC2(SYS_MSG_ERROR, rcvid, err); }
static inline int msg_send_pulse(int coid, int prio, int code, long value) { return (int)SC4(SYS_MSG_SEND_PULSE, coid, prio, code, value); }
static inline long msg_read(int rcvid, void *buf, long len, long off) { return SC4(SYS_MSG_READ, rcvid, buf, len, off); }

static inline int mutex_create(void) { return (int)SC0(SYS_MUTEX_CREATE); }
static inline int mutex_destroy(int m) { return (int)SC1(SYS_MUTEX_DESTROY, m); }
static inline int mutex_lock(int m) { return (int)SC1(SYS_MUTEX_LOCK, m); }
static inline int mutex_trylock(int m) { return (int)SC1(SYS_MUTEX_TRYLOCK, m); }
static inline int mutex_unlock(int m) { return (int)SC1(SYS_MUTEX_UNLOCK, m); }
static inline int cond_create(void) { return (int)SC0(SYS_COND_CREATE); }
static inline int cond_destroy(int c) { return (int)SC1(SYS_COND_DESTROY, c); }
static inline int cond_wait(int c, int m) { return (int)SC2(SYS_COND_WAIT, c, m); }
static inline int cond_signal(int c) { return (int)SC1(SYS_COND_SIGNAL, c); }
static inline int cond_broadcast(int c) { return (int)SC1(SYS_COND_BROADCAST, c); }
static inline int sem_create(long count) { return (int)SC1(SYS_SEM_CREATE, count); }
static inline int sem_destroy(int s) { return (int)SC1(SYS_SEM_DESTROY, s); }
static inline int sem_wait(int s) { return (int)SC1(SYS_SEM_WAIT, s); }
static inline int sem_trywait(int s) { return (int)SC1(SYS_SEM_TRYWAIT, s); }
static inline int sem_post(int s) { return (int)SC1(SYS_SEM_POST, s); }

static inline int thread_info(int index, struct thread_info *ti) { return (int)SC2(SYS_THREAD_INFO, index, ti); }
static inline int lock_stats(int cls, int cpu, struct lock_stats *ls) { return (int)SC3(SYS_LOCK_STATS, cls, cpu, ls); }
static inline int lock_stats_reset(void) { return (int)SC0(SYS_LOCK_STATS_RESET); }
static inline int sysinfo(struct sysinfo *si) { return (int)SC1(SYS_SYSINFO, si); }
static inline int blk_info(struct blk_info *bi) { return (int)SC1(SYS_BLK_INFO, bi); }
static inline long blk_io(int op, unsigned long lba, unsigned long count, void *buf) { return SC4(SYS_BLK_IO, op, lba, count, buf); }
static inline long sys_debug(int op, unsigned long arg) { return SC2(SYS_DEBUG, op, arg); }

static inline unsigned long rdcycle(void) { unsigned long v; asm volatile("rdcycle %0" : "=r"(v)); return v; }
static inline unsigned long rdtime(void) { unsigned long v; asm volatile("rdtime %0" : "=r"(v)); return v; }

/* Threads: stack from mmap, freed by thread_join. */
int thread_create(void *(*fn)(void *), void *arg, int prio, int cpu);
int thread_join(int tid, long *value);

/* Formatted output: one SYS_WRITE per call. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *h, const char *n);
void strlcpy(char *d, const char *s, size_t n);
long atol(const char *s);
static inline int atoi(const char *s) { return (int)atol(s); }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
