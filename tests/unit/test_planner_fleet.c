/* Unit tests for the fleet planner (include/migctl/planner.h) on large
 * fleets: 10,000 and 100,000 identical GPUs, and 10,000 GPUs of two models
 * with pinned GPUs scattered among them. The planner works on counts and
 * writes GPUs in runs that share instance arrays; these tests check that
 * the result is still exact (the optimum CBC certifies, the proven lower
 * bound, the demand met exactly) and that every GPU of the written plan
 * is right, one by one. test_planner.c has the small and random cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/catalog.h"
#include "migctl/geometry.h"
#include "migctl/planner.h"

static struct migctl_catalog cat;
static const struct migctl_gpu_model *a100, *h100;

static int setup(void **state)
{
	struct migctl_error err;
	(void)state;
	migctl_catalog_init(&cat);
	if (migctl_catalog_load_builtin(&cat, &err) != MIGCTL_ERR_OK)
		return -1;
	a100 = migctl_catalog_find_model(&cat, "NVIDIA A100-SXM4-80GB", &err);
	h100 = migctl_catalog_find_model(&cat, "NVIDIA H100 80GB HBM3", &err);
	return a100 && h100 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

static size_t entry_of(const struct migctl_plan_request *req, size_t gpu)
{
	size_t e = 0;
	while (gpu >= req->fleet[e].count)
		gpu -= req->fleet[e++].count;
	return e;
}

/* Every GPU one by one: its model and entry, its instances replayed on
 * the placement table, its free capacity; the items served exactly as
 * placed, and, among items of one profile, earlier items on earlier
 * GPUs. Returns the number of distinct instance arrays. */
static size_t check_fleet_plan(const struct migctl_plan_request *req,
			       const struct migctl_plan *plan)
{
	size_t n = 0, used = 0, arrays = 0;
	unsigned long served[16] = {0}, free_sum = 0;
	size_t last_gpu[16], first_gpu[16];
	const struct migctl_plan_instance *prev = NULL;

	assert_true(req->n_demand <= 16);
	for (size_t i = 0; i < req->n_demand; i++)
		last_gpu[i] = 0, first_gpu[i] = SIZE_MAX;
	for (size_t e = 0; e < req->n_fleet; e++)
		n += req->fleet[e].count;
	assert_int_equal(plan->n_gpus, n);
	for (size_t g = 0; g < n; g++) {
		const struct migctl_plan_gpu *pg = &plan->gpus[g];
		size_t e = entry_of(req, g);
		const struct migctl_gpu_model *m = req->fleet[e].model;
		struct migctl_grid grid;
		struct migctl_slot slots[MIGCTL_MAX_UNITS];
		unsigned free_cap = 0;

		assert_ptr_equal(pg->model, m);
		assert_int_equal(pg->fleet_entry, e);
		assert_true(pg->n_instances <= MIGCTL_MAX_UNITS);
		assert_int_equal(pg->used, pg->n_instances > 0);
		arrays += pg->n_instances && pg->instances != prev;
		prev = pg->instances;
		migctl_grid_of_model(&grid, m);
		for (size_t i = 0; i < pg->n_instances; i++) {
			const struct migctl_plan_instance *in = &pg->instances[i];
			assert_int_equal(in->profile_id, m->gi[in->profile].id);
			assert_true(migctl_grid_can_place(&grid, slots, i, in->profile,
							  in->placement));
			slots[i] = (struct migctl_slot){in->profile, in->placement};
			if (in->demand == MIGCTL_PLAN_NO_DEMAND) {
				assert_true(in->pinned);
				continue;
			}
			assert_true(in->demand < req->n_demand);
			served[in->demand]++;
			if (!in->pinned) {
				last_gpu[in->demand] = g;
				if (first_gpu[in->demand] == SIZE_MAX)
					first_gpu[in->demand] = g;
			}
		}
		for (size_t q = 0; q < grid.n_profiles; q++)
			free_cap += migctl_grid_remaining_capacity(&grid, slots, pg->n_instances, q);
		assert_int_equal(pg->free_capacity, free_cap);
		free_sum += free_cap;
		used += pg->used;
	}
	assert_int_equal(plan->gpus_used, used);
	assert_int_equal(plan->free_capacity, free_sum);
	for (size_t i = 0; i < req->n_demand; i++) {
		assert_int_equal(served[i], plan->demand[i].placed);
		assert_int_equal(plan->demand[i].placed + plan->demand[i].unplaced,
				 req->demand[i].count);
		/* Items of the same profile: the earlier one is served first,
		 * GPU by GPU. */
		for (size_t j = i + 1; j < req->n_demand; j++)
			if (!strcmp(req->demand[i].profile, req->demand[j].profile) &&
			    first_gpu[j] != SIZE_MAX && first_gpu[i] != SIZE_MAX)
				assert_true(last_gpu[i] <= first_gpu[j]);
	}
	return arrays;
}

