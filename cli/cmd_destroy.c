/* migctl destroy — compute instances and GPU instances. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_IDS 64

struct id_list {
	bool given, all;
	unsigned ids[MAX_IDS];
	size_t n;
};

static bool has_id(const struct id_list *l, unsigned id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return true;
	return false;
}

static int parse_ids(struct cli *cli, const char *opt, const char *list, struct id_list *out)
{
	const char *p = list;
	char item[16];
	unsigned v;
	enum mu_list_item r;

	out->given = true;
	if (strcmp(list, "all") == 0) {
		out->all = true;
		return 0;
	}
	while ((r = mu_list_next(&p, item, sizeof(item))) != MU_LIST_END) {
		if (r != MU_LIST_ITEM || !mu_parse_count(item, 1000, &v))
			return cli_usage_error(cli, "destroy",
					       "%s: bad ID list \"%s\"; write IDs such as 1,2 or 'all'",
					       opt, list);
		if (out->n == MAX_IDS)
			return cli_usage_error(cli, "destroy", "%s: more than %d IDs", opt, MAX_IDS);
		if (!has_id(out, v))
			out->ids[out->n++] = v;
	}
	return 0;
}

struct destroy_run {
	struct cli *cli;
	int rc;
	json_t *done, *errors;  /* JSON mode */
};

static void fail(struct destroy_run *d, struct migctl_error *err, unsigned gpu,
		 unsigned gi, unsigned ci)
{
	cli_report(d->cli, err);
	if (!d->rc)
		d->rc = (int)err->code;
	if (d->errors) {
		json_t *o = cli_json_error(err);
		json_object_set_new(o, "gpu", json_integer(gpu));
		json_object_set_new(o, "gi", gi == MIGCTL_ID_NONE ? json_null() : json_integer(gi));
		json_object_set_new(o, "ci", ci == MIGCTL_ID_NONE ? json_null() : json_integer(ci));
		json_array_append_new(d->errors, o);
	}
}

/* Refuse `what` when processes run on it; true if refused. */
static bool busy(struct destroy_run *d, struct migctl_gpu_state *gpu, unsigned gi,
		 unsigned ci, const char *what)
{
	struct migctl_error err = {0};
	char pids[300];

	if (cli_count_procs(gpu, gi, ci) == 0)
		return false;
	cli_format_pids(gpu, gi, ci, pids, sizeof(pids));
	migctl_fail(&err, MIGCTL_ERR_BUSY,
		    "GPU %u: %s is in use by processes %s; stop them first, nothing on it was destroyed",
		    gpu->index, what, pids);
	fail(d, &err, gpu->index, gi, ci);
	return true;
}

static bool destroy_ci(struct destroy_run *d, struct migctl_gpu_state *gpu, unsigned gi,
		       unsigned ci)
{
	struct migctl_error err = {0};

	if (migctl_node_destroy_ci(&d->cli->node, gpu, gi, ci, &err)) {
		migctl_error_prefix_gpu(&err, gpu->index);
		fail(d, &err, gpu->index, gi, ci);
		return false;
	}
	if (d->done)
		json_array_append_new(d->done, json_pack("{s:i,s:i,s:i}", "gpu", (int)gpu->index,
							 "gi", (int)gi, "ci", (int)ci));
	else
		printf("GPU %u: destroyed compute instance %u of GPU instance %u\n", gpu->index,
		       ci, gi);
	return true;
}

static void destroy_gi(struct destroy_run *d, struct migctl_gpu_state *gpu, unsigned gi)
{
	struct migctl_error err = {0};
	struct migctl_gi_state *g = migctl_gpu_find_gi(gpu, gi);
	char name[MIGCTL_NAME_MAX] = "?";
	struct migctl_placement pl = {0, 0};

	if (g) {
		if (g->profile)
			snprintf(name, sizeof(name), "%s", g->profile->name);
		pl = g->placement;
	}
	if (migctl_node_destroy_gi(&d->cli->node, gpu, gi, &err)) {
		migctl_error_prefix_gpu(&err, gpu->index);
		fail(d, &err, gpu->index, gi, MIGCTL_ID_NONE);
		return;
	}
	if (d->done)
		json_array_append_new(d->done, json_pack("{s:i,s:i,s:n}", "gpu", (int)gpu->index,
							 "gi", (int)gi, "ci"));
	else
		printf("GPU %u: destroyed GPU instance %u (MIG %s, placement %u:%u)\n", gpu->index,
		       gi, name, pl.start, pl.size);
}

