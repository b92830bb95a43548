/* migctl — the input and output side of migctl_transition_plan (see
 * include/migctl/layout.h; the search itself is lib/transition.c): input
 * checks, the diagnosis of a target that fits nowhere, the steps and
 * reasons of the result, and exact targets (every GI pinned with its
 * CIs), which need no search.
 */
#include <stdio.h>
#include <string.h>

#include "transition_impl.h"

/* --- input checks and diagnosis ---------------------------------------- */

static enum migctl_err check_inputs(const struct migctl_gpu_model *m,
				    const struct migctl_layout *cur,
				    const struct migctl_gpu_target *t,
				    struct migctl_error *err)
{
	if (m->n_gi > MAXP)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "%s: more than %d GI profiles",
				   m->name, MAXP);
	if (cur->n_gis > MAXG)
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "the current layout has %zu GIs, at most %d are supported",
				   cur->n_gis, MAXG);
	for (size_t i = 0; i < cur->n_gis; i++) {
		const struct migctl_layout_gi *cg = &cur->gis[i];
		if (cg->profile >= m->n_gi)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "GI %u: profile index %zu is not a profile of %s",
					   cg->id, cg->profile, m->name);
		if (cg->n_cis > MAXC)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "GI %u: %zu CIs, at most %d are supported",
					   cg->id, cg->n_cis, MAXC);
		for (size_t c = 0; c < cg->n_cis; c++)
			if (cg->cis[c].profile >= m->gi[cg->profile].n_ci)
				return migctl_fail(err, MIGCTL_ERR_USAGE,
						   "GI %u CI %u: CI profile index %zu is not a CI profile of %s",
						   cg->id, cg->cis[c].id, cg->cis[c].profile,
						   m->gi[cg->profile].name);
	}
	if (!t->mig_enabled)
		return MIGCTL_ERR_OK; /* the rest of the target is not looked at */
	if (t->n_items > MIGCTL_TARGET_MAX_ITEMS || t->n_pins > MAXG)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "target too large: %zu items, %zu pins",
				   t->n_items, t->n_pins);
	for (size_t i = 0; i < t->n_items; i++) {
		const struct migctl_target_item *it = &t->items[i];
		if (it->gi >= m->n_gi || it->ci >= m->gi[it->gi].n_ci)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "target item (%zu, %zu) is not a profile of %s",
					   it->gi, it->ci, m->name);
	}
	for (size_t q = 0; q < t->n_pins; q++)
		if (t->pins[q].gi >= m->n_gi)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "pin profile index %zu is not a profile of %s",
					   t->pins[q].gi, m->name);
	return MIGCTL_ERR_OK;
}

/* Normalise the target; false (with `err`) for counts so large that no
 * GPU of the model holds them, which also keeps the searches bounded. */
static bool build_demand(const struct migctl_gpu_model *m,
			 const struct migctl_gpu_target *t, struct demand *w,
			 struct migctl_error *err)
{
	memset(w, 0, sizeof(*w));
	if (!t->mig_enabled)
		return true;
	for (size_t i = 0; i < t->n_items; i++) {
		const struct migctl_target_item *it = &t->items[i];
		const struct migctl_gi_profile *gp = &m->gi[it->gi];
		/* Each CI takes at least one compute slice of its GI. */
		unsigned long long limit = (unsigned long long)gp->max * gp->compute_slices;
		if (limit > MAX_ITEMS)
			limit = MAX_ITEMS;
		if ((unsigned long long)w->n[it->gi][it->ci] + it->count > limit) {
			if (gp->ci[it->ci].is_default)
				migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					    "%u x %s: the model allows at most %u",
					    w->n[it->gi][it->ci] + it->count, gp->name, gp->max);
			else
				migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					    "%u x %s: more than the %u x %s the model allows could hold",
					    w->n[it->gi][it->ci] + it->count, gp->ci[it->ci].name,
					    gp->max, gp->name);
			return false;
		}
		w->n[it->gi][it->ci] += it->count;
		w->per_gi[it->gi] += it->count;
	}
	for (size_t q = 0; q < t->n_pins; q++) {
		bool dup = false;
		for (size_t r = 0; r < w->n_pins; r++)
			dup |= w->pins[r].gi == t->pins[q].gi &&
			       migctl_placement_equal(w->pins[r].placement, t->pins[q].placement);
		if (!dup)
			w->pins[w->n_pins++] = t->pins[q];
	}
	return true;
}

