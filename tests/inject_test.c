// SPDX-License-Identifier: GPL-2.0
/*
 * Protection-fault injection (SPEC section 6), tested from the target's
 * side. A target process maps pages of each kind and runs one memory
 * access at a time on command, in its main thread or a second one; its
 * SIGSEGV handler reports what it saw (si_code, si_addr, the thread) back
 * over a pipe. Every expected hit is also looked for in the kernel log, as
 * lkdtm's tests do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/memlab.h>

#include "kselftest_harness.h"

/* The suite runs in an emulated VM, sometimes on a KASAN kernel. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define PS		4096UL
#define MiB		(1UL << 20)
#define NOBODY		65534
#define RET_OPCODE	0xc3	/* x86 "ret": byte 0 of every target page */
#define PM_SWAP		(1ULL << 62)

#define R		MEMLAB_DENY_READ
#define W		MEMLAB_DENY_WRITE
#define X		MEMLAB_DENY_EXEC

/* --- the target ----------------------------------------------------------- */

enum map_kind {
	MAP_ANON_PRIVATE,	/* malloc-like memory */
	MAP_FILE_PRIVATE,	/* a file mapped MAP_PRIVATE */
	MAP_ANON_SHARED,	/* MAP_SHARED | MAP_ANONYMOUS */
	MAP_SHMEM,		/* a memfd mapped MAP_SHARED */
	MAP_THP,		/* 4 MiB of anonymous memory, THP wanted */
	MAP_RESERVE,		/* PROT_NONE address space, for mremap */
	MAP_KINDS_TESTED = MAP_THP,
};

static const char *const kind_names[] = {
	"anon-private", "file-private", "anon-shared", "shmem", "thp", "reserve",
};

enum op {
	OP_MAP,		/* kind, len -> value = address */
	OP_READ,	/* addr -> value = the byte */
	OP_WRITE,	/* addr, value */
	OP_EXEC,	/* call addr */
	OP_SUM,		/* addr, len -> value = checksum */
	OP_SYS_WRITE,	/* write(2) of [addr, addr + len) to a pipe */
	OP_SYS_READ,	/* read(2) of the same bytes into [addr, addr + len) */
	OP_MADVISE,	/* addr, len, value = advice */
	OP_FORK,	/* a child writes addr (value) and calls len: exit status */
	OP_MUNMAP,	/* addr, len */
	OP_MREMAP,	/* addr, len to value (MREMAP_FIXED) */
	OP_TID,		/* -> value = the executing thread's tid */
	OP_EXIT,
};

struct cmd {
	uint32_t op;
	uint32_t in_thread;	/* run in the second thread */
	uint32_t handler_returns; /* the SIGSEGV handler returns (one-shot) */
	uint32_t kind;
	uint64_t addr;
	uint64_t len;
	uint64_t value;
};

struct reply {
	int64_t ret;		/* 0, -1 when the access faulted, or a syscall's */
	int32_t err;		/* errno of a failed syscall */
	uint32_t nsig;		/* SIGSEGVs taken */
	int32_t sig_code;	/* si_code of the last one */
	int32_t sig_tid;	/* the thread that took it */
	uint64_t sig_addr;	/* si_addr of the last one */
	uint64_t value;
};

static volatile uint32_t t_nsig;
static volatile int32_t t_sig_code, t_sig_tid;
static volatile uint64_t t_sig_addr;
static __thread sigjmp_buf t_jmp;
static __thread volatile int t_jmp_armed;

static uint8_t pattern(uint64_t addr)
{
	if (!(addr % PS))
		return RET_OPCODE;
	return (uint8_t)((addr * 2654435761u) >> 24);
}

static void target_sigsegv(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)uctx;
	t_nsig++;
	t_sig_code = info->si_code;
	t_sig_addr = (uint64_t)(uintptr_t)info->si_addr;
	t_sig_tid = (int32_t)syscall(SYS_gettid);
	if (t_jmp_armed)
		siglongjmp(t_jmp, 1);
	/* One-shot: return, and the access is retried. */
}

