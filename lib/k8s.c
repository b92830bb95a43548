/* migctl — Kubernetes' view of a node (see migctl/k8s.h): GFD's MIG labels
 * and the NVIDIA device plugin's extended resources under its single and
 * mixed strategies, computed from the live layout.
 *
 * The rules are the plugin's and GFD's (reference/k8s-cdi.md §1.1, §2):
 * mixed keeps only profiles whose compute instance covers the GPU instance
 * and leaves MIG GPUs out of nvidia.com/gpu; single needs every GPU in MIG
 * mode, each with a MIG device, all of one profile.
 */
#include "migctl/k8s.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/export.h"
#include "migctl/planner.h"
#include "util/strbuf.h"

#define PREFIX "nvidia.com/"

void migctl_k8s_list_init(struct migctl_k8s_list *l)
{
	memset(l, 0, sizeof(*l));
}

void migctl_k8s_list_release(struct migctl_k8s_list *l)
{
	free(l->items);
	migctl_k8s_list_init(l);
}

const char *migctl_k8s_get(const struct migctl_k8s_list *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

enum migctl_err migctl_k8s_strategy_parse(const char *text, enum migctl_k8s_strategy *out,
					  struct migctl_error *err)
{
	if (strcmp(text, "mixed") == 0)
		*out = MIGCTL_K8S_MIXED;
	else if (strcmp(text, "single") == 0)
		*out = MIGCTL_K8S_SINGLE;
	else
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "unknown MIG strategy \"%s\"; use mixed or single (the device plugin's --mig-strategy)",
				   text);
	return MIGCTL_ERR_OK;
}

const char *migctl_k8s_strategy_name(enum migctl_k8s_strategy s)
{
	return s == MIGCTL_K8S_SINGLE ? "single" : "mixed";
}

