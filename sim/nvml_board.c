/* migsim — the simulator's NVML board calls (see sim/nvml.c for the call
 * path): BAR1 and ECC, retired pages and row remapping, PCIe link and
 * throughput, board identity (ID, multi-GPU board, part number, brand,
 * VBIOS, InfoROM), modes (compute, display, driver model, virtualization),
 * accounting, and the graphics and MPS process lists. Board-level values
 * answer on GPU handles; a MIG device handle gets NOT_SUPPORTED unless the
 * comment at the call says otherwise. */
#include "nvml_call.h"

#include <stdio.h>
#include <string.h>

/* Enter a call on a GPU handle (a MIG handle: NOT_SUPPORTED). */
static nvmlReturn_t enter_gpu(struct call *c, const char *name, nvmlDevice_t device,
			      bool args_ok, struct ref *r, struct obj *o)
{
	nvmlReturn_t rc = nv_enter_obj(c, name, device, K_DEV, args_ok, false, r, o);

	if (rc == NVML_SUCCESS && r->kind == H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	return rc;
}

/* A constant unsigned value of a GPU. */
static nvmlReturn_t gpu_uint(const char *name, nvmlDevice_t device, unsigned *out, unsigned v)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, name, device, out != NULL, &r, &o);

	if (rc == NVML_SUCCESS)
		*out = v;
	return nv_leave(&c, rc);
}

/* --- memory, ECC, retirement -------------------------------------------- */

/* BAR1: 128 GiB on the 80 GB boards and later, 64 GiB before; nothing
 * mapped but a few MiB for the driver. */
nvmlReturn_t nvmlDeviceGetBAR1MemoryInfo(nvmlDevice_t device, nvmlBAR1Memory_t *bar1Memory)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, bar1Memory != NULL, false,
				       &r, &o);

	if (rc == NVML_SUCCESS) {
		unsigned long long mib = 1024ULL * 1024ULL;
		unsigned long long total = (o.model->memory_mib > 65536 ? 131072ULL : 65536ULL) * mib;
		unsigned long long used = 2 * mib;
		/* A MIG device: its GI's share of the memory slices, less 1 MiB,
		 * nothing mapped (the seeds: 65535 MiB for a 3g.40gb, 8191 for a
		 * 1g.5gb). */
		if (r.kind == H_MIG && o.model->units) {
			total = total * o.gi->placement.size / o.model->units - mib;
			used = 0;
		}
		bar1Memory->bar1Total = total;
		bar1Memory->bar1Used = used;
		bar1Memory->bar1Free = total - used;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetConfComputeProtectedMemoryUsage(nvmlDevice_t device,
							  nvmlMemory_t *memory)
{
	return nv_unsupported(__func__, device, memory != NULL);
}

/* ECC is on (the default of these boards); the MIG device answers for
 * its parent, since it shares the parent's memory controller setting. */
nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t device, nvmlEnableState_t *current,
				  nvmlEnableState_t *pending)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV,
				       current != NULL && pending != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		*current = *pending = 1;
	return nv_leave(&c, rc);
}

/* Counters of the ECC events that `migsim event` injected: volatile and
 * aggregate are the same (the simulated driver never reloads). */
static nvmlReturn_t ecc_count(const char *name, nvmlDevice_t device, unsigned errorType,
			      unsigned counterType, unsigned long long *out)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, name, device, out != NULL, &r, &o);

	if (rc == NVML_SUCCESS && (errorType > 1 || counterType > 1))
		rc = NVML_ERROR_INVALID_ARGUMENT;
	if (rc == NVML_SUCCESS)
		*out = errorType == 0 ? o.g->ecc_corrected : o.g->ecc_uncorrected;
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, nvmlMemoryErrorType_t errorType,
					 nvmlEccCounterType_t counterType,
					 unsigned long long *eccCounts)
{
	return ecc_count(__func__, device, errorType, counterType, eccCounts);
}

/* By location: every error is in device memory (location 2, DRAM on
 * Ampere and later); the other locations count 0. */
nvmlReturn_t nvmlDeviceGetMemoryErrorCounter(nvmlDevice_t device, nvmlMemoryErrorType_t errorType,
					     nvmlEccCounterType_t counterType,
					     nvmlMemoryLocation_t locationType,
					     unsigned long long *count)
{
	nvmlReturn_t rc = ecc_count(__func__, device, errorType, counterType, count);

	if (rc == NVML_SUCCESS && locationType != 2 && locationType != 7)
		*count = 0;
	return rc;
}

