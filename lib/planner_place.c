/* migctl — from the planner's counts to GPUs (see lib/planner.c): the
 * placement of a configuration on a group's layouts, the GPU types of a
 * solution, removal of surplus instances, and the plan written out with
 * placements, labels and summaries.
 */
#include <stdio.h>

#include "planner_impl.h"

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

/* The tables migctl_planner_layout_free reads: the same placements, in
 * the same order, as migctl_grid_remaining_capacity walks. */
void migctl_planner_score_init(struct model_info *mi)
{
	const struct migctl_grid *grid = &mi->grid;

	for (size_t q = 0; q < mi->model->n_gi && q < MAXQ; q++) {
		unsigned size = mi->model->gi[q].placements.size;
		for (unsigned s = 0; s < MIGCTL_MAX_UNITS; s++)
			mi->at_mask[q][s] = migctl_placement_mask(
				(struct migctl_placement){s, size});
	}
	for (size_t q = 0; q < grid->n_profiles; q++) {
		const struct migctl_placement_set *set = grid->profiles[q].placements;
		uint32_t seen = 0;
		mi->n_fit[q] = 0;
		/* Ascending starts without sorting: a start is a bit. */
		for (unsigned i = 0; i < set->n_starts; i++)
			if (set->starts[i] < MIGCTL_MAX_UNITS)
				seen |= UINT32_C(1) << set->starts[i];
		for (unsigned s = 0; s < MIGCTL_MAX_UNITS; s++)
			if (((seen >> s) & 1) && s + set->size <= grid->units)
				mi->fit_mask[q][mi->n_fit[q]++] = migctl_placement_mask(
					(struct migctl_placement){s, set->size});
	}
}

/* The sum over the grid's profiles of how many more instances fit next to
 * layout li: migctl_grid_remaining_capacity's rule (instance limit,
 * compute slices, then free placements taken greedily by start), computed
 * from the layout's start masks. */
int migctl_planner_layout_free(struct model_info *mi, size_t li)
{
	if (mi->free_score[li] < 0) {
		const struct layout *l = &mi->layouts[li];
		const struct migctl_grid *grid = &mi->grid;
		uint32_t used = 0;
		unsigned slices = 0, sum = 0;
		for (size_t q = 0; q < mi->model->n_gi && q < MAXQ; q++) {
			for (uint32_t st = l->starts[q]; st; st &= st - 1)
				used |= mi->at_mask[q][__builtin_ctz(st)];
			if (q < grid->n_profiles)
				slices += grid->profiles[q].slices * l->count[q];
		}
		for (size_t q = 0; q < grid->n_profiles; q++) {
			const struct migctl_slot_profile *sp = &grid->profiles[q];
			if (l->count[q] >= sp->max)
				continue;
			unsigned limit = sp->max - l->count[q], fit = 0;
			if (sp->slices > 0 && (grid->compute_slices - slices) / sp->slices < limit)
				limit = (grid->compute_slices - slices) / sp->slices;
			uint32_t taken = used;
			for (unsigned i = 0; i < mi->n_fit[q] && fit < limit; i++)
				if (!(taken & mi->fit_mask[q][i])) {
					taken |= mi->fit_mask[q][i];
					fit++;
				}
			sum += fit;
		}
		mi->free_score[li] = (int)sum;
	}
	return mi->free_score[li];
}

/* The layout with the most free capacity holding the group's pins and the
 * instances of configuration v; NONE if there is none. */
