/* migctl restore — bring the GPUs back to a checkpoint. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = cli_parse_apply_req(cli, &cli_cmd_restore, argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_restore(cli, &req) : r;
}

static const struct cli_opt restore_opts[] = {
	{"checkpoint-file", 'f', 0, "FILE", "the checkpoint; '-' reads standard input", CLI_V_FILE, NULL, true},
	APPLY_OPT_HOOKS,
	APPLY_OPT_DRY_RUN,
	APPLY_OPT_FORCE_ENTRY("stop processes on instances in the way, as for apply"),
	APPLY_OPT_SKIP_RESET,
	APPLY_OPT_JOURNAL_ENTRY("the journal (default as for apply)"),
	{0},
};

const struct cli_command cli_cmd_restore = {
	.name = "restore",
	.summary = "bring back a checkpoint",
	.description =
		"Bring the GPUs back to a checkpoint written by 'migctl checkpoint' (or\n"
		"nvidia-mig-parted checkpoint): each GPU named by UUID gets its MIG mode\n"
		"and its GPU instances at the same placements, with the same compute\n"
		"instances. Like apply, it keeps what matches, journals every step and\n"
		"refuses to destroy busy instances without --force.\n",
	.formats = "text json",
	.opts = restore_opts,
	.run = cmd_restore,
};
