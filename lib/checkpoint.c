/* migctl — checkpoints (see include/migctl/apply.h): capturing the mode and
 * layout of every MIG-capable GPU, their JSON in nvidia-mig-parted's
 * checkpoint format (with CI placements added), and plans that bring a
 * node back to a checkpoint. The journal header embeds the same JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_impl.h"
#include "migctl/geometry.h"

void migctl_checkpoint_init(struct migctl_checkpoint *c)
{
	memset(c, 0, sizeof(*c));
}

void migctl_checkpoint_release(struct migctl_checkpoint *c)
{
	free(c->gpus);
	memset(c, 0, sizeof(*c));
}

static void capture_gpu(const struct migctl_gpu_state *gpu, struct migctl_gpu_checkpoint *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->uuid, sizeof(out->uuid), "%s", gpu->uuid);
	out->mig_enabled = gpu->mig_current;
	migctl_layout_of_gpu(gpu, &out->layout);
	out->has_index = out->has_id = true;
	for (size_t g = 0; g < out->layout.n_gis; g++) {
		const struct migctl_gi_profile *gp = &gpu->model.gi[out->layout.gis[g].profile];
		out->gi_profile_id[g] = gp->id;
		out->gi_profile_index[g] = gp->nvml_index;
		for (size_t c = 0; c < out->layout.gis[g].n_cis; c++)
			out->ci_profile_id[g][c] = gp->ci[out->layout.gis[g].cis[c].profile].id;
	}
}

enum migctl_err migctl_checkpoint_capture(const struct migctl_node *node,
					  struct migctl_checkpoint *c,
					  struct migctl_error *err)
{
	migctl_checkpoint_release(c);
	c->gpus = calloc(node->n_gpus ? node->n_gpus : 1, sizeof(*c->gpus));
	if (!c->gpus)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < node->n_gpus; i++)
		if (node->gpus[i].mig_capable)
			capture_gpu(&node->gpus[i], &c->gpus[c->n_gpus++]);
	return MIGCTL_ERR_OK;
}

static json_t *placement_json(struct migctl_placement p)
{
	return json_pack("{s:i,s:i}", "Start", (int)p.start, "Size", (int)p.size);
}

/* Format 2 writes the profile index in "ProfileID", as mig-parted does; a
 * checkpoint read from a format-1 file knows only IDs and is written back
 * as format 1 (see include/migctl/apply.h). */
static bool ids_only(const struct migctl_checkpoint *c)
{
	for (size_t i = 0; i < c->n_gpus; i++)
		if (!c->gpus[i].has_index && c->gpus[i].layout.n_gis > 0)
			return true;
	return false;
}

static json_t *gi_json(const struct migctl_gpu_checkpoint *g, size_t k, bool by_id)
{
	const struct migctl_layout_gi *li = &g->layout.gis[k];
	json_t *cis = json_array();
	for (size_t n = 0; cis && n < li->n_cis; n++)
		json_array_append_new(cis, json_pack("{s:i,s:i,s:o}",
			"ProfileID", (int)g->ci_profile_id[k][n], "EngProfileID", 0,
			"Placement", placement_json(li->cis[n].placement)));
	json_t *gi = json_pack("{s:i,s:o,s:o}",
		"ProfileID", (int)(by_id ? g->gi_profile_id[k] : g->gi_profile_index[k]),
		"Placement", placement_json(li->placement),
		"ComputeInstances", cis ? cis : json_null());
	if (gi && !by_id && g->has_id)
		json_object_set_new(gi, "MigctlProfileID", json_integer(g->gi_profile_id[k]));
	return gi;
}

json_t *migctl_checkpoint_json(const struct migctl_checkpoint *c)
{
	json_t *devs = json_array();
	bool by_id = ids_only(c);

	for (size_t i = 0; devs && i < c->n_gpus; i++) {
		const struct migctl_gpu_checkpoint *g = &c->gpus[i];
		json_t *gis = json_array();
		for (size_t k = 0; gis && k < g->layout.n_gis; k++)
			json_array_append_new(gis, gi_json(g, k, by_id));
		json_array_append_new(devs, json_pack("{s:s,s:i,s:o}", "UUID", g->uuid,
			"MigMode", g->mig_enabled ? 1 : 0, "GpuInstances", gis ? gis : json_null()));
	}
	return json_pack("{s:s,s:{s:o},s:i}", "Version", "v1", "MigState", "Devices",
			 devs ? devs : json_null(), "MigctlFormat", by_id ? 1 : 2);
}

