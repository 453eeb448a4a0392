// SPDX-License-Identifier: GPL-2.0
/*
 * MEMLAB_IOC_SUMMARY and /proc/memlab/summary against the kernel's own
 * accounting: for each workload, a process sets its memory up and stops
 * itself (SIGSTOP), and memlab's numbers must equal /proc/PID/smaps_rollup
 * (and /proc/PID/status where that is the reference), as SPEC section 5
 * says: exactly, in kB. Each workload is also read with
 * MEMLAB_SUMMARY_PAGE_TABLES_ONLY, whose contract (memlab.h) is checked
 * against the same smaps_rollup and status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/memlab.h>

#include "kselftest_harness.h"
#include "proc_text.h"

/*
 * The suite runs in an emulated VM (TCG), sometimes on a KASAN + lockdep
 * kernel: many times slower than hardware. 30 s is not enough there.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define KiB (1UL << 10)
#define MiB (1UL << 20)
#define PAGE 4096UL

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* The smaps_rollup fields memlab must equal, in kB. */
struct rollup {
	unsigned long rss, pss, swap, anon_huge, locked, dirty, referenced;
	unsigned long anon;	/* Anonymous */
	unsigned long private;	/* Private_Clean + Private_Dirty */
};

/* The fields of struct rollup from smaps_rollup, or one entry of smaps. */
static void parse_rollup(const char *text, struct rollup *r)
{
	memset(r, 0, sizeof(*r));
	r->rss = field_kb(text, "\nRss:");
	r->pss = field_kb(text, "\nPss:");
	r->swap = field_kb(text, "\nSwap:");
	r->anon_huge = field_kb(text, "\nAnonHugePages:");
	r->anon = field_kb(text, "\nAnonymous:");
	r->locked = field_kb(text, "\nLocked:");
	r->referenced = field_kb(text, "\nReferenced:");
	r->dirty = field_kb(text, "\nShared_Dirty:") + field_kb(text, "\nPrivate_Dirty:");
	r->private = field_kb(text, "\nPrivate_Clean:") + field_kb(text, "\nPrivate_Dirty:");
}

static int read_rollup(pid_t pid, struct rollup *r)
{
	char *text = read_pid_file(pid, "smaps_rollup");

	if (!text)
		return -1;
	parse_rollup(text, r);
	free(text);
	return 0;
}

/*
 * The /proc/PID/smaps entry of the mapping that starts at @start, in the
 * fields of struct rollup. Each entry ends with its VmFlags line.
 */
static int read_vma_smaps(pid_t pid, const void *start, struct rollup *r)
{
	char *text = read_pid_file(pid, "smaps"), *entry, *end, head[32];

	if (!text)
		return -1;
	snprintf(head, sizeof(head), "\n%08lx-", (unsigned long)start);
	entry = strstr(text, head);
	end = entry ? strstr(entry, "\nVmFlags:") : NULL;
	if (!end) {
		free(text);
		return -1;
	}
	end[1] = '\0';
	parse_rollup(entry, r);
	free(text);
	return 0;
}

/* The mm's counters, as /proc/PID/status shows them, in kB. */
struct status_rss {
	unsigned long anon, file, shmem;	/* RssAnon, RssFile, RssShmem */
	unsigned long swap;			/* VmSwap */
	unsigned long threads;
};

static int read_status(pid_t pid, struct status_rss *st)
{
	char *text = read_pid_file(pid, "status");

	if (!text)
		return -1;
	st->anon = field_kb(text, "\nRssAnon:");
	st->file = field_kb(text, "\nRssFile:");
	st->shmem = field_kb(text, "\nRssShmem:");
	st->swap = field_kb(text, "\nVmSwap:");
	st->threads = field_kb(text, "\nThreads:");
	free(text);
	return 0;
}

/*
 * How far the mm's RSS counters may be from what the page tables map,
 * per thread, on a kernel with SPLIT_RSS_COUNTING (before 6.2): the slack
 * workload_test.c's rss_by_type_test() explains and allows, 65 faults'
 * worth, a file or shmem fault mapping up to fault_around_bytes. 6.2 and
 * later (Debian's 6.12) have none.
 */
#define RSS_EVENTS 65UL	/* TASK_RSS_EVENTS_THRESH + 1 */

static bool split_rss_counting(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 6 || (major == 6 && minor < 2);
}

static unsigned long fault_around_pages(void)
{
	char *text = read_text("/sys/kernel/debug/fault_around_bytes");
	unsigned long bytes = text ? strtoul(text + 1, NULL, 10) : 0;

	free(text);
	return bytes >= PAGE ? bytes / PAGE : 16;
}

static bool have_swap(void)
{
	char *text = read_text("/proc/swaps");
	bool yes;

	if (!text)
		return false;
	/* A newline put first, one header line, then one line per device. */
	yes = strchr(text + 1, '\n') && strchr(text + 1, '\n')[1];
	free(text);
	return yes;
}

