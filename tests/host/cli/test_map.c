// SPDX-License-Identifier: GPL-2.0
/*
 * memlab map: the rule each cell is drawn by, the scale of each row, how
 * SCAN regions land in cells, and the picture itself - text, colour, SVG
 * and JSON - for the recorded demo workload (fixtures.c).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "golden.h"
#include "map.h"

#define PG	4096ULL

static const struct target fx_target = { .pid = 135, .comm = "demo-workload" };

static enum cell_state state_of(u64 pages, u64 present, u64 huge, u64 swapped,
				u64 armed)
{
	struct cell_count c = {
		.pages = pages, .present = present, .huge = huge,
		.swapped = swapped, .armed = armed,
	};

	return cell_state(&c);
}

static void test_cell_rule(void **state)
{
	(void)state;
	/* Nothing there. */
	assert_int_equal(CELL_NONE, state_of(16, 0, 0, 0, 0));
	/* Most pages decide... */
	assert_int_equal(CELL_PRESENT, state_of(16, 9, 0, 0, 0));
	assert_int_equal(CELL_PRESENT, state_of(16, 8, 0, 0, 0));	/* tie with none */
	assert_int_equal(CELL_SWAPPED, state_of(16, 0, 0, 9, 0));
	assert_int_equal(CELL_SWAPPED, state_of(16, 3, 0, 7, 0));	/* 3 < 7 >= 6 */
	assert_int_equal(CELL_PRESENT, state_of(16, 6, 0, 6, 0));	/* tie: present */
	assert_int_equal(CELL_SWAPPED, state_of(16, 0, 0, 8, 0));	/* tie with none */
	/* ...and a minority in memory is still shown. */
	assert_int_equal(CELL_PARTIAL, state_of(16, 1, 0, 0, 0));
	assert_int_equal(CELL_PARTIAL, state_of(16, 2, 0, 3, 0));
	assert_int_equal(CELL_PARTIAL, state_of(16, 0, 0, 7, 0));
	/* Huge when most present pages are huge. */
	assert_int_equal(CELL_HUGE, state_of(512, 512, 512, 0, 0));
	assert_int_equal(CELL_HUGE, state_of(16, 9, 5, 0, 0));
	assert_int_equal(CELL_PRESENT, state_of(16, 10, 5, 0, 0));	/* half is not most */
	/* One armed page wins over everything. */
	assert_int_equal(CELL_ARMED, state_of(512, 512, 512, 0, 1));
	assert_int_equal(CELL_ARMED, state_of(16, 0, 0, 0, 1));
	/* One page. */
	assert_int_equal(CELL_PRESENT, state_of(1, 1, 0, 0, 0));
	assert_int_equal(CELL_SWAPPED, state_of(1, 0, 0, 1, 0));
	assert_int_equal(CELL_NONE, state_of(1, 0, 0, 0, 0));
	/* Glyphs and names. */
	assert_int_equal('.', cell_glyph(CELL_NONE));
	assert_int_equal(':', cell_glyph(CELL_PARTIAL));
	assert_int_equal('#', cell_glyph(CELL_PRESENT));
	assert_int_equal('H', cell_glyph(CELL_HUGE));
	assert_int_equal('s', cell_glyph(CELL_SWAPPED));
	assert_int_equal('!', cell_glyph(CELL_ARMED));
	assert_string_equal("armed fault", cell_state_name(CELL_ARMED));
}

static struct map build(const struct memlab_vma *v, size_t n,
			const struct memlab_scan_region *r, size_t nr, unsigned int width)
{
	struct maps_data md = { .vmas = (struct memlab_vma *)v, .n = n };
	struct map m;

	assert_int_equal(0, map_build(&m, &md, r, nr, width));
	return m;
}

static void cells_are(const struct map_row *row, const char *want)
{
	char got[MAP_MAX_WIDTH + 1];
	unsigned int i;

	for (i = 0; i < row->ncells; i++)
		got[i] = cell_glyph(row->cells[i]);
	got[i] = '\0';
	assert_string_equal(want, got);
}

