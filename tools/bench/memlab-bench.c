// SPDX-License-Identifier: GPL-2.0
/*
 * memlab-bench: memlab against the kernel's own interfaces, in one run.
 *
 * Runs inside the memlab VM, as root, with memlab loaded. It builds
 * workloads in separate processes that stop themselves (SIGSTOP), so that
 * memlab and the kernel interface it is compared with see the very same
 * memory, times each reader several times and keeps the median:
 *
 *   (a) MEMLAB_IOC_SUMMARY with Pss/Uss   vs  reading /proc/PID/smaps_rollup
 *   (b) SUMMARY, MEMLAB_SUMMARY_PAGE_TABLES_ONLY
 *                                          vs  reading /proc/PID/smaps_rollup
 *   (c) MEMLAB_IOC_SCAN for present pages  vs  reading /proc/PID/pagemap,
 *       and vs the kernel's PAGEMAP_SCAN ioctl where it exists (6.7+), on
 *       the written pages spread out one by one (c) and in runs (c2)
 *   (d) memlab's page-table walk           vs  streaming as many bytes as
 *       the page tables occupy through a user-space loop
 *   (e) the worst mmap()+munmap() a thread of a live target sees while
 *       memlab walks it in a loop vs while smaps_rollup is read in a loop,
 *       with the target's memory in mappings of two PMDs (e) or one (e2)
 *
 * and prints the ratios next to the targets of SPEC section 10, as a table,
 * JSON and Markdown (--results DIR: DIR/KVER.json and DIR/KVER.md).
 *
 * --sweep instead measures how the walk scales: dense (64 MiB to 2 GiB),
 * 1 %-sparse (to 16 GiB) and 64-page (to 1 TiB) workloads, written to
 * DIR/KVER-scaling.json for tools/bench/plot-scaling.
 *
 * Documentation/performance.rst explains every number.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/memlab.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

/* PAGEMAP_SCAN (6.7): Debian 12's linux-libc-dev (6.1) does not have it. */
#ifndef PAGEMAP_SCAN
#define PAGE_IS_PRESENT		(1 << 3)
struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)
#endif

#define KiB			(UINT64_C(1) << 10)
#define MiB			(UINT64_C(1) << 20)
#define GiB			(UINT64_C(1) << 30)
#define PMD_SZ			(2 * MiB)

static size_t page_size;

/* The targets of SPEC section 10. */
#define TARGET_FULL		0.80	/* full summary / smaps_rollup, at most */
#define TARGET_PT_ONLY		0.15	/* page-table-only / smaps_rollup */
#define TARGET_SCAN		20.0	/* pagemap / SCAN, at least */
#define TARGET_STREAM		3.0	/* walk / stream, at most */
#define TARGET_WAIT		1.0	/* worst wait memlab / smaps_rollup */

static struct config {
	uint64_t size;		/* the mixed workload */
	uint64_t sparse;	/* the sparse reservation */
	double sparse_pct;	/* percent of its pages touched */
	unsigned int sparse_run;	/* in runs of this many pages, for (c2) */
	uint64_t lat_size;	/* mapped size of the latency target */
	unsigned int lat_vmas;	/* its mappings */
	double lat_window;	/* seconds per latency window */
	unsigned int lat_rounds;
	unsigned int reps;
	const char *file;	/* for the file-backed part */
	const char *results;	/* directory for KVER.json and KVER.md */
	const char *accel;
	const char *host_cpu;
	const char *commit;	/* of the memlab tree measured */
	const char *phases;	/* which of a..e to run */
	bool quick;
	bool sweep;
	uint64_t sweep_min, sweep_max, dense_max, fixed_max;
} cfg = {
	.size = GiB,
	.sparse = 64 * GiB,
	.sparse_pct = 1.0,
	.sparse_run = 16,
	.lat_vmas = 1024,
	.lat_window = 4.0,
	.lat_rounds = 7,
	.reps = 15,
	.phases = "abcde,e2",
	.sweep_min = 64 * MiB,
	.sweep_max = 16 * GiB,
	.dense_max = 2 * GiB,
	.fixed_max = 1024 * GiB,
};

static int memlab_fd = -1;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void kill_targets(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "memlab-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	kill_targets();
	exit(1);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	uint64_t mult = 1;

	switch (*end) {
	case 'k': case 'K': mult = KiB; end++; break;
	case 'm': case 'M': mult = MiB; end++; break;
	case 'g': case 'G': mult = GiB; end++; break;
	case 't': case 'T': mult = 1024 * GiB; end++; break;
	case '\0': break;
	default: die("bad size '%s'", s);
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end || v <= 0)
		die("bad size '%s'", s);
	return (uint64_t)(v * mult);
}

static const char *fmt_size(uint64_t b, char *buf, size_t len)
{
	if (b >= GiB && !(b % GiB))
		snprintf(buf, len, "%" PRIu64 " GiB", b / GiB);
	else if (b >= GiB)
		snprintf(buf, len, "%.1f GiB", (double)b / GiB);
	else if (b >= MiB)
		snprintf(buf, len, "%.1f MiB", (double)b / MiB);
	else
		snprintf(buf, len, "%.1f KiB", (double)b / KiB);
	return buf;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t round_down(uint64_t v, uint64_t a)
{
	return v / a * a;
}

/* A field of /proc/PID/status, in kB; -1 when it is not there. */
static long long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			v = strtoll(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* ------------------------------------------------------------------ */
/* Targets                                                             */
/* ------------------------------------------------------------------ */

#define HIST_BUCKETS	(64 * 8)

/* What the mmap/munmap thread of the latency target records. */
struct latstats {
	uint64_t count;
	uint64_t max_ns;
	uint64_t sum_ns;
	uint64_t hist[HIST_BUCKETS];
};

/* Commands to the mmap/munmap thread: record, loop without recording, rest. */
enum { LAT_STOP, LAT_START, LAT_PAUSE };

/*
 * Shared between the bench and its targets (MAP_SHARED, made before
 * fork()).
 */
struct shm {
	char err[256];
	pid_t cow_child;		/* mixed target: its forked child */
	/* the regions a target built */
	uint64_t anon, anon_len;	/* 4 KiB pages, written */
	uint64_t swap, swap_len;	/* written, then MADV_PAGEOUT */
	uint64_t thp, thp_len;		/* MADV_HUGEPAGE, written */
	uint64_t file, file_len;	/* file pages, read */
	bool file_is_shmem;
	uint64_t sparse, sparse_len;	/* MAP_NORESERVE, some pages written */
	uint64_t sparse_touched;
	uint64_t lat, lat_len;		/* latency target: many mappings */
	/* latency target: commands to its mmap/munmap thread */
	uint32_t cmd_seq, ack_seq;
	int cmd;
	int ready;
	struct latstats st;
};

static struct shm *shm;

#define MAX_TARGETS	8
static pid_t targets[MAX_TARGETS];
static unsigned int ntargets;

static void kill_targets(void)
{
	unsigned int i;

	if (shm && shm->cow_child > 0)
		kill(shm->cow_child, SIGKILL);
	for (i = 0; i < ntargets; i++)
		if (targets[i] > 0)
			kill(targets[i], SIGKILL);
	/* We are a subreaper: orphaned COW children come back to us. */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	ntargets = 0;
	if (shm)
		shm->cow_child = 0;
}

static void target_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void target_fail(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(shm->err, sizeof(shm->err), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(shm->err) - 32)
		snprintf(shm->err + n, sizeof(shm->err) - n, ": %s", strerror(errno));
	_exit(1);
}

static void *map_anon(uint64_t len, int extra_flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);

	if (p == MAP_FAILED)
		target_fail("mmap %" PRIu64 " bytes", len);
	return p;
}

/* A mapping of @len bytes whose start is a multiple of 2 MiB. */
static void *map_anon_aligned(uint64_t len, int extra_flags)
{
	char *p = map_anon(len + PMD_SZ, extra_flags);
	char *a = (char *)round_up((uintptr_t)p, PMD_SZ);

	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + PMD_SZ - a);
	return a;
}

/* Write one word of every page: the page is ours, and not all zero. */
static void write_pages(char *p, uint64_t len)
{
	uint64_t off;

	/* Faster than a fault per page; without it the writes fault. */
	(void)madvise(p, len, MADV_POPULATE_WRITE);
	for (off = 0; off < len; off += page_size)
		*(volatile uint64_t *)(p + off) = (uintptr_t)(p + off) | 1;
}

/* Fault every page in for reading: the zero page, or the file's page. */
static uint64_t read_pages(const char *p, uint64_t len)
{
	uint64_t off, sum = 0;

	(void)madvise((void *)p, len, MADV_POPULATE_READ);
	for (off = 0; off < len; off += page_size)
		sum += *(const volatile char *)(p + off);
	return sum;
}

/* The file for the file-backed part: --file, or a shmem file in /tmp. */
static int open_data_file(uint64_t len, bool *is_shmem)
{
	char path[] = "/tmp/memlab-bench.XXXXXX";
	struct stat stb;
	int fd;

	*is_shmem = false;
	if (cfg.file) {
		fd = open(cfg.file, O_RDONLY);
		if (fd < 0)
			target_fail("%s", cfg.file);
		if (fstat(fd, &stb))
			target_fail("stat %s", cfg.file);
		if ((uint64_t)stb.st_size >= len)
			return fd;
		errno = EFBIG;
		target_fail("%s is smaller than %" PRIu64 " bytes", cfg.file, len);
	}
	/* In the VM /tmp is the overlay's tmpfs: these are shmem pages. */
	*is_shmem = true;
	fd = mkstemp(path);
	if (fd < 0)
		target_fail("mkstemp");
	unlink(path);
	if (ftruncate(fd, len))
		target_fail("ftruncate");
	return fd;
}

/*
 * The mixed workload of cfg.size bytes: 3/8 anonymous 4 KiB pages (a third
 * of them shared copy-on-write with a child, so that Pss has mapcounts to
 * read), 1/8 written then swapped out, 1/4 THP, 1/4 file pages read.
 */
