// SPDX-License-Identifier: GPL-2.0
/*
 * MEMLAB_IOC_SUMMARY against the kernel's own accounting for more kinds of
 * memory than summary_test.c covers: stack growth, SysV shm, memfd,
 * copy-on-write of file pages, KSM, hugetlb, mappings above 128 TiB and
 * swapped-out shmem; then RssAnon/RssFile/RssShmem against
 * /proc/PID/status, and Uss against pagemap + /proc/kpagecount (SPEC
 * section 5).
 *
 * As in summary_test.c, each workload is a process that sets its memory
 * up and stops itself (SIGSTOP); memlab must then equal what the kernel
 * says about that pid. The fixture owns every process a test starts and
 * every system knob it changes, so that both are undone even when an
 * ASSERT ends the test early.
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
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

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define KiB (1UL << 10)
#define MiB (1UL << 20)
#define PAGE 4096UL

/* --- reading the kernel's numbers --------------------------------------- */

/* The smaps_rollup fields memlab must equal, in kB. */
struct rollup {
	unsigned long rss, pss, swap, anon_huge, locked, dirty, referenced;
	unsigned long private;	/* Private_Clean + Private_Dirty */
	unsigned long private_hugetlb, shared_hugetlb;
};

static int read_rollup(pid_t pid, struct rollup *r)
{
	char *text = read_pid_file(pid, "smaps_rollup");

	if (!text)
		return -1;
	r->rss = field_kb(text, "\nRss:");
	r->pss = field_kb(text, "\nPss:");
	r->swap = field_kb(text, "\nSwap:");
	r->anon_huge = field_kb(text, "\nAnonHugePages:");
	r->locked = field_kb(text, "\nLocked:");
	r->referenced = field_kb(text, "\nReferenced:");
	r->dirty = field_kb(text, "\nShared_Dirty:") + field_kb(text, "\nPrivate_Dirty:");
	r->private = field_kb(text, "\nPrivate_Clean:") + field_kb(text, "\nPrivate_Dirty:");
	r->private_hugetlb = field_kb(text, "\nPrivate_Hugetlb:");
	r->shared_hugetlb = field_kb(text, "\nShared_Hugetlb:");
	free(text);
	return 0;
}

/*
 * @key of the /proc/PID/smaps entry of the mapping that contains @addr, or
 * (with @addr 0) of the one named @name; -1 if there is none.
 */
