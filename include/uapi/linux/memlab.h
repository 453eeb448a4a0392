/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * memlab - watch a process's page tables and provoke its protection faults.
 *
 * The binary interface of /dev/memlab. This is the one header shared by the
 * module, the tools and the tests. It follows
 * Documentation/driver-api/ioctl.rst: fixed-size __u32/__u64 fields, no
 * implicit padding, user pointers carried as __u64, and a @size field first
 * in every argument so that structures can grow (copy_struct_from_user()).
 *
 * Rules every command obeys:
 *  - @size is sizeof() the structure the caller was compiled against. A
 *    smaller size than the first published version is rejected with EINVAL;
 *    a larger one is accepted when the bytes the module does not know are
 *    zero, and rejected with E2BIG otherwise, or when it is over a page.
 *    Output is written back up to the smaller of the two sizes.
 *  - the size encoded in the command number is not checked, only @size.
 *  - unknown @flags bits and non-zero reserved fields are rejected with
 *    EINVAL; unknown commands fail with ENOTTY.
 */
#ifndef _UAPI_LINUX_MEMLAB_H
#define _UAPI_LINUX_MEMLAB_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped whenever a command is added or a structure grows. */
#define MEMLAB_ABI_VERSION	1

#define MEMLAB_DEVICE		"/dev/memlab"
#define MEMLAB_PROC_DIR		"/proc/memlab"

/* Bits of memlab_version.features: what this module can do. */
#define MEMLAB_FEAT_VERSION	(1ULL << 0)	/* MEMLAB_IOC_VERSION */
#define MEMLAB_FEAT_SUMMARY	(1ULL << 1)	/* MEMLAB_IOC_SUMMARY */
#define MEMLAB_FEAT_MAPS	(1ULL << 2)	/* MEMLAB_IOC_MAPS */
#define MEMLAB_FEAT_SCAN	(1ULL << 3)	/* MEMLAB_IOC_SCAN */
#define MEMLAB_FEAT_VTOP	(1ULL << 4)	/* MEMLAB_IOC_VTOP */
#define MEMLAB_FEAT_INJECT	(1ULL << 5)	/* INJECT, RESTORE, LIST_FAULTS */

/*
 * Segment classes of a VMA, from the mm's own markers; the rules are in
 * Documentation/segments.rst. The names (lower case) are ABI too: they
 * appear in /proc/memlab/summary and /proc/memlab/maps.
 */
enum memlab_segment {
	MEMLAB_SEG_TEXT,	/* the executable's code and read-only data */
	MEMLAB_SEG_DATA,	/* the executable's initialised data */
	MEMLAB_SEG_BSS,		/* anonymous memory right after the data */
	MEMLAB_SEG_HEAP,	/* the brk heap */
	MEMLAB_SEG_STACK,	/* the main thread's stack */
	MEMLAB_SEG_LIB,		/* other executable files and their data */
	MEMLAB_SEG_FILE,	/* other file mappings */
	MEMLAB_SEG_ANON,	/* other private anonymous memory */
	MEMLAB_SEG_SHM,		/* shared memory: shmem, tmpfs, SysV shm */
	MEMLAB_SEG_VDSO,
	MEMLAB_SEG_VVAR,
	MEMLAB_SEG_VSYSCALL,
	MEMLAB_SEG_OTHER,	/* device and special mappings */
	MEMLAB_SEG_NR
};

/**
 * struct memlab_segment_usage - memory of one segment class
 * @rss:	bytes resident
 * @swap:	bytes in swap
 */
struct memlab_segment_usage {
	__u64 rss;
	__u64 swap;
};

/*
 * memlab_summary.flags
 *
 * MEMLAB_SUMMARY_NO_SHARING: skip Pss, Uss and Locked, which read every
 * page's mapcount; every other number is the same.
 *
 * MEMLAB_SUMMARY_PAGE_TABLES_ONLY: read the page tables and nothing else
 * (but one struct page per huge PMD): the fastest summary. Rss, Swap,
 * ShmemSwap, AnonHugePages, PageTables and the segments are the same;
 * RssAnon, RssFile and RssShmem are the mm's counters (/proc/PID/status);
 * Dirty and Referenced count the entries' own dirty and accessed bits,
 * which smaps adds PG_dirty and PG_referenced to, so they are at most
 * smaps'; Pss, Uss and Locked are 0, as with NO_SHARING.
 */
