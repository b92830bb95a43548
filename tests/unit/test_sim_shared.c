/* The simulator's shared state (sim/generation.c, sim/state.c): a read
 * whose copy is current takes no lock; a change made by another process
 * is seen by the next call of a process that keeps the library open; a
 * reader running beside a writer never sees a partial machine; a broken
 * state file is reported as before.
 *
 * The test links the simulator's session code (to look at sessions and to
 * announce a replaced file) and, like any NVML client, also dlopens the
 * simulator's library (MIGSIM_LIB); machines come from `$MIGSIM_BIN init`.
 * Loops are bounded by iterations, never by time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"

#define WRITER_ROUNDS 100
#define READER_MAX 200000
#define H100_1G 19      /* GI profile 1g.10gb of H100-SXM5-80GB */

static struct nvml {
	void *lib;
	nvmlReturn_t (*init)(void);
	nvmlReturn_t (*shutdown)(void);
	nvmlReturn_t (*count)(unsigned *);
	nvmlReturn_t (*handle)(unsigned, nvmlDevice_t *);
	nvmlReturn_t (*set_mig)(nvmlDevice_t, unsigned, nvmlReturn_t *);
	nvmlReturn_t (*get_mig)(nvmlDevice_t, unsigned *, unsigned *);
	nvmlReturn_t (*create_gi)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *);
	nvmlReturn_t (*gis)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *, unsigned *);
	nvmlReturn_t (*destroy_gi)(nvmlGpuInstance_t);
	nvmlReturn_t (*create_ci)(nvmlGpuInstance_t, unsigned, nvmlComputeInstance_t *);
	nvmlReturn_t (*destroy_ci)(nvmlComputeInstance_t);
	int (*last_error)(char *, unsigned);
} nv;

static char dir[64];

