/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab: the differences between Debian's 6.1 and 6.12 kernels that the
 * walker and its accounting depend on, in one place. Each helper does what
 * fs/proc/task_mmu.c does on that kernel, with what a module can call.
 * Kbuild defines MEMLAB_KERNEL_6_12 when building for 6.12 or later.
 */
#ifndef _MEMLAB_COMPAT_H
#define _MEMLAB_COMPAT_H

#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/page_idle.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/xarray.h>

/*
 * mmap_assert_locked(), without its VM_BUG_ON_MM(): on a DEBUG_VM kernel
 * that calls dump_mm(), which is not exported to modules.
 */
static inline void memlab_assert_mmap_locked(struct mm_struct *mm)
{
	lockdep_assert_held(&mm->mmap_lock);
	WARN_ON_ONCE(!rwsem_is_locked(&mm->mmap_lock));
}

#ifdef MEMLAB_KERNEL_6_12

/* fs/proc/internal.h folio_precise_page_mapcount(), which is not public. */
static inline int memlab_page_mapcount(struct page *page)
{
	struct folio *folio = page_folio(page);
	int mapcount = atomic_read(&page->_mapcount) + 1;

	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return mapcount;
}

static inline bool memlab_page_young(struct page *page)
{
	return folio_test_young(page_folio(page));
}

/* Debian's 6.12 /proc/PID/status sums the per-cpu counters exactly. */
static inline unsigned long memlab_mm_counter(struct mm_struct *mm, int member)
{
	return get_mm_counter_sum(mm, member);
}

static inline int memlab_page_refcount(struct page *page)
{
	return folio_ref_count(page_folio(page));
}

static inline pmd_t memlab_pmdp_get_lockless(pmd_t *pmdp)
{
	return pmdp_get_lockless(pmdp);
}

/* 6.12 maps special (e.g. PFNMAP) memory with special PMDs too. */
static inline bool memlab_pmd_special(pmd_t pmd)
{
	return pmd_special(pmd);
}

/*
 * A non-present PTE or PMD that still names a page (migration, hwpoison):
 * 6.12 counts its page in full but as shared.
 */
#define MEMLAB_NONPRESENT_SHARED	true

/*
 * The bits pte_dirty() tests: with user shadow stacks (CPUs with CET),
 * write-protecting a dirty PTE, as fork() does, moves its dirty bit to
 * _PAGE_SAVED_DIRTY.
 */
#define MEMLAB_PAGE_DIRTY_BITS		_PAGE_DIRTY_BITS

static inline bool memlab_entry_private(swp_entry_t entry)
{
	return false;
}

/*
 * The file /proc/PID/maps names: on 6.12, an overlayfs mapping's vm_file
 * is a backing file, and maps shows the overlay's path and inode.
 */
static inline const struct path *memlab_file_user_path(const struct file *file)
{
	return file_user_path(file);
}

static inline const struct inode *memlab_file_user_inode(const struct file *file)
{
	return file_user_inode(file);
}

/* pagemap's "exclusive" bit of a hugetlb page. */
static inline bool memlab_hugetlb_exclusive(struct folio *folio, pte_t *ptep)
{
	return !folio_likely_mapped_shared(folio) && !hugetlb_pmd_shared(ptep);
}

/* A shmem swap entry may stand for a large folio on 6.12. */
static inline unsigned long memlab_shmem_entry_pages(struct xa_state *xas)
{
	return 1UL << xas_get_order(xas);
}

/* pagemap's "exclusive" bit of a PMD-mapped THP: per page on 6.12. */
static inline bool memlab_pmd_mapcount_per_page(void)
{
	return true;
}

/* 6.12 counts a PMD THP in NUMA-hinting (protnone) state like any other. */
static inline bool memlab_skip_protnone_pmd(pmd_t pmd)
{
	return false;
}

#else /* 6.1 */

static inline int memlab_page_mapcount(struct page *page)
{
	return page_mapcount(page);
}

static inline unsigned long memlab_mm_counter(struct mm_struct *mm, int member)
{
	return get_mm_counter(mm, member);
}

