/* migctl — internal: the NVML types of the monitoring calls (telemetry,
 * field values, events, GPM) that the simulator exports, written from
 * NVIDIA's public nvml.h facts (reference/nvml-mig.md §1, §4). Layouts are
 * pinned below for x86-64 LP64, like lib/nvml_abi.h's. Declarations only:
 * tools/nvml_map.c includes it through lib/nvml_entries.h. */
#ifndef MIGCTL_NVML_ABI_MONITOR_H
#define MIGCTL_NVML_ABI_MONITOR_H

#include "nvml_abi.h"

typedef unsigned int nvmlTemperatureSensors_t;  /* NVML_TEMPERATURE_GPU = 0 */
typedef unsigned int nvmlEnableState_t;         /* 0 disabled, 1 enabled */
typedef unsigned int nvmlClockType_t;           /* graphics 0, SM 1, mem 2, video 3 */
typedef unsigned int nvmlClockId_t;             /* current 0, app target 1, app default 2, boost max 3 */
typedef unsigned int nvmlPstates_t;             /* P0 = 0 ... P15, unknown 32 */
typedef unsigned int nvmlComputeMode_t;         /* default 0, exclusive process 3 */
typedef unsigned int nvmlBrandType_t;
typedef unsigned int nvmlMemoryErrorType_t;     /* corrected 0, uncorrected 1 */
typedef unsigned int nvmlEccCounterType_t;      /* volatile 0, aggregate 1 */
typedef unsigned int nvmlMemoryLocation_t;
typedef unsigned int nvmlPageRetirementCause_t;
typedef unsigned int nvmlPcieUtilCounter_t;     /* TX 0, RX 1 */
typedef unsigned int nvmlTemperatureThresholds_t;
typedef unsigned int nvmlSamplingType_t;
typedef unsigned int nvmlValueType_t;
typedef unsigned int nvmlInforomObject_t;
typedef unsigned int nvmlGpuVirtualizationMode_t;
typedef unsigned int nvmlHostVgpuMode_t;
typedef unsigned int nvmlDriverModel_t;

#define NVML_TEMPERATURE_GPU 0
#define NVML_CLOCK_GRAPHICS 0
#define NVML_CLOCK_SM 1
#define NVML_CLOCK_MEM 2
#define NVML_CLOCK_VIDEO 3
#define NVML_CLOCK_ID_CURRENT 0
#define NVML_CLOCK_ID_APP_CLOCK_TARGET 1
#define NVML_CLOCK_ID_APP_CLOCK_DEFAULT 2
#define NVML_CLOCK_ID_CUSTOMER_BOOST_MAX 3
#define NVML_BRAND_NVIDIA 14
#define NVML_TEMPERATURE_THRESHOLD_SHUTDOWN 0
#define NVML_TEMPERATURE_THRESHOLD_SLOWDOWN 1
#define NVML_TEMPERATURE_THRESHOLD_MEM_MAX 2
#define NVML_TEMPERATURE_THRESHOLD_GPU_MAX 3
#define NVML_PCIE_UTIL_TX_BYTES 0
#define NVML_PCIE_UTIL_RX_BYTES 1
#define NVML_VALUE_TYPE_DOUBLE 0
#define NVML_VALUE_TYPE_UNSIGNED_INT 1
#define NVML_VALUE_TYPE_UNSIGNED_LONG 2
#define NVML_VALUE_TYPE_UNSIGNED_LONG_LONG 3
#define NVML_VALUE_TYPE_SIGNED_LONG_LONG 4
#define NVML_INFOROM_OEM 0
#define NVML_INFOROM_ECC 1
#define NVML_INFOROM_POWER 2
#define NVML_GPU_VIRTUALIZATION_MODE_NONE 0
#define NVML_CLOCKS_THROTTLE_REASON_GPU_IDLE 0x1ULL
#define NVML_CLOCKS_THROTTLE_REASON_SW_POWER_CAP 0x4ULL
#define NVML_CLOCKS_THROTTLE_REASON_HW_SLOWDOWN 0x8ULL
#define NVML_CLOCKS_THROTTLE_REASON_SW_THERMAL 0x20ULL
#define NVML_CLOCKS_THROTTLE_REASON_HW_THERMAL 0x40ULL
#define NVML_CLOCKS_THROTTLE_REASON_HW_POWER_BRAKE 0x80ULL
#define NVML_CLOCKS_THROTTLE_REASON_APPLICATIONS_CLOCKS_SETTING 0x2ULL
#define NVML_CLOCKS_THROTTLE_REASON_SYNC_BOOST 0x10ULL
#define NVML_CLOCKS_THROTTLE_REASON_DISPLAY_CLOCK_SETTING 0x100ULL

