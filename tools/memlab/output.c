// SPDX-License-Identifier: GPL-2.0
/*
 * memlab(1): the text and JSON of summary, maps, scan, vtop and version.
 *
 * JSON field names are the names of the uapi structure fields
 * (include/uapi/linux/memlab.h); sizes are numbers of bytes; addresses are
 * strings "0x..." (a JSON number cannot carry 64 bits everywhere).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <string.h>

#include "output.h"

const char *vma_label(const struct memlab_vma *v, const char *name)
{
	if (name && *name)
		return name;
	switch (v->segment) {
	case MEMLAB_SEG_HEAP:
		return "[heap]";
	case MEMLAB_SEG_STACK:
		return "[stack]";
	case MEMLAB_SEG_VDSO:
		return "[vdso]";
	case MEMLAB_SEG_VVAR:
		return "[vvar]";
	case MEMLAB_SEG_VSYSCALL:
		return "[vsyscall]";
	case MEMLAB_SEG_SHM:
		return "[shmem]";
	default:
		return v->inode ? "[file]" : "[anon]";
	}
}

static void print_target(FILE *f, const char *key, int width, const struct target *t)
{
	fprintf(f, "%-*s%d", width, key, t->pid);
	if (t->comm)
		fprintf(f, " (%s)", t->comm);
	fputc('\n', f);
}

static void json_target(struct json *j, const struct target *t)
{
	json_i64(j, "pid", t->pid);
	if (t->comm)
		json_str(j, "comm", t->comm);
	else
		json_null(j, "comm");
}

/* --- summary -------------------------------------------------------------- */

struct summary_field {
	const char *key;	/* as /proc/memlab/summary names it */
	const char *json;	/* as struct memlab_summary names it */
	size_t offset;
	bool count;		/* a count, not bytes */
};

#define SUM(k, f) { k, #f, offsetof(struct memlab_summary, f), false }
#define SUM_COUNT(k, f) { k, #f, offsetof(struct memlab_summary, f), true }

static const struct summary_field summary_fields[] = {
	SUM("Rss", rss),
	SUM("RssAnon", rss_anon),
	SUM("RssFile", rss_file),
	SUM("RssShmem", rss_shmem),
	SUM("Pss", pss),
	SUM("Uss", uss),
	SUM("Swap", swap),
	SUM("ShmemSwap", shmem_swap),
	SUM("AnonHugePages", anon_huge),
	SUM("Dirty", dirty),
	SUM("Referenced", referenced),
	SUM("Locked", locked),
	SUM("PageTables", page_tables),
	SUM_COUNT("Vmas", vmas),
};

static u64 summary_value(const struct memlab_summary *s,
			      const struct summary_field *fld)
{
	return *(const u64 *)((const char *)s + fld->offset);
}

/* Whether Pss, Uss and Locked (the Pss of locked mappings) were computed. */
static bool summary_sharing(const struct memlab_summary *s)
{
	return !(s->flags & (MEMLAB_SUMMARY_NO_SHARING | MEMLAB_SUMMARY_PAGE_TABLES_ONLY));
}

/*
 * Pss, Uss and Locked with MEMLAB_SUMMARY_NO_SHARING or _PAGE_TABLES_ONLY:
 * 0 in the ioctl, unknown here.
 */
static bool summary_not_computed(const struct memlab_summary *s,
				 const struct summary_field *fld)
{
	return !summary_sharing(s) &&
	       (fld->offset == offsetof(struct memlab_summary, pss) ||
		fld->offset == offsetof(struct memlab_summary, uss) ||
		fld->offset == offsetof(struct memlab_summary, locked));
}

#define KEY_WIDTH	16

