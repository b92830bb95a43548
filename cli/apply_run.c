/* What apply, assert, restore and recover share, and the nvidia-mig-parted
 * personality (cli/parted.c) reuses: reading a config and resolving it on
 * the node, running an apply with hooks, printing per-GPU reports, and the
 * flags of those commands. The logic is in lib/apply.c, lib/transition.c
 * and lib/config_*.c; this file reads flags, runs hooks and prints. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/file.h"

/* --- shared pieces ------------------------------------------------------ */

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
void cli_print_apply_report(struct cli *cli, const struct migctl_apply_report *rep, bool dry,
			    enum migctl_err rc, const struct migctl_error *err, const char *verb)
{
	json_t *gpus = cli->output == CLI_JSON ? json_array() : NULL;
	bool err_shown = false;

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
		/* The mode only where it changed, or would in a dry run: a
		 * refused or rolled-back GPU kept its mode. */
		if (g->mode_change && (g->outcome == MIGCTL_GPU_APPLIED ||
				       g->outcome == MIGCTL_GPU_PENDING ||
				       g->outcome == MIGCTL_GPU_PLANNED))
			printf(", MIG mode %s%s", g->mig_enabled ? "enabled" : "disabled",
			       g->reset ? " (GPU reset)" : "");
		if (g->layout_change && g->error.code == MIGCTL_ERR_OK)
			printf(", %u destroyed, %u created, %u kept", g->transition.destroyed,
			       g->transition.created, g->transition.kept);
		printf("\n");
		for (size_t s = 0; steps && (dry || g->outcome == MIGCTL_GPU_APPLIED) &&
				   s < g->transition.n_steps; s++)
			print_step(m, &g->transition.steps[s], dry);
		/* Each GPU's error under its line, the overall one included
		 * (it is some GPU's), so that GPUs come in order; stdout first,
		 * as the two streams often go to one terminal. */
		if (g->error.code) {
			fflush(stdout);
			err_shown |= strcmp(g->error.msg, err->msg) == 0;
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
	if (rc && !err_shown)
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

/* --- the caller's side of an apply: journal path, eviction ----------------- */

const char *cli_journal_path(const struct cli *cli, const struct apply_req *req, char *buf,
			     size_t len)
{
	if (req->journal)
		return req->journal;
	if (cli->node.simulated) {
		char dir[PATH_MAX];
		snprintf(buf, len, "%s/migctl-journal.jsonl", cli_sim_state_dir(cli, dir, sizeof(dir)));
		return buf;
	}
	const char *env = getenv("MIGCTL_JOURNAL");
	snprintf(buf, len, "%s", env && *env ? env : "/var/lib/migctl/journal.jsonl");
	return buf;
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
	char journal[600];
	struct migctl_apply_options opts = {
		.dry_run = req->dry_run, .force = req->force, .skip_reset = req->skip_reset,
		.mode_only = req->mode_only,
		.journal_path = cli_journal_path(cli, req, journal, sizeof(journal)),
		.hook = hook_run, .hook_ctx = &runner, .evict = cli_evict,
	};
	enum migctl_err rc;

	migctl_hooks_init(&hooks);
	migctl_apply_report_init(&rep);
	hook_vars(req, varbuf, sizeof(varbuf), vars);
	if (req->hooks_file && (rc = migctl_hooks_load_file(&hooks, req->hooks_file, &err))) {
		cli_report(cli, &err);
		goto out;
	}
	/* The node lock covers the hooks too: a pre-apply hook is no window
	 * for another migctl. */
	if (!req->dry_run && (rc = cli_lock(cli, &err))) {
		if (req->parted)
			fprintf(stderr, "Error: %s\n", err.msg);
		else
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
		cli_print_apply_report(cli, &rep, req->dry_run, rc, &err, verb);
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
	if ((rc = mu_file_read(req->config_file, "checkpoint file", 0, &text, &len, &err)) ||
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
		cli_print_apply_report(cli, &rep, false, rc, &err, "assert");
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

/* --- the commands ---------------------------------------------------------- */

/* Parse the flags of one of apply/assert/restore/recover/checkpoint (its
 * descriptor's table says which) into `req`. Returns CLI_OPT_NEXT when the
 * command should run, else the exit status. */
int cli_parse_apply_req(struct cli *cli, const struct cli_command *desc, int argc, char **argv,
			struct apply_req *req)
{
	const char *cmd = desc->name;
	bool needs_file = false;
	struct cli_parse p;
	int opt;

	for (const struct cli_opt *o = desc->opts; o->name; o++)
		needs_file |= o->required;
	cli_parse_init(&p, cli, desc, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		switch (opt) {
		case 'f': req->config_file = p.arg; break;
		case 'c': req->label = p.arg; break;
		case 'k': req->hooks_file = p.arg; break;
		case 'n': req->dry_run = true; break;
		case 's': req->skip_reset = true; break;
		case 'm': req->mode_only = true; break;
		case 'a': req->valid_only = true; break;
		case APPLY_OPT_FORCE: req->force = true; break;
		case APPLY_OPT_UNMATCHED: req->unmatched = p.arg; break;
		case APPLY_OPT_JOURNAL: req->journal = p.arg; break;
		case APPLY_OPT_SLURM: req->slurm_reconfigure = true; break;
		case APPLY_OPT_SLURM_RESTART: req->slurm_restart = p.arg; break;
		}
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind < argc)
		return cli_usage_error(cli, cmd, "unexpected argument '%s'", argv[p.ind]);
	if (needs_file && !req->config_file)
		return cli_usage_error(cli, cmd, "missing required flag -f FILE");
	return CLI_OPT_NEXT;
}
