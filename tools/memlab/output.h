/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab(1): what each subcommand prints, as text for people and as JSON,
 * from the structures the ioctls filled. Pure: the host-side tests feed
 * these recorded structures and compare the output with fixtures.
 */
#ifndef MEMLAB_OUTPUT_H
#define MEMLAB_OUTPUT_H

#include "format.h"

#define MEMLAB_TOOL_VERSION	"0.1.0"

/* The process a report is about. */
struct target {
	int pid;
	const char *comm;	/* its name, from /proc/PID/comm, or NULL */
};

/* The mappings of a process: MAPS records, and their /proc/PID/maps names. */
struct maps_data {
	struct memlab_vma *vmas;
	char **names;		/* one per VMA; NULL or "" when nameless */
	size_t n;
};

/* A SCAN request and what it returned, all batches put together. */
struct scan_data {
	u64 start, end;		/* the range asked for */
	u64 walk_end;		/* where the walk stopped */
	u64 category_mask;		/* --require */
	u64 category_anyof_mask;	/* --any */
	u64 category_inverted;	/* --exclude */
	u64 return_mask;		/* --return */
	u64 max_pages;		/* 0: no limit */
	u64 pages;			/* pages reported */
	struct memlab_scan_region *regions;
	size_t n;
};

/* What vtop knows besides the ioctl's answer. */
struct vtop_info {
	unsigned int pgtable_levels;	/* 4 or 5: whether p4d is a level */
	bool privileged;		/* CAP_SYS_ADMIN: raw values are real */
};

/* The name a mapping is shown with: its /proc/PID/maps name, else a class. */
const char *vma_label(const struct memlab_vma *v, const char *name);

void print_summary(FILE *f, const struct target *t, const struct memlab_summary *s,
		   bool bytes);
void json_summary(struct json *j, const struct target *t,
		  const struct memlab_summary *s);

void print_maps(FILE *f, const struct target *t, const struct maps_data *m,
		bool bytes);
void json_maps(struct json *j, const struct target *t, const struct maps_data *m);

void print_scan(FILE *f, const struct target *t, const struct scan_data *sd,
		bool bytes);
void json_scan(struct json *j, const struct target *t, const struct scan_data *sd);

void print_vtop(FILE *f, const struct target *t, const struct memlab_vtop *v,
		const struct vtop_info *info);
void json_vtop(struct json *j, const struct target *t, const struct memlab_vtop *v,
	       const struct vtop_info *info);

/* What memlab inject armed, and the armed faults. */
void print_inject(FILE *f, const struct memlab_fault_info *info);
void print_faults(FILE *f, const struct memlab_fault_info *faults, size_t n);
void json_faults(struct json *j, const struct memlab_fault_info *faults, size_t n);

/* @ver is NULL when the module is not loaded. */
void print_version(FILE *f, const struct memlab_version *ver);
void json_version(struct json *j, const struct memlab_version *ver);

#endif /* MEMLAB_OUTPUT_H */
