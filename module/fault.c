// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: armed protection faults, from inject to restore.
 *
 * A fault is a page-aligned range of one mm and the accesses it denies.
 * arm.c changes its PTEs so that those accesses fault; intercept.c turns
 * such a fault into SIGSEGV. This file keeps the list of faults and
 * everything about their lifetime:
 *
 *  - inject and restore, with the refusals of SPEC section 6;
 *  - keeping a fault armed when the kernel rebuilds its PTEs (swap-in,
 *    migration, fork's COW, mprotect): "service" arms them again, in the
 *    task that caused it before it returns to user space when it is a
 *    task of the target, else from a work item;
 *  - forgetting a fault whose range is unmapped or moved, or whose process
 *    exits, learnt from an mmu notifier on its mm;
 *  - restoring everything on module unload.
 *
 * Locking: memlab_fault_mutex serialises every change to the lists and is
 * taken before mmap_lock. The fault interceptors and the mmu notifier run
 * in contexts that may not sleep (or hold mmap_lock already): they only
 * read the lists under RCU, flip a fault's atomic state and ask for
 * service.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "memlab.h"

static unsigned int memlab_max_faults = 256;
module_param_named(max_faults, memlab_max_faults, uint, 0644);
MODULE_PARM_DESC(max_faults,
		 "Most faults armed at once; more are refused with ENOSPC (default: 256)");

/* Serialises inject, restore, service and unload; taken before mmap_lock. */
static DEFINE_MUTEX(memlab_fault_mutex);
/* Every fault, in id order. Under memlab_fault_mutex. */
static LIST_HEAD(memlab_faults);
static unsigned int memlab_nr_faults;
static u64 memlab_next_id = 1;
/* Every mm with a fault. RCU readers; changed under memlab_fault_mutex. */
LIST_HEAD(memlab_armed_mms);

static void memlab_service_work_fn(struct work_struct *work);
static DECLARE_WORK(memlab_service_work, memlab_service_work_fn);
/* Service task_works queued and not yet run: they run module code. */
static atomic_t memlab_task_works = ATOMIC_INIT(0);

static const char *const memlab_gone_reasons[] = {
	[MEMLAB_GONE_RESTORED]	= "restored",
	[MEMLAB_GONE_UNMAPPED]	= "dropped: its range was unmapped or moved",
	[MEMLAB_GONE_EXITED]	= "dropped: its process exited",
};

const char *memlab_deny_string(u32 deny, char *buf)
{
	char *p = buf;

	if (deny & MEMLAB_DENY_READ)
		*p++ = 'r';
	if (deny & MEMLAB_DENY_WRITE)
		*p++ = 'w';
	if (deny & MEMLAB_DENY_EXEC)
		*p++ = 'x';
	*p = '\0';
	return buf;
}

static bool memlab_overlaps(const struct memlab_fault *f, unsigned long start,
			    unsigned long end)
{
	return f->start < end && start < f->end;
}

/* Under RCU or memlab_fault_mutex. */
struct memlab_armed_mm *memlab_find_armed_mm(struct mm_struct *mm)
{
	struct memlab_armed_mm *amm;

	list_for_each_entry_rcu(amm, &memlab_armed_mms, node,
				lockdep_is_held(&memlab_fault_mutex))
		if (amm->mn.mm == mm)
			return amm;
	return NULL;
}

/**
 * memlab_fault_armed_extent() - how far from @addr the armed state is the same
 * @mm: the mm
 * @addr: first address
 * @end: end of the range of interest
 * @armed: out: whether an armed fault lies on @addr
 *
 * For SCAN's MEMLAB_PAGE_ARMED. Any context.
 *
 * Return: the end of the part of [@addr, @end) that is all armed, or all
 * not armed.
 */
unsigned long memlab_fault_armed_extent(struct mm_struct *mm,
					unsigned long addr, unsigned long end,
					bool *armed)
{
	struct memlab_armed_mm *amm;
	struct memlab_fault *f;

	*armed = false;
	if (list_empty(&memlab_armed_mms))
		return end;
	rcu_read_lock();
	amm = memlab_find_armed_mm(mm);
	if (amm) {
		list_for_each_entry_rcu(f, &amm->faults, mm_node) {
			if (atomic_read(&f->state) != MEMLAB_FAULT_ARMED ||
			    f->end <= addr || f->start >= end)
				continue;
			if (f->start <= addr) {
				*armed = true;
				end = min(end, f->end);
				break;
			}
			end = f->start;
		}
	}
	rcu_read_unlock();
	return end;
}

/* Service: bring the PTEs of every fault of an mm in line with its state. */

static void memlab_service_task_work_fn(struct callback_head *cb);

struct memlab_service_request {
	struct callback_head cb;
	struct mm_struct *mm;	/* only compared, never dereferenced */
};

/**
 * memlab_request_service() - arm the faults of @amm again, soon
 * @amm: the mm, found under RCU
 *
 * When the caller is a task of that mm, the work is done before it returns
 * to user space (task_work), so that it cannot touch the pages while they
 * are not armed; otherwise (khugepaged, kswapd, another process's
 * process_vm_readv()) from a work item. Any context but NMI.
 */
void memlab_request_service(struct memlab_armed_mm *amm)
{
	struct memlab_service_request *req;

	set_bit(MEMLAB_AMM_SERVICE, &amm->flags);
	if (current->mm == amm->mn.mm &&
	    !(current->flags & (PF_KTHREAD | PF_EXITING))) {
		req = kmalloc(sizeof(*req), GFP_ATOMIC | __GFP_NOWARN);
		if (req) {
			init_task_work(&req->cb, memlab_service_task_work_fn);
			req->mm = amm->mn.mm;
			atomic_inc(&memlab_task_works);
			if (!task_work_add(current, &req->cb, TWA_RESUME))
				return;
			atomic_dec(&memlab_task_works);
			kfree(req);
		}
	}
	queue_work(system_unbound_wq, &memlab_service_work);
}

/*
 * The pid goes with the fault, after a grace period: an interceptor that
 * found @f under RCU reads f->pid, and ours may be the last reference
 * (a remote access to the mm of a process that has been reaped).
 * memlab_fault_exit()'s rcu_barrier() waits for this callback.
 */
static void memlab_fault_free_rcu(struct rcu_head *rcu)
{
	struct memlab_fault *f = container_of(rcu, struct memlab_fault, rcu);

	put_pid(f->pid);
	kfree(f);
}

static void memlab_fault_free(struct memlab_fault *f)
{
	list_del_rcu(&f->mm_node);
	list_del(&f->node);
	memlab_nr_faults--;
	call_rcu(&f->rcu, memlab_fault_free_rcu);
}

/* Restores are many in a test loop; a fault dropped by the kernel is news. */
static void memlab_fault_log_gone(struct memlab_fault *f, enum memlab_gone why)
{
	if (why == MEMLAB_GONE_RESTORED)
		pr_info_ratelimited("fault %llu %s (%lld hits)\n", f->id,
				    memlab_gone_reasons[why],
				    (long long)atomic64_read(&f->hits));
	else
		pr_info("fault %llu %s (%lld hits)\n", f->id,
			memlab_gone_reasons[why],
			(long long)atomic64_read(&f->hits));
}

/* The last fault of @amm is gone: stop watching its mm. */
static void memlab_armed_mm_put(struct memlab_armed_mm *amm)
{
	lockdep_assert_held(&memlab_fault_mutex);
	list_del_rcu(&amm->node);
	mmu_notifier_put(&amm->mn);
}

/*
 * Bring every fault of @amm in line with its state: arm ARMED ones again,
 * put back the PTEs of SPENT ones, and forget GONE ones.
 */
static void memlab_service_mm(struct memlab_armed_mm *amm)
{
	struct mm_struct *mm = amm->mn.mm;
	struct memlab_fault *f, *tmp;
	bool touch_ptes;
	long changed = 0, ret;

	lockdep_assert_held(&memlab_fault_mutex);
	clear_bit(MEMLAB_AMM_SERVICE, &amm->flags);

	/* A process that exits takes its PTEs with it. */
	touch_ptes = !test_bit(MEMLAB_AMM_EXITED, &amm->flags) &&
		     mmget_not_zero(mm);
	if (touch_ptes)
		mmap_read_lock(mm);

	list_for_each_entry_safe(f, tmp, &amm->faults, mm_node) {
		switch (atomic_read(&f->state)) {
		case MEMLAB_FAULT_ARMED:
			if (!touch_ptes)
				break;
			ret = memlab_arm_range(mm, f->start, f->end, MEMLAB_ARM,
					       f->enforced);
			if (ret >= 0) {
				changed += ret;
				break;
			}
			/* A THP now maps it: tell, and leave nothing armed. */
			atomic_set(&f->state, MEMLAB_FAULT_LOST);
			pr_warn("fault %llu lost: a transparent huge page now maps part of 0x%lx-0x%lx\n",
				f->id, f->start, f->end);
			fallthrough;
		case MEMLAB_FAULT_SPENT:
		case MEMLAB_FAULT_LOST:
			if (touch_ptes && !f->disarmed)
				memlab_arm_range(mm, f->start, f->end,
						 MEMLAB_DISARM, f->enforced);
			f->disarmed = true;
			break;
		case MEMLAB_FAULT_GONE:
			if (touch_ptes)
				memlab_arm_range(mm, f->start, f->end,
						 MEMLAB_DISARM, f->enforced);
			memlab_fault_log_gone(f, touch_ptes ? f->gone :
					      MEMLAB_GONE_EXITED);
			memlab_fault_free(f);
			break;
		}
	}

	if (touch_ptes) {
		mmap_read_unlock(mm);
		mmput(mm);
	}
	if (changed)
		memlab_flush_tlbs();
	if (list_empty(&amm->faults))
		memlab_armed_mm_put(amm);
}

static void memlab_service_work_fn(struct work_struct *work)
{
	struct memlab_armed_mm *amm, *tmp;

	mutex_lock(&memlab_fault_mutex);
	list_for_each_entry_safe(amm, tmp, &memlab_armed_mms, node)
		if (test_bit(MEMLAB_AMM_SERVICE, &amm->flags))
			memlab_service_mm(amm);
	mutex_unlock(&memlab_fault_mutex);
}

static void memlab_service_task_work_fn(struct callback_head *cb)
{
	struct memlab_service_request *req =
		container_of(cb, struct memlab_service_request, cb);
	struct memlab_armed_mm *amm;

	mutex_lock(&memlab_fault_mutex);
	amm = memlab_find_armed_mm(req->mm);
	if (amm && test_bit(MEMLAB_AMM_SERVICE, &amm->flags))
		memlab_service_mm(amm);
	mutex_unlock(&memlab_fault_mutex);
	kfree(req);
	if (atomic_dec_and_test(&memlab_task_works))
		wake_up_var(&memlab_task_works);
}

/* What the kernel does to an mm with faults: the mmu notifier. */

static void memlab_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct memlab_armed_mm *amm = container_of(mn, struct memlab_armed_mm, mn);
	struct memlab_fault *f;

	set_bit(MEMLAB_AMM_EXITED, &amm->flags);
	rcu_read_lock();
	list_for_each_entry_rcu(f, &amm->faults, mm_node) {
		f->gone = MEMLAB_GONE_EXITED;
		atomic_set(&f->state, MEMLAB_FAULT_GONE);
	}
	rcu_read_unlock();
	set_bit(MEMLAB_AMM_SERVICE, &amm->flags);
	queue_work(system_unbound_wq, &memlab_service_work);
}

