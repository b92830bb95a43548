/* migctl — operations on a node (see migctl/node.h): MIG mode, creating
 * and destroying GIs and CIs, GPU reset. Each checks what it can before
 * asking NVML, names the GPU, instance and processes when it fails, and
 * re-reads the GPU it changed. */
#include "node_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool placement_set_has(const struct migctl_placement_set *set,
			      const struct migctl_placement *pl)
{
	if (pl->size != set->size)
		return false;
	for (unsigned i = 0; i < set->n_starts; i++)
		if (set->starts[i] == pl->start)
			return true;
	return false;
}

/* "process 1234 (python) runs" / "processes 1234 (python), 99 run". */
static void proc_phrase(char *buf, size_t len, const struct migctl_process *procs, size_t n)
{
	size_t used = (size_t)snprintf(buf, len, "%s ", n == 1 ? "process" : "processes");

	for (size_t i = 0; i < n && i < 8 && used < len; i++) {
		if (procs[i].name[0])
			used += (size_t)snprintf(buf + used, len - used, "%s%u (%s)", i ? ", " : "",
						 procs[i].pid, procs[i].name);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? ", " : "",
						 procs[i].pid);
	}
	if (n > 8 && used < len)
		used += (size_t)snprintf(buf + used, len - used, " and %zu more", n - 8);
	if (used < len)
		snprintf(buf + used, len - used, " %s", n == 1 ? "runs" : "run");
}

/* --- operations ---------------------------------------------------------------- */

/* Common start of an operation: the GPU belongs to the node, its handle. */
static enum migctl_err begin_op(struct migctl_node *node, struct migctl_gpu_state *gpu,
				nvmlDevice_t *dev, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	nvmlReturn_t rc;

	if (!p)
		return migctl_fail(err, MIGCTL_ERR_INTERNAL, "the node is not open");
	p->last = NVML_SUCCESS;
	if (!gpu || gpu < node->gpus || gpu >= node->gpus + node->n_gpus)
		return migctl_fail(err, MIGCTL_ERR_INTERNAL, "GPU state does not belong to this node");
	rc = NV(p, DeviceGetHandleByIndex, gpu->index, dev);
	if (rc != NVML_SUCCESS) {
		char s[160];
		node_subject(gpu, s, sizeof(s));
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc), "%s: cannot open it", s);
	}
	return MIGCTL_ERR_OK;
}

/* After a change: read the GPU again. A failure here is reported (the
 * change itself happened). */
static enum migctl_err end_op(struct migctl_node *node, struct migctl_gpu_state *gpu,
			      struct migctl_error *err)
{
	return node_refresh_gpu(node, gpu, err);
}

/* Text for "MIG is off" failures. */
static enum migctl_err fail_mig_off(struct node_priv *p, struct migctl_gpu_state *gpu,
				    nvmlReturn_t rc, const char *action, struct migctl_error *err)
{
	char s[160];

	node_subject(gpu, s, sizeof(s));
	if (!gpu->mig_capable)
		return node_fail_nvml(p, err, MIGCTL_ERR_NOT_SUPPORTED, rc,
				      "this GPU does not support MIG", "%s: cannot %s", s, action);
	return node_fail_nvml(p, err, MIGCTL_ERR_NOT_SUPPORTED, rc,
			      gpu->mig_pending ? "MIG mode is enabled but pending; reset the GPU first"
					  : "MIG mode is disabled; enable it first",
			      "%s: cannot %s", s, action);
}

static void gi_list(const struct migctl_gpu_state *gpu, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (gpu->n_gis == 0) {
		snprintf(buf, len, "it has no GPU instances");
		return;
	}
	used = (size_t)snprintf(buf, len, "its GPU instances are ");
	for (size_t i = 0; i < gpu->n_gis && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? ", " : "",
					 gpu->gis[i].id);
}

static void profile_list(const struct migctl_gpu_model *m, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n_gi && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s (%u)", i ? ", " : "",
					 m->gi[i].name, m->gi[i].id);
}

static void ci_profile_list(const struct migctl_gi_profile *gp, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; gp && i < gp->n_ci && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s (%u)", i ? ", " : "",
					 gp->ci[i].name, gp->ci[i].id);
}

