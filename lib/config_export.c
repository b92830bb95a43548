/* migctl — configs written by migctl: the one data model of a config
 * (include/migctl/export.h) with its grouping of GPUs that share a layout,
 * its YAML (through libyaml's emitter) and JSON forms, and the writers
 * that fill it: `config generate` (the default named layouts of a set of
 * GPU models), `export` (a node's layout) and `plan -o config`.
 */
#include "migctl/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "migctl/apply.h"
#include "migctl/export.h"
#include "migctl/layout.h"
#include "migctl/node.h"
#include "migctl/planner.h"
#include "util/strbuf.h"
#include "util/yaml_emit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- the model ----------------------------------------------------------- */

void migctl_export_init(struct migctl_export *x)
{
	memset(x, 0, sizeof(*x));
}

static void spec_free(struct migctl_export_spec *s)
{
	free(s->filters);
	free(s->devices);
	free(s->counts);
	free(s->placements);
	memset(s, 0, sizeof(*s));
}

void migctl_export_release(struct migctl_export *x)
{
	for (size_t i = 0; i < x->n_entries; i++) {
		for (size_t j = 0; j < x->entries[i].n_specs; j++)
			spec_free(&x->entries[i].specs[j]);
		free(x->entries[i].specs);
		free(x->entries[i].label);
	}
	free(x->entries);
	migctl_export_init(x);
}

enum migctl_err migctl_export_add_label(struct migctl_export *x, const char *label,
					struct migctl_export_entry **out,
					struct migctl_error *err)
{
	struct migctl_export_entry *grown;

	char *copy = strdup(label);

	*out = NULL;
	grown = copy ? realloc(x->entries, (x->n_entries + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	}
	x->entries = grown;
	*out = &x->entries[x->n_entries++];
	memset(*out, 0, sizeof(**out));
	(*out)->label = copy;
	return MIGCTL_ERR_OK;
}

/* Same layout: MIG mode, mig-devices (in order) and placements. */
static bool same_layout(const struct migctl_export_spec *a, const struct migctl_export_spec *b)
{
	if (a->mig_enabled != b->mig_enabled || a->has_mig_devices != b->has_mig_devices ||
	    a->n_counts != b->n_counts || a->n_placements != b->n_placements)
		return false;
	for (size_t i = 0; i < a->n_counts; i++)
		if (strcmp(a->counts[i].profile, b->counts[i].profile) != 0 ||
		    a->counts[i].count != b->counts[i].count)
			return false;
	for (size_t i = 0; i < a->n_placements; i++)
		if (strcmp(a->placements[i], b->placements[i]) != 0)
			return false;
	return true;
}

/* Append `n` items of `size` bytes to the array *arr of *len items. */
static bool append(void *arr, size_t *len, const void *items, size_t n, size_t size)
{
	void **p = arr;
	if (n == 0)
		return true;
	char *grown = realloc(*p, (*len + n) * size);
	if (!grown)
		return false;
	memcpy(grown + *len * size, items, n * size);
	*p = grown;
	*len += n;
	return true;
}

enum migctl_err migctl_export_add(struct migctl_export_entry *e,
				  const struct migctl_export_spec *s,
				  struct migctl_error *err)
{
	struct migctl_export_spec *to = NULL;

	for (size_t i = 0; i < e->n_specs && !to; i++)
		if (same_layout(&e->specs[i], s))
			to = &e->specs[i];
	if (!to) {
		struct migctl_export_spec *grown = realloc(e->specs, (e->n_specs + 1) * sizeof(*grown));
		if (!grown)
			return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		e->specs = grown;
		to = &e->specs[e->n_specs++];
		memset(to, 0, sizeof(*to));
		to->mig_enabled = s->mig_enabled;
		to->has_mig_devices = s->has_mig_devices;
		if (!append(&to->counts, &to->n_counts, s->counts, s->n_counts, sizeof(*s->counts)) ||
		    !append(&to->placements, &to->n_placements, s->placements, s->n_placements,
			    sizeof(*s->placements)))
			return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	}
	to->all_devices |= s->all_devices;
	if (!append(&to->devices, &to->n_devices, s->devices, s->n_devices, sizeof(*s->devices)))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < s->n_filters; i++) {
		bool dup = false;
		for (size_t j = 0; j < to->n_filters && !dup; j++)
			dup = to->filters[j] == s->filters[i];
		if (!dup && !append(&to->filters, &to->n_filters, &s->filters[i], 1,
				    sizeof(*s->filters)))
			return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	}
	return MIGCTL_ERR_OK;
}

