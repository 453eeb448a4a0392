// SPDX-License-Identifier: GPL-2.0
/*
 * MEMLAB_IOC_VTOP against the kernel's own per-page view. A process sets
 * up pages of every kind (written, read-only over the zero page, swapped
 * out, untouched, THP) and stops itself (SIGSTOP); the walk memlab reports
 * for each must end where /proc/PID/pagemap (read as root) says: the same
 * PFN, the same swap entry, nothing for nothing. The mapping it names must
 * be the /proc/PID/maps line, and a caller without CAP_SYS_ADMIN must see
 * the decoded bits but no physical information (SPEC section 7).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

/*
 * The suite runs in an emulated VM (TCG), sometimes on a KASAN + lockdep
 * kernel: many times slower than hardware. 30 s is not enough there.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define PS		4096UL		/* x86_64 only (SPEC section 1) */
#define MiB		(1UL << 20)
#define NOBODY		65534

/* /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_SWAP_TYPE(e)	((e) & 0x1f)
#define PM_SWAP_OFFSET(e) (((e) & PM_PFN_MASK) >> 5)
#define KPF_ZERO_PAGE	24

/* x86_64 entry bits, to read the raw entries memlab returns. */
#define X86_PRESENT	(1ULL << 0)
#define X86_RW		(1ULL << 1)
#define X86_USER	(1ULL << 2)
#define X86_ACCESSED	(1ULL << 5)
#define X86_DIRTY	(1ULL << 6)
#define X86_PSE		(1ULL << 7)
#define X86_GLOBAL	(1ULL << 8)
#define X86_UFFD_WP	(1ULL << 10)	/* _PAGE_BIT_SOFTW2 */
#define X86_SOFT_DIRTY	(1ULL << 11)	/* _PAGE_BIT_SOFTW3 */
#define X86_NX		(1ULL << 63)
#define X86_PFN_4K	0x000ffffffffff000ULL
#define X86_PFN_2M	0x000fffffffe00000ULL

/* Lies in the executable's data: mapped at the same address in every fork. */
static int data_marker = 1;

/* --- memlab --------------------------------------------------------------- */

/* /dev/memlab with VTOP, or -1 after a SKIP when it is not there yet. */
static int open_memlab(struct __test_metadata *_metadata, struct memlab_version *ver)
{
	int fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		SKIP(return -1, "memlab is not loaded");
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", MEMLAB_DEVICE, strerror(errno));
	memset(ver, 0, sizeof(*ver));
	ver->size = sizeof(*ver);
	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VERSION, ver));
	if (!(ver->features & MEMLAB_FEAT_VTOP)) {
		close(fd);
		SKIP(return -1, "this memlab has no VTOP (features %#llx)", ver->features);
	}
	return fd;
}

static int memlab_vtop(int fd, pid_t pid, unsigned long addr, struct memlab_vtop *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->pid = pid;
	v->addr = addr;
	return ioctl(fd, MEMLAB_IOC_VTOP, v);
}

/* Levels a walk to a 4 KiB page reads: p4d is folded into pgd with 4. */
static unsigned int full_walk(const struct memlab_version *ver)
{
	return ver->pgtable_levels == 5 ? 5 : 4;
}

/* --- the kernel's view ------------------------------------------------------ */

static __u64 pagemap_entry(pid_t pid, unsigned long addr)
{
	char path[64];
	__u64 e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), addr / PS * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}

static __u64 kpageflags(__u64 pfn)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	__u64 flags = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) != sizeof(flags))
		flags = 0;
	close(fd);
	return flags;
}

/* The /proc/PID/maps line @addr lies in. */
struct maps_line {
	unsigned long start, end;
	char perms[8];
};

static int maps_line_of(pid_t pid, unsigned long addr, struct maps_line *m)
{
	char path[64], line[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%lx-%lx %7s", &m->start, &m->end, m->perms) == 3 &&
			m->start <= addr && addr < m->end;
	fclose(f);
	return found;
}

/* AnonHugePages of the mapping that starts at @start, in kB. */
static long anon_huge_kb(pid_t pid, unsigned long start)
{
	char path[64], line[512];
	unsigned long s, e, kb;
	long found = -1;
	int in_it = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, ' ') < strchr(line, ':'))
			in_it = s == start;
		else if (in_it && sscanf(line, "AnonHugePages: %lu", &kb) == 1)
			found = kb;
	}
	fclose(f);
	return found;
}

