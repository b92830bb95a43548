/* Unit tests for migctl_transition_plan (include/migctl/layout.h).
 *
 * The models come from the built-in catalog. Every plan is replayed by a
 * small executor written here, which validates each step the way the
 * driver would (destroy only what exists, a GI only when it is empty,
 * creates only at free valid placements, by the geometry grid) and checks
 * that the steps end in a layout that satisfies the target and equals the
 * plan's `final`, with the plan's counters.
 *
 * The plan's cost is checked against brute-force oracles that share no
 * code with lib/transition.c:
 *
 *   - whole-GI targets: every assignment of the target's GI multiset to
 *     listed placements (unit masks, profile limits, compute slices),
 *     pins checked, destroyed instances counted from the definition;
 *   - partial-CI targets: every placed layout of the model with every
 *     non-empty CI sub-layout in each GI, indexed by the (GI, CI) counts
 *     it holds, so a target's satisfying layouts are looked up directly.
 *
 * For each, the expected result is the lexicographic best (destroyed,
 * busy destroyed, -free capacity) over all satisfying layouts, and over
 * those that destroy nothing busy when busy instances must be spared.
 * The numbers of non-extendable layouts (19 on A100/H100 with the five
 * base profiles) come from reference/planning.md §1.2.
 *
 * It is one file over 1,000 lines because the executor, the oracles and
 * the cases that use them belong together: one test program per library
 * module (lib/transition.c), and none of them is shared elsewhere.
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
#include <time.h>

#include "migctl/catalog.h"
#include "migctl/geometry.h"
#include "migctl/layout.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAXG MIGCTL_LAYOUT_MAX_GIS
#define MAXC MIGCTL_LAYOUT_MAX_CIS
#define UNK MIGCTL_ID_UNKNOWN

static struct migctl_catalog cat;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic, seeded per test. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static unsigned rng_below(uint64_t *s, unsigned n)
{
	return (unsigned)(rng_next(s) % n);
}

static const struct migctl_gpu_model *model(const char *name)
{
	const struct migctl_gpu_model *m = migctl_catalog_find_model(&cat, name, NULL);
	assert_non_null(m);
	return m;
}

static size_t gi_index(const struct migctl_gpu_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_gi; i++)
		if (!strcmp(m->gi[i].name, name))
			return i;
	fail_msg("no GI profile %s", name);
	return 0;
}

static size_t ci_index(const struct migctl_gpu_model *m, size_t gi, const char *name)
{
	for (size_t c = 0; c < m->gi[gi].n_ci; c++)
		if (!strcmp(m->gi[gi].ci[c].name, name))
			return c;
	fail_msg("no CI profile %s", name);
	return 0;
}

static size_t default_ci(const struct migctl_gpu_model *m, size_t gi)
{
	for (size_t c = 0; c < m->gi[gi].n_ci; c++)
		if (m->gi[gi].ci[c].is_default)
			return c;
	fail_msg("no default CI in %s", m->gi[gi].name);
	return 0;
}

/* Bit set of the five base profiles 1g, 2g, 3g, 4g, 7g of the 80 GB
 * parts (reference planning.md §1.2 counts layouts over these); every
 * profile on a model that lacks them. */
static uint32_t base_profiles(const struct migctl_gpu_model *m)
{
	static const char *const names[] = {"1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb",
					    "7g.80gb"};
	uint32_t bits = 0;
	for (size_t i = 0; i < COUNT(names); i++) {
		bool found = false;
		for (size_t p = 0; p < m->n_gi; p++)
			if (!strcmp(m->gi[p].name, names[i])) {
				bits |= UINT32_C(1) << p;
				found = true;
			}
		if (!found)
			return MIGCTL_ALL_PROFILES;
	}
	return bits;
}

/* ------------------------------------------------------------------ */
/* Layout helpers                                                      */
/* ------------------------------------------------------------------ */

static unsigned next_id = 1;

static struct migctl_layout_gi *add_gi(struct migctl_layout *l, size_t p, unsigned start,
				       const struct migctl_gpu_model *m)
{
	struct migctl_layout_gi *g = &l->gis[l->n_gis++];
	memset(g, 0, sizeof(*g));
	g->profile = p;
	g->placement = (struct migctl_placement){start, m->gi[p].placements.size};
	g->id = next_id++;
	return g;
}

static void add_ci(struct migctl_layout_gi *g, size_t c, unsigned start,
		   const struct migctl_gpu_model *m)
{
	struct migctl_layout_ci *ci = &g->cis[g->n_cis];
	ci->profile = c;
	ci->placement = (struct migctl_placement){start, m->gi[g->profile].ci[c].placements.size};
	ci->id = (unsigned)g->n_cis;
	ci->busy = false;
	g->n_cis++;
}

/* Every GI with its default CI at start 0. */
static void layout_from_slots(const struct migctl_gpu_model *m,
			      const struct migctl_slot *s, size_t n,
			      struct migctl_layout *l)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < n; i++) {
		struct migctl_layout_gi *g = add_gi(l, s[i].profile, s[i].placement.start, m);
		add_ci(g, default_ci(m, s[i].profile), 0, m);
	}
}

static void target_of(const struct migctl_layout *l, struct migctl_gpu_target *t)
{
	memset(t, 0, sizeof(*t));
	t->mig_enabled = true;
	for (size_t g = 0; g < l->n_gis; g++)
		for (size_t c = 0; c < l->gis[g].n_cis; c++)
			assert_int_equal(migctl_target_add(t, l->gis[g].profile,
							   l->gis[g].cis[c].profile, 1, NULL), 0);
}

static bool gi_busy(const struct migctl_layout_gi *g)
{
	bool b = g->busy;
	for (size_t c = 0; c < g->n_cis; c++)
		b |= g->cis[c].busy;
	return b;
}

/* ------------------------------------------------------------------ */
/* Executor: replay the steps, validating each                          */
/* ------------------------------------------------------------------ */

static int find_gi(const struct migctl_layout *l, size_t p, struct migctl_placement pl)
{
	for (size_t g = 0; g < l->n_gis; g++)
		if (l->gis[g].profile == p && l->gis[g].placement.start == pl.start &&
		    l->gis[g].placement.size == pl.size)
			return (int)g;
	return -1;
}

static int find_ci(const struct migctl_layout_gi *g, size_t c, struct migctl_placement pl)
{
	for (size_t i = 0; i < g->n_cis; i++)
		if (g->cis[i].profile == c && g->cis[i].placement.start == pl.start &&
		    g->cis[i].placement.size == pl.size)
			return (int)i;
	return -1;
}

static void sort_layout(struct migctl_layout *l)
{
	for (size_t i = 1; i < l->n_gis; i++)
		for (size_t j = i; j > 0 && l->gis[j - 1].placement.start > l->gis[j].placement.start; j--) {
			struct migctl_layout_gi t = l->gis[j];
			l->gis[j] = l->gis[j - 1];
			l->gis[j - 1] = t;
		}
	for (size_t g = 0; g < l->n_gis; g++) {
		struct migctl_layout_gi *gi = &l->gis[g];
		for (size_t i = 1; i < gi->n_cis; i++)
			for (size_t j = i; j > 0 &&
			     gi->cis[j - 1].placement.start > gi->cis[j].placement.start; j--) {
				struct migctl_layout_ci t = gi->cis[j];
				gi->cis[j] = gi->cis[j - 1];
				gi->cis[j - 1] = t;
			}
	}
}

static unsigned instances(const struct migctl_layout *l)
{
	unsigned n = 0;
	for (size_t g = 0; g < l->n_gis; g++)
		n += 1 + (unsigned)l->gis[g].n_cis;
	return n;
}

/* Destroyed instances of `before` -> `after` by the header's definition. */
static void definition_cost(const struct migctl_layout *before,
			    const struct migctl_layout *after, unsigned *d, unsigned *b)
{
	*d = *b = 0;
	for (size_t g = 0; g < before->n_gis; g++) {
		const struct migctl_layout_gi *cg = &before->gis[g];
		int f = find_gi(after, cg->profile, cg->placement);
		if (f < 0) {
			*d += 1 + (unsigned)cg->n_cis;
			*b += gi_busy(cg);
			for (size_t c = 0; c < cg->n_cis; c++)
				*b += cg->cis[c].busy;
			continue;
		}
		for (size_t c = 0; c < cg->n_cis; c++)
			if (find_ci(&after->gis[f], cg->cis[c].profile, cg->cis[c].placement) < 0) {
				*d += 1;
				*b += cg->cis[c].busy;
			}
	}
}

