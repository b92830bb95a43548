/* migctl config generate — default named layouts in nvidia-mig-parted's
 * format, for the node's GPUs or for catalog models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migctl/export.h"
#include "util/file.h"

static enum migctl_err gather(struct cli *cli, const char *models,
			      struct migctl_generate_gpu **out, size_t *n,
			      struct migctl_error *err)
{
	enum migctl_err rc;
	size_t cap = 8;

	*n = 0;
	if (!models) {
		if ((rc = cli_node(cli, err)))
			return rc;
		cap = cli->node.n_gpus + 1;
	}
	if (!(*out = calloc(cap, sizeof(**out))))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	if (!models) {
		for (size_t i = 0; i < cli->node.n_gpus; i++) {
			const struct migctl_gpu_state *g = &cli->node.gpus[i];
			const struct migctl_gpu_model *m = migctl_gpu_target_model(g);
			if (g->mig_capable && m)
				(*out)[(*n)++] = (struct migctl_generate_gpu){
					m, (uint32_t)g->pci_device_id << 16 | 0x10DEu};
		}
		if (*n == 0)
			return migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
					   "no GPU of this node supports MIG; name catalog models "
					   "with --model");
		return MIGCTL_ERR_OK;
	}
	char item[128];
	const char *p = models;
	int r;
	while ((r = mu_list_next(&p, item, sizeof(item))) != 0) {
		if (r < 0)
			return migctl_fail(err, MIGCTL_ERR_USAGE, "--model: empty or overlong item in '%s'",
					   models);
		const struct migctl_gpu_model *m = cli_model(cli, item, err);
		if (!m)
			return err->code;
		if (*n == cap) {
			void *grown = realloc(*out, 2 * cap * sizeof(**out));
			if (!grown)
				return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
			*out = grown;
			cap *= 2;
		}
		unsigned id = m->n_pci_device_ids ? m->pci_device_ids[0] : 0;
		(*out)[(*n)++] = (struct migctl_generate_gpu){m, (uint32_t)id << 16 | 0x10DEu};
	}
	return MIGCTL_ERR_OK;
}

int cli_generate_config(struct cli *cli, const char *models, const char *file, bool json)
{
	struct migctl_generate_gpu *gpus = NULL;
	struct migctl_error err = {0};
	char *text = NULL;
	size_t n = 0;
	int rc;

	if ((rc = (int)gather(cli, models, &gpus, &n, &err)))
		goto out;
	if (json) {
		struct migctl_export x;
		migctl_export_init(&x);
		if (!(rc = (int)migctl_config_generate_model(gpus, n, &x, &err))) {
			json_t *j = migctl_export_json(&x, false);
			char *dumped = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
			/* json_dumps ends without a newline */
			if (dumped && asprintf(&text, "%s\n", dumped) < 0)
				text = NULL;
			free(dumped);
			json_decref(j);
			if (!text)
				rc = (int)migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
		}
		migctl_export_release(&x);
	} else {
		rc = (int)migctl_config_generate(gpus, n, &text, &err);
	}
	if (rc)
		goto out;
	/* A file is replaced whole (a link at its name is replaced, not
	 * written through). */
	if (file && strcmp(file, "-") != 0)
		rc = (int)mu_file_write_atomic(file, "config file", text, strlen(text), &err);
	else if (fputs(text, stdout) < 0)
		rc = (int)migctl_fail(&err, MIGCTL_ERR_IO, "cannot write stdout");
out:
	free(gpus);
	free(text);
	return rc ? cli_report(cli, &err) : 0;
}

enum { OPT_MODEL = 1000 };

int cmd_config(struct cli *cli, int argc, char **argv)
{
	const char *models = NULL, *file = NULL;
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_config, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == OPT_MODEL)
			models = p.arg;
		else if (opt == 'f')
			file = p.arg;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind >= argc || strcmp(argv[p.ind], "generate") != 0)
		return cli_usage_error(cli, "config", "use 'migctl config generate'");
	if (p.ind + 1 < argc)
		return cli_usage_error(cli, "config", "unexpected argument '%s'", argv[p.ind + 1]);
	return cli_generate_config(cli, models, file, cli->output == CLI_JSON);
}

static const struct cli_opt config_opts[] = {
	{"model", 0, OPT_MODEL, "LIST",
	 "catalog models (names, aliases or PCI IDs as 'migctl\n"
	 "catalog list' shows them), comma-separated", CLI_V_MODEL, NULL, false},
	{"file", 'f', 0, "FILE", "write to FILE (default: standard output)", CLI_V_FILE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_config = {
	.name = "config",
	.summary = "generate default layouts: 'migctl config generate'",
	.operands = "generate",
	.description =
		"Write a config in nvidia-mig-parted's 'version: v1' format with the\n"
		"default named layouts: all-disabled, all-enabled, all-balanced (2 x 1g,\n"
		"1 x 2g and 1 x 3g on GPUs with 7 compute slices; 2 x 1g and 1 x 2g on\n"
		"GPUs with 4), and all-<profile> for every GPU instance profile at its\n"
		"instance limit ('+' becomes '.' in the label). The profiles are those of\n"
		"the node's GPUs as the driver lists them, or, with --model, of catalog\n"
		"models (no driver needed). Entries get device filters when the GPUs have\n"
		"more than one PCI device ID.\n",
	.formats = "yaml json",
	.format_note = " (json: as nvidia-mig-parted's\ngenerate-config -o json writes it)",
	.opts = config_opts,
	.operand_words = "generate",
	.operand_values = CLI_V_WORDS,
	.run = cmd_config,
};
