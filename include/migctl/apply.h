/* migctl — applying targets to a node, safely: checkpoint, journal,
 * rollback, recovery.
 *
 * migctl_apply takes one target per GPU (from migctl_config_resolve, or a
 * checkpoint) and runs, per GPU that differs:
 *
 *   1. validate every GPU first (migctl_transition_plan from its current
 *      layout): an infeasible target, or one that needs a busy instance
 *      while `force` is off, fails the whole apply before anything
 *      changes;
 *   2. mode phase: only GPUs whose MIG mode differs. Their instances are
 *      destroyed first when MIG goes off (busy ones only with `force`).
 *      A GPU whose new mode stays pending is reset when its generation
 *      needs one (Ampere) and `skip_reset` is off, else the apply stops
 *      with MIGCTL_ERR_RESET_REQUIRED (or MIGCTL_ERR_REBOOT_REQUIRED when
 *      the driver says a reboot is needed or the reset failed);
 *   3. config phase: the minimal transition, step by step.
 *
 * Before the first change the journal file is written with a checkpoint
 * of every GPU the apply will touch (mode and layout with placements);
 * every step is appended (begin, then done) and synced, and the journal is
 * removed when the apply ends with every GPU at its target or rolled back.
 * When a step fails, that GPU is rolled back to its checkpoint (through a
 * transition from what it holds to the checkpoint layout with every GI
 * pinned) and the apply moves on to no other GPU. A journal left by a
 * crash is found by migctl_recover, which rolls each GPU the crashed apply
 * had not finished back to its checkpoint, and by migctl_apply, which
 * runs the same recovery first.
 *
 * This module mutates hardware only through lib/node.c; it never prints,
 * reads no environment variable and stops no process: the journal path and
 * process eviction come from the caller.
 */
#ifndef MIGCTL_APPLY_H
#define MIGCTL_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "migctl/config.h"
#include "migctl/error.h"
#include "migctl/layout.h"
#include "migctl/node.h"

/* Hook callback: called at each hook point the apply reaches
 * (pre-apply-mode only when a mode changes, pre-apply-config only when a
 * layout changes); a non-OK return aborts the apply with that error.
 * apply-start and apply-exit are the caller's. */
typedef enum migctl_err (*migctl_apply_hook_fn)(enum migctl_hook_point point,
						void *ctx,
						struct migctl_error *err);

/* Eviction callback: the library stops no process itself; under `force`
 * the caller does. It is called with the processes (`procs`, `n` of them,
 * each with the start time read when the driver listed it: a caller must
 * signal only a process that still has it) that hold instances a GPU's
 * transition must destroy, `round` counting
 * the calls for that transition from 0, and sets `*wait_ms`. The library
 * then re-reads the node every 100 ms for up to `*wait_ms` milliseconds
 * until none of them holds such an instance, and calls again with those
 * that still do. A non-OK return (say MIGCTL_ERR_BUSY once the caller has
 * nothing more to try) stops the transition with that error, its message
 * prefixed with the GPU. */
typedef enum migctl_err (*migctl_evict_fn)(void *ctx, unsigned round,
					   const struct migctl_process *procs, size_t n,
					   long *wait_ms,
					   struct migctl_error *err);

struct migctl_apply_options {
	bool dry_run;                 /* plan and report; change nothing */
	bool force;                   /* destroy busy instances if needed,
	                               * after `evict` stopped their
	                               * processes; without `evict`, busy
	                               * instances are refused as without
	                               * force */
	bool skip_reset;              /* never reset a GPU */
	bool mode_only;               /* stop after the mode phase */
	const char *journal_path;     /* the journal file; required unless
	                               * dry_run (MIGCTL_ERR_USAGE) */
	migctl_apply_hook_fn hook;    /* may be NULL */
	void *hook_ctx;
	migctl_evict_fn evict;        /* may be NULL */
	void *evict_ctx;
};

enum migctl_gpu_outcome {
	MIGCTL_GPU_UNMANAGED,         /* no spec matched; left as it is */
	MIGCTL_GPU_UNCHANGED,         /* already at its target */
	MIGCTL_GPU_PLANNED,           /* dry run: would change */
	MIGCTL_GPU_APPLIED,           /* changed and now at its target */
	MIGCTL_GPU_PENDING,           /* mode change waits for a reset/reboot */
	MIGCTL_GPU_ROLLED_BACK,       /* a step failed; back at its checkpoint */
	MIGCTL_GPU_FAILED,            /* failed, and the rollback failed too */
	MIGCTL_GPU_NOT_REACHED,       /* an earlier GPU failed; untouched */
	MIGCTL_GPU_REFUSED,           /* validation failed; untouched */
};

