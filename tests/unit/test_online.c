/* Unit tests for the online placement policy (include/migctl/online.h).
 *
 * Fleets of NVIDIA A100-SXM4-80GB from the built-in catalog. Checked:
 * every policy returns only placements the geometry accepts, and reports
 * "nothing fits" exactly when no GPU has a free placement; the hand-made
 * cases of reference/planning.md §1.3 (first fit's 3g@0 blocks the 4g,
 * migctl's policy takes 3g@4); migctl's policy keeps empty GPUs empty
 * (so a later 7g still fits); the baselines' rules; and a seeded
 * arrival/departure replay in which migctl's policy accepts at least as
 * many requests as first fit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "migctl/catalog.h"
#include "migctl/geometry.h"
#include "migctl/online.h"

#define MODEL_NAME "NVIDIA A100-SXM4-80GB"
#define NGPU_MAX 8

static struct migctl_catalog cat;
static struct migctl_grid grid;
static size_t p1g, p2g, p3g, p4g, p7g;

static size_t profile_index(const struct migctl_gpu_model *m, const char *name)
{
	struct migctl_error err = { 0 };
	const struct migctl_gi_profile *gi =
		migctl_model_find_gi_profile(m, name, &err);
	int gx;

	assert_non_null(gi);
	gx = migctl_grid_profile_index(&grid, gi->id);
	assert_true(gx >= 0);
	return (size_t)gx;
}

static int setup(void **state)
{
	struct migctl_error err = { 0 };
	const struct migctl_gpu_model *m;

	(void)state;
	migctl_catalog_init(&cat);
	if (migctl_catalog_load_builtin(&cat, &err) != MIGCTL_ERR_OK)
		return -1;
	m = migctl_catalog_find_model(&cat, MODEL_NAME, &err);
	if (!m)
		return -1;
	migctl_grid_of_model(&grid, m);
	p1g = profile_index(m, "1g.10gb");
	p2g = profile_index(m, "2g.20gb");
	p3g = profile_index(m, "3g.40gb");
	p4g = profile_index(m, "4g.40gb");
	p7g = profile_index(m, "7g.80gb");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

/* A fleet under test: per-GPU slots. */
struct fleet {
	struct migctl_slot slots[NGPU_MAX][MIGCTL_MAX_UNITS];
	size_t n[NGPU_MAX];
	size_t gpus;
};

static void fleet_init(struct fleet *f, size_t gpus)
{
	memset(f, 0, sizeof(*f));
	f->gpus = gpus;
}

/* Add an instance at a given start (must be valid). */
static void fleet_put(struct fleet *f, size_t g, size_t profile,
		      unsigned start)
{
	struct migctl_placement p = {
		start, grid.profiles[profile].placements->size
	};

	assert_true(migctl_grid_can_place(&grid, f->slots[g], f->n[g],
					  profile, p));
	f->slots[g][f->n[g]].profile = profile;
	f->slots[g][f->n[g]].placement = p;
	f->n[g]++;
}

static void fleet_view(const struct fleet *f, size_t profile,
		       struct migctl_online_gpu *view)
{
	for (size_t g = 0; g < f->gpus; g++) {
		view[g].grid = &grid;
		view[g].slots = f->slots[g];
		view[g].n_slots = f->n[g];
		view[g].profile = profile;
	}
}

/* Ask `pol` for `profile`; on success check the choice against the
 * geometry and apply it. Returns whether it was placed. When nothing is
 * placed, check that no GPU had a free placement. */
static bool fleet_request(struct fleet *f, enum migctl_online_policy pol,
			  size_t profile, struct migctl_online_choice *out)
{
	struct migctl_online_gpu view[NGPU_MAX];
	struct migctl_online_choice ch;
	enum migctl_err rc;

	fleet_view(f, profile, view);
	rc = migctl_online_place(view, f->gpus, pol, &ch);
	if (rc == MIGCTL_ERR_INSUFFICIENT_RESOURCES) {
		struct migctl_placement tmp;
		for (size_t g = 0; g < f->gpus; g++)
			assert_int_equal(migctl_grid_free_placements(
						 &grid, f->slots[g], f->n[g],
						 profile, &tmp, 1), 0);
		return false;
	}
	assert_int_equal(rc, MIGCTL_ERR_OK);
	assert_true(ch.gpu < f->gpus);
	fleet_put(f, ch.gpu, profile, ch.placement.start);
	if (out)
		*out = ch;
	return true;
}