void print_summary(FILE *f, const struct target *t, const struct memlab_summary *s,
		   bool bytes)
{
	static const char *const headers[] = { "Segment", "Rss", "Swap" };
	static const enum table_align align[] = { ALIGN_LEFT, ALIGN_RIGHT, ALIGN_RIGHT };
	char vals[ARRAY_SIZE(summary_fields)][SIZE_BUF];
	char rss[SIZE_BUF], swap[SIZE_BUF], a[SIZE_BUF], b[SIZE_BUF];
	u64 tot_rss = 0, tot_swap = 0;
	struct table tab;
	size_t i, width = 0;

	for (i = 0; i < ARRAY_SIZE(summary_fields); i++) {
		u64 v = summary_value(s, &summary_fields[i]);

		if (summary_fields[i].count)
			snprintf(vals[i], SIZE_BUF, "%llu", v);
		else if (summary_not_computed(s, &summary_fields[i]))
			snprintf(vals[i], SIZE_BUF, "-");
		else
			format_size(vals[i], SIZE_BUF, v, bytes);
		if (strlen(vals[i]) > width)
			width = strlen(vals[i]);
	}
	print_target(f, "Process", KEY_WIDTH, t);
	for (i = 0; i < ARRAY_SIZE(summary_fields); i++)
		fprintf(f, "%-*s%*s\n", KEY_WIDTH, summary_fields[i].key, (int)width,
			vals[i]);
	if (s->flags & MEMLAB_SUMMARY_PAGE_TABLES_ONLY) {
		/* Where the kernel's numbers differ from smaps': say so. */
		fprintf(f, "%-*s%s\n", KEY_WIDTH, "Note", "Pss, Uss and Locked not "
			"computed (--page-tables-only);");
		fprintf(f, "%-*s%s\n", KEY_WIDTH, "", "Dirty and Referenced are the "
			"page-table bits only;");
		fprintf(f, "%-*s%s\n", KEY_WIDTH, "", "RssAnon, RssFile, RssShmem: kernel "
			"counters (/proc/PID/status)");
	} else if (s->flags & MEMLAB_SUMMARY_NO_SHARING) {
		fprintf(f, "%-*s%s\n", KEY_WIDTH, "Note", "Pss, Uss and Locked not "
			"computed (--no-sharing)");
	}

	fputc('\n', f);
	table_init(&tab, ARRAY_SIZE(headers), headers, align);
	for (i = 0; i < MEMLAB_SEG_NR; i++) {
		const struct memlab_segment_usage *u = &s->segments[i];
		const char *row[3] = { segment_name(i), rss, swap };

		tot_rss += u->rss;
		tot_swap += u->swap;
		if (!u->rss && !u->swap)
			continue;
		format_size(rss, sizeof(rss), u->rss, bytes);
		format_size(swap, sizeof(swap), u->swap, bytes);
		table_add(&tab, row);
	}
	{
		const char *row[3] = { "total", rss, swap };

		format_size(rss, sizeof(rss), tot_rss, bytes);
		format_size(swap, sizeof(swap), tot_swap, bytes);
		table_rule(&tab);
		table_add(&tab, row);
	}
	table_print(&tab, f);
	table_free(&tab);

	fputc('\n', f);
	fprintf(f, "%-*s%llu page-table entries read in %s; mmap_lock let go %llu"
		" time%s, held at most %s\n", KEY_WIDTH, "Walk", s->ptes_visited,
		format_ns(a, sizeof(a), s->walk_ns), s->lock_drops,
		s->lock_drops == 1 ? "" : "s", format_ns(b, sizeof(b), s->max_lock_hold_ns));
}

void json_summary(struct json *j, const struct target *t, const struct memlab_summary *s)
{
	size_t i;

	json_begin_object(j, NULL);
	json_target(j, t);
	json_bool(j, "sharing", summary_sharing(s));
	/* Then dirty and referenced are the entries' bits, rss_* the counters. */
	json_bool(j, "page_tables_only", s->flags & MEMLAB_SUMMARY_PAGE_TABLES_ONLY);
	for (i = 0; i < ARRAY_SIZE(summary_fields); i++) {
		if (summary_not_computed(s, &summary_fields[i]))
			json_null(j, summary_fields[i].json);
		else
			json_u64(j, summary_fields[i].json,
				 summary_value(s, &summary_fields[i]));
	}
	json_begin_object(j, "segments");
	for (i = 0; i < MEMLAB_SEG_NR; i++) {
		json_begin_object(j, segment_name(i));
		json_u64(j, "rss", s->segments[i].rss);
		json_u64(j, "swap", s->segments[i].swap);
		json_end_object(j);
	}
	json_end_object(j);
	json_u64(j, "ptes_visited", s->ptes_visited);
	json_u64(j, "walk_ns", s->walk_ns);
	json_u64(j, "lock_drops", s->lock_drops);
	json_u64(j, "max_lock_hold_ns", s->max_lock_hold_ns);
	json_end_object(j);
	json_finish(j);
}

