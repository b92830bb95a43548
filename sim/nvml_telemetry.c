/* migsim — the simulator's NVML telemetry calls (see sim/nvml.c for the
 * call path): temperature, power, clocks, performance state, utilization,
 * ECC, PCIe, board identity and modes, accounting, graphics processes.
 * Values come from the model in sim/telemetry.c. Board-level sensors answer
 * on GPU handles only; on a MIG device handle they are NOT_SUPPORTED, as
 * utilization is documented to be (reference nvml-mig.md §4). */
#include "nvml_call.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Seconds of the boot-time clock, for the energy counter. */
static unsigned long long uptime_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return 0;
	return (unsigned long long)ts.tv_sec;
}

/* One reading of a GPU-level value. `o` and `b` are the device's; `rd` is
 * filled for the GPU. Returns the value or an error. */
struct tctx {
	const struct call *c;
	const struct ref *r;
	const struct obj *o;
	const struct sim_board *b;
	struct sim_reading rd;
	unsigned arg;   /* the call's selector (sensor, clock type, ...) */
};

typedef nvmlReturn_t (*uint_reader)(const struct tctx *t, unsigned *out);

/* Enter a call on a device handle, build the context, run `fn`. MIG
 * handles: NOT_SUPPORTED unless `on_mig`. */
static nvmlReturn_t read_uint(const char *name, nvmlDevice_t device, unsigned arg,
			      unsigned *out, bool on_mig, uint_reader fn)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, out != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind == H_MIG && !on_mig)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		struct tctx t = {.c = &c, .r = &r, .o = &o, .b = sim_board_of(o.model), .arg = arg};
		sim_read_gpu(c.m, r.gpu, &t.rd);
		unsigned v = 0;
		rc = fn(&t, &v);
		if (rc == NVML_SUCCESS)
			*out = v;
	}
	return nv_leave(&c, rc);
}

/* --- temperature and power --------------------------------------------- */

static nvmlReturn_t rd_temp(const struct tctx *t, unsigned *v)
{
	if (t->arg != NVML_TEMPERATURE_GPU)
		return NVML_ERROR_INVALID_ARGUMENT;
	*v = t->rd.temp_c;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensorType,
				      unsigned int *temp)
{
	return read_uint(__func__, device, sensorType, temp, false, rd_temp);
}

static nvmlReturn_t rd_threshold(const struct tctx *t, unsigned *v)
{
	switch (t->arg) {
	case NVML_TEMPERATURE_THRESHOLD_SHUTDOWN:
		*v = t->b->shutdown_c;
		return NVML_SUCCESS;
	case NVML_TEMPERATURE_THRESHOLD_SLOWDOWN:
		*v = t->b->slowdown_c;
		return NVML_SUCCESS;
	case NVML_TEMPERATURE_THRESHOLD_MEM_MAX:
		*v = t->b->mem_max_c;
		return NVML_SUCCESS;
	case NVML_TEMPERATURE_THRESHOLD_GPU_MAX:
		*v = t->b->gpu_max_c;
		return NVML_SUCCESS;
	default:
		return NVML_ERROR_NOT_SUPPORTED; /* acoustic targets: GeForce only */
	}
}

nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t device,
					       nvmlTemperatureThresholds_t thresholdType,
					       unsigned int *temp)
{
	return read_uint(__func__, device, thresholdType, temp, false, rd_threshold);
}

static nvmlReturn_t rd_power(const struct tctx *t, unsigned *v)
{
	*v = t->rd.power_mw;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
	return read_uint(__func__, device, 0, power, false, rd_power);
}

/* The limit is the board's TDP: the simulator has no way to set it. */
static nvmlReturn_t rd_limit(const struct tctx *t, unsigned *v)
{
	*v = t->b->tdp_w * 1000u;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit)
{
	return read_uint(__func__, device, 0, limit, false, rd_limit);
}

nvmlReturn_t nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t device,
						      unsigned int *defaultLimit)
{
	return read_uint(__func__, device, 0, defaultLimit, false, rd_limit);
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit)
{
	return read_uint(__func__, device, 0, limit, false, rd_limit);
}

