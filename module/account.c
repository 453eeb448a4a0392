// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: what each page-table entry adds to the numbers, exactly as
 * fs/proc/task_mmu.c counts it for /proc/PID/smaps (smaps_pte_entry(),
 * smaps_pmd_entry(), smaps_account()), so that the two agree to the page.
 * Where Debian's 6.1 and 6.12 count differently, compat.h says how.
 *
 * Called by the walker with the entry's page-table lock held: nothing here
 * sleeps or takes a lock.
 */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pagemap.h>
#include <linux/rcupdate_wait.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/xarray.h>

#include "compat.h"
#include "memlab.h"

/*
 * The PMD counterpart (6.12 vm_normal_page_pmd(), 6.1
 * follow_trans_huge_pmd()). huge_zero_pfn is not exported either: the huge
 * zero page is the only PMD leaf in an anonymous VMA that is not an anon
 * page, as it is never added to the rmap.
 */
static struct page *memlab_normal_pmd_page(struct vm_area_struct *vma,
					   pmd_t pmd)
{
	unsigned long pfn = pmd_pfn(pmd);
	struct page *page;

	if (memlab_pmd_special(pmd) || pmd_devmap(pmd) ||
	    memlab_skip_protnone_pmd(pmd))
		return NULL;
	/*
	 * As memlab_normal_page(), and vm_normal_page_pmd(): a PMD leaf that
	 * is neither special nor devmap maps a folio. 6.1 has no special
	 * PMDs, and a VM_MIXEDMAP driver could map a bare pfn there.
	 */
	if (vma->vm_flags & VM_MIXEDMAP && !pfn_valid(pfn))
		return NULL;
	VM_WARN_ON_ONCE(!pfn_valid(pfn));
	page = pfn_to_page(pfn);
	if (vma_is_anonymous(vma) && !folio_test_anon(page_folio(page)))
		return NULL;
	return page;
}

/*
 * smaps_page_accumulate(): Pss in bytes << MEMLAB_PSS_SHIFT, so that it
 * adds up with smaps' own rounding.
 */
static void memlab_account_share(struct memlab_mem_stats *st, bool locked,
				 unsigned long size, u64 pss, bool private)
{
	st->pss_fp += pss;
	if (locked)
		st->pss_locked_fp += pss;
	if (private)
		st->uss += size;
}

/* smaps_account(): one page, or a whole PMD-mapped folio (@compound). */
static void memlab_account_page(struct memlab_account *acct, struct page *page,
				bool compound, bool young, bool dirty,
				bool private_entry, bool present)
{
	struct memlab_mem_stats *st = &acct->vma_stats;
	struct folio *folio = page_folio(page);
	unsigned long nr = compound ? compound_nr(page) : 1;
	unsigned long size = nr * PAGE_SIZE;
	unsigned long i;

	st->rss += size;
	if (folio_test_anon(folio))
		st->rss_anon += size;
	else if (folio_test_swapbacked(folio))
		st->rss_shmem += size;
	else
		st->rss_file += size;

	if (young || memlab_page_young(page) || folio_test_referenced(folio))
		st->referenced += size;
	if (dirty || folio_test_dirty(folio))
		st->dirty += size;

	if (!acct->sharing)
		return;

	/*
	 * A page only we hold a reference to is ours alone, whatever its
	 * mapcount; so is one under migration on 6.1. 6.12 counts any page
	 * behind a non-present entry in full, but as shared.
	 */
	if (memlab_page_refcount(page) == 1 || private_entry ||
	    (!present && MEMLAB_NONPRESENT_SHARED)) {
		memlab_account_share(st, acct->locked, size,
				     (u64)size << MEMLAB_PSS_SHIFT,
				     present || !MEMLAB_NONPRESENT_SHARED);
		return;
	}
	for (i = 0; i < nr; i++, page++) {
		int mapcount = memlab_page_mapcount(page);
		u64 pss = (u64)PAGE_SIZE << MEMLAB_PSS_SHIFT;

		if (mapcount >= 2)
			pss = div_u64(pss, mapcount);
		memlab_account_share(st, acct->locked, PAGE_SIZE, pss,
				     mapcount < 2);
	}
}

