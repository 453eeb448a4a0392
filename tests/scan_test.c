// SPDX-License-Identifier: GPL-2.0
/*
 * MEMLAB_IOC_SCAN against the kernel's own per-page view. For each
 * workload a process sets its memory up and stops itself (SIGSTOP); the
 * regions memlab returns must be exactly the regions a correct
 * PAGEMAP_SCAN-style walk makes of /proc/PID/pagemap (read as root), with
 * the masks applied as include/uapi/linux/memlab.h says. Categories that
 * pagemap has no bit for are checked against /proc/kpageflags (zero page),
 * /proc/kpagecount (shared) and /proc/PID/smaps (huge, dirty).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

#define PS		4096UL		/* x86_64 only (SPEC section 1) */
#define MiB		(1UL << 20)
#define GiB		(1UL << 30)
#define NOBODY		65534
#define MAX_VMAS	1024
#define VEC_LEN		8192

/* What /proc/PID/pagemap can tell: the categories compared exactly. */
#define PAGEMAP_CATS	(MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_SWAPPED | MEMLAB_PAGE_FILE | \
			 MEMLAB_PAGE_EXCLUSIVE | MEMLAB_PAGE_SOFT_DIRTY | MEMLAB_PAGE_UFFD_WP)

/* The top of the 47-bit user address space, valid with 4 and 5 levels. */
#define USER_TOP	((1UL << 47) - PS)

#define KPF_ZERO_PAGE	24	/* include/uapi/linux/kernel-page-flags.h */
#define PM_PFN_MASK	((1ULL << 55) - 1)

/* --- memlab ------------------------------------------------------------- */

/* /dev/memlab with SCAN, or -1 after a SKIP when it is not there yet. */
static int open_memlab(struct __test_metadata *_metadata)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	int fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP(return -1, "memlab is not loaded");
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", MEMLAB_DEVICE, strerror(errno));
	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, &ver));
	if (!(ver.features & MEMLAB_FEAT_SCAN)) {
		close(fd);
		SKIP(return -1, "this memlab has no SCAN (features %#llx)", ver.features);
	}
	return fd;
}

/* A scan request, without the output vector. */
struct query {
	__u64 start, end, max_pages;
	__u64 inverted, mask, anyof, ret;
};

static struct memlab_scan scan_arg(pid_t pid, const struct query *q,
				   struct memlab_scan_region *vec, __u64 vec_len)
{
	struct memlab_scan arg = {
		.size = sizeof(arg), .pid = pid, .start = q->start, .end = q->end,
		.vec = (uintptr_t)vec, .vec_len = vec_len, .max_pages = q->max_pages,
		.category_inverted = q->inverted, .category_mask = q->mask,
		.category_anyof_mask = q->anyof, .return_mask = q->ret,
	};

	return arg;
}

/* Returns the ioctl's value (regions written) or -1; *@walk_end is set. */
static long memlab_scan(int fd, pid_t pid, const struct query *q,
			struct memlab_scan_region *vec, __u64 vec_len, __u64 *walk_end)
{
	struct memlab_scan arg = scan_arg(pid, q, vec, vec_len);
	long ret = ioctl(fd, MEMLAB_IOC_SCAN, &arg);

	*walk_end = arg.walk_end;
	return ret;
}

/* --- regions -------------------------------------------------------------- */

struct regions {
	struct memlab_scan_region *r;
	size_t n, cap;
	__u64 walk_end;
};

/* Append, merging with the last region as the uapi says. */
static int push_range(struct regions *rs, __u64 start, __u64 end, __u64 cat)
{
	struct memlab_scan_region *last = rs->n ? &rs->r[rs->n - 1] : NULL;

	if (last && last->end == start && last->categories == cat) {
		last->end = end;
		return 0;
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 64;
		void *r = realloc(rs->r, cap * sizeof(*rs->r));

		if (!r)
			return -1;
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n++] = (struct memlab_scan_region){ start, end, cat };
	return 0;
}

static void regions_free(struct regions *rs)
{
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

static int regions_equal(const struct regions *a, const struct regions *b)
{
	return a->n == b->n && !memcmp(a->r, b->r, a->n * sizeof(*a->r));
}

/* The first @max_pages pages of @rs: the walk cut by max_pages. */
static void cut_pages(struct regions *rs, __u64 max_pages)
{
	size_t i;

	for (i = 0; i < rs->n && max_pages; i++) {
		__u64 pages = (rs->r[i].end - rs->r[i].start) / PS;

		if (pages > max_pages)
			rs->r[i].end = rs->r[i].start + max_pages * PS;
		max_pages -= pages < max_pages ? pages : max_pages;
	}
	rs->n = i;
}

static __u64 pages_in(const struct regions *rs)
{
	__u64 pages = 0;
	size_t i;

	for (i = 0; i < rs->n; i++)
		pages += (rs->r[i].end - rs->r[i].start) / PS;
	return pages;
}

/* --- the kernel's view: maps, pagemap, kpageflags, kpagecount ------------------ */

struct span {
	unsigned long start, end;
};

/* The mappings of @pid; [vsyscall] is shown but is not a VMA of the mm. */
static int read_vmas(pid_t pid, struct span *v, int max)
{
	char path[64], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vsyscall]"))
			continue;
		if (sscanf(line, "%lx-%lx", &v[n].start, &v[n].end) == 2)
			n++;
	}
	fclose(f);
	return n;
}