typedef struct nvmlUtilization_st {
	unsigned int gpu;     /* percent of time a kernel ran */
	unsigned int memory;  /* percent of time memory was read or written */
} nvmlUtilization_t;

typedef struct nvmlBAR1Memory_st {
	unsigned long long bar1Total, bar1Free, bar1Used;
} nvmlBAR1Memory_t;

typedef struct nvmlRowRemapperHistogramValues_st {
	unsigned int max, high, partial, low, none;  /* banks by rows left */
} nvmlRowRemapperHistogramValues_t;

typedef struct nvmlFBCStats_st {
	unsigned int sessionsCount, averageFPS, averageLatency;
} nvmlFBCStats_t;

typedef union nvmlValue_st {
	double dVal;
	int siVal;
	unsigned int uiVal;
	unsigned long ulVal;
	unsigned long long ullVal;
	signed long long sllVal;
	unsigned short usVal;
} nvmlValue_t;

typedef struct nvmlSample_st {
	unsigned long long timeStamp;
	nvmlValue_t sampleValue;
} nvmlSample_t;

/* --- field values ------------------------------------------------------ */

#define NVML_FI_DEV_ECC_CURRENT 1
#define NVML_FI_DEV_ECC_PENDING 2
#define NVML_FI_DEV_ECC_SBE_VOL_TOTAL 3
#define NVML_FI_DEV_ECC_DBE_VOL_TOTAL 4
#define NVML_FI_DEV_ECC_SBE_AGG_TOTAL 5
#define NVML_FI_DEV_ECC_DBE_AGG_TOTAL 6
#define NVML_FI_DEV_RETIRED_SBE 29
#define NVML_FI_DEV_RETIRED_DBE 30
#define NVML_FI_DEV_RETIRED_PENDING 31
#define NVML_FI_DEV_MEMORY_TEMP 82
#define NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION 83
#define NVML_FI_DEV_NVLINK_LINK_COUNT 91
#define NVML_FI_DEV_PCIE_REPLAY_COUNTER 94
#define NVML_FI_DEV_PCIE_REPLAY_ROLLOVER_COUNTER 95
#define NVML_FI_DEV_REMAPPED_COR 142
#define NVML_FI_DEV_REMAPPED_UNC 143
#define NVML_FI_DEV_REMAPPED_PENDING 144
#define NVML_FI_DEV_REMAPPED_FAILURE 145
#define NVML_FI_DEV_IS_RESETLESS_MIG_SUPPORTED 184
/* Power and thermal limits: scopeId 0 is the GPU, 1 the module (GH200). */
#define NVML_FI_DEV_POWER_AVERAGE 185
#define NVML_FI_DEV_POWER_INSTANT 186
#define NVML_FI_DEV_POWER_MIN_LIMIT 187
#define NVML_FI_DEV_POWER_MAX_LIMIT 188
#define NVML_FI_DEV_POWER_DEFAULT_LIMIT 189
#define NVML_FI_DEV_POWER_CURRENT_LIMIT 190
#define NVML_FI_DEV_ENERGY 191
#define NVML_FI_DEV_POWER_REQUESTED_LIMIT 192
#define NVML_FI_DEV_TEMPERATURE_SHUTDOWN_TLIMIT 193
#define NVML_FI_DEV_TEMPERATURE_SLOWDOWN_TLIMIT 194
#define NVML_FI_DEV_TEMPERATURE_MEM_MAX_TLIMIT 195
#define NVML_FI_DEV_TEMPERATURE_GPU_MAX_TLIMIT 196
#define NVML_FI_DEV_IS_MIG_MODE_INDEPENDENT_MIG_QUERY_CAPABLE 199

