// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, reproducible fuzzer of /dev/memlab and every /proc/memlab file
 * (SPEC section 11): random command numbers, sizes, pointers, pids, flags,
 * masks and ranges; random text written to every file. Every call must end
 * in success or in an errno the ABI documents for it (Documentation/abi.rst,
 * Documentation/proc.rst), and, where the fuzzer can tell from what it
 * passed, in the errno it predicts; no call may hang, and the kernel log
 * must stay clean. The outcomes are counted and printed per command.
 *
 *   fuzz_test [-s SEED] [-n CALLS] [-l] [-p PHASE,...] [-r PHASE:INDEX] [-v]
 *
 *   -s SEED       (or MEMLAB_FUZZ_SEED) the seed; default: a random one.
 *                 It is printed first, and with every failure.
 *   -n CALLS      (or MEMLAB_FUZZ_CALLS) calls in all; default 100000
 *   -l            (or MEMLAB_FUZZ_LONG=1) the long run: 1000000 calls and
 *                 200 kill rounds (one per 5000 calls, at least 40), for
 *                 "make stress"
 *   -p PHASES     (or MEMLAB_FUZZ_PHASES) only these phases, by name
 *   -r PHASE:I    replay call I of PHASE alone, described (as the same user)
 *   -v            describe every call
 *
 * Each call's arguments come from its own generator, seeded with (SEED,
 * phase, index): "-s SEED -r PHASE:INDEX" makes the same arguments again,
 * whatever else the run did. What depends on the machine (the pids of the
 * helper processes, timing) is not part of the seed.
 *
 * A quarter of the calls of each phase (the indices equal to 3 mod 4) run
 * in a second process that became nobody (uid/gid 65534, no
 * capabilities), concurrently with the root one: the two also race on the
 * global /proc/memlab/target and vtop address. Both get a SIGALRM every
 * few milliseconds, which must never turn into EINTR or a short result.
 *
 * Phases (one TAP result each):
 *   ioctl_commands  command numbers: memlab's with random size and direction
 *                   bits, high bits, flipped bits, garbage; ioctls on the
 *                   /proc files
 *   ioctl_sizes     @size: 0, tiny, under/over the first version, a page
 *                   and more, tails zero, non-zero, running into a guard
 *   ioctl_pointers  NULL, unmapped, PROT_NONE, read-only, kernel,
 *                   non-canonical, text, arguments straddling a page end
 *   ioctl_pids      0, own, another live process and its thread, init, a
 *                   kernel thread, a zombie, a reaped pid, negative, huge
 *   ioctl_fields    flags, reserved, vma_size, vec/vec_len, start/end
 *                   (unaligned, reversed, huge, non-canonical), category
 *                   masks, max_pages, addresses
 *   ioctl_compat    the same through the 32-bit entry (int $0x80, so
 *                   compat_ptr_ioctl), when the kernel has IA32 emulation
 *   proc_writes     random text to target and vtop, writes to the read-only
 *                   files, read/write/mmap on /dev/memlab
 *   proc_reads      every file, with odd buffers, sizes and offsets
 *   injection       INJECT, RESTORE and LIST_FAULTS as above (commands,
 *                   sizes, pointers, pids, fields, the 32-bit entry), and
 *                   text written to /proc/memlab/faults; then everything
 *                   is restored and nothing may be left armed
 *   killed_mid_call SIGKILL at random times (within 200 ms, or three walks)
 *                   during walks of a process that mprotects, maps and
 *                   unmaps all the time
 *   kernel_log      no splat in the kernel log over the whole run
 *
 * A fault armed as root is real: an INJECT may only name the victim (a
 * process of our layout whose threads never touch their memory) or a pid
 * that cannot be armed (init, a kernel thread, a zombie, a pid no process
 * has). make_inject_safe() enforces that on the very bytes the kernel
 * reads, whatever a generator made; the other phases keep off INJECT.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/memlab.h>

#include "kselftest.h"

#define PS		4096UL		/* x86_64 only (SPEC section 1) */
#define MiB		(1UL << 20)
#define NOBODY		65534

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define DEFAULT_CALLS	100000L
#define LONG_CALLS	1000000L

/* --- random numbers: xoshiro256**, seeded per call by splitmix64 ----------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(struct rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

#define PICK(r, arr)	((arr)[below(r, ARRAY_SIZE(arr))])

/* --- outcomes and what each call may return ------------------------------- */

enum outcome {
	O_OK, O_EINVAL, O_E2BIG, O_EFAULT, O_ESRCH, O_EPERM, O_ENOMEM, O_ENOTTY,
	O_EINTR, O_EIO, O_EACCES, O_ENODEV, O_EOPNOTSUPP, O_EBUSY, O_ENOSPC,
	O_ENOENT, O_OTHER, O_NR
};

static const char * const outcome_names[O_NR] = {
	"ok", "EINVAL", "E2BIG", "EFAULT", "ESRCH", "EPERM", "ENOMEM", "ENOTTY",
	"EINTR", "EIO", "EACCES", "ENODEV", "EOPNOTSUPP", "EBUSY", "ENOSPC",
	"ENOENT", "other",
};

static const int outcome_errnos[O_NR] = {
	0, EINVAL, E2BIG, EFAULT, ESRCH, EPERM, ENOMEM, ENOTTY, EINTR, EIO,
	EACCES, ENODEV, EOPNOTSUPP, EBUSY, ENOSPC, ENOENT, -1,
};

#define B(o)	(1u << (o))

static enum outcome outcome_of(long ret, int err)
{
	int o;

	if (ret >= 0)
		return O_OK;
	for (o = O_EINVAL; o < O_OTHER; o++)
		if (outcome_errnos[o] == err)
			return o;
	return O_OTHER;
}

/* What is called, for counting; each with the outcomes the ABI documents. */
enum op {
	OP_VERSION, OP_SUMMARY, OP_MAPS, OP_SCAN, OP_VTOP, OP_INJECT,
	OP_RESTORE, OP_LIST_FAULTS, OP_BAD_CMD, OP_PROC_IOCTL, OP_W_TARGET,
	OP_W_VTOP, OP_W_READONLY, OP_W_FAULTS, OP_R_VERSION, OP_R_TARGET,
	OP_R_SUMMARY, OP_R_MAPS, OP_R_VTOP, OP_R_FAULTS, OP_DEV_RW,
	OP_DEV_MMAP, OP_NR
};

static const char * const op_names[OP_NR] = {
	"VERSION", "SUMMARY", "MAPS", "SCAN", "VTOP", "INJECT", "RESTORE",
	"LIST_FAULTS", "unknown-cmd", "ioctl-on-proc", "write-target",
	"write-vtop", "write-readonly", "write-faults", "read-version",
	"read-target", "read-summary", "read-maps", "read-vtop", "read-faults",
	"dev-read-write", "dev-mmap",
};

/*
 * Documentation/abi.rst: "Errors" of each command, plus the rules every
 * command obeys (EINVAL, E2BIG, EFAULT, ENOTTY); Documentation/proc.rst
 * for the files. A fatal signal can end a walk with EINTR, but no process
 * lives to see it; the kill phase checks that part.
 */
#define WALK_ERRORS	(B(O_OK) | B(O_EINVAL) | B(O_E2BIG) | B(O_EFAULT) | \
			 B(O_ESRCH) | B(O_EPERM) | B(O_EINTR))
#define READ_ERRORS	(B(O_OK) | B(O_EFAULT) | B(O_ESRCH) | B(O_EPERM) | \
			 B(O_EINVAL) | B(O_EINTR))

static const unsigned int documented[OP_NR] = {
	[OP_VERSION] = B(O_OK) | B(O_EINVAL) | B(O_E2BIG) | B(O_EFAULT),
	[OP_SUMMARY] = WALK_ERRORS,
	[OP_MAPS] = WALK_ERRORS,
	[OP_SCAN] = WALK_ERRORS,
	[OP_VTOP] = WALK_ERRORS | B(O_ENOMEM),
	/* EOPNOTSUPP for all three when memlab was built without them. */
	[OP_INJECT] = B(O_OK) | B(O_EINVAL) | B(O_E2BIG) | B(O_EFAULT) | B(O_ESRCH) |
		      B(O_EPERM) | B(O_ENOMEM) | B(O_EOPNOTSUPP) | B(O_EBUSY) | B(O_ENOSPC) |
		      B(O_EINTR),
	[OP_RESTORE] = B(O_OK) | B(O_EINVAL) | B(O_E2BIG) | B(O_EFAULT) | B(O_EPERM) |
		       B(O_ENOENT) | B(O_EOPNOTSUPP),
	[OP_LIST_FAULTS] = B(O_OK) | B(O_EINVAL) | B(O_E2BIG) | B(O_EFAULT) | B(O_EPERM) |
			   B(O_ENOMEM) | B(O_EOPNOTSUPP),
	[OP_BAD_CMD] = B(O_ENOTTY),
	[OP_PROC_IOCTL] = B(O_ENOTTY),
	[OP_W_TARGET] = B(O_OK) | B(O_EINVAL) | B(O_ESRCH) | B(O_EPERM) | B(O_EFAULT),
	[OP_W_VTOP] = B(O_OK) | B(O_EINVAL) | B(O_EFAULT),
	/* procfs: EIO for a file without ->proc_write; EACCES to open it. */
	[OP_W_READONLY] = B(O_EIO) | B(O_EACCES) | B(O_EFAULT),
	/* faults is 0600: nobody's open fails with EACCES. */
	[OP_W_FAULTS] = B(O_OK) | B(O_EINVAL) | B(O_EFAULT) | B(O_ESRCH) | B(O_EPERM) |
			B(O_EACCES) | B(O_ENOMEM) | B(O_EOPNOTSUPP) | B(O_EBUSY) |
			B(O_ENOSPC) | B(O_ENOENT) | B(O_EINTR),
	[OP_R_VERSION] = B(O_OK) | B(O_EFAULT),
	[OP_R_TARGET] = B(O_OK) | B(O_EFAULT),
	[OP_R_SUMMARY] = READ_ERRORS,
	[OP_R_MAPS] = READ_ERRORS,
	[OP_R_VTOP] = READ_ERRORS | B(O_ENOMEM),
	[OP_R_FAULTS] = B(O_OK) | B(O_EFAULT) | B(O_EACCES) | B(O_EPERM),
	/* A misc device without ->read/->write/->mmap, as the VFS says. */
	[OP_DEV_RW] = B(O_EINVAL),
	[OP_DEV_MMAP] = B(O_ENODEV),
};

/* --- the commands ------------------------------------------------------------ */

struct cmdinfo {
	const char *name;
	unsigned int cmd;
	size_t ksize;		/* what this header knows */
	size_t minsize;		/* the first published size */
	enum op op;
};

static const struct cmdinfo cmds[] = {
	{ "VERSION", MEMLAB_IOC_VERSION, sizeof(struct memlab_version),
	  MEMLAB_VERSION_SIZE_VER0, OP_VERSION },
	{ "SUMMARY", MEMLAB_IOC_SUMMARY, sizeof(struct memlab_summary),
	  MEMLAB_SUMMARY_SIZE_VER0, OP_SUMMARY },
	{ "MAPS", MEMLAB_IOC_MAPS, sizeof(struct memlab_maps),
	  MEMLAB_MAPS_SIZE_VER0, OP_MAPS },
	{ "SCAN", MEMLAB_IOC_SCAN, sizeof(struct memlab_scan),
	  MEMLAB_SCAN_SIZE_VER0, OP_SCAN },
	{ "VTOP", MEMLAB_IOC_VTOP, sizeof(struct memlab_vtop),
	  MEMLAB_VTOP_SIZE_VER0, OP_VTOP },
	/* Only the injection phase makes these: see the note at the top. */
	{ "INJECT", MEMLAB_IOC_INJECT, sizeof(struct memlab_inject),
	  MEMLAB_INJECT_SIZE_VER0, OP_INJECT },
	{ "RESTORE", MEMLAB_IOC_RESTORE, sizeof(struct memlab_restore),
	  MEMLAB_RESTORE_SIZE_VER0, OP_RESTORE },
	{ "LIST_FAULTS", MEMLAB_IOC_LIST_FAULTS, sizeof(struct memlab_list_faults),
	  MEMLAB_LIST_FAULTS_SIZE_VER0, OP_LIST_FAULTS },
};

#define NR_WALK_CMDS	5		/* cmds[] up to VTOP */
#define CMD_INJECT	(&cmds[NR_WALK_CMDS])

/* Set while a call of the injection phase is made: its commands only. */
static bool injecting;

static const struct cmdinfo *cmd_pick(struct rng *r)
{
	if (injecting)
		return &cmds[NR_WALK_CMDS + below(r, ARRAY_SIZE(cmds) - NR_WALK_CMDS)];
	return &cmds[below(r, NR_WALK_CMDS)];
}

#define IOC_SIZE_BITS	(((1u << _IOC_SIZEBITS) - 1) << _IOC_SIZESHIFT)

/* The module ignores the size bits of a command number (abi.rst). */
static const struct cmdinfo *cmd_lookup(unsigned int cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if ((cmds[i].cmd & ~IOC_SIZE_BITS) == (cmd & ~IOC_SIZE_BITS))
			return &cmds[i];
	return NULL;
}

/*
 * ioctl types the VFS answers itself before a driver sees the command
 * (fs/ioctl.c: FIOCLEX, FIONBIO, FIFREEZE, FS_IOC_*, FICLONE, FIBMAP, ...):
 * garbage commands keep out of them, they are not memlab's to answer.
 */
static const unsigned char vfs_ioctl_types[] = { 0x00, 0x15, 'T', 'X', 'f', 0x94 };

/*
 * Nor, but in the injection phase, do they reach INJECT, RESTORE or
 * LIST_FAULTS (numbers 5 to 7).
 */
static unsigned int keep_out_of_vfs(unsigned int cmd)
{
	unsigned int type = _IOC_TYPE(cmd);
	size_t i;

	if (!injecting && type == MEMLAB_IOC_MAGIC && _IOC_NR(cmd) >= 5 && _IOC_NR(cmd) <= 7)
		return cmd | (8u << _IOC_NRSHIFT);
	for (i = 0; i < ARRAY_SIZE(vfs_ioctl_types); i++)
		if (type == vfs_ioctl_types[i])
			return (cmd & ~(0xffu << _IOC_TYPESHIFT)) | (0xb8u << _IOC_TYPESHIFT);
	return cmd;
}

/* --- the world the calls are made in ------------------------------------------ */

enum phase {
	PH_COMMANDS, PH_SIZES, PH_POINTERS, PH_PIDS, PH_FIELDS, PH_COMPAT,
	PH_PROC_WRITES, PH_PROC_READS, PH_INJECT, PH_KILL, PH_NR
};

static const char * const phase_names[PH_NR] = {
	"ioctl_commands", "ioctl_sizes", "ioctl_pointers", "ioctl_pids",
	"ioctl_fields", "ioctl_compat", "proc_writes", "proc_reads",
	"injection", "killed_mid_call",
};

/* Per cent of the calls each phase makes (the kill phase counts rounds). */
static const unsigned int phase_share[PH_NR] = {
	[PH_COMMANDS] = 11, [PH_SIZES] = 11, [PH_POINTERS] = 12, [PH_PIDS] = 13,
	[PH_FIELDS] = 22, [PH_COMPAT] = 7, [PH_PROC_WRITES] = 8,
	[PH_PROC_READS] = 8, [PH_INJECT] = 8,
};

/* The walkers' files; faults, after them, is the injection phase's only. */
enum proc_file { F_VERSION, F_TARGET, F_SUMMARY, F_MAPS, F_VTOP, F_NR, F_FAULTS = F_NR };

static const char * const proc_paths[F_NR + 1] = {
	MEMLAB_PROC_DIR "/version", MEMLAB_PROC_DIR "/target",
	MEMLAB_PROC_DIR "/summary", MEMLAB_PROC_DIR "/maps",
	MEMLAB_PROC_DIR "/vtop", MEMLAB_PROC_DIR "/faults",
};

struct range {
	unsigned long start, end;
};

#define MAX_MAPS	256
#define ARG_AREA	(16 * PS)	/* arguments live here ... */
#define ARENA_LEN	(320 * PS)	/* ... and output vectors after them */

