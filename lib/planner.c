/* migctl — fleet planner (see include/migctl/planner.h).
 *
 * The model
 * ---------
 * Demand rows i = 1..m are the request items, merged when two items resolve
 * to the same profile on every fleet model; d_i is the demanded count.
 * GPUs of one model with the same pinned instances form a group. A
 * configuration of a group is a vector v over the rows: per profile q of
 * the model, the instances of q on the GPU are Σ v_i over the rows that are
 * q on this model (pinned ones included, unless the request says
 * pins_are_extra), and the configuration is feasible if those instances,
 * with the pinned ones at their placements, can all be placed.
 *
 * Feasible configurations are closed under taking smaller ones: removing an
 * instance from a placed layout leaves a placed layout. So a demand can be
 * met with exactly d_i instances iff it can be covered (≥ d_i) using
 * inclusion-maximal configurations only, and the surplus is removed
 * afterwards. Per group the maximal configurations come from the geometry
 * engine (migctl_grid_enumerate over the demanded and pinned profiles).
 * Groups with the same cost and the same maximal configurations are one
 * class k of n_k GPUs; the cost c_k is 1 for GPUs without pins and 0 for
 * pinned GPUs (they are used whatever we do). The plan is the integer
 * program
 *
 *     min Σ c_k x_kc  s.t.  Σ_kc v_c,i x_kc ≥ d_i  (each row i)
 *                           Σ_c x_kc ≤ n_k         (each class k)
 *                           x_kc ≥ 0 integer,
 *
 * where x_kc counts the GPUs of class k that take configuration c. Its size
 * depends on the rows and configurations (5 rows and 12 columns for the
 * A100 base profiles), not on the number of GPUs.
 *
 * Lower bound (the proof)
 * -----------------------
 * For any y ≥ 0 put u_k = max(0, max_c (v_c·y − c_k)). Then (y, u) is
 * feasible for the dual of the LP relaxation, so by weak duality
 *
 *     LB(y) = Σ_i d_i y_i − Σ_k n_k u_k  ≤  LP  ≤  OPT,
 *
 * and since OPT is an integer, ⌈LB(y)⌉ ≤ OPT. y comes from the simplex
 * (row duals at the root), is rounded to rationals Y/D for a few
 * denominators D, and LB is evaluated exactly in integer arithmetic.
 * Floating-point error can only weaken this bound, never make it wrong.
 *
 * Upper bound
 * -----------
 * A depth-first branch and bound over the counts x_kc: a dense
 * bounded-variable simplex at every node, branching on the most fractional
 * count (up first), and at every node a rounding heuristic (round the LP
 * solution down; the residual is then smaller than one GPU per basic
 * column; cover it greedily). It stops as soon as a plan meets ⌈LB⌉,
 * which is then optimal by the bound above. When the tree is exhausted
 * first, every pruned subtree had an LP bound no better than the incumbent,
 * and the incumbent is optimal (this proof rests on the node LPs, computed
 * in floating point with a 1e-6 tolerance on integral objectives). When
 * the time or node budget ends first, the plan is reported with
 * optimal = false.
 *
 * Demand that does not fit
 * ------------------------
 * If the covering program is infeasible (the root LP, or the exhausted
 * tree, proves it), the placed demand y ≤ d is chosen first, with the
 * same machinery on   Σ_kc v_c,i x_kc − y_i ≥ 0,  Σ_c x_kc ≤ n_k,
 * 0 ≤ y ≤ d: maximise the compute slices placed (each row weighs its
 * profile's compute slices on the first fleet model that has it), then,
 * with that fixed, the instances placed, then y_1, y_2, ... in row order.
 * The covering program is then solved for y.
 *
 * Free capacity
 * -------------
 * Placing a configuration: scan the group model's layouts for those that
 * hold the pinned instances and exactly the wanted multiset, and take the
 * one with the largest sum of remaining capacities (ties: the first in the
 * geometry engine's order). Call that sum F(g, v). The chosen counts are
 * handed to the groups of each class, and the surplus over d is removed
 * greedily (each time where F gains most). Then an exact stage: the same
 * machinery on
 *
 *     max Σ F(g,v) x_gv  s.t.  Σ_v x_gv = n_g          (each group g)
 *                              Σ_gv v_i x_gv ≥ d_i     (each row i)
 *                              Σ x_gv over unpinned g, v ≠ 0 ≤ GPUs used
 *
 * over every feasible configuration (not only the maximal ones), seeded
 * with the greedy result so that it can only improve it.
 *
 * Budget
 * ------
 * The GPU count and the compute slices placed get the whole time and node
 * budget. The tie-break stages (instances placed, item order, free
 * capacity) get TIEBREAK_NODES nodes each and a tenth of the time budget
 * together: an LP bound that is off by one can need an exhaustive tree to
 * prove, which is not worth the budget of the main objectives. The plan
 * says which levels are proven. Only the final copy to the output runs
 * per GPU; everything before it works on counts.
 */
#include "migctl/planner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lp.h"

#define NONE SIZE_MAX
#define MAXQ MIGCTL_MAX_PROFILES
#define MAXR MIGCTL_PLAN_MAX_ROWS

#define MAX_LAYOUTS 200000u
#define MAX_COLUMNS 50000u

/* The exact bound arithmetic. With rows of at most MIGCTL_PLAN_MAX_COUNT
 * instances, at most MIGCTL_PLAN_MAX_GPUS GPUs, at most 32 instances per
 * GPU and duals Y ≤ 64·2^20, every term stays below 2^55. */
typedef long long wide;

/* A placed layout on a model's grid: per profile the count and the
 * starts (profiles have one size, so the starts say everything). */
struct layout {
	uint8_t count[MAXQ];
	uint32_t starts[MAXQ];
};

struct model_info {
	const struct migctl_gpu_model *model;
	struct migctl_grid grid;
	size_t n_prof;                  /* demanded profiles on this model */
	size_t prof[MAXR];              /* their indices in model->gi */
	size_t n_prof_rows[MAXR];       /* rows that are prof[p] here */
	size_t prof_rows[MAXR][MAXR];
	int slot[MAXQ];                 /* profile index -> p, or -1 */
	uint32_t allowed;               /* demanded and pinned profiles */
	struct layout *layouts;         /* [0] is the empty layout */
	size_t n_layouts;
	int *free_score;                /* per layout, -1 until computed */
};

struct gpu_rec {
	size_t model;                   /* model_info index */
	size_t entry;                   /* fleet entry */
	size_t pin0, n_pins;            /* range in planner.pin_slots */
};

/* A placement found for (group, configuration). */
struct cache_entry {
	uint8_t v[MAXR];
	size_t layout;
};

struct group {
	size_t model;
	const struct migctl_slot *pins; /* canonical: by start */
	size_t n_pins;
	uint8_t pin_count[MAXQ];
	uint32_t pin_starts[MAXQ];
	size_t gpu0, n_gpus;            /* range in planner.gpu_order */
	size_t cls;
	uint8_t *configs;               /* n_configs × MAXR, maximal ones */
	size_t n_configs;
	uint8_t *all;                   /* n_all × MAXR, every feasible one */
	size_t n_all;
	uint8_t base[MAXR];             /* a GPU with nothing but its pins */
	uint64_t hash;
	struct cache_entry *cache;
	size_t n_cache, cap_cache;
};

struct plan_class {
	unsigned cost;
	size_t n_gpus;
	size_t rep;                     /* group holding the configurations */
	size_t g0, n_groups;            /* range in planner.class_groups */
	size_t col0, n_cols;
};

struct row_info {
	unsigned long demand;
	unsigned weight;                /* compute slices */
};

struct gtype {
	size_t group;
	uint8_t v[MAXR];
	size_t count;
	size_t layout;
};

struct planner {
	const struct migctl_plan_request *req;
	struct migctl_error *err;
	struct timespec deadline;
	struct timespec tiebreak_deadline;
	bool tiebreak_started;
	unsigned budget_ms;
	unsigned long node_limit;
	struct migctl_plan_stats stats;

	size_t n_models;
	struct model_info *models;
	size_t n_rows;
	struct row_info rows[MAXR];
	int *rowmap;                    /* n_rows × n_models: profile or -1 */
	size_t *item_row;               /* per request item */

	size_t n_gpus;
	struct gpu_rec *gpus;
	struct migctl_slot *pin_slots;
	size_t *gpu_order;              /* GPUs sorted by group */
	size_t n_pinned_gpus;

	size_t n_groups;
	struct group *groups;
	size_t n_classes;
	struct plan_class *classes;
	size_t *class_groups;
	size_t n_cols;
	size_t *col_class;
	const uint8_t **col_cfg;

	double dem[MAXR];               /* demand being covered */
	double wt[MAXR];                /* heuristic weights of rows */

	struct gtype *types;
	size_t n_types, cap_types;
};

static enum migctl_err nomem(struct planner *pl)
{
	return migctl_fail(pl->err, MIGCTL_ERR_NOMEM,
			   "out of memory while planning");
}

/* Grow the array whose pointer is at `bufp` to hold `need` elements.
 * (The pointer is copied with memcpy so that any object pointer type can
 * be passed without breaking aliasing rules.) */
static bool grow(void *bufp, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *buf, *nb;
	bool ok = true;

	if (need > *cap) {
		while (n < need)
			n *= 2;
		memcpy(&buf, bufp, sizeof(buf));
		nb = realloc(buf, n * elem);
		if (nb) {
			memcpy(bufp, &nb, sizeof(nb));
			*cap = n;
		} else {
			ok = false;
		}
	}
	return ok;
}