static void build_mixed(void)
{
	uint64_t anon_len = round_down(cfg.size * 3 / 8, PMD_SZ);
	uint64_t swap_len = round_down(cfg.size / 8, PMD_SZ);
	uint64_t thp_len = round_down(cfg.size / 4, PMD_SZ);
	uint64_t file_len = round_down(cfg.size / 4, PMD_SZ);
	uint64_t shared_len = round_down(anon_len / 3, PMD_SZ);
	char *anon, *swap, *thp, *file;
	int status, fd;
	pid_t child;

	anon = map_anon_aligned(anon_len, 0);
	if (madvise(anon, anon_len, MADV_NOHUGEPAGE))
		target_fail("MADV_NOHUGEPAGE");
	write_pages(anon, shared_len);

	child = fork();
	if (child < 0)
		target_fail("fork");
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		raise(SIGSTOP);
		_exit(0);
	}
	shm->cow_child = child;
	if (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status))
		target_fail("the copy-on-write child did not stop");

	write_pages(anon + shared_len, anon_len - shared_len);

	swap = map_anon_aligned(swap_len, 0);
	if (madvise(swap, swap_len, MADV_NOHUGEPAGE))
		target_fail("MADV_NOHUGEPAGE");
	write_pages(swap, swap_len);
	if (madvise(swap, swap_len, MADV_PAGEOUT))
		target_fail("MADV_PAGEOUT");

	thp = map_anon_aligned(thp_len, 0);
	if (madvise(thp, thp_len, MADV_HUGEPAGE))
		target_fail("MADV_HUGEPAGE");
	write_pages(thp, thp_len);

	fd = open_data_file(file_len, &shm->file_is_shmem);
	file = mmap(NULL, file_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		target_fail("mmap of the data file");
	close(fd);
	read_pages(file, file_len);

	shm->anon = (uintptr_t)anon;
	shm->anon_len = anon_len;
	shm->swap = (uintptr_t)swap;
	shm->swap_len = swap_len;
	shm->thp = (uintptr_t)thp;
	shm->thp_len = thp_len;
	shm->file = (uintptr_t)file;
	shm->file_len = file_len;
	raise(SIGSTOP);
	for (;;)
		pause();
}

/*
 * @len bytes of MAP_NORESERVE reservation, @touched of its pages written
 * in runs of @run pages, the runs evenly spread (4 KiB pages only).
 */
static char *build_sparse_range(uint64_t len, uint64_t touched, uint64_t run)
{
	uint64_t pages = len / page_size, runs = touched / run, stride, i, j;
	char *p = map_anon_aligned(len, MAP_NORESERVE);

	if (madvise(p, len, MADV_NOHUGEPAGE))
		target_fail("MADV_NOHUGEPAGE");
	shm->sparse_touched = 0;
	if (!runs)
		return p;
	stride = pages / runs;
	if (stride < run)
		stride = run;
	for (i = 0; i < runs && i * stride + run <= pages; i++)
		for (j = 0; j < run; j++)
			*(volatile uint64_t *)(p + (i * stride + j) * page_size) = i | 1;
	shm->sparse_touched = i * run;
	return p;
}

static uint64_t sparse_touched_pages(uint64_t len, double pct)
{
	uint64_t pages = len / page_size;
	uint64_t n = (uint64_t)(pages * pct / 100.0 + 0.5);

	return n ? n : 1;
}

/* 1 for (c): each written page its own region; cfg.sparse_run for (c2). */
static unsigned int sparse_run = 1;

static void build_sparse(void)
{
	char *p = build_sparse_range(cfg.sparse,
				     sparse_touched_pages(cfg.sparse,
							  cfg.sparse_pct),
				     sparse_run);

	shm->sparse = (uintptr_t)p;
	shm->sparse_len = cfg.sparse;
	raise(SIGSTOP);
	for (;;)
		pause();
}

/* --sweep: one workload of a series. */
static const char *sweep_series;
static uint64_t sweep_size;

static void build_sweep(void)
{
	char *p;

	if (!strcmp(sweep_series, "dense")) {
		p = map_anon_aligned(sweep_size, MAP_NORESERVE);
		if (madvise(p, sweep_size, MADV_NOHUGEPAGE))
			target_fail("MADV_NOHUGEPAGE");
		write_pages(p, sweep_size);
		shm->sparse_touched = sweep_size / page_size;
	} else if (!strcmp(sweep_series, "sparse")) {
		p = build_sparse_range(sweep_size,
				       sparse_touched_pages(sweep_size, 1.0), 1);
	} else {
		p = build_sparse_range(sweep_size, 64, 1);
	}
	shm->sparse = (uintptr_t)p;
	shm->sparse_len = sweep_size;
	raise(SIGSTOP);
	for (;;)
		pause();
}

/* The log-linear histogram bucket of @ns: 8 sub-buckets per power of 2. */
static unsigned int hist_bucket(uint64_t ns)
{
	unsigned int msb;

	if (ns < 8)
		return (unsigned int)ns;
	msb = 63 - __builtin_clzll(ns);
	return msb * 8 + ((ns >> (msb - 3)) & 7);
}

static uint64_t hist_upper(unsigned int b)
{
	unsigned int msb = b / 8, sub = b % 8;

	if (b < 8)
		return b + 1;
	return (uint64_t)(8 + sub + 1) << (msb - 3);
}

static uint64_t hist_percentile(const struct latstats *st, double pct)
{
	uint64_t want = (uint64_t)(st->count * pct / 100.0), seen = 0;
	unsigned int b;

	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += st->hist[b];
		if (seen > want)
			return hist_upper(b) < st->max_ns ? hist_upper(b) : st->max_ns;
	}
	return st->max_ns;
}

/* The latency target's thread that maps and unmaps a page, again and again. */
static void *lat_loop(void *arg)
{
	uint32_t seen = 0;
	bool rec = false, paused = false;
	cpu_set_t set;

	(void)arg;
	/* Its own vCPU, apart from the reader's (see bench_latency()). */
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		CPU_ZERO(&set);
		CPU_SET(1, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	__atomic_store_n(&shm->ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		uint32_t seq = __atomic_load_n(&shm->cmd_seq, __ATOMIC_ACQUIRE);
		uint64_t t0, dt;
		void *p;

		if (seq != seen) {
			seen = seq;
			rec = shm->cmd == LAT_START;
			paused = shm->cmd == LAT_PAUSE;
			if (rec)
				memset(&shm->st, 0, sizeof(shm->st));
			__atomic_store_n(&shm->ack_seq, seq, __ATOMIC_RELEASE);
		}
		if (paused) {
			sleep_ns(1000000);
			continue;
		}
		t0 = now_ns();
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, page_size);
		dt = now_ns() - t0;
		if (rec) {
			shm->st.count++;
			shm->st.sum_ns += dt;
			if (dt > shm->st.max_ns)
				shm->st.max_ns = dt;
			shm->st.hist[hist_bucket(dt)]++;
		}
	}
	return NULL;
}

static void *lat_idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * The latency target: cfg.lat_size bytes in lat_vmas mappings, each
 * starting on a 2 MiB boundary (a hole between two keeps them apart, so
 * a 4 MiB mapping spans exactly two PMDs), the first half of each
 * written, the rest read (mapped to the zero page, so that a 4 GiB process
 * fits a 4 GiB VM); one thread maps and unmaps a page in a loop, two more
 * threads and the main thread sleep. Not stopped.
 */
static unsigned int lat_vmas;

static void build_latency(void)
{
	uint64_t chunk = round_up(cfg.lat_size / lat_vmas, page_size);
	/* Each mapping starts on a PMD boundary; holes keep them apart. */
	uint64_t stride = round_up(chunk + page_size, PMD_SZ);
	uint64_t total = stride * lat_vmas;
	uint64_t written = round_up(chunk / 2, page_size);
	pthread_t th;
	unsigned int i;
	char *p;

	p = map_anon_aligned(total, MAP_NORESERVE);
	if (madvise(p, total, MADV_NOHUGEPAGE))
		target_fail("MADV_NOHUGEPAGE");
	for (i = 0; i < lat_vmas; i++) {
		char *c = p + i * stride;

		munmap(c + chunk, stride - chunk);	/* the hole */
		write_pages(c, written);
		read_pages(c + written, chunk - written);
	}
	shm->lat = (uintptr_t)p;
	shm->lat_len = chunk * lat_vmas;
	for (i = 0; i < 2; i++)
		if (pthread_create(&th, NULL, lat_idle, NULL))
			target_fail("pthread_create");
	if (pthread_create(&th, NULL, lat_loop, NULL))
		target_fail("pthread_create");
	for (;;)
		pause();
}

/*
 * Fork a target that runs @build. Wait until it stopped itself, or (for
 * the latency target, which does not stop) until it says it is ready.
 */
static pid_t start_target(void (*build)(void), bool stops)
{
	uint64_t t0 = now_ns();
	int status;
	pid_t pid;

	memset(shm, 0, sizeof(*shm));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		build();
		_exit(0);
	}
	targets[ntargets++] = pid;
	if (stops) {
		if (waitpid(pid, &status, WUNTRACED) != pid)
			die("waitpid: %s", strerror(errno));
		if (!WIFSTOPPED(status))
			die("the target failed: %s",
			    shm->err[0] ? shm->err : "it exited");
	} else {
		while (!__atomic_load_n(&shm->ready, __ATOMIC_ACQUIRE)) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				die("the target failed: %s",
				    shm->err[0] ? shm->err : "it exited");
			sleep_ns(10000000);
		}
	}
	note("target %d built in %.1f s", pid, (now_ns() - t0) / 1e9);
	return pid;
}

/* ------------------------------------------------------------------ */
/* The readers                                                         */
/* ------------------------------------------------------------------ */

struct rollup {
	long long rss_kb, pss_kb, swap_kb, anon_huge_kb;
};

static long long rollup_field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

/* Read /proc/PID/smaps_rollup whole: open, read, close. */
static double time_smaps_rollup(pid_t pid, struct rollup *out)
{
	char path[64], buf[4096];
	size_t len = 0;
	uint64_t t0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	t0 = now_ns();
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += n;
		if (len == sizeof(buf) - 1)
			len = 0;	/* only the timing matters past this */
	}
	close(fd);
	t0 = now_ns() - t0;
	if (n < 0)
		die("%s: %s", path, strerror(errno));
	buf[len] = '\0';
	if (out) {
		out->rss_kb = rollup_field(buf, "\nRss:");
		out->pss_kb = rollup_field(buf, "\nPss:");
		out->swap_kb = rollup_field(buf, "\nSwap:");
		out->anon_huge_kb = rollup_field(buf, "\nAnonHugePages:");
	}
	return t0;
}

/* One MEMLAB_IOC_SUMMARY on the open /dev/memlab; the ioctl's time. */
static double time_summary(pid_t pid, uint64_t flags, struct memlab_summary *out)
{
	struct memlab_summary s = {
		.size = sizeof(s), .flags = flags, .pid = (__u32)pid,
	};
	uint64_t t0 = now_ns();

	if (ioctl(memlab_fd, MEMLAB_IOC_SUMMARY, &s))
		die("MEMLAB_IOC_SUMMARY: %s", strerror(errno));
	t0 = now_ns() - t0;
	if (out)
		*out = s;
	return t0;
}

#define SCAN_VEC_LEN	65536

static void *scan_vec;

/* SCAN [start, end) for present pages; the pages and regions it found. */
static double time_memlab_scan(pid_t pid, uint64_t start, uint64_t end,
			       uint64_t *pages, uint64_t *regions)
{
	struct memlab_scan_region *vec = scan_vec;
	struct memlab_scan a = {
		.size = sizeof(a), .pid = (__u32)pid,
		.start = start, .end = end,
		.vec = (uintptr_t)vec, .vec_len = SCAN_VEC_LEN,
		.category_mask = MEMLAB_PAGE_PRESENT,
		.return_mask = MEMLAB_PAGE_PRESENT,
	};
	uint64_t t0 = now_ns();
	long ret, i;

	*pages = *regions = 0;
	for (;;) {
		ret = ioctl(memlab_fd, MEMLAB_IOC_SCAN, &a);
		if (ret < 0)
			die("MEMLAB_IOC_SCAN: %s", strerror(errno));
		*regions += ret;
		for (i = 0; i < ret; i++)
			*pages += (vec[i].end - vec[i].start) / page_size;
		if (a.walk_end >= end || ret < SCAN_VEC_LEN)
			break;
		a.start = a.walk_end;
	}
	return now_ns() - t0;
}