void migctl_k8s_resource_name(const char *profile, char *buf, size_t len)
{
	snprintf(buf, len, "mig-%s", profile);
	for (char *c = buf; *c; c++)
		if (*c == '+')
			*c = '.';
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool migctl_k8s_valid_label_value(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return true;
	if (n > 63 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* Set key=value (printf) in the list, replacing an existing key. */
static enum migctl_err put(struct migctl_k8s_list *l, struct migctl_error *err, const char *key,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum migctl_err put(struct migctl_k8s_list *l, struct migctl_error *err, const char *key,
			   const char *fmt, ...)
{
	struct migctl_k8s_pair *p = NULL;
	va_list ap;

	for (size_t i = 0; i < l->n && !p; i++)
		if (strcmp(l->items[i].key, key) == 0)
			p = &l->items[i];
	if (!p) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 32;
			struct migctl_k8s_pair *items = realloc(l->items, cap * sizeof(*items));
			if (!items)
				return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
			l->items = items;
			l->cap = cap;
		}
		p = &l->items[l->n++];
		snprintf(p->key, sizeof(p->key), "%s", key);
	}
	va_start(ap, fmt);
	vsnprintf(p->value, sizeof(p->value), fmt, ap);
	va_end(ap);
	return MIGCTL_ERR_OK;
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(((const struct migctl_k8s_pair *)a)->key, ((const struct migctl_k8s_pair *)b)->key);
}

static void sort_list(struct migctl_k8s_list *l)
{
	if (l->n)
		qsort(l->items, l->n, sizeof(*l->items), cmp_pair);
}

/* --- MIG devices grouped by profile ---------------------------------------- */

/* What GFD reads from NVML's device attributes for one MIG device. */
struct mig_kind {
	char profile[MIGCTL_NAME_MAX];   /* "1g.5gb", "1c.3g.20gb" */
	char model[96];                  /* the parent's NVML name */
	unsigned count;
	unsigned long long memory_mib;
	unsigned sm, gi_slices, ci_slices;
	unsigned ce, dec, enc, jpg, ofa;
	bool whole_gi;                   /* the CI covers its GI (C == G) */
};

struct layout_summary {
	struct mig_kind kinds[MIGCTL_MAX_PROFILES * 2];
	size_t n_kinds;
	size_t n_gpus, n_mig_gpus, n_empty_mig_gpus;
	unsigned mig_devices;
	bool capable;
	const char *model;               /* first GPU's NVML name */
};

static unsigned ci_slices(const struct migctl_gi_state *gi, const struct migctl_ci_state *ci)
{
	if (ci->placement.size)
		return ci->placement.size;
	for (size_t i = 0; gi->profile && i < gi->profile->n_ci; i++)
		if (gi->profile->ci[i].id == ci->profile_id)
			return gi->profile->ci[i].slices;
	return 0;
}

static void add_device(struct layout_summary *s, const struct migctl_gpu_state *g,
		       const struct migctl_gi_state *gi, const struct migctl_ci_state *ci)
{
	struct mig_kind *k = NULL;
	const struct migctl_gi_profile *p = gi->profile;

	for (size_t i = 0; i < s->n_kinds && !k; i++)
		if (strcmp(s->kinds[i].profile, ci->profile_name) == 0)
			k = &s->kinds[i];
	if (!k) {
		if (s->n_kinds == sizeof(s->kinds) / sizeof(s->kinds[0]))
			return;
		k = &s->kinds[s->n_kinds++];
		memset(k, 0, sizeof(*k));
		snprintf(k->profile, sizeof(k->profile), "%s", ci->profile_name);
		snprintf(k->model, sizeof(k->model), "%s", g->name);
		k->sm = ci->sm;
		k->ci_slices = ci_slices(gi, ci);
		if (p) {
			k->memory_mib = p->memory_mib;
			k->gi_slices = p->compute_slices;
			k->ce = p->ce;
			k->dec = p->dec;
			k->enc = p->enc;
			k->jpg = p->jpg;
			k->ofa = p->ofa;
		}
		k->whole_gi = !p || k->ci_slices == 0 || k->ci_slices == p->compute_slices;
	}
	k->count++;
	s->mig_devices++;
}

static void summarize(struct migctl_gpu_state *const *gpus, size_t n, struct layout_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->n_gpus = n;
	s->model = n ? gpus[0]->name : "";
	for (size_t i = 0; i < n; i++) {
		const struct migctl_gpu_state *g = gpus[i];
		unsigned before = s->mig_devices;
		s->capable |= g->mig_capable;
		if (!g->mig_current)
			continue;
		s->n_mig_gpus++;
		for (size_t a = 0; a < g->n_gis; a++)
			for (size_t b = 0; b < g->gis[a].n_cis; b++)
				add_device(s, g, &g->gis[a], &g->gis[a].cis[b]);
		if (s->mig_devices == before)
			s->n_empty_mig_gpus++;
	}
}

/* GFD's product value: the model name with what a label value cannot hold
 * turned into '-' ("NVIDIA A100-SXM4-40GB" -> "NVIDIA-A100-SXM4-40GB"), cut
 * to fit 63 characters together with `suffix`. */
static void product(char *buf, size_t len, const char *model, const char *suffix)
{
	char name[64];
	size_t room = 63 - strlen(suffix) < sizeof(name) - 1 ? 63 - strlen(suffix) : sizeof(name) - 1;
	size_t n = 0;

	if (strlen(suffix) > 62)
		room = 0;
	for (const char *c = model; *c && n < room; c++)
		name[n++] = is_alnum(*c) || strchr("-_.", *c) ? *c : '-';
	name[n] = '\0';
	while (n && !is_alnum(name[n - 1]))
		name[--n] = '\0';
	snprintf(buf, len, "%s%s", name, suffix);
}

/* The attribute labels of one kind under `base` ("nvidia.com/mig-1g.5gb"
 * or "nvidia.com/gpu"). */
static enum migctl_err put_kind(struct migctl_k8s_list *l, const char *base,
				const struct mig_kind *k, unsigned count, struct migctl_error *err)
{
	static const char *const engines[] = {"copy", "decoder", "encoder", "jpeg", "ofa"};
	const unsigned values[] = {k->ce, k->dec, k->enc, k->jpg, k->ofa};
	char key[128], val[64], suffix[MIGCTL_NAME_MAX + 8];
	enum migctl_err rc = MIGCTL_ERR_OK;

	/* '+' cannot be in a label value: the key's rule, '+' as '.'. */
	snprintf(suffix, sizeof(suffix), "-MIG-%s", k->profile);
	for (char *c = suffix; *c; c++)
		if (*c == '+')
			*c = '.';
	product(val, sizeof(val), k->model, suffix);
#define PUT(name, ...) do { snprintf(key, sizeof(key), "%s.%s", base, name); \
	if (!rc) rc = put(l, err, key, __VA_ARGS__); } while (0)
	PUT("count", "%u", count);
	PUT("product", "%s", val);
	PUT("replicas", "1");
	PUT("sharing-strategy", "none");
	PUT("memory", "%llu", k->memory_mib);
	PUT("multiprocessors", "%u", k->sm);
	PUT("slices.gi", "%u", k->gi_slices);
	PUT("slices.ci", "%u", k->ci_slices);
	for (size_t i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof(name), "engines.%s", engines[i]);
		PUT(name, "%u", values[i]);
	}
#undef PUT
	return rc;
}

