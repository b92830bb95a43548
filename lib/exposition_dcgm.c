/* migctl — the sampler's values as dcgm-exporter's DCGM_FI_* metrics
 * (reference/dcgm.md §3): one family per field, named DCGM_FI_ + DCGM's
 * legacy field name (the names dcgm-exporter's CSVs and the dashboards
 * use), a series per GPU and per GPU instance. dcgm-exporter watches MIG
 * GPUs at GI level, so compute instances get no series of their own; a
 * MIG GPU's own series carry no GPU_I_* labels and hold its GPU-level and
 * SM-weighted values. Values that are not available are left out, as
 * dcgm-exporter leaves out blank ones: never a zero. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The label sets of a sample's GPUs and GIs, built once per render (a
 * family per field would otherwise build each one 30 times). */
struct labels {
	struct mu_strbuf text;        /* NUL-separated */
	size_t *at;                   /* per entity: offset in text; SIZE_MAX none */
};

static bool labels_build(struct labels *l, const struct migctl_sample *s)
{
	char lab[EXPO_LABELS];

	l->at = calloc(s->n_entities + 1, sizeof(*l->at));
	if (!l->at)
		return false;
	for (size_t i = 0; i < s->n_entities; i++) {
		const struct migctl_entity *e = &s->entities[i];
		l->at[i] = SIZE_MAX;
		if (e->kind == MIGCTL_ENTITY_CI)
			continue;
		expo_labels(lab, sizeof(lab), e->gpu_index, e->gpu_uuid, e->bus_id, e->minor,
			    e->gpu_name, e->kind == MIGCTL_ENTITY_GI ? e->gi_profile : NULL, e->gi_id);
		l->at[i] = l->text.len;
		mu_sb_append(&l->text, lab, strlen(lab) + 1);
	}
	return !l->text.oom;
}

static void render_field(struct mu_strbuf *b, const struct migctl_sample *s, size_t k,
			 const struct migctl_field_info *f, const struct labels *l, const char *sfx)
{
	char help[400], name[160];
	bool any = false;

	snprintf(name, sizeof(name), "DCGM_FI_%s", f->name);
	for (size_t i = 0; i < s->n_entities; i++) {
		const struct migctl_entity *e = &s->entities[i];
		const struct migctl_value *v = k < e->n_values ? &e->values[k] : NULL;

		if (l->at[i] == SIZE_MAX || !v || v->status != MIGCTL_VALUE_OK)
			continue;
		if (!any) {
			field_help(help, sizeof(help), f);
			expo_family(b, name, field_type(f->id), help);
			any = true;
		}
		if (f->type == MIGCTL_VALUE_INT)
			expo_printf(b, "%s{%s%s} %" PRId64 "\n", name, l->text.p + l->at[i], sfx, v->i);
		else
			expo_printf(b, "%s{%s%s} %f\n", name, l->text.p + l->at[i], sfx, v->d);
	}
}

void expo_render_dcgm(struct mu_strbuf *b, const struct migctl_sample *sample,
		      const struct migctl_node *node, const char *sfx)
{
	struct labels l = {.at = NULL};

	(void)node;
	if (!labels_build(&l, sample)) {
		b->oom = true;
		goto out;
	}
	for (size_t k = 0; k < sample->n_fields; k++) {
		const struct migctl_field_info *f = migctl_field_by_id(sample->fields[k]);
		if (f)
			render_field(b, sample, k, f, &l, sfx);
	}
out:
	mu_sb_release(&l.text);
	free(l.at);
}
