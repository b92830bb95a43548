/* migctl list — GPUs and their MIG devices with UUIDs (nvidia-smi -L). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --- migctl list --------------------------------------------------------- */

static json_t *json_gpu(const struct migctl_gpu_state *gpu)
{
	const struct migctl_ci_state *devs[MIGCTL_NODE_MAX_GIS * MIGCTL_NODE_MAX_CIS];
	size_t n = cli_mig_devices(gpu, devs, sizeof(devs) / sizeof(devs[0]));
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct migctl_ci_state *c = devs[i];
		const struct migctl_gi_state *gi = cli_gi_of(gpu, c);
		json_array_append_new(a, json_pack("{s:i,s:s,s:i,s:i,s:s}",
			"index", (int)c->mig_index, "profile", c->profile_name,
			"gi", gi ? (int)gi->id : -1, "ci", (int)c->id, "uuid", c->uuid));
	}
	return json_pack("{s:i,s:s,s:s,s:b,s:o}", "index", (int)gpu->index,
			 "name", gpu->name, "uuid", gpu->uuid,
			 "mig_enabled", gpu->mig_current, "mig_devices", a);
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	const char *ids = NULL;
	size_t n;
	int r = cli_parse_gpu_list(cli, &cli_cmd_list, argc, argv, &ids);

	if (r != CLI_OPT_NEXT)
		return r;
	/* Names, UUIDs and MIG devices: no profiles, capacities or processes. */
	cli->node_read = MIGCTL_NODE_READ_DEVICES;
	if (cli_select_gpus(cli, ids, gpus, &n, &err))
		return cli_report(cli, &err);

	if (cli->output == CLI_JSON) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_gpu(gpus[i]));
		return cli_print_json(json_pack("{s:o}", "gpus", a));
	}
	for (size_t i = 0; i < n; i++) {
		const struct migctl_gpu_state *gpu = gpus[i];
		const struct migctl_ci_state *devs[MIGCTL_NODE_MAX_GIS * MIGCTL_NODE_MAX_CIS];
		size_t nd = cli_mig_devices(gpu, devs, sizeof(devs) / sizeof(devs[0]));

		printf("GPU %u: %s (UUID: %s)\n", gpu->index, gpu->name, gpu->uuid);
		for (size_t d = 0; d < nd; d++)
			printf("  MIG %-11s Device %2u: (UUID: %s)\n", devs[d]->profile_name,
			       devs[d]->mig_index, devs[d]->uuid);
	}
	return 0;
}

static const struct cli_opt list_opts[] = {
	CLI_OPT_GPUS("comma-separated (default: every GPU)"),
	{0},
};

const struct cli_command cli_cmd_list = {
	.name = "list",
	.summary = "list GPUs and MIG devices with their UUIDs",
	.description =
		"List the GPUs and their MIG devices with UUIDs, as 'nvidia-smi -L' does:\n"
		"\n"
		"  GPU 0: NVIDIA A100 80GB PCIe (UUID: GPU-...)\n"
		"    MIG 3g.40gb     Device  0: (UUID: MIG-...)\n"
		"\n"
		"A MIG device is a compute instance; its UUID is what CUDA_VISIBLE_DEVICES\n"
		"takes. Nothing on the GPUs changes.\n",
	.formats = "text json",
	.opts = list_opts,
	.run = cmd_list,
};
