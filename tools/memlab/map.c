// SPDX-License-Identifier: GPL-2.0
/*
 * memlab(1): the address-space picture. See map.h for the model and the
 * rule a cell is drawn by.
 *
 * Every row is one mapping. Its bar has one cell per CELL of the mapping,
 * CELL being the smallest power-of-two number of pages that fits the whole
 * mapping in the bar, so a bar's length also says how big the mapping is
 * (within a factor of two) and a row's CELL column is its scale. Unmapped
 * address space between mappings is not drawn: a marked line says how
 * much of it there is.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

#define PAGE_SHIFT_X86	12

static const char cell_glyphs[CELL_STATES] = {
	[CELL_NONE] = '.', [CELL_PARTIAL] = ':', [CELL_PRESENT] = '#',
	[CELL_HUGE] = 'H', [CELL_SWAPPED] = 's', [CELL_ARMED] = '!',
};

static const char *const cell_names[CELL_STATES] = {
	[CELL_NONE] = "not present",
	[CELL_PARTIAL] = "partly in memory",
	[CELL_PRESENT] = "present",
	[CELL_HUGE] = "huge page",
	[CELL_SWAPPED] = "swapped",
	[CELL_ARMED] = "armed fault",
};

/* The order the legend lists them in. */
static const enum cell_state legend_order[] = {
	CELL_PRESENT, CELL_HUGE, CELL_SWAPPED, CELL_PARTIAL, CELL_NONE, CELL_ARMED,
};

char cell_glyph(enum cell_state s)
{
	return s < CELL_STATES ? cell_glyphs[s] : '?';
}

const char *cell_state_name(enum cell_state s)
{
	return s < CELL_STATES ? cell_names[s] : "unknown";
}

enum cell_state cell_state(const struct cell_count *c)
{
	u64 none = c->pages - (c->present + c->swapped);

	if (c->present + c->swapped > c->pages)	/* cannot be; be safe */
		none = 0;
	if (c->armed)
		return CELL_ARMED;
	if (c->present && c->present >= c->swapped && c->present >= none)
		return 2 * c->huge > c->present ? CELL_HUGE : CELL_PRESENT;
	if (c->swapped && c->swapped >= none)
		return CELL_SWAPPED;
	return c->present + c->swapped ? CELL_PARTIAL : CELL_NONE;
}

/* The smallest power of two of pages per cell that fits @pages in @width. */
static u64 cell_pages_for(u64 pages, unsigned int width)
{
	u64 cp = 1;

	while (pages > cp * width)
		cp <<= 1;
	return cp;
}

/* Count the pages [@p0, @p1) of @row, all with @categories, into @cnt. */
static void map_count(struct map_row *row, struct cell_count *cnt, u64 p0,
		      u64 p1, u64 categories)
{
	u64 c;

	for (c = p0 / row->cell_pages; c * row->cell_pages < p1; c++) {
		u64 lo = c * row->cell_pages, hi = lo + row->cell_pages;
		u64 n;

		if (lo < p0)
			lo = p0;
		if (hi > p1)
			hi = p1;
		n = hi - lo;
		if (categories & MEMLAB_PAGE_ARMED)
			cnt[c].armed += n;
		if (categories & MEMLAB_PAGE_PRESENT) {
			cnt[c].present += n;
			if (categories & MEMLAB_PAGE_HUGE)
				cnt[c].huge += n;
		} else if (categories & MEMLAB_PAGE_SWAPPED) {
			cnt[c].swapped += n;
		}
	}
	if (categories & MEMLAB_PAGE_ARMED)
		row->armed += p1 - p0;
	if (categories & MEMLAB_PAGE_PRESENT) {
		row->present += p1 - p0;
		if (categories & MEMLAB_PAGE_HUGE)
			row->huge += p1 - p0;
	} else if (categories & MEMLAB_PAGE_SWAPPED) {
		row->swapped += p1 - p0;
	}
}

