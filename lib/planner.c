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
 * says which levels are proven.
 *
 * Fleet size
 * ----------
 * Nothing runs per GPU but filling plan->gpus. The GPUs of a model that
 * have no pins are one group with a count (never listed); only pinned GPUs
 * are listed, as they come with the request. The plan is written in runs
 * of consecutive GPUs of one type (lib/planner_place.c), and a run whose
 * instances serve the same demand items shares one instance array, so
 * 100,000 identical GPUs cost what 8 do, up to that fill.
 */
#include <stdio.h>

#include "planner_impl.h"

#define MAX_LAYOUTS 200000u
#define MAX_COLUMNS 50000u

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

/* The checks of one demand item before it is resolved. */
static enum migctl_err check_item(struct planner *pl, size_t i,
				  const struct migctl_plan_demand *it)
{
	if (!it->profile || !it->profile[0])
		return migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				   "demand item %zu names no profile", i);
	if (it->count > MIGCTL_PLAN_MAX_COUNT)
		return migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				   "demand item %zu (%s): %u instances is more than the %u a plan takes",
				   i, it->profile, it->count, MIGCTL_PLAN_MAX_COUNT);
	if (it->model && model_index(pl, it->model) == NONE) {
		char names[400];
		fleet_names(pl, names, sizeof(names));
		return migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				   "demand item %zu (%s) is for %s, which is not in the fleet (%s)",
				   i, it->profile, it->model->name, names);
	}
	return MIGCTL_ERR_OK;
}

/* The profile of item `i` on every fleet model (mp[m]: index in that
 * model's GI profiles, or -1); an error when no model has it. */