/*
 * Before the kernel changes PTEs of an armed range.
 *
 * munmap() and mremap() (MMU_NOTIFY_UNMAP) end the fault: mremap() moves
 * the PTEs, bits and all, to the new place, where the kernel would resolve
 * a protnone or write-protected entry by itself, but not an NX one; so NX
 * is taken off first. fork() (MMU_NOTIFY_PROTECTION_PAGE on a COW mapping)
 * copies the PTEs to the child, which is not armed: NX is taken off for
 * the copy and put back when fork() calls invalidate_range_end(). Both run
 * with mmap_lock held by the caller, and may sleep when the range says
 * so; the OOM reaper's may not, and its process is dying anyway.
 */
/* Exec-denied parts of a range, gathered under RCU to be changed without. */
struct memlab_nx_batch {
	unsigned int nr;
	u64 last_id;
	struct {
		unsigned long start, end;
	} range[8];
};

static bool memlab_nx_batch_gather(struct memlab_armed_mm *amm,
				   const struct mmu_notifier_range *range,
				   bool fork, struct memlab_nx_batch *batch)
{
	struct memlab_fault *f;

	batch->nr = 0;
	rcu_read_lock();
	list_for_each_entry_rcu(f, &amm->faults, mm_node) {
		/* In id order: a later batch starts after the last one. */
		if (f->id <= batch->last_id ||
		    !(f->enforced & MEMLAB_DENY_EXEC) || (fork && !f->cow) ||
		    !memlab_overlaps(f, range->start, range->end) ||
		    atomic_read(&f->state) != MEMLAB_FAULT_ARMED)
			continue;
		batch->range[batch->nr].start = max(f->start, range->start);
		batch->range[batch->nr].end = min(f->end, range->end);
		batch->last_id = f->id;
		if (++batch->nr == ARRAY_SIZE(batch->range))
			break;
	}
	rcu_read_unlock();
	return batch->nr == ARRAY_SIZE(batch->range);
}

