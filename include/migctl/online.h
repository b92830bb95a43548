/* migctl — online placement of single GPU-instance creates.
 *
 * A request for one instance arrives; the fleet already holds instances
 * that must stay where they are. The policy picks a GPU and a placement
 * for it, or says that nothing fits. Used for `migctl create` without a
 * placement and for `plan --incremental` (issue 6, item 3).
 *
 * migctl's policy (MIGCTL_ONLINE_MIGCTL), and why:
 *
 *   1. Used GPUs first. If some GPU that already holds an instance can take
 *      the request, empty GPUs are not considered. An empty GPU is the only
 *      place a 7g (whole-GPU) request fits, so every empty GPU kept empty is
 *      one more 7g that can still be accepted later.
 *   2. Among the candidate (GPU, free placement) pairs, keep the most
 *      size-weighted remaining capacity: maximise, over the whole fleet
 *      after the placement,  Σ_gpu Σ_q remaining_capacity(q) × slices(q),
 *      with q over every profile of the GPU's grid. Only the chosen GPU
 *      changes, so this is the pair that loses the least of that sum.
 *      The driver's rule (migctl_grid_choose_placement) counts every
 *      profile's capacity as 1; weighting by compute slices makes losing a
 *      4g or a 3g cost more than losing a 1g. The big profiles are the ones
 *      fragmentation kills (reference/planning.md §1.3: a 3g at start 0
 *      blocks the only 4g start; a 1g at 4-6 blocks 3g@4), while a 1g fits
 *      almost anywhere.
 *   3. Ties go to the fullest GPU (most compute slices in use before the
 *      placement: best fit, which leaves the emptier GPUs for bigger
 *      requests), then to the lowest GPU index, then to the lowest start.
 *
 * The baselines, through the same call:
 *
 *   MIGCTL_ONLINE_DRIVER     the first GPU (index order) on which anything
 *                            fits, placement by migctl_grid_choose_placement
 *                            (what `nvidia-smi mig -cgi` does on that GPU).
 *   MIGCTL_ONLINE_FIRST_FIT  the first GPU on which anything fits, at its
 *                            lowest free start (InstaSlice's rule,
 *                            reference/planning.md §1.3).
 *
 * bench/online.c compares the three on a seeded arrival/departure trace
 * (bench/README.md, "online").
 *
 * Pure and deterministic: no I/O, no globals, no allocation.
 */
#ifndef MIGCTL_ONLINE_H
#define MIGCTL_ONLINE_H

#include <stddef.h>
#include <stdint.h>

#include "migctl/error.h"
#include "migctl/geometry.h"
#include "migctl/node.h"

enum migctl_online_policy {
	MIGCTL_ONLINE_MIGCTL = 0,     /* fragmentation-aware (above) */
	MIGCTL_ONLINE_DRIVER = 1,     /* first GPU, driver's placement */
	MIGCTL_ONLINE_FIRST_FIT = 2,  /* first GPU, lowest free start */
};

/* One GPU of the fleet as the policy sees it. `profile` is the requested
 * profile's index in grid->profiles, or SIZE_MAX when this GPU's model has
 * no such profile (the GPU is then never chosen). The GPU is "used" when
 * n_slots > 0. Everything is borrowed. */
struct migctl_online_gpu {
	const struct migctl_grid *grid;
	const struct migctl_slot *slots;
	size_t n_slots;
	size_t profile;
};

/* What the policy chose: index into the fleet array and the placement
 * (valid by migctl_grid_can_place on that GPU). */
struct migctl_online_choice {
	size_t gpu;
	struct migctl_placement placement;
};

/* Choose where a single instance goes. Returns MIGCTL_ERR_OK and fills
 * `out`; MIGCTL_ERR_INSUFFICIENT_RESOURCES when no GPU has a free placement
 * of its profile (also for an empty fleet); MIGCTL_ERR_USAGE for an unknown
 * policy or a NULL argument where one is needed. `out` is only written on
 * success. */
enum migctl_err migctl_online_place(const struct migctl_online_gpu *gpus,
				    size_t n_gpus,
				    enum migctl_online_policy policy,
				    struct migctl_online_choice *out);

/* Size-weighted remaining capacity of one GPU: Σ_q remaining_capacity(q) ×
 * slices(q) over every profile of the grid (the quantity policy step 2
 * keeps). */
unsigned migctl_online_weighted_capacity(const struct migctl_grid *grid,
					 const struct migctl_slot *slots,
					 size_t n);

/* "migctl", "driver", "first-fit"; "unknown" otherwise. */
const char *migctl_online_policy_name(enum migctl_online_policy policy);

/* Choose, among `n` GPUs read from a node, the GPU and placement for one
 * new GI of `profile` (ID or name, resolved on each GPU's live model) by
 * `policy`. `*gpu` receives the index into `gpus`. Errors:
 * MIGCTL_ERR_UNKNOWN_PROFILE when no GPU has the profile,
 * MIGCTL_ERR_INSUFFICIENT_RESOURCES when none has room (both named in
 * `err`). */
enum migctl_err migctl_online_place_on_gpus(struct migctl_gpu_state *const *gpus,
					    size_t n, const char *profile,
					    enum migctl_online_policy policy,
					    size_t *gpu, struct migctl_placement *placement,
					    struct migctl_error *err);

#endif