static uint64_t checksum(const volatile uint8_t *p, uint64_t len)
{
	uint64_t h = 1469598103934665603ULL;

	while (len--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

static uint64_t target_map(uint32_t kind, uint64_t len)
{
	int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	uint8_t *p = MAP_FAILED;
	uint64_t i;
	int fd;

	switch (kind) {
	case MAP_ANON_PRIVATE:
		p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case MAP_ANON_SHARED:
		p = mmap(NULL, len, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		break;
	case MAP_FILE_PRIVATE:
	case MAP_SHMEM:
		fd = memfd_create("memlab-inject", 0);
		if (fd < 0 || ftruncate(fd, len))
			return 0;
		if (kind == MAP_FILE_PRIVATE) {
			/* Written through the file, so the mapping reads it. */
			uint8_t *w = mmap(NULL, len, PROT_READ | PROT_WRITE,
					  MAP_SHARED, fd, 0);

			if (w == MAP_FAILED)
				return 0;
			p = mmap(NULL, len, prot, MAP_PRIVATE, fd, 0);
			for (i = 0; p != MAP_FAILED && i < len; i++)
				w[i] = pattern((uint64_t)(uintptr_t)p + i);
			munmap(w, len);
			close(fd);
			if (p == MAP_FAILED)
				return 0;
			/* Touch, so that every page is mapped before it is armed. */
			for (i = 0; i < len; i += PS)
				(void)*(volatile uint8_t *)(p + i);
			return (uint64_t)(uintptr_t)p;
		}
		p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
		close(fd);
		break;
	case MAP_THP: {
		uint8_t *area = mmap(NULL, len + 2 * MiB, prot,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (area == MAP_FAILED)
			return 0;
		p = (uint8_t *)(((uintptr_t)area + 2 * MiB - 1) & ~(2 * MiB - 1));
		madvise(p, len, MADV_HUGEPAGE);
		break;
	}
	case MAP_RESERVE:
		p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? 0 : (uint64_t)(uintptr_t)p;
	}
	if (p == MAP_FAILED)
		return 0;
	if (kind != MAP_THP)
		madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i++)
		p[i] = pattern((uint64_t)(uintptr_t)p + i);
	return (uint64_t)(uintptr_t)p;
}

/* One memory access, with its SIGSEGVs reported. */
static void target_access(const struct cmd *c, struct reply *r)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)c->addr;

	t_nsig = 0;
	t_sig_code = 0;
	t_sig_addr = 0;
	t_sig_tid = 0;
	t_jmp_armed = !c->handler_returns;
	if (sigsetjmp(t_jmp, 1) == 0) {
		switch (c->op) {
		case OP_READ:
			r->value = *p;
			break;
		case OP_WRITE:
			*p = (uint8_t)c->value;
			break;
		case OP_EXEC:
			((void (*)(void))(uintptr_t)c->addr)();
			break;
		}
		r->ret = 0;
	} else {
		r->ret = -1;
	}
	t_jmp_armed = 0;
	r->nsig = t_nsig;
	r->sig_code = t_sig_code;
	r->sig_addr = t_sig_addr;
	r->sig_tid = t_sig_tid;
}

static void target_syscall(const struct cmd *c, struct reply *r)
{
	uint8_t *p = (uint8_t *)(uintptr_t)c->addr;
	int fds[2];

	if (pipe(fds))
		exit(3);
	if (c->op == OP_SYS_WRITE) {
		r->ret = write(fds[1], p, c->len);
	} else {
		/* The bytes the page holds already: nothing changes if it works. */
		uint8_t *copy = malloc(c->len);
		uint64_t i;

		for (i = 0; i < c->len; i++)
			copy[i] = pattern(c->addr + i);
		if (write(fds[1], copy, c->len) != (ssize_t)c->len)
			exit(3);
		free(copy);
		r->ret = read(fds[0], p, c->len);
	}
	r->err = r->ret < 0 ? errno : 0;
	close(fds[0]);
	close(fds[1]);
}

/* fork(); the child writes and executes, and says what faulted. */
static void target_fork(const struct cmd *c, struct reply *r)
{
	struct cmd access = *c;
	struct reply cr = {};
	int status;
	pid_t pid = fork();

	if (!pid) {
		int faults = 0;

		access.op = OP_WRITE;
		target_access(&access, &cr);
		faults |= cr.nsig ? 1 : 0;
		if (c->len) {
			access.op = OP_EXEC;
			access.addr = c->len;
			target_access(&access, &cr);
			faults |= cr.nsig ? 2 : 0;
		}
		_exit(faults);
	}
	r->ret = waitpid(pid, &status, 0) == pid && WIFEXITED(status) ?
		 WEXITSTATUS(status) : -2;
}

static void target_run(const struct cmd *c, struct reply *r)
{
	switch (c->op) {
	case OP_MAP:
		r->value = target_map(c->kind, c->len);
		break;
	case OP_READ:
	case OP_WRITE:
	case OP_EXEC:
		target_access(c, r);
		break;
	case OP_SUM:
		r->value = checksum((volatile uint8_t *)(uintptr_t)c->addr, c->len);
		break;
	case OP_SYS_WRITE:
	case OP_SYS_READ:
		target_syscall(c, r);
		break;
	case OP_MADVISE:
		r->ret = madvise((void *)(uintptr_t)c->addr, c->len, (int)c->value);
		r->err = r->ret ? errno : 0;
		break;
	case OP_FORK:
		target_fork(c, r);
		break;
	case OP_MUNMAP:
		r->ret = munmap((void *)(uintptr_t)c->addr, c->len);
		break;
	case OP_MREMAP:
		r->value = (uint64_t)(uintptr_t)mremap((void *)(uintptr_t)c->addr,
						       c->len, c->len,
						       MREMAP_MAYMOVE | MREMAP_FIXED,
						       (void *)(uintptr_t)c->value);
		break;
	case OP_TID:
		r->value = syscall(SYS_gettid);
		break;
	case OP_EXIT:
		_exit(0);
	}
}

static int worker_cmd[2], worker_rep[2];

static void *target_worker(void *unused)
{
	struct cmd c;
	struct reply r;

	(void)unused;
	while (read(worker_cmd[0], &c, sizeof(c)) == sizeof(c)) {
		memset(&r, 0, sizeof(r));
		target_run(&c, &r);
		if (write(worker_rep[1], &r, sizeof(r)) != sizeof(r))
			break;
	}
	return NULL;
}

static void __attribute__((noreturn)) target_main(int cmd_fd, int rep_fd)
{
	struct sigaction sa = { .sa_sigaction = target_sigsegv,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	pthread_t worker;
	struct cmd c;
	struct reply r;

	if (sigaction(SIGSEGV, &sa, NULL) || pipe(worker_cmd) ||
	    pipe(worker_rep) ||
	    pthread_create(&worker, NULL, target_worker, NULL))
		_exit(3);
	while (read(cmd_fd, &c, sizeof(c)) == sizeof(c)) {
		memset(&r, 0, sizeof(r));
		if (c.in_thread) {
			if (write(worker_cmd[1], &c, sizeof(c)) != sizeof(c) ||
			    read(worker_rep[0], &r, sizeof(r)) != sizeof(r))
				_exit(3);
		} else {
			target_run(&c, &r);
		}
		if (write(rep_fd, &r, sizeof(r)) != sizeof(r))
			_exit(3);
	}
	_exit(0);
}

/* --- the test's side ---------------------------------------------------- */

FIXTURE(inject) {
	int fd;
	pid_t pid;
	int cmd_fd, rep_fd;
	int kmsg_fd;
	char *log;		/* kernel log lines since the fixture began */
	size_t log_len;
};

static struct reply call(struct __test_metadata *_metadata,
			 FIXTURE_DATA(inject) *self, struct cmd c)
{
	struct pollfd pfd = { .fd = self->rep_fd, .events = POLLIN };
	struct reply r = {};

	ASSERT_EQ(sizeof(c), write(self->cmd_fd, &c, sizeof(c)));
	/* A target stuck on a fault that never resolves must not hang us. */
	ASSERT_EQ(1, poll(&pfd, 1, 60000)) TH_LOG("the target did not answer op %u", c.op);
	ASSERT_EQ(sizeof(r), read(self->rep_fd, &r, sizeof(r)));
	return r;
}

#define CALL(...) call(_metadata, self, (struct cmd){ __VA_ARGS__ })

static uint64_t target_mmap(struct __test_metadata *_metadata,
			    FIXTURE_DATA(inject) *self, enum map_kind kind,
			    uint64_t len)
{
	struct reply r = CALL(.op = OP_MAP, .kind = kind, .len = len);

	ASSERT_NE(0, r.value) TH_LOG("the target could not map %s", kind_names[kind]);
	return r.value;
}

static long inject(int fd, pid_t pid, uint64_t start, uint64_t len,
		   uint32_t deny, uint64_t flags, struct memlab_inject *out)
{
	struct memlab_inject arg = {
		.size = sizeof(arg), .pid = pid, .start = start, .len = len,
		.deny = deny, .flags = flags,
	};
	long ret = ioctl(fd, MEMLAB_IOC_INJECT, &arg);

	if (out)
		*out = arg;
	return ret ? -errno : 0;
}

static uint64_t inject_ok(struct __test_metadata *_metadata, int fd, pid_t pid,
			  uint64_t start, uint64_t len, uint32_t deny,
			  uint64_t flags)
{
	struct memlab_inject arg;
	long ret = inject(fd, pid, start, len, deny, flags, &arg);

	ASSERT_EQ(0, ret) TH_LOG("inject 0x%llx+%llu deny %u: %s",
				 (unsigned long long)start,
				 (unsigned long long)len, deny, strerror((int)-ret));
	ASSERT_NE(0, arg.id);
	EXPECT_EQ(deny & R ? (R | W | X) : deny, arg.enforced);
	return arg.id;
}

static long restore(int fd, uint64_t id, uint64_t flags, uint64_t *restored)
{
	struct memlab_restore arg = { .size = sizeof(arg), .id = id, .flags = flags };
	long ret = ioctl(fd, MEMLAB_IOC_RESTORE, &arg);

	if (restored)
		*restored = arg.restored;
	return ret ? -errno : 0;
}

/* Every fault, or -errno. */
static long list_faults(int fd, struct memlab_fault_info *vec, unsigned int n)
{
	struct memlab_list_faults arg = {
		.size = sizeof(arg), .vec = (uintptr_t)vec, .vec_len = n,
		.info_size = sizeof(*vec),
	};

	if (ioctl(fd, MEMLAB_IOC_LIST_FAULTS, &arg))
		return -errno;
	return (long)arg.count;
}

/* The fault @id, or one with id 0 when there is none. */
static struct memlab_fault_info fault_info(int fd, uint64_t id)
{
	struct memlab_fault_info vec[64], none = {};
	long i, n = list_faults(fd, vec, 64);

	for (i = 0; i < n; i++)
		if (vec[i].id == id)
			return vec[i];
	return none;
}

/* Wait up to 10 s for fault @id to be forgotten. */
static bool fault_gone(int fd, uint64_t id)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!fault_info(fd, id).id)
			return true;
		usleep(10000);
	}
	return false;
}