/* The kernel's PAGEMAP_SCAN (6.7+); a negative errno when it has none. */
static double time_pagemap_scan(pid_t pid, uint64_t start, uint64_t end,
				uint64_t *pages, uint64_t *regions, int *err)
{
	struct page_region *vec = scan_vec;
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = start, .end = end,
		.vec = (uintptr_t)vec, .vec_len = SCAN_VEC_LEN,
		.category_mask = PAGE_IS_PRESENT,
		.return_mask = PAGE_IS_PRESENT,
	};
	char path[64];
	uint64_t t0;
	long ret, i;
	int fd;

	*pages = *regions = 0;
	*err = 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	t0 = now_ns();
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	for (;;) {
		ret = ioctl(fd, PAGEMAP_SCAN, &a);
		if (ret < 0) {
			*err = errno;
			break;
		}
		*regions += ret;
		for (i = 0; i < ret; i++)
			*pages += (vec[i].end - vec[i].start) / page_size;
		if (a.walk_end >= end || ret < SCAN_VEC_LEN)
			break;
		a.start = a.walk_end;
	}
	close(fd);
	return now_ns() - t0;
}

#define PAGEMAP_CHUNK	(1024 * 1024)	/* entries per pread(): 4 GiB of range */

static uint64_t *pagemap_buf;

/*
 * Read /proc/PID/pagemap for [start, end) in 8 MiB pread()s. With
 * @present, also count the present pages (timed apart: not in the ratio).
 */
static double time_pagemap(pid_t pid, uint64_t start, uint64_t end,
			   uint64_t *present, double *parse_ns)
{
	uint64_t pages = (end - start) / page_size, done = 0, t0, tp = 0, i;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	if (present)
		*present = 0;
	t0 = now_ns();
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	while (done < pages) {
		uint64_t n = pages - done < PAGEMAP_CHUNK ? pages - done : PAGEMAP_CHUNK;
		ssize_t r = pread(fd, pagemap_buf, n * 8,
				  (start / page_size + done) * 8);

		if (r <= 0)
			die("pread %s: %s", path, r ? strerror(errno) : "EOF");
		n = r / 8;
		if (present) {
			uint64_t t1 = now_ns();

			for (i = 0; i < n; i++)
				*present += pagemap_buf[i] >> 63;
			tp += now_ns() - t1;
		}
		done += n;
	}
	close(fd);
	if (parse_ns)
		*parse_ns = tp;
	return now_ns() - t0 - tp;
}

/*
 * Read @bytes of a warm buffer, 8 bytes at a time with four independent
 * sums: the least any walk of that many bytes of page tables must cost.
 * stream_prepare() fills the buffer and picks how many passes make a
 * millisecond or more; stream_once() times them, per pass.
 */
static struct {
	uint64_t *buf;
	uint64_t n, passes, sink;
} stream;

/*
 * Scalar 8-byte loads, as a walk reads page-table entries: not vectorised,
 * so that the stream does not read 16 or 32 bytes where a walk reads 8.
 */
__attribute__((optimize("no-tree-vectorize")))
static uint64_t stream_passes(uint64_t passes)
{
	const uint64_t *buf = stream.buf, n = stream.n;
	uint64_t p, i, t0 = now_ns();

	for (p = 0; p < passes; p++) {
		uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;

		for (i = 0; i + 4 <= n; i += 4) {
			s0 += buf[i];
			s1 += buf[i + 1];
			s2 += buf[i + 2];
			s3 += buf[i + 3];
		}
		for (; i < n; i++)
			s0 += buf[i];
		/* Keep the sums, and every pass, from being optimised away. */
		__asm__ volatile("" : : "r"(s0), "r"(s1), "r"(s2), "r"(s3) : "memory");
		stream.sink += s0 + s1 + s2 + s3;
	}
	return now_ns() - t0;
}

static void stream_prepare(uint64_t bytes)
{
	uint64_t i;

	free(stream.buf);
	stream.n = bytes / 8;
	stream.passes = 1;
	stream.buf = malloc(stream.n ? stream.n * 8 : 8);
	if (!stream.buf)
		die("malloc %" PRIu64, bytes);
	for (i = 0; i < stream.n; i++)
		stream.buf[i] = i;
	while (stream.n && stream_passes(stream.passes) < 1000000 &&
	       stream.passes < (1u << 20))
		stream.passes *= 2;
}

static double stream_once(void)
{
	if (!stream.n)
		return 0;
	return (double)stream_passes(stream.passes) / stream.passes;
}

/* ------------------------------------------------------------------ */
/* The measurements                                                    */
/* ------------------------------------------------------------------ */

struct latres {
	bool done;
	uint64_t count, max_ns, p99_ns, p999_ns, p9999_ns;
	double mean_ns;
	uint64_t round_max[16];
	double median_round_max_ns;	/* the verdict: robust to one host stall */
	unsigned int walks;		/* readings done in the windows */
	double walk_mean_ns;		/* their mean duration */
	uint64_t max_lock_hold_ns;	/* memlab: from its summaries */
	uint64_t lock_drops;
};

static struct results {
	char kver[65], machine[65], cpu[128], accel[64], host_cpu[160], thp[64];
	unsigned int ncpus, pgtable_levels;
	long long memtotal_kb, swaptotal_kb;
	char started[32];

	/* (a), (b), (d): the mixed target */
	bool mixed;
	double smaps_ns, full_ns, nosh_ns, pto_ns;
	double full_walk_ns, nosh_walk_ns, pto_walk_ns;
	struct memlab_summary full, nosh, pto;	/* pto: PAGE_TABLES_ONLY */
	struct rollup roll;
	long long vmpte_mixed_kb;
	double stream_mixed_ns;
	bool file_is_shmem;

	/* (c), (d): the sparse target */
	bool sparse;
	uint64_t sparse_touched;
	double scan_ns, pagemap_ns, pagemap_parse_ns, pmscan_ns;
	uint64_t scan_pages, scan_regions, pagemap_present;
	uint64_t pmscan_pages, pmscan_regions;
	bool pmscan;
	char pmscan_note[256];
	struct memlab_summary sparse_pto;

	/* (c2): the same reservation, the pages written in runs */
	bool runs;
	uint64_t runs_touched, runs_scan_pages, runs_scan_regions;
	uint64_t runs_pagemap_present, runs_pmscan_pages;
	double runs_scan_ns, runs_pagemap_ns, runs_pmscan_ns;
	double sparse_walk_ns, sparse_smaps_ns, stream_sparse_ns;
	long long vmpte_sparse_kb;

	/* (e): two layouts of the latency target */
	bool lat;
	struct latcase {
		bool done;
		uint64_t len, chunk;	/* mapped, and per mapping */
		unsigned int vmas;
		double walk_ns, smaps_ns;	/* one reading, no mmap loop */
		struct latres idle, wmemlab, wsmaps;
	} lc[2];
} R;

static void machine_info(void)
{
	unsigned int eax, ebx, ecx, edx;
	struct memlab_version ver = { .size = sizeof(ver) };
	struct utsname u;
	char line[512], sig[13] = "";
	bool hypervisor = false;
	time_t t = time(NULL);
	FILE *f;

	uname(&u);
	snprintf(R.kver, sizeof(R.kver), "%s", u.release);
	snprintf(R.machine, sizeof(R.machine), "%s", u.machine);
	strftime(R.started, sizeof(R.started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	R.ncpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!R.cpu[0] && !strncmp(line, "model name", 10)) {
			char *v = strchr(line, ':');

			if (v) {
				v += 1 + strspn(v + 1, " \t");
				v[strcspn(v, "\n")] = '\0';
				snprintf(R.cpu, sizeof(R.cpu), "%s", v);
			}
		}
		if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor"))
			hypervisor = true;
	}
	if (f)
		fclose(f);
	R.memtotal_kb = -1;
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "MemTotal:", 9))
			R.memtotal_kb = strtoll(line + 9, NULL, 10);
		if (!strncmp(line, "SwapTotal:", 10))
			R.swaptotal_kb = strtoll(line + 10, NULL, 10);
	}
	if (f)
		fclose(f);
	read_first_line("/sys/kernel/mm/transparent_hugepage/enabled", R.thp,
			sizeof(R.thp));

	/* The hypervisor's signature, CPUID leaf 0x40000000. */
	if (hypervisor) {
		__cpuid(0x40000000, eax, ebx, ecx, edx);
		memcpy(sig, &ebx, 4);
		memcpy(sig + 4, &ecx, 4);
		memcpy(sig + 8, &edx, 4);
		sig[12] = '\0';
	}
	if (cfg.accel)
		snprintf(R.accel, sizeof(R.accel), "%s", cfg.accel);
	else if (!hypervisor)
		snprintf(R.accel, sizeof(R.accel), "none (bare metal)");
	else if (!strncmp(sig, "KVMKVMKVM", 9))
		snprintf(R.accel, sizeof(R.accel), "KVM");
	else if (!strncmp(sig, "TCGTCGTCGTCG", 12))
		snprintf(R.accel, sizeof(R.accel), "TCG");
	else
		snprintf(R.accel, sizeof(R.accel), "hypervisor '%s'", sig);
	snprintf(R.host_cpu, sizeof(R.host_cpu), "%s", cfg.host_cpu ? cfg.host_cpu : "");

	if (!ioctl(memlab_fd, MEMLAB_IOC_VERSION, &ver))
		R.pgtable_levels = ver.pgtable_levels;
}

/* The fastest of the repetitions, kept next to the medians (median() sorts). */
static struct {
	const char *key;
	double ns;
} minima[16];
static unsigned int nminima;

static void min_add(const char *key, double ns)
{
	if (nminima < 16)
		minima[nminima++] = (typeof(minima[0])){ key, ns };
}

static void check_equal(const char *what, long long memlab_kb, long long kernel_kb)
{
	note("check: %-22s memlab %10lld kB   kernel %10lld kB   %s", what,
	     memlab_kb, kernel_kb, memlab_kb == kernel_kb ? "equal" : "DIFFERENT");
}

