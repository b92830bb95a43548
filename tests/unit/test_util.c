/* migctl — the internal helper layer (lib/util/): string builder, comma
 * lists, whole-file reader, PCI bus IDs, the YAML reader (line and error
 * convention, size/depth/alias limits) and the YAML writer (libyaml's
 * emitter with migctl's indentation and comments).
 *
 * Expected texts are written out by hand from the YAML and PCI formats,
 * not produced by running the code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/bus_id.h"
#include "util/file.h"
#include "util/list.h"
#include "util/strbuf.h"
#include "util/yaml_emit.h"
#include "util/yaml_read.h"

static void expect_substr(const char *msg, const char *sub)
{
	if (!strstr(msg, sub))
		fail_msg("message \"%s\" lacks \"%s\"", msg, sub);
}

/* --- strbuf ---------------------------------------------------------------- */

static void test_strbuf(void **state)
{
	struct mu_strbuf b = {0};
	(void)state;

	char *empty = mu_sb_take(&b);
	assert_non_null(empty);
	assert_string_equal(empty, "");
	free(empty);
	mu_sb_printf(&b, "%s-%u", "a", 7u);
	mu_sb_append(&b, "xyz", 2);
	/* Past the first allocation: the text must survive growing. */
	for (int i = 0; i < 1000; i++)
		mu_sb_printf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 5 + 2000);
	char *t = mu_sb_take(&b);
	assert_non_null(t);
	assert_memory_equal(t, "a-7xy0,1,2,", 11);
	assert_int_equal(strlen(t), 2005);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	free(t);

	/* A failed append is remembered: take gives NULL and frees. */
	mu_sb_printf(&b, "kept");
	b.oom = true;
	mu_sb_printf(&b, "lost");
	assert_null(mu_sb_take(&b));
	assert_null(b.p);
}

/* --- list ------------------------------------------------------------------ */

static void test_list_items(void **state)
{
	const char *p = " 0 ,\t1,GPU-abc ";
	char item[16];
	(void)state;

	assert_int_equal(mu_list_count(p), 3);
	assert_int_equal(mu_list_count(NULL), 0);
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_ITEM);
	assert_string_equal(item, "0");
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_ITEM);
	assert_string_equal(item, "1");
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_ITEM);
	assert_string_equal(item, "GPU-abc");
	assert_null(p);
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_END);
}

static void test_list_bad_items(void **state)
{
	char item[8];
	const char *p;
	(void)state;

	p = "a,,b";
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_ITEM);
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_EMPTY);
	assert_string_equal(item, "");
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_ITEM);
	assert_string_equal(item, "b");
	p = "a,"; /* a trailing comma is an empty last item */
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_ITEM);
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_EMPTY);
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_END);
	p = "";
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_EMPTY);
	p = "  ";
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_EMPTY);
	p = "12345678,x"; /* 8 characters do not fit 8 bytes with the NUL */
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_LONG);
	assert_string_equal(item, "1234567");
	assert_int_equal(mu_list_next(&p, item, sizeof(item)), MU_LIST_ITEM);
	assert_string_equal(item, "x");
}

static void test_trim_and_count(void **state)
{
	char s[] = " \t 3g.40gb \t";
	unsigned v = 99;
	(void)state;

	mu_trim(s);
	assert_string_equal(s, "3g.40gb");
	assert_true(mu_parse_count("0", 10, &v));
	assert_int_equal(v, 0);
	assert_true(mu_parse_count("10", 10, &v));
	assert_int_equal(v, 10);
	v = 99;
	assert_false(mu_parse_count("11", 10, &v));
	assert_false(mu_parse_count("", 10, &v));
	assert_false(mu_parse_count("-1", 10, &v));
	assert_false(mu_parse_count("+1", 10, &v));
	assert_false(mu_parse_count("1 ", 10, &v));
	assert_false(mu_parse_count("99999999999999999999999", 1000, &v));
	assert_int_equal(v, 99);
}

/* --- file ------------------------------------------------------------------ */

