// SPDX-License-Identifier: GPL-2.0
/*
 * memlab-trace: paging as it happens. Every interval, for one process or
 * all: its page faults, minor and major, by segment class (text, heap,
 * stack, ...); the hits of memlab's injected faults; and how long threads
 * waited for and held its mmap_lock. A libbpf CO-RE program: one binary
 * for Debian's 6.1 and 6.12 kernels.
 *
 *   memlab-trace [-p PID] [-i SECONDS] [-d SECONDS] [--json]
 *
 * The fault counts follow mm_account_fault(), so over the same time they
 * add up to what /proc/PID/stat's minflt and majflt grew by. Faults are
 * counted per VMA in the kernel and given their segment class here, from
 * memlab's MAPS (or /proc/PID/maps without memlab); a VMA gone by then is
 * "unmapped", a fault on another process's memory "remote".
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../memlab/cli.h"
#include "memlab-trace.h"
#include "memlab-trace.skel.h"

#define SEG_UNMAPPED	MEMLAB_SEG_NR		/* the VMA was gone when we looked */
#define SEG_REMOTE	(MEMLAB_SEG_NR + 1)	/* another process's memory */
#define SEG_SLOTS	(MEMLAB_SEG_NR + 2)
#define TOP_PROCESSES	10

static struct env {
	int pid;
	double interval;
	double duration;
	bool json;
	bool verbose;
} env = { .interval = 1.0 };

