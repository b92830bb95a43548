/* Unit tests for the geometry engine (include/migctl/geometry.h).
 *
 * The GPU models are built by hand from reference/mig-profiles.md (§2.1,
 * §2.3, §2.4, §2.13, §4.3); the catalog is not loaded. Every count and
 * every answer of the engine is checked against brute-force oracles
 * written here, which share no code with lib/geometry.c:
 *
 *   - placed layouts: all subsets of the (profile, start) candidate list,
 *     by bitmask (small grids) and by include/exclude recursion (all
 *     profiles), checked for disjointness, profile limits and slices;
 *   - multisets: count vectors of those layouts;
 *   - remaining capacity: largest subset of free placements;
 *   - driver placement: argmax of the summed oracle capacities.
 *
 * Expected numbers come from reference/planning.md §1.2, the placement
 * observations from reference/nvml-mig.md §2.4, the GI IDs from
 * reference/mig-profiles.md §3.
 *
 * It is one file over 1,000 lines because the hand-built models, the
 * oracles and the cases that use them belong together: one test program
 * per library module (lib/geometry.c), and none of them is shared elsewhere.
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

#include "migctl/geometry.h"

/* ------------------------------------------------------------------ */
/* Hand-built models                                                   */
/* ------------------------------------------------------------------ */

#define NARGS(...) (sizeof((unsigned[]){__VA_ARGS__}) / sizeof(unsigned))
#define PS(sz, ...)                                                         \
	{                                                                   \
		.size = (sz), .n_starts = (unsigned)NARGS(__VA_ARGS__),      \
		.starts = { __VA_ARGS__ }                                   \
	}
#define CI(id_, name_, slices_, max_, def_, ps_)                            \
	{                                                                   \
		.id = (id_), .name = name_, .slices = (slices_),            \
		.sm = 14 * (slices_), .max = (max_), .is_default = (def_),  \
		.confirmed = true, .placements = ps_                        \
	}
#define GI(id_, name_, slices_, max_, ps_, ci_, nci_)                      \
	{                                                                   \
		.id = (id_), .name = name_, .compute_slices = (slices_),    \
		.max = (max_), .confirmed = true, .placements = ps_,        \
		.ci = (ci_), .n_ci = (nci_)                                 \
	}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* CI profiles of the A100-40GB GI profiles (mig-profiles.md §4.3). */
static struct migctl_ci_profile ci_7g[] = {
	CI(0, "1c.7g.40gb", 1, 7, false, PS(1, 0, 1, 2, 3, 4, 5, 6)),
	CI(1, "2c.7g.40gb", 2, 3, false, PS(2, 0, 2, 4)),
	CI(2, "3c.7g.40gb", 3, 2, false, PS(3, 0, 4)),
	CI(3, "4c.7g.40gb", 4, 1, false, PS(4, 0)),
	CI(4, "7g.40gb", 7, 1, true, PS(7, 0)),
};
static struct migctl_ci_profile ci_4g[] = {
	CI(0, "1c.4g.20gb", 1, 4, false, PS(1, 0, 1, 2, 3)),
	CI(1, "2c.4g.20gb", 2, 2, false, PS(2, 0, 2)),
	CI(3, "4g.20gb", 4, 1, true, PS(4, 0)),
};
static struct migctl_ci_profile ci_3g[] = {
	CI(0, "1c.3g.20gb", 1, 3, false, PS(1, 0, 1, 2)),
	/* 2c at 1:2 too: seed 001's `-cci 0,1 -gi 1` put a 2c next to a 1c
	 * that three-1c transcripts show at 0:1. */
	CI(1, "2c.3g.20gb", 2, 1, false, PS(2, 0, 1)),
	CI(2, "3g.20gb", 3, 1, true, PS(3, 0)),
};
static struct migctl_ci_profile ci_2g[] = {
	CI(0, "1c.2g.10gb", 1, 2, false, PS(1, 0, 1)),
	CI(1, "2g.10gb", 2, 1, true, PS(2, 0)),
};
static struct migctl_ci_profile ci_1g[] = {
	CI(0, "1g.5gb", 1, 1, true, PS(1, 0)),
};

/* A100-40GB, mig-profiles.md §2.1, in -lgip order. */
static struct migctl_gi_profile a100_gi[] = {
	GI(19, "1g.5gb", 1, 7, PS(1, 0, 1, 2, 3, 4, 5, 6), ci_1g, 1),
	GI(20, "1g.5gb+me", 1, 1, PS(1, 0, 1, 2, 3, 4, 5, 6), ci_1g, 1),
	GI(15, "1g.10gb", 1, 4, PS(2, 0, 2, 4, 6), ci_1g, 1),
	GI(14, "2g.10gb", 2, 3, PS(2, 0, 2, 4), ci_2g, COUNT(ci_2g)),
	GI(9, "3g.20gb", 3, 2, PS(4, 0, 4), ci_3g, COUNT(ci_3g)),
	GI(5, "4g.20gb", 4, 1, PS(4, 0), ci_4g, COUNT(ci_4g)),
	GI(0, "7g.40gb", 7, 1, PS(8, 0), ci_7g, COUNT(ci_7g)),
};

/* H100 80GB, §2.4: same geometry, other names. */
static struct migctl_gi_profile h100_gi[] = {
	GI(19, "1g.10gb", 1, 7, PS(1, 0, 1, 2, 3, 4, 5, 6), NULL, 0),
	GI(20, "1g.10gb+me", 1, 1, PS(1, 0, 1, 2, 3, 4, 5, 6), NULL, 0),
	GI(15, "1g.20gb", 1, 4, PS(2, 0, 2, 4, 6), NULL, 0),
	GI(14, "2g.20gb", 2, 3, PS(2, 0, 2, 4), NULL, 0),
	GI(9, "3g.40gb", 3, 2, PS(4, 0, 4), NULL, 0),
	GI(5, "4g.40gb", 4, 1, PS(4, 0), NULL, 0),
	GI(0, "7g.80gb", 7, 1, PS(8, 0), NULL, 0),
};

/* A30, §2.3. */
static struct migctl_gi_profile a30_gi[] = {
	GI(14, "1g.6gb", 1, 4, PS(1, 0, 1, 2, 3), NULL, 0),
	GI(21, "1g.6gb+me", 1, 1, PS(1, 0, 1, 2, 3), NULL, 0),
	GI(5, "2g.12gb", 2, 2, PS(2, 0, 2), NULL, 0),
	GI(6, "2g.12gb+me", 2, 1, PS(2, 0, 2), NULL, 0),
	GI(0, "4g.24gb", 4, 1, PS(4, 0), NULL, 0),
};

/* RTX PRO 6000 Blackwell, §2.13: 12 units, 4 compute slices. */
static struct migctl_gi_profile rtx_gi[] = {
	GI(14, "1g.24gb", 1, 4, PS(3, 0, 3, 6, 9), NULL, 0),
	GI(21, "1g.24gb+me", 1, 1, PS(3, 0, 3, 6, 9), NULL, 0),
	GI(47, "1g.24gb+gfx", 1, 4, PS(3, 0, 3, 6, 9), NULL, 0),
	GI(65, "1g.24gb+me.all", 1, 1, PS(3, 0, 3, 6, 9), NULL, 0),
	GI(67, "1g.24gb-me", 1, 4, PS(3, 0, 3, 6, 9), NULL, 0),
	GI(5, "2g.48gb", 2, 2, PS(6, 0, 6), NULL, 0),
	GI(35, "2g.48gb+gfx", 2, 2, PS(6, 0, 6), NULL, 0),
	GI(64, "2g.48gb+me.all", 2, 1, PS(6, 0, 6), NULL, 0),
	GI(66, "2g.48gb-me", 2, 2, PS(6, 0, 6), NULL, 0),
	GI(0, "4g.96gb", 4, 1, PS(12, 0), NULL, 0),
	GI(32, "4g.96gb+gfx", 4, 1, PS(12, 0), NULL, 0),
};

/* A synthetic grid whose placements of one profile overlap (CI
 * placements need not be aligned): 6 units, 6 slices. */
static struct migctl_placement_set syn_a = PS(2, 0, 1, 2, 3, 4);
static struct migctl_placement_set syn_b = PS(1, 0, 1, 2, 3, 4, 5);
static struct migctl_placement_set syn_c = PS(3, 0, 2, 3);

static void grid_synthetic(struct migctl_grid *g)
{
	memset(g, 0, sizeof(*g));
	g->units = 6;
	g->compute_slices = 6;
	g->n_profiles = 3;
	g->profiles[0] = (struct migctl_slot_profile){ 1, 2, 3, &syn_a };
	g->profiles[1] = (struct migctl_slot_profile){ 2, 1, 4, &syn_b };
	g->profiles[2] = (struct migctl_slot_profile){ 3, 3, 2, &syn_c };
}

static void make_model(struct migctl_gpu_model *m, const char *name,
		       unsigned units, unsigned slices,
		       struct migctl_gi_profile *gi, size_t n_gi)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->units = units;
	m->compute_slices = slices;
	m->gi = gi;
	m->n_gi = n_gi;
	m->confirmed = true;
}

static void model_a100(struct migctl_gpu_model *m)
{
	make_model(m, "NVIDIA A100-SXM4-40GB", 8, 7, a100_gi, COUNT(a100_gi));
	m->arch = MIGCTL_ARCH_AMPERE;
}
static void model_h100(struct migctl_gpu_model *m)
{
	make_model(m, "NVIDIA H100 80GB HBM3", 8, 7, h100_gi, COUNT(h100_gi));
	m->arch = MIGCTL_ARCH_HOPPER;
}
static void model_a30(struct migctl_gpu_model *m)
{
	make_model(m, "NVIDIA A30", 4, 4, a30_gi, COUNT(a30_gi));
	m->arch = MIGCTL_ARCH_AMPERE;
}
static void model_rtx(struct migctl_gpu_model *m)
{
	make_model(m, "NVIDIA RTX PRO 6000 Blackwell Server Edition", 12, 4,
		   rtx_gi, COUNT(rtx_gi));
	m->arch = MIGCTL_ARCH_BLACKWELL;
}

