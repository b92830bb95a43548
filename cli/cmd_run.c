/* migctl run — run a command on one MIG device: CUDA_VISIBLE_DEVICES and
 * NVIDIA_VISIBLE_DEVICES set to its UUID, then execvp. The device is named
 * as include/migctl/migdev.h says (GPU:MIG, UUID, legacy UUID, profile). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "migctl/migdev.h"

enum { RUN_OPT_EXCLUSIVE = 1000 };

/* Exit statuses of a command that cannot be started, as env(1) and the
 * shells give them, so that scripts cannot take them for migctl's. */
#define RUN_EXIT_CANNOT_EXEC 126
#define RUN_EXIT_NOT_FOUND 127

static json_t *json_device(const struct migctl_migdev_ref *d)
{
	return json_pack("{s:i,s:i,s:s,s:s,s:i,s:i,s:s,s:i}", "gpu", (int)d->gpu->index,
			 "mig_index", (int)d->ci->mig_index, "uuid", d->ci->uuid,
			 "gpu_uuid", d->gpu->uuid, "gi", (int)d->gi->id, "ci", (int)d->ci->id,
			 "profile", d->ci->profile_name, "processes", (int)d->ci->n_procs);
}

/* --dry-run: what would run, and with which variables. */
static int print_plan(struct cli *cli, const struct migctl_migdev_ref *d, int argc, char **argv)
{
	if (cli->output == CLI_JSON) {
		json_t *cmd = json_array();
		for (int i = 0; i < argc; i++)
			json_array_append_new(cmd, json_string(argv[i]));
		return cli_print_json(json_pack("{s:o,s:{s:s,s:s},s:o}", "device", json_device(d),
						"env", "CUDA_VISIBLE_DEVICES", d->ci->uuid,
						"NVIDIA_VISIBLE_DEVICES", d->ci->uuid, "command", cmd));
	}
	printf("MIG device %u:%u (%s, %s on GPU %u, GI %u CI %u%s)\n", d->gpu->index,
	       d->ci->mig_index, d->ci->uuid, d->ci->profile_name, d->gpu->index, d->gi->id,
	       d->ci->id, d->ci->n_procs ? ", busy" : "");
	printf("CUDA_VISIBLE_DEVICES=%s\nNVIDIA_VISIBLE_DEVICES=%s\n", d->ci->uuid, d->ci->uuid);
	for (int i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	if (argc)
		putchar('\n');
	return 0;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct migctl_migdev_ref dev;
	struct migctl_error err = {0};
	const char *device = NULL;
	bool exclusive = false, dry = false;
	struct cli_parse p;
	char uuid[sizeof(dev.ci->uuid)];
	int opt;

	cli_parse_init(&p, cli, &cli_cmd_run, argc, argv);
	while ((opt = cli_next_opt(&p)) > 0) {
		if (opt == 'd')
			device = p.arg;
		else if (opt == RUN_OPT_EXCLUSIVE)
			exclusive = true;
		else if (opt == 'n')
			dry = true;
	}
	if (opt == CLI_PARSE_STOP)
		return p.rc;
	if (!device)
		return cli_usage_error(cli, "run", "which MIG device? give -d DEVICE (see 'migctl list')");
	if (p.ind >= argc && !dry)
		return cli_usage_error(cli, "run", "no command to run; write: migctl run -d %s -- CMD [ARGS...]",
				       device);
	/* A malformed DEVICE is a usage error, found before any driver. */
	struct migctl_migdev_spec spec;
	if (migctl_migdev_parse(device, &spec, &err))
		return cli_report(cli, &err);
	if (cli_node(cli, &err) || migctl_migdev_resolve(&cli->node, device, exclusive, &dev, &err))
		return cli_report(cli, &err);
	if (dry)
		return print_plan(cli, &dev, argc - p.ind, argv + p.ind);

	snprintf(uuid, sizeof(uuid), "%s", dev.ci->uuid);
	/* The command must not inherit our NVML session (and the simulator's
	 * open state file): let go of the node before exec. */
	migctl_node_close(&cli->node);
	cli->node_open = false;
	if (setenv("CUDA_VISIBLE_DEVICES", uuid, 1) || setenv("NVIDIA_VISIBLE_DEVICES", uuid, 1)) {
		migctl_fail(&err, MIGCTL_ERR_NOMEM, "cannot set CUDA_VISIBLE_DEVICES: %s", strerror(errno));
		return cli_report(cli, &err);
	}
	fflush(NULL);
	execvp(argv[p.ind], argv + p.ind);
	int e = errno;
	fprintf(stderr, "migctl: run: cannot run '%s': %s\n", argv[p.ind], strerror(e));
	return e == ENOENT ? RUN_EXIT_NOT_FOUND : RUN_EXIT_CANNOT_EXEC;
}

static const struct cli_opt run_opts[] = {
	{"device", 'd', 0, "DEVICE", "the MIG device: GPU:MIG ('0:1'), its UUID ('MIG-…'),\n"
	 "a legacy 'MIG-GPU-<uuid>/<gi>/<ci>', or a profile name\n"
	 "('1g.10gb': the first idle MIG device of that profile)", CLI_V_NONE, NULL, true},
	{"exclusive", 0, RUN_OPT_EXCLUSIVE, NULL, "refuse (exit 14) a device that processes already use",
	 CLI_V_NONE, NULL, false},
	{"dry-run", 'n', 0, NULL, "print the device, the variables and the command; run nothing",
	 CLI_V_NONE, NULL, false},
	{0},
};

const struct cli_command cli_cmd_run = {
	.name = "run",
	.summary = "run a command on one MIG device",
	.operands = "[--] CMD [ARGS...]",
	.description =
		"Run CMD with CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES set to the\n"
		"UUID of one MIG device, so that CUDA uses that slice only. migctl replaces\n"
		"itself with CMD (execvp), which therefore gets migctl's process, standard\n"
		"streams and exit status.\n"
		"\n"
		"Options after CMD belong to CMD; '--' before CMD is optional.\n"
		"\n"
		"--exclusive checks the device at start; a process that starts on it a\n"
		"moment later is not stopped. A profile name always picks an idle device.\n",
	.formats = "text json",
	.format_note = " (-o json with --dry-run)",
	.opts = run_opts,
	.epilogue =
		"Exit status: CMD's; 126 when CMD cannot be run, 127 when it is not\n"
		"found; else migctl's codes below (13: no such device, 14: busy).\n",
	.operand_values = CLI_V_NONE,
	.run = cmd_run,
	.flags = CLI_OPERANDS_LAST,
};
