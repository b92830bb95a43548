/* migctl — the minimal transition between two layouts of one GPU
 * (migctl_transition_plan, include/migctl/layout.h).
 *
 * Method. Every current GI gets a "fate": destroyed, or kept with a chosen
 * subset of its CIs (the others are destroyed inside it). A fate fixes the
 * cost of a transition (destroyed instances, busy ones among them); what
 * is left is to complete the kept instances into a layout that satisfies
 * the target with the most free capacity. The fates are searched
 * exhaustively by depth-first search with branch and bound on (destroyed,
 * busy destroyed): a kept GI must have a profile the target asks for, must
 * not overlap a pin it is not exactly, and may keep only CIs of (GI, CI)
 * pairs the target still needs; the cheapest options are tried first, so
 * the bound bites early. Equal-cost fates are all completed, because they
 * can differ in free capacity.
 *
 * Completing one fate, per GI profile p (profiles are independent at the
 * CI level, since a CI never leaves its GI):
 *   1. the CIs still missing for p are distributed over the free room of
 *      the kept GIs of p and over N new GIs of p, with the smallest N that
 *      works and is at least the number of p's pins no kept GI covers;
 *      every GI, kept or new, must end up with a CI. The distribution is
 *      an exhaustive search over CI-to-GI assignments (identical CIs in
 *      non-decreasing GI order, new GIs opened in order) with exact CI
 *      placement feasibility from migctl_grid_fit, so "no N works" is a
 *      proof. The smallest N is optimal: new GIs of one profile are
 *      interchangeable, and dropping an unpinned GI from a valid GI layout
 *      leaves a valid one with at least as much free capacity.
 *   2. the new GIs are placed next to the kept ones, pinned ones at their
 *      pins, the others by exhaustive search over free placements (equal
 *      profiles in increasing start order) for the most free capacity.
 * So the result is exact for every target, whole-GI or partial CIs: no
 * layout satisfying the target is reachable with fewer destroyed
 * instances, fewer busy ones at that cost, or more free capacity at
 * those. Ties go to the layout whose GIs, sorted by start, compare lowest
 * by (start, size, profile); among layouts with the same GIs the first
 * found wins (kept GIs are filled before new ones, CIs take the lowest
 * placements migctl_grid_fit finds). The search is exponential in the
 * number of current GIs and CIs in principle; on real GPUs (at most 7 or 8
 * GIs, 8 units) it takes well under a millisecond to a few milliseconds.
 *
 * Exact targets (every GI pinned with its CIs: checkpoints) skip the
 * search: the final layout is given, and exact_plan() keeps what already
 * matches it, which is optimal by definition.
 *
 * A layout in which a destroyed GI comes back with the same profile at the
 * same placement is never chosen: keeping that GI (and destroying only its
 * CIs) reaches the same layout for one less destroyed instance.
 *
 * Busy instances. A GI is busy when its flag says so or one of its CIs is
 * busy. With allow_busy false the search first runs without any option
 * that destroys a busy instance; if that finds nothing, it runs again with
 * them, and the best of those transitions is returned with
 * MIGCTL_ERR_BUSY. The same search with everything allowed always
 * includes "destroy everything", so finding nothing at all means the
 * target does not fit even on an empty GPU: MIGCTL_ERR_INFEASIBLE, with a
 * diagnosis of why (pins, counts over a profile's limit, compute slices).
 *
 * Reasons in the steps:
 *   - a destroyed GI (and every CI in it): CONFLICT when a new GI of the
 *     final layout overlaps its placement; otherwise REGROUP when the final
 *     layout creates a GI of the same profile elsewhere (its CIs are
 *     regrouped there); otherwise NOT_WANTED. (An optimal plan has no GI
 *     REGROUP: keeping that GI instead of the new one would cost one
 *     instance less. The reason is kept for plans built by others.)
 *   - a CI destroyed inside a kept GI: REGROUP when the final layout
 *     creates a CI of the same (GI, CI) profile pair (it moves, to make
 *     room for others); otherwise NOT_WANTED (surplus, or a pair the target
 *     no longer asks for).
 *
 * The final layout lists GIs by placement start and, in each GI, CIs by
 * placement start; kept instances keep their IDs and busy flags, new ones
 * have MIGCTL_ID_UNKNOWN.
 */