static __u32 prot_of(const char *perms)
{
	return (perms[0] == 'r' ? MEMLAB_VMA_READ : 0) |
	       (perms[1] == 'w' ? MEMLAB_VMA_WRITE : 0) |
	       (perms[2] == 'x' ? MEMLAB_VMA_EXEC : 0) |
	       (perms[3] == 's' ? MEMLAB_VMA_SHARED : 0);
}

/* --- the workload ------------------------------------------------------------- */

/* Where the stopped child put each kind of page. */
struct layout {
	unsigned long written, zero, untouched, swapped;
	unsigned long thp, heap, stack, shared, text;
};

static struct layout *lay;

static char *map_small(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* Small pages only: THP (always, on Debian) would change the layout. */
	if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE))
		return NULL;
	return p;
}

/* A mapping that is exactly one 2 MiB THP, if the kernel gives one. */
static char *map_thp(void)
{
	size_t len = 2 * MiB;
	char *raw = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;
	size_t i;

	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)raw + len - 1) & ~(len - 1));
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + len - p);
	madvise(p, len, MADV_HUGEPAGE);
	for (i = 0; i < len; i += PS)
		p[i] = 1;
	return p;
}

static void setup_pages(void)
{
	char *p = map_small(16 * PS), *heap = sbrk(16 * PS);
	char *shared = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int on_stack = 1;

	if (!p || heap == (void *)-1 || shared == MAP_FAILED)
		return;
	p[0] = 1;				/* page 0: written */
	(void)((volatile char *)p)[PS];		/* page 1: read only, the zero page */
	p[4 * PS] = 1;				/* page 4: written, then swapped out */
	madvise(p + 4 * PS, PS, MADV_PAGEOUT);
	heap[0] = 1;
	shared[0] = 1;
	lay->written = (unsigned long)p;
	lay->zero = (unsigned long)p + PS;
	lay->untouched = (unsigned long)p + 8 * PS;
	lay->swapped = (unsigned long)p + 4 * PS;
	lay->thp = (unsigned long)map_thp();
	lay->heap = (unsigned long)heap;
	lay->shared = (unsigned long)shared;
	lay->stack = (unsigned long)&on_stack;
	lay->text = (unsigned long)setup_pages;
}

static pid_t spawn_stopped(struct __test_metadata *_metadata)
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
		setup_pages();
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_NE(0, lay->written) TH_LOG("the workload could not map its memory");
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(lay, PS);
}

/* Open memlab, spawn the workload; SKIP (fd -1) without VTOP or without root. */
static int start_workload(struct __test_metadata *_metadata, struct memlab_version *ver,
			  pid_t *pid, int need_root)
{
	int fd = open_memlab(_metadata, ver);

	if (fd < 0)
		return -1;
	if (need_root && geteuid()) {
		close(fd);
		SKIP(return -1, "needs root for the PFNs of pagemap");
	}
	*pid = spawn_stopped(_metadata);
	return fd;
}

/* --- present pages ------------------------------------------------------------------ */

/* The walk to a present 4 KiB page: every level read and present. */
static void expect_present_4k(struct __test_metadata *_metadata, const struct memlab_version *ver,
			      const struct memlab_vtop *v, __u64 pme)
{
	unsigned int i;

	ASSERT_TRUE(pme & PM_PRESENT) TH_LOG("pagemap: %#llx is not present", v->addr);
	EXPECT_EQ(MEMLAB_VTOP_PRESENT, v->result);
	EXPECT_EQ(12, v->page_shift);
	EXPECT_EQ(pme & PM_PFN_MASK, v->pfn) TH_LOG("addr %#llx", v->addr);
	EXPECT_EQ(full_walk(ver), v->nr_levels);
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++) {
		if (i == MEMLAB_LEVEL_P4D_IDX && ver->pgtable_levels == 4) {
			/* Folded: not a level of its own. */
			EXPECT_EQ(0, v->levels[i].value);
			EXPECT_EQ(0, v->levels[i].flags);
			continue;
		}
		EXPECT_TRUE(v->levels[i].flags & MEMLAB_PTE_PRESENT) TH_LOG("level %u", i);
		EXPECT_TRUE(v->levels[i].flags & MEMLAB_PTE_USER) TH_LOG("level %u", i);
		EXPECT_NE(0, v->levels[i].value) TH_LOG("level %u", i);
	}
	/* The leaf's own frame bits are pagemap's PFN. */
	EXPECT_EQ(pme & PM_PFN_MASK, (v->levels[MEMLAB_LEVEL_PTE_IDX].value & X86_PFN_4K) >> 12);
	EXPECT_FALSE(v->levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_HUGE);
	EXPECT_EQ(0, v->reserved2);
}

