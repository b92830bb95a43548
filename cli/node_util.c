/* migctl CLI — helpers shared by the node commands (list, status, mode,
 * profiles, create, destroy): GPU selection, process lists, JSON pieces. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Select GPUs by a comma list of indices, UUIDs or PCI bus IDs (`list`
 * NULL: every GPU, in index order). Opens the node. Duplicates are kept
 * once, in the order given. */
enum migctl_err cli_select_gpus(struct cli *cli, const char *list,
				struct migctl_gpu_state **out, size_t *n,
				struct migctl_error *err)
{
	enum migctl_err rc;

	*n = 0;
	if ((rc = cli_node(cli, err)))
		return rc;
	if (!list) {
		for (size_t i = 0; i < cli->node.n_gpus && i < MIGCTL_NODE_MAX_GPUS; i++)
			out[(*n)++] = &cli->node.gpus[i];
		if (*n == 0)
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "the node has no NVIDIA GPUs");
		return MIGCTL_ERR_OK;
	}
	const char *p = list;
	char item[128];
	enum mu_list_item r;
	while ((r = mu_list_next(&p, item, sizeof(item))) != MU_LIST_END) {
		if (r == MU_LIST_EMPTY)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "-i: empty item in \"%s\"; write GPU indices, UUIDs or bus IDs separated by commas, e.g. -i 0,1",
					   list);
		if (r == MU_LIST_LONG)
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "-i: no GPU \"%.40s...\"", item);
		struct migctl_gpu_state *gpu = migctl_node_find_gpu(&cli->node, item, err);
		if (!gpu)
			return err->code ? err->code : MIGCTL_ERR_NOT_FOUND;
		bool dup = false;
		for (size_t i = 0; i < *n; i++)
			dup |= out[i] == gpu;
		if (!dup && *n < MIGCTL_NODE_MAX_GPUS)
			out[(*n)++] = gpu;
	}
	return MIGCTL_ERR_OK;
}

/* Keep only the GPUs with MIG mode enabled, in order, as nvidia-smi mig
 * does without -i. Returns how many there are; with none, the list is
 * left as it was (the caller reports the disabled GPUs). */
size_t cli_keep_mig_enabled(struct migctl_gpu_state **gpus, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += gpus[i]->mig_current;
	if (k == 0)
		return 0;
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (gpus[i]->mig_current)
			gpus[k++] = gpus[i];
	return k;
}

static bool proc_matches(const struct migctl_process *p, unsigned gi, unsigned ci)
{
	if (gi != MIGCTL_ID_NONE && p->gi != gi)
		return false;
	if (ci != MIGCTL_ID_NONE && p->ci != ci)
		return false;
	return true;
}

/* Processes on a GPU (gi = MIGCTL_ID_NONE: all), on a GI (ci =
 * MIGCTL_ID_NONE: any of its CIs) or on one CI. */
size_t cli_count_procs(const struct migctl_gpu_state *gpu, unsigned gi, unsigned ci)
{
	size_t n = 0;
	for (size_t i = 0; i < gpu->n_procs; i++)
		n += proc_matches(&gpu->procs[i], gi, ci);
	return n;
}

/* "1234 (sleep), 5678" for the processes cli_count_procs counts. */
void cli_format_pids(const struct migctl_gpu_state *gpu, unsigned gi, unsigned ci,
		     char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < gpu->n_procs; i++) {
		const struct migctl_process *p = &gpu->procs[i];
		if (!proc_matches(p, gi, ci))
			continue;
		int w = p->name[0]
			? snprintf(buf + used, len - used, "%s%u (%s)", used ? ", " : "", p->pid, p->name)
			: snprintf(buf + used, len - used, "%s%u", used ? ", " : "", p->pid);
		if (w < 0 || (size_t)w >= len - used) {
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += (size_t)w;
	}
}

/* The global option to repeat in a suggested command line: " --sim=DIR"
 * after --sim=DIR, " --sim" after --sim, "" on a real driver or when
 * MIGCTL_SIM=1 already selects the simulator. */
const char *cli_sim_flag(const struct cli *cli)
{
	static char buf[600];
	const char *env = getenv("MIGCTL_SIM");

	if (!cli->simulate)
		return "";
	if (cli->sim_state) {
		snprintf(buf, sizeof(buf), " --sim=%s", cli->sim_state);
		return buf;
	}
	if (env && *env && strcmp(env, "0") != 0)
		return "";
	return " --sim";
}

/* null when unknown (size 0: an early driver's CI) */
json_t *cli_json_placement(struct migctl_placement p)
{
	if (p.size == 0)
		return json_null();
	return json_pack("{s:i,s:i}", "start", (int)p.start, "size", (int)p.size);
}

json_t *cli_json_process(const struct migctl_process *p)
{
	json_t *o = json_pack("{s:I,s:s,s:I}", "pid", (json_int_t)p->pid, "name", p->name,
			      "used_memory_mib", (json_int_t)p->used_mib);
	json_object_set_new(o, "gi", p->gi == MIGCTL_ID_NONE ? json_null() : json_integer(p->gi));
	json_object_set_new(o, "ci", p->gi == MIGCTL_ID_NONE ? json_null() : json_integer(p->ci));
	return o;
}

json_t *cli_json_error(const struct migctl_error *err)
{
	return json_pack("{s:i,s:s,s:s}", "code", (int)err->code,
			 "name", migctl_err_name(err->code),
			 "message", err->msg[0] ? err->msg : migctl_strerror(err->code));
}

/* The MIG devices (CIs) of a GPU in MIG device index order. */
size_t cli_mig_devices(const struct migctl_gpu_state *gpu,
		       const struct migctl_ci_state **out, size_t cap)
{
	size_t n = 0;
	for (size_t g = 0; g < gpu->n_gis; g++)
		for (size_t c = 0; c < gpu->gis[g].n_cis && n < cap; c++)
			out[n++] = &gpu->gis[g].cis[c];
	/* insertion sort: a handful of entries */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1]->mig_index > out[j]->mig_index; j--) {
			const struct migctl_ci_state *t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* The GI a CI of `gpu` belongs to. */
const struct migctl_gi_state *cli_gi_of(const struct migctl_gpu_state *gpu,
					const struct migctl_ci_state *ci)
{
	for (size_t g = 0; g < gpu->n_gis; g++)
		if (ci >= gpu->gis[g].cis && ci < gpu->gis[g].cis + gpu->gis[g].n_cis)
			return &gpu->gis[g];
	return NULL;
}

