// SPDX-License-Identifier: GPL-2.0
/*
 * memlab(1): the ioctls on /dev/memlab, with the loops that read a whole
 * answer in fixed-size batches (MAPS until @next is 0, SCAN from @walk_end
 * until the range is done).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

#define MAPS_BATCH	64	/* records per MAPS call */
#define SCAN_BATCH	256	/* regions per SCAN call */

int dev_open(struct memlab_dev *d, const char **step)
{
	const char *env = getenv(MEMLAB_DEVICE_ENV);

	memset(d, 0, sizeof(*d));
	d->path = env && *env ? env : MEMLAB_DEVICE;
	*step = "open";
	d->fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	*step = "version";
	d->ver.size = sizeof(d->ver);
	if (ioctl(d->fd, MEMLAB_IOC_VERSION, &d->ver) < 0) {
		int err = errno;

		close(d->fd);
		d->fd = -1;
		return -err;
	}
	return 0;
}

void dev_close(struct memlab_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int dev_summary(struct memlab_dev *d, int pid, u64 flags, struct memlab_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->flags = flags;
	s->pid = pid;
	return ioctl(d->fd, MEMLAB_IOC_SUMMARY, s) < 0 ? -errno : 0;
}

int dev_maps(struct memlab_dev *d, int pid, struct memlab_vma **vmas, size_t *n)
{
	struct memlab_vma batch[MAPS_BATCH];
	struct memlab_vma *all = NULL;
	size_t count = 0, cap = 0;
	u64 start = 0;

	for (;;) {
		struct memlab_maps arg = {
			.size = sizeof(arg),
			.pid = pid,
			.vma_size = sizeof(struct memlab_vma),
			.start = start,
			.vec = (uintptr_t)batch,
			.vec_len = MAPS_BATCH,
		};

		if (ioctl(d->fd, MEMLAB_IOC_MAPS, &arg) < 0) {
			int err = errno;

			free(all);
			return -err;
		}
		if (count + arg.count > cap) {
			struct memlab_vma *p;

			cap = 2 * (count + arg.count);
			p = realloc(all, cap * sizeof(*all));
			if (!p) {
				free(all);
				return -ENOMEM;
			}
			all = p;
		}
		memcpy(all + count, batch, arg.count * sizeof(*all));
		count += arg.count;
		/* @next only goes up; anything else would loop for ever. */
		if (!arg.next || arg.next <= start)
			break;
		start = arg.next;
	}
	*vmas = all;
	*n = count;
	return 0;
}

/* Append @r to @sd, joining it to the last region when they touch. */
static int scan_append(struct scan_data *sd, size_t *cap,
		       const struct memlab_scan_region *r)
{
	struct memlab_scan_region *last = sd->n ? &sd->regions[sd->n - 1] : NULL;

	sd->pages += (r->end - r->start) / 4096;
	if (last && last->end == r->start && last->categories == r->categories) {
		last->end = r->end;
		return 0;
	}
	if (sd->n == *cap) {
		struct memlab_scan_region *p;

		*cap = *cap ? 2 * *cap : SCAN_BATCH;
		p = realloc(sd->regions, *cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		sd->regions = p;
	}
	sd->regions[sd->n++] = *r;
	return 0;
}

int dev_scan(struct memlab_dev *d, int pid, struct scan_data *sd)
{
	struct memlab_scan_region batch[SCAN_BATCH];
	u64 addr = sd->start;
	size_t cap = 0;

	sd->regions = NULL;
	sd->n = 0;
	sd->pages = 0;
	sd->walk_end = sd->end;
	while (addr < sd->end) {
		struct memlab_scan arg = {
			.size = sizeof(arg),
			.pid = pid,
			.start = addr,
			.end = sd->end,
			.vec = (uintptr_t)batch,
			.vec_len = SCAN_BATCH,
			.max_pages = sd->max_pages ? sd->max_pages - sd->pages : 0,
			.category_inverted = sd->category_inverted,
			.category_mask = sd->category_mask,
			.category_anyof_mask = sd->category_anyof_mask,
			.return_mask = sd->return_mask,
		};
		long n = ioctl(d->fd, MEMLAB_IOC_SCAN, &arg);
		long i;

		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++)
			if (scan_append(sd, &cap, &batch[i]))
				return -ENOMEM;
		sd->walk_end = arg.walk_end;
		if (sd->max_pages && sd->pages >= sd->max_pages)
			break;
		if (arg.walk_end <= addr)	/* no progress: never loop */
			break;
		addr = arg.walk_end;
	}
	return 0;
}

int dev_vtop(struct memlab_dev *d, int pid, u64 addr, struct memlab_vtop *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->pid = pid;
	v->addr = addr;
	return ioctl(d->fd, MEMLAB_IOC_VTOP, v) < 0 ? -errno : 0;
}

int dev_inject(struct memlab_dev *d, int pid, u64 addr, u64 len, u32 deny,
	       bool oneshot, u64 *id, u32 *enforced)
{
	struct memlab_inject arg = {
		.size = sizeof(arg), .pid = pid, .start = addr, .len = len,
		.deny = deny, .flags = oneshot ? MEMLAB_INJECT_ONESHOT : 0,
	};

	if (ioctl(d->fd, MEMLAB_IOC_INJECT, &arg) < 0)
		return -errno;
	*id = arg.id;
	*enforced = arg.enforced;
	return 0;
}

int dev_restore(struct memlab_dev *d, u64 id, bool all, u64 *restored)
{
	struct memlab_restore arg = {
		.size = sizeof(arg), .id = id,
		.flags = all ? MEMLAB_RESTORE_ALL : 0,
	};

	if (ioctl(d->fd, MEMLAB_IOC_RESTORE, &arg) < 0)
		return -errno;
	*restored = arg.restored;
	return 0;
}

int dev_list_faults(struct memlab_dev *d, struct memlab_fault_info **faults, size_t *n)
{
	struct memlab_fault_info batch[64];
	struct memlab_list_faults arg = {
		.size = sizeof(arg), .vec = (uintptr_t)batch, .vec_len = 64,
		.info_size = sizeof(batch[0]),
	};
	size_t cap = 0;

	*faults = NULL;
	*n = 0;
	do {
		if (ioctl(d->fd, MEMLAB_IOC_LIST_FAULTS, &arg) < 0)
			return -errno;
		if (*n + arg.count > cap) {
			struct memlab_fault_info *more;

			cap = (*n + arg.count) * 2;
			more = realloc(*faults, cap * sizeof(**faults));
			if (!more)
				return -ENOMEM;
			*faults = more;
		}
		memcpy(*faults + *n, batch, arg.count * sizeof(batch[0]));
		*n += arg.count;
		arg.start_id = arg.next_id;
	} while (arg.next_id);
	return 0;
}

int dev_fault(struct memlab_dev *d, u64 id, struct memlab_fault_info *info)
{
	struct memlab_fault_info *faults;
	size_t n, i;
	int err = dev_list_faults(d, &faults, &n);

	memset(info, 0, sizeof(*info));
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (faults[i].id == id)
			*info = faults[i];
	free(faults);
	return 0;
}
