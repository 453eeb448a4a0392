// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: the /proc/memlab text files, for people with a shell.
 *
 * Each file is one entry of memlab_proc_files[]; the file names are ABI.
 * Formats follow /proc/PID/smaps ("Key:   value kB") and are described in
 * Documentation/proc.rst.
 *
 * procfs lets the module go away while a file is open: proc_remove() waits
 * for readers inside ->show() and turns later reads into EIO, so unloading
 * never has to wait for a reader to close.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "memlab.h"

static struct proc_dir_entry *memlab_proc_dir;

static const char * const memlab_feature_names[] = {
	[ilog2(MEMLAB_FEAT_VERSION)] = "version",
	[ilog2(MEMLAB_FEAT_SUMMARY)] = "summary",
	[ilog2(MEMLAB_FEAT_MAPS)] = "maps",
	[ilog2(MEMLAB_FEAT_SCAN)] = "scan",
	[ilog2(MEMLAB_FEAT_VTOP)] = "vtop",
	[ilog2(MEMLAB_FEAT_INJECT)] = "inject",
};

static int memlab_version_show(struct seq_file *m, void *v)
{
	struct memlab_version ver = {};
	unsigned int bit;

	memlab_fill_version(&ver);
	seq_printf(m, "Version:        %s\n", MEMLAB_VERSION_STRING);
	seq_printf(m, "AbiVersion:     %u\n", ver.abi_version);
	seq_puts(m, "Features:      ");
	for (bit = 0; bit < ARRAY_SIZE(memlab_feature_names); bit++)
		if (ver.features & BIT_ULL(bit))
			seq_printf(m, " %s", memlab_feature_names[bit]);
	seq_putc(m, '\n');
	seq_printf(m, "PageSize:       %u\n", ver.page_size);
	seq_printf(m, "PagingLevels:   %u\n", ver.pgtable_levels);
	return 0;
}

/*
 * The process the text views show, like ftrace's set_ftrace_pid: one for
 * everybody. NULL means "the reading process". Holds a pid reference.
 */
static DEFINE_MUTEX(memlab_target_lock);
static struct pid *memlab_target_pid;

/* The target's mm, checked against the reader's privileges. */
static struct mm_struct *memlab_target_mm(void)
{
	struct mm_struct *mm;

	mutex_lock(&memlab_target_lock);
	mm = memlab_get_pid_mm(memlab_target_pid);
	mutex_unlock(&memlab_target_lock);
	return mm;
}

static int memlab_target_show(struct seq_file *m, void *v)
{
	mutex_lock(&memlab_target_lock);
	if (memlab_target_pid)
		seq_printf(m, "%d\n", pid_vnr(memlab_target_pid));
	else
		seq_puts(m, "self\n");
	mutex_unlock(&memlab_target_lock);
	return 0;
}

/*
 * "self" or "0": whoever reads. A pid: that process, if the writer could
 * read it (the same check as reading: see target.c).
 */
static ssize_t memlab_target_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct task_struct *task;
	struct pid *pid = NULL;
	char buf[24], *text;
	int nr, ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	text = strim(buf);

	if (strcmp(text, "self")) {
		ret = kstrtoint(text, 10, &nr);
		if (ret)
			return -EINVAL;
		if (nr) {
			task = memlab_get_task(nr);
			if (IS_ERR(task))
				return PTR_ERR(task);
			pid = get_task_pid(task, PIDTYPE_PID);
			put_task_struct(task);
		}
	}

	mutex_lock(&memlab_target_lock);
	swap(memlab_target_pid, pid);
	mutex_unlock(&memlab_target_lock);
	put_pid(pid);
	return count;
}

static int memlab_target_open(struct inode *inode, struct file *file)
{
	return single_open(file, memlab_target_show, NULL);
}