static int memlab_summary(pid_t pid, __u64 flags, struct memlab_summary *sum)
{
	int fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	memset(sum, 0, sizeof(*sum));
	sum->size = sizeof(*sum);
	sum->flags = flags;
	sum->pid = pid;
	ret = ioctl(fd, MEMLAB_IOC_SUMMARY, sum);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* The numbers of two summaries that no flag changes, in the same state. */
static void expect_same_page_tables(struct __test_metadata *_metadata,
				    const struct memlab_summary *a,
				    const struct memlab_summary *b)
{
	EXPECT_EQ(a->rss, b->rss);
	EXPECT_EQ(a->swap, b->swap);
	EXPECT_EQ(a->shmem_swap, b->shmem_swap);
	EXPECT_EQ(a->anon_huge, b->anon_huge);
	EXPECT_EQ(a->page_tables, b->page_tables);
	EXPECT_EQ(a->vmas, b->vmas);
	EXPECT_EQ(0, memcmp(a->segments, b->segments, sizeof(a->segments)));
}

/*
 * MEMLAB_SUMMARY_PAGE_TABLES_ONLY (@pt) against a full summary (@sum),
 * smaps_rollup (@r) and status (@st), all of one settled state. Its
 * contract, in memlab.h: what the page tables say is the same as a full
 * summary's; RssAnon, RssFile and RssShmem are the mm's counters; Dirty
 * and Referenced are the entries' own bits, so at most smaps'; Pss, Uss
 * and Locked are 0.
 */
static void expect_page_tables_only(struct __test_metadata *_metadata,
				    const struct memlab_summary *pt,
				    const struct memlab_summary *sum,
				    const struct rollup *r,
				    const struct status_rss *st)
{
	unsigned long tol_anon = 0, tol_file = 0;

	EXPECT_EQ(r->rss, pt->rss >> 10);
	EXPECT_EQ(r->swap, (pt->swap + pt->shmem_swap) >> 10);
	EXPECT_EQ(r->anon_huge, pt->anon_huge >> 10);
	expect_same_page_tables(_metadata, sum, pt);

	/*
	 * The mm's counters are what status shows, read the same way: equal,
	 * on 6.1 (both read the shared atomic counters) as on 6.12 (status
	 * adds up the per-CPU counters). The walk of a full summary counts
	 * what the page tables map, which is as far from them as status is,
	 * by the slack of split RSS counting on 6.1.
	 */
	EXPECT_EQ(st->anon, pt->rss_anon >> 10);
	EXPECT_EQ(st->file, pt->rss_file >> 10);
	EXPECT_EQ(st->shmem, pt->rss_shmem >> 10);
	if (split_rss_counting()) {
		tol_anon = st->threads * RSS_EVENTS * PAGE;
		tol_file = tol_anon * fault_around_pages();
	}
	EXPECT_GE(tol_anon, (unsigned long)labs((long)(pt->rss_anon - sum->rss_anon)))
		TH_LOG("RssAnon: mm counter %llu kB, page tables %llu kB",
		       pt->rss_anon >> 10, sum->rss_anon >> 10);
	EXPECT_GE(tol_file, (unsigned long)labs((long)(pt->rss_file - sum->rss_file)))
		TH_LOG("RssFile: mm counter %llu kB, page tables %llu kB",
		       pt->rss_file >> 10, sum->rss_file >> 10);
	EXPECT_GE(tol_file, (unsigned long)labs((long)(pt->rss_shmem - sum->rss_shmem)))
		TH_LOG("RssShmem: mm counter %llu kB, page tables %llu kB",
		       pt->rss_shmem >> 10, sum->rss_shmem >> 10);

	/* smaps adds PG_dirty and PG_referenced to the entries' bits. */
	EXPECT_GE(r->dirty, pt->dirty >> 10);
	EXPECT_GE(r->referenced, pt->referenced >> 10);
	EXPECT_GE(pt->rss, pt->dirty);
	EXPECT_GE(pt->rss, pt->referenced);

	EXPECT_EQ(0, pt->pss);
	EXPECT_EQ(0, pt->uss);
	EXPECT_EQ(0, pt->locked);
	EXPECT_LT(0, pt->ptes_visited);
}

/*
 * Compare memlab with smaps_rollup for a process at rest.
 *
 * Pss depends on how many processes map each shared page, and this test
 * is one of them: its own first calls fault in more of libc (fault-around
 * maps whole folios on 6.12), which changes the target's Pss. So both are
 * read once to warm up, and then memlab is read between two reads of
 * smaps_rollup (and status) that agree with each other.
 */
static void expect_equal_to_kernel(struct __test_metadata *_metadata, pid_t pid)
{
	struct memlab_summary sum, fast, pt;
	struct status_rss st, st_after;
	struct rollup r, after;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, read_rollup(pid, &r));
		ASSERT_EQ(0, read_status(pid, &st));
		ASSERT_EQ(0, memlab_summary(pid, 0, &sum)) TH_LOG("SUMMARY: %s", strerror(errno));
		ASSERT_EQ(0, memlab_summary(pid, MEMLAB_SUMMARY_NO_SHARING, &fast))
			TH_LOG("SUMMARY NO_SHARING: %s", strerror(errno));
		ASSERT_EQ(0, memlab_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &pt))
			TH_LOG("SUMMARY PAGE_TABLES_ONLY: %s", strerror(errno));
		ASSERT_EQ(0, read_status(pid, &st_after));
		ASSERT_EQ(0, read_rollup(pid, &after));
		if (tries && !memcmp(&r, &after, sizeof(r)) &&
		    !memcmp(&st, &st_after, sizeof(st)))
			break;
	}
	ASSERT_EQ(0, memcmp(&r, &after, sizeof(r))) TH_LOG("smaps_rollup never settled");
	ASSERT_EQ(0, memcmp(&st, &st_after, sizeof(st))) TH_LOG("status never settled");

	EXPECT_EQ(r.rss, sum.rss >> 10);
	EXPECT_EQ(r.pss, sum.pss >> 10);
	EXPECT_EQ(r.swap, (sum.swap + sum.shmem_swap) >> 10);
	EXPECT_EQ(r.anon_huge, sum.anon_huge >> 10);
	EXPECT_EQ(r.locked, sum.locked >> 10);
	EXPECT_EQ(r.dirty, sum.dirty >> 10);
	EXPECT_EQ(r.referenced, sum.referenced >> 10);
	EXPECT_EQ(r.private, sum.uss >> 10);
	EXPECT_EQ(r.anon, sum.rss_anon >> 10);
	EXPECT_EQ(sum.rss, sum.rss_anon + sum.rss_file + sum.rss_shmem);

	/*
	 * Without Pss and Uss the walk reads struct pages only where the
	 * entry does not tell (account.c): every other number must not move.
	 */
	EXPECT_EQ(r.rss, fast.rss >> 10);
	EXPECT_EQ(r.swap, (fast.swap + fast.shmem_swap) >> 10);
	EXPECT_EQ(r.anon_huge, fast.anon_huge >> 10);
	EXPECT_EQ(r.dirty, fast.dirty >> 10);
	EXPECT_EQ(r.referenced, fast.referenced >> 10);
	EXPECT_EQ(sum.rss_anon, fast.rss_anon);
	EXPECT_EQ(sum.rss_file, fast.rss_file);
	EXPECT_EQ(sum.rss_shmem, fast.rss_shmem);
	EXPECT_EQ(0, memcmp(sum.segments, fast.segments, sizeof(sum.segments)));
	EXPECT_EQ(0, fast.pss);
	EXPECT_EQ(0, fast.uss);
	EXPECT_EQ(0, fast.locked);
	EXPECT_LT(0, sum.vmas);
	EXPECT_LT(0, sum.ptes_visited);

	expect_page_tables_only(_metadata, &pt, &sum, &r, &st);
	TH_LOG("pid %d: Rss %lu kB, Pss %lu kB, Swap %lu kB, AnonHuge %lu kB, Dirty %lu kB (page tables only %llu), Referenced %lu kB (%llu), memlab walk %llu us (%llu)",
	       pid, r.rss, r.pss, r.swap, r.anon_huge, r.dirty, pt.dirty >> 10,
	       r.referenced, pt.referenced >> 10, sum.walk_ns / 1000, pt.walk_ns / 1000);
}

