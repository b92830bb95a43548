/* Tests of the multi-GPU create transaction (lib/create.c,
 * include/migctl/create.h) on the simulator, set up as in
 * tests/unit/test_node.c: a fresh simulated machine per test
 * ($MIGSIM_BIN init), opened through $MIGSIM_LIB.
 *
 * What they pin: every GPU is checked before anything changes; GIs and
 * CIs are created in request order (A100: 3g,3g -> GI 2 at 4:4, then GI 1
 * at 0:4, reference/nvml-mig.md); a failure rolls back everything the
 * request created, on every GPU, and says what; destroys that fail during
 * the rollback are reported, not hidden.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migctl/catalog.h"
#include "migctl/create.h"
#include "migctl/node.h"

/* A100-SXM4-80GB GI profile IDs and the CI profile IDs of a 3g GI. */
enum { A100_1G = 19, A100_2G = 14, A100_3G = 9, A100_4G = 5, A100_7G = 0 };
enum { CI_1C = 0, CI_2C = 1, CI_3C = 2 };

#include "sim_fixture.h"

static int setup(void **state)
{
	return sim_fixture_setup(state, "test_create", "/tmp");
}

/* Run `req` on the fixture's node; the result stays in `res`. */
static enum migctl_err create(struct fixture *f, struct migctl_create_request *req,
			      struct migctl_create_result *res, struct migctl_error *err)
{
	migctl_create_result_init(res);
	return migctl_create(&f->node, req, res, err);
}

static void test_creates_on_every_gpu(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-80GB:2");
	struct migctl_gpu_state *gpus[] = {enabled(node, 0), enabled(node, 1)};
	struct migctl_create_request req = {.gpus = gpus, .n_gpus = 2, .profiles = "3g.40gb,9"};
	struct migctl_create_result res;
	struct migctl_error err = {0};

	if (create(f, &req, &res, &err))
		fail_msg("create: %s", err.msg);
	assert_int_equal(res.n_gis, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct migctl_create_gi *m = &res.gis[i];
		assert_ptr_equal(m->gpu, gpus[i / 2]);
		assert_true(m->new_gi);
		assert_int_equal(m->gi, i % 2 ? 1 : 2);
		struct migctl_gi_state *gi = migctl_gpu_find_gi(m->gpu, m->gi);
		assert_non_null(gi);
		assert_int_equal(gi->profile_id, A100_3G);
		assert_int_equal(gi->placement.start, i % 2 ? 0 : 4);
		/* The default CI: the whole GI. */
		assert_int_equal(m->n_cis, 1);
		assert_int_equal(gi->n_cis, 1);
		assert_int_equal(gi->cis[0].id, m->cis[0]);
		assert_int_equal(gi->cis[0].profile_id, CI_3C);
	}
	assert_int_equal(res.n_undo_errors, 0);
	migctl_create_result_release(&res);
}

/* No CIs, and a given placement (its size taken from the profile). */
static void test_no_ci_at_placement(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-80GB:1");
	struct migctl_gpu_state *gpus[] = {enabled(node, 0)};
	struct migctl_placement at = {0, 0};
	struct migctl_create_request one = {.gpus = gpus, .n_gpus = 1, .profiles = "1g.10gb",
					    .no_ci = true, .placement = &at};
	struct migctl_create_result res;
	struct migctl_error err = {0};

	if (create(f, &one, &res, &err))
		fail_msg("create --no-ci: %s", err.msg);
	assert_int_equal(res.n_gis, 1);
	assert_int_equal(res.gis[0].n_cis, 0);
	struct migctl_gi_state *gi = migctl_gpu_find_gi(gpus[0], res.gis[0].gi);
	assert_non_null(gi);
	assert_int_equal(gi->placement.start, 0);
	assert_int_equal(gi->placement.size, 1);
	assert_int_equal(gi->n_cis, 0);
	migctl_create_result_release(&res);
}

