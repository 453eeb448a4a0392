/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memlab(1): the pure pieces of the command - sizes and units, parsing of
 * addresses, pids and category lists, aligned tables and a JSON writer.
 * Nothing here opens a file or calls an ioctl, so that the host-side tests
 * (tests/host/cli/) can check all of it on recorded values.
 */
#ifndef MEMLAB_FORMAT_H
#define MEMLAB_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/memlab.h>

/* The uapi's own 64-bit type (unsigned long long: printed with %ll). */
typedef __u64 u64;
typedef __u32 u32;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* --- names ---------------------------------------------------------------- */

/* enum memlab_segment as /proc/memlab prints it ("text", "heap", ...). */
const char *segment_name(unsigned int segment);

/* Name of the MEMLAB_PAGE_* category at bit @bit ("present", "soft-dirty"). */
const char *category_name(unsigned int bit);

/* Comma list of the category names in @mask into @buf ("" for none). */
char *format_categories(char *buf, size_t len, u64 mask);

/* "rw-p" from MEMLAB_VMA_* bits; @out has room for 5 bytes. */
char *format_prot(char out[5], uint32_t prot);

/* Names of MEMLAB_PTE_* bits, of MEMLAB_FEAT_* bits, of vtop results. */
const char *pte_flag_name(unsigned int bit);
const char *feature_name(unsigned int bit);
const char *vtop_result_name(unsigned int result);
const char *vtop_level_name(unsigned int level);

/* --- parsing -------------------------------------------------------------- */

/*
 * "0x7f00..." (hex) or "1234" (decimal), the whole string, no sign.
 * Returns 0, or -1 when @s is not a number.
 */
int parse_u64(const char *s, u64 *out);

/* A pid: a positive number, or "self" (@self). Returns 0 or -1. */
int parse_pid(const char *s, int self, int *pid);

/*
 * A comma list of category names ("present,soft-dirty"; "_" may stand for
 * "-", "all" means every category). Returns 0, or -1 with *@bad pointing
 * at the first unknown name and *@badlen its length.
 */
int parse_categories(const char *s, u64 *mask, const char **bad,
		     size_t *badlen);

/* --- sizes ---------------------------------------------------------------- */

#define SIZE_BUF	32

/*
 * A size in bytes for people: "0", "512 B", "132 kB", "20.1 MB", "4 MB",
 * "1.5 GB" (units of 1024 bytes, as /proc prints kB). A value exact in
 * its unit is a whole number; otherwise it has one decimal below 100 and
 * none from 100 up. With @exact, the plain number of bytes.
 */
char *format_size(char *buf, size_t len, u64 bytes, bool exact);

/* A duration in nanoseconds: "850 ns", "12.3 us", "4.5 ms", "1.20 s". */
char *format_ns(char *buf, size_t len, u64 ns);

/* Hex digits needed for @addr, at least @min. */
int hex_width(u64 addr, int min);

/* --- text ----------------------------------------------------------------- */

/*
 * Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0 when
 * @s does not start one.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* Columns @s takes on a terminal: its UTF-8 code points. */
size_t display_width(const char *s);

/* --- tables --------------------------------------------------------------- */

enum table_align { ALIGN_LEFT, ALIGN_RIGHT };

/*
 * A table printed with each column as wide as its widest cell and two
 * spaces between columns, aligned like pmap -X. The last
 * column is never padded, so no line ends in blanks. table_rule() adds a
 * line of '=' under every column but the last, as pmap -X does above its
 * totals.
 */
struct table {
	unsigned int ncols;
	const char *const *headers;
	const enum table_align *align;
	char **cells;		/* nrows * ncols, NULL row for a rule */
	size_t nrows;
	size_t cap;
};

void table_init(struct table *t, unsigned int ncols, const char *const *headers,
		const enum table_align *align);
void table_add(struct table *t, const char *const *cells);
void table_rule(struct table *t);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

/* --- JSON ----------------------------------------------------------------- */

#define JSON_MAX_DEPTH	16

/*
 * A streaming JSON writer, indented as jq prints. Every value takes a key
 * inside an object and NULL inside an array. Strings are escaped; bytes
 * that are not UTF-8 become U+FFFD, so the document is always valid.
 */
struct json {
	FILE *f;
	int depth;
	bool comma[JSON_MAX_DEPTH];
	bool flat[JSON_MAX_DEPTH];	/* an array printed on one line */
};

void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key, bool flat);
void json_end_array(struct json *j);
void json_u64(struct json *j, const char *key, u64 v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_hex(struct json *j, const char *key, u64 v);	/* "0x1f000" */
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_finish(struct json *j);			/* the final newline */

/* The MEMLAB_PAGE_* names in @mask, as an array of strings. */
void json_categories(struct json *j, const char *key, u64 mask);

/* @s as a JSON string, with quotes. */
void json_put_string(FILE *f, const char *s);

/* @s with <, >, &, " and ' escaped for XML, bytes that are not UTF-8 as '?'. */
void xml_put_string(FILE *f, const char *s);

#endif /* MEMLAB_FORMAT_H */
