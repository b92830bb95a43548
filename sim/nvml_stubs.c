/* migsim — NVML calls outside the simulator's model: CPU and memory
 * affinity, PCIe topology and peer-to-peer status, the Windows driver
 * model, vGPU. They are checked like every call (initialisation, handle,
 * pointers, faults) and then answer as a bare-metal Linux host without a
 * vGPU manager does: NOT_SUPPORTED, or INVALID_ARGUMENT for a vGPU type or
 * instance (none exists), so a client takes its "no data" path instead of
 * dying on a missing symbol. Two board facts the simulator does know are
 * answered with values: the bus type, and that each board holds one GPU.
 *
 * Telemetry, board and monitoring calls are not here (sim/nvml_device.c,
 * sim/nvml_telemetry.c, sim/nvml_board.c, sim/nvml_monitor.c). */
#include "nvml_call.h"

/* Start a call on two device handles of `kinds` and resolve both. */
static nvmlReturn_t enter_pair(struct call *c, const char *name, nvmlDevice_t device1,
			       nvmlDevice_t device2, unsigned kinds, bool args_ok,
			       struct ref *r1, struct ref *r2)
{
	struct obj o;
	bool ok = nv_decode(device1, kinds, r1) && nv_decode(device2, kinds, r2);
	nvmlReturn_t rc = nv_enter(c, name, ok && args_ok, false);

	if (rc == NVML_SUCCESS)
		rc = nv_resolve(c, r1, &o);
	if (rc == NVML_SUCCESS)
		rc = nv_resolve(c, r2, &o);
	return rc;
}

/* The checks of a call on two device handles, then NOT_SUPPORTED. */
static nvmlReturn_t pair_not_modelled(const char *name, nvmlDevice_t device1,
				      nvmlDevice_t device2, bool args_ok)
{
	struct call c;
	struct ref r1, r2;
	nvmlReturn_t rc = enter_pair(&c, name, device1, device2, K_DEV, args_ok, &r1, &r2);

	return nv_leave(&c, rc == NVML_SUCCESS ? NVML_ERROR_NOT_SUPPORTED : rc);
}

/* --- board facts ---------------------------------------------------------- */

/* PCIe, also for SXM boards (their host link is PCIe). NVML_BUS_TYPE_PCIE
 * is 2. MIG devices answer for their GPU. */
nvmlReturn_t nvmlDeviceGetBusType(nvmlDevice_t device, nvmlBusType_t *type)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, type != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		*type = 2;
	return nv_leave(&c, rc);
}

/* Each simulated board holds one GPU: only a GPU is on its own board. */
nvmlReturn_t nvmlDeviceOnSameBoard(nvmlDevice_t device1, nvmlDevice_t device2,
				   int *onSameBoard)
{
	struct call c;
	struct ref r1, r2;
	nvmlReturn_t rc = enter_pair(&c, __func__, device1, device2, K_GPU,
				     onSameBoard != NULL, &r1, &r2);

	if (rc == NVML_SUCCESS)
		*onSameBoard = r1.gpu == r2.gpu;
	return nv_leave(&c, rc);
}

/* --- topology and affinity: not modelled ---------------------------------- */

nvmlReturn_t nvmlDeviceGetTopologyCommonAncestor(nvmlDevice_t device1, nvmlDevice_t device2,
						 nvmlGpuTopologyLevel_t *pathInfo)
{
	return pair_not_modelled(__func__, device1, device2, pathInfo != NULL);
}

nvmlReturn_t nvmlDeviceGetTopologyNearestGpus(nvmlDevice_t device, nvmlGpuTopologyLevel_t level,
					      unsigned int *count, nvmlDevice_t *deviceArray)
{
	(void)level;
	(void)deviceArray;
	return nv_unsupported(__func__, device, count != NULL);
}

nvmlReturn_t nvmlDeviceGetP2PStatus(nvmlDevice_t device1, nvmlDevice_t device2,
				    nvmlGpuP2PCapsIndex_t p2pIndex, nvmlGpuP2PStatus_t *p2pStatus)
{
	(void)p2pIndex;
	return pair_not_modelled(__func__, device1, device2, p2pStatus != NULL);
}

nvmlReturn_t nvmlDeviceGetCpuAffinity(nvmlDevice_t device, unsigned int cpuSetSize,
				      unsigned long *cpuSet)
{
	return nv_unsupported(__func__, device, cpuSetSize > 0 && cpuSet != NULL);
}

nvmlReturn_t nvmlDeviceSetCpuAffinity(nvmlDevice_t device)
{
	return nv_unsupported(__func__, device, true);
}

nvmlReturn_t nvmlDeviceClearCpuAffinity(nvmlDevice_t device)
{
	return nv_unsupported(__func__, device, true);
}

nvmlReturn_t nvmlDeviceGetCpuAffinityWithinScope(nvmlDevice_t device, unsigned int cpuSetSize,
						 unsigned long *cpuSet, nvmlAffinityScope_t scope)
{
	(void)scope;
	return nv_unsupported(__func__, device, cpuSetSize > 0 && cpuSet != NULL);
}

nvmlReturn_t nvmlDeviceGetMemoryAffinity(nvmlDevice_t device, unsigned int nodeSetSize,
					 unsigned long *nodeSet, nvmlAffinityScope_t scope)
{
	(void)scope;
	return nv_unsupported(__func__, device, nodeSetSize > 0 && nodeSet != NULL);
}

