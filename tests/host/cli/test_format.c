// SPDX-License-Identifier: GPL-2.0
/*
 * memlab(1)'s pure pieces, case by case: sizes and units, parsing of
 * addresses, pids and categories, tables and the JSON writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format.h"
#include "golden.h"

#define KB	1024ULL
#define MB	(1024 * KB)
#define GB	(1024 * MB)

static void size_is(u64 bytes, bool exact, const char *want)
{
	char buf[SIZE_BUF];

	assert_string_equal(want, format_size(buf, sizeof(buf), bytes, exact));
}

static void test_size_units(void **state)
{
	(void)state;
	size_is(0, false, "0");
	size_is(1, false, "1 B");
	size_is(1023, false, "1023 B");
	size_is(4 * KB, false, "4 kB");
	size_is(132 * KB, false, "132 kB");
	size_is(MB, false, "1 MB");
	size_is(4 * MB, false, "4 MB");
	size_is(3 * GB, false, "3 GB");
	size_is(4 * GB * 1024 * 1024, false, "4 PB");
}

static void test_size_decimals(void **state)
{
	(void)state;
	/* Not exact in its unit: one decimal below 100, none from 100. */
	size_is(1536, false, "1.5 kB");
	size_is(9347276, false, "8.9 MB");		/* a Pss */
	size_is(17219584, false, "16.4 MB");
	size_is(21 * MB + 400 * KB, false, "21.4 MB");
	size_is(150 * MB + 300 * KB, false, "150 MB");
	size_is(4 * MB + 4 * KB, false, "4.0 MB");
	/* Never "1024 MB": a rounded 1024 moves up a unit. */
	size_is(GB - 4 * KB, false, "1.0 GB");
	size_is(MB - 4 * KB, false, "1020 kB");
	size_is(MB - 100, false, "1.0 MB");
	/* 99.96 rounds up to a whole number, not "100.0". */
	size_is(99 * MB + 983 * KB, false, "100 MB");
}

static void test_size_exact(void **state)
{
	(void)state;
	size_is(0, true, "0");
	size_is(9347276, true, "9347276");
	size_is(~0ULL, true, "18446744073709551615");
}

static void test_ns(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal("850 ns", format_ns(buf, sizeof(buf), 850));
	assert_string_equal("12.3 us", format_ns(buf, sizeof(buf), 12345));
	assert_string_equal("1.8 ms", format_ns(buf, sizeof(buf), 1812000));
	assert_string_equal("2.50 s", format_ns(buf, sizeof(buf), 2500000000ULL));
}

static void test_parse_u64(void **state)
{
	u64 v = 42;

	(void)state;
	assert_int_equal(0, parse_u64("0x7f28e5800000", &v));
	assert_true(v == 0x7f28e5800000ULL);
	assert_int_equal(0, parse_u64("0X1F", &v));
	assert_true(v == 31);
	assert_int_equal(0, parse_u64("4096", &v));
	assert_true(v == 4096);
	assert_int_equal(0, parse_u64("18446744073709551615", &v));
	assert_true(v == ~0ULL);
	assert_int_equal(0, parse_u64("0xffffffffffffffff", &v));
	assert_true(v == ~0ULL);

	v = 42;
	assert_int_equal(-1, parse_u64("", &v));
	assert_int_equal(-1, parse_u64("0x", &v));
	assert_int_equal(-1, parse_u64("7f28e5800000", &v));	/* hex needs 0x */
	assert_int_equal(-1, parse_u64("12k", &v));
	assert_int_equal(-1, parse_u64("-1", &v));
	assert_int_equal(-1, parse_u64("+1", &v));
	assert_int_equal(-1, parse_u64(" 1", &v));
	assert_int_equal(-1, parse_u64("18446744073709551616", &v));
	assert_int_equal(-1, parse_u64("0x10000000000000000", &v));
	assert_true(v == 42);	/* untouched on failure */
}

static void test_parse_pid(void **state)
{
	int pid = -7;

	(void)state;
	assert_int_equal(0, parse_pid("self", 4321, &pid));
	assert_int_equal(4321, pid);
	assert_int_equal(0, parse_pid("1", 4321, &pid));
	assert_int_equal(1, pid);
	assert_int_equal(0, parse_pid("2147483647", 4321, &pid));
	assert_int_equal(2147483647, pid);
	assert_int_equal(-1, parse_pid("0", 4321, &pid));
	assert_int_equal(-1, parse_pid("2147483648", 4321, &pid));
	assert_int_equal(-1, parse_pid("0x10", 4321, &pid));
	assert_int_equal(-1, parse_pid("-1", 4321, &pid));
	assert_int_equal(-1, parse_pid("Self", 4321, &pid));
	assert_int_equal(-1, parse_pid("12abc", 4321, &pid));
	assert_int_equal(-1, parse_pid("", 4321, &pid));
}