/* Ampere and later remap rows instead of retiring pages. */
nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t device, nvmlPageRetirementCause_t cause,
				       unsigned int *pageCount, unsigned long long *addresses)
{
	(void)cause, (void)addresses;
	return nv_unsupported(__func__, device, pageCount != NULL);
}

nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t device,
						    nvmlEnableState_t *isPending)
{
	return nv_unsupported(__func__, device, isPending != NULL);
}

nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned int *corrRows,
				       unsigned int *uncRows, unsigned int *isPending,
				       unsigned int *failureOccurred)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device,
				    corrRows && uncRows && isPending && failureOccurred, &r, &o);

	if (rc == NVML_SUCCESS)
		*corrRows = *uncRows = *isPending = *failureOccurred = 0;
	return nv_leave(&c, rc);
}

/* Every bank still has all its spare rows. */
nvmlReturn_t nvmlDeviceGetRowRemapperHistogram(nvmlDevice_t device,
					       nvmlRowRemapperHistogramValues_t *values)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device, values != NULL, &r, &o);

	if (rc == NVML_SUCCESS) {
		memset(values, 0, sizeof(*values));
		values->max = (unsigned)(o.model->memory_mib / 128u);
	}
	return nv_leave(&c, rc);
}

/* SRAM ECC (L2, SM register files, ...): no error has happened; the ECC
 * events that migsim injects are device-memory ones. A version other than
 * v1 is VERSION_MISMATCH, as NVML answers an unknown struct version. */
nvmlReturn_t nvmlDeviceGetSramEccErrorStatus(nvmlDevice_t device,
					     nvmlEccSramErrorStatus_t *status)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device, status != NULL, &r, &o);

	if (rc == NVML_SUCCESS && status->version != nvmlEccSramErrorStatus_v1)
		rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	if (rc == NVML_SUCCESS) {
		memset(status, 0, sizeof(*status));
		status->version = nvmlEccSramErrorStatus_v1;
	}
	return nv_leave(&c, rc);
}

/* --- PCIe -------------------------------------------------------------- */

/* The link trains at the board's generation and width (the simulated host
 * matches the board). */
static nvmlReturn_t pcie_value(const char *name, nvmlDevice_t device, unsigned *out, bool width)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, name, device, out != NULL, &r, &o);

	if (rc == NVML_SUCCESS) {
		const struct sim_board *b = sim_board_of(o.model);
		*out = width ? b->pcie_width : b->pcie_gen;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *currLinkGen)
{
	return pcie_value(__func__, device, currLinkGen, false);
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int *currLinkWidth)
{
	return pcie_value(__func__, device, currLinkWidth, true);
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t device, unsigned int *maxLinkGen)
{
	return pcie_value(__func__, device, maxLinkGen, false);
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t device, unsigned int *maxLinkWidth)
{
	return pcie_value(__func__, device, maxLinkWidth, true);
}

nvmlReturn_t nvmlDeviceGetGpuMaxPcieLinkGeneration(nvmlDevice_t device,
						   unsigned int *maxLinkGenDevice)
{
	return pcie_value(__func__, device, maxLinkGenDevice, false);
}

/* KB/s from the processes' pcie-tx/pcie-rx loads (sim_read_gpu). */
nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t device, nvmlPcieUtilCounter_t counter,
					 unsigned int *value)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device, value != NULL, &r, &o);

	if (rc == NVML_SUCCESS && counter > NVML_PCIE_UTIL_RX_BYTES)
		rc = NVML_ERROR_INVALID_ARGUMENT;
	if (rc == NVML_SUCCESS) {
		struct sim_reading rd;
		sim_read_gpu(c.m, r.gpu, &rd);
		*value = counter == NVML_PCIE_UTIL_TX_BYTES ? rd.pcie_tx_kbs : rd.pcie_rx_kbs;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, unsigned int *value)
{
	return gpu_uint(__func__, device, value, 0);
}

/* --- modes ------------------------------------------------------------- */

/* Default compute mode; MIG devices answer too (nvidia-smi lists them). */
nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t device, nvmlComputeMode_t *mode)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, mode != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		*mode = 0;
	return nv_leave(&c, rc);
}

/* No display is attached to a data-centre GPU. */
nvmlReturn_t nvmlDeviceGetDisplayMode(nvmlDevice_t device, nvmlEnableState_t *display)
{
	return gpu_uint(__func__, device, display, 0);
}