static void gi_list_text(const struct migctl_gpu_state *gpu, char *buf, size_t len)
{
	size_t used = 0;
	snprintf(buf, len, "none");
	for (size_t i = 0; i < gpu->n_gis && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? ", " : "", gpu->gis[i].id);
}

/* A GPU without instances: a line, or an error when IDs were named.
 * Returns true when there is nothing more to do on it. */
static bool no_instances(struct destroy_run *d, struct migctl_gpu_state *gpu, bool explicit_ids)
{
	struct migctl_error err = {0};
	unsigned idx = gpu->index;

	if (gpu->mig_current && gpu->n_gis > 0)
		return false;
	if (!explicit_ids) {
		if (!d->done)
			printf("GPU %u: nothing to destroy (%s)\n", idx,
			       gpu->mig_current ? "no GPU instances" : "MIG mode is disabled");
		return true;
	}
	if (!gpu->mig_current)
		migctl_fail(&err, MIGCTL_ERR_NOT_SUPPORTED,
			    "GPU %u (%s): MIG mode is disabled, so it has no GPU or compute instances",
			    idx, gpu->name);
	else
		migctl_fail(&err, MIGCTL_ERR_NOT_FOUND, "GPU %u has no GPU instances", idx);
	fail(d, &err, idx, MIGCTL_ID_NONE, MIGCTL_ID_NONE);
	return true;
}

/* The GIs to work on, by ID, from the state before any change: the --gi
 * list (unknown IDs are reported) or every GI. */
static size_t pick_targets(struct destroy_run *d, struct migctl_gpu_state *gpu,
			   const struct id_list *gis, unsigned *targets)
{
	struct migctl_error err = {0};
	size_t n_targets = 0;

	if (!gis->given || gis->all) {
		for (size_t i = 0; i < gpu->n_gis; i++)
			targets[n_targets++] = gpu->gis[i].id;
		return n_targets;
	}
	for (size_t i = 0; i < gis->n; i++) {
		if (migctl_gpu_find_gi(gpu, gis->ids[i])) {
			if (n_targets < MIGCTL_NODE_MAX_GIS)
				targets[n_targets++] = gis->ids[i];
			continue;
		}
		char list[200];
		gi_list_text(gpu, list, sizeof(list));
		migctl_fail(&err, MIGCTL_ERR_NOT_FOUND,
			    "GPU %u has no GPU instance %u; its GPU instances: %s", gpu->index,
			    gis->ids[i], list);
		fail(d, &err, gpu->index, gis->ids[i], MIGCTL_ID_NONE);
	}
	return n_targets;
}