/* --- request ---------------------------------------------------------- */

static size_t model_index(const struct planner *pl,
			  const struct migctl_gpu_model *m)
{
	for (size_t i = 0; i < pl->n_models; i++)
		if (pl->models[i].model == m)
			return i;
	return NONE;
}

static enum migctl_err check_fleet(struct planner *pl)
{
	const struct migctl_plan_request *req = pl->req;
	enum migctl_err rc = MIGCTL_ERR_OK;
	unsigned long total = 0;

	if (req->n_fleet == 0 || !req->fleet) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				 "the fleet is empty: give at least one MODEL:COUNT");
		goto out;
	}
	pl->models = calloc(req->n_fleet, sizeof(*pl->models));
	if (!pl->models) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t e = 0; e < req->n_fleet; e++) {
		const struct migctl_plan_fleet *f = &req->fleet[e];
		if (!f->model) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
					 "fleet entry %zu has no GPU model", e);
			goto out;
		}
		if (f->count > MIGCTL_PLAN_MAX_COUNT) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
					 "fleet entry %zu (%s): %u GPUs is more than the %u a plan takes",
					 e, f->model->name, f->count, MIGCTL_PLAN_MAX_COUNT);
			goto out;
		}
		if (f->model->n_gi > MAXQ || f->model->units > MIGCTL_MAX_UNITS) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_CATALOG,
					 "model %s has more profiles or units than the planner handles",
					 f->model->name);
			goto out;
		}
		total += f->count;
		if (model_index(pl, f->model) == NONE) {
			struct model_info *mi = &pl->models[pl->n_models++];
			mi->model = f->model;
			migctl_grid_of_model(&mi->grid, f->model);
			for (size_t q = 0; q < MAXQ; q++)
				mi->slot[q] = -1;
		}
	}
	if (total == 0) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				 "the fleet has no GPUs (every count is 0)");
		goto out;
	}
	if (total > MIGCTL_PLAN_MAX_GPUS) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				 "the fleet has %lu GPUs; a plan takes at most %u",
				 total, MIGCTL_PLAN_MAX_GPUS);
		goto out;
	}
	pl->n_gpus = total;
out:
	return rc;
}

static size_t fleet_names(const struct planner *pl, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t m = 0; m < pl->n_models && used + 1 < len; m++) {
		int n = snprintf(buf + used, len - used, "%s%s", m ? ", " : "",
				 pl->models[m].model->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return used;
}

/* Resolve every demand item on every fleet model and merge items that
 * resolve alike into rows. */
static enum migctl_err resolve_demand(struct planner *pl)
{
	const struct migctl_plan_request *req = pl->req;
	enum migctl_err rc = MIGCTL_ERR_OK;
	int mp[64];
	size_t nm = pl->n_models;

	if (nm > 64) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				 "a fleet may have at most 64 distinct models");
		goto out;
	}
	if (req->n_demand > 0 && !req->demand) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE, "the demand list is missing");
		goto out;
	}
	pl->rowmap = calloc(MAXR * nm + 1, sizeof(int));
	pl->item_row = calloc(req->n_demand + 1, sizeof(size_t));
	if (!pl->rowmap || !pl->item_row) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t i = 0; i < req->n_demand; i++) {
		const struct migctl_plan_demand *it = &req->demand[i];
		struct migctl_error scratch;
		bool any = false;

		if (!it->profile || !it->profile[0]) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
					 "demand item %zu names no profile", i);
			goto out;
		}
		if (it->count > MIGCTL_PLAN_MAX_COUNT) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
					 "demand item %zu (%s): %u instances is more than the %u a plan takes",
					 i, it->profile, it->count, MIGCTL_PLAN_MAX_COUNT);
			goto out;
		}
		if (it->model && model_index(pl, it->model) == NONE) {
			char names[400];
			fleet_names(pl, names, sizeof(names));
			rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
					 "demand item %zu (%s) is for %s, which is not in the fleet (%s)",
					 i, it->profile, it->model->name, names);
			goto out;
		}
		for (size_t m = 0; m < nm; m++) {
			const struct migctl_gpu_model *model = pl->models[m].model;
			const struct migctl_gi_profile *gi = NULL;
			mp[m] = -1;
			if (!it->model || it->model == model)
				gi = migctl_model_find_gi_profile(model, it->profile, &scratch);
			if (gi) {
				mp[m] = (int)(gi - model->gi);
				any = true;
			}
		}
		if (!any) {
			char names[400];
			fleet_names(pl, names, sizeof(names));
			if (it->model)
				rc = migctl_fail(pl->err, MIGCTL_ERR_UNKNOWN_PROFILE,
						 "profile '%s' (demand item %zu) does not exist on %s, "
						 "the model the item is tied to",
						 it->profile, i, it->model->name);
			else
				rc = migctl_fail(pl->err, MIGCTL_ERR_UNKNOWN_PROFILE,
						 "profile '%s' (demand item %zu) exists on no GPU model "
						 "of the fleet (%s); check the name against the "
						 "models' profile lists",
						 it->profile, i, names);
			goto out;
		}
		size_t r;
		for (r = 0; r < pl->n_rows; r++)
			if (!memcmp(pl->rowmap + r * nm, mp, nm * sizeof(int)))
				break;
		if (r == pl->n_rows) {
			if (pl->n_rows == MAXR) {
				rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
						 "the demand has more than %d distinct profiles",
						 MAXR);
				goto out;
			}
			memcpy(pl->rowmap + r * nm, mp, nm * sizeof(int));
			pl->n_rows++;
			for (size_t m = 0; m < nm; m++)
				if (mp[m] >= 0) {
					pl->rows[r].weight =
						pl->models[m].model->gi[mp[m]].compute_slices;
					break;
				}
			if (pl->rows[r].weight == 0)
				pl->rows[r].weight = 1;
		}
		pl->item_row[i] = r;
		pl->rows[r].demand += it->count;
		if (pl->rows[r].demand > MIGCTL_PLAN_MAX_COUNT) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE,
					 "the demand for %s (items up to %zu) is more than the %u instances a plan takes",
					 it->profile, i, MIGCTL_PLAN_MAX_COUNT);
			goto out;
		}
	}
	/* The demanded profiles of each model, and which rows they serve. */
	for (size_t m = 0; m < nm; m++) {
		struct model_info *mi = &pl->models[m];
		for (size_t r = 0; r < pl->n_rows; r++) {
			int q = pl->rowmap[r * nm + m];
			if (q < 0)
				continue;
			if (mi->slot[q] < 0) {
				mi->slot[q] = (int)mi->n_prof;
				mi->prof[mi->n_prof++] = (size_t)q;
				mi->allowed |= UINT32_C(1) << q;
			}
			size_t p = (size_t)mi->slot[q];
			mi->prof_rows[p][mi->n_prof_rows[p]++] = r;
		}
	}
out:
	return rc;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct migctl_slot *x = a, *y = b;
	if (x->placement.start != y->placement.start)
		return x->placement.start < y->placement.start ? -1 : 1;
	return x->profile < y->profile ? -1 : x->profile > y->profile;
}

/* Check the pins and sort them per GPU. */
static enum migctl_err load_pins(struct planner *pl)
{
	const struct migctl_plan_request *req = pl->req;
	enum migctl_err rc = MIGCTL_ERR_OK;
	size_t *count = NULL;

	pl->gpus = calloc(pl->n_gpus, sizeof(*pl->gpus));
	pl->pin_slots = calloc(req->n_pins + 1, sizeof(*pl->pin_slots));
	count = calloc(pl->n_gpus + 1, sizeof(size_t));
	if (!pl->gpus || !pl->pin_slots || !count) {
		rc = nomem(pl);
		goto out;
	}
	size_t g = 0;
	for (size_t e = 0; e < req->n_fleet; e++)
		for (unsigned k = 0; k < req->fleet[e].count; k++, g++) {
			pl->gpus[g].model = model_index(pl, req->fleet[e].model);
			pl->gpus[g].entry = e;
		}
	if (req->n_pins > 0 && !req->pins) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_USAGE, "the pin list is missing");
		goto out;
	}
	for (size_t i = 0; i < req->n_pins; i++) {
		const struct migctl_plan_pin *pin = &req->pins[i];
		if (pin->gpu >= pl->n_gpus) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_NOT_FOUND,
					 "pinned instance %zu is on GPU %zu, but the fleet has GPUs 0-%zu",
					 i, pin->gpu, pl->n_gpus - 1);
			goto out;
		}
		count[pin->gpu]++;
	}
	size_t acc = 0;
	for (g = 0; g < pl->n_gpus; g++) {
		pl->gpus[g].pin0 = acc;
		acc += count[g];
		count[g] = 0;
	}
	for (size_t i = 0; i < req->n_pins; i++) {
		const struct migctl_plan_pin *pin = &req->pins[i];
		struct gpu_rec *gr = &pl->gpus[pin->gpu];
		struct model_info *mi = &pl->models[gr->model];
		const struct migctl_gpu_model *model = mi->model;
		const struct migctl_gi_profile *gi =
			migctl_model_gi_profile_by_id(model, pin->profile_id);
		if (!gi) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_UNKNOWN_PROFILE,
					 "pinned instance %zu: GPU %zu (%s) has no GI profile with ID %u",
					 i, pin->gpu, model->name, pin->profile_id);
			goto out;
		}
		if (!migctl_placement_set_has(&gi->placements, pin->placement) ||
		    pin->placement.size != gi->placements.size) {
			char set[256];
			migctl_placement_set_format(&gi->placements, set, sizeof(set));
			rc = migctl_fail(pl->err, MIGCTL_ERR_INVALID_PLACEMENT,
					 "pinned instance %zu: %s on GPU %zu (%s) cannot be at %u:%u; its placements are %s",
					 i, gi->name, pin->gpu, model->name,
					 pin->placement.start, pin->placement.size, set);
			goto out;
		}
		size_t q = (size_t)(gi - model->gi);
		struct migctl_slot *gs = pl->pin_slots + gr->pin0;
		if (!migctl_grid_can_place(&mi->grid, gs, count[pin->gpu], q,
					   pin->placement)) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_INFEASIBLE,
					 "pinned instance %zu: %s at %u:%u does not fit next to the other pinned instances on GPU %zu (%s)",
					 i, gi->name, pin->placement.start,
					 pin->placement.size, pin->gpu, model->name);
			goto out;
		}
		gs[count[pin->gpu]++] = (struct migctl_slot){q, pin->placement};
		mi->allowed |= UINT32_C(1) << q;
	}
	for (g = 0; g < pl->n_gpus; g++) {
		pl->gpus[g].n_pins = count[g];
		qsort(pl->pin_slots + pl->gpus[g].pin0, count[g],
		      sizeof(struct migctl_slot), slot_cmp);
		if (count[g])
			pl->n_pinned_gpus++;
	}
