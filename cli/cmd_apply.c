/* migctl apply / assert / restore / recover / export / checkpoint —
 * declarative MIG layouts in nvidia-mig-parted's config format, applied
 * with the fewest destroyed instances, a journal and rollback. The logic
 * is in lib/apply.c, lib/transition.c and lib/config.c; this file reads
 * flags, runs hooks and prints. cli/parted.c reuses the cli_* entry
 * points for the nvidia-mig-parted personality. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char apply_usage[] =
	"Usage: migctl apply -f FILE [-c LABEL] [-k HOOKS] [--dry-run] [--force]\n"
	"                    [-s|--skip-reset] [-m|--mode-only] [--unmatched leave|disable]\n"
	"                    [--journal FILE] [-o text|json]\n"
	"\n"
	"Bring the GPUs to the layout that config LABEL of FILE describes (the\n"
	"nvidia-mig-parted 'version: v1' format, docs/config-format.md), changing\n"
	"only what must change:\n"
	"  - every GPU is checked first: an unknown profile, a layout that does not\n"
	"    fit, or a busy instance in the way fails before anything changes;\n"
	"  - GPU and compute instances that can stay are kept; only those in the\n"
	"    way are destroyed (the fewest possible), and new ones are created at\n"
	"    placements chosen exactly;\n"
	"  - MIG mode changes only where it differs, and a GPU is reset only when\n"
	"    its generation needs it (Ampere) and --skip-reset is not given;\n"
	"  - a checkpoint and a journal are written first; a failed GPU is rolled\n"
	"    back to its checkpoint, and an apply cut short by a crash is rolled\n"
	"    back by the next apply or by 'migctl recover'.\n"
	"\n"
	"Options:\n"
	"  -f, --config-file FILE  the config; '-' reads standard input\n"
	"  -c, --selected-config LABEL  the config to apply (needed when FILE\n"
	"                          has more than one)\n"
	"  -k, --hooks-file FILE   mig-parted hooks (apply-start, pre-apply-mode,\n"
	"                          pre-apply-config, apply-exit)\n"
	"  -n, --dry-run           print the plan (what is destroyed and why,\n"
	"                          what is created where); change nothing\n"
	"  --force                 destroy instances that processes use when the\n"
	"                          layout needs their place: the processes get\n"
	"                          SIGTERM, then SIGKILL (default: refuse, exit 14)\n"
	"  -s, --skip-reset        never reset a GPU; a pending mode change exits 18\n"
	"  -m, --mode-only         only set MIG modes\n"
	"  --unmatched POLICY      GPUs no entry of the config matches: 'leave'\n"
	"                          them (default, as mig-parted) or 'disable' MIG\n"
	"                          on them; overrides the file's migctl-unmatched\n"
	"  --journal FILE          the journal (default: in the simulator's state\n"
	"                          directory, or /var/lib/migctl/journal.jsonl;\n"
	"                          $MIGCTL_JOURNAL)\n"
	"  -o, --output FMT        text (default) or json (per-GPU results)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 every GPU at its target; 5 malformed config; 8 unknown\n"
	"profile; 9 invalid placement; 11 layout does not fit; 13 unknown GPU or\n"
	"label; 14 busy instance in the way (nothing changed); 17 MIG requested on\n"
	"a GPU without MIG; 18 reset required; 19 reboot required; 22 a step failed\n"
	"and the GPU was rolled back; 23 a hook failed.\n";

static const char assert_usage[] =
	"Usage: migctl assert -f FILE [-c LABEL] [-m|--mode-only] [-a|--valid-config]\n"
	"                     [--unmatched leave|disable] [-o text|json]\n"
	"\n"
	"Check, without changing anything, that the GPUs hold config LABEL of FILE:\n"
	"the MIG mode of every GPU the config manages and, unless --mode-only, its\n"
	"instances (the count of compute instances per profile; every GPU instance\n"
	"must have a compute instance; pinned placements must hold). GPUs no entry\n"
	"matches are ignored under the 'leave' policy, as apply leaves them.\n"
	"\n"
	"Options:\n"
	"  -f, --config-file FILE  the config; '-' reads standard input\n"
	"  -c, --selected-config LABEL  the config to check\n"
	"  -m, --mode-only         only check MIG modes\n"
	"  -a, --valid-config      only check that FILE parses and LABEL exists\n"
	"  --unmatched POLICY      leave (default) or disable, as for apply\n"
	"  -o, --output FMT        text (default) or json\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 the GPUs match; 21 they do not (the first difference is\n"
	"printed); 5, 8, 13 as for apply.\n";

static const char restore_usage[] =
	"Usage: migctl restore -f FILE [--force] [-s|--skip-reset] [--dry-run]\n"
	"                      [--journal FILE] [-o text|json]\n"
	"\n"
	"Bring the GPUs back to a checkpoint written by 'migctl checkpoint' (or\n"
	"nvidia-mig-parted checkpoint): each GPU named by UUID gets its MIG mode\n"
	"and its GPU instances at the same placements, with the same compute\n"
	"instances. Like apply, it keeps what matches, journals every step and\n"
	"refuses to destroy busy instances without --force.\n"
	"\n"
	"Options:\n"
	"  -f, --checkpoint-file FILE  the checkpoint; '-' reads standard input\n"
	"  --force, -s/--skip-reset, -n/--dry-run, --journal, -o: as for apply\n"
	"  -h, --help              show this help\n";

static const char recover_usage[] =
	"Usage: migctl recover [--journal FILE] [--force] [-o text|json]\n"
	"\n"
	"Finish what an interrupted apply left: if the journal exists, every GPU\n"
	"the apply had not finished is rolled back to the checkpoint the journal\n"
	"holds, and the journal is removed. 'migctl apply' does this by itself\n"
	"before it starts. Without a journal it says so and exits 0.\n"
	"\n"
	"Options:\n"
	"  --journal FILE    the journal (default as for apply)\n"
	"  --force           stop processes on instances the rollback must destroy\n"
	"  -o, --output FMT  text (default) or json\n"
	"  -h, --help        show this help\n";

static const char export_usage[] =
	"Usage: migctl export [-o yaml|json] [-l LABEL] [--no-placements]\n"
	"\n"
	"Print the GPUs' current MIG layout as a config in nvidia-mig-parted's\n"
	"format, under LABEL (default 'current'). GPUs with the same layout share\n"
	"an entry. Each entry also lists its GPU instances' placements under the\n"
	"migctl extension key migctl-placements, so that 'migctl apply' recreates\n"
	"exactly this layout; --no-placements leaves it out (nvidia-mig-parted\n"
	"rejects the key).\n"
	"\n"
	"Options:\n"
	"  -o, --output FMT  yaml (default) or json\n"
	"  -l, --config-label LABEL  the label (default current)\n"
	"  --no-placements   no migctl-placements key\n"
	"  -h, --help        show this help\n";

static const char checkpoint_usage[] =
	"Usage: migctl checkpoint -f FILE\n"
	"\n"
	"Write every MIG-capable GPU's MIG mode, GPU instances (profile and\n"
	"placement) and compute instances (profile and placement) to FILE as\n"
	"JSON, in nvidia-mig-parted's checkpoint format ('-' writes to standard\n"
	"output). 'migctl restore -f FILE' brings them back.\n"
	"\n"
	"Options:\n"
	"  -f, --checkpoint-file FILE  where to write\n"
	"  -h, --help        show this help\n";

/* --- shared pieces ------------------------------------------------------ */

