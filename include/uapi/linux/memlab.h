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

#endif /* _UAPI_LINUX_MEMLAB_H */
