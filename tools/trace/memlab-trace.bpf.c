// SPDX-License-Identifier: GPL-2.0
/*
 * memlab-trace's BPF program: page faults, memlab injection hits and
 * mmap_lock waits and holds, for one process (target_tgid) or all.
 *
 * CO-RE: the field offsets and enum values below are relocated against the
 * running kernel's BTF, so one object works on 6.1 and 6.12.
 *
 * Every count is cumulative: user space reads and takes differences, and
 * only deletes what belongs to processes that have exited, so that no add
 * here can race with a reset there. Only the maxima are reset.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "memlab-trace.h"

char LICENSE[] SEC("license") = "GPL";

/* Set before load: the process to watch, 0 for all. */
const volatile __u32 target_tgid;

/* The target's mm, learnt from its own faults and lock events. */
__u64 target_mm;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct fault_key);
	__type(value, struct fault_counts);
} faults SEC(".maps");

/* handle_mm_fault() in flight, by thread: what its return needs. */
struct fault_entry {
	__u64 vm_start;
	__u32 flags;
	__u32 remote;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct fault_entry);
} in_flight SEC(".maps");

__u64 hits;			/* memlab_fault_hit events seen */
__u64 fault_keys_full;		/* faults not counted: the map was full */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOCK_STATS_NR);
	__type(key, __u32);
	__type(value, struct lock_stats);
} lock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOCK_STATS_NR);
	__type(key, __u32);
	__type(value, struct lock_max);
} lock_max SEC(".maps");

struct lock_key {
	__u64 mm;
	__u32 tid;
	__u32 write;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct lock_key);
	__type(value, __u64);		/* when it started waiting */
} lock_waiting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct lock_key);
	__type(value, __u64);		/* when it got the lock */
} lock_holding SEC(".maps");

__u64 lost_events;

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline bool watched(__u32 tgid)
{
	return !target_tgid || tgid == target_tgid;
}

/* --- page faults: handle_mm_fault(vma, address, flags, regs) ------------------ */

/*
 * A kretprobe has a fixed number of instances: returns are missed when
 * more faults than that sleep in handle_mm_fault() at once, system-wide
 * (memlab-trace.8 says so). A trampoline (fexit) has no such limit, but
 * would share the function with memlab's own kprobe, which rewrites the
 * instruction pointer.
 */
SEC("kprobe/handle_mm_fault")
int BPF_KPROBE(handle_mm_fault_entry, struct vm_area_struct *vma, unsigned long address,
	       unsigned int flags)
{
	__u64 id = bpf_get_current_pid_tgid(), mm;
	struct fault_entry e = {};

	if (!watched(id >> 32))
		return 0;
	/* Its own mm: the vma may be another's (GUP, /proc/PID/mem). */
	mm = (__u64)BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), mm);
	if (target_tgid)
		target_mm = mm;
	e.vm_start = BPF_CORE_READ(vma, vm_start);
	e.flags = flags;
	e.remote = (__u64)BPF_CORE_READ(vma, vm_mm) != mm;
	bpf_map_update_elem(&in_flight, &id, &e, BPF_ANY);
	return 0;
}

/* mm_account_fault()'s rules, so that the counts are /proc/PID/stat's. */
SEC("kretprobe/handle_mm_fault")
int BPF_KRETPROBE(handle_mm_fault_return, unsigned int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 error = bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_OOM) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGBUS) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGSEGV) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_HWPOISON) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_HWPOISON_LARGE) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_FALLBACK);
	__u32 retry = bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_RETRY);
	__u32 major = bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_MAJOR);
	__u32 tried = bpf_core_enum_value(enum fault_flag, FAULT_FLAG_TRIED);
	struct fault_counts *c, zero = {};
	struct fault_entry *e;
	struct fault_key key = {};

	e = bpf_map_lookup_elem(&in_flight, &id);
	if (!e)
		return 0;
	key.tgid = id >> 32;
	key.remote = e->remote;
	key.vm_start = e->vm_start;
	c = bpf_map_lookup_elem(&faults, &key);
	if (!c) {
		/* Another CPU may insert it first: then NOEXIST fails, fine. */
		bpf_map_update_elem(&faults, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&faults, &key);
		if (!c)
			__sync_fetch_and_add(&fault_keys_full, 1);
	}
	if (c && !(ret & retry)) {	/* a retry is counted when it completes */
		if (ret & error)
			__sync_fetch_and_add(&c->failed, 1);
		else if ((ret & major) || (e->flags & tried))
			__sync_fetch_and_add(&c->major, 1);
		else
			__sync_fetch_and_add(&c->minor, 1);
	}
	bpf_map_delete_elem(&in_flight, &id);
	return 0;
}

