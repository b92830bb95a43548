/* Unit tests for the simulator's machine model (sim/ops.c).
 *
 * The machine runs on the built-in catalog. Expected values are the
 * observations in reference/nvml-mig.md §2, not recomputed from the code:
 *   - §2.1 MIG mode: Ampere pending until reset, Hopper immediate and lost;
 *   - §2.4 the driver's placements (A100 3g,3g; 1g x7; 1g,1g,2g,3g;
 *     3g,1g,2g,1g; A30 1g,1g,2g) and §2.5 the GI IDs in both mappings;
 *   - §2.6 CI IDs 0,1,2 at 0:1,1:1,2:1;
 *   - §2.7 MIG device order and UUID format;
 *   - §2.8 destroy / in-use rules, §2.9 privileges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define NA NVML_VALUE_NOT_AVAILABLE_UINT
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A100-SXM4-80GB GI profile IDs (reference/mig-profiles.md §2.2). */
enum { A100_1G = 19, A100_1G_ME = 20, A100_1G20 = 15, A100_2G = 14,
       A100_3G = 9, A100_4G = 5, A100_7G = 0 };
/* CI profile IDs inside a 3g GI. */
enum { CI_1C = 0, CI_2C = 1, CI_3C = 2 };
/* A30 GI profile IDs. */
enum { A30_1G = 14, A30_2G = 5, A30_4G = 0 };

static struct sim_machine *new_machine(void)
{
	struct sim_machine *m = calloc(1, sizeof(*m));
	struct migctl_error err;

	assert_non_null(m);
	assert_int_equal(migctl_catalog_load_builtin(&m->catalog, &err), MIGCTL_ERR_OK);
	return m;
}

static const struct migctl_gpu_model *model(struct sim_machine *m, const char *q)
{
	struct migctl_error err;
	const struct migctl_gpu_model *mod = migctl_catalog_find_model(&m->catalog, q, &err);
	assert_non_null(mod);
	return mod;
}

/* A machine of `count` GPUs of one model, MIG enabled where asked. */
static struct sim_machine *machine_of(const char *q, unsigned count,
				      uint32_t swapped, bool enable)
{
	struct sim_machine *m = new_machine();
	struct sim_gpu_spec spec = {model(m, q), count};
	struct migctl_error err;

	assert_int_equal(sim_machine_build(m, &spec, 1, swapped, false, &err),
			 MIGCTL_ERR_OK);
	for (unsigned i = 0; enable && i < count; i++) {
		nvmlReturn_t act;
		assert_int_equal(sim_set_mig_mode(m, i, 1, &act), NVML_SUCCESS);
		if (act == NVML_ERROR_RESET_REQUIRED)
			assert_int_equal(sim_reset_gpu(m, i), NVML_SUCCESS);
		assert_true(m->gpus[i].mig_current);
	}
	return m;
}

static void free_machine(struct sim_machine *m)
{
	sim_machine_release(m);
	free(m);
}

static void add_proc(struct sim_machine *m, unsigned pid, unsigned gpu,
		     unsigned gi, unsigned ci, unsigned long long mib)
{
	assert_true(m->n_procs < SIM_MAX_PROCS);
	m->procs[m->n_procs++] = (struct sim_process){.pid = pid, .gpu = gpu, .gi = gi, .ci = ci, .used_mib = mib};
}

static unsigned create_gi(struct sim_machine *m, unsigned gpu, unsigned profile)
{
	unsigned id = 99;
	assert_int_equal(sim_create_gi(m, gpu, profile, NULL, &id), NVML_SUCCESS);
	return id;
}

static unsigned create_ci(struct sim_machine *m, unsigned gpu, unsigned gi,
			  unsigned profile)
{
	unsigned id = 99;
	assert_int_equal(sim_create_ci(m, gpu, gi, profile, NULL, &id), NVML_SUCCESS);
	return id;
}