#define LOG_SIZE	(1 << 20)

/* Does the kernel log, since the fixture began, have a line with @needle? */
static bool kmsg_has(FIXTURE_DATA(inject) *self, const char *needle)
{
	char rec[1024];
	ssize_t n;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		while ((n = read(self->kmsg_fd, rec, sizeof(rec) - 1)) > 0 ||
		       (n < 0 && errno == EPIPE)) {
			if (n <= 0 || self->log_len + n + 1 > LOG_SIZE)
				continue;
			memcpy(self->log + self->log_len, rec, n);
			self->log_len += n;
			self->log[self->log_len] = '\0';
		}
		if (strstr(self->log, needle))
			return true;
		usleep(100000);
	}
	return false;
}

FIXTURE_SETUP(inject)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	int cmd[2], rep[2];

	self->pid = -1;
	self->fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "memlab is not loaded");
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, MEMLAB_IOC_VERSION, &ver));
	if (!(ver.features & MEMLAB_FEAT_INJECT))
		SKIP(return, "this kernel cannot arm faults (see the kernel log)");
	if (geteuid())
		SKIP(return, "injection needs root");
	self->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->kmsg_fd);
	lseek(self->kmsg_fd, 0, SEEK_END);
	self->log = calloc(1, LOG_SIZE);
	ASSERT_NE(NULL, self->log);

	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(rep));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		/* An open /dev/memlab would keep the module from unloading. */
		close(self->fd);
		close(cmd[1]);
		close(rep[0]);
		target_main(cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	self->cmd_fd = cmd[1];
	self->rep_fd = rep[0];
}

FIXTURE_TEARDOWN(inject)
{
	if (self->fd >= 0)
		restore(self->fd, 0, MEMLAB_RESTORE_ALL, NULL);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
}

/* The access @op of the page at @addr; Expect it to fault, or not. */
static void expect_access(struct __test_metadata *_metadata,
			  FIXTURE_DATA(inject) *self, enum op op,
			  uint64_t addr, bool faults, const char *what)
{
	struct reply r = CALL(.op = op, .addr = addr, .value = pattern(addr));

	if (faults) {
		EXPECT_EQ(-1, r.ret) TH_LOG("%s: the access did not fault", what);
		EXPECT_EQ(1, r.nsig) TH_LOG("%s", what);
		EXPECT_EQ(SEGV_ACCERR, r.sig_code) TH_LOG("%s", what);
		EXPECT_EQ(addr, r.sig_addr) TH_LOG("%s", what);
	} else {
		EXPECT_EQ(0, r.ret) TH_LOG("%s: faulted (si_code %d at 0x%llx)", what,
					   r.sig_code, (unsigned long long)r.sig_addr);
		EXPECT_EQ(0, r.nsig) TH_LOG("%s", what);
		if (op == OP_READ)
			EXPECT_EQ(pattern(addr), r.value) TH_LOG("%s: wrong byte", what);
	}
}

static const enum op accesses[] = { OP_READ, OP_WRITE, OP_EXEC };
static const uint32_t access_bits[] = { R, W, X };
static const char *const access_names[] = { "read", "write", "exec" };

/*
 * Every deny set on every kind of page: exactly the denied accesses fault,
 * with SEGV_ACCERR at the address touched; the pages around it, and the
 * contents, do not change.
 */
