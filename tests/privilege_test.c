// SPDX-License-Identifier: GPL-2.0
/*
 * SPEC section 7, privilege, tried from every side: a process forks, drops
 * what it must (to uid/gid 65534 with no capability, or keeping exactly
 * one, or staying uid 0 without any) and tries everything memlab must
 * refuse it, and what it must allow it. The results come back to the test
 * in shared memory, where they are checked.
 *
 *  - reading another process (SUMMARY, MAPS, SCAN, VTOP, /proc/memlab
 *    files) needs CAP_SYS_PTRACE, even for a process of the same user and
 *    even as uid 0: EPERM otherwise, every time;
 *  - writing another process's pid to /proc/memlab/target needs it too,
 *    and a refused write changes nothing;
 *  - what root set /proc/memlab/target to stays unreadable to nobody;
 *  - reading yourself needs nothing (pid 0 and your own pid);
 *  - raw entries, PFNs and swap slots need CAP_SYS_ADMIN: without it VTOP
 *    and /proc/memlab/vtop show the decoded flags with every physical
 *    number 0, as /proc/PID/pagemap does;
 *  - CAP_SYS_PTRACE alone reads another process, still without PFNs;
 *    CAP_SYS_ADMIN alone sees PFNs but does not read another process.
 *
 *  - fault injection (INJECT, RESTORE, LIST_FAULTS, /proc/memlab/faults)
 *    needs CAP_SYS_ADMIN, and arming another process's pages also needs
 *    what reading it needs (CAP_SYS_PTRACE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/memlab.h>

#include "kselftest_harness.h"

#define PS		4096UL		/* x86_64 only (SPEC section 1) */
#define NOBODY		65534

/* Who the child becomes. */
enum who {
	AS_NOBODY,		/* uid/gid 65534, no capability */
	AS_NOBODY_PTRACE,	/* the same, with CAP_SYS_PTRACE only */
	AS_NOBODY_ADMIN,	/* the same, with CAP_SYS_ADMIN only */
	AS_ROOT_NO_CAPS,	/* uid 0 without any capability */
};

static const char * const who_names[] = {
	"nobody", "nobody+CAP_SYS_PTRACE", "nobody+CAP_SYS_ADMIN", "uid 0 without capabilities",
};

/* What one request did. */
struct res {
	int ret;
	int err;
	bool done;
};

enum req {
	Q_SUMMARY, Q_MAPS, Q_SCAN, Q_VTOP,		/* ioctls */
	Q_TARGET_WRITE, Q_SUMMARY_FILE, Q_MAPS_FILE, Q_VTOP_FILE,	/* /proc */
	Q_NR
};

static const char * const req_names[Q_NR] = {
	"SUMMARY", "MAPS", "SCAN", "VTOP", "write target", "read summary",
	"read maps", "read vtop",
};

/* Shared between the test and its unprivileged child. */
struct shared {
	int step;			/* where the child gave up, 0: it did not */
	unsigned long long cap_eff;	/* CapEff the child ran with */
	unsigned int uid;
	struct res other[Q_NR];		/* another process */
	struct res sibling[Q_NR];	/* another process of the same user */
	struct res init[Q_NR];		/* pid 1 */
	struct res zero[Q_NR];		/* pid 0: the caller */
	struct res own[Q_NR];		/* the caller's own pid */
	struct res kthread, missing, version, open_dev;
	struct res swap_vtop;
	struct res inject_other, inject_own, restore_all, list, faults_file;
	struct memlab_vtop vtop_own, vtop_other, vtop_swapped;
	struct memlab_summary sum_own, sum_other;
	char target_after[32];		/* /proc/memlab/target after the writes */
	char vtop_text[4096];		/* /proc/memlab/vtop as the child read it */
	char vtop_text_other[4096];
};

/* A page of ours, touched: the victim has it at the same address. */
static char *page;
static char *swapped;

/* --- becoming someone else ---------------------------------------------------- */

static int set_caps(__u32 caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
		{ .effective = caps, .permitted = caps },
	};

	return syscall(SYS_capset, &hdr, data);
}