/* Without CONFIG_PAGE_IDLE_FLAG (Debian's 6.1) this is always false. */
static inline bool memlab_page_young(struct page *page)
{
	return page_is_young(page);
}

static inline int memlab_page_refcount(struct page *page)
{
	return page_count(page);
}

/* x86_64 reads a pmd in one access. */
static inline pmd_t memlab_pmdp_get_lockless(pmd_t *pmdp)
{
	return READ_ONCE(*pmdp);
}

static inline bool memlab_pmd_special(pmd_t pmd)
{
	return false;
}

/*
 * 6.1 counts a page under migration as private, full size, and a page
 * behind another non-present entry (hwpoison) by its mapcount.
 */
#define MEMLAB_NONPRESENT_SHARED	false

/* The bits pte_dirty() tests. */
#define MEMLAB_PAGE_DIRTY_BITS		_PAGE_DIRTY

static inline bool memlab_entry_private(swp_entry_t entry)
{
	return is_migration_entry(entry);
}

/* 6.1's /proc/PID/maps names the file that is mapped. */
static inline const struct path *memlab_file_user_path(const struct file *file)
{
	return &file->f_path;
}

static inline const struct inode *memlab_file_user_inode(const struct file *file)
{
	return file_inode(file);
}

static inline bool memlab_hugetlb_exclusive(struct folio *folio, pte_t *ptep)
{
	return page_mapcount(&folio->page) == 1;
}

/* 6.1 swaps shmem out one page at a time. */
static inline unsigned long memlab_shmem_entry_pages(struct xa_state *xas)
{
	return 1;
}

/* 6.1's pagemap decides "exclusive" once, from the THP's head page. */
static inline bool memlab_pmd_mapcount_per_page(void)
{
	return false;
}

/*
 * 6.1's smaps finds PMD THPs with follow_trans_huge_pmd(FOLL_DUMP), which
 * returns nothing for a NUMA-hinting (protnone) PMD: smaps counts none of
 * it, and neither do we.
 */
static inline bool memlab_skip_protnone_pmd(pmd_t pmd)
{
	return pmd_protnone(pmd);
}

#endif

/*
 * swp_type(pte_to_swp_entry(@pte)) of a non-present, non-empty PTE,
 * without what pte_to_swp_entry() does first: clear the soft-dirty,
 * uffd-wp and exclusive bits (three tests and jumps), which lie outside
 * the type. The arch's swap entry is the PTE's value, and its type is
 * the generic entry's.
 */
static __always_inline unsigned int memlab_pte_swp_type(pte_t pte)
{
	return __swp_type(__pte_to_swp_entry(pte));
}

/*
 * pte_modify(), which a module cannot use: its _PAGE_CHG_MASK names
 * cc_mask (the confidential-computing bit), which is not exported. The
 * same transformation, stated the other way round: the protection bits
 * come from @newprot and every other bit of @pte is kept, cc bit
 * included; the pfn is inverted or not as the result is present or not
 * (the L1TF guard), and 6.12's saved-dirty bit follows the write bit.
 */
#define MEMLAB_PTE_PROT_BITS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER |	\
				 _PAGE_GLOBAL | _PAGE_NX | _PAGE_PKEY_MASK)

static inline pte_t memlab_pte_modify(pte_t pte, pgprot_t newprot)
{
	pteval_t oldval = pte_val(pte);
	pteval_t prot = pgprot_val(newprot);
	pteval_t val;

	if (prot & _PAGE_PRESENT)
		prot &= __supported_pte_mask;
	val = (oldval & ~MEMLAB_PTE_PROT_BITS) | (prot & MEMLAB_PTE_PROT_BITS);
	val = flip_protnone_guard(oldval, val, PTE_PFN_MASK);
#ifdef MEMLAB_KERNEL_6_12
	if (oldval & _PAGE_RW)
		return pte_mksaveddirty(__pte(val));
	return pte_clear_saveddirty(__pte(val));
#else
	return __pte(val);
#endif
}

#endif /* _MEMLAB_COMPAT_H */