/* --- YAML ---------------------------------------------------------------- */

static void yaml_spec(struct mu_yemit *w, const struct migctl_export_spec *s,
		      const struct migctl_export_style *st)
{
	enum mu_yscalar prof = st->quote_profiles ? MU_YQUOTED : MU_YPLAIN;

	mu_yemit_map_start(w, false);
	if (s->n_filters) {
		mu_yemit_scalar(w, "device-filter", MU_YPLAIN);
		mu_yemit_seq_start(w, true);
		for (size_t i = 0; i < s->n_filters; i++)
			mu_yemit_scalarf(w, MU_YQUOTED, "0x%08X", (unsigned)s->filters[i]);
		mu_yemit_seq_end(w);
	}
	mu_yemit_scalar(w, "devices", MU_YPLAIN);
	if (s->all_devices) {
		mu_yemit_scalar(w, "all", MU_YPLAIN);
	} else {
		mu_yemit_seq_start(w, true);
		for (size_t i = 0; i < s->n_devices; i++)
			mu_yemit_scalarf(w, MU_YPLAIN, "%u", s->devices[i]);
		mu_yemit_seq_end(w);
	}
	mu_yemit_scalar(w, "mig-enabled", MU_YPLAIN);
	mu_yemit_scalar(w, s->mig_enabled ? "true" : "false", MU_YPLAIN);
	if (s->has_mig_devices) {
		mu_yemit_scalar(w, "mig-devices", MU_YPLAIN);
		mu_yemit_map_start(w, st->flow_mig_devices);
		for (size_t i = 0; i < s->n_counts; i++) {
			mu_yemit_scalar(w, s->counts[i].profile, prof);
			mu_yemit_scalarf(w, MU_YPLAIN, "%u", s->counts[i].count);
		}
		mu_yemit_map_end(w);
	}
	if (s->n_placements && st->placements) {
		mu_yemit_scalar(w, "migctl-placements", MU_YPLAIN);
		mu_yemit_seq_start(w, true);
		for (size_t i = 0; i < s->n_placements; i++)
			mu_yemit_scalar(w, s->placements[i], MU_YQUOTED);
		mu_yemit_seq_end(w);
	} else if (s->n_placements && st->placement_comments) {
		struct mu_strbuf line = {0};
		mu_sb_printf(&line, "placements:");
		for (size_t i = 0; i < s->n_placements; i++)
			mu_sb_printf(&line, " %s", s->placements[i]);
		if (line.oom)
			w->failed = true;
		else
			mu_yemit_comment(w, line.p);
		mu_sb_release(&line);
	}
	mu_yemit_map_end(w);
}

enum migctl_err migctl_export_yaml(const struct migctl_export *x,
				   const struct migctl_export_style *style, char **out,
				   struct migctl_error *err)
{
	struct mu_yemit w;
	enum migctl_err rc;

	*out = NULL;
	if ((rc = mu_yemit_begin(&w, style->comment, err)))
		return rc;
	mu_yemit_map_start(&w, false);
	mu_yemit_scalar(&w, "version", MU_YPLAIN);
	mu_yemit_scalar(&w, "v1", MU_YPLAIN);
	mu_yemit_scalar(&w, "mig-configs", MU_YPLAIN);
	mu_yemit_map_start(&w, false);
	for (size_t i = 0; i < x->n_entries; i++) {
		const struct migctl_export_entry *e = &x->entries[i];
		mu_yemit_scalar(&w, e->label, style->quote_labels ? MU_YQUOTED : MU_YPLAIN);
		if (!e->n_specs) {
			mu_yemit_scalar(&w, "", MU_YPLAIN); /* LABEL: with nothing */
			continue;
		}
		mu_yemit_seq_start(&w, false);
		for (size_t j = 0; j < e->n_specs; j++)
			yaml_spec(&w, &e->specs[j], style);
		mu_yemit_seq_end(&w);
	}
	mu_yemit_map_end(&w);
	mu_yemit_map_end(&w);
	return mu_yemit_end(&w, out, err);
}