enum migctl_err migctl_checkpoint_to_json(const struct migctl_checkpoint *c, char **text,
					  struct migctl_error *err)
{
	json_t *j = migctl_checkpoint_json(c);

	*text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!*text)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	return MIGCTL_ERR_OK;
}

/* An unsigned field of a JSON object, range-checked. */
static bool get_uint(json_t *obj, const char *key, unsigned max, unsigned *out)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)max)
		return false;
	*out = (unsigned)json_integer_value(v);
	return true;
}

static bool get_placement(json_t *obj, struct migctl_placement *p)
{
	json_t *pl = json_object_get(obj, "Placement");
	return json_is_object(pl) && get_uint(pl, "Start", MIGCTL_MAX_UNITS - 1, &p->start) &&
	       get_uint(pl, "Size", MIGCTL_MAX_UNITS, &p->size) && p->size > 0 &&
	       p->start + p->size <= MIGCTL_MAX_UNITS;
}

/* One GI of a device: its profile ("ProfileID" is the index, or the ID in
 * a format-1 file; "MigctlProfileID" the ID), placement and CIs. */
static enum migctl_err parse_gi(json_t *gi, size_t k, const char *origin, bool by_id,
				struct migctl_gpu_checkpoint *g, struct migctl_error *err)
{
	struct migctl_layout_gi *li = &g->layout.gis[k];
	json_t *cis = json_object_get(gi, "ComputeInstances");
	unsigned prof;

	if (!json_is_object(gi) || !get_uint(gi, "ProfileID", 1000, &prof) ||
	    !get_placement(gi, &li->placement))
		return migctl_fail(err, MIGCTL_ERR_PARSE,
				   "%s: %s: GPU instance %zu needs ProfileID and "
				   "Placement {Start, Size}", origin, g->uuid, k);
	if (by_id) {
		g->gi_profile_id[k] = prof;
	} else {
		g->gi_profile_index[k] = prof;
		if (json_object_get(gi, "MigctlProfileID") &&
		    !get_uint(gi, "MigctlProfileID", 1000, &g->gi_profile_id[k]))
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "%s: %s: GPU instance %zu: bad MigctlProfileID",
					   origin, g->uuid, k);
		g->has_id &= json_object_get(gi, "MigctlProfileID") != NULL;
	}
	if ((cis && !json_is_null(cis) && !json_is_array(cis)) ||
	    json_array_size(cis) > MIGCTL_LAYOUT_MAX_CIS)
		return migctl_fail(err, MIGCTL_ERR_PARSE,
				   "%s: %s: GPU instance %zu: ComputeInstances must be a "
				   "list of at most %d", origin, g->uuid, k, MIGCTL_LAYOUT_MAX_CIS);
	li->id = MIGCTL_ID_UNKNOWN;
	size_t n;
	json_t *ci;
	json_array_foreach(cis, n, ci) {
		struct migctl_layout_ci *lc = &li->cis[n];
		if (!json_is_object(ci) || !get_uint(ci, "ProfileID", 1000, &g->ci_profile_id[k][n]))
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "%s: %s: GPU instance %zu, compute instance %zu "
					   "needs a ProfileID", origin, g->uuid, k, n);
		/* mig-parted's checkpoints have no CI placement: the
		 * driver's choice is taken then. */
		if (!get_placement(ci, &lc->placement))
			lc->placement = (struct migctl_placement){0, 0};
		lc->id = MIGCTL_ID_UNKNOWN;
		li->n_cis++;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_device(json_t *d, size_t i, const char *origin, bool by_id,
				    struct migctl_gpu_checkpoint *g, struct migctl_error *err)
{
	json_t *uuid = json_object_get(d, "UUID"), *gis = json_object_get(d, "GpuInstances");
	unsigned mode;
	enum migctl_err rc;