/*
 * Run @setup in a new process that then stops; return its pid. With a
 * @step, the process runs it when continue_stepped() continues it, and
 * stops again.
 */
static pid_t spawn_stepped(void (*setup)(void *), void (*step)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		setup(arg);
		raise(SIGSTOP);
		if (step) {
			step(arg);
			raise(SIGSTOP);
		}
		for (;;)
			pause();
	}
	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
		return -1;
	return pid;
}

static pid_t spawn_stopped(void (*setup)(void *), void *arg)
{
	return spawn_stepped(setup, NULL, arg);
}

/* Let a process of spawn_stepped() run its step; 0 once it stopped again. */
static int continue_stepped(pid_t pid)
{
	int status;

	if (kill(pid, SIGCONT) ||
	    waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
		return -1;
	return 0;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 4096)
		p[i] = (char)(i >> 12) | 1;
}

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* --- workloads ---------------------------------------------------------- */

static void setup_untouched(void *arg)
{
	(void)arg;
	map_anon(64 * MiB);
}

static void setup_touched(void *arg)
{
	char *p = map_anon(32 * MiB);

	(void)arg;
	if (p)
		touch(p, 32 * MiB);
}

/* Read-faulted anonymous memory maps the shared zero page: no Rss. */
static void setup_read_only_touch(void *arg)
{
	volatile char *p = map_anon(8 * MiB);
	size_t i;

	(void)arg;
	for (i = 0; p && i < 8 * MiB; i += 4096)
		(void)p[i];
}

static void setup_private_file(void *arg)
{
	const char *path = arg;
	volatile char *p;
	off_t len;
	int fd = open(path, O_RDONLY);
	off_t i;

	if (fd < 0)
		return;
	len = lseek(fd, 0, SEEK_END);
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	for (i = 0; p != MAP_FAILED && i < len; i += 4096)
		(void)p[i];
}

/* A shared mapping of a file in the page cache (the VM's 9p root). */
static void setup_shared_file(void *arg)
{
	const char *path = arg;
	volatile char *p;
	off_t len, i;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	len = lseek(fd, 0, SEEK_END);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	for (i = 0; p != MAP_FAILED && i < len; i += 4096)
		(void)p[i];
}

static void setup_shared_anon(void *arg)
{
	char *p = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p != MAP_FAILED)
		touch(p, 12 * MiB);
}

static void setup_pageout(void *arg)
{
	size_t swapped = *(size_t *)arg;
	char *p = map_anon(16 * MiB);

	if (!p)
		return;
	touch(p, 16 * MiB);
	madvise(p, swapped, MADV_PAGEOUT);
}

static void setup_thp(void *arg)
{
	size_t len = 8 * MiB, align = 2 * MiB;
	char *raw = map_anon(len + align);
	char *p;

	(void)arg;
	if (!raw)
		return;
	p = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
	madvise(p, len, MADV_HUGEPAGE);
	touch(p, len);
}

static void setup_mlock(void *arg)
{
	char *p = map_anon(4 * MiB);

	(void)arg;
	if (!p)
		return;
	touch(p, 4 * MiB);
	mlock(p, 2 * MiB);
}

