/* migctl config generate — default named layouts in nvidia-mig-parted's
 * format, for the node's GPUs or for catalog models. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migctl/export.h"

static const char config_usage[] =
	"Usage: migctl config generate [--model MODEL[,MODEL...]] [-f FILE]\n"
	"\n"
	"Write a config in nvidia-mig-parted's 'version: v1' format with the\n"
	"default named layouts: all-disabled, all-enabled, all-balanced (2 x 1g,\n"
	"1 x 2g and 1 x 3g on GPUs with 7 compute slices; 2 x 1g and 1 x 2g on\n"
	"GPUs with 4), and all-<profile> for every GPU instance profile at its\n"
	"instance limit ('+' becomes '.' in the label). The profiles are those of\n"
	"the node's GPUs as the driver lists them, or, with --model, of catalog\n"
	"models (no driver needed). Entries get device filters when the GPUs have\n"
	"more than one PCI device ID.\n"
	"\n"
	"Options:\n"
	"  --model LIST      catalog models (names, aliases or PCI IDs as 'migctl\n"
	"                    catalog list' shows them), comma-separated\n"
	"  -f, --file FILE   write to FILE (default: standard output)\n"
	"  -o json           the same config as JSON (as nvidia-mig-parted's\n"
	"                    generate-config -o json writes it)\n"
	"  --catalog FILE    add or override models from FILE\n"
	"  -h, --help        show this help\n";

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
	FILE *out = file && strcmp(file, "-") != 0 ? fopen(file, "w") : stdout;
	if (!out || fputs(text, out) < 0 || (out != stdout && fclose(out) != 0))
		rc = (int)migctl_fail(&err, MIGCTL_ERR_IO, "cannot write %s", file ? file : "stdout");
out:
	free(gpus);
	free(text);
	return rc ? cli_report(cli, &err) : 0;
}

int cmd_config(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{"model", required_argument, NULL, 'M'},
		{"file", required_argument, NULL, 'f'},
		{0, 0, 0, 0},
	};
	const char *models = NULL, *file = NULL;
	int opt;

	optind = 1;
	if (argc < 2 || strcmp(argv[1], "generate") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
			fputs(config_usage, stdout);
			return 0;
		}
		return cli_usage_error(cli, "config", "use 'migctl config generate'");
	}
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "o:hf:", opts, NULL)) != -1) {
		int r = cli_option(cli, "config", config_usage, opt, optarg);
		if (r == CLI_OPT_NEXT)
			continue;
		if (r != CLI_OPT_MINE)
			return r;
		if (opt == 'M')
			models = optarg;
		else if (opt == 'f')
			file = optarg;
		else
			return cli_usage_error(cli, "config", "unknown option");
	}
	if (optind < argc)
		return cli_usage_error(cli, "config", "unexpected argument '%s'", argv[optind]);
	return cli_generate_config(cli, models, file, cli->output == CLI_JSON);
}