/* --- maps ----------------------------------------------------------------- */

enum { M_ADDR, M_PERM, M_SEG, M_SIZE, M_RSS, M_PSS, M_ANON, M_FILE, M_SHMEM,
       M_SWAP, M_HUGE, M_DIRTY, M_NAME, M_COLS };

/* The numeric columns, in order, and the record field each one shows. */
static const size_t maps_num_fields[] = {
	[M_RSS - M_RSS] = offsetof(struct memlab_vma, rss),
	[M_PSS - M_RSS] = offsetof(struct memlab_vma, pss),
	[M_ANON - M_RSS] = offsetof(struct memlab_vma, anon),
	[M_FILE - M_RSS] = offsetof(struct memlab_vma, file),
	[M_SHMEM - M_RSS] = offsetof(struct memlab_vma, shmem),
	[M_SWAP - M_RSS] = offsetof(struct memlab_vma, swap),
	[M_HUGE - M_RSS] = offsetof(struct memlab_vma, anon_huge),
	[M_DIRTY - M_RSS] = offsetof(struct memlab_vma, dirty),
};

static u64 vma_field(const struct memlab_vma *v, size_t offset)
{
	return *(const u64 *)((const char *)v + offset);
}

void print_maps(FILE *f, const struct target *t, const struct maps_data *m,
		bool bytes)
{
	static const char *const headers[M_COLS] = {
		"Address", "Perm", "Segment", "Size", "Rss", "Pss", "Anon", "File",
		"Shmem", "Swap", "AnonHuge", "Dirty", "Mapping",
	};
	static const enum table_align align[M_COLS] = {
		ALIGN_LEFT, ALIGN_LEFT, ALIGN_LEFT, ALIGN_RIGHT, ALIGN_RIGHT,
		ALIGN_RIGHT, ALIGN_RIGHT, ALIGN_RIGHT, ALIGN_RIGHT, ALIGN_RIGHT,
		ALIGN_RIGHT, ALIGN_RIGHT, ALIGN_LEFT,
	};
	char cell[M_COLS][SIZE_BUF + 48];
	const char *row[M_COLS];
	u64 total[M_COLS] = { 0 };
	struct table tab;
	int aw = 12;
	size_t i, c;

	for (i = 0; i < m->n; i++)
		aw = hex_width(m->vmas[i].end, aw);
	for (c = 0; c < M_COLS; c++)
		row[c] = cell[c];

	print_target(f, "Process ", 0, t);
	table_init(&tab, M_COLS, headers, align);
	for (i = 0; i < m->n; i++) {
		const struct memlab_vma *v = &m->vmas[i];

		snprintf(cell[M_ADDR], sizeof(cell[M_ADDR]), "%0*llx-%0*llx",
			 aw, v->start, aw, v->end);
		format_prot(cell[M_PERM], v->prot);
		snprintf(cell[M_SEG], sizeof(cell[M_SEG]), "%s", segment_name(v->segment));
		format_size(cell[M_SIZE], SIZE_BUF, v->end - v->start, bytes);
		total[M_SIZE] += v->end - v->start;
		for (c = M_RSS; c <= M_DIRTY; c++) {
			u64 val = vma_field(v, maps_num_fields[c - M_RSS]);

			format_size(cell[c], SIZE_BUF, val, bytes);
			total[c] += val;
		}
		row[M_NAME] = vma_label(v, m->names ? m->names[i] : NULL);
		table_add(&tab, row);
	}
	snprintf(cell[M_ADDR], sizeof(cell[M_ADDR]), "total (%zu mapping%s)", m->n,
		 m->n == 1 ? "" : "s");
	cell[M_PERM][0] = cell[M_SEG][0] = '\0';
	for (c = M_SIZE; c <= M_DIRTY; c++)
		format_size(cell[c], SIZE_BUF, total[c], bytes);
	row[M_NAME] = "";
	table_rule(&tab);
	table_add(&tab, row);
	table_print(&tab, f);
	table_free(&tab);
}