static void test_file_read(void **state)
{
	char path[] = "/tmp/migctl-test-util-XXXXXX";
	struct migctl_error err;
	char *text = (char *)1;
	size_t len = 1;
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc\0def", 7), 7);
	close(fd);
	assert_int_equal(mu_file_read(path, "test file", 0, &text, &len, &err), MIGCTL_ERR_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(text, "abc\0def", 8); /* NUL-terminated too */
	free(text);
	/* Over the cap: refused, nothing returned. */
	assert_int_equal(mu_file_read(path, "test file", 6, &text, &len, &err), MIGCTL_ERR_IO);
	assert_null(text);
	expect_substr(err.msg, "larger than 6 bytes");
	unlink(path);
	assert_int_equal(mu_file_read(path, "test file", 0, &text, &len, &err), MIGCTL_ERR_IO);
	assert_null(text);
	expect_substr(err.msg, "cannot open test file /tmp/migctl-test-util-");
	assert_string_equal(mu_file_origin("-"), "<stdin>");
	assert_string_equal(mu_file_origin("a.yaml"), "a.yaml");
}

/* --- bus IDs --------------------------------------------------------------- */

static void test_bus_id_forms(void **state)
{
	struct mu_bus_id b;
	(void)state;

	assert_true(mu_bus_id_parse("00000000:07:00.0", &b));
	assert_int_equal(b.domain, 0);
	assert_int_equal(b.bus, 7);
	assert_int_equal(b.device, 0);
	assert_int_equal(b.function, 0);
	assert_true(mu_bus_id_parse("0001:C1:1f.7", &b));
	assert_int_equal(b.domain, 1);
	assert_int_equal(b.bus, 0xc1);
	assert_int_equal(b.device, 0x1f);
	assert_int_equal(b.function, 7);
	assert_true(mu_bus_id_parse("7:0.0", &b));
	assert_int_equal(b.bus, 7);
	/* The same function written four ways. */
	assert_true(mu_bus_id_same("00000000:07:00.0", "7:0.0"));
	assert_true(mu_bus_id_same("0000:07:00.0", "07:00.0"));
	assert_true(mu_bus_id_same("00000000:0A:00.0", "0a:00.0"));
	assert_false(mu_bus_id_same("00000000:07:00.0", "00000001:07:00.0"));
	assert_false(mu_bus_id_same("07:00.0", "07:00.1"));
	assert_false(mu_bus_id_same("07:00.0", NULL));
}

static void test_bus_id_rejects(void **state)
{
	static const char *const bad[] = {
		"", "7", "07:00", "07:00.", "07:00.8", "07:20.0", "007:00.0", "07:000.0",
		"000000000:07:00.0", "0:0:07:00.0", " 07:00.0", "07:00.0 ", "g7:00.0",
		"07-00.0", "07:00.00", "0x7:0.0",
	};
	struct mu_bus_id b = {.domain = 9};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mu_bus_id_parse(bad[i], &b))
			fail_msg("\"%s\" parsed as a bus ID", bad[i]);
	assert_int_equal(b.domain, 9); /* untouched */
}

/* --- YAML reader ----------------------------------------------------------- */