#include <stdint.h>
#include <string.h>

#include "transition_impl.h"

/* --- small helpers ----------------------------------------------------- */

static int slot_cmp(const struct migctl_slot *a, const struct migctl_slot *b)
{
	if (a->placement.start != b->placement.start)
		return a->placement.start < b->placement.start ? -1 : 1;
	if (a->placement.size != b->placement.size)
		return a->placement.size < b->placement.size ? -1 : 1;
	if (a->profile != b->profile)
		return a->profile < b->profile ? -1 : 1;
	return 0;
}

static void sort_slots(struct migctl_slot *s, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && slot_cmp(&s[j - 1], &s[j]) > 0; j--) {
			struct migctl_slot t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
}

/* The tie-break order of GI layouts: sorted by start, lexicographic by
 * (start, size, profile); a prefix is lower. Inputs must be sorted. */
static int layout_key_cmp(const struct migctl_slot *a, size_t na,
			  const struct migctl_slot *b, size_t nb)
{
	for (size_t i = 0; i < na && i < nb; i++) {
		int c = slot_cmp(&a[i], &b[i]);
		if (c)
			return c;
	}
	return na < nb ? -1 : na > nb;
}

static unsigned capacity(const struct migctl_grid *grid,
			 const struct migctl_slot *slots, size_t n)
{
	unsigned total = 0;
	for (size_t q = 0; q < grid->n_profiles; q++)
		total += migctl_grid_remaining_capacity(grid, slots, n, q);
	return total;
}

static void plan_slots(const struct plan *pl, struct migctl_slot *out)
{
	for (size_t i = 0; i < pl->n_gis; i++)
		out[i] = (struct migctl_slot){pl->gis[i].profile, pl->gis[i].placement};
}

/* Whether plan a beats plan b by the objective. */
static bool plan_better(const struct plan *a, const struct plan *b)
{
	struct migctl_slot sa[MAXG], sb[MAXG];

	if (a->cost != b->cost)
		return a->cost < b->cost;
	if (a->busy != b->busy)
		return a->busy < b->busy;
	if (a->cap != b->cap)
		return a->cap > b->cap;
	plan_slots(a, sa);
	plan_slots(b, sb);
	return layout_key_cmp(sa, a->n_gis, sb, b->n_gis) < 0;
}

/* --- step 1: distribute missing CIs over GIs of one profile ------------- */

static bool bin_fits(const struct distrib *d, size_t b)
{
	struct migctl_placement out[MAXC];
	if (d->n_fixed[b] + d->n_bin_items[b] > MAXC)
		return false;
	return migctl_grid_fit(&d->cig, d->fixed[b], d->n_fixed[b],
			       d->bin_items[b], d->n_bin_items[b], out) == MIGCTL_ERR_OK;
}

static size_t empty_bins(const struct distrib *d)
{
	size_t e = 0;
	for (size_t b = 0; b < d->n_bins; b++)
		e += d->n_fixed[b] + d->n_bin_items[b] == 0;
	return e;
}

static bool distrib_dfs(struct distrib *d, size_t k)
{
	/* Every GI needs a CI: the items left must cover the empty bins. */
	if (empty_bins(d) > d->n_items - k)
		return false;
	if (k == d->n_items)
		return true;
	/* Identical items are interchangeable: non-decreasing bins. */
	size_t from = k > 0 && d->items[k - 1] == d->items[k] ? d->assign[k - 1] : 0;
	for (size_t b = from; b < d->n_bins; b++) {
		/* Empty new GIs are interchangeable: open them in order. */
		if (b > d->n_kept && d->n_bin_items[b] == 0 && d->n_bin_items[b - 1] == 0)
			break;
		if (d->n_bin_items[b] >= MAXC)
			continue;
		d->bin_items[b][d->n_bin_items[b]++] = d->items[k];
		d->assign[k] = b;
		if (bin_fits(d, b) && distrib_dfs(d, k + 1))
			return true;
		d->n_bin_items[b]--;
	}
	return false;
}