/* (a), (b) and (d) on the mixed workload. */
static void bench_mixed(void)
{
	double v_smaps[64], v_full[64], v_nosh[64], v_pto[64];
	double w_full[64], w_nosh[64], w_pto[64], v_stream[64];
	struct memlab_summary s;
	unsigned int r;
	char b1[32];
	pid_t pid;

	note("mixed workload: %s (3/8 anonymous, 1/8 swapped, 1/4 THP, 1/4 file)",
	     fmt_size(cfg.size, b1, sizeof(b1)));
	pid = start_target(build_mixed, true);
	R.mixed = true;
	R.file_is_shmem = shm->file_is_shmem;
	if (shm->file_is_shmem)
		note("no --file: the file-backed part is a tmpfs (shmem) file");

	/* One of each first, not timed: warm caches, and check the numbers. */
	time_smaps_rollup(pid, &R.roll);
	time_summary(pid, 0, &R.full);
	time_summary(pid, MEMLAB_SUMMARY_NO_SHARING, &R.nosh);
	time_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &R.pto);
	check_equal("Rss", R.full.rss / 1024, R.roll.rss_kb);
	check_equal("Pss", R.full.pss / 1024, R.roll.pss_kb);
	check_equal("Swap", (R.full.swap + R.full.shmem_swap) / 1024, R.roll.swap_kb);
	check_equal("AnonHugePages", R.full.anon_huge / 1024, R.roll.anon_huge_kb);
	check_equal("page-table-only Rss", R.pto.rss / 1024, R.roll.rss_kb);
	check_equal("page-table-only Swap", (R.pto.swap + R.pto.shmem_swap) / 1024,
		    R.roll.swap_kb);
	check_equal("page-table-only AnonHugePages", R.pto.anon_huge / 1024,
		    R.roll.anon_huge_kb);

	/* Interleaved, so that the host's noise hits all five alike. */
	stream_prepare(R.pto.page_tables);
	for (r = 0; r < cfg.reps; r++) {
		unsigned int k, m;

		/* In turn forwards and backwards: no reader always goes first. */
		for (k = 0; k < 5; k++) {
			m = r % 2 ? 4 - k : k;
			if (m == 0) {
				v_smaps[r] = time_smaps_rollup(pid, NULL);
			} else if (m == 1) {
				v_full[r] = time_summary(pid, 0, &s);
				w_full[r] = s.walk_ns;
			} else if (m == 2) {
				v_nosh[r] = time_summary(pid, MEMLAB_SUMMARY_NO_SHARING, &s);
				w_nosh[r] = s.walk_ns;
			} else if (m == 3) {
				v_pto[r] = time_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &s);
				w_pto[r] = s.walk_ns;
			} else {
				v_stream[r] = stream_once();
			}
		}
	}
	R.stream_mixed_ns = median(v_stream, r);
	min_add("stream_mixed", v_stream[0]);
	R.smaps_ns = median(v_smaps, r);
	min_add("mixed_smaps_rollup", v_smaps[0]);
	R.full_ns = median(v_full, r);
	min_add("mixed_summary", v_full[0]);
	R.nosh_ns = median(v_nosh, r);
	min_add("mixed_summary_no_sharing", v_nosh[0]);
	R.full_walk_ns = median(w_full, r);
	min_add("mixed_summary_walk", w_full[0]);
	R.nosh_walk_ns = median(w_nosh, r);
	min_add("mixed_summary_no_sharing_walk", w_nosh[0]);
	R.pto_ns = median(v_pto, r);
	min_add("mixed_summary_page_tables_only", v_pto[0]);
	R.pto_walk_ns = median(w_pto, r);
	min_add("mixed_summary_page_tables_only_walk", w_pto[0]);
	R.vmpte_mixed_kb = status_kb(pid, "VmPTE");
	note("(a) smaps_rollup %.2f ms, SUMMARY %.2f ms (walk %.2f ms)",
	     R.smaps_ns / 1e6, R.full_ns / 1e6, R.full_walk_ns / 1e6);
	note("(b) SUMMARY PAGE_TABLES_ONLY %.2f ms (walk %.2f ms); NO_SHARING %.2f ms (walk %.2f ms)",
	     R.pto_ns / 1e6, R.pto_walk_ns / 1e6, R.nosh_ns / 1e6, R.nosh_walk_ns / 1e6);

	note("(d) page tables %" PRIu64 " kB (VmPTE %lld kB): walk %.3f ms, stream %.3f ms",
	     (uint64_t)R.pto.page_tables / 1024, R.vmpte_mixed_kb,
	     R.pto_walk_ns / 1e6, R.stream_mixed_ns / 1e6);
	kill_targets();
}

/* (c) and (d) on the sparse reservation. */
static void bench_sparse(void)
{
	double v_scan[64], v_pm[64], v_pms[64], v_walk[64], v_smaps[64];
	double v_stream[64];
	uint64_t start, end, pages, regions;
	struct memlab_summary s;
	unsigned int r;
	char b1[32];
	pid_t pid;
	int err;

	note("sparse workload: %s MAP_NORESERVE, %.2g %% of its pages written, spread out",
	     fmt_size(cfg.sparse, b1, sizeof(b1)), cfg.sparse_pct);
	pid = start_target(build_sparse, true);
	R.sparse = true;
	R.sparse_touched = shm->sparse_touched;
	start = shm->sparse;
	end = start + shm->sparse_len;

	/* Checks first: the three must agree on what is present. */
	time_memlab_scan(pid, start, end, &R.scan_pages, &R.scan_regions);
	time_pagemap(pid, start, end, &R.pagemap_present, &R.pagemap_parse_ns);
	time_pagemap_scan(pid, start, end, &R.pmscan_pages, &R.pmscan_regions, &err);
	R.pmscan = !err;
	if (err)
		snprintf(R.pmscan_note, sizeof(R.pmscan_note),
			 "PAGEMAP_SCAN not available on %s (%s)", R.kver,
			 strerror(err));
	note("check: present pages: written %" PRIu64 ", memlab SCAN %" PRIu64
	     " in %" PRIu64 " regions, pagemap %" PRIu64 ", PAGEMAP_SCAN %s%" PRIu64,
	     R.sparse_touched, R.scan_pages, R.scan_regions, R.pagemap_present,
	     R.pmscan ? "" : "- ", R.pmscan ? R.pmscan_pages : 0);
	if (R.scan_pages != R.pagemap_present || (R.pmscan && R.pmscan_pages != R.scan_pages))
		note("check: present pages DIFFER");

	time_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &s);
	stream_prepare(s.page_tables);
	for (r = 0; r < cfg.reps; r++) {
		unsigned int k, m;

		for (k = 0; k < 5; k++) {
			m = r % 2 ? 4 - k : k;
			if (m == 0) {
				v_stream[r] = stream_once();
			} else if (m == 1) {
				v_scan[r] = time_memlab_scan(pid, start, end, &pages, &regions);
			} else if (m == 2) {
				v_pm[r] = time_pagemap(pid, start, end, NULL, NULL);
			} else if (m == 3) {
				v_pms[r] = R.pmscan ? time_pagemap_scan(pid, start, end, &pages,
									&regions, &err) : 0;
			} else {
				time_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &s);
				v_walk[r] = s.walk_ns;
				v_smaps[r] = time_smaps_rollup(pid, NULL);
			}
		}
	}
	R.sparse_pto = s;
	R.stream_sparse_ns = median(v_stream, r);
	min_add("sparse_stream", v_stream[0]);
	R.scan_ns = median(v_scan, r);
	min_add("sparse_scan", v_scan[0]);
	R.pagemap_ns = median(v_pm, r);
	min_add("sparse_pagemap", v_pm[0]);
	R.pmscan_ns = R.pmscan ? median(v_pms, r) : 0;
	if (R.pmscan)
		min_add("sparse_pagemap_scan", v_pms[0]);
	R.sparse_walk_ns = median(v_walk, r);
	min_add("sparse_summary_page_tables_only_walk", v_walk[0]);
	R.sparse_smaps_ns = median(v_smaps, r);
	min_add("sparse_smaps_rollup", v_smaps[0]);
	R.vmpte_sparse_kb = status_kb(pid, "VmPTE");
	note("(c) SCAN %.2f ms, pagemap %.2f ms (+ %.2f ms to find the present bits), PAGEMAP_SCAN %.2f ms",
	     R.scan_ns / 1e6, R.pagemap_ns / 1e6, R.pagemap_parse_ns / 1e6,
	     R.pmscan_ns / 1e6);
	note("(d) sparse: page tables %" PRIu64 " kB (VmPTE %lld kB): walk %.2f ms, stream %.2f ms",
	     (uint64_t)R.sparse_pto.page_tables / 1024, R.vmpte_sparse_kb,
	     R.sparse_walk_ns / 1e6, R.stream_sparse_ns / 1e6);
	kill_targets();
}

/*
 * (c2): SCAN against pagemap where the written pages come in runs, as
 * memory a program allocates does; (c) is the worst case for SCAN, one
 * region per page, every PTE table of the range in use.
 */
static void bench_sparse_runs(void)
{
	double v_scan[64], v_pm[64], v_pms[64];
	uint64_t start, end, pages, regions;
	unsigned int r;
	char b1[32];
	pid_t pid;
	int err;

	note("sparse workload in runs: %s MAP_NORESERVE, %.2g %% of its pages written in runs of %u",
	     fmt_size(cfg.sparse, b1, sizeof(b1)), cfg.sparse_pct, cfg.sparse_run);
	sparse_run = cfg.sparse_run;
	pid = start_target(build_sparse, true);
	sparse_run = 1;
	R.runs = true;
	R.runs_touched = shm->sparse_touched;
	start = shm->sparse;
	end = start + shm->sparse_len;

	time_memlab_scan(pid, start, end, &R.runs_scan_pages, &R.runs_scan_regions);
	time_pagemap(pid, start, end, &R.runs_pagemap_present, NULL);
	if (R.pmscan)
		time_pagemap_scan(pid, start, end, &R.runs_pmscan_pages, &regions, &err);
	note("check: present pages: written %" PRIu64 ", memlab SCAN %" PRIu64
	     " in %" PRIu64 " regions, pagemap %" PRIu64 ", PAGEMAP_SCAN %s%" PRIu64,
	     R.runs_touched, R.runs_scan_pages, R.runs_scan_regions,
	     R.runs_pagemap_present, R.pmscan ? "" : "- ",
	     R.pmscan ? R.runs_pmscan_pages : 0);
	if (R.runs_scan_pages != R.runs_pagemap_present ||
	    (R.pmscan && R.runs_pmscan_pages != R.runs_scan_pages))
		note("check: present pages DIFFER");

	for (r = 0; r < cfg.reps; r++) {
		unsigned int k, m;

		for (k = 0; k < 3; k++) {
			m = r % 2 ? 2 - k : k;
			if (m == 0)
				v_scan[r] = time_memlab_scan(pid, start, end, &pages, &regions);
			else if (m == 1)
				v_pm[r] = time_pagemap(pid, start, end, NULL, NULL);
			else
				v_pms[r] = R.pmscan ? time_pagemap_scan(pid, start, end, &pages,
									&regions, &err) : 0;
		}
	}
	R.runs_scan_ns = median(v_scan, r);
	min_add("runs_scan", v_scan[0]);
	R.runs_pagemap_ns = median(v_pm, r);
	min_add("runs_pagemap", v_pm[0]);
	R.runs_pmscan_ns = R.pmscan ? median(v_pms, r) : 0;
	if (R.pmscan)
		min_add("runs_pagemap_scan", v_pms[0]);
	note("(c2) SCAN %.2f ms, pagemap %.2f ms, PAGEMAP_SCAN %.2f ms",
	     R.runs_scan_ns / 1e6, R.runs_pagemap_ns / 1e6, R.runs_pmscan_ns / 1e6);
	kill_targets();
}