static void grid_a100(struct migctl_grid *g)
{
	struct migctl_gpu_model m;
	model_a100(&m);
	migctl_grid_of_model(g, &m);
}
static void grid_h100(struct migctl_grid *g)
{
	struct migctl_gpu_model m;
	model_h100(&m);
	migctl_grid_of_model(g, &m);
}
static void grid_a30(struct migctl_grid *g)
{
	struct migctl_gpu_model m;
	model_a30(&m);
	migctl_grid_of_model(g, &m);
}
static void grid_rtx(struct migctl_grid *g)
{
	struct migctl_gpu_model m;
	model_rtx(&m);
	migctl_grid_of_model(g, &m);
}

/* Index of profile `id`, asserting it exists. */
static size_t pidx(const struct migctl_grid *g, unsigned id)
{
	int i = migctl_grid_profile_index(g, id);
	assert_true(i >= 0);
	assert_true((size_t)i < g->n_profiles);
	assert_int_equal(g->profiles[i].id, id);
	return (size_t)i;
}

/* Bit set over grid profiles from a list of profile IDs. */
static uint32_t allowed_of(const struct migctl_grid *g, const unsigned *ids,
			   size_t n)
{
	uint32_t a = 0;
	for (size_t i = 0; i < n; i++)
		a |= UINT32_C(1) << pidx(g, ids[i]);
	return a;
}

static struct migctl_placement P(unsigned start, unsigned size)
{
	struct migctl_placement p = { start, size };
	return p;
}

static struct migctl_slot S(size_t profile, unsigned start, unsigned size)
{
	struct migctl_slot s = { profile, { start, size } };
	return s;
}

/* ------------------------------------------------------------------ */
/* Oracle: candidates, layouts, validity                               */
/* ------------------------------------------------------------------ */

/* Independent mask computation (no migctl_placement_mask). */
static uint64_t umask(unsigned start, unsigned size)
{
	uint64_t m = 0;
	for (unsigned u = start; u < start + size; u++)
		m |= UINT64_C(1) << u;
	return m;
}

#define MAX_CANDS 64
struct cand {
	size_t profile;
	unsigned start, size, slices;
	uint64_t mask;
};
struct cands {
	const struct migctl_grid *g;
	uint32_t allowed;
	size_t n;
	struct cand c[MAX_CANDS];
};

static void build_cands(const struct migctl_grid *g, uint32_t allowed,
			struct cands *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->g = g;
	cs->allowed = allowed;
	for (size_t p = 0; p < g->n_profiles; p++) {
		if (!(allowed >> p & 1))
			continue;
		const struct migctl_placement_set *ps = g->profiles[p].placements;
		for (unsigned i = 0; i < ps->n_starts; i++) {
			assert_true(cs->n < MAX_CANDS);
			struct cand *c = &cs->c[cs->n++];
			c->profile = p;
			c->start = ps->starts[i];
			c->size = ps->size;
			c->slices = g->profiles[p].slices;
			c->mask = umask(c->start, c->size);
		}
	}
}

/* A set of candidates is a valid layout: pairwise disjoint, within the
 * per-profile limit and the compute slices. */
static bool oracle_valid(const struct cands *cs, uint64_t bits)
{
	unsigned count[MIGCTL_GRID_MAX_PROFILES] = { 0 };
	unsigned slices = 0;
	for (size_t i = 0; i < cs->n; i++) {
		if (!(bits >> i & 1))
			continue;
		for (size_t j = i + 1; j < cs->n; j++)
			if ((bits >> j & 1) && (cs->c[i].mask & cs->c[j].mask))
				return false;
		if (++count[cs->c[i].profile] > cs->g->profiles[cs->c[i].profile].max)
			return false;
		slices += cs->c[i].slices;
	}
	return slices <= cs->g->compute_slices;
}

static bool oracle_non_extendable(const struct cands *cs, uint64_t bits)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!(bits >> i & 1) &&
		    oracle_valid(cs, bits | UINT64_C(1) << i))
			return false;
	return true;
}

struct bitsvec {
	size_t n, cap;
	uint64_t *v;
};

static void bv_push(struct bitsvec *bv, uint64_t x)
{
	if (bv->n == bv->cap) {
		bv->cap = bv->cap ? 2 * bv->cap : 256;
		bv->v = realloc(bv->v, bv->cap * sizeof(*bv->v));
		assert_non_null(bv->v);
	}
	bv->v[bv->n++] = x;
}

