// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: the page-table walker.
 *
 * walk_page_range() is not exported, so memlab walks pgd -> p4d -> pud ->
 * pmd -> pte itself, the way mm/pagewalk.c does, and hands every PTE table
 * and huge PMD to the caller's memlab_walk_ops. Upper levels are read
 * without locks (they are only freed under mmap_lock held for write, or,
 * for PTE tables since 6.5, after an RCU grace period); leaf entries are
 * read under the lock that protects them.
 *
 * Locking, for the whole walk: mmap_lock held for read. When a writer
 * waits for it, it is dropped and retaken after a few PMD entries that had
 * work, after a PMD table, or between VMAs, and the walk then resumes at
 * the next address, so a long walk never stalls the target's
 * mmap()/munmap() for longer than a few PTE tables take.
 *
 * Cost: a sparse process has far more empty upper-level entries than
 * full ones, and a dense one 512 PTEs per table. So an empty entry costs
 * one test (a call only while the caller wants holes), the lock and
 * cond_resched() are looked at only after work, and the PTEs of a table
 * are the caller's own loop, not a call each.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "compat.h"
#include "memlab.h"

/* [@addr, @end) of walk->vma maps nothing: tell the caller, if it asks. */
static void memlab_walk_hole(struct memlab_walk *walk, unsigned long addr,
			     unsigned long end)
{
	if (walk->want_holes && addr < end)
		walk->ops->entry->pte_hole(walk, addr, end);
}

/* Count a page-table page once, though several VMAs may share it. */
static void memlab_walk_reach_table(struct memlab_walk *walk, int level,
				    unsigned long table_pfn)
{
	if (walk->last_table[level] == table_pfn)
		return;
	walk->last_table[level] = table_pfn;
	walk->tables++;
}

/**
 * memlab_pte_table() - the PTE table a pmd names, to map and lock
 * @mm: its mm
 * @pmdp: the pmd
 * @addr: an address it maps
 * @pmdvalp: out: the pmd as read; the caller checks it again under the lock
 * @ptlp: out: the table's lock
 *
 * The first half of 6.12's __pte_offset_map_lock(), which a module cannot
 * call (pte_offset_map_lock() is out of line there). Since 6.5 khugepaged
 * may free a PTE table without mmap_lock, after an RCU grace period; so
 * the caller, under rcu_read_lock() and mmap_lock (or the VMA's lock),
 * reads the pmd once here, takes *@ptlp, and checks with
 * memlab_pte_table_same() that the pmd still names the table, starting
 * again if not. The same sequence is correct on 6.1.
 *
 * Return: the entry for @addr, or NULL when the pmd names no PTE table:
 * it is empty or bad (nothing mapped), or a huge leaf or migration entry.
 */
pte_t *memlab_pte_table(struct mm_struct *mm, pmd_t *pmdp, unsigned long addr,
			pmd_t *pmdvalp, spinlock_t **ptlp)
{
	pmd_t pmdval = memlab_pmdp_get_lockless(pmdp);

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "memlab: PTE table without RCU");
	*pmdvalp = pmdval;
	if (pmd_none(pmdval) || !pmd_present(pmdval) || pmd_trans_huge(pmdval) ||
	    pmd_devmap(pmdval) || pmd_bad(pmdval))
		return NULL;
	*ptlp = pte_lockptr(mm, &pmdval);
	return pte_offset_kernel(&pmdval, addr);
}

/* Under the table's lock: does the pmd still name the table? */
bool memlab_pte_table_same(pmd_t *pmdp, pmd_t pmdval)
{
	return pmd_same(pmdval, memlab_pmdp_get_lockless(pmdp));
}

/*
 * The PTEs of one table, handed to the caller under the table's lock.
 *
 * Return: 0, or -EAGAIN when the pmd no longer points to a PTE table
 * (a THP was collapsed there), so that the caller looks at it again.
 */
