/* migctl assert — check, changing nothing, that the GPUs hold a config. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_assert(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = cli_parse_apply_req(cli, &cli_cmd_assert, argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_assert(cli, &req) : r;
}

static const struct cli_opt assert_opts[] = {
	APPLY_OPT_CONFIG("the config to check"),
	{"mode-only", 'm', 0, NULL, "only check MIG modes", CLI_V_NONE, NULL, false},
	{"valid-config", 'a', 0, NULL, "only check that FILE parses and LABEL exists", CLI_V_NONE, NULL, false},
	APPLY_OPT_UNMATCHED_ENTRY("leave (default) or disable, as for apply"),
	{0},
};

const struct cli_command cli_cmd_assert = {
	.name = "assert",
	.summary = "check that the GPUs hold a config's layout",
	.description =
		"Check, without changing anything, that the GPUs hold config LABEL of FILE:\n"
		"the MIG mode of every GPU the config manages and, unless --mode-only, its\n"
		"instances (the count of compute instances per profile; every GPU instance\n"
		"must have a compute instance; pinned placements must hold). GPUs no entry\n"
		"matches are ignored under the 'leave' policy, as apply leaves them.\n",
	.formats = "text json",
	.opts = assert_opts,
	.epilogue =
		"Exit status: 0 the GPUs match; 21 they do not (the first difference is\n"
		"printed); 5, 8, 13 as for apply.\n",
	.run = cmd_assert,
};
