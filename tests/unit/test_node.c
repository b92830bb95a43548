/* Tests of lib/node.c (and lib/nvml.c) against the simulator.
 *
 * Each test gets a fresh simulated machine: a mkdtemp state directory
 * initialised with `$MIGSIM_BIN init`, opened through the simulator's
 * library ($MIGSIM_LIB) as opts.nvml_lib. tests/run-tests.sh exports both.
 *
 * Expected values are the hardware's as reference/nvml-mig.md records
 * them (A100 3g,3g → GI 2 at 4:4 then GI 1 at 0:4; CI IDs 0,1,2 at
 * 0:1,1:1,2:1; IN_USE on destroying a GI with CIs), and the catalog for
 * the live profile list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migctl/catalog.h"
#include "migctl/node.h"

/* A100-SXM4-80GB GI profile IDs and the CI profile IDs of a 3g GI. */
enum { A100_1G = 19, A100_2G = 14, A100_3G = 9, A100_4G = 5, A100_7G = 0 };
enum { CI_1C = 0, CI_2C = 1, CI_3C = 2 };

#include "sim_fixture.h"

static int setup(void **state)
{
	return sim_fixture_setup(state, "test_node", "/tmp");
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static const struct migctl_gpu_model *catalog_model(struct fixture *f, const char *name)
{
	struct migctl_error err;
	const struct migctl_gpu_model *m = migctl_catalog_find_model(&f->cat, name, &err);
	assert_non_null(m);
	return m;
}

/* --- reading ---------------------------------------------------------------- */

static void test_refresh_default_machine(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_error err = {0};

	assert_int_equal(node->n_gpus, 2);
	assert_true(node->simulated);
	assert_string_equal(node->driver_version, "580.95.05");
	assert_string_equal(node->nvml_version, "13.580.95.05");
	assert_int_equal(node->cuda_version, 13000);
	for (unsigned i = 0; i < 2; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		assert_int_equal(g->index, i);
		assert_string_equal(g->name, "NVIDIA A100-SXM4-80GB");
		assert_int_equal(strncmp(g->uuid, "GPU-", 4), 0);
		assert_int_equal(strlen(g->uuid), 40);
		assert_int_equal(strlen(g->bus_id), 16);
		assert_int_equal(g->pci_device_id, 0x20B2);
		assert_int_equal(g->arch, MIGCTL_ARCH_AMPERE);
		assert_int_equal(g->memory_total_mib, 81920);
		assert_true(g->mig_capable);
		assert_false(g->mig_current);
		assert_false(g->mig_pending);
		/* MIG disabled: NVML lists no profiles; the catalog knows it. */
		assert_int_equal(g->model.n_gi, 0);
		assert_null(g->model.gi);
		assert_non_null(g->catalog_model);
		assert_string_equal(g->catalog_model->name, "NVIDIA A100-SXM4-80GB");
		assert_int_equal(g->n_gis, 0);
		assert_int_equal(g->n_procs, 0);
		assert_null(g->procs); /* none reported: nothing allocated */
	}
	assert_string_not_equal(node->gpus[0].uuid, node->gpus[1].uuid);

	/* Lookups: index, UUID (any case), full and short bus ID. */
	struct migctl_gpu_state *g1 = &node->gpus[1];
	char q[96];
	assert_ptr_equal(migctl_node_find_gpu(node, "1", &err), g1);
	assert_ptr_equal(migctl_node_find_gpu(node, g1->uuid, &err), g1);
	snprintf(q, sizeof(q), "%s", g1->uuid);
	for (char *c = q; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
	q[0] = 'g';
	assert_ptr_equal(migctl_node_find_gpu(node, q, &err), g1);
	assert_ptr_equal(migctl_node_find_gpu(node, g1->bus_id, &err), g1);
	assert_ptr_equal(migctl_node_find_gpu(node, g1->bus_id + 9, &err), g1);
	assert_null(migctl_node_find_gpu(node, "2", &err));
	assert_int_equal(err.code, MIGCTL_ERR_NOT_FOUND);
	assert_contains(err.msg, "0 to 1");
	assert_null(migctl_node_find_gpu(node, "GPU-nope", &err));
	assert_int_equal(err.code, MIGCTL_ERR_NOT_FOUND);
	assert_null(migctl_node_find_gpu(node, "", &err));

	/* A second refresh keeps the GPU array where it was. */
	struct migctl_gpu_state *before = node->gpus;
	assert_int_equal(migctl_node_refresh(node, &err), MIGCTL_ERR_OK);
	assert_ptr_equal(node->gpus, before);
	assert_string_equal(migctl_node_nvml_text(node), "");
}

static void test_enable_pending_then_reset(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = &node->gpus[0];
	struct migctl_mode_result res;
	struct migctl_error err = {0};

	assert_int_equal(migctl_node_set_mig_mode(node, g, true, &res, &err), MIGCTL_ERR_OK);
	assert_true(res.changed);
	assert_true(res.pending);
	assert_int_equal(res.activation, MIGCTL_ERR_RESET_REQUIRED);
	assert_string_equal(res.activation_text, "GPU requires reset");
	assert_false(g->mig_current);
	assert_true(g->mig_pending);
	assert_int_equal(g->model.n_gi, 0);

	/* Asking again: nothing new, still pending. */
	assert_int_equal(migctl_node_set_mig_mode(node, g, true, &res, &err), MIGCTL_ERR_OK);
	assert_true(res.pending);

	assert_int_equal(migctl_node_reset_gpu(node, g, &err), MIGCTL_ERR_OK);
	assert_true(g->mig_current);
	assert_true(g->mig_pending);
	assert_int_equal(g->model.n_gi, 7);
	assert_false(node->gpus[1].mig_current);

	/* Already enabled: no change. */
	assert_int_equal(migctl_node_set_mig_mode(node, g, true, &res, &err), MIGCTL_ERR_OK);
	assert_false(res.changed);
	assert_false(res.pending);

	/* Disable: pending again until the reset. */
	assert_int_equal(migctl_node_set_mig_mode(node, g, false, &res, &err), MIGCTL_ERR_OK);
	assert_true(res.changed);
	assert_true(res.pending);
	assert_int_equal(migctl_node_reset_gpu(node, g, &err), MIGCTL_ERR_OK);
	assert_false(g->mig_current);
	assert_int_equal(g->model.n_gi, 0);
}

static void test_hopper_enables_at_once(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus 'NVIDIA H100 80GB HBM3'");
	struct migctl_gpu_state *g = &node->gpus[0];
	struct migctl_mode_result res;
	struct migctl_error err = {0};

	assert_int_equal(g->arch, MIGCTL_ARCH_HOPPER);
	assert_int_equal(migctl_node_set_mig_mode(node, g, true, &res, &err), MIGCTL_ERR_OK);
	assert_true(res.changed);
	assert_false(res.pending);
	assert_int_equal(res.activation, MIGCTL_ERR_OK);
	assert_string_equal(res.activation_text, "");
	assert_true(g->mig_current);
	assert_true(g->model.n_gi > 0);
}

static void assert_same_placements(const struct migctl_placement_set *a,
				   const struct migctl_placement_set *b)
{
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->n_starts, b->n_starts);
	for (unsigned i = 0; i < a->n_starts; i++)
		assert_int_equal(a->starts[i], b->starts[i]);
}

static void assert_same_ci_profiles(const struct migctl_gi_profile *live,
				    const struct migctl_gi_profile *cat)
{
	assert_int_equal(live->n_ci, cat->n_ci);
	for (size_t j = 0; j < cat->n_ci; j++) {
		const struct migctl_ci_profile *a = &live->ci[j], *b = &cat->ci[j];
		assert_int_equal(a->id, b->id);
		assert_string_equal(a->name, b->name);
		assert_int_equal(a->slices, b->slices);
		assert_int_equal(a->sm, b->sm);
		assert_int_equal(a->max, b->max);
		assert_int_equal(a->is_default, b->is_default);
		assert_same_placements(&a->placements, &b->placements);
	}
}

static void test_live_profiles_equal_catalog(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);
	const struct migctl_gpu_model *cat = catalog_model(f, "A100-SXM4-80GB");

	assert_ptr_equal(g->catalog_model, cat);
	assert_int_equal(g->model.n_gi, cat->n_gi);
	assert_int_equal(g->model.units, 8);
	assert_int_equal(g->model.compute_slices, 7);
	assert_string_equal(g->model.name, "NVIDIA A100-SXM4-80GB");
	for (size_t i = 0; i < cat->n_gi; i++) {
		const struct migctl_gi_profile *a = &g->model.gi[i], *b = &cat->gi[i];
		assert_int_equal(a->id, b->id);
		assert_string_equal(a->name, b->name);
		assert_int_equal(a->nvml_index, b->nvml_index);
		assert_int_equal(a->compute_slices, b->compute_slices);
		assert_int_equal(a->memory_mib, b->memory_mib);
		assert_int_equal(a->sm, b->sm);
		assert_int_equal(a->max, b->max);
		assert_int_equal(a->dec, b->dec);
		assert_true(a->confirmed);
		assert_same_placements(&a->placements, &b->placements);
		/* No GI yet: the catalog's CI profiles stand in. */
		assert_same_ci_profiles(a, b);
		/* Empty GPU: every profile has its full count free. */
		assert_int_equal(g->gi_free[i], b->max);
	}

	/* With a 3g GI, its CI profiles come from NVML and still agree. */
	create_gi(node, g, A100_3G, NULL);
	const struct migctl_gi_profile *live = migctl_model_gi_profile_by_id(&g->model, A100_3G);
	assert_non_null(live);
	assert_same_ci_profiles(live, migctl_model_gi_profile_by_id(cat, A100_3G));
	assert_int_equal(migctl_gi_profile_default_ci(live)->id, CI_3C);
}