const char *argp_program_version = "memlab-trace " MEMLAB_TOOL_VERSION;
/* A usage error exits 2, as memlab(1) does (argp's default is 64). */
error_t argp_err_exit_status = 2;
const char *argp_program_bug_address = "<https://github.com/memlab/memlab/issues>";
static const char argp_doc[] =
"Show paging as it happens: page faults (minor, major, by segment class),\n"
"memlab injection hits and mmap_lock waits and holds, every interval.\n"
"\n"
"USAGE: memlab-trace [-p PID] [-i SECONDS] [-d SECONDS] [--json]\n"
"\n"
"EXAMPLES:\n"
"    memlab-trace -p 1234          # process 1234, every second, until Ctrl-C\n"
"    memlab-trace -i 5 -d 60       # every process, every 5 s, for a minute\n"
"    memlab-trace -p 1234 --json   # one JSON object per line";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process only (default: all)", 0 },
	{ "interval", 'i', "SECONDS", 0, "Print every SECONDS (default 1)", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (default: at Ctrl-C)", 0 },
	{ "json", 'j', NULL, 0, "One JSON object per line", 0 },
	{ "verbose", 'v', NULL, 0, "libbpf's debug messages", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'p': {
		long pid;

		errno = 0;
		pid = strtol(arg, &end, 10);
		if (errno || *end || end == arg || pid <= 0 || pid > INT_MAX)
			argp_error(state, "bad pid: %s", arg);
		env.pid = (int)pid;
		break;
	}
	case 'i':
		env.interval = strtod(arg, &end);
		if (*end || !(env.interval >= 0.1))
			argp_error(state, "bad interval: %s (at least 0.1 s)", arg);
		break;
	case 'd':
		env.duration = strtod(arg, &end);
		if (*end || !(env.duration > 0))
			argp_error(state, "bad duration: %s", arg);
		break;
	case 'j':
		env.json = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument: %s", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { .options = opts, .parser = parse_arg, .doc = argp_doc };

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	/* Without -v, what failed is said once, by main(). */
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- what one period (an interval, or the whole run) counted ------------------- */

struct proc_faults {
	int tgid;
	struct fault_counts c;
};

struct period {
	double seconds;
	struct fault_counts total;
	struct fault_counts seg[SEG_SLOTS];	/* -p only */
	__u64 hits;
	struct lock_stats lock[LOCK_STATS_NR];
	struct lock_max lock_max[LOCK_STATS_NR];
	/* Last: kept from one interval to the next, emptied (nprocs 0). */
	struct proc_faults *procs;		/* without -p: per process */
	size_t nprocs, procs_cap;
};

static void counts_add(struct fault_counts *a, const struct fault_counts *b)
{
	a->minor += b->minor;
	a->major += b->major;
	a->failed += b->failed;
}

static void lock_add(struct lock_stats *a, const struct lock_stats *b)
{
	a->acquires += b->acquires;
	a->wait_ns += b->wait_ns;
	a->holds += b->holds;
	a->hold_ns += b->hold_ns;
}

static void lock_max_of(struct lock_max *a, const struct lock_max *b)
{
	if (b->wait_max_ns > a->wait_max_ns)
		a->wait_max_ns = b->wait_max_ns;
	if (b->hold_max_ns > a->hold_max_ns)
		a->hold_max_ns = b->hold_max_ns;
}

static struct fault_counts *proc_slot(struct period *p, int tgid)
{
	size_t i;

	for (i = 0; i < p->nprocs; i++)
		if (p->procs[i].tgid == tgid)
			return &p->procs[i].c;
	if (p->nprocs == p->procs_cap) {
		size_t cap = p->procs_cap ? 2 * p->procs_cap : 64;
		struct proc_faults *n = realloc(p->procs, cap * sizeof(*n));

		if (!n)
			return NULL;
		p->procs = n;
		p->procs_cap = cap;
	}
	memset(&p->procs[p->nprocs], 0, sizeof(p->procs[0]));
	p->procs[p->nprocs].tgid = tgid;
	return &p->procs[p->nprocs++].c;
}

static void period_add(struct period *a, const struct period *b)
{
	size_t i;

	a->seconds += b->seconds;
	counts_add(&a->total, &b->total);
	for (i = 0; i < SEG_SLOTS; i++)
		counts_add(&a->seg[i], &b->seg[i]);
	for (i = 0; i < b->nprocs; i++) {
		struct fault_counts *c = proc_slot(a, b->procs[i].tgid);

		if (c)
			counts_add(c, &b->procs[i].c);
	}
	a->hits += b->hits;
	for (i = 0; i < LOCK_STATS_NR; i++) {
		lock_add(&a->lock[i], &b->lock[i]);
		lock_max_of(&a->lock_max[i], &b->lock_max[i]);
	}
}

/* --- the segment class of a VMA -------------------------------------------------- */

static struct memlab_dev dev;
static bool have_dev;

/* The target's VMAs, read again for each interval. */
static struct memlab_vma *vmas;
static size_t nvmas;
static bool vmas_read;

/* By memlab's rules (MAPS), or /proc/PID/maps' names without memlab. */
static unsigned int segment_of(int tgid, __u64 vm_start)
{
	size_t i;

	if (have_dev) {
		if (!vmas_read) {
			free(vmas);
			vmas = NULL;
			if (dev_maps(&dev, tgid, &vmas, &nvmas))
				nvmas = 0;
			vmas_read = true;
		}
		for (i = 0; i < nvmas; i++)
			if (vmas[i].start <= vm_start && vm_start < vmas[i].end)
				/* A newer module may know more classes. */
				return vmas[i].segment < MEMLAB_SEG_NR ? vmas[i].segment :
								       MEMLAB_SEG_OTHER;
		return SEG_UNMAPPED;
	} else {
		char path[64], line[512], name[256];
		unsigned long lo, hi;
		unsigned int seg = SEG_UNMAPPED;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			name[0] = '\0';
			if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi, name) < 2 ||
			    vm_start < lo || vm_start >= hi)
				continue;
			seg = !strcmp(name, "[heap]") ? MEMLAB_SEG_HEAP :
			      !strcmp(name, "[stack]") ? MEMLAB_SEG_STACK :
			      !strcmp(name, "[vdso]") ? MEMLAB_SEG_VDSO :
			      !strncmp(name, "[vvar", 5) ? MEMLAB_SEG_VVAR :
			      name[0] == '/' ? MEMLAB_SEG_FILE :
			      !name[0] ? MEMLAB_SEG_ANON : MEMLAB_SEG_OTHER;
			break;
		}
		if (f)
			fclose(f);
		return seg;
	}
}

static const char *slot_name(unsigned int seg)
{
	return seg == SEG_UNMAPPED ? "unmapped" : seg == SEG_REMOTE ? "remote" :
	       segment_name(seg);
}

/* --- reading the maps ------------------------------------------------------------- */

static int ncpus;

/*
 * What each fault map entry counted when last read: the map's counts only
 * grow, and an interval is the difference. Open addressing, never shrunk.
 */
struct seen {
	struct fault_key key;
	struct fault_counts c;
	bool used;
};

static struct seen *seen;
static size_t seen_cap, seen_n;