void json_maps(struct json *j, const struct target *t, const struct maps_data *m)
{
	char prot[5];
	size_t i;

	json_begin_object(j, NULL);
	json_target(j, t);
	json_begin_array(j, "vmas", false);
	for (i = 0; i < m->n; i++) {
		const struct memlab_vma *v = &m->vmas[i];
		const char *name = m->names && m->names[i] ? m->names[i] : "";
		char dev[32];

		snprintf(dev, sizeof(dev), "%02x:%02x",
			 (unsigned int)((v->dev & 0xfff00) >> 8),
			 (unsigned int)((v->dev & 0xff) | ((v->dev >> 12) & 0xfff00)));
		json_begin_object(j, NULL);
		json_hex(j, "start", v->start);
		json_hex(j, "end", v->end);
		json_str(j, "prot", format_prot(prot, v->prot));
		json_str(j, "segment", segment_name(v->segment));
		json_str(j, "name", name);
		json_u64(j, "pgoff", v->pgoff);
		json_str(j, "dev", dev);
		json_u64(j, "inode", v->inode);
		json_u64(j, "size", v->end - v->start);
		json_u64(j, "rss", v->rss);
		json_u64(j, "pss", v->pss);
		json_u64(j, "uss", v->uss);
		json_u64(j, "anon", v->anon);
		json_u64(j, "file", v->file);
		json_u64(j, "shmem", v->shmem);
		json_u64(j, "swap", v->swap);
		json_u64(j, "anon_huge", v->anon_huge);
		json_u64(j, "dirty", v->dirty);
		json_u64(j, "referenced", v->referenced);
		json_u64(j, "locked", v->locked);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
	json_finish(j);
}

/* --- scan ----------------------------------------------------------------- */

static void print_masks(FILE *f, const struct scan_data *sd)
{
	static const struct {
		const char *what;
		size_t offset;
	} masks[] = {
		{ "require", offsetof(struct scan_data, category_mask) },
		{ "any", offsetof(struct scan_data, category_anyof_mask) },
		{ "exclude", offsetof(struct scan_data, category_inverted) },
	};
	char buf[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		u64 m = *(const u64 *)((const char *)sd + masks[i].offset);

		if (m)
			fprintf(f, ", %s %s", masks[i].what,
				format_categories(buf, sizeof(buf), m));
	}
}

void print_scan(FILE *f, const struct target *t, const struct scan_data *sd,
		bool bytes)
{
	static const char *const headers[] = { "Address", "Size", "Pages", "Categories" };
	static const enum table_align align[] = {
		ALIGN_LEFT, ALIGN_RIGHT, ALIGN_RIGHT, ALIGN_LEFT,
	};
	char addr[48], size[SIZE_BUF], pages[24], cats[256];
	const char *row[] = { addr, size, pages, cats };
	struct table tab;
	int aw = 12;
	size_t i;

	for (i = 0; i < sd->n; i++)
		aw = hex_width(sd->regions[i].end, aw);
	print_target(f, "Process ", 0, t);
	fprintf(f, "Range   0x%llx-0x%llx", sd->start, sd->end);
	print_masks(f, sd);
	fputc('\n', f);
	if (!sd->n)
		fputs("No pages match.\n", f);
	table_init(&tab, ARRAY_SIZE(headers), headers, align);
	for (i = 0; i < sd->n; i++) {
		const struct memlab_scan_region *r = &sd->regions[i];

		snprintf(addr, sizeof(addr), "%0*llx-%0*llx", aw, r->start,
			 aw, r->end);
		format_size(size, sizeof(size), r->end - r->start, bytes);
		snprintf(pages, sizeof(pages), "%llu", (r->end - r->start) / 4096);
		format_categories(cats, sizeof(cats), r->categories);
		if (!cats[0])
			snprintf(cats, sizeof(cats), "-");
		table_add(&tab, row);
	}
	if (sd->n)
		table_print(&tab, f);
	table_free(&tab);
	fprintf(f, "%zu region%s, %llu page%s", sd->n, sd->n == 1 ? "" : "s",
		sd->pages, sd->pages == 1 ? "" : "s");
	if (sd->pages)
		fprintf(f, " (%s)", format_size(size, sizeof(size), sd->pages * 4096, bytes));
	if (sd->walk_end < sd->end)
		fprintf(f, "; stopped at 0x%llx after --max-pages %llu",
			sd->walk_end, sd->max_pages);
	fputc('\n', f);
}

void json_scan(struct json *j, const struct target *t, const struct scan_data *sd)
{
	size_t i;

	json_begin_object(j, NULL);
	json_target(j, t);
	json_hex(j, "start", sd->start);
	json_hex(j, "end", sd->end);
	json_hex(j, "walk_end", sd->walk_end);
	json_categories(j, "category_mask", sd->category_mask);
	json_categories(j, "category_anyof_mask", sd->category_anyof_mask);
	json_categories(j, "category_inverted", sd->category_inverted);
	json_categories(j, "return_mask", sd->return_mask);
	json_u64(j, "max_pages", sd->max_pages);
	json_u64(j, "pages", sd->pages);
	json_begin_array(j, "regions", false);
	for (i = 0; i < sd->n; i++) {
		json_begin_object(j, NULL);
		json_hex(j, "start", sd->regions[i].start);
		json_hex(j, "end", sd->regions[i].end);
		json_categories(j, "categories", sd->regions[i].categories);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
	json_finish(j);
}

/* --- vtop ----------------------------------------------------------------- */

/* The levels the walk read, in order; 4-level paging has no p4d. */
static bool vtop_level_shown(const struct memlab_vtop *v, const struct vtop_info *info,
			     unsigned int level, unsigned int *shown)
{
	if (level == MEMLAB_LEVEL_P4D_IDX && info->pgtable_levels < 5)
		return false;
	if (*shown >= v->nr_levels)
		return false;
	(*shown)++;
	return true;
}

static bool vtop_has_phys(const struct memlab_vtop *v)
{
	return v->result == MEMLAB_VTOP_PRESENT || v->result == MEMLAB_VTOP_MIGRATION ||
	       v->result == MEMLAB_VTOP_HWPOISON;
}

void print_vtop(FILE *f, const struct target *t, const struct memlab_vtop *v,
		const struct vtop_info *info)
{
	unsigned int i, bit, shown = 0;
	char prot[5];

	print_target(f, "Process:", KEY_WIDTH, t);
	fprintf(f, "%-*s0x%llx\n", KEY_WIDTH, "Address:", v->addr);
	fprintf(f, "%-*s%012llx-%012llx %s %s\n", KEY_WIDTH, "Vma:",
		v->vma_start, v->vma_end, format_prot(prot, v->vma_prot),
		segment_name(v->segment));
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++) {
		if (!vtop_level_shown(v, info, i, &shown))
			continue;
		if (info->privileged)
			fprintf(f, "%-*s0x%016llx", KEY_WIDTH, vtop_level_name(i),
				v->levels[i].value);
		else	/* the module gives 0: say it is hidden, not 0 */
			fprintf(f, "%-*s%-18s", KEY_WIDTH, vtop_level_name(i), "(hidden)");
		for (bit = 0; bit < 64; bit++)
			if (v->levels[i].flags & (1ULL << bit) && pte_flag_name(bit))
				fprintf(f, " %s", pte_flag_name(bit));
		fputc('\n', f);
	}
	fprintf(f, "%-*s", KEY_WIDTH, "Result:");
	switch (v->result) {
	case MEMLAB_VTOP_PRESENT:
		if (info->privileged)
			fprintf(f, "present pfn 0x%llx, %llu kB page\n", v->pfn,
				(1ULL << v->page_shift) >> 10);
		else
			fprintf(f, "present, %llu kB page\n", (1ULL << v->page_shift) >> 10);
		/* @pfn is the 4 kB page's own, in a huge page too. */
		if (info->privileged)
			fprintf(f, "%-*s0x%llx\n", KEY_WIDTH, "Physical:",
				(v->pfn << 12) | (v->addr & 0xfff));
		break;
	case MEMLAB_VTOP_SWAP:
		if (info->privileged)
			fprintf(f, "swap type %llu offset 0x%llx\n", v->swap_type,
				v->swap_offset);
		else
			fputs("swapped out\n", f);
		break;
	case MEMLAB_VTOP_MIGRATION:
		fputs("migration entry", f);
		if (info->privileged)
			fprintf(f, ", pfn 0x%llx", v->pfn);
		fputc('\n', f);
		break;
	case MEMLAB_VTOP_HWPOISON:
		fputs("hwpoison entry", f);
		if (info->privileged)
			fprintf(f, ", pfn 0x%llx", v->pfn);
		fputc('\n', f);
		break;
	case MEMLAB_VTOP_MARKER:
		fputs("pte marker\n", f);
		break;
	default:
		fputs("none (no page: never touched, or dropped)\n", f);
	}
	if (!info->privileged)
		fprintf(f, "%-*s%s\n", KEY_WIDTH, "Note:",
			"raw entries, PFNs and swap slots are hidden without CAP_SYS_ADMIN");
}

void json_vtop(struct json *j, const struct target *t, const struct memlab_vtop *v,
	       const struct vtop_info *info)
{
	unsigned int i, bit, shown = 0;
	char prot[5];

	json_begin_object(j, NULL);
	json_target(j, t);
	json_hex(j, "addr", v->addr);
	json_hex(j, "vma_start", v->vma_start);
	json_hex(j, "vma_end", v->vma_end);
	json_str(j, "vma_prot", format_prot(prot, v->vma_prot));
	json_str(j, "segment", segment_name(v->segment));
	json_u64(j, "nr_levels", v->nr_levels);
	json_begin_array(j, "levels", false);
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++) {
		if (!vtop_level_shown(v, info, i, &shown))
			continue;
		json_begin_object(j, NULL);
		json_str(j, "level", vtop_level_name(i));
		if (info->privileged)
			json_hex(j, "value", v->levels[i].value);
		else
			json_null(j, "value");
		json_begin_array(j, "flags", true);
		for (bit = 0; bit < 64; bit++)
			if (v->levels[i].flags & (1ULL << bit) && pte_flag_name(bit))
				json_str(j, NULL, pte_flag_name(bit));
		json_end_array(j);
		json_end_object(j);
	}
	json_end_array(j);
	json_str(j, "result", vtop_result_name(v->result));
	json_u64(j, "page_shift", v->page_shift);
	/* What a caller without CAP_SYS_ADMIN is not told is null, not 0. */
	if (info->privileged && vtop_has_phys(v))
		json_u64(j, "pfn", v->pfn);
	else
		json_null(j, "pfn");
	if (info->privileged && v->result == MEMLAB_VTOP_SWAP) {
		json_u64(j, "swap_type", v->swap_type);
		json_u64(j, "swap_offset", v->swap_offset);
	} else {
		json_null(j, "swap_type");
		json_null(j, "swap_offset");
	}
	if (info->privileged && vtop_has_phys(v))
		json_hex(j, "phys_addr",
			 (v->pfn << 12) | (v->addr & 0xfff));
	else
		json_null(j, "phys_addr");
	json_bool(j, "privileged", info->privileged);
	json_end_object(j);
	json_finish(j);
}