/* Load the missing CIs of GI profile p (counts in `missing`) as items. */
bool migctl_transition_distrib_items(struct distrib *d, const struct migctl_gi_profile *gi,
				     const unsigned *missing)
{
	d->n_items = 0;
	/* Largest CIs first: they have the fewest options. */
	for (size_t pass = 0; pass < gi->n_ci; pass++) {
		size_t best = SIZE_MAX;
		for (size_t c = 0; c < gi->n_ci; c++) {
			bool done = false;
			for (size_t i = 0; i < d->n_items && !done; i++)
				done = d->items[i] == c;
			if (done || missing[c] == 0)
				continue;
			if (best == SIZE_MAX || gi->ci[c].slices > gi->ci[best].slices)
				best = c;
		}
		if (best == SIZE_MAX)
			break;
		if (d->n_items + missing[best] > MAX_ITEMS)
			return false;
		for (unsigned i = 0; i < missing[best]; i++)
			d->items[d->n_items++] = best;
	}
	return true;
}

/* The smallest number of new GIs, in [lo, hi], that holds the items next
 * to the kept bins already loaded; SIZE_MAX if none. On success `d` holds
 * the assignment. */
size_t migctl_transition_distrib_min_new(struct distrib *d, size_t lo, size_t hi)
{
	for (size_t n = lo; n <= hi && d->n_kept + n <= MAXG; n++) {
		d->n_bins = d->n_kept + n;
		for (size_t b = 0; b < d->n_bins; b++)
			d->n_bin_items[b] = 0;
		for (size_t b = d->n_kept; b < d->n_bins; b++)
			d->n_fixed[b] = 0;
		if (distrib_dfs(d, 0))
			return n;
	}
	return SIZE_MAX;
}

/* --- step 2: place new GIs ---------------------------------------------- */

struct gi_place {
	const struct migctl_grid *grid;
	struct migctl_slot slots[MAXG]; /* fixed, then the chosen ones */
	size_t n_fixed;
	size_t want[MAXG];            /* profiles to place, largest first */
	size_t n_want;
	bool found;
	unsigned best_cap;
	struct migctl_slot best[MAXG]; /* sorted by start */
};

static void place_dfs(struct gi_place *g, size_t k)
{
	size_t n = g->n_fixed + k;

	if (k == g->n_want) {
		struct migctl_slot sorted[MAXG];
		unsigned cap = capacity(g->grid, g->slots, n);
		memcpy(sorted, g->slots, n * sizeof(*sorted));
		sort_slots(sorted, n);
		if (!g->found || cap > g->best_cap ||
		    (cap == g->best_cap && layout_key_cmp(sorted, n, g->best, n) < 0)) {
			g->found = true;
			g->best_cap = cap;
			memcpy(g->best, sorted, n * sizeof(*sorted));
		}
		return;
	}
	size_t p = g->want[k];
	struct migctl_placement free_pl[MIGCTL_MAX_UNITS];
	size_t nf = migctl_grid_free_placements(g->grid, g->slots, n, p, free_pl,
						MIGCTL_MAX_UNITS);
	/* Equal profiles in increasing start order: each set once. */
	bool chained = k > 0 && g->want[k - 1] == p;
	unsigned after = chained ? g->slots[n - 1].placement.start : 0;
	for (size_t i = 0; i < nf && i < MIGCTL_MAX_UNITS; i++) {
		if (chained && free_pl[i].start <= after)
			continue;
		g->slots[n] = (struct migctl_slot){p, free_pl[i]};
		place_dfs(g, k + 1);
	}
}

/* --- completing one fate ----------------------------------------------- */

/* The new GIs of a completion, before placement: profile, CI profiles,
 * and the pin of each pinned one. */
