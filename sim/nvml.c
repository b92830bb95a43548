/* migsim — the NVML C ABI over the simulated machine (see sim.h).
 *
 * Every exported call follows one path: take the process lock, check that
 * the library is initialised and the arguments are sound, open the state
 * (shared for reads, exclusive for mutations and whenever a fault is
 * registered for the call), apply an injected fault, do the work with the
 * ops functions, commit what changed, close. NVML never prints, so neither
 * does this file; a state that cannot be opened is NVML_ERROR_UNKNOWN.
 *
 * Handles are addresses inside one static byte array: the offset encodes
 * the object (GPU, MIG device, GPU instance, compute instance) and its
 * coordinates (GPU index, GI ID, CI ID), so the same object always yields
 * the same handle, handles stay valid for the life of the process, and a
 * pointer that does not point into the array is rejected. The handle
 * names an object, not a generation of it: once the object is gone calls
 * on the handle fail (NOT_FOUND for device handles, INVALID_ARGUMENT for
 * GI/CI handles, as the driver answers stale handles), and a GI or CI
 * recreated with the same ID answers to the old handle again — the header
 * warns that "handles may be reused and their properties can change".
 *
 * Choices where reference/nvml-mig.md is silent are noted at the spot.
 */
#include "sim.h"
#include "nvml_entries.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define NO_ID NVML_VALUE_NOT_AVAILABLE_UINT

/* --- exported functions ------------------------------------------------ */

/* Every export is declared from the one table, lib/nvml_entries.h: a
 * definition below whose signature differs from the table's does not
 * compile ("conflicting types"), and the version scripts generated from
 * the same table export exactly these names. */
#define DECLARE_EXPORT(ret, name, params, era) EXPORT NVML_FN(name) name;
NVML_ENTRIES(DECLARE_EXPORT)
#undef DECLARE_EXPORT

/* --- handles ----------------------------------------------------------- */

enum hkind { H_GPU, H_GI, H_CI, H_MIG };

#define K_GPU (1u << H_GPU)
#define K_GI (1u << H_GI)
#define K_CI (1u << H_CI)
#define K_MIG (1u << H_MIG)
#define K_DEV (K_GPU | K_MIG)

/* Per GPU: the GPU, its GIs by ID, its CIs by (GI, CI), its MIG devices
 * by (GI, CI). */
#define SLOTS_GI SIM_MAX_GIS
#define SLOTS_GICI (SIM_MAX_GIS * SIM_MAX_CIS)
#define SLOTS_PER_GPU (1 + SLOTS_GI + 2 * SLOTS_GICI)

static unsigned char handle_space[SIM_MAX_GPUS * SLOTS_PER_GPU];

struct ref {
	enum hkind kind;
	unsigned gpu;
	unsigned gi;   /* NO_ID for a GPU */
	unsigned ci;   /* NO_ID for a GPU or a GI */
};

static void *handle_of(enum hkind kind, unsigned gpu, unsigned gi, unsigned ci)
{
	size_t slot;

	if (gpu >= SIM_MAX_GPUS)
		return NULL;
	switch (kind) {
	case H_GPU:
		slot = 0;
		break;
	case H_GI:
		if (gi >= SIM_MAX_GIS)
			return NULL;
		slot = 1 + gi;
		break;
	case H_CI:
	case H_MIG:
	default:
		if (gi >= SIM_MAX_GIS || ci >= SIM_MAX_CIS)
			return NULL;
		slot = 1 + SLOTS_GI + (kind == H_MIG ? SLOTS_GICI : 0) +
		       gi * SIM_MAX_CIS + ci;
		break;
	}
	return &handle_space[(size_t)gpu * SLOTS_PER_GPU + slot];
}

/* Decode a handle; false if `p` is no handle of one of the `kinds`. */
static bool decode(const void *p, unsigned kinds, struct ref *r)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)handle_space;

	if (!p || a < base || a - base >= sizeof(handle_space))
		return false;
	size_t off = a - base;
	size_t slot = off % SLOTS_PER_GPU;
	r->gpu = (unsigned)(off / SLOTS_PER_GPU);
	r->gi = r->ci = NO_ID;
	if (slot == 0) {
		r->kind = H_GPU;
	} else if (slot < 1 + SLOTS_GI) {
		r->kind = H_GI;
		r->gi = (unsigned)(slot - 1);
	} else {
		size_t k = slot - 1 - SLOTS_GI;
		r->kind = k < SLOTS_GICI ? H_CI : H_MIG;
		k %= SLOTS_GICI;
		r->gi = (unsigned)(k / SIM_MAX_CIS);
		r->ci = (unsigned)(k % SIM_MAX_CIS);
	}
	return (kinds & (1u << r->kind)) != 0;
}

/* --- the call path ----------------------------------------------------- */

static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned init_count;
static char state_dir[512];
static char state_override[512]; /* migsimSetStateDir; "" if none */

struct call {
	const char *name;
	struct sim_session s;
	bool open;
	bool dirty;             /* commit at leave() if the call succeeds */
	bool kill;              /* a kill fault: SIGKILL at leave(), after the commit */
	struct sim_machine *m;
};

static nvmlReturn_t open_state(struct call *c, enum sim_lock mode)
{
	struct migctl_error err;

	if (sim_open(&c->s, state_dir, mode, true, &err) != MIGCTL_ERR_OK)
		return NVML_ERROR_UNKNOWN;
	c->open = true;
	c->m = c->s.m;
	return NVML_SUCCESS;
}

static void close_state(struct call *c)
{
	if (c->open)
		sim_close(&c->s);
	c->open = false;
	c->m = NULL;
}

/* Open the state and apply a fault registered for the call (the first
 * that matches it by exact name, base name or class: sim_fault_apply). A
 * fault that counts down (its skip or its remaining calls) changes the
 * state, so it needs the exclusive lock and a commit of its own, made here
 * before the call's work; the work, if any, commits separately at leave().
 * Skip counts live in the state file, so every process shares them. */
