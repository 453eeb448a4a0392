// SPDX-License-Identifier: GPL-2.0
/*
 * MEMLAB_IOC_SUMMARY and /proc/memlab/summary against the kernel's own
 * accounting: for each workload, a process sets its memory up and stops
 * itself (SIGSTOP), and memlab's numbers must equal /proc/PID/smaps_rollup
 * (and /proc/PID/status where that is the reference), as SPEC section 5
 * says: exactly, in kB.
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
#include <sys/wait.h>
#include <unistd.h>

#include <linux/memlab.h>

#include "kselftest_harness.h"

/*
 * The suite runs in an emulated VM (TCG), sometimes on a KASAN + lockdep
 * kernel: many times slower than hardware. 30 s is not enough there.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define MiB (1UL << 20)

/* The smaps_rollup fields memlab must equal, in kB. */
struct rollup {
	unsigned long rss, pss, swap, anon_huge, locked, dirty, referenced;
	unsigned long anon;	/* Anonymous */
	unsigned long private;	/* Private_Clean + Private_Dirty */
};

static unsigned long field_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoul(p + strlen(key), NULL, 10) : (unsigned long)-1;
}

static int read_rollup(pid_t pid, struct rollup *r)
{
	char path[64], text[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	r->rss = field_kb(text, "\nRss:");
	r->pss = field_kb(text, "\nPss:");
	r->swap = field_kb(text, "\nSwap:");
	r->anon_huge = field_kb(text, "\nAnonHugePages:");
	r->anon = field_kb(text, "\nAnonymous:");
	r->locked = field_kb(text, "\nLocked:");
	r->referenced = field_kb(text, "\nReferenced:");
	r->dirty = field_kb(text, "\nShared_Dirty:") + field_kb(text, "\nPrivate_Dirty:");
	r->private = field_kb(text, "\nPrivate_Clean:") + field_kb(text, "\nPrivate_Dirty:");
	return 0;
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

/*
 * Compare memlab with smaps_rollup for a process at rest.
 *
 * Pss depends on how many processes map each shared page, and this test
 * is one of them: its own first calls fault in more of libc (fault-around
 * maps whole folios on 6.12), which changes the target's Pss. So both are
 * read once to warm up, and then memlab is read between two reads of
 * smaps_rollup that agree with each other.
 */
static void expect_equal_to_kernel(struct __test_metadata *_metadata, pid_t pid)
{
	struct memlab_summary sum, fast;
	struct rollup r, after;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, read_rollup(pid, &r));
		ASSERT_EQ(0, memlab_summary(pid, 0, &sum)) TH_LOG("SUMMARY: %s", strerror(errno));
		ASSERT_EQ(0, memlab_summary(pid, MEMLAB_SUMMARY_NO_SHARING, &fast))
			TH_LOG("SUMMARY NO_SHARING: %s", strerror(errno));
		ASSERT_EQ(0, read_rollup(pid, &after));
		if (tries && !memcmp(&r, &after, sizeof(r)))
			break;
	}
	ASSERT_EQ(0, memcmp(&r, &after, sizeof(r))) TH_LOG("smaps_rollup never settled");

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
	EXPECT_LT(0, sum.vmas);
	EXPECT_LT(0, sum.ptes_visited);
	TH_LOG("pid %d: Rss %lu kB, Pss %lu kB, Swap %lu kB, AnonHuge %lu kB, memlab walk %llu us",
	       pid, r.rss, r.pss, r.swap, r.anon_huge, sum.walk_ns / 1000);
}

/* Run @setup in a new process that then stops; return its pid. */
static pid_t spawn_stopped(void (*setup)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		setup(arg);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
		return -1;
	return pid;
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

	if (fd < 0)
		SKIP(return, "memlab is not loaded");
	sum.flags = 1ULL << 63;
	EXPECT_EQ(-1, ioctl(fd, MEMLAB_IOC_SUMMARY, &sum));
	EXPECT_EQ(EINVAL, errno);
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
