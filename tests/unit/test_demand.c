/* migctl — demands for the planner (lib/demand.c): --demand lists and
 * demand files, their items, lines and errors.
 *
 * Expected messages are those `migctl plan` documents (plan --help and
 * tests/cli/plan_cases.sh); models come from the built-in catalog.
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

#include "migctl/catalog.h"
#include "migctl/demand.h"

static struct migctl_catalog cat;

static int setup(void **state)
{
	struct migctl_error err;
	(void)state;
	migctl_catalog_init(&cat);
	return migctl_catalog_load_builtin(&cat, &err) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

static void expect_substr(const char *msg, const char *sub)
{
	if (!strstr(msg, sub))
		fail_msg("message \"%s\" lacks \"%s\"", msg, sub);
}

static void test_list(void **state)
{
	struct migctl_demand d;
	struct migctl_error err;
	(void)state;

	migctl_demand_init(&d);
	assert_int_equal(migctl_demand_parse_list(&d, "1g.10gb=13, A30 / 1g.6gb = 2", &cat, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(migctl_demand_parse_list(&d, "3g.40gb=0", NULL, &err), MIGCTL_ERR_OK);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.items[0].profile, "1g.10gb");
	assert_int_equal(d.items[0].count, 13);
	assert_null(d.items[0].model);
	assert_string_equal(d.items[1].profile, "1g.6gb");
	assert_int_equal(d.items[1].count, 2);
	assert_non_null(d.items[1].model);
	assert_string_equal(d.items[1].model->name, "NVIDIA A30");
	assert_int_equal(d.items[2].count, 0);
	assert_int_equal(d.lines[1], 0);
	migctl_demand_release(&d);
	assert_int_equal(d.n, 0);
}

static void test_list_errors(void **state)
{
	static const struct { const char *list; enum migctl_err code; const char *msg; } cases[] = {
		{"3g.40gb", MIGCTL_ERR_USAGE, "--demand: bad item \"3g.40gb\"; write PROFILE=N"},
		{"1g.10gb=", MIGCTL_ERR_USAGE, "bad item \"1g.10gb=\""},
		{"=3", MIGCTL_ERR_USAGE, "bad item \"=3\""},
		{"/1g.10gb=1", MIGCTL_ERR_USAGE, "bad item"},
		{"1g.10gb=-1", MIGCTL_ERR_USAGE, "bad item"},
		{"1g.10gb=1,,1g.10gb=2", MIGCTL_ERR_USAGE, "--demand: empty or overlong item"},
		{"nosuch/1g.10gb=1", MIGCTL_ERR_UNKNOWN_MODEL, "unknown GPU model \"nosuch\""},
	};
	struct migctl_demand d;
	struct migctl_error err;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		migctl_demand_init(&d);
		assert_int_equal(migctl_demand_parse_list(&d, cases[i].list, &cat, &err), cases[i].code);
		expect_substr(err.msg, cases[i].msg);
		migctl_demand_release(&d);
	}
	/* A model needs a catalog to be looked up in. */
	migctl_demand_init(&d);
	assert_int_equal(migctl_demand_parse_list(&d, "A30/1g.6gb=1", NULL, &err),
			 MIGCTL_ERR_UNKNOWN_MODEL);
	/* The item limit. */
	for (int i = 0; i < MIGCTL_DEMAND_MAX; i++)
		assert_int_equal(migctl_demand_parse_list(&d, "1g.10gb=1", &cat, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_demand_parse_list(&d, "1g.10gb=1", &cat, &err), MIGCTL_ERR_USAGE);
	expect_substr(err.msg, "--demand: more than 256 demand items");
	assert_int_equal(d.n, MIGCTL_DEMAND_MAX);
	migctl_demand_release(&d);
}