/* "unchanged", "applied", ... (JSON and text reports). */
const char *migctl_gpu_outcome_name(enum migctl_gpu_outcome o);

struct migctl_gpu_report {
	unsigned index;
	char uuid[96];
	enum migctl_gpu_outcome outcome;
	bool mode_change;             /* the MIG mode had to change */
	bool mig_enabled;             /* the target mode */
	bool reset;                   /* the GPU was reset */
	struct migctl_transition transition; /* valid when layout_change */
	bool layout_change;
	unsigned steps_done;          /* of transition.n_steps */
	struct migctl_error error;    /* why it failed, was refused or rolled
	                               * back; code OK otherwise */
};

struct migctl_apply_report {
	struct migctl_gpu_report *gpus; /* one per node GPU, owned */
	size_t n_gpus;
	bool recovered;               /* a leftover journal was recovered first */
	unsigned destroyed, created;  /* over all GPUs */
};

void migctl_apply_report_init(struct migctl_apply_report *r);
void migctl_apply_report_release(struct migctl_apply_report *r);

/* The profile table a GPU's targets are resolved on: the driver's live
 * list, or the catalog's while the driver lists none (MIG off on some
 * drivers). migctl_apply plans with the same rule. */
const struct migctl_gpu_model *migctl_gpu_target_model(const struct migctl_gpu_state *gpu);

/* The node's GPUs as config matching sees them; `out` gets n_gpus entries
 * whose strings point into the node. */
void migctl_config_gpus_of_node(const struct migctl_node *node,
				struct migctl_config_gpu *out);

/* Build a GPU's current layout (busy flags from its processes). */
void migctl_layout_of_gpu(const struct migctl_gpu_state *gpu,
			  struct migctl_layout *out);

/* Apply `plans` (one per node GPU, as migctl_config_resolve makes them).
 * Returns OK when every managed GPU is at its target; otherwise the first
 * GPU's error (MIGCTL_ERR_INFEASIBLE, _BUSY, _RESET_REQUIRED,
 * _REBOOT_REQUIRED, _ROLLED_BACK, _NOT_SUPPORTED, ...) with details per
 * GPU in `report` (which must be initialised; it is filled in every case
 * once the node was read). */
enum migctl_err migctl_apply(struct migctl_node *node,
			     const struct migctl_gpu_plan *plans,
			     const struct migctl_apply_options *opts,
			     struct migctl_apply_report *report,
			     struct migctl_error *err);

/* Compare without changing anything: OK when every managed GPU has its
 * target mode (current, not pending) and, unless `mode_only`, a layout
 * that satisfies its target; MIGCTL_ERR_NOT_APPLIED otherwise, with the
 * first difference in `err` and per GPU outcomes (UNCHANGED or PLANNED). */
enum migctl_err migctl_assert(struct migctl_node *node,
			      const struct migctl_gpu_plan *plans,
			      bool mode_only,
			      struct migctl_apply_report *report,
			      struct migctl_error *err);

/* --- checkpoints ------------------------------------------------------- */

struct migctl_gpu_checkpoint {
	char uuid[96];
	bool mig_enabled;
	struct migctl_layout layout;  /* profile indices refer to the GPU's
	                               * model; IDs are informative */
	/* Each GI's profile two ways. mig-parted's files name it by its
	 * NVML_GPU_INSTANCE_PROFILE_* index (0 = 1 slice, 2 = 3 slices, ...);
	 * NVML calls take the profile ID (19 = 1g on an A100). `has_index`:
	 * gi_profile_index is known (always, except from an old migctl file);
	 * `has_id`: gi_profile_id is known (captured, or every GI of the file
	 * carried it). */
	unsigned gi_profile_index[MIGCTL_LAYOUT_MAX_GIS];
	unsigned gi_profile_id[MIGCTL_LAYOUT_MAX_GIS];
	bool has_index, has_id;
	unsigned ci_profile_id[MIGCTL_LAYOUT_MAX_GIS][MIGCTL_LAYOUT_MAX_CIS];
};

