// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: MEMLAB_IOC_SCAN, PAGEMAP_SCAN (6.7) for any process on any
 * kernel: the categories of each page, matched against the caller's masks
 * and reported as run-length regions.
 *
 * Where pagemap has a bit for a category, the category is defined exactly
 * as fs/proc/task_mmu.c sets that bit (pte_to_pagemap_entry(),
 * pagemap_pmd_range(), pagemap_pte_hole()), so that the regions equal what
 * /proc/PID/pagemap says, page for page.
 *
 * Regions are gathered in a kernel buffer while mmap_lock is held and
 * copied out after it is dropped: the target may be the caller itself, and
 * a fault on the caller's buffer must never wait for its own mmap_lock.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "memlab.h"

/*
 * Regions gathered per mmap_lock hold before they are copied out: 64 KiB.
 * Each batch ends the walk, which then starts again from the pgd; with
 * one region per present page (a sparse process) a small batch made those
 * restarts a fifth of the time of a SCAN.
 */
#define MEMLAB_SCAN_BATCH	(SZ_64K / sizeof(struct memlab_scan_region))

/* The categories that need the struct page, not just the entry. */
#define MEMLAB_SCAN_PAGE_CATEGORIES					\
	(MEMLAB_PAGE_FILE | MEMLAB_PAGE_SHARED | MEMLAB_PAGE_EXCLUSIVE |	\
	 MEMLAB_PAGE_DIRTY)

struct memlab_scan_state {
	const struct memlab_scan *arg;
	struct memlab_scan_region *buf;
	unsigned int buf_len;		/* capacity of @buf */
	unsigned int nr;		/* regions in @buf */
	u64 copied;			/* regions already copied out */
	u64 pages;			/* pages reported */
	u64 all_categories;		/* every category any mask names */
	u64 vma_categories;		/* of every page of the VMA walked */
	bool holes_match;		/* an empty entry there can be reported */
	unsigned long armed_start;	/* [armed_start, armed_end) is all */
	unsigned long armed_end;	/* armed, or all not armed, as @armed */
	u64 armed_lock_drops;		/* walk->lock_drops when looked up */
	bool armed;
	unsigned long stop_addr;	/* where the walk stopped */
	bool done;			/* vec or max_pages is full */
};

static bool memlab_scan_matches(const struct memlab_scan *arg, u64 categories)
{
	categories ^= arg->category_inverted;
	if ((categories & arg->category_mask) != arg->category_mask)
		return false;
	return !arg->category_anyof_mask ||
	       (categories & arg->category_anyof_mask);
}

static void memlab_scan_stop(struct memlab_walk *walk,
			     struct memlab_scan_state *st, unsigned long addr,
			     bool done)
{
	st->stop_addr = addr;
	st->done = done;
	walk->stop = true;
}

/* Report [@addr, @end), pages that all have @categories. */
static __always_inline void memlab_scan_output_run(struct memlab_walk *walk,
						   unsigned long addr,
						   unsigned long end,
						   u64 categories)
{
	struct memlab_scan_state *st = walk->private;
	const struct memlab_scan *arg = st->arg;
	struct memlab_scan_region *last = st->nr ? &st->buf[st->nr - 1] : NULL;
	unsigned long nr_pages = (end - addr) >> PAGE_SHIFT;
	bool last_pages = false;

	if (walk->stop || !memlab_scan_matches(arg, categories))
		return;
	categories &= arg->return_mask;

	if (arg->max_pages && nr_pages >= arg->max_pages - st->pages) {
		nr_pages = arg->max_pages - st->pages;
		end = addr + (nr_pages << PAGE_SHIFT);
		last_pages = true;
	}

	if (last && last->end == addr && last->categories == categories) {
		last->end = end;
	} else {
		if (st->copied + st->nr == arg->vec_len) {
			memlab_scan_stop(walk, st, addr, true);
			return;
		}
		if (st->nr == st->buf_len) {
			/* Copy out what we have, and come back here. */
			memlab_scan_stop(walk, st, addr, false);
			return;
		}
		st->buf[st->nr++] = (struct memlab_scan_region) {
			.start = addr, .end = end, .categories = categories,
		};
	}
	st->pages += nr_pages;
	if (last_pages)
		memlab_scan_stop(walk, st, end, true);
}