/* --- GPU instances -------------------------------------------------------------- */

static size_t profile_index(const struct migctl_gpu_state *g, unsigned id)
{
	const struct migctl_gi_profile *gp = migctl_model_gi_profile_by_id(&g->model, id);
	assert_non_null(gp);
	return (size_t)(gp - g->model.gi);
}

static void test_create_two_3g(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);

	assert_int_equal(g->gi_free[profile_index(g, A100_3G)], 2);
	assert_int_equal(create_gi(node, g, A100_3G, NULL), 2);
	assert_int_equal(create_gi(node, g, A100_3G, NULL), 1);
	assert_int_equal(g->n_gis, 2);
	/* By GI ID. */
	assert_int_equal(g->gis[0].id, 1);
	assert_int_equal(g->gis[0].placement.start, 0);
	assert_int_equal(g->gis[0].placement.size, 4);
	assert_int_equal(g->gis[1].id, 2);
	assert_int_equal(g->gis[1].placement.start, 4);
	assert_int_equal(g->gis[1].placement.size, 4);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(g->gis[i].profile_id, A100_3G);
		assert_non_null(g->gis[i].profile);
		assert_string_equal(g->gis[i].profile->name, "3g.40gb");
		assert_int_equal(g->gis[i].n_cis, 0);
	}
	assert_int_equal(g->gi_free[profile_index(g, A100_3G)], 0);
	assert_int_equal(g->gi_free[profile_index(g, A100_7G)], 0);
	assert_int_equal(g->gi_free[profile_index(g, A100_1G)], 0);
	assert_ptr_equal(migctl_gpu_find_gi(g, 2), &g->gis[1]);
	assert_null(migctl_gpu_find_gi(g, 3));
}

