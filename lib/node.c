/* migctl — a node: its GPUs, their MIG state, and the operations on them
 * (see migctl/node.h).
 *
 * Everything NVML says goes through the binding in lib/nvml.c. A refresh
 * reads one GPU into a fresh heap struct and swaps it in only when the
 * read succeeded, so a failed read leaves the previous state intact and
 * pointers into node->gpus stay valid across refreshes of the same node.
 *
 * The live model: GI profiles come from NVML (profile index loop), in the
 * catalog's order where the catalog knows them (nvidia-smi's order), else
 * by slices and index. CI profiles need a GI to ask; for a GI profile
 * without an instance the catalog's CI profiles stand in.
 *
 * Errors name the GPU ("GPU 0 (NVIDIA A100-SXM4-80GB)"), the instance or
 * profile, keep NVML's own text and say what to do. The library prints
 * nothing and starts no program: a real GPU is reset by the caller's
 * callback (migctl_node_options.reset_gpu).
 */
#include "migctl/node.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "nvml.h"

#define MIB (1024ULL * 1024ULL)
#define NO_ID MIGCTL_ID_NONE

struct node_priv {
	struct migctl_nvml *nv;          /* NULL after a failed reopen */
	const struct migctl_nvml_api *api;
	char path[PATH_MAX];             /* the library loaded */
	char sim_state[PATH_MAX];        /* options' sim_state; "" if none */
	migctl_reset_gpu_fn reset_gpu;   /* options' reset callback */
	void *reset_ctx;
	nvmlReturn_t last;               /* NVML code of the last failure */
	unsigned long calls;             /* NVML calls made (benchmarks) */
};

/* Every entry point as the binding resolved it; NULL → the feature is
 * unavailable on this driver. */
#define NV(p, fn, ...)                                                        \
	((p)->calls++, (p)->api->fn ? (p)->api->fn(__VA_ARGS__)                 \
				    : NVML_ERROR_FUNCTION_NOT_FOUND)

static const struct migctl_nvml_api no_api; /* all NULL */

static struct node_priv *priv_of(const struct migctl_node *node)
{
	return (struct node_priv *)node->nvml;
}

/* --- small helpers ------------------------------------------------------ */

/* snprintf for text that may be cut short on purpose (names, paths and
 * messages longer than their buffers). */