static void setup_brk(void *arg)
{
	char *p = sbrk(8 * MiB);

	(void)arg;
	if (p != (void *)-1)
		touch(p, 8 * MiB);
}

static void *thread_touch(void *arg)
{
	char *p = map_anon(4 * MiB);

	(void)arg;
	if (p)
		touch(p, 4 * MiB);
	return NULL;
}

static pthread_barrier_t threads_ready;

static void *thread_touch_and_wait(void *arg)
{
	thread_touch(arg);
	pthread_barrier_wait(&threads_ready);
	for (;;)
		pause();
	return NULL;
}

static void setup_threads(void *arg)
{
	pthread_t t[4];
	int i;

	(void)arg;
	pthread_barrier_init(&threads_ready, NULL, 5);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_touch_and_wait, NULL);
	pthread_barrier_wait(&threads_ready);
}

/* --- tests -------------------------------------------------------------- */

#define WORKLOAD_TEST(name, setup, arg)					\
TEST(name)								\
{									\
	pid_t pid;							\
	if (access(MEMLAB_DEVICE, F_OK))				\
		SKIP(return, "memlab is not loaded");			\
	pid = spawn_stopped(setup, arg);				\
	ASSERT_LT(0, pid);						\
	expect_equal_to_kernel(_metadata, pid);				\
	reap(pid);							\
}

static size_t all_of_it = 16 * MiB, half_of_it = 8 * MiB;

WORKLOAD_TEST(untouched_malloc_matches_smaps_rollup, setup_untouched, NULL)
WORKLOAD_TEST(touched_anon_matches_smaps_rollup, setup_touched, NULL)
WORKLOAD_TEST(zero_page_reads_match_smaps_rollup, setup_read_only_touch, NULL)
WORKLOAD_TEST(private_file_matches_smaps_rollup, setup_private_file, "/proc/self/exe")
WORKLOAD_TEST(shared_file_matches_smaps_rollup, setup_shared_file, "/proc/self/exe")
WORKLOAD_TEST(shared_anon_matches_smaps_rollup, setup_shared_anon, NULL)
WORKLOAD_TEST(all_swapped_out_matches_smaps_rollup, setup_pageout, &all_of_it)
WORKLOAD_TEST(half_swapped_out_matches_smaps_rollup, setup_pageout, &half_of_it)
WORKLOAD_TEST(thp_matches_smaps_rollup, setup_thp, NULL)
WORKLOAD_TEST(mlock_matches_smaps_rollup, setup_mlock, NULL)
WORKLOAD_TEST(brk_heap_matches_smaps_rollup, setup_brk, NULL)
WORKLOAD_TEST(threads_match_smaps_rollup, setup_threads, NULL)

/* Copy-on-write: a parent and its child share pages until one writes. */
struct cow_shared {
	pid_t child;
	size_t child_writes;
};

static struct cow_shared *cow;

static void setup_cow(void *arg)
{
	char *p = map_anon(8 * MiB);
	pid_t child;

	(void)arg;
	if (!p)
		return;
	touch(p, 8 * MiB);
	child = fork();
	if (!child) {
		touch(p, cow->child_writes);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	waitpid(child, NULL, WUNTRACED);
	cow->child = child;
}

static void cow_test(struct __test_metadata *_metadata, size_t child_writes)
{
	struct memlab_summary parent_sum, child_sum;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	cow = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cow);
	cow->child_writes = child_writes;
	pid = spawn_stopped(setup_cow, NULL);
	ASSERT_LT(0, pid);
	ASSERT_LT(0, cow->child);

	expect_equal_to_kernel(_metadata, pid);
	expect_equal_to_kernel(_metadata, cow->child);

	/* The shared 8 MiB are split between the two: Uss < Rss. */
	ASSERT_EQ(0, memlab_summary(pid, 0, &parent_sum));
	ASSERT_EQ(0, memlab_summary(cow->child, 0, &child_sum));
	EXPECT_LT(parent_sum.uss, parent_sum.rss);
	EXPECT_LE(child_writes, child_sum.uss);

	reap(cow->child);
	reap(pid);
	munmap(cow, 4096);
}

TEST(fork_before_writes_matches_smaps_rollup)
{
	cow_test(_metadata, 0);
}

TEST(fork_after_child_writes_matches_smaps_rollup)
{
	cow_test(_metadata, 4 * MiB);
}

/* /proc/memlab/summary, with a newline put first so keys can be found. */
static int read_summary_file(char *text, size_t size)
{
	int fd = open(MEMLAB_PROC_DIR "/summary", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, text + 1, size - 2);
	close(fd);
	if (n <= 0)
		return -1;
	text[0] = '\n';
	text[n + 1] = '\0';
	return 0;
}