static enum migctl_err resolve_item(struct planner *pl, size_t i,
				    const struct migctl_plan_demand *it, int *mp)
{
	struct migctl_error scratch;
	bool any = false;

	for (size_t m = 0; m < pl->n_models; m++) {
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
	if (any)
		return MIGCTL_ERR_OK;
	char names[400];
	fleet_names(pl, names, sizeof(names));
	if (it->model)
		return migctl_fail(pl->err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "profile '%s' (demand item %zu) does not exist on %s, "
				   "the model the item is tied to",
				   it->profile, i, it->model->name);
	return migctl_fail(pl->err, MIGCTL_ERR_UNKNOWN_PROFILE,
			   "profile '%s' (demand item %zu) exists on no GPU model "
			   "of the fleet (%s); check the name against the "
			   "models' profile lists",
			   it->profile, i, names);
}

/* Count item `i` into the row of its resolution `mp`, opening the row if
 * no earlier item resolved alike. */
static enum migctl_err add_to_row(struct planner *pl, size_t i,
				  const struct migctl_plan_demand *it, const int *mp)
{
	size_t nm = pl->n_models, r;

	for (r = 0; r < pl->n_rows; r++)
		if (!memcmp(pl->rowmap + r * nm, mp, nm * sizeof(int)))
			break;
	if (r == pl->n_rows) {
		if (pl->n_rows == MAXR)
			return migctl_fail(pl->err, MIGCTL_ERR_USAGE,
					   "the demand has more than %d distinct profiles",
					   MAXR);
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
	if (pl->rows[r].demand > MIGCTL_PLAN_MAX_COUNT)
		return migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				   "the demand for %s (items up to %zu) is more than the %u instances a plan takes",
				   it->profile, i, MIGCTL_PLAN_MAX_COUNT);
	return MIGCTL_ERR_OK;
}

/* Resolve every demand item on every fleet model and merge items that
 * resolve alike into rows. */
static enum migctl_err resolve_demand(struct planner *pl)
{
	const struct migctl_plan_request *req = pl->req;
	enum migctl_err rc;
	int mp[64];
	size_t nm = pl->n_models;

	if (nm > 64)
		return migctl_fail(pl->err, MIGCTL_ERR_USAGE,
				   "a fleet may have at most 64 distinct models");
	if (req->n_demand > 0 && !req->demand)
		return migctl_fail(pl->err, MIGCTL_ERR_USAGE, "the demand list is missing");
	pl->rowmap = calloc(MAXR * nm + 1, sizeof(int));
	pl->item_row = calloc(req->n_demand + 1, sizeof(size_t));
	if (!pl->rowmap || !pl->item_row)
		return nomem(pl);
	for (size_t i = 0; i < req->n_demand; i++) {
		const struct migctl_plan_demand *it = &req->demand[i];
		if ((rc = check_item(pl, i, it)) || (rc = resolve_item(pl, i, it, mp)) ||
		    (rc = add_to_row(pl, i, it, mp)))
			return rc;
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
	return MIGCTL_ERR_OK;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct migctl_slot *x = a, *y = b;
	if (x->placement.start != y->placement.start)
		return x->placement.start < y->placement.start ? -1 : 1;
	return x->profile < y->profile ? -1 : x->profile > y->profile;
}

/* The fleet entry holding GPU `gpu`. */
static size_t entry_of(const struct planner *pl, size_t gpu)
{
	size_t lo = 0, hi = pl->req->n_fleet;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (pl->entry_first[mid] <= gpu)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* A stable merge sort of indices with a context (qsort has none). */
typedef int (*index_cmp)(const void *ctx, size_t a, size_t b);

static void sort_indices(size_t *v, size_t *tmp, size_t n, index_cmp cmp, const void *ctx)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_indices(v, tmp, h, cmp, ctx);
	sort_indices(v + h, tmp, n - h, cmp, ctx);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp(ctx, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(size_t));
}

/* Pins by GPU (stable: request order within a GPU). */
static int pin_gpu_cmp(const void *ctx, size_t a, size_t b)
{
	const struct migctl_plan_pin *pins = ctx;
	return pins[a].gpu < pins[b].gpu ? -1 : pins[a].gpu > pins[b].gpu;
}

/* One record per GPU that has pins (by GPU index), and each pin's record
 * in `rec_of`. Work in the pins, not in the fleet's GPUs. */
static enum migctl_err pinned_gpus(struct planner *pl, size_t *rec_of)
{
	const struct migctl_plan_request *req = pl->req;
	size_t n = req->n_pins, *order = malloc((n + 1) * sizeof(size_t)),
	       *tmp = malloc((n + 1) * sizeof(size_t));
	enum migctl_err rc = MIGCTL_ERR_OK;

	pl->pinned = calloc(n + 1, sizeof(*pl->pinned));
	if (!order || !tmp || !pl->pinned) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_indices(order, tmp, n, pin_gpu_cmp, req->pins);
	for (size_t k = 0; k < n; k++) {
		size_t gpu = req->pins[order[k]].gpu;
		if (k == 0 || gpu != req->pins[order[k - 1]].gpu) {
			struct pinned_gpu *pg = &pl->pinned[pl->n_pinned_gpus++];
			pg->gpu = gpu;
			pg->entry = entry_of(pl, gpu);
			pg->model = model_index(pl, req->fleet[pg->entry].model);
			pg->pin0 = k;
		}
		rec_of[order[k]] = pl->n_pinned_gpus - 1;
	}
out:
	free(order);
	free(tmp);
	return rc;
}

/* Check the pins and sort them per GPU. */
static enum migctl_err load_pins(struct planner *pl)
{
	const struct migctl_plan_request *req = pl->req;
	enum migctl_err rc = MIGCTL_ERR_OK;
	size_t *rec_of = NULL;

	pl->entry_first = calloc(req->n_fleet + 1, sizeof(size_t));
	pl->pin_slots = calloc(req->n_pins + 1, sizeof(*pl->pin_slots));
	rec_of = calloc(req->n_pins + 1, sizeof(size_t));
	if (!pl->entry_first || !pl->pin_slots || !rec_of) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t e = 0; e + 1 < req->n_fleet; e++)
		pl->entry_first[e + 1] = pl->entry_first[e] + req->fleet[e].count;
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
	}
	if ((rc = pinned_gpus(pl, rec_of)))
		goto out;
	for (size_t i = 0; i < req->n_pins; i++) {
		const struct migctl_plan_pin *pin = &req->pins[i];
		struct pinned_gpu *pg = &pl->pinned[rec_of[i]];
		struct model_info *mi = &pl->models[pg->model];
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
		struct migctl_slot *gs = pl->pin_slots + pg->pin0;
		if (!migctl_grid_can_place(&mi->grid, gs, pg->n_pins, q, pin->placement)) {
			rc = migctl_fail(pl->err, MIGCTL_ERR_INFEASIBLE,
					 "pinned instance %zu: %s at %u:%u does not fit next to the other pinned instances on GPU %zu (%s)",
					 i, gi->name, pin->placement.start,
					 pin->placement.size, pin->gpu, model->name);
			goto out;
		}
		gs[pg->n_pins++] = (struct migctl_slot){q, pin->placement};
		mi->allowed |= UINT32_C(1) << q;
	}
	for (size_t k = 0; k < pl->n_pinned_gpus; k++)
		qsort(pl->pin_slots + pl->pinned[k].pin0, pl->pinned[k].n_pins,
		      sizeof(struct migctl_slot), slot_cmp);
out:
	free(rec_of);
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
		mi->next_in_bucket = malloc(mi->n_layouts * sizeof(uint32_t));
		if (!mi->free_score || !mi->next_in_bucket) {
			rc = nomem(pl);
			goto out;
		}
		for (size_t i = 0; i < mi->n_layouts; i++)
			mi->free_score[i] = -1;
		/* Chains in ascending order: built from the last layout. */
		for (size_t h = 0; h < LAYOUT_BUCKETS; h++)
			mi->bucket[h] = NO_LAYOUT;
		for (size_t i = mi->n_layouts; i-- > 0;) {
			uint32_t h = vec_hash(mi->layouts[i].count, mi->model->n_gi) &
				     (LAYOUT_BUCKETS - 1);
			mi->next_in_bucket[i] = mi->bucket[h];
			mi->bucket[h] = (uint32_t)i;
		}
		migctl_planner_score_init(mi);
	}
