/* migctl — internal: the NVML binding (lib/nvml.c), the only code that
 * calls NVML. It loads libnvidia-ml.so.1 (or the library a caller names)
 * with dlopen, resolves the newest version of each symbol it uses and
 * falls back to older names where the driver lacks the newer one. Symbols
 * a driver lacks entirely are NULL; callers report the feature as
 * unavailable (NVML_ERROR_FUNCTION_NOT_FOUND from the wrappers). */
#ifndef MIGCTL_NVML_H
#define MIGCTL_NVML_H

#include "migctl/error.h"
#include "nvml_abi.h"

struct migctl_nvml;

/* Load `path` (NULL: "libnvidia-ml.so.1") and call nvmlInit. On failure
 * MIGCTL_ERR_NO_DRIVER (library absent) or the mapped init error. */
enum migctl_err migctl_nvml_open(struct migctl_nvml **out, const char *path,
				 struct migctl_error *err);

/* nvmlShutdown and dlclose. */
void migctl_nvml_close(struct migctl_nvml *nv);

/* The migctl error for an NVML return code. */
enum migctl_err migctl_nvml_error(nvmlReturn_t rc);

/* nvmlErrorString through the loaded library (its own texts). */
const char *migctl_nvml_text(const struct migctl_nvml *nv, nvmlReturn_t rc);

/* The resolved entry points: each is a pointer to the newest version the
 * library exports, or NULL. The binding owns the table. */
struct migctl_nvml_api {
	nvmlReturn_t (*SystemGetDriverVersion)(char *, unsigned);
	nvmlReturn_t (*SystemGetNVMLVersion)(char *, unsigned);
	nvmlReturn_t (*SystemGetCudaDriverVersion)(int *);
	nvmlReturn_t (*DeviceGetCount)(unsigned *);
	nvmlReturn_t (*DeviceGetHandleByIndex)(unsigned, nvmlDevice_t *);
	nvmlReturn_t (*DeviceGetName)(nvmlDevice_t, char *, unsigned);
	nvmlReturn_t (*DeviceGetUUID)(nvmlDevice_t, char *, unsigned);
	nvmlReturn_t (*DeviceGetPciInfo)(nvmlDevice_t, nvmlPciInfo_t *);
	nvmlReturn_t (*DeviceGetMinorNumber)(nvmlDevice_t, unsigned *);
	nvmlReturn_t (*DeviceGetMemoryInfo)(nvmlDevice_t, nvmlMemory_t *);
	nvmlReturn_t (*DeviceGetArchitecture)(nvmlDevice_t, nvmlDeviceArchitecture_t *);
	nvmlReturn_t (*DeviceGetAttributes)(nvmlDevice_t, nvmlDeviceAttributes_t *);
	nvmlReturn_t (*DeviceGetComputeRunningProcesses)(nvmlDevice_t, unsigned *, nvmlProcessInfo_t *);
	nvmlReturn_t (*DeviceGetMigMode)(nvmlDevice_t, unsigned *, unsigned *);
	nvmlReturn_t (*DeviceSetMigMode)(nvmlDevice_t, unsigned, nvmlReturn_t *);
	nvmlReturn_t (*DeviceGetGpuInstanceProfileInfo)(nvmlDevice_t, unsigned, nvmlGpuInstanceProfileInfo_t *);
	nvmlReturn_t (*DeviceGetGpuInstanceProfileInfoV)(nvmlDevice_t, unsigned, nvmlGpuInstanceProfileInfo_v2_t *);
	nvmlReturn_t (*DeviceGetGpuInstancePossiblePlacements)(nvmlDevice_t, unsigned, nvmlGpuInstancePlacement_t *, unsigned *);
	nvmlReturn_t (*DeviceGetGpuInstanceRemainingCapacity)(nvmlDevice_t, unsigned, unsigned *);
	nvmlReturn_t (*DeviceCreateGpuInstance)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *);
	nvmlReturn_t (*DeviceCreateGpuInstanceWithPlacement)(nvmlDevice_t, unsigned, const nvmlGpuInstancePlacement_t *, nvmlGpuInstance_t *);
	nvmlReturn_t (*GpuInstanceDestroy)(nvmlGpuInstance_t);
	nvmlReturn_t (*DeviceGetGpuInstances)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *, unsigned *);
	nvmlReturn_t (*DeviceGetGpuInstanceById)(nvmlDevice_t, unsigned, nvmlGpuInstance_t *);
	nvmlReturn_t (*GpuInstanceGetInfo)(nvmlGpuInstance_t, nvmlGpuInstanceInfo_t *);
	nvmlReturn_t (*GpuInstanceGetComputeInstanceProfileInfo)(nvmlGpuInstance_t, unsigned, unsigned, nvmlComputeInstanceProfileInfo_t *);
	nvmlReturn_t (*GpuInstanceGetComputeInstanceProfileInfoV)(nvmlGpuInstance_t, unsigned, unsigned, nvmlComputeInstanceProfileInfo_v2_t *);
	nvmlReturn_t (*GpuInstanceGetComputeInstanceRemainingCapacity)(nvmlGpuInstance_t, unsigned, unsigned *);
	nvmlReturn_t (*GpuInstanceGetComputeInstancePossiblePlacements)(nvmlGpuInstance_t, unsigned, nvmlComputeInstancePlacement_t *, unsigned *);
	nvmlReturn_t (*GpuInstanceCreateComputeInstance)(nvmlGpuInstance_t, unsigned, nvmlComputeInstance_t *);
	nvmlReturn_t (*GpuInstanceCreateComputeInstanceWithPlacement)(nvmlGpuInstance_t, unsigned, const nvmlComputeInstancePlacement_t *, nvmlComputeInstance_t *);
	nvmlReturn_t (*ComputeInstanceDestroy)(nvmlComputeInstance_t);
	nvmlReturn_t (*GpuInstanceGetComputeInstances)(nvmlGpuInstance_t, unsigned, nvmlComputeInstance_t *, unsigned *);
	nvmlReturn_t (*GpuInstanceGetComputeInstanceById)(nvmlGpuInstance_t, unsigned, nvmlComputeInstance_t *);
	nvmlReturn_t (*ComputeInstanceGetInfo)(nvmlComputeInstance_t, nvmlComputeInstanceInfo_t *);
	nvmlReturn_t (*DeviceGetMaxMigDeviceCount)(nvmlDevice_t, unsigned *);
	nvmlReturn_t (*DeviceGetMigDeviceHandleByIndex)(nvmlDevice_t, unsigned, nvmlDevice_t *);
	nvmlReturn_t (*DeviceGetGpuInstanceId)(nvmlDevice_t, unsigned *);
	nvmlReturn_t (*DeviceGetComputeInstanceId)(nvmlDevice_t, unsigned *);
	int (*SimResetGpu)(unsigned);   /* migsimResetGpu; NULL on a real driver */
};

const struct migctl_nvml_api *migctl_nvml_api(const struct migctl_nvml *nv);

#endif
