// SPDX-License-Identifier: GPL-2.0
/*
 * MEMLAB_IOC_MAPS against the kernel's own per-mapping view: for each
 * workload, a process sets its memory up and stops itself (SIGSTOP), and
 * every record memlab returns must equal that mapping's entry in
 * /proc/PID/smaps (its header line is the /proc/PID/maps line), in kB, as
 * SPEC section 5 says. Then the ABI of the call itself: resumption, short
 * and strided vectors, bad input, privilege (SPEC section 7) and the
 * segment classes of Documentation/segments.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

#define PS		4096UL		/* x86_64 only (SPEC section 1) */
#define MiB		(1UL << 20)
#define MAX_VMAS	1024
#define NOBODY		65534

/* Lies in the executable's writable (data) mapping. */
static int data_marker = 1;

/* --- memlab --------------------------------------------------------------- */

/* /dev/memlab with MAPS, or -1 after a SKIP when it is not there yet. */
static int open_memlab(struct __test_metadata *_metadata)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	int fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP(return -1, "memlab is not loaded");
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", MEMLAB_DEVICE, strerror(errno));
	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, &ver));
	if (!(ver.features & MEMLAB_FEAT_MAPS)) {
		close(fd);
		SKIP(return -1, "this memlab has no MAPS (features %#llx)", ver.features);
	}
	return fd;
}

static int memlab_maps(int fd, pid_t pid, __u64 start, void *vec, __u64 vec_len,
		       __u32 vma_size, struct memlab_maps *out)
{
	struct memlab_maps arg = {
		.size = sizeof(arg), .pid = pid, .vma_size = vma_size,
		.start = start, .vec = (uintptr_t)vec, .vec_len = vec_len,
	};
	int ret = ioctl(fd, MEMLAB_IOC_MAPS, &arg);

	if (out)
		*out = arg;
	return ret;
}

/*
 * Every record of @pid, @per_call at a time, resuming from @next as the
 * uapi says. Returns the number of records, or -1 (errno set; ELOOP when
 * @next does not move forward). *@calls counts the ioctls.
 */
static long maps_all(int fd, pid_t pid, __u64 per_call, struct memlab_vma *vec,
		     size_t max, size_t *calls)
{
	struct memlab_maps arg;
	__u64 start = 0;
	size_t n = 0;

	for (*calls = 1; n < max; (*calls)++) {
		__u64 len = per_call < max - n ? per_call : max - n;

		if (memlab_maps(fd, pid, start, vec + n, len, sizeof(*vec), &arg))
			return -1;
		n += arg.count;
		if (!arg.next)
			return n;
		if (arg.next <= start || *calls > max) {
			errno = ELOOP;
			return -1;
		}
		start = arg.next;
	}
	errno = ENOSPC;
	return -1;
}

/* --- the kernel's view: /proc/PID/smaps ------------------------------------ */

/* One mapping as smaps shows it; the header is the maps line. Sizes in kB. */
struct kvma {
	unsigned long start, end, pgoff, inode;
	unsigned int major, minor;
	char perms[8];
	char path[256];
	unsigned long size, rss, pss, anon, swap, anon_huge, locked, referenced;
	unsigned long shared_dirty, private_clean, private_dirty;
};

static const struct {
	const char *key;
	size_t offset;
} smaps_fields[] = {
	{ "Size", offsetof(struct kvma, size) },
	{ "Rss", offsetof(struct kvma, rss) },
	{ "Pss", offsetof(struct kvma, pss) },
	{ "Anonymous", offsetof(struct kvma, anon) },
	{ "Swap", offsetof(struct kvma, swap) },
	{ "AnonHugePages", offsetof(struct kvma, anon_huge) },
	{ "Locked", offsetof(struct kvma, locked) },
	{ "Referenced", offsetof(struct kvma, referenced) },
	{ "Shared_Dirty", offsetof(struct kvma, shared_dirty) },
	{ "Private_Clean", offsetof(struct kvma, private_clean) },
	{ "Private_Dirty", offsetof(struct kvma, private_dirty) },
};

static int parse_header(const char *line, struct kvma *v)
{
	int path_at = 0;

	memset(v, 0, sizeof(*v));
	if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &v->start, &v->end, v->perms,
		   &v->pgoff, &v->major, &v->minor, &v->inode, &path_at) < 7)
		return 0;
	if (path_at)
		snprintf(v->path, sizeof(v->path), "%s", line + path_at);
	return 1;
}

static void parse_field(const char *line, struct kvma *v)
{
	unsigned long value;
	char key[32];
	size_t i;

	if (sscanf(line, "%31[^:]: %lu", key, &value) != 2)
		return;
	for (i = 0; i < sizeof(smaps_fields) / sizeof(smaps_fields[0]); i++)
		if (!strcmp(key, smaps_fields[i].key))
			*(unsigned long *)((char *)v + smaps_fields[i].offset) = value;
}

/*
 * The mappings of an smaps (or maps) text. [vsyscall] is left out: the
 * gate area is shown by the kernel but is not a VMA of the mm.
 */