#define MEMLAB_SUMMARY_NO_SHARING	(1ULL << 0)
#define MEMLAB_SUMMARY_PAGE_TABLES_ONLY	(1ULL << 1)
#define MEMLAB_SUMMARY_FLAGS		(MEMLAB_SUMMARY_NO_SHARING |	\
					 MEMLAB_SUMMARY_PAGE_TABLES_ONLY)

/**
 * struct memlab_summary - argument of MEMLAB_IOC_SUMMARY
 *
 * All sizes are in bytes. Each number is defined as the kernel's own
 * accounting defines it; Documentation/proc.rst names the kernel file and
 * field each one equals.
 *
 * @size:		in: sizeof(struct memlab_summary)
 * @flags:		in: MEMLAB_SUMMARY_* bits
 * @pid:		in: the process, in the caller's pid namespace; 0 is
 *			the caller
 * @reserved:		in: must be 0
 * @rss:		out: resident (smaps Rss)
 * @rss_anon:		out: resident anonymous pages (status RssAnon)
 * @rss_file:		out: resident file pages (status RssFile)
 * @rss_shmem:		out: resident shmem pages (status RssShmem)
 * @pss:		out: proportional set size (smaps Pss), 0 with
 *			MEMLAB_SUMMARY_NO_SHARING or _PAGE_TABLES_ONLY
 * @uss:		out: pages mapped by this process only, 0 with
 *			MEMLAB_SUMMARY_NO_SHARING or _PAGE_TABLES_ONLY
 * @swap:		out: anonymous pages in swap (status VmSwap)
 * @shmem_swap:		out: shmem pages of the mapped ranges in swap; smaps
 *			Swap is @swap + @shmem_swap
 * @anon_huge:		out: anonymous pages mapped by PMDs (AnonHugePages)
 * @dirty:		out: smaps Shared_Dirty + Private_Dirty
 * @referenced:		out: smaps Referenced
 * @locked:		out: smaps Locked (Pss of VM_LOCKED mappings), 0
 *			with MEMLAB_SUMMARY_NO_SHARING or _PAGE_TABLES_ONLY
 * @page_tables:	out: page-table pages the walk reached
 * @vmas:		out: mappings walked
 * @segments:		out: memory by segment class
 * @ptes_visited:	out: page-table entries the walk read, all levels
 * @walk_ns:		out: time the walk took
 * @lock_drops:		out: times the walk let a waiting mmap_lock writer in
 * @max_lock_hold_ns:	out: longest time the walk held mmap_lock at once
 */
struct memlab_summary {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 reserved;
	__u64 rss;
	__u64 rss_anon;
	__u64 rss_file;
	__u64 rss_shmem;
	__u64 pss;
	__u64 uss;
	__u64 swap;
	__u64 shmem_swap;
	__u64 anon_huge;
	__u64 dirty;
	__u64 referenced;
	__u64 locked;
	__u64 page_tables;
	__u64 vmas;
	struct memlab_segment_usage segments[MEMLAB_SEG_NR];
	__u64 ptes_visited;
	__u64 walk_ns;
	__u64 lock_drops;
	__u64 max_lock_hold_ns;
};

#define MEMLAB_SUMMARY_SIZE_VER0	376	/* sizeof first published struct */

/* memlab_vma.prot: the mapping's permissions, as in /proc/PID/maps */
#define MEMLAB_VMA_READ		(1U << 0)
#define MEMLAB_VMA_WRITE	(1U << 1)
#define MEMLAB_VMA_EXEC		(1U << 2)
#define MEMLAB_VMA_SHARED	(1U << 3)

/**
 * struct memlab_vma - one mapping, as MEMLAB_IOC_MAPS reports it
 *
 * Sizes in bytes; each equals the field of the mapping's entry in
 * /proc/PID/smaps named in brackets.
 *
 * @start:	first address
 * @end:	end address (exclusive)
 * @prot:	MEMLAB_VMA_* bits
 * @segment:	enum memlab_segment
 * @pgoff:	offset into the file, in bytes
 * @dev:	device of the file (new_encode_dev()), 0 for anonymous memory
 * @inode:	inode number of the file, 0 for anonymous memory
 * @rss:	resident [Rss]
 * @pss:	proportional set size [Pss]
 * @uss:	pages mapped by this process only [Private_Clean + Private_Dirty]
 * @anon:	anonymous pages [Anonymous]
 * @file:	page-cache pages
 * @shmem:	shmem pages
 * @swap:	swapped out [Swap]
 * @anon_huge:	anonymous pages mapped by PMDs [AnonHugePages]
 * @dirty:	[Shared_Dirty + Private_Dirty]
 * @referenced:	[Referenced]
 * @locked:	[Locked]
 */