static void fmt_cut(char *dst, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fmt_cut(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

static void copy_str(char *dst, size_t len, const char *src)
{
	fmt_cut(dst, len, "%s", src ? src : "");
}

/* "MIG 3g.40gb" → "3g.40gb". */
static void strip_mig(char *dst, size_t len, const char *src)
{
	if (strncmp(src, "MIG ", 4) == 0)
		src += 4;
	copy_str(dst, len, src);
}

static void subject(const struct migctl_gpu_state *g, char *buf, size_t len)
{
	if (g->name[0])
		snprintf(buf, len, "GPU %u (%s)", g->index, g->name);
	else
		snprintf(buf, len, "GPU %u", g->index);
}

static const char *text_of(const struct node_priv *p, nvmlReturn_t rc)
{
	return migctl_nvml_text(p->nv, rc);
}

/* Fail with NVML's code `rc`: "<what>: <NVML text>[; <hint>]". `code` 0
 * takes the mapped code of `rc`. Records `rc` for migctl_node_nvml_text. */
static enum migctl_err fail_nvml(struct node_priv *p, struct migctl_error *err,
				 enum migctl_err code, nvmlReturn_t rc, const char *hint,
				 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static enum migctl_err fail_nvml(struct node_priv *p, struct migctl_error *err,
				 enum migctl_err code, nvmlReturn_t rc, const char *hint,
				 const char *fmt, ...)
{
	char what[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	p->last = rc;
	if (code == MIGCTL_ERR_OK)
		code = migctl_nvml_error(rc);
	return migctl_fail(err, code, "%s: %s%s%s", what, text_of(p, rc),
			   hint ? "; " : "", hint ? hint : "");
}

/* The usual hint for an NVML code. */
static const char *hint_for(nvmlReturn_t rc)
{
	switch (rc) {
	case NVML_ERROR_NO_PERMISSION:
		return "run as root (or with access to /proc/driver/nvidia/capabilities/mig/config)";
	case NVML_ERROR_FUNCTION_NOT_FOUND:
		return "this NVIDIA driver is too old for it; upgrade the driver";
	case NVML_ERROR_DRIVER_NOT_LOADED:
	case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
		return "check that the NVIDIA kernel module is loaded and matches the library";
	default:
		return NULL;
	}
}

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

/* --- processes ------------------------------------------------------------ */

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

/* The compute processes on a device (all of a GPU, with their instance
 * IDs), as many as the driver reports: *out gets a heap array of *n
 * entries (NULL when none), which the caller frees. */
static nvmlReturn_t read_procs(struct node_priv *p, nvmlDevice_t dev,
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
		}
	}
	free(info);
	return rc;
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

static void gpu_release(struct migctl_gpu_state *g)
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
			    const struct migctl_gpu_model *cat, struct migctl_gi_profile *gp)
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
			copy_str(gp->name, sizeof(gp->name), cat->gi[pos].name);
		else
			snprintf(gp->name, sizeof(gp->name), "%ug.%llugb", gp->compute_slices,
				 (unsigned long long)((gp->memory_mib + 512) / 1024));
	}
	if (!gi_placements(p, dev, gp->id, &gp->placements)) {
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
				copy_str(cp->name, sizeof(cp->name), cc->name);
			else if (cp->slices == gp->compute_slices)
				copy_str(cp->name, sizeof(cp->name), gp->name);
			else
				fmt_cut(cp->name, sizeof(cp->name), "%uc.%s", cp->slices, gp->name);
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
				  struct migctl_error *err)
{
	const struct migctl_gpu_model *cat = g->catalog_model;
	struct migctl_gpu_model *m = &g->model;
	struct migctl_gi_profile found[NVML_GPU_INSTANCE_PROFILE_COUNT];
	size_t n = 0;
	enum migctl_err rc;

	copy_str(m->name, sizeof(m->name), g->name);
	m->pci_device_ids[0] = g->pci_device_id;
	m->n_pci_device_ids = 1;
	m->arch = g->arch;
	m->memory_mib = g->memory_total_mib;
	m->sm_count = cat ? cat->sm_count : 0;
	if (cat)
		copy_str(m->min_driver, sizeof(m->min_driver), cat->min_driver);
	m->confirmed = true;
	copy_str(m->source, sizeof(m->source), "NVML");

	*n_gis = 0;
	for (unsigned idx = 0; idx < NVML_GPU_INSTANCE_PROFILE_COUNT; idx++) {
		if (read_gi_profile(p, dev, idx, cat, &found[n])) {
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
		if (live)
			rc = read_ci_profiles(p, live->h, gp, cat_gp, err);
		if (rc == MIGCTL_ERR_OK && gp->n_ci == 0)
			rc = copy_catalog_cis(gp, cat_gp, err);
		if (rc)
			return rc;
	}
	return MIGCTL_ERR_OK;
}

static const struct migctl_ci_profile *ci_profile_by_id(const struct migctl_gi_profile *gp,
							unsigned id)
{
	for (size_t i = 0; gp && i < gp->n_ci; i++)
		if (gp->ci[i].id == id)
			return &gp->ci[i];
	return NULL;
}

/* The CIs of one GI, by CI ID, and its remaining CI capacities. */
static void read_cis(struct node_priv *p, const struct raw_gi *raw, struct migctl_gi_state *gs)
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
		const struct migctl_ci_profile *cp = ci_profile_by_id(gp, found[i].profile_id);

		memset(cs, 0, sizeof(*cs));
		cs->id = found[i].id;
		cs->profile_id = found[i].profile_id;
		cs->placement = found[i].placement;
		cs->mig_index = NO_ID;
		if (cs->placement.size == 0 && cp && cp->placements.n_starts == 1)
			cs->placement = (struct migctl_placement){cp->placements.starts[0],
								  cp->placements.size};
		if (cp) {
			copy_str(cs->profile_name, sizeof(cs->profile_name), cp->name);
			cs->sm = cp->sm;
		}
	}
	for (size_t i = 0; gp && i < gp->n_ci && i < MIGCTL_MAX_PROFILES; i++) {
		unsigned c = 0;
		if (NV(p, GpuInstanceGetComputeInstanceRemainingCapacity, raw->h, gp->ci[i].id, &c) ==
		    NVML_SUCCESS)
			gs->ci_free[i] = c;
	}
}

