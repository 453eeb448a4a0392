// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: the page-table side of an armed fault.
 *
 * No exported function changes another process's VMA protections, so an
 * armed fault is made of two halves: the PTEs of its pages stop allowing
 * the denied access, which makes the CPU fault, and intercept.c tells the
 * fault apart from an ordinary one and delivers SIGSEGV. This file is the
 * first half. Each denial uses an encoding the kernel already knows:
 *
 *   deny read	protnone (pte_modify() to PAGE_NONE), the encoding of
 *		NUMA hinting; x86 cannot grant write or exec without read,
 *		so it denies every access.
 *   deny write	write-protect, as fork() does for COW.
 *   deny exec	NX.
 *
 * Disarming never grants more than the VMA does: protnone goes back to
 * vma->vm_page_prot as do_numa_page() would; NX is cleared only in a
 * VM_EXEC VMA; a write-protect is left for the kernel's own write fault
 * (do_wp_page()) to resolve, so that a page that became shared with a
 * child since the inject is copied, not written through.
 *
 * Locking: mmap_lock held (read or write) by the caller, which keeps the
 * VMAs and upper page-table levels; each PTE is changed under its table's
 * lock, with ptep_modify_prot_start()/commit() so that a dirty or
 * accessed bit the CPU sets meanwhile is not lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>

#include "compat.h"
#include "memlab.h"

/* The pmd that maps @addr, or NULL when a level above it maps nothing. */
static pmd_t *memlab_pmd_offset(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pudp = memlab_pud_offset(mm, addr);
	pud_t pud;

	if (!pudp)
		return NULL;
	pud = READ_ONCE(*pudp);
	/* PUD leaves map hugetlb and DAX, which cannot be armed. */
	if (pud_none(pud) || !pud_present(pud) || pud_leaf(pud) || pud_bad(pud))
		return NULL;
	return pmd_offset(pudp, addr);
}

static pte_t memlab_pte_armed(pte_t pte, u32 enforced)
{
	if (enforced & MEMLAB_DENY_READ)
		return pte_protnone(pte) ? pte : memlab_pte_modify(pte, PAGE_NONE);
	if (enforced & MEMLAB_DENY_WRITE)
		pte = pte_wrprotect(pte);
	if (enforced & MEMLAB_DENY_EXEC)
		pte = pte_set_flags(pte, _PAGE_NX);
	return pte;
}

static pte_t memlab_pte_disarmed(struct vm_area_struct *vma, pte_t pte,
				 u32 enforced)
{
	if ((enforced & MEMLAB_DENY_READ) && pte_protnone(pte) &&
	    vma_is_accessible(vma))
		return memlab_pte_modify(pte, vma->vm_page_prot);
	if ((enforced & MEMLAB_DENY_EXEC) && (vma->vm_flags & VM_EXEC))
		pte = pte_clear_flags(pte, _PAGE_NX);
	return pte;
}

static pte_t memlab_pte_change(struct vm_area_struct *vma, pte_t pte,
			       enum memlab_arm_op op, u32 enforced)
{
	return op == MEMLAB_ARM ? memlab_pte_armed(pte, enforced) :
				  memlab_pte_disarmed(vma, pte, enforced);
}

/* One PTE, under its table's lock. Return: true if it changed. */
static bool memlab_arm_pte(struct vm_area_struct *vma, unsigned long addr,
			   pte_t *ptep, enum memlab_arm_op op, u32 enforced)
{
	pte_t old = ptep_get(ptep);
	pte_t new;

	/* Swap, migration and empty entries fault on any access already. */
	if (!pte_present(old))
		return false;
	if (pte_same(old, memlab_pte_change(vma, old, op, enforced)))
		return false;
	old = ptep_modify_prot_start(vma, addr, ptep);
	new = memlab_pte_change(vma, old, op, enforced);
	ptep_modify_prot_commit(vma, addr, ptep, old, new);
	return true;
}

/*
 * [@start, @end) of @vma, under mmap_lock.
 *
 * Return: entries changed, or -EBUSY when a THP maps part of the range
 * with one PMD: memlab cannot split it (no split is exported), and arming
 * the whole PMD would deny the neighbouring pages too.
 */
