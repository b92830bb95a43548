/* migctl create — GPU instances and their compute instances. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migctl/create.h"
#include "migctl/online.h"
#include "util/list.h"

#define MAX_ITEMS MIGCTL_CREATE_MAX_ITEMS

/* "1,2" into IDs. */
static int parse_ids(struct cli *cli, const char *opt, const char *list, unsigned *ids,
		     size_t *n)
{
	const char *p = list;
	char item[32];
	int r;

	*n = 0;
	while ((r = mu_list_next(&p, item, sizeof(item))) != 0) {
		char *end;
		unsigned long v = r > 0 ? strtoul(item, &end, 10) : 0;
		if (r < 0 || !isdigit((unsigned char)item[0]) || *end || v > 1000)
			return cli_usage_error(cli, "create", "%s: bad ID list \"%s\"; write IDs such as 1,2",
					       opt, list);
		if (*n == MAX_ITEMS)
			return cli_usage_error(cli, "create", "%s: more than %d IDs", opt, MAX_ITEMS);
		ids[(*n)++] = (unsigned)v;
	}
	return 0;
}

/* Print (or add to JSON) what was made. */
static json_t *report(struct cli *cli, const struct migctl_create_result *res)
{
	json_t *a = cli->output == CLI_JSON ? json_array() : NULL;

	for (size_t i = 0; i < res->n_gis; i++) {
		const struct migctl_create_gi *m = &res->gis[i];
		struct migctl_gi_state *gi = migctl_gpu_find_gi(m->gpu, m->gi);
		const char *gname = gi && gi->profile ? gi->profile->name : "?";
		json_t *cis = a ? json_array() : NULL;

		if (!gi)
			continue;
		if (!a && m->new_gi)
			printf("GPU %u: created GPU instance %u (MIG %s, profile %u, placement %u:%u)\n",
			       m->gpu->index, gi->id, gname, gi->profile_id, gi->placement.start,
			       gi->placement.size);
		for (size_t c = 0; c < m->n_cis; c++) {
			struct migctl_ci_state *ci = migctl_gi_find_ci(gi, m->cis[c]);
			if (!ci)
				continue;
			if (a)
				json_array_append_new(cis, json_pack("{s:i,s:i,s:s,s:o,s:i,s:s}",
					"id", (int)ci->id, "profile_id", (int)ci->profile_id,
					"profile", ci->profile_name,
					"placement", cli_json_placement(ci->placement),
					"mig_device", (int)ci->mig_index, "uuid", ci->uuid));
			else
				printf("GPU %u: created compute instance %u in GPU instance %u (MIG %s, profile %u): MIG device %u, UUID %s\n",
				       m->gpu->index, ci->id, gi->id,
				       ci->profile_name, ci->profile_id, ci->mig_index, ci->uuid);
		}
		if (a)
			json_array_append_new(a, json_pack("{s:i,s:i,s:b,s:i,s:s,s:o,s:o}",
				"gpu", (int)m->gpu->index, "gi", (int)gi->id, "created", m->new_gi,
				"profile_id", (int)gi->profile_id, "profile", gname,
				"placement", cli_json_placement(gi->placement),
				"compute_instances", cis));
	}
	return a;
}

/* Run the create transaction (lib/create.c) and print what it made, or
 * what went wrong: first any destroy of its rollback that failed. */
static int run_create(struct cli *cli, const struct migctl_create_request *req)
{
	struct migctl_create_result res;
	struct migctl_error err = {0};
	int rc;

	migctl_create_result_init(&res);
	rc = (int)migctl_create(&cli->node, req, &res, &err);
	for (size_t i = 0; i < res.n_undo_errors; i++)
		cli_report(cli, &res.undo_errors[i]);
	if (rc) {
		cli_report(cli, &err);
	} else {
		json_t *a = report(cli, &res);
		if (a)
			rc = cli_print_json(json_pack("{s:o}", "created", a));
	}
	migctl_create_result_release(&res);
	return rc;
}

