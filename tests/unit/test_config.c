/* migctl — mig-parted v1 configs and hooks: parsing, selection, per-GPU
 * resolution, the bundled data files and config generation.
 *
 * Expected values come from ../shared/reference/mig-parted.md (messages of
 * §2.8, the format of §1.1, the default labels of §1.5/§1.6, hooks of §2.5)
 * and ../shared/reference/mig-profiles.md (profile IDs and placements), not
 * from running the code. GPUs are built from the built-in catalog.
 *
 * It is one file over 1,000 lines because it is the one test program of
 * one area of the library (lib/config_*.c and lib/hooks.c), whose cases transcribe
 * the reference's messages and data files.
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
#include "migctl/error.h"
#include "migctl/export.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct migctl_catalog cat;

static int setup(void **state)
{
	struct migctl_error err;
	(void)state;
	migctl_catalog_init(&cat);
	if (migctl_catalog_load_builtin(&cat, &err)) {
		fprintf(stderr, "catalog: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

static const struct migctl_gpu_model *model(const char *name)
{
	struct migctl_error err;
	const struct migctl_gpu_model *m = migctl_catalog_find_model(&cat, name, &err);
	if (!m)
		fail_msg("model %s: %s", name, err.msg);
	return m;
}

static uint32_t pci_of(const struct migctl_gpu_model *m)
{
	return (uint32_t)m->pci_device_ids[0] << 16 | 0x10DE;
}

static struct migctl_config_gpu gpu_of(const struct migctl_gpu_model *m, unsigned index)
{
	return (struct migctl_config_gpu){
		.index = index, .uuid = NULL, .bus_id = NULL, .pci_id = pci_of(m),
		.subsystem_id = 0, .mig_capable = true, .model = m,
	};
}

static void expect_substr(const char *msg, const char *sub)
{
	if (!strstr(msg, sub))
		fail_msg("message \"%s\" lacks \"%s\"", msg, sub);
}

static void parse_ok(struct migctl_config *cfg, const char *text)
{
	struct migctl_error err;
	enum migctl_err rc = migctl_config_parse(cfg, "t.yaml", text, strlen(text), &err);
	if (rc)
		fail_msg("parse failed: %s\n%s", err.msg, text);
}

/* The GI profile ID and CI profile name of a target item. */
static unsigned item_gi_id(const struct migctl_gpu_model *m, const struct migctl_target_item *it)
{
	return m->gi[it->gi].id;
}

static const char *item_ci_name(const struct migctl_gpu_model *m,
				const struct migctl_target_item *it)
{
	return m->gi[it->gi].ci[it->ci].name;
}

/* Count of (GI profile name, CI profile name) in a target; 0 if absent. */
static unsigned target_count(const struct migctl_gpu_model *m,
			     const struct migctl_gpu_target *t, const char *gi,
			     const char *ci)
{
	for (size_t i = 0; i < t->n_items; i++)
		if (strcmp(m->gi[t->items[i].gi].name, gi) == 0 &&
		    strcmp(item_ci_name(m, &t->items[i]), ci ? ci : gi) == 0)
			return t->items[i].count;
	return 0;
}

/* --- grammar ------------------------------------------------------------ */

static void test_profile_grammar(void **state)
{
	static const struct {
		const char *text;
		unsigned c, g, gb;
		const char *attrs;
	} good[] = {
		{"1g.10gb", 0, 1, 10, ""},
		{"7g.80gb", 0, 7, 80, ""},
		{"1c.3g.40gb", 1, 3, 40, ""},
		{"4c.7g.80gb", 4, 7, 80, ""},
		{"1g.10gb+me", 0, 1, 10, "+me"},
		{"1g.24gb+me.all", 0, 1, 24, "+me.all"},
		{"1g.24gb-me", 0, 1, 24, "-me"},
		{"1g.24gb+gfx", 0, 1, 24, "+gfx"},
		{"2g.48gb+gfx", 0, 2, 48, "+gfx"},
		{"1c.2g.12gb+me", 1, 2, 12, "+me"},
		{"3g.139gb", 0, 3, 139, ""},
		{"1g.24gb+gfx,me", 0, 1, 24, "+gfx,me"},
		{"1g.24gb+gfx-me", 0, 1, 24, "+gfx-me"},
	};
	static const char *const bad[] = {
		"", "1g", "1g.10", "1g.10g", "g.10gb", "0g.10gb", "01g.10gb", "1g.010gb",
		"1g.0gb", "3c.3g.40gb", "4c.3g.40gb", "0c.3g.40gb", "1c3g.40gb",
		"1g.10gb+", "1g.10gb+xx", "1g.10gb-gfx", "1g.10gb-me.all", "1g.10gb+me,me",
		"1g.10gbx", " 1g.10gb", "1g.10gb ", "MIG 1g.10gb", "1g.10gb+me,", "1g.10gb-",
		"-1g.10gb", "1g.10gb+mex", "9999999g.10gb",
	};
	struct migctl_profile_name pn;
	struct migctl_error err;
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		if (migctl_profile_name_parse(good[i].text, &pn, &err))
			fail_msg("%s rejected: %s", good[i].text, err.msg);
		assert_int_equal(pn.ci_slices, good[i].c);
		assert_int_equal(pn.gi_slices, good[i].g);
		assert_int_equal(pn.memory_gb, good[i].gb);
		assert_string_equal(pn.attrs, good[i].attrs);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (migctl_profile_name_parse(bad[i], &pn, &err) != MIGCTL_ERR_PARSE)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_true(strlen(err.msg) > 0);
	}
	assert_int_equal(migctl_profile_name_parse("3c.3g.40gb", &pn, &err), MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "fewer compute slices");
	assert_int_equal(migctl_profile_name_parse("1g.10gb+xx", &pn, &err), MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "me, me.all and gfx");
}