TEST_F(inject, deny_matrix)
{
	static const uint32_t denies[] = { W, R, X, R | W, W | X, R | W | X };
	char what[128];
	unsigned int kind, d, a, n;

	for (kind = 0; kind < MAP_KINDS_TESTED; kind++) {
		uint64_t base = target_mmap(_metadata, self, kind, 3 * PS);
		uint64_t page = base + PS;
		uint64_t sum = CALL(.op = OP_SUM, .addr = base, .len = 3 * PS).value;

		for (d = 0; d < sizeof(denies) / sizeof(denies[0]); d++) {
			uint32_t enforced = denies[d] & R ? R | W | X : denies[d];
			uint64_t id = inject_ok(_metadata, self->fd, self->pid,
						page, PS, denies[d], 0);

			for (a = 0; a < 3; a++) {
				/* Offsets apart: exec runs the "ret" at byte 0. */
				uint64_t addr = page + (a == 2 ? 0 : 100 + 100 * a);

				snprintf(what, sizeof(what), "%s page, deny %u, %s",
					 kind_names[kind], denies[d], access_names[a]);
				expect_access(_metadata, self, accesses[a], addr,
					      enforced & access_bits[a], what);
				for (n = 0; n < 2; n++) {
					snprintf(what, sizeof(what),
						 "%s page, deny %u, %s of neighbour %u",
						 kind_names[kind], denies[d],
						 access_names[a], n);
					expect_access(_metadata, self, accesses[a],
						      base + 2 * n * PS +
						      (a == 2 ? 0 : 300), false, what);
				}
			}
			EXPECT_EQ(0, restore(self->fd, id, 0, NULL));
			for (a = 0; a < 3; a++)
				expect_access(_metadata, self, accesses[a],
					      page + (a == 2 ? 0 : 400), false,
					      "after restore");
		}
		EXPECT_EQ(sum, CALL(.op = OP_SUM, .addr = base, .len = 3 * PS).value)
			TH_LOG("%s: contents changed", kind_names[kind]);
	}
}

/* A page in the middle of 16, at an odd offset; the log names the hit. */
TEST_F(inject, middle_page_exact_address)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 16 * PS);
	uint64_t page = base + 8 * PS;
	uint64_t id = inject_ok(_metadata, self->fd, self->pid, page, PS, W, 0);
	char line[128];
	unsigned int i;

	for (i = 0; i < 16; i++)
		expect_access(_metadata, self, OP_WRITE, base + i * PS + 1234,
			      i == 8, "write");
	snprintf(line, sizeof(line), "fault %llu hit: pid %d write at 0x%llx: SIGSEGV",
		 (unsigned long long)id, self->pid,
		 (unsigned long long)(page + 1234));
	EXPECT_TRUE(kmsg_has(self, line)) TH_LOG("no \"%s\" in the kernel log", line);
	EXPECT_EQ(1, fault_info(self->fd, id).hits);
}

/* Any thread: the signal goes to the thread that made the access. */
TEST_F(inject, fault_in_second_thread)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 2 * PS);
	uint64_t worker = CALL(.op = OP_TID, .in_thread = 1).value;
	struct reply r;

	inject_ok(_metadata, self->fd, self->pid, base, PS, W, 0);
	r = CALL(.op = OP_WRITE, .in_thread = 1, .addr = base + 8,
		 .value = pattern(base + 8));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(1, r.nsig);
	EXPECT_EQ(SEGV_ACCERR, r.sig_code);
	EXPECT_EQ(base + 8, r.sig_addr);
	EXPECT_EQ((int32_t)worker, r.sig_tid);
	EXPECT_NE(self->pid, r.sig_tid);
}

/* Persistent: every retry faults again, and each is counted. */
TEST_F(inject, persistent_counts_every_hit)
{
	uint64_t base = target_mmap(_metadata, self, MAP_SHMEM, PS);
	uint64_t id = inject_ok(_metadata, self->fd, self->pid, base, PS, R, 0);
	int i;

	for (i = 0; i < 5; i++)
		expect_access(_metadata, self, OP_READ, base + 10, true, "read");
	EXPECT_EQ(5, fault_info(self->fd, id).hits);
	EXPECT_EQ(MEMLAB_FAULT_ARMED, fault_info(self->fd, id).state);
}

/*
 * One-shot: the handler returns, and the retried access succeeds; the
 * fault stays listed as spent, with its one hit. For each way of denying.
 */
TEST_F(inject, oneshot_handler_returns)
{
	static const enum op ops[] = { OP_READ, OP_WRITE, OP_EXEC };
	static const uint32_t denies[] = { R, W, X };
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 3 * PS);
	unsigned int i;

	for (i = 0; i < 3; i++) {
		uint64_t page = base + i * PS;
		uint64_t addr = page + (ops[i] == OP_EXEC ? 0 : 64);
		uint64_t id = inject_ok(_metadata, self->fd, self->pid, page, PS,
					denies[i], MEMLAB_INJECT_ONESHOT);
		struct reply r = CALL(.op = ops[i], .addr = addr,
				      .value = pattern(addr), .handler_returns = 1);
		struct memlab_fault_info info;

		EXPECT_EQ(0, r.ret) TH_LOG("%s", access_names[i]);
		EXPECT_EQ(1, r.nsig) TH_LOG("%s", access_names[i]);
		EXPECT_EQ(SEGV_ACCERR, r.sig_code);
		EXPECT_EQ(addr, r.sig_addr);
		if (ops[i] == OP_READ)
			EXPECT_EQ(pattern(addr), r.value);
		expect_access(_metadata, self, ops[i], addr, false, "second try");
		info = fault_info(self->fd, id);
		EXPECT_EQ(MEMLAB_FAULT_SPENT, info.state) TH_LOG("%s", access_names[i]);
		EXPECT_EQ(1, info.hits) TH_LOG("%s", access_names[i]);
	}
}

/*
 * The kernel side of system calls sees what it would under mprotect():
 * write(2) from a read-denied buffer and read(2) into a write-denied one
 * fail with EFAULT, with no signal, and count as hits.
 */
TEST_F(inject, syscalls_get_efault)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 2 * PS);
	uint64_t rid = inject_ok(_metadata, self->fd, self->pid, base, PS, R, 0);
	uint64_t wid = inject_ok(_metadata, self->fd, self->pid, base + PS, PS, W, 0);
	struct reply r;

	r = CALL(.op = OP_SYS_WRITE, .addr = base, .len = 512);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EFAULT, r.err);
	EXPECT_EQ(0, r.nsig);
	r = CALL(.op = OP_SYS_READ, .addr = base + PS, .len = 512);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EFAULT, r.err);
	EXPECT_EQ(0, r.nsig);
	EXPECT_LE(1, fault_info(self->fd, rid).hits);
	EXPECT_LE(1, fault_info(self->fd, wid).hits);
	EXPECT_TRUE(kmsg_has(self, "EFAULT to the kernel"));

	/* The other direction is allowed on each. */
	r = CALL(.op = OP_SYS_WRITE, .addr = base + PS, .len = 512);
	EXPECT_EQ(512, r.ret);
	EXPECT_EQ(0, restore(self->fd, rid, 0, NULL));
	r = CALL(.op = OP_SYS_WRITE, .addr = base, .len = 512);
	EXPECT_EQ(512, r.ret);
}

