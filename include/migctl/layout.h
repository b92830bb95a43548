/* migctl — per-GPU layouts, targets and the minimal transition between them.
 *
 * A layout is what a GPU holds: GPU instances (by profile and placement),
 * each with its compute instances (by CI profile and placement). A target
 * is what a configuration asks for on one GPU: the MIG mode and, in
 * mig-parted's terms, a count of compute instances per profile string
 * ("3g.40gb: 2" = two 3g GIs each with its full CI; "1c.3g.40gb: 3" =
 * three 1-slice CIs in 3g GIs), optionally with GI placements pinned (a
 * migctl extension).
 *
 * A layout satisfies a target when, per (GI profile, CI profile), it holds
 * exactly the asked number of CIs, every GI has at least one CI (an empty
 * GI is a stray: mig-parted cannot see it, migctl reports and removes it),
 * and every pin has a GI of its profile at its placement (holding exactly
 * the pin's CIs, where it names them).
 *
 * Exact targets. A checkpoint names the whole layout: every GI pinned with
 * its CIs at their placements (restore and rollback put back the CIs of a
 * GI with a hole where they were, not just as many of them). When any pin
 * names CIs, every pin must, and together they must be the target's items
 * exactly (else MIGCTL_ERR_USAGE); the final layout is then fixed, and the
 * transition keeps what matches it, destroys the rest and creates what is
 * missing, which is the fewest destroyed instances there can be.
 * `exact` set says the same explicitly, and then a pin may name no CI: the
 * GI is kept or made empty. That is how a checkpoint names a GI without a
 * CI (`create --no-ci`, `nvidia-smi mig -cgi` without -C), which a target
 * of counts cannot express; an empty GI is a stray only in a target that
 * is not exact.
 *
 * migctl_transition_plan finds, among all layouts that satisfy the target,
 * one that the current layout reaches by destroying the fewest instances
 * (a destroyed GI counts 1 plus its CIs; a destroyed CI counts 1); among
 * those it prefers fewer busy instances destroyed, then the most free
 * capacity left (the sum over GI profiles of how many more could still be
 * created, nvidia-smi's "Free"), then the lowest placements. GIs are kept
 * or destroyed whole; which ones to keep is searched exhaustively, new GIs
 * get placements from an exhaustive search, CIs are grouped into GIs as
 * described in lib/transition.c. The steps come in an order the driver
 * accepts: destroy CIs, destroy GIs, create GIs, create CIs.
 *
 * Pure module: no I/O, no globals, deterministic.
 */
#ifndef MIGCTL_LAYOUT_H
#define MIGCTL_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "migctl/catalog.h"
#include "migctl/error.h"

#define MIGCTL_LAYOUT_MAX_GIS 16
#define MIGCTL_LAYOUT_MAX_CIS 8
#define MIGCTL_TARGET_MAX_ITEMS 32
#define MIGCTL_TRANSITION_MAX_STEPS 256
#define MIGCTL_ID_UNKNOWN 0xFFFFFFFFu /* an instance not created yet */

struct migctl_layout_ci {
	size_t profile;               /* index into the GI profile's ci[] */
	struct migctl_placement placement;
	unsigned id;                  /* CI ID; MIGCTL_ID_UNKNOWN if new */
	bool busy;                    /* processes run on it */
};

struct migctl_layout_gi {
	size_t profile;               /* index into model->gi[] */
	struct migctl_placement placement;
	unsigned id;                  /* GI ID; MIGCTL_ID_UNKNOWN if new */
	bool busy;                    /* processes run on it or its CIs */
	struct migctl_layout_ci cis[MIGCTL_LAYOUT_MAX_CIS];
	size_t n_cis;
};

struct migctl_layout {
	struct migctl_layout_gi gis[MIGCTL_LAYOUT_MAX_GIS];
	size_t n_gis;
};

/* `count` CIs of CI profile model->gi[gi].ci[ci], in GIs of profile gi. */
struct migctl_target_item {
	size_t gi;
	size_t ci;
	unsigned count;
};

/* A CI of profile ...gi[pin.gi].ci[ci] at `placement` in a pinned GI. */
struct migctl_target_ci_pin {
	size_t ci;
	struct migctl_placement placement;
};

/* A GI of profile model->gi[gi] must be at `placement`; with n_cis > 0 it
 * holds exactly the CIs in `cis` (see "Exact targets" above). */
struct migctl_target_pin {
	size_t gi;
	struct migctl_placement placement;
	struct migctl_target_ci_pin cis[MIGCTL_LAYOUT_MAX_CIS];
	size_t n_cis;
};