/* MIG devices: index, UUID, memory and SMs onto their CIs. */
static void read_mig_devices(struct node_priv *p, nvmlDevice_t dev, struct migctl_gpu_state *g)
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
		struct migctl_gi_state *gs = migctl_gpu_find_gi(g, gi_id);
		struct migctl_ci_state *cs = gs ? migctl_gi_find_ci(gs, ci_id) : NULL;
		if (!cs)
			continue;
		cs->mig_index = i;
		if (NV(p, DeviceGetUUID, mig, cs->uuid, (unsigned)sizeof(cs->uuid)) != NVML_SUCCESS)
			cs->uuid[0] = '\0';
		nvmlMemory_t mem;
		memset(&mem, 0, sizeof(mem));
		if (NV(p, DeviceGetMemoryInfo, mig, &mem) == NVML_SUCCESS) {
			cs->memory_total_mib = mem.total / MIB;
			cs->memory_used_mib = mem.used / MIB;
		}
		nvmlDeviceAttributes_t attr;
		memset(&attr, 0, sizeof(attr));
		if (NV(p, DeviceGetAttributes, mig, &attr) == NVML_SUCCESS) {
			cs->sm = attr.multiprocessorCount;
			if (!cs->memory_total_mib)
				cs->memory_total_mib = attr.memorySizeMB;
		}
		if (!cs->profile_name[0]) {
			char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = "";
			if (NV(p, DeviceGetName, mig, name, (unsigned)sizeof(name)) == NVML_SUCCESS) {
				const char *s = strstr(name, " MIG ");
				copy_str(cs->profile_name, sizeof(cs->profile_name), s ? s + 5 : name);
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

/* Read GPU `index` into `g` (zeroed). On error `g` owns nothing. */
static enum migctl_err read_gpu(struct migctl_node *node, unsigned index,
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
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc),
				 "GPU %u: cannot open it", index);
	rc = NV(p, DeviceGetName, dev, g->name, (unsigned)sizeof(g->name));
	if (rc != NVML_SUCCESS)
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc),
				 "GPU %u: cannot read its name", index);
	rc = NV(p, DeviceGetUUID, dev, g->uuid, (unsigned)sizeof(g->uuid));
	if (rc != NVML_SUCCESS)
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc),
				 "GPU %u (%s): cannot read its UUID", index, g->name);

	nvmlPciInfo_t pci;
	memset(&pci, 0, sizeof(pci));
	if (NV(p, DeviceGetPciInfo, dev, &pci) == NVML_SUCCESS) {
		/* The v1 call fills only the legacy bus ID. */
		copy_str(g->bus_id, sizeof(g->bus_id), pci.busId[0] ? pci.busId : pci.busIdLegacy);
		g->pci_device_id = pci.pciDeviceId >> 16;
		g->pci_subsystem_id = pci.pciSubSystemId;
	}
	unsigned minor = 0;
	if (NV(p, DeviceGetMinorNumber, dev, &minor) == NVML_SUCCESS)
		g->minor = minor;
	nvmlDeviceArchitecture_t arch = NVML_DEVICE_ARCH_UNKNOWN;
	if (NV(p, DeviceGetArchitecture, dev, &arch) == NVML_SUCCESS)
		g->arch = arch_of(arch);

	g->catalog_model = catalog_model_of(node->catalog, g);
	if (g->arch == MIGCTL_ARCH_UNKNOWN && g->catalog_model)
		g->arch = g->catalog_model->arch;

	nvmlMemory_t mem;
	memset(&mem, 0, sizeof(mem));
	if (NV(p, DeviceGetMemoryInfo, dev, &mem) == NVML_SUCCESS) {
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

	erc = read_model(p, dev, g, gis, &n_gis, err);
	if (erc) {
		gpu_release(g);
		return erc;
	}
	for (size_t i = 0; i < g->model.n_gi && i < MIGCTL_MAX_PROFILES; i++) {
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
		read_cis(p, &gis[i], gs);
	}

	read_mig_devices(p, dev, g);

	if (read_procs(p, dev, &g->procs, &g->n_procs) != NVML_SUCCESS)
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
	return MIGCTL_ERR_OK;
}