static enum migctl_err read_all(const char *path, char **text, size_t *len,
				struct migctl_error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t cap = 0;

	*text = NULL;
	*len = 0;
	if (!f)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *grown = realloc(*text, cap);
			if (!grown) {
				free(*text);
				*text = NULL;
				if (f != stdin)
					fclose(f);
				return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
			}
			*text = grown;
		}
		size_t n = fread(*text + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
	}
	(*text)[*len] = '\0';
	bool bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(*text);
		*text = NULL;
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot read %s", path);
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_unmatched(const char *s, enum migctl_unmatched *out,
				       struct migctl_error *err)
{
	if (strcmp(s, "leave") == 0)
		*out = MIGCTL_UNMATCHED_LEAVE;
	else if (strcmp(s, "disable") == 0)
		*out = MIGCTL_UNMATCHED_DISABLE;
	else
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "--unmatched '%s': use 'leave' or 'disable'", s);
	return MIGCTL_ERR_OK;
}

/* Parse FILE, select LABEL, resolve it on the node's GPUs. */
static enum migctl_err load_plans(struct cli *cli, const struct apply_req *req,
				  struct migctl_config *cfg, struct migctl_gpu_plan **plans,
				  struct migctl_error *err)
{
	const struct migctl_config_entry *entry;
	struct migctl_config_gpu *gpus = NULL;
	enum migctl_unmatched policy;
	enum migctl_err rc;