/* Categories beyond pagemap's bits, from /proc/kpage*: root only. */
#define EXTRA_ZERO	(1 << 0)	/* kpageflags KPF_ZERO_PAGE */
#define EXTRA_SHARED	(1 << 1)	/* kpagecount > 1 */

static __u64 kpage_word(const char *file, __u64 pfn)
{
	__u64 word = 0;
	int fd = open(file, O_RDONLY);

	if (fd >= 0 && pread(fd, &word, 8, pfn * 8) != 8)
		word = 0;
	if (fd >= 0)
		close(fd);
	return word;
}

static __u64 categories_of(__u64 pme, int extras)
{
	__u64 c = 0;

	if (pme & (1ULL << 63))
		c |= MEMLAB_PAGE_PRESENT;
	if (pme & (1ULL << 62))
		c |= MEMLAB_PAGE_SWAPPED;
	if (pme & (1ULL << 61))
		c |= MEMLAB_PAGE_FILE;
	if (pme & (1ULL << 57))
		c |= MEMLAB_PAGE_UFFD_WP;
	if (pme & (1ULL << 56))
		c |= MEMLAB_PAGE_EXCLUSIVE;
	if (pme & (1ULL << 55))
		c |= MEMLAB_PAGE_SOFT_DIRTY;
	if (!(c & MEMLAB_PAGE_PRESENT) || !extras)
		return c;
	if ((extras & EXTRA_ZERO) &&
	    (kpage_word("/proc/kpageflags", pme & PM_PFN_MASK) >> KPF_ZERO_PAGE & 1))
		c |= MEMLAB_PAGE_ZERO;
	if ((extras & EXTRA_SHARED) && kpage_word("/proc/kpagecount", pme & PM_PFN_MASK) > 1)
		c |= MEMLAB_PAGE_SHARED;
	return c;
}

/* The uapi's rule: XOR with inverted, all of mask, one of anyof (if any). */
static int matches(__u64 c, const struct query *q)
{
	c ^= q->inverted;
	return (c & q->mask) == q->mask && (!q->anyof || (c & q->anyof));
}

/* The pages of [start, end) of one mapping that @q reports, into @rs. */
static int derive_span(int pagemap, unsigned long start, unsigned long end,
		       const struct query *q, int extras, struct regions *rs)
{
	static __u64 pme[4096];
	unsigned long addr = start;

	while (addr < end) {
		size_t want = (end - addr) / PS, i;
		ssize_t got;

		if (want > 4096)
			want = 4096;
		got = pread(pagemap, pme, want * 8, addr / PS * 8);
		if (got != (ssize_t)(want * 8))
			return -1;
		for (i = 0; i < want; i++, addr += PS) {
			__u64 c = categories_of(pme[i], extras);

			if (matches(c, q) && push_range(rs, addr, addr + PS, c & q->ret))
				return -1;
		}
	}
	return 0;
}

/* The regions a correct SCAN of @pid returns for @q, from pagemap. */
static int derive(pid_t pid, const struct query *q, int extras, struct regions *rs)
{
	struct span *v = calloc(MAX_VMAS, sizeof(*v));
	char path[64];
	int i, n, fd, ret = -1;

	regions_free(rs);
	n = read_vmas(pid, v, MAX_VMAS);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	for (i = 0; fd >= 0 && i < n; i++) {
		unsigned long s = v[i].start > q->start ? v[i].start : q->start;
		unsigned long e = v[i].end < q->end ? v[i].end : q->end;

		if (s < e && derive_span(fd, s, e, q, extras, rs))
			break;
	}
	if (fd >= 0 && n > 0 && i == n)
		ret = 0;
	if (fd >= 0)
		close(fd);
	free(v);
	if (q->max_pages)
		cut_pages(rs, q->max_pages);
	return ret;
}

/* --- memlab against the kernel ------------------------------------------------ */

static void fill(void *p, size_t len)
{
	memset(p, 0xa5, len);
}

static int untouched(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != 0xa5)
			return 0;
	return 1;
}

/* One call with room for every region: its regions into @got. */
static void scan_once(struct __test_metadata *_metadata, int fd, pid_t pid,
		      const struct query *q, struct regions *got)
{
	struct memlab_scan_region *vec = malloc((VEC_LEN + 1) * sizeof(*vec));
	__u64 walk_end;
	long n, i;

	ASSERT_NE(NULL, vec);
	fill(vec, (VEC_LEN + 1) * sizeof(*vec));
	n = memlab_scan(fd, pid, q, vec, VEC_LEN, &walk_end);
	ASSERT_LE(0, n) TH_LOG("SCAN: %s", strerror(errno));
	ASSERT_GT(VEC_LEN, n) TH_LOG("the test's vector is too small");
	/* The return value is the number of regions written: no more. */
	EXPECT_TRUE(untouched(&vec[n], sizeof(*vec))) TH_LOG("region written past %ld", n);
	regions_free(got);
	got->walk_end = walk_end;
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, push_range(got, vec[i].start, vec[i].end, vec[i].categories));
	/* Adjacent regions with equal categories are one region. */
	EXPECT_EQ(n, (long)got->n) TH_LOG("SCAN returned mergeable neighbours");
	free(vec);
}