static unsigned long smaps_vma_kb(pid_t pid, unsigned long addr,
				  const char *name, const char *key)
{
	char *text = read_pid_file(pid, "smaps"), *line, *next;
	unsigned long start, end, value = (unsigned long)-1;
	bool in = false;

	if (!text)
		return value;
	for (line = text + 1; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		/* Entry headers are the lines that start with an address range. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			size_t len = next - line - (next[-1] == '\n');

			if (addr)
				in = start <= addr && addr < end;
			else
				in = len >= strlen(name) &&
				     !strncmp(line + len - strlen(name), name, strlen(name));
			continue;
		}
		if (in && !strncmp(line, key, strlen(key))) {
			value = strtoul(line + strlen(key), NULL, 10);
			break;
		}
	}
	free(text);
	return value;
}

/* --- memlab ------------------------------------------------------------- */

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

static int memlab_version(struct memlab_version *ver)
{
	int fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	memset(ver, 0, sizeof(*ver));
	ver->size = sizeof(*ver);
	ret = ioctl(fd, MEMLAB_IOC_VERSION, ver);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
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
 * Compare memlab with smaps_rollup for a process at rest; @sum gets
 * memlab's numbers, @r the kernel's.
 *
 * Pss depends on how many processes map each shared page, and this test
 * is one of them: its own first calls fault in more of libc (fault-around
 * maps whole folios on 6.12), which changes the target's Pss. So both are
 * read once to warm up, and then memlab is read between two reads of
 * smaps_rollup that agree with each other (as summary_test.c does).
 */
static void compare_with_kernel(struct __test_metadata *_metadata, pid_t pid,
				struct memlab_summary *sum, struct rollup *r)
{
	struct rollup after;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, read_rollup(pid, r));
		ASSERT_EQ(0, memlab_summary(pid, 0, sum)) TH_LOG("SUMMARY: %s", strerror(errno));
		ASSERT_EQ(0, read_rollup(pid, &after));
		if (tries && !memcmp(r, &after, sizeof(*r)))
			break;
	}
	ASSERT_EQ(0, memcmp(r, &after, sizeof(*r))) TH_LOG("smaps_rollup never settled");

	EXPECT_EQ(r->rss, sum->rss >> 10);
	EXPECT_EQ(r->pss, sum->pss >> 10);
	EXPECT_EQ(r->swap, (sum->swap + sum->shmem_swap) >> 10)
		TH_LOG("memlab swap %llu kB + shmem_swap %llu kB",
		       sum->swap >> 10, sum->shmem_swap >> 10);
	EXPECT_EQ(r->anon_huge, sum->anon_huge >> 10);
	EXPECT_EQ(r->locked, sum->locked >> 10);
	EXPECT_EQ(r->dirty, sum->dirty >> 10);
	EXPECT_EQ(r->referenced, sum->referenced >> 10);
	EXPECT_EQ(r->private, sum->uss >> 10);
	EXPECT_EQ(sum->rss, sum->rss_anon + sum->rss_file + sum->rss_shmem);
	EXPECT_LT(0, sum->vmas);
	EXPECT_LT(0, sum->ptes_visited);
	TH_LOG("pid %d: Rss %lu kB (anon %llu, file %llu, shmem %llu), Pss %lu kB, Uss %llu kB, Swap %lu kB, AnonHuge %lu kB, walk %llu us",
	       pid, r->rss, sum->rss_anon >> 10, sum->rss_file >> 10,
	       sum->rss_shmem >> 10, r->pss, sum->uss >> 10, r->swap,
	       r->anon_huge, sum->walk_ns / 1000);
}

/* --- workloads: processes that set memory up and stop ------------------- */

/* What a workload tells the test, in memory both share. */
struct workload_info {
	unsigned long addr;	/* where the interesting mapping landed */
	unsigned long len;
	pid_t child;		/* a process the workload forked, if any */
	int err;
};

/*
 * Run @setup in a new process that then stops; return its pid, or -1 with
 * errno set to what @setup returned when it failed (and exited).
 */
static pid_t spawn_stopped(int (*setup)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		int err = setup(arg);

		if (err)
			_exit(err);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	if (waitpid(pid, &status, WUNTRACED) != pid)
		return -1;
	if (!WIFSTOPPED(status)) {
		errno = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		p[i] = (char)(i >> 12) | 1;
}

static void read_pages(const volatile char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		(void)p[i];
}

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Grow the stack by @len with alloca(), touching it from the top down as a
 * deep recursion would.
 */
static __attribute__((noinline)) int grow_stack(size_t len)
{
	volatile char *p = alloca(len);
	size_t i;

	for (i = len; i >= PAGE; i -= PAGE)
		p[i - PAGE] = (char)i;
	return p[0];
}

static int setup_stack(void *arg)
{
	(void)arg;
	grow_stack(1 * MiB);
	return 0;
}

static int setup_sysv_shm(void *arg)
{
	size_t len = *(size_t *)arg;
	int id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	char *p;

	if (id < 0)
		return errno;
	p = shmat(id, NULL, 0);
	/* Gone when the last process detaches: when this one dies. */
	shmctl(id, IPC_RMID, NULL);
	if (p == (void *)-1)
		return errno;
	touch(p, len);
	return 0;
}

static int setup_memfd(void *arg)
{
	size_t len = *(size_t *)arg;
	int fd = memfd_create("memlab-test", 0);
	char *p;

	if (fd < 0)
		return errno;
	if (ftruncate(fd, 2 * len))
		return errno;
	p = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno;
	touch(p, len);
	return 0;
}

/* A file mapped MAP_PRIVATE and written: its written pages become anon. */
struct cow_file {
	const char *path;
	struct workload_info *info;
};

#define COW_WRITES 4

static int setup_cow_file(void *arg)
{
	struct cow_file *cf = arg;
	off_t len;
	char *p;
	int fd = open(cf->path, O_RDONLY);
	int i;

	if (fd < 0)
		return errno;
	len = lseek(fd, 0, SEEK_END);
	if (len < (off_t)(2 * COW_WRITES * PAGE))
		return EFBIG;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return errno;
	read_pages(p, len);
	for (i = 0; i < COW_WRITES; i++)
		p[2 * i * PAGE + 1] ^= 1;
	cf->info->addr = (unsigned long)p;
	cf->info->len = len;
	return 0;
}

/* Two 4 MiB regions with the same contents, offered to KSM. */
static int setup_ksm(void *arg)
{
	size_t len = 4 * MiB, i;
	char *a = map_anon(len), *b = map_anon(len);

	(void)arg;
	if (!a || !b)
		return ENOMEM;
	/* Every page different from the others, but the same in a and b. */
	for (i = 0; i < len; i += PAGE) {
		memset(a + i, 0x5a, PAGE);
		memcpy(a + i, &i, sizeof(i));
	}
	memcpy(b, a, len);
	if (madvise(a, len, MADV_MERGEABLE) || madvise(b, len, MADV_MERGEABLE))
		return errno;
	return 0;
}

static int setup_hugetlb(void *arg)
{
	struct workload_info *info = arg;
	size_t len = 4 * MiB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	touch(p, len);
	info->addr = (unsigned long)p;
	info->len = len;
	return 0;
}

static int setup_high(void *arg)
{
	struct workload_info *info = arg;
	size_t len = 4 * MiB;
	char *p = mmap((void *)(1UL << 48), len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	touch(p, len);
	info->addr = (unsigned long)p;
	info->len = len;
	return 0;
}

static int setup_shmem_pageout(void *arg)
{
	struct workload_info *info = arg;
	size_t len = 8 * MiB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return errno;
	touch(p, len);
	if (madvise(p, len, MADV_PAGEOUT))
		return errno;
	info->addr = (unsigned long)p;
	info->len = len;
	return 0;
}

/* Anon, a file mapping read, shmem, and threads that fault too. */
#define MIX_THREADS 3

struct mix {
	const char *path;	/* a file to map and read */
	bool fold;		/* each thread folds its RSS counters before it stops */
};

static pthread_barrier_t mix_ready;

/*
 * On 6.1, a thread that unmaps memory of its own mm folds the RSS counts
 * it has cached into the mm's counters (zap_pte_range() ->
 * add_mm_rss_vec() -> sync_mm_rss()). On 6.12 this does nothing special.
 */
static void fold_rss_counters(void)
{
	char *p = map_anon(PAGE);

	if (p) {
		p[0] = 1;
		munmap(p, PAGE);
	}
}

/*
 * What runs after a fold must not fault file pages in (fault-around maps
 * 16 at a time, into a cache just emptied and never folded again): read
 * every page of every readable file mapping first, code and data.
 */
static void map_all_file_pages(void)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	unsigned long start, end, addr;
	char perms[8], line[512];
	unsigned long long ino;

	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps))
		if (sscanf(line, "%lx-%lx %7s %*s %*s %llu", &start, &end, perms, &ino) == 4 &&
		    ino && perms[0] == 'r')
			for (addr = start; addr < end; addr += PAGE)
				(void)*(volatile const char *)addr;
	fclose(maps);
}