static void lat_command(int cmd)
{
	uint64_t t0 = now_ns();
	uint32_t seq;

	shm->cmd = cmd;
	seq = __atomic_add_fetch(&shm->cmd_seq, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&shm->ack_seq, __ATOMIC_ACQUIRE) != seq) {
		if (now_ns() - t0 > 120 * 1000000000ULL)
			die("the latency target's mmap thread does not answer");
		sleep_ns(100000);
	}
}

enum { READ_NONE, READ_MEMLAB, READ_SMAPS };

/* One window: the mmap thread records while we read the target in a loop. */
static void lat_window(pid_t pid, int how, struct latres *res, unsigned int round)
{
	uint64_t end, t0, walk_sum = 0;
	unsigned int n = 0, b;
	struct memlab_summary s;
	struct latstats st;

	lat_command(LAT_START);
	end = now_ns() + (uint64_t)(cfg.lat_window * 1e9);
	if (how == READ_NONE) {
		sleep_ns(end - now_ns());
	} else {
		do {
			t0 = now_ns();
			if (how == READ_MEMLAB) {
				time_summary(pid, 0, &s);
				if (s.max_lock_hold_ns > res->max_lock_hold_ns)
					res->max_lock_hold_ns = s.max_lock_hold_ns;
				res->lock_drops += s.lock_drops;
			} else {
				time_smaps_rollup(pid, NULL);
			}
			walk_sum += now_ns() - t0;
			n++;
		} while (now_ns() < end || n < 3);
	}
	lat_command(LAT_STOP);
	st = shm->st;

	res->done = true;
	res->round_max[round] = st.max_ns;
	if (st.max_ns > res->max_ns)
		res->max_ns = st.max_ns;
	{
		double v[16];
		unsigned int k;

		for (k = 0; k <= round; k++)
			v[k] = res->round_max[k];
		res->median_round_max_ns = median(v, round + 1);
	}
	res->mean_ns = (res->mean_ns * res->count + st.sum_ns) /
		       (double)(res->count + st.count ? res->count + st.count : 1);
	res->count += st.count;
	res->walk_mean_ns = (res->walk_mean_ns * res->walks + walk_sum) /
			    (double)(res->walks + n ? res->walks + n : 1);
	res->walks += n;
	/* Percentiles over all rounds: keep the merged histogram. */
	{
		static struct latstats merged[3];
		struct latstats *m = &merged[how];

		if (round == 0)
			memset(m, 0, sizeof(*m));
		m->count += st.count;
		m->max_ns = res->max_ns;
		for (b = 0; b < HIST_BUCKETS; b++)
			m->hist[b] += st.hist[b];
		res->p99_ns = hist_percentile(m, 99.0);
		res->p999_ns = hist_percentile(m, 99.9);
		res->p9999_ns = hist_percentile(m, 99.99);
	}
}

/*
 * (e): mmap/munmap latency in a live target while it is read, for one
 * layout: @vmas mappings of cfg.lat_size / @vmas bytes each.
 */
static void bench_latency(struct latcase *lc, unsigned int vmas, const char *tag)
{
	static const char * const names[] = { "idle", "memlab", "smaps_rollup" };
	struct latres *res[] = { &lc->idle, &lc->wmemlab, &lc->wsmaps };
	double v_walk[64], v_smaps[64];
	unsigned int round, r, i;
	cpu_set_t old_set;
	char b1[32], b2[32];
	pid_t pid;

	lat_vmas = vmas;
	note("(%s) latency workload: %s in %u mappings of %s (1/2 written, 1/2 zero page), one thread in an mmap/munmap loop",
	     tag, fmt_size(cfg.lat_size, b1, sizeof(b1)), vmas,
	     fmt_size(round_up(cfg.lat_size / vmas, page_size), b2, sizeof(b2)));
	pid = start_target(build_latency, false);
	R.lat = true;
	lc->done = true;
	lc->len = shm->lat_len;
	lc->vmas = vmas;
	lc->chunk = shm->lat_len / vmas;

	/*
	 * The reader on vCPU 0, the mmap/munmap thread on vCPU 1: neither
	 * waits for the other to be scheduled, only for mmap_lock.
	 */
	if (R.ncpus >= 2) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_getaffinity(0, sizeof(old_set), &old_set);
		sched_setaffinity(0, sizeof(set), &set);
	}

	/* How long one reading takes, with the mmap thread resting. */
	lat_command(LAT_PAUSE);
	for (r = 0; r < 3; r++) {
		struct memlab_summary s;

		time_summary(pid, 0, &s);
		v_walk[r] = s.walk_ns;
		v_smaps[r] = time_smaps_rollup(pid, NULL);
	}
	lc->walk_ns = median(v_walk, r);
	lc->smaps_ns = median(v_smaps, r);
	note("(%s) one memlab walk %.1f ms, one smaps_rollup %.1f ms (no mmap loop)",
	     tag, lc->walk_ns / 1e6, lc->smaps_ns / 1e6);
	if (lc->walk_ns < 100e6 || lc->smaps_ns < 100e6)
		note("(%s) warning: a reading takes under 100 ms; use a larger --lat-size", tag);
	lat_command(LAT_STOP);

	for (round = 0; round < cfg.lat_rounds && round < 16; round++)
		for (i = 0; i < 3; i++) {
			lat_window(pid, (int)i, res[i], round);
			note("(%s) round %u %-13s worst %8.3f ms  (%" PRIu64 " calls so far, %u readings)",
			     tag, round + 1, names[i], res[i]->round_max[round] / 1e6,
			     res[i]->count, res[i]->walks);
		}
	kill_targets();
	if (R.ncpus >= 2)
		sched_setaffinity(0, sizeof(old_set), &old_set);
}

/* ------------------------------------------------------------------ */
/* Report                                                              */
/* ------------------------------------------------------------------ */

/* One line of the table; @target 0 is a line for information only. */
struct row {
	const char *id, *what, *target_text;
	double memlab_ms, ref_ms, ratio, target;
	bool higher_is_better;
};

#define MAX_ROWS	20
static struct row rows[MAX_ROWS];
static unsigned int nrows;

static bool row_met(const struct row *r)
{
	return r->higher_is_better ? r->ratio >= r->target : r->ratio <= r->target;
}

static void build_rows(void)
{
	unsigned int i;

	nrows = 0;
	if (R.mixed) {
		rows[nrows++] = (struct row) {
			"a", "full SUMMARY (Pss, Uss) vs smaps_rollup",
			"<= 0.80x", R.full_ns / 1e6, R.smaps_ns / 1e6,
			R.full_ns / R.smaps_ns, TARGET_FULL, false,
		};
		rows[nrows++] = (struct row) {
			"b", "page-table-only SUMMARY vs smaps_rollup",
			"<= 0.15x", R.pto_ns / 1e6, R.smaps_ns / 1e6,
			R.pto_ns / R.smaps_ns, TARGET_PT_ONLY, false,
		};
		rows[nrows++] = (struct row) {
			"b'", "  SUMMARY without Pss, smaps' numbers, vs smaps",
			"(info)", R.nosh_ns / 1e6, R.smaps_ns / 1e6,
			R.nosh_ns / R.smaps_ns, 0, false,
		};
		if (R.stream_mixed_ns > 0)
			rows[nrows++] = (struct row) {
				"b*", "  best possible: stream of the tables vs smaps",
				"(bound)", R.stream_mixed_ns / 1e6, R.smaps_ns / 1e6,
				R.stream_mixed_ns / R.smaps_ns, 0, false,
			};
	}
	if (R.sparse) {
		rows[nrows++] = (struct row) {
			"c", "SCAN present vs pagemap read (speed-up)",
			">= 20x", R.scan_ns / 1e6, R.pagemap_ns / 1e6,
			R.pagemap_ns / R.scan_ns, TARGET_SCAN, true,
		};
		if (R.stream_sparse_ns > 0)
			rows[nrows++] = (struct row) {
				"c*", "  best possible: pagemap vs stream of the tables",
				"(bound)", R.stream_sparse_ns / 1e6, R.pagemap_ns / 1e6,
				R.pagemap_ns / R.stream_sparse_ns, 0, true,
			};
		if (R.pmscan)
			rows[nrows++] = (struct row) {
				"c'", "SCAN present vs PAGEMAP_SCAN (speed-up)",
				"(none)", R.scan_ns / 1e6, R.pmscan_ns / 1e6,
				R.pmscan_ns / R.scan_ns, 0, true,
			};
	}
	if (R.runs) {
		rows[nrows++] = (struct row) {
			"c2", "the same, pages written in runs (speed-up)",
			">= 20x", R.runs_scan_ns / 1e6, R.runs_pagemap_ns / 1e6,
			R.runs_pagemap_ns / R.runs_scan_ns, TARGET_SCAN, true,
		};
		if (R.pmscan)
			rows[nrows++] = (struct row) {
				"c2'", "  SCAN vs PAGEMAP_SCAN, runs (speed-up)",
				"(none)", R.runs_scan_ns / 1e6, R.runs_pmscan_ns / 1e6,
				R.runs_pmscan_ns / R.runs_scan_ns, 0, true,
			};
	}
	if (R.mixed && R.stream_mixed_ns > 0)
		rows[nrows++] = (struct row) {
			"d", "walk vs stream of its page tables (mixed)",
			"<= 3x", R.pto_walk_ns / 1e6, R.stream_mixed_ns / 1e6,
			R.pto_walk_ns / R.stream_mixed_ns, TARGET_STREAM, false,
		};
	if (R.sparse && R.stream_sparse_ns > 0)
		rows[nrows++] = (struct row) {
			"d'", "walk vs stream of its page tables (sparse)",
			"<= 3x", R.sparse_walk_ns / 1e6, R.stream_sparse_ns / 1e6,
			R.sparse_walk_ns / R.stream_sparse_ns, TARGET_STREAM, false,
		};
	for (i = 0; i < 2; i++) {
		const struct latcase *lc = &R.lc[i];

		if (!lc->done)
			continue;
		rows[nrows++] = (struct row) {
			i ? "e2" : "e", i ? "worst wait (1 PMD per mapping)" :
				"worst mmap+munmap wait, memlab vs smaps_rollup",
			"<= 1x", lc->wmemlab.median_round_max_ns / 1e6,
			lc->wsmaps.median_round_max_ns / 1e6,
			lc->wmemlab.median_round_max_ns /
			(lc->wsmaps.median_round_max_ns ? lc->wsmaps.median_round_max_ns : 1),
			TARGET_WAIT, false,
		};
		rows[nrows++] = (struct row) {
			i ? "e2+" : "e+", "  the same, 99.99th percentile of all calls",
			"(info)", lc->wmemlab.p9999_ns / 1e6, lc->wsmaps.p9999_ns / 1e6,
			(double)lc->wmemlab.p9999_ns / (lc->wsmaps.p9999_ns ? lc->wsmaps.p9999_ns : 1),
			0, false,
		};
		rows[nrows++] = (struct row) {
			i ? "e2'" : "e'", "  the same, worst of all rounds (noisy)",
			"(info)", lc->wmemlab.max_ns / 1e6, lc->wsmaps.max_ns / 1e6,
			(double)lc->wmemlab.max_ns / (lc->wsmaps.max_ns ? lc->wsmaps.max_ns : 1),
			0, false,
		};
	}
}

