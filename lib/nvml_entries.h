/* migctl — internal: the one table of NVML entry points.
 *
 * Every NVML function that migctl binds or that the simulator exports is
 * listed once here, with its return type, name, parameters and the
 * drivers that have it. Everything else is generated from this table:
 *
 *   - the function types `NAME_fn` (below), which the binding
 *     (lib/nvml.h) uses for its pointers and the simulator (sim/nvml_call.h)
 *     uses to declare its exports, so that a definition in sim/ whose
 *     signature differs from the table does not compile;
 *   - the binding's resolve list, newest version first (NVML_BINDINGS);
 *   - the simulator's two version scripts (tools/nvml_map.c writes them
 *     into the build directory).
 *
 * To add an entry point: one X line in NVML_ENTRIES; a B line in
 * NVML_BINDINGS if migctl calls it; its definition in sim/.
 *
 * This header must stay usable by a host tool (tools/nvml_map.c): it holds
 * declarations only.
 */
#ifndef MIGCTL_NVML_ENTRIES_H
#define MIGCTL_NVML_ENTRIES_H

#include "nvml_abi.h"

/* Structs that only the NOT_SUPPORTED stubs of the simulator hand out, and
 * only by pointer: their layout never matters to us. */
typedef struct nvmlUtilization_st nvmlUtilization_t;
typedef struct nvmlGpuFabricInfo_st nvmlGpuFabricInfo_t;
typedef struct nvmlGpuFabricInfoV_st nvmlGpuFabricInfoV_t;
typedef unsigned int nvmlTemperatureSensors_t;
typedef unsigned int nvmlEnableState_t;

/* nvmlProcessInfo_v1_t: what the unversioned
 * nvmlDeviceGetComputeRunningProcesses fills (no instance IDs). migctl
 * never calls it (lib/nvml.c); the simulator exports it. */
