// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: MEMLAB_IOC_MAPS, the mappings of a process with the numbers of
 * each, as records, resumable from any address.
 */
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "memlab.h"

/* Records gathered per walk before they are copied out. */
#define MEMLAB_MAPS_BATCH	128

struct memlab_maps_state {
	struct memlab_vma *buf;
	unsigned int nr;
	unsigned int cap;
	unsigned long next;	/* where the next walk starts; 0 at the end */
};

/* One finished mapping, under mmap_lock: a record of it. */
static void memlab_maps_record(struct memlab_report *report,
			       const struct memlab_vma_report *vr)
{
	struct memlab_maps_state *st = report->private;
	const struct memlab_mem_stats *s = &vr->stats;
	struct memlab_vma *rec;

	/* The walk stops once the buffer is full; never write past it. */
	if (WARN_ON_ONCE(st->nr >= st->cap))
		return;
	rec = &st->buf[st->nr++];

	memset(rec, 0, sizeof(*rec));
	rec->start = vr->start;
	rec->end = vr->end;
	rec->prot = memlab_vma_prot(vr->flags);
	rec->segment = vr->segment;
	if (vr->file) {
		const struct inode *inode = memlab_file_user_inode(vr->file);

		rec->pgoff = vr->pgoff;
		rec->dev = new_encode_dev(inode->i_sb->s_dev);
		rec->inode = inode->i_ino;
	}
	rec->rss = s->rss;
	rec->pss = s->pss_fp >> MEMLAB_PSS_SHIFT;
	rec->uss = s->uss;
	rec->anon = s->rss_anon;
	rec->file = s->rss_file;
	rec->shmem = s->rss_shmem;
	rec->swap = s->swap + s->shmem_swap;
	rec->anon_huge = s->anon_huge;
	rec->dirty = s->dirty;
	rec->referenced = s->referenced;
	rec->locked = s->pss_locked_fp >> MEMLAB_PSS_SHIFT;

	st->next = vr->end;
	if (st->nr == st->cap) {
		/* Is there anything after this one? */
		if (!find_vma(report->walk.mm, vr->end))
			st->next = 0;
		report->walk.stop = true;
	}
}

/* Copy the records out with the caller's stride, zeroing what we lack. */
static int memlab_maps_copy_out(const struct memlab_maps *arg,
				struct memlab_maps_state *st)
{
	size_t known = min_t(size_t, arg->vma_size, sizeof(struct memlab_vma));
	u8 __user *out = u64_to_user_ptr(arg->vec) + arg->count * arg->vma_size;
	unsigned int i;

	for (i = 0; i < st->nr; i++, out += arg->vma_size) {
		if (copy_to_user(out, &st->buf[i], known))
			return -EFAULT;
		if (arg->vma_size > known &&
		    clear_user(out + known, arg->vma_size - known))
			return -EFAULT;
	}
	return 0;
}

/**
 * memlab_maps() - MEMLAB_IOC_MAPS
 * @arg: the caller's argument; @count and @next are written
 *
 * Return: 0 or a negative errno.
 */
long memlab_maps(struct memlab_maps *arg)
{
	struct memlab_maps_state st = {};
	struct memlab_report *report;
	struct mm_struct *mm;
	long ret;

	if (arg->flags || arg->vma_size < MEMLAB_VMA_SIZE_VER0 ||
	    arg->vma_size > PAGE_SIZE || !arg->vec_len)
		return -EINVAL;
	if (!arg->vec)
		return -EFAULT;
	if (arg->start >= TASK_SIZE_MAX)
		return -EINVAL;
	mm = memlab_get_mm((pid_t)arg->pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);

	report = kmalloc(sizeof(*report), GFP_KERNEL);
	st.cap = min_t(u64, arg->vec_len, MEMLAB_MAPS_BATCH);
	st.buf = kmalloc_array(st.cap, sizeof(*st.buf), GFP_KERNEL);
	if (!report || !st.buf) {
		ret = -ENOMEM;
		goto out_free;
	}

	arg->count = 0;
	st.next = arg->start;
	do {
		memset(report, 0, sizeof(*report));
		report->sharing = true;
		report->vma_done = memlab_maps_record;
		report->private = &st;
		st.cap = min_t(u64, arg->vec_len - arg->count, st.cap);
		st.nr = 0;
		ret = memlab_report_mm(report, mm, st.next, TASK_SIZE_MAX);
		if (ret)
			goto out_free;
		if (!report->walk.stop)
			st.next = 0;	/* walked to the end */
		ret = memlab_maps_copy_out(arg, &st);
		if (ret)
			goto out_free;
		arg->count += st.nr;
	} while (st.next && arg->count < arg->vec_len);
	arg->next = st.next;
	ret = 0;
out_free:
	kfree(st.buf);
	kfree(report);
	mmput(mm);
	return ret;
}
