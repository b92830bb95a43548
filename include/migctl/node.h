/* migctl — a node: its GPUs, their MIG state, and the operations on them.
 *
 * The node talks to NVML through lib/nvml.c (the only code that does), on
 * a real driver or on the bundled simulator. migctl_node_refresh reads
 * everything into plain structs; every operation returns a precise migctl
 * error whose message names the GPU, profile or instance and what to do.
 *
 * Live profile data from the driver wins over the catalog: each GPU's
 * `model` is built from NVML's answers, with the catalog supplying only
 * what NVML cannot say without an instance (CI profiles of a GI profile
 * that has no instance yet). A model missing from the catalog still works.
 */
#ifndef MIGCTL_NODE_H
#define MIGCTL_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/geometry.h"

/* Fixed limits, each above what the hardware can hold, so that GI and CI
 * arrays stay small and inline: a GPU holds at most 7 GIs (one per
 * compute slice; reference mig-profiles.md, "max" of the 1-slice
 * profiles), and its GI IDs are heap nodes below 2 x 8 placement units -
 * 1 = 15; a GI holds at most one CI per compute slice (7, or 8 on a
 * larger GI). Processes are not limited: each GPU holds what the driver
 * reports (struct migctl_gpu_state.procs). MIGCTL_NODE_MAX_PROCS only
 * bounds the PIDs an apply evicts at once. */
#define MIGCTL_NODE_MAX_GPUS 64
#define MIGCTL_NODE_MAX_GIS 15
#define MIGCTL_NODE_MAX_CIS 8
#define MIGCTL_NODE_MAX_PROCS 64
#define MIGCTL_ID_NONE 0xFFFFFFFFu  /* "no GI/CI": a process on the whole GPU */

struct migctl_process {
	unsigned pid;
	unsigned gi;                  /* MIGCTL_ID_NONE on the whole GPU */
	unsigned ci;
	uint64_t used_mib;
	char name[64];                /* from /proc/PID/comm; "" if unknown */
	/* The process's start time (migctl_process_start_time) when the
	 * driver listed it, 0 if unknown: with the pid, its identity. A pid
	 * reused by another process later has another start time. */
	uint64_t start_time;
};

/* The start time of process `pid` (field 22 of /proc/PID/stat: clock
 * ticks after boot); 0 when it does not exist or cannot be read. */
uint64_t migctl_process_start_time(unsigned pid);

struct migctl_ci_state {
	unsigned id;
	unsigned profile_id;          /* CI profile ID */
	char profile_name[MIGCTL_NAME_MAX]; /* "1c.3g.40gb", without "MIG " */
	/* Size 0: unknown. Drivers before nvmlComputeInstanceGetInfo_v2
	 * (NVML 11.1) do not say, unless the profile has one placement. */
	struct migctl_placement placement;
	unsigned sm;
	unsigned mig_index;           /* MIG device index on the GPU;
	                               * MIGCTL_ID_NONE if NVML lists none */
	char uuid[96];                /* MIG device UUID */
	uint64_t memory_total_mib;    /* of the MIG device */
	uint64_t memory_used_mib;
	/* How many of the GPU's processes run on this CI (those in
	 * struct migctl_gpu_state.procs with this GI and CI ID). */
	size_t n_procs;
};

struct migctl_gi_state {
	unsigned id;
	unsigned profile_id;
	const struct migctl_gi_profile *profile; /* in the GPU's model */
	struct migctl_placement placement;
	struct migctl_ci_state cis[MIGCTL_NODE_MAX_CIS];
	size_t n_cis;
	/* Remaining capacity per CI profile, by index in profile->ci. */
	unsigned ci_free[MIGCTL_MAX_PROFILES];
};