/* The text view shows the same numbers as the ioctl. */
TEST(summary_file_matches_the_ioctl)
{
	struct memlab_summary sum;
	char text[8192], before[8192], buf[32];
	int fd, tries;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	pid = spawn_stopped(setup_touched, NULL);
	ASSERT_LT(0, pid);

	fd = open(MEMLAB_PROC_DIR "/target", O_WRONLY);
	ASSERT_LE(0, fd);
	snprintf(buf, sizeof(buf), "%d\n", pid);
	ASSERT_EQ((ssize_t)strlen(buf), write(fd, buf, strlen(buf)));
	close(fd);

	/* As in expect_equal_to_kernel(): between two reads that agree. */
	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, read_summary_file(before, sizeof(before)));
		ASSERT_EQ(0, memlab_summary(pid, 0, &sum));
		ASSERT_EQ(0, read_summary_file(text, sizeof(text)));
		if (tries && field_kb(before, "\nPss:") == field_kb(text, "\nPss:"))
			break;
	}
	EXPECT_EQ(sum.rss >> 10, field_kb(text, "\nRss:"));
	EXPECT_EQ(sum.pss >> 10, field_kb(text, "\nPss:"));
	EXPECT_EQ(sum.rss_anon >> 10, field_kb(text, "\nRssAnon:"));
	EXPECT_EQ(sum.uss >> 10, field_kb(text, "\nUss:"));
	EXPECT_EQ(sum.vmas, field_kb(text, "\nVmas:"));
	EXPECT_NE(NULL, strstr(text, "\nSegment anon "));

	fd = open(MEMLAB_PROC_DIR "/target", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "self\n", 5));
	close(fd);
	reap(pid);
}

/* Without Pss and Uss, the page-table numbers are the same. */
TEST(no_sharing_flag_skips_pss_only)
{
	struct memlab_summary full, fast;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	pid = spawn_stopped(setup_touched, NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, memlab_summary(pid, 0, &full));
	ASSERT_EQ(0, memlab_summary(pid, MEMLAB_SUMMARY_NO_SHARING, &fast));
	EXPECT_EQ(full.rss, fast.rss);
	EXPECT_EQ(full.swap, fast.swap);
	EXPECT_EQ(0, fast.pss);
	EXPECT_EQ(0, fast.uss);
	EXPECT_LT(0, full.pss);
	reap(pid);
}

/* --- MEMLAB_SUMMARY_PAGE_TABLES_ONLY ------------------------------------- */

/*
 * A workload of spawn_stepped() maps its memory in its setup and faults
 * it in in its step: what is measured is what the step changed, so that
 * whatever else the process has (libc, the harness's pages, pages it
 * shares with this process after fork) drops out. It tells the test where
 * its mappings are in this page, shared with it.
 */
struct stepped {
	size_t len;
	char *first, *second, *third;
};

static struct stepped *stepped_page(size_t len)
{
	struct stepped *m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	m->len = len;
	return m;
}

static bool mapped(const char *p)
{
	return p && p != MAP_FAILED;
}

static void read_pages(const char *p, size_t len)
{
	const volatile char *v = p;
	size_t i;

	for (i = 0; i < len; i += PAGE)
		(void)v[i];
}

/* A memfd (shmem) of @len bytes, filled with write(). */
static int written_memfd(size_t len)
{
	char buf[PAGE];
	size_t done;
	int fd = memfd_create("memlab-summary-test", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	for (done = 0; done < len; done += sizeof(buf)) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * smaps_rollup and a PAGE_TABLES_ONLY summary of one state: between two
 * reads of smaps_rollup that agree.
 */
static int read_settled(pid_t pid, struct rollup *r, struct memlab_summary *pt)
{
	struct rollup after;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		if (read_rollup(pid, r) ||
		    memlab_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, pt) ||
		    read_rollup(pid, &after))
			return -1;
		if (!memcmp(r, &after, sizeof(after)))
			return 0;
	}
	errno = EAGAIN;
	return -1;
}

/* The pages of a step that writes one page in three and reads the others. */
static bool written_in_three(size_t page)
{
	return page % 3 == 0;
}

static size_t pages_written_in_three(size_t len)
{
	return (len / PAGE + 2) / 3;
}

/*
 * first: a memfd written with write(), mapped read-only, and read: its
 * pages are dirty (shmem's write path sets PG_dirty) and their PTEs clean.
 * second: the same kind of memfd mapped shared and writable, of which the
 * step writes one page in three through the mapping and reads the others:
 * dirty pages all, dirty PTEs a third, in every cache line of PTEs.
 */
static void setup_dirty_pages_clean_ptes(void *arg)
{
	struct stepped *m = arg;
	int first = written_memfd(m->len);
	int second = written_memfd(m->len);

	if (first < 0 || second < 0)
		return;
	m->first = mmap(NULL, m->len, PROT_READ, MAP_SHARED, first, 0);
	m->second = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, second, 0);
	close(first);
	close(second);
}

static void step_dirty_pages_clean_ptes(void *arg)
{
	struct stepped *m = arg;
	volatile char *second = m->second;
	size_t i;

	read_pages(m->first, m->len);
	for (i = 0; i < m->len / PAGE; i++) {
		if (written_in_three(i))
			second[i * PAGE] = 1;
		else
			(void)second[i * PAGE];
	}
}

/*
 * Dirty counts dirty entries, not dirty pages: pages written with write()
 * and then only read through a mapping are in smaps' Dirty (PG_dirty) but
 * not in this mode's; of those written through the mapping too, only
 * those are in it. smaps says which pages are dirty, the step which PTEs.
 */
