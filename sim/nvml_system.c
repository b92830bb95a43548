/* migsim — the system-level NVML calls that are not about MIG: process
 * names, host interface cards, the CPU-to-GPU topology set, S-class units,
 * excluded GPUs, confidential computing, and finding a GPU by serial.
 *
 * Clients name these whether or not they use them: bindings resolve
 * symbols lazily (go-nvml dies with "symbol lookup error" on the first
 * call of an absent one, reference nvml-mig.md §1.6), so each answers as a
 * driver on a plain server does: no units, no host interface cards, no
 * excluded GPUs, confidential computing off, every GPU near every CPU (the
 * simulator models no NUMA topology). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nvml_call.h"

/* --- processes ---------------------------------------------------------- */

/* The first word of /proc/PID/cmdline (a kernel thread has none: its
 * comm), as nvidia-smi lists a process. False if the process is gone. */
static bool process_name(unsigned pid, char *buf, size_t len)
{
	char path[64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* NOT_FOUND for a PID that does not exist; a name longer than `length`
 * is cut, as the header allows (it lists no INSUFFICIENT_SIZE). */
nvmlReturn_t nvmlSystemGetProcessName(unsigned int pid, char *name, unsigned int length)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, name != NULL && length > 0, false);
	char buf[4096];

	if (rc == NVML_SUCCESS) {
		if (pid == 0 || !process_name(pid, buf, sizeof(buf))) {
			rc = NVML_ERROR_NOT_FOUND;
		} else {
			size_t n = strlen(buf);
			if (n >= length)
				n = length - 1;
			memcpy(name, buf, n);
			name[n] = '\0';
		}
	}
	return nv_leave(&c, rc);
}

/* --- host interface cards and topology ---------------------------------- */

/* No host interface card (they came with S-class units): a count of 0. */
nvmlReturn_t nvmlSystemGetHicVersion(unsigned int *hwbcCount, nvmlHwbcEntry_t *hwbcEntries)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, hwbcCount != NULL, false);

	(void)hwbcEntries;
	if (rc == NVML_SUCCESS)
		*hwbcCount = 0;
	return nv_leave(&c, rc);
}

/* The GPUs with affinity to CPU `cpuNumber`: every GPU, for every CPU the
 * host has. With *count 0 it gives the number; otherwise it fills up to
 * *count handles and says how many. */
nvmlReturn_t nvmlSystemGetTopologyGpuSet(unsigned int cpuNumber, unsigned int *count,
					 nvmlDevice_t *deviceArray)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__,
				   count != NULL && (*count == 0 || deviceArray != NULL) &&
					   (cpus <= 0 || cpuNumber < (unsigned long)cpus),
				   false);

	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);
	if (*count == 0) {
		*count = c.m->n_gpus;
		return nv_leave(&c, rc);
	}
	unsigned n = *count < c.m->n_gpus ? *count : c.m->n_gpus;
	for (unsigned i = 0; i < n; i++)
		deviceArray[i] = nv_handle_of(H_GPU, i, NO_ID, NO_ID);
	*count = n;
	return nv_leave(&c, rc);
}

/* --- confidential computing and excluded GPUs ---------------------------- */

/* Off: no confidential-computing environment, feature disabled, no
 * developer mode (all 0 in the header's constants). */
nvmlReturn_t nvmlSystemGetConfComputeState(nvmlConfComputeSystemState_t *state)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, state != NULL, false);

	if (rc == NVML_SUCCESS)
		memset(state, 0, sizeof(*state));
	return nv_leave(&c, rc);
}

/* Neither the CPU nor the GPUs are capable (both 0: NONE, NOT_CAPABLE). */
nvmlReturn_t nvmlSystemGetConfComputeCapabilities(nvmlConfComputeSystemCaps_t *capabilities)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, capabilities != NULL, false);

	if (rc == NVML_SUCCESS)
		memset(capabilities, 0, sizeof(*capabilities));
	return nv_leave(&c, rc);
}

