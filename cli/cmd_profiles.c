/* migctl profiles — GPU-instance profiles of the GPUs (Free/Total,
 * placements, free placements) and compute-instance profiles of a GI. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "0,4" or "-": the free starts of a set of placements. */
static void format_starts(const struct migctl_placement *p, size_t n, char *buf, size_t len)
{
	size_t used = 0;
	snprintf(buf, len, "-");
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : "", p[i].start);
}

static json_t *json_starts(const struct migctl_placement *p, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(p[i].start));
	return a;
}

/* The GI profile table. `free` NULL: an empty GPU (the catalog hint);
 * `slots` are the GIs that exist. */
static void print_gi_table(const struct migctl_gpu_model *m, const unsigned *free,
			   const struct migctl_slot *slots, size_t n_slots)
{
	struct migctl_grid grid;
	int nw = 4, pw = 10;

	migctl_grid_of_model(&grid, m);
	for (size_t i = 0; i < m->n_gi; i++) {
		char set[256];
		if ((int)strlen(m->gi[i].name) + 4 > nw)
			nw = (int)strlen(m->gi[i].name) + 4;
		migctl_placement_set_format(&m->gi[i].placements, set, sizeof(set));
		if ((int)strlen(set) > pw)
			pw = (int)strlen(set);
	}
	printf("    %3s  %-*s  %10s  %10s  %3s  %2s  %3s  %3s  %3s  %3s  %-*s  %s\n", "ID", nw,
	       "NAME", "FREE/TOTAL", "MEMORY", "SM", "CE", "DEC", "ENC", "JPG", "OFA", pw,
	       "PLACEMENTS", "FREE STARTS");
	for (size_t i = 0; i < m->n_gi; i++) {
		const struct migctl_gi_profile *p = &m->gi[i];
		struct migctl_placement fp[MIGCTL_MAX_UNITS];
		char name[MIGCTL_NAME_MAX + 8], set[256], starts[128], ft[24], mem[24];
		size_t nf = migctl_grid_free_placements(&grid, slots, n_slots, i, fp, MIGCTL_MAX_UNITS);
		unsigned f = free ? free[i] : migctl_grid_remaining_capacity(&grid, NULL, 0, i);

		snprintf(name, sizeof(name), "MIG %s", p->name);
		migctl_placement_set_format(&p->placements, set, sizeof(set));
		format_starts(fp, f ? nf : 0, starts, sizeof(starts));
		snprintf(ft, sizeof(ft), "%u/%u", f, p->max);
		snprintf(mem, sizeof(mem), "%.2fGiB", (double)p->memory_mib / 1024.0);
		printf("    %3u  %-*s  %10s  %10s  %3u  %2u  %3u  %3u  %3u  %3u  %-*s  %s\n", p->id,
		       nw, name, ft, mem, p->sm, p->ce, p->dec, p->enc, p->jpg, p->ofa, pw, set,
		       starts);
	}
}

static json_t *json_gi_profiles(const struct migctl_gpu_model *m, const unsigned *free,
				const struct migctl_slot *slots, size_t n_slots)
{
	struct migctl_grid grid;
	json_t *a = json_array();

	migctl_grid_of_model(&grid, m);
	for (size_t i = 0; i < m->n_gi; i++) {
		const struct migctl_gi_profile *p = &m->gi[i];
		struct migctl_placement fp[MIGCTL_MAX_UNITS];
		size_t nf = migctl_grid_free_placements(&grid, slots, n_slots, i, fp, MIGCTL_MAX_UNITS);
		unsigned f = free ? free[i] : migctl_grid_remaining_capacity(&grid, NULL, 0, i);
		json_array_append_new(a, json_pack(
			"{s:i,s:s,s:i,s:i,s:I,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:o,s:o}",
			"id", (int)p->id, "name", p->name, "free", (int)f, "total", (int)p->max,
			"memory_mib", (json_int_t)p->memory_mib,
			"compute_slices", (int)p->compute_slices, "sm", (int)p->sm,
			"ce", (int)p->ce, "dec", (int)p->dec, "enc", (int)p->enc,
			"jpg", (int)p->jpg, "ofa", (int)p->ofa,
			"placements", cli_json_placements(&p->placements),
			"free_starts", json_starts(fp, f ? nf : 0)));
	}
	return a;
}

