/* Unit tests for the fleet planner (include/migctl/planner.h).
 *
 * The models come from the built-in catalog. The planner's answers are
 * checked against an exhaustive oracle written here, which shares no code
 * with lib/planner.c or lib/geometry.c:
 *
 *   - feasibility of a multiset on one GPU: recursion over the listed
 *     starts of each instance (unit masks, profile limits, compute slices);
 *   - fewest GPUs: every assignment of the demanded instances to the
 *     fleet's GPUs (equal instances in non-decreasing GPU order, and only
 *     the first of identical empty GPUs), branch and bound on GPUs used;
 *   - demand that does not fit: every assignment where an instance may
 *     also stay unplaced, ranked by the planner's documented rule
 *     (compute slices placed, instances placed, items in order).
 *
 * Every plan is also replayed through migctl_grid_can_place, instance by
 * instance, and its demand accounting is checked. The known cases come
 * from reference/planning.md (§1.3: [3g,2g,2g] fits one A100).
 *
 * It is one file over 1,000 lines because the oracle and the tests that
 * use it belong together: one test program per library module, and the
 * oracle is not shared with any other.
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
#include <strings.h>
#include <time.h>

#include "migctl/catalog.h"
#include "migctl/geometry.h"
#include "migctl/planner.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAXG 16         /* oracle GPUs */
#define MAXN 16         /* oracle instances */

static struct migctl_catalog cat;
static const struct migctl_gpu_model *a100, *a30, *rtx, *a100_40;