static void map_and_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	off_t len;
	char *f;

	if (fd < 0)
		return;
	len = lseek(fd, 0, SEEK_END);
	f = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f != MAP_FAILED)
		read_pages(f, len);
}

static void *mix_thread(void *arg)
{
	const struct mix *mix = arg;
	char *p = map_anon(1 * MiB);

	if (p)
		touch(p, 1 * MiB);
	/* File pages faulted by this thread (with fault-around). */
	map_and_read(mix->path);
	if (mix->fold)
		fold_rss_counters();
	pthread_barrier_wait(&mix_ready);
	for (;;)
		pause();
	return NULL;
}

static int setup_mix(void *arg)
{
	const struct mix *mix = arg;
	pthread_t t[MIX_THREADS];
	char *anon = map_anon(8 * MiB), *shm;
	int i;

	if (!anon)
		return ENOMEM;
	touch(anon, 8 * MiB);
	shm = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return errno;
	touch(shm, 4 * MiB);
	/* And some of it read only: read faults map shmem with fault-around. */
	read_pages(shm + 4 * MiB - 1 * MiB, 1 * MiB);
	map_and_read(mix->path);
	if (mix->fold)
		map_all_file_pages();
	pthread_barrier_init(&mix_ready, NULL, MIX_THREADS + 1);
	for (i = 0; i < MIX_THREADS; i++)
		if (pthread_create(&t[i], NULL, mix_thread, (void *)mix))
			return EAGAIN;
	pthread_barrier_wait(&mix_ready);
	if (mix->fold)
		fold_rss_counters();
	return 0;
}

/*
 * Anonymous memory, a THP, and a child that shares both and then writes
 * part of them; the libraries come with the process.
 */
static int setup_fork_shared(void *arg)
{
	struct workload_info *info = arg;
	size_t len = 8 * MiB, thp_len = 4 * MiB, align = 2 * MiB;
	char *anon = map_anon(len), *raw = map_anon(thp_len + align), *thp;
	char *zero = map_anon(64 * KiB);
	int status;
	pid_t child;

	if (!anon || !raw || !zero)
		return ENOMEM;
	/*
	 * Read faults map the zero page: present in pagemap, not in Rss.
	 * Not the huge zero page, should this VMA merge into a larger one.
	 */
	madvise(zero, 64 * KiB, MADV_NOHUGEPAGE);
	read_pages(zero, 64 * KiB);
	thp = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
	madvise(thp, thp_len, MADV_HUGEPAGE);
	touch(anon, len);
	touch(thp, thp_len);
	child = fork();
	if (child < 0)
		return errno;
	if (!child) {
		/* Copy-on-write: 2 MiB of anon and one page of the THP. */
		touch(anon, 2 * MiB);
		thp[PAGE] ^= 2;
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	info->child = child;
	if (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status))
		return ECHILD;
	return 0;
}