/* The CI profiles of one GI. */
static void ci_view(const struct migctl_gi_state *gi, json_t *out)
{
	const struct migctl_gi_profile *gp = gi->profile;
	struct migctl_slot slots[MIGCTL_NODE_MAX_CIS];
	struct migctl_grid grid;
	size_t n_slots = 0;
	int nw = 4, pw = 10;
	json_t *a = out ? json_array() : NULL;

	migctl_grid_of_gi(&grid, gp);
	for (size_t c = 0; c < gi->n_cis; c++) {
		int idx = migctl_grid_profile_index(&grid, gi->cis[c].profile_id);
		if (idx < 0)
			continue;
		slots[n_slots].profile = (size_t)idx;
		slots[n_slots].placement = gi->cis[c].placement;
		n_slots++;
	}
	for (size_t i = 0; i < gp->n_ci; i++) {
		char set[256];
		if ((int)strlen(gp->ci[i].name) + 4 > nw)
			nw = (int)strlen(gp->ci[i].name) + 4;
		migctl_placement_set_format(&gp->ci[i].placements, set, sizeof(set));
		if ((int)strlen(set) > pw)
			pw = (int)strlen(set);
	}
	if (!out)
		printf("    %3s  %-*s  %10s  %3s  %6s  %-*s  %s\n", "ID", nw, "NAME", "FREE/TOTAL",
		       "SM", "SLICES", pw, "PLACEMENTS", "FREE STARTS");
	for (size_t i = 0; i < gp->n_ci; i++) {
		const struct migctl_ci_profile *p = &gp->ci[i];
		struct migctl_placement fp[MIGCTL_MAX_UNITS];
		size_t nf = migctl_grid_free_placements(&grid, slots, n_slots, i, fp, MIGCTL_MAX_UNITS);
		unsigned f = gi->ci_free[i];

		if (out) {
			json_array_append_new(a, json_pack("{s:i,s:s,s:i,s:i,s:i,s:i,s:b,s:o,s:o}",
				"id", (int)p->id, "name", p->name, "free", (int)f,
				"total", (int)p->max, "sm", (int)p->sm, "slices", (int)p->slices,
				"default", p->is_default,
				"placements", cli_json_placements(&p->placements),
				"free_starts", json_starts(fp, f ? nf : 0)));
			continue;
		}
		char name[MIGCTL_NAME_MAX + 8], id[16], set[256], starts[128], ft[24];
		snprintf(name, sizeof(name), "MIG %s", p->name);
		snprintf(id, sizeof(id), "%u%s", p->id, p->is_default ? "*" : " ");
		snprintf(ft, sizeof(ft), "%u/%u", f, p->max);
		migctl_placement_set_format(&p->placements, set, sizeof(set));
		format_starts(fp, f ? nf : 0, starts, sizeof(starts));
		printf("   %4s  %-*s  %10s  %3u  %6u  %-*s  %s\n", id, nw, name, ft, p->sm,
		       p->slices, pw, set, starts);
	}
	if (out)
		json_object_set_new(out, "compute_instance_profiles", a);
}

/* MIG is off (or unsupported): the error, and the catalog's profiles as a
 * hint. */
static void mig_off(struct cli *cli, const struct migctl_gpu_state *gpu, json_t *o,
		    struct migctl_error *err)
{
	const struct migctl_gpu_model *hint = gpu->model.n_gi ? &gpu->model : gpu->catalog_model;

	if (!gpu->mig_capable && !gpu->catalog_model)
		migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
			    "GPU %u (%s) does not support MIG", gpu->index, gpu->name);
	else if (gpu->mig_pending)
		migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
			    "GPU %u (%s): MIG mode is disabled; enabling it is pending a GPU reset: run 'migctl%s mode enable -i %u --reset'",
			    gpu->index, gpu->name, cli_sim_flag(cli), gpu->index);
	else
		migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
			    "GPU %u (%s): MIG mode is disabled, so it has no GPU-instance profiles; enable it with 'migctl%s mode enable -i %u'",
			    gpu->index, gpu->name, cli_sim_flag(cli), gpu->index);
	if (o) {
		json_object_set_new(o, "error", cli_json_error(err));
		if (hint) {
			json_object_set_new(o, "catalog_model", json_string(hint->name));
			json_object_set_new(o, "catalog_profiles", json_gi_profiles(hint, NULL, NULL, 0));
		}
		return;
	}
	if (!hint) {
		printf("  MIG mode is disabled.\n");
		return;
	}
	printf("  MIG mode is disabled. Profiles of %s once it is enabled (catalog, empty GPU):\n",
	       hint->name);
	print_gi_table(hint, NULL, NULL, 0);
}

