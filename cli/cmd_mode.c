/* migctl mode — enable or disable MIG mode, and apply a pending change. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

static const char *activation_text(const struct migctl_mode_result *res)
{
	if (res->activation_text[0])
		return res->activation_text;
	if (res->activation == MIGCTL_ERR_REBOOT_REQUIRED)
		return "a reboot is required";
	return "GPU requires reset";
}

struct mode_run {
	struct cli *cli;
	bool enable, reset;
	const char *verb;          /* "enable" / "disable" */
	int rc;                    /* first non-zero code */
	json_t *json;              /* array of per-GPU results, in JSON mode */
};

static void fail(struct mode_run *m, json_t *o, const struct migctl_error *err)
{
	cli_report(m->cli, err);
	if (o)
		json_object_set_new(o, "error", cli_json_error(err));
	if (!m->rc)
		m->rc = (int)err->code;
}

/* A process list for a refusal: one line per process on stderr. */
static void print_procs(const struct migctl_gpu_state *gpu)
{
	for (size_t i = 0; i < gpu->n_procs; i++) {
		const struct migctl_process *p = &gpu->procs[i];
		if (p->gi == MIGCTL_ID_NONE)
			fprintf(stderr, "  PID %u %s on the whole GPU, %lluMiB\n", p->pid,
				p->name[0] ? p->name : "?", (unsigned long long)p->used_mib);
		else
			fprintf(stderr, "  PID %u %s on GPU instance %u, compute instance %u, %lluMiB\n",
				p->pid, p->name[0] ? p->name : "?", p->gi, p->ci,
				(unsigned long long)p->used_mib);
	}
}

static void text(const struct mode_run *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void text(const struct mode_run *m, const char *fmt, ...)
{
	va_list ap;
	if (m->cli->output == CLI_JSON)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void one_gpu(struct mode_run *m, struct migctl_gpu_state *gpu)
{
	struct cli *cli = m->cli;
	struct migctl_error err = {0};
	struct migctl_mode_result res = {0};
	unsigned idx = gpu->index;
	json_t *o = NULL;
	enum migctl_err rc;

	if (m->json) {
		o = json_pack("{s:i,s:s,s:s}", "index", (int)idx, "uuid", gpu->uuid,
			      "requested", m->enable ? "enabled" : "disabled");
		json_array_append_new(m->json, o);
	}
	if (!gpu->mig_capable) {
		migctl_fail(&err, MIGCTL_ERR_NOT_SUPPORTED,
			    "GPU %u (%s) does not support MIG; leave it out with -i", idx, gpu->name);
		fail(m, o, &err);
		return;
	}
	rc = migctl_node_set_mig_mode(&cli->node, gpu, m->enable, &res, &err);
	if (rc == MIGCTL_ERR_BUSY && cli_count_procs(gpu, MIGCTL_ID_NONE, MIGCTL_ID_NONE)) {
		char pids[300];
		cli_format_pids(gpu, MIGCTL_ID_NONE, MIGCTL_ID_NONE, pids, sizeof(pids));
		migctl_fail(&err, MIGCTL_ERR_BUSY,
			    "GPU %u is in use by processes %s; stop them, then run 'migctl%s mode %s -i %u' again",
			    idx, pids, cli_sim_flag(cli), m->verb, idx);
		fail(m, o, &err);
		if (cli->output != CLI_JSON)
			print_procs(gpu);
		return;
	}
	if (rc) {
		fail(m, o, &err);
		return;
	}
	if (o)
		json_object_set_new(o, "changed", json_boolean(res.changed));
	if (res.pending && m->reset && res.activation != MIGCTL_ERR_REBOOT_REQUIRED) {
		text(m, "GPU %u: MIG mode %s is pending: %s; resetting the GPU\n", idx, m->verb,
		     activation_text(&res));
		if (migctl_node_reset_gpu(&cli->node, gpu, &err)) {
			fail(m, o, &err);
			return;
		}
		if (o)
			json_object_set_new(o, "reset", json_true());
		res.pending = gpu->mig_current != m->enable;
		if (res.pending) {
			migctl_fail(&err, MIGCTL_ERR_REBOOT_REQUIRED,
				    "GPU %u: MIG mode %s is still pending after the reset; reboot the node",
				    idx, m->verb);
			fail(m, o, &err);
			return;
		}
		text(m, "GPU %u: MIG mode %sd\n", idx, m->verb);
	} else if (res.pending) {
		bool reboot = res.activation == MIGCTL_ERR_REBOOT_REQUIRED;
		if (reboot)
			text(m, "GPU %u: MIG mode %s is pending: %s; reboot the node\n", idx,
			     m->verb, activation_text(&res));
		else
			text(m, "GPU %u: MIG mode %s is pending: %s; run 'migctl%s mode %s -i %u --reset' or reset/reboot\n",
			     idx, m->verb, activation_text(&res), cli_sim_flag(cli), m->verb, idx);
		if (o)
			json_object_set_new(o, "activation",
					    json_string(reboot ? "reboot-required" : "reset-required"));
		if (!m->rc)
			m->rc = reboot ? MIGCTL_ERR_REBOOT_REQUIRED : MIGCTL_ERR_RESET_REQUIRED;
	} else {
		text(m, "GPU %u: MIG mode %s%sd\n", idx, res.changed ? "" : "already ", m->verb);
	}
	if (o) {
		json_object_set_new(o, "current", json_boolean(gpu->mig_current));
		json_object_set_new(o, "pending", json_boolean(res.pending));
	}
}

enum { OPT_RESET = 1000 };

int cmd_mode(struct cli *cli, int argc, char **argv)
{
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	struct mode_run m = {.cli = cli};
	const char *ids = NULL;
	struct cli_parse p;
	size_t n;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_mode, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == 'i')
			ids = p.arg;
		else if (opt == OPT_RESET)
			m.reset = true;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind >= argc)
		return cli_usage_error(cli, "mode", "missing 'enable' or 'disable'");
	const char *what = argv[p.ind++];
	if (strcmp(what, "enable") == 0 || strcmp(what, "1") == 0)
		m.enable = true;
	else if (strcmp(what, "disable") == 0 || strcmp(what, "0") == 0)
		m.enable = false;
	else
		return cli_usage_error(cli, "mode", "unknown mode '%s' (use enable or disable)", what);
	m.verb = m.enable ? "enable" : "disable";
	if (p.ind != argc)
		return cli_usage_error(cli, "mode", "unexpected argument '%s'", argv[p.ind]);
	if (cli_select_gpus(cli, ids, gpus, &n, &err) || cli_lock(cli, &err))
		return cli_report(cli, &err);

	if (cli->output == CLI_JSON)
		m.json = json_array();
	for (size_t i = 0; i < n; i++)
		one_gpu(&m, gpus[i]);
	if (m.json) {
		int rc = cli_print_json(json_pack("{s:o}", "gpus", m.json));
		if (rc && !m.rc)
			m.rc = rc;
	}
	return m.rc;
}

