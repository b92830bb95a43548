/* migctl — the config model that migctl writes (lib/config_export.c):
 * grouping of GPUs with the same layout, and the exact YAML and JSON of
 * `export`, `plan -o config` and `config generate`.
 *
 * Expected documents are written out by hand in the published forms of
 * those commands (docs/config-format.md, the CLI goldens), not produced
 * by running the code.
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
#include "migctl/config.h"
#include "migctl/export.h"
#include "migctl/planner.h"

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

/* GPU `index` with the given counts and placements, added to `e`. */
static void add_gpu(struct migctl_export_entry *e, unsigned index, bool mig,
		    const char *p1, unsigned c1, const char *pin)
{
	struct migctl_export_count counts[1];
	char pins[1][MIGCTL_NAME_MAX + 16];
	struct migctl_export_spec s = {.devices = &index, .n_devices = 1, .mig_enabled = mig,
				       .has_mig_devices = mig, .counts = counts, .placements = pins};
	struct migctl_error err;

	if (p1) {
		snprintf(counts[0].profile, sizeof(counts[0].profile), "%s", p1);
		counts[0].count = c1;
		s.n_counts = 1;
	}
	if (pin) {
		snprintf(pins[0], sizeof(pins[0]), "%s", pin);
		s.n_placements = 1;
	}
	assert_int_equal(migctl_export_add(e, &s, &err), MIGCTL_ERR_OK);
}