enum { OPT_GI = 1000 };

/* One run of 'migctl profiles': what every GPU's part needs. */
struct prof_run {
	struct cli *cli;
	bool gi_given;             /* --gi */
	unsigned gi_id;
	bool note_off;             /* GPUs with MIG off get a one-line note */
	int printed;               /* GPU sections printed so far */
	int rc;                    /* first error code */
};

static void prof_fail(struct prof_run *r, json_t *o, const struct migctl_error *err)
{
	if (o)
		json_object_set_new(o, "error", cli_json_error(err));
	cli_report(r->cli, err);
	if (!r->rc)
		r->rc = (int)err->code;
}

static void gpu_heading(struct prof_run *r, const struct migctl_gpu_state *gpu)
{
	printf("%sGPU %u: %s\n", r->printed++ ? "\n" : "", gpu->index, gpu->name);
}

/* --gi ID on one GPU: the CI profiles of that GPU instance. */
static void prof_gi(struct prof_run *r, struct migctl_gpu_state *gpu, json_t *o)
{
	struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, r->gi_id);
	struct migctl_error err = {0};

	if (!gi || !gi->profile) {
		char list[200] = "";
		size_t used = 0;
		for (size_t g = 0; g < gpu->n_gis && used < sizeof(list); g++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u",
						 g ? ", " : "", gpu->gis[g].id);
		if (!gi)
			migctl_fail(&err, MIGCTL_ERR_NOT_FOUND,
				    "GPU %u has no GPU instance %u; its GPU instances: %s",
				    gpu->index, r->gi_id, gpu->n_gis ? list : "none ('migctl create' makes some)");
		else
			migctl_fail(&err, MIGCTL_ERR_UNKNOWN_PROFILE,
				    "GPU %u: GPU instance %u has GI profile %u, which the driver does not describe",
				    gpu->index, r->gi_id, gi->profile_id);
		prof_fail(r, o, &err);
		return;
	}
	if (o) {
		json_t *g = json_pack("{s:i,s:i,s:s,s:o}", "id", (int)gi->id,
				      "profile_id", (int)gi->profile_id,
				      "profile", gi->profile->name,
				      "placement", cli_json_placement(gi->placement));
		ci_view(gi, g);
		json_object_set_new(o, "gpu_instance", g);
	} else {
		gpu_heading(r, gpu);
		printf("  Compute-instance profiles of GPU instance %u (MIG %s, placement %u:%u):\n",
		       gi->id, gi->profile->name, gi->placement.start, gi->placement.size);
		ci_view(gi, NULL);
	}
}

/* One GPU: a note or an error when MIG is off, else its GI profiles (or,
 * with --gi, a GI's CI profiles). */
static void prof_gpu(struct prof_run *r, struct migctl_gpu_state *gpu, json_t *o)
{
	struct migctl_error err = {0};

	if ((!gpu->mig_current || gpu->model.n_gi == 0) && r->note_off) {
		if (!o)
			printf("%sGPU %u: %s\n  MIG mode is %s; 'migctl%s profiles -i %u' shows its profiles\n",
			       r->printed++ ? "\n" : "", gpu->index, gpu->name,
			       gpu->mig_capable ? "disabled" : "not supported", cli_sim_flag(r->cli),
			       gpu->index);
		return;
	}
	if (!gpu->mig_current || gpu->model.n_gi == 0) {
		if (!o)
			gpu_heading(r, gpu);
		mig_off(r->cli, gpu, o, &err);
		cli_report(r->cli, &err);
		if (!r->rc)
			r->rc = (int)err.code;
		return;
	}
	if (r->gi_given) {
		prof_gi(r, gpu, o);
		return;
	}
	struct migctl_grid grid;
	struct migctl_slot slots[MIGCTL_NODE_MAX_GIS];
	migctl_grid_of_model(&grid, &gpu->model);
	size_t ns = migctl_gpu_gi_slots(&grid, gpu, slots);
	if (o) {
		json_object_set_new(o, "gpu_instance_profiles",
				    json_gi_profiles(&gpu->model, gpu->gi_free, slots, ns));
	} else {
		gpu_heading(r, gpu);
		printf("  GPU-instance profiles:\n");
		print_gi_table(&gpu->model, gpu->gi_free, slots, ns);
	}
}