TEST(page_tables_only_dirty_is_the_dirty_ptes_not_the_dirty_pages)
{
	struct memlab_summary before, after;
	struct rollup r_before, r_after, first, second;
	unsigned long written;
	struct stepped *m;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	m = stepped_page(1 * MiB);
	ASSERT_NE(NULL, m);
	written = pages_written_in_three(m->len) * PAGE;
	pid = spawn_stepped(setup_dirty_pages_clean_ptes, step_dirty_pages_clean_ptes, m);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(mapped(m->first) && mapped(m->second)) TH_LOG("the memfds could not be mapped");
	ASSERT_EQ(0, read_settled(pid, &r_before, &before)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, continue_stepped(pid));
	ASSERT_EQ(0, read_settled(pid, &r_after, &after)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, read_vma_smaps(pid, m->first, &first));
	ASSERT_EQ(0, read_vma_smaps(pid, m->second, &second));
	TH_LOG("smaps: read after write(): Rss %lu kB, Dirty %lu kB, Referenced %lu kB; a third written through the mapping: Rss %lu kB, Dirty %lu kB, Referenced %lu kB",
	       first.rss, first.dirty, first.referenced, second.rss, second.dirty, second.referenced);
	TH_LOG("Dirty: smaps_rollup %lu -> %lu kB, page tables only %llu -> %llu kB, %lu kB written through a mapping",
	       r_before.dirty, r_after.dirty, before.dirty >> 10, after.dirty >> 10, written >> 10);

	/* What the test is about: all these pages are dirty to smaps. */
	ASSERT_EQ(m->len >> 10, first.rss);
	ASSERT_EQ(first.rss, first.dirty) TH_LOG("smaps has the pages written with write() clean");
	ASSERT_EQ(m->len >> 10, second.rss);
	ASSERT_EQ(second.rss, second.dirty) TH_LOG("smaps has the pages written with write() clean");
	/* And the step changed nothing but these two mappings. */
	ASSERT_EQ(r_before.rss + first.rss + second.rss, r_after.rss);
	ASSERT_EQ(r_before.dirty + first.dirty + second.dirty, r_after.dirty);
	ASSERT_EQ(r_before.referenced + first.referenced + second.referenced, r_after.referenced);

	EXPECT_EQ(before.rss + ((first.rss + second.rss) << 10), after.rss);
	/* No dirty PTE in the first, those written in the second. */
	EXPECT_EQ(before.dirty + written, after.dirty);
	EXPECT_LE((after.dirty >> 10) + first.dirty + (second.dirty - (written >> 10)),
		  r_after.dirty);
	/* Read and write faults map young PTEs. */
	EXPECT_EQ(before.referenced + ((first.referenced + second.referenced) << 10),
		  after.referenced);

	expect_equal_to_kernel(_metadata, pid);
	reap(pid);
	munmap(m, sizeof(*m));
}

/* first: anonymous memory, in small pages; the step writes all of it. */
static void setup_anon_nohuge(void *arg)
{
	struct stepped *m = arg;

	m->first = map_anon(m->len);
	if (m->first)
		madvise(m->first, m->len, MADV_NOHUGEPAGE);
}

/* first: anonymous memory, 2 MiB aligned, in huge pages if it can be. */
static void setup_anon_huge(void *arg)
{
	struct stepped *m = arg;
	char *raw = map_anon(m->len + 2 * MiB);

	if (!raw)
		return;
	m->first = (char *)(((unsigned long)raw + 2 * MiB - 1) & ~(2 * MiB - 1));
	madvise(m->first, m->len, MADV_HUGEPAGE);
}

static void step_write_first(void *arg)
{
	struct stepped *m = arg;

	touch(m->first, m->len);
}

/*
 * Written anonymous memory: its entries are dirty and young, and smaps
 * counts nothing else for it, so what it adds to Dirty and Referenced is
 * what it adds to smaps'.
 */
static void written_anon_test(struct __test_metadata *_metadata,
			      void (*setup)(void *), size_t len, bool huge)
{
	struct memlab_summary before, after;
	struct rollup r_before, r_after, vma;
	struct stepped *m;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	m = stepped_page(len);
	ASSERT_NE(NULL, m);
	pid = spawn_stepped(setup, step_write_first, m);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(mapped(m->first));
	ASSERT_EQ(0, read_settled(pid, &r_before, &before)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, continue_stepped(pid));
	ASSERT_EQ(0, read_settled(pid, &r_after, &after)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, read_vma_smaps(pid, m->first, &vma));
	TH_LOG("smaps of the %zu kB written: Rss %lu kB, AnonHugePages %lu kB, Dirty %lu kB, Referenced %lu kB; page tables only: Dirty %llu -> %llu kB, Referenced %llu -> %llu kB",
	       len >> 10, vma.rss, vma.anon_huge, vma.dirty, vma.referenced,
	       before.dirty >> 10, after.dirty >> 10,
	       before.referenced >> 10, after.referenced >> 10);
	if (huge && !vma.anon_huge) {
		reap(pid);
		munmap(m, sizeof(*m));
		SKIP(return, "no huge page was allocated");
	}
	if (!huge)
		ASSERT_EQ(0, vma.anon_huge);

	ASSERT_EQ(len >> 10, vma.rss);
	ASSERT_EQ(r_before.rss + vma.rss, r_after.rss);
	ASSERT_EQ(r_before.dirty + vma.dirty, r_after.dirty);
	ASSERT_EQ(r_before.referenced + vma.referenced, r_after.referenced);
	EXPECT_EQ(vma.rss, vma.dirty);
	EXPECT_EQ(vma.rss, vma.referenced);

	EXPECT_EQ(before.rss + (vma.rss << 10), after.rss);
	EXPECT_EQ(before.anon_huge + (vma.anon_huge << 10), after.anon_huge);
	EXPECT_EQ(before.dirty + (vma.dirty << 10), after.dirty);
	EXPECT_EQ(before.referenced + (vma.referenced << 10), after.referenced);

	expect_equal_to_kernel(_metadata, pid);
	reap(pid);
	munmap(m, sizeof(*m));
}