struct migctl_gpu_state {
	unsigned index;
	char name[96];                /* NVML name, "NVIDIA A100-SXM4-80GB" */
	char uuid[96];
	char bus_id[32];              /* "00000000:07:00.0" */
	unsigned pci_device_id;       /* 16-bit device ID */
	uint32_t pci_subsystem_id;    /* subsystem device << 16 | vendor */
	unsigned minor;
	enum migctl_arch arch;
	uint64_t memory_total_mib;
	uint64_t memory_used_mib;
	bool mig_capable;             /* NVML answers the MIG mode query */
	bool mig_current;             /* MIG mode now */
	bool mig_pending;             /* MIG mode after the next reset; a change
	                               * is pending while it differs from current */
	/* The GPU's MIG profiles (live from NVML, see above). Owned. Empty
	 * (n_gi == 0) when MIG is not enabled and the driver reports no
	 * profiles; then `catalog_model` may still describe the GPU. */
	struct migctl_gpu_model model;
	const struct migctl_gpu_model *catalog_model; /* NULL if unknown */
	/* Remaining capacity per GI profile, by index in model.gi. */
	unsigned gi_free[MIGCTL_MAX_PROFILES];
	struct migctl_gi_state gis[MIGCTL_NODE_MAX_GIS]; /* by GI ID */
	size_t n_gis;
	/* Every compute process on the GPU, each keyed by its GI and CI ID
	 * (MIGCTL_ID_NONE on the whole GPU): n_procs entries, as many as the
	 * driver reports. Owned (freed by migctl_node_close and refreshes);
	 * NULL when there are none. */
	struct migctl_process *procs;
	size_t n_procs;
	/* The driver did not list the processes (a driver without
	 * nvmlDeviceGetComputeRunningProcesses_v2/_v3, or an error): n_procs
	 * 0 then means nothing. Destroying an instance in use still fails
	 * in the driver (IN_USE). */
	bool procs_unknown;
};

/* Reset the GPU at PCI bus ID `bus_id` ("00000000:07:00.0") on a real
 * driver, for migctl_node_reset_gpu. The node has let go of NVML while the
 * callback runs (a GPU resets only when nothing holds it). Return 0 on
 * success; otherwise non-zero with a short reason in `why` ("nvidia-smi
 * exited with status 3: ..."). `ctx` is the options' reset_ctx. */
typedef int (*migctl_reset_gpu_fn)(void *ctx, const char *bus_id, char *why, size_t why_len);

/* What migctl_node_refresh reads beyond each GPU's identity (index, name,
 * UUID, PCI IDs, MIG mode): a command that
 * prints part of the node asks for that part, and the driver is asked
 * only for it. Each flag brings what it needs with it. What is not read
 * stays zero (counts 0, no profiles). MIGCTL_NODE_READ_ALL (0, the
 * options' default) reads everything. */
#define MIGCTL_NODE_READ_ALL         0u
/* GI profiles (model.gi); their placements are the catalog's unless
 * MIGCTL_NODE_READ_PLACEMENTS asks the driver. */
#define MIGCTL_NODE_READ_PROFILES    (1u << 0)
#define MIGCTL_NODE_READ_PLACEMENTS  (1u << 1)
/* Remaining capacities: gi_free (and ci_free with MIGCTL_NODE_READ_CIS). */
#define MIGCTL_NODE_READ_CAPACITY    (1u << 2)
/* The GIs: ID, profile, placement. */
#define MIGCTL_NODE_READ_GIS         (1u << 3)
/* The CIs of every GI, and the live CI profiles of GI profiles with an
 * instance. */
#define MIGCTL_NODE_READ_CIS         (1u << 4)
/* MIG devices: index and UUID of each CI. Without MIGCTL_NODE_READ_CIS
 * the GIs and CIs are only those the MIG devices name (IDs, the profile
 * name from the device's name; no profiles or placements). */
#define MIGCTL_NODE_READ_DEVICES     (1u << 5)
/* Memory and SMs of each MIG device. */
#define MIGCTL_NODE_READ_DEVICE_INFO (1u << 6)
#define MIGCTL_NODE_READ_PROCESSES   (1u << 7)
/* The GPU's minor number, architecture (else the catalog's) and memory. */
#define MIGCTL_NODE_READ_GPU_INFO    (1u << 8)
#define MIGCTL_NODE_READ_EVERYTHING  0x1FFu

/* What the caller decides for the node: the library reads no environment
 * variable and starts no program itself. */