static void test_parse_categories(void **state)
{
	const char *bad = NULL;
	size_t badlen = 0;
	u64 mask = 0;

	(void)state;
	assert_int_equal(0, parse_categories("present", &mask, &bad, &badlen));
	assert_true(mask == MEMLAB_PAGE_PRESENT);
	assert_int_equal(0, parse_categories("present,soft-dirty,UFFD_WP,armed", &mask,
					     &bad, &badlen));
	assert_true(mask == (MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_SOFT_DIRTY |
			     MEMLAB_PAGE_UFFD_WP | MEMLAB_PAGE_ARMED));
	assert_int_equal(0, parse_categories("all", &mask, &bad, &badlen));
	assert_true(mask == MEMLAB_PAGE_CATEGORIES);
	assert_int_equal(0, parse_categories("swapped,swapped", &mask, &bad, &badlen));
	assert_true(mask == MEMLAB_PAGE_SWAPPED);

	mask = 99;
	assert_int_equal(-1, parse_categories("present,bogus,dirty", &mask, &bad, &badlen));
	assert_int_equal(5, badlen);
	assert_memory_equal("bogus", bad, 5);
	assert_int_equal(-1, parse_categories("present,,dirty", &mask, &bad, &badlen));
	assert_int_equal(0, badlen);
	assert_int_equal(-1, parse_categories("", &mask, &bad, &badlen));
	assert_int_equal(-1, parse_categories("presen", &mask, &bad, &badlen));
	assert_int_equal(-1, parse_categories("present,", &mask, &bad, &badlen));
	assert_true(mask == 99);	/* untouched on failure */
}

static void test_category_names(void **state)
{
	char buf[512];
	unsigned int bit;
	u64 mask;

	(void)state;
	assert_string_equal("", format_categories(buf, sizeof(buf), 0));
	assert_string_equal("present,soft-dirty,huge",
			    format_categories(buf, sizeof(buf), MEMLAB_PAGE_PRESENT |
					      MEMLAB_PAGE_SOFT_DIRTY | MEMLAB_PAGE_HUGE));
	/* Every name parses back to its own bit. */
	for (bit = 0; category_name(bit); bit++) {
		const char *bad;
		size_t badlen;

		assert_int_equal(0, parse_categories(category_name(bit), &mask, &bad,
						     &badlen));
		assert_true(mask == 1ULL << bit);
	}
	assert_true((1ULL << bit) - 1 == MEMLAB_PAGE_CATEGORIES);
	/* A buffer too small is cut, never overrun. */
	memset(buf, 'X', sizeof(buf));
	format_categories(buf, 10, MEMLAB_PAGE_CATEGORIES);
	assert_int_equal(9, strlen(buf));
}

static void test_names(void **state)
{
	char prot[5];

	(void)state;
	assert_string_equal("r-xp", format_prot(prot, MEMLAB_VMA_READ | MEMLAB_VMA_EXEC));
	assert_string_equal("rw-s", format_prot(prot, MEMLAB_VMA_READ | MEMLAB_VMA_WRITE |
						MEMLAB_VMA_SHARED));
	assert_string_equal("---p", format_prot(prot, 0));
	assert_string_equal("text", segment_name(MEMLAB_SEG_TEXT));
	assert_string_equal("other", segment_name(MEMLAB_SEG_OTHER));
	assert_string_equal("unknown", segment_name(MEMLAB_SEG_NR));
	assert_string_equal("soft-dirty", pte_flag_name(9));
	assert_null(pte_flag_name(11));
	assert_string_equal("swap", vtop_result_name(MEMLAB_VTOP_SWAP));
	assert_string_equal("unknown", vtop_result_name(99));
	assert_string_equal("p4d", vtop_level_name(MEMLAB_LEVEL_P4D_IDX));
	assert_string_equal("vtop", feature_name(4));
	assert_int_equal(12, hex_width(0x55e1a7096000ULL, 12));
	assert_int_equal(12, hex_width(0x1000, 12));
	assert_int_equal(14, hex_width(0xfffffffffff000ULL, 12));
}