static int setup(void **state)
{
	struct migctl_error err;
	(void)state;
	migctl_catalog_init(&cat);
	if (migctl_catalog_load_builtin(&cat, &err) != MIGCTL_ERR_OK)
		return -1;
	a100 = migctl_catalog_find_model(&cat, "NVIDIA A100-SXM4-80GB", &err);
	a100_40 = migctl_catalog_find_model(&cat, "NVIDIA A100-SXM4-40GB", &err);
	a30 = migctl_catalog_find_model(&cat, "NVIDIA A30", &err);
	rtx = migctl_catalog_find_model(&cat, "NVIDIA RTX PRO 6000 Blackwell Server Edition", &err);
	return a100 && a30 && rtx && a100_40 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

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

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Profile index of `query` on `m` by exact name or decimal ID; -1 if none.
 * (The oracle's own lookup; demand in these tests is names or IDs.) */
static int oracle_profile(const struct migctl_gpu_model *m, const char *query)
{
	char *end;
	if (!strncasecmp(query, "MIG ", 4))
		query += 4;
	unsigned long id = strtoul(query, &end, 10);
	bool numeric = *query && !*end;
	for (size_t i = 0; i < m->n_gi; i++)
		if (numeric ? m->gi[i].id == id : !strcasecmp(m->gi[i].name, query))
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Oracle: one GPU                                                      */
/* ------------------------------------------------------------------ */

struct ostate {
	uint32_t mask;
	unsigned count[MIGCTL_MAX_PROFILES];
	unsigned slices;
};

static bool o_add(const struct migctl_gpu_model *m, struct ostate *s, size_t q,
		  unsigned start)
{
	const struct migctl_gi_profile *gi = &m->gi[q];
	unsigned size = gi->placements.size;
	uint32_t bits;
	bool listed = false;

	for (unsigned i = 0; i < gi->placements.n_starts; i++)
		listed |= gi->placements.starts[i] == start;
	if (!listed || start + size > m->units)
		return false;
	bits = (size >= 32 ? 0xFFFFFFFFu : ((1u << size) - 1)) << start;
	if ((s->mask & bits) || s->count[q] >= gi->max ||
	    s->slices + gi->compute_slices > m->compute_slices)
		return false;
	s->mask |= bits;
	s->count[q]++;
	s->slices += gi->compute_slices;
	return true;
}

/* Whether the profiles want[0..n) (sorted) fit next to state s. */
static bool o_fit_rec(const struct migctl_gpu_model *m, const struct ostate *s,
		      const size_t *want, size_t n, unsigned min_start)
{
	if (n == 0)
		return true;
	const struct migctl_gi_profile *gi = &m->gi[want[0]];
	for (unsigned i = 0; i < gi->placements.n_starts; i++) {
		unsigned start = gi->placements.starts[i];
		struct ostate t = *s;
		if (start < min_start || !o_add(m, &t, want[0], start))
			continue;
		unsigned next = n > 1 && want[1] == want[0] ? start + 1 : 0;
		if (o_fit_rec(m, &t, want + 1, n - 1, next))
			return true;
	}
	return false;
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static bool o_fit(const struct migctl_gpu_model *m, const struct ostate *base,
		  const size_t *want, size_t n)
{
	size_t w[64];
	memcpy(w, want, n * sizeof(size_t));
	qsort(w, n, sizeof(size_t), size_cmp);
	return o_fit_rec(m, base, w, n, 0);
}

/* How many more instances of each profile fit, summed (nvidia-smi
 * "Free"), by trying k + 1 copies until they no longer fit. */
static unsigned o_free(const struct migctl_gpu_model *m, const struct ostate *s)
{
	unsigned sum = 0;
	for (size_t q = 0; q < m->n_gi; q++) {
		size_t want[32];
		unsigned k = 0;
		while (k < m->gi[q].max && k < 32) {
			want[k] = q;
			if (!o_fit(m, s, want, k + 1))
				break;
			k++;
		}
		sum += k;
	}
	return sum;
}

/* The most free capacity over every placement of want[0..n) (sorted)
 * next to s; -1 if it does not fit. */
static int o_best_free_rec(const struct migctl_gpu_model *m, const struct ostate *s,
			   const size_t *want, size_t n, unsigned min_start)
{
	if (n == 0)
		return (int)o_free(m, s);
	const struct migctl_gi_profile *gi = &m->gi[want[0]];
	int best = -1;
	for (unsigned i = 0; i < gi->placements.n_starts; i++) {
		unsigned start = gi->placements.starts[i];
		struct ostate t = *s;
		if (start < min_start || !o_add(m, &t, want[0], start))
			continue;
		unsigned next = n > 1 && want[1] == want[0] ? start + 1 : 0;
		int f = o_best_free_rec(m, &t, want + 1, n - 1, next);
		if (f > best)
			best = f;
	}
	return best;
}

static int o_best_free(const struct migctl_gpu_model *m, const struct ostate *base,
		       const size_t *want, size_t n)
{
	size_t w[64];
	memcpy(w, want, n * sizeof(size_t));
	qsort(w, n, sizeof(size_t), size_cmp);
	return o_best_free_rec(m, base, w, n, 0);
}

/* ------------------------------------------------------------------ */
/* Oracle: a fleet                                                      */
/* ------------------------------------------------------------------ */

struct oracle {
	size_t n_gpus;
	const struct migctl_gpu_model *model[MAXG];
	struct ostate pinned[MAXG];
	bool has_pins[MAXG];
	size_t n_inst;
	int prof[MAXN][MAXG];           /* profile of instance k on GPU g */
	size_t item[MAXN];              /* demand item of instance k */
	unsigned weight[MAXN];          /* compute slices */
	size_t n_items;
	/* search */
	size_t list[MAXG][MAXN];
	size_t n_list[MAXG];
	size_t where[MAXN];
	size_t best;
	/* max placement */
	long key[MAXN + 2];
	long best_key[MAXN + 2];
	bool have_key;
};

static bool o_gpu_ok(const struct oracle *o, size_t g)
{
	return o_fit(o->model[g], &o->pinned[g], o->list[g], o->n_list[g]);
}

static bool o_empty_twin(const struct oracle *o, size_t g)
{
	/* An earlier GPU of the same model, without pins, still empty. */
	for (size_t h = 0; h < g; h++)
		if (o->model[h] == o->model[g] && !o->has_pins[h] && !o->n_list[h])
			return true;
	return false;
}

static void o_min_rec(struct oracle *o, size_t k, size_t used)
{
	if (used >= o->best)
		return;
	if (k == o->n_inst) {
		o->best = used;
		return;
	}
	size_t g0 = k > 0 && o->item[k - 1] == o->item[k] ? o->where[k - 1] : 0;
	for (size_t g = g0; g < o->n_gpus; g++) {
		int q = o->prof[k][g];
		bool fresh = !o->has_pins[g] && o->n_list[g] == 0;
		if (q < 0 || (fresh && o_empty_twin(o, g)))
			continue;
		o->list[g][o->n_list[g]++] = (size_t)q;
		o->where[k] = g;
		if (o_gpu_ok(o, g))
			o_min_rec(o, k + 1, used + (fresh ? 1 : 0));
		o->n_list[g]--;
	}
}

/* Fewest GPUs holding every instance; SIZE_MAX if impossible. */
static size_t oracle_min(struct oracle *o)
{
	size_t pinned = 0;
	for (size_t g = 0; g < o->n_gpus; g++) {
		pinned += o->has_pins[g];
		o->n_list[g] = 0;
	}
	o->best = SIZE_MAX;
	o_min_rec(o, 0, pinned);
	return o->best;
}

/* Most free capacity over the plans that use exactly `o->best` GPUs. */
static void o_free_rec(struct oracle *o, size_t k, size_t used, long *best_free)
{
	if (used > o->best)
		return;
	if (k == o->n_inst) {
		long total = 0;
		if (used != o->best)
			return;
		for (size_t g = 0; g < o->n_gpus; g++)
			total += o_best_free(o->model[g], &o->pinned[g], o->list[g],
					     o->n_list[g]);
		if (total > *best_free)
			*best_free = total;
		return;
	}
	size_t g0 = k > 0 && o->item[k - 1] == o->item[k] ? o->where[k - 1] : 0;
	for (size_t g = g0; g < o->n_gpus; g++) {
		int q = o->prof[k][g];
		bool fresh = !o->has_pins[g] && o->n_list[g] == 0;
		if (q < 0 || (fresh && o_empty_twin(o, g)))
			continue;
		o->list[g][o->n_list[g]++] = (size_t)q;
		o->where[k] = g;
		if (o_gpu_ok(o, g))
			o_free_rec(o, k + 1, used + (fresh ? 1 : 0), best_free);
		o->n_list[g]--;
	}
}

static long oracle_free(struct oracle *o)
{
	size_t pinned = 0;
	long best = -1;
	for (size_t g = 0; g < o->n_gpus; g++) {
		pinned += o->has_pins[g];
		o->n_list[g] = 0;
	}
	o_free_rec(o, 0, pinned, &best);
	return best;
}

static void o_max_rec(struct oracle *o, size_t k)
{
	if (k == o->n_inst) {
		size_t nk = 2 + o->n_items;
		long key[MAXN + 2] = {0};
		for (size_t i = 0; i < o->n_inst; i++)
			if (o->where[i] != SIZE_MAX) {
				key[0] += o->weight[i];
				key[1]++;
				key[2 + o->item[i]]++;
			}
		int c = 0;
		for (size_t i = 0; i < nk && !c && o->have_key; i++)
			c = key[i] < o->best_key[i] ? -1 : key[i] > o->best_key[i];
		if (!o->have_key || c > 0) {
			memcpy(o->best_key, key, sizeof(key));
			o->have_key = true;
		}
		return;
	}
	/* Equal instances go to non-decreasing GPUs, "unplaced" last. */
	size_t g0 = k > 0 && o->item[k - 1] == o->item[k] ? o->where[k - 1] : 0;
	if (g0 == SIZE_MAX)
		g0 = o->n_gpus;
	for (size_t g = g0; g <= o->n_gpus; g++) {
		if (g == o->n_gpus) {
			o->where[k] = SIZE_MAX;
			o_max_rec(o, k + 1);
			break;
		}
		int q = o->prof[k][g];
		bool fresh = !o->has_pins[g] && o->n_list[g] == 0;
		if (q < 0 || (fresh && o_empty_twin(o, g)))
			continue;
		o->list[g][o->n_list[g]++] = (size_t)q;
		o->where[k] = g;
		if (o_gpu_ok(o, g))
			o_max_rec(o, k + 1);
		o->n_list[g]--;
	}
}

/* ------------------------------------------------------------------ */
/* Plan checks                                                          */
/* ------------------------------------------------------------------ */

static size_t fleet_total(const struct migctl_plan_request *req)
{
	size_t n = 0;
	for (size_t e = 0; e < req->n_fleet; e++)
		n += req->fleet[e].count;
	return n;
}

static const struct migctl_gpu_model *gpu_model(const struct migctl_plan_request *req,
						size_t gpu)
{
	for (size_t e = 0; e < req->n_fleet; e++) {
		if (gpu < req->fleet[e].count)
			return req->fleet[e].model;
		gpu -= req->fleet[e].count;
	}
	return NULL;
}

/* check_plan: pins stay where they were, and the plan pins nothing
 * else (`n` GPUs). */
static void check_pins(const struct migctl_plan_request *req, const struct migctl_plan *plan,
		       size_t n)
{
	for (size_t i = 0; i < req->n_pins; i++) {
		const struct migctl_plan_pin *pin = &req->pins[i];
		const struct migctl_plan_gpu *pg = &plan->gpus[pin->gpu];
		bool found = false;
		for (size_t k = 0; k < pg->n_instances; k++)
			found |= pg->instances[k].pinned &&
				 pg->instances[k].profile_id == pin->profile_id &&
				 pg->instances[k].placement.start == pin->placement.start;
		assert_true(found);
	}
	size_t n_pinned = 0;
	for (size_t g = 0; g < n; g++)
		for (size_t k = 0; k < plan->gpus[g].n_instances; k++)
			n_pinned += plan->gpus[g].instances[k].pinned;
	assert_int_equal(n_pinned, req->n_pins);
}

/* Everything a valid plan must satisfy, whatever the optimum. */
static void check_plan(const struct migctl_plan_request *req,
		       const struct migctl_plan *plan)
{
	size_t n = fleet_total(req), used = 0;
	unsigned long served[64] = {0}, pinned_served[64] = {0}, unplaced = 0;
	unsigned long free_sum = 0;

	assert_int_equal(plan->n_gpus, n);
	assert_int_equal(plan->n_demand, req->n_demand);
	for (size_t g = 0; g < n; g++) {
		const struct migctl_plan_gpu *pg = &plan->gpus[g];
		const struct migctl_gpu_model *m = gpu_model(req, g);
		struct migctl_grid grid;
		struct migctl_slot slots[MIGCTL_MAX_UNITS];
		struct ostate os = {0};
		unsigned count[MIGCTL_MAX_PROFILES] = {0};

		assert_ptr_equal(pg->model, m);
		assert_true(pg->n_instances <= MIGCTL_MAX_UNITS);
		migctl_grid_of_model(&grid, m);
		for (size_t i = 0; i < pg->n_instances; i++) {
			const struct migctl_plan_instance *in = &pg->instances[i];
			assert_true(in->profile < m->n_gi);
			assert_int_equal(in->profile_id, m->gi[in->profile].id);
			assert_true(migctl_grid_can_place(&grid, slots, i, in->profile,
							  in->placement));
			slots[i] = (struct migctl_slot){in->profile, in->placement};
			assert_true(o_add(m, &os, in->profile, in->placement.start));
			assert_int_equal(in->placement.size, m->gi[in->profile].placements.size);
			count[in->profile]++;
			assert_true(count[in->profile] <= m->gi[in->profile].max);
			if (i > 0)
				assert_true(pg->instances[i - 1].placement.start <
					    in->placement.start);
			if (in->demand != MIGCTL_PLAN_NO_DEMAND) {
				const struct migctl_plan_demand *d = &req->demand[in->demand];
				assert_true(in->demand < req->n_demand);
				assert_int_equal(oracle_profile(m, d->profile), (int)in->profile);
				assert_true(!d->model || d->model == m);
				served[in->demand]++;
				if (in->pinned)
					pinned_served[in->demand]++;
			} else {
				/* Only pinned instances may serve nothing. */
				assert_true(in->pinned);
			}
		}
		unsigned free_cap = 0;
		for (size_t q = 0; q < grid.n_profiles; q++)
			free_cap += migctl_grid_remaining_capacity(&grid, slots,
								   pg->n_instances, q);
		assert_int_equal(pg->free_capacity, free_cap);
		/* The placement leaves the most free capacity its multiset can
		 * (pins held fixed); checked by brute force on small fleets. */
		if (n <= 64) {
			struct ostate pinned = {0};
			size_t want[MIGCTL_MAX_UNITS], nw = 0;
			for (size_t i = 0; i < pg->n_instances; i++) {
				const struct migctl_plan_instance *in = &pg->instances[i];
				if (in->pinned)
					assert_true(o_add(m, &pinned, in->profile,
							  in->placement.start));
				else
					want[nw++] = in->profile;
			}
			assert_int_equal(o_free(m, &os), free_cap);
			assert_int_equal(o_best_free(m, &pinned, want, nw), (int)free_cap);
		}
		free_sum += free_cap;
		assert_int_equal(pg->used, pg->n_instances > 0);
		used += pg->used;
	}
	check_pins(req, plan, n);
	for (size_t i = 0; i < req->n_demand; i++) {
		const struct migctl_plan_demand_result *r = &plan->demand[i];
		assert_int_equal(r->demand, req->demand[i].count);
		assert_int_equal(r->placed + r->unplaced, r->demand);
		assert_int_equal(served[i], r->placed);
		assert_int_equal(pinned_served[i], r->pinned);
		if (req->pins_are_extra)
			assert_int_equal(r->pinned, 0);
		unplaced += r->unplaced;
	}
	assert_int_equal(plan->unplaced, unplaced);
	assert_int_equal(plan->complete, unplaced == 0);
	assert_int_equal(plan->gpus_used, used);
	assert_int_equal(plan->free_capacity, free_sum);
	assert_true(plan->lower_bound <= plan->gpus_used);
	if (plan->gpus_used == plan->lower_bound)
		assert_true(plan->optimal || plan->unplaced);
}

static enum migctl_err solve(const struct migctl_plan_request *req,
			     struct migctl_plan *plan)
{
	struct migctl_error err = {0};
	enum migctl_err rc = migctl_plan_solve(req, plan, &err);
	if (rc != MIGCTL_ERR_OK)
		print_error("plan failed: %s\n", err.msg);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Random instances against the oracle                                  */
/* ------------------------------------------------------------------ */

struct random_case {
	const struct migctl_gpu_model *models[4];
	unsigned counts[4];
	size_t n_models;
	const char *profiles[8];
	const struct migctl_gpu_model *restrict_to[8];
	size_t n_profiles;
	unsigned max_n;
};

/* Fill the oracle's fleet and instances from a request. */
static void oracle_load(struct oracle *o, const struct migctl_plan_request *req,
			const unsigned *new_count)
{
	memset(o, 0, sizeof(*o));
	o->n_gpus = fleet_total(req);
	assert_true(o->n_gpus <= MAXG);
	for (size_t g = 0; g < o->n_gpus; g++)
		o->model[g] = gpu_model(req, g);
	for (size_t i = 0; i < req->n_pins; i++) {
		const struct migctl_plan_pin *pin = &req->pins[i];
		const struct migctl_gpu_model *m = o->model[pin->gpu];
		int q = -1;
		for (size_t k = 0; k < m->n_gi; k++)
			if (m->gi[k].id == pin->profile_id)
				q = (int)k;
		assert_true(q >= 0);
		assert_true(o_add(m, &o->pinned[pin->gpu], (size_t)q, pin->placement.start));
		o->has_pins[pin->gpu] = true;
	}
	o->n_items = req->n_demand;
	for (size_t i = 0; i < req->n_demand; i++) {
		const struct migctl_plan_demand *d = &req->demand[i];
		unsigned weight = 0;
		for (size_t e = 0; e < req->n_fleet && !weight; e++) {
			int q = oracle_profile(req->fleet[e].model, d->profile);
			if (q >= 0 && (!d->model || d->model == req->fleet[e].model))
				weight = req->fleet[e].model->gi[q].compute_slices;
		}
		for (unsigned c = 0; c < new_count[i]; c++) {
			size_t k = o->n_inst++;
			assert_true(k < MAXN);
			o->item[k] = i;
			o->weight[k] = weight;
			for (size_t g = 0; g < o->n_gpus; g++)
				o->prof[k][g] = d->model && d->model != o->model[g]
							? -1 : oracle_profile(o->model[g], d->profile);
		}
	}
}

/* With pins counted toward demand, the oracle places only the rest. The
 * test demands use distinct profiles per model, so this is exact. */
static void new_counts(const struct migctl_plan_request *req, unsigned *out)
{
	for (size_t i = 0; i < req->n_demand; i++) {
		unsigned pinned = 0;
		if (!req->pins_are_extra)
			for (size_t k = 0; k < req->n_pins; k++) {
				const struct migctl_gpu_model *m = gpu_model(req, req->pins[k].gpu);
				int q = oracle_profile(m, req->demand[i].profile);
				if (q >= 0 && m->gi[q].id == req->pins[k].profile_id &&
				    (!req->demand[i].model || req->demand[i].model == m))
					pinned++;
			}
		out[i] = req->demand[i].count > pinned ? req->demand[i].count - pinned : 0;
	}
}

/* Random valid pins on some GPUs, from the case's profiles. */
static size_t random_pins(const struct migctl_plan_request *req,
			  const struct random_case *rc, struct migctl_plan_pin *pins)
{
	size_t n = 0, total = fleet_total(req);
	for (size_t g = 0; g < total; g++) {
		const struct migctl_gpu_model *m = gpu_model(req, g);
		struct ostate s = {0};
		if (rnd(3) != 0)
			continue;
		for (unsigned t = 0, k = rnd(3) + 1; t < 8 && k > 0; t++) {
			int q = oracle_profile(m, rc->profiles[rnd((unsigned)rc->n_profiles)]);
			if (q < 0)
				continue;
			const struct migctl_placement_set *ps = &m->gi[q].placements;
			unsigned start = ps->starts[rnd(ps->n_starts)];
			if (!o_add(m, &s, (size_t)q, start))
				continue;
			pins[n++] = (struct migctl_plan_pin){
				g, m->gi[q].id, {start, ps->size}};
			k--;
		}
	}
	return n;
}

/* `trials` random demands of up to rc->max_n instances; with
 * `overfull` the fleet is smaller than the demand may need. */
static void random_trials(const struct random_case *rc, unsigned trials,
			  uint64_t seed, bool with_pins, bool overfull)
{
	unsigned optimal = 0, infeasible = 0, max_gpus = 0;
	unsigned free_checked = 0, free_best = 0;

	for (unsigned t = 0; t < trials; t++) {
		struct migctl_plan_fleet fleet[4];
		struct migctl_plan_demand demand[8];
		struct migctl_plan_pin pins[64];
		struct migctl_plan_request req = {0};
		struct migctl_plan plan;
		struct oracle o;
		unsigned counts[8] = {0}, want[8];

		rng_seed(seed * 1000003u + t);
		unsigned n = 1 + rnd(rc->max_n);
		for (unsigned k = 0; k < n; k++)
			counts[rnd((unsigned)rc->n_profiles)]++;
		for (size_t i = 0; i < rc->n_profiles; i++)
			demand[i] = (struct migctl_plan_demand){
				rc->profiles[i], counts[i], rc->restrict_to[i]};
		for (size_t e = 0; e < rc->n_models; e++)
			fleet[e] = (struct migctl_plan_fleet){rc->models[e], rc->counts[e]};
		if (!overfull && rc->n_models == 1)
			fleet[0].count = n < 2 ? 2 : n;
		req.fleet = fleet;
		req.n_fleet = rc->n_models;
		req.demand = demand;
		req.n_demand = rc->n_profiles;
		req.pins_are_extra = with_pins && rnd(2);
		if (with_pins) {
			req.pins = pins;
			req.n_pins = random_pins(&req, rc, pins);
		}
		new_counts(&req, want);
		oracle_load(&o, &req, want);

		/* The oracle's placed demand: everything, or the best subset. */
		unsigned placed[8];
		memcpy(placed, want, sizeof(placed));
		size_t opt = oracle_min(&o);
		if (opt == SIZE_MAX) {
			for (size_t g = 0; g < o.n_gpus; g++)
				o.n_list[g] = 0;
			o_max_rec(&o, 0);
			for (size_t i = 0; i < rc->n_profiles; i++)
				placed[i] = (unsigned)o.best_key[2 + i];
			oracle_load(&o, &req, placed);
			opt = oracle_min(&o);
		}
		assert_true(opt != SIZE_MAX);

		migctl_plan_init(&plan);
		assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
		check_plan(&req, &plan);
		for (size_t i = 0; i < rc->n_profiles; i++) {
			unsigned extra_pinned = plan.demand[i].pinned;
			if (plan.demand[i].placed - extra_pinned != placed[i] ||
			    plan.gpus_used != opt || !plan.optimal) {
				print_error("seed %lu trial %u: item %zu (%s) demand %u placed %u "
					    "(pinned %u) oracle %u; gpus %zu oracle %zu optimal %d\n",
					    (unsigned long)seed, t, i, rc->profiles[i],
					    counts[i], plan.demand[i].placed, extra_pinned,
					    placed[i], plan.gpus_used, opt, plan.optimal);
			}
			assert_int_equal(plan.demand[i].placed - extra_pinned, placed[i]);
		}
		assert_int_equal(plan.gpus_used, opt);
		assert_true(plan.optimal);
		assert_true(plan.stats.tiebreaks_proven);
		assert_true(plan.stats.free_capacity_optimal);
		optimal += plan.optimal;
		if (o.n_inst <= 7) {
			long best_free = oracle_free(&o);
			assert_true((long)plan.free_capacity <= best_free);
			free_checked++;
			free_best += (long)plan.free_capacity == best_free;
		}
		infeasible += !plan.complete;
		if (opt > max_gpus)
			max_gpus = (unsigned)opt;
		migctl_plan_release(&plan);
	}
	print_message("%u trials: %u optimal, %u with unplaced demand, up to %u GPUs; "
		      "most free capacity in %u of %u checked\n",
		      trials, optimal, infeasible, max_gpus, free_best, free_checked);
}

static void test_random_a100(void **state)
{
	(void)state;
	struct random_case rc = {
		.models = {a100}, .counts = {10}, .n_models = 1,
		.profiles = {"1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"},
		.n_profiles = 5, .max_n = 10,
	};
	random_trials(&rc, 400, 1, false, false);
}

static void test_random_a100_all_profiles(void **state)
{
	(void)state;
	struct random_case rc = {
		.models = {a100}, .counts = {10}, .n_models = 1,
		.profiles = {"1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb",
			     "3g.40gb", "4g.40gb", "7g.80gb"},
		.n_profiles = 7, .max_n = 9,
	};
	random_trials(&rc, 250, 2, false, false);
}

static void test_random_a30(void **state)
{
	(void)state;
	struct random_case rc = {
		.models = {a30}, .counts = {10}, .n_models = 1,
		.profiles = {"1g.6gb", "1g.6gb+me", "2g.12gb", "2g.12gb+me", "4g.24gb"},
		.n_profiles = 5, .max_n = 10,
	};
	random_trials(&rc, 300, 3, false, false);
}

static void test_random_rtx(void **state)
{
	(void)state;
	struct random_case rc = {
		.models = {rtx}, .counts = {10}, .n_models = 1,
		.profiles = {"1g.24gb", "1g.24gb+me", "2g.48gb", "4g.96gb"},
		.n_profiles = 4, .max_n = 10,
	};
	random_trials(&rc, 300, 4, false, false);
}

static void test_random_mixed(void **state)
{
	(void)state;
	/* "14" is 2g.20gb on the A100 and 1g.6gb on the A30; "0" is 7g.80gb
	 * and 4g.24gb. */
	struct random_case rc = {
		.models = {a100, a30}, .counts = {3, 3}, .n_models = 2,
		.profiles = {"1g.10gb", "3g.40gb", "14", "2g.12gb", "0", "4g.40gb"},
		.n_profiles = 6, .max_n = 9,
	};
	random_trials(&rc, 250, 5, false, false);
}

static void test_random_mixed_restricted(void **state)
{
	(void)state;
	struct random_case rc = {
		.models = {a100, a30, rtx}, .counts = {2, 2, 2}, .n_models = 3,
		.profiles = {"14", "5", "0", "9", "19"},
		.restrict_to = {NULL, a30, NULL, NULL, a100},
		.n_profiles = 5, .max_n = 9,
	};
	random_trials(&rc, 250, 6, false, false);
}

static void test_random_pinned(void **state)
{
	(void)state;
	struct random_case rc = {
		.models = {a100}, .counts = {4}, .n_models = 1,
		.profiles = {"1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"},
		.n_profiles = 5, .max_n = 8,
	};
	random_trials(&rc, 300, 7, true, true);
	struct random_case mixed = {
		.models = {a100, a30}, .counts = {3, 2}, .n_models = 2,
		.profiles = {"1g.10gb", "3g.40gb", "2g.12gb", "4g.24gb", "2g.20gb"},
		.n_profiles = 5, .max_n = 8,
	};
	random_trials(&mixed, 200, 8, true, true);
}

static void test_random_overfull(void **state)
{
	(void)state;
	struct random_case rc = {
		.models = {a100}, .counts = {2}, .n_models = 1,
		.profiles = {"1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"},
		.n_profiles = 5, .max_n = 9,
	};
	random_trials(&rc, 250, 9, false, true);
	struct random_case a30c = {
		.models = {a30}, .counts = {2}, .n_models = 1,
		.profiles = {"1g.6gb", "2g.12gb", "4g.24gb", "1g.6gb+me"},
		.n_profiles = 4, .max_n = 9,
	};
	random_trials(&a30c, 250, 10, false, true);
	struct random_case mixed = {
		.models = {a100, a30}, .counts = {1, 1}, .n_models = 2,
		.profiles = {"1g.10gb", "3g.40gb", "14", "4g.24gb", "7g.80gb"},
		.n_profiles = 5, .max_n = 8,
	};
	random_trials(&mixed, 200, 11, false, true);
}

/* ------------------------------------------------------------------ */
/* Known cases                                                          */
/* ------------------------------------------------------------------ */

static void plan_simple(struct migctl_plan *plan,
			const struct migctl_gpu_model *m, unsigned gpus,
			const struct migctl_plan_demand *d, size_t nd)
{
	struct migctl_plan_fleet fleet = {m, gpus};
	struct migctl_plan_request req = {
		.fleet = &fleet, .n_fleet = 1, .demand = d, .n_demand = nd,
	};
	migctl_plan_init(plan);
	assert_int_equal(solve(&req, plan), MIGCTL_ERR_OK);
	check_plan(&req, plan);
}

static void test_three_two_two(void **state)
{
	(void)state;
	struct migctl_plan plan;
	struct migctl_plan_demand d[] = {{"3g.40gb", 1, NULL}, {"2g.20gb", 2, NULL}};

	plan_simple(&plan, a100, 4, d, COUNT(d));
	assert_int_equal(plan.gpus_used, 1);
	assert_int_equal(plan.lower_bound, 1);
	assert_true(plan.optimal && plan.complete);
	/* The 3g must sit at 4 for both 2g to fit (planning.md §1.3). */
	const struct migctl_plan_gpu *g = &plan.gpus[0];
	assert_int_equal(g->n_instances, 3);
	assert_int_equal(g->instances[0].placement.start, 0);
	assert_int_equal(g->instances[1].placement.start, 2);
	assert_int_equal(g->instances[2].profile_id, 9);
	assert_int_equal(g->instances[2].placement.start, 4);
	for (size_t i = 1; i < 4; i++)
		assert_false(plan.gpus[i].used);
	migctl_plan_release(&plan);
}

static void test_sevens(void **state)
{
	(void)state;
	struct migctl_plan plan;
	struct migctl_plan_demand d[] = {{"1g.10gb", 7, NULL}, {"7g.80gb", 1, NULL}};

	plan_simple(&plan, a100, 3, d, COUNT(d));
	assert_int_equal(plan.gpus_used, 2);
	assert_int_equal(plan.lower_bound, 2);
	assert_true(plan.optimal && plan.complete);
	migctl_plan_release(&plan);

	/* By ID, and as one demand item written twice. */
	struct migctl_plan_demand d2[] = {{"19", 3, NULL}, {"1g.10gb", 4, NULL},
					  {"MIG 7g.80gb", 1, NULL}};
	plan_simple(&plan, a100, 3, d2, COUNT(d2));
	assert_int_equal(plan.gpus_used, 2);
	assert_int_equal(plan.stats.rows, 2);
	assert_int_equal(plan.demand[0].placed, 3);
	assert_int_equal(plan.demand[1].placed, 4);
	migctl_plan_release(&plan);
}

static void test_free_capacity(void **state)
{
	(void)state;
	struct migctl_plan plan;
	/* One 1g on an A100: the driver's rule keeps the most room; the plan
	 * must not put it at 0..3, which would block the 4g. */
	struct migctl_plan_demand d[] = {{"1g.10gb", 1, NULL}};

	plan_simple(&plan, a100, 2, d, COUNT(d));
	assert_int_equal(plan.gpus_used, 1);
	assert_int_equal(plan.gpus[0].n_instances, 1);
	assert_true(plan.gpus[0].instances[0].placement.start >= 4);
	migctl_plan_release(&plan);

	/* A demand of nothing uses nothing. */
	struct migctl_plan_demand none[] = {{"3g.40gb", 0, NULL}};
	plan_simple(&plan, a100, 2, none, COUNT(none));
	assert_int_equal(plan.gpus_used, 0);
	assert_true(plan.optimal && plan.complete);
	migctl_plan_release(&plan);
}

static void test_infeasible(void **state)
{
	(void)state;
	struct migctl_plan plan;
	struct migctl_plan_demand d[] = {{"7g.80gb", 3, NULL}};

	plan_simple(&plan, a100, 2, d, COUNT(d));
	assert_false(plan.complete);
	assert_int_equal(plan.demand[0].placed, 2);
	assert_int_equal(plan.demand[0].unplaced, 1);
	assert_int_equal(plan.unplaced, 1);
	assert_int_equal(plan.gpus_used, 2);
	assert_true(plan.optimal);
	migctl_plan_release(&plan);

	/* Slices first: two 7g (14 slices) beat one 7g and four 1g (11). */
	struct migctl_plan_demand d2[] = {{"1g.10gb", 4, NULL}, {"7g.80gb", 3, NULL}};
	plan_simple(&plan, a100, 2, d2, COUNT(d2));
	assert_int_equal(plan.demand[0].unplaced, 4);
	assert_int_equal(plan.demand[1].unplaced, 1);
	migctl_plan_release(&plan);

	/* Demand only one model can hold: the A30s stay free. */
	struct migctl_plan_fleet fleet[] = {{a100, 2}, {a30, 3}};
	struct migctl_plan_demand d3[] = {{"7g.80gb", 3, NULL}};
	struct migctl_plan_request req = {
		.fleet = fleet, .n_fleet = 2, .demand = d3, .n_demand = 1,
	};
	migctl_plan_init(&plan);
	assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_int_equal(plan.demand[0].unplaced, 1);
	assert_int_equal(plan.gpus_used, 2);
	assert_true(plan.optimal);
	migctl_plan_release(&plan);

	/* Same slices placed: more instances win, then earlier items. */
	struct migctl_plan_demand d4[] = {{"4g.40gb", 2, NULL}, {"3g.40gb", 2, NULL},
					  {"1g.10gb", 4, NULL}};
	plan_simple(&plan, a100, 1, d4, COUNT(d4));
	/* 7 slices at most; 4g+3g (2 instances) or 3g+4x1g (5): the latter. */
	assert_int_equal(plan.demand[0].placed, 0);
	assert_int_equal(plan.demand[1].placed, 1);
	assert_int_equal(plan.demand[2].placed, 4);
	migctl_plan_release(&plan);
}

static void test_errors(void **state)
{
	(void)state;
	struct migctl_plan plan;
	struct migctl_error err = {0};
	struct migctl_plan_fleet fleet[] = {{a100, 2}, {a30, 1}};
	struct migctl_plan_demand d[] = {{"1g.10gb", 1, NULL}, {"5g.50gb", 2, NULL}};
	struct migctl_plan_request req = {
		.fleet = fleet, .n_fleet = 2, .demand = d, .n_demand = 2,
	};

	migctl_plan_init(&plan);
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_non_null(strstr(err.msg, "'5g.50gb'"));
	assert_null(plan.gpus);

	/* A30 profile tied to the A100: exists on no model it may use. */
	struct migctl_plan_demand d2[] = {{"2g.12gb", 1, a100}};
	req.demand = d2;
	req.n_demand = 1;
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_non_null(strstr(err.msg, "2g.12gb"));

	/* Tied to a model not in the fleet. */
	struct migctl_plan_demand d3[] = {{"1g.24gb", 1, rtx}};
	req.demand = d3;
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_USAGE);
	assert_non_null(strstr(err.msg, rtx->name));

	/* Pins: GPU out of range, unknown ID, bad placement, overlap. */
	struct migctl_plan_demand d4[] = {{"1g.10gb", 1, NULL}};
	struct migctl_plan_pin pins[2];
	req.demand = d4;
	req.pins = pins;
	req.n_pins = 1;
	pins[0] = (struct migctl_plan_pin){3, 9, {0, 4}};
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "GPU 3"));
	pins[0] = (struct migctl_plan_pin){2, 9, {0, 4}};   /* GPU 2 is the A30 */
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_UNKNOWN_PROFILE);
	assert_non_null(strstr(err.msg, "ID 9"));
	pins[0] = (struct migctl_plan_pin){1, 9, {2, 4}};
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_INVALID_PLACEMENT);
	assert_non_null(strstr(err.msg, "3g.40gb"));
	pins[0] = (struct migctl_plan_pin){1, 9, {4, 4}};
	pins[1] = (struct migctl_plan_pin){1, 14, {4, 2}};
	req.n_pins = 2;
	assert_int_equal(migctl_plan_solve(&req, &plan, &err), MIGCTL_ERR_INFEASIBLE);
	assert_non_null(strstr(err.msg, "GPU 1"));

	/* An empty fleet. */
	struct migctl_plan_fleet none = {a100, 0};
	struct migctl_plan_request empty = {.fleet = &none, .n_fleet = 1};
	assert_int_equal(migctl_plan_solve(&empty, &plan, &err), MIGCTL_ERR_USAGE);
	assert_null(plan.gpus);
}