static void test_create_at_placement(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);
	struct migctl_error err = {0};
	unsigned id = 999;

	/* 1g at 3 → GI ID (8/1 - 1) + 3 = 10. */
	struct migctl_placement at3 = {3, 1};
	assert_int_equal(create_gi(node, g, A100_1G, &at3), 10);
	assert_int_equal(g->gis[0].placement.start, 3);
	assert_int_equal(g->gis[0].placement.size, 1);

	/* Not one of the profile's placements. */
	struct migctl_placement at7 = {7, 1}, at2 = {2, 4};
	assert_int_equal(migctl_node_create_gi(node, g, A100_1G, &at7, &id, &err),
			 MIGCTL_ERR_INVALID_PLACEMENT);
	assert_contains(err.msg, "GPU 0 (NVIDIA A100-SXM4-80GB)");
	assert_contains(err.msg, "7:1");
	assert_contains(err.msg, "{0,1,2,3,4,5,6}:1");
	assert_int_equal(migctl_node_create_gi(node, g, A100_3G, &at2, &id, &err),
			 MIGCTL_ERR_INVALID_PLACEMENT);
	assert_int_equal(id, 999);

	/* Valid but taken. */
	assert_int_equal(migctl_node_create_gi(node, g, A100_1G, &at3, &id, &err),
			 MIGCTL_ERR_INSUFFICIENT_RESOURCES);
	assert_string_equal(migctl_node_nvml_text(node), "Insufficient Resources");
	assert_int_equal(g->n_gis, 1);
}

static void test_insufficient_resources(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);
	struct migctl_error err = {0};
	unsigned id = 999;

	assert_int_equal(create_gi(node, g, A100_7G, NULL), 0);
	assert_int_equal(migctl_node_create_gi(node, g, A100_1G, NULL, &id, &err),
			 MIGCTL_ERR_INSUFFICIENT_RESOURCES);
	assert_contains(err.msg, "GPU 0 (NVIDIA A100-SXM4-80GB): cannot create a GPU instance of profile 1g.10gb (ID 19): Insufficient Resources");
	assert_string_equal(migctl_node_nvml_text(node), "Insufficient Resources");
	assert_int_equal(id, 999);
	assert_int_equal(g->n_gis, 1);
}

