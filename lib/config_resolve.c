/* migctl — nvidia-mig-parted configs on a node: selecting a label,
 * matching specs to GPUs (devices, device filters) and resolving profile
 * names per GPU into targets.
 *
 * Resolution happens per GPU against that GPU's own profile table, because
 * one profile name may be another profile ID, or absent, on another model
 * (mig-parted issue #157).
 */
#include "migctl/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "migctl/geometry.h"
#include "util/bus_id.h"

/* "a, b, c" of the labels, cut with "..." to fit a message. */
static void label_list(const struct migctl_config *cfg, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cfg->n_entries; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 cfg->entries[i].label);
		if (n < 0 || used + (size_t)n >= len) {
			if (len > 4)
				snprintf(buf + (used < len - 4 ? used : len - 4), 4, "...");
			return;
		}
		used += (size_t)n;
	}
}

const struct migctl_config_entry *
migctl_config_select(const struct migctl_config *cfg, const char *label,
		     struct migctl_error *err)
{
	char list[300];

	label_list(cfg, list, sizeof(list));
	if (!label) {
		if (cfg->n_entries == 1)
			return &cfg->entries[0];
		if (cfg->n_entries == 0) {
			migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				    "the config has no labels; parse a config file first");
			return NULL;
		}
		migctl_fail(err, MIGCTL_ERR_USAGE,
			    "missing required flag 'selected-config' when more than one config available; choose one of: %s",
			    list);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_entries; i++)
		if (strcmp(cfg->entries[i].label, label) == 0)
			return &cfg->entries[i];
	migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
		    "selected mig-config not present: %s; the labels are: %s", label, list);
	return NULL;
}

/* --- resolution -------------------------------------------------------- */

static bool filter_matches(const struct migctl_config_spec *s,
			   const struct migctl_config_gpu *g)
{
	if (s->n_filters == 0)
		return true;
	for (size_t i = 0; i < s->n_filters; i++)
		if (s->filters[i].pci_id == g->pci_id &&
		    (!s->filters[i].has_subsystem || s->filters[i].subsystem_id == g->subsystem_id))
			return true;
	return false;
}

static bool ref_names(const struct migctl_device_ref *r, const struct migctl_config_gpu *g)
{
	switch (r->kind) {
	case MIGCTL_DEVICE_INDEX: return r->index == g->index;
	case MIGCTL_DEVICE_UUID: return g->uuid && strcasecmp(g->uuid, r->text) == 0;
	case MIGCTL_DEVICE_BUS_ID: return g->bus_id && mu_bus_id_same(g->bus_id, r->text);
	}
	return false;
}

static bool spec_matches(const struct migctl_config_spec *s,
			 const struct migctl_config_gpu *g)
{
	if (!filter_matches(s, g))
		return false;
	if (s->all_devices)
		return true;
	for (size_t i = 0; i < s->n_devices; i++)
		if (ref_names(&s->devices[i], g))
			return true;
	return false;
}

/* Every GPU that a spec names must be on the node. */
static enum migctl_err check_refs(const struct migctl_config_entry *e,
				  const struct migctl_config_gpu *gpus, size_t n_gpus,
				  struct migctl_error *err)
{
	for (size_t s = 0; s < e->n_specs; s++) {
		const struct migctl_config_spec *sp = &e->specs[s];
		for (size_t d = 0; d < sp->n_devices; d++) {
			const struct migctl_device_ref *r = &sp->devices[d];
			bool found = false;
			for (size_t i = 0; i < n_gpus && !found; i++)
				found = ref_names(r, &gpus[i]);
			if (found)
				continue;
			if (r->kind != MIGCTL_DEVICE_INDEX)
				return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
						   "config '%s', spec at line %u: no GPU with %s %s on this node; `migctl list` shows the GPUs",
						   e->label, sp->line,
						   r->kind == MIGCTL_DEVICE_UUID ? "UUID" : "bus ID",
						   r->text);
			if (n_gpus == 0)
				return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
						   "config '%s', spec at line %u: device index %u is not on this node, which has no GPUs",
						   e->label, sp->line, r->index);
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "config '%s', spec at line %u: device index %u is not on this node, which has %zu GPU%s (indices 0 to %zu); fix 'devices' or use a config for this node",
					   e->label, sp->line, r->index, n_gpus,
					   n_gpus == 1 ? "" : "s", n_gpus - 1);
		}
	}
	return MIGCTL_ERR_OK;
}