static int fmt_placement(char *buf, size_t len, struct migctl_placement p)
{
	return snprintf(buf, len, "%u:%u", p.start, p.size);
}

/* Why no layout satisfies the target (called when the search found
 * none). The checks go from the most specific to the generic one. */
static enum migctl_err diagnose(const struct migctl_gpu_model *m,
				const struct demand *w, struct migctl_error *err)
{
	char a[32], b[32];
	unsigned slices = 0;
	size_t need[MAXP] = {0};

	for (size_t q = 0; q < w->n_pins; q++) {
		const struct migctl_target_pin *pin = &w->pins[q];
		const struct migctl_gi_profile *gp = &m->gi[pin->gi];
		fmt_placement(a, sizeof(a), pin->placement);
		if (!migctl_placement_set_has(&gp->placements, pin->placement) ||
		    pin->placement.start + pin->placement.size > m->units)
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "pin %s at %s: not a placement of %s", gp->name, a,
					   gp->name);
		if (w->per_gi[pin->gi] == 0)
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "pin %s at %s: the target asks for no %s instances",
					   gp->name, a, gp->name);
		for (size_t r = 0; r < q; r++)
			if (overlaps(w->pins[r].placement, pin->placement)) {
				fmt_placement(b, sizeof(b), w->pins[r].placement);
				return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
						   "pins at %s and %s overlap", b, a);
			}
	}
	/* The fewest GIs each profile needs on an empty GPU. */
	for (size_t p = 0; p < m->n_gi; p++) {
		const struct migctl_gi_profile *gp = &m->gi[p];
		struct distrib d;
		size_t pins = 0, def = SIZE_MAX;

		if (w->per_gi[p] == 0)
			continue;
		for (size_t q = 0; q < w->n_pins; q++)
			pins += w->pins[q].gi == p;
		for (size_t c = 0; c < gp->n_ci; c++)
			if (gp->ci[c].is_default)
				def = c;
		if (def != SIZE_MAX && w->n[p][def] > gp->max)
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "%u x %s: the model allows at most %u",
					   w->n[p][def], gp->name, gp->max);
		if (pins > gp->max)
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "%zu pins of %s: the model allows at most %u",
					   pins, gp->name, gp->max);
		migctl_grid_of_gi(&d.cig, gp);
		d.n_kept = 0;
		if (!migctl_transition_distrib_items(&d, gp, w->n[p]))
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "%u CIs in %s GIs: too many", w->per_gi[p], gp->name);
		need[p] = migctl_transition_distrib_min_new(&d, pins, gp->max < MAXG ? gp->max : MAXG);
		if (need[p] == SIZE_MAX) {
			char cis[256] = "";
			size_t len = 0;
			for (size_t c = 0; c < gp->n_ci && len < sizeof(cis); c++)
				if (w->n[p][c])
					len += (size_t)snprintf(cis + len, sizeof(cis) - len,
								"%s%u x %s", len ? " + " : "",
								w->n[p][c], gp->ci[c].name);
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "%s: more than the %u x %s the model allows could hold",
					   cis, gp->max, gp->name);
		}
		slices += (unsigned)need[p] * gp->compute_slices;
	}
	if (slices > m->compute_slices)
		return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
				   "the profiles need %u compute slices, the GPU has %u",
				   slices, m->compute_slices);
	/* Name what was asked for. */
	char list[384] = "";
	size_t len = 0;
	for (size_t p = 0; p < m->n_gi && len < sizeof(list); p++)
		if (need[p] > 0)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%zu x %s",
						len ? ", " : "", need[p], m->gi[p].name);
	return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
			   "no placement of these instances fits: %s%s", list,
			   w->n_pins ? " (with the pins)" : "");
}

/* --- the result ---------------------------------------------------------- */

static enum migctl_step_reason gi_reason(const struct plan *pl,
					 const struct migctl_layout_gi *cg)
{
	bool regroup = false;
	for (size_t k = 0; k < pl->n_gis; k++) {
		const struct fgi *f = &pl->gis[k];
		if (f->from >= 0)
			continue;
		if (overlaps(f->placement, cg->placement))
			return MIGCTL_REASON_CONFLICT;
		regroup |= f->profile == cg->profile;
	}
	return regroup ? MIGCTL_REASON_REGROUP : MIGCTL_REASON_NOT_WANTED;
}