static unsigned long long cap_eff(void)
{
	unsigned long long v = ~0ULL;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int become(enum who who)
{
	__u32 caps = 0;

	if (who == AS_NOBODY_PTRACE)
		caps = 1u << CAP_SYS_PTRACE;
	else if (who == AS_NOBODY_ADMIN)
		caps = 1u << CAP_SYS_ADMIN;
	if (who != AS_ROOT_NO_CAPS) {
		/* Keep the permitted set across setuid(), to raise one again. */
		if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
		    setgid(NOBODY) || setuid(NOBODY))
			return -1;
	}
	if (set_caps(caps))
		return -1;
	/* setuid() cleared both. */
	prctl(PR_SET_DUMPABLE, 1);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

/* --- the requests ---------------------------------------------------------------- */

static struct res result(int ret)
{
	struct res r = { .ret = ret, .err = ret < 0 ? errno : 0, .done = true };

	return r;
}

static struct res do_summary(int fd, pid_t pid, struct memlab_summary *out)
{
	struct memlab_summary s = { .size = sizeof(s), .pid = pid };
	struct res r = result(ioctl(fd, MEMLAB_IOC_SUMMARY, &s));

	if (out)
		*out = s;
	return r;
}

static struct res do_maps(int fd, pid_t pid)
{
	static struct memlab_vma vec[64];
	struct memlab_maps m = {
		.size = sizeof(m), .pid = pid, .vma_size = sizeof(vec[0]),
		.vec = (uintptr_t)vec, .vec_len = 64,
	};

	return result(ioctl(fd, MEMLAB_IOC_MAPS, &m));
}

static struct res do_scan(int fd, pid_t pid)
{
	static struct memlab_scan_region vec[64];
	struct memlab_scan s = {
		.size = sizeof(s), .pid = pid, .start = (uintptr_t)page,
		.end = (uintptr_t)page + PS, .vec = (uintptr_t)vec, .vec_len = 64,
		.return_mask = MEMLAB_PAGE_CATEGORIES,
	};

	return result(ioctl(fd, MEMLAB_IOC_SCAN, &s));
}

static struct res do_vtop(int fd, pid_t pid, unsigned long addr, struct memlab_vtop *out)
{
	struct memlab_vtop v = { .size = sizeof(v), .pid = pid, .addr = addr };
	struct res r = result(ioctl(fd, MEMLAB_IOC_VTOP, &v));

	if (out)
		*out = v;
	return r;
}

static int write_file(const char *name, const char *text)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), MEMLAB_PROC_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, text, strlen(text));
	if (ret < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	close(fd);
	return ret;
}

/* Read a /proc/memlab file whole into @buf; its length or -1. */
static int read_file(const char *name, char *buf, size_t size)
{
	char path[64];
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), MEMLAB_PROC_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			int err = errno;

			close(fd);
			errno = err;
			return -1;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return (int)len;
}