static void *sym(const char *name)
{
	void *p = dlsym(nv.lib, name);
	if (!p)
		fail_msg("the simulator does not export %s", name);
	return p;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* A fresh directory with one H100 (MIG switches without a reset), the
 * library loaded and initialised, MIG on. */
static int setup(void **unused)
{
	const char *lib = getenv("MIGSIM_LIB"), *bin = getenv("MIGSIM_BIN");
	nvmlDevice_t d;
	nvmlReturn_t act;
	(void)unused;

	if (!lib || !bin) {
		print_error("set MIGSIM_LIB and MIGSIM_BIN (tests/run-tests.sh does)\n");
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/migsim-shared-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	setenv("MIGSIM_STATE", dir, 1);
	sh("'%s' init --gpus H100-SXM5-80GB >/dev/null", bin);
	nv.lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!nv.lib)
		return -1;
	*(void **)&nv.init = sym("nvmlInit_v2");
	*(void **)&nv.shutdown = sym("nvmlShutdown");
	*(void **)&nv.count = sym("nvmlDeviceGetCount_v2");
	*(void **)&nv.handle = sym("nvmlDeviceGetHandleByIndex_v2");
	*(void **)&nv.set_mig = sym("nvmlDeviceSetMigMode");
	*(void **)&nv.get_mig = sym("nvmlDeviceGetMigMode");
	*(void **)&nv.create_gi = sym("nvmlDeviceCreateGpuInstance");
	*(void **)&nv.gis = sym("nvmlDeviceGetGpuInstances");
	*(void **)&nv.destroy_gi = sym("nvmlGpuInstanceDestroy");
	*(void **)&nv.create_ci = sym("nvmlGpuInstanceCreateComputeInstance");
	*(void **)&nv.destroy_ci = sym("nvmlComputeInstanceDestroy");
	*(void **)&nv.last_error = sym("migsimLastStateError");
	if (nv.init() != NVML_SUCCESS || nv.handle(0, &d) != NVML_SUCCESS ||
	    nv.set_mig(d, NVML_DEVICE_MIG_ENABLE, &act) != NVML_SUCCESS)
		return -1;
	return 0;
}

static int teardown(void **unused)
{
	(void)unused;
	if (nv.lib) {
		nv.shutdown();
		dlclose(nv.lib);
		nv.lib = NULL;
	}
	sim_forget();
	sim_gen_set_fast_path(true);
	sh("rm -rf '%s'", dir);
	return 0;
}

/* 1g.10gb GIs on GPU 0, through the library. */
static unsigned gi_count(void)
{
	nvmlDevice_t d;
	nvmlGpuInstance_t gis[8];
	unsigned n = 0;

	assert_int_equal(nv.handle(0, &d), NVML_SUCCESS);
	assert_int_equal(nv.gis(d, H100_1G, gis, &n), NVML_SUCCESS);
	return n;
}

/* A second open with nothing changed in between is served from this
 * process's copy without the lock: it succeeds while another open file
 * holds the lock exclusively (with the lock taken it would wait for ever;
 * alarm() turns that into a failure). Switched off, every open locks. */
static void test_current_copy_takes_no_lock(void **unused)
{
	struct sim_session s;
	struct migctl_error err;
	struct sim_machine *first;
	char path[128];
	(void)unused;

	assert_int_equal(sim_open(&s, dir, SIM_SHARED, false, &err), MIGCTL_ERR_OK);
	assert_true(s.lock_fd >= 0); /* the first load reads the file under the lock */
	first = s.m;
	sim_close(&s);

	snprintf(path, sizeof(path), "%s/lock", dir);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	alarm(60);
	assert_int_equal(sim_open(&s, dir, SIM_SHARED, false, &err), MIGCTL_ERR_OK);
	alarm(0);
	assert_int_equal(s.lock_fd, -1);
	assert_ptr_equal(s.m, first);
	sim_close(&s);
	close(fd);

	/* A bump with no new file (a writer killed between the two): one
	 * more look under the lock, the same machine. */
	assert_int_equal(sim_state_changed(dir, &err), MIGCTL_ERR_OK);
	assert_int_equal(sim_open(&s, dir, SIM_SHARED, false, &err), MIGCTL_ERR_OK);
	assert_true(s.lock_fd >= 0);
	assert_int_equal(s.m->n_gpus, 1);
	sim_close(&s);

	sim_gen_set_fast_path(false);
	assert_int_equal(sim_open(&s, dir, SIM_SHARED, false, &err), MIGCTL_ERR_OK);
	assert_true(s.lock_fd >= 0);
	sim_close(&s);
	sim_gen_set_fast_path(true);
}

/* A process that keeps the library open sees, at its next call, what a
 * forked client, the migsim tool and a fresh `migsim init` did. */
static void test_other_process_change_seen(void **unused)
{
	unsigned cur = 9, pend = 9, n = 0;
	nvmlDevice_t d;
	(void)unused;

	assert_int_equal(gi_count(), 0);
	assert_int_equal(gi_count(), 0); /* now from the copy */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		nvmlDevice_t cd;
		nvmlGpuInstance_t gi;
		_exit(nv.handle(0, &cd) == NVML_SUCCESS &&
		      nv.create_gi(cd, H100_1G, &gi) == NVML_SUCCESS ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(gi_count(), 1);

	/* An H100 comes back from a reset with MIG off and no instances. */
	sh("'%s' reset -i 0 >/dev/null", getenv("MIGSIM_BIN"));
	assert_int_equal(nv.handle(0, &d), NVML_SUCCESS);
	assert_int_equal(nv.get_mig(d, &cur, &pend), NVML_SUCCESS);
	assert_int_equal(cur, NVML_DEVICE_MIG_DISABLE);

	sh("'%s' init --gpus H100-SXM5-80GB:3 >/dev/null", getenv("MIGSIM_BIN"));
	assert_int_equal(nv.count(&n), NVML_SUCCESS);
	assert_int_equal(n, 3);
}

/* The writer: WRITER_ROUNDS times a GI with a CI made and taken down
 * again, each step its own atomic change. Exits non-zero on an error. */
static void writer(void)
{
	nvmlDevice_t d;

	if (nv.handle(0, &d) != NVML_SUCCESS)
		_exit(2);
	for (int i = 0; i < WRITER_ROUNDS; i++) {
		nvmlGpuInstance_t gi;
		nvmlComputeInstance_t ci;
		if (nv.create_gi(d, H100_1G, &gi) != NVML_SUCCESS ||
		    nv.create_ci(gi, 0, &ci) != NVML_SUCCESS ||
		    nv.destroy_ci(ci) != NVML_SUCCESS || nv.destroy_gi(gi) != NVML_SUCCESS)
			_exit(1);
	}
	_exit(0);
}

/* One look at the machine: every open succeeds (a torn file would not
 * parse), the generation never goes back, and the machine is one the
 * writer could have left: at most one GI, at most one CI in it. */
static void check_once(uint64_t *gen)
{
	struct sim_session s;
	struct migctl_error err;

	if (sim_open(&s, dir, SIM_SHARED, false, &err) != MIGCTL_ERR_OK)
		fail_msg("a reader beside the writer could not open the state: %s", err.msg);
	const struct sim_gpu *g = &s.m->gpus[0];
	assert_true(s.m->generation >= *gen);
	*gen = s.m->generation;
	assert_true(g->mig_current);
	assert_true(g->n_gis <= 1);
	assert_true(g->n_gis == 0 || g->gis[0].n_cis <= 1);
	sim_close(&s);
	assert_true(gi_count() <= 1);
}

static void test_reader_beside_writer(void **unused)
{
	uint64_t gen = 0;
	long looks = 0;
	int status = 0;
	(void)unused;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		writer();
	while (looks < READER_MAX) {
		check_once(&gen);
		looks++;
		pid_t w = waitpid(pid, &status, WNOHANG);
		assert_true(w >= 0);
		if (w == pid)
			break;
	}
	if (looks == READER_MAX)
		assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* After the writer: its last change, read through both copies. */
	check_once(&gen);
	assert_int_equal(gi_count(), 0);
	assert_true(gen >= 2 * 2 * WRITER_ROUNDS);
}

/* A state file that does not parse is reported as before: by a process
 * that holds a good copy (once told the file changed) with
 * NVML_ERROR_UNKNOWN and migsimLastStateError's MIGCTL_ERR_STATE, and
 * by sim_open; putting a good file back heals both. */
static void test_broken_state_reported(void **unused)
{
	char path[128], saved[128], msg[512];
	struct sim_session s;
	struct migctl_error err;
	unsigned n = 0;
	(void)unused;

	assert_int_equal(nv.count(&n), NVML_SUCCESS);
	snprintf(path, sizeof(path), "%s/machine.json", dir);
	snprintf(saved, sizeof(saved), "%s/saved.json", dir);
	sh("cp '%s' '%s' && head -c 100 '%s' > '%s.new' && mv '%s.new' '%s'", path, saved,
	   saved, path, path, path);
	assert_int_equal(sim_state_changed(dir, &err), MIGCTL_ERR_OK);

	assert_int_equal(nv.count(&n), NVML_ERROR_UNKNOWN);
	assert_int_equal(nv.last_error(msg, sizeof(msg)), MIGCTL_ERR_STATE);
	assert_non_null(strstr(msg, "machine.json"));
	assert_int_equal(sim_open(&s, dir, SIM_SHARED, false, &err), MIGCTL_ERR_STATE);
	/* Still broken on the next call: a failed load is not kept. */
	assert_int_equal(nv.count(&n), NVML_ERROR_UNKNOWN);

	sh("mv '%s' '%s'", saved, path);
	assert_int_equal(sim_state_changed(dir, &err), MIGCTL_ERR_OK);
	assert_int_equal(nv.count(&n), NVML_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(nv.last_error(msg, sizeof(msg)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_current_copy_takes_no_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_process_change_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_beside_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_state_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