out:
	return rc;
}

/* Pinned GPUs (indices into planner.pinned) by model, pin count, pins. */
static int gpu_group_cmp(const struct planner *pl, size_t a, size_t b)
{
	const struct pinned_gpu *x = &pl->pinned[a], *y = &pl->pinned[b];
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

static int pinned_cmp(const void *ctx, size_t a, size_t b)
{
	return gpu_group_cmp(ctx, a, b);
}

static struct group *new_group(struct planner *pl, size_t model)
{
	struct group *g = &pl->groups[pl->n_groups++];
	g->model = model;
	return g;
}

/* Groups, per model in order: the GPUs without pins (one group, counted,
 * never listed), then the pinned GPUs with the same pins. Sorting is
 * stable, so each group keeps GPU index order. */
static enum migctl_err make_groups(struct planner *pl)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	size_t np = pl->n_pinned_gpus, *tmp = NULL, *free_gpus = NULL;

	pl->pinned_order = malloc((np + 1) * sizeof(size_t));
	tmp = malloc((np + 1) * sizeof(size_t));
	free_gpus = calloc(pl->n_models, sizeof(size_t));
	pl->groups = calloc(np + pl->n_models, sizeof(*pl->groups));
	if (!pl->pinned_order || !tmp || !free_gpus || !pl->groups) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t e = 0; e < pl->req->n_fleet; e++)
		free_gpus[model_index(pl, pl->req->fleet[e].model)] += pl->req->fleet[e].count;
	for (size_t k = 0; k < np; k++) {
		pl->pinned_order[k] = k;
		free_gpus[pl->pinned[k].model]--;
	}
	sort_indices(pl->pinned_order, tmp, np, pinned_cmp, pl);
	size_t k = 0;
	for (size_t m = 0; m < pl->n_models; m++) {
		if (free_gpus[m])
			new_group(pl, m)->n_gpus = free_gpus[m];
		for (; k < np && pl->pinned[pl->pinned_order[k]].model == m; k++) {
			size_t pi = pl->pinned_order[k];
			if (k == 0 || pl->pinned[pl->pinned_order[k - 1]].model != m ||
			    gpu_group_cmp(pl, pl->pinned_order[k - 1], pi)) {
				const struct pinned_gpu *pg = &pl->pinned[pi];
				struct group *g = new_group(pl, m);
				g->pins = pl->pin_slots + pg->pin0;
				g->n_pins = pg->n_pins;
				g->gpu0 = k;
				for (size_t s = 0; s < g->n_pins; s++) {
					size_t q = g->pins[s].profile;
					g->pin_count[q]++;
					g->pin_starts[q] |= UINT32_C(1) << g->pins[s].placement.start;
				}
			}
			pl->groups[pl->n_groups - 1].n_gpus++;
		}
	}
out:
	free(tmp);
	free(free_gpus);
	return rc;
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

