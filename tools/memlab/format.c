// SPDX-License-Identifier: GPL-2.0
/*
 * memlab(1): sizes, names, parsing, tables and JSON. See format.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

/* --- names ---------------------------------------------------------------- */

static const char *const segment_names[MEMLAB_SEG_NR] = {
	[MEMLAB_SEG_TEXT] = "text",	[MEMLAB_SEG_DATA] = "data",
	[MEMLAB_SEG_BSS] = "bss",	[MEMLAB_SEG_HEAP] = "heap",
	[MEMLAB_SEG_STACK] = "stack",	[MEMLAB_SEG_LIB] = "lib",
	[MEMLAB_SEG_FILE] = "file",	[MEMLAB_SEG_ANON] = "anon",
	[MEMLAB_SEG_SHM] = "shm",	[MEMLAB_SEG_VDSO] = "vdso",
	[MEMLAB_SEG_VVAR] = "vvar",	[MEMLAB_SEG_VSYSCALL] = "vsyscall",
	[MEMLAB_SEG_OTHER] = "other",
};

const char *segment_name(unsigned int segment)
{
	return segment < MEMLAB_SEG_NR ? segment_names[segment] : "unknown";
}

/* In bit order: MEMLAB_PAGE_PRESENT is bit 0. */
static const char *const category_names[] = {
	"present", "swapped", "file", "shared", "exclusive", "dirty", "young",
	"soft-dirty", "uffd-wp", "huge", "zero", "protnone", "migration",
	"armed",
};

_Static_assert(MEMLAB_PAGE_CATEGORIES == (1ULL << ARRAY_SIZE(category_names)) - 1,
	       "a category has no name");

const char *category_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(category_names) ? category_names[bit] : NULL;
}

char *format_categories(char *buf, size_t len, u64 mask)
{
	size_t used = 0;
	unsigned int bit;

	buf[0] = '\0';
	for (bit = 0; bit < ARRAY_SIZE(category_names); bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		/* Cut when @buf is full, and go on counting. */
		used += snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
				 "%s%s", used ? "," : "", category_names[bit]);
	}
	return buf;
}

char *format_prot(char out[5], uint32_t prot)
{
	out[0] = prot & MEMLAB_VMA_READ ? 'r' : '-';
	out[1] = prot & MEMLAB_VMA_WRITE ? 'w' : '-';
	out[2] = prot & MEMLAB_VMA_EXEC ? 'x' : '-';
	out[3] = prot & MEMLAB_VMA_SHARED ? 's' : 'p';
	out[4] = '\0';
	return out;
}

static const char *const pte_flag_names[] = {
	"present", "rw", "user", "accessed", "dirty", "huge", "global", "nx",
	"protnone", "soft-dirty", "uffd-wp",
};

const char *pte_flag_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(pte_flag_names) ? pte_flag_names[bit] : NULL;
}

static const char *const feature_names[] = {
	"version", "summary", "maps", "scan", "vtop", "inject",
};

const char *feature_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(feature_names) ? feature_names[bit] : NULL;
}

static const char *const vtop_result_names[] = {
	[MEMLAB_VTOP_NONE] = "none",
	[MEMLAB_VTOP_PRESENT] = "present",
	[MEMLAB_VTOP_SWAP] = "swap",
	[MEMLAB_VTOP_MIGRATION] = "migration",
	[MEMLAB_VTOP_HWPOISON] = "hwpoison",
	[MEMLAB_VTOP_MARKER] = "marker",
};

const char *vtop_result_name(unsigned int result)
{
	return result < ARRAY_SIZE(vtop_result_names) ? vtop_result_names[result] :
							 "unknown";
}

static const char *const vtop_level_names[MEMLAB_VTOP_LEVELS] = {
	"pgd", "p4d", "pud", "pmd", "pte",
};

const char *vtop_level_name(unsigned int level)
{
	return level < MEMLAB_VTOP_LEVELS ? vtop_level_names[level] : "?";
}

/* --- parsing -------------------------------------------------------------- */

