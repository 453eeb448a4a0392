// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: /dev/memlab, the binary interface for programs.
 *
 * Every command is one entry of memlab_ioctls[]. The dispatcher owns the
 * rules of include/uapi/linux/memlab.h that are the same for every command:
 * it reads the caller's @size, copies the argument in with
 * copy_struct_from_user() (so older and newer callers both work), hands the
 * handler a zero-filled kernel copy and copies the result back, never more
 * bytes than the caller said it has.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "memlab.h"

union memlab_ioctl_arg {
	struct memlab_version version;
	struct memlab_summary summary;
	struct memlab_maps maps;
	struct memlab_scan scan;
	struct memlab_vtop vtop;
	struct memlab_inject inject;
	struct memlab_restore restore;
	struct memlab_list_faults list_faults;
};

struct memlab_ioctl {
	unsigned int cmd;
	const char *name;
	size_t min_size;	/* the first published size of the argument */
	size_t size;		/* the size this module knows */
	long (*handler)(union memlab_ioctl_arg *arg);
	/* Undoes a success whose result could not be copied back. */
	void (*undo)(union memlab_ioctl_arg *arg);
};

static long memlab_ioctl_version(union memlab_ioctl_arg *arg)
{
	struct memlab_version *ver = &arg->version;

	if (ver->flags)
		return -EINVAL;
	memlab_fill_version(ver);
	return 0;
}

static long memlab_ioctl_summary(union memlab_ioctl_arg *arg)
{
	struct memlab_summary *sum = &arg->summary;
	struct memlab_report *report;
	struct mm_struct *mm;
	long ret;

	if (sum->flags & ~MEMLAB_SUMMARY_FLAGS || sum->reserved)
		return -EINVAL;
	mm = memlab_get_mm((pid_t)sum->pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);

	report = kzalloc(sizeof(*report), GFP_KERNEL);
	if (!report) {
		ret = -ENOMEM;
		goto out_put_mm;
	}
	report->sharing = !(sum->flags & MEMLAB_SUMMARY_NO_SHARING);
	report->page_tables_only = sum->flags & MEMLAB_SUMMARY_PAGE_TABLES_ONLY;
	ret = memlab_report_mm(report, mm, 0, TASK_SIZE_MAX);
	if (!ret)
		memlab_report_to_summary(report, sum);
	kfree(report);
out_put_mm:
	mmput(mm);
	return ret;
}

static long memlab_ioctl_maps(union memlab_ioctl_arg *arg)
{
	return memlab_maps(&arg->maps);
}

static long memlab_ioctl_scan(union memlab_ioctl_arg *arg)
{
	return memlab_scan(&arg->scan);
}

static long memlab_ioctl_vtop(union memlab_ioctl_arg *arg)
{
	return memlab_vtop(&arg->vtop);
}

static long memlab_ioctl_inject(union memlab_ioctl_arg *arg)
{
	return memlab_inject(&arg->inject);
}

/*
 * An armed fault whose id never reached the caller could only be found
 * with LIST_FAULTS: a failed INJECT leaves nothing armed.
 */
static void memlab_ioctl_inject_undo(union memlab_ioctl_arg *arg)
{
	struct memlab_restore restore = { .id = arg->inject.id };

	memlab_restore(&restore);
}

static long memlab_ioctl_restore(union memlab_ioctl_arg *arg)
{
	return memlab_restore(&arg->restore);
}

static long memlab_ioctl_list_faults(union memlab_ioctl_arg *arg)
{
	return memlab_list_faults(&arg->list_faults);
}

#define MEMLAB_IOCTL_UNDO(_cmd, _field, _min_size, _handler, _undo)	\
	{								\
		.cmd = MEMLAB_IOC_##_cmd,				\
		.name = #_cmd,						\
		.min_size = _min_size,					\
		.size = sizeof_field(union memlab_ioctl_arg, _field),	\
		.handler = _handler,					\
		.undo = _undo,						\
	}
#define MEMLAB_IOCTL(_cmd, _field, _min_size, _handler)			\
	MEMLAB_IOCTL_UNDO(_cmd, _field, _min_size, _handler, NULL)

static const struct memlab_ioctl memlab_ioctls[] = {
	MEMLAB_IOCTL(VERSION, version, MEMLAB_VERSION_SIZE_VER0,
		     memlab_ioctl_version),
	MEMLAB_IOCTL(SUMMARY, summary, MEMLAB_SUMMARY_SIZE_VER0,
		     memlab_ioctl_summary),
	MEMLAB_IOCTL(MAPS, maps, MEMLAB_MAPS_SIZE_VER0, memlab_ioctl_maps),
	MEMLAB_IOCTL(SCAN, scan, MEMLAB_SCAN_SIZE_VER0, memlab_ioctl_scan),
	MEMLAB_IOCTL(VTOP, vtop, MEMLAB_VTOP_SIZE_VER0, memlab_ioctl_vtop),
	MEMLAB_IOCTL_UNDO(INJECT, inject, MEMLAB_INJECT_SIZE_VER0,
			  memlab_ioctl_inject, memlab_ioctl_inject_undo),
	MEMLAB_IOCTL(RESTORE, restore, MEMLAB_RESTORE_SIZE_VER0,
		     memlab_ioctl_restore),
	MEMLAB_IOCTL(LIST_FAULTS, list_faults, MEMLAB_LIST_FAULTS_SIZE_VER0,
		     memlab_ioctl_list_faults),
};

/*
 * A command is known by its type, number and direction. The size bits of
 * the number are not compared: an argument grows by @size, and a caller
 * built against a newer header must still reach its command.
 */
static const struct memlab_ioctl *memlab_find_ioctl(unsigned int cmd)
{
	const unsigned int ignored = _IOC_SIZEMASK << _IOC_SIZESHIFT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(memlab_ioctls); i++)
		if ((memlab_ioctls[i].cmd & ~ignored) == (cmd & ~ignored))
			return &memlab_ioctls[i];
	return NULL;
}

static long memlab_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long uarg)
{
	void __user *uptr = (void __user *)uarg;
	const struct memlab_ioctl *ioc;
	union memlab_ioctl_arg arg;
	u64 usize;
	long ret;

	ioc = memlab_find_ioctl(cmd);
	if (!ioc)
		return -ENOTTY;

	/* @size is the first field of every argument. */
	if (get_user(usize, (u64 __user *)uptr))
		return -EFAULT;
	/* As clone3() and sched_setattr(): at most a page, at least ver0. */
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize < ioc->min_size)
		return -EINVAL;

	memset(&arg, 0, sizeof(arg));
	ret = copy_struct_from_user(&arg, ioc->size, uptr, usize);
	if (ret)
		return ret;

	memlab_log("%s by pid %d\n", ioc->name, task_tgid_vnr(current));
	ret = ioc->handler(&arg);
	if (ret < 0)
		return ret;

	if (copy_to_user(uptr, &arg, min_t(size_t, usize, ioc->size))) {
		if (ioc->undo)
			ioc->undo(&arg);
		return -EFAULT;
	}
	return ret;
}

static const struct file_operations memlab_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= memlab_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice memlab_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= MEMLAB_NAME,
	.fops	= &memlab_dev_fops,
	.mode	= 0666,
};

int memlab_dev_init(void)
{
	return misc_register(&memlab_miscdev);
}

void memlab_dev_exit(void)
{
	misc_deregister(&memlab_miscdev);
}
