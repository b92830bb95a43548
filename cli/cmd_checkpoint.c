/* migctl checkpoint — write the GPUs' MIG state as a checkpoint. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%s.tmp", file);
		/* A fresh temp file: a stale one goes, a planted link is not
		 * followed. */
		unlink(tmp);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (fd >= 0 && !f)
			close(fd);
		bool ok = f && fprintf(f, "%s\n", text) >= 0;
		if (f && fclose(f) != 0)
			ok = false;
		if (!ok || rename(tmp, file) != 0) {
			rc = migctl_fail(&err, MIGCTL_ERR_IO, "cannot write %s: %s", file, strerror(errno));
			unlink(tmp);
		}
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