static size_t seen_hash(const struct fault_key *k)
{
	__u64 h = ((__u64)k->tgid << 1 | k->remote) * 0x9e3779b97f4a7c15ULL ^ k->vm_start;

	h ^= h >> 29;
	return (size_t)(h * 0xbf58476d1ce4e5b9ULL);
}

static struct seen *seen_find(const struct fault_key *k)
{
	size_t i;

	if (2 * (seen_n + 1) > seen_cap) {
		size_t cap = seen_cap ? 2 * seen_cap : 1024, j;
		struct seen *old = seen, *n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		seen = n;
		seen_cap = cap;
		seen_n = 0;
		for (j = 0; old && j < cap / 2; j++)
			if (old[j].used)
				*seen_find(&old[j].key) = old[j];
		free(old);
	}
	for (i = seen_hash(k) & (seen_cap - 1);; i = (i + 1) & (seen_cap - 1)) {
		if (!seen[i].used) {
			seen[i].used = true;
			seen[i].key = *k;
			memset(&seen[i].c, 0, sizeof(seen[i].c));
			seen_n++;
			return &seen[i];
		}
		if (!memcmp(&seen[i].key, k, sizeof(*k)))
			return &seen[i];
	}
}

static __u64 grown(__u64 now, __u64 before)
{
	return now >= before ? now - before : now;	/* a new entry, same key */
}

/*
 * The faults counted since the last call. Entries are read, never reset;
 * those of processes that have exited are deleted after their last read.
 */
static void take_faults(struct memlab_trace_bpf *skel, struct period *p)
{
	int fd = bpf_map__fd(skel->maps.faults);
	struct fault_key key, next, *gone = NULL;
	size_t ngone = 0, i;
	struct fault_counts c, d;
	bool first = true;

	vmas_read = false;
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		struct seen *prev = seen_find(&next);
		unsigned int seg;

		first = false;
		key = next;
		if (!prev || bpf_map_lookup_elem(fd, &key, &c))
			continue;
		d.minor = grown(c.minor, prev->c.minor);
		d.major = grown(c.major, prev->c.major);
		d.failed = grown(c.failed, prev->c.failed);
		prev->c = c;
		if (kill((pid_t)key.tgid, 0) && errno == ESRCH) {
			struct fault_key *g = realloc(gone, (ngone + 1) * sizeof(*g));

			if (g) {
				gone = g;
				gone[ngone++] = key;
			}
		}
		if (!d.minor && !d.major && !d.failed)
			continue;
		counts_add(&p->total, &d);
		if (env.pid) {
			seg = key.remote ? SEG_REMOTE : segment_of(key.tgid, key.vm_start);
			counts_add(&p->seg[seg], &d);
		} else {
			struct fault_counts *pc = proc_slot(p, key.tgid);

			if (pc)
				counts_add(pc, &d);
		}
	}
	for (i = 0; i < ngone; i++) {
		struct seen *prev = seen_find(&gone[i]);

		bpf_map_delete_elem(fd, &gone[i]);
		if (prev)	/* should the pid come back, from 0 */
			memset(&prev->c, 0, sizeof(prev->c));
	}
	free(gone);
}

static __u64 hits_before;

static void take_hits(struct memlab_trace_bpf *skel, struct period *p)
{
	__u64 now = __atomic_load_n(&skel->bss->hits, __ATOMIC_RELAXED);

	p->hits = now - hits_before;
	hits_before = now;
}

static struct lock_stats locks_before[LOCK_STATS_NR];

/* Sums are cumulative and differenced; the maxima are read and reset. */
static void take_locks(struct memlab_trace_bpf *skel, struct period *p)
{
	int fd = bpf_map__fd(skel->maps.lock_stats), max_fd = bpf_map__fd(skel->maps.lock_max);
	struct lock_stats *per_cpu = calloc(ncpus, sizeof(*per_cpu)), sum;
	struct lock_max *maxima = calloc(ncpus, sizeof(*maxima)), *zero = calloc(ncpus, sizeof(*zero));
	__u32 i;
	int cpu;

	for (i = 0; per_cpu && maxima && zero && i < LOCK_STATS_NR; i++) {
		memset(&sum, 0, sizeof(sum));
		if (!bpf_map_lookup_elem(fd, &i, per_cpu))
			for (cpu = 0; cpu < ncpus; cpu++)
				lock_add(&sum, &per_cpu[cpu]);
		p->lock[i].acquires = sum.acquires - locks_before[i].acquires;
		p->lock[i].wait_ns = sum.wait_ns - locks_before[i].wait_ns;
		p->lock[i].holds = sum.holds - locks_before[i].holds;
		p->lock[i].hold_ns = sum.hold_ns - locks_before[i].hold_ns;
		locks_before[i] = sum;
		if (!bpf_map_lookup_elem(max_fd, &i, maxima)) {
			bpf_map_update_elem(max_fd, &i, zero, BPF_ANY);
			for (cpu = 0; cpu < ncpus; cpu++)
				lock_max_of(&p->lock_max[i], &maxima[cpu]);
		}
	}
	free(per_cpu);
	free(maxima);
	free(zero);
}

