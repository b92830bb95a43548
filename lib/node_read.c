/* migctl — reading a node (see migctl/node.h): every GPU, its MIG mode,
 * live profiles, placements, remaining capacities, GIs, CIs, MIG devices
 * and processes.
 *
 * A refresh reads one GPU into a fresh heap struct and swaps it in only
 * when the read succeeded, so a failed read leaves the previous state
 * intact and pointers into node->gpus stay valid across refreshes of the
 * same node.
 *
 * The live model: GI profiles come from NVML (profile index loop), in the
 * catalog's order where the catalog knows them (nvidia-smi's order), else
 * by slices and index. CI profiles need a GI to ask; for a GI profile
 * without an instance the catalog's CI profiles stand in.
 */
#include "node_internal.h"
#include "util/proc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* "MIG 3g.40gb" → "3g.40gb". */
static void strip_mig(char *dst, size_t len, const char *src)
{
	if (strncmp(src, "MIG ", 4) == 0)
		src += 4;
	node_copy_str(dst, len, src);
}

/* Placements from NVML into a set (all of one size; others dropped). */
static void set_from(struct migctl_placement_set *set, const unsigned *starts,
		     const unsigned *sizes, size_t stride_words, unsigned n)
{
	memset(set, 0, sizeof(*set));
	for (unsigned i = 0; i < n && set->n_starts < MIGCTL_MAX_UNITS; i++) {
		unsigned start = starts[i * stride_words], size = sizes[i * stride_words];
		if (set->n_starts == 0)
			set->size = size;
		else if (size != set->size)
			continue;
		set->starts[set->n_starts++] = start;
	}
}

/* Placements of a CI profile of `slices` in a GI of `gi_slices`, when
 * neither NVML nor the catalog lists them: aligned starts. */
static void set_by_slices(struct migctl_placement_set *set, unsigned slices,
			  unsigned gi_slices)
{
	memset(set, 0, sizeof(*set));
	set->size = slices;
	for (unsigned s = 0; slices && s + slices <= gi_slices && set->n_starts < MIGCTL_MAX_UNITS;
	     s += slices)
		set->starts[set->n_starts++] = s;
}

static void proc_name(unsigned pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	else
		buf[0] = '\0';
	fclose(f);
}

uint64_t migctl_process_start_time(unsigned pid)
{
	unsigned long long start = 0;

	return mu_proc_start_time((long)pid, &start) ? (uint64_t)start : 0;
}

/* The compute processes on a device (all of a GPU, with their instance
 * IDs), as many as the driver reports: *out gets a heap array of *n
 * entries (NULL when none), which the caller frees. */
nvmlReturn_t node_read_procs(struct node_priv *p, nvmlDevice_t dev,
			     struct migctl_process **out, size_t *n)
{
	nvmlProcessInfo_t *info = NULL;
	unsigned count = 0;
	nvmlReturn_t rc = NVML_ERROR_FUNCTION_NOT_FOUND;

	*out = NULL;
	*n = 0;
	/* Ask for the count, then read; processes may come and go between
	 * the calls, hence the margin and the retries. */
	for (int tries = 0; tries < 4; tries++) {
		rc = NV(p, DeviceGetComputeRunningProcesses, dev, &count, info);
		if (rc != NVML_ERROR_INSUFFICIENT_SIZE)
			break;
		free(info);
		count += 8;
		info = calloc(count, sizeof(*info));
		if (!info)
			return NVML_ERROR_MEMORY;
	}
	if (rc == NVML_SUCCESS && info && count > 0) {
		*out = calloc(count, sizeof(**out));
		if (!*out) {
			free(info);
			return NVML_ERROR_MEMORY;
		}
		for (unsigned i = 0; i < count; i++) {
			struct migctl_process *pr = &(*out)[(*n)++];
			pr->pid = info[i].pid;
			pr->gi = info[i].gpuInstanceId;
			pr->ci = info[i].computeInstanceId;
			/* Unknown without privileges: NVML_VALUE_NOT_AVAILABLE. */
			pr->used_mib = info[i].usedGpuMemory == ~0ULL ? 0
								    : info[i].usedGpuMemory / MIB;
			proc_name(pr->pid, pr->name, sizeof(pr->name));
			pr->start_time = migctl_process_start_time(pr->pid);
		}
	}
	free(info);
	return rc;
}

/* --- reading a GPU ---------------------------------------------------------- */

struct raw_gi {
	unsigned id, profile_id;
	struct migctl_placement placement;
	nvmlGpuInstance_t h;
};

struct raw_ci {
	unsigned id, profile_id;
	struct migctl_placement placement;
};

static void model_release(struct migctl_gpu_model *m)
{
	for (size_t i = 0; i < m->n_gi; i++)
		free(m->gi[i].ci);
	free(m->gi);
	m->gi = NULL;
	m->n_gi = 0;
}

void node_gpu_release(struct migctl_gpu_state *g)
{
	model_release(&g->model);
	free(g->procs);
	g->procs = NULL;
	g->n_procs = 0;
}