/* split_rec for each of the `nv` vectors (stride MAXR), appending to s. */
static enum migctl_err split_all(struct planner *pl, struct split_ctx *s, const uint8_t *vecs,
				 size_t nv)
{
	for (size_t i = 0; i < nv; i++) {
		s->e = vecs + i * MAXR;
		memset(s->cur, 0, MAXR);
		split_rec(s, 0, 0, s->e[0]);
		if (s->fail)
			return !s->too_many ? nomem(pl)
				: migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					      "%s: more than %u configurations of the demanded profiles",
					      s->mi->model->name, MAX_COLUMNS);
	}
	return MIGCTL_ERR_OK;
}

/* The maximal configurations of one group, over rows. */
static enum migctl_err group_configs(struct planner *pl, struct group *g)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	const struct model_info *mi = &pl->models[g->model];
	size_t np = mi->n_prof, nq = mi->model->n_gi;
	uint8_t *vecs = NULL;
	uint32_t *seen = NULL;
	size_t nv = 0, cap = 0;
	struct split_ctx s = {.mi = mi};
	bool extra = pl->req->pins_are_extra;

	/* Distinct vectors over the demanded profiles; stride MAXR. Many
	 * layouts share one vector, so they are told apart in a hash set
	 * (open addressing, `seen` holds index + 1) and only the distinct
	 * ones are sorted. */
	size_t n_seen = 2;
	while (n_seen < 2 * mi->n_layouts)
		n_seen *= 2;
	seen = calloc(n_seen, sizeof(*seen));
	if (!seen) {
		rc = nomem(pl);
		goto out;
	}
	for (size_t li = 0; li < mi->n_layouts; li++) {
		const struct layout *l = &mi->layouts[li];
		uint8_t e[MAXR] = {0};
		if (g->n_pins && !layout_holds_pins(l, g, nq))
			continue;
		for (size_t p = 0; p < np; p++) {
			size_t q = mi->prof[p];
			e[p] = (uint8_t)(l->count[q] - (extra ? g->pin_count[q] : 0));
		}
		size_t h = vec_hash(e, np) & (n_seen - 1);
		while (seen[h] && memcmp(vecs + (seen[h] - 1) * MAXR, e, MAXR))
			h = (h + 1) & (n_seen - 1);
		if (seen[h])
			continue;
		if (!grow(&vecs, &cap, nv + 1, MAXR)) {
			rc = nomem(pl);
			goto out;
		}
		memcpy(vecs + nv * MAXR, e, MAXR);
		seen[h] = (uint32_t)++nv;
	}
	if (nv)
		qsort(vecs, nv, MAXR, vec_cmp_desc);
	size_t u;
	/* Every feasible configuration, for the free-capacity stage. */
	if ((rc = split_all(pl, &s, vecs, nv)))
		goto out;
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
	if (np > 0 && (rc = split_all(pl, &s, vecs, nv)))
		goto out;
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
	free(seen);
	free(s.out);
	return rc;
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

static void planner_free(struct planner *pl)
{
	for (size_t m = 0; m < pl->n_models && pl->models; m++) {
		free(pl->models[m].layouts);
		free(pl->models[m].free_score);
		free(pl->models[m].next_in_bucket);
	}
	for (size_t g = 0; g < pl->n_groups && pl->groups; g++) {
		free(pl->groups[g].configs);
		free(pl->groups[g].all);
		free(pl->groups[g].cache);
	}
	free(pl->models);
	free(pl->rowmap);
	free(pl->item_row);
	free(pl->entry_first);
	free(pl->pin_slots);
	free(pl->pinned);
	free(pl->pinned_order);
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

	rc = migctl_planner_solve_cover(&pl, NULL, x, &res);
	if (rc)
		goto out;
	if (!res.found) {
		/* Not everything fits (or the budget ran out before a plan
		 * was found): choose what to place, then pack it. */
		rc = migctl_planner_solve_placeable(&pl, x, &placed_proven);
		if (rc)
			goto out;
		rc = migctl_planner_solve_cover(&pl, x, x, &res);
		if (rc)
			goto out;
		if (!res.found) {
			rc = migctl_fail(err, MIGCTL_ERR_INTERNAL,
					 "planner: no plan for the placeable demand");
			goto out;
		}
	}
	pl.stats.lp_bound = res.lp + (double)pl.n_pinned_gpus;
	if ((rc = migctl_planner_assign_types(&pl, x)) || (rc = migctl_planner_trim_surplus(&pl)) ||
	    (rc = migctl_planner_solve_free(&pl, &pl.stats.free_capacity_optimal)) ||
	    (rc = migctl_planner_trim_surplus(&pl)) || (rc = migctl_planner_write_plan(&pl, plan)))
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
