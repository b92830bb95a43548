/* Simulator under concurrent clients and kill -9.
 *
 * Like every simulator test this is a plain NVML client: it dlopens
 * MIGSIM_LIB and sets the machine up with MIGSIM_BIN.
 *
 * 1. Several processes create and destroy GPU and compute instances at
 *    random on the same machine. Every process counts the operations that
 *    succeeded. At the end the machine must load (the loader rejects
 *    overlaps and duplicate IDs), and the number of instances must equal
 *    creations minus destructions: nothing lost, nothing invented.
 * 2. A writer is killed with SIGKILL at random moments, many times. After
 *    every kill the state must still load, and it must agree with what a
 *    fresh reader sees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvml_abi.h"

#define WORKERS 6
#define OPS_PER_WORKER 150
#define KILL_ROUNDS 40


static struct nvml {
	void *lib;
	nvmlReturn_t (*init)(void);
	nvmlReturn_t (*shutdown)(void);
	nvmlReturn_t (*by_index)(unsigned, nvmlDevice_t *);
	nvmlReturn_t (*count)(unsigned *);
	nvmlReturn_t (*set_mig)(nvmlDevice_t, unsigned, nvmlReturn_t *);
	nvmlReturn_t (*create_gi)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *);
	nvmlReturn_t (*gi_by_id)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *);
	nvmlReturn_t (*destroy_gi)(nvmlGpuInstance_t);
	nvmlReturn_t (*create_ci)(nvmlGpuInstance_t, unsigned, nvmlComputeInstance_t *);
	nvmlReturn_t (*ci_by_id)(nvmlGpuInstance_t, unsigned, nvmlComputeInstance_t *);
	nvmlReturn_t (*destroy_ci)(nvmlComputeInstance_t);
} nv;

static void *sym(const char *name)
{
	void *p = dlsym(nv.lib, name);
	if (!p)
		fail_msg("the simulator does not export %s", name);
	return p;
}

static void load_nvml(void)
{
	const char *path = getenv("MIGSIM_LIB");
	if (!path)
		fail_msg("MIGSIM_LIB is not set (run through tests/run-tests.sh)");
	nv.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!nv.lib)
		fail_msg("dlopen %s: %s", path, dlerror());
	*(void **)&nv.init = sym("nvmlInit_v2");
	*(void **)&nv.shutdown = sym("nvmlShutdown");
	*(void **)&nv.by_index = sym("nvmlDeviceGetHandleByIndex_v2");
	*(void **)&nv.count = sym("nvmlDeviceGetCount_v2");
	*(void **)&nv.set_mig = sym("nvmlDeviceSetMigMode");
	*(void **)&nv.create_gi = sym("nvmlDeviceCreateGpuInstance");
	*(void **)&nv.gi_by_id = sym("nvmlDeviceGetGpuInstanceById");
	*(void **)&nv.destroy_gi = sym("nvmlGpuInstanceDestroy");
	*(void **)&nv.create_ci = sym("nvmlGpuInstanceCreateComputeInstance");
	*(void **)&nv.ci_by_id = sym("nvmlGpuInstanceGetComputeInstanceById");
	*(void **)&nv.destroy_ci = sym("nvmlComputeInstanceDestroy");
}

static char state_dir[64];

/* A fresh state with two H100s (MIG switches without a reset), MIG on. */
static int setup(void **unused)
{
	char cmd[512];
	(void)unused;
	snprintf(state_dir, sizeof(state_dir), "/tmp/migsim-stress-XXXXXX");
	if (!mkdtemp(state_dir))
		return -1;
	setenv("MIGSIM_STATE", state_dir, 1);
	snprintf(cmd, sizeof(cmd), "'%s' init --gpus H100-SXM5-80GB:2 >/dev/null",
		 getenv("MIGSIM_BIN") ? getenv("MIGSIM_BIN") : "migsim");
	if (system(cmd) != 0)
		return -1;
	load_nvml();
	if (nv.init() != NVML_SUCCESS)
		return -1;
	for (unsigned i = 0; i < 2; i++) {
		nvmlDevice_t d;
		nvmlReturn_t act;
		if (nv.by_index(i, &d) || nv.set_mig(d, NVML_DEVICE_MIG_ENABLE, &act))
			return -1;
	}
	return 0;
}

