// SPDX-License-Identifier: GPL-2.0
/*
 * memlab(1): see how the kernel manages a process's memory, from its page
 * tables, through the memlab module's /dev/memlab.
 *
 *   memlab [--json] [--bytes] COMMAND [ARGS]     (memlab help for the list)
 *
 * Every number comes from an ioctl on /dev/memlab (include/uapi/linux/
 * memlab.h); /proc/memlab's text is never parsed. The names of processes
 * and mappings come from the kernel's /proc/PID/comm and /proc/PID/maps.
 *
 * Exit status: 0 success, 1 the operation failed, 2 a usage error. Errors
 * are one line on stderr; with --json, also a {"error": ...} document on
 * stdout, so that stdout always holds exactly one JSON document.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli.h"
#include "map.h"

#define EXIT_FAILED	1
#define EXIT_USAGE	2

#define CAP_SYS_PTRACE	19
#define CAP_SYS_ADMIN	21

struct command;

static struct {
	bool json;
	bool bytes;
	const struct command *cmd;	/* for messages: "memlab scan: ..." */
} opt;

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;		/* after "memlab NAME " */
	const char *summary;		/* one line, for "memlab help" */
	const char *help;		/* the rest of "memlab NAME --help" */
};

/* --- messages ------------------------------------------------------------- */

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return NULL;
	}
}

/*
 * Say what went wrong in one line and exit with @status. @err is the errno
 * behind it, or 0.
 */
static void __attribute__((noreturn, format(printf, 3, 4)))
die(int status, int err, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "memlab: %s\n", msg ? msg : fmt);
	if (opt.json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_str(&j, "error", msg ? msg : fmt);
		if (err && errno_name(err))
			json_str(&j, "errno", errno_name(err));
		else
			json_null(&j, "errno");
		json_u64(&j, "exit_status", status);
		json_end_object(&j);
		json_finish(&j);
		fflush(stdout);
	}
	free(msg);
	exit(status);
}

static const char *cmd_name(void)
{
	return opt.cmd ? opt.cmd->name : "memlab";
}