static const char *verdict(const struct row *r)
{
	if (r->target == 0)
		return "-";
	return row_met(r) ? "met" : "NOT MET";
}

static void print_table(FILE *f, bool markdown)
{
	unsigned int i;

	if (markdown) {
		fprintf(f, "| | measure | memlab ms | reference ms | ratio | target | verdict |\n");
		fprintf(f, "| --- | --- | ---: | ---: | ---: | --- | --- |\n");
	} else {
		fprintf(f, "%-3s %-48s %11s %12s %9s %9s  %s\n", "", "measure",
			"memlab ms", "reference ms", "ratio", "target", "verdict");
	}
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (markdown)
			fprintf(f, "| %s | %s | %.3f | %.3f | %.3fx | %s | %s |\n",
				r->id, r->what, r->memlab_ms, r->ref_ms, r->ratio,
				r->target_text, verdict(r));
		else
			fprintf(f, "%-3s %-48s %11.3f %12.3f %8.3fx %9s  %s\n",
				r->id, r->what, r->memlab_ms, r->ref_ms, r->ratio,
				r->target_text, verdict(r));
	}
}

static void json_escape(FILE *f, const char *v)
{
	const char *p;

	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		if ((unsigned char)*p >= 0x20)
			fputc(*p, f);
	}
}

static void json_str(FILE *f, const char *key, const char *v, bool comma)
{
	fprintf(f, "  \"%s\": \"", key);
	json_escape(f, v);
	fprintf(f, "\"%s\n", comma ? "," : "");
}

static void json_summary(FILE *f, const char *key, const struct memlab_summary *s)
{
	fprintf(f, "    \"%s\": {\"rss\": %llu, \"rss_anon\": %llu, \"rss_file\": %llu, "
		"\"rss_shmem\": %llu, \"pss\": %llu, \"uss\": %llu, \"swap\": %llu, "
		"\"anon_huge\": %llu, \"page_tables\": %llu, \"vmas\": %llu, "
		"\"ptes_visited\": %llu, \"walk_ns\": %llu, \"lock_drops\": %llu, "
		"\"max_lock_hold_ns\": %llu}", key,
		(unsigned long long)s->rss, (unsigned long long)s->rss_anon,
		(unsigned long long)s->rss_file, (unsigned long long)s->rss_shmem,
		(unsigned long long)s->pss,
		(unsigned long long)s->uss, (unsigned long long)(s->swap + s->shmem_swap),
		(unsigned long long)s->anon_huge, (unsigned long long)s->page_tables,
		(unsigned long long)s->vmas, (unsigned long long)s->ptes_visited,
		(unsigned long long)s->walk_ns, (unsigned long long)s->lock_drops,
		(unsigned long long)s->max_lock_hold_ns);
}

static void json_lat(FILE *f, const char *key, const struct latres *l, bool comma)
{
	unsigned int i;

	fprintf(f, "    \"%s\": {\"calls\": %" PRIu64 ", \"max_ns\": %" PRIu64
		", \"p99_ns\": %" PRIu64 ", \"p999_ns\": %" PRIu64 ", \"p9999_ns\": %" PRIu64
		", \"mean_ns\": %.0f, "
		"\"median_round_max_ns\": %.0f, "
		"\"readings\": %u, \"reading_mean_ns\": %.0f, \"max_lock_hold_ns\": %" PRIu64
		", \"lock_drops\": %" PRIu64 ", \"round_max_ns\": [",
		key, l->count, l->max_ns, l->p99_ns, l->p999_ns, l->p9999_ns, l->mean_ns,
		l->median_round_max_ns, l->walks,
		l->walk_mean_ns, l->max_lock_hold_ns, l->lock_drops);
	for (i = 0; i < cfg.lat_rounds && i < 16; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", l->round_max[i]);
	fprintf(f, "]}%s\n", comma ? "," : "");
}

/* JSON members without a trailing comma: a separator before all but the first. */
static void jsep(FILE *f, bool *first)
{
	fprintf(f, *first ? "\n" : ",\n");
	*first = false;
}

static void jnum(FILE *f, bool *first, const char *key, double v)
{
	jsep(f, first);
	fprintf(f, "    \"%s\": %.0f", key, v);
}

static void write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	bool first = true;
	unsigned int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "{\n");
	json_str(f, "kernel", R.kver, true);
	json_str(f, "arch", R.machine, true);
	json_str(f, "cpu", R.cpu, true);
	json_str(f, "host_cpu", R.host_cpu, true);
	json_str(f, "accel", R.accel, true);
	json_str(f, "memlab_commit", cfg.commit ? cfg.commit : "", true);
	json_str(f, "thp", R.thp, true);
	json_str(f, "date", R.started, true);
	fprintf(f, "  \"vcpus\": %u,\n  \"mem_total_kb\": %lld,\n  \"swap_total_kb\": %lld,\n"
		"  \"pgtable_levels\": %u,\n  \"repetitions\": %u,\n",
		R.ncpus, R.memtotal_kb, R.swaptotal_kb, R.pgtable_levels, cfg.reps);
	fprintf(f, "  \"sizes\": {\"mixed\": %" PRIu64 ", \"sparse\": %" PRIu64
		", \"sparse_touched_pages\": %" PRIu64 ", \"latency_mapped\": %" PRIu64
		", \"latency_vmas\": [%u, %u], \"latency_window_s\": %.1f, \"latency_rounds\": %u},\n",
		R.mixed ? cfg.size : 0, R.sparse ? cfg.sparse : 0, R.sparse_touched,
		R.lat ? cfg.lat_size : 0, R.lc[0].vmas, R.lc[1].vmas, cfg.lat_window,
		cfg.lat_rounds);
	fprintf(f, "  \"ratios\": [\n");
	for (i = 0; i < nrows; i++)
		fprintf(f, "    {\"id\": \"%s\", \"measure\": \"%s\", \"memlab_ms\": %.6f, "
			"\"reference_ms\": %.6f, \"ratio\": %.6f, \"target\": \"%s\", "
			"\"verdict\": \"%s\"}%s\n", rows[i].id, rows[i].what,
			rows[i].memlab_ms, rows[i].ref_ms, rows[i].ratio,
			rows[i].target_text, verdict(&rows[i]), i + 1 < nrows ? "," : "");
	fprintf(f, "  ],\n  \"medians_ns\": {");
	if (R.mixed) {
		jnum(f, &first, "mixed_smaps_rollup", R.smaps_ns);
		jnum(f, &first, "mixed_summary", R.full_ns);
		jnum(f, &first, "mixed_summary_walk", R.full_walk_ns);
		jnum(f, &first, "mixed_summary_no_sharing", R.nosh_ns);
		jnum(f, &first, "mixed_summary_no_sharing_walk", R.nosh_walk_ns);
		jnum(f, &first, "mixed_summary_page_tables_only", R.pto_ns);
		jnum(f, &first, "mixed_summary_page_tables_only_walk", R.pto_walk_ns);
		jnum(f, &first, "mixed_stream", R.stream_mixed_ns);
	}
	if (R.sparse) {
		jnum(f, &first, "sparse_scan", R.scan_ns);
		jnum(f, &first, "sparse_pagemap", R.pagemap_ns);
		jnum(f, &first, "sparse_pagemap_parse", R.pagemap_parse_ns);
		jnum(f, &first, "sparse_pagemap_scan", R.pmscan_ns);
		jnum(f, &first, "sparse_summary_page_tables_only_walk", R.sparse_walk_ns);
		jnum(f, &first, "sparse_smaps_rollup", R.sparse_smaps_ns);
		jnum(f, &first, "sparse_stream", R.stream_sparse_ns);
	}
	if (R.runs) {
		jnum(f, &first, "runs_scan", R.runs_scan_ns);
		jnum(f, &first, "runs_pagemap", R.runs_pagemap_ns);
		jnum(f, &first, "runs_pagemap_scan", R.runs_pmscan_ns);
	}
	for (i = 0; i < 2; i++)
		if (R.lc[i].done) {
			jnum(f, &first, i ? "latency2_memlab_walk" : "latency_memlab_walk",
			     R.lc[i].walk_ns);
			jnum(f, &first, i ? "latency2_smaps_rollup" : "latency_smaps_rollup",
			     R.lc[i].smaps_ns);
		}
	fprintf(f, "\n  },\n  \"minima_ns\": {");
	first = true;
	for (i = 0; i < nminima; i++)
		jnum(f, &first, minima[i].key, minima[i].ns);
	fprintf(f, "\n  },\n  \"details\": {");
	first = true;
	if (R.mixed) {
		jsep(f, &first);
		json_summary(f, "mixed_summary", &R.full);
		jsep(f, &first);
		json_summary(f, "mixed_summary_no_sharing", &R.nosh);
		jsep(f, &first);
		json_summary(f, "mixed_summary_page_tables_only", &R.pto);
		jsep(f, &first);
		fprintf(f, "    \"mixed_smaps_rollup_kb\": {\"rss\": %lld, \"pss\": %lld, \"swap\": %lld, "
			"\"anon_huge\": %lld},\n    \"mixed_vmpte_kb\": %lld,\n"
			"    \"mixed_file_is_shmem\": %s",
			R.roll.rss_kb, R.roll.pss_kb, R.roll.swap_kb, R.roll.anon_huge_kb,
			R.vmpte_mixed_kb, R.file_is_shmem ? "true" : "false");
	}
	if (R.sparse) {
		jsep(f, &first);
		json_summary(f, "sparse_summary_page_tables_only", &R.sparse_pto);
		jsep(f, &first);
		fprintf(f, "    \"sparse_present\": {\"written\": %" PRIu64 ", \"scan_pages\": %"
			PRIu64 ", \"scan_regions\": %" PRIu64 ", \"pagemap\": %" PRIu64
			", \"pagemap_scan_pages\": %" PRIu64 ", \"pagemap_scan_regions\": %"
			PRIu64 "},\n    \"sparse_vmpte_kb\": %lld",
			R.sparse_touched, R.scan_pages, R.scan_regions, R.pagemap_present,
			R.pmscan_pages, R.pmscan_regions, R.vmpte_sparse_kb);
		if (!R.pmscan) {
			jsep(f, &first);
			fprintf(f, "    \"pagemap_scan_note\": \"");
			json_escape(f, R.pmscan_note);
			fprintf(f, "\"");
		}
	}
	if (R.runs) {
		jsep(f, &first);
		fprintf(f, "    \"runs_present\": {\"run_pages\": %u, \"written\": %" PRIu64
			", \"scan_pages\": %" PRIu64 ", \"scan_regions\": %" PRIu64
			", \"pagemap\": %" PRIu64 ", \"pagemap_scan_pages\": %" PRIu64 "}",
			cfg.sparse_run, R.runs_touched, R.runs_scan_pages, R.runs_scan_regions,
			R.runs_pagemap_present, R.runs_pmscan_pages);
	}
	for (i = 0; i < 2; i++) {
		const struct latcase *lc = &R.lc[i];

		if (!lc->done)
			continue;
		jsep(f, &first);
		fprintf(f, "    \"latency%s\": {\"mappings\": %u, \"mapping_size\": %" PRIu64 ",\n",
			i ? "2" : "", lc->vmas, lc->chunk);
		json_lat(f, "idle", &lc->idle, true);
		json_lat(f, "memlab", &lc->wmemlab, true);
		json_lat(f, "smaps_rollup", &lc->wsmaps, false);
		fprintf(f, "    }");
	}
	fprintf(f, "\n  }\n}\n");
	fclose(f);
}

