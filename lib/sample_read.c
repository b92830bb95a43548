/* migctl — the sampler's reads (lib/sample_impl.h): one value of one field
 * on one entity from NVML, the profiling fields from GPM over the
 * entity's previous and current GPM samples, and XID/ECC events.
 *
 * The level rule is DCGM's (reference/dcgm.md §2.3): a field is defined on
 * entities at or above its level, so a GI answers GI- and CI-level fields,
 * a CI only CI-level ones, a GPU all. */
#include "sample_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GPM metric IDs nvml_abi_monitor.h does not name (NVML's nvml.h). */
#define GPM_NVLINK_TOTAL_RX_PER_SEC 60
#define GPM_NVLINK_TOTAL_TX_PER_SEC 61

static struct node_priv *np(struct migctl_sampler *s)
{
	return priv_of(s->node);
}

static enum migctl_na_reason reason_of(nvmlReturn_t rc)
{
	switch (rc) {
	case NVML_ERROR_NOT_SUPPORTED:
		return MIGCTL_NA_NOT_SUPPORTED;
	case NVML_ERROR_FUNCTION_NOT_FOUND:
		return MIGCTL_NA_NO_ENTRY_POINT;
	case NVML_ERROR_NO_PERMISSION:
		return MIGCTL_NA_NO_PERMISSION;
	default:
		return MIGCTL_NA_NVML_ERROR;
	}
}

static void set_na(struct migctl_value *v, enum migctl_na_reason r, nvmlReturn_t rc)
{
	v->status = MIGCTL_VALUE_NA;
	v->reason = r;
	v->nvml_rc = r == MIGCTL_NA_NVML_ERROR || r == MIGCTL_NA_NOT_SUPPORTED ||
			     r == MIGCTL_NA_NO_PERMISSION
		     ? (int)rc
		     : 0;
	v->source = MIGCTL_SRC_NONE;
	v->d = 0.0;
	v->i = 0;
}

static void set_ok(struct migctl_value *v, double d, enum migctl_norm norm,
		   enum migctl_value_source src)
{
	v->status = MIGCTL_VALUE_OK;
	v->reason = MIGCTL_NA_NONE;
	v->nvml_rc = 0;
	v->norm = norm;
	v->source = src;
	v->d = d;
	/* Rounded half away from zero without libm (the CLI links none). */
	v->i = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
}

/* An NVML answer: ok with `d`, or NA by its code. */
static void set_rc(struct migctl_value *v, nvmlReturn_t rc, double d)
{
	if (rc == NVML_SUCCESS)
		set_ok(v, d, MIGCTL_NORM_ABSOLUTE, MIGCTL_SRC_NVML);
	else
		set_na(v, reason_of(rc), rc);
}

unsigned sample_max_mig_devices(struct migctl_sampler *s, const struct migctl_gpu_state *g)
{
	nvmlDevice_t dev;
	unsigned max = 0;

	if (NV(np(s), DeviceGetHandleByIndex, g->index, &dev) != NVML_SUCCESS ||
	    NV(np(s), DeviceGetMaxMigDeviceCount, dev, &max) != NVML_SUCCESS)
		return 0;
	return max;
}

void sample_gpm_forget(struct migctl_sampler *s, struct sample_gpm *g)
{
	if (g->prev)
		NV(np(s), GpmSampleFree, g->prev);
	g->prev = NULL;
}

void sample_track_release(struct migctl_sampler *s, struct sample_track *t)
{
	sample_gpm_forget(s, &t->gpu_gpm);
	for (size_t i = 0; i < SAMPLE_MAX_SLOTS; i++) {
		sample_gpm_forget(s, &t->gi_slots[i].gpm);
		sample_gpm_forget(s, &t->ci_slots[i].gpm);
	}
}

/* --- GPM ----------------------------------------------------------------------- */

