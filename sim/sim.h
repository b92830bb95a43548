/* migsim — the simulated machine behind build/sim/libnvidia-ml.so.1 and
 * build/migsim.
 *
 * Three layers:
 *   - the machine model (struct sim_machine) and the driver's semantics on
 *     it (sim/ops.c): pure functions, no I/O, return NVML codes;
 *   - persistence (sim/state.c): a state directory shared by all processes,
 *     a file lock around every access, atomic writes, a format version;
 *   - front ends: the NVML ABI (sim/nvml.c) and the control tool
 *     (sim/migsim.c).
 *
 * The simulator shares migctl's catalog and geometry code but none of its
 * NVML client code: it is the driver side of the ABI (lib/nvml_abi.h).
 */
#ifndef MIGSIM_SIM_H
#define MIGSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/geometry.h"
#include "nvml_abi.h"

#define SIM_FORMAT_VERSION 1
#define SIM_MAX_GPUS 32
#define SIM_MAX_GIS 15        /* GI IDs 0..14 (swizzIds) */
#define SIM_MAX_CIS 8         /* CI IDs 0..7 */
#define SIM_MAX_PROCS 256
#define SIM_MAX_FAULTS 32
#define SIM_CALL_MAX 64
#define SIM_DRIVER_VERSION "580.95.05"
#define SIM_CUDA_VERSION 13000  /* nvmlSystemGetCudaDriverVersion: 13.0 */

struct sim_ci {
	unsigned id;
	unsigned profile_id;                /* CI profile ID */
	struct migctl_placement placement;  /* in compute slices of the GI */
	unsigned uuid_gen;                  /* earlier CIs at this GI/CI ID */
};

struct sim_gi {
	unsigned id;                        /* swizzId, from the placement */
	unsigned profile_id;
	struct migctl_placement placement;
	struct sim_ci cis[SIM_MAX_CIS];
	unsigned n_cis;
};

struct sim_gpu {
	char model[MIGCTL_NAME_MAX];        /* catalog model name */
	const struct migctl_gpu_model *m;   /* resolved on load, not stored */
	char uuid[48];                      /* "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
	char serial[24];
	unsigned pci_bus;                   /* bus number; domain 0, device 0 */
	unsigned minor;                     /* /dev/nvidia<minor> */
	bool mig_current;
	bool mig_pending;
	bool half_swapped;                  /* GI-ID mapping of this board */
	/* ECC errors counted from injected events (sim/telemetry.c); "ecc" in
	 * the state, optional on load (older states load with 0). */
	unsigned long long ecc_corrected;
	unsigned long long ecc_uncorrected;
	bool mig_survives_reset;            /* Hopper+: MIG mode kept on reset */
	struct sim_gi gis[SIM_MAX_GIS];
	unsigned n_gis;
	/* CIs created at each (GI ID, CI ID) since the machine was built:
	 * the next one there gets this as its uuid_gen. Kept across resets. */
	uint16_t ci_made[SIM_MAX_GIS][SIM_MAX_CIS];
};

/* The load a process puts on its device (`migsim exec --load`): each a
 * fraction 0..1 of what the device can do (docs/simulator-model.md). */
struct sim_load {
	double sm;          /* SM activity: cycles with a warp resident */
	double occupancy;   /* resident warps / maximum */
	double tensor;      /* any tensor pipe active */
	double fp64, fp32, fp16;
	double dram;        /* memory interface active */
	double pcie_tx;     /* share of the PCIe link's bandwidth, GPU to host */
	double pcie_rx;     /* host to GPU */
};

/* A process registered by `migsim exec` on a GPU (gi/ci =
 * NVML_VALUE_NOT_AVAILABLE_UINT) or on a MIG device. `load` is stored as
 * "load" only when not all zero, so older states load unchanged. */
struct sim_process {
	unsigned pid;
	unsigned gpu;
	unsigned gi;
	unsigned ci;
	unsigned long long used_mib;
	struct sim_load load;
};

/* An event that `migsim event` injected (nvmlEventSetWait_v2 hands it
 * out): its NVML event type bit, data (the XID for an XID event) and the
 * MIG instance it is attributed to (NO_ID when none). `seq` orders events
 * across processes; the machine keeps the last SIM_MAX_EVENTS. */
#define SIM_MAX_EVENTS 64
struct sim_event {
	unsigned long long seq;
	unsigned gpu;
	unsigned gi;
	unsigned ci;
	unsigned long long type;
	unsigned long long data;
};