static enum migctl_step_reason ci_reason(const struct plan *pl, size_t gi_profile,
					 size_t ci_profile)
{
	for (size_t k = 0; k < pl->n_gis; k++) {
		const struct fgi *f = &pl->gis[k];
		if (f->profile != gi_profile)
			continue;
		for (size_t c = 0; c < f->n_cis; c++)
			if (f->ci_from[c] < 0 && f->cis[c].profile == ci_profile)
				return MIGCTL_REASON_REGROUP;
	}
	return MIGCTL_REASON_NOT_WANTED;
}

static bool push(struct migctl_transition *out, struct migctl_step st)
{
	if (out->n_steps >= MIGCTL_TRANSITION_MAX_STEPS)
		return false;
	out->steps[out->n_steps++] = st;
	return true;
}

static struct migctl_step ci_destroy_step(const struct migctl_layout_gi *cg,
					  const struct migctl_layout_ci *cc,
					  enum migctl_step_reason reason)
{
	return (struct migctl_step){
		.kind = MIGCTL_STEP_DESTROY_CI, .reason = reason,
		.gi_profile = cg->profile, .gi_placement = cg->placement, .gi_id = cg->id,
		.ci_profile = cc->profile, .ci_placement = cc->placement, .ci_id = cc->id,
		.busy = cc->busy,
	};
}

/* CI c of final GI `o`: kept (`cc`, the current CI) or new (NULL). */
static void final_ci(struct migctl_transition *out, struct migctl_layout_gi *o, size_t c,
		     size_t profile, struct migctl_placement placement,
		     const struct migctl_layout_ci *cc)
{
	o->cis[c] = (struct migctl_layout_ci){
		.profile = profile, .placement = placement,
		.id = cc ? cc->id : MIGCTL_ID_UNKNOWN, .busy = cc && cc->busy,
	};
	o->busy |= cc && cc->busy;
	out->kept += cc != NULL;
	out->created += cc == NULL;
}

/* The creations that the final layout needs, GIs first: its new GIs and
 * CIs are those without an ID. */
static bool push_creates(struct migctl_transition *out)
{
	bool ok = true;

	for (size_t k = 0; k < out->final.n_gis; k++)
		if (out->final.gis[k].id == MIGCTL_ID_UNKNOWN)
			ok &= push(out, (struct migctl_step){
				.kind = MIGCTL_STEP_CREATE_GI, .gi_profile = out->final.gis[k].profile,
				.gi_placement = out->final.gis[k].placement,
				.gi_id = MIGCTL_ID_UNKNOWN, .ci_id = MIGCTL_ID_UNKNOWN,
			});
	for (size_t k = 0; k < out->final.n_gis; k++) {
		const struct migctl_layout_gi *o = &out->final.gis[k];
		for (size_t c = 0; c < o->n_cis; c++)
			if (o->cis[c].id == MIGCTL_ID_UNKNOWN)
				ok &= push(out, (struct migctl_step){
					.kind = MIGCTL_STEP_CREATE_CI, .gi_profile = o->profile,
					.gi_placement = o->placement, .gi_id = o->id,
					.ci_profile = o->cis[c].profile,
					.ci_placement = o->cis[c].placement,
					.ci_id = MIGCTL_ID_UNKNOWN,
				});
	}
	return ok;
}