static void test_device_filter(void **state)
{
	struct migctl_device_filter f;
	struct migctl_error err;
	static const char *const bad[] = {
		"", "0x20B2", "20B210DE", "0x20B210DEX", "0x20B210DE:", "0x20B210DE:0x16C1",
		"0x20B210D", "0x20B210DE0", "0x20G210DE", "0x20B210DE:0x16C110DE:0x1",
		" 0x20B210DE", "0x20B210DE;0x16C110DE",
	};
	(void)state;

	assert_int_equal(migctl_device_filter_parse("0x20B210DE", &f, &err), MIGCTL_ERR_OK);
	assert_int_equal(f.pci_id, 0x20B210DE);
	assert_false(f.has_subsystem);
	assert_int_equal(migctl_device_filter_parse("0x20b010de", &f, &err), MIGCTL_ERR_OK);
	assert_int_equal(f.pci_id, 0x20B010DE);
	assert_int_equal(migctl_device_filter_parse("0X233010DE:0x16C110de", &f, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(f.pci_id, 0x233010DE);
	assert_true(f.has_subsystem);
	assert_int_equal(f.subsystem_id, 0x16C110DE);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (migctl_device_filter_parse(bad[i], &f, &err) != MIGCTL_ERR_PARSE)
			fail_msg("filter \"%s\" accepted", bad[i]);
		expect_substr(err.msg, "0xDDDDVVVV");
	}
}

/* --- parse errors ---------------------------------------------------------- */

#define HDR "version: v1\nmig-configs:\n  a:\n"

static const struct {
	const char *text;
	unsigned line;
	const char *msg;
} parse_errors[] = {
	{"", 1, "unable to parse with missing 'version' field"},
	{"mig-configs:\n  a:\n    - devices: all\n      mig-enabled: false\n", 1,
	 "unable to parse with missing 'version' field"},
	{"version: v2\nmig-configs:\n  a:\n    - devices: all\n      mig-enabled: false\n", 1,
	 "unknown version: v2"},
	{"version: 1\nmig-configs:\n  a:\n    - devices: all\n      mig-enabled: false\n", 1,
	 "unknown version: 1"},
	{"version: v1\nfoo: 1\nmig-configs:\n  a:\n    - devices: all\n      mig-enabled: false\n", 2,
	 "unexpected field: foo"},
	{HDR "    - devices: all\n      mig-enabled: false\n      foo: 1\n", 6,
	 "unexpected field: foo"},
	{HDR "    - mig-enabled: false\n", 4, "missing required field: devices"},
	{HDR "    - devices: all\n", 4, "missing required field: mig-enabled"},
	{HDR "    - devices: 7\n      mig-enabled: false\n", 4,
	 "invalid string input for 'devices': 7"},
	{HDR "    - devices: some\n      mig-enabled: false\n", 4,
	 "invalid string input for 'devices': some"},
	{HDR "    - devices: {a: 1}\n      mig-enabled: false\n", 4, "'devices' must be"},
	{HDR "    - devices: all\n      mig-enabled: true\n", 4,
	 "missing required field 'mig-devices' when 'mig-enabled' is true"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n", 4,
	 "missing required field 'mig-devices' when 'mig-enabled' is true"},
	{HDR "    - devices: all\n      mig-enabled: false\n      mig-devices: {\"1g.10gb\": 1}\n", 6,
	 "MIG devices included when 'mig-enabled' is false"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gbx: 1\n", 7,
	 "error validating values in 'mig-devices' field: invalid format for '1g.10gbx'"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        3c.3g.40gb: 1\n", 7,
	 "invalid format for '3c.3g.40gb'"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gb: 0\n        2g.20gb: 0\n", 7,
	 "all counts for all MigProfiles are 0"},
	{"version: v1\nmig-configs: {}\n", 2, "at least one entry in 'mig-configs' is required"},
	{"version: v1\nmig-configs:\n", 2, "at least one entry in 'mig-configs' is required"},
	{"version: v1\n", 1, "at least one entry in 'mig-configs' is required"},
	{"version: v1\nmig-configs:\n  a: []\n", 3, "at least one entry in 'a' is required"},
	{"version: v1\nmig-configs:\n  a:\n", 3, "at least one entry in 'a' is required"},
	{HDR "    - devices: all\n      mig-enabled: false\n  a:\n    - devices: all\n      mig-enabled: true\n      mig-devices: {}\n",
	 6, "duplicate label \"a\""},
	{HDR "    - devices: all\n      devices: [0]\n      mig-enabled: false\n", 5,
	 "duplicate key \"devices\""},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gb: -1\n", 7,
	 "counts must be 0 or more"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gb: two\n", 7,
	 "must be a whole number"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gb: \"2\"\n", 7,
	 "must be a whole number"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gb: 1.5\n", 7,
	 "must be a whole number"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gb: 5000\n", 7,
	 "no GPU holds more"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices:\n        1g.10gb: 1\n        1G.10GB: 1\n", 8,
	 "appears twice"},
	{HDR "    - devices: all\n      mig-enabled: yes\n", 5, "'mig-enabled' must be true or false"},
	{HDR "    - devices: all\n      mig-enabled: \"true\"\n", 5, "'mig-enabled' must be true or false"},
	{HDR "    - devices: all\n      mig-enabled: 1\n", 5, "'mig-enabled' must be true or false"},
	{HDR "    - devices: all\n      mig-enabled: [true]\n", 5, "'mig-enabled' must be true or false"},
	{HDR "    - devices: [0, 1, 0]\n      mig-enabled: false\n", 4, "listed twice"},
	{HDR "    - devices: [-1]\n      mig-enabled: false\n", 4, "negative"},
	{HDR "    - devices: [zero]\n      mig-enabled: false\n", 4, "invalid device \"zero\""},
	{HDR "    - devices: [\"0\"]\n      mig-enabled: false\n", 4, "invalid device \"0\""},
	{HDR "    - devices: [MIG-5b11fd6f-2ab0-2a1c-a2e0-8a0b2e0b3bc1]\n      mig-enabled: false\n", 4,
	 "MIG device UUID"},
	{HDR "    - devices: [\"0000:07:00.0\", \"07:00.0\"]\n      mig-enabled: false\n", 4, "listed twice"},
	{HDR "    - devices: [07:00.9]\n      mig-enabled: false\n", 4, "invalid device"},
	{HDR "    - devices: all\n      device-filter: \"0x20B2\"\n      mig-enabled: false\n", 5,
	 "invalid 'device-filter'"},
	{HDR "    - devices: all\n      device-filter: [\"0x20B210DE\", \"20B010DE\"]\n      mig-enabled: false\n", 5,
	 "invalid 'device-filter'"},
	{HDR "    - devices: all\n      device-filter: \"0x20B210DE:0x16C1\"\n      mig-enabled: false\n", 5,
	 "invalid 'device-filter'"},
	{HDR "    - devices: all\n      device-filter: []\n      mig-enabled: false\n", 5,
	 "empty list"},
	{HDR "    - devices: all\n      device-filter: {a: b}\n      mig-enabled: false\n", 5,
	 "not a mapping"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: [1g.10gb]\n", 6,
	 "'mig-devices' must be a mapping"},
	{HDR "    - devices: all\n", 4, "missing required field: mig-enabled"},
	{HDR "    - all\n", 4, "each config spec must be a mapping"},
	{HDR "    devices: all\n", 4, "'a' must be a list of config specs"},
	{"version: v1\nmig-configs: [a]\n", 2, "'mig-configs' must be a mapping"},
	{"- version: v1\n", 1, "must be a mapping"},
	{"version: v1\nmig-configs: [\n", 3, "YAML syntax error"},
	{"version: v1\nmigctl-unmatched: keep\nmig-configs:\n  a:\n    - devices: all\n      mig-enabled: false\n", 2,
	 "'migctl-unmatched' must be leave or disable"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.40gb\": 1}\n      migctl-placements: [\"2g.20gb@0\"]\n", 7,
	 "does not ask for"},
	{HDR "    - devices: all\n      mig-enabled: false\n      migctl-placements: [\"3g.40gb@0\"]\n", 6,
	 "needs 'mig-enabled: true'"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.40gb\": 1}\n      migctl-placements: [\"3g.40gb\"]\n", 7,
	 "PROFILE@START"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.40gb\": 1}\n      migctl-placements: [\"3g.40gb@x\"]\n", 7,
	 "placement unit number"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.40gb\": 1}\n      migctl-placements: [\"3g.40gb@04\"]\n", 7,
	 "placement unit number"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.40gb\": 2}\n      migctl-placements: [\"3g.40gb@0\", \"3g.40gb@0\"]\n", 7,
	 "listed twice"},
	{HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: {\"3g.40gb\": 1}\n      migctl-placements: \"3g.40gb@0\"\n", 7,
	 "must be a list"},
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(parse_errors); i++) {
		struct migctl_config cfg;
		struct migctl_error err;
		char prefix[32];

		migctl_config_init(&cfg);
		/* Start from a valid config: an error must leave `cfg` empty. */
		parse_ok(&cfg, HDR "    - devices: all\n      mig-enabled: false\n");
		assert_int_equal(cfg.n_entries, 1);
		enum migctl_err rc = migctl_config_parse(&cfg, "t.yaml", parse_errors[i].text,
							 strlen(parse_errors[i].text), &err);
		if (rc != MIGCTL_ERR_PARSE)
			fail_msg("case %zu accepted (rc %d):\n%s", i, rc, parse_errors[i].text);
		snprintf(prefix, sizeof(prefix), "t.yaml:%u: ", parse_errors[i].line);
		if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err.msg, prefix);
		expect_substr(err.msg, parse_errors[i].msg);
		assert_int_equal(cfg.n_entries, 0);
		assert_null(cfg.entries);
		migctl_config_release(&cfg);
	}
}

/* `config generate -o json`: the same model as the YAML, written by
 * jansson; keys in the YAML's order, counts as numbers, filters as text. */
static void test_generate_json(void **state)
{
	const struct migctl_gpu_model *a100 = migctl_catalog_find_model(&cat, "A100-SXM4-80GB", NULL);
	const struct migctl_gpu_model *a30 = migctl_catalog_find_model(&cat, "A30", NULL);
	struct migctl_export x;
	struct migctl_error err;
	(void)state;

	assert_non_null(a100);
	assert_non_null(a30);
	struct migctl_generate_gpu g[2] = {{a100, pci_of(a100)}, {a30, pci_of(a30)}};
	migctl_export_init(&x);
	assert_int_equal(migctl_config_generate_model(g, 2, &x, &err), MIGCTL_ERR_OK);
	assert_string_equal(x.entries[0].label, "all-disabled");
	assert_string_equal(x.entries[2].label, "all-balanced");
	/* The two models differ in all-balanced: one spec each, with its filter. */
	assert_int_equal(x.entries[2].n_specs, 2);
	assert_int_equal(x.entries[2].specs[0].n_filters, 1);
	assert_int_equal(x.entries[2].specs[0].filters[0], pci_of(a100));
	json_t *j = migctl_export_json(&x, false);
	assert_non_null(j);
	char *out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	assert_non_null(out);
	expect_substr(out, "{\n  \"version\": \"v1\",\n  \"mig-configs\": {\n    \"all-disabled\": [");
	expect_substr(out, "\"devices\": \"all\",\n        \"mig-enabled\": false\n");
	expect_substr(out, "\"mig-enabled\": true,\n        \"mig-devices\": {}\n");
	expect_substr(out, "\"device-filter\": [\n          \"0x");
	expect_substr(out, "\"1g.10gb\": 2,");
	assert_null(strstr(out, "migctl-placements"));
	free(out);
	migctl_export_release(&x);
	assert_int_equal(x.n_entries, 0);
}

static void test_parse_alias_budget(void **state)
{
	size_t cap = 64 * 1024, len = 0, ok_len;
	char *t = malloc(cap);
	struct migctl_config cfg;
	struct migctl_error err;
	(void)state;

	assert_non_null(t);
	len += (size_t)snprintf(t + len, cap - len, "version: v1\nmig-configs:\n  a:\n"
				"    - devices: &d [0");
	for (int i = 1; i < 256; i++)
		len += (size_t)snprintf(t + len, cap - len, ", %d", i);
	len += (size_t)snprintf(t + len, cap - len, "]\n      mig-enabled: false\n");
	for (int i = 0; i < 199; i++)
		len += (size_t)snprintf(t + len, cap - len,
					"    - {devices: *d, mig-enabled: false}\n");
	ok_len = len; /* 200 x 256 devices: within the limit */
	len += (size_t)snprintf(t + len, cap - len, "  b:\n");
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(t + len, cap - len,
					"    - {devices: *d, mig-enabled: false}\n");
	assert_true(len < cap - 1);
	migctl_config_init(&cfg);
	assert_int_equal(migctl_config_parse(&cfg, "t.yaml", t, ok_len, &err), MIGCTL_ERR_OK);
	assert_int_equal(cfg.entries[0].n_specs, 200);
	assert_int_equal(cfg.entries[0].specs[199].n_devices, 256);
	assert_int_equal(migctl_config_parse(&cfg, "t.yaml", t, len, &err), MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "more than 65536 items");
	assert_int_equal(cfg.n_entries, 0);
	migctl_config_release(&cfg);
	free(t);
}