/*
 * vec_len 1, resuming from walk_end until it is @q->end; a region cut at
 * a call boundary is merged back by push_range().
 */
static void scan_one_by_one(struct __test_metadata *_metadata, int fd, pid_t pid,
			    const struct query *q, struct regions *got)
{
	struct memlab_scan_region vec[2];
	struct query step = *q;
	long n, calls;

	regions_free(got);
	for (calls = 0; step.start < q->end; calls++) {
		ASSERT_GT(100000, calls) TH_LOG("no progress at %llx", step.start);
		fill(vec, sizeof(vec));
		n = memlab_scan(fd, pid, &step, vec, 1, &got->walk_end);
		ASSERT_LE(0, n) TH_LOG("SCAN from %llx: %s", step.start, strerror(errno));
		ASSERT_GE(1, n);
		EXPECT_TRUE(untouched(&vec[1], sizeof(vec[1])));
		ASSERT_LE(got->walk_end, q->end);
		if (!n) {
			/* An empty vector did not stop the walk: the end did. */
			ASSERT_EQ(q->end, got->walk_end);
			break;
		}
		ASSERT_LE(step.start, vec[0].start);
		ASSERT_LE(vec[0].end, got->walk_end) TH_LOG("walk_end inside its own region");
		ASSERT_EQ(0, push_range(got, vec[0].start, vec[0].end, vec[0].categories));
		step.start = got->walk_end;
	}
}

static void log_regions(struct __test_metadata *_metadata, const char *what,
			const struct regions *rs, size_t from)
{
	size_t i;

	for (i = from; i < rs->n && i < from + 4; i++)
		TH_LOG("%s[%zu] = %llx-%llx %#llx", what, i, rs->r[i].start, rs->r[i].end,
		       rs->r[i].categories);
}

static void expect_regions_equal(struct __test_metadata *_metadata,
				 const struct regions *want, const struct regions *got)
{
	size_t i;

	EXPECT_EQ(want->n, got->n) TH_LOG("pagemap gives %zu regions, SCAN %zu", want->n, got->n);
	for (i = 0; i < want->n && i < got->n; i++)
		if (memcmp(&want->r[i], &got->r[i], sizeof(want->r[i])))
			break;
	EXPECT_EQ(i, want->n < got->n ? want->n : got->n) {
		log_regions(_metadata, "pagemap", want, i);
		log_regions(_metadata, "memlab", got, i);
	}
}

typedef void (*scan_fn)(struct __test_metadata *, int, pid_t, const struct query *,
			struct regions *);

/*
 * memlab's regions for @q, read between two derivations from pagemap that
 * agree (after a first round that only warms up): mappings of libc change
 * their exclusive bit as this test itself faults libc in.
 */
static void settled_scan(struct __test_metadata *_metadata, int fd, pid_t pid,
			 const struct query *q, int extras, scan_fn scan,
			 struct regions *want, struct regions *got)
{
	struct regions before = {};
	int tries, settled = 0;

	for (tries = 0; tries < 5 && !settled; tries++) {
		ASSERT_EQ(0, derive(pid, q, extras, &before)) TH_LOG("pagemap of %d", pid);
		scan(_metadata, fd, pid, q, got);
		ASSERT_EQ(0, derive(pid, q, extras, want));
		settled = tries && regions_equal(&before, want);
	}
	ASSERT_TRUE(settled) TH_LOG("pagemap never settled");
	regions_free(&before);
}

/* The whole check: memlab's regions are the kernel's, and the walk reached the end. */
static void expect_scan_matches_pagemap(struct __test_metadata *_metadata, int fd, pid_t pid,
					const struct query *q, int extras, struct regions *want)
{
	struct regions got = {};

	settled_scan(_metadata, fd, pid, q, extras, scan_once, want, &got);
	expect_regions_equal(_metadata, want, &got);
	EXPECT_EQ(q->end, got.walk_end);
	regions_free(&got);
}

/* --- workloads -------------------------------------------------------------- */

/* Where a workload put its memory, written by the stopped child. */
struct layout {
	unsigned long addr, len;	/* the mapping under test */
	unsigned long addr2, len2;	/* a second one, where there is one */
	pid_t child;			/* a forked child, where there is one */
};

static struct layout *lay;

/* Run @setup in a new process that then stops; return its pid. */
static pid_t spawn_stopped(struct __test_metadata *_metadata, void (*setup)(void))
{
	int status;
	pid_t pid;

	lay = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, lay);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Never outlive a test that failed an ASSERT. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setup();
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_NE(0, lay->addr) TH_LOG("the workload could not map its memory");
	return pid;
}

static void reap(pid_t pid)
{
	if (lay && lay->child > 0) {
		kill(lay->child, SIGKILL);
		waitpid(lay->child, NULL, 0);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(lay, PS);
	lay = NULL;
}

static void write_pages(char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		p[i * PS] = (char)i | 1;
}

static void read_pages(char *p, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		(void)((volatile char *)p)[i * PS];
}

/* Small pages only: THP (always, on Debian) would change the layout. */
static char *map_small(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE))
		return NULL;
	return p;
}