static void test_cell_scale(void **state)
{
	const u64 b = 0x10000000;
	const struct memlab_vma v[] = {
		{ .start = b, .end = b + PG },			/* 1 page */
		{ .start = b + PG, .end = b + 65 * PG },	/* 64 pages */
		{ .start = b + 65 * PG, .end = b + 130 * PG },	/* 65 pages */
		{ .start = b + 2 * 1024 * 1024, .end = b + 6 * 1024 * 1024 }, /* 4 MB */
	};
	struct map m = build(v, 4, NULL, 0, 64);

	(void)state;
	assert_int_equal(64, m.width);
	assert_int_equal(1, m.rows[0].cell_pages);
	assert_int_equal(1, m.rows[0].ncells);
	assert_int_equal(1, m.rows[1].cell_pages);
	assert_int_equal(64, m.rows[1].ncells);
	/* 65 pages do not fit 64 cells of one: cells of two, 33 of them. */
	assert_int_equal(2, m.rows[2].cell_pages);
	assert_int_equal(33, m.rows[2].ncells);
	assert_int_equal(16, m.rows[3].cell_pages);
	assert_int_equal(64, m.rows[3].ncells);
	/* Touching mappings: no gap; the 4 MB one starts after a gap. */
	assert_true(m.rows[1].gap_before == 0);
	assert_true(m.rows[2].gap_before == 0);
	assert_true(m.rows[3].gap_before == 2 * 1024 * 1024 - 130 * PG);
	assert_true(m.mapped == 1 + 64 + 65 + 1024);
	cells_are(&m.rows[0], ".");
	map_free(&m);

	/* The width is kept between its limits. */
	m = build(v, 4, NULL, 0, 1);
	assert_int_equal(MAP_MIN_WIDTH, m.width);
	assert_int_equal(8, m.rows[1].cell_pages);
	map_free(&m);
	m = build(v, 4, NULL, 0, 100000);
	assert_int_equal(MAP_MAX_WIDTH, m.width);
	map_free(&m);
}

static void test_regions_to_cells(void **state)
{
	const u64 a = 0x7f0000000000ULL, b = 0x7f0000100000ULL;
	const struct memlab_vma v[] = {
		{ .start = a, .end = a + 16 * PG },	/* 16 cells of a page */
		{ .start = b, .end = b + 128 * PG },	/* 8 cells of 16 pages */
	};
	const struct memlab_scan_region r[] = {
		{ a - 4 * PG, a, MEMLAB_PAGE_PRESENT },	/* before any mapping */
		{ a, a + 2 * PG, MEMLAB_PAGE_PRESENT },
		{ a + 2 * PG, a + 4 * PG, MEMLAB_PAGE_SWAPPED },
		{ a + 4 * PG, a + 5 * PG, MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_ARMED },
		{ a + 5 * PG, a + 16 * PG, 0 },
		/* cell 0: all huge; cell 1: 9 present of 16; cell 2: 1 present */
		{ b, b + 16 * PG, MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_HUGE },
		{ b + 16 * PG, b + 25 * PG, MEMLAB_PAGE_PRESENT },
		{ b + 40 * PG, b + 41 * PG, MEMLAB_PAGE_PRESENT },
		/* cell 4: 10 swapped, 6 present; cell 5: 8 swapped */
		{ b + 64 * PG, b + 74 * PG, MEMLAB_PAGE_SWAPPED },
		{ b + 74 * PG, b + 80 * PG, MEMLAB_PAGE_PRESENT },
		{ b + 80 * PG, b + 88 * PG, MEMLAB_PAGE_SWAPPED | MEMLAB_PAGE_MIGRATION },
		/* cell 7: one armed page, not present */
		{ b + 127 * PG, b + 128 * PG, MEMLAB_PAGE_ARMED },
		{ b + 128 * PG, b + 200 * PG, MEMLAB_PAGE_PRESENT },	/* after */
	};
	struct map m = build(v, 2, r, sizeof(r) / sizeof(r[0]), 8);

	(void)state;
	assert_int_equal(8, m.width);
	assert_int_equal(2, m.rows[0].cell_pages);
	cells_are(&m.rows[0], "#s!.....");
	cells_are(&m.rows[1], "H#:.ss.!");
	assert_true(m.rows[0].present == 3);
	assert_true(m.rows[0].swapped == 2);
	assert_true(m.rows[0].armed == 1);
	assert_true(m.rows[1].present == 16 + 9 + 1 + 6);
	assert_true(m.rows[1].huge == 16);
	assert_true(m.rows[1].swapped == 18);
	assert_true(m.rows[1].armed == 1);
	assert_true(m.present == 35 && m.swapped == 20 && m.armed == 2 && m.huge == 16);
	assert_true(m.rows[1].gap_before == b - (a + 16 * PG));
	map_free(&m);
}

