/* migctl create — GPU instances and their compute instances. */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migctl/online.h"

static const char create_usage[] =
	"Usage: migctl create PROFILE[,PROFILE...] [-i GPUS] [--placement START]\n"
	"                     [--no-ci | --ci CI-PROFILE[,CI-PROFILE...]] [-o text|json]\n"
	"       migctl create --gi ID[,ID...] [--ci CI-PROFILE[,CI-PROFILE...]] [-i GPUS]\n"
	"\n"
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
	"again and the GPUs are as before.\n"
	"\n"
	"Options:\n"
	"  -i, --id GPUS        GPUs to create on: indices, UUIDs or PCI bus IDs,\n"
	"                       comma-separated; MIG mode must be enabled on each\n"
	"                       (default: every GPU with MIG mode enabled)\n"
	"  --placement START    place the GI at this start unit (START or\n"
	"                       START:SIZE, one of the placements 'migctl profiles'\n"
	"                       lists); only with one PROFILE. Default: the\n"
	"                       driver's choice\n"
	"  --pick-gpu           create one PROFILE on one GPU, GPU and placement\n"
	"                       chosen by migctl's online policy among the selected\n"
	"                       GPUs with MIG enabled: GPUs already in use first,\n"
	"                       then the placement that keeps the most room for\n"
	"                       large profiles (keeps empty GPUs empty)\n"
	"  --no-ci              create only the GIs, no compute instances\n"
	"  --ci CI-PROFILES     create these CIs in each GI instead of the default\n"
	"                       one, e.g. --ci 2c.3g.40gb,1c.3g.40gb (in this\n"
	"                       order: each goes to the lowest free start)\n"
	"  --gi IDS             create CIs in these existing GIs (default CI profile\n"
	"                       unless --ci is given)\n"
	"  -o, --output FMT     text (default) or json\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0; 2 bad command line; 8 unknown profile; 9 invalid placement; 10 insufficient\n"
	"resources; 13 unknown GPU or GI; 16 no permission; 17 MIG mode disabled.\n"
	"\n"
	"Global options (before the command): --sim[=DIR] uses the simulator.\n";

#define MAX_ITEMS 64

/* One GI this command touches: created here (`new_gi`) or existing. */
struct made {
	struct migctl_gpu_state *gpu;
	unsigned gi;
	bool new_gi;
	unsigned cis[MIGCTL_NODE_MAX_CIS];
	size_t n_cis;
};

struct create_run {
	struct cli *cli;
	struct made made[MIGCTL_NODE_MAX_GPUS * MAX_ITEMS];
	size_t n_made;
};

/* "1,2" into IDs. */
static int parse_ids(struct cli *cli, const char *opt, const char *list, unsigned *ids,
		     size_t *n)
{
	const char *p = list;
	char item[32];
	int r;

	*n = 0;
	while ((r = cli_next_item(&p, item, sizeof(item))) != 0) {
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

/* CI profile IDs for a GI profile from --ci (NULL: the default one). */
static enum migctl_err ci_profiles(const struct migctl_gi_profile *gp, const char *list,
				   unsigned *ids, size_t *n, struct migctl_error *err)
{
	const char *p = list;
	char item[MIGCTL_NAME_MAX + 8];
	int r;

	*n = 0;
	if (!list) {
		const struct migctl_ci_profile *c = migctl_gi_profile_default_ci(gp);
		if (!c)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "GI profile %s has no default compute-instance profile; name one with --ci",
					   gp->name);
		ids[(*n)++] = c->id;
		return MIGCTL_ERR_OK;
	}
	while ((r = cli_next_item(&p, item, sizeof(item))) != 0) {
		if (r < 0)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "--ci: empty or overlong item in \"%s\"; separate profiles with single commas",
					   list);
		const struct migctl_ci_profile *c = migctl_gi_profile_find_ci_profile(gp, item, err);
		if (!c)
			return MIGCTL_ERR_UNKNOWN_PROFILE;
		if (*n == MIGCTL_NODE_MAX_CIS)
			return migctl_fail(err, MIGCTL_ERR_INSUFFICIENT_RESOURCES,
					   "--ci: more than %d compute instances per GPU instance",
					   MIGCTL_NODE_MAX_CIS);
		ids[(*n)++] = c->id;
	}
	return MIGCTL_ERR_OK;
}

/* Undo everything this command made, newest first. */
static void rollback(struct create_run *r)
{
	struct migctl_error err = {0};

	for (size_t i = r->n_made; i-- > 0;) {
		struct made *m = &r->made[i];
		for (size_t c = m->n_cis; c-- > 0;)
			if (migctl_node_destroy_ci(&r->cli->node, m->gpu, m->gi, m->cis[c], &err)) {
				cli_prefix_gpu(&err, m->gpu->index);
				cli_report(r->cli, &err);
			}
		if (m->new_gi && migctl_node_destroy_gi(&r->cli->node, m->gpu, m->gi, &err)) {
			cli_prefix_gpu(&err, m->gpu->index);
			cli_report(r->cli, &err);
		}
	}
}