/* 64 pages: every other one of the first 16 written, and 32..47. */
static void setup_pattern(void)
{
	char *p = map_small(64 * PS);
	size_t i;

	if (!p)
		return;
	for (i = 0; i < 16; i += 2)
		write_pages(p, i, i + 1);
	write_pages(p, 32, 48);
	lay->addr = (unsigned long)p;
	lay->len = 64 * PS;
}

/* 64 pages: 0..47 written, then 16..31 pushed out to swap. */
static void setup_pageout(void)
{
	char *p = map_small(64 * PS);

	if (!p)
		return;
	write_pages(p, 0, 48);
	madvise(p + 16 * PS, 16 * PS, MADV_PAGEOUT);
	lay->addr = (unsigned long)p;
	lay->len = 64 * PS;
}

/* 1 GiB, mostly untouched: one page in a hundred written. */
static void setup_sparse(void)
{
	char *p = map_small(GiB);
	size_t i;

	if (!p)
		return;
	for (i = 0; i < GiB / PS; i += 100)
		write_pages(p, i, i + 1);
	lay->addr = (unsigned long)p;
	lay->len = GiB;
}

/* A mapping that is exactly 4 MiB of THP, and 16 small pages. */
static void setup_thp(void)
{
	size_t len = 4 * MiB, align = 2 * MiB;
	char *raw = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p, *small = map_small(16 * PS);

	if (raw == MAP_FAILED || !small)
		return;
	p = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + align - p);
	madvise(p, len, MADV_HUGEPAGE);
	write_pages(p, 0, len / PS);
	write_pages(small, 0, 16);
	lay->addr = (unsigned long)p;
	lay->len = len;
	lay->addr2 = (unsigned long)small;
	lay->len2 = 16 * PS;
}

/* 32 pages: 0..15 only read (the zero page), 16..31 written. */
static void setup_zero(void)
{
	char *p = map_small(32 * PS);

	if (!p)
		return;
	read_pages(p, 0, 16);
	write_pages(p, 16, 32);
	lay->addr = (unsigned long)p;
	lay->len = 32 * PS;
}

/* 32 written pages shared with a child by fork; the child writes 0..15. */
static void setup_fork(void)
{
	char *p = map_small(32 * PS);
	pid_t child;

	if (!p)
		return;
	write_pages(p, 0, 32);
	child = fork();
	if (!child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		write_pages(p, 0, 16);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	if (child < 0 || waitpid(child, NULL, WUNTRACED) != child)
		return;
	lay->child = child;
	lay->addr = (unsigned long)p;
	lay->len = 32 * PS;
}

/* 32 pages: 0..7 written, 8..15 read; and a private file mapping read through. */
static void setup_dirty(void)
{
	char *p = map_small(32 * PS);
	int fd = open("/proc/self/exe", O_RDONLY);
	off_t len = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
	char *file = len > 0 ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;

	if (fd >= 0)
		close(fd);
	if (!p || file == MAP_FAILED)
		return;
	write_pages(p, 0, 8);
	read_pages(p, 8, 16);
	read_pages(file, 0, (len + PS - 1) / PS);
	lay->addr = (unsigned long)p;
	lay->len = 32 * PS;
	lay->addr2 = (unsigned long)file;
	lay->len2 = (len + PS - 1) & ~(PS - 1);
}

static struct query over_mapping(__u64 mask)
{
	struct query q = {
		.start = lay->addr, .end = lay->addr + lay->len,
		.mask = mask, .ret = PAGEMAP_CATS,
	};

	return q;
}

/* --- exact comparisons with pagemap ----------------------------------------------- */

TEST(present_pages_of_a_partly_touched_mapping_match_pagemap)
{
	struct regions want = {};
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pattern);
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	/* The kernel agrees the workload is what it says: 8 single pages and 16. */
	EXPECT_EQ(9, want.n);
	EXPECT_EQ(24, pages_in(&want));
	regions_free(&want);
	reap(pid);
	close(fd);
}

TEST(not_present_pages_match_pagemap)
{
	struct regions want = {};
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pattern);
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	q.inverted = MEMLAB_PAGE_PRESENT;
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	EXPECT_EQ(40, pages_in(&want));
	regions_free(&want);
	reap(pid);
	close(fd);
}

TEST(swapped_pages_match_pagemap)
{
	struct regions want = {};
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pageout);
	q = over_mapping(MEMLAB_PAGE_SWAPPED);
	ASSERT_EQ(0, derive(pid, &q, 0, &want));
	if (!want.n) {
		reap(pid);
		close(fd);
		SKIP(return, "MADV_PAGEOUT swapped nothing out: no swap?");
	}
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	EXPECT_LT(0, pages_in(&want));
	regions_free(&want);
	reap(pid);
	close(fd);
}

TEST(present_or_swapped_pages_match_pagemap)
{
	struct regions want = {};
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pageout);
	q = over_mapping(0);
	q.anyof = MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_SWAPPED;
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	/* 0..47 are in memory or in swap; 48..63 were never touched. */
	EXPECT_EQ(48, pages_in(&want));
	regions_free(&want);
	reap(pid);
	close(fd);
}