static void bv_free(struct bitsvec *bv)
{
	free(bv->v);
	memset(bv, 0, sizeof(*bv));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void bv_sort(struct bitsvec *bv)
{
	if (bv->n)
		qsort(bv->v, bv->n, sizeof(*bv->v), cmp_u64);
}

/* Oracle 1: every subset of the candidates by bitmask. */
static void oracle_layouts_bitmask(const struct cands *cs, bool non_ext,
				   struct bitsvec *out)
{
	assert_true(cs->n <= 22);
	for (uint64_t b = 1; b < (UINT64_C(1) << cs->n); b++)
		if (oracle_valid(cs, b) &&
		    (!non_ext || oracle_non_extendable(cs, b)))
			bv_push(out, b);
}

/* Oracle 2: include/exclude recursion (for the larger candidate lists). */
static void layouts_rec(const struct cands *cs, size_t i, uint64_t bits,
			bool non_ext, struct bitsvec *out)
{
	if (i == cs->n) {
		if (bits && (!non_ext || oracle_non_extendable(cs, bits)))
			bv_push(out, bits);
		return;
	}
	layouts_rec(cs, i + 1, bits, non_ext, out);
	uint64_t nb = bits | UINT64_C(1) << i;
	if (oracle_valid(cs, nb))
		layouts_rec(cs, i + 1, nb, non_ext, out);
}

static void oracle_layouts_rec(const struct cands *cs, bool non_ext,
			       struct bitsvec *out)
{
	layouts_rec(cs, 0, 0, non_ext, out);
}

/* Layout (candidate bits) -> slots, in candidate order. */
static size_t bits_to_slots(const struct cands *cs, uint64_t bits,
			    struct migctl_slot *slots)
{
	size_t n = 0;
	for (size_t i = 0; i < cs->n; i++)
		if (bits >> i & 1)
			slots[n++] = S(cs->c[i].profile, cs->c[i].start,
				       cs->c[i].size);
	return n;
}

/* ------------------------------------------------------------------ */
/* Oracle: multisets (count vectors over the allowed profiles)         */
/* ------------------------------------------------------------------ */

struct radix {
	size_t n;                               /* allowed profiles */
	size_t prof[MIGCTL_GRID_MAX_PROFILES];  /* grid indices */
	unsigned base[MIGCTL_GRID_MAX_PROFILES];/* max + 1 */
	size_t total;                           /* product of bases */
};

static void radix_init(struct radix *r, const struct migctl_grid *g,
		       uint32_t allowed)
{
	memset(r, 0, sizeof(*r));
	r->total = 1;
	for (size_t p = 0; p < g->n_profiles; p++) {
		if (!(allowed >> p & 1))
			continue;
		r->prof[r->n] = p;
		r->base[r->n] = g->profiles[p].max + 1;
		r->total *= r->base[r->n];
		r->n++;
	}
}

/* Code of a count vector; -1 if some count exceeds its max. */
static long radix_code(const struct radix *r, const unsigned *cnt)
{
	long code = 0;
	for (size_t k = r->n; k-- > 0;) {
		if (cnt[k] >= r->base[k])
			return -1;
		code = code * r->base[k] + cnt[k];
	}
	return code;
}

static void radix_decode(const struct radix *r, size_t code, unsigned *cnt)
{
	for (size_t k = 0; k < r->n; k++) {
		cnt[k] = (unsigned)(code % r->base[k]);
		code /= r->base[k];
	}
}

static void bits_counts(const struct cands *cs, const struct radix *r,
			uint64_t bits, unsigned *cnt)
{
	memset(cnt, 0, sizeof(unsigned) * MIGCTL_GRID_MAX_PROFILES);
	for (size_t i = 0; i < cs->n; i++) {
		if (!(bits >> i & 1))
			continue;
		for (size_t k = 0; k < r->n; k++)
			if (r->prof[k] == cs->c[i].profile)
				cnt[k]++;
	}
}

/* feasible[code] for every count vector (the zero vector is feasible). */
static bool *oracle_feasible(const struct cands *cs, const struct radix *r,
			     const struct bitsvec *layouts)
{
	bool *f = calloc(r->total, sizeof(bool));
	assert_non_null(f);
	f[0] = true;
	unsigned cnt[MIGCTL_GRID_MAX_PROFILES];
	for (size_t i = 0; i < layouts->n; i++) {
		bits_counts(cs, r, layouts->v[i], cnt);
		long code = radix_code(r, cnt);
		assert_true(code >= 0);
		f[code] = true;
	}
	return f;
}

static void count_multisets(const struct radix *r, const bool *feasible,
			    size_t *n_feasible, size_t *n_maximal)
{
	unsigned a[MIGCTL_GRID_MAX_PROFILES], b[MIGCTL_GRID_MAX_PROFILES];
	*n_feasible = 0;
	*n_maximal = 0;
	for (size_t x = 1; x < r->total; x++) {
		if (!feasible[x])
			continue;
		(*n_feasible)++;
		radix_decode(r, x, a);
		bool maximal = true;
		for (size_t y = 0; y < r->total && maximal; y++) {
			if (y == x || !feasible[y])
				continue;
			radix_decode(r, y, b);
			bool ge = true;
			for (size_t k = 0; k < r->n; k++)
				if (b[k] < a[k])
					ge = false;
			if (ge)
				maximal = false;
		}
		if (maximal)
			(*n_maximal)++;
	}
}

/* ------------------------------------------------------------------ */
/* Checking migctl_grid_enumerate against the oracle                   */
/* ------------------------------------------------------------------ */

struct collect {
	const struct cands *cs;
	struct bitsvec got;
	size_t calls;
	size_t stop_at;         /* return non-zero on this call (1-based); 0 never */
	int bad_slot;           /* a slot that is no candidate */
	int bad_order;          /* slots not sorted by start */
	int bad_empty;          /* empty layout */
	int bad_dup;            /* a candidate twice in one layout */
};

static int collect_cb(const struct migctl_slot *slots, size_t n, void *ctx)
{
	struct collect *c = ctx;
	uint64_t bits = 0;
	c->calls++;
	if (n == 0)
		c->bad_empty++;
	for (size_t k = 0; k < n; k++) {
		if (k > 0 && slots[k].placement.start <= slots[k - 1].placement.start)
			c->bad_order++;
		size_t i;
		for (i = 0; i < c->cs->n; i++)
			if (c->cs->c[i].profile == slots[k].profile &&
			    c->cs->c[i].start == slots[k].placement.start &&
			    c->cs->c[i].size == slots[k].placement.size)
				break;
		if (i == c->cs->n) {
			c->bad_slot++;
			continue;
		}
		if (bits >> i & 1)
			c->bad_dup++;
		bits |= UINT64_C(1) << i;
	}
	bv_push(&c->got, bits);
	return c->stop_at && c->calls == c->stop_at;
}

/* migctl_grid_enumerate visits exactly the oracle's layouts, each once. */
static void check_enumerate(const struct cands *cs, enum migctl_layout_filter f,
			    struct bitsvec *expect)
{
	struct collect c;
	memset(&c, 0, sizeof(c));
	c.cs = cs;
	size_t ret = migctl_grid_enumerate(cs->g, cs->allowed, f, collect_cb, &c);
	assert_int_equal(c.bad_empty, 0);
	assert_int_equal(c.bad_slot, 0);
	assert_int_equal(c.bad_order, 0);
	assert_int_equal(c.bad_dup, 0);
	assert_int_equal(ret, c.calls);
	assert_int_equal(c.got.n, expect->n);
	bv_sort(&c.got);
	bv_sort(expect);
	for (size_t i = 0; i < expect->n; i++) {
		if (c.got.v[i] != expect->v[i])
			fail_msg("enumerate layout %zu differs from oracle: "
				 "got %#llx want %#llx", i,
				 (unsigned long long)c.got.v[i],
				 (unsigned long long)expect->v[i]);
	}
	bv_free(&c.got);
}

/* ------------------------------------------------------------------ */
/* Checking migctl_grid_fit against the oracle                         */
/* ------------------------------------------------------------------ */

static bool listed_in(const struct migctl_placement_set *ps,
		      struct migctl_placement p)
{
	if (p.size != ps->size)
		return false;
	for (unsigned i = 0; i < ps->n_starts; i++)
		if (ps->starts[i] == p.start)
			return true;
	return false;
}

/* The placements fit returned are listed, disjoint (with `fixed` too),
 * within limits and slices. */
static void check_fit_result(const struct migctl_grid *g,
			     const struct migctl_slot *fixed, size_t n_fixed,
			     const size_t *want, size_t n_want,
			     const struct migctl_placement *out)
{
	uint64_t occ = 0;
	unsigned count[MIGCTL_GRID_MAX_PROFILES] = { 0 };
	unsigned slices = 0;
	for (size_t i = 0; i < n_fixed; i++) {
		occ |= umask(fixed[i].placement.start, fixed[i].placement.size);
		count[fixed[i].profile]++;
		slices += g->profiles[fixed[i].profile].slices;
	}
	for (size_t k = 0; k < n_want; k++) {
		const struct migctl_slot_profile *sp = &g->profiles[want[k]];
		if (!listed_in(sp->placements, out[k]))
			fail_msg("fit: profile %u got unlisted placement %u:%u",
				 sp->id, out[k].start, out[k].size);
		uint64_t m = umask(out[k].start, out[k].size);
		if (m & occ)
			fail_msg("fit: profile %u at %u:%u overlaps", sp->id,
				 out[k].start, out[k].size);
		occ |= m;
		if (++count[want[k]] > sp->max)
			fail_msg("fit: profile %u over its limit", sp->id);
		slices += sp->slices;
	}
	assert_true(slices <= g->compute_slices);
}

/* Build a want list from a count vector, small profiles first (the
 * opposite of fit's internal order, so that out[] order matters). */
static size_t want_of(const struct radix *r, const unsigned *cnt, size_t *want)
{
	size_t n = 0;
	for (size_t k = 0; k < r->n; k++)
		for (unsigned j = 0; j < cnt[k]; j++)
			want[n++] = r->prof[k];
	return n;
}

/* For every non-zero count vector: fit on the empty grid agrees with the
 * oracle; returned placements are valid. */
static void check_fit_empty(const struct cands *cs, const struct radix *r,
			    const bool *feasible)
{
	unsigned cnt[MIGCTL_GRID_MAX_PROFILES];
	size_t want[64];
	struct migctl_placement out[64];
	for (size_t x = 1; x < r->total; x++) {
		radix_decode(r, x, cnt);
		size_t nw = want_of(r, cnt, want);
		memset(out, 0xff, sizeof(out));
		enum migctl_err e = migctl_grid_fit(cs->g, NULL, 0, want, nw, out);
		if (feasible[x]) {
			if (e != MIGCTL_ERR_OK)
				fail_msg("fit: vector %zu feasible, got %d", x, e);
			check_fit_result(cs->g, NULL, 0, want, nw, out);
		} else if (e != MIGCTL_ERR_INFEASIBLE) {
			fail_msg("fit: vector %zu infeasible, got %d", x, e);
		}
	}
}

/* Same with every oracle layout as `fixed`: feasible iff some oracle
 * layout contains the fixed one and adds exactly the count vector. */
static void check_fit_fixed(const struct cands *cs, const struct radix *r,
			    const struct bitsvec *layouts)
{
	bool *f = malloc(r->total * sizeof(bool));
	assert_non_null(f);
	unsigned cf[MIGCTL_GRID_MAX_PROFILES], cl[MIGCTL_GRID_MAX_PROFILES];
	unsigned cnt[MIGCTL_GRID_MAX_PROFILES], d[MIGCTL_GRID_MAX_PROFILES];
	struct migctl_slot fixed[MAX_CANDS];
	size_t want[64];
	struct migctl_placement out[64];

	for (size_t i = 0; i < layouts->n; i++) {
		uint64_t fb = layouts->v[i];
		memset(f, 0, r->total * sizeof(bool));
		f[0] = true;
		bits_counts(cs, r, fb, cf);
		for (size_t j = 0; j < layouts->n; j++) {
			uint64_t lb = layouts->v[j];
			if ((lb & fb) != fb)
				continue;
			bits_counts(cs, r, lb, cl);
			for (size_t k = 0; k < r->n; k++)
				d[k] = cl[k] - cf[k];
			long code = radix_code(r, d);
			assert_true(code >= 0);
			f[code] = true;
		}
		size_t nf = bits_to_slots(cs, fb, fixed);
		for (size_t x = 1; x < r->total; x++) {
			radix_decode(r, x, cnt);
			size_t nw = want_of(r, cnt, want);
			enum migctl_err e = migctl_grid_fit(cs->g, fixed, nf,
							    want, nw, out);
			if (f[x]) {
				if (e != MIGCTL_ERR_OK)
					fail_msg("fit: fixed %#llx + vector %zu "
						 "feasible, got %d",
						 (unsigned long long)fb, x, e);
				check_fit_result(cs->g, fixed, nf, want, nw, out);
			} else if (e != MIGCTL_ERR_INFEASIBLE) {
				fail_msg("fit: fixed %#llx + vector %zu "
					 "infeasible, got %d",
					 (unsigned long long)fb, x, e);
			}
		}
	}
	free(f);
}

/* ------------------------------------------------------------------ */
/* 1. Counting layouts and multisets                                   */
/* ------------------------------------------------------------------ */

struct counts {
	size_t placed, non_ext, feasible, maximal;
};

static void run_counting(const struct migctl_grid *g, const unsigned *ids,
			 size_t n_ids, const struct counts *want, bool fixed)
{
	struct cands cs;
	struct radix r;
	struct bitsvec all = { 0 }, all2 = { 0 }, ne = { 0 }, ne2 = { 0 };
	uint32_t allowed = allowed_of(g, ids, n_ids);

	build_cands(g, allowed, &cs);
	radix_init(&r, g, allowed);

	/* The two oracles agree with each other and with planning.md. */
	oracle_layouts_bitmask(&cs, false, &all);
	oracle_layouts_rec(&cs, false, &all2);
	oracle_layouts_bitmask(&cs, true, &ne);
	oracle_layouts_rec(&cs, true, &ne2);
	assert_int_equal(all.n, want->placed);
	assert_int_equal(all2.n, want->placed);
	assert_int_equal(ne.n, want->non_ext);
	assert_int_equal(ne2.n, want->non_ext);
	bv_sort(&all);
	bv_sort(&all2);
	assert_memory_equal(all.v, all2.v, all.n * sizeof(uint64_t));

	bool *feasible = oracle_feasible(&cs, &r, &all);
	size_t nf, nm;
	count_multisets(&r, feasible, &nf, &nm);
	if (want->feasible) {
		assert_int_equal(nf, want->feasible);
		assert_int_equal(nm, want->maximal);
	}

	/* The engine visits the same layouts. */
	check_enumerate(&cs, MIGCTL_LAYOUTS_ALL, &all);
	check_enumerate(&cs, MIGCTL_LAYOUTS_NON_EXTENDABLE, &ne);

	/* And fit agrees on every count vector. */
	check_fit_empty(&cs, &r, feasible);
	if (fixed)
		check_fit_fixed(&cs, &r, &all);

	free(feasible);
	bv_free(&all);
	bv_free(&all2);
	bv_free(&ne);
	bv_free(&ne2);
}

static void test_count_a100(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a100(&g);
	static const unsigned ids[] = { 19, 14, 9, 5, 0 };
	struct counts want = { 297, 19, 37, 12 };
	run_counting(&g, ids, COUNT(ids), &want, true);
}

static void test_count_h100(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_h100(&g);
	static const unsigned ids[] = { 19, 14, 9, 5, 0 };
	struct counts want = { 297, 19, 37, 12 };
	run_counting(&g, ids, COUNT(ids), &want, false);
}

static void test_count_a100_double_memory(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a100(&g);
	static const unsigned ids[] = { 19, 15, 14, 9, 5, 0 };
	struct counts want = { 722, 78, 77, 28 };
	run_counting(&g, ids, COUNT(ids), &want, false);
}

static void test_count_a30(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a30(&g);
	static const unsigned ids[] = { 14, 5, 0 };
	struct counts want = { 25, 5, 9, 4 };
	run_counting(&g, ids, COUNT(ids), &want, true);
}

/* All profiles (no published count): the engine still matches the
 * recursive oracle, on every model; fit too (A30, RTX PRO). */
static void run_all_profiles(const struct migctl_grid *g, bool fit)
{
	struct cands cs;
	struct radix r;
	struct bitsvec all = { 0 }, ne = { 0 };
	build_cands(g, MIGCTL_ALL_PROFILES, &cs);
	oracle_layouts_rec(&cs, false, &all);
	oracle_layouts_rec(&cs, true, &ne);
	assert_true(all.n > 0);
	assert_true(ne.n > 0);
	check_enumerate(&cs, MIGCTL_LAYOUTS_ALL, &all);
	check_enumerate(&cs, MIGCTL_LAYOUTS_NON_EXTENDABLE, &ne);
	if (fit) {
		radix_init(&r, g, MIGCTL_ALL_PROFILES);
		bool *feasible = oracle_feasible(&cs, &r, &all);
		check_fit_empty(&cs, &r, feasible);
		free(feasible);
	}
	bv_free(&all);
	bv_free(&ne);
}

static void test_enumerate_all_profiles(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a100(&g);
	run_all_profiles(&g, false);
	grid_a30(&g);
	run_all_profiles(&g, true);
	grid_rtx(&g);
	run_all_profiles(&g, false);

	/* A GPU whose compute slices, not its units, are the limit. */
	grid_a100(&g);
	g.compute_slices = 5;
	run_all_profiles(&g, false);

	grid_synthetic(&g);
	run_all_profiles(&g, true);

	/* CI level: a 7g GI. */
	grid_a100(&g);
	struct migctl_grid ci;
	migctl_grid_of_gi(&ci, &a100_gi[6]);
	run_all_profiles(&ci, true);
}

/* Every subset of profiles as `allowed`: "non-extendable" means nothing
 * *allowed* can be added (4g alone is non-extendable among {4g} though a
 * 3g fits next to it). */
static void run_allowed_subsets(const struct migctl_grid *g)
{
	for (uint32_t a = 1; a < (UINT32_C(1) << g->n_profiles); a++) {
		struct cands cs;
		struct bitsvec all = { 0 }, ne = { 0 };
		build_cands(g, a, &cs);
		oracle_layouts_rec(&cs, false, &all);
		oracle_layouts_rec(&cs, true, &ne);
		check_enumerate(&cs, MIGCTL_LAYOUTS_ALL, &all);
		check_enumerate(&cs, MIGCTL_LAYOUTS_NON_EXTENDABLE, &ne);
		bv_free(&all);
		bv_free(&ne);
	}
}

static void test_enumerate_allowed_subsets(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a100(&g);
	run_allowed_subsets(&g);
	grid_a30(&g);
	run_allowed_subsets(&g);
	grid_synthetic(&g);
	run_allowed_subsets(&g);

	struct cands cs;
	struct collect c;
	grid_a100(&g);
	static const unsigned only4[] = { 5 };
	uint32_t a4 = allowed_of(&g, only4, 1);
	build_cands(&g, a4, &cs);
	memset(&c, 0, sizeof(c));
	c.cs = &cs;
	assert_int_equal(migctl_grid_enumerate(&g, a4,
					       MIGCTL_LAYOUTS_NON_EXTENDABLE,
					       collect_cb, &c), 1);
	assert_int_equal(c.got.n, 1);
	assert_int_equal(c.got.v[0], 1);
	bv_free(&c.got);
}

/* A stopped walk counts the layout it stopped at. */
static void test_enumerate_stop(void **state)
{
	(void)state;
	struct migctl_grid g;
	struct cands cs;
	grid_a100(&g);
	build_cands(&g, MIGCTL_ALL_PROFILES, &cs);
	struct collect c;
	memset(&c, 0, sizeof(c));
	c.cs = &cs;
	c.stop_at = 5;
	size_t ret = migctl_grid_enumerate(&g, MIGCTL_ALL_PROFILES,
					   MIGCTL_LAYOUTS_ALL, collect_cb, &c);
	assert_int_equal(c.calls, 5);
	assert_int_equal(ret, 5);
	bv_free(&c.got);

	memset(&c, 0, sizeof(c));
	c.cs = &cs;
	c.stop_at = 1;
	ret = migctl_grid_enumerate(&g, MIGCTL_ALL_PROFILES,
				    MIGCTL_LAYOUTS_NON_EXTENDABLE, collect_cb, &c);
	assert_int_equal(c.calls, 1);
	assert_int_equal(ret, 1);
	bv_free(&c.got);

	/* Nothing allowed: nothing visited. */
	memset(&c, 0, sizeof(c));
	c.cs = &cs;
	ret = migctl_grid_enumerate(&g, 0, MIGCTL_LAYOUTS_ALL, collect_cb, &c);
	assert_int_equal(ret, 0);
	assert_int_equal(c.calls, 0);
	bv_free(&c.got);

	/* 7g alone: exactly one layout, 0:8. */
	static const unsigned only7[] = { 0 };
	memset(&c, 0, sizeof(c));
	c.cs = &cs;
	ret = migctl_grid_enumerate(&g, allowed_of(&g, only7, 1),
				    MIGCTL_LAYOUTS_ALL, collect_cb, &c);
	assert_int_equal(ret, 1);
	assert_int_equal(c.got.n, 1);
	bv_free(&c.got);
}

/* A few fit answers by hand (A100-40GB, all profiles). */
static void test_fit_examples(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a100(&g);
	size_t i1 = pidx(&g, 19), ime = pidx(&g, 20), i2 = pidx(&g, 14),
	       i3 = pidx(&g, 9), i4 = pidx(&g, 5), i7 = pidx(&g, 0);
	struct migctl_placement out[16];

	/* 4g + 3g: the layout MISO/nos forgot (planning.md §1.2). */
	size_t w43[] = { i3, i4 };
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w43, 2, out), MIGCTL_ERR_OK);
	assert_int_equal(out[0].start, 4);
	assert_int_equal(out[0].size, 4);
	assert_int_equal(out[1].start, 0);
	assert_int_equal(out[1].size, 4);

	/* 3g + 2g + 2g fits only with the 3g at 4 (planning.md §1.3). */
	size_t w322[] = { i2, i3, i2 };
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w322, 3, out), MIGCTL_ERR_OK);
	assert_int_equal(out[1].start, 4);
	check_fit_result(&g, NULL, 0, w322, 3, out);

	/* 3g@0 fixed: 2g + 2g no longer fit; a 4g never. */
	struct migctl_slot f3[] = { S(i3, 0, 4) };
	size_t w22[] = { i2, i2 };
	assert_int_equal(migctl_grid_fit(&g, f3, 1, w22, 2, out),
			 MIGCTL_ERR_INFEASIBLE);
	size_t w4[] = { i4 };
	assert_int_equal(migctl_grid_fit(&g, f3, 1, w4, 1, out),
			 MIGCTL_ERR_INFEASIBLE);

	/* 7 x 1g plus anything is infeasible; 7 x 1g alone fits. */
	size_t w7[8] = { i1, i1, i1, i1, i1, i1, i1, i1 };
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w7, 7, out), MIGCTL_ERR_OK);
	check_fit_result(&g, NULL, 0, w7, 7, out);
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w7, 8, out),
			 MIGCTL_ERR_INFEASIBLE);

	/* Two 1g+me exceed the limit of one. */
	size_t wme[] = { ime, ime };
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, wme, 2, out),
			 MIGCTL_ERR_INFEASIBLE);
	/* ... and one fixed 1g+me makes even one more infeasible. */
	struct migctl_slot fme[] = { S(ime, 6, 1) };
	assert_int_equal(migctl_grid_fit(&g, fme, 1, wme, 1, out),
			 MIGCTL_ERR_INFEASIBLE);
	/* 6 x 1g next to the 1g+me fit, a 7th does not. */
	assert_int_equal(migctl_grid_fit(&g, fme, 1, w7, 6, out), MIGCTL_ERR_OK);
	check_fit_result(&g, fme, 1, w7, 6, out);
	assert_int_equal(migctl_grid_fit(&g, fme, 1, w7, 7, out),
			 MIGCTL_ERR_INFEASIBLE);

	/* 7g on an empty GPU; nothing next to it. */
	size_t w7g[] = { i7, i1 };
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w7g, 1, out), MIGCTL_ERR_OK);
	assert_int_equal(out[0].start, 0);
	assert_int_equal(out[0].size, 8);
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w7g, 2, out),
			 MIGCTL_ERR_INFEASIBLE);

	/* Deterministic. */
	struct migctl_placement o2[16];
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w322, 3, out), MIGCTL_ERR_OK);
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w322, 3, o2), MIGCTL_ERR_OK);
	assert_memory_equal(out, o2, 3 * sizeof(out[0]));
}

