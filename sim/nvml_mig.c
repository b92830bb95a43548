/* migsim — the simulator's NVML MIG calls (see sim/nvml.c for the call
 * path): GPU instance and compute instance profiles, placements and
 * capacities, creating, listing and destroying instances, and MIG device
 * handles. */
#include "nvml_call.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, info != NULL, false, &r, &o);

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
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_GPU, info != NULL, false, &r, &o);

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
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_GPU,
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
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		rc = sim_gi_remaining(c.m, r.gpu, profileId, count);
	return nv_leave(&c, rc);
}

/* --- GPU instances ----------------------------------------------------- */

static nvmlReturn_t create_gi(const char *name, nvmlDevice_t device, unsigned profileId,
			      const nvmlGpuInstancePlacement_t *placement, bool with_placement,
			      nvmlGpuInstance_t *gpuInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_GPU,
				       gpuInstance != NULL && (!with_placement || placement != NULL),
				       true, &r, &o);

	if (rc == NVML_SUCCESS) {
		struct migctl_placement p;
		unsigned id = 0;
		if (with_placement)
			p = (struct migctl_placement){placement->start, placement->size};
		rc = sim_create_gi(c.m, r.gpu, profileId, with_placement ? &p : NULL, &id);
		if (rc == NVML_SUCCESS) {
			void *h = nv_handle_of(H_GI, r.gpu, id, NO_ID);
			if (h) {
				*gpuInstance = h;
				c.dirty = true;
			} else {
				rc = NVML_ERROR_UNKNOWN;
			}
		}
	}
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI, true, true, &r, &o);

	if (rc == NVML_SUCCESS) {
		rc = sim_destroy_gi(c.m, r.gpu, r.gi);
		if (rc == NVML_ERROR_NOT_FOUND)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		if (rc == NVML_SUCCESS)
			c.dirty = true;
	}
	return nv_leave(&c, rc);
}

/* GetGpuInstances / GetComputeInstances: the caller's buffer must hold the
 * profile's instanceCount (header), and `count` is output only: the driver
 * never reads it. NVIDIA's nvidia-smi relies on that (its -lci and -dci
 * pass a count smaller than what they get back), so neither call may
 * refuse a small *count; no result exceeds instanceCount, so no buffer
 * that follows the header overruns. */
nvmlReturn_t nvmlDeviceGetGpuInstances(nvmlDevice_t device, unsigned int profileId,
				       nvmlGpuInstance_t *gpuInstances, unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU,
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
		for (unsigned i = 0; rc == NVML_SUCCESS && i < n; i++) {
			gpuInstances[i] = nv_handle_of(H_GI, r.gpu, ids[i], NO_ID);
			if (!gpuInstances[i])
				rc = NVML_ERROR_UNKNOWN;
		}
		if (rc == NVML_SUCCESS)
			*count = n;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstanceById(nvmlDevice_t device, unsigned int id,
					  nvmlGpuInstance_t *gpuInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, gpuInstance != NULL, false,
				       &r, &o);

	if (rc == NVML_SUCCESS && !o.g->mig_current)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS) {
		void *h = nv_handle_of(H_GI, r.gpu, id, NO_ID);
		if (!sim_gi_find(o.g, id) || !h)
			rc = NVML_ERROR_NOT_FOUND;
		else
			*gpuInstance = h;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetInfo(nvmlGpuInstance_t gpuInstance, nvmlGpuInstanceInfo_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		memset(info, 0, sizeof(*info));
		info->device = nv_handle_of(H_GPU, r.gpu, NO_ID, NO_ID);
		info->id = o.gi->id;
		info->profileId = o.gi->profile_id;
		info->placement.start = o.gi->placement.start;
		info->placement.size = o.gi->placement.size;
	}
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI, info != NULL, false, &r, &o);

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
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI, info != NULL, false, &r, &o);

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
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceRemainingCapacity(nvmlGpuInstance_t gpuInstance,
								unsigned int profileId,
								unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		rc = sim_ci_remaining(c.m, r.gpu, r.gi, profileId, count);
		if (rc == NVML_ERROR_NOT_FOUND)
			rc = NVML_ERROR_INVALID_ARGUMENT;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstancePossiblePlacements(
	nvmlGpuInstance_t gpuInstance, unsigned int profileId,
	nvmlComputeInstancePlacement_t *placements, unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		const struct migctl_ci_profile *p = ci_profile_by_id(o.gp, profileId);
		if (!p)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		else
			rc = put_placements(&p->placements, placements ? &placements[0].start : NULL,
					    placements ? &placements[0].size : NULL,
					    sizeof(*placements), count);
	}
	return nv_leave(&c, rc);
}

/* --- compute instances ------------------------------------------------- */

