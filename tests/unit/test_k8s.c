/* migctl — Kubernetes' view of a layout (lib/k8s.c): the device plugin's
 * resource names and counts under mixed and single, GFD's labels, label
 * value rules, and a fleet plan cut into nodes with shared configs.
 *
 * GPUs are built by hand from catalog profiles, so each case states the
 * layout it checks; expected names and counts follow the plugin's rules
 * in reference/k8s-cdi.md §1.1 and §2.
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
#include "migctl/export.h"
#include "migctl/k8s.h"
#include "migctl/planner.h"

static struct migctl_catalog cat;

static int setup(void **state)
{
	struct migctl_error err;
	(void)state;
	migctl_catalog_init(&cat);
	return migctl_catalog_load_builtin(&cat, &err) == MIGCTL_ERR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

/* A GPU of catalog model `model` with MIG `on` and one whole-GI device per
 * profile name in `profiles` (NULL-ended). */
static struct migctl_gpu_state *gpu(const char *model, bool on, const char *const *profiles)
{
	struct migctl_error err;
	const struct migctl_gpu_model *m = migctl_catalog_find_model(&cat, model, &err);
	struct migctl_gpu_state *g = calloc(1, sizeof(*g));

	assert_non_null(m);
	assert_non_null(g);
	snprintf(g->name, sizeof(g->name), "%s", m->name);
	g->mig_capable = true;
	g->mig_current = on;
	for (size_t i = 0; profiles && profiles[i]; i++) {
		const struct migctl_gi_profile *p = migctl_model_find_gi_profile(m, profiles[i], &err);
		assert_non_null(p);
		struct migctl_gi_state *gi = &g->gis[g->n_gis];
		gi->id = (unsigned)g->n_gis + 1;
		gi->profile = p;
		gi->cis[0].id = 0;
		snprintf(gi->cis[0].profile_name, sizeof(gi->cis[0].profile_name), "%s", p->name);
		gi->cis[0].sm = p->sm;
		gi->cis[0].placement.size = p->compute_slices;
		gi->n_cis = 1;
		g->n_gis++;
	}
	return g;
}

static void free_gpus(struct migctl_gpu_state **g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(g[i]);
}

static void test_resource_name(void **state)
{
	char buf[64];
	(void)state;
	migctl_k8s_resource_name("1g.10gb+me", buf, sizeof(buf));
	assert_string_equal(buf, "mig-1g.10gb.me");
	migctl_k8s_resource_name("1g.12gb+me.all", buf, sizeof(buf));
	assert_string_equal(buf, "mig-1g.12gb.me.all");
	migctl_k8s_resource_name("3g.40gb", buf, sizeof(buf));
	assert_string_equal(buf, "mig-3g.40gb");
}

static void test_label_values(void **state)
{
	(void)state;
	assert_true(migctl_k8s_valid_label_value(""));
	assert_true(migctl_k8s_valid_label_value("NVIDIA-A100-SXM4-40GB-MIG-1g.5gb"));
	assert_false(migctl_k8s_valid_label_value("-a"));
	assert_false(migctl_k8s_valid_label_value("a b"));
	assert_false(migctl_k8s_valid_label_value("a."));
	char long_value[70];
	memset(long_value, 'a', 64);
	long_value[64] = '\0';
	assert_false(migctl_k8s_valid_label_value(long_value));
	long_value[63] = '\0';
	assert_true(migctl_k8s_valid_label_value(long_value));
}

static void test_strategy_parse(void **state)
{
	enum migctl_k8s_strategy s = MIGCTL_K8S_MIXED;
	struct migctl_error err = {0};
	(void)state;
	assert_int_equal(migctl_k8s_strategy_parse("single", &s, &err), MIGCTL_ERR_OK);
	assert_int_equal(s, MIGCTL_K8S_SINGLE);
	assert_int_equal(migctl_k8s_strategy_parse("none", &s, &err), MIGCTL_ERR_USAGE);
	assert_non_null(strstr(err.msg, "\"none\""));
}

/* An A100-80GB with 1g.10gb+me and 3g.40gb, and one GPU without MIG:
 * mixed turns '+' into '.' and counts the plain GPU; single refuses. */
static void test_mixed_and_single(void **state)
{
	static const char *const a[] = {"1g.10gb+me", "3g.40gb", "3g.40gb", NULL};
	struct migctl_gpu_state *g[2] = {gpu("A100-SXM4-80GB", true, a), gpu("A100-SXM4-80GB", false, NULL)};
	struct migctl_k8s_list l;
	struct migctl_error err = {0};
	(void)state;

	migctl_k8s_list_init(&l);
	assert_int_equal(migctl_k8s_resources(g, 2, MIGCTL_K8S_MIXED, &l, &err), MIGCTL_ERR_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].key, "nvidia.com/gpu");
	assert_string_equal(l.items[0].value, "1");
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/mig-1g.10gb.me"), "1");
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/mig-3g.40gb"), "2");

	assert_int_equal(migctl_k8s_resources(g, 2, MIGCTL_K8S_SINGLE, &l, &err), MIGCTL_ERR_NOT_SUPPORTED);
	assert_int_equal(l.n, 0);
	assert_non_null(strstr(err.msg, "with and without MIG"));

	assert_int_equal(migctl_k8s_labels(g, 2, MIGCTL_K8S_MIXED, &l, &err), MIGCTL_ERR_OK);
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/mig-1g.10gb.me.count"), "1");
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/mig-1g.10gb.me.product"),
			    "NVIDIA-A100-SXM4-80GB-MIG-1g.10gb.me");
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/mig-3g.40gb.slices.gi"), "3");
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/gpu.count"), "2");
	for (size_t i = 0; i < l.n; i++) {
		assert_true(migctl_k8s_valid_label_value(l.items[i].value));
		if (i)
			assert_true(strcmp(l.items[i - 1].key, l.items[i].key) < 0);
	}
	migctl_k8s_list_release(&l);
	free_gpus(g, 2);
}

