/* Benchmark: how long a migctl command takes, start to exit, on a
 * simulated 8-GPU node (A100-SXM4-80GB, MIG enabled, two 3g.40gb GPU
 * instances with their compute instances on each GPU: 16 MIG devices).
 *
 * It fork/execs each command N times (stdout to /dev/null) and reports the
 * median wall time of
 *   - migctl list                (what nvidia-smi -L shows)
 *   - migctl smi mig -lgi        (the nvidia-smi personality)
 * next to two baselines: `migsim show` (another program that loads the
 * same state, without NVML) and `true` (the cost of fork/exec alone).
 * Needs MIGSIM_BIN (bench/run.sh sets it); migctl is taken from the same
 * folder unless MIGCTL_BIN names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define RUNS 50

/* Median wall time of RUNS runs, in seconds; negative if a run failed. */
static double median_time(char *const argv[])
{
	double t[RUNS];

	if (run_quiet(argv, 1) != 0) /* warm-up, and a check that it works */
		return -1;
	for (int i = 0; i < RUNS; i++) {
		double t0 = now();
		if (run_quiet(argv, 0) != 0)
			return -1;
		t[i] = now() - t0;
	}
	return median(t, RUNS); /* RUNS is even: the mean of the middle two */
}

static void rmrf(const char *dir)
{
	char *argv[] = {"rm", "-rf", (char *)dir, NULL};
	run_quiet(argv, 1);
}

int main(void)
{
	const char *migsim = getenv("MIGSIM_BIN");
	const char *env_migctl = getenv("MIGCTL_BIN");
	char migctl[PATH_MAX], dir_buf[PATH_MAX], state[] = "/tmp/cli_latency.XXXXXX";
	char sim_opt[PATH_MAX + 8];

	if (!migsim || !*migsim) {
		fprintf(stderr, "cli_latency: set MIGSIM_BIN (bench/run.sh does)\n");
		return 1;
	}
	if (env_migctl && *env_migctl) {
		snprintf(migctl, sizeof(migctl), "%s", env_migctl);
	} else {
		snprintf(dir_buf, sizeof(dir_buf), "%s", migsim);
		snprintf(migctl, sizeof(migctl), "%s/migctl", dirname(dir_buf));
	}
	if (access(migctl, X_OK) != 0) {
		fprintf(stderr, "cli_latency: %s is not executable (set MIGCTL_BIN)\n", migctl);
		return 1;
	}
	if (!mkdtemp(state)) {
		perror("cli_latency: mkdtemp");
		return 1;
	}
	snprintf(sim_opt, sizeof(sim_opt), "--sim=%s", state);

	char *init[] = {(char *)migsim, "--state", state, "init", "--gpus", "A100-SXM4-80GB:8", NULL};
	char *enable[] = {migctl, sim_opt, "mode", "enable", "--reset", NULL};
	char *create[] = {migctl, sim_opt, "create", "3g.40gb,3g.40gb", NULL};
	if (run_quiet(init, 1) != 0 || run_quiet(enable, 1) != 0 || run_quiet(create, 1) != 0) {
		fprintf(stderr, "cli_latency: cannot set up the simulated node in %s\n", state);
		rmrf(state);
		return 1;
	}

	char *list[] = {migctl, sim_opt, "list", NULL};
	char *lgi[] = {migctl, sim_opt, "smi", "mig", "-lgi", NULL};
	char *show[] = {(char *)migsim, "--state", state, "show", NULL};
	char *nothing[] = {"true", NULL};
	double t_list = median_time(list), t_lgi = median_time(lgi);
	double t_show = median_time(show), t_true = median_time(nothing);
	rmrf(state);
	if (t_list < 0 || t_lgi < 0 || t_show < 0 || t_true < 0) {
		fprintf(stderr, "cli_latency: a command failed (list %s, smi mig -lgi %s, migsim show %s, true %s)\n",
			t_list < 0 ? "failed" : "ok", t_lgi < 0 ? "failed" : "ok",
			t_show < 0 ? "failed" : "ok", t_true < 0 ? "failed" : "ok");
		return 1;
	}
	printf("cli_latency: 8 x A100-SXM4-80GB, 16 MIG devices, median of %d runs\n", RUNS);
	printf("  %-26s %8.2f ms  %5.1fx migsim show  %5.1fx true\n", "migctl list",
	       t_list * 1e3, t_list / t_show, t_list / t_true);
	printf("  %-26s %8.2f ms  %5.1fx migsim show  %5.1fx true\n", "migctl smi mig -lgi",
	       t_lgi * 1e3, t_lgi / t_show, t_lgi / t_true);
	printf("  %-26s %8.2f ms\n", "migsim show (baseline)", t_show * 1e3);
	printf("  %-26s %8.2f ms\n", "true (fork/exec)", t_true * 1e3);
	return 0;
}