TEST(page_tables_only_written_anon_dirty_and_referenced_match_smaps)
{
	written_anon_test(_metadata, setup_anon_nohuge, 1 * MiB, false);
}

/* The same through PMDs: their own dirty and accessed bits. */
TEST(page_tables_only_written_thp_dirty_and_referenced_match_smaps)
{
	written_anon_test(_metadata, setup_anon_huge, 4 * MiB, true);
}

/*
 * first: anonymous memory, written, and then MADV_COLD, which makes its
 * PTEs old and clears the pages' PG_referenced (and idle page tracking's
 * young): smaps has none of it referenced. The step reads one page in
 * three, which makes those PTEs young again, in every cache line of PTEs.
 */
static void setup_anon_cold(void *arg)
{
	struct stepped *m = arg;

	setup_anon_nohuge(arg);
	if (!m->first)
		return;
	touch(m->first, m->len);
	madvise(m->first, m->len, MADV_COLD);
}

static void step_read_in_three(void *arg)
{
	struct stepped *m = arg;
	const volatile char *p = m->first;
	size_t i;

	for (i = 0; i < m->len / PAGE; i++)
		if (written_in_three(i))
			(void)p[i * PAGE];
}

/*
 * Referenced counts young entries: of written memory whose PTEs were made
 * old, what is read again, as smaps has it.
 */
TEST(page_tables_only_referenced_is_the_young_ptes)
{
	struct memlab_summary before, after;
	struct rollup r_before, r_after, cold, read;
	unsigned long young;
	struct stepped *m;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	m = stepped_page(1 * MiB);
	ASSERT_NE(NULL, m);
	young = pages_written_in_three(m->len) * PAGE;
	pid = spawn_stepped(setup_anon_cold, step_read_in_three, m);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(mapped(m->first));
	ASSERT_EQ(0, read_settled(pid, &r_before, &before)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, read_vma_smaps(pid, m->first, &cold));
	ASSERT_EQ(0, continue_stepped(pid));
	ASSERT_EQ(0, read_settled(pid, &r_after, &after)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, read_vma_smaps(pid, m->first, &read));
	TH_LOG("smaps of the %zu kB: Rss %lu kB, Dirty %lu kB, Referenced %lu kB after MADV_COLD, %lu kB after %lu kB were read; page tables only: Referenced %llu -> %llu kB",
	       m->len >> 10, read.rss, read.dirty, cold.referenced, read.referenced,
	       young >> 10, before.referenced >> 10, after.referenced >> 10);

	ASSERT_EQ(m->len >> 10, cold.rss);
	ASSERT_EQ(0, cold.anon_huge);
	ASSERT_EQ(0, cold.referenced) TH_LOG("MADV_COLD left pages referenced");
	ASSERT_EQ(cold.rss, cold.dirty);
	/* The step changed nothing but the PTEs it read through. */
	ASSERT_EQ(r_before.rss, r_after.rss);
	ASSERT_EQ(r_before.dirty, r_after.dirty);
	ASSERT_EQ(r_before.referenced + read.referenced, r_after.referenced);
	EXPECT_EQ(young >> 10, read.referenced);

	EXPECT_EQ(before.rss, after.rss);
	EXPECT_EQ(before.dirty, after.dirty);
	EXPECT_EQ(before.referenced + (read.referenced << 10), after.referenced);

	expect_equal_to_kernel(_metadata, pid);
	reap(pid);
	munmap(m, sizeof(*m));
}

/*
 * first: anonymous memory, half of it paged out. second: a memfd mapped
 * shared, read and paged out (shmem swap, which no PTE shows). third: the
 * same memfd mapped private and writable, one page written: the rest are
 * holes, in which smaps and memlab look the swapped pages up.
 */
static void setup_swapped(void *arg)
{
	struct stepped *m = arg;
	int fd = written_memfd(m->len);

	m->first = map_anon(m->len);
	if (!m->first || fd < 0)
		return;
	madvise(m->first, m->len, MADV_NOHUGEPAGE);
	touch(m->first, m->len);
	madvise(m->first, m->len / 2, MADV_PAGEOUT);

	m->second = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m->third = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (!mapped(m->second) || !mapped(m->third))
		return;
	read_pages(m->second, m->len);
	madvise(m->second, m->len, MADV_PAGEOUT);
	m->third[0] = 1;
}