static struct {
	uint64_t seed;
	bool verbose;
	unsigned long tsm;		/* TASK_SIZE_MAX of the running kernel */
	int levels;
	long pid_max, pid_hi;
	pid_t main_pid, self;		/* self: this worker */
	bool nobody;			/* this worker has no privilege */
	pid_t victim, victim_tid, churner, zombie, reaped;
	int dev_fd;
	/* All below 2 GiB (MAP_32BIT), for the 32-bit entry too. */
	char *arena, *arena_end;	/* then a PROT_NONE guard page */
	char *ro, *ro_end;		/* valid arguments, read-only; then PROT_NONE */
	char *straddle;			/* a page, then an unmapped one */
	unsigned long unmapped_low, unmapped_hi, unmapped_32;
	struct range maps[MAX_MAPS];	/* this process's, before the workers */
	int nmaps;
	unsigned long thp, swapped, hugetlb;
	bool have_compat;
	bool have_nobody;
	bool have_inject;		/* MEMLAB_FEAT_INJECT */
	bool pid2_is_kthread;		/* pid 2 is kthreadd, not a process */
	__u64 last_id;			/* the last fault this worker armed */
} C;

/* Offsets of the read-only arguments in C.ro, one per command. */
static const size_t ro_offset[] = { 0, 512, 1024, 1536, 2048, 2560, 3072, 3584 };