/* 1,000 inject/restore cycles change no byte. */
TEST_F(inject, thousand_cycles_keep_contents)
{
	static const uint32_t denies[] = { W, R, X, R | W | X };
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 8 * PS);
	uint64_t sum = CALL(.op = OP_SUM, .addr = base, .len = 8 * PS).value;
	struct memlab_fault_info vec[4];
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		uint64_t page = base + (i % 8) * PS;
		uint64_t id = inject_ok(_metadata, self->fd, self->pid, page, PS,
					denies[i % 4], 0);

		if (!(i % 100))
			expect_access(_metadata, self, OP_WRITE, page + 99, true,
				      "write while armed");
		ASSERT_EQ(0, restore(self->fd, id, 0, NULL));
	}
	EXPECT_EQ(sum, CALL(.op = OP_SUM, .addr = base, .len = 8 * PS).value);
	EXPECT_EQ(0, list_faults(self->fd, vec, 4));
}

static int write_file(const char *path, const char *text);

/* The /proc/PID/pagemap entry of @addr (as root: with the PFN), or 0. */
static uint64_t pagemap_entry(pid_t pid, uint64_t addr)
{
	char path[64];
	uint64_t entry = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry), (addr / PS) * 8) != sizeof(entry))
		entry = 0;
	close(fd);
	return entry;
}

static bool page_swapped(pid_t pid, uint64_t addr)
{
	return pagemap_entry(pid, addr) & PM_SWAP;
}

static uint64_t page_pfn(pid_t pid, uint64_t addr)
{
	return pagemap_entry(pid, addr) & ((1ULL << 55) - 1);
}

/*
 * Swapped out while armed: a denied access does not even swap it in; an
 * allowed one does, and the page is armed again before the target runs.
 */
TEST_F(inject, swapped_out_stays_armed)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 2 * PS);
	uint64_t wid = inject_ok(_metadata, self->fd, self->pid, base, PS, W, 0);
	uint64_t sum;
	int i;

	inject_ok(_metadata, self->fd, self->pid, base + PS, PS, R, 0);
	/*
	 * MADV_PAGEOUT skips pages still in another CPU's LRU batch; a
	 * compaction request drains them all. Try a few times.
	 */
	for (i = 0; i < 5; i++) {
		write_file("/proc/sys/vm/compact_memory", "1");
		ASSERT_EQ(0, CALL(.op = OP_MADVISE, .addr = base, .len = 2 * PS,
				  .value = MADV_PAGEOUT).ret);
		if (page_swapped(self->pid, base) && page_swapped(self->pid, base + PS))
			break;
	}
	if (i == 5)
		SKIP(return, "MADV_PAGEOUT did not swap the pages out (no swap?)");

	expect_access(_metadata, self, OP_READ, base + PS + 5, true, "read of r");
	EXPECT_TRUE(page_swapped(self->pid, base + PS));
	expect_access(_metadata, self, OP_WRITE, base + 5, true, "write, swapped");
	expect_access(_metadata, self, OP_READ, base + 6, false, "read swaps in");
	EXPECT_FALSE(page_swapped(self->pid, base));
	expect_access(_metadata, self, OP_WRITE, base + 7, true, "write, swapped in");
	EXPECT_EQ(0, restore(self->fd, 0, MEMLAB_RESTORE_ALL, NULL));
	sum = CALL(.op = OP_SUM, .addr = base, .len = 2 * PS).value;
	expect_access(_metadata, self, OP_WRITE, base + 7, false, "after restore");
	expect_access(_metadata, self, OP_READ, base + PS + 5, false, "after restore");
	EXPECT_EQ(sum, CALL(.op = OP_SUM, .addr = base, .len = 2 * PS).value);
	EXPECT_EQ(0, fault_info(self->fd, wid).id);
}

static uint64_t smaps_anon_huge_kb(pid_t pid)
{
	char path[64], line[256];
	uint64_t kb = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %llu", (unsigned long long *)&v) == 1)
			kb = v;
	fclose(f);
	return kb;
}

/*
 * A THP cannot be split by a module: a page of one is refused, with
 * nothing changed, until the THP is split (MADV_COLD on part of it does);
 * then the page arms like any other, and its neighbours are untouched.
 */
TEST_F(inject, thp_page)
{
	uint64_t base = target_mmap(_metadata, self, MAP_THP, 2 * MiB);
	uint64_t page = base + 100 * PS;
	struct memlab_fault_info vec[4];

	if (smaps_anon_huge_kb(self->pid) < 2048)
		SKIP(return, "no THP was allocated");
	EXPECT_EQ(-EOPNOTSUPP, inject(self->fd, self->pid, page, PS, W, 0, NULL));
	EXPECT_EQ(0, list_faults(self->fd, vec, 4));
	EXPECT_TRUE(kmsg_has(self, "transparent huge page maps part of"));
	expect_access(_metadata, self, OP_WRITE, page + 3, false, "refused");

	ASSERT_EQ(0, CALL(.op = OP_MADVISE, .addr = page, .len = PS,
			  .value = MADV_COLD).ret);
	inject_ok(_metadata, self->fd, self->pid, page, PS, W, 0);
	expect_access(_metadata, self, OP_WRITE, page + 3, true, "armed");
	expect_access(_metadata, self, OP_WRITE, page - PS + 3, false, "below");
	expect_access(_metadata, self, OP_WRITE, page + PS + 3, false, "above");
	expect_access(_metadata, self, OP_READ, page + 4, false, "read");
}

#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

/*
 * Migration (soft-offlining moves a page to a new frame) rebuilds the
 * PTE from vm_page_prot: the page is armed again before the thread that
 * caused it returns, on the new frame, the bytes the same.
 */