static nvmlReturn_t create_ci(const char *name, nvmlGpuInstance_t gpuInstance, unsigned profileId,
			      const nvmlComputeInstancePlacement_t *placement, bool with_placement,
			      nvmlComputeInstance_t *computeInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, gpuInstance, K_GI,
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
			void *h = nv_handle_of(H_CI, r.gpu, r.gi, id);
			if (h) {
				*computeInstance = h;
				c.dirty = true;
			} else {
				rc = NVML_ERROR_UNKNOWN;
			}
		}
	}
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, computeInstance, K_CI, true, true, &r, &o);

	if (rc == NVML_SUCCESS) {
		rc = sim_destroy_ci(c.m, r.gpu, r.gi, r.ci);
		if (rc == NVML_ERROR_NOT_FOUND)
			rc = NVML_ERROR_INVALID_ARGUMENT;
		if (rc == NVML_SUCCESS)
			c.dirty = true;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstances(nvmlGpuInstance_t gpuInstance,
						unsigned int profileId,
						nvmlComputeInstance_t *computeInstances,
						unsigned int *count)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI,
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
		for (unsigned i = 0; rc == NVML_SUCCESS && i < n; i++) {
			computeInstances[i] = nv_handle_of(H_CI, r.gpu, r.gi, ids[i]);
			if (!computeInstances[i])
				rc = NVML_ERROR_UNKNOWN;
		}
		if (rc == NVML_SUCCESS)
			*count = n;
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceById(nvmlGpuInstance_t gpuInstance,
						   unsigned int id,
						   nvmlComputeInstance_t *computeInstance)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, gpuInstance, K_GI, computeInstance != NULL, false,
				   &r, &o);

	if (rc == NVML_SUCCESS) {
		void *h = nv_handle_of(H_CI, r.gpu, r.gi, id);
		if (!sim_ci_find(o.gi, id) || !h)
			rc = NVML_ERROR_NOT_FOUND;
		else
			*computeInstance = h;
	}
	return nv_leave(&c, rc);
}

/* The v1 struct ends before `placement` (added with _v2, NVML 11.1): a v1
 * caller's buffer is that much shorter, so v1 writes nothing past it. */
static nvmlReturn_t ci_info(const char *name, bool v2, nvmlComputeInstance_t computeInstance,
			    nvmlComputeInstanceInfo_t *info)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, computeInstance, K_CI, info != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		info->device = nv_handle_of(H_GPU, r.gpu, NO_ID, NO_ID);
		info->gpuInstance = nv_handle_of(H_GI, r.gpu, r.gi, NO_ID);
		info->id = o.ci->id;
		info->profileId = o.ci->profile_id;
		if (v2) {
			info->placement.start = o.ci->placement.start;
			info->placement.size = o.ci->placement.size;
		}
	}
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_DEV, isMigDevice != NULL, false,
				       &r, &o);

	if (rc == NVML_SUCCESS)
		*isMigDevice = r.kind == H_MIG;
	return nv_leave(&c, rc);
}

/* Queries of a MIG device on a GPU handle: "not supported by the device". */
static nvmlReturn_t mig_id(const char *name, nvmlDevice_t device, unsigned int *id, bool ci)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, name, device, K_DEV, id != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind != H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		*id = ci ? o.ci->id : o.gi->id;
	return nv_leave(&c, rc);
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
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, count != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS)
		*count = o.g->mig_current ? o.model->compute_slices : 0;
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index,
						 nvmlDevice_t *migDevice)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, device, K_GPU, migDevice != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS) {
		struct sim_mig_ref refs[SIM_MAX_GIS * SIM_MAX_CIS];
		size_t n = sim_mig_devices(c.m, r.gpu, refs, SIM_MAX_GIS * SIM_MAX_CIS);
		if (index >= n || index >= SIM_MAX_GIS * SIM_MAX_CIS) {
			rc = NVML_ERROR_NOT_FOUND;
		} else {
			void *h = nv_handle_of(H_MIG, r.gpu, refs[index].gi, refs[index].ci);
			if (h)
				*migDevice = h;
			else
				rc = NVML_ERROR_UNKNOWN;
		}
	}
	return nv_leave(&c, rc);
}

nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice,
							  nvmlDevice_t *device)
{
	struct call c;
	struct ref r;
	struct obj o;
	nvmlReturn_t rc = nv_enter_obj(&c, __func__, migDevice, K_DEV, device != NULL, false, &r, &o);

	if (rc == NVML_SUCCESS && r.kind != H_MIG)
		rc = NVML_ERROR_NOT_SUPPORTED;
	if (rc == NVML_SUCCESS)
		*device = nv_handle_of(H_GPU, r.gpu, NO_ID, NO_ID);
	return nv_leave(&c, rc);
}