struct new_gis {
	size_t profile[MAXG];
	size_t cis[MAXG][MAXC];
	size_t n_cis[MAXG];
	bool pinned[MAXG];
	struct migctl_placement pin[MAXG];
	size_t n;
};

/* The kept GIs with their kept CIs, into pl->gis. */
static void keep_fated(const struct search *s, struct plan *pl)
{
	const struct migctl_layout *cur = s->cur;

	for (size_t i = 0; i < cur->n_gis; i++) {
		const struct migctl_layout_gi *cg = &cur->gis[i];
		if (!s->fate[i].keep)
			continue;
		struct fgi *f = &pl->gis[pl->n_gis++];
		f->profile = cg->profile;
		f->placement = cg->placement;
		f->from = (int)i;
		for (size_t c = 0; c < cg->n_cis; c++)
			if (s->fate[i].ci_keep & (UINT32_C(1) << c)) {
				f->cis[f->n_cis] = (struct migctl_slot){cg->cis[c].profile,
									 cg->cis[c].placement};
				f->ci_from[f->n_cis++] = (int)c;
			}
	}
}

/* Step 1 for GI profile p: its missing CIs go to the free room of its
 * kept GIs (the first n_kept_gis of pl->gis get theirs at once) and to
 * the fewest new GIs, which are added to `nw`. False if they cannot. */
static bool distribute_profile(const struct search *s, struct plan *pl, size_t n_kept_gis,
			       size_t p, struct new_gis *nw)
{
	const struct demand *w = s->want;
	const struct migctl_gi_profile *gp = &s->model->gi[p];
	unsigned missing[MAXP];
	size_t kept_idx[MAXG];
	struct migctl_placement pin_pl[MAXG];
	size_t pins_new = 0;
	struct distrib d;

	for (size_t c = 0; c < gp->n_ci; c++)
		missing[c] = w->n[p][c] - s->kept_pair[p][c];
	migctl_grid_of_gi(&d.cig, gp);
	if (!migctl_transition_distrib_items(&d, gp, missing))
		return false;
	d.n_kept = 0;
	for (size_t k = 0; k < n_kept_gis; k++) {
		const struct fgi *f = &pl->gis[k];
		if (f->profile != p)
			continue;
		kept_idx[d.n_kept] = k;
		memcpy(d.fixed[d.n_kept], f->cis, f->n_cis * sizeof(f->cis[0]));
		d.n_fixed[d.n_kept] = f->n_cis;
		d.n_kept++;
	}
	for (size_t q = 0; q < w->n_pins; q++) {
		bool covered = false;
		if (w->pins[q].gi != p)
			continue;
		for (size_t k = 0; k < n_kept_gis; k++)
			covered |= pl->gis[k].profile == p &&
				   migctl_placement_equal(pl->gis[k].placement, w->pins[q].placement);
		if (!covered)
			pin_pl[pins_new++] = w->pins[q].placement;
	}
	size_t hi = d.n_items;
	if (gp->max < s->kept_gis[p])
		return false;
	if (hi > gp->max - s->kept_gis[p])
		hi = gp->max - s->kept_gis[p];
	size_t n = migctl_transition_distrib_min_new(&d, pins_new, hi);
	if (n == SIZE_MAX || n_kept_gis + nw->n + n > MAXG)
		return false;
	/* Kept GIs get their new CIs. */
	for (size_t b = 0; b < d.n_kept; b++) {
		struct fgi *f = &pl->gis[kept_idx[b]];
		for (size_t j = 0; j < d.n_bin_items[b]; j++) {
			f->cis[f->n_cis] = (struct migctl_slot){d.bin_items[b][j], {0, 0}};
			f->ci_from[f->n_cis++] = -1;
		}
	}
	for (size_t b = d.n_kept; b < d.n_bins; b++) {
		size_t j = nw->n++;
		nw->profile[j] = p;
		memcpy(nw->cis[j], d.bin_items[b], d.n_bin_items[b] * sizeof(size_t));
		nw->n_cis[j] = d.n_bin_items[b];
		nw->pinned[j] = b - d.n_kept < pins_new;
		if (nw->pinned[j])
			nw->pin[j] = pin_pl[b - d.n_kept];
	}
	return true;
}

