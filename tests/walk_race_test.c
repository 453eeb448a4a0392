// SPDX-License-Identifier: GPL-2.0
/*
 * The walker against a process that changes under it (SPEC section 11):
 * memlab walks a process while it maps, unmaps, mprotects and madvises,
 * while it forks, while its THPs are split and collapsed, and while it
 * exits. Every call must succeed, or fail with ESRCH once the process is
 * gone; nothing else, and never a hang. The VM runner fails the run if the
 * guest kernel log shows a splat (BUG, WARNING, KASAN, lockdep, ...).
 *
 * Last, the mmap_lock promise of module/walk.c: a walk lets a waiting
 * writer in between two PMDs, so a target's mmap()/munmap() never waits
 * for a whole walk, where smaps_rollup makes it wait for a whole VMA.
 *
 * Every test bounds its own time (a few seconds) and kills and reaps every
 * process it started, from the fixture's teardown, which runs even when an
 * ASSERT ends the test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

/*
 * The suite runs in an emulated VM (TCG), sometimes on a KASAN + lockdep
 * kernel: many times slower than hardware. 30 s is not enough there.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define KiB (1UL << 10)
#define MiB (1UL << 20)
#define PAGE 4096UL

/* How long each race runs. */
#define RACE_NS (3 * 1000000000ULL)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* xorshift64: each process and thread its own stream. */
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

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		p[i] = (char)(i >> 12) | 1;
}

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* --- memlab ---------------------------------------------------------------- */

static int memlab_fd = -1;

static int memlab_summary(pid_t pid, __u64 flags, struct memlab_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	sum->size = sizeof(*sum);
	sum->flags = flags;
	sum->pid = pid;
	return ioctl(memlab_fd, MEMLAB_IOC_SUMMARY, sum);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int set_memlab_target(pid_t pid)
{
	char buf[32];

	if (pid)
		snprintf(buf, sizeof(buf), "%d\n", pid);
	else
		snprintf(buf, sizeof(buf), "self\n");
	return write_str(MEMLAB_PROC_DIR "/target", buf);
}

/*
 * Read all of /proc/memlab/@name (each open is one walk) into @buf,
 * NUL-terminated. Return its length, or -1 with errno.
 */
static ssize_t read_memlab_file(const char *name, char *buf, size_t size)
{
	char path[64];
	size_t len = 0;
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), MEMLAB_PROC_DIR "/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, size - len - 1)) > 0) {
		len += n;
		if (len == size - 1)	/* the rest is not needed */
			break;
	}
	err = errno;
	close(fd);
	buf[len] = '\0';
	errno = err;
	return n < 0 ? -1 : (ssize_t)len;
}

static long text_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* --- the fixture ------------------------------------------------------------ */

struct knob {
	char path[128];
	char old[64];
};

#define MAX_PIDS 8

FIXTURE(race) {
	pid_t pids[MAX_PIDS];
	int nr_pids;
	struct knob knobs[4];
	int nr_knobs;
	bool target_set;
	void *shared;		/* a page the test and its targets share */
};

FIXTURE_SETUP(race)
{
	self->shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	/* Grandchildren come back to us to reap. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	memlab_fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
}

FIXTURE_TEARDOWN(race)
{
	uint64_t end;
	int i;

	/* Each target leads its own process group, with its children. */
	for (i = self->nr_pids - 1; i >= 0; i--) {
		kill(-self->pids[i], SIGKILL);
		kill(self->pids[i], SIGKILL);
	}
	for (i = self->nr_pids - 1; i >= 0; i--)
		waitpid(self->pids[i], NULL, 0);
	/* Then their children, reparented to us: until none is left, 5 s at most. */
	end = now_ns() + 5000000000ULL;
	while (waitpid(-1, NULL, WNOHANG) >= 0 && now_ns() < end)
		usleep(1000);
	for (i = self->nr_knobs - 1; i >= 0; i--)
		if (write_str(self->knobs[i].path, self->knobs[i].old))
			TH_LOG("could not restore %s to %s", self->knobs[i].path,
			       self->knobs[i].old);
	if (self->target_set)
		set_memlab_target(0);
	if (memlab_fd >= 0)
		close(memlab_fd);
	munmap(self->shared, PAGE);
}

#define REQUIRE_MEMLAB() do {						\
	if (memlab_fd < 0)						\
		SKIP(return, "memlab is not loaded");			\
} while (0)