	*plans = NULL;
	if ((rc = migctl_config_load_file(cfg, req->config_file, err)))
		return rc;
	if (!(entry = migctl_config_select(cfg, req->label, err)))
		return err->code;
	policy = cfg->unmatched;
	if (req->unmatched && (rc = parse_unmatched(req->unmatched, &policy, err)))
		return rc;
	if (req->valid_only)
		return MIGCTL_ERR_OK;
	if ((rc = cli_node(cli, err)))
		return rc;
	size_t n = cli->node.n_gpus;
	gpus = calloc(n + 1, sizeof(*gpus));
	*plans = calloc(n + 1, sizeof(**plans));
	if (!gpus || !*plans) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	migctl_config_gpus_of_node(&cli->node, gpus);
	rc = migctl_config_resolve(entry, policy, gpus, n, *plans, err);
out:
	free(gpus);
	if (rc) {
		free(*plans);
		*plans = NULL;
	}
	return rc;
}

static const char *reason_text(enum migctl_step_reason r)
{
	switch (r) {
	case MIGCTL_REASON_NOT_WANTED: return "not in the target layout";
	case MIGCTL_REASON_CONFLICT: return "its placement is needed by the target layout";
	case MIGCTL_REASON_REGROUP: return "its compute instances are regrouped";
	case MIGCTL_REASON_NONE: break;
	}
	return "";
}

static void print_step(const struct migctl_gpu_model *m, const struct migctl_step *s, bool dry)
{
	const struct migctl_gi_profile *gp = &m->gi[s->gi_profile];
	const char *verb_d = dry ? "destroy" : "destroyed";
	const char *verb_c = dry ? "create" : "created";

	switch (s->kind) {
	case MIGCTL_STEP_DESTROY_CI:
		printf("  %s CI %u (%s) in GI %u%s: %s\n", verb_d, s->ci_id,
		       gp->ci[s->ci_profile].name, s->gi_id, s->busy ? " [busy]" : "",
		       reason_text(s->reason));
		break;
	case MIGCTL_STEP_DESTROY_GI:
		printf("  %s GI %u (%s at %u:%u)%s: %s\n", verb_d, s->gi_id, gp->name,
		       s->gi_placement.start, s->gi_placement.size, s->busy ? " [busy]" : "",
		       reason_text(s->reason));
		break;
	case MIGCTL_STEP_CREATE_GI:
		printf("  %s GI %s at %u:%u\n", verb_c, gp->name, s->gi_placement.start,
		       s->gi_placement.size);
		break;
	case MIGCTL_STEP_CREATE_CI:
		printf("  %s CI %s at %u:%u in the GI at %u:%u\n", verb_c, gp->ci[s->ci_profile].name,
		       s->ci_placement.start, s->ci_placement.size, s->gi_placement.start,
		       s->gi_placement.size);
		break;
	}
}

static json_t *step_json(const struct migctl_gpu_model *m, const struct migctl_step *s)
{
	const struct migctl_gi_profile *gp = &m->gi[s->gi_profile];
	json_t *o = json_pack("{s:s,s:s,s:i,s:o}", "op", migctl_step_kind_name(s->kind), "gi_profile", gp->name,
			      "gi_profile_id", (int)gp->id, "gi_placement",
			      cli_json_placement(s->gi_placement));
	if (s->gi_id != MIGCTL_ID_UNKNOWN)
		json_object_set_new(o, "gi_id", json_integer(s->gi_id));
	if (s->kind == MIGCTL_STEP_DESTROY_CI || s->kind == MIGCTL_STEP_CREATE_CI) {
		json_object_set_new(o, "ci_profile", json_string(gp->ci[s->ci_profile].name));
		json_object_set_new(o, "ci_profile_id", json_integer(gp->ci[s->ci_profile].id));
		json_object_set_new(o, "ci_placement", cli_json_placement(s->ci_placement));
	}
	if (s->kind == MIGCTL_STEP_DESTROY_CI)
		json_object_set_new(o, "ci_id", json_integer(s->ci_id));
	if (migctl_step_reason_name(s->reason)) {
		json_object_set_new(o, "reason", json_string(migctl_step_reason_name(s->reason)));
		json_object_set_new(o, "busy", json_boolean(s->busy));
	}
	return o;
}