int map_build(struct map *m, const struct maps_data *md,
	      const struct memlab_scan_region *r, size_t nr, unsigned int width)
{
	struct cell_count **counts;
	size_t i, k, first = 0;

	memset(m, 0, sizeof(*m));
	if (width < MAP_MIN_WIDTH)
		width = MAP_MIN_WIDTH;
	if (width > MAP_MAX_WIDTH)
		width = MAP_MAX_WIDTH;
	m->width = width;
	m->rows = calloc(md->n ? md->n : 1, sizeof(*m->rows));
	counts = calloc(md->n ? md->n : 1, sizeof(*counts));
	if (!m->rows || !counts)
		goto fail;
	m->nrows = md->n;

	for (i = 0; i < md->n; i++) {
		const struct memlab_vma *v = &md->vmas[i];
		struct map_row *row = &m->rows[i];
		u64 pages = (v->end - v->start) >> PAGE_SHIFT_X86;
		unsigned int c;

		row->start = v->start;
		row->end = v->end;
		row->prot = v->prot;
		row->segment = v->segment;
		row->inode = v->inode;
		row->name = md->names ? md->names[i] : NULL;
		row->cell_pages = cell_pages_for(pages, width);
		row->ncells = (pages + row->cell_pages - 1) / row->cell_pages;
		if (i && v->start > md->vmas[i - 1].end)
			row->gap_before = v->start - md->vmas[i - 1].end;
		row->cells = calloc(row->ncells ? row->ncells : 1, 1);
		counts[i] = calloc(row->ncells ? row->ncells : 1, sizeof(**counts));
		if (!row->cells || !counts[i])
			goto fail;
		for (c = 0; c < row->ncells; c++) {
			u64 lo = (u64)c * row->cell_pages;

			counts[i][c].pages = pages - lo < row->cell_pages ?
					     pages - lo : row->cell_pages;
		}
		m->mapped += pages;
	}

	/*
	 * Both lists are in address order. A region outside every row (the
	 * process changed between MAPS and SCAN) counts nowhere.
	 */
	for (k = 0; k < nr; k++) {
		while (first < m->nrows && m->rows[first].end <= r[k].start)
			first++;
		for (i = first; i < m->nrows && m->rows[i].start < r[k].end; i++) {
			struct map_row *row = &m->rows[i];
			u64 lo = r[k].start > row->start ? r[k].start : row->start;
			u64 hi = r[k].end < row->end ? r[k].end : row->end;

			if (lo >= hi)
				continue;
			map_count(row, counts[i], (lo - row->start) >> PAGE_SHIFT_X86,
				  (hi - row->start) >> PAGE_SHIFT_X86, r[k].categories);
		}
	}

	for (i = 0; i < m->nrows; i++) {
		struct map_row *row = &m->rows[i];
		unsigned int c;

		for (c = 0; c < row->ncells; c++)
			row->cells[c] = cell_state(&counts[i][c]);
		m->present += row->present;
		m->huge += row->huge;
		m->swapped += row->swapped;
		m->armed += row->armed;
		free(counts[i]);
	}
	free(counts);
	return 0;

fail:
	if (counts)
		for (i = 0; i < md->n; i++)
			free(counts[i]);
	free(counts);
	map_free(m);
	return -1;
}

void map_free(struct map *m)
{
	size_t i;

	for (i = 0; m->rows && i < m->nrows; i++)
		free(m->rows[i].cells);
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

/* A path longer than this is shown by its last component. */
#define MAP_PATH_MAX	24

const char *map_row_label(const struct map_row *row)
{
	struct memlab_vma v = { .segment = row->segment, .inode = row->inode };
	const char *slash;

	if (row->name && row->name[0] == '/' && strlen(row->name) > MAP_PATH_MAX) {
		slash = strrchr(row->name, '/');
		if (slash[1])
			return slash + 1;
	}
	return vma_label(&v, row->name);
}

static u64 pages_bytes(u64 pages)
{
	return pages << PAGE_SHIFT_X86;
}

/* "27 mappings, 58.1 MB mapped, 20.1 MB present (4 MB in huge pages), ..." */
static void map_headline(FILE *f, const struct map *m)
{
	char a[SIZE_BUF], b[SIZE_BUF], c[SIZE_BUF], d[SIZE_BUF];

	fprintf(f, "%zu mapping%s, %s mapped, %s present (%s in huge pages), %s swapped, "
		"%llu page%s armed", m->nrows, m->nrows == 1 ? "" : "s",
		format_size(a, sizeof(a), pages_bytes(m->mapped), false),
		format_size(b, sizeof(b), pages_bytes(m->present), false),
		format_size(c, sizeof(c), pages_bytes(m->huge), false),
		format_size(d, sizeof(d), pages_bytes(m->swapped), false),
		m->armed, m->armed == 1 ? "" : "s");
}

/* --- terminal ------------------------------------------------------------- */

/* ANSI SGR of each state: solid bars, glyphs kept for copy and paste. */
static const char *const cell_sgr[CELL_STATES] = {
	[CELL_NONE] = "\033[2m",
	[CELL_PARTIAL] = "\033[32m",
	[CELL_PRESENT] = "\033[30;42m",
	[CELL_HUGE] = "\033[97;44m",
	[CELL_SWAPPED] = "\033[30;43m",
	[CELL_ARMED] = "\033[1;97;41m",
};

#define SGR_RESET "\033[0m"

static void put_cells(FILE *f, const unsigned char *cells, unsigned int n, bool color)
{
	int cur = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (color && cells[i] != cur) {
			if (cur >= 0)
				fputs(SGR_RESET, f);
			fputs(cell_sgr[cells[i]], f);
			cur = cells[i];
		}
		fputc(cell_glyphs[cells[i]], f);
	}
	if (color && n)
		fputs(SGR_RESET, f);
}