/*
 * As memlab_scan_output_run(), adding MEMLAB_PAGE_ARMED where it holds.
 * The armed state is looked up once per run of pages that share it, not
 * per page: the run is kept in @st until the walk leaves it or the VMA, or
 * lets mmap_lock go, when an INJECT or RESTORE may have changed it.
 */
static void memlab_scan_output(struct memlab_walk *walk, unsigned long addr,
			       unsigned long end, u64 categories)
{
	struct memlab_scan_state *st = walk->private;
	unsigned long next;

	for (; addr < end && !walk->stop; addr = next) {
		if (addr < st->armed_start || addr >= st->armed_end ||
		    st->armed_lock_drops != walk->lock_drops) {
			st->armed_lock_drops = walk->lock_drops;
			st->armed_start = addr;
			st->armed_end = memlab_fault_armed_extent(walk->mm, addr,
								  st->arg->end,
								  &st->armed);
		}
		next = min(end, st->armed_end);
		memlab_scan_output_run(walk, addr, next, st->armed ?
				       categories | MEMLAB_PAGE_ARMED : categories);
	}
}

/* What pagemap reports for a page behind a PTE, PMD or swap entry. */
static u64 memlab_scan_page_categories(struct memlab_scan_state *st,
				       struct page *page, bool present,
				       bool migration)
{
	u64 cat = 0;
	int mapcount;

	if (!page || !(st->all_categories & MEMLAB_SCAN_PAGE_CATEGORIES))
		return 0;
	if (!folio_test_anon(page_folio(page)))
		cat |= MEMLAB_PAGE_FILE;
	if (folio_test_dirty(page_folio(page)))
		cat |= MEMLAB_PAGE_DIRTY;
	/* 6.1 also reads the mapcount behind a hwpoison entry. */
	if (present || (!MEMLAB_NONPRESENT_SHARED && !migration)) {
		mapcount = memlab_page_mapcount(page);
		if (mapcount == 1)
			cat |= MEMLAB_PAGE_EXCLUSIVE;
		else if (mapcount > 1 && present)
			cat |= MEMLAB_PAGE_SHARED;
	}
	return cat;
}

static u64 memlab_scan_vma_categories(struct vm_area_struct *vma)
{
	return vma->vm_flags & VM_SOFTDIRTY ? MEMLAB_PAGE_SOFT_DIRTY : 0;
}

/*
 * Most SCANs ask for present pages: then nothing that maps nothing can be
 * reported, and the walk need not call out for holes at all.
 */
static void memlab_scan_vma_begin(struct memlab_walk *walk,
				  struct vm_area_struct *vma)
{
	struct memlab_scan_state *st = walk->private;
	u64 cat = memlab_scan_vma_categories(vma);

	st->vma_categories = cat;
	st->holes_match = memlab_scan_matches(st->arg, cat) ||
			  memlab_scan_matches(st->arg, cat | MEMLAB_PAGE_ARMED);
	walk->want_holes = st->holes_match;
	/* A fault may have been armed or restored since: look again. */
	st->armed_start = 0;
	st->armed_end = 0;
}