/* The issue's demand on `n` A100-80GB GPUs (scale = n / 10,000). */
static void issue_case(unsigned n, size_t optimum)
{
	unsigned s = n / 10000;
	struct migctl_plan_fleet fleet = {a100, n};
	struct migctl_plan_demand d[] = {
		{"1g.10gb", 3423 * s, NULL}, {"2g.20gb", 3614 * s, NULL},
		{"3g.40gb", 3595 * s, NULL}, {"4g.40gb", 3469 * s, NULL},
		{"7g.80gb", 3455 * s, NULL},
	};
	struct migctl_plan_request req = {
		.fleet = &fleet, .n_fleet = 1, .demand = d, .n_demand = 5,
	};
	struct migctl_plan plan;
	struct migctl_error err = {0};

	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_OK);
	assert_int_equal(plan.gpus_used, optimum);
	assert_int_equal(plan.lower_bound, optimum);
	assert_true(plan.optimal);
	assert_true(plan.complete);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(plan.demand[i].placed, d[i].count);
		assert_int_equal(plan.demand[i].unplaced, 0);
	}
	size_t arrays = check_fleet_plan(&req, &plan);
	/* One array per run of a GPU type, not per GPU: the A100's 12
	 * configurations and the surplus trimmed off them. */
	print_message("%u GPUs: %zu used, %zu instance arrays\n", n, plan.gpus_used, arrays);
	assert_true(arrays <= 32);
	migctl_plan_release(&plan);
}

/* Optimum certified by CBC on the covering ILP over the 12 maximal
 * configurations (bench/planner.c's formulation): 8,500 GPUs. */
static void test_issue_10000(void **state)
{
	(void)state;
	issue_case(10000, 8500);
}

/* The same demand times ten: CBC certifies 84,996 GPUs. */
static void test_issue_100000(void **state)
{
	(void)state;
	issue_case(100000, 84996);
}

/* Two models in three entries, pinned GPUs scattered among 10,000, three
 * items of one profile: the runs of identical GPUs are cut by the pins
 * and by the item boundaries, and every GPU must still come out right. */
static void test_pins_and_items(void **state)
{
	(void)state;
	struct migctl_plan_fleet fleet[] = {{a100, 4000}, {h100, 3000}, {a100, 3000}};
	struct migctl_plan_demand d[] = {
		{"1g.10gb", 5001, NULL}, {"3g.40gb", 2999, NULL}, {"1g.10gb", 7003, NULL},
		{"7g.80gb", 1501, h100}, {"1g.10gb", 333, NULL}, {"2g.20gb", 2500, NULL},
	};
	struct migctl_plan_pin pins[60];
	struct migctl_plan_request req = {
		.fleet = fleet, .n_fleet = 3, .demand = d, .n_demand = 6, .pins = pins,
	};
	struct migctl_plan plan;
	struct migctl_error err = {0};

	/* A 3g.40gb at start 4 on every 167th GPU, 60 GPUs over all entries. */
	for (size_t k = 0; k < 60; k++) {
		size_t gpu = 7 + 167 * k;
		const struct migctl_gpu_model *m = fleet[entry_of(&req, gpu)].model;
		const struct migctl_gi_profile *gi = migctl_model_find_gi_profile(m, "3g.40gb", &err);
		assert_non_null(gi);
		pins[req.n_pins++] = (struct migctl_plan_pin){gpu, gi->id, {4, 4}};
	}
	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_OK);
	assert_true(plan.complete);
	assert_true(plan.optimal);
	assert_int_equal(plan.gpus_used, plan.lower_bound);
	/* The pinned 3g instances count toward the 3g item. */
	assert_int_equal(plan.demand[1].pinned, 60);
	for (size_t k = 0; k < req.n_pins; k++) {
		const struct migctl_plan_gpu *pg = &plan.gpus[pins[k].gpu];
		bool found = false;
		for (size_t i = 0; i < pg->n_instances; i++)
			found |= pg->instances[i].pinned && pg->instances[i].placement.start == 4;
		assert_true(found);
	}
	size_t arrays = check_fleet_plan(&req, &plan);
	print_message("10,000 GPUs, 60 pinned: %zu used, bound %zu, %zu instance arrays\n",
		      plan.gpus_used, plan.lower_bound, arrays);
	migctl_plan_release(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_10000),
		cmocka_unit_test(test_issue_100000),
		cmocka_unit_test(test_pins_and_items),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