static nvmlReturn_t load(struct call *c, bool write)
{
	nvmlReturn_t rc = open_state(c, write ? SIM_EXCLUSIVE : SIM_SHARED);
	bool changed = false, die = false;

	if (rc != NVML_SUCCESS)
		return rc;
	if (!sim_fault_pending(c->m, c->name))
		return NVML_SUCCESS;

	if (!write) {
		/* Re-read under the exclusive lock: the fault may have been
		 * counted down or cleared since. */
		close_state(c);
		rc = open_state(c, SIM_EXCLUSIVE);
		if (rc != NVML_SUCCESS)
			return rc;
	}
	rc = sim_fault_apply(c->m, c->name, &changed, &die);
	if (changed) {
		struct migctl_error err;
		if (sim_commit(&c->s, &err) != MIGCTL_ERR_OK) {
			/* A failed commit leaves the session without a machine. */
			close_state(c);
			return NVML_ERROR_UNKNOWN;
		}
		c->m = c->s.m;
		/* The call goes on to do its work on the cached machine:
		 * unless leave() commits that work, sim_close must drop it
		 * from the cache, as for any uncommitted change. */
		if (rc == NVML_SUCCESS)
			c->s.committed = false;
	}
	c->kill = die;
	return rc;
}

/* Start a call: lock, check initialisation and arguments, load the state.
 * Whatever it returns, the call ends with leave(). */
static nvmlReturn_t begin(struct call *c, const char *name, bool need_init,
			  bool args_ok, bool write)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	pthread_mutex_lock(&lib_lock);
	if (init_count == 0) {
		if (need_init)
			return NVML_ERROR_UNINITIALIZED;
		sim_state_dir(state_override, state_dir, sizeof(state_dir));
	}
	if (!args_ok)
		return NVML_ERROR_INVALID_ARGUMENT;
	return load(c, write);
}

static nvmlReturn_t enter(struct call *c, const char *name, bool args_ok, bool write)
{
	return begin(c, name, true, args_ok, write);
}

static nvmlReturn_t leave(struct call *c, nvmlReturn_t rc)
{
	if (c->open && c->dirty && rc == NVML_SUCCESS) {
		struct migctl_error err;
		if (sim_commit(&c->s, &err) != MIGCTL_ERR_OK)
			rc = NVML_ERROR_UNKNOWN;
	}
	close_state(c);
	if (c->kill) {
		/* A kill fault (sim.h struct sim_fault): the work is durable and
		 * the state unlocked; the client dies before it sees `rc`. The
		 * library lock stays held, so no other thread of the process
		 * gets a call in first. */
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	pthread_mutex_unlock(&lib_lock);
	return rc;
}

/* --- objects behind handles ------------------------------------------- */

struct obj {
	struct sim_gpu *g;
	const struct migctl_gpu_model *model;
	struct sim_gi *gi;
	const struct migctl_gi_profile *gp;
	struct sim_ci *ci;
	const struct migctl_ci_profile *cp;
};

/* Find the object a handle names in the loaded state. A device handle
 * whose object is gone is NOT_FOUND; a GI/CI handle is INVALID_ARGUMENT. */
static nvmlReturn_t resolve(const struct call *c, const struct ref *r, struct obj *o)
{
	nvmlReturn_t stale = (r->kind == H_GI || r->kind == H_CI)
				     ? NVML_ERROR_INVALID_ARGUMENT
				     : NVML_ERROR_NOT_FOUND;

	memset(o, 0, sizeof(*o));
	if (r->gpu >= c->m->n_gpus)
		return stale;
	o->g = &c->m->gpus[r->gpu];
	o->model = o->g->m;
	if (!o->model)
		return NVML_ERROR_UNKNOWN;
	if (r->kind == H_GPU)
		return NVML_SUCCESS;
	o->gi = sim_gi_find(o->g, r->gi);
	if (!o->gi)
		return stale;
	o->gp = sim_gi_profile(o->g, o->gi);
	if (!o->gp)
		return NVML_ERROR_UNKNOWN;
	if (r->kind == H_GI)
		return NVML_SUCCESS;
	o->ci = sim_ci_find(o->gi, r->ci);
	if (!o->ci)
		return stale;
	o->cp = sim_ci_profile(o->g, o->gi, o->ci);
	return o->cp ? NVML_SUCCESS : NVML_ERROR_UNKNOWN;
}

/* --- small helpers ------------------------------------------------------ */

static nvmlReturn_t put_str(char *buf, unsigned int length, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)length < n + 1)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	memcpy(buf, s, n + 1);
	return NVML_SUCCESS;
}

static void copy_name(char *dst, size_t len, const char *prefix, const char *name)
{
	snprintf(dst, len, "%s%s", prefix, name);
}

static bool has_gfx(const char *name)
{
	return strstr(name, "+gfx") != NULL;
}

static const struct migctl_gi_profile *gi_profile_by_index(const struct migctl_gpu_model *model,
							   unsigned index)
{
	for (size_t i = 0; i < model->n_gi; i++)
		if (model->gi[i].nvml_index == index)
			return &model->gi[i];
	return NULL;
}

static const struct migctl_ci_profile *ci_profile_by_id(const struct migctl_gi_profile *gp,
							unsigned id)
{
	for (size_t i = 0; i < gp->n_ci; i++)
		if (gp->ci[i].id == id)
			return &gp->ci[i];
	return NULL;
}

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

/* Placement-list protocol of the ...PossiblePlacements calls: NULL buffer
 * → the count; otherwise *count is the buffer's capacity on input and the
 * number written on output. */
