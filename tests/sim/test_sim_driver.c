/* Conformance of the simulator's driver-level behaviour, beyond MIG
 * (tests/sim/test_conformance.c): the entry points that go-nvml's library
 * tests die on when they are absent, what they answer, the versions each
 * `migsim init --driver` reports and the entry points of each branch's
 * library, the per-GPU reset rule (`--reset-keeps-mig`) in both settings,
 * and new MIG device UUIDs for a compute instance created again.
 *
 * Like every simulator test it is an NVML client: it dlopens $MIGSIM_LIB,
 * resolves each function by its exported name, and drives the machine with
 * $MIGSIM_BIN in a fresh state directory per test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvml_abi.h"

static void *lib;               /* dlopen($MIGSIM_LIB) */
static const char *lib_path;    /* $MIGSIM_LIB */
static const char *migsim_bin;  /* $MIGSIM_BIN */
static char base_dir[256];      /* per test: the state directory */

/* The function `name` of `from`, or a test failure naming it. */
static void *sym_in(void *from, const char *name)
{
	void *p = dlsym(from, name);

	if (!p)
		fail_msg("the simulator does not export %s; ref: nvml-mig.md §1.6 (go-nvml "
			 "resolves symbols lazily and dies on a missing one)", name);
	return p;
}

/* F(type, name): the typed pointer to `name` in the library under test. */
#define F(type, name) ((type)sym_in(lib, name))

typedef nvmlReturn_t (*void_fn)(void);
typedef nvmlReturn_t (*uintp_fn)(unsigned int *);
typedef nvmlReturn_t (*index_fn)(unsigned int, nvmlDevice_t *);
typedef nvmlReturn_t (*str_fn)(char *, unsigned int);
typedef nvmlReturn_t (*dev_str_fn)(nvmlDevice_t, char *, unsigned int);

