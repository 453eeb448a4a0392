/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab(1): the parts that talk to the system - /dev/memlab (dev.c) and
 * the /proc/PID files that hold what the ioctls do not carry: a process's
 * name and its mappings' names (procfs.c). /proc/memlab is never read.
 */
#ifndef MEMLAB_CLI_H
#define MEMLAB_CLI_H

#include "output.h"

/* The device, or $MEMLAB_DEVICE (for tests: another path). */
#define MEMLAB_DEVICE_ENV	"MEMLAB_DEVICE"

struct memlab_dev {
	int fd;
	const char *path;
	struct memlab_version ver;
};

/*
 * Open the device and ask its VERSION. Returns 0, or a negative errno with
 * *@step saying which of "open" and "version" failed.
 */
int dev_open(struct memlab_dev *d, const char **step);
void dev_close(struct memlab_dev *d);

/* The ioctls. Each returns 0 or a negative errno. */
int dev_summary(struct memlab_dev *d, int pid, u64 flags, struct memlab_summary *s);
int dev_maps(struct memlab_dev *d, int pid, struct memlab_vma **vmas, size_t *n);
int dev_scan(struct memlab_dev *d, int pid, struct scan_data *sd);
int dev_vtop(struct memlab_dev *d, int pid, u64 addr, struct memlab_vtop *v);
int dev_inject(struct memlab_dev *d, int pid, u64 addr, u64 len, u32 deny,
	       bool oneshot, u64 *id, u32 *enforced);
int dev_restore(struct memlab_dev *d, u64 id, bool all, u64 *restored);
/* Every fault, in *@faults (malloc'ed). */
int dev_list_faults(struct memlab_dev *d, struct memlab_fault_info **faults, size_t *n);
/* Fault @id, or a zeroed *@info when there is none. */
int dev_fault(struct memlab_dev *d, u64 id, struct memlab_fault_info *info);

/* /proc/PID/comm without its newline (malloc'ed), or NULL. */
char *proc_comm(int pid);

/*
 * The /proc/PID/maps name of each mapping of @md, matched by start
 * address; NULL where there is none. Returns 0, or -1 when the file
 * cannot be read (the names stay NULL).
 */
int proc_map_names(int pid, struct maps_data *md);

/* Whether @pid is a kernel thread (PF_KTHREAD in /proc/PID/stat). */
bool proc_is_kthread(int pid);

/* Whether the process exists at all (a zombie does). */
bool proc_exists(int pid);

/* Whether this process has capability @cap in its effective set. */
bool have_capability(unsigned int cap);

#endif /* MEMLAB_CLI_H */