static void copy_text(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static struct res pid_text_write(pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%d\n", pid);
	return result(write_file("target", text));
}

/*
 * Everything one can ask about @pid: the ioctls, then the files with the
 * target set to it, if we may set it (when we may not, the files show
 * what they showed before: the test where root sets the target checks
 * that they refuse).
 */
static void try_all(int fd, pid_t pid, struct res *out, char *vtop_text)
{
	char buf[8192], addr[32];

	out[Q_SUMMARY] = do_summary(fd, pid, NULL);
	out[Q_MAPS] = do_maps(fd, pid);
	out[Q_SCAN] = do_scan(fd, pid);
	out[Q_VTOP] = do_vtop(fd, pid, (uintptr_t)page, NULL);
	out[Q_TARGET_WRITE] = pid_text_write(pid);
	if (out[Q_TARGET_WRITE].ret < 0)
		return;
	out[Q_SUMMARY_FILE] = result(read_file("summary", buf, sizeof(buf)));
	out[Q_MAPS_FILE] = result(read_file("maps", buf, sizeof(buf)));
	snprintf(addr, sizeof(addr), "%#lx\n", (unsigned long)page);
	write_file("vtop", addr);
	out[Q_VTOP_FILE] = result(read_file("vtop", buf, sizeof(buf)));
	if (vtop_text && out[Q_VTOP_FILE].ret >= 0)
		copy_text(vtop_text, 4096, buf);
	write_file("target", "self\n");
}

/* --- the fixture: a victim of root's, one of nobody's ---------------------------- */

FIXTURE(priv) {
	int fd;
	pid_t victim;		/* root's, with @page written */
	pid_t sibling;		/* nobody's */
	struct shared *sh;
};

static pid_t spawn(bool as_nobody)
{
	int pipefd[2];
	char c;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		if (as_nobody && (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(1);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		page[0] = 42;	/* a page of its own, present */
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (pid < 0 || read(pipefd[0], &c, 1) != 1)
		pid = -1;
	close(pipefd[0]);
	return pid;
}

FIXTURE_SETUP(priv)
{
	self->fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	self->victim = self->sibling = 0;
	self->sh = NULL;
	if (self->fd < 0)
		SKIP(return, "memlab is not loaded");
	if (geteuid())
		SKIP(return, "needs root to become other users");
	page = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	page[0] = 1;
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	memset(self->sh, 0, sizeof(*self->sh));
	self->victim = spawn(false);
	ASSERT_LT(0, self->victim);
	self->sibling = spawn(true);
	ASSERT_LT(0, self->sibling);
	/*
	 * A page for swap (the VM has zram), mapped by us alone:
	 * MADV_PAGEOUT leaves pages that are mapped twice.
	 */
	swapped = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, swapped);
	swapped[0] = 1;
	ASSERT_LT(0, write_file("target", "self\n"));
}

FIXTURE_TEARDOWN(priv)
{
	if (self->victim > 0)
		kill(self->victim, SIGKILL);
	if (self->sibling > 0)
		kill(self->sibling, SIGKILL);
	if (self->victim > 0)
		waitpid(self->victim, NULL, 0);
	if (self->sibling > 0)
		waitpid(self->sibling, NULL, 0);
	if (self->fd >= 0) {
		write_file("target", "self\n");
		close(self->fd);
	}
}

/* Arm a write-deny on @page of @victim, then of ourselves; restore; list. */
static void try_injection(int fd, pid_t victim, struct shared *sh)
{
	struct memlab_inject inj = {
		.size = sizeof(inj), .pid = victim, .start = (uintptr_t)page,
		.len = PS, .deny = MEMLAB_DENY_WRITE,
	};
	struct memlab_restore res = { .size = sizeof(res), .flags = MEMLAB_RESTORE_ALL };
	struct memlab_fault_info info[4];
	struct memlab_list_faults list = {
		.size = sizeof(list), .vec = (uintptr_t)info, .vec_len = 4,
		.info_size = sizeof(info[0]),
	};
	int f;

	sh->inject_other = result(ioctl(fd, MEMLAB_IOC_INJECT, &inj));
	inj.pid = 0;
	sh->inject_own = result(ioctl(fd, MEMLAB_IOC_INJECT, &inj));
	sh->restore_all = result(ioctl(fd, MEMLAB_IOC_RESTORE, &res));
	sh->list = result(ioctl(fd, MEMLAB_IOC_LIST_FAULTS, &list));
	f = open("/proc/memlab/faults", O_RDONLY | O_CLOEXEC);
	sh->faults_file = result(f);
	if (f >= 0)
		close(f);
}

/*
 * Run the requests as @who in a child; the results are in self->sh.
 * @root_target: root sets /proc/memlab/target to that process first, and
 * the child only reads the files.
 */
static void run_as(struct __test_metadata *_metadata, FIXTURE_DATA(priv) *self,
		   enum who who, pid_t root_target)
{
	struct shared *sh = self->sh;
	pid_t victim = self->victim, sibling = self->sibling, pid;
	bool victim_target = root_target != 0;
	int status;

	memset(sh, 0, sizeof(*sh));
	if (victim_target) {
		char text[32], addr[32];

		snprintf(text, sizeof(text), "%d\n", root_target);
		ASSERT_LT(0, write_file("target", text)) TH_LOG("root could not set the target: %s",
								strerror(errno));
		snprintf(addr, sizeof(addr), "%#lx\n", (unsigned long)page);
		ASSERT_LT(0, write_file("vtop", addr));
	}
	/* Swapped out, for the swap slot VTOP must hide. */
	madvise(swapped, PS, MADV_PAGEOUT);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char buf[8192];
		int fd;

		sh->step = 1;
		if (become(who))
			_exit(1);
		sh->cap_eff = cap_eff();
		sh->uid = getuid();
		page[0] = 2;	/* our own copy of it, writable */
		sh->step = 2;
		fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
		sh->open_dev = result(fd);
		if (fd < 0)
			_exit(2);
		sh->version = result(ioctl(fd, MEMLAB_IOC_VERSION,
					   &(struct memlab_version){ .size = sizeof(struct memlab_version) }));
		if (victim_target) {
			/* What root set: the files must refuse us, or not. */
			sh->other[Q_SUMMARY_FILE] = result(read_file("summary", buf, sizeof(buf)));
			sh->other[Q_MAPS_FILE] = result(read_file("maps", buf, sizeof(buf)));
			sh->other[Q_VTOP_FILE] = result(read_file("vtop", buf, sizeof(buf)));
			if (sh->other[Q_VTOP_FILE].ret >= 0)
				copy_text(sh->vtop_text_other, sizeof(sh->vtop_text_other), buf);
			_exit(0);
		}
		sh->step = 3;
		/* A refused write leaves the target as it was ("self"). */
		pid_text_write(victim);
		if (read_file("target", sh->target_after, sizeof(sh->target_after)) < 0)
			sh->target_after[0] = '\0';
		try_all(fd, victim, sh->other, sh->vtop_text_other);
		do_summary(fd, victim, &sh->sum_other);
		do_vtop(fd, victim, (uintptr_t)page, &sh->vtop_other);
		try_all(fd, sibling, sh->sibling, NULL);
		try_all(fd, 1, sh->init, NULL);
		sh->step = 4;
		try_all(fd, 0, sh->zero, sh->vtop_text);
		try_all(fd, getpid(), sh->own, NULL);
		do_summary(fd, 0, &sh->sum_own);
		do_vtop(fd, getpid(), (uintptr_t)page, &sh->vtop_own);
		sh->swap_vtop = do_vtop(fd, 0, (uintptr_t)swapped, &sh->vtop_swapped);
		sh->kthread = do_summary(fd, 2, NULL);
		sh->missing = do_summary(fd, 0x3ffffff, NULL);
		sh->step = 5;
		try_injection(fd, victim, sh);
		sh->step = 0;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("the child died: status %#x", status);
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("as %s: the child failed at step %d: %s",
						 who_names[who], sh->step,
						 sh->open_dev.done ? strerror(sh->open_dev.err) : "becoming");
	if (victim_target) {
		write_file("target", "self\n");
		return;
	}
	ASSERT_EQ(0, sh->step);
}

/* The child really ran as @who. */
static void expect_identity(struct __test_metadata *_metadata, const struct shared *sh,
			    enum who who)
{
	unsigned long long want = who == AS_NOBODY_PTRACE ? 1ULL << CAP_SYS_PTRACE :
				  who == AS_NOBODY_ADMIN ? 1ULL << CAP_SYS_ADMIN : 0;

	EXPECT_EQ(want, sh->cap_eff) TH_LOG("as %s: CapEff %#llx", who_names[who], sh->cap_eff);
	EXPECT_EQ(who == AS_ROOT_NO_CAPS ? 0u : (unsigned int)NOBODY, sh->uid);
	/* /dev/memlab is open to all: refusals come from the requests. */
	EXPECT_EQ(0, sh->open_dev.err);
	EXPECT_EQ(0, sh->version.ret);
}

static void expect_all(struct __test_metadata *_metadata, const struct res *r, int err,
		       const char *whose, enum who who)
{
	int q;

	for (q = 0; q < Q_NR; q++) {
		if (!r[q].done)
			continue;
		if (err) {
			EXPECT_EQ(-1, r[q].ret) TH_LOG("as %s: %s of %s succeeded", who_names[who],
						       req_names[q], whose);
			EXPECT_EQ(err, r[q].err) TH_LOG("as %s: %s of %s: %s, not %s", who_names[who],
							req_names[q], whose, strerror(r[q].err),
							strerror(err));
		} else {
			EXPECT_LE(0, r[q].ret) TH_LOG("as %s: %s of %s: %s", who_names[who],
						      req_names[q], whose, strerror(r[q].err));
		}
	}
}

/* Every level read shows flags; no raw value, PFN or swap slot. */
static void expect_no_physical(struct __test_metadata *_metadata, const struct memlab_vtop *v,
			       const char *what)
{
	int i;

	EXPECT_EQ(MEMLAB_VTOP_PRESENT, v->result) TH_LOG("%s: result %u", what, v->result);
	EXPECT_LE(4, v->nr_levels);
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++) {
		unsigned long long value = v->levels[i].value;

		EXPECT_EQ(0, value) TH_LOG("%s: level %d raw value %#llx", what, i, value);
	}
	EXPECT_EQ(0, v->pfn) TH_LOG("%s: pfn %#llx", what, (unsigned long long)v->pfn);
	EXPECT_TRUE(v->levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_PRESENT);
	EXPECT_TRUE(v->levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_USER);
	EXPECT_TRUE(v->levels[MEMLAB_LEVEL_PTE_IDX].flags & MEMLAB_PTE_RW);
	EXPECT_TRUE(v->levels[MEMLAB_LEVEL_PGD_IDX].flags & MEMLAB_PTE_PRESENT);
	EXPECT_EQ(12, v->page_shift);
}

static void expect_physical(struct __test_metadata *_metadata, const struct memlab_vtop *v,
			    const char *what)
{
	EXPECT_EQ(MEMLAB_VTOP_PRESENT, v->result) TH_LOG("%s: result %u", what, v->result);
	EXPECT_NE(0, v->pfn) TH_LOG("%s: no pfn with CAP_SYS_ADMIN", what);
	EXPECT_NE(0, v->levels[MEMLAB_LEVEL_PTE_IDX].value);
	EXPECT_NE(0, v->levels[MEMLAB_LEVEL_PGD_IDX].value);
}

/*
 * /proc/memlab/vtop text: every level line's raw value and the PFN,
 * summed (0 when hidden); -1 if the text is not a walk to a present page.
 */
static long long vtop_text_physical(const char *text)
{
	static const char * const levels[] = { "pgd ", "p4d ", "pud ", "pmd ", "pte " };
	long long sum = 0;
	const char *line, *p;
	unsigned int i, seen = 0;

	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			if (!strncmp(line, levels[i], 4)) {
				sum |= strtoll(line + 4, NULL, 16);
				seen++;
			}
		}
	}
	p = strstr(text, "Result:");
	if (!p || !(p = strstr(p, "present pfn ")) || seen < 4)
		return -1;
	return sum | strtoll(p + strlen("present pfn "), NULL, 16);
}

