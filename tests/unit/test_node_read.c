/* migctl — partial node reads (struct migctl_node_options.read).
 *
 * A command that prints part of the node asks the driver only for that
 * part (MIGCTL_NODE_READ_*). Each test builds a simulated machine, reads
 * it once in full and once with a partial mask, and requires the partial
 * read to agree with the full one on everything the mask covers, to leave
 * the rest unread, and to make fewer NVML calls. Needs MIGSIM_LIB and
 * MIGSIM_BIN (tests/run-tests.sh sets them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sim_fixture.h"

static int setup(void **state)
{
	return sim_fixture_setup(state, "test_node_read", "/tmp");
}

/* A second node on the fixture's machine, read with `read`. */
static void open_partial(struct fixture *f, struct migctl_node *node, unsigned read)
{
	struct migctl_node_options opts = {
		.nvml_lib = sim_lib, .sim_state = f->state, .catalog = &f->cat, .read = read,
	};
	struct migctl_error err = {0};

	if (migctl_node_open(node, &opts, &err))
		fail_msg("open: %s", err.msg);
	if (migctl_node_refresh(node, &err))
		fail_msg("refresh: %s", err.msg);
}

/* Two A100-SXM4-80GB: GPU 0 with a 3g.40gb GI holding two 1c CIs and a
 * 1g.10gb GI with its default CI; GPU 1 with MIG disabled. Returns the
 * full read. */
static struct migctl_node *two_gpus(struct fixture *f)
{
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-80GB:2");
	struct migctl_gpu_state *g = enabled(node, 0);
	unsigned big = create_gi(node, g, 9, NULL);   /* 3g.40gb */
	unsigned small = create_gi(node, g, 19, NULL); /* 1g.10gb */

	create_ci(node, g, big, 0, NULL);              /* 1c.3g.40gb */
	create_ci(node, g, big, 0, NULL);
	create_ci(node, g, small, 0, NULL);            /* 1g.10gb */
	return open_node(f);
}

/* `list` and `nvidia-smi -L`: GPUs and MIG devices only. */
static void test_devices_only(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *full = two_gpus(f), part;

	open_partial(f, &part, MIGCTL_NODE_READ_DEVICES);
	assert_int_equal(part.n_gpus, full->n_gpus);
	for (size_t i = 0; i < full->n_gpus; i++) {
		const struct migctl_gpu_state *a = &full->gpus[i], *b = &part.gpus[i];
		size_t n_a = 0, n_b = 0;

		assert_string_equal(b->name, a->name);
		assert_string_equal(b->uuid, a->uuid);
		assert_string_equal(b->bus_id, a->bus_id);
		assert_int_equal(b->mig_current, a->mig_current);
		assert_int_equal(b->model.n_gi, 0);   /* no profiles asked */
		assert_true(b->procs_unknown);        /* nor processes */
		for (size_t g = 0; g < a->n_gis; g++)
			for (size_t c = 0; c < a->gis[g].n_cis; c++) {
				const struct migctl_ci_state *ca = &a->gis[g].cis[c];
				struct migctl_gi_state *gb =
					migctl_gpu_find_gi((struct migctl_gpu_state *)b, a->gis[g].id);
				const struct migctl_ci_state *cb = gb ? migctl_gi_find_ci(gb, ca->id) : NULL;

				assert_non_null(cb);
				assert_int_equal(cb->mig_index, ca->mig_index);
				assert_string_equal(cb->uuid, ca->uuid);
				assert_string_equal(cb->profile_name, ca->profile_name);
				n_a++;
			}
		for (size_t g = 0; g < b->n_gis; g++) {
			n_b += b->gis[g].n_cis;
			/* By GI ID, as a full read keeps them. */
			if (g > 0)
				assert_true(b->gis[g - 1].id < b->gis[g].id);
		}
		assert_int_equal(n_b, n_a);
	}
	assert_int_equal(full->gpus[0].n_gis, 2);
	assert_true(migctl_node_nvml_calls(&part) < migctl_node_nvml_calls(full) / 2);
	migctl_node_close(&part);
}

/* `nvidia-smi mig -lgi`, `-lgip` and `-lgipp`: profiles with the GIs, the
 * capacities or the placements, each as a full read has them. */
static void test_profile_reads(void **state)
{
	static const unsigned masks[] = {
		MIGCTL_NODE_READ_GIS,
		MIGCTL_NODE_READ_PROFILES | MIGCTL_NODE_READ_CAPACITY,
		MIGCTL_NODE_READ_PROFILES | MIGCTL_NODE_READ_PLACEMENTS,
	};
	struct fixture *f = *state;
	struct migctl_node *full = two_gpus(f);
	const struct migctl_gpu_state *a = &full->gpus[0];

	for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
		struct migctl_node part;
		open_partial(f, &part, masks[m]);
		const struct migctl_gpu_state *b = &part.gpus[0];

		assert_int_equal(b->model.n_gi, a->model.n_gi);
		for (size_t i = 0; i < a->model.n_gi; i++) {
			const struct migctl_gi_profile *pa = &a->model.gi[i], *pb = &b->model.gi[i];
			assert_int_equal(pb->id, pa->id);
			assert_string_equal(pb->name, pa->name);
			assert_int_equal(pb->memory_mib, pa->memory_mib);
			assert_int_equal(pb->max, pa->max);
			if (masks[m] & MIGCTL_NODE_READ_CAPACITY)
				assert_int_equal(b->gi_free[i], a->gi_free[i]);
			else
				assert_int_equal(b->gi_free[i], 0);
			/* Live placements, or the catalog's (equal on the
			 * simulator): the same either way. */
			assert_memory_equal(&pb->placements, &pa->placements, sizeof(pa->placements));
		}
		if (masks[m] & MIGCTL_NODE_READ_GIS) {
			assert_int_equal(b->n_gis, a->n_gis);
			for (size_t g = 0; g < a->n_gis; g++) {
				assert_int_equal(b->gis[g].id, a->gis[g].id);
				assert_int_equal(b->gis[g].profile_id, a->gis[g].profile_id);
				assert_ptr_not_equal(b->gis[g].profile, NULL);
				assert_int_equal(b->gis[g].placement.start, a->gis[g].placement.start);
				assert_int_equal(b->gis[g].placement.size, a->gis[g].placement.size);
				assert_int_equal(b->gis[g].n_cis, 0); /* CIs not asked */
			}
		} else {
			assert_int_equal(b->n_gis, 0);
		}
		assert_int_equal(b->memory_total_mib, 0); /* GPU info not asked */
		assert_true(migctl_node_nvml_calls(&part) < migctl_node_nvml_calls(full));
		migctl_node_close(&part);
	}
}

/* An operation re-reads its GPU in full, whatever the first read was. */
static void test_operation_rereads_in_full(void **state)
{
	struct fixture *f = *state;
	struct migctl_node part;

	two_gpus(f);
	open_partial(f, &part, MIGCTL_NODE_READ_DEVICES);
	struct migctl_gpu_state *g = &part.gpus[0];
	assert_int_equal(g->model.n_gi, 0);
	create_gi(&part, g, 19, NULL);
	assert_true(g->model.n_gi > 0);
	assert_int_equal(g->n_gis, 3);
	for (size_t i = 0; i < g->n_gis; i++)
		assert_non_null(g->gis[i].profile);
	assert_false(g->procs_unknown);
	assert_true(g->memory_total_mib > 0);
	migctl_node_close(&part);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_devices_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operation_rereads_in_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