/* Re-read one GPU in place (its address stays); on error it is as before. */
static enum migctl_err refresh_gpu(struct migctl_node *node, struct migctl_gpu_state *g,
				   struct migctl_error *err)
{
	struct migctl_gpu_state *fresh = calloc(1, sizeof(*fresh));
	enum migctl_err rc;

	if (!fresh)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading GPU %u", g->index);
	rc = read_gpu(node, g->index, fresh, err);
	if (rc == MIGCTL_ERR_OK) {
		gpu_release(g);
		/* The model's arrays are on the heap: the GIs' profile
		 * pointers stay valid through the copy. */
		memcpy(g, fresh, sizeof(*g));
	}
	free(fresh);
	return rc;
}

/* --- open, refresh, close ------------------------------------------------------ */

/* The simulator's library bundled with migctl: next to the executable in
 * the build tree (build/migctl, build/sim/), or in lib/migctl/ of the
 * installation prefix. */
static bool bundled_sim_lib(char *out, size_t len, char *tried, size_t tried_len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	static const char *const rel[] = {"sim/libnvidia-ml.so.1", "../lib/migctl/libnvidia-ml.so.1"};
	size_t used = 0;

	tried[0] = '\0';
	if (n <= 0) {
		snprintf(tried, tried_len, "(cannot read /proc/self/exe)");
		return false;
	}
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		fmt_cut(out, len, "%s/%s", exe, rel[i]);
		if (access(out, R_OK) == 0)
			return true;
		if (used < tried_len)
			used += (size_t)snprintf(tried + used, tried_len - used, "%s%s",
						 i ? ", " : "", out);
	}
	return false;
}

enum migctl_err migctl_node_open(struct migctl_node *node,
				 const struct migctl_node_options *opts,
				 struct migctl_error *err)
{
	struct node_priv *p;
	const char *path = NULL;
	char buf[PATH_MAX];
	enum migctl_err rc;

	memset(node, 0, sizeof(*node));
	node->catalog = opts ? opts->catalog : NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory opening NVML");
	p->api = &no_api;

	if (opts && opts->nvml_lib && *opts->nvml_lib) {
		path = opts->nvml_lib;
	} else if (opts && opts->simulate) {
		char tried[2 * PATH_MAX];
		if (opts->sim_lib && *opts->sim_lib) {
			path = opts->sim_lib;
		} else if (bundled_sim_lib(buf, sizeof(buf), tried, sizeof(tried))) {
			path = buf;
		} else {
			free(p);
			return migctl_fail(err, MIGCTL_ERR_NO_DRIVER,
					   "the bundled simulator library is missing (tried %s); rebuild migctl, or set MIGCTL_SIM_LIB to the simulator's libnvidia-ml.so.1",
					   tried);
		}
	} else {
		path = "libnvidia-ml.so.1";
	}
	copy_str(p->path, sizeof(p->path), path);
	if (opts && opts->sim_state)
		copy_str(p->sim_state, sizeof(p->sim_state), opts->sim_state);
	if (opts) {
		p->reset_gpu = opts->reset_gpu;
		p->reset_ctx = opts->reset_ctx;
	}