static bool parse_placement(const char *s, struct migctl_placement *p, bool *has_size)
{
	char *end;
	if (!isdigit((unsigned char)s[0]))
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (v >= MIGCTL_MAX_UNITS)
		return false;
	p->start = (unsigned)v;
	*has_size = false;
	if (*end == ':') {
		if (!isdigit((unsigned char)end[1]))
			return false;
		v = strtoul(end + 1, &end, 10);
		if (v == 0 || v > MIGCTL_MAX_UNITS)
			return false;
		p->size = (unsigned)v;
		*has_size = true;
	}
	return *end == '\0';
}

enum { OPT_PLACEMENT = 1000, OPT_PICK_GPU, OPT_NO_CI, OPT_CI, OPT_GI };

int cmd_create(struct cli *cli, int argc, char **argv)
{
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	const char *ids = NULL, *place_arg = NULL, *ci_arg = NULL, *gi_arg = NULL;
	bool no_ci = false, has_size = false, pick_gpu = false;
	struct migctl_placement place = {0, 0};
	unsigned gi_ids[MAX_ITEMS];
	size_t n_gi_ids = 0, n;
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_create, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		switch (opt) {
		case 'i': ids = p.arg; break;
		case OPT_PLACEMENT: place_arg = p.arg; break;
		case OPT_PICK_GPU: pick_gpu = true; break;
		case OPT_NO_CI: no_ci = true; break;
		case OPT_CI: ci_arg = p.arg; break;
		case OPT_GI: gi_arg = p.arg; break;
		}
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	const char *profiles = p.ind < argc ? argv[p.ind++] : NULL;
	if (p.ind != argc)
		return cli_usage_error(cli, "create",
				       "unexpected argument '%s' (separate profiles with commas: 9,3g.40gb)",
				       argv[p.ind]);
	if (gi_arg) {
		if (profiles)
			return cli_usage_error(cli, "create", "give either PROFILES (new GPU instances) or --gi (existing ones), not both");
		if (place_arg || no_ci)
			return cli_usage_error(cli, "create", "--placement and --no-ci apply to new GPU instances, not to --gi");
		int rc = parse_ids(cli, "--gi", gi_arg, gi_ids, &n_gi_ids);
		if (rc)
			return rc;
	} else if (!profiles) {
		return cli_usage_error(cli, "create", "missing PROFILE (e.g. 3g.40gb; 'migctl profiles' lists them)");
	}
	if (no_ci && ci_arg)
		return cli_usage_error(cli, "create", "--no-ci and --ci exclude each other");
	if (place_arg && !parse_placement(place_arg, &place, &has_size))
		return cli_usage_error(cli, "create", "--placement: bad value \"%s\"; write a start unit such as 4 (or 4:4)",
				       place_arg);
	if (place_arg && strchr(profiles, ','))
		return cli_usage_error(cli, "create", "--placement needs exactly one PROFILE");
	if (pick_gpu && (place_arg || gi_arg || strchr(profiles, ',')))
		return cli_usage_error(cli, "create", "--pick-gpu takes one PROFILE and no --placement or --gi");
	if (cli_select_gpus(cli, ids, gpus, &n, &err) || cli_lock(cli, &err))
		return cli_report(cli, &err);
	if (!ids) {
		size_t k = cli_keep_mig_enabled(gpus, n);
		n = k ? k : n;
	}
	if (pick_gpu) {
		/* One instance on one GPU, both chosen by migctl's online policy
		 * (lib/online.c): used GPUs first, then the placement that keeps
		 * the most room for large profiles. */
		size_t k = cli_keep_mig_enabled(gpus, n), chosen;
		if (k == 0) {
			migctl_fail(&err, MIGCTL_ERR_NOT_SUPPORTED,
				    "none of the selected GPUs has MIG mode enabled; enable it with 'migctl%s mode enable'",
				    cli_sim_flag(cli));
			return cli_report(cli, &err);
		}
		if (migctl_online_place_on_gpus(gpus, k, profiles, MIGCTL_ONLINE_MIGCTL, &chosen,
						&place, &err))
			return cli_report(cli, &err);
		gpus[0] = gpus[chosen];
		n = 1;
		place_arg = "policy";
	}

	char command[700];
	snprintf(command, sizeof(command), "migctl%s", cli_sim_flag(cli));
	if (place_arg && !has_size)
		place.size = 0; /* the profile's own size on each GPU */
	struct migctl_create_request req = {
		.gpus = gpus, .n_gpus = n, .profiles = gi_arg ? NULL : profiles,
		.gi_ids = gi_arg ? gi_ids : NULL, .n_gi_ids = n_gi_ids,
		.ci_profiles = no_ci ? NULL : ci_arg, .no_ci = no_ci,
		.placement = place_arg ? &place : NULL, .command = command,
	};
	return run_create(cli, &req);
}