/* --- Windows and vGPU: not on this host ------------------------------------ */

/* The driver model is a Windows setting (WDDM or TCC); go-nvml's init
 * probes this name and uses it when present (sim/nvml_board.c has the
 * unversioned one). */
nvmlReturn_t nvmlDeviceGetDriverModel_v2(nvmlDevice_t device, nvmlDriverModel_t *current,
					 nvmlDriverModel_t *pending)
{
	return nv_unsupported(__func__, device, current != NULL || pending != NULL);
}

/* A bare-metal host runs no vGPU manager. */
nvmlReturn_t nvmlDeviceGetSupportedVgpus(nvmlDevice_t device, unsigned int *vgpuCount,
					 nvmlVgpuTypeId_t *vgpuTypeIds)
{
	(void)vgpuTypeIds;
	return nv_unsupported(__func__, device, vgpuCount != NULL);
}

nvmlReturn_t nvmlDeviceGetCreatableVgpus(nvmlDevice_t device, unsigned int *vgpuCount,
					 nvmlVgpuTypeId_t *vgpuTypeIds)
{
	(void)vgpuTypeIds;
	return nv_unsupported(__func__, device, vgpuCount != NULL);
}

nvmlReturn_t nvmlDeviceGetActiveVgpus(nvmlDevice_t device, unsigned int *vgpuCount,
				      nvmlVgpuInstance_t *vgpuInstances)
{
	(void)vgpuInstances;
	return nv_unsupported(__func__, device, vgpuCount != NULL);
}

/* No vGPU manager runs: NOT_SUPPORTED for the host's vGPU version. */
nvmlReturn_t nvmlGetVgpuVersion(nvmlVgpuVersion_t *supported, nvmlVgpuVersion_t *current)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, supported != NULL && current != NULL, false);

	return nv_leave(&c, rc == NVML_SUCCESS ? NVML_ERROR_NOT_SUPPORTED : rc);
}

/* No vGPU type or instance exists, so every ID names none: after the
 * initialisation check, INVALID_ARGUMENT, as for an ID past the end. */
static nvmlReturn_t no_vgpu(const char *name)
{
	struct call c;

	return nv_leave(&c, nv_enter(&c, name, false, false));
}

nvmlReturn_t nvmlVgpuTypeGetName(nvmlVgpuTypeId_t vgpuTypeId, char *vgpuTypeName,
				 unsigned int *size)
{
	(void)vgpuTypeId;
	(void)vgpuTypeName;
	(void)size;
	return no_vgpu(__func__);
}

nvmlReturn_t nvmlVgpuTypeGetClass(nvmlVgpuTypeId_t vgpuTypeId, char *vgpuTypeClass,
				  unsigned int *size)
{
	(void)vgpuTypeId;
	(void)vgpuTypeClass;
	(void)size;
	return no_vgpu(__func__);
}

nvmlReturn_t nvmlVgpuTypeGetFramebufferSize(nvmlVgpuTypeId_t vgpuTypeId,
					    unsigned long long *fbSize)
{
	(void)vgpuTypeId;
	(void)fbSize;
	return no_vgpu(__func__);
}

/* A per-device call: the device is checked first, then the type. */
nvmlReturn_t nvmlVgpuTypeGetMaxInstances(nvmlDevice_t device, nvmlVgpuTypeId_t vgpuTypeId,
					 unsigned int *vgpuInstanceCount)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, vgpuInstanceCount != NULL,
				       false, &r, &o);

	(void)vgpuTypeId;
	return nv_leave(&c, rc == NVML_SUCCESS ? NVML_ERROR_INVALID_ARGUMENT : rc);
}

nvmlReturn_t nvmlVgpuInstanceGetUUID(nvmlVgpuInstance_t vgpuInstance, char *uuid,
				     unsigned int size)
{
	(void)vgpuInstance;
	(void)uuid;
	(void)size;
	return no_vgpu(__func__);
}

nvmlReturn_t nvmlVgpuInstanceGetVmID(nvmlVgpuInstance_t vgpuInstance, char *vmId,
				     unsigned int size, nvmlVgpuVmIdType_t *vmIdType)
{
	(void)vgpuInstance;
	(void)vmId;
	(void)size;
	(void)vmIdType;
	return no_vgpu(__func__);
}

nvmlReturn_t nvmlVgpuInstanceGetType(nvmlVgpuInstance_t vgpuInstance,
				     nvmlVgpuTypeId_t *vgpuTypeId)
{
	(void)vgpuInstance;
	(void)vgpuTypeId;
	return no_vgpu(__func__);
}

nvmlReturn_t nvmlVgpuInstanceGetFbUsage(nvmlVgpuInstance_t vgpuInstance,
					unsigned long long *fbUsage)
{
	(void)vgpuInstance;
	(void)fbUsage;
	return no_vgpu(__func__);
}

nvmlReturn_t nvmlVgpuInstanceGetLicenseInfo_v2(nvmlVgpuInstance_t vgpuInstance,
					       nvmlVgpuLicenseInfo_t *licenseInfo)
{
	(void)vgpuInstance;
	(void)licenseInfo;
	return no_vgpu(__func__);
}