TEST_F(inject, migration_stays_armed)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 2 * PS);
	uint64_t sum = CALL(.op = OP_SUM, .addr = base, .len = 2 * PS).value;
	uint64_t pfn_r = page_pfn(self->pid, base), pfn_w = page_pfn(self->pid, base + PS);
	struct reply r;

	inject_ok(_metadata, self->fd, self->pid, base, PS, R, 0);
	inject_ok(_metadata, self->fd, self->pid, base + PS, PS, W, 0);
	r = CALL(.op = OP_MADVISE, .addr = base + PS, .len = PS, .value = MADV_SOFT_OFFLINE);
	if (r.ret)
		SKIP(return, "MADV_SOFT_OFFLINE: %s", strerror(r.err));
	EXPECT_NE(pfn_w, page_pfn(self->pid, base + PS)) TH_LOG("not migrated");
	/*
	 * 6.1 finds the page to offline with get_user_pages(), which a
	 * read-denied page refuses (EFAULT, as under PROT_NONE); 6.12 does not.
	 */
	r = CALL(.op = OP_MADVISE, .addr = base, .len = PS, .value = MADV_SOFT_OFFLINE);
	if (r.ret) {
		EXPECT_EQ(EFAULT, r.err);
	} else {
		EXPECT_NE(pfn_r, page_pfn(self->pid, base)) TH_LOG("not migrated");
	}
	expect_access(_metadata, self, OP_READ, base + 3, true, "read, migrated");
	expect_access(_metadata, self, OP_WRITE, base + PS + 3, true, "write, migrated");
	expect_access(_metadata, self, OP_READ, base + PS + 4, false, "read of w");
	EXPECT_EQ(0, restore(self->fd, 0, MEMLAB_RESTORE_ALL, NULL));
	EXPECT_EQ(sum, CALL(.op = OP_SUM, .addr = base, .len = 2 * PS).value);
}

/*
 * A THP collapse over an armed page cannot be armed again (no split): it
 * is detected, the fault marked lost and disarmed, and the log says so.
 */
TEST_F(inject, thp_collapse_is_reported)
{
	uint64_t base = target_mmap(_metadata, self, MAP_THP, 2 * MiB);
	uint64_t page = base + 7 * PS;
	uint64_t id;
	struct reply r;

	ASSERT_EQ(0, CALL(.op = OP_MADVISE, .addr = page, .len = PS,
			  .value = MADV_COLD).ret);
	id = inject_ok(_metadata, self->fd, self->pid, page, PS, W, 0);
	r = CALL(.op = OP_MADVISE, .addr = base, .len = 2 * MiB, .value = MADV_COLLAPSE);
	if (r.ret)
		SKIP(return, "MADV_COLLAPSE did not collapse: %s", strerror(r.err));
	EXPECT_EQ(MEMLAB_FAULT_LOST, fault_info(self->fd, id).state);
	EXPECT_TRUE(kmsg_has(self, "lost: a transparent huge page now maps part of"));
	expect_access(_metadata, self, OP_WRITE, page + 3, false, "lost, disarmed");
}

/*
 * fork(): the child is not armed, whatever it inherits (write-protected
 * and NX entries included); the parent stays armed, its bytes its own.
 */
TEST_F(inject, fork_child_is_not_armed)
{
	uint64_t data = target_mmap(_metadata, self, MAP_ANON_PRIVATE, PS);
	uint64_t code = target_mmap(_metadata, self, MAP_ANON_PRIVATE, PS);
	uint64_t sum = CALL(.op = OP_SUM, .addr = data, .len = PS).value;
	struct reply r;

	inject_ok(_metadata, self->fd, self->pid, data, PS, W, 0);
	inject_ok(_metadata, self->fd, self->pid, code, PS, X, 0);
	r = CALL(.op = OP_FORK, .addr = data + 16, .value = 0x5a, .len = code);
	EXPECT_EQ(0, r.ret) TH_LOG("the child faulted: 1 = write, 2 = exec: %lld",
				   (long long)r.ret);
	expect_access(_metadata, self, OP_WRITE, data + 16, true, "parent write");
	expect_access(_metadata, self, OP_EXEC, code, true, "parent exec");
	EXPECT_EQ(sum, CALL(.op = OP_SUM, .addr = data, .len = PS).value);
}

/* A target that exits leaves no fault behind. */
TEST_F(inject, target_exit_drops_faults)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 2 * PS);
	uint64_t id = inject_ok(_metadata, self->fd, self->pid, base, PS, W, 0);
	uint64_t id2 = inject_ok(_metadata, self->fd, self->pid, base + PS, PS, X, 0);
	struct cmd c = { .op = OP_EXIT };

	ASSERT_EQ(sizeof(c), write(self->cmd_fd, &c, sizeof(c)));
	ASSERT_EQ(self->pid, waitpid(self->pid, NULL, 0));
	self->pid = -1;
	EXPECT_TRUE(fault_gone(self->fd, id));
	EXPECT_TRUE(fault_gone(self->fd, id2));
	EXPECT_TRUE(kmsg_has(self, "dropped: its process exited"));
}

/* munmap() of an armed range forgets the fault. */
TEST_F(inject, munmap_drops_fault)
{
	uint64_t base = target_mmap(_metadata, self, MAP_SHMEM, 4 * PS);
	uint64_t id = inject_ok(_metadata, self->fd, self->pid, base + PS, 2 * PS, R, 0);

	EXPECT_EQ(0, CALL(.op = OP_MUNMAP, .addr = base + 2 * PS, .len = 2 * PS).ret);
	EXPECT_TRUE(fault_gone(self->fd, id));
	EXPECT_TRUE(kmsg_has(self, "dropped: its range was unmapped or moved"));
	/* The part still mapped was put back. */
	expect_access(_metadata, self, OP_READ, base + PS + 1, false, "left part");
}

/* mremap() moves the pages, not the fault: they work at the new place. */
TEST_F(inject, mremap_moves_pages_not_fault)
{
	uint64_t code = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 2 * PS);
	uint64_t dest = target_mmap(_metadata, self, MAP_RESERVE, 2 * PS);
	uint64_t id = inject_ok(_metadata, self->fd, self->pid, code, 2 * PS,
				X | W, 0);
	struct reply r = CALL(.op = OP_MREMAP, .addr = code, .len = 2 * PS,
			      .value = dest);

	ASSERT_EQ(dest, r.value);
	EXPECT_TRUE(fault_gone(self->fd, id));
	expect_access(_metadata, self, OP_EXEC, dest + PS, false, "exec moved");
	expect_access(_metadata, self, OP_WRITE, dest + 9, false, "write moved");
}