/* From 0 to the top of user space: holes, libraries, stack, vdso, vvar. */
TEST(present_pages_of_the_whole_address_space_match_pagemap)
{
	struct query q = { .start = 0, .end = USER_TOP, .mask = MEMLAB_PAGE_PRESENT,
			   .ret = PAGEMAP_CATS };
	struct regions want = {};
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pattern);
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	EXPECT_LT(9, want.n);
	regions_free(&want);
	reap(pid);
	close(fd);
}

TEST(one_page_in_a_hundred_of_a_sparse_gigabyte)
{
	struct regions want = {};
	struct query q;
	int fd = open_memlab(_metadata);
	size_t i;
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_sparse);
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	/* Each written page is a region of its own, and nothing else is. */
	EXPECT_EQ((GiB / PS + 99) / 100, want.n);
	for (i = 0; i < want.n; i++)
		if (want.r[i].start != lay->addr + i * 100 * PS ||
		    want.r[i].end != want.r[i].start + PS)
			break;
	EXPECT_EQ(want.n, i) TH_LOG("pagemap region %zu is not written page %zu", i, i * 100);
	regions_free(&want);
	reap(pid);
	close(fd);
}

/* --- the walk's limits and resumption ------------------------------------------ */

TEST(one_region_per_call_resumes_to_the_same_regions)
{
	struct query q = { .start = 0, .end = USER_TOP, .mask = MEMLAB_PAGE_PRESENT,
			   .ret = PAGEMAP_CATS };
	struct regions want = {}, got = {};
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pattern);
	settled_scan(_metadata, fd, pid, &q, 0, scan_one_by_one, &want, &got);
	expect_regions_equal(_metadata, &want, &got);
	regions_free(&want);
	regions_free(&got);
	reap(pid);
	close(fd);
}

/* A full vector stops the walk between its last region and the next one. */
TEST(full_vec_stops_the_walk_after_its_last_region)
{
	struct memlab_scan_region vec[5];
	struct regions want = {};
	struct query q;
	int fd = open_memlab(_metadata), i;
	__u64 walk_end;
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pattern);
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	ASSERT_EQ(0, derive(pid, &q, 0, &want));
	ASSERT_EQ(9, want.n);
	fill(vec, sizeof(vec));
	ASSERT_EQ(4, memlab_scan(fd, pid, &q, vec, 4, &walk_end))
		TH_LOG("SCAN: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, memcmp(&want.r[i], &vec[i], sizeof(vec[i]))) TH_LOG("region %d", i);
	EXPECT_TRUE(untouched(&vec[4], sizeof(vec[4])));
	EXPECT_LE(want.r[3].end, walk_end);
	EXPECT_GE(want.r[4].start, walk_end);
	regions_free(&want);
	reap(pid);
	close(fd);
}

static void expect_max_pages(struct __test_metadata *_metadata, int fd, pid_t pid,
			     struct query *q, size_t want_regions)
{
	struct regions want = {}, got = {};

	q->max_pages = 3;
	settled_scan(_metadata, fd, pid, q, 0, scan_once, &want, &got);
	expect_regions_equal(_metadata, &want, &got);
	EXPECT_EQ(3, pages_in(&got));
	EXPECT_EQ(want_regions, got.n);
	/* Right after the last page reported. */
	if (got.n)
		EXPECT_EQ(got.r[got.n - 1].end, got.walk_end);
	regions_free(&want);
	regions_free(&got);
}

TEST(max_pages_cuts_the_walk_after_that_many_pages)
{
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pattern);
	/* Pages 0, 2 and 4: three regions of one page. */
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	expect_max_pages(_metadata, fd, pid, &q, 3);
	/* Pages 32..34: the 16-page region is cut after three. */
	q.start = lay->addr + 32 * PS;
	expect_max_pages(_metadata, fd, pid, &q, 1);
	reap(pid);
	close(fd);
}

TEST(empty_range_reports_nothing)
{
	struct memlab_scan_region vec[2];
	struct query q;
	int fd = open_memlab(_metadata);
	__u64 walk_end;
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_pattern);
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	q.end = q.start;
	fill(vec, sizeof(vec));
	EXPECT_EQ(0, memlab_scan(fd, pid, &q, vec, 2, &walk_end)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(q.end, walk_end);
	EXPECT_TRUE(untouched(vec, sizeof(vec)));
	reap(pid);
	close(fd);
}

/* --- categories pagemap has no bit for --------------------------------------------- */

/* Field @key ("Name:") of the smaps entry of the mapping that starts at @start. */
static long smaps_field_of(pid_t pid, unsigned long start, const char *key)
{
	char path[64], line[512];
	unsigned long s, e, value;
	int in_it = 0;
	long found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') < strchr(line, ':'))
			in_it = s == start;
		else if (in_it && !strncmp(line, key, strlen(key)) &&
			 sscanf(line + strlen(key), " %lu", &value) == 1)
			found = value;
	}
	fclose(f);
	return found;
}

static void add_categories(struct regions *rs, __u64 c)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rs->r[i].categories |= c;
}