static void gi_names(const struct migctl_gpu_model *m, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < m->n_gi && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 m->gi[i].name);
}

long migctl_config_find_gi(const struct migctl_gpu_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_gi; i++)
		if (strcasecmp(m->gi[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Resolve one profile string on a GPU's model to (GI profile, CI profile)
 * indices; the error names the GPU, the profile, the line and the fix. */
static enum migctl_err resolve_count(const struct migctl_config_gpu *g,
				     const struct migctl_config_spec *s,
				     const struct migctl_config_count *cnt,
				     size_t *gi, size_t *ci, struct migctl_error *err)
{
	const struct migctl_gpu_model *m = g->model;
	char list[300];
	long gix = migctl_config_find_gi(m, migctl_config_gi_part(cnt->profile, &cnt->parsed));

	if (gix < 0) {
		char hint[200];
		gi_names(m, list, sizeof(list));
		migctl_model_profile_hint(m, cnt->profile, hint, sizeof(hint));
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u (%s): profile '%s' (line %u, spec at line %u) does not exist on this model; its profiles are %s%s; fix the name or add a device-filter so that the spec skips this GPU",
				   g->index, m->name, cnt->profile, cnt->line, s->line, list, hint);
	}
	const struct migctl_gi_profile *gp = &m->gi[gix];
	*gi = (size_t)gix;
	if (!cnt->parsed.ci_slices) {
		const struct migctl_ci_profile *def = migctl_gi_profile_default_ci(gp);
		if (!def)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "GPU %u (%s): profile '%s' (line %u) has no default compute-instance profile in the catalog; name a compute-instance profile such as 1c.%s",
					   g->index, m->name, cnt->profile, cnt->line, gp->name);
		*ci = (size_t)(def - gp->ci);
		return MIGCTL_ERR_OK;
	}
	for (size_t k = 0; k < gp->n_ci; k++)
		if (strcasecmp(gp->ci[k].name, cnt->profile) == 0) {
			*ci = k;
			return MIGCTL_ERR_OK;
		}
	size_t used = 0;
	list[0] = '\0';
	for (size_t k = 0; k < gp->n_ci && used < sizeof(list); k++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 k ? ", " : "", gp->ci[k].name);
	return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
			   "GPU %u (%s): profile '%s' (line %u, spec at line %u) does not exist on this model; the compute-instance profiles of %s are %s; fix the name",
			   g->index, m->name, cnt->profile, cnt->line, s->line, gp->name, list);
}

static enum migctl_err resolve_pin(const struct migctl_config_gpu *g,
				   const struct migctl_config_pin *pin,
				   struct migctl_gpu_target *t, struct migctl_error *err)
{
	const struct migctl_gpu_model *m = g->model;
	struct migctl_profile_name pn;
	char list[300];
	long gix;
	bool asked = false;