static int parse_smaps(char *text, struct kvma *v, int max)
{
	char *line, *save = NULL;
	int n = -1;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (n + 1 < max && parse_header(line, &v[n + 1])) {
			if (strcmp(v[n + 1].path, "[vsyscall]"))
				n++;
			else
				memset(&v[n + 1], 0, sizeof(v[n + 1]));
			continue;
		}
		if (n >= 0)
			parse_field(line, &v[n]);
	}
	return n + 1;
}

static int read_smaps(pid_t pid, const char *name, struct kvma *v, int max)
{
	char *text = read_pid_file(pid, name);
	int n;

	if (!text)
		return -1;
	n = parse_smaps(text, v, max);
	free(text);
	return n;
}

static __u32 prot_of(const char *perms)
{
	return (perms[0] == 'r' ? MEMLAB_VMA_READ : 0) |
	       (perms[1] == 'w' ? MEMLAB_VMA_WRITE : 0) |
	       (perms[2] == 'x' ? MEMLAB_VMA_EXEC : 0) |
	       (perms[3] == 's' ? MEMLAB_VMA_SHARED : 0);
}

/* new_encode_dev(), undone as the uapi asks. */
static unsigned int dev_major(__u64 dev)
{
	return (dev & 0xfff00) >> 8;
}

static unsigned int dev_minor(__u64 dev)
{
	return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

/*
 * memlab's records and smaps for a process at rest.
 *
 * Pss depends on how many processes map each shared page (libc), and this
 * test is one of them: it faults in more of libc as it runs. So memlab is
 * read between two reads of smaps that are identical, after a first round
 * that only warms up.
 */
static void settled_read(struct __test_metadata *_metadata, int fd, pid_t pid, __u64 per_call,
			 struct kvma *k, int *nk, struct memlab_vma *m, long *nm)
{
	char *before = NULL, *after = NULL;
	size_t calls;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		free(before);
		free(after);
		before = read_pid_file(pid, "smaps");
		*nm = maps_all(fd, pid, per_call, m, MAX_VMAS, &calls);
		after = read_pid_file(pid, "smaps");
		ASSERT_NE(NULL, before);
		ASSERT_NE(NULL, after);
		ASSERT_LT(0, *nm) TH_LOG("MAPS: %s", strerror(errno));
		if (tries && !strcmp(before, after))
			break;
	}
	ASSERT_STREQ(before, after) TH_LOG("smaps never settled");
	if (per_call == 1)
		EXPECT_EQ(*nm, (long)calls) TH_LOG("vec_len 1: next was not 0 at the last record");
	*nk = parse_smaps(after, k, MAX_VMAS);
	free(before);
	free(after);
}

#define EXPECT_KB(kernel_kb, memlab_bytes)					\
	EXPECT_EQ(kernel_kb, (memlab_bytes) >> 10)				\
		TH_LOG("%lx-%lx %s %s: %s", k->start, k->end, k->perms, k->path, #kernel_kb)

/* One record's numbers against its smaps entry. */
static void expect_vma_equal(struct __test_metadata *_metadata, const struct kvma *k,
			     const struct memlab_vma *m)
{
	EXPECT_EQ(k->start, m->start);
	EXPECT_EQ(k->end, m->end) TH_LOG("mapping at %lx", k->start);
	EXPECT_KB(k->size, m->end - m->start);
	EXPECT_KB(k->rss, m->rss);
	EXPECT_KB(k->pss, m->pss);
	EXPECT_KB(k->anon, m->anon);
	EXPECT_KB(k->swap, m->swap);
	EXPECT_KB(k->anon_huge, m->anon_huge);
	EXPECT_KB(k->locked, m->locked);
	EXPECT_KB(k->referenced, m->referenced);
	EXPECT_KB(k->private_clean + k->private_dirty, m->uss);
	EXPECT_KB(k->shared_dirty + k->private_dirty, m->dirty);
	/* Every resident page is one of the three kinds. */
	EXPECT_EQ(m->rss, m->anon + m->file + m->shmem) TH_LOG("%lx %s", k->start, k->path);
	EXPECT_GT(MEMLAB_SEG_NR, m->segment);
}

static void expect_maps_equal_smaps(struct __test_metadata *_metadata, int fd, pid_t pid,
				    __u64 per_call)
{
	struct kvma *k = calloc(MAX_VMAS, sizeof(*k));
	struct memlab_vma *m = calloc(MAX_VMAS, sizeof(*m));
	int i, nk;
	long nm;

	ASSERT_NE(NULL, k);
	ASSERT_NE(NULL, m);
	settled_read(_metadata, fd, pid, per_call, k, &nk, m, &nm);
	EXPECT_EQ(nk, nm) TH_LOG("pid %d: smaps lists %d mappings, MAPS %ld", pid, nk, nm);
	for (i = 0; i < nk && i < nm; i++)
		expect_vma_equal(_metadata, &k[i], &m[i]);
	free(k);
	free(m);
}

/* --- workloads ------------------------------------------------------------- */

/* Run @setup in a new process that then stops; return its pid. */
static pid_t spawn_stopped(void (*setup)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		/* Never outlive a test that failed an ASSERT. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
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

	for (i = 0; i < len; i += PS)
		p[i] = (char)(i >> 12) | 1;
}

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void setup_nothing(void *arg)
{
	(void)arg;
}

static void setup_untouched(void *arg)
{
	(void)arg;
	map_anon(64 * MiB);
}

static void setup_touched(void *arg)
{
	char *p = map_anon(16 * MiB);

	(void)arg;
	if (p)
		touch(p, 16 * MiB);
}

/* Read-faulted anonymous memory maps the zero page: no Rss. */
static void setup_zero_page(void *arg)
{
	volatile char *p = map_anon(4 * MiB);
	size_t i;

	(void)arg;
	for (i = 0; p && i < 4 * MiB; i += PS)
		(void)p[i];
}

static void setup_private_file(void *arg)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	volatile char *p;
	off_t len, i;

	(void)arg;
	if (fd < 0)
		return;
	len = lseek(fd, 0, SEEK_END);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	for (i = 0; i < len; i += PS)
		(void)p[i];
	/* Copy-on-write: a file mapping with anonymous pages in it. */
	p[0] = 1;
}

static void setup_shared_anon(void *arg)
{
	char *p = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p != MAP_FAILED)
		touch(p, 6 * MiB);
}