/* Swap is in the page tables (and shmem's): the same as smaps'. */
TEST(page_tables_only_swap_matches_smaps_rollup)
{
	struct memlab_summary pt, full;
	struct rollup r, anon, shared, private;
	struct status_rss st;
	struct stepped *m;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	if (!have_swap())
		SKIP(return, "no swap");
	m = stepped_page(4 * MiB);
	ASSERT_NE(NULL, m);
	pid = spawn_stopped(setup_swapped, m);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(mapped(m->first) && mapped(m->second) && mapped(m->third));
	ASSERT_EQ(0, read_settled(pid, &r, &pt)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, read_vma_smaps(pid, m->first, &anon));
	ASSERT_EQ(0, read_vma_smaps(pid, m->second, &shared));
	ASSERT_EQ(0, read_vma_smaps(pid, m->third, &private));
	TH_LOG("smaps Swap: anon %lu kB, shmem shared %lu kB, shmem private %lu kB, in all %lu kB; page tables only: swap %llu kB, shmem_swap %llu kB",
	       anon.swap, shared.swap, private.swap, r.swap, pt.swap >> 10, pt.shmem_swap >> 10);
	ASSERT_LT(0, anon.swap) TH_LOG("MADV_PAGEOUT swapped no anonymous page out");
	ASSERT_LT(0, shared.swap) TH_LOG("MADV_PAGEOUT swapped no shmem page out");
	ASSERT_LT(0, private.swap);

	EXPECT_EQ(r.swap, (pt.swap + pt.shmem_swap) >> 10);
	EXPECT_LE(anon.swap, pt.swap >> 10);
	EXPECT_LE(shared.swap + private.swap, pt.shmem_swap >> 10);
	ASSERT_EQ(0, read_status(pid, &st));
	EXPECT_EQ(st.swap, pt.swap >> 10);
	ASSERT_EQ(0, memlab_summary(pid, 0, &full));
	expect_same_page_tables(_metadata, &full, &pt);

	expect_equal_to_kernel(_metadata, pid);
	reap(pid);
	munmap(m, sizeof(*m));
}

/*
 * NO_SHARING with PAGE_TABLES_ONLY, which skips Pss, Uss and Locked too:
 * accepted, and the same summary as PAGE_TABLES_ONLY alone.
 */
TEST(page_tables_only_with_no_sharing_is_page_tables_only)
{
	struct memlab_summary pt, both;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	pid = spawn_stopped(setup_touched, NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, memlab_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &pt));
	ASSERT_EQ(0, memlab_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY |
				    MEMLAB_SUMMARY_NO_SHARING, &both))
		TH_LOG("SUMMARY PAGE_TABLES_ONLY | NO_SHARING: %s", strerror(errno));
	expect_same_page_tables(_metadata, &pt, &both);
	EXPECT_EQ(pt.rss_anon, both.rss_anon);
	EXPECT_EQ(pt.rss_file, both.rss_file);
	EXPECT_EQ(pt.rss_shmem, both.rss_shmem);
	EXPECT_EQ(pt.dirty, both.dirty);
	EXPECT_EQ(pt.referenced, both.referenced);
	EXPECT_EQ(pt.ptes_visited, both.ptes_visited);
	EXPECT_EQ(0, both.pss);
	EXPECT_EQ(0, both.uss);
	EXPECT_EQ(0, both.locked);
	EXPECT_LE(32 * MiB, both.rss);
	reap(pid);
}

/* --- bad input ---------------------------------------------------------- */

TEST(no_such_pid_is_esrch)
{
	struct memlab_summary sum;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	EXPECT_EQ(-1, memlab_summary(0x3ffffff, 0, &sum));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, memlab_summary((pid_t)-5, 0, &sum));
	EXPECT_EQ(ESRCH, errno);
}

TEST(kernel_thread_is_einval)
{
	struct memlab_summary sum;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	/* pid 2 is kthreadd. */
	EXPECT_EQ(-1, memlab_summary(2, 0, &sum));
	EXPECT_EQ(EINVAL, errno);
}

TEST(zombie_is_esrch)
{
	struct memlab_summary sum;
	siginfo_t info;
	pid_t pid;

	if (access(MEMLAB_DEVICE, F_OK))
		SKIP(return, "memlab is not loaded");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	/* Wait for the exit but leave the zombie in place. */
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(-1, memlab_summary(pid, 0, &sum));
	EXPECT_EQ(ESRCH, errno);
	waitpid(pid, NULL, 0);
}

TEST(unknown_flags_and_reserved_are_einval)
{
	struct memlab_summary sum = { .size = sizeof(sum) };
	int fd = open(MEMLAB_DEVICE, O_RDWR);
	unsigned int bit;

	if (fd < 0)
		SKIP(return, "memlab is not loaded");
	/* Every bit above the known ones, alone and with them. */
	for (bit = 0; bit < 64; bit++) {
		if (MEMLAB_SUMMARY_FLAGS & 1ULL << bit)
			continue;
		sum.flags = 1ULL << bit;
		errno = 0;
		EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_SUMMARY, &sum)) TH_LOG("flag bit %u", bit);
		EXPECT_EQ(EINVAL, errno) TH_LOG("flag bit %u", bit);
		sum.flags |= MEMLAB_SUMMARY_FLAGS;
		errno = 0;
		EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_SUMMARY, &sum)) TH_LOG("flag bit %u", bit);
		EXPECT_EQ(EINVAL, errno) TH_LOG("flag bit %u", bit);
	}
	sum.flags = 0;
	sum.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_SUMMARY, &sum));
	EXPECT_EQ(EINVAL, errno);
	sum.reserved = 0;
	sum.size = MEMLAB_SUMMARY_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_SUMMARY, &sum));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(target_rejects_what_is_not_a_pid)
{
	static const char * const bad[] = { "abc\n", "12abc\n", "-1\n", "\n", "99999999999\n" };
	unsigned int i;
	int fd = open(MEMLAB_PROC_DIR "/target", O_WRONLY);

	if (fd < 0)
		SKIP(return, "memlab is not loaded");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, write(fd, bad[i], strlen(bad[i]))) TH_LOG("wrote '%s'", bad[i]);
		EXPECT_TRUE(errno == EINVAL || errno == ESRCH) TH_LOG("'%s': %s", bad[i], strerror(errno));
	}
	close(fd);
}

TEST_HARNESS_MAIN