static void test_yaml_lines_and_errors(void **state)
{
	static const char text[] = "a: 1\nb:\n  - x\n  - [y, z]\nc: {d: ~}\n";
	struct migctl_error err;
	struct mu_yaml y;
	(void)state;

	assert_int_equal(mu_yaml_load(&y, "t.yaml", text, strlen(text), MIGCTL_ERR_CATALOG, false,
				      &err), MIGCTL_ERR_OK);
	yaml_node_t *root = mu_yaml_root(&y);
	yaml_node_t *bk = NULL;
	yaml_node_t *b = mu_yaml_map_get(&y, root, "b", &bk);
	assert_int_equal(mu_yaml_line(root), 1);
	assert_int_equal(mu_yaml_line(bk), 2);
	assert_int_equal(mu_yaml_seq_len(b), 2);
	assert_int_equal(mu_yaml_line(mu_yaml_seq_item(&y, b, 1)), 4);
	assert_null(mu_yaml_seq_item(&y, b, 2));
	assert_string_equal(mu_yaml_kind(mu_yaml_seq_item(&y, b, 0)), "a single value");
	assert_string_equal(mu_yaml_kind(mu_yaml_seq_item(&y, b, 1)), "a list");
	assert_string_equal(mu_yaml_kind(root), "a mapping");
	assert_string_equal(mu_yaml_kind(NULL), "empty");
	yaml_node_t *c = mu_yaml_map_get(&y, root, "c", NULL);
	assert_true(mu_yaml_is_null(mu_yaml_map_get(&y, c, "d", NULL)));
	assert_true(mu_yaml_is_null(NULL));
	assert_false(mu_yaml_is_null(bk));
	assert_null(mu_yaml_map_get(&y, root, "nope", NULL));
	/* One phrasing: ORIGIN:LINE: message, with the code of the load. */
	assert_int_equal(mu_yaml_fail(&y, mu_yaml_seq_item(&y, b, 1), "bad %s", "list"),
			 MIGCTL_ERR_CATALOG);
	assert_string_equal(err.msg, "t.yaml:4: bad list");
	/* A missing node is line 1. */
	assert_int_equal(mu_yaml_fail_code(&y, MIGCTL_ERR_PARSE, NULL, "x"), MIGCTL_ERR_PARSE);
	assert_string_equal(err.msg, "t.yaml:1: x");
	mu_yaml_release(&y);
	mu_yaml_release(&y); /* twice is harmless */

	assert_int_equal(mu_yaml_load(&y, "e.yaml", "", 0, MIGCTL_ERR_PARSE, true, &err),
			 MIGCTL_ERR_OK);
	assert_null(mu_yaml_root(&y));
	mu_yaml_release(&y);
	assert_int_equal(mu_yaml_load(&y, "s.yaml", "a: [1,\n", 7, MIGCTL_ERR_PARSE, true, &err),
			 MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "s.yaml:");
	expect_substr(err.msg, "YAML syntax error");
	expect_substr(err.msg, "; fix the YAML");
	assert_false(y.loaded);
}

static void test_yaml_keys(void **state)
{
	static const char *const allowed[] = {"a", "b", NULL};
	struct migctl_error err;
	struct mu_yaml y;
	yaml_node_t *bad;
	(void)state;

	static const struct { const char *text; const char *const *allowed; enum mu_yaml_keys want; unsigned long line; } cases[] = {
		{"a: 1\nb: 2\n", allowed, MU_YAML_KEYS_OK, 0},
		{"a: 1\nc: 2\n", allowed, MU_YAML_KEY_UNKNOWN, 2},
		{"a: 1\nb: 2\na: 3\n", allowed, MU_YAML_KEY_DUPLICATE, 3},
		{"a: 1\n[x]: 2\n", allowed, MU_YAML_KEY_NOT_TEXT, 2},
		{"a: 1\n\"b\\0\": 2\n", allowed, MU_YAML_KEY_NOT_TEXT, 2},
		{"x: 1\n\"\": 2\n", NULL, MU_YAML_KEY_EMPTY, 2},
		{"x: 1\ny: 2\n", NULL, MU_YAML_KEYS_OK, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mu_yaml_load(&y, "k.yaml", cases[i].text, strlen(cases[i].text),
					      MIGCTL_ERR_PARSE, false, &err), MIGCTL_ERR_OK);
		enum mu_yaml_keys got = mu_yaml_check_keys(&y, mu_yaml_root(&y), cases[i].allowed, &bad);
		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
		if (cases[i].line)
			assert_int_equal(mu_yaml_line(bad), cases[i].line);
		else
			assert_null(bad);
		mu_yaml_release(&y);
	}
}

/* Aliases of aliases: 10 levels of 10 references are 10^10 nodes once
 * expanded; refused at load, before anyone walks them. */