static void test_unknown_profile_and_mig_disabled(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g1 = &node->gpus[1];
	struct migctl_error err = {0};
	unsigned id = 999;

	/* MIG disabled on GPU 1. */
	assert_int_equal(migctl_node_create_gi(node, g1, A100_3G, NULL, &id, &err),
			 MIGCTL_ERR_NOT_SUPPORTED);
	assert_contains(err.msg, "GPU 1 (NVIDIA A100-SXM4-80GB)");
	assert_contains(err.msg, "MIG mode is disabled");
	assert_int_equal(migctl_node_destroy_gi(node, g1, 1, &err), MIGCTL_ERR_NOT_SUPPORTED);

	struct migctl_gpu_state *g = enabled(node, 0);
	assert_int_equal(migctl_node_create_gi(node, g, 42, NULL, &id, &err),
			 MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_contains(err.msg, "42");
	assert_contains(err.msg, "3g.40gb (9)");
	assert_string_equal(migctl_node_nvml_text(node), "Invalid Argument");

	unsigned gi = create_gi(node, g, A100_3G, NULL);
	assert_int_equal(migctl_node_create_ci(node, g, gi, 42, NULL, &id, &err),
			 MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_contains(err.msg, "1c.3g.40gb (0)");
	assert_int_equal(migctl_node_create_ci(node, g, 7, CI_1C, NULL, &id, &err),
			 MIGCTL_ERR_NOT_FOUND);
	assert_contains(err.msg, "no GPU instance 7");
	assert_int_equal(id, 999);
}

/* --- compute instances and MIG devices ------------------------------------------------ */

static void test_cis_and_mig_devices(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);

	unsigned gi = create_gi(node, g, A100_3G, NULL);
	assert_int_equal(gi, 2);
	struct migctl_gi_state *gs = migctl_gpu_find_gi(g, gi);
	assert_non_null(gs);
	assert_int_equal(gs->ci_free[0], 3); /* 1c.3g.40gb */

	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(create_ci(node, g, gi, CI_1C, NULL), i);
	gs = migctl_gpu_find_gi(g, gi);
	assert_int_equal(gs->n_cis, 3);
	assert_int_equal(gs->ci_free[0], 0);
	for (unsigned i = 0; i < 3; i++) {
		const struct migctl_ci_state *cs = &gs->cis[i];
		assert_int_equal(cs->id, i);
		assert_int_equal(cs->profile_id, CI_1C);
		assert_string_equal(cs->profile_name, "1c.3g.40gb");
		assert_int_equal(cs->placement.start, i);
		assert_int_equal(cs->placement.size, 1);
		assert_int_equal(cs->sm, 14);
		assert_int_equal(cs->mig_index, i);
		assert_int_equal(strncmp(cs->uuid, "MIG-", 4), 0);
		assert_int_equal(strlen(cs->uuid), 40);
		assert_int_equal(cs->memory_total_mib, 40192);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(cs->uuid, gs->cis[j].uuid);
	}

	/* A second GI, created later at a lower ID, takes MIG index 0. */
	unsigned gi1 = create_gi(node, g, A100_3G, NULL);
	assert_int_equal(gi1, 1);
	struct migctl_placement at0 = {0, 3};
	assert_int_equal(create_ci(node, g, gi1, CI_3C, &at0), 0);
	struct migctl_gi_state *g1s = migctl_gpu_find_gi(g, 1);
	assert_int_equal(g1s->cis[0].mig_index, 0);
	assert_string_equal(g1s->cis[0].profile_name, "3g.40gb");
	assert_int_equal(g1s->cis[0].sm, 42);
	assert_int_equal(migctl_gpu_find_gi(g, 2)->cis[0].mig_index, 1);

	/* A CI at a placement its profile does not have. */
	struct migctl_error err = {0};
	struct migctl_placement bad = {2, 2};
	unsigned id = 999;
	assert_int_equal(migctl_node_destroy_ci(node, g, 1, 0, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_node_create_ci(node, g, 1, CI_2C, &bad, &id, &err),
			 MIGCTL_ERR_INVALID_PLACEMENT);
	assert_contains(err.msg, "{0,1}:2");
	assert_int_equal(migctl_node_destroy_ci(node, g, 1, 5, &err), MIGCTL_ERR_NOT_FOUND);
	assert_contains(err.msg, "no compute instance 5");
}

static void test_destroy_gi_with_ci_is_busy(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);
	struct migctl_error err = {0};

	unsigned gi = create_gi(node, g, A100_3G, NULL);
	create_ci(node, g, gi, CI_1C, NULL);
	create_ci(node, g, gi, CI_1C, NULL);

	assert_int_equal(migctl_node_destroy_gi(node, g, gi, &err), MIGCTL_ERR_BUSY);
	assert_string_equal(err.msg,
			    "GPU 0 (NVIDIA A100-SXM4-80GB): cannot destroy GPU instance 2: In use by another client; destroy its compute instances 0, 1 first");
	assert_string_equal(migctl_node_nvml_text(node), "In use by another client");
	assert_int_equal(g->n_gis, 1);

	assert_int_equal(migctl_node_destroy_ci(node, g, gi, 0, &err), MIGCTL_ERR_OK);
	assert_string_equal(migctl_node_nvml_text(node), "");
	assert_int_equal(migctl_node_destroy_ci(node, g, gi, 1, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_gpu_find_gi(g, gi)->n_cis, 0);
	assert_int_equal(migctl_node_destroy_gi(node, g, gi, &err), MIGCTL_ERR_OK);
	assert_int_equal(g->n_gis, 0);

	assert_int_equal(migctl_node_destroy_gi(node, g, gi, &err), MIGCTL_ERR_NOT_FOUND);
	assert_contains(err.msg, "no GPU instance 2");
	assert_string_equal(migctl_node_nvml_text(node), "Not Found");
}

/* --- privileges and the driver ------------------------------------------------------- */

static void test_non_root(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--non-root");
	struct migctl_gpu_state *g = &node->gpus[0];
	struct migctl_mode_result res;
	struct migctl_error err = {0};

	assert_int_equal(migctl_node_set_mig_mode(node, g, true, &res, &err),
			 MIGCTL_ERR_NO_PERMISSION);
	assert_contains(err.msg, "GPU 0 (NVIDIA A100-SXM4-80GB): cannot enable MIG mode: Insufficient Permissions; run as root");
	assert_string_equal(migctl_node_nvml_text(node), "Insufficient Permissions");
	assert_false(g->mig_pending);
	assert_int_equal(migctl_node_reset_gpu(node, g, &err), MIGCTL_ERR_NO_PERMISSION);
}

static void test_missing_library(void **state)
{
	struct fixture *f = *state;
	struct migctl_node_options opts = {
		.nvml_lib = "/nonexistent/libnvidia-ml.so.1",
		.catalog = &f->cat,
	};
	struct migctl_node node;
	struct migctl_error err = {0};

	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_NO_DRIVER);
	assert_contains(err.msg, "no NVIDIA driver");
	assert_contains(err.msg, "/nonexistent/libnvidia-ml.so.1");
	assert_contains(err.msg, "--sim");
	migctl_node_close(&node); /* harmless on a node that did not open */

	/* A library that is not NVML. */
	opts.nvml_lib = "libc.so.6";
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_NO_DRIVER);
	assert_contains(err.msg, "not an NVML library");
}