out:
	free(count);
	return rc;
}

/* --- layouts, groups, configurations ---------------------------------- */

struct collect {
	struct model_info *mi;
	size_t cap;
	bool fail;
};

static int collect_layout(const struct migctl_slot *slots, size_t n, void *vctx)
{
	struct collect *c = vctx;
	struct model_info *mi = c->mi;
	struct layout *l;

	if (mi->n_layouts >= MAX_LAYOUTS ||
	    !grow(&mi->layouts, &c->cap, mi->n_layouts + 1, sizeof(*l))) {
		c->fail = true;
		return 1;
	}
	l = &mi->layouts[mi->n_layouts++];
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < n; i++) {
		l->count[slots[i].profile]++;
		l->starts[slots[i].profile] |= UINT32_C(1) << slots[i].placement.start;
	}
	return 0;
}

static enum migctl_err enumerate_layouts(struct planner *pl)
{
	enum migctl_err rc = MIGCTL_ERR_OK;

	for (size_t m = 0; m < pl->n_models; m++) {
		struct model_info *mi = &pl->models[m];
		struct collect c = {.mi = mi};
		if (!grow(&mi->layouts, &c.cap, 1, sizeof(struct layout))) {
			rc = nomem(pl);
			goto out;
		}
		memset(&mi->layouts[0], 0, sizeof(struct layout));
		mi->n_layouts = 1;
		if (mi->allowed)
			migctl_grid_enumerate(&mi->grid, mi->allowed,
					      MIGCTL_LAYOUTS_ALL, collect_layout, &c);
		if (c.fail) {
			rc = mi->n_layouts >= MAX_LAYOUTS
				? migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					      "%s has more than %u layouts of the demanded profiles",
					      mi->model->name, MAX_LAYOUTS)
				: nomem(pl);
			goto out;
		}
		mi->free_score = malloc(mi->n_layouts * sizeof(int));
		if (!mi->free_score) {
			rc = nomem(pl);
			goto out;
		}
		for (size_t i = 0; i < mi->n_layouts; i++)
			mi->free_score[i] = -1;
	}
out:
	return rc;
}

static bool layout_holds_pins(const struct layout *l, const struct group *g,
			      size_t nq)
{
	for (size_t q = 0; q < nq; q++)
		if ((l->starts[q] & g->pin_starts[q]) != g->pin_starts[q])
			return false;
	return true;
}

static int gpu_group_cmp(const struct planner *pl, size_t a, size_t b)
{
	const struct gpu_rec *x = &pl->gpus[a], *y = &pl->gpus[b];
	if (x->model != y->model)
		return x->model < y->model ? -1 : 1;
	if (x->n_pins != y->n_pins)
		return x->n_pins < y->n_pins ? -1 : 1;
	for (size_t i = 0; i < x->n_pins; i++) {
		int c = slot_cmp(&pl->pin_slots[x->pin0 + i], &pl->pin_slots[y->pin0 + i]);
		if (c)
			return c;
	}
	return 0;
}

/* qsort has no context argument; sort GPU indices with a merge sort. */
static void sort_gpus(const struct planner *pl, size_t *v, size_t *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_gpus(pl, v, tmp, h);
	sort_gpus(pl, v + h, tmp, n - h);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = gpu_group_cmp(pl, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(size_t));
}

static enum migctl_err make_groups(struct planner *pl)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	size_t *tmp = NULL;
	size_t n = pl->n_gpus;

	pl->gpu_order = malloc(n * sizeof(size_t));
	tmp = malloc(n * sizeof(size_t));
	if (!pl->gpu_order || !tmp) {
		rc = nomem(pl);
		goto out;
	}
	/* GPUs without pins are already in model order within each fleet
	 * entry; the merge sort is stable, so each group keeps index order. */
	for (size_t g = 0; g < n; g++)
		pl->gpu_order[g] = g;
	sort_gpus(pl, pl->gpu_order, tmp, n);
	size_t ng = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || gpu_group_cmp(pl, pl->gpu_order[i - 1], pl->gpu_order[i]))
			ng++;
	pl->groups = calloc(ng, sizeof(*pl->groups));
	if (!pl->groups) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t gi = pl->gpu_order[i];
		if (i == 0 || gpu_group_cmp(pl, pl->gpu_order[i - 1], gi)) {
			struct group *g = &pl->groups[pl->n_groups++];
			const struct gpu_rec *gr = &pl->gpus[gi];
			g->model = gr->model;
			g->pins = pl->pin_slots + gr->pin0;
			g->n_pins = gr->n_pins;
			g->gpu0 = i;
			for (size_t k = 0; k < g->n_pins; k++) {
				size_t q = g->pins[k].profile;
				g->pin_count[q]++;
				g->pin_starts[q] |= UINT32_C(1) << g->pins[k].placement.start;
			}
		}
		pl->groups[pl->n_groups - 1].n_gpus++;
	}
out:
	free(tmp);
	return rc;
}

static int cmp_desc(const void *a, const void *b, size_t n)
{
	return -memcmp(a, b, n);
}

static int vec_cmp_desc(const void *a, const void *b)
{
	return cmp_desc(a, b, MAXR);
}

struct split_ctx {
	const struct model_info *mi;
	const uint8_t *e;               /* per demanded profile */
	uint8_t cur[MAXR];
	uint8_t *out;
	size_t n_out, cap;
	bool fail, too_many;
};

/* Every way to split each profile's count among the rows it serves. */
static void split_rec(struct split_ctx *s, size_t p, size_t k, unsigned left)
{
	const struct model_info *mi = s->mi;

	if (s->fail)
		return;
	if (p == mi->n_prof) {
		if (s->n_out >= MAX_COLUMNS) {
			s->fail = s->too_many = true;
			return;
		}
		if (!grow(&s->out, &s->cap, s->n_out + 1, MAXR)) {
			s->fail = true;
			return;
		}
		memcpy(s->out + s->n_out * MAXR, s->cur, MAXR);
		s->n_out++;
		return;
	}
	size_t nr = mi->n_prof_rows[p];
	size_t row = mi->prof_rows[p][k];
	if (k + 1 == nr) {
		s->cur[row] = (uint8_t)left;
		split_rec(s, p + 1, 0, p + 1 < mi->n_prof ? s->e[p + 1] : 0);
		return;
	}
	for (unsigned v = left + 1; v-- > 0;) {
		s->cur[row] = (uint8_t)v;
		split_rec(s, p, k + 1, left - v);
	}
}