static const struct proc_ops memlab_target_ops = {
	.proc_open	= memlab_target_open,
	.proc_read	= seq_read,
	.proc_write	= memlab_target_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/* Walk the target; @report has its callbacks set. */
static int memlab_report_target(struct memlab_report *report)
{
	struct mm_struct *mm;
	int ret;

	mm = memlab_target_mm();
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = memlab_report_mm(report, mm, 0, TASK_SIZE_MAX);
	mmput(mm);
	return ret;
}

/* "Key:   value kB", as /proc/PID/smaps prints it. */
static void memlab_put_kb(struct seq_file *m, const char *key, u64 bytes)
{
	seq_printf(m, "%-18s%8llu kB\n", key, bytes >> 10);
}

static void memlab_put_num(struct seq_file *m, const char *key, u64 value)
{
	seq_printf(m, "%-18s%8llu\n", key, value);
}

static int memlab_summary_show(struct seq_file *m, void *v)
{
	struct memlab_summary sum = {};
	struct memlab_report *report;
	unsigned int i;
	int ret;

	report = kzalloc(sizeof(*report), GFP_KERNEL);
	if (!report)
		return -ENOMEM;
	report->sharing = true;
	ret = memlab_report_target(report);
	if (ret)
		goto out_free;
	memlab_report_to_summary(report, &sum);

	memlab_put_kb(m, "Rss:", sum.rss);
	memlab_put_kb(m, "RssAnon:", sum.rss_anon);
	memlab_put_kb(m, "RssFile:", sum.rss_file);
	memlab_put_kb(m, "RssShmem:", sum.rss_shmem);
	memlab_put_kb(m, "Pss:", sum.pss);
	memlab_put_kb(m, "Uss:", sum.uss);
	memlab_put_kb(m, "Swap:", sum.swap);
	memlab_put_kb(m, "ShmemSwap:", sum.shmem_swap);
	memlab_put_kb(m, "AnonHugePages:", sum.anon_huge);
	memlab_put_kb(m, "Dirty:", sum.dirty);
	memlab_put_kb(m, "Referenced:", sum.referenced);
	memlab_put_kb(m, "Locked:", sum.locked);
	memlab_put_kb(m, "PageTables:", sum.page_tables);
	memlab_put_num(m, "Vmas:", sum.vmas);
	for (i = 0; i < MEMLAB_SEG_NR; i++)
		seq_printf(m, "Segment %-10s Rss %8llu kB  Swap %8llu kB\n",
			   memlab_segment_names[i], sum.segments[i].rss >> 10,
			   sum.segments[i].swap >> 10);
	memlab_put_num(m, "WalkEntries:", sum.ptes_visited);
	memlab_put_num(m, "WalkTimeNs:", sum.walk_ns);
	memlab_put_num(m, "WalkLockDrops:", sum.lock_drops);
	memlab_put_num(m, "WalkMaxLockHoldNs:", sum.max_lock_hold_ns);
out_free:
	kfree(report);
	return ret;
}

/* One line of /proc/memlab/maps, under the target's mmap_lock. */
static void memlab_maps_line(struct memlab_report *report,
			     const struct memlab_vma_report *vr)
{
	const struct memlab_mem_stats *st = &vr->stats;
	struct seq_file *m = report->private;
	unsigned long f = vr->flags;

	seq_printf(m, "%012lx-%012lx %c%c%c%c %-8s %9lu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu ",
		   vr->start, vr->end,
		   f & VM_READ ? 'r' : '-', f & VM_WRITE ? 'w' : '-',
		   f & VM_EXEC ? 'x' : '-', f & VM_MAYSHARE ? 's' : 'p',
		   memlab_segment_names[vr->segment],
		   (vr->end - vr->start) >> 10, st->rss >> 10,
		   st->pss_fp >> (MEMLAB_PSS_SHIFT + 10),
		   st->rss_anon >> 10, st->rss_file >> 10, st->rss_shmem >> 10,
		   (st->swap + st->shmem_swap) >> 10, st->anon_huge >> 10,
		   st->dirty >> 10);
	if (vr->file)
		seq_path(m, memlab_file_user_path(vr->file), "\n");
	else if (vr->segment == MEMLAB_SEG_HEAP)
		seq_puts(m, "[heap]");
	else if (vr->segment == MEMLAB_SEG_STACK)
		seq_puts(m, "[stack]");
	else if (vr->segment == MEMLAB_SEG_VDSO)
		seq_puts(m, "[vdso]");
	else if (vr->segment == MEMLAB_SEG_VVAR)
		seq_puts(m, "[vvar]");
	seq_putc(m, '\n');
}

static int memlab_maps_show(struct seq_file *m, void *v)
{
	struct memlab_report *report;
	int ret;

	report = kzalloc(sizeof(*report), GFP_KERNEL);
	if (!report)
		return -ENOMEM;
	report->sharing = true;
	report->vma_done = memlab_maps_line;
	report->private = m;
	seq_printf(m, "%-25s %-4s %-8s %9s %9s %9s %9s %9s %9s %9s %9s %9s %s\n",
		   "Address", "Perm", "Segment", "Size", "Rss", "Pss", "Anon",
		   "File", "Shmem", "Swap", "AnonHuge", "Dirty", "Mapping");
	ret = memlab_report_target(report);
	kfree(report);
	return ret;
}

/* The address /proc/memlab/vtop shows; under memlab_target_lock. */
static unsigned long memlab_vtop_addr;

static const char * const memlab_level_names[MEMLAB_VTOP_LEVELS] = {
	"pgd", "p4d", "pud", "pmd", "pte",
};

static const char * const memlab_pte_flag_names[] = {
	"present", "rw", "user", "accessed", "dirty", "huge", "global", "nx",
	"protnone", "soft-dirty", "uffd-wp",
};

static void memlab_vtop_show_level(struct seq_file *m, const char *name,
				   const struct memlab_vtop_level *lvl)
{
	unsigned int bit;

	seq_printf(m, "%-16s0x%016llx", name, lvl->value);
	for (bit = 0; bit < ARRAY_SIZE(memlab_pte_flag_names); bit++)
		if (lvl->flags & BIT_ULL(bit))
			seq_printf(m, " %s", memlab_pte_flag_names[bit]);
	seq_putc(m, '\n');
}

static void memlab_vtop_show_result(struct seq_file *m,
				    const struct memlab_vtop *v)
{
	seq_printf(m, "%-16s", "Result:");
	switch (v->result) {
	case MEMLAB_VTOP_PRESENT:
		seq_printf(m, "present pfn 0x%llx, %lu kB page\n", v->pfn,
			   (1UL << v->page_shift) >> 10);
		break;
	case MEMLAB_VTOP_SWAP:
		seq_printf(m, "swap type %llu offset 0x%llx\n", v->swap_type,
			   v->swap_offset);
		break;
	case MEMLAB_VTOP_MIGRATION:
		seq_printf(m, "migration entry, pfn 0x%llx\n", v->pfn);
		break;
	case MEMLAB_VTOP_HWPOISON:
		seq_printf(m, "hwpoison entry, pfn 0x%llx\n", v->pfn);
		break;
	case MEMLAB_VTOP_MARKER:
		seq_puts(m, "pte marker\n");
		break;
	default:
		seq_puts(m, "none\n");
	}
}

static int memlab_vtop_show(struct seq_file *m, void *v)
{
	struct memlab_vtop vt = {};
	unsigned int i, shown;
	struct mm_struct *mm;
	long ret;

	mutex_lock(&memlab_target_lock);
	vt.addr = memlab_vtop_addr;
	mm = memlab_get_pid_mm(memlab_target_pid);
	mutex_unlock(&memlab_target_lock);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = memlab_vtop_mm(mm, &vt);
	mmput(mm);
	if (ret)
		return ret;

	seq_printf(m, "%-16s0x%llx\n", "Address:", vt.addr);
	seq_printf(m, "%-16s%012llx-%012llx %c%c%c%c %s\n", "Vma:",
		   vt.vma_start, vt.vma_end,
		   vt.vma_prot & MEMLAB_VMA_READ ? 'r' : '-',
		   vt.vma_prot & MEMLAB_VMA_WRITE ? 'w' : '-',
		   vt.vma_prot & MEMLAB_VMA_EXEC ? 'x' : '-',
		   vt.vma_prot & MEMLAB_VMA_SHARED ? 's' : 'p',
		   memlab_segment_names[vt.segment]);
	/* The levels the walk read, in order; 4-level paging has no p4d. */
	for (i = 0, shown = 0; i < MEMLAB_VTOP_LEVELS && shown < vt.nr_levels; i++) {
		if (i == MEMLAB_LEVEL_P4D_IDX && !pgtable_l5_enabled())
			continue;
		memlab_vtop_show_level(m, memlab_level_names[i], &vt.levels[i]);
		shown++;
	}
	memlab_vtop_show_result(m, &vt);
	return 0;
}

/* An address, in hex with 0x or in decimal, inside the user address space. */
static ssize_t memlab_vtop_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	unsigned long addr;
	int ret;

	ret = kstrtoul_from_user(ubuf, count, 0, &addr);
	if (ret)
		return -EINVAL;
	if (addr >= TASK_SIZE_MAX)
		return -EINVAL;
	mutex_lock(&memlab_target_lock);
	memlab_vtop_addr = addr;
	mutex_unlock(&memlab_target_lock);
	return count;
}