/* --ci: the CIs only, in the target GIs. */
static void destroy_cis(struct destroy_run *d, struct migctl_gpu_state *gpu,
			const struct id_list *gis, const struct id_list *cis,
			const unsigned *targets, size_t n_targets)
{
	struct migctl_error err = {0};
	const char *sim = cli_sim_flag(d->cli);
	unsigned idx = gpu->index;
	bool found[MAX_IDS] = {false};

	for (size_t t = 0; t < n_targets; t++) {
		struct migctl_gi_state *g = migctl_gpu_find_gi(gpu, targets[t]);
		unsigned ids[MIGCTL_NODE_MAX_CIS];
		size_t n = 0;
		if (!g)
			continue;
		for (size_t c = 0; c < g->n_cis; c++)
			if (cis->all || has_id(cis, g->cis[c].id))
				ids[n++] = g->cis[c].id;
		for (size_t k = 0; k < cis->n; k++) {
			bool here = false;
			for (size_t c = 0; c < n; c++)
				here |= ids[c] == cis->ids[k];
			found[k] |= here;
			if (!here && gis->given && !gis->all) {
				migctl_fail(&err, MIGCTL_ERR_NOT_FOUND,
					    "GPU %u: GPU instance %u has no compute instance %u",
					    idx, targets[t], cis->ids[k]);
				fail(d, &err, idx, targets[t], cis->ids[k]);
				found[k] = true; /* reported */
			}
		}
		for (size_t c = 0; c < n; c++) {
			char what[96];
			snprintf(what, sizeof(what), "compute instance %u of GPU instance %u",
				 ids[c], targets[t]);
			if (!busy(d, gpu, targets[t], ids[c], what))
				destroy_ci(d, gpu, targets[t], ids[c]);
		}
	}
	for (size_t k = 0; k < cis->n && !(gis->given && !gis->all); k++)
		if (!found[k]) {
			migctl_fail(&err, MIGCTL_ERR_NOT_FOUND,
				    "GPU %u: no GPU instance has a compute instance %u ('migctl%s status -i %u' lists them)",
				    idx, cis->ids[k], sim, idx);
			fail(d, &err, idx, MIGCTL_ID_NONE, cis->ids[k]);
		}
}

/* The target GIs, with their CIs first under --all. */
static void destroy_gis(struct destroy_run *d, struct migctl_gpu_state *gpu,
			const unsigned *targets, size_t n_targets, bool all)
{
	struct migctl_error err = {0};
	const char *sim = cli_sim_flag(d->cli);
	unsigned idx = gpu->index;

	for (size_t t = 0; t < n_targets; t++) {
		struct migctl_gi_state *g = migctl_gpu_find_gi(gpu, targets[t]);
		char what[64];
		if (!g)
			continue;
		snprintf(what, sizeof(what), "GPU instance %u", targets[t]);
		if (busy(d, gpu, targets[t], MIGCTL_ID_NONE, what))
			continue;
		if (g->n_cis && !all) {
			char list[100];
			size_t used = 0;
			for (size_t c = 0; c < g->n_cis && used < sizeof(list); c++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u",
							 c ? "," : "", g->cis[c].id);
			migctl_fail(&err, MIGCTL_ERR_BUSY,
				    "GPU %u: GPU instance %u still has compute instances %s; destroy them first ('migctl%s destroy -i %u --gi %u --ci all') or both at once ('migctl%s destroy -i %u --gi %u --all')",
				    idx, targets[t], list, sim, idx, targets[t], sim, idx, targets[t]);
			fail(d, &err, idx, targets[t], MIGCTL_ID_NONE);
			continue;
		}
		unsigned ids[MIGCTL_NODE_MAX_CIS];
		size_t n = g->n_cis;
		bool ok = true;
		for (size_t c = 0; c < n; c++)
			ids[c] = g->cis[c].id;
		for (size_t c = 0; c < n && ok; c++)
			ok = destroy_ci(d, gpu, targets[t], ids[c]);
		if (ok)
			destroy_gi(d, gpu, targets[t]);
	}
}

static void one_gpu(struct destroy_run *d, struct migctl_gpu_state *gpu,
		    const struct id_list *gis, const struct id_list *cis, bool all)
{
	bool explicit_ids = (gis->given && !gis->all) || (cis->given && !cis->all);
	unsigned targets[MIGCTL_NODE_MAX_GIS];
	size_t n_targets;

	if (no_instances(d, gpu, explicit_ids))
		return;
	n_targets = pick_targets(d, gpu, gis, targets);
	if (cis->given)
		destroy_cis(d, gpu, gis, cis, targets, n_targets);
	else
		destroy_gis(d, gpu, targets, n_targets, all);
}

enum { OPT_GI = 1000, OPT_CI, OPT_ALL };

