/* migctl — fleet planner: pack a demand of GPU-instance profiles into the
 * fewest GPUs of a fleet, exactly.
 *
 * Input: a fleet (catalog models and how many GPUs of each, homogeneous or
 * mixed), a demand (profile names or IDs with counts, each optionally tied
 * to one model) and, optionally, pinned instances that already run and
 * must stay where they are. Output: per GPU the instances with their
 * placements, the number of GPUs used, a proven lower bound, and exactly
 * what could not be placed when the demand exceeds the fleet.
 *
 * Objective, in order:
 *   1. place all demand; when it does not fit, place as much as possible
 *      (rule below);
 *   2. use the fewest GPUs (pinned instances never move; a GPU with a
 *      pinned instance counts as used);
 *   3. leave the most free capacity (per GPU, the sum over the model's GI
 *      profiles of how many more instances could still be created, as
 *      nvidia-smi -lgip prints "Free"); exact when the program over every
 *      feasible configuration is small enough for the budget
 *      (stats.free_capacity_optimal), otherwise a greedy that is exact
 *      per GPU (its placement);
 *   4. deterministic output: the same request gives the same plan, unless
 *      the time budget cut a search short (stats.budget_exhausted; the
 *      tie-break searches have a tenth of it).
 *
 * Closest feasible plan: when the demand cannot all be placed, the placed
 * demand maximises, lexicographically, (a) the compute slices placed,
 * (b) the instances placed, (c) the placed count of each demand item in
 * the order the items are given (earlier items are served first). Then it
 * is packed into the fewest GPUs like any other demand. (a) is proven
 * within the budget (plan->optimal); (b) and (c) get a fixed search
 * effort and say whether they are proven (stats.tiebreaks_proven).
 *
 * Method and proof: see lib/planner.c. In short, GPUs of the same model and
 * pinned layout are one class; per class the inclusion-maximal feasible
 * multisets ("configurations") are enumerated with the geometry engine;
 * the plan is an integer program over how many GPUs of each class take each
 * configuration (counts, not GPUs, are the variables, so 10,000 GPUs cost
 * what 8 do). A dual solution of its LP relaxation, checked in exact
 * integer arithmetic, proves the lower bound; a depth-first branch and bound
 * finds a plan that meets it or proves that none does.
 *
 * Pure module: no I/O, no globals; it reads the monotonic clock only to
 * honour the time budget.
 */
#ifndef MIGCTL_PLANNER_H
#define MIGCTL_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/geometry.h"

/* Distinct demand rows after items that resolve to the same profiles on
 * every fleet model are merged. */
#define MIGCTL_PLAN_MAX_ROWS 32
/* Upper limits on counts, so that the exact bound arithmetic cannot
 * overflow. */
#define MIGCTL_PLAN_MAX_COUNT 10000000u
#define MIGCTL_PLAN_MAX_GPUS 1000000u
#define MIGCTL_PLAN_DEFAULT_BUDGET_MS 2000u
#define MIGCTL_PLAN_DEFAULT_NODE_LIMIT 2000000ul
/* migctl_plan_instance.demand of an instance that serves no demand item:
 * a pinned instance beyond the demand, or any pinned instance when the
 * request says pins_are_extra. */
#define MIGCTL_PLAN_NO_DEMAND SIZE_MAX

/* `count` GPUs of `model`. Fleet GPU indices number the GPUs of all
 * entries in order: entry 0's GPUs first. */
struct migctl_plan_fleet {
	const struct migctl_gpu_model *model;
	unsigned count;
};

/* `count` instances of a GI profile, by name ("3g.40gb"), NVML name
 * ("MIG 3g.40gb") or profile ID ("9"), resolved on each fleet model
 * separately: the same name or ID may be a different profile on another
 * model, and a model where it does not exist cannot serve it. With `model`
 * set, only GPUs of that model (a pointer equal to a fleet entry's model)
 * serve it. */
struct migctl_plan_demand {
	const char *profile;
	unsigned count;
	const struct migctl_gpu_model *model;
};

/* An instance that exists and must stay: GI profile `profile_id` of the
 * GPU's model at `placement` on fleet GPU `gpu`. */
struct migctl_plan_pin {
	size_t gpu;
	unsigned profile_id;
	struct migctl_placement placement;
};

/* The request borrows everything; nothing is kept after the call. */
struct migctl_plan_request {
	const struct migctl_plan_fleet *fleet;
	size_t n_fleet;
	const struct migctl_plan_demand *demand;
	size_t n_demand;
	const struct migctl_plan_pin *pins;
	size_t n_pins;
	/* false (default): a pinned instance counts toward the demand for its
	 * profile (the demand is the fleet's whole target); true: the demand
	 * is on top of the pinned instances. */
	bool pins_are_extra;
	/* Wall-clock budget for the search; 0 means the default. */
	unsigned time_budget_ms;
	/* Branch-and-bound nodes; 0 means the default. A deterministic
	 * alternative to the time budget. */
	unsigned long node_limit;
};

struct migctl_plan_instance {
	size_t profile;               /* index into the GPU's model->gi */
	unsigned profile_id;          /* NVML GI profile ID */
	struct migctl_placement placement;
	bool pinned;                  /* given in the request; never moved */
	size_t demand;                /* index of the request demand item it
				       * serves, or MIGCTL_PLAN_NO_DEMAND */
};