static int memlab_mn_invalidate_range_start(struct mmu_notifier *mn,
					    const struct mmu_notifier_range *range)
{
	struct memlab_armed_mm *amm = container_of(mn, struct memlab_armed_mm, mn);
	bool unmap = range->event == MMU_NOTIFY_UNMAP;
	bool fork = range->event == MMU_NOTIFY_PROTECTION_PAGE &&
		    current->mm == range->mm;
	struct memlab_nx_batch batch = {};
	struct memlab_fault *f;
	bool more;
	unsigned int i;

	if (!unmap && !fork)
		return 0;
	/* Page tables are changed outside RCU: arming may sleep. */
	if (mmu_notifier_range_blockable(range) &&
	    rwsem_is_locked(&range->mm->mmap_lock)) {
		do {
			more = memlab_nx_batch_gather(amm, range, fork, &batch);
			for (i = 0; i < batch.nr; i++)
				memlab_arm_range(range->mm, batch.range[i].start,
						 batch.range[i].end, MEMLAB_DISARM,
						 MEMLAB_DENY_EXEC);
		} while (more);
	}
	if (!unmap)
		return 0;

	rcu_read_lock();
	list_for_each_entry_rcu(f, &amm->faults, mm_node) {
		if (!memlab_overlaps(f, range->start, range->end) ||
		    atomic_read(&f->state) != MEMLAB_FAULT_ARMED)
			continue;
		f->gone = MEMLAB_GONE_UNMAPPED;
		atomic_set(&f->state, MEMLAB_FAULT_GONE);
		set_bit(MEMLAB_AMM_SERVICE, &amm->flags);
	}
	rcu_read_unlock();
	if (test_bit(MEMLAB_AMM_SERVICE, &amm->flags))
		queue_work(system_unbound_wq, &memlab_service_work);
	return 0;
}