/* --- the fixture: processes and knobs to undo ---------------------------- */

struct knob {
	char path[128];
	char old[64];
};

FIXTURE(workload) {
	pid_t pids[4];
	int nr_pids;
	struct knob knobs[4];
	int nr_knobs;
	char tmp_path[64];
	bool target_set;
	struct workload_info *info;
};

FIXTURE_SETUP(workload)
{
	self->info = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->info);
	/* Grandchildren (a workload's own child) come back to us to reap. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
}

FIXTURE_TEARDOWN(workload)
{
	int i;

	for (i = self->nr_pids - 1; i >= 0; i--)
		kill(self->pids[i], SIGKILL);
	/* A workload's child is ours to reap once the workload is gone. */
	for (i = 0; i < self->nr_pids; i++)
		waitpid(self->pids[i], NULL, 0);
	for (i = self->nr_knobs - 1; i >= 0; i--)
		if (write_str(self->knobs[i].path, self->knobs[i].old))
			TH_LOG("could not restore %s to %s", self->knobs[i].path,
			       self->knobs[i].old);
	if (self->target_set)
		set_memlab_target(0);
	if (self->tmp_path[0])
		unlink(self->tmp_path);
	munmap(self->info, PAGE);
}

#define REQUIRE_MEMLAB() do {						\
	if (access(MEMLAB_DEVICE, F_OK))				\
		SKIP(return, "memlab is not loaded");			\
} while (0)

static pid_t start_workload(struct __test_metadata *_metadata,
			    FIXTURE_DATA(workload) *self,
			    int (*setup)(void *), void *arg)
{
	pid_t pid = spawn_stopped(setup, arg);

	ASSERT_LT(0, pid) TH_LOG("the workload failed to set up: %s", strerror(errno));
	self->pids[self->nr_pids++] = pid;
	if (self->info->child > 0)
		self->pids[self->nr_pids++] = self->info->child;
	return pid;
}

/* Set a sysfs/procfs knob to @value, remembering what it was. */
static int set_knob(FIXTURE_DATA(workload) *self, const char *path, const char *value)
{
	struct knob *k = &self->knobs[self->nr_knobs];
	char *old = read_text(path);

	if (!old)
		return -1;
	snprintf(k->path, sizeof(k->path), "%s", path);
	snprintf(k->old, sizeof(k->old), "%s", old + 1);
	free(old);
	self->nr_knobs++;
	return write_str(path, value);
}

static long read_long(const char *path)
{
	char *text = read_text(path);
	long v;

	if (!text)
		return -1;
	v = strtol(text + 1, NULL, 10);
	free(text);
	return v;
}

/* --- tests ---------------------------------------------------------------- */

/*
 * The main thread's stack grown by about 1 MiB: smaps_rollup, and memlab's
 * "stack" segment holds at least what smaps shows for the [stack] VMA.
 */
TEST_F(workload, stack_growth_matches_smaps_rollup)
{
	struct memlab_summary sum;
	unsigned long stack_rss;
	struct rollup r;
	pid_t pid;

	REQUIRE_MEMLAB();
	pid = start_workload(_metadata, self, setup_stack, NULL);
	stack_rss = smaps_vma_kb(pid, 0, "[stack]", "Rss:");
	ASSERT_NE((unsigned long)-1, stack_rss);
	ASSERT_LE(1024, stack_rss) TH_LOG("the stack did not grow: Rss %lu kB", stack_rss);
	compare_with_kernel(_metadata, pid, &sum, &r);
	EXPECT_LE(stack_rss, sum.segments[MEMLAB_SEG_STACK].rss >> 10)
		TH_LOG("[stack] Rss %lu kB, memlab stack segment %llu kB", stack_rss,
		       sum.segments[MEMLAB_SEG_STACK].rss >> 10);
}

static size_t shm_len = 8 * MiB;

TEST_F(workload, sysv_shm_matches_smaps_rollup)
{
	struct memlab_summary sum;
	struct rollup r;
	pid_t pid;

	REQUIRE_MEMLAB();
	pid = start_workload(_metadata, self, setup_sysv_shm, &shm_len);
	compare_with_kernel(_metadata, pid, &sum, &r);
	EXPECT_LE(shm_len, sum.rss_shmem);
	EXPECT_LE(shm_len, sum.segments[MEMLAB_SEG_SHM].rss);
}

TEST_F(workload, memfd_matches_smaps_rollup)
{
	struct memlab_summary sum;
	struct rollup r;
	pid_t pid;

	REQUIRE_MEMLAB();
	/* Half of a 16 MiB memfd touched. */
	pid = start_workload(_metadata, self, setup_memfd, &shm_len);
	compare_with_kernel(_metadata, pid, &sum, &r);
	EXPECT_LE(shm_len, sum.rss_shmem);
}