typedef struct nvmlFieldValue_st {
	unsigned int fieldId;       /* in */
	unsigned int scopeId;       /* in: link or scope, 0 otherwise */
	long long timestamp;        /* microseconds since 1970 */
	long long latencyUsec;
	nvmlValueType_t valueType;
	nvmlReturn_t nvmlReturn;    /* per field */
	nvmlValue_t value;
} nvmlFieldValue_t;

/* --- events ------------------------------------------------------------ */

typedef struct nvmlEventSet_st *nvmlEventSet_t;

#define nvmlEventTypeSingleBitEccError 0x1ULL
#define nvmlEventTypeDoubleBitEccError 0x2ULL
#define nvmlEventTypePState 0x4ULL
#define nvmlEventTypeXidCriticalError 0x8ULL
#define nvmlEventTypeClock 0x10ULL
#define nvmlEventTypePowerSourceChange 0x80ULL
#define nvmlEventMigConfigChange 0x100ULL

typedef struct nvmlEventData_st {
	nvmlDevice_t device;
	unsigned long long eventType;
	unsigned long long eventData;       /* the XID for an XID event */
	unsigned int gpuInstanceId;         /* ~0u when not attributable */
	unsigned int computeInstanceId;
} nvmlEventData_t;

/* --- GPM (reference/nvml-mig.md §4) --------------------------------------- */

typedef struct nvmlGpmSample_st *nvmlGpmSample_t;

#define NVML_GPM_METRIC_GRAPHICS_UTIL 1
#define NVML_GPM_METRIC_SM_UTIL 2
#define NVML_GPM_METRIC_SM_OCCUPANCY 3
#define NVML_GPM_METRIC_INTEGER_UTIL 4
#define NVML_GPM_METRIC_ANY_TENSOR_UTIL 5
#define NVML_GPM_METRIC_DFMA_TENSOR_UTIL 6
#define NVML_GPM_METRIC_HMMA_TENSOR_UTIL 7
#define NVML_GPM_METRIC_IMMA_TENSOR_UTIL 9
#define NVML_GPM_METRIC_DRAM_BW_UTIL 10
#define NVML_GPM_METRIC_FP64_UTIL 11
#define NVML_GPM_METRIC_FP32_UTIL 12
#define NVML_GPM_METRIC_FP16_UTIL 13
#define NVML_GPM_METRIC_PCIE_TX_PER_SEC 20
#define NVML_GPM_METRIC_PCIE_RX_PER_SEC 21
#define NVML_GPM_METRIC_MAX 333  /* 98 and 210 in older headers: touch numMetrics only */

typedef struct {
	char *shortName;
	char *longName;
	char *unit;
} nvmlGpmMetricInfo_t;

typedef struct {
	unsigned int metricId;      /* in */
	nvmlReturn_t nvmlReturn;    /* out, per metric */
	double value;
	nvmlGpmMetricInfo_t metricInfo;
} nvmlGpmMetric_t;

typedef struct {
	unsigned int version;
	unsigned int numMetrics;
	nvmlGpmSample_t sample1;
	nvmlGpmSample_t sample2;
	nvmlGpmMetric_t metrics[NVML_GPM_METRIC_MAX];
} nvmlGpmMetricsGet_t;
#define NVML_GPM_METRICS_GET_VERSION 1

typedef struct {
	unsigned int version;
	unsigned int isSupportedDevice;
} nvmlGpmSupport_t;
#define NVML_GPM_SUPPORT_VERSION 1

NVML_ABI_CHECK(sizeof(nvmlUtilization_t) == 8);
NVML_ABI_CHECK(sizeof(nvmlBAR1Memory_t) == 24);
/* nvmlDeviceGetSramEccErrorStatus's counters (NVML 12.2): SRAM errors by
 * kind, the uncorrectable ones by unit, and whether the threshold that asks
 * for an RMA was crossed. The caller sets `version`. */
