/* libFuzzer target: Slurm's text as migctl reads it (lib/slurm.c) and the
 * command lines of 'migctl slurm' and 'migctl k8s' without a driver.
 *
 * The first byte picks what is fuzzed; the rest is split at the first
 * 0x01 byte into A and B:
 *   0  gres.conf A mapped for the indices of B's second line, types in the
 *      order of B's first line (the TaskProlog);
 *   1  slurm.conf A: the Gres= of node B, then set to a value and read
 *      back, which must give that value (and remove it: none);
 *   2  `scontrol show node` text A: drained, Gres=;
 *   3  argv of slurm or k8s from A's lines (no driver: MIGCTL_NVML_LIB
 *      points nowhere, so nothing is written and scontrol never runs).
 * Run it with -close_fd_mask=3 (tests/fuzz/smoke.sh does). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migctl/slurm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("MIGCTL_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	unsetenv("MIGCTL_SIM");
	/* The prolog reads these; keep them off the host's own files. */
	setenv("SLURM_CONF", "/nonexistent/slurm.conf", 1);
	unsetenv("SLURM_STEP_GPUS");
	unsetenv("SLURM_JOB_GPUS");
	unsetenv("CUDA_VISIBLE_DEVICES");
	return 0;
}

static void fuzz_map(const char *a, size_t alen, char *b)
{
	char *nl = strchr(b, '\n'), out[512];
	struct migctl_error err;

	if (nl)
		*nl = '\0';
	migctl_slurm_map(a, alen, b, nl ? nl + 1 : "0", out, sizeof(out), &err);
}

static void fuzz_conf(const char *a, size_t alen, const char *node)
{
	struct migctl_error err;
	char gres[256], back[256];
	char *out = NULL;

	if (migctl_slurm_conf_gres(a, alen, node, gres, sizeof(gres), &err))
		return;
	static const char *const values[] = {"gpu:1g.10gb:2,gpu:3g.40gb:1", ""};
	for (size_t i = 0; i < 2; i++) {
		if (migctl_slurm_conf_set_gres(a, alen, node, values[i], &out, &err))
			abort(); /* the node was found above */
		if (migctl_slurm_conf_gres(out, strlen(out), node, back, sizeof(back), &err) ||
		    strcmp(back, values[i]) != 0)
			abort(); /* what was set must read back */
		free(out);
		out = NULL;
	}
}

/* Whether an argument would give the command a driver after all: --sim
 * (or --sim=DIR, or a unique prefix such as --si) opens the simulator, and
 * with a driver `slurm gres -f`, `k8s labels -f`, `reconfigure --restart`
 * and --slurm-conf write files or run commands; fuzzing found it making
 * simulator states named by its input in the working directory. */
static bool opens_simulator(const char *arg)
{
	return strncmp(arg, "--s", 3) == 0 && strncmp(arg, "--st", 4) != 0 && strncmp(arg, "--sl", 4) != 0;
}

static void fuzz_cli(char *text)
{
	char *argv[64];
	int argc = 0;
	int which = text[0] & 1;

	argv[argc++] = which ? "slurm" : "k8s";
	for (char *p = text + (text[0] != '\0'), *tok; argc < 63 && (tok = strsep(&p, "\n")) != NULL;)
		if (!opens_simulator(tok))
			argv[argc++] = tok;
	argv[argc] = NULL;
	struct cli cli = {.prog = "migctl", .output = CLI_TEXT};
	migctl_catalog_init(&cli.catalog);
	(which ? cmd_slurm : cmd_k8s)(&cli, argc, argv);
	if (cli.node_open)
		migctl_node_close(&cli.node);
	migctl_catalog_release(&cli.catalog);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a, *b, gres[256];
	size_t alen;

	if (size == 0 || size > 8192)
		return 0;
	a = malloc(size);
	if (!a)
		return 0;
	memcpy(a, data + 1, size - 1);
	a[size - 1] = '\0';
	b = memchr(a, 1, size - 1);
	if (b)
		*b++ = '\0';
	else
		b = a + size - 1;
	alen = strlen(a);
	switch (data[0] % 4) {
	case 0: fuzz_map(a, alen, b); break;
	case 1: fuzz_conf(a, alen, b); break;
	case 2:
		migctl_slurm_show_node_drained(a, alen);
		migctl_slurm_show_node_registered(a, alen);
		migctl_slurm_show_node_gres(a, alen, gres, sizeof(gres));
		break;
	default: fuzz_cli(a); break;
	}
	free(a);
	return 0;
}