static unsigned gpm_metric_of(unsigned field)
{
	switch (field) {
	case MIGCTL_F_GR_ENGINE_ACTIVE: return NVML_GPM_METRIC_GRAPHICS_UTIL;
	case MIGCTL_F_SM_ACTIVE: return NVML_GPM_METRIC_SM_UTIL;
	case MIGCTL_F_SM_OCCUPANCY: return NVML_GPM_METRIC_SM_OCCUPANCY;
	case MIGCTL_F_PIPE_TENSOR_ACTIVE: return NVML_GPM_METRIC_ANY_TENSOR_UTIL;
	case MIGCTL_F_DRAM_ACTIVE: return NVML_GPM_METRIC_DRAM_BW_UTIL;
	case MIGCTL_F_PIPE_FP64_ACTIVE: return NVML_GPM_METRIC_FP64_UTIL;
	case MIGCTL_F_PIPE_FP32_ACTIVE: return NVML_GPM_METRIC_FP32_UTIL;
	case MIGCTL_F_PIPE_FP16_ACTIVE: return NVML_GPM_METRIC_FP16_UTIL;
	case MIGCTL_F_PCIE_TX_BYTES: return NVML_GPM_METRIC_PCIE_TX_PER_SEC;
	case MIGCTL_F_PCIE_RX_BYTES: return NVML_GPM_METRIC_PCIE_RX_PER_SEC;
	case MIGCTL_F_NVLINK_TX_BYTES: return GPM_NVLINK_TOTAL_TX_PER_SEC;
	case MIGCTL_F_NVLINK_RX_BYTES: return GPM_NVLINK_TOTAL_RX_PER_SEC;
	case MIGCTL_F_PIPE_TENSOR_IMMA_ACTIVE: return NVML_GPM_METRIC_IMMA_TENSOR_UTIL;
	case MIGCTL_F_PIPE_TENSOR_HMMA_ACTIVE: return NVML_GPM_METRIC_HMMA_TENSOR_UTIL;
	case MIGCTL_F_PIPE_TENSOR_DFMA_ACTIVE: return NVML_GPM_METRIC_DFMA_TENSOR_UTIL;
	case MIGCTL_F_PIPE_INT_ACTIVE: return NVML_GPM_METRIC_INTEGER_UTIL;
	default: return 0;
	}
}

/* Whether the GPU has GPM: asked once per GPU. */
static bool gpm_supported(struct migctl_sampler *s, struct sample_track *t, nvmlDevice_t dev)
{
	if (t->gpm_support < 0) {
		nvmlGpmSupport_t sup = {.version = NVML_GPM_SUPPORT_VERSION};
		t->gpm_rc = NV(np(s), GpmQueryDeviceSupport, dev, &sup);
		t->gpm_support = t->gpm_rc == NVML_SUCCESS && sup.isSupportedDevice;
	}
	return t->gpm_support == 1;
}

/* Why no GPM value: Ampere and older compute these fields in DCGM's closed
 * module; a Hopper on a driver without GPM lacks the entry point. */
static enum migctl_na_reason no_gpm_reason(const struct sample_track *t,
					   const struct migctl_gpu_state *g)
{
	if (g->arch == MIGCTL_ARCH_AMPERE ||
	    (t->gpm_rc == NVML_SUCCESS && g->arch == MIGCTL_ARCH_UNKNOWN))
		return MIGCTL_NA_CLOSED_MODULE;
	if (t->gpm_rc == NVML_SUCCESS)
		return MIGCTL_NA_NOT_SUPPORTED;
	return reason_of(t->gpm_rc);
}

static enum migctl_norm ratio_norm(const struct migctl_entity *e)
{
	if (e->kind != MIGCTL_ENTITY_GPU)
		return MIGCTL_NORM_INSTANCE;
	return e->mig_enabled ? MIGCTL_NORM_SM_WEIGHTED : MIGCTL_NORM_GPU;
}

/* A GPM metric into a value: percent to 0..1 (clamped, flagged), MiB/s to
 * bytes/s (DCGM's PCIe and NVLink fields count bytes). */
static void gpm_value(const struct migctl_entity *e, const nvmlGpmMetric_t *m,
		      struct migctl_value *v)
{
	const struct migctl_field_info *f = migctl_field_by_id(v->field);
	double d = m->value;