/*
 * --- memlab: the memlab:memlab_fault_hit tracepoint ---------------------------------
 *
 * A raw tracepoint, whose arguments are TP_PROTO's (module/memlab_trace.h):
 * the module has no BTF for tp_btf, and a kprobe on the function would never
 * fire, since hits are found inside memlab's own kprobe.
 */
SEC("raw_tp/memlab_fault_hit")
int BPF_PROG(memlab_hit, __u64 fault_id, int tgid, unsigned long addr, __u32 access,
	     bool signalled)
{
	struct hit_event *ev;

	if (!watched(tgid))
		return 0;
	__sync_fetch_and_add(&hits, 1);

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	ev->id = fault_id;
	ev->addr = addr;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->tgid = tgid;
	ev->access = access;
	ev->signalled = signalled;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/* --- mmap_lock: the kernel's own tracepoints (include/trace/events/mmap_lock.h) --- */

/*
 * Whose lock event this is: the target's threads on its mm, others on it
 * (a walker, a /proc reader, memlab), or nothing to count.
 */
static __always_inline int lock_who(__u64 mm)
{
	__u32 tgid = current_tgid();

	if (!target_tgid)
		return LOCK_TARGET;
	if (tgid == target_tgid) {
		struct task_struct *task = (void *)bpf_get_current_task();

		if (mm != (__u64)BPF_CORE_READ(task, mm))
			return -1;	/* its lock on another process */
		target_mm = mm;
		return LOCK_TARGET;
	}
	return target_mm && mm == target_mm ? LOCK_OTHERS : -1;
}

static __always_inline struct lock_key lock_key_of(__u64 mm, bool write)
{
	struct lock_key key = {
		.mm = mm,
		.tid = (__u32)bpf_get_current_pid_tgid(),
		.write = write,
	};

	return key;
}

/* Per CPU, and a tracepoint program runs with migration disabled: no atomics. */
static __always_inline void lock_account(int who, bool write, bool wait, __u64 ns)
{
	__u32 idx = who * LOCK_MODE_NR + (write ? LOCK_WRITE : LOCK_READ);
	struct lock_stats *s = bpf_map_lookup_elem(&lock_stats, &idx);
	struct lock_max *m = bpf_map_lookup_elem(&lock_max, &idx);

	if (!s || !m)
		return;
	if (wait) {
		s->acquires++;
		s->wait_ns += ns;
		if (ns > m->wait_max_ns)
			m->wait_max_ns = ns;
	} else {
		s->holds++;
		s->hold_ns += ns;
		if (ns > m->hold_max_ns)
			m->hold_max_ns = ns;
	}
}

SEC("tp/mmap_lock/mmap_lock_start_locking")
int lock_start(struct trace_event_raw_mmap_lock *ctx)
{
	__u64 mm = (__u64)ctx->mm, now = bpf_ktime_get_ns();
	struct lock_key key;

	if (lock_who(mm) < 0)
		return 0;
	key = lock_key_of(mm, ctx->write);
	bpf_map_update_elem(&lock_waiting, &key, &now, BPF_ANY);
	return 0;
}

SEC("tp/mmap_lock/mmap_lock_acquire_returned")
int lock_acquired(struct trace_event_raw_mmap_lock_acquire_returned *ctx)
{
	__u64 mm = (__u64)ctx->mm, now = bpf_ktime_get_ns(), *since;
	bool write = ctx->write;
	struct lock_key key;
	int who = lock_who(mm);

	if (who < 0)
		return 0;
	key = lock_key_of(mm, write);
	/* Every attempt, trylocks too, fires start_locking first. */
	since = bpf_map_lookup_elem(&lock_waiting, &key);
	if (since) {
		lock_account(who, write, true, now - *since);
		bpf_map_delete_elem(&lock_waiting, &key);
	} else if (!write) {
		/*
		 * mmap_write_downgrade() fires only this, for read: the write
		 * hold ends here, and a read hold begins.
		 */
		struct lock_key wkey = lock_key_of(mm, true);

		since = bpf_map_lookup_elem(&lock_holding, &wkey);
		if (since) {
			lock_account(who, true, false, now - *since);
			bpf_map_delete_elem(&lock_holding, &wkey);
		}
	}
	if (ctx->success)
		bpf_map_update_elem(&lock_holding, &key, &now, BPF_ANY);
	return 0;
}

SEC("tp/mmap_lock/mmap_lock_released")
int lock_released(struct trace_event_raw_mmap_lock *ctx)
{
	__u64 mm = (__u64)ctx->mm, now = bpf_ktime_get_ns(), *since;
	bool write = ctx->write;
	struct lock_key key;
	int who = lock_who(mm);

	if (who < 0)
		return 0;
	key = lock_key_of(mm, write);
	since = bpf_map_lookup_elem(&lock_holding, &key);
	if (!since)
		return 0;	/* taken before we started, or downgraded */
	lock_account(who, write, false, now - *since);
	bpf_map_delete_elem(&lock_holding, &key);
	return 0;
}
