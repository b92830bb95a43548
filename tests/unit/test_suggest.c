/* Unit tests for "did you mean" (lib/util/suggest.h) and its users in the
 * catalog: which names count as close, their order, the formatting, the
 * cap on suggestions, and the model/profile hints built on it (the
 * mistyped names of issue 11: a100-40gb, A100-80GB, 1g.5g), plus the
 * lookup rule that makes "H100" the H100 80GB HBM3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "migctl/catalog.h"
#include "util/suggest.h"

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(mu_edit_distance("status", "status", 3), 0);
	assert_int_equal(mu_edit_distance("stauts", "status", 3), 2);
	assert_int_equal(mu_edit_distance("STATUS", "status", 3), 0);
	assert_int_equal(mu_edit_distance("lst", "list", 3), 1);
	assert_int_equal(mu_edit_distance("", "abc", 3), 3);
	/* capped: anything beyond the cap is cap + 1 */
	assert_int_equal(mu_edit_distance("abcdefgh", "zzzzzzzz", 2), 3);
}

static void test_commands(void **state)
{
	static const char *const names[] = {"catalog", "layouts", "list", "status", "mode",
					    "profiles", "create", "destroy", "plan", "apply"};
	struct mu_suggest s;
	char buf[200];

	(void)state;
	mu_suggest_init(&s, "stauts");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		mu_suggest_add(&s, names[i]);
	assert_int_equal(mu_suggest_format(&s, '\'', buf, sizeof(buf)), 1);
	assert_string_equal(buf, "'status'");

	mu_suggest_init(&s, "frobnicate");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		mu_suggest_add(&s, names[i]);
	assert_int_equal(mu_suggest_format(&s, '\'', buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_order_and_format(void **state)
{
	struct mu_suggest s;
	char buf[200];

	(void)state;
	/* substring before edit distance; duplicates (any case) once */
	mu_suggest_init(&s, "1g.5g");
	mu_suggest_add(&s, "2g.5gb");      /* distance 2 > cap 1: not close */
	mu_suggest_add(&s, "1g.5gb");      /* contains the query */
	mu_suggest_add(&s, "1G.5GB");      /* the same name again */
	mu_suggest_add(&s, "1g.5gb+me");   /* contains the query */
	mu_suggest_add(&s, "7g.40gb");
	assert_int_equal(mu_suggest_format(&s, '"', buf, sizeof(buf)), 2);
	assert_string_equal(buf, "\"1g.5gb\" or \"1g.5gb+me\"");

	mu_suggest_init(&s, "lst");
	mu_suggest_add(&s, "last");
	mu_suggest_add(&s, "list");
	mu_suggest_add(&s, "lst-x");
	assert_int_equal(mu_suggest_format(&s, '\'', buf, sizeof(buf)), 3);
	assert_string_equal(buf, "'lst-x', 'last' or 'list'");
}

static void test_cap_and_keyed(void **state)
{
	char names[MU_SUGGEST_MAX + 4][16];
	struct mu_suggest s;
	char buf[400];

	(void)state;
	mu_suggest_init(&s, "gpu");
	for (size_t i = 0; i < MU_SUGGEST_MAX + 4; i++) {
		snprintf(names[i], sizeof(names[i]), "gpu-%zu", i);
		mu_suggest_add(&s, names[i]);
	}
	assert_int_equal(s.n, MU_SUGGEST_MAX);
	/* an exact key (ignoring case and separators) goes first */
	mu_suggest_add_keyed(&s, "G-P-U", "the gpu");
	assert_int_equal(s.n, MU_SUGGEST_MAX);
	assert_string_equal(s.found[0], "the gpu");
	/* tiny buffers are cut, never overrun */
	mu_suggest_format(&s, '\'', buf, 8);
	assert_int_equal(strlen(buf), 7);
}

static void test_catalog_hints(void **state)
{
	struct migctl_catalog cat;
	struct migctl_error err = {0};
	const struct migctl_gpu_model *m;
	char hint[200];

	(void)state;
	migctl_catalog_init(&cat);
	assert_int_equal(migctl_catalog_load_builtin(&cat, &err), MIGCTL_ERR_OK);

	assert_null(migctl_catalog_find_model(&cat, "a100-40gb", &err));
	assert_int_equal(err.code, MIGCTL_ERR_UNKNOWN_MODEL);
	assert_non_null(strstr(err.msg, "\"NVIDIA A100-SXM4-40GB\""));
	assert_non_null(strstr(err.msg, "\"NVIDIA A100-PCIE-40GB\""));
	assert_null(strstr(err.msg, "80GB"));

	assert_null(migctl_catalog_find_model(&cat, "A100-80GB", &err));
	assert_non_null(strstr(err.msg, "\"NVIDIA A100 80GB PCIe\""));
	assert_non_null(strstr(err.msg, "\"NVIDIA A100-SXM4-80GB\""));

	assert_null(migctl_catalog_find_model(&cat, "zzzz", &err));
	assert_non_null(strstr(err.msg, "run 'migctl catalog list'"));

	/* "H100" is the common H100 80GB HBM3; "NVIDIA H100" the 94GB board */
	m = migctl_catalog_find_model(&cat, "H100", &err);
	assert_non_null(m);
	assert_string_equal(m->name, "NVIDIA H100 80GB HBM3");
	m = migctl_catalog_find_model(&cat, "NVIDIA H100", &err);
	assert_non_null(m);
	assert_int_equal(m->pci_device_ids[0], 0x2339);

	m = migctl_catalog_find_model(&cat, "A100-SXM4-40GB", &err);
	assert_non_null(m);
	migctl_model_profile_hint(m, "1g.5g", hint, sizeof(hint));
	assert_string_equal(hint, "; did you mean \"1g.5gb\" or \"1g.5gb+me\"?");
	migctl_model_profile_hint(m, "MIG 1g.5g", hint, sizeof(hint));
	assert_string_equal(hint, "; did you mean \"1g.5gb\" or \"1g.5gb+me\"?");
	migctl_model_profile_hint(m, "xyz", hint, sizeof(hint));
	assert_string_equal(hint, "");
	assert_null(migctl_model_find_gi_profile(m, "1g.5g", &err));
	assert_non_null(strstr(err.msg, "did you mean \"1g.5gb\""));
	migctl_catalog_release(&cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_order_and_format),
		cmocka_unit_test(test_cap_and_keyed),
		cmocka_unit_test(test_catalog_hints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