static bool self_mapped(unsigned long addr)
{
	int lo = 0, hi = C.nmaps;

	if (addr >= C.tsm)
		return false;
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (addr < C.maps[mid].start)
			hi = mid;
		else if (addr >= C.maps[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* --- per-worker counters, in memory shared with the main process --------------- */

#define MAX_REPORTS	6
#define REPORT_LEN	600

struct worker_stats {
	uint64_t count[PH_NR][OP_NR][O_NR];
	uint64_t violations[PH_NR];
	uint64_t bad_output[PH_NR];
	char report[PH_NR][MAX_REPORTS][REPORT_LEN];
	volatile long cur_index;	/* the call in flight, for hangs */
	volatile int cur_phase;
	uint64_t kill_latency_max_us;
	uint64_t kills;
};

static struct worker_stats *stats;	/* [2]: root, nobody */
static struct worker_stats *my_stats;

/* --- a call ---------------------------------------------------------------- */

enum kind { K_IOCTL, K_IOCTL32, K_WRITE, K_READ, K_WRITE_RO, K_DEV_READ,
	    K_DEV_WRITE, K_DEV_MMAP };

struct call {
	int phase;
	long index;
	enum kind kind;
	enum op op;
	int file;			/* proc file for K_WRITE/K_READ/ioctl */
	unsigned long cmd;		/* full 64 bits as passed */
	const struct cmdinfo *ci;	/* what the module makes of it */
	unsigned long ptr;		/* argument or buffer */
	size_t len;			/* read/write count */
	long long off;			/* pread offset, -1 for read() */
	__u64 usize;
	unsigned int expect;		/* outcomes predicted */
	bool writable;			/* the argument can be written back */
	bool check;			/* check what a success returned */
	unsigned long vec_room;		/* bytes writable at vec */
	const char *ptr_class, *size_class, *pid_class, *note;
	long long pid;
	char pre_target[24];		/* written to target before a read */
	char pre_vtop[24];		/* written to vtop before a read */
	unsigned char saved[PS + 64];	/* the argument as passed */
	size_t saved_len;
};

/* Bytes readable from @p on, as far as the fuzzer's layout tells. */
static unsigned long readable_from(unsigned long p)
{
	if (p >= (unsigned long)C.arena && p < (unsigned long)C.arena_end)
		return (unsigned long)C.arena_end - p;
	if (p >= (unsigned long)C.ro && p < (unsigned long)C.ro_end)
		return (unsigned long)C.ro_end - p;
	if (p >= (unsigned long)C.straddle && p < (unsigned long)C.straddle + PS)
		return (unsigned long)C.straddle + PS - p;
	return 0;
}

static bool in_arena(unsigned long p, unsigned long len)
{
	return p >= (unsigned long)C.arena && p <= (unsigned long)C.arena_end &&
	       len <= (unsigned long)C.arena_end - p;
}

/* --- addresses and pids ----------------------------------------------------- */

static unsigned long addr_pick(struct rng *r)
{
	const unsigned long specials[] = {
		0, 1, PS - 1, PS, C.unmapped_low, C.unmapped_hi, C.tsm - PS,
		C.tsm - 1, C.tsm, C.tsm + PS, (1UL << 47) - PS, 1UL << 47,
		(1UL << 56) - PS, 1UL << 56, 0x8000000000000000UL,
		0xffff888000000000UL, 0xffffffff81000000UL,
		0xffffffffff600000UL, ~0UL, ~0UL - PS + 1, C.thp, C.swapped,
		C.hugetlb ? C.hugetlb : C.thp,
	};
	const struct range *m;

	switch (below(r, 10)) {
	case 0:
		return PICK(r, specials);
	case 1:
		return rnd(r) & (C.tsm | (C.tsm - 1));
	case 2:
		return rnd(r);
	default:
		m = &C.maps[below(r, C.nmaps)];
		switch (below(r, 8)) {
		case 0: return m->start;
		case 1: return m->end - PS;
		case 2: return m->end - 1;
		case 3: return m->end;
		case 4: return m->start - 1;
		case 5: return m->start + below(r, m->end - m->start);
		default: return (m->start + below(r, m->end - m->start)) & ~(PS - 1);
		}
	}
}

/* A page-aligned address inside one of our own mappings. */
static unsigned long mapped_pick(struct rng *r)
{
	const struct range *m;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		m = &C.maps[below(r, C.nmaps)];
		if (m->end <= C.tsm)
			return (m->start + below(r, m->end - m->start)) & ~(PS - 1);
	}
	return (unsigned long)C.arena;
}

static long long pid_pick(struct rng *r, const char **class)
{
	static const long long negative[] = { -1, -2, INT_MIN, INT_MIN + 1, -4096 };
	long long huge[] = {
		C.pid_max, C.pid_max + 1, 0x3fffffff, 0x40000000, 4194304,
		4194305, 0x7fffffff, 0x80000000LL, 0xfffffffeLL, 0xffffffffLL,
	};

	switch (below(r, 16)) {
	case 0: case 1: case 2:
		*class = "zero";
		return 0;
	case 3: case 4:
		*class = "own";
		return C.self;
	case 5:
		*class = "victim";
		return C.victim;
	case 6:
		*class = "victim-thread";
		return C.victim_tid;
	case 7:
		*class = "churner";
		return C.churner;
	case 8:
		*class = "parent";
		return C.main_pid;
	case 9:
		*class = "init";
		return 1;
	case 10:
		*class = "kthreadd";
		return 2;
	case 11:
		*class = "zombie";
		return C.zombie;
	case 12:
		*class = "reaped";
		return C.reaped;
	case 13:
		*class = "negative";
		return below(r, 2) ? PICK(r, negative) : -(long long)below(r, 1 << 30) - 1;
	case 14:
		*class = "huge";
		return PICK(r, huge);
	default:
		*class = "random";
		return 1 + below(r, C.pid_hi);
	}
}

/*
 * What naming @pid_field leads to, for this worker: the outcomes, and
 * whether that process's mappings are ours (the same layout: forked from
 * the main process after it was set up). @need_mm: an ioctl, which also
 * needs the process to have an mm; writing "target" does not.
 */
static unsigned int pid_outcomes(__u32 pid_field, bool need_mm, bool *our_layout)
{
	pid_t pid = (pid_t)pid_field;
	unsigned int uncertain = B(O_OK) | B(O_ESRCH) | B(O_EPERM) | B(O_EINVAL);

	*our_layout = false;
	if (pid < 0 || pid >= C.pid_max)
		return B(O_ESRCH);
	if (pid == 0 || pid == C.self) {
		*our_layout = true;
		return B(O_OK);
	}
	if (pid == 2)
		return C.nobody ? B(O_EINVAL) | B(O_EPERM) : B(O_EINVAL);
	if (pid == C.zombie) {
		if (C.nobody)
			return B(O_ESRCH) | B(O_EPERM);
		return need_mm ? B(O_ESRCH) : B(O_OK);
	}
	if (pid == C.reaped)	/* unless the pid was used again */
		return kill(pid, 0) && errno == ESRCH ? B(O_ESRCH) : uncertain;
	if (pid == C.victim || pid == C.victim_tid || pid == C.main_pid) {
		*our_layout = !C.nobody;
		return C.nobody ? B(O_EPERM) : B(O_OK);
	}
	if (pid == C.churner || pid == 1)
		return C.nobody ? B(O_EPERM) : B(O_OK);
	return uncertain;
}

/* --- what a handler makes of an argument: the predicted outcomes ----------- */

/*
 * A set of problems, each of which alone makes the call fail with its
 * errno: the module may report any of them (the order is not ABI), and
 * succeeds only when there is none. @maybe: outcomes that depend on what
 * the process has mapped.
 */
struct prediction {
	unsigned int problems, maybe;
};

static void predict_pid(struct prediction *p, __u32 pid, bool *our_layout)
{
	unsigned int s = pid_outcomes(pid, true, our_layout);

	if (s == B(O_OK))
		return;
	if (s & B(O_OK))
		p->maybe |= s & ~B(O_OK);
	else
		p->problems |= s;
}

static unsigned int prediction_outcomes(const struct prediction *p)
{
	if (p->problems)
		return p->problems | (p->maybe & ~B(O_OK));
	return B(O_OK) | p->maybe;
}

/* Room for @n records of @size bytes at @vec? */
static bool vec_fits(unsigned long vec, __u64 n, __u64 size)
{
	unsigned long room = in_arena(vec, 0) ? (unsigned long)C.arena_end - vec : 0;

	return size && n <= room / size;
}

/*
 * Can an INJECT as root name @pid without arming anything but the victim?
 * The victim, one of its threads, or a pid that cannot be armed.
 */
static bool inject_pid_safe(pid_t pid)
{
	char path[64];

	if (pid < 0 || pid >= C.pid_max)
		return true;
	/* The caller's init is refused; pid 2 only if it is kthreadd. */
	if (pid == 1 || (pid == 2 && C.pid2_is_kthread) || pid == C.zombie)
		return true;
	/*
	 * The victim, while it is alive: its pid (and its thread's) could be
	 * another process's once it is gone. A reaped pid is never safe: it
	 * may be taken again between this check and the call.
	 */
	if (pid != C.victim && pid != C.victim_tid)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", C.victim, C.victim_tid);
	if (access(path, F_OK))
		ksft_exit_fail_msg("the victim %d (thread %d) is gone: nothing is safe to arm\n",
				   C.victim, C.victim_tid);
	return true;
}

/* INJECT: what its fields, and the process it names, lead to. */
static void predict_inject(struct prediction *p, const struct memlab_inject *inj)
{
	pid_t pid = (pid_t)inj->pid;

	if (C.nobody)
		p->problems |= B(O_EPERM);
	if (inj->flags & ~(__u64)MEMLAB_INJECT_FLAGS || inj->reserved ||
	    !inj->deny || inj->deny & ~MEMLAB_DENY_ALL || !inj->len ||
	    inj->start % PS || inj->len % PS || inj->start + inj->len < inj->start ||
	    inj->start + inj->len > C.tsm)
		p->problems |= B(O_EINVAL);
	if (pid < 0 || pid >= C.pid_max || pid == C.zombie || pid == C.reaped)
		p->problems |= B(O_ESRCH);
	else if (pid == 1 || pid == 2)
		p->problems |= B(O_EINVAL);
	else if (pid != C.victim && pid != C.victim_tid)
		p->maybe |= B(O_ESRCH) | B(O_EINVAL) | B(O_EPERM);
	/*
	 * What the victim has mapped there, and what is armed already; and
	 * our SIGALRM (no SA_RESTART) while its first fault is armed.
	 */
	p->maybe |= B(O_ENOMEM) | B(O_EOPNOTSUPP) | B(O_EBUSY) | B(O_ENOSPC) | B(O_EINTR);
}

static unsigned int predict_handler(const struct call *c, const void *arg)
{
	struct prediction p = {};
	bool ours = false;

	switch (c->ci->op) {
	case OP_VERSION: {
		const struct memlab_version *v = arg;

		if (v->flags)
			p.problems |= B(O_EINVAL);
		break;
	}
	case OP_SUMMARY: {
		const struct memlab_summary *s = arg;

		if (s->flags & ~(__u64)MEMLAB_SUMMARY_FLAGS || s->reserved)
			p.problems |= B(O_EINVAL);
		predict_pid(&p, s->pid, &ours);
		break;
	}
	case OP_MAPS: {
		const struct memlab_maps *m = arg;

		if (m->flags || m->vma_size < MEMLAB_VMA_SIZE_VER0 ||
		    m->vma_size > PS || !m->vec_len || m->start >= C.tsm)
			p.problems |= B(O_EINVAL);
		if (!m->vec)
			p.problems |= B(O_EFAULT);
		predict_pid(&p, m->pid, &ours);
		/* Records are only written if there are mappings after start. */
		if (!vec_fits(m->vec, m->vec_len, m->vma_size))
			p.maybe |= B(O_EFAULT);
		break;
	}
	case OP_SCAN: {
		const struct memlab_scan *s = arg;
		__u64 masks = s->category_inverted | s->category_mask |
			      s->category_anyof_mask | s->return_mask;

		if (s->flags || s->reserved || masks & ~(__u64)MEMLAB_PAGE_CATEGORIES ||
		    s->start % PS || s->end % PS || s->end < s->start ||
		    s->end > C.tsm || !s->vec_len)
			p.problems |= B(O_EINVAL);
		if (!s->vec)
			p.problems |= B(O_EFAULT);
		predict_pid(&p, s->pid, &ours);
		if (!vec_fits(s->vec, s->vec_len, sizeof(struct memlab_scan_region)))
			p.maybe |= B(O_EFAULT);
		break;
	}
	case OP_VTOP: {
		const struct memlab_vtop *v = arg;

		if (v->flags || v->reserved || v->addr >= C.tsm)
			p.problems |= B(O_EINVAL);
		predict_pid(&p, v->pid, &ours);
		if (!ours || !self_mapped(v->addr))
			p.maybe |= B(O_ENOMEM);
		break;
	}
	case OP_INJECT:
		predict_inject(&p, arg);
		break;
	case OP_RESTORE: {
		const struct memlab_restore *res = arg;

		if (C.nobody)
			p.problems |= B(O_EPERM);
		if (res->flags & ~(__u64)MEMLAB_RESTORE_FLAGS)
			p.problems |= B(O_EINVAL);
		if (!(res->flags & MEMLAB_RESTORE_ALL))
			p.maybe |= B(O_ENOENT);
		break;
	}
	case OP_LIST_FAULTS: {
		const struct memlab_list_faults *l = arg;
		__u64 n = l->vec_len < 64 ? l->vec_len : 64;

		if (C.nobody)
			p.problems |= B(O_EPERM);
		if (l->flags || l->reserved || !l->vec_len ||
		    l->info_size < MEMLAB_FAULT_INFO_SIZE_VER0 || l->info_size > PS)
			p.problems |= B(O_EINVAL);
		/* Records are only written if faults are armed. */
		if (!vec_fits(l->vec, n, l->info_size))
			p.maybe |= B(O_EFAULT);
		break;
	}
	default:
		break;
	}
	if (c->ci->op >= OP_INJECT && c->ci->op <= OP_LIST_FAULTS && !C.have_inject)
		return B(O_EOPNOTSUPP) | (C.nobody ? B(O_EPERM) : 0);
	return prediction_outcomes(&p);
}

/*
 * The dispatcher's rules (abi.rst, "Rules every command obeys"), in the
 * order it applies them, then the handler's.
 */
static unsigned int predict_ioctl(const struct call *c)
{
	const struct cmdinfo *ci = c->ci;
	unsigned long readable = readable_from(c->ptr);
	unsigned char kbuf[PS];
	unsigned int handler;
	__u64 usize;

	if (!ci)
		return B(O_ENOTTY);
	if (c->ptr_class && !strcmp(c->ptr_class, "text"))
		return documented[ci->op];	/* unknown bytes, not writable */
	if (readable < 8)
		return B(O_EFAULT);
	memcpy(&usize, (void *)c->ptr, 8);
	if (usize > PS)
		return B(O_E2BIG);
	if (usize < ci->minsize)
		return B(O_EINVAL);
	if (usize > ci->ksize) {
		size_t i;
		bool nonzero = false;

		for (i = ci->ksize; i < usize && i < readable; i++)
			nonzero |= ((unsigned char *)c->ptr)[i] != 0;
		if (nonzero)
			return readable < usize ? B(O_E2BIG) | B(O_EFAULT) : B(O_E2BIG);
		if (readable < usize)
			return B(O_EFAULT);
	} else if (readable < usize) {
		return B(O_EFAULT);
	}
	memset(kbuf, 0, sizeof(kbuf));
	memcpy(kbuf, (void *)c->ptr, usize < ci->ksize ? usize : ci->ksize);
	handler = predict_handler(c, kbuf);
	if (!c->writable && (handler & B(O_OK)))
		handler = (handler & ~B(O_OK)) | B(O_EFAULT);
	return handler;
}

/* --- building arguments --------------------------------------------------------- */

/* An output vector in the arena: with room for @need bytes, mostly. */
static unsigned long vec_place(struct rng *r, unsigned long need)
{
	char *area = C.arena + ARG_AREA;
	unsigned long len = C.arena_end - area;

	if (need <= len && chance(r, 85))
		return (unsigned long)area + (below(r, len - need + 1) & ~7UL);
	/* Too close to the guard page for all of it. */
	return (unsigned long)C.arena_end - below(r, need < len ? need : len) - 1;
}

/* An output vector anywhere: in the arena, or somewhere it cannot go. */
static unsigned long vec_pick(struct rng *r, unsigned long need)
{
	const unsigned long bad[] = {
		0, C.unmapped_low, C.unmapped_hi, (unsigned long)C.arena_end,
		(unsigned long)C.ro, (unsigned long)&vec_pick,
		0xffff888000000000UL, 0xffffffff81000000UL, ~0UL - 7,
		0x8000000000000000UL, C.tsm - 8,
		(unsigned long)C.straddle + PS - 24,
	};

	if (chance(r, 80))
		return vec_place(r, need);
	return PICK(r, bad);
}

static void scan_range(struct rng *r, __u64 *start, __u64 *end)
{
	const struct range *m = &C.maps[below(r, C.nmaps)];
	unsigned long len;

	switch (below(r, 10)) {
	case 0:		/* everything */
		*start = 0;
		*end = C.tsm;
		return;
	case 1:
		*start = *end = mapped_pick(r);
		return;
	case 2:		/* a big sparse or huge mapping */
		*start = PICK(r, ((unsigned long[]){ C.thp, C.swapped,
			C.hugetlb ? C.hugetlb : C.thp }));
		*end = *start + 4 * MiB;
		return;
	default:
		if (m->end > C.tsm)
			m = &C.maps[0];
		len = m->end - m->start;
		*start = m->start + (below(r, len) & ~(PS - 1));
		*end = *start + ((1 + below(r, 64)) << 12);
		if (*end > m->end && chance(r, 50))
			*end = m->end;
		return;
	}
}

static __u64 categories_pick(struct rng *r)
{
	switch (below(r, 6)) {
	case 0: return 0;
	case 1: return 1ULL << below(r, 14);
	case 2: return MEMLAB_PAGE_CATEGORIES;
	case 3: return rnd(r) & MEMLAB_PAGE_CATEGORIES;
	default: return (1ULL << below(r, 14)) | (1ULL << below(r, 14));
	}
}

/* A valid argument of @ci at @p (zeroed by the caller), naming ourselves. */
static void build_valid(struct rng *r, const struct cmdinfo *ci, void *p, __u64 usize)
{
	switch (ci->op) {
	case OP_VERSION: {
		struct memlab_version *v = p;

		v->size = usize;
		break;
	}
	case OP_SUMMARY: {
		struct memlab_summary *s = p;

		s->size = usize;
		s->flags = (chance(r, 60) ? MEMLAB_SUMMARY_NO_SHARING : 0) |
			   (chance(r, 40) ? MEMLAB_SUMMARY_PAGE_TABLES_ONLY : 0);
		break;
	}
	case OP_MAPS: {
		struct memlab_maps *m = p;
		const __u32 sizes[] = { sizeof(struct memlab_vma), MEMLAB_VMA_SIZE_VER0, 144, 256, PS };

		m->size = usize;
		m->vma_size = PICK(r, sizes);
		m->vec_len = 1 + below(r, 16);
		m->start = chance(r, 50) ? 0 : addr_pick(r) % C.tsm;
		m->vec = vec_place(r, m->vec_len * m->vma_size);
		break;
	}
	case OP_SCAN: {
		struct memlab_scan *s = p;

		s->size = usize;
		scan_range(r, &s->start, &s->end);
		s->vec_len = 1 + below(r, 64);
		s->vec = vec_place(r, s->vec_len * sizeof(struct memlab_scan_region));
		s->max_pages = chance(r, 70) ? 0 : below(r, 1024);
		s->category_mask = chance(r, 50) ? 0 : categories_pick(r);
		s->category_anyof_mask = chance(r, 50) ? 0 : categories_pick(r);
		s->category_inverted = chance(r, 70) ? 0 : categories_pick(r);
		s->return_mask = chance(r, 30) ? MEMLAB_PAGE_CATEGORIES : categories_pick(r);
		break;
	}
	case OP_VTOP: {
		struct memlab_vtop *v = p;

		v->size = usize;
		v->addr = mapped_pick(r) + below(r, PS);
		break;
	}
	case OP_INJECT: {
		struct memlab_inject *inj = p;

		inj->size = usize;
		inj->pid = chance(r, 80) ? C.victim : C.victim_tid;
		inj->start = mapped_pick(r);
		inj->len = (1 + below(r, chance(r, 80) ? 4 : 64)) * PS;
		inj->deny = 1 + (__u32)below(r, MEMLAB_DENY_ALL);
		inj->flags = chance(r, 30) ? MEMLAB_INJECT_ONESHOT : 0;
		break;
	}
	case OP_RESTORE: {
		struct memlab_restore *res = p;

		res->size = usize;
		if (chance(r, 5))
			res->flags = MEMLAB_RESTORE_ALL;
		else
			res->id = chance(r, 70) ? C.last_id - below(r, 3) : below(r, 1 << 20);
		break;
	}
	case OP_LIST_FAULTS: {
		struct memlab_list_faults *l = p;
		const __u32 sizes[] = { sizeof(struct memlab_fault_info), 72, 128, PS };

		l->size = usize;
		l->info_size = chance(r, 70) ? sizeof(struct memlab_fault_info) : PICK(r, sizes);
		l->vec_len = 1 + below(r, 80);
		l->start_id = chance(r, 60) ? 0 : C.last_id - below(r, 8);
		l->vec = vec_place(r, (l->vec_len < 64 ? l->vec_len : 64) * l->info_size);
		break;
	}
	default:
		break;
	}
}

static void *arg_slot(struct rng *r, size_t len)
{
	unsigned long off = below(r, ARG_AREA - len - 64);

	return C.arena + (chance(r, 85) ? off & ~7UL : off);
}

/* Set an ioctl call up with a valid argument of @ci, somewhere in the arena. */
static void setup_valid_ioctl(struct rng *r, struct call *c, const struct cmdinfo *ci)
{
	void *p = arg_slot(r, ci->ksize);

	c->ci = ci;
	c->op = ci->op;
	c->cmd = ci->cmd;
	c->usize = ci->ksize;
	memset(p, 0, ci->ksize);
	build_valid(r, ci, p, c->usize);
	c->ptr = (unsigned long)p;
	c->writable = true;
	c->check = true;
}

static void set_pid_field(const struct cmdinfo *ci, void *p, __u32 pid)
{
	switch (ci->op) {
	case OP_SUMMARY: ((struct memlab_summary *)p)->pid = pid; break;
	case OP_MAPS: ((struct memlab_maps *)p)->pid = pid; break;
	case OP_SCAN: ((struct memlab_scan *)p)->pid = pid; break;
	case OP_VTOP: ((struct memlab_vtop *)p)->pid = pid; break;
	case OP_INJECT: ((struct memlab_inject *)p)->pid = pid; break;
	default: break;
	}
}

/* --- the phases' generators ----------------------------------------------------- */

static void gen_commands(struct rng *r, struct call *c)
{
	const struct cmdinfo *ci = cmd_pick(r);
	unsigned int cmd = ci->cmd;
	bool high = false;
	unsigned long full;

	switch (below(r, 9)) {
	case 0:
		c->note = "exact";
		break;
	case 1:
		c->note = "random size bits";
		cmd = (cmd & ~IOC_SIZE_BITS) | ((unsigned int)rnd(r) & IOC_SIZE_BITS);
		break;
	case 2:
		c->note = "other direction";
		cmd = (cmd & ~(3u << _IOC_DIRSHIFT)) | ((unsigned int)below(r, 3) << _IOC_DIRSHIFT);
		break;
	case 3:
		c->note = "memlab type, unknown number";
		cmd = _IOC((unsigned int)below(r, 4), MEMLAB_IOC_MAGIC,
			   8 + (unsigned int)below(r, 248), (unsigned int)below(r, 1 << 14));
		break;
	case 4:
		c->note = "garbage";
		cmd = keep_out_of_vfs((unsigned int)rnd(r));
		break;
	case 5:
		c->note = "other type";
		cmd = keep_out_of_vfs(_IOC((unsigned int)below(r, 4), (unsigned int)below(r, 256),
					   (unsigned int)below(r, 256), (unsigned int)below(r, 1 << 14)));
		if (_IOC_TYPE(cmd) == MEMLAB_IOC_MAGIC)
			cmd ^= 1u << _IOC_TYPESHIFT;
		break;
	case 6:
		c->note = "one bit flipped";
		cmd = keep_out_of_vfs(cmd ^ (1u << below(r, 32)));
		break;
	default:
		c->note = "high 32 bits set (the kernel takes an unsigned int)";
		high = true;
		break;
	}
	full = cmd;
	if (high)
		full |= (rnd(r) | 1) << 32;

	c->ci = cmd_lookup(cmd);
	if (c->ci) {
		setup_valid_ioctl(r, c, c->ci);
	} else {
		void *p = arg_slot(r, 512);
		size_t i;

		for (i = 0; i < 512; i += 8)
			*(uint64_t *)((char *)p + i) = chance(r, 50) ? rnd(r) : 0;
		c->ptr = chance(r, 80) ? (unsigned long)p : PICK(r, ((unsigned long[]){ 0, ~0UL, 0xffff888000000000UL }));
		c->op = OP_BAD_CMD;
	}
	c->cmd = full;
	/* Now and then the same on a /proc/memlab file: never its ioctl. */
	if (chance(r, 5)) {
		c->file = (int)below(r, F_NR);
		c->op = OP_PROC_IOCTL;
		c->ci = NULL;
		c->check = false;
	}
}

static void gen_sizes(struct rng *r, struct call *c)
{
	const struct cmdinfo *ci = cmd_pick(r);
	static unsigned char tmp[PS + 64];
	unsigned char *p;
	__u64 usize = ci->ksize;
	bool nonzero_tail = false, into_guard = false;
	size_t len;

	switch (below(r, 16)) {
	case 0: usize = 0; c->size_class = "0"; break;
	case 1: usize = 1 + below(r, 7); c->size_class = "tiny"; break;
	case 2: usize = 8; c->size_class = "8"; break;
	case 3: usize = ci->minsize - 1 - below(r, 8); c->size_class = "under version 0"; break;
	case 4: case 5: usize = ci->ksize; c->size_class = "exact"; break;
	case 6: usize = ci->ksize + 1 + below(r, 64); c->size_class = "larger, zero tail"; break;
	case 7:
		usize = ci->ksize + 1 + below(r, 64);
		nonzero_tail = true;
		c->size_class = "larger, non-zero tail";
		break;
	case 8: usize = PS; c->size_class = "a page, zero tail"; break;
	case 9: usize = PS; nonzero_tail = true; c->size_class = "a page, non-zero tail"; break;
	case 10: usize = PS + 1 + below(r, 64); c->size_class = "over a page"; break;
	case 11:
		usize = PICK(r, ((__u64[]){ 1ULL << 32, 1ULL << 63, ~0ULL, PS * 2, 0x10000 }));
		c->size_class = "huge";
		break;
	case 12:
		usize = ci->ksize + 8 + below(r, 256);
		into_guard = true;
		c->size_class = "zero tail running into a guard page";
		break;
	case 13:
		usize = ci->ksize;
		into_guard = true;
		c->size_class = "exact, struct running into a guard page";
		break;
	default:
		usize = below(r, 2 * PS);
		c->size_class = "random";
		break;
	}

	c->ci = ci;
	c->op = ci->op;
	c->cmd = ci->cmd;
	c->usize = usize;
	c->writable = true;
	c->check = true;

	/* Built aside, then copied where it goes, up to what can be written. */
	memset(tmp, 0, sizeof(tmp));
	build_valid(r, ci, tmp, usize);
	if (nonzero_tail && usize > ci->ksize && usize <= PS)
		tmp[ci->ksize + below(r, usize - ci->ksize)] = (unsigned char)(1 + below(r, 255));
	len = usize < ci->ksize ? ci->ksize : usize > PS ? ci->ksize : usize;
	if (into_guard) {
		/* The argument's last bytes lie in the guard page. */
		unsigned long cut = 1 + below(r, usize > ci->ksize ? usize - ci->ksize : ci->ksize - 8);

		p = (unsigned char *)C.arena_end - len + cut;
	} else {
		p = arg_slot(r, len);
	}
	memcpy(p, tmp, readable_from((unsigned long)p) < len ? readable_from((unsigned long)p) : len);
	c->ptr = (unsigned long)p;
}

static void gen_pointers(struct rng *r, struct call *c, bool compat)
{
	const struct cmdinfo *ci = cmd_pick(r);
	unsigned long ptr;
	unsigned int n = compat ? 9 : 16;

	setup_valid_ioctl(r, c, ci);
	switch (below(r, n)) {
	case 0: ptr = 0; c->ptr_class = "NULL"; break;
	case 1: ptr = C.unmapped_low; c->ptr_class = "unmapped (below mmap_min_addr)"; break;
	case 2: ptr = (unsigned long)C.arena_end + below(r, PS); c->ptr_class = "PROT_NONE"; break;
	case 3: case 4: {
		/* Straddling the end of a page into an unmapped one. */
		unsigned long cut = 1 + below(r, ci->ksize - 1);

		ptr = (unsigned long)C.straddle + PS - cut;
		memcpy((void *)ptr, (void *)c->ptr, cut);
		c->ptr_class = cut < 8 ? "straddling, size unreadable" : "straddling into unmapped";
		break;
	}
	case 5: {
		unsigned long cut = 1 + below(r, ci->ksize - 1);

		ptr = (unsigned long)C.arena_end - cut;
		memcpy((void *)ptr, (void *)c->ptr, cut);
		c->ptr_class = "straddling into PROT_NONE";
		break;
	}
	case 6: case 7:
		ptr = (unsigned long)C.ro + ro_offset[ci - cmds];
		c->writable = false;
		c->ptr_class = "read-only, valid";
		break;
	case 8:
		ptr = compat ? C.unmapped_32 : C.unmapped_hi;
		c->ptr_class = "unmapped";
		break;
	case 9:
		ptr = PICK(r, ((unsigned long[]){ 0xffff888000000000UL, 0xffffffff81000000UL,
			0xffffc90000000000UL, 0xffffffffff600000UL }));
		c->ptr_class = "kernel";
		break;
	case 10:
		ptr = PICK(r, ((unsigned long[]){ 0x8000000000000000UL, 0x0000800000000000UL,
			0x00ff000000000000UL, 0x0100000000000000UL }));
		c->ptr_class = "non-canonical or above user space";
		break;
	case 11:
		ptr = PICK(r, ((unsigned long[]){ ~0UL, ~0UL - 7, ~0UL - PS + 1, C.tsm - 8, C.tsm - 4 }));
		c->ptr_class = "wrapping or at the top of user space";
		break;
	case 12:
		ptr = (unsigned long)&gen_pointers;
		c->writable = false;
		c->ptr_class = "text";
		break;
	case 13:
		/* An output vector that is the argument itself. */
		ptr = c->ptr;
		if (ci->op == OP_MAPS)
			((struct memlab_maps *)ptr)->vec = ptr;
		else if (ci->op == OP_SCAN)
			((struct memlab_scan *)ptr)->vec = ptr;
		c->ptr_class = "vec overlapping the argument";
		break;
	default:
		ptr = c->ptr + 1 + below(r, 7);
		memmove((void *)ptr, (void *)c->ptr, ci->ksize);
		c->ptr_class = "unaligned";
		break;
	}
	c->ptr = ptr;
}

static void gen_pids(struct rng *r, struct call *c)
{
	const struct cmdinfo *ci = injecting ? CMD_INJECT : &cmds[1 + below(r, NR_WALK_CMDS - 1)];

	setup_valid_ioctl(r, c, ci);
	c->pid = pid_pick(r, &c->pid_class);
	set_pid_field(ci, (void *)c->ptr, (__u32)c->pid);
	/* Another process: an address of ours is mapped there too (fork). */
	if (ci->op == OP_SCAN && chance(r, 50)) {
		struct memlab_scan *s = (void *)c->ptr;

		s->start = 0;
		s->end = C.tsm;
		s->return_mask = MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_SWAPPED | MEMLAB_PAGE_HUGE;
	}
}

static __u64 interesting_u64(struct rng *r)
{
	const __u64 values[] = {
		0, 1, 2, 7, 8, 0xff, PS - 1, PS, PS + 1, 1ULL << 31, 1ULL << 32,
		1ULL << 47, 1ULL << 56, 1ULL << 63, ~0ULL, ~0ULL - 1,
	};

	switch (below(r, 3)) {
	case 0: return PICK(r, values);
	case 1: return rnd(r);
	default: return 1ULL << below(r, 64);
	}
}

static void mutate_field(struct rng *r, const struct cmdinfo *ci, void *p)
{
	switch (ci->op) {
	case OP_VERSION: {
		struct memlab_version *v = p;

		v->flags = interesting_u64(r);
		break;
	}
	case OP_SUMMARY: {
		struct memlab_summary *s = p;

		switch (below(r, 3)) {
		case 0: s->flags = interesting_u64(r); break;
		case 1: s->reserved = (__u32)interesting_u64(r); break;
		default: s->pid = (__u32)interesting_u64(r); break;
		}
		break;
	}
	case OP_MAPS: {
		struct memlab_maps *m = p;
		const __u64 lens[] = { 0, 1, 2, 3, 127, 128, 129, 1 << 20, 1ULL << 40, ~0ULL };

		switch (below(r, 7)) {
		case 0: m->flags = interesting_u64(r); break;
		case 1:
			m->vma_size = PICK(r, ((__u32[]){ 0, 1, MEMLAB_VMA_SIZE_VER0 - 1,
				MEMLAB_VMA_SIZE_VER0, MEMLAB_VMA_SIZE_VER0 + 1, 144, PS - 1, PS,
				PS + 1, 0xffffffff }));
			break;
		case 2: m->start = chance(r, 50) ? addr_pick(r) : interesting_u64(r); break;
		case 3: m->vec = vec_pick(r, m->vec_len * m->vma_size); break;
		case 4: m->vec_len = chance(r, 50) ? PICK(r, lens) : interesting_u64(r); break;
		case 5: m->pid = (__u32)interesting_u64(r); break;
		default:	/* outputs: ignored on the way in */
			m->count = rnd(r);
			m->next = rnd(r);
			break;
		}
		break;
	}
	case OP_SCAN: {
		struct memlab_scan *s = p;

		switch (below(r, 12)) {
		case 0: s->flags = interesting_u64(r); break;
		case 1: s->reserved = (__u32)interesting_u64(r); break;
		case 2: s->start = addr_pick(r); break;
		case 3: s->end = addr_pick(r); break;
		case 4: {	/* reversed */
			__u64 t = s->start;

			s->start = s->end;
			s->end = t;
			break;
		}
		case 5: s->vec = vec_pick(r, s->vec_len * sizeof(struct memlab_scan_region)); break;
		case 6:
			s->vec_len = PICK(r, ((__u64[]){ 0, 1, 2, 511, 512, 513, 1 << 20, ~0ULL }));
			break;
		case 7: s->max_pages = PICK(r, ((__u64[]){ 0, 1, 2, 511, 512, 1 << 30, ~0ULL })); break;
		case 8:
			s->category_mask = categories_pick(r) | (chance(r, 50) ? 1ULL << (14 + below(r, 50)) : 0);
			break;
		case 9: s->category_anyof_mask = interesting_u64(r); break;
		case 10: s->category_inverted = interesting_u64(r) & (chance(r, 80) ? MEMLAB_PAGE_CATEGORIES : ~0ULL); break;
		default: s->return_mask = interesting_u64(r); s->walk_end = rnd(r); break;
		}
		break;
	}
	case OP_VTOP: {
		struct memlab_vtop *v = p;

		switch (below(r, 5)) {
		case 0: v->flags = interesting_u64(r); break;
		case 1: v->reserved = (__u32)interesting_u64(r); break;
		case 2: case 3: v->addr = addr_pick(r); break;
		default:	/* outputs: ignored on the way in */
			v->pfn = rnd(r);
			v->levels[below(r, MEMLAB_VTOP_LEVELS)].value = rnd(r);
			v->reserved2 = (__u32)rnd(r);
			break;
		}
		break;
	}
	case OP_INJECT: {
		struct memlab_inject *inj = p;

		switch (below(r, 9)) {
		case 0: inj->flags = interesting_u64(r); break;
		case 1: inj->reserved = (__u32)interesting_u64(r); break;
		case 2: inj->deny = chance(r, 50) ? (__u32)below(r, 16) : (__u32)interesting_u64(r); break;
		case 3: inj->start = addr_pick(r); break;
		case 4: inj->start = interesting_u64(r); break;
		case 5:
			inj->len = PICK(r, ((__u64[]){ 0, 1, PS - 1, PS + 1, 2 * MiB, 1ULL << 30,
				C.tsm, ~0ULL - PS + 1, ~0ULL }));
			break;
		case 6: inj->len = interesting_u64(r); break;
		case 7: inj->pid = (__u32)interesting_u64(r); break;
		default:	/* outputs: ignored on the way in */
			inj->id = rnd(r);
			inj->enforced = (__u32)rnd(r);
			break;
		}
		break;
	}
	case OP_RESTORE: {
		struct memlab_restore *res = p;

		switch (below(r, 3)) {
		case 0: res->flags = interesting_u64(r); break;
		case 1: res->id = interesting_u64(r); break;
		default: res->restored = rnd(r); break;
		}
		break;
	}
	case OP_LIST_FAULTS: {
		struct memlab_list_faults *l = p;

		switch (below(r, 7)) {
		case 0: l->flags = interesting_u64(r); break;
		case 1: l->reserved = (__u32)interesting_u64(r); break;
		case 2: l->start_id = interesting_u64(r); break;
		case 3: l->vec = vec_pick(r, (l->vec_len < 64 ? l->vec_len : 64) * l->info_size); break;
		case 4: l->vec_len = PICK(r, ((__u64[]){ 0, 1, 63, 64, 65, 1 << 20, ~0ULL })); break;
		case 5:
			l->info_size = PICK(r, ((__u32[]){ 0, 1, MEMLAB_FAULT_INFO_SIZE_VER0 - 1,
				MEMLAB_FAULT_INFO_SIZE_VER0, MEMLAB_FAULT_INFO_SIZE_VER0 + 1, PS, PS + 1,
				0xffffffff }));
			break;
		default:
			l->count = rnd(r);
			l->next_id = rnd(r);
			break;
		}
		break;
	}
	default:
		break;
	}
}

static void gen_fields(struct rng *r, struct call *c)
{
	const struct cmdinfo *ci = cmd_pick(r);
	unsigned int i, n = (unsigned int)below(r, 4);

	setup_valid_ioctl(r, c, ci);
	for (i = 0; i < n; i++)
		mutate_field(r, ci, (void *)c->ptr);
	if (chance(r, 15)) {
		c->pid = pid_pick(r, &c->pid_class);
		set_pid_field(ci, (void *)c->ptr, (__u32)c->pid);
	}
}

static void gen_compat(struct rng *r, struct call *c)
{
	switch (below(r, 4)) {
	case 0: gen_commands(r, c); break;
	case 1: gen_sizes(r, c); break;
	case 2: gen_pointers(r, c, true); break;
	default: gen_fields(r, c); break;
	}
	c->kind = K_IOCTL32;
	if (c->op == OP_PROC_IOCTL) {	/* the device, here */
		c->ci = cmd_lookup((unsigned int)c->cmd);
		c->op = c->ci ? c->ci->op : OP_BAD_CMD;
		c->check = c->ci != NULL;
		c->file = -1;
	}
	/* The 32-bit entry passes 32 bits of pointer. */
	if (c->ptr >> 32) {
		c->ptr = (unsigned long)C.straddle + PS - 4;
		c->ptr_class = "straddling, size unreadable";
	}
}

/* --- text for the /proc files --------------------------------------------------- */

static size_t text_decorate(struct rng *r, char *buf, size_t size, const char *core)
{
	static const struct {
		const char *s;
		size_t len;
	} posts[] = {
		{ "", 0 }, { "\n", 1 }, { "\n", 1 }, { " ", 1 }, { "\n\n", 2 },
		{ " \n", 2 }, { "x", 1 }, { "\0garbage", 8 }, { "\xa0", 1 },
	};
	const char *pre = PICK(r, ((const char *[]){ "", "", "", " ", "\t", "+", "0", "00", "\xa0" }));
	unsigned int post = (unsigned int)below(r, ARRAY_SIZE(posts));
	int n = snprintf(buf, size, "%s%s", pre, core);
	size_t len = n < 0 ? 0 : (size_t)n;

	if (len >= size)
		len = size - 1;
	if (len + posts[post].len < size) {
		memcpy(buf + len, posts[post].s, posts[post].len);
		len += posts[post].len;
	}
	return len;
}

static size_t text_random(struct rng *r, char *buf, size_t size)
{
	const char alphabet[] = "0123456789abcdefxX+- \n\tselfSELF\xa0\xff";
	size_t i, len = below(r, 3) ? below(r, 30) : below(r, size);

	for (i = 0; i < len; i++)
		buf[i] = below(r, 8) ? alphabet[below(r, sizeof(alphabet) - 1)] : (char)rnd(r);
	return len;
}

static size_t text_target(struct rng *r, char *buf, size_t size)
{
	char core[64];
	const char *class;

	switch (below(r, 8)) {
	case 0:
		return text_decorate(r, buf, size, PICK(r, ((const char *[]){ "self", "0", "SELF", "selfish", "-0", "+0" })));
	case 1: case 2: case 3:
		snprintf(core, sizeof(core), "%lld", pid_pick(r, &class));
		return text_decorate(r, buf, size, core);
	case 4:
		snprintf(core, sizeof(core), "%llu%llu", (unsigned long long)rnd(r), (unsigned long long)rnd(r));
		core[below(r, 30)] = '\0';
		return text_decorate(r, buf, size, core);
	case 5:
		snprintf(core, sizeof(core), "0x%llx", (unsigned long long)below(r, 40000));
		return text_decorate(r, buf, size, core);
	default:
		return text_random(r, buf, size);
	}
}

static size_t text_vtop(struct rng *r, char *buf, size_t size)
{
	char core[96];
	unsigned long a = addr_pick(r);

	switch (below(r, 8)) {
	case 0: case 1:
		snprintf(core, sizeof(core), "0x%lx", a);
		break;
	case 2:
		snprintf(core, sizeof(core), "%lu", a);
		break;
	case 3:
		snprintf(core, sizeof(core), "0%lo", a);
		break;
	case 4:
		snprintf(core, sizeof(core), "0X%lX", a);
		break;
	case 5:
		snprintf(core, sizeof(core), "%s", PICK(r, ((const char *[]){
			"0x", "0x0", "08", "-1", "+0x10", "0xg", "18446744073709551616",
			"0x10000000000000000", "99999999999999999999999999999999",
			"00000000000000000000000000000000000000000000000000000000000000000000001" })));
		break;
	case 6:
		/* Longer than the 66 bytes the kernel looks at. */
		memset(core, '0', sizeof(core) - 1);
		core[sizeof(core) - 1] = '\0';
		core[below(r, sizeof(core) - 1)] = '1';
		break;
	default:
		return text_random(r, buf, size);
	}
	return text_decorate(r, buf, size, core);
}

/* --- the kernel's parsers, to predict what a write does --------------------------- */

static bool k_isspace(unsigned char ch)
{
	/* lib/ctype.c: _S for \t..\r, space and 0xa0 */
	return ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == 0xa0;
}

static bool k_isxdigit(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

/* kstrtoull(): 0 and *res, or -EINVAL / -ERANGE. */
static int k_strtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned long long v = 0;
	bool overflow = false;
	size_t n = 0;

	if (s[0] == '+')
		s++;
	if (base == 0) {
		if (s[0] == '0') {
			if ((s[1] | 0x20) == 'x' && k_isxdigit(s[2])) {
				base = 16;
				s += 2;
			} else {
				base = 8;
			}
		} else {
			base = 10;
		}
	}
	for (;; s++, n++) {
		unsigned char ch = *s;
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			d = (ch | 0x20) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (ULLONG_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (!n)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

/* kstrtoint(s, base): a leading '-' is allowed. */
static int k_strtoint_base(const char *s, unsigned int base, int *res)
{
	unsigned long long v;
	int ret;

	if (s[0] == '-') {
		if (s[1] == '+')
			return -EINVAL;	/* _kstrtoull() takes no sign */
		ret = k_strtoull(s + 1, base, &v);
		if (ret)
			return ret;
		if (v > (unsigned long long)INT_MAX + 1)
			return -ERANGE;
		*res = (int)-(long long)v;
		return 0;
	}
	ret = k_strtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > INT_MAX)
		return -ERANGE;
	*res = (int)v;
	return 0;
}

static int k_strtoint(const char *s, int *res)
{
	return k_strtoint_base(s, 10, res);
}

/* What "self" or a pid written to "target" does, after strim(). */
static unsigned int target_text_outcomes(const char *s)
{
	bool ours;
	int nr;

	if (!strcmp(s, "self"))
		return B(O_OK);
	if (k_strtoint(s, &nr))
		return B(O_EINVAL);
	if (!nr)
		return B(O_OK);
	if (nr < 0)
		return B(O_ESRCH);
	return pid_outcomes((__u32)nr, false, &ours);
}

/*
 * memlab_target_write(): count < 24, strim(), "self" or kstrtoint().
 * The module drops what strim() returns, so leading white space is not
 * skipped: " 12" is EINVAL today. Both are accepted here; see
 * Documentation/reliability.rst.
 */
static unsigned int predict_target_write(const struct call *c)
{
	char buf[32], *s, *e;

	if (c->ptr >= C.tsm)
		return B(O_EFAULT);	/* vfs_write(): access_ok() */
	if (c->len >= 24)
		return B(O_EINVAL);
	if (c->len && readable_from(c->ptr) < c->len)
		return B(O_EFAULT);
	memcpy(buf, (void *)c->ptr, c->len);
	buf[c->len] = '\0';
	e = buf + strlen(buf);
	while (e > buf && k_isspace(e[-1]))
		*--e = '\0';
	for (s = buf; k_isspace(*s); s++)
		;
	if (s == buf)
		return target_text_outcomes(s);
	return target_text_outcomes(s) | B(O_EINVAL);
}

/* memlab_vtop_write(): kstrtoul_from_user(), then the user address space. */
static unsigned int predict_vtop_write(const struct call *c)
{
	size_t n = c->len < 66 ? c->len : 66;
	unsigned long long v;
	char buf[67];

	if (c->ptr >= C.tsm)
		return B(O_EFAULT);	/* vfs_write(): access_ok() */
	if (n && readable_from(c->ptr) < n)
		return B(O_EINVAL) | B(O_EFAULT);	/* the module says EINVAL */
	memcpy(buf, (void *)c->ptr, n);
	buf[n] = '\0';
	if (k_strtoull(buf, 0, &v) || v >= C.tsm)
		return B(O_EINVAL);
	return B(O_OK);
}

/* A buffer for text, or one the kernel cannot read. */
static unsigned long text_place(struct rng *r, struct call *c, const char *text, size_t len)
{
	char *p;

	switch (below(r, 12)) {
	case 0:
		c->ptr_class = "NULL";
		return 0;
	case 1:
		c->ptr_class = "kernel";
		return 0xffff888000000000UL;
	case 2:
		c->ptr_class = "straddling into unmapped";
		p = C.straddle + PS - (len ? below(r, len) + 1 : 0);
		break;
	case 3:
		c->ptr_class = "straddling into PROT_NONE";
		p = C.arena_end - (len ? below(r, len) + 1 : 0);
		break;
	default:
		c->ptr_class = "arena";
		p = arg_slot(r, len + 1);
		break;
	}
	memcpy(p, text, (size_t)readable_from((unsigned long)p) < len ?
	       (size_t)readable_from((unsigned long)p) : len);
	return (unsigned long)p;
}

static void gen_proc_writes(struct rng *r, struct call *c)
{
	char text[160];
	size_t len;

	c->kind = K_WRITE;
	switch (below(r, 12)) {
	case 0: case 1: case 2: case 3: case 4:
		c->file = F_TARGET;
		c->op = OP_W_TARGET;
		len = text_target(r, text, sizeof(text));
		break;
	case 5: case 6: case 7: case 8:
		c->file = F_VTOP;
		c->op = OP_W_VTOP;
		len = text_vtop(r, text, sizeof(text));
		break;
	case 9:
		c->kind = K_WRITE_RO;
		c->file = PICK(r, ((int[]){ F_VERSION, F_SUMMARY, F_MAPS }));
		c->op = OP_W_READONLY;
		len = text_random(r, text, sizeof(text));
		break;
	case 10:
		c->kind = below(r, 2) ? K_DEV_READ : K_DEV_WRITE;
		c->op = OP_DEV_RW;
		len = below(r, 2 * PS);
		c->ptr = (unsigned long)arg_slot(r, 8);
		c->len = len;
		c->expect = B(O_EINVAL);
		return;
	default:
		c->kind = K_DEV_MMAP;
		c->op = OP_DEV_MMAP;
		c->len = PS << below(r, 4);
		c->off = (long long)(below(r, 4) * PS);
		c->expect = B(O_ENODEV);
		return;
	}
	c->len = len;
	c->ptr = text_place(r, c, text, len);
	if (chance(r, 5))
		c->len = PICK(r, ((size_t[]){ 0, 23, 24, 25, 66, 67, PS, 1 << 20 }));
	switch (c->op) {
	case OP_W_TARGET:
		c->expect = predict_target_write(c);
		break;
	case OP_W_VTOP:
		c->expect = predict_vtop_write(c);
		break;
	default:
		c->expect = C.nobody ? B(O_EACCES) : c->ptr >= C.tsm ? B(O_EFAULT) : B(O_EIO);
		break;
	}
}

static void gen_proc_reads(struct rng *r, struct call *c)
{
	const size_t sizes[] = { 0, 1, 2, 7, 16, 63, 64, 100, 4095, 4096, 4097, 8192, 65536 };
	unsigned long buf;

	c->kind = K_READ;
	c->file = (int)below(r, F_NR);
	c->op = (enum op)(OP_R_VERSION + c->file);
	c->len = chance(r, 80) ? PICK(r, sizes) : below(r, 1 << 17);
	c->off = chance(r, 70) ? -1 : (long long)PICK(r, ((unsigned long long[]){
		0, 1, 10, 100, 4095, 4096, 1 << 20, 1ULL << 40, (1ULL << 62) }));
	switch (below(r, 10)) {
	case 0: buf = 0; c->ptr_class = "NULL"; break;
	case 1: buf = 0xffff888000000000UL; c->ptr_class = "kernel"; break;
	case 2: buf = (unsigned long)C.ro; c->ptr_class = "read-only"; break;
	case 3: buf = (unsigned long)C.arena_end - below(r, 64) - 1; c->ptr_class = "into PROT_NONE"; break;
	case 4: buf = (unsigned long)C.straddle + PS - below(r, 64) - 1; c->ptr_class = "into unmapped"; break;
	default:
		buf = (unsigned long)C.arena + ARG_AREA;
		if (c->len > (unsigned long)(C.arena_end - (char *)buf))
			c->len = C.arena_end - (char *)buf;
		c->ptr_class = "arena";
		c->check = true;
		break;
	}
	c->ptr = buf;
	/* Something readable to show, now and then (the last writer decides). */
	if (chance(r, 40)) {
		const char *class;

		snprintf(c->pre_target, sizeof(c->pre_target), "%lld\n",
			 chance(r, 50) ? 0 : pid_pick(r, &class));
	}
	if (c->file == F_VTOP && chance(r, 60))
		snprintf(c->pre_vtop, sizeof(c->pre_vtop), "%#lx\n", mapped_pick(r) + below(r, PS));
	/* version and target never fail but to copy out. */
	c->expect = documented[c->op];
	if ((c->op == OP_R_VERSION || c->op == OP_R_TARGET) && c->check)
		c->expect = B(O_OK);
}

/* --- the injection phase: its commands, and text for /proc/memlab/faults --------- */

static int deny_parse(const char *s, __u32 *deny)
{
	*deny = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'r': *deny |= MEMLAB_DENY_READ; break;
		case 'w': *deny |= MEMLAB_DENY_WRITE; break;
		case 'x': *deny |= MEMLAB_DENY_EXEC; break;
		default: return -EINVAL;
		}
	}
	return *deny ? 0 : -EINVAL;
}

/*
 * memlab_faults_write() after its copy: memdup_user_nul(), strim(), at
 * most 7 words split at ' ' and '\t', then "inject PID ADDR LEN DENY
 * [oneshot]" (PID decimal; ADDR and LEN kstrtou64, base 0) or "restore
 * ID|all" (ID decimal).
 * @pid: the pid an inject names, or -1 if the text names none.
 */
static unsigned int faults_text_outcomes(const char *text, size_t len, long long *pid)
{
	char buf[300], *s, *e, *p, *tok, *w[7];
	struct prediction pr = {};
	int n = 0;

	*pid = -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	e = buf + strlen(buf);
	while (e > buf && k_isspace(e[-1]))
		*--e = '\0';
	for (s = buf; k_isspace(*s); s++)
		;
	for (p = s; (tok = strsep(&p, " \t"));) {
		if (n == 7)
			return B(O_EINVAL);	/* too many words */
		if (*tok)
			w[n++] = tok;
	}
	if (n && !strcmp(w[0], "inject")) {
		struct memlab_inject inj = {};
		unsigned long long start, length;
		int nr;

		if (n < 5 || k_strtoint_base(w[1], 10, &nr) || nr < 0 ||
		    k_strtoull(w[2], 0, &start) || k_strtoull(w[3], 0, &length) ||
		    deny_parse(w[4], &inj.deny) || (n == 6 && strcmp(w[5], "oneshot")) || n > 6)
			return B(O_EINVAL);
		*pid = nr;
		inj.pid = (__u32)nr;
		inj.start = start;
		inj.len = length;
		inj.flags = n == 6 ? MEMLAB_INJECT_ONESHOT : 0;
		predict_inject(&pr, &inj);
	} else if (n && !strcmp(w[0], "restore")) {
		unsigned long long id;

		if (n != 2 || (strcmp(w[1], "all") && k_strtoull(w[1], 10, &id)))
			return B(O_EINVAL);
		if (strcmp(w[1], "all"))
			pr.maybe |= B(O_ENOENT);
	} else {
		return B(O_EINVAL);
	}
	if (!C.have_inject)
		return B(O_EOPNOTSUPP);
	return prediction_outcomes(&pr);
}

static unsigned int predict_faults_write(const struct call *c, long long *pid)
{
	*pid = -1;
	if (C.nobody)
		return B(O_EACCES);	/* mode 0600 */
	if (c->ptr >= C.tsm)
		return B(O_EFAULT);	/* vfs_write(): access_ok() */
	if (c->len > 256)
		return B(O_EINVAL);
	if (c->len && readable_from(c->ptr) < c->len)
		return B(O_EFAULT);
	return faults_text_outcomes((const char *)c->ptr, c->len, pid);
}

static void pid_word(struct rng *r, char *w, size_t size)
{
	const long long safe[] = {
		C.victim, C.victim, C.victim, C.victim, C.victim_tid, 1, 2, C.zombie,
		C.reaped, -1, C.pid_max, 0x7fffffff, 0x80000000LL,
	};
	long long pid = PICK(r, safe);

	switch (below(r, 8)) {
	case 0: snprintf(w, size, "%#llx", pid); break;
	case 1: snprintf(w, size, "0%llo", pid); break;
	case 2: snprintf(w, size, "+%lld", pid); break;
	case 3: snprintf(w, size, "%lldx", pid); break;
	default: snprintf(w, size, "%lld", pid); break;
	}
}

/* The words of a command for /proc/memlab/faults, mostly well formed. */
static int faults_words(struct rng *r, char w[8][48])
{
	static const char * const denies[] = {
		"r", "w", "x", "rw", "wx", "rx", "rwx", "xwr", "ww", "", "q", "R", "rwxq", "-",
	};
	unsigned long addr;
	int n;

	if (chance(r, 75)) {
		snprintf(w[0], 48, "%s", chance(r, 95) ? "inject" :
			 PICK(r, ((const char *[]){ "Inject", "injectx", "inj", "INJECT" })));
		pid_word(r, w[1], 48);
		addr = chance(r, 85) ? mapped_pick(r) : addr_pick(r);
		if (chance(r, 5))
			addr += 1 + below(r, PS - 1);
		snprintf(w[2], 48, chance(r, 70) ? "%#lx" : chance(r, 50) ? "%lu" : "0x%lxg", addr);
		snprintf(w[3], 48, chance(r, 70) ? "%lu" : "%#lx",
			 chance(r, 85) ? (1 + below(r, 4)) * PS :
			 PICK(r, ((unsigned long[]){ 0, 1, PS - 1, 1UL << 40, ~0UL, ~0UL - PS + 1 })));
		snprintf(w[4], 48, "%s", PICK(r, denies));
		n = 5;
		if (chance(r, 30))
			snprintf(w[n++], 48, "%s", chance(r, 90) ? "oneshot" : "once");
	} else {
		snprintf(w[0], 48, "%s", chance(r, 95) ? "restore" : "Restore");
		switch (below(r, 6)) {
		case 0: snprintf(w[1], 48, "all"); break;
		case 1: snprintf(w[1], 48, "%s", PICK(r, ((const char *[]){ "All", "-1", "", "0x", "1e3" }))); break;
		case 2: snprintf(w[1], 48, "%#llx", (unsigned long long)C.last_id); break;
		default: snprintf(w[1], 48, "%llu", (unsigned long long)(C.last_id - below(r, 3))); break;
		}
		n = chance(r, 10) ? 1 : 2;
	}
	while (chance(r, 5) && n < 8)
		snprintf(w[n++], 48, "%s", PICK(r, ((const char *[]){ "oneshot", "x", "" })));
	return n;
}

static void gen_faults_write(struct rng *r, struct call *c)
{
	static const char * const seps[] = { " ", " ", " ", "  ", "\t", " \t " };
	static const struct {
		const char *s;
		size_t len;
	} ends[] = { { "", 0 }, { "\n", 1 }, { "\n", 1 }, { " \n", 2 }, { "\0oneshot", 8 } };
	char w[8][48], text[480];
	size_t len;
	long long pid;
	int n, i, k;

	c->kind = K_WRITE;
	c->file = F_FAULTS;
	c->op = OP_W_FAULTS;
	n = faults_words(r, w);
	k = (int)below(r, ARRAY_SIZE(ends));
	for (;;) {
		len = (size_t)snprintf(text, sizeof(text), "%s",
				       PICK(r, ((const char *[]){ "", "", "", " ", "\t", "\n" })));
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
						i ? PICK(r, seps) : "", w[i]);
		memcpy(text + len, ends[k].s, ends[k].len);
		len += ends[k].len;
		if (len > 256 && chance(r, 90))
			len = 256;
		/* What the kernel would read: the pid must be safe to arm. */
		c->len = len;
		c->ptr = (unsigned long)text;
		if (C.nobody || !strcmp(w[0], "restore"))
			break;
		faults_text_outcomes(text, len, &pid);
		if (pid < 0 || inject_pid_safe((pid_t)pid))
			break;
		snprintf(w[1], 48, "%d", C.victim);
	}
	c->ptr = text_place(r, c, text, len);
	if (chance(r, 3))
		c->len = PICK(r, ((size_t[]){ 0, 257, PS, 1 << 20 }));
	c->expect = predict_faults_write(c, &pid);
	/* The same check on what was placed, where the kernel reads it. */
	if (!C.nobody && pid >= 0 && !inject_pid_safe((pid_t)pid))
		ksft_exit_fail_msg("fuzz_test: a faults write would arm pid %lld\n", pid);
}

static void gen_faults_read(struct rng *r, struct call *c)
{
	gen_proc_reads(r, c);
	c->file = F_FAULTS;
	c->op = OP_R_FAULTS;
	c->pre_target[0] = c->pre_vtop[0] = '\0';
	c->expect = C.nobody ? B(O_EACCES) : documented[OP_R_FAULTS] & ~(B(O_EACCES) | B(O_EPERM));
}

/*
 * INJECT, RESTORE and LIST_FAULTS through the other phases' generators
 * (cmd_pick() gives them only these), and the faults file.
 */
static void gen_inject(struct rng *r, struct call *c)
{
	switch (below(r, 10)) {
	case 0: gen_commands(r, c); break;
	case 1: gen_sizes(r, c); break;
	case 2: gen_pointers(r, c, false); break;
	case 3: gen_pids(r, c); break;
	case 4: case 5: gen_fields(r, c); break;
	case 6:
		if (C.have_compat) {
			gen_compat(r, c);
			break;
		}
		/* fall through */
	case 7: case 8: gen_faults_write(r, c); break;
	default: gen_faults_read(r, c); break;
	}
}

/* --- making the call and checking it --------------------------------------------- */

static int write_str(const char *path, const char *s);

static long ia32_syscall3(long nr, unsigned int a, unsigned int b, unsigned int c)
{
	long ret;

	__asm__ volatile ("int $0x80"
			  : "=a" (ret)
			  : "0" (nr), "b" (a), "c" (b), "d" (c)
			  : "memory", "cc", "r8", "r9", "r10", "r11");
	return ret;
}

static long do_call(struct call *c, int *err)
{
	long ret = -1;
	int fd;

	errno = 0;
	switch (c->kind) {
	case K_IOCTL:
		if (c->op == OP_PROC_IOCTL) {
			fd = open(proc_paths[c->file], O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				break;
			ret = syscall(SYS_ioctl, fd, c->cmd, c->ptr);
			*err = errno;
			close(fd);
			return ret;
		}
		ret = syscall(SYS_ioctl, C.dev_fd, c->cmd, c->ptr);
		break;
	case K_IOCTL32:
		ret = ia32_syscall3(54 /* __NR_ia32_ioctl */, (unsigned int)C.dev_fd,
				    (unsigned int)c->cmd, (unsigned int)c->ptr);
		if (ret < 0 && ret > -4096) {
			errno = (int)-ret;
			ret = -1;
		}
		break;
	case K_WRITE:
	case K_WRITE_RO:
		fd = open(proc_paths[c->file], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		ret = write(fd, (void *)c->ptr, c->len);
		*err = errno;
		close(fd);
		return ret;
	case K_READ:
		if (c->pre_target[0])
			write_str(proc_paths[F_TARGET], c->pre_target);
		if (c->pre_vtop[0])
			write_str(proc_paths[F_VTOP], c->pre_vtop);
		fd = open(proc_paths[c->file], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		if (c->off < 0)
			ret = read(fd, (void *)c->ptr, c->len);
		else
			ret = pread(fd, (void *)c->ptr, c->len, (off_t)c->off);
		*err = errno;
		close(fd);
		return ret;
	case K_DEV_READ:
		ret = read(C.dev_fd, (void *)c->ptr, c->len);
		break;
	case K_DEV_WRITE:
		ret = write(C.dev_fd, (void *)c->ptr, c->len);
		break;
	case K_DEV_MMAP: {
		void *p = mmap(NULL, c->len, PROT_READ, MAP_SHARED, C.dev_fd, (off_t)c->off);

		if (p != MAP_FAILED) {
			munmap(p, c->len);
			ret = 0;
		}
		break;
	}
	}
	*err = errno;
	return ret;
}

static const char *kind_names[] = {
	"ioctl", "ia32 ioctl", "write", "read", "write", "read /dev/memlab",
	"write /dev/memlab", "mmap /dev/memlab",
};

static void outcomes_str(unsigned int set, char *buf, size_t size)
{
	size_t len = 0;
	int o;

	buf[0] = '\0';
	for (o = 0; o < O_NR; o++)
		if (set & B(o))
			len += snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? "|" : "", outcome_names[o]);
}

static const char *call_target(const struct call *c)
{
	if (c->file >= 0 && (c->kind == K_WRITE || c->kind == K_WRITE_RO ||
			     c->kind == K_READ || c->op == OP_PROC_IOCTL))
		return proc_paths[c->file];
	return MEMLAB_DEVICE;
}

#define APPEND(buf, size, len, ...)						\
	((len) += snprintf((buf) + (len), (len) < (size) ? (size) - (len) : 0, __VA_ARGS__))

static int describe(const struct call *c, long ret, int err, char *buf, size_t size)
{
	char expect[128];
	size_t len = 0;

	outcomes_str(c->expect, expect, sizeof(expect));
	APPEND(buf, size, len, "%s:%ld as %s: %s %s", phase_names[c->phase], c->index,
	       C.nobody ? "nobody" : "root", kind_names[c->kind], call_target(c));
	if (c->kind == K_IOCTL || c->kind == K_IOCTL32)
		APPEND(buf, size, len, " cmd %#lx (%s) size %llu", c->cmd,
		       c->ci ? c->ci->name : "unknown", (unsigned long long)c->usize);
	else
		APPEND(buf, size, len, " len %zu off %lld", c->len, c->off);
	APPEND(buf, size, len, " ptr %#lx", c->ptr);
	if (c->pre_target[0])
		APPEND(buf, size, len, " (target set to %.*s first)", (int)strcspn(c->pre_target, "\n"), c->pre_target);
	if (c->pre_vtop[0])
		APPEND(buf, size, len, " (vtop set to %.*s first)", (int)strcspn(c->pre_vtop, "\n"), c->pre_vtop);
	if (c->ptr_class)
		APPEND(buf, size, len, " (%s)", c->ptr_class);
	if (c->size_class)
		APPEND(buf, size, len, " size class '%s'", c->size_class);
	if (c->pid_class)
		APPEND(buf, size, len, " pid %lld (%s)", c->pid, c->pid_class);
	if (c->note)
		APPEND(buf, size, len, " [%s]", c->note);
	APPEND(buf, size, len, " -> %ld (%s), expected %s", ret,
	       ret < 0 ? strerror(err) : "ok", expect);
	return (int)(len < size ? len : size - 1);
}

static void dump_arg(const struct call *c, char *buf, size_t size)
{
	size_t i, len = 0, n = c->saved_len < 200 ? c->saved_len : 200;

	buf[0] = '\0';
	if (c->kind == K_WRITE || c->kind == K_WRITE_RO) {
		const unsigned char *t = (const unsigned char *)c->ptr;
		size_t avail = readable_from(c->ptr);

		n = c->len < avail ? c->len : avail;
		APPEND(buf, size, len, "\"");
		for (i = 0; i < n && i < 80; i++)
			if (t[i] >= ' ' && t[i] < 127 && t[i] != '"' && t[i] != '\\')
				APPEND(buf, size, len, "%c", t[i]);
			else
				APPEND(buf, size, len, "\\x%02x", t[i]);
		APPEND(buf, size, len, "\"%s", n < c->len ? " (then unreadable)" : "");
		return;
	}
	for (i = 0; i < n; i += 8) {
		uint64_t v;

		memcpy(&v, c->saved + i, 8);
		len += snprintf(buf + len, len < size ? size - len : 0, "%s%llx",
				i ? " " : "", (unsigned long long)v);
	}
}

static void report(struct call *c, long ret, int err, const char *why)
{
	uint64_t *nv = &my_stats->violations[c->phase];
	char line[REPORT_LEN], arg[900];
	int n;

	n = describe(c, ret, err, line, sizeof(line));
	if (n >= 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ": %s", why);
	if (*nv < MAX_REPORTS)
		snprintf(my_stats->report[c->phase][*nv], REPORT_LEN, "%s", line);
	(*nv)++;
	if (C.verbose || *nv <= 2) {
		dump_arg(c, arg, sizeof(arg));
		fprintf(stderr, "# VIOLATION %s\n#   argument: %s\n#   replay: fuzz_test -s %#llx -r %s:%ld -v\n",
			line, arg, (unsigned long long)C.seed, phase_names[c->phase], c->index);
	}
}

/* What a success wrote must make sense, and must not leak. */
static const char *check_output(const struct call *c, long ret)
{
	const void *p = (const void *)c->ptr;
	size_t i;

	if (c->kind == K_WRITE && (size_t)ret != c->len)
		return "a successful write did not take every byte";
	if (c->kind == K_READ) {
		const char *s = p;

		if ((size_t)ret > c->len)
			return "read returned more than asked";
		if (!c->check || c->off > 0 || ret < 8)
			return NULL;
		switch (c->file) {
		case F_VERSION: return strncmp(s, "Version:", 8) ? "version does not start with Version:" : NULL;
		case F_TARGET:
			if (!strncmp(s, "self\n", 5))
				return NULL;
			for (i = 0; i < (size_t)ret && s[i] >= '0' && s[i] <= '9'; i++)
				;
			return i && i < (size_t)ret && s[i] == '\n' ? NULL : "target is neither self nor a pid";
		case F_SUMMARY: return strncmp(s, "Rss:", 4) ? "summary does not start with Rss:" : NULL;
		case F_MAPS: return strncmp(s, "Address", 7) ? "maps does not start with its header" : NULL;
		case F_VTOP: return strncmp(s, "Address:", 8) ? "vtop does not start with Address:" : NULL;
		case F_FAULTS: return strncmp(s, "ID ", 3) ? "faults does not start with its header" : NULL;
		}
		return NULL;
	}
	if (!c->ci || !c->check || !c->writable || !in_arena(c->ptr, c->ci->ksize))
		return NULL;
	/* Nothing written past the size the module knows. */
	for (i = c->ci->ksize; i < c->usize && i < c->saved_len && in_arena(c->ptr + i, 1); i++)
		if (((const unsigned char *)p)[i] != c->saved[i])
			return "the module wrote past its structure";
	if (memcmp(p, c->saved, 8))
		return "size was changed";

	switch (c->ci->op) {
	case OP_VERSION: {
		const struct memlab_version *v = p;

		if (v->abi_version < 1 || v->page_size != PS ||
		    (v->pgtable_levels != 4 && v->pgtable_levels != 5) ||
		    !(v->features & MEMLAB_FEAT_VERSION))
			return "VERSION returned nonsense";
		return NULL;
	}
	case OP_SUMMARY: {
		const struct memlab_summary *s = p;
		__u64 seg = 0;

		for (i = 0; i < MEMLAB_SEG_NR; i++)
			seg += s->segments[i].rss;
		/* With PAGE_TABLES_ONLY, anon, file and shmem are the mm's counters. */
		if (!(s->flags & MEMLAB_SUMMARY_PAGE_TABLES_ONLY) &&
		    s->rss != s->rss_anon + s->rss_file + s->rss_shmem)
			return "SUMMARY: rss is not anon + file + shmem";
		if (seg != s->rss)
			return "SUMMARY: segments do not add up to rss";
		if ((s->flags & (MEMLAB_SUMMARY_NO_SHARING | MEMLAB_SUMMARY_PAGE_TABLES_ONLY)) &&
		    (s->pss || s->uss || s->locked))
			return "SUMMARY: Pss, Uss or Locked with NO_SHARING or PAGE_TABLES_ONLY";
		if (s->rss % PS || s->swap % PS || !s->vmas)
			return "SUMMARY returned nonsense";
		return NULL;
	}
	case OP_MAPS: {
		const struct memlab_maps *m = p;
		const struct memlab_maps *in = (const void *)c->saved;
		__u64 k, prev_end = 0;

		bool ours;

		if (m->count > in->vec_len)
			return "MAPS: more records than vec_len";
		/* A process that maps and unmaps meanwhile may show a mapping twice. */
		pid_outcomes(in->pid, true, &ours);
		if (!ours || !vec_fits(in->vec, m->count, in->vma_size) || in->vec == c->ptr)
			return NULL;
		for (k = 0; k < m->count; k++) {
			const unsigned char *rec = (const unsigned char *)(unsigned long)in->vec + k * in->vma_size;
			const struct memlab_vma *v = (const void *)rec;

			if (v->start >= v->end || v->start < prev_end || v->end <= in->start ||
			    v->segment >= MEMLAB_SEG_NR || v->prot > 15 || v->rss > v->end - v->start)
				return "MAPS: a record makes no sense";
			for (i = sizeof(*v); i < in->vma_size; i++)
				if (rec[i])
					return "MAPS: bytes past the record are not zeroed";
			prev_end = v->end;
		}
		if (m->count && m->next && m->next != prev_end)
			return "MAPS: next is not the end of the last record";
		return NULL;
	}
	case OP_SCAN: {
		const struct memlab_scan *s = p;
		const struct memlab_scan *in = (const void *)c->saved;
		const struct memlab_scan_region *v = (const void *)(unsigned long)in->vec;
		__u64 pages = 0, prev_end = in->start;
		long k;

		if ((__u64)ret > in->vec_len)
			return "SCAN: more regions than vec_len";
		if (s->walk_end < in->start || s->walk_end > in->end)
			return "SCAN: walk_end outside [start, end]";
		if (!vec_fits(in->vec, (__u64)ret, sizeof(*v)) || in->vec == c->ptr)
			return NULL;
		for (k = 0; k < ret; k++) {
			if (v[k].start >= v[k].end || v[k].start < prev_end || v[k].end > s->walk_end ||
			    v[k].start % PS || v[k].end % PS)
				return "SCAN: a region makes no sense";
			if (v[k].categories & ~in->return_mask)
				return "SCAN: categories outside return_mask";
			pages += (v[k].end - v[k].start) / PS;
			prev_end = v[k].end;
		}
		if (in->max_pages && pages > in->max_pages)
			return "SCAN: more pages than max_pages";
		return NULL;
	}
	case OP_VTOP: {
		const struct memlab_vtop *v = p;
		const struct memlab_vtop *in = (const void *)c->saved;

		/* levels[] in walk order; p4d is not read with 4 levels */
		static const int order5[] = { 0, 1, 2, 3, 4 }, order4[] = { 0, 2, 3, 4 };
		const int *order = C.levels == 5 ? order5 : order4;
		unsigned int nlev = C.levels == 5 ? 5 : 4;
		bool reached[MEMLAB_VTOP_LEVELS] = { false };

		if (v->nr_levels > nlev)
			return "VTOP: nr_levels is more than the paging levels";
		if (v->result > MEMLAB_VTOP_MARKER)
			return "VTOP: result is not a memlab_vtop_result";
		if (v->segment >= MEMLAB_SEG_NR)
			return "VTOP: segment is not a memlab_segment";
		if (v->reserved2)
			return "VTOP: reserved2 is not 0";
		if (v->page_shift && v->page_shift != 12 && v->page_shift != 21 && v->page_shift != 30)
			return "VTOP: page_shift is not 12, 21 or 30";
		if (in->addr < v->vma_start || in->addr >= v->vma_end)
			return "VTOP: the address is not in the mapping returned";
		for (i = 0; i < v->nr_levels; i++)
			reached[order[i]] = true;
		for (i = 0; i < MEMLAB_VTOP_LEVELS; i++)
			if (!reached[i] && (v->levels[i].value || v->levels[i].flags))
				return "VTOP: a level the walk did not reach is not 0";
		if (v->result == MEMLAB_VTOP_NONE && (v->pfn || v->swap_type || v->swap_offset || v->page_shift))
			return "VTOP: a pfn, swap entry or page size for nothing";
		if (v->result == MEMLAB_VTOP_PRESENT && (v->swap_type || v->swap_offset))
			return "VTOP: a swap entry for a present page";
		if (v->result == MEMLAB_VTOP_SWAP && v->pfn)
			return "VTOP: a pfn for a swap entry";
		if (C.nobody) {
			for (i = 0; i < MEMLAB_VTOP_LEVELS; i++)
				if (v->levels[i].value)
					return "VTOP: a raw entry without CAP_SYS_ADMIN";
			if (v->pfn || v->swap_type || v->swap_offset)
				return "VTOP: physical information without CAP_SYS_ADMIN";
		}
		return NULL;
	}
	case OP_INJECT: {
		const struct memlab_inject *inj = p;
		__u32 want = inj->deny & MEMLAB_DENY_READ ? MEMLAB_DENY_ALL : inj->deny;

		if (!inj->id || inj->id <= C.last_id)
			return "INJECT: an id that is 0 or not new";
		if (inj->enforced != want)
			return "INJECT: enforced is not deny, widened to rwx for r";
		if (inj->pid != (__u32)C.victim && inj->pid != (__u32)C.victim_tid)
			return "INJECT: armed a process other than the victim";
		C.last_id = inj->id;
		return NULL;
	}
	case OP_RESTORE: {
		const struct memlab_restore *res = p;

		if (!(res->flags & MEMLAB_RESTORE_ALL) && res->restored != 1)
			return "RESTORE: of one id, restored is not 1";
		return NULL;
	}
	case OP_LIST_FAULTS: {
		const struct memlab_list_faults *l = p;
		const struct memlab_list_faults *in = (const void *)c->saved;
		__u64 k, prev_id = 0;

		if (l->count > in->vec_len || l->count > 64)
			return "LIST_FAULTS: more records than vec_len or a batch";
		if (!vec_fits(in->vec, l->count, in->info_size) || in->vec == c->ptr)
			return NULL;
		for (k = 0; k < l->count; k++) {
			const unsigned char *rec = (const unsigned char *)(unsigned long)in->vec +
						   k * in->info_size;
			const struct memlab_fault_info *f = (const void *)rec;

			if (f->id < in->start_id || f->id <= prev_id)
				return "LIST_FAULTS: ids out of order or below start_id";
			if (f->start >= f->end || f->start % PS || f->end % PS ||
			    !f->deny || f->deny & ~MEMLAB_DENY_ALL ||
			    f->state < MEMLAB_FAULT_ARMED || f->state > MEMLAB_FAULT_LOST ||
			    f->flags & ~(__u64)MEMLAB_INJECT_FLAGS || f->reserved)
				return "LIST_FAULTS: a record makes no sense";
			/* pid_vnr() of the victim, or 0 once it has gone. */
			if (f->pid && f->pid != (__u32)C.victim)
				return "LIST_FAULTS: a fault in a process other than the victim";
			for (i = sizeof(*f); i < in->info_size; i++)
				if (rec[i])
					return "LIST_FAULTS: bytes past the record are not zeroed";
			prev_id = f->id;
		}
		if (l->next_id && l->count && l->next_id <= prev_id)
			return "LIST_FAULTS: next_id is not after the last record";
		return NULL;
	}
	default:
		return NULL;
	}
}

/* Faults armed now (LIST_FAULTS from id 0), or -1 if they cannot be listed. */
static long faults_armed(void)
{
	static struct memlab_fault_info infos[64];
	struct memlab_list_faults l = {
		.size = sizeof(l), .vec = (unsigned long)infos, .vec_len = 64,
		.info_size = sizeof(infos[0]),
	};
	long n = 0;

	do {
		if (ioctl(C.dev_fd, MEMLAB_IOC_LIST_FAULTS, &l))
			return -1;
		n += (long)l.count;
		l.start_id = l.next_id;
	} while (l.next_id);
	return n;
}

/*
 * The pid an INJECT as root names, in the bytes the kernel will read,
 * made one that inject_pid_safe() allows: the victim, written into the
 * argument, or the read-only valid argument (which names the victim) when
 * the argument cannot be written. Arguments the kernel cannot read up to
 * the pid fail with EFAULT before anything is armed.
 */
static void make_inject_safe(struct call *c)
{
	const size_t pid_end = offsetof(struct memlab_inject, pid) + sizeof(__u32);
	struct memlab_inject *inj = (void *)c->ptr;
	unsigned int cmd = (unsigned int)c->cmd;

	if (C.nobody || (c->kind != K_IOCTL && c->kind != K_IOCTL32) || c->op == OP_PROC_IOCTL ||
	    (cmd & ~IOC_SIZE_BITS) != (MEMLAB_IOC_INJECT & ~IOC_SIZE_BITS))
		return;
	/* Program text is readable too, though readable_from() says 0. */
	if (readable_from(c->ptr) < pid_end && !(c->ptr_class && !strcmp(c->ptr_class, "text")))
		return;
	if (inject_pid_safe((pid_t)inj->pid))
		return;
	c->pid_class = "made the victim (was not safe to arm)";
	if (readable_from(c->ptr) >= pid_end && c->writable) {
		inj->pid = (__u32)C.victim;
		c->pid = C.victim;
		return;
	}
	c->ptr = (unsigned long)C.ro + ro_offset[CMD_INJECT - cmds];
	c->ptr_class = "read-only, valid (instead of an unsafe one)";
	c->writable = false;
	c->pid = C.victim;
}

typedef void (*gen_fn)(struct rng *r, struct call *c);

static void gen_pointers64(struct rng *r, struct call *c)
{
	gen_pointers(r, c, false);
}

static const gen_fn generators[PH_NR] = {
	[PH_COMMANDS] = gen_commands, [PH_SIZES] = gen_sizes,
	[PH_POINTERS] = gen_pointers64, [PH_PIDS] = gen_pids,
	[PH_FIELDS] = gen_fields, [PH_COMPAT] = gen_compat,
	[PH_PROC_WRITES] = gen_proc_writes, [PH_PROC_READS] = gen_proc_reads,
	[PH_INJECT] = gen_inject,
};

static uint64_t call_seed(int phase, long index)
{
	return C.seed ^ ((uint64_t)(phase + 1) * 0x9e3779b97f4a7c15ULL) ^
	       ((uint64_t)index * 0xd1b54a32d192ed03ULL);
}

static struct call the_call;

static void run_call(int phase, long index)
{
	struct call *c = &the_call;
	const char *bad;
	long ret, armed_before;
	enum outcome o;
	struct rng r;
	int err = 0;

	memset(c, 0, offsetof(struct call, saved));
	c->phase = phase;
	c->index = index;
	c->file = -1;
	c->off = -1;
	rng_init(&r, call_seed(phase, index));
	injecting = phase == PH_INJECT;
	generators[phase](&r, c);
	make_inject_safe(c);
	if (c->kind == K_IOCTL || c->kind == K_IOCTL32)
		c->expect = predict_ioctl(c);
	/* A failed INJECT must leave nothing armed (dev.c undoes it). */
	armed_before = c->op == OP_INJECT && !C.nobody && !c->writable ? faults_armed() : -1;
	/* The argument as passed, for checks and reports. */
	c->saved_len = 0;
	if (c->kind == K_IOCTL || c->kind == K_IOCTL32) {
		unsigned long n = readable_from(c->ptr);

		c->saved_len = n < sizeof(c->saved) ? n : sizeof(c->saved);
		memcpy(c->saved, (void *)c->ptr, c->saved_len);
	}

	my_stats->cur_phase = phase;
	my_stats->cur_index = index;
	ret = do_call(c, &err);
	o = outcome_of(ret, err);
	my_stats->count[phase][c->op][o]++;
	if (armed_before >= 0 && o != O_OK && faults_armed() != armed_before)
		report(c, ret, err, "a failed INJECT left a fault armed");

	if (C.verbose) {
		char line[REPORT_LEN];

		describe(c, ret, err, line, sizeof(line));
		printf("# %s\n", line);
	}
	if (!(documented[c->op] & B(o)))
		report(c, ret, err, "an outcome the ABI does not document for this call");
	else if (!(c->expect & B(o)))
		report(c, ret, err, "not the outcome its arguments call for");
	else if (o == O_OK && (bad = check_output(c, ret))) {
		my_stats->bad_output[phase]++;
		report(c, ret, err, bad);
	}
}

/* --- workers ------------------------------------------------------------------ */

static void on_alarm(int sig)
{
	(void)sig;
}

/* Become nobody, without any capability left. */
static int drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	/* setuid() cleared the parent-death signal and made us non-dumpable. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 1);
	return 0;
}

static bool nobody_index(long i)
{
	return C.have_nobody && i % 4 == 3;
}

static void worker(int w, int phase, long first, long ncalls)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 3000 }, { 0, 3000 } };
	long i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	my_stats = &stats[w];
	C.nobody = w == 1;
	if (C.nobody && drop_privileges())
		_exit(3);
	C.self = getpid();
	C.dev_fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (C.dev_fd < 0)
		_exit(4);
	/* Signals that are not fatal must change nothing. */
	sigaction(SIGALRM, &sa, NULL);
	if (!C.verbose)
		setitimer(ITIMER_REAL, &it, NULL);
	for (i = first; i < first + ncalls; i++)
		if (nobody_index(i) == C.nobody)
			run_call(phase, i);
	fflush(stdout);
	_exit(0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait for @pid until @deadline; false if it is still there. */
static bool wait_until(pid_t pid, double deadline, int *status)
{
	for (;;) {
		pid_t got = waitpid(pid, status, WNOHANG);

		if (got == pid)
			return true;
		if (got < 0 && errno != EINTR)
			return true;
		if (now() > deadline)
			return false;
		usleep(got == 0 ? 5000 : 0);
	}
}

/* --- the kernel log --------------------------------------------------------------- */

static int kmsg_fd = -1;

static const char * const splat_patterns[] = {
	"BUG:", "WARNING:", "Oops", "general protection fault", "KASAN", "UBSAN",
	"possible circular locking", "possible recursive locking",
	"inconsistent lock state", "soft lockup", "hard LOCKUP", "detected stall",
	"blocked for more than", "Kernel panic", "kernel BUG at",
	"list_add corruption", "list_del corruption", "unreferenced object",
};

/* New kernel log records: how many look like a splat (printed). */
static int kmsg_splats(const char *when)
{
	char rec[2048];
	int splats = 0;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(kmsg_fd, rec, sizeof(rec) - 1);
		size_t i;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(splat_patterns); i++) {
			if (strstr(rec, splat_patterns[i])) {
				char *msg = strchr(rec, ';');

				if (splats++ < 20)
					ksft_print_msg("kernel log after %s: %s", when, msg ? msg + 1 : rec);
				break;
			}
		}
	}
	return splats;
}

/* --- the phases --------------------------------------------------------------------- */

static double phase_timeout = 120;
static uint64_t total_calls;
static double total_seconds;
static int total_splats;

/*
 * Wait for a worker while it makes progress: a hang is a call that has not
 * returned in phase_timeout seconds, however long the phase takes (a
 * million calls under TCG, or on a KASAN kernel, take long).
 */
static bool wait_progressing(pid_t pid, const struct worker_stats *st, int *status)
{
	long last = -1;
	int phase = -1;
	double since = now();

	while (!wait_until(pid, since + phase_timeout, status)) {
		if (st->cur_index == last && st->cur_phase == phase)
			return false;
		last = st->cur_index;
		phase = st->cur_phase;
		since = now();
	}
	return true;
}

static void print_counts(int phase)
{
	int w, op, o;

	for (w = 0; w < 2; w++) {
		for (op = 0; op < OP_NR; op++) {
			char line[512];
			size_t len = 0;
			uint64_t sum = 0;

			for (o = 0; o < O_NR; o++)
				sum += stats[w].count[phase][op][o];
			if (!sum)
				continue;
			len += snprintf(line + len, sizeof(line) - len, "  %-6s %-15s %7" PRIu64 ":",
					w ? "nobody" : "root", op_names[op], sum);
			for (o = 0; o < O_NR; o++)
				if (stats[w].count[phase][op][o])
					len += snprintf(line + len, sizeof(line) - len, " %s %" PRIu64,
							outcome_names[o], stats[w].count[phase][op][o]);
			ksft_print_msg("%s\n", line);
		}
	}
}

/*
 * After the injection phase: restore everything, and nothing may be left
 * listed; the victim, which never touched what was armed, is alive.
 */
static const char *restore_everything(void)
{
	struct memlab_restore res = { .size = sizeof(res), .flags = MEMLAB_RESTORE_ALL };
	int status;

	if (!C.have_nobody || !C.have_inject)
		return NULL;	/* not root, or nothing to arm: nothing was */
	if (ioctl(C.dev_fd, MEMLAB_IOC_RESTORE, &res))
		return "RESTORE of all failed";
	ksft_print_msg("injection: %llu faults were armed at the end; all restored\n",
		       (unsigned long long)res.restored);
	if (faults_armed())
		return "faults are still listed after RESTORE of all";
	if (waitpid(C.victim, &status, WNOHANG))
		return "the victim died";
	return NULL;
}

static void run_phase(int phase, long ncalls, long first)
{
	const char *leftover = NULL;
	pid_t pids[2] = { 0, 0 };
	bool hung = false;
	uint64_t calls = 0, violations = 0;
	double t0 = now(), t;
	int w, o, op, splats;

	write_str(proc_paths[F_TARGET], "self\n");
	fflush(stdout);
	fflush(stderr);
	for (w = 0; w < (C.have_nobody ? 2 : 1); w++) {
		pids[w] = fork();
		if (pids[w] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pids[w])
			worker(w, phase, first, ncalls);
	}
	for (w = 0; w < 2; w++) {
		int status = 0;

		if (!pids[w])
			continue;
		if (!wait_progressing(pids[w], &stats[w], &status)) {
			ksft_print_msg("%s: the %s worker hangs in call %ld (replay: fuzz_test -s %#llx -r %s:%ld -v)\n",
				       phase_names[phase], w ? "nobody" : "root",
				       stats[w].cur_index, (unsigned long long)C.seed,
				       phase_names[phase], stats[w].cur_index);
			hung = true;
			kill(pids[w], SIGKILL);
			wait_until(pids[w], now() + 10, &status);
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("%s: the %s worker died (status %#x) in call %ld (replay: fuzz_test -s %#llx -r %s:%ld -v)\n",
				       phase_names[phase], w ? "nobody" : "root", status,
				       stats[w].cur_index, (unsigned long long)C.seed,
				       phase_names[phase], stats[w].cur_index);
			hung = true;
		}
	}
	t = now() - t0;
	for (w = 0; w < 2; w++) {
		for (op = 0; op < OP_NR; op++)
			for (o = 0; o < O_NR; o++)
				calls += stats[w].count[phase][op][o];
		violations += stats[w].violations[phase];
	}
	total_calls += calls;
	total_seconds += t;
	ksft_print_msg("%s: %" PRIu64 " calls in %.1f s (%.0f/s)\n", phase_names[phase], calls, t,
		       t > 0 ? calls / t : 0.0);
	print_counts(phase);
	for (w = 0; w < 2; w++) {
		uint64_t k;

		for (k = 0; k < stats[w].violations[phase] && k < MAX_REPORTS; k++)
			ksft_print_msg("  violation: %s\n", stats[w].report[phase][k]);
	}
	if (phase == PH_INJECT && (leftover = restore_everything()))
		ksft_print_msg("%s: %s\n", phase_names[phase], leftover);
	splats = kmsg_splats(phase_names[phase]);
	total_splats += splats;
	if (violations || hung || splats || leftover)
		ksft_test_result_fail("%s: %" PRIu64 " calls, %" PRIu64 " violations%s%s%s%s (seed %#llx)\n",
				      phase_names[phase], calls, violations, hung ? ", a worker hung or died" : "",
				      splats ? ", kernel log splat" : "", leftover ? ", " : "",
				      leftover ? leftover : "", (unsigned long long)C.seed);
	else
		ksft_test_result_pass("%s: %" PRIu64 " calls\n", phase_names[phase], calls);
}

/* --- the kill phase: SIGKILL in the middle of walks of a busy process ------------- */

static void busy_loop(char *big, size_t len) __attribute__((noreturn));
static void busy_loop(char *big, size_t len)
{
	unsigned long n;

	for (n = 0;; n++) {
		char *q;

		mprotect(big, len, (n & 1) ? PROT_READ | PROT_WRITE : PROT_READ);
		q = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q != MAP_FAILED) {
			q[0] = 1;
			munmap(q, 64 * 1024);
		}
		if (n % 8 == 0)
			madvise(big + (n % 16) * MiB, MiB, MADV_DONTNEED);
		if (n % 8 == 5)		/* writable on odd rounds */
			memset(big + (n % 16) * MiB, 1, MiB);
	}
}

static void kill_worker(struct rng *r, pid_t busy, unsigned long big, size_t len)
{
	unsigned char *arg = (unsigned char *)C.arena;
	int kind = (int)below(r, 10);
	long ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	C.self = getpid();
	my_stats = &stats[0];
	for (;;) {
		memset(arg, 0, 512);
		if (kind < 4) {
			struct memlab_maps *m = (void *)arg;

			m->size = sizeof(*m);
			m->pid = busy;
			m->vma_size = sizeof(struct memlab_vma);
			m->start = big;
			m->vec_len = kind < 3 ? 1 : 1 + below(r, 8);
			m->vec = (unsigned long)C.arena + ARG_AREA;
			ret = ioctl(C.dev_fd, MEMLAB_IOC_MAPS, m);
			my_stats->count[PH_KILL][OP_MAPS][outcome_of(ret, errno)]++;
		} else if (kind < 6) {
			struct memlab_summary *s = (void *)arg;

			s->size = sizeof(*s);
			s->pid = busy;
			ret = ioctl(C.dev_fd, MEMLAB_IOC_SUMMARY, s);
			my_stats->count[PH_KILL][OP_SUMMARY][outcome_of(ret, errno)]++;
		} else if (kind < 8) {
			struct memlab_scan *s = (void *)arg;

			s->size = sizeof(*s);
			s->pid = busy;
			s->start = big;
			s->end = big + len;
			s->vec = (unsigned long)C.arena + ARG_AREA;
			s->vec_len = 4096;
			s->return_mask = MEMLAB_PAGE_CATEGORIES;
			ret = ioctl(C.dev_fd, MEMLAB_IOC_SCAN, s);
			my_stats->count[PH_KILL][OP_SCAN][outcome_of(ret, errno)]++;
		} else if (kind < 9) {
			struct memlab_vtop *v = (void *)arg;

			v->size = sizeof(*v);
			v->pid = busy;
			v->addr = big + (below(r, len) & ~(PS - 1));
			ret = ioctl(C.dev_fd, MEMLAB_IOC_VTOP, v);
			my_stats->count[PH_KILL][OP_VTOP][outcome_of(ret, errno)]++;
		} else {
			int fd = open(proc_paths[below(r, 2) ? F_MAPS : F_SUMMARY], O_RDONLY);

			ret = fd < 0 ? -1 : read(fd, C.arena + ARG_AREA, 256 * 1024);
			my_stats->count[PH_KILL][OP_R_MAPS][outcome_of(ret, errno)]++;
			if (fd >= 0)
				close(fd);
		}
	}
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static void run_kill_phase(long rounds)
{
	const size_t len = 16 * MiB;
	uint64_t worst = 0, kills = 0, calls = 0, max_delay_us;
	bool hung = false;
	double t0 = now();
	char buf[32];
	char *big;
	pid_t busy;
	long i;
	int op, o, splats;

	big = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED) {
		ksft_test_result_skip("%s: no memory for the busy process\n", phase_names[PH_KILL]);
		return;
	}
	memset(big, 1, len);
	fflush(stdout);
	busy = fork();
	if (!busy) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		busy_loop(big, len);
	}
	munmap(big, len);
	snprintf(buf, sizeof(buf), "%d\n", busy);
	write_str(proc_paths[F_TARGET], buf);

	/* Kill anywhere in a walk: up to three times as long as one takes. */
	{
		struct memlab_summary sum = { .size = sizeof(sum), .pid = busy };
		double t = now();
		int k;

		for (k = 0; k < 3; k++)
			ioctl(C.dev_fd, MEMLAB_IOC_SUMMARY, &sum);
		max_delay_us = (uint64_t)((now() - t) / 3 * 3e6);
		/* Long enough for many calls, and their races, per round. */
		if (max_delay_us < 200000)
			max_delay_us = 200000;
		if (max_delay_us > 5000000)
			max_delay_us = 5000000;
	}

	for (i = 0; i < rounds && !hung; i++) {
		struct rng r;
		double t;
		pid_t w;
		int status;

		rng_init(&r, call_seed(PH_KILL, i));
		w = fork();
		if (!w)
			kill_worker(&r, busy, (unsigned long)big, len);
		usleep((useconds_t)below(&r, max_delay_us));
		kill(w, SIGKILL);
		t = now();
		if (!wait_until(w, t + 60, &status)) {
			ksft_print_msg("%s: round %ld: the walker did not die within 60 s of SIGKILL\n",
				       phase_names[PH_KILL], i);
			hung = true;
			break;
		}
		t = now() - t;
		if (t * 1e6 > worst)
			worst = (uint64_t)(t * 1e6);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			kills++;
	}
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);
	write_str(proc_paths[F_TARGET], "self\n");

	for (op = 0; op < OP_NR; op++)
		for (o = 0; o < O_NR; o++)
			calls += stats[0].count[PH_KILL][op][o];
	total_calls += calls;
	total_seconds += now() - t0;
	ksft_print_msg("%s: %ld rounds in %.1f s, kills up to %.0f ms in, %" PRIu64 " killed by SIGKILL, %" PRIu64
		       " calls completed before the kills, slowest death %.1f ms\n",
		       phase_names[PH_KILL], i, now() - t0, max_delay_us / 1000.0, kills, calls,
		       worst / 1000.0);
	print_counts(PH_KILL);
	splats = kmsg_splats(phase_names[PH_KILL]);
	total_splats += splats;
	if (hung || splats || kills != (uint64_t)i)
		ksft_test_result_fail("%s: %ld rounds, %" PRIu64 " killed%s%s (seed %#llx)\n",
				      phase_names[PH_KILL], i, kills, hung ? ", a walker would not die" : "",
				      splats ? ", kernel log splat" : "", (unsigned long long)C.seed);
	else
		ksft_test_result_pass("%s: %ld rounds\n", phase_names[PH_KILL], i);
}