/* SCAN's "armed" category is exactly the armed pages. */
TEST_F(inject, scan_reports_armed)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 8 * PS);
	struct memlab_scan_region vec[4];
	struct memlab_scan arg = {
		.size = sizeof(arg), .pid = self->pid, .start = base,
		.end = base + 8 * PS, .vec = (uintptr_t)vec, .vec_len = 4,
		.category_mask = MEMLAB_PAGE_ARMED,
		.return_mask = MEMLAB_PAGE_ARMED,
	};
	long n;

	inject_ok(_metadata, self->fd, self->pid, base + 2 * PS, 3 * PS, W, 0);
	n = ioctl(self->fd, MEMLAB_IOC_SCAN, &arg);
	ASSERT_EQ(1, n) TH_LOG("0x%llx-0x%llx %llx, 0x%llx-0x%llx %llx, base 0x%llx",
			       vec[0].start, vec[0].end, vec[0].categories,
			       vec[1].start, vec[1].end, vec[1].categories,
			       (unsigned long long)base);
	EXPECT_EQ(base + 2 * PS, vec[0].start);
	EXPECT_EQ(base + 5 * PS, vec[0].end);
	EXPECT_EQ(MEMLAB_PAGE_ARMED, vec[0].categories);
}

/*
 * A run of present pages with the same categories is one region until an
 * armed range begins, and again after it ends.
 */
TEST_F(inject, scan_splits_a_present_run_at_the_armed_pages)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 8 * PS);
	struct memlab_scan_region vec[4];
	struct memlab_scan arg = {
		.size = sizeof(arg), .pid = self->pid, .start = base,
		.end = base + 8 * PS, .vec = (uintptr_t)vec, .vec_len = 4,
		.category_mask = MEMLAB_PAGE_PRESENT,
		.return_mask = MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_ARMED,
	};
	const uint64_t present_armed = MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_ARMED;

	ASSERT_EQ(1, ioctl(self->fd, MEMLAB_IOC_SCAN, &arg));
	ASSERT_EQ(base + 8 * PS, vec[0].end);
	inject_ok(_metadata, self->fd, self->pid, base + 2 * PS, 3 * PS, W, 0);
	ASSERT_EQ(3, ioctl(self->fd, MEMLAB_IOC_SCAN, &arg));
	EXPECT_EQ(base, vec[0].start);
	EXPECT_EQ(base + 2 * PS, vec[0].end);
	EXPECT_EQ(MEMLAB_PAGE_PRESENT, vec[0].categories);
	EXPECT_EQ(base + 2 * PS, vec[1].start);
	EXPECT_EQ(base + 5 * PS, vec[1].end);
	EXPECT_EQ(present_armed, vec[1].categories);
	EXPECT_EQ(base + 5 * PS, vec[2].start);
	EXPECT_EQ(base + 8 * PS, vec[2].end);
	EXPECT_EQ(MEMLAB_PAGE_PRESENT, vec[2].categories);
}

/* The address of a /proc/PID/maps line naming @what, or 0. */
static uint64_t maps_find(pid_t pid, const char *what)
{
	char path[64], line[512];
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what) && sscanf(line, "%llx-", &start) == 1)
			break;
		else
			start = 0;
	fclose(f);
	return start;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* Each refusal of SPEC section 6 has its errno, and changes nothing. */
TEST_F(inject, refusals)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 4 * PS);
	uint64_t gap = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 4 * PS);
	uint64_t vvar = maps_find(self->pid, "[vvar]");
	struct memlab_inject arg = {
		.size = sizeof(arg), .pid = self->pid, .start = base,
		.len = PS, .deny = W,
	};
	struct memlab_fault_info vec[8];
	uint64_t id, ids[2];

	ASSERT_EQ(0, CALL(.op = OP_MUNMAP, .addr = gap + PS, .len = 2 * PS).ret);
	id = inject_ok(_metadata, self->fd, self->pid, base + 3 * PS, PS, W, 0);

	EXPECT_EQ(-ESRCH, inject(self->fd, 0x3ffffff0, base, PS, W, 0, NULL));
	EXPECT_EQ(-EINVAL, inject(self->fd, 2, base, PS, W, 0, NULL)) TH_LOG("kthreadd");
	EXPECT_EQ(-EINVAL, inject(self->fd, 1, base, PS, W, 0, NULL)) TH_LOG("init");
	EXPECT_EQ(-EINVAL, inject(self->fd, self->pid, base + 1, PS, W, 0, NULL));
	EXPECT_EQ(-EINVAL, inject(self->fd, self->pid, base, 0, W, 0, NULL));
	EXPECT_EQ(-EINVAL, inject(self->fd, self->pid, base, PS + 1, W, 0, NULL));
	EXPECT_EQ(-EINVAL, inject(self->fd, self->pid, base, PS, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, inject(self->fd, self->pid, base, PS, 8, 0, NULL));
	EXPECT_EQ(-EINVAL, inject(self->fd, self->pid, base, PS, W, 2, NULL));
	EXPECT_EQ(-EINVAL, inject(self->fd, self->pid, -PS, 2 * PS, W, 0, NULL));
	arg.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MEMLAB_IOC_INJECT, &arg));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENOMEM, inject(self->fd, self->pid, gap + PS, PS, W, 0, NULL));
	EXPECT_EQ(-ENOMEM, inject(self->fd, self->pid, gap, 2 * PS, W, 0, NULL))
		TH_LOG("partly mapped");
	if (vvar)
		EXPECT_EQ(-EOPNOTSUPP, inject(self->fd, self->pid, vvar, PS, R, 0, NULL));
	EXPECT_EQ(-EBUSY, inject(self->fd, self->pid, base + 2 * PS, 2 * PS, R, 0, NULL));
	EXPECT_EQ(-ENOENT, restore(self->fd, 999999, 0, NULL));
	EXPECT_EQ(-EINVAL, restore(self->fd, id, 4, NULL));

	/* The limit, lowered for the test and put back. */
	ASSERT_EQ(0, write_file("/sys/module/memlab/parameters/max_faults", "3"));
	ids[0] = inject_ok(_metadata, self->fd, self->pid, base, PS, W, 0);
	ids[1] = inject_ok(_metadata, self->fd, self->pid, base + PS, PS, W, 0);
	EXPECT_EQ(-ENOSPC, inject(self->fd, self->pid, base + 2 * PS, PS, W, 0, NULL));
	ASSERT_EQ(0, write_file("/sys/module/memlab/parameters/max_faults", "256"));
	EXPECT_EQ(0, restore(self->fd, ids[0], 0, NULL));
	EXPECT_EQ(0, restore(self->fd, ids[1], 0, NULL));

	/* Nothing changed: one fault, the first, and every page as it was. */
	ASSERT_EQ(1, list_faults(self->fd, vec, 8));
	EXPECT_EQ(id, vec[0].id);
	EXPECT_EQ(0, vec[0].hits);
	expect_access(_metadata, self, OP_WRITE, base + 7, false, "page 0");
	expect_access(_metadata, self, OP_WRITE, base + 2 * PS + 7, false, "page 2");
	expect_access(_metadata, self, OP_READ, base + 3 * PS + 7, false, "page 3 read");
	expect_access(_metadata, self, OP_WRITE, base + 3 * PS + 7, true, "page 3 write");
}

