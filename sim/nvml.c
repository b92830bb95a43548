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
#include "nvml_call.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* --- handles ----------------------------------------------------------- */

/* Per GPU: the GPU, its GIs by ID, its CIs by (GI, CI), its MIG devices
 * by (GI, CI). */
#define SLOTS_GI SIM_MAX_GIS
#define SLOTS_GICI (SIM_MAX_GIS * SIM_MAX_CIS)
#define SLOTS_PER_GPU (1 + SLOTS_GI + 2 * SLOTS_GICI)

static unsigned char handle_space[SIM_MAX_GPUS * SLOTS_PER_GPU];

void *nv_handle_of(enum hkind kind, unsigned gpu, unsigned gi, unsigned ci)
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
bool nv_decode(const void *p, unsigned kinds, struct ref *r)
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

/* Why the state last failed to open, for migsimLastStateError: NVML has
 * no return code that says "your state file is corrupt". */
static struct migctl_error state_err;
static enum migctl_err state_rc;

static nvmlReturn_t open_state(struct call *c, enum sim_lock mode)
{
	struct migctl_error err;
	enum migctl_err rc = sim_open(&c->s, state_dir, mode, true, &err);

	state_rc = rc; /* under lib_lock, taken by nv_begin */
	if (rc != MIGCTL_ERR_OK) {
		state_err = err;
		return NVML_ERROR_UNKNOWN;
	}
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
 * before the call's work; the work, if any, commits separately at nv_leave().
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
		 * unless nv_leave() commits that work, sim_close must drop it
		 * from the cache, as for any uncommitted change. */
		if (rc == NVML_SUCCESS)
			c->s.committed = false;
	}
	c->kill = die;
	return rc;
}

/* Start a call: lock, check initialisation and arguments, load the state.
 * Whatever it returns, the call ends with nv_leave(). */
nvmlReturn_t nv_begin(struct call *c, const char *name, bool need_init,
		      bool args_ok, bool write)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	pthread_mutex_lock(&lib_lock);
	if (init_count == 0) {
		if (need_init)
			return NVML_ERROR_UNINITIALIZED;
		sim_state_dir(state_override, state_dir, sizeof(state_dir));
		/* MIGSIM_FAST_PATH=0: every call locks the state, as before the
		 * shared generation (bench/sim_calls.c compares the two). */
		const char *fp = getenv("MIGSIM_FAST_PATH");
		sim_gen_set_fast_path(!fp || strcmp(fp, "0") != 0);
	}
	if (!args_ok)
		return NVML_ERROR_INVALID_ARGUMENT;
	return load(c, write);
}

nvmlReturn_t nv_enter(struct call *c, const char *name, bool args_ok, bool write)
{
	return nv_begin(c, name, true, args_ok, write);
}

nvmlReturn_t nv_leave(struct call *c, nvmlReturn_t rc)
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

/* Find the object a handle names in the loaded state. A device handle
 * whose object is gone is NOT_FOUND; a GI/CI handle is INVALID_ARGUMENT. */
nvmlReturn_t nv_resolve(const struct call *c, const struct ref *r, struct obj *o)
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

/* Start a call on a handle of one of `kinds` (GPU, MIG device, GI, CI)
 * and resolve it. */
nvmlReturn_t nv_enter_obj(struct call *c, const char *name, const void *handle,
			  unsigned kinds, bool args_ok, bool write, struct ref *r,
			  struct obj *o)
{
	bool ok = nv_decode(handle, kinds, r);
	nvmlReturn_t rc = nv_enter(c, name, ok && args_ok, write);

	if (rc == NVML_SUCCESS)
		rc = nv_resolve(c, r, o);
	return rc;
}

/* Copy `s` into a caller's buffer of `length` bytes, as NVML does:
 * INSUFFICIENT_SIZE if it does not fit with its NUL. */
nvmlReturn_t nv_put_str(char *buf, unsigned int length, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)length < n + 1)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	memcpy(buf, s, n + 1);
	return NVML_SUCCESS;
}

/* --- library ----------------------------------------------------------- */