TEST(pmd_mapped_thp_pages_are_huge_and_small_pages_are_not)
{
	struct regions want = {}, got = {};
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_thp);
	if (smaps_field_of(pid, lay->addr, "AnonHugePages:") != (long)(lay->len >> 10)) {
		reap(pid);
		close(fd);
		SKIP(return, "no THP for the 4 MiB mapping");
	}
	/* smaps says every page of the mapping is PMD-mapped: all HUGE. */
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	q.ret = PAGEMAP_CATS | MEMLAB_PAGE_HUGE;
	settled_scan(_metadata, fd, pid, &q, 0, scan_once, &want, &got);
	add_categories(&want, MEMLAB_PAGE_HUGE);
	expect_regions_equal(_metadata, &want, &got);
	EXPECT_EQ(lay->len / PS, pages_in(&want));

	/* The small pages: present, never HUGE. */
	q.start = lay->addr2;
	q.end = lay->addr2 + lay->len2;
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	EXPECT_EQ(16, pages_in(&want));
	regions_free(&want);
	regions_free(&got);
	reap(pid);
	close(fd);
}

/* 4 MiB of hugetlb memory, its first 2 MiB page written. */
static void setup_hugetlb(void)
{
	size_t len = 4 * MiB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED)
		return;
	memset(p, 'h', 2 * MiB);
	lay->addr = (unsigned long)p;
	lay->len = len;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", v) > 0 ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define FREE_HUGEPAGES	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

/* A hugetlb page is walked like pagemap walks it, and is HUGE. */
TEST(hugetlb_pages_match_pagemap_and_are_huge)
{
	struct regions want = {}, got = {};
	long old = read_long(NR_HUGEPAGES);
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	if (old < 0 || write_long(NR_HUGEPAGES, old + 2) || read_long(FREE_HUGEPAGES) < 2) {
		write_long(NR_HUGEPAGES, old);
		close(fd);
		SKIP(return, "two 2 MiB hugetlb pages cannot be reserved");
	}
	pid = spawn_stopped(_metadata, setup_hugetlb);

	q = over_mapping(MEMLAB_PAGE_PRESENT);
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	EXPECT_EQ(1, want.n);
	EXPECT_EQ(2 * MiB / PS, pages_in(&want));

	q.ret = PAGEMAP_CATS | MEMLAB_PAGE_HUGE;
	settled_scan(_metadata, fd, pid, &q, 0, scan_once, &want, &got);
	add_categories(&want, MEMLAB_PAGE_HUGE);
	expect_regions_equal(_metadata, &want, &got);

	/* The unwritten half is not present, as pagemap says. */
	q = over_mapping(0);
	q.inverted = MEMLAB_PAGE_PRESENT;
	q.mask = MEMLAB_PAGE_PRESENT;
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, 0, &want);
	EXPECT_EQ(2 * MiB / PS, pages_in(&want));

	regions_free(&want);
	regions_free(&got);
	reap(pid);
	write_long(NR_HUGEPAGES, old);
	close(fd);
}

TEST(read_only_touched_pages_are_the_zero_page)
{
	struct regions want = {};
	struct query q;
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	if (geteuid())
		SKIP(return, "needs root for the PFNs of pagemap and /proc/kpageflags");
	pid = spawn_stopped(_metadata, setup_zero);
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	q.ret = PAGEMAP_CATS | MEMLAB_PAGE_ZERO;
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, EXTRA_ZERO, &want);
	/* The kernel says 0..15 are the zero page and 16..31 are not. */
	ASSERT_EQ(2, want.n);
	EXPECT_TRUE(want.r[0].categories & MEMLAB_PAGE_ZERO);
	EXPECT_FALSE(want.r[1].categories & MEMLAB_PAGE_ZERO);
	regions_free(&want);
	reap(pid);
	close(fd);
}

static void expect_sharing(struct __test_metadata *_metadata, int fd, pid_t pid)
{
	struct regions want = {};
	struct query q = over_mapping(MEMLAB_PAGE_PRESENT);

	q.ret = MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_SHARED | MEMLAB_PAGE_EXCLUSIVE;
	expect_scan_matches_pagemap(_metadata, fd, pid, &q, EXTRA_SHARED, &want);
	/* The kernel says: 0..15 were copied on write, 16..31 are still shared. */
	ASSERT_EQ(2, want.n) TH_LOG("pid %d", pid);
	EXPECT_EQ(MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_EXCLUSIVE, want.r[0].categories);
	EXPECT_EQ(MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_SHARED, want.r[1].categories);
	regions_free(&want);
}

TEST(fork_shares_pages_until_the_child_writes)
{
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	if (geteuid())
		SKIP(return, "needs root for the PFNs of pagemap and /proc/kpagecount");
	pid = spawn_stopped(_metadata, setup_fork);
	ASSERT_LT(0, lay->child);
	expect_sharing(_metadata, fd, pid);
	expect_sharing(_metadata, fd, lay->child);
	reap(pid);
	close(fd);
}

/* DIRTY pages of [start, end), in kB. */
static long dirty_kb(struct __test_metadata *_metadata, int fd, pid_t pid,
		     unsigned long start, unsigned long end)
{
	struct query q = { .start = start, .end = end, .mask = MEMLAB_PAGE_DIRTY,
			   .ret = MEMLAB_PAGE_DIRTY };
	struct regions got = {};
	long kb;

	scan_once(_metadata, fd, pid, &q, &got);
	kb = pages_in(&got) * (PS >> 10);
	regions_free(&got);
	return kb;
}