static void test_grouping(void **state)
{
	struct migctl_export x;
	struct migctl_export_entry *e;
	struct migctl_error err;
	(void)state;

	migctl_export_init(&x);
	assert_int_equal(migctl_export_add_label(&x, "current", &e, &err), MIGCTL_ERR_OK);
	add_gpu(e, 0, true, "1g.10gb", 7, "1g.10gb@0");
	add_gpu(e, 1, false, NULL, 0, NULL);
	add_gpu(e, 2, true, "1g.10gb", 7, "1g.10gb@0");
	add_gpu(e, 3, true, "1g.10gb", 7, "1g.10gb@1"); /* another placement */
	add_gpu(e, 4, true, "1g.10gb", 6, "1g.10gb@0"); /* another count */
	add_gpu(e, 5, false, NULL, 0, NULL);
	assert_int_equal(e->n_specs, 4);
	assert_int_equal(e->specs[0].n_devices, 2);
	assert_int_equal(e->specs[0].devices[1], 2);
	assert_int_equal(e->specs[1].n_devices, 2);
	assert_int_equal(e->specs[1].devices[1], 5);
	assert_false(e->specs[1].has_mig_devices);
	assert_int_equal(e->specs[2].devices[0], 3);
	assert_int_equal(e->specs[3].devices[0], 4);

	/* Filters merge without repeats. */
	uint32_t f[2] = {0x20B010DE, 0x20B210DE};
	struct migctl_export_spec a = {.filters = f, .n_filters = 2, .all_devices = true};
	struct migctl_export_spec b = {.filters = f + 1, .n_filters = 1, .all_devices = true};
	assert_int_equal(migctl_export_add_label(&x, "all-disabled", &e, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_export_add(e, &a, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_export_add(e, &b, &err), MIGCTL_ERR_OK);
	assert_int_equal(e->n_specs, 1);
	assert_int_equal(e->specs[0].n_filters, 2);
	assert_true(e->specs[0].all_devices);
	assert_int_equal(x.n_entries, 2);
	migctl_export_release(&x);
	assert_int_equal(x.n_entries, 0);
}

/* The form of `migctl export` (labels and profiles quoted, block
 * mig-devices, placements as a flow list) and of `plan -o config` (flow
 * mig-devices, placements as comments unless asked for). */
static void test_yaml_styles(void **state)
{
	static const struct migctl_export_style export_style = {
		.quote_labels = true, .quote_profiles = true, .placements = true,
	};
	static const struct migctl_export_style plan_style = {
		.comment = "# a plan\n", .quote_profiles = true, .flow_mig_devices = true,
		.placement_comments = true,
	};
	struct migctl_export x;
	struct migctl_export_entry *e;
	struct migctl_error err;
	char *out;
	(void)state;

	migctl_export_init(&x);
	assert_int_equal(migctl_export_add_label(&x, "cur\"rent", &e, &err), MIGCTL_ERR_OK);
	add_gpu(e, 0, true, "3g.40gb", 1, "3g.40gb@4");
	add_gpu(e, 1, true, "3g.40gb", 1, "3g.40gb@4");
	add_gpu(e, 2, false, NULL, 0, NULL);
	add_gpu(e, 3, true, NULL, 0, NULL);
	assert_int_equal(migctl_export_yaml(&x, &export_style, &out, &err), MIGCTL_ERR_OK);
	assert_string_equal(out,
		"version: v1\n"
		"mig-configs:\n"
		"  \"cur\\\"rent\":\n"
		"    - devices: [0, 1]\n"
		"      mig-enabled: true\n"
		"      mig-devices:\n"
		"        \"3g.40gb\": 1\n"
		"      migctl-placements: [\"3g.40gb@4\"]\n"
		"    - devices: [2]\n"
		"      mig-enabled: false\n"
		"    - devices: [3]\n"
		"      mig-enabled: true\n"
		"      mig-devices: {}\n");
	free(out);
	assert_int_equal(migctl_export_yaml(&x, &plan_style, &out, &err), MIGCTL_ERR_OK);
	assert_string_equal(out,
		"# a plan\n"
		"version: v1\n"
		"mig-configs:\n"
		"  cur\"rent:\n"
		"    - devices: [0, 1]\n"
		"      mig-enabled: true\n"
		"      mig-devices: {\"3g.40gb\": 1}\n"
		"      # placements: 3g.40gb@4\n"
		"    - devices: [2]\n"
		"      mig-enabled: false\n"
		"    - devices: [3]\n"
		"      mig-enabled: true\n"
		"      mig-devices: {}\n");
	free(out);

	/* JSON: the same keys in the same order, placements when asked. */
	json_t *j = migctl_export_json(&x, true);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(text);
	assert_string_equal(text,
		"{\"version\":\"v1\",\"mig-configs\":{\"cur\\\"rent\":["
		"{\"devices\":[0,1],\"mig-enabled\":true,\"mig-devices\":{\"3g.40gb\":1},"
		"\"migctl-placements\":[\"3g.40gb@4\"]},"
		"{\"devices\":[2],\"mig-enabled\":false},"
		"{\"devices\":[3],\"mig-enabled\":true,\"mig-devices\":{}}]}}");
	free(text);
	json_decref(j);
	migctl_export_release(&x);
}

/* A label with no spec still appears (as `migctl export` on a node
 * without MIG has always printed it): null in YAML, [] in JSON. */
static void test_empty_label(void **state)
{
	static const struct migctl_export_style style = {.quote_labels = true};
	struct migctl_export x;
	struct migctl_export_entry *e;
	struct migctl_error err;
	char *out;
	(void)state;

	migctl_export_init(&x);
	assert_int_equal(migctl_export_add_label(&x, "current", &e, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_export_yaml(&x, &style, &out, &err), MIGCTL_ERR_OK);
	assert_string_equal(out, "version: v1\nmig-configs:\n  \"current\":\n");
	free(out);
	json_t *j = migctl_export_json(&x, false);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text, "{\"version\":\"v1\",\"mig-configs\":{\"current\":[]}}");
	free(text);
	json_decref(j);
	migctl_export_release(&x);
}

/* plan -o config: GPUs with the same instances at the same starts share
 * a spec; counts per GI profile in the model's order. */
static void test_from_plan(void **state)
{
	const struct migctl_gpu_model *m = migctl_catalog_find_model(&cat, "A100-SXM4-80GB", NULL);
	struct migctl_plan_instance inst[5];
	struct migctl_plan_gpu gpus[3];
	struct migctl_plan plan;
	struct migctl_export x;
	struct migctl_error err;
	unsigned index[3] = {4, 5, 6};
	long g1 = -1, g3 = -1;
	(void)state;

	assert_non_null(m);
	for (size_t i = 0; i < m->n_gi; i++) {
		if (strcmp(m->gi[i].name, "1g.10gb") == 0)
			g1 = (long)i;
		if (strcmp(m->gi[i].name, "3g.40gb") == 0)
			g3 = (long)i;
	}
	assert_true(g1 >= 0 && g3 >= 0);
	memset(inst, 0, sizeof(inst));
	memset(gpus, 0, sizeof(gpus));
	memset(&plan, 0, sizeof(plan));
	inst[0] = (struct migctl_plan_instance){.profile = (size_t)g3, .placement = {0, 4}};
	inst[1] = (struct migctl_plan_instance){.profile = (size_t)g1, .placement = {6, 1}};
	inst[2] = (struct migctl_plan_instance){.profile = (size_t)g3, .placement = {0, 4}};
	inst[3] = (struct migctl_plan_instance){.profile = (size_t)g1, .placement = {6, 1}};
	gpus[0] = (struct migctl_plan_gpu){.model = m, .instances = inst, .n_instances = 2, .used = true};
	gpus[1] = (struct migctl_plan_gpu){.model = m, .instances = inst + 2, .n_instances = 2, .used = true};
	gpus[2] = (struct migctl_plan_gpu){.model = m, .instances = inst + 4, .n_instances = 0};
	plan.gpus = gpus;
	plan.n_gpus = 3;
	migctl_export_init(&x);
	assert_int_equal(migctl_export_plan(&plan, index, "p", &x, &err), MIGCTL_ERR_OK);
	assert_int_equal(x.n_entries, 1);
	assert_int_equal(x.entries[0].n_specs, 2);
	const struct migctl_export_spec *s = &x.entries[0].specs[0];
	assert_int_equal(s->n_devices, 2);
	assert_int_equal(s->devices[0], 4);
	assert_int_equal(s->devices[1], 5);
	assert_int_equal(s->n_counts, 2);
	/* The model lists 1g.10gb before 3g.40gb. */
	assert_string_equal(s->counts[g1 < g3 ? 0 : 1].profile, "1g.10gb");
	assert_int_equal(s->n_placements, 2);
	assert_string_equal(s->placements[0], "3g.40gb@0");
	assert_string_equal(s->placements[1], "1g.10gb@6");
	assert_int_equal(x.entries[0].specs[1].devices[0], 6);
	assert_int_equal(x.entries[0].specs[1].n_counts, 0);
	assert_true(x.entries[0].specs[1].has_mig_devices);
	migctl_export_release(&x);
}

/* config generate: the YAML parses back and names the same labels as
 * the model. */
static void test_generate_round_trip(void **state)
{
	const struct migctl_gpu_model *a30 = migctl_catalog_find_model(&cat, "A30", NULL);
	struct migctl_generate_gpu g = {a30, (uint32_t)a30->pci_device_ids[0] << 16 | 0x10DE};
	struct migctl_export x;
	struct migctl_config cfg;
	struct migctl_error err;
	char *text;
	(void)state;

	migctl_export_init(&x);
	migctl_config_init(&cfg);
	assert_int_equal(migctl_config_generate_model(&g, 1, &x, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_config_generate(&g, 1, &text, &err), MIGCTL_ERR_OK);
	assert_int_equal(strncmp(text, "# Generated by migctl", 21), 0);
	assert_int_equal(migctl_config_parse(&cfg, "gen", text, strlen(text), &err), MIGCTL_ERR_OK);
	assert_int_equal(cfg.n_entries, x.n_entries);
	for (size_t i = 0; i < x.n_entries; i++)
		assert_string_equal(cfg.entries[i].label, x.entries[i].label);
	free(text);
	migctl_config_release(&cfg);
	migctl_export_release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_yaml_styles),
		cmocka_unit_test(test_empty_label),
		cmocka_unit_test(test_from_plan),
		cmocka_unit_test(test_generate_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