int parse_u64(const char *s, u64 *out)
{
	int base = 10;
	u64 v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -1;
	for (; *p; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (tolower((unsigned char)*p) - 'a') + 10;
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;	/* overflow */
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_pid(const char *s, int self, int *pid)
{
	u64 v;

	if (!strcmp(s, "self")) {
		*pid = self;
		return 0;
	}
	if (!*s || strspn(s, "0123456789") != strlen(s) || parse_u64(s, &v) || !v ||
	    v > INT32_MAX)
		return -1;
	*pid = (int)v;
	return 0;
}

int parse_categories(const char *s, u64 *mask, const char **bad,
		     size_t *badlen)
{
	u64 m = 0;
	const char *p = s;

	for (;;) {
		size_t n = strcspn(p, ",");
		unsigned int bit;
		bool found = false;

		if (n == 3 && !strncmp(p, "all", 3)) {
			m |= MEMLAB_PAGE_CATEGORIES;
			found = true;
		}
		for (bit = 0; !found && bit < ARRAY_SIZE(category_names); bit++) {
			const char *name = category_names[bit];
			size_t i;

			if (strlen(name) != n)
				continue;
			for (i = 0; i < n; i++)
				if (tolower((unsigned char)p[i]) != name[i] &&
				    !(p[i] == '_' && name[i] == '-'))
					break;
			if (i == n) {
				m |= 1ULL << bit;
				found = true;
			}
		}
		if (!found) {
			*bad = p;
			*badlen = n;
			return -1;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	*mask = m;
	return 0;
}

/* --- sizes ---------------------------------------------------------------- */

char *format_size(char *buf, size_t len, u64 bytes, bool exact)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	unsigned int u = 0;
	double v = (double)bytes;

	if (exact || !bytes) {
		snprintf(buf, len, "%llu", bytes);
		return buf;
	}
	while (v >= 1024 && u < ARRAY_SIZE(units) - 1) {
		v /= 1024;
		u++;
	}
	if (!u) {
		snprintf(buf, len, "%llu B", bytes);
	} else if (!(bytes & ((1ULL << (10 * u)) - 1))) {
		snprintf(buf, len, "%llu %s", bytes >> (10 * u), units[u]);
	} else if (v < 99.95) {
		snprintf(buf, len, "%.1f %s", v, units[u]);
	} else {
		/* 1023.7 MB rounds to 1024 MB: say 1.0 GB instead. */
		if (round(v) >= 1024 && u < ARRAY_SIZE(units) - 1)
			snprintf(buf, len, "%.1f %s", v / 1024, units[u + 1]);
		else
			snprintf(buf, len, "%.0f %s", v, units[u]);
	}
	return buf;
}

char *format_ns(char *buf, size_t len, u64 ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

int hex_width(u64 addr, int min)
{
	int w = 1;

	while (addr >>= 4)
		w++;
	return w < min ? min : w;
}

/* --- text ----------------------------------------------------------------- */

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (!n)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;

	while (n) {
		size_t l = utf8_seq_len(p, n);

		if (!l)
			l = 1;
		p += l;
		n -= l;
		w++;
	}
	return w;
}

/* --- tables --------------------------------------------------------------- */

void table_init(struct table *t, unsigned int ncols, const char *const *headers,
		const enum table_align *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->headers = headers;
	t->align = align;
}

static char **table_new_row(struct table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->cells = realloc(t->cells, t->cap * t->ncols * sizeof(*t->cells));
		if (!t->cells) {
			perror("memlab");
			exit(1);
		}
	}
	return &t->cells[t->nrows++ * t->ncols];
}

void table_add(struct table *t, const char *const *cells)
{
	char **row = table_new_row(t);
	unsigned int i;

	for (i = 0; i < t->ncols; i++) {
		row[i] = strdup(cells[i] ? cells[i] : "");
		if (!row[i]) {
			perror("memlab");
			exit(1);
		}
	}
}

void table_rule(struct table *t)
{
	char **row = table_new_row(t);

	memset(row, 0, t->ncols * sizeof(*row));
}

static void put_repeat(FILE *f, int c, size_t n)
{
	while (n--)
		fputc(c, f);
}

/*
 * Blanks are only written when something follows them on the line, so that
 * an empty last cell or a rule leaves no blanks at the end.
 */
static void table_print_row(const struct table *t, FILE *f, const size_t *width,
			    const char *const *cells)
{
	size_t pending = 0;
	unsigned int i;

	for (i = 0; i < t->ncols; i++) {
		bool last = i == t->ncols - 1;
		const char *cell;
		size_t w;

		if (i)
			pending += 2;
		if (!cells) {	/* a rule, under every column but the last */
			if (last)
				break;
			put_repeat(f, ' ', pending);
			put_repeat(f, '=', width[i]);
			pending = 0;
			continue;
		}
		cell = cells[i];
		w = display_width(cell);
		if (t->align[i] == ALIGN_RIGHT)
			pending += width[i] - w;
		if (*cell) {
			put_repeat(f, ' ', pending);
			fputs(cell, f);
			pending = 0;
		}
		if (t->align[i] == ALIGN_LEFT)
			pending += width[i] - w;
	}
	fputc('\n', f);
}

void table_print(const struct table *t, FILE *f)
{
	size_t *width = calloc(t->ncols, sizeof(*width));
	unsigned int i;
	size_t r;

	if (!width) {
		perror("memlab");
		exit(1);
	}
	for (i = 0; i < t->ncols; i++)
		width[i] = display_width(t->headers[i]);
	for (r = 0; r < t->nrows; r++) {
		char **row = &t->cells[r * t->ncols];

		if (!row[0])
			continue;
		for (i = 0; i < t->ncols; i++) {
			size_t w = display_width(row[i]);

			if (w > width[i])
				width[i] = w;
		}
	}
	table_print_row(t, f, width, t->headers);
	for (r = 0; r < t->nrows; r++) {
		char **row = &t->cells[r * t->ncols];

		table_print_row(t, f, width, row[0] ? (const char *const *)row : NULL);
	}
	free(width);
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* --- JSON ----------------------------------------------------------------- */

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* What comes before a value: a comma, a new line and indent, the key. */
static void json_prefix(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->comma[j->depth])
			fputc(',', j->f);
		if (j->flat[j->depth]) {
			if (j->comma[j->depth])
				fputc(' ', j->f);
		} else {
			fputc('\n', j->f);
			put_repeat(j->f, ' ', 2 * j->depth);
		}
		j->comma[j->depth] = true;
	}
	if (key) {
		json_put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void json_open(struct json *j, const char *key, int c, bool flat)
{
	json_prefix(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->comma[j->depth] = false;
	j->flat[j->depth] = flat || (j->depth > 1 && j->flat[j->depth - 1]);
}

static void json_close(struct json *j, int c)
{
	bool had = j->comma[j->depth], flat = j->flat[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had && !flat) {
		fputc('\n', j->f);
		put_repeat(j->f, ' ', 2 * j->depth);
	}
	fputc(c, j->f);
}

void json_begin_object(struct json *j, const char *key)
{
	json_open(j, key, '{', false);
}

void json_end_object(struct json *j)
{
	json_close(j, '}');
}

void json_begin_array(struct json *j, const char *key, bool flat)
{
	json_open(j, key, '[', flat);
}

void json_end_array(struct json *j)
{
	json_close(j, ']');
}

void json_u64(struct json *j, const char *key, u64 v)
{
	json_prefix(j, key);
	fprintf(j->f, "%llu", v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	json_prefix(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_prefix(j, key);
	json_put_string(j->f, s);
}

void json_hex(struct json *j, const char *key, u64 v)
{
	json_prefix(j, key);
	fprintf(j->f, "\"0x%llx\"", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_prefix(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_prefix(j, key);
	fputs("null", j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}

void json_categories(struct json *j, const char *key, u64 mask)
{
	unsigned int bit;

	json_begin_array(j, key, true);
	for (bit = 0; bit < ARRAY_SIZE(category_names); bit++)
		if (mask & (1ULL << bit))
			json_str(j, NULL, category_names[bit]);
	json_end_array(j);
}

void json_put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', f);
	while (n) {
		size_t l = utf8_seq_len(p, n);

		if (!l) {
			fputs("\\ufffd", f);
			l = 1;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fwrite(p, 1, l, f);
		}
		p += l;
		n -= l;
	}
	fputc('"', f);
}

void xml_put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t l = utf8_seq_len(p, n);

		if (!l || (*p < 0x20 && *p != '\t') || *p == 0x7f) {
			/* Not allowed in XML 1.0, or not UTF-8. */
			fputc('?', f);
			l = l ? l : 1;
		} else if (*p == '<') {
			fputs("&lt;", f);
		} else if (*p == '>') {
			fputs("&gt;", f);
		} else if (*p == '&') {
			fputs("&amp;", f);
		} else if (*p == '"') {
			fputs("&quot;", f);
		} else if (*p == '\'') {
			fputs("&apos;", f);
		} else {
			fwrite(p, 1, l, f);
		}
		p += l;
		n -= l;
	}
}