static int memlab_walk_pte_range(struct memlab_walk *walk, pmd_t *pmdp,
				 unsigned long addr, unsigned long end)
{
	spinlock_t *ptl;	/* the PTE table's lock, held while reading it */
	pte_t *start_pte;
	pmd_t pmdval;

	rcu_read_lock();
again:
	start_pte = memlab_pte_table(walk->mm, pmdp, addr, &pmdval, &ptl);
	if (!start_pte) {
		rcu_read_unlock();
		/* Before pmd_bad(), which is true of huge leaves too. */
		if (!pmd_none(pmdval) && (!pmd_present(pmdval) ||
					  pmd_trans_huge(pmdval) ||
					  pmd_devmap(pmdval)))
			return -EAGAIN;
		memlab_walk_hole(walk, addr, end);
		return 0;
	}
	spin_lock(ptl);
	if (unlikely(!memlab_pte_table_same(pmdp, pmdval))) {
		spin_unlock(ptl);
		goto again;
	}

	memlab_walk_reach_table(walk, MEMLAB_LEVEL_PTE, pmd_pfn(pmdval));
	walk->entries += (end - addr) >> PAGE_SHIFT;
	walk->ops->entry->pte_table(walk, start_pte, addr, end);
	spin_unlock(ptl);
	rcu_read_unlock();
	return walk->stop ? -ENOSPC : 0;
}

/*
 * A huge PMD leaf (THP) or its migration entry. Like the kernel's
 * pmd_trans_huge_lock(), whose body is not exported: take the PMD lock and
 * look again, since the THP may have been split into a PTE table since.
 *
 * Return: 0, or -EAGAIN when the pmd is no longer a huge leaf.
 */
static int memlab_walk_huge_pmd(struct memlab_walk *walk, pmd_t *pmdp,
				unsigned long addr, unsigned long end)
{
	spinlock_t *ptl = pmd_lock(walk->mm, pmdp);
	pmd_t pmd = READ_ONCE(*pmdp);
	int ret = -EAGAIN;

	if (is_swap_pmd(pmd) || pmd_trans_huge(pmd) || pmd_devmap(pmd)) {
		walk->ops->entry->pmd_entry(walk, pmd, addr, end);
		ret = 0;
	}
	spin_unlock(ptl);
	return ret;
}

/*
 * After work, between two entries: give the CPU away if asked, and tell
 * the caller to let a waiting mmap_lock writer in.
 */
static bool memlab_walk_should_drop_lock(struct memlab_walk *walk)
{
	cond_resched();
	return mmap_lock_is_contended(walk->mm) || fatal_signal_pending(current);
}

/*
 * PTE tables or huge PMDs walked between two looks at the lock and at
 * cond_resched(): a look costs about what a table with a few entries
 * does, and eight tables of work keep a hold short (some tens of
 * microseconds) all the same.
 */
#define MEMLAB_WALK_WORK_PER_LOOK	8

static bool memlab_walk_after_work(struct memlab_walk *walk)
{
	if (++walk->work < MEMLAB_WALK_WORK_PER_LOOK)
		return false;
	walk->work = 0;
	return memlab_walk_should_drop_lock(walk);
}

static int memlab_walk_pmd_range(struct memlab_walk *walk, pud_t *pudp,
				 unsigned long addr, unsigned long end)
{
	unsigned long next;
	pmd_t *pmdp;
	pmd_t pmd;
	int ret;

	memlab_walk_reach_table(walk, MEMLAB_LEVEL_PMD, pud_pfn(READ_ONCE(*pudp)));
	pmdp = pmd_offset(pudp, addr);
	do {
		next = pmd_addr_end(addr, end);
again:
		pmd = memlab_pmdp_get_lockless(pmdp);
		walk->entries++;
		if (pmd_none(pmd)) {
			/* No work: no lock check either (see the top). */
			memlab_walk_hole(walk, addr, next);
			if (walk->stop)
				return -ENOSPC;
			continue;
		}
		if (is_swap_pmd(pmd) || pmd_trans_huge(pmd) || pmd_devmap(pmd)) {
			if (memlab_walk_huge_pmd(walk, pmdp, addr, next) == 0)
				goto next_pmd;
			goto again;	/* split under us: now a PTE table */
		}
		/* Never cleared here: a reader does not repair page tables. */
		if (pmd_bad(pmd)) {
			memlab_walk_hole(walk, addr, next);
			goto next_pmd;
		}
		ret = memlab_walk_pte_range(walk, pmdp, addr, next);
		if (ret == -EAGAIN)
			goto again;	/* collapsed or zapped under us */
		if (ret)
			return ret;
next_pmd:
		if (walk->stop)
			return -ENOSPC;
		if (next != end && memlab_walk_after_work(walk)) {
			walk->resume = next;
			return -EAGAIN;
		}
	} while (pmdp++, addr = next, addr != end);
	return 0;
}