/* Every error message ends with what to do about it. */
static void test_parse_error_hints(void **state)
{
	struct migctl_config cfg;
	struct migctl_error err;
	const char *t = HDR "    - devices: 7\n      mig-enabled: false\n";
	(void)state;

	migctl_config_init(&cfg);
	assert_int_equal(migctl_config_parse(&cfg, "t.yaml", t, strlen(t), &err), MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "[7]");
	t = "version: v2\n";
	assert_int_equal(migctl_config_parse(&cfg, "t.yaml", t, strlen(t), &err), MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "version: v1");
	t = HDR "    - devices: all\n      mig-enabled: true\n";
	assert_int_equal(migctl_config_parse(&cfg, "t.yaml", t, strlen(t), &err), MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "mig-devices: {}");
	migctl_config_release(&cfg);
}

/* --- valid forms ------------------------------------------------------------ */

static void test_parse_valid(void **state)
{
	static const char text[] =
		"# comment\n"                                          /* 1 */
		"version: v1\n"                                        /* 2 */
		"mig-configs:\n"                                       /* 3 */
		"  all-disabled:\n"                                    /* 4 */
		"    - devices: all\n"                                 /* 5 */
		"      mig-enabled: false\n"                           /* 6 */
		"  all-enabled:\n"                                     /* 7 */
		"    - devices: \"all\"\n"                             /* 8 */
		"      mig-enabled: true\n"                            /* 9 */
		"      mig-devices: {}\n"                              /* 10 */
		"  off:\n"                                             /* 11 */
		"    - devices: [0]\n"                                 /* 12 */
		"      mig-enabled: False\n"                           /* 13 */
		"      mig-devices: {}\n"                              /* 14 */
		"    - devices: []\n"                                  /* 15 */
		"      mig-enabled: FALSE\n"                           /* 16 */
		"      mig-devices:\n"                                 /* 17 */
		"  mixed:\n"                                           /* 18 */
		"    - device-filter: \"0x20B210DE\"\n"                /* 19 */
		"      devices: all\n"                                 /* 20 */
		"      mig-enabled: true\n"                            /* 21 */
		"      mig-devices:\n"                                 /* 22 */
		"        \"1g.10gb\": 2\n"                             /* 23 */
		"        1c.3g.40gb: 3\n"                              /* 24 */
		"        2g.20gb: 0\n"                                 /* 25 */
		"    - device-filter: [\"0x20b010de\", \"0x233010DE:0x16C110DE\"]\n" /* 26 */
		"      devices: [0, 1, 7]\n"                           /* 27 */
		"      mig-enabled: True\n"                            /* 28 */
		"      mig-devices: {\"1g.5gb+me\": 1, 1g.24gb-me: 4}\n"; /* 29 */
	struct migctl_config cfg;
	const struct migctl_config_spec *s;
	(void)state;

	migctl_config_init(&cfg);
	parse_ok(&cfg, text);
	assert_string_equal(cfg.origin, "t.yaml");
	assert_false(cfg.uses_extensions);
	assert_false(cfg.unmatched_set);
	assert_int_equal(cfg.unmatched, MIGCTL_UNMATCHED_LEAVE);
	assert_int_equal(cfg.n_entries, 4);
	assert_string_equal(cfg.entries[0].label, "all-disabled");
	assert_int_equal(cfg.entries[0].line, 4);
	s = &cfg.entries[0].specs[0];
	assert_true(s->all_devices);
	assert_false(s->mig_enabled);
	assert_int_equal(s->n_mig_devices, 0);
	assert_int_equal(s->n_filters, 0);
	assert_int_equal(s->line, 5);

	s = &cfg.entries[1].specs[0];
	assert_true(s->all_devices);
	assert_true(s->mig_enabled);
	assert_int_equal(s->n_mig_devices, 0);

	assert_int_equal(cfg.entries[2].n_specs, 2);
	s = &cfg.entries[2].specs[0];
	assert_false(s->all_devices);
	assert_int_equal(s->n_devices, 1);
	assert_int_equal(s->devices[0].kind, MIGCTL_DEVICE_INDEX);
	assert_int_equal(s->devices[0].index, 0);
	assert_false(s->mig_enabled);
	s = &cfg.entries[2].specs[1];
	assert_false(s->all_devices);
	assert_int_equal(s->n_devices, 0);
	assert_int_equal(s->line, 15);

	assert_string_equal(cfg.entries[3].label, "mixed");
	assert_int_equal(cfg.entries[3].n_specs, 2);
	s = &cfg.entries[3].specs[0];
	assert_int_equal(s->line, 19);
	assert_int_equal(s->n_filters, 1);
	assert_int_equal(s->filters[0].pci_id, 0x20B210DE);
	assert_false(s->filters[0].has_subsystem);
	assert_true(s->mig_enabled);
	assert_int_equal(s->n_mig_devices, 3);
	assert_string_equal(s->mig_devices[0].profile, "1g.10gb");
	assert_int_equal(s->mig_devices[0].count, 2);
	assert_int_equal(s->mig_devices[0].line, 23);
	assert_int_equal(s->mig_devices[0].parsed.gi_slices, 1);
	assert_string_equal(s->mig_devices[1].profile, "1c.3g.40gb");
	assert_int_equal(s->mig_devices[1].parsed.ci_slices, 1);
	assert_int_equal(s->mig_devices[1].parsed.gi_slices, 3);
	assert_int_equal(s->mig_devices[1].count, 3);
	assert_string_equal(s->mig_devices[2].profile, "2g.20gb");
	assert_int_equal(s->mig_devices[2].count, 0);
	s = &cfg.entries[3].specs[1];
	assert_int_equal(s->n_filters, 2);
	assert_int_equal(s->filters[0].pci_id, 0x20B010DE);
	assert_int_equal(s->filters[1].pci_id, 0x233010DE);
	assert_true(s->filters[1].has_subsystem);
	assert_int_equal(s->filters[1].subsystem_id, 0x16C110DE);
	assert_int_equal(s->n_devices, 3);
	assert_int_equal(s->devices[2].index, 7);
	assert_int_equal(s->n_mig_devices, 2);
	assert_string_equal(s->mig_devices[0].parsed.attrs, "+me");
	assert_string_equal(s->mig_devices[1].parsed.attrs, "-me");
	assert_int_equal(s->mig_devices[1].count, 4);
	migctl_config_release(&cfg);
	assert_int_equal(cfg.n_entries, 0);
}

static void test_parse_extensions(void **state)
{
	static const char text[] =
		"version: v1\n"
		"migctl-unmatched: disable\n"
		"mig-configs:\n"
		"  by-name:\n"
		"    - devices: [\"GPU-5b11fd6f-2ab0-2a1c-a2e0-8a0b2e0b3bc1\", \"00000000:07:00.0\", 0000:81:00.0, c1:00.0, 3]\n"
		"      mig-enabled: true\n"
		"      mig-devices: {\"3g.40gb\": 1, \"1c.7g.80gb\": 1, \"1g.10gb\": 1}\n"
		"      migctl-placements: [\"3g.40gb@4\", \"7g.80gb@0\", \"1g.10gb@0\"]\n";
	struct migctl_config cfg;
	const struct migctl_config_spec *s;
	(void)state;

	migctl_config_init(&cfg);
	parse_ok(&cfg, text);
	assert_true(cfg.uses_extensions);
	assert_true(cfg.unmatched_set);
	assert_int_equal(cfg.unmatched, MIGCTL_UNMATCHED_DISABLE);
	s = &cfg.entries[0].specs[0];
	assert_int_equal(s->n_devices, 5);
	assert_int_equal(s->devices[0].kind, MIGCTL_DEVICE_UUID);
	assert_string_equal(s->devices[0].text, "GPU-5b11fd6f-2ab0-2a1c-a2e0-8a0b2e0b3bc1");
	assert_int_equal(s->devices[1].kind, MIGCTL_DEVICE_BUS_ID);
	assert_string_equal(s->devices[1].text, "00000000:07:00.0");
	assert_int_equal(s->devices[2].kind, MIGCTL_DEVICE_BUS_ID);
	assert_int_equal(s->devices[3].kind, MIGCTL_DEVICE_BUS_ID);
	assert_string_equal(s->devices[3].text, "c1:00.0");
	assert_int_equal(s->devices[4].kind, MIGCTL_DEVICE_INDEX);
	assert_int_equal(s->devices[4].index, 3);
	assert_int_equal(s->n_pins, 3);
	assert_string_equal(s->pins[0].profile, "3g.40gb");
	assert_int_equal(s->pins[0].start, 4);
	assert_int_equal(s->pins[0].line, 8);
	assert_string_equal(s->pins[1].profile, "7g.80gb"); /* GI part of 1c.7g.80gb */
	assert_int_equal(s->pins[1].start, 0);
	migctl_config_release(&cfg);

	/* Each extension on its own sets the flag. */
	migctl_config_init(&cfg);
	parse_ok(&cfg, "version: v1\nmigctl-unmatched: leave\nmig-configs:\n  a:\n    - devices: all\n      mig-enabled: false\n");
	assert_true(cfg.uses_extensions);
	assert_true(cfg.unmatched_set);
	assert_int_equal(cfg.unmatched, MIGCTL_UNMATCHED_LEAVE);
	parse_ok(&cfg, HDR "    - devices: [\"07:00.0\"]\n      mig-enabled: false\n");
	assert_true(cfg.uses_extensions);
	assert_false(cfg.unmatched_set);
	parse_ok(&cfg, HDR "    - devices: [0]\n      mig-enabled: false\n");
	assert_false(cfg.uses_extensions);
	migctl_config_release(&cfg);
}

