/* migctl status — GPUs, MIG mode, MIG devices and processes. */
#include <string.h>

#include "cli.h"

static const char *onoff(bool on)
{
	return on ? "Enabled" : "Disabled";
}

static void print_mode(const struct cli *cli, const struct migctl_gpu_state *gpu)
{
	printf("  MIG mode:  ");
	if (!gpu->mig_capable) {
		printf("N/A (this GPU does not support MIG)\n");
		return;
	}
	printf("%s", onoff(gpu->mig_current));
	if (gpu->mig_pending != gpu->mig_current)
		printf(" (pending %s: reset the GPU with 'migctl%s mode %s -i %u --reset' / reboot)",
		       onoff(gpu->mig_pending), cli_sim_flag(cli),
		       gpu->mig_pending ? "enable" : "disable", gpu->index);
	printf("\n");
}

static void print_devices(const struct cli *cli, const struct migctl_gpu_state *gpu)
{
	int pw = 7; /* "PROFILE" */

	if (!gpu->mig_capable)
		return;
	if (!gpu->mig_current) {
		if (gpu->mig_pending)
			printf("  MIG devices: none (MIG mode is disabled until the reset)\n");
		else
			printf("  MIG devices: none (MIG mode is disabled; enable it with 'migctl%s mode enable -i %u')\n",
			       cli_sim_flag(cli), gpu->index);
		return;
	}
	if (gpu->n_gis == 0) {
		printf("  MIG devices: none (create some with 'migctl%s create -i %u PROFILE'; 'migctl%s profiles -i %u' lists them)\n",
		       cli_sim_flag(cli), gpu->index, cli_sim_flag(cli), gpu->index);
		return;
	}
	for (size_t g = 0; g < gpu->n_gis; g++) {
		const struct migctl_gi_state *gi = &gpu->gis[g];
		for (size_t c = 0; c < gi->n_cis; c++)
			if ((int)strlen(gi->cis[c].profile_name) > pw)
				pw = (int)strlen(gi->cis[c].profile_name);
		if (gi->profile && (int)strlen(gi->profile->name) > pw)
			pw = (int)strlen(gi->profile->name);
	}
	printf("  MIG devices:\n");
	printf("    GI  CI  DEV  %-*s  PLACEMENT  %-19s  SM  CE  ENC  DEC  OFA  JPG\n", pw,
	       "PROFILE", "MEMORY (USED/TOTAL)");
	for (size_t g = 0; g < gpu->n_gis; g++) {
		const struct migctl_gi_state *gi = &gpu->gis[g];
		const struct migctl_gi_profile *p = gi->profile;
		char place[16], eng[40] = "";

		snprintf(place, sizeof(place), "%u:%u", gi->placement.start, gi->placement.size);
		if (p)
			snprintf(eng, sizeof(eng), "%2u  %3u  %3u  %3u  %3u", p->ce, p->enc, p->dec,
				 p->ofa, p->jpg);
		if (gi->n_cis == 0) {
			char name[MIGCTL_NAME_MAX + 16];
			if (p)
				snprintf(name, sizeof(name), "%s", p->name);
			else
				snprintf(name, sizeof(name), "profile %u", gi->profile_id);
			printf("    %2u   -    -  %-*s  %-9s  %-19s  %2s  %s  (no compute instance)\n",
			       gi->id, pw, name, place, "-", "-", eng);
			continue;
		}
		for (size_t c = 0; c < gi->n_cis; c++) {
			const struct migctl_ci_state *ci = &gi->cis[c];
			char mem[48];
			snprintf(mem, sizeof(mem), "%lluMiB / %lluMiB",
				 (unsigned long long)ci->memory_used_mib,
				 (unsigned long long)ci->memory_total_mib);
			printf("    %2u  %2u  %3u  %-*s  %-9s  %-19s  %2u  %s\n", gi->id, ci->id,
			       ci->mig_index, pw, ci->profile_name, place, mem, ci->sm, eng);
		}
	}
}