size_t migctl_planner_place_config(struct planner *pl, struct group *g,
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
	uint8_t counts[MAXQ] = {0};
	bool representable = true;
	for (size_t q = 0; q < nq; q++) {
		representable &= want[q] <= UINT8_MAX;
		counts[q] = (uint8_t)want[q];
	}
	uint32_t li = representable
		? mi->bucket[vec_hash(counts, nq) & (LAYOUT_BUCKETS - 1)] : NO_LAYOUT;
	for (; li != NO_LAYOUT; li = mi->next_in_bucket[li]) {
		const struct layout *l = &mi->layouts[li];
		if (memcmp(l->count, counts, nq) ||
		    (g->n_pins && !layout_holds_pins(l, g, nq)))
			continue;
		int score = migctl_planner_layout_free(mi, li);
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

bool migctl_planner_add_type(struct planner *pl, size_t group, const uint8_t *v,
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
enum migctl_err migctl_planner_assign_types(struct planner *pl, const double *x)
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
				if (!migctl_planner_add_type(pl, group, pl->col_cfg[cl->col0 + c], take)) {
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
			if (!migctl_planner_add_type(pl, group, pl->groups[group].base, room)) {
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
enum migctl_err migctl_planner_trim_surplus(struct planner *pl)
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
				size_t a = migctl_planner_place_config(pl, g, ty->v, &oom);
				size_t b = migctl_planner_place_config(pl, g, less, &oom);
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
				long gain = (long)migctl_planner_layout_free(mi, b) - migctl_planner_layout_free(mi, a);
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
			if (!migctl_planner_add_type(pl, group, less, n)) {
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

/* Drop empty types, sort the rest by group, give each group its range of
 * types and place each type: its layout. */
static enum migctl_err place_types(struct planner *pl)
{
	bool oom = false;

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
		if (g->n_gtypes++ == 0)
			g->type0 = t;
		ty->layout = migctl_planner_place_config(pl, g, ty->v, &oom);
		if (oom)
			return nomem(pl);
		if (ty->layout == NONE)
			return migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
					   "planner: a configuration has no placement");
	}
	return MIGCTL_ERR_OK;
}

/* The plan is written in runs, not GPU by GPU: consecutive GPUs of one
 * type whose instances serve the same items share one instance array, so
 * the work grows with the types, pins and items, and the only per-GPU
 * step is filling plan->gpus. */

/* A GPU of one type: its instances by start and the row each serves. */
struct tmpl {
	struct migctl_plan_instance inst[MIGCTL_MAX_UNITS];
	size_t row[MIGCTL_MAX_UNITS];
	size_t n;
	unsigned free;
	unsigned per_row[MAXR];         /* unpinned instances serving a row */
};

/* `count` GPUs from index `gpu`, of one fleet entry, taking one type (a
 * pinned GPU is always alone in its run); `off` locates their shared
 * instances in writer.store once labelled. */
struct run {
	size_t gpu, count, type, entry, off;
	bool pinned;
};

struct writer {
	struct planner *pl;
	struct migctl_plan *plan;
	struct tmpl *tmpl;              /* per type */
	struct run *runs;               /* the GPUs, in index order */
	size_t n_runs, cap_runs;
	struct run *out;                /* runs split where labels change */
	size_t n_out, cap_out;
	struct migctl_plan_instance *store;
	size_t n_store, cap_store;
	unsigned long *quota;           /* per item: placed, still to label */
	size_t *group_of;               /* per pinned GPU record */
	size_t *free_group;             /* per model: its unpinned group */
	size_t *next_type, *left;       /* per group: its cursor */
};

/* The next `n` GPUs of `group`, from index `gpu`, as runs of one type. */
static enum migctl_err take_gpus(struct writer *w, size_t group, size_t gpu, size_t n,
				 size_t entry, bool pinned)
{
	struct planner *pl = w->pl;
	const struct group *g = &pl->groups[group];

	while (n > 0) {
		if (w->left[group] == 0) {
			if (w->next_type[group] >= g->n_gtypes)
				return migctl_fail(pl->err, MIGCTL_ERR_INTERNAL,
						   "planner: GPUs and configurations disagree");
			w->left[group] = pl->types[g->type0 + w->next_type[group]++].count;
		}
		size_t k = n < w->left[group] ? n : w->left[group];
		if (!grow(&w->runs, &w->cap_runs, w->n_runs + 1, sizeof(*w->runs)))
			return nomem(pl);
		w->runs[w->n_runs++] = (struct run){
			gpu, k, g->type0 + w->next_type[group] - 1, entry, 0, pinned};
		gpu += k;
		n -= k;
		w->left[group] -= k;
	}
	return MIGCTL_ERR_OK;
}

/* Walk the fleet in index order: ranges of unpinned GPUs between the
 * pinned ones. */
static enum migctl_err make_runs(struct writer *w)
{
	struct planner *pl = w->pl;
	const struct migctl_plan_request *req = pl->req;
	size_t pi = 0, np = pl->n_pinned_gpus;

	for (size_t gi = 0; gi < pl->n_groups; gi++) {
		const struct group *g = &pl->groups[gi];
		if (g->n_pins == 0)
			w->free_group[g->model] = gi;
		for (size_t k = 0; g->n_pins && k < g->n_gpus; k++)
			w->group_of[pl->pinned_order[g->gpu0 + k]] = gi;
	}
	for (size_t e = 0; e < req->n_fleet; e++) {
		size_t cur = pl->entry_first[e], end = cur + req->fleet[e].count;
		size_t m = 0;
		while (pl->models[m].model != req->fleet[e].model)
			m++;
		while (cur < end) {
			enum migctl_err rc;
			if (pi < np && pl->pinned[pi].gpu == cur) {
				rc = take_gpus(w, w->group_of[pi], cur, 1, e, true);
				pi++;
				cur++;
			} else {
				size_t stop = pi < np && pl->pinned[pi].gpu < end ? pl->pinned[pi].gpu : end;
				rc = take_gpus(w, w->free_group[m], cur, stop - cur, e, false);
				cur = stop;
			}
			if (rc)
				return rc;
		}
	}
	return MIGCTL_ERR_OK;
}

/* Label an instance of row `row` with the first item of the row that has
 * placed instances left to label. */
static void label_one(struct writer *w, struct migctl_plan_instance *in, size_t row)
{
	const struct migctl_plan_request *req = w->pl->req;

	in->demand = MIGCTL_PLAN_NO_DEMAND;
	if (row == NONE)
		return;
	for (size_t i = 0; i < req->n_demand; i++)
		if (w->pl->item_row[i] == row && w->quota[i] > 0) {
			w->quota[i]--;
			in->demand = i;
			if (in->pinned)
				w->plan->demand[i].pinned++;
			return;
		}
}

/* A copy of run r's template in the store, as an output run of `count`
 * GPUs from `gpu`, its `pinned` instances labelled. */
static bool emit_copy(struct writer *w, const struct run *r, size_t gpu, size_t count,
		      bool pinned)
{
	const struct tmpl *t = &w->tmpl[r->type];

	if (!grow(&w->store, &w->cap_store, w->n_store + t->n + 1, sizeof(*w->store)) ||
	    !grow(&w->out, &w->cap_out, w->n_out + 1, sizeof(*w->out)))
		return false;
	struct run *o = &w->out[w->n_out++];
	*o = *r;
	o->gpu = gpu;
	o->count = count;
	o->off = w->n_store;
	memcpy(w->store + w->n_store, t->inst, t->n * sizeof(*t->inst));
	w->n_store += t->n;
	for (size_t s = 0; s < t->n; s++)
		if (t->inst[s].pinned == pinned)
			label_one(w, &w->store[o->off + s], t->row[s]);
	return true;
}

/* How many GPUs of a type, from now on, get the same labels: in each row,
 * as many as the current item's quota covers whole. */
static size_t same_labels(const struct writer *w, const struct tmpl *t, size_t max)
{
	const struct planner *pl = w->pl;
	size_t k = max;

	for (size_t r = 0; r < pl->n_rows; r++) {
		if (!t->per_row[r])
			continue;
		for (size_t i = 0; i < pl->req->n_demand; i++)
			if (pl->item_row[i] == r && w->quota[i] > 0) {
				size_t whole = w->quota[i] / t->per_row[r];
				k = whole < k ? whole : k;
				break;
			}
	}
	return k ? k : 1;
}

/* Labels as if GPU by GPU: pinned instances first, in GPU order, then
 * the others, in GPU order, each taking the first item of its row with
 * placed instances left. */
static enum migctl_err label_runs(struct writer *w)
{
	for (size_t k = 0; k < w->n_runs; k++)
		if (w->runs[k].pinned) {
			if (!emit_copy(w, &w->runs[k], w->runs[k].gpu, 1, true))
				return nomem(w->pl);
			w->runs[k].off = w->n_out - 1;  /* its output run */
		}
	for (size_t k = 0; k < w->n_runs; k++) {
		const struct run *r = &w->runs[k];
		const struct tmpl *t = &w->tmpl[r->type];
		if (r->pinned) {
			const struct run *o = &w->out[r->off];
			for (size_t s = 0; s < t->n; s++)
				if (!t->inst[s].pinned)
					label_one(w, &w->store[o->off + s], t->row[s]);
			continue;
		}
		for (size_t done = 0; done < r->count;) {
			size_t n = same_labels(w, t, r->count - done);
			if (!emit_copy(w, r, r->gpu + done, n, false))
				return nomem(w->pl);
			/* The other n - 1 GPUs label alike. */
			const struct migctl_plan_instance *in = w->store + w->out[w->n_out - 1].off;
			for (size_t s = 0; s < t->n; s++)
				if (in[s].demand != MIGCTL_PLAN_NO_DEMAND)
					w->quota[in[s].demand] -= n - 1;
			done += n;
		}
	}
	return MIGCTL_ERR_OK;
}

/* Each item's placed quota: its row's placed demand, earlier items
 * first. */
static void item_quotas(struct writer *w)
{
	const struct migctl_plan_request *req = w->pl->req;
	struct migctl_plan *plan = w->plan;

	for (size_t r = 0; r < w->pl->n_rows; r++) {
		unsigned long placed = (unsigned long)(w->pl->dem[r] + 0.5);
		for (size_t i = 0; i < req->n_demand; i++) {
			if (w->pl->item_row[i] != r)
				continue;
			unsigned long q = req->demand[i].count < placed ? req->demand[i].count : placed;
			w->quota[i] = q;
			placed -= q;
		}
	}
	for (size_t i = 0; i < req->n_demand; i++) {
		plan->demand[i].demand = req->demand[i].count;
		plan->demand[i].placed = (unsigned)w->quota[i];
		plan->demand[i].unplaced = req->demand[i].count - (unsigned)w->quota[i];
		plan->unplaced += plan->demand[i].unplaced;
	}
}

/* The per-type templates. */
static enum migctl_err make_templates(struct writer *w)
{
	struct planner *pl = w->pl;

	w->tmpl = calloc(pl->n_types + 1, sizeof(*w->tmpl));
	if (!w->tmpl)
		return nomem(pl);
	for (size_t t = 0; t < pl->n_types; t++) {
		const struct gtype *ty = &pl->types[t];
		const struct group *g = &pl->groups[ty->group];
		struct tmpl *tm = &w->tmpl[t];
		tm->n = type_template(pl, g, ty, tm->inst, tm->row);
		tm->free = (unsigned)migctl_planner_layout_free(&pl->models[g->model], ty->layout);
		for (size_t s = 0; s < tm->n; s++)
			if (!tm->inst[s].pinned && tm->row[s] != NONE)
				tm->per_row[tm->row[s]]++;
	}
	return MIGCTL_ERR_OK;
}

/* plan->gpus from the output runs; the instances are handed over. */
static enum migctl_err fill_gpus(struct writer *w)
{
	struct planner *pl = w->pl;
	struct migctl_plan *plan = w->plan;

	plan->gpus = calloc(pl->n_gpus, sizeof(*plan->gpus));
	if (!plan->gpus)
		return nomem(pl);
	plan->n_gpus = pl->n_gpus;
	plan->storage_ = w->store;
	w->store = NULL;
	for (size_t k = 0; k < w->n_out; k++) {
		const struct run *o = &w->out[k];
		const struct tmpl *t = &w->tmpl[o->type];
		struct migctl_plan_gpu one = {
			.model = pl->models[pl->groups[pl->types[o->type].group].model].model,
			.fleet_entry = o->entry,
			.instances = plan->storage_ + o->off,
			.n_instances = t->n,
			.used = t->n > 0,
			.free_capacity = t->free,
		};
		for (size_t j = 0; j < o->count; j++)
			plan->gpus[o->gpu + j] = one;
		plan->gpus_used += one.used ? o->count : 0;
		plan->free_capacity += (unsigned long)t->free * o->count;
	}
	return MIGCTL_ERR_OK;
}

/* Build the plan from the types: placements, labels, summaries. */
enum migctl_err migctl_planner_write_plan(struct planner *pl, struct migctl_plan *plan)
{
	enum migctl_err rc;
	const struct migctl_plan_request *req = pl->req;
	struct writer w = {.pl = pl, .plan = plan};

	if ((rc = place_types(pl)))
		return rc;
	plan->demand = calloc(req->n_demand + 1, sizeof(*plan->demand));
	w.quota = calloc(req->n_demand + 1, sizeof(*w.quota));
	w.group_of = calloc(pl->n_pinned_gpus + 1, sizeof(size_t));
	w.free_group = calloc(pl->n_models, sizeof(size_t));
	w.next_type = calloc(pl->n_groups + 1, sizeof(size_t));
	w.left = calloc(pl->n_groups + 1, sizeof(size_t));
	if (!plan->demand || !w.quota || !w.group_of || !w.free_group || !w.next_type ||
	    !w.left) {
		rc = nomem(pl);
		goto out;
	}
	plan->n_demand = req->n_demand;
	item_quotas(&w);
	if ((rc = make_templates(&w)) || (rc = make_runs(&w)) || (rc = label_runs(&w)) ||
	    (rc = fill_gpus(&w)))
		goto out;
	plan->complete = plan->unplaced == 0;
out:
	free(w.tmpl);
	free(w.runs);
	free(w.out);
	free(w.store);
	free(w.quota);
	free(w.group_of);
	free(w.free_group);
	free(w.next_type);
	free(w.left);
	return rc;
}