static void setup_pageout(void *arg)
{
	char *p = map_anon(8 * MiB);

	(void)arg;
	if (!p)
		return;
	touch(p, 8 * MiB);
	madvise(p, 4 * MiB, MADV_PAGEOUT);
}

static void setup_thp(void *arg)
{
	size_t len = 4 * MiB, align = 2 * MiB;
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
	char *p = sbrk(4 * MiB);

	(void)arg;
	if (p != (void *)-1)
		touch(p, 4 * MiB);
}

static pthread_barrier_t threads_ready;

static void *thread_touch_and_wait(void *arg)
{
	char *p = map_anon(MiB);

	(void)arg;
	if (p)
		touch(p, MiB);
	pthread_barrier_wait(&threads_ready);
	for (;;)
		pause();
	return NULL;
}

/* Thread stacks and their guard pages are mappings too. */
static void setup_threads(void *arg)
{
	pthread_t t[3];
	int i;

	(void)arg;
	pthread_barrier_init(&threads_ready, NULL, 4);
	for (i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, thread_touch_and_wait, NULL);
	pthread_barrier_wait(&threads_ready);
}

/* --- every record against smaps ------------------------------------------------ */

#define WORKLOAD_TEST(name, setup)						\
TEST(name)									\
{										\
	int fd = open_memlab(_metadata);					\
	pid_t pid;								\
										\
	if (fd < 0)								\
		return;								\
	pid = spawn_stopped(setup, NULL);					\
	ASSERT_LT(0, pid);							\
	expect_maps_equal_smaps(_metadata, fd, pid, MAX_VMAS);			\
	reap(pid);								\
	close(fd);								\
}

WORKLOAD_TEST(plain_process_maps_match_smaps, setup_nothing)
WORKLOAD_TEST(untouched_anon_maps_match_smaps, setup_untouched)
WORKLOAD_TEST(touched_anon_maps_match_smaps, setup_touched)
WORKLOAD_TEST(zero_page_reads_maps_match_smaps, setup_zero_page)
WORKLOAD_TEST(private_file_with_cow_pages_maps_match_smaps, setup_private_file)
WORKLOAD_TEST(shared_anon_maps_match_smaps, setup_shared_anon)
WORKLOAD_TEST(half_swapped_out_maps_match_smaps, setup_pageout)
WORKLOAD_TEST(thp_maps_match_smaps, setup_thp)
WORKLOAD_TEST(mlocked_maps_match_smaps, setup_mlock)
WORKLOAD_TEST(brk_heap_maps_match_smaps, setup_brk)
WORKLOAD_TEST(thread_stacks_maps_match_smaps, setup_threads)

/* Copy-on-write: parent and child share pages until one of them writes. */
static pid_t *cow_child;

static void setup_cow(void *arg)
{
	char *p = map_anon(4 * MiB);
	pid_t child;

	(void)arg;
	if (!p)
		return;
	touch(p, 4 * MiB);
	child = fork();
	if (!child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		touch(p, 2 * MiB);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	waitpid(child, NULL, WUNTRACED);
	*cow_child = child;
}

TEST(forked_parent_and_child_maps_match_smaps)
{
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	cow_child = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cow_child);
	pid = spawn_stopped(setup_cow, NULL);
	ASSERT_LT(0, pid);
	ASSERT_LT(0, *cow_child);
	expect_maps_equal_smaps(_metadata, fd, pid, MAX_VMAS);
	expect_maps_equal_smaps(_metadata, fd, *cow_child, MAX_VMAS);
	reap(*cow_child);
	reap(pid);
	munmap(cow_child, PS);
	close(fd);
}