/* ------------------------------------------------------------------ */
/* 2. Remaining capacity, can_place, free_placements vs oracles        */
/* ------------------------------------------------------------------ */

static uint64_t slots_umask(const struct migctl_slot *s, size_t n)
{
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++)
		m |= umask(s[i].placement.start, s[i].placement.size);
	return m;
}

static bool oracle_can_place(const struct migctl_grid *g,
			     const struct migctl_slot *s, size_t n,
			     size_t prof, struct migctl_placement p)
{
	const struct migctl_slot_profile *sp = &g->profiles[prof];
	unsigned count = 0, slices = 0;
	if (!listed_in(sp->placements, p))
		return false;
	if (umask(p.start, p.size) & slots_umask(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		count += s[i].profile == prof;
		slices += g->profiles[s[i].profile].slices;
	}
	return count < sp->max && slices + sp->slices <= g->compute_slices;
}

/* Brute force: the largest set of free, pairwise disjoint placements that
 * the profile limit and the free compute slices allow. */
static unsigned oracle_capacity(const struct migctl_grid *g,
				const struct migctl_slot *s, size_t n,
				size_t prof)
{
	const struct migctl_slot_profile *sp = &g->profiles[prof];
	uint64_t occ = slots_umask(s, n), fm[MIGCTL_MAX_UNITS];
	unsigned k = 0, count = 0, slices = 0, best = 0;
	for (size_t i = 0; i < n; i++) {
		count += s[i].profile == prof;
		slices += g->profiles[s[i].profile].slices;
	}
	for (unsigned i = 0; i < sp->placements->n_starts; i++) {
		uint64_t m = umask(sp->placements->starts[i], sp->placements->size);
		if (!(m & occ))
			fm[k++] = m;
	}
	for (uint64_t sub = 0; sub < (UINT64_C(1) << k); sub++) {
		uint64_t u = 0;
		unsigned c = 0;
		bool ok = true;
		for (unsigned i = 0; i < k && ok; i++) {
			if (!(sub >> i & 1))
				continue;
			if (u & fm[i])
				ok = false;
			u |= fm[i];
			c++;
		}
		if (!ok || count + c > sp->max ||
		    slices + c * sp->slices > g->compute_slices)
			continue;
		if (c > best)
			best = c;
	}
	return best;
}

/* Layouts of a grid (all profiles) plus the empty one, as slot lists. */
struct layouts {
	struct cands cs;
	struct bitsvec bits;
};

static void all_layouts(const struct migctl_grid *g, struct layouts *l)
{
	memset(l, 0, sizeof(*l));
	build_cands(g, MIGCTL_ALL_PROFILES, &l->cs);
	bv_push(&l->bits, 0);
	oracle_layouts_rec(&l->cs, false, &l->bits);
}

/* For every layout and profile: remaining capacity, can_place (every
 * start and a wrong size) and free_placements agree with the oracle. */
static void check_capacity_grid(const struct migctl_grid *g)
{
	struct layouts l;
	struct migctl_slot s[MAX_CANDS];
	all_layouts(g, &l);
	for (size_t li = 0; li < l.bits.n; li++) {
		size_t n = bits_to_slots(&l.cs, l.bits.v[li], s);
		assert_int_equal(migctl_slots_mask(s, n),
				 (migctl_mask)slots_umask(s, n));
		for (size_t q = 0; q < g->n_profiles; q++) {
			const struct migctl_slot_profile *sp = &g->profiles[q];
			unsigned want = oracle_capacity(g, s, n, q);
			unsigned got = migctl_grid_remaining_capacity(g, s, n, q);
			if (got != want)
				fail_msg("capacity of profile %u in layout %#llx: "
					 "got %u want %u", sp->id,
					 (unsigned long long)l.bits.v[li], got,
					 want);

			struct migctl_placement exp[MIGCTL_MAX_UNITS];
			size_t ne = 0;
			for (unsigned st = 0; st < g->units; st++) {
				struct migctl_placement p = P(st, sp->placements->size);
				bool o = oracle_can_place(g, s, n, q, p);
				if (migctl_grid_can_place(g, s, n, q, p) != o)
					fail_msg("can_place profile %u at %u:%u "
						 "in layout %#llx: want %d",
						 sp->id, p.start, p.size,
						 (unsigned long long)l.bits.v[li], o);
				if (o)
					exp[ne++] = p;
				/* wrong size never fits */
				assert_false(migctl_grid_can_place(
					g, s, n, q, P(st, sp->placements->size + 1)));
			}
			struct migctl_placement fp[MIGCTL_MAX_UNITS + 1];
			memset(fp, 0xab, sizeof(fp));
			size_t nf = migctl_grid_free_placements(g, s, n, q, fp,
								 MIGCTL_MAX_UNITS);
			if (nf != ne)
				fail_msg("free_placements of profile %u in layout "
					 "%#llx: got %zu want %zu", sp->id,
					 (unsigned long long)l.bits.v[li], nf, ne);
			for (size_t i = 0; i < ne; i++) {
				assert_int_equal(fp[i].start, exp[i].start);
				assert_int_equal(fp[i].size, exp[i].size);
			}
			/* Free capacity never exceeds the free placements. */
			assert_true(got <= nf);
			assert_true(got == 0 || nf > 0);
		}
	}
	bv_free(&l.bits);
}

static void test_capacity_a100(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a100(&g);
	check_capacity_grid(&g);

	/* Empty GPU: Free = Total for every profile. */
	static const unsigned ids[] = { 19, 20, 15, 14, 9, 5, 0 };
	static const unsigned tot[] = { 7, 1, 4, 3, 2, 1, 1 };
	for (size_t i = 0; i < COUNT(ids); i++)
		assert_int_equal(migctl_grid_remaining_capacity(&g, NULL, 0,
								pidx(&g, ids[i])),
				 tot[i]);

	/* nvidia-smi -lgip after 3g@4:4: 1g 4, 2g 2, 3g 1 (0:4), 4g 1 (0:4,
	 * and 4 compute slices remain), 7g 0. */
	struct migctl_slot s3[] = { S(pidx(&g, 9), 4, 4) };
	assert_int_equal(migctl_grid_remaining_capacity(&g, s3, 1, pidx(&g, 19)), 4);
	assert_int_equal(migctl_grid_remaining_capacity(&g, s3, 1, pidx(&g, 14)), 2);
	assert_int_equal(migctl_grid_remaining_capacity(&g, s3, 1, pidx(&g, 9)), 1);
	assert_int_equal(migctl_grid_remaining_capacity(&g, s3, 1, pidx(&g, 5)), 1);
	assert_int_equal(migctl_grid_remaining_capacity(&g, s3, 1, pidx(&g, 0)), 0);

	/* Full GPU (7 x 1g): 0 everywhere. */
	struct migctl_slot s7[7];
	for (unsigned i = 0; i < 7; i++)
		s7[i] = S(pidx(&g, 19), i, 1);
	for (size_t q = 0; q < g.n_profiles; q++)
		assert_int_equal(migctl_grid_remaining_capacity(&g, s7, 7, q), 0);
}

static void test_capacity_other_grids(void **state)
{
	(void)state;
	struct migctl_grid g, ci;
	grid_a30(&g);
	check_capacity_grid(&g);
	grid_rtx(&g);
	check_capacity_grid(&g);

	/* Synthetic limits so that the slice and profile caps bind. */
	grid_a100(&g);
	g.compute_slices = 5;
	check_capacity_grid(&g);
	grid_a100(&g);
	g.profiles[pidx(&g, 19)].max = 3;
	g.profiles[pidx(&g, 14)].max = 1;
	check_capacity_grid(&g);

	grid_synthetic(&g);
	check_capacity_grid(&g);

	/* CI grids of every A100 GI. */
	for (size_t i = 0; i < COUNT(a100_gi); i++) {
		migctl_grid_of_gi(&ci, &a100_gi[i]);
		check_capacity_grid(&ci);
	}
}

/* ------------------------------------------------------------------ */
/* 3. Driver placement rule                                            */
/* ------------------------------------------------------------------ */

/* Oracle of the rule: the placement that maximises the summed oracle
 * capacities afterwards, ties to the lowest start. */
static bool oracle_choose(const struct migctl_grid *g,
			  const struct migctl_slot *s, size_t n, size_t prof,
			  struct migctl_placement *out)
{
	struct migctl_slot t[MAX_CANDS + 1];
	long best = -1;
	memcpy(t, s, n * sizeof(*s));
	for (unsigned st = 0; st < g->units; st++) {
		struct migctl_placement p = P(st, g->profiles[prof].placements->size);
		if (!oracle_can_place(g, s, n, prof, p))
			continue;
		t[n] = S(prof, p.start, p.size);
		long score = 0;
		for (size_t q = 0; q < g->n_profiles; q++)
			score += oracle_capacity(g, t, n + 1, q);
		if (score > best) {
			best = score;
			*out = p;
		}
	}
	return best >= 0;
}

static void check_choose_grid(const struct migctl_grid *g)
{
	struct layouts l;
	struct migctl_slot s[MAX_CANDS];
	all_layouts(g, &l);
	for (size_t li = 0; li < l.bits.n; li++) {
		size_t n = bits_to_slots(&l.cs, l.bits.v[li], s);
		for (size_t q = 0; q < g->n_profiles; q++) {
			struct migctl_placement want = { 0, 0 }, got = { 99, 99 };
			bool ok = oracle_choose(g, s, n, q, &want);
			enum migctl_err e =
				migctl_grid_choose_placement(g, s, n, q, &got);
			if (!ok) {
				if (e != MIGCTL_ERR_INSUFFICIENT_RESOURCES)
					fail_msg("choose profile %u in layout "
						 "%#llx: want insufficient, got "
						 "%d", g->profiles[q].id,
						 (unsigned long long)l.bits.v[li], e);
				continue;
			}
			if (e != MIGCTL_ERR_OK || got.start != want.start ||
			    got.size != want.size)
				fail_msg("choose profile %u in layout %#llx: want "
					 "%u:%u, got %d %u:%u", g->profiles[q].id,
					 (unsigned long long)l.bits.v[li],
					 want.start, want.size, e, got.start,
					 got.size);
		}
	}
	bv_free(&l.bits);
}

static void test_choose_exhaustive(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a100(&g);
	check_choose_grid(&g);
	grid_a30(&g);
	check_choose_grid(&g);
	grid_rtx(&g);
	check_choose_grid(&g);
	/* Synthetic limits (slice cap and a profile cap that bind). */
	grid_a100(&g);
	g.compute_slices = 5;
	check_choose_grid(&g);
	grid_a100(&g);
	g.profiles[pidx(&g, 19)].max = 3;
	check_choose_grid(&g);
	grid_synthetic(&g);
	check_choose_grid(&g);
	/* The CI grids follow the same rule (RM's kmigmgrGetFreeCTSId). */
	for (size_t i = 0; i < COUNT(a100_gi); i++) {
		migctl_grid_of_gi(&g, &a100_gi[i]);
		check_choose_grid(&g);
	}
}

/* Create `n` instances in order like `nvidia-smi mig -cgi` without
 * placements, starting from `slots[0..*n_slots)`. Expected start and GI ID
 * per step; a negative start means "Insufficient Resources" there (and
 * the sequence stops). */
struct step {
	unsigned id;
	int start;
	int gi_id;
};

static void run_sequence(const struct migctl_grid *g,
			 struct migctl_slot *slots, size_t n_slots,
			 const struct step *steps, size_t n_steps,
			 enum migctl_gi_id_mapping mapping)
{
	for (size_t i = 0; i < n_steps; i++) {
		size_t q = pidx(g, steps[i].id);
		struct migctl_placement p = { 77, 77 };
		enum migctl_err e =
			migctl_grid_choose_placement(g, slots, n_slots, q, &p);
		if (steps[i].start < 0) {
			assert_int_equal(e, MIGCTL_ERR_INSUFFICIENT_RESOURCES);
			return;
		}
		if (e != MIGCTL_ERR_OK || p.start != (unsigned)steps[i].start)
			fail_msg("step %zu (profile %u): want start %d, got %d "
				 "%u:%u", i, steps[i].id, steps[i].start, e,
				 p.start, p.size);
		assert_int_equal(p.size, g->profiles[q].placements->size);
		assert_true(migctl_grid_can_place(g, slots, n_slots, q, p));
		assert_int_equal(migctl_gi_id(g->units, p, mapping),
				 steps[i].gi_id);
		slots[n_slots++] = S(q, p.start, p.size);
	}
}

#define RUN(g, steps)                                                       \
	do {                                                                \
		struct migctl_slot sl_[32];                                 \
		run_sequence((g), sl_, 0, (steps), COUNT(steps),             \
			     MIGCTL_GI_ID_IDENTITY);                        \
	} while (0)

static void test_choose_a100_rows(void **state)
{
	(void)state;
	struct migctl_grid full, five, h100;
	grid_a100(&full);
	grid_h100(&h100);
	/* Older drivers list only 1g, 2g, 3g, 4g, 7g (seed 004). */
	grid_a100(&five);
	{
		static const unsigned keep[] = { 19, 14, 9, 5, 0 };
		struct migctl_grid t = five;
		t.n_profiles = 0;
		for (size_t i = 0; i < COUNT(keep); i++)
			t.profiles[t.n_profiles++] = five.profiles[pidx(&five, keep[i])];
		five = t;
	}
	const struct migctl_grid *grids[] = { &full, &five, &h100 };

	for (size_t gi = 0; gi < COUNT(grids); gi++) {
		const struct migctl_grid *g = grids[gi];

		static const struct step g1x7[] = {
			{ 19, 6, 13 }, { 19, 4, 11 }, { 19, 5, 12 }, { 19, 0, 7 },
			{ 19, 1, 8 },  { 19, 2, 9 },  { 19, 3, 10 }, { 19, -1, 0 },
		};
		RUN(g, g1x7);

		static const struct step g33[] = {
			{ 9, 4, 2 }, { 9, 0, 1 }, { 9, -1, 0 },
		};
		RUN(g, g33);

		static const struct step g1123[] = {
			{ 19, 6, 13 }, { 19, 4, 11 }, { 14, 0, 3 }, { 9, -1, 0 },
		};
		RUN(g, g1123);

		static const struct step g3121[] = {
			{ 9, 4, 2 }, { 19, 0, 7 }, { 14, 2, 4 }, { 19, 1, 8 },
		};
		RUN(g, g3121);

		static const struct step g2_1x5[] = {
			{ 14, 4, 5 }, { 19, 6, 13 }, { 19, 0, 7 },
			{ 19, 1, 8 }, { 19, 2, 9 },  { 19, 3, 10 },
		};
		RUN(g, g2_1x5);

		/* seed 004: -cgi 9,14,19,19 -> GI 2, 3, 9, 10 */
		static const struct step seed004[] = {
			{ 9, 4, 2 }, { 14, 0, 3 }, { 19, 2, 9 }, { 19, 3, 10 },
		};
		RUN(g, seed004);
	}

	/* Half-swapped boards: the same placements, other IDs
	 * (dask-cuda#583: 1g x 7 -> 9,7,8,11,12,13,14; -cgi 9,9 -> 1, 2). */
	static const struct step swap1x7[] = {
		{ 19, 6, 9 },  { 19, 4, 7 },  { 19, 5, 8 }, { 19, 0, 11 },
		{ 19, 1, 12 }, { 19, 2, 13 }, { 19, 3, 14 },
	};
	static const struct step swap33[] = { { 9, 4, 1 }, { 9, 0, 2 } };
	struct migctl_slot sl[16];
	run_sequence(&full, sl, 0, swap1x7, COUNT(swap1x7),
		     MIGCTL_GI_ID_HALF_SWAPPED);
	run_sequence(&full, sl, 0, swap33, COUNT(swap33),
		     MIGCTL_GI_ID_HALF_SWAPPED);
}

static void test_choose_gh200_row(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_h100(&g);
	struct migctl_slot sl[16];

	/* The first 1g+me on an empty GPU goes to slot 6 ... */
	struct migctl_placement p;
	assert_int_equal(migctl_grid_choose_placement(&g, NULL, 0,
						      pidx(&g, 20), &p),
			 MIGCTL_ERR_OK);
	assert_int_equal(p.start, 6);
	assert_int_equal(p.size, 1);

	/* ... and with it there, 1g.24gb (ID 15) x 3 -> GI 5, 3, 4. */
	sl[0] = S(pidx(&g, 20), 6, 1);
	static const struct step gh[] = {
		{ 15, 4, 5 }, { 15, 0, 3 }, { 15, 2, 4 }, { 15, -1, 0 },
	};
	run_sequence(&g, sl, 1, gh, COUNT(gh), MIGCTL_GI_ID_IDENTITY);
}

static void test_choose_a30_rtx_rows(void **state)
{
	(void)state;
	struct migctl_grid g;
	grid_a30(&g);
	static const struct step a30[] = {
		{ 14, 0, 3 }, { 14, 1, 4 }, { 5, 2, 2 }, { 5, -1, 0 },
	};
	RUN(&g, a30);

	grid_rtx(&g);
	static const struct step rtx1[] = {
		{ 14, 0, 3 }, { 14, 3, 4 }, { 14, 6, 5 }, { 14, 9, 6 }, { 14, -1, 0 },
	};
	RUN(&g, rtx1);
	static const struct step rtx2[] = {
		{ 5, 0, 1 }, { 14, 6, 5 }, { 14, 9, 6 }, { 14, -1, 0 },
	};
	RUN(&g, rtx2);
}

/* ------------------------------------------------------------------ */
/* 4. GI IDs                                                           */
/* ------------------------------------------------------------------ */

static void check_id(unsigned units, unsigned start, unsigned size,
		     int identity, int swapped)
{
	int a = migctl_gi_id(units, P(start, size), MIGCTL_GI_ID_IDENTITY);
	int b = migctl_gi_id(units, P(start, size), MIGCTL_GI_ID_HALF_SWAPPED);
	if (a != identity || b != swapped)
		fail_msg("gi_id(%u, %u:%u): got %d/%d want %d/%d", units, start,
			 size, a, b, identity, swapped);
}

static void test_gi_ids(void **state)
{
	(void)state;
	/* 8 units, mig-profiles.md §3. */
	check_id(8, 0, 8, 0, 0);
	check_id(8, 0, 4, 1, 2);
	check_id(8, 4, 4, 2, 1);
	check_id(8, 0, 2, 3, 5);
	check_id(8, 2, 2, 4, 6);
	check_id(8, 4, 2, 5, 3);
	check_id(8, 6, 2, 6, 4);
	static const int id1[] = { 7, 8, 9, 10, 11, 12, 13, 14 };
	static const int sw1[] = { 11, 12, 13, 14, 7, 8, 9, 10 };
	for (unsigned i = 0; i < 8; i++)
		check_id(8, i, 1, id1[i], sw1[i]);

	/* 4 units (A30): full 0, halves 1, 2, quarters 3..6. */
	check_id(4, 0, 4, 0, 0);
	check_id(4, 0, 2, 1, 2);
	check_id(4, 2, 2, 2, 1);
	check_id(4, 0, 1, 3, 5);
	check_id(4, 1, 1, 4, 6);
	check_id(4, 2, 1, 5, 3);
	check_id(4, 3, 1, 6, 4);

	/* 12 units (RTX PRO 6000). */
	check_id(12, 0, 12, 0, 0);
	check_id(12, 0, 6, 1, 2);
	check_id(12, 6, 6, 2, 1);
	check_id(12, 0, 3, 3, 5);
	check_id(12, 3, 3, 4, 6);
	check_id(12, 6, 3, 5, 3);
	check_id(12, 9, 3, 6, 4);

	/* Every listed placement of the hand-built models has an ID, and IDs
	 * are distinct per placement. */
	struct migctl_grid gs[3];
	grid_a100(&gs[0]);
	grid_a30(&gs[1]);
	grid_rtx(&gs[2]);
	for (size_t k = 0; k < 3; k++) {
		bool seen[2][64] = { { false } };
		unsigned seen_at[2][64];
		for (size_t q = 0; q < gs[k].n_profiles; q++) {
			const struct migctl_placement_set *ps = gs[k].profiles[q].placements;
			for (unsigned i = 0; i < ps->n_starts; i++) {
				struct migctl_placement p = P(ps->starts[i], ps->size);
				for (int m = 0; m < 2; m++) {
					int id = migctl_gi_id(gs[k].units, p,
							      (enum migctl_gi_id_mapping)m);
					assert_true(id >= 0 && id < 64);
					unsigned key = p.start * 64 + p.size;
					if (seen[m][id])
						assert_int_equal(seen_at[m][id], key);
					seen[m][id] = true;
					seen_at[m][id] = key;
				}
			}
		}
	}

	/* Unaligned placements. */
	check_id(8, 1, 2, -1, -1);
	check_id(8, 2, 4, -1, -1);
	check_id(8, 3, 4, -1, -1);
	check_id(8, 0, 3, -1, -1);
	check_id(8, 4, 3, -1, -1);
	check_id(8, 1, 8, -1, -1);
	check_id(4, 1, 2, -1, -1);
	check_id(4, 0, 3, -1, -1);
	check_id(12, 1, 3, -1, -1);
	check_id(12, 3, 6, -1, -1);
	check_id(12, 2, 3, -1, -1);
	check_id(12, 4, 6, -1, -1);
	check_id(12, 0, 5, -1, -1);
}

/* ------------------------------------------------------------------ */
/* 5. Compute-instance level                                           */
/* ------------------------------------------------------------------ */

static void test_ci_level(void **state)
{
	(void)state;
	struct migctl_grid g;
	const struct migctl_gi_profile *gi3 = &a100_gi[4];
	assert_int_equal(gi3->id, 9);
	migctl_grid_of_gi(&g, gi3);
	assert_int_equal(g.units, 3);
	assert_int_equal(g.compute_slices, 3);
	assert_int_equal(g.n_profiles, COUNT(ci_3g));
	for (size_t i = 0; i < COUNT(ci_3g); i++) {
		size_t q = pidx(&g, ci_3g[i].id);
		assert_int_equal(g.profiles[q].slices, ci_3g[i].slices);
		assert_int_equal(g.profiles[q].max, ci_3g[i].max);
		assert_ptr_equal(g.profiles[q].placements, &gi3->ci[i].placements);
	}
	size_t c1 = pidx(&g, 0), c2 = pidx(&g, 1), c3 = pidx(&g, 2);

	/* Empty GI: Free 3 / 1 / 1 (nvidia-smi mig -lcip). */
	assert_int_equal(migctl_grid_remaining_capacity(&g, NULL, 0, c1), 3);
	assert_int_equal(migctl_grid_remaining_capacity(&g, NULL, 0, c2), 1);
	assert_int_equal(migctl_grid_remaining_capacity(&g, NULL, 0, c3), 1);

	/* Three 1c CIs land at 0:1, 1:1, 2:1 with CI IDs 0, 1, 2: a real
	 * `nvidia-smi mig -lci` (mig-profiles.md §4.3 [C]); CI IDs are
	 * assigned lowest-free, so CI 0 (at 0:1) was created first. */
	struct migctl_slot s[8];
	unsigned used[8];
	size_t n = 0;
	for (unsigned i = 0; i < 3; i++) {
		struct migctl_placement p;
		assert_int_equal(migctl_grid_choose_placement(&g, s, n, c1, &p),
				 MIGCTL_ERR_OK);
		assert_int_equal(p.start, i);
		assert_int_equal(p.size, 1);
		assert_int_equal(migctl_lowest_free_id(used, n, 8), (int)i);
		used[n] = i;
		s[n++] = S(c1, p.start, p.size);
		if (i == 0) {
			/* 1c at 0: a 2c still fits at 1:2 (seed 001), no 3g. */
			assert_int_equal(migctl_grid_remaining_capacity(&g, s, n, c2), 1);
			assert_true(migctl_grid_can_place(&g, s, n, c2, P(1, 2)));
			assert_int_equal(migctl_grid_remaining_capacity(&g, s, n, c3), 0);
			assert_int_equal(migctl_grid_remaining_capacity(&g, s, n, c1), 2);
		}
	}
	struct migctl_placement p;
	assert_int_equal(migctl_grid_choose_placement(&g, s, n, c1, &p),
			 MIGCTL_ERR_INSUFFICIENT_RESOURCES);
	assert_int_equal(migctl_grid_remaining_capacity(&g, s, n, c1), 0);

	/* 1c at 2 leaves the 2c at 0:2. */
	struct migctl_slot s2[] = { S(c1, 2, 1) };
	assert_int_equal(migctl_grid_remaining_capacity(&g, s2, 1, c2), 1);
	assert_true(migctl_grid_can_place(&g, s2, 1, c2, P(0, 2)));
	assert_false(migctl_grid_can_place(&g, s2, 1, c2, P(1, 2)));
	assert_false(migctl_grid_can_place(&g, s2, 1, c3, P(0, 3)));

	/* The whole-GI CI at 0:3. */
	assert_int_equal(migctl_grid_choose_placement(&g, NULL, 0, c3, &p),
			 MIGCTL_ERR_OK);
	assert_int_equal(p.start, 0);
	assert_int_equal(p.size, 3);

	/* 7g GI: the guide's 1c + 2c + 3c example fits; 4c + 3c too. */
	migctl_grid_of_gi(&g, &a100_gi[6]);
	assert_int_equal(g.units, 7);
	assert_int_equal(g.compute_slices, 7);
	size_t w[] = { pidx(&g, 0), pidx(&g, 1), pidx(&g, 2) };
	struct migctl_placement out[3];
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w, 3, out), MIGCTL_ERR_OK);
	check_fit_result(&g, NULL, 0, w, 3, out);
	size_t w43[] = { pidx(&g, 3), pidx(&g, 2) };
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w43, 2, out), MIGCTL_ERR_OK);
	assert_int_equal(out[0].start, 0);
	assert_int_equal(out[1].start, 4);
	size_t w33[] = { pidx(&g, 2), pidx(&g, 2), pidx(&g, 1) };
	assert_int_equal(migctl_grid_fit(&g, NULL, 0, w33, 3, out),
			 MIGCTL_ERR_INFEASIBLE);

	/* 4g GI: 2c x 2, then nothing. */
	migctl_grid_of_gi(&g, &a100_gi[5]);
	assert_int_equal(g.units, 4);
	size_t q2 = pidx(&g, 1);
	assert_int_equal(migctl_grid_remaining_capacity(&g, NULL, 0, q2), 2);
	assert_int_equal(migctl_grid_remaining_capacity(&g, NULL, 0, pidx(&g, 0)), 4);
	assert_int_equal(migctl_grid_remaining_capacity(&g, NULL, 0, pidx(&g, 3)), 1);
	assert_int_equal(pidx(&g, 3), 2);
	assert_int_equal(migctl_grid_profile_index(&g, 2), -1); /* no 3c */

	/* 1g GI: one CI at 0:1. */
	migctl_grid_of_gi(&g, &a100_gi[0]);
	assert_int_equal(g.units, 1);
	assert_int_equal(migctl_grid_choose_placement(&g, NULL, 0, 0, &p),
			 MIGCTL_ERR_OK);
	assert_int_equal(p.start, 0);
	assert_int_equal(p.size, 1);
}

