// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: the segment class of a VMA, from the mm's own markers.
 *
 * The rules, in the order they are tried (Documentation/segments.rst):
 *
 *   vdso, vvar	the special mapping names the kernel gives them
 *   other	VM_PFNMAP, VM_IO or VM_MIXEDMAP: device memory, no pages
 *   text	a mapping of the executable (the file mapped at start_code)
 *		without VM_WRITE
 *   data	a mapping of the executable with VM_WRITE
 *   shm		any shmem mapping: tmpfs, memfd, SysV shm, shared anonymous
 *   lib		another file that this mm also maps executable
 *   file	any other file
 *   stack	anonymous, contains mm->start_stack
 *   heap	anonymous, overlaps [mm->start_brk, mm->brk)
 *   bss		anonymous, starts at the page that ends mm->end_data (or
 *		before it) and ends after it: the zero-filled tail of data
 *   anon	any other anonymous memory
 *
 * vsyscall never occurs: the gate area is not a VMA of the mm (and
 * Debian's kernels are built with LEGACY_VSYSCALL_NONE).
 */
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "memlab.h"

const char * const memlab_segment_names[MEMLAB_SEG_NR] = {
	[MEMLAB_SEG_TEXT]	= "text",
	[MEMLAB_SEG_DATA]	= "data",
	[MEMLAB_SEG_BSS]	= "bss",
	[MEMLAB_SEG_HEAP]	= "heap",
	[MEMLAB_SEG_STACK]	= "stack",
	[MEMLAB_SEG_LIB]	= "lib",
	[MEMLAB_SEG_FILE]	= "file",
	[MEMLAB_SEG_ANON]	= "anon",
	[MEMLAB_SEG_SHM]	= "shm",
	[MEMLAB_SEG_VDSO]	= "vdso",
	[MEMLAB_SEG_VVAR]	= "vvar",
	[MEMLAB_SEG_VSYSCALL]	= "vsyscall",
	[MEMLAB_SEG_OTHER]	= "other",
};

/**
 * memlab_segments_snapshot() - read the markers segment classes come from
 * @seg: filled in
 * @mm: the mm, with mmap_lock held
 *
 * Also remembers which files this mm maps executable, for "lib". When
 * there are more than MEMLAB_EXEC_FILES of them, the rest count as "file".
 */
void memlab_segments_snapshot(struct memlab_segments *seg, struct mm_struct *mm)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	struct file *exe;

	memlab_assert_mmap_locked(mm);

	seg->start_code = mm->start_code;
	seg->end_code = mm->end_code;
	seg->start_data = mm->start_data;
	seg->end_data = mm->end_data;
	seg->start_brk = mm->start_brk;
	seg->brk = mm->brk;
	seg->start_stack = mm->start_stack;

	/*
	 * The executable is the file mapped at start_code. mm->exe_file is
	 * not the same file on a stacked file system: overlayfs maps the
	 * file of the layer below. Compared, never dereferenced: no
	 * reference is needed.
	 */
	vma = find_vma(mm, mm->start_code);
	if (vma && vma->vm_start <= mm->start_code && vma->vm_file) {
		seg->exe_inode = file_inode(vma->vm_file);
	} else {
		rcu_read_lock();
		exe = rcu_dereference(mm->exe_file);
		seg->exe_inode = exe ? file_inode(exe) : NULL;
		rcu_read_unlock();
	}

	seg->nr_exec_inodes = 0;
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		struct inode *inode;
		unsigned int i;

		if (!vma->vm_file || !(vma->vm_flags & VM_EXEC))
			continue;
		inode = file_inode(vma->vm_file);
		for (i = 0; i < seg->nr_exec_inodes; i++)
			if (seg->exec_inodes[i] == inode)
				break;
		if (i == seg->nr_exec_inodes && i < MEMLAB_EXEC_FILES)
			seg->exec_inodes[seg->nr_exec_inodes++] = inode;
	}
}

static bool memlab_maps_executable(const struct memlab_segments *seg,
				   struct inode *inode)
{
	unsigned int i;

	for (i = 0; i < seg->nr_exec_inodes; i++)
		if (seg->exec_inodes[i] == inode)
			return true;
	return false;
}

static int memlab_special_segment(struct vm_area_struct *vma)
{
	const char *name;

	if (!vma->vm_ops || !vma->vm_ops->name)
		return -1;
	name = vma->vm_ops->name(vma);
	if (!name)
		return -1;
	if (!strcmp(name, "[vdso]"))
		return MEMLAB_SEG_VDSO;
	/* 6.12 splits the vvar area into [vvar] and [vvar_vclock]. */
	if (!strncmp(name, "[vvar", 5))
		return MEMLAB_SEG_VVAR;
	return MEMLAB_SEG_OTHER;
}

/**
 * memlab_segment_of() - the segment class of a VMA
 * @seg: markers from memlab_segments_snapshot()
 * @vma: a VMA of that mm, with mmap_lock held
 */
enum memlab_segment memlab_segment_of(const struct memlab_segments *seg,
				      struct vm_area_struct *vma)
{
	int special = memlab_special_segment(vma);

	if (special >= 0)
		return special;
	if (vma->vm_flags & (VM_PFNMAP | VM_IO | VM_MIXEDMAP))
		return MEMLAB_SEG_OTHER;

	if (vma->vm_file) {
		struct inode *inode = file_inode(vma->vm_file);

		if (inode == seg->exe_inode)
			return vma->vm_flags & VM_WRITE ? MEMLAB_SEG_DATA :
							  MEMLAB_SEG_TEXT;
		if (shmem_mapping(vma->vm_file->f_mapping))
			return MEMLAB_SEG_SHM;
		if (memlab_maps_executable(seg, inode))
			return MEMLAB_SEG_LIB;
		return MEMLAB_SEG_FILE;
	}

	if (vma->vm_flags & VM_SHARED)
		return MEMLAB_SEG_SHM;
	if (vma->vm_start <= seg->start_stack && seg->start_stack <= vma->vm_end)
		return MEMLAB_SEG_STACK;
	if (vma->vm_start < seg->brk && vma->vm_end > seg->start_brk)
		return MEMLAB_SEG_HEAP;
	if (seg->end_data && vma->vm_start <= PAGE_ALIGN(seg->end_data) &&
	    vma->vm_end > seg->end_data)
		return MEMLAB_SEG_BSS;
	return MEMLAB_SEG_ANON;
}

/* MEMLAB_VMA_* bits: a VMA's permissions as /proc/PID/maps shows them. */
u32 memlab_vma_prot(unsigned long vm_flags)
{
	return (vm_flags & VM_READ ? MEMLAB_VMA_READ : 0) |
	       (vm_flags & VM_WRITE ? MEMLAB_VMA_WRITE : 0) |
	       (vm_flags & VM_EXEC ? MEMLAB_VMA_EXEC : 0) |
	       (vm_flags & VM_MAYSHARE ? MEMLAB_VMA_SHARED : 0);
}