/* The maximal configurations of one group, over rows. */
static enum migctl_err group_configs(struct planner *pl, struct group *g)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	const struct model_info *mi = &pl->models[g->model];
	size_t np = mi->n_prof, nq = mi->model->n_gi;
	uint8_t *vecs = NULL;
	size_t nv = 0, cap = 0;
	struct split_ctx s = {.mi = mi};
	bool extra = pl->req->pins_are_extra;

	/* Distinct vectors over the demanded profiles; stride MAXR. */
	for (size_t li = 0; li < mi->n_layouts; li++) {
		const struct layout *l = &mi->layouts[li];
		uint8_t e[MAXR] = {0};
		if (g->n_pins && !layout_holds_pins(l, g, nq))
			continue;
		for (size_t p = 0; p < np; p++) {
			size_t q = mi->prof[p];
			e[p] = (uint8_t)(l->count[q] - (extra ? g->pin_count[q] : 0));
		}
		if (!grow(&vecs, &cap, nv + 1, MAXR)) {
			rc = nomem(pl);
			goto out;
		}
		memcpy(vecs + nv * MAXR, e, MAXR);
		nv++;
	}
	if (nv)
		qsort(vecs, nv, MAXR, vec_cmp_desc);
	size_t u = 0;
	for (size_t i = 0; i < nv; i++)
		if (u == 0 || memcmp(vecs + (u - 1) * MAXR, vecs + i * MAXR, MAXR))
			memmove(vecs + u++ * MAXR, vecs + i * MAXR, MAXR);
	nv = u;
	/* Every feasible configuration, for the free-capacity stage. */
	for (size_t i = 0; i < nv; i++) {
		s.e = vecs + i * MAXR;
		memset(s.cur, 0, MAXR);
		split_rec(&s, 0, 0, s.e[0]);
		if (s.fail) {
			rc = !s.too_many ? nomem(pl)
				: migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					      "%s: more than %u configurations of the demanded profiles",
					      mi->model->name, MAX_COLUMNS);
			goto out;
		}
	}
	g->all = s.out;
	g->n_all = s.n_out;
	s.out = NULL;
	s.n_out = s.cap = 0;
	/* Keep the inclusion-maximal ones. A vector can only be dominated by
	 * one before it in descending order. */
	u = 0;
	for (size_t i = 0; i < nv; i++) {
		const uint8_t *vi = vecs + i * MAXR;
		bool dominated = false;
		for (size_t k = 0; k < u && !dominated; k++) {
			const uint8_t *vk = vecs + k * MAXR;
			bool ge = true;
			for (size_t p = 0; p < np && ge; p++)
				ge = vk[p] >= vi[p];
			dominated = ge;
		}
		if (!dominated)
			memmove(vecs + u++ * MAXR, vi, MAXR);
	}
	nv = u;
	for (size_t i = 0; i < nv && np > 0; i++) {
		s.e = vecs + i * MAXR;
		memset(s.cur, 0, MAXR);
		split_rec(&s, 0, 0, s.e[0]);
		if (s.fail) {
			rc = !s.too_many ? nomem(pl)
				: migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					      "%s: more than %u configurations of the demanded profiles",
					      mi->model->name, MAX_COLUMNS);
			goto out;
		}
	}
	if (s.n_out)
		qsort(s.out, s.n_out, MAXR, vec_cmp_desc);
	g->configs = s.out;
	g->n_configs = s.n_out;
	s.out = NULL;
	/* What a GPU of this group holds with nothing added. */
	if (!extra)
		for (size_t p = 0; p < np; p++)
			g->base[mi->prof_rows[p][0]] = g->pin_count[mi->prof[p]];
	uint64_t h = 1469598103934665603ull ^ (g->n_pins ? 1 : 0);
	for (size_t i = 0; i < g->n_configs * MAXR; i++)
		h = (h ^ g->configs[i]) * 1099511628211ull;
	g->hash = h ^ g->n_configs;
out:
	free(vecs);
	free(s.out);
	return rc;
}

static bool zero_vec(const uint8_t *v)
{
	for (size_t i = 0; i < MAXR; i++)
		if (v[i])
			return false;
	return true;
}

static bool same_class(const struct group *a, const struct group *b)
{
	return (a->n_pins > 0) == (b->n_pins > 0) && a->hash == b->hash &&
	       a->n_configs == b->n_configs &&
	       (a->n_configs == 0 ||
		!memcmp(a->configs, b->configs, a->n_configs * MAXR));
}

static enum migctl_err make_classes(struct planner *pl)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	size_t ng = pl->n_groups;

	for (size_t i = 0; i < ng; i++) {
		rc = group_configs(pl, &pl->groups[i]);
		if (rc)
			goto out;
	}
	pl->classes = calloc(ng, sizeof(*pl->classes));
	pl->class_groups = calloc(ng, sizeof(size_t));
	if (!pl->classes || !pl->class_groups) {
		rc = nomem(pl);
		goto out;
	}
	/* Classes in order of their first group; quadratic only in the
	 * number of distinct hashes met, which is small. */
	for (size_t i = 0; i < ng; i++) {
		struct group *g = &pl->groups[i];
		size_t k;
		for (k = 0; k < pl->n_classes; k++)
			if (same_class(&pl->groups[pl->classes[k].rep], g))
				break;
		if (k == pl->n_classes) {
			struct plan_class *c = &pl->classes[pl->n_classes++];
			c->cost = g->n_pins ? 0 : 1;
			c->rep = i;
		}
		g->cls = k;
		pl->classes[k].n_gpus += g->n_gpus;
		pl->classes[k].n_groups++;
	}
	size_t acc = 0;
	for (size_t k = 0; k < pl->n_classes; k++) {
		pl->classes[k].g0 = acc;
		acc += pl->classes[k].n_groups;
		pl->classes[k].n_groups = 0;
	}
	for (size_t i = 0; i < ng; i++) {
		struct plan_class *c = &pl->classes[pl->groups[i].cls];
		pl->class_groups[c->g0 + c->n_groups++] = i;
	}
	/* Columns: the non-zero configurations of every class. */
	size_t ncol = 0;
	for (size_t k = 0; k < pl->n_classes; k++) {
		const struct group *rep = &pl->groups[pl->classes[k].rep];
		for (size_t c = 0; c < rep->n_configs; c++)
			if (!zero_vec(rep->configs + c * MAXR))
				ncol++;
	}
	if (ncol > MAX_COLUMNS) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
				 "the plan has %zu configurations; at most %u are handled",
				 ncol, MAX_COLUMNS);
		goto out;
	}
	pl->col_class = calloc(ncol + 1, sizeof(size_t));
	pl->col_cfg = calloc(ncol + 1, sizeof(*pl->col_cfg));
	if (!pl->col_class || !pl->col_cfg) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t k = 0; k < pl->n_classes; k++) {
		struct plan_class *cl = &pl->classes[k];
		const struct group *rep = &pl->groups[cl->rep];
		cl->col0 = pl->n_cols;
		for (size_t c = 0; c < rep->n_configs; c++) {
			const uint8_t *v = rep->configs + c * MAXR;
			if (zero_vec(v))
				continue;
			pl->col_class[pl->n_cols] = k;
			pl->col_cfg[pl->n_cols] = v;
			pl->n_cols++;
		}
		cl->n_cols = pl->n_cols - cl->col0;
	}
	pl->stats.rows = pl->n_rows;
	pl->stats.classes = pl->n_classes;
	pl->stats.columns = pl->n_cols;
out:
	return rc;
}

/* --- the covering program (fewest GPUs) ------------------------------- */

/* Exact ⌈LB(y)⌉ (see the top of this file) for y ≈ Y/D. */
static long long certified_bound(const struct planner *pl, const double *y)
{
	static const long long dens[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 20, 21, 24, 28,
		30, 35, 42, 60, 84, 105, 210, 420, 840, 2520, 27720, 360360,
		720720, 1048576,
	};
	long long best = 0;

	for (size_t di = 0; di < sizeof(dens) / sizeof(dens[0]); di++) {
		long long D = dens[di], Y[MAXR];
		wide num = 0;
		for (size_t i = 0; i < pl->n_rows; i++) {
			double v = y[i] * (double)D + 0.5;
			if (v < 0)
				v = 0;
			if (v > 64.0 * (double)D)
				v = 64.0 * (double)D;
			Y[i] = (long long)v;
			num += (wide)pl->dem[i] * Y[i];
		}
		for (size_t k = 0; k < pl->n_classes; k++) {
			const struct plan_class *cl = &pl->classes[k];
			wide uk = 0;
			for (size_t c = 0; c < cl->n_cols; c++) {
				const uint8_t *v = pl->col_cfg[cl->col0 + c];
				wide s = -(wide)cl->cost * D;
				for (size_t i = 0; i < pl->n_rows; i++)
					s += (wide)v[i] * Y[i];
				if (s > uk)
					uk = s;
			}
			num -= (wide)cl->n_gpus * uk;
		}
		if (num <= 0)
			continue;
		wide lb = (num + D - 1) / D;
		if (lb > best)
			best = (long long)lb;
	}
	return best;
}

struct cover_state {
	struct planner *pl;
	long long certified;
	double lp;
	bool root_feasible;
};

static void cover_root(void *ctx, struct bb *b, int status, double obj)
{
	struct cover_state *cs = ctx;
	struct planner *pl = cs->pl;

	cs->root_feasible = status == LP_OPTIMAL;
	if (status != LP_OPTIMAL)
		return;
	cs->lp = obj;
	cs->certified = certified_bound(pl, b->lp->y);
	b->target = (double)cs->certified;
	b->has_target = true;
	if (b->have_best && b->best_val <= b->target + 0.5)
		b->stop = true;
}

/* Round the LP solution down and cover the rest greedily: cheapest
 * column first, then the one covering most (weighted) residual demand. */