/* Why the single strategy cannot serve the layout, or NULL. */
static const char *single_problem(const struct layout_summary *s)
{
	if (s->n_mig_gpus == 0)
		return NULL;
	if (s->n_mig_gpus != s->n_gpus)
		return "GPUs with and without MIG mode are on the node";
	if (s->n_empty_mig_gpus)
		return "a GPU with MIG mode has no MIG device";
	if (s->n_kinds > 1)
		return "more than one MIG device type is on the node";
	return NULL;
}

enum migctl_err migctl_k8s_labels(struct migctl_gpu_state *const *gpus, size_t n,
				  enum migctl_k8s_strategy strategy,
				  struct migctl_k8s_list *out, struct migctl_error *err)
{
	struct layout_summary *s = malloc(sizeof(*s));
	enum migctl_err rc;

	out->n = 0;
	if (!s)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	summarize(gpus, n, s);
	rc = put(out, err, PREFIX "mig.capable", "%s", s->capable ? "true" : "false");
	if (!rc)
		rc = put(out, err, PREFIX "mig.strategy", "%s", migctl_k8s_strategy_name(strategy));
	if (!rc && strategy == MIGCTL_K8S_MIXED) {
		rc = put(out, err, PREFIX "gpu.count", "%zu", s->n_gpus);
		for (size_t i = 0; i < s->n_kinds && !rc; i++) {
			char base[128], res[96];
			migctl_k8s_resource_name(s->kinds[i].profile, res, sizeof(res));
			snprintf(base, sizeof(base), PREFIX "%s", res);
			rc = put_kind(out, base, &s->kinds[i], s->kinds[i].count, err);
		}
	} else if (!rc && s->n_mig_gpus) {
		if (!single_problem(s)) {
			rc = put_kind(out, PREFIX "gpu", &s->kinds[0], s->mig_devices, err);
		} else {
			char val[64];
			product(val, sizeof(val), s->model, "-MIG-INVALID");
			rc = put(out, err, PREFIX "gpu.product", "%s", val);
			if (!rc)
				rc = put(out, err, PREFIX "gpu.count", "0");
			if (!rc)
				rc = put(out, err, PREFIX "gpu.memory", "0");
		}
	} else if (!rc) {
		rc = put(out, err, PREFIX "gpu.count", "%zu", s->n_gpus);
	}
	free(s);
	if (rc)
		out->n = 0;
	sort_list(out);
	return rc;
}

enum migctl_err migctl_k8s_resources(struct migctl_gpu_state *const *gpus, size_t n,
				     enum migctl_k8s_strategy strategy,
				     struct migctl_k8s_list *out, struct migctl_error *err)
{
	struct layout_summary *s = malloc(sizeof(*s));
	enum migctl_err rc = MIGCTL_ERR_OK;
	const char *why;