/*
 * After the kernel changed PTEs of an armed range (swap-out, migration,
 * THP collapse, mprotect(), fork(), MADV_DONTNEED...): what it rebuilt may
 * allow the denied access again, so arm it again.
 */
static void memlab_mn_invalidate_range_end(struct mmu_notifier *mn,
					   const struct mmu_notifier_range *range)
{
	struct memlab_armed_mm *amm = container_of(mn, struct memlab_armed_mm, mn);
	struct memlab_fault *f;
	bool rearm = false;

	if (range->event == MMU_NOTIFY_UNMAP || range->event == MMU_NOTIFY_RELEASE)
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(f, &amm->faults, mm_node)
		if (memlab_overlaps(f, range->start, range->end) &&
		    atomic_read(&f->state) == MEMLAB_FAULT_ARMED)
			rearm = true;
	rcu_read_unlock();
	if (rearm)
		memlab_request_service(amm);
}

static struct mmu_notifier *memlab_mn_alloc(struct mm_struct *mm)
{
	struct memlab_armed_mm *amm = kzalloc(sizeof(*amm), GFP_KERNEL);

	if (!amm)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&amm->faults);
	return &amm->mn;
}

static void memlab_mn_free(struct mmu_notifier *mn)
{
	/* The fault interceptors may still see it, under plain RCU. */
	kfree_rcu(container_of(mn, struct memlab_armed_mm, mn), rcu);
}