static void test_lowest_free_id(void **state)
{
	(void)state;
	static const unsigned u02[] = { 0, 2 };
	assert_int_equal(migctl_lowest_free_id(u02, 2, 8), 1);
	assert_int_equal(migctl_lowest_free_id(NULL, 0, 8), 0);
	static const unsigned all[] = { 3, 1, 0, 7, 6, 5, 4, 2 };
	assert_int_equal(migctl_lowest_free_id(all, 8, 8), -1);
	assert_int_equal(migctl_lowest_free_id(all, 7, 8), 2);
	static const unsigned u10[] = { 1, 0 };
	assert_int_equal(migctl_lowest_free_id(u10, 2, 8), 2);
	static const unsigned big[] = { 9, 12 };
	assert_int_equal(migctl_lowest_free_id(big, 2, 8), 0);
	assert_int_equal(migctl_lowest_free_id(NULL, 0, 0), -1);
	static const unsigned dup[] = { 0, 0, 1, 1 };
	assert_int_equal(migctl_lowest_free_id(dup, 4, 3), 2);
	assert_int_equal(migctl_lowest_free_id(dup, 4, 2), -1);
}

/* ------------------------------------------------------------------ */
/* 6. Grid construction, masks, can_place / free_placements edges      */
/* ------------------------------------------------------------------ */

