/* migctl — migctl_plan_incremental (include/migctl/planner.h): the online
 * placement policy of lib/online.c run over a whole demand, one instance
 * at a time, written out as a struct migctl_plan so that `plan
 * --incremental` prints like an exact plan.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "migctl/catalog.h"
#include "migctl/layout.h"
#include "migctl/online.h"
#include "migctl/planner.h"

/* The fleet's GPUs as the online policy sees them, with each slot's origin:
 * slots of GPU g are slots[g * MIGCTL_LAYOUT_MAX_GIS ...]. */
struct inc_fleet {
	size_t n;
	struct migctl_grid *grids;
	struct migctl_online_gpu *og;
	struct migctl_slot *slots;
	size_t *entry;                /* fleet entry of each GPU */
	size_t *demand_of;            /* per slot: demand item or NO_DEMAND */
	bool *pinned;                 /* per slot */
};

static void inc_release(struct inc_fleet *f)
{
	free(f->grids);
	free(f->og);
	free(f->slots);
	free(f->entry);
	free(f->demand_of);
	free(f->pinned);
}

/* One GPU per fleet unit, with its pins as slots. */
static enum migctl_err inc_load(const struct migctl_plan_request *req, struct inc_fleet *f,
				struct migctl_error *err)
{
	size_t n = 0, cap;

	for (size_t e = 0; e < req->n_fleet; e++) {
		if (!req->fleet[e].model)
			return migctl_fail(err, MIGCTL_ERR_USAGE, "fleet entry %zu has no model", e);
		n += req->fleet[e].count;
	}
	if (req->n_demand > 0 && !req->demand)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "the demand list is missing");
	cap = (n + 1) * MIGCTL_LAYOUT_MAX_GIS;
	f->n = n;
	f->grids = calloc(n + 1, sizeof(*f->grids));
	f->og = calloc(n + 1, sizeof(*f->og));
	f->slots = calloc(cap, sizeof(*f->slots));
	f->entry = calloc(n + 1, sizeof(*f->entry));
	f->demand_of = calloc(cap, sizeof(*f->demand_of));
	f->pinned = calloc(cap, sizeof(*f->pinned));
	if (!f->grids || !f->og || !f->slots || !f->entry || !f->demand_of || !f->pinned)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t e = 0, g = 0; e < req->n_fleet; e++)
		for (unsigned c = 0; c < req->fleet[e].count; c++, g++) {
			migctl_grid_of_model(&f->grids[g], req->fleet[e].model);
			f->og[g] = (struct migctl_online_gpu){
				&f->grids[g], &f->slots[g * MIGCTL_LAYOUT_MAX_GIS], 0, 0};
			f->entry[g] = e;
		}
	for (size_t i = 0; i < req->n_pins; i++) {
		const struct migctl_plan_pin *pin = &req->pins[i];
		if (pin->gpu >= n)
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "existing instance on GPU %zu, which is not in the fleet",
					   pin->gpu);
		int q = migctl_grid_profile_index(&f->grids[pin->gpu], pin->profile_id);
		size_t k = pin->gpu * MIGCTL_LAYOUT_MAX_GIS + f->og[pin->gpu].n_slots;
		if (q < 0 || f->og[pin->gpu].n_slots == MIGCTL_LAYOUT_MAX_GIS)
			return migctl_fail(err, MIGCTL_ERR_INTERNAL,
					   "existing instance not in its model");
		f->slots[k] = (struct migctl_slot){(size_t)q, pin->placement};
		f->pinned[k] = true;
		f->demand_of[k] = MIGCTL_PLAN_NO_DEMAND;
		f->og[pin->gpu].n_slots++;
	}
	return MIGCTL_ERR_OK;
}

/* Place demand item d's instances one by one. */
static void inc_place_item(const struct migctl_plan_request *req, struct inc_fleet *f, size_t d,
			   struct migctl_plan_demand_result *res)
{
	const struct migctl_plan_demand *it = &req->demand[d];