/*
 * Start @body in a new process; it is killed by the teardown, and kills
 * itself after 60 s should the test die first without a teardown.
 */
static pid_t start_target(struct __test_metadata *_metadata,
			  FIXTURE_DATA(race) *self,
			  void (*body)(void *), void *arg)
{
	pid_t pid;

	ASSERT_GT(MAX_PIDS, self->nr_pids);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		setpgid(0, 0);
		alarm(60);
		body(arg);
		_exit(0);
	}
	self->pids[self->nr_pids++] = pid;
	return pid;
}

static void remember_knob(FIXTURE_DATA(race) *self, const char *path)
{
	struct knob *k = &self->knobs[self->nr_knobs];
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	snprintf(k->path, sizeof(k->path), "%s", path);
	snprintf(k->old, sizeof(k->old), "%s", buf);
	self->nr_knobs++;
}

/* Set a sysfs knob if there is one, remembering what it was. */
static void set_knob(FIXTURE_DATA(race) *self, const char *path, const char *value)
{
	int before = self->nr_knobs;

	remember_knob(self, path);
	if (self->nr_knobs != before)
		write_str(path, value);
}

/* --- what the test does while the target changes -------------------------- */

struct walk_stats {
	unsigned long ioctls, summaries, maps;
	unsigned long failures, esrch;
	int first_errno;
	const char *first_op;
	unsigned long long lock_drops, max_lock_drops, max_hold_ns, max_walk_ns;
};

static char text[256 * 1024];

static void walk_failed(struct walk_stats *st, const char *op)
{
	if (!st->failures++) {
		st->first_errno = errno;
		st->first_op = op;
	}
}

/* Each combination of the SUMMARY flags, for walk_once() to take in turn. */
static const __u64 summary_flags[] = {
	0,
	MEMLAB_SUMMARY_NO_SHARING,
	MEMLAB_SUMMARY_PAGE_TABLES_ONLY,
	MEMLAB_SUMMARY_NO_SHARING | MEMLAB_SUMMARY_PAGE_TABLES_ONLY,
};

/*
 * One walk of @pid, by ioctl or by one of the text files (the target file
 * names @pid already), in turn. ESRCH is counted apart: whether that is
 * allowed is up to the caller.
 */
static void walk_once(struct walk_stats *st, pid_t pid, unsigned long i)
{
	struct memlab_summary sum;

	switch (i % 3) {
	case 0:
		if (memlab_summary(pid, summary_flags[i / 3 % 4], &sum)) {
			if (errno == ESRCH)
				st->esrch++;
			else
				walk_failed(st, "SUMMARY");
			return;
		}
		st->ioctls++;
		st->lock_drops += sum.lock_drops;
		if (sum.lock_drops > st->max_lock_drops)
			st->max_lock_drops = sum.lock_drops;
		if (sum.max_lock_hold_ns > st->max_hold_ns)
			st->max_hold_ns = sum.max_lock_hold_ns;
		if (sum.walk_ns > st->max_walk_ns)
			st->max_walk_ns = sum.walk_ns;
		break;
	case 1:
		if (read_memlab_file("summary", text, sizeof(text)) < 0) {
			if (errno == ESRCH)
				st->esrch++;
			else
				walk_failed(st, "read summary");
			return;
		}
		if (text_field(text, "WalkLockDrops:") < 0) {
			errno = 0;
			walk_failed(st, "summary without WalkLockDrops");
			return;
		}
		st->summaries++;
		st->lock_drops += text_field(text, "WalkLockDrops:");
		break;
	case 2:
		if (read_memlab_file("maps", text, sizeof(text)) < 0) {
			if (errno == ESRCH)
				st->esrch++;
			else
				walk_failed(st, "read maps");
			return;
		}
		if (strncmp(text, "Address", 7)) {
			errno = 0;
			walk_failed(st, "maps without its header");
			return;
		}
		st->maps++;
		break;
	}
}