static void test_file(void **state)
{
	static const char text[] =
		"# what the team needs\n"
		"demand:\n"
		"  1g.10gb: 3\n"
		"  A100-SXM4-80GB:\n"
		"    3g.40gb: 2\n"
		"    1c.3g.40gb: 1\n";
	struct migctl_demand d;
	struct migctl_error err;
	(void)state;

	migctl_demand_init(&d);
	assert_int_equal(migctl_demand_parse(&d, "d.yaml", text, strlen(text), &cat, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.items[0].profile, "1g.10gb");
	assert_int_equal(d.lines[0], 3);
	assert_null(d.items[0].model);
	assert_string_equal(d.items[1].profile, "3g.40gb");
	assert_int_equal(d.items[1].count, 2);
	assert_int_equal(d.lines[1], 5);
	assert_string_equal(d.items[1].model->name, "NVIDIA A100-SXM4-80GB");
	assert_int_equal(d.lines[2], 6);
	migctl_demand_release(&d);

	/* JSON is YAML too. */
	static const char json[] = "{\"demand\": {\"A30\": {\"1g.6gb\": 2}, \"1g.10gb\": 1}}";
	assert_int_equal(migctl_demand_parse(&d, "d.json", json, strlen(json), &cat, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.items[0].model->name, "NVIDIA A30");
	migctl_demand_release(&d);
}

static void test_file_errors(void **state)
{
	static const struct { const char *text; enum migctl_err code; const char *msg; } cases[] = {
		{"demand:\n  1g.10gb: 3\nfleet: 2\n", MIGCTL_ERR_PARSE, "f:3: unknown key \"fleet\""},
		{"demand:\n  1g.10gb: three\n", MIGCTL_ERR_PARSE, "f:2: the count of \"1g.10gb\" in the demand must be a whole number up to"},
		{"demand:\n  1g.10gb: [1]\n", MIGCTL_ERR_PARSE, "not a list"},
		{"demand:\n  nosuchgpu: {1g.6gb: 3}\n", MIGCTL_ERR_UNKNOWN_MODEL, "f:2: unknown GPU model \"nosuchgpu\""},
		{"demand:\n  A30: {1g.6gb: x}\n", MIGCTL_ERR_PARSE, "in the demand for NVIDIA A30 must be"},
		{"demand: [1, 2\n", MIGCTL_ERR_PARSE, "f:2: YAML syntax error"},
		{"", MIGCTL_ERR_PARSE, "f:1: the file must be a mapping with the key \"demand\""},
		{"- 1\n", MIGCTL_ERR_PARSE, "not a list"},
		{"x: 1\n", MIGCTL_ERR_PARSE, "f:1: unknown key \"x\""},
		{"{}\n", MIGCTL_ERR_PARSE, "f:1: the key \"demand\" is missing"},
		{"demand: {}\n", MIGCTL_ERR_PARSE, "not an empty one"},
		{"demand: 5\n", MIGCTL_ERR_PARSE, "not a single value"},
		{"demand: {1g.10gb: 1, 1g.10gb: 2}\n", MIGCTL_ERR_PARSE, "duplicate key \"1g.10gb\" in the demand"},
		{"demand: {\"\": 1}\n", MIGCTL_ERR_PARSE, "the demand: keys must be plain names"},
	};
	struct migctl_demand d;
	struct migctl_error err;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		migctl_demand_init(&d);
		enum migctl_err rc = migctl_demand_parse(&d, "f", cases[i].text, strlen(cases[i].text),
							 &cat, &err);
		if (rc != cases[i].code)
			fail_msg("case %zu: code %d, want %d (%s)", i, rc, cases[i].code, err.msg);
		expect_substr(err.msg, cases[i].msg);
		migctl_demand_release(&d);
	}
	migctl_demand_init(&d);
	assert_int_equal(migctl_demand_load_file(&d, "/nonexistent/d.yaml", &cat, &err),
			 MIGCTL_ERR_IO);
	expect_substr(err.msg, "cannot open demand file /nonexistent/d.yaml");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