	out->n = 0;
	if (!s)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	summarize(gpus, n, s);
	if (strategy == MIGCTL_K8S_SINGLE) {
		if ((why = single_problem(s)))
			rc = migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
					 "the device plugin's single strategy refuses this layout: %s; apply one MIG profile on every GPU (e.g. migctl apply with an all-<profile> config) or use --strategy mixed",
					 why);
		else
			rc = put(out, err, PREFIX "gpu", "%u",
				 s->n_mig_gpus ? s->mig_devices : (unsigned)s->n_gpus);
		goto out;
	}
	rc = put(out, err, PREFIX "gpu", "%zu", s->n_gpus - s->n_mig_gpus);
	for (size_t i = 0; i < s->n_kinds && !rc; i++) {
		char key[128], res[96];
		if (!s->kinds[i].whole_gi) {
			rc = migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
					 "MIG device profile %s is a compute instance smaller than its GPU instance; the device plugin's mixed strategy advertises only whole-GI devices and stops on it: give each GPU instance one compute instance that covers it",
					 s->kinds[i].profile);
			break;
		}
		migctl_k8s_resource_name(s->kinds[i].profile, res, sizeof(res));
		snprintf(key, sizeof(key), PREFIX "%s", res);
		rc = put(out, err, key, "%u", s->kinds[i].count);
	}
out:
	free(s);
	if (rc)
		out->n = 0;
	sort_list(out);
	return rc;
}

char *migctl_k8s_features_text(const struct migctl_k8s_list *l)
{
	struct mu_strbuf b = {0};

	mu_sb_printf(&b, "# MIG labels for Node Feature Discovery, written by migctl k8s labels\n");
	for (size_t i = 0; i < l->n; i++)
		mu_sb_printf(&b, "%s=%s\n", l->items[i].key, l->items[i].value);
	if (b.oom) {
		mu_sb_release(&b);
		return NULL;
	}
	return mu_sb_take(&b);
}

/* --- a fleet plan, node by node ---------------------------------------------- */

enum migctl_err migctl_plan_node_configs(const struct migctl_plan *plan, const unsigned *index,
					 struct migctl_plan_node *nodes, size_t n_nodes,
					 const char *prefix, struct migctl_export *x,
					 struct migctl_error *err)
{
	json_t **seen = calloc(n_nodes + 1, sizeof(*seen));
	unsigned *local = calloc(plan->n_gpus + 1, sizeof(*local));
	struct migctl_export one;
	enum migctl_err rc = MIGCTL_ERR_OK;

	migctl_export_release(x);
	migctl_export_init(&one);
	if (!seen || !local)
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n_nodes && !rc; i++) {
		struct migctl_plan_node *nd = &nodes[i];
		struct migctl_plan sub = *plan;
		json_t *j;
		size_t c;

		if (nd->first > plan->n_gpus || nd->n > plan->n_gpus - nd->first) {
			rc = migctl_fail(err, MIGCTL_ERR_INTERNAL, "node %s lies outside the plan", nd->name);
			break;
		}
		/* The node's GPUs alone, numbered as the node numbers them. */
		sub.gpus = plan->gpus + nd->first;
		sub.n_gpus = nd->n;
		for (size_t g = 0; g < nd->n; g++)
			local[g] = index ? index[nd->first + g] : (unsigned)g;
		if ((rc = migctl_export_plan(&sub, local, "node", &one, err)))
			break;
		if (!(j = migctl_export_json(&one, true))) {
			rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
			break;
		}
		for (c = 0; c < x->n_entries && !json_equal(seen[c], j); c++)
			;
		nd->config = c;
		if (c < x->n_entries) {
			json_decref(j);
			continue;
		}
		seen[c] = j;
		char label[MIGCTL_NAME_MAX * 2];
		struct migctl_export_entry *e;
		snprintf(label, sizeof(label), "%s-%zu", prefix, c + 1);
		if ((rc = migctl_export_add_label(x, label, &e, err)))
			break;
		for (size_t s = 0; s < one.entries[0].n_specs && !rc; s++)
			rc = migctl_export_add(e, &one.entries[0].specs[s], err);
	}
	for (size_t i = 0; seen && i < n_nodes; i++)
		json_decref(seen[i]);
	free(seen);
	free(local);
	migctl_export_release(&one);
	if (rc)
		migctl_export_release(x);
	return rc;
}