nvmlReturn_t nvmlDeviceGetDisplayActive(nvmlDevice_t device, nvmlEnableState_t *isActive)
{
	return gpu_uint(__func__, device, isActive, 0);
}

/* Windows only (nvidia-smi asks with one of the pointers NULL). */
nvmlReturn_t nvmlDeviceGetDriverModel(nvmlDevice_t device, nvmlDriverModel_t *current,
				      nvmlDriverModel_t *pending)
{
	return nv_unsupported(__func__, device, current != NULL || pending != NULL);
}

/* GeForce/Tesla K-series only (nvidia-smi asks with one pointer NULL). */
nvmlReturn_t nvmlDeviceGetGpuOperationMode(nvmlDevice_t device, unsigned int *current,
					   unsigned int *pending)
{
	return nv_unsupported(__func__, device, current != NULL || pending != NULL);
}

/* Bare metal: no virtualization. */
nvmlReturn_t nvmlDeviceGetVirtualizationMode(nvmlDevice_t device,
					     nvmlGpuVirtualizationMode_t *pVirtualMode)
{
	return gpu_uint(__func__, device, pVirtualMode, NVML_GPU_VIRTUALIZATION_MODE_NONE);
}

nvmlReturn_t nvmlDeviceGetHostVgpuMode(nvmlDevice_t device, nvmlHostVgpuMode_t *pHostVgpuMode)
{
	return nv_unsupported(__func__, device, pHostVgpuMode != NULL);
}

nvmlReturn_t nvmlDeviceGetGridLicensableFeatures_v4(nvmlDevice_t device,
						    nvmlGridLicensableFeatures_t *features)
{
	return nv_unsupported(__func__, device, features != NULL);
}

/* --- board identity ---------------------------------------------------- */

/* Board ID: derived from the bus number, as real IDs are (0x700 for bus
 * 07); one GPU per board. */
nvmlReturn_t nvmlDeviceGetBoardId(nvmlDevice_t device, unsigned int *boardId)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device, boardId != NULL, &r, &o);

	if (rc == NVML_SUCCESS)
		*boardId = o.g->pci_bus << 8;
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetMultiGpuBoard(nvmlDevice_t device, unsigned int *multiGpuBool)
{
	return gpu_uint(__func__, device, multiGpuBool, 0);
}

/* A string of the board (part number, VBIOS, InfoROM). */
enum board_str { BS_PART, BS_VBIOS, BS_INFOROM_IMAGE, BS_INFOROM_OEM, BS_INFOROM_ECC,
		 BS_INFOROM_PWR };

static nvmlReturn_t board_string(const char *name, nvmlDevice_t device, enum board_str which,
				 char *buf, unsigned length)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, name, device, buf != NULL, &r, &o);

	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);
	const struct sim_board *b = sim_board_of(o.model);
	const char *v;
	switch (which) {
	case BS_PART:
		v = b->part_number;
		break;
	case BS_VBIOS:
		v = b->vbios;
		break;
	case BS_INFOROM_IMAGE:
		v = "G506.0210.00.04";
		break;
	case BS_INFOROM_OEM:
		v = "2.1";
		break;
	case BS_INFOROM_ECC:
		v = "6.16";
		break;
	case BS_INFOROM_PWR:
	default:
		return nv_leave(&c, NVML_ERROR_NOT_SUPPORTED);
	}
	return nv_leave(&c, nv_put_str(buf, length, v));
}

nvmlReturn_t nvmlDeviceGetBoardPartNumber(nvmlDevice_t device, char *partNumber,
					  unsigned int length)
{
	return board_string(__func__, device, BS_PART, partNumber, length);
}

nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char *version, unsigned int length)
{
	return board_string(__func__, device, BS_VBIOS, version, length);
}

nvmlReturn_t nvmlDeviceGetInforomImageVersion(nvmlDevice_t device, char *version,
					      unsigned int length)
{
	return board_string(__func__, device, BS_INFOROM_IMAGE, version, length);
}

nvmlReturn_t nvmlDeviceGetInforomVersion(nvmlDevice_t device, nvmlInforomObject_t object,
					 char *version, unsigned int length)
{
	enum board_str w = object == NVML_INFOROM_OEM ? BS_INFOROM_OEM
			   : object == NVML_INFOROM_ECC ? BS_INFOROM_ECC : BS_INFOROM_PWR;
	return board_string(__func__, device, w, version, length);
}