static void pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

void map_print_text(FILE *f, const struct target *t, const struct map *m, bool color)
{
	char size[SIZE_BUF], cell[SIZE_BUF];
	int aw = 12;
	size_t sw = strlen("Size"), cw = strlen("Cell"), segw = strlen("Segment");
	size_t i, lead;
	unsigned int s;

	for (i = 0; i < m->nrows; i++) {
		const struct map_row *row = &m->rows[i];

		aw = hex_width(row->end, aw);
		format_size(size, sizeof(size), row->end - row->start, false);
		format_size(cell, sizeof(cell), pages_bytes(row->cell_pages), false);
		if (strlen(size) > sw)
			sw = strlen(size);
		if (strlen(cell) > cw)
			cw = strlen(cell);
		if (strlen(segment_name(row->segment)) > segw)
			segw = strlen(segment_name(row->segment));
	}
	lead = aw + 2 + 4 + 2 + segw + 2 + sw + 2 + cw + 2;

	fprintf(f, "memlab map of pid %d", t->pid);
	if (t->comm)
		fprintf(f, " (%s)", t->comm);
	fputs(": ", f);
	map_headline(f, m);
	fputs("\n\n", f);

	fprintf(f, "%-*s  %-4s  %-*s  %*s  %*s  %-*s  %s\n", aw, "Address", "Perm",
		(int)segw, "Segment", (int)sw, "Size", (int)cw, "Cell", m->width,
		"Pages", "Mapping");
	for (i = 0; i < m->nrows; i++) {
		const struct map_row *row = &m->rows[i];
		char prot[5];

		if (row->gap_before) {
			pad(f, lead);
			fprintf(f, "~~ %s unmapped ~~\n",
				format_size(size, sizeof(size), row->gap_before, false));
		}
		format_size(size, sizeof(size), row->end - row->start, false);
		format_size(cell, sizeof(cell), pages_bytes(row->cell_pages), false);
		fprintf(f, "%0*llx  %s  %-*s  %*s  %*s  ", aw, row->start,
			format_prot(prot, row->prot), (int)segw, segment_name(row->segment),
			(int)sw, size, (int)cw, cell);
		put_cells(f, row->cells, row->ncells, color);
		pad(f, m->width - row->ncells);
		fprintf(f, "  %s\n", map_row_label(row));
	}
	if (m->nrows)
		fprintf(f, "%0*llx  (end)\n", aw, m->rows[m->nrows - 1].end);

	fputs("\nLegend: ", f);
	for (s = 0; s < ARRAY_SIZE(legend_order); s++) {
		unsigned char st = legend_order[s];

		fputs(s ? "  " : "", f);
		put_cells(f, &st, 1, color);
		fprintf(f, " %s", cell_names[st]);
	}
	fputc('\n', f);
	fprintf(f, "Scale:  each cell stands for the Cell column's bytes of its mapping (a power of two of pages, "
		"at most %u cells a row);\n", m->width);
	fputs("        ~~ marks unmapped address space, left out of the picture.\n", f);
	fputs("Cells:  '!' if any page is armed; else what most pages are (present, swapped "
		"or not;\n", f);
	fputs("        ties: present, then swapped); 'H' if most present pages are huge; "
		"':' if most\n", f);
	fputs("        are not present but some are in memory or swap.\n", f);
}