/* --- the world: mappings of every kind, and the other processes ------------------- */

static void *map_at_low(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	return p;
}

static long read_long(const char *path, long dflt);
static long old_hugepages = -1;

static bool unmapped(unsigned long addr)
{
	unsigned char v;

	return mincore((void *)addr, PS, &v) && errno == ENOMEM;
}

static void setup_layout(void)
{
	char *p, line[512];
	FILE *f;

	/* The arena and its guard page. */
	C.arena = map_at_low(ARENA_LEN + PS, PROT_READ | PROT_WRITE);
	C.arena_end = C.arena + ARENA_LEN;
	mprotect(C.arena_end, PS, PROT_NONE);

	/* Read-only: a valid argument of each command, then a guard. */
	C.ro = map_at_low(2 * PS, PROT_READ | PROT_WRITE);
	C.ro_end = C.ro + PS;
	{
		struct memlab_version *v = (void *)(C.ro + ro_offset[0]);
		struct memlab_summary *s = (void *)(C.ro + ro_offset[1]);
		struct memlab_maps *m = (void *)(C.ro + ro_offset[2]);
		struct memlab_scan *sc = (void *)(C.ro + ro_offset[3]);
		struct memlab_vtop *vt = (void *)(C.ro + ro_offset[4]);

		v->size = sizeof(*v);
		s->size = sizeof(*s);
		s->flags = MEMLAB_SUMMARY_NO_SHARING;
		m->size = sizeof(*m);
		m->vma_size = sizeof(struct memlab_vma);
		m->vec = (unsigned long)C.arena + ARG_AREA;
		m->vec_len = 4;
		sc->size = sizeof(*sc);
		sc->start = (unsigned long)C.arena;
		sc->end = (unsigned long)C.arena + 16 * PS;
		sc->vec = (unsigned long)C.arena + ARG_AREA;
		sc->vec_len = 16;
		sc->return_mask = MEMLAB_PAGE_CATEGORIES;
		vt->size = sizeof(*vt);
		vt->addr = (unsigned long)C.arena;
	}
	mprotect(C.ro, PS, PROT_READ);
	mprotect(C.ro_end, PS, PROT_NONE);

	/* A page with nothing after it. */
	C.straddle = map_at_low(2 * PS, PROT_READ | PROT_WRITE);
	munmap(C.straddle + PS, PS);

	C.unmapped_low = 0x8000;	/* below mmap_min_addr: never mapped */
	C.unmapped_hi = 0x100000000000UL;
	if (!unmapped(C.unmapped_hi))
		C.unmapped_hi = 0x200000000000UL;
	C.unmapped_32 = 0xfffff000UL;
	if (!unmapped(C.unmapped_32))
		C.unmapped_32 = C.unmapped_low;

	/* Every kind of page the walkers decode. */
	p = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		C.thp = ((unsigned long)p + 2 * MiB - 1) & ~(2 * MiB - 1);
		madvise((void *)C.thp, 4 * MiB, MADV_HUGEPAGE);
		memset((void *)C.thp, 1, 4 * MiB);
	}
	p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		memset(p, 2, 2 * MiB);
		madvise(p, MiB, MADV_PAGEOUT);
		C.swapped = (unsigned long)p;
	}
	p = mmap(NULL, MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {	/* the zero page */
		volatile char sink;
		size_t i;

		for (i = 0; i < MiB; i += PS)
			sink = p[i];
		(void)sink;
	}
	p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		memset(p, 3, MiB / 2);
	p = mmap(NULL, 64 * 1024, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	p = mmap(NULL, 1UL << 30, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	{
		int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			p = mmap(NULL, 64 * 1024, PROT_READ, MAP_PRIVATE, fd, 0);
			if (p != MAP_FAILED)
				(void)*(volatile char *)p;
			close(fd);
		}
	}
	p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED && !geteuid()) {
		/* Two huge pages for the run; given back at the end. */
		char v[32];

		old_hugepages = read_long("/proc/sys/vm/nr_hugepages", -1);
		snprintf(v, sizeof(v), "%ld\n", old_hugepages + 2);
		if (old_hugepages >= 0 && !write_str("/proc/sys/vm/nr_hugepages", v))
			p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	}
	if (p != MAP_FAILED) {
		p[0] = 1;
		C.hugetlb = (unsigned long)p;
	}
	/* Soft-dirty: clear it, then dirty a little again. */
	write_str("/proc/self/clear_refs", "4");
	if (C.thp)
		memset((void *)C.thp, 4, 64 * 1024);

	f = fopen("/proc/self/maps", "re");
	if (!f)
		ksft_exit_fail_msg("/proc/self/maps: %s\n", strerror(errno));
	while (C.nmaps < MAX_MAPS && fgets(line, sizeof(line), f)) {
		struct range *m = &C.maps[C.nmaps];

		if (sscanf(line, "%lx-%lx", &m->start, &m->end) == 2)
			C.nmaps++;
	}
	fclose(f);
	if (!C.nmaps)
		ksft_exit_fail_msg("no mappings in /proc/self/maps\n");
}