static void test_utf8(void **state)
{
	(void)state;
	assert_int_equal(1, utf8_seq_len((const unsigned char *)"a", 1));
	assert_int_equal(2, utf8_seq_len((const unsigned char *)"\xc3\xa9", 2));
	assert_int_equal(3, utf8_seq_len((const unsigned char *)"\xe2\x80\xa6", 3));
	assert_int_equal(4, utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4));
	assert_int_equal(0, utf8_seq_len((const unsigned char *)"\xc3", 1));	/* cut */
	assert_int_equal(0, utf8_seq_len((const unsigned char *)"\xff", 1));
	assert_int_equal(0, utf8_seq_len((const unsigned char *)"\xc0\xaf", 2)); /* overlong */
	assert_int_equal(0, utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3)); /* surrogate */
	assert_int_equal(5, display_width("h\xc3\xa9llo"));
	assert_int_equal(3, display_width("a\xff" "b"));
}

static void test_table(void **state)
{
	static const char *const headers[] = { "Name", "Size", "Note" };
	static const enum table_align align[] = { ALIGN_LEFT, ALIGN_RIGHT, ALIGN_LEFT };
	const char *r1[] = { "text", "4 kB", "first" };
	const char *r2[] = { "h\xc3\xa9\x61p", "132 kB", "" };
	const char *r3[] = { "total", "136 kB", "" };
	struct capture c;
	struct table t;

	(void)state;
	table_init(&t, 3, headers, align);
	table_add(&t, r1);
	table_add(&t, r2);
	table_rule(&t);
	table_add(&t, r3);
	table_print(&t, capture_open(&c));
	table_free(&t);
	/* Widths by characters (é is one); no blanks at the ends of lines. */
	assert_string_equal("Name     Size  Note\n"
			    "text     4 kB  first\n"
			    "h\xc3\xa9\x61p   132 kB\n"
			    "=====  ======\n"
			    "total  136 kB\n", capture_close(&c));
	free(c.buf);
}

static void test_json_writer(void **state)
{
	struct capture c;
	struct json j;

	(void)state;
	json_init(&j, capture_open(&c));
	json_begin_object(&j, NULL);
	json_i64(&j, "pid", -1);
	json_u64(&j, "rss", 18446744073709551615ULL);
	json_hex(&j, "start", 0x7f28e5800000ULL);
	json_bool(&j, "ok", true);
	json_null(&j, "comm");
	json_categories(&j, "categories", MEMLAB_PAGE_PRESENT | MEMLAB_PAGE_UFFD_WP);
	json_categories(&j, "none", 0);
	json_begin_object(&j, "empty");
	json_end_object(&j);
	json_begin_array(&j, "rows", false);
	json_begin_object(&j, NULL);
	json_str(&j, "name", "a");
	json_end_object(&j);
	json_u64(&j, NULL, 2);
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
	assert_string_equal("{\n"
			    "  \"pid\": -1,\n"
			    "  \"rss\": 18446744073709551615,\n"
			    "  \"start\": \"0x7f28e5800000\",\n"
			    "  \"ok\": true,\n"
			    "  \"comm\": null,\n"
			    "  \"categories\": [\"present\", \"uffd-wp\"],\n"
			    "  \"none\": [],\n"
			    "  \"empty\": {},\n"
			    "  \"rows\": [\n"
			    "    {\n"
			    "      \"name\": \"a\"\n"
			    "    },\n"
			    "    2\n"
			    "  ]\n"
			    "}\n", capture_close(&c));
	free(c.buf);
}

static void test_json_strings(void **state)
{
	struct capture c;

	(void)state;
	/* Quotes, backslashes, controls, UTF-8 kept, bytes that are not UTF-8. */
	json_put_string(capture_open(&c),
			"/tmp/a \"b\"\\c\n\t\x01\x7f h\xc3\xa9 \xff\xc3 (deleted)");
	assert_string_equal("\"/tmp/a \\\"b\\\"\\\\c\\n\\t\\u0001\\u007f h\xc3\xa9 "
			    "\\ufffd\\ufffd (deleted)\"", capture_close(&c));
	free(c.buf);
}

static void test_xml_strings(void **state)
{
	struct capture c;

	(void)state;
	xml_put_string(capture_open(&c), "<a href=\"x\">&'\x01\xff h\xc3\xa9");
	assert_string_equal("&lt;a href=&quot;x&quot;&gt;&amp;&apos;?? h\xc3\xa9",
			    capture_close(&c));
	free(c.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_decimals),
		cmocka_unit_test(test_size_exact),
		cmocka_unit_test(test_ns),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_pid),
		cmocka_unit_test(test_parse_categories),
		cmocka_unit_test(test_category_names),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_xml_strings),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