/* Per-GPU report: text or JSON. `verb` names the action ("apply"). */
static void print_report(struct cli *cli, const struct migctl_apply_report *rep, bool dry,
			 enum migctl_err rc, const struct migctl_error *err, const char *verb)
{
	json_t *gpus = cli->output == CLI_JSON ? json_array() : NULL;

	if (rep->recovered && !gpus)
		printf(strcmp(verb, "recover") == 0
			       ? "recovered an interrupted apply: its unfinished GPUs were rolled back\n"
			       : "recovered an interrupted apply first (its GPUs were rolled back)\n");
	for (size_t i = 0; i < rep->n_gpus; i++) {
		const struct migctl_gpu_report *g = &rep->gpus[i];
		const struct migctl_gpu_state *gs = &cli->node.gpus[i];
		const struct migctl_gpu_model *m = &gs->model;
		bool steps = g->layout_change && g->transition.n_steps > 0 && m->n_gi > 0;

		if (gpus) {
			json_t *o = json_pack("{s:i,s:s,s:s,s:b,s:b,s:b}", "index", (int)g->index,
					      "uuid", g->uuid, "outcome",
					      migctl_gpu_outcome_name(g->outcome), "mig_enabled",
					      g->mig_enabled, "mode_change", g->mode_change, "reset",
					      g->reset);
			if (g->layout_change) {
				json_t *arr = json_array();
				for (size_t s = 0; steps && s < g->transition.n_steps; s++)
					json_array_append_new(arr, step_json(m, &g->transition.steps[s]));
				json_object_set_new(o, "steps", arr);
				json_object_set_new(o, "destroyed", json_integer(g->transition.destroyed));
				json_object_set_new(o, "created", json_integer(g->transition.created));
				json_object_set_new(o, "kept", json_integer(g->transition.kept));
				json_object_set_new(o, "free_capacity",
						    json_integer(g->transition.free_capacity));
			}
			if (g->error.code)
				json_object_set_new(o, "error", cli_json_error(&g->error));
			json_array_append_new(gpus, o);
			continue;
		}
		if (g->outcome == MIGCTL_GPU_UNMANAGED)
			continue;
		printf("GPU %u (%s): %s", g->index, gs->name, migctl_gpu_outcome_name(g->outcome));
		if (g->mode_change)
			printf(", MIG mode %s%s", g->mig_enabled ? "enabled" : "disabled",
			       g->reset ? " (GPU reset)" : "");
		if (g->layout_change && g->error.code == MIGCTL_ERR_OK)
			printf(", %u destroyed, %u created, %u kept", g->transition.destroyed,
			       g->transition.created, g->transition.kept);
		printf("\n");
		for (size_t s = 0; steps && (dry || g->outcome == MIGCTL_GPU_APPLIED) &&
				   s < g->transition.n_steps; s++)
			print_step(m, &g->transition.steps[s], dry);
		/* The overall error is printed once below; other GPUs' here. */
		if (g->error.code && strcmp(g->error.msg, err->msg) != 0) {
			/* Most messages name their GPU already. */
			if (strncmp(g->error.msg, "GPU ", 4) == 0)
				fprintf(stderr, "migctl: error: %s\n", g->error.msg);
			else
				fprintf(stderr, "migctl: GPU %u: %s\n", g->index, g->error.msg);
		}
	}
	if (gpus) {
		json_t *o = json_pack("{s:b,s:s,s:b,s:b,s:i,s:i,s:o}", "ok", rc == MIGCTL_ERR_OK,
				      "action", verb, "dry_run", dry, "recovered", rep->recovered,
				      "destroyed", (int)rep->destroyed, "created", (int)rep->created,
				      "gpus", gpus);
		if (rc)
			json_object_set_new(o, "error", cli_json_error(err));
		cli_print_json(o);
	}
	if (rc)
		cli_report(cli, err);
}