static bool cover_heuristic(void *ctx, const struct ilp *p, const double *x_lp,
			    double *x)
{
	struct cover_state *cs = ctx;
	const struct planner *pl = cs->pl;
	double r[MAXR];
	size_t nr = pl->n_rows;
	unsigned long used[1024];
	bool ok = false;

	if (pl->n_classes > 1024)
		return false;
	memset(used, 0, pl->n_classes * sizeof(used[0]));
	for (size_t i = 0; i < nr; i++)
		r[i] = pl->dem[i];
	for (size_t j = 0; j < p->nc; j++) {
		x[j] = dfloor(x_lp[j] + 1e-9);
		if (x[j] < p->lo[j])
			x[j] = p->lo[j];
		used[pl->col_class[j]] += (unsigned long)x[j];
		for (size_t i = 0; i < nr; i++)
			r[i] -= pl->col_cfg[j][i] * x[j];
	}
	for (unsigned long guard = 0; guard < 100000; guard++) {
		size_t best = NONE;
		double best_cov = 0;
		bool done = true;
		for (size_t i = 0; i < nr; i++)
			done = done && r[i] <= 0;
		if (done) {
			ok = true;
			break;
		}
		for (size_t j = 0; j < p->nc; j++) {
			size_t k = pl->col_class[j];
			double cov = 0;
			if (x[j] >= p->hi[j] || used[k] >= pl->classes[k].n_gpus)
				continue;
			for (size_t i = 0; i < nr; i++)
				if (r[i] > 0)
					cov += pl->wt[i] *
					       (pl->col_cfg[j][i] < r[i] ? pl->col_cfg[j][i] : r[i]);
			if (cov <= 0)
				continue;
			if (best == NONE ||
			    pl->classes[k].cost < pl->classes[pl->col_class[best]].cost ||
			    (pl->classes[k].cost == pl->classes[pl->col_class[best]].cost &&
			     cov > best_cov + 1e-12)) {
				best = j;
				best_cov = cov;
			}
		}
		if (best == NONE)
			break;
		/* Take it as often as every covered row still needs it. */
		double times = LP_INF;
		for (size_t i = 0; i < nr; i++)
			if (r[i] > 0 && pl->col_cfg[best][i] > 0) {
				double t = dfloor(r[i] / pl->col_cfg[best][i]);
				if (t < times)
					times = t;
			}
		size_t k = pl->col_class[best];
		double room = (double)(pl->classes[k].n_gpus - used[k]);
		if (times < 1)
			times = 1;
		if (times > room)
			times = room;
		if (times > p->hi[best] - x[best])
			times = p->hi[best] - x[best];
		x[best] += times;
		used[k] += (unsigned long)times;
		for (size_t i = 0; i < nr; i++)
			r[i] -= pl->col_cfg[best][i] * times;
	}
	return ok;
}

struct solve_out {
	bool found;
	bool proven;            /* optimal: bound met or tree exhausted */
	bool infeasible;        /* proven: no solution at all */
	double value;
	long long bound;        /* proven lower bound on the value */
	double lp;
};

/* Nodes for a stage that only breaks ties (the order among equally
 * good placed demands, the free capacity): a proof there can need an
 * exhaustive tree, and it is not worth the budget of the main objectives. */
#define TIEBREAK_NODES 5000ul

static void bb_setup(struct planner *pl, struct bb *b, struct ilp *p,
		     struct lp_work *w, unsigned long cap)
{
	unsigned long left = pl->node_limit > pl->stats.nodes
				     ? pl->node_limit - pl->stats.nodes : 0;

	b->p = p;
	b->lp = w;
	b->best_val = 0;
	b->have_best = false;
	b->has_target = false;
	b->stop = false;
	b->aborted = false;
	b->nodes = 0;
	b->capped = cap && cap < left;
	b->node_limit = b->capped ? cap : left;
	b->deadline = pl->deadline;
	if (cap) {
		/* All tie-break stages together get a tenth of the budget. */
		if (!pl->tiebreak_started) {
			pl->tiebreak_started = true;
			migctl_deadline_in(&pl->tiebreak_deadline, pl->budget_ms / 10 + 1);
		}
		const struct timespec *d = &pl->tiebreak_deadline;
		if (d->tv_sec < b->deadline.tv_sec ||
		    (d->tv_sec == b->deadline.tv_sec && d->tv_nsec < b->deadline.tv_nsec))
			b->deadline = *d;
	}
	memcpy(b->glo, p->lo, p->nc * sizeof(double));
	memcpy(b->ghi, p->hi, p->nc * sizeof(double));
}

static void bb_finish(struct planner *pl, struct bb *b)
{
	pl->stats.nodes += b->nodes;
	if (b->aborted && b->stop &&
	    (pl->stats.nodes >= pl->node_limit || migctl_deadline_past(&pl->deadline)))
		pl->stats.budget_exhausted = true;
}

/* Fewest GPUs covering pl->dem. `start` (n_cols counts) is a known
 * solution or NULL; `x` gets the best counts. */
static enum migctl_err solve_cover(struct planner *pl, const double *start,
				   double *x, struct solve_out *res)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	struct ilp p;
	struct lp_work w;
	struct bb b = {0};
	struct cover_state cs = {.pl = pl};
	size_t nr = pl->n_rows, nc = pl->n_cols, K = pl->n_classes;
	bool have_p = false, have_w = false;

	memset(res, 0, sizeof(*res));
	if (!(have_p = migctl_ilp_alloc(&p, nr + K, nc)) ||
	    !(have_w = migctl_lp_alloc(&w, nr + K, nc)) || !migctl_bb_alloc(&b, nc)) {
		rc = nomem(pl);
		goto out;
	}
	p.nr = nr + K;
	for (size_t i = 0; i < nr; i++) {
		p.sense[i] = LP_ROW_GE;
		p.rhs[i] = pl->dem[i];
		for (size_t j = 0; j < nc; j++)
			p.a[i * nc + j] = pl->col_cfg[j][i];
	}
	for (size_t k = 0; k < K; k++) {
		p.sense[nr + k] = LP_ROW_LE;
		p.rhs[nr + k] = (double)pl->classes[k].n_gpus;
	}
	for (size_t j = 0; j < nc; j++) {
		size_t k = pl->col_class[j];
		p.a[(nr + k) * nc + j] = 1;
		p.cost[j] = pl->classes[k].cost;
		p.lo[j] = 0;
		p.hi[j] = (double)pl->classes[k].n_gpus;
	}
	for (size_t i = 0; i < nr; i++)
		pl->wt[i] = pl->rows[i].weight;
	bb_setup(pl, &b, &p, &w, 0);
	b.heur = cover_heuristic;
	b.on_root = cover_root;
	b.ctx = &cs;
	if (start && migctl_ilp_feasible(&p, b.glo, b.ghi, start))
		migctl_bb_offer(&b, start);
	migctl_bb_run(&b);
	bb_finish(pl, &b);
	pl->stats.lp_solves += w.solves;

	res->lp = cs.lp;
	if (!cs.root_feasible && b.root_status == LP_INFEASIBLE) {
		res->infeasible = true;
		goto out;
	}
	if (!b.have_best) {
		res->infeasible = !b.aborted;
		goto out;
	}
	res->found = true;
	res->value = b.best_val;
	res->bound = cs.certified;
	if (b.best_val <= (double)cs.certified + 0.5) {
		res->proven = true;
	} else if (!b.aborted) {
		res->proven = true;
		res->bound = (long long)(b.best_val + 0.5);
	}
	memcpy(x, b.best, nc * sizeof(double));
out:
	migctl_bb_free(&b);
	if (have_w)
		migctl_lp_free(&w);
	if (have_p)
		migctl_ilp_free(&p);
	return rc;
}

/* --- demand that does not fit ----------------------------------------- */

static void place_root(void *ctx, struct bb *b, int status, double obj)
{
	(void)ctx;
	if (status != LP_OPTIMAL)
		return;
	b->target = ceil_tol(obj);
	b->has_target = true;
	if (b->have_best && b->best_val <= b->target + 0.5)
		b->stop = true;
}

/* Round the counts down and place what they cover. */
static bool place_heuristic(void *ctx, const struct ilp *p, const double *x_lp,
			    double *x)
{
	const struct planner *pl = ctx;
	size_t N = pl->n_cols, nr = pl->n_rows;

	for (size_t j = 0; j < N; j++) {
		x[j] = dfloor(x_lp[j] + 1e-9);
		if (x[j] < p->lo[j])
			x[j] = p->lo[j];
	}
	for (size_t i = 0; i < nr; i++) {
		double cov = 0;
		for (size_t j = 0; j < N; j++)
			cov += pl->col_cfg[j][i] * x[j];
		x[N + i] = cov < p->hi[N + i] ? cov : p->hi[N + i];
		if (x[N + i] < p->lo[N + i])
			return false;
	}
	return true;
}

/* Choose the placed demand (see the top of this file). Writes it to
 * pl->dem and a plan placing it to x (n_cols counts). */