/* Walk @pid, which stays alive, as fast as possible for @ns: all must succeed. */
static void walk_for(struct __test_metadata *_metadata, FIXTURE_DATA(race) *self,
		     pid_t pid, uint64_t ns)
{
	struct walk_stats st = {};
	uint64_t end = now_ns() + ns;
	unsigned long i;

	ASSERT_EQ(0, set_memlab_target(pid)) TH_LOG("target %d: %s", pid, strerror(errno));
	self->target_set = true;
	for (i = 0; now_ns() < end; i++)
		walk_once(&st, pid, i);
	TH_LOG("%lu walks: %lu SUMMARY, %lu summary, %lu maps; lock drops %llu (most in one walk %llu), longest hold %llu us, longest walk %llu us",
	       i, st.ioctls, st.summaries, st.maps, st.lock_drops, st.max_lock_drops,
	       st.max_hold_ns / 1000, st.max_walk_ns / 1000);
	EXPECT_EQ(0, st.failures + st.esrch)
		TH_LOG("%lu failed, %lu ESRCH; first: %s: %s", st.failures, st.esrch,
		       st.first_op, strerror(st.first_errno));
	EXPECT_LT(0, st.ioctls);
	EXPECT_LT(0, st.summaries);
	EXPECT_LT(0, st.maps);
	/* The target is still there: the walks did not take it down. */
	ASSERT_EQ(0, waitpid(pid, NULL, WNOHANG)) TH_LOG("the target died");
}

/* --- targets ------------------------------------------------------------------ */

/* mmap/munmap 64 KiB..2 MiB, some touched, some zapped, some mprotected. */
#define LIVE 16

static void *mapper(void *arg)
{
	struct { char *p; size_t len; } live[LIVE] = {};
	uint64_t s = seed();
	unsigned int slot = 0;
	int exe = open("/proc/self/exe", O_RDONLY);

	(void)arg;
	for (;;) {
		size_t len = (64 * KiB + rnd(&s) % (2 * MiB - 64 * KiB)) & ~(PAGE - 1);
		unsigned int kind = rnd(&s) % 8;
		char *p;

		if (live[slot].p) {
			/* Sometimes a hole in the middle first: a VMA split. */
			if (live[slot].len > 4 * PAGE && rnd(&s) % 2)
				munmap(live[slot].p + PAGE, PAGE);
			munmap(live[slot].p, live[slot].len);
			live[slot].p = NULL;
		}
		if (kind == 0)
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		else if (kind == 1 && exe >= 0)
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, exe, 0);
		else
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		live[slot].p = p;
		live[slot].len = len;
		slot = (slot + 1) % LIVE;
		if (kind == 1) {
			/* Past the end of the file is SIGBUS: touch what it covers. */
			off_t size = lseek(exe, 0, SEEK_END);

			if ((off_t)len > size)
				len = size & ~(PAGE - 1);
		}
		switch (rnd(&s) % 4) {
		case 0:
			break;
		case 1:
			touch(p, len);
			madvise(p + len / 4, len / 2, MADV_DONTNEED);
			break;
		case 2:
			touch(p, len / 2);
			mprotect(p + len / 4, len / 4 + PAGE, PROT_READ);
			break;
		case 3:
			madvise(p, len, MADV_HUGEPAGE);
			touch(p, len);
			break;
		}
	}
	return NULL;
}

static void mapping_target(void *arg)
{
	pthread_t t[2];
	int i;

	(void)arg;
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, mapper, NULL);
	for (;;)
		pause();
}

TEST_F_TIMEOUT(race, walk_while_target_maps_and_unmaps, 60)
{
	pid_t pid;

	REQUIRE_MEMLAB();
	pid = start_target(_metadata, self, mapping_target, NULL);
	usleep(100 * 1000);
	walk_for(_metadata, self, pid, RACE_NS);
}

/* Touch 16 MiB, then exit after 0..@arg us. */
static void exiting_target(void *arg)
{
	uint64_t s = seed();
	char *p = map_anon(16 * MiB);

	if (p)
		touch(p, 16 * MiB);
	usleep(rnd(&s) % (*(unsigned long *)arg + 1));
	_exit(0);
}