enum migctl_err migctl_node_set_mig_mode(struct migctl_node *node,
					 struct migctl_gpu_state *gpu, bool enable,
					 struct migctl_mode_result *res,
					 struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	struct migctl_mode_result local;
	struct migctl_process *procs = NULL;
	const char *verb = enable ? "enable" : "disable";
	unsigned want = enable ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
	unsigned cur = 0, pend = 0;
	nvmlReturn_t rc, activation = NVML_SUCCESS;
	nvmlDevice_t dev;
	enum migctl_err erc;
	char s[160];

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	if ((erc = begin_op(node, gpu, &dev, err)))
		return erc;
	node_subject(gpu, s, sizeof(s));

	rc = NV(p, DeviceGetMigMode, dev, &cur, &pend);
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc,
				      rc == NVML_ERROR_NOT_SUPPORTED ? "this GPU does not support MIG"
								: node_hint_for(rc),
				      "%s: cannot read its MIG mode", s);
	res->changed = cur != want || pend != want;
	if (!res->changed)
		return end_op(node, gpu, err);

	/* Processes block the change (the driver would refuse or leave the
	 * GPU half-switched): say which before asking NVML. */
	size_t n_procs = 0;
	if (node_read_procs(p, dev, &procs, &n_procs) == NVML_ERROR_MEMORY)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	if (n_procs > 0) {
		char ph[256];
		proc_phrase(ph, sizeof(ph), procs, n_procs);
		free(procs);
		p->last = NVML_ERROR_IN_USE; /* what the driver answers */
		return migctl_fail(err, MIGCTL_ERR_BUSY,
				   "%s: cannot %s MIG mode: %s on the GPU; stop them first", s, verb,
				   ph);
	}
	free(procs);

	rc = NV(p, DeviceSetMigMode, dev, want, &activation);
	if (rc != NVML_SUCCESS) {
		const char *hint = node_hint_for(rc);
		if (rc == NVML_ERROR_IN_USE)
			hint = !enable && gpu->n_gis > 0
				       ? "destroy its GPU instances first"
				       : "stop the processes and services using the GPU (nvidia-persistenced, DCGM) first";
		else if (rc == NVML_ERROR_NOT_SUPPORTED)
			hint = "this GPU does not support MIG";
		else if (rc == NVML_ERROR_NO_PERMISSION)
			hint = "run as root";
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint, "%s: cannot %s MIG mode", s, verb);
	}

	erc = end_op(node, gpu, err);
	res->pending = gpu->mig_current != enable;
	if (res->pending) {
		/* A pending change always waits for a reset: when the driver
		 * gives no reason, that is it. In a VM without reset the
		 * driver says NOT_SUPPORTED: a reboot is needed. */
		if (activation == NVML_SUCCESS)
			activation = NVML_ERROR_RESET_REQUIRED;
		res->activation = activation == NVML_ERROR_NOT_SUPPORTED
					  ? MIGCTL_ERR_REBOOT_REQUIRED
					  : migctl_nvml_error(activation);
		node_copy_str(res->activation_text, sizeof(res->activation_text),
			      node_text_of(p, activation));
	} else if (activation != NVML_SUCCESS) {
		res->activation = migctl_nvml_error(activation);
		node_copy_str(res->activation_text, sizeof(res->activation_text),
			      node_text_of(p, activation));
	}
	return erc;
}