/* The MIG_PARTED_* variables hooks see (reference §2.5). */
static void hook_vars(const struct apply_req *req, char *buf, size_t len, char **vars)
{
	size_t n = 0, off = 0;
#define VAR(name, val)                                                              \
	do {                                                                        \
		int w = snprintf(buf + off, len - off, "%s=%s", name, val);         \
		if (w < 0 || (size_t)w >= len - off)                                \
			break;                                                      \
		vars[n++] = buf + off;                                              \
		off += (size_t)w + 1;                                               \
	} while (0)
	VAR("MIG_PARTED_CONFIG_FILE", req->config_file ? req->config_file : "");
	VAR("MIG_PARTED_SELECTED_CONFIG", req->label ? req->label : "");
	VAR("MIG_PARTED_HOOKS_FILE", req->hooks_file ? req->hooks_file : "");
	VAR("MIG_PARTED_SKIP_RESET", req->skip_reset ? "true" : "false");
	VAR("MIG_PARTED_MODE_CHANGE_ONLY", req->mode_only ? "true" : "false");
#undef VAR
	vars[n] = NULL;
}

/* --- apply, restore -------------------------------------------------------- */

/* Apply `plans` with hooks (apply-start first; apply-exit always, its
 * error reported only when nothing else failed). */
static int run_apply(struct cli *cli, const struct apply_req *req,
		     const struct migctl_gpu_plan *plans, const char *verb)
{
	struct migctl_hooks hooks;
	struct migctl_apply_report rep;
	struct migctl_error err = {0}, exit_err = {0};
	char varbuf[4096];
	char *vars[8];
	struct hook_runner runner = {&hooks, req->hooks_file, vars, !req->parted || req->debug};
	struct migctl_apply_options opts = {
		.dry_run = req->dry_run, .force = req->force, .skip_reset = req->skip_reset,
		.mode_only = req->mode_only, .journal_path = req->journal,
		.hook = hook_run, .hook_ctx = &runner,
	};
	enum migctl_err rc;

	migctl_hooks_init(&hooks);
	migctl_apply_report_init(&rep);
	hook_vars(req, varbuf, sizeof(varbuf), vars);
	if (req->hooks_file && (rc = migctl_hooks_load_file(&hooks, req->hooks_file, &err))) {
		cli_report(cli, &err);
		goto out;
	}
	if (req->dry_run)
		opts.hook = NULL;
	else if ((rc = hook_run(MIGCTL_HOOK_APPLY_START, &runner, &err))) {
		cli_report(cli, &err);
		goto out;
	}
	rc = migctl_apply(&cli->node, plans, &opts, &rep, &err);
	if (!req->dry_run) {
		enum migctl_err exit_rc = hook_run(MIGCTL_HOOK_APPLY_EXIT, &runner, &exit_err);
		if (exit_rc && !rc) {
			rc = exit_rc;
			err = exit_err;
		}
	}
	if (req->parted) {
		if (rc)
			fprintf(stderr, "Error applying MIG configuration: %s\n", err.msg);
		else if (!req->dry_run)
			printf("MIG configuration applied successfully\n");
	} else {
		print_report(cli, &rep, req->dry_run, rc, &err, verb);
	}
out:
	migctl_apply_report_release(&rep);
	migctl_hooks_release(&hooks);
	return (int)rc;
}

int cli_apply(struct cli *cli, const struct apply_req *req)
{
	struct migctl_config cfg;
	struct migctl_gpu_plan *plans = NULL;
	struct migctl_error err = {0};
	int rc;

	migctl_config_init(&cfg);
	if ((rc = (int)load_plans(cli, req, &cfg, &plans, &err))) {
		if (req->parted)
			fprintf(stderr, "Error: %s\n", err.msg);
		else
			cli_report(cli, &err);
		goto out;
	}
	rc = run_apply(cli, req, plans, "apply");
out:
	free(plans);
	migctl_config_release(&cfg);
	return rc;
}

int cli_restore(struct cli *cli, const struct apply_req *req)
{
	struct migctl_checkpoint cp;
	struct migctl_gpu_plan *plans = NULL;
	struct migctl_error err = {0};
	char *text = NULL;
	size_t len;
	enum migctl_err rc;

	migctl_checkpoint_init(&cp);
	if ((rc = read_all(req->config_file, &text, &len, &err)) ||
	    (rc = migctl_checkpoint_from_json(&cp, req->config_file, text, len, &err)) ||
	    (rc = cli_node(cli, &err)))
		goto fail;
	if (!(plans = calloc(cli->node.n_gpus + 1, sizeof(*plans)))) {
		rc = migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = migctl_checkpoint_plans(&cli->node, &cp, plans, &err)))
		goto fail;
	rc = (enum migctl_err)run_apply(cli, req, plans, "restore");
	goto out;