/* --- what the maps line says: perms, offset, device, inode ------------------ */

/* Mappings of every kind of identity: file at an offset, shmem, anon, PROT_NONE. */
static void setup_identity(void *arg)
{
	int fd = open("/proc/self/exe", O_RDONLY);

	(void)arg;
	if (fd >= 0) {
		mmap(NULL, 2 * PS, PROT_READ, MAP_PRIVATE, fd, PS);
		mmap(NULL, PS, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 2 * PS);
		close(fd);
	}
	mmap(NULL, 4 * PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mmap(NULL, 4 * PS, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mmap(NULL, 4 * PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mmap(NULL, 4 * PS, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* The /proc/PID/maps lines of the identity workload and memlab's records, paired. */
static int read_identity(struct __test_metadata *_metadata, int fd, struct kvma *k,
			 struct memlab_vma *m, pid_t *pid)
{
	size_t calls;
	long nm;
	int nk;

	*pid = spawn_stopped(setup_identity, NULL);
	ASSERT_LT(0, *pid);
	nk = read_smaps(*pid, "maps", k, MAX_VMAS);
	nm = maps_all(fd, *pid, MAX_VMAS, m, MAX_VMAS, &calls);
	ASSERT_LT(3, nk);
	ASSERT_EQ(nk, nm) TH_LOG("MAPS: %s", strerror(errno));
	return nk;
}

TEST(perms_match_proc_maps)
{
	struct kvma *k = calloc(MAX_VMAS, sizeof(*k));
	struct memlab_vma *m = calloc(MAX_VMAS, sizeof(*m));
	int fd = open_memlab(_metadata), n, i;
	pid_t pid;

	if (fd < 0)
		return;
	ASSERT_NE(NULL, k);
	ASSERT_NE(NULL, m);
	n = read_identity(_metadata, fd, k, m, &pid);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(k[i].start, m[i].start);
		EXPECT_EQ(prot_of(k[i].perms), m[i].prot)
			TH_LOG("%lx %s %s", k[i].start, k[i].perms, k[i].path);
	}
	reap(pid);
	free(k);
	free(m);
	close(fd);
}

TEST(file_offset_device_and_inode_match_proc_maps)
{
	struct kvma *k = calloc(MAX_VMAS, sizeof(*k));
	struct memlab_vma *m = calloc(MAX_VMAS, sizeof(*m));
	int fd = open_memlab(_metadata), n, i;
	pid_t pid;

	if (fd < 0)
		return;
	ASSERT_NE(NULL, k);
	ASSERT_NE(NULL, m);
	n = read_identity(_metadata, fd, k, m, &pid);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(k[i].start, m[i].start);
		EXPECT_EQ(k[i].pgoff, m[i].pgoff) TH_LOG("%lx %s", k[i].start, k[i].path);
		EXPECT_EQ(k[i].inode, m[i].inode) TH_LOG("%lx %s", k[i].start, k[i].path);
		EXPECT_EQ(k[i].major, dev_major(m[i].dev))
			TH_LOG("%lx %s: maps %02x:%02x, memlab dev %#llx", k[i].start, k[i].path,
			       k[i].major, k[i].minor, m[i].dev);
		EXPECT_EQ(k[i].minor, dev_minor(m[i].dev))
			TH_LOG("%lx %s: maps %02x:%02x, memlab dev %#llx", k[i].start, k[i].path,
			       k[i].major, k[i].minor, m[i].dev);
	}
	reap(pid);
	free(k);
	free(m);
	close(fd);
}

/* --- resumption and the vector --------------------------------------------- */

TEST(one_record_per_call_resumes_through_every_mapping)
{
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(setup_threads, NULL);
	ASSERT_LT(0, pid);
	/* vec_len 1: start = next until next is 0, checked against smaps. */
	expect_maps_equal_smaps(_metadata, fd, pid, 1);
	reap(pid);
	close(fd);
}

/* The mappings of @pid, from its maps file. */
static int kernel_vmas(struct __test_metadata *_metadata, pid_t pid, struct kvma *k)
{
	int n = read_smaps(pid, "maps", k, MAX_VMAS);

	ASSERT_LT(3, n) TH_LOG("maps of %d", pid);
	return n;
}

static void fill(void *p, size_t len)
{
	memset(p, 0xa5, len);
}

static int all_bytes(const void *p, size_t len, unsigned char byte)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != byte)
			return 0;
	return 1;
}

static int untouched(const void *p, size_t len)
{
	return all_bytes(p, len, 0xa5);
}

static int zeroed(const void *p, size_t len)
{
	return all_bytes(p, len, 0);
}

TEST(short_vec_stops_at_vec_len_and_says_where_to_resume)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg;
	struct kvma k[MAX_VMAS];
	int fd = open_memlab(_metadata), i;
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(setup_nothing, NULL);
	ASSERT_LT(0, pid);
	kernel_vmas(_metadata, pid, k);
	fill(vec, sizeof(vec));

	ASSERT_EQ(0, memlab_maps(fd, pid, 0, vec, 3, sizeof(vec[0]), &arg))
		TH_LOG("MAPS: %s", strerror(errno));
	EXPECT_EQ(3, arg.count);
	EXPECT_EQ(vec[2].end, arg.next);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(k[i].start, vec[i].start);
		EXPECT_EQ(k[i].end, vec[i].end);
	}
	EXPECT_TRUE(untouched(&vec[3], sizeof(vec[3]))) TH_LOG("wrote past vec_len");

	/* Resuming from there gives the fourth mapping. */
	ASSERT_EQ(0, memlab_maps(fd, pid, arg.next, vec, 1, sizeof(vec[0]), &arg));
	EXPECT_EQ(1, arg.count);
	EXPECT_EQ(k[3].start, vec[0].start);
	reap(pid);
	close(fd);
}

