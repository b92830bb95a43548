/* migctl plan -o json: the plan written out while it is walked, instead
 * of built as a jansson tree and then dumped. A plan for 10,000 GPUs is
 * about 4 MB of JSON; the tree cost six times the CPU of the text report.
 * The output is byte for byte what json_dumpf(JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER) printed for the tree (README's schema and
 * tests/cli/plan_cases.sh read it): strings are still escaped by jansson,
 * once per distinct name, and a GPU whose model, instances and free
 * capacity equal the previous GPU's reuses its text (the planner writes
 * identical GPUs in runs that share one instance array).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/strbuf.h"

/* A model's name and GI profile names, quoted and escaped as JSON. */
struct quoted_model {
	const struct migctl_gpu_model *model;
	char *name;
	char *gi[MIGCTL_MAX_PROFILES];
};

struct plan_writer {
	FILE *out;
	struct quoted_model *models;
	size_t n_models, cap_models;
	char **items;                 /* per demand item: its profile, quoted */
	size_t n_items;
	bool bad;                     /* a string jansson refused, or no memory */
};

static char *quote(struct plan_writer *w, const char *s)
{
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	if (!q)
		w->bad = true;
	return q;
}

static const struct quoted_model *quoted_model(struct plan_writer *w,
					       const struct migctl_gpu_model *m)
{
	for (size_t i = 0; i < w->n_models; i++)
		if (w->models[i].model == m)
			return &w->models[i];
	if (w->n_models == w->cap_models) {
		size_t cap = w->cap_models ? 2 * w->cap_models : 4;
		struct quoted_model *nm = realloc(w->models, cap * sizeof(*nm));
		if (!nm) {
			w->bad = true;
			return NULL;
		}
		w->models = nm;
		w->cap_models = cap;
	}
	struct quoted_model *qm = &w->models[w->n_models++];
	memset(qm, 0, sizeof(*qm));
	qm->model = m;
	qm->name = quote(w, m->name);
	for (size_t q = 0; q < m->n_gi && q < MIGCTL_MAX_PROFILES; q++)
		qm->gi[q] = quote(w, m->gi[q].name);
	return qm;
}

/* Every string the document holds, quoted before anything is written: a
 * string jansson refuses (not UTF-8) fails the command with nothing
 * printed, as the tree did. */
static void quote_all(struct plan_writer *w, const struct migctl_plan *plan,
		      const struct migctl_plan_demand *items)
{
	const struct migctl_gpu_model *last = NULL;

	for (size_t g = 0; g < plan->n_gpus && !w->bad; g++)
		if (plan->gpus[g].model != last)
			quoted_model(w, last = plan->gpus[g].model);
	w->items = calloc(plan->n_demand + 1, sizeof(*w->items));
	if (!w->items) {
		w->bad = true;
		return;
	}
	w->n_items = plan->n_demand;
	for (size_t i = 0; i < plan->n_demand && !w->bad; i++) {
		w->items[i] = quote(w, items[i].profile);
		if (items[i].model)
			quoted_model(w, items[i].model);
	}
}

static void writer_release(struct plan_writer *w)
{
	for (size_t i = 0; i < w->n_models; i++) {
		free(w->models[i].name);
		for (size_t q = 0; q < MIGCTL_MAX_PROFILES; q++)
			free(w->models[i].gi[q]);
	}
	free(w->models);
	for (size_t i = 0; i < w->n_items; i++)
		free(w->items[i]);
	free(w->items);
}

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

/* A GPU's members after "index", and its closing brace. */
static void gpu_body(struct plan_writer *w, const struct migctl_plan_gpu *gp,
		     struct mu_strbuf *b)
{
	const struct quoted_model *qm = quoted_model(w, gp->model);

	b->len = 0;                   /* the buffer is reused, GPU after GPU */
	mu_sb_printf(b, "      \"model\": %s,\n      \"used\": %s,\n"
			"      \"free_capacity\": %d,\n      \"instances\": [",
		     qm->name, tf(gp->used), (int)gp->free_capacity);
	for (size_t i = 0; i < gp->n_instances; i++) {
		const struct migctl_plan_instance *in = &gp->instances[i];
		mu_sb_printf(b, "%s\n        {\n          \"profile\": %s,\n"
				"          \"profile_id\": %d,\n          \"start\": %d,\n"
				"          \"size\": %d,\n          \"pinned\": %s\n        }",
			     i ? "," : "", qm->gi[in->profile], (int)in->profile_id,
			     (int)in->placement.start, (int)in->placement.size, tf(in->pinned));
	}
	mu_sb_printf(b, "%s]\n    }", gp->n_instances ? "\n      " : "");
}

