/* migctl — command-line entry point: global options and dispatch through
 * the command descriptors (cli/commands.c). */
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MIGCTL_VERSION "0.1.0"

/* "Exit codes: 0 ok, 1 internal, ..." from the error X-macro, wrapped. */
static void print_exit_codes(FILE *out)
{
	enum migctl_err code;
	const char *name;
	int w = fprintf(out, "Exit codes:");

	for (size_t i = 0; migctl_err_entry(i, &code, &name, NULL); i++) {
		char item[64];
		int n = snprintf(item, sizeof(item), " %d %s%s", (int)code, name,
				 migctl_err_entry(i + 1, NULL, NULL, NULL) ? "," : "");
		if (w + n > 72) {
			fputc('\n', out);
			w = 0;
			memmove(item, item + 1, strlen(item));
			n--;
		}
		w += fprintf(out, "%s", item);
	}
	fprintf(out, "\n(see README.md; 'migctl __exit-codes' lists their meanings).\n");
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: migctl [--sim[=DIR]] [--catalog FILE] [-o text|json] COMMAND [ARGS...]\n"
		"\n"
		"migctl partitions NVIDIA GPUs with Multi-Instance GPU (MIG).\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < cli_n_commands; i++)
		fprintf(out, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
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
		"\n");
	print_exit_codes(out);
}

/* Under -o json a failed command that printed no JSON of its own gets
 * {"error": {...}} on stdout, besides the text on stderr. */
static void json_failure(const struct cli *cli, int rc)
{
	struct migctl_error err = cli->failure;

	if (rc == 0 || cli->output != CLI_JSON || cli_json_printed())
		return;
	if (err.code != (enum migctl_err)rc)
		migctl_fail(&err, (enum migctl_err)rc, "%s", migctl_strerror((enum migctl_err)rc));
	cli_print_json(json_pack("{s:o}", "error", cli_json_error(&err)));
}

static int dispatch(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *cmd;
	char hint[300];

	if (strncmp(argv[0], "__", 2) == 0)
		return cli_doc_main(cli, argc, argv);
	cmd = cli_find_command(argv[0]);
	if (cmd) {
		int rc = cmd->run(cli, argc, argv);
		if (!(cmd->flags & CLI_OWN_PARSER))
			json_failure(cli, rc);
		return rc;
	}
	cli_suggest_command(argv[0], hint, sizeof(hint));
	fprintf(stderr, "migctl: unknown command '%s'%s Run 'migctl --help' for the list.\n",
		argv[0], hint[0] ? hint : ".");
	migctl_fail(&cli->failure, MIGCTL_ERR_USAGE, "unknown command '%s'%s", argv[0], hint);
	json_failure(cli, MIGCTL_ERR_USAGE);
	return MIGCTL_ERR_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"catalog", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"sim", optional_argument, NULL, 'S'},
		{"wait", optional_argument, NULL, 'W'},
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
		switch (opt) {
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "migctl: bad output format '%s' (use text or json)\n", optarg);
				return MIGCTL_ERR_USAGE;
			}
			cli.output = strcmp(optarg, "json") == 0 ? CLI_JSON : CLI_TEXT;
			cli.format = optarg;
			break;
		case 'C':
			cli.catalog_file = optarg;
			break;
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
		case 'W':
			if (cli_set_wait(&cli, optarg)) {
				fprintf(stderr, "migctl: bad --wait '%s' (seconds, 0 to 86400)\n", optarg);
				return MIGCTL_ERR_USAGE;
			}
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
	rc = dispatch(&cli, argc - optind, argv + optind);
out:
	if (cli.locked)
		cli_cdi_refresh(&cli);
	if (cli.node_open)
		migctl_node_close(&cli.node);
	migctl_catalog_release(&cli.catalog);
	return rc;
}