static void cow_file_test(struct __test_metadata *_metadata,
			  FIXTURE_DATA(workload) *self, const char *path)
{
	struct cow_file cf = { .path = path, .info = self->info };
	struct memlab_summary sum;
	unsigned long anon_kb;
	struct rollup r;
	pid_t pid;

	pid = start_workload(_metadata, self, setup_cow_file, &cf);
	anon_kb = smaps_vma_kb(pid, self->info->addr, NULL, "Anonymous:");
	ASSERT_EQ(COW_WRITES * PAGE / KiB, anon_kb)
		TH_LOG("the written pages of the mapping are not anon copies");
	compare_with_kernel(_metadata, pid, &sum, &r);
	EXPECT_LE(COW_WRITES * PAGE, sum.rss_anon);
}

/* A copy of the test binary in /tmp (tmpfs in the VM: shmem pages). */
TEST_F(workload, written_private_tmp_file_matches_smaps_rollup)
{
	char *buf;
	ssize_t n;
	int in, out;

	REQUIRE_MEMLAB();
	snprintf(self->tmp_path, sizeof(self->tmp_path), "/tmp/memlab-cow-XXXXXX");
	out = mkstemp(self->tmp_path);
	ASSERT_LE(0, out);
	in = open("/proc/self/exe", O_RDONLY);
	ASSERT_LE(0, in);
	buf = malloc(65536);
	ASSERT_NE(NULL, buf);
	while ((n = read(in, buf, 65536)) > 0)
		ASSERT_EQ(n, write(out, buf, n));
	free(buf);
	close(in);
	close(out);
	cow_file_test(_metadata, self, self->tmp_path);
}

/* The test binary itself: page-cache pages of a disk (9p) file. */
TEST_F(workload, written_private_exe_matches_smaps_rollup)
{
	REQUIRE_MEMLAB();
	cow_file_test(_metadata, self, "/proc/self/exe");
}

#define KSM "/sys/kernel/mm/ksm/"

