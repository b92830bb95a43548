/* migctl — creating GPU instances and compute instances on several GPUs
 * as one transaction: the library side of `migctl create`.
 *
 * migctl_create checks every GPU of the request before it changes
 * anything: MIG mode on, every GI profile known to that GPU's model,
 * every CI profile valid for its GI profile, the placement one of the
 * profile's, every named existing GI present. Then it creates, GPU by GPU
 * in request order, each GI in the order given with its CIs (unless
 * no_ci), or, with gi_ids, the CIs in those existing GIs. On the first
 * failure it destroys everything it created, newest first, so that the
 * GPUs are as before, and says so in the error.
 *
 * This module mutates hardware only through lib/node.c; it never prints.
 */
#ifndef MIGCTL_CREATE_H
#define MIGCTL_CREATE_H

#include <stdbool.h>
#include <stddef.h>

#include "migctl/error.h"
#include "migctl/node.h"

/* Most GI profiles, or existing GI IDs, in one request. */
#define MIGCTL_CREATE_MAX_ITEMS 64
/* Most failed destroys of a rollback that a result keeps. */
#define MIGCTL_CREATE_MAX_UNDO_ERRORS 16

struct migctl_create_request {
	/* The node's GPUs to create on (borrowed), in the order to use. */
	struct migctl_gpu_state *const *gpus;
	size_t n_gpus;
	/* New GIs: profiles, comma-separated, each an ID, a name or an NVML
	 * name ("9,3g.40gb,MIG 3g.40gb"); NULL when gi_ids is given. */
	const char *profiles;
	/* Or CIs in these existing GIs, on every GPU. */
	const unsigned *gi_ids;
	size_t n_gi_ids;
	/* CI profiles for each GI, comma-separated, in creation order;
	 * NULL: the GI profile's default CI (the whole GI). */
	const char *ci_profiles;
	bool no_ci;                   /* new GIs only, no CIs */
	/* The placement of the new GI (one profile only); a size of 0
	 * means the profile's size. NULL: the driver's choice. */
	const struct migctl_placement *placement;
	/* How the caller's user runs migctl ("migctl", "migctl --sim"),
	 * for the advice in messages; NULL: "migctl". */
	const char *command;
};

/* A GI the request created or created CIs in. */
struct migctl_create_gi {
	struct migctl_gpu_state *gpu; /* the node's GPU (borrowed) */
	unsigned gi;                  /* GI ID */
	bool new_gi;                  /* created here; false: it existed */
	unsigned cis[MIGCTL_NODE_MAX_CIS]; /* IDs of the CIs created in it */
	size_t n_cis;
};

struct migctl_create_result {
	struct migctl_create_gi *gis; /* in creation order (owned); none
	                               * after a failure */
	size_t n_gis;
	/* Destroys that failed while a failure was rolled back, each
	 * message naming its GPU; what they name was left behind. */
	struct migctl_error undo_errors[MIGCTL_CREATE_MAX_UNDO_ERRORS];
	size_t n_undo_errors;
};

void migctl_create_result_init(struct migctl_create_result *r);
void migctl_create_result_release(struct migctl_create_result *r);

/* Run `req` on `node` (see the top of this file); `res` must be
 * initialised. Errors, with the GPU named in `err`:
 *   MIGCTL_ERR_NOT_SUPPORTED       a GPU without MIG, or MIG mode disabled
 *                                  (or pending) on it;
 *   MIGCTL_ERR_UNKNOWN_PROFILE     a GI or CI profile the GPU lacks;
 *   MIGCTL_ERR_INVALID_PLACEMENT   a placement the profile does not have;
 *   MIGCTL_ERR_NOT_FOUND           an existing GI that is not there;
 *   MIGCTL_ERR_USAGE               a malformed request;
 *   MIGCTL_ERR_INSUFFICIENT_RESOURCES and the node's other errors from
 *                                  the creates, after the rollback. */
enum migctl_err migctl_create(struct migctl_node *node,
			      const struct migctl_create_request *req,
			      struct migctl_create_result *res,
			      struct migctl_error *err);

#endif