/* Step 2: place the new GIs next to the kept ones, pinned ones at their
 * pins, the others for the most free capacity (the layout in g->best).
 * False if they do not fit, or cannot beat the best completion found. */
static bool place_new_gis(const struct search *s, const struct plan *pl, size_t n_kept_gis,
			  const struct new_gis *nw, struct gi_place *g)
{
	const struct migctl_gpu_model *m = s->model;

	memset(g, 0, sizeof(*g));
	g->grid = &s->grid;
	for (size_t k = 0; k < n_kept_gis; k++)
		g->slots[g->n_fixed++] = (struct migctl_slot){pl->gis[k].profile,
							       pl->gis[k].placement};
	for (size_t j = 0; j < nw->n; j++) {
		if (!nw->pinned[j])
			continue;
		if (!migctl_grid_can_place(g->grid, g->slots, g->n_fixed, nw->profile[j], nw->pin[j]))
			return false;
		g->slots[g->n_fixed++] = (struct migctl_slot){nw->profile[j], nw->pin[j]};
	}
	/* Equal-cost fates only compete on capacity: skip one that cannot
	 * reach the best one's (more GIs never add capacity). */
	if (s->found && s->best.cost == pl->cost && s->best.busy == pl->busy &&
	    capacity(g->grid, g->slots, g->n_fixed) < s->best.cap)
		return false;
	for (size_t j = 0; j < nw->n; j++) {
		if (nw->pinned[j])
			continue;
		/* Largest first, then by profile, so equal profiles chain. */
		size_t k = g->n_want++;
		g->want[k] = nw->profile[j];
		while (k > 0) {
			size_t a = g->want[k - 1], b = g->want[k];
			unsigned sa = m->gi[a].placements.size, sb = m->gi[b].placements.size;
			if (sa > sb || (sa == sb && a <= b))
				break;
			g->want[k - 1] = b;
			g->want[k] = a;
			k--;
		}
	}
	place_dfs(g, 0);
	return g->found;
}

/* Add the new GIs to pl->gis: each (by profile; pinned ones keep their
 * pins) takes a placement of the chosen layout that no kept or pinned GI
 * holds. */
static void add_new_gis(struct plan *pl, size_t n_kept_gis, const struct new_gis *nw,
			const struct gi_place *g)
{
	bool used[MAXG] = {false};
	size_t n_total = n_kept_gis + nw->n;

	for (size_t k = 0; k < n_total; k++) {
		for (size_t i = 0; i < n_kept_gis; i++)
			if (!used[k] && pl->gis[i].profile == g->best[k].profile &&
			    migctl_placement_equal(pl->gis[i].placement, g->best[k].placement))
				used[k] = true;
		for (size_t j = 0; j < nw->n; j++)
			if (!used[k] && nw->pinned[j] && nw->profile[j] == g->best[k].profile &&
			    migctl_placement_equal(nw->pin[j], g->best[k].placement))
				used[k] = true;
	}
	for (size_t j = 0; j < nw->n; j++) {
		struct fgi *f = &pl->gis[pl->n_gis++];
		f->profile = nw->profile[j];
		f->from = -1;
		if (nw->pinned[j]) {
			f->placement = nw->pin[j];
		} else {
			for (size_t k = 0; k < n_total; k++)
				if (!used[k] && g->best[k].profile == nw->profile[j]) {
					used[k] = true;
					f->placement = g->best[k].placement;
					break;
				}
		}
		for (size_t c = 0; c < nw->n_cis[j]; c++) {
			f->cis[c] = (struct migctl_slot){nw->cis[j][c], {0, 0}};
			f->ci_from[c] = -1;
		}
		f->n_cis = nw->n_cis[j];
	}
}

/* CI placements of new CIs: the engine's first fit next to the kept
 * ones (feasible: the distribution checked it). */