TEST_F_TIMEOUT(race, walk_while_target_exits, 300)
{
	unsigned long delay_us = 30000, targets = 0, succeeded = 0;
	struct walk_stats st = {};
	uint64_t end = now_ns() + RACE_NS, target_end;
	pid_t pid;

	REQUIRE_MEMLAB();
	while (now_ns() < end && !st.failures) {
		unsigned long i;

		pid = start_target(_metadata, self, exiting_target, &delay_us);
		targets++;
		/* The text files follow @pid too; the write races the exit. */
		if (set_memlab_target(pid)) {
			EXPECT_EQ(ESRCH, errno) TH_LOG("target %d: %s", pid, strerror(errno));
		} else {
			self->target_set = true;
		}
		/*
		 * Until the ioctl says it is gone (a zombie: no mm). Touching
		 * 16 MiB takes seconds on a KASAN kernel under TCG: 60 s.
		 */
		target_end = now_ns() + 60000000000ULL;
		for (i = 0; now_ns() < target_end; i++) {
			unsigned long ok = st.ioctls + st.summaries + st.maps;
			unsigned long esrch = st.esrch;

			walk_once(&st, pid, i);
			if (st.failures)
				break;
			succeeded += st.ioctls + st.summaries + st.maps - ok;
			if (st.esrch != esrch && i % 3 == 0)
				break;
		}
		EXPECT_GT(target_end, now_ns()) TH_LOG("target %d never went away", pid);
		ASSERT_EQ(pid, waitpid(pid, NULL, 0));
		self->nr_pids--;
	}
	TH_LOG("%lu targets, %lu walks succeeded, %lu ESRCH; lock drops %llu, longest walk %llu us",
	       targets, succeeded, st.esrch, st.lock_drops, st.max_walk_ns / 1000);
	EXPECT_EQ(0, st.failures)
		TH_LOG("%lu failed: first: %s: %s", st.failures, st.first_op,
		       strerror(st.first_errno));
	EXPECT_LT(0, succeeded);
	EXPECT_LE(targets, st.esrch);
}

/* Forks children that write part of its memory and exit, over and over. */
struct fork_info {
	volatile pid_t last_child;
	volatile unsigned long forks;
};

static void forking_target(void *arg)
{
	struct fork_info *fi = arg;
	size_t len = 8 * MiB;
	char *p = map_anon(len);
	uint64_t s = seed();

	if (!p)
		_exit(1);
	touch(p, len);
	for (;;) {
		pid_t child = fork();

		if (child == 0) {
			uint64_t cs = seed();
			size_t off = (rnd(&cs) % len) & ~(PAGE - 1);
			size_t n = rnd(&cs) % (1 * MiB);

			touch(p + off, off + n > len ? len - off : n);
			usleep(rnd(&cs) % 5000);
			_exit(0);
		}
		if (child > 0) {
			fi->last_child = child;
			fi->forks++;
		}
		/* Some children are reaped later, so a few live at once. */
		if (rnd(&s) % 2)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		else
			waitpid(-1, NULL, 0);
		/* And the parent writes too: COW of pages its children share. */
		touch(p + ((rnd(&s) % len) & ~(PAGE - 1)), PAGE);
	}
}

TEST_F_TIMEOUT(race, walk_while_target_forks, 60)
{
	struct fork_info *fi = self->shared;
	struct walk_stats st = {}, children = {};
	uint64_t end;
	unsigned long i;
	pid_t pid;

	REQUIRE_MEMLAB();
	pid = start_target(_metadata, self, forking_target, fi);
	ASSERT_EQ(0, set_memlab_target(pid));
	self->target_set = true;
	end = now_ns() + RACE_NS;
	for (i = 0; now_ns() < end; i++) {
		pid_t child = fi->last_child;

		/* The forking parent: always there. */
		walk_once(&st, pid, i);
		/*
		 * Its latest child, by ioctl: there, exiting or gone. Its pid
		 * is not reused meanwhile: pids are handed out in turn, and a
		 * few hundred forks do not go round pid_max.
		 */
		if (child > 0)
			walk_once(&children, child, 0);
	}
	TH_LOG("%lu forks; parent: %lu walks, lock drops %llu; children: %lu SUMMARY, %lu ESRCH",
	       fi->forks, i, st.lock_drops, children.ioctls, children.esrch);
	EXPECT_EQ(0, st.failures + st.esrch)
		TH_LOG("parent: %lu failed, %lu ESRCH; first: %s: %s", st.failures, st.esrch,
		       st.first_op, strerror(st.first_errno));
	EXPECT_EQ(0, children.failures)
		TH_LOG("children: %lu failed; first: %s: %s", children.failures,
		       children.first_op, strerror(children.first_errno));
	EXPECT_LT(0, fi->forks);
	EXPECT_LT(0, children.ioctls + children.esrch);
	ASSERT_EQ(0, waitpid(pid, NULL, WNOHANG)) TH_LOG("the target died");
}

