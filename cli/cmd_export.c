/* migctl export — the current layout as a nvidia-mig-parted config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migctl/export.h"

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
	const char *label = "current";
	bool placements = true;
	struct cli_parse p;
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_export, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == 'l')
			label = p.arg;
		else if (opt == OPT_NO_PLACEMENTS)
			placements = false;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (p.ind < argc)
		return cli_usage_error(cli, "export", "unexpected argument '%s'", argv[p.ind]);
	return cli_export(cli, label, cli->output == CLI_JSON, placements);
}

static const struct cli_opt export_opts[] = {
	{"config-label", 'l', 0, "LABEL", "the label (default current)", CLI_V_NONE, NULL, false},
	{"no-placements", 0, OPT_NO_PLACEMENTS, NULL, "no migctl-placements key", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_export = {
	.name = "export",
	.summary = "print the current layout as a config",
	.description =
		"Print the GPUs' current MIG layout as a config in nvidia-mig-parted's\n"
		"format, under LABEL (default 'current'). GPUs with the same layout share\n"
		"an entry. Each entry also lists its GPU instances' placements under the\n"
		"migctl extension key migctl-placements, so that 'migctl apply' recreates\n"
		"exactly this layout; --no-placements leaves it out (nvidia-mig-parted\n"
		"rejects the key).\n",
	.formats = "yaml json",
	.opts = export_opts,
	.run = cmd_export,
};
