/* migctl — MIG geometry engine (see include/migctl/geometry.h).
 *
 * Everything here works on a `struct migctl_grid`: a row of at most 32 units
 * and the profiles that may be placed on it. GPU instances on a GPU and
 * compute instances in a GPU instance are the same problem at two scales.
 */
#include "migctl/geometry.h"

#include <string.h>

migctl_mask migctl_placement_mask(struct migctl_placement p)
{
	if (p.size == 0 || p.start >= MIGCTL_MAX_UNITS)
		return 0;
	if (p.size >= MIGCTL_MAX_UNITS)
		return UINT32_MAX << p.start;
	return ((UINT32_C(1) << p.size) - 1) << p.start;
}

void migctl_grid_of_model(struct migctl_grid *grid,
			  const struct migctl_gpu_model *model)
{
	memset(grid, 0, sizeof(*grid));
	grid->units = model->units;
	grid->compute_slices = model->compute_slices;
	for (size_t i = 0; i < model->n_gi && i < MIGCTL_GRID_MAX_PROFILES; i++) {
		const struct migctl_gi_profile *gi = &model->gi[i];
		grid->profiles[i] = (struct migctl_slot_profile){
			.id = gi->id,
			.slices = gi->compute_slices,
			.max = gi->max,
			.placements = &gi->placements,
		};
		grid->n_profiles++;
	}
}

void migctl_grid_of_gi(struct migctl_grid *grid,
		       const struct migctl_gi_profile *gi)
{
	memset(grid, 0, sizeof(*grid));
	grid->units = gi->compute_slices;
	grid->compute_slices = gi->compute_slices;
	for (size_t i = 0; i < gi->n_ci && i < MIGCTL_GRID_MAX_PROFILES; i++) {
		const struct migctl_ci_profile *ci = &gi->ci[i];
		grid->profiles[i] = (struct migctl_slot_profile){
			.id = ci->id,
			.slices = ci->slices,
			.max = ci->max,
			.placements = &ci->placements,
		};
		grid->n_profiles++;
	}
}

int migctl_grid_profile_index(const struct migctl_grid *grid, unsigned id)
{
	for (size_t i = 0; i < grid->n_profiles; i++)
		if (grid->profiles[i].id == id)
			return (int)i;
	return -1;
}

migctl_mask migctl_slots_mask(const struct migctl_slot *slots, size_t n)
{
	migctl_mask m = 0;
	for (size_t i = 0; i < n; i++)
		m |= migctl_placement_mask(slots[i].placement);
	return m;
}

/* What a set of slots uses: units, compute slices, instances per profile. */
struct usage {
	migctl_mask mask;
	unsigned slices;
	unsigned count[MIGCTL_GRID_MAX_PROFILES];
};

static void usage_of(const struct migctl_grid *grid,
		     const struct migctl_slot *slots, size_t n, struct usage *u)
{
	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < n; i++) {
		u->mask |= migctl_placement_mask(slots[i].placement);
		if (slots[i].profile < grid->n_profiles) {
			u->slices += grid->profiles[slots[i].profile].slices;
			u->count[slots[i].profile]++;
		}
	}
}

static void usage_add(const struct migctl_grid *grid, struct usage *u,
		      size_t profile, struct migctl_placement p)
{
	u->mask |= migctl_placement_mask(p);
	u->slices += grid->profiles[profile].slices;
	u->count[profile]++;
}

static void usage_remove(const struct migctl_grid *grid, struct usage *u,
			 size_t profile, struct migctl_placement p)
{
	u->mask &= ~migctl_placement_mask(p);
	u->slices -= grid->profiles[profile].slices;
	u->count[profile]--;
}

bool migctl_placement_set_has(const struct migctl_placement_set *set,
			      struct migctl_placement p)
{
	if (p.size != set->size)
		return false;
	for (unsigned i = 0; i < set->n_starts; i++)
		if (set->starts[i] == p.start)
			return true;
	return false;
}

static bool usage_can_place(const struct migctl_grid *grid,
			    const struct usage *u, size_t profile,
			    struct migctl_placement p)
{
	const struct migctl_slot_profile *sp = &grid->profiles[profile];
	if (p.start + p.size > grid->units || !migctl_placement_set_has(sp->placements, p))
		return false;
	if (u->count[profile] >= sp->max)
		return false;
	if (u->slices + sp->slices > grid->compute_slices)
		return false;
	return (u->mask & migctl_placement_mask(p)) == 0;
}

bool migctl_grid_can_place(const struct migctl_grid *grid,
			   const struct migctl_slot *slots, size_t n,
			   size_t profile, struct migctl_placement p)
{
	struct usage u;
	if (profile >= grid->n_profiles)
		return false;
	usage_of(grid, slots, n, &u);
	return usage_can_place(grid, &u, profile, p);
}

/* The starts of a placement set in ascending order (the catalog keeps them
 * sorted, but hand-built grids need not). */
