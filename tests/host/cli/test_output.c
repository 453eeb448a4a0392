// SPDX-License-Identifier: GPL-2.0
/*
 * What memlab summary, maps, scan, vtop and version print, as text and as
 * JSON, for recorded ioctl answers (fixtures.c), against expected/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "golden.h"
#include "output.h"

static const struct target fx_target = { .pid = 135, .comm = "demo-workload" };

/* The names as procfs.c reads them: a copy that output may not change. */
static struct maps_data fx_maps(bool names)
{
	struct maps_data md = {
		.vmas = (struct memlab_vma *)fx_vmas,
		.names = names ? (char **)fx_names : NULL,
		.n = fx_nvmas,
	};

	return md;
}

static struct scan_data fx_scan_data(void)
{
	struct scan_data sd = {
		.start = 0,
		.end = 0xfffffffffff000ULL,
		.walk_end = 0xfffffffffff000ULL,
		.return_mask = MEMLAB_PAGE_CATEGORIES,
		.regions = (struct memlab_scan_region *)fx_scan,
		.n = fx_scan_n,
	};
	size_t i;

	for (i = 0; i < sd.n; i++)
		sd.pages += (sd.regions[i].end - sd.regions[i].start) / 4096;
	return sd;
}

/* Run @print on a memory FILE and compare with expected/@name. */
#define GOLDEN_TEXT(name, call)					\
	do {							\
		struct capture c;				\
		FILE *f = capture_open(&c);			\
								\
		call;						\
		check_golden(name, capture_close(&c));		\
		free(c.buf);					\
	} while (0)

#define GOLDEN_JSON(name, call)					\
	do {							\
		struct capture c;				\
		struct json j;					\
								\
		json_init(&j, capture_open(&c));		\
		call;						\
		check_golden(name, capture_close(&c));		\
		free(c.buf);					\
	} while (0)

static void test_summary_text(void **state)
{
	(void)state;
	GOLDEN_TEXT("summary.txt", print_summary(f, &fx_target, &fx_summary, false));
}

static void test_summary_bytes(void **state)
{
	(void)state;
	GOLDEN_TEXT("summary-bytes.txt", print_summary(f, &fx_target, &fx_summary, true));
}

static void test_summary_no_sharing(void **state)
{
	struct memlab_summary s = fx_summary;
	struct target t = { .pid = 135 };	/* no comm: the process left */

	(void)state;
	s.flags = MEMLAB_SUMMARY_NO_SHARING;
	s.pss = s.uss = s.locked = 0;
	GOLDEN_TEXT("summary-no-sharing.txt", print_summary(f, &t, &s, false));
	GOLDEN_JSON("summary-no-sharing.json", json_summary(&j, &t, &s));
}

/* The same process as fx_summary, as MEMLAB_SUMMARY_PAGE_TABLES_ONLY reads it. */
static struct memlab_summary fx_summary_page_tables_only(void)
{
	struct memlab_summary s = fx_summary;

	s.flags = MEMLAB_SUMMARY_PAGE_TABLES_ONLY;
	s.pss = s.uss = s.locked = 0;
	/* The mm's counters; the PTEs' own dirty and accessed bits. */
	s.rss_anon = 14782464;
	s.rss_file = 1388544;
	s.dirty = 12689408;
	s.referenced = 14921728;
	return s;
}

static void test_summary_page_tables_only(void **state)
{
	struct memlab_summary s = fx_summary_page_tables_only();

	(void)state;
	GOLDEN_TEXT("summary-page-tables-only.txt",
		    print_summary(f, &fx_target, &s, false));
	GOLDEN_JSON("summary-page-tables-only.json", json_summary(&j, &fx_target, &s));
}

/* Both flags: the page-table-only summary, which skips sharing too. */
static void test_summary_both_flags(void **state)
{
	struct memlab_summary s = fx_summary_page_tables_only();

	(void)state;
	s.flags |= MEMLAB_SUMMARY_NO_SHARING;
	GOLDEN_TEXT("summary-page-tables-only.txt",
		    print_summary(f, &fx_target, &s, false));
	GOLDEN_JSON("summary-page-tables-only.json", json_summary(&j, &fx_target, &s));
}

static void test_summary_json(void **state)
{
	(void)state;
	GOLDEN_JSON("summary.json", json_summary(&j, &fx_target, &fx_summary));
}

static void test_maps_text(void **state)
{
	struct maps_data md = fx_maps(true);

	(void)state;
	GOLDEN_TEXT("maps.txt", print_maps(f, &fx_target, &md, false));
}

static void test_maps_bytes(void **state)
{
	struct maps_data md = fx_maps(true);

	(void)state;
	GOLDEN_TEXT("maps-bytes.txt", print_maps(f, &fx_target, &md, true));
}

