/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab: declarations shared by the module's files. One concern per file:
 *
 *   main.c	module load and unload, parameters
 *   proc.c	the /proc/memlab text files
 *   dev.c	the /dev/memlab misc device and its ioctl dispatch
 */
#ifndef _MEMLAB_H
#define _MEMLAB_H

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
#define MEMLAB_FEATURES		(MEMLAB_FEAT_VERSION)

/* main.c */
extern bool memlab_verbose;

#define memlab_log(fmt, ...)						\
	do {								\
		if (memlab_verbose)					\
			pr_info(fmt, ##__VA_ARGS__);			\
	} while (0)

void memlab_fill_version(struct memlab_version *ver);

/* proc.c */
int memlab_proc_init(void);
void memlab_proc_exit(void);

/* dev.c */
int memlab_dev_init(void);
void memlab_dev_exit(void);

#endif /* _MEMLAB_H */