/* Steps of execute(): a create, checked against the working layout `w`
 * (GI `g` of it: the step's, or -1) and done on it. */
static void exec_create_gi(const struct migctl_grid *grid, struct migctl_layout *w, int g,
			   const struct migctl_step *st)
{
	struct migctl_slot slots[MAXG];
	assert_true(g < 0);
	assert_int_equal(st->gi_id, UNK);
	assert_int_equal(st->reason, MIGCTL_REASON_NONE);
	for (size_t k = 0; k < w->n_gis; k++)
		slots[k] = (struct migctl_slot){w->gis[k].profile, w->gis[k].placement};
	assert_true(migctl_grid_can_place(grid, slots, w->n_gis, st->gi_profile,
					  st->gi_placement));
	assert_true(w->n_gis < MAXG);
	struct migctl_layout_gi *n = &w->gis[w->n_gis++];
	memset(n, 0, sizeof(*n));
	n->profile = st->gi_profile;
	n->placement = st->gi_placement;
	n->id = UNK;
}

static void exec_create_ci(const struct migctl_gpu_model *m, struct migctl_layout *w, int g,
			   const struct migctl_step *st)
{
	struct migctl_grid cig;
	struct migctl_slot slots[MAXC];
	assert_true(g >= 0);
	assert_int_equal(w->gis[g].id, st->gi_id);
	assert_int_equal(st->reason, MIGCTL_REASON_NONE);
	migctl_grid_of_gi(&cig, &m->gi[st->gi_profile]);
	for (size_t k = 0; k < w->gis[g].n_cis; k++)
		slots[k] = (struct migctl_slot){w->gis[g].cis[k].profile,
						w->gis[g].cis[k].placement};
	assert_true(migctl_grid_can_place(&cig, slots, w->gis[g].n_cis,
					  st->ci_profile, st->ci_placement));
	assert_true(w->gis[g].n_cis < MAXC);
	w->gis[g].cis[w->gis[g].n_cis++] = (struct migctl_layout_ci){
		st->ci_profile, st->ci_placement, UNK, false};
}

/* `w` and `final` are the same layout, IDs included (sorts `w`). */
static void assert_same_final(struct migctl_layout *w, const struct migctl_layout *final)
{
	struct migctl_layout f = *final;
	sort_layout(w);
	sort_layout(&f);
	assert_int_equal(w->n_gis, f.n_gis);
	for (size_t g = 0; g < w->n_gis; g++) {
		assert_int_equal(w->gis[g].profile, f.gis[g].profile);
		assert_int_equal(w->gis[g].placement.start, f.gis[g].placement.start);
		assert_int_equal(w->gis[g].placement.size, f.gis[g].placement.size);
		assert_int_equal(w->gis[g].id, f.gis[g].id);
		assert_int_equal(w->gis[g].n_cis, f.gis[g].n_cis);
		for (size_t c = 0; c < w->gis[g].n_cis; c++) {
			assert_int_equal(w->gis[g].cis[c].profile, f.gis[g].cis[c].profile);
			assert_int_equal(w->gis[g].cis[c].placement.start, f.gis[g].cis[c].placement.start);
			assert_int_equal(w->gis[g].cis[c].id, f.gis[g].cis[c].id);
		}
	}
}

static void execute(const struct migctl_gpu_model *m, const struct migctl_layout *before,
		    const struct migctl_gpu_target *target, const struct migctl_transition *tr)
{
	struct migctl_layout w = *before;
	struct migctl_grid grid;
	unsigned destroyed = 0, busy = 0, created = 0;
	bool was_busy[MAXG];
	unsigned orig_id[MAXG];

	migctl_grid_of_model(&grid, m);
	for (size_t g = 0; g < w.n_gis; g++) {
		was_busy[g] = gi_busy(&w.gis[g]);
		orig_id[g] = w.gis[g].id;
	}
	for (size_t i = 0; i < tr->n_steps; i++) {
		const struct migctl_step *st = &tr->steps[i];
		if (i > 0)
			assert_true(st->kind >= tr->steps[i - 1].kind);
		int g = find_gi(&w, st->gi_profile, st->gi_placement);
		switch (st->kind) {
		case MIGCTL_STEP_DESTROY_CI: {
			assert_true(g >= 0);
			assert_int_equal(w.gis[g].id, st->gi_id);
			int c = find_ci(&w.gis[g], st->ci_profile, st->ci_placement);
			assert_true(c >= 0);
			assert_int_equal(w.gis[g].cis[c].id, st->ci_id);
			assert_int_equal(w.gis[g].cis[c].busy, st->busy);
			assert_int_not_equal(st->reason, MIGCTL_REASON_NONE);
			w.gis[g].cis[c] = w.gis[g].cis[--w.gis[g].n_cis];
			destroyed++;
			busy += st->busy;
			break;
		}
		case MIGCTL_STEP_DESTROY_GI: {
			assert_true(g >= 0);
			assert_int_equal(w.gis[g].id, st->gi_id);
			assert_int_equal(w.gis[g].n_cis, 0);
			assert_int_not_equal(st->reason, MIGCTL_REASON_NONE);
			int k = find_gi(before, st->gi_profile, st->gi_placement);
			assert_true(k >= 0);
			assert_int_equal(orig_id[k], st->gi_id);
			assert_int_equal(was_busy[k], st->busy);
			w.gis[g] = w.gis[--w.n_gis];
			destroyed++;
			busy += st->busy;
			break;
		}
		case MIGCTL_STEP_CREATE_GI:
			exec_create_gi(&grid, &w, g, st);
			created++;
			break;
		case MIGCTL_STEP_CREATE_CI:
			exec_create_ci(m, &w, g, st);
			created++;
			break;
		default:
			fail_msg("bad step kind %d", (int)st->kind);
		}
	}
	assert_int_equal(destroyed, tr->destroyed);
	assert_int_equal(busy, tr->destroyed_busy);
	assert_int_equal(created, tr->created);
	assert_int_equal(tr->kept + tr->destroyed, instances(before));
	assert_int_equal(tr->kept + tr->created, instances(&w));
	if (target->mig_enabled)
		assert_true(migctl_layout_satisfies(m, &w, target));
	else
		assert_int_equal(w.n_gis, 0);
	assert_int_equal(migctl_layout_free_capacity(m, &w), tr->free_capacity);

	/* The executed layout is the plan's final one, IDs included. */
	assert_same_final(&w, &tr->final);
	/* Nothing is destroyed and made again the same: the counter is the
	 * definition's. */
	unsigned d, b;
	definition_cost(before, &w, &d, &b);
	assert_int_equal(d, tr->destroyed);
	assert_int_equal(b, tr->destroyed_busy);
}

/* ------------------------------------------------------------------ */
/* Oracle results                                                       */
/* ------------------------------------------------------------------ */

struct best {
	bool found;
	unsigned d, b, cap;
};

static void best_offer(struct best *be, unsigned d, unsigned b, unsigned cap)
{
	if (!be->found || d < be->d || (d == be->d && (b < be->b || (b == be->b && cap > be->cap)))) {
		be->found = true;
		be->d = d;
		be->b = b;
		be->cap = cap;
	}
}

/* Whether (d, b) could still match or beat `be` (capacity aside). */
static bool best_reachable(const struct best *be, unsigned d, unsigned b)
{
	return !be->found || d < be->d || (d == be->d && b <= be->b);
}

/* Plan and check against the oracle: all = best over every satisfying
 * layout, spare = best over those that destroy nothing busy. */