/* --- SVG ------------------------------------------------------------------ */

static const char *const cell_fill[CELL_STATES] = {
	[CELL_NONE] = "#e6e6ea",
	[CELL_PARTIAL] = "#a9dbb4",
	[CELL_PRESENT] = "#2f9e44",
	[CELL_HUGE] = "#1c6fd1",
	[CELL_SWAPPED] = "#f0a202",
	[CELL_ARMED] = "#d62828",
};

static const char *const segment_fill[MEMLAB_SEG_NR] = {
	[MEMLAB_SEG_TEXT] = "#4e79a7",	[MEMLAB_SEG_DATA] = "#f28e2b",
	[MEMLAB_SEG_BSS] = "#e15759",	[MEMLAB_SEG_HEAP] = "#76b7b2",
	[MEMLAB_SEG_STACK] = "#59a14f",	[MEMLAB_SEG_LIB] = "#edc948",
	[MEMLAB_SEG_FILE] = "#b07aa1",	[MEMLAB_SEG_ANON] = "#ff9da7",
	[MEMLAB_SEG_SHM] = "#9c755f",	[MEMLAB_SEG_VDSO] = "#bab0ac",
	[MEMLAB_SEG_VVAR] = "#bab0ac",	[MEMLAB_SEG_VSYSCALL] = "#bab0ac",
	[MEMLAB_SEG_OTHER] = "#79706e",
};

#define SVG_FONT	"DejaVu Sans Mono, Menlo, Consolas, monospace"
#define SVG_SANS	"DejaVu Sans, Helvetica, Arial, sans-serif"
#define SVG_CHAR_W	6.7	/* an 11 px monospace character */
#define SVG_MARGIN	20
#define SVG_ROW_H	16	/* a mapping: never less, however many */
#define SVG_BAR_H	11
#define SVG_GAP_H	14	/* an unmapped gap */
#define SVG_BAR_W	640	/* the longest bar */
#define SVG_NAME_MAX	48	/* characters of a label before it is cut */

/* A label of at most SVG_NAME_MAX characters, cut in the middle. */
static void svg_label(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s), keep = SVG_NAME_MAX / 2 - 1;

	if (display_width(s) <= SVG_NAME_MAX || n >= len) {
		snprintf(buf, len, "%s", s);
		return;
	}
	/* Bytes, not characters, but never inside a UTF-8 sequence. */
	while (keep && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	{
		size_t tail = n - (SVG_NAME_MAX / 2 - 1);

		while (tail < n && ((unsigned char)s[tail] & 0xc0) == 0x80)
			tail++;
		snprintf(buf, len, "%.*s\u2026%s", (int)keep, s, s + tail);
	}
}

static void svg_text(FILE *f, double x, double y, const char *attrs, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s%s>", x, y, attrs[0] ? " " : "", attrs);
	xml_put_string(f, s);
	fputs("</text>\n", f);
}