/* Fault injection. A fault matches a call by its exact name, by the base
 * name of a versioned entry point ("nvmlDeviceGetCount" for
 * "nvmlDeviceGetCount_v2"), or by a class name (SIM_FAULT_MUTATING: every
 * call in sim_mutating_calls). Faults are checked in the order they were
 * added and the first that matches a call applies; the others are not
 * looked at for that call. It first lets `skip` matching calls run
 * normally (each counts the skip down), then acts on the next `remaining`
 * matching calls (remaining < 0: every one):
 *   - error > 0: the call returns `error` without doing anything;
 *   - error == SIM_FAULT_KILL: the call runs normally, what it did is
 *     committed to the state like any call's work, then the calling
 *     process gets SIGKILL before the call returns (a client that crashes
 *     right after the driver did the work), whatever the call returned.
 * A fault is removed when `remaining` reaches 0. Stored in the state as
 * {"call", "error", "remaining", "skip"}; "skip" is optional on load
 * (states written before it existed load with skip 0). */
#define SIM_FAULT_KILL (-1)
#define SIM_FAULT_MUTATING "mutating"

struct sim_fault {
	char call[SIM_CALL_MAX];
	int error;                          /* NVML error, or SIM_FAULT_KILL */
	int remaining;
	int skip;                           /* matching calls to let through first */
};

/* The calls that change the machine, the members of the SIM_FAULT_MUTATING
 * class: every NVML export that mutates, and migsimResetGpu. NULL-ended. */
extern const char *const sim_mutating_calls[];

struct sim_machine {
	uint64_t generation;                /* bumped by every write */
	bool non_root;                      /* mutating calls: NO_PERMISSION */
	char driver[32];                    /* driver version (sim/driver.c) */
	char catalog_file[256];             /* extra catalog file, "" if none */
	struct sim_gpu gpus[SIM_MAX_GPUS];
	unsigned n_gpus;
	struct sim_process procs[SIM_MAX_PROCS];
	unsigned n_procs;
	struct sim_fault faults[SIM_MAX_FAULTS];
	unsigned n_faults;
	struct sim_event events[SIM_MAX_EVENTS];  /* oldest first */
	unsigned n_events;
	unsigned long long event_seq;       /* seq of the last event injected */
	struct migctl_catalog catalog;      /* builtin + catalog_file; owned */
};

/* --- machine model and driver semantics (sim/ops.c) ------------------- */

/* One GPU of a new machine: a catalog model and a count. */
struct sim_gpu_spec {
	const struct migctl_gpu_model *model;
	unsigned count;
};

/* Fill `m` (whose catalog is loaded) with a fresh machine: GPUs in spec
 * order, MIG disabled, no instances, processes or faults (catalog and
 * catalog_file are kept); `swapped` marks GPU indices with the half-swapped
 * GI-ID mapping (bit i = GPU i). UUIDs, serials, bus numbers and minors are
 * deterministic functions of the GPU index and model. MIGCTL_ERR_USAGE for
 * more than SIM_MAX_GPUS GPUs or a swapped bit past the last GPU. */
enum migctl_err sim_machine_build(struct sim_machine *m,
				  const struct sim_gpu_spec *spec, size_t n_spec,
				  uint32_t swapped, bool non_root,
				  struct migctl_error *err);

/* Release what `m` owns (its catalog). */
void sim_machine_release(struct sim_machine *m);

/* Lookups; NULL if absent. */
struct sim_gi *sim_gi_find(struct sim_gpu *g, unsigned gi_id);
struct sim_ci *sim_ci_find(struct sim_gi *gi, unsigned ci_id);
const struct migctl_gi_profile *sim_gi_profile(const struct sim_gpu *g,
					       const struct sim_gi *gi);
const struct migctl_ci_profile *sim_ci_profile(const struct sim_gpu *g,
					       const struct sim_gi *gi,
					       const struct sim_ci *ci);

/* Does a fault with call name `name` match the call `call` (exact name,
 * base name of a versioned call, or class)? */
bool sim_fault_matches(const char *name, const char *call);

/* Is any fault that still acts (remaining != 0) registered for `call`? A
 * read-only check, to decide whether the call needs the exclusive lock. */
bool sim_fault_pending(const struct sim_machine *m, const char *call);

/* What the first fault matching `call` does to it (see struct sim_fault).
 * Counts that fault down (skip first, then remaining; removed when spent)
 * and sets *changed when it did, so the caller must commit. Returns the
 * injected error, or NVML_SUCCESS when the call is to run normally; then
 * *kill says whether the process is to be killed once the call is done. */