TEST(present_page_translates_to_the_pagemap_pfn)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 1);

	if (fd < 0)
		return;
	/* Any byte of the page: the walk is for the page it lies in. */
	ASSERT_EQ(0, memlab_vtop(fd, pid, lay->written + 123, &v)) TH_LOG("%s", strerror(errno));
	expect_present_4k(_metadata, &ver, &v, pagemap_entry(pid, lay->written));
	reap(pid);
	close(fd);
}

TEST(written_private_page_is_writable_dirty_and_not_executable)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	__u64 pte;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 0);

	if (fd < 0)
		return;
	ASSERT_EQ(0, memlab_vtop(fd, pid, lay->written, &v)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(MEMLAB_VTOP_PRESENT, v.result);
	pte = v.levels[MEMLAB_LEVEL_PTE_IDX].flags;
	/* A write fault maps the new page writable and dirty. */
	EXPECT_TRUE(pte & MEMLAB_PTE_PRESENT);
	EXPECT_TRUE(pte & MEMLAB_PTE_USER);
	EXPECT_TRUE(pte & MEMLAB_PTE_RW);
	EXPECT_TRUE(pte & MEMLAB_PTE_DIRTY);
	EXPECT_TRUE(pte & MEMLAB_PTE_NX) TH_LOG("rw- memory is never executable");
	reap(pid);
	close(fd);
}

TEST(executable_text_is_present_read_only_and_executable)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	__u64 leaf;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 0);

	if (fd < 0)
		return;
	/* The child ran setup_pages(): its code page is mapped. */
	ASSERT_EQ(0, memlab_vtop(fd, pid, lay->text, &v)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(MEMLAB_VTOP_PRESENT, v.result);
	leaf = v.levels[v.page_shift == 21 ? MEMLAB_LEVEL_PMD_IDX : MEMLAB_LEVEL_PTE_IDX].flags;
	EXPECT_TRUE(leaf & MEMLAB_PTE_PRESENT);
	EXPECT_TRUE(leaf & MEMLAB_PTE_USER);
	EXPECT_FALSE(leaf & MEMLAB_PTE_RW);
	EXPECT_FALSE(leaf & MEMLAB_PTE_NX);
	EXPECT_EQ(MEMLAB_SEG_TEXT, v.segment);
	reap(pid);
	close(fd);
}

TEST(zero_page_is_present_read_only_with_the_pagemap_pfn)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	__u64 pme;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 1);

	if (fd < 0)
		return;
	pme = pagemap_entry(pid, lay->zero);
	ASSERT_TRUE(kpageflags(pme & PM_PFN_MASK) >> KPF_ZERO_PAGE & 1)
		TH_LOG("the kernel did not map the zero page: pagemap %#llx", pme);
	ASSERT_EQ(0, memlab_vtop(fd, pid, lay->zero, &v)) TH_LOG("%s", strerror(errno));
	expect_present_4k(_metadata, &ver, &v, pme);
	/* Shared by everyone: a write must fault and copy. */
	EXPECT_FALSE(v.levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_RW);
	reap(pid);
	close(fd);
}