static void print_processes(const struct migctl_gpu_state *gpu)
{
	if (gpu->procs_unknown) {
		printf("  Processes: unknown (the driver did not list them)\n");
		return;
	}
	if (gpu->n_procs == 0) {
		printf("  Processes: none\n");
		return;
	}
	int nw = 4; /* "NAME" */
	for (size_t i = 0; i < gpu->n_procs; i++)
		if ((int)strlen(gpu->procs[i].name) > nw)
			nw = (int)strlen(gpu->procs[i].name);
	printf("  Processes:\n");
	printf("    GI  CI  DEV      PID  %-*s  MEMORY\n", nw, "NAME");
	for (size_t i = 0; i < gpu->n_procs; i++) {
		const struct migctl_process *p = &gpu->procs[i];
		char gi[12] = "-", ci[12] = "-", dev[12] = "-";
		if (p->gi != MIGCTL_ID_NONE) {
			snprintf(gi, sizeof(gi), "%u", p->gi);
			snprintf(ci, sizeof(ci), "%u", p->ci);
			const struct migctl_gi_state *g =
				migctl_gpu_find_gi((struct migctl_gpu_state *)gpu, p->gi);
			const struct migctl_ci_state *c =
				g ? migctl_gi_find_ci((struct migctl_gi_state *)g, p->ci) : NULL;
			if (c)
				snprintf(dev, sizeof(dev), "%u", c->mig_index);
		}
		printf("    %2s  %2s  %3s  %7u  %-*s  %lluMiB\n", gi, ci, dev, p->pid, nw,
		       p->name[0] ? p->name : "?", (unsigned long long)p->used_mib);
	}
}

static json_t *json_engines(const struct migctl_gi_profile *p, json_t *o)
{
	if (!p)
		return o;
	json_object_set_new(o, "ce", json_integer(p->ce));
	json_object_set_new(o, "enc", json_integer(p->enc));
	json_object_set_new(o, "dec", json_integer(p->dec));
	json_object_set_new(o, "ofa", json_integer(p->ofa));
	json_object_set_new(o, "jpg", json_integer(p->jpg));
	return o;
}