static void check_plan(const struct migctl_gpu_model *m, const struct migctl_layout *before,
		       const struct migctl_gpu_target *t, bool allow_busy,
		       const struct best *all, const struct best *spare)
{
	struct migctl_transition *tr = malloc(sizeof(*tr));
	struct migctl_error err = {0};
	assert_non_null(tr);
	enum migctl_err rc = migctl_transition_plan(m, before, t, allow_busy, tr, &err);

	if (!all->found) {
		assert_int_equal(rc, MIGCTL_ERR_INFEASIBLE);
		free(tr);
		return;
	}
	const struct best *want = allow_busy || !spare->found ? all : spare;
	if (!allow_busy && !spare->found) {
		assert_int_equal(rc, MIGCTL_ERR_BUSY);
		assert_true(tr->destroyed_busy > 0);
		/* The message names a busy instance the plan destroys. */
		for (size_t i = 0; i < tr->n_steps; i++)
			if (tr->steps[i].busy) {
				char id[48];
				snprintf(id, sizeof(id), "GI %u", tr->steps[i].gi_id);
				assert_non_null(strstr(err.msg, id));
			}
	} else {
		if (rc != MIGCTL_ERR_OK)
			fail_msg("rc %d: %s", (int)rc, err.msg);
	}
	if (tr->destroyed != want->d || tr->destroyed_busy != want->b ||
	    tr->free_capacity != want->cap)
		fail_msg("plan (%u, %u, %u), oracle (%u, %u, %u)", tr->destroyed,
			 tr->destroyed_busy, tr->free_capacity, want->d, want->b, want->cap);
	if (!allow_busy && rc == MIGCTL_ERR_OK)
		for (size_t i = 0; i < tr->n_steps; i++)
			assert_false(tr->steps[i].busy);
	execute(m, before, t, tr);
	free(tr);
}

/* ------------------------------------------------------------------ */
/* Oracle 1: whole-GI targets, every assignment to placements           */
/* ------------------------------------------------------------------ */

struct wg {
	const struct migctl_gpu_model *m;
	const struct migctl_layout *cur;
	const struct migctl_gpu_target *t;
	size_t want[MAXG];
	size_t n_want;
	struct migctl_slot slots[MAXG];
	uint32_t mask;
	unsigned count[MIGCTL_MAX_PROFILES];
	unsigned slices;
	struct best all, spare;
};

static void wg_eval(struct wg *o)
{
	struct migctl_layout f;
	unsigned d = 0, b = 0;

	for (size_t q = 0; q < o->t->n_pins; q++) {
		bool hit = false;
		for (size_t k = 0; k < o->n_want; k++)
			hit |= o->slots[k].profile == o->t->pins[q].gi &&
			       o->slots[k].placement.start == o->t->pins[q].placement.start;
		if (!hit)
			return;
	}
	for (size_t g = 0; g < o->cur->n_gis; g++) {
		const struct migctl_layout_gi *cg = &o->cur->gis[g];
		bool present = false;
		for (size_t k = 0; k < o->n_want; k++)
			present |= o->slots[k].profile == cg->profile &&
				   o->slots[k].placement.start == cg->placement.start;
		if (!present) {
			d += 1 + (unsigned)cg->n_cis;
			b += gi_busy(cg);
			for (size_t c = 0; c < cg->n_cis; c++)
				b += cg->cis[c].busy;
		} else {
			/* The final GI holds only its default CI at 0. */
			for (size_t c = 0; c < cg->n_cis; c++)
				if (cg->cis[c].profile != default_ci(o->m, cg->profile) ||
				    cg->cis[c].placement.start != 0) {
					d++;
					b += cg->cis[c].busy;
				}
		}
	}
	bool r1 = best_reachable(&o->all, d, b), r2 = b == 0 && best_reachable(&o->spare, d, b);
	if (!r1 && !r2)
		return;
	layout_from_slots(o->m, o->slots, o->n_want, &f);
	unsigned cap = migctl_layout_free_capacity(o->m, &f);
	best_offer(&o->all, d, b, cap);
	if (b == 0)
		best_offer(&o->spare, d, b, cap);
}

static void wg_rec(struct wg *o, size_t k)
{
	if (k == o->n_want) {
		wg_eval(o);
		return;
	}
	size_t p = o->want[k];
	const struct migctl_gi_profile *gp = &o->m->gi[p];
	for (unsigned i = 0; i < gp->placements.n_starts; i++) {
		unsigned start = gp->placements.starts[i], size = gp->placements.size;
		if (k > 0 && o->want[k - 1] == p && start <= o->slots[k - 1].placement.start)
			continue;
		if (start + size > o->m->units)
			continue;
		uint32_t bits = ((UINT32_C(1) << size) - 1) << start;
		if ((o->mask & bits) || o->count[p] >= gp->max ||
		    o->slices + gp->compute_slices > o->m->compute_slices)
			continue;
		o->mask |= bits;
		o->count[p]++;
		o->slices += gp->compute_slices;
		o->slots[k] = (struct migctl_slot){p, {start, size}};
		wg_rec(o, k + 1);
		o->mask &= ~bits;
		o->count[p]--;
		o->slices -= gp->compute_slices;
	}
}

/* Oracle for a target made of whole-GI items only. */
static void wg_oracle(const struct migctl_gpu_model *m, const struct migctl_layout *cur,
		      const struct migctl_gpu_target *t, struct best *all, struct best *spare)
{
	struct wg *o = calloc(1, sizeof(*o));
	assert_non_null(o);
	o->m = m;
	o->cur = cur;
	o->t = t;
	for (size_t i = 0; i < t->n_items; i++) {
		assert_int_equal(t->items[i].ci, default_ci(m, t->items[i].gi));
		for (unsigned k = 0; k < t->items[i].count; k++)
			o->want[o->n_want++] = t->items[i].gi;
	}
	/* Sorted, so that equal profiles are adjacent. */
	for (size_t i = 1; i < o->n_want; i++)
		for (size_t j = i; j > 0 && o->want[j - 1] > o->want[j]; j--) {
			size_t x = o->want[j];
			o->want[j] = o->want[j - 1];
			o->want[j - 1] = x;
		}
	wg_rec(o, 0);
	*all = o->all;
	*spare = o->spare;
	free(o);
}

/* ------------------------------------------------------------------ */
/* (a) all pairs of non-extendable layouts                              */
/* ------------------------------------------------------------------ */

struct layouts {
	struct migctl_slot (*s)[MAXG];
	size_t *n;
	size_t count, cap;
};

static int collect(const struct migctl_slot *slots, size_t n, void *ctx)
{
	struct layouts *l = ctx;
	if (l->count == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->s = realloc(l->s, l->cap * sizeof(*l->s));
		l->n = realloc(l->n, l->cap * sizeof(*l->n));
		assert_non_null(l->s);
		assert_non_null(l->n);
	}
	memcpy(l->s[l->count], slots, n * sizeof(*slots));
	l->n[l->count++] = n;
	return 0;
}

static void layouts_free(struct layouts *l)
{
	free(l->s);
	free(l->n);
}

static void mark_random_busy(uint64_t *rng, struct migctl_layout *l, unsigned one_in)
{
	for (size_t g = 0; g < l->n_gis; g++) {
		l->gis[g].busy = rng_below(rng, one_in) == 0;
		for (size_t c = 0; c < l->gis[g].n_cis; c++) {
			l->gis[g].cis[c].busy = rng_below(rng, one_in) == 0;
			l->gis[g].busy |= l->gis[g].cis[c].busy;
		}
	}
}

static void pairs(const char *name, enum migctl_layout_filter filter, size_t expect,
		  size_t samples, uint64_t seed, unsigned busy_one_in, bool pins)
{
	const struct migctl_gpu_model *m = model(name);
	struct migctl_grid grid;
	struct layouts ls = {0};
	uint64_t rng = seed;
	double t0 = now_ms();
	size_t checked = 0;

	migctl_grid_of_model(&grid, m);
	migctl_grid_enumerate(&grid, base_profiles(m), filter, collect, &ls);
	if (expect)
		assert_int_equal(ls.count, expect);
	size_t total = samples ? samples : ls.count * ls.count;
	for (size_t k = 0; k < total; k++) {
		size_t a = samples ? rng_below(&rng, (unsigned)ls.count) : k / ls.count;
		size_t b = samples ? rng_below(&rng, (unsigned)ls.count) : k % ls.count;
		struct migctl_layout before, after;
		struct migctl_gpu_target t;
		struct best all, spare;

		layout_from_slots(m, ls.s[a], ls.n[a], &before);
		layout_from_slots(m, ls.s[b], ls.n[b], &after);
		if (busy_one_in)
			mark_random_busy(&rng, &before, busy_one_in);
		target_of(&after, &t);
		if (pins)
			for (size_t g = 0; g < after.n_gis; g++)
				if (rng_below(&rng, 3) == 0)
					t.pins[t.n_pins++] = (struct migctl_target_pin){
						.gi = after.gis[g].profile,
						.placement = after.gis[g].placement};
		wg_oracle(m, &before, &t, &all, &spare);
		assert_true(all.found); /* `after` itself satisfies it */
		check_plan(m, &before, &t, false, &all, &spare);
		if (busy_one_in)
			check_plan(m, &before, &t, true, &all, &spare);
		checked++;
	}
	print_message("    %s: %zu layouts, %zu pairs checked in %.0f ms\n", m->name,
		      ls.count, checked, now_ms() - t0);
	layouts_free(&ls);
}

