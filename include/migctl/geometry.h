/* migctl — MIG geometry: which instances fit where.
 *
 * A GPU (for GPU instances) or a GPU instance (for compute instances) is a
 * row of units; every profile may be placed at a fixed list of starts with
 * a fixed size, at most `max` times, and instances may not overlap. The same
 * engine answers both levels:
 *
 *   - which placements of a profile are free,
 *   - remaining capacity per profile (nvidia-smi "Free"),
 *   - the driver's placement when none is given,
 *   - IDs from placements (GI swizzle IDs; lowest free CI ID),
 *   - feasibility of a multiset of profiles, with the placements,
 *   - enumeration of all placed layouts and of the non-extendable ones.
 *
 * Pure and deterministic: no I/O, no globals, no allocation except where a
 * function says so.
 */
#ifndef MIGCTL_GEOMETRY_H
#define MIGCTL_GEOMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/catalog.h"
#include "migctl/error.h"

typedef uint32_t migctl_mask;

/* Whether `p` is one of the placements in `set`. */
bool migctl_placement_set_has(const struct migctl_placement_set *set,
			      struct migctl_placement p);

/* Bit mask of the units a placement covers. */
migctl_mask migctl_placement_mask(struct migctl_placement p);

/* One profile as the geometry engine sees it. */
struct migctl_slot_profile {
	unsigned id;                          /* profile ID, for callers */
	unsigned slices;                      /* compute slices it uses */
	unsigned max;                         /* instance limit */
	const struct migctl_placement_set *placements;
};

/* A row of units and the profiles that may be placed on it. Build one with
 * migctl_grid_of_model() (GIs on a GPU) or migctl_grid_of_gi() (CIs in a GI).
 * The grid borrows the profile data; it needs no release. */
#define MIGCTL_GRID_MAX_PROFILES MIGCTL_MAX_PROFILES

struct migctl_grid {
	unsigned units;
	unsigned compute_slices;              /* limit on the sum of slices */
	size_t n_profiles;
	struct migctl_slot_profile profiles[MIGCTL_GRID_MAX_PROFILES];
};

/* An instance on a grid: index into grid->profiles and its placement. */
struct migctl_slot {
	size_t profile;
	struct migctl_placement placement;
};

/* Grid of a GPU model's GI profiles. */
void migctl_grid_of_model(struct migctl_grid *grid,
			  const struct migctl_gpu_model *model);

/* Grid of a GI profile's CI profiles (units = the GI's compute slices). */
void migctl_grid_of_gi(struct migctl_grid *grid,
		       const struct migctl_gi_profile *gi);

/* Index in grid->profiles of the profile with this ID; -1 if none. */
int migctl_grid_profile_index(const struct migctl_grid *grid, unsigned id);

/* Units occupied by `slots`. */
migctl_mask migctl_slots_mask(const struct migctl_slot *slots, size_t n);

/* Whether `p` can be added to `slots`: a listed placement of `profile`,
 * free, within the profile's limit and the grid's compute slices. */
bool migctl_grid_can_place(const struct migctl_grid *grid,
			   const struct migctl_slot *slots, size_t n,
			   size_t profile, struct migctl_placement p);

/* Free placements of `profile` given `slots` (in start order), written to
 * `out` (up to `cap`). Returns how many there are. */
size_t migctl_grid_free_placements(const struct migctl_grid *grid,
				   const struct migctl_slot *slots, size_t n,
				   size_t profile,
				   struct migctl_placement *out, size_t cap);

/* How many more instances of `profile` fit (nvidia-smi -lgip "Free"):
 * the most non-overlapping free placements, capped by the profile limit
 * and the free compute slices. */
unsigned migctl_grid_remaining_capacity(const struct migctl_grid *grid,
					const struct migctl_slot *slots,
					size_t n, size_t profile);

/* The placement the driver picks when none is given: among the free
 * placements, the one after which the sum of remaining capacities over all
 * profiles is largest, ties to the lowest start. This reproduces every
 * public GI transcript (reference/nvml-mig.md §2.4), and RM documents the
 * same rule for compute instances (kmigmgrGetFreeCTSId). Returns
 * MIGCTL_ERR_INSUFFICIENT_RESOURCES if no placement is free. */
enum migctl_err migctl_grid_choose_placement(const struct migctl_grid *grid,
					     const struct migctl_slot *slots,
					     size_t n, size_t profile,
					     struct migctl_placement *out);

/* GI ID mapping of a board (reference/mig-profiles.md §3). */
enum migctl_gi_id_mapping {
	MIGCTL_GI_ID_IDENTITY = 0,
	MIGCTL_GI_ID_HALF_SWAPPED = 1,
};

/* GPU-instance ID (RM swizzId) of a placement on a GPU of `units` units:
 * (units/size - 1) + span_start/size, where span_start is the start itself
 * (identity) or the start moved by half the GPU (half-swapped). Returns -1
 * if the placement is not aligned (start not a multiple of size, or size
 * not dividing units). */
int migctl_gi_id(unsigned units, struct migctl_placement p,
		 enum migctl_gi_id_mapping mapping);

/* Lowest ID in [0, limit) not in `used` (CI IDs); -1 if all taken. */
int migctl_lowest_free_id(const unsigned *used, size_t n, unsigned limit);

/* Find placements for a multiset of profiles (indices into grid->profiles)
 * next to the instances already in `fixed`. On success writes one placement
 * per wanted profile into `out` (same order as `want`) and returns
 * MIGCTL_ERR_OK; MIGCTL_ERR_INFEASIBLE if no assignment exists. The search
 * is exhaustive, so "infeasible" is a proof. Among assignments it returns
 * the first in a fixed order (largest profiles first, lowest starts first). */
enum migctl_err migctl_grid_fit(const struct migctl_grid *grid,
				const struct migctl_slot *fixed, size_t n_fixed,
				const size_t *want, size_t n_want,
				struct migctl_placement *out);

/* Layout enumeration. `allowed` is a bit set over grid->profiles (bit i =
 * profile i may be used; use MIGCTL_ALL_PROFILES for all). The callback gets
 * each layout (slots sorted by start) and returns non-zero to stop. */
#define MIGCTL_ALL_PROFILES UINT32_MAX
enum migctl_layout_filter {
	MIGCTL_LAYOUTS_ALL = 0,           /* every non-empty placed layout */
	MIGCTL_LAYOUTS_NON_EXTENDABLE = 1,/* nothing allowed can be added */
};
typedef int (*migctl_layout_cb)(const struct migctl_slot *slots, size_t n,
				void *ctx);

/* Visit layouts; returns how many were visited (a stopped walk counts the
 * layout it stopped at). */
size_t migctl_grid_enumerate(const struct migctl_grid *grid, uint32_t allowed,
			     enum migctl_layout_filter filter,
			     migctl_layout_cb cb, void *ctx);

#endif