static const enum migctl_online_policy all_pol[] = {
	MIGCTL_ONLINE_MIGCTL, MIGCTL_ONLINE_DRIVER, MIGCTL_ONLINE_FIRST_FIT,
};
#define N_POL (sizeof(all_pol) / sizeof(all_pol[0]))

/* Deterministic generator (xorshift64*). */
static uint64_t rng_state;
static void rng_seed(uint64_t s)
{
	rng_state = s * 0x9E3779B97F4A7C15ull + 1;
}
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* ------------------------------------------------------------------ */

static void test_first_fit_blocks_4g(void **state)
{
	struct fleet f;
	struct migctl_online_choice ch;

	(void)state;
	/* First fit: 3g@0, then the 4g (only start 0) cannot go anywhere. */
	fleet_init(&f, 1);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_FIRST_FIT, p3g, &ch));
	assert_int_equal(ch.placement.start, 0);
	assert_false(fleet_request(&f, MIGCTL_ONLINE_FIRST_FIT, p4g, NULL));

	/* migctl: 3g@4, and the 4g still fits at 0. */
	fleet_init(&f, 1);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_MIGCTL, p3g, &ch));
	assert_int_equal(ch.gpu, 0);
	assert_int_equal(ch.placement.start, 4);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_MIGCTL, p4g, &ch));
	assert_int_equal(ch.placement.start, 0);

	/* §1.3: [3g, 2g, 2g] fits one GPU only as 3g@4 + 2g@0 + 2g@2. */
	fleet_init(&f, 1);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_MIGCTL, p3g, NULL));
	assert_true(fleet_request(&f, MIGCTL_ONLINE_MIGCTL, p2g, NULL));
	assert_true(fleet_request(&f, MIGCTL_ONLINE_MIGCTL, p2g, NULL));
	fleet_init(&f, 1);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_FIRST_FIT, p3g, NULL));
	assert_true(fleet_request(&f, MIGCTL_ONLINE_FIRST_FIT, p2g, NULL));
	assert_false(fleet_request(&f, MIGCTL_ONLINE_FIRST_FIT, p2g, NULL));
}

static void test_prefers_used_gpu(void **state)
{
	struct fleet f;
	struct migctl_online_choice ch;

	(void)state;
	/* GPU 0 empty, GPU 1 holds a 1g. A 2g goes to GPU 1 under migctl,
	 * to GPU 0 under both baselines; then a 7g fits only with migctl. */
	for (size_t k = 0; k < N_POL; k++) {
		fleet_init(&f, 2);
		fleet_put(&f, 1, p1g, 6);
		assert_true(fleet_request(&f, all_pol[k], p2g, &ch));
		assert_int_equal(ch.gpu,
				 all_pol[k] == MIGCTL_ONLINE_MIGCTL ? 1 : 0);
		assert_true(fleet_request(&f, all_pol[k], p7g, NULL) ==
			    (all_pol[k] == MIGCTL_ONLINE_MIGCTL));
	}
}