TEST(written_pages_are_dirty_and_read_pages_are_not)
{
	struct query q;
	struct regions got = {};
	int fd = open_memlab(_metadata);
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_dirty);
	q = over_mapping(MEMLAB_PAGE_DIRTY);
	q.ret = MEMLAB_PAGE_DIRTY;
	scan_once(_metadata, fd, pid, &q, &got);
	ASSERT_EQ(1, got.n);
	EXPECT_EQ(lay->addr, got.r[0].start);
	EXPECT_EQ(lay->addr + 8 * PS, got.r[0].end);
	EXPECT_EQ(MEMLAB_PAGE_DIRTY, got.r[0].categories);
	/* smaps counts the same pages dirty: the eight written ones. */
	EXPECT_EQ(8 * (PS >> 10), smaps_field_of(pid, lay->addr, "Private_Dirty:") +
				  smaps_field_of(pid, lay->addr, "Shared_Dirty:"));
	/* A file read through is clean. */
	EXPECT_EQ(0, dirty_kb(_metadata, fd, pid, lay->addr2, lay->addr2 + lay->len2));
	EXPECT_EQ(0, smaps_field_of(pid, lay->addr2, "Private_Dirty:") +
		     smaps_field_of(pid, lay->addr2, "Shared_Dirty:"));
	regions_free(&got);
	reap(pid);
	close(fd);
}

/* smaps Shared_Dirty + Private_Dirty of every mapping of @pid, in kB. */
static int smaps_dirty(pid_t pid, struct span *v, long *kb, int max)
{
	char path[64], line[512];
	unsigned long value;
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (n + 1 < max && sscanf(line, "%lx-%lx ", &v[n + 1].start, &v[n + 1].end) == 2 &&
		    strchr(line, ' ') < strchr(line, ':')) {
			n++;
			kb[n] = 0;
		} else if (n >= 0 && (sscanf(line, "Shared_Dirty: %lu", &value) == 1 ||
				      sscanf(line, "Private_Dirty: %lu", &value) == 1)) {
			kb[n] += value;
		}
	}
	fclose(f);
	return n + 1;
}

TEST(dirty_pages_of_each_mapping_add_up_to_smaps)
{
	struct span before[MAX_VMAS], after[MAX_VMAS];
	long kb_before[MAX_VMAS], kb_after[MAX_VMAS], kb[MAX_VMAS];
	int fd = open_memlab(_metadata), n = 0, i, tries, settled = 0;
	pid_t pid;

	if (fd < 0)
		return;
	pid = spawn_stopped(_metadata, setup_dirty);
	for (tries = 0; tries < 5 && !settled; tries++) {
		n = smaps_dirty(pid, before, kb_before, MAX_VMAS);
		ASSERT_LT(0, n);
		for (i = 0; i < n; i++)
			/*
			 * [vsyscall], on kernels that have it, is the gate
			 * area above the user address space: not a mapping
			 * of the mm, nothing to SCAN, and never dirty.
			 */
			kb[i] = before[i].start >= (1UL << 56) ? 0 :
				dirty_kb(_metadata, fd, pid, before[i].start, before[i].end);
		settled = smaps_dirty(pid, after, kb_after, MAX_VMAS) == n &&
			  !memcmp(before, after, n * sizeof(after[0])) &&
			  !memcmp(kb_before, kb_after, n * sizeof(kb[0]));
	}
	ASSERT_TRUE(settled) TH_LOG("smaps never settled");
	for (i = 0; i < n; i++)
		EXPECT_EQ(kb_after[i], kb[i]) TH_LOG("%lx-%lx", after[i].start, after[i].end);
	reap(pid);
	close(fd);
}

/* --- privilege (SPEC section 7) ------------------------------------------------ */

struct unpriv_result {
	int self_ret, self_errno, other_ret, other_errno, derived;
	struct memlab_scan_region got[16], want[16];
	size_t want_n;
};

/* As nobody: scan our own partly touched mapping, then our parent. */
static void unprivileged_scan(struct unpriv_result *r)
{
	struct regions want = {};
	struct query q;
	__u64 walk_end;
	int fd;

	if (setgid(NOBODY) || setuid(NOBODY))
		_exit(2);
	/* setuid() made us non-dumpable; our own pagemap needs it back. */
	prctl(PR_SET_DUMPABLE, 1);
	setup_pattern();
	q = over_mapping(MEMLAB_PAGE_PRESENT);
	fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(3);
	r->self_ret = memlab_scan(fd, 0, &q, r->got, 16, &walk_end);
	r->self_errno = errno;
	r->derived = derive(getpid(), &q, 0, &want);
	r->want_n = want.n;
	memcpy(r->want, want.r, (want.n < 16 ? want.n : 16) * sizeof(want.r[0]));
	r->other_ret = memlab_scan(fd, getppid(), &q, r->got + 15, 1, &walk_end);
	r->other_errno = errno;
	_exit(0);
}