static double min_of(const char *key)
{
	unsigned int i;

	for (i = 0; i < nminima; i++)
		if (!strcmp(minima[i].key, key))
			return minima[i].ns;
	return 0;
}

/*
 * The same ratios from the fastest repetition of each: noise only ever
 * adds time, so these show what each reader costs on a quiet machine.
 */
static void md_minima(FILE *f)
{
	static const struct {
		const char *id, *num, *den;
	} r[] = {
		{ "a", "mixed_summary", "mixed_smaps_rollup" },
		{ "b", "mixed_summary_page_tables_only", "mixed_smaps_rollup" },
		{ "b'", "mixed_summary_no_sharing", "mixed_smaps_rollup" },
		{ "c", "sparse_pagemap", "sparse_scan" },
		{ "c'", "sparse_pagemap_scan", "sparse_scan" },
		{ "c2", "runs_pagemap", "runs_scan" },
		{ "d", "mixed_summary_page_tables_only_walk", "stream_mixed" },
		{ "d'", "sparse_summary_page_tables_only_walk", "sparse_stream" },
	};
	bool header = false;
	unsigned int i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		double num = min_of(r[i].num), den = min_of(r[i].den);

		if (num <= 0 || den <= 0)
			continue;
		if (!header) {
			fprintf(f, "\nThe same ratios from the fastest of the repetitions (noise only adds time):\n\n");
			fprintf(f, "| | ratio of minima |\n| --- | ---: |\n");
			header = true;
		}
		fprintf(f, "| %s | %.3fx |\n", r[i].id, num / den);
	}
}

static void md_lat(FILE *f, const char *what, const struct latres *l)
{
	fprintf(f, "| %s | %" PRIu64 " | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", what,
		l->count, l->mean_ns / 1e6, l->p99_ns / 1e6, l->p999_ns / 1e6,
		l->p9999_ns / 1e6,
		l->median_round_max_ns / 1e6, l->max_ns / 1e6);
}

static void write_md(const char *path)
{
	FILE *f = fopen(path, "w");
	char b1[32], b2[32], b3[32];
	unsigned int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "# memlab-bench on %s\n\n", R.kver);
	fprintf(f, "- date: %s\n- kernel: %s (%s, %u-level paging)\n- guest CPU: %s, %u vCPUs, %lld MiB\n",
		R.started, R.kver, R.machine, R.pgtable_levels, R.cpu, R.ncpus,
		R.memtotal_kb / 1024);
	if (R.host_cpu[0])
		fprintf(f, "- host: %s\n", R.host_cpu);
	if (cfg.commit)
		fprintf(f, "- memlab: %s\n", cfg.commit);
	fprintf(f, "- accel: %s\n- THP: %s\n- repetitions: %u (medians)\n", R.accel, R.thp, cfg.reps);
	if (R.mixed)
		fprintf(f, "- mixed workload: %s%s\n", fmt_size(cfg.size, b1, sizeof(b1)),
			R.file_is_shmem ? " (file part on tmpfs)" : "");
	if (R.sparse)
		fprintf(f, "- sparse workload: %s, %" PRIu64 " pages written, one in %.0f\n",
			fmt_size(cfg.sparse, b2, sizeof(b2)), R.sparse_touched,
			100.0 / cfg.sparse_pct);
	if (R.runs)
		fprintf(f, "- sparse workload in runs (c2): %s, %" PRIu64
			" pages written in runs of %u\n",
			fmt_size(cfg.sparse, b2, sizeof(b2)), R.runs_touched, cfg.sparse_run);
	for (i = 0; i < 2; i++)
		if (R.lc[i].done)
			fprintf(f, "- latency workload%s: %s in %u mappings of %s, %u rounds of %.0f s\n",
				i ? " (e2)" : " (e)", fmt_size(R.lc[i].len, b3, sizeof(b3)),
				R.lc[i].vmas, fmt_size(R.lc[i].chunk, b2, sizeof(b2)),
				cfg.lat_rounds, cfg.lat_window);
	fprintf(f, "\n");
	print_table(f, true);
	md_minima(f);
	fprintf(f, "\n## Raw medians\n\n| measurement | ms |\n| --- | ---: |\n");
	if (R.mixed) {
		fprintf(f, "| mixed: smaps_rollup read | %.3f |\n", R.smaps_ns / 1e6);
		fprintf(f, "| mixed: SUMMARY ioctl (walk) | %.3f (%.3f) |\n", R.full_ns / 1e6, R.full_walk_ns / 1e6);
		fprintf(f, "| mixed: SUMMARY NO_SHARING ioctl (walk) | %.3f (%.3f) |\n", R.nosh_ns / 1e6, R.nosh_walk_ns / 1e6);
		fprintf(f, "| mixed: SUMMARY PAGE_TABLES_ONLY ioctl (walk) | %.3f (%.3f) |\n", R.pto_ns / 1e6, R.pto_walk_ns / 1e6);
		fprintf(f, "| mixed: stream of %llu kB (memlab page_tables; VmPTE %lld kB) | %.3f |\n",
			(unsigned long long)R.pto.page_tables / 1024, R.vmpte_mixed_kb, R.stream_mixed_ns / 1e6);
	}
	if (R.sparse) {
		fprintf(f, "| sparse: memlab SCAN | %.3f |\n", R.scan_ns / 1e6);
		fprintf(f, "| sparse: pagemap read (+ finding present bits) | %.3f (+ %.3f) |\n",
			R.pagemap_ns / 1e6, R.pagemap_parse_ns / 1e6);
		if (R.pmscan)
			fprintf(f, "| sparse: PAGEMAP_SCAN | %.3f |\n", R.pmscan_ns / 1e6);
		else
			fprintf(f, "| sparse: PAGEMAP_SCAN | %s |\n", R.pmscan_note);
		fprintf(f, "| sparse: SUMMARY PAGE_TABLES_ONLY walk | %.3f |\n", R.sparse_walk_ns / 1e6);
		fprintf(f, "| sparse: smaps_rollup read | %.3f |\n", R.sparse_smaps_ns / 1e6);
		fprintf(f, "| sparse: stream of %llu kB (VmPTE %lld kB) | %.3f |\n",
			(unsigned long long)R.sparse_pto.page_tables / 1024, R.vmpte_sparse_kb,
			R.stream_sparse_ns / 1e6);
	}
	if (R.runs) {
		fprintf(f, "| sparse in runs: memlab SCAN (%" PRIu64 " regions) | %.3f |\n",
			R.runs_scan_regions, R.runs_scan_ns / 1e6);
		fprintf(f, "| sparse in runs: pagemap read | %.3f |\n", R.runs_pagemap_ns / 1e6);
		if (R.pmscan)
			fprintf(f, "| sparse in runs: PAGEMAP_SCAN | %.3f |\n",
				R.runs_pmscan_ns / 1e6);
	}
	for (i = 0; i < 2; i++) {
		const struct latcase *lc = &R.lc[i];

		if (!lc->done)
			continue;
		fprintf(f, "| latency (%s, %u mappings): one memlab SUMMARY walk | %.3f |\n",
			i ? "e2" : "e", lc->vmas, lc->walk_ns / 1e6);
		fprintf(f, "| latency (%s, %u mappings): one smaps_rollup read | %.3f |\n",
			i ? "e2" : "e", lc->vmas, lc->smaps_ns / 1e6);
	}
	for (i = 0; i < 2; i++) {
		const struct latcase *lc = &R.lc[i];

		if (!lc->done)
			continue;
		fprintf(f, "\n### (%s) %u mappings of %s\n", i ? "e2" : "e", lc->vmas,
			fmt_size(lc->chunk, b2, sizeof(b2)));
		fprintf(f, "\n| mmap+munmap while | calls | mean ms | p99 ms | p99.9 ms | p99.99 ms | median of rounds' worst ms | worst ms |\n");
		fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		md_lat(f, "idle", &lc->idle);
		md_lat(f, "memlab walks", &lc->wmemlab);
		md_lat(f, "smaps_rollup is read", &lc->wsmaps);
		fprintf(f, "\nmemlab held mmap_lock at most %.3f ms at once and let writers in %" PRIu64 " times.\n",
			lc->wmemlab.max_lock_hold_ns / 1e6, lc->wmemlab.lock_drops);
	}
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* The scaling sweep                                                   */
/* ------------------------------------------------------------------ */

struct sweep_point {
	const char *series;
	uint64_t mapped, touched, page_tables, ptes;
	long long vmpte_kb;
	double walk_ns, nosh_ns, full_ns, smaps_ns;
};

