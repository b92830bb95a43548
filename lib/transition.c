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
#include <stdio.h>
#include <string.h>

#include "migctl/geometry.h"
#include "migctl/layout.h"

#define MAXP MIGCTL_MAX_PROFILES
#define MAXG MIGCTL_LAYOUT_MAX_GIS
#define MAXC MIGCTL_LAYOUT_MAX_CIS
#define MAX_ITEMS (MAXG * MAXC)   /* most CIs a layout can hold */

/* The target, normalised: counts per (GI profile, CI profile), distinct
 * pins. */
struct demand {
	unsigned n[MAXP][MAXP];
	unsigned per_gi[MAXP];        /* CIs asked per GI profile */
	struct migctl_target_pin pins[MAXG];
	size_t n_pins;
};

/* What happens to one current GI. */
struct fate {
	bool keep;
	uint32_t ci_keep;             /* bit c: CI c of the GI stays */
};

/* A GI of a candidate final layout. */
struct fgi {
	size_t profile;
	struct migctl_placement placement;
	int from;                     /* index in the current layout; -1: new */
	struct migctl_slot cis[MAXC];
	int ci_from[MAXC];            /* index in the current GI; -1: new */
	size_t n_cis;
};

struct plan {
	struct fate fate[MAXG];
	unsigned cost, busy, cap;
	struct fgi gis[MAXG];         /* sorted by start */
	size_t n_gis;
};

struct search {
	const struct migctl_gpu_model *model;
	const struct migctl_layout *cur;
	const struct demand *want;
	struct migctl_grid grid;      /* GI grid of the model */
	bool busy_ok;
	bool gi_busy[MAXG];           /* the GI or one of its CIs is busy */
	unsigned floor_suffix[MAXG + 1]; /* least cost of GIs i.. */
	struct fate fate[MAXG];
	unsigned kept_pair[MAXP][MAXP];
	unsigned kept_gis[MAXP];
	unsigned cost, busy;
	bool found;
	struct plan best;
	struct plan scratch;
};

/* --- small helpers ----------------------------------------------------- */

static bool overlaps(struct migctl_placement a, struct migctl_placement b)
{
	return (migctl_placement_mask(a) & migctl_placement_mask(b)) != 0;
}

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

/* One GI profile's CIs to place: the kept GIs of that profile (with their
 * kept CIs fixed) come first as bins, then `n_new` empty new GIs. */
struct distrib {
	struct migctl_grid cig;       /* CI grid of the GI profile */
	size_t n_bins, n_kept;
	struct migctl_slot fixed[MAXG][MAXC];
	size_t n_fixed[MAXG];
	size_t items[MAX_ITEMS];      /* CI profiles to place, largest first */
	size_t n_items;
	size_t assign[MAX_ITEMS];     /* bin of each item */
	size_t bin_items[MAXG][MAXC]; /* CI profiles added to each bin */
	size_t n_bin_items[MAXG];
};

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
static bool distrib_items(struct distrib *d, const struct migctl_gi_profile *gi,
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
static size_t distrib_min_new(struct distrib *d, size_t lo, size_t hi)
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
	if (!distrib_items(&d, gp, missing))
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
	size_t n = distrib_min_new(&d, pins_new, hi);
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

static void search_run(struct search *s, bool busy_ok)
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
		if (!distrib_items(&d, gp, w->n[p]))
			return migctl_fail(err, MIGCTL_ERR_INFEASIBLE,
					   "%u CIs in %s GIs: too many", w->per_gi[p], gp->name);
		need[p] = distrib_min_new(&d, pins, gp->max < MAXG ? gp->max : MAXG);
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
		if (pin->n_cis == 0 || pin->n_cis > MAXC)
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
	search_run(&s, allow_busy);
	bool forced = false;
	if (!s.found && !allow_busy) {
		search_run(&s, true);
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