static void test_map_empty(void **state)
{
	struct map m = build(NULL, 0, NULL, 0, 64);

	(void)state;
	assert_int_equal(0, m.nrows);
	{
		struct capture c;

		map_print_text(capture_open(&c), &fx_target, &m, false);
		check_golden("map-empty.txt", capture_close(&c));
		free(c.buf);
		map_print_svg(capture_open(&c), &fx_target, &m);
		check_golden("map-empty.svg", capture_close(&c));
		free(c.buf);
	}
	map_free(&m);
}

static struct map fx_map(const struct memlab_scan_region *r, size_t nr,
			 unsigned int width)
{
	struct maps_data md = {
		.vmas = (struct memlab_vma *)fx_vmas,
		.names = (char **)fx_names,
		.n = fx_nvmas,
	};
	struct map m;

	assert_int_equal(0, map_build(&m, &md, r, nr, width));
	return m;
}

static void test_map_labels(void **state)
{
	struct map m = fx_map(fx_mapscan, fx_mapscan_n, 64);
	size_t i;

	(void)state;
	for (i = 0; i < m.nrows; i++) {
		const char *name = fx_names[i];

		if (!strcmp(name, "/usr/lib/x86_64-linux-gnu/libc.so.6"))
			assert_string_equal("libc.so.6", map_row_label(&m.rows[i]));
		if (!strcmp(name, "/dev/zero (deleted)"))	/* short: kept whole */
			assert_string_equal(name, map_row_label(&m.rows[i]));
		if (!*name)
			assert_string_equal("[anon]", map_row_label(&m.rows[i]));
	}
	map_free(&m);
}

static void test_map_demo(void **state)
{
	struct map m = fx_map(fx_mapscan, fx_mapscan_n, 64);
	struct capture c;
	struct json j;

	(void)state;
	/* What the process has, whichever way it is counted. */
	assert_true(m.present * PG == fx_summary.rss);
	assert_true(m.swapped * PG == fx_summary.swap + fx_summary.shmem_swap);
	assert_true(m.huge * PG == fx_summary.anon_huge);

	map_print_text(capture_open(&c), &fx_target, &m, false);
	check_golden("map.txt", capture_close(&c));
	free(c.buf);
	map_print_text(capture_open(&c), &fx_target, &m, true);
	check_golden("map-color.txt", capture_close(&c));
	free(c.buf);
	map_print_svg(capture_open(&c), &fx_target, &m);
	check_golden("map.svg", capture_close(&c));
	free(c.buf);
	json_init(&j, capture_open(&c));
	json_map(&j, &fx_target, &m);
	check_golden("map.json", capture_close(&c));
	free(c.buf);
	map_free(&m);
}

