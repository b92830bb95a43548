/* migctl — the subset of the NVML C ABI that migctl uses and the simulator
 * implements, written from the documented facts (reference/nvml-mig.md §1).
 *
 * One header for both sides: lib/nvml.c (the client, resolving symbols with
 * dlsym) and sim/ (the driver side, exporting them). Struct layouts are
 * pinned by the static assertions at the end: they must match NVIDIA's
 * nvml.h on x86-64 LP64, or real clients (go-nvml, pynvml) break.
 *
 * Internal: not installed, not part of migctl's public API.
 */
#ifndef MIGCTL_NVML_ABI_H
#define MIGCTL_NVML_ABI_H

#include <stddef.h>

/* --- return codes ------------------------------------------------------ */

typedef enum nvmlReturn_enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NO_PERMISSION = 4,
	NVML_ERROR_ALREADY_INITIALIZED = 5,
	NVML_ERROR_NOT_FOUND = 6,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_INSUFFICIENT_POWER = 8,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_TIMEOUT = 10,
	NVML_ERROR_IRQ_ISSUE = 11,
	NVML_ERROR_LIBRARY_NOT_FOUND = 12,
	NVML_ERROR_FUNCTION_NOT_FOUND = 13,
	NVML_ERROR_CORRUPTED_INFOROM = 14,
	NVML_ERROR_GPU_IS_LOST = 15,
	NVML_ERROR_RESET_REQUIRED = 16,
	NVML_ERROR_OPERATING_SYSTEM = 17,
	NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18,
	NVML_ERROR_IN_USE = 19,
	NVML_ERROR_MEMORY = 20,
	NVML_ERROR_NO_DATA = 21,
	NVML_ERROR_VGPU_ECC_NOT_SUPPORTED = 22,
	NVML_ERROR_INSUFFICIENT_RESOURCES = 23,
	NVML_ERROR_FREQ_NOT_SUPPORTED = 24,
	NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
	NVML_ERROR_DEPRECATED = 26,
	NVML_ERROR_NOT_READY = 27,
	NVML_ERROR_GPU_NOT_FOUND = 28,
	NVML_ERROR_INVALID_STATE = 29,
	NVML_ERROR_RESET_TYPE_NOT_SUPPORTED = 30,
	NVML_ERROR_UNKNOWN = 999,
} nvmlReturn_t;

/* --- handles ----------------------------------------------------------- */

typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct nvmlGpuInstance_st *nvmlGpuInstance_t;
typedef struct nvmlComputeInstance_st *nvmlComputeInstance_t;

/* --- constants --------------------------------------------------------- */