/* Whether GPU b prints as GPU a does, index aside. */
static bool same_gpu(const struct migctl_plan_gpu *a, const struct migctl_plan_gpu *b)
{
	if (a->model != b->model || a->used != b->used ||
	    a->free_capacity != b->free_capacity || a->n_instances != b->n_instances)
		return false;
	if (a->instances == b->instances)
		return true;
	for (size_t i = 0; i < a->n_instances; i++) {
		const struct migctl_plan_instance *x = &a->instances[i], *y = &b->instances[i];
		if (x->profile != y->profile || x->profile_id != y->profile_id ||
		    x->placement.start != y->placement.start ||
		    x->placement.size != y->placement.size || x->pinned != y->pinned)
			return false;
	}
	return true;
}

static void write_gpus(struct plan_writer *w, const struct migctl_plan *plan,
		       const unsigned *node_index)
{
	struct mu_strbuf body = {0};
	const struct migctl_plan_gpu *prev = NULL;

	fputs("  \"per_gpu\": [", w->out);
	for (size_t g = 0; g < plan->n_gpus && !body.oom; g++) {
		const struct migctl_plan_gpu *gp = &plan->gpus[g];
		if (!prev || !same_gpu(prev, gp))
			gpu_body(w, gp, &body);
		prev = gp;
		fprintf(w->out, "%s\n    {\n      \"index\": %d,\n", g ? "," : "",
			(int)(node_index ? node_index[g] : (unsigned)g));
		fwrite(body.p, 1, body.len, w->out);
	}
	fputs(plan->n_gpus ? "\n  ],\n" : "],\n", w->out);
	if (body.oom)
		w->bad = true;
	mu_sb_release(&body);
}

static void write_demand(struct plan_writer *w, const struct migctl_plan *plan,
			 const struct migctl_plan_demand *items, bool unplaced)
{
	const char *sep = "";

	fprintf(w->out, "  \"%s\": [", unplaced ? "unplaced" : "demand");
	for (size_t i = 0; i < plan->n_demand; i++) {
		const struct migctl_plan_demand_result *r = &plan->demand[i];
		if (unplaced && !r->unplaced)
			continue;
		fprintf(w->out, "%s\n    {\n      \"profile\": %s,\n", sep, w->items[i]);
		if (unplaced)
			fprintf(w->out, "      \"count\": %d", (int)r->unplaced);
		else
			fprintf(w->out, "      \"demand\": %d,\n      \"placed\": %d,\n"
					"      \"unplaced\": %d,\n      \"pinned\": %d",
				(int)r->demand, (int)r->placed, (int)r->unplaced, (int)r->pinned);
		if (items[i].model)
			fprintf(w->out, ",\n      \"model\": %s", quoted_model(w, items[i].model)->name);
		fputs("\n    }", w->out);
		sep = ",";
	}
	fputs(*sep ? "\n  ],\n" : "],\n", w->out);
}

int cli_plan_json(const struct migctl_plan *plan, const struct migctl_plan_demand *items,
		  const unsigned *node_index, FILE *out)
{
	struct plan_writer w = {.out = out};

	cli_json_streamed();
	quote_all(&w, plan, items);
	if (!w.bad) {
		fprintf(out, "{\n  \"gpus_used\": %lld,\n  \"fleet_size\": %lld,\n"
			     "  \"lower_bound\": %lld,\n  \"optimal\": %s,\n"
			     "  \"complete\": %s,\n  \"budget_exhausted\": %s,\n",
			(long long)plan->gpus_used, (long long)plan->n_gpus,
			(long long)plan->lower_bound, tf(plan->optimal), tf(plan->complete),
			tf(plan->stats.budget_exhausted));
		write_demand(&w, plan, items, false);
		write_gpus(&w, plan, node_index);
		write_demand(&w, plan, items, true);
		fprintf(out, "  \"destroyed\": [],\n  \"free_capacity\": %lld\n}\n",
			(long long)plan->free_capacity);
	}
	writer_release(&w);
	return w.bad ? MIGCTL_ERR_NOMEM : MIGCTL_ERR_OK;
}