static void *victim_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* The other processes: a victim with threads, a churner, a zombie, a gone pid. */
static void setup_processes(void)
{
	int pipefd[2], status;
	char c, path[64];
	struct dirent *de;
	DIR *dir;
	pid_t pid;

	if (pipe(pipefd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	fflush(stdout);
	C.victim = fork();
	if (!C.victim) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pthread_create(&t, NULL, victim_thread, NULL);
		pthread_create(&t, NULL, victim_thread, NULL);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (read(pipefd[0], &c, 1) != 1)
		ksft_exit_fail_msg("the victim did not start\n");
	/* A thread of it that is not the leader. */
	C.victim_tid = C.victim;
	snprintf(path, sizeof(path), "/proc/%d/task", C.victim);
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		int tid = atoi(de->d_name);

		if (tid > C.victim_tid)
			C.victim_tid = tid;
	}
	if (dir)
		closedir(dir);

	C.churner = fork();
	if (!C.churner) {
		unsigned long n;

		if (C.have_nobody)
			drop_privileges();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (n = 0;; n++) {
			char *p = mmap(NULL, MiB, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;

			if (p == MAP_FAILED)
				continue;
			memset(p, 1, MiB / 2);
			mprotect(p, MiB / 4, PROT_READ);
			madvise(p, MiB, (n & 1) ? MADV_DONTNEED : MADV_PAGEOUT);
			q = mremap(p, MiB, 2 * MiB, MREMAP_MAYMOVE);
			munmap(q == MAP_FAILED ? p : q, q == MAP_FAILED ? MiB : 2 * MiB);
			usleep(2000);
		}
	}

	C.zombie = fork();
	if (!C.zombie)
		_exit(0);
	{
		siginfo_t info;

		waitid(P_PID, C.zombie, &info, WEXITED | WNOWAIT);
	}
	pid = fork();
	if (!pid)
		_exit(0);
	waitpid(pid, &status, 0);
	C.reaped = pid;
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * Is @pid a kernel thread (or a zombie)? Neither has memory, nor the Vm
 * lines of /proc/PID/status: INJECT refuses both.
 */
static bool is_kthread(pid_t pid)
{
	char path[64], line[256];
	bool lines = false, vm = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		lines = true;
		vm |= !strncmp(line, "VmSize:", 7);
	}
	fclose(f);
	return lines && !vm;
}

/* The read-only arguments of the injection commands: they name the victim. */
static void setup_inject_args(void)
{
	struct memlab_inject *inj = (void *)(C.ro + ro_offset[5]);
	struct memlab_restore *res = (void *)(C.ro + ro_offset[6]);
	struct memlab_list_faults *l = (void *)(C.ro + ro_offset[7]);

	mprotect(C.ro, PS, PROT_READ | PROT_WRITE);
	inj->size = sizeof(*inj);
	inj->pid = (__u32)C.victim;
	inj->deny = MEMLAB_DENY_WRITE;
	inj->start = (unsigned long)C.arena;
	inj->len = PS;
	res->size = sizeof(*res);
	res->flags = MEMLAB_RESTORE_ALL;
	l->size = sizeof(*l);
	l->vec = (unsigned long)C.arena + ARG_AREA;
	l->vec_len = 8;
	l->info_size = sizeof(struct memlab_fault_info);
	mprotect(C.ro, PS, PROT_READ);
}

/* Is there a 32-bit syscall entry? Without one, int $0x80 is a #GP. */
static bool have_ia32_entry(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " __ia32_sys_ioctl\n") != NULL;
	fclose(f);
	return found;
}

/*
 * Can this process make 32-bit syscalls (int $0x80)? Tried in a child;
 * debug.exception-trace is off meanwhile, so that a kernel that refuses
 * (ia32_emulation=0) does not log a "general protection fault" for it.
 */
static bool int80_works(void)
{
	const char *trace = "/proc/sys/debug/exception-trace";
	long old_trace;
	int status;
	bool ok;
	pid_t pid;

	if (!have_ia32_entry())
		return false;
	old_trace = read_long(trace, -1);
	if (old_trace > 0 && write_str(trace, "0\n"))
		return false;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		/* ia32 getpid is 20; without IA32 emulation int $0x80 is a SIGSEGV. */
		long ret = ia32_syscall3(20, 0, 0, 0);

		_exit(ret == getpid() ? 0 : 1);
	}
	ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status);
	if (old_trace > 0) {
		char v[32];

		snprintf(v, sizeof(v), "%ld\n", old_trace);
		write_str(trace, v);
	}
	return ok;
}

