/* migctl — internal declarations shared by the apply family of the
 * library: lib/apply.c (executor, validation, rollback, assert),
 * lib/journal.c (the crash journal), lib/checkpoint.c (capture, JSON codec,
 * plans from a checkpoint), lib/recover.c (recovery from a journal) and
 * lib/node_layout.c (live GPUs as layouts). Not installed; callers use
 * include/migctl/apply.h. */
#ifndef MIGCTL_APPLY_IMPL_H
#define MIGCTL_APPLY_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "migctl/apply.h"

/* --- profile lookups (lib/node_layout.c) --------------------------------- */

/* Index in m->gi of the GI profile with NVML ID `profile_id`; -1 if none. */
long migctl_gi_index_by_id(const struct migctl_gpu_model *m, unsigned profile_id);

/* Index in gp->ci of the CI profile with NVML ID `ci_profile_id`; -1 if
 * none. */
long migctl_ci_index_by_id(const struct migctl_gi_profile *gp, unsigned ci_profile_id);

/* --- the journal (lib/journal.c) ----------------------------------------- */

/* An open journal: JSON lines, each appended and fdatasync'ed on its own,
 * so that a crash can cut at most the last line short. */
struct migctl_journal {
	char path[512];
	int fd;                       /* -1 while no journal is open */
	unsigned long seq;            /* number of the last step begun */
};

/* Journals larger than this are not migctl's (a header and a few lines
 * per step); a hostile one must not fill memory. */
#define MIGCTL_JOURNAL_MAX ((size_t)16 << 20)

/* Set j->path to `path`. MIGCTL_ERR_USAGE when it is empty or does not fit
 * (a cut path would name another file). */
enum migctl_err migctl_journal_set_path(struct migctl_journal *j, const char *path,
					struct migctl_error *err);

/* Remove the temporary file of a journal whose writer was killed before
 * renaming it (recovery does, so it never outlives the next command). */
void migctl_journal_remove_stale(const struct migctl_journal *j);

/* Create the journal at j->path with a header holding `cp`: written to a
 * temporary file, synced and renamed into place, so that the journal
 * either does not exist or has a complete header. The temporary file is
 * created afresh (O_EXCL, O_NOFOLLOW: a planted link is not followed; one
 * left by a killed apply is removed first) with mode 0600; a directory
 * created for it is 0700, and an existing one must be the caller's or
 * root's. */
enum migctl_err migctl_journal_open(struct migctl_journal *j,
				    const struct migctl_checkpoint *cp,
				    struct migctl_error *err);

/* Close the journal; `remove`: delete it too (the apply settled). */
void migctl_journal_close(struct migctl_journal *j, bool remove);

/* Append a GPU event ("done", "rolled-back", "pending", "reset", ...).
 * OK without writing anything when no journal is open. */
enum migctl_err migctl_journal_event(struct migctl_journal *j, const char *uuid,
				     const char *what, struct migctl_error *err);

/* Append the begin line of a step (its operation, GI profile ID and GI
 * placement) and, after the step, its done line. No-ops when no journal
 * is open. */
enum migctl_err migctl_journal_step_begin(struct migctl_journal *j, const char *uuid,
					  const char *op, unsigned profile_id,
					  struct migctl_placement gi_placement,
					  struct migctl_error *err);
enum migctl_err migctl_journal_step_done(struct migctl_journal *j,
					 struct migctl_error *err);

/* Read a journal: its checkpoint and the UUIDs of the GPUs it settled
 * ("done" or "rolled-back"; malloc'ed, caller frees). A last line cut
 * short by a crash is ignored. MIGCTL_ERR_PARSE for a file that is not a
 * migctl journal; MIGCTL_ERR_IO for a symbolic link, anything but a
 * regular file (a FIFO would hang, /dev/zero never end) or a file over
 * MIGCTL_JOURNAL_MAX. */
enum migctl_err migctl_journal_read(const char *path, struct migctl_checkpoint *cp,
				    char (**settled)[96], size_t *n_settled,
				    struct migctl_error *err);

/* Whether the process that wrote the journal at `path` still runs (same
 * PID and start time, and not this process); its PID in *pid. Such a
 * journal is a running apply's, not a crash's: recovery must not touch it. */
bool migctl_journal_owner_alive(const char *path, long *pid);

/* Remove the journal file (one that is already gone is fine) and sync its
 * directory. */
enum migctl_err migctl_journal_remove(const char *path, struct migctl_error *err);

/* --- checkpoints (lib/checkpoint.c) -------------------------------------- */

/* The checkpoint as a JSON value (mig-parted's format); NULL when out of
 * memory. The journal header embeds it. */
json_t *migctl_checkpoint_json(const struct migctl_checkpoint *c);

/* Parse a checkpoint JSON value into `c` (released first); errors name
 * `origin`. */
enum migctl_err migctl_checkpoint_parse_json(struct migctl_checkpoint *c, const char *origin,
					     json_t *root, struct migctl_error *err);

/* The checkpoint of node GPU `gi` as a plan (every GI pinned); an
 * unmanaged, empty plan when the checkpoint does not hold that GPU. */
enum migctl_err migctl_checkpoint_target(const struct migctl_node *node, size_t gi,
					 const struct migctl_checkpoint *cp,
					 struct migctl_gpu_plan *plan,
					 struct migctl_error *err);

/* --- the executor (lib/apply.c) ------------------------------------------ */

/* One apply or recovery in progress. */
struct migctl_run {
	struct migctl_node *node;
	const struct migctl_apply_options *opts;
	struct migctl_apply_report *report;
	struct migctl_journal journal;
};

/* Size `r` to the node's GPUs, one entry per GPU with its index, UUID
 * and current mode; keeps r->recovered. */
enum migctl_err migctl_apply_report_reset(struct migctl_apply_report *r,
					  const struct migctl_node *node,
					  struct migctl_error *err);

/* Bring node GPU `gi` to `target` (whose profile indices refer to
 * `target_model`): mode first, then layout; busy instances are destroyed
 * only when `allow_busy`, after eviction through r->opts. */
enum migctl_err migctl_apply_reach(struct migctl_run *r, size_t gi,
				   const struct migctl_gpu_target *target,
				   const struct migctl_gpu_model *target_model,
				   bool allow_busy, struct migctl_gpu_report *rep,
				   struct migctl_error *err);

#endif
