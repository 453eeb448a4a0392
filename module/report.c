// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: a report on a whole process, the numbers behind
 * /proc/memlab/summary, /proc/memlab/maps and MEMLAB_IOC_SUMMARY: one walk
 * of every VMA, accounted per VMA, added up per segment class and in total.
 */
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "compat.h"
#include "memlab.h"

static void memlab_report_vma_begin(struct memlab_walk *walk,
				    struct vm_area_struct *vma)
{
	struct memlab_report *report = container_of(walk, struct memlab_report, walk);
	struct memlab_vma_report *vr = &report->cur;

	/* The markers, once per walk, while mmap_lock is held. */
	if (!report->have_segments) {
		memlab_segments_snapshot(&report->seg, walk->mm);
		report->have_segments = true;
	}

	memset(vr, 0, sizeof(*vr));
	vr->start = vma->vm_start;
	vr->end = vma->vm_end;
	vr->flags = vma->vm_flags;
	vr->pgoff = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
	vr->segment = memlab_segment_of(&report->seg, vma);
	if (report->vma_done && vma->vm_file)
		vr->file = get_file(vma->vm_file);

	memlab_account_vma_begin(&report->acct, walk, vma);
}

static void memlab_report_vma_end(struct memlab_walk *walk)
{
	struct memlab_report *report = container_of(walk, struct memlab_report, walk);
	struct memlab_vma_report *vr = &report->cur;
	struct memlab_segment_usage *use = &report->segments[vr->segment];

	if (walk->aborted)
		goto out_put_file;

	vr->stats = report->acct.vma_stats;
	memlab_mem_stats_add(&report->total, &vr->stats);
	use->rss += vr->stats.rss;
	use->swap += vr->stats.swap + vr->stats.shmem_swap;
	report->vmas++;

	if (report->vma_done)
		report->vma_done(report, vr);
out_put_file:
	if (vr->file)
		fput(vr->file);
	vr->file = NULL;
}

static const struct memlab_walk_ops memlab_report_walk_ops = {
	.vma_begin = memlab_report_vma_begin,
	.vma_end = memlab_report_vma_end,
	.entry = &memlab_account_entry_ops,
};

/**
 * memlab_report_mm() - account every mapping of @mm that ends after @start
 * @report: zeroed, with @sharing, @vma_done and @private set
 * @mm: a referenced mm, not locked
 * @start: the first mapping reported is the one containing or after it,
 *	   whole
 * @end: end of the range of interest
 *
 * Return: 0, or -EINTR when a fatal signal interrupted the walk.
 */
int memlab_report_mm(struct memlab_report *report, struct mm_struct *mm,
		     unsigned long start, unsigned long end)
{
	report->walk.mm = mm;
	report->walk.ops = &memlab_report_walk_ops;
	report->walk.private = &report->acct;
	report->walk.whole_vmas = true;
	report->acct.sharing = report->sharing && !report->page_tables_only;
	report->acct.page_tables_only = report->page_tables_only;
	return memlab_walk_mm(&report->walk, start, end);
}

void memlab_report_to_summary(const struct memlab_report *report,
			      struct memlab_summary *sum)
{
	const struct memlab_mem_stats *t = &report->total;

	sum->rss = t->rss;
	if (report->page_tables_only) {
		/*
		 * Which kind a page is lives in its struct page: take the
		 * mm's own counters, which /proc/PID/status shows.
		 */
		sum->rss_anon = memlab_mm_counter(report->walk.mm, MM_ANONPAGES);
		sum->rss_file = memlab_mm_counter(report->walk.mm, MM_FILEPAGES);
		sum->rss_shmem = memlab_mm_counter(report->walk.mm, MM_SHMEMPAGES);
		sum->rss_anon <<= PAGE_SHIFT;
		sum->rss_file <<= PAGE_SHIFT;
		sum->rss_shmem <<= PAGE_SHIFT;
	} else {
		sum->rss_anon = t->rss_anon;
		sum->rss_file = t->rss_file;
		sum->rss_shmem = t->rss_shmem;
	}
	sum->pss = t->pss_fp >> MEMLAB_PSS_SHIFT;
	sum->uss = t->uss;
	sum->swap = t->swap;
	sum->shmem_swap = t->shmem_swap;
	sum->anon_huge = t->anon_huge;
	sum->dirty = t->dirty;
	sum->referenced = t->referenced;
	sum->locked = t->pss_locked_fp >> MEMLAB_PSS_SHIFT;
	sum->page_tables = report->walk.tables * PAGE_SIZE;
	sum->vmas = report->vmas;
	memcpy(sum->segments, report->segments, sizeof(sum->segments));
	sum->ptes_visited = report->walk.entries;
	sum->walk_ns = report->walk.walk_ns;
	sum->lock_drops = report->walk.lock_drops;
	sum->max_lock_hold_ns = report->walk.max_hold_ns;
}