static int memlab_vtop_open(struct inode *inode, struct file *file)
{
	return single_open(file, memlab_vtop_show, NULL);
}

static const struct proc_ops memlab_vtop_ops = {
	.proc_open	= memlab_vtop_open,
	.proc_read	= seq_read,
	.proc_write	= memlab_vtop_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/* /proc/memlab/faults: the armed faults, and commands to change them. */

static int memlab_faults_show_file(struct seq_file *m, void *v)
{
	memlab_faults_show(m);
	return 0;
}

static int memlab_deny_parse(const char *s, u32 *deny)
{
	*deny = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'r':
			*deny |= MEMLAB_DENY_READ;
			break;
		case 'w':
			*deny |= MEMLAB_DENY_WRITE;
			break;
		case 'x':
			*deny |= MEMLAB_DENY_EXEC;
			break;
		default:
			return -EINVAL;
		}
	}
	return *deny ? 0 : -EINVAL;
}

/* "inject PID ADDR LEN DENY [oneshot]" */
static long memlab_faults_inject(char **args, int nargs)
{
	struct memlab_inject inj = { .size = sizeof(inj) };
	u64 start, len;
	int pid;

	if (nargs < 5 || nargs > 6)
		return -EINVAL;
	/* A pid is decimal, as in "target": 0123 is not pid 83. */
	if (kstrtoint(args[1], 10, &pid) || pid < 0 ||
	    kstrtou64(args[2], 0, &start) || kstrtou64(args[3], 0, &len) ||
	    memlab_deny_parse(args[4], &inj.deny))
		return -EINVAL;
	if (nargs == 6) {
		if (strcmp(args[5], "oneshot"))
			return -EINVAL;
		inj.flags = MEMLAB_INJECT_ONESHOT;
	}
	inj.pid = pid;
	inj.start = start;
	inj.len = len;
	return memlab_inject(&inj);
}