/* A child with one known anonymous mapping, its address in *anon_at. */
static unsigned long *anon_at;

static void setup_known_anon(void *arg)
{
	char *p = map_anon(16 * PS);

	(void)arg;
	if (!p)
		return;
	/* One VMA of small pages, whatever THP's default is. */
	madvise(p, 16 * PS, MADV_NOHUGEPAGE);
	touch(p, 16 * PS);
	*anon_at = (unsigned long)p;
}

static pid_t spawn_known_anon(struct __test_metadata *_metadata)
{
	pid_t pid;

	anon_at = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon_at);
	pid = spawn_stopped(setup_known_anon, NULL);
	ASSERT_LT(0, pid);
	ASSERT_NE(0, *anon_at);
	return pid;
}

static struct kvma *vma_containing(struct kvma *k, int n, unsigned long addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (k[i].start <= addr && addr < k[i].end)
			return &k[i];
	return NULL;
}

/* "The mappings that end after @start": the one @start is in comes first. */
TEST(start_inside_a_mapping_returns_that_mapping_first)
{
	struct kvma k[MAX_VMAS], *v, *next;
	struct memlab_vma vec[2];
	struct memlab_maps arg;
	int fd = open_memlab(_metadata), n;
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_known_anon(_metadata);
	n = kernel_vmas(_metadata, pid, k);
	v = vma_containing(k, n, *anon_at);
	ASSERT_NE(NULL, v);

	ASSERT_EQ(0, memlab_maps(fd, pid, *anon_at + 5 * PS + 123, vec, 1, sizeof(vec[0]), &arg));
	EXPECT_EQ(1, arg.count);
	EXPECT_EQ(v->start, vec[0].start);
	EXPECT_EQ(v->end, vec[0].end);

	ASSERT_EQ(0, memlab_maps(fd, pid, v->end - 1, vec, 1, sizeof(vec[0]), &arg));
	EXPECT_EQ(v->start, vec[0].start) TH_LOG("last byte of the mapping");

	/* A mapping that ends at @start does not end after it. */
	next = v + 1;
	ASSERT_GT(k + n, next);
	ASSERT_EQ(0, memlab_maps(fd, pid, v->end, vec, 1, sizeof(vec[0]), &arg));
	EXPECT_EQ(next->start, vec[0].start);
	reap(pid);
	munmap(anon_at, PS);
	close(fd);
}

TEST(start_above_every_mapping_returns_nothing)
{
	struct kvma k[MAX_VMAS];
	struct memlab_vma vec[2];
	struct memlab_maps arg;
	int fd = open_memlab(_metadata), n;
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(setup_nothing, NULL);
	ASSERT_LT(0, pid);
	n = kernel_vmas(_metadata, pid, k);
	fill(vec, sizeof(vec));
	ASSERT_EQ(0, memlab_maps(fd, pid, k[n - 1].end, vec, 2, sizeof(vec[0]), &arg))
		TH_LOG("MAPS: %s", strerror(errno));
	EXPECT_EQ(0, arg.count);
	EXPECT_EQ(0, arg.next);
	EXPECT_TRUE(untouched(vec, sizeof(vec)));
	reap(pid);
	close(fd);
}

/*
 * A newer caller's bigger records: written with its stride, and the bytes
 * this module does not know zeroed (Documentation/abi.rst), so that the
 * caller never reads its own garbage as a field.
 */