/* Fill `out` from the chosen plan; false if it needs too many steps. */
static bool emit(const struct search *s, struct migctl_transition *out)
{
	const struct plan *pl = &s->best;
	const struct migctl_layout *cur = s->cur;
	bool ok = true;

	/* Final layout and what is kept. */
	for (size_t k = 0; k < pl->n_gis; k++) {
		const struct fgi *f = &pl->gis[k];
		struct migctl_layout_gi *o = &out->final.gis[out->final.n_gis++];
		const struct migctl_layout_gi *cg = f->from >= 0 ? &cur->gis[f->from] : NULL;
		o->profile = f->profile;
		o->placement = f->placement;
		o->id = cg ? cg->id : MIGCTL_ID_UNKNOWN;
		out->kept += cg != NULL;
		out->created += cg == NULL;
		for (size_t c = 0; c < f->n_cis; c++)
			final_ci(out, o, c, f->cis[c].profile, f->cis[c].placement,
				 cg && f->ci_from[c] >= 0 ? &cg->cis[f->ci_from[c]] : NULL);
		o->n_cis = f->n_cis;
		o->busy |= cg && cg->busy;
	}
	out->free_capacity = pl->cap;
	out->destroyed = pl->cost;
	out->destroyed_busy = pl->busy;

	/* CIs of destroyed GIs, then unkept CIs of kept GIs. */
	for (size_t i = 0; i < cur->n_gis; i++) {
		const struct migctl_layout_gi *cg = &cur->gis[i];
		if (pl->fate[i].keep)
			continue;
		enum migctl_step_reason r = gi_reason(pl, cg);
		for (size_t c = 0; c < cg->n_cis; c++)
			ok &= push(out, ci_destroy_step(cg, &cg->cis[c], r));
	}
	for (size_t i = 0; i < cur->n_gis; i++) {
		const struct migctl_layout_gi *cg = &cur->gis[i];
		if (!pl->fate[i].keep)
			continue;
		for (size_t c = 0; c < cg->n_cis; c++)
			if (!(pl->fate[i].ci_keep & (UINT32_C(1) << c)))
				ok &= push(out, ci_destroy_step(cg, &cg->cis[c],
							 ci_reason(pl, cg->profile,
								   cg->cis[c].profile)));
	}
	for (size_t i = 0; i < cur->n_gis; i++) {
		const struct migctl_layout_gi *cg = &cur->gis[i];
		if (pl->fate[i].keep)
			continue;
		ok &= push(out, (struct migctl_step){
			.kind = MIGCTL_STEP_DESTROY_GI, .reason = gi_reason(pl, cg),
			.gi_profile = cg->profile, .gi_placement = cg->placement,
			.gi_id = cg->id, .ci_id = MIGCTL_ID_UNKNOWN, .busy = s->gi_busy[i],
		});
	}
	return push_creates(out) && ok;
}

/* "GI 1 (3g.40gb), CI 0 of GI 2 (1c.3g.40gb)": the busy instances the
 * plan destroys. */
static void busy_list(const struct migctl_gpu_model *m, const struct migctl_transition *out,
		      char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < out->n_steps && n < len; i++) {
		const struct migctl_step *st = &out->steps[i];
		const struct migctl_gi_profile *gp = &m->gi[st->gi_profile];
		int w;
		if (!st->busy)
			continue;
		if (st->kind == MIGCTL_STEP_DESTROY_GI)
			w = snprintf(buf + n, len - n, "%sGI %u (%s)", n ? ", " : "",
				     st->gi_id, gp->name);
		else
			w = snprintf(buf + n, len - n, "%sCI %u of GI %u (%s)", n ? ", " : "",
				     st->ci_id, st->gi_id, gp->ci[st->ci_profile].name);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* MIGCTL_ERR_BUSY naming the busy instances `out` destroys. */
static enum migctl_err fail_busy(const struct migctl_gpu_model *m,
				 const struct migctl_transition *out, struct migctl_error *err)
{
	char list[400];

	busy_list(m, out, list, sizeof(list));
	return migctl_fail(err, MIGCTL_ERR_BUSY,
			   "the target needs busy instances destroyed: %s; stop their processes first, or force",
			   list);
}

/* --- exact targets (every GI pinned with its CIs) ------------------------- */

static bool exact_target(const struct migctl_gpu_target *t)
{
	if (t->exact)
		return true;
	for (size_t q = 0; q < t->n_pins; q++)
		if (t->pins[q].n_cis > 0)
			return true;
	return false;
}

/* The pins of an exact target form a valid layout and are its items. */
static enum migctl_err check_exact(const struct migctl_gpu_model *m,
				   const struct migctl_gpu_target *t, struct migctl_error *err)
{
	struct migctl_gpu_target pinned = {0};
	struct migctl_slot gis[MAXG];
	struct migctl_grid grid;
	char b[32];

	migctl_grid_of_model(&grid, m);
	for (size_t q = 0; q < t->n_pins; q++) {
		const struct migctl_target_pin *pin = &t->pins[q];
		const struct migctl_gi_profile *gp = &m->gi[pin->gi];
		struct migctl_slot cis[MAXC];
		struct migctl_grid cig;

		fmt_placement(b, sizeof(b), pin->placement);
		if ((pin->n_cis == 0 && !t->exact) || pin->n_cis > MAXC)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "pin %s at %s: an exact target pins 1 to %d CIs in every GI",
					   gp->name, b, MAXC);
		if (!migctl_grid_can_place(&grid, gis, q, pin->gi, pin->placement))
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "%s cannot go at %s next to the other pinned GIs", gp->name, b);
		gis[q] = (struct migctl_slot){pin->gi, pin->placement};
		migctl_grid_of_gi(&cig, gp);
		for (size_t c = 0; c < pin->n_cis; c++) {
			const struct migctl_target_ci_pin *cp = &pin->cis[c];
			if (cp->ci >= gp->n_ci)
				return migctl_fail(err, MIGCTL_ERR_USAGE,
						   "pin %s at %s: CI profile index %zu is not a CI profile of it",
						   gp->name, b, cp->ci);
			if (!migctl_grid_can_place(&cig, cis, c, cp->ci, cp->placement)) {
				char cb[32];
				fmt_placement(cb, sizeof(cb), cp->placement);
				return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
						   "%s cannot go at %s in the %s at %s next to its other CIs",
						   gp->ci[cp->ci].name, cb, gp->name, b);
			}
			cis[c] = (struct migctl_slot){cp->ci, cp->placement};
			if (migctl_target_add(&pinned, pin->gi, cp->ci, 1, err))
				return MIGCTL_ERR_USAGE;
		}
	}
	/* Same (GI, CI) counts both ways. */
	for (int pass = 0; pass < 2; pass++) {
		const struct migctl_gpu_target *a = pass ? &pinned : t, *o = pass ? t : &pinned;
		for (size_t i = 0; i < a->n_items; i++) {
			unsigned got = 0;
			for (size_t j = 0; j < o->n_items; j++)
				if (o->items[j].gi == a->items[i].gi && o->items[j].ci == a->items[i].ci)
					got += o->items[j].count;
			if (got != a->items[i].count)
				return migctl_fail(err, MIGCTL_ERR_USAGE,
						   "an exact target's pinned CIs differ from its counts (%s)",
						   m->gi[a->items[i].gi].ci[a->items[i].ci].name);
		}
	}
	return MIGCTL_ERR_OK;
}

