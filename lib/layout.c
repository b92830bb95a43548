/* migctl — layouts and targets: the small shared helpers of layout.h.
 * The transition search itself is in lib/transition.c. */
#include <stdint.h>
#include <string.h>

#include "migctl/geometry.h"
#include "migctl/layout.h"

enum migctl_err migctl_target_add(struct migctl_gpu_target *t, size_t gi,
				  size_t ci, unsigned count,
				  struct migctl_error *err)
{
	for (size_t i = 0; i < t->n_items; i++) {
		if (t->items[i].gi == gi && t->items[i].ci == ci) {
			t->items[i].count += count;
			return MIGCTL_ERR_OK;
		}
	}
	if (t->n_items == MIGCTL_TARGET_MAX_ITEMS)
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "more than %d different profiles for one GPU",
				   MIGCTL_TARGET_MAX_ITEMS);
	t->items[t->n_items++] = (struct migctl_target_item){gi, ci, count};
	return MIGCTL_ERR_OK;
}

void migctl_layout_to_target(const struct migctl_layout *layout,
			     struct migctl_gpu_target *target)
{
	memset(target, 0, sizeof(*target));
	target->mig_enabled = true;
	for (size_t g = 0; g < layout->n_gis; g++) {
		const struct migctl_layout_gi *gi = &layout->gis[g];
		/* No real model has more distinct (GI, CI) profile pairs
		 * than MIGCTL_TARGET_MAX_ITEMS; a full target stops here. */
		for (size_t c = 0; c < gi->n_cis; c++)
			if (migctl_target_add(target, gi->profile, gi->cis[c].profile, 1, NULL))
				return;
	}
}

size_t migctl_pin_match_cis(const struct migctl_layout_gi *g,
			    const struct migctl_target_pin *pin, long *match)
{
	uint32_t used = 0;
	size_t n = 0;

	for (size_t k = 0; k < pin->n_cis; k++) {
		match[k] = -1;
		for (size_t c = 0; g && c < g->n_cis && match[k] < 0; c++)
			if (!(used & (UINT32_C(1) << c)) && g->cis[c].profile == pin->cis[k].ci &&
			    migctl_placement_equal(g->cis[c].placement, pin->cis[k].placement)) {
				used |= UINT32_C(1) << c;
				match[k] = (long)c;
				n++;
			}
	}
	return n;
}

/* The GI holds exactly the pin's CIs, if it names any. */
static bool holds_pinned_cis(const struct migctl_layout_gi *g, const struct migctl_target_pin *pin,
			     bool exact)
{
	long match[MIGCTL_LAYOUT_MAX_CIS];

	return (pin->n_cis == 0 && !exact) ||
	       (g->n_cis == pin->n_cis && migctl_pin_match_cis(g, pin, match) == pin->n_cis);
}

bool migctl_layout_satisfies(const struct migctl_gpu_model *model,
			     const struct migctl_layout *layout,
			     const struct migctl_gpu_target *target)
{
	struct migctl_gpu_target have;

	(void)model;
	/* An exact target is its pins: one GI per pin and nothing else. */
	if (target->exact && layout->n_gis != target->n_pins)
		return false;
	for (size_t g = 0; g < layout->n_gis && !target->exact; g++)
		if (layout->gis[g].n_cis == 0)
			return false; /* a stray empty GI */
	migctl_layout_to_target(layout, &have);
	for (size_t i = 0; i < target->n_items; i++) {
		const struct migctl_target_item *want = &target->items[i];
		unsigned got = 0;
		for (size_t j = 0; j < have.n_items; j++)
			if (have.items[j].gi == want->gi && have.items[j].ci == want->ci)
				got = have.items[j].count;
		if (got != want->count)
			return false;
	}
	/* Nothing beyond the target: every pair held must be asked for. */
	for (size_t j = 0; j < have.n_items; j++) {
		bool asked = false;
		for (size_t i = 0; i < target->n_items; i++)
			asked |= target->items[i].gi == have.items[j].gi &&
				 target->items[i].ci == have.items[j].ci &&
				 target->items[i].count > 0;
		if (!asked)
			return false;
	}
	for (size_t p = 0; p < target->n_pins; p++) {
		bool found = false;
		for (size_t g = 0; g < layout->n_gis && !found; g++)
			found = layout->gis[g].profile == target->pins[p].gi &&
				migctl_placement_equal(layout->gis[g].placement, target->pins[p].placement) &&
				holds_pinned_cis(&layout->gis[g], &target->pins[p], target->exact);
		if (!found)
			return false;
	}
	return true;
}

unsigned migctl_layout_free_capacity(const struct migctl_gpu_model *model,
				     const struct migctl_layout *layout)
{
	struct migctl_grid grid;
	struct migctl_slot slots[MIGCTL_LAYOUT_MAX_GIS];
	unsigned total = 0;

	migctl_grid_of_model(&grid, model);
	for (size_t g = 0; g < layout->n_gis; g++)
		slots[g] = (struct migctl_slot){layout->gis[g].profile, layout->gis[g].placement};
	for (size_t p = 0; p < grid.n_profiles; p++)
		total += migctl_grid_remaining_capacity(&grid, slots, layout->n_gis, p);
	return total;
}

const char *migctl_step_kind_name(enum migctl_step_kind k)
{
	switch (k) {
	case MIGCTL_STEP_DESTROY_CI: return "destroy-ci";
	case MIGCTL_STEP_DESTROY_GI: return "destroy-gi";
	case MIGCTL_STEP_CREATE_GI: return "create-gi";
	case MIGCTL_STEP_CREATE_CI: return "create-ci";
	}
	return "unknown";
}

const char *migctl_step_reason_name(enum migctl_step_reason r)
{
	switch (r) {
	case MIGCTL_REASON_NOT_WANTED: return "not-wanted";
	case MIGCTL_REASON_CONFLICT: return "conflict";
	case MIGCTL_REASON_REGROUP: return "regroup";
	case MIGCTL_REASON_NONE: break;
	}
	return NULL;
}
