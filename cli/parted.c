/* The nvidia-mig-parted personality: `migctl parted COMMAND …`, or migctl
 * called as nvidia-mig-parted (a symlink). It takes nvidia-mig-parted's
 * commands, flags and MIG_PARTED_* variables (reference/mig-parted.md
 * §2.1) and prints its success lines, so that NVIDIA's k8s-mig-manager and
 * systemd units can call migctl instead; the work is migctl's (minimal
 * transitions, validation first, journal, targeted resets). Exit codes
 * are migctl's: mig-parted exits 1 for every failure, callers only test
 * for non-zero. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char parted_usage[] =
	"Usage: nvidia-mig-parted [-d] COMMAND [OPTIONS]\n"
	"       migctl parted [-d] COMMAND [OPTIONS]\n"
	"\n"
	"migctl's nvidia-mig-parted compatible interface.\n"
	"\n"
	"Commands:\n"
	"  apply            -f FILE [-c LABEL] [-k HOOKS] [-s] [-m]\n"
	"  assert           -f FILE [-c LABEL] [-m] [-a]\n"
	"  export           [-o yaml|json] [-l LABEL]\n"
	"  checkpoint       -f FILE\n"
	"  restore          -f FILE [-k HOOKS] [-m]\n"
	"  generate-config  [-f FILE] [-o yaml|json]\n"
	"\n"
	"Options and their variables:\n"
	"  -d, --debug                 MIG_PARTED_DEBUG: show hook output and\n"
	"                              why an assert failed\n"
	"  -f, --config-file FILE      MIG_PARTED_CONFIG_FILE ('-': stdin)\n"
	"  -f, --checkpoint-file FILE  MIG_PARTED_CHECKPOINT_FILE\n"
	"  -c, --selected-config LABEL MIG_PARTED_SELECTED_CONFIG\n"
	"  -k, --hooks-file FILE       MIG_PARTED_HOOKS_FILE\n"
	"  -s, --skip-reset            MIG_PARTED_SKIP_RESET\n"
	"  -m, --mode-only             MIG_PARTED_MODE_CHANGE_ONLY\n"
	"  -a, --valid-config          MIG_PARTED_VALID_CONFIG\n"
	"  -o, --output-format FMT     MIG_PARTED_OUTPUT_FORMAT (yaml or json)\n"
	"  -l, --config-label LABEL    MIG_PARTED_CONFIG_LABEL (default current)\n"
	"\n"
	"Unlike nvidia-mig-parted, apply keeps the instances that fit the new\n"
	"layout, never destroys one in use, resets only GPUs that need it, and\n"
	"exits with migctl's codes (see 'migctl apply --help').\n";

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "t") == 0);
}

static const char *env_str(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int parted_main(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"debug", no_argument, NULL, 'd'},
		{"config-file", required_argument, NULL, 'f'},
		{"checkpoint-file", required_argument, NULL, 'f'},
		{"selected-config", required_argument, NULL, 'c'},
		{"hooks-file", required_argument, NULL, 'k'},
		{"skip-reset", no_argument, NULL, 's'},
		{"mode-only", no_argument, NULL, 'm'},
		{"valid-config", no_argument, NULL, 'a'},
		{"output-format", required_argument, NULL, 'o'},
		{"config-label", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct apply_req req = {.parted = true};
	const char *cmd = NULL, *format = env_str("MIG_PARTED_OUTPUT_FORMAT");
	const char *label = env_str("MIG_PARTED_CONFIG_LABEL");
	bool checkpoint_cmd;
	int opt;

	cli->prog = "nvidia-mig-parted";
	req.debug = env_true("MIG_PARTED_DEBUG");
	/* Flags may come before and after the command (urfave/cli style for
	 * -d; the rest after): scan all, taking the first operand as the
	 * command. */
	optind = 0; /* 0: glibc re-initialises its scan state */
	while (optind < argc) {
		opt = getopt_long(argc, argv, "+df:c:k:smao:l:h", opts, NULL);
		if (opt == -1) {
			if (cmd) {
				fprintf(stderr, "nvidia-mig-parted: unexpected argument '%s'\n", argv[optind]);
				return MIGCTL_ERR_USAGE;
			}
			cmd = argv[optind++];
			continue;
		}
		switch (opt) {
		case 'd': req.debug = true; break;
		case 'f': req.config_file = optarg; break;
		case 'c': req.label = optarg; break;
		case 'k': req.hooks_file = optarg; break;
		case 's': req.skip_reset = true; break;
		case 'm': req.mode_only = true; break;
		case 'a': req.valid_only = true; break;
		case 'o': format = optarg; break;
		case 'l': label = optarg; break;
		case 'h': fputs(parted_usage, stdout); return 0;
		default:
			fprintf(stderr, "Run 'nvidia-mig-parted --help' for usage.\n");
			return MIGCTL_ERR_USAGE;
		}
	}
	if (!cmd) {
		fputs(parted_usage, stderr);
		return MIGCTL_ERR_USAGE;
	}
	checkpoint_cmd = strcmp(cmd, "checkpoint") == 0 || strcmp(cmd, "restore") == 0;
	/* Variables fill what the flags left open (flags win). */
	if (!req.config_file)
		req.config_file = env_str(checkpoint_cmd ? "MIG_PARTED_CHECKPOINT_FILE"
							 : "MIG_PARTED_CONFIG_FILE");
	if (!req.label)
		req.label = env_str("MIG_PARTED_SELECTED_CONFIG");
	if (!req.hooks_file)
		req.hooks_file = env_str("MIG_PARTED_HOOKS_FILE");
	req.skip_reset |= env_true("MIG_PARTED_SKIP_RESET");
	req.mode_only |= env_true("MIG_PARTED_MODE_CHANGE_ONLY");
	req.valid_only |= env_true("MIG_PARTED_VALID_CONFIG");
	if (format && strcmp(format, "yaml") != 0 && strcmp(format, "json") != 0) {
		fprintf(stderr, "nvidia-mig-parted: unrecognized output format: %s\n", format);
		return MIGCTL_ERR_USAGE;
	}
	bool json = format && strcmp(format, "json") == 0;

	if (strcmp(cmd, "export") == 0)
		return cli_export(cli, label ? label : "current", json, false);
	if (strcmp(cmd, "generate-config") == 0) {
		return cli_generate_config(cli, NULL, req.config_file, json);
	}
	if (!req.config_file) {
		fprintf(stderr, "Error: missing required flags '%s'\n",
			checkpoint_cmd ? "checkpoint-file" : "config-file");
		return MIGCTL_ERR_USAGE;
	}
	if (strcmp(cmd, "apply") == 0)
		return cli_apply(cli, &req);
	if (strcmp(cmd, "assert") == 0)
		return cli_assert(cli, &req);
	if (strcmp(cmd, "checkpoint") == 0)
		return cli_checkpoint(cli, req.config_file);
	if (strcmp(cmd, "restore") == 0)
		return cli_restore(cli, &req);
	fprintf(stderr, "nvidia-mig-parted: unknown command '%s'. Run 'nvidia-mig-parted --help'.\n",
		cmd);
	return MIGCTL_ERR_USAGE;
}

/* The personality keeps its own parser (it imitates nvidia-mig-parted's
 * command line); the descriptor gives it a place in --help, the man pages
 * and completion. */
const struct cli_command cli_cmd_parted = {
	.name = "parted",
	.summary = "the nvidia-mig-parted interface, e.g. 'migctl parted apply'",
	.operands = "[nvidia-mig-parted arguments]",
	.description =
		"Behave as nvidia-mig-parted does: apply, assert, export,\n"
		"generate-config, checkpoint and restore with its flags and its\n"
		"MIG_PARTED_* variables. A symlink named nvidia-mig-parted to migctl\n"
		"does the same. 'migctl parted --help' lists the commands.\n",
	.run = parted_main,
	.flags = CLI_OWN_PARSER,
};