	if (!json_is_string(uuid) || !json_string_value(uuid)[0] ||
	    strlen(json_string_value(uuid)) >= sizeof(g->uuid))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: device %zu: missing or bad UUID",
				   origin, i);
	snprintf(g->uuid, sizeof(g->uuid), "%s", json_string_value(uuid));
	if (!get_uint(d, "MigMode", 1, &mode))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: %s: MigMode must be 0 or 1", origin,
				   g->uuid);
	g->mig_enabled = mode == 1;
	if (!json_is_null(gis) && gis && !json_is_array(gis))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: %s: GpuInstances must be a list",
				   origin, g->uuid);
	if (json_array_size(gis) > MIGCTL_LAYOUT_MAX_GIS)
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: %s: more than %d GPU instances",
				   origin, g->uuid, MIGCTL_LAYOUT_MAX_GIS);
	g->has_index = !by_id;
	g->has_id = true;
	size_t k;
	json_t *gi;
	json_array_foreach(gis, k, gi) {
		if ((rc = parse_gi(gi, k, origin, by_id, g, err)))
			return rc;
		g->layout.n_gis++;
	}
	/* A GPU without GIs names no profile, so it has every form: it is
	 * written as format 2 and must read back the same. */
	if (g->layout.n_gis == 0)
		g->has_index = true;
	return MIGCTL_ERR_OK;
}

/* Whether the GI "ProfileID"s of a file are profile IDs (format 1: migctl
 * before format 2, see include/migctl/apply.h) rather than indices. */
static enum migctl_err file_format(json_t *root, json_t *devs, const char *origin,
				   bool *by_id, struct migctl_error *err)
{
	json_t *fmt = json_object_get(root, "MigctlFormat");
	size_t i, k, n;
	json_t *d, *gi, *ci;

	*by_id = false;
	if (fmt) {
		if (!json_is_integer(fmt) || json_integer_value(fmt) < 1 ||
		    json_integer_value(fmt) > 2)
			return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: MigctlFormat must be 1 or 2; "
					   "a newer migctl wrote this file", origin);
		*by_id = json_integer_value(fmt) == 1;
		return MIGCTL_ERR_OK;
	}
	json_array_foreach(devs, i, d) {
		json_array_foreach(json_object_get(d, "GpuInstances"), k, gi) {
			json_array_foreach(json_object_get(gi, "ComputeInstances"), n, ci)
				if (json_object_get(ci, "Placement"))
					*by_id = true;
		}
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_checkpoint_parse_json(struct migctl_checkpoint *c, const char *origin,
					     json_t *root, struct migctl_error *err)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	json_t *devs;
	bool by_id;

	migctl_checkpoint_release(c);
	json_t *ver = json_object_get(root, "Version");
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "v1") != 0) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: unknown or missing Version (want \"v1\")",
				 origin);
		goto out;
	}
	devs = json_object_get(json_object_get(root, "MigState"), "Devices");
	if (!json_is_array(devs) || json_array_size(devs) > MIGCTL_CHECKPOINT_MAX_GPUS) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: MigState.Devices must be a list of at "
				 "most %d GPUs", origin, MIGCTL_CHECKPOINT_MAX_GPUS);
		goto out;
	}
	if ((rc = file_format(root, devs, origin, &by_id, err)))
		goto out;
	c->gpus = calloc(json_array_size(devs) + 1, sizeof(*c->gpus));
	if (!c->gpus) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	size_t i;
	json_t *d;
	json_array_foreach(devs, i, d) {
		if (!json_is_object(d)) {
			rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: device %zu is not an object",
					 origin, i);
			goto out;
		}
		if ((rc = parse_device(d, i, origin, by_id, &c->gpus[i], err)))
			goto out;
		/* One GPU twice would merge two layouts into one target. */
		for (size_t o = 0; o < i; o++)
			if (strcmp(c->gpus[o].uuid, c->gpus[i].uuid) == 0) {
				rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: GPU %s is listed "
						 "twice", origin, c->gpus[i].uuid);
				goto out;
			}
		c->n_gpus++;
	}