/* Each check fails the request before any GPU changes. */
static void test_checks_before_changing(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-80GB:2");
	struct migctl_gpu_state *gpus[] = {enabled(node, 0), &node->gpus[1]};
	struct migctl_create_request req = {.gpus = gpus, .n_gpus = 2, .profiles = "3g.40gb",
					    .command = "migctl --sim"};
	struct migctl_create_result res;
	struct migctl_error err = {0};

	assert_int_equal(create(f, &req, &res, &err), MIGCTL_ERR_NOT_SUPPORTED);
	assert_contains(err.msg, "GPU 1 (");
	assert_contains(err.msg, "enable it with 'migctl --sim mode enable -i 1'");
	assert_int_equal(gpus[0]->n_gis, 0);
	assert_int_equal(res.n_gis, 0);

	req.n_gpus = 1;
	req.profiles = "3g.40gb,3g.20gb";
	assert_int_equal(create(f, &req, &res, &err), MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_contains(err.msg, "GPU 0: ");
	assert_contains(err.msg, "3g.20gb");

	req.profiles = "3g.40gb";
	req.ci_profiles = "1c.3g.40gb,4c.3g.40gb";
	assert_int_equal(create(f, &req, &res, &err), MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_contains(err.msg, "4c.3g.40gb");

	struct migctl_placement bad = {2, 0};
	req.ci_profiles = NULL;
	req.placement = &bad;
	assert_int_equal(create(f, &req, &res, &err), MIGCTL_ERR_INVALID_PLACEMENT);
	assert_contains(err.msg, "placement 2:4 is not one of MIG 3g.40gb's placements {0,4}:4");

	unsigned ids[] = {7};
	struct migctl_create_request gis = {.gpus = gpus, .n_gpus = 1, .gi_ids = ids, .n_gi_ids = 1};
	assert_int_equal(create(f, &gis, &res, &err), MIGCTL_ERR_NOT_FOUND);
	assert_contains(err.msg, "GPU 0 has no GPU instance 7; its GPU instances: none");

	struct migctl_create_request both = {.gpus = gpus, .n_gpus = 1, .profiles = "9",
					     .gi_ids = ids, .n_gi_ids = 1};
	assert_int_equal(create(f, &both, &res, &err), MIGCTL_ERR_USAGE);
	assert_int_equal(gpus[0]->n_gis, 0);
}

/* GPU 1 is full: what GPU 0 got first is destroyed again. */
static void test_rolls_back_every_gpu(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-80GB:2");
	struct migctl_gpu_state *gpus[] = {enabled(node, 0), enabled(node, 1)};
	struct migctl_create_request req = {.gpus = gpus, .n_gpus = 2, .profiles = "4g.40gb"};
	struct migctl_create_result res;
	struct migctl_error err = {0};

	create_gi(node, gpus[1], A100_7G, NULL);
	assert_int_equal(create(f, &req, &res, &err), MIGCTL_ERR_INSUFFICIENT_RESOURCES);
	assert_contains(err.msg, "GPU 1 (");
	assert_contains(err.msg, "(1 GPU and 1 compute instances) was destroyed again");
	assert_int_equal(res.n_gis, 0);
	assert_int_equal(res.n_undo_errors, 0);
	assert_int_equal(gpus[0]->n_gis, 0);
	assert_int_equal(gpus[1]->n_gis, 1);
	migctl_create_result_release(&res);
}

/* CIs in an existing GI: when the second does not fit, the first goes
 * again and the GI, which the request did not create, stays; then two
 * that fit, in order. */
static void test_cis_in_existing_gi(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-80GB:1");
	struct migctl_gpu_state *gpus[] = {enabled(node, 0)};
	unsigned gi = create_gi(node, gpus[0], A100_3G, NULL);
	unsigned ids[] = {gi};
	struct migctl_create_request req = {.gpus = gpus, .n_gpus = 1, .gi_ids = ids, .n_gi_ids = 1,
					    .ci_profiles = "1c.3g.40gb,3g.40gb"};
	struct migctl_create_result res;
	struct migctl_error err = {0};

	assert_int_equal(create(f, &req, &res, &err), MIGCTL_ERR_INSUFFICIENT_RESOURCES);
	assert_contains(err.msg, "(0 GPU and 1 compute instances) was destroyed again");
	assert_int_equal(res.n_gis, 0);
	assert_non_null(migctl_gpu_find_gi(gpus[0], gi));
	assert_int_equal(migctl_gpu_find_gi(gpus[0], gi)->n_cis, 0);
	migctl_create_result_release(&res);

	req.ci_profiles = "2c.3g.40gb,1c.3g.40gb";
	if (create(f, &req, &res, &err))
		fail_msg("create CIs: %s", err.msg);
	assert_int_equal(res.n_gis, 1);
	assert_false(res.gis[0].new_gi);
	assert_int_equal(res.gis[0].n_cis, 2);
	struct migctl_gi_state *gs = migctl_gpu_find_gi(gpus[0], gi);
	assert_int_equal(gs->n_cis, 2);
	assert_int_equal(gs->cis[0].id, res.gis[0].cis[0]);
	assert_int_equal(gs->cis[0].profile_id, CI_2C);
	migctl_create_result_release(&res);
}

/* A destroy that fails during the rollback is reported, naming the GPU. */
static void test_failed_undo_is_reported(void **state)
{
	struct fixture *f = *state;
	struct migctl_node *node = machine(f, "--gpus A100-SXM4-80GB:1");
	struct migctl_gpu_state *gpus[] = {enabled(node, 0)};
	struct migctl_create_request req = {.gpus = gpus, .n_gpus = 1, .profiles = "1g.10gb,7g.80gb"};
	struct migctl_create_result res;
	struct migctl_error err = {0};

	run("'%s' --state '%s' fault add --call nvmlComputeInstanceDestroy --error IN_USE >/dev/null",
	    sim_bin, f->state);
	assert_int_equal(create(f, &req, &res, &err), MIGCTL_ERR_INSUFFICIENT_RESOURCES);
	assert_contains(err.msg, "(1 GPU and 1 compute instances) was destroyed again");
	/* The CI stayed, so its GI could not go either. */
	assert_int_equal(res.n_undo_errors, 2);
	assert_contains(res.undo_errors[0].msg, "GPU 0 (");
	assert_contains(res.undo_errors[1].msg, "GPU 0 (");
	assert_int_equal(res.undo_errors[0].code, MIGCTL_ERR_BUSY);
	assert_int_equal(gpus[0]->n_gis, 1);
	migctl_create_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creates_on_every_gpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ci_at_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checks_before_changing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rolls_back_every_gpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cis_in_existing_gi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_undo_is_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
