/* migsim — the simulator's NVML monitoring calls (see sim/nvml.c for the
 * call path): field values (the IDs DCGM and dcgm-exporter read), event
 * sets (events that `migsim event` injects into the state), and GPM
 * (Hopper and later) with samples of the load model's activity. The
 * metric definitions are in docs/simulator-model.md. */
#include "nvml_call.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

bool nv_hopper_or_later(const struct migctl_gpu_model *model)
{
	return model->arch == MIGCTL_ARCH_HOPPER || model->arch == MIGCTL_ARCH_BLACKWELL ||
	       model->arch == MIGCTL_ARCH_UNKNOWN;
}

/* --- field values ------------------------------------------------------ */

static void put_uint(nvmlFieldValue_t *f, unsigned v)
{
	f->valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
	f->value.uiVal = v;
}

static void put_ull(nvmlFieldValue_t *f, unsigned long long v)
{
	f->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
	f->value.ullVal = v;
}

/* One field of GPU `gpu` (a MIG device answers with its parent's board
 * values). Unknown IDs are NOT_SUPPORTED in the field, as the driver
 * answers fields a board lacks. */
static bool power_field(const struct sim_gpu *g, const struct sim_reading *rd,
			nvmlFieldValue_t *f)
{
	const struct sim_board *b = sim_board_of(g->m);

	switch (f->fieldId) {
	case NVML_FI_DEV_POWER_AVERAGE:
	case NVML_FI_DEV_POWER_INSTANT:
		put_uint(f, rd->power_mw);
		return true;
	case NVML_FI_DEV_POWER_MIN_LIMIT:
		put_uint(f, b->min_limit_w * 1000u);
		return true;
	case NVML_FI_DEV_POWER_MAX_LIMIT:
	case NVML_FI_DEV_POWER_DEFAULT_LIMIT:
	case NVML_FI_DEV_POWER_CURRENT_LIMIT:
	case NVML_FI_DEV_POWER_REQUESTED_LIMIT:
		put_uint(f, b->tdp_w * 1000u);
		return true;
	case NVML_FI_DEV_TEMPERATURE_SHUTDOWN_TLIMIT:
		put_uint(f, b->shutdown_c);
		return true;
	case NVML_FI_DEV_TEMPERATURE_SLOWDOWN_TLIMIT:
		put_uint(f, b->slowdown_c);
		return true;
	case NVML_FI_DEV_TEMPERATURE_MEM_MAX_TLIMIT:
		put_uint(f, b->mem_max_c);
		return true;
	case NVML_FI_DEV_TEMPERATURE_GPU_MAX_TLIMIT:
		put_uint(f, b->gpu_max_c);
		return true;
	default:
		return false;
	}
}

static void field_value(const struct sim_machine *m, unsigned gpu, nvmlFieldValue_t *f)
{
	const struct sim_gpu *g = &m->gpus[gpu];
	struct sim_reading rd;

	sim_read_gpu(m, gpu, &rd);
	f->timestamp = now_us();
	f->latencyUsec = 0;
	f->nvmlReturn = NVML_SUCCESS;
	if (f->fieldId >= NVML_FI_DEV_POWER_AVERAGE &&
	    f->fieldId <= NVML_FI_DEV_TEMPERATURE_GPU_MAX_TLIMIT &&
	    f->fieldId != NVML_FI_DEV_ENERGY) {
		/* Scope 1 is a Grace Hopper module's: no module here. */
		if (f->scopeId != 0 || !power_field(g, &rd, f))
			f->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
		return;
	}
	switch (f->fieldId) {
	case NVML_FI_DEV_ECC_CURRENT:
	case NVML_FI_DEV_ECC_PENDING:
		put_uint(f, 1);
		break;
	case NVML_FI_DEV_ECC_SBE_VOL_TOTAL:
	case NVML_FI_DEV_ECC_SBE_AGG_TOTAL:
		put_ull(f, g->ecc_corrected);
		break;
	case NVML_FI_DEV_ECC_DBE_VOL_TOTAL:
	case NVML_FI_DEV_ECC_DBE_AGG_TOTAL:
		put_ull(f, g->ecc_uncorrected);
		break;
	case NVML_FI_DEV_RETIRED_SBE:
	case NVML_FI_DEV_RETIRED_DBE:
	case NVML_FI_DEV_PCIE_REPLAY_COUNTER:
	case NVML_FI_DEV_PCIE_REPLAY_ROLLOVER_COUNTER:
		put_ull(f, 0);
		break;
	case NVML_FI_DEV_RETIRED_PENDING:
	case NVML_FI_DEV_REMAPPED_COR:
	case NVML_FI_DEV_REMAPPED_UNC:
	case NVML_FI_DEV_REMAPPED_PENDING:
	case NVML_FI_DEV_REMAPPED_FAILURE:
	case NVML_FI_DEV_NVLINK_LINK_COUNT: /* NVLink is not modelled */
	case NVML_FI_DEV_IS_MIG_MODE_INDEPENDENT_MIG_QUERY_CAPABLE:
		put_uint(f, 0);
		break;
	case NVML_FI_DEV_MEMORY_TEMP:
		put_uint(f, rd.mem_temp_c);
		break;
	case NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION:
	case NVML_FI_DEV_ENERGY: {
		struct timespec ts;
		clock_gettime(CLOCK_BOOTTIME, &ts);
		put_ull(f, (unsigned long long)rd.power_mw * (unsigned long long)ts.tv_sec);
		break;
	}
	case NVML_FI_DEV_IS_RESETLESS_MIG_SUPPORTED:
		/* Hopper switches MIG mode without a reset (nvml-mig.md §2.1). */
		put_uint(f, g->m && nv_hopper_or_later(g->m) ? 1u : 0u);
		break;
	default:
		f->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
		break;
	}
}

nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount,
				      nvmlFieldValue_t *values)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV,
				       valuesCount >= 0 && (values != NULL || valuesCount == 0),
				       false, &r, &o);

	if (rc == NVML_SUCCESS)
		for (int i = 0; i < valuesCount; i++)
			field_value(c.m, r.gpu, &values[i]);
	return nv_leave(&c, rc);
}

/* --- events ------------------------------------------------------------ */

#define EVENT_MAGIC 0x45564e54u
#define SUPPORTED_EVENTS                                                            \
	(nvmlEventTypeSingleBitEccError | nvmlEventTypeDoubleBitEccError |         \
	 nvmlEventTypePState | nvmlEventTypeXidCriticalError | nvmlEventTypeClock | \
	 nvmlEventMigConfigChange)

/* A set lives in the client's memory: which event types it wants of which
 * GPU, and the seq of the last event it has handed out. Events injected
 * before the set existed are not delivered. */
struct nvmlEventSet_st {
	unsigned magic;
	unsigned long long mask[SIM_MAX_GPUS];
	unsigned long long seen;
};

static bool set_ok(const struct nvmlEventSet_st *s)
{
	return s && s->magic == EVENT_MAGIC;
}

nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, set != NULL, false);

	if (rc == NVML_SUCCESS) {
		struct nvmlEventSet_st *s = calloc(1, sizeof(*s));
		if (!s) {
			rc = NVML_ERROR_MEMORY;
		} else {
			s->magic = EVENT_MAGIC;
			s->seen = c.m->event_seq;
			*set = s;
		}
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set)
{
	if (!set_ok(set))
		return NVML_ERROR_INVALID_ARGUMENT;
	set->magic = 0;
	free(set);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t device,
					      unsigned long long *eventTypes)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, eventTypes != NULL, false,
				       &r, &o);

	if (rc == NVML_SUCCESS)
		*eventTypes = SUPPORTED_EVENTS;
	return nv_leave(&c, rc);
}

/* Types outside the supported set are NOT_SUPPORTED, and nothing is
 * registered then (the driver's all-or-nothing rule). */
nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long eventTypes,
				      nvmlEventSet_t set)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, set_ok(set), false, &r, &o);

	if (rc == NVML_SUCCESS && (eventTypes & ~SUPPORTED_EVENTS))
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		set->mask[r.gpu] |= eventTypes;
	return nv_leave(&c, rc);
}

/* The next event for the set, if any: SUCCESS and *data filled, or
 * TIMEOUT when none is there. */
static nvmlReturn_t next_event(nvmlEventSet_t set, nvmlEventData_t *data)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, "nvmlEventSetWait_v2", true, false);

	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);
	rc = NVML_ERROR_TIMEOUT;
	for (unsigned i = 0; i < c.m->n_events; i++) {
		const struct sim_event *e = &c.m->events[i];
		if (e->seq <= set->seen)
			continue;
		set->seen = e->seq;
		if (e->gpu >= SIM_MAX_GPUS || !(set->mask[e->gpu] & e->type))
			continue;
		memset(data, 0, sizeof(*data));
		data->device = nv_handle_of(H_GPU, e->gpu, NO_ID, NO_ID);
		data->eventType = e->type;
		data->eventData = e->data;
		data->gpuInstanceId = e->gi;
		data->computeInstanceId = e->ci;
		rc = NVML_SUCCESS;
		break;
	}
	if (rc == NVML_ERROR_TIMEOUT && c.m->event_seq > set->seen)
		set->seen = c.m->event_seq; /* older events were dropped */
	return nv_leave(&c, rc);
}