/* Single on a uniform layout: every MIG device is a nvidia.com/gpu and
 * the gpu.* labels describe the profile. */
static void test_single_uniform(void **state)
{
	static const char *const a[] = {"3g.40gb", "3g.40gb", NULL};
	struct migctl_gpu_state *g[2] = {gpu("A100-SXM4-80GB", true, a), gpu("A100-SXM4-80GB", true, a)};
	struct migctl_k8s_list l;
	struct migctl_error err = {0};
	(void)state;

	migctl_k8s_list_init(&l);
	assert_int_equal(migctl_k8s_resources(g, 2, MIGCTL_K8S_SINGLE, &l, &err), MIGCTL_ERR_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/gpu"), "4");
	assert_int_equal(migctl_k8s_labels(g, 2, MIGCTL_K8S_SINGLE, &l, &err), MIGCTL_ERR_OK);
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/gpu.count"), "4");
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/gpu.product"), "NVIDIA-A100-SXM4-80GB-MIG-3g.40gb");
	assert_string_equal(migctl_k8s_get(&l, "nvidia.com/mig.strategy"), "single");
	assert_null(migctl_k8s_get(&l, "nvidia.com/mig-3g.40gb.count"));
	migctl_k8s_list_release(&l);
	free_gpus(g, 2);
}

/* Three nodes of two A100s; 2 x 3g.40gb per GPU on the first four GPUs:
 * the first two nodes share config 1, the third gets config 2; a node's
 * GPUs are numbered from 0, or by `index`. */
static void test_plan_nodes(void **state)
{
	struct migctl_error err = {0};
	const struct migctl_gpu_model *m = migctl_catalog_find_model(&cat, "A100-SXM4-80GB", &err);
	struct migctl_plan_fleet fleet[] = {{m, 6}};
	struct migctl_plan_demand demand[] = {{"3g.40gb", 8, NULL}};
	struct migctl_plan_request req = {.fleet = fleet, .n_fleet = 1, .demand = demand, .n_demand = 1};
	struct migctl_plan_node nodes[] = {{"a", 0, 2, 99}, {"b", 2, 2, 99}, {"c", 4, 2, 99}};
	unsigned index[6] = {10, 11, 12, 13, 14, 15};
	struct migctl_plan plan;
	struct migctl_export x;
	(void)state;

	migctl_plan_init(&plan);
	migctl_export_init(&x);
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_OK);
	assert_int_equal(plan.gpus_used, 4);
	assert_int_equal(migctl_plan_node_configs(&plan, NULL, nodes, 3, "p", &x, &err), MIGCTL_ERR_OK);
	assert_int_equal(x.n_entries, 2);
	assert_string_equal(x.entries[0].label, "p-1");
	assert_string_equal(x.entries[1].label, "p-2");
	assert_int_equal(nodes[0].config, 0);
	assert_int_equal(nodes[1].config, 0);
	assert_int_equal(nodes[2].config, 1);
	assert_int_equal(x.entries[0].n_specs, 1);
	assert_int_equal(x.entries[0].specs[0].n_devices, 2);
	assert_int_equal(x.entries[0].specs[0].devices[0], 0);
	assert_int_equal(x.entries[0].specs[0].devices[1], 1);
	assert_int_equal(x.entries[0].specs[0].counts[0].count, 2);
	assert_int_equal(x.entries[1].specs[0].n_counts, 0);

	assert_int_equal(migctl_plan_node_configs(&plan, index, nodes, 3, "p", &x, &err), MIGCTL_ERR_OK);
	/* Numbered by the index: no two nodes have the same devices now. */
	assert_int_equal(x.n_entries, 3);
	assert_int_equal(x.entries[1].specs[0].devices[0], 12);

	struct migctl_plan_node outside[] = {{"d", 5, 2, 0}};
	assert_int_equal(migctl_plan_node_configs(&plan, NULL, outside, 1, "p", &x, &err), MIGCTL_ERR_INTERNAL);
	assert_int_equal(x.n_entries, 0);
	migctl_export_release(&x);
	migctl_plan_release(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resource_name),
		cmocka_unit_test(test_label_values),
		cmocka_unit_test(test_strategy_parse),
		cmocka_unit_test(test_mixed_and_single),
		cmocka_unit_test(test_single_uniform),
		cmocka_unit_test(test_plan_nodes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