static void check_grid_of_model(const struct migctl_gpu_model *m)
{
	struct migctl_grid g;
	memset(&g, 0x5a, sizeof(g));
	migctl_grid_of_model(&g, m);
	assert_int_equal(g.units, m->units);
	assert_int_equal(g.compute_slices, m->compute_slices);
	assert_int_equal(g.n_profiles, m->n_gi);
	for (size_t i = 0; i < m->n_gi; i++) {
		size_t q = pidx(&g, m->gi[i].id);
		assert_int_equal(g.profiles[q].slices, m->gi[i].compute_slices);
		assert_int_equal(g.profiles[q].max, m->gi[i].max);
		assert_ptr_equal(g.profiles[q].placements, &m->gi[i].placements);
	}
	assert_int_equal(migctl_grid_profile_index(&g, 99), -1);
}

static void test_grid_of_model(void **state)
{
	(void)state;
	struct migctl_gpu_model m;
	model_a100(&m);
	check_grid_of_model(&m);
	model_h100(&m);
	check_grid_of_model(&m);
	model_a30(&m);
	check_grid_of_model(&m);
	model_rtx(&m);
	check_grid_of_model(&m);

	struct migctl_grid g;
	grid_a30(&g);
	assert_int_equal(migctl_grid_profile_index(&g, 19), -1);
	assert_int_equal(migctl_grid_profile_index(&g, 15), -1);
}