	if (m->nvmlReturn != NVML_SUCCESS) {
		set_na(v, reason_of(m->nvmlReturn), m->nvmlReturn);
		return;
	}
	if (f->is_ratio) {
		d /= 100.0;
		if (d < 0.0)
			d = 0.0;
		set_ok(v, d > 1.0 ? 1.0 : d, ratio_norm(e), MIGCTL_SRC_GPM);
		v->clamped = d > 1.0;
		return;
	}
	set_ok(v, d * 1048576.0, MIGCTL_NORM_ABSOLUTE, MIGCTL_SRC_GPM);
}

/* Take the entity's GPM sample; NULL with *rc on failure. */
static nvmlGpmSample_t gpm_take(struct migctl_sampler *s, struct sample_ref *r, nvmlDevice_t dev,
				nvmlDevice_t mig, nvmlReturn_t *rc)
{
	nvmlGpmSample_t cur = NULL;

	*rc = NV(np(s), GpmSampleAlloc, &cur);
	if (*rc != NVML_SUCCESS)
		return NULL;
	if (r->ci)
		*rc = NV(np(s), GpmSampleGet, mig, cur);
	else if (r->gi)
		*rc = NV(np(s), GpmMigSampleGet, dev, r->gi->id, cur);
	else
		*rc = NV(np(s), GpmSampleGet, dev, cur);
	if (*rc != NVML_SUCCESS) {
		NV(np(s), GpmSampleFree, cur);
		return NULL;
	}
	return cur;
}

/* Every profiling value of `e` in one GPM read. `idx` are the positions in
 * `vals` of the profiling fields defined at this level. */
static void read_gpm(struct migctl_sampler *s, const struct migctl_entity *e,
		     struct sample_ref *r, nvmlDevice_t dev, nvmlDevice_t mig,
		     struct migctl_value *vals, const size_t *idx, size_t n)
{
	nvmlGpmMetricsGet_t *mg = NULL;
	nvmlGpmSample_t cur;
	nvmlReturn_t rc = NVML_SUCCESS;
	enum migctl_na_reason why = MIGCTL_NA_NONE;

	if (!r->t || !r->gpm)
		why = MIGCTL_NA_NVML_ERROR;
	else if (!gpm_supported(s, r->t, dev))
		why = no_gpm_reason(r->t, r->g);
	else if (r->gi && !r->ci && r->gi->n_cis == 0)
		why = MIGCTL_NA_NO_CIS;    /* DCGM: no data for a GI without CIs */
	else if (r->ci && r->ci->mig_index == MIGCTL_ID_NONE)
		why = MIGCTL_NA_NOT_SUPPORTED;
	if (why) {
		if (r->gpm && why == MIGCTL_NA_NO_CIS)
			sample_gpm_forget(s, r->gpm);
		for (size_t i = 0; i < n; i++)
			set_na(&vals[idx[i]], why, rc);
		return;
	}
	cur = gpm_take(s, r, dev, mig, &rc);
	if (!cur) {
		for (size_t i = 0; i < n; i++)
			set_na(&vals[idx[i]], reason_of(rc), rc);
		sample_gpm_forget(s, r->gpm);
		return;
	}
	if (!r->gpm->prev) {
		for (size_t i = 0; i < n; i++)
			set_na(&vals[idx[i]], MIGCTL_NA_FIRST_SAMPLE, NVML_SUCCESS);
		r->gpm->prev = cur;
		return;
	}
	mg = calloc(1, sizeof(*mg));
	rc = NVML_ERROR_MEMORY;
	if (mg) {
		mg->version = NVML_GPM_METRICS_GET_VERSION;
		mg->numMetrics = (unsigned)n;
		mg->sample1 = r->gpm->prev;
		mg->sample2 = cur;
		for (size_t i = 0; i < n; i++)
			mg->metrics[i].metricId = gpm_metric_of(vals[idx[i]].field);
		rc = NV(np(s), GpmMetricsGet, mg);
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == NVML_SUCCESS)
			gpm_value(e, &mg->metrics[i], &vals[idx[i]]);
		else
			set_na(&vals[idx[i]], reason_of(rc), rc);
	}
	free(mg);
	NV(np(s), GpmSampleFree, r->gpm->prev);
	r->gpm->prev = cur;
}