/* --- version -------------------------------------------------------------- */

static void print_features(FILE *f, u64 features)
{
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(features & (1ULL << bit)))
			continue;
		if (feature_name(bit))
			fprintf(f, " %s", feature_name(bit));
		else
			fprintf(f, " bit%u", bit);
	}
}

void print_version(FILE *f, const struct memlab_version *ver)
{
	fprintf(f, "%-*s%s (ABI %d)\n", KEY_WIDTH, "memlab tool:", MEMLAB_TOOL_VERSION,
		MEMLAB_ABI_VERSION);
	if (!ver) {
		fprintf(f, "%-*s%s\n", KEY_WIDTH, "module:", "not loaded");
		return;
	}
	fprintf(f, "%-*s%u.%u.%u (ABI %u)\n", KEY_WIDTH, "module:",
		ver->module_version >> 16, (ver->module_version >> 8) & 0xff,
		ver->module_version & 0xff, ver->abi_version);
	fprintf(f, "%-*s", KEY_WIDTH - 1, "features:");
	print_features(f, ver->features);
	fputc('\n', f);
	fprintf(f, "%-*s%u\n", KEY_WIDTH, "page size:", ver->page_size);
	fprintf(f, "%-*s%u\n", KEY_WIDTH, "paging levels:", ver->pgtable_levels);
}