#define NVML_STRUCT_VERSION(data, ver) \
	(unsigned int)(sizeof(nvml##data##_v##ver##_t) | ((ver) << 24U))

#define NVML_INIT_FLAG_NO_GPUS 1
#define NVML_INIT_FLAG_NO_ATTACH 2
#define NVML_INIT_FLAG_FORCE_INIT 4

#define NVML_DEVICE_MIG_DISABLE 0x0
#define NVML_DEVICE_MIG_ENABLE 0x1

#define NVML_DEVICE_NAME_V2_BUFFER_SIZE 96
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE 96
#define NVML_DEVICE_UUID_BUFFER_SIZE 80
#define NVML_DEVICE_SERIAL_BUFFER_SIZE 30
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE 32
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE 16
#define NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE 80
#define NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE 80

/* GPU-instance profile indices (argument of ...ProfileInfo, not the ID). */
#define NVML_GPU_INSTANCE_PROFILE_1_SLICE 0x0
#define NVML_GPU_INSTANCE_PROFILE_2_SLICE 0x1
#define NVML_GPU_INSTANCE_PROFILE_3_SLICE 0x2
#define NVML_GPU_INSTANCE_PROFILE_4_SLICE 0x3
#define NVML_GPU_INSTANCE_PROFILE_7_SLICE 0x4
#define NVML_GPU_INSTANCE_PROFILE_8_SLICE 0x5
#define NVML_GPU_INSTANCE_PROFILE_6_SLICE 0x6
#define NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV1 0x7
#define NVML_GPU_INSTANCE_PROFILE_2_SLICE_REV1 0x8
#define NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV2 0x9
#define NVML_GPU_INSTANCE_PROFILE_1_SLICE_GFX 0xA
#define NVML_GPU_INSTANCE_PROFILE_2_SLICE_GFX 0xB
#define NVML_GPU_INSTANCE_PROFILE_4_SLICE_GFX 0xC
#define NVML_GPU_INSTANCE_PROFILE_1_SLICE_NO_ME 0xD
#define NVML_GPU_INSTANCE_PROFILE_2_SLICE_NO_ME 0xE
#define NVML_GPU_INSTANCE_PROFILE_1_SLICE_ALL_ME 0xF
#define NVML_GPU_INSTANCE_PROFILE_2_SLICE_ALL_ME 0x10
#define NVML_GPU_INSTANCE_PROFILE_3_SLICE_GFX 0x11
#define NVML_GPU_INSTANCE_PROFILE_COUNT 0x12

#define NVML_GPU_INSTANCE_PROFILE_CAPS_P2P 0x1
#define NVML_GPU_INSTANCE_PROFILE_CAPS_GFX 0x2

/* Compute-instance profile indices (= CI profile IDs). */
#define NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE 0x0
#define NVML_COMPUTE_INSTANCE_PROFILE_2_SLICE 0x1
#define NVML_COMPUTE_INSTANCE_PROFILE_3_SLICE 0x2
#define NVML_COMPUTE_INSTANCE_PROFILE_4_SLICE 0x3
#define NVML_COMPUTE_INSTANCE_PROFILE_7_SLICE 0x4
#define NVML_COMPUTE_INSTANCE_PROFILE_8_SLICE 0x5
#define NVML_COMPUTE_INSTANCE_PROFILE_6_SLICE 0x6
#define NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE_REV1 0x7
#define NVML_COMPUTE_INSTANCE_PROFILE_7_SLICE_NVL 0x8
#define NVML_COMPUTE_INSTANCE_PROFILE_COUNT 0x9

#define NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED 0x0
#define NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_COUNT 0x1

#define NVML_COMPUTE_INSTANCE_PROFILE_CAPS_GFX 0x1

/* Process entries report this when the process is not on a MIG device. */
#define NVML_VALUE_NOT_AVAILABLE_UINT 0xFFFFFFFFu

typedef enum {
	NVML_DEVICE_ARCH_AMPERE = 7,
	NVML_DEVICE_ARCH_ADA = 8,
	NVML_DEVICE_ARCH_HOPPER = 9,
	NVML_DEVICE_ARCH_BLACKWELL = 10,
	NVML_DEVICE_ARCH_UNKNOWN = 0xffffffff,
} nvmlDeviceArchitecture_t_values;
typedef unsigned int nvmlDeviceArchitecture_t;

/* --- structs ----------------------------------------------------------- */

typedef struct nvmlPciInfo_st {
	char busIdLegacy[NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE];
	unsigned int domain;
	unsigned int bus;
	unsigned int device;
	unsigned int pciDeviceId;     /* device << 16 | vendor 0x10DE */
	unsigned int pciSubSystemId;
	char busId[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE]; /* "%08X:%02X:%02X.0" */
} nvmlPciInfo_t;

typedef struct nvmlMemory_st {
	unsigned long long total;
	unsigned long long free;
	unsigned long long used;
} nvmlMemory_t;

typedef struct nvmlMemory_v2_st {
	unsigned int version;
	unsigned long long total;
	unsigned long long reserved;
	unsigned long long free;
	unsigned long long used;
} nvmlMemory_v2_t;
#define nvmlMemory_v2 NVML_STRUCT_VERSION(Memory, 2)

typedef struct nvmlProcessInfo_st {
	unsigned int pid;
	unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId;
	unsigned int computeInstanceId;
} nvmlProcessInfo_t;

typedef struct nvmlDeviceAttributes_st {
	unsigned int multiprocessorCount;
	unsigned int sharedCopyEngineCount;
	unsigned int sharedDecoderCount;
	unsigned int sharedEncoderCount;
	unsigned int sharedJpegCount;
	unsigned int sharedOfaCount;
	unsigned int gpuInstanceSliceCount;
	unsigned int computeInstanceSliceCount;
	unsigned long long memorySizeMB;
} nvmlDeviceAttributes_t;

typedef struct nvmlGpuInstancePlacement_st {
	unsigned int start;
	unsigned int size;
} nvmlGpuInstancePlacement_t;

typedef struct nvmlGpuInstanceProfileInfo_st {
	unsigned int id;
	unsigned int isP2pSupported;
	unsigned int sliceCount;
	unsigned int instanceCount;
	unsigned int multiprocessorCount;
	unsigned int copyEngineCount;
	unsigned int decoderCount;
	unsigned int encoderCount;
	unsigned int jpegCount;
	unsigned int ofaCount;
	unsigned long long memorySizeMB;
} nvmlGpuInstanceProfileInfo_t;

typedef struct nvmlGpuInstanceProfileInfo_v2_st {
	unsigned int version;
	unsigned int id;
	unsigned int isP2pSupported;
	unsigned int sliceCount;
	unsigned int instanceCount;
	unsigned int multiprocessorCount;
	unsigned int copyEngineCount;
	unsigned int decoderCount;
	unsigned int encoderCount;
	unsigned int jpegCount;
	unsigned int ofaCount;
	unsigned long long memorySizeMB;
	char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
} nvmlGpuInstanceProfileInfo_v2_t;
#define nvmlGpuInstanceProfileInfo_v2 NVML_STRUCT_VERSION(GpuInstanceProfileInfo, 2)

/* Same size as v2, different layout (no isP2pSupported; capabilities at
 * the end): dispatch on the whole version word, never on the size. */
typedef struct nvmlGpuInstanceProfileInfo_v3_st {
	unsigned int version;
	unsigned int id;
	unsigned int sliceCount;
	unsigned int instanceCount;
	unsigned int multiprocessorCount;
	unsigned int copyEngineCount;
	unsigned int decoderCount;
	unsigned int encoderCount;
	unsigned int jpegCount;
	unsigned int ofaCount;
	unsigned long long memorySizeMB;
	char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
	unsigned int capabilities;
} nvmlGpuInstanceProfileInfo_v3_t;
#define nvmlGpuInstanceProfileInfo_v3 NVML_STRUCT_VERSION(GpuInstanceProfileInfo, 3)

typedef struct nvmlGpuInstanceInfo_st {
	nvmlDevice_t device;
	unsigned int id;
	unsigned int profileId;
	nvmlGpuInstancePlacement_t placement;
} nvmlGpuInstanceInfo_t;

typedef struct nvmlComputeInstancePlacement_st {
	unsigned int start;
	unsigned int size;
} nvmlComputeInstancePlacement_t;

typedef struct nvmlComputeInstanceProfileInfo_st {
	unsigned int id;
	unsigned int sliceCount;
	unsigned int instanceCount;
	unsigned int multiprocessorCount;
	unsigned int sharedCopyEngineCount;
	unsigned int sharedDecoderCount;
	unsigned int sharedEncoderCount;
	unsigned int sharedJpegCount;
	unsigned int sharedOfaCount;
} nvmlComputeInstanceProfileInfo_t;

typedef struct nvmlComputeInstanceProfileInfo_v2_st {
	unsigned int version;
	unsigned int id;
	unsigned int sliceCount;
	unsigned int instanceCount;
	unsigned int multiprocessorCount;
	unsigned int sharedCopyEngineCount;
	unsigned int sharedDecoderCount;
	unsigned int sharedEncoderCount;
	unsigned int sharedJpegCount;
	unsigned int sharedOfaCount;
	char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
} nvmlComputeInstanceProfileInfo_v2_t;
#define nvmlComputeInstanceProfileInfo_v2 NVML_STRUCT_VERSION(ComputeInstanceProfileInfo, 2)

typedef struct nvmlComputeInstanceProfileInfo_v3_st {
	unsigned int version;
	unsigned int id;
	unsigned int sliceCount;
	unsigned int instanceCount;
	unsigned int multiprocessorCount;
	unsigned int sharedCopyEngineCount;
	unsigned int sharedDecoderCount;
	unsigned int sharedEncoderCount;
	unsigned int sharedJpegCount;
	unsigned int sharedOfaCount;
	char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
	unsigned int capabilities;
} nvmlComputeInstanceProfileInfo_v3_t;
#define nvmlComputeInstanceProfileInfo_v3 NVML_STRUCT_VERSION(ComputeInstanceProfileInfo, 3)

typedef struct nvmlComputeInstanceInfo_st {
	nvmlDevice_t device;
	nvmlGpuInstance_t gpuInstance;
	unsigned int id;
	unsigned int profileId;
	nvmlComputeInstancePlacement_t placement;
} nvmlComputeInstanceInfo_t;

/* --- layout checks (values from reference/nvml-mig.md §1.1, §1.3) ------- */

#define NVML_ABI_CHECK(cond) _Static_assert(cond, #cond)
NVML_ABI_CHECK(sizeof(nvmlReturn_t) == 4);
NVML_ABI_CHECK(sizeof(nvmlPciInfo_t) == 68);
NVML_ABI_CHECK(offsetof(nvmlPciInfo_t, pciDeviceId) == 28);
NVML_ABI_CHECK(offsetof(nvmlPciInfo_t, busId) == 36);
NVML_ABI_CHECK(sizeof(nvmlMemory_t) == 24);
NVML_ABI_CHECK(sizeof(nvmlMemory_v2_t) == 40);
NVML_ABI_CHECK(offsetof(nvmlMemory_v2_t, total) == 8);
NVML_ABI_CHECK(offsetof(nvmlMemory_v2_t, free) == 24);
NVML_ABI_CHECK(nvmlMemory_v2 == 0x02000028);
NVML_ABI_CHECK(sizeof(nvmlProcessInfo_t) == 24);
NVML_ABI_CHECK(offsetof(nvmlProcessInfo_t, usedGpuMemory) == 8);
NVML_ABI_CHECK(offsetof(nvmlProcessInfo_t, computeInstanceId) == 20);
NVML_ABI_CHECK(sizeof(nvmlDeviceAttributes_t) == 40);
NVML_ABI_CHECK(offsetof(nvmlDeviceAttributes_t, memorySizeMB) == 32);
NVML_ABI_CHECK(sizeof(nvmlGpuInstancePlacement_t) == 8);
NVML_ABI_CHECK(sizeof(nvmlGpuInstanceProfileInfo_t) == 48);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_t, memorySizeMB) == 40);
NVML_ABI_CHECK(sizeof(nvmlGpuInstanceProfileInfo_v2_t) == 152);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v2_t, ofaCount) == 40);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v2_t, memorySizeMB) == 48);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v2_t, name) == 56);
NVML_ABI_CHECK(nvmlGpuInstanceProfileInfo_v2 == 0x02000098);
NVML_ABI_CHECK(sizeof(nvmlGpuInstanceProfileInfo_v3_t) == 152);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v3_t, sliceCount) == 8);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v3_t, ofaCount) == 36);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v3_t, memorySizeMB) == 40);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v3_t, name) == 48);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceProfileInfo_v3_t, capabilities) == 144);
NVML_ABI_CHECK(nvmlGpuInstanceProfileInfo_v3 == 0x03000098);
NVML_ABI_CHECK(sizeof(nvmlGpuInstanceInfo_t) == 24);
NVML_ABI_CHECK(offsetof(nvmlGpuInstanceInfo_t, placement) == 16);
NVML_ABI_CHECK(sizeof(nvmlComputeInstancePlacement_t) == 8);
NVML_ABI_CHECK(sizeof(nvmlComputeInstanceProfileInfo_t) == 36);
NVML_ABI_CHECK(sizeof(nvmlComputeInstanceProfileInfo_v2_t) == 136);
NVML_ABI_CHECK(offsetof(nvmlComputeInstanceProfileInfo_v2_t, name) == 40);
NVML_ABI_CHECK(nvmlComputeInstanceProfileInfo_v2 == 0x02000088);
NVML_ABI_CHECK(sizeof(nvmlComputeInstanceProfileInfo_v3_t) == 140);
NVML_ABI_CHECK(offsetof(nvmlComputeInstanceProfileInfo_v3_t, capabilities) == 136);
NVML_ABI_CHECK(nvmlComputeInstanceProfileInfo_v3 == 0x0300008C);
NVML_ABI_CHECK(sizeof(nvmlComputeInstanceInfo_t) == 32);
NVML_ABI_CHECK(offsetof(nvmlComputeInstanceInfo_t, id) == 16);
NVML_ABI_CHECK(offsetof(nvmlComputeInstanceInfo_t, placement) == 24);