nvmlReturn_t nvmlDeviceValidateInforom(nvmlDevice_t device)
{
	unsigned dummy;
	return gpu_uint(__func__, device, &dummy, 0);
}

nvmlReturn_t nvmlDeviceGetLastBBXFlushTime(nvmlDevice_t device, unsigned long long *timestamp,
					   unsigned long *durationUs)
{
	return nv_unsupported(__func__, device, timestamp != NULL && durationUs != NULL);
}

nvmlReturn_t nvmlDeviceGetBrand(nvmlDevice_t device, nvmlBrandType_t *type)
{
	return gpu_uint(__func__, device, type, NVML_BRAND_NVIDIA);
}

/* No bridge chips on these boards' reports. */
nvmlReturn_t nvmlDeviceGetBridgeChipInfo(nvmlDevice_t device,
					 nvmlBridgeChipHierarchy_t *bridgeHierarchy)
{
	return nv_unsupported(__func__, device, bridgeHierarchy != NULL);
}

/* SXM modules carry a module ID; the simulator numbers them by GPU index
 * (1-based, as HGX baseboards do). */
nvmlReturn_t nvmlDeviceGetModuleId(nvmlDevice_t device, unsigned int *moduleId)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device, moduleId != NULL, &r, &o);

	if (rc == NVML_SUCCESS)
		*moduleId = r.gpu + 1;
	return nv_leave(&c, rc);
}

/* GSP firmware: Hopper and later run their resource manager on the GSP
 * (the driver has no other mode for them), and the firmware's version is
 * the driver's own. Ampere boards run without it in the simulator (the
 * driver's choice there; see docs/simulator-model.md), so NOT_SUPPORTED. */
nvmlReturn_t nvmlDeviceGetGspFirmwareVersion(nvmlDevice_t device, char *version)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device, version != NULL, &r, &o);

	if (rc == NVML_SUCCESS && !nv_hopper_or_later(o.model))
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		struct sim_driver d;
		sim_driver_of(c.m, &d);
		/* NVML_GSP_FIRMWARE_VERSION_BUF_SIZE is 64 bytes. */
		rc = nv_put_str(version, 64, d.version);
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGspFirmwareMode(nvmlDevice_t device, unsigned int *isEnabled,
					  unsigned int *defaultMode)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_gpu(&c, __func__, device, isEnabled && defaultMode, &r, &o);

	if (rc == NVML_SUCCESS)
		*isEnabled = *defaultMode = nv_hopper_or_later(o.model) ? 1u : 0u;
	return nv_leave(&c, rc);
}

/* --- accounting -------------------------------------------------------- */

/* Accounting is off (its default); the buffer holds 4000 records. */
nvmlReturn_t nvmlDeviceGetAccountingMode(nvmlDevice_t device, nvmlEnableState_t *mode)
{
	return gpu_uint(__func__, device, mode, 0);
}

nvmlReturn_t nvmlDeviceGetAccountingBufferSize(nvmlDevice_t device, unsigned int *bufferSize)
{
	return gpu_uint(__func__, device, bufferSize, 4000);
}

nvmlReturn_t nvmlDeviceGetAccountingPids(nvmlDevice_t device, unsigned int *count,
					 unsigned int *pids)
{
	(void)pids;
	return gpu_uint(__func__, device, count, 0);
}

/* --- graphics and MPS processes ----------------------------------------- */

/* `migsim exec` registers compute processes only: the graphics and MPS
 * lists are empty (count 0, SUCCESS), on GPUs and MIG devices alike. */
static nvmlReturn_t no_processes(const char *name, nvmlDevice_t device, unsigned *infoCount)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, infoCount != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		*infoCount = 0;
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t device, unsigned int *infoCount,
						   nvmlProcessInfo_v1_t *infos)
{
	(void)infos;
	return no_processes(__func__, device, infoCount);
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t device,
						      unsigned int *infoCount,
						      nvmlProcessInfo_t *infos)
{
	(void)infos;
	return no_processes(__func__, device, infoCount);
}

nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t device,
						      unsigned int *infoCount,
						      nvmlProcessInfo_t *infos)
{
	(void)infos;
	return no_processes(__func__, device, infoCount);
}

nvmlReturn_t nvmlDeviceGetMPSComputeRunningProcesses_v3(nvmlDevice_t device,
							unsigned int *infoCount,
							nvmlProcessInfo_t *infos)
{
	(void)infos;
	return no_processes(__func__, device, infoCount);
}
