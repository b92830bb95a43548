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
 *   - the simulator's version scripts, one per driver branch
 *     (tools/nvml_map.c writes them into the build directory).
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

#include "nvml_abi_monitor.h"

/* Structs that only the NOT_SUPPORTED stubs of the simulator hand out, and
 * only by pointer: their layout never matters to us. */
typedef struct nvmlBridgeChipHierarchy_st nvmlBridgeChipHierarchy_t;
typedef struct nvmlGridLicensableFeatures_st nvmlGridLicensableFeatures_t;

/* Types of the calls the simulator answers without modelling them
 * (sim/nvml_system.c, sim/nvml_stubs.c). Handles of units and vGPUs are
 * opaque, the enums are unsigned int as in nvml.h, and the structs that
 * no answer fills are incomplete. */
typedef struct nvmlUnit_st *nvmlUnit_t;
typedef struct nvmlUnitInfo_st nvmlUnitInfo_t;
typedef struct nvmlLedState_st nvmlLedState_t;
typedef struct nvmlPSUInfo_st nvmlPSUInfo_t;
typedef struct nvmlUnitFanSpeeds_st nvmlUnitFanSpeeds_t;
typedef struct nvmlExcludedDeviceInfo_st nvmlExcludedDeviceInfo_t;
typedef unsigned int nvmlLedColor_t;
typedef unsigned int nvmlGpuTopologyLevel_t;
typedef unsigned int nvmlGpuP2PCapsIndex_t;
typedef unsigned int nvmlGpuP2PStatus_t;
typedef unsigned int nvmlAffinityScope_t;
typedef unsigned int nvmlBusType_t;
typedef unsigned int nvmlVgpuTypeId_t;
typedef unsigned int nvmlVgpuInstance_t;
typedef unsigned int nvmlVgpuVmIdType_t;
typedef struct nvmlVgpuVersion_st nvmlVgpuVersion_t;
typedef struct nvmlVgpuLicenseInfo_st nvmlVgpuLicenseInfo_t;

/* nvmlHwbcEntry_t: a host interface card's ID and firmware version. */
typedef struct nvmlHwbcEntry_st {
	unsigned int hwbcId;
	char firmwareVersion[32];
} nvmlHwbcEntry_t;
NVML_ABI_CHECK(sizeof(nvmlHwbcEntry_t) == 36);

/* Confidential computing: the system's state and capabilities (12.2). */
typedef struct nvmlConfComputeSystemState_st {
	unsigned int environment;
	unsigned int ccFeature;
	unsigned int devToolsMode;
} nvmlConfComputeSystemState_t;
NVML_ABI_CHECK(sizeof(nvmlConfComputeSystemState_t) == 12);
typedef struct nvmlConfComputeSystemCaps_st {
	unsigned int cpuCaps;
	unsigned int gpusCaps;
} nvmlConfComputeSystemCaps_t;
NVML_ABI_CHECK(sizeof(nvmlConfComputeSystemCaps_t) == 8);

/* nvmlProcessInfo_v1_t: what the unversioned
 * nvmlDeviceGetComputeRunningProcesses fills (no instance IDs). migctl
 * never calls it (lib/nvml.c); the simulator exports it. */