TEST(thp_walk_ends_at_a_huge_pmd)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	unsigned long addr;
	__u64 pme, head;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 1);

	if (fd < 0)
		return;
	if (!lay->thp || anon_huge_kb(pid, lay->thp) != 2048) {
		reap(pid);
		close(fd);
		SKIP(return, "no THP for the 2 MiB mapping");
	}
	/* Inside the huge page: the PFN is that 4 KiB frame's, as in pagemap. */
	addr = lay->thp + 5 * PS + 123;
	pme = pagemap_entry(pid, addr);
	head = pagemap_entry(pid, lay->thp);
	ASSERT_TRUE(pme & PM_PRESENT);
	ASSERT_EQ(0, memlab_vtop(fd, pid, addr, &v)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(MEMLAB_VTOP_PRESENT, v.result);
	EXPECT_EQ(21, v.page_shift);
	EXPECT_EQ(full_walk(&ver) - 1, v.nr_levels);
	EXPECT_EQ(pme & PM_PFN_MASK, v.pfn);
	EXPECT_TRUE(v.levels[MEMLAB_LEVEL_PMD_IDX].flags & MEMLAB_PTE_PRESENT);
	EXPECT_TRUE(v.levels[MEMLAB_LEVEL_PMD_IDX].flags & MEMLAB_PTE_HUGE);
	EXPECT_TRUE(v.levels[MEMLAB_LEVEL_PMD_IDX].flags & MEMLAB_PTE_RW);
	/* The PMD maps the whole 2 MiB: its frame is the first page's. */
	EXPECT_EQ(head & PM_PFN_MASK,
		  (v.levels[MEMLAB_LEVEL_PMD_IDX].value & X86_PFN_2M) >> 12);
	/* Not reached. */
	EXPECT_EQ(0, v.levels[MEMLAB_LEVEL_PTE_IDX].value);
	EXPECT_EQ(0, v.levels[MEMLAB_LEVEL_PTE_IDX].flags);
	reap(pid);
	close(fd);
}

/* Each decoded bit is the x86 bit of the raw entry it came from. */
static void expect_decoded(struct __test_metadata *_metadata, const struct memlab_vtop *v)
{
	unsigned int i, leaf = v->page_shift == 21 ? MEMLAB_LEVEL_PMD_IDX : MEMLAB_LEVEL_PTE_IDX;

	for (i = 0; i <= leaf; i++) {
		__u64 raw = v->levels[i].value, f = v->levels[i].flags;

		if (!raw)
			continue;
		EXPECT_EQ(!!(raw & X86_PRESENT), !!(f & MEMLAB_PTE_PRESENT)) TH_LOG("level %u", i);
		EXPECT_EQ(!!(raw & X86_RW), !!(f & MEMLAB_PTE_RW)) TH_LOG("level %u", i);
		EXPECT_EQ(!!(raw & X86_USER), !!(f & MEMLAB_PTE_USER)) TH_LOG("level %u", i);
		EXPECT_EQ(!!(raw & X86_ACCESSED), !!(f & MEMLAB_PTE_ACCESSED))
			TH_LOG("level %u", i);
		EXPECT_EQ(!!(raw & X86_NX), !!(f & MEMLAB_PTE_NX)) TH_LOG("level %u", i);
		if (i == MEMLAB_LEVEL_PUD_IDX || i == MEMLAB_LEVEL_PMD_IDX)
			EXPECT_EQ(!!(raw & X86_PSE), !!(f & MEMLAB_PTE_HUGE)) TH_LOG("level %u", i);
		if (i != leaf)
			continue;
		EXPECT_EQ(!!(raw & X86_DIRTY), !!(f & MEMLAB_PTE_DIRTY));
		EXPECT_EQ(!!(raw & X86_GLOBAL), !!(f & MEMLAB_PTE_GLOBAL));
		EXPECT_EQ(!!(raw & X86_SOFT_DIRTY), !!(f & MEMLAB_PTE_SOFT_DIRTY));
		EXPECT_EQ(!!(raw & X86_UFFD_WP), !!(f & MEMLAB_PTE_UFFD_WP));
	}
}

TEST(decoded_flags_are_the_bits_of_the_raw_entries)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	unsigned long addrs[5];
	unsigned int i;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 1);

	if (fd < 0)
		return;
	addrs[0] = lay->written;
	addrs[1] = lay->zero;
	addrs[2] = lay->text;
	addrs[3] = lay->stack;
	addrs[4] = lay->thp ? lay->thp : lay->heap;
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, memlab_vtop(fd, pid, addrs[i], &v)) TH_LOG("%#lx", addrs[i]);
		ASSERT_EQ(MEMLAB_VTOP_PRESENT, v.result) TH_LOG("%#lx", addrs[i]);
		expect_decoded(_metadata, &v);
	}
	reap(pid);
	close(fd);
}

/* --- pages that are not present ------------------------------------------------------- */