static int memlab_walk_pud_range(struct memlab_walk *walk, p4d_t *p4dp,
				 unsigned long addr, unsigned long end)
{
	unsigned long next;
	pud_t *pudp;
	pud_t pud;
	int ret;

	pudp = pud_offset(p4dp, addr);
	do {
		next = pud_addr_end(addr, end);
		pud = READ_ONCE(*pudp);
		walk->entries++;
		if (pud_none(pud)) {
			memlab_walk_hole(walk, addr, next);
			if (walk->stop)
				return -ENOSPC;
			continue;
		}
		/* PUD leaves map hugetlb and DAX, neither walked here. */
		if (!pud_present(pud) || pud_leaf(pud) || pud_bad(pud))
			continue;
		ret = memlab_walk_pmd_range(walk, pudp, addr, next);
		if (ret)
			return ret;
		/*
		 * A PMD table of empty entries had no work to check after:
		 * check once per table, so that no stretch of the walk goes
		 * longer than one table without a look at the lock.
		 */
		if (next != end && memlab_walk_should_drop_lock(walk)) {
			walk->resume = next;
			return -EAGAIN;
		}
	} while (pudp++, addr = next, addr != end);
	return 0;
}

static int memlab_walk_p4d_range(struct memlab_walk *walk, pgd_t *pgdp,
				 unsigned long addr, unsigned long end)
{
	unsigned long next;
	p4d_t *p4dp;
	int ret;

	p4dp = p4d_offset(pgdp, addr);
	do {
		next = p4d_addr_end(addr, end);
		if (pgtable_l5_enabled())
			walk->entries++;
		if (p4d_none(READ_ONCE(*p4dp)) || p4d_bad(READ_ONCE(*p4dp))) {
			memlab_walk_hole(walk, addr, next);
			if (walk->stop)
				return -ENOSPC;
			continue;
		}
		ret = memlab_walk_pud_range(walk, p4dp, addr, next);
		if (ret)
			return ret;
	} while (p4dp++, addr = next, addr != end);
	return 0;
}

/**
 * memlab_pud_offset() - the pud that maps @addr, for a look at one address
 * @mm: the mm; its mmap_lock is held
 * @addr: the address
 *
 * Return: the pud, or NULL when the pgd or p4d above it maps nothing.
 */
pud_t *memlab_pud_offset(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgdp = pgd_offset(mm, addr);
	p4d_t *p4dp;

	if (!pgd_present(READ_ONCE(*pgdp)))
		return NULL;
	p4dp = p4d_offset(pgdp, addr);
	if (!p4d_present(READ_ONCE(*p4dp)))
		return NULL;
	return pud_offset(p4dp, addr);
}

/*
 * The entry that maps a hugetlb page of @size at @addr: a PUD for 1 GiB, a
 * PMD for 2 MiB (huge_pte_offset() is not exported). NULL when a level
 * above it is empty.
 */
static pte_t *memlab_huge_pte_offset(struct mm_struct *mm, unsigned long addr,
				     unsigned long size)
{
	pud_t *pudp = memlab_pud_offset(mm, addr);

	if (!pudp)
		return NULL;
	if (size == PUD_SIZE)
		return (pte_t *)pudp;
	if (!pud_present(READ_ONCE(*pudp)))
		return NULL;
	return (pte_t *)pmd_offset(pudp, addr);
}

/*
 * A hugetlb VMA, one huge page at a time, each entry read under its lock.
 * i_mmap_rwsem, held for read, keeps huge_pmd_unshare() from freeing a
 * shared PMD table under us, as hugetlb_vma_lock_read() (not exported)
 * would.
 */