typedef struct nvmlProcessInfo_v1_st {
	unsigned int pid;
	unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;
NVML_ABI_CHECK(sizeof(nvmlProcessInfo_v1_t) == 16);

/* Which drivers have an entry point: the oldest driver branch that exports
 * it, among the four the simulator models (`migsim init --driver`). Each
 * branch gets its own library, build/sim-<branch>/ (build/sim/ is the
 * newest), whose version script lists the entries of that branch and
 * older, as a real driver of that branch lacks the newer symbols.
 *   R450  NVML 11.0, the first MIG driver (reference nvml-mig.md §1.2
 *         "since" 11.0); LEGACY is the same branch, and build/sim-legacy/
 *         its library, on which the CLI tests prove the binding's
 *         fallbacks;
 *   R515  NVML 11.7: calls the header gained in 11.1 to 11.7;
 *   R535  NVML 12.2: calls of 12.0 to 12.2;
 *   R580  NVML 13.0: calls of 12.3 and later; LATER is the same branch.
 * The unversioned nvmlDeviceGetComputeRunningProcesses is R515 on
 * purpose: the R450 library offers only _v2, the oldest layout migctl
 * reads, so that the tests prove migctl never needs the v1 layout.
 *   SIM   not NVML: simulator control (migsim*), exported by every branch. */
enum nvml_era {
	NVML_ERA_SIM = 0,
	NVML_ERA_R450 = 450,
	NVML_ERA_R515 = 515,
	NVML_ERA_R535 = 535,
	NVML_ERA_R580 = 580,
	NVML_ERA_LEGACY = NVML_ERA_R450,
	NVML_ERA_LATER = NVML_ERA_R580,
};

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
	X(nvmlReturn_t, nvmlDeviceGetMemoryInfo_v2, (nvmlDevice_t device, nvmlMemory_v2_t *memory), R515) \
	X(nvmlReturn_t, nvmlDeviceGetArchitecture, (nvmlDevice_t device, nvmlDeviceArchitecture_t *arch), R515) \
	X(nvmlReturn_t, nvmlDeviceGetCudaComputeCapability, (nvmlDevice_t device, int *major, int *minor), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetAttributes, (nvmlDevice_t device, nvmlDeviceAttributes_t *attributes), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetAttributes_v2, (nvmlDevice_t device, nvmlDeviceAttributes_t *attributes), R515) \
	X(nvmlReturn_t, nvmlDeviceSetMigMode, (nvmlDevice_t device, unsigned int mode, nvmlReturn_t *activationStatus), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMigMode, (nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceProfileInfo, (nvmlDevice_t device, unsigned int profile, nvmlGpuInstanceProfileInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceProfileInfoV, (nvmlDevice_t device, unsigned int profile, nvmlGpuInstanceProfileInfo_v2_t *info), R515) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceProfileInfoByIdV, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstanceProfileInfo_v2_t *info), R580) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstancePossiblePlacements, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstancePlacement_t *placements, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstancePossiblePlacements_v2, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstancePlacement_t *placements, unsigned int *count), R515) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceRemainingCapacity, (nvmlDevice_t device, unsigned int profileId, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceCreateGpuInstance, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstance_t *gpuInstance), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceCreateGpuInstanceWithPlacement, (nvmlDevice_t device, unsigned int profileId, const nvmlGpuInstancePlacement_t *placement, nvmlGpuInstance_t *gpuInstance), R515) \
	X(nvmlReturn_t, nvmlGpuInstanceDestroy, (nvmlGpuInstance_t gpuInstance), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstances, (nvmlDevice_t device, unsigned int profileId, nvmlGpuInstance_t *gpuInstances, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceById, (nvmlDevice_t device, unsigned int id, nvmlGpuInstance_t *gpuInstance), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetInfo, (nvmlGpuInstance_t gpuInstance, nvmlGpuInstanceInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceProfileInfo, (nvmlGpuInstance_t gpuInstance, unsigned int profile, unsigned int engProfile, nvmlComputeInstanceProfileInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceProfileInfoV, (nvmlGpuInstance_t gpuInstance, unsigned int profile, unsigned int engProfile, nvmlComputeInstanceProfileInfo_v2_t *info), R515) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceRemainingCapacity, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstancePossiblePlacements, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, nvmlComputeInstancePlacement_t *placements, unsigned int *count), R535) \
	X(nvmlReturn_t, nvmlGpuInstanceCreateComputeInstance, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, nvmlComputeInstance_t *computeInstance), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceCreateComputeInstanceWithPlacement, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, const nvmlComputeInstancePlacement_t *placement, nvmlComputeInstance_t *computeInstance), R535) \
	X(nvmlReturn_t, nvmlComputeInstanceDestroy, (nvmlComputeInstance_t computeInstance), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstances, (nvmlGpuInstance_t gpuInstance, unsigned int profileId, nvmlComputeInstance_t *computeInstances, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlGpuInstanceGetComputeInstanceById, (nvmlGpuInstance_t gpuInstance, unsigned int id, nvmlComputeInstance_t *computeInstance), LEGACY) \
	X(nvmlReturn_t, nvmlComputeInstanceGetInfo, (nvmlComputeInstance_t computeInstance, nvmlComputeInstanceInfo_t *info), LEGACY) \
	X(nvmlReturn_t, nvmlComputeInstanceGetInfo_v2, (nvmlComputeInstance_t computeInstance, nvmlComputeInstanceInfo_t *info), R515) \
	X(nvmlReturn_t, nvmlDeviceIsMigDeviceHandle, (nvmlDevice_t device, unsigned int *isMigDevice), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuInstanceId, (nvmlDevice_t device, unsigned int *id), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetComputeInstanceId, (nvmlDevice_t device, unsigned int *id), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMaxMigDeviceCount, (nvmlDevice_t device, unsigned int *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMigDeviceHandleByIndex, (nvmlDevice_t device, unsigned int index, nvmlDevice_t *migDevice), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetDeviceHandleFromMigDeviceHandle, (nvmlDevice_t migDevice, nvmlDevice_t *device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_v1_t *infos), R515) \
	X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses_v2, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetComputeRunningProcesses_v3, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos), R515) \
	X(nvmlReturn_t, nvmlDeviceGetGpuFabricInfo, (nvmlDevice_t device, nvmlGpuFabricInfo_t *gpuFabricInfo), R535) \
	X(nvmlReturn_t, nvmlDeviceGetGpuFabricInfoV, (nvmlDevice_t device, nvmlGpuFabricInfoV_t *gpuFabricInfo), R580) \
	X(nvmlReturn_t, nvmlDeviceGetUtilizationRates, (nvmlDevice_t device, nvmlUtilization_t *utilization), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetTemperature, (nvmlDevice_t device, nvmlTemperatureSensors_t sensorType, unsigned int *temp), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPowerUsage, (nvmlDevice_t device, unsigned int *power), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPersistenceMode, (nvmlDevice_t device, nvmlEnableState_t *mode), LEGACY) \
	X(nvmlReturn_t, nvmlInternalGetExportTable, (const void **ppExportTable, const void *pExportTableId), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetTemperatureThreshold, (nvmlDevice_t device, nvmlTemperatureThresholds_t thresholdType, unsigned int *temp), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPowerManagementMode, (nvmlDevice_t device, nvmlEnableState_t *mode), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPowerManagementLimit, (nvmlDevice_t device, unsigned int *limit), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPowerManagementDefaultLimit, (nvmlDevice_t device, unsigned int *defaultLimit), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPowerManagementLimitConstraints, (nvmlDevice_t device, unsigned int *minLimit, unsigned int *maxLimit), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetEnforcedPowerLimit, (nvmlDevice_t device, unsigned int *limit), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetTotalEnergyConsumption, (nvmlDevice_t device, unsigned long long *energy), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetFanSpeed, (nvmlDevice_t device, unsigned int *speed), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetClockInfo, (nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMaxClockInfo, (nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetClock, (nvmlDevice_t device, nvmlClockType_t clockType, nvmlClockId_t clockId, unsigned int *clockMHz), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetApplicationsClock, (nvmlDevice_t device, nvmlClockType_t clockType, unsigned int *clockMHz), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetDefaultApplicationsClock, (nvmlDevice_t device, nvmlClockType_t clockType, unsigned int *clockMHz), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetAutoBoostedClocksEnabled, (nvmlDevice_t device, nvmlEnableState_t *isEnabled, nvmlEnableState_t *defaultIsEnabled), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetSupportedMemoryClocks, (nvmlDevice_t device, unsigned int *count, unsigned int *clocksMHz), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetSupportedGraphicsClocks, (nvmlDevice_t device, unsigned int memoryClockMHz, unsigned int *count, unsigned int *clocksMHz), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetCurrentClocksThrottleReasons, (nvmlDevice_t device, unsigned long long *clocksThrottleReasons), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetSupportedClocksThrottleReasons, (nvmlDevice_t device, unsigned long long *supportedClocksThrottleReasons), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPerformanceState, (nvmlDevice_t device, nvmlPstates_t *pState), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetEncoderUtilization, (nvmlDevice_t device, unsigned int *utilization, unsigned int *samplingPeriodUs), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetDecoderUtilization, (nvmlDevice_t device, unsigned int *utilization, unsigned int *samplingPeriodUs), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetJpgUtilization, (nvmlDevice_t device, unsigned int *utilization, unsigned int *samplingPeriodUs), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetOfaUtilization, (nvmlDevice_t device, unsigned int *utilization, unsigned int *samplingPeriodUs), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetEncoderStats, (nvmlDevice_t device, unsigned int *sessionCount, unsigned int *averageFps, unsigned int *averageLatency), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetFBCStats, (nvmlDevice_t device, nvmlFBCStats_t *fbcStats), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetSamples, (nvmlDevice_t device, nvmlSamplingType_t type, unsigned long long lastSeenTimeStamp, nvmlValueType_t *sampleValType, unsigned int *sampleCount, nvmlSample_t *samples), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetBAR1MemoryInfo, (nvmlDevice_t device, nvmlBAR1Memory_t *bar1Memory), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetConfComputeProtectedMemoryUsage, (nvmlDevice_t device, nvmlMemory_t *memory), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetEccMode, (nvmlDevice_t device, nvmlEnableState_t *current, nvmlEnableState_t *pending), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetTotalEccErrors, (nvmlDevice_t device, nvmlMemoryErrorType_t errorType, nvmlEccCounterType_t counterType, unsigned long long *eccCounts), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMemoryErrorCounter, (nvmlDevice_t device, nvmlMemoryErrorType_t errorType, nvmlEccCounterType_t counterType, nvmlMemoryLocation_t locationType, unsigned long long *count), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetRetiredPages, (nvmlDevice_t device, nvmlPageRetirementCause_t cause, unsigned int *pageCount, unsigned long long *addresses), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetRetiredPagesPendingStatus, (nvmlDevice_t device, nvmlEnableState_t *isPending), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetRemappedRows, (nvmlDevice_t device, unsigned int *corrRows, unsigned int *uncRows, unsigned int *isPending, unsigned int *failureOccurred), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetRowRemapperHistogram, (nvmlDevice_t device, nvmlRowRemapperHistogramValues_t *values), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetSramEccErrorStatus, (nvmlDevice_t device, nvmlEccSramErrorStatus_t *status), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetCurrPcieLinkGeneration, (nvmlDevice_t device, unsigned int *currLinkGen), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetCurrPcieLinkWidth, (nvmlDevice_t device, unsigned int *currLinkWidth), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMaxPcieLinkGeneration, (nvmlDevice_t device, unsigned int *maxLinkGen), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMaxPcieLinkWidth, (nvmlDevice_t device, unsigned int *maxLinkWidth), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuMaxPcieLinkGeneration, (nvmlDevice_t device, unsigned int *maxLinkGenDevice), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetPcieThroughput, (nvmlDevice_t device, nvmlPcieUtilCounter_t counter, unsigned int *value), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetPcieReplayCounter, (nvmlDevice_t device, unsigned int *value), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetComputeMode, (nvmlDevice_t device, nvmlComputeMode_t *mode), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetDisplayMode, (nvmlDevice_t device, nvmlEnableState_t *display), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetDisplayActive, (nvmlDevice_t device, nvmlEnableState_t *isActive), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetDriverModel, (nvmlDevice_t device, nvmlDriverModel_t *current, nvmlDriverModel_t *pending), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGpuOperationMode, (nvmlDevice_t device, unsigned int *current, unsigned int *pending), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetVirtualizationMode, (nvmlDevice_t device, nvmlGpuVirtualizationMode_t *pVirtualMode), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetHostVgpuMode, (nvmlDevice_t device, nvmlHostVgpuMode_t *pHostVgpuMode), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGridLicensableFeatures_v4, (nvmlDevice_t device, nvmlGridLicensableFeatures_t *pGridLicensableFeatures), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetBoardId, (nvmlDevice_t device, unsigned int *boardId), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetMultiGpuBoard, (nvmlDevice_t device, unsigned int *multiGpuBool), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetBoardPartNumber, (nvmlDevice_t device, char *partNumber, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetBrand, (nvmlDevice_t device, nvmlBrandType_t *type), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetBridgeChipInfo, (nvmlDevice_t device, nvmlBridgeChipHierarchy_t *bridgeHierarchy), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetVbiosVersion, (nvmlDevice_t device, char *version, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetInforomImageVersion, (nvmlDevice_t device, char *version, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetInforomVersion, (nvmlDevice_t device, nvmlInforomObject_t object, char *version, unsigned int length), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceValidateInforom, (nvmlDevice_t device), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetLastBBXFlushTime, (nvmlDevice_t device, unsigned long long *timestamp, unsigned long *durationUs), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetModuleId, (nvmlDevice_t device, unsigned int *moduleId), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGspFirmwareVersion, (nvmlDevice_t device, char *version), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGspFirmwareMode, (nvmlDevice_t device, unsigned int *isEnabled, unsigned int *defaultMode), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetAccountingMode, (nvmlDevice_t device, nvmlEnableState_t *mode), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetAccountingBufferSize, (nvmlDevice_t device, unsigned int *bufferSize), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetAccountingPids, (nvmlDevice_t device, unsigned int *count, unsigned int *pids), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGraphicsRunningProcesses, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_v1_t *infos), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetGraphicsRunningProcesses_v2, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetGraphicsRunningProcesses_v3, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetMPSComputeRunningProcesses_v3, (nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos), LATER) \
	X(nvmlReturn_t, nvmlDeviceGetFieldValues, (nvmlDevice_t device, int valuesCount, nvmlFieldValue_t *values), LEGACY) \
	X(nvmlReturn_t, nvmlEventSetCreate, (nvmlEventSet_t *set), LEGACY) \
	X(nvmlReturn_t, nvmlEventSetFree, (nvmlEventSet_t set), LEGACY) \
	X(nvmlReturn_t, nvmlEventSetWait, (nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms), LEGACY) \
	X(nvmlReturn_t, nvmlEventSetWait_v2, (nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceRegisterEvents, (nvmlDevice_t device, unsigned long long eventTypes, nvmlEventSet_t set), LEGACY) \
	X(nvmlReturn_t, nvmlDeviceGetSupportedEventTypes, (nvmlDevice_t device, unsigned long long *eventTypes), LEGACY) \
	X(nvmlReturn_t, nvmlGpmQueryDeviceSupport, (nvmlDevice_t device, nvmlGpmSupport_t *gpmSupport), LATER) \
	X(nvmlReturn_t, nvmlGpmQueryIfStreamingEnabled, (nvmlDevice_t device, unsigned int *state), LATER) \
	X(nvmlReturn_t, nvmlGpmSetStreamingEnabled, (nvmlDevice_t device, unsigned int state), LATER) \
	X(nvmlReturn_t, nvmlGpmSampleAlloc, (nvmlGpmSample_t *gpmSample), LATER) \
	X(nvmlReturn_t, nvmlGpmSampleFree, (nvmlGpmSample_t gpmSample), LATER) \
	X(nvmlReturn_t, nvmlGpmSampleGet, (nvmlDevice_t device, nvmlGpmSample_t gpmSample), LATER) \
	X(nvmlReturn_t, nvmlGpmMigSampleGet, (nvmlDevice_t device, unsigned int gpuInstanceId, nvmlGpmSample_t gpmSample), LATER) \
	X(nvmlReturn_t, nvmlGpmMetricsGet, (nvmlGpmMetricsGet_t *metricsGet), LATER) \
	X(nvmlReturn_t, nvmlSystemGetProcessName, (unsigned int pid, char *name, unsigned int length), R450) \
	X(nvmlReturn_t, nvmlSystemGetHicVersion, (unsigned int *hwbcCount, nvmlHwbcEntry_t *hwbcEntries), R450) \
	X(nvmlReturn_t, nvmlSystemGetTopologyGpuSet, (unsigned int cpuNumber, unsigned int *count, nvmlDevice_t *deviceArray), R450) \
	X(nvmlReturn_t, nvmlSystemGetConfComputeState, (nvmlConfComputeSystemState_t *state), R535) \
	X(nvmlReturn_t, nvmlSystemGetConfComputeCapabilities, (nvmlConfComputeSystemCaps_t *capabilities), R535) \
	X(nvmlReturn_t, nvmlGetExcludedDeviceCount, (unsigned int *deviceCount), R515) \
	X(nvmlReturn_t, nvmlGetExcludedDeviceInfoByIndex, (unsigned int index, nvmlExcludedDeviceInfo_t *info), R515) \
	X(nvmlReturn_t, nvmlUnitGetCount, (unsigned int *unitCount), R450) \
	X(nvmlReturn_t, nvmlUnitGetHandleByIndex, (unsigned int index, nvmlUnit_t *unit), R450) \
	X(nvmlReturn_t, nvmlUnitGetUnitInfo, (nvmlUnit_t unit, nvmlUnitInfo_t *info), R450) \
	X(nvmlReturn_t, nvmlUnitGetLedState, (nvmlUnit_t unit, nvmlLedState_t *state), R450) \
	X(nvmlReturn_t, nvmlUnitGetPsuInfo, (nvmlUnit_t unit, nvmlPSUInfo_t *psu), R450) \
	X(nvmlReturn_t, nvmlUnitGetTemperature, (nvmlUnit_t unit, unsigned int type, unsigned int *temp), R450) \
	X(nvmlReturn_t, nvmlUnitGetFanSpeedInfo, (nvmlUnit_t unit, nvmlUnitFanSpeeds_t *fanSpeeds), R450) \
	X(nvmlReturn_t, nvmlUnitGetDevices, (nvmlUnit_t unit, unsigned int *deviceCount, nvmlDevice_t *devices), R450) \
	X(nvmlReturn_t, nvmlUnitSetLedState, (nvmlUnit_t unit, nvmlLedColor_t color), R450) \
	X(nvmlReturn_t, nvmlDeviceGetHandleBySerial, (const char *serial, nvmlDevice_t *device), R450) \
	X(nvmlReturn_t, nvmlDeviceOnSameBoard, (nvmlDevice_t device1, nvmlDevice_t device2, int *onSameBoard), R450) \
	X(nvmlReturn_t, nvmlDeviceGetBusType, (nvmlDevice_t device, nvmlBusType_t *type), R515) \
	X(nvmlReturn_t, nvmlDeviceGetTopologyCommonAncestor, (nvmlDevice_t device1, nvmlDevice_t device2, nvmlGpuTopologyLevel_t *pathInfo), R450) \
	X(nvmlReturn_t, nvmlDeviceGetTopologyNearestGpus, (nvmlDevice_t device, nvmlGpuTopologyLevel_t level, unsigned int *count, nvmlDevice_t *deviceArray), R450) \
	X(nvmlReturn_t, nvmlDeviceGetP2PStatus, (nvmlDevice_t device1, nvmlDevice_t device2, nvmlGpuP2PCapsIndex_t p2pIndex, nvmlGpuP2PStatus_t *p2pStatus), R450) \
	X(nvmlReturn_t, nvmlDeviceGetCpuAffinity, (nvmlDevice_t device, unsigned int cpuSetSize, unsigned long *cpuSet), R450) \
	X(nvmlReturn_t, nvmlDeviceSetCpuAffinity, (nvmlDevice_t device), R450) \
	X(nvmlReturn_t, nvmlDeviceClearCpuAffinity, (nvmlDevice_t device), R450) \
	X(nvmlReturn_t, nvmlDeviceGetCpuAffinityWithinScope, (nvmlDevice_t device, unsigned int cpuSetSize, unsigned long *cpuSet, nvmlAffinityScope_t scope), R515) \
	X(nvmlReturn_t, nvmlDeviceGetMemoryAffinity, (nvmlDevice_t device, unsigned int nodeSetSize, unsigned long *nodeSet, nvmlAffinityScope_t scope), R515) \
	X(nvmlReturn_t, nvmlDeviceGetDriverModel_v2, (nvmlDevice_t device, nvmlDriverModel_t *current, nvmlDriverModel_t *pending), R580) \
	X(nvmlReturn_t, nvmlDeviceGetSupportedVgpus, (nvmlDevice_t device, unsigned int *vgpuCount, nvmlVgpuTypeId_t *vgpuTypeIds), R450) \
	X(nvmlReturn_t, nvmlDeviceGetCreatableVgpus, (nvmlDevice_t device, unsigned int *vgpuCount, nvmlVgpuTypeId_t *vgpuTypeIds), R450) \
	X(nvmlReturn_t, nvmlDeviceGetActiveVgpus, (nvmlDevice_t device, unsigned int *vgpuCount, nvmlVgpuInstance_t *vgpuInstances), R450) \
	X(nvmlReturn_t, nvmlGetVgpuVersion, (nvmlVgpuVersion_t *supported, nvmlVgpuVersion_t *current), R515) \
	X(nvmlReturn_t, nvmlVgpuTypeGetName, (nvmlVgpuTypeId_t vgpuTypeId, char *vgpuTypeName, unsigned int *size), R450) \
	X(nvmlReturn_t, nvmlVgpuTypeGetClass, (nvmlVgpuTypeId_t vgpuTypeId, char *vgpuTypeClass, unsigned int *size), R450) \
	X(nvmlReturn_t, nvmlVgpuTypeGetFramebufferSize, (nvmlVgpuTypeId_t vgpuTypeId, unsigned long long *fbSize), R450) \
	X(nvmlReturn_t, nvmlVgpuTypeGetMaxInstances, (nvmlDevice_t device, nvmlVgpuTypeId_t vgpuTypeId, unsigned int *vgpuInstanceCount), R450) \
	X(nvmlReturn_t, nvmlVgpuInstanceGetUUID, (nvmlVgpuInstance_t vgpuInstance, char *uuid, unsigned int size), R450) \
	X(nvmlReturn_t, nvmlVgpuInstanceGetVmID, (nvmlVgpuInstance_t vgpuInstance, char *vmId, unsigned int size, nvmlVgpuVmIdType_t *vmIdType), R450) \
	X(nvmlReturn_t, nvmlVgpuInstanceGetType, (nvmlVgpuInstance_t vgpuInstance, nvmlVgpuTypeId_t *vgpuTypeId), R450) \
	X(nvmlReturn_t, nvmlVgpuInstanceGetFbUsage, (nvmlVgpuInstance_t vgpuInstance, unsigned long long *fbUsage), R450) \
	X(nvmlReturn_t, nvmlVgpuInstanceGetLicenseInfo_v2, (nvmlVgpuInstance_t vgpuInstance, nvmlVgpuLicenseInfo_t *licenseInfo), R515) \
	X(int, migsimResetGpu, (unsigned int index), SIM) \
	X(int, migsimSetStateDir, (const char *dir), SIM) \
	X(int, migsimLastStateError, (char *msg, unsigned int len), SIM)

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
	/* The sampler (lib/sample*.c): telemetry, events and GPM. */ \
	B(DeviceGetClockInfo, nvmlDeviceGetClockInfo) \
	B(DeviceGetTemperature, nvmlDeviceGetTemperature) \
	B(DeviceGetPowerUsage, nvmlDeviceGetPowerUsage) \
	B(DeviceGetTotalEnergyConsumption, nvmlDeviceGetTotalEnergyConsumption) \
	B(DeviceGetUtilizationRates, nvmlDeviceGetUtilizationRates) \
	B(DeviceGetFieldValues, nvmlDeviceGetFieldValues) \
	B(DeviceGetTotalEccErrors, nvmlDeviceGetTotalEccErrors) \
	B(EventSetCreate, nvmlEventSetCreate) \
	B(EventSetFree, nvmlEventSetFree) \
	B(EventSetWait, nvmlEventSetWait_v2, nvmlEventSetWait) \
	B(DeviceRegisterEvents, nvmlDeviceRegisterEvents) \
	B(DeviceGetSupportedEventTypes, nvmlDeviceGetSupportedEventTypes) \
	B(GpmQueryDeviceSupport, nvmlGpmQueryDeviceSupport) \
	B(GpmSampleAlloc, nvmlGpmSampleAlloc) \
	B(GpmSampleFree, nvmlGpmSampleFree) \
	B(GpmSampleGet, nvmlGpmSampleGet) \
	B(GpmMigSampleGet, nvmlGpmMigSampleGet) \
	B(GpmMetricsGet, nvmlGpmMetricsGet) \
	/* The simulator's own: NULL on a real driver. */ \
	B(SimResetGpu, migsimResetGpu) \
	B(SimSetStateDir, migsimSetStateDir) \
	B(SimLastStateError, migsimLastStateError)

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