#define usage_error(fmt, ...) \
	die(EXIT_USAGE, 0, "%s: " fmt " (see: memlab %s --help)", cmd_name(), \
	    ##__VA_ARGS__, opt.cmd ? opt.cmd->name : "")

static void __attribute__((noreturn)) out_of_memory(void)
{
	die(EXIT_FAILED, ENOMEM, "out of memory");
}

static void module_not_loaded(const struct memlab_dev *d)
{
	if (strcmp(d->path, MEMLAB_DEVICE))
		die(EXIT_FAILED, ENOENT, "the memlab module is not loaded: there is no %s "
		    "(from %s) (load it: insmod memlab.ko, or try it safely in a VM: make vm)",
		    d->path, MEMLAB_DEVICE_ENV);
	die(EXIT_FAILED, ENOENT, "the memlab module is not loaded (load it: insmod "
	    "memlab.ko, or try it safely in a VM: make vm)");
}

/* /dev/memlab, opened and asked its VERSION, or a message and exit 1. */
static void open_device(struct memlab_dev *d)
{
	const char *step;
	int err = dev_open(d, &step);

	if (!err)
		return;
	err = -err;
	if (!strcmp(step, "open")) {
		switch (err) {
		case ENOENT:
		case ENODEV:
		case ENXIO:
			module_not_loaded(d);
			break;
		case EACCES:
		case EPERM:
			die(EXIT_FAILED, err, "permission denied opening %s: it should be "
			    "mode 0666 (ls -l %s)", d->path, d->path);
		default:
			die(EXIT_FAILED, err, "cannot open %s: %s", d->path, strerror(err));
		}
	}
	if (err == ENOTTY || err == EINVAL)
		die(EXIT_FAILED, err, "%s is not a memlab device (its VERSION ioctl "
		    "failed: %s)", d->path, strerror(err));
	die(EXIT_FAILED, err, "the VERSION ioctl on %s failed: %s", d->path, strerror(err));
}

static void module_version(const struct memlab_dev *d, char *buf, size_t len)
{
	unsigned int v = d->ver.module_version;

	snprintf(buf, len, "%u.%u.%u, ABI %u", v >> 16, (v >> 8) & 0xff, v & 0xff,
		 d->ver.abi_version);
}

/* The module must have @feature for @what, or this says it has not. */
static void need_feature(const struct memlab_dev *d, u64 feature, const char *what)
{
	char ver[64];

	if (d->ver.features & feature)
		return;
	module_version(d, ver, sizeof(ver));
	die(EXIT_FAILED, EOPNOTSUPP, "the loaded memlab module (%s) cannot %s: "
	    "it is older than this memlab (ABI %d); load a newer one", ver, what,
	    MEMLAB_ABI_VERSION);
}

/*
 * An ioctl about @pid failed with @err: say why in words. @addr is the
 * address of a vtop, for ENOMEM and EINVAL.
 */
static void __attribute__((noreturn))
ioctl_failed(const struct memlab_dev *d, const char *ioc, int err, int pid,
	     const u64 *addr)
{
	char ver[64];

	switch (err) {
	case ESRCH:
		if (proc_exists(pid))
			die(EXIT_FAILED, err, "process %d has no memory left to look at "
			    "(it is a zombie, or exiting)", pid);
		die(EXIT_FAILED, err, "no such process: %d", pid);
	case EPERM:
	case EACCES:
		die(EXIT_FAILED, err, "permission denied: reading another process "
		    "(pid %d) needs CAP_SYS_PTRACE; run memlab as root, or look at a "
		    "process of your own with 'self'", pid);
	case EINVAL:
		if (proc_is_kthread(pid))
			die(EXIT_FAILED, err, "pid %d is a kernel thread: it has no user "
			    "address space", pid);
		if (addr)
			die(EXIT_USAGE, err, "0x%llx is outside the user address space",
			    *addr);
		break;
	case ENOMEM:
		if (addr)
			die(EXIT_FAILED, err, "0x%llx is not mapped in process %d "
			    "(memlab maps %d lists what is)", *addr, pid, pid);
		out_of_memory();
	case EINTR:
		die(EXIT_FAILED, err, "interrupted");
	case ENOTTY:
	case E2BIG:
		break;
	default:
		die(EXIT_FAILED, err, "%s of process %d failed: %s", ioc, pid, strerror(err));
	}
	module_version(d, ver, sizeof(ver));
	die(EXIT_FAILED, err, "the memlab module (%s) refused %s (%s): it does not "
	    "speak this memlab's ABI %d", ver, ioc, errno_name(err) ? errno_name(err) : "?",
	    MEMLAB_ABI_VERSION);
}

/* --- arguments ------------------------------------------------------------ */

#define OPT_COMMON \
	{ "json", no_argument, NULL, 'j' }, \
	{ "bytes", no_argument, NULL, 'b' }, \
	{ "help", no_argument, NULL, 'h' }

static void print_usage(FILE *f);
static void print_help(FILE *f, const struct command *c);

/*
 * Help on stdout: the text, or with --json {"help": the text}, so that
 * --json always means one JSON document.
 */
static void show_help(const struct command *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct json j;

	if (!opt.json) {
		if (c)
			print_help(stdout, c);
		else
			print_usage(stdout);
		return;
	}
	f = open_memstream(&text, &len);
	if (!f)
		out_of_memory();
	if (c)
		print_help(f, c);
	else
		print_usage(f);
	fclose(f);
	json_init(&j, stdout);
	json_begin_object(&j, NULL);
	json_str(&j, "help", text);
	json_end_object(&j);
	json_finish(&j);
	free(text);
}

static void print_help(FILE *f, const struct command *c)
{
	fprintf(f, "usage: memlab %s %s\n\n%s\n%s", c->name, c->synopsis, c->summary,
		c->help);
	fputs("\nOptions of every command:\n"
	      "  -j, --json     one JSON document on stdout; sizes in bytes\n"
	      "  -b, --bytes    exact numbers of bytes instead of kB, MB, GB\n"
	      "  -h, --help     this help\n", f);
}

/*
 * The next option of the command line: the common ones are handled here,
 * an unknown one is a usage error. Returns the option, or -1 at the end.
 */
static int next_option(int argc, char **argv, const struct option *opts)
{
	for (;;) {
		int c = getopt_long(argc, argv, ":jbh", opts, NULL);

		switch (c) {
		case 'j':
			opt.json = true;
			continue;
		case 'b':
			opt.bytes = true;
			continue;
		case 'h':
			show_help(opt.cmd);
			exit(0);
		case '?':
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return c;
		}
	}
}

/* Exactly @n operands left, named by @names for the message. */
static void want_operands(int argc, char **argv, int n, const char *names)
{
	if (argc - optind < n)
		usage_error("missing %s", names);
	if (argc - optind > n)
		usage_error("unexpected argument '%s'", argv[optind + n]);
}

static int get_pid(const char *s)
{
	int pid;

	if (parse_pid(s, getpid(), &pid))
		usage_error("'%s' is not a process id (a number, or self)", s);
	return pid;
}

static u64 get_number(const char *what, const char *s)
{
	u64 v;

	if (parse_u64(s, &v))
		usage_error("bad %s '%s' (a number: decimal, or hex with 0x)", what, s);
	return v;
}

static u64 get_address(const char *what, const char *s)
{
	u64 v;

	if (parse_u64(s, &v))
		usage_error("bad %s '%s' (write it in hex with 0x, or in decimal)", what, s);
	return v;
}

static u64 get_categories(const char *option, const char *s)
{
	const char *bad;
	size_t badlen;
	u64 mask;

	if (parse_categories(s, &mask, &bad, &badlen))
		usage_error("unknown category '%.*s' in %s (categories: present, swapped, "
			    "file, shared, exclusive, dirty, young, soft-dirty, uffd-wp, huge, "
			    "zero, protnone, migration, armed, all)", (int)badlen, bad, option);
	return mask;
}

/* The top of the user address space the module's walker accepts. */
static u64 user_top(const struct memlab_dev *d)
{
	return d->ver.pgtable_levels >= 5 ? (1ULL << 56) - 4096 : (1ULL << 47) - 4096;
}

static struct target get_target(int pid)
{
	struct target t = { .pid = pid, .comm = proc_comm(pid) };

	return t;
}

static void put_target(struct target *t)
{
	free((char *)t->comm);
	t->comm = NULL;
}

static void free_maps(struct maps_data *md)
{
	size_t i;

	for (i = 0; md->names && i < md->n; i++)
		free(md->names[i]);
	free(md->names);
	free(md->vmas);
	memset(md, 0, sizeof(*md));
}

static struct json json_out(void)
{
	struct json j;

	json_init(&j, stdout);
	return j;
}

/* --- summary -------------------------------------------------------------- */

enum {
	OPT_NO_SHARING = 256, OPT_PAGE_TABLES_ONLY, OPT_START, OPT_END, OPT_REQUIRE,
	OPT_ANY, OPT_EXCLUDE, OPT_RETURN, OPT_MAX_PAGES, OPT_SVG, OPT_WIDTH,
	OPT_COLOR, OPT_DENY, OPT_ONESHOT, OPT_ALL,
};

static int cmd_summary(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-sharing", no_argument, NULL, OPT_NO_SHARING },
		{ "page-tables-only", no_argument, NULL, OPT_PAGE_TABLES_ONLY },
		OPT_COMMON, { 0 }
	};
	struct memlab_summary s;
	struct memlab_dev d;
	struct target t;
	u64 flags = 0;
	int c, err, pid;

	while ((c = next_option(argc, argv, opts)) != -1) {
		if (c == OPT_NO_SHARING)
			flags |= MEMLAB_SUMMARY_NO_SHARING;
		else if (c == OPT_PAGE_TABLES_ONLY)
			flags |= MEMLAB_SUMMARY_PAGE_TABLES_ONLY;
	}
	want_operands(argc, argv, 1, "PID");
	pid = get_pid(argv[optind]);

	open_device(&d);
	need_feature(&d, MEMLAB_FEAT_SUMMARY, "summarise a process");
	err = dev_summary(&d, pid, flags, &s);
	if (err == -EINVAL && (flags & MEMLAB_SUMMARY_PAGE_TABLES_ONLY) &&
	    !proc_is_kthread(pid)) {
		char ver[64];

		/* A module older than the flag refuses every flag it does not know. */
		module_version(&d, ver, sizeof(ver));
		die(EXIT_FAILED, EINVAL, "the loaded memlab module (%s) has no "
		    "--page-tables-only: load a newer one, or use --no-sharing", ver);
	}
	if (err)
		ioctl_failed(&d, "SUMMARY", -err, pid, NULL);
	t = get_target(pid);
	if (opt.json) {
		struct json j = json_out();

		json_summary(&j, &t, &s);
	} else {
		print_summary(stdout, &t, &s, opt.bytes);
	}
	put_target(&t);
	dev_close(&d);
	return 0;
}