/* Run `migsim ARGS` against the test's state; its exit status. */
static int migsim(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int migsim(const char *fmt, ...)
{
	char args[512], cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "MIGSIM_STATE='%s' '%s' %s >/dev/null 2>&1", base_dir,
		 migsim_bin, args);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(base_dir, sizeof(base_dir), "%s/migsim-driver-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(base_dir))
		return -1;
	setenv("MIGSIM_STATE", base_dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (lib) {
		void_fn shut = (void_fn)dlsym(lib, "nvmlShutdown");
		while (shut && shut() == NVML_SUCCESS)
			;
	}
	nftw(base_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	unsetenv("MIGSIM_STATE");
	return 0;
}

static nvmlDevice_t device(unsigned idx)
{
	nvmlDevice_t d = NULL;

	assert_int_equal(F(index_fn, "nvmlDeviceGetHandleByIndex_v2")(idx, &d), NVML_SUCCESS);
	return d;
}

/* --- entry points go-nvml's tests call ------------------------------------ */

/* The first word of this process's command line, as the driver names it. */
static void own_cmdline(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cmdline", "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
}

static void test_system_calls(void **state)
{
	typedef nvmlReturn_t (*pname_fn)(unsigned int, char *, unsigned int);
	typedef nvmlReturn_t (*hic_fn)(unsigned int *, void *);
	typedef nvmlReturn_t (*gpuset_fn)(unsigned int, unsigned int *, nvmlDevice_t *);
	char name[256], want[256];
	unsigned count = 7;
	nvmlDevice_t set[4] = {0};

	(void)state;
	assert_int_equal(migsim("init --gpus A100-SXM4-40GB:2"), 0);
	/* Before nvmlInit every call says so. */
	assert_int_equal(F(pname_fn, "nvmlSystemGetProcessName")(getpid(), name, sizeof(name)),
			 NVML_ERROR_UNINITIALIZED);
	assert_int_equal(F(uintp_fn, "nvmlUnitGetCount")(&count), NVML_ERROR_UNINITIALIZED);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);

	own_cmdline(want, sizeof(want));
	assert_int_equal(F(pname_fn, "nvmlSystemGetProcessName")(getpid(), name, sizeof(name)),
			 NVML_SUCCESS);
	assert_string_equal(name, want);
	/* A short buffer gets the start of the name. */
	assert_int_equal(F(pname_fn, "nvmlSystemGetProcessName")(getpid(), name, 4), NVML_SUCCESS);
	assert_int_equal(strlen(name), 3);
	assert_memory_equal(name, want, 3);
	assert_int_equal(F(pname_fn, "nvmlSystemGetProcessName")(0x7ffffff0, name, sizeof(name)),
			 NVML_ERROR_NOT_FOUND);
	assert_int_equal(F(pname_fn, "nvmlSystemGetProcessName")(getpid(), NULL, 8),
			 NVML_ERROR_INVALID_ARGUMENT);

	count = 5;
	assert_int_equal(F(hic_fn, "nvmlSystemGetHicVersion")(&count, NULL), NVML_SUCCESS);
	assert_int_equal(count, 0);

	/* Count first, then the handles: every GPU, in index order. */
	count = 0;
	assert_int_equal(F(gpuset_fn, "nvmlSystemGetTopologyGpuSet")(0, &count, NULL), NVML_SUCCESS);
	assert_int_equal(count, 2);
	count = 4;
	assert_int_equal(F(gpuset_fn, "nvmlSystemGetTopologyGpuSet")(0, &count, set), NVML_SUCCESS);
	assert_int_equal(count, 2);
	assert_ptr_equal(set[0], device(0));
	assert_ptr_equal(set[1], device(1));
	count = 1;
	assert_int_equal(F(gpuset_fn, "nvmlSystemGetTopologyGpuSet")(0, &count, NULL),
			 NVML_ERROR_INVALID_ARGUMENT);
}

static void test_no_units(void **state)
{
	typedef nvmlReturn_t (*unit_idx_fn)(unsigned int, void **);
	typedef nvmlReturn_t (*unit_ptr_fn)(void *, void *);
	typedef nvmlReturn_t (*unit_temp_fn)(void *, unsigned int, unsigned int *);
	typedef nvmlReturn_t (*unit_dev_fn)(void *, unsigned int *, nvmlDevice_t *);
	typedef nvmlReturn_t (*unit_led_fn)(void *, unsigned int);
	static const char *const ptr_calls[] = {"nvmlUnitGetUnitInfo", "nvmlUnitGetLedState",
						"nvmlUnitGetPsuInfo", "nvmlUnitGetFanSpeedInfo"};
	unsigned count = 9, temp, n = 0;
	void *unit = NULL;
	char buf[256];

	(void)state;
	assert_int_equal(migsim("init --gpus A30"), 0);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	/* A machine without S-class units: a count of 0, no index valid. */
	assert_int_equal(F(uintp_fn, "nvmlUnitGetCount")(&count), NVML_SUCCESS);
	assert_int_equal(count, 0);
	assert_int_equal(F(uintp_fn, "nvmlUnitGetCount")(NULL), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(unit_idx_fn, "nvmlUnitGetHandleByIndex")(0, &unit),
			 NVML_ERROR_INVALID_ARGUMENT);
	for (size_t i = 0; i < sizeof(ptr_calls) / sizeof(ptr_calls[0]); i++)
		assert_int_equal(F(unit_ptr_fn, ptr_calls[i])(unit, buf), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(unit_temp_fn, "nvmlUnitGetTemperature")(unit, 0, &temp),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(unit_dev_fn, "nvmlUnitGetDevices")(unit, &n, NULL),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(unit_led_fn, "nvmlUnitSetLedState")(unit, 0), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(uintp_fn, "nvmlGetExcludedDeviceCount")(&count), NVML_SUCCESS);
	assert_int_equal(count, 0);
}

static void test_device_calls(void **state)
{
	typedef nvmlReturn_t (*pair_int_fn)(nvmlDevice_t, nvmlDevice_t, int *);
	typedef nvmlReturn_t (*pair_uint_fn)(nvmlDevice_t, nvmlDevice_t, unsigned int *);
	typedef nvmlReturn_t (*dev_uint_fn)(nvmlDevice_t, unsigned int *);
	typedef nvmlReturn_t (*model_fn)(nvmlDevice_t, unsigned int *, unsigned int *);
	typedef nvmlReturn_t (*serial_fn)(const char *, nvmlDevice_t *);
	int same = -1;
	unsigned v = 0, cur, pend;
	char serial[64];
	nvmlDevice_t d0, d1, found = NULL;

	(void)state;
	assert_int_equal(migsim("init --gpus H100-SXM5-80GB:2"), 0);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	d0 = device(0);
	d1 = device(1);
	assert_int_equal(F(pair_int_fn, "nvmlDeviceOnSameBoard")(d0, d0, &same), NVML_SUCCESS);
	assert_int_equal(same, 1);
	assert_int_equal(F(pair_int_fn, "nvmlDeviceOnSameBoard")(d0, d1, &same), NVML_SUCCESS);
	assert_int_equal(same, 0);
	assert_int_equal(F(dev_uint_fn, "nvmlDeviceGetBusType")(d1, &v), NVML_SUCCESS);
	assert_int_equal(v, 2); /* NVML_BUS_TYPE_PCIE */
	/* Not modelled: NOT_SUPPORTED after the usual checks. */
	assert_int_equal(F(pair_uint_fn, "nvmlDeviceGetTopologyCommonAncestor")(d0, d1, &v),
			 NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(F(pair_uint_fn, "nvmlDeviceGetTopologyCommonAncestor")(d0, NULL, &v),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(model_fn, "nvmlDeviceGetDriverModel")(d0, &cur, &pend),
			 NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(F(model_fn, "nvmlDeviceGetDriverModel_v2")(d1, &cur, &pend),
			 NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(F(dev_uint_fn, "nvmlDeviceGetBusType")(NULL, &v),
			 NVML_ERROR_INVALID_ARGUMENT);
	/* No vGPU manager, no vGPU type or instance. */
	typedef nvmlReturn_t (*vver_fn)(void *, void *);
	typedef nvmlReturn_t (*vinst_fn)(unsigned int, void *);
	typedef nvmlReturn_t (*vmax_fn)(nvmlDevice_t, unsigned int, unsigned int *);
	char scratch[256];
	assert_int_equal(F(vver_fn, "nvmlGetVgpuVersion")(scratch, scratch + 64),
			 NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(F(vinst_fn, "nvmlVgpuInstanceGetLicenseInfo_v2")(1, scratch),
			 NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(vinst_fn, "nvmlVgpuInstanceGetType")(1, &v), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(F(vmax_fn, "nvmlVgpuTypeGetMaxInstances")(d0, 1, &v),
			 NVML_ERROR_INVALID_ARGUMENT);
	typedef nvmlReturn_t (*vlist_fn)(nvmlDevice_t, unsigned int *, unsigned int *);
	assert_int_equal(F(vlist_fn, "nvmlDeviceGetActiveVgpus")(d0, &v, NULL),
			 NVML_ERROR_NOT_SUPPORTED);
	/* A GPU by its serial. */
	assert_int_equal(F(dev_str_fn, "nvmlDeviceGetSerial")(d1, serial, sizeof(serial)),
			 NVML_SUCCESS);
	assert_int_equal(F(serial_fn, "nvmlDeviceGetHandleBySerial")(serial, &found), NVML_SUCCESS);
	assert_ptr_equal(found, d1);
	assert_int_equal(F(serial_fn, "nvmlDeviceGetHandleBySerial")("0000000000000", &found),
			 NVML_ERROR_NOT_FOUND);
}

/* --- driver branches ------------------------------------------------------ */

/* The versions NVML reports on the machine in the test's state. */
static void expect_versions(const char *driver, const char *nvml, int cuda)
{
	typedef nvmlReturn_t (*cuda_fn)(int *);
	char buf[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
	int v = 0;

	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	assert_int_equal(F(str_fn, "nvmlSystemGetDriverVersion")(buf, sizeof(buf)), NVML_SUCCESS);
	assert_string_equal(buf, driver);
	assert_int_equal(F(str_fn, "nvmlSystemGetNVMLVersion")(buf, sizeof(buf)), NVML_SUCCESS);
	assert_string_equal(buf, nvml);
	assert_int_equal(F(cuda_fn, "nvmlSystemGetCudaDriverVersion_v2")(&v), NVML_SUCCESS);
	assert_int_equal(v, cuda);
	assert_int_equal(F(void_fn, "nvmlShutdown")(), NVML_SUCCESS);
}

static void test_driver_versions(void **state)
{
	(void)state;
	/* Seed 000's and seed 004's drivers, the first MIG driver, the default. */
	assert_int_equal(migsim("init --gpus 'A100 80GB PCIe' --driver 535"), 0);
	expect_versions("535.230.02", "12.535.230.02", 12020);
	assert_int_equal(migsim("init --gpus A100-SXM4-40GB --driver 515.43.04"), 0);
	expect_versions("515.43.04", "11.515.43.04", 11070);
	assert_int_equal(migsim("init --gpus A100-SXM4-40GB --driver 450"), 0);
	expect_versions("450.80.02", "11.450.80.02", 11000);
	assert_int_equal(migsim("init --gpus A30"), 0);
	expect_versions("580.95.05", "13.580.95.05", 13000);
	/* MIG on A100 only with 450: the A30 came with 460.73.01. */
	assert_int_equal(migsim("init --gpus A30 --driver 450"), 2);
}

/* The library of branch `branch` beside the one under test
 * (build/sim/ -> build/sim-<branch>/). */
static void *open_branch(const char *branch)
{
	char dir[512], path[600];
	void *h;

	snprintf(dir, sizeof(dir), "%s", lib_path);
	snprintf(path, sizeof(path), "%s/../sim-%s/libnvidia-ml.so.1", dirname(dir), branch);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		fail_msg("dlopen(%s): %s", path, dlerror());
	return h;
}

static void test_branch_exports(void **state)
{
	void *b450 = open_branch("450"), *b515 = open_branch("515"), *b535 = open_branch("535");

	(void)state;
	/* Every branch has the MIG calls of NVML 11.0 and the calls above. */
	assert_non_null(dlsym(b450, "nvmlDeviceCreateGpuInstance"));
	assert_non_null(dlsym(b450, "nvmlUnitGetCount"));
	/* With placement: 11.1 (in 515, not 450). */
	assert_null(dlsym(b450, "nvmlDeviceCreateGpuInstanceWithPlacement"));
	assert_non_null(dlsym(b515, "nvmlDeviceCreateGpuInstanceWithPlacement"));
	/* CI placements: 12.0 (in 535, not 515). */
	assert_null(dlsym(b515, "nvmlGpuInstanceGetComputeInstancePossiblePlacements"));
	assert_non_null(dlsym(b535, "nvmlGpuInstanceGetComputeInstancePossiblePlacements"));
	/* By profile ID: 13.0 (only the newest). */
	assert_null(dlsym(b535, "nvmlDeviceGetGpuInstanceProfileInfoByIdV"));
	assert_non_null(dlsym(lib, "nvmlDeviceGetGpuInstanceProfileInfoByIdV"));
	dlclose(b450);
	dlclose(b515);
	dlclose(b535);
}

/* --- the reset rule ------------------------------------------------------- */

/* Enable MIG on GPU `idx`, create a 1g GI with a CI, reset the GPU with
 * migsim, and return the MIG mode it comes back with. */
static unsigned mig_after_reset(unsigned idx, unsigned gi_profile)
{
	typedef nvmlReturn_t (*setmig_fn)(nvmlDevice_t, unsigned int, nvmlReturn_t *);
	typedef nvmlReturn_t (*getmig_fn)(nvmlDevice_t, unsigned int *, unsigned int *);
	typedef nvmlReturn_t (*cgi_fn)(nvmlDevice_t, unsigned int, nvmlGpuInstance_t *);
	typedef nvmlReturn_t (*gis_fn)(nvmlDevice_t, unsigned int, nvmlGpuInstance_t *,
				       unsigned int *);
	nvmlReturn_t act;
	nvmlGpuInstance_t gi, list[8];
	unsigned cur = 9, pend = 9, count = 8;

	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	assert_int_equal(F(setmig_fn, "nvmlDeviceSetMigMode")(device(idx), NVML_DEVICE_MIG_ENABLE, &act),
			 NVML_SUCCESS);
	assert_int_equal(F(getmig_fn, "nvmlDeviceGetMigMode")(device(idx), &cur, &pend), NVML_SUCCESS);
	assert_int_equal(F(void_fn, "nvmlShutdown")(), NVML_SUCCESS);
	if (cur != pend) /* Ampere: the reset applies the mode */
		assert_int_equal(migsim("reset -i %u", idx), 0);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	assert_int_equal(F(cgi_fn, "nvmlDeviceCreateGpuInstance")(device(idx), gi_profile, &gi),
			 NVML_SUCCESS);
	assert_int_equal(F(void_fn, "nvmlShutdown")(), NVML_SUCCESS);
	assert_int_equal(migsim("reset -i %u", idx), 0);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	cur = pend = 9;
	assert_int_equal(F(getmig_fn, "nvmlDeviceGetMigMode")(device(idx), &cur, &pend), NVML_SUCCESS);
	assert_int_equal(cur, pend);
	/* Instances never survive a reset (nvml-mig.md §2.1). */
	if (cur) {
		assert_int_equal(F(gis_fn, "nvmlDeviceGetGpuInstances")(device(idx), gi_profile, list,
									&count),
				 NVML_SUCCESS);
		assert_int_equal(count, 0);
	}
	assert_int_equal(F(void_fn, "nvmlShutdown")(), NVML_SUCCESS);
	return cur;
}

/* Default: Hopper loses MIG mode on a reset, Ampere keeps it. */
static void test_reset_default_rule(void **state)
{
	(void)state;
	assert_int_equal(migsim("init --gpus H100-SXM5-80GB,A100-SXM4-80GB"), 0);
	assert_int_equal(mig_after_reset(0, 19), 0);
	assert_int_equal(mig_after_reset(1, 19), 1);
}

/* --reset-keeps-mig: the chosen Hopper GPU keeps it, the other does not;
 * `migsim set` turns the setting around on the same machine. */
static void test_reset_keeps_mig(void **state)
{
	(void)state;
	assert_int_equal(migsim("init --gpus H100-SXM5-80GB:2 --reset-keeps-mig 1"), 0);
	assert_int_equal(mig_after_reset(1, 19), 1);
	assert_int_equal(mig_after_reset(0, 19), 0);
	assert_int_equal(migsim("set -i 0 --reset-keeps-mig on"), 0);
	assert_int_equal(migsim("set -i 1 --reset-keeps-mig off"), 0);
	assert_int_equal(mig_after_reset(0, 19), 1);
	assert_int_equal(mig_after_reset(1, 19), 0);
}

/* --- MIG device UUIDs ----------------------------------------------------- */

typedef nvmlReturn_t (*cci_fn)(nvmlGpuInstance_t, unsigned int, nvmlComputeInstance_t *);
typedef nvmlReturn_t (*dci_fn)(nvmlComputeInstance_t);

/* The UUID of MIG device 0 of GPU 0. */
static void mig0_uuid(char *buf)
{
	typedef nvmlReturn_t (*migidx_fn)(nvmlDevice_t, unsigned int, nvmlDevice_t *);
	nvmlDevice_t mig;

	assert_int_equal(F(migidx_fn, "nvmlDeviceGetMigDeviceHandleByIndex")(device(0), 0, &mig),
			 NVML_SUCCESS);
	assert_int_equal(F(dev_str_fn, "nvmlDeviceGetUUID")(mig, buf, NVML_DEVICE_UUID_V2_BUFFER_SIZE),
			 NVML_SUCCESS);
}

/* Enable MIG on GPU 0 (a Hopper GPU: at once), create a 1g.10gb GI
 * (profile 19) with a 1-slice CI, and give its MIG device's UUID. */
static nvmlGpuInstance_t make_mig(nvmlComputeInstance_t *ci, char *uuid)
{
	typedef nvmlReturn_t (*setmig_fn)(nvmlDevice_t, unsigned int, nvmlReturn_t *);
	typedef nvmlReturn_t (*cgi_fn)(nvmlDevice_t, unsigned int, nvmlGpuInstance_t *);
	nvmlGpuInstance_t gi;
	nvmlReturn_t act;

	assert_int_equal(F(setmig_fn, "nvmlDeviceSetMigMode")(device(0), NVML_DEVICE_MIG_ENABLE, &act),
			 NVML_SUCCESS);
	assert_int_equal(F(cgi_fn, "nvmlDeviceCreateGpuInstance")(device(0), 19, &gi), NVML_SUCCESS);
	assert_int_equal(F(cci_fn, "nvmlGpuInstanceCreateComputeInstance")(
				 gi, NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE, ci),
			 NVML_SUCCESS);
	mig0_uuid(uuid);
	return gi;
}

/* A CI destroyed and created again at the same GI and CI ID is a new MIG
 * device with a new UUID; the old UUID names nothing. The first UUID of
 * each place is the same on every fresh machine. */
static void test_mig_uuid_new_on_recreate(void **state)
{
	typedef nvmlReturn_t (*byuuid_fn)(const char *, nvmlDevice_t *);
	typedef nvmlReturn_t (*dgi_fn)(nvmlGpuInstance_t);
	char first[NVML_DEVICE_UUID_V2_BUFFER_SIZE], second[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	char third[NVML_DEVICE_UUID_V2_BUFFER_SIZE], again[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	nvmlGpuInstance_t gi;
	nvmlComputeInstance_t ci;
	nvmlDevice_t d;

	(void)state;
	assert_int_equal(migsim("init --gpus H100-SXM5-80GB"), 0);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	gi = make_mig(&ci, first);

	assert_int_equal(F(dci_fn, "nvmlComputeInstanceDestroy")(ci), NVML_SUCCESS);
	assert_int_equal(F(cci_fn, "nvmlGpuInstanceCreateComputeInstance")(
				 gi, NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE, &ci),
			 NVML_SUCCESS);
	mig0_uuid(second);
	assert_string_not_equal(first, second);
	assert_int_equal(F(byuuid_fn, "nvmlDeviceGetHandleByUUID")(first, &d), NVML_ERROR_NOT_FOUND);
	assert_int_equal(F(byuuid_fn, "nvmlDeviceGetHandleByUUID")(second, &d), NVML_SUCCESS);

	/* The GI too: a third CI at the same place, a third UUID. */
	assert_int_equal(F(dci_fn, "nvmlComputeInstanceDestroy")(ci), NVML_SUCCESS);
	assert_int_equal(F(dgi_fn, "nvmlGpuInstanceDestroy")(gi), NVML_SUCCESS);
	make_mig(&ci, third);
	assert_string_not_equal(third, first);
	assert_string_not_equal(third, second);
	/* The counts are in the state: another process sees the same UUID. */
	assert_int_equal(F(void_fn, "nvmlShutdown")(), NVML_SUCCESS);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	mig0_uuid(again);
	assert_string_equal(again, third);
	assert_int_equal(F(void_fn, "nvmlShutdown")(), NVML_SUCCESS);

	/* A fresh machine starts over. */
	assert_int_equal(migsim("init --gpus H100-SXM5-80GB"), 0);
	assert_int_equal(F(void_fn, "nvmlInit_v2")(), NVML_SUCCESS);
	make_mig(&ci, again);
	assert_string_equal(again, first);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_system_calls, setup, teardown),
	cmocka_unit_test_setup_teardown(test_no_units, setup, teardown),
	cmocka_unit_test_setup_teardown(test_device_calls, setup, teardown),
	cmocka_unit_test_setup_teardown(test_driver_versions, setup, teardown),
	cmocka_unit_test_setup_teardown(test_branch_exports, setup, teardown),
	cmocka_unit_test_setup_teardown(test_reset_default_rule, setup, teardown),
	cmocka_unit_test_setup_teardown(test_reset_keeps_mig, setup, teardown),
	cmocka_unit_test_setup_teardown(test_mig_uuid_new_on_recreate, setup, teardown),
};

int main(void)
{
	lib_path = getenv("MIGSIM_LIB");
	migsim_bin = getenv("MIGSIM_BIN");
	if (!lib_path || !migsim_bin) {
		fprintf(stderr, "set MIGSIM_LIB and MIGSIM_BIN; tests/run-tests.sh does\n");
		return 1;
	}
	lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "dlopen(%s): %s\n", lib_path, dlerror());
		return 1;
	}
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	dlclose(lib);
	return rc;
}