static const struct mmu_notifier_ops memlab_mn_ops = {
	.release		= memlab_mn_release,
	.invalidate_range_start	= memlab_mn_invalidate_range_start,
	.invalidate_range_end	= memlab_mn_invalidate_range_end,
	.alloc_notifier		= memlab_mn_alloc,
	.free_notifier		= memlab_mn_free,
};

/*
 * The watched mm of @mm, created if need be. Called with mmap_lock held
 * for write (mmu_notifier_get_locked() needs it).
 */
static struct memlab_armed_mm *memlab_armed_mm_get(struct mm_struct *mm)
{
	struct memlab_armed_mm *amm = memlab_find_armed_mm(mm);
	struct mmu_notifier *mn;

	if (amm)
		return amm;
	mn = mmu_notifier_get_locked(&memlab_mn_ops, mm);
	if (IS_ERR(mn))
		return ERR_CAST(mn);
	amm = container_of(mn, struct memlab_armed_mm, mn);
	list_add_rcu(&amm->node, &memlab_armed_mms);
	return amm;
}

/* Inject */

static bool memlab_range_is_cow(struct mm_struct *mm, unsigned long start,
				unsigned long end)
{
	struct vm_area_struct *vma;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end))
		if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE)
			return true;
	return false;
}

static int memlab_inject_check_args(const struct memlab_inject *arg)
{
	if (arg->flags & ~MEMLAB_INJECT_FLAGS || arg->reserved)
		return -EINVAL;
	if (!arg->deny || arg->deny & ~MEMLAB_DENY_ALL)
		return -EINVAL;
	if (!arg->len || !PAGE_ALIGNED(arg->start) || !PAGE_ALIGNED(arg->len))
		return -EINVAL;
	if (arg->start + arg->len < arg->start ||
	    arg->start + arg->len > TASK_SIZE_MAX)
		return -EINVAL;
	return 0;
}

/* The mm to arm, with the refusals about the process itself. */
static struct mm_struct *memlab_inject_mm(pid_t nr, struct pid **pidp)
{
	struct task_struct *task = memlab_get_task(nr);
	struct mm_struct *mm;

	if (IS_ERR(task))
		return ERR_CAST(task);
	/* The caller's init: a SIGSEGV there would take the namespace down. */
	if (task_tgid_vnr(task) == 1) {
		put_task_struct(task);
		return ERR_PTR(-EINVAL);
	}
	mm = get_task_mm(task);
	if (mm)
		*pidp = get_pid(task_tgid(task));
	put_task_struct(task);
	return mm ?: ERR_PTR(-ESRCH);
}

