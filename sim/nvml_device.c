/* migsim — the simulator's NVML device calls (see sim/nvml.c for the
 * call path): enumeration and identity, memory, architecture, attributes,
 * MIG mode, running processes, and the queries it does not model. */
#include "nvml_call.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Position of a MIG device in the GPU's NVML index order. */
static bool mig_index(const struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci,
		      unsigned *index)
{
	struct sim_mig_ref refs[SIM_MAX_GIS * SIM_MAX_CIS];
	size_t n = sim_mig_devices(m, gpu, refs, SIM_MAX_GIS * SIM_MAX_CIS);

	for (size_t i = 0; i < n && i < SIM_MAX_GIS * SIM_MAX_CIS; i++) {
		if (refs[i].gi == gi && refs[i].ci == ci) {
			*index = (unsigned)i;
			return true;
		}
	}
	return false;
}

/* --- enumeration and identity ----------------------------------------- */

static nvmlReturn_t device_count(const char *name, unsigned int *deviceCount)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, name, deviceCount != NULL, false);

	if (rc == NVML_SUCCESS)
		*deviceCount = c.m->n_gpus;
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetCount(unsigned int *deviceCount)
{
	return device_count(__func__, deviceCount);
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
	return device_count(__func__, deviceCount);
}

static nvmlReturn_t handle_by_index(const char *name, unsigned int index, nvmlDevice_t *device)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, name, device != NULL, false);

	if (rc == NVML_SUCCESS) {
		if (index >= c.m->n_gpus)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		else
			*device = nv_handle_of(H_GPU, index, NO_ID, NO_ID);
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device)
{
	return handle_by_index(__func__, index, device);
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	return handle_by_index(__func__, index, device);
}

/* GPU UUIDs and MIG device UUIDs (R470+ form; the legacy
 * "MIG-GPU-<uuid>/<gi>/<ci>" form is client-side parsing only, §2.7).
 * Case-insensitive, as UUIDs are hex. */
nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, uuid != NULL && device != NULL, false);

	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);
	if (strncasecmp(uuid, "GPU-", 4) != 0 && strncasecmp(uuid, "MIG-", 4) != 0)
		return nv_leave(&c, NVML_ERROR_INVALID_ARGUMENT);
	unsigned gpu, gi, ci;
	if (!sim_find_uuid(c.m, uuid, &gpu, &gi, &ci))
		return nv_leave(&c, NVML_ERROR_NOT_FOUND);
	*device = gi == NO_ID ? nv_handle_of(H_GPU, gpu, NO_ID, NO_ID)
			      : nv_handle_of(H_MIG, gpu, gi, ci);
	rc = *device ? NVML_SUCCESS : NVML_ERROR_UNKNOWN;
	return nv_leave(&c, rc);
}

/* The forms the header accepts, all hexadecimal: domain:bus:device.function,
 * domain:bus:device, bus:device.function. */
static bool parse_bus_id(const char *s, unsigned *dom, unsigned *bus, unsigned *dev,
			 unsigned *fn)
{
	unsigned a, b, d, f;
	int n = -1;

	if (sscanf(s, "%x:%x:%x.%x%n", &a, &b, &d, &f, &n) == 4 && n > 0 && s[n] == '\0') {
		*dom = a, *bus = b, *dev = d, *fn = f;
		return true;
	}
	n = -1;
	if (sscanf(s, "%x:%x:%x%n", &a, &b, &d, &n) == 3 && n > 0 && s[n] == '\0') {
		*dom = a, *bus = b, *dev = d, *fn = 0;
		return true;
	}
	n = -1;
	if (sscanf(s, "%x:%x.%x%n", &b, &d, &f, &n) == 3 && n > 0 && s[n] == '\0') {
		*dom = 0, *bus = b, *dev = d, *fn = f;
		return true;
	}
	return false;
}