struct memlab_vma {
	__u64 start;
	__u64 end;
	__u32 prot;
	__u32 segment;
	__u64 pgoff;
	__u64 dev;
	__u64 inode;
	__u64 rss;
	__u64 pss;
	__u64 uss;
	__u64 anon;
	__u64 file;
	__u64 shmem;
	__u64 swap;
	__u64 anon_huge;
	__u64 dirty;
	__u64 referenced;
	__u64 locked;
};

/**
 * struct memlab_maps - argument of MEMLAB_IOC_MAPS
 *
 * Fills @vec with the mappings that end after @start, in address order.
 * To read them all, call again with @start = @next until @next is 0.
 *
 * @size:	in: sizeof(struct memlab_maps)
 * @flags:	in: must be 0
 * @pid:	in: the process; 0 is the caller
 * @vma_size:	in: sizeof(struct memlab_vma) the caller knows (at least
 *		MEMLAB_VMA_SIZE_VER0); records are written with that stride
 * @start:	in: first address of interest
 * @vec:	in: user pointer to an array of @vec_len records
 * @vec_len:	in: its length, at least 1
 * @count:	out: records written
 * @next:	out: where to resume, or 0 when the last mapping was written
 */
struct memlab_maps {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 vma_size;
	__u64 start;
	__u64 vec;
	__u64 vec_len;
	__u64 count;
	__u64 next;
};

#define MEMLAB_VMA_SIZE_VER0		136
#define MEMLAB_MAPS_SIZE_VER0		64

/*
 * Categories of a page, for MEMLAB_IOC_SCAN, as PAGEMAP_SCAN (6.7) defines
 * them where it has them (Documentation/abi.rst has each definition):
 */
#define MEMLAB_PAGE_PRESENT	(1ULL << 0)	/* pagemap bit 63 */
#define MEMLAB_PAGE_SWAPPED	(1ULL << 1)	/* pagemap bit 62: a swap-format entry */
#define MEMLAB_PAGE_FILE	(1ULL << 2)	/* pagemap bit 61: not an anon page */
#define MEMLAB_PAGE_SHARED	(1ULL << 3)	/* present, mapcount > 1 */
#define MEMLAB_PAGE_EXCLUSIVE	(1ULL << 4)	/* pagemap bit 56: mapcount == 1 */
#define MEMLAB_PAGE_DIRTY	(1ULL << 5)	/* dirty PTE or dirty page */
#define MEMLAB_PAGE_YOUNG	(1ULL << 6)	/* accessed bit set in the PTE/PMD */
#define MEMLAB_PAGE_SOFT_DIRTY	(1ULL << 7)	/* pagemap bit 55 */
#define MEMLAB_PAGE_UFFD_WP	(1ULL << 8)	/* pagemap bit 57 */
#define MEMLAB_PAGE_HUGE	(1ULL << 9)	/* mapped by a PMD (or PUD) */
#define MEMLAB_PAGE_ZERO	(1ULL << 10)	/* the zero page, or huge zero page */
#define MEMLAB_PAGE_PROTNONE	(1ULL << 11)	/* NUMA-hinting (PROT_NONE) entry */
#define MEMLAB_PAGE_MIGRATION	(1ULL << 12)	/* migration or hwpoison entry */
#define MEMLAB_PAGE_ARMED	(1ULL << 13)	/* a memlab fault is armed on it */
#define MEMLAB_PAGE_CATEGORIES	((1ULL << 14) - 1)

/**
 * struct memlab_scan_region - a run of pages with the same categories
 * @start:	first address
 * @end:	end address (exclusive)
 * @categories:	MEMLAB_PAGE_* bits, masked with memlab_scan.return_mask
 */
struct memlab_scan_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