TEST(swapped_page_gives_the_pagemap_swap_entry)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	__u64 pme;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 1);

	if (fd < 0)
		return;
	pme = pagemap_entry(pid, lay->swapped);
	if (!(pme & PM_SWAP)) {
		reap(pid);
		close(fd);
		SKIP(return, "MADV_PAGEOUT did not swap the page out: no swap?");
	}
	ASSERT_EQ(0, memlab_vtop(fd, pid, lay->swapped, &v)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(MEMLAB_VTOP_SWAP, v.result);
	EXPECT_EQ(PM_SWAP_TYPE(pme), v.swap_type);
	EXPECT_EQ(PM_SWAP_OFFSET(pme), v.swap_offset);
	EXPECT_EQ(0, v.pfn);
	/* The walk read the PTE: it holds the swap entry, which is not present. */
	EXPECT_EQ(full_walk(&ver), v.nr_levels);
	EXPECT_NE(0, v.levels[MEMLAB_LEVEL_PTE_IDX].value);
	EXPECT_FALSE(v.levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_PRESENT);
	reap(pid);
	close(fd);
}

TEST(untouched_page_translates_to_nothing)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	__u64 pme;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 0);

	if (fd < 0)
		return;
	pme = pagemap_entry(pid, lay->untouched);
	ASSERT_FALSE(pme & (PM_PRESENT | PM_SWAP)) TH_LOG("pagemap %#llx", pme);
	ASSERT_EQ(0, memlab_vtop(fd, pid, lay->untouched, &v)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(MEMLAB_VTOP_NONE, v.result);
	EXPECT_EQ(0, v.pfn);
	EXPECT_EQ(0, v.levels[MEMLAB_LEVEL_PTE_IDX].value);
	EXPECT_FALSE(v.levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_PRESENT);
	EXPECT_GE(full_walk(&ver), v.nr_levels);
	/* Still in a mapping, and memlab says which. */
	EXPECT_EQ(MEMLAB_SEG_ANON, v.segment);
	EXPECT_NE(0, v.vma_start);
	reap(pid);
	close(fd);
}

/* --- the mapping an address lies in ---------------------------------------------------- */

TEST(mapping_is_the_proc_maps_line)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	struct maps_line m;
	unsigned long addrs[8];
	unsigned int i;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 0);

	if (fd < 0)
		return;
	addrs[0] = lay->written;
	addrs[1] = lay->untouched;
	addrs[2] = lay->heap;
	addrs[3] = lay->stack;
	addrs[4] = lay->shared;
	addrs[5] = lay->text;
	addrs[6] = (unsigned long)&data_marker;
	addrs[7] = getauxval(AT_SYSINFO_EHDR);
	for (i = 0; i < 8; i++) {
		ASSERT_TRUE(maps_line_of(pid, addrs[i], &m)) TH_LOG("%#lx", addrs[i]);
		ASSERT_EQ(0, memlab_vtop(fd, pid, addrs[i], &v))
			TH_LOG("%#lx: %s", addrs[i], strerror(errno));
		EXPECT_EQ(m.start, v.vma_start) TH_LOG("%#lx", addrs[i]);
		EXPECT_EQ(m.end, v.vma_end) TH_LOG("%#lx", addrs[i]);
		EXPECT_EQ(prot_of(m.perms), v.vma_prot) TH_LOG("%#lx %s", addrs[i], m.perms);
	}
	reap(pid);
	close(fd);
}

TEST(segment_is_the_class_of_the_mapping)
{
	static const struct {
		size_t offset;
		__u32 segment;
	} want[] = {
		{ offsetof(struct layout, heap), MEMLAB_SEG_HEAP },
		{ offsetof(struct layout, stack), MEMLAB_SEG_STACK },
		{ offsetof(struct layout, text), MEMLAB_SEG_TEXT },
		{ offsetof(struct layout, written), MEMLAB_SEG_ANON },
		{ offsetof(struct layout, shared), MEMLAB_SEG_SHM },
	};
	struct memlab_version ver;
	struct memlab_vtop v;
	unsigned int i;
	pid_t pid;
	int fd = start_workload(_metadata, &ver, &pid, 0);

	if (fd < 0)
		return;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		unsigned long addr = *(unsigned long *)((char *)lay + want[i].offset);

		ASSERT_EQ(0, memlab_vtop(fd, pid, addr, &v)) TH_LOG("%#lx", addr);
		EXPECT_EQ(want[i].segment, v.segment) TH_LOG("%#lx", addr);
	}
	reap(pid);
	close(fd);
}