typedef struct nvmlProcessInfo_v1_st {
	unsigned int pid;
	unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;
NVML_ABI_CHECK(sizeof(nvmlProcessInfo_v1_t) == 16);

/* Which drivers have an entry point; decides which version scripts list it.
 *   LEGACY  an early MIG driver (NVML 11.0, reference nvml-mig.md §1.2
 *           "since") has it: both simulators export it;
 *   LATER   only later drivers: the full simulator exports it, the legacy
 *           one (build/sim-legacy/) does not, so that the tests prove the
 *           binding's fallbacks. The unversioned
 *           nvmlDeviceGetComputeRunningProcesses is LATER on purpose: the
 *           legacy simulator offers only _v2, the oldest layout migctl
 *           reads;
 *   SIM     not NVML: simulator control (migsim*), exported by both. */
enum nvml_era { NVML_ERA_LEGACY, NVML_ERA_LATER, NVML_ERA_SIM };

/* X(return type, name, (parameters), era) */
#define NVML_ENTRIES(X) \
	X(nvmlReturn_t, nvmlInit, (void), LEGACY) \
	X(nvmlReturn_t, nvmlInit_v2, (void), LEGACY) \
	X(nvmlReturn_t, nvmlInitWithFlags, (unsigned int flags), LEGACY) \
	X(nvmlReturn_t, nvmlShutdown, (void), LEGACY) \
	X(const char *, nvmlErrorString, (nvmlReturn_t result), LEGACY) \
	X(nvmlReturn_t, nvmlSystemGetDriverVersion, (char *version, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlSystemGetNVMLVersion, (char *version, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlSystemGetCudaDriverVersion, (int *cudaDriverVersion), LEGACY) \
	X(nvmlReturn_t, nvmlSystemGetCudaDriverVersion_v2, (int *cudaDriverVersion), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetCount, (unsigned int *deviceCount), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetCount_v2, (unsigned int *deviceCount), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetHandleByIndex, (unsigned int index, nvmlDevice_t *device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetHandleByIndex_v2, (unsigned int index, nvmlDevice_t *device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetHandleByUUID, (const char *uuid, nvmlDevice_t *device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetHandleByPciBusId, (const char *pciBusId, nvmlDevice_t *device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetHandleByPciBusId_v2, (const char *pciBusId, nvmlDevice_t *device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetName, (nvmlDevice_t device, char *name, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetUUID, (nvmlDevice_t device, char *uuid, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetSerial, (nvmlDevice_t device, char *serial, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPciInfo, (nvmlDevice_t device, nvmlPciInfo_t *pci), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPciInfo_v2, (nvmlDevice_t device, nvmlPciInfo_t *pci), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPciInfo_v3, (nvmlDevice_t device, nvmlPciInfo_t *pci), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMinorNumber, (nvmlDevice_t device, unsigned int *minorNumber), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetIndex, (nvmlDevice_t device, unsigned int *index), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMemoryInfo, (nvmlDevice_t device, nvmlMemory_t *memory), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMemoryInfo_v2, (nvmlDevice_t device, nvmlMemory_v2_t *memory), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetArchitecture, (nvmlDevice_t device, nvmlDeviceArchitecture_t *arch), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetCudaComputeCapability, (nvmlDevice_t device, int *major, int *minor), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetAttributes, (nvmlDevice_t device, nvmlDeviceAttributes_t *attributes), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetAttributes_v2, (nvmlDevice_t device, nvmlDeviceAttributes_t *attributes), LATER) \
	X(nvmlReturn_t, nvmlDeviceSetMigMode, (nvmlDevice_t device, unsigned int mode, nvmlReturn_t *activationStatus), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMigMode, (nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceProfileInfo, (nvmlDevice_t device, unsigned int profile, nvmlGpuInstanceProfileInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceProfileInfoV, (nvmlDevice_t device, unsigned int profile, nvmlGpuInstanceProfileInfo_v2_t *info), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceProfileInfoByIdV, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstanceProfileInfo_v2_t *info), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstancePossiblePlacements, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstancePlacement_t *placements, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstancePossiblePlacements_v2, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstancePlacement_t *placements, unsigned int *count), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceRemainingCapacity, (nvmlDevice_t device, unsigned int profileId, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceCreateGpuInstance, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstance_t *gpuInstance), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceCreateGpuInstanceWithPlacement, (nvmlDevice_t device, unsigned int profileId, const nvmlGpuInstancePlacement_t *placement, nvmlGpuInstance_t *gpuInstance), LATER) \
	X(nvmlReturn_t, nvmlGpuInstanceDestroy, (nvmlGpuInstance_t gpuInstance), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstances, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstance_t *gpuInstances, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceById, (nvmlDevice_t device, unsigned int id, nvmlGpuInstance_t *gpuInstance), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetInfo, (nvmlGpuInstance_t gpuInstance, nvmlGpuInstanceInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceProfileInfo, (nvmlGpuInstance_t gpuInstance, unsigned int profile, unsigned int engProfile, nvmlComputeInstanceProfileInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceProfileInfoV, (nvmlGpuInstance_t gpuInstance, unsigned int profile, unsigned int engProfile, nvmlComputeInstanceProfileInfo_v2_t *info), LATER) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceRemainingCapacity, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstancePossiblePlacements, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, nvmlComputeInstancePlacement_t *placements, unsigned int *count), LATER) \
	X(nvmlReturn_t, nvmlGpuInstanceCreateComputeInstance, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, nvmlComputeInstance_t *computeInstance), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceCreateComputeInstanceWithPlacement, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, const nvmlComputeInstancePlacement_t *placement, nvmlComputeInstance_t *computeInstance), LATER) \
	X(nvmlReturn_t, nvmlComputeInstanceDestroy, (nvmlComputeInstance_t computeInstance), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstances, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, nvmlComputeInstance_t *computeInstances, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceById, (nvmlGpuInstance_t gpuInstance, unsigned int id, nvmlComputeInstance_t *computeInstance), LEGACY) \
	X(nvmlReturn_t, nvmlComputeInstanceGetInfo, (nvmlComputeInstance_t computeInstance, nvmlComputeInstanceInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlComputeInstanceGetInfo_v2, (nvmlComputeInstance_t computeInstance, nvmlComputeInstanceInfo_t *info), LATER) \
	X(nvmlReturn_t, nvmlDeviceIsMigDeviceHandle, (nvmlDevice_t device, unsigned int *isMigDevice), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceId, (nvmlDevice_t device, unsigned int *id), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetComputeInstanceId, (nvmlDevice_t device, unsigned int *id), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMaxMigDeviceCount, (nvmlDevice_t device, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMigDeviceHandleByIndex, (nvmlDevice_t device, unsigned int index, nvmlDevice_t *migDevice), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetDeviceHandleFromMigDeviceHandle, (nvmlDevice_t migDevice, nvmlDevice_t *device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_v1_t *infos), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses_v2, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses_v3, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGpuFabricInfo, (nvmlDevice_t device, nvmlGpuFabricInfo_t *gpuFabricInfo), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGpuFabricInfoV, (nvmlDevice_t device, nvmlGpuFabricInfoV_t *gpuFabricInfo), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetUtilizationRates, (nvmlDevice_t device, nvmlUtilization_t *utilization), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetTemperature, (nvmlDevice_t device, nvmlTemperatureSensors_t sensorType, unsigned int *temp), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPowerUsage, (nvmlDevice_t device, unsigned int *power), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPersistenceMode, (nvmlDevice_t device, nvmlEnableState_t *mode), LEGACY) \
	X(int, migsimResetGpu, (unsigned int index), SIM) \
	X(int, migsimSetStateDir, (const char *dir), SIM)

/* NAME_fn: the function type of each entry point. */
#define NVML_ENTRY_FN_TYPEDEF(ret, name, params, era) typedef ret name##_fn params;
NVML_ENTRIES(NVML_ENTRY_FN_TYPEDEF)
#undef NVML_ENTRY_FN_TYPEDEF

/* B(field, newest name, older names...): what the binding resolves into
 * `struct migctl_nvml_api`, trying the names in order. The field's type is
 * the newest name's; every older name must have the same type (lib/nvml.c
 * checks it at compile time), so no fallback can hand out a pointer of
 * another signature. */
#define NVML_BINDINGS(B) \
	B(Init, nvmlInit_v2, nvmlInit) \
	B(Shutdown, nvmlShutdown) \
	B(ErrorString, nvmlErrorString) \
	B(SystemGetDriverVersion, nvmlSystemGetDriverVersion) \
	B(SystemGetNVMLVersion, nvmlSystemGetNVMLVersion) \
	B(SystemGetCudaDriverVersion, nvmlSystemGetCudaDriverVersion_v2, \
	  nvmlSystemGetCudaDriverVersion) \
	B(DeviceGetCount, nvmlDeviceGetCount_v2, nvmlDeviceGetCount) \
	B(DeviceGetHandleByIndex, nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetHandleByIndex) \
	B(DeviceGetName, nvmlDeviceGetName) \
	B(DeviceGetUUID, nvmlDeviceGetUUID) \
	/* The v1 struct is a prefix of ours up to pciSubSystemId (its bus ID \
	 * sits where busIdLegacy is); node.c copes with an empty busId. */ \
	B(DeviceGetPciInfo, nvmlDeviceGetPciInfo_v3, nvmlDeviceGetPciInfo_v2, \
	  nvmlDeviceGetPciInfo) \
	B(DeviceGetMinorNumber, nvmlDeviceGetMinorNumber) \
	B(DeviceGetMemoryInfo, nvmlDeviceGetMemoryInfo) \
	B(DeviceGetArchitecture, nvmlDeviceGetArchitecture) \
	B(DeviceGetAttributes, nvmlDeviceGetAttributes_v2, nvmlDeviceGetAttributes) \
	/* nvmlProcessInfo_t is the 24-byte v2 layout that _v2 and _v3 fill; \
	 * the unversioned function writes 16-byte entries: never use it (its \
	 * type differs, so the compile-time check refuses it here). */ \
	B(DeviceGetComputeRunningProcesses, nvmlDeviceGetComputeRunningProcesses_v3, \
	  nvmlDeviceGetComputeRunningProcesses_v2) \
	B(DeviceGetMigMode, nvmlDeviceGetMigMode) \
	B(DeviceSetMigMode, nvmlDeviceSetMigMode) \
	B(DeviceGetGpuInstanceProfileInfo, nvmlDeviceGetGpuInstanceProfileInfo) \
	B(DeviceGetGpuInstanceProfileInfoV, nvmlDeviceGetGpuInstanceProfileInfoV) \
	B(DeviceGetGpuInstancePossiblePlacements, nvmlDeviceGetGpuInstancePossiblePlacements_v2, \
	  nvmlDeviceGetGpuInstancePossiblePlacements) \
	B(DeviceGetGpuInstanceRemainingCapacity, nvmlDeviceGetGpuInstanceRemainingCapacity) \
	B(DeviceCreateGpuInstance, nvmlDeviceCreateGpuInstance) \
	B(DeviceCreateGpuInstanceWithPlacement, nvmlDeviceCreateGpuInstanceWithPlacement) \
	B(GpuInstanceDestroy, nvmlGpuInstanceDestroy) \
	B(DeviceGetGpuInstances, nvmlDeviceGetGpuInstances) \
	B(DeviceGetGpuInstanceById, nvmlDeviceGetGpuInstanceById) \
	B(GpuInstanceGetInfo, nvmlGpuInstanceGetInfo) \
	B(GpuInstanceGetComputeInstanceProfileInfo, nvmlGpuInstanceGetComputeInstanceProfileInfo) \
	B(GpuInstanceGetComputeInstanceProfileInfoV, nvmlGpuInstanceGetComputeInstanceProfileInfoV) \
	B(GpuInstanceGetComputeInstanceRemainingCapacity, \
	  nvmlGpuInstanceGetComputeInstanceRemainingCapacity) \
	B(GpuInstanceGetComputeInstancePossiblePlacements, \
	  nvmlGpuInstanceGetComputeInstancePossiblePlacements) \
	B(GpuInstanceCreateComputeInstance, nvmlGpuInstanceCreateComputeInstance) \
	B(GpuInstanceCreateComputeInstanceWithPlacement, \
	  nvmlGpuInstanceCreateComputeInstanceWithPlacement) \
	B(ComputeInstanceDestroy, nvmlComputeInstanceDestroy) \
	B(GpuInstanceGetComputeInstances, nvmlGpuInstanceGetComputeInstances) \
	B(GpuInstanceGetComputeInstanceById, nvmlGpuInstanceGetComputeInstanceById) \
	/* The unversioned call leaves the placement unset; node.c zeroes it. */ \
	B(ComputeInstanceGetInfo, nvmlComputeInstanceGetInfo_v2, nvmlComputeInstanceGetInfo) \
	B(DeviceGetMaxMigDeviceCount, nvmlDeviceGetMaxMigDeviceCount) \
	B(DeviceGetMigDeviceHandleByIndex, nvmlDeviceGetMigDeviceHandleByIndex) \
	B(DeviceGetGpuInstanceId, nvmlDeviceGetGpuInstanceId) \
	B(DeviceGetComputeInstanceId, nvmlDeviceGetComputeInstanceId) \
	/* The simulator's own: NULL on a real driver. */ \
	B(SimResetGpu, migsimResetGpu) \
	B(SimSetStateDir, migsimSetStateDir)

/* Helpers for the variadic name lists of NVML_BINDINGS (up to 3 names). */
#define NVML_CAT_(a, b) a##b
#define NVML_CAT(a, b) NVML_CAT_(a, b)
#define NVML_FN(name) NVML_CAT(name, _fn)
#define NVML_FIRST_(a, ...) a
#define NVML_FIRST(...) NVML_FIRST_(__VA_ARGS__, ~)
#define NVML_NARGS_(a, b, c, n, ...) n
#define NVML_NARGS(...) NVML_NARGS_(__VA_ARGS__, 3, 2, 1, ~)
/* NVML_EACH(M, ctx, a, b, ...) expands to M(ctx, a) M(ctx, b) ... */
#define NVML_EACH_1(M, ctx, a) M(ctx, a)
#define NVML_EACH_2(M, ctx, a, ...) M(ctx, a) NVML_EACH_1(M, ctx, __VA_ARGS__)
#define NVML_EACH_3(M, ctx, a, ...) M(ctx, a) NVML_EACH_2(M, ctx, __VA_ARGS__)
#define NVML_EACH(M, ctx, ...) NVML_CAT(NVML_EACH_, NVML_NARGS(__VA_ARGS__))(M, ctx, __VA_ARGS__)

#endif