/**
 * struct memlab_scan - argument of MEMLAB_IOC_SCAN
 *
 * PAGEMAP_SCAN for any process, on any kernel: walks [@start, @end) of
 * the mappings of @pid, and reports each page whose categories, XORed with
 * @category_inverted, include all of @category_mask and, if
 * @category_anyof_mask is not 0, one of those. Adjacent reported pages with
 * the same categories (& @return_mask) make one region. Addresses that are
 * not mapped are not reported.
 *
 * The walk stops when @vec is full, when @max_pages pages were reported
 * (the last region is cut there) or at @end; @walk_end says where, so that
 * the caller can call again from there. The call returns the number of
 * regions written.
 *
 * @size:		in: sizeof(struct memlab_scan)
 * @flags:		in: must be 0
 * @pid:		in: the process; 0 is the caller
 * @reserved:		in: must be 0
 * @start:		in: page-aligned start address
 * @end:		in: end address (exclusive), page-aligned, >= @start
 * @walk_end:		out: where the walk stopped
 * @vec:		in: user pointer to @vec_len regions
 * @vec_len:		in: at least 1
 * @max_pages:		in: most pages to report, 0 for no limit
 * @category_inverted:	in: categories to invert before matching
 * @category_mask:	in: categories a page must all have
 * @category_anyof_mask: in: categories a page must have one of (0: any)
 * @return_mask:	in: categories to report
 */
struct memlab_scan {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 reserved;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define MEMLAB_SCAN_SIZE_VER0		104

/* memlab_vtop.result: what the address translates to */
enum memlab_vtop_result {
	MEMLAB_VTOP_NONE,	/* nothing: no page table or an empty entry */
	MEMLAB_VTOP_PRESENT,	/* a present page: @pfn, @page_shift */
	MEMLAB_VTOP_SWAP,	/* swapped out: @swap_type, @swap_offset */
	MEMLAB_VTOP_MIGRATION,	/* a migration entry: @pfn of the page */
	MEMLAB_VTOP_HWPOISON,	/* a poisoned page: @pfn */
	MEMLAB_VTOP_MARKER,	/* a PTE marker (uffd-wp, swapin error) */
};

/* memlab_vtop_level.flags: the decoded bits of an entry */
#define MEMLAB_PTE_PRESENT	(1ULL << 0)
#define MEMLAB_PTE_RW		(1ULL << 1)
#define MEMLAB_PTE_USER		(1ULL << 2)
#define MEMLAB_PTE_ACCESSED	(1ULL << 3)
#define MEMLAB_PTE_DIRTY	(1ULL << 4)
#define MEMLAB_PTE_HUGE		(1ULL << 5)	/* a leaf above the PTE level */
#define MEMLAB_PTE_GLOBAL	(1ULL << 6)
#define MEMLAB_PTE_NX		(1ULL << 7)
#define MEMLAB_PTE_PROTNONE	(1ULL << 8)
#define MEMLAB_PTE_SOFT_DIRTY	(1ULL << 9)
#define MEMLAB_PTE_UFFD_WP	(1ULL << 10)

/* memlab_vtop.levels[] indices; p4d is folded into pgd with 4 levels. */
enum memlab_vtop_level_index {
	MEMLAB_LEVEL_PGD_IDX,
	MEMLAB_LEVEL_P4D_IDX,
	MEMLAB_LEVEL_PUD_IDX,
	MEMLAB_LEVEL_PMD_IDX,
	MEMLAB_LEVEL_PTE_IDX,
	MEMLAB_VTOP_LEVELS
};

/**
 * struct memlab_vtop_level - one entry on the way to a page
 * @value:	the raw entry; 0 without CAP_SYS_ADMIN
 * @flags:	MEMLAB_PTE_* bits decoded from it
 */
struct memlab_vtop_level {
	__u64 value;
	__u64 flags;
};

/**
 * struct memlab_vtop - argument of MEMLAB_IOC_VTOP
 *
 * The page-table walk for one address of a process: each level's entry,
 * and what it ends in. Physical information (raw entries, @pfn) is 0 for
 * a caller without CAP_SYS_ADMIN, as in /proc/PID/pagemap.
 *
 * @size:	in: sizeof(struct memlab_vtop)
 * @flags:	in: must be 0
 * @pid:	in: the process; 0 is the caller
 * @reserved:	in: must be 0
 * @addr:	in: the virtual address
 * @levels:	out: entries read, pgd first; a level the walk did not reach
 *		is all 0; the p4d level is 0 with 4-level paging
 * @nr_levels:	out: levels read (the walk stops at an empty entry or a leaf)
 * @result:	out: enum memlab_vtop_result
 * @page_shift:	out: size of the mapping page: 12, 21 or 30
 * @segment:	out: enum memlab_segment of the mapping
 * @pfn:	out: page frame number, for PRESENT, MIGRATION, HWPOISON
 * @swap_type:	out: swap device, for SWAP
 * @swap_offset: out: slot in it, for SWAP
 * @vma_start:	out: the mapping @addr lies in
 * @vma_end:	out
 * @vma_prot:	out: MEMLAB_VMA_* bits
 * @reserved2:	out: 0
 */
struct memlab_vtop {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 reserved;
	__u64 addr;
	struct memlab_vtop_level levels[MEMLAB_VTOP_LEVELS];
	__u32 nr_levels;
	__u32 result;
	__u32 page_shift;
	__u32 segment;
	__u64 pfn;
	__u64 swap_type;
	__u64 swap_offset;
	__u64 vma_start;
	__u64 vma_end;
	__u32 vma_prot;
	__u32 reserved2;
};

#define MEMLAB_VTOP_SIZE_VER0		176

/**
 * struct memlab_version - argument of MEMLAB_IOC_VERSION
 * @size:		in: sizeof(struct memlab_version)
 * @flags:		in: must be 0
 * @abi_version:	out: MEMLAB_ABI_VERSION of the loaded module
 * @module_version:	out: module release as (major << 16 | minor << 8 | patch)
 * @features:		out: MEMLAB_FEAT_* bits
 * @page_size:		out: base page size of the running kernel, in bytes
 * @pgtable_levels:	out: paging levels in use: 4, or 5 with LA57
 */
struct memlab_version {
	__u64 size;
	__u64 flags;
	__u32 abi_version;
	__u32 module_version;
	__u64 features;
	__u32 page_size;
	__u32 pgtable_levels;
};

#define MEMLAB_VERSION_SIZE_VER0	40	/* sizeof first published struct */

/* What an armed fault denies: MEMLAB_DENY_* bits. */
#define MEMLAB_DENY_READ	(1U << 0)
#define MEMLAB_DENY_WRITE	(1U << 1)
#define MEMLAB_DENY_EXEC	(1U << 2)
#define MEMLAB_DENY_ALL		(MEMLAB_DENY_READ | MEMLAB_DENY_WRITE | \
				 MEMLAB_DENY_EXEC)