TEST_F_TIMEOUT(workload, ksm_merged_pages_match_smaps_rollup, 90)
{
	struct memlab_summary sum;
	long sharing = 0, last = -1;
	struct timespec t0, t;
	struct rollup r;
	pid_t pid;

	REQUIRE_MEMLAB();
	if (access(KSM "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	pid = start_workload(_metadata, self, setup_ksm, NULL);
	ASSERT_EQ(0, set_knob(self, KSM "pages_to_scan", "4096\n"));
	ASSERT_EQ(0, set_knob(self, KSM "sleep_millisecs", "1\n"));
	ASSERT_EQ(0, set_knob(self, KSM "run", "1\n"));

	/* Until every page of one region shares with the other, or 30 s. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		usleep(200 * 1000);
		sharing = read_long(KSM "pages_sharing");
		if (sharing >= 1024 && sharing == last)
			break;
		last = sharing;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 30);
	if (sharing <= 0)
		SKIP(return, "ksmd merged nothing in 30 s");
	TH_LOG("ksm pages_sharing %ld, pages_shared %ld", sharing,
	       read_long(KSM "pages_shared"));
	/* Stop merging before comparing, so the numbers hold still. */
	ASSERT_EQ(0, write_str(KSM "run", "0\n"));
	compare_with_kernel(_metadata, pid, &sum, &r);
	/* Merged pages are mapped twice: Pss well below Rss. */
	EXPECT_LT(r.pss + 2048, r.rss);
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static long meminfo_field(const char *key)
{
	char *text = read_text("/proc/meminfo");
	long v;

	if (!text)
		return -1;
	v = (long)field_kb(text, key);
	free(text);
	return v;
}

/* hugetlb is not in smaps Rss (it has its own fields): memlab agrees. */
TEST_F(workload, hugetlb_is_not_rss_as_in_smaps_rollup)
{
	struct memlab_summary sum;
	struct rollup r;
	pid_t pid;
	long free_pages;

	REQUIRE_MEMLAB();
	if (access(NR_HUGEPAGES, W_OK))
		SKIP(return, "no hugetlb");
	ASSERT_EQ(0, set_knob(self, NR_HUGEPAGES, "4\n"));
	free_pages = meminfo_field("\nHugePages_Free:");
	if (free_pages < 2)
		SKIP(return, "only %ld hugetlb pages could be reserved", free_pages);
	pid = start_workload(_metadata, self, setup_hugetlb, self->info);
	/* The workload has 4 MiB of hugetlb, which smaps shows apart. */
	ASSERT_EQ(0, read_rollup(pid, &r));
	ASSERT_EQ(4096, r.private_hugetlb + r.shared_hugetlb);
	compare_with_kernel(_metadata, pid, &sum, &r);
}

/* Lines of /proc/memlab/maps: the one of the mapping that starts at @addr. */
static int memlab_maps_rss_kb(unsigned long addr, unsigned long *rss)
{
	char *text = read_text(MEMLAB_PROC_DIR "/maps"), *line;
	unsigned long start, end, size;
	char perm[8], seg[16];
	int found = -1;

	if (!text)
		return -1;
	for (line = text; line; line = strchr(line + 1, '\n')) {
		if (sscanf(line + 1, "%lx-%lx %7s %15s %lu %lu", &start, &end, perm,
			   seg, &size, rss) == 6 && start == addr) {
			found = 0;
			break;
		}
	}
	free(text);
	return found;
}

/*
 * With 5-level paging a hint above 128 TiB maps there; memlab walks the
 * whole address space, not 47 bits of it.
 */
TEST_F(workload, mapping_above_128tib_matches_smaps_rollup)
{
	struct memlab_version ver;
	struct memlab_summary sum;
	unsigned long rss;
	struct rollup r;
	pid_t pid;

	REQUIRE_MEMLAB();
	ASSERT_EQ(0, memlab_version(&ver));
	if (ver.pgtable_levels != 5)
		SKIP(return, "%u-level paging: no addresses above 128 TiB", ver.pgtable_levels);
	pid = start_workload(_metadata, self, setup_high, self->info);
	ASSERT_LE(1UL << 47, self->info->addr)
		TH_LOG("a hint above 128 TiB mapped at %#lx", self->info->addr);
	TH_LOG("mapped at %#lx", self->info->addr);
	ASSERT_EQ(4096, smaps_vma_kb(pid, self->info->addr, NULL, "Rss:"));
	compare_with_kernel(_metadata, pid, &sum, &r);

	ASSERT_EQ(0, set_memlab_target(pid));
	self->target_set = true;
	ASSERT_EQ(0, memlab_maps_rss_kb(self->info->addr, &rss))
		TH_LOG("no line for %#lx in /proc/memlab/maps", self->info->addr);
	EXPECT_EQ(4096, rss);
}

static bool have_swap(void)
{
	char *text = read_text("/proc/swaps");
	bool yes;

	if (!text)
		return false;
	/* One header line, then one line per swap device. */
	yes = strchr(text + 1, '\n') && strchr(text + 1, '\n')[1];
	free(text);
	return yes;
}

/*
 * smaps counts shmem pages in swap in Swap (shmem_swap_usage() for a
 * shared mapping); memlab reports them as shmem_swap.
 */
TEST_F(workload, swapped_out_shmem_matches_smaps_rollup)
{
	struct memlab_summary sum;
	struct rollup r;
	pid_t pid;

	REQUIRE_MEMLAB();
	if (!have_swap())
		SKIP(return, "no swap");
	pid = start_workload(_metadata, self, setup_shmem_pageout, self->info);
	ASSERT_EQ(0, read_rollup(pid, &r));
	ASSERT_LT(0, r.swap) TH_LOG("MADV_PAGEOUT swapped no shmem out");
	TH_LOG("smaps_rollup: Swap %lu kB, Rss %lu kB", r.swap, r.rss);
	compare_with_kernel(_metadata, pid, &sum, &r);
	TH_LOG("memlab: swap %llu kB, shmem_swap %llu kB", sum.swap >> 10, sum.shmem_swap >> 10);
	EXPECT_EQ(r.swap, (sum.swap + sum.shmem_swap) >> 10);
	EXPECT_EQ(r.swap, sum.segments[MEMLAB_SEG_SHM].swap >> 10);
}

/*
 * RssAnon/RssFile/RssShmem against /proc/PID/status.
 *
 * memlab counts what the page tables map when it walks; status shows the
 * mm's RSS counters, which the fault and unmap paths keep.
 *
 * 6.2 and later (so Debian's 6.12) keep them in per-CPU counters, and
 * status adds them up exactly (get_mm_counter_sum()): the two must be
 * equal.
 *
 * 6.1 has SPLIT_RSS_COUNTING: a fault adds to current->rss_stat, and that
 * is folded into the mm's counters (which status reads) only when the
 * thread starts a fault with more than TASK_RSS_EVENTS_THRESH (64) faults
 * behind it since the last fold, when it unmaps memory of its own mm, or
 * when it exits. A thread that stopped faulting keeps what it has for as
 * long as it sleeps. So the slack is per thread and per counter, and is
 * counted in faults, not pages: up to 65 faults' worth. An anonymous
 * fault maps one page, but a read fault on a file (or shmem) mapping maps
 * up to fault_around_bytes / PAGE_SIZE pages (16 by default) with
 * fault-around, each added to the thread's cache with do_set_pte().
 * The bound is therefore, per thread: 65 pages of anon, and 65 * 16 of
 * file and of shmem. The "64 pages per thread" rule of thumb holds for
 * anon only: in the VM, 4 threads that each read a ~170 kB file left
 * RssFile 1444 kB (361 pages, 90 a thread) behind. The test logs the
 * differences it sees.
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
	long bytes = read_long("/sys/kernel/debug/fault_around_bytes");

	return bytes >= (long)PAGE ? bytes / PAGE : 16;
}

static void rss_by_type_test(struct __test_metadata *_metadata,
			     FIXTURE_DATA(workload) *self, bool fold)
{
	unsigned long anon, file, shmem, threads, tol_anon = 0, tol_file = 0;
	struct mix mix = { .path = "/proc/self/exe", .fold = fold };
	struct memlab_summary sum;
	char *status;
	pid_t pid;

	pid = start_workload(_metadata, self, setup_mix, &mix);
	status = read_pid_file(pid, "status");
	ASSERT_NE(NULL, status);
	ASSERT_EQ(0, memlab_summary(pid, 0, &sum));
	anon = field_kb(status, "\nRssAnon:");
	file = field_kb(status, "\nRssFile:");
	shmem = field_kb(status, "\nRssShmem:");
	threads = field_kb(status, "\nThreads:");
	free(status);
	ASSERT_EQ(MIX_THREADS + 1, threads);
	ASSERT_LE(8 * 1024 + MIX_THREADS * 1024, sum.rss_anon >> 10);
	ASSERT_LE(4 * 1024, sum.rss_shmem >> 10);
	ASSERT_LT(0, sum.rss_file);

	if (split_rss_counting() && !fold) {
		tol_anon = threads * RSS_EVENTS * PAGE / KiB;
		tol_file = threads * RSS_EVENTS * fault_around_pages() * PAGE / KiB;
	}
	TH_LOG("status - memlab (kB): anon %ld, file %ld, shmem %ld; memlab anon %llu, file %llu, shmem %llu; %lu threads; tolerance anon %lu kB, file/shmem %lu kB",
	       (long)anon - (long)(sum.rss_anon >> 10),
	       (long)file - (long)(sum.rss_file >> 10),
	       (long)shmem - (long)(sum.rss_shmem >> 10),
	       sum.rss_anon >> 10, sum.rss_file >> 10, sum.rss_shmem >> 10,
	       threads, tol_anon, tol_file);
	EXPECT_GE(tol_anon, labs((long)anon - (long)(sum.rss_anon >> 10)));
	EXPECT_GE(tol_file, labs((long)file - (long)(sum.rss_file >> 10)));
	EXPECT_GE(tol_file, labs((long)shmem - (long)(sum.rss_shmem >> 10)));
}

/* Threads that stopped right after faulting: within the slack above. */
TEST_F(workload, rss_by_type_matches_status)
{
	REQUIRE_MEMLAB();
	rss_by_type_test(_metadata, self, false);
}

/*
 * The same workload, but every thread folds its cached counts before it
 * stops (see fold_rss_counters()): then status is exact on 6.1 too, and
 * memlab must equal it.
 */
TEST_F(workload, rss_by_type_equals_status_once_threads_fold)
{
	REQUIRE_MEMLAB();
	rss_by_type_test(_metadata, self, true);
}

/* --- Uss from pagemap and /proc/kpagecount ------------------------------- */

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

/* The PFN of the shared zero page, as pagemap shows it to root. */
static uint64_t zero_pfn(void)
{
	volatile char *p = map_anon(PAGE);
	uint64_t entry = 0;
	int fd;

	if (!p)
		return 0;
	madvise((void *)p, PAGE, MADV_NOHUGEPAGE);
	(void)p[0];
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0) {
		if (pread(fd, &entry, 8, (unsigned long)p / PAGE * 8) != 8)
			entry = 0;
		close(fd);
	}
	munmap((void *)p, PAGE);
	return entry & PM_PRESENT ? entry & PM_PFN_MASK : 0;
}

struct kpc_count {
	unsigned long present;	/* pages with a PFN */
	unsigned long single;	/* ... mapped once (kpagecount == 1) */
	unsigned long zero;	/* ... the zero page */
	uint64_t zero_count;	/* its kpagecount */
	unsigned long other;	/* ... kpagecount 0 (not an rmap'd page) */
};

/*
 * Walk /proc/PID/maps and pagemap: every present page with a PFN, and its
 * /proc/kpagecount. Mappings that have no struct pages for smaps (vvar,
 * VM_PFNMAP) show no PFN; hugetlb is not in smaps' Uss: left out by name.
 */
static int kpagecount_uss(pid_t pid, uint64_t zpfn, struct kpc_count *c)
{
	char *maps = read_pid_file(pid, "maps"), *line, *next;
	int pm = -1, kpc = open("/proc/kpagecount", O_RDONLY);
	uint64_t *entries = NULL;
	char path[64];
	int ret = -1;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pm = open(path, O_RDONLY);
	if (!maps || pm < 0 || kpc < 0)
		goto out;
	for (line = maps + 1; *line; line = next) {
		unsigned long start, end, n, i;
		char name[256] = "";

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &start, &end, name) < 2)
			break;
		/* [vsyscall] (some kernels have it) is not a mapping of the mm. */
		if (!strcmp(name, "[vvar]") || !strcmp(name, "[vsyscall]") ||
		    !strncmp(name, "/anon_hugepage", 14))
			continue;
		n = (end - start) / PAGE;
		entries = realloc(entries, n * 8);
		if (!entries)
			goto out;
		if (pread(pm, entries, n * 8, start / PAGE * 8) != (ssize_t)(n * 8))
			goto out;
		for (i = 0; i < n; i++) {
			uint64_t pfn = entries[i] & PM_PFN_MASK, count;

			if (!(entries[i] & PM_PRESENT) || !pfn)
				continue;
			c->present++;
			if (pread(kpc, &count, 8, pfn * 8) != 8)
				goto out;
			if (pfn == zpfn) {
				c->zero++;
				c->zero_count = count;
				continue;
			}
			if (count == 1)
				c->single++;
			else if (count == 0)
				c->other++;
		}
	}
	ret = 0;
out:
	free(entries);
	free(maps);
	if (pm >= 0)
		close(pm);
	if (kpc >= 0)
		close(kpc);
	return ret;
}

