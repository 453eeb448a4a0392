/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab: declarations shared by the module's files. One concern per file:
 *
 *   main.c	module load and unload, parameters
 *   target.c	from a pid to the mm to walk, and who may walk it
 *   walk.c	the page-table walker and its locking
 *   account.c	what each entry adds to the numbers (smaps' rules)
 *   segment.c	the segment class of a VMA
 *   report.c	a walk of a whole process: per-VMA and total numbers
 *   maps.c	MEMLAB_IOC_MAPS: per-VMA records
 *   scan.c	MEMLAB_IOC_SCAN: page categories as run-length regions
 *   vtop.c	MEMLAB_IOC_VTOP: the walk of one address, level by level
 *   fault.c	armed faults: inject, restore, list, and their lifetime
 *   arm.c	the PTE bits that make an armed page fault
 *   intercept.c	telling an armed fault from others, and SIGSEGV
 *   proc.c	the /proc/memlab text files
 *   dev.c	the /dev/memlab misc device and its ioctl dispatch
 *   compat.h	what differs between the 6.1 and 6.12 kernels
 */
#ifndef _MEMLAB_H
#define _MEMLAB_H

#include <linux/mm.h>
#include <linux/mmdebug.h>
#include <linux/mmu_notifier.h>
#include <linux/pgtable.h>
#include <linux/ratelimit.h>
#include <linux/types.h>
#include <uapi/linux/memlab.h>

#define MEMLAB_NAME		"memlab"
#define MEMLAB_VERSION_MAJOR	0
#define MEMLAB_VERSION_MINOR	1
#define MEMLAB_VERSION_PATCH	0
#define MEMLAB_VERSION_STRING	"0.1.0"
#define MEMLAB_VERSION_CODE	(MEMLAB_VERSION_MAJOR << 16 |	\
				 MEMLAB_VERSION_MINOR << 8 |	\
				 MEMLAB_VERSION_PATCH)

/* Everything this build of the module can do (MEMLAB_FEAT_*). */
#define MEMLAB_FEATURES		(MEMLAB_FEAT_VERSION | MEMLAB_FEAT_SUMMARY | \
				 MEMLAB_FEAT_MAPS | MEMLAB_FEAT_SCAN |	\
				 MEMLAB_FEAT_VTOP | MEMLAB_FEAT_INJECT)

struct address_space;
struct file;
struct inode;
struct mm_struct;
struct seq_file;
struct task_struct;
struct vm_area_struct;

/* main.c */
extern bool memlab_verbose;