/* pid 0 is the caller. */
TEST(pid_zero_translates_the_callers_own_page)
{
	struct memlab_version ver;
	struct memlab_vtop v;
	int fd = open_memlab(_metadata, &ver);
	char *p;

	if (fd < 0)
		return;
	if (geteuid())
		SKIP(return, "needs root for the PFNs of pagemap");
	p = map_small(PS);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	ASSERT_EQ(0, memlab_vtop(fd, 0, (unsigned long)p, &v)) TH_LOG("%s", strerror(errno));
	expect_present_4k(_metadata, &ver, &v, pagemap_entry(getpid(), (unsigned long)p));
	munmap(p, PS);
	close(fd);
}

/* --- privilege (SPEC section 7) ------------------------------------------------------ */

struct unpriv_result {
	int self_ret, self_errno, other_ret, other_errno;
	struct memlab_vtop self;
};

/* As nobody: translate a page of our own, then try our parent's data. */
static void unprivileged_vtop(struct unpriv_result *r)
{
	struct memlab_vtop other;
	char *p;
	int fd;

	if (setgid(NOBODY) || setuid(NOBODY))
		_exit(2);
	prctl(PR_SET_DUMPABLE, 1);
	p = map_small(PS);
	if (!p)
		_exit(3);
	p[0] = 1;
	fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(4);
	r->self_ret = memlab_vtop(fd, 0, (unsigned long)p, &r->self);
	r->self_errno = errno;
	r->other_ret = memlab_vtop(fd, getppid(), (unsigned long)&data_marker, &other);
	r->other_errno = errno;
	_exit(0);
}

static struct unpriv_result *run_unprivileged(struct __test_metadata *_metadata)
{
	struct unpriv_result *r;
	int status;
	pid_t pid;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		unprivileged_vtop(r);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d", WEXITSTATUS(status));
	return r;
}

TEST(unprivileged_caller_gets_flags_but_no_physical_information)
{
	struct memlab_version ver;
	struct unpriv_result *r;
	int fd = open_memlab(_metadata, &ver);
	unsigned int i;

	if (fd < 0)
		return;
	if (geteuid())
		SKIP(return, "needs root to become another user");
	r = run_unprivileged(_metadata);
	ASSERT_EQ(0, r->self_ret) TH_LOG("own page: %s", strerror(r->self_errno));
	EXPECT_EQ(MEMLAB_VTOP_PRESENT, r->self.result);
	EXPECT_EQ(12, r->self.page_shift);
	EXPECT_EQ(0, r->self.pfn);
	EXPECT_EQ(full_walk(&ver), r->self.nr_levels);
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++) {
		EXPECT_EQ(0, r->self.levels[i].value) TH_LOG("raw entry of level %u", i);
		if (i != MEMLAB_LEVEL_P4D_IDX || ver.pgtable_levels == 5)
			EXPECT_TRUE(r->self.levels[i].flags & MEMLAB_PTE_PRESENT)
				TH_LOG("level %u", i);
	}
	EXPECT_TRUE(r->self.levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_RW);
	munmap(r, sizeof(*r));
	close(fd);
}

TEST(unprivileged_caller_cannot_read_another_process)
{
	struct memlab_version ver;
	struct unpriv_result *r;
	int fd = open_memlab(_metadata, &ver);

	if (fd < 0)
		return;
	if (geteuid())
		SKIP(return, "needs root to become another user");
	r = run_unprivileged(_metadata);
	EXPECT_EQ(-1, r->other_ret);
	EXPECT_EQ(EPERM, r->other_errno) TH_LOG("got %s", strerror(r->other_errno));
	munmap(r, sizeof(*r));
	close(fd);
}

/* --- bad input ------------------------------------------------------------------------ */

static int vtop_errno(int fd, struct memlab_vtop *v)
{
	errno = 0;
	return ioctl(fd, MEMLAB_IOC_VTOP, v) == -1 ? errno : 0;
}

/*
 * A valid request for a page of our own, to spoil one field of. @hole is
 * an unmapped page between two mapped ones.
 */
struct bad_input {
	struct memlab_vtop v;
	char *map;
	unsigned long hole;
};

static void bad_input_init(struct __test_metadata *_metadata, struct bad_input *b)
{
	b->map = mmap(NULL, 3 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b->map);
	ASSERT_EQ(0, munmap(b->map + PS, PS));
	b->map[0] = 1;
	b->hole = (unsigned long)b->map + PS;
	memset(&b->v, 0, sizeof(b->v));
	b->v.size = sizeof(b->v);
	b->v.addr = (unsigned long)b->map;
}