/* What pagemap reports for the page behind a PTE that is not empty. */
static __always_inline u64 memlab_scan_pte_categories(struct memlab_scan_state *st,
						      pte_t pte)
{
	u64 cat = st->vma_categories;
	struct page *page = NULL;
	bool migration = false;

	if (pte_present(pte)) {
		unsigned long pfn = pte_pfn(pte);

		cat |= MEMLAB_PAGE_PRESENT;
		if (pte_soft_dirty(pte))
			cat |= MEMLAB_PAGE_SOFT_DIRTY;
		if (pte_uffd_wp(pte))
			cat |= MEMLAB_PAGE_UFFD_WP;
		if (pte_dirty(pte))
			cat |= MEMLAB_PAGE_DIRTY;
		if (pte_young(pte))
			cat |= MEMLAB_PAGE_YOUNG;
		if (pte_protnone(pte))
			cat |= MEMLAB_PAGE_PROTNONE;
		if (is_zero_pfn(pfn))
			cat |= MEMLAB_PAGE_ZERO;
		/* The struct page only when a mask needs what it holds. */
		if (st->all_categories & MEMLAB_SCAN_PAGE_CATEGORIES) {
			page = memlab_normal_page(pte);
			cat |= memlab_scan_page_categories(st, page, true,
							   false);
		}
	} else {
		swp_entry_t entry = pte_to_swp_entry(pte);

		cat |= MEMLAB_PAGE_SWAPPED;
		if (pte_swp_soft_dirty(pte))
			cat |= MEMLAB_PAGE_SOFT_DIRTY;
		if (pte_swp_uffd_wp(pte) || pte_marker_entry_uffd_wp(entry))
			cat |= MEMLAB_PAGE_UFFD_WP;
		if (is_pfn_swap_entry(entry)) {
			migration = is_migration_entry(entry);
			cat |= MEMLAB_PAGE_MIGRATION;
			page = pfn_swap_entry_to_page(entry);
			cat |= memlab_scan_page_categories(st, page, false,
							   migration);
		}
	}
	return cat;
}

/*
 * A PMD-mapped THP or its migration entry. The categories are the same for
 * all its pages but the mapcount ones, which 6.12 reads per page and 6.1
 * from the head page; read per page only when a mask asks for them.
 */
static void memlab_scan_pmd(struct memlab_walk *walk, pmd_t pmd,
			    unsigned long addr, unsigned long end)
{
	struct memlab_scan_state *st = walk->private;
	u64 cat = st->vma_categories | MEMLAB_PAGE_HUGE;
	unsigned long pfn = pmd_pfn(pmd);
	struct page *head = NULL, *page;
	bool present = pmd_present(pmd);
	bool per_page;

	if (present) {
		cat |= MEMLAB_PAGE_PRESENT;
		if (pmd_soft_dirty(pmd))
			cat |= MEMLAB_PAGE_SOFT_DIRTY;
		if (pmd_uffd_wp(pmd))
			cat |= MEMLAB_PAGE_UFFD_WP;
		if (pmd_dirty(pmd))
			cat |= MEMLAB_PAGE_DIRTY;
		if (pmd_young(pmd))
			cat |= MEMLAB_PAGE_YOUNG;
		if (pmd_protnone(pmd))
			cat |= MEMLAB_PAGE_PROTNONE;
		if (pfn_valid(pfn)) {
			head = pfn_to_page(pfn);
			if (walk->vma && vma_is_anonymous(walk->vma) &&
			    !folio_test_anon(page_folio(head)))
				cat |= MEMLAB_PAGE_ZERO;	/* huge zero page */
		}
	} else {
		swp_entry_t entry = pmd_to_swp_entry(pmd);

		cat |= MEMLAB_PAGE_SWAPPED | MEMLAB_PAGE_MIGRATION;
		if (pmd_swp_soft_dirty(pmd))
			cat |= MEMLAB_PAGE_SOFT_DIRTY;
		if (pmd_swp_uffd_wp(pmd))
			cat |= MEMLAB_PAGE_UFFD_WP;
		head = pfn_swap_entry_to_page(entry);
	}

	/* @head is the THP's first page; @addr may be inside it. */
	per_page = head && (st->all_categories &
			    (MEMLAB_PAGE_SHARED | MEMLAB_PAGE_EXCLUSIVE)) &&
		   memlab_pmd_mapcount_per_page();
	if (!per_page) {
		u64 page_cat = memlab_scan_page_categories(st, head, present,
							   !present);

		memlab_scan_output(walk, addr, end, cat | page_cat);
		return;
	}
	page = head + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	for (; addr < end && !walk->stop; addr += PAGE_SIZE, page++)
		memlab_scan_output(walk, addr, addr + PAGE_SIZE,
				   cat | memlab_scan_page_categories(st, page,
								     present,
								     !present));
}

/*
 * A hugetlb page, as pagemap_hugetlb_range() sees it: no "swapped" for a
 * non-present entry, and soft-dirty only from the VMA.
 */