	rc = migctl_nvml_open(&p->nv, path, p->sim_state[0] ? p->sim_state : NULL, err);
	if (rc) {
		free(p);
		return rc;
	}
	p->api = migctl_nvml_api(p->nv);
	node->nvml = p;
	node->simulated = (opts && opts->simulate) || p->api->SimResetGpu != NULL;

	if (NV(p, SystemGetDriverVersion, node->driver_version,
	       (unsigned)sizeof(node->driver_version)) != NVML_SUCCESS)
		node->driver_version[0] = '\0';
	if (NV(p, SystemGetNVMLVersion, node->nvml_version,
	       (unsigned)sizeof(node->nvml_version)) != NVML_SUCCESS)
		node->nvml_version[0] = '\0';
	int cuda = 0;
	if (NV(p, SystemGetCudaDriverVersion, &cuda) == NVML_SUCCESS)
		node->cuda_version = cuda;
	return MIGCTL_ERR_OK;
}

static void release_gpus(struct migctl_gpu_state *gpus, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gpu_release(&gpus[i]);
	free(gpus);
}

enum migctl_err migctl_node_refresh(struct migctl_node *node, struct migctl_error *err)
{
	struct node_priv *p = priv_of(node);
	struct migctl_gpu_state *fresh;
	unsigned count = 0;
	nvmlReturn_t rc;

	if (!p)
		return migctl_fail(err, MIGCTL_ERR_INTERNAL, "the node is not open");
	p->last = NVML_SUCCESS;
	rc = NV(p, DeviceGetCount, &count);
	if (rc != NVML_SUCCESS)
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc), "cannot count the GPUs");
	if (count > MIGCTL_NODE_MAX_GPUS)
		count = MIGCTL_NODE_MAX_GPUS;

	fresh = calloc(count ? count : 1, sizeof(*fresh));
	if (!fresh)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %u GPUs", count);
	for (unsigned i = 0; i < count; i++) {
		enum migctl_err e = read_gpu(node, i, &fresh[i], err);
		if (e) {
			release_gpus(fresh, i);
			return e;
		}
	}
	if (node->gpus && node->n_gpus == count) {
		/* Same GPUs: refill in place so that callers' pointers hold. */
		for (size_t i = 0; i < count; i++)
			gpu_release(&node->gpus[i]);
		memcpy(node->gpus, fresh, count * sizeof(*fresh));
		free(fresh);
	} else {
		release_gpus(node->gpus, node->n_gpus);
		node->gpus = fresh;
		node->n_gpus = count;
	}
	return MIGCTL_ERR_OK;
}

void migctl_node_close(struct migctl_node *node)
{
	struct node_priv *p;

	if (!node)
		return;
	p = priv_of(node);
	release_gpus(node->gpus, node->n_gpus);
	if (p) {
		migctl_nvml_close(p->nv);
		free(p);
	}
	memset(node, 0, sizeof(*node));
}

/* --- lookups --------------------------------------------------------------- */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "00000000:07:00.0", "0000:07:00.0", "07:00.0" → numbers. */
static bool parse_bus_id(const char *s, unsigned *dom, unsigned *bus, unsigned *dev,
			 unsigned *fn)
{
	unsigned a, b, d, f;
	int n = -1;

	if (sscanf(s, "%x:%x:%x.%x%n", &a, &b, &d, &f, &n) == 4 && n > 0 && s[n] == '\0') {
		*dom = a, *bus = b, *dev = d, *fn = f;
		return true;
	}
	n = -1;
	if (sscanf(s, "%x:%x.%x%n", &b, &d, &f, &n) == 3 && n > 0 && s[n] == '\0') {
		*dom = 0, *bus = b, *dev = d, *fn = f;
		return true;
	}
	return false;
}

struct migctl_gpu_state *migctl_node_find_gpu(struct migctl_node *node, const char *query,
					      struct migctl_error *err)
{
	unsigned qd, qb, qv, qf;