/* --- processes ------------------------------------------------------------------ */

/* `migsim exec -d DEV -- sleep 30` in the background; its PID. */
static pid_t exec_bg(struct fixture *f, const char *dev)
{
	char pidfile[320], buf[32] = "";
	FILE *p;

	snprintf(pidfile, sizeof(pidfile), "%s/exec.pid", f->dir);
	run("'%s' --state '%s' exec -d '%s' -- sleep 30 >/dev/null 2>&1 & echo $! >'%s'", sim_bin,
	    f->state, dev, pidfile);
	p = fopen(pidfile, "r");
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	fclose(p);
	f->bg = (pid_t)atoi(buf);
	assert_true(f->bg > 0);
	return f->bg;
}

/* Refresh until GPU `i` shows `n` processes, the first named `name`. */
static void wait_procs(struct migctl_node *node, unsigned i, size_t n, const char *name)
{
	struct migctl_error err = {0};

	for (int t = 0; t < 200; t++) {
		if (migctl_node_refresh(node, &err))
			fail_msg("refresh: %s", err.msg);
		const struct migctl_gpu_state *g = &node->gpus[i];
		if (g->n_procs == n && (n == 0 || strcmp(g->procs[0].name, name) == 0))
			return;
		msleep(25);
	}
	fail_msg("GPU %u never showed %zu process(es)", i, n);
}

static void test_process_on_gpu_blocks_mode_change(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_mode_result res;
	struct migctl_error err = {0};

	exec_bg(f, node->gpus[1].uuid);
	wait_procs(node, 1, 1, "sleep");
	struct migctl_gpu_state *g = &node->gpus[1];
	const struct migctl_process *pr = &g->procs[0];
	assert_true(pr->pid > 0);
	assert_int_equal(pr->gi, MIGCTL_ID_NONE);
	assert_int_equal(pr->ci, MIGCTL_ID_NONE);
	assert_int_equal(node->gpus[0].n_procs, 0);

	char want[64];
	snprintf(want, sizeof(want), "process %u (sleep) runs on the GPU", pr->pid);
	assert_int_equal(migctl_node_set_mig_mode(node, g, true, &res, &err), MIGCTL_ERR_BUSY);
	assert_contains(err.msg, "GPU 1 (NVIDIA A100-SXM4-80GB): cannot enable MIG mode");
	assert_contains(err.msg, want);
	assert_false(g->mig_pending);
	assert_int_equal(migctl_node_reset_gpu(node, g, &err), MIGCTL_ERR_BUSY);
	assert_contains(err.msg, want);

	stop_bg(f);
	wait_procs(node, 1, 0, "");
}

