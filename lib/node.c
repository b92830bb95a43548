/* migctl — a node (see migctl/node.h): what the node's files share, and
 * the lookups.
 *
 * The node is four files: node_open.c loads NVML with the caller's
 * options; node_read.c reads GPUs, profiles, placements, GIs, CIs, MIG
 * devices and processes; node_ops.c changes them (mode, create, destroy,
 * reset); this file holds the helpers they share (node_internal.h) and the
 * lookups by index, UUID, bus ID and instance ID.
 *
 * Errors name the GPU ("GPU 0 (NVIDIA A100-SXM4-80GB)"), the instance or
 * profile, keep NVML's own text and say what to do. The library prints
 * nothing and starts no program: a real GPU is reset by the caller's
 * callback (migctl_node_options.reset_gpu).
 */
#include "node_internal.h"
#include "util/bus_id.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct migctl_nvml_api node_no_api; /* all NULL */

/* --- small helpers ------------------------------------------------------ */

/* snprintf for text that may be cut short on purpose (names, paths and
 * messages longer than their buffers). */
void node_fmt_cut(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

void node_copy_str(char *dst, size_t len, const char *src)
{
	node_fmt_cut(dst, len, "%s", src ? src : "");
}

void node_subject(const struct migctl_gpu_state *g, char *buf, size_t len)
{
	if (g->name[0])
		snprintf(buf, len, "GPU %u (%s)", g->index, g->name);
	else
		snprintf(buf, len, "GPU %u", g->index);
}

const char *node_text_of(const struct node_priv *p, nvmlReturn_t rc)
{
	return migctl_nvml_text(p->nv, rc);
}

/* Fail with NVML's code `rc`: "<what>: <NVML text>[; <hint>]". `code` 0
 * takes the mapped code of `rc`. Records `rc` for migctl_node_nvml_text. */
enum migctl_err node_fail_nvml(struct node_priv *p, struct migctl_error *err,
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
	return migctl_fail(err, code, "%s: %s%s%s", what, node_text_of(p, rc),
			   hint ? "; " : "", hint ? hint : "");
}

/* The usual hint for an NVML code. */
const char *node_hint_for(nvmlReturn_t rc)
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

struct migctl_gpu_state *migctl_node_find_gpu(struct migctl_node *node, const char *query,
					      struct migctl_error *err)
{
	struct mu_bus_id q;

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
	} else if (mu_bus_id_parse(query, &q)) {
		for (size_t i = 0; i < node->n_gpus; i++)
			if (mu_bus_id_same(node->gpus[i].bus_id, query))
				return &node->gpus[i];
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
	return node_text_of(p, p->last);
}

unsigned long migctl_node_nvml_calls(const struct migctl_node *node)
{
	const struct node_priv *p = priv_of(node);
	return p ? p->calls : 0;
}