static nvmlReturn_t put_placements(const struct migctl_placement_set *set,
				   unsigned *starts_out, unsigned *sizes_out, size_t stride,
				   unsigned int *count)
{
	if (!starts_out) {
		*count = set->n_starts;
		return NVML_SUCCESS;
	}
	if (*count < set->n_starts) {
		*count = set->n_starts;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	for (unsigned i = 0; i < set->n_starts; i++) {
		*(unsigned *)((char *)starts_out + i * stride) = set->starts[i];
		*(unsigned *)((char *)sizes_out + i * stride) = set->size;
	}
	*count = set->n_starts;
	return NVML_SUCCESS;
}

/* --- library ----------------------------------------------------------- */

static nvmlReturn_t init_common(const char *name, unsigned int flags)
{
	struct call c;
	nvmlReturn_t rc = begin(&c, name, false, true, false);

	/* No GPUs: the driver would not have loaded (NVML_INIT_FLAG_NO_GPUS
	 * lets init succeed anyway). */
	if (rc == NVML_SUCCESS && c.m->n_gpus == 0 && !(flags & NVML_INIT_FLAG_NO_GPUS))
		rc = NVML_ERROR_DRIVER_NOT_LOADED;
	if (rc == NVML_SUCCESS)
		init_count++;
	return leave(&c, rc);
}

nvmlReturn_t nvmlInit(void)
{
	return init_common(__func__, 0);
}

nvmlReturn_t nvmlInit_v2(void)
{
	return init_common(__func__, 0);
}

nvmlReturn_t nvmlInitWithFlags(unsigned int flags)
{
	return init_common(__func__, flags);
}

/* Touches no state and takes no faults: a client must always be able to
 * let go of the library. */
nvmlReturn_t nvmlShutdown(void)
{
	nvmlReturn_t rc = NVML_SUCCESS;

	pthread_mutex_lock(&lib_lock);
	if (init_count == 0)
		rc = NVML_ERROR_UNINITIALIZED;
	else if (--init_count == 0)
		sim_forget(); /* a client may dlclose us next: hold nothing */
	pthread_mutex_unlock(&lib_lock);
	return rc;
}

const char *nvmlErrorString(nvmlReturn_t result)
{
	switch (result) {
#define ERROR_STRING_CASE(code, text) \
	case code:                    \
		return text;
		NVML_ERROR_STRINGS(ERROR_STRING_CASE)
#undef ERROR_STRING_CASE
	default:
		return "Unknown Error";
	}
}

static nvmlReturn_t system_string(const char *name, char *version, unsigned int length,
				  const char *value)
{
	struct call c;
	nvmlReturn_t rc = enter(&c, name, version != NULL, false);

	if (rc == NVML_SUCCESS)
		rc = put_str(version, length, value);
	return leave(&c, rc);
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
	return system_string(__func__, version, length, SIM_DRIVER_VERSION);
}

nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length)
{
	return system_string(__func__, version, length, SIM_NVML_VERSION);
}

static nvmlReturn_t cuda_version(const char *name, int *out)
{
	struct call c;
	nvmlReturn_t rc = enter(&c, name, out != NULL, false);

	if (rc == NVML_SUCCESS)
		*out = SIM_CUDA_VERSION;
	return leave(&c, rc);
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion)
{
	return cuda_version(__func__, cudaDriverVersion);
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *cudaDriverVersion)
{
	return cuda_version(__func__, cudaDriverVersion);
}

/* --- enumeration and identity ----------------------------------------- */

static nvmlReturn_t device_count(const char *name, unsigned int *deviceCount)
{
	struct call c;
	nvmlReturn_t rc = enter(&c, name, deviceCount != NULL, false);

	if (rc == NVML_SUCCESS)
		*deviceCount = c.m->n_gpus;
	return leave(&c, rc);
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
	nvmlReturn_t rc = enter(&c, name, device != NULL, false);

	if (rc == NVML_SUCCESS) {
		if (index >= c.m->n_gpus)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		else
			*device = handle_of(H_GPU, index, NO_ID, NO_ID);
	}
	return leave(&c, rc);
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
	nvmlReturn_t rc = enter(&c, __func__, uuid != NULL && device != NULL, false);

	if (rc != NVML_SUCCESS)
		return leave(&c, rc);
	if (strncasecmp(uuid, "GPU-", 4) != 0 && strncasecmp(uuid, "MIG-", 4) != 0)
		return leave(&c, NVML_ERROR_INVALID_ARGUMENT);
	unsigned gpu, gi, ci;
	if (!sim_find_uuid(c.m, uuid, &gpu, &gi, &ci))
		return leave(&c, NVML_ERROR_NOT_FOUND);
	*device = gi == NO_ID ? handle_of(H_GPU, gpu, NO_ID, NO_ID)
			      : handle_of(H_MIG, gpu, gi, ci);
	rc = *device ? NVML_SUCCESS : NVML_ERROR_UNKNOWN;
	return leave(&c, rc);
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
	nvmlReturn_t rc = enter(&c, name, pciBusId != NULL && device != NULL, false);

	if (rc != NVML_SUCCESS)
		return leave(&c, rc);
	if (!parse_bus_id(pciBusId, &dom, &bus, &dev, &fn))
		return leave(&c, NVML_ERROR_INVALID_ARGUMENT);
	rc = NVML_ERROR_NOT_FOUND;
	for (unsigned i = 0; i < c.m->n_gpus; i++) {
		if (dom == 0 && bus == c.m->gpus[i].pci_bus && dev == 0 && fn == 0) {
			*device = handle_of(H_GPU, i, NO_ID, NO_ID);
			rc = NVML_SUCCESS;
			break;
		}
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetHandleByPciBusId(const char *pciBusId, nvmlDevice_t *device)
{
	return handle_by_bus_id(__func__, pciBusId, device);
}

nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *pciBusId, nvmlDevice_t *device)
{
	return handle_by_bus_id(__func__, pciBusId, device);
}

/* Start a call on a handle of one of `kinds` (GPU, MIG device, GI, CI)
 * and resolve it. */
static nvmlReturn_t enter_obj(struct call *c, const char *name, const void *handle,
			      unsigned kinds, bool args_ok, bool write, struct ref *r,
			      struct obj *o)
{
	bool ok = decode(handle, kinds, r);
	nvmlReturn_t rc = enter(c, name, ok && args_ok, write);

	if (rc == NVML_SUCCESS)
		rc = resolve(c, r, o);
	return rc;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, name != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE * 2];
		if (r.kind == H_MIG)
			snprintf(buf, sizeof(buf), "%s MIG %s", o.model->name, o.cp->name);
		else
			snprintf(buf, sizeof(buf), "%s", o.model->name);
		rc = put_str(name, length, buf);
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, uuid != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		char buf[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
		if (r.kind == H_MIG)
			sim_mig_uuid(o.g, r.gi, r.ci, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", o.g->uuid);
		rc = put_str(uuid, length, buf);
	}
	return leave(&c, rc);
}

/* Board properties (serial, PCI, minor, architecture, compute capability)
 * answer for a MIG device with its parent's values. */
nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char *serial, unsigned int length)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, serial != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = put_str(serial, length, o.g->serial);
	return leave(&c, rc);
}