/* --- plain NVML fields ---------------------------------------------------------- */

static uint64_t last_xid(const struct migctl_sampler *s, const struct migctl_entity *e)
{
	uint64_t xid = 0, newest = 0;

	for (size_t i = 0; i < s->n_xids; i++) {
		const struct sample_xid *x = &s->xids[i];
		if (strcmp(x->gpu_uuid, e->gpu_uuid) != 0 || x->order < newest)
			continue;
		if ((e->kind == MIGCTL_ENTITY_GPU) ||
		    (x->gi == e->gi_id && (e->kind == MIGCTL_ENTITY_GI || x->ci == e->ci_id))) {
			xid = x->xid;
			newest = x->order;
		}
	}
	return xid;
}

/* Framebuffer memory: a GPU's own; a GI's is its MIG devices' (every CI of
 * a GI reports the GI's memory), a CI's the same, flagged as shared. */
static void read_fb(const struct migctl_entity *e, const struct sample_ref *r,
		    struct migctl_value *v)
{
	uint64_t total, used;

	if (!r->gi) {
		total = r->g->memory_total_mib;
		used = r->g->memory_used_mib;
	} else if (r->gi->n_cis == 0 || !r->gi->cis[0].memory_total_mib) {
		set_na(v, MIGCTL_NA_NO_CIS, NVML_SUCCESS);
		return;
	} else {
		const struct migctl_ci_state *c = r->ci ? r->ci : &r->gi->cis[0];
		total = c->memory_total_mib;
		used = c->memory_used_mib;
	}
	if (v->field == MIGCTL_F_FB_TOTAL)
		set_ok(v, (double)total, MIGCTL_NORM_ABSOLUTE, MIGCTL_SRC_NVML);
	else if (v->field == MIGCTL_F_FB_USED)
		set_ok(v, (double)used, MIGCTL_NORM_ABSOLUTE, MIGCTL_SRC_NVML);
	else
		set_ok(v, (double)(total > used ? total - used : 0), MIGCTL_NORM_ABSOLUTE,
		       MIGCTL_SRC_NVML);
	if (e->kind == MIGCTL_ENTITY_CI)
		v->norm = MIGCTL_NORM_GI_SHARED;
}

static void read_field_value(struct migctl_sampler *s, nvmlDevice_t dev, unsigned nvml_field,
			     struct migctl_value *v)
{
	nvmlFieldValue_t fv;
	nvmlReturn_t rc;

	memset(&fv, 0, sizeof(fv));
	fv.fieldId = nvml_field;
	rc = NV(np(s), DeviceGetFieldValues, dev, 1, &fv);
	if (rc == NVML_SUCCESS)
		rc = fv.nvmlReturn;
	set_rc(v, rc, (double)fv.value.ullVal);
	if (rc == NVML_SUCCESS && fv.valueType == NVML_VALUE_TYPE_DOUBLE)
		set_rc(v, rc, fv.value.dVal);
	else if (rc == NVML_SUCCESS && fv.valueType == NVML_VALUE_TYPE_UNSIGNED_INT)
		set_rc(v, rc, (double)fv.value.uiVal);
}

static void read_util(struct migctl_sampler *s, const struct migctl_entity *e, nvmlDevice_t dev,
		      struct migctl_value *v)
{
	nvmlUtilization_t u = {0, 0};
	nvmlReturn_t rc = NV(np(s), DeviceGetUtilizationRates, dev, &u);

	if (rc == NVML_ERROR_NOT_SUPPORTED && e->mig_enabled)
		set_na(v, MIGCTL_NA_MIG_ENABLED, rc);
	else
		set_rc(v, rc, v->field == MIGCTL_F_GPU_UTIL ? u.gpu : u.memory);
}