/* THPs made, split (partial zap, mprotect, pageout) and collapsed in a loop. */
static void *thp_churner(void *arg)
{
	size_t len = 16 * MiB, align = 2 * MiB;
	char *raw = map_anon(len + align), *p;
	uint64_t s = seed();

	(void)arg;
	if (!raw)
		return NULL;
	p = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
	for (;;) {
		size_t off = (rnd(&s) % len) & ~(PAGE - 1);
		size_t n = (rnd(&s) % (2 * MiB)) & ~(PAGE - 1);

		if (off + n > len)
			n = len - off;
		madvise(p, len, MADV_HUGEPAGE);
		touch(p, len);
		switch (rnd(&s) % 5) {
		case 0:	/* a partial zap splits the PMD */
			madvise(p + off, n + PAGE, MADV_DONTNEED);
			break;
		case 1:	/* so does an mprotect() of part of it */
			mprotect(p + off, n + PAGE, PROT_READ);
			mprotect(p + off, n + PAGE, PROT_READ | PROT_WRITE);
			break;
		case 2:	/* out to swap, in parts or whole */
			madvise(p + off, n + PAGE, MADV_PAGEOUT);
			break;
		case 3:	/* split, then collapse again (6.1 has MADV_COLLAPSE) */
			madvise(p + (off & ~(align - 1)) + PAGE, PAGE, MADV_DONTNEED);
			madvise(p, len, MADV_COLLAPSE);
			break;
		case 4:
			madvise(p, len, MADV_DONTNEED);
			break;
		}
	}
	return NULL;
}

static void thp_target(void *arg)
{
	pthread_t t[2];
	int i;

	(void)arg;
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thp_churner, NULL);
	for (;;)
		pause();
}

#define KHUGEPAGED "/sys/kernel/mm/transparent_hugepage/khugepaged/"

TEST_F_TIMEOUT(race, walk_while_target_splits_and_collapses_thps, 60)
{
	pid_t pid;

	REQUIRE_MEMLAB();
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK))
		SKIP(return, "no THP");
	/* khugepaged collapses behind the target's back, as often as it can. */
	set_knob(self, KHUGEPAGED "scan_sleep_millisecs", "1\n");
	set_knob(self, KHUGEPAGED "alloc_sleep_millisecs", "1\n");
	set_knob(self, KHUGEPAGED "pages_to_scan", "4096\n");
	pid = start_target(_metadata, self, thp_target, NULL);
	usleep(100 * 1000);
	walk_for(_metadata, self, pid, RACE_NS);
}

/* --- the mmap_lock promise ------------------------------------------------ */

enum { PHASE_SETUP, PHASE_IDLE, PHASE_MEMLAB, PHASE_SMAPS, PHASE_STOP, NR_PHASES };

static const char * const phase_names[] = { "setup", "idle", "memlab", "smaps_rollup" };

struct latency {
	volatile int phase;
	volatile int ready;
	/* per phase: the worst and the number of mmap()+munmap() pairs */
	volatile uint64_t worst_ns[NR_PHASES];
	volatile uint64_t calls[NR_PHASES];
	volatile uint64_t total_ns[NR_PHASES];
	volatile uint64_t over_1ms[NR_PHASES];
};

#define SPARSE_LEN (256 * MiB)

/* Times mmap()+munmap() of a page, for as long as the test runs. */
static void *timer_thread(void *arg)
{
	struct latency *lat = arg;

	while (lat->phase != PHASE_STOP) {
		int phase = lat->phase;
		uint64_t t0 = now_ns(), dt;
		void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			munmap(p, PAGE);
		dt = now_ns() - t0;
		/* Only if the phase did not change meanwhile. */
		if (phase == lat->phase) {
			if (dt > lat->worst_ns[phase])
				lat->worst_ns[phase] = dt;
			lat->calls[phase]++;
			lat->total_ns[phase] += dt;
			if (dt > 1000000)
				lat->over_1ms[phase]++;
		}
	}
	return NULL;
}