/* Polls the state every 10 ms until an event comes or `timeoutms` passes
 * (0: one look). */
static nvmlReturn_t event_wait(nvmlEventSet_t set, nvmlEventData_t *data, unsigned timeoutms)
{
	if (!set_ok(set) || !data)
		return NVML_ERROR_INVALID_ARGUMENT;
	for (unsigned waited = 0;; waited += 10) {
		nvmlReturn_t rc = next_event(set, data);
		if (rc != NVML_ERROR_TIMEOUT || waited >= timeoutms)
			return rc;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

nvmlReturn_t nvmlEventSetWait(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms)
{
	return event_wait(set, data, timeoutms);
}

nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data,
				 unsigned int timeoutms)
{
	return event_wait(set, data, timeoutms);
}

/* --- GPM --------------------------------------------------------------- */

#define SAMPLE_MAGIC 0x47504d53u

/* A sample: the scope it was taken on and the activity there. */
struct nvmlGpmSample_st {
	unsigned magic;
	bool taken;
	unsigned gpu, gi, ci;       /* gi/ci NO_ID for the GPU, ci NO_ID for a GI */
	struct sim_load act;
	double link_mibs;           /* the GPU's PCIe link, MiB/s per direction */
};

static bool sample_ok(const struct nvmlGpmSample_st *s)
{
	return s && s->magic == SAMPLE_MAGIC;
}

/* Hopper and later: isSupportedDevice 1; Ampere: 0 (the call itself
 * succeeds, as the header's support query does). */
nvmlReturn_t nvmlGpmQueryDeviceSupport(nvmlDevice_t device, nvmlGpmSupport_t *gpmSupport)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, gpmSupport != NULL, false,
				       &r, &o);

	if (rc == NVML_SUCCESS && gpmSupport->version != NVML_GPM_SUPPORT_VERSION)
		rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	if (rc == NVML_SUCCESS)
		gpmSupport->isSupportedDevice = nv_hopper_or_later(o.model) ? 1u : 0u;
	return nv_leave(&c, rc);
}

/* Streaming (GPM sampled by the driver in the background) is off and
 * cannot be switched on. */
nvmlReturn_t nvmlGpmQueryIfStreamingEnabled(nvmlDevice_t device, unsigned int *state)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, state != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && !nv_hopper_or_later(o.model))
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		*state = 0;
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlGpmSetStreamingEnabled(nvmlDevice_t device, unsigned int state)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, state <= 1, false, &r, &o);

	if (rc == NVML_SUCCESS && (!nv_hopper_or_later(o.model) || state == 1))
		rc = NVML_ERROR_NOT_SUPPORTED;
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlGpmSampleAlloc(nvmlGpmSample_t *gpmSample)
{
	if (!gpmSample)
		return NVML_ERROR_INVALID_ARGUMENT;
	struct nvmlGpmSample_st *s = calloc(1, sizeof(*s));
	if (!s)
		return NVML_ERROR_MEMORY;
	s->magic = SAMPLE_MAGIC;
	*gpmSample = s;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlGpmSampleFree(nvmlGpmSample_t gpmSample)
{
	if (!sample_ok(gpmSample))
		return NVML_ERROR_INVALID_ARGUMENT;
	gpmSample->magic = 0;
	free(gpmSample);
	return NVML_SUCCESS;
}

static void take_sample(const struct call *c, const struct obj *o, unsigned gpu, unsigned gi,
			unsigned ci, nvmlGpmSample_t s)
{
	s->taken = true;
	s->gpu = gpu;
	s->gi = gi;
	s->ci = ci;
	sim_activity(c->m, gpu, gi, ci, &s->act);
	s->link_mibs = sim_pcie_link_kbs(sim_board_of(o->model)) * 1000.0 / (1024.0 * 1024.0);
}

/* On a GPU handle: the GPU; on a MIG device handle: that CI. */
nvmlReturn_t nvmlGpmSampleGet(nvmlDevice_t device, nvmlGpmSample_t gpmSample)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, sample_ok(gpmSample), false,
				       &r, &o);

	if (rc == NVML_SUCCESS && !nv_hopper_or_later(o.model))
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		take_sample(&c, &o, r.gpu, r.gi, r.ci, gpmSample);
	return nv_leave(&c, rc);
}