static void test_pinned(void **state)
{
	(void)state;
	struct migctl_plan plan;
	struct migctl_plan_fleet fleet = {a100, 2};
	/* A 3g at 0 blocks the 4g on GPU 0; a 1g at 6 stays too. */
	struct migctl_plan_pin pins[] = {{0, 9, {0, 4}}, {0, 19, {6, 1}}};
	struct migctl_plan_demand d[] = {{"4g.40gb", 1, NULL}, {"2g.20gb", 1, NULL},
					 {"3g.40gb", 1, NULL}};
	struct migctl_plan_request req = {
		.fleet = &fleet, .n_fleet = 1, .demand = d, .n_demand = 3,
		.pins = pins, .n_pins = 2,
	};

	migctl_plan_init(&plan);
	assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_true(plan.complete && plan.optimal);
	assert_int_equal(plan.gpus_used, 2);
	/* The pinned 3g serves the 3g demand; 2g goes next to it at 4. */
	assert_int_equal(plan.demand[2].pinned, 1);
	const struct migctl_plan_gpu *g0 = &plan.gpus[0];
	assert_int_equal(g0->n_instances, 3);
	assert_true(g0->instances[0].pinned);
	assert_int_equal(g0->instances[1].profile_id, 14);
	assert_int_equal(g0->instances[1].placement.start, 4);
	assert_int_equal(plan.gpus[1].instances[0].profile_id, 5);
	migctl_plan_release(&plan);

	/* On top of the pins, the 3g needs room too: GPU 1 takes 4g and 3g. */
	req.pins_are_extra = true;
	migctl_plan_init(&plan);
	assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_true(plan.complete && plan.optimal);
	assert_int_equal(plan.gpus_used, 2);
	assert_int_equal(plan.gpus[1].n_instances, 2);
	migctl_plan_release(&plan);

	/* A pinned GPU counts as used even with no demand. */
	struct migctl_plan_demand none[] = {{"7g.80gb", 1, NULL}};
	req.demand = none;
	req.n_demand = 1;
	req.pins_are_extra = false;
	migctl_plan_init(&plan);
	assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_int_equal(plan.gpus_used, 2);
	assert_int_equal(plan.lower_bound, 2);
	migctl_plan_release(&plan);
}