TEST(unprivileged_caller_scans_only_itself)
{
	struct unpriv_result *r;
	int fd = open_memlab(_metadata), status;
	pid_t pid;

	if (fd < 0)
		return;
	if (geteuid())
		SKIP(return, "needs root to become another user");
	/* The child's layout goes to a page of its own, its result to this one. */
	lay = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, lay);
	ASSERT_NE(MAP_FAILED, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		unprivileged_scan(r);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child could not drop privileges");

	ASSERT_EQ(0, r->derived) TH_LOG("the child could not read its own pagemap");
	ASSERT_EQ(9, r->want_n);
	EXPECT_EQ(9, r->self_ret) TH_LOG("own memory: %s", strerror(r->self_errno));
	EXPECT_EQ(0, memcmp(r->want, r->got, 9 * sizeof(r->got[0])));
	EXPECT_EQ(-1, r->other_ret);
	EXPECT_EQ(EPERM, r->other_errno) TH_LOG("another user's process: %s",
						strerror(r->other_errno));
	munmap(r, sizeof(*r));
	munmap(lay, PS);
	lay = NULL;
	close(fd);
}

/* --- bad input --------------------------------------------------------------------- */

/* A valid request on a mapping of our own, to spoil one field of. */
struct bad_input {
	struct memlab_scan_region vec[4];
	struct memlab_scan arg;
	char *map;
};

static int scan_errno(int fd, struct memlab_scan *arg)
{
	errno = 0;
	return ioctl(fd, MEMLAB_IOC_SCAN, arg) == -1 ? errno : 0;
}

static void bad_input_init(struct __test_metadata *_metadata, struct bad_input *b)
{
	struct query q = { .mask = MEMLAB_PAGE_PRESENT, .ret = MEMLAB_PAGE_CATEGORIES };

	b->map = mmap(NULL, 4 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b->map);
	b->map[0] = 1;
	q.start = (uintptr_t)b->map;
	q.end = q.start + 4 * PS;
	b->arg = scan_arg(0, &q, b->vec, 4);
}

#define BAD_INPUT_TEST(name, errnum, spoil)				\
TEST(name)								\
{									\
	struct bad_input b;						\
	int fd = open_memlab(_metadata);				\
									\
	if (fd < 0)							\
		return;							\
	bad_input_init(_metadata, &b);					\
	spoil;								\
	EXPECT_EQ(errnum, scan_errno(fd, &b.arg))			\
		TH_LOG("%s", strerror(errno));				\
	munmap(b.map, 4 * PS);						\
	close(fd);							\
}

/* The bad-input tests below spoil one field of this request. */
BAD_INPUT_TEST(good_request_is_accepted, 0, (void)0)
BAD_INPUT_TEST(unaligned_start_is_einval, EINVAL, b.arg.start += 8)
BAD_INPUT_TEST(unaligned_end_is_einval, EINVAL, b.arg.end -= 8)
BAD_INPUT_TEST(end_before_start_is_einval, EINVAL, b.arg.end = b.arg.start - PS)
BAD_INPUT_TEST(unknown_flags_are_einval, EINVAL, b.arg.flags = 1)
BAD_INPUT_TEST(top_flag_bit_is_einval, EINVAL, b.arg.flags = 1ULL << 63)
BAD_INPUT_TEST(nonzero_reserved_is_einval, EINVAL, b.arg.reserved = 1)
BAD_INPUT_TEST(empty_vec_is_einval, EINVAL, b.arg.vec_len = 0)
BAD_INPUT_TEST(null_vec_is_efault, EFAULT, b.arg.vec = 0)
BAD_INPUT_TEST(kernel_vec_is_efault, EFAULT, b.arg.vec = 0xffff888000000000ULL)
BAD_INPUT_TEST(size_below_the_first_version_is_einval, EINVAL,
	       b.arg.size = MEMLAB_SCAN_SIZE_VER0 - 8)
BAD_INPUT_TEST(no_such_pid_is_esrch, ESRCH, b.arg.pid = 0x3ffffff)
BAD_INPUT_TEST(kernel_thread_is_einval, EINVAL, b.arg.pid = 2)
BAD_INPUT_TEST(start_above_user_space_is_einval, EINVAL,
	       (b.arg.start = 0xffff800000000000ULL, b.arg.end = b.arg.start + PS))

/* Each of the four masks, with a bit past the last category and the top bit. */
TEST(unknown_category_bits_are_einval)
{
	static const __u64 unknown[] = { MEMLAB_PAGE_CATEGORIES + 1, 1ULL << 63 };
	struct bad_input b;
	int fd = open_memlab(_metadata);
	size_t i;

	if (fd < 0)
		return;
	bad_input_init(_metadata, &b);
	for (i = 0; i < 2; i++) {
		struct memlab_scan good = b.arg;

		b.arg.category_inverted |= unknown[i];
		EXPECT_EQ(EINVAL, scan_errno(fd, &b.arg)) TH_LOG("inverted %#llx", unknown[i]);
		b.arg = good;
		b.arg.category_mask |= unknown[i];
		EXPECT_EQ(EINVAL, scan_errno(fd, &b.arg)) TH_LOG("mask %#llx", unknown[i]);
		b.arg = good;
		b.arg.category_anyof_mask |= unknown[i];
		EXPECT_EQ(EINVAL, scan_errno(fd, &b.arg)) TH_LOG("anyof %#llx", unknown[i]);
		b.arg = good;
		b.arg.return_mask |= unknown[i];
		EXPECT_EQ(EINVAL, scan_errno(fd, &b.arg)) TH_LOG("return %#llx", unknown[i]);
		b.arg = good;
	}
	munmap(b.map, 4 * PS);
	close(fd);
}

TEST_HARNESS_MAIN