/* The demo with a fault armed on a heap page and one in the THP range. */
static void test_map_armed(void **state)
{
	struct memlab_scan_region *r = calloc(fx_mapscan_n + 4, sizeof(*r));
	size_t i, n = 0;
	struct capture c;
	struct map m;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < fx_mapscan_n; i++) {
		struct memlab_scan_region x = fx_mapscan[i];

		/* The first page of the heap: present and armed. */
		if (x.start == 0x55d6fe997000ULL) {
			r[n++] = (struct memlab_scan_region){ x.start, x.start + PG,
				MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_ARMED };
			x.start += PG;
		}
		r[n++] = x;
	}
	m = fx_map(r, n, 32);
	assert_true(m.armed == 1);
	map_print_text(capture_open(&c), &fx_target, &m, false);
	check_golden("map-armed.txt", capture_close(&c));
	free(c.buf);
	map_print_svg(capture_open(&c), &fx_target, &m);
	check_golden("map-armed.svg", capture_close(&c));
	free(c.buf);
	map_free(&m);
	free(r);
}

/*
 * Hundreds of mappings, some huge, with gaps of every size and names
 * that need escaping: the SVG must stay well-formed and readable
 * (cli_test.sh checks it with xmllint and renders it).
 */
static void test_map_many(void **state)
{
	enum { N = 300 };
	struct memlab_vma *v = calloc(N, sizeof(*v));
	struct memlab_scan_region *r = calloc(N, sizeof(*r));
	char **names = calloc(N, sizeof(*names));
	struct maps_data md = { .vmas = v, .names = names, .n = N };
	u64 addr = 0x400000;
	struct capture c;
	struct map m;
	size_t i;
	char *svg;

	(void)state;
	assert_true(v && r && names);
	for (i = 0; i < N; i++) {
		u64 pages = 1ULL << (i % 19);

		v[i].start = addr;
		v[i].end = addr + pages * PG;
		v[i].prot = MEMLAB_VMA_READ | (i % 3 ? MEMLAB_VMA_WRITE : MEMLAB_VMA_EXEC);
		v[i].segment = i % MEMLAB_SEG_NR;
		r[i].start = v[i].start;
		r[i].end = v[i].start + (pages + 1) / 2 * PG;
		r[i].categories = i % 4 == 0 ? MEMLAB_PAGE_SWAPPED : MEMLAB_PAGE_PRESENT;
		if (i % 7 == 0)
			r[i].categories |= MEMLAB_PAGE_HUGE;
		if (i % 10 == 0 && asprintf(&names[i], "/opt/lib%zu <&\"'> \xff/"
					    "a-rather-long-directory-name/libthing%zu.so",
					    i, i) < 0)
			names[i] = NULL;
		/* A label too long for the picture: cut in the middle. */
		if (i % 10 == 5 && asprintf(&names[i], "[anon:<&\"'> \xff a label far "
					    "too long for any picture, number %zu]", i) < 0)
			names[i] = NULL;
		addr = v[i].end + (i % 4 ? 0 : PG << (i % 30));
	}
	assert_int_equal(0, map_build(&m, &md, r, N, 64));
	map_print_svg(capture_open(&c), &fx_target, &m);
	svg = capture_close(&c);
	/* Every row is drawn, never less than 16 px high. */
	assert_non_null(strstr(svg, "height=\""));
	assert_true(strtoul(strstr(svg, "height=\"") + 8, NULL, 10) >= N * 16);
	assert_null(strstr(svg, "\xff"));
	save_output("map-many.svg", svg);
	free(c.buf);
	map_print_text(capture_open(&c), &fx_target, &m, false);
	save_output("map-many.txt", capture_close(&c));
	free(c.buf);
	map_free(&m);
	for (i = 0; i < N; i++)
		free(names[i]);
	free(names);
	free(r);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_rule),
		cmocka_unit_test(test_cell_scale),
		cmocka_unit_test(test_regions_to_cells),
		cmocka_unit_test(test_map_empty),
		cmocka_unit_test(test_map_labels),
		cmocka_unit_test(test_map_demo),
		cmocka_unit_test(test_map_armed),
		cmocka_unit_test(test_map_many),
	};

	return cmocka_run_group_tests_name("map", tests, NULL, NULL);
}