/* --- printing ------------------------------------------------------------------------ */

static const char *comm_of(int pid)
{
	static char comm[32];
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f || !fgets(comm, sizeof(comm), f))
		snprintf(comm, sizeof(comm), "?");
	if (f)
		fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return comm;
}

static const char * const who_names[LOCK_WHO_NR] = { "target", "others" };
static const char * const mode_names[LOCK_MODE_NR] = { "read", "write" };

static int by_faults(const void *a, const void *b)
{
	const struct proc_faults *x = a, *y = b;
	__u64 nx = x->c.minor + x->c.major + x->c.failed;
	__u64 ny = y->c.minor + y->c.major + y->c.failed;

	return nx < ny ? 1 : nx > ny ? -1 : x->tgid - y->tgid;
}

static void print_text(struct period *p, const char *what)
{
	char stamp[16];
	time_t t = time(NULL);
	unsigned int i;

	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&t));
	if (env.pid)
		printf("%s  pid %d (%s)  %s %.2f s\n", stamp, env.pid, comm_of(env.pid), what,
		       p->seconds);
	else
		printf("%s  all processes  %s %.2f s\n", stamp, what, p->seconds);
	printf("  %-22s %10s %10s %10s\n", "page faults", "minor", "major", "failed");
	if (env.pid) {
		for (i = 0; i < SEG_SLOTS; i++)
			if (p->seg[i].minor + p->seg[i].major + p->seg[i].failed)
				printf("    %-20s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
				       slot_name(i), (uint64_t)p->seg[i].minor,
				       (uint64_t)p->seg[i].major, (uint64_t)p->seg[i].failed);
	} else {
		qsort(p->procs, p->nprocs, sizeof(p->procs[0]), by_faults);
		for (i = 0; i < p->nprocs && i < TOP_PROCESSES; i++) {
			char label[32];

			snprintf(label, sizeof(label), "%d %s", p->procs[i].tgid,
				 comm_of(p->procs[i].tgid));
			printf("    %-20.20s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", label,
			       (uint64_t)p->procs[i].c.minor, (uint64_t)p->procs[i].c.major,
			       (uint64_t)p->procs[i].c.failed);
		}
	}
	printf("    %-20s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", "total",
	       (uint64_t)p->total.minor, (uint64_t)p->total.major, (uint64_t)p->total.failed);
	printf("  memlab hits %" PRIu64 "\n", (uint64_t)p->hits);
	printf("  %-22s %10s %10s %10s %10s %10s %10s\n", "mmap_lock", "acquires", "wait avg",
	       "wait max", "holds", "hold avg", "hold max");
	for (i = 0; i < LOCK_STATS_NR; i++) {
		const struct lock_stats *l = &p->lock[i];
		const struct lock_max *m = &p->lock_max[i];
		char name[32];

		if (!l->acquires && !l->holds)
			continue;
		snprintf(name, sizeof(name), "%s %s", env.pid ? who_names[i / LOCK_MODE_NR] : "all",
			 mode_names[i % LOCK_MODE_NR]);
		printf("    %-20s %10" PRIu64 " %7.1f us %7.1f us %10" PRIu64 " %7.1f us %7.1f us\n",
		       name, (uint64_t)l->acquires, l->acquires ? l->wait_ns / 1e3 / l->acquires : 0.0,
		       m->wait_max_ns / 1e3, (uint64_t)l->holds,
		       l->holds ? l->hold_ns / 1e3 / l->holds : 0.0, m->hold_max_ns / 1e3);
	}
	fflush(stdout);
}