/*
 * A page of an anon-only VMA whose PTE is young and dirty, when Pss and
 * Uss are not wanted: all memlab_account_page() would read from the
 * struct page is known without it. The VMA maps anon folios only (see
 * memlab_account_vma_begin()), and the PTE's bits already make the page
 * referenced and dirty. Reading the 64-byte struct page for each 8-byte
 * PTE is most of the cost of a walk: this is what makes
 * MEMLAB_SUMMARY_NO_SHARING cheaper, with the same numbers.
 */
static bool memlab_account_young_dirty_anon(struct memlab_account *acct,
					    pte_t pte)
{
	struct memlab_mem_stats *st = &acct->vma_stats;

	if (acct->sharing || !acct->anon_only || !pte_young(pte) ||
	    !pte_dirty(pte) || pte_special(pte))
		return false;
	st->rss += PAGE_SIZE;
	st->rss_anon += PAGE_SIZE;
	st->referenced += PAGE_SIZE;
	st->dirty += PAGE_SIZE;
	return true;
}

/*
 * MEMLAB_SUMMARY_PAGE_TABLES_ONLY: what an entry says of the @size bytes
 * it maps, without its struct page. Referenced and Dirty are then the
 * entry's own accessed and dirty bits: smaps also counts a page whose
 * PG_referenced or PG_dirty is set (written with write(), or with its
 * dirty bit moved from a PTE that was unmapped), so these are at most
 * smaps' numbers.
 */
static void memlab_account_entry_bits(struct memlab_mem_stats *st,
				      unsigned long size, bool young,
				      bool dirty)
{
	st->rss += size;
	if (young)
		st->referenced += size;
	if (dirty)
		st->dirty += size;
}

static __always_inline void memlab_account_pte_bits(struct memlab_mem_stats *st,
						    pte_t pte)
{
	if (pte_present(pte)) {
		if (!pte_special(pte))
			memlab_account_entry_bits(st, PAGE_SIZE, pte_young(pte),
						  pte_dirty(pte));
		return;
	}
	if (memlab_pte_swp_type(pte) < MAX_SWAPFILES)
		st->swap += PAGE_SIZE;
	else if (is_pfn_swap_entry(pte_to_swp_entry(pte)))
		st->rss += PAGE_SIZE;	/* its page is still resident */
}

static __always_inline void memlab_account_pte(struct memlab_account *acct,
					       pte_t pte)
{
	struct page *page;
	swp_entry_t entry;

	if (acct->page_tables_only) {
		memlab_account_pte_bits(&acct->vma_stats, pte);
		return;
	}
	if (pte_present(pte)) {
		if (memlab_account_young_dirty_anon(acct, pte))
			return;
		page = memlab_normal_page(pte);
		if (page)
			memlab_account_page(acct, page, false, pte_young(pte),
					    pte_dirty(pte), false, true);
		return;
	}

	entry = pte_to_swp_entry(pte);
	if (!non_swap_entry(entry)) {
		acct->vma_stats.swap += PAGE_SIZE;
		return;
	}
	/* Migration and hwpoison entries still name their page. */
	if (is_pfn_swap_entry(entry))
		memlab_account_page(acct, pfn_swap_entry_to_page(entry), false,
				    false, false, memlab_entry_private(entry),
				    false);
	/* PTE markers (uffd-wp, swapin errors) map nothing. */
}

static void memlab_account_pmd(struct memlab_walk *walk, pmd_t pmd,
			       unsigned long addr, unsigned long end)
{
	struct memlab_account *acct = walk->private;
	bool private_entry = false, present = true;
	struct page *page = NULL;

	if (pmd_present(pmd)) {
		page = memlab_normal_pmd_page(walk->vma, pmd);
	} else {
		swp_entry_t entry = pmd_to_swp_entry(pmd);

		if (is_pfn_swap_entry(entry)) {
			page = pfn_swap_entry_to_page(entry);
			private_entry = memlab_entry_private(entry);
			present = false;
		}
	}
	if (!page)
		return;

	/* One struct page per 2 MiB, to tell the huge zero page: cheap. */
	if (folio_test_anon(page_folio(page)))
		acct->vma_stats.anon_huge += HPAGE_PMD_SIZE;
	if (acct->page_tables_only) {
		memlab_account_entry_bits(&acct->vma_stats, HPAGE_PMD_SIZE,
					  present && pmd_young(pmd),
					  present && pmd_dirty(pmd));
		return;
	}
	memlab_account_page(acct, page, true, pmd_young(pmd), pmd_dirty(pmd),
			    private_entry, present);
}

