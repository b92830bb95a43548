/* migctl top — placeholder. */
#include "cli.h"
int cmd_top(struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc; (void)argv;
	return 0;
}
static const struct cli_opt top_opts[] = {{0}};
const struct cli_command cli_cmd_top = {
	.name = "top", .summary = "live view", .description = "x\n", .formats = "text",
	.opts = top_opts, .run = cmd_top,
};
