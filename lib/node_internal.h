/* migctl — internal: what the node's files (node.c, node_open.c,
 * node_read.c, node_ops.c) share: the private state behind
 * struct migctl_node, the NVML call macro, message helpers, and the
 * readers that the operations use to re-read a GPU. Not installed. */
#ifndef MIGCTL_NODE_INTERNAL_H
#define MIGCTL_NODE_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "migctl/node.h"
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
	unsigned read;                   /* options' read, MIGCTL_NODE_READ_* */
};

/* Every entry point as the binding resolved it; NULL → the feature is
 * unavailable on this driver. */
#define NV(p, fn, ...)                                                        \
	((p)->calls++, (p)->api->fn ? (p)->api->fn(__VA_ARGS__)                 \
				    : NVML_ERROR_FUNCTION_NOT_FOUND)

/* The table of a node without a library (all NULL): every call fails
 * FUNCTION_NOT_FOUND, e.g. while a real GPU resets. */
extern const struct migctl_nvml_api node_no_api;

static inline struct node_priv *priv_of(const struct migctl_node *node)
{
	return (struct node_priv *)node->nvml;
}

/* --- node.c: messages ---------------------------------------------------- */

/* snprintf for text that may be cut short on purpose (names, paths and
 * messages longer than their buffers). */
void node_fmt_cut(char *dst, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void node_copy_str(char *dst, size_t len, const char *src);
/* "GPU 0 (NVIDIA A100-SXM4-80GB)", or "GPU 0" without a name. */
void node_subject(const struct migctl_gpu_state *g, char *buf, size_t len);
/* NVML's text for `rc`, from the loaded library if any. */
const char *node_text_of(const struct node_priv *p, nvmlReturn_t rc);
/* Fail with NVML's code `rc`: "<what>: <NVML text>[; <hint>]". `code` 0
 * takes the mapped code of `rc`. Records `rc` for migctl_node_nvml_text. */
enum migctl_err node_fail_nvml(struct node_priv *p, struct migctl_error *err,
			       enum migctl_err code, nvmlReturn_t rc, const char *hint,
			       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The usual hint for an NVML code; NULL if none. */
const char *node_hint_for(nvmlReturn_t rc);

/* --- node_read.c ------------------------------------------------------------ */

/* The compute processes on a device (all of a GPU, with their instance
 * IDs), as many as the driver reports: *out gets a heap array of *n
 * entries (NULL when none), which the caller frees. */
nvmlReturn_t node_read_procs(struct node_priv *p, nvmlDevice_t dev,
			     struct migctl_process **out, size_t *n);
/* Free what a GPU state owns (its model's arrays, its processes). */
void node_gpu_release(struct migctl_gpu_state *g);
/* node_gpu_release each of `n` GPUs, then free the array. */
void node_release_gpus(struct migctl_gpu_state *gpus, size_t n);
/* Re-read one GPU in place (its address stays); on error it is as before. */
enum migctl_err node_refresh_gpu(struct migctl_node *node, struct migctl_gpu_state *g,
				 struct migctl_error *err);
/* A CI profile of a GI profile by its ID; NULL if absent. */
const struct migctl_ci_profile *node_ci_profile_by_id(const struct migctl_gi_profile *gp,
						      unsigned id);

#endif