static void assert_placement(const struct sim_gpu *g, unsigned gi_id,
			     unsigned start, unsigned size)
{
	struct sim_gi *gi = sim_gi_find((struct sim_gpu *)g, gi_id);
	assert_non_null(gi);
	assert_int_equal(gi->placement.start, start);
	assert_int_equal(gi->placement.size, size);
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* "<prefix>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase hex. */
static void assert_uuid_shape(const char *u, const char *prefix)
{
	size_t p = strlen(prefix);
	static const size_t group[] = {8, 4, 4, 4, 12};

	assert_int_equal(strncmp(u, prefix, p), 0);
	assert_int_equal(strlen(u), p + 36);
	u += p;
	for (size_t i = 0; i < COUNT(group); i++) {
		assert_true(is_hex(u, group[i]));
		u += group[i];
		if (i + 1 < COUNT(group)) {
			assert_int_equal(*u, '-');
			u++;
		}
	}
	assert_int_equal(*u, '\0');
}

/* --- machine ------------------------------------------------------------ */

static void test_build_identity(void **state)
{
	(void)state;
	struct sim_machine *m = new_machine(), *m2 = new_machine();
	struct sim_gpu_spec spec[] = {
		{model(m, "A100-SXM4-80GB"), 2},
		{model(m, "0x2330"), 1},
		{model(m, "A30"), 1},
	};
	struct sim_gpu_spec spec2[] = {
		{model(m2, "A100-SXM4-80GB"), 2},
		{model(m2, "H100-SXM5-80GB"), 1},
		{model(m2, "A30"), 1},
	};
	struct migctl_error err;

	snprintf(m->catalog_file, sizeof(m->catalog_file), "extra.yaml");
	assert_int_equal(sim_machine_build(m, spec, COUNT(spec), 1u << 1, false, &err),
			 MIGCTL_ERR_OK);
	assert_int_equal(sim_machine_build(m2, spec2, COUNT(spec2), 1u << 1, true, &err),
			 MIGCTL_ERR_OK);
	assert_string_equal(m->catalog_file, "extra.yaml");
	assert_int_equal(m->n_gpus, 4);
	assert_false(m->non_root);
	assert_true(m2->non_root);
	assert_string_equal(m->gpus[0].model, "NVIDIA A100-SXM4-80GB");
	assert_string_equal(m->gpus[2].model, "NVIDIA H100 80GB HBM3");
	assert_string_equal(m->gpus[3].model, "NVIDIA A30");
	assert_ptr_equal(m->gpus[2].m, spec[1].model);
	assert_false(m->gpus[0].half_swapped);
	assert_true(m->gpus[1].half_swapped);
	assert_false(m->gpus[2].half_swapped);

	for (unsigned i = 0; i < m->n_gpus; i++) {
		const struct sim_gpu *g = &m->gpus[i];
		assert_false(g->mig_current);
		assert_false(g->mig_pending);
		assert_int_equal(g->n_gis, 0);
		assert_int_equal(g->minor, i);
		assert_uuid_shape(g->uuid, "GPU-");
		assert_int_equal(strlen(g->serial), 13);
		for (const char *c = g->serial; *c; c++)
			assert_true(isdigit((unsigned char)*c));
		assert_true(g->pci_bus > 0 && g->pci_bus <= 0xff);
		/* Same inputs, same identity: a rebuilt machine matches. */
		assert_string_equal(g->uuid, m2->gpus[i].uuid);
		assert_string_equal(g->serial, m2->gpus[i].serial);
		assert_int_equal(g->pci_bus, m2->gpus[i].pci_bus);
		for (unsigned k = 0; k < i; k++) {
			assert_string_not_equal(g->uuid, m->gpus[k].uuid);
			assert_string_not_equal(g->serial, m->gpus[k].serial);
			assert_int_not_equal(g->pci_bus, m->gpus[k].pci_bus);
		}
	}
	assert_int_equal(m->gpus[0].pci_bus, 0x07);
	assert_int_equal(m->gpus[1].pci_bus, 0x0F);
	free_machine(m);
	free_machine(m2);
}

static void test_build_many_gpus(void **state)
{
	(void)state;
	struct sim_machine *m = new_machine();
	struct sim_gpu_spec spec = {model(m, "A30"), SIM_MAX_GPUS};
	struct migctl_error err;

	assert_int_equal(sim_machine_build(m, &spec, 1, 0, false, &err), MIGCTL_ERR_OK);
	assert_int_equal(m->n_gpus, SIM_MAX_GPUS);
	for (unsigned i = 0; i < m->n_gpus; i++)
		for (unsigned k = 0; k < i; k++) {
			assert_int_not_equal(m->gpus[i].pci_bus, m->gpus[k].pci_bus);
			assert_string_not_equal(m->gpus[i].uuid, m->gpus[k].uuid);
		}
	free_machine(m);
}

static void test_build_errors(void **state)
{
	(void)state;
	struct sim_machine *m = new_machine();
	struct sim_gpu_spec spec = {model(m, "A30"), SIM_MAX_GPUS + 1};
	struct sim_gpu_spec two[] = {{model(m, "A30"), SIM_MAX_GPUS}, {model(m, "A30"), 1}};
	struct sim_gpu_spec none = {NULL, 1};
	struct migctl_gpu_model stranger;
	struct sim_gpu_spec foreign = {&stranger, 1};
	struct migctl_error err;

	assert_int_equal(sim_machine_build(m, &spec, 1, 0, false, &err), MIGCTL_ERR_USAGE);
	assert_int_equal(sim_machine_build(m, two, 2, 0, false, &err), MIGCTL_ERR_USAGE);
	assert_int_equal(sim_machine_build(m, &none, 1, 0, false, &err), MIGCTL_ERR_USAGE);
	memset(&stranger, 0, sizeof(stranger));
	snprintf(stranger.name, sizeof(stranger.name), "NVIDIA Q9000");
	assert_int_equal(sim_machine_build(m, &foreign, 1, 0, false, &err),
			 MIGCTL_ERR_UNKNOWN_MODEL);
	assert_non_null(strstr(err.msg, "Q9000"));
	spec.count = 2;
	/* Bit 2 names a third GPU that does not exist. */
	assert_int_equal(sim_machine_build(m, &spec, 1, 1u << 2, false, &err),
			 MIGCTL_ERR_USAGE);
	assert_int_equal(sim_machine_build(m, &spec, 1, 3, false, &err), MIGCTL_ERR_OK);
	assert_int_equal(m->n_gpus, 2);
	free_machine(m);
}

/* A state whose GPU has no UUID is refused: a driver always reports one,
 * and migctl's checkpoint of a GPU named "" could not be read back
 * (fuzz_nvml_node, seed no-uuid.json). */
static void test_state_needs_uuid(void **state)
{
	(void)state;
	struct sim_machine *m = new_machine(), *back = calloc(1, sizeof(*back));
	struct sim_gpu_spec spec = {model(m, "A30"), 1};
	struct migctl_error err;

	assert_non_null(back);
	assert_int_equal(sim_machine_build(m, &spec, 1, 0, false, &err), MIGCTL_ERR_OK);
	char *text = sim_machine_to_json(m);
	assert_non_null(text);
	/* Cut the value of "uuid" down to "". */
	char *v = strstr(text, "\"GPU-");
	assert_non_null(v);
	char *end = strchr(v + 1, '"');
	assert_non_null(end);
	memmove(v + 1, end, strlen(end) + 1);
	assert_int_equal(sim_machine_from_json(back, text, strlen(text), "state", &err),
			 MIGCTL_ERR_STATE);
	assert_non_null(strstr(err.msg, "GPU 0: a field is malformed"));
	free(text);
	free(back);
	free_machine(m);
}

/* --- MIG mode ----------------------------------------------------------- */

static void test_ampere_mode_pending(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 2, 0, false);
	struct sim_gpu *g = &m->gpus[0];
	nvmlReturn_t act = NVML_SUCCESS;
	unsigned count, id;

	assert_int_equal(sim_set_mig_mode(m, 0, 2, &act), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(sim_set_mig_mode(m, 7, 1, &act), NVML_ERROR_INVALID_ARGUMENT);

	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(act, NVML_ERROR_RESET_REQUIRED);
	assert_false(g->mig_current);
	assert_true(g->mig_pending);
	/* Still disabled until the reset: no GIs, no capacity. */
	assert_int_equal(sim_create_gi(m, 0, A100_3G, NULL, &id), NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(sim_gi_remaining(m, 0, A100_3G, &count), NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(sim_ci_remaining(m, 0, 1, CI_1C, &count), NVML_ERROR_NOT_SUPPORTED);
	/* Asking again still needs the reset. */
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(act, NVML_ERROR_RESET_REQUIRED);

	assert_int_equal(sim_reset_gpu(m, 0), NVML_SUCCESS);
	assert_true(g->mig_current);
	assert_true(g->mig_pending);
	assert_false(m->gpus[1].mig_pending);
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(act, NVML_SUCCESS);

	/* A reset loses the instances but keeps the mode. */
	id = create_gi(m, 0, A100_3G);
	create_ci(m, 0, id, CI_3C);
	assert_int_equal(sim_reset_gpu(m, 0), NVML_SUCCESS);
	assert_int_equal(g->n_gis, 0);
	assert_true(g->mig_current);

	/* Ampere's mode is persistent across reboots. */
	create_gi(m, 0, A100_7G);
	sim_reboot(m);
	assert_true(g->mig_current);
	assert_int_equal(g->n_gis, 0);

	/* Disabling is pending too; a pending change can be taken back. */
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_SUCCESS);
	assert_int_equal(act, NVML_ERROR_RESET_REQUIRED);
	assert_true(g->mig_current);
	assert_false(g->mig_pending);
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(act, NVML_SUCCESS);
	assert_true(g->mig_pending);
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_SUCCESS);
	sim_reboot(m);
	assert_false(g->mig_current);
	assert_false(g->mig_pending);
	free_machine(m);
}

static void test_hopper_mode_immediate(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("H100-SXM5-80GB", 1, 0, false);
	struct sim_gpu *g = &m->gpus[0];
	nvmlReturn_t act = NVML_ERROR_UNKNOWN;

	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(act, NVML_SUCCESS);
	assert_true(g->mig_current);
	assert_true(g->mig_pending);
	assert_int_equal(create_gi(m, 0, 9), 2);  /* 3g.40gb at 4:4 */

	/* Lost on reset and on reboot. */
	assert_int_equal(sim_reset_gpu(m, 0), NVML_SUCCESS);
	assert_false(g->mig_current);
	assert_false(g->mig_pending);
	assert_int_equal(g->n_gis, 0);
	assert_int_equal(sim_set_mig_mode(m, 0, 1, NULL), NVML_SUCCESS);
	assert_true(g->mig_current);
	sim_reboot(m);
	assert_false(g->mig_current);

	/* Disabling is immediate as well, and a no-op when already off. */
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_SUCCESS);
	assert_int_equal(act, NVML_SUCCESS);
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_SUCCESS);
	assert_false(g->mig_current);
	free_machine(m);
}