static enum migctl_err solve_placeable(struct planner *pl, double *x,
				       bool *proven)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	struct ilp p;
	struct lp_work w;
	struct bb b = {0};
	size_t nr = pl->n_rows, N = pl->n_cols, K = pl->n_classes;
	size_t nc = N + nr;
	bool have_p = false, have_w = false;
	double *inc = NULL;

	*proven = true;
	if (!(have_p = migctl_ilp_alloc(&p, nr + K + 2, nc)) ||
	    !(have_w = migctl_lp_alloc(&w, nr + K + 2, nc)) || !migctl_bb_alloc(&b, nc) ||
	    !(inc = calloc(nc, sizeof(double)))) {
		rc = nomem(pl);
		goto out;
	}
	p.nr = nr + K;
	for (size_t i = 0; i < nr; i++) {
		p.sense[i] = LP_ROW_GE;
		p.rhs[i] = 0;
		for (size_t j = 0; j < N; j++)
			p.a[i * nc + j] = pl->col_cfg[j][i];
		p.a[i * nc + N + i] = -1;
		p.lo[N + i] = 0;
		p.hi[N + i] = pl->dem[i];
	}
	for (size_t k = 0; k < K; k++) {
		p.sense[nr + k] = LP_ROW_LE;
		p.rhs[nr + k] = (double)pl->classes[k].n_gpus;
	}
	for (size_t j = 0; j < N; j++) {
		size_t k = pl->col_class[j];
		p.a[(nr + k) * nc + j] = 1;
		p.lo[j] = 0;
		p.hi[j] = (double)pl->classes[k].n_gpus;
	}
	/* Stages: 0 slices, 1 instances, 2 + i row i. */
	for (size_t stage = 0; stage < 2 + nr; stage++) {
		double val;
		if (stage >= 2) {
			size_t i = stage - 2;
			if (inc[N + i] >= p.hi[N + i] - 0.5) {
				p.lo[N + i] = p.hi[N + i];
				continue;
			}
		}
		for (size_t i = 0; i < nr; i++)
			p.cost[N + i] = stage == 0 ? -(double)pl->rows[i].weight
				      : stage == 1 ? -1.0
				      : (i == stage - 2 ? -1.0 : 0.0);
		bb_setup(pl, &b, &p, &w, stage == 0 ? 0 : TIEBREAK_NODES);
		b.on_root = place_root;
		b.heur = place_heuristic;
		b.ctx = pl;
		migctl_bb_offer(&b, inc);
		migctl_bb_run(&b);
		bb_finish(pl, &b);
		if (!b.have_best) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					 "planner: lost the placeable demand");
			goto out;
		}
		if (!(b.best_val <= b.target + 0.5 && b.has_target) && b.aborted) {
			if (stage == 0)
				*proven = false;
			else
				pl->stats.tiebreaks_proven = false;
		}
		memcpy(inc, b.best, nc * sizeof(double));
		val = -b.best_val;
		if (stage == 0) {
			double all = 0;
			for (size_t i = 0; i < nr; i++)
				all += pl->rows[i].weight * pl->dem[i];
			if (val >= all - 0.5)
				break;  /* everything fits after all */
		}
		if (stage < 2) {
			/* Keep this level's optimum while improving the next. */
			size_t r = p.nr++;
			p.sense[r] = LP_ROW_GE;
			p.rhs[r] = val;
			for (size_t j = 0; j < nc; j++)
				p.a[r * nc + j] = 0;
			for (size_t i = 0; i < nr; i++)
				p.a[r * nc + N + i] = stage == 0 ? pl->rows[i].weight : 1;
		} else {
			size_t i = stage - 2;
			p.lo[N + i] = p.hi[N + i] = inc[N + i];
		}
	}
	pl->stats.lp_solves += w.solves;
	for (size_t i = 0; i < nr; i++)
		pl->dem[i] = dfloor(inc[N + i] + 0.5);
	memcpy(x, inc, N * sizeof(double));
out:
	free(inc);
	migctl_bb_free(&b);
	if (have_w)
		migctl_lp_free(&w);
	if (have_p)
		migctl_ilp_free(&p);
	return rc;
}

/* --- from counts to placements --------------------------------------- */

static size_t layout_slots(const struct model_info *mi, const struct layout *l,
			   struct migctl_slot *out)
{
	size_t n = 0;
	for (unsigned s = 0; s < MIGCTL_MAX_UNITS; s++)
		for (size_t q = 0; q < mi->model->n_gi; q++)
			if (l->starts[q] & (UINT32_C(1) << s))
				out[n++] = (struct migctl_slot){
					q, {s, mi->model->gi[q].placements.size}};
	return n;
}

static int layout_free(struct model_info *mi, size_t li)
{
	if (mi->free_score[li] < 0) {
		struct migctl_slot slots[MIGCTL_MAX_UNITS];
		size_t n = layout_slots(mi, &mi->layouts[li], slots);
		unsigned sum = 0;
		for (size_t q = 0; q < mi->grid.n_profiles; q++)
			sum += migctl_grid_remaining_capacity(&mi->grid, slots, n, q);
		mi->free_score[li] = (int)sum;
	}
	return mi->free_score[li];
}

/* The layout with the most free capacity holding the group's pins and the
 * instances of configuration v; NONE if there is none. */
static size_t place_config(struct planner *pl, struct group *g,
			   const uint8_t *v, bool *nomem_out)
{
	struct model_info *mi = &pl->models[g->model];
	size_t nq = mi->model->n_gi, best = NONE;
	int want[MAXQ];
	int best_score = -1;
	bool extra = pl->req->pins_are_extra;

	for (size_t i = 0; i < g->n_cache; i++)
		if (!memcmp(g->cache[i].v, v, MAXR))
			return g->cache[i].layout;
	for (size_t q = 0; q < nq; q++)
		want[q] = g->pin_count[q];
	for (size_t p = 0; p < mi->n_prof; p++) {
		size_t q = mi->prof[p];
		int n = 0;
		for (size_t k = 0; k < mi->n_prof_rows[p]; k++)
			n += v[mi->prof_rows[p][k]];
		want[q] = extra ? g->pin_count[q] + n
				: (n > g->pin_count[q] ? n : g->pin_count[q]);
	}
	for (size_t li = 0; li < mi->n_layouts; li++) {
		const struct layout *l = &mi->layouts[li];
		bool match = true;
		for (size_t q = 0; q < nq && match; q++)
			match = l->count[q] == want[q];
		if (!match || (g->n_pins && !layout_holds_pins(l, g, nq)))
			continue;
		int score = layout_free(mi, li);
		if (score > best_score) {
			best_score = score;
			best = li;
		}
	}
	if (!grow(&g->cache, &g->cap_cache, g->n_cache + 1,
		  sizeof(*g->cache))) {
		*nomem_out = true;
		return best;
	}
	memcpy(g->cache[g->n_cache].v, v, MAXR);
	g->cache[g->n_cache].layout = best;
	g->n_cache++;
	return best;
}

static bool add_type(struct planner *pl, size_t group, const uint8_t *v,
		     size_t count)
{
	if (count == 0)
		return true;
	for (size_t t = 0; t < pl->n_types; t++)
		if (pl->types[t].group == group && !memcmp(pl->types[t].v, v, MAXR)) {
			pl->types[t].count += count;
			return true;
		}
	if (!grow(&pl->types, &pl->cap_types, pl->n_types + 1,
		  sizeof(*pl->types)))
		return false;
	struct gtype *t = &pl->types[pl->n_types++];
	memset(t, 0, sizeof(*t));
	t->group = group;
	memcpy(t->v, v, MAXR);
	t->count = count;
	return true;
}

/* Hand the chosen configurations to the groups of each class. */
static enum migctl_err assign_types(struct planner *pl, const double *x)
{
	enum migctl_err rc = MIGCTL_ERR_OK;

	for (size_t k = 0; k < pl->n_classes; k++) {
		const struct plan_class *cl = &pl->classes[k];
		size_t gi = 0;
		size_t room = cl->n_groups ? pl->groups[pl->class_groups[cl->g0]].n_gpus : 0;
		for (size_t c = 0; c < cl->n_cols; c++) {
			size_t cnt = (size_t)(x[cl->col0 + c] + 0.5);
			while (cnt > 0 && gi < cl->n_groups) {
				size_t take = cnt < room ? cnt : room;
				size_t group = pl->class_groups[cl->g0 + gi];
				if (!add_type(pl, group, pl->col_cfg[cl->col0 + c], take)) {
					rc = nomem(pl);
					goto out;
				}
				cnt -= take;
				room -= take;
				if (room == 0 && ++gi < cl->n_groups)
					room = pl->groups[pl->class_groups[cl->g0 + gi]].n_gpus;
			}
			if (cnt > 0) {
				rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
						 "planner: class %zu over capacity", k);
				goto out;
			}
		}
		/* The rest hold nothing but their pins. */
		for (; gi < cl->n_groups; gi++) {
			size_t group = pl->class_groups[cl->g0 + gi];
			if (!add_type(pl, group, pl->groups[group].base, room)) {
				rc = nomem(pl);
				goto out;
			}
			if (gi + 1 < cl->n_groups)
				room = pl->groups[pl->class_groups[cl->g0 + gi + 1]].n_gpus;
		}
	}
out:
	return rc;
}

/* Whether one instance of row i may leave a GPU of type t. */
static bool removable(const struct planner *pl, const struct gtype *t, size_t i)
{
	const struct group *g = &pl->groups[t->group];
	const struct model_info *mi = &pl->models[g->model];
	int q = pl->rowmap[i * pl->n_models + g->model];

	if (t->v[i] == 0 || q < 0)
		return false;
	if (pl->req->pins_are_extra)
		return true;
	size_t p = (size_t)mi->slot[q];
	unsigned n = 0;
	for (size_t k = 0; k < mi->n_prof_rows[p]; k++)
		n += t->v[mi->prof_rows[p][k]];
	return n > g->pin_count[q];
}

/* Remove the surplus over pl->dem, greedily by free capacity gained. */
static enum migctl_err trim_surplus(struct planner *pl)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	bool oom = false;

	for (size_t i = 0; i < pl->n_rows; i++) {
		double cov = 0;
		for (size_t t = 0; t < pl->n_types; t++)
			cov += (double)pl->types[t].count * pl->types[t].v[i];
		size_t surplus = cov > pl->dem[i] ? (size_t)(cov - pl->dem[i] + 0.5) : 0;
		while (surplus > 0) {
			size_t best = NONE;
			long best_gain = 0;
			for (size_t t = 0; t < pl->n_types; t++) {
				struct gtype *ty = &pl->types[t];
				struct group *g = &pl->groups[ty->group];
				uint8_t less[MAXR];
				if (ty->count == 0 || !removable(pl, ty, i))
					continue;
				memcpy(less, ty->v, MAXR);
				less[i]--;
				size_t a = place_config(pl, g, ty->v, &oom);
				size_t b = place_config(pl, g, less, &oom);
				if (oom) {
					rc = nomem(pl);
					goto out;
				}
				if (a == NONE || b == NONE) {
					rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
							 "planner: a configuration has no placement");
					goto out;
				}
				struct model_info *mi = &pl->models[g->model];
				long gain = (long)layout_free(mi, b) - layout_free(mi, a);
				if (best == NONE || gain > best_gain) {
					best = t;
					best_gain = gain;
				}
			}
			if (best == NONE)
				break;  /* pinned instances beyond the demand */
			uint8_t less[MAXR];
			size_t n = pl->types[best].count < surplus ? pl->types[best].count : surplus;
			size_t group = pl->types[best].group;
			memcpy(less, pl->types[best].v, MAXR);
			less[i]--;
			pl->types[best].count -= n;
			surplus -= n;
			if (!add_type(pl, group, less, n)) {
				rc = nomem(pl);
				goto out;
			}
		}
	}