static long memlab_arm_vma_range(struct vm_area_struct *vma,
				 unsigned long start, unsigned long end,
				 enum memlab_arm_op op, u32 enforced)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr, next;
	spinlock_t *ptl;	/* the PTE table's lock */
	long changed = 0;
	pte_t *ptep;
	pmd_t *pmdp;
	pmd_t pmdval;

	memlab_assert_mmap_locked(mm);
	for (addr = start; addr < end; addr = next) {
		next = pmd_addr_end(addr, end);
		pmdp = memlab_pmd_offset(mm, addr);
		if (!pmdp)
			continue;
		rcu_read_lock();
again:
		ptep = memlab_pte_table(mm, pmdp, addr, &pmdval, &ptl);
		if (!ptep) {
			rcu_read_unlock();
			if (pmd_none(pmdval) || (pmd_present(pmdval) &&
						 !pmd_trans_huge(pmdval) &&
						 !pmd_devmap(pmdval)))
				continue;
			/* Disarming: the kernel resolves a huge leaf itself. */
			if (op == MEMLAB_ARM)
				return -EBUSY;
			continue;
		}
		spin_lock(ptl);
		if (unlikely(!memlab_pte_table_same(pmdp, pmdval))) {
			spin_unlock(ptl);
			goto again;
		}
		for (; addr < next; addr += PAGE_SIZE, ptep++)
			changed += memlab_arm_pte(vma, addr, ptep, op, enforced);
		spin_unlock(ptl);
		rcu_read_unlock();
		cond_resched();
	}
	return changed;
}

/**
 * memlab_arm_range() - arm or disarm the PTEs of a range of an mm
 * @mm: the mm; its mmap_lock is held, for read or write
 * @start: first address, page aligned
 * @end: end address (exclusive), page aligned
 * @op: MEMLAB_ARM or MEMLAB_DISARM
 * @enforced: MEMLAB_DENY_* bits to apply or take away
 *
 * The parts of the range that are not mapped are skipped. Arming is
 * idempotent: entries that deny already are left alone, so that the same
 * call puts back what a swap-in or a migration took away.
 *
 * Return: PTEs changed (when arming, the caller must flush the TLBs with
 * memlab_flush_tlbs() before relying on them), or -EBUSY as
 * memlab_arm_vma_range().
 */
long memlab_arm_range(struct mm_struct *mm, unsigned long start,
		      unsigned long end, enum memlab_arm_op op, u32 enforced)
{
	struct vm_area_struct *vma;
	unsigned long addr = start;
	long changed = 0, ret;

	memlab_assert_mmap_locked(mm);
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		addr = max(addr, vma->vm_start);
		ret = memlab_arm_vma_range(vma, addr, min(end, vma->vm_end),
					   op, enforced);
		if (ret < 0)
			return ret;
		changed += ret;
		addr = vma->vm_end;
	}
	return changed;
}

/**
 * memlab_check_armable() - may [@start, @end) of @mm be armed?
 * @mm: the mm; its mmap_lock is held
 * @start: first address, page aligned
 * @end: end address (exclusive)
 *
 * Return: 0, ENOMEM when a part of the range is not mapped, EOPNOTSUPP
 * for hugetlb and VM_IO/VM_PFNMAP/VM_MIXEDMAP memory (no struct pages,
 * or page tables the kernel does not let anyone else change).
 */
int memlab_check_armable(struct mm_struct *mm, unsigned long start,
			 unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr = start;

	memlab_assert_mmap_locked(mm);
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr)
			return -ENOMEM;
		if (is_vm_hugetlb_page(vma) ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)))
			return -EOPNOTSUPP;
		addr = vma->vm_end;
	}
	return 0;
}

static void memlab_flush_tlb_local(void *unused)
{
	__flush_tlb_all();
}

/**
 * memlab_flush_tlbs() - make every CPU forget the translations it cached
 *
 * flush_tlb_mm_range() is not exported; __flush_tlb_all() is, for the CPU
 * it runs on. Arming takes permissions away, so no CPU may keep using a
 * translation that still grants them. Called with interrupts enabled.
 */
void memlab_flush_tlbs(void)
{
	on_each_cpu(memlab_flush_tlb_local, NULL, 1);
}