static enum migctl_arch arch_of(nvmlDeviceArchitecture_t a)
{
	switch (a) {
	case NVML_DEVICE_ARCH_AMPERE:
		return MIGCTL_ARCH_AMPERE;
	case NVML_DEVICE_ARCH_HOPPER:
		return MIGCTL_ARCH_HOPPER;
	case NVML_DEVICE_ARCH_BLACKWELL:
		return MIGCTL_ARCH_BLACKWELL;
	default:
		return MIGCTL_ARCH_UNKNOWN;
	}
}

/* Position of a profile in the catalog model, for ordering; -1 if absent. */
static long catalog_gi_pos(const struct migctl_gpu_model *cat, unsigned id)
{
	for (size_t i = 0; cat && i < cat->n_gi; i++)
		if (cat->gi[i].id == id)
			return (long)i;
	return -1;
}

static long catalog_ci_pos(const struct migctl_gi_profile *cat, unsigned id)
{
	for (size_t i = 0; cat && i < cat->n_ci; i++)
		if (cat->ci[i].id == id)
			return (long)i;
	return -1;
}

static const struct migctl_ci_profile *catalog_ci(const struct migctl_gi_profile *cat,
						  unsigned id)
{
	long pos = catalog_ci_pos(cat, id);
	return pos < 0 ? NULL : &cat->ci[pos];
}

static long gi_sort_key(const struct migctl_gpu_model *cat, const struct migctl_gi_profile *gp)
{
	long pos = catalog_gi_pos(cat, gp->id);
	return (long)gp->compute_slices * 100000 + (pos >= 0 ? pos : 1000 + (long)gp->nvml_index);
}

static long ci_sort_key(const struct migctl_gi_profile *cat, const struct migctl_ci_profile *cp)
{
	long pos = catalog_ci_pos(cat, cp->id);
	return pos >= 0 ? pos : 1000 + (long)cp->id;
}

static bool gi_placements(struct node_priv *p, nvmlDevice_t dev, unsigned profile_id,
			  struct migctl_placement_set *set)
{
	nvmlGpuInstancePlacement_t buf[MIGCTL_MAX_UNITS];
	unsigned count = 0;
	nvmlReturn_t rc;

	/* Count first (v2 protocol); the v1 call wants a buffer, which the
	 * second call gives either way. */
	rc = NV(p, DeviceGetGpuInstancePossiblePlacements, dev, profile_id, NULL, &count);
	if (rc != NVML_SUCCESS || count > MIGCTL_MAX_UNITS || count == 0)
		count = MIGCTL_MAX_UNITS;
	memset(buf, 0, sizeof(buf));
	rc = NV(p, DeviceGetGpuInstancePossiblePlacements, dev, profile_id, buf, &count);
	if (rc != NVML_SUCCESS || count == 0)
		return false;
	if (count > MIGCTL_MAX_UNITS)
		count = MIGCTL_MAX_UNITS;
	set_from(set, &buf[0].start, &buf[0].size, sizeof(buf[0]) / sizeof(unsigned), count);
	return true;
}

static bool ci_placements(struct node_priv *p, nvmlGpuInstance_t gi, unsigned profile_id,
			  struct migctl_placement_set *set)
{
	nvmlComputeInstancePlacement_t buf[MIGCTL_MAX_UNITS];
	unsigned count = 0;
	nvmlReturn_t rc;

	rc = NV(p, GpuInstanceGetComputeInstancePossiblePlacements, gi, profile_id, NULL, &count);
	if (rc != NVML_SUCCESS || count > MIGCTL_MAX_UNITS || count == 0)
		count = MIGCTL_MAX_UNITS;
	memset(buf, 0, sizeof(buf));
	rc = NV(p, GpuInstanceGetComputeInstancePossiblePlacements, gi, profile_id, buf, &count);
	if (rc != NVML_SUCCESS || count == 0)
		return false;
	if (count > MIGCTL_MAX_UNITS)
		count = MIGCTL_MAX_UNITS;
	set_from(set, &buf[0].start, &buf[0].size, sizeof(buf[0]) / sizeof(unsigned), count);
	return true;
}

/* One GI profile by NVML index; false if the GPU does not have it. */
static bool read_gi_profile(struct node_priv *p, nvmlDevice_t dev, unsigned index,
			    const struct migctl_gpu_model *cat, bool live_placements,
			    struct migctl_gi_profile *gp)
{
	nvmlGpuInstanceProfileInfo_v2_t v2;
	nvmlReturn_t rc;