static void test_nonextendable_pairs_a100(void **state)
{
	(void)state;
	pairs("A100-SXM4-80GB", MIGCTL_LAYOUTS_NON_EXTENDABLE, 19, 0, 1, 0, false);
}

static void test_nonextendable_pairs_h100(void **state)
{
	(void)state;
	pairs("NVIDIA H100 80GB HBM3", MIGCTL_LAYOUTS_NON_EXTENDABLE, 19, 0, 2, 0, false);
}

/* Every profile, +me and 1g double-memory included: a sample. */
static void test_nonextendable_all_profiles_sample(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	struct migctl_grid grid;
	struct layouts ls = {0};
	uint64_t rng = 77;
	(void)state;

	migctl_grid_of_model(&grid, m);
	migctl_grid_enumerate(&grid, MIGCTL_ALL_PROFILES, MIGCTL_LAYOUTS_NON_EXTENDABLE,
			      collect, &ls);
	assert_true(ls.count > 19);
	for (size_t k = 0; k < 400; k++) {
		size_t a = rng_below(&rng, (unsigned)ls.count), b = rng_below(&rng, (unsigned)ls.count);
		struct migctl_layout before, after;
		struct migctl_gpu_target t;
		struct best all, spare;
		layout_from_slots(m, ls.s[a], ls.n[a], &before);
		layout_from_slots(m, ls.s[b], ls.n[b], &after);
		target_of(&after, &t);
		wg_oracle(m, &before, &t, &all, &spare);
		check_plan(m, &before, &t, false, &all, &spare);
	}
	layouts_free(&ls);
}

/* Every ordered pair of the 297 placed layouts of the base profiles on
 * A100-80GB (reference planning.md §1.2), with random busy instances,
 * planned both sparing and forcing them; samples elsewhere. */
static void test_extendable_pairs(void **state)
{
	(void)state;
	pairs("A100-SXM4-80GB", MIGCTL_LAYOUTS_ALL, 297, 0, 3, 3, false);
	pairs("NVIDIA H100 80GB HBM3", MIGCTL_LAYOUTS_ALL, 297, 2000, 4, 0, false);
	pairs("A30", MIGCTL_LAYOUTS_ALL, 0, 0, 5, 3, false);
}

/* ------------------------------------------------------------------ */
/* (b) busy instances, (c) pins: random, against the oracle             */
/* ------------------------------------------------------------------ */

static void test_busy_random(void **state)
{
	(void)state;
	pairs("A100-SXM4-80GB", MIGCTL_LAYOUTS_ALL, 297, 400, 11, 3, false);
	pairs("NVIDIA H100 80GB HBM3", MIGCTL_LAYOUTS_NON_EXTENDABLE, 19, 200, 12, 2, false);
}

static void test_pins_random(void **state)
{
	(void)state;
	pairs("A100-SXM4-80GB", MIGCTL_LAYOUTS_ALL, 297, 300, 21, 0, true);
	pairs("A100-SXM4-80GB", MIGCTL_LAYOUTS_ALL, 297, 300, 22, 4, true);
}

static enum migctl_err plan(const struct migctl_gpu_model *m, const struct migctl_layout *cur,
			    const struct migctl_gpu_target *t, bool allow_busy,
			    struct migctl_transition *tr, struct migctl_error *err)
{
	enum migctl_err rc = migctl_transition_plan(m, cur, t, allow_busy, tr, err);
	if (rc == MIGCTL_ERR_OK || rc == MIGCTL_ERR_BUSY)
		execute(m, cur, t, tr);
	return rc;
}

static void test_busy_cases(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	size_t g3 = gi_index(m, "3g.40gb"), g7 = gi_index(m, "7g.80gb");
	size_t g4 = gi_index(m, "4g.40gb");
	struct migctl_layout cur = {0};
	struct migctl_gpu_target t = {.mig_enabled = true};
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	/* Two 3g; the one at 0 runs a job. A 7g needs both gone. */
	struct migctl_layout_gi *a = add_gi(&cur, g3, 0, m);
	add_ci(a, default_ci(m, g3), 0, m);
	a->cis[0].busy = true;
	a->busy = true;
	struct migctl_layout_gi *b = add_gi(&cur, g3, 4, m);
	add_ci(b, default_ci(m, g3), 0, m);
	migctl_target_add(&t, g7, default_ci(m, g7), 1, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_BUSY);
	char want[64];
	snprintf(want, sizeof(want), "GI %u (3g.40gb)", a->id);
	assert_non_null(strstr(err.msg, want));
	assert_int_equal(tr.destroyed, 4);
	assert_int_equal(tr.destroyed_busy, 2);
	assert_int_equal(plan(m, &cur, &t, true, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed_busy, 2);

	/* 4g + 3g: a 4g can only be at 0, over the busy 3g (CONFLICT). */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g4, default_ci(m, g4), 1, NULL);
	migctl_target_add(&t, g3, default_ci(m, g3), 1, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_BUSY);
	assert_int_equal(tr.destroyed, 2);
	assert_int_equal(tr.steps[0].reason, MIGCTL_REASON_CONFLICT);

	/* 3g + 2g + 1g: either 3g may stay, at the same cost; the busy one
	 * does. */
	size_t g2 = gi_index(m, "2g.20gb"), g1 = gi_index(m, "1g.10gb");
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, default_ci(m, g3), 1, NULL);
	migctl_target_add(&t, g2, default_ci(m, g2), 1, NULL);
	migctl_target_add(&t, g1, default_ci(m, g1), 1, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 2);
	assert_int_equal(tr.destroyed_busy, 0);
	assert_int_equal(tr.final.gis[0].id, a->id);

	/* A busy CI in a kept GI: target 1c.3g.40gb x3 everywhere would
	 * destroy the busy default CI. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, ci_index(m, g3, "1c.3g.40gb"), 6, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_BUSY);
	assert_int_equal(tr.destroyed, 2); /* both default CIs, GIs kept */
	assert_int_equal(tr.destroyed_busy, 1);
	snprintf(want, sizeof(want), "CI 0 of GI %u (3g.40gb)", a->id);
	assert_non_null(strstr(err.msg, want));
}