/* --- maps ----------------------------------------------------------------- */

/* MAPS of @pid with the mappings' names, or a message and exit. */
static void read_maps(struct memlab_dev *d, int pid, struct maps_data *md)
{
	int err;

	memset(md, 0, sizeof(*md));
	need_feature(d, MEMLAB_FEAT_MAPS, "list mappings");
	err = dev_maps(d, pid, &md->vmas, &md->n);
	if (err)
		ioctl_failed(d, "MAPS", -err, pid, NULL);
	/* Without names (the process just exited?) the classes stand in. */
	proc_map_names(pid, md);
}

static int cmd_maps(int argc, char **argv)
{
	static const struct option opts[] = { OPT_COMMON, { 0 } };
	struct maps_data md;
	struct memlab_dev d;
	struct target t;
	int pid;

	while (next_option(argc, argv, opts) != -1)
		;
	want_operands(argc, argv, 1, "PID");
	pid = get_pid(argv[optind]);

	open_device(&d);
	read_maps(&d, pid, &md);
	t = get_target(pid);
	if (opt.json) {
		struct json j = json_out();

		json_maps(&j, &t, &md);
	} else {
		print_maps(stdout, &t, &md, opt.bytes);
	}
	put_target(&t);
	free_maps(&md);
	dev_close(&d);
	return 0;
}

