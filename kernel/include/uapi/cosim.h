/*
 * The system-call interface between the cosim microkernel and its user
 * programs. Shared by kernel/ and kernel/user/; nothing here may depend on
 * kernel internals. Calls use ecall with the number in a7, arguments in
 * a0..a5; the result comes back in a0 (negative: an error below).
 */
#ifndef COSIM_UAPI_H
#define COSIM_UAPI_H

/* Errors, returned negated. */
#define EPERM     1
#define ENOENT    2
#define ESRCH     3
#define EINTR     4
#define EIO       5
#define E2BIG     7
#define ENOEXEC   8
#define ECHILD    10
#define EAGAIN    11
#define ENOMEM    12
#define EFAULT    14
#define EBUSY     16
#define EEXIST    17
#define ENODEV    19
#define EINVAL    22
#define ENOSPC    28
#define EDEADLK   35
#define ENOSYS    38
#define ETIMEDOUT 110
#define ENOTSUP   95
#define EOWNERDEAD 130

enum {
	SYS_WRITE = 0,         /* (buf, len) -> len: console output, one atomic line */
	SYS_EXIT,              /* (status): ends the whole process */
	SYS_SPAWN,             /* (name, args, cpu) -> pid; cpu -1: any */
	SYS_WAITPID,           /* (pid or -1, &status, flags) -> pid */
	SYS_GETPID,
	SYS_GETTID,
	SYS_THREAD_CREATE,     /* (entry, arg, stack_top, prio, cpu) -> tid */
	SYS_THREAD_EXIT,       /* (value) */
	SYS_THREAD_JOIN,       /* (tid, &value) */
	SYS_YIELD,
	SYS_SLEEP,             /* (nanoseconds) */
	SYS_CLOCK,             /* () -> nanoseconds since boot */
	SYS_SET_PRIO,          /* (tid or 0, prio) -> old prio */
	SYS_GET_PRIO,          /* (tid or 0) -> effective prio */
	SYS_SET_RUNMASK,       /* (tid or 0, cpu mask) -> old mask; migrates at once */
	SYS_CPU,               /* () -> index of the cpu running the caller */
	SYS_MMAP,              /* (size) -> address of fresh zeroed pages */
	SYS_MUNMAP,            /* (addr, size) */
	SYS_KILL,              /* (pid) */
	SYS_CHANNEL_CREATE = 20, /* (flags) -> chid */
	SYS_CHANNEL_DESTROY,   /* (chid) */
	SYS_CONNECT_ATTACH,    /* (pid, chid) -> coid */
	SYS_CONNECT_DETACH,    /* (coid) */
	SYS_MSG_SEND,          /* (coid, smsg, slen, rmsg, rlen) -> reply status */
	SYS_MSG_RECEIVE,       /* (chid, buf, len, &info) -> rcvid, 0 for a pulse */
	SYS_MSG_REPLY,         /* (rcvid, status, msg, len) */
	SYS_MSG_ERROR,         /* (rcvid, errno) */
	SYS_MSG_SEND_PULSE,    /* (coid, prio, code, value) */
	SYS_MSG_READ,          /* (rcvid, buf, len, offset) -> bytes */
	SYS_MUTEX_CREATE = 30, /* () -> id */
	SYS_MUTEX_DESTROY,
	SYS_MUTEX_LOCK,
	SYS_MUTEX_TRYLOCK,
	SYS_MUTEX_UNLOCK,
	SYS_COND_CREATE,
	SYS_COND_DESTROY,
	SYS_COND_WAIT,         /* (cond, mutex) */
	SYS_COND_SIGNAL,
	SYS_COND_BROADCAST,
	SYS_SEM_CREATE = 40,   /* (count) -> id */
	SYS_SEM_DESTROY,
	SYS_SEM_WAIT,
	SYS_SEM_TRYWAIT,
	SYS_SEM_POST,
	SYS_THREAD_INFO,       /* (index, struct thread_info *) -> next index or -ENOENT */
	SYS_LOCK_STATS,        /* (class, cpu, struct lock_stats *) -> 0; -ENOENT past the last */
	SYS_SYSINFO,           /* (struct sysinfo *) */
	SYS_BLK_INFO,          /* (struct blk_info *) */
	SYS_BLK_IO,            /* (op, lba, count, buf) */
	SYS_DEBUG = 50,        /* (op, arg) : kernel self-tests, see DEBUG_* */
	SYS_LOCK_STATS_RESET,  /* () */
	SYS_ICACHE_SYNC,       /* (addr, len): make stores to code visible to fetch */
	SYS_COUNT
};