nvmlReturn_t sim_fault_apply(struct sim_machine *m, const char *call, bool *changed,
			     bool *kill);

/* sim_fault_apply without the flags: the injected error (the fault counted
 * down) or NVML_SUCCESS, also for a call that a kill fault lets run. */
nvmlReturn_t sim_fault_take(struct sim_machine *m, const char *call);

/* True if a registered process runs on the GPU (gi == ci == ~0u), on the
 * GI (ci == ~0u) or on the CI. */
bool sim_busy(const struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci);

/* MIG mode. Ampere: the change stays pending until sim_reset_gpu or a
 * reboot, and `activation` is NVML_ERROR_RESET_REQUIRED (what a host whose
 * driver cannot reset the GPU itself reports; nvidia-smi then prints the
 * "pending enable state" warning). Hopper and later: immediate, activation
 * NVML_SUCCESS. Setting the mode it already has is a no-op. Returns IN_USE
 * if processes run on the GPU, or, to disable, while GIs exist. */
nvmlReturn_t sim_set_mig_mode(struct sim_machine *m, unsigned gpu, unsigned mode,
			      nvmlReturn_t *activation);

/* GPU reset: every instance is lost; Ampere applies the pending MIG mode,
 * Hopper and later come back with MIG disabled unless the GPU's
 * mig_survives_reset setting keeps the mode. IN_USE if processes run. */
nvmlReturn_t sim_reset_gpu(struct sim_machine *m, unsigned gpu);

/* Reboot: reset every GPU, drop every process. */
void sim_reboot(struct sim_machine *m);

/* Mutating operations return NO_PERMISSION on a non-root machine.
 *
 * Create a GI of profile ID `profile_id`, at `placement` or (NULL) where
 * the driver would put it. Errors: NOT_SUPPORTED (MIG disabled),
 * INVALID_ARGUMENT (unknown profile, placement not listed),
 * INSUFFICIENT_RESOURCES (no room / limit reached / placement occupied),
 * IN_USE (first GI while processes run on the GPU). */
nvmlReturn_t sim_create_gi(struct sim_machine *m, unsigned gpu, unsigned profile_id,
			   const struct migctl_placement *placement, unsigned *gi_id);

/* Destroy a GI: NOT_FOUND if absent, IN_USE if it has CIs or processes. */
nvmlReturn_t sim_destroy_gi(struct sim_machine *m, unsigned gpu, unsigned gi_id);

/* Create a CI in a GI (lowest free CI ID); placement NULL = lowest start.
 * NOT_FOUND for an unknown GI (also for destroy and remaining capacity);
 * INVALID_ARGUMENT for a bad GPU index everywhere. */
nvmlReturn_t sim_create_ci(struct sim_machine *m, unsigned gpu, unsigned gi_id,
			   unsigned ci_profile_id,
			   const struct migctl_placement *placement, unsigned *ci_id);

/* Destroy a CI: NOT_FOUND if absent, IN_USE if processes run on it. */
nvmlReturn_t sim_destroy_ci(struct sim_machine *m, unsigned gpu, unsigned gi_id,
			    unsigned ci_id);

/* Remaining capacity (nvmlDeviceGetGpuInstanceRemainingCapacity and the CI
 * equivalent). NOT_SUPPORTED when MIG is disabled; INVALID_ARGUMENT for an
 * unknown profile. */
nvmlReturn_t sim_gi_remaining(const struct sim_machine *m, unsigned gpu,
			      unsigned profile_id, unsigned *count);
nvmlReturn_t sim_ci_remaining(const struct sim_machine *m, unsigned gpu,
			      unsigned gi_id, unsigned ci_profile_id,
			      unsigned *count);

/* MIG devices of a GPU (one per CI), in NVML index order: by GI ID, then
 * CI ID. Writes up to `cap` (gi, ci) pairs; returns the total. */
struct sim_mig_ref {
	unsigned gi;
	unsigned ci;
};
size_t sim_mig_devices(const struct sim_machine *m, unsigned gpu,
		       struct sim_mig_ref *out, size_t cap);

/* "MIG-xxxxxxxx-xxxx-5xxx-[89ab]xxx-xxxxxxxxxxxx", a name-based UUID of
 * (GPU UUID, GI ID, CI ID, the CI's uuid_gen): stable while the MIG
 * device exists; a CI created again at the same GI and CI ID gets a new
 * one (docs/ARCHITECTURE.md, "MIG device UUIDs"). */
void sim_mig_uuid(const struct sim_gpu *g, unsigned gi, unsigned ci,
		  char *buf, size_t len);