static void test_maps_without_names(void **state)
{
	struct maps_data md = fx_maps(false);

	(void)state;
	/* /proc/PID/maps could not be read: the classes name the mappings. */
	GOLDEN_TEXT("maps-no-names.txt", print_maps(f, &fx_target, &md, false));
}

static void test_maps_empty(void **state)
{
	struct maps_data md = { 0 };

	(void)state;
	GOLDEN_TEXT("maps-empty.txt", print_maps(f, &fx_target, &md, false));
	GOLDEN_JSON("maps-empty.json", json_maps(&j, &fx_target, &md));
}

static void test_maps_json(void **state)
{
	struct maps_data md = fx_maps(true);

	(void)state;
	GOLDEN_JSON("maps.json", json_maps(&j, &fx_target, &md));
}

static void test_vma_label(void **state)
{
	struct memlab_vma v = { .segment = MEMLAB_SEG_ANON };

	(void)state;
	assert_string_equal("[anon]", vma_label(&v, NULL));
	assert_string_equal("[anon]", vma_label(&v, ""));
	assert_string_equal("[anon:malloc]", vma_label(&v, "[anon:malloc]"));
	v.segment = MEMLAB_SEG_HEAP;
	assert_string_equal("[heap]", vma_label(&v, NULL));
	v.segment = MEMLAB_SEG_FILE;
	v.inode = 12;
	assert_string_equal("[file]", vma_label(&v, NULL));
}

static void test_scan_text(void **state)
{
	struct scan_data sd = fx_scan_data();

	(void)state;
	GOLDEN_TEXT("scan.txt", print_scan(f, &fx_target, &sd, false));
}

static void test_scan_json(void **state)
{
	struct scan_data sd = fx_scan_data();

	(void)state;
	GOLDEN_JSON("scan.json", json_scan(&j, &fx_target, &sd));
}

static void test_scan_cut(void **state)
{
	struct scan_data sd = fx_scan_data();

	(void)state;
	/* --require present --exclude file --max-pages 3, stopped early. */
	sd.category_mask = MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_FILE;
	sd.category_inverted = MEMLAB_PAGE_FILE;
	sd.category_anyof_mask = MEMLAB_PAGE_DIRTY | MEMLAB_PAGE_YOUNG;
	sd.return_mask = MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_DIRTY;
	sd.max_pages = 3;
	sd.n = 2;
	sd.regions = (struct memlab_scan_region[]) {
		{ 0x55d6f0e11000, 0x55d6f0e13000, MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_DIRTY },
		{ 0x55d6fe997000, 0x55d6fe998000, MEMLAB_PAGE_PRESENT },
	};
	sd.pages = 3;
	sd.walk_end = 0x55d6fe998000;
	GOLDEN_TEXT("scan-cut.txt", print_scan(f, &fx_target, &sd, false));
	GOLDEN_JSON("scan-cut.json", json_scan(&j, &fx_target, &sd));
}

static void test_scan_empty(void **state)
{
	struct scan_data sd = fx_scan_data();

	(void)state;
	sd.category_mask = MEMLAB_PAGE_ARMED;
	sd.n = 0;
	sd.pages = 0;
	GOLDEN_TEXT("scan-empty.txt", print_scan(f, &fx_target, &sd, false));
	GOLDEN_JSON("scan-empty.json", json_scan(&j, &fx_target, &sd));
}

static const struct vtop_info root5 = { .pgtable_levels = 5, .privileged = true };

static void test_vtop_thp(void **state)
{
	(void)state;
	GOLDEN_TEXT("vtop-thp.txt", print_vtop(f, &fx_target, &fx_vtop_thp, &root5));
	GOLDEN_JSON("vtop-thp.json", json_vtop(&j, &fx_target, &fx_vtop_thp, &root5));
}

static void test_vtop_swap(void **state)
{
	(void)state;
	GOLDEN_TEXT("vtop-swap.txt", print_vtop(f, &fx_target, &fx_vtop_swap, &root5));
	GOLDEN_JSON("vtop-swap.json", json_vtop(&j, &fx_target, &fx_vtop_swap, &root5));
}

static void test_vtop_cow(void **state)
{
	(void)state;
	GOLDEN_TEXT("vtop-cow.txt", print_vtop(f, &fx_target, &fx_vtop_cow, &root5));
}

static void test_vtop_swap_unprivileged(void **state)
{
	struct vtop_info info = { .pgtable_levels = 5, .privileged = false };
	struct memlab_vtop v = fx_vtop_swap;
	unsigned int i;

	(void)state;
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++)
		v.levels[i].value = 0;
	v.swap_type = v.swap_offset = 0;
	GOLDEN_TEXT("vtop-swap-user.txt", print_vtop(f, &fx_target, &v, &info));
	GOLDEN_JSON("vtop-swap-user.json", json_vtop(&j, &fx_target, &v, &info));
}

