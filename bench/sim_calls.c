/* Benchmark: the cost of NVML calls on the simulator, as a client sees it.
 *
 * On an 8-GPU machine (H100, 7 MIG devices each) it times
 *   - the floor: nvmlDeviceGetCount, a call that only locks and checks that
 *     the cached state is current;
 *   - a full listing: every GPU, every MIG device, its UUID and memory
 *     (what `nvidia-smi -L` and `migctl list` do);
 *   - a cold listing: the same after another process changed the state, so
 *     the first call re-reads and re-validates it;
 *   - a change: create and destroy one GPU instance (two atomic writes).
 * It prints calls per second and each figure as a ratio to the floor.
 * Needs MIGSIM_LIB and MIGSIM_BIN (bench/run.sh sets them).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nvml_abi.h"

#include "bench_util.h"

#define GPUS 8

static nvmlReturn_t (*init_v2)(void);
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

int main(void)
{
	const char *path = getenv("MIGSIM_LIB"), *bin = getenv("MIGSIM_BIN");
	char dir[] = "/tmp/migsim-bench-XXXXXX", cmd[1024];

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
	if (init_v2() != NVML_SUCCESS)
		return 1;

	if (populate())
		return 1;

	double t0 = now();
	long floor_calls = 0;
	while (now() - t0 < 1.0) {
		unsigned n;
		for (int k = 0; k < 100; k++, floor_calls++)
			get_count(&n);
	}
	double floor_rate = (double)floor_calls / (now() - t0);

	t0 = now();
	long list_calls = 0, lists = 0;
	while (now() - t0 < 1.0) {
		list_calls += list_all();
		lists++;
	}
	double list_rate = (double)list_calls / (now() - t0);
	double lists_rate = (double)lists / (now() - t0);

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
	double cold_rate = (double)cold / cold_time;

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
	double change_rate = (double)changes / (now() - t0);

	printf("simulator call cost (8 x H100, 55 MIG devices)\n");
	printf("  floor  nvmlDeviceGetCount            %10.0f calls/s   1.00x\n", floor_rate);
	printf("  warm   full listing (%ld calls each)  %10.0f calls/s   %.2fx of floor  (%.0f listings/s)\n",
	       list_calls / (lists ? lists : 1), list_rate, list_rate / floor_rate, lists_rate);
	printf("  cold   listing after another writer   %10.0f listings/s  %.3fx of warm listings\n",
	       cold_rate, cold_rate / lists_rate);
	printf("  write  create/destroy a GI            %10.0f calls/s   %.3fx of floor\n",
	       change_rate, change_rate / floor_rate);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