static void test_masks(void **state)
{
	(void)state;
	assert_int_equal(migctl_placement_mask(P(0, 8)), 0xffu);
	assert_int_equal(migctl_placement_mask(P(4, 4)), 0xf0u);
	assert_int_equal(migctl_placement_mask(P(6, 2)), 0xc0u);
	assert_int_equal(migctl_placement_mask(P(6, 1)), 0x40u);
	assert_int_equal(migctl_placement_mask(P(9, 3)), 0xe00u);
	assert_int_equal(migctl_placement_mask(P(0, 12)), 0xfffu);
	assert_int_equal(migctl_placement_mask(P(31, 1)), 0x80000000u);
	assert_int_equal(migctl_placement_mask(P(16, 16)), 0xffff0000u);
	assert_int_equal(migctl_placement_mask(P(0, 32)), 0xffffffffu);

	assert_int_equal(migctl_slots_mask(NULL, 0), 0);
	struct migctl_slot s[] = { S(0, 6, 1), S(3, 0, 2), S(1, 4, 1) };
	assert_int_equal(migctl_slots_mask(s, 3), 0x53u);
	assert_int_equal(migctl_slots_mask(s, 1), 0x40u);
}

static void test_can_place_edges(void **state)
{
	(void)state;
	struct migctl_grid g;
	struct migctl_placement fp[MIGCTL_MAX_UNITS];
	grid_a100(&g);
	size_t i1 = pidx(&g, 19), ime = pidx(&g, 20), i15 = pidx(&g, 15),
	       i2 = pidx(&g, 14), i3 = pidx(&g, 9), i4 = pidx(&g, 5),
	       i7 = pidx(&g, 0);

	/* Empty GPU: every listed placement, nothing else. */
	assert_true(migctl_grid_can_place(&g, NULL, 0, i7, P(0, 8)));
	assert_true(migctl_grid_can_place(&g, NULL, 0, i3, P(4, 4)));
	assert_false(migctl_grid_can_place(&g, NULL, 0, i3, P(2, 4))); /* not listed */
	assert_false(migctl_grid_can_place(&g, NULL, 0, i4, P(4, 4)));  /* 4g only at 0 */
	assert_false(migctl_grid_can_place(&g, NULL, 0, i1, P(7, 1)));  /* 1g never at 7 */
	assert_false(migctl_grid_can_place(&g, NULL, 0, i2, P(6, 2)));  /* 2g not at 6 */
	assert_true(migctl_grid_can_place(&g, NULL, 0, i15, P(6, 2)));  /* 1g.10gb is */
	assert_false(migctl_grid_can_place(&g, NULL, 0, i3, P(0, 3)));  /* wrong size */
	assert_false(migctl_grid_can_place(&g, NULL, 0, i2, P(1, 2)));
	assert_int_equal(migctl_grid_free_placements(&g, NULL, 0, i1, fp,
						     MIGCTL_MAX_UNITS), 7);
	for (unsigned i = 0; i < 7; i++) {
		assert_int_equal(fp[i].start, i);
		assert_int_equal(fp[i].size, 1);
	}

	/* Overlap. */
	struct migctl_slot s1[] = { S(i1, 2, 1) };
	assert_false(migctl_grid_can_place(&g, s1, 1, i3, P(0, 4)));
	assert_true(migctl_grid_can_place(&g, s1, 1, i3, P(4, 4)));
	assert_false(migctl_grid_can_place(&g, s1, 1, i1, P(2, 1)));
	assert_false(migctl_grid_can_place(&g, s1, 1, i2, P(2, 2)));
	assert_false(migctl_grid_can_place(&g, s1, 1, i7, P(0, 8)));
	assert_false(migctl_grid_can_place(&g, s1, 1, i4, P(0, 4)));
	assert_int_equal(migctl_grid_free_placements(&g, s1, 1, i2, fp,
						     MIGCTL_MAX_UNITS), 2);
	assert_int_equal(fp[0].start, 0);
	assert_int_equal(fp[1].start, 4);
	/* 3g@0 blocks the 4g whose only start is 0. */
	struct migctl_slot s30[] = { S(i3, 0, 4) };
	assert_int_equal(migctl_grid_free_placements(&g, s30, 1, i4, fp,
						     MIGCTL_MAX_UNITS), 0);
	assert_int_equal(migctl_grid_remaining_capacity(&g, s30, 1, i4), 0);
	assert_int_equal(migctl_grid_choose_placement(&g, s30, 1, i4, fp),
			 MIGCTL_ERR_INSUFFICIENT_RESOURCES);

	/* Profile limit: a second 1g+me is refused though slots are free. */
	struct migctl_slot sme[] = { S(ime, 6, 1) };
	for (unsigned st = 0; st < 6; st++)
		assert_false(migctl_grid_can_place(&g, sme, 1, ime, P(st, 1)));
	assert_true(migctl_grid_can_place(&g, sme, 1, i1, P(0, 1)));
	assert_int_equal(migctl_grid_free_placements(&g, sme, 1, ime, fp,
						     MIGCTL_MAX_UNITS), 0);
	assert_int_equal(migctl_grid_remaining_capacity(&g, sme, 1, ime), 0);
	assert_int_equal(migctl_grid_remaining_capacity(&g, sme, 1, i1), 6);
	assert_int_equal(migctl_grid_choose_placement(&g, sme, 1, ime, fp),
			 MIGCTL_ERR_INSUFFICIENT_RESOURCES);
	/* 1g+me alongside six 1g is allowed (mig-profiles.md §5). */
	struct migctl_slot s6[7];
	for (unsigned i = 0; i < 6; i++)
		s6[i] = S(i1, i, 1);
	assert_true(migctl_grid_can_place(&g, s6, 6, ime, P(6, 1)));
	s6[6] = S(ime, 6, 1);
	assert_int_equal(migctl_grid_remaining_capacity(&g, s6, 7, i1), 0);
	/* 2g limit 3: three 2g fill it; the fourth start does not exist. */
	struct migctl_slot s222[] = { S(i2, 0, 2), S(i2, 2, 2), S(i2, 4, 2) };
	assert_false(migctl_grid_can_place(&g, s222, 3, i2, P(6, 2)));
	assert_true(migctl_grid_can_place(&g, s222, 3, i15, P(6, 2)));
	assert_int_equal(migctl_grid_remaining_capacity(&g, s222, 3, i15), 1);

}