TEST(larger_vma_size_writes_with_that_stride)
{
	const size_t stride = sizeof(struct memlab_vma) + 24;
	struct kvma k[MAX_VMAS];
	struct memlab_maps arg;
	char *vec = malloc(MAX_VMAS * stride);
	int fd = open_memlab(_metadata), n, i;
	pid_t pid;

	if (fd < 0)
		return;
	ASSERT_NE(NULL, vec);
	pid = spawn_stopped(setup_nothing, NULL);
	ASSERT_LT(0, pid);
	n = kernel_vmas(_metadata, pid, k);
	fill(vec, MAX_VMAS * stride);
	ASSERT_EQ(0, memlab_maps(fd, pid, 0, vec, MAX_VMAS, stride, &arg))
		TH_LOG("MAPS: %s", strerror(errno));
	EXPECT_EQ(n, (long)arg.count);
	EXPECT_EQ(0, arg.next);
	for (i = 0; i < n && i < (int)arg.count; i++) {
		struct memlab_vma *m = (struct memlab_vma *)(vec + i * stride);

		EXPECT_EQ(k[i].start, m->start) TH_LOG("record %d", i);
		EXPECT_EQ(k[i].end, m->end) TH_LOG("record %d", i);
		EXPECT_EQ(prot_of(k[i].perms), m->prot) TH_LOG("record %d", i);
		EXPECT_TRUE(zeroed(m + 1, stride - sizeof(*m))) TH_LOG("tail of record %d", i);
	}
	EXPECT_TRUE(untouched(vec + n * stride, stride)) TH_LOG("wrote past the last record");
	reap(pid);
	free(vec);
	close(fd);
}

/* pid 0 is the caller: compared with our own maps, read before and after. */
TEST(pid_zero_is_the_caller)
{
	struct kvma before[MAX_VMAS], after[MAX_VMAS];
	struct memlab_vma *m = calloc(MAX_VMAS, sizeof(*m));
	int fd = open_memlab(_metadata), nb, na, i, tries, settled = 0;
	size_t calls;
	long nm = 0;

	if (fd < 0)
		return;
	ASSERT_NE(NULL, m);
	/* Our own heap moves as we read: between two reads that agree. */
	for (tries = 0; tries < 5 && !settled; tries++) {
		nb = read_smaps(getpid(), "maps", before, MAX_VMAS);
		nm = maps_all(fd, 0, MAX_VMAS, m, MAX_VMAS, &calls);
		na = read_smaps(getpid(), "maps", after, MAX_VMAS);
		ASSERT_LT(0, nm) TH_LOG("MAPS: %s", strerror(errno));
		settled = nb == na && !memcmp(before, after, na * sizeof(after[0]));
	}
	ASSERT_TRUE(settled) TH_LOG("our own maps never settled");
	EXPECT_EQ(na, nm);
	for (i = 0; i < na && i < nm; i++) {
		EXPECT_EQ(after[i].start, m[i].start);
		EXPECT_EQ(after[i].end, m[i].end);
		EXPECT_EQ(prot_of(after[i].perms), m[i].prot);
	}
	free(m);
	close(fd);
}

/* --- segment classes (Documentation/segments.rst) ---------------------------- */

struct seg_marks {
	unsigned long shm, anon;
};

static struct seg_marks *marks;

static void setup_segments(void *arg)
{
	char *heap = sbrk(MiB);
	char *shm = mmap(NULL, 4 * PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *anon = map_anon(4 * PS);

	(void)arg;
	if (heap != (void *)-1)
		touch(heap, MiB);
	if (shm != MAP_FAILED)
		touch(shm, 4 * PS);
	if (anon)
		touch(anon, 4 * PS);
	marks->shm = shm == MAP_FAILED ? 0 : (unsigned long)shm;
	marks->anon = (unsigned long)anon;
}

/* The kernel's mappings of a stopped child set up by setup_segments() and memlab's. */
struct seg_view {
	struct kvma k[MAX_VMAS];
	struct memlab_vma m[MAX_VMAS];
	int nk;
	long nm;
	pid_t pid;
};

static void seg_view_read(struct __test_metadata *_metadata, int fd, struct seg_view *s)
{
	size_t calls;

	marks = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, marks);
	s->pid = spawn_stopped(setup_segments, NULL);
	ASSERT_LT(0, s->pid);
	ASSERT_NE(0, marks->shm);
	ASSERT_NE(0, marks->anon);
	s->nk = kernel_vmas(_metadata, s->pid, s->k);
	s->nm = maps_all(fd, s->pid, MAX_VMAS, s->m, MAX_VMAS, &calls);
	ASSERT_EQ(s->nk, s->nm) TH_LOG("MAPS: %s", strerror(errno));
}

static void seg_view_done(struct seg_view *s)
{
	reap(s->pid);
	munmap(marks, PS);
}

/* memlab's record for the kernel's mapping that contains @addr. */
static const struct memlab_vma *record_at(struct __test_metadata *_metadata,
					  struct seg_view *s, unsigned long addr)
{
	struct kvma *v = vma_containing(s->k, s->nk, addr);
	long i;

	ASSERT_NE(NULL, v) TH_LOG("nothing mapped at %#lx", addr);
	for (i = 0; i < s->nm; i++)
		if (s->m[i].start == v->start && s->m[i].end == v->end)
			return &s->m[i];
	ASSERT_TRUE(0) TH_LOG("MAPS has no record for %lx-%lx", v->start, v->end);
	return NULL;
}

