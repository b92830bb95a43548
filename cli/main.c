/* migctl — command-line entry point: global options and dispatch. */
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MIGCTL_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"catalog", cmd_catalog, "list GPU models and show their MIG profiles"},
	{"layouts", cmd_layouts, "enumerate the layouts of GPU instances on a model"},
	{"list", cmd_list, "list GPUs and MIG devices with their UUIDs"},
	{"status", cmd_status, "show GPUs, MIG mode, MIG devices and processes"},
	{"mode", cmd_mode, "enable or disable MIG mode"},
	{"profiles", cmd_profiles, "show GPU- and compute-instance profiles of the GPUs"},
	{"create", cmd_create, "create GPU instances (and their compute instances)"},
	{"destroy", cmd_destroy, "destroy compute and GPU instances"},
	{"plan", cmd_plan, "pack a demand of MIG profiles into the fewest GPUs"},
	{"apply", cmd_apply, "apply a declarative layout (mig-parted config), changing only what must change"},
	{"assert", cmd_assert, "check that the GPUs hold a config's layout"},
	{"export", cmd_export, "print the current layout as a config"},
	{"checkpoint", cmd_checkpoint, "save MIG modes and instances (with placements) to a file"},
	{"restore", cmd_restore, "bring back a checkpoint"},
	{"recover", cmd_recover, "roll back what an interrupted apply left"},
	{"config", cmd_config, "generate default layouts: 'migctl config generate'"},
	{"smi", smi_main, "the nvidia-smi MIG subset, e.g. 'migctl smi mig -lgi'"},
	{"parted", parted_main, "the nvidia-mig-parted interface, e.g. 'migctl parted apply'"},
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: migctl [--sim[=DIR]] [--catalog FILE] [-o text|json] COMMAND [ARGS...]\n"
		"\n"
		"migctl partitions NVIDIA GPUs with Multi-Instance GPU (MIG).\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Global options:\n"
		"  --sim[=DIR]       use the bundled GPU simulator (state in DIR, else\n"
		"                    $MIGSIM_STATE, else the per-user default); the\n"
		"                    environment MIGCTL_SIM=1 does the same\n"
		"  --catalog FILE    add or override GPU models (docs/catalog-format.md)\n"
		"  -o, --output FMT  text (default) or json\n"
		"  --wait[=SECONDS]  when another migctl is changing the node (it holds\n"
		"                    the node lock), wait for it, at most SECONDS;\n"
		"                    without --wait such a command exits 24 at once\n"
		"  -h, --help        show this help; 'migctl COMMAND --help' for a command\n"
		"  --version         print the version\n"
		"\n"
		"Exit codes: 0 success, 1 internal error, 2 usage, 3 out of memory,\n"
		"4 i/o error, 5 malformed input, 6 inconsistent catalog, 7 unknown GPU\n"
		"model, 8 unknown profile, 9 invalid placement, 10 insufficient\n"
		"resources, 11 layout does not fit, 12 simulator state, 13 not found,\n"
		"14 busy, 15 no driver, 16 no permission, 17 not supported, 18 reset\n"
		"required, 19 reboot required, 20 other driver error, 21 not applied,\n"
		"22 rolled back, 23 hook failed, 24 node locked (see README.md).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{"version", no_argument, NULL, 'V'},
		{"sim", optional_argument, NULL, 'S'},
		{0, 0, 0, 0},
	};
	struct cli cli = {.prog = "migctl", .output = CLI_TEXT};
	const char *env_sim = getenv("MIGCTL_SIM");
	int opt, rc;

	migctl_catalog_init(&cli.catalog);
	cli.simulate = env_sim && *env_sim && strcmp(env_sim, "0") != 0;
	/* Called as nvidia-smi (a symlink): the nvidia-smi personality. */
	if (argc > 0 && strcmp(basename(argv[0]), "nvidia-smi") == 0) {
		cli.prog = "nvidia-smi";
		rc = smi_main(&cli, argc, argv);
		goto out;
	}
	if (argc > 0 && strcmp(basename(argv[0]), "nvidia-mig-parted") == 0) {
		rc = parted_main(&cli, argc, argv);
		goto out;
	}
	while ((opt = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		int r = cli_common_option(&cli, opt, optarg);
		if (r < 0) {
			fprintf(stderr, "migctl: bad output format '%s' (use text or json)\n", optarg);
			return MIGCTL_ERR_USAGE;
		}
		if (r > 0)
			continue;
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("migctl %s\n", MIGCTL_VERSION);
			return 0;
		case 'S':
			cli.simulate = true;
			cli.sim_state = optarg;
			break;
		default:
			fprintf(stderr, "Run 'migctl --help' for usage.\n");
			return MIGCTL_ERR_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return MIGCTL_ERR_USAGE;
	}
	const char *name = argv[optind];
	rc = MIGCTL_ERR_USAGE;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			rc = commands[i].run(&cli, argc - optind, argv + optind);
			goto out;
		}
	}
	fprintf(stderr, "migctl: unknown command '%s'. Run 'migctl --help' for the list.\n", name);
out:
	if (cli.node_open)
		migctl_node_close(&cli.node);
	migctl_catalog_release(&cli.catalog);
	return rc;
}