/* Limits that the A100 table does not have: a synthetic profile limit, a
 * compute-slice limit, and free_placements' `cap`. */
static void test_can_place_synthetic_limits(void **state)
{
	(void)state;
	struct migctl_grid g;
	struct migctl_placement fp[MIGCTL_MAX_UNITS];
	grid_a100(&g);
	size_t i1 = pidx(&g, 19), i2 = pidx(&g, 14), i3 = pidx(&g, 9),
	       i4 = pidx(&g, 5), i7 = pidx(&g, 0);

	/* A synthetic 2g limit of 1 refuses a second one on a free GPU half. */
	struct migctl_grid lim = g;
	lim.profiles[i2].max = 1;
	struct migctl_slot s2[] = { S(i2, 0, 2) };
	assert_false(migctl_grid_can_place(&lim, s2, 1, i2, P(2, 2)));
	assert_false(migctl_grid_can_place(&lim, s2, 1, i2, P(4, 2)));
	assert_int_equal(migctl_grid_free_placements(&lim, s2, 1, i2, fp,
						     MIGCTL_MAX_UNITS), 0);
	assert_int_equal(migctl_grid_remaining_capacity(&lim, s2, 1, i2), 0);
	assert_int_equal(migctl_grid_remaining_capacity(&lim, NULL, 0, i2), 1);

	/* Compute-slice limit: a GPU with 4 compute slices on 8 units. */
	struct migctl_grid cs = g;
	cs.compute_slices = 4;
	struct migctl_slot s34[] = { S(i3, 4, 4) };
	assert_true(migctl_grid_can_place(&cs, s34, 1, i1, P(0, 1)));
	assert_false(migctl_grid_can_place(&cs, s34, 1, i2, P(0, 2)));
	assert_false(migctl_grid_can_place(&cs, s34, 1, i4, P(0, 4)));
	assert_false(migctl_grid_can_place(&cs, NULL, 0, i7, P(0, 8)));
	assert_int_equal(migctl_grid_remaining_capacity(&cs, s34, 1, i1), 1);
	assert_int_equal(migctl_grid_remaining_capacity(&cs, s34, 1, i2), 0);
	assert_int_equal(migctl_grid_free_placements(&cs, s34, 1, i1, fp,
						     MIGCTL_MAX_UNITS), 4);
	assert_int_equal(migctl_grid_free_placements(&cs, s34, 1, i2, fp,
						     MIGCTL_MAX_UNITS), 0);
	struct migctl_slot s341[] = { S(i3, 4, 4), S(i1, 0, 1) };
	assert_false(migctl_grid_can_place(&cs, s341, 2, i1, P(1, 1)));
	assert_int_equal(migctl_grid_remaining_capacity(&cs, s341, 2, i1), 0);
	assert_int_equal(migctl_grid_choose_placement(&cs, s341, 2, i1, fp),
			 MIGCTL_ERR_INSUFFICIENT_RESOURCES);

	/* free_placements returns the full count but writes at most `cap`. */
	struct migctl_placement small[3];
	memset(small, 0xcd, sizeof(small));
	assert_int_equal(migctl_grid_free_placements(&g, NULL, 0, i1, small, 2), 7);
	assert_int_equal(small[0].start, 0);
	assert_int_equal(small[1].start, 1);
	assert_int_equal(small[2].start, 0xcdcdcdcdu);
	assert_int_equal(small[2].size, 0xcdcdcdcdu);
	memset(small, 0xcd, sizeof(small));
	assert_int_equal(migctl_grid_free_placements(&g, NULL, 0, i2, small, 0), 3);
	assert_int_equal(small[0].start, 0xcdcdcdcdu);

}

/* The other models' placement rules. */
static void test_can_place_other_models(void **state)
{
	(void)state;
	struct migctl_grid g;
	struct migctl_placement fp[MIGCTL_MAX_UNITS];

	/* A30: 2g+me limit 1, 4g blocked by any instance. */
	grid_a30(&g);
	size_t a1 = pidx(&g, 14), a2me = pidx(&g, 6), a4 = pidx(&g, 0);
	struct migctl_slot sa[] = { S(a2me, 0, 2) };
	assert_false(migctl_grid_can_place(&g, sa, 1, a2me, P(2, 2)));
	assert_true(migctl_grid_can_place(&g, sa, 1, pidx(&g, 5), P(2, 2)));
	assert_false(migctl_grid_can_place(&g, sa, 1, a4, P(0, 4)));
	assert_int_equal(migctl_grid_remaining_capacity(&g, sa, 1, a1), 2);

	/* RTX PRO 6000: 1g only at multiples of 3. */
	grid_rtx(&g);
	size_t r1 = pidx(&g, 14);
	assert_true(migctl_grid_can_place(&g, NULL, 0, r1, P(9, 3)));
	assert_false(migctl_grid_can_place(&g, NULL, 0, r1, P(1, 3)));
	assert_false(migctl_grid_can_place(&g, NULL, 0, r1, P(0, 1)));
	struct migctl_slot sr[] = { S(pidx(&g, 5), 6, 6) };
	assert_int_equal(migctl_grid_free_placements(&g, sr, 1, r1, fp,
						     MIGCTL_MAX_UNITS), 2);
	assert_int_equal(fp[0].start, 0);
	assert_int_equal(fp[1].start, 3);
	assert_int_equal(migctl_grid_remaining_capacity(&g, sr, 1, pidx(&g, 0)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_grid_of_model),
		cmocka_unit_test(test_can_place_edges),
		cmocka_unit_test(test_can_place_synthetic_limits),
		cmocka_unit_test(test_can_place_other_models),
		cmocka_unit_test(test_gi_ids),
		cmocka_unit_test(test_lowest_free_id),
		cmocka_unit_test(test_ci_level),
		cmocka_unit_test(test_choose_a100_rows),
		cmocka_unit_test(test_choose_gh200_row),
		cmocka_unit_test(test_choose_a30_rtx_rows),
		cmocka_unit_test(test_count_a30),
		cmocka_unit_test(test_count_a100),
		cmocka_unit_test(test_count_h100),
		cmocka_unit_test(test_count_a100_double_memory),
		cmocka_unit_test(test_enumerate_stop),
		cmocka_unit_test(test_enumerate_all_profiles),
		cmocka_unit_test(test_enumerate_allowed_subsets),
		cmocka_unit_test(test_fit_examples),
		cmocka_unit_test(test_capacity_a100),
		cmocka_unit_test(test_capacity_other_grids),
		cmocka_unit_test(test_choose_exhaustive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
