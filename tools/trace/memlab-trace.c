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
 * "unmapped".
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
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
#define SEG_SLOTS	(MEMLAB_SEG_NR + 1)
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
	case 'p':
		errno = 0;
		env.pid = (int)strtol(arg, &end, 10);
		if (errno || *end || env.pid <= 0)
			argp_error(state, "bad pid: %s", arg);
		break;
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
	a->waits += b->waits;
	a->wait_ns += b->wait_ns;
	a->holds += b->holds;
	a->hold_ns += b->hold_ns;
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
	for (i = 0; i < LOCK_STATS_NR; i++)
		lock_add(&a->lock[i], &b->lock[i]);
}

/* --- the segment class of a VMA -------------------------------------------------- */

static struct memlab_dev dev;
static bool have_dev;

/* By memlab's rules (MAPS), or /proc/PID/maps' names without memlab. */
static unsigned int segment_of(int tgid, __u64 vm_start)
{
	static struct memlab_vma *vmas;
	static size_t n;
	static int cached = -1;
	size_t i;

	if (have_dev) {
		if (cached != tgid) {
			free(vmas);
			vmas = NULL;
			n = 0;
			if (dev_maps(&dev, tgid, &vmas, &n))
				n = 0;
			cached = tgid;
		}
		for (i = 0; i < n; i++)
			if (vmas[i].start <= vm_start && vm_start < vmas[i].end)
				return vmas[i].segment;
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
	return seg == SEG_UNMAPPED ? "unmapped" : segment_name(seg);
}

/* --- reading the maps ------------------------------------------------------------- */

static int ncpus;
static __u64 *hits_seen;	/* per id, what was counted already */
static size_t hits_seen_len;

/* The faults counted since the last call: each entry read and deleted. */
static void take_faults(struct memlab_trace_bpf *skel, struct period *p)
{
	int fd = bpf_map__fd(skel->maps.faults);
	struct fault_key key;
	struct fault_counts c;
	int bound = 1 << 20;	/* new VMAs fault meanwhile: never chase them forever */

	/* Always the first key: the one before was deleted. */
	while (bound-- && !bpf_map_get_next_key(fd, NULL, &key)) {
		if (bpf_map_lookup_and_delete_elem(fd, &key, &c))
			continue;
		counts_add(&p->total, &c);
		if (env.pid) {
			counts_add(&p->seg[segment_of(key.tgid, key.vm_start)], &c);
		} else {
			struct fault_counts *pc = proc_slot(p, key.tgid);

			if (pc)
				counts_add(pc, &c);
		}
	}
}

static void take_hits(struct memlab_trace_bpf *skel, struct period *p)
{
	int fd = bpf_map__fd(skel->maps.hits);
	__u64 id, next, n;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &id, &next)) {
		first = false;
		id = next;
		if (bpf_map_lookup_elem(fd, &id, &n))
			continue;
		if (id >= hits_seen_len) {
			size_t len = id + 64;
			__u64 *h = realloc(hits_seen, len * sizeof(*h));

			if (!h)
				continue;
			memset(h + hits_seen_len, 0, (len - hits_seen_len) * sizeof(*h));
			hits_seen = h;
			hits_seen_len = len;
		}
		p->hits += n - hits_seen[id];
		hits_seen[id] = n;
	}
}

static void take_locks(struct memlab_trace_bpf *skel, struct period *p)
{
	int fd = bpf_map__fd(skel->maps.lock_stats);
	struct lock_stats per_cpu[ncpus], zero[ncpus];
	__u32 i;
	int cpu;

	memset(zero, 0, sizeof(zero));
	for (i = 0; i < LOCK_STATS_NR; i++) {
		if (bpf_map_lookup_elem(fd, &i, per_cpu))
			continue;
		bpf_map_update_elem(fd, &i, zero, BPF_ANY);
		for (cpu = 0; cpu < ncpus; cpu++)
			lock_add(&p->lock[i], &per_cpu[cpu]);
	}
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
	printf("  %-22s %10s %10s %10s %10s %10s %10s\n", "mmap_lock", "waits", "wait avg",
	       "wait max", "holds", "hold avg", "hold max");
	for (i = 0; i < LOCK_STATS_NR; i++) {
		const struct lock_stats *l = &p->lock[i];
		char name[32];

		if (!l->waits && !l->holds)
			continue;
		snprintf(name, sizeof(name), "%s %s", env.pid ? who_names[i / LOCK_MODE_NR] : "all",
			 mode_names[i % LOCK_MODE_NR]);
		printf("    %-20s %10" PRIu64 " %7.1f us %7.1f us %10" PRIu64 " %7.1f us %7.1f us\n",
		       name, (uint64_t)l->waits, l->waits ? l->wait_ns / 1e3 / l->waits : 0.0,
		       l->wait_max_ns / 1e3, (uint64_t)l->holds,
		       l->holds ? l->hold_ns / 1e3 / l->holds : 0.0, l->hold_max_ns / 1e3);
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

		if (i % LOCK_MODE_NR == 0)
			printf("%s\"%s\":{", i ? "}," : "", env.pid ? who_names[i / LOCK_MODE_NR] : "all");
		printf("%s\"%s\":{\"waits\":%" PRIu64 ",\"wait_ns\":%" PRIu64 ",\"wait_max_ns\":%" PRIu64
		       ",\"holds\":%" PRIu64 ",\"hold_ns\":%" PRIu64 ",\"hold_max_ns\":%" PRIu64 "}",
		       i % LOCK_MODE_NR ? "," : "", mode_names[i % LOCK_MODE_NR], (uint64_t)l->waits,
		       (uint64_t)l->wait_ns, (uint64_t)l->wait_max_ns, (uint64_t)l->holds,
		       (uint64_t)l->hold_ns, (uint64_t)l->hold_max_ns);
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
	if (env.pid && kill(env.pid, 0) && errno == ESRCH) {
		fprintf(stderr, "memlab-trace: no process %d\n", env.pid);
		return 1;
	}
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

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
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
	if (env.json)
		print_json(&total, "total");
	else
		print_text(&total, "total of");

cleanup:
	ring_buffer__free(rb);
	memlab_trace_bpf__destroy(skel);
	free(interval.procs);
	free(total.procs);
	free(hits_seen);
	if (have_dev)
		dev_close(&dev);
	return err ? 1 : 0;
}