static void test_pin_cases(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	size_t g3 = gi_index(m, "3g.40gb"), g2 = gi_index(m, "2g.20gb");
	size_t g1 = gi_index(m, "1g.10gb");
	struct migctl_layout cur = {0};
	struct migctl_gpu_target t = {.mig_enabled = true};
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	/* Empty GPU, a 3g pinned at 0 (the free-capacity choice would be 4). */
	migctl_target_add(&t, g3, default_ci(m, g3), 1, NULL);
	t.pins[t.n_pins++] = (struct migctl_target_pin){.gi = g3, .placement = {0, 4}};
	assert_int_equal(plan(m, &cur, &t, true, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.final.n_gis, 1);
	assert_int_equal(tr.final.gis[0].placement.start, 0);
	t.n_pins = 0;
	assert_int_equal(plan(m, &cur, &t, true, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.final.gis[0].placement.start, 4);

	/* Overlapping pins. */
	migctl_target_add(&t, g2, default_ci(m, g2), 1, NULL);
	t.pins[t.n_pins++] = (struct migctl_target_pin){.gi = g3, .placement = {0, 4}};
	t.pins[t.n_pins++] = (struct migctl_target_pin){.gi = g2, .placement = {2, 2}};
	assert_int_equal(plan(m, &cur, &t, true, &tr, &err), MIGCTL_ERR_INFEASIBLE);
	assert_non_null(strstr(err.msg, "pins at 0:4 and 2:2 overlap"));

	/* A pin over a current GI: it is destroyed, for the conflict. */
	struct migctl_layout_gi *a = add_gi(&cur, g2, 0, m);
	add_ci(a, default_ci(m, g2), 0, m);
	struct migctl_layout_gi *b = add_gi(&cur, g1, 4, m);
	add_ci(b, default_ci(m, g1), 0, m);
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, default_ci(m, g3), 1, NULL);
	migctl_target_add(&t, g2, default_ci(m, g2), 1, NULL);
	migctl_target_add(&t, g1, default_ci(m, g1), 1, NULL);
	/* The 3g pinned at 0 is over the 2g at 0 (CONFLICT); the 2g then has
	 * only 4 left, over the 1g (CONFLICT too), which moves to 5 or 6. */
	t.pins[t.n_pins++] = (struct migctl_target_pin){.gi = g3, .placement = {0, 4}};
	assert_int_equal(plan(m, &cur, &t, true, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 4);
	assert_int_equal(tr.steps[0].kind, MIGCTL_STEP_DESTROY_CI);
	assert_int_equal(tr.steps[0].gi_id, a->id);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(tr.steps[i].reason, MIGCTL_REASON_CONFLICT);
	assert_int_equal(tr.steps[2].kind, MIGCTL_STEP_DESTROY_GI);
	struct best all, spare;
	wg_oracle(m, &cur, &t, &all, &spare);
	assert_int_equal(tr.destroyed, all.d);
	assert_int_equal(tr.free_capacity, all.cap);

	/* A pin on a profile the target does not ask for. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g1, default_ci(m, g1), 1, NULL);
	t.pins[t.n_pins++] = (struct migctl_target_pin){.gi = g3, .placement = {4, 4}};
	assert_int_equal(plan(m, &cur, &t, true, &tr, &err), MIGCTL_ERR_INFEASIBLE);
	assert_non_null(strstr(err.msg, "pin 3g.40gb at 4:4"));
}

/* ------------------------------------------------------------------ */
/* (d) partial CIs                                                      */
/* ------------------------------------------------------------------ */

static void test_partial_cases_a100(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	size_t g3 = gi_index(m, "3g.40gb"), g4 = gi_index(m, "4g.40gb");
	size_t c1 = ci_index(m, g3, "1c.3g.40gb"), c2 = ci_index(m, g3, "2c.3g.40gb");
	struct migctl_layout cur = {0};
	struct migctl_gpu_target t;
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	struct migctl_layout_gi *a = add_gi(&cur, g3, 0, m);
	add_ci(a, c1, 0, m);
	add_ci(a, c1, 1, m);

	/* 1c x3: the GI stays, one CI is added at 2. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, c1, 3, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 0);
	assert_int_equal(tr.created, 1);
	assert_int_equal(tr.kept, 3);
	assert_int_equal(tr.final.n_gis, 1);
	assert_int_equal(tr.final.gis[0].cis[2].placement.start, 2);

	/* 1c x4: one more CI here, and a new 3g at 4 with one 1c. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, c1, 4, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 0);
	assert_int_equal(tr.created, 3);
	assert_int_equal(tr.final.n_gis, 2);
	assert_int_equal(tr.final.gis[0].n_cis, 3);
	assert_int_equal(tr.final.gis[1].placement.start, 4);
	assert_int_equal(tr.final.gis[1].id, UNK);
	assert_int_equal(tr.final.gis[1].n_cis, 1);

	/* 2c x1 + 1c x1. Only one 1c may stay (the target asks for one).
	 * Keeping 1c@0 leaves slices 1-2 for the 2c (2c placements {0,1}:2):
	 * one CI destroyed, nothing else. Keeping 1c@1 blocks both 2c
	 * placements, so the 2c would need a second GI: also one destroyed,
	 * but less free capacity. Expected: destroy 1c@1 (surplus, so
	 * NOT_WANTED), create 2c at 1:2, one GI. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, c2, 1, NULL);
	migctl_target_add(&t, g3, c1, 1, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 1);
	assert_int_equal(tr.steps[0].kind, MIGCTL_STEP_DESTROY_CI);
	assert_int_equal(tr.steps[0].ci_placement.start, 1);
	assert_int_equal(tr.steps[0].reason, MIGCTL_REASON_NOT_WANTED);
	assert_int_equal(tr.final.n_gis, 1);
	assert_int_equal(tr.final.gis[0].cis[1].profile, c2);
	assert_int_equal(tr.final.gis[0].cis[1].placement.start, 1);

	/* Mixed: a whole 3g plus two 1c: keep everything, add a 3g at 4. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, default_ci(m, g3), 1, NULL);
	migctl_target_add(&t, g3, c1, 2, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 0);
	assert_int_equal(tr.created, 2);

	/* Mixed: a 4g (only at 0) plus two 1c.3g: the 3g at 0 is in the way
	 * (CONFLICT) and comes back at 4 with two new CIs. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g4, default_ci(m, g4), 1, NULL);
	migctl_target_add(&t, g3, c1, 2, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(tr.steps[i].reason, MIGCTL_REASON_CONFLICT);
	assert_int_equal(tr.created, 5);

}

/* Other current layouts: a CI that must move inside its GI, and a whole
 * 3g split into 1c CIs. */
static void test_partial_cases_a100_regroup(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	size_t g3 = gi_index(m, "3g.40gb");
	size_t c1 = ci_index(m, g3, "1c.3g.40gb"), c2 = ci_index(m, g3, "2c.3g.40gb");
	struct migctl_layout cur = {0};
	struct migctl_gpu_target t;
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	struct migctl_layout_gi *a;
	(void)state;

	/* 3g@0 {1c@1} next to a whole 3g@4; target: that whole 3g, plus
	 * 2c.3g x1 and 1c.3g x1. No third 3g fits (the model allows 2), and
	 * 1c@1 blocks both 2c placements ({0,1}:2), so 1c@1 moves: destroyed
	 * with REGROUP, 2c@0 and 1c@2 created in the same GI (1 destroyed,
	 * against 2 for rebuilding the GI). */
	memset(&cur, 0, sizeof(cur));
	a = add_gi(&cur, g3, 0, m);
	add_ci(a, c1, 1, m);
	struct migctl_layout_gi *b = add_gi(&cur, g3, 4, m);
	add_ci(b, default_ci(m, g3), 0, m);
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, default_ci(m, g3), 1, NULL);
	migctl_target_add(&t, g3, c2, 1, NULL);
	migctl_target_add(&t, g3, c1, 1, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 1);
	assert_int_equal(tr.steps[0].kind, MIGCTL_STEP_DESTROY_CI);
	assert_int_equal(tr.steps[0].reason, MIGCTL_REASON_REGROUP);
	assert_int_equal(tr.created, 2);
	assert_int_equal(tr.final.gis[0].id, a->id);
	assert_int_equal(tr.final.gis[0].cis[0].profile, c2);
	assert_int_equal(tr.final.gis[0].cis[0].placement.start, 0);
	assert_int_equal(tr.final.gis[0].cis[1].placement.start, 2);

	/* A whole 3g becoming three 1c: the GI stays, its CI goes. */
	memset(&cur, 0, sizeof(cur));
	a = add_gi(&cur, g3, 4, m);
	add_ci(a, default_ci(m, g3), 0, m);
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, c1, 3, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 1);
	assert_int_equal(tr.steps[0].reason, MIGCTL_REASON_NOT_WANTED);
	assert_int_equal(tr.final.gis[0].id, a->id);
	assert_int_equal(tr.created, 3);
}

static void test_partial_cases_a30(void **state)
{
	const struct migctl_gpu_model *m = model("A30");
	size_t g4 = gi_index(m, "4g.24gb"), g2 = gi_index(m, "2g.12gb");
	size_t c41 = ci_index(m, g4, "1c.4g.24gb"), c42 = ci_index(m, g4, "2c.4g.24gb");
	size_t c21 = ci_index(m, g2, "1c.2g.12gb");
	struct migctl_layout cur = {0};
	struct migctl_gpu_target t;
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	/* 4g with 2c@0, 2c@2 -> 2c x1 + 1c x2: one 2c goes, two 1c come. */
	struct migctl_layout_gi *a = add_gi(&cur, g4, 0, m);
	add_ci(a, c42, 0, m);
	add_ci(a, c42, 2, m);
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g4, c42, 1, NULL);
	migctl_target_add(&t, g4, c41, 2, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 1);
	assert_int_equal(tr.created, 2);
	assert_int_equal(tr.final.n_gis, 1);
	/* The same, with the 2c at 0 busy: the other one goes. */
	a->cis[0].busy = true;
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 1);
	assert_int_equal(tr.steps[0].ci_placement.start, 2);
	/* 1c x4: both 2c go (the busy one only by force). */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g4, c41, 4, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_BUSY);
	assert_int_equal(tr.destroyed, 2);

	/* 2g@0 {1c@0} and 2g@2 {2g}: 1c.2g x2. Cheapest: keep both GIs,
	 * destroy the whole-GI CI at 2 and put a 1c there (1 destroyed), not
	 * gather both 1c in the GI at 0 (2 destroyed). */
	memset(&cur, 0, sizeof(cur));
	a = add_gi(&cur, g2, 0, m);
	add_ci(a, c21, 0, m);
	struct migctl_layout_gi *b = add_gi(&cur, g2, 2, m);
	add_ci(b, default_ci(m, g2), 0, m);
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g2, c21, 2, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 1);
	assert_int_equal(tr.final.n_gis, 2);
	/* A 4g needs the whole GPU: everything goes. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g4, c41, 4, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 4);
	assert_int_equal(tr.created, 5);
}

/* ------------------------------------------------------------------ */
/* Oracle 2: every layout with every CI sub-layout                      */
/* ------------------------------------------------------------------ */