fail:
	if (req->parted)
		fprintf(stderr, "Error: %s\n", err.msg);
	else
		cli_report(cli, &err);
out:
	free(text);
	free(plans);
	migctl_checkpoint_release(&cp);
	return (int)rc;
}

/* --- assert -------------------------------------------------------------- */

int cli_assert(struct cli *cli, const struct apply_req *req)
{
	struct migctl_config cfg;
	struct migctl_gpu_plan *plans = NULL;
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	enum migctl_err rc;

	migctl_config_init(&cfg);
	migctl_apply_report_init(&rep);
	if ((rc = load_plans(cli, req, &cfg, &plans, &err))) {
		if (req->parted)
			fprintf(stderr, "Error: %s\n", err.msg);
		else
			cli_report(cli, &err);
		goto out;
	}
	if (req->valid_only) {
		if (cli->output == CLI_JSON && !req->parted)
			cli_print_json(json_pack("{s:b}", "valid", 1));
		else
			printf("Selected MIG configuration is valid\n");
		goto out;
	}
	rc = migctl_assert(&cli->node, plans, req->mode_only, &rep, &err);
	if (req->parted) {
		if (rc == MIGCTL_ERR_NOT_APPLIED) {
			if (req->debug)
				fprintf(stderr, "%s\n", err.msg);
			fprintf(stderr, "Assertion failure: selected configuration not currently applied\n");
		} else if (rc) {
			fprintf(stderr, "Error: %s\n", err.msg);
		} else {
			printf("Selected MIG configuration currently applied\n");
		}
	} else if (cli->output == CLI_JSON) {
		print_report(cli, &rep, false, rc, &err, "assert");
	} else if (rc) {
		cli_report(cli, &err);
	} else {
		printf("Selected MIG configuration currently applied\n");
	}
out:
	free(plans);
	migctl_apply_report_release(&rep);
	migctl_config_release(&cfg);
	return (int)rc;
}

/* --- export, checkpoint -------------------------------------------------- */

/* One GPU's entry body (everything but devices) as JSON, to compare GPUs
 * and to print. */
static json_t *export_body(const struct migctl_gpu_state *g, bool placements)
{
	json_t *o = json_object();
	json_object_set_new(o, "mig-enabled", json_boolean(g->mig_current));
	if (!g->mig_current)
		return o;
	struct migctl_layout layout;
	struct migctl_gpu_target t;
	migctl_layout_of_gpu(g, &layout);
	migctl_layout_to_target(&layout, &t);
	json_t *devs = json_object();
	for (size_t i = 0; i < t.n_items; i++)
		json_object_set_new(devs, g->model.gi[t.items[i].gi].ci[t.items[i].ci].name,
				    json_integer(t.items[i].count));
	json_object_set_new(o, "mig-devices", devs);
	if (placements && layout.n_gis) {
		json_t *pins = json_array();
		for (size_t k = 0; k < layout.n_gis; k++) {
			char pin[MIGCTL_NAME_MAX + 16];
			snprintf(pin, sizeof(pin), "%s@%u", g->model.gi[layout.gis[k].profile].name,
				 layout.gis[k].placement.start);
			json_array_append_new(pins, json_string(pin));
		}
		json_object_set_new(o, "migctl-placements", pins);
	}
	return o;
}

static void yaml_scalar(const char *s)
{
	printf("\"");
	for (; *s; s++)
		printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	printf("\"");
}