/* Find the GPU or MIG device with this UUID (case-insensitive). For a GPU
 * gi = ci = NVML_VALUE_NOT_AVAILABLE_UINT. False if none has it. */
bool sim_find_uuid(const struct sim_machine *m, const char *uuid,
		   unsigned *gpu, unsigned *gi, unsigned *ci);

/* Memory used by registered processes, in MiB, on the GPU (gi == ci ==
 * ~0u, every process of the GPU), a GI (ci == ~0u) or a CI. Totals come
 * from the GI profile and the model. */
unsigned long long sim_gpu_used_mib(const struct sim_machine *m, unsigned gpu,
				    unsigned gi, unsigned ci);

/* --- telemetry model (sim/telemetry.c) -------------------------------------
 *
 * Pure functions of the machine: every value follows from the loads of
 * the registered processes, the board's constants and the MIG layout, so
 * the same state always reads the same. docs/simulator-model.md gives the
 * formulas. */

/* True if any field of the load is non-zero. */
bool sim_load_any(const struct sim_load *l);

/* Activity of a CI (gi, ci given), a GI (ci == ~0u: its CIs weighted by
 * their SMs) or the whole GPU (gi == ci == ~0u: with MIG enabled, every CI
 * weighted by its share of the GPU's MIG SMs; else the GPU's processes).
 * Processes on the same device add up, each field clamped to 1. */
void sim_activity(const struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci,
		  struct sim_load *out);

/* Parse a load as `migsim exec --load` takes it: comma-separated
 * KEY=VALUE pairs (blanks around a pair are ignored), keys sm, occupancy, tensor, fp64, fp32, fp16, dram,
 * pcie-tx, pcie-rx (each at most once), values decimal fractions 0..1
 * ("0.8", "1", ".5"). Unnamed keys are 0. MIGCTL_ERR_USAGE naming the
 * bad pair; `out` is set only on success. */
enum migctl_err sim_load_parse(const char *spec, struct sim_load *out,
			       struct migctl_error *err);

/* Constants of a board, by model (docs/simulator-model.md lists them). */
struct sim_board {
	unsigned tdp_w, min_limit_w, idle_w;
	unsigned max_sm_mhz, idle_sm_mhz, mem_mhz;
	unsigned temp_idle_c, temp_rise_c;      /* at idle, and more at full power */
	unsigned slowdown_c, shutdown_c, gpu_max_c, mem_max_c;
	unsigned pcie_gen, pcie_width;
	bool has_fan;
	const char *vbios;
	const char *part_number;
};
const struct sim_board *sim_board_of(const struct migctl_gpu_model *model);

/* GPU-level readings derived from the GPU's activity. */
struct sim_reading {
	struct sim_load act;                /* sim_activity of the GPU */
	unsigned power_mw;
	unsigned temp_c, mem_temp_c;
	unsigned sm_mhz, mem_mhz;
	unsigned util_gpu, util_mem;        /* percent */
	unsigned pcie_tx_kbs, pcie_rx_kbs;  /* KB/s */
};
void sim_read_gpu(const struct sim_machine *m, unsigned gpu, struct sim_reading *out);

/* PCIe link bandwidth of the board in KB/s (per direction). */
unsigned sim_pcie_link_kbs(const struct sim_board *b);

/* The driver's own memory reservation in a GI, MiB (the seeds show it as
 * the "used" memory of an idle MIG device), and the memory used on a MIG
 * device's GI (reservation + its processes) or on the GPU (MIG enabled:
 * every GI's; else its processes'). */
unsigned long long sim_gi_reserved_mib(const struct migctl_gi_profile *gp);
unsigned long long sim_used_mib(const struct sim_machine *m, unsigned gpu, unsigned gi);

/* Record an injected event (the oldest is dropped when full) and count
 * ECC errors for ECC event types. */
void sim_event_add(struct sim_machine *m, unsigned gpu, unsigned gi, unsigned ci,
		   unsigned long long type, unsigned long long data);

/* --- driver branches (sim/driver.c) --------------------------------------- */

/* What a simulated driver reports: its branch (450, 515, 535, 580), and
 * the answers of nvmlSystemGetDriverVersion, nvmlSystemGetNVMLVersion and
 * nvmlSystemGetCudaDriverVersion (1000 * major + 10 * minor). */
struct sim_driver {
	unsigned branch;
	char version[32];
	char nvml[48];
	int cuda;
};

/* The newest branch: build/sim/ holds its library. */
#define SIM_NEWEST_BRANCH 580

/* The branches, for messages: "450, 515, 535, 580". */
extern const char sim_driver_branches[];