static nvmlReturn_t pci_info(const char *name, nvmlDevice_t device, nvmlPciInfo_t *pci)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, device, K_DEV, pci != NULL, false, &r, &o);

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
	return leave(&c, rc);
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
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, minorNumber != NULL, false,
				    &r, &o);

	if (rc == NVML_SUCCESS)
		*minorNumber = o.g->minor;
	return leave(&c, rc);
}

/* A MIG device's index is its position under the parent, the index
 * nvmlDeviceGetMigDeviceHandleByIndex takes (§1.2). */
nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, index != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		if (r.kind == H_GPU)
			*index = r.gpu;
		else if (!mig_index(c.m, r.gpu, r.gi, r.ci, index))
			rc = NVML_ERROR_NOT_FOUND;
	}
	return leave(&c, rc);
}

/* Total: the model's memory, or the GI profile's memory for a MIG device
 * (the CIs of a GI share its memory, so "used" counts the whole GI). Used:
 * the registered processes' memory. On a parent in MIG mode the aggregate
 * needs a privileged user (header l.6678). Reserved is 0: the simulator
 * keeps no driver reservation. */
static nvmlReturn_t memory_of(const struct call *c, const struct ref *r, const struct obj *o,
			      unsigned long long *total, unsigned long long *used)
{
	const unsigned long long mib = 1024ULL * 1024ULL;

	if (r->kind == H_MIG) {
		*total = (unsigned long long)o->gp->memory_mib * mib;
		*used = sim_gpu_used_mib(c->m, r->gpu, r->gi, NO_ID) * mib;
	} else {
		if (o->g->mig_current && c->m->non_root)
			return NVML_ERROR_NO_PERMISSION;
		*total = (unsigned long long)o->model->memory_mib * mib;
		*used = sim_gpu_used_mib(c->m, r->gpu, NO_ID, NO_ID) * mib;
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
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, memory != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = memory_of(&c, &r, &o, &total, &used);
	if (rc == NVML_SUCCESS) {
		memory->total = total;
		memory->used = used;
		memory->free = total - used;
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory)
{
	struct call c;
	struct ref r;
	struct obj o;
	unsigned long long total, used;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, memory != NULL, false, &r, &o);

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
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, nvmlDeviceArchitecture_t *arch)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, arch != NULL, false, &r, &o);

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
	return leave(&c, rc);
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
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, major != NULL && minor != NULL,
				    false, &r, &o);

	if (rc == NVML_SUCCESS)
		compute_capability(o.model, major, minor);
	return leave(&c, rc);
}

/* "Currently only supports MIG device handles" (header l.4578). */
static nvmlReturn_t attributes(const char *name, nvmlDevice_t device,
			       nvmlDeviceAttributes_t *attr)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, device, K_DEV, attr != NULL, false, &r, &o);

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
	return leave(&c, rc);
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
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU, activationStatus != NULL, true,
				    &r, &o);

	if (rc == NVML_SUCCESS) {
		nvmlReturn_t activation = NVML_SUCCESS;
		rc = sim_set_mig_mode(c.m, r.gpu, mode, &activation);
		if (rc == NVML_SUCCESS) {
			*activationStatus = activation;
			c.dirty = true;
		}
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode,
				  unsigned int *pendingMode)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU,
				    currentMode != NULL && pendingMode != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		*currentMode = o.g->mig_current ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
		*pendingMode = o.g->mig_pending ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
	}
	return leave(&c, rc);
}

/* --- GPU instance profiles --------------------------------------------- */

/* Profile queries follow the header: NOT_SUPPORTED while MIG is disabled
 * ("If device doesn't have MIG mode enabled or profile isn't supported");
 * the placement lists alone answer regardless of the mode (§2.3). */
static nvmlReturn_t gi_profile_lookup(const struct obj *o, bool by_id, unsigned key,
				      const struct migctl_gi_profile **out)
{
	if (!by_id && key >= NVML_GPU_INSTANCE_PROFILE_COUNT)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!o->g->mig_current)
		return NVML_ERROR_NOT_SUPPORTED;
	*out = by_id ? migctl_model_gi_profile_by_id(o->model, key)
		     : gi_profile_by_index(o->model, key);
	return *out ? NVML_SUCCESS : NVML_ERROR_NOT_SUPPORTED;
}

static void fill_gi_v2(nvmlGpuInstanceProfileInfo_v2_t *info, const struct migctl_gi_profile *p)
{
	unsigned version = info->version;

	memset(info, 0, sizeof(*info));
	info->version = version;
	info->id = p->id;
	info->isP2pSupported = 0;
	info->sliceCount = p->compute_slices;
	info->instanceCount = p->max;
	info->multiprocessorCount = p->sm;
	info->copyEngineCount = p->ce;
	info->decoderCount = p->dec;
	info->encoderCount = p->enc;
	info->jpegCount = p->jpg;
	info->ofaCount = p->ofa;
	info->memorySizeMB = p->memory_mib;
	copy_name(info->name, sizeof(info->name), "MIG ", p->name);
}