	res->demand = it->count;
	for (unsigned c = 0; c < it->count; c++) {
		struct migctl_online_choice ch;
		for (size_t g = 0; g < f->n; g++) {
			const struct migctl_gpu_model *m = req->fleet[f->entry[g]].model;
			const struct migctl_gi_profile *gp =
				it->profile ? migctl_model_find_gi_profile(m, it->profile, NULL) : NULL;
			bool ok = gp && (!it->model || it->model == m) &&
				  f->og[g].n_slots < MIGCTL_LAYOUT_MAX_GIS;
			f->og[g].profile = ok ? (size_t)(gp - m->gi) : SIZE_MAX;
		}
		if (migctl_online_place(f->og, f->n, MIGCTL_ONLINE_MIGCTL, &ch) != MIGCTL_ERR_OK) {
			res->unplaced++;
			continue;
		}
		size_t k = ch.gpu * MIGCTL_LAYOUT_MAX_GIS + f->og[ch.gpu].n_slots++;
		f->slots[k] = (struct migctl_slot){f->og[ch.gpu].profile, ch.placement};
		f->demand_of[k] = d;
		res->placed++;
	}
}

/* Copy each GPU's instances out by start, with its free capacity. */
static void inc_write(const struct migctl_plan_request *req, const struct inc_fleet *f,
		      struct migctl_plan *plan)
{
	size_t used = 0;

	plan->n_gpus = f->n;
	for (size_t g = 0; g < f->n; g++) {
		struct migctl_plan_gpu *pg = &plan->gpus[g];
		pg->model = req->fleet[f->entry[g]].model;
		pg->fleet_entry = f->entry[g];
		pg->instances = &plan->storage_[used];
		for (unsigned start = 0; start < MIGCTL_MAX_UNITS; start++)
			for (size_t i = 0; i < f->og[g].n_slots; i++) {
				size_t k = g * MIGCTL_LAYOUT_MAX_GIS + i;
				if (f->slots[k].placement.start != start)
					continue;
				plan->storage_[used++] = (struct migctl_plan_instance){
					.profile = f->slots[k].profile,
					.profile_id = f->grids[g].profiles[f->slots[k].profile].id,
					.placement = f->slots[k].placement, .pinned = f->pinned[k],
					.demand = f->demand_of[k]};
				pg->n_instances++;
			}
		pg->used = pg->n_instances > 0;
		plan->gpus_used += pg->used;
		for (size_t q = 0; q < f->grids[g].n_profiles; q++)
			pg->free_capacity += migctl_grid_remaining_capacity(
				&f->grids[g], f->og[g].slots, f->og[g].n_slots, q);
		plan->free_capacity += pg->free_capacity;
	}
	plan->complete = plan->unplaced == 0;
}

enum migctl_err migctl_plan_incremental(const struct migctl_plan_request *req,
					struct migctl_plan *plan, struct migctl_error *err)
{
	struct inc_fleet f = {0};
	size_t total = req->n_pins;
	enum migctl_err rc;

	migctl_plan_init(plan);
	if ((rc = inc_load(req, &f, err)))
		goto out;
	for (size_t d = 0; d < req->n_demand; d++)
		total += req->demand[d].count;
	plan->gpus = calloc(f.n + 1, sizeof(*plan->gpus));
	plan->demand = calloc(req->n_demand + 1, sizeof(*plan->demand));
	plan->storage_ = calloc(total + 1, sizeof(*plan->storage_));
	if (!plan->gpus || !plan->demand || !plan->storage_) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	plan->n_demand = req->n_demand;
	for (size_t d = 0; d < req->n_demand; d++) {
		inc_place_item(req, &f, d, &plan->demand[d]);
		plan->unplaced += plan->demand[d].unplaced;
	}
	inc_write(req, &f, plan);
out:
	inc_release(&f);
	if (rc)
		migctl_plan_release(plan);
	return rc;
}