	memset(gp, 0, sizeof(*gp));
	memset(&v2, 0, sizeof(v2));
	v2.version = nvmlGpuInstanceProfileInfo_v2;
	rc = NV(p, DeviceGetGpuInstanceProfileInfoV, dev, index, &v2);
	if (rc == NVML_SUCCESS) {
		gp->id = v2.id;
		strip_mig(gp->name, sizeof(gp->name), v2.name);
		gp->compute_slices = v2.sliceCount;
		gp->memory_mib = v2.memorySizeMB;
		gp->sm = v2.multiprocessorCount;
		gp->ce = v2.copyEngineCount;
		gp->dec = v2.decoderCount;
		gp->enc = v2.encoderCount;
		gp->jpg = v2.jpegCount;
		gp->ofa = v2.ofaCount;
		gp->max = v2.instanceCount;
	} else if (rc == NVML_ERROR_FUNCTION_NOT_FOUND ||
		   rc == NVML_ERROR_ARGUMENT_VERSION_MISMATCH) {
		nvmlGpuInstanceProfileInfo_t v1;
		memset(&v1, 0, sizeof(v1));
		rc = NV(p, DeviceGetGpuInstanceProfileInfo, dev, index, &v1);
		if (rc != NVML_SUCCESS)
			return false;
		gp->id = v1.id;
		gp->compute_slices = v1.sliceCount;
		gp->memory_mib = v1.memorySizeMB;
		gp->sm = v1.multiprocessorCount;
		gp->ce = v1.copyEngineCount;
		gp->dec = v1.decoderCount;
		gp->enc = v1.encoderCount;
		gp->jpg = v1.jpegCount;
		gp->ofa = v1.ofaCount;
		gp->max = v1.instanceCount;
	} else {
		/* NOT_SUPPORTED (no such profile, or MIG disabled),
		 * INVALID_ARGUMENT (index past the driver's list), others. */
		return false;
	}
	gp->nvml_index = index;
	gp->confirmed = true;
	if (!gp->name[0]) {
		/* The v1 struct has no name: the catalog's, else a made-up
		 * "<slices>g.<GB>gb". */
		long pos = catalog_gi_pos(cat, gp->id);
		if (pos >= 0)
			node_copy_str(gp->name, sizeof(gp->name), cat->gi[pos].name);
		else
			snprintf(gp->name, sizeof(gp->name), "%ug.%llugb", gp->compute_slices,
				 (unsigned long long)((gp->memory_mib + 512) / 1024));
	}
	if (!live_placements || !gi_placements(p, dev, gp->id, &gp->placements)) {
		long pos = catalog_gi_pos(cat, gp->id);
		if (pos >= 0)
			gp->placements = cat->gi[pos].placements;
	}
	return true;
}

/* CI profiles of `gp` asked from a live GI of it. */
static enum migctl_err read_ci_profiles(struct node_priv *p, nvmlGpuInstance_t gi,
					struct migctl_gi_profile *gp,
					const struct migctl_gi_profile *cat_gp,
					struct migctl_error *err)
{
	struct migctl_ci_profile found[NVML_COMPUTE_INSTANCE_PROFILE_COUNT];
	size_t n = 0;

	for (unsigned idx = 0; idx < NVML_COMPUTE_INSTANCE_PROFILE_COUNT; idx++) {
		struct migctl_ci_profile *cp = &found[n];
		nvmlComputeInstanceProfileInfo_v2_t v2;
		nvmlReturn_t rc;

		memset(cp, 0, sizeof(*cp));
		memset(&v2, 0, sizeof(v2));
		v2.version = nvmlComputeInstanceProfileInfo_v2;
		rc = NV(p, GpuInstanceGetComputeInstanceProfileInfoV, gi, idx,
			NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED, &v2);
		if (rc == NVML_SUCCESS) {
			cp->id = v2.id;
			strip_mig(cp->name, sizeof(cp->name), v2.name);
			cp->slices = v2.sliceCount;
			cp->sm = v2.multiprocessorCount;
			cp->max = v2.instanceCount;
		} else if (rc == NVML_ERROR_FUNCTION_NOT_FOUND ||
			   rc == NVML_ERROR_ARGUMENT_VERSION_MISMATCH) {
			nvmlComputeInstanceProfileInfo_t v1;
			memset(&v1, 0, sizeof(v1));
			rc = NV(p, GpuInstanceGetComputeInstanceProfileInfo, gi, idx,
				NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED, &v1);
			if (rc != NVML_SUCCESS)
				continue;
			cp->id = v1.id;
			cp->slices = v1.sliceCount;
			cp->sm = v1.multiprocessorCount;
			cp->max = v1.instanceCount;
		} else {
			continue;
		}
		cp->confirmed = true;
		const struct migctl_ci_profile *cc = catalog_ci(cat_gp, cp->id);
		if (!cp->name[0]) {
			if (cc)
				node_copy_str(cp->name, sizeof(cp->name), cc->name);
			else if (cp->slices == gp->compute_slices)
				node_copy_str(cp->name, sizeof(cp->name), gp->name);
			else
				node_fmt_cut(cp->name, sizeof(cp->name), "%uc.%s", cp->slices, gp->name);
		}
		if (!ci_placements(p, gi, cp->id, &cp->placements)) {
			if (cc && cc->slices == cp->slices)
				cp->placements = cc->placements;
			else
				set_by_slices(&cp->placements, cp->slices, gp->compute_slices);
		}
		n++;
	}
	if (n == 0)
		return MIGCTL_ERR_OK;