static void fill_gi_v3(nvmlGpuInstanceProfileInfo_v3_t *info, const struct migctl_gi_profile *p)
{
	unsigned version = info->version;

	memset(info, 0, sizeof(*info));
	info->version = version;
	info->id = p->id;
	info->sliceCount = p->compute_slices;
	info->instanceCount = p->max;
	info->multiprocessorCount = p->sm;
	info->copyEngineCount = p->ce;
	info->decoderCount = p->dec;
	info->encoderCount = p->enc;
	info->jpegCount = p->jpg;
	info->ofaCount = p->ofa;
	info->memorySizeMB = p->memory_mib;
	copy_name(info->name, sizeof(info->name), "MIG ", p->name);
	info->capabilities = has_gfx(p->name) ? NVML_GPU_INSTANCE_PROFILE_CAPS_GFX : 0;
}

nvmlReturn_t nvmlDeviceGetGpuInstanceProfileInfo(nvmlDevice_t device, unsigned int profile,
						 nvmlGpuInstanceProfileInfo_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	const struct migctl_gi_profile *p = NULL;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = gi_profile_lookup(&o, false, profile, &p);
	if (rc == NVML_SUCCESS) {
		memset(info, 0, sizeof(*info));
		info->id = p->id;
		info->isP2pSupported = 0;
		info->sliceCount = p->compute_slices;
		info->instanceCount = p->max;
		info->multiprocessorCount = p->sm;
		info->copyEngineCount = p->ce;
		info->decoderCount = p->dec;
		info->encoderCount = p->enc;
		info->jpegCount = p->jpg;
		info->ofaCount = p->ofa;
		info->memorySizeMB = p->memory_mib;
	}
	return leave(&c, rc);
}

/* v2 and v3 have the same size and different layouts: dispatch on the
 * whole version word (go-nvml passes a v3 struct through the v2 type). */