/* One non-profiling field on a GPU-level handle `dev`. */
static void read_gpu_field(struct migctl_sampler *s, const struct migctl_entity *e,
			   nvmlDevice_t dev, struct migctl_value *v)
{
	unsigned u = 0;
	unsigned long long ull = 0;

	nvmlReturn_t rc;

	/* Each call before its value is read: argument order is unspecified. */
	switch (v->field) {
	case MIGCTL_F_SM_CLOCK:
	case MIGCTL_F_MEM_CLOCK:
		rc = NV(np(s), DeviceGetClockInfo, dev,
			v->field == MIGCTL_F_SM_CLOCK ? NVML_CLOCK_SM : NVML_CLOCK_MEM, &u);
		set_rc(v, rc, u);
		break;
	case MIGCTL_F_MEMORY_TEMP:
		read_field_value(s, dev, NVML_FI_DEV_MEMORY_TEMP, v);
		break;
	case MIGCTL_F_GPU_TEMP:
		rc = NV(np(s), DeviceGetTemperature, dev, NVML_TEMPERATURE_GPU, &u);
		set_rc(v, rc, u);
		break;
	case MIGCTL_F_POWER_USAGE:
		rc = NV(np(s), DeviceGetPowerUsage, dev, &u);
		set_rc(v, rc, u / 1000.0);
		break;
	case MIGCTL_F_TOTAL_ENERGY:
		rc = NV(np(s), DeviceGetTotalEnergyConsumption, dev, &ull);
		set_rc(v, rc, (double)ull);
		break;
	case MIGCTL_F_GPU_UTIL:
	case MIGCTL_F_MEM_COPY_UTIL:
		read_util(s, e, dev, v);
		break;
	case MIGCTL_F_ECC_SBE_VOL_TOTAL:
	case MIGCTL_F_ECC_DBE_VOL_TOTAL:
	case MIGCTL_F_ECC_SBE_AGG_TOTAL:
	case MIGCTL_F_ECC_DBE_AGG_TOTAL: {
		unsigned k = v->field - MIGCTL_F_ECC_SBE_VOL_TOTAL;
		/* error type: corrected 0, uncorrected 1; counter: volatile 0,
		 * aggregate 1 */
		rc = NV(np(s), DeviceGetTotalEccErrors, dev, k & 1u, k >> 1, &ull);
		set_rc(v, rc, (double)ull);
		break;
	}
	default:
		set_na(v, MIGCTL_NA_NOT_SUPPORTED, NVML_ERROR_NOT_SUPPORTED);
	}
}

void sample_read_entity(struct migctl_sampler *s, const struct migctl_entity *e,
			struct sample_ref *r, struct migctl_value *vals)
{
	size_t gpm_idx[64], n_gpm = 0;
	nvmlDevice_t dev = NULL, mig = NULL;
	nvmlReturn_t hrc = NV(np(s), DeviceGetHandleByIndex, r->g->index, &dev);

	if (hrc == NVML_SUCCESS && r->ci && r->ci->mig_index != MIGCTL_ID_NONE &&
	    NV(np(s), DeviceGetMigDeviceHandleByIndex, dev, r->ci->mig_index, &mig) != NVML_SUCCESS)
		mig = NULL;
	for (size_t i = 0; i < s->n_fields; i++) {
		const struct migctl_field_info *f = migctl_field_by_id(s->fields[i]);
		struct migctl_value *v = &vals[i];

		memset(v, 0, sizeof(*v));
		v->field = f->id;
		if ((unsigned)e->kind > (unsigned)f->level)
			set_na(v, MIGCTL_NA_LEVEL, NVML_SUCCESS);
		else if (hrc != NVML_SUCCESS)
			set_na(v, reason_of(hrc), hrc);
		else if (f->profiling && n_gpm < sizeof(gpm_idx) / sizeof(gpm_idx[0]))
			gpm_idx[n_gpm++] = i;
		else if (f->id == MIGCTL_F_XID_ERRORS && !s->events)
			set_na(v, MIGCTL_NA_NOT_COLLECTED, NVML_SUCCESS);
		else if (f->id == MIGCTL_F_XID_ERRORS)
			set_ok(v, (double)last_xid(s, e), MIGCTL_NORM_ABSOLUTE, MIGCTL_SRC_EVENTS);
		else if (f->id >= MIGCTL_F_FB_TOTAL && f->id <= MIGCTL_F_FB_USED)
			read_fb(e, r, v);
		else
			read_gpu_field(s, e, dev, v);
	}
	if (n_gpm)
		read_gpm(s, e, r, dev, mig, vals, gpm_idx, n_gpm);
}