#define memlab_log(fmt, ...)						\
	do {								\
		if (memlab_verbose)					\
			pr_info(fmt, ##__VA_ARGS__);			\
	} while (0)

void memlab_fill_version(struct memlab_version *ver);

/* target.c */
struct pid;
struct task_struct *memlab_get_pid_task(struct pid *pid);
struct task_struct *memlab_get_task(pid_t nr);
struct mm_struct *memlab_get_pid_mm(struct pid *pid);
struct mm_struct *memlab_get_mm(pid_t nr);

/* walk.c */
enum memlab_level {
	MEMLAB_LEVEL_PMD,	/* a PMD table, reached through a pud */
	MEMLAB_LEVEL_PTE,	/* a PTE table, reached through a pmd */
	MEMLAB_LEVEL_NR
};

struct memlab_walk;

/*
 * Called under the entries' page-table lock: @pte_table once per PTE table
 * with the entries for [@addr, @end), @ptep the first of them, which it
 * reads itself, empty ones included; @pmd_entry for a huge PMD. Like
 * smaps_pte_range(), the loop over a table's entries is the callee's own,
 * so that what it does per entry is inlined there: an indirect call per
 * entry (a retpoline on Debian's kernels) costs more than the entry.
 *
 * @pte_hole, if set, is called without a lock for ranges above the PTE
 * tables that map nothing, while walk->want_holes is set.
 */
struct memlab_walk_entry_ops {
	void (*pte_table)(struct memlab_walk *walk, pte_t *ptep,
			  unsigned long addr, unsigned long end);
	void (*pmd_entry)(struct memlab_walk *walk, pmd_t pmd, unsigned long addr,
			  unsigned long end);
	void (*pte_hole)(struct memlab_walk *walk, unsigned long addr,
			 unsigned long end);
	/* Hugetlb VMAs are walked only when this is set. */
	void (*hugetlb_entry)(struct memlab_walk *walk, pte_t pte, pte_t *ptep,
			      unsigned long addr, unsigned long end,
			      unsigned long size);
};

/* Called under mmap_lock: around the entries of each VMA. */
struct memlab_walk_ops {
	void (*vma_begin)(struct memlab_walk *walk, struct vm_area_struct *vma);
	void (*vma_end)(struct memlab_walk *walk);
	const struct memlab_walk_entry_ops *entry;
};

/**
 * struct memlab_walk - one walk of an mm, and what it cost
 * @mm: the mm (set by the caller, referenced)
 * @ops: callbacks (set by the caller)
 * @private: for the callbacks
 * @vma: the VMA being walked, valid inside the callbacks only
 * @resume: where to resume after dropping mmap_lock
 * @stop: set by a callback to end the walk at once
 * @whole_vmas: start the first VMA at its start, even before the walk's start
 * @aborted: the walk was killed; mmap_lock is not held in vma_end
 * @want_holes: call ops->entry->pte_hole in this VMA; set before vma_begin
 *	  when there is a pte_hole, which vma_begin may clear
 * @work: PMD entries with work since the lock was last looked at
 * @entries: page-table entries read, all levels
 * @tables: page-table pages reached (PMD and PTE tables)
 * @lock_drops: times mmap_lock was let go for a waiting writer
 * @max_hold_ns: longest time mmap_lock was held at once
 * @walk_ns: time of the whole walk
 * @hold_start_ns: when mmap_lock was last taken
 * @last_table: pfn of the last table counted at each level
 */
struct memlab_walk {
	struct mm_struct *mm;
	const struct memlab_walk_ops *ops;
	void *private;
	struct vm_area_struct *vma;
	unsigned long resume;
	bool stop;
	bool whole_vmas;
	bool aborted;
	bool want_holes;
	unsigned int work;
	u64 entries;
	u64 tables;
	u64 lock_drops;
	u64 max_hold_ns;
	u64 walk_ns;
	u64 hold_start_ns;
	unsigned long last_table[MEMLAB_LEVEL_NR];
};

int memlab_walk_mm(struct memlab_walk *walk, unsigned long start,
		   unsigned long end);

/*
 * The PTE table loops (account.c, scan.c) read a table a block of
 * MEMLAB_PTE_BLOCK entries, a cache line, at a time, and within a block
 * visit only the entries that are not empty, a bit of a mask each. Most
 * entries of a sparse process's tables are empty: a test and a jump per
 * entry would cost several times reading them (under QEMU's TCG, where
 * memlab's performance is measured, every instruction costs; see
 * Documentation/performance.rst), and a block costs one test.
 */
#define MEMLAB_PTE_BLOCK	8UL
#define MEMLAB_PTE_BLOCK_SIZE	(MEMLAB_PTE_BLOCK * PAGE_SIZE)
#define MEMLAB_PTE_BLOCK_ALL	((1U << MEMLAB_PTE_BLOCK) - 1)

/*
 * The AND and the OR of the MEMLAB_PTE_BLOCK entries from @p: the bits
 * all of them have, and those any of them has. Written out, and with
 * native_pte_val() rather than the paravirt pte_val(), so that it
 * compiles to eight loads and fourteen logic operations.
 */
static __always_inline void memlab_pte_block_bits(pte_t *p, pteval_t *all,
						  pteval_t *any)
{
	pteval_t v0 = native_pte_val(ptep_get(p)),
		 v1 = native_pte_val(ptep_get(p + 1)),
		 v2 = native_pte_val(ptep_get(p + 2)),
		 v3 = native_pte_val(ptep_get(p + 3)),
		 v4 = native_pte_val(ptep_get(p + 4)),
		 v5 = native_pte_val(ptep_get(p + 5)),
		 v6 = native_pte_val(ptep_get(p + 6)),
		 v7 = native_pte_val(ptep_get(p + 7));

	BUILD_BUG_ON(MEMLAB_PTE_BLOCK != 8);
	*all = v0 & v1 & v2 & v3 & v4 & v5 & v6 & v7;
	*any = v0 | v1 | v2 | v3 | v4 | v5 | v6 | v7;
}

/* Bit @i of a block's mask: its entry @i is not empty. */
static __always_inline unsigned int memlab_pte_used(pte_t *block,
						    unsigned int i)
{
	return (unsigned int)!pte_none(ptep_get(block + i)) << i;
}

/**
 * memlab_pte_block_used() - the entries of a block that are not empty
 * @block: the block's first entry
 * @range: the entries of interest, a bit each (memlab_pte_block_range())
 *
 * x86's pte_none() is "no bit set outside _PAGE_KNL_ERRATUM_MASK", which
 * holds of the OR of the entries exactly when it holds of each: an empty
 * block is one test. Otherwise the mask is computed without a jump.
 *
 * Return: a bit for each entry in @range that is not empty.
 */
static __always_inline unsigned int memlab_pte_block_used(pte_t *block,
							  unsigned int range)
{
	pteval_t all, any;

	memlab_pte_block_bits(block, &all, &any);
	if (pte_none(native_make_pte(any)))
		return 0;
	return (memlab_pte_used(block, 0) | memlab_pte_used(block, 1) |
		memlab_pte_used(block, 2) | memlab_pte_used(block, 3) |
		memlab_pte_used(block, 4) | memlab_pte_used(block, 5) |
		memlab_pte_used(block, 6) | memlab_pte_used(block, 7)) & range;
}

/*
 * The entries of the block that maps from @baddr that also map some of
 * [@addr, @end), a bit each: all but at the ends of a range.
 */
static __always_inline unsigned int memlab_pte_block_range(unsigned long baddr,
							   unsigned long addr,
							   unsigned long end)
{
	unsigned int range = MEMLAB_PTE_BLOCK_ALL;

	if (addr > baddr)
		range &= range << ((addr - baddr) >> PAGE_SHIFT);
	if (end < baddr + MEMLAB_PTE_BLOCK_SIZE)
		range &= range >> ((baddr + MEMLAB_PTE_BLOCK_SIZE - end) >> PAGE_SHIFT);
	return range;
}

/*
 * The same for the block that maps from @baddr on, of a range that began
 * before it: all its entries but in the last block of the range. No jump:
 * under TCG a jump per block cost as much as reading an empty one.
 */
static __always_inline unsigned int memlab_pte_block_range_to(unsigned long baddr,
							      unsigned long end)
{
	unsigned long nr = min((end - baddr) >> PAGE_SHIFT, MEMLAB_PTE_BLOCK);

	return (1U << nr) - 1;
}

/*
 * The first entry of the block of @addr, whose entry is @ptep. A table
 * loop goes from there a block at a time, from the address
 * ALIGN_DOWN(@addr, MEMLAB_PTE_BLOCK_SIZE) to its end: a block may begin
 * before its range and end after it, in the same table (tables are
 * page-aligned), and memlab_pte_block_range() (the first block) and
 * memlab_pte_block_range_to() (the others) say which of its entries are
 * in the range.
 */
static __always_inline pte_t *memlab_pte_block_start(pte_t *ptep,
						     unsigned long addr)
{
	return ptep - pte_index(addr) % MEMLAB_PTE_BLOCK;
}

pte_t *memlab_pte_table(struct mm_struct *mm, pmd_t *pmdp, unsigned long addr,
			pmd_t *pmdvalp, spinlock_t **ptlp);
bool memlab_pte_table_same(pmd_t *pmdp, pmd_t pmdval);
pud_t *memlab_pud_offset(struct mm_struct *mm, unsigned long addr);

/* account.c */

/* smaps keeps Pss in bytes << 12 and truncates only when it prints. */
#define MEMLAB_PSS_SHIFT	12

/* Sizes in bytes. */
struct memlab_mem_stats {
	u64 rss;
	u64 rss_anon;
	u64 rss_file;
	u64 rss_shmem;
	u64 pss_fp;		/* bytes << MEMLAB_PSS_SHIFT */
	u64 pss_locked_fp;	/* bytes << MEMLAB_PSS_SHIFT */
	u64 uss;
	u64 swap;
	u64 shmem_swap;
	u64 anon_huge;
	u64 dirty;
	u64 referenced;
};

/* walk->private while accounting. */
struct memlab_account {
	bool sharing;		/* Pss and Uss wanted: read mapcounts */
	bool page_tables_only;	/* read no struct page but a huge PMD's */
	bool locked;		/* the VMA is VM_LOCKED */
	bool anon_only;		/* the VMA maps anon folios only */
	struct address_space *shmem_holes;	/* count its swap in holes */
	struct memlab_mem_stats vma_stats;
};

extern const struct memlab_walk_entry_ops memlab_account_entry_ops;

/**
 * memlab_normal_page() - vm_normal_page(), which is not exported, on x86
 * @pte: a present PTE
 *
 * With ARCH_HAS_PTE_SPECIAL, every PTE that maps memory without a page to
 * account is special: PFN maps, the zero page, devmap. Any other present
 * PTE names a page that has a struct page, which vm_normal_page() and
 * gup_pte_range() take on trust as well (the former compares the pfn with
 * highest_memmap_pfn, to catch a corrupt entry; that is not exported).
 * pfn_valid() would look the pfn up in the sparse memory sections: on
 * Debian's kernels under QEMU that cost more than all the rest of
 * accounting a page. DEBUG_VM kernels still check.
 *
 * Return: the page, or NULL when the PTE maps none.
 */
static __always_inline struct page *memlab_normal_page(pte_t pte)
{
	if (pte_special(pte))
		return NULL;
	VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
	return pte_page(pte);
}

void memlab_account_vma_begin(struct memlab_account *acct,
			      struct memlab_walk *walk,
			      struct vm_area_struct *vma);
void memlab_mem_stats_add(struct memlab_mem_stats *sum,
			  const struct memlab_mem_stats *st);

/* segment.c */
#define MEMLAB_EXEC_FILES	64

struct memlab_segments {
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	struct inode *exe_inode;
	unsigned int nr_exec_inodes;
	struct inode *exec_inodes[MEMLAB_EXEC_FILES];
};

extern const char * const memlab_segment_names[MEMLAB_SEG_NR];
void memlab_segments_snapshot(struct memlab_segments *seg, struct mm_struct *mm);
enum memlab_segment memlab_segment_of(const struct memlab_segments *seg,
				      struct vm_area_struct *vma);
u32 memlab_vma_prot(unsigned long vm_flags);

/* report.c */

/* One VMA as the report saw it. @file is referenced until ->vma_done. */
struct memlab_vma_report {
	unsigned long start;
	unsigned long end;
	unsigned long flags;
	unsigned long long pgoff;
	enum memlab_segment segment;
	struct file *file;
	struct memlab_mem_stats stats;
};

struct memlab_report {
	/* set by the caller */
	bool sharing;
	bool page_tables_only;
	void (*vma_done)(struct memlab_report *report,
			 const struct memlab_vma_report *vr);
	void *private;
	/* the results */
	struct memlab_mem_stats total;
	struct memlab_segment_usage segments[MEMLAB_SEG_NR];
	u64 vmas;
	struct memlab_walk walk;
	/* while walking */
	bool have_segments;
	struct memlab_account acct;
	struct memlab_vma_report cur;
	struct memlab_segments seg;
};

int memlab_report_mm(struct memlab_report *report, struct mm_struct *mm,
		     unsigned long start, unsigned long end);

/* maps.c, scan.c, vtop.c: the commands of the same names */
long memlab_maps(struct memlab_maps *arg);
long memlab_scan(struct memlab_scan *arg);
long memlab_vtop(struct memlab_vtop *arg);
long memlab_vtop_mm(struct mm_struct *mm, struct memlab_vtop *arg);
void memlab_report_to_summary(const struct memlab_report *report,
			      struct memlab_summary *sum);

#ifdef CONFIG_MMU_NOTIFIER

/* fault.c */

/* Internal states, after those of enum memlab_fault_state. */
#define MEMLAB_FAULT_GONE	4	/* being restored or dropped */

enum memlab_gone {
	MEMLAB_GONE_RESTORED,
	MEMLAB_GONE_UNMAPPED,
	MEMLAB_GONE_EXITED,
};

/* Bits of memlab_armed_mm.flags */
#define MEMLAB_AMM_SERVICE	0	/* its PTEs need arming again */
#define MEMLAB_AMM_EXITED	1	/* its process exited */

/**
 * struct memlab_armed_mm - an mm with faults, watched by an mmu notifier
 * @mn: the notifier; @mn.mm is the mm, held (mmgrab) by it
 * @node: in memlab_armed_mms
 * @faults: its faults (struct memlab_fault.mm_node)
 * @flags: MEMLAB_AMM_* bits
 * @rcu: freed after the interceptors' RCU readers
 */
struct memlab_armed_mm {
	struct mmu_notifier mn;
	struct list_head node;
	struct list_head faults;
	unsigned long flags;
	struct rcu_head rcu;
};

/**
 * struct memlab_fault - one armed fault
 * @mm_node: in its memlab_armed_mm's @faults; RCU readers
 * @node: in the list of all faults, in id order
 * @amm: its mm
 * @id: its id, never reused while the module is loaded
 * @pid: the process it was armed on
 * @start: first address
 * @end: end address (exclusive)
 * @deny: MEMLAB_DENY_* asked for
 * @enforced: MEMLAB_DENY_* that fault
 * @flags: MEMLAB_INJECT_*
 * @cow: part of the range is a private (COW) mapping, copied by fork()
 * @disarmed: its PTEs were put back (SPENT or LOST)
 * @gone: why it ended, once its state is MEMLAB_FAULT_GONE
 * @state: enum memlab_fault_state, or MEMLAB_FAULT_GONE
 * @hits: denied accesses caught
 * @log_limit: its hits' kernel-log lines, at most 10 in 5 seconds
 * @rcu: freed after the interceptors' RCU readers
 *
 * The lists are changed under memlab_fault_mutex; @state and @hits are
 * atomic because the interceptors and the notifier change them too.
 */
struct memlab_fault {
	struct list_head mm_node;
	struct list_head node;
	struct memlab_armed_mm *amm;
	u64 id;
	struct pid *pid;
	unsigned long start;
	unsigned long end;
	u32 deny;
	u32 enforced;
	u64 flags;
	bool cow;
	bool disarmed;
	enum memlab_gone gone;
	atomic_t state;
	atomic64_t hits;
	struct ratelimit_state log_limit;
	struct rcu_head rcu;
};

extern struct list_head memlab_armed_mms;
struct memlab_armed_mm *memlab_find_armed_mm(struct mm_struct *mm);
unsigned long memlab_fault_armed_extent(struct mm_struct *mm,
					unsigned long addr, unsigned long end,
					bool *armed);
void memlab_request_service(struct memlab_armed_mm *amm);
void memlab_fault_count_hit(struct memlab_fault *f);
const char *memlab_deny_string(u32 deny, char *buf);
long memlab_inject(struct memlab_inject *arg);
long memlab_restore(struct memlab_restore *arg);
long memlab_list_faults(struct memlab_list_faults *arg);
void memlab_faults_show(struct seq_file *m);
int memlab_fault_init(void);
void memlab_fault_exit(void);

/* arm.c */
enum memlab_arm_op {
	MEMLAB_ARM,
	MEMLAB_DISARM,
};

long memlab_arm_range(struct mm_struct *mm, unsigned long start,
		      unsigned long end, enum memlab_arm_op op, u32 enforced);
int memlab_check_armable(struct mm_struct *mm, unsigned long start,
			 unsigned long end);
void memlab_flush_tlbs(void);

/* intercept.c */
int memlab_intercept_init(void);
void memlab_intercept_exit(void);
bool memlab_intercept_ready(void);
void memlab_fault_hit(u64 id, pid_t tgid, unsigned long addr, u32 access,
		      bool signalled, struct ratelimit_state *rs);

#else /* !CONFIG_MMU_NOTIFIER */

/*
 * Injection needs an mmu notifier on each armed mm to notice unmap, fork
 * and exit: without CONFIG_MMU_NOTIFIER it is left out, and INJECT,
 * RESTORE and LIST_FAULTS say EOPNOTSUPP.
 */
static inline unsigned long memlab_fault_armed_extent(struct mm_struct *mm,
						      unsigned long addr,
						      unsigned long end,
						      bool *armed)
{
	*armed = false;
	return end;
}

static inline long memlab_inject(struct memlab_inject *arg)
{
	return -EOPNOTSUPP;
}

static inline long memlab_restore(struct memlab_restore *arg)
{
	return -EOPNOTSUPP;
}

static inline long memlab_list_faults(struct memlab_list_faults *arg)
{
	return -EOPNOTSUPP;
}

static inline void memlab_faults_show(struct seq_file *m)
{
}

static inline int memlab_fault_init(void)
{
	return 0;
}

static inline void memlab_fault_exit(void)
{
}

static inline bool memlab_intercept_ready(void)
{
	return false;
}

#endif /* CONFIG_MMU_NOTIFIER */

/* proc.c */
int memlab_proc_init(void);
void memlab_proc_exit(void);

/* dev.c */
int memlab_dev_init(void);
void memlab_dev_exit(void);

#endif /* _MEMLAB_H */