void json_version(struct json *j, const struct memlab_version *ver)
{
	char buf[32];
	unsigned int bit;

	json_begin_object(j, NULL);
	json_str(j, "tool_version", MEMLAB_TOOL_VERSION);
	json_u64(j, "tool_abi_version", MEMLAB_ABI_VERSION);
	if (!ver) {
		json_null(j, "module");
	} else {
		json_begin_object(j, "module");
		json_u64(j, "abi_version", ver->abi_version);
		snprintf(buf, sizeof(buf), "%u.%u.%u", ver->module_version >> 16,
			 (ver->module_version >> 8) & 0xff, ver->module_version & 0xff);
		json_str(j, "module_version", buf);
		json_begin_array(j, "features", true);
		for (bit = 0; bit < 64; bit++) {
			if (!(ver->features & (1ULL << bit)))
				continue;
			if (feature_name(bit)) {
				json_str(j, NULL, feature_name(bit));
			} else {
				snprintf(buf, sizeof(buf), "bit%u", bit);
				json_str(j, NULL, buf);
			}
		}
		json_end_array(j);
		json_u64(j, "page_size", ver->page_size);
		json_u64(j, "pgtable_levels", ver->pgtable_levels);
		json_end_object(j);
	}
	json_end_object(j);
	json_finish(j);
}