static void test_process_on_mig_device(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);
	struct migctl_error err = {0};

	unsigned gi = create_gi(node, g, A100_3G, NULL);
	unsigned ci = create_ci(node, g, gi, CI_1C, NULL);
	create_ci(node, g, gi, CI_1C, NULL);
	char uuid[96];
	snprintf(uuid, sizeof(uuid), "%s", migctl_gi_find_ci(migctl_gpu_find_gi(g, gi), ci)->uuid);

	exec_bg(f, uuid);
	wait_procs(node, 0, 1, "sleep");
	struct migctl_gi_state *gs = migctl_gpu_find_gi(g, gi);
	struct migctl_ci_state *cs = migctl_gi_find_ci(gs, ci);
	assert_int_equal(g->procs[0].gi, gi);
	assert_int_equal(g->procs[0].ci, ci);
	/* Processes are kept once, on the GPU; a CI only counts its own. */
	assert_int_equal(g->n_procs, 1);
	assert_string_equal(g->procs[0].name, "sleep");
	assert_int_equal(cs->n_procs, 1);
	assert_int_equal(migctl_gi_find_ci(gs, 1)->n_procs, 0);

	char want[80];
	snprintf(want, sizeof(want), "process %u (sleep) runs on it; stop them first",
		 g->procs[0].pid);
	assert_int_equal(migctl_node_destroy_ci(node, g, gi, ci, &err), MIGCTL_ERR_BUSY);
	assert_contains(err.msg, "cannot destroy compute instance 0 of GPU instance 2: In use by another client");
	assert_contains(err.msg, want);
	/* The other CI is free to go. */
	assert_int_equal(migctl_node_destroy_ci(node, g, gi, 1, &err), MIGCTL_ERR_OK);

	stop_bg(f);
	wait_procs(node, 0, 0, "");
	assert_int_equal(migctl_node_destroy_ci(node, g, gi, ci, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_node_destroy_gi(node, g, gi, &err), MIGCTL_ERR_OK);
}

/* The node state holds processes once per GPU, not a fixed array per CI
 * per GI: a GPU's state stays small (it was about 710 KB). */
static void test_gpu_state_is_lean(void **state)
{
	(void)state;
	assert_true(sizeof(struct migctl_gpu_state) < 64 * 1024);
	assert_true(sizeof(struct migctl_ci_state) < 512);
}

/* --- how the library is found ------------------------------------------------------ */

static void test_simulate_option(void **state)
{
	struct fixture *f = *state;
	struct migctl_node_options opts = {
		.simulate = true,
		.sim_state = f->state,
		.catalog = &f->cat,
	};
	struct migctl_node node;
	struct migctl_error err = {0};

	run("'%s' --state '%s' init --gpus A30:3 >/dev/null", sim_bin, f->state);
	unsetenv("MIGSIM_STATE"); /* the node hands sim_state to the simulator */

	/* The bundled library is looked for next to the executable: not
	 * there for a test program. The library reads no environment:
	 * MIGCTL_SIM_LIB is the CLI's, passed as opts.sim_lib. */
	setenv("MIGCTL_SIM_LIB", sim_lib, 1);
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_NO_DRIVER);
	unsetenv("MIGCTL_SIM_LIB");
	assert_contains(err.msg, "tests/sim/libnvidia-ml.so.1");
	assert_contains(err.msg, "MIGCTL_SIM_LIB");

	opts.sim_lib = sim_lib;
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_OK);
	assert_true(node.simulated);
	/* migsimSetStateDir, not the environment, named the machine. */
	assert_null(getenv("MIGSIM_STATE"));
	assert_int_equal(migctl_node_refresh(&node, &err), MIGCTL_ERR_OK);
	assert_int_equal(node.n_gpus, 3);
	assert_string_equal(node.gpus[2].name, "NVIDIA A30");
	assert_non_null(node.gpus[2].catalog_model);
	migctl_node_close(&node);

	/* nvml_lib names the library and wins over simulate; MIGCTL_NVML_LIB
	 * is not read. */
	opts.simulate = false;
	opts.sim_lib = NULL;
	opts.nvml_lib = sim_lib;
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_node_refresh(&node, &err), MIGCTL_ERR_OK);
	assert_int_equal(node.n_gpus, 3);
	migctl_node_close(&node);
}

