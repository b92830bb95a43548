/* migctl restore — bring the GPUs back to a checkpoint. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char restore_usage[] =
	"Usage: migctl restore -f FILE [--force] [-s|--skip-reset] [--dry-run]\n"
	"                      [--journal FILE] [-o text|json]\n"
	"\n"
	"Bring the GPUs back to a checkpoint written by 'migctl checkpoint' (or\n"
	"nvidia-mig-parted checkpoint): each GPU named by UUID gets its MIG mode\n"
	"and its GPU instances at the same placements, with the same compute\n"
	"instances. Like apply, it keeps what matches, journals every step and\n"
	"refuses to destroy busy instances without --force.\n"
	"\n"
	"Options:\n"
	"  -f, --checkpoint-file FILE  the checkpoint; '-' reads standard input\n"
	"  --force, -s/--skip-reset, -n/--dry-run, --journal, -o: as for apply\n"
	"  -h, --help              show this help\n";

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = cli_parse_apply_req(cli, "restore", restore_usage, "fknsFH", argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_restore(cli, &req) : r;
}