static void test_ties_and_order(void **state)
{
	struct fleet f;
	struct migctl_online_choice ch;

	(void)state;
	/* Empty fleet: every policy takes GPU 0. */
	for (size_t k = 0; k < N_POL; k++) {
		fleet_init(&f, 3);
		assert_true(fleet_request(&f, all_pol[k], p1g, &ch));
		assert_int_equal(ch.gpu, 0);
	}
	/* Two identical used GPUs: the lower index. */
	fleet_init(&f, 3);
	fleet_put(&f, 1, p3g, 4);
	fleet_put(&f, 2, p3g, 4);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_MIGCTL, p1g, &ch));
	assert_int_equal(ch.gpu, 1);
	/* The driver's placement on an empty GPU: 3g@4 (nvml-mig.md §2.4),
	 * first fit's: 3g@0. */
	fleet_init(&f, 1);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_DRIVER, p3g, &ch));
	assert_int_equal(ch.placement.start, 4);
	fleet_init(&f, 1);
	assert_true(fleet_request(&f, MIGCTL_ONLINE_FIRST_FIT, p3g, &ch));
	assert_int_equal(ch.placement.start, 0);
	/* Baselines: first GPU with room, even when a later one is used. */
	for (size_t k = 1; k < N_POL; k++) {
		fleet_init(&f, 3);
		fleet_put(&f, 0, p7g, 0);
		fleet_put(&f, 2, p1g, 0);
		assert_true(fleet_request(&f, all_pol[k], p1g, &ch));
		assert_int_equal(ch.gpu, 1);
	}
}

static void test_nothing_fits(void **state)
{
	struct fleet f;
	struct migctl_online_gpu view[NGPU_MAX];
	struct migctl_online_choice ch = { 77, { 5, 5 } };

	(void)state;
	for (size_t k = 0; k < N_POL; k++) {
		/* Every GPU full. */
		ch.gpu = 77;
		fleet_init(&f, 2);
		fleet_put(&f, 0, p7g, 0);
		fleet_put(&f, 1, p7g, 0);
		fleet_view(&f, p1g, view);
		assert_int_equal(migctl_online_place(view, 2, all_pol[k], &ch),
				 MIGCTL_ERR_INSUFFICIENT_RESOURCES);
		assert_int_equal(ch.gpu, 77); /* untouched */
		/* Empty fleet. */
		assert_int_equal(migctl_online_place(NULL, 0, all_pol[k], &ch),
				 MIGCTL_ERR_INSUFFICIENT_RESOURCES);
		/* No GPU has the profile (SIZE_MAX), though all are empty. */
		fleet_init(&f, 2);
		fleet_view(&f, SIZE_MAX, view);
		assert_int_equal(migctl_online_place(view, 2, all_pol[k], &ch),
				 MIGCTL_ERR_INSUFFICIENT_RESOURCES);
		/* A GPU without the profile is skipped. */
		fleet_view(&f, p2g, view);
		view[0].profile = SIZE_MAX;
		assert_int_equal(migctl_online_place(view, 2, all_pol[k], &ch),
				 MIGCTL_ERR_OK);
		assert_int_equal(ch.gpu, 1);
		/* A 4g with 3g@0 on the only GPU. */
		fleet_init(&f, 1);
		fleet_put(&f, 0, p3g, 0);
		assert_false(fleet_request(&f, all_pol[k], p4g, NULL));
	}
	assert_int_equal(migctl_online_place(view, 2, MIGCTL_ONLINE_MIGCTL,
					     NULL), MIGCTL_ERR_USAGE);
	assert_int_equal(migctl_online_place(view, 2,
					     (enum migctl_online_policy)9, &ch),
			 MIGCTL_ERR_USAGE);
	assert_string_equal(migctl_online_policy_name(MIGCTL_ONLINE_MIGCTL),
			    "migctl");
	assert_string_equal(migctl_online_policy_name(MIGCTL_ONLINE_DRIVER),
			    "driver");
	assert_string_equal(migctl_online_policy_name(MIGCTL_ONLINE_FIRST_FIT),
			    "first-fit");
	assert_string_equal(migctl_online_policy_name(
				    (enum migctl_online_policy)9), "unknown");
}

static void test_weighted_capacity(void **state)
{
	struct migctl_slot s[2];
	unsigned want = 0;

	(void)state;
	for (size_t q = 0; q < grid.n_profiles; q++)
		want += migctl_grid_remaining_capacity(&grid, NULL, 0, q) *
			grid.profiles[q].slices;
	assert_int_equal(migctl_online_weighted_capacity(&grid, NULL, 0), want);
	/* 3g@4 leaves more than 3g@0 (the 4g survives). */
	s[0].profile = p3g;
	s[0].placement = (struct migctl_placement){ 4, 4 };
	s[1].profile = p3g;
	s[1].placement = (struct migctl_placement){ 0, 4 };
	assert_true(migctl_online_weighted_capacity(&grid, &s[0], 1) >
		    migctl_online_weighted_capacity(&grid, &s[1], 1));
	assert_int_equal(migctl_online_weighted_capacity(&grid, s, 2), 0);
}