void map_print_svg(FILE *f, const struct target *t, const struct map *m)
{
	char buf[512], size[SIZE_BUF], cell[SIZE_BUF];
	double cell_w = (double)SVG_BAR_W / m->width;
	double x_addr, x_axis, x_perm, x_seg, x_size, x_cell, x_bar, x_name;
	double y, width, height;
	int aw = 12;
	size_t i, name_chars = 20, seg_chars = 7;
	unsigned int s;

	for (i = 0; i < m->nrows; i++) {
		size_t n;

		aw = hex_width(m->rows[i].end, aw);
		svg_label(buf, sizeof(buf), map_row_label(&m->rows[i]));
		n = display_width(buf);
		if (n > name_chars)
			name_chars = n;
		if (strlen(segment_name(m->rows[i].segment)) > seg_chars)
			seg_chars = strlen(segment_name(m->rows[i].segment));
	}

	/* Columns, left to right. */
	x_addr = SVG_MARGIN + aw * SVG_CHAR_W;	/* right edge of the addresses */
	x_axis = x_addr + 8;
	x_perm = x_axis + 10;
	x_seg = x_perm + 6 * SVG_CHAR_W + 6;
	x_size = x_seg + 14 + seg_chars * SVG_CHAR_W + 8 * SVG_CHAR_W; /* right edge */
	x_cell = x_size + 8 * SVG_CHAR_W;			       /* right edge */
	x_bar = x_cell + 14;
	x_name = x_bar + SVG_BAR_W + 12;
	width = x_name + name_chars * SVG_CHAR_W + SVG_MARGIN;
	if (width < 900)
		width = 900;

	height = 92;
	for (i = 0; i < m->nrows; i++)
		height += SVG_ROW_H + (m->rows[i].gap_before ? SVG_GAP_H : 0);
	height += 24 + 130;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		"width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"font-family=\"%s\" font-size=\"11\">\n", width, height, width, height,
		SVG_FONT);
	snprintf(buf, sizeof(buf), "memlab map of pid %d%s%s%s", t->pid,
		 t->comm ? " (" : "", t->comm ? t->comm : "", t->comm ? ")" : "");
	fputs("<title>", f);
	xml_put_string(f, buf);
	fputs("</title>\n", f);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");

	/* Title and what is in it. */
	snprintf(buf, sizeof(buf), "Address space of pid %d%s%s%s", t->pid,
		 t->comm ? " (" : "", t->comm ? t->comm : "", t->comm ? ")" : "");
	svg_text(f, SVG_MARGIN, 30, "font-family=\"" SVG_SANS "\" font-size=\"18\" "
		 "font-weight=\"bold\" fill=\"#222\"", buf);
	{
		char *line = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&line, &len);

		if (mem) {
			map_headline(mem, m);
			fclose(mem);
			svg_text(f, SVG_MARGIN, 50, "font-family=\"" SVG_SANS "\" "
				 "font-size=\"12\" fill=\"#555\"", line);
			free(line);
		}
	}

	/* Column heads. */
	y = 78;
	fprintf(f, "<g font-family=\"%s\" font-size=\"11\" font-weight=\"bold\" "
		"fill=\"#333\">\n", SVG_SANS);
	svg_text(f, x_addr, y, "text-anchor=\"end\"", "Address");
	svg_text(f, x_perm, y, "", "Perm");
	svg_text(f, x_seg, y, "", "Segment");
	svg_text(f, x_size, y, "text-anchor=\"end\"", "Size");
	svg_text(f, x_cell, y, "text-anchor=\"end\"", "Cell");
	svg_text(f, x_bar, y, "", "Pages (each cell: the size in the Cell column)");
	svg_text(f, x_name, y, "", "Mapping");
	fputs("</g>\n", f);

	y = 88;
	/* The address axis: a line with a tick at every row. */
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"#888\" stroke-width=\"1\"/>\n", x_axis, y, x_axis,
		height - 24 - 130 + 4);

	for (i = 0; i < m->nrows; i++) {
		const struct map_row *row = &m->rows[i];
		char prot[5], label[512], addr[40];
		unsigned int c, run;

		if (row->gap_before) {
			double ym = y + SVG_GAP_H / 2.0;

			/* The axis is broken here: the gap is not to scale. */
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
				"fill=\"#fafafa\"/>\n", SVG_MARGIN / 2.0, y,
				width - SVG_MARGIN, SVG_GAP_H);
			fprintf(f, "<path d=\"M%.1f %.1f l-4 3 l8 2 l-4 3\" fill=\"none\" "
				"stroke=\"#888\" stroke-width=\"1.2\"/>\n", x_axis, ym - 4);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"3\" height=\"8\" "
				"fill=\"#fafafa\"/>\n", x_axis - 1.5, ym - 4);
			snprintf(addr, sizeof(addr), "%0*llx", aw, m->rows[i - 1].end);
			svg_text(f, x_addr, ym + 4, "text-anchor=\"end\" fill=\"#999\"", addr);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n", x_perm, ym,
				x_bar + SVG_BAR_W, ym);
			snprintf(buf, sizeof(buf), "  %s unmapped  ",
				 format_size(size, sizeof(size), row->gap_before, false));
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
				"font-style=\"italic\" fill=\"#777\" font-size=\"10\" "
				"style=\"paint-order:stroke\" stroke=\"#fafafa\" "
				"stroke-width=\"6\">", x_bar + SVG_BAR_W / 2.0, ym + 3.5);
			xml_put_string(f, buf);
			fputs("</text>\n", f);
			y += SVG_GAP_H;
		}

		format_size(size, sizeof(size), row->end - row->start, false);
		format_size(cell, sizeof(cell), pages_bytes(row->cell_pages), false);
		fputs("<g>\n<title>", f);
		snprintf(buf, sizeof(buf), "%llx-%llx %s %s %s: %s, ",
			 row->start, row->end, format_prot(prot, row->prot),
			 segment_name(row->segment), row->name && *row->name ? row->name :
			 map_row_label(row), size);
		xml_put_string(f, buf);
		fprintf(f, "%s present", format_size(size, sizeof(size),
						     pages_bytes(row->present), false));
		fprintf(f, " (%s huge)", format_size(size, sizeof(size),
						     pages_bytes(row->huge), false));
		fprintf(f, ", %s swapped", format_size(size, sizeof(size),
						       pages_bytes(row->swapped), false));
		fprintf(f, ", %llu armed pages</title>\n", row->armed);
		format_size(size, sizeof(size), row->end - row->start, false);

		if (i % 2)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
				"fill=\"#f3f4f7\"/>\n", x_axis + 1, y,
				width - x_axis - 1 - SVG_MARGIN / 2.0, SVG_ROW_H);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#888\"/>\n", x_axis - 4, y, x_axis, y);
		snprintf(addr, sizeof(addr), "%0*llx", aw, row->start);
		svg_text(f, x_addr, y + 11.5, "text-anchor=\"end\" fill=\"#333\"", addr);
		svg_text(f, x_perm, y + 11.5, "fill=\"#333\"", prot);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" rx=\"2\" "
			"fill=\"%s\"/>\n", x_seg, y + 3.5,
			segment_fill[row->segment < MEMLAB_SEG_NR ? row->segment :
				     MEMLAB_SEG_OTHER]);
		svg_text(f, x_seg + 14, y + 11.5, "fill=\"#333\"", segment_name(row->segment));
		svg_text(f, x_size, y + 11.5, "text-anchor=\"end\" fill=\"#333\"", size);
		svg_text(f, x_cell, y + 11.5, "text-anchor=\"end\" fill=\"#777\"", cell);

		/* The bar: not present underneath, each run of a state on top. */
		fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
			"fill=\"%s\" stroke=\"#b8b8c0\" stroke-width=\"0.6\"/>\n", x_bar,
			y + (SVG_ROW_H - SVG_BAR_H) / 2.0, row->ncells * cell_w, SVG_BAR_H,
			cell_fill[CELL_NONE]);
		for (c = 0; c < row->ncells; c = run) {
			for (run = c + 1; run < row->ncells && row->cells[run] == row->cells[c];
			     run++)
				;
			if (row->cells[c] == CELL_NONE)
				continue;
			fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
				"fill=\"%s\"/>\n", x_bar + c * cell_w,
				y + (SVG_ROW_H - SVG_BAR_H) / 2.0, (run - c) * cell_w,
				SVG_BAR_H, cell_fill[row->cells[c]]);
		}
		svg_label(label, sizeof(label), map_row_label(row));
		svg_text(f, x_name, y + 11.5, "fill=\"#222\"", label);
		fputs("</g>\n", f);
		y += SVG_ROW_H;
	}
	if (m->nrows) {
		char addr[40];

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#888\"/>\n", x_axis - 4, y, x_axis, y);
		snprintf(addr, sizeof(addr), "%0*llx", aw, m->rows[m->nrows - 1].end);
		svg_text(f, x_addr, y + 12, "text-anchor=\"end\" fill=\"#333\"", addr);
	}

	/* Legend, scale and the rule. */
	y += 34;
	fprintf(f, "<g font-family=\"%s\" font-size=\"12\" fill=\"#333\">\n", SVG_SANS);
	svg_text(f, SVG_MARGIN, y, "font-weight=\"bold\"", "Legend");
	{
		double x = SVG_MARGIN + 80;

		for (s = 0; s < ARRAY_SIZE(legend_order); s++) {
			enum cell_state st = legend_order[s];

			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"11\" "
				"fill=\"%s\" stroke=\"#b8b8c0\" stroke-width=\"0.6\"/>\n", x,
				y - 10, cell_fill[st]);
			svg_text(f, x + 19, y, "", cell_names[st]);
			x += 19 + strlen(cell_names[st]) * 7.0 + 22;
		}
	}
	y += 22;
	svg_text(f, SVG_MARGIN, y, "font-weight=\"bold\"", "Segments");
	{
		double x = SVG_MARGIN + 80;

		for (s = 0; s < MEMLAB_SEG_NR; s++) {
			if (s == MEMLAB_SEG_VVAR || s == MEMLAB_SEG_VSYSCALL)
				continue;	/* same colour as vdso */
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" "
				"rx=\"2\" fill=\"%s\"/>\n", x, y - 9, segment_fill[s]);
			svg_text(f, x + 13, y, "", s == MEMLAB_SEG_VDSO ? "vdso/vvar" :
				 segment_name(s));
			x += 13 + strlen(s == MEMLAB_SEG_VDSO ? "vdso/vvar" :
					 segment_name(s)) * 7.0 + 16;
		}
	}
	y += 22;
	snprintf(buf, sizeof(buf), "Scale: each cell stands for the Cell column's bytes of its mapping, a power "
		 "of two of pages, so that a mapping fits in %u cells; a longer bar is a "
		 "bigger mapping.", m->width);
	svg_text(f, SVG_MARGIN, y, "", buf);
	y += 18;
	svg_text(f, SVG_MARGIN, y, "", "Gaps: unmapped address space between mappings is "
		 "left out; a dashed line says how much, and the address axis breaks there.");
	y += 18;
	svg_text(f, SVG_MARGIN, y, "", "Cells: red if any page is armed; else what most of "
		 "its pages are (present, swapped or not present; ties go to present, then "
		 "swapped),");
	y += 16;
	svg_text(f, SVG_MARGIN, y, "", "blue when most present pages are huge, light green "
		 "when most pages are not present but some are in memory or swap.");
	fputs("</g>\n</svg>\n", f);
}