/* SYS_DEBUG operations. */
#define DEBUG_LOCK_INVERSION 1  /* take two locks against their rank order */
#define DEBUG_LOCK_NESTED_OK 2  /* nest two locks of one class in instance order */
#define DEBUG_TFLAGS_SET     3  /* set (arg) bits in the caller's thread flags, return the word */
#define DEBUG_TFLAGS_CLEAR   4

/* SYS_BLK_IO operations. */
#define BLK_READ  0
#define BLK_WRITE 1
#define BLK_FLUSH 2

/* Priorities: 1 (lowest user) .. 63; 0 is the idle threads'. */
#define PRIO_MIN     1
#define PRIO_DEFAULT 10
#define PRIO_MAX     63

/* MsgReceive's description of what arrived. */
struct msg_info {
	int pid;          /* sender's process */
	int tid;          /* sender's thread */
	int chid;
	int coid;         /* sender's connection */
	long srcmsglen;   /* full length the sender offered */
	long dstmsglen;   /* room the sender has for the reply */
	int prio;         /* sender's priority */
	int pad;
};

/* A pulse as MsgReceive delivers it (rcvid 0). */
struct pulse {
	int type;         /* PULSE_TYPE */
	int code;
	long value;
};
#define PULSE_TYPE 0x50554c53

/* Thread states as the kernel reports them (pidin). */
enum {
	TS_DEAD = 0, TS_RUNNING, TS_READY, TS_SEND, TS_RECEIVE, TS_REPLY,
	TS_MUTEX, TS_CONDVAR, TS_SEM, TS_SLEEP, TS_JOIN, TS_WAITPID, TS_BLOCKIO,
	TS_COUNT
};

struct thread_info {
	int pid, tid;
	int state;        /* TS_* */
	int prio;         /* effective */
	int base_prio;
	int cpu;          /* last cpu */
	unsigned int flags;
	unsigned int runmask;
	char name[24];    /* process name */
	unsigned long cpu_time_ns;
};

#define LOCKSTAT_HIST 24
struct lock_stats {
	char name[24];    /* lock class */
	int rank;
	int cpu;
	unsigned long acquisitions;
	unsigned long contended;
	unsigned long spin_cycles;
	unsigned long held_cycles;
	unsigned long hist[LOCKSTAT_HIST]; /* spin duration: bucket i counts spins of [2^i, 2^(i+1)) cycles, bucket 0 also 0 */
};

struct sysinfo {
	int ncpu;
	int boot_cpu_hart;
	long timebase_hz;
	long mem_bytes;
	long free_pages;
	int hartid[16];
	char board[24];
	char console[16];  /* "sbi-dbcn", "sbi-legacy", "uart" */
	char timer[8];     /* "sstc", "sbi" */
	int debug_locks;
	int bug;           /* BUG_* of the build, 0 none */
};
#define BUG_NONE             0
#define BUG_NO_FENCE_I       1
#define BUG_NO_AD_BITS       2
#define BUG_PLAIN_FLAGS_RMW  3
#define BUG_COMPILER_BARRIER 4

struct blk_info {
	unsigned long blocks;
	unsigned int block_size;
	unsigned int present;
	char model[40];
	char serial[20];
};

#endif
