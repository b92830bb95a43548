/* migctl k8s — what Kubernetes sees of this node's MIG layout: GPU Feature
 * Discovery's labels (printed, or written as a Node Feature Discovery
 * features.d file) and the NVIDIA device plugin's extended resources.
 * lib/k8s.c computes both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migctl/k8s.h"
#include "util/file.h"

enum { OPT_STRATEGY = 1000 };

static json_t *list_json(const struct migctl_k8s_list *l, bool numbers)
{
	json_t *o = json_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_set_new(o, l->items[i].key,
				    numbers ? json_integer(strtoll(l->items[i].value, NULL, 10))
					    : json_string(l->items[i].value));
	return o;
}

/* `kubectl describe node`'s Capacity lines: names and colons padded so
 * that the counts line up two columns after the longest. */
static void print_resources(const struct migctl_k8s_list *l)
{
	int w = 0;

	for (size_t i = 0; i < l->n; i++)
		if ((int)strlen(l->items[i].key) + 1 > w)
			w = (int)strlen(l->items[i].key) + 1;
	for (size_t i = 0; i < l->n; i++) {
		char key[sizeof(l->items[i].key) + 1];
		snprintf(key, sizeof(key), "%s:", l->items[i].key);
		printf("%-*s  %s\n", w, key, l->items[i].value);
	}
}

/* labels: to stdout, or into FILE for Node Feature Discovery. */
static int run_labels(struct cli *cli, const struct migctl_k8s_list *l,
		      enum migctl_k8s_strategy s, const char *file)
{
	struct migctl_error err = {0};
	char *text;

	if (cli->output == CLI_JSON && !file)
		return cli_print_json(json_pack("{s:s,s:o}", "strategy", migctl_k8s_strategy_name(s),
						"labels", list_json(l, false)));
	if (!(text = migctl_k8s_features_text(l))) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		return cli_report(cli, &err);
	}
	if (!file || strcmp(file, "-") == 0)
		fputs(text, stdout);
	else if (mu_file_write_atomic(file, "labels file", text, strlen(text), &err)) {
		free(text);
		return cli_report(cli, &err);
	}
	free(text);
	return 0;
}

int cmd_k8s(struct cli *cli, int argc, char **argv)
{
	enum migctl_k8s_strategy strategy = MIGCTL_K8S_MIXED;
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	struct migctl_k8s_list l;
	const char *file = NULL, *what;
	struct cli_parse p;
	size_t n;
	int opt, rc;

	cli_parse_init(&p, cli, &cli_cmd_k8s, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == OPT_STRATEGY && migctl_k8s_strategy_parse(p.arg, &strategy, &err))
			return cli_usage_error(cli, "k8s", "--strategy: %s", err.msg);
		if (opt == 'f')
			file = p.arg;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind >= argc)
		return cli_usage_error(cli, "k8s", "missing subcommand: use 'migctl k8s labels' or 'migctl k8s resources'");
	what = argv[p.ind];
	if (strcmp(what, "labels") != 0 && strcmp(what, "resources") != 0)
		return cli_usage_error(cli, "k8s", "unknown subcommand '%s': use labels or resources", what);
	if (p.ind + 1 < argc)
		return cli_usage_error(cli, "k8s", "unexpected argument '%s'", argv[p.ind + 1]);
	if (file && strcmp(what, "labels") != 0)
		return cli_usage_error(cli, "k8s", "--file applies to 'k8s labels' only");
	if (cli_select_gpus(cli, NULL, gpus, &n, &err))
		return cli_report(cli, &err);

	migctl_k8s_list_init(&l);
	if (strcmp(what, "labels") == 0) {
		rc = migctl_k8s_labels(gpus, n, strategy, &l, &err)
			? cli_report(cli, &err) : run_labels(cli, &l, strategy, file);
	} else if (migctl_k8s_resources(gpus, n, strategy, &l, &err)) {
		rc = cli_report(cli, &err);
	} else {
		rc = 0;
		if (cli->output == CLI_JSON)
			rc = cli_print_json(json_pack("{s:s,s:o}", "strategy",
						      migctl_k8s_strategy_name(strategy),
						      "resources", list_json(&l, true)));
		else
			print_resources(&l);
	}
	migctl_k8s_list_release(&l);
	return rc;
}

static const struct cli_opt k8s_opts[] = {
	{"strategy", 0, OPT_STRATEGY, "STRATEGY",
	 "the device plugin's MIG strategy: mixed (default;\n"
	 "nvidia.com/mig-<profile> per profile) or single (every\n"
	 "MIG device is a nvidia.com/gpu)", CLI_V_WORDS, "mixed single", false},
	{"file", 'f', 0, "FILE",
	 "labels: write them to FILE atomically, as a Node\n"
	 "Feature Discovery features.d file, e.g.\n"
	 "/etc/kubernetes/node-feature-discovery/features.d/migctl",
	 CLI_V_FILE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_k8s = {
	.name = "k8s",
	.summary = "Kubernetes: GFD labels and device-plugin resources of the layout",
	.operands = "labels|resources",
	.description =
		"What Kubernetes sees of this node's live MIG layout, for nodes that run\n"
		"NVIDIA's device plugin and Node Feature Discovery without (or instead of)\n"
		"GPU Feature Discovery.\n"
		"\n"
		"'k8s labels' prints GPU Feature Discovery's MIG labels (key=value):\n"
		"nvidia.com/mig.capable, nvidia.com/mig.strategy and, with the mixed\n"
		"strategy, nvidia.com/mig-<profile>.{count,product,replicas,\n"
		"sharing-strategy,memory,multiprocessors,slices.gi,slices.ci,engines.*}\n"
		"per MIG profile ('+' in a profile becomes '.'); with the single strategy\n"
		"the same attributes as nvidia.com/gpu.*, or gpu.product <model>-MIG-INVALID\n"
		"when the layout is not one profile on every GPU. --file FILE writes them\n"
		"atomically where Node Feature Discovery reads local features; run it again\n"
		"after every change (e.g. from an apply-exit hook).\n"
		"\n"
		"'k8s resources' prints the extended resources the device plugin advertises\n"
		"for the layout, as 'kubectl describe node' shows them: with mixed,\n"
		"nvidia.com/gpu for the GPUs without MIG and nvidia.com/mig-<profile> per\n"
		"profile; with single, nvidia.com/gpu, refused (exit 17) when the layout is\n"
		"not uniform, as the plugin refuses to start. Nothing on the GPUs changes.\n",
	.formats = "text json",
	.opts = k8s_opts,
	.epilogue =
		"Exit status: 0 done; 2 bad command line; 4 FILE cannot be written;\n"
		"15 no driver (use --sim); 17 the strategy cannot serve the layout.\n",
	.operand_values = CLI_V_WORDS,
	.operand_words = "labels resources",
	.run = cmd_k8s,
};
