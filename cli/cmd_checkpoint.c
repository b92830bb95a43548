/* migctl checkpoint — write the GPUs' MIG state as a checkpoint. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/file.h"

int cli_checkpoint(struct cli *cli, const char *file)
{
	struct migctl_checkpoint cp;
	struct migctl_error err = {0};
	char *text = NULL;
	enum migctl_err rc;

	migctl_checkpoint_init(&cp);
	if ((rc = cli_node(cli, &err)) || (rc = migctl_checkpoint_capture(&cli->node, &cp, &err)) ||
	    (rc = migctl_checkpoint_to_json(&cp, &text, &err)))
		goto out;
	if (strcmp(file, "-") == 0) {
		printf("%s\n", text);
	} else {
		/* Replaced whole: a planted link at its name is replaced, not
		 * written through. */
		size_t n = strlen(text);
		char *line = malloc(n + 2);
		if (!line) {
			rc = migctl_fail(&err, MIGCTL_ERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(line, text, n);
		memcpy(line + n, "\n", 2);
		rc = mu_file_write_atomic(file, "checkpoint", line, n + 1, &err);
		free(line);
	}
out:
	free(text);
	migctl_checkpoint_release(&cp);
	return rc ? cli_report(cli, &err) : 0;
}

int cmd_checkpoint(struct cli *cli, int argc, char **argv)
{
	struct apply_req req = {0};
	int r = cli_parse_apply_req(cli, &cli_cmd_checkpoint, argc, argv, &req);
	return r == CLI_OPT_NEXT ? cli_checkpoint(cli, req.config_file) : r;
}


static const struct cli_opt checkpoint_opts[] = {
	{"checkpoint-file", 'f', 0, "FILE", "where to write ('-': standard output)", CLI_V_FILE, NULL, true},
	{0},
};

const struct cli_command cli_cmd_checkpoint = {
	.name = "checkpoint",
	.summary = "save MIG modes and instances (with placements) to a file",
	.description =
		"Write every MIG-capable GPU's MIG mode, GPU instances (profile and\n"
		"placement) and compute instances (profile and placement) to FILE as\n"
		"JSON, in nvidia-mig-parted's checkpoint format ('-' writes to standard\n"
		"output). 'migctl restore -f FILE' brings them back.\n",
	.formats = "text json",
	.format_note = " (errors only: the checkpoint is JSON)",
	.opts = checkpoint_opts,
	.run = cmd_checkpoint,
};
