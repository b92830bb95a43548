/* migctl — the sampler's values as dcgm-exporter's DCGM_FI_* metrics
 * (reference/dcgm.md §3): one family per field, named DCGM_FI_ + DCGM's
 * legacy field name (the names dcgm-exporter's CSVs and the dashboards
 * use), a series per GPU and per GPU instance. dcgm-exporter watches MIG
 * GPUs at GI level, so compute instances get no series of their own; a
 * MIG GPU's own series carry no GPU_I_* labels and hold its GPU-level and
 * SM-weighted values. Values that are not available are left out, as
 * dcgm-exporter leaves out blank ones: never a zero. */
#include <inttypes.h>
#include <stdio.h>

#include "exposition_impl.h"

/* dcgm-exporter's default-counters.csv types the energy total and the ECC
 * totals as counters; everything else is a gauge. */
static const char *field_type(unsigned id)
{
	switch (id) {
	case MIGCTL_F_TOTAL_ENERGY:
	case MIGCTL_F_ECC_SBE_VOL_TOTAL:
	case MIGCTL_F_ECC_DBE_VOL_TOTAL:
	case MIGCTL_F_ECC_SBE_AGG_TOTAL:
	case MIGCTL_F_ECC_DBE_AGG_TOTAL:
		return "counter";
	default:
		return "gauge";
	}
}

static void field_help(char *dst, size_t len, const struct migctl_field_info *f)
{
	if (f->is_ratio)
		snprintf(dst, len, "%s (DCGM field %u), ratio 0..1: of the GPU instance's own capacity on GPU_I_* series, SM-weighted over the instances on a MIG GPU's own series.",
			 f->long_name, f->id);
	else if (f->unit[0])
		snprintf(dst, len, "%s (DCGM field %u), in %s.", f->long_name, f->id, f->unit);
	else
		snprintf(dst, len, "%s (DCGM field %u).", f->long_name, f->id);
}

static void render_field(struct mu_strbuf *b, const struct migctl_sample *s, size_t k,
			 const struct migctl_field_info *f, const char *sfx)
{
	char lab[EXPO_LABELS], help[400], name[160];
	bool any = false;

	snprintf(name, sizeof(name), "DCGM_FI_%s", f->name);
	for (size_t i = 0; i < s->n_entities; i++) {
		const struct migctl_entity *e = &s->entities[i];
		const struct migctl_value *v = k < e->n_values ? &e->values[k] : NULL;

		if (e->kind == MIGCTL_ENTITY_CI || !v || v->status != MIGCTL_VALUE_OK)
			continue;
		if (!any) {
			field_help(help, sizeof(help), f);
			expo_family(b, name, field_type(f->id), help);
			any = true;
		}
		expo_labels(lab, sizeof(lab), e->gpu_index, e->gpu_uuid, e->bus_id, e->minor,
			    e->gpu_name, e->kind == MIGCTL_ENTITY_GI ? e->gi_profile : NULL, e->gi_id);
		if (f->type == MIGCTL_VALUE_INT)
			expo_printf(b, "%s{%s%s} %" PRId64 "\n", name, lab, sfx, v->i);
		else
			expo_printf(b, "%s{%s%s} %f\n", name, lab, sfx, v->d);
	}
}

void expo_render_dcgm(struct mu_strbuf *b, const struct migctl_sample *sample,
		      const struct migctl_node *node, const char *sfx)
{
	(void)node;
	for (size_t k = 0; k < sample->n_fields; k++) {
		const struct migctl_field_info *f = migctl_field_by_id(sample->fields[k]);
		if (f)
			render_field(b, sample, k, f, sfx);
	}
}