static int teardown(void **unused)
{
	char cmd[128];
	(void)unused;
	if (nv.lib) {
		nv.shutdown();
		dlclose(nv.lib);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct ledger {
	long gi_created, gi_destroyed, ci_created, ci_destroyed;
};

/* One random operation on a random GPU; counts what succeeded. Creates
 * favour small profiles so that the GPUs neither stay full nor empty, and
 * a GI is destroyed together with its CIs, as a tool would. */
static void random_op(struct ledger *l, unsigned *seed)
{
	static const unsigned mix[] = {19, 19, 19, 20, 15, 14, 9, 5, 0};
	nvmlDevice_t dev;
	nvmlGpuInstance_t gi;
	nvmlComputeInstance_t ci;
	int op = rand_r(seed) % 100;

	if (nv.by_index((unsigned)rand_r(seed) % 2, &dev) != NVML_SUCCESS)
		return;
	if (op < 40) {
		if (nv.create_gi(dev, mix[rand_r(seed) % 9], &gi) == NVML_SUCCESS)
			l->gi_created++;
		return;
	}
	if (nv.gi_by_id(dev, (unsigned)rand_r(seed) % 15, &gi) != NVML_SUCCESS)
		return;
	if (op < 65) {
		if (nv.create_ci(gi, 0, &ci) == NVML_SUCCESS)
			l->ci_created++;
	} else if (op < 80) {
		if (nv.ci_by_id(gi, (unsigned)rand_r(seed) % 8, &ci) == NVML_SUCCESS &&
		    nv.destroy_ci(ci) == NVML_SUCCESS)
			l->ci_destroyed++;
	} else {
		for (unsigned c = 0; c < 8; c++)
			if (nv.ci_by_id(gi, c, &ci) == NVML_SUCCESS && nv.destroy_ci(ci) == NVML_SUCCESS)
				l->ci_destroyed++;
		if (nv.destroy_gi(gi) == NVML_SUCCESS)
			l->gi_destroyed++;
	}
}

/* Instances that exist now, counted through NVML. */
static void count_instances(long *gis, long *cis)
{
	*gis = *cis = 0;
	for (unsigned d = 0; d < 2; d++) {
		nvmlDevice_t dev;
		assert_int_equal(nv.by_index(d, &dev), NVML_SUCCESS);
		for (unsigned g = 0; g < 15; g++) {
			nvmlGpuInstance_t gi;
			if (nv.gi_by_id(dev, g, &gi) != NVML_SUCCESS)
				continue;
			(*gis)++;
			for (unsigned c = 0; c < 8; c++) {
				nvmlComputeInstance_t ci;
				if (nv.ci_by_id(gi, c, &ci) == NVML_SUCCESS)
					(*cis)++;
			}
		}
	}
}

static void test_concurrent_clients(void **unused)
{
	int fds[WORKERS][2];
	pid_t pids[WORKERS];
	struct ledger total = {0};
	long gis_before, cis_before, gis, cis;
	(void)unused;

	count_instances(&gis_before, &cis_before);
	for (int w = 0; w < WORKERS; w++) {
		assert_int_equal(pipe(fds[w]), 0);
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			/* A fresh client: its own NVML session on the same state. */
			struct ledger l = {0};
			unsigned seed = (unsigned)(w * 7919 + 17);
			close(fds[w][0]);
			for (int i = 0; i < OPS_PER_WORKER; i++)
				random_op(&l, &seed);
			ssize_t n = write(fds[w][1], &l, sizeof(l));
			_exit(n == (ssize_t)sizeof(l) ? 0 : 1);
		}
		close(fds[w][1]);
	}
	for (int w = 0; w < WORKERS; w++) {
		struct ledger l;
		int status;
		assert_int_equal(read(fds[w][0], &l, sizeof(l)), (ssize_t)sizeof(l));
		close(fds[w][0]);
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		total.gi_created += l.gi_created;
		total.gi_destroyed += l.gi_destroyed;
		total.ci_created += l.ci_created;
		total.ci_destroyed += l.ci_destroyed;
	}
	count_instances(&gis, &cis);
	print_message("concurrency: %ld GI creates, %ld GI destroys, %ld CI creates, %ld CI destroys\n",
		      total.gi_created, total.gi_destroyed, total.ci_created, total.ci_destroyed);
	/* The random mix must have exercised both directions. */
	assert_true(total.gi_created >= 20 && total.gi_destroyed >= 10);
	assert_true(total.ci_created >= 20 && total.ci_destroyed >= 10);
	assert_int_equal(gis, gis_before + total.gi_created - total.gi_destroyed);
	assert_int_equal(cis, cis_before + total.ci_created - total.ci_destroyed);
}

static void test_kill_during_writes(void **unused)
{
	unsigned seed = 12345;
	(void)unused;

	for (int round = 0; round < KILL_ROUNDS; round++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct ledger l = {0};
			unsigned s = (unsigned)round;
			for (;;)
				random_op(&l, &s);
		}
		/* Somewhere between a few and many writes in. */
		struct timespec ts = {0, (long)(rand_r(&seed) % 20000) * 1000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);

		/* The state must load: any call goes through the strict loader. */
		unsigned n = 0;
		assert_int_equal(nv.count(&n), NVML_SUCCESS);
		assert_int_equal(n, 2);
		long gis, cis;
		count_instances(&gis, &cis);
		assert_true(gis <= 14 && cis <= 14 * 8);
	}
	/* And an independent reader agrees that it is a valid machine. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "'%s' show -o json >/dev/null", getenv("MIGSIM_BIN"));
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_clients),
		cmocka_unit_test(test_kill_during_writes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