struct cgi {
	uint8_t p, start, n;
	uint8_t cp[MAXC], cs[MAXC];
};

struct cfinal {
	uint64_t sig;
	uint8_t n;
	struct cgi g[8];
};

struct cilayouts {
	struct cgi l[2048];
	size_t n;
};

struct universe {
	const struct migctl_gpu_model *m;
	struct cilayouts *ci;          /* per GI profile */
	struct cfinal *f;
	size_t n, cap;
	/* GI enumeration */
	size_t cand_p[64];
	unsigned cand_s[64];
	size_t n_cand;
	struct cfinal cur;
};

static uint64_t sig_add(uint64_t h, size_t p, size_t c)
{
	/* Order-independent: a sum of per-pair pseudo-random keys. */
	uint64_t k = (uint64_t)(p * 64 + c + 1) * 0x9E3779B97F4A7C15ULL;
	k ^= k >> 29;
	return h + k * 0xBF58476D1CE4E5B9ULL;
}

static void ci_rec(const struct migctl_gi_profile *gp, struct cilayouts *out, struct cgi *g,
		   size_t from, uint32_t mask, unsigned slices, unsigned *count)
{
	if (g->n > 0) {
		assert_true(out->n < COUNT(out->l));
		out->l[out->n++] = *g;
	}
	/* Candidates (c, start) in a fixed order; each subset once. */
	size_t idx = 0;
	for (size_t c = 0; c < gp->n_ci; c++) {
		const struct migctl_ci_profile *cp = &gp->ci[c];
		for (unsigned i = 0; i < cp->placements.n_starts; i++, idx++) {
			unsigned s = cp->placements.starts[i], size = cp->placements.size;
			if (idx < from || s + size > gp->compute_slices || g->n >= MAXC)
				continue;
			uint32_t bits = ((UINT32_C(1) << size) - 1) << s;
			if ((mask & bits) || count[c] >= cp->max ||
			    slices + cp->slices > gp->compute_slices)
				continue;
			g->cp[g->n] = (uint8_t)c;
			g->cs[g->n] = (uint8_t)s;
			g->n++;
			count[c]++;
			ci_rec(gp, out, g, idx + 1, mask | bits, slices + cp->slices, count);
			count[c]--;
			g->n--;
		}
	}
}

static void universe_push(struct universe *u)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 1024;
		u->f = realloc(u->f, u->cap * sizeof(*u->f));
		assert_non_null(u->f);
	}
	u->f[u->n++] = u->cur;
}

/* Every CI sub-layout choice for the GIs 0..k of u->cur. */
static void universe_cis(struct universe *u, size_t k, uint64_t sig)
{
	if (k == u->cur.n) {
		u->cur.sig = sig;
		universe_push(u);
		return;
	}
	const struct cilayouts *cl = &u->ci[u->cur.g[k].p];
	uint8_t p = u->cur.g[k].p, start = u->cur.g[k].start;
	for (size_t i = 0; i < cl->n; i++) {
		uint64_t s = sig;
		u->cur.g[k] = cl->l[i];
		u->cur.g[k].p = p;
		u->cur.g[k].start = start;
		for (size_t c = 0; c < cl->l[i].n; c++)
			s = sig_add(s, p, cl->l[i].cp[c]);
		universe_cis(u, k + 1, s);
	}
}

static void universe_gis(struct universe *u, size_t from, uint32_t mask, unsigned slices,
			 unsigned *count)
{
	if (u->cur.n > 0)
		universe_cis(u, 0, 0);
	for (size_t i = from; i < u->n_cand; i++) {
		const struct migctl_gi_profile *gp = &u->m->gi[u->cand_p[i]];
		unsigned s = u->cand_s[i], size = gp->placements.size;
		uint32_t bits = ((UINT32_C(1) << size) - 1) << s;
		if ((mask & bits) || count[u->cand_p[i]] >= gp->max ||
		    slices + gp->compute_slices > u->m->compute_slices)
			continue;
		u->cur.g[u->cur.n].p = (uint8_t)u->cand_p[i];
		u->cur.g[u->cur.n].start = (uint8_t)s;
		u->cur.n++;
		count[u->cand_p[i]]++;
		universe_gis(u, i + 1, mask | bits, slices + gp->compute_slices, count);
		count[u->cand_p[i]]--;
		u->cur.n--;
	}
}

static void universe_build(struct universe *u, const struct migctl_gpu_model *m, uint32_t allowed)
{
	unsigned count[MIGCTL_MAX_PROFILES] = {0};
	memset(u, 0, sizeof(*u));
	u->m = m;
	u->ci = calloc(m->n_gi, sizeof(*u->ci));
	assert_non_null(u->ci);
	for (size_t p = 0; p < m->n_gi; p++) {
		struct cgi g = {0};
		unsigned cc[MIGCTL_MAX_PROFILES] = {0};
		ci_rec(&m->gi[p], &u->ci[p], &g, 0, 0, 0, cc);
		const struct migctl_gi_profile *gp = &m->gi[p];
		if (!(allowed & (UINT32_C(1) << p)))
			continue;
		for (unsigned i = 0; i < gp->placements.n_starts; i++)
			if (gp->placements.starts[i] + gp->placements.size <= m->units) {
				u->cand_p[u->n_cand] = p;
				u->cand_s[u->n_cand++] = gp->placements.starts[i];
			}
	}
	universe_gis(u, 0, 0, 0, count);
}

static void universe_free(struct universe *u)
{
	free(u->ci);
	free(u->f);
}

static void cfinal_to_layout(const struct migctl_gpu_model *m, const struct cfinal *f,
			     struct migctl_layout *l)
{
	memset(l, 0, sizeof(*l));
	for (size_t k = 0; k < f->n; k++) {
		struct migctl_layout_gi *g = add_gi(l, f->g[k].p, f->g[k].start, m);
		for (size_t c = 0; c < f->g[k].n; c++)
			add_ci(g, f->g[k].cp[c], f->g[k].cs[c], m);
	}
}

