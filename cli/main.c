/* migctl — command-line entry point: global options and dispatch. */
#include <getopt.h>
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
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: migctl [--catalog FILE] [-o text|json] COMMAND [ARGS...]\n"
		"\n"
		"migctl partitions NVIDIA GPUs with Multi-Instance GPU (MIG).\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Global options:\n"
		"  --catalog FILE    add or override GPU models (docs/catalog-format.md)\n"
		"  -o, --output FMT  text (default) or json\n"
		"  -h, --help        show this help; 'migctl COMMAND --help' for a command\n"
		"  --version         print the version\n"
		"\n"
		"Exit codes: 0 success, 1 internal error, 2 usage, 3 out of memory,\n"
		"4 i/o error, 5 malformed input, 6 inconsistent catalog, 7 unknown GPU\n"
		"model, 8 unknown profile, 9 invalid placement, 10 insufficient\n"
		"resources, 11 layout does not fit (see README.md).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{"version", no_argument, NULL, 'V'},
		{0, 0, 0, 0},
	};
	struct cli cli = {.prog = "migctl", .output = CLI_TEXT};
	int opt, rc;

	migctl_catalog_init(&cli.catalog);
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
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			rc = commands[i].run(&cli, argc - optind, argv + optind);
			migctl_catalog_release(&cli.catalog);
			return rc;
		}
	}
	fprintf(stderr, "migctl: unknown command '%s'. Run 'migctl --help' for the list.\n", name);
	return MIGCTL_ERR_USAGE;
}