/* "restore ID" or "restore all" */
static long memlab_faults_restore(char **args, int nargs)
{
	struct memlab_restore res = { .size = sizeof(res) };

	if (nargs != 2)
		return -EINVAL;
	if (!strcmp(args[1], "all"))
		res.flags = MEMLAB_RESTORE_ALL;
	else if (kstrtou64(args[1], 10, &res.id))
		return -EINVAL;
	return memlab_restore(&res);
}

#define MEMLAB_FAULTS_MAX_ARGS	7

static ssize_t memlab_faults_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char *args[MEMLAB_FAULTS_MAX_ARGS];
	char *buf, *p, *tok;
	int nargs = 0;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (count > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	p = strim(buf);
	while ((tok = strsep(&p, " \t")) && nargs < MEMLAB_FAULTS_MAX_ARGS)
		if (*tok)
			args[nargs++] = tok;
	ret = -EINVAL;
	if (tok)
		goto out_free;	/* too many words */
	if (nargs && !strcmp(args[0], "inject"))
		ret = memlab_faults_inject(args, nargs);
	else if (nargs && !strcmp(args[0], "restore"))
		ret = memlab_faults_restore(args, nargs);
out_free:
	kfree(buf);
	return ret < 0 ? ret : count;
}

static int memlab_faults_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return single_open(file, memlab_faults_show_file, NULL);
}

static const struct proc_ops memlab_faults_ops = {
	.proc_open	= memlab_faults_open,
	.proc_read	= seq_read,
	.proc_write	= memlab_faults_write,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

struct memlab_proc_file {
	const char *name;
	umode_t mode;
	int (*show)(struct seq_file *m, void *v);
	const struct proc_ops *ops;	/* for files that are written too */
};

static const struct memlab_proc_file memlab_proc_files[] = {
	{ "version",	0444,	memlab_version_show },
	{ "target",	0666,	NULL,	&memlab_target_ops },
	{ "summary",	0444,	memlab_summary_show },
	{ "maps",	0444,	memlab_maps_show },
	{ "vtop",	0666,	NULL,	&memlab_vtop_ops },
	{ "faults",	0600,	NULL,	&memlab_faults_ops },
};

int memlab_proc_init(void)
{
	const struct memlab_proc_file *file;

	memlab_proc_dir = proc_mkdir(MEMLAB_NAME, NULL);
	if (!memlab_proc_dir)
		return -ENOMEM;

	for (file = memlab_proc_files;
	     file < memlab_proc_files + ARRAY_SIZE(memlab_proc_files); file++) {
		struct proc_dir_entry *pde;

		if (file->ops)
			pde = proc_create(file->name, file->mode,
					  memlab_proc_dir, file->ops);
		else
			pde = proc_create_single(file->name, file->mode,
						 memlab_proc_dir, file->show);
		if (!pde)
			goto out_remove_dir;
	}
	return 0;

out_remove_dir:
	proc_remove(memlab_proc_dir);
	return -ENOMEM;
}

void memlab_proc_exit(void)
{
	proc_remove(memlab_proc_dir);
	put_pid(memlab_target_pid);
	memlab_target_pid = NULL;
}