/* --- the tests -------------------------------------------------------------------- */

TEST_F(priv, nobody_cannot_read_another_process)
{
	run_as(_metadata, self, AS_NOBODY, 0);
	expect_identity(_metadata, self->sh, AS_NOBODY);
	/* Its target writes were refused: the files were not read here. */
	EXPECT_FALSE(self->sh->other[Q_SUMMARY_FILE].done);
	expect_all(_metadata, self->sh->other, EPERM, "root's process", AS_NOBODY);
	expect_all(_metadata, self->sh->sibling, EPERM, "another process of nobody's", AS_NOBODY);
	expect_all(_metadata, self->sh->init, EPERM, "init", AS_NOBODY);
}

TEST_F(priv, refused_target_write_changes_nothing)
{
	run_as(_metadata, self, AS_NOBODY, 0);
	EXPECT_EQ(EPERM, self->sh->other[Q_TARGET_WRITE].err);
	EXPECT_STREQ("self\n", self->sh->target_after);
}

TEST_F(priv, nobody_cannot_read_what_root_targets)
{
	const pid_t targets[] = { self->victim, self->sibling, 1 };
	const char * const names[] = { "root's process", "another process of nobody's", "init" };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		run_as(_metadata, self, AS_NOBODY, targets[i]);
		expect_all(_metadata, self->sh->other, EPERM, names[i], AS_NOBODY);
		EXPECT_TRUE(self->sh->other[Q_SUMMARY_FILE].done &&
			    self->sh->other[Q_MAPS_FILE].done && self->sh->other[Q_VTOP_FILE].done);
	}
}

