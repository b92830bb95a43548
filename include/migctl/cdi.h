/* migctl — CDI (Container Device Interface) specs of a node's GPUs and MIG
 * devices, which container runtimes (podman, containerd, CRI-O, Docker 25+)
 * read from /etc/cdi and /var/run/cdi (reference k8s-cdi.md §3).
 *
 * One spec of kind "nvidia.com/gpu" names every device twice or more:
 *   "N"        GPU index N: its /dev/nvidiaN
 *   "GPU-…"    the same GPU by UUID
 *   "N:M"      MIG device M of GPU N (nvidia-smi -L order): the parent's
 *              /dev/nvidiaN, the GI's and the CI's capability nodes
 *              /dev/nvidia-caps/nvidia-capK (minors from mig-minors)
 *   "MIG-…"    the same MIG device by UUID
 *   "all"      every node of the above
 * and common edits: /dev/nvidiactl, /dev/nvidia-uvm, /dev/nvidia-uvm-tools
 * and /dev/nvidia-modeset where present, and NVIDIA_VISIBLE_DEVICES=void
 * (as nvidia-ctk writes it: a legacy NVIDIA hook then adds nothing).
 *
 * The legacy "MIG-GPU-…/gi/ci" UUIDs are not CDI names ('/' is not
 * allowed): such a device keeps only its "N:M" name.
 *
 * cdiVersion is the lowest version that has every field the spec uses
 * (the CDI rule for writers): 0.5.0, which added deviceNodes' hostPath.
 * Runtimes that know a newer version read it (podman 4.3 knows 0.5.0).
 */
#ifndef MIGCTL_CDI_H
#define MIGCTL_CDI_H

#include <stdbool.h>
#include <stddef.h>

#include "migctl/error.h"
#include "migctl/node.h"

#define MIGCTL_CDI_KIND "nvidia.com/gpu"
#define MIGCTL_CDI_VERSION "0.5.0"
/* Where runtimes look for specs made at run time; cleared at boot. */
#define MIGCTL_CDI_DIR "/var/run/cdi"
#define MIGCTL_CDI_FILE "nvidia.com-gpu.json"

struct migctl_cdi_options {
	/* The driver root the device nodes are under on the host: "/" on a
	 * real node, the simulator's driver root under its state directory.
	 * A node's hostPath is the root plus its path; its path inside the
	 * container is always the /dev path. */
	const char *driver_root;
};

/* Write the spec of `node` (read by the caller) as JSON text into *out
 * (malloc'ed, NUL-terminated, caller frees). The capability minors come
 * from the driver root's mig-minors (include/migctl/caps.h). Errors:
 * MIGCTL_ERR_NO_DRIVER when the root has no driver files,
 * MIGCTL_ERR_NOT_FOUND when mig-minors lacks a MIG device's GI or CI (the
 * message names the GPU), parse errors of the driver's files as caps.h
 * gives them; *out is NULL on error. */
enum migctl_err migctl_cdi_generate(const struct migctl_node *node,
				    const struct migctl_cdi_options *opts, char **out,
				    struct migctl_error *err);

/* Replace `path` with `text` atomically: a temporary file in the same
 * directory, written, synced and renamed over it, then the directory
 * synced; the file is mode 0644. A crash leaves the old spec or the new
 * one, never a torn one (a runtime reading it at that moment must not
 * see half a spec). Missing directories are not created except
 * MIGCTL_CDI_DIR itself. MIGCTL_ERR_IO naming the path. */
enum migctl_err migctl_cdi_write(const char *path, const char *text,
				 struct migctl_error *err);

/* A spec read back: its kind, version and devices. */
struct migctl_cdi_device {
	char *name;                  /* "0:1" */
	char **nodes;                /* container paths of its deviceNodes */
	size_t n_nodes;
};
struct migctl_cdi_spec {
	char *version;
	char *kind;
	struct migctl_cdi_device *devices;
	size_t n_devices;
};

/* Read a spec (JSON; YAML specs of other writers are not read) of `len`
 * bytes from `text`; `origin` names it in messages. MIGCTL_ERR_PARSE
 * naming the origin and the first thing wrong: not JSON, no cdiVersion or
 * kind, a kind that is not vendor/class, a device without a valid name
 * (CDI's rule: letters, digits, '_', '-', '.', ':' inside, a letter or
 * digit at each end), a device node without a path. `out` is empty on
 * error. Release with migctl_cdi_spec_release. */
enum migctl_err migctl_cdi_parse(const char *text, size_t len, const char *origin,
				 struct migctl_cdi_spec *out, struct migctl_error *err);
void migctl_cdi_spec_release(struct migctl_cdi_spec *spec);

/* Whether `name` is a valid CDI device name (the rule above). */
bool migctl_cdi_valid_name(const char *name);

#endif