static unsigned sorted_starts(const struct migctl_placement_set *set,
			      unsigned *out)
{
	unsigned n = set->n_starts;
	memcpy(out, set->starts, n * sizeof(*out));
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && out[j - 1] > out[j]; j--) {
			unsigned t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

size_t migctl_grid_free_placements(const struct migctl_grid *grid,
				   const struct migctl_slot *slots, size_t n,
				   size_t profile,
				   struct migctl_placement *out, size_t cap)
{
	struct usage u;
	unsigned starts[MIGCTL_MAX_UNITS];
	size_t found = 0;

	if (profile >= grid->n_profiles)
		return 0;
	usage_of(grid, slots, n, &u);
	const struct migctl_placement_set *set = grid->profiles[profile].placements;
	unsigned ns = sorted_starts(set, starts);
	for (unsigned i = 0; i < ns; i++) {
		struct migctl_placement p = {starts[i], set->size};
		if (!usage_can_place(grid, &u, profile, p))
			continue;
		if (found < cap)
			out[found] = p;
		found++;
	}
	return found;
}

/* Remaining capacity for a usage. Placements of one profile all have the
 * same size, so taking free ones greedily by start finds the most that fit
 * side by side (interval scheduling). */
static unsigned usage_remaining(const struct migctl_grid *grid,
				const struct usage *u, size_t profile)
{
	const struct migctl_slot_profile *sp = &grid->profiles[profile];
	unsigned starts[MIGCTL_MAX_UNITS];
	unsigned limit, fit = 0;
	migctl_mask taken = u->mask;

	if (u->count[profile] >= sp->max)
		return 0;
	limit = sp->max - u->count[profile];
	if (sp->slices > 0) {
		unsigned free_slices = grid->compute_slices - u->slices;
		if (free_slices / sp->slices < limit)
			limit = free_slices / sp->slices;
	}
	unsigned ns = sorted_starts(sp->placements, starts);
	for (unsigned i = 0; i < ns && fit < limit; i++) {
		struct migctl_placement p = {starts[i], sp->placements->size};
		migctl_mask m = migctl_placement_mask(p);
		if (p.start + p.size > grid->units || (taken & m))
			continue;
		taken |= m;
		fit++;
	}
	return fit;
}

unsigned migctl_grid_remaining_capacity(const struct migctl_grid *grid,
					const struct migctl_slot *slots,
					size_t n, size_t profile)
{
	struct usage u;
	if (profile >= grid->n_profiles)
		return 0;
	usage_of(grid, slots, n, &u);
	return usage_remaining(grid, &u, profile);
}

static unsigned usage_total_remaining(const struct migctl_grid *grid,
				      const struct usage *u)
{
	unsigned total = 0;
	for (size_t q = 0; q < grid->n_profiles; q++)
		total += usage_remaining(grid, u, q);
	return total;
}

enum migctl_err migctl_grid_choose_placement(const struct migctl_grid *grid,
					     const struct migctl_slot *slots,
					     size_t n, size_t profile,
					     struct migctl_placement *out)
{
	struct usage u;
	unsigned starts[MIGCTL_MAX_UNITS];
	bool found = false;
	unsigned best = 0;

	if (profile >= grid->n_profiles)
		return MIGCTL_ERR_UNKNOWN_PROFILE;
	usage_of(grid, slots, n, &u);
	const struct migctl_placement_set *set = grid->profiles[profile].placements;
	unsigned ns = sorted_starts(set, starts);
	for (unsigned i = 0; i < ns; i++) {
		struct migctl_placement p = {starts[i], set->size};
		if (!usage_can_place(grid, &u, profile, p))
			continue;
		usage_add(grid, &u, profile, p);
		unsigned score = usage_total_remaining(grid, &u);
		usage_remove(grid, &u, profile, p);
		/* Strictly greater: ties keep the lower start. */
		if (!found || score > best) {
			found = true;
			best = score;
			*out = p;
		}
	}
	return found ? MIGCTL_ERR_OK : MIGCTL_ERR_INSUFFICIENT_RESOURCES;
}

int migctl_gi_id(unsigned units, struct migctl_placement p,
		 enum migctl_gi_id_mapping mapping)
{
	unsigned span;

	if (p.size == 0 || units == 0 || units % p.size || p.start % p.size ||
	    p.start + p.size > units)
		return -1;
	span = p.start;
	/* The whole GPU has one node (0) in either mapping. */
	if (mapping == MIGCTL_GI_ID_HALF_SWAPPED && p.size < units)
		span = (p.start + units / 2) % units;
	if (span % p.size)
		return -1;
	return (int)(units / p.size - 1 + span / p.size);
}

int migctl_lowest_free_id(const unsigned *used, size_t n, unsigned limit)
{
	for (unsigned id = 0; id < limit; id++) {
		bool taken = false;
		for (size_t i = 0; i < n && !taken; i++)
			taken = used[i] == id;
		if (!taken)
			return (int)id;
	}
	return -1;
}

/* --- feasibility ------------------------------------------------------- */

struct fit_state {
	const struct migctl_grid *grid;
	struct usage u;
	size_t order[MIGCTL_MAX_UNITS];   /* want indices, largest first */
	struct migctl_placement chosen[MIGCTL_MAX_UNITS];
	const size_t *want;
	size_t n_want;
};

static bool fit_search(struct fit_state *s, size_t k)
{
	if (k == s->n_want)
		return true;
	size_t w = s->order[k];
	size_t profile = s->want[w];
	const struct migctl_placement_set *set = s->grid->profiles[profile].placements;
	unsigned starts[MIGCTL_MAX_UNITS];
	unsigned ns = sorted_starts(set, starts);
	/* Equal profiles are interchangeable: keep their starts increasing so
	 * each set of placements is tried once, not once per permutation. */
	unsigned min_start = 0;
	if (k > 0 && s->want[s->order[k - 1]] == profile)
		min_start = s->chosen[s->order[k - 1]].start + 1;

	for (unsigned i = 0; i < ns; i++) {
		struct migctl_placement p = {starts[i], set->size};
		if (p.start < min_start || !usage_can_place(s->grid, &s->u, profile, p))
			continue;
		usage_add(s->grid, &s->u, profile, p);
		s->chosen[w] = p;
		if (fit_search(s, k + 1))
			return true;
		usage_remove(s->grid, &s->u, profile, p);
	}
	return false;
}

enum migctl_err migctl_grid_fit(const struct migctl_grid *grid,
				const struct migctl_slot *fixed, size_t n_fixed,
				const size_t *want, size_t n_want,
				struct migctl_placement *out)
{
	struct fit_state s = {.grid = grid, .want = want, .n_want = n_want};

	if (n_want > grid->units)
		return MIGCTL_ERR_INFEASIBLE; /* every instance takes a unit */
	for (size_t i = 0; i < n_want; i++)
		if (want[i] >= grid->n_profiles)
			return MIGCTL_ERR_UNKNOWN_PROFILE;
	usage_of(grid, fixed, n_fixed, &s.u);

	/* Largest placements first: they have the fewest options. */
	for (size_t i = 0; i < n_want; i++) {
		size_t j = i;
		s.order[i] = i;
		while (j > 0) {
			size_t a = s.order[j - 1], b = s.order[j];
			unsigned sa = grid->profiles[want[a]].placements->size;
			unsigned sb = grid->profiles[want[b]].placements->size;
			if (sa > sb || (sa == sb && want[a] <= want[b]))
				break;
			s.order[j - 1] = b;
			s.order[j] = a;
			j--;
		}
	}
	if (!fit_search(&s, 0))
		return MIGCTL_ERR_INFEASIBLE;
	memcpy(out, s.chosen, n_want * sizeof(*out));
	return MIGCTL_ERR_OK;
}

/* --- enumeration ------------------------------------------------------- */

struct candidate {
	size_t profile;
	struct migctl_placement p;
};

struct enum_state {
	const struct migctl_grid *grid;
	enum migctl_layout_filter filter;
	migctl_layout_cb cb;
	void *ctx;
	struct candidate cand[MIGCTL_GRID_MAX_PROFILES * MIGCTL_MAX_UNITS];
	size_t n_cand;
	struct usage u;
	struct migctl_slot slots[MIGCTL_MAX_UNITS];
	size_t n_slots;
	size_t visited;
	bool stop;
};

static bool extendable(const struct enum_state *s)
{
	for (size_t i = 0; i < s->n_cand; i++)
		if (usage_can_place(s->grid, &s->u, s->cand[i].profile, s->cand[i].p))
			return true;
	return false;
}

/* Every subset of candidates is reached once: candidates are added in
 * index order only. Candidates are sorted by start, so slots are too. */
static void enum_walk(struct enum_state *s, size_t from)
{
	if (s->n_slots > 0 &&
	    (s->filter == MIGCTL_LAYOUTS_ALL || !extendable(s))) {
		s->visited++;
		if (s->cb && s->cb(s->slots, s->n_slots, s->ctx)) {
			s->stop = true;
			return;
		}
	}
	for (size_t i = from; i < s->n_cand && !s->stop; i++) {
		const struct candidate *c = &s->cand[i];
		if (!usage_can_place(s->grid, &s->u, c->profile, c->p))
			continue;
		usage_add(s->grid, &s->u, c->profile, c->p);
		s->slots[s->n_slots++] = (struct migctl_slot){c->profile, c->p};
		enum_walk(s, i + 1);
		s->n_slots--;
		usage_remove(s->grid, &s->u, c->profile, c->p);
	}
}

size_t migctl_grid_enumerate(const struct migctl_grid *grid, uint32_t allowed,
			     enum migctl_layout_filter filter,
			     migctl_layout_cb cb, void *ctx)
{
	struct enum_state state = {
		.grid = grid, .filter = filter, .cb = cb, .ctx = ctx,
	};
	struct enum_state *s = &state;

	for (unsigned start = 0; start < grid->units; start++)
		for (size_t q = 0; q < grid->n_profiles; q++) {
			const struct migctl_placement_set *set = grid->profiles[q].placements;
			struct migctl_placement p = {start, set->size};
			if (!(allowed & (UINT32_C(1) << q)) || !migctl_placement_set_has(set, p) ||
			    start + set->size > grid->units)
				continue;
			s->cand[s->n_cand++] = (struct candidate){q, p};
		}
	enum_walk(s, 0);
	return s->visited;
}