/*
 * shmem_partial_swap_usage(), which is not exported: a swapped-out shmem
 * page leaves no swap PTE behind, only a value entry in the file's page
 * cache. 6.12 counts a large entry in full each time it meets it. It
 * yields the CPU on a long range only when @may_sleep: the holes of a PTE
 * table are looked up under the table's lock, and span one table at most.
 */
static unsigned long memlab_shmem_swapped(struct address_space *mapping,
					  pgoff_t start, pgoff_t end,
					  bool may_sleep)
{
	XA_STATE(xas, &mapping->i_pages, start);
	unsigned long swapped = 0;
	void *entry;

	/* Even when no reschedule is due: an atomic caller shows at once. */
	if (may_sleep)
		might_sleep();
	if (start >= end)
		return 0;
	rcu_read_lock();
	xas_for_each(&xas, entry, end - 1) {
		if (xas_retry(&xas, entry))
			continue;
		if (xa_is_value(entry))
			swapped += memlab_shmem_entry_pages(&xas);
		if (may_sleep && need_resched()) {
			xas_pause(&xas);
			cond_resched_rcu();
		}
	}
	rcu_read_unlock();
	return swapped << PAGE_SHIFT;
}

/*
 * The part of a private, writable shmem mapping that has no PTEs. Called
 * only while walk->want_holes, which memlab_account_vma_begin() sets for
 * such mappings alone.
 */
static void memlab_account_shmem_hole(struct memlab_walk *walk,
				      unsigned long addr, unsigned long end,
				      bool may_sleep)
{
	struct memlab_account *acct = walk->private;

	if (addr < end)
		acct->vma_stats.shmem_swap +=
			memlab_shmem_swapped(acct->shmem_holes,
					     linear_page_index(walk->vma, addr),
					     linear_page_index(walk->vma, end),
					     may_sleep);
}

/*
 * A hole above the PTE level, where the walk holds no spinlock. (It holds
 * a hugetlb entry's lock over that entry's holes, but hugetlbfs is not
 * shmem: want_holes is never set there.)
 */
static void memlab_account_hole(struct memlab_walk *walk, unsigned long addr,
				unsigned long end)
{
	memlab_account_shmem_hole(walk, addr, end, true);
}

/* What a page-table-only walk counts in a PTE table, in entries. */
struct memlab_pte_counts {
	unsigned long pages;
	unsigned long young;
	unsigned long dirty;
	unsigned long swap;
};

/*
 * One PTE that is not empty, page tables only: the common case here, the
 * rest apart. The bits are tested in the value as read: pte_flags() would
 * load physical_mask for each entry.
 */
static __always_inline void memlab_account_pte_one(struct memlab_pte_counts *c,
						   struct memlab_mem_stats *st,
						   pte_t *ptep)
{
	pteval_t val = native_pte_val(ptep_get(ptep));

	if (likely((val & (_PAGE_PRESENT | _PAGE_SPECIAL)) == _PAGE_PRESENT)) {
		c->pages++;
		c->young += !!(val & _PAGE_ACCESSED);
		c->dirty += !!(val & MEMLAB_PAGE_DIRTY_BITS);
	} else {
		memlab_account_pte_bits(st, native_make_pte(val));
	}
}

/*
 * A block of MEMLAB_PTE_BLOCK PTEs none of which is present, @any the OR
 * of their values: when each is empty or a swap entry, as in memory that
 * was swapped out, count the swap entries. The type is the top bits of a
 * swap PTE, so the type in @any is at least that of each entry: below
 * MAX_SWAPFILES, every entry is a swap entry or empty. Counting the
 * entries that are not empty takes no jump either.
 */
static __always_inline bool memlab_account_swap_block(struct memlab_pte_counts *c,
						      pte_t *ptep, pteval_t any)
{
	unsigned int i;

	if (memlab_pte_swp_type(native_make_pte(any)) >= MAX_SWAPFILES)
		return false;	/* migration entries, markers: one by one */
	for (i = 0; i < MEMLAB_PTE_BLOCK; i++)
		c->swap += !pte_none(ptep_get(ptep + i));
	return true;
}