static bool place_new_cis(const struct migctl_gpu_model *m, struct plan *pl)
{
	for (size_t i = 0; i < pl->n_gis; i++) {
		struct fgi *f = &pl->gis[i];
		struct migctl_grid cig;
		struct migctl_slot fixed[MAXC];
		size_t wantc[MAXC], idx[MAXC], nf = 0, nw = 0;
		struct migctl_placement out[MAXC];

		migctl_grid_of_gi(&cig, &m->gi[f->profile]);
		for (size_t c = 0; c < f->n_cis; c++) {
			if (f->ci_from[c] >= 0) {
				fixed[nf++] = f->cis[c];
			} else {
				idx[nw] = c;
				wantc[nw++] = f->cis[c].profile;
			}
		}
		if (nw == 0)
			continue;
		if (migctl_grid_fit(&cig, fixed, nf, wantc, nw, out) != MIGCTL_ERR_OK)
			return false; /* cannot happen */
		for (size_t j = 0; j < nw; j++)
			f->cis[idx[j]].placement = out[j];
	}
	return true;
}

/* Sort GIs by start and CIs in each GI by start. */
static void sort_final(struct plan *pl)
{
	for (size_t i = 1; i < pl->n_gis; i++)
		for (size_t j = i; j > 0 &&
		     pl->gis[j - 1].placement.start > pl->gis[j].placement.start; j--) {
			struct fgi t = pl->gis[j];
			pl->gis[j] = pl->gis[j - 1];
			pl->gis[j - 1] = t;
		}
	for (size_t i = 0; i < pl->n_gis; i++) {
		struct fgi *f = &pl->gis[i];
		for (size_t a = 1; a < f->n_cis; a++)
			for (size_t b = a; b > 0 &&
			     f->cis[b - 1].placement.start > f->cis[b].placement.start; b--) {
				struct migctl_slot t = f->cis[b];
				int tf = f->ci_from[b];
				f->cis[b] = f->cis[b - 1];
				f->ci_from[b] = f->ci_from[b - 1];
				f->cis[b - 1] = t;
				f->ci_from[b - 1] = tf;
			}
	}
}

/* Build the best final layout for the current fate into s->scratch;
 * false if the fate cannot be completed. */
static bool complete(struct search *s)
{
	struct plan *pl = &s->scratch;
	struct new_gis nw;
	struct gi_place g;

	memset(pl, 0, sizeof(*pl));
	memcpy(pl->fate, s->fate, sizeof(pl->fate));
	pl->cost = s->cost;
	pl->busy = s->busy;
	keep_fated(s, pl);
	size_t n_kept_gis = pl->n_gis;
	nw.n = 0;
	for (size_t p = 0; p < s->model->n_gi; p++) {
		/* Kept GIs only have wanted profiles. */
		if (s->want->per_gi[p] && !distribute_profile(s, pl, n_kept_gis, p, &nw))
			return false;
	}
	if (!place_new_gis(s, pl, n_kept_gis, &nw, &g))
		return false;
	pl->cap = g.best_cap;
	add_new_gis(pl, n_kept_gis, &nw, &g);
	if (!place_new_cis(s->model, pl))
		return false;
	sort_final(pl);
	return true;
}

/* --- the search over fates --------------------------------------------- */

/* Whether a current GI may be kept at all (ignoring cost). */
static bool keepable(const struct search *s, size_t i)
{
	const struct migctl_layout_gi *cg = &s->cur->gis[i];
	if (s->want->per_gi[cg->profile] == 0)
		return false;
	for (size_t q = 0; q < s->want->n_pins; q++) {
		const struct migctl_target_pin *pin = &s->want->pins[q];
		if (overlaps(pin->placement, cg->placement) &&
		    !(pin->gi == cg->profile && migctl_placement_equal(pin->placement, cg->placement)))
			return false;
	}
	return true;
}

/* Whether the partial cost already loses to the best plan. */
static bool bound_exceeded(const struct search *s, unsigned cost, unsigned busy)
{
	if (!s->found)
		return false;
	if (cost != s->best.cost)
		return cost > s->best.cost;
	return busy > s->best.busy;
}

