/* migctl assert — check, changing nothing, that the GPUs hold a config. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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

int cmd_assert(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = cli_parse_apply_req(cli, "assert", assert_usage, "fcmaG", argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_assert(cli, &req) : r;
}