static nvmlReturn_t gi_profile_info_v(const char *name, nvmlDevice_t device, bool by_id,
				      unsigned key, nvmlGpuInstanceProfileInfo_v2_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	const struct migctl_gi_profile *p = NULL;
	nvmlReturn_t rc = enter_obj(&c, name, device, K_GPU, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && info->version != nvmlGpuInstanceProfileInfo_v2 &&
	    info->version != nvmlGpuInstanceProfileInfo_v3)
		rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	if (rc == NVML_SUCCESS)
		rc = gi_profile_lookup(&o, by_id, key, &p);
	if (rc == NVML_SUCCESS) {
		if (info->version == nvmlGpuInstanceProfileInfo_v3)
			fill_gi_v3((nvmlGpuInstanceProfileInfo_v3_t *)(void *)info, p);
		else
			fill_gi_v2(info, p);
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstanceProfileInfoV(nvmlDevice_t device, unsigned int profile,
						  nvmlGpuInstanceProfileInfo_v2_t *info)
{
	return gi_profile_info_v(__func__, device, false, profile, info);
}

/* An ID the GPU lacks is NOT_SUPPORTED, as an unsupported index is. */
nvmlReturn_t nvmlDeviceGetGpuInstanceProfileInfoByIdV(nvmlDevice_t device, unsigned int profileId,
						      nvmlGpuInstanceProfileInfo_v2_t *info)
{
	return gi_profile_info_v(__func__, device, true, profileId, info);
}

/* All placements of the profile whatever the occupancy (§2.3); v2 also
 * whatever the mode, counting them for a NULL buffer, while the legacy v1
 * wanted a buffer and MIG enabled. An unknown profile ID is
 * INVALID_ARGUMENT, as in the ops. */
static nvmlReturn_t gi_placements(const char *name, bool v2, nvmlDevice_t device,
				  unsigned profileId, nvmlGpuInstancePlacement_t *placements,
				  unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, device, K_GPU,
				    count != NULL && (v2 || placements != NULL), false, &r, &o);

	if (rc == NVML_SUCCESS && !v2 && !o.g->mig_current)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		const struct migctl_gi_profile *p = migctl_model_gi_profile_by_id(o.model, profileId);
		if (!p)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		else
			rc = put_placements(&p->placements, placements ? &placements[0].start : NULL,
					    placements ? &placements[0].size : NULL,
					    sizeof(*placements), count);
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstancePossiblePlacements(nvmlDevice_t device, unsigned int profileId,
							nvmlGpuInstancePlacement_t *placements,
							unsigned int *count)
{
	return gi_placements(__func__, false, device, profileId, placements, count);
}

nvmlReturn_t nvmlDeviceGetGpuInstancePossiblePlacements_v2(nvmlDevice_t device,
							   unsigned int profileId,
							   nvmlGpuInstancePlacement_t *placements,
							   unsigned int *count)
{
	return gi_placements(__func__, true, device, profileId, placements, count);
}

nvmlReturn_t nvmlDeviceGetGpuInstanceRemainingCapacity(nvmlDevice_t device,
						       unsigned int profileId,
						       unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = sim_gi_remaining(c.m, r.gpu, profileId, count);
	return leave(&c, rc);
}

/* --- GPU instances ----------------------------------------------------- */

static nvmlReturn_t create_gi(const char *name, nvmlDevice_t device, unsigned profileId,
			      const nvmlGpuInstancePlacement_t *placement, bool with_placement,
			      nvmlGpuInstance_t *gpuInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, device, K_GPU,
				    gpuInstance != NULL && (!with_placement || placement != NULL),
				    true, &r, &o);

	if (rc == NVML_SUCCESS) {
		struct migctl_placement p;
		unsigned id = 0;
		if (with_placement)
			p = (struct migctl_placement){placement->start, placement->size};
		rc = sim_create_gi(c.m, r.gpu, profileId, with_placement ? &p : NULL, &id);
		if (rc == NVML_SUCCESS) {
			void *h = handle_of(H_GI, r.gpu, id, NO_ID);
			if (h) {
				*gpuInstance = h;
				c.dirty = true;
			} else {
				rc = NVML_ERROR_UNKNOWN;
			}
		}
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceCreateGpuInstance(nvmlDevice_t device, unsigned int profileId,
					 nvmlGpuInstance_t *gpuInstance)
{
	return create_gi(__func__, device, profileId, NULL, false, gpuInstance);
}

nvmlReturn_t nvmlDeviceCreateGpuInstanceWithPlacement(nvmlDevice_t device, unsigned int profileId,
						      const nvmlGpuInstancePlacement_t *placement,
						      nvmlGpuInstance_t *gpuInstance)
{
	return create_gi(__func__, device, profileId, placement, true, gpuInstance);
}

nvmlReturn_t nvmlGpuInstanceDestroy(nvmlGpuInstance_t gpuInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI, true, true, &r, &o);

	if (rc == NVML_SUCCESS) {
		rc = sim_destroy_gi(c.m, r.gpu, r.gi);
		if (rc == NVML_ERROR_NOT_FOUND)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		if (rc == NVML_SUCCESS)
			c.dirty = true;
	}
	return leave(&c, rc);
}

/* The caller's buffer must hold the profile's instanceCount (header);
 * *count on input is not read by the driver (pynvml passes 0), but when a
 * caller does give a non-zero capacity smaller than the result it gets
 * INSUFFICIENT_SIZE with the needed count rather than an overrun. */
static nvmlReturn_t check_capacity(unsigned int *count, unsigned found)
{
	if (*count != 0 && *count < found) {
		*count = found;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetGpuInstances(nvmlDevice_t device, unsigned int profileId,
				       nvmlGpuInstance_t *gpuInstances, unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU,
				    gpuInstances != NULL && count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && !o.g->mig_current)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS && !migctl_model_gi_profile_by_id(o.model, profileId))
		rc = NVML_ERROR_INVALID_ARGUMENT;
	if (rc == NVML_SUCCESS) {
		unsigned ids[SIM_MAX_GIS], n = 0;
		for (unsigned i = 0; i < o.g->n_gis && i < SIM_MAX_GIS; i++) {
			if (o.g->gis[i].profile_id != profileId)
				continue;
			unsigned at = n++;
			while (at > 0 && ids[at - 1] > o.g->gis[i].id) {
				ids[at] = ids[at - 1];
				at--;
			}
			ids[at] = o.g->gis[i].id;
		}
		rc = check_capacity(count, n);
		for (unsigned i = 0; rc == NVML_SUCCESS && i < n; i++) {
			gpuInstances[i] = handle_of(H_GI, r.gpu, ids[i], NO_ID);
			if (!gpuInstances[i])
				rc = NVML_ERROR_UNKNOWN;
		}
		if (rc == NVML_SUCCESS)
			*count = n;
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstanceById(nvmlDevice_t device, unsigned int id,
					  nvmlGpuInstance_t *gpuInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU, gpuInstance != NULL, false,
				    &r, &o);

	if (rc == NVML_SUCCESS && !o.g->mig_current)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		void *h = handle_of(H_GI, r.gpu, id, NO_ID);
		if (!sim_gi_find(o.g, id) || !h)
			rc = NVML_ERROR_NOT_FOUND;
		else
			*gpuInstance = h;
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetInfo(nvmlGpuInstance_t gpuInstance, nvmlGpuInstanceInfo_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		memset(info, 0, sizeof(*info));
		info->device = handle_of(H_GPU, r.gpu, NO_ID, NO_ID);
		info->id = o.gi->id;
		info->profileId = o.gi->profile_id;
		info->placement.start = o.gi->placement.start;
		info->placement.size = o.gi->placement.size;
	}
	return leave(&c, rc);
}

/* --- compute instance profiles ----------------------------------------- */

/* Index = CI profile ID (§2.2). Engines are shared with the GI, so the
 * shared counts are the GI profile's. */
static nvmlReturn_t ci_profile_lookup(const struct obj *o, unsigned profile, unsigned engProfile,
				      const struct migctl_ci_profile **out)
{
	if (profile >= NVML_COMPUTE_INSTANCE_PROFILE_COUNT ||
	    engProfile != NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED)
		return NVML_ERROR_INVALID_ARGUMENT;
	*out = ci_profile_by_id(o->gp, profile);
	return *out ? NVML_SUCCESS : NVML_ERROR_NOT_SUPPORTED;
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceProfileInfo(nvmlGpuInstance_t gpuInstance,
							  unsigned int profile,
							  unsigned int engProfile,
							  nvmlComputeInstanceProfileInfo_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	const struct migctl_ci_profile *p = NULL;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = ci_profile_lookup(&o, profile, engProfile, &p);
	if (rc == NVML_SUCCESS) {
		memset(info, 0, sizeof(*info));
		info->id = p->id;
		info->sliceCount = p->slices;
		info->instanceCount = p->max;
		info->multiprocessorCount = p->sm;
		info->sharedCopyEngineCount = o.gp->ce;
		info->sharedDecoderCount = o.gp->dec;
		info->sharedEncoderCount = o.gp->enc;
		info->sharedJpegCount = o.gp->jpg;
		info->sharedOfaCount = o.gp->ofa;
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceProfileInfoV(nvmlGpuInstance_t gpuInstance,
							   unsigned int profile,
							   unsigned int engProfile,
							   nvmlComputeInstanceProfileInfo_v2_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	const struct migctl_ci_profile *p = NULL;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && info->version != nvmlComputeInstanceProfileInfo_v2 &&
	    info->version != nvmlComputeInstanceProfileInfo_v3)
		rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	if (rc == NVML_SUCCESS)
		rc = ci_profile_lookup(&o, profile, engProfile, &p);
	if (rc == NVML_SUCCESS) {
		unsigned version = info->version;
		/* v3 = v2 + capabilities: fill the common part, then the tail. */
		memset(info, 0, sizeof(*info));
		info->version = version;
		info->id = p->id;
		info->sliceCount = p->slices;
		info->instanceCount = p->max;
		info->multiprocessorCount = p->sm;
		info->sharedCopyEngineCount = o.gp->ce;
		info->sharedDecoderCount = o.gp->dec;
		info->sharedEncoderCount = o.gp->enc;
		info->sharedJpegCount = o.gp->jpg;
		info->sharedOfaCount = o.gp->ofa;
		copy_name(info->name, sizeof(info->name), "MIG ", p->name);
		if (version == nvmlComputeInstanceProfileInfo_v3) {
			nvmlComputeInstanceProfileInfo_v3_t *v3 =
				(nvmlComputeInstanceProfileInfo_v3_t *)(void *)info;
			v3->capabilities = has_gfx(p->name) || has_gfx(o.gp->name)
						   ? NVML_COMPUTE_INSTANCE_PROFILE_CAPS_GFX
						   : 0;
		}
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceRemainingCapacity(nvmlGpuInstance_t gpuInstance,
								unsigned int profileId,
								unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		rc = sim_ci_remaining(c.m, r.gpu, r.gi, profileId, count);
		if (rc == NVML_ERROR_NOT_FOUND)
			rc = NVML_ERROR_INVALID_ARGUMENT;
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstancePossiblePlacements(
	nvmlGpuInstance_t gpuInstance, unsigned int profileId,
	nvmlComputeInstancePlacement_t *placements, unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		const struct migctl_ci_profile *p = ci_profile_by_id(o.gp, profileId);
		if (!p)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		else
			rc = put_placements(&p->placements, placements ? &placements[0].start : NULL,
					    placements ? &placements[0].size : NULL,
					    sizeof(*placements), count);
	}
	return leave(&c, rc);
}

/* --- compute instances ------------------------------------------------- */

static nvmlReturn_t create_ci(const char *name, nvmlGpuInstance_t gpuInstance, unsigned profileId,
			      const nvmlComputeInstancePlacement_t *placement, bool with_placement,
			      nvmlComputeInstance_t *computeInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, gpuInstance, K_GI,
				   computeInstance != NULL && (!with_placement || placement != NULL),
				   true, &r, &o);

	if (rc == NVML_SUCCESS) {
		struct migctl_placement p;
		unsigned id = 0;
		if (with_placement)
			p = (struct migctl_placement){placement->start, placement->size};
		rc = sim_create_ci(c.m, r.gpu, r.gi, profileId, with_placement ? &p : NULL, &id);
		if (rc == NVML_ERROR_NOT_FOUND)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		if (rc == NVML_SUCCESS) {
			void *h = handle_of(H_CI, r.gpu, r.gi, id);
			if (h) {
				*computeInstance = h;
				c.dirty = true;
			} else {
				rc = NVML_ERROR_UNKNOWN;
			}
		}
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceCreateComputeInstance(nvmlGpuInstance_t gpuInstance,
						  unsigned int profileId,
						  nvmlComputeInstance_t *computeInstance)
{
	return create_ci(__func__, gpuInstance, profileId, NULL, false, computeInstance);
}

nvmlReturn_t nvmlGpuInstanceCreateComputeInstanceWithPlacement(
	nvmlGpuInstance_t gpuInstance, unsigned int profileId,
	const nvmlComputeInstancePlacement_t *placement, nvmlComputeInstance_t *computeInstance)
{
	return create_ci(__func__, gpuInstance, profileId, placement, true, computeInstance);
}

nvmlReturn_t nvmlComputeInstanceDestroy(nvmlComputeInstance_t computeInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, computeInstance, K_CI, true, true, &r, &o);

	if (rc == NVML_SUCCESS) {
		rc = sim_destroy_ci(c.m, r.gpu, r.gi, r.ci);
		if (rc == NVML_ERROR_NOT_FOUND)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		if (rc == NVML_SUCCESS)
			c.dirty = true;
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstances(nvmlGpuInstance_t gpuInstance,
						unsigned int profileId,
						nvmlComputeInstance_t *computeInstances,
						unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI,
				   computeInstances != NULL && count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && !ci_profile_by_id(o.gp, profileId))
		rc = NVML_ERROR_INVALID_ARGUMENT;
	if (rc == NVML_SUCCESS) {
		unsigned ids[SIM_MAX_CIS], n = 0;
		for (unsigned i = 0; i < o.gi->n_cis && i < SIM_MAX_CIS; i++) {
			if (o.gi->cis[i].profile_id != profileId)
				continue;
			unsigned at = n++;
			while (at > 0 && ids[at - 1] > o.gi->cis[i].id) {
				ids[at] = ids[at - 1];
				at--;
			}
			ids[at] = o.gi->cis[i].id;
		}
		rc = check_capacity(count, n);
		for (unsigned i = 0; rc == NVML_SUCCESS && i < n; i++) {
			computeInstances[i] = handle_of(H_CI, r.gpu, r.gi, ids[i]);
			if (!computeInstances[i])
				rc = NVML_ERROR_UNKNOWN;
		}
		if (rc == NVML_SUCCESS)
			*count = n;
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceById(nvmlGpuInstance_t gpuInstance,
						   unsigned int id,
						   nvmlComputeInstance_t *computeInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, gpuInstance, K_GI, computeInstance != NULL, false,
				   &r, &o);

	if (rc == NVML_SUCCESS) {
		void *h = handle_of(H_CI, r.gpu, r.gi, id);
		if (!sim_ci_find(o.gi, id) || !h)
			rc = NVML_ERROR_NOT_FOUND;
		else
			*computeInstance = h;
	}
	return leave(&c, rc);
}

/* The v1 struct ends before `placement` (added with _v2, NVML 11.1): a v1
 * caller's buffer is that much shorter, so v1 writes nothing past it. */
static nvmlReturn_t ci_info(const char *name, bool v2, nvmlComputeInstance_t computeInstance,
			    nvmlComputeInstanceInfo_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, computeInstance, K_CI, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		info->device = handle_of(H_GPU, r.gpu, NO_ID, NO_ID);
		info->gpuInstance = handle_of(H_GI, r.gpu, r.gi, NO_ID);
		info->id = o.ci->id;
		info->profileId = o.ci->profile_id;
		if (v2) {
			info->placement.start = o.ci->placement.start;
			info->placement.size = o.ci->placement.size;
		}
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlComputeInstanceGetInfo(nvmlComputeInstance_t computeInstance,
					nvmlComputeInstanceInfo_t *info)
{
	return ci_info(__func__, false, computeInstance, info);
}

nvmlReturn_t nvmlComputeInstanceGetInfo_v2(nvmlComputeInstance_t computeInstance,
					   nvmlComputeInstanceInfo_t *info)
{
	return ci_info(__func__, true, computeInstance, info);
}

/* --- MIG devices ------------------------------------------------------- */

nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *isMigDevice)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_DEV, isMigDevice != NULL, false,
				    &r, &o);

	if (rc == NVML_SUCCESS)
		*isMigDevice = r.kind == H_MIG;
	return leave(&c, rc);
}

/* Queries of a MIG device on a GPU handle: "not supported by the device". */
static nvmlReturn_t mig_id(const char *name, nvmlDevice_t device, unsigned int *id, bool ci)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, device, K_DEV, id != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind != H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		*id = ci ? o.ci->id : o.gi->id;
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int *id)
{
	return mig_id(__func__, device, id, false);
}

nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int *id)
{
	return mig_id(__func__, device, id, true);
}

/* One MIG device per compute slice at most: the model's compute slices
 * (7 on A100/H100, 4 on A30 and RTX PRO 6000); 0 when MIG is disabled. */
nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		*count = o.g->mig_current ? o.model->compute_slices : 0;
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index,
						 nvmlDevice_t *migDevice)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, device, K_GPU, migDevice != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		struct sim_mig_ref refs[SIM_MAX_GIS * SIM_MAX_CIS];
		size_t n = sim_mig_devices(c.m, r.gpu, refs, SIM_MAX_GIS * SIM_MAX_CIS);
		if (index >= n || index >= SIM_MAX_GIS * SIM_MAX_CIS) {
			rc = NVML_ERROR_NOT_FOUND;
		} else {
			void *h = handle_of(H_MIG, r.gpu, refs[index].gi, refs[index].ci);
			if (h)
				*migDevice = h;
			else
				rc = NVML_ERROR_UNKNOWN;
		}
	}
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice,
							  nvmlDevice_t *device)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, __func__, migDevice, K_DEV, device != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind != H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		*device = handle_of(H_GPU, r.gpu, NO_ID, NO_ID);
	return leave(&c, rc);
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
	nvmlReturn_t rc = enter_obj(&c, name, device, K_DEV, infoCount != NULL, false, &r, &o);

	if (rc != NVML_SUCCESS)
		return leave(&c, rc);

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
		return leave(&c, NVML_ERROR_INSUFFICIENT_SIZE);
	}
	if (n > 0 && !infos)
		return leave(&c, NVML_ERROR_INVALID_ARGUMENT);
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
	return leave(&c, NVML_SUCCESS);
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
static nvmlReturn_t unsupported(const char *name, nvmlDevice_t device, bool args_ok)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = enter_obj(&c, name, device, K_DEV, args_ok, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = NVML_ERROR_NOT_SUPPORTED;
	return leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGpuFabricInfo(nvmlDevice_t device, nvmlGpuFabricInfo_t *gpuFabricInfo)
{
	return unsupported(__func__, device, gpuFabricInfo != NULL);
}

nvmlReturn_t nvmlDeviceGetGpuFabricInfoV(nvmlDevice_t device, nvmlGpuFabricInfoV_t *gpuFabricInfo)
{
	return unsupported(__func__, device, gpuFabricInfo != NULL);
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
	return unsupported(__func__, device, utilization != NULL);
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensorType,
				      unsigned int *temp)
{
	(void)sensorType;
	return unsupported(__func__, device, temp != NULL);
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
	return unsupported(__func__, device, power != NULL);
}

nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t device, nvmlEnableState_t *mode)
{
	return unsupported(__func__, device, mode != NULL);
}

/* --- simulator control ------------------------------------------------- */

/* Works with or without nvmlInit. A reset is a privileged operation, so a
 * non-root machine refuses it. Faults registered as "migsimResetGpu" or
 * as the "mutating" class apply. */
int migsimResetGpu(unsigned int index)
{
	struct call c;
	nvmlReturn_t rc = begin(&c, __func__, false, true, true);

	if (rc == NVML_SUCCESS && index >= c.m->n_gpus)
		rc = NVML_ERROR_INVALID_ARGUMENT;
	if (rc == NVML_SUCCESS && c.m->non_root)
		rc = NVML_ERROR_NO_PERMISSION;
	if (rc == NVML_SUCCESS) {
		rc = sim_reset_gpu(c.m, index);
		if (rc == NVML_SUCCESS)
			c.dirty = true;
	}
	return (int)leave(&c, rc);
}

/* The state directory for the next nvmlInit of this process, as a client
 * chooses it (NULL or "": back to $MIGSIM_STATE and the defaults). It
 * lets a client name the machine without changing its own environment;
 * an initialised library keeps the directory it has until the last
 * nvmlShutdown. INVALID_ARGUMENT if the path does not fit. */
int migsimSetStateDir(const char *dir)
{
	nvmlReturn_t rc = NVML_SUCCESS;

	pthread_mutex_lock(&lib_lock);
	if (!dir)
		dir = "";
	if (strlen(dir) >= sizeof(state_override))
		rc = NVML_ERROR_INVALID_ARGUMENT;
	else
		memcpy(state_override, dir, strlen(dir) + 1);
	pthread_mutex_unlock(&lib_lock);
	return (int)rc;
}