/* Checkpoint files list at most this many GPUs; a node has far fewer. */
#define MIGCTL_CHECKPOINT_MAX_GPUS 256

struct migctl_checkpoint {
	struct migctl_gpu_checkpoint *gpus;
	size_t n_gpus;
};

void migctl_checkpoint_init(struct migctl_checkpoint *c);
void migctl_checkpoint_release(struct migctl_checkpoint *c);

/* Capture every MIG-capable GPU of the node. */
enum migctl_err migctl_checkpoint_capture(const struct migctl_node *node,
					  struct migctl_checkpoint *c,
					  struct migctl_error *err);

/* JSON in mig-parted's checkpoint format ({"Version":"v1","MigState":
 * {"Devices":[{"UUID","MigMode","GpuInstances":[{"ProfileID",
 * "Placement":{"Start","Size"},"ComputeInstances":[{"ProfileID",
 * "EngProfileID"}]}]}]}}), where a GI's "ProfileID" is its profile *index*
 * (NVML_GPU_INSTANCE_PROFILE_*) as mig-parted's state package writes it
 * and a CI's is the CI profile ID (which equals its index). migctl adds
 * fields mig-parted ignores: "MigctlFormat": 2 at the top, each GI's
 * "MigctlProfileID" (its NVML profile ID) and each CI's "Placement".
 * A checkpoint read from an old migctl file (no index known) is written
 * back the old way, marked "MigctlFormat": 1. Text is malloc'ed; caller
 * frees. */
enum migctl_err migctl_checkpoint_to_json(const struct migctl_checkpoint *c,
					  char **text,
					  struct migctl_error *err);

/* Parse that JSON; profiles are resolved on each GPU's model when
 * restoring. Three kinds of files are read: mig-parted's (GI "ProfileID" =
 * profile index), migctl's ("MigctlFormat": 2, the same plus migctl's
 * fields) and those of migctl before format 2, which wrote the profile ID
 * in "ProfileID": they have no "MigctlFormat" (or 1) and are told apart
 * from mig-parted's by the CI "Placement" mig-parted never writes. (Such
 * an old file whose GIs all lack CIs cannot be told apart; it is read as
 * mig-parted's, and restore then refuses a profile that does not exist or
 * does not fit its placement.) MIGCTL_ERR_PARSE naming `origin` and what
 * is wrong: also for a UUID listed twice, more than
 * MIGCTL_CHECKPOINT_MAX_GPUS devices, or a newer "MigctlFormat". */
enum migctl_err migctl_checkpoint_from_json(struct migctl_checkpoint *c,
					    const char *origin,
					    const char *text, size_t len,
					    struct migctl_error *err);

/* Turn a checkpoint into plans for migctl_apply: each GPU found by UUID
 * gets its mode and its layout with every GI pinned; GPUs not in the
 * checkpoint are unmanaged. MIGCTL_ERR_NOT_FOUND for a UUID not on the
 * node, MIGCTL_ERR_UNKNOWN_PROFILE for a profile index or ID its model
 * lacks (or an index and ID that name different profiles),
 * MIGCTL_ERR_PARSE for a GPU listed twice. */
enum migctl_err migctl_checkpoint_plans(const struct migctl_node *node,
					const struct migctl_checkpoint *c,
					struct migctl_gpu_plan *plans,
					struct migctl_error *err);

/* --- recovery ---------------------------------------------------------- */

/* If a journal exists at `journal_path` (required), roll every GPU that
 * the interrupted apply had not finished back to its checkpoint and
 * remove the journal. `*found` tells whether there was one. Busy
 * instances block the rollback (MIGCTL_ERR_BUSY; the journal stays)
 * unless `evict` is given: it then stops their processes, as under an
 * apply's `force`. A journal whose last line was cut short by the crash
 * is read up to that line. MIGCTL_ERR_PARSE for a journal that is not
 * one; MIGCTL_ERR_LOCKED, touching nothing, for the journal of an apply
 * that still runs (the PID and start time in its header name a live
 * process): the caller holds the node lock (migctl/lock.h) and this is
 * the second line of defence. */
enum migctl_err migctl_recover(struct migctl_node *node,
			       const char *journal_path,
			       migctl_evict_fn evict, void *evict_ctx,
			       bool *found, struct migctl_apply_report *report,
			       struct migctl_error *err);

#endif