static void json_counts(const char *key, const struct fault_counts *c, bool comma)
{
	printf("%s\"%s\":{\"minor\":%" PRIu64 ",\"major\":%" PRIu64 ",\"failed\":%" PRIu64 "}",
	       comma ? "," : "", key, (uint64_t)c->minor, (uint64_t)c->major, (uint64_t)c->failed);
}

static void print_json(struct period *p, const char *type)
{
	unsigned int i;
	bool comma = false;

	printf("{\"type\":\"%s\",\"time\":%ld,\"seconds\":%.3f", type, (long)time(NULL), p->seconds);
	if (env.pid) {
		printf(",\"pid\":%d,\"comm\":", env.pid);
		json_put_string(stdout, comm_of(env.pid));
	}
	printf(",\"faults\":{\"minor\":%" PRIu64 ",\"major\":%" PRIu64 ",\"failed\":%" PRIu64,
	       (uint64_t)p->total.minor, (uint64_t)p->total.major, (uint64_t)p->total.failed);
	if (env.pid) {
		printf(",\"by_segment\":{");
		for (i = 0; i < SEG_SLOTS; i++) {
			if (!(p->seg[i].minor + p->seg[i].major + p->seg[i].failed))
				continue;
			json_counts(slot_name(i), &p->seg[i], comma);
			comma = true;
		}
		printf("}");
	} else {
		printf(",\"by_process\":[");
		qsort(p->procs, p->nprocs, sizeof(p->procs[0]), by_faults);
		for (i = 0; i < p->nprocs; i++) {
			printf("%s{\"pid\":%d,\"comm\":", i ? "," : "", p->procs[i].tgid);
			json_put_string(stdout, comm_of(p->procs[i].tgid));
			printf(",\"minor\":%" PRIu64 ",\"major\":%" PRIu64 ",\"failed\":%" PRIu64 "}",
			       (uint64_t)p->procs[i].c.minor, (uint64_t)p->procs[i].c.major,
			       (uint64_t)p->procs[i].c.failed);
		}
		printf("]");
	}
	printf("},\"memlab_hits\":%" PRIu64 ",\"mmap_lock\":{", (uint64_t)p->hits);
	for (i = 0; i < LOCK_STATS_NR; i++) {
		const struct lock_stats *l = &p->lock[i];
		const struct lock_max *m = &p->lock_max[i];

		if (i % LOCK_MODE_NR == 0)
			printf("%s\"%s\":{", i ? "}," : "", env.pid ? who_names[i / LOCK_MODE_NR] : "all");
		printf("%s\"%s\":{\"acquires\":%" PRIu64 ",\"wait_ns\":%" PRIu64 ",\"wait_max_ns\":%" PRIu64
		       ",\"holds\":%" PRIu64 ",\"hold_ns\":%" PRIu64 ",\"hold_max_ns\":%" PRIu64 "}",
		       i % LOCK_MODE_NR ? "," : "", mode_names[i % LOCK_MODE_NR], (uint64_t)l->acquires,
		       (uint64_t)l->wait_ns, (uint64_t)m->wait_max_ns, (uint64_t)l->holds,
		       (uint64_t)l->hold_ns, (uint64_t)m->hold_max_ns);
		if (!env.pid && i == LOCK_MODE_NR - 1)
			break;
	}
	printf("}}}\n");
	fflush(stdout);
}

static const char *access_name(__u32 access)
{
	return access == MEMLAB_DENY_READ ? "read" : access == MEMLAB_DENY_WRITE ? "write" :
	       access == MEMLAB_DENY_EXEC ? "exec" : "?";
}

static int on_hit(void *ctx, void *data, size_t len)
{
	const struct hit_event *e = data;

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	if (env.json)
		printf("{\"type\":\"hit\",\"time\":%ld,\"fault\":%" PRIu64 ",\"pid\":%u,\"addr\":\"0x%" PRIx64
		       "\",\"access\":\"%s\",\"signalled\":%s}\n", (long)time(NULL), (uint64_t)e->id,
		       e->tgid, (uint64_t)e->addr, access_name(e->access),
		       e->signalled ? "true" : "false");
	else
		printf("  hit: fault %" PRIu64 ", pid %u (%s), %s at 0x%" PRIx64 ": %s\n",
		       (uint64_t)e->id, e->tgid, comm_of((int)e->tgid), access_name(e->access),
		       (uint64_t)e->addr, e->signalled ? "SIGSEGV" : "EFAULT to a system call");
	fflush(stdout);
	return 0;
}

