/* migctl CLI — the table of command descriptors: what 'migctl --help'
 * lists, what main() dispatches to, what the man pages and the bash
 * completion describe. Each descriptor lives in its command's file. */
#include <string.h>

#include "cli.h"
#include "util/suggest.h"

const struct cli_command *const cli_commands[] = {
	&cli_cmd_catalog, &cli_cmd_layouts, &cli_cmd_list, &cli_cmd_status,
	&cli_cmd_mode, &cli_cmd_profiles, &cli_cmd_create, &cli_cmd_destroy,
	&cli_cmd_plan, &cli_cmd_apply, &cli_cmd_assert, &cli_cmd_export,
	&cli_cmd_checkpoint, &cli_cmd_restore, &cli_cmd_recover, &cli_cmd_config,
	&cli_cmd_smi, &cli_cmd_parted,
};
const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < cli_n_commands; i++)
		if (strcmp(name, cli_commands[i]->name) == 0)
			return cli_commands[i];
	return NULL;
}

void cli_suggest_command(const char *name, char *buf, size_t len)
{
	struct mu_suggest s;
	char list[256];

	mu_suggest_init(&s, name);
	for (size_t i = 0; i < cli_n_commands; i++)
		mu_suggest_add(&s, cli_commands[i]->name);
	if (mu_suggest_format(&s, '\'', list, sizeof(list)))
		snprintf(buf, len, "; did you mean %s?", list);
	else if (len)
		buf[0] = '\0';
}

/* The personalities keep their own parsers (they imitate other tools'
 * command lines); the descriptors give them a place in --help, the man
 * pages and completion. */
const struct cli_command cli_cmd_smi = {
	.name = "smi",
	.summary = "the nvidia-smi MIG subset, e.g. 'migctl smi mig -lgi'",
	.operands = "[nvidia-smi arguments]",
	.description =
		"Behave as nvidia-smi does for its MIG subset: -L, the plain status\n"
		"table, -mig 0|1, and 'mig' with -lgip, -lgipp, -lgi, -cgi, -dgi,\n"
		"-lcip, -lcipp, -lci, -cci and -dci. Messages and exit codes are\n"
		"nvidia-smi's.\n"
		"A symlink named nvidia-smi to migctl does the same. 'migctl smi --help'\n"
		"lists what is supported.\n",
	.run = smi_main,
	.flags = CLI_OWN_PARSER,
};

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