/* Random states: each policy's answer is valid, for every profile of the
 * grid (1g.20gb and +me included). */
static void test_random_states_valid(void **state)
{
	(void)state;
	rng_seed(11);
	for (unsigned trial = 0; trial < 300; trial++) {
		struct fleet f;
		size_t gpus = 1 + rnd(NGPU_MAX);

		fleet_init(&f, gpus);
		for (size_t g = 0; g < gpus; g++) {
			unsigned tries = rnd(8);
			for (unsigned t = 0; t < tries; t++) {
				size_t q = rnd((unsigned)grid.n_profiles);
				struct migctl_placement fp[MIGCTL_MAX_UNITS];
				size_t nf = migctl_grid_free_placements(
					&grid, f.slots[g], f.n[g], q, fp,
					MIGCTL_MAX_UNITS);
				if (nf)
					fleet_put(&f, g, q, fp[rnd((unsigned)nf)].start);
			}
		}
		for (size_t q = 0; q < grid.n_profiles; q++)
			for (size_t k = 0; k < N_POL; k++) {
				struct fleet copy = f;
				(void)fleet_request(&copy, all_pol[k], q, NULL);
			}
	}
}

/* Seeded arrival/departure replay on 4 GPUs: uniform 1g..7g arrivals,
 * each instance leaves after a random number of later arrivals. */
#define R_GPUS 4
#define R_ARRIVALS 4000

struct live {
	size_t gpu;
	unsigned start;
	unsigned until; /* arrival index at which it departs */
};

static unsigned replay(enum migctl_online_policy pol, uint64_t seed)
{
	static const size_t *profs[5] = { &p1g, &p2g, &p3g, &p4g, &p7g };
	struct fleet f;
	struct live live[R_GPUS * MIGCTL_MAX_UNITS];
	size_t n_live = 0;
	unsigned accepted = 0;

	fleet_init(&f, R_GPUS);
	rng_seed(seed);
	for (unsigned i = 0; i < R_ARRIVALS; i++) {
		size_t q = *profs[rnd(5)];
		unsigned hold = 1 + rnd(12);
		struct migctl_online_choice ch;

		for (size_t k = 0; k < n_live;) {
			if (live[k].until > i) {
				k++;
				continue;
			}
			size_t g = live[k].gpu, j;
			for (j = 0; j < f.n[g]; j++)
				if (f.slots[g][j].placement.start == live[k].start)
					break;
			assert_true(j < f.n[g]);
			f.slots[g][j] = f.slots[g][--f.n[g]];
			live[k] = live[--n_live];
		}
		if (fleet_request(&f, pol, q, &ch)) {
			accepted++;
			live[n_live].gpu = ch.gpu;
			live[n_live].start = ch.placement.start;
			live[n_live].until = i + hold;
			n_live++;
		}
	}
	return accepted;
}

static void test_replay(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		unsigned a[N_POL];
		for (size_t k = 0; k < N_POL; k++)
			a[k] = replay(all_pol[k], seed);
		printf("# replay seed %u: accepted migctl %u, driver %u, "
		       "first fit %u of %u\n", (unsigned)seed, a[0], a[1],
		       a[2], R_ARRIVALS);
		assert_true(a[0] >= a[2]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fit_blocks_4g),
		cmocka_unit_test(test_prefers_used_gpu),
		cmocka_unit_test(test_ties_and_order),
		cmocka_unit_test(test_nothing_fits),
		cmocka_unit_test(test_weighted_capacity),
		cmocka_unit_test(test_random_states_valid),
		cmocka_unit_test(test_replay),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