/* How long it stays armed. */
#define MEMLAB_INJECT_ONESHOT	(1ULL << 0)	/* restore after the first hit */
#define MEMLAB_INJECT_FLAGS	MEMLAB_INJECT_ONESHOT

/**
 * struct memlab_inject - argument of MEMLAB_IOC_INJECT
 *
 * Arms a protection fault on [@start, @start + @len) of a process: from
 * the return of the call, an access of a denied kind by any of its threads
 * to a byte of the range raises SIGSEGV with si_code SEGV_ACCERR and
 * si_addr the faulting address, as if it had called mprotect() on it. The
 * contents of the memory are never changed. Needs CAP_SYS_ADMIN.
 * Documentation/inject.rst says how, and what it cannot promise.
 *
 * @size:	in: sizeof(struct memlab_inject)
 * @flags:	in: MEMLAB_INJECT_* bits
 * @pid:	in: the process (any of its threads); 0 is the caller
 * @deny:	in: MEMLAB_DENY_* bits, at least one. x86 page tables cannot
 *		let a page be written or executed without letting it be read,
 *		so denying read denies every access.
 * @start:	in: first address, page aligned
 * @len:	in: length in bytes, page aligned, not 0
 * @id:		out: the fault's id, for MEMLAB_IOC_RESTORE
 * @enforced:	out: the MEMLAB_DENY_* bits that fault: @deny, widened
 *		to all three when it holds MEMLAB_DENY_READ
 * @reserved:	must be 0
 */
struct memlab_inject {
	__u64 size;
	__u64 flags;
	__u32 pid;
	__u32 deny;
	__u64 start;
	__u64 len;
	__u64 id;
	__u32 enforced;
	__u32 reserved;
};

#define MEMLAB_INJECT_SIZE_VER0		56

#define MEMLAB_RESTORE_ALL	(1ULL << 0)	/* every fault, @id ignored */
#define MEMLAB_RESTORE_FLAGS	MEMLAB_RESTORE_ALL

/**
 * struct memlab_restore - argument of MEMLAB_IOC_RESTORE
 *
 * Disarms a fault (or all of them) and forgets it. Every access the pages
 * allowed before the inject succeeds again, and none that they did not.
 * Needs CAP_SYS_ADMIN.
 *
 * @size:	in: sizeof(struct memlab_restore)
 * @flags:	in: MEMLAB_RESTORE_* bits
 * @id:		in: the fault, as MEMLAB_IOC_INJECT returned it
 * @restored:	out: how many faults were restored
 */