TEST_F(priv, nobody_reads_itself)
{
	run_as(_metadata, self, AS_NOBODY, 0);
	expect_all(_metadata, self->sh->zero, 0, "pid 0", AS_NOBODY);
	expect_all(_metadata, self->sh->own, 0, "its own pid", AS_NOBODY);
	EXPECT_LT(0, self->sh->sum_own.rss);
	EXPECT_LT(0, self->sh->sum_own.vmas);
}

TEST_F(priv, nobody_vtop_of_itself_has_flags_but_no_physical_numbers)
{
	struct memlab_vtop *v = &self->sh->vtop_swapped;
	int i;

	run_as(_metadata, self, AS_NOBODY, 0);
	expect_no_physical(_metadata, &self->sh->vtop_own, "VTOP of its own page");
	EXPECT_EQ(0, vtop_text_physical(self->sh->vtop_text))
		TH_LOG("/proc/memlab/vtop as nobody:\n%s", self->sh->vtop_text);

	ASSERT_EQ(0, self->sh->swap_vtop.ret);
	if (v->result != MEMLAB_VTOP_SWAP)
		SKIP(return, "the page did not go to swap (result %u): no swap?", v->result);
	EXPECT_EQ(0, v->swap_type);
	EXPECT_EQ(0, v->swap_offset);
	EXPECT_EQ(0, v->pfn);
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++) {
		unsigned long long value = v->levels[i].value;

		EXPECT_EQ(0, value) TH_LOG("swapped page: level %d raw value %#llx", i, value);
	}
}