static nvmlReturn_t handle_by_bus_id(const char *name, const char *pciBusId,
				     nvmlDevice_t *device)
{
	struct call c;
	unsigned dom, bus, dev, fn;
	nvmlReturn_t rc = nv_enter(&c, name, pciBusId != NULL && device != NULL, false);

	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);
	if (!parse_bus_id(pciBusId, &dom, &bus, &dev, &fn))
		return nv_leave(&c, NVML_ERROR_INVALID_ARGUMENT);
	rc = NVML_ERROR_NOT_FOUND;
	for (unsigned i = 0; i < c.m->n_gpus; i++) {
		if (dom == 0 && bus == c.m->gpus[i].pci_bus && dev == 0 && fn == 0) {
			*device = nv_handle_of(H_GPU, i, NO_ID, NO_ID);
			rc = NVML_SUCCESS;
			break;
		}
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetHandleByPciBusId(const char *pciBusId, nvmlDevice_t *device)
{
	return handle_by_bus_id(__func__, pciBusId, device);
}

nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *pciBusId, nvmlDevice_t *device)
{
	return handle_by_bus_id(__func__, pciBusId, device);
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, name != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE * 2];
		if (r.kind == H_MIG)
			snprintf(buf, sizeof(buf), "%s MIG %s", o.model->name, o.cp->name);
		else
			snprintf(buf, sizeof(buf), "%s", o.model->name);
		rc = nv_put_str(name, length, buf);
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, uuid != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		char buf[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
		if (r.kind == H_MIG)
			sim_mig_uuid(o.g, r.gi, r.ci, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", o.g->uuid);
		rc = nv_put_str(uuid, length, buf);
	}
	return nv_leave(&c, rc);
}

/* Board properties (serial, PCI, minor, architecture, compute capability)
 * answer for a MIG device with its parent's values. */
nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char *serial, unsigned int length)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, serial != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = nv_put_str(serial, length, o.g->serial);
	return nv_leave(&c, rc);
}

static nvmlReturn_t pci_info(const char *name, nvmlDevice_t device, nvmlPciInfo_t *pci)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, pci != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		unsigned dev_id = o.model->n_pci_device_ids ? o.model->pci_device_ids[0] : 0;
		memset(pci, 0, sizeof(*pci));
		pci->domain = 0;
		pci->bus = o.g->pci_bus;
		pci->device = 0;
		pci->pciDeviceId = (dev_id << 16) | 0x10DEu;
		/* Subsystem: the board's own ID under NVIDIA's vendor ID (real
		 * boards vary; nothing reads it for MIG). */
		pci->pciSubSystemId = (dev_id << 16) | 0x10DEu;
		snprintf(pci->busIdLegacy, sizeof(pci->busIdLegacy), "%04X:%02X:%02X.0", 0u,
			 o.g->pci_bus & 0xFFu, 0u);
		snprintf(pci->busId, sizeof(pci->busId), "%08X:%02X:%02X.0", 0u,
			 o.g->pci_bus & 0xFFu, 0u);
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetPciInfo(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
	return pci_info(__func__, device, pci);
}

nvmlReturn_t nvmlDeviceGetPciInfo_v2(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
	return pci_info(__func__, device, pci);
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
	return pci_info(__func__, device, pci);
}

nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t device, unsigned int *minorNumber)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, minorNumber != NULL, false,
				       &r, &o);

	if (rc == NVML_SUCCESS)
		*minorNumber = o.g->minor;
	return nv_leave(&c, rc);
}

/* A MIG device's index is its position under the parent, the index
 * nvmlDeviceGetMigDeviceHandleByIndex takes (§1.2). */
nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, index != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		if (r.kind == H_GPU)
			*index = r.gpu;
		else if (!mig_index(c.m, r.gpu, r.gi, r.ci, index))
			rc = NVML_ERROR_NOT_FOUND;
	}
	return nv_leave(&c, rc);
}

/* Total: the model's memory, or the GI profile's memory for a MIG device
 * (the CIs of a GI share its memory, so "used" counts the whole GI). Used:
 * the registered processes' memory plus, in MIG mode, the driver's own
 * reservation in each GI (sim_used_mib). On a parent in MIG mode the
 * aggregate needs a privileged user (header l.6678). Reserved (v2) is 0. */