enum migctl_err migctl_node_create_gi(struct migctl_node *node,
				      struct migctl_gpu_state *gpu,
				      unsigned profile_id,
				      const struct migctl_placement *placement,
				      unsigned *gi_id, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	const struct migctl_gi_profile *gp;
	nvmlGpuInstance_t gi = NULL;
	nvmlDevice_t dev;
	nvmlReturn_t rc;
	enum migctl_err erc;
	char s[160], prof[MIGCTL_NAME_MAX + 32], list[400];

	if ((erc = begin_op(node, gpu, &dev, err)))
		return erc;
	node_subject(gpu, s, sizeof(s));
	gp = migctl_model_gi_profile_by_id(&gpu->model, profile_id);
	if (gp)
		snprintf(prof, sizeof(prof), "profile %s (ID %u)", gp->name, gp->id);
	else
		snprintf(prof, sizeof(prof), "profile ID %u", profile_id);
	if (!gp && gpu->model.n_gi > 0) {
		profile_list(&gpu->model, list, sizeof(list));
		p->last = NVML_ERROR_INVALID_ARGUMENT; /* what the driver answers */
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "%s: no GPU-instance profile with ID %u; valid profiles: %s", s,
				   profile_id, list);
	}
	if (gp && placement && !placement_set_has(&gp->placements, placement)) {
		migctl_placement_set_format(&gp->placements, list, sizeof(list));
		p->last = NVML_ERROR_INVALID_ARGUMENT;
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "%s: placement %u:%u is not valid for %s; its placements are %s", s,
				   placement->start, placement->size, prof, list);
	}

	if (placement) {
		nvmlGpuInstancePlacement_t pl = {placement->start, placement->size};
		rc = NV(p, DeviceCreateGpuInstanceWithPlacement, dev, profile_id, &pl, &gi);
	} else {
		rc = NV(p, DeviceCreateGpuInstance, dev, profile_id, &gi);
	}
	if (rc != NVML_SUCCESS) {
		char at[48] = "";
		if (placement)
			snprintf(at, sizeof(at), " at %u:%u", placement->start, placement->size);
		switch (rc) {
		case NVML_ERROR_NOT_SUPPORTED:
			return fail_mig_off(p, gpu, rc, "create a GPU instance", err);
		case NVML_ERROR_INVALID_ARGUMENT:
			return node_fail_nvml(p, err,
					      placement ? MIGCTL_ERR_INVALID_PLACEMENT
						   : MIGCTL_ERR_UNKNOWN_PROFILE,
					      rc,
					      placement ? "check the placements with `migctl profiles`"
						   : "check the profiles with `migctl profiles`",
					      "%s: cannot create a GPU instance of %s%s", s, prof, at);
		case NVML_ERROR_INSUFFICIENT_RESOURCES:
			return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc,
					      placement ? "that placement overlaps an existing GPU instance, or the profile's limit is reached"
						   : "the GPU has no room left for it; destroy GPU instances or choose a smaller profile",
					      "%s: cannot create a GPU instance of %s%s", s, prof, at);
		case NVML_ERROR_IN_USE:
			return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc,
					      "processes hold the GPU; stop them first",
					      "%s: cannot create a GPU instance of %s%s", s, prof, at);
		default:
			return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc),
					      "%s: cannot create a GPU instance of %s%s", s, prof, at);
		}
	}
	nvmlGpuInstanceInfo_t info;
	memset(&info, 0, sizeof(info));
	rc = NV(p, GpuInstanceGetInfo, gi, &info);
	if (rc != NVML_SUCCESS) {
		end_op(node, gpu, NULL);
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, NULL,
				      "%s: created a GPU instance of %s but cannot read its ID", s, prof);
	}
	if (gi_id)
		*gi_id = info.id;
	return end_op(node, gpu, err);
}

/* The GI handle by ID, with the error for a missing one. */
static enum migctl_err find_gi_handle(struct node_priv *p, struct migctl_gpu_state *gpu,
				      nvmlDevice_t dev, unsigned gi_id, const char *action,
				      nvmlGpuInstance_t *gi, struct migctl_error *err)
{
	nvmlReturn_t rc = NV(p, DeviceGetGpuInstanceById, dev, gi_id, gi);
	char s[160], list[200];

	if (rc == NVML_SUCCESS)
		return MIGCTL_ERR_OK;
	node_subject(gpu, s, sizeof(s));
	if (rc == NVML_ERROR_NOT_SUPPORTED)
		return fail_mig_off(p, gpu, rc, action, err);
	if (rc == NVML_ERROR_NOT_FOUND || rc == NVML_ERROR_INVALID_ARGUMENT) {
		char hint[260];
		gi_list(gpu, list, sizeof(list));
		snprintf(hint, sizeof(hint), "there is no GPU instance %u; %s", gi_id, list);
		return node_fail_nvml(p, err, MIGCTL_ERR_NOT_FOUND, rc, hint, "%s: cannot %s", s, action);
	}
	return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc), "%s: cannot %s", s, action);
}