static void universe_oracle(const struct universe *u, const struct migctl_layout *cur,
			    const struct migctl_gpu_target *t, struct best *all,
			    struct best *spare)
{
	uint64_t sig = 0;
	memset(all, 0, sizeof(*all));
	memset(spare, 0, sizeof(*spare));
	for (size_t i = 0; i < t->n_items; i++)
		for (unsigned k = 0; k < t->items[i].count; k++)
			sig = sig_add(sig, t->items[i].gi, t->items[i].ci);
	for (size_t i = 0; i < u->n; i++) {
		struct migctl_layout f;
		unsigned d, b;
		if (u->f[i].sig != sig)
			continue;
		cfinal_to_layout(u->m, &u->f[i], &f);
		if (!migctl_layout_satisfies(u->m, &f, t))
			continue;
		definition_cost(cur, &f, &d, &b);
		bool r1 = best_reachable(all, d, b), r2 = b == 0 && best_reachable(spare, d, b);
		if (!r1 && !r2)
			continue;
		unsigned cap = migctl_layout_free_capacity(u->m, &f);
		best_offer(all, d, b, cap);
		if (b == 0)
			best_offer(spare, d, b, cap);
	}
}

static void partial_random(const char *name, bool base_only, size_t samples, uint64_t seed)
{
	const struct migctl_gpu_model *m = model(name);
	struct universe u;
	uint64_t rng = seed;
	double t0 = now_ms();

	universe_build(&u, m, base_only ? base_profiles(m) : MIGCTL_ALL_PROFILES);
	for (size_t k = 0; k < samples; k++) {
		struct migctl_layout before, after;
		struct migctl_gpu_target t;
		struct best all, spare;
		cfinal_to_layout(m, &u.f[rng_below(&rng, (unsigned)u.n)], &before);
		cfinal_to_layout(m, &u.f[rng_below(&rng, (unsigned)u.n)], &after);
		mark_random_busy(&rng, &before, 4);
		target_of(&after, &t);
		if (rng_below(&rng, 4) == 0 && after.n_gis > 0) {
			size_t g = rng_below(&rng, (unsigned)after.n_gis);
			t.pins[t.n_pins++] = (struct migctl_target_pin){
				.gi = after.gis[g].profile, .placement = after.gis[g].placement};
		}
		universe_oracle(&u, &before, &t, &all, &spare);
		assert_true(all.found);
		check_plan(m, &before, &t, false, &all, &spare);
		check_plan(m, &before, &t, true, &all, &spare);
	}
	print_message("    %s: %zu layouts with CIs, %zu pairs checked in %.0f ms\n", m->name,
		      u.n, samples, now_ms() - t0);
	universe_free(&u);
}

static void test_partial_random_a30(void **state)
{
	(void)state;
	partial_random("A30", false, 5000, 31);
}

static void test_partial_random_a100_h100(void **state)
{
	(void)state;
	partial_random("A100-SXM4-80GB", true, 5000, 32);
	partial_random("NVIDIA H100 80GB HBM3", true, 3000, 33);
	/* Every profile: 1g double-memory and +me with their CIs too. */
	partial_random("A100-SXM4-80GB", false, 1000, 34);
}

/* ------------------------------------------------------------------ */
/* (d2) exact targets: every GI pinned with its CIs (checkpoints)       */
/* ------------------------------------------------------------------ */

/* The exact target of a layout: its counts, and every GI pinned with
 * every CI at its placement. */
static void exact_target_of(const struct migctl_layout *l, struct migctl_gpu_target *t)
{
	target_of(l, t);
	for (size_t g = 0; g < l->n_gis; g++) {
		struct migctl_target_pin *pin = &t->pins[t->n_pins++];
		*pin = (struct migctl_target_pin){.gi = l->gis[g].profile,
						  .placement = l->gis[g].placement};
		for (size_t c = 0; c < l->gis[g].n_cis; c++)
			pin->cis[pin->n_cis++] = (struct migctl_target_ci_pin){
				l->gis[g].cis[c].profile, l->gis[g].cis[c].placement};
	}
}

/* The final layout is `after` itself, so the fewest destroyed instances
 * are exactly the definition's cost from `before` to `after`: the oracle
 * needs no search. */
static void exact_random(const char *name, bool base_only, size_t samples, uint64_t seed)
{
	const struct migctl_gpu_model *m = model(name);
	struct migctl_transition *tr = malloc(sizeof(*tr));
	struct universe u;
	uint64_t rng = seed;
	size_t refused = 0;

	assert_non_null(tr);
	universe_build(&u, m, base_only ? base_profiles(m) : MIGCTL_ALL_PROFILES);
	for (size_t k = 0; k < samples; k++) {
		struct migctl_layout before, after, got;
		struct migctl_gpu_target t;
		struct migctl_error err = {0};
		unsigned d, b;

		cfinal_to_layout(m, &u.f[rng_below(&rng, (unsigned)u.n)], &before);
		cfinal_to_layout(m, &u.f[rng_below(&rng, (unsigned)u.n)], &after);
		mark_random_busy(&rng, &before, 4);
		exact_target_of(&after, &t);
		definition_cost(&before, &after, &d, &b);
		for (int allow = 0; allow < 2; allow++) {
			enum migctl_err rc = migctl_transition_plan(m, &before, &t, allow, tr, &err);
			if (!allow && b > 0) {
				assert_int_equal(rc, MIGCTL_ERR_BUSY);
				refused++;
			} else if (rc != MIGCTL_ERR_OK) {
				fail_msg("rc %d: %s", (int)rc, err.msg);
			}
			assert_int_equal(tr->destroyed, d);
			assert_int_equal(tr->destroyed_busy, b);
			execute(m, &before, &t, tr);
			/* Exactly `after`: GIs and CIs at their placements. */
			got = tr->final;
			sort_layout(&got);
			sort_layout(&after);
			assert_int_equal(got.n_gis, after.n_gis);
			for (size_t g = 0; g < got.n_gis; g++) {
				assert_int_equal(got.gis[g].profile, after.gis[g].profile);
				assert_int_equal(got.gis[g].placement.start, after.gis[g].placement.start);
				assert_int_equal(got.gis[g].n_cis, after.gis[g].n_cis);
				for (size_t c = 0; c < got.gis[g].n_cis; c++) {
					assert_int_equal(got.gis[g].cis[c].profile,
							 after.gis[g].cis[c].profile);
					assert_int_equal(got.gis[g].cis[c].placement.start,
							 after.gis[g].cis[c].placement.start);
				}
			}
		}
	}
	print_message("    %s: %zu exact targets, %zu refused as busy\n", m->name, samples, refused);
	universe_free(&u);
	free(tr);
}

static void test_exact_targets_random(void **state)
{
	(void)state;
	exact_random("A30", false, 3000, 51);
	exact_random("A100-SXM4-80GB", true, 3000, 52);
	exact_random("NVIDIA H100 80GB HBM3", false, 1000, 53);
}

/* A 3g GI whose CIs have a hole (1c at 0 and 2): a plain target is met by
 * any two 1c CIs, an exact one only by these; bad exact targets are
 * refused. */