/* The control: root does see physical numbers, so the zeroes above mean something. */
TEST_F(priv, root_vtop_shows_physical_numbers)
{
	struct memlab_vtop v;
	char addr[32], text[4096];

	ASSERT_EQ(0, do_vtop(self->fd, self->victim, (uintptr_t)page, &v).ret);
	expect_physical(_metadata, &v, "root, VTOP of another process");
	snprintf(addr, sizeof(addr), "%#lx\n", (unsigned long)page);
	ASSERT_LT(0, write_file("vtop", addr));
	ASSERT_LT(0, read_file("vtop", text, sizeof(text)));
	EXPECT_LT(0, vtop_text_physical(text)) TH_LOG("/proc/memlab/vtop as root:\n%s", text);
}

TEST_F(priv, cap_sys_ptrace_alone_reads_another_process_without_pfns)
{
	run_as(_metadata, self, AS_NOBODY_PTRACE, 0);
	expect_identity(_metadata, self->sh, AS_NOBODY_PTRACE);
	expect_all(_metadata, self->sh->other, 0, "root's process", AS_NOBODY_PTRACE);
	expect_all(_metadata, self->sh->sibling, 0, "another process of nobody's", AS_NOBODY_PTRACE);
	EXPECT_LT(0, self->sh->sum_other.rss);
	expect_no_physical(_metadata, &self->sh->vtop_other, "CAP_SYS_PTRACE, VTOP of another process");
	expect_no_physical(_metadata, &self->sh->vtop_own, "CAP_SYS_PTRACE, VTOP of itself");
	EXPECT_EQ(0, vtop_text_physical(self->sh->vtop_text_other))
		TH_LOG("/proc/memlab/vtop of another process:\n%s", self->sh->vtop_text_other);
}

TEST_F(priv, cap_sys_ptrace_alone_reads_what_root_targets)
{
	run_as(_metadata, self, AS_NOBODY_PTRACE, self->victim);
	EXPECT_LE(0, self->sh->other[Q_SUMMARY_FILE].ret);
	EXPECT_LE(0, self->sh->other[Q_MAPS_FILE].ret);
	EXPECT_LE(0, self->sh->other[Q_VTOP_FILE].ret);
	EXPECT_EQ(0, vtop_text_physical(self->sh->vtop_text_other))
		TH_LOG("/proc/memlab/vtop:\n%s", self->sh->vtop_text_other);
}

TEST_F(priv, cap_sys_admin_alone_sees_pfns_but_not_another_process)
{
	run_as(_metadata, self, AS_NOBODY_ADMIN, 0);
	expect_identity(_metadata, self->sh, AS_NOBODY_ADMIN);
	expect_all(_metadata, self->sh->other, EPERM, "root's process", AS_NOBODY_ADMIN);
	expect_all(_metadata, self->sh->zero, 0, "pid 0", AS_NOBODY_ADMIN);
	expect_physical(_metadata, &self->sh->vtop_own, "CAP_SYS_ADMIN, VTOP of itself");
	EXPECT_LT(0, vtop_text_physical(self->sh->vtop_text))
		TH_LOG("/proc/memlab/vtop:\n%s", self->sh->vtop_text);
}