static nvmlReturn_t memory_of(const struct call *c, const struct ref *r, const struct obj *o,
			      unsigned long long *total, unsigned long long *used)
{
	const unsigned long long mib = 1024ULL * 1024ULL;

	if (r->kind == H_MIG) {
		*total = (unsigned long long)o->gp->memory_mib * mib;
		*used = sim_used_mib(c->m, r->gpu, r->gi) * mib;
	} else {
		if (o->g->mig_current && c->m->non_root)
			return NVML_ERROR_NO_PERMISSION;
		*total = (unsigned long long)o->model->memory_mib * mib;
		*used = sim_used_mib(c->m, r->gpu, NO_ID) * mib;
	}
	if (*used > *total)
		*used = *total;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
	struct call c;
	struct ref r;
	struct obj o;
	unsigned long long total, used;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, memory != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = memory_of(&c, &r, &o, &total, &used);
	if (rc == NVML_SUCCESS) {
		memory->total = total;
		memory->used = used;
		memory->free = total - used;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory)
{
	struct call c;
	struct ref r;
	struct obj o;
	unsigned long long total, used;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, memory != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && memory->version != nvmlMemory_v2)
		rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	if (rc == NVML_SUCCESS)
		rc = memory_of(&c, &r, &o, &total, &used);
	if (rc == NVML_SUCCESS) {
		memory->total = total;
		memory->reserved = 0;
		memory->used = used;
		memory->free = total - used;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, nvmlDeviceArchitecture_t *arch)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, arch != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		switch (o.model->arch) {
		case MIGCTL_ARCH_AMPERE:
			*arch = NVML_DEVICE_ARCH_AMPERE;
			break;
		case MIGCTL_ARCH_HOPPER:
			*arch = NVML_DEVICE_ARCH_HOPPER;
			break;
		case MIGCTL_ARCH_BLACKWELL:
			*arch = NVML_DEVICE_ARCH_BLACKWELL;
			break;
		case MIGCTL_ARCH_UNKNOWN:
		default:
			*arch = NVML_DEVICE_ARCH_UNKNOWN;
			break;
		}
	}
	return nv_leave(&c, rc);
}

/* GA100 8.0, GH100 9.0, GB100/GB200 10.0, GB110 (B300, GB300) 10.3,
 * GB202 (RTX PRO 6000 Blackwell) 12.0. */
static void compute_capability(const struct migctl_gpu_model *model, int *major, int *minor)
{
	*minor = 0;
	switch (model->arch) {
	case MIGCTL_ARCH_AMPERE:
		*major = 8;
		break;
	case MIGCTL_ARCH_HOPPER:
		*major = 9;
		break;
	case MIGCTL_ARCH_BLACKWELL:
		if (strstr(model->name, "RTX")) {
			*major = 12;
		} else {
			*major = 10;
			if (strstr(model->name, "B300"))
				*minor = 3;
		}
		break;
	case MIGCTL_ARCH_UNKNOWN:
	default:
		*major = 0;
		break;
	}
}

nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, major != NULL && minor != NULL,
				       false, &r, &o);

	if (rc == NVML_SUCCESS)
		compute_capability(o.model, major, minor);
	return nv_leave(&c, rc);
}

/* "Currently only supports MIG device handles" (header l.4578). */
static nvmlReturn_t attributes(const char *name, nvmlDevice_t device,
			       nvmlDeviceAttributes_t *attr)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, attr != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind != H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		memset(attr, 0, sizeof(*attr));
		attr->multiprocessorCount = o.cp->sm;
		attr->sharedCopyEngineCount = o.gp->ce;
		attr->sharedDecoderCount = o.gp->dec;
		attr->sharedEncoderCount = o.gp->enc;
		attr->sharedJpegCount = o.gp->jpg;
		attr->sharedOfaCount = o.gp->ofa;
		attr->gpuInstanceSliceCount = o.gp->compute_slices;
		attr->computeInstanceSliceCount = o.cp->slices;
		attr->memorySizeMB = o.gp->memory_mib;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetAttributes(nvmlDevice_t device, nvmlDeviceAttributes_t *attributes_)
{
	return attributes(__func__, device, attributes_);
}

