/* migsim — internal: the call path that every exported NVML function of
 * the simulator takes (sim/nvml.c), shared by the files that define them:
 * sim/nvml.c (library, system, simulator control), sim/nvml_device.c
 * (devices, MIG mode, processes, stubs), sim/nvml_mig.c (GPU and
 * compute instances, their profiles, MIG devices), sim/nvml_telemetry.c
 * (sensors, power, clocks, utilization), sim/nvml_board.c (ECC, PCIe,
 * board identity, modes), sim/nvml_monitor.c (field values, events,
 * GPM), sim/nvml_system.c (process names, units, topology set, excluded
 * GPUs) and sim/nvml_stubs.c (topology, affinity, vGPU). */
#ifndef MIGSIM_NVML_CALL_H
#define MIGSIM_NVML_CALL_H

#include <stdbool.h>

#include "nvml_entries.h"
#include "sim.h"

#define EXPORT __attribute__((visibility("default")))
#define NO_ID NVML_VALUE_NOT_AVAILABLE_UINT

/* Every export is declared from the one table, lib/nvml_entries.h: a
 * definition whose signature differs from the table's does not compile
 * ("conflicting types"), and the version scripts generated from the same
 * table export exactly these names. */
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

/* What a handle names. */
struct ref {
	enum hkind kind;
	unsigned gpu;
	unsigned gi;   /* NO_ID for a GPU */
	unsigned ci;   /* NO_ID for a GPU or a GI */
};

/* The handle of an object (stable for the life of the process); NULL if
 * the coordinates are out of range. */
void *nv_handle_of(enum hkind kind, unsigned gpu, unsigned gi, unsigned ci);

/* Decode a handle; false if `p` is no handle of one of the `kinds`. */
bool nv_decode(const void *p, unsigned kinds, struct ref *r);

/* --- the call path ----------------------------------------------------- */

struct call {
	const char *name;
	struct sim_session s;
	bool open;
	bool dirty;             /* commit at nv_leave() if the call succeeds */
	bool kill;              /* a kill fault: SIGKILL at nv_leave(), after the commit */
	struct sim_machine *m;
};

/* The objects behind a handle in the loaded state. */
struct obj {
	struct sim_gpu *g;
	const struct migctl_gpu_model *model;
	struct sim_gi *gi;
	const struct migctl_gi_profile *gp;
	struct sim_ci *ci;
	const struct migctl_ci_profile *cp;
};

/* Start a call: lock, check initialisation (if `need_init`) and
 * arguments, load the state (exclusive if `write`). Whatever it returns,
 * the call ends with nv_leave(). */
nvmlReturn_t nv_begin(struct call *c, const char *name, bool need_init, bool args_ok,
		      bool write);
/* nv_begin for a call that needs nvmlInit. */
nvmlReturn_t nv_enter(struct call *c, const char *name, bool args_ok, bool write);
/* End a call: commit if it changed the machine and succeeded, close,
 * unlock; returns `rc` (or UNKNOWN if the commit failed). */
nvmlReturn_t nv_leave(struct call *c, nvmlReturn_t rc);
/* Find the object a handle names in the loaded state. */
nvmlReturn_t nv_resolve(const struct call *c, const struct ref *r, struct obj *o);
/* Start a call on a handle of one of `kinds` and resolve it. */
nvmlReturn_t nv_enter_obj(struct call *c, const char *name, const void *handle,
			  unsigned kinds, bool args_ok, bool write, struct ref *r,
			  struct obj *o);

/* A device query the simulator does not model: checked like every call
 * (initialisation, handle, pointer, faults), then NOT_SUPPORTED, so
 * clients take their "no data" path. */
nvmlReturn_t nv_unsupported(const char *name, nvmlDevice_t device, bool args_ok);

/* Hopper, Blackwell, or a catalog model of unknown architecture: the
 * boards with GPM and GSP firmware (docs/simulator-model.md). */
bool nv_hopper_or_later(const struct migctl_gpu_model *model);

/* Copy `s` into a caller's buffer of `length` bytes, as NVML does:
 * INSUFFICIENT_SIZE if it does not fit with its NUL. */
nvmlReturn_t nv_put_str(char *buf, unsigned int length, const char *s);

#endif