/* Capabilities decide, not the uid. */
TEST_F(priv, uid_0_without_capabilities_is_refused)
{
	run_as(_metadata, self, AS_ROOT_NO_CAPS, 0);
	expect_identity(_metadata, self->sh, AS_ROOT_NO_CAPS);
	expect_all(_metadata, self->sh->other, EPERM, "root's process", AS_ROOT_NO_CAPS);
	expect_all(_metadata, self->sh->zero, 0, "pid 0", AS_ROOT_NO_CAPS);
	expect_no_physical(_metadata, &self->sh->vtop_own, "uid 0 without capabilities, VTOP of itself");
}

/* What is not a question of privilege stays what it is (proc.rst, abi.rst). */
TEST_F(priv, nobody_gets_einval_for_a_kernel_thread_and_esrch_for_no_process)
{
	run_as(_metadata, self, AS_NOBODY, 0);
	EXPECT_EQ(-1, self->sh->kthread.ret);
	EXPECT_EQ(EINVAL, self->sh->kthread.err) TH_LOG("pid 2: %s", strerror(self->sh->kthread.err));
	EXPECT_EQ(-1, self->sh->missing.ret);
	EXPECT_EQ(ESRCH, self->sh->missing.err) TH_LOG("no such pid: %s", strerror(self->sh->missing.err));
}

/* Nothing is left armed: what a child armed, it restored. */
static void expect_nothing_armed(struct __test_metadata *_metadata, int fd)
{
	struct memlab_fault_info info[4];
	struct memlab_list_faults list = {
		.size = sizeof(list), .vec = (uintptr_t)info, .vec_len = 4,
		.info_size = sizeof(info[0]),
	};

	ASSERT_EQ(0, ioctl(fd, MEMLAB_IOC_LIST_FAULTS, &list));
	EXPECT_EQ(0, list.count);
}

static void expect_no_injection(struct __test_metadata *_metadata,
				const struct shared *sh, enum who who)
{
	EXPECT_EQ(EPERM, sh->inject_other.err) TH_LOG("%s: INJECT another", who_names[who]);
	EXPECT_EQ(EPERM, sh->inject_own.err) TH_LOG("%s: INJECT itself", who_names[who]);
	EXPECT_EQ(EPERM, sh->restore_all.err) TH_LOG("%s: RESTORE", who_names[who]);
	EXPECT_EQ(EPERM, sh->list.err) TH_LOG("%s: LIST_FAULTS", who_names[who]);
	EXPECT_EQ(EACCES, sh->faults_file.err) TH_LOG("%s: open faults", who_names[who]);
}

TEST_F(priv, nobody_cannot_inject)
{
	run_as(_metadata, self, AS_NOBODY, 0);
	expect_no_injection(_metadata, self->sh, AS_NOBODY);
	expect_nothing_armed(_metadata, self->fd);
}

TEST_F(priv, cap_sys_ptrace_alone_cannot_inject)
{
	run_as(_metadata, self, AS_NOBODY_PTRACE, 0);
	expect_no_injection(_metadata, self->sh, AS_NOBODY_PTRACE);
	expect_nothing_armed(_metadata, self->fd);
}

TEST_F(priv, uid_0_without_capabilities_cannot_inject)
{
	run_as(_metadata, self, AS_ROOT_NO_CAPS, 0);
	EXPECT_EQ(EPERM, self->sh->inject_other.err);
	EXPECT_EQ(EPERM, self->sh->inject_own.err);
	EXPECT_EQ(EPERM, self->sh->restore_all.err);
	EXPECT_EQ(EPERM, self->sh->list.err);
	expect_nothing_armed(_metadata, self->fd);
}

/* CAP_SYS_ADMIN injects, but into another process only with CAP_SYS_PTRACE. */
TEST_F(priv, cap_sys_admin_alone_injects_into_itself_only)
{
	run_as(_metadata, self, AS_NOBODY_ADMIN, 0);
	EXPECT_EQ(EPERM, self->sh->inject_other.err);
	EXPECT_EQ(0, self->sh->inject_own.ret) TH_LOG("INJECT itself: %s",
						      strerror(self->sh->inject_own.err));
	EXPECT_EQ(0, self->sh->restore_all.ret);
	EXPECT_EQ(0, self->sh->list.ret);
	expect_nothing_armed(_metadata, self->fd);
}

TEST_HARNESS_MAIN