static void test_mixed_names(void **state)
{
	(void)state;
	struct migctl_plan plan;
	struct migctl_plan_fleet fleet[] = {{a100, 1}, {a30, 1}};
	/* Each model's own names; "14" means 2g.20gb on the A100 and 1g.6gb
	 * on the A30. 7x1g fills the A100, so the "14" goes to the A30. */
	struct migctl_plan_demand d[] = {{"1g.10gb", 7, NULL}, {"2g.12gb", 1, NULL},
					 {"14", 1, NULL}};
	struct migctl_plan_request req = {
		.fleet = fleet, .n_fleet = 2, .demand = d, .n_demand = 3,
	};

	migctl_plan_init(&plan);
	assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
	check_plan(&req, &plan);
	assert_true(plan.complete && plan.optimal);
	assert_int_equal(plan.gpus_used, 2);
	assert_int_equal(plan.gpus[0].n_instances, 7);
	const struct migctl_plan_gpu *g1 = &plan.gpus[1];
	assert_int_equal(g1->n_instances, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct migctl_plan_instance *in = &g1->instances[i];
		assert_string_equal(a30->gi[in->profile].name,
				    in->demand == 1 ? "2g.12gb" : "1g.6gb");
	}
	migctl_plan_release(&plan);
}

/* ------------------------------------------------------------------ */
/* Scale                                                                */
/* ------------------------------------------------------------------ */