static const struct cli_opt mode_opts[] = {
	CLI_OPT_GPUS("comma-separated (default: every GPU)"),
	{"reset", 0, OPT_RESET, NULL,
	 "reset the GPUs whose change is pending, so that it\n"
	 "takes effect now (on a real driver this runs\n"
	 "'nvidia-smi --gpu-reset'; every process must be stopped)", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_mode = {
	.name = "mode",
	.summary = "enable or disable MIG mode",
	.operands = "enable|disable",
	.description =
		"Enable or disable MIG mode on GPUs (what 'nvidia-smi -i N -mig 1|0' does;\n"
		"1 and 0 work here too).\n"
		"For each GPU one line tells the result:\n"
		"\n"
		"  GPU 0: MIG mode enabled\n"
		"  GPU 0: MIG mode already enabled\n"
		"  GPU 0: MIG mode enable is pending: GPU requires reset; run ...\n"
		"\n"
		"On Ampere GPUs (A100, A30) the change stays pending until the GPU is reset\n"
		"or the node reboots; Hopper and later apply it at once. The command is\n"
		"refused, with the list of processes, while processes run on a GPU, and\n"
		"disabling is refused while GPU instances exist (destroy them first:\n"
		"'migctl destroy -i N --all').\n",
	.formats = "text json",
	.opts = mode_opts,
	.epilogue =
		"Exit status: 0 when every GPU is in the requested mode; 18 when a change\n"
		"is pending until a GPU reset (19: until a reboot); 2 bad command line;\n"
		"14 processes or instances in the way; 16 no permission (run as root);\n"
		"17 a GPU without MIG; 13 unknown GPU. With several errors, the first\n"
		"one's code.\n",
	.operand_values = CLI_V_WORDS,
	.operand_words = "enable disable",
	.run = cmd_mode,
};