/* Text of each return code as NVML's nvmlErrorString gives it
 * (reference/nvml-mig.md §1.5). X(code, "text") */
#define NVML_ERROR_STRINGS(X)                                            \
	X(NVML_SUCCESS, "Success")                                       \
	X(NVML_ERROR_UNINITIALIZED, "Uninitialized")                     \
	X(NVML_ERROR_INVALID_ARGUMENT, "Invalid Argument")               \
	X(NVML_ERROR_NOT_SUPPORTED, "Not Supported")                     \
	X(NVML_ERROR_NO_PERMISSION, "Insufficient Permissions")          \
	X(NVML_ERROR_ALREADY_INITIALIZED, "Already Initialized")         \
	X(NVML_ERROR_NOT_FOUND, "Not Found")                             \
	X(NVML_ERROR_INSUFFICIENT_SIZE, "Insufficient Size")             \
	X(NVML_ERROR_INSUFFICIENT_POWER, "Insufficient External Power")  \
	X(NVML_ERROR_DRIVER_NOT_LOADED, "Driver Not Loaded")             \
	X(NVML_ERROR_TIMEOUT, "Timeout")                                 \
	X(NVML_ERROR_IRQ_ISSUE, "Interrupt Request Issue")               \
	X(NVML_ERROR_LIBRARY_NOT_FOUND, "NVML Shared Library Not Found") \
	X(NVML_ERROR_FUNCTION_NOT_FOUND, "Function Not Found")           \
	X(NVML_ERROR_CORRUPTED_INFOROM, "Corrupted infoROM")             \
	X(NVML_ERROR_GPU_IS_LOST, "GPU is lost")                         \
	X(NVML_ERROR_RESET_REQUIRED, "GPU requires reset")               \
	X(NVML_ERROR_OPERATING_SYSTEM,                                   \
	  "GPU access blocked by the operating system")                  \
	X(NVML_ERROR_LIB_RM_VERSION_MISMATCH,                            \
	  "Driver/library version mismatch")                             \
	X(NVML_ERROR_IN_USE, "In use by another client")                 \
	X(NVML_ERROR_MEMORY, "Insufficient Memory")                      \
	X(NVML_ERROR_NO_DATA, "No data")                                 \
	X(NVML_ERROR_INSUFFICIENT_RESOURCES, "Insufficient Resources")   \
	X(NVML_ERROR_ARGUMENT_VERSION_MISMATCH,                          \
	  "Argument version mismatch")                                   \
	X(NVML_ERROR_UNKNOWN, "Unknown Error")

#endif