/* --- faults ---------------------------------------------------------------- */

static char *format_deny(char out[4], u32 deny)
{
	char *p = out;

	if (deny & MEMLAB_DENY_READ)
		*p++ = 'r';
	if (deny & MEMLAB_DENY_WRITE)
		*p++ = 'w';
	if (deny & MEMLAB_DENY_EXEC)
		*p++ = 'x';
	*p = '\0';
	return out;
}

static const char *fault_state_name(u32 state)
{
	switch (state) {
	case MEMLAB_FAULT_ARMED:
		return "armed";
	case MEMLAB_FAULT_SPENT:
		return "spent";
	case MEMLAB_FAULT_LOST:
		return "lost";
	default:
		return "restoring";
	}
}

static const char *fault_mode(const struct memlab_fault_info *info)
{
	return info->flags & MEMLAB_INJECT_ONESHOT ? "oneshot" : "persistent";
}

void print_inject(FILE *f, const struct memlab_fault_info *info)
{
	char deny[4], enforced[4];

	fprintf(f, "fault %llu armed: pid %u %012llx-%012llx deny %s", info->id,
		info->pid, info->start, info->end, format_deny(deny, info->deny));
	if (info->enforced != info->deny)
		fprintf(f, " (faults on %s: a page x86 cannot read cannot be "
			"written or run)", format_deny(enforced, info->enforced));
	fprintf(f, ", %s\n", fault_mode(info));
}

void print_faults(FILE *f, const struct memlab_fault_info *faults, size_t n)
{
	char deny[4], enforced[4];
	size_t i;

	fprintf(f, "%4s %7s %-25s %-4s %-8s %-10s %-9s %s\n", "ID", "PID", "RANGE",
		"DENY", "ENFORCED", "MODE", "STATE", "HITS");
	for (i = 0; i < n; i++)
		fprintf(f, "%4llu %7u %012llx-%012llx %-4s %-8s %-10s %-9s %llu\n",
			faults[i].id, faults[i].pid, faults[i].start, faults[i].end,
			format_deny(deny, faults[i].deny),
			format_deny(enforced, faults[i].enforced),
			fault_mode(&faults[i]), fault_state_name(faults[i].state),
			faults[i].hits);
}

void json_faults(struct json *j, const struct memlab_fault_info *faults, size_t n)
{
	char deny[4];
	size_t i;

	json_begin_object(j, NULL);
	json_begin_array(j, "faults", false);
	for (i = 0; i < n; i++) {
		json_begin_object(j, NULL);
		json_u64(j, "id", faults[i].id);
		json_u64(j, "pid", faults[i].pid);
		json_hex(j, "start", faults[i].start);
		json_hex(j, "end", faults[i].end);
		json_str(j, "deny", format_deny(deny, faults[i].deny));
		json_str(j, "enforced", format_deny(deny, faults[i].enforced));
		json_str(j, "mode", fault_mode(&faults[i]));
		json_str(j, "state", fault_state_name(faults[i].state));
		json_u64(j, "hits", faults[i].hits);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
	json_finish(j);
}