	/* Catalog order where it knows the profiles, else by ID. */
	for (size_t i = 1; i < n; i++) {
		struct migctl_ci_profile t = found[i];
		size_t j = i;
		while (j > 0 && ci_sort_key(cat_gp, &found[j - 1]) > ci_sort_key(cat_gp, &t)) {
			found[j] = found[j - 1];
			j--;
		}
		found[j] = t;
	}
	/* The default CI covers the whole GI; where several do (a REV1 CI
	 * in a REV2 GI), the catalog knows which one nvidia-smi marks. */
	const struct migctl_ci_profile *cat_def = cat_gp ? migctl_gi_profile_default_ci(cat_gp) : NULL;
	size_t def = n;
	for (size_t i = 0; cat_def && i < n && def == n; i++)
		if (found[i].id == cat_def->id && found[i].slices == gp->compute_slices)
			def = i;
	for (size_t i = 0; i < n && def == n; i++)
		if (found[i].slices == gp->compute_slices)
			def = i;
	if (def < n)
		found[def].is_default = true;
	gp->ci = calloc(n, sizeof(*gp->ci));
	if (!gp->ci)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading CI profiles");
	memcpy(gp->ci, found, n * sizeof(*gp->ci));
	gp->n_ci = n;
	return MIGCTL_ERR_OK;
}

static enum migctl_err copy_catalog_cis(struct migctl_gi_profile *gp,
					const struct migctl_gi_profile *cat_gp,
					struct migctl_error *err)
{
	if (!cat_gp || cat_gp->n_ci == 0)
		return MIGCTL_ERR_OK;
	gp->ci = calloc(cat_gp->n_ci, sizeof(*gp->ci));
	if (!gp->ci)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading CI profiles");
	memcpy(gp->ci, cat_gp->ci, cat_gp->n_ci * sizeof(*gp->ci));
	gp->n_ci = cat_gp->n_ci;
	return MIGCTL_ERR_OK;
}

/* The GIs of the GPU (any order), with handles. */
static size_t read_gis(struct node_priv *p, nvmlDevice_t dev, const struct migctl_gpu_model *m,
		       struct raw_gi *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_gi; i++) {
		unsigned bufcap = m->gi[i].max > MIGCTL_NODE_MAX_GIS ? m->gi[i].max
								     : MIGCTL_NODE_MAX_GIS;
		nvmlGpuInstance_t *hs = calloc(bufcap, sizeof(*hs));
		unsigned count = bufcap;

		if (!hs)
			break;
		if (NV(p, DeviceGetGpuInstances, dev, m->gi[i].id, hs, &count) == NVML_SUCCESS) {
			for (unsigned j = 0; j < count && j < bufcap && n < cap; j++) {
				nvmlGpuInstanceInfo_t info;
				memset(&info, 0, sizeof(info));
				if (NV(p, GpuInstanceGetInfo, hs[j], &info) != NVML_SUCCESS)
					continue;
				out[n++] = (struct raw_gi){
					.id = info.id,
					.profile_id = info.profileId,
					.placement = {info.placement.start, info.placement.size},
					.h = hs[j],
				};
			}
		}
		free(hs);
	}
	/* By GI ID. */
	for (size_t i = 1; i < n; i++) {
		struct raw_gi t = out[i];
		size_t j = i;
		while (j > 0 && out[j - 1].id > t.id) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = t;
	}
	return n;
}

/* GI profiles, their CI profiles and the model's totals. */
static enum migctl_err read_model(struct node_priv *p, nvmlDevice_t dev,
				  struct migctl_gpu_state *g, struct raw_gi *gis, size_t *n_gis,
				  unsigned what, struct migctl_error *err)
{
	const struct migctl_gpu_model *cat = g->catalog_model;
	struct migctl_gpu_model *m = &g->model;
	struct migctl_gi_profile found[NVML_GPU_INSTANCE_PROFILE_COUNT];
	size_t n = 0;
	enum migctl_err rc;

	node_copy_str(m->name, sizeof(m->name), g->name);
	m->pci_device_ids[0] = g->pci_device_id;
	m->n_pci_device_ids = 1;
	m->arch = g->arch;
	m->memory_mib = g->memory_total_mib;
	m->sm_count = cat ? cat->sm_count : 0;
	if (cat)
		node_copy_str(m->min_driver, sizeof(m->min_driver), cat->min_driver);
	m->confirmed = true;
	node_copy_str(m->source, sizeof(m->source), "NVML");

	*n_gis = 0;
	if (!(what & MIGCTL_NODE_READ_PROFILES))
		return MIGCTL_ERR_OK;
	for (unsigned idx = 0; idx < NVML_GPU_INSTANCE_PROFILE_COUNT; idx++) {
		if (read_gi_profile(p, dev, idx, cat, what & MIGCTL_NODE_READ_PLACEMENTS,
				    &found[n])) {
			bool dup = false;
			for (size_t j = 0; j < n; j++)
				dup |= found[j].id == found[n].id;
			if (!dup)
				n++;
		}
	}
	if (n == 0)
		return MIGCTL_ERR_OK; /* MIG disabled, or not a MIG GPU */

	for (size_t i = 1; i < n; i++) {
		struct migctl_gi_profile t = found[i];
		size_t j = i;
		while (j > 0 && gi_sort_key(cat, &found[j - 1]) > gi_sort_key(cat, &t)) {
			found[j] = found[j - 1];
			j--;
		}
		found[j] = t;
	}
	m->gi = calloc(n, sizeof(*m->gi));
	if (!m->gi)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading GPU %u", g->index);
	memcpy(m->gi, found, n * sizeof(*m->gi));
	m->n_gi = n;
	for (size_t i = 0; i < n; i++) {
		const struct migctl_gi_profile *gp = &m->gi[i];
		for (unsigned s = 0; s < gp->placements.n_starts; s++)
			if (gp->placements.starts[s] + gp->placements.size > m->units)
				m->units = gp->placements.starts[s] + gp->placements.size;
		if (gp->compute_slices > m->compute_slices)
			m->compute_slices = gp->compute_slices;
	}

	if (what & MIGCTL_NODE_READ_GIS)
		*n_gis = read_gis(p, dev, m, gis, MIGCTL_NODE_MAX_GIS);

	for (size_t i = 0; i < n; i++) {
		struct migctl_gi_profile *gp = &m->gi[i];
		long pos = catalog_gi_pos(cat, gp->id);
		const struct migctl_gi_profile *cat_gp = pos >= 0 ? &cat->gi[pos] : NULL;
		const struct raw_gi *live = NULL;

		for (size_t j = 0; j < *n_gis && !live; j++)
			if (gis[j].profile_id == gp->id)
				live = &gis[j];
		rc = MIGCTL_ERR_OK;
		/* Live CI profiles only for a read of the CIs (whose names
		 * they give); otherwise the catalog's stand in, as for a GI
		 * profile without an instance. */
		if (live && (what & MIGCTL_NODE_READ_CIS))
			rc = read_ci_profiles(p, live->h, gp, cat_gp, err);
		if (rc == MIGCTL_ERR_OK && gp->n_ci == 0)
			rc = copy_catalog_cis(gp, cat_gp, err);
		if (rc)
			return rc;
	}
	return MIGCTL_ERR_OK;
}

