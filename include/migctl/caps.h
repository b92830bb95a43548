/* migctl — the NVIDIA driver's device nodes and MIG capabilities
 * (nvidia-capabilities) under a driver root.
 *
 * A MIG device is used through three device nodes: its parent GPU's
 * /dev/nvidia<minor> and the capability nodes of its GPU instance and
 * compute instance, /dev/nvidia-caps/nvidia-cap<m>. Reading the capability
 * node is what the driver checks; who may read it decides who may use the
 * slice. mig/config (create and destroy instances) and mig/monitor
 * (aggregate monitoring) are capabilities of the same kind. Facts:
 * reference/nvml-mig.md §3, reference/k8s-cdi.md §1.4.
 *
 *   proc/driver/nvidia-caps/mig-minors    "<name> <minor>" per capability:
 *       config 1, monitor 2, gpu<g>/gi<i>/access, gpu<g>/gi<i>/ci<c>/access
 *       (<g> is the GPU's minor, not its NVML index)
 *   proc/driver/nvidia/capabilities/...   one file per capability that
 *       exists (mig/config, mig/monitor, gpu<g>/mig/gi<i>/access,
 *       gpu<g>/mig/gi<i>/ci<c>/access) with three lines:
 *       DeviceFileMinor: <n>, DeviceFileMode: <decimal mode>,
 *       DeviceFileModify: <0|1> (1: nvidia-modprobe resets the node)
 *   proc/devices                          the major of "nvidia-caps"
 *   proc/driver/nvidia/params             ModifyDeviceFiles and the
 *       DeviceFileUID/GID/Mode the driver gives /dev/nvidia*
 *   dev/nvidia<g> (195:<g>), dev/nvidiactl (195:255), dev/nvidia-uvm,
 *   dev/nvidia-caps/nvidia-cap<m> (<caps major>:<m>)
 *
 * A driver root is "/" on a real node; the simulator keeps one in its
 * state directory (migctl_caps_sim_root). Every path below is given twice:
 * as on a real node ("/dev/nvidia-caps/nvidia-cap13", what a container or
 * gres.conf names) and under the root (where this host finds it).
 *
 * The parsers take text and are pure (fuzzed in tests/fuzz/fuzz_caps.c);
 * migctl_caps_load reads the files. Nothing here prints, exits, or reads
 * the environment.
 */
#ifndef MIGCTL_CAPS_H
#define MIGCTL_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "migctl/error.h"

/* The driver's static tables: GPU minors 0..31, GI IDs 0..14, CI IDs 0..7. */
#define MIGCTL_CAPS_MAX_GPUS 32
#define MIGCTL_CAPS_MAX_GIS 15
#define MIGCTL_CAPS_MAX_CIS 8

/* /dev/nvidia<minor> and /dev/nvidiactl have a fixed major. */
#define MIGCTL_CAPS_NVIDIA_MAJOR 195u
#define MIGCTL_CAPS_NVIDIACTL_MINOR 255u

/* Room for a driver root, and for a path under one. */
#define MIGCTL_CAPS_ROOT_MAX 832
#define MIGCTL_CAPS_PATH_MAX 1024

/* --- parsers of the driver's files (pure) ------------------------------- */

/* The minors of mig-minors; -1 where the file has no line. */
struct migctl_caps_minors {
	int config;
	int monitor;
	int gi[MIGCTL_CAPS_MAX_GPUS][MIGCTL_CAPS_MAX_GIS];
	int ci[MIGCTL_CAPS_MAX_GPUS][MIGCTL_CAPS_MAX_GIS][MIGCTL_CAPS_MAX_CIS];
};

/* Parse the text of proc/driver/nvidia-caps/mig-minors (`len` bytes, need
 * not end in NUL) into `out`. Lines are "<name> <minor>" with the names
 * above; names of other capabilities (a newer driver's) are skipped.
 * MIGCTL_ERR_PARSE naming `origin` and the line for a malformed line, a
 * minor over 2^20 - 1 or a name given twice; `out` is then undefined. */
enum migctl_err migctl_caps_minors_parse(const char *text, size_t len, const char *origin,
					 struct migctl_caps_minors *out,
					 struct migctl_error *err);

/* A capability file (proc/driver/nvidia/capabilities/...). */
struct migctl_capfile {
	unsigned minor;       /* DeviceFileMinor */
	unsigned mode;        /* DeviceFileMode, permission bits (0444 = 292) */
	bool modify;          /* DeviceFileModify: nvidia-modprobe manages the node */
};

/* Parse a capability file's text. All three lines are required, in any
 * order; unknown lines are skipped. MIGCTL_ERR_PARSE naming `origin`. */
enum migctl_err migctl_caps_capfile_parse(const char *text, size_t len, const char *origin,
					  struct migctl_capfile *out, struct migctl_error *err);

/* The major of character driver `name` ("nvidia-caps") in the text of
 * proc/devices (only its "Character devices:" part counts).
 * MIGCTL_ERR_NOT_FOUND when the driver is not listed; MIGCTL_ERR_PARSE for
 * a malformed line of that part. */
enum migctl_err migctl_caps_devices_major(const char *text, size_t len, const char *origin,
					  const char *name, unsigned *major,
					  struct migctl_error *err);

/* The device-file policy of the nvidia module (proc/driver/nvidia/params,
 * set by NVreg_ModifyDeviceFiles, NVreg_DeviceFileUID/GID/Mode): with
 * modify_device_files the driver and nvidia-modprobe put /dev/nvidia*
 * back to uid/gid/mode, and new capabilities start with DeviceFileModify 1. */