out:
	if (rc)
		migctl_checkpoint_release(c);
	return rc;
}

enum migctl_err migctl_checkpoint_from_json(struct migctl_checkpoint *c, const char *origin,
					    const char *text, size_t len,
					    struct migctl_error *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	enum migctl_err rc;

	migctl_checkpoint_release(c);
	if (!root)
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%d: %s; is this a file written by "
				   "'migctl checkpoint'?", origin, je.line, je.text);
	rc = migctl_checkpoint_parse_json(c, origin, root, err);
	json_decref(root);
	return rc;
}

/* A checkpoint without CI placements (mig-parted's) that holds a GI
 * without a CI: only an exact target can name that GI, so pin every CI
 * where the driver puts it when none is given, created in the order
 * listed (geometry.h's placement rule). False, with no CI pinned, when
 * the listed CIs do not fit their GI. */
static bool pin_driver_ci_placements(const struct migctl_gpu_model *m,
				     const struct migctl_gpu_checkpoint *g,
				     struct migctl_gpu_target *t)
{
	for (size_t k = 0; k < t->n_pins && k < g->layout.n_gis; k++) {
		struct migctl_target_pin *pin = &t->pins[k];
		struct migctl_slot slots[MIGCTL_LAYOUT_MAX_CIS];
		struct migctl_grid grid;
		migctl_grid_of_gi(&grid, &m->gi[pin->gi]);
		for (size_t n = 0; n < g->layout.gis[k].n_cis; n++) {
			long cp = migctl_ci_index_by_id(&m->gi[pin->gi], g->ci_profile_id[k][n]);
			int gp = cp < 0 ? -1 : migctl_grid_profile_index(&grid, m->gi[pin->gi].ci[cp].id);
			struct migctl_placement p;
			if (gp < 0 || migctl_grid_choose_placement(&grid, slots, n, (size_t)gp, &p)) {
				for (size_t q = 0; q < t->n_pins; q++)
					t->pins[q].n_cis = 0;
				return false;
			}
			slots[n] = (struct migctl_slot){(size_t)gp, p};
			pin->cis[pin->n_cis++] = (struct migctl_target_ci_pin){(size_t)cp, p};
		}
	}
	return true;
}

/* The index in `m` of GI `k`'s profile: by profile index (mig-parted's
 * "ProfileID"), checked against the ID where the file also gave it, or
 * by ID for a format-1 file. */
