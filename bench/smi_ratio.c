/* Benchmark: migctl against NVIDIA's nvidia-smi on the same simulated node.
 *
 * On nodes of 1, 8 and 32 A100-SXM4-80GB GPUs with seven 1g.10gb instances
 * each (MIG enabled), it runs each pair of commands RUNS times, alternating
 * the two programs:
 *   migctl smi -L          against  nvidia-smi -L
 *   migctl smi mig -lgi    against  nvidia-smi mig -lgi
 *   migctl smi mig -lgip   against  nvidia-smi mig -lgip
 *   migctl list            against  nvidia-smi -L
 * and prints the median CPU time (user + system, from wait4's rusage) of
 * the whole process for each, and the median of the paired ratios
 * migctl / nvidia-smi (the goal is at most 0.5). Both programs load the
 * same simulator library on the same state directory.
 *
 * A last row per node times a process that only loads the simulator and
 * calls nvmlInit_v2 and nvmlShutdown (this program run as --nvml-floor
 * LIB), against nvidia-smi -L: no NVML client's ratio can be below it.
 *
 * It also measures, in this process, what the simulator costs: NVML calls
 * per second of CPU time while the library reads a whole node, and the
 * CPU time of the node read `migctl list` does (open, read, close) as a
 * share of that command's whole process.
 *
 * Needs MIGSIM_BIN and MIGSIM_LIB (bench/run.sh sets them) and NVIDIA's
 * nvidia-smi in NVIDIA_SMI (bench/run.sh fetches it with
 * scripts/fetch-nvidia-smi.sh); without it the migctl times are printed
 * with one line saying why there are no ratios.
 */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migctl/catalog.h"
#include "migctl/node.h"

#include "bench_util.h"

#define RUNS 21
#define MAX_ARGS 8

extern char **environ;

struct pair {
	const char *label;
	const char *migctl[MAX_ARGS];  /* after "migctl --sim=DIR" */
	const char *smi[MAX_ARGS];     /* after "nvidia-smi" */
};

static const struct pair pairs[] = {
	{"smi -L", {"smi", "-L"}, {"-L"}},
	{"smi mig -lgi", {"smi", "mig", "-lgi"}, {"mig", "-lgi"}},
	{"smi mig -lgip", {"smi", "mig", "-lgip"}, {"mig", "-lgip"}},
	{"list", {"list"}, {"-L"}},
};

static const unsigned sizes[] = {1, 8, 32};

/* CPU time (user + system) of one run of argv with envp, output to
 * /dev/null; negative if it could not run or exited non-zero. */