/* --- scan ----------------------------------------------------------------- */

static int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "start", required_argument, NULL, OPT_START },
		{ "end", required_argument, NULL, OPT_END },
		{ "require", required_argument, NULL, OPT_REQUIRE },
		{ "any", required_argument, NULL, OPT_ANY },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "return", required_argument, NULL, OPT_RETURN },
		{ "max-pages", required_argument, NULL, OPT_MAX_PAGES },
		OPT_COMMON, { 0 }
	};
	struct scan_data sd = { .return_mask = MEMLAB_PAGE_CATEGORIES };
	const char *start = NULL, *end = NULL;
	u64 exclude = 0, top;
	struct memlab_dev d;
	struct target t;
	int c, err, pid;

	while ((c = next_option(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_START:
			start = optarg;
			break;
		case OPT_END:
			end = optarg;
			break;
		case OPT_REQUIRE:
			sd.category_mask |= get_categories("--require", optarg);
			break;
		case OPT_ANY:
			sd.category_anyof_mask |= get_categories("--any", optarg);
			break;
		case OPT_EXCLUDE:
			exclude |= get_categories("--exclude", optarg);
			break;
		case OPT_RETURN:
			sd.return_mask = get_categories("--return", optarg);
			break;
		case OPT_MAX_PAGES:
			sd.max_pages = get_number("--max-pages", optarg);
			if (!sd.max_pages)
				usage_error("--max-pages must be at least 1");
			break;
		}
	}
	want_operands(argc, argv, 1, "PID");
	pid = get_pid(argv[optind]);
	if (sd.category_mask & exclude)
		usage_error("a category cannot be both required and excluded");
	/* "Excluded" is SCAN's inverted and required. */
	sd.category_inverted = exclude;
	sd.category_mask |= exclude;
	sd.start = start ? get_address("--start", start) : 0;

	open_device(&d);
	need_feature(&d, MEMLAB_FEAT_SCAN, "scan pages");
	top = user_top(&d);
	sd.end = end ? get_address("--end", end) : top;
	/* SCAN wants whole pages: take every page the range touches. */
	sd.start &= ~4095ULL;
	if (sd.end > top)
		usage_error("--end 0x%llx is past the top of the user address space "
			    "(0x%llx)", sd.end, top);
	sd.end = (sd.end + 4095) & ~4095ULL;
	if (sd.start >= sd.end)
		usage_error("--start 0x%llx is not below --end 0x%llx",
			    sd.start, sd.end);

	err = dev_scan(&d, pid, &sd);
	if (err)
		ioctl_failed(&d, "SCAN", -err, pid, NULL);
	t = get_target(pid);
	if (opt.json) {
		struct json j = json_out();

		json_scan(&j, &t, &sd);
	} else {
		print_scan(stdout, &t, &sd, opt.bytes);
	}
	put_target(&t);
	free(sd.regions);
	dev_close(&d);
	return 0;
}

/* --- vtop ----------------------------------------------------------------- */

static int cmd_vtop(int argc, char **argv)
{
	static const struct option opts[] = { OPT_COMMON, { 0 } };
	struct vtop_info info;
	struct memlab_vtop v;
	struct memlab_dev d;
	struct target t;
	u64 addr;
	int err, pid;

	while (next_option(argc, argv, opts) != -1)
		;
	want_operands(argc, argv, 2, "PID and ADDR");
	pid = get_pid(argv[optind]);
	addr = get_address("address", argv[optind + 1]);

	open_device(&d);
	need_feature(&d, MEMLAB_FEAT_VTOP, "translate addresses");
	if (addr >= user_top(&d))
		usage_error("0x%llx is outside the user address space (below "
			    "0x%llx)", addr, user_top(&d));
	err = dev_vtop(&d, pid, addr, &v);
	if (err)
		ioctl_failed(&d, "VTOP", -err, pid, &addr);
	info.pgtable_levels = d.ver.pgtable_levels;
	info.privileged = have_capability(CAP_SYS_ADMIN);
	t = get_target(pid);
	if (opt.json) {
		struct json j = json_out();

		json_vtop(&j, &t, &v, &info);
	} else {
		print_vtop(stdout, &t, &v, &info);
	}
	put_target(&t);
	dev_close(&d);
	return 0;
}

