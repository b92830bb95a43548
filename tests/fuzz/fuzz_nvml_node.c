/* libFuzzer target: NVML's answers as migctl's node reader sees them. The
 * input is a simulated machine (the simulator's state file); when the
 * simulator accepts it, it is well formed but otherwise arbitrary: any
 * models, modes (pending ones too), GIs and CIs at any legal placement,
 * GIs without CIs, processes anywhere, half-swapped GI IDs. migctl then
 * reads the node through the simulator's NVML library (build/fuzz/sim,
 * loaded as on --sim), captures a checkpoint, writes it, reads it back and plans
 * the node back to it (what restore and recover do first). None of that
 * may crash or leak, the plans must succeed (the node is at its own
 * checkpoint), and the checkpoint must name every MIG-capable GPU. It finds the library next to
 * itself and keeps its state on tmpfs where it can (fuzz_env.h). */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply_impl.h"
#include "migctl/node.h"
#include "sim.h"
#include "fuzz_env.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char state_dir[64];
static char lib[4096];
static struct migctl_catalog catalog;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The whole state directory goes: the simulator also keeps its driver
 * root (a tree of files and device nodes) in it. */
static void cleanup(void)
{
	nftw(state_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	migctl_catalog_release(&catalog);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct migctl_error err;
	(void)argc;
	(void)argv;
	fuzz_sim_lib("fuzz_nvml_node", lib, sizeof(lib));
	fuzz_scratch_dir("fuzz_nvml_node", state_dir, sizeof(state_dir));
	migctl_catalog_init(&catalog);
	if (migctl_catalog_load_builtin(&catalog, &err))
		exit(1);
	atexit(cleanup);
	return 0;
}

/* Read the node, checkpoint it, and plan it back to that checkpoint. */
static void read_node(void)
{
	struct migctl_node_options opts = {
		.simulate = true, .sim_lib = lib, .sim_state = state_dir, .catalog = &catalog,
	};
	struct migctl_node node = {0};
	struct migctl_error err = {0};
	struct migctl_checkpoint cp, back;
	char *text = NULL;

	migctl_checkpoint_init(&cp);
	migctl_checkpoint_init(&back);
	if (migctl_node_open(&node, &opts, &err))
		return; /* e.g. no GPU: NVML does not start */
	if (migctl_node_refresh(&node, &err) == MIGCTL_ERR_OK) {
		if (migctl_checkpoint_capture(&node, &cp, &err) ||
		    migctl_checkpoint_to_json(&cp, &text, &err) ||
		    migctl_checkpoint_from_json(&back, "fuzz", text, strlen(text), &err)) {
			fprintf(stderr, "fuzz_nvml_node: the checkpoint of the node: %s\n", err.msg);
			abort();
		}
		size_t capable = 0;
		for (size_t i = 0; i < node.n_gpus; i++)
			capable += node.gpus[i].mig_capable;
		if (back.n_gpus != capable)
			abort();
		struct migctl_gpu_plan *plans = calloc(node.n_gpus + 1, sizeof(*plans));
		if (!plans)
			abort();
		/* A model the catalog lacks has no profiles to resolve: the
		 * plans may refuse it, never crash. */
		enum migctl_err rc = migctl_checkpoint_plans(&node, &back, plans, &err);
		if (rc && rc != MIGCTL_ERR_UNKNOWN_PROFILE)
			abort();
		free(plans);
	}
	free(text);
	migctl_checkpoint_release(&cp);
	migctl_checkpoint_release(&back);
	migctl_node_close(&node);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_machine *m = calloc(1, sizeof(*m));
	struct migctl_error err;

	if (!m)
		abort();
	/* Only what the simulator accepts reaches migctl: the answers are
	 * then those of a consistent driver. */
	if (sim_machine_from_json(m, (const char *)data, size, "fuzz", &err) == MIGCTL_ERR_OK) {
		if (sim_store_new(state_dir, m, &err) == MIGCTL_ERR_OK)
			read_node();
		sim_machine_release(m);
	}
	free(m);
	return 0;
}