nvmlReturn_t nvmlDeviceGetAttributes_v2(nvmlDevice_t device, nvmlDeviceAttributes_t *attributes_)
{
	return attributes(__func__, device, attributes_);
}

/* --- MIG mode ---------------------------------------------------------- */

/* GPU-only calls reject a MIG device handle as an invalid argument. */
nvmlReturn_t nvmlDeviceSetMigMode(nvmlDevice_t device, unsigned int mode,
				  nvmlReturn_t *activationStatus)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, activationStatus != NULL, true,
				       &r, &o);

	if (rc == NVML_SUCCESS) {
		nvmlReturn_t activation = NVML_SUCCESS;
		rc = sim_set_mig_mode(c.m, r.gpu, mode, &activation);
		if (rc == NVML_SUCCESS) {
			*activationStatus = activation;
			c.dirty = true;
		}
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode,
				  unsigned int *pendingMode)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU,
				       currentMode != NULL && pendingMode != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		*currentMode = o.g->mig_current ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
		*pendingMode = o.g->mig_pending ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
	}
	return nv_leave(&c, rc);
}

/* --- processes --------------------------------------------------------- */

/* *infoCount protocol: too small (0 with NULL infos to ask) → the needed
 * count and INSUFFICIENT_SIZE; no processes → 0 and SUCCESS. On a MIG
 * device, the processes of that CI; on a GPU, all of them, with the
 * instance IDs of those on MIG devices and NVML_VALUE_NOT_AVAILABLE_UINT
 * for those on the whole GPU. */
static nvmlReturn_t running_processes(const char *name, nvmlDevice_t device,
				      unsigned int *infoCount, void *infos, bool v1)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, infoCount != NULL, false, &r, &o);

	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);

	const struct sim_process *match[SIM_MAX_PROCS];
	unsigned n = 0;
	for (unsigned i = 0; i < c.m->n_procs && i < SIM_MAX_PROCS; i++) {
		const struct sim_process *p = &c.m->procs[i];
		if (p->gpu != r.gpu)
			continue;
		if (r.kind == H_MIG && (p->gi != r.gi || p->ci != r.ci))
			continue;
		match[n++] = p;
	}
	if (*infoCount < n) {
		*infoCount = n;
		return nv_leave(&c, NVML_ERROR_INSUFFICIENT_SIZE);
	}
	if (n > 0 && !infos)
		return nv_leave(&c, NVML_ERROR_INVALID_ARGUMENT);
	for (unsigned i = 0; i < n; i++) {
		unsigned long long bytes = match[i]->used_mib * 1024ULL * 1024ULL;
		if (v1) {
			nvmlProcessInfo_v1_t *e = &((nvmlProcessInfo_v1_t *)infos)[i];
			memset(e, 0, sizeof(*e));
			e->pid = match[i]->pid;
			e->usedGpuMemory = bytes;
		} else {
			nvmlProcessInfo_t *e = &((nvmlProcessInfo_t *)infos)[i];
			memset(e, 0, sizeof(*e));
			e->pid = match[i]->pid;
			e->usedGpuMemory = bytes;
			e->gpuInstanceId = match[i]->gi;
			e->computeInstanceId = match[i]->ci;
		}
	}
	*infoCount = n;
	return nv_leave(&c, NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *infoCount,
						  nvmlProcessInfo_v1_t *infos)
{
	return running_processes(__func__, device, infoCount, infos, true);
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device,
						     unsigned int *infoCount,
						     nvmlProcessInfo_t *infos)
{
	return running_processes(__func__, device, infoCount, infos, false);
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device,
						     unsigned int *infoCount,
						     nvmlProcessInfo_t *infos)
{
	return running_processes(__func__, device, infoCount, infos, false);
}

