/* migctl export — the current layout as a nvidia-mig-parted config. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migctl/export.h"

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

int cli_export(struct cli *cli, const char *label, bool json, bool placements)
{
	static const struct migctl_export_style style = {
		.quote_labels = true, .quote_profiles = true, .placements = true,
	};
	struct migctl_error err = {0};
	struct migctl_export x;
	char *text = NULL;
	int rc;

	if ((rc = cli_node(cli, &err)))
		return cli_report(cli, &err);
	migctl_export_init(&x);
	if (!(rc = (int)migctl_export_node(&cli->node, label, placements, &x, &err))) {
		if (json) {
			json_t *j = migctl_export_json(&x, placements);
			if (!j)
				rc = (int)migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
			else
				cli_print_json(j);
		} else if (!(rc = (int)migctl_export_yaml(&x, &style, &text, &err))) {
			fputs(text, stdout);
		}
	}
	migctl_export_release(&x);
	free(text);
	return rc ? cli_report(cli, &err) : 0;
}

enum { OPT_NO_PLACEMENTS = 1000 };

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