	if (!query)
		query = "";
	if (all_digits(query)) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(query, &end, 10);
		if (!errno && v < node->n_gpus)
			return &node->gpus[v];
	} else if (strncasecmp(query, "GPU-", 4) == 0) {
		for (size_t i = 0; i < node->n_gpus; i++)
			if (strcasecmp(node->gpus[i].uuid, query) == 0)
				return &node->gpus[i];
	} else if (parse_bus_id(query, &qd, &qb, &qv, &qf)) {
		for (size_t i = 0; i < node->n_gpus; i++) {
			unsigned d, b, v, f;
			if (parse_bus_id(node->gpus[i].bus_id, &d, &b, &v, &f) && d == qd &&
			    b == qb && v == qv && f == qf)
				return &node->gpus[i];
		}
	}
	if (node->n_gpus == 0)
		migctl_fail(err, MIGCTL_ERR_NOT_FOUND, "no GPU \"%s\": this node has no GPUs", query);
	else if (node->n_gpus == 1)
		migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
			    "no GPU \"%s\"; the only GPU is 0 (give an index, a GPU-... UUID or a PCI bus ID)",
			    query);
	else
		migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
			    "no GPU \"%s\"; valid indices are 0 to %zu (or give a GPU-... UUID or a PCI bus ID)",
			    query, node->n_gpus - 1);
	return NULL;
}

struct migctl_gi_state *migctl_gpu_find_gi(struct migctl_gpu_state *gpu, unsigned gi_id)
{
	for (size_t i = 0; gpu && i < gpu->n_gis; i++)
		if (gpu->gis[i].id == gi_id)
			return &gpu->gis[i];
	return NULL;
}

struct migctl_ci_state *migctl_gi_find_ci(struct migctl_gi_state *gi, unsigned ci_id)
{
	for (size_t i = 0; gi && i < gi->n_cis; i++)
		if (gi->cis[i].id == ci_id)
			return &gi->cis[i];
	return NULL;
}

const char *migctl_node_nvml_text(const struct migctl_node *node)
{
	const struct node_priv *p = node ? priv_of(node) : NULL;

	if (!p || p->last == NVML_SUCCESS)
		return "";
	return text_of(p, p->last);
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
		subject(gpu, s, sizeof(s));
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc), "%s: cannot open it", s);
	}
	return MIGCTL_ERR_OK;
}

/* After a change: read the GPU again. A failure here is reported (the
 * change itself happened). */
static enum migctl_err end_op(struct migctl_node *node, struct migctl_gpu_state *gpu,
			      struct migctl_error *err)
{
	return refresh_gpu(node, gpu, err);
}