/* --- map ------------------------------------------------------------------ */

/* Cells in the longest bar: what the terminal has room for, else 64. */
static unsigned int terminal_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col) {
		int w = (int)ws.ws_col - 64;

		return w < 24 ? 24 : w > 128 ? 128 : w;
	}
	return MAP_DEFAULT_WIDTH;
}

static bool want_color(const char *when)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (!strcmp(when, "always"))
		return true;
	if (!strcmp(when, "never"))
		return false;
	return isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

static int cmd_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		OPT_COMMON, { 0 }
	};
	struct scan_data sd = { .return_mask = MAP_SCAN_RETURN_MASK };
	const char *svg = NULL, *color = "auto";
	unsigned int width = 0;
	FILE *svg_file = NULL;
	struct maps_data md;
	struct memlab_dev d;
	struct target t;
	struct map m;
	int c, err, pid;

	while ((c = next_option(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_SVG:
			svg = optarg;
			break;
		case OPT_WIDTH: {
			u64 w = get_number("--width", optarg);

			if (w < MAP_MIN_WIDTH || w > MAP_MAX_WIDTH)
				usage_error("--width %s is not between %d and %d", optarg,
					    MAP_MIN_WIDTH, MAP_MAX_WIDTH);
			width = w;
			break;
		}
		case OPT_COLOR:
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
			    strcmp(optarg, "never"))
				usage_error("--color takes auto, always or never, not '%s'",
					    optarg);
			color = optarg;
			break;
		}
	}
	want_operands(argc, argv, 1, "PID");
	pid = get_pid(argv[optind]);
	if (svg && !strcmp(svg, "-") && opt.json)
		usage_error("--svg - and --json both want stdout");
	if (!width)
		width = svg && !strcmp(svg, "-") ? MAP_DEFAULT_WIDTH : terminal_width();

	open_device(&d);
	need_feature(&d, MEMLAB_FEAT_SCAN, "draw a map (it has no SCAN)");
	read_maps(&d, pid, &md);
	if (md.n) {
		sd.start = md.vmas[0].start;
		sd.end = md.vmas[md.n - 1].end;
		err = dev_scan(&d, pid, &sd);
		if (err)
			ioctl_failed(&d, "SCAN", -err, pid, NULL);
	}
	if (map_build(&m, &md, sd.regions, sd.n, width))
		out_of_memory();
	t = get_target(pid);

	if (svg && strcmp(svg, "-")) {
		svg_file = fopen(svg, "we");
		if (!svg_file)
			die(EXIT_FAILED, errno, "cannot write %s: %s", svg, strerror(errno));
		map_print_svg(svg_file, &t, &m);
		if (fclose(svg_file))
			die(EXIT_FAILED, errno, "cannot write %s: %s", svg, strerror(errno));
	}
	if (opt.json) {
		struct json j = json_out();

		json_map(&j, &t, &m);
	} else if (svg && !strcmp(svg, "-")) {
		map_print_svg(stdout, &t, &m);
	} else {
		map_print_text(stdout, &t, &m, want_color(color));
		if (svg)
			printf("\nSVG:    %s\n", svg);
	}
	map_free(&m);
	put_target(&t);
	free_maps(&md);
	free(sd.regions);
	dev_close(&d);
	return 0;
}

/* --- inject, restore, faults ---------------------------------------------- */

/* The errnos of SPEC section 6, as one line each. */
static void __attribute__((noreturn))
inject_failed(const struct memlab_dev *d, const char *ioc, int err, int pid,
	      u64 addr, u64 len)
{
	switch (err) {
	case EPERM:
		die(EXIT_FAILED, err, "permission denied: arming and restoring faults "
		    "needs CAP_SYS_ADMIN; run memlab as root");
	case EINVAL:
		if (pid == 1)
			die(EXIT_FAILED, err, "memlab will not arm faults in init (pid 1)");
		break;
	case ENOMEM:
		die(EXIT_FAILED, err, "0x%llx-0x%llx is not wholly mapped in process %d "
		    "(memlab maps %d lists what is)", addr, addr + len, pid, pid);
	case EOPNOTSUPP:
		die(EXIT_FAILED, err, "0x%llx-0x%llx cannot be armed: hugetlb, device "
		    "(VM_IO/VM_PFNMAP) or transparent-huge-page memory, or a module "
		    "without injection (see the kernel log)", addr, addr + len);
	case EBUSY:
		die(EXIT_FAILED, err, "0x%llx-0x%llx overlaps a fault armed already "
		    "(memlab faults lists them)", addr, addr + len);
	case ENOSPC:
		die(EXIT_FAILED, err, "too many faults armed (the module's max_faults "
		    "parameter); restore some first");
	case ENOENT:
		die(EXIT_FAILED, err, "no fault with that id (memlab faults lists them)");
	}
	ioctl_failed(d, ioc, err, pid, NULL);
}