/* Every mapping whose maps path is @path (or starts with it, if @prefix) is @seg. */
static int expect_class_by_path(struct __test_metadata *_metadata, struct seg_view *s,
				const char *path, int prefix, int want_write, __u32 seg)
{
	int i, found = 0;

	for (i = 0; i < s->nk; i++) {
		struct kvma *v = &s->k[i];

		if (prefix ? strncmp(v->path, path, strlen(path)) : strcmp(v->path, path))
			continue;
		if (want_write >= 0 && (v->perms[1] == 'w') != want_write)
			continue;
		found++;
		EXPECT_EQ(seg, record_at(_metadata, s, v->start)->segment)
			TH_LOG("%lx-%lx %s %s", v->start, v->end, v->perms, v->path);
	}
	return found;
}

TEST(executable_code_is_text_and_its_data_is_data)
{
	struct seg_view *s = calloc(1, sizeof(*s));
	int fd = open_memlab(_metadata);
	struct kvma *text;

	if (fd < 0)
		return;
	ASSERT_NE(NULL, s);
	seg_view_read(_metadata, fd, s);
	/* This function's own code is in the executable's r-x mapping. */
	text = vma_containing(s->k, s->nk, (unsigned long)spawn_stopped);
	ASSERT_NE(NULL, text);
	ASSERT_STREQ("r-xp", text->perms);
	EXPECT_EQ(MEMLAB_SEG_TEXT, record_at(_metadata, s, text->start)->segment);
	EXPECT_EQ(MEMLAB_SEG_DATA, record_at(_metadata, s, (unsigned long)&data_marker)->segment);
	/* The read-only parts of the executable (headers, rodata) are text too. */
	EXPECT_LT(1, expect_class_by_path(_metadata, s, text->path, 0, 0, MEMLAB_SEG_TEXT));
	seg_view_done(s);
	free(s);
	close(fd);
}

TEST(libc_mappings_are_lib)
{
	struct seg_view *s = calloc(1, sizeof(*s));
	int fd = open_memlab(_metadata);
	struct kvma *libc;

	if (fd < 0)
		return;
	ASSERT_NE(NULL, s);
	seg_view_read(_metadata, fd, s);
	libc = vma_containing(s->k, s->nk, (unsigned long)getpid);
	ASSERT_NE(NULL, libc);
	ASSERT_NE(NULL, strstr(libc->path, "libc")) TH_LOG("getpid is in %s", libc->path);
	/* Its code, read-only data and data alike. */
	EXPECT_LT(2, expect_class_by_path(_metadata, s, libc->path, 0, -1, MEMLAB_SEG_LIB));
	seg_view_done(s);
	free(s);
	close(fd);
}

TEST(heap_stack_vdso_and_vvar_are_the_kernels_named_mappings)
{
	struct seg_view *s = calloc(1, sizeof(*s));
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	ASSERT_NE(NULL, s);
	seg_view_read(_metadata, fd, s);
	/* brk after fork may not merge (the anon_vma chain differs): two [heap]s. */
	EXPECT_LE(1, expect_class_by_path(_metadata, s, "[heap]", 0, -1, MEMLAB_SEG_HEAP));
	EXPECT_EQ(1, expect_class_by_path(_metadata, s, "[stack]", 0, -1, MEMLAB_SEG_STACK));
	EXPECT_EQ(1, expect_class_by_path(_metadata, s, "[vdso]", 0, -1, MEMLAB_SEG_VDSO));
	/* 6.12 has [vvar] and [vvar_vclock]. */
	EXPECT_LE(1, expect_class_by_path(_metadata, s, "[vvar", 1, -1, MEMLAB_SEG_VVAR));
	EXPECT_EQ(MEMLAB_SEG_VDSO, record_at(_metadata, s, getauxval(AT_SYSINFO_EHDR))->segment);
	seg_view_done(s);
	free(s);
	close(fd);
}

TEST(shared_anon_is_shm_and_private_anon_is_anon)
{
	struct seg_view *s = calloc(1, sizeof(*s));
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	ASSERT_NE(NULL, s);
	seg_view_read(_metadata, fd, s);
	EXPECT_EQ(MEMLAB_SEG_SHM, record_at(_metadata, s, marks->shm)->segment);
	EXPECT_EQ(MEMLAB_SEG_ANON, record_at(_metadata, s, marks->anon)->segment);
	EXPECT_TRUE(record_at(_metadata, s, marks->shm)->prot & MEMLAB_VMA_SHARED);
	EXPECT_FALSE(record_at(_metadata, s, marks->anon)->prot & MEMLAB_VMA_SHARED);
	seg_view_done(s);
	free(s);
	close(fd);
}

/* --- privilege (SPEC section 7) ------------------------------------------------ */

struct unpriv_result {
	int self_ret, self_errno, other_ret, other_errno;
	__u64 self_count, self_first_start;
	unsigned long first_start;	/* from the child's own maps */
};