static void memlab_scan_hugetlb(struct memlab_walk *walk, pte_t pte,
				pte_t *ptep, unsigned long addr,
				unsigned long end, unsigned long size)
{
	struct memlab_scan_state *st = walk->private;
	u64 cat = st->vma_categories | MEMLAB_PAGE_HUGE;

	if (pte_present(pte)) {
		struct folio *folio = page_folio(pte_page(pte));

		cat |= MEMLAB_PAGE_PRESENT;
		if (!folio_test_anon(folio))
			cat |= MEMLAB_PAGE_FILE;
		if (memlab_hugetlb_exclusive(folio, ptep))
			cat |= MEMLAB_PAGE_EXCLUSIVE;
		else
			cat |= MEMLAB_PAGE_SHARED;
		if (huge_pte_uffd_wp(pte))
			cat |= MEMLAB_PAGE_UFFD_WP;
		if (pte_dirty(pte) || folio_test_dirty(folio))
			cat |= MEMLAB_PAGE_DIRTY;
		if (pte_young(pte))
			cat |= MEMLAB_PAGE_YOUNG;
	} else {
		swp_entry_t entry = pte_to_swp_entry(pte);

		if (pte_swp_uffd_wp_any(pte))
			cat |= MEMLAB_PAGE_UFFD_WP;
		if (is_pfn_swap_entry(entry))
			cat |= MEMLAB_PAGE_MIGRATION;
	}
	if (!(st->all_categories & MEMLAB_SCAN_PAGE_CATEGORIES))
		cat &= ~MEMLAB_SCAN_PAGE_CATEGORIES;
	memlab_scan_output(walk, addr, end, cat);
}

static void memlab_scan_hole(struct memlab_walk *walk, unsigned long addr,
			     unsigned long end)
{
	struct memlab_scan_state *st = walk->private;

	if (addr < end)
		memlab_scan_output(walk, addr, end, st->vma_categories);
}

/*
 * One PTE table, over its entries in use. With a sparse process nearly
 * every entry is empty: the runs of them between two used ones are one
 * hole, reported only when holes can match.
 *
 * The used entries right after one, in its block, that have the same
 * categories are reported with it, in one call and one armed-fault
 * lookup: per page, those were most of a SCAN of pages written in runs
 * (bench row c2, Documentation/performance.rst). A run that goes on in
 * the next block is one more call, which memlab_scan_output() merges into
 * the same region. A lone page costs one test more.
 */
static void memlab_scan_pte_table(struct memlab_walk *walk, pte_t *ptep,
				  unsigned long addr, unsigned long end)
{
	struct memlab_scan_state *st = walk->private;
	unsigned long hole = addr, baddr, eaddr;
	unsigned int range, used, i, n;
	pte_t *block;
	u64 cat;

	block = memlab_pte_block_start(ptep, addr);
	baddr = ALIGN_DOWN(addr, MEMLAB_PTE_BLOCK_SIZE);
	range = memlab_pte_block_range(baddr, addr, end);
	do {
		used = memlab_pte_block_used(block, range);
		while (used) {
			i = __ffs(used);
			eaddr = baddr + i * PAGE_SIZE;
			cat = memlab_scan_pte_categories(st, ptep_get(block + i));
			/* Bit MEMLAB_PTE_BLOCK is never set: the block's end. */
			for (n = 1; used & (1U << (i + n)); n++)
				if (memlab_scan_pte_categories(st, ptep_get(block + i + n)) != cat)
					break;
			used &= ~0U << (i + n);
			if (st->holes_match) {
				memlab_scan_hole(walk, hole, eaddr);
				hole = eaddr + n * PAGE_SIZE;
			}
			memlab_scan_output(walk, eaddr, eaddr + n * PAGE_SIZE, cat);
			if (walk->stop)
				return;
		}
		baddr += MEMLAB_PTE_BLOCK_SIZE;
		block += MEMLAB_PTE_BLOCK;
		range = memlab_pte_block_range_to(baddr, end);
	} while (baddr < end);
	if (st->holes_match)
		memlab_scan_hole(walk, hole, end);
}