/* Why a GI at `p` (and its CIs) goes: a pinned GI overlaps it, or none. */
static enum migctl_step_reason exact_gi_reason(const struct migctl_gpu_target *t,
					       struct migctl_placement p)
{
	for (size_t k = 0; k < t->n_pins; k++)
		if (overlaps(t->pins[k].placement, p))
			return MIGCTL_REASON_CONFLICT;
	return MIGCTL_REASON_NOT_WANTED;
}

/* Why a CI at `p` of a kept GI goes: a pinned CI overlaps it, or none. */
static enum migctl_step_reason exact_ci_reason(const struct migctl_target_pin *pin,
					       struct migctl_placement p)
{
	for (size_t k = 0; k < pin->n_cis; k++)
		if (overlaps(pin->cis[k].placement, p))
			return MIGCTL_REASON_CONFLICT;
	return MIGCTL_REASON_NOT_WANTED;
}

/* The transition to an exact target: keep every GI and CI that the final
 * layout has at the same place, destroy the others, create the rest. */
static enum migctl_err exact_plan(const struct migctl_gpu_model *m,
				  const struct migctl_layout *cur,
				  const struct migctl_gpu_target *t, bool allow_busy,
				  struct migctl_transition *out, struct migctl_error *err)
{
	long match[MAXG];            /* current GI -> pin, or -1 */
	uint32_t ci_kept[MAXG] = {0}; /* current GI -> its CIs that stay */
	bool ok = true;
	enum migctl_err rc = check_exact(m, t, err);

	if (rc)
		return rc;
	for (size_t i = 0; i < cur->n_gis; i++) {
		match[i] = -1;
		for (size_t q = 0; q < t->n_pins && match[i] < 0; q++)
			if (t->pins[q].gi == cur->gis[i].profile &&
			    migctl_placement_equal(t->pins[q].placement, cur->gis[i].placement))
				match[i] = (long)q;
	}
	for (size_t q = 0; q < t->n_pins; q++) {
		const struct migctl_target_pin *pin = &t->pins[q];
		struct migctl_layout_gi *o = &out->final.gis[out->final.n_gis++];
		const struct migctl_layout_gi *cg = NULL;
		size_t from = 0;
		for (size_t i = 0; i < cur->n_gis && !cg; i++)
			if (match[i] == (long)q)
				cg = &cur->gis[from = i];
		*o = (struct migctl_layout_gi){.profile = pin->gi, .placement = pin->placement,
					       .id = cg ? cg->id : MIGCTL_ID_UNKNOWN,
					       .busy = cg && cg->busy, .n_cis = pin->n_cis};
		out->kept += cg != NULL;
		out->created += cg == NULL;
		long kept[MAXC];
		migctl_pin_match_cis(cg, pin, kept);
		for (size_t c = 0; c < pin->n_cis; c++) {
			if (kept[c] >= 0)
				ci_kept[from] |= UINT32_C(1) << kept[c];
			final_ci(out, o, c, pin->cis[c].ci, pin->cis[c].placement,
				 kept[c] >= 0 ? &cg->cis[kept[c]] : NULL);
		}
	}
	out->free_capacity = migctl_layout_free_capacity(m, &out->final);