static void run_sweep(void)
{
	static const char * const series[] = { "dense", "sparse", "fixed64" };
	struct sweep_point pts[96];
	unsigned int npts = 0, si, r, i;
	char path[512], b1[32];
	FILE *f;

	printf("%-8s %10s %10s %12s %12s %12s %12s %12s\n", "series", "mapped",
	       "touched", "pt pages", "walk ms", "nosh ms", "full ms", "smaps ms");
	for (si = 0; si < 3; si++) {
		uint64_t max = si == 2 ? cfg.fixed_max : cfg.sweep_max, size;

		for (size = cfg.sweep_min; size <= max && npts < 96; size *= 2) {
			double v_walk[64], v_nosh[64], v_full[64], v_smaps[64];
			struct sweep_point *p = &pts[npts];
			struct memlab_summary s;
			pid_t pid;

			if (si == 0 && size > cfg.dense_max)
				break;
			if (si == 2 && size > cfg.fixed_max)
				break;
			sweep_series = series[si];
			sweep_size = size;
			pid = start_target(build_sweep, true);
			/* The walk: page tables only, as in (d). */
			time_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &s);
			for (r = 0; r < cfg.reps; r++) {
				time_summary(pid, MEMLAB_SUMMARY_PAGE_TABLES_ONLY, &s);
				v_walk[r] = s.walk_ns;
				v_nosh[r] = time_summary(pid, MEMLAB_SUMMARY_NO_SHARING, NULL);
				v_full[r] = time_summary(pid, 0, NULL);
				v_smaps[r] = time_smaps_rollup(pid, NULL);
			}
			*p = (struct sweep_point) {
				.series = series[si], .mapped = size,
				.touched = shm->sparse_touched,
				.page_tables = s.page_tables / page_size,
				.ptes = s.ptes_visited,
				.vmpte_kb = status_kb(pid, "VmPTE"),
				.walk_ns = median(v_walk, r),
				.nosh_ns = median(v_nosh, r),
				.full_ns = median(v_full, r),
				.smaps_ns = median(v_smaps, r),
			};
			kill_targets();
			printf("%-8s %10s %10" PRIu64 " %12" PRIu64 " %12.3f %12.3f %12.3f %12.3f\n",
			       p->series, fmt_size(size, b1, sizeof(b1)), p->touched,
			       p->page_tables, p->walk_ns / 1e6, p->nosh_ns / 1e6,
			       p->full_ns / 1e6, p->smaps_ns / 1e6);
			fflush(stdout);
			npts++;
		}
	}
	if (!cfg.results)
		return;
	snprintf(path, sizeof(path), "%s/%s-scaling.json", cfg.results, R.kver);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "{\n");
	json_str(f, "kernel", R.kver, true);
	json_str(f, "cpu", R.cpu, true);
	json_str(f, "host_cpu", R.host_cpu, true);
	json_str(f, "accel", R.accel, true);
	json_str(f, "memlab_commit", cfg.commit ? cfg.commit : "", true);
	json_str(f, "date", R.started, true);
	fprintf(f, "  \"repetitions\": %u,\n  \"page_size\": %zu,\n  \"points\": [\n",
		cfg.reps, page_size);
	for (i = 0; i < npts; i++)
		fprintf(f, "    {\"series\": \"%s\", \"mapped\": %" PRIu64 ", \"touched_pages\": %"
			PRIu64 ", \"page_table_pages\": %" PRIu64 ", \"vmpte_kb\": %lld, "
			"\"ptes_visited\": %" PRIu64 ", \"walk_ns\": %.0f, \"summary_no_sharing_ns\": %.0f, "
			"\"summary_ns\": %.0f, \"smaps_rollup_ns\": %.0f}%s\n",
			pts[i].series, pts[i].mapped, pts[i].touched, pts[i].page_tables,
			pts[i].vmpte_kb, pts[i].ptes, pts[i].walk_ns, pts[i].nosh_ns,
			pts[i].full_ns, pts[i].smaps_ns, i + 1 < npts ? "," : "");
	fprintf(f, "  ]\n}\n");
	fclose(f);
	note("wrote %s", path);
}

/* ------------------------------------------------------------------ */

/* "e" in --phases, not as part of "e2". */
static bool has_phase_e(const char *p)
{
	for (; (p = strchr(p, 'e')); p++)
		if (p[1] != '2')
			return true;
	return false;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: memlab-bench [options]\n"
"\n"
"Measure memlab against smaps_rollup, pagemap, PAGEMAP_SCAN and the memory\n"
"bandwidth limit, on workloads it builds. Run as root, with memlab loaded\n"
"(in the VM: tools/vm/memlab-vm -m 4G -- .output/bench/memlab-bench).\n"
"\n"
"  --size SIZE        mixed workload (default 1G); the latency target maps\n"
"                     4 x SIZE unless --lat-size\n"
"  --sparse SIZE      sparse reservation (default 64G)\n"
"  --sparse-pct P     percent of its pages written (default 1)\n"
"  --sparse-run N     (c2) writes them in runs of N pages (default 16)\n"
"  --lat-size SIZE    latency target's mapped size (default 4 x --size)\n"
"  --lat-vmas N       its mappings (default 1024)\n"
"  --lat-window S     seconds per latency window (default 4)\n"
"  --lat-rounds N     rounds of idle/memlab/smaps_rollup windows (default 7);\n"
"                     the verdict compares the median of the rounds' worst\n"
"  --reps N           repetitions, the median is kept (default 15)\n"
"  --file PATH        file for the file-backed part (at least SIZE/4 bytes);\n"
"                     default: a tmpfs file\n"
"  --phases LIST      which of a,b,c,d,e,e2 to run (default abcde,e2; a, b\n"
"                     and d share one workload; e2 is e with the memory in\n"
"                     twice as many mappings, of one PMD each)\n"
"  --quick            --size 256M --sparse 8G --reps 7 --lat-window 3\n"
"                     --lat-rounds 3 --lat-vmas 256, sweep to 2G (dense\n"
"                     512M); other options still apply on top\n"
"  --results DIR      write DIR/KVER.json and DIR/KVER.md\n"
"  --accel NAME       record the accelerator (default: from CPUID)\n"
"  --host-cpu TEXT    record the host's CPU\n"
"  --commit TEXT      record the memlab commit measured\n"
"  --sweep            the scaling sweep instead (DIR/KVER-scaling.json)\n"
"  --sweep-max SIZE   largest mapped size of the sweep (default 16G)\n"
"  --dense-max SIZE   largest dense workload (default 2G)\n"
"  --fixed-max SIZE   largest range of the 64-page series (default 1T)\n"
"  -h, --help\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "sparse", required_argument, NULL, 'S' },
		{ "sparse-pct", required_argument, NULL, 'p' },
		{ "sparse-run", required_argument, NULL, 'u' },
		{ "lat-size", required_argument, NULL, 'L' },
		{ "lat-vmas", required_argument, NULL, 'V' },
		{ "lat-window", required_argument, NULL, 'W' },
		{ "lat-rounds", required_argument, NULL, 'R' },
		{ "reps", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'f' },
		{ "phases", required_argument, NULL, 'P' },
		{ "quick", no_argument, NULL, 'q' },
		{ "results", required_argument, NULL, 'o' },
		{ "accel", required_argument, NULL, 'a' },
		{ "host-cpu", required_argument, NULL, 'c' },
		{ "commit", required_argument, NULL, 'C' },
		{ "sweep", no_argument, NULL, 'w' },
		{ "sweep-max", required_argument, NULL, 'm' },
		{ "dense-max", required_argument, NULL, 'd' },
		{ "fixed-max", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char path[512];
	int c, i;

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	/* --quick first, so that options after it (or before) still win. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--quick")) {
			cfg.quick = true;
			cfg.size = 256 * MiB;
			cfg.sparse = 8 * GiB;
			cfg.reps = 7;
			cfg.lat_window = 3;
			cfg.lat_rounds = 3;
			cfg.lat_vmas = 256;
			cfg.sweep_max = 2 * GiB;
			cfg.dense_max = 512 * MiB;
			cfg.fixed_max = 64 * GiB;
		}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': cfg.size = parse_size(optarg); break;
		case 'S': cfg.sparse = parse_size(optarg); break;
		case 'p': cfg.sparse_pct = strtod(optarg, NULL); break;
		case 'u': cfg.sparse_run = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'L': cfg.lat_size = parse_size(optarg); break;
		case 'V': cfg.lat_vmas = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'W': cfg.lat_window = strtod(optarg, NULL); break;
		case 'R': cfg.lat_rounds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'r': cfg.reps = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'f': cfg.file = optarg; break;
		case 'P': cfg.phases = optarg; break;
		case 'q': break;
		case 'o': cfg.results = optarg; break;
		case 'a': cfg.accel = optarg; break;
		case 'c': cfg.host_cpu = optarg; break;
		case 'C': cfg.commit = optarg; break;
		case 'w': cfg.sweep = true; break;
		case 'm': cfg.sweep_max = parse_size(optarg); break;
		case 'd': cfg.dense_max = parse_size(optarg); break;
		case 'x': cfg.fixed_max = parse_size(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!cfg.lat_size)
		cfg.lat_size = 4 * cfg.size;
	if (cfg.reps < 1 || cfg.reps > 64)
		die("--reps takes 1 to 64");
	if (cfg.lat_rounds < 1 || cfg.lat_rounds > 16)
		die("--lat-rounds takes 1 to 16");
	if (!cfg.lat_vmas || cfg.sparse_pct <= 0 || cfg.sparse_pct > 100)
		die("bad --lat-vmas or --sparse-pct");
	if (!cfg.sparse_run)
		die("--sparse-run takes a number of pages");
	if (cfg.size < 16 * MiB)
		die("--size must be at least 16M");

	memlab_fd = open(MEMLAB_DEVICE, O_RDONLY);
	if (memlab_fd < 0)
		die("%s: %s (is memlab loaded? run this in tools/vm/memlab-vm)",
		    MEMLAB_DEVICE, strerror(errno));
	shm = mmap(NULL, round_up(sizeof(*shm), page_size), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	scan_vec = malloc(SCAN_VEC_LEN * sizeof(struct memlab_scan_region));
	pagemap_buf = malloc(PAGEMAP_CHUNK * 8);
	if (!scan_vec || !pagemap_buf)
		die("out of memory");
	memset(scan_vec, 0, SCAN_VEC_LEN * sizeof(struct memlab_scan_region));
	memset(pagemap_buf, 0, PAGEMAP_CHUNK * 8);
	/* Orphaned grandchildren (the COW child) come back to us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);

	machine_info();
	note("memlab-bench: kernel %s, %s, %u vCPUs, %lld MiB, accel %s, THP %s",
	     R.kver, R.cpu, R.ncpus, R.memtotal_kb / 1024, R.accel, R.thp);

	if (cfg.sweep) {
		run_sweep();
		return 0;
	}
	if (strpbrk(cfg.phases, "abd"))
		bench_mixed();
	if (strpbrk(cfg.phases, "cd"))
		bench_sparse();
	if (strchr(cfg.phases, 'c'))
		bench_sparse_runs();
	if (has_phase_e(cfg.phases))
		bench_latency(&R.lc[0], cfg.lat_vmas, "e");
	/* The same memory in mappings of one PMD each (2 MiB by default). */
	if (strstr(cfg.phases, "e2"))
		bench_latency(&R.lc[1], 2 * cfg.lat_vmas, "e2");

	build_rows();
	printf("\nmemlab-bench: %s, %s, accel %s\n", R.kver, R.cpu, R.accel);
	print_table(stdout, false);
	md_minima(stdout);
	if (R.sparse && !R.pmscan)
		printf("c'  %s: skipped\n", R.pmscan_note);
	for (c = 0; c < 2; c++)
		if (R.lc[c].done)
			printf("%-3s noise floor: with no reader at all, the median of the rounds' worst is %.3f ms (worst %.3f ms)\n",
			       c ? "e2" : "e", R.lc[c].idle.median_round_max_ns / 1e6,
			       R.lc[c].idle.max_ns / 1e6);
	if (cfg.results) {
		snprintf(path, sizeof(path), "%s/%s.json", cfg.results, R.kver);
		write_json(path);
		snprintf(path, sizeof(path), "%s/%s.md", cfg.results, R.kver);
		write_md(path);
		note("wrote %s/%s.json and .md", cfg.results, R.kver);
	}
	return 0;
}