typedef struct nvmlEccSramErrorStatus_st {
	unsigned int version;
	unsigned long long aggregateUncParity;
	unsigned long long aggregateUncSecDed;
	unsigned long long aggregateCor;
	unsigned long long volatileUncParity;
	unsigned long long volatileUncSecDed;
	unsigned long long volatileCor;
	unsigned long long aggregateUncBucketL2;
	unsigned long long aggregateUncBucketSm;
	unsigned long long aggregateUncBucketPcie;
	unsigned long long aggregateUncBucketMcu;
	unsigned long long aggregateUncBucketOther;
	unsigned int bThresholdExceeded;
} nvmlEccSramErrorStatus_t;
/* NVML_STRUCT_VERSION(EccSramErrorStatus, 1): the size, version 1 in the
 * top byte (nvidia-smi 535 passes 0x1000068). */
#define nvmlEccSramErrorStatus_v1 ((unsigned)sizeof(nvmlEccSramErrorStatus_t) | (1u << 24))

/* nvmlDeviceGetGpuFabricInfo (NVML 12.2) and ...InfoV (v2, 12.4): how
 * far the GPU's registration with the NVSwitch fabric got (state, below)
 * and, once complete, its outcome (status). nvidia-smi 535 prints state
 * 3 / status 0 as "Completed" / "Success" (checked against the binary). */
#define NVML_GPU_FABRIC_UUID_LEN 16
#define NVML_GPU_FABRIC_STATE_NOT_SUPPORTED 0
#define NVML_GPU_FABRIC_STATE_NOT_STARTED 1
#define NVML_GPU_FABRIC_STATE_IN_PROGRESS 2
#define NVML_GPU_FABRIC_STATE_COMPLETED 3
typedef unsigned char nvmlGpuFabricState_t;
typedef struct nvmlGpuFabricInfo_st {
	unsigned char clusterUuid[NVML_GPU_FABRIC_UUID_LEN];
	nvmlReturn_t status;
	unsigned int cliqueId;
	nvmlGpuFabricState_t state;
} nvmlGpuFabricInfo_t;
typedef struct nvmlGpuFabricInfoV_st {
	unsigned int version;
	unsigned char clusterUuid[NVML_GPU_FABRIC_UUID_LEN];
	nvmlReturn_t status;
	unsigned int cliqueId;
	nvmlGpuFabricState_t state;
	unsigned int healthMask;
} nvmlGpuFabricInfoV_t;
#define nvmlGpuFabricInfo_v2 ((unsigned)sizeof(nvmlGpuFabricInfoV_t) | (2u << 24))

NVML_ABI_CHECK(sizeof(nvmlValue_t) == 8);
NVML_ABI_CHECK(sizeof(nvmlSample_t) == 16);
NVML_ABI_CHECK(sizeof(nvmlFieldValue_t) == 40);
NVML_ABI_CHECK(offsetof(nvmlFieldValue_t, valueType) == 24);
NVML_ABI_CHECK(offsetof(nvmlFieldValue_t, value) == 32);
NVML_ABI_CHECK(sizeof(nvmlEventData_t) == 32);
NVML_ABI_CHECK(offsetof(nvmlEventData_t, gpuInstanceId) == 24);
NVML_ABI_CHECK(sizeof(nvmlGpmMetric_t) == 40);
NVML_ABI_CHECK(offsetof(nvmlGpmMetric_t, value) == 8);
NVML_ABI_CHECK(offsetof(nvmlGpmMetricsGet_t, sample1) == 8);
NVML_ABI_CHECK(offsetof(nvmlGpmMetricsGet_t, metrics) == 24);
NVML_ABI_CHECK(sizeof(nvmlGpmSupport_t) == 8);
NVML_ABI_CHECK(sizeof(nvmlEccSramErrorStatus_t) == 104);
NVML_ABI_CHECK(sizeof(nvmlGpuFabricInfo_t) == 28);
NVML_ABI_CHECK(offsetof(nvmlGpuFabricInfo_t, state) == 24);
NVML_ABI_CHECK(sizeof(nvmlGpuFabricInfoV_t) == 36);
NVML_ABI_CHECK(offsetof(nvmlGpuFabricInfoV_t, state) == 28);
NVML_ABI_CHECK(offsetof(nvmlEccSramErrorStatus_t, bThresholdExceeded) == 96);

#endif
