/* migctl — online placement of single creates (include/migctl/online.h). */
#include "migctl/online.h"

#include <stdlib.h>

#include <stdbool.h>
#include <string.h>

unsigned migctl_online_weighted_capacity(const struct migctl_grid *grid,
					 const struct migctl_slot *slots,
					 size_t n)
{
	unsigned total = 0;

	for (size_t q = 0; q < grid->n_profiles; q++)
		total += migctl_grid_remaining_capacity(grid, slots, n, q) *
			 grid->profiles[q].slices;
	return total;
}

static unsigned used_slices(const struct migctl_grid *grid,
			    const struct migctl_slot *slots, size_t n)
{
	unsigned s = 0;

	for (size_t i = 0; i < n; i++)
		if (slots[i].profile < grid->n_profiles)
			s += grid->profiles[slots[i].profile].slices;
	return s;
}

/* Whether this GPU can be asked at all. */
static bool gpu_ok(const struct migctl_online_gpu *g)
{
	return g->grid && g->profile < g->grid->n_profiles &&
	       (g->n_slots == 0 || g->slots) &&
	       g->n_slots < MIGCTL_MAX_UNITS; /* each instance takes a unit */
}

/* Baselines: the first GPU with a free placement; there the driver's
 * choice or the lowest free start. */
static enum migctl_err place_first(const struct migctl_online_gpu *gpus,
				   size_t n_gpus, bool driver,
				   struct migctl_online_choice *out)
{
	for (size_t i = 0; i < n_gpus; i++) {
		const struct migctl_online_gpu *g = &gpus[i];
		struct migctl_placement p;

		if (!gpu_ok(g))
			continue;
		if (driver) {
			if (migctl_grid_choose_placement(g->grid, g->slots,
							 g->n_slots, g->profile,
							 &p) != MIGCTL_ERR_OK)
				continue;
		} else if (migctl_grid_free_placements(g->grid, g->slots,
						       g->n_slots, g->profile,
						       &p, 1) == 0) {
			continue;
		}
		out->gpu = i;
		out->placement = p;
		return MIGCTL_ERR_OK;
	}
	return MIGCTL_ERR_INSUFFICIENT_RESOURCES;
}

struct candidate {
	bool used;
	unsigned loss;     /* weighted capacity lost on this GPU */
	unsigned fullness; /* slices in use before the placement */
};

/* Whether `a` beats `b` (found later in index/start order, so equality
 * keeps `b`). */
static bool better(const struct candidate *a, const struct candidate *b)
{
	if (a->used != b->used)
		return a->used;
	if (a->loss != b->loss)
		return a->loss < b->loss;
	return a->fullness > b->fullness;
}

static enum migctl_err place_migctl(const struct migctl_online_gpu *gpus,
				    size_t n_gpus,
				    struct migctl_online_choice *out)
{
	struct migctl_slot work[MIGCTL_MAX_UNITS];
	struct candidate best = { 0 };
	bool found = false;

	for (size_t i = 0; i < n_gpus; i++) {
		const struct migctl_online_gpu *g = &gpus[i];
		struct migctl_placement free_p[MIGCTL_MAX_UNITS];
		size_t n_free;
		unsigned before;
		struct candidate c;

		if (!gpu_ok(g))
			continue;
		c.used = g->n_slots > 0;
		/* A used GPU that fits is already in hand: empty ones lose. */
		if (found && best.used && !c.used)
			continue;
		n_free = migctl_grid_free_placements(g->grid, g->slots,
						     g->n_slots, g->profile,
						     free_p, MIGCTL_MAX_UNITS);
		if (n_free == 0)
			continue;
		if (n_free > MIGCTL_MAX_UNITS)
			n_free = MIGCTL_MAX_UNITS;
		if (g->n_slots)
			memcpy(work, g->slots, g->n_slots * sizeof(work[0]));
		before = migctl_online_weighted_capacity(g->grid, g->slots,
							 g->n_slots);
		c.fullness = used_slices(g->grid, g->slots, g->n_slots);
		for (size_t k = 0; k < n_free; k++) {
			unsigned after;

			work[g->n_slots].profile = g->profile;
			work[g->n_slots].placement = free_p[k];
			after = migctl_online_weighted_capacity(g->grid, work,
								g->n_slots + 1);
			c.loss = before > after ? before - after : 0;
			if (!found || better(&c, &best)) {
				found = true;
				best = c;
				out->gpu = i;
				out->placement = free_p[k];
			}
		}
	}
	return found ? MIGCTL_ERR_OK : MIGCTL_ERR_INSUFFICIENT_RESOURCES;
}

