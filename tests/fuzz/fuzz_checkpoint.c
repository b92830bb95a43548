/* libFuzzer target: checkpoints and journals, the two files migctl reads
 * back after writing them (lib/checkpoint.c, lib/journal.c). The bytes are
 * parsed as checkpoint JSON (restore's input) and, through a temporary
 * file, read as a journal (recover's input). Neither may crash or leak;
 * errors must be documented codes and leave the results empty. A
 * checkpoint that parses must stay within the layout limits, survive a
 * round trip through migctl_checkpoint_to_json unchanged, and turn into
 * plans on a node holding its GPUs without overflowing a target (one UUID
 * listed several times once did, issue 13 finding 3). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply_impl.h"
#include "fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_limits(const struct migctl_checkpoint *c)
{
	for (size_t i = 0; i < c->n_gpus; i++) {
		const struct migctl_gpu_checkpoint *g = &c->gpus[i];
		if (!g->uuid[0] || g->layout.n_gis > MIGCTL_LAYOUT_MAX_GIS)
			abort();
		for (size_t k = 0; k < g->layout.n_gis; k++) {
			const struct migctl_layout_gi *li = &g->layout.gis[k];
			if (li->n_cis > MIGCTL_LAYOUT_MAX_CIS || li->placement.size == 0 ||
			    li->placement.start + li->placement.size > MIGCTL_MAX_UNITS)
				abort();
		}
	}
}

/* The same checkpoint: UUIDs, modes, profile IDs and placements. */
static void check_same(const struct migctl_checkpoint *a, const struct migctl_checkpoint *b)
{
	if (a->n_gpus != b->n_gpus)
		abort();
	for (size_t i = 0; i < a->n_gpus; i++) {
		const struct migctl_gpu_checkpoint *x = &a->gpus[i], *y = &b->gpus[i];
		if (strcmp(x->uuid, y->uuid) || x->mig_enabled != y->mig_enabled ||
		    x->layout.n_gis != y->layout.n_gis || x->has_index != y->has_index ||
		    (x->has_id && !y->has_id))
			abort();
		for (size_t k = 0; k < x->layout.n_gis; k++) {
			const struct migctl_layout_gi *p = &x->layout.gis[k], *q = &y->layout.gis[k];
			if ((x->has_index && x->gi_profile_index[k] != y->gi_profile_index[k]) ||
			    (x->has_id && x->gi_profile_id[k] != y->gi_profile_id[k]) ||
			    p->n_cis != q->n_cis ||
			    !migctl_placement_equal(p->placement, q->placement))
				abort();
			for (size_t n = 0; n < p->n_cis; n++)
				if (x->ci_profile_id[k][n] != y->ci_profile_id[k][n] ||
				    !migctl_placement_equal(p->cis[n].placement, q->cis[n].placement))
					abort();
		}
	}
}

/* Plans from the checkpoint onto a node that has each of its GPUs (an
 * A100-SXM4-80GB or an A30 by position): what restore and recover build.
 * Profiles may be unknown; the targets must stay within their limits. */
static void check_plans(const struct migctl_checkpoint *c)
{
	static struct migctl_catalog cat;
	static const struct migctl_gpu_model *models[2];
	struct migctl_error err;

	if (!models[0]) {
		migctl_catalog_init(&cat);
		if (migctl_catalog_load_builtin(&cat, &err) ||
		    !(models[0] = migctl_catalog_find_model(&cat, "A100-SXM4-80GB", &err)) ||
		    !(models[1] = migctl_catalog_find_model(&cat, "A30", &err)))
			abort();
	}
	struct migctl_node node = {0};
	node.gpus = calloc(c->n_gpus + 1, sizeof(*node.gpus));
	struct migctl_gpu_plan *plans = calloc(c->n_gpus + 1, sizeof(*plans));
	if (!node.gpus || !plans)
		abort();
	node.n_gpus = c->n_gpus;
	for (size_t i = 0; i < c->n_gpus; i++) {
		struct migctl_gpu_state *g = &node.gpus[i];
		g->index = (unsigned)i;
		memcpy(g->uuid, c->gpus[i].uuid, sizeof(g->uuid));
		g->mig_capable = g->mig_current = true;
		g->catalog_model = models[i % 2];
	}
	enum migctl_err rc = migctl_checkpoint_plans(&node, c, plans, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_UNKNOWN_PROFILE && rc != MIGCTL_ERR_PARSE &&
	    rc != MIGCTL_ERR_USAGE && rc != MIGCTL_ERR_INFEASIBLE)
		abort();
	for (size_t i = 0; rc == MIGCTL_ERR_OK && i < c->n_gpus; i++)
		if (plans[i].target.n_pins > MIGCTL_LAYOUT_MAX_GIS)
			abort();
	free(plans);
	free(node.gpus);
}

static void fuzz_checkpoint(const uint8_t *data, size_t size)
{
	struct migctl_checkpoint c, back;
	struct migctl_error err;
	char *text = NULL;
	enum migctl_err rc;

	migctl_checkpoint_init(&c);
	rc = migctl_checkpoint_from_json(&c, "fuzz", (const char *)data, size, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_NOMEM)
		abort();
	if (rc != MIGCTL_ERR_OK && (c.n_gpus || c.gpus))
		abort();
	if (rc == MIGCTL_ERR_OK) {
		check_limits(&c);
		check_plans(&c);
		if (migctl_checkpoint_to_json(&c, &text, &err))
			abort();
		migctl_checkpoint_init(&back);
		if (migctl_checkpoint_from_json(&back, "again", text, strlen(text), &err))
			abort();
		check_same(&c, &back);
		migctl_checkpoint_release(&back);
		free(text);
	}
	migctl_checkpoint_release(&c);
}

static char dir[64], path[96];

static void remove_file(void)
{
	unlink(path);
	rmdir(dir);
}

static void fuzz_journal(const uint8_t *data, size_t size)
{
	struct migctl_checkpoint c;
	struct migctl_error err;
	char (*settled)[96] = NULL;
	size_t n_settled = 0;
	enum migctl_err rc;

	if (!path[0]) {
		/* On tmpfs where there is one (fuzz_env.h): written per input. */
		fuzz_scratch_dir("fuzz_checkpoint", dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
		atexit(remove_file);
	}
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	migctl_checkpoint_init(&c);
	rc = migctl_journal_read(path, &c, &settled, &n_settled, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_NOMEM)
		abort();
	if (rc != MIGCTL_ERR_OK && (settled || n_settled || c.n_gpus || c.gpus))
		abort();
	if (rc == MIGCTL_ERR_OK) {
		check_limits(&c);
		check_plans(&c);
		for (size_t i = 0; i < n_settled; i++)
			if (strnlen(settled[i], 96) == 96)
				abort();
	}
	free(settled);
	migctl_checkpoint_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_checkpoint(data, size);
	fuzz_journal(data, size);
	return 0;
}