static json_t *json_gpu(const struct migctl_gpu_state *gpu)
{
	json_t *gis = json_array(), *procs = json_array();

	for (size_t g = 0; g < gpu->n_gis; g++) {
		const struct migctl_gi_state *gi = &gpu->gis[g];
		json_t *cis = json_array();
		for (size_t c = 0; c < gi->n_cis; c++) {
			const struct migctl_ci_state *ci = &gi->cis[c];
			json_t *cp = json_array();
			for (size_t i = 0; i < gpu->n_procs; i++)
				if (gpu->procs[i].gi == gi->id && gpu->procs[i].ci == ci->id)
					json_array_append_new(cp, cli_json_process(&gpu->procs[i]));
			json_array_append_new(cis, json_pack("{s:i,s:i,s:s,s:o,s:i,s:s,s:I,s:I,s:i,s:o}",
				"id", (int)ci->id, "profile_id", (int)ci->profile_id,
				"profile", ci->profile_name,
				"placement", cli_json_placement(ci->placement),
				"mig_device", (int)ci->mig_index, "uuid", ci->uuid,
				"memory_total_mib", (json_int_t)ci->memory_total_mib,
				"memory_used_mib", (json_int_t)ci->memory_used_mib,
				"sm", (int)ci->sm, "processes", cp));
		}
		json_t *o = json_pack("{s:i,s:i,s:s,s:o}", "id", (int)gi->id,
				      "profile_id", (int)gi->profile_id,
				      "profile", gi->profile ? gi->profile->name : "",
				      "placement", cli_json_placement(gi->placement));
		if (gi->profile) {
			json_object_set_new(o, "memory_mib", json_integer((json_int_t)gi->profile->memory_mib));
			json_object_set_new(o, "sm", json_integer(gi->profile->sm));
		}
		json_engines(gi->profile, o);
		json_object_set_new(o, "compute_instances", cis);
		json_array_append_new(gis, o);
	}
	for (size_t i = 0; i < gpu->n_procs; i++)
		json_array_append_new(procs, cli_json_process(&gpu->procs[i]));
	return json_pack("{s:i,s:s,s:s,s:s,s:o,s:I,s:I,s:{s:b,s:b,s:b,s:b},s:o,s:o,s:b}",
		"index", (int)gpu->index, "name", gpu->name, "uuid", gpu->uuid,
		"bus_id", gpu->bus_id,
		"pci_device_id", json_sprintf("0x%04X", gpu->pci_device_id),
		"memory_total_mib", (json_int_t)gpu->memory_total_mib,
		"memory_used_mib", (json_int_t)gpu->memory_used_mib,
		"mig", "capable", gpu->mig_capable, "current", gpu->mig_current,
		"pending", gpu->mig_pending,
		"change_pending", gpu->mig_capable && gpu->mig_pending != gpu->mig_current,
		"gpu_instances", gis, "processes", procs, "processes_known", !gpu->procs_unknown);
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	struct migctl_gpu_state *gpus[MIGCTL_NODE_MAX_GPUS];
	struct migctl_error err = {0};
	const char *ids = NULL;
	size_t n;
	int r = cli_parse_gpu_list(cli, &cli_cmd_status, argc, argv, &ids);

	if (r != CLI_OPT_NEXT)
		return r;
	/* Everything but the profiles' placements and remaining capacities,
	 * which status does not print. */
	cli->node_read = MIGCTL_NODE_READ_EVERYTHING &
			 ~(MIGCTL_NODE_READ_PLACEMENTS | MIGCTL_NODE_READ_CAPACITY);
	if (cli_select_gpus(cli, ids, gpus, &n, &err))
		return cli_report(cli, &err);

	const struct migctl_node *node = &cli->node;
	if (cli->output == CLI_JSON) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_gpu(gpus[i]));
		return cli_print_json(json_pack("{s:s,s:s,s:i,s:b,s:o}",
			"driver_version", node->driver_version,
			"nvml_version", node->nvml_version,
			"cuda_version", node->cuda_version,
			"simulated", node->simulated, "gpus", a));
	}
	printf("Driver %s, CUDA %d.%d%s\n", node->driver_version, node->cuda_version / 1000,
	       node->cuda_version % 1000 / 10, node->simulated ? " (simulator)" : "");
	for (size_t i = 0; i < n; i++) {
		const struct migctl_gpu_state *gpu = gpus[i];
		printf("\nGPU %u: %s\n", gpu->index, gpu->name);
		printf("  UUID:      %s\n", gpu->uuid);
		printf("  Bus ID:    %s\n", gpu->bus_id);
		printf("  Memory:    %lluMiB / %lluMiB used\n",
		       (unsigned long long)gpu->memory_used_mib,
		       (unsigned long long)gpu->memory_total_mib);
		print_mode(cli, gpu);
		print_devices(cli, gpu);
		print_processes(gpu);
	}
	return 0;
}

static const struct cli_opt status_opts[] = {
	CLI_OPT_GPUS("comma-separated (default: every GPU)"),
	{0},
};

const struct cli_command cli_cmd_status = {
	.name = "status",
	.summary = "show GPUs, MIG mode, MIG devices and processes",
	.description =
		"Show each GPU: index, name, UUID, PCI bus ID, memory used/total and MIG\n"
		"mode (with a pending change and what it needs: a GPU reset or a reboot);\n"
		"then its MIG devices: GPU instance (GI), compute instance (CI), MIG device\n"
		"index, profile, GI placement (start:size), memory used/total, SMs and\n"
		"the GI's engines (CE, ENC, DEC, OFA, JPG); then the processes on each\n"
		"MIG device (or on the whole GPU). GPU instances without a compute\n"
		"instance are listed with '-' for CI and MIG device. Nothing changes.\n",
	.formats = "text json",
	.opts = status_opts,
	.run = cmd_status,
};