/* --- JSON ---------------------------------------------------------------- */

static json_t *json_spec(const struct migctl_export_spec *s, bool placements)
{
	json_t *o = json_object(), *a;

	if (!o)
		return NULL;
	if (s->n_filters) {
		char id[16];
		json_object_set_new(o, "device-filter", a = json_array());
		for (size_t i = 0; i < s->n_filters; i++) {
			snprintf(id, sizeof(id), "0x%08X", (unsigned)s->filters[i]);
			json_array_append_new(a, json_string(id));
		}
	}
	if (s->all_devices) {
		json_object_set_new(o, "devices", json_string("all"));
	} else {
		json_object_set_new(o, "devices", a = json_array());
		for (size_t i = 0; i < s->n_devices; i++)
			json_array_append_new(a, json_integer(s->devices[i]));
	}
	json_object_set_new(o, "mig-enabled", json_boolean(s->mig_enabled));
	if (s->has_mig_devices) {
		json_object_set_new(o, "mig-devices", a = json_object());
		for (size_t i = 0; i < s->n_counts; i++)
			json_object_set_new(a, s->counts[i].profile, json_integer(s->counts[i].count));
	}
	if (placements && s->n_placements) {
		json_object_set_new(o, "migctl-placements", a = json_array());
		for (size_t i = 0; i < s->n_placements; i++)
			json_array_append_new(a, json_string(s->placements[i]));
	}
	return o;
}

