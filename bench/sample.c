/* Benchmark: the sampler (migctl/sample.h) on a simulated 8-GPU node, each
 * an H100 with 7 MIG devices (1g.10gb), every field: the time and NVML
 * calls of one take, split into the node's layout refresh (which every
 * take does) and the rest (values, GPM), and the share of one core that a
 * take every second costs. Prints ratios against the refresh measured in
 * the same process; asserts only that the numbers are consistent.
 * Needs MIGSIM_LIB and MIGSIM_BIN (bench/run.sh sets them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/sample.h"

#include "bench_util.h"

#define GPUS 8
#define ROUNDS 15

static void setup(const char *bin, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' --state '%s' init --gpus H100-SXM5-80GB:%d >/dev/null", bin,
		 dir, GPUS);
	if (system(cmd) != 0)
		fail("migsim init failed");
}

/* MIG on and 7 x 1g.10gb with their CIs on every GPU, through the node. */
static void layout(struct migctl_node *node)
{
	struct migctl_error err = {0};

	for (size_t i = 0; i < node->n_gpus; i++) {
		struct migctl_gpu_state *g = &node->gpus[i];
		struct migctl_mode_result res;
		if (migctl_node_set_mig_mode(node, g, true, &res, &err))
			fail("enable: %s", err.msg);
		for (int k = 0; k < 7; k++) {
			unsigned gi, ci;
			if (migctl_node_create_gi(node, g, 19, NULL, &gi, &err) ||
			    migctl_node_create_ci(node, g, gi, 0, NULL, &ci, &err))
				fail("create: %s", err.msg);
		}
	}
}

int main(void)
{
	const char *lib = getenv("MIGSIM_LIB"), *bin = getenv("MIGSIM_BIN");
	char dir[] = "/tmp/migctl-bench-sample-XXXXXX", cmd[1200];
	struct migctl_node node = {0};
	struct migctl_error err = {0};
	struct migctl_sampler *s = NULL;
	double take_t[ROUNDS], refresh_t[ROUNDS];
	unsigned long take_calls = 0, refresh_calls = 0;
	size_t entities = 0;

	if (!lib || !bin || !mkdtemp(dir)) {
		fprintf(stderr, "sample: set MIGSIM_LIB and MIGSIM_BIN (see bench/run.sh)\n");
		return 1;
	}
	setup(bin, dir);
	struct migctl_node_options o = {.nvml_lib = lib, .sim_state = dir};
	if (migctl_node_open(&node, &o, &err) || migctl_node_refresh(&node, &err)) {
		fail("open: %s", err.msg);
		return 1;
	}
	layout(&node);
	if (migctl_sampler_open(&s, &node, NULL, &err)) {
		fail("sampler: %s", err.msg);
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		struct migctl_sample *smp = NULL;
		unsigned long c0 = migctl_node_nvml_calls(&node);
		double t0 = now();
		if (migctl_sampler_take(s, &smp, &err))
			fail("take: %s", err.msg);
		take_t[r] = now() - t0;
		take_calls = migctl_node_nvml_calls(&node) - c0;
		entities = smp ? smp->n_entities : 0;
		migctl_sample_free(smp);
		c0 = migctl_node_nvml_calls(&node);
		t0 = now();
		if (migctl_node_refresh(&node, &err))
			fail("refresh: %s", err.msg);
		refresh_t[r] = now() - t0;
		refresh_calls = migctl_node_nvml_calls(&node) - c0;
	}
	double take = median(take_t, ROUNDS), refresh = median(refresh_t, ROUNDS);
	if (entities != GPUS * (1 + 7 + 7))
		fail("%zu entities, want %d", entities, GPUS * 15);
	if (refresh_calls >= take_calls)
		fail("a take made no more NVML calls than a refresh");
	printf("sample: %d x H100, 7 x 1g.10gb each: %zu entities, every field\n", GPUS, entities);
	printf("  take      %8.2f ms  %5lu NVML calls  (%.2f x the refresh)\n", take * 1e3,
	       take_calls, take / refresh);
	printf("  refresh   %8.2f ms  %5lu NVML calls  (node layout, part of every take)\n",
	       refresh * 1e3, refresh_calls);
	printf("  one take per second: %.1f %% of one core\n", take * 100.0);
	migctl_sampler_free(s);
	migctl_node_close(&node);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fail("cleanup");
	return failures ? 1 : 0;
}
