/* migctl recover — roll back what an interrupted apply left. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_recover(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	struct migctl_apply_report rep;
	struct migctl_error err = {0};
	bool found = false;
	int r = cli_parse_apply_req(cli, &cli_cmd_recover, argc, argv, &req);
	enum migctl_err rc;

	if (r != CLI_OPT_NEXT)
		return r;
	if ((rc = cli_node(cli, &err)) || (rc = cli_lock(cli, &err)))
		return cli_report(cli, &err);
	migctl_apply_report_init(&rep);
	char journal[600];
	rc = migctl_recover(&cli->node, cli_journal_path(cli, &req, journal, sizeof(journal)),
			    req.force ? cli_evict : NULL, NULL, &found, &rep, &err);
	if (!found && !rc) {
		if (cli->output == CLI_JSON)
			cli_print_json(json_pack("{s:b,s:b}", "ok", 1, "recovered", 0));
		else
			printf("no interrupted apply: nothing to recover\n");
	} else {
		cli_print_apply_report(cli, &rep, false, rc, &err, "recover");
	}
	migctl_apply_report_release(&rep);
	return (int)rc;
}


static const struct cli_opt recover_opts[] = {
	APPLY_OPT_JOURNAL_ENTRY("the journal (default as for apply)"),
	APPLY_OPT_FORCE_ENTRY("stop processes on instances the rollback must destroy"),
	{0},
};

const struct cli_command cli_cmd_recover = {
	.name = "recover",
	.summary = "roll back what an interrupted apply left",
	.description =
		"Finish what an interrupted apply left: if the journal exists, every GPU\n"
		"the apply had not finished is rolled back to the checkpoint the journal\n"
		"holds, and the journal is removed. 'migctl apply' does this by itself\n"
		"before it starts. Without a journal it says so and exits 0.\n",
	.formats = "text json",
	.opts = recover_opts,
	.run = cmd_recover,
};
