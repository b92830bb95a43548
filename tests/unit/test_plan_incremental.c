/* Unit tests of migctl_plan_incremental (include/migctl/planner.h): the
 * online policy run over a demand. Every plan is replayed instance by
 * instance through migctl_grid_can_place, and its demand accounting is
 * checked; the cases pin the policy's documented choices (used GPUs
 * first, pins kept, model-tied items, what does not fit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "migctl/catalog.h"
#include "migctl/geometry.h"
#include "migctl/planner.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct migctl_catalog cat;
static const struct migctl_gpu_model *a100, *a30;

static int setup(void **state)
{
	struct migctl_error err;
	(void)state;
	migctl_catalog_init(&cat);
	if (migctl_catalog_load_builtin(&cat, &err) != MIGCTL_ERR_OK)
		return -1;
	a100 = migctl_catalog_find_model(&cat, "NVIDIA A100-SXM4-80GB", &err);
	a30 = migctl_catalog_find_model(&cat, "NVIDIA A30", &err);
	return a100 && a30 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

/* Replay every GPU's instances on an empty grid; check that they are in
 * start order, that the counts add up and that pinned ones match `pins`. */
static void check_plan(const struct migctl_plan_request *req, const struct migctl_plan *plan)
{
	unsigned long placed = 0, unplaced = 0, free_cap = 0;
	size_t used = 0, instances = 0;

	for (size_t g = 0; g < plan->n_gpus; g++) {
		const struct migctl_plan_gpu *pg = &plan->gpus[g];
		struct migctl_grid grid;
		struct migctl_slot slots[MIGCTL_MAX_UNITS];
		unsigned cap = 0;

		migctl_grid_of_model(&grid, pg->model);
		for (size_t i = 0; i < pg->n_instances; i++) {
			const struct migctl_plan_instance *in = &pg->instances[i];
			assert_true(migctl_grid_can_place(&grid, slots, i, in->profile, in->placement));
			assert_int_equal(in->profile_id, pg->model->gi[in->profile].id);
			if (i > 0)
				assert_true(pg->instances[i - 1].placement.start < in->placement.start);
			if (in->pinned)
				assert_int_equal(in->demand, MIGCTL_PLAN_NO_DEMAND);
			else
				assert_true(in->demand < req->n_demand);
			slots[i] = (struct migctl_slot){in->profile, in->placement};
		}
		for (size_t q = 0; q < grid.n_profiles; q++)
			cap += migctl_grid_remaining_capacity(&grid, slots, pg->n_instances, q);
		assert_int_equal(pg->free_capacity, cap);
		assert_int_equal(pg->used, pg->n_instances > 0);
		used += pg->used;
		free_cap += cap;
		instances += pg->n_instances;
	}
	for (size_t d = 0; d < plan->n_demand; d++) {
		assert_int_equal(plan->demand[d].placed + plan->demand[d].unplaced,
				 req->demand[d].count);
		placed += plan->demand[d].placed;
		unplaced += plan->demand[d].unplaced;
	}
	assert_int_equal(instances, placed + req->n_pins);
	assert_int_equal(plan->unplaced, unplaced);
	assert_int_equal(plan->complete, unplaced == 0);
	assert_int_equal(plan->gpus_used, used);
	assert_int_equal(plan->free_capacity, free_cap);
	assert_int_equal(plan->lower_bound, 0);
	assert_false(plan->optimal);
}

/* Three 1g on two empty GPUs: the first opens GPU 0 (lowest index), the
 * others follow it there (used GPUs first). */
static void test_used_gpus_first(void **state)
{
	(void)state;
	const struct migctl_plan_fleet fleet[] = {{a100, 2}};
	const struct migctl_plan_demand demand[] = {{"1g.10gb", 3, NULL}};
	struct migctl_plan_request req = {fleet, 1, demand, 1, NULL, 0, false, 0, 0};
	struct migctl_plan plan;
	struct migctl_error err = {0};

	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_incremental(&req, &plan, &err), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_int_equal(plan.n_gpus, 2);
	assert_int_equal(plan.gpus_used, 1);
	assert_int_equal(plan.gpus[0].n_instances, 3);
	assert_int_equal(plan.gpus[1].n_instances, 0);
	assert_int_equal(plan.demand[0].placed, 3);
	assert_true(plan.complete);
	migctl_plan_release(&plan);
}

/* Two whole-GPU instances on one GPU: one is placed, one is counted
 * unplaced; that is not an error. */