static int fail(struct create_run *r, struct migctl_error *err, unsigned gpu)
{
	size_t gis = 0, cis = 0;
	for (size_t i = 0; i < r->n_made; i++) {
		gis += r->made[i].new_gi;
		cis += r->made[i].n_cis;
	}
	cli_prefix_gpu(err, gpu);
	if (gis + cis) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len,
			 "; what this command created before (%zu GPU and %zu compute instances) was destroyed again",
			 gis, cis);
	}
	rollback(r);
	return cli_report(r->cli, err);
}

static int create_cis(struct create_run *r, struct made *m, const unsigned *ids, size_t n)
{
	struct migctl_error err = {0};
	for (size_t i = 0; i < n; i++) {
		unsigned ci;
		if (migctl_node_create_ci(&r->cli->node, m->gpu, m->gi, ids[i], NULL, &ci, &err))
			return fail(r, &err, m->gpu->index);
		m->cis[m->n_cis++] = ci;
	}
	return 0;
}

/* Print (or add to JSON) what was made. */
static json_t *report(struct create_run *r)
{
	json_t *a = r->cli->output == CLI_JSON ? json_array() : NULL;

	for (size_t i = 0; i < r->n_made; i++) {
		struct made *m = &r->made[i];
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

int cmd_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{"id", required_argument, NULL, 'i'},
		{"placement", required_argument, NULL, 'p'},
		{"pick-gpu", no_argument, NULL, 'P'},
		{"no-ci", no_argument, NULL, 'N'},
		{"ci", required_argument, NULL, 'c'},
		{"gi", required_argument, NULL, 'g'},
		{0, 0, 0, 0},
	};
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	const char *ids = NULL, *place_arg = NULL, *ci_arg = NULL, *gi_arg = NULL;
	bool no_ci = false, has_size = false, pick_gpu = false;
	struct migctl_placement place = {0, 0};
	unsigned gi_ids[MAX_ITEMS];
	size_t n_gi_ids = 0, n;
	int opt;

	optind = 0; /* 0: glibc re-initialises its scan state */
	while ((opt = getopt_long(argc, argv, "o:hi:", opts, NULL)) != -1) {
		int r = cli_option(cli, "create", create_usage, opt, optarg);
		if (r == CLI_OPT_NEXT)
			continue;
		if (r != CLI_OPT_MINE)
			return r;
		switch (opt) {
		case 'i': ids = optarg; break;
		case 'p': place_arg = optarg; break;
		case 'P': pick_gpu = true; break;
		case 'N': no_ci = true; break;
		case 'c': ci_arg = optarg; break;
		case 'g': gi_arg = optarg; break;
		default:
			return cli_usage_error(cli, "create", "unknown option");
		}
	}
	const char *profiles = optind < argc ? argv[optind++] : NULL;
	if (optind != argc)
		return cli_usage_error(cli, "create",
				       "unexpected argument '%s' (separate profiles with commas: 9,3g.40gb)",
				       argv[optind]);
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
	if (cli_select_gpus(cli, ids, gpus, &n, &err))
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

	/* Check everything before changing anything. */
	size_t prof[MIGCTL_NODE_MAX_GPUS][MAX_ITEMS], n_prof[MIGCTL_NODE_MAX_GPUS];
	for (size_t i = 0; i < n; i++) {
		struct migctl_gpu_state *gpu = gpus[i];
		n_prof[i] = 0;
		if (!gpu->mig_current || gpu->model.n_gi == 0) {
			if (!gpu->mig_capable)
				migctl_fail(&err, MIGCTL_ERR_NOT_SUPPORTED,
					    "GPU %u (%s) does not support MIG; choose MIG GPUs with -i",
					    gpu->index, gpu->name);
			else if (gpu->mig_pending)
				migctl_fail(&err, MIGCTL_ERR_NOT_SUPPORTED,
					    "GPU %u (%s): MIG mode is disabled and enabling it is pending a reset; run 'migctl%s mode enable -i %u --reset'",
					    gpu->index, gpu->name, cli_sim_flag(cli), gpu->index);
			else
				migctl_fail(&err, MIGCTL_ERR_NOT_SUPPORTED,
					    "GPU %u (%s): MIG mode is disabled; enable it with 'migctl%s mode enable -i %u' (or choose other GPUs with -i)",
					    gpu->index, gpu->name, cli_sim_flag(cli), gpu->index);
			return cli_report(cli, &err);
		}
		if (gi_arg) {
			for (size_t g = 0; g < n_gi_ids; g++) {
				struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, gi_ids[g]);
				unsigned cp[MIGCTL_NODE_MAX_CIS];
				size_t ncp;
				if (!gi) {
					char list[200] = "";
					size_t used = 0;
					for (size_t k = 0; k < gpu->n_gis && used < sizeof(list); k++)
						used += (size_t)snprintf(list + used, sizeof(list) - used,
									 "%s%u", k ? ", " : "", gpu->gis[k].id);
					migctl_fail(&err, MIGCTL_ERR_NOT_FOUND,
						    "GPU %u has no GPU instance %u; its GPU instances: %s",
						    gpu->index, gi_ids[g], gpu->n_gis ? list : "none");
					return cli_report(cli, &err);
				}
				if (!gi->profile) {
					migctl_fail(&err, MIGCTL_ERR_UNKNOWN_PROFILE,
						    "GPU %u: GPU instance %u has profile %u, which the driver does not describe",
						    gpu->index, gi->id, gi->profile_id);
					return cli_report(cli, &err);
				}
				if (ci_profiles(gi->profile, ci_arg, cp, &ncp, &err)) {
					cli_prefix_gpu(&err, gpu->index);
					return cli_report(cli, &err);
				}
			}
			continue;
		}
		if (migctl_model_parse_gi_profile_list(&gpu->model, profiles, prof[i], MAX_ITEMS,
						       &n_prof[i], &err)) {
			cli_prefix_gpu(&err, gpu->index);
			return cli_report(cli, &err);
		}
		if (place_arg && n_prof[i] != 1)
			return cli_usage_error(cli, "create", "--placement needs exactly one PROFILE");
		for (size_t k = 0; k < n_prof[i]; k++) {
			const struct migctl_gi_profile *gp = &gpu->model.gi[prof[i][k]];
			unsigned cp[MIGCTL_NODE_MAX_CIS];
			size_t ncp;
			if (!no_ci && ci_profiles(gp, ci_arg, cp, &ncp, &err)) {
				cli_prefix_gpu(&err, gpu->index);
				return cli_report(cli, &err);
			}
			if (place_arg) {
				char set[256];
				if (!has_size)
					place.size = gp->placements.size;
				if (migctl_placement_set_has(&gp->placements, place))
					continue;
				migctl_placement_set_format(&gp->placements, set, sizeof(set));
				migctl_fail(&err, MIGCTL_ERR_INVALID_PLACEMENT,
					    "GPU %u: placement %u:%u is not one of MIG %s's placements %s (start:size); choose one of those starts",
					    gpu->index, place.start, place.size, gp->name, set);
				return cli_report(cli, &err);
			}
		}
	}

	/* Create. IDs, not pointers, survive the refreshes the operations do. */
	struct create_run *r = calloc(1, sizeof(*r));
	if (!r) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	r->cli = cli;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct migctl_gpu_state *gpu = gpus[i];
		if (gi_arg) {
			for (size_t g = 0; g < n_gi_ids && !rc; g++) {
				struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, gi_ids[g]);
				unsigned cp[MIGCTL_NODE_MAX_CIS];
				size_t ncp = 0;
				if (gi && gi->profile)
					ci_profiles(gi->profile, ci_arg, cp, &ncp, &err);
				struct made *m = &r->made[r->n_made++];
				*m = (struct made){.gpu = gpu, .gi = gi_ids[g]};
				rc = create_cis(r, m, cp, ncp);
			}
			continue;
		}
		unsigned ids_by_k[MAX_ITEMS];
		for (size_t k = 0; k < n_prof[i]; k++)
			ids_by_k[k] = gpu->model.gi[prof[i][k]].id;
		for (size_t k = 0; k < n_prof[i] && !rc; k++) {
			unsigned gi_id;
			if (migctl_node_create_gi(&cli->node, gpu, ids_by_k[k], place_arg ? &place : NULL,
						  &gi_id, &err)) {
				rc = fail(r, &err, gpu->index);
				break;
			}
			struct made *m = &r->made[r->n_made++];
			*m = (struct made){.gpu = gpu, .gi = gi_id, .new_gi = true};
			if (no_ci)
				continue;
			struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, gi_id);
			const struct migctl_gi_profile *gp =
				gi && gi->profile ? gi->profile : migctl_model_gi_profile_by_id(&gpu->model, ids_by_k[k]);
			unsigned cp[MIGCTL_NODE_MAX_CIS];
			size_t ncp = 0;
			if (!gp || ci_profiles(gp, ci_arg, cp, &ncp, &err)) {
				if (!gp)
					migctl_fail(&err, MIGCTL_ERR_INTERNAL,
						    "GPU instance %u: its profile is unknown", gi_id);
				rc = fail(r, &err, gpu->index);
				break;
			}
			rc = create_cis(r, m, cp, ncp);
		}
	}
	if (!rc) {
		json_t *a = report(r);
		if (a)
			rc = cli_print_json(json_pack("{s:o}", "created", a));
	}
	free(r);
	return rc;
}