static u32 parse_deny(const char *deny)
{
	u32 bits = 0;

	if (!deny)
		usage_error("say which accesses fault: --deny r, w, x or a mix (rw, rwx)");
	if (!*deny || strspn(deny, "rwx") != strlen(deny))
		usage_error("--deny takes letters of rwx, not '%s'", deny);
	bits |= strchr(deny, 'r') ? MEMLAB_DENY_READ : 0;
	bits |= strchr(deny, 'w') ? MEMLAB_DENY_WRITE : 0;
	bits |= strchr(deny, 'x') ? MEMLAB_DENY_EXEC : 0;
	return bits;
}

/*
 * A module cannot split a transparent huge page: when one maps part of the
 * range, split it as the kernel splits it for MADV_COLD on part of it
 * (process_madvise(2), CAP_SYS_NICE), then try once more.
 */
static bool split_huge_pages(struct memlab_dev *d, int pid, u64 addr, u64 len)
{
	struct scan_data sd = { .start = addr, .end = addr + len,
				.category_mask = MEMLAB_PAGE_HUGE,
				.return_mask = MEMLAB_PAGE_HUGE };
	bool split = false;
	size_t i;
	int pidfd;

	if (dev_scan(d, pid, &sd) || !sd.n)
		return false;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return false;
	for (i = 0; i < sd.n; i++) {
		/* One page, never the whole PMD: that is what makes it split. */
		struct iovec iov = {
			.iov_base = (void *)(uintptr_t)sd.regions[i].start,
			.iov_len = 4096,
		};

		if (syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_COLD, 0) == 4096)
			split = true;
	}
	close(pidfd);
	free(sd.regions);
	return split;
}

static int cmd_inject(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "deny", required_argument, NULL, OPT_DENY },
		{ "oneshot", no_argument, NULL, OPT_ONESHOT },
		OPT_COMMON, { 0 }
	};
	struct memlab_fault_info info = {};
	const char *deny = NULL;
	struct memlab_dev d;
	bool oneshot = false;
	u64 addr, len, id;
	u32 deny_bits, enforced;
	int c, err, pid;

	while ((c = next_option(argc, argv, opts)) != -1)
		if (c == OPT_DENY)
			deny = optarg;
		else if (c == OPT_ONESHOT)
			oneshot = true;
	want_operands(argc, argv, 3, "PID, ADDR and LEN");
	pid = get_pid(argv[optind]);
	addr = get_address("address", argv[optind + 1]);
	len = get_number("length", argv[optind + 2]);
	deny_bits = parse_deny(deny);
	if (addr & 4095 || len & 4095 || !len)
		usage_error("ADDR and LEN must be whole pages (multiples of 4096, LEN > 0)");

	open_device(&d);
	need_feature(&d, MEMLAB_FEAT_INJECT, "inject faults");
	err = dev_inject(&d, pid, addr, len, deny_bits, oneshot, &id, &enforced);
	if (err == -EOPNOTSUPP && split_huge_pages(&d, pid, addr, len))
		err = dev_inject(&d, pid, addr, len, deny_bits, oneshot, &id, &enforced);
	if (err)
		inject_failed(&d, "INJECT", -err, pid, addr, len);
	dev_fault(&d, id, &info);
	if (opt.json) {
		struct json j = json_out();

		json_faults(&j, &info, 1);
	} else {
		print_inject(stdout, &info);
	}
	dev_close(&d);
	return 0;
}

static int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		OPT_COMMON, { 0 }
	};
	struct memlab_dev d;
	bool all = false;
	u64 id = 0, restored;
	int c, err;

	while ((c = next_option(argc, argv, opts)) != -1)
		if (c == OPT_ALL)
			all = true;
	if (all)
		want_operands(argc, argv, 0, "");
	else
		want_operands(argc, argv, 1, "fault ID (or --all)");
	if (!all)
		id = get_number("fault ID", argv[optind]);

	open_device(&d);
	need_feature(&d, MEMLAB_FEAT_INJECT, "restore faults");
	err = dev_restore(&d, id, all, &restored);
	if (err)
		inject_failed(&d, "RESTORE", -err, 0, 0, 0);
	if (opt.json) {
		struct json j = json_out();

		json_begin_object(&j, NULL);
		json_u64(&j, "restored", restored);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("restored %llu fault%s\n", restored, restored == 1 ? "" : "s");
	}
	dev_close(&d);
	return 0;
}