static void big_case(const struct migctl_plan_fleet *fleet, size_t nf,
		     const char *const *profiles, const unsigned *slices,
		     size_t np, double fill, uint64_t seed)
{
	struct migctl_plan_demand d[8];
	struct migctl_plan_request req = {
		.fleet = fleet, .n_fleet = nf, .demand = d, .n_demand = np,
	};
	struct migctl_plan plan;
	unsigned long cap = 0, want = 0;

	for (size_t e = 0; e < nf; e++)
		cap += 7ul * fleet[e].count;
	rng_seed(seed);
	for (size_t i = 0; i < np; i++)
		d[i] = (struct migctl_plan_demand){profiles[i], 0, NULL};
	while (want < (unsigned long)(fill * (double)cap)) {
		size_t i = rnd((unsigned)np);
		d[i].count++;
		want += slices[i];
	}
	migctl_plan_init(&plan);
	double t0 = now_ms();
	assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
	double t1 = now_ms();
	check_plan(&req, &plan);
	print_message("%zu GPUs, %lu slices demanded: %zu used, bound %zu, LP %.3f, "
		      "optimal %d, complete %d, free optimal %d, %lu nodes, %zu columns, %.2f ms\n",
		      plan.n_gpus, want, plan.gpus_used, plan.lower_bound,
		      plan.stats.lp_bound, plan.optimal, plan.complete,
		      plan.stats.free_capacity_optimal,
		      plan.stats.nodes, plan.stats.columns, t1 - t0);
	assert_true(plan.complete);
	assert_true(plan.optimal);
	migctl_plan_release(&plan);
}