static void consider(struct search *s)
{
	if (!complete(s))
		return;
	if (!s->found || plan_better(&s->scratch, &s->best)) {
		s->best = s->scratch;
		s->found = true;
	}
}

static void fate_dfs(struct search *s, size_t i)
{
	const struct migctl_layout *cur = s->cur;

	if (bound_exceeded(s, s->cost + s->floor_suffix[i], s->busy))
		return;
	if (i == cur->n_gis) {
		consider(s);
		return;
	}
	const struct migctl_layout_gi *cg = &cur->gis[i];
	size_t p = cg->profile;

	if (keepable(s, i) && s->kept_gis[p] < s->want->per_gi[p]) {
		uint32_t wanted = 0, busy_cis = 0;
		for (size_t c = 0; c < cg->n_cis; c++) {
			if (s->want->n[p][cg->cis[c].profile] > 0)
				wanted |= UINT32_C(1) << c;
			if (cg->cis[c].busy)
				busy_cis |= UINT32_C(1) << c;
		}
		/* Subsets of the wanted CIs, larger masks first (they tend to
		 * cost less, which tightens the bound early). */
		for (uint32_t sub = wanted;; sub = (sub - 1) & wanted) {
			unsigned cost = 0, busy = 0;
			bool ok = s->busy_ok || !(busy_cis & ~sub);
			for (size_t c = 0; c < cg->n_cis; c++) {
				if (sub & (UINT32_C(1) << c)) {
					s->kept_pair[p][cg->cis[c].profile]++;
				} else {
					cost++;
					busy += cg->cis[c].busy;
				}
			}
			for (size_t c = 0; c < cg->n_cis && ok; c++) {
				size_t ci = cg->cis[c].profile;
				if ((sub & (UINT32_C(1) << c)) && s->kept_pair[p][ci] > s->want->n[p][ci])
					ok = false;
			}
			if (ok) {
				s->fate[i] = (struct fate){true, sub};
				s->kept_gis[p]++;
				s->cost += cost;
				s->busy += busy;
				fate_dfs(s, i + 1);
				s->cost -= cost;
				s->busy -= busy;
				s->kept_gis[p]--;
			}
			for (size_t c = 0; c < cg->n_cis; c++)
				if (sub & (UINT32_C(1) << c))
					s->kept_pair[p][cg->cis[c].profile]--;
			if (sub == 0)
				break;
		}
	}
	if (s->busy_ok || !s->gi_busy[i]) {
		unsigned busy = s->gi_busy[i];
		for (size_t c = 0; c < cg->n_cis; c++)
			busy += cg->cis[c].busy;
		s->fate[i] = (struct fate){false, 0};
		s->cost += 1 + (unsigned)cg->n_cis;
		s->busy += busy;
		fate_dfs(s, i + 1);
		s->cost -= 1 + (unsigned)cg->n_cis;
		s->busy -= busy;
	}
}

void migctl_transition_search(struct search *s, bool busy_ok)
{
	const struct migctl_layout *cur = s->cur;

	s->busy_ok = busy_ok;
	s->found = false;
	s->cost = s->busy = 0;
	memset(s->kept_pair, 0, sizeof(s->kept_pair));
	memset(s->kept_gis, 0, sizeof(s->kept_gis));
	/* Least cost of each GI's fate, for the bound: a GI that cannot be
	 * kept costs 1 + its CIs; a kept one at least its unwanted CIs. */
	s->floor_suffix[cur->n_gis] = 0;
	for (size_t i = cur->n_gis; i-- > 0;) {
		const struct migctl_layout_gi *cg = &cur->gis[i];
		unsigned floor = 1 + (unsigned)cg->n_cis;
		if (keepable(s, i)) {
			floor = 0;
			for (size_t c = 0; c < cg->n_cis; c++)
				floor += s->want->n[cg->profile][cg->cis[c].profile] == 0;
		}
		s->floor_suffix[i] = s->floor_suffix[i + 1] + floor;
	}
	fate_dfs(s, 0);
}

