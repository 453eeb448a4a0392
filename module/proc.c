// SPDX-License-Identifier: GPL-2.0
/*
 * memlab: the /proc/memlab text files, for people with a shell.
 *
 * Each file is one entry of memlab_proc_files[]; the file names are ABI.
 * Formats follow /proc/PID/smaps ("Key:   value kB") and are described in
 * Documentation/proc.rst.
 *
 * procfs lets the module go away while a file is open: proc_remove() waits
 * for readers inside ->show() and turns later reads into EIO, so unloading
 * never has to wait for a reader to close.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "memlab.h"

static struct proc_dir_entry *memlab_proc_dir;

static const char * const memlab_feature_names[] = {
	[ilog2(MEMLAB_FEAT_VERSION)] = "version",
};

static int memlab_version_show(struct seq_file *m, void *v)
{
	struct memlab_version ver = {};
	unsigned int bit;

	memlab_fill_version(&ver);
	seq_printf(m, "Version:        %s\n", MEMLAB_VERSION_STRING);
	seq_printf(m, "AbiVersion:     %u\n", ver.abi_version);
	seq_puts(m, "Features:      ");
	for (bit = 0; bit < ARRAY_SIZE(memlab_feature_names); bit++)
		if (ver.features & BIT_ULL(bit))
			seq_printf(m, " %s", memlab_feature_names[bit]);
	seq_putc(m, '\n');
	seq_printf(m, "PageSize:       %u\n", ver.page_size);
	seq_printf(m, "PagingLevels:   %u\n", ver.pgtable_levels);
	return 0;
}

struct memlab_proc_file {
	const char *name;
	umode_t mode;
	int (*show)(struct seq_file *m, void *v);
};

static const struct memlab_proc_file memlab_proc_files[] = {
	{ "version",	0444,	memlab_version_show },
};

int memlab_proc_init(void)
{
	const struct memlab_proc_file *file;

	memlab_proc_dir = proc_mkdir(MEMLAB_NAME, NULL);
	if (!memlab_proc_dir)
		return -ENOMEM;

	for (file = memlab_proc_files;
	     file < memlab_proc_files + ARRAY_SIZE(memlab_proc_files); file++) {
		if (!proc_create_single(file->name, file->mode,
					memlab_proc_dir, file->show))
			goto out_remove_dir;
	}
	return 0;

out_remove_dir:
	proc_remove(memlab_proc_dir);
	return -ENOMEM;
}

void memlab_proc_exit(void)
{
	proc_remove(memlab_proc_dir);
}