	/* Steps in the executor's order, as emit() writes them. */
	for (int kept = 0; kept < 2; kept++)
		for (size_t i = 0; i < cur->n_gis; i++) {
			const struct migctl_layout_gi *cg = &cur->gis[i];
			if ((match[i] >= 0) != kept)
				continue;
			for (size_t c = 0; c < cg->n_cis; c++)
				if (!(ci_kept[i] & (UINT32_C(1) << c)))
					ok &= push(out, ci_destroy_step(cg, &cg->cis[c],
						kept ? exact_ci_reason(&t->pins[match[i]], cg->cis[c].placement)
						     : exact_gi_reason(t, cg->placement)));
		}
	for (size_t i = 0; i < cur->n_gis; i++) {
		const struct migctl_layout_gi *cg = &cur->gis[i];
		bool busy = cg->busy;
		if (match[i] >= 0)
			continue;
		for (size_t c = 0; c < cg->n_cis; c++)
			busy |= cg->cis[c].busy;
		ok &= push(out, (struct migctl_step){
			.kind = MIGCTL_STEP_DESTROY_GI,
			.reason = exact_gi_reason(t, cg->placement),
			.gi_profile = cg->profile, .gi_placement = cg->placement,
			.gi_id = cg->id, .ci_id = MIGCTL_ID_UNKNOWN, .busy = busy,
		});
	}
	if (!push_creates(out) || !ok)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "the transition needs more than %d steps",
				   MIGCTL_TRANSITION_MAX_STEPS);
	for (size_t s = 0; s < out->n_steps; s++) {
		const struct migctl_step *st = &out->steps[s];
		if (st->kind == MIGCTL_STEP_DESTROY_CI || st->kind == MIGCTL_STEP_DESTROY_GI) {
			out->destroyed++;
			out->destroyed_busy += st->busy;
		}
	}
	return out->destroyed_busy > 0 && !allow_busy ? fail_busy(m, out, err) : MIGCTL_ERR_OK;
}

enum migctl_err migctl_transition_plan(const struct migctl_gpu_model *model,
				       const struct migctl_layout *current,
				       const struct migctl_gpu_target *target,
				       bool allow_busy,
				       struct migctl_transition *out,
				       struct migctl_error *err)
{
	struct search s;
	struct demand want;
	enum migctl_err rc;

	memset(out, 0, sizeof(*out));
	rc = check_inputs(model, current, target, err);
	if (rc)
		return rc;
	if (target->mig_enabled && exact_target(target))
		return exact_plan(model, current, target, allow_busy, out, err);
	if (!build_demand(model, target, &want, err))
		return MIGCTL_ERR_INFEASIBLE;

	memset(&s, 0, sizeof(s));
	s.model = model;
	s.cur = current;
	s.want = &want;
	migctl_grid_of_model(&s.grid, model);
	for (size_t i = 0; i < current->n_gis; i++) {
		const struct migctl_layout_gi *cg = &current->gis[i];
		s.gi_busy[i] = cg->busy;
		for (size_t c = 0; c < cg->n_cis; c++)
			s.gi_busy[i] |= cg->cis[c].busy;
	}

	/* A pin on a profile the target asks no CIs of can never hold a CI
	 * (complete() only builds GIs of asked profiles). */
	for (size_t q = 0; q < want.n_pins; q++)
		if (want.per_gi[want.pins[q].gi] == 0)
			return diagnose(model, &want, err);
	migctl_transition_search(&s, allow_busy);
	bool forced = false;
	if (!s.found && !allow_busy) {
		migctl_transition_search(&s, true);
		forced = s.found;
	}
	if (!s.found)
		return diagnose(model, &want, err);
	if (!emit(&s, out))
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "the transition needs more than %d steps",
				   MIGCTL_TRANSITION_MAX_STEPS);
	return forced ? fail_busy(model, out, err) : MIGCTL_ERR_OK;
}