static int cmd_faults(int argc, char **argv)
{
	static const struct option opts[] = { OPT_COMMON, { 0 } };
	struct memlab_fault_info *faults;
	struct memlab_dev d;
	size_t n;
	int err;

	while (next_option(argc, argv, opts) != -1)
		;
	want_operands(argc, argv, 0, "");
	open_device(&d);
	need_feature(&d, MEMLAB_FEAT_INJECT, "list faults");
	err = dev_list_faults(&d, &faults, &n);
	if (err)
		inject_failed(&d, "LIST_FAULTS", -err, 0, 0, 0);
	if (opt.json) {
		struct json j = json_out();

		json_faults(&j, faults, n);
	} else {
		print_faults(stdout, faults, n);
	}
	free(faults);
	dev_close(&d);
	return 0;
}

/* --- version, help -------------------------------------------------------- */

static int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = { OPT_COMMON, { 0 } };
	struct memlab_dev d;
	const char *step;
	int err;

	while (next_option(argc, argv, opts) != -1)
		;
	want_operands(argc, argv, 0, "");
	err = dev_open(&d, &step);
	if (err)
		open_device(&d);	/* says why, exits 1 */
	if (opt.json) {
		struct json j = json_out();

		json_version(&j, &d.ver);
	} else {
		print_version(stdout, &d.ver);
	}
	dev_close(&d);
	return 0;
}

static const struct command *find_command(const char *name);

static int cmd_help(int argc, char **argv)
{
	static const struct option opts[] = { OPT_COMMON, { 0 } };
	const struct command *c;

	while (next_option(argc, argv, opts) != -1)
		;
	if (argc - optind > 1)
		usage_error("help takes one command name");
	if (argc == optind) {
		show_help(NULL);
		return 0;
	}
	c = find_command(argv[optind]);
	if (!c) {
		opt.cmd = NULL;
		die(EXIT_USAGE, 0, "no command '%s' (memlab help lists them)", argv[optind]);
	}
	show_help(c);
	return 0;
}

static const struct command commands[] = {
	{
		"summary", cmd_summary, "PID [--no-sharing|--page-tables-only]",
		"Rss, Pss, Uss, swap, huge pages, ... in total and by segment.",
		"\nOne walk of every mapping of PID. Each number equals the kernel's\n"
		"own accounting (/proc/PID/smaps_rollup), to the byte.\n\n"
		"  --no-sharing         skip Pss, Uss and Locked (they read every page's\n"
		"                       mapcount); the other numbers are the same\n"
		"  --page-tables-only   the fastest: read the page tables only. Pss, Uss\n"
		"                       and Locked are not computed; Dirty and Referenced\n"
		"                       count the entries' own bits (at most smaps');\n"
		"                       RssAnon, RssFile and RssShmem are the kernel's\n"
		"                       counters, as in /proc/PID/status\n",
	},
	{
		"maps", cmd_maps, "PID",
		"Every mapping with its numbers, like pmap -X.",
		"\nColumns: Address (start-end), Perm, Segment (text, data, bss, heap,\n"
		"stack, lib, file, anon, shm, vdso, vvar, other), then Size, Rss, Pss,\n"
		"Anon, File, Shmem, Swap, AnonHuge and Dirty - each the mapping's\n"
		"/proc/PID/smaps number - and the Mapping's name (from /proc/PID/maps).\n",
	},
	{
		"scan", cmd_scan, "PID [OPTIONS]",
		"Runs of pages by category, like PAGEMAP_SCAN.",
		"\nReports each run of pages in [--start, --end) whose categories match,\n"
		"with the categories it has. CATS is a comma list of: present, swapped,\n"
		"file, shared, exclusive, dirty, young, soft-dirty, uffd-wp, huge, zero,\n"
		"protnone, migration, armed (or all).\n\n"
		"  --start ADDR      first address (default 0; rounded down to a page)\n"
		"  --end ADDR        end address (default: the top of the user address\n"
		"                    space; rounded up to a page)\n"
		"  --require CATS    pages must have every one of CATS\n"
		"  --any CATS        pages must have at least one of CATS\n"
		"  --exclude CATS    pages must have none of CATS\n"
		"  --return CATS     categories to report (default all); runs split where\n"
		"                    these differ\n"
		"  --max-pages N     stop after N pages\n",
	},
	{
		"vtop", cmd_vtop, "PID ADDR",
		"The page-table walk of one address, level by level.",
		"\nADDR is hex with 0x, or decimal. Raw entries, PFNs and swap slots\n"
		"read as 0 without CAP_SYS_ADMIN, as in /proc/PID/pagemap.\n",
	},
	{
		"map", cmd_map, "PID [--svg FILE]",
		"A picture of the address space: one bar per mapping.",
		"\nOne row per mapping; its bar has one cell per Cell bytes of it (a power\n"
		"of two of pages, so that it fits the bar). A cell shows:\n"
		"  # present   H huge page   s swapped   : partly in memory\n"
		"  . not present   ! armed fault\n"
		"'!' if any page of the cell is armed; else what most of its pages are\n"
		"(present, swapped or not present; ties: present, then swapped); 'H' if\n"
		"most present pages are huge; ':' if most pages are not present but some\n"
		"are in memory or swap. Unmapped gaps are left out and marked ~~.\n\n"
		"  --svg FILE       also write the picture as SVG to FILE ('-': only the\n"
		"                   SVG, on stdout)\n"
		"  --width N        cells in the longest bar (default: fit the terminal,\n"
		"                   64 when not a terminal)\n"
		"  --color WHEN     auto (default: on a terminal, unless NO_COLOR is set),\n"
		"                   always or never\n",
	},
	{
		"inject", cmd_inject, "PID ADDR LEN --deny rwx [--oneshot]",
		"Arm a protection fault on [ADDR, ADDR+LEN) of PID.",
		"\nAccesses of the denied kinds raise SIGSEGV (SEGV_ACCERR) until restored;\n"
		"--oneshot restores the pages after the first fault. Needs a module with\n"
		"fault injection, and CAP_SYS_ADMIN.\n",
	},
	{
		"restore", cmd_restore, "ID|--all",
		"Restore an armed fault, or all of them.",
		"\nNeeds a module with fault injection, and CAP_SYS_ADMIN.\n",
	},
	{
		"faults", cmd_faults, "",
		"The armed faults and how often each was hit.",
		"\nNeeds CAP_SYS_ADMIN.\n",
	},
	{
		"version", cmd_version, "",
		"The versions of this memlab and of the loaded module.",
		"",
	},
	{
		"help", cmd_help, "[COMMAND]",
		"This list, or the help of COMMAND.",
		"",
	},
	{ 0 }
};

