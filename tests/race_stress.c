// SPDX-License-Identifier: GPL-2.0
/*
 * Walk and inject while everything changes (SPEC section 11): walkers
 * (SUMMARY, MAPS, SCAN, VTOP, the faults file) and inject/restore/list loops
 * run against target processes that mmap, munmap, mprotect, mremap,
 * madvise (DONTNEED, PAGEOUT, HUGEPAGE, COLD), touch their memory, fork
 * and exit, with khugepaged scanning as fast as it can and swap on zram.
 *
 * Each call must end in an outcome its documentation allows for a process
 * that changes or disappears under it; a target that touches an armed page
 * must get SIGSEGV with SEGV_ACCERR at that address, and its forked
 * children, which memlab never arms, no signal at all. When the targets
 * are gone, every fault armed in them is dropped by itself, without a
 * RESTORE. The VM runner fails the run on a kernel splat.
 *
 * MEMLAB_RACE_SECONDS sets how long it runs (default 10; make stress: 60).
 * Lifetimes count the targets' work, not seconds, and the run goes on (up
 * to six times as long) until every kind of call has succeeded and an
 * armed page has been hit: a KASAN kernel under TCG is a hundred times
 * slower than hardware, and a test that did nothing must not pass.
 *
 * The targets live in a 2 MiB-aligned reserved region divided into slots;
 * every slot belongs to one thread of the target, which alone maps, unmaps,
 * moves and touches it, and publishes what is mapped there in memory shared
 * with the test. The injectors arm only published slots, so that a target
 * is never armed anywhere its own code (stack, libc) runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/memlab.h>

#include "kselftest_harness.h"

/* Under TCG, or on the debug kernel, setting up and draining take a while. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 900

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define KiB		(1UL << 10)
#define MiB		(1UL << 20)
#define PAGE		4096UL

#define LANES		3		/* targets alive at once */
#define MUTATORS	2		/* threads per target */
#define SLOTS		8		/* per mutator; the last is its spare */
#define SLOT_LEN	(4 * MiB)
#define RESERVE_LEN	(MUTATORS * SLOTS * SLOT_LEN)
#define IDS		256		/* armed ids remembered for RESTORE */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t seed(void)
{
	return (now_ns() * 2654435761ULL ^ ((uint64_t)getpid() << 32) ^ (uint64_t)gettid()) | 1;
}

/* --- what the test and its targets share ------------------------------------ */

struct slot {
	volatile unsigned long addr, len;	/* len 0: nothing published */
};

struct lane {
	volatile pid_t pid;			/* 0 while being replaced */
	volatile int injecting;			/* INJECTs that may name pid */
	volatile unsigned long ops;		/* what its mutators did so far */
	struct slot slots[MUTATORS * SLOTS];
};

/* Counted by the targets and their children. */
struct target_counts {
	volatile unsigned long generations, touches, accerr, bad_signal, forks, child_bad,
			       maps, unmaps, mprotects, mremaps, madvises;
	volatile unsigned long bad_addr, bad_code;
};

/* Counted by the test's threads: per operation, outcomes. */
enum op { OP_SUMMARY, OP_MAPS, OP_SCAN, OP_VTOP, OP_READ_FAULTS, OP_INJECT, OP_RESTORE,
	  OP_LIST, OP_NR };

static const char * const op_names[OP_NR] = {
	"SUMMARY", "MAPS", "SCAN", "VTOP", "read faults", "INJECT", "RESTORE", "LIST_FAULTS",
};

struct op_counts {
	unsigned long ok, allowed_err, bad;
	int first_bad_errno;
};

struct shared {
	struct lane lanes[LANES];
	struct target_counts t;
	volatile int stop;
	volatile uint64_t ids[IDS];
	volatile unsigned long next_id_slot;
	/* What must have happened for the run to count. */
	volatile unsigned long restored_by_id, listed;
};

static struct shared *sh;
static int memlab_fd = -1;

/* --- the targets ---------------------------------------------------------- */