static int memlab_inject_locked(struct mm_struct *mm, struct memlab_fault *f)
{
	struct memlab_armed_mm *amm;
	long ret;

	lockdep_assert_held(&memlab_fault_mutex);
	if (memlab_nr_faults >= memlab_max_faults)
		return -ENOSPC;

	ret = mmap_write_lock_killable(mm);
	if (ret)
		return ret;
	ret = memlab_check_armable(mm, f->start, f->end);
	if (ret)
		goto out_unlock;
	amm = memlab_find_armed_mm(mm);
	if (amm) {
		struct memlab_fault *other;

		list_for_each_entry(other, &amm->faults, mm_node)
			if (memlab_overlaps(other, f->start, f->end)) {
				ret = -EBUSY;
				goto out_unlock;
			}
	} else {
		amm = memlab_armed_mm_get(mm);
		if (IS_ERR(amm)) {
			ret = PTR_ERR(amm);
			/*
			 * Registering the notifier takes all the mm's locks,
			 * and gives up on any pending signal. Nothing is armed
			 * yet: the call starts again after a handler installed
			 * with SA_RESTART, else fails with EINTR. Never a
			 * restart regardless: a process that is signalled
			 * more often than the locks can be taken would loop.
			 */
			if (ret == -EINTR)
				ret = -ERESTARTSYS;
			goto out_unlock;
		}
	}
	f->amm = amm;
	f->cow = memlab_range_is_cow(mm, f->start, f->end);
	atomic_set(&f->state, MEMLAB_FAULT_ARMED);

	/*
	 * Published before the PTEs change: a fault taken in between is
	 * already refused, where the other order would let the kernel
	 * resolve it and undo the arming.
	 */
	f->id = memlab_next_id++;
	list_add_tail_rcu(&f->mm_node, &amm->faults);
	ret = memlab_arm_range(mm, f->start, f->end, MEMLAB_ARM, f->enforced);
	if (ret < 0) {
		/* A THP maps part of the range: undo, leave it as it was. */
		memlab_arm_range(mm, f->start, f->end, MEMLAB_DISARM, f->enforced);
		list_del_rcu(&f->mm_node);
		if (list_empty(&amm->faults))
			memlab_armed_mm_put(amm);
		mmap_write_unlock(mm);
		memlab_flush_tlbs();
		synchronize_rcu();	/* f is freed by the caller */
		pr_info("inject refused: a transparent huge page maps part of 0x%lx-0x%lx; split it first (MADV_COLD on part of it, or memlab inject, does)\n",
			f->start, f->end);
		return -EOPNOTSUPP;
	}
	mmap_write_unlock(mm);
	memlab_flush_tlbs();

	list_add_tail(&f->node, &memlab_faults);
	memlab_nr_faults++;
	return 0;

out_unlock:
	mmap_write_unlock(mm);
	return ret;
}

/**
 * memlab_inject() - MEMLAB_IOC_INJECT
 * @arg: the request; @id and @enforced are filled in
 *
 * Return: 0, or the errnos of SPEC section 6, with nothing changed.
 */
long memlab_inject(struct memlab_inject *arg)
{
	struct pid *pid = NULL;
	struct memlab_fault *f;
	struct mm_struct *mm;
	char deny[4], enforced[4];
	pid_t nr = 0;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!memlab_intercept_ready())
		return -EOPNOTSUPP;
	ret = memlab_inject_check_args(arg);
	if (ret)
		return ret;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->start = arg->start;
	f->end = arg->start + arg->len;
	f->deny = arg->deny;
	/* x86 cannot let a page be written or run but not read. */
	f->enforced = arg->deny & MEMLAB_DENY_READ ? MEMLAB_DENY_ALL : arg->deny;
	f->flags = arg->flags;
	atomic64_set(&f->hits, 0);
	ratelimit_state_init(&f->log_limit, 5 * HZ, 10);

	mm = memlab_inject_mm((pid_t)arg->pid, &pid);
	if (IS_ERR(mm)) {
		ret = PTR_ERR(mm);
		goto out_free;
	}
	f->pid = pid;

	mutex_lock(&memlab_fault_mutex);
	ret = memlab_inject_locked(mm, f);
	if (!ret) {
		/*
		 * Read under the mutex: once it is released, @f is the fault
		 * list's, and its process exiting drops and frees it (and
		 * its pid reference) at any time.
		 */
		arg->id = f->id;
		arg->enforced = f->enforced;
		nr = pid_nr(pid);
	}
	mutex_unlock(&memlab_fault_mutex);
	mmput(mm);
	if (ret)
		goto out_put_pid;

	pr_info_ratelimited("fault %llu armed: pid %d 0x%llx-0x%llx deny %s (enforced %s) %s\n",
			    arg->id, nr, arg->start, arg->start + arg->len,
			    memlab_deny_string(arg->deny, deny),
			    memlab_deny_string(arg->enforced, enforced),
			    arg->flags & MEMLAB_INJECT_ONESHOT ? "oneshot" : "persistent");
	return 0;