static void test_scale(void **state)
{
	(void)state;
	static const char *const base[] = {"1g.10gb", "2g.20gb", "3g.40gb",
					   "4g.40gb", "7g.80gb"};
	static const unsigned base_slices[] = {1, 2, 3, 4, 7};
	static const char *const a30p[] = {"1g.6gb", "2g.12gb", "4g.24gb"};
	static const unsigned a30s[] = {1, 2, 4};

	for (unsigned n = 1000; n <= 10000; n *= 10) {
		struct migctl_plan_fleet fleet = {a100, n};
		big_case(&fleet, 1, base, base_slices, 5, 0.85, n);
	}
	struct migctl_plan_fleet a30f = {a30, 1000};
	big_case(&a30f, 1, a30p, a30s, 3, 0.5, 17);
	/* Mixed: A100 and A30 profiles by name, plus a shared ID. */
	struct migctl_plan_fleet mixed[] = {{a100, 600}, {a30, 400}};
	static const char *const mp[] = {"1g.10gb", "3g.40gb", "7g.80gb",
					 "2g.12gb", "4g.24gb", "14"};
	static const unsigned ms[] = {1, 3, 7, 2, 4, 1};
	big_case(mixed, 2, mp, ms, 6, 0.6, 23);
}

/* A spent budget still gives a valid plan, and says whether it is
 * proven. */
