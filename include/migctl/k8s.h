/* migctl — what Kubernetes sees of a node's MIG layout: the labels GPU
 * Feature Discovery (GFD) would publish and the extended resources the
 * NVIDIA device plugin would advertise, under its `single` or `mixed` MIG
 * strategy (reference/k8s-cdi.md §1.1, §2), and the fleet plan as
 * k8s-mig-manager's inputs (a ConfigMap of named mig-parted configs and
 * one `nvidia.com/mig.config` label per node).
 *
 * Names follow the device plugin's rule: "mig-" + the MIG device's profile
 * string with every '+' turned into '.', under the "nvidia.com/" prefix.
 * The functions read struct migctl_gpu_state (a refreshed node) and print
 * nothing; the features.d file is written atomically.
 */
#ifndef MIGCTL_K8S_H
#define MIGCTL_K8S_H

#include <stdbool.h>
#include <stddef.h>

#include "migctl/error.h"
#include "migctl/node.h"

enum migctl_k8s_strategy {
	MIGCTL_K8S_MIXED,             /* nvidia.com/mig-<profile> per profile */
	MIGCTL_K8S_SINGLE,            /* every MIG device is a nvidia.com/gpu */
};

/* "mixed" or "single" (the device plugin's --mig-strategy values; "none"
 * ignores MIG and is not offered). MIGCTL_ERR_USAGE naming the value. */
enum migctl_err migctl_k8s_strategy_parse(const char *text, enum migctl_k8s_strategy *out,
					  struct migctl_error *err);
const char *migctl_k8s_strategy_name(enum migctl_k8s_strategy s);

/* One label (key=value) or one resource (name=count). Kubernetes limits a
 * label value to 63 characters and a qualified key to 253 + 1 + 63. */
struct migctl_k8s_pair {
	char key[128];
	char value[64];
};

struct migctl_k8s_list {
	struct migctl_k8s_pair *items; /* owned, sorted by key */
	size_t n, cap;
};

void migctl_k8s_list_init(struct migctl_k8s_list *l);
void migctl_k8s_list_release(struct migctl_k8s_list *l);
/* The value of `key`, or NULL. */
const char *migctl_k8s_get(const struct migctl_k8s_list *l, const char *key);

/* The device plugin's resource name of a MIG profile, without the
 * "nvidia.com/" prefix: "mig-1g.10gb.me" for "1g.10gb+me". */
void migctl_k8s_resource_name(const char *profile, char *buf, size_t len);

/* GFD's MIG labels for the GPUs (`n` of them, a node's in index order)
 * into `out` (emptied first), sorted by key:
 * - nvidia.com/mig.capable, nvidia.com/mig.strategy;
 * - mixed: nvidia.com/gpu.count (the physical GPUs) and per MIG profile
 *   nvidia.com/mig-<p>.{count,product,replicas,sharing-strategy,memory,
 *   multiprocessors,slices.gi,slices.ci,engines.{copy,decoder,encoder,
 *   jpeg,ofa}};
 * - single: the same attributes as nvidia.com/gpu.*, with gpu.product
 *   "<model>-MIG-<profile>"; a layout the single strategy cannot serve
 *   (a GPU with MIG and no MIG device, GPUs with and without MIG, more
 *   than one profile) gives GFD's "<model>-MIG-INVALID" with count and
 *   memory 0, not an error.
 * Memory is the GPU instance's, in MiB, as NVML's device attributes say;
 * the engines are the GPU instance's. */
enum migctl_err migctl_k8s_labels(struct migctl_gpu_state *const *gpus, size_t n,
				  enum migctl_k8s_strategy strategy,
				  struct migctl_k8s_list *out, struct migctl_error *err);

/* The extended resources and counts the device plugin would advertise
 * (values are decimal counts), sorted by name:
 * - mixed: nvidia.com/gpu for the GPUs without MIG and
 *   nvidia.com/mig-<p> per profile; a MIG device that does not cover its
 *   whole GPU instance (C < G, "1c.3g.20gb") matches no resource, which
 *   stops the plugin: MIGCTL_ERR_NOT_SUPPORTED naming it;
 * - single: nvidia.com/gpu, the MIG devices when every GPU has MIG and
 *   all of them have one profile, else the GPUs when none has MIG; any
 *   other layout is refused (MIGCTL_ERR_NOT_SUPPORTED saying why and what
 *   to do), as the plugin refuses to start. */
enum migctl_err migctl_k8s_resources(struct migctl_gpu_state *const *gpus, size_t n,
				     enum migctl_k8s_strategy strategy,
				     struct migctl_k8s_list *out, struct migctl_error *err);

/* The list as a Node Feature Discovery features.d file: one key=value line
 * each, after a '#' comment line. Malloc'ed, caller frees; NULL when out of
 * memory. */
char *migctl_k8s_features_text(const struct migctl_k8s_list *l);

/* --- a fleet plan, node by node ---------------------------------------------- */

struct migctl_plan;
struct migctl_export;

/* One node of a fleet plan: a run of the plan's GPUs. */
struct migctl_plan_node {
	const char *name;             /* borrowed */
	size_t first, n;              /* plan->gpus[first .. first + n) */
	size_t config;                /* out: its entry in the export */
};

/* The plan as named mig-parted configs, one per distinct node layout
 * ("<prefix>-1", "<prefix>-2", ... in the order nodes first use them), into
 * `x` (released first); each node's `config` is its entry's index. A
 * node's GPUs are numbered from 0 on that node, or by index[g] (g a plan
 * GPU) when `index` is not NULL. Nodes must lie inside the plan. */
enum migctl_err migctl_plan_node_configs(const struct migctl_plan *plan, const unsigned *index,
					 struct migctl_plan_node *nodes, size_t n_nodes,
					 const char *prefix, struct migctl_export *x,
					 struct migctl_error *err);

/* Whether `s` is a valid Kubernetes label value (at most 63 characters,
 * alphanumerics, '-', '_', '.', alphanumeric at both ends; "" is valid). */
bool migctl_k8s_valid_label_value(const char *s);

#endif
