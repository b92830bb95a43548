/* migctl — internal declarations of the fleet planner, shared by
 * lib/planner.c (the request, layouts, groups and configurations, and
 * migctl_plan_solve), lib/planner_solve.c (the covering program, the
 * placeable demand, the free-capacity stage) and lib/planner_place.c
 * (counts to placements and the written plan). The method is described at
 * the top of lib/planner.c; the solver itself is lib/lp.c. Not installed. */
#ifndef MIGCTL_PLANNER_IMPL_H
#define MIGCTL_PLANNER_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migctl/planner.h"
#include "lp.h"

#define NONE SIZE_MAX
#define MAXQ MIGCTL_MAX_PROFILES
#define MAXR MIGCTL_PLAN_MAX_ROWS
#define LAYOUT_BUCKETS 1024u            /* a power of two */
#define NO_LAYOUT UINT32_MAX

/* A placed layout on a model's grid: per profile the count and the
 * starts (profiles have one size, so the starts say everything). */
struct layout {
	uint8_t count[MAXQ];
	uint32_t starts[MAXQ];
};

struct model_info {
	const struct migctl_gpu_model *model;
	struct migctl_grid grid;
	size_t n_prof;                  /* demanded profiles on this model */
	size_t prof[MAXR];              /* their indices in model->gi */
	size_t n_prof_rows[MAXR];       /* rows that are prof[p] here */
	size_t prof_rows[MAXR][MAXR];
	int slot[MAXQ];                 /* profile index -> p, or -1 */
	uint32_t allowed;               /* demanded and pinned profiles */
	struct layout *layouts;         /* [0] is the empty layout */
	size_t n_layouts;
	int *free_score;                /* per layout, -1 until computed */
	/* Layouts by their counts (migctl_planner_place_config looks one
	 * count vector up many times): bucket[h] is the first layout whose
	 * counts hash to h, next_in_bucket[li] the one after li, both in
	 * ascending index order; NO_LAYOUT ends a chain. */
	uint32_t bucket[LAYOUT_BUCKETS];
	uint32_t *next_in_bucket;
	/* For scoring layouts without building slots (the free capacity is
	 * computed for nearly every layout, so it must be cheap): per
	 * profile the units of its placement at each start, and the masks
	 * of its placements that fit the grid, by ascending start. */
	uint32_t at_mask[MAXQ][MIGCTL_MAX_UNITS];
	uint32_t fit_mask[MAXQ][MIGCTL_MAX_UNITS];
	uint8_t n_fit[MAXQ];
};

/* A GPU with pinned instances. GPUs without pins are never listed one by
 * one: per model they are one group, whatever their number. */
struct pinned_gpu {
	size_t gpu;                     /* fleet GPU index */
	size_t model;                   /* model_info index */
	size_t entry;                   /* fleet entry */
	size_t pin0, n_pins;            /* range in planner.pin_slots */
};

/* A placement found for (group, configuration). */
struct cache_entry {
	uint8_t v[MAXR];
	size_t layout;
};

struct group {
	size_t model;
	const struct migctl_slot *pins; /* canonical: by start */
	size_t n_pins;
	uint8_t pin_count[MAXQ];
	uint32_t pin_starts[MAXQ];
	size_t gpu0, n_gpus;            /* pinned groups: range in
					 * planner.pinned_order */
	size_t type0, n_gtypes;         /* its types, once they are sorted */
	size_t cls;
	uint8_t *configs;               /* n_configs × MAXR, maximal ones */
	size_t n_configs;
	uint8_t *all;                   /* n_all × MAXR, every feasible one */
	size_t n_all;
	uint8_t base[MAXR];             /* a GPU with nothing but its pins */
	uint64_t hash;
	struct cache_entry *cache;
	size_t n_cache, cap_cache;
};

struct plan_class {
	unsigned cost;
	size_t n_gpus;
	size_t rep;                     /* group holding the configurations */
	size_t g0, n_groups;            /* range in planner.class_groups */
	size_t col0, n_cols;
};

struct row_info {
	unsigned long demand;
	unsigned weight;                /* compute slices */
};

struct gtype {
	size_t group;
	uint8_t v[MAXR];
	size_t count;
	size_t layout;
};

struct planner {
	const struct migctl_plan_request *req;
	struct migctl_error *err;
	struct timespec deadline;
	struct timespec tiebreak_deadline;
	bool tiebreak_started;
	unsigned budget_ms;
	unsigned long node_limit;
	struct migctl_plan_stats stats;