static void test_disable_with_gis_in_use(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("H100-SXM5-80GB", 1, 0, true);
	nvmlReturn_t act;

	unsigned id = create_gi(m, 0, 19);
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_ERROR_IN_USE);
	assert_true(m->gpus[0].mig_current);
	/* Enabling again is a no-op, not an error. */
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	assert_int_equal(sim_destroy_gi(m, 0, id), NVML_SUCCESS);
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_SUCCESS);
	assert_false(m->gpus[0].mig_current);
	free_machine(m);

	m = machine_of("A100-SXM4-80GB", 1, 0, true);
	create_gi(m, 0, A100_7G);
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_ERROR_IN_USE);
	assert_true(m->gpus[0].mig_pending);
	free_machine(m);
}

/* --- GI placement and IDs ----------------------------------------------- */

static void test_two_3g_identity_and_swapped(void **state)
{
	(void)state;
	/* GPU 0 identity, GPU 1 half-swapped. */
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 2, 1u << 1, true);

	assert_int_equal(create_gi(m, 0, A100_3G), 2);
	assert_placement(&m->gpus[0], 2, 4, 4);
	assert_int_equal(create_gi(m, 0, A100_3G), 1);
	assert_placement(&m->gpus[0], 1, 0, 4);

	assert_int_equal(create_gi(m, 1, A100_3G), 1);
	assert_placement(&m->gpus[1], 1, 4, 4);
	assert_int_equal(create_gi(m, 1, A100_3G), 2);
	assert_placement(&m->gpus[1], 2, 0, 4);

	/* Kept sorted by ID. */
	assert_int_equal(m->gpus[0].gis[0].id, 1);
	assert_int_equal(m->gpus[0].gis[1].id, 2);
	assert_int_equal(m->gpus[1].gis[0].id, 1);
	assert_int_equal(m->gpus[1].gis[1].id, 2);

	/* Limit 2 reached (and no room). */
	unsigned id;
	assert_int_equal(sim_create_gi(m, 0, A100_3G, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	free_machine(m);
}

static void test_seven_1g(void **state)
{
	(void)state;
	static const unsigned want[] = {13, 11, 12, 7, 8, 9, 10};
	static const unsigned start[] = {6, 4, 5, 0, 1, 2, 3};
	/* The AWS p4d row: the same placements through the half swap. */
	static const unsigned swapped[] = {9, 7, 8, 11, 12, 13, 14};
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 2, 1u << 1, true);
	unsigned id, count;

	for (size_t i = 0; i < COUNT(want); i++) {
		assert_int_equal(sim_gi_remaining(m, 0, A100_1G, &count), NVML_SUCCESS);
		assert_int_equal(count, 7 - i);
		assert_int_equal(create_gi(m, 0, A100_1G), want[i]);
		assert_placement(&m->gpus[0], want[i], start[i], 1);
		assert_int_equal(create_gi(m, 1, A100_1G), swapped[i]);
		assert_placement(&m->gpus[1], swapped[i], start[i], 1);
	}
	assert_int_equal(sim_create_gi(m, 0, A100_1G, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	assert_int_equal(sim_gi_remaining(m, 0, A100_1G, &count), NVML_SUCCESS);
	assert_int_equal(count, 0);
	assert_int_equal(m->gpus[0].n_gis, 7);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(m->gpus[0].gis[i].id, 7 + i);
	free_machine(m);
}

static void test_1g_1g_2g_3g(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	unsigned id = 99, count;

	assert_int_equal(create_gi(m, 0, A100_1G), 13);
	assert_int_equal(create_gi(m, 0, A100_1G), 11);
	assert_int_equal(create_gi(m, 0, A100_2G), 3);
	assert_placement(&m->gpus[0], 3, 0, 2);
	assert_int_equal(sim_gi_remaining(m, 0, A100_3G, &count), NVML_SUCCESS);
	assert_int_equal(count, 0);
	assert_int_equal(sim_create_gi(m, 0, A100_3G, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	assert_int_equal(id, 99);
	assert_int_equal(m->gpus[0].n_gis, 3);
	free_machine(m);
}

static void test_3g_1g_2g_1g(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);

	assert_int_equal(create_gi(m, 0, A100_3G), 2);
	assert_int_equal(create_gi(m, 0, A100_1G), 7);
	assert_int_equal(create_gi(m, 0, A100_2G), 4);
	assert_placement(&m->gpus[0], 4, 2, 2);
	assert_int_equal(create_gi(m, 0, A100_1G), 8);
	free_machine(m);
}

static void test_remaining_capacity(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	unsigned count;

	assert_int_equal(sim_gi_remaining(m, 0, A100_7G, &count), NVML_SUCCESS);
	assert_int_equal(count, 1);
	assert_int_equal(sim_gi_remaining(m, 0, A100_2G, &count), NVML_SUCCESS);
	assert_int_equal(count, 3);
	create_gi(m, 0, A100_3G);  /* 4:4 */
	assert_int_equal(sim_gi_remaining(m, 0, A100_7G, &count), NVML_SUCCESS);
	assert_int_equal(count, 0);
	assert_int_equal(sim_gi_remaining(m, 0, A100_3G, &count), NVML_SUCCESS);
	assert_int_equal(count, 1);
	assert_int_equal(sim_gi_remaining(m, 0, A100_4G, &count), NVML_SUCCESS);
	assert_int_equal(count, 1);
	assert_int_equal(sim_gi_remaining(m, 0, A100_1G, &count), NVML_SUCCESS);
	assert_int_equal(count, 4);
	assert_int_equal(sim_gi_remaining(m, 0, 99, &count), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(sim_gi_remaining(m, 3, A100_1G, &count),
			 NVML_ERROR_INVALID_ARGUMENT);
	free_machine(m);
}

static void test_explicit_placement(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	unsigned id = 99;

	assert_int_equal(sim_create_gi(m, 0, 99, NULL, &id), NVML_ERROR_INVALID_ARGUMENT);
	/* Not listed: wrong start, wrong size, beyond the GPU. */
	assert_int_equal(sim_create_gi(m, 0, A100_3G, &(struct migctl_placement){2, 4}, &id),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(sim_create_gi(m, 0, A100_3G, &(struct migctl_placement){0, 2}, &id),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(sim_create_gi(m, 0, A100_1G, &(struct migctl_placement){7, 1}, &id),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(id, 99);
	assert_int_equal(m->gpus[0].n_gis, 0);

	/* Listed and free: taken as given, against the driver's choice. */
	assert_int_equal(sim_create_gi(m, 0, A100_3G, &(struct migctl_placement){0, 4}, &id),
			 NVML_SUCCESS);
	assert_int_equal(id, 1);
	/* Listed but occupied, fully or partly. */
	assert_int_equal(sim_create_gi(m, 0, A100_3G, &(struct migctl_placement){0, 4}, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	assert_int_equal(sim_create_gi(m, 0, A100_1G, &(struct migctl_placement){1, 1}, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	assert_int_equal(sim_create_gi(m, 0, A100_2G, &(struct migctl_placement){4, 2}, &id),
			 NVML_SUCCESS);
	assert_int_equal(id, 5);
	/* 1g.10gb+me: one allowed although room is left. */
	assert_int_equal(sim_create_gi(m, 0, A100_1G_ME, &(struct migctl_placement){6, 1}, &id),
			 NVML_SUCCESS);
	assert_int_equal(id, 13);
	assert_int_equal(sim_create_gi(m, 0, A100_1G, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	free_machine(m);

	m = machine_of("A100-SXM4-80GB", 1, 0, true);
	assert_int_equal(sim_create_gi(m, 0, A100_1G_ME, &(struct migctl_placement){0, 1}, &id),
			 NVML_SUCCESS);
	assert_int_equal(sim_create_gi(m, 0, A100_1G_ME, &(struct migctl_placement){3, 1}, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	assert_int_equal(sim_create_gi(m, 0, A100_1G_ME, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	free_machine(m);
}

static void test_a30_device_order(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A30", 1, 0, true);
	struct sim_mig_ref refs[8];

	assert_int_equal(create_gi(m, 0, A30_1G), 3);
	assert_int_equal(create_gi(m, 0, A30_1G), 4);
	assert_int_equal(create_gi(m, 0, A30_2G), 2);
	assert_placement(&m->gpus[0], 3, 0, 1);
	assert_placement(&m->gpus[0], 4, 1, 1);
	assert_placement(&m->gpus[0], 2, 2, 2);
	/* CIs in creation order; devices in (GI ID, CI ID) order. */
	assert_int_equal(create_ci(m, 0, 3, 0), 0);
	assert_int_equal(create_ci(m, 0, 4, 0), 0);
	assert_int_equal(create_ci(m, 0, 2, 1), 0);
	assert_int_equal(sim_mig_devices(m, 0, refs, COUNT(refs)), 3);
	assert_int_equal(refs[0].gi, 2);
	assert_int_equal(refs[1].gi, 3);
	assert_int_equal(refs[2].gi, 4);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(refs[i].ci, 0);
	/* A short buffer still gets the total. */
	assert_int_equal(sim_mig_devices(m, 0, refs, 1), 3);
	assert_int_equal(refs[0].gi, 2);
	assert_int_equal(sim_mig_devices(m, 0, NULL, 0), 3);
	assert_int_equal(sim_mig_devices(m, 5, refs, COUNT(refs)), 0);
	free_machine(m);
}

static void test_device_order_multi_ci(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	struct sim_mig_ref refs[16];

	unsigned g2 = create_gi(m, 0, A100_3G);   /* 2 */
	unsigned g1 = create_gi(m, 0, A100_3G);   /* 1 */
	create_ci(m, 0, g2, CI_1C);
	create_ci(m, 0, g1, CI_1C);
	create_ci(m, 0, g1, CI_1C);
	create_ci(m, 0, g2, CI_1C);
	create_ci(m, 0, g1, CI_1C);
	static const struct sim_mig_ref want[] = {{1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1}};
	assert_int_equal(sim_mig_devices(m, 0, refs, COUNT(refs)), COUNT(want));
	for (size_t i = 0; i < COUNT(want); i++) {
		assert_int_equal(refs[i].gi, want[i].gi);
		assert_int_equal(refs[i].ci, want[i].ci);
	}
	free_machine(m);
}

/* --- compute instances -------------------------------------------------- */

static void test_three_1c_in_3g(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	unsigned gi = create_gi(m, 0, A100_3G), id = 99, count;
	struct sim_gi *g;

	assert_int_equal(sim_ci_remaining(m, 0, gi, CI_1C, &count), NVML_SUCCESS);
	assert_int_equal(count, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(create_ci(m, 0, gi, CI_1C), i);
	g = sim_gi_find(&m->gpus[0], gi);
	assert_non_null(g);
	assert_int_equal(g->n_cis, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(g->cis[i].id, i);
		assert_int_equal(g->cis[i].placement.start, i);
		assert_int_equal(g->cis[i].placement.size, 1);
		assert_string_equal(sim_ci_profile(&m->gpus[0], g, &g->cis[i])->name,
				    "1c.3g.40gb");
	}
	assert_string_equal(sim_gi_profile(&m->gpus[0], g)->name, "3g.40gb");
	assert_int_equal(sim_ci_remaining(m, 0, gi, CI_1C, &count), NVML_SUCCESS);
	assert_int_equal(count, 0);
	assert_int_equal(sim_create_ci(m, 0, gi, CI_1C, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);

	/* The lowest free ID and the lowest free start come back. */
	assert_int_equal(sim_destroy_ci(m, 0, gi, 1), NVML_SUCCESS);
	assert_int_equal(sim_destroy_ci(m, 0, gi, 1), NVML_ERROR_NOT_FOUND);
	assert_null(sim_ci_find(g, 1));
	assert_int_equal(create_ci(m, 0, gi, CI_1C), 1);
	assert_non_null(sim_ci_find(g, 1));
	assert_int_equal(sim_ci_find(g, 1)->placement.start, 1);
	assert_int_equal(g->cis[1].id, 1);

	/* Freeing the first slice under ID 0 leaves no room for a 2c at 0:2. */
	assert_int_equal(sim_destroy_ci(m, 0, gi, 0), NVML_SUCCESS);
	assert_int_equal(sim_create_ci(m, 0, gi, CI_2C, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	assert_int_equal(create_ci(m, 0, gi, CI_1C), 0);
	free_machine(m);
}

static void test_ci_errors(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	unsigned gi = create_gi(m, 0, A100_3G), id = 99, count;

	assert_int_equal(sim_create_ci(m, 0, 14, CI_1C, NULL, &id), NVML_ERROR_NOT_FOUND);
	/* ID 3 (the 4-slice CI) is not a CI profile of a 3g GI. */
	assert_int_equal(sim_create_ci(m, 0, gi, 3, NULL, &id), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(sim_ci_remaining(m, 0, gi, 3, &count), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(sim_ci_remaining(m, 0, 14, CI_1C, &count), NVML_ERROR_NOT_FOUND);
	assert_int_equal(sim_create_ci(m, 0, gi, CI_1C, &(struct migctl_placement){3, 1}, &id),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(sim_create_ci(m, 0, gi, CI_2C, &(struct migctl_placement){2, 2}, &id),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(id, 99);

	assert_int_equal(sim_create_ci(m, 0, gi, CI_1C, &(struct migctl_placement){2, 1}, &id),
			 NVML_SUCCESS);
	assert_int_equal(id, 0);
	assert_int_equal(sim_create_ci(m, 0, gi, CI_1C, &(struct migctl_placement){2, 1}, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	assert_int_equal(sim_create_ci(m, 0, gi, CI_3C, NULL, &id),
			 NVML_ERROR_INSUFFICIENT_RESOURCES);
	/* The 2c fits beside it. */
	assert_int_equal(sim_create_ci(m, 0, gi, CI_2C, NULL, &id), NVML_SUCCESS);
	assert_int_equal(id, 1);
	assert_int_equal(sim_ci_find(sim_gi_find(&m->gpus[0], gi), 1)->placement.start, 0);
	free_machine(m);
}

/* --- destroy, processes, privileges ------------------------------------- */

static void test_destroy_rules(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	unsigned gi = create_gi(m, 0, A100_7G);

	assert_int_equal(sim_destroy_gi(m, 0, 3), NVML_ERROR_NOT_FOUND);
	assert_int_equal(sim_destroy_gi(m, 2, gi), NVML_ERROR_INVALID_ARGUMENT);
	create_ci(m, 0, gi, 4);  /* 7g.80gb, the whole GI */
	assert_int_equal(sim_destroy_gi(m, 0, gi), NVML_ERROR_IN_USE);
	assert_int_equal(sim_destroy_ci(m, 0, gi, 5), NVML_ERROR_NOT_FOUND);
	assert_int_equal(sim_destroy_ci(m, 0, 9, 0), NVML_ERROR_NOT_FOUND);
	assert_int_equal(sim_destroy_ci(m, 0, gi, 0), NVML_SUCCESS);
	assert_int_equal(sim_destroy_gi(m, 0, gi), NVML_SUCCESS);
	assert_int_equal(m->gpus[0].n_gis, 0);
	assert_null(sim_gi_find(&m->gpus[0], gi));
	free_machine(m);
}

static void test_processes_in_use(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("H100-SXM5-80GB", 2, 0, false);
	nvmlReturn_t act;
	unsigned id;

	/* A process on the whole GPU blocks the mode change, the reset and
	 * the first GI; GPU 1 is unaffected. */
	add_proc(m, 100, 0, NA, NA, 512);
	assert_true(sim_busy(m, 0, NA, NA));
	assert_false(sim_busy(m, 1, NA, NA));
	assert_false(sim_busy(m, 0, 1, NA));
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_ERROR_IN_USE);
	assert_false(m->gpus[0].mig_current);
	assert_int_equal(sim_reset_gpu(m, 0), NVML_ERROR_IN_USE);
	assert_int_equal(sim_set_mig_mode(m, 1, 1, &act), NVML_SUCCESS);
	m->n_procs = 0;
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_SUCCESS);
	add_proc(m, 100, 0, NA, NA, 512);
	assert_int_equal(sim_create_gi(m, 0, 9, NULL, &id), NVML_ERROR_IN_USE);
	assert_int_equal(m->gpus[0].n_gis, 0);
	m->n_procs = 0;

	/* Processes on a MIG device block its CI and GI, not the others. */
	unsigned a = create_gi(m, 0, 9), b = create_gi(m, 0, 9);
	unsigned ca = create_ci(m, 0, a, CI_1C), ca2 = create_ci(m, 0, a, CI_1C);
	add_proc(m, 200, 0, a, ca, 1000);
	add_proc(m, 201, 0, a, ca, 24);
	add_proc(m, 202, 0, b, 0, 7);
	add_proc(m, 300, 1, NA, NA, 4096);
	assert_true(sim_busy(m, 0, a, NA));
	assert_true(sim_busy(m, 0, a, ca));
	assert_false(sim_busy(m, 0, a, ca2));
	assert_int_equal(sim_destroy_ci(m, 0, a, ca), NVML_ERROR_IN_USE);
	assert_int_equal(sim_destroy_ci(m, 0, a, ca2), NVML_SUCCESS);
	assert_int_equal(sim_destroy_gi(m, 0, a), NVML_ERROR_IN_USE);
	/* A GI without CIs but with a process (a stale registration). */
	assert_int_equal(sim_destroy_gi(m, 0, b), NVML_ERROR_IN_USE);
	/* GPU 1's whole-GPU process blocks its first GI. */
	assert_int_equal(sim_create_gi(m, 1, 19, NULL, &id), NVML_ERROR_IN_USE);
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_ERROR_IN_USE);
	assert_int_equal(sim_reset_gpu(m, 0), NVML_ERROR_IN_USE);

	assert_int_equal(sim_gpu_used_mib(m, 0, a, ca), 1024);
	assert_int_equal(sim_gpu_used_mib(m, 0, a, NA), 1024);
	assert_int_equal(sim_gpu_used_mib(m, 0, b, NA), 7);
	assert_int_equal(sim_gpu_used_mib(m, 0, NA, NA), 1031);
	assert_int_equal(sim_gpu_used_mib(m, 1, NA, NA), 4096);
	assert_int_equal(sim_gpu_used_mib(m, 0, a, ca2), 0);

	/* A reboot drops every process and instance. */
	sim_reboot(m);
	assert_int_equal(m->n_procs, 0);
	assert_int_equal(m->gpus[0].n_gis, 0);
	assert_false(m->gpus[0].mig_current);
	assert_int_equal(sim_gpu_used_mib(m, 0, NA, NA), 0);
	free_machine(m);
}

static void test_later_gi_while_mig_device_busy(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	unsigned a = create_gi(m, 0, A100_3G);
	add_proc(m, 1, 0, a, create_ci(m, 0, a, CI_3C), 10);
	assert_int_equal(create_gi(m, 0, A100_3G), 1);
	free_machine(m);
}

static void test_non_root(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 1, 0, true);
	nvmlReturn_t act;
	unsigned gi = create_gi(m, 0, A100_3G), id, count;
	create_ci(m, 0, gi, CI_1C);

	m->non_root = true;
	assert_int_equal(sim_set_mig_mode(m, 0, 0, &act), NVML_ERROR_NO_PERMISSION);
	assert_int_equal(sim_set_mig_mode(m, 0, 1, &act), NVML_ERROR_NO_PERMISSION);
	assert_int_equal(sim_create_gi(m, 0, A100_3G, NULL, &id), NVML_ERROR_NO_PERMISSION);
	assert_int_equal(sim_destroy_gi(m, 0, gi), NVML_ERROR_NO_PERMISSION);
	assert_int_equal(sim_create_ci(m, 0, gi, CI_1C, NULL, &id), NVML_ERROR_NO_PERMISSION);
	assert_int_equal(sim_destroy_ci(m, 0, gi, 0), NVML_ERROR_NO_PERMISSION);
	assert_int_equal(m->gpus[0].n_gis, 1);
	assert_int_equal(m->gpus[0].gis[0].n_cis, 1);
	/* Reads still work; a reset is a migsim operation, not NVML's. */
	assert_int_equal(sim_gi_remaining(m, 0, A100_3G, &count), NVML_SUCCESS);
	assert_int_equal(count, 1);
	assert_int_equal(sim_ci_remaining(m, 0, gi, CI_1C, &count), NVML_SUCCESS);
	assert_int_equal(count, 2);
	assert_int_equal(sim_reset_gpu(m, 0), NVML_SUCCESS);
	assert_int_equal(m->gpus[0].n_gis, 0);
	free_machine(m);
}

/* --- UUIDs and faults --------------------------------------------------- */

static void test_mig_uuid(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A100-SXM4-80GB", 2, 0, true);
	char a[64], b[64], c[64];

	sim_mig_uuid(&m->gpus[0], 1, 0, a, sizeof(a));
	assert_uuid_shape(a, "MIG-");
	assert_int_equal(a[4 + 14], '5');
	assert_non_null(strchr("89ab", a[4 + 19]));

	sim_mig_uuid(&m->gpus[0], 1, 0, b, sizeof(b));
	assert_string_equal(a, b);

	/* Every (GPU, GI, CI) has its own. */
	for (unsigned g = 0; g < 2; g++)
		for (unsigned gi = 0; gi < SIM_MAX_GIS; gi++)
			for (unsigned ci = 0; ci < SIM_MAX_CIS; ci++) {
				sim_mig_uuid(&m->gpus[g], gi, ci, c, sizeof(c));
				assert_uuid_shape(c, "MIG-");
				assert_int_equal(c[4 + 14], '5');
				assert_non_null(strchr("89ab", c[4 + 19]));
				if (g != 0 || gi != 1 || ci != 0)
					assert_string_not_equal(a, c);
			}
	sim_mig_uuid(&m->gpus[0], 0, 1, c, sizeof(c));
	assert_string_not_equal(a, c);

	/* Destroyed and recreated at the same place: a new UUID (issue 12),
	 * at the same GI and CI ID. The first creation's UUID is the one
	 * the place had before any CI existed there. */
	unsigned gi = create_gi(m, 0, A100_7G);
	unsigned ci = create_ci(m, 0, gi, 4);
	sim_mig_uuid(&m->gpus[0], gi, ci, b, sizeof(b));
	assert_int_equal(sim_destroy_ci(m, 0, gi, ci), NVML_SUCCESS);
	assert_int_equal(sim_destroy_gi(m, 0, gi), NVML_SUCCESS);
	unsigned gi2 = create_gi(m, 0, A100_7G);
	unsigned ci2 = create_ci(m, 0, gi2, 4);
	assert_int_equal(gi2, gi);
	assert_int_equal(ci2, ci);
	sim_mig_uuid(&m->gpus[0], gi, ci, c, sizeof(c));
	assert_string_not_equal(b, c);

	/* A short buffer is truncated, not overrun. */
	char small[8];
	sim_mig_uuid(&m->gpus[0], 1, 0, small, sizeof(small));
	assert_int_equal(strlen(small), 7);
	assert_int_equal(strncmp(small, a, 7), 0);
	free_machine(m);
}

static void add_fault(struct sim_machine *m, const char *call, int error, int n)
{
	struct sim_fault *f = &m->faults[m->n_faults++];
	snprintf(f->call, sizeof(f->call), "%s", call);
	f->error = error;
	f->remaining = n;
}

static void test_faults(void **state)
{
	(void)state;
	struct sim_machine *m = machine_of("A30", 1, 0, false);

	add_fault(m, "nvmlDeviceGetCount_v2", NVML_ERROR_UNKNOWN, 2);
	add_fault(m, "nvmlDeviceGetMigMode", NVML_ERROR_GPU_IS_LOST, -1);
	add_fault(m, "nvmlDeviceGetCount_v2", NVML_ERROR_TIMEOUT, 1);

	/* Exact names only. */
	assert_int_equal(sim_fault_take(m, "nvmlDeviceGetCount"), NVML_SUCCESS);
	assert_int_equal(sim_fault_take(m, "nvmlDeviceGetCount_v22"), NVML_SUCCESS);
	assert_int_equal(sim_fault_take(m, "nvmlDeviceGetMigMod"), NVML_SUCCESS);
	assert_int_equal(m->n_faults, 3);

	/* Counted: two, then the next fault on the same call, then none. */
	assert_int_equal(sim_fault_take(m, "nvmlDeviceGetCount_v2"), NVML_ERROR_UNKNOWN);
	assert_int_equal(m->faults[0].remaining, 1);
	assert_int_equal(sim_fault_take(m, "nvmlDeviceGetCount_v2"), NVML_ERROR_UNKNOWN);
	assert_int_equal(m->n_faults, 2);
	assert_int_equal(sim_fault_take(m, "nvmlDeviceGetCount_v2"), NVML_ERROR_TIMEOUT);
	assert_int_equal(m->n_faults, 1);
	assert_int_equal(sim_fault_take(m, "nvmlDeviceGetCount_v2"), NVML_SUCCESS);

	/* Forever. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(sim_fault_take(m, "nvmlDeviceGetMigMode"),
				 NVML_ERROR_GPU_IS_LOST);
	assert_int_equal(m->n_faults, 1);
	assert_int_equal(m->faults[0].remaining, -1);
	assert_string_equal(m->faults[0].call, "nvmlDeviceGetMigMode");

	/* A spent entry (remaining 0) never fires. */
	add_fault(m, "nvmlShutdown", NVML_ERROR_UNKNOWN, 0);
	assert_int_equal(sim_fault_take(m, "nvmlShutdown"), NVML_SUCCESS);
	assert_int_equal(m->n_faults, 1);
	free_machine(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_identity),
		cmocka_unit_test(test_build_many_gpus),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_state_needs_uuid),
		cmocka_unit_test(test_ampere_mode_pending),
		cmocka_unit_test(test_hopper_mode_immediate),
		cmocka_unit_test(test_disable_with_gis_in_use),
		cmocka_unit_test(test_two_3g_identity_and_swapped),
		cmocka_unit_test(test_seven_1g),
		cmocka_unit_test(test_1g_1g_2g_3g),
		cmocka_unit_test(test_3g_1g_2g_1g),
		cmocka_unit_test(test_remaining_capacity),
		cmocka_unit_test(test_explicit_placement),
		cmocka_unit_test(test_a30_device_order),
		cmocka_unit_test(test_device_order_multi_ci),
		cmocka_unit_test(test_three_1c_in_3g),
		cmocka_unit_test(test_ci_errors),
		cmocka_unit_test(test_destroy_rules),
		cmocka_unit_test(test_processes_in_use),
		cmocka_unit_test(test_later_gi_while_mig_device_busy),
		cmocka_unit_test(test_non_root),
		cmocka_unit_test(test_mig_uuid),
		cmocka_unit_test(test_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