struct migctl_caps_params {
	bool modify_device_files;
	unsigned uid, gid, mode;
};

/* Parse the params text; lines missing keep the driver's defaults
 * (1, 0, 0, 0666). MIGCTL_ERR_PARSE for one of these four keys with a
 * value that is not a number. */
enum migctl_err migctl_caps_params_parse(const char *text, size_t len, const char *origin,
					 struct migctl_caps_params *out, struct migctl_error *err);

/* --- a driver root --------------------------------------------------- */

/* What migctl_caps_load read from a driver root. Caller-owned, no
 * allocation (about 17 KB: allocate it rather than put it on a small
 * stack); nothing to release. */
struct migctl_caps {
	char root[MIGCTL_CAPS_ROOT_MAX];   /* "" for "/" */
	struct migctl_caps_minors minors;
	unsigned caps_major;               /* nvidia-caps in proc/devices */
	bool have_uvm_major;
	unsigned uvm_major;                /* nvidia-uvm, when listed */
	struct migctl_caps_params params;  /* the defaults when the file is absent */
};

/* The driver root the simulator keeps in state directory `state_dir`
 * (its "driver" subdirectory; `migsim root` prints it). */
void migctl_caps_sim_root(const char *state_dir, char *buf, size_t len);

/* Read the driver root `root` (NULL or "" or "/": the host's own):
 * mig-minors and proc/devices are required (MIGCTL_ERR_NO_DRIVER naming the
 * missing file: no NVIDIA driver, or not a driver root), params optional.
 * Parse errors as the parsers give them. */
enum migctl_err migctl_caps_load(struct migctl_caps *c, const char *root,
				 struct migctl_error *err);

/* The kinds of node. */
enum migctl_caps_kind {
	MIGCTL_CAPS_GPU,        /* dev/nvidia<gpu minor> */
	MIGCTL_CAPS_CTL,        /* dev/nvidiactl */
	MIGCTL_CAPS_UVM,        /* dev/nvidia-uvm */
	MIGCTL_CAPS_CONFIG,     /* capability mig/config */
	MIGCTL_CAPS_MONITOR,    /* capability mig/monitor */
	MIGCTL_CAPS_GI,         /* capability gpu<g>/mig/gi<i>/access */
	MIGCTL_CAPS_CI,         /* capability gpu<g>/mig/gi<i>/ci<c>/access */
};

/* "gpu", "ctl", "uvm", "config", "monitor", "gi", "ci". */
const char *migctl_caps_kind_name(enum migctl_caps_kind kind);

/* One device node, and for a capability its capability file. */
struct migctl_caps_node {
	enum migctl_caps_kind kind;
	unsigned gpu, gi, ci;        /* GPU minor, GI ID, CI ID, where they apply */
	char name[48];               /* mig-minors name ("gpu0/gi1/ci0/access",
				      * "config"), or the node's ("nvidia0") */
	char path[64];               /* as on a real node: "/dev/nvidia-caps/nvidia-cap13" */
	char host_path[MIGCTL_CAPS_PATH_MAX];   /* under the root */
	char cap_path[96];           /* as on a real node:
				      * "/proc/driver/nvidia/capabilities/gpu0/mig/gi1/ci0/access";
				      * "" for GPU, ctl and uvm */
	char cap_host_path[MIGCTL_CAPS_PATH_MAX];  /* under the root, or "" */
	bool have_major;             /* false for uvm when proc/devices lacks it */
	unsigned major, minor;
};

/* Describe a node: `gpu` (a GPU minor, as in dev/nvidia<minor> and
 * nvmlDeviceGetMinorNumber) for GPU, GI and CI; `gi` for GI and CI; `ci`
 * for CI; the others ignored. The minor of a capability comes from
 * mig-minors. MIGCTL_ERR_NOT_FOUND when an ID is out of range or
 * mig-minors has no line for it. Whether the node or the capability
 * exists is not checked: see migctl_caps_node_stat and
 * migctl_caps_capfile_read. */
enum migctl_err migctl_caps_node(const struct migctl_caps *c, enum migctl_caps_kind kind,
				 unsigned gpu, unsigned gi, unsigned ci,
				 struct migctl_caps_node *out, struct migctl_error *err);

/* The three nodes a MIG device (GPU minor `gpu`, GI `gi`, CI `ci`) is used
 * through, in this order: parent GPU, GI capability, CI capability. */
enum migctl_err migctl_caps_mig_device(const struct migctl_caps *c, unsigned gpu,
				       unsigned gi, unsigned ci,
				       struct migctl_caps_node out[3],
				       struct migctl_error *err);

/* Read and parse a capability's file (under the root).
 * MIGCTL_ERR_NOT_FOUND when it does not exist (the instance does not);
 * MIGCTL_ERR_USAGE for a node that is not a capability. */
enum migctl_err migctl_caps_capfile_read(const struct migctl_caps_node *n,
					 struct migctl_capfile *out, struct migctl_error *err);

/* What a device node is on disk. */
struct migctl_caps_node_state {
	bool exists;
	bool is_chr;                 /* a character device (else a plain file) */
	unsigned major, minor;       /* of a character device */
	uid_t uid;
	gid_t gid;
	unsigned mode;               /* permission bits */
};

/* lstat the node's host path. A missing node is exists = false and
 * MIGCTL_ERR_OK; other failures MIGCTL_ERR_IO. */
enum migctl_err migctl_caps_node_stat(const struct migctl_caps_node *n,
				      struct migctl_caps_node_state *out,
				      struct migctl_error *err);

#endif
