/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab-trace: what its BPF program (memlab-trace.bpf.c) and its user-space
 * half (memlab-trace.c) share: map keys, values and the ring buffer event.
 */
#ifndef MEMLAB_TRACE_H
#define MEMLAB_TRACE_H

/*
 * A VMA of a process: page faults are counted per VMA, classified later.
 * @remote: the VMA is another process's (get_user_pages() on it, as
 * ptrace or /proc/PID/mem do), which counts for the thread that faulted.
 */
struct fault_key {
	__u32 tgid;
	__u32 remote;
	__u64 vm_start;
};

/*
 * As mm_account_fault() counts them into /proc/PID/stat. Cumulative: user
 * space takes differences, never resets them (that would race with the
 * BPF side's adds).
 */
struct fault_counts {
	__u64 minor;
	__u64 major;
	__u64 failed;		/* VM_FAULT_ERROR: SIGSEGV, SIGBUS, OOM */
};

/* Who holds or waits for the target's mmap_lock, and how. */
enum lock_who { LOCK_TARGET, LOCK_OTHERS, LOCK_WHO_NR };
enum lock_mode { LOCK_READ, LOCK_WRITE, LOCK_MODE_NR };
#define LOCK_STATS_NR	(LOCK_WHO_NR * LOCK_MODE_NR)	/* who * 2 + mode */

/*
 * Cumulative, per CPU: every attempt to take it (trylocks too) and the
 * time until it was taken or refused; every hold, until its release.
 */
struct lock_stats {
	__u64 acquires, wait_ns;
	__u64 holds, hold_ns;
};

/* The longest of each, per CPU: user space reads and resets these. */
struct lock_max {
	__u64 wait_max_ns, hold_max_ns;
};

/* One memlab_fault_hit(): an armed fault denied an access. */
struct hit_event {
	__u64 id;
	__u64 addr;
	__u64 ts_ns;
	__u32 tgid;
	__u32 access;		/* MEMLAB_DENY_READ, _WRITE or _EXEC */
	__u32 signalled;	/* SIGSEGV; 0: EFAULT to a system call */
	__u32 pad;
};

#endif /* MEMLAB_TRACE_H */