/* A machine of an older driver branch needs that branch's library, looked
 * for as sim-<branch>/ beside the plain one: missing for a test program,
 * so the error names it and the fix; a named library still wins. */
static void test_simulate_branch_library(void **state)
{
	struct fixture *f = *state;
	struct migctl_node_options opts = {
		.simulate = true,
		.sim_state = f->state,
		.catalog = &f->cat,
	};
	struct migctl_node node;
	struct migctl_error err = {0};

	run("'%s' --state '%s' init --gpus A100-SXM4-40GB --driver 450 >/dev/null", sim_bin,
	    f->state);
	unsetenv("MIGSIM_STATE");
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_NO_DRIVER);
	assert_contains(err.msg, "driver branch 450");
	assert_contains(err.msg, "tests/sim-450/libnvidia-ml.so.1");
	assert_contains(err.msg, "make builds sim-450/");
	assert_contains(err.msg, "MIGCTL_SIM_LIB");

	opts.sim_lib = sim_lib;
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_OK);
	assert_string_equal(node.driver_version, "450.80.02");
	migctl_node_close(&node);
}

/* Two state directories in one process: each node's sim_state reaches the
 * simulator before its nvmlInit, with no environment in between. */
static void test_sim_state_option(void **state)
{
	struct fixture *f = *state;
	char other[PATH_MAX];
	struct migctl_node_options opts = {
		.simulate = true,
		.sim_lib = sim_lib,
		.catalog = &f->cat,
	};
	struct migctl_node node;
	struct migctl_error err = {0};

	snprintf(other, sizeof(other), "%s/other", f->dir);
	run("'%s' --state '%s' init --gpus A30:1 >/dev/null", sim_bin, f->state);
	run("'%s' --state '%s' init --gpus A100-SXM4-40GB:2 >/dev/null", sim_bin, other);
	unsetenv("MIGSIM_STATE");

	opts.sim_state = other;
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_node_refresh(&node, &err), MIGCTL_ERR_OK);
	assert_int_equal(node.n_gpus, 2);
	assert_string_equal(node.gpus[0].name, "NVIDIA A100-SXM4-40GB");
	migctl_node_close(&node);

	opts.sim_state = f->state;
	assert_int_equal(migctl_node_open(&node, &opts, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_node_refresh(&node, &err), MIGCTL_ERR_OK);
	assert_int_equal(node.n_gpus, 1);
	assert_string_equal(node.gpus[0].name, "NVIDIA A30");
	migctl_node_close(&node);
	assert_null(getenv("MIGSIM_STATE"));
}

/* --- drivers that lack things, and failing calls ------------------------------------- */

static void fault(struct fixture *f, const char *call, const char *code, int count)
{
	run("'%s' --state '%s' fault add --call %s --error %s --count %d >/dev/null", sim_bin,
	    f->state, call, code, count);
}

static void test_old_driver_fallbacks(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);
	const struct migctl_gpu_model *cat = catalog_model(f, "A100-SXM4-80GB");
	struct migctl_error err = {0};

	create_gi(node, g, A100_3G, NULL);
	/* No versioned profile queries, no placement lists: the v1 calls
	 * and the catalog fill in, and the model is the same. */
	fault(f, "nvmlDeviceGetGpuInstanceProfileInfoV", "FUNCTION_NOT_FOUND", -1);
	fault(f, "nvmlGpuInstanceGetComputeInstanceProfileInfoV", "FUNCTION_NOT_FOUND", -1);
	fault(f, "nvmlDeviceGetGpuInstancePossiblePlacements", "NOT_SUPPORTED", -1);
	fault(f, "nvmlGpuInstanceGetComputeInstancePossiblePlacements", "NOT_SUPPORTED", -1);
	assert_int_equal(migctl_node_refresh(node, &err), MIGCTL_ERR_OK);
	assert_int_equal(g->model.n_gi, cat->n_gi);
	for (size_t i = 0; i < cat->n_gi; i++) {
		assert_int_equal(g->model.gi[i].id, cat->gi[i].id);
		assert_string_equal(g->model.gi[i].name, cat->gi[i].name);
		assert_same_placements(&g->model.gi[i].placements, &cat->gi[i].placements);
		assert_same_ci_profiles(&g->model.gi[i], &cat->gi[i]);
	}
	assert_int_equal(g->model.units, 8);
	assert_int_equal(g->n_gis, 1);

	/* A driver that does not answer the MIG mode query. */
	fault(f, "nvmlDeviceGetMigMode", "NOT_SUPPORTED", 1);
	assert_int_equal(migctl_node_refresh(node, &err), MIGCTL_ERR_OK);
	assert_false(g->mig_capable);
	assert_false(g->mig_current);
	assert_true(node->gpus[1].mig_capable);
}