static void test_select(void **state)
{
	struct migctl_config cfg;
	struct migctl_error err;
	const struct migctl_config_entry *e;
	(void)state;

	migctl_config_init(&cfg);
	parse_ok(&cfg, HDR "    - devices: all\n      mig-enabled: false\n");
	e = migctl_config_select(&cfg, NULL, &err);
	assert_non_null(e);
	assert_string_equal(e->label, "a");
	parse_ok(&cfg, HDR "    - devices: all\n      mig-enabled: false\n"
		       "  b:\n    - devices: all\n      mig-enabled: true\n      mig-devices: {}\n");
	assert_null(migctl_config_select(&cfg, NULL, &err));
	assert_int_equal(err.code, MIGCTL_ERR_USAGE);
	expect_substr(err.msg, "missing required flag 'selected-config' when more than one config available");
	expect_substr(err.msg, "a, b");
	e = migctl_config_select(&cfg, "b", &err);
	assert_non_null(e);
	assert_string_equal(e->label, "b");
	assert_null(migctl_config_select(&cfg, "nope", &err));
	assert_int_equal(err.code, MIGCTL_ERR_NOT_FOUND);
	expect_substr(err.msg, "selected mig-config not present: nope");
	assert_null(migctl_config_select(&cfg, "B", &err)); /* labels are exact */
	migctl_config_release(&cfg);
}

/* --- resolution ------------------------------------------------------------ */

/* Parse, select the only (or named) label and resolve it. */
static enum migctl_err resolve_text(const char *text, const char *label,
				    enum migctl_unmatched policy,
				    const struct migctl_config_gpu *gpus, size_t n,
				    struct migctl_gpu_plan *out, struct migctl_error *err)
{
	struct migctl_config cfg;
	const struct migctl_config_entry *e;
	enum migctl_err rc;

	migctl_config_init(&cfg);
	parse_ok(&cfg, text);
	e = migctl_config_select(&cfg, label, err);
	assert_non_null(e);
	rc = migctl_config_resolve(e, policy, gpus, n, out, err);
	migctl_config_release(&cfg);
	return rc;
}

