/* migctl — naming one MIG device: the DEVICE argument of `migctl run -d`.
 *
 * Users name a slice the ways NVIDIA's tools print it (reference
 * k8s-cdi.md §1.3, seeds 000-002):
 *   "0:1"                         GPU index : MIG device index (nvidia-smi -L,
 *                                 docker --gpus device=0:1, CDI index names)
 *   "MIG-4d806f22-..."            the MIG device UUID (CUDA_VISIBLE_DEVICES)
 *   "MIG-GPU-<uuid>/<gi>/<ci>"    the legacy UUID of drivers before R470:
 *                                 parent GPU UUID, GI ID, CI ID (seed 000)
 *   "1g.10gb", "1c.3g.40gb"       a profile: the first idle MIG device of that
 *                                 profile, GPUs in index order, devices in
 *                                 MIG device index order
 * Parsing is pure (migctl_migdev_parse); resolving reads a node that the
 * caller has opened and refreshed.
 */
#ifndef MIGCTL_MIGDEV_H
#define MIGCTL_MIGDEV_H

#include <stdbool.h>

#include "migctl/error.h"
#include "migctl/node.h"

enum migctl_migdev_form {
	MIGCTL_MIGDEV_INDEX,          /* "0:1" */
	MIGCTL_MIGDEV_UUID,           /* "MIG-…" */
	MIGCTL_MIGDEV_LEGACY,         /* "MIG-GPU-…/gi/ci" */
	MIGCTL_MIGDEV_PROFILE,        /* "1g.10gb" */
};

/* A parsed DEVICE argument. */
struct migctl_migdev_spec {
	enum migctl_migdev_form form;
	unsigned gpu, mig;            /* INDEX */
	unsigned gi, ci;              /* LEGACY */
	char text[96];                /* UUID: the MIG UUID; LEGACY: the parent's
	                               * "GPU-…" UUID; PROFILE: the profile name */
};

/* Parse `text` into `out`. MIGCTL_ERR_USAGE, naming the text and the
 * accepted forms, for anything that is none of them (an empty string, a
 * bare GPU index, "0:", a legacy UUID without its /gi/ci, text longer
 * than a UUID). Nothing is looked up. */
enum migctl_err migctl_migdev_parse(const char *text, struct migctl_migdev_spec *out,
				    struct migctl_error *err);

/* The MIG device a spec names on the node. */
struct migctl_migdev_ref {
	struct migctl_gpu_state *gpu;
	struct migctl_gi_state *gi;
	struct migctl_ci_state *ci;   /* the MIG device: ci->uuid, ci->mig_index */
};

/* The most MIG devices one GPU can hold (one per CI). */
#define MIGCTL_GPU_MAX_MIG_DEVICES (MIGCTL_NODE_MAX_GIS * MIGCTL_NODE_MAX_CIS)

/* The MIG devices of `gpu` in MIG device index order, the order
 * nvidia-smi -L prints and GPU:MIG names count (at most `cap`). */
size_t migctl_gpu_mig_devices(struct migctl_gpu_state *gpu, struct migctl_migdev_ref *out,
			      size_t cap);

/* Find the MIG device `text` names on `node` (read by the caller).
 * Errors, each naming the device and what to do:
 *   MIGCTL_ERR_USAGE           `text` is no DEVICE form;
 *   MIGCTL_ERR_NOT_FOUND       no such GPU or MIG device (the message lists
 *                              the MIG devices there are), or no MIG device
 *                              of a known profile exists;
 *   MIGCTL_ERR_UNKNOWN_PROFILE a name that is no profile of any GPU;
 *   MIGCTL_ERR_BUSY            `exclusive` and processes run on the device;
 *                              for a profile: every device of it is busy.
 * A profile always picks an idle device; `exclusive` does not change that. */
enum migctl_err migctl_migdev_resolve(struct migctl_node *node, const char *text,
				      bool exclusive, struct migctl_migdev_ref *out,
				      struct migctl_error *err);

#endif