static nvmlReturn_t init_common(const char *name, unsigned int flags)
{
	struct call c;
	nvmlReturn_t rc = nv_begin(&c, name, false, true, false);

	/* No GPUs: the driver would not have loaded (NVML_INIT_FLAG_NO_GPUS
	 * lets init succeed anyway). */
	if (rc == NVML_SUCCESS && c.m->n_gpus == 0 && !(flags & NVML_INIT_FLAG_NO_GPUS))
		rc = NVML_ERROR_DRIVER_NOT_LOADED;
	if (rc == NVML_SUCCESS)
		init_count++;
	return nv_leave(&c, rc);
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

/* The machine's driver version, or (`nvml`) its NVML version. */
static nvmlReturn_t system_string(const char *name, char *version, unsigned int length,
				  bool nvml)
{
	struct call c;
	struct sim_driver d;
	nvmlReturn_t rc = nv_enter(&c, name, version != NULL, false);

	if (rc == NVML_SUCCESS) {
		sim_driver_of(c.m, &d);
		rc = nv_put_str(version, length, nvml ? d.nvml : d.version);
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
	return system_string(__func__, version, length, false);
}

nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length)
{
	return system_string(__func__, version, length, true);
}

static nvmlReturn_t cuda_version(const char *name, int *out)
{
	struct call c;
	struct sim_driver d;
	nvmlReturn_t rc = nv_enter(&c, name, out != NULL, false);

	if (rc == NVML_SUCCESS) {
		sim_driver_of(c.m, &d);
		*out = d.cuda;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion)
{
	return cuda_version(__func__, cudaDriverVersion);
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *cudaDriverVersion)
{
	return cuda_version(__func__, cudaDriverVersion);
}

/* --- simulator control ------------------------------------------------- */

/* Works with or without nvmlInit. A reset is a privileged operation, so a
 * non-root machine refuses it. Faults registered as "migsimResetGpu" or
 * as the "mutating" class apply. */
int migsimResetGpu(unsigned int index)
{
	struct call c;
	nvmlReturn_t rc = nv_begin(&c, __func__, false, true, true);

	if (rc == NVML_SUCCESS && index >= c.m->n_gpus)
		rc = NVML_ERROR_INVALID_ARGUMENT;
	if (rc == NVML_SUCCESS && c.m->non_root)
		rc = NVML_ERROR_NO_PERMISSION;
	if (rc == NVML_SUCCESS) {
		rc = sim_reset_gpu(c.m, index);
		if (rc == NVML_SUCCESS)
			c.dirty = true;
	}
	return (int)nv_leave(&c, rc);
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

/* --- internal export tables -------------------------------------------- */

/* NVIDIA's nvidia-smi asks for one private table at start-up and stops
 * with "Mismatch in versions between nvidia-smi and NVML" when the entry
 * point is absent. Answering its ID with a table of null entries is the
 * publicly known way to let it run: it then uses the public entry points
 * only. Any other ID is INVALID_ARGUMENT. No state is touched. */
static const unsigned char smi_table_id[16] = {
	0xc4, 0xfe, 0x3e, 0x6c, 0xc9, 0x8f, 0x6c, 0x4e,
	0xa3, 0x27, 0xee, 0x69, 0x6e, 0x12, 0xf7, 0xc4,
};
static const void *const smi_table[32];

nvmlReturn_t nvmlInternalGetExportTable(const void **ppExportTable, const void *pExportTableId)
{
	if (!ppExportTable || !pExportTableId)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (memcmp(pExportTableId, smi_table_id, sizeof(smi_table_id)) != 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	*ppExportTable = smi_table;
	return NVML_SUCCESS;
}

/* The migctl error code (include/migctl/error.h) of the last state that
 * could not be opened, 0 if none, and its message into `msg` (`len`
 * bytes): how a client tells a broken or newer state file (exit 12) from
 * a driver error, which nvmlInit's UNKNOWN cannot say. */
int migsimLastStateError(char *msg, unsigned int len)
{
	int rc;

	pthread_mutex_lock(&lib_lock);
	rc = (int)state_rc;
	if (msg && len)
		snprintf(msg, len, "%s", rc ? state_err.msg : "");
	pthread_mutex_unlock(&lib_lock);
	return rc;
}