/* The process a thread id belongs to, or -1 if there is none. */
static int tgid_of(int pid)
{
	char path[64], line[128];
	int tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	return tgid;
}

/* Is memlab loaded, with injection (its memlab_fault_hit tracepoint)? */
static bool have_symbol(const char *name)
{
	char line[256], sym[128];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %127s", sym) == 1 && !strcmp(sym, name);
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	struct period interval = {}, total = {};
	struct ring_buffer *rb = NULL;
	struct memlab_trace_bpf *skel;
	double start, last, next;
	const char *step;
	bool hits;
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return 2;
	if (env.pid) {
		int tgid = tgid_of(env.pid);

		if (tgid < 0) {
			fprintf(stderr, "memlab-trace: no process %d\n", env.pid);
			return 1;
		}
		if (tgid != env.pid) {
			fprintf(stderr, "memlab-trace: %d is a thread of process %d: trace -p %d\n",
				env.pid, tgid, tgid);
			return 1;
		}
	}
	/* Before the slow part: a Ctrl-C while loading still prints a total. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	libbpf_set_print(libbpf_print);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "memlab-trace: cannot count the CPUs: %s\n", strerror(-ncpus));
		return 1;
	}
	have_dev = !dev_open(&dev, &step);
	hits = have_symbol("__tracepoint_memlab_fault_hit");

	skel = memlab_trace_bpf__open();
	if (!skel) {
		fprintf(stderr, "memlab-trace: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->target_tgid = env.pid;
	if (!hits)
		bpf_program__set_autoload(skel->progs.memlab_hit, false);

	err = memlab_trace_bpf__load(skel);
	if (err) {
		fprintf(stderr, "memlab-trace: cannot load the BPF program: %s%s\n", strerror(-err),
			err == -EPERM ? " (run it as root: it needs CAP_BPF and CAP_PERFMON)" : "");
		goto cleanup;
	}
	err = memlab_trace_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "memlab-trace: cannot attach the BPF program: %s\n", strerror(-err));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_hit, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "memlab-trace: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}

	if (!env.json) {
		if (env.pid)
			printf("Tracing pid %d (%s)", env.pid, comm_of(env.pid));
		else
			printf("Tracing all processes");
		printf(", every %.1f s%s. Ctrl-C to stop.\n", env.interval,
		       hits ? "" : " (memlab is not loaded: no injection hits)");
	} else {
		printf("{\"type\":\"start\",\"time\":%ld,\"pid\":%d,\"interval\":%.3f,\"memlab\":%s}\n",
		       (long)time(NULL), env.pid, env.interval, hits ? "true" : "false");
	}
	fflush(stdout);

	start = last = now_s();
	next = start + env.interval;
	while (!exiting) {
		double t;

		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "memlab-trace: polling the ring buffer: %s\n", strerror(-err));
			break;
		}
		err = 0;
		t = now_s();
		if (env.duration && t - start >= env.duration)
			exiting = 1;
		if (t < next && !exiting)
			continue;
		if (env.pid && kill(env.pid, 0) && errno == ESRCH)
			exiting = 1;	/* the last interval, then the total */
		ring_buffer__consume(rb);
		memset(&interval, 0, offsetof(struct period, procs));
		interval.nprocs = 0;	/* the array is kept */
		interval.seconds = t - last;
		take_faults(skel, &interval);
		take_hits(skel, &interval);
		take_locks(skel, &interval);
		if (env.json)
			print_json(&interval, "interval");
		else
			print_text(&interval, "interval");
		period_add(&total, &interval);
		last = t;
		while (next <= t)
			next += env.interval;
	}
	if (skel->bss->lost_events)
		fprintf(stderr, "memlab-trace: %llu hit events lost (ring buffer full)\n",
			(unsigned long long)skel->bss->lost_events);
	if (skel->bss->fault_keys_full)
		fprintf(stderr, "memlab-trace: %llu faults not counted (too many mappings)\n",
			(unsigned long long)skel->bss->fault_keys_full);
	if (env.json)
		print_json(&total, "total");
	else
		print_text(&total, "total of");

cleanup:
	ring_buffer__free(rb);
	memlab_trace_bpf__destroy(skel);
	free(interval.procs);
	free(total.procs);
	free(seen);
	free(vmas);
	if (have_dev)
		dev_close(&dev);
	return err ? 1 : 0;
}