/* --- JSON ----------------------------------------------------------------- */

void json_map(struct json *j, const struct target *t, const struct map *m)
{
	char glyph[2] = { 0 };
	size_t i;
	unsigned int s;

	json_begin_object(j, NULL);
	json_i64(j, "pid", t->pid);
	if (t->comm)
		json_str(j, "comm", t->comm);
	else
		json_null(j, "comm");
	json_u64(j, "width", m->width);
	json_begin_object(j, "legend");
	for (s = 0; s < ARRAY_SIZE(legend_order); s++) {
		glyph[0] = cell_glyphs[legend_order[s]];
		json_str(j, glyph, cell_names[legend_order[s]]);
	}
	json_end_object(j);
	json_u64(j, "size", pages_bytes(m->mapped));
	json_u64(j, "present", pages_bytes(m->present));
	json_u64(j, "huge", pages_bytes(m->huge));
	json_u64(j, "swapped", pages_bytes(m->swapped));
	json_u64(j, "armed", pages_bytes(m->armed));
	json_begin_array(j, "rows", false);
	for (i = 0; i < m->nrows; i++) {
		const struct map_row *row = &m->rows[i];
		char prot[5];
		char *cells = malloc(row->ncells + 1);
		unsigned int c;

		json_begin_object(j, NULL);
		json_hex(j, "start", row->start);
		json_hex(j, "end", row->end);
		json_str(j, "prot", format_prot(prot, row->prot));
		json_str(j, "segment", segment_name(row->segment));
		json_str(j, "name", row->name ? row->name : "");
		json_u64(j, "size", row->end - row->start);
		json_u64(j, "gap_before", row->gap_before);
		json_u64(j, "cell_size", pages_bytes(row->cell_pages));
		if (cells) {
			for (c = 0; c < row->ncells; c++)
				cells[c] = cell_glyphs[row->cells[c]];
			cells[row->ncells] = '\0';
			json_str(j, "cells", cells);
			free(cells);
		}
		json_u64(j, "present", pages_bytes(row->present));
		json_u64(j, "huge", pages_bytes(row->huge));
		json_u64(j, "swapped", pages_bytes(row->swapped));
		json_u64(j, "armed", pages_bytes(row->armed));
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
	json_finish(j);
}