struct migctl_node_options {
	/* Use the bundled simulator: the library `sim_lib` if non-NULL (the
	 * CLI passes $MIGCTL_SIM_LIB), else the one next to the executable
	 * (build/sim/ or PREFIX/lib/migctl/) of the driver branch that the
	 * machine in `sim_state` runs: sim-<branch>/ beside it for a branch
	 * older than the newest (MIGCTL_ERR_NO_DRIVER, naming the library,
	 * when that one is missing).
	 * Its state directory is `sim_state` if non-NULL (handed to the
	 * simulator through migsimSetStateDir before nvmlInit), else the
	 * simulator's own default ($MIGSIM_STATE, ...), and then the newest
	 * branch's library; the CLI always passes the directory it uses. */
	bool simulate;
	const char *sim_lib;
	const char *sim_state;
	/* Library to load instead of libnvidia-ml.so.1; wins over `simulate`
	 * (the CLI passes $MIGCTL_NVML_LIB when not simulating). */
	const char *nvml_lib;
	const struct migctl_catalog *catalog; /* borrowed; may be NULL */
	/* GPU reset on a real driver (the simulator resets through its own
	 * entry point). NULL: migctl_node_reset_gpu fails RESET_REQUIRED
	 * with the command to run by hand. */
	migctl_reset_gpu_fn reset_gpu;
	void *reset_ctx;
	/* What migctl_node_refresh reads (MIGCTL_NODE_READ_*; 0: all). A GPU
	 * that an operation changed is always re-read in full. */
	unsigned read;
};

struct migctl_node {
	bool simulated;
	char driver_version[80];
	char nvml_version[80];
	int cuda_version;             /* e.g. 12020 */
	struct migctl_gpu_state *gpus; /* n_gpus entries, owned */
	size_t n_gpus;
	void *nvml;                   /* lib/nvml.c binding, opaque */
	const struct migctl_catalog *catalog;
};

/* Load NVML and initialise it once. Errors: MIGCTL_ERR_NO_DRIVER when no
 * libnvidia-ml.so.1 can be loaded (the message suggests --sim), others as
 * NVML reports them. The node is empty until migctl_node_refresh. */
enum migctl_err migctl_node_open(struct migctl_node *node,
				 const struct migctl_node_options *opts,
				 struct migctl_error *err);

/* Read (again) every GPU, its MIG mode, profiles, placements, remaining
 * capacities, GIs, CIs, MIG devices and processes: what the options'
 * `read` asks for. */
enum migctl_err migctl_node_refresh(struct migctl_node *node,
				    struct migctl_error *err);

/* Called by migctl_node_refresh_tolerant for each GPU it leaves out:
 * its NVML index and why it could not be read. */
typedef void (*migctl_gpu_error_fn)(void *ctx, unsigned index,
				    const struct migctl_error *why);

/* Like migctl_node_refresh, but a GPU that cannot be read (an NVML error,
 * a GPU that fell off the bus) is left out of node->gpus and reported to
 * `on_error` (may be NULL); the others keep their NVML index in
 * gpu->index. Fails only when the GPUs cannot be counted. The GPU array
 * is always replaced, so pointers into it do not survive the call. */
enum migctl_err migctl_node_refresh_tolerant(struct migctl_node *node,
					     migctl_gpu_error_fn on_error, void *ctx,
					     struct migctl_error *err);

/* Shut NVML down and free everything. */
void migctl_node_close(struct migctl_node *node);

/* GPU by index, UUID or PCI bus ID ("0", "GPU-…", "00000000:07:00.0",
 * "07:00.0"); NULL and MIGCTL_ERR_NOT_FOUND listing the valid indices. */
struct migctl_gpu_state *migctl_node_find_gpu(struct migctl_node *node,
					      const char *query,
					      struct migctl_error *err);

/* Find a GI / CI on a GPU by ID; NULL if absent. */
struct migctl_gi_state *migctl_gpu_find_gi(struct migctl_gpu_state *gpu,
					   unsigned gi_id);
struct migctl_ci_state *migctl_gi_find_ci(struct migctl_gi_state *gi,
					  unsigned ci_id);

/* --- operations: each refreshes the GPU it changed ---------------------- */