#define BAD_INPUT_TEST(name, errnum, spoil)				\
TEST(name)								\
{									\
	struct memlab_version ver;					\
	struct bad_input b;						\
	int fd = open_memlab(_metadata, &ver);				\
									\
	if (fd < 0)							\
		return;							\
	bad_input_init(_metadata, &b);					\
	spoil;								\
	EXPECT_EQ(errnum, vtop_errno(fd, &b.v))				\
		TH_LOG("%s", strerror(errno));				\
	munmap(b.map, PS);						\
	munmap(b.map + 2 * PS, PS);					\
	close(fd);							\
}

/* The bad-input tests below spoil one field of this request. */
BAD_INPUT_TEST(good_request_is_accepted, 0, (void)0)
BAD_INPUT_TEST(unmapped_address_is_enomem, ENOMEM, b.v.addr = b.hole)
BAD_INPUT_TEST(address_zero_is_enomem, ENOMEM, b.v.addr = 0)
BAD_INPUT_TEST(kernel_address_is_einval, EINVAL, b.v.addr = 0xffff888000000000ULL)
BAD_INPUT_TEST(noncanonical_address_is_einval, EINVAL, b.v.addr = 0x8000000000000000ULL)
BAD_INPUT_TEST(unknown_flags_are_einval, EINVAL, b.v.flags = 1)
BAD_INPUT_TEST(top_flag_bit_is_einval, EINVAL, b.v.flags = 1ULL << 63)
BAD_INPUT_TEST(nonzero_reserved_is_einval, EINVAL, b.v.reserved = 1)
BAD_INPUT_TEST(size_below_the_first_version_is_einval, EINVAL,
	       b.v.size = MEMLAB_VTOP_SIZE_VER0 - 8)
BAD_INPUT_TEST(no_such_pid_is_esrch, ESRCH, b.v.pid = 0x3ffffff)
BAD_INPUT_TEST(kernel_thread_is_einval, EINVAL, b.v.pid = 2)

/* /proc/memlab/vtop takes an address of the user address space, nothing else. */
TEST(vtop_file_rejects_what_is_not_an_address)
{
	static const char * const bad[] = {
		"abc\n", "0x12zz\n", "\n", "-1\n", "0xffff888000000000\n",
		"99999999999999999999999\n",
	};
	unsigned int i;
	int fd = open(MEMLAB_PROC_DIR "/vtop", O_WRONLY);

	if (fd < 0)
		SKIP(return, "memlab has no /proc/memlab/vtop");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, write(fd, bad[i], strlen(bad[i]))) TH_LOG("wrote '%s'", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("'%s': %s", bad[i], strerror(errno));
	}
	EXPECT_EQ(9, write(fd, "0x400000\n", 9));
	close(fd);
}

/* The text view shows what the ioctl says, for the reader itself. */
TEST(vtop_file_matches_the_ioctl)
{
	struct memlab_vtop v = { .size = sizeof(v) };
	static char page[4096] __attribute__((aligned(4096)));
	char text[2048], buf[64], *p;
	ssize_t n;
	int fd = open(MEMLAB_DEVICE, O_RDWR), pfd;

	if (fd < 0)
		SKIP(return, "memlab is not loaded");
	page[0] = 1;
	pfd = open(MEMLAB_PROC_DIR "/vtop", O_RDWR);
	ASSERT_LE(0, pfd);
	snprintf(buf, sizeof(buf), "%p\n", (void *)page);
	ASSERT_EQ((ssize_t)strlen(buf), write(pfd, buf, strlen(buf)));
	close(pfd);
	pfd = open(MEMLAB_PROC_DIR "/vtop", O_RDONLY);
	ASSERT_LE(0, pfd);
	n = read(pfd, text, sizeof(text) - 1);
	close(pfd);
	ASSERT_LT(0, n);
	text[n] = '\0';

	v.addr = (unsigned long)page;
	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_VTOP, &v));
	p = strstr(text, "Result:");
	ASSERT_NE(NULL, p);
	snprintf(buf, sizeof(buf), "present pfn 0x%llx, 4 kB page", (unsigned long long)v.pfn);
	EXPECT_NE(NULL, strstr(p, buf)) TH_LOG("text: %s, ioctl pfn 0x%llx", p, (unsigned long long)v.pfn);
	close(fd);
}

TEST_HARNESS_MAIN