static long read_long(const char *path, long dflt)
{
	FILE *f = fopen(path, "re");
	long v = dflt;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* --- main --------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: fuzz_test [-s SEED] [-n CALLS] [-l] [-p PHASE,...] [-r PHASE:INDEX] [-v]\n"
		"  (or MEMLAB_FUZZ_SEED, MEMLAB_FUZZ_CALLS, MEMLAB_FUZZ_LONG=1, MEMLAB_FUZZ_PHASES)\n");
	exit(KSFT_FAIL);
}

static int phase_by_name(const char *name, size_t len)
{
	int ph;

	for (ph = 0; ph < PH_NR; ph++)
		if (strlen(phase_names[ph]) == len && !strncmp(phase_names[ph], name, len))
			return ph;
	return -1;
}

static unsigned int parse_phases(const char *s)
{
	unsigned int mask = 0;

	while (*s) {
		size_t len = strcspn(s, ",");
		int ph = phase_by_name(s, len);

		if (ph < 0) {
			fprintf(stderr, "fuzz_test: no phase '%.*s'\n", (int)len, s);
			usage();
		}
		mask |= 1u << ph;
		s += len + (s[len] == ',');
	}
	return mask;
}

int main(int argc, char **argv)
{
	struct memlab_version ver = { .size = sizeof(ver) };
	unsigned int phases = (1u << PH_NR) - 1;
	const char *env, *replay = NULL;
	long ncalls = DEFAULT_CALLS, rounds, first = 0;
	bool seeded = false, long_run = false;
	int opt, ph, fd;
	uint64_t seed = 0;
	char buf[64];

	if ((env = getenv("MEMLAB_FUZZ_SEED"))) {
		seed = strtoull(env, NULL, 0);
		seeded = true;
	}
	if ((env = getenv("MEMLAB_FUZZ_CALLS")))
		ncalls = strtol(env, NULL, 0);
	if ((env = getenv("MEMLAB_FUZZ_LONG")) && atoi(env))
		long_run = true;
	if ((env = getenv("MEMLAB_FUZZ_PHASES")) && *env)
		phases = parse_phases(env);
	if ((env = getenv("MEMLAB_FUZZ_PHASE_TIMEOUT")))
		phase_timeout = atof(env);
	while ((opt = getopt(argc, argv, "s:n:lp:r:vh")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'n': ncalls = strtol(optarg, NULL, 0); break;
		case 'l': long_run = true; break;
		case 'p': phases = parse_phases(optarg); break;
		case 'r': replay = optarg; break;
		case 'v': C.verbose = true; break;
		default: usage();
		}
	}
	if (long_run && ncalls == DEFAULT_CALLS)
		ncalls = LONG_CALLS;
	if (!seeded && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	C.seed = seed;

	ksft_print_header();
	ksft_print_msg("seed %#llx (replay this run: fuzz_test -s %#llx -n %ld%s)\n",
		       (unsigned long long)seed, (unsigned long long)seed, ncalls,
		       long_run ? " -l" : "");

	C.dev_fd = open(MEMLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (C.dev_fd < 0)
		ksft_exit_skip("%s: %s (memlab is not loaded)\n", MEMLAB_DEVICE, strerror(errno));
	if (ioctl(C.dev_fd, MEMLAB_IOC_VERSION, &ver))
		ksft_exit_fail_msg("VERSION: %s\n", strerror(errno));
	C.levels = ver.pgtable_levels;
	C.tsm = (C.levels == 5 ? 1UL << 56 : 1UL << 47) - PS;
	C.pid_max = read_long("/proc/sys/kernel/pid_max", 32768);
	C.main_pid = C.self = getpid();
	C.have_nobody = geteuid() == 0;
	if (!C.have_nobody)
		ksft_print_msg("not root: no unprivileged worker, no kernel log check\n");
	C.have_compat = int80_works();
	C.have_inject = ver.features & MEMLAB_FEAT_INJECT;
	C.pid2_is_kthread = is_kthread(2);

	stats = mmap(NULL, 2 * sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	my_stats = &stats[0];

	/* memlab's global state, to give back at the end. */
	fd = open(proc_paths[F_TARGET], O_RDONLY | O_CLOEXEC);
	memset(buf, 0, sizeof(buf));
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}

	setup_layout();
	setup_processes();
	setup_inject_args();
	C.pid_hi = (C.reaped > C.churner ? C.reaped : C.churner) + 64;
	if (C.pid_hi > C.pid_max)
		C.pid_hi = C.pid_max;
	ksft_print_msg("%d-level paging, TASK_SIZE_MAX %#lx, pid_max %ld, victim %d (thread %d), "
		       "churner %d, zombie %d, reaped %d, hugetlb %s, 32-bit entry %s\n",
		       C.levels, C.tsm, C.pid_max, C.victim, C.victim_tid, C.churner, C.zombie,
		       C.reaped, C.hugetlb ? "yes" : "no", C.have_compat ? "yes" : "no");

	if (C.have_nobody) {
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (kmsg_fd >= 0)
			lseek(kmsg_fd, 0, SEEK_END);
	}

	if (replay) {
		const char *colon = strchr(replay, ':');
		long index;

		ph = colon ? phase_by_name(replay, colon - replay) : -1;
		if (ph < 0 || ph == PH_KILL)
			usage();
		index = strtol(colon + 1, NULL, 0);
		C.verbose = true;
		ksft_set_plan(1);
		run_phase(ph, 1, index);
		goto out;
	}

	rounds = ncalls / 5000 > 40 ? ncalls / 5000 : 40;
	ksft_set_plan(__builtin_popcount(phases & ((1u << PH_NR) - 1)) + 1);
	for (ph = 0; ph < PH_NR; ph++) {
		long n = ncalls * (long)phase_share[ph] / 100;

		if (!(phases & (1u << ph)))
			continue;
		if (ph == PH_COMPAT && !C.have_compat) {
			ksft_test_result_skip("%s: no IA32 emulation in this kernel\n", phase_names[ph]);
			continue;
		}
		if (ph == PH_KILL) {
			if (!C.have_nobody)
				ksft_test_result_skip("%s: needs root\n", phase_names[ph]);
			else
				run_kill_phase(rounds);
			continue;
		}
		run_phase(ph, n, first);
	}

	total_splats += kmsg_splats("the run");
	if (kmsg_fd < 0)
		ksft_test_result_skip("kernel_log: /dev/kmsg is not readable\n");
	else
		ksft_test_result(!total_splats, "kernel_log: %d splats\n", total_splats);
out:
	ksft_print_msg("%" PRIu64 " calls in %.1f s (%.0f/s), seed %#llx\n", total_calls,
		       total_seconds, total_seconds > 0 ? total_calls / total_seconds : 0.0,
		       (unsigned long long)seed);

	/* Give memlab's global state back, and the helpers their end. */
	write_str(proc_paths[F_TARGET], buf[0] ? buf : "self\n");
	write_str(proc_paths[F_VTOP], "0\n");
	kill(C.victim, SIGKILL);
	kill(C.churner, SIGKILL);
	waitpid(C.victim, NULL, 0);
	waitpid(C.churner, NULL, 0);
	waitpid(C.zombie, NULL, 0);
	if (old_hugepages >= 0) {
		char v[32];

		if (C.hugetlb)
			munmap((void *)C.hugetlb, 2 * MiB);
		snprintf(v, sizeof(v), "%ld\n", old_hugepages);
		write_str("/proc/sys/vm/nr_hugepages", v);
	}
	ksft_finished();
}