static const struct memlab_walk_entry_ops memlab_scan_entry_ops = {
	.pte_table = memlab_scan_pte_table,
	.pmd_entry = memlab_scan_pmd,
	.pte_hole = memlab_scan_hole,
	.hugetlb_entry = memlab_scan_hugetlb,
};

static void memlab_scan_vma_end_nop(struct memlab_walk *walk)
{
}

static const struct memlab_walk_ops memlab_scan_walk_ops = {
	.vma_begin = memlab_scan_vma_begin,
	.vma_end = memlab_scan_vma_end_nop,
	.entry = &memlab_scan_entry_ops,
};

static int memlab_scan_check(const struct memlab_scan *arg)
{
	u64 masks = arg->category_inverted | arg->category_mask |
		    arg->category_anyof_mask | arg->return_mask;

	if (arg->flags || arg->reserved || masks & ~MEMLAB_PAGE_CATEGORIES)
		return -EINVAL;
	if (!PAGE_ALIGNED(arg->start) || !PAGE_ALIGNED(arg->end) ||
	    arg->end < arg->start || arg->end > TASK_SIZE_MAX)
		return -EINVAL;
	if (!arg->vec_len)
		return -EINVAL;
	if (!arg->vec)
		return -EFAULT;
	return 0;
}

/*
 * Copy the finished regions out and start the buffer anew. Field by
 * field, eight bytes a store: copy_to_user() is "rep movsb" on CPUs with
 * ERMS, which QEMU's TCG runs a byte at a time, and which made the copy a
 * seventh of a sparse SCAN there. On hardware the two cost the same.
 */
static int memlab_scan_flush(struct memlab_scan_state *st)
{
	struct memlab_scan_region __user *vec = u64_to_user_ptr(st->arg->vec);
	const struct memlab_scan_region *r;

	if (!st->nr)
		return 0;
	vec += st->copied;
	if (!user_access_begin(vec, st->nr * sizeof(*vec)))
		return -EFAULT;
	for (r = st->buf; r < st->buf + st->nr; r++, vec++) {
		unsafe_put_user(r->start, &vec->start, efault);
		unsafe_put_user(r->end, &vec->end, efault);
		unsafe_put_user(r->categories, &vec->categories, efault);
	}
	user_access_end();
	st->copied += st->nr;
	st->nr = 0;
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/**
 * memlab_scan() - MEMLAB_IOC_SCAN
 * @arg: the caller's argument, checked here; @walk_end is written
 *
 * Return: the number of regions written, or a negative errno.
 */
long memlab_scan(struct memlab_scan *arg)
{
	struct memlab_scan_state st = { .arg = arg };
	struct memlab_walk walk = {
		.ops = &memlab_scan_walk_ops,
		.private = &st,
	};
	unsigned long addr;
	long ret;

	ret = memlab_scan_check(arg);
	if (ret)
		return ret;
	walk.mm = memlab_get_mm((pid_t)arg->pid);
	if (IS_ERR(walk.mm))
		return PTR_ERR(walk.mm);

	st.all_categories = arg->category_inverted | arg->category_mask |
			    arg->category_anyof_mask | arg->return_mask;
	st.buf_len = min_t(u64, arg->vec_len, MEMLAB_SCAN_BATCH);
	st.buf = kvmalloc_array(st.buf_len, sizeof(*st.buf), GFP_KERNEL);
	if (!st.buf) {
		ret = -ENOMEM;
		goto out_put_mm;
	}

	addr = arg->start;
	while (addr < arg->end) {
		st.stop_addr = arg->end;
		ret = memlab_walk_mm(&walk, addr, arg->end);
		if (ret)
			goto out_free;
		/* The last region may still grow: keep it unless stopping. */
		ret = memlab_scan_flush(&st);
		if (ret)
			goto out_free;
		addr = st.stop_addr;
		if (!walk.stop || st.done)
			break;
	}
	arg->walk_end = walk.stop ? st.stop_addr : arg->end;
	ret = st.copied;
out_free:
	kvfree(st.buf);
out_put_mm:
	mmput(walk.mm);
	return ret;
}
