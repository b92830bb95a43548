/* migctl — internal declarations of the transition planner, shared by
 * lib/transition.c (the search over fates and the completion of each
 * into a final layout; the method is described there) and
 * lib/transition_steps.c (input checks, diagnosis of infeasible targets,
 * the steps of the result, exact targets, migctl_transition_plan). Not
 * installed. */
#ifndef MIGCTL_TRANSITION_IMPL_H
#define MIGCTL_TRANSITION_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

static inline bool overlaps(struct migctl_placement a, struct migctl_placement b)
{
	return (migctl_placement_mask(a) & migctl_placement_mask(b)) != 0;
}

/* Load the missing CIs of GI profile p (counts in `missing`) as items of
 * `d`; false if there are too many. */
bool migctl_transition_distrib_items(struct distrib *d, const struct migctl_gi_profile *gi,
				     const unsigned *missing);

/* The smallest number of new GIs, in [lo, hi], that holds the items next
 * to the kept bins already loaded; SIZE_MAX if none. On success `d` holds
 * the assignment. */
size_t migctl_transition_distrib_min_new(struct distrib *d, size_t lo, size_t hi);

/* Search the fates of s->cur for the best completion (s->found,
 * s->best); options that destroy busy instances only when `busy_ok`. */
void migctl_transition_search(struct search *s, bool busy_ok);

#endif