out:
	return rc;
}

/* The free-capacity stage: among plans placing pl->dem with at most the
 * GPUs the current types use, the most free capacity. An integer program
 * over every feasible configuration of every group (not just the maximal
 * ones: instances cost free capacity), seeded with the current types, so
 * it can only improve them. Groups with the same feasible configurations
 * and the same free capacity for each are interchangeable and share one
 * set of columns. Skipped when the tableau would be large. */
#define MAX_FREE_TABLEAU 250000u

struct free_class {
	size_t rep;             /* group with the configurations */
	size_t n_gpus;
	size_t col0;
	uint64_t hash;
};

static enum migctl_err solve_free(struct planner *pl, bool *proven)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	struct ilp p;
	struct lp_work w;
	struct bb b = {0};
	size_t nr = pl->n_rows, G = pl->n_groups, nc = 0, rows, nf = 0;
	struct free_class *fc = NULL;
	size_t *fc_of = NULL;           /* group -> free class */
	int *score = NULL;              /* per group config: free capacity */
	size_t *score0 = NULL;
	double *x0 = NULL;
	bool have_p = false, have_w = false, oom = false;

	*proven = false;
	if (migctl_deadline_past(&pl->deadline))
		goto out;
	fc = calloc(G, sizeof(*fc));
	fc_of = calloc(G, sizeof(size_t));
	score0 = calloc(G + 1, sizeof(size_t));
	size_t n_all = 0;
	for (size_t g = 0; g < G; g++)
		n_all += pl->groups[g].n_all;
	score = calloc(n_all + 1, sizeof(int));
	if (!fc || !fc_of || !score0 || !score) {
		rc = nomem(pl);
		goto out;
	}
	/* Free capacity of every configuration of every group, and the
	 * classes of interchangeable groups. */
	for (size_t g = 0, k = 0; g < G; g++) {
		struct group *gr = &pl->groups[g];
		struct model_info *mi = &pl->models[gr->model];
		uint64_t h = 1469598103934665603ull ^ (gr->n_pins ? 7 : 3);
		score0[g] = k;
		for (size_t c = 0; c < gr->n_all; c++, k++) {
			size_t li = place_config(pl, gr, gr->all + c * MAXR, &oom);
			if (oom) {
				rc = nomem(pl);
				goto out;
			}
			if (li == NONE) {
				rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
						 "planner: a configuration has no placement");
				goto out;
			}
			score[k] = layout_free(mi, li);
			for (size_t i = 0; i < MAXR; i++)
				h = (h ^ gr->all[c * MAXR + i]) * 1099511628211ull;
			h = (h ^ (uint64_t)score[k]) * 1099511628211ull;
		}
		size_t f;
		for (f = 0; f < nf; f++) {
			const struct group *r = &pl->groups[fc[f].rep];
			if (fc[f].hash == h && (r->n_pins > 0) == (gr->n_pins > 0) &&
			    r->n_all == gr->n_all &&
			    !memcmp(r->all, gr->all, gr->n_all * MAXR) &&
			    !memcmp(score + score0[fc[f].rep], score + score0[g],
				    gr->n_all * sizeof(int)))
				break;
		}
		if (f == nf) {
			fc[nf].rep = g;
			fc[nf].hash = h;
			fc[nf].col0 = nc;
			nc += gr->n_all;
			nf++;
		}
		fc[f].n_gpus += gr->n_gpus;
		fc_of[g] = f;
	}
	rows = nf + nr + 1;
	if ((double)rows * (double)(nc + 2 * rows) > MAX_FREE_TABLEAU)
		goto out;
	x0 = calloc(nc + 1, sizeof(double));
	if (!x0 || !(have_p = migctl_ilp_alloc(&p, rows, nc)) ||
	    !(have_w = migctl_lp_alloc(&w, rows, nc)) || !migctl_bb_alloc(&b, nc)) {
		rc = nomem(pl);
		goto out;
	}
	p.nr = rows;
	double used = 0;
	for (size_t t = 0; t < pl->n_types; t++)
		if (!pl->groups[pl->types[t].group].n_pins && !zero_vec(pl->types[t].v))
			used += (double)pl->types[t].count;
	for (size_t f = 0; f < nf; f++) {
		const struct group *gr = &pl->groups[fc[f].rep];
		p.sense[f] = LP_ROW_EQ;
		p.rhs[f] = (double)fc[f].n_gpus;
		for (size_t c = 0; c < gr->n_all; c++) {
			const uint8_t *v = gr->all + c * MAXR;
			size_t j = fc[f].col0 + c;
			p.a[f * nc + j] = 1;
			for (size_t i = 0; i < nr; i++)
				p.a[(nf + i) * nc + j] = v[i];
			if (!gr->n_pins && !zero_vec(v))
				p.a[(nf + nr) * nc + j] = 1;
			p.cost[j] = -(double)score[score0[fc[f].rep] + c];
			p.lo[j] = 0;
			p.hi[j] = (double)fc[f].n_gpus;
		}
	}
	for (size_t i = 0; i < nr; i++) {
		p.sense[nf + i] = LP_ROW_GE;
		p.rhs[nf + i] = pl->dem[i];
	}
	p.sense[nf + nr] = LP_ROW_LE;
	p.rhs[nf + nr] = used;
	/* The current types as the incumbent. */
	for (size_t t = 0; t < pl->n_types; t++) {
		const struct gtype *ty = &pl->types[t];
		const struct group *gr = &pl->groups[ty->group];
		size_t c;
		for (c = 0; c < gr->n_all; c++)
			if (!memcmp(gr->all + c * MAXR, ty->v, MAXR))
				break;
		if (c == gr->n_all) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					 "planner: a planned configuration is not feasible");
			goto out;
		}
		x0[fc[fc_of[ty->group]].col0 + c] += (double)ty->count;
	}
	bb_setup(pl, &b, &p, &w, TIEBREAK_NODES);
	b.on_root = place_root;
	migctl_bb_offer(&b, x0);
	if (!b.have_best) {
		rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
				 "planner: the plan fails its own free-capacity program");
		goto out;
	}
	migctl_bb_run(&b);
	bb_finish(pl, &b);
	pl->stats.lp_solves += w.solves;
	*proven = (b.has_target && b.best_val <= b.target + 0.5) || !b.aborted;
	/* Hand each class's configurations to its groups in order. */
	pl->n_types = 0;
	for (size_t f = 0; f < nf; f++) {
		const struct group *rep = &pl->groups[fc[f].rep];
		size_t g = fc[f].rep, room = pl->groups[g].n_gpus;
		for (size_t c = 0; c < rep->n_all; c++) {
			size_t cnt = (size_t)(b.best[fc[f].col0 + c] + 0.5);
			while (cnt > 0) {
				while (room == 0) {
					do
						g++;
					while (g < G && fc_of[g] != f);
					if (g >= G) {
						rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
								 "planner: free-capacity class over capacity");
						goto out;
					}
					room = pl->groups[g].n_gpus;
				}
				size_t take = cnt < room ? cnt : room;
				if (!add_type(pl, g, rep->all + c * MAXR, take)) {
					rc = nomem(pl);
					goto out;
				}
				cnt -= take;
				room -= take;
			}
		}
	}
out:
	free(fc);
	free(fc_of);
	free(score);
	free(score0);
	free(x0);
	migctl_bb_free(&b);
	if (have_w)
		migctl_lp_free(&w);
	if (have_p)
		migctl_ilp_free(&p);
	return rc;
}

static int type_cmp(const void *a, const void *b)
{
	const struct gtype *x = a, *y = b;
	bool ex = zero_vec(x->v), ey = zero_vec(y->v);
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (ex != ey)
		return ex ? 1 : -1;
	return cmp_desc(x->v, y->v, MAXR);
}

/* The instances of a GPU of type `ty` (by start) and the row each serves
 * (NONE: none); pinned instances serve demand first. */
static size_t type_template(const struct planner *pl, const struct group *g,
			    const struct gtype *ty,
			    struct migctl_plan_instance *out, size_t *row_of)
{
	const struct model_info *mi = &pl->models[g->model];
	struct migctl_slot slots[MIGCTL_MAX_UNITS];
	size_t n = layout_slots(mi, &mi->layouts[ty->layout], slots);
	unsigned rem[MAXR];

	for (size_t i = 0; i < MAXR; i++)
		rem[i] = ty->v[i];
	for (int pass = 0; pass < 2; pass++)
		for (size_t s = 0; s < n; s++) {
			struct migctl_plan_instance *in = &out[s];
			size_t q = slots[s].profile;
			bool pinned = (g->pin_starts[q] >> slots[s].placement.start) & 1;
			if (pinned != (pass == 0))
				continue;
			in->profile = q;
			in->profile_id = mi->model->gi[q].id;
			in->placement = slots[s].placement;
			in->pinned = pinned;
			in->demand = MIGCTL_PLAN_NO_DEMAND;
			row_of[s] = NONE;
			if ((pinned && pl->req->pins_are_extra) || mi->slot[q] < 0)
				continue;
			size_t p = (size_t)mi->slot[q];
			for (size_t r = 0; r < mi->n_prof_rows[p]; r++) {
				size_t row = mi->prof_rows[p][r];
				if (rem[row]) {
					rem[row]--;
					row_of[s] = row;
					break;
				}
			}
		}
	return n;
}