/* A GPU instance of the parent: its CIs' counters aggregated. */
nvmlReturn_t nvmlGpmMigSampleGet(nvmlDevice_t device, unsigned int gpuInstanceId,
				 nvmlGpmSample_t gpmSample)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, sample_ok(gpmSample), false,
				       &r, &o);

	if (rc == NVML_SUCCESS && !nv_hopper_or_later(o.model))
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS && !o.g->mig_current)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS && (gpuInstanceId >= SIM_MAX_GIS || !sim_gi_find(o.g, gpuInstanceId)))
		rc = NVML_ERROR_NOT_FOUND;
	if (rc == NVML_SUCCESS)
		take_sample(&c, &o, r.gpu, gpuInstanceId, NO_ID, gpmSample);
	return nv_leave(&c, rc);
}

/* One metric from two samples of the same scope: the mean of their
 * activities (the trapezoid over the interval), in percent, or MiB/s for
 * PCIe. DRAM is per GI and GPU, PCIe per GPU (DCGM's levels, reference
 * dcgm.md §2.3); elsewhere those are NOT_SUPPORTED in the metric. */
static void metric_value(const struct nvmlGpmSample_st *a, const struct nvmlGpmSample_st *b,
			 nvmlGpmMetric_t *mt)
{
	bool gpu = a->gi == NO_ID, ci = a->ci != NO_ID;
	double v;

#define MEAN(f) ((a->act.f + b->act.f) / 2.0)
	mt->nvmlReturn = NVML_SUCCESS;
	switch (mt->metricId) {
	case NVML_GPM_METRIC_GRAPHICS_UTIL:
	case NVML_GPM_METRIC_SM_UTIL:
		v = 100.0 * MEAN(sm);
		break;
	case NVML_GPM_METRIC_SM_OCCUPANCY:
		v = 100.0 * MEAN(occupancy);
		break;
	case NVML_GPM_METRIC_ANY_TENSOR_UTIL:
	case NVML_GPM_METRIC_HMMA_TENSOR_UTIL:
		v = 100.0 * MEAN(tensor);
		break;
	case NVML_GPM_METRIC_INTEGER_UTIL:
	case NVML_GPM_METRIC_DFMA_TENSOR_UTIL:
	case NVML_GPM_METRIC_IMMA_TENSOR_UTIL:
		v = 0.0;
		break;
	case NVML_GPM_METRIC_FP64_UTIL:
		v = 100.0 * MEAN(fp64);
		break;
	case NVML_GPM_METRIC_FP32_UTIL:
		v = 100.0 * MEAN(fp32);
		break;
	case NVML_GPM_METRIC_FP16_UTIL:
		v = 100.0 * MEAN(fp16);
		break;
	case NVML_GPM_METRIC_DRAM_BW_UTIL:
		if (ci) {
			mt->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
			return;
		}
		v = 100.0 * MEAN(dram);
		break;
	case NVML_GPM_METRIC_PCIE_TX_PER_SEC:
	case NVML_GPM_METRIC_PCIE_RX_PER_SEC:
		if (!gpu) {
			mt->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
			return;
		}
		v = (mt->metricId == NVML_GPM_METRIC_PCIE_TX_PER_SEC ? MEAN(pcie_tx) : MEAN(pcie_rx)) *
		    a->link_mibs;
		break;
	default:
		mt->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
		return;
	}
#undef MEAN
	mt->value = v;
}

nvmlReturn_t nvmlGpmMetricsGet(nvmlGpmMetricsGet_t *metricsGet)
{
	if (!metricsGet)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (metricsGet->version != NVML_GPM_METRICS_GET_VERSION)
		return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	const struct nvmlGpmSample_st *a = metricsGet->sample1, *b = metricsGet->sample2;
	/* Only metrics[0..numMetrics-1]: the array's length differs between
	 * header versions (reference §4). */
	if (!sample_ok(a) || !sample_ok(b) || !a->taken || !b->taken ||
	    a->gpu != b->gpu || a->gi != b->gi || a->ci != b->ci ||
	    metricsGet->numMetrics > NVML_GPM_METRIC_MAX)
		return NVML_ERROR_INVALID_ARGUMENT;
	for (unsigned i = 0; i < metricsGet->numMetrics; i++) {
		nvmlGpmMetric_t *mt = &metricsGet->metrics[i];
		memset(&mt->metricInfo, 0, sizeof(mt->metricInfo));
		mt->value = 0.0;
		metric_value(a, b, mt);
	}
	return NVML_SUCCESS;
}