struct memlab_restore {
	__u64 size;
	__u64 flags;
	__u64 id;
	__u64 restored;
};

#define MEMLAB_RESTORE_SIZE_VER0	32

/* The state of an armed fault. */
enum memlab_fault_state {
	MEMLAB_FAULT_ARMED = 1,		/* denied accesses fault */
	MEMLAB_FAULT_SPENT = 2,		/* one-shot, hit once, restored itself */
	/* The kernel remapped the range so that it cannot be armed again
	 * (a THP collapse): it no longer faults.
	 */
	MEMLAB_FAULT_LOST = 3,
};

/**
 * struct memlab_fault_info - one fault, as MEMLAB_IOC_LIST_FAULTS reports it
 * @id:		its id
 * @start:	first address
 * @end:	end address (exclusive)
 * @pid:	the process, in the caller's pid namespace (0 if not in it)
 * @deny:	MEMLAB_DENY_* bits asked for
 * @enforced:	MEMLAB_DENY_* bits that fault (see struct memlab_inject)
 * @state:	enum memlab_fault_state
 * @flags:	MEMLAB_INJECT_* bits it was armed with
 * @reserved:	0
 * @hits:	denied accesses so far: signals delivered, and accesses
 *		from the kernel side (system calls) that failed with EFAULT
 */
struct memlab_fault_info {
	__u64 id;
	__u64 start;
	__u64 end;
	__u32 pid;
	__u32 deny;
	__u32 enforced;
	__u32 state;
	__u64 flags;
	__u64 reserved;
	__u64 hits;
};

#define MEMLAB_FAULT_INFO_SIZE_VER0	64

/**
 * struct memlab_list_faults - argument of MEMLAB_IOC_LIST_FAULTS
 *
 * Fills @vec with the faults whose id is at least @start_id, in id order.
 * A fault that is being dropped (its process exited or unmapped the range,
 * or it is being restored) is no longer listed.
 * To read them all, call again with @start_id = @next_id until @next_id
 * is 0. Needs CAP_SYS_ADMIN.
 *
 * @size:	in: sizeof(struct memlab_list_faults)
 * @flags:	in: must be 0
 * @start_id:	in: first id of interest (0 for all)
 * @vec:	in: user pointer to an array of @vec_len records
 * @vec_len:	in: its length, at least 1
 * @info_size:	in: sizeof(struct memlab_fault_info) the caller knows (at
 *		least MEMLAB_FAULT_INFO_SIZE_VER0); the record stride
 * @reserved:	must be 0
 * @count:	out: records written
 * @next_id:	out: where to resume, or 0 when the last fault was written
 */
struct memlab_list_faults {
	__u64 size;
	__u64 flags;
	__u64 start_id;
	__u64 vec;
	__u64 vec_len;
	__u32 info_size;
	__u32 reserved;
	__u64 count;
	__u64 next_id;
};

#define MEMLAB_LIST_FAULTS_SIZE_VER0	64

#define MEMLAB_IOC_MAGIC	0xB9

#define MEMLAB_IOC_VERSION	_IOWR(MEMLAB_IOC_MAGIC, 0x00, struct memlab_version)
#define MEMLAB_IOC_SUMMARY	_IOWR(MEMLAB_IOC_MAGIC, 0x01, struct memlab_summary)
#define MEMLAB_IOC_MAPS		_IOWR(MEMLAB_IOC_MAGIC, 0x02, struct memlab_maps)
#define MEMLAB_IOC_SCAN		_IOWR(MEMLAB_IOC_MAGIC, 0x03, struct memlab_scan)
#define MEMLAB_IOC_VTOP		_IOWR(MEMLAB_IOC_MAGIC, 0x04, struct memlab_vtop)
#define MEMLAB_IOC_INJECT	_IOWR(MEMLAB_IOC_MAGIC, 0x05, struct memlab_inject)
#define MEMLAB_IOC_RESTORE	_IOWR(MEMLAB_IOC_MAGIC, 0x06, struct memlab_restore)
#define MEMLAB_IOC_LIST_FAULTS	_IOWR(MEMLAB_IOC_MAGIC, 0x07, struct memlab_list_faults)

#endif /* _UAPI_LINUX_MEMLAB_H */