static void test_yaml_alias_bomb(void **state)
{
	char laughs[2048];
	struct migctl_error err;
	struct mu_yaml y;
	(void)state;

	size_t n = (size_t)snprintf(laughs, sizeof(laughs), "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++)
		n += (size_t)snprintf(laughs + n, sizeof(laughs) - n,
				      "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
				      i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	assert_true(n < sizeof(laughs));
	assert_int_equal(mu_yaml_load(&y, "laughs.yaml", laughs, n, MIGCTL_ERR_PARSE, true, &err),
			 MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "laughs.yaml:1: the file has more than 1000000 nodes");
	assert_false(y.loaded);
	/* Up to a4 (about 10^5 nodes) is within the budget. */
	char *cut = strstr(laughs, "a5:");
	assert_non_null(cut);
	assert_int_equal(mu_yaml_load(&y, "laughs.yaml", laughs, (size_t)(cut - laughs),
				      MIGCTL_ERR_PARSE, true, &err), MIGCTL_ERR_OK);
	mu_yaml_release(&y);
}

static void test_yaml_depth_and_size(void **state)
{
	char deep[256];
	struct migctl_error err;
	struct mu_yaml y;
	(void)state;

	/* 64 levels are fine, 65 are not (flow lists, one line). */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	assert_int_equal(mu_yaml_load(&y, "d.yaml", deep, 128, MIGCTL_ERR_PARSE, true, &err),
			 MIGCTL_ERR_OK);
	mu_yaml_release(&y);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	assert_int_equal(mu_yaml_load(&y, "d.yaml", deep, 130, MIGCTL_ERR_PARSE, true, &err),
			 MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "d.yaml:1: nested more than 64 levels");
	/* Depth through an alias counts where the alias is used. */
	static const char via_alias[] = "a: &a [[[[x]]]]\nb: [[*a]]\n";
	assert_int_equal(mu_yaml_load(&y, "v.yaml", via_alias, strlen(via_alias),
				      MIGCTL_ERR_PARSE, true, &err), MIGCTL_ERR_OK);
	mu_yaml_release(&y);
	/* Too big to be a config: refused before parsing. */
	assert_int_equal(mu_yaml_load(&y, "big.yaml", "x", MU_YAML_MAX_BYTES + 1, MIGCTL_ERR_PARSE,
				      true, &err), MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "big.yaml:1: the file is larger than");
}

/* --- YAML writer ----------------------------------------------------------- */

static void test_yaml_emit_indents_sequences(void **state)
{
	struct migctl_error err;
	struct mu_yemit w;
	char *out = NULL;
	(void)state;

	assert_int_equal(mu_yemit_begin(&w, "# head\n", &err), MIGCTL_ERR_OK);
	mu_yemit_map_start(&w, false);
	mu_yemit_scalar(&w, "version", MU_YPLAIN);
	mu_yemit_scalar(&w, "v1", MU_YPLAIN);
	mu_yemit_scalar(&w, "labels", MU_YPLAIN);
	mu_yemit_map_start(&w, false);
	mu_yemit_scalar(&w, "q\"x", MU_YQUOTED);
	mu_yemit_seq_start(&w, false);
	mu_yemit_map_start(&w, false);
	mu_yemit_scalar(&w, "devices", MU_YPLAIN);
	mu_yemit_seq_start(&w, true);
	mu_yemit_scalarf(&w, MU_YPLAIN, "%d", 0);
	mu_yemit_scalarf(&w, MU_YPLAIN, "%d", 1);
	mu_yemit_seq_end(&w);
	mu_yemit_scalar(&w, "args", MU_YPLAIN);
	mu_yemit_seq_start(&w, false);
	mu_yemit_scalar(&w, "a", MU_YPLAIN);
	mu_yemit_scalar(&w, "", MU_YQUOTED);
	mu_yemit_seq_end(&w);
	mu_yemit_scalar(&w, "empty", MU_YPLAIN);
	mu_yemit_map_start(&w, false);
	mu_yemit_map_end(&w);
	mu_yemit_scalar(&w, "flow", MU_YPLAIN);
	mu_yemit_map_start(&w, true);
	mu_yemit_scalar(&w, "1g.10gb", MU_YQUOTED);
	mu_yemit_scalar(&w, "2", MU_YPLAIN);
	mu_yemit_map_end(&w);
	mu_yemit_comment(&w, "after flow");
	mu_yemit_map_end(&w);
	mu_yemit_seq_end(&w);
	mu_yemit_scalar(&w, "next", MU_YPLAIN);
	mu_yemit_scalar(&w, "", MU_YPLAIN);
	mu_yemit_map_end(&w);
	mu_yemit_map_end(&w);
	assert_int_equal(mu_yemit_end(&w, &out, &err), MIGCTL_ERR_OK);
	assert_non_null(out);
	assert_string_equal(out,
		"# head\n"
		"version: v1\n"
		"labels:\n"
		"  \"q\\\"x\":\n"
		"    - devices: [0, 1]\n"
		"      args:\n"
		"        - a\n"
		"        - \"\"\n"
		"      empty: {}\n"
		"      flow: {\"1g.10gb\": 2}\n"
		"      # after flow\n"
		"  next:\n");
	free(out);

	/* What is written reads back. */
	assert_int_equal(mu_yemit_begin(&w, NULL, &err), MIGCTL_ERR_OK);
	mu_yemit_seq_start(&w, false);
	mu_yemit_scalar(&w, "line\nbreak: \"quoted\"", MU_YPLAIN);
	mu_yemit_scalar(&w, "- not an item", MU_YPLAIN);
	mu_yemit_seq_end(&w);
	assert_int_equal(mu_yemit_end(&w, &out, &err), MIGCTL_ERR_OK);
	struct mu_yaml y;
	assert_int_equal(mu_yaml_load(&y, "w", out, strlen(out), MIGCTL_ERR_PARSE, true, &err),
			 MIGCTL_ERR_OK);
	yaml_node_t *root = mu_yaml_root(&y);
	assert_int_equal(mu_yaml_seq_len(root), 2);
	assert_string_equal(mu_yaml_text(mu_yaml_seq_item(&y, root, 0)), "line\nbreak: \"quoted\"");
	assert_string_equal(mu_yaml_text(mu_yaml_seq_item(&y, root, 1)), "- not an item");
	mu_yaml_release(&y);
	free(out);
}

static void test_yaml_emit_refuses_bad_events(void **state)
{
	struct migctl_error err;
	struct mu_yemit w;
	char *out = (char *)1;
	(void)state;

	/* A mapping end with no mapping open: the emitter refuses it. */
	assert_int_equal(mu_yemit_begin(&w, NULL, &err), MIGCTL_ERR_OK);
	mu_yemit_scalar(&w, "x", MU_YPLAIN);
	mu_yemit_map_end(&w);
	assert_int_not_equal(mu_yemit_end(&w, &out, &err), MIGCTL_ERR_OK);
	assert_null(out);
	expect_substr(err.msg, "cannot write YAML");

	/* Text that is not UTF-8 (a label from the command line): a parse
	 * error naming the value, and the events after it are freed (the
	 * sanitizer's leak check fails this test if not). */
	assert_int_equal(mu_yemit_begin(&w, NULL, &err), MIGCTL_ERR_OK);
	mu_yemit_map_start(&w, false);
	mu_yemit_scalar(&w, "label", MU_YPLAIN);
	mu_yemit_scalar(&w, "ab\xd0", MU_YPLAIN);
	mu_yemit_scalar(&w, "after", MU_YPLAIN);
	mu_yemit_scalar(&w, "more", MU_YPLAIN);
	mu_yemit_map_end(&w);
	assert_int_equal(mu_yemit_end(&w, &out, &err), MIGCTL_ERR_PARSE);
	assert_null(out);
	expect_substr(err.msg, "value starting \"ab\" is not valid UTF-8");

	/* Overlong, surrogate and past-U+10FFFF forms are refused too;
	 * real multi-byte text is written as is. */
	static const char *const bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mu_yemit_begin(&w, NULL, &err), MIGCTL_ERR_OK);
		mu_yemit_scalar(&w, bad[i], MU_YPLAIN);
		assert_int_equal(mu_yemit_end(&w, &out, &err), MIGCTL_ERR_PARSE);
	}
	assert_int_equal(mu_yemit_begin(&w, NULL, &err), MIGCTL_ERR_OK);
	mu_yemit_scalar(&w, "caf\xc3\xa9 \xe2\x82\xac", MU_YPLAIN);
	assert_int_equal(mu_yemit_end(&w, &out, &err), MIGCTL_ERR_OK);
	assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_list_items),
		cmocka_unit_test(test_list_bad_items),
		cmocka_unit_test(test_trim_and_count),
		cmocka_unit_test(test_file_read),
		cmocka_unit_test(test_bus_id_forms),
		cmocka_unit_test(test_bus_id_rejects),
		cmocka_unit_test(test_yaml_lines_and_errors),
		cmocka_unit_test(test_yaml_keys),
		cmocka_unit_test(test_yaml_alias_bomb),
		cmocka_unit_test(test_yaml_depth_and_size),
		cmocka_unit_test(test_yaml_emit_indents_sequences),
		cmocka_unit_test(test_yaml_emit_refuses_bad_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