/*
 * Uss is smaps' Private_Clean + Private_Dirty: a page counts when its
 * folio's refcount is 1 or its own (per-page, for a THP per subpage)
 * mapcount is below 2. /proc/kpagecount is that same per-page mapcount
 * (6.1 page_mapcount(), 6.12 folio_precise_page_mapcount()), PMD-mapped
 * THPs included, so Uss = pages whose kpagecount is 1, times 4 kB.
 * A mapped page whose refcount is 1 has mapcount 1 too, so the refcount
 * shortcut adds nothing. The zero page is present with a PFN in pagemap
 * but not accounted by smaps: left out (by its PFN).
 */
TEST_F(workload, uss_matches_kpagecount)
{
	struct kpc_count before, after;
	struct memlab_summary sum;
	struct rollup r, r2;
	uint64_t zpfn;
	pid_t pid;
	int tries;

	REQUIRE_MEMLAB();
	if (geteuid() || access("/proc/kpagecount", R_OK))
		SKIP(return, "/proc/kpagecount needs root");
	zpfn = zero_pfn();
	ASSERT_NE(0, zpfn) TH_LOG("pagemap shows no PFNs");
	pid = start_workload(_metadata, self, setup_fork_shared, self->info);

	/* Mapcounts of libc pages change as this test runs: as in compare_with_kernel(). */
	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, kpagecount_uss(pid, zpfn, &before));
		ASSERT_EQ(0, read_rollup(pid, &r));
		ASSERT_EQ(0, memlab_summary(pid, 0, &sum));
		ASSERT_EQ(0, read_rollup(pid, &r2));
		ASSERT_EQ(0, kpagecount_uss(pid, zpfn, &after));
		if (tries && !memcmp(&before, &after, sizeof(before)) &&
		    !memcmp(&r, &r2, sizeof(r)))
			break;
	}
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before))) TH_LOG("kpagecount never settled");
	TH_LOG("present %lu pages: %lu mapped once, %lu zero page (kpagecount %llu), %lu with kpagecount 0; memlab Uss %llu kB, smaps Private %lu kB, Rss %lu kB, AnonHuge %lu kB",
	       after.present, after.single, after.zero,
	       (unsigned long long)after.zero_count, after.other, sum.uss >> 10,
	       r.private, r.rss, r.anon_huge);
	ASSERT_EQ(16, after.zero) TH_LOG("the workload's zero-page reads are not in pagemap");
	EXPECT_EQ(after.single * PAGE, sum.uss);
	EXPECT_EQ(r.private, sum.uss >> 10);
	/* Present pages with a PFN that smaps accounts: all of Rss. */
	EXPECT_EQ(after.present - after.zero, sum.rss / PAGE);
	/* The workload's own: 2 MiB written back by the child, and more. */
	EXPECT_LT(2 * MiB, sum.uss);
	EXPECT_LT(sum.uss, sum.rss);
}

TEST_HARNESS_MAIN
