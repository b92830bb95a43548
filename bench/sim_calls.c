/* Benchmark: the cost of NVML calls on the simulator, as a client sees it.
 *
 * On an 8-GPU machine (H100, 7 MIG devices each) it times
 *   - the floor: nvmlDeviceGetCount, a call that only checks that the
 *     process's copy of the state is current;
 *   - a full listing: every GPU, every MIG device, its UUID and memory
 *     (what `nvidia-smi -L` and `migctl list` do);
 *   - a cold listing: the same after another process changed the state, so
 *     the first call re-reads and re-validates it;
 *   - a change: create and destroy one GPU instance (two atomic writes);
 * and counts the system calls of a warm listing (ptrace, in a child).
 * It runs everything twice in one process: first with MIGSIM_FAST_PATH=0
 * (every call locks the state directory and checks the file: the
 * simulator before the shared generation, the baseline), then with the
 * default fast path, and prints both and their ratio.
 * Needs MIGSIM_LIB and MIGSIM_BIN (bench/run.sh sets them).
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvml_abi.h"

#include "bench_util.h"

#define GPUS 8

static nvmlReturn_t (*init_v2)(void);
static nvmlReturn_t (*shutdown_nvml)(void);
static nvmlReturn_t (*get_count)(unsigned *);
static nvmlReturn_t (*by_index)(unsigned, nvmlDevice_t *);
static nvmlReturn_t (*set_mig)(nvmlDevice_t, unsigned, nvmlReturn_t *);
static nvmlReturn_t (*create_gi)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *);
static nvmlReturn_t (*destroy_gi)(nvmlGpuInstance_t);
static nvmlReturn_t (*create_ci)(nvmlGpuInstance_t, unsigned, nvmlComputeInstance_t *);
static nvmlReturn_t (*max_mig)(nvmlDevice_t, unsigned *);
static nvmlReturn_t (*mig_by_index)(nvmlDevice_t, unsigned, nvmlDevice_t *);
static nvmlReturn_t (*get_uuid)(nvmlDevice_t, char *, unsigned);
static nvmlReturn_t (*get_mem)(nvmlDevice_t, nvmlMemory_t *);

static void *need(void *lib, const char *name)
{
	void *p = dlsym(lib, name);
	if (!p) {
		fprintf(stderr, "sim_calls: %s not exported\n", name);
		exit(1);
	}
	return p;
}

/* One listing; returns the number of NVML calls it made. */
static long list_all(void)
{
	long calls = 1;
	unsigned n = 0;
	get_count(&n);
	for (unsigned i = 0; i < n; i++) {
		nvmlDevice_t d;
		unsigned max = 0;
		by_index(i, &d);
		max_mig(d, &max);
		calls += 2;
		for (unsigned j = 0; j < max; j++) {
			nvmlDevice_t mig;
			char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
			nvmlMemory_t mem;
			calls++;
			if (mig_by_index(d, j, &mig) != NVML_SUCCESS)
				continue;
			get_uuid(mig, uuid, sizeof(uuid));
			get_mem(mig, &mem);
			calls += 2;
		}
	}
	return calls;
}

/* The NVML entry points the benchmark calls, from the simulator. */
static void bind_nvml(void *lib)
{
	*(void **)&init_v2 = need(lib, "nvmlInit_v2");
	*(void **)&shutdown_nvml = need(lib, "nvmlShutdown");
	*(void **)&get_count = need(lib, "nvmlDeviceGetCount_v2");
	*(void **)&by_index = need(lib, "nvmlDeviceGetHandleByIndex_v2");
	*(void **)&set_mig = need(lib, "nvmlDeviceSetMigMode");
	*(void **)&create_gi = need(lib, "nvmlDeviceCreateGpuInstance");
	*(void **)&destroy_gi = need(lib, "nvmlGpuInstanceDestroy");
	*(void **)&create_ci = need(lib, "nvmlGpuInstanceCreateComputeInstance");
	*(void **)&max_mig = need(lib, "nvmlDeviceGetMaxMigDeviceCount");
	*(void **)&mig_by_index = need(lib, "nvmlDeviceGetMigDeviceHandleByIndex");
	*(void **)&get_uuid = need(lib, "nvmlDeviceGetUUID");
	*(void **)&get_mem = need(lib, "nvmlDeviceGetMemoryInfo");
}

/* 8 GPUs x 7 x 1g.10gb, each with its compute instance; non-zero on
 * an NVML error. */
static int populate(void)
{
	for (unsigned i = 0; i < GPUS; i++) {
		nvmlDevice_t d;
		nvmlReturn_t act;
		by_index(i, &d);
		set_mig(d, NVML_DEVICE_MIG_ENABLE, &act);
		/* GPU 7 keeps one slot free for the create/destroy timing. */
		for (int k = 0; k < (i == GPUS - 1 ? 6 : 7); k++) {
			nvmlGpuInstance_t gi;
			nvmlComputeInstance_t ci;
			if (create_gi(d, 19, &gi) || create_ci(gi, 0, &ci))
				return 1;
		}
	}
	return 0;
}

/* What one mode measured. */
struct figures {
	double floor_rate;      /* nvmlDeviceGetCount calls/s */
	double list_rate;       /* calls/s in warm listings */
	double lists_rate;      /* warm listings/s */
	double cold_rate;       /* listings/s right after another writer */
	double change_rate;     /* create/destroy calls/s */
	double syscalls;        /* system calls per call of a warm listing; < 0: unknown */
	long list_calls;        /* NVML calls in one listing */
};

#define TRACED_LISTINGS 20

