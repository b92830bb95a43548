/* migctl apply — bring the GPUs to a config's layout, changing only what
 * must change (cli/apply_run.c does the work). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char apply_usage[] =
	"Usage: migctl apply -f FILE [-c LABEL] [-k HOOKS] [--dry-run] [--force]\n"
	"                    [-s|--skip-reset] [-m|--mode-only] [--unmatched leave|disable]\n"
	"                    [--journal FILE] [-o text|json]\n"
	"\n"
	"Bring the GPUs to the layout that config LABEL of FILE describes (the\n"
	"nvidia-mig-parted 'version: v1' format, docs/config-format.md), changing\n"
	"only what must change:\n"
	"  - every GPU is checked first: an unknown profile, a layout that does not\n"
	"    fit, or a busy instance in the way fails before anything changes;\n"
	"  - GPU and compute instances that can stay are kept; only those in the\n"
	"    way are destroyed (the fewest possible), and new ones are created at\n"
	"    placements chosen exactly;\n"
	"  - MIG mode changes only where it differs, and a GPU is reset only when\n"
	"    its generation needs it (Ampere) and --skip-reset is not given;\n"
	"  - a checkpoint and a journal are written first; a failed GPU is rolled\n"
	"    back to its checkpoint, and an apply cut short by a crash is rolled\n"
	"    back by the next apply or by 'migctl recover'.\n"
	"\n"
	"Options:\n"
	"  -f, --config-file FILE  the config; '-' reads standard input\n"
	"  -c, --selected-config LABEL  the config to apply (needed when FILE\n"
	"                          has more than one)\n"
	"  -k, --hooks-file FILE   mig-parted hooks (apply-start, pre-apply-mode,\n"
	"                          pre-apply-config, apply-exit)\n"
	"  -n, --dry-run           print the plan (what is destroyed and why,\n"
	"                          what is created where); change nothing\n"
	"  --force                 destroy instances that processes use when the\n"
	"                          layout needs their place: the processes get\n"
	"                          SIGTERM, then SIGKILL (default: refuse, exit 14)\n"
	"  -s, --skip-reset        never reset a GPU; a pending mode change exits 18\n"
	"  -m, --mode-only         only set MIG modes\n"
	"  --unmatched POLICY      GPUs no entry of the config matches: 'leave'\n"
	"                          them (default, as mig-parted) or 'disable' MIG\n"
	"                          on them; overrides the file's migctl-unmatched\n"
	"  --journal FILE          the journal (default: in the simulator's state\n"
	"                          directory, or /var/lib/migctl/journal.jsonl;\n"
	"                          $MIGCTL_JOURNAL)\n"
	"  -o, --output FMT        text (default) or json (per-GPU results)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 every GPU at its target; 5 malformed config; 8 unknown\n"
	"profile; 9 invalid placement; 11 layout does not fit; 13 unknown GPU or\n"
	"label; 14 busy instance in the way (nothing changed); 17 MIG requested on\n"
	"a GPU without MIG; 16 not root; 18 reset required; 19 reboot required;\n"
	"22 a step failed and the GPU was rolled back; 23 a hook failed; 24\n"
	"another migctl holds the node lock (--wait[=SECONDS] waits for it).\n";

/* Long-only options map to 'F' (force), 'G' (unmatched), 'H' (journal):
 * see cli_parse_apply_req. */
int cmd_apply(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = cli_parse_apply_req(cli, "apply", apply_usage, "fcknsmFGH", argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_apply(cli, &req) : r;
}