static void print_usage(FILE *f)
{
	const struct command *c;

	fputs("usage: memlab [--json] [--bytes] COMMAND [ARGS]\n\n"
	      "See how the kernel manages a process's memory, from its page tables,\n"
	      "through the memlab module (/dev/memlab).\n\nCommands:\n", f);
	for (c = commands; c->name; c++) {
		char head[64];

		snprintf(head, sizeof(head), "%s %s", c->name, c->synopsis);
		if (strlen(head) > 22)
			fprintf(f, "  %s\n  %-22s  %s\n", head, "", c->summary);
		else
			fprintf(f, "  %-22s  %s\n", head, c->summary);
	}
	fputs("\nPID is a process id, or 'self' (memlab itself).\n"
	      "Options of every command:\n"
	      "  -j, --json     one JSON document on stdout; sizes in bytes\n"
	      "  -b, --bytes    exact numbers of bytes instead of kB, MB, GB\n"
	      "  -h, --help     help for the command: memlab COMMAND --help\n\n"
	      "Environment: MEMLAB_DEVICE (the device, default /dev/memlab), NO_COLOR.\n"
	      "Exit status: 0 success, 1 the operation failed, 2 a usage error.\n"
	      "See memlab(1).\n", f);
}

static const struct command *find_command(const char *name)
{
	const struct command *c;

	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;
	int i;

	/* --json anywhere: even a usage error must then print JSON. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			opt.json = true;

	/* Options before the command. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			opt.json = true;
		} else if (!strcmp(argv[i], "--bytes") || !strcmp(argv[i], "-b")) {
			opt.bytes = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			show_help(NULL);
			return 0;
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("memlab %s (ABI %d)\n", MEMLAB_TOOL_VERSION, MEMLAB_ABI_VERSION);
			return 0;
		} else {
			die(EXIT_USAGE, 0, "unknown option '%s' (see: memlab help)", argv[i]);
		}
	}
	if (i == argc) {
		if (opt.json)
			die(EXIT_USAGE, 0, "no command given (see: memlab help)");
		print_usage(stderr);
		return EXIT_USAGE;
	}
	c = find_command(argv[i]);
	if (!c)
		die(EXIT_USAGE, 0, "unknown command '%s' (see: memlab help)", argv[i]);
	opt.cmd = c;
	return c->run(argc - i, argv + i);
}