out_put_pid:
	put_pid(pid);
out_free:
	kfree(f);
	return ret;
}

/* Restore */

/* Under memlab_fault_mutex. Return: faults restored. */
static u64 memlab_restore_locked(u64 id, bool all)
{
	struct memlab_armed_mm *amm, *tmp;
	struct memlab_fault *f;
	u64 restored = 0;

	lockdep_assert_held(&memlab_fault_mutex);
	list_for_each_entry(f, &memlab_faults, node) {
		if (!all && f->id != id)
			continue;
		/* Serviced in any case: one the kernel is dropping goes now. */
		set_bit(MEMLAB_AMM_SERVICE, &f->amm->flags);
		/*
		 * From here the interceptors let every access through. One
		 * that is gone already (unmapped, its process exited) was
		 * not restored by this call: not counted, its reason kept.
		 */
		if (atomic_xchg(&f->state, MEMLAB_FAULT_GONE) == MEMLAB_FAULT_GONE)
			continue;
		f->gone = MEMLAB_GONE_RESTORED;
		restored++;
	}
	list_for_each_entry_safe(amm, tmp, &memlab_armed_mms, node)
		if (test_bit(MEMLAB_AMM_SERVICE, &amm->flags))
			memlab_service_mm(amm);
	return restored;
}

/**
 * memlab_restore() - MEMLAB_IOC_RESTORE
 * @arg: the request; @restored is filled in
 *
 * Return: 0, EPERM, EINVAL for unknown flags, ENOENT for an unknown id.
 */
long memlab_restore(struct memlab_restore *arg)
{
	bool all = arg->flags & MEMLAB_RESTORE_ALL;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (arg->flags & ~MEMLAB_RESTORE_FLAGS)
		return -EINVAL;
	mutex_lock(&memlab_fault_mutex);
	arg->restored = memlab_restore_locked(arg->id, all);
	mutex_unlock(&memlab_fault_mutex);
	return arg->restored || all ? 0 : -ENOENT;
}

/* List */

/*
 * @state is read once by the caller, which decided on it: the notifier
 * changes it without memlab_fault_mutex.
 */
static void memlab_fault_fill_info(const struct memlab_fault *f, int state,
				   struct memlab_fault_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = f->id;
	info->start = f->start;
	info->end = f->end;
	info->pid = pid_vnr(f->pid);
	info->deny = f->deny;
	info->enforced = f->enforced;
	info->state = state;
	info->flags = f->flags;
	info->hits = atomic64_read(&f->hits);
}

#define MEMLAB_LIST_BATCH	64

/**
 * memlab_list_faults() - MEMLAB_IOC_LIST_FAULTS
 * @arg: the request; @count and @next_id are filled in
 *
 * Return: 0, EPERM, EINVAL for bad arguments, EFAULT for a bad @vec.
 */
long memlab_list_faults(struct memlab_list_faults *arg)
{
	struct memlab_fault_info *infos;
	struct memlab_fault *f;
	u64 n = 0, i;
	size_t stride;
	long ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (arg->flags || arg->reserved || !arg->vec_len ||
	    arg->info_size < MEMLAB_FAULT_INFO_SIZE_VER0 ||
	    arg->info_size > PAGE_SIZE)
		return -EINVAL;
	stride = arg->info_size;

	infos = kcalloc(MEMLAB_LIST_BATCH, sizeof(*infos), GFP_KERNEL);
	if (!infos)
		return -ENOMEM;
	arg->next_id = 0;
	mutex_lock(&memlab_fault_mutex);
	list_for_each_entry(f, &memlab_faults, node) {
		int state = atomic_read(&f->state);

		/* Being dropped: not armed, and gone once the work has run. */
		if (f->id < arg->start_id || state == MEMLAB_FAULT_GONE)
			continue;
		if (n == arg->vec_len || n == MEMLAB_LIST_BATCH) {
			arg->next_id = f->id;
			break;
		}
		memlab_fault_fill_info(f, state, &infos[n++]);
	}
	mutex_unlock(&memlab_fault_mutex);

	/* Copied without the mutex: the buffer may fault, even on a fault. */
	for (i = 0; i < n; i++) {
		void __user *dst = u64_to_user_ptr(arg->vec + i * stride);

		if (copy_to_user(dst, &infos[i], min(stride, sizeof(infos[i]))) ||
		    (stride > sizeof(infos[i]) &&
		     clear_user(dst + sizeof(infos[i]), stride - sizeof(infos[i])))) {
			ret = -EFAULT;
			break;
		}
	}
	arg->count = i;
	kfree(infos);
	return ret;
}