	size_t n_models;
	struct model_info *models;
	size_t n_rows;
	struct row_info rows[MAXR];
	int *rowmap;                    /* n_rows × n_models: profile or -1 */
	size_t *item_row;               /* per request item */

	size_t n_gpus;
	size_t *entry_first;            /* per fleet entry: its first GPU */
	struct migctl_slot *pin_slots;
	struct pinned_gpu *pinned;      /* by GPU index */
	size_t n_pinned_gpus;
	size_t *pinned_order;           /* pinned GPUs sorted by group */

	size_t n_groups;
	struct group *groups;
	size_t n_classes;
	struct plan_class *classes;
	size_t *class_groups;
	size_t n_cols;
	size_t *col_class;
	const uint8_t **col_cfg;

	double dem[MAXR];               /* demand being covered */
	double wt[MAXR];                /* heuristic weights of rows */

	struct gtype *types;
	size_t n_types, cap_types;
};

/* Result of one search. */
struct solve_out {
	bool found;
	bool proven;            /* optimal: bound met or tree exhausted */
	bool infeasible;        /* proven: no solution at all */
	double value;
	long long bound;        /* proven lower bound on the value */
	double lp;
};

/* The planner's out-of-memory error. */
static inline enum migctl_err nomem(struct planner *pl)
{
	return migctl_fail(pl->err, MIGCTL_ERR_NOMEM,
			   "out of memory while planning");
}

/* Grow the array whose pointer is at `bufp` to hold `need` elements.
 * (The pointer is copied with memcpy so that any object pointer type can
 * be passed without breaking aliasing rules.) */
static inline bool grow(void *bufp, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *buf, *nb;
	bool ok = true;

	if (need > *cap) {
		while (n < need)
			n *= 2;
		memcpy(&buf, bufp, sizeof(buf));
		nb = realloc(buf, n * elem);
		if (nb) {
			memcpy(bufp, &nb, sizeof(nb));
			*cap = n;
		} else {
			ok = false;
		}
	}
	return ok;
}

/* Whether layout `l` holds every pinned instance of group `g`. */
static inline bool layout_holds_pins(const struct layout *l, const struct group *g,
			      size_t nq)
{
	for (size_t q = 0; q < nq; q++)
		if ((l->starts[q] & g->pin_starts[q]) != g->pin_starts[q])
			return false;
	return true;
}

/* FNV-1a of a byte vector: the planner's hash tables of counts. */
static inline uint32_t vec_hash(const uint8_t *v, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ v[i]) * 16777619u;
	return h;
}

/* Byte vectors in descending order (for qsort and bsearch). */
static inline int cmp_desc(const void *a, const void *b, size_t n)
{
	return -memcmp(a, b, n);
}

/* Whether a configuration asks for no instance at all. */
static inline bool zero_vec(const uint8_t *v)
{
	for (size_t i = 0; i < MAXR; i++)
		if (v[i])
			return false;
	return true;
}

/* lib/planner_solve.c: fewest GPUs covering pl->dem (`start`: a known
 * solution or NULL; `x` gets the best counts); the placeable demand when
 * not everything fits (written to pl->dem); the exact free-capacity stage
 * over pl->types. */
enum migctl_err migctl_planner_solve_cover(struct planner *pl, const double *start,
					   double *x, struct solve_out *res);
enum migctl_err migctl_planner_solve_placeable(struct planner *pl, double *x, bool *proven);
enum migctl_err migctl_planner_solve_free(struct planner *pl, bool *proven);

/* lib/planner_place.c: placing configurations, the GPU types of a
 * solution, removing surplus, writing the plan. */
void migctl_planner_score_init(struct model_info *mi);
int migctl_planner_layout_free(struct model_info *mi, size_t li);
size_t migctl_planner_place_config(struct planner *pl, struct group *g, const uint8_t *v,
				   bool *nomem_out);
bool migctl_planner_add_type(struct planner *pl, size_t group, const uint8_t *v,
			     size_t count);
enum migctl_err migctl_planner_assign_types(struct planner *pl, const double *x);
enum migctl_err migctl_planner_trim_surplus(struct planner *pl);
enum migctl_err migctl_planner_write_plan(struct planner *pl, struct migctl_plan *plan);

#endif