/* --- events ---------------------------------------------------------------------- */

#define EVENT_TYPES (nvmlEventTypeXidCriticalError | nvmlEventTypeSingleBitEccError | \
		     nvmlEventTypeDoubleBitEccError)

void sample_events_open(struct migctl_sampler *s)
{
	unsigned n = 0;

	if (NV(np(s), EventSetCreate, &s->evset) != NVML_SUCCESS)
		return;
	s->events = true;
	if (NV(np(s), DeviceGetCount, &n) != NVML_SUCCESS)
		return;
	for (unsigned i = 0; i < n; i++) {
		nvmlDevice_t dev;
		unsigned long long types = 0;
		if (NV(np(s), DeviceGetHandleByIndex, i, &dev) != NVML_SUCCESS ||
		    NV(np(s), DeviceGetSupportedEventTypes, dev, &types) != NVML_SUCCESS ||
		    !(types & EVENT_TYPES))
			continue;
		NV(np(s), DeviceRegisterEvents, dev, types & EVENT_TYPES, s->evset);
	}
}

void sample_events_close(struct migctl_sampler *s)
{
	if (s->events && s->node->nvml)
		NV(np(s), EventSetFree, s->evset);
	s->events = false;
}

static void remember_xid(struct migctl_sampler *s, const char *uuid, unsigned gi, unsigned ci,
			 uint64_t xid)
{
	struct sample_xid *x = NULL;

	for (size_t i = 0; i < s->n_xids; i++)
		if (strcmp(s->xids[i].gpu_uuid, uuid) == 0 && s->xids[i].gi == gi &&
		    s->xids[i].ci == ci)
			x = &s->xids[i];
	if (!x) {
		x = realloc(s->xids, (s->n_xids + 1) * sizeof(*x));
		if (!x)
			return;
		s->xids = x;
		x = &s->xids[s->n_xids++];
		memset(x, 0, sizeof(*x));
		snprintf(x->gpu_uuid, sizeof(x->gpu_uuid), "%s", uuid);
		x->gi = gi;
		x->ci = ci;
	}
	x->xid = xid;
	x->order = ++s->n_events;
}

static unsigned gpu_index_of(struct migctl_sampler *s, const char *uuid)
{
	for (size_t i = 0; i < s->node->n_gpus; i++)
		if (strcmp(s->node->gpus[i].uuid, uuid) == 0)
			return s->node->gpus[i].index;
	return MIGCTL_ID_NONE;
}

void sample_events_drain(struct migctl_sampler *s, struct migctl_sample *smp)
{
	nvmlEventData_t d;

	/* Bounded: a storm of events must not hold the take forever. */
	for (unsigned round = 0; s->events && round < 256; round++) {
		char uuid[96] = "";
		struct migctl_sample_event *ev;

		memset(&d, 0, sizeof(d));
		if (NV(np(s), EventSetWait, s->evset, &d, 0) != NVML_SUCCESS)
			break;
		if (NV(np(s), DeviceGetUUID, d.device, uuid, (unsigned)sizeof(uuid)) != NVML_SUCCESS)
			continue;
		ev = realloc(smp->events, (smp->n_events + 1) * sizeof(*ev));
		if (!ev)
			break;
		smp->events = ev;
		ev = &smp->events[smp->n_events++];
		ev->kind = d.eventType == nvmlEventTypeXidCriticalError   ? MIGCTL_EVENT_XID
			   : d.eventType == nvmlEventTypeSingleBitEccError ? MIGCTL_EVENT_ECC_SBE
			   : d.eventType == nvmlEventTypeDoubleBitEccError ? MIGCTL_EVENT_ECC_DBE
									   : MIGCTL_EVENT_OTHER;
		ev->gpu_index = gpu_index_of(s, uuid);
		ev->gi_id = d.gpuInstanceId;
		ev->ci_id = d.computeInstanceId;
		ev->data = d.eventData;
		if (ev->kind == MIGCTL_EVENT_XID)
			remember_xid(s, uuid, d.gpuInstanceId, d.computeInstanceId, d.eventData);
	}
}