int cmd_destroy(struct cli *cli, int argc, char **argv)
{
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	struct id_list gis = {0}, cis = {0};
	struct destroy_run d = {.cli = cli};
	const char *ids = NULL;
	bool all = false;
	struct cli_parse p;
	size_t n;
	int opt, rc;

	cli_parse_init(&p, cli, &cli_cmd_destroy, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		switch (opt) {
		case 'i': ids = p.arg; break;
		case OPT_GI:
			if ((rc = parse_ids(cli, "--gi", p.arg, &gis)))
				return rc;
			break;
		case OPT_CI:
			if ((rc = parse_ids(cli, "--ci", p.arg, &cis)))
				return rc;
			break;
		case OPT_ALL: all = true; break;
		}
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind != argc)
		return cli_usage_error(cli, "destroy", "unexpected argument '%s'", argv[p.ind]);
	if (!all && !gis.given && !cis.given)
		return cli_usage_error(cli, "destroy", "what to destroy? give --gi IDS, --ci IDS or --all");
	if (all && cis.given)
		return cli_usage_error(cli, "destroy", "--all and --ci exclude each other: --all destroys CIs and their GIs, --ci only CIs");
	if (cli_select_gpus(cli, ids, gpus, &n, &err) || cli_lock(cli, &err))
		return cli_report(cli, &err);
	if (!ids) {
		size_t k = cli_keep_mig_enabled(gpus, n);
		n = k ? k : n;
	}

	if (cli->output == CLI_JSON) {
		d.done = json_array();
		d.errors = json_array();
	}
	for (size_t i = 0; i < n; i++)
		one_gpu(&d, gpus[i], &gis, &cis, all);
	if (d.done) {
		rc = cli_print_json(json_pack("{s:o,s:o}", "destroyed", d.done, "errors", d.errors));
		if (rc && !d.rc)
			d.rc = rc;
	}
	return d.rc;
}

static const struct cli_opt destroy_opts[] = {
	CLI_OPT_GPUS("comma-separated (default: every GPU with MIG mode\n"
		     "enabled)"),
	{"gi", 0, OPT_GI, "IDS", "GPU instance IDs, or all", CLI_V_NONE, NULL, false},
	{"ci", 0, OPT_CI, "IDS", "compute instance IDs, or all", CLI_V_NONE, NULL, false},
	{"all", 0, OPT_ALL, NULL, "CIs first, then their GIs", CLI_V_NONE, NULL, false},
	{0},
};

static const char *const destroy_forms[] = {
	"[-i GPUS] --all [--gi IDS]",
	"[-i GPUS] --gi IDS",
	"[-i GPUS] --ci IDS [--gi IDS]",
	NULL,
};

const struct cli_command cli_cmd_destroy = {
	.name = "destroy",
	.summary = "destroy compute and GPU instances",
	.forms = destroy_forms,
	.description =
		"Destroy compute instances (CIs, the MIG devices) and GPU instances (GIs),\n"
		"as 'nvidia-smi mig -dci' and '-dgi' do:\n"
		"\n"
		"  --all            every CI and then every GI (of the --gi GIs if given)\n"
		"  --gi IDS         these GIs; a GI that still has CIs is refused, as the\n"
		"                   driver does (destroy its CIs first, or add --all)\n"
		"  --ci IDS         these CIs, in the --gi GIs or else in every GI that has\n"
		"                   them; the GIs stay\n"
		"\n"
		"IDS is a comma list of IDs as 'migctl status' shows them (1,2) or 'all'.\n"
		"An instance on which processes run is never destroyed: it is reported with\n"
		"their PIDs (exit 14) and the other instances are still destroyed; with\n"
		"--all a GI in use keeps all its CIs.\n",
	.formats = "text json",
	.opts = destroy_opts,
	.epilogue =
		"Exit status: 0; 2 bad command line; 14 in use (processes, or a GI with CIs); 13 no such GPU or\n"
		"instance; 16 no permission; 17 MIG mode disabled. With several errors, the\n"
		"first one's code.\n",
	.run = cmd_destroy,
};