/* hugetlb cannot be armed. */
TEST_F(inject, refuses_hugetlb)
{
	void *p;

	/* The target maps it after the fork: map it here, in a child. */
	if (write_file("/proc/sys/vm/nr_hugepages", "2"))
		SKIP(return, "cannot reserve huge pages");
	p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "no hugetlb pages: %s", strerror(errno));
	*(volatile char *)p = 1;
	EXPECT_EQ(-EOPNOTSUPP, inject(self->fd, getpid(), (uintptr_t)p, PS, W, 0, NULL));
	munmap(p, 2 * MiB);
	write_file("/proc/sys/vm/nr_hugepages", "0");
}

/* Without CAP_SYS_ADMIN: EPERM for every command, and nothing armed. */
TEST_F(inject, unprivileged_gets_eperm)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, PS);
	uint64_t id = inject_ok(_metadata, self->fd, self->pid, base, PS, W, 0);
	int status;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (!child) {
		struct memlab_fault_info vec[2];
		int bad = 0;

		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		bad |= inject(self->fd, self->pid, base, PS, R, 0, NULL) != -EPERM;
		bad |= (restore(self->fd, id, 0, NULL) != -EPERM) << 1;
		bad |= (restore(self->fd, 0, MEMLAB_RESTORE_ALL, NULL) != -EPERM) << 2;
		bad |= (list_faults(self->fd, vec, 2) != -EPERM) << 3;
		bad |= (open("/proc/memlab/faults", O_RDONLY) >= 0) << 4;
		_exit(bad);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("bits: 1 inject, 2 restore, 4 restore all, 8 list, 16 open");
	EXPECT_EQ(MEMLAB_FAULT_ARMED, fault_info(self->fd, id).state);
}

static bool proc_faults_has(const char *needle)
{
	char buf[8192];
	int fd = open("/proc/memlab/faults", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle);
}

/* /proc/memlab/faults: the same commands, in words. */
TEST_F(inject, proc_faults_file)
{
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 2 * PS);
	struct memlab_fault_info vec[4];
	char cmd[128], range[128];

	snprintf(cmd, sizeof(cmd), "inject %d 0x%llx %lu w oneshot\n", self->pid,
		 (unsigned long long)base, PS);
	ASSERT_EQ(0, write_file("/proc/memlab/faults", cmd));
	ASSERT_EQ(1, list_faults(self->fd, vec, 4));
	EXPECT_EQ(base, vec[0].start);
	EXPECT_EQ(W, vec[0].deny);
	EXPECT_EQ(MEMLAB_INJECT_ONESHOT, vec[0].flags);
	snprintf(range, sizeof(range), "%016llx-%016llx w    w        oneshot    armed     0",
		 (unsigned long long)base, (unsigned long long)(base + PS));
	EXPECT_TRUE(proc_faults_has(range)) TH_LOG("no \"%s\"", range);

	EXPECT_EQ(1, CALL(.op = OP_WRITE, .addr = base + 1, .value = pattern(base + 1),
			  .handler_returns = 1).nsig);
	EXPECT_TRUE(proc_faults_has("oneshot    spent     1"));

	snprintf(cmd, sizeof(cmd), "inject %d %llu %lu rx", self->pid,
		 (unsigned long long)(base + PS), PS);
	ASSERT_EQ(0, write_file("/proc/memlab/faults", cmd));
	snprintf(cmd, sizeof(cmd), "restore %llu", (unsigned long long)vec[0].id);
	EXPECT_EQ(0, write_file("/proc/memlab/faults", cmd));
	EXPECT_EQ(1, list_faults(self->fd, vec, 4));
	EXPECT_EQ(R | X, vec[0].deny);
	EXPECT_EQ(R | W | X, vec[0].enforced);
	EXPECT_EQ(0, write_file("/proc/memlab/faults", "restore all"));
	EXPECT_EQ(0, list_faults(self->fd, vec, 4));

	EXPECT_EQ(-EINVAL, write_file("/proc/memlab/faults", "inject 1 2"));
	EXPECT_EQ(-EINVAL, write_file("/proc/memlab/faults", "arm everything"));
	snprintf(cmd, sizeof(cmd), "inject %d 0x%llx 4096 q", self->pid,
		 (unsigned long long)base);
	EXPECT_EQ(-EINVAL, write_file("/proc/memlab/faults", cmd));
	EXPECT_EQ(-ENOENT, write_file("/proc/memlab/faults", "restore 424242"));
}

/*
 * rmmod with faults armed restores them all: every access works again
 * and the bytes are the bytes. memlab is loaded again afterwards.
 */
TEST_F(inject, rmmod_restores_everything)
{
	const char *module = getenv("MEMLAB_MODULE");
	uint64_t base = target_mmap(_metadata, self, MAP_ANON_PRIVATE, 3 * PS);
	uint64_t sum = CALL(.op = OP_SUM, .addr = base, .len = 3 * PS).value;
	char cmd[512];
	int ret;

	if (!module)
		SKIP(return, "MEMLAB_MODULE does not name the memlab.ko to load");
	inject_ok(_metadata, self->fd, self->pid, base, PS, W, 0);
	inject_ok(_metadata, self->fd, self->pid, base + PS, PS, R, 0);
	inject_ok(_metadata, self->fd, self->pid, base + 2 * PS, PS, X,
		  MEMLAB_INJECT_ONESHOT);
	close(self->fd);
	self->fd = -1;

	ret = system("rmmod memlab");
	snprintf(cmd, sizeof(cmd), "insmod '%s'", module);
	ASSERT_EQ(0, ret) TH_LOG("rmmod memlab failed");
	expect_access(_metadata, self, OP_WRITE, base + 11, false, "write");
	expect_access(_metadata, self, OP_READ, base + PS + 11, false, "read");
	expect_access(_metadata, self, OP_EXEC, base + 2 * PS, false, "exec");
	EXPECT_EQ(sum, CALL(.op = OP_SUM, .addr = base, .len = 3 * PS).value);
	EXPECT_TRUE(kmsg_has(self, "unload: restored 3 faults"));
	ASSERT_EQ(0, system(cmd)) TH_LOG("%s failed", cmd);
}

TEST_HARNESS_MAIN