enum migctl_err migctl_online_place(const struct migctl_online_gpu *gpus,
				    size_t n_gpus,
				    enum migctl_online_policy policy,
				    struct migctl_online_choice *out)
{
	struct migctl_online_choice tmp;
	enum migctl_err rc;

	if (!out || (n_gpus && !gpus))
		return MIGCTL_ERR_USAGE;
	switch (policy) {
	case MIGCTL_ONLINE_MIGCTL:
		rc = place_migctl(gpus, n_gpus, &tmp);
		break;
	case MIGCTL_ONLINE_DRIVER:
		rc = place_first(gpus, n_gpus, true, &tmp);
		break;
	case MIGCTL_ONLINE_FIRST_FIT:
		rc = place_first(gpus, n_gpus, false, &tmp);
		break;
	default:
		return MIGCTL_ERR_USAGE;
	}
	if (rc == MIGCTL_ERR_OK)
		*out = tmp;
	return rc;
}

const char *migctl_online_policy_name(enum migctl_online_policy policy)
{
	switch (policy) {
	case MIGCTL_ONLINE_MIGCTL:
		return "migctl";
	case MIGCTL_ONLINE_DRIVER:
		return "driver";
	case MIGCTL_ONLINE_FIRST_FIT:
		return "first-fit";
	}
	return "unknown";
}

enum migctl_err migctl_online_place_on_gpus(struct migctl_gpu_state *const *gpus,
					    size_t n, const char *profile,
					    enum migctl_online_policy policy,
					    size_t *gpu, struct migctl_placement *placement,
					    struct migctl_error *err)
{
	struct migctl_grid *grids = calloc(n ? n : 1, sizeof(*grids));
	struct migctl_slot (*slots)[MIGCTL_NODE_MAX_GIS] = calloc(n ? n : 1, sizeof(*slots));
	struct migctl_online_gpu *fleet = calloc(n ? n : 1, sizeof(*fleet));
	struct migctl_online_choice choice;
	enum migctl_err rc = MIGCTL_ERR_OK;
	bool known = false;

	if (!grids || !slots || !fleet) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory choosing a GPU");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct migctl_gpu_state *g = gpus[i];
		const struct migctl_gi_profile *p = migctl_model_find_gi_profile(&g->model, profile, NULL);
		migctl_grid_of_model(&grids[i], &g->model);
		fleet[i] = (struct migctl_online_gpu){&grids[i], slots[i], 0, SIZE_MAX};
		if (p) {
			fleet[i].profile = (size_t)(p - g->model.gi);
			known = true;
		}
		fleet[i].n_slots = migctl_gpu_gi_slots(&grids[i], g, slots[i]);
	}
	if (!known) {
		rc = migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				 "no selected GPU has a GPU-instance profile \"%s\"; 'migctl profiles' lists them",
				 profile);
		goto out;
	}
	rc = migctl_online_place(fleet, n, policy, &choice);
	if (rc == MIGCTL_ERR_INSUFFICIENT_RESOURCES) {
		migctl_fail(err, rc, "no selected GPU has room for a %s GPU instance; free one with 'migctl destroy' or add GPUs with -i",
			    profile);
	} else if (rc == MIGCTL_ERR_OK) {
		*gpu = choice.gpu;
		*placement = choice.placement;
	}
out:
	free(grids);
	free(slots);
	free(fleet);
	return rc;
}