static int memlab_walk_hugetlb_range(struct memlab_walk *walk,
				     unsigned long addr, unsigned long end)
{
	struct vm_area_struct *vma = walk->vma;
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct hstate *h = hstate_vma(vma);
	unsigned long size = huge_page_size(h);
	unsigned long next;
	spinlock_t *ptl;	/* the huge entry's lock */
	pte_t *ptep;
	pte_t pte;

	i_mmap_lock_read(mapping);
	for (; addr < end; addr = next) {
		next = min((addr & huge_page_mask(h)) + size, end);
		walk->entries++;
		ptep = memlab_huge_pte_offset(walk->mm, addr & huge_page_mask(h), size);
		if (!ptep) {
			memlab_walk_hole(walk, addr, next);
		} else {
			ptl = huge_pte_lockptr(h, walk->mm, ptep);
			spin_lock(ptl);
			pte = ptep_get(ptep);
			if (pte_none(pte))
				memlab_walk_hole(walk, addr, next);
			else
				walk->ops->entry->hugetlb_entry(walk, pte, ptep,
								addr, next, size);
			spin_unlock(ptl);
		}
		if (walk->stop)
			break;
		cond_resched();
	}
	i_mmap_unlock_read(mapping);
	return walk->stop ? -ENOSPC : 0;
}

/*
 * Walk [@addr, @end) of walk->vma, under mmap_lock held for read.
 *
 * Return: 0 when done, -EAGAIN when the caller should drop mmap_lock and
 * resume at walk->resume.
 */
static int memlab_walk_vma_range(struct memlab_walk *walk, unsigned long addr,
				 unsigned long end)
{
	struct vm_area_struct *vma = walk->vma;
	unsigned long next;
	pgd_t *pgdp;
	int ret;

	memlab_assert_mmap_locked(walk->mm);

	/*
	 * As walk_page_test(): VM_PFNMAP memory has no struct pages, so it
	 * is a hole to pagemap and nothing to smaps. Hugetlb is not part of
	 * Rss (smaps shows it apart): walked only for who asks for it.
	 */
	if (vma->vm_flags & VM_PFNMAP) {
		memlab_walk_hole(walk, addr, end);
		return 0;
	}
	if (is_vm_hugetlb_page(vma))
		return walk->ops->entry->hugetlb_entry && vma->vm_file ?
		       memlab_walk_hugetlb_range(walk, addr, end) : 0;

	pgdp = pgd_offset(walk->mm, addr);
	do {
		next = pgd_addr_end(addr, end);
		walk->entries++;
		if (pgd_none(READ_ONCE(*pgdp)) || pgd_bad(READ_ONCE(*pgdp))) {
			memlab_walk_hole(walk, addr, next);
			if (walk->stop)
				return -ENOSPC;
			continue;
		}
		ret = memlab_walk_p4d_range(walk, pgdp, addr, next);
		if (ret)
			return ret;
	} while (pgdp++, addr = next, addr != end);
	return 0;
}

/*
 * After mmap_lock was let go for a waiting writer: do not take it back
 * before the writer had it. Woken, the writer needs a few microseconds to
 * run, and a reader that asks meanwhile gets the lock again
 * (rwsem_down_read_slowpath()'s "optimistic lock stealing") until the
 * writer has waited RWSEM_WAIT_TIMEOUT, a jiffy, and sets the hand-off
 * bit. Measured: a walk that dropped the lock 150,000 times still kept a
 * thread's mmap() waiting for the whole walk. So wait until nobody waits,
 * but no longer than the writer would (up to the next tick but one): the
 * writer leaves the wait list when it has the lock, and the next
 * mmap_read_lock() then sleeps until it is done.
 */
static void memlab_walk_let_writer_in(struct memlab_walk *walk)
{
	unsigned long give_up = jiffies + 1;

	cond_resched();
	while (mmap_lock_is_contended(walk->mm) &&
	       time_before_eq(jiffies, give_up) && !fatal_signal_pending(current)) {
		cpu_relax();
		cond_resched();
	}
}

static int memlab_walk_lock(struct memlab_walk *walk)
{
	int ret = mmap_read_lock_killable(walk->mm);

	if (!ret)
		walk->hold_start_ns = ktime_get_ns();
	return ret;
}

static void memlab_walk_unlock(struct memlab_walk *walk)
{
	u64 held = ktime_get_ns() - walk->hold_start_ns;

	if (held > walk->max_hold_ns)
		walk->max_hold_ns = held;
	mmap_read_unlock(walk->mm);
}

