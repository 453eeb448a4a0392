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

/* memlab_summary.flags */
#define MEMLAB_SUMMARY_NO_SHARING	(1ULL << 0)	/* skip Pss and Uss */
#define MEMLAB_SUMMARY_FLAGS		MEMLAB_SUMMARY_NO_SHARING

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
 *			MEMLAB_SUMMARY_NO_SHARING
 * @uss:		out: pages mapped by this process only, 0 with
 *			MEMLAB_SUMMARY_NO_SHARING
 * @swap:		out: anonymous pages in swap (status VmSwap)
 * @shmem_swap:		out: shmem pages of the mapped ranges in swap; smaps
 *			Swap is @swap + @shmem_swap
 * @anon_huge:		out: anonymous pages mapped by PMDs (AnonHugePages)
 * @dirty:		out: smaps Shared_Dirty + Private_Dirty
 * @referenced:		out: smaps Referenced
 * @locked:		out: smaps Locked (Pss of VM_LOCKED mappings)
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

#define MEMLAB_IOC_MAGIC	0xB9

#define MEMLAB_IOC_VERSION	_IOWR(MEMLAB_IOC_MAGIC, 0x00, struct memlab_version)
#define MEMLAB_IOC_SUMMARY	_IOWR(MEMLAB_IOC_MAGIC, 0x01, struct memlab_summary)

#endif /* _UAPI_LINUX_MEMLAB_H */