static enum migctl_err gi_profile(const struct migctl_gpu_state *gpu,
				  const struct migctl_gpu_model *m,
				  const struct migctl_gpu_checkpoint *g, size_t k, long *out,
				  struct migctl_error *err)
{
	*out = -1;
	if (!g->has_index) {
		*out = migctl_gi_index_by_id(m, g->gi_profile_id[k]);
		if (*out < 0)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "GPU %u: GI profile ID %u of the checkpoint is not "
					   "a profile of %s", gpu->index, g->gi_profile_id[k],
					   gpu->name);
		return MIGCTL_ERR_OK;
	}
	for (size_t p = 0; p < m->n_gi; p++)
		if (m->gi[p].nvml_index == g->gi_profile_index[k])
			*out = (long)p;
	if (*out < 0)
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u: GI profile index %u of the checkpoint is not a "
				   "profile of %s", gpu->index, g->gi_profile_index[k], gpu->name);
	if (g->has_id && m->gi[*out].id != g->gi_profile_id[k])
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u: the checkpoint says GI profile index %u has ID %u, "
				   "but on %s it is %s (ID %u); was it taken on another kind "
				   "of GPU?", gpu->index, g->gi_profile_index[k],
				   g->gi_profile_id[k], gpu->name, m->gi[*out].name,
				   m->gi[*out].id);
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_checkpoint_plans(const struct migctl_node *node,
					const struct migctl_checkpoint *c,
					struct migctl_gpu_plan *plans,
					struct migctl_error *err)
{
	memset(plans, 0, node->n_gpus * sizeof(*plans));
	for (size_t i = 0; i < c->n_gpus; i++) {
		const struct migctl_gpu_checkpoint *g = &c->gpus[i];
		const struct migctl_gpu_state *gpu = NULL;
		for (size_t n = 0; n < node->n_gpus; n++)
			if (strcmp(node->gpus[n].uuid, g->uuid) == 0)
				gpu = &node->gpus[n];
		if (!gpu)
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "GPU %s of the checkpoint is not on this node; restore "
					   "on the node it was taken on", g->uuid);
		struct migctl_gpu_plan *pl = &plans[gpu - node->gpus];
		if (pl->matched)
			return migctl_fail(err, MIGCTL_ERR_PARSE, "GPU %s is twice in the "
					   "checkpoint", g->uuid);
		const struct migctl_gpu_model *m = migctl_gpu_target_model(gpu);
		pl->matched = pl->managed = true;
		pl->target.mig_enabled = g->mig_enabled;
		/* CI placements too, when all of them are known (migctl's own
		 * checkpoints): the target is then exact, which is the only
		 * kind that can name a GI without a CI or a partial CI set.
		 * mig-parted's files have no CI placements: counts then,
		 * unless a GI has no CI (pin_driver_ci_placements). */
		bool exact = true;
		for (size_t k = 0; k < g->layout.n_gis; k++)
			for (size_t n = 0; n < g->layout.gis[k].n_cis; n++)
				exact &= g->layout.gis[k].cis[n].placement.size > 0;
		pl->target.exact = exact && g->mig_enabled;
		for (size_t k = 0; g->mig_enabled && k < g->layout.n_gis; k++) {
			long gp;
			enum migctl_err rc = gi_profile(gpu, m, g, k, &gp, err);
			if (rc)
				return rc;
			struct migctl_target_pin *pin = &pl->target.pins[pl->target.n_pins++];
			*pin = (struct migctl_target_pin){.gi = (size_t)gp,
							  .placement = g->layout.gis[k].placement};
			for (size_t n = 0; n < g->layout.gis[k].n_cis; n++) {
				long cp = migctl_ci_index_by_id(&m->gi[gp], g->ci_profile_id[k][n]);
				if (cp < 0)
					return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
							   "GPU %u: CI profile ID %u of the checkpoint "
							   "is not a profile of %s", gpu->index,
							   g->ci_profile_id[k][n], m->gi[gp].name);
				rc = migctl_target_add(&pl->target, (size_t)gp, (size_t)cp, 1, err);
				if (rc)
					return rc;
				if (exact)
					pin->cis[pin->n_cis++] = (struct migctl_target_ci_pin){
						(size_t)cp, g->layout.gis[k].cis[n].placement};
			}
		}
		bool empty_gi = false;
		for (size_t k = 0; k < g->layout.n_gis; k++)
			empty_gi |= g->layout.gis[k].n_cis == 0;
		if (!exact && empty_gi && g->mig_enabled)
			pl->target.exact = pin_driver_ci_placements(m, g, &pl->target);
	}
	return MIGCTL_ERR_OK;
}

/* The checkpoint of one GPU as a target (every GI pinned). */
enum migctl_err migctl_checkpoint_target(const struct migctl_node *node, size_t gi,
					 const struct migctl_checkpoint *cp,
					 struct migctl_gpu_plan *plan, struct migctl_error *err)
{
	struct migctl_checkpoint one = {0};
	struct migctl_gpu_plan *plans = calloc(node->n_gpus, sizeof(*plans));
	enum migctl_err rc = MIGCTL_ERR_OK;

	if (!plans)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < cp->n_gpus; i++) {
		if (strcmp(cp->gpus[i].uuid, node->gpus[gi].uuid) != 0)
			continue;
		one.gpus = &cp->gpus[i];
		one.n_gpus = 1;
		rc = migctl_checkpoint_plans(node, &one, plans, err);
		*plan = plans[gi];
	}
	free(plans);
	return rc;
}