/*
 * The MEMLAB_PTE_BLOCK PTEs (a cache line) from @ptep, at once, when they
 * allow it: all empty, all swapped out (memlab_account_swap_block()), all
 * present and special (the zero page), or all present pages, none special,
 * all young or none, all dirty or none, as in a process's written memory:
 * the AND and the OR of the eight say all that. The common case is one
 * test; under QEMU's TCG, where memlab's performance is measured, every
 * jump costs, and a test and a jump or two per entry took four times what
 * reading it did.
 *
 * Return: false, having counted nothing, when the entries must be taken
 * one at a time.
 */
static __always_inline bool memlab_account_pte_block(struct memlab_pte_counts *c,
						     pte_t *ptep)
{
	const pteval_t same = _PAGE_ACCESSED | MEMLAB_PAGE_DIRTY_BITS;
	pteval_t all, any;

	memlab_pte_block_bits(ptep, &all, &any);
	if (likely(((all & _PAGE_PRESENT) | (any & _PAGE_SPECIAL) |
		    ((all ^ any) & same)) == _PAGE_PRESENT)) {
		c->pages += MEMLAB_PTE_BLOCK;
		c->young += !!(all & _PAGE_ACCESSED) * MEMLAB_PTE_BLOCK;
		c->dirty += !!(all & MEMLAB_PAGE_DIRTY_BITS) * MEMLAB_PTE_BLOCK;
		return true;
	}
	if (!any)
		return true;
	if (!(any & (_PAGE_PRESENT | _PAGE_PROTNONE)))
		return memlab_account_swap_block(c, ptep, any);
	return (all & _PAGE_PRESENT) && (all & _PAGE_SPECIAL);	/* zero page */
}

/*
 * The entries of [@addr, @end), which lie in one block, @ptep the entry of
 * @addr: those in use, one at a time.
 */
static void memlab_account_pte_part(struct memlab_pte_counts *c,
				    struct memlab_mem_stats *st, pte_t *ptep,
				    unsigned long addr, unsigned long end)
{
	unsigned long baddr = ALIGN_DOWN(addr, MEMLAB_PTE_BLOCK_SIZE);
	pte_t *block = memlab_pte_block_start(ptep, addr);
	unsigned int used;

	if (addr == end)
		return;
	used = memlab_pte_block_used(block,
				     memlab_pte_block_range(baddr, addr, end));
	for (; used; used &= used - 1)
		memlab_account_pte_one(c, st, block + __ffs(used));
}

/*
 * One PTE table with MEMLAB_SUMMARY_PAGE_TABLES_ONLY and no holes wanted:
 * the whole blocks in the range a block at a time where
 * memlab_account_pte_block() takes them, the rest (blocks it does not
 * take, and the ends of the range) an entry in use at a time.
 */
static void memlab_account_pte_table_bits(struct memlab_mem_stats *st,
					  pte_t *ptep, unsigned long addr,
					  unsigned long end)
{
	unsigned long first = ALIGN(addr, MEMLAB_PTE_BLOCK_SIZE);
	unsigned long last = ALIGN_DOWN(end, MEMLAB_PTE_BLOCK_SIZE);
	/* @fast never escapes: its counts stay in registers. */
	struct memlab_pte_counts fast = {}, part = {};
	unsigned long baddr;
	pte_t *block;

	if (first > last) {
		memlab_account_pte_part(&part, st, ptep, addr, end);
	} else {
		memlab_account_pte_part(&part, st, ptep, addr, first);
		block = ptep + ((first - addr) >> PAGE_SHIFT);
		for (baddr = first; baddr < last;
		     baddr += MEMLAB_PTE_BLOCK_SIZE, block += MEMLAB_PTE_BLOCK)
			if (!memlab_account_pte_block(&fast, block))
				memlab_account_pte_part(&part, st, block, baddr,
							baddr + MEMLAB_PTE_BLOCK_SIZE);
		memlab_account_pte_part(&part, st, block, last, end);
	}
	st->rss += (fast.pages + part.pages) << PAGE_SHIFT;
	st->referenced += (fast.young + part.young) << PAGE_SHIFT;
	st->dirty += (fast.dirty + part.dirty) << PAGE_SHIFT;
	st->swap += (fast.swap + part.swap) << PAGE_SHIFT;
}