struct migctl_gpu_target {
	bool mig_enabled;
	struct migctl_target_item items[MIGCTL_TARGET_MAX_ITEMS];
	size_t n_items;               /* one item per (gi, ci) pair */
	struct migctl_target_pin pins[MIGCTL_LAYOUT_MAX_GIS];
	size_t n_pins;
	bool exact;                   /* the pins are the whole layout, each
	                               * with exactly its CIs (none: empty) */
};

/* Add `count` CIs to a target, merging with an existing (gi, ci) item.
 * MIGCTL_ERR_USAGE if the target is full. */
enum migctl_err migctl_target_add(struct migctl_gpu_target *t, size_t gi,
				  size_t ci, unsigned count,
				  struct migctl_error *err);

/* For each CI of `pin`: the index of an equal CI (profile, placement) of
 * `g` (NULL: none), each used once, or -1, into match[k]. Returns how many
 * matched. */
size_t migctl_pin_match_cis(const struct migctl_layout_gi *g,
			    const struct migctl_target_pin *pin, long *match);

/* Whether `layout` satisfies `target` (see above; mig_enabled is not
 * looked at). */
bool migctl_layout_satisfies(const struct migctl_gpu_model *model,
			     const struct migctl_layout *layout,
			     const struct migctl_gpu_target *target);

/* The target that `layout` satisfies with no pins (for export). */
void migctl_layout_to_target(const struct migctl_layout *layout,
			     struct migctl_gpu_target *target);

/* Free capacity of a layout: the sum over the model's GI profiles of how
 * many more instances could still be created. */
unsigned migctl_layout_free_capacity(const struct migctl_gpu_model *model,
				     const struct migctl_layout *layout);

enum migctl_step_kind {
	MIGCTL_STEP_DESTROY_CI,
	MIGCTL_STEP_DESTROY_GI,
	MIGCTL_STEP_CREATE_GI,
	MIGCTL_STEP_CREATE_CI,
};

/* Why an instance is destroyed. */
enum migctl_step_reason {
	MIGCTL_REASON_NONE = 0,       /* creates */
	MIGCTL_REASON_NOT_WANTED,     /* the target has no room for it */
	MIGCTL_REASON_CONFLICT,       /* its placement is needed by the target */
	MIGCTL_REASON_REGROUP,        /* its GI is rebuilt with other CIs */
};

/* One driver operation. GIs are named by placement (unique on a GPU) and,
 * when they exist already, by ID; CIs likewise within their GI. */
struct migctl_step {
	enum migctl_step_kind kind;
	enum migctl_step_reason reason;
	size_t gi_profile;            /* index into model->gi[] */
	struct migctl_placement gi_placement;
	unsigned gi_id;               /* MIGCTL_ID_UNKNOWN for a new GI */
	size_t ci_profile;            /* CI steps: index into ...ci[] */
	struct migctl_placement ci_placement;
	unsigned ci_id;               /* DESTROY_CI: the CI's ID */
	bool busy;                    /* destroying something in use */
};

/* "destroy-ci", "destroy-gi", "create-gi", "create-ci" (journal, JSON). */
const char *migctl_step_kind_name(enum migctl_step_kind k);
/* "not-wanted", "conflict", "regroup"; NULL for MIGCTL_REASON_NONE. */
const char *migctl_step_reason_name(enum migctl_step_reason r);

struct migctl_transition {
	struct migctl_step steps[MIGCTL_TRANSITION_MAX_STEPS];
	size_t n_steps;
	unsigned destroyed;           /* GIs + CIs destroyed */
	unsigned destroyed_busy;      /* of those, busy ones */
	unsigned created;             /* GIs + CIs created */
	unsigned kept;                /* GIs + CIs that stay as they are */
	unsigned free_capacity;       /* of `final` */
	struct migctl_layout final;   /* the layout after the steps (new
	                               * instances with MIGCTL_ID_UNKNOWN) */
};

/* Plan the transition of one GPU of `model` from `current` to a layout
 * satisfying `target` (see the header comment for the objective). With
 * `allow_busy` false, busy instances are never destroyed.
 * Errors:
 *   MIGCTL_ERR_INFEASIBLE  no layout satisfies the target, even starting
 *                          from an empty GPU (the message says why: a
 *                          count over the limit, pins that overlap, ...);
 *   MIGCTL_ERR_BUSY        only transitions that destroy busy instances
 *                          exist and !allow_busy; `out` then holds the
 *                          best of those, so the caller can name them;
 *   MIGCTL_ERR_USAGE       indices out of range, too many steps.
 * `out` is overwritten in every case. */
enum migctl_err migctl_transition_plan(const struct migctl_gpu_model *model,
				       const struct migctl_layout *current,
				       const struct migctl_gpu_target *target,
				       bool allow_busy,
				       struct migctl_transition *out,
				       struct migctl_error *err);

#endif
