/* migctl — Slurm's view of a node's MIG layout: the gres.conf lines of its
 * MIG devices, the node's Gres= for slurm.conf, the TaskProlog's mapping
 * from the GRES indices Slurm hands a job to MIG UUIDs, and the edit of a
 * node's Gres= in slurm.conf.
 *
 * What Slurm 22.05 does (checked by tests/slurm/e2e.sh on Debian's
 * packages): a `MultipleFiles=` GRES line works only when its files are
 * character devices; a job sees its slices only as indices
 * (CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS), numbered in the order of the
 * node's Gres= in slurm.conf and then of the gres.conf lines within a type;
 * a TaskProlog line `export CUDA_VISIBLE_DEVICES=...` replaces what the task
 * sees. So each gres.conf line migctl writes is preceded by a
 * "# migctl: <MIG UUID> ..." comment, and the prolog maps an index to a
 * UUID by replaying Slurm's order over those lines.
 *
 * The parsers take text and are pure (fuzzed in tests/fuzz/fuzz_slurm.c);
 * nothing here prints, runs scontrol or reads the environment.
 */
#ifndef MIGCTL_SLURM_H
#define MIGCTL_SLURM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migctl/caps.h"
#include "migctl/error.h"
#include "migctl/node.h"

/* One MIG device as a GRES. */
struct migctl_slurm_dev {
	char type[MIGCTL_NAME_MAX];   /* the profile, '+' as '.': "3g.40gb" */
	char uuid[96];                /* "MIG-..." */
	unsigned gpu, gi, ci;         /* GPU index, GI ID, CI ID */
	unsigned gi_slices, ci_slices; /* compute slices of the GI and the CI */
	uint64_t memory_mib;          /* the GI's memory */
	/* Parent GPU node, GI capability node, CI capability node, as this
	 * host finds them (under the driver root). */
	char files[3][MIGCTL_CAPS_PATH_MAX];
};

struct migctl_slurm_layout {
	struct migctl_slurm_dev *devs; /* owned; in gres.conf order: types with
					* bigger slices first (GI slices, CI slices,
					* memory, then name), within a type by GPU,
					* GI ID and CI ID */
	size_t n;
};

void migctl_slurm_layout_init(struct migctl_slurm_layout *l);
void migctl_slurm_layout_release(struct migctl_slurm_layout *l);

/* The MIG devices of `gpus` (a node's, in index order) with their device
 * nodes from the driver root `caps`. MIGCTL_ERR_NOT_FOUND when a GPU's
 * minor or an instance is outside the driver's capability tables. */
enum migctl_err migctl_slurm_layout_of(struct migctl_gpu_state *const *gpus, size_t n,
				       const struct migctl_caps *caps,
				       struct migctl_slurm_layout *out, struct migctl_error *err);

struct migctl_plan;

/* The layout a fleet plan gives one node, its GPUs plan->gpus[first ..
 * first + n): each planned GPU instance with its default compute
 * instance (CI 0), the node's GPUs numbered from 0 and taken as their
 * minors, GI IDs from the placements with the identity mapping (a
 * half-swapped board numbers them otherwise), device paths as on a real
 * node (the static capability table of reference/nvml-mig.md §3); no
 * UUIDs: they exist once the instances do. */
enum migctl_err migctl_slurm_plan_layout(const struct migctl_plan *plan, size_t first, size_t n,
					 struct migctl_slurm_layout *out, struct migctl_error *err);

/* The node's Gres= value, "gpu:3g.40gb:2,gpu:1g.10gb:1" ("" without MIG
 * devices), into `buf`. MIGCTL_ERR_USAGE when it does not fit. */
enum migctl_err migctl_slurm_gres(const struct migctl_slurm_layout *l, char *buf, size_t len,
				  struct migctl_error *err);

/* gres.conf text for the layout (a comment header, then per device its
 * "# migctl:" comment and its "Name=gpu Type=... MultipleFiles=..." line).
 * Malloc'ed; NULL when out of memory. */
char *migctl_slurm_gres_conf(const struct migctl_slurm_layout *l);

/* The MIG UUIDs of GRES indices `indices` ("1,3", ranges "0-2" allowed,
 * as SLURM_STEP_GPUS gives them), comma-separated into `out`: the
 * gres.conf text's lines taken in Slurm's order, types in the order of
 * `gres` (the node's Gres= value; NULL or "": file order). A line without
 * a "# migctl:" comment still takes its index. MIGCTL_ERR_PARSE for an
 * index that is malformed, beyond the file or on a line migctl did not
 * write; MIGCTL_ERR_USAGE when `out` is too small. */
enum migctl_err migctl_slurm_map(const char *gres_conf, size_t len, const char *gres,
				 const char *indices, char *out, size_t out_len,
				 struct migctl_error *err);

/* The Gres= value of node `node` in slurm.conf text (NodeName=<list>
 * lines; a list is split on commas, host ranges are not expanded), "" when
 * the line has none. MIGCTL_ERR_NOT_FOUND naming the node when no line
 * names it. */
enum migctl_err migctl_slurm_conf_gres(const char *text, size_t len, const char *node,
				       char *gres, size_t gres_len, struct migctl_error *err);

/* slurm.conf text with the Gres= of every NodeName line naming `node` set
 * to `gres` (replaced, added, or removed when `gres` is ""), the rest
 * byte for byte. *out is malloc'ed. MIGCTL_ERR_NOT_FOUND as above. */
enum migctl_err migctl_slurm_conf_set_gres(const char *text, size_t len, const char *node,
					   const char *gres, char **out, struct migctl_error *err);

/* Whether `scontrol show node` text says the node is drained or draining
 * (its State= has a DRAIN flag: "IDLE+DRAIN", "DRAINED", "MIXED+DRAIN"). */
bool migctl_slurm_show_node_drained(const char *text, size_t len);

/* Whether the node has registered with slurmctld: its State= is neither
 * UNKNOWN nor NOT_RESPONDING. Right after slurmctld restarts a node is
 * "UNKNOWN+NOT_RESPONDING" until slurmd reports, and slurmctld refuses to
 * resume it ("Invalid node state specified"). */
bool migctl_slurm_show_node_registered(const char *text, size_t len);

/* The Gres= value of `scontrol show node` text into `gres`; false when the
 * text has none or it does not fit. */
bool migctl_slurm_show_node_gres(const char *text, size_t len, char *gres, size_t gres_len);

#endif
