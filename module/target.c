// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: from a pid to the mm to walk, with the privilege rules of
 * SPEC section 7. ptrace_may_access() is not exported, so reading another
 * process needs CAP_SYS_PTRACE; reading yourself needs nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "memlab.h"

/*
 * The checks every request makes, on the task its pid names.
 * Consumes the reference on @task when it fails.
 */
static struct task_struct *memlab_check_task(struct task_struct *task)
{
	if (!task)
		return ERR_PTR(-ESRCH);
	if (task->flags & PF_KTHREAD) {
		put_task_struct(task);
		return ERR_PTR(-EINVAL);
	}
	if (!same_thread_group(task, current) && !capable(CAP_SYS_PTRACE)) {
		put_task_struct(task);
		return ERR_PTR(-EPERM);
	}
	return task;
}

/**
 * memlab_get_pid_task() - the task a request names
 * @pid: the pid, or NULL for the caller
 *
 * Return: a task reference (put_task_struct()), or ESRCH when there is no
 * such process, EINVAL for a kernel thread, EPERM when the caller may not
 * read it.
 */
struct task_struct *memlab_get_pid_task(struct pid *pid)
{
	if (!pid) {
		get_task_struct(current);
		return current;
	}
	return memlab_check_task(get_pid_task(pid, PIDTYPE_PID));
}

/**
 * memlab_get_task() - the task a request names by number
 * @nr: pid or tid in the caller's pid namespace; 0 means the caller
 *
 * Return: as memlab_get_pid_task().
 */
struct task_struct *memlab_get_task(pid_t nr)
{
	struct task_struct *task;
	struct pid *pid;

	if (nr < 0)
		return ERR_PTR(-ESRCH);
	if (!nr)
		return memlab_get_pid_task(NULL);
	pid = find_get_pid(nr);
	if (!pid)
		return ERR_PTR(-ESRCH);
	task = memlab_get_pid_task(pid);
	put_pid(pid);
	return task;
}

static struct mm_struct *memlab_task_mm(struct task_struct *task)
{
	struct mm_struct *mm;

	if (IS_ERR(task))
		return ERR_CAST(task);
	mm = get_task_mm(task);
	put_task_struct(task);
	/* A zombie, or a process past exit_mm(), has nothing to walk. */
	return mm ?: ERR_PTR(-ESRCH);
}

/**
 * memlab_get_mm() - the address space of the process a request names
 * @nr: as for memlab_get_task()
 *
 * Return: an mm reference (mmput()), or the errors of memlab_get_task(),
 * or ESRCH when the process has no mm left (a zombie, or exiting).
 */
struct mm_struct *memlab_get_mm(pid_t nr)
{
	return memlab_task_mm(memlab_get_task(nr));
}

/* memlab_get_mm() for a struct pid, NULL meaning the caller. */
struct mm_struct *memlab_get_pid_mm(struct pid *pid)
{
	return memlab_task_mm(memlab_get_pid_task(pid));
}