/* Build the plan from the types: placements, labels, summaries. */
static enum migctl_err write_plan(struct planner *pl, struct migctl_plan *plan)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	const struct migctl_plan_request *req = pl->req;
	size_t total = 0;
	bool oom = false;
	unsigned long *quota = NULL;
	size_t *row_of = NULL;

	/* Empty types (no GPUs left) sort anywhere; drop them. */
	size_t u = 0;
	for (size_t t = 0; t < pl->n_types; t++)
		if (pl->types[t].count)
			pl->types[u++] = pl->types[t];
	pl->n_types = u;
	qsort(pl->types, pl->n_types, sizeof(*pl->types), type_cmp);
	for (size_t t = 0; t < pl->n_types; t++) {
		struct gtype *ty = &pl->types[t];
		struct group *g = &pl->groups[ty->group];
		ty->layout = place_config(pl, g, ty->v, &oom);
		if (oom) {
			rc = nomem(pl);
			goto out;
		}
		if (ty->layout == NONE) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					 "planner: a configuration has no placement");
			goto out;
		}
		const struct layout *l = &pl->models[g->model].layouts[ty->layout];
		size_t n = 0;
		for (size_t q = 0; q < MAXQ; q++)
			n += l->count[q];
		total += n * ty->count;
	}
	plan->gpus = calloc(pl->n_gpus, sizeof(*plan->gpus));
	plan->storage_ = calloc(total + 1, sizeof(*plan->storage_));
	plan->demand = calloc(req->n_demand + 1, sizeof(*plan->demand));
	quota = calloc(req->n_demand + 1, sizeof(*quota));
	row_of = calloc(total + 1, sizeof(*row_of));
	if (!plan->gpus || !plan->storage_ || !plan->demand || !quota || !row_of) {
		rc = nomem(pl);
		goto out;
	}
	plan->n_gpus = pl->n_gpus;
	plan->n_demand = req->n_demand;

	/* Placements and row labels: once per type, then copied to each of
	 * its GPUs. */
	size_t used_inst = 0, t = 0, left = 0, n = 0;
	struct migctl_plan_instance tmpl[MIGCTL_MAX_UNITS];
	size_t tmpl_row[MIGCTL_MAX_UNITS];
	unsigned tmpl_free = 0;
	for (size_t gi = 0; gi < pl->n_groups; gi++) {
		struct group *g = &pl->groups[gi];
		struct model_info *mi = &pl->models[g->model];
		for (size_t k = 0; k < g->n_gpus; k++) {
			size_t gpu = pl->gpu_order[g->gpu0 + k];
			struct migctl_plan_gpu *pg = &plan->gpus[gpu];
			if (left == 0) {
				if (t >= pl->n_types || pl->types[t].group != gi) {
					rc = migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
							 "planner: GPUs and configurations disagree");
					goto out;
				}
				const struct gtype *ty = &pl->types[t++];
				left = ty->count;
				n = type_template(pl, g, ty, tmpl, tmpl_row);
				tmpl_free = (unsigned)layout_free(mi, ty->layout);
			}
			left--;
			pg->model = mi->model;
			pg->fleet_entry = pl->gpus[gpu].entry;
			pg->instances = plan->storage_ + used_inst;
			pg->n_instances = n;
			pg->used = n > 0;
			pg->free_capacity = tmpl_free;
			memcpy(pg->instances, tmpl, n * sizeof(*tmpl));
			memcpy(row_of + used_inst, tmpl_row, n * sizeof(*tmpl_row));
			used_inst += n;
		}
	}
	/* Placed quota of each item: its row's placed demand, earlier items
	 * first. */
	for (size_t r = 0; r < pl->n_rows; r++) {
		unsigned long placed = (unsigned long)(pl->dem[r] + 0.5);
		for (size_t i = 0; i < req->n_demand; i++) {
			if (pl->item_row[i] != r)
				continue;
			unsigned long q = req->demand[i].count < placed ? req->demand[i].count : placed;
			quota[i] = q;
			placed -= q;
		}
	}
	for (size_t i = 0; i < req->n_demand; i++) {
		plan->demand[i].demand = req->demand[i].count;
		plan->demand[i].placed = (unsigned)quota[i];
		plan->demand[i].unplaced = req->demand[i].count - (unsigned)quota[i];
		plan->unplaced += plan->demand[i].unplaced;
	}
	/* Label instances with items, GPU by GPU, pinned first. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t gpu = 0; gpu < pl->n_gpus; gpu++) {
			struct migctl_plan_gpu *pg = &plan->gpus[gpu];
			for (size_t s = 0; s < pg->n_instances; s++) {
				struct migctl_plan_instance *in = &pg->instances[s];
				size_t row = row_of[(size_t)(in - plan->storage_)];
				if (in->pinned != (pass == 0))
					continue;
				in->demand = MIGCTL_PLAN_NO_DEMAND;
				if (row == NONE)
					continue;
				for (size_t i = 0; i < req->n_demand; i++)
					if (pl->item_row[i] == row && quota[i] > 0) {
						quota[i]--;
						in->demand = i;
						if (in->pinned)
							plan->demand[i].pinned++;
						break;
					}
			}
		}
	for (size_t gpu = 0; gpu < pl->n_gpus; gpu++) {
		plan->gpus_used += plan->gpus[gpu].used;
		plan->free_capacity += plan->gpus[gpu].free_capacity;
	}
	plan->complete = plan->unplaced == 0;
out:
	free(quota);
	free(row_of);
	return rc;
}

static void planner_free(struct planner *pl)
{
	for (size_t m = 0; m < pl->n_models && pl->models; m++) {
		free(pl->models[m].layouts);
		free(pl->models[m].free_score);
	}
	for (size_t g = 0; g < pl->n_groups && pl->groups; g++) {
		free(pl->groups[g].configs);
		free(pl->groups[g].all);
		free(pl->groups[g].cache);
	}
	free(pl->models);
	free(pl->rowmap);
	free(pl->item_row);
	free(pl->gpus);
	free(pl->pin_slots);
	free(pl->gpu_order);
	free(pl->groups);
	free(pl->classes);
	free(pl->class_groups);
	free(pl->col_class);
	free(pl->col_cfg);
	free(pl->types);
}

void migctl_plan_init(struct migctl_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

void migctl_plan_release(struct migctl_plan *plan)
{
	free(plan->gpus);
	free(plan->demand);
	free(plan->storage_);
	memset(plan, 0, sizeof(*plan));
}

enum migctl_err migctl_plan_solve(const struct migctl_plan_request *req,
				  struct migctl_plan *plan,
				  struct migctl_error *err)
{
	enum migctl_err rc;
	struct planner pl;
	double *x = NULL;
	struct solve_out res;
	bool placed_proven = true;
	unsigned budget = req->time_budget_ms ? req->time_budget_ms
					       : MIGCTL_PLAN_DEFAULT_BUDGET_MS;

	memset(&pl, 0, sizeof(pl));
	pl.stats.tiebreaks_proven = true;
	migctl_plan_init(plan);
	pl.req = req;
	pl.err = err;
	pl.budget_ms = budget;
	pl.node_limit = req->node_limit ? req->node_limit : MIGCTL_PLAN_DEFAULT_NODE_LIMIT;
	migctl_deadline_in(&pl.deadline, budget);

	if ((rc = check_fleet(&pl)) || (rc = resolve_demand(&pl)) ||
	    (rc = load_pins(&pl)) || (rc = enumerate_layouts(&pl)) ||
	    (rc = make_groups(&pl)) || (rc = make_classes(&pl)))
		goto out;
	x = calloc(pl.n_cols + 1, sizeof(double));
	if (!x) {
		rc = nomem(&pl);
		goto out;
	}
	for (size_t i = 0; i < pl.n_rows; i++)
		pl.dem[i] = (double)pl.rows[i].demand;

	rc = solve_cover(&pl, NULL, x, &res);
	if (rc)
		goto out;
	if (!res.found) {
		/* Not everything fits (or the budget ran out before a plan
		 * was found): choose what to place, then pack it. */
		rc = solve_placeable(&pl, x, &placed_proven);
		if (rc)
			goto out;
		rc = solve_cover(&pl, x, x, &res);
		if (rc)
			goto out;
		if (!res.found) {
			rc = migctl_fail(err, MIGCTL_ERR_INTERNAL,
					 "planner: no plan for the placeable demand");
			goto out;
		}
	}
	pl.stats.lp_bound = res.lp + (double)pl.n_pinned_gpus;
	if ((rc = assign_types(&pl, x)) || (rc = trim_surplus(&pl)) ||
	    (rc = solve_free(&pl, &pl.stats.free_capacity_optimal)) ||
	    (rc = trim_surplus(&pl)) || (rc = write_plan(&pl, plan)))
		goto out;
	plan->lower_bound = (size_t)res.bound + pl.n_pinned_gpus;
	plan->optimal = placed_proven &&
			(res.proven || plan->gpus_used == plan->lower_bound);
	plan->stats = pl.stats;
out:
	if (rc)
		migctl_plan_release(plan);
	free(x);
	planner_free(&pl);
	return rc;
}