/* One PTE table: smaps_pte_range()'s loop, over the entries in use. */
static void memlab_account_pte_table(struct memlab_walk *walk, pte_t *ptep,
				     unsigned long addr, unsigned long end)
{
	struct memlab_account *acct = walk->private;
	unsigned long hole = addr, baddr, eaddr;
	unsigned int range, used, i;
	pte_t *block;

	if (acct->page_tables_only && !walk->want_holes) {
		memlab_account_pte_table_bits(&acct->vma_stats, ptep, addr, end);
		return;
	}
	block = memlab_pte_block_start(ptep, addr);
	baddr = ALIGN_DOWN(addr, MEMLAB_PTE_BLOCK_SIZE);
	range = memlab_pte_block_range(baddr, addr, end);
	do {
		for (used = memlab_pte_block_used(block, range); used;
		     used &= used - 1) {
			i = __ffs(used);
			eaddr = baddr + i * PAGE_SIZE;
			/* Runs of empty entries are one hole, not one call each. */
			if (walk->want_holes)
				memlab_account_shmem_hole(walk, hole, eaddr, false);
			hole = eaddr + PAGE_SIZE;
			memlab_account_pte(acct, ptep_get(block + i));
		}
		baddr += MEMLAB_PTE_BLOCK_SIZE;
		block += MEMLAB_PTE_BLOCK;
		range = memlab_pte_block_range_to(baddr, end);
	} while (baddr < end);
	if (walk->want_holes)
		memlab_account_shmem_hole(walk, hole, end, false);
}

const struct memlab_walk_entry_ops memlab_account_entry_ops = {
	.pte_table = memlab_account_pte_table,
	.pmd_entry = memlab_account_pmd,
	.pte_hole = memlab_account_hole,
};

/**
 * memlab_account_vma_begin() - start accounting a VMA
 * @acct: the accounting state, its numbers reset here
 * @walk: the walk; its want_holes is set here
 * @vma: the VMA, with mmap_lock held
 *
 * Shmem swap as smap_gather_stats() counts it: for a shared or read-only
 * mapping (or a file with nothing in swap) everything of the file's mapped
 * range that is in swap; for a private writable one only the swapped pages
 * no PTE has replaced (by a COW copy), found in the holes of the walk.
 */
void memlab_account_vma_begin(struct memlab_account *acct,
			      struct memlab_walk *walk,
			      struct vm_area_struct *vma)
{
	struct address_space *mapping;
	struct inode *inode;
	unsigned long swapped;

	memset(&acct->vma_stats, 0, sizeof(acct->vma_stats));
	acct->locked = vma->vm_flags & VM_LOCKED;
	/*
	 * No vm_ops: every fault is do_anonymous_page()'s. vm_insert_page()
	 * can still put a driver's pages there, but sets VM_MIXEDMAP.
	 */
	acct->anon_only = vma_is_anonymous(vma) &&
			  !(vma->vm_flags & VM_MIXEDMAP);
	acct->shmem_holes = NULL;
	walk->want_holes = false;

	if (!vma->vm_file || !shmem_mapping(vma->vm_file->f_mapping))
		return;
	mapping = vma->vm_file->f_mapping;
	inode = file_inode(vma->vm_file);
	swapped = READ_ONCE(SHMEM_I(inode)->swapped);
	if (!swapped)
		return;
	if (vma->vm_flags & VM_SHARED || !(vma->vm_flags & VM_WRITE)) {
		/* shmem_swap_usage(), with its shortcut for a whole file. */
		if (!vma->vm_pgoff &&
		    vma->vm_end - vma->vm_start >= i_size_read(inode))
			acct->vma_stats.shmem_swap = swapped << PAGE_SHIFT;
		else
			acct->vma_stats.shmem_swap =
				memlab_shmem_swapped(mapping, vma->vm_pgoff,
						     vma->vm_pgoff + vma_pages(vma),
						     true);
		return;
	}
	acct->shmem_holes = mapping;
	walk->want_holes = true;
}

void memlab_mem_stats_add(struct memlab_mem_stats *sum,
			  const struct memlab_mem_stats *st)
{
	sum->rss += st->rss;
	sum->rss_anon += st->rss_anon;
	sum->rss_file += st->rss_file;
	sum->rss_shmem += st->rss_shmem;
	sum->pss_fp += st->pss_fp;
	sum->pss_locked_fp += st->pss_locked_fp;
	sum->uss += st->uss;
	sum->swap += st->swap;
	sum->shmem_swap += st->shmem_swap;
	sum->anon_huge += st->anon_huge;
	sum->dirty += st->dirty;
	sum->referenced += st->referenced;
}