enum migctl_err migctl_node_create_ci(struct migctl_node *node,
				      struct migctl_gpu_state *gpu, unsigned gi_id,
				      unsigned ci_profile_id,
				      const struct migctl_placement *placement,
				      unsigned *ci_id, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	const struct migctl_gi_state *gs;
	const struct migctl_ci_profile *cp = NULL;
	nvmlGpuInstance_t gi;
	nvmlComputeInstance_t ci = NULL;
	nvmlDevice_t dev;
	nvmlReturn_t rc;
	enum migctl_err erc;
	char s[160], prof[MIGCTL_NAME_MAX + 32], list[400], action[64];

	if ((erc = begin_op(node, gpu, &dev, err)))
		return erc;
	node_subject(gpu, s, sizeof(s));
	snprintf(action, sizeof(action), "create a compute instance in GPU instance %u", gi_id);
	if ((erc = find_gi_handle(p, gpu, dev, gi_id, action, &gi, err)))
		return erc;

	gs = migctl_gpu_find_gi(gpu, gi_id);
	if (gs && gs->profile) {
		cp = node_ci_profile_by_id(gs->profile, ci_profile_id);
		if (!cp && gs->profile->n_ci > 0) {
			ci_profile_list(gs->profile, list, sizeof(list));
			p->last = NVML_ERROR_INVALID_ARGUMENT;
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "%s: GPU instance %u (%s) has no compute-instance profile with ID %u; valid profiles: %s",
					   s, gi_id, gs->profile->name, ci_profile_id, list);
		}
	}
	if (cp)
		snprintf(prof, sizeof(prof), "profile %s (ID %u)", cp->name, cp->id);
	else
		snprintf(prof, sizeof(prof), "profile ID %u", ci_profile_id);
	if (cp && placement && !placement_set_has(&cp->placements, placement)) {
		migctl_placement_set_format(&cp->placements, list, sizeof(list));
		p->last = NVML_ERROR_INVALID_ARGUMENT;
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "%s: placement %u:%u is not valid for compute-instance %s in GPU instance %u; its placements are %s",
				   s, placement->start, placement->size, prof, gi_id, list);
	}

	if (placement) {
		nvmlComputeInstancePlacement_t pl = {placement->start, placement->size};
		rc = NV(p, GpuInstanceCreateComputeInstanceWithPlacement, gi, ci_profile_id, &pl, &ci);
	} else {
		rc = NV(p, GpuInstanceCreateComputeInstance, gi, ci_profile_id, &ci);
	}
	if (rc != NVML_SUCCESS) {
		char at[48] = "";
		if (placement)
			snprintf(at, sizeof(at), " at %u:%u", placement->start, placement->size);
		enum migctl_err code = MIGCTL_ERR_OK;
		const char *hint = node_hint_for(rc);
		if (rc == NVML_ERROR_INVALID_ARGUMENT) {
			code = placement ? MIGCTL_ERR_INVALID_PLACEMENT : MIGCTL_ERR_UNKNOWN_PROFILE;
			hint = "check the compute-instance profiles with `migctl profiles --gi ID`";
		} else if (rc == NVML_ERROR_INSUFFICIENT_RESOURCES) {
			hint = "the GPU instance has no room left for it; destroy compute instances or choose a smaller profile";
		}
		return node_fail_nvml(p, err, code, rc, hint,
				      "%s: cannot create a compute instance of %s%s in GPU instance %u", s,
				      prof, at, gi_id);
	}
	nvmlComputeInstanceInfo_t info;
	memset(&info, 0, sizeof(info));
	rc = NV(p, ComputeInstanceGetInfo, ci, &info);
	if (rc != NVML_SUCCESS) {
		end_op(node, gpu, NULL);
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, NULL,
				      "%s: created a compute instance in GPU instance %u but cannot read its ID",
				      s, gi_id);
	}
	if (ci_id)
		*ci_id = info.id;
	return end_op(node, gpu, err);
}

bool migctl_node_can_place(const struct migctl_node *node)
{
	const struct node_priv *p = priv_of(node);

	return p && p->api->DeviceCreateGpuInstanceWithPlacement &&
	       p->api->GpuInstanceCreateComputeInstanceWithPlacement;
}

/* Why a destroy met IN_USE, from the GPU read again: processes (by PID)
 * or, for a GI, its CIs. */