int cli_export(struct cli *cli, const char *label, bool json, bool placements)
{
	struct migctl_error err = {0};
	enum migctl_err rc;

	if ((rc = cli_node(cli, &err)))
		return cli_report(cli, &err);
	size_t n = cli->node.n_gpus;
	json_t **body = calloc(n + 1, sizeof(*body));
	bool *done = calloc(n + 1, sizeof(*done));
	json_t *specs = json_array();
	if (!body || !done || !specs) {
		free(body);
		free(done);
		json_decref(specs);
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	size_t capable = 0;
	for (size_t i = 0; i < n; i++) {
		capable += cli->node.gpus[i].mig_capable;
		body[i] = export_body(&cli->node.gpus[i], placements);
	}
	for (size_t i = 0; i < n; i++) {
		if (done[i] || !cli->node.gpus[i].mig_capable)
			continue;
		json_t *devices = json_array();
		size_t members = 0;
		for (size_t k = i; k < n; k++) {
			if (done[k] || !cli->node.gpus[k].mig_capable || !json_equal(body[i], body[k]))
				continue;
			done[k] = true;
			members++;
			json_array_append_new(devices, json_integer(cli->node.gpus[k].index));
		}
		json_t *spec = json_object();
		if (members == capable) {
			json_object_set_new(spec, "devices", json_string("all"));
			json_decref(devices);
		} else {
			json_object_set_new(spec, "devices", devices);
		}
		json_object_update(spec, body[i]);
		json_array_append_new(specs, spec);
	}
	json_t *root = json_pack("{s:s,s:{s:o}}", "version", "v1", "mig-configs", label, specs);
	if (json) {
		cli_print_json(root);
	} else {
		printf("version: v1\nmig-configs:\n  ");
		yaml_scalar(label);
		printf(":\n");
		size_t i;
		json_t *spec;
		json_array_foreach(specs, i, spec) {
			json_t *dv = json_object_get(spec, "devices");
			if (json_is_string(dv)) {
				printf("    - devices: all\n");
			} else {
				printf("    - devices: [");
				for (size_t k = 0; k < json_array_size(dv); k++)
					printf("%s%lld", k ? ", " : "",
					       (long long)json_integer_value(json_array_get(dv, k)));
				printf("]\n");
			}
			printf("      mig-enabled: %s\n",
			       json_is_true(json_object_get(spec, "mig-enabled")) ? "true" : "false");
			json_t *md = json_object_get(spec, "mig-devices");
			if (md) {
				const char *key;
				json_t *v;
				printf("      mig-devices:%s\n", json_object_size(md) ? "" : " {}");
				json_object_foreach(md, key, v) {
					printf("        ");
					yaml_scalar(key);
					printf(": %lld\n", (long long)json_integer_value(v));
				}
			}
			json_t *pins = json_object_get(spec, "migctl-placements");
			for (size_t k = 0; k < json_array_size(pins); k++) {
				printf("%s", k ? ", " : "      migctl-placements: [");
				yaml_scalar(json_string_value(json_array_get(pins, k)));
			}
			if (json_array_size(pins))
				printf("]\n");
		}
		json_decref(root);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(body[i]);
	free(body);
	free(done);
	return 0;
}

int cli_checkpoint(struct cli *cli, const char *file)
{
	struct migctl_checkpoint cp;
	struct migctl_error err = {0};
	char *text = NULL;
	enum migctl_err rc;

	migctl_checkpoint_init(&cp);
	if ((rc = cli_node(cli, &err)) || (rc = migctl_checkpoint_capture(&cli->node, &cp, &err)) ||
	    (rc = migctl_checkpoint_to_json(&cp, &text, &err)))
		goto out;
	if (strcmp(file, "-") == 0) {
		printf("%s\n", text);
	} else {
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%s.tmp", file);
		FILE *f = fopen(tmp, "w");
		bool ok = f && fprintf(f, "%s\n", text) >= 0;
		if (f && fclose(f) != 0)
			ok = false;
		if (!ok || rename(tmp, file) != 0) {
			rc = migctl_fail(&err, MIGCTL_ERR_IO, "cannot write %s: %s", file, strerror(errno));
			unlink(tmp);
		}
	}
out:
	free(text);
	migctl_checkpoint_release(&cp);
	return rc ? cli_report(cli, &err) : 0;
}

/* --- the commands ---------------------------------------------------------- */

enum { OPT_FORCE = 1000, OPT_UNMATCHED, OPT_JOURNAL, OPT_NO_PLACEMENTS };

static const struct option apply_opts[] = {
	CLI_COMMON_LONG_OPTIONS,
	{"config-file", required_argument, NULL, 'f'},
	{"checkpoint-file", required_argument, NULL, 'f'},
	{"selected-config", required_argument, NULL, 'c'},
	{"hooks-file", required_argument, NULL, 'k'},
	{"dry-run", no_argument, NULL, 'n'},
	{"force", no_argument, NULL, OPT_FORCE},
	{"skip-reset", no_argument, NULL, 's'},
	{"mode-only", no_argument, NULL, 'm'},
	{"valid-config", no_argument, NULL, 'a'},
	{"unmatched", required_argument, NULL, OPT_UNMATCHED},
	{"journal", required_argument, NULL, OPT_JOURNAL},
	{0, 0, 0, 0},
};

/* Parse the flags `allowed` (getopt letters and long-only codes) of one
 * of apply/assert/restore/recover into `req`. Returns CLI_OPT_NEXT when
 * the command should run, else the exit status. */
static int parse_req(struct cli *cli, const char *cmd, const char *usage, const char *allowed,
		     int argc, char **argv, struct apply_req *req)
{
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:hf:c:k:nsma", apply_opts, NULL)) != -1) {
		int r = cli_option(cli, cmd, usage, opt, optarg);
		if (r != CLI_OPT_MINE) {
			if (r == CLI_OPT_NEXT)
				continue;
			return r;
		}
		if (!strchr(allowed, opt > 255 ? 'F' + (opt - OPT_FORCE) : opt))
			return cli_usage_error(cli, cmd, "option '%s' does not apply to %s",
					       argv[optind - 1], cmd);
		switch (opt) {
		case 'f': req->config_file = optarg; break;
		case 'c': req->label = optarg; break;
		case 'k': req->hooks_file = optarg; break;
		case 'n': req->dry_run = true; break;
		case 's': req->skip_reset = true; break;
		case 'm': req->mode_only = true; break;
		case 'a': req->valid_only = true; break;
		case OPT_FORCE: req->force = true; break;
		case OPT_UNMATCHED: req->unmatched = optarg; break;
		case OPT_JOURNAL: req->journal = optarg; break;
		default: return cli_usage_error(cli, cmd, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, cmd, "unexpected argument '%s'", argv[optind]);
	if (strchr(allowed, 'f') && !req->config_file)
		return cli_usage_error(cli, cmd, "missing required flag -f FILE");
	return CLI_OPT_NEXT;
}

/* Long-only options map to 'F' (force), 'G' (unmatched), 'H' (journal). */
int cmd_apply(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = parse_req(cli, "apply", apply_usage, "fcknsmFGH", argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_apply(cli, &req) : r;
}

int cmd_assert(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = parse_req(cli, "assert", assert_usage, "fcmaG", argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_assert(cli, &req) : r;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = parse_req(cli, "restore", restore_usage, "fknsFH", argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_restore(cli, &req) : r;
}

int cmd_recover(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	bool found = false;
	int r = parse_req(cli, "recover", recover_usage, "FH", argc, argv, &req);
	enum migctl_err rc;

	if (r != CLI_OPT_NEXT)
		return r;
	if ((rc = cli_node(cli, &err)))
		return cli_report(cli, &err);
	migctl_apply_report_init(&rep);
	rc = migctl_recover(&cli->node, req.journal, req.force, &found, &rep, &err);
	if (!found && !rc) {
		if (cli->output == CLI_JSON)
			cli_print_json(json_pack("{s:b,s:b}", "ok", 1, "recovered", 0));
		else
			printf("no interrupted apply: nothing to recover\n");
	} else {
		print_report(cli, &rep, false, rc, &err, "recover");
	}
	migctl_apply_report_release(&rep);
	return (int)rc;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"config-label", required_argument, NULL, 'l'},
		{"no-placements", no_argument, NULL, OPT_NO_PLACEMENTS},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *label = "current";
	bool json = cli->output == CLI_JSON, placements = true;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "yaml") == 0 || strcmp(optarg, "text") == 0)
				json = false;
			else
				return cli_usage_error(cli, "export", "bad output format '%s' (use yaml or json)",
						       optarg);
			break;
		case 'l': label = optarg; break;
		case OPT_NO_PLACEMENTS: placements = false; break;
		case 'h': fputs(export_usage, stdout); return 0;
		default: return cli_usage_error(cli, "export", "unknown option or missing value");
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, "export", "unexpected argument '%s'", argv[optind]);
	return cli_export(cli, label, json, placements);
}

int cmd_checkpoint(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = parse_req(cli, "checkpoint", checkpoint_usage, "f", argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_checkpoint(cli, req.config_file) : r;
}