static void test_budget(void **state)
{
	(void)state;
	struct migctl_plan_fleet fleet[] = {{a100, 60}, {a30, 40}};
	struct migctl_plan_demand d[] = {{"1g.10gb", 40, NULL}, {"3g.40gb", 50, NULL},
					 {"7g.80gb", 20, NULL}, {"2g.12gb", 30, NULL},
					 {"4g.24gb", 20, NULL}, {"14", 45, NULL}};
	struct migctl_plan_request req = {
		.fleet = fleet, .n_fleet = 2, .demand = d, .n_demand = 6,
	};
	struct migctl_plan plan, full;

	migctl_plan_init(&full);
	assert_int_equal(solve(&req, &full), MIGCTL_ERR_OK);
	check_plan(&req, &full);
	for (unsigned long limit = 1; limit <= 4; limit++) {
		req.node_limit = limit;
		migctl_plan_init(&plan);
		assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
		check_plan(&req, &plan);
		assert_true(plan.stats.budget_exhausted || plan.optimal);
		assert_int_equal(plan.unplaced, full.unplaced);
		assert_true(plan.gpus_used >= full.gpus_used || plan.unplaced);
		print_message("node limit %lu: %zu GPUs (optimum %zu), optimal %d, "
			      "free %lu (best %lu), budget exhausted %d\n", limit,
			      plan.gpus_used, full.gpus_used, plan.optimal,
			      plan.free_capacity, full.free_capacity,
			      plan.stats.budget_exhausted);
		migctl_plan_release(&plan);
	}
	migctl_plan_release(&full);

	/* Demand that does not fit, on a budget of one node per stage. */
	struct migctl_plan_fleet small = {a100, 3};
	struct migctl_plan_demand over[] = {{"4g.40gb", 3, NULL}, {"3g.40gb", 4, NULL},
					    {"2g.20gb", 3, NULL}};
	struct migctl_plan_request r2 = {
		.fleet = &small, .n_fleet = 1, .demand = over, .n_demand = 3,
		.node_limit = 1,
	};
	migctl_plan_init(&plan);
	assert_int_equal(solve(&r2, &plan), MIGCTL_ERR_OK);
	check_plan(&r2, &plan);
	assert_true(plan.unplaced < 10);
	print_message("over demand, node limit 1: %lu unplaced, %zu GPUs, optimal %d\n",
		      plan.unplaced, plan.gpus_used, plan.optimal);
	migctl_plan_release(&plan);
}