static __thread sigjmp_buf touch_jmp;
static __thread volatile int touching;
static __thread volatile unsigned long touch_lo, touch_hi;
static bool in_child;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	unsigned long addr = (unsigned long)si->si_addr;

	(void)sig;
	(void)uc;
	if (in_child || !touching) {
		/* Never armed: a child, or code that is not a guarded touch. */
		__atomic_add_fetch(in_child ? &sh->t.child_bad : &sh->t.bad_signal, 1,
				   __ATOMIC_RELAXED);
		_exit(in_child ? 3 : 99);
	}
	if (si->si_code != SEGV_ACCERR)
		__atomic_add_fetch(&sh->t.bad_code, 1, __ATOMIC_RELAXED);
	else if (addr < touch_lo || addr >= touch_hi)
		__atomic_add_fetch(&sh->t.bad_addr, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&sh->t.accerr, 1, __ATOMIC_RELAXED);
	siglongjmp(touch_jmp, 1);
}

/*
 * Write (or only read) every page of [p, p + len): the first denied access
 * ends it, through the SIGSEGV handler.
 */
static void touch(char *p, unsigned long len, bool write)
{
	unsigned long i;

	touch_lo = (unsigned long)p;
	touch_hi = (unsigned long)p + len;
	if (sigsetjmp(touch_jmp, 1)) {
		touching = 0;
		return;
	}
	touching = 1;
	for (i = 0; i < len; i += PAGE) {
		if (write)
			((volatile char *)p)[i] = (char)(i >> 12) | 1;
		else
			(void)((volatile char *)p)[i];
	}
	touching = 0;
	__atomic_add_fetch(&sh->t.touches, 1, __ATOMIC_RELAXED);
}

struct mutator {
	struct lane *lane;
	int first;			/* its slots: first .. first + SLOTS - 1 */
	char *base;			/* of the reserved region */
	int exe;
	unsigned long exe_len;		/* what a file mapping may cover: no SIGBUS */
	bool writable[SLOTS];		/* the prot each mapped slot has now */
	bool mapped[SLOTS];
	char *addr[SLOTS];		/* where each slot's mapping is */
};

static void publish(struct mutator *m, int i, unsigned long len)
{
	struct slot *s = &m->lane->slots[m->first + i];

	s->len = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->addr = (unsigned long)m->addr[i];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->len = len;
}