/* The VMA the walk was in, to tell whether it survived a lock drop. */
struct memlab_vma_id {
	unsigned long start, end, flags;
	struct file *file;
};

static void memlab_vma_id_take(struct memlab_vma_id *id,
			       struct vm_area_struct *vma)
{
	id->start = vma->vm_start;
	id->end = vma->vm_end;
	id->flags = vma->vm_flags;
	id->file = vma->vm_file;
}

static bool memlab_vma_id_same(const struct memlab_vma_id *id,
			       struct vm_area_struct *vma)
{
	return vma && id->start == vma->vm_start && id->end == vma->vm_end &&
	       id->flags == vma->vm_flags && id->file == vma->vm_file;
}

/**
 * memlab_walk_mm() - walk every VMA of walk->mm that meets [@start, @end)
 * @walk: mm, ops and private set by the caller; the rest is filled in
 * @start: first address
 * @end: end address (exclusive)
 *
 * Takes mmap_lock for read, killable, and drops it between PMDs when a
 * writer waits (counted in walk->lock_drops). For each VMA, ops->vma_begin
 * is called first and ops->vma_end after its last entry. When the lock was
 * dropped inside a VMA and the VMA is not the same afterwards, the part
 * already seen ends there and the walk goes on in whatever is mapped at
 * the next address now.
 *
 * A callback that has seen enough sets walk->stop (and says in its own
 * state where it stopped): the walk then ends at once, and vma_end is
 * still called for the VMA it was in. When a fatal signal ends the walk
 * while mmap_lock is not held, vma_end is called with walk->aborted set,
 * to release what vma_begin took, without the lock.
 *
 * Return: 0, or -EINTR on a fatal signal.
 */
int memlab_walk_mm(struct memlab_walk *walk, unsigned long start,
		   unsigned long end)
{
	struct memlab_vma_id id = {};
	struct vm_area_struct *vma;
	unsigned long addr = start;
	bool in_vma = false;
	u64 t0 = ktime_get_ns();
	int ret;

	memset(walk->last_table, 0, sizeof(walk->last_table));
	walk->work = 0;
	walk->stop = false;
	walk->aborted = false;
	ret = memlab_walk_lock(walk);
	if (ret)
		return ret;

	while (addr < end) {
		vma = find_vma(walk->mm, addr);
		if (in_vma && !memlab_vma_id_same(&id, vma)) {
			walk->ops->vma_end(walk);
			in_vma = false;
			if (walk->stop)
				break;
		}
		if (!vma || vma->vm_start >= end)
			break;
		/*
		 * Only the first VMA: after a lock drop, the part before
		 * @addr was seen already, whatever the VMA looks like now.
		 */
		if (!in_vma && walk->whole_vmas && addr == start)
			addr = vma->vm_start;
		addr = max(addr, vma->vm_start);
		walk->vma = vma;
		if (!in_vma) {
			memlab_vma_id_take(&id, vma);
			walk->want_holes = walk->ops->entry->pte_hole;
			walk->ops->vma_begin(walk, vma);
			in_vma = true;
		}

		ret = memlab_walk_vma_range(walk, addr, min(end, vma->vm_end));
		if (ret != -EAGAIN) {
			walk->ops->vma_end(walk);
			in_vma = false;
			addr = vma->vm_end;
			if (walk->stop)
				break;
			/*
			 * Between two VMAs too, as smaps_rollup does: a
			 * process of small mappings would otherwise never
			 * see the lock let go, however long the walk.
			 */
			if (addr >= end || !memlab_walk_should_drop_lock(walk))
				continue;
			walk->resume = addr;
		}

		/* A writer waits: let it in, then find where we were. */
		addr = walk->resume;
		walk->vma = NULL;
		memlab_walk_unlock(walk);
		walk->lock_drops++;
		memlab_walk_let_writer_in(walk);
		ret = memlab_walk_lock(walk);
		if (ret) {
			/* Killed: vma_end only lets go of what it holds. */
			walk->aborted = true;
			if (in_vma)
				walk->ops->vma_end(walk);
			goto out;
		}
	}
	if (in_vma)
		walk->ops->vma_end(walk);
	memlab_walk_unlock(walk);
	ret = 0;
out:
	walk->vma = NULL;
	walk->walk_ns = ktime_get_ns() - t0;
	return ret;
}
