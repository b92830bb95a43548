/* The public-API probe of the NVML simulator's monitoring side, and the
 * load model's tests.
 *
 * Like tests/sim/test_conformance.c this is an NVML client that only
 * dlopens the simulator ($MIGSIM_LIB) and drives the machine with the
 * control tool ($MIGSIM_BIN). Function types come from the entry-point
 * table (lib/nvml_entries.h), so a probe that passes the wrong arguments
 * does not compile.
 *
 *   - probe_*: every telemetry, board, event, field-value and GPM call a
 *     monitoring client makes answers with a sane value (or NOT_SUPPORTED
 *     where a real driver says so: GPM on Ampere, utilization in MIG mode);
 *   - load_*: a `migsim exec --load` on one MIG device moves that device's
 *     counters only, and GPU-level values follow the formulas of
 *     docs/simulator-model.md exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvml_entries.h"

static void *lib;
static const char *migsim_bin;
static char base_dir[256];
static char state_dir[300];
static pid_t bg_pid; /* a `migsim exec` child (its own process group), 0 if none */

/* The function `name` of the simulator, typed from the table; fails the
 * test when the library does not export it. */
static void *sym(const char *name)
{
	void *p = dlsym(lib, name);
	if (!p)
		fail_msg("the simulator does not export %s", name);
	return p;
}
#define F(name) ((name##_fn *)sym(#name))