static void test_failing_calls(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "");
	struct migctl_gpu_state *g = enabled(node, 0);
	struct migctl_error err = {0};
	unsigned id = 999;

	/* A failed refresh keeps what was read before. */
	unsigned gi = create_gi(node, g, A100_3G, NULL);
	fault(f, "nvmlDeviceGetCount", "UNKNOWN", 1);
	assert_int_equal(migctl_node_refresh(node, &err), MIGCTL_ERR_NVML);
	assert_string_equal(err.msg, "cannot count the GPUs: Unknown Error");
	assert_string_equal(migctl_node_nvml_text(node), "Unknown Error");
	assert_int_equal(node->n_gpus, 2);
	assert_int_equal(g->n_gis, 1);
	fault(f, "nvmlDeviceGetUUID", "GPU_IS_LOST", 1);
	assert_int_equal(migctl_node_refresh(node, &err), MIGCTL_ERR_NVML);
	assert_contains(err.msg, "GPU 0 (NVIDIA A100-SXM4-80GB): cannot read its UUID: GPU is lost");
	assert_int_equal(g->n_gis, 1);
	assert_int_equal(migctl_node_refresh(node, &err), MIGCTL_ERR_OK);

	/* Creating the first GI while clients hold the GPU. */
	fault(f, "nvmlDeviceCreateGpuInstance", "IN_USE", 1);
	assert_int_equal(migctl_node_create_gi(node, g, A100_3G, NULL, &id, &err), MIGCTL_ERR_BUSY);
	assert_contains(err.msg, "In use by another client");
	assert_int_equal(id, 999);

	/* The driver refusing a placement the catalog allows. */
	struct migctl_placement at0 = {0, 4};
	fault(f, "nvmlDeviceCreateGpuInstanceWithPlacement", "INVALID_ARGUMENT", 1);
	assert_int_equal(migctl_node_create_gi(node, g, A100_3G, &at0, &id, &err),
			 MIGCTL_ERR_INVALID_PLACEMENT);
	assert_contains(err.msg, "Invalid Argument");
	assert_string_equal(migctl_node_nvml_text(node), "Invalid Argument");

	/* NVML out of memory. */
	fault(f, "nvmlGpuInstanceCreateComputeInstance", "MEMORY", 1);
	assert_int_equal(migctl_node_create_ci(node, g, gi, CI_1C, NULL, &id, &err),
			 MIGCTL_ERR_NOMEM);
	assert_contains(err.msg, "Insufficient Memory");
	assert_int_equal(create_ci(node, g, gi, CI_1C, NULL), 0);
}

static void test_hopper_disable_with_instances(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus 'NVIDIA H100 80GB HBM3'");
	struct migctl_gpu_state *g = enabled(node, 0);
	struct migctl_mode_result res;
	struct migctl_error err = {0};

	unsigned gi = create_gi(node, g, A100_7G, NULL);
	assert_int_equal(migctl_node_set_mig_mode(node, g, false, &res, &err), MIGCTL_ERR_BUSY);
	assert_contains(err.msg, "GPU 0 (NVIDIA H100 80GB HBM3): cannot disable MIG mode: In use by another client; destroy its GPU instances first");
	assert_true(g->mig_current);
	assert_int_equal(migctl_node_destroy_gi(node, g, gi, &err), MIGCTL_ERR_OK);
	assert_int_equal(migctl_node_set_mig_mode(node, g, false, &res, &err), MIGCTL_ERR_OK);
	assert_false(res.pending);
	assert_false(g->mig_current);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_refresh_default_machine),
		T(test_enable_pending_then_reset),
		T(test_hopper_enables_at_once),
		T(test_live_profiles_equal_catalog),
		T(test_create_two_3g),
		T(test_create_at_placement),
		T(test_insufficient_resources),
		T(test_unknown_profile_and_mig_disabled),
		T(test_cis_and_mig_devices),
		T(test_destroy_gi_with_ci_is_busy),
		T(test_non_root),
		T(test_missing_library),
		T(test_process_on_gpu_blocks_mode_change),
		T(test_process_on_mig_device),
		T(test_simulate_option),
		T(test_simulate_branch_library),
		T(test_sim_state_option),
		T(test_gpu_state_is_lean),
		T(test_old_driver_fallbacks),
		T(test_failing_calls),
		T(test_hopper_disable_with_instances),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup_reaper, NULL);
}