/* As the module answers a caller without CAP_SYS_ADMIN. */
static void test_vtop_unprivileged(void **state)
{
	struct vtop_info info = { .pgtable_levels = 5, .privileged = false };
	struct memlab_vtop v = fx_vtop_cow;
	unsigned int i;

	(void)state;
	for (i = 0; i < MEMLAB_VTOP_LEVELS; i++)
		v.levels[i].value = 0;
	v.pfn = v.swap_type = v.swap_offset = 0;
	GOLDEN_TEXT("vtop-user.txt", print_vtop(f, &fx_target, &v, &info));
	GOLDEN_JSON("vtop-user.json", json_vtop(&j, &fx_target, &v, &info));
}

/* 4-level paging: no p4d level, one level fewer read. */
static void test_vtop_4level(void **state)
{
	struct vtop_info info = { .pgtable_levels = 4, .privileged = true };
	struct memlab_vtop v = fx_vtop_thp;

	(void)state;
	v.levels[MEMLAB_LEVEL_P4D_IDX].value = 0;
	v.levels[MEMLAB_LEVEL_P4D_IDX].flags = 0;
	v.nr_levels--;
	GOLDEN_TEXT("vtop-4level.txt", print_vtop(f, &fx_target, &v, &info));
}

static void test_vtop_none(void **state)
{
	struct memlab_vtop v = fx_vtop_cow;

	(void)state;
	/* Mapped, never touched: the walk stops at an empty pmd. */
	memset(v.levels + MEMLAB_LEVEL_PMD_IDX, 0, 2 * sizeof(v.levels[0]));
	v.nr_levels = 4;
	v.result = MEMLAB_VTOP_NONE;
	v.pfn = 0;
	v.page_shift = 0;
	GOLDEN_TEXT("vtop-none.txt", print_vtop(f, &fx_target, &v, &root5));
}

static void test_version(void **state)
{
	(void)state;
	GOLDEN_TEXT("version.txt", print_version(f, &fx_version));
	GOLDEN_JSON("version.json", json_version(&j, &fx_version));
	GOLDEN_TEXT("version-none.txt", print_version(f, NULL));
	GOLDEN_JSON("version-none.json", json_version(&j, NULL));
}

/* Two faults as the demo armed them: memlab faults, and memlab inject's line. */
static const struct memlab_fault_info fx_faults[] = {
	{ .id = 1, .start = 0x7fccaf5ee000, .end = 0x7fccaf5ef000, .pid = 159,
	  .deny = MEMLAB_DENY_WRITE, .enforced = MEMLAB_DENY_WRITE,
	  .state = MEMLAB_FAULT_ARMED, .hits = 2 },
	{ .id = 12, .start = 0x7fccaf400000, .end = 0x7fccaf402000, .pid = 4242,
	  .deny = MEMLAB_DENY_READ, .enforced = MEMLAB_DENY_ALL,
	  .state = MEMLAB_FAULT_SPENT, .flags = MEMLAB_INJECT_ONESHOT, .hits = 1 },
};

static void test_faults(void **state)
{
	(void)state;
	GOLDEN_TEXT("faults.txt", print_faults(f, fx_faults, 2));
	GOLDEN_JSON("faults.json", json_faults(&j, fx_faults, 2));
	GOLDEN_TEXT("faults-empty.txt", print_faults(f, NULL, 0));
	GOLDEN_JSON("faults-empty.json", json_faults(&j, NULL, 0));
	GOLDEN_TEXT("inject.txt", print_inject(f, &fx_faults[0]));
	GOLDEN_TEXT("inject-read.txt", print_inject(f, &fx_faults[1]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_summary_text),
		cmocka_unit_test(test_summary_bytes),
		cmocka_unit_test(test_summary_no_sharing),
		cmocka_unit_test(test_summary_page_tables_only),
		cmocka_unit_test(test_summary_both_flags),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_maps_text),
		cmocka_unit_test(test_maps_bytes),
		cmocka_unit_test(test_maps_without_names),
		cmocka_unit_test(test_maps_empty),
		cmocka_unit_test(test_maps_json),
		cmocka_unit_test(test_vma_label),
		cmocka_unit_test(test_scan_text),
		cmocka_unit_test(test_scan_json),
		cmocka_unit_test(test_scan_cut),
		cmocka_unit_test(test_scan_empty),
		cmocka_unit_test(test_vtop_thp),
		cmocka_unit_test(test_vtop_swap),
		cmocka_unit_test(test_vtop_cow),
		cmocka_unit_test(test_vtop_unprivileged),
		cmocka_unit_test(test_vtop_swap_unprivileged),
		cmocka_unit_test(test_vtop_4level),
		cmocka_unit_test(test_vtop_none),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