/* System calls per NVML call of a warm listing: a child (which inherits
 * the initialised library and its copy of the state) lists once, stops,
 * and lists TRACED_LISTINGS times while this process counts its system
 * calls with ptrace. -1 when ptrace is not allowed here. */
static double count_syscalls(long calls_per_listing)
{
	pid_t pid = fork();
	int st;
	long stops = 0;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		list_all();
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(3);
		raise(SIGSTOP);
		for (int i = 0; i < TRACED_LISTINGS; i++)
			list_all();
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		waitpid(pid, &st, 0);
		return -1;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) != 0 || waitpid(pid, &st, 0) != pid)
			return -1;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80))
			stops++;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	/* Two stops per system call (entry, exit); the child's own return
	 * from raise() and its exit are noise of a few calls in thousands. */
	return (double)stops / 2 / (double)(TRACED_LISTINGS * calls_per_listing);
}

/* Every figure, with the library initialised in the mode asked for. */
static int measure(const char *bin, struct figures *f)
{
	char cmd[1024];
	double t0;

	if (init_v2() != NVML_SUCCESS)
		return 1;
	t0 = now();
	long floor_calls = 0;
	while (now() - t0 < 1.0) {
		unsigned n;
		for (int k = 0; k < 100; k++, floor_calls++)
			get_count(&n);
	}
	f->floor_rate = (double)floor_calls / (now() - t0);

	t0 = now();
	long list_calls = 0, lists = 0;
	while (now() - t0 < 1.0) {
		list_calls += list_all();
		lists++;
	}
	f->list_rate = (double)list_calls / (now() - t0);
	f->lists_rate = (double)lists / (now() - t0);
	f->list_calls = list_calls / (lists ? lists : 1);

	/* Cold: another process rewrites the state before each listing. */
	t0 = now();
	double cold_time = 0;
	long cold = 0;
	while (now() - t0 < 2.0) {
		snprintf(cmd, sizeof(cmd), "'%s' fault clear >/dev/null", bin);
		if (system(cmd) != 0)
			return 1;
		double s = now();
		list_all();
		cold_time += now() - s;
		cold++;
	}
	f->cold_rate = (double)cold / cold_time;

	/* Changes: create and destroy one GI in the free slot of GPU 7. */
	nvmlDevice_t d7;
	by_index(GPUS - 1, &d7);
	t0 = now();
	long changes = 0;
	while (now() - t0 < 1.0) {
		nvmlGpuInstance_t gi;
		if (create_gi(d7, 19, &gi) != NVML_SUCCESS || destroy_gi(gi) != NVML_SUCCESS)
			return 1;
		changes += 2;
	}
	f->change_rate = (double)changes / (now() - t0);
	f->syscalls = count_syscalls(f->list_calls);
	/* The last user goes: the library drops its copy and its mapping,
	 * and reads MIGSIM_FAST_PATH again at the next nvmlInit. */
	return shutdown_nvml() == NVML_SUCCESS ? 0 : 1;
}

static void print_syscalls(const char *label, double v)
{
	if (v < 0)
		printf("  %-8s system calls per call          n/a (ptrace not allowed here)\n", label);
	else
		printf("  %-8s system calls per call         %10.3f\n", label, v);
}

int main(void)
{
	const char *path = getenv("MIGSIM_LIB"), *bin = getenv("MIGSIM_BIN");
	char dir[] = "/tmp/migsim-bench-XXXXXX", cmd[1024];
	struct figures before, after;

	if (!path || !bin || !mkdtemp(dir)) {
		fprintf(stderr, "sim_calls: set MIGSIM_LIB and MIGSIM_BIN (see bench/run.sh)\n");
		return 1;
	}
	setenv("MIGSIM_STATE", dir, 1);
	snprintf(cmd, sizeof(cmd), "'%s' init --gpus H100-SXM5-80GB:%d >/dev/null", bin, GPUS);
	if (system(cmd) != 0)
		return 1;
	void *lib = dlopen(path, RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "sim_calls: %s\n", dlerror());
		return 1;
	}
	bind_nvml(lib);
	if (init_v2() != NVML_SUCCESS || populate() || shutdown_nvml() != NVML_SUCCESS)
		return 1;

	setenv("MIGSIM_FAST_PATH", "0", 1);
	if (measure(bin, &before))
		return 1;
	unsetenv("MIGSIM_FAST_PATH");
	if (measure(bin, &after))
		return 1;

	printf("simulator call cost (8 x H100, 55 MIG devices); before = MIGSIM_FAST_PATH=0,\n"
	       "every call locks the state; after = the shared generation\n");
	const struct figures *fs[] = {&before, &after};
	const char *labels[] = {"before", "after"};
	for (int i = 0; i < 2; i++) {
		const struct figures *f = fs[i];
		printf("  %-8s floor  nvmlDeviceGetCount          %10.0f calls/s\n", labels[i],
		       f->floor_rate);
		printf("  %-8s warm   listing (%ld calls each)  %10.0f calls/s  (%.0f listings/s)\n",
		       labels[i], f->list_calls, f->list_rate, f->lists_rate);
		printf("  %-8s cold   listing after a writer  %10.0f listings/s\n", labels[i],
		       f->cold_rate);
		printf("  %-8s write  create/destroy a GI     %10.0f calls/s\n", labels[i],
		       f->change_rate);
		print_syscalls(labels[i], f->syscalls);
	}
	printf("  after/before: floor %.1fx, warm listing %.1fx, cold listing %.2fx, write %.2fx\n",
	       after.floor_rate / before.floor_rate, after.list_rate / before.list_rate,
	       after.cold_rate / before.cold_rate, after.change_rate / before.change_rate);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