/* mig-parted issue #157: one name, a different GI profile per model. */
static void test_resolve_mixed_node(void **state)
{
	const struct migctl_gpu_model *m80 = model("NVIDIA A100-SXM4-80GB");
	const struct migctl_gpu_model *m40 = model("NVIDIA A100-PCIE-40GB");
	struct migctl_config_gpu gpus[2] = {gpu_of(m80, 0), gpu_of(m40, 1)};
	struct migctl_gpu_plan out[2];
	struct migctl_error err;
	(void)state;

	assert_int_equal(gpus[0].pci_id, 0x20B210DE);
	assert_int_equal(gpus[1].pci_id, 0x20B110DE);
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices:\n        1g.10gb: 2\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 2, out, &err),
			 MIGCTL_ERR_OK);
	for (int i = 0; i < 2; i++) {
		assert_true(out[i].matched);
		assert_true(out[i].managed);
		assert_int_equal(out[i].spec_line, 4);
		assert_true(out[i].target.mig_enabled);
		assert_int_equal(out[i].target.n_items, 1);
		assert_int_equal(out[i].target.items[0].count, 2);
		assert_int_equal(out[i].target.n_pins, 0);
	}
	/* mig-profiles.md: 1g.10gb is ID 19 (1_SLICE) on A100-80GB and ID 15
	 * (1_SLICE_REV2) on A100-40GB; each with its whole-GI CI. */
	assert_int_equal(item_gi_id(m80, &out[0].target.items[0]), 19);
	assert_int_equal(item_gi_id(m40, &out[1].target.items[0]), 15);
	assert_string_equal(item_ci_name(m80, &out[0].target.items[0]), "1g.10gb");
	assert_string_equal(item_ci_name(m40, &out[1].target.items[0]), "1g.10gb");

	/* 1g.20gb exists only on the 80GB model. */
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices:\n        1g.10gb: 1\n        1g.20gb: 1\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 2, out, &err),
			 MIGCTL_ERR_UNKNOWN_PROFILE);
	expect_substr(err.msg, "GPU 1");
	expect_substr(err.msg, "NVIDIA A100-PCIE-40GB");
	expect_substr(err.msg, "'1g.20gb'");
	expect_substr(err.msg, "line 8");
	expect_substr(err.msg, "spec at line 4");
	expect_substr(err.msg, "1g.5gb");
	expect_substr(err.msg, "2g.10gb");
	expect_substr(err.msg, "7g.40gb");
	assert_false(out[0].matched); /* nothing half-filled on error */

	/* Device filters keep each spec on its model (the §1.5 all-1g.10gb). */
	assert_int_equal(resolve_text(HDR "    - device-filter: [\"0x20B210DE\"]\n      devices: all\n"
				      "      mig-enabled: true\n      mig-devices: {1g.10gb: 7}\n"
				      "    - device-filter: \"0x20B110DE\"\n      devices: all\n"
				      "      mig-enabled: true\n      mig-devices: {1g.10gb: 4}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 2, out, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(out[0].spec_line, 4);
	assert_int_equal(out[1].spec_line, 8);
	assert_int_equal(out[0].target.items[0].count, 7);
	assert_int_equal(out[1].target.items[0].count, 4);
	assert_int_equal(item_gi_id(m80, &out[0].target.items[0]), 19);
	assert_int_equal(item_gi_id(m40, &out[1].target.items[0]), 15);

	/* A compute-instance profile: CIs inside GIs of 3g.40gb (ID 9). */
	assert_int_equal(resolve_text(HDR "    - device-filter: \"0x20B210DE\"\n      devices: all\n"
				      "      mig-enabled: true\n      mig-devices: {1c.3g.40gb: 3, 4g.40gb: 1}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 2, out, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(out[0].target.n_items, 2);
	assert_int_equal(item_gi_id(m80, &out[0].target.items[0]), 9);
	assert_string_equal(item_ci_name(m80, &out[0].target.items[0]), "1c.3g.40gb");
	assert_int_equal(out[0].target.items[0].count, 3);
	assert_int_equal(item_gi_id(m80, &out[0].target.items[1]), 5);
	assert_false(out[1].matched);
	assert_false(out[1].managed);
	/* ... which the 40GB model lacks. */
	assert_int_equal(resolve_text(HDR "    - devices: [1]\n      mig-enabled: true\n"
				      "      mig-devices: {1c.3g.40gb: 3}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 2, out, &err),
			 MIGCTL_ERR_UNKNOWN_PROFILE);
	expect_substr(err.msg, "1c.3g.40gb");
	expect_substr(err.msg, "GPU 1");
	/* A CI profile that its GI lacks: the message lists that GI's CI
	 * profiles (mig-profiles.md §4: a 4g GI has 1c, 2c and 4g CIs). */
	assert_int_equal(resolve_text(HDR "    - devices: [0]\n      mig-enabled: true\n"
				      "      mig-devices: {1c.2g.20gb: 1, 3c.4g.40gb: 1}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 2, out, &err),
			 MIGCTL_ERR_UNKNOWN_PROFILE);
	expect_substr(err.msg, "GPU 0");
	expect_substr(err.msg, "'3c.4g.40gb'");
	expect_substr(err.msg, "1c.4g.40gb, 2c.4g.40gb, 4g.40gb");
}

/* A config names GPUs by bus ID as the command line does: "7:0.0" is
 * the GPU that NVML reports as 00000000:07:00.0 (one grammar, lib/util). */
static void test_short_bus_ids(void **state)
{
	const struct migctl_gpu_model *m80 = model("NVIDIA A100-SXM4-80GB");
	struct migctl_config_gpu gpus[2] = {gpu_of(m80, 0), gpu_of(m80, 1)};
	struct migctl_gpu_plan out[2];
	struct migctl_config cfg;
	struct migctl_error err;
	(void)state;

	migctl_config_init(&cfg);
	parse_ok(&cfg, HDR "    - devices: [\"7:0.0\", \"0000:c1:0.0\"]\n      mig-enabled: false\n");
	assert_int_equal(cfg.entries[0].specs[0].n_devices, 2);
	assert_int_equal(cfg.entries[0].specs[0].devices[0].kind, MIGCTL_DEVICE_BUS_ID);
	assert_string_equal(cfg.entries[0].specs[0].devices[0].text, "7:0.0");
	migctl_config_release(&cfg);

	gpus[0].bus_id = "00000000:07:00.0";
	gpus[1].bus_id = "00000000:C1:00.0";
	assert_int_equal(resolve_text(HDR "    - devices: [\"7:0.0\"]\n      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 2, out, &err),
			 MIGCTL_ERR_OK);
	assert_true(out[0].matched);
	assert_false(out[1].matched);
	/* The same GPU twice, once short and once long. */
	static const char twice[] = HDR "    - devices: [\"7:0.0\", \"00000000:07:00.0\"]\n      mig-enabled: false\n";
	assert_int_equal(migctl_config_parse(&cfg, "t.yaml", twice, strlen(twice), &err),
			 MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "listed twice");
	/* Still not a bus ID: a device number past 0x1f, a function past 7. */
	static const char bad[] = HDR "    - devices: [\"7:20.0\"]\n      mig-enabled: false\n";
	assert_int_equal(migctl_config_parse(&cfg, "t.yaml", bad, strlen(bad), &err),
			 MIGCTL_ERR_PARSE);
	expect_substr(err.msg, "invalid device \"7:20.0\"");
	migctl_config_release(&cfg);
}

static void test_resolve_matching(void **state)
{
	const struct migctl_gpu_model *m80 = model("NVIDIA A100-SXM4-80GB");
	struct migctl_config_gpu gpus[3] = {gpu_of(m80, 0), gpu_of(m80, 1), gpu_of(m80, 2)};
	struct migctl_gpu_plan out[3];
	struct migctl_error err;
	(void)state;

	gpus[0].uuid = "GPU-5b11fd6f-2ab0-2a1c-a2e0-8a0b2e0b3bc1";
	gpus[0].bus_id = "00000000:07:00.0";
	gpus[1].uuid = "GPU-00000000-1111-2222-3333-444444444444";
	gpus[1].bus_id = "00000000:C1:00.0";
	gpus[1].subsystem_id = 0x147E10DE;
	gpus[2].uuid = "GPU-aaaaaaaa-1111-2222-3333-444444444444";
	gpus[2].bus_id = "00000001:81:00.0";

	/* The last matching spec decides. */
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices: {7g.80gb: 1}\n"
				      "    - devices: [1]\n      mig-enabled: true\n"
				      "      mig-devices: {1g.10gb: 7}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(out[0].spec_line, 4);
	assert_int_equal(item_gi_id(m80, &out[0].target.items[0]), 0);
	assert_int_equal(out[1].spec_line, 7);
	assert_int_equal(out[1].target.n_items, 1);
	assert_int_equal(item_gi_id(m80, &out[1].target.items[0]), 19);
	assert_int_equal(out[1].target.items[0].count, 7);
	assert_int_equal(out[2].spec_line, 4);

	/* UUID (any case) and bus IDs in every spelling. */
	assert_int_equal(resolve_text(HDR "    - devices: [\"GPU-5B11FD6F-2AB0-2A1C-A2E0-8A0B2E0B3BC1\", \"c1:00.0\"]\n"
				      "      mig-enabled: false\n"
				      "    - devices: [\"0001:81:00.0\"]\n      mig-enabled: true\n      mig-devices: {}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_true(out[0].matched);
	assert_false(out[0].target.mig_enabled);
	assert_true(out[1].matched);
	assert_false(out[1].target.mig_enabled);
	assert_true(out[2].matched);
	assert_true(out[2].target.mig_enabled);
	assert_int_equal(out[2].target.n_items, 0);
	/* "81:00.0" has domain 0, so it is not GPU 2 (domain 1). */
	assert_int_equal(resolve_text(HDR "    - devices: [\"81:00.0\"]\n      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_NOT_FOUND);
	expect_substr(err.msg, "81:00.0");
	assert_int_equal(resolve_text(HDR "    - devices: [\"GPU-deadbeef\"]\n      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_NOT_FOUND);
	expect_substr(err.msg, "GPU-deadbeef");

	/* An index beyond the node. */
	assert_int_equal(resolve_text(HDR "    - devices: [0, 5]\n      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_NOT_FOUND);
	expect_substr(err.msg, "device index 5");
	expect_substr(err.msg, "0 to 2");
	expect_substr(err.msg, "line 4");

	/* Subsystem filters must match both IDs. */
	assert_int_equal(resolve_text(HDR "    - device-filter: \"0x20B210DE:0x147E10DE\"\n      devices: all\n"
				      "      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_false(out[0].matched);
	assert_true(out[1].matched);
	assert_false(out[2].matched);
	assert_int_equal(resolve_text(HDR "    - device-filter: [\"0x20B010DE\", \"0x20B210DE:0x000010DE\"]\n      devices: all\n"
				      "      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	for (int i = 0; i < 3; i++)
		assert_false(out[i].matched);

	/* Unmatched GPUs: left alone, or disabled under `disable`. */
	const char *one = HDR "    - devices: [1]\n      mig-enabled: true\n      mig-devices: {3g.40gb: 2}\n";
	assert_int_equal(resolve_text(one, NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_false(out[0].managed);
	assert_false(out[0].matched);
	assert_int_equal(out[0].spec_line, 0);
	assert_true(out[1].managed);
	assert_int_equal(out[1].target.items[0].count, 2);
	assert_int_equal(resolve_text(one, NULL, MIGCTL_UNMATCHED_DISABLE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_false(out[0].matched);
	assert_true(out[0].managed);
	assert_false(out[0].target.mig_enabled);
	assert_int_equal(out[0].target.n_items, 0);
	assert_true(out[2].managed);
	assert_true(out[1].target.mig_enabled);

	/* Zero counts add nothing. */
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices: {1g.10gb: 0, 2g.20gb: 1, 1G.20GB: 2}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(out[0].target.n_items, 2);
	assert_int_equal(target_count(m80, &out[0].target, "2g.20gb", NULL), 1);
	assert_int_equal(target_count(m80, &out[0].target, "1g.20gb", NULL), 2);
	assert_int_equal(target_count(m80, &out[0].target, "1g.10gb", NULL), 0);
}

static void test_resolve_non_mig(void **state)
{
	const struct migctl_gpu_model *m80 = model("NVIDIA A100-SXM4-80GB");
	struct migctl_config_gpu gpus[3] = {gpu_of(m80, 0), gpu_of(m80, 1), gpu_of(m80, 2)};
	struct migctl_gpu_plan out[3];
	struct migctl_error err;
	(void)state;

	/* GPU 2: a display GPU without MIG (the DGX Station case of §1.2). */
	gpus[2].mig_capable = false;
	gpus[2].model = NULL;
	gpus[2].pci_id = 0x1FB010DE;

	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n      mig-devices: {1g.10gb: 1}\n",
				      NULL, MIGCTL_UNMATCHED_DISABLE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_true(out[0].matched);
	assert_false(out[2].matched);
	assert_false(out[2].managed);
	assert_int_equal(resolve_text(HDR "    - devices: [2]\n      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_DISABLE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_false(out[2].matched);
	assert_false(out[2].managed);
	assert_true(out[0].managed); /* unmatched, disable policy */
	assert_int_equal(resolve_text(HDR "    - devices: [0, 2]\n      mig-enabled: true\n      mig-devices: {}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_NOT_SUPPORTED);
	expect_substr(err.msg, "GPU 2");
	expect_substr(err.msg, "cannot set MIG mode on non MIG-capable GPU");
	expect_substr(err.msg, "line 4");

	/* MIG-capable, but no profile table. */
	gpus[1].model = NULL;
	assert_int_equal(resolve_text(HDR "    - devices: [1]\n      mig-enabled: true\n      mig-devices: {1g.10gb: 1}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_UNKNOWN_PROFILE);
	expect_substr(err.msg, "GPU 1");
	assert_int_equal(resolve_text(HDR "    - devices: [1]\n      mig-enabled: true\n      mig-devices: {}\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, gpus, 3, out, &err),
			 MIGCTL_ERR_OK);
	assert_true(out[1].target.mig_enabled);

	/* No GPUs at all: nothing to do, but named indices are missing. */
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, NULL, 0, NULL, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(resolve_text(HDR "    - devices: [0]\n      mig-enabled: false\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, NULL, 0, NULL, &err),
			 MIGCTL_ERR_NOT_FOUND);
}

static void test_resolve_pins(void **state)
{
	const struct migctl_gpu_model *m80 = model("NVIDIA A100-SXM4-80GB");
	struct migctl_config_gpu g = gpu_of(m80, 0);
	struct migctl_gpu_plan out;
	struct migctl_error err;
	(void)state;

	/* mig-profiles.md: 3g.40gb placements {0,4}:4, 1g.10gb {0..6}:1. */
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices: {3g.40gb: 1, 1g.10gb: 2}\n"
				      "      migctl-placements: [\"3g.40gb@4\", \"1g.10gb@1\"]\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, &g, 1, &out, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(out.target.n_pins, 2);
	assert_int_equal(m80->gi[out.target.pins[0].gi].id, 9);
	assert_int_equal(out.target.pins[0].placement.start, 4);
	assert_int_equal(out.target.pins[0].placement.size, 4);
	assert_int_equal(m80->gi[out.target.pins[1].gi].id, 19);
	assert_int_equal(out.target.pins[1].placement.start, 1);
	assert_int_equal(out.target.pins[1].placement.size, 1);

	/* A pin through a CI profile's GI. */
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices: {1c.3g.40gb: 3}\n"
				      "      migctl-placements: [\"3g.40gb@0\"]\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, &g, 1, &out, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(out.target.n_pins, 1);
	assert_int_equal(m80->gi[out.target.pins[0].gi].id, 9);
	assert_int_equal(out.target.pins[0].placement.start, 0);

	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices: {3g.40gb: 1}\n"
				      "      migctl-placements: [\"3g.40gb@2\"]\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, &g, 1, &out, &err),
			 MIGCTL_ERR_INVALID_PLACEMENT);
	expect_substr(err.msg, "{0,4}:4");
	expect_substr(err.msg, "line 7");
	assert_int_equal(resolve_text(HDR "    - devices: all\n      mig-enabled: true\n"
				      "      mig-devices: {3g.40gb: 0, 1g.10gb: 1}\n"
				      "      migctl-placements: [\"3g.40gb@0\"]\n",
				      NULL, MIGCTL_UNMATCHED_LEAVE, &g, 1, &out, &err),
			 MIGCTL_ERR_INVALID_PLACEMENT);
	expect_substr(err.msg, "asks for none");
}

/* --- hooks ----------------------------------------------------------------- */

static void test_hooks(void **state)
{
	static const char text[] =
		"version: v1\n"
		"hooks:\n"
		"  apply-start:\n"
		"    - command: /bin/bash\n"
		"      args: [\"-c\", \"echo hi\"]\n"
		"      envs: {A: \"1\", B: two}\n"
		"      workdir: /tmp\n"
		"    - command: /bin/true\n"
		"  apply-exit:\n"
		"    - command: /bin/false\n"
		"      args: []\n";
	static const struct {
		const char *text;
		unsigned line;
		const char *msg;
	} bad[] = {
		{"hooks: {}\n", 1, "unable to parse with missing 'version' field"},
		{"version: v2\nhooks: {}\n", 1, "unknown version: v2"},
		{"version: v1\nhook: {}\n", 2, "unexpected field: hook"},
		{"version: v1\nhooks:\n  post-apply:\n    - command: /bin/true\n", 3, "unknown hook \"post-apply\""},
		{"version: v1\nhooks:\n  apply-start:\n    - cmd: /bin/true\n", 4, "unexpected field: cmd"},
		{"version: v1\nhooks:\n  apply-start:\n    - args: [x]\n", 4, "missing required field: command"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: [a]\n", 4, "'command' must be a single value"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: \"\"\n", 4, "must not be empty"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: x\n      args: y\n", 5, "'args' must be a list"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: x\n      args: [[y]]\n", 5, "an item of 'args'"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: x\n      envs: [A]\n", 5, "'envs' must be a mapping"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: x\n      envs: {\"A=B\": c}\n", 5, "without '='"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: x\n      envs: {A: [1]}\n", 5, "environment variable value"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: x\n      workdir: [a]\n", 5, "'workdir'"},
		{"version: v1\nhooks:\n  apply-start:\n    - command: x\n  apply-start:\n    - command: y\n", 5, "duplicate key \"apply-start\""},
		{"version: v1\nhooks:\n  apply-start: /bin/true\n", 3, "must be a list of commands"},
		{"version: v1\nhooks: [a]\n", 2, "'hooks' must be a mapping"},
		{"version: v1\nhooks:\n  apply-start:\n    - /bin/true\n", 4, "each hook must be a mapping"},
	};
	struct migctl_hooks h;
	struct migctl_error err;
	(void)state;

	migctl_hooks_init(&h);
	if (migctl_hooks_parse(&h, "h.yaml", text, strlen(text), &err))
		fail_msg("%s", err.msg);
	assert_int_equal(h.n_commands[MIGCTL_HOOK_APPLY_START], 2);
	assert_int_equal(h.n_commands[MIGCTL_HOOK_PRE_APPLY_MODE], 0);
	assert_int_equal(h.n_commands[MIGCTL_HOOK_PRE_APPLY_CONFIG], 0);
	assert_int_equal(h.n_commands[MIGCTL_HOOK_APPLY_EXIT], 1);
	const struct migctl_hook_command *c = &h.commands[MIGCTL_HOOK_APPLY_START][0];
	assert_string_equal(c->command, "/bin/bash");
	assert_int_equal(c->n_args, 2);
	assert_string_equal(c->args[0], "-c");
	assert_string_equal(c->args[1], "echo hi");
	assert_int_equal(c->n_envs, 2);
	assert_string_equal(c->envs[0].name, "A");
	assert_string_equal(c->envs[0].value, "1");
	assert_string_equal(c->envs[1].name, "B");
	assert_string_equal(c->envs[1].value, "two");
	assert_string_equal(c->workdir, "/tmp");
	assert_int_equal(c->line, 4);
	c = &h.commands[MIGCTL_HOOK_APPLY_START][1];
	assert_string_equal(c->command, "/bin/true");
	assert_int_equal(c->n_args, 0);
	assert_null(c->workdir);
	assert_int_equal(c->line, 8);
	assert_string_equal(h.commands[MIGCTL_HOOK_APPLY_EXIT][0].command, "/bin/false");

	assert_string_equal(migctl_hook_point_name(MIGCTL_HOOK_APPLY_START), "apply-start");
	assert_string_equal(migctl_hook_point_name(MIGCTL_HOOK_PRE_APPLY_MODE), "pre-apply-mode");
	assert_string_equal(migctl_hook_point_name(MIGCTL_HOOK_PRE_APPLY_CONFIG), "pre-apply-config");
	assert_string_equal(migctl_hook_point_name(MIGCTL_HOOK_APPLY_EXIT), "apply-exit");

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char prefix[32];
		/* `h` still holds the valid hooks: an error must empty it. */
		if (migctl_hooks_parse(&h, "h.yaml", bad[i].text, strlen(bad[i].text), &err) !=
		    MIGCTL_ERR_PARSE)
			fail_msg("hooks case %zu accepted:\n%s", i, bad[i].text);
		snprintf(prefix, sizeof(prefix), "h.yaml:%u: ", bad[i].line);
		if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
			fail_msg("hooks case %zu: \"%s\" does not start with \"%s\"", i, err.msg, prefix);
		expect_substr(err.msg, bad[i].msg);
		for (int p = 0; p < MIGCTL_HOOK_POINTS; p++) {
			assert_int_equal(h.n_commands[p], 0);
			assert_null(h.commands[p]);
		}
		if (migctl_hooks_parse(&h, "h.yaml", text, strlen(text), &err))
			fail_msg("%s", err.msg);
	}
	/* A file with only a version has no hooks. */
	assert_int_equal(migctl_hooks_parse(&h, "h.yaml", "version: v1\n", 12, &err), MIGCTL_ERR_OK);
	assert_int_equal(h.n_commands[MIGCTL_HOOK_APPLY_START], 0);
	migctl_hooks_release(&h);
}

/* --- data files -------------------------------------------------------------- */

static void load_data(struct migctl_config *cfg, const char *name)
{
	char path[256];
	struct migctl_error err;

	snprintf(path, sizeof(path), "data/mig-parted/%s", name);
	migctl_config_init(cfg);
	if (migctl_config_load_file(cfg, path, &err))
		fail_msg("%s", err.msg);
	assert_false(cfg->uses_extensions);
}

/* Resolve one label on a single GPU of model m. */
static enum migctl_err resolve_one(const struct migctl_config_entry *e,
				   const struct migctl_gpu_model *m,
				   struct migctl_gpu_plan *out, struct migctl_error *err)
{
	struct migctl_config_gpu g = gpu_of(m, 0);
	return migctl_config_resolve(e, MIGCTL_UNMATCHED_LEAVE, &g, 1, out, err);
}

static bool spec_filter_has(const struct migctl_config_spec *s, uint32_t pci)
{
	for (size_t i = 0; i < s->n_filters; i++)
		if (s->filters[i].pci_id == pci)
			return true;
	return false;
}

static void test_data_default(void **state)
{
	/* §1.5 profiles for which the catalog has no model at all. */
	static const char *const no_model[] = {"all-3g.95gb", "all-4g.95gb", "all-7g.189gb"};
	/* §1.6 all-balanced, per model (catalog name, then the expected items). */
	static const struct {
		const char *model;
		const char *p1, *p2, *p3;
	} balanced[] = {
		{"NVIDIA GB200", "1g.23gb", "2g.47gb", "3g.93gb"},
		{"NVIDIA GB300", "1g.35gb", "2g.70gb", "3g.139gb"},
		{"NVIDIA RTX PRO 6000 Blackwell Server Edition", "1g.24gb", "2g.48gb", NULL},
		{"NVIDIA B200", "1g.23gb", "2g.45gb", "3g.90gb"},
		{"NVIDIA B300 SXM6 AC", "1g.34gb", "2g.67gb", "3g.135gb"},
		{"NVIDIA GH200 144G HBM3e", "1g.18gb", "2g.36gb", "3g.72gb"},
		{"NVIDIA H200", "1g.18gb", "2g.35gb", "3g.71gb"},
		{"NVIDIA H200 NVL", "1g.18gb", "2g.35gb", "3g.71gb"},
		{"NVIDIA H100 NVL", "1g.12gb", "2g.24gb", "3g.47gb"},
		{"NVIDIA H800 NVL", "1g.12gb", "2g.24gb", "3g.47gb"},
		{"NVIDIA H100 80GB HBM3", "1g.10gb", "2g.20gb", "3g.40gb"},
		{"NVIDIA A100-SXM4-80GB", "1g.10gb", "2g.20gb", "3g.40gb"},
		{"NVIDIA A100 80GB PCIe", "1g.10gb", "2g.20gb", "3g.40gb"},
		{"NVIDIA A100-SXM4-40GB", "1g.5gb", "2g.10gb", "3g.20gb"},
		{"NVIDIA A100-PCIE-40GB", "1g.5gb", "2g.10gb", "3g.20gb"},
		{"NVIDIA A30", "1g.6gb", "2g.12gb", NULL},
		{"NVIDIA H100 96GB", "1g.12gb", "2g.24gb", "3g.48gb"},
		{"NVIDIA GH200 480GB", "1g.12gb", "2g.24gb", "3g.48gb"},
		{"NVIDIA H20", "1g.12gb", "2g.24gb", "3g.48gb"},
	};
	struct migctl_config cfg;
	struct migctl_gpu_plan out;
	struct migctl_error err;
	const struct migctl_config_entry *e;
	(void)state;

	load_data(&cfg, "config-default.yaml");
	assert_int_equal(cfg.n_entries, 81); /* §1.5 */
	assert_string_equal(cfg.entries[0].label, "all-disabled");
	assert_string_equal(cfg.entries[1].label, "all-enabled");
	e = migctl_config_select(&cfg, "all-balanced", &err);
	assert_non_null(e);
	assert_int_equal(e->n_specs, 12); /* §1.6 has 12 groups */
	e = migctl_config_select(&cfg, "all-1g.10gb", &err);
	assert_non_null(e);
	assert_int_equal(e->n_specs, 2);
	assert_int_equal(e->specs[0].n_filters, 8);
	assert_int_equal(e->specs[1].n_filters, 4);
	assert_true(spec_filter_has(&e->specs[0], 0x20B210DE));
	assert_true(spec_filter_has(&e->specs[1], 0x20B010DE));

	for (size_t i = 0; i < ARRAY_LEN(balanced); i++) {
		const struct migctl_gpu_model *m = model(balanced[i].model);
		e = migctl_config_select(&cfg, "all-balanced", &err);
		if (resolve_one(e, m, &out, &err))
			fail_msg("all-balanced on %s: %s", m->name, err.msg);
		if (!out.matched)
			fail_msg("all-balanced does not match %s", m->name);
		assert_int_equal(out.target.n_items, balanced[i].p3 ? 3 : 2);
		assert_int_equal(target_count(m, &out.target, balanced[i].p1, NULL), 2);
		assert_int_equal(target_count(m, &out.target, balanced[i].p2, NULL), 1);
		if (balanced[i].p3)
			assert_int_equal(target_count(m, &out.target, balanced[i].p3, NULL), 1);
	}
	/* A PCI ID that mig-parted's groups do not list stays unmatched. */
	e = migctl_config_select(&cfg, "all-balanced", &err);
	assert_int_equal(resolve_one(e, model("NVIDIA RTX PRO 6000 Blackwell Workstation Edition"),
				     &out, &err), MIGCTL_ERR_OK);
	assert_false(out.matched);

	/* all-1g.10gb: 7 on the 80GB group, 4 on the 40GB group (§1.5). */
	e = migctl_config_select(&cfg, "all-1g.10gb", &err);
	assert_int_equal(resolve_one(e, model("NVIDIA H100 80GB HBM3"), &out, &err), MIGCTL_ERR_OK);
	assert_int_equal(out.target.items[0].count, 7);
	assert_int_equal(resolve_one(e, model("NVIDIA A100-SXM4-40GB"), &out, &err), MIGCTL_ERR_OK);
	assert_int_equal(out.target.items[0].count, 4);
	e = migctl_config_select(&cfg, "all-1g.35gb", &err);
	assert_int_equal(resolve_one(e, model("NVIDIA H200"), &out, &err), MIGCTL_ERR_OK);
	assert_int_equal(out.target.items[0].count, 4);
	assert_int_equal(resolve_one(e, model("NVIDIA GB300"), &out, &err), MIGCTL_ERR_OK);
	assert_int_equal(out.target.items[0].count, 7);

	/* Every label: each model a filter names resolves it; every label but
	 * those of no_model resolves on some catalog model; unfiltered specs
	 * fail only with "unknown profile" on models that lack the profile. */
	for (size_t l = 0; l < cfg.n_entries; l++) {
		size_t ok = 0;
		bool expect_none = false;
		e = &cfg.entries[l];
		for (size_t k = 0; k < ARRAY_LEN(no_model); k++)
			expect_none |= strcmp(no_model[k], e->label) == 0;
		for (size_t i = 0; i < cat.n_models; i++) {
			const struct migctl_gpu_model *m = &cat.models[i];
			bool named = false;
			for (size_t s = 0; s < e->n_specs; s++)
				named |= spec_filter_has(&e->specs[s], pci_of(m));
			enum migctl_err rc = resolve_one(e, m, &out, &err);
			if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_UNKNOWN_PROFILE)
				fail_msg("%s on %s: %s", e->label, m->name, err.msg);
			if (named && (rc || !out.matched))
				fail_msg("%s on %s (named by a filter): %s", e->label, m->name,
					 rc ? err.msg : "unmatched");
			ok += rc == MIGCTL_ERR_OK && out.matched;
		}
		if (expect_none && ok)
			fail_msg("%s resolves on a catalog model; update no_model", e->label);
		if (!expect_none && !ok)
			fail_msg("%s resolves on no catalog model", e->label);
	}
	migctl_config_release(&cfg);
}

static void test_data_examples(void **state)
{
	const struct migctl_gpu_model *m = model("NVIDIA A100-SXM4-40GB");
	struct migctl_config_gpu gpus[8];
	struct migctl_gpu_plan out[8];
	struct migctl_config cfg;
	struct migctl_error err;
	const struct migctl_config_entry *e;
	(void)state;

	for (unsigned i = 0; i < 8; i++)
		gpus[i] = gpu_of(m, i);
	load_data(&cfg, "examples-config.yaml");
	assert_int_equal(cfg.n_entries, 9);
	for (size_t l = 0; l < cfg.n_entries; l++) {
		if (migctl_config_resolve(&cfg.entries[l], MIGCTL_UNMATCHED_LEAVE, gpus, 8, out, &err))
			fail_msg("%s: %s", cfg.entries[l].label, err.msg);
		for (int i = 0; i < 8; i++)
			assert_true(out[i].matched);
	}
	e = migctl_config_select(&cfg, "custom-config", &err);
	assert_non_null(e);
	assert_int_equal(migctl_config_resolve(e, MIGCTL_UNMATCHED_LEAVE, gpus, 8, out, &err),
			 MIGCTL_ERR_OK);
	for (int i = 0; i < 4; i++)
		assert_false(out[i].target.mig_enabled);
	assert_int_equal(target_count(m, &out[4].target, "1g.5gb", NULL), 7);
	assert_int_equal(item_gi_id(m, &out[4].target.items[0]), 19);
	assert_int_equal(target_count(m, &out[5].target, "2g.10gb", NULL), 3);
	assert_int_equal(item_gi_id(m, &out[5].target.items[0]), 14);
	assert_int_equal(target_count(m, &out[6].target, "3g.20gb", NULL), 2);
	assert_int_equal(item_gi_id(m, &out[6].target.items[0]), 9);
	assert_int_equal(out[7].target.n_items, 3);
	assert_int_equal(target_count(m, &out[7].target, "1g.5gb", NULL), 2);
	/* all-1g.10gb on a 40GB A100 is the 1_SLICE_REV2 profile, ID 15. */
	e = migctl_config_select(&cfg, "all-1g.10gb", &err);
	assert_int_equal(migctl_config_resolve(e, MIGCTL_UNMATCHED_LEAVE, gpus, 8, out, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(item_gi_id(m, &out[3].target.items[0]), 15);
	assert_int_equal(out[3].target.items[0].count, 4);
	/* On a 4-GPU node, custom-config names GPUs that are not there. */
	e = migctl_config_select(&cfg, "custom-config", &err);
	assert_int_equal(migctl_config_resolve(e, MIGCTL_UNMATCHED_LEAVE, gpus, 4, out, &err),
			 MIGCTL_ERR_NOT_FOUND);
	expect_substr(err.msg, "0 to 3");
	migctl_config_release(&cfg);

	struct migctl_hooks h;
	migctl_hooks_init(&h);
	if (migctl_hooks_load_file(&h, "data/mig-parted/hooks-example.yaml", &err))
		fail_msg("%s", err.msg);
	for (int p = 0; p < MIGCTL_HOOK_POINTS; p++) {
		assert_true(h.n_commands[p] >= 1);
		assert_true(h.commands[p][0].command[0] == '/'); /* no PATH in hooks */
	}
	migctl_hooks_release(&h);

	assert_int_equal(migctl_config_load_file(&cfg, "data/mig-parted/no-such.yaml", &err),
			 MIGCTL_ERR_IO);
	assert_int_equal(migctl_hooks_load_file(&h, "data/mig-parted/no-such.yaml", &err),
			 MIGCTL_ERR_IO);
}

/* --- generate ------------------------------------------------------------------ */

static void parse_generated(struct migctl_config *cfg, const struct migctl_generate_gpu *g,
			    size_t n, char **text)
{
	struct migctl_error err;
	if (migctl_config_generate(g, n, text, &err))
		fail_msg("generate: %s", err.msg);
	migctl_config_init(cfg);
	if (migctl_config_parse(cfg, "gen", *text, strlen(*text), &err))
		fail_msg("generated text does not parse: %s\n%s", err.msg, *text);
	assert_false(cfg->uses_extensions);
}

static void test_generate_each_model(void **state)
{
	(void)state;
	for (size_t i = 0; i < cat.n_models; i++) {
		const struct migctl_gpu_model *m = &cat.models[i];
		struct migctl_generate_gpu g[2] = {{m, pci_of(m)}, {m, pci_of(m)}};
		struct migctl_config cfg;
		struct migctl_gpu_plan out;
		struct migctl_error err;
		char *text;
		bool balanced = m->compute_slices == 7 || m->compute_slices == 4;

		parse_generated(&cfg, g, 2, &text); /* a repeated model is merged */
		assert_null(strstr(text, "device-filter"));
		assert_int_equal(cfg.n_entries, 2 + (balanced ? 1 : 0) + m->n_gi);
		assert_string_equal(cfg.entries[0].label, "all-disabled");
		assert_string_equal(cfg.entries[1].label, "all-enabled");
		if (balanced)
			assert_string_equal(cfg.entries[2].label, "all-balanced");
		for (size_t l = balanced ? 3 : 2; l + 1 < cfg.n_entries; l++)
			if (strcmp(cfg.entries[l].label, cfg.entries[l + 1].label) >= 0)
				fail_msg("%s: labels out of order: %s, %s", m->name,
					 cfg.entries[l].label, cfg.entries[l + 1].label);
		for (size_t l = 0; l < cfg.n_entries; l++) {
			const struct migctl_config_entry *e = &cfg.entries[l];
			if (resolve_one(e, m, &out, &err))
				fail_msg("%s: %s: %s", m->name, e->label, err.msg);
			assert_true(out.matched);
			assert_int_equal(e->n_specs, 1);
		}
		/* all-<profile>: that GI profile, as many as fit ('+' -> '.'). */
		for (size_t p = 0; p < m->n_gi; p++) {
			char label[96];
			snprintf(label, sizeof(label), "all-%s", m->gi[p].name);
			for (char *c = label; *c; c++)
				if (*c == '+')
					*c = '.';
			const struct migctl_config_entry *e = migctl_config_select(&cfg, label, &err);
			if (!e)
				fail_msg("%s: %s", m->name, err.msg);
			assert_int_equal(resolve_one(e, m, &out, &err), MIGCTL_ERR_OK);
			assert_int_equal(out.target.n_items, 1);
			assert_int_equal(out.target.items[0].gi, p);
			assert_int_equal(out.target.items[0].count, m->gi[p].max);
		}
		migctl_config_release(&cfg);
		free(text);
	}
}

static void test_generate_balanced_reference(void **state)
{
	/* §1.6 values and the builder's rule (base profile with the highest
	 * max per size; on RTX PRO 6000 +gfx and -me tie with the base). */
	static const struct {
		const char *model;
		const char *p1, *p2, *p3;
	} want[] = {
		{"NVIDIA A100-SXM4-80GB", "1g.10gb", "2g.20gb", "3g.40gb"},
		{"NVIDIA A100-SXM4-40GB", "1g.5gb", "2g.10gb", "3g.20gb"},
		{"NVIDIA A30", "1g.6gb", "2g.12gb", NULL},
		{"NVIDIA RTX PRO 6000 Blackwell Server Edition", "1g.24gb", "2g.48gb", NULL},
		{"NVIDIA H200", "1g.18gb", "2g.35gb", "3g.71gb"},
		{"NVIDIA B200", "1g.23gb", "2g.45gb", "3g.90gb"},
		{"NVIDIA GB200", "1g.23gb", "2g.47gb", "3g.93gb"},
		{"NVIDIA H100 NVL", "1g.12gb", "2g.24gb", "3g.47gb"},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		const struct migctl_gpu_model *m = model(want[i].model);
		struct migctl_generate_gpu g = {m, pci_of(m)};
		struct migctl_config cfg;
		struct migctl_gpu_plan out;
		struct migctl_error err;
		char *text;

		parse_generated(&cfg, &g, 1, &text);
		const struct migctl_config_entry *e = migctl_config_select(&cfg, "all-balanced", &err);
		assert_non_null(e);
		assert_int_equal(resolve_one(e, m, &out, &err), MIGCTL_ERR_OK);
		assert_int_equal(out.target.n_items, want[i].p3 ? 3 : 2);
		assert_int_equal(target_count(m, &out.target, want[i].p1, NULL), 2);
		assert_int_equal(target_count(m, &out.target, want[i].p2, NULL), 1);
		if (want[i].p3)
			assert_int_equal(target_count(m, &out.target, want[i].p3, NULL), 1);
		migctl_config_release(&cfg);
		free(text);
	}
}

static void test_generate_all_models(void **state)
{
	struct migctl_generate_gpu *g = calloc(cat.n_models * MIGCTL_MAX_PCI_IDS, sizeof(*g));
	struct migctl_config_gpu *gpus = calloc(cat.n_models * MIGCTL_MAX_PCI_IDS, sizeof(*gpus));
	struct migctl_gpu_plan *out = calloc(cat.n_models * MIGCTL_MAX_PCI_IDS, sizeof(*out));
	size_t n = 0;
	struct migctl_config cfg;
	struct migctl_error err;
	char *text;
	(void)state;

	assert_non_null(g);
	assert_non_null(gpus);
	assert_non_null(out);
	for (size_t i = 0; i < cat.n_models; i++)
		for (size_t j = 0; j < cat.models[i].n_pci_device_ids; j++) {
			const struct migctl_gpu_model *m = &cat.models[i];
			g[n] = (struct migctl_generate_gpu){m, (uint32_t)m->pci_device_ids[j] << 16 | 0x10DE};
			gpus[n] = gpu_of(m, (unsigned)n);
			gpus[n].pci_id = g[n].pci_id;
			n++;
		}
	parse_generated(&cfg, g, n, &text);
	assert_non_null(strstr(text, "device-filter"));
	/* The A100-80GB and H100-80GB share every profile and so one spec. */
	assert_non_null(strstr(text, "\"0x20B210DE\""));
	for (size_t l = 0; l < cfg.n_entries; l++) {
		const struct migctl_config_entry *e = &cfg.entries[l];
		if (migctl_config_resolve(e, MIGCTL_UNMATCHED_LEAVE, gpus, n, out, &err))
			fail_msg("%s: %s", e->label, err.msg);
		for (size_t i = 0; i < n; i++) {
			/* A GPU is matched exactly when its model has the label's profile. */
			bool has = strncmp(e->label, "all-", 4) != 0 ||
				   strcmp(e->label, "all-disabled") == 0 ||
				   strcmp(e->label, "all-enabled") == 0 ||
				   strcmp(e->label, "all-balanced") == 0;
			for (size_t p = 0; !has && p < gpus[i].model->n_gi; p++) {
				char label[96];
				snprintf(label, sizeof(label), "all-%s", gpus[i].model->gi[p].name);
				for (char *c = label; *c; c++)
					if (*c == '+')
						*c = '.';
				has = strcmp(label, e->label) == 0;
			}
			if (has != out[i].matched)
				fail_msg("%s on %s: matched %d, expected %d", e->label,
					 gpus[i].model->name, out[i].matched, has);
		}
	}
	/* all-1g.10gb: 7 on 80GB parts, 4 on 40GB parts, as in §1.5. */
	const struct migctl_config_entry *e = migctl_config_select(&cfg, "all-1g.10gb", &err);
	assert_non_null(e);
	assert_int_equal(migctl_config_resolve(e, MIGCTL_UNMATCHED_LEAVE, gpus, n, out, &err),
			 MIGCTL_ERR_OK);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(gpus[i].model->name, "NVIDIA A100-SXM4-80GB") == 0)
			assert_int_equal(out[i].target.items[0].count, 7);
		if (strcmp(gpus[i].model->name, "NVIDIA A100-PCIE-40GB") == 0)
			assert_int_equal(out[i].target.items[0].count, 4);
	}
	migctl_config_release(&cfg);
	free(text);

	/* Two kinds with one layout share a spec with both IDs. */
	const struct migctl_gpu_model *a = model("NVIDIA A100-SXM4-80GB");
	const struct migctl_gpu_model *h = model("NVIDIA H100 80GB HBM3");
	struct migctl_generate_gpu two[3] = {{a, pci_of(a)}, {h, pci_of(h)}, {a, pci_of(a)}};
	parse_generated(&cfg, two, 3, &text);
	assert_non_null(strstr(text, "device-filter: [\"0x20B210DE\", \"0x233010DE\"]"));
	e = migctl_config_select(&cfg, "all-balanced", &err);
	assert_non_null(e);
	assert_int_equal(e->n_specs, 1);
	migctl_config_release(&cfg);
	free(text);

	/* No GPUs: only the two generic labels. */
	parse_generated(&cfg, NULL, 0, &text);
	assert_int_equal(cfg.n_entries, 2);
	migctl_config_release(&cfg);
	free(text);
	free(g);
	free(gpus);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_grammar),
		cmocka_unit_test(test_device_filter),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_error_hints),
		cmocka_unit_test(test_parse_alias_budget),
		cmocka_unit_test(test_generate_json),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_extensions),
		cmocka_unit_test(test_short_bus_ids),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_resolve_mixed_node),
		cmocka_unit_test(test_resolve_matching),
		cmocka_unit_test(test_resolve_non_mig),
		cmocka_unit_test(test_resolve_pins),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_data_default),
		cmocka_unit_test(test_data_examples),
		cmocka_unit_test(test_generate_each_model),
		cmocka_unit_test(test_generate_balanced_reference),
		cmocka_unit_test(test_generate_all_models),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