/* 256 MiB, one page in each 64 KiB touched: 128 PTE tables, 16 MiB. */
static void sparse_target(void *arg)
{
	struct latency *lat = arg;
	char *p = mmap(NULL, SPARSE_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	pthread_t t;
	size_t i;

	if (p == MAP_FAILED)
		_exit(1);
	/* Not THPs: each touch would fill 2 MiB. */
	madvise(p, SPARSE_LEN, MADV_NOHUGEPAGE);
	for (i = 0; i < SPARSE_LEN; i += 64 * KiB)
		p[i] = 1;
	lat->ready = 1;
	pthread_create(&t, NULL, timer_thread, lat);
	pthread_join(t, NULL);
	_exit(0);
}

static void read_rollup_once(pid_t pid, unsigned long *failures)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		(*failures)++;
		return;
	}
	n = read(fd, text, sizeof(text));
	if (n <= 0)
		(*failures)++;
	close(fd);
}

/*
 * The worst mmap()+munmap() of a thread of the target while memlab walks
 * it without a pause, against the same while smaps_rollup reads it
 * (SPEC section 10 asks for "never longer"; this is the bounded version).
 *
 * memlab lets a waiting writer in between two PMDs; smaps_rollup (6.1 and
 * 6.12 show_smaps_rollup()) only between VMAs, and the 256 MiB is one VMA.
 * Under TCG a vCPU thread can lose the host CPU at any moment (an idle
 * baseline has shown a worst of 141 ms with other VMs on the machine), so
 * the worst cases are logged, with the idle baseline, the mean and the
 * number of calls over 1 ms of each phase, and only the lock drops are
 * checked here; "make bench" compares the latencies.
 */
TEST_F_TIMEOUT(race, walk_lets_mmap_writers_in, 90)
{
	struct latency *lat = self->shared;
	struct memlab_summary sum;
	unsigned long walks = 0, reads = 0, failures = 0;
	uint64_t end, max_hold = 0, max_walk = 0, drops = 0;
	pid_t pid;
	int i;

	REQUIRE_MEMLAB();
	lat->phase = PHASE_SETUP;
	pid = start_target(_metadata, self, sparse_target, lat);
	end = now_ns() + 30000000000ULL;
	while (!lat->ready && now_ns() < end)
		usleep(10000);
	ASSERT_TRUE(lat->ready) TH_LOG("the target did not set up in 30 s");

	lat->phase = PHASE_IDLE;
	usleep(1000 * 1000);

	lat->phase = PHASE_MEMLAB;
	end = now_ns() + RACE_NS;
	while (now_ns() < end) {
		if (memlab_summary(pid, 0, &sum)) {
			failures++;
			continue;
		}
		walks++;
		drops += sum.lock_drops;
		if (sum.max_lock_hold_ns > max_hold)
			max_hold = sum.max_lock_hold_ns;
		if (sum.walk_ns > max_walk)
			max_walk = sum.walk_ns;
	}

	lat->phase = PHASE_SMAPS;
	end = now_ns() + RACE_NS;
	while (now_ns() < end) {
		read_rollup_once(pid, &failures);
		reads++;
	}
	lat->phase = PHASE_STOP;

	for (i = PHASE_IDLE; i < PHASE_STOP; i++)
		TH_LOG("%-12s mmap+munmap: worst %6llu us, mean %5llu us, %6llu calls, %5llu over 1 ms",
		       phase_names[i], (unsigned long long)lat->worst_ns[i] / 1000,
		       (unsigned long long)(lat->calls[i] ?
					    lat->total_ns[i] / lat->calls[i] / 1000 : 0),
		       (unsigned long long)lat->calls[i],
		       (unsigned long long)lat->over_1ms[i]);
	TH_LOG("memlab: %lu walks, %llu lock drops, longest hold %llu us, longest walk %llu us; smaps_rollup: %lu reads",
	       walks, (unsigned long long)drops, (unsigned long long)max_hold / 1000,
	       (unsigned long long)max_walk / 1000, reads);
	ASSERT_EQ(0, failures);
	ASSERT_LT(0, walks);
	ASSERT_LT(0, reads);
	ASSERT_LT(0, lat->calls[PHASE_MEMLAB]);
	ASSERT_LT(0, lat->calls[PHASE_SMAPS]);
	/*
	 * The mechanism, which is deterministic: a writer waited, so the
	 * walks let it in. The latency comparison itself (SPEC section 10)
	 * is made by "make bench", on a quiet machine: here, under TCG on
	 * two shared cores, one descheduled vCPU makes either worst case.
	 */
	EXPECT_LT(0, drops) TH_LOG("memlab never let a waiting mmap() in");
}

TEST_HARNESS_MAIN