static const struct cli_opt create_opts[] = {
	{"id", 'i', 0, "GPUS",
	 "GPUs to create on: indices, UUIDs or PCI bus IDs,\n"
	 "comma-separated; MIG mode must be enabled on each\n"
	 "(default: every GPU with MIG mode enabled)", CLI_V_GPU, NULL, false},
	{"placement", 0, OPT_PLACEMENT, "START",
	 "place the GI at this start unit (START or\n"
	 "START:SIZE, one of the placements 'migctl profiles'\n"
	 "lists); only with one PROFILE. Default: the\n"
	 "driver's choice", CLI_V_NONE, NULL, false},
	{"pick-gpu", 0, OPT_PICK_GPU, NULL,
	 "create one PROFILE on one GPU, GPU and placement\n"
	 "chosen by migctl's online policy among the selected\n"
	 "GPUs with MIG enabled: GPUs already in use first,\n"
	 "then the placement that keeps the most room for\n"
	 "large profiles (keeps empty GPUs empty)", CLI_V_NONE, NULL, false},
	{"no-ci", 0, OPT_NO_CI, NULL, "create only the GIs, no compute instances", CLI_V_NONE, NULL, false},
	{"ci", 0, OPT_CI, "CI-PROFILES",
	 "create these CIs in each GI instead of the default\n"
	 "one, e.g. --ci 2c.3g.40gb,1c.3g.40gb (in this\n"
	 "order: each goes to the lowest free start)", CLI_V_CI_PROFILE, NULL, false},
	{"gi", 0, OPT_GI, "IDS",
	 "create CIs in these existing GIs (default CI profile\n"
	 "unless --ci is given)", CLI_V_NONE, NULL, false},
	{0},
};

static const char *const create_forms[] = {
	"PROFILE[,PROFILE...] [-i GPUS] [--placement START]\n"
	"                     [--pick-gpu] [--no-ci | --ci CI-PROFILE[,CI-PROFILE...]] [-o text|json]",
	"--gi ID[,ID...] [--ci CI-PROFILE[,CI-PROFILE...]] [-i GPUS]",
	NULL,
};

const struct cli_command cli_cmd_create = {
	.name = "create",
	.summary = "create GPU instances (and their compute instances)",
	.forms = create_forms,
	.description =
		"The first form creates GPU instances (GIs), one per PROFILE in the order\n"
		"given, each with its default compute instance (CI), which spans the whole\n"
		"GI: what 'nvidia-smi mig -cgi PROFILES -C' does. The second form creates\n"
		"CIs in GPU instances that exist: 'nvidia-smi mig -cci PROFILES -gi IDS'.\n"
		"A profile is an ID (9), a name (3g.40gb) or an NVML name (\"MIG 3g.40gb\");\n"
		"'migctl profiles' lists the GI profiles, 'migctl profiles --gi ID' the CI\n"
		"profiles of a GI. Each new instance is printed with its ID, profile and\n"
		"placement, and each MIG device (CI) with its index and UUID.\n"
		"\n"
		"All or nothing: if one instance cannot be created (no room left, a bad\n"
		"placement), the instances this command already created are destroyed\n"
		"again and the GPUs are as before.\n",
	.formats = "text json",
	.opts = create_opts,
	.epilogue =
		"Exit status: 0; 2 bad command line; 8 unknown profile; 9 invalid placement; 10 insufficient\n"
		"resources; 13 unknown GPU or GI; 16 no permission; 17 MIG mode disabled.\n",
	.operand_values = CLI_V_PROFILE,
	.run = cmd_create,
};