/* /proc/memlab/faults */

static const char *const memlab_state_names[] = {
	[MEMLAB_FAULT_ARMED]	= "armed",
	[MEMLAB_FAULT_SPENT]	= "spent",
	[MEMLAB_FAULT_LOST]	= "lost",
	[MEMLAB_FAULT_GONE]	= "restoring",
};

/**
 * memlab_faults_show() - the text of /proc/memlab/faults
 * @m: the seq_file
 */
void memlab_faults_show(struct seq_file *m)
{
	struct memlab_fault_info info;
	struct memlab_fault *f;
	char deny[4], enforced[4];

	seq_printf(m, "%-4s %-7s %-33s %-4s %-8s %-10s %-9s %s\n", "ID", "PID",
		   "RANGE", "DENY", "ENFORCED", "MODE", "STATE", "HITS");
	mutex_lock(&memlab_fault_mutex);
	list_for_each_entry(f, &memlab_faults, node) {
		memlab_fault_fill_info(f, atomic_read(&f->state), &info);
		seq_printf(m, "%-4llu %-7u %016llx-%016llx %-4s %-8s %-10s %-9s %llu\n",
			   info.id, info.pid, info.start, info.end,
			   memlab_deny_string(info.deny, deny),
			   memlab_deny_string(info.enforced, enforced),
			   info.flags & MEMLAB_INJECT_ONESHOT ? "oneshot" : "persistent",
			   memlab_state_names[info.state], info.hits);
	}
	mutex_unlock(&memlab_fault_mutex);
}

/* Lifetime of the whole */

int memlab_fault_init(void)
{
	return memlab_intercept_init();
}

/**
 * memlab_fault_exit() - on module unload: restore everything
 *
 * Nothing armed may outlive the module, and no code of it may run after:
 * the interceptors go first, then every fault is restored, then the
 * work, task_works and mmu notifier callbacks still in flight are waited
 * for.
 */
void memlab_fault_exit(void)
{
	u64 restored;

	memlab_intercept_exit();
	mutex_lock(&memlab_fault_mutex);
	restored = memlab_restore_locked(0, true);
	mutex_unlock(&memlab_fault_mutex);
	if (restored)
		pr_info("unload: restored %llu faults\n", restored);

	/* No notifier callback runs after this: they could queue work. */
	mmu_notifier_synchronize();
	cancel_work_sync(&memlab_service_work);
	wait_var_event(&memlab_task_works, !atomic_read(&memlab_task_works));
	/*
	 * A task_work may still be on its way out of its function, and a
	 * faulting task the kprobe sent to memlab_fault_denied() runs it
	 * preemptibly: both are out once every task has scheduled by itself.
	 */
	synchronize_rcu_tasks();
	rcu_barrier();
}

/* For intercept.c: a denied access was caught. */
void memlab_fault_count_hit(struct memlab_fault *f)
{
	atomic64_inc(&f->hits);
	if ((f->flags & MEMLAB_INJECT_ONESHOT) &&
	    atomic_cmpxchg(&f->state, MEMLAB_FAULT_ARMED,
			   MEMLAB_FAULT_SPENT) == MEMLAB_FAULT_ARMED)
		memlab_request_service(f->amm);
}
