// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: MEMLAB_IOC_VTOP and /proc/memlab/vtop, the page-table walk of
 * one virtual address, level by level, with each entry decoded.
 *
 * x86 only, as memlab is: entries are decoded from their _PAGE_* bits.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "compat.h"
#include "memlab.h"

/* The bits of an entry that points to a table or maps a page. */
static u64 memlab_decode_present(u64 val, bool may_be_huge)
{
	u64 flags = 0;

	if (val & _PAGE_PRESENT)
		flags |= MEMLAB_PTE_PRESENT;
	if (val & _PAGE_RW)
		flags |= MEMLAB_PTE_RW;
	if (val & _PAGE_USER)
		flags |= MEMLAB_PTE_USER;
	if (val & _PAGE_ACCESSED)
		flags |= MEMLAB_PTE_ACCESSED;
	if (val & _PAGE_DIRTY)
		flags |= MEMLAB_PTE_DIRTY;
	/* At the PTE level the same bit is PAT, not a size. */
	if (may_be_huge && (val & _PAGE_PSE))
		flags |= MEMLAB_PTE_HUGE;
	if (val & _PAGE_GLOBAL)
		flags |= (val & _PAGE_PRESENT) ? MEMLAB_PTE_GLOBAL :
						 MEMLAB_PTE_PROTNONE;
	if (val & _PAGE_NX)
		flags |= MEMLAB_PTE_NX;
	if (val & _PAGE_SOFT_DIRTY)
		flags |= MEMLAB_PTE_SOFT_DIRTY;
	if (val & _PAGE_UFFD_WP)
		flags |= MEMLAB_PTE_UFFD_WP;
	return flags;
}

static void memlab_vtop_level(struct memlab_vtop *arg, int level, u64 val,
			      bool may_be_huge)
{
	arg->levels[level].value = val;
	arg->levels[level].flags = memlab_decode_present(val, may_be_huge);
	arg->nr_levels++;
}

/* A non-present PTE or PMD: swap, migration, hwpoison, or a marker. */
static void memlab_vtop_swap_entry(struct memlab_vtop *arg, swp_entry_t entry,
				   unsigned long idx)
{
	if (!non_swap_entry(entry)) {
		arg->result = MEMLAB_VTOP_SWAP;
		arg->swap_type = swp_type(entry);
		arg->swap_offset = swp_offset(entry) + idx;
	} else if (is_migration_entry(entry)) {
		arg->result = MEMLAB_VTOP_MIGRATION;
		arg->pfn = swp_offset_pfn(entry) + idx;
	} else if (is_hwpoison_entry(entry)) {
		arg->result = MEMLAB_VTOP_HWPOISON;
		arg->pfn = swp_offset_pfn(entry) + idx;
	} else {
		arg->result = MEMLAB_VTOP_MARKER;
	}
}

static void memlab_vtop_pte(struct memlab_vtop *arg, pte_t pte)
{
	struct memlab_vtop_level *lvl = &arg->levels[MEMLAB_LEVEL_PTE_IDX];

	memlab_vtop_level(arg, MEMLAB_LEVEL_PTE_IDX, pte_val(pte), false);
	if (pte_none(pte))
		return;
	if (pte_present(pte)) {
		/* 6.12 keeps the dirty bit of a read-only entry elsewhere. */
		if (pte_dirty(pte))
			lvl->flags |= MEMLAB_PTE_DIRTY;
		arg->result = MEMLAB_VTOP_PRESENT;
		arg->pfn = pte_pfn(pte);
		arg->page_shift = PAGE_SHIFT;
		return;
	}
	/*
	 * A swap entry is not a mapping: its bits hold the swap slot, and
	 * only these two flags, in bits of their own.
	 */
	lvl->flags = 0;
	if (pte_swp_soft_dirty(pte))
		lvl->flags |= MEMLAB_PTE_SOFT_DIRTY;
	if (pte_swp_uffd_wp(pte))
		lvl->flags |= MEMLAB_PTE_UFFD_WP;
	memlab_vtop_swap_entry(arg, pte_to_swp_entry(pte), 0);
}