/* Text for "MIG is off" failures. */
static enum migctl_err fail_mig_off(struct node_priv *p, struct migctl_gpu_state *gpu,
				    nvmlReturn_t rc, const char *action, struct migctl_error *err)
{
	char s[160];

	subject(gpu, s, sizeof(s));
	if (!gpu->mig_capable)
		return fail_nvml(p, err, MIGCTL_ERR_NOT_SUPPORTED, rc,
				 "this GPU does not support MIG", "%s: cannot %s", s, action);
	return fail_nvml(p, err, MIGCTL_ERR_NOT_SUPPORTED, rc,
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
	subject(gpu, s, sizeof(s));

	rc = NV(p, DeviceGetMigMode, dev, &cur, &pend);
	if (rc != NVML_SUCCESS)
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc,
				 rc == NVML_ERROR_NOT_SUPPORTED ? "this GPU does not support MIG"
								: hint_for(rc),
				 "%s: cannot read its MIG mode", s);
	res->changed = cur != want || pend != want;
	if (!res->changed)
		return end_op(node, gpu, err);

	/* Processes block the change (the driver would refuse or leave the
	 * GPU half-switched): say which before asking NVML. */
	size_t n_procs = 0;
	if (read_procs(p, dev, &procs, &n_procs) == NVML_ERROR_MEMORY)
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
		const char *hint = hint_for(rc);
		if (rc == NVML_ERROR_IN_USE)
			hint = !enable && gpu->n_gis > 0
				       ? "destroy its GPU instances first"
				       : "stop the processes and services using the GPU (nvidia-persistenced, DCGM) first";
		else if (rc == NVML_ERROR_NOT_SUPPORTED)
			hint = "this GPU does not support MIG";
		else if (rc == NVML_ERROR_NO_PERMISSION)
			hint = "run as root";
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint, "%s: cannot %s MIG mode", s, verb);
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
		copy_str(res->activation_text, sizeof(res->activation_text),
			 text_of(p, activation));
	} else if (activation != NVML_SUCCESS) {
		res->activation = migctl_nvml_error(activation);
		copy_str(res->activation_text, sizeof(res->activation_text),
			 text_of(p, activation));
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
	subject(gpu, s, sizeof(s));
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
			return fail_nvml(p, err,
					 placement ? MIGCTL_ERR_INVALID_PLACEMENT
						   : MIGCTL_ERR_UNKNOWN_PROFILE,
					 rc,
					 placement ? "check the placements with `migctl profiles`"
						   : "check the profiles with `migctl profiles`",
					 "%s: cannot create a GPU instance of %s%s", s, prof, at);
		case NVML_ERROR_INSUFFICIENT_RESOURCES:
			return fail_nvml(p, err, MIGCTL_ERR_OK, rc,
					 placement ? "that placement overlaps an existing GPU instance, or the profile's limit is reached"
						   : "the GPU has no room left for it; destroy GPU instances or choose a smaller profile",
					 "%s: cannot create a GPU instance of %s%s", s, prof, at);
		case NVML_ERROR_IN_USE:
			return fail_nvml(p, err, MIGCTL_ERR_OK, rc,
					 "processes hold the GPU; stop them first",
					 "%s: cannot create a GPU instance of %s%s", s, prof, at);
		default:
			return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc),
					 "%s: cannot create a GPU instance of %s%s", s, prof, at);
		}
	}
	nvmlGpuInstanceInfo_t info;
	memset(&info, 0, sizeof(info));
	rc = NV(p, GpuInstanceGetInfo, gi, &info);
	if (rc != NVML_SUCCESS) {
		end_op(node, gpu, NULL);
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, NULL,
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
	subject(gpu, s, sizeof(s));
	if (rc == NVML_ERROR_NOT_SUPPORTED)
		return fail_mig_off(p, gpu, rc, action, err);
	if (rc == NVML_ERROR_NOT_FOUND || rc == NVML_ERROR_INVALID_ARGUMENT) {
		char hint[260];
		gi_list(gpu, list, sizeof(list));
		snprintf(hint, sizeof(hint), "there is no GPU instance %u; %s", gi_id, list);
		return fail_nvml(p, err, MIGCTL_ERR_NOT_FOUND, rc, hint, "%s: cannot %s", s, action);
	}
	return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc), "%s: cannot %s", s, action);
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
	subject(gpu, s, sizeof(s));
	snprintf(action, sizeof(action), "create a compute instance in GPU instance %u", gi_id);
	if ((erc = find_gi_handle(p, gpu, dev, gi_id, action, &gi, err)))
		return erc;

	gs = migctl_gpu_find_gi(gpu, gi_id);
	if (gs && gs->profile) {
		cp = ci_profile_by_id(gs->profile, ci_profile_id);
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
		const char *hint = hint_for(rc);
		if (rc == NVML_ERROR_INVALID_ARGUMENT) {
			code = placement ? MIGCTL_ERR_INVALID_PLACEMENT : MIGCTL_ERR_UNKNOWN_PROFILE;
			hint = "check the compute-instance profiles with `migctl profiles --gi ID`";
		} else if (rc == NVML_ERROR_INSUFFICIENT_RESOURCES) {
			hint = "the GPU instance has no room left for it; destroy compute instances or choose a smaller profile";
		}
		return fail_nvml(p, err, code, rc, hint,
				 "%s: cannot create a compute instance of %s%s in GPU instance %u", s,
				 prof, at, gi_id);
	}
	nvmlComputeInstanceInfo_t info;
	memset(&info, 0, sizeof(info));
	rc = NV(p, ComputeInstanceGetInfo, ci, &info);
	if (rc != NVML_SUCCESS) {
		end_op(node, gpu, NULL);
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, NULL,
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

	refresh_gpu(node, gpu, NULL);
	on = calloc(gpu->n_procs ? gpu->n_procs : 1, sizeof(*on));
	subject(gpu, s, sizeof(s));
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
	erc = fail_nvml(p, err, MIGCTL_ERR_BUSY, rc, why, "%s: cannot destroy %s", s, what);
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
	subject(gpu, s, sizeof(s));
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
		return fail_nvml(p, err, MIGCTL_ERR_NOT_FOUND, rc, hint, "%s: cannot destroy %s", s,
				 what);
	}
	if (rc != NVML_SUCCESS)
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc), "%s: cannot destroy %s", s,
				 what);
	rc = NV(p, ComputeInstanceDestroy, ci);
	if (rc == NVML_ERROR_IN_USE)
		return fail_in_use(node, gpu, gi_id, ci_id, rc, what, err);
	if (rc != NVML_SUCCESS)
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc), "%s: cannot destroy %s", s,
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
	subject(gpu, s, sizeof(s));
	snprintf(what, sizeof(what), "GPU instance %u", gi_id);
	snprintf(action, sizeof(action), "destroy %s", what);
	if ((erc = find_gi_handle(p, gpu, dev, gi_id, action, &gi, err)))
		return erc;
	rc = NV(p, GpuInstanceDestroy, gi);
	if (rc == NVML_ERROR_IN_USE)
		return fail_in_use(node, gpu, gi_id, NO_ID, rc, what, err);
	if (rc != NVML_SUCCESS)
		return fail_nvml(p, err, MIGCTL_ERR_OK, rc, hint_for(rc), "%s: cannot destroy %s", s,
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
	subject(gpu, s, sizeof(s));

	if (p->api->SimResetGpu) {
		nvmlReturn_t rc = (nvmlReturn_t)p->api->SimResetGpu(gpu->index);
		if (rc == NVML_ERROR_IN_USE) {
			struct migctl_process *procs = NULL;
			size_t n = 0;
			char ph[300] = "processes run";
			read_procs(p, dev, &procs, &n);
			if (n > 0)
				proc_phrase(ph, sizeof(ph), procs, n);
			free(procs);
			char hint[360];
			snprintf(hint, sizeof(hint), "%s on the GPU; stop them first", ph);
			return fail_nvml(p, err, MIGCTL_ERR_BUSY, rc, hint, "%s: cannot reset it", s);
		}
		if (rc == NVML_ERROR_INVALID_ARGUMENT)
			return fail_nvml(p, err, MIGCTL_ERR_NOT_FOUND, rc, NULL,
					 "%s: cannot reset it: the simulator has no such GPU", s);
		if (rc != NVML_SUCCESS)
			return fail_nvml(p, err, MIGCTL_ERR_OK, rc,
					 rc == NVML_ERROR_NO_PERMISSION ? "run as root" : hint_for(rc),
					 "%s: cannot reset it", s);
		return end_op(node, gpu, err);
	}

	/* A real GPU resets only when nothing holds it, NVML clients such as
	 * this one included: let go of NVML while nvidia-smi works. */
	char bus[sizeof(gpu->bus_id)], why[512];
	copy_str(bus, sizeof(bus), gpu->bus_id);
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
	p->api = &no_api;
	why[0] = '\0';
	int failed = p->reset_gpu(p->reset_ctx, bus, why, sizeof(why));
	if (failed && !why[0])
		copy_str(why, sizeof(why), "the reset command failed");
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

unsigned long migctl_node_nvml_calls(const struct migctl_node *node)
{
	const struct node_priv *p = priv_of(node);
	return p ? p->calls : 0;
}
