/* migctl — the compiled built-in catalog against the YAML it comes from.
 *
 * tools/catalog_gen.c turns data/catalog/ YAML files into C tables at build
 * time. These tests parse the same files at run time with the library's
 * YAML loader and require the two catalogs to be equal in every field of
 * every model, GI profile and CI profile, in the same order. They also check
 * that the built-in catalog is the caller's own copy (a change to one
 * loaded catalog shows in no other) and that a `--catalog` file still
 * overrides a built-in model.
 *
 * Run from the repository root (as `make check` does): the YAML files are
 * found as data/catalog/ YAML files, the paths the build gives the generator.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "migctl/catalog.h"
#include "util/file.h"

static int g_diffs;

/* Report one difference with the model (and profile) it is in. */
static void diff(const char *where, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void diff(const char *where, const char *field, const char *fmt, ...)
{
	va_list ap;

	printf("DIFF: %s: %s: ", where, field);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	g_diffs++;
}

#define SAME_U(where, a, b, f) \
	do { if ((a)->f != (b)->f) diff(where, #f, "compiled %llu, YAML %llu", \
		(unsigned long long)(a)->f, (unsigned long long)(b)->f); } while (0)
#define SAME_S(where, a, b, f) \
	do { if (strcmp((a)->f, (b)->f) != 0) diff(where, #f, \
		"compiled \"%s\", YAML \"%s\"", (a)->f, (b)->f); } while (0)

static void same_placements(const char *where, const struct migctl_placement_set *a,
			    const struct migctl_placement_set *b)
{
	SAME_U(where, a, b, size);
	SAME_U(where, a, b, n_starts);
	for (unsigned i = 0; i < a->n_starts && i < b->n_starts; i++)
		if (a->starts[i] != b->starts[i])
			diff(where, "placements.starts", "[%u]: compiled %u, YAML %u",
			     i, a->starts[i], b->starts[i]);
}

static void same_ci(const char *where, const struct migctl_ci_profile *a,
		    const struct migctl_ci_profile *b)
{
	SAME_U(where, a, b, id);
	SAME_S(where, a, b, name);
	SAME_U(where, a, b, slices);
	SAME_U(where, a, b, sm);
	SAME_U(where, a, b, max);
	SAME_U(where, a, b, is_default);
	SAME_U(where, a, b, confirmed);
	same_placements(where, &a->placements, &b->placements);
}

static void same_gi(const char *model, const struct migctl_gi_profile *a,
		    const struct migctl_gi_profile *b)
{
	char where[3 * MIGCTL_NAME_MAX + 8];

	snprintf(where, sizeof(where), "%s %s", model, b->name);
	SAME_U(where, a, b, id);
	SAME_U(where, a, b, nvml_index);
	SAME_S(where, a, b, name);
	SAME_U(where, a, b, compute_slices);
	SAME_U(where, a, b, memory_mib);
	SAME_U(where, a, b, sm);
	SAME_U(where, a, b, ce);
	SAME_U(where, a, b, dec);
	SAME_U(where, a, b, enc);
	SAME_U(where, a, b, jpg);
	SAME_U(where, a, b, ofa);
	SAME_U(where, a, b, max);
	SAME_U(where, a, b, confirmed);
	same_placements(where, &a->placements, &b->placements);
	SAME_U(where, a, b, n_ci);
	for (size_t i = 0; i < a->n_ci && i < b->n_ci; i++) {
		char ci_where[sizeof(where) + MIGCTL_NAME_MAX + 4];
		snprintf(ci_where, sizeof(ci_where), "%s CI %s", where, b->ci[i].name);
		same_ci(ci_where, &a->ci[i], &b->ci[i]);
	}
}

static void same_model(const struct migctl_gpu_model *a, const struct migctl_gpu_model *b)
{
	const char *w = b->name;

	SAME_S(w, a, b, name);
	SAME_U(w, a, b, n_aliases);
	for (size_t i = 0; i < a->n_aliases && i < b->n_aliases; i++)
		SAME_S(w, a, b, aliases[i]);
	SAME_U(w, a, b, n_pci_device_ids);
	for (size_t i = 0; i < a->n_pci_device_ids && i < b->n_pci_device_ids; i++)
		SAME_U(w, a, b, pci_device_ids[i]);
	SAME_U(w, a, b, arch);
	SAME_U(w, a, b, memory_mib);
	SAME_U(w, a, b, sm_count);
	SAME_U(w, a, b, units);
	SAME_U(w, a, b, compute_slices);
	SAME_S(w, a, b, min_driver);
	SAME_U(w, a, b, confirmed);
	SAME_S(w, a, b, source);
	SAME_U(w, a, b, n_gi);
	for (size_t i = 0; i < a->n_gi && i < b->n_gi; i++)
		same_gi(w, &a->gi[i], &b->gi[i]);
}

/* Every data/catalog YAML file, in the build's (sorted) order, loaded as the
 * generator loads them: no overrides, origin = the path. */
static void load_yaml(struct migctl_catalog *cat)
{
	struct migctl_error err = {0};
	glob_t g;

	migctl_catalog_init(cat);
	assert_int_equal(glob("data/catalog/*.yaml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc > 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *text = NULL;
		size_t len = 0;
		if (mu_file_read(g.gl_pathv[i], "catalog file", 0, &text, &len, &err) ||
		    migctl_catalog_load_buffer(cat, g.gl_pathv[i], text, len, false, &err)) {
			free(text);
			globfree(&g);
			fail_msg("%s", err.msg);
		}
		free(text);
	}
	globfree(&g);
}

static void test_compiled_equals_yaml(void **state)
{
	struct migctl_catalog built, yaml;
	struct migctl_error err = {0};

	(void)state;
	assert_int_equal(migctl_catalog_load_builtin(&built, &err), MIGCTL_ERR_OK);
	load_yaml(&yaml);
	g_diffs = 0;
	if (built.n_models != yaml.n_models)
		diff("catalog", "n_models", "compiled %zu, YAML %zu", built.n_models,
		     yaml.n_models);
	for (size_t i = 0; i < built.n_models && i < yaml.n_models; i++)
		same_model(&built.models[i], &yaml.models[i]);
	/* Not vacuous: the files hold the A100 with its 7 1g.10gb slots. */
	const struct migctl_gpu_model *a100 =
		migctl_catalog_find_model(&built, "A100-SXM4-80GB", &err);
	assert_non_null(a100);
	assert_non_null(migctl_model_find_gi_profile(a100, "1g.10gb", &err));
	migctl_catalog_release(&built);
	migctl_catalog_release(&yaml);
	assert_int_equal(g_diffs, 0);
}

/* Each load is the caller's own: changing and freeing one catalog leaves
 * the tables, and so the next load, as they were. */
static void test_builtin_is_a_copy(void **state)
{
	struct migctl_catalog a, b;
	struct migctl_error err = {0};

	(void)state;
	assert_int_equal(migctl_catalog_load_builtin(&a, &err), MIGCTL_ERR_OK);
	assert_true(a.n_models > 0 && a.models[0].n_gi > 0);
	char name[MIGCTL_NAME_MAX];
	snprintf(name, sizeof(name), "%s", a.models[0].gi[0].ci[0].name);
	strcpy(a.models[0].gi[0].ci[0].name, "changed");
	a.models[0].gi[0].memory_mib++;
	assert_int_equal(migctl_catalog_load_builtin(&b, &err), MIGCTL_ERR_OK);
	assert_string_equal(b.models[0].gi[0].ci[0].name, name);
	assert_int_equal(b.models[0].gi[0].memory_mib + 1, a.models[0].gi[0].memory_mib);
	assert_ptr_not_equal(a.models[0].gi, b.models[0].gi);
	assert_ptr_not_equal(a.models[0].gi[0].ci, b.models[0].gi[0].ci);
	migctl_catalog_release(&a);
	migctl_catalog_release(&b);
	assert_int_equal(a.n_models, 0);
}

/* `--catalog FILE` on top of the compiled tables: a model with a built-in
 * name replaces it in its slot, the others stay. */
static void test_file_overrides_builtin(void **state)
{
	static const char text[] =
		"version: 1\n"
		"models:\n"
		"  - name: NVIDIA A30\n"
		"    pci-device-ids: [0x20B7]\n"
		"    architecture: ampere\n"
		"    memory-mib: 24576\n"
		"    sm-count: 56\n"
		"    placement-units: 4\n"
		"    gpu-instance-profiles:\n"
		"      - {name: 4g.24gb, id: 0, nvml-index: 0, compute-slices: 4,\n"
		"         memory-mib: 24000, sm: 56, ce: 4, dec: 4, enc: 1, jpg: 1,\n"
		"         ofa: 1, max: 1, placements: \"{0}:4\",\n"
		"         compute-instance-profiles: [{name: 4g.24gb, id: 3, slices: 4,\n"
		"           sm: 56, max: 1, default: true, placements: \"{0}:4\"}]}\n";
	struct migctl_catalog cat;
	struct migctl_error err = {0};
	const struct migctl_gpu_model *m;

	(void)state;
	assert_int_equal(migctl_catalog_load_builtin(&cat, &err), MIGCTL_ERR_OK);
	size_t n = cat.n_models;
	m = migctl_catalog_find_model(&cat, "A30", &err);
	assert_non_null(m);
	assert_true(m->n_gi > 1);
	assert_int_equal(migctl_catalog_load_buffer(&cat, "mine.yaml", text, strlen(text),
						    true, &err), MIGCTL_ERR_OK);
	assert_int_equal(cat.n_models, n);
	m = migctl_catalog_find_model(&cat, "A30", &err);
	assert_non_null(m);
	assert_int_equal(m->n_gi, 1);
	assert_int_equal(m->gi[0].memory_mib, 24000);
	assert_string_equal(m->source, "mine.yaml:3");
	assert_non_null(migctl_catalog_find_model(&cat, "A100-SXM4-80GB", &err));
	migctl_catalog_release(&cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled_equals_yaml),
		cmocka_unit_test(test_builtin_is_a_copy),
		cmocka_unit_test(test_file_overrides_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