static enum migctl_err fail_in_use(struct migctl_node *node, struct migctl_gpu_state *gpu,
				   unsigned gi_id, unsigned ci_id, nvmlReturn_t rc,
				   const char *what, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	struct migctl_process *on;
	size_t n = 0;
	char s[160], why[400];
	enum migctl_err erc;

	node_refresh_gpu(node, gpu, NULL);
	on = calloc(gpu->n_procs ? gpu->n_procs : 1, sizeof(*on));
	node_subject(gpu, s, sizeof(s));
	for (size_t i = 0; on && i < gpu->n_procs; i++)
		if (gpu->procs[i].gi == gi_id && (ci_id == NO_ID || gpu->procs[i].ci == ci_id))
			on[n++] = gpu->procs[i];
	const struct migctl_gi_state *gs = migctl_gpu_find_gi(gpu, gi_id);
	if (n > 0) {
		char ph[300];
		proc_phrase(ph, sizeof(ph), on, n);
		snprintf(why, sizeof(why), "%s on it; stop them first", ph);
	} else if (ci_id == NO_ID && gs && gs->n_cis > 0) {
		size_t used = (size_t)snprintf(why, sizeof(why), "destroy its compute instance%s ",
					       gs->n_cis == 1 ? "" : "s");
		for (size_t i = 0; i < gs->n_cis && used < sizeof(why); i++)
			used += (size_t)snprintf(why + used, sizeof(why) - used, "%s%u",
						 i ? ", " : "", gs->cis[i].id);
		if (used < sizeof(why))
			snprintf(why + used, sizeof(why) - used, " first");
	} else {
		snprintf(why, sizeof(why), "stop the processes using it first");
	}
	free(on);
	erc = node_fail_nvml(p, err, MIGCTL_ERR_BUSY, rc, why, "%s: cannot destroy %s", s, what);
	return erc;
}

enum migctl_err migctl_node_destroy_ci(struct migctl_node *node,
				       struct migctl_gpu_state *gpu, unsigned gi_id,
				       unsigned ci_id, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	nvmlGpuInstance_t gi;
	nvmlComputeInstance_t ci;
	nvmlDevice_t dev;
	nvmlReturn_t rc;
	enum migctl_err erc;
	char s[160], what[96];

	if ((erc = begin_op(node, gpu, &dev, err)))
		return erc;
	node_subject(gpu, s, sizeof(s));
	snprintf(what, sizeof(what), "compute instance %u of GPU instance %u", ci_id, gi_id);
	char action[128];
	snprintf(action, sizeof(action), "destroy %s", what);
	if ((erc = find_gi_handle(p, gpu, dev, gi_id, action, &gi, err)))
		return erc;
	rc = NV(p, GpuInstanceGetComputeInstanceById, gi, ci_id, &ci);
	if (rc == NVML_ERROR_NOT_FOUND || rc == NVML_ERROR_INVALID_ARGUMENT) {
		const struct migctl_gi_state *gs = migctl_gpu_find_gi(gpu, gi_id);
		char list[200] = "it has no compute instances";
		if (gs && gs->n_cis > 0) {
			size_t used = (size_t)snprintf(list, sizeof(list), "its compute instances are ");
			for (size_t i = 0; i < gs->n_cis && used < sizeof(list); i++)
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u",
							 i ? ", " : "", gs->cis[i].id);
		}
		char hint[260];
		snprintf(hint, sizeof(hint), "GPU instance %u has no compute instance %u; %s", gi_id,
			 ci_id, list);
		return node_fail_nvml(p, err, MIGCTL_ERR_NOT_FOUND, rc, hint, "%s: cannot destroy %s", s,
				      what);
	}
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc), "%s: cannot destroy %s", s,
				      what);
	rc = NV(p, ComputeInstanceDestroy, ci);
	if (rc == NVML_ERROR_IN_USE)
		return fail_in_use(node, gpu, gi_id, ci_id, rc, what, err);
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc), "%s: cannot destroy %s", s,
				      what);
	return end_op(node, gpu, err);
}