/* As nobody: read our own mappings, then try our parent's. */
static void unprivileged_maps(struct unpriv_result *r)
{
	struct memlab_vma vec[MAX_VMAS];
	struct memlab_maps arg = {};
	struct kvma k[4];
	int fd;

	if (setgid(NOBODY) || setuid(NOBODY))
		_exit(2);
	/* setuid() made us non-dumpable; our own /proc files need it back. */
	prctl(PR_SET_DUMPABLE, 1);
	fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(3);
	vec[0].start = 0;
	r->self_ret = memlab_maps(fd, 0, 0, vec, MAX_VMAS, sizeof(vec[0]), &arg);
	r->self_errno = errno;
	r->self_count = arg.count;
	r->self_first_start = vec[0].start;
	if (read_smaps(getpid(), "maps", k, 4) > 0)
		r->first_start = k[0].start;
	r->other_ret = memlab_maps(fd, getppid(), 0, vec, MAX_VMAS, sizeof(vec[0]), NULL);
	r->other_errno = errno;
	_exit(0);
}

TEST(unprivileged_caller_reads_only_itself)
{
	struct unpriv_result *r;
	int fd = open_memlab(_metadata), status;
	pid_t pid;

	if (fd < 0)
		return;
	if (geteuid())
		SKIP(return, "needs root to become another user");
	r = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		unprivileged_maps(r);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child could not drop privileges");

	EXPECT_EQ(0, r->self_ret) TH_LOG("own mappings: %s", strerror(r->self_errno));
	EXPECT_LT(3, r->self_count);
	EXPECT_EQ(r->first_start, r->self_first_start);
	EXPECT_EQ(-1, r->other_ret);
	EXPECT_EQ(EPERM, r->other_errno) TH_LOG("another user's process: %s",
						strerror(r->other_errno));
	munmap(r, PS);
	close(fd);
}

/* --- bad input ------------------------------------------------------------------ */

static int maps_errno(int fd, struct memlab_maps *arg)
{
	errno = 0;
	return ioctl(fd, MEMLAB_IOC_MAPS, arg) == -1 ? errno : 0;
}

/* A valid request for our own mappings, to spoil one field of. */
static struct memlab_maps good_request(struct memlab_vma *vec, __u64 vec_len)
{
	struct memlab_maps arg = {
		.size = sizeof(arg), .vma_size = sizeof(*vec),
		.vec = (uintptr_t)vec, .vec_len = vec_len,
	};

	return arg;
}

TEST(good_request_is_accepted)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg = good_request(vec, 4);
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	/* The bad-input tests below spoil one field of this request. */
	EXPECT_EQ(0, maps_errno(fd, &arg));
	EXPECT_EQ(4, arg.count);
	close(fd);
}

TEST(unknown_flags_are_einval)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg = good_request(vec, 4);
	int fd = open_memlab(_metadata), bit;

	if (fd < 0)
		return;
	for (bit = 0; bit < 64; bit++) {
		arg.flags = 1ULL << bit;
		EXPECT_EQ(EINVAL, maps_errno(fd, &arg)) TH_LOG("flag bit %d", bit);
	}
	close(fd);
}

TEST(size_below_the_first_version_is_einval)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg = good_request(vec, 4);
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	arg.size = MEMLAB_MAPS_SIZE_VER0 - 8;
	EXPECT_EQ(EINVAL, maps_errno(fd, &arg));
	close(fd);
}

TEST(vma_size_below_the_first_version_is_einval)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg = good_request(vec, 4);
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	arg.vma_size = MEMLAB_VMA_SIZE_VER0 - 8;
	EXPECT_EQ(EINVAL, maps_errno(fd, &arg));
	arg.vma_size = 0;
	EXPECT_EQ(EINVAL, maps_errno(fd, &arg));
	close(fd);
}

TEST(empty_vec_is_einval)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg = good_request(vec, 0);
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	EXPECT_EQ(EINVAL, maps_errno(fd, &arg));
	close(fd);
}

TEST(unwritable_vec_is_efault)
{
	struct memlab_maps arg = good_request(NULL, 4);
	int fd = open_memlab(_metadata);
	void *ro;

	if (fd < 0)
		return;
	EXPECT_EQ(EFAULT, maps_errno(fd, &arg)) TH_LOG("vec NULL");
	ro = mmap(NULL, PS, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	arg.vec = (uintptr_t)ro;
	EXPECT_EQ(EFAULT, maps_errno(fd, &arg)) TH_LOG("vec read-only");
	arg.vec = 0xffff888000000000ULL;
	EXPECT_EQ(EFAULT, maps_errno(fd, &arg)) TH_LOG("vec in the kernel");
	munmap(ro, PS);
	close(fd);
}

TEST(no_such_pid_is_esrch)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg = good_request(vec, 4);
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	arg.pid = 0x3ffffff;
	EXPECT_EQ(ESRCH, maps_errno(fd, &arg));
	arg.pid = (__u32)-5;
	EXPECT_EQ(ESRCH, maps_errno(fd, &arg));
	close(fd);
}

TEST(kernel_thread_is_einval)
{
	struct memlab_vma vec[4];
	struct memlab_maps arg = good_request(vec, 4);
	int fd = open_memlab(_metadata);

	if (fd < 0)
		return;
	arg.pid = 2;	/* kthreadd */
	EXPECT_EQ(EINVAL, maps_errno(fd, &arg));
	close(fd);
}

TEST_HARNESS_MAIN