static double cpu_run(char *const argv[], char *const envp[])
{
	struct rusage ru;
	int status;
	pid_t pid = spawn_to(argv, envp, NULL, 0);

	if (pid < 0)
		return -1;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The environment both programs run in: ours, with the simulator's
 * library first on the loader's path (nvidia-smi links libnvidia-ml.so.1)
 * and its state directory. Static storage, rebuilt per node. */
static char **sim_env(const char *sim_dir, const char *state)
{
	static char *env[512];
	static char ld[PATH_MAX + 32], st[PATH_MAX + 32];
	size_t n = 0;

	snprintf(ld, sizeof(ld), "LD_LIBRARY_PATH=%s", sim_dir);
	snprintf(st, sizeof(st), "MIGSIM_STATE=%s", state);
	for (char **e = environ; *e && n + 3 < sizeof(env) / sizeof(env[0]); e++)
		if (strncmp(*e, "LD_LIBRARY_PATH=", 16) != 0 && strncmp(*e, "MIGSIM_STATE=", 13) != 0)
			env[n++] = *e;
	env[n++] = ld;
	env[n++] = st;
	env[n] = NULL;
	return env;
}

/* argv: `prog`, then `first` (may be NULL), then `rest`. */
static void make_argv(char **argv, const char *prog, const char *first,
		      const char *const *rest)
{
	size_t n = 0;

	argv[n++] = (char *)prog;
	if (first)
		argv[n++] = (char *)first;
	for (size_t i = 0; rest[i] && n + 1 < MAX_ARGS + 2; i++)
		argv[n++] = (char *)rest[i];
	argv[n] = NULL;
}

/* A node of `gpus` A100-SXM4-80GB with seven 1g.10gb GIs (and CIs) each. */
static int make_node(const char *migsim, const char *migctl, const char *state, unsigned gpus)
{
	char spec[64], sim_opt[PATH_MAX + 8];

	snprintf(spec, sizeof(spec), "A100-SXM4-80GB:%u", gpus);
	snprintf(sim_opt, sizeof(sim_opt), "--sim=%s", state);
	char *init[] = {(char *)migsim, "--state", (char *)state, "init", "--gpus", spec, NULL};
	char *enable[] = {(char *)migctl, sim_opt, "mode", "enable", "--reset", NULL};
	char *create[] = {(char *)migctl, sim_opt, "create",
			  "1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb", NULL};
	return run_quiet(init, 1) || run_quiet(enable, 1) || run_quiet(create, 1) ? -1 : 0;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In this process: open the node on `state`, read `read`, close. Returns
 * the CPU seconds it took and the NVML calls it made in *calls. */
static double node_read_cpu(const char *lib, const char *state,
			    const struct migctl_catalog *cat, unsigned read, unsigned long *calls)
{
	struct migctl_node_options opts = {
		.nvml_lib = lib, .sim_state = state, .catalog = cat, .read = read,
	};
	struct migctl_node node;
	struct migctl_error err = {0};
	double t0 = cpu_now();

	if (migctl_node_open(&node, &opts, &err))
		return -1;
	if (migctl_node_refresh(&node, &err)) {
		migctl_node_close(&node);
		return -1;
	}
	*calls = migctl_node_nvml_calls(&node);
	migctl_node_close(&node);
	return cpu_now() - t0;
}

/* One node size: every pair, then the simulator's share. */
static void bench_node(const char *migctl, const char *smi, const char *sim_dir,
		       const char *lib, const char *state, unsigned gpus,
		       const struct migctl_catalog *cat)
{
	char sim_opt[PATH_MAX + 8];
	char **env = sim_env(sim_dir, state);
	double list_cpu = -1;

	snprintf(sim_opt, sizeof(sim_opt), "--sim=%s", state);
	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		char *a[MAX_ARGS + 2], *b[MAX_ARGS + 2];
		double ta[RUNS], tb[RUNS], r[RUNS];
		bool ok = true;

		make_argv(a, migctl, sim_opt, pairs[p].migctl);
		make_argv(b, smi ? smi : "", NULL, pairs[p].smi);
		cpu_run(a, env); /* warm the page cache */
		if (smi)
			cpu_run(b, env);
		for (int i = 0; i < RUNS && ok; i++) {
			ta[i] = cpu_run(a, env);
			tb[i] = smi ? cpu_run(b, env) : 1;
			ok = ta[i] >= 0 && tb[i] > 0;
			r[i] = ok ? ta[i] / tb[i] : 0;
		}
		if (!ok) {
			fail("smi_ratio: %u GPUs: migctl %s or nvidia-smi %s failed", gpus,
			     pairs[p].label, pairs[p].smi[0]);
			continue;
		}
		double ma = median(ta, RUNS), mr = median(r, RUNS);
		if (strcmp(pairs[p].label, "list") == 0)
			list_cpu = ma;
		if (smi)
			printf("  %4u  %-14s %8.2f ms %8.2f ms   %5.2f%s\n", gpus, pairs[p].label,
			       ma * 1e3, median(tb, RUNS) * 1e3, mr, mr <= 0.5 ? "" : "  (goal 0.5)");
		else
			printf("  %4u  %-14s %8.2f ms %11s   %5s\n", gpus, pairs[p].label, ma * 1e3,
			       "-", "-");
	}

	/* The simulator's share of `migctl list`: the same node read in
	 * this process (a median of RUNS), against the whole command. */
	double t[RUNS];
	unsigned long calls = 0;
	for (int i = 0; i < RUNS; i++)
		if ((t[i] = node_read_cpu(lib, state, cat, MIGCTL_NODE_READ_DEVICES, &calls)) < 0) {
			fail("smi_ratio: %u GPUs: the node cannot be read in process", gpus);
			return;
		}
	double read = median(t, RUNS);
	if (list_cpu > 0)
		printf("  %4u  node read of list: %.2f ms, %lu NVML calls, %.0f%% of migctl list\n",
		       gpus, read * 1e3, calls, 100.0 * read / list_cpu);
}

/* The least any NVML client pays on this simulator: this program run
 * again as `--nvml-floor LIB` loads the library, calls nvmlInit_v2 and
 * nvmlShutdown, and exits. Paired with `nvidia-smi -L` like the commands
 * above, its ratio is a lower bound for every client's ratio on this node
 * (the process floor and the simulator's start belong to both sides). */
static void floor_row(const char *self, const char *lib, const char *smi,
		      const char *sim_dir, const char *state, unsigned gpus)
{
	char *a[] = {(char *)self, "--nvml-floor", (char *)lib, NULL};
	char *b[] = {(char *)smi, "-L", NULL};
	char **env = sim_env(sim_dir, state);
	double ta[RUNS], r[RUNS];

	cpu_run(a, env);
	for (int i = 0; i < RUNS; i++) {
		double tb;
		ta[i] = cpu_run(a, env);
		tb = cpu_run(b, env);
		if (ta[i] < 0 || tb <= 0) {
			fail("smi_ratio: %u GPUs: the NVML floor or nvidia-smi -L failed", gpus);
			return;
		}
		r[i] = ta[i] / tb;
	}
	printf("  %4u  %-14s %8.2f ms %11s   %5.2f  (lower bound for any NVML client)\n", gpus,
	       "NVML floor", median(ta, RUNS) * 1e3, "(-L)", median(r, RUNS));
}

static int nvml_floor(const char *lib)
{
	void *h = dlopen(lib, RTLD_NOW);
	int (*init)(void) = h ? (int (*)(void))dlsym(h, "nvmlInit_v2") : NULL;
	int (*shutdown)(void) = h ? (int (*)(void))dlsym(h, "nvmlShutdown") : NULL;

	return init && shutdown && init() == 0 && shutdown() == 0 ? 0 : 1;
}

/* NVML calls per CPU second while the library reads a whole node. */
static void calls_per_second(const char *lib, const char *state, unsigned gpus,
			     const struct migctl_catalog *cat)
{
	double t[RUNS];
	unsigned long calls = 0;

	for (int i = 0; i < RUNS; i++)
		if ((t[i] = node_read_cpu(lib, state, cat, MIGCTL_NODE_READ_ALL, &calls)) < 0) {
			fail("smi_ratio: the node cannot be read in process");
			return;
		}
	double m = median(t, RUNS);
	printf("  simulator: %.0f NVML calls per CPU second (a full read of %u GPUs: %lu calls, %.2f ms)\n",
	       (double)calls / m, gpus, calls, m * 1e3);
}

int main(int argc, char **argv)
{
	const char *migsim = getenv("MIGSIM_BIN"), *lib = getenv("MIGSIM_LIB");
	const char *smi = getenv("NVIDIA_SMI"), *why = getenv("NVIDIA_SMI_WHY");
	char migctl[PATH_MAX], sim_dir[PATH_MAX], buf[PATH_MAX], self[PATH_MAX];
	struct migctl_catalog cat;
	struct migctl_error err = {0};

	if (argc == 3 && strcmp(argv[1], "--nvml-floor") == 0)
		return nvml_floor(argv[2]);
	if (!migsim || !*migsim || !lib || !*lib) {
		fprintf(stderr, "smi_ratio: set MIGSIM_BIN and MIGSIM_LIB (bench/run.sh does)\n");
		return 1;
	}
	ssize_t n_self = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n_self <= 0) {
		perror("smi_ratio: /proc/self/exe");
		return 1;
	}
	self[n_self] = '\0';
	snprintf(buf, sizeof(buf), "%s", migsim);
	snprintf(migctl, sizeof(migctl), "%s/migctl", dirname(buf));
	snprintf(buf, sizeof(buf), "%s", lib);
	snprintf(sim_dir, sizeof(sim_dir), "%s", dirname(buf));
	if (!smi || !*smi || access(smi, X_OK) != 0) {
		printf("smi_ratio: no ratios: NVIDIA's nvidia-smi is not available (%s)\n",
		       why && *why ? why : "scripts/fetch-nvidia-smi.sh could not fetch it");
		smi = NULL;
	}
	if (migctl_catalog_load_builtin(&cat, &err)) {
		fprintf(stderr, "smi_ratio: %s\n", err.msg);
		return 1;
	}
	/* The floor every process pays: fork, exec, dynamic linking. */
	char *version[] = {migctl, "--version", NULL}, *nothing[] = {"/bin/true", NULL};
	double tv[RUNS], tt[RUNS];
	for (int i = 0; i < RUNS; i++) {
		tv[i] = cpu_run(version, environ);
		tt[i] = cpu_run(nothing, environ);
	}
	printf("smi_ratio: floor: migctl --version %.2f ms, /bin/true %.2f ms (CPU, median of %d)\n",
	       median(tv, RUNS) * 1e3, median(tt, RUNS) * 1e3, RUNS);
	printf("smi_ratio: migctl / NVIDIA's nvidia-smi on the simulator, A100-SXM4-80GB x N,\n"
	       "  7 x 1g.10gb each; CPU time (user+sys) of the whole process, median of %d paired runs\n"
	       "  %4s  %-14s %11s %11s   %5s\n", RUNS, "GPUs", "command", "migctl", "nvidia-smi",
	       "ratio");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		char state[] = "/tmp/smi_ratio.XXXXXX";
		if (!mkdtemp(state)) {
			perror("smi_ratio: mkdtemp");
			break;
		}
		if (make_node(migsim, migctl, state, sizes[s]) != 0)
			fail("smi_ratio: cannot set up %u GPUs in %s", sizes[s], state);
		else {
			bench_node(migctl, smi, sim_dir, lib, state, sizes[s], &cat);
			if (smi)
				floor_row(self, lib, smi, sim_dir, state, sizes[s]);
		}
		if (sizes[s] == 8 && !failures)
			calls_per_second(lib, state, sizes[s], &cat);
		char *rm[] = {"rm", "-rf", state, NULL};
		run_quiet(rm, 1);
	}
	migctl_catalog_release(&cat);
	return failures ? 1 : 0;
}