#define OK(call)                                                                    \
	do {                                                                        \
		nvmlReturn_t rc_ = (call);                                          \
		if (rc_ != NVML_SUCCESS)                                            \
			fail_msg("%s returned %d, expected success", #call, (int)rc_); \
	} while (0)
#define RC(call, want)                                                                  \
	do {                                                                            \
		nvmlReturn_t rc_ = (call);                                              \
		if (rc_ != (want))                                                      \
			fail_msg("%s returned %d, expected %d", #call, (int)rc_, (int)(want)); \
	} while (0)
#define IN(v, lo, hi)                                                                      \
	do {                                                                               \
		double v_ = (double)(v);                                                   \
		if (!(v_ >= (double)(lo) && v_ <= (double)(hi)))                           \
			fail_msg("%s = %g, expected %g..%g", #v, v_, (double)(lo), (double)(hi)); \
	} while (0)
#define NEAR(v, want)                                                                 \
	do {                                                                          \
		double v_ = (double)(v), w_ = (double)(want);                         \
		double d_ = v_ > w_ ? v_ - w_ : w_ - v_;                              \
		if (!(d_ <= 1e-6 * ((w_ < 0 ? -w_ : w_) + 1.0)))                     \
			fail_msg("%s = %.9g, expected %.9g", #v, v_, w_);             \
	} while (0)

/* --- the control tool ------------------------------------------------------ */

/* Run migsim with a shell argument string; returns its exit status. */
static int migsim(const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);
static int migsim(const char *fmt, ...)
{
	char args[1024], cmd[1600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "'%s' %s >'%s/migsim.log' 2>&1", migsim_bin, args, base_dir);
	int st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Start `migsim exec ARGS -- sh -c 'touch READY; exec sleep 60'` in the
 * background and wait until the command runs (it is registered by then). */
static void exec_bg(const char *args)
{
	char ready[400], cmd[1600];

	snprintf(ready, sizeof ready, "%s/ready", base_dir);
	unlink(ready);
	snprintf(cmd, sizeof cmd, "exec '%s' exec %s -- sh -c 'touch \"%s\"; exec sleep 60'",
		 migsim_bin, args, ready);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	bg_pid = pid;
	for (int i = 0; i < 500; i++) {
		if (access(ready, F_OK) == 0)
			return;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	fail_msg("migsim exec %s did not start its command", args);
}

static void stop_bg(void)
{
	if (bg_pid > 0) {
		kill(-bg_pid, SIGTERM);
		waitpid(bg_pid, NULL, 0);
	}
	bg_pid = 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* A fresh machine of `gpus`, then nvmlInit. */
static void machine(const char *gpus)
{
	snprintf(base_dir, sizeof base_dir, "/tmp/migsim-probe.XXXXXX");
	assert_non_null(mkdtemp(base_dir));
	snprintf(state_dir, sizeof state_dir, "%s/state", base_dir);
	setenv("MIGSIM_STATE", state_dir, 1);
	assert_int_equal(migsim("init --gpus %s", gpus), 0);
	OK(F(nvmlInit_v2)());
}

static int teardown(void **state)
{
	(void)state;
	stop_bg();
	F(nvmlShutdown)();
	nftw(base_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static nvmlDevice_t gpu(unsigned i)
{
	nvmlDevice_t d = NULL;
	OK(F(nvmlDeviceGetHandleByIndex_v2)(i, &d));
	return d;
}

static nvmlDevice_t mig(nvmlDevice_t parent, unsigned i)
{
	nvmlDevice_t d = NULL;
	OK(F(nvmlDeviceGetMigDeviceHandleByIndex)(parent, i, &d));
	return d;
}

static void uuid_of(nvmlDevice_t d, char *buf)
{
	OK(F(nvmlDeviceGetUUID)(d, buf, NVML_DEVICE_UUID_V2_BUFFER_SIZE));
}

/* Enable MIG (Hopper: immediate) and create `n` GIs of profile ID `gip`,
 * each with its full CI (CI profile `cip`). */
static void mig_layout(nvmlDevice_t d, unsigned gip, unsigned cip, unsigned n)
{
	nvmlReturn_t act;
	OK(F(nvmlDeviceSetMigMode)(d, NVML_DEVICE_MIG_ENABLE, &act));
	for (unsigned i = 0; i < n; i++) {
		nvmlGpuInstance_t gi;
		nvmlComputeInstance_t ci;
		OK(F(nvmlDeviceCreateGpuInstance)(d, gip, &gi));
		OK(F(nvmlGpuInstanceCreateComputeInstance)(gi, cip, &ci));
	}
}

/* --- probes ---------------------------------------------------------------- */

/* Board-level telemetry of an idle GPU with MIG off. */
static void probe_idle_gpu(nvmlDevice_t d, unsigned tdp_mw, unsigned pcie_gen)
{
	unsigned v, lo, hi, cur, pend;
	unsigned long long ull;
	char s[128];

	OK(F(nvmlDeviceGetTemperature)(d, NVML_TEMPERATURE_GPU, &v));
	IN(v, 20, 50);
	OK(F(nvmlDeviceGetTemperatureThreshold)(d, NVML_TEMPERATURE_THRESHOLD_SLOWDOWN, &lo));
	OK(F(nvmlDeviceGetTemperatureThreshold)(d, NVML_TEMPERATURE_THRESHOLD_SHUTDOWN, &hi));
	assert_true(v < lo && lo < hi);
	OK(F(nvmlDeviceGetPowerManagementLimit)(d, &v));
	assert_int_equal(v, tdp_mw);
	OK(F(nvmlDeviceGetEnforcedPowerLimit)(d, &v));
	assert_int_equal(v, tdp_mw);
	OK(F(nvmlDeviceGetPowerManagementLimitConstraints)(d, &lo, &hi));
	assert_true(lo < hi && hi == tdp_mw);
	OK(F(nvmlDeviceGetPowerUsage)(d, &v));
	IN(v, tdp_mw / 20, tdp_mw / 4); /* idle: 5-25 % of the limit */
	OK(F(nvmlDeviceGetTotalEnergyConsumption)(d, &ull));
	OK(F(nvmlDeviceGetPerformanceState)(d, &v));
	assert_int_equal(v, 0);
	OK(F(nvmlDeviceGetMaxClockInfo)(d, NVML_CLOCK_SM, &hi));
	IN(hi, 1000, 3000);
	OK(F(nvmlDeviceGetClockInfo)(d, NVML_CLOCK_SM, &v));
	assert_true(v < hi);
	OK(F(nvmlDeviceGetClock)(d, NVML_CLOCK_SM, NVML_CLOCK_ID_CURRENT, &lo));
	assert_int_equal(lo, v);
	OK(F(nvmlDeviceGetClockInfo)(d, NVML_CLOCK_MEM, &v));
	OK(F(nvmlDeviceGetMaxClockInfo)(d, NVML_CLOCK_MEM, &hi));
	assert_int_equal(v, hi);
	OK(F(nvmlDeviceGetApplicationsClock)(d, NVML_CLOCK_GRAPHICS, &v));
	IN(v, 1000, 3000);
	OK(F(nvmlDeviceGetCurrentClocksThrottleReasons)(d, &ull));
	assert_int_equal(ull, NVML_CLOCKS_THROTTLE_REASON_GPU_IDLE);
	nvmlUtilization_t u;
	OK(F(nvmlDeviceGetUtilizationRates)(d, &u));
	assert_int_equal(u.gpu, 0);
	assert_int_equal(u.memory, 0);
	OK(F(nvmlDeviceGetEncoderUtilization)(d, &v, &lo));
	assert_int_equal(v, 0);
	OK(F(nvmlDeviceGetDecoderUtilization)(d, &v, &lo));
	assert_int_equal(v, 0);
	OK(F(nvmlDeviceGetEccMode)(d, &cur, &pend));
	assert_true(cur == 1 && pend == 1);
	OK(F(nvmlDeviceGetTotalEccErrors)(d, 0, 1, &ull));
	assert_int_equal(ull, 0);
	OK(F(nvmlDeviceGetCurrPcieLinkGeneration)(d, &v));
	assert_int_equal(v, pcie_gen);
	OK(F(nvmlDeviceGetCurrPcieLinkWidth)(d, &v));
	assert_int_equal(v, 16);
	OK(F(nvmlDeviceGetPcieThroughput)(d, NVML_PCIE_UTIL_TX_BYTES, &v));
	assert_int_equal(v, 0);
	OK(F(nvmlDeviceGetPersistenceMode)(d, &v));
	assert_int_equal(v, 1);
	OK(F(nvmlDeviceGetComputeMode)(d, &v));
	assert_int_equal(v, 0);
	OK(F(nvmlDeviceGetSerial)(d, s, sizeof s));
	assert_true(strlen(s) > 0);
	OK(F(nvmlDeviceGetBoardId)(d, &v));
	assert_true(v != 0);
	OK(F(nvmlDeviceGetMultiGpuBoard)(d, &v));
	assert_int_equal(v, 0);
	OK(F(nvmlDeviceGetVbiosVersion)(d, s, sizeof s));
	assert_true(strlen(s) > 0);
	OK(F(nvmlDeviceGetBrand)(d, &v));
	assert_int_equal(v, NVML_BRAND_NVIDIA);
	nvmlBAR1Memory_t bar1;
	OK(F(nvmlDeviceGetBAR1MemoryInfo)(d, &bar1));
	assert_true(bar1.bar1Total == bar1.bar1Used + bar1.bar1Free && bar1.bar1Total > 0);
	v = 5;
	OK(F(nvmlDeviceGetGraphicsRunningProcesses_v3)(d, &v, NULL));
	assert_int_equal(v, 0);
}

/* A100 (Ampere), MIG off: telemetry, field values, events; GPM is not
 * there. */
static void probe_a100(void **state)
{
	(void)state;
	machine("A100-SXM4-80GB");
	nvmlDevice_t d = gpu(0);
	unsigned v;

	probe_idle_gpu(d, 400000, 4);
	RC(F(nvmlDeviceGetFanSpeed)(d, &v), NVML_ERROR_NOT_SUPPORTED); /* passive SXM */

	nvmlFieldValue_t fv[4] = {{.fieldId = NVML_FI_DEV_ECC_CURRENT},
				  {.fieldId = NVML_FI_DEV_MEMORY_TEMP},
				  {.fieldId = NVML_FI_DEV_POWER_CURRENT_LIMIT},
				  {.fieldId = 9999}};
	OK(F(nvmlDeviceGetFieldValues)(d, 4, fv));
	assert_int_equal(fv[0].nvmlReturn, NVML_SUCCESS);
	assert_int_equal(fv[0].value.uiVal, 1);
	assert_int_equal(fv[1].nvmlReturn, NVML_SUCCESS);
	IN(fv[1].value.uiVal, 20, 60);
	assert_int_equal(fv[2].value.uiVal, 400000);
	assert_int_equal(fv[3].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);

	nvmlGpmSupport_t sup = {.version = NVML_GPM_SUPPORT_VERSION, .isSupportedDevice = 7};
	OK(F(nvmlGpmQueryDeviceSupport)(d, &sup));
	assert_int_equal(sup.isSupportedDevice, 0);
	nvmlGpmSample_t s;
	OK(F(nvmlGpmSampleAlloc)(&s));
	RC(F(nvmlGpmSampleGet)(d, s), NVML_ERROR_NOT_SUPPORTED);
	RC(F(nvmlGpmMigSampleGet)(d, 1, s), NVML_ERROR_NOT_SUPPORTED);
	OK(F(nvmlGpmSampleFree)(s));

	/* The export table nvidia-smi asks for, and no other. */
	static const unsigned char smi_id[16] = {0xc4, 0xfe, 0x3e, 0x6c, 0xc9, 0x8f, 0x6c, 0x4e,
						 0xa3, 0x27, 0xee, 0x69, 0x6e, 0x12, 0xf7, 0xc4};
	unsigned char other[16] = {0};
	const void *table = NULL;
	OK(F(nvmlInternalGetExportTable)(&table, smi_id));
	assert_non_null(table);
	RC(F(nvmlInternalGetExportTable)(&table, other), NVML_ERROR_INVALID_ARGUMENT);
}

/* Events: nothing before an injection; an injected XID comes once, with
 * its code and no instance; an ECC event counts in the ECC counters. */
static void probe_events(void **state)
{
	(void)state;
	machine("A100-SXM4-80GB:2");
	nvmlDevice_t d = gpu(1);
	unsigned long long types, ull;
	nvmlEventSet_t set;
	nvmlEventData_t ev;
	char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];

	OK(F(nvmlDeviceGetSupportedEventTypes)(d, &types));
	assert_true(types & nvmlEventTypeXidCriticalError);
	OK(F(nvmlEventSetCreate)(&set));
	OK(F(nvmlDeviceRegisterEvents)(d, nvmlEventTypeXidCriticalError |
					   nvmlEventTypeDoubleBitEccError, set));
	RC(F(nvmlEventSetWait_v2)(set, &ev, 0), NVML_ERROR_TIMEOUT);
	assert_int_equal(migsim("event -d 0 --xid 48"), 0); /* another GPU: not ours */
	uuid_of(d, uuid);
	assert_int_equal(migsim("event -d %s --xid 79", uuid), 0);
	OK(F(nvmlEventSetWait_v2)(set, &ev, 1000));
	assert_int_equal(ev.eventType, nvmlEventTypeXidCriticalError);
	assert_int_equal(ev.eventData, 79);
	assert_ptr_equal(ev.device, d);
	assert_int_equal(ev.gpuInstanceId, NVML_VALUE_NOT_AVAILABLE_UINT);
	RC(F(nvmlEventSetWait_v2)(set, &ev, 20), NVML_ERROR_TIMEOUT); /* delivered once */
	assert_int_equal(migsim("event -d 1 --type ecc-dbe"), 0);
	OK(F(nvmlEventSetWait)(set, &ev, 1000));
	assert_int_equal(ev.eventType, nvmlEventTypeDoubleBitEccError);
	OK(F(nvmlDeviceGetTotalEccErrors)(d, 1, 0, &ull));
	assert_int_equal(ull, 1);
	OK(F(nvmlDeviceGetTotalEccErrors)(gpu(0), 1, 0, &ull));
	assert_int_equal(ull, 0);
	OK(F(nvmlEventSetFree)(set));
}

/* H100 (Hopper) with MIG on: GPU and MIG handles; GPM everywhere;
 * utilization NOT_SUPPORTED in MIG mode; the driver's reservation shows as
 * used memory on each MIG device and on the GPU. */
static void probe_h100_mig(void **state)
{
	(void)state;
	machine("H100-SXM5-80GB");
	nvmlDevice_t d = gpu(0);
	unsigned v;

	probe_idle_gpu(d, 700000, 5);
	mig_layout(d, 9, 2, 2); /* two 3g.40gb, each with its 3-slice CI */
	nvmlDevice_t m0 = mig(d, 0), m1 = mig(d, 1);
	nvmlUtilization_t u;
	RC(F(nvmlDeviceGetUtilizationRates)(d, &u), NVML_ERROR_NOT_SUPPORTED);
	RC(F(nvmlDeviceGetUtilizationRates)(m0, &u), NVML_ERROR_NOT_SUPPORTED);
	RC(F(nvmlDeviceGetTemperature)(m0, NVML_TEMPERATURE_GPU, &v), NVML_ERROR_NOT_SUPPORTED);
	OK(F(nvmlDeviceGetTemperature)(d, NVML_TEMPERATURE_GPU, &v));

	nvmlMemory_t mem;
	OK(F(nvmlDeviceGetMemoryInfo)(m0, &mem));
	assert_int_equal(mem.used, 37ULL << 20);
	assert_int_equal(mem.total, 40192ULL << 20);
	OK(F(nvmlDeviceGetMemoryInfo)(d, &mem));
	assert_int_equal(mem.used, 74ULL << 20);

	nvmlGpmSupport_t sup = {.version = NVML_GPM_SUPPORT_VERSION};
	OK(F(nvmlGpmQueryDeviceSupport)(d, &sup));
	assert_int_equal(sup.isSupportedDevice, 1);
	OK(F(nvmlGpmQueryDeviceSupport)(m1, &sup));
	assert_int_equal(sup.isSupportedDevice, 1);
	sup.version = 2;
	RC(F(nvmlGpmQueryDeviceSupport)(d, &sup), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
	nvmlGpmSample_t a, b;
	OK(F(nvmlGpmSampleAlloc)(&a));
	OK(F(nvmlGpmSampleAlloc)(&b));
	OK(F(nvmlGpmSampleGet)(m1, a));
	OK(F(nvmlGpmSampleGet)(m1, b));
	static nvmlGpmMetricsGet_t mg; /* 13 KB: not on the stack */
	memset(&mg, 0, sizeof mg);
	mg.version = NVML_GPM_METRICS_GET_VERSION;
	mg.numMetrics = 2;
	mg.sample1 = a;
	mg.sample2 = b;
	mg.metrics[0].metricId = NVML_GPM_METRIC_SM_UTIL;
	mg.metrics[1].metricId = NVML_GPM_METRIC_DRAM_BW_UTIL;
	OK(F(nvmlGpmMetricsGet)(&mg));
	assert_int_equal(mg.metrics[0].nvmlReturn, NVML_SUCCESS);
	NEAR(mg.metrics[0].value, 0.0);
	assert_int_equal(mg.metrics[1].nvmlReturn, NVML_ERROR_NOT_SUPPORTED); /* DRAM: GI level */
	unsigned gi_id;
	OK(F(nvmlDeviceGetGpuInstanceId)(m1, &gi_id));
	RC(F(nvmlGpmMigSampleGet)(d, 14, a), NVML_ERROR_NOT_FOUND);
	OK(F(nvmlGpmMigSampleGet)(d, gi_id, a));
	RC(F(nvmlGpmMetricsGet)(&mg), NVML_ERROR_INVALID_ARGUMENT); /* GI and CI samples */
	OK(F(nvmlGpmSampleFree)(a));
	OK(F(nvmlGpmSampleFree)(b));
}

/* What nvidia-smi -q once printed as N/A and the model now answers
 * (docs/simulator-model.md §8): SRAM ECC, the clock-reason mask, GSP
 * firmware on Hopper only, and the NVSwitch fabric on an HGX board only;
 * struct versions are checked. */
static void probe_board_status(void **state)
{
	(void)state;
	machine("H100-SXM5-80GB,A100-SXM4-80GB,'H100 PCIe'");
	nvmlDevice_t h = gpu(0), a = gpu(1), hp = gpu(2);

	nvmlEccSramErrorStatus_t sram;
	memset(&sram, 0xff, sizeof sram);
	sram.version = nvmlEccSramErrorStatus_v1;
	OK(F(nvmlDeviceGetSramEccErrorStatus)(a, &sram));
	assert_int_equal(sram.version, nvmlEccSramErrorStatus_v1);
	assert_int_equal(sram.volatileCor + sram.aggregateUncParity + sram.aggregateUncBucketOther, 0);
	assert_int_equal(sram.bThresholdExceeded, 0);
	sram.version = 2u << 24 | 104u;
	RC(F(nvmlDeviceGetSramEccErrorStatus)(a, &sram), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);

	unsigned long long reasons;
	OK(F(nvmlDeviceGetSupportedClocksThrottleReasons)(h, &reasons));
	assert_true(reasons & NVML_CLOCKS_THROTTLE_REASON_SYNC_BOOST);
	assert_true(reasons & NVML_CLOCKS_THROTTLE_REASON_APPLICATIONS_CLOCKS_SETTING);
	assert_true(reasons & NVML_CLOCKS_THROTTLE_REASON_DISPLAY_CLOCK_SETTING);

	char ver[64];
	unsigned on, dflt;
	OK(F(nvmlDeviceGetGspFirmwareVersion)(h, ver));
	assert_string_equal(ver, "580.95.05"); /* the default driver's version */
	OK(F(nvmlDeviceGetGspFirmwareMode)(h, &on, &dflt));
	assert_int_equal(on + dflt, 2);
	RC(F(nvmlDeviceGetGspFirmwareVersion)(a, ver), NVML_ERROR_NOT_SUPPORTED);
	OK(F(nvmlDeviceGetGspFirmwareMode)(a, &on, &dflt));
	assert_int_equal(on + dflt, 0);

	nvmlGpuFabricInfo_t fi;
	memset(&fi, 0xff, sizeof fi);
	OK(F(nvmlDeviceGetGpuFabricInfo)(h, &fi));
	assert_int_equal(fi.state, NVML_GPU_FABRIC_STATE_COMPLETED);
	assert_int_equal(fi.status, NVML_SUCCESS);
	nvmlGpuFabricInfoV_t fv = {.version = nvmlGpuFabricInfo_v2};
	OK(F(nvmlDeviceGetGpuFabricInfoV)(h, &fv));
	assert_int_equal(fv.state, NVML_GPU_FABRIC_STATE_COMPLETED);
	assert_int_equal(fv.healthMask, 0);
	fv.version = 1u << 24 | (unsigned)sizeof fv;
	RC(F(nvmlDeviceGetGpuFabricInfoV)(h, &fv), NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
	RC(F(nvmlDeviceGetGpuFabricInfo)(a, &fi), NVML_ERROR_NOT_SUPPORTED);
	RC(F(nvmlDeviceGetGpuFabricInfo)(hp, &fi), NVML_ERROR_NOT_SUPPORTED);
}

/* --- the load model -------------------------------------------------------- */

/* GPM metrics of two samples of one scope taken now. */
static void gpm_now(nvmlDevice_t d, int gi_id, const unsigned *ids, unsigned n, double *out,
		    nvmlReturn_t *rcs)
{
	static nvmlGpmMetricsGet_t mg;
	nvmlGpmSample_t a, b;

	OK(F(nvmlGpmSampleAlloc)(&a));
	OK(F(nvmlGpmSampleAlloc)(&b));
	if (gi_id < 0) {
		OK(F(nvmlGpmSampleGet)(d, a));
		OK(F(nvmlGpmSampleGet)(d, b));
	} else {
		OK(F(nvmlGpmMigSampleGet)(d, (unsigned)gi_id, a));
		OK(F(nvmlGpmMigSampleGet)(d, (unsigned)gi_id, b));
	}
	memset(&mg, 0, sizeof mg);
	mg.version = NVML_GPM_METRICS_GET_VERSION;
	mg.numMetrics = n;
	mg.sample1 = a;
	mg.sample2 = b;
	for (unsigned i = 0; i < n; i++)
		mg.metrics[i].metricId = ids[i];
	OK(F(nvmlGpmMetricsGet)(&mg));
	for (unsigned i = 0; i < n; i++) {
		out[i] = mg.metrics[i].value;
		rcs[i] = mg.metrics[i].nvmlReturn;
	}
	OK(F(nvmlGpmSampleFree)(a));
	OK(F(nvmlGpmSampleFree)(b));
}

enum { M_SM, M_OCC, M_TENSOR, M_FP32, M_DRAM, M_PCIE_TX, M_N };
static const unsigned metric_ids[M_N] = {
	NVML_GPM_METRIC_SM_UTIL,   NVML_GPM_METRIC_SM_OCCUPANCY, NVML_GPM_METRIC_ANY_TENSOR_UTIL,
	NVML_GPM_METRIC_FP32_UTIL, NVML_GPM_METRIC_DRAM_BW_UTIL, NVML_GPM_METRIC_PCIE_TX_PER_SEC,
};

/* H100, two 3g.40gb: a load on MIG device 0 moves its CI and GI counters
 * and memory, leaves MIG device 1 at zero, and the GPU's values follow
 * the SM-weighted formula. */
static void load_one_instance(void **state)
{
	(void)state;
	machine("H100-SXM5-80GB");
	nvmlDevice_t d = gpu(0);
	mig_layout(d, 9, 2, 2);
	nvmlDevice_t m0 = mig(d, 0), m1 = mig(d, 1);
	char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE], args[300];
	uuid_of(m0, uuid);
	snprintf(args, sizeof args,
		 "-d %s --memory 1000 --load sm=0.8,occupancy=0.5,tensor=0.6,fp32=0.4,dram=0.3,pcie-tx=0.25",
		 uuid);
	exec_bg(args);

	double v[M_N];
	nvmlReturn_t rcs[M_N];
	gpm_now(m0, -1, metric_ids, M_N, v, rcs);
	NEAR(v[M_SM], 80.0);
	NEAR(v[M_OCC], 50.0);
	NEAR(v[M_TENSOR], 60.0);
	NEAR(v[M_FP32], 40.0);
	assert_int_equal(rcs[M_DRAM], NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(rcs[M_PCIE_TX], NVML_ERROR_NOT_SUPPORTED);
	gpm_now(m1, -1, metric_ids, M_N, v, rcs);
	NEAR(v[M_SM], 0.0);
	NEAR(v[M_TENSOR], 0.0);

	unsigned gi0, gi1;
	OK(F(nvmlDeviceGetGpuInstanceId)(m0, &gi0));
	OK(F(nvmlDeviceGetGpuInstanceId)(m1, &gi1));
	gpm_now(d, (int)gi0, metric_ids, M_N, v, rcs);
	NEAR(v[M_SM], 80.0); /* the GI's only CI spans all its SMs */
	NEAR(v[M_DRAM], 30.0);
	gpm_now(d, (int)gi1, metric_ids, M_N, v, rcs);
	NEAR(v[M_SM], 0.0);
	NEAR(v[M_DRAM], 0.0);

	nvmlMemory_t mem;
	OK(F(nvmlDeviceGetMemoryInfo)(m0, &mem));
	assert_int_equal(mem.used, (37ULL + 1000ULL) << 20);
	OK(F(nvmlDeviceGetMemoryInfo)(m1, &mem));
	assert_int_equal(mem.used, 37ULL << 20);

	/* GPU level: Σ activity × CI SMs / SMs of the full GI profile. */
	nvmlDeviceAttributes_t at;
	OK(F(nvmlDeviceGetAttributes_v2)(m0, &at));
	unsigned sm_full = 0;
	for (unsigned idx = 0; idx < NVML_GPU_INSTANCE_PROFILE_COUNT; idx++) {
		nvmlGpuInstanceProfileInfo_t info;
		if (F(nvmlDeviceGetGpuInstanceProfileInfo)(d, idx, &info) == NVML_SUCCESS &&
		    info.multiprocessorCount > sm_full)
			sm_full = info.multiprocessorCount;
	}
	assert_true(sm_full > at.multiprocessorCount);
	double w = (double)at.multiprocessorCount / sm_full;
	gpm_now(d, -1, metric_ids, M_N, v, rcs);
	NEAR(v[M_SM], 80.0 * w);
	NEAR(v[M_TENSOR], 60.0 * w);
	NEAR(v[M_DRAM], 30.0 * w);
	/* PCIe is the GPU's link: the share is not weighted. Gen5 x16 is
	 * 16 × 3938461 KB/s; the metric is MiB/s. */
	NEAR(v[M_PCIE_TX], 0.25 * 16.0 * 3938461.0 * 1000.0 / 1048576.0);
	unsigned kbs;
	OK(F(nvmlDeviceGetPcieThroughput)(d, NVML_PCIE_UTIL_TX_BYTES, &kbs));
	assert_int_equal(kbs, (unsigned)(0.25 * 16.0 * 3938461.0 + 0.5));

	/* Power: idle + (limit − idle) × (0.5 sm + 0.3 tensor + 0.2 dram) of
	 * the GPU's activity; the idle draw is what the board shows unloaded. */
	unsigned p_load, limit;
	OK(F(nvmlDeviceGetPowerUsage)(d, &p_load));
	OK(F(nvmlDeviceGetPowerManagementLimit)(d, &limit));
	stop_bg();
	unsigned p_idle;
	OK(F(nvmlDeviceGetPowerUsage)(d, &p_idle));
	double drive = (0.5 * 0.8 + 0.3 * 0.6 + 0.2 * 0.3) * w;
	assert_true(abs((int)p_load - (int)(p_idle + (limit - p_idle) * drive + 0.5)) <= 1);
	gpm_now(m0, -1, metric_ids, M_N, v, rcs);
	NEAR(v[M_SM], 0.0); /* the load ends with the command */
}

/* A100 with MIG off: NVML utilization and the SM clock follow a load on
 * the whole GPU; CUDA_VISIBLE_DEVICES names the GPU. */
static void load_whole_gpu(void **state)
{
	(void)state;
	machine("A100-SXM4-80GB:2");
	nvmlDevice_t d = gpu(0);
	unsigned idle_clk, max_clk, clk, t_idle, t_load;
	OK(F(nvmlDeviceGetClockInfo)(d, NVML_CLOCK_SM, &idle_clk));
	OK(F(nvmlDeviceGetMaxClockInfo)(d, NVML_CLOCK_SM, &max_clk));
	OK(F(nvmlDeviceGetTemperature)(d, NVML_TEMPERATURE_GPU, &t_idle));
	exec_bg("-d 0 --load sm=0.8,dram=0.3");
	nvmlUtilization_t u;
	OK(F(nvmlDeviceGetUtilizationRates)(d, &u));
	assert_int_equal(u.gpu, 80);
	assert_int_equal(u.memory, 30);
	OK(F(nvmlDeviceGetUtilizationRates)(gpu(1), &u));
	assert_int_equal(u.gpu, 0);
	OK(F(nvmlDeviceGetClockInfo)(d, NVML_CLOCK_SM, &clk));
	assert_int_equal(clk, idle_clk + (unsigned)((max_clk - idle_clk) * 0.8 + 0.5));
	OK(F(nvmlDeviceGetTemperature)(d, NVML_TEMPERATURE_GPU, &t_load));
	assert_true(t_load > t_idle);
	unsigned long long reasons;
	OK(F(nvmlDeviceGetCurrentClocksThrottleReasons)(d, &reasons));
	assert_int_equal(reasons, 0);
}

/* --- main ------------------------------------------------------------------ */

int main(void)
{
	const char *path = getenv("MIGSIM_LIB");
	migsim_bin = getenv("MIGSIM_BIN");
	if (!path || !migsim_bin) {
		fprintf(stderr, "test_probe: set MIGSIM_LIB and MIGSIM_BIN\n");
		return 1;
	}
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "test_probe: %s\n", dlerror());
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(probe_a100, teardown),
		cmocka_unit_test_teardown(probe_events, teardown),
		cmocka_unit_test_teardown(probe_h100_mig, teardown),
		cmocka_unit_test_teardown(probe_board_status, teardown),
		cmocka_unit_test_teardown(load_one_instance, teardown),
		cmocka_unit_test_teardown(load_whole_gpu, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	dlclose(lib);
	return rc;
}