static void test_exact_target_cases(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	size_t g3 = gi_index(m, "3g.40gb"), c1 = ci_index(m, g3, "1c.3g.40gb");
	struct migctl_layout hole = {0}, packed = {0};
	struct migctl_gpu_target t;
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	struct migctl_layout_gi *g = add_gi(&hole, g3, 0, m);
	add_ci(g, c1, 0, m);
	add_ci(g, c1, 2, m);
	g = add_gi(&packed, g3, 0, m);
	add_ci(g, c1, 0, m);
	add_ci(g, c1, 1, m);

	target_of(&hole, &t);
	assert_int_equal(migctl_transition_plan(m, &packed, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.n_steps, 0); /* counts only: already there */
	exact_target_of(&hole, &t);
	assert_false(migctl_layout_satisfies(m, &packed, &t));
	assert_true(migctl_layout_satisfies(m, &hole, &t));
	assert_int_equal(migctl_transition_plan(m, &packed, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.n_steps, 2); /* the 1c at 1 goes, one comes at 2 */
	assert_int_equal(tr.steps[0].kind, MIGCTL_STEP_DESTROY_CI);
	assert_int_equal(tr.steps[0].ci_placement.start, 1);
	assert_int_equal(tr.steps[0].reason, MIGCTL_REASON_NOT_WANTED);
	assert_int_equal(tr.steps[1].kind, MIGCTL_STEP_CREATE_CI);
	assert_int_equal(tr.steps[1].ci_placement.start, 2);
	execute(m, &packed, &t, &tr);

	/* Busy 1c at 1: refused without force, named. */
	packed.gis[0].cis[1].busy = true;
	assert_int_equal(migctl_transition_plan(m, &packed, &t, false, &tr, &err), MIGCTL_ERR_BUSY);
	assert_non_null(strstr(err.msg, "CI 1 of GI"));
	packed.gis[0].cis[1].busy = false;

	/* Overlapping pinned CIs, pins that miss a GI's CIs, counts that
	 * disagree with the pins. */
	exact_target_of(&hole, &t);
	t.pins[0].cis[1].placement.start = 0;
	assert_int_equal(migctl_transition_plan(m, &packed, &t, false, &tr, &err),
			 MIGCTL_ERR_INFEASIBLE);
	assert_non_null(strstr(err.msg, "1c.3g.40gb cannot go at 0:1"));
	exact_target_of(&hole, &t);
	t.pins[t.n_pins++] = (struct migctl_target_pin){.gi = g3, .placement = {4, 4}};
	assert_int_equal(migctl_transition_plan(m, &packed, &t, false, &tr, &err), MIGCTL_ERR_USAGE);
	exact_target_of(&hole, &t);
	t.items[0].count = 3;
	assert_int_equal(migctl_transition_plan(m, &packed, &t, false, &tr, &err), MIGCTL_ERR_USAGE);
	assert_non_null(strstr(err.msg, "differ from its counts"));
}

/* ------------------------------------------------------------------ */
/* (e) infeasible targets, MIG off, usage                               */
/* ------------------------------------------------------------------ */

static void expect_infeasible(const struct migctl_gpu_model *m,
			      const struct migctl_gpu_target *t, const char *msg)
{
	struct migctl_layout cur = {0};
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	assert_int_equal(migctl_transition_plan(m, &cur, t, true, &tr, &err),
			 MIGCTL_ERR_INFEASIBLE);
	if (!strstr(err.msg, msg))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_infeasible(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	size_t g3 = gi_index(m, "3g.40gb"), g2 = gi_index(m, "2g.20gb");
	size_t g4 = gi_index(m, "4g.40gb"), g1 = gi_index(m, "1g.10gb");
	size_t g1d = gi_index(m, "1g.20gb");
	struct migctl_gpu_target t;
	(void)state;

	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, default_ci(m, g3), 7, NULL);
	expect_infeasible(m, &t, "7 x 3g.40gb: the model allows at most 2");

	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, default_ci(m, g3), 2, NULL);
	migctl_target_add(&t, g2, default_ci(m, g2), 1, NULL);
	expect_infeasible(m, &t, "the profiles need 8 compute slices, the GPU has 7");

	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g4, default_ci(m, g4), 1, NULL);
	migctl_target_add(&t, g2, default_ci(m, g2), 2, NULL);
	expect_infeasible(m, &t, "compute slices");

	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g1d, default_ci(m, g1d), 4, NULL);
	migctl_target_add(&t, g1, default_ci(m, g1), 1, NULL);
	expect_infeasible(m, &t, "no placement of these instances fits");

	/* Partial CIs over what two 3g GIs hold. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, ci_index(m, g3, "1c.3g.40gb"), 7, NULL);
	expect_infeasible(m, &t, "3g.40gb");
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g3, ci_index(m, g3, "2c.3g.40gb"), 3, NULL);
	expect_infeasible(m, &t, "3g.40gb");
	/* Huge counts stay cheap. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	migctl_target_add(&t, g1, default_ci(m, g1), 4000000000u, NULL);
	expect_infeasible(m, &t, "the model allows at most 7");
}

static void test_mig_disabled(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	size_t g3 = gi_index(m, "3g.40gb"), g2 = gi_index(m, "2g.20gb");
	struct migctl_layout cur = {0};
	struct migctl_gpu_target t = {0};
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	struct migctl_layout_gi *a = add_gi(&cur, g3, 0, m);
	add_ci(a, ci_index(m, g3, "1c.3g.40gb"), 0, m);
	add_ci(a, ci_index(m, g3, "1c.3g.40gb"), 2, m);
	struct migctl_layout_gi *b = add_gi(&cur, g2, 4, m);
	add_ci(b, default_ci(m, g2), 0, m);
	/* Items are ignored when MIG is off. */
	migctl_target_add(&t, g2, default_ci(m, g2), 1, NULL);
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 5);
	assert_int_equal(tr.final.n_gis, 0);
	assert_int_equal(tr.n_steps, 5);
	assert_int_equal(tr.steps[4].kind, MIGCTL_STEP_DESTROY_GI);
	assert_int_equal(tr.steps[0].reason, MIGCTL_REASON_NOT_WANTED);
	assert_int_equal(tr.free_capacity, migctl_layout_free_capacity(m, &tr.final));
	/* No items at all: the same. */
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed, 5);
	/* A busy CI stops it. */
	b->cis[0].busy = true;
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_BUSY);
	char want[64];
	snprintf(want, sizeof(want), "GI %u (2g.20gb)", b->id);
	assert_non_null(strstr(err.msg, want));
	assert_int_equal(plan(m, &cur, &t, true, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.destroyed_busy, 2);
	/* Nothing to do from nothing. */
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
	assert_int_equal(tr.n_steps, 0);
}

static void test_usage(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	struct migctl_layout cur = {0};
	struct migctl_gpu_target t = {.mig_enabled = true};
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	t.items[t.n_items++] = (struct migctl_target_item){99, 0, 1};
	assert_int_equal(migctl_transition_plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_USAGE);
	t.items[0] = (struct migctl_target_item){gi_index(m, "3g.40gb"), 99, 1};
	assert_int_equal(migctl_transition_plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_USAGE);
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	t.pins[t.n_pins++] = (struct migctl_target_pin){.gi = 99, .placement = {0, 1}};
	assert_int_equal(migctl_transition_plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_USAGE);
	memset(&t, 0, sizeof(t));
	t.mig_enabled = true;
	cur.n_gis = 1;
	cur.gis[0].profile = 99;
	assert_int_equal(migctl_transition_plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_USAGE);
	cur.gis[0].profile = 0;
	cur.gis[0].n_cis = 1;
	cur.gis[0].cis[0].profile = 99;
	assert_int_equal(migctl_transition_plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_USAGE);
}

/* Unchanged layouts need no steps, and IDs survive. */
static void test_identity(void **state)
{
	const struct migctl_gpu_model *m = model("A100-SXM4-80GB");
	struct universe u;
	uint64_t rng = 41;
	static struct migctl_transition tr;
	struct migctl_error err = {0};
	(void)state;

	universe_build(&u, m, base_profiles(m));
	for (size_t k = 0; k < 200; k++) {
		struct migctl_layout cur;
		struct migctl_gpu_target t;
		cfinal_to_layout(m, &u.f[rng_below(&rng, (unsigned)u.n)], &cur);
		target_of(&cur, &t);
		assert_int_equal(plan(m, &cur, &t, false, &tr, &err), MIGCTL_ERR_OK);
		assert_int_equal(tr.n_steps, 0);
		assert_int_equal(tr.kept, instances(&cur));
	}
	universe_free(&u);
}

static int setup(void **state)
{
	(void)state;
	migctl_catalog_init(&cat);
	return migctl_catalog_load_builtin(&cat, NULL) == MIGCTL_ERR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	migctl_catalog_release(&cat);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonextendable_pairs_a100),
		cmocka_unit_test(test_nonextendable_pairs_h100),
		cmocka_unit_test(test_nonextendable_all_profiles_sample),
		cmocka_unit_test(test_extendable_pairs),
		cmocka_unit_test(test_busy_random),
		cmocka_unit_test(test_pins_random),
		cmocka_unit_test(test_busy_cases),
		cmocka_unit_test(test_pin_cases),
		cmocka_unit_test(test_partial_cases_a100),
		cmocka_unit_test(test_partial_cases_a100_regroup),
		cmocka_unit_test(test_partial_cases_a30),
		cmocka_unit_test(test_partial_random_a30),
		cmocka_unit_test(test_partial_random_a100_h100),
		cmocka_unit_test(test_exact_targets_random),
		cmocka_unit_test(test_exact_target_cases),
		cmocka_unit_test(test_infeasible),
		cmocka_unit_test(test_mig_disabled),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_identity),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