static void test_unplaced_counted(void **state)
{
	(void)state;
	const struct migctl_plan_fleet fleet[] = {{a100, 1}};
	const struct migctl_plan_demand demand[] = {{"7g.80gb", 2, NULL}, {"1g.10gb", 1, NULL}};
	struct migctl_plan_request req = {fleet, 1, demand, 2, NULL, 0, false, 0, 0};
	struct migctl_plan plan;
	struct migctl_error err = {0};

	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_incremental(&req, &plan, &err), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_int_equal(plan.demand[0].placed, 1);
	assert_int_equal(plan.demand[0].unplaced, 1);
	assert_int_equal(plan.demand[1].unplaced, 1);
	assert_int_equal(plan.unplaced, 2);
	assert_false(plan.complete);
	assert_int_equal(plan.gpus[0].free_capacity, 0);
	migctl_plan_release(&plan);
}

/* An existing 3g at 4:4 on GPU 1 stays, and makes GPU 1 the used GPU
 * where a new 3g goes (at 0:4), GPU 0 staying empty. */
static void test_pins_kept(void **state)
{
	(void)state;
	const struct migctl_gi_profile *g3 = migctl_model_gi_profile_by_id(a100, 9);
	assert_non_null(g3);
	const struct migctl_plan_fleet fleet[] = {{a100, 2}};
	const struct migctl_plan_demand demand[] = {{"3g.40gb", 1, NULL}};
	const struct migctl_plan_pin pins[] = {{1, 9, {4, 4}}};
	struct migctl_plan_request req = {fleet, 1, demand, 1, pins, 1, false, 0, 0};
	struct migctl_plan plan;
	struct migctl_error err = {0};

	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_incremental(&req, &plan, &err), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_int_equal(plan.gpus[0].n_instances, 0);
	assert_int_equal(plan.gpus[1].n_instances, 2);
	const struct migctl_plan_instance *in = plan.gpus[1].instances;
	assert_int_equal(in[0].placement.start, 0);
	assert_false(in[0].pinned);
	assert_int_equal(in[0].demand, 0);
	assert_int_equal(in[1].placement.start, 4);
	assert_true(in[1].pinned);
	assert_string_equal(plan.gpus[1].model->gi[in[1].profile].name, g3->name);
	migctl_plan_release(&plan);
}

/* An item tied to a model goes to that model's GPUs only, and a profile
 * that model lacks stays unplaced. */
static void test_model_tied_items(void **state)
{
	(void)state;
	const struct migctl_plan_fleet fleet[] = {{a100, 1}, {a30, 1}};
	const struct migctl_plan_demand demand[] = {
		{"1g.6gb", 1, a30}, {"1g.10gb", 1, a30}, {"1g.10gb", 1, NULL},
	};
	struct migctl_plan_request req = {fleet, 2, demand, COUNT(demand), NULL, 0, false, 0, 0};
	struct migctl_plan plan;
	struct migctl_error err = {0};

	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_incremental(&req, &plan, &err), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_int_equal(plan.gpus[1].fleet_entry, 1);
	assert_ptr_equal(plan.gpus[1].model, a30);
	assert_int_equal(plan.gpus[1].n_instances, 1);
	assert_int_equal(plan.gpus[1].instances[0].demand, 0);
	assert_int_equal(plan.demand[1].unplaced, 1);
	assert_int_equal(plan.demand[2].placed, 1);
	assert_int_equal(plan.gpus[0].n_instances, 1);
	migctl_plan_release(&plan);
}

/* Bad pins are errors and leave the plan empty. */
static void test_bad_pins(void **state)
{
	(void)state;
	const struct migctl_plan_fleet fleet[] = {{a100, 1}};
	const struct migctl_plan_demand demand[] = {{"1g.10gb", 1, NULL}};
	const struct migctl_plan_pin off_fleet[] = {{3, 19, {0, 1}}};
	const struct migctl_plan_pin bad_id[] = {{0, 999, {0, 1}}};
	struct migctl_plan_request req = {fleet, 1, demand, 1, off_fleet, 1, false, 0, 0};
	struct migctl_plan plan;
	struct migctl_error err = {0};

	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_incremental(&req, &plan, &err), MIGCTL_ERR_NOT_FOUND);
	assert_int_equal(plan.n_gpus, 0);
	assert_null(plan.gpus);
	req.pins = bad_id;
	assert_int_equal(migctl_plan_incremental(&req, &plan, &err), MIGCTL_ERR_INTERNAL);
	assert_null(plan.gpus);
	req.pins = NULL;
	req.n_pins = 0;
	req.demand = NULL;
	assert_int_equal(migctl_plan_incremental(&req, &plan, &err), MIGCTL_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_used_gpus_first),
		cmocka_unit_test(test_unplaced_counted),
		cmocka_unit_test(test_pins_kept),
		cmocka_unit_test(test_model_tied_items),
		cmocka_unit_test(test_bad_pins),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