const struct migctl_ci_profile *node_ci_profile_by_id(const struct migctl_gi_profile *gp,
						      unsigned id)
{
	for (size_t i = 0; gp && i < gp->n_ci; i++)
		if (gp->ci[i].id == id)
			return &gp->ci[i];
	return NULL;
}

/* The CIs of one GI, by CI ID, and its remaining CI capacities. */
static void read_cis(struct node_priv *p, const struct raw_gi *raw, struct migctl_gi_state *gs,
		     bool capacity)
{
	const struct migctl_gi_profile *gp = gs->profile;
	struct raw_ci found[MIGCTL_NODE_MAX_CIS];
	unsigned ids[NVML_COMPUTE_INSTANCE_PROFILE_COUNT + MIGCTL_MAX_PROFILES];
	size_t n_ids = 0, n = 0;

	/* Ask for the CI profiles the model knows, else every index. */
	if (gp && gp->n_ci)
		for (size_t i = 0; i < gp->n_ci; i++)
			ids[n_ids++] = gp->ci[i].id;
	else
		for (unsigned i = 0; i < NVML_COMPUTE_INSTANCE_PROFILE_COUNT; i++)
			ids[n_ids++] = i;

	for (size_t k = 0; k < n_ids; k++) {
		nvmlComputeInstance_t hs[MIGCTL_NODE_MAX_CIS];
		unsigned count = MIGCTL_NODE_MAX_CIS;

		if (NV(p, GpuInstanceGetComputeInstances, raw->h, ids[k], hs, &count) != NVML_SUCCESS)
			continue;
		for (unsigned j = 0; j < count && j < MIGCTL_NODE_MAX_CIS && n < MIGCTL_NODE_MAX_CIS;
		     j++) {
			nvmlComputeInstanceInfo_t info;
			memset(&info, 0, sizeof(info));
			if (NV(p, ComputeInstanceGetInfo, hs[j], &info) != NVML_SUCCESS)
				continue;
			found[n++] = (struct raw_ci){
				.id = info.id,
				.profile_id = info.profileId,
				.placement = {info.placement.start, info.placement.size},
			};
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct raw_ci t = found[i];
		size_t j = i;
		while (j > 0 && found[j - 1].id > t.id) {
			found[j] = found[j - 1];
			j--;
		}
		found[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		struct migctl_ci_state *cs = &gs->cis[gs->n_cis++];
		const struct migctl_ci_profile *cp = node_ci_profile_by_id(gp, found[i].profile_id);

		memset(cs, 0, sizeof(*cs));
		cs->id = found[i].id;
		cs->profile_id = found[i].profile_id;
		cs->placement = found[i].placement;
		cs->mig_index = NO_ID;
		if (cs->placement.size == 0 && cp && cp->placements.n_starts == 1)
			cs->placement = (struct migctl_placement){cp->placements.starts[0],
								  cp->placements.size};
		if (cp) {
			node_copy_str(cs->profile_name, sizeof(cs->profile_name), cp->name);
			cs->sm = cp->sm;
		}
	}
	for (size_t i = 0; capacity && gp && i < gp->n_ci && i < MIGCTL_MAX_PROFILES; i++) {
		unsigned c = 0;
		if (NV(p, GpuInstanceGetComputeInstanceRemainingCapacity, raw->h, gp->ci[i].id, &c) ==
		    NVML_SUCCESS)
			gs->ci_free[i] = c;
	}
}

/* Memory and SMs of the MIG device `mig` onto its CI. */
static void read_device_info(struct node_priv *p, nvmlDevice_t mig, struct migctl_ci_state *cs)
{
	nvmlMemory_t mem;
	nvmlDeviceAttributes_t attr;

	memset(&mem, 0, sizeof(mem));
	if (NV(p, DeviceGetMemoryInfo, mig, &mem) == NVML_SUCCESS) {
		cs->memory_total_mib = mem.total / MIB;
		cs->memory_used_mib = mem.used / MIB;
	}
	memset(&attr, 0, sizeof(attr));
	if (NV(p, DeviceGetAttributes, mig, &attr) == NVML_SUCCESS) {
		cs->sm = attr.multiprocessorCount;
		if (!cs->memory_total_mib)
			cs->memory_total_mib = attr.memorySizeMB;
	}
}

/* For a read without the CIs: the CI a MIG device names, added with its
 * GI if they are new (IDs only; GIs by ID, CIs by ID). NULL when full. */
static struct migctl_ci_state *device_ci(struct migctl_gpu_state *g, unsigned gi_id,
					 unsigned ci_id)
{
	struct migctl_gi_state *gs = migctl_gpu_find_gi(g, gi_id);
	struct migctl_ci_state *cs;
	size_t at;

	if (!gs) {
		if (g->n_gis == MIGCTL_NODE_MAX_GIS)
			return NULL;
		for (at = g->n_gis; at > 0 && g->gis[at - 1].id > gi_id; at--)
			g->gis[at] = g->gis[at - 1];
		gs = &g->gis[at];
		memset(gs, 0, sizeof(*gs));
		gs->id = gi_id;
		gs->profile_id = MIGCTL_ID_NONE;
		g->n_gis++;
	}
	if ((cs = migctl_gi_find_ci(gs, ci_id)))
		return cs;
	if (gs->n_cis == MIGCTL_NODE_MAX_CIS)
		return NULL;
	for (at = gs->n_cis; at > 0 && gs->cis[at - 1].id > ci_id; at--)
		gs->cis[at] = gs->cis[at - 1];
	cs = &gs->cis[at];
	memset(cs, 0, sizeof(*cs));
	cs->id = ci_id;
	cs->profile_id = MIGCTL_ID_NONE;
	gs->n_cis++;
	return cs;
}

/* MIG devices: index and UUID (and with MIGCTL_NODE_READ_DEVICE_INFO
 * memory and SMs) onto their CIs. */
static void read_mig_devices(struct node_priv *p, nvmlDevice_t dev, struct migctl_gpu_state *g,
			     unsigned what)
{
	unsigned max = 0;

	if (NV(p, DeviceGetMaxMigDeviceCount, dev, &max) != NVML_SUCCESS)
		return;
	for (unsigned i = 0; i < max; i++) {
		nvmlDevice_t mig;
		unsigned gi_id, ci_id;
		nvmlReturn_t rc = NV(p, DeviceGetMigDeviceHandleByIndex, dev, i, &mig);

		/* NOT_FOUND / INVALID_ARGUMENT: no MIG device at this index. */
		if (rc != NVML_SUCCESS)
			continue;
		if (NV(p, DeviceGetGpuInstanceId, mig, &gi_id) != NVML_SUCCESS ||
		    NV(p, DeviceGetComputeInstanceId, mig, &ci_id) != NVML_SUCCESS)
			continue;
		struct migctl_ci_state *cs;
		if (what & MIGCTL_NODE_READ_CIS) {
			struct migctl_gi_state *gs = migctl_gpu_find_gi(g, gi_id);
			cs = gs ? migctl_gi_find_ci(gs, ci_id) : NULL;
		} else {
			cs = device_ci(g, gi_id, ci_id);
		}
		if (!cs)
			continue;
		cs->mig_index = i;
		if (NV(p, DeviceGetUUID, mig, cs->uuid, (unsigned)sizeof(cs->uuid)) != NVML_SUCCESS)
			cs->uuid[0] = '\0';
		if (what & MIGCTL_NODE_READ_DEVICE_INFO)
			read_device_info(p, mig, cs);
		if (!cs->profile_name[0]) {
			char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = "";
			if (NV(p, DeviceGetName, mig, name, (unsigned)sizeof(name)) == NVML_SUCCESS) {
				const char *s = strstr(name, " MIG ");
				node_copy_str(cs->profile_name, sizeof(cs->profile_name), s ? s + 5 : name);
			}
		}
	}
}

static const struct migctl_gpu_model *catalog_model_of(const struct migctl_catalog *cat,
						       const struct migctl_gpu_state *g)
{
	const struct migctl_gpu_model *m;
	struct migctl_error scratch;

	if (!cat)
		return NULL;
	m = migctl_catalog_find_pci(cat, g->pci_device_id);
	if (!m && g->name[0])
		m = migctl_catalog_find_model(cat, g->name, &scratch);
	return m;
}

/* What read_model left to read of GPU `g`: remaining capacities, its GIs
 * (`gis`, from read_model) with their CIs, MIG devices and processes, as
 * far as `what` asks. */
static void read_instances(struct node_priv *p, nvmlDevice_t dev, struct migctl_gpu_state *g,
			   const struct raw_gi *gis, size_t n_gis, unsigned what)
{
	for (size_t i = 0; (what & MIGCTL_NODE_READ_CAPACITY) && i < g->model.n_gi &&
			   i < MIGCTL_MAX_PROFILES; i++) {
		unsigned c = 0;
		if (NV(p, DeviceGetGpuInstanceRemainingCapacity, dev, g->model.gi[i].id, &c) ==
		    NVML_SUCCESS)
			g->gi_free[i] = c;
	}

	for (size_t i = 0; i < n_gis; i++) {
		struct migctl_gi_state *gs = &g->gis[g->n_gis++];
		memset(gs, 0, sizeof(*gs));
		gs->id = gis[i].id;
		gs->profile_id = gis[i].profile_id;
		gs->profile = migctl_model_gi_profile_by_id(&g->model, gis[i].profile_id);
		gs->placement = gis[i].placement;
		if (what & MIGCTL_NODE_READ_CIS)
			read_cis(p, &gis[i], gs, what & MIGCTL_NODE_READ_CAPACITY);
	}

	if (what & MIGCTL_NODE_READ_DEVICES)
		read_mig_devices(p, dev, g, what);

	/* Not read: unknown, so that nothing takes the empty list for "no
	 * processes". */
	if (!(what & MIGCTL_NODE_READ_PROCESSES) ||
	    node_read_procs(p, dev, &g->procs, &g->n_procs) != NVML_SUCCESS)
		g->procs_unknown = true;
	for (size_t i = 0; i < g->n_procs; i++) {
		const struct migctl_process *pr = &g->procs[i];
		struct migctl_gi_state *gs;
		struct migctl_ci_state *cs;
		if (pr->gi == NO_ID || pr->ci == NO_ID)
			continue;
		gs = migctl_gpu_find_gi(g, pr->gi);
		cs = gs ? migctl_gi_find_ci(gs, pr->ci) : NULL;
		if (cs)
			cs->n_procs++;
	}
}

/* What a read of `read` (MIGCTL_NODE_READ_*, 0: everything) needs: each
 * flag with what it is read through. */
static unsigned read_closure(unsigned read)
{
	if (read == MIGCTL_NODE_READ_ALL)
		return MIGCTL_NODE_READ_EVERYTHING;
	if (read & MIGCTL_NODE_READ_DEVICE_INFO)
		read |= MIGCTL_NODE_READ_DEVICES;
	if (read & MIGCTL_NODE_READ_CIS)
		read |= MIGCTL_NODE_READ_GIS;
	if (read & (MIGCTL_NODE_READ_PLACEMENTS | MIGCTL_NODE_READ_CAPACITY |
		    MIGCTL_NODE_READ_GIS))
		read |= MIGCTL_NODE_READ_PROFILES;
	return read;
}

/* Read GPU `index` into `g` (zeroed). On error `g` owns nothing. */
static enum migctl_err read_gpu(struct migctl_node *node, unsigned index, unsigned what,
				struct migctl_gpu_state *g, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	struct raw_gi gis[MIGCTL_NODE_MAX_GIS];
	size_t n_gis = 0;
	nvmlDevice_t dev;
	nvmlReturn_t rc;
	enum migctl_err erc;

	g->index = index;
	rc = NV(p, DeviceGetHandleByIndex, index, &dev);
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc),
				      "GPU %u: cannot open it", index);
	rc = NV(p, DeviceGetName, dev, g->name, (unsigned)sizeof(g->name));
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc),
				      "GPU %u: cannot read its name", index);
	rc = NV(p, DeviceGetUUID, dev, g->uuid, (unsigned)sizeof(g->uuid));
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc),
				      "GPU %u (%s): cannot read its UUID", index, g->name);

	nvmlPciInfo_t pci;
	memset(&pci, 0, sizeof(pci));
	if (NV(p, DeviceGetPciInfo, dev, &pci) == NVML_SUCCESS) {
		/* The v1 call fills only the legacy bus ID. */
		node_copy_str(g->bus_id, sizeof(g->bus_id), pci.busId[0] ? pci.busId : pci.busIdLegacy);
		g->pci_device_id = pci.pciDeviceId >> 16;
		g->pci_subsystem_id = pci.pciSubSystemId;
	}
	unsigned minor = 0;
	nvmlDeviceArchitecture_t arch = NVML_DEVICE_ARCH_UNKNOWN;
	if ((what & MIGCTL_NODE_READ_GPU_INFO) &&
	    NV(p, DeviceGetMinorNumber, dev, &minor) == NVML_SUCCESS)
		g->minor = minor;
	if ((what & MIGCTL_NODE_READ_GPU_INFO) &&
	    NV(p, DeviceGetArchitecture, dev, &arch) == NVML_SUCCESS)
		g->arch = arch_of(arch);

	g->catalog_model = catalog_model_of(node->catalog, g);
	if (g->arch == MIGCTL_ARCH_UNKNOWN && g->catalog_model)
		g->arch = g->catalog_model->arch;

	nvmlMemory_t mem;
	memset(&mem, 0, sizeof(mem));
	if (!(what & MIGCTL_NODE_READ_GPU_INFO)) {
		/* not asked for */
	} else if (NV(p, DeviceGetMemoryInfo, dev, &mem) == NVML_SUCCESS) {
		g->memory_total_mib = mem.total / MIB;
		g->memory_used_mib = mem.used / MIB;
	} else if (g->catalog_model) {
		/* A parent in MIG mode answers only to privileged users. */
		g->memory_total_mib = g->catalog_model->memory_mib;
	}

	unsigned cur = 0, pend = 0;
	rc = NV(p, DeviceGetMigMode, dev, &cur, &pend);
	if (rc == NVML_SUCCESS) {
		g->mig_capable = true;
		g->mig_current = cur == NVML_DEVICE_MIG_ENABLE;
		g->mig_pending = pend == NVML_DEVICE_MIG_ENABLE;
	}

	erc = read_model(p, dev, g, gis, &n_gis, what, err);
	if (erc) {
		node_gpu_release(g);
		return erc;
	}
	read_instances(p, dev, g, gis, n_gis, what);
	return MIGCTL_ERR_OK;
}