int cmd_profiles(struct cli *cli, int argc, char **argv)
{
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	struct prof_run r = {.cli = cli};
	const char *ids = NULL, *gi_arg = NULL;
	struct cli_parse p;
	size_t n;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_profiles, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == 'i')
			ids = p.arg;
		else if (opt == OPT_GI)
			gi_arg = p.arg;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind != argc)
		return cli_usage_error(cli, "profiles", "unexpected argument '%s'", argv[p.ind]);
	if (gi_arg) {
		char *end;
		unsigned long v = strtoul(gi_arg, &end, 10);
		if (!*gi_arg || *end || v >= 1000 || gi_arg[0] == '-')
			return cli_usage_error(cli, "profiles", "--gi: bad GPU instance ID '%s' (a number, as 'migctl status' shows)", gi_arg);
		r.gi_given = true;
		r.gi_id = (unsigned)v;
	}
	if (cli_select_gpus(cli, ids, gpus, &n, &err))
		return cli_report(cli, &err);

	/* Without -i, GPUs with MIG disabled are only noted when others have
	 * it enabled (nvidia-smi mig skips them). */
	for (size_t i = 0; i < n && !ids; i++)
		r.note_off |= gpus[i]->mig_current && gpus[i]->model.n_gi > 0;

	json_t *arr = cli->output == CLI_JSON ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		struct migctl_gpu_state *gpu = gpus[i];
		json_t *o = NULL;

		if (arr) {
			o = json_pack("{s:i,s:s,s:s,s:b}", "index", (int)gpu->index, "name", gpu->name,
				      "uuid", gpu->uuid, "mig_enabled", gpu->mig_current);
			json_array_append_new(arr, o);
		}
		prof_gpu(&r, gpu, o);
	}
	if (arr) {
		int rc = cli_print_json(json_pack("{s:o}", "gpus", arr));
		if (rc && !r.rc)
			r.rc = rc;
	}
	return r.rc;
}

static const struct cli_opt profiles_opts[] = {
	CLI_OPT_GPUS("comma-separated (default: every GPU; those with MIG\n"
		     "mode disabled get a one-line note, unless no GPU has\n"
		     "it enabled)"),
	{"gi", 0, OPT_GI, "ID", "CI profiles of GPU instance ID (on each selected GPU)", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_profiles = {
	.name = "profiles",
	.summary = "show GPU- and compute-instance profiles of the GPUs",
	.description =
		"Show the GPU-instance (GI) profiles of each GPU as the driver reports them:\n"
		"ID, name, instances Free/Total (what 'nvidia-smi mig -lgip' shows), memory,\n"
		"SMs, engines (CE, DEC, ENC, JPG, OFA), the placements the profile may take\n"
		"(start units, as 'nvidia-smi mig -lgipp' writes them: {0,4}:4) and the\n"
		"starts that are free now. MIG mode must be enabled.\n"
		"\n"
		"With --gi ID, show the compute-instance (CI) profiles of GPU instance ID\n"
		"instead: ID, name, Free/Total in that GI (what 'nvidia-smi mig -lcip -gi\n"
		"ID' shows), SMs, compute slices, placements and free starts; '*' marks the\n"
		"default profile, the one 'migctl create' uses.\n",
	.formats = "text json",
	.opts = profiles_opts,
	.epilogue =
		"Exit status: 0; 17 when MIG mode is disabled on a GPU given with -i, or on\n"
		"every GPU (the catalog's profiles for its model are shown as a hint); 13\n"
		"for an unknown GPU or GPU instance.\n",
	.run = cmd_profiles,
};