json_t *migctl_export_json(const struct migctl_export *x, bool placements)
{
	json_t *configs = json_object();
	json_t *root = json_pack("{s:s,s:o}", "version", "v1", "mig-configs", configs);

	if (!root)
		return NULL;
	for (size_t i = 0; i < x->n_entries; i++) {
		const struct migctl_export_entry *e = &x->entries[i];
		json_t *specs = json_array();
		for (size_t j = 0; j < e->n_specs; j++)
			if (json_array_append_new(specs, json_spec(&e->specs[j], placements))) {
				json_decref(specs);
				json_decref(root);
				return NULL;
			}
		if (json_object_set_new(configs, e->label, specs)) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

/* --- config generate ----------------------------------------------------- */

/* One GPU model of the input, with its PCI IDs (in input order). */
struct kind {
	const struct migctl_gpu_model *model;
	uint32_t *pci;
	size_t n_pci;
};

struct gen {
	struct kind *kinds;
	size_t n_kinds;
	bool filters;                 /* more than one PCI ID: write filters */
	struct migctl_export *x;
	struct migctl_export_entry *entry; /* the label being built */
};

static bool profile_ok(const char *name)
{
	struct migctl_profile_name pn;
	return migctl_profile_name_parse(name, &pn, NULL) == MIGCTL_ERR_OK && !pn.ci_slices;
}

/* Add kind k's spec to the label; models with the same layout share one
 * spec (as mig-parted's file does), their PCI IDs in its filter. */
static enum migctl_err gen_add(struct gen *g, size_t k, const struct migctl_export_count *items,
			       size_t n, struct migctl_error *err)
{
	struct migctl_export_spec s = {
		.filters = g->filters ? g->kinds[k].pci : NULL,
		.n_filters = g->filters ? g->kinds[k].n_pci : 0,
		.all_devices = true, .mig_enabled = true, .has_mig_devices = true,
		.counts = (struct migctl_export_count *)items, .n_counts = n,
	};
	return migctl_export_add(g->entry, &s, err);
}

static struct migctl_export_count count_of(const char *profile, unsigned count)
{
	struct migctl_export_count c = {.count = count};
	snprintf(c.profile, sizeof(c.profile), "%s", profile);
	return c;
}

/* For balanced: the GI profile with `slices` compute slices and the most
 * instances; ties go to the lowest ID, the base profile. */
static const struct migctl_gi_profile *best_of_size(const struct migctl_gpu_model *m,
						    unsigned slices)
{
	const struct migctl_gi_profile *best = NULL;
	for (size_t i = 0; i < m->n_gi; i++) {
		const struct migctl_gi_profile *p = &m->gi[i];
		if (p->compute_slices != slices || !profile_ok(p->name) || p->max == 0)
			continue;
		if (!best || p->max > best->max || (p->max == best->max && p->id < best->id))
			best = p;
	}
	return best;
}

/* Order profiles by their label, in which '+' reads as '.'. */
static int cmp_label(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	for (;; x++, y++) {
		int cx = *x == '+' ? '.' : (unsigned char)*x;
		int cy = *y == '+' ? '.' : (unsigned char)*y;
		if (cx != cy || !cx)
			return cx - cy;
	}
}

/* The distinct models of the input, each with its distinct PCI IDs. */
static enum migctl_err gen_kinds(struct gen *g, const struct migctl_generate_gpu *gpus,
				 size_t n_gpus, size_t *max_names, struct migctl_error *err)
{
	size_t n_distinct_pci = 0;

	g->kinds = calloc(n_gpus + 1, sizeof(*g->kinds));
	if (!g->kinds)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory generating a config");
	for (size_t i = 0; i < n_gpus; i++) {
		const struct migctl_gpu_model *m = gpus[i].model;
		bool seen_pci = false;
		size_t k;
		if (!m)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "GPU kind %zu has no model; give each GPU its catalog model", i);
		for (size_t j = 0; j < g->n_kinds; j++)
			for (size_t q = 0; q < g->kinds[j].n_pci; q++)
				seen_pci |= g->kinds[j].pci[q] == gpus[i].pci_id;
		for (k = 0; k < g->n_kinds; k++)
			if (strcmp(g->kinds[k].model->name, m->name) == 0)
				break;
		if (k == g->n_kinds) {
			g->kinds[k].model = m;
			g->kinds[k].pci = calloc(n_gpus, sizeof(uint32_t));
			if (!g->kinds[k].pci)
				return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory generating a config");
			g->n_kinds++;
			*max_names += m->n_gi;
		}
		if (!seen_pci) {
			g->kinds[k].pci[g->kinds[k].n_pci++] = gpus[i].pci_id;
			n_distinct_pci++;
		}
	}
	g->filters = n_distinct_pci > 1;
	return MIGCTL_ERR_OK;
}

/* all-balanced: 2 x 1g + 1 x 2g (+ 1 x 3g on 7-slice GPUs). */
static enum migctl_err gen_balanced(struct gen *g, struct migctl_error *err)
{
	static const unsigned per_size[] = {2, 1, 1};
	enum migctl_err rc;

	if ((rc = migctl_export_add_label(g->x, "all-balanced", &g->entry, err)))
		return rc;
	for (size_t k = 0; k < g->n_kinds; k++) {
		const struct migctl_gpu_model *m = g->kinds[k].model;
		struct migctl_export_count items[3];
		size_t n = 0, sizes = m->compute_slices == 7 ? 3 : m->compute_slices == 4 ? 2 : 0;
		for (size_t s = 0; s < sizes; s++) {
			const struct migctl_gi_profile *p = best_of_size(m, (unsigned)s + 1);
			if (p)
				items[n++] = count_of(p->name, per_size[s]);
		}
		if (n && (rc = gen_add(g, k, items, n, err)))
			return rc;
	}
	if (!g->entry->n_specs) /* no model has a balanced layout: no label */
		free(g->x->entries[--g->x->n_entries].label);
	return MIGCTL_ERR_OK;
}

/* all-<profile>: every GI profile at its limit, labels sorted. */
static enum migctl_err gen_each_profile(struct gen *g, const char **names, size_t n_names,
					struct migctl_error *err)
{
	enum migctl_err rc;

	qsort(names, n_names, sizeof(*names), cmp_label);
	for (size_t j = 0; j < n_names; j++) {
		char label[MIGCTL_NAME_MAX + 8];
		snprintf(label, sizeof(label), "all-%s", names[j]);
		for (char *p = label; *p; p++)
			if (*p == '+')
				*p = '.';
		if ((rc = migctl_export_add_label(g->x, label, &g->entry, err)))
			return rc;
		for (size_t k = 0; k < g->n_kinds; k++) {
			long gi = migctl_config_find_gi(g->kinds[k].model, names[j]);
			if (gi < 0 || strcmp(g->kinds[k].model->gi[gi].name, names[j]) != 0)
				continue;
			struct migctl_export_count it = count_of(names[j], g->kinds[k].model->gi[gi].max);
			if ((rc = gen_add(g, k, &it, 1, err)))
				return rc;
		}
		if (!g->entry->n_specs)
			free(g->x->entries[--g->x->n_entries].label);
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_config_generate_model(const struct migctl_generate_gpu *gpus,
					     size_t n_gpus, struct migctl_export *x,
					     struct migctl_error *err)
{
	struct gen g = {.x = x};
	const char **names = NULL;
	size_t n_names = 0, max_names = 0;
	struct migctl_export_entry *e;
	enum migctl_err rc;

	migctl_export_release(x);
	if ((rc = gen_kinds(&g, gpus, n_gpus, &max_names, err)))
		goto out;
	if ((rc = migctl_export_add_label(x, "all-disabled", &e, err)) ||
	    (rc = migctl_export_add(e, &(struct migctl_export_spec){.all_devices = true}, err)) ||
	    (rc = migctl_export_add_label(x, "all-enabled", &e, err)) ||
	    (rc = migctl_export_add(e, &(struct migctl_export_spec){.all_devices = true,
			.mig_enabled = true, .has_mig_devices = true}, err)) ||
	    (rc = gen_balanced(&g, err)))
		goto out;
	names = calloc(max_names + 1, sizeof(*names));
	if (!names) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory generating a config");
		goto out;
	}
	for (size_t k = 0; k < g.n_kinds; k++)
		for (size_t i = 0; i < g.kinds[k].model->n_gi; i++) {
			const char *nm = g.kinds[k].model->gi[i].name;
			bool dup = false;
			for (size_t j = 0; j < n_names && !dup; j++)
				dup = strcmp(names[j], nm) == 0;
			if (!dup && profile_ok(nm) && g.kinds[k].model->gi[i].max > 0)
				names[n_names++] = nm;
		}
	rc = gen_each_profile(&g, names, n_names, err);
out:
	for (size_t k = 0; k < g.n_kinds; k++)
		free(g.kinds[k].pci);
	free(g.kinds);
	free(names);
	if (rc)
		migctl_export_release(x);
	return rc;
}

enum migctl_err migctl_config_generate(const struct migctl_generate_gpu *gpus,
				       size_t n_gpus, char **out,
				       struct migctl_error *err)
{
	static const struct migctl_export_style style = {
		.comment = "# Generated by migctl from its GPU catalog; see docs/config-format.md.\n",
	};
	struct migctl_export x;
	enum migctl_err rc;

	*out = NULL;
	migctl_export_init(&x);
	if (!(rc = migctl_config_generate_model(gpus, n_gpus, &x, err)))
		rc = migctl_export_yaml(&x, &style, out, err);
	migctl_export_release(&x);
	return rc;
}

/* --- migctl export ------------------------------------------------------- */

/* One GPU's spec: its index, MIG mode, counts per profile and, when asked
 * for, its GPU instances' placements. */
static enum migctl_err node_spec(const struct migctl_gpu_state *g, bool placements,
				 struct migctl_export_entry *e, struct migctl_error *err)
{
	struct migctl_export_count counts[MIGCTL_TARGET_MAX_ITEMS];
	char pins[MIGCTL_LAYOUT_MAX_GIS][MIGCTL_NAME_MAX + 16];
	unsigned index = g->index;
	struct migctl_export_spec s = {.devices = &index, .n_devices = 1,
				       .mig_enabled = g->mig_current,
				       .has_mig_devices = g->mig_current,
				       .counts = counts, .placements = pins};

	if (g->mig_current) {
		struct migctl_layout layout;
		struct migctl_gpu_target t;
		migctl_layout_of_gpu(g, &layout);
		migctl_layout_to_target(&layout, &t);
		for (size_t i = 0; i < t.n_items && s.n_counts < ARRAY_SIZE(counts); i++)
			counts[s.n_counts++] = count_of(g->model.gi[t.items[i].gi].ci[t.items[i].ci].name,
							t.items[i].count);
		for (size_t k = 0; placements && k < layout.n_gis && k < ARRAY_SIZE(pins); k++)
			snprintf(pins[s.n_placements++], sizeof(pins[0]), "%s@%u",
				 g->model.gi[layout.gis[k].profile].name,
				 layout.gis[k].placement.start);
	}
	return migctl_export_add(e, &s, err);
}

enum migctl_err migctl_export_node(const struct migctl_node *node, const char *label,
				   bool placements, struct migctl_export *x,
				   struct migctl_error *err)
{
	struct migctl_export_entry *e;
	size_t capable = 0;
	enum migctl_err rc;

	migctl_export_release(x);
	if ((rc = migctl_export_add_label(x, label, &e, err)))
		return rc;
	for (size_t i = 0; i < node->n_gpus; i++) {
		if (!node->gpus[i].mig_capable)
			continue;
		capable++;
		if ((rc = node_spec(&node->gpus[i], placements, e, err))) {
			migctl_export_release(x);
			return rc;
		}
	}
	/* One layout on every GPU with MIG: "devices: all". */
	if (e->n_specs == 1 && e->specs[0].n_devices == capable) {
		e->specs[0].all_devices = true;
		e->specs[0].n_devices = 0;
	}
	return MIGCTL_ERR_OK;
}

/* --- migctl plan -o config ----------------------------------------------- */

enum migctl_err migctl_export_plan(const struct migctl_plan *plan, const unsigned *index,
				   const char *label, struct migctl_export *x,
				   struct migctl_error *err)
{
	struct migctl_export_entry *e;
	enum migctl_err rc;

	migctl_export_release(x);
	if ((rc = migctl_export_add_label(x, label, &e, err)))
		return rc;
	for (size_t g = 0; g < plan->n_gpus; g++) {
		const struct migctl_plan_gpu *gp = &plan->gpus[g];
		struct migctl_export_count *counts = calloc(gp->model->n_gi + 1, sizeof(*counts));
		char (*pins)[MIGCTL_NAME_MAX + 16] = calloc(gp->n_instances + 1, sizeof(*pins));
		unsigned at = index ? index[g] : (unsigned)g;
		struct migctl_export_spec s = {.devices = &at, .n_devices = 1, .mig_enabled = true,
					       .has_mig_devices = true, .counts = counts,
					       .placements = pins, .n_placements = gp->n_instances};

		if (!counts || !pins) {
			rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		} else {
			for (size_t q = 0; q < gp->model->n_gi; q++) {
				unsigned n = 0;
				for (size_t i = 0; i < gp->n_instances; i++)
					n += gp->instances[i].profile == q;
				if (n)
					counts[s.n_counts++] = count_of(gp->model->gi[q].name, n);
			}
			for (size_t i = 0; i < gp->n_instances; i++)
				snprintf(pins[i], sizeof(pins[i]), "%s@%u",
					 gp->model->gi[gp->instances[i].profile].name,
					 gp->instances[i].placement.start);
			rc = migctl_export_add(e, &s, err);
		}
		free(counts);
		free(pins);
		if (rc) {
			migctl_export_release(x);
			return rc;
		}
	}
	return MIGCTL_ERR_OK;
}