/* Re-read one GPU in place (its address stays); on error it is as before. */
enum migctl_err node_refresh_gpu(struct migctl_node *node, struct migctl_gpu_state *g,
				 struct migctl_error *err)
{
	struct migctl_gpu_state *fresh = calloc(1, sizeof(*fresh));
	enum migctl_err rc;

	if (!fresh)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading GPU %u", g->index);
	rc = read_gpu(node, g->index, MIGCTL_NODE_READ_EVERYTHING, fresh, err);
	if (rc == MIGCTL_ERR_OK) {
		node_gpu_release(g);
		/* The model's arrays are on the heap: the GIs' profile
		 * pointers stay valid through the copy. */
		memcpy(g, fresh, sizeof(*g));
	}
	free(fresh);
	return rc;
}

void node_release_gpus(struct migctl_gpu_state *gpus, size_t n)
{
	for (size_t i = 0; i < n; i++)
		node_gpu_release(&gpus[i]);
	free(gpus);
}

/* The start of a read of every GPU: count them, and a zeroed array for
 * their fresh states. */
static enum migctl_err count_gpus(struct migctl_node *node, unsigned *count,
				  struct migctl_gpu_state **fresh, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	nvmlReturn_t rc;

	*count = 0;
	if (!p)
		return migctl_fail(err, MIGCTL_ERR_INTERNAL, "the node is not open");
	p->last = NVML_SUCCESS;
	rc = NV(p, DeviceGetCount, count);
	if (rc != NVML_SUCCESS)
		return node_fail_nvml(p, err, MIGCTL_ERR_OK, rc, node_hint_for(rc), "cannot count the GPUs");
	if (*count > MIGCTL_NODE_MAX_GPUS)
		*count = MIGCTL_NODE_MAX_GPUS;
	*fresh = calloc(*count ? *count : 1, sizeof(**fresh));
	if (!*fresh)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %u GPUs", *count);
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_node_refresh(struct migctl_node *node, struct migctl_error *err)
{
	struct migctl_gpu_state *fresh = NULL;
	unsigned count = 0;
	enum migctl_err rc = count_gpus(node, &count, &fresh, err);
	unsigned what;

	if (rc)
		return rc;
	what = read_closure(priv_of(node)->read);
	for (unsigned i = 0; i < count; i++) {
		enum migctl_err e = read_gpu(node, i, what, &fresh[i], err);
		if (e) {
			node_release_gpus(fresh, i);
			return e;
		}
	}
	if (node->gpus && node->n_gpus == count) {
		/* Same GPUs: refill in place so that callers' pointers hold. */
		for (size_t i = 0; i < count; i++)
			node_gpu_release(&node->gpus[i]);
		memcpy(node->gpus, fresh, count * sizeof(*fresh));
		free(fresh);
	} else {
		node_release_gpus(node->gpus, node->n_gpus);
		node->gpus = fresh;
		node->n_gpus = count;
	}
	return MIGCTL_ERR_OK;
}

/* migctl_node_refresh, but a GPU that cannot be read is left out instead
 * of failing the whole read (the exporter's sampler: one bad GPU must not
 * take the others' metrics with it). */
enum migctl_err migctl_node_refresh_tolerant(struct migctl_node *node,
					     migctl_gpu_error_fn on_error, void *ctx,
					     struct migctl_error *err)
{
	struct migctl_gpu_state *fresh = NULL;
	unsigned count = 0;
	size_t kept = 0;
	enum migctl_err rc = count_gpus(node, &count, &fresh, err);
	unsigned what;

	if (rc)
		return rc;
	what = read_closure(priv_of(node)->read);
	for (unsigned i = 0; i < count; i++) {
		struct migctl_error gerr = {0};

		if (read_gpu(node, i, what, &fresh[kept], &gerr) == MIGCTL_ERR_OK) {
			kept++;
			continue;
		}
		/* read_gpu may have filled part of the entry. */
		node_gpu_release(&fresh[kept]);
		memset(&fresh[kept], 0, sizeof(fresh[kept]));
		if (on_error)
			on_error(ctx, i, &gerr);
	}
	node_release_gpus(node->gpus, node->n_gpus);
	node->gpus = fresh;
	node->n_gpus = kept;
	return MIGCTL_ERR_OK;
}