/* No GPU is excluded from use by the driver. */
nvmlReturn_t nvmlGetExcludedDeviceCount(unsigned int *deviceCount)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, deviceCount != NULL, false);

	if (rc == NVML_SUCCESS)
		*deviceCount = 0;
	return nv_leave(&c, rc);
}

/* Every index is past the (empty) list. */
nvmlReturn_t nvmlGetExcludedDeviceInfoByIndex(unsigned int index, nvmlExcludedDeviceInfo_t *info)
{
	struct call c;

	(void)index;
	(void)info;
	return nv_leave(&c, nv_enter(&c, __func__, false, false));
}

/* --- S-class units -------------------------------------------------------- */

/* A server without S-class units: a count of 0, every index and every
 * unit handle invalid. */
nvmlReturn_t nvmlUnitGetCount(unsigned int *unitCount)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, unitCount != NULL, false);

	if (rc == NVML_SUCCESS)
		*unitCount = 0;
	return nv_leave(&c, rc);
}

/* Initialisation first, then INVALID_ARGUMENT: no unit or index exists. */
static nvmlReturn_t no_unit(const char *name)
{
	struct call c;

	return nv_leave(&c, nv_enter(&c, name, false, false));
}

nvmlReturn_t nvmlUnitGetHandleByIndex(unsigned int index, nvmlUnit_t *unit)
{
	(void)index;
	(void)unit;
	return no_unit(__func__);
}

nvmlReturn_t nvmlUnitGetUnitInfo(nvmlUnit_t unit, nvmlUnitInfo_t *info)
{
	(void)unit;
	(void)info;
	return no_unit(__func__);
}

nvmlReturn_t nvmlUnitGetLedState(nvmlUnit_t unit, nvmlLedState_t *state)
{
	(void)unit;
	(void)state;
	return no_unit(__func__);
}

nvmlReturn_t nvmlUnitGetPsuInfo(nvmlUnit_t unit, nvmlPSUInfo_t *psu)
{
	(void)unit;
	(void)psu;
	return no_unit(__func__);
}

nvmlReturn_t nvmlUnitGetTemperature(nvmlUnit_t unit, unsigned int type, unsigned int *temp)
{
	(void)unit;
	(void)type;
	(void)temp;
	return no_unit(__func__);
}

nvmlReturn_t nvmlUnitGetFanSpeedInfo(nvmlUnit_t unit, nvmlUnitFanSpeeds_t *fanSpeeds)
{
	(void)unit;
	(void)fanSpeeds;
	return no_unit(__func__);
}

nvmlReturn_t nvmlUnitGetDevices(nvmlUnit_t unit, unsigned int *deviceCount,
				nvmlDevice_t *devices)
{
	(void)unit;
	(void)deviceCount;
	(void)devices;
	return no_unit(__func__);
}

nvmlReturn_t nvmlUnitSetLedState(nvmlUnit_t unit, nvmlLedColor_t color)
{
	(void)unit;
	(void)color;
	return no_unit(__func__);
}

/* --- GPUs by serial ------------------------------------------------------- */

/* The GPU whose board serial is `serial` (each simulated board holds one
 * GPU, so no serial is ambiguous); NOT_FOUND if none. */
nvmlReturn_t nvmlDeviceGetHandleBySerial(const char *serial, nvmlDevice_t *device)
{
	struct call c;
	nvmlReturn_t rc = nv_enter(&c, __func__, serial != NULL && device != NULL, false);

	if (rc != NVML_SUCCESS)
		return nv_leave(&c, rc);
	rc = NVML_ERROR_NOT_FOUND;
	for (unsigned i = 0; i < c.m->n_gpus; i++) {
		if (strcmp(c.m->gpus[i].serial, serial) == 0) {
			*device = nv_handle_of(H_GPU, i, NO_ID, NO_ID);
			rc = NVML_SUCCESS;
			break;
		}
	}
	return nv_leave(&c, rc);
}