static nvmlReturn_t rd_min_limit(const struct tctx *t, unsigned *v)
{
	*v = t->b->min_limit_w * 1000u;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimitConstraints(nvmlDevice_t device,
							  unsigned int *minLimit,
							  unsigned int *maxLimit)
{
	if (!maxLimit)
		minLimit = NULL; /* INVALID_ARGUMENT through the check */
	nvmlReturn_t rc = read_uint(__func__, device, 0, minLimit, false, rd_min_limit);
	if (rc == NVML_SUCCESS)
		rc = read_uint(__func__, device, 0, maxLimit, false, rd_limit);
	return rc;
}

static nvmlReturn_t rd_enabled(const struct tctx *t, unsigned *v)
{
	(void)t;
	*v = 1;
	return NVML_SUCCESS;
}

static nvmlReturn_t rd_disabled(const struct tctx *t, unsigned *v)
{
	(void)t;
	*v = 0;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerManagementMode(nvmlDevice_t device, nvmlEnableState_t *mode)
{
	return read_uint(__func__, device, 0, mode, false, rd_enabled);
}

/* Persistence mode: on, as on a data-centre node where nvidia-persistenced
 * runs (the seeds show "On"). */
nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t device, nvmlEnableState_t *mode)
{
	return read_uint(__func__, device, 0, mode, false, rd_enabled);
}

static nvmlReturn_t rd_fan(const struct tctx *t, unsigned *v)
{
	if (!t->b->has_fan)
		return NVML_ERROR_NOT_SUPPORTED; /* passively cooled: nvidia-smi shows N/A */
	/* 30 % at idle, up to 100 % with the temperature rise. */
	unsigned rise = t->rd.temp_c - t->b->temp_idle_c;
	*v = 30u + (t->b->temp_rise_c ? 70u * rise / t->b->temp_rise_c : 0u);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed)
{
	return read_uint(__func__, device, 0, speed, false, rd_fan);
}

/* Energy since the machine's state was made is not tracked; the counter
 * is power × the seconds of a monotonic clock, so it only grows while the
 * load stays the same. */
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy)
{
	unsigned mw = 0;
	nvmlReturn_t rc = read_uint(__func__, device, 0, energy ? &mw : NULL, false, rd_power);

	if (rc == NVML_SUCCESS)
		*energy = (unsigned long long)mw * uptime_s();
	return rc;
}

/* --- clocks and performance -------------------------------------------- */

/* A clock of the board: the current one (sim_read_gpu) or its maximum.
 * The video clock runs at 90 % of the graphics clock. */
static nvmlReturn_t clock_of(const struct tctx *t, unsigned type, bool max, unsigned *v)
{
	unsigned sm = max ? t->b->max_sm_mhz : t->rd.sm_mhz;

	switch (type) {
	case NVML_CLOCK_GRAPHICS:
	case NVML_CLOCK_SM:
		*v = sm;
		return NVML_SUCCESS;
	case NVML_CLOCK_MEM:
		*v = max ? t->b->mem_mhz : t->rd.mem_mhz;
		return NVML_SUCCESS;
	case NVML_CLOCK_VIDEO:
		*v = sm * 9u / 10u;
		return NVML_SUCCESS;
	default:
		return NVML_ERROR_INVALID_ARGUMENT;
	}
}

static nvmlReturn_t rd_clock(const struct tctx *t, unsigned *v)
{
	return clock_of(t, t->arg, false, v);
}

static nvmlReturn_t rd_max_clock(const struct tctx *t, unsigned *v)
{
	return clock_of(t, t->arg, true, v);
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock)
{
	return read_uint(__func__, device, type, clock, false, rd_clock);
}

nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, nvmlClockType_t type,
				       unsigned int *clock)
{
	return read_uint(__func__, device, type, clock, false, rd_max_clock);
}

/* Application clocks: the boost clocks (the simulator sets none). */
nvmlReturn_t nvmlDeviceGetApplicationsClock(nvmlDevice_t device, nvmlClockType_t clockType,
					    unsigned int *clockMHz)
{
	return read_uint(__func__, device, clockType, clockMHz, false, rd_max_clock);
}