/* A driver given as a branch ("535", its usual release) or a release of a
 * branch ("535.247.01"). False for anything else. */
bool sim_driver_parse(const char *text, struct sim_driver *out);

/* The machine's driver (the default one if its version is not valid). */
void sim_driver_of(const struct sim_machine *m, struct sim_driver *out);

/* Is driver `version` at least `min_driver` (a catalog model's
 * min-driver; empty: any driver)? Both dotted numbers. */
bool sim_driver_at_least(const char *version, const char *min_driver);

/* --- persistence (sim/state.c) ------------------------------------------ */

/* The state directory: `override` if non-NULL, else $MIGSIM_STATE, else
 * $XDG_RUNTIME_DIR/migsim, else /tmp/migsim-<uid>. */
void sim_state_dir(const char *override, char *buf, size_t len);

/* Serialise to JSON text (malloc'd, caller frees) / parse it. Parsing
 * checks everything (format version, ranges, references to the catalog,
 * overlapping placements, duplicate IDs) and loads m->catalog. On error
 * `m` owns nothing. */
char *sim_machine_to_json(const struct sim_machine *m);
enum migctl_err sim_machine_from_json(struct sim_machine *m, const char *text,
				      size_t len, const char *origin,
				      struct migctl_error *err);

enum sim_lock { SIM_SHARED, SIM_EXCLUSIVE };

/* An open state: locked, loaded. Release with sim_close.
 *
 * `m` belongs to a per-process cache that is reused while the state file
 * is unchanged (a reload is a JSON parse; the catalog is kept), so a
 * session must not keep `m` after sim_close. Changes made under
 * SIM_EXCLUSIVE and not committed are discarded at sim_close. */
struct sim_session {
	int lock_fd;
	enum sim_lock mode;
	bool committed;
	char dir[512];
	struct sim_machine *m;
};

/* Lock the state directory and load its machine. When no machine exists:
 * with `create_default` the default (2 x A100-SXM4-80GB) is created,
 * without it the error is MIGCTL_ERR_STATE, saying to run `migsim init`.
 * A corrupt or newer state is MIGCTL_ERR_STATE too. Registered processes
 * whose PID is gone are dropped. */
enum migctl_err sim_open(struct sim_session *s, const char *dir,
			 enum sim_lock mode, bool create_default,
			 struct migctl_error *err);

/* Write the machine back atomically (temp file, fsync, rename, fsync of
 * the directory); needs SIM_EXCLUSIVE. */
enum migctl_err sim_commit(struct sim_session *s, struct migctl_error *err);

/* Unlock and free. */
void sim_close(struct sim_session *s);

/* Drop the per-process cache (memory and the file it keeps open); the
 * next sim_open reloads. nvmlShutdown calls it when the last user goes. */
void sim_forget(void);

/* Replace the machine in `dir` by `m` (used by `migsim init`). */
enum migctl_err sim_store_new(const char *dir, const struct sim_machine *m,
			      struct migctl_error *err);

/* --- the simulated driver's files (sim/driver_root.c) --------------------- */

/* The driver root inside a state directory: DIR/driver holds proc/ and dev/
 * as a real node has them for the live layout (migctl's --root, and its
 * default under --sim; lib/caps.c names the same directory). */
#define SIM_DRIVER_ROOT "driver"
/* Majors of the simulated nodes: nvidia's is fixed (195, nvidiactl minor
 * 255); nvidia-caps and nvidia-uvm are dynamic on a real node, so any
 * free value will do (reference/nvml-mig.md §3 shows 508 among others). */
#define SIM_NVIDIA_MAJOR 195u
#define SIM_NVIDIACTL_MINOR 255u
#define SIM_CAPS_MAJOR 508u
#define SIM_CAPS_MAJOR_TEXT "508"
#define SIM_UVM_MAJOR 510u
#define SIM_UVM_MAJOR_TEXT "510"

/* The driver root of state directory `dir`. */
void sim_driver_root_path(const char *dir, char *buf, size_t len);

/* Bring the driver root of `dir` in line with `m`: static files once,
 * the capability files of the live instances (those of gone instances
 * removed), device nodes (kept once made). Called with the state locked
 * after every write of the machine. MIGCTL_ERR_IO naming the root. */
enum migctl_err sim_driver_root_sync(const char *dir, const struct sim_machine *m,
				     struct migctl_error *err);

/* Whether the root's device nodes are character devices (made as root)
 * rather than plain files. */
bool sim_driver_root_real_nodes(const char *dir);

#endif