enum migctl_err migctl_node_destroy_gi(struct migctl_node *node,
				       struct migctl_gpu_state *gpu, unsigned gi_id,
				       struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	nvmlGpuInstance_t gi;
	nvmlDevice_t dev;
	nvmlReturn_t rc;
	enum migctl_err erc;
	char s[160], what[64], action[96];

	if ((erc = begin_op(node, gpu, &dev, err)))
		return erc;
	node_subject(gpu, s, sizeof(s));
	snprintf(what, sizeof(what), "GPU instance %u", gi_id);
	snprintf(action, sizeof(action), "destroy %s", what);
	if ((erc = find_gi_handle(p, gpu, dev, gi_id, action, &gi, err)))
		return erc;
	rc = NV(p, GpuInstanceDestroy, gi);
	if (rc == NVML_ERROR_IN_USE)
		return fail_in_use(node, gpu, gi_id, NO_ID, rc, what, err);
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc), "%s: cannot destroy %s", s,
				      what);
	return end_op(node, gpu, err);
}

enum migctl_err migctl_node_reset_gpu(struct migctl_node *node,
				      struct migctl_gpu_state *gpu,
				      struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	nvmlDevice_t dev;
	enum migctl_err erc;
	char s[160];

	if ((erc = begin_op(node, gpu, &dev, err)))
		return erc;
	node_subject(gpu, s, sizeof(s));

	if (p->api->SimResetGpu) {
		nvmlReturn_t rc = (nvmlReturn_t)p->api->SimResetGpu(gpu->index);
		if (rc == NVML_ERROR_IN_USE) {
			struct migctl_process *procs = NULL;
			size_t n = 0;
			char ph[300] = "processes run";
			node_read_procs(p, dev, &procs, &n);
			if (n > 0)
				proc_phrase(ph, sizeof(ph), procs, n);
			free(procs);
			char hint[360];
			snprintf(hint, sizeof(hint), "%s on the GPU; stop them first", ph);
			return node_fail_nvml(p, err, MIGCTL_ERR_BUSY, rc, hint, "%s: cannot reset it", s);
		}
		if (rc == NVML_ERROR_INVALID_ARGUMENT)
			return node_fail_nvml(p, err, MIGCTL_ERR_NOT_FOUND, rc, NULL,
					      "%s: cannot reset it: the simulator has no such GPU", s);
		if (rc != NVML_SUCCESS)
			return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc,
					      rc == NVML_ERROR_NO_PERMISSION ? "run as root" : node_hint_for(rc),
					      "%s: cannot reset it", s);
		return end_op(node, gpu, err);
	}

	/* A real GPU resets only when nothing holds it, NVML clients such as
	 * this one included: let go of NVML while nvidia-smi works. */
	char bus[sizeof(gpu->bus_id)], why[512];
	node_copy_str(bus, sizeof(bus), gpu->bus_id);
	if (!bus[0])
		return migctl_fail(err, MIGCTL_ERR_RESET_REQUIRED,
				   "%s: cannot reset it: its PCI bus ID is unknown; reset it by hand as root with `nvidia-smi --gpu-reset -i %u`",
				   s, gpu->index);
	if (!p->reset_gpu)
		return migctl_fail(err, MIGCTL_ERR_RESET_REQUIRED,
				   "%s: this program cannot reset GPUs; stop every process using the GPU and run `nvidia-smi --gpu-reset -i %s` as root",
				   s, bus);
	migctl_nvml_close(p->nv);
	p->nv = NULL;
	p->api = &node_no_api;
	why[0] = '\0';
	int failed = p->reset_gpu(p->reset_ctx, bus, why, sizeof(why));
	if (failed && !why[0])
		node_copy_str(why, sizeof(why), "the reset command failed");
	struct migctl_error reopen_err;
	erc = migctl_nvml_open(&p->nv, p->path, p->sim_state[0] ? p->sim_state : NULL,
			       &reopen_err);
	if (erc == MIGCTL_ERR_OK)
		p->api = migctl_nvml_api(p->nv);
	if (failed)
		return migctl_fail(err, MIGCTL_ERR_RESET_REQUIRED,
				   "%s: the reset failed (%s); stop every process using the GPU and run `nvidia-smi --gpu-reset -i %s` as root",
				   s, why, bus);
	if (erc != MIGCTL_ERR_OK) {
		if (err)
			*err = reopen_err;
		return erc;
	}
	return end_op(node, gpu, err);
}