/* The PTE table under @pmdp, mapped and locked as walk.c does. */
static void memlab_vtop_pte_table(struct mm_struct *mm, pmd_t *pmdp,
				  struct memlab_vtop *arg)
{
	spinlock_t *ptl;	/* the PTE table's lock, held while reading */
	pmd_t pmdval;
	pte_t pte;

	rcu_read_lock();
	pmdval = memlab_pmdp_get_lockless(pmdp);
	if (!pmd_present(pmdval) || pmd_leaf(pmdval) || pmd_bad(pmdval)) {
		rcu_read_unlock();
		return;
	}
	ptl = pte_lockptr(mm, &pmdval);
	spin_lock(ptl);
	if (pmd_same(pmdval, memlab_pmdp_get_lockless(pmdp))) {
		pte = ptep_get(pte_offset_kernel(&pmdval, (unsigned long)arg->addr));
		memlab_vtop_pte(arg, pte);
	}
	spin_unlock(ptl);
	rcu_read_unlock();
}

static void memlab_vtop_pmd(struct mm_struct *mm, pud_t *pudp,
			    struct memlab_vtop *arg)
{
	unsigned long addr = arg->addr;
	unsigned long idx = (addr & ~PMD_MASK) >> PAGE_SHIFT;
	pmd_t *pmdp = pmd_offset(pudp, addr);
	spinlock_t *ptl;	/* a huge leaf is read under the PMD lock */
	pmd_t pmd = memlab_pmdp_get_lockless(pmdp);

	if (pmd_none(pmd) || !(is_swap_pmd(pmd) || pmd_leaf(pmd))) {
		memlab_vtop_level(arg, MEMLAB_LEVEL_PMD_IDX, pmd_val(pmd), true);
		if (!pmd_none(pmd) && !pmd_bad(pmd))
			memlab_vtop_pte_table(mm, pmdp, arg);
		return;
	}

	ptl = pmd_lock(mm, pmdp);
	pmd = READ_ONCE(*pmdp);
	memlab_vtop_level(arg, MEMLAB_LEVEL_PMD_IDX, pmd_val(pmd), true);
	if (pmd_present(pmd) && pmd_leaf(pmd)) {
		if (pmd_dirty(pmd))
			arg->levels[MEMLAB_LEVEL_PMD_IDX].flags |= MEMLAB_PTE_DIRTY;
		arg->result = MEMLAB_VTOP_PRESENT;
		arg->pfn = pmd_pfn(pmd) + idx;
		arg->page_shift = PMD_SHIFT;
	} else if (is_swap_pmd(pmd)) {
		struct memlab_vtop_level *lvl = &arg->levels[MEMLAB_LEVEL_PMD_IDX];

		lvl->flags = MEMLAB_PTE_HUGE;
		if (pmd_swp_soft_dirty(pmd))
			lvl->flags |= MEMLAB_PTE_SOFT_DIRTY;
		if (pmd_swp_uffd_wp(pmd))
			lvl->flags |= MEMLAB_PTE_UFFD_WP;
		arg->page_shift = PMD_SHIFT;
		memlab_vtop_swap_entry(arg, pmd_to_swp_entry(pmd), idx);
	}
	spin_unlock(ptl);
	/* Split under us: look again, as a table this time. */
	if (arg->result == MEMLAB_VTOP_NONE && !pmd_none(pmd) && !pmd_leaf(pmd)) {
		arg->nr_levels--;
		memlab_vtop_pmd(mm, pudp, arg);
	}
}