nvmlReturn_t nvmlDeviceGetDefaultApplicationsClock(nvmlDevice_t device,
						   nvmlClockType_t clockType,
						   unsigned int *clockMHz)
{
	return read_uint(__func__, device, clockType, clockMHz, false, rd_max_clock);
}

/* arg = type << 8 | id */
static nvmlReturn_t rd_clock_id(const struct tctx *t, unsigned *v)
{
	unsigned type = t->arg >> 8, id = t->arg & 0xFFu;

	if (id == NVML_CLOCK_ID_CURRENT)
		return clock_of(t, type, false, v);
	if (id <= NVML_CLOCK_ID_CUSTOMER_BOOST_MAX)
		return clock_of(t, type, true, v);
	return NVML_ERROR_INVALID_ARGUMENT;
}

nvmlReturn_t nvmlDeviceGetClock(nvmlDevice_t device, nvmlClockType_t clockType,
				nvmlClockId_t clockId, unsigned int *clockMHz)
{
	unsigned arg = clockType > 0xFFFFu || clockId > 0xFFu ? 0xFFu : (clockType << 8 | clockId);
	return read_uint(__func__, device, arg, clockMHz, false, rd_clock_id);
}

nvmlReturn_t nvmlDeviceGetAutoBoostedClocksEnabled(nvmlDevice_t device,
						   nvmlEnableState_t *isEnabled,
						   nvmlEnableState_t *defaultIsEnabled)
{
	/* Data-centre boards have no auto boost to switch. */
	return nv_unsupported(__func__, device, isEnabled != NULL && defaultIsEnabled != NULL);
}

/* One memory clock (the P0 one) and the graphics clocks from boost down to
 * idle in 15 MHz steps, as the drivers list them. */
static nvmlReturn_t clock_list(const char *name, nvmlDevice_t device, bool graphics,
			       unsigned mem, unsigned *count, unsigned *clocks)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind == H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);
	const struct sim_board *b = sim_board_of(o.model);
	if (graphics && mem != b->mem_mhz)
		return nv_leave(&c, NVML_ERROR_NOT_FOUND);
	unsigned n = graphics ? (b->max_sm_mhz - b->idle_sm_mhz) / 15u + 1u : 1u;
	if (*count < n || !clocks) {
		*count = n;
		return nv_leave(&c, NVML_ERROR_INSUFFICIENT_SIZE);
	}
	for (unsigned i = 0; i < n; i++)
		clocks[i] = graphics ? b->max_sm_mhz - 15u * i : b->mem_mhz;
	*count = n;
	return nv_leave(&c, NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetSupportedMemoryClocks(nvmlDevice_t device, unsigned int *count,
						unsigned int *clocksMHz)
{
	return clock_list(__func__, device, false, 0, count, clocksMHz);
}

nvmlReturn_t nvmlDeviceGetSupportedGraphicsClocks(nvmlDevice_t device, unsigned int memoryClockMHz,
						  unsigned int *count, unsigned int *clocksMHz)
{
	return clock_list(__func__, device, true, memoryClockMHz, count, clocksMHz);
}

/* Idle (no SM activity) is the only reason the model lowers the clock. */
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device,
						       unsigned long long *reasons)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, reasons != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind == H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		struct sim_load a;
		sim_activity(c.m, r.gpu, NO_ID, NO_ID, &a);
		*reasons = a.sm > 0.0 ? 0ULL : NVML_CLOCKS_THROTTLE_REASON_GPU_IDLE;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetSupportedClocksThrottleReasons(nvmlDevice_t device,
							 unsigned long long *reasons)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, reasons != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind == H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		*reasons = NVML_CLOCKS_THROTTLE_REASON_GPU_IDLE |
			   NVML_CLOCKS_THROTTLE_REASON_APPLICATIONS_CLOCKS_SETTING |
			   NVML_CLOCKS_THROTTLE_REASON_SYNC_BOOST |
			   NVML_CLOCKS_THROTTLE_REASON_DISPLAY_CLOCK_SETTING |
			   NVML_CLOCKS_THROTTLE_REASON_SW_POWER_CAP |
			   NVML_CLOCKS_THROTTLE_REASON_HW_SLOWDOWN |
			   NVML_CLOCKS_THROTTLE_REASON_SW_THERMAL |
			   NVML_CLOCKS_THROTTLE_REASON_HW_THERMAL |
			   NVML_CLOCKS_THROTTLE_REASON_HW_POWER_BRAKE;
	return nv_leave(&c, rc);
}