static void test_scale_pinned(void **state)
{
	(void)state;
	struct migctl_plan_fleet fleet = {a100, 1000};
	struct migctl_plan_pin *pins = calloc(4000, sizeof(*pins));
	struct migctl_plan_demand d[] = {{"1g.10gb", 0, NULL}, {"2g.20gb", 0, NULL},
					 {"3g.40gb", 0, NULL}, {"4g.40gb", 0, NULL},
					 {"7g.80gb", 0, NULL}};
	struct migctl_plan_request req = {
		.fleet = &fleet, .n_fleet = 1, .demand = d, .n_demand = 5,
		.pins = pins,
	};
	struct migctl_plan plan;
	static const char *const names[] = {"1g.10gb", "2g.20gb", "3g.40gb",
					    "4g.40gb", "7g.80gb"};

	assert_non_null(pins);
	rng_seed(99);
	/* Half the GPUs carry one or two random running instances. */
	for (size_t g = 0; g < 1000; g += 2) {
		struct ostate s = {0};
		for (unsigned k = 0, n = 1 + rnd(2); k < 6 && n; k++) {
			int q = oracle_profile(a100, names[rnd(5)]);
			const struct migctl_placement_set *ps = &a100->gi[q].placements;
			unsigned start = ps->starts[rnd(ps->n_starts)];
			if (!o_add(a100, &s, (size_t)q, start))
				continue;
			pins[req.n_pins++] = (struct migctl_plan_pin){
				g, a100->gi[q].id, {start, ps->size}};
			n--;
		}
	}
	for (unsigned k = 0; k < 1500; k++)
		d[rnd(5)].count++;
	migctl_plan_init(&plan);
	double t0 = now_ms();
	assert_int_equal(solve(&req, &plan), MIGCTL_ERR_OK);
	double t1 = now_ms();
	check_plan(&req, &plan);
	print_message("1000 GPUs, %zu pins: %zu used, bound %zu, optimal %d, free optimal %d, "
		      "%zu classes, %zu columns, %lu nodes, %.2f ms\n",
		      req.n_pins, plan.gpus_used, plan.lower_bound, plan.optimal,
		      plan.stats.free_capacity_optimal,
		      plan.stats.classes, plan.stats.columns, plan.stats.nodes, t1 - t0);
	migctl_plan_release(&plan);
	free(pins);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_two_two),
		cmocka_unit_test(test_sevens),
		cmocka_unit_test(test_free_capacity),
		cmocka_unit_test(test_infeasible),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_mixed_names),
		cmocka_unit_test(test_random_a100),
		cmocka_unit_test(test_random_a100_all_profiles),
		cmocka_unit_test(test_random_a30),
		cmocka_unit_test(test_random_rtx),
		cmocka_unit_test(test_random_mixed),
		cmocka_unit_test(test_random_mixed_restricted),
		cmocka_unit_test(test_random_pinned),
		cmocka_unit_test(test_random_overfull),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_scale_pinned),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
