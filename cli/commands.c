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
	&cli_cmd_top, &cli_cmd_exporter,
	&cli_cmd_run, &cli_cmd_cdi,
	&cli_cmd_k8s, &cli_cmd_slurm,
	&cli_cmd_smi, &cli_cmd_parted,
	&cli_cmd_dmon,
	&cli_cmd_access,
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