struct migctl_plan_gpu {
	const struct migctl_gpu_model *model;  /* borrowed from the catalog */
	size_t fleet_entry;           /* index into the request fleet */
	/* Owned by the plan; by start. GPUs with the same instances may
	 * share one array (the planner writes identical GPUs in runs):
	 * read it, do not change it through one GPU. */
	struct migctl_plan_instance *instances;
	size_t n_instances;
	bool used;                    /* has at least one instance */
	unsigned free_capacity;       /* sum of remaining capacities */
};

/* Per request demand item. placed + unplaced == demand; `pinned` of the
 * placed are pinned instances counted toward it. */
struct migctl_plan_demand_result {
	unsigned demand;
	unsigned placed;
	unsigned unplaced;
	unsigned pinned;
};

struct migctl_plan_stats {
	size_t rows;                  /* merged demand rows */
	size_t classes;               /* GPU classes (model + pinned layout) */
	size_t columns;               /* configurations over all classes */
	unsigned long nodes;          /* branch-and-bound nodes, all stages */
	unsigned long lp_solves;
	double lp_bound;              /* LP relaxation of the GPU count */
	bool budget_exhausted;        /* time or node limit reached */
	/* When the demand did not fit: the placed demand provably follows
	 * the tie-breaks (b) and (c) too. They get a fixed number of nodes
	 * (an off-by-one LP bound can need an exhaustive tree), and when that
	 * runs out the best found is kept and this is false. */
	bool tiebreaks_proven;
	/* The free capacity is the most any plan with these GPUs and this
	 * placed demand leaves (proven by the free-capacity stage). */
	bool free_capacity_optimal;
};

struct migctl_plan {
	struct migctl_plan_gpu *gpus; /* one per fleet GPU, by fleet index */
	size_t n_gpus;
	struct migctl_plan_demand_result *demand; /* one per request item */
	size_t n_demand;
	size_t gpus_used;
	/* Proven: no plan placing the same demand uses fewer GPUs. */
	size_t lower_bound;
	/* gpus_used == lower_bound, or proven by exhaustive search; and, when
	 * the demand did not fit, the compute slices placed are proven
	 * maximal (the tie-breaks: stats.tiebreaks_proven). */
	bool optimal;
	bool complete;                /* every demand item fully placed */
	unsigned long unplaced;       /* sum of demand[i].unplaced */
	unsigned long free_capacity;  /* sum over GPUs */
	struct migctl_plan_stats stats;
	struct migctl_plan_instance *storage_; /* private: all instances */
};

/* Initialise an empty plan. */
void migctl_plan_init(struct migctl_plan *plan);

/* Free everything the plan owns; it is empty afterwards. */
void migctl_plan_release(struct migctl_plan *plan);

/* Plan `req` into `plan`, which must be empty (initialised or released);
 * on success the plan owns its arrays (free them with
 * migctl_plan_release), and the model pointers in it are borrowed from the
 * catalog the request's models came from. Errors leave `plan` empty:
 *   MIGCTL_ERR_USAGE              malformed request (empty fleet, counts
 *                                 over the limits, a demand item tied to a
 *                                 model not in the fleet, too many rows);
 *   MIGCTL_ERR_UNKNOWN_PROFILE    a demand profile on no fleet model, or a
 *                                 pinned profile ID not on its GPU's model;
 *   MIGCTL_ERR_NOT_FOUND          a pin on a GPU index not in the fleet;
 *   MIGCTL_ERR_INVALID_PLACEMENT  a pin at a placement its profile lacks;
 *   MIGCTL_ERR_INFEASIBLE         pins on one GPU that overlap or exceed a
 *                                 profile limit;
 *   MIGCTL_ERR_CATALOG            a model with more profiles or units
 *                                 than the planner handles;
 *   MIGCTL_ERR_NOMEM, MIGCTL_ERR_INTERNAL.
 * Demand that does not fit is not an error: see plan->complete. */
enum migctl_err migctl_plan_solve(const struct migctl_plan_request *req,
				  struct migctl_plan *plan,
				  struct migctl_error *err);

/* `plan --incremental`: the online policy (migctl_online_place with
 * MIGCTL_ONLINE_MIGCTL, include/migctl/online.h) instead of the search.
 * One instance at a time, in demand order, next to the pins (existing
 * instances, which stay); an instance that fits nowhere is counted
 * unplaced. Fills `plan` (which must be empty) as migctl_plan_solve does,
 * instances of each GPU by start, with no optimality claim (lower_bound 0,
 * optimal false; time_budget_ms, node_limit and pins_are_extra are not
 * used). Errors leave `plan` empty: MIGCTL_ERR_USAGE for a missing fleet
 * model or demand list, MIGCTL_ERR_NOT_FOUND for a pin on a GPU index not
 * in the fleet, MIGCTL_ERR_INTERNAL for a pinned profile ID not on its
 * GPU's model or too many pins on one GPU, MIGCTL_ERR_NOMEM. */
enum migctl_err migctl_plan_incremental(const struct migctl_plan_request *req,
					struct migctl_plan *plan,
					struct migctl_error *err);

#endif