	if (migctl_profile_name_parse(pin->profile, &pn, err))
		return MIGCTL_ERR_INVALID_PLACEMENT; /* checked at parse time */
	gix = migctl_config_find_gi(m, migctl_config_gi_part(pin->profile, &pn));
	if (gix < 0) {
		gi_names(m, list, sizeof(list));
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u (%s): placement profile '%s' (line %u) does not exist on this model; its profiles are %s",
				   g->index, m->name, pin->profile, pin->line, list);
	}
	for (size_t i = 0; i < t->n_items; i++)
		asked |= t->items[i].gi == (size_t)gix && t->items[i].count > 0;
	if (!asked)
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "GPU %u (%s): placement %s@%u (line %u) pins a GPU instance of %s, but the spec asks for none; give %s a count above 0 or remove the pin",
				   g->index, m->name, pin->profile, pin->start, pin->line,
				   m->gi[gix].name, pin->profile);
	const struct migctl_gi_profile *gp = &m->gi[gix];
	struct migctl_placement pl = {pin->start, gp->placements.size};
	if (!migctl_placement_set_has(&gp->placements, pl)) {
		migctl_placement_set_format(&gp->placements, list, sizeof(list));
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "GPU %u (%s): %s cannot start at %u (line %u); its placements are %s; pick one of those starts",
				   g->index, m->name, gp->name, pin->start, pin->line, list);
	}
	if (t->n_pins == MIGCTL_LAYOUT_MAX_GIS)
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "GPU %u: more than %d pinned GPU instances", g->index,
				   MIGCTL_LAYOUT_MAX_GIS);
	t->pins[t->n_pins++] = (struct migctl_target_pin){.gi = (size_t)gix, .placement = pl};
	return MIGCTL_ERR_OK;
}

static enum migctl_err resolve_spec(const struct migctl_config_spec *s,
				    const struct migctl_config_gpu *g,
				    struct migctl_gpu_target *t, struct migctl_error *err)
{
	enum migctl_err rc;

	t->mig_enabled = s->mig_enabled;
	if (!s->mig_enabled || (s->n_mig_devices == 0 && s->n_pins == 0))
		return MIGCTL_ERR_OK;
	if (!g->model)
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u: its MIG profiles are unknown, so the profiles of the spec at line %u cannot be resolved; add the model with --catalog",
				   g->index, s->line);
	for (size_t i = 0; i < s->n_mig_devices; i++) {
		size_t gi, ci;
		if ((rc = resolve_count(g, s, &s->mig_devices[i], &gi, &ci, err)))
			return rc;
		if (s->mig_devices[i].count == 0)
			continue;
		if ((rc = migctl_target_add(t, gi, ci, s->mig_devices[i].count, err)))
			return rc;
	}
	for (size_t i = 0; i < s->n_pins; i++)
		if ((rc = resolve_pin(g, &s->pins[i], t, err)))
			return rc;
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_config_resolve(const struct migctl_config_entry *entry,
				      enum migctl_unmatched unmatched,
				      const struct migctl_config_gpu *gpus,
				      size_t n_gpus,
				      struct migctl_gpu_plan *out,
				      struct migctl_error *err)
{
	enum migctl_err rc;

	if (n_gpus)
		memset(out, 0, n_gpus * sizeof(*out));
	if ((rc = check_refs(entry, gpus, n_gpus, err)))
		goto out;
	for (size_t i = 0; i < n_gpus; i++) {
		const struct migctl_config_gpu *g = &gpus[i];
		const struct migctl_config_spec *dec = NULL;

		for (size_t s = 0; s < entry->n_specs; s++)
			if (spec_matches(&entry->specs[s], g))
				dec = &entry->specs[s];
		if (!dec) {
			/* mig-parted leaves unlisted GPUs alone; `disable`
			 * asks for MIG off, which only means something on a
			 * GPU that has MIG. */
			if (unmatched == MIGCTL_UNMATCHED_DISABLE && g->mig_capable)
				out[i].managed = true;
			continue;
		}
		if (!g->mig_capable) {
			if (dec->mig_enabled && !dec->all_devices) {
				rc = migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
						 "GPU %u%s%s%s: cannot set MIG mode on non MIG-capable GPU (config '%s', spec at line %u); remove it from 'devices'",
						 g->index, g->model ? " (" : "",
						 g->model ? g->model->name : "", g->model ? ")" : "",
						 entry->label, dec->line);
				goto out;
			}
			continue; /* skipped, as mig-parted does */
		}
		out[i].matched = true;
		out[i].managed = true;
		out[i].spec_line = dec->line;
		if ((rc = resolve_spec(dec, g, &out[i].target, err)))
			goto out;
	}
out:
	if (rc && n_gpus)
		memset(out, 0, n_gpus * sizeof(*out));
	return rc;
}