/* P0 always: with persistence mode on, data-centre GPUs stay in P0 (the
 * seeds show P0 on idle GPUs). */
nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t device, nvmlPstates_t *pState)
{
	return read_uint(__func__, device, 0, pState, false, rd_disabled);
}

/* --- utilization ------------------------------------------------------- */

/* GPU handles outside MIG mode only: "On MIG-enabled GPUs, querying device
 * utilization rates is not currently supported" (reference §4). */
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, utilization != NULL, false,
				       &r, &o);

	if (rc == NVML_SUCCESS && (r.kind == H_MIG || o.g->mig_current))
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		struct sim_reading rd;
		sim_read_gpu(c.m, r.gpu, &rd);
		utilization->gpu = rd.util_gpu;
		utilization->memory = rd.util_mem;
	}
	return nv_leave(&c, rc);
}

/* The media engines: the load model has no knob for them, so 0 %, over
 * the drivers' usual sampling period. In MIG mode too (they are shared). */
static nvmlReturn_t engine_util(const char *name, nvmlDevice_t device, unsigned *util,
				unsigned *period)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, util != NULL && period != NULL,
				       false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind == H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		*util = 0;
		*period = 167000;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t device, unsigned int *utilization,
					     unsigned int *samplingPeriodUs)
{
	return engine_util(__func__, device, utilization, samplingPeriodUs);
}

nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t device, unsigned int *utilization,
					     unsigned int *samplingPeriodUs)
{
	return engine_util(__func__, device, utilization, samplingPeriodUs);
}

nvmlReturn_t nvmlDeviceGetJpgUtilization(nvmlDevice_t device, unsigned int *utilization,
					 unsigned int *samplingPeriodUs)
{
	return engine_util(__func__, device, utilization, samplingPeriodUs);
}

nvmlReturn_t nvmlDeviceGetOfaUtilization(nvmlDevice_t device, unsigned int *utilization,
					 unsigned int *samplingPeriodUs)
{
	return engine_util(__func__, device, utilization, samplingPeriodUs);
}

/* No encoder or frame-buffer-capture sessions. */
nvmlReturn_t nvmlDeviceGetEncoderStats(nvmlDevice_t device, unsigned int *sessionCount,
				       unsigned int *averageFps, unsigned int *averageLatency)
{
	unsigned dummy = 0;
	nvmlReturn_t rc = engine_util(__func__, device,
				      averageFps && averageLatency ? sessionCount : NULL, &dummy);

	if (rc == NVML_SUCCESS)
		*sessionCount = *averageFps = *averageLatency = 0;
	return rc;
}

nvmlReturn_t nvmlDeviceGetFBCStats(nvmlDevice_t device, nvmlFBCStats_t *fbcStats)
{
	unsigned dummy = 0;
	nvmlReturn_t rc = engine_util(__func__, device, fbcStats ? &dummy : NULL, &dummy);

	if (rc == NVML_SUCCESS)
		memset(fbcStats, 0, sizeof(*fbcStats));
	return rc;
}

/* No sample buffers: nvidia-smi then leaves the min/max/avg lines N/A. */
nvmlReturn_t nvmlDeviceGetSamples(nvmlDevice_t device, nvmlSamplingType_t type,
				  unsigned long long lastSeenTimeStamp,
				  nvmlValueType_t *sampleValType, unsigned int *sampleCount,
				  nvmlSample_t *samples)
{
	(void)type, (void)lastSeenTimeStamp, (void)samples;
	return nv_unsupported(__func__, device, sampleValType != NULL && sampleCount != NULL);
}