/* Result of a MIG mode change. */
struct migctl_mode_result {
	bool changed;                 /* the requested mode was not already set */
	bool pending;                 /* current != requested after the call */
	enum migctl_err activation;   /* why it is pending: RESET_REQUIRED etc. */
	char activation_text[64];     /* NVML's text for it, "GPU requires reset" */
};

/* Enable (true) or disable MIG mode. MIGCTL_ERR_BUSY (with the PIDs in the
 * message) if processes run on the GPU; MIGCTL_ERR_NO_PERMISSION; a
 * pending result is not an error. */
enum migctl_err migctl_node_set_mig_mode(struct migctl_node *node,
					 struct migctl_gpu_state *gpu, bool enable,
					 struct migctl_mode_result *res,
					 struct migctl_error *err);

/* Create a GI of profile ID `profile_id`, at `placement` (NULL: the
 * driver's choice). `gi_id` receives the new ID. Errors:
 * MIGCTL_ERR_NOT_SUPPORTED (MIG disabled), MIGCTL_ERR_UNKNOWN_PROFILE,
 * MIGCTL_ERR_INVALID_PLACEMENT, MIGCTL_ERR_INSUFFICIENT_RESOURCES,
 * MIGCTL_ERR_BUSY, MIGCTL_ERR_NO_PERMISSION. */
enum migctl_err migctl_node_create_gi(struct migctl_node *node,
				      struct migctl_gpu_state *gpu,
				      unsigned profile_id,
				      const struct migctl_placement *placement,
				      unsigned *gi_id, struct migctl_error *err);

/* Create a CI of CI profile ID `ci_profile_id` in GI `gi_id` (placement
 * NULL: the driver's choice); `ci_id` receives the new ID. */
enum migctl_err migctl_node_create_ci(struct migctl_node *node,
				      struct migctl_gpu_state *gpu, unsigned gi_id,
				      unsigned ci_profile_id,
				      const struct migctl_placement *placement,
				      unsigned *ci_id, struct migctl_error *err);

/* Whether the driver creates GIs and CIs at a given placement (NVML
 * 12.0's ...WithPlacement entry points): without them creation goes where
 * the driver chooses and `placement` arguments fail NOT_SUPPORTED. */
bool migctl_node_can_place(const struct migctl_node *node);

/* Destroy a CI / a GI. MIGCTL_ERR_BUSY when processes run on it (or, for
 * a GI, CIs exist); MIGCTL_ERR_NOT_FOUND when it does not exist. */
enum migctl_err migctl_node_destroy_ci(struct migctl_node *node,
				       struct migctl_gpu_state *gpu, unsigned gi_id,
				       unsigned ci_id, struct migctl_error *err);
enum migctl_err migctl_node_destroy_gi(struct migctl_node *node,
				       struct migctl_gpu_state *gpu, unsigned gi_id,
				       struct migctl_error *err);

/* Reset a GPU: on the simulator its own reset (migsimResetGpu); on a real
 * driver the options' reset_gpu callback (the CLI runs NVIDIA's
 * `nvidia-smi --gpu-reset -i <bus id>`). */
enum migctl_err migctl_node_reset_gpu(struct migctl_node *node,
				      struct migctl_gpu_state *gpu,
				      struct migctl_error *err);

/* NVML's text for a migctl error that came from NVML (the last NVML
 * return code of this node), e.g. "In use by another client"; "" if the
 * last error did not come from NVML. nvidia-smi compatible output prints
 * these texts. */
const char *migctl_node_nvml_text(const struct migctl_node *node);

/* The GIs of `gpu` as slots on `grid` (migctl_grid_of_model of the GPU's
 * model), for the geometry engine; `slots` holds MIGCTL_NODE_MAX_GIS. GIs
 * whose profile the grid lacks are left out. Returns how many. */
size_t migctl_gpu_gi_slots(const struct migctl_grid *grid, const struct migctl_gpu_state *gpu,
			   struct migctl_slot *slots);

/* How many NVML calls this node has made since it was opened (for
 * benchmarks that compare strategies by driver calls). */
unsigned long migctl_node_nvml_calls(const struct migctl_node *node);

#endif
