/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab(1): "memlab map", the address space as a picture - one row per
 * mapping, a bar of cells per row, each cell a power-of-two number of pages
 * coloured by what those pages are. Built from MAPS records and the regions
 * of one SCAN (return mask PRESENT | SWAPPED | HUGE | ARMED); drawn for a
 * terminal, as SVG, or as JSON. Pure: no ioctl here.
 */
#ifndef MEMLAB_MAP_H
#define MEMLAB_MAP_H

#include "output.h"

/* What the SCAN for a picture asks to be told. */
#define MAP_SCAN_RETURN_MASK \
	(MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_SWAPPED | MEMLAB_PAGE_HUGE | MEMLAB_PAGE_ARMED)

#define MAP_DEFAULT_WIDTH	64	/* cells in the longest bar */
#define MAP_MIN_WIDTH		8
#define MAP_MAX_WIDTH		512

enum cell_state {
	CELL_NONE,	/* '.' not present: never touched, or dropped */
	CELL_PARTIAL,	/* ':' most pages not present, some in memory or swap */
	CELL_PRESENT,	/* '#' present in memory */
	CELL_HUGE,	/* 'H' present, mapped by huge (PMD) pages */
	CELL_SWAPPED,	/* 's' in swap (or a migration entry) */
	CELL_ARMED,	/* '!' a memlab fault is armed on a page of it */
	CELL_STATES
};

/* The pages of one cell, by what they are. */
struct cell_count {
	u64 pages;		/* pages the cell covers */
	u64 present;	/* of which present (huge ones included) */
	u64 huge;		/* of which present in a huge page */
	u64 swapped;
	u64 armed;
};

/*
 * The rule a cell is drawn by:
 *  - ARMED if any of its pages is armed (one armed page must never hide);
 *  - otherwise what most of its pages are: present, swapped, or not present
 *    (on a tie present wins over swapped, and both over not present);
 *  - present cells are HUGE when most of their present pages are huge;
 *  - a not-present cell with some pages present or swapped is PARTIAL.
 */
enum cell_state cell_state(const struct cell_count *c);

/* The character of a state: ".:#Hs!" */
char cell_glyph(enum cell_state s);
const char *cell_state_name(enum cell_state s);

struct map_row {
	u64 start, end;
	uint32_t prot, segment;
	u64 inode;		/* 0 for anonymous memory */
	const char *name;	/* the /proc/PID/maps name, may be NULL */
	u64 cell_pages;	/* pages per cell: a power of two */
	unsigned int ncells;	/* ceil(pages / cell_pages), <= width */
	unsigned char *cells;	/* enum cell_state per cell */
	u64 present, huge, swapped, armed;	/* pages */
	u64 gap_before;	/* bytes unmapped between the row before and this */
};

struct map {
	struct map_row *rows;
	size_t nrows;
	unsigned int width;	/* cells in the longest possible bar */
	u64 mapped, present, huge, swapped, armed;	/* pages, all rows */
};

/*
 * The picture of the mappings @md with the SCAN regions @r (sorted, as
 * SCAN returns them; addresses no region covers are not present), bars
 * of at most @width cells. Row names point into @md. Returns 0 or -1.
 */
int map_build(struct map *m, const struct maps_data *md,
	      const struct memlab_scan_region *r, size_t nr, unsigned int width);
void map_free(struct map *m);

/* The label a row is drawn with: a file's base name, or a [class]. */
const char *map_row_label(const struct map_row *row);

void map_print_text(FILE *f, const struct target *t, const struct map *m, bool color);
void map_print_svg(FILE *f, const struct target *t, const struct map *m);
void json_map(struct json *j, const struct target *t, const struct map *m);

#endif /* MEMLAB_MAP_H */