static void unpublish(struct mutator *m, int i)
{
	m->lane->slots[m->first + i].len = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static unsigned long slot_len(struct mutator *m, int i)
{
	return m->lane->slots[m->first + i].len;
}

static void map_slot(struct mutator *m, int i, uint64_t *s)
{
	/* Mostly small, to be quick to touch; now and then THP-sized. */
	unsigned long max = rnd(s) % 4 ? 512 * KiB : SLOT_LEN;
	unsigned long len = (64 * KiB + rnd(s) % (max - 64 * KiB)) & ~(PAGE - 1);
	int kind = (int)(rnd(s) % 6);
	char *p;

	if (kind == 0)
		p = mmap(m->addr[i], len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	else if (kind == 1 && m->exe_len)
		p = mmap(m->addr[i], len = m->exe_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED_NOREPLACE, m->exe, 0);
	else
		p = mmap(m->addr[i], len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != m->addr[i]) {
		if (p != MAP_FAILED)
			munmap(p, len);
		return;
	}
	m->mapped[i] = true;
	m->writable[i] = true;
	if (kind >= 3)
		madvise(p, len, MADV_HUGEPAGE);
	touch(p, len, true);
	publish(m, i, len);
	__atomic_add_fetch(&sh->t.maps, 1, __ATOMIC_RELAXED);
}

/* The child of a fork reads what its parent's thread had mapped: no signal. */
static void fork_and_read(struct mutator *m)
{
	pid_t pid;
	int i, status;

	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		in_child = true;
		for (i = 0; i < SLOTS; i++) {
			unsigned long len = slot_len(m, i), k;

			if (!m->mapped[i] || !len)
				continue;
			for (k = 0; k < len; k += PAGE)
				(void)((volatile char *)m->addr[i])[k];
		}
		_exit(0);
	}
	__atomic_add_fetch(&sh->t.forks, 1, __ATOMIC_RELAXED);
	if (waitpid(pid, &status, 0) == pid && !(WIFEXITED(status) && !WEXITSTATUS(status)) &&
	    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		__atomic_add_fetch(&sh->t.child_bad, 1, __ATOMIC_RELAXED);
}

static void *mutator(void *arg)
{
	struct mutator *m = arg;
	uint64_t s = seed();
	int i;

	for (i = 0; i < SLOTS; i++)
		m->addr[i] = m->base + (m->first + i) * SLOT_LEN;
	for (;;) {
		unsigned long len, off, n;

		__atomic_add_fetch(&m->lane->ops, 1, __ATOMIC_RELAXED);
		i = (int)(rnd(&s) % (SLOTS - 1));
		if (!m->mapped[i]) {
			map_slot(m, i, &s);
			continue;
		}
		len = slot_len(m, i);
		off = (rnd(&s) % len) & ~(PAGE - 1);
		n = ((rnd(&s) % (len - off)) & ~(PAGE - 1)) + PAGE;
		if (off + n > len)
			n = len - off;
		switch (rnd(&s) % 10) {
		case 0:		/* unmap: a real hole, so the notifier sees it */
			unpublish(m, i);
			munmap(m->addr[i], SLOT_LEN);
			m->mapped[i] = false;
			__atomic_add_fetch(&sh->t.unmaps, 1, __ATOMIC_RELAXED);
			break;
		case 1:		/* mprotect all of it, so the touches know */
			m->writable[i] = !m->writable[i];
			mprotect(m->addr[i], len, m->writable[i] ? PROT_READ | PROT_WRITE : PROT_READ);
			__atomic_add_fetch(&sh->t.mprotects, 1, __ATOMIC_RELAXED);
			break;
		case 2: {	/* mremap to the spare slot, which becomes this one */
			char *spare = m->addr[SLOTS - 1];

			unpublish(m, i);
			if (mremap(m->addr[i], len, len, MREMAP_MAYMOVE | MREMAP_FIXED, spare) == spare) {
				m->addr[SLOTS - 1] = m->addr[i];
				m->addr[i] = spare;
				__atomic_add_fetch(&sh->t.mremaps, 1, __ATOMIC_RELAXED);
			}
			publish(m, i, len);
			break;
		}
		case 3: {
			static const int advice[] = {
				MADV_DONTNEED, MADV_PAGEOUT, MADV_HUGEPAGE, MADV_COLD,
			};

			madvise(m->addr[i] + off, n, advice[rnd(&s) % 4]);
			__atomic_add_fetch(&sh->t.madvises, 1, __ATOMIC_RELAXED);
			break;
		}
		case 4:
			/*
			 * Now and then; every time until one target has
			 * forked, so that a slow kernel (KASAN under TCG:
			 * some hundred operations in a run) forks too.
			 */
			if (rnd(&s) % 4 == 0 || !sh->t.forks)
				fork_and_read(m);
			break;
		default:
			touch(m->addr[i] + off, n, m->writable[i]);
			break;
		}
	}
	return NULL;
}

/* A target: its mutators for @life_ops operations, then exit (or a SIGKILL). */
static void target(struct lane *lane, unsigned long life_ops)
{
	static struct mutator muts[MUTATORS];
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER };
	unsigned long align = 2 * MiB;
	pthread_t t;
	char *raw;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigaction(SIGSEGV, &sa, NULL);
	/*
	 * Reserved until the threads (and their stacks) exist, then unmapped:
	 * from then on only the mutators map there, at fixed places.
	 */
	raw = mmap(NULL, RESERVE_LEN + align, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		_exit(2);
	for (i = 0; i < MUTATORS; i++) {
		muts[i].lane = lane;
		muts[i].first = i * SLOTS;
		muts[i].base = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
		muts[i].exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (muts[i].exe >= 0)
			muts[i].exe_len = (unsigned long)lseek(muts[i].exe, 0, SEEK_END) & ~(PAGE - 1);
		if (muts[i].exe_len > 64 * KiB)
			muts[i].exe_len = 64 * KiB;
	}
	for (i = 0; i < MUTATORS; i++)
		if (pthread_create(&t, NULL, mutator, &muts[i]))
			_exit(2);
	munmap(raw, RESERVE_LEN + align);
	lane->pid = getpid();
	__atomic_add_fetch(&sh->t.generations, 1, __ATOMIC_RELAXED);
	while (lane->ops < life_ops)
		usleep(5 * 1000);
	_exit(0);
}

static pid_t start_target(struct lane *lane, uint64_t *s)
{
	unsigned long life_ops = 100 + rnd(s) % 900;
	pid_t pid;
	int i;

	lane->pid = 0;
	lane->ops = 0;
	for (i = 0; i < MUTATORS * SLOTS; i++)
		lane->slots[i].len = 0;
	pid = fork();
	if (!pid)
		target(lane, life_ops);
	return pid;
}

/* --- the test's threads ------------------------------------------------------ */

struct worker {
	pthread_t thread;
	int kind;			/* 0, 1: walkers; 2, 3: injectors; 4: restorer */
	struct op_counts counts[OP_NR];
};

/* A published slot of a live target in @lane, or false. */
static bool pick_slot_in(struct lane *lane, uint64_t *s, pid_t *pid, unsigned long *addr,
			 unsigned long *len)
{
	struct slot *slot = &lane->slots[rnd(s) % (MUTATORS * SLOTS)];

	*pid = lane->pid;
	*len = slot->len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*addr = slot->addr;
	return *pid > 0 && *len;
}

static bool pick_slot(uint64_t *s, pid_t *pid, unsigned long *addr, unsigned long *len)
{
	return pick_slot_in(&sh->lanes[rnd(s) % LANES], s, pid, addr, len);
}

/* @allowed: the errnos that are no failure here, 0-terminated. */
static void count(struct worker *w, enum op op, int ret, const int *allowed)
{
	struct op_counts *c = &w->counts[op];
	int err = errno;

	if (ret >= 0) {
		c->ok++;
		return;
	}
	for (; *allowed; allowed++) {
		if (*allowed == err) {
			c->allowed_err++;
			return;
		}
	}
	if (!c->bad++)
		c->first_bad_errno = err;
}

#define ERRNOS(...)	((const int[]){ __VA_ARGS__, 0 })

/* Each combination of the SUMMARY flags, for walk_once() to pick from. */
static const __u64 summary_flags[] = {
	0,
	MEMLAB_SUMMARY_NO_SHARING,
	MEMLAB_SUMMARY_PAGE_TABLES_ONLY,
	MEMLAB_SUMMARY_NO_SHARING | MEMLAB_SUMMARY_PAGE_TABLES_ONLY,
};

static void walk_once(struct worker *w, uint64_t *s)
{
	static __thread struct memlab_vma vmas[64];
	static __thread struct memlab_scan_region regions[256];
	unsigned long addr, len;
	pid_t pid;
	int ret;

	if (!pick_slot(s, &pid, &addr, &len)) {
		pid = sh->lanes[rnd(s) % LANES].pid;
		addr = 0;
		if (pid <= 0)
			return;
	}
	switch (rnd(s) % 5) {
	case 0: {
		struct memlab_summary sum = { .size = sizeof(sum), .pid = (__u32)pid,
			.flags = summary_flags[rnd(s) % 4] };

		ret = ioctl(memlab_fd, MEMLAB_IOC_SUMMARY, &sum);
		count(w, OP_SUMMARY, ret, ERRNOS(ESRCH));
		break;
	}
	case 1: {
		struct memlab_maps m = { .size = sizeof(m), .pid = (__u32)pid,
			.vma_size = sizeof(vmas[0]), .vec = (unsigned long)vmas, .vec_len = 64 };

		ret = ioctl(memlab_fd, MEMLAB_IOC_MAPS, &m);
		count(w, OP_MAPS, ret, ERRNOS(ESRCH));
		break;
	}
	case 2: {
		struct memlab_scan sc = { .size = sizeof(sc), .pid = (__u32)pid,
			.start = 0, .end = (1UL << 47) - PAGE, .vec = (unsigned long)regions,
			.vec_len = 256, .category_anyof_mask = MEMLAB_PAGE_PRESENT |
			MEMLAB_PAGE_SWAPPED | MEMLAB_PAGE_ARMED,
			.return_mask = MEMLAB_PAGE_CATEGORIES };

		ret = ioctl(memlab_fd, MEMLAB_IOC_SCAN, &sc);
		count(w, OP_SCAN, ret, ERRNOS(ESRCH));
		break;
	}
	case 3: {
		struct memlab_vtop v = { .size = sizeof(v), .pid = (__u32)pid,
			.addr = addr + (len ? rnd(s) % len : 0) };

		ret = ioctl(memlab_fd, MEMLAB_IOC_VTOP, &v);
		/* The slot may be unmapped by now. */
		count(w, OP_VTOP, ret, ERRNOS(ESRCH, ENOMEM));
		break;
	}
	default: {
		static __thread char buf[64 * 1024];
		int fd = open(MEMLAB_PROC_DIR "/faults", O_RDONLY | O_CLOEXEC);

		ret = fd < 0 ? -1 : (int)read(fd, buf, sizeof(buf));
		if (fd >= 0)
			close(fd);
		count(w, OP_READ_FAULTS, ret < 0 ? -1 : 0, ERRNOS(0));
		break;
	}
	}
}

static void remember_id(uint64_t id)
{
	unsigned long i = __atomic_fetch_add(&sh->next_id_slot, 1, __ATOMIC_RELAXED);

	sh->ids[i % IDS] = id;
}

static void inject_once(struct worker *w, uint64_t *s)
{
	struct lane *lane = &sh->lanes[rnd(s) % LANES];
	struct memlab_inject inj = { .size = sizeof(inj) };
	unsigned long addr, len, off, n;
	pid_t pid;
	int ret;

	/*
	 * The pid stays a target's until the call returns: a target that
	 * exited is reaped, and its pid free to be taken, only when no
	 * INJECT is between picking it and returning (see reap_target()).
	 */
	__atomic_add_fetch(&lane->injecting, 1, __ATOMIC_SEQ_CST);
	if (!pick_slot_in(lane, s, &pid, &addr, &len)) {
		__atomic_sub_fetch(&lane->injecting, 1, __ATOMIC_SEQ_CST);
		return;
	}
	off = (rnd(s) % len) & ~(PAGE - 1);
	n = (1 + rnd(s) % 8) * PAGE;
	if (off + n > len)
		n = len - off;
	inj.pid = (__u32)pid;
	inj.start = addr + off;
	inj.len = n;
	inj.deny = 1 + (__u32)(rnd(s) % 7);
	inj.flags = rnd(s) % 3 == 0 ? MEMLAB_INJECT_ONESHOT : 0;
	ret = ioctl(memlab_fd, MEMLAB_IOC_INJECT, &inj);
	__atomic_sub_fetch(&lane->injecting, 1, __ATOMIC_SEQ_CST);
	/*
	 * The target may be gone (ESRCH), the slot unmapped or moved
	 * (ENOMEM), armed already (EBUSY), a THP there (EOPNOTSUPP), the
	 * limit reached (ENOSPC).
	 */
	count(w, OP_INJECT, ret, ERRNOS(ESRCH, ENOMEM, EBUSY, EOPNOTSUPP, ENOSPC));
	if (!ret)
		remember_id(inj.id);
}

static void restore_once(struct worker *w, uint64_t *s)
{
	struct memlab_restore res = { .size = sizeof(res) };
	static __thread struct memlab_fault_info infos[64];
	struct memlab_list_faults l = {
		.size = sizeof(l), .vec = (unsigned long)infos, .vec_len = 64,
		.info_size = sizeof(infos[0]),
	};
	int ret;

	switch (rnd(s) % 8) {
	case 0:
		if (rnd(s) % 50 == 0) {
			res.flags = MEMLAB_RESTORE_ALL;
			count(w, OP_RESTORE, ioctl(memlab_fd, MEMLAB_IOC_RESTORE, &res), ERRNOS(0));
			return;
		}
		/* fall through */
	case 1: case 2: case 3:
		/* Dropped already when its target exited or unmapped: ENOENT. */
		res.id = sh->ids[rnd(s) % IDS];
		if (!res.id)
			return;
		ret = ioctl(memlab_fd, MEMLAB_IOC_RESTORE, &res);
		count(w, OP_RESTORE, ret, ERRNOS(ENOENT));
		if (!ret)
			__atomic_add_fetch(&sh->restored_by_id, 1, __ATOMIC_RELAXED);
		return;
	default: {
		__u64 k;
		bool sane = true;

		ret = ioctl(memlab_fd, MEMLAB_IOC_LIST_FAULTS, &l);
		for (k = 0; !ret && k < l.count; k++)
			sane &= infos[k].start < infos[k].end &&
				infos[k].state >= MEMLAB_FAULT_ARMED &&
				infos[k].state <= MEMLAB_FAULT_LOST;
		if (!sane) {
			errno = EPROTO;	/* a record that makes no sense */
			ret = -1;
		}
		if (!ret && l.count)
			__atomic_add_fetch(&sh->listed, 1, __ATOMIC_RELAXED);
		count(w, OP_LIST, ret, ERRNOS(0));
		return;
	}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t s = seed();

	while (!sh->stop) {
		if (w->kind < 2)
			walk_once(w, &s);
		else if (w->kind < 4)
			inject_once(w, &s);
		else
			restore_once(w, &s);
	}
	return NULL;
}

/* --- the test ------------------------------------------------------------------ */

/* Has every kind of call succeeded, and a target hit an armed page? */
static bool every_kind_done(const struct worker *workers)
{
	int op, i;

	for (op = 0; op < OP_NR; op++) {
		unsigned long ok = 0;

		if (op == OP_RESTORE || op == OP_READ_FAULTS)
			continue;
		for (i = 0; i < 5; i++)
			ok += workers[i].counts[op].ok;
		if (!ok)
			return false;
	}
	return sh->t.accerr > 0 && sh->t.forks > 0 && sh->t.generations > LANES &&
	       sh->restored_by_id > 0 && sh->listed > 0;
}

/*
 * A target has exited (a zombie, @pid still its own): take it out of its
 * lane, wait until no INJECT that may have picked it is in flight, then
 * reap it. Reaped any sooner, its pid could be another process's by the
 * time an INJECT naming it runs.
 */
static void reap_target(struct lane *lane, pid_t pid, int *status)
{
	int i;

	lane->pid = 0;
	for (i = 0; i < MUTATORS * SLOTS; i++)
		lane->slots[i].len = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while (__atomic_load_n(&lane->injecting, __ATOMIC_SEQ_CST))
		usleep(100);
	waitpid(pid, status, __WALL);
}

/* Faults /proc/memlab/faults shows, those being dropped included. */
static int faults_shown(void)
{
	char line[256];
	int n = -1;	/* its header */
	FILE *f = fopen(MEMLAB_PROC_DIR "/faults", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

struct knob {
	const char *path;
	char old[64];
	bool set;
};

static void set_knob(struct knob *k, const char *value)
{
	int fd = open(k->path, O_RDWR);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, k->old, sizeof(k->old) - 1);
	if (n > 0) {
		k->old[n] = '\0';
		k->set = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	}
	close(fd);
}

static void put_knob(struct knob *k)
{
	int fd;
	char *bracket;

	if (!k->set || (fd = open(k->path, O_WRONLY)) < 0)
		return;
	/* "always [madvise] never" reads back as the choice in brackets. */
	bracket = strchr(k->old, '[');
	if (bracket) {
		memmove(k->old, bracket + 1, strlen(bracket));
		k->old[strcspn(k->old, "]")] = '\0';
	}
	if (write(fd, k->old, strlen(k->old)) < 0)
		k->set = false;
	close(fd);
}

static long faults_listed(void)
{
	static struct memlab_fault_info infos[64];
	struct memlab_list_faults l = {
		.size = sizeof(l), .vec = (unsigned long)infos, .vec_len = 64,
		.info_size = sizeof(infos[0]),
	};
	long n = 0;

	do {
		if (ioctl(memlab_fd, MEMLAB_IOC_LIST_FAULTS, &l))
			return -1;
		n += (long)l.count;
		l.start_id = l.next_id;
	} while (l.next_id);
	return n;
}

static bool swap_active(void)
{
	char line[256];
	int lines = 0;
	FILE *f = fopen("/proc/swaps", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;
}

#define THP "/sys/kernel/mm/transparent_hugepage/"

TEST(walk_and_inject_while_targets_churn)
{
	struct knob knobs[] = {
		{ .path = THP "enabled" },
		{ .path = THP "khugepaged/scan_sleep_millisecs" },
		{ .path = THP "khugepaged/alloc_sleep_millisecs" },
		{ .path = THP "khugepaged/pages_to_scan" },
	};
	static const char * const knob_values[] = { "always", "1", "1", "4096" };
	struct memlab_version ver = { .size = sizeof(ver) };
	struct memlab_restore all = { .size = sizeof(all), .flags = MEMLAB_RESTORE_ALL };
	struct worker workers[5] = {};
	const char *env = getenv("MEMLAB_RACE_SECONDS");
	unsigned int seconds = env ? (unsigned int)atoi(env) : 10;
	pid_t pids[LANES];
	uint64_t end, hard_end, s = seed(), drained_ns, t0 = now_ns();
	unsigned long kills = 0, bad_ops = 0;
	long left;
	size_t i;
	int op;

	memlab_fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (memlab_fd < 0)
		SKIP(return, "memlab is not loaded");
	ASSERT_EQ(0, ioctl(memlab_fd, MEMLAB_IOC_VERSION, &ver));
	if (!(ver.features & MEMLAB_FEAT_INJECT))
		SKIP(return, "memlab was built without fault injection");
	ASSERT_EQ(0, geteuid()) TH_LOG("injection needs root");
	ASSERT_EQ(0, faults_listed()) TH_LOG("faults are armed before the test");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	/* Grandchildren (the targets' children) come back to us to reap. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		set_knob(&knobs[i], knob_values[i]);
	TH_LOG("%u s; THP %s, swap %s", seconds, knobs[0].set ? "always, khugepaged at full speed" :
	       "as it was", swap_active() ? "on" : "off (no MADV_PAGEOUT of anonymous memory)");

	for (i = 0; i < LANES; i++)
		pids[i] = start_target(&sh->lanes[i], &s);
	for (i = 0; i < 5; i++) {
		workers[i].kind = (int)i;
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]));
	}

	/* Targets end by themselves or are killed, and are replaced. */
	end = now_ns() + seconds * 1000000000ULL;
	hard_end = end + 5 * seconds * 1000000000ULL;
	while (now_ns() < hard_end && (now_ns() < end || !every_kind_done(workers))) {
		siginfo_t info;

		usleep(20 * 1000);
		/* Killed once it has done something. */
		for (i = 0; i < LANES; i++) {
			if (sh->lanes[i].ops > 50 && rnd(&s) % 10 == 0) {
				kill(pids[i], SIGKILL);
				kills++;
			}
		}
		/*
		 * Who has exited: a target (reaped by reap_target() and
		 * replaced), or an orphaned child of one, reaped at once.
		 */
		for (;;) {
			int status;

			memset(&info, 0, sizeof(info));
			if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL) ||
			    !info.si_pid)
				break;
			for (i = 0; i < LANES && pids[i] != info.si_pid; i++)
				;
			if (i == LANES) {
				waitpid(info.si_pid, NULL, __WALL);
				continue;
			}
			reap_target(&sh->lanes[i], pids[i], &status);
			EXPECT_TRUE((WIFEXITED(status) && !WEXITSTATUS(status)) ||
				    (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
				TH_LOG("target %d ended with status %#x", pids[i], status);
			pids[i] = start_target(&sh->lanes[i], &s);
		}
	}
	sh->stop = 1;
	TH_LOG("ran %.1f s", (now_ns() - t0) / 1e9);
	for (i = 0; i < 5; i++)
		pthread_join(workers[i].thread, NULL);
	for (i = 0; i < LANES; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	while (waitpid(-1, NULL, __WALL) > 0)
		;

	/*
	 * Every fault was in a target, and they are gone: all dropped,
	 * unasked. LIST_FAULTS leaves out those being dropped at once; the
	 * file shows them ("restoring") until they are gone.
	 */
	drained_ns = now_ns();
	while ((left = faults_shown()) > 0 && now_ns() - drained_ns < 10000000000ULL)
		usleep(10 * 1000);
	drained_ns = now_ns() - drained_ns;
	EXPECT_EQ(0, left) TH_LOG("%ld faults still shown 10 s after their targets exited", left);
	EXPECT_EQ(0, faults_listed());
	EXPECT_EQ(0, ioctl(memlab_fd, MEMLAB_IOC_RESTORE, &all));
	EXPECT_EQ(0, all.restored);

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		put_knob(&knobs[i]);

	TH_LOG("targets: %lu started, %lu SIGKILLs sent; %lu maps, %lu unmaps, %lu mprotects, %lu mremaps, %lu madvises, %lu forks, %lu touches",
	       sh->t.generations, kills, sh->t.maps, sh->t.unmaps, sh->t.mprotects, sh->t.mremaps,
	       sh->t.madvises, sh->t.forks, sh->t.touches);
	TH_LOG("armed pages hit: %lu SIGSEGV with SEGV_ACCERR; faults left after the targets: dropped in %llu ms",
	       sh->t.accerr, (unsigned long long)(drained_ns / 1000000));
	for (op = 0; op < OP_NR; op++) {
		unsigned long ok = 0, allowed = 0, bad = 0;
		int first = 0;

		for (i = 0; i < 5; i++) {
			ok += workers[i].counts[op].ok;
			allowed += workers[i].counts[op].allowed_err;
			bad += workers[i].counts[op].bad;
			if (!first)
				first = workers[i].counts[op].first_bad_errno;
		}
		TH_LOG("%-12s %8lu ok, %7lu expected errors, %lu unexpected%s%s", op_names[op],
		       ok, allowed, bad, bad ? ", first: " : "", bad ? strerror(first) : "");
		bad_ops += bad;
		if (op != OP_RESTORE && op != OP_READ_FAULTS)
			EXPECT_LT(0, ok) TH_LOG("no %s succeeded", op_names[op]);
	}
	EXPECT_EQ(0, bad_ops);
	EXPECT_EQ(0, sh->t.bad_signal) TH_LOG("a target got SIGSEGV outside a touch of its slots");
	EXPECT_EQ(0, sh->t.bad_code) TH_LOG("SIGSEGV with a si_code other than SEGV_ACCERR");
	EXPECT_EQ(0, sh->t.bad_addr) TH_LOG("SIGSEGV at an address outside what was touched");
	EXPECT_EQ(0, sh->t.child_bad) TH_LOG("a forked child got a signal: children are never armed");
	EXPECT_LT(0, sh->t.accerr) TH_LOG("no target ever hit an armed page");
	EXPECT_LT(0, sh->restored_by_id) TH_LOG("no RESTORE of an armed fault by its id");
	EXPECT_LT(0, sh->listed) TH_LOG("LIST_FAULTS never listed a fault");
	EXPECT_LT(0, sh->t.forks);
	EXPECT_LT(LANES, sh->t.generations);
	close(memlab_fd);
}

TEST_HARNESS_MAIN
