/* migctl apply — bring the GPUs to a config's layout, changing only what
 * must change (cli/apply_run.c does the work). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "slurm_run.h"

int cmd_apply(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = cli_parse_apply_req(cli, &cli_cmd_apply, argc, argv, &req);
	if (r != CLI_OPT_NEXT)
		return r;
	r = cli_apply(cli, &req);
	/* Slurm follows the layout once it is in place (under the node lock
	 * apply still holds). */
	if (r == 0 && (req.slurm_reconfigure || req.slurm_restart) && !req.dry_run) {
		struct cli_slurm_paths sp;
		cli_slurm_paths_default(&sp);
		sp.restart = req.slurm_restart;
		r = cli_slurm_reconfigure(cli, &sp);
	}
	return r;
}

static const struct cli_opt apply_opts[] = {
	APPLY_OPT_CONFIG("the config to apply (needed when FILE\nhas more than one)"),
	APPLY_OPT_HOOKS,
	APPLY_OPT_DRY_RUN,
	APPLY_OPT_FORCE_ENTRY("destroy instances that processes use when the\n"
			      "layout needs their place: the processes get\n"
			      "SIGTERM, then SIGKILL (default: refuse, exit 14)"),
	APPLY_OPT_SKIP_RESET,
	{"mode-only", 'm', 0, NULL, "only set MIG modes", CLI_V_NONE, NULL, false},
	APPLY_OPT_UNMATCHED_ENTRY("GPUs no entry of the config matches: 'leave'\n"
				  "them (default, as mig-parted) or 'disable' MIG\n"
				  "on them; overrides the file's migctl-unmatched"),
	APPLY_OPT_JOURNAL_ENTRY("the journal (default: in the simulator's state\n"
				"directory, or /var/lib/migctl/journal.jsonl;\n"
				"$MIGCTL_JOURNAL)"),
	{"slurm-reconfigure", 0, APPLY_OPT_SLURM, NULL,
	 "after a change: write gres.conf and the node's Gres=\n"
	 "in slurm.conf ($SLURM_CONF) for the new layout, run\n"
	 "'scontrol reconfigure', resume the node if drained\n"
	 "(migctl slurm reconfigure)", CLI_V_NONE, NULL, false},
	{"slurm-restart", 0, APPLY_OPT_SLURM_RESTART, "CMD",
	 "with --slurm-reconfigure: the shell command that\n"
	 "restarts slurmctld when it keeps the old GRES (Slurm\n"
	 "takes new File= GRES only at a restart)", CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_apply = {
	.name = "apply",
	.summary = "apply a declarative layout (mig-parted config), changing only what must change",
	.description =
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
		"    back by the next apply or by 'migctl recover'.\n",
	.formats = "text json",
	.format_note = " (per-GPU results)",
	.opts = apply_opts,
	.epilogue =
		"Exit status: 0 every GPU at its target; 5 malformed config; 8 unknown\n"
		"profile; 9 invalid placement; 11 layout does not fit; 13 unknown GPU or\n"
		"label; 14 busy instance in the way (nothing changed); 17 MIG requested on\n"
		"a GPU without MIG; 16 not root; 18 reset required; 19 reboot required;\n"
		"22 a step failed and the GPU was rolled back; 23 a hook failed; 24\n"
		"another migctl holds the node lock (--wait[=SECONDS] waits for it).\n",
	.run = cmd_apply,
};