/* Walk @arg->addr in @mm, with mmap_lock held. */
static void memlab_vtop_walk(struct mm_struct *mm, struct memlab_vtop *arg)
{
	unsigned long addr = arg->addr;
	pgd_t *pgdp = pgd_offset(mm, addr);
	pgd_t pgd = READ_ONCE(*pgdp);
	p4d_t *p4dp;
	pud_t *pudp;
	pud_t pud;

	memlab_assert_mmap_locked(mm);

	memlab_vtop_level(arg, MEMLAB_LEVEL_PGD_IDX, pgd_val(pgd), false);
	if (pgd_none(pgd) || pgd_bad(pgd))
		return;

	p4dp = p4d_offset(pgdp, addr);
	if (pgtable_l5_enabled()) {
		p4d_t p4d = READ_ONCE(*p4dp);

		memlab_vtop_level(arg, MEMLAB_LEVEL_P4D_IDX, p4d_val(p4d), false);
		if (p4d_none(p4d) || p4d_bad(p4d))
			return;
	}

	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	memlab_vtop_level(arg, MEMLAB_LEVEL_PUD_IDX, pud_val(pud), true);
	if (pud_none(pud))
		return;
	if (pud_leaf(pud)) {
		/* 1 GiB hugetlb pages: fixed while i_mmap_rwsem is held. */
		if (pud_present(pud)) {
			arg->result = MEMLAB_VTOP_PRESENT;
			arg->pfn = pud_pfn(pud) + ((addr & ~PUD_MASK) >> PAGE_SHIFT);
			arg->page_shift = PUD_SHIFT;
		}
		return;
	}
	if (pud_bad(pud))
		return;
	memlab_vtop_pmd(mm, pudp, arg);
}

/*
 * As /proc/PID/pagemap: where pages are in physical memory (and swap) is
 * for CAP_SYS_ADMIN only.
 */
static void memlab_vtop_hide_physical(struct memlab_vtop *arg)
{
	int i;

	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++)
		arg->levels[i].value = 0;
	arg->pfn = 0;
	arg->swap_type = 0;
	arg->swap_offset = 0;
}

/**
 * memlab_vtop_mm() - the walk of @arg->addr in @mm
 * @mm: a referenced mm, not locked
 * @arg: @addr set and checked; the results are written into it
 *
 * Return: 0, or ENOMEM for an address no mapping covers.
 */
long memlab_vtop_mm(struct mm_struct *mm, struct memlab_vtop *arg)
{
	struct address_space *hugetlb_mapping = NULL;
	struct memlab_segments *seg;
	struct vm_area_struct *vma;
	long ret;

	seg = kmalloc(sizeof(*seg), GFP_KERNEL);
	if (!seg)
		return -ENOMEM;
	ret = mmap_read_lock_killable(mm);
	if (ret)
		goto out_free;

	vma = find_vma(mm, arg->addr);
	if (!vma || vma->vm_start > arg->addr) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	arg->vma_start = vma->vm_start;
	arg->vma_end = vma->vm_end;
	arg->vma_prot = memlab_vma_prot(vma->vm_flags);
	memlab_segments_snapshot(seg, mm);
	arg->segment = memlab_segment_of(seg, vma);

	/* Keeps a shared hugetlb PMD table from being unshared and freed. */
	if (is_vm_hugetlb_page(vma) && vma->vm_file) {
		hugetlb_mapping = vma->vm_file->f_mapping;
		i_mmap_lock_read(hugetlb_mapping);
	}
	memlab_vtop_walk(mm, arg);
	if (hugetlb_mapping)
		i_mmap_unlock_read(hugetlb_mapping);
	if (!capable(CAP_SYS_ADMIN))
		memlab_vtop_hide_physical(arg);
	ret = 0;
out_unlock:
	mmap_read_unlock(mm);
out_free:
	kfree(seg);
	return ret;
}

/**
 * memlab_vtop() - MEMLAB_IOC_VTOP
 * @arg: the caller's argument; the results are written into it
 *
 * Return: 0, or EINVAL for an address outside the user address space, the
 * errors of memlab_vtop_mm() and of memlab_get_mm().
 */
long memlab_vtop(struct memlab_vtop *arg)
{
	struct mm_struct *mm;
	long ret;

	if (arg->flags || arg->reserved)
		return -EINVAL;
	if (arg->addr >= TASK_SIZE_MAX)
		return -EINVAL;
	/* Every output field: what the walk does not reach reads 0. */
	*arg = (struct memlab_vtop) {
		.size = arg->size, .pid = arg->pid, .addr = arg->addr,
	};
	mm = memlab_get_mm((pid_t)arg->pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = memlab_vtop_mm(mm, arg);
	mmput(mm);
	return ret;
}