/* --- queries the simulator does not model ------------------------------ */

/* Checked like every call (initialisation, handle, pointer, faults), then
 * NOT_SUPPORTED, so clients take their "no data" path. */
nvmlReturn_t nv_unsupported(const char *name, nvmlDevice_t device, bool args_ok)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, args_ok, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = NVML_ERROR_NOT_SUPPORTED;
	return nv_leave(&c, rc);
}

/* --- NVSwitch fabric ------------------------------------------------------ */

/* The boards that sit on an NVSwitch baseboard (HGX, or an NVL72 rack) and
 * register with the fabric manager: Hopper's and Blackwell's SXM boards.
 * PCIe boards, NVL boards (NVLink bridges), GH200 and the RTX PRO have no
 * NVSwitch fabric; Ampere reports none through NVML. */
static bool on_nvswitch(const struct migctl_gpu_model *m)
{
	static const char *const hgx[] = {"H100 80GB HBM3", "H800", "H20", "H200",
					  "B200", "B300", "GB200", "GB300"};
	static const char *const not_hgx[] = {"PCIe", "NVL", "GH200"};

	if (m->arch != MIGCTL_ARCH_HOPPER && m->arch != MIGCTL_ARCH_BLACKWELL)
		return false;
	for (size_t i = 0; i < sizeof(not_hgx) / sizeof(not_hgx[0]); i++)
		if (strstr(m->name, not_hgx[i]))
			return false;
	for (size_t i = 0; i < sizeof(hgx) / sizeof(hgx[0]); i++)
		if (strstr(m->name, hgx[i]))
			return true;
	return false;
}

/* An NVSwitch board's registration has completed with success (the fabric
 * manager runs, as seed 003's H20 node shows); its cluster UUID and clique
 * are 0 (one clique per node). Other boards: NOT_SUPPORTED. */
static nvmlReturn_t fabric_enter(struct call *c, const char *name, nvmlDevice_t device,
				 bool args_ok)
{
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(c, name, device, K_DEV, args_ok, false, &r, &o);

	if (rc == NVML_SUCCESS && (r.kind == H_MIG || !on_nvswitch(o.model)))
		rc = NVML_ERROR_NOT_SUPPORTED;
	return rc;
}

nvmlReturn_t nvmlDeviceGetGpuFabricInfo(nvmlDevice_t device, nvmlGpuFabricInfo_t *gpuFabricInfo)
{
	struct call c;
	nvmlReturn_t rc = fabric_enter(&c, __func__, device, gpuFabricInfo != NULL);

	if (rc == NVML_SUCCESS) {
		memset(gpuFabricInfo, 0, sizeof(*gpuFabricInfo));
		gpuFabricInfo->status = NVML_SUCCESS;
		gpuFabricInfo->state = NVML_GPU_FABRIC_STATE_COMPLETED;
	}
	return nv_leave(&c, rc);
}

/* The versioned form: v2 only (VERSION_MISMATCH otherwise), no health
 * problem in healthMask. */
nvmlReturn_t nvmlDeviceGetGpuFabricInfoV(nvmlDevice_t device, nvmlGpuFabricInfoV_t *gpuFabricInfo)
{
	struct call c;
	nvmlReturn_t rc = fabric_enter(&c, __func__, device, gpuFabricInfo != NULL);

	if (rc == NVML_SUCCESS && gpuFabricInfo->version != nvmlGpuFabricInfo_v2)
		rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	if (rc == NVML_SUCCESS) {
		memset(gpuFabricInfo, 0, sizeof(*gpuFabricInfo));
		gpuFabricInfo->version = nvmlGpuFabricInfo_v2;
		gpuFabricInfo->status = NVML_SUCCESS;
		gpuFabricInfo->state = NVML_GPU_FABRIC_STATE_COMPLETED;
	}
	return nv_leave(&c, rc);
}

