/* migctl — recovery from the journal an interrupted apply left (see
 * migctl_recover in include/migctl/apply.h).
 *
 * Recovery does not replay steps: it plans a fresh transition from what
 * each unfinished GPU holds now to its checkpoint, which is correct
 * whatever step the crash interrupted (a create that happened but was not
 * marked done is simply an instance that the rollback removes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply_impl.h"

/* Index of the node GPU with this UUID; node->n_gpus if none. */
static size_t gpu_by_uuid(const struct migctl_node *node, const char *uuid)
{
	size_t i = 0;
	while (i < node->n_gpus && strcmp(node->gpus[i].uuid, uuid) != 0)
		i++;
	return i;
}

/* Roll back every GPU of the checkpoint that the journal did not settle. */
static enum migctl_err roll_back_unsettled(struct migctl_run *r, const struct migctl_checkpoint *cp,
					   char (*settled)[96], size_t n_settled,
					   struct migctl_error *err)
{
	struct migctl_node *node = r->node;
	enum migctl_err rc;

	for (size_t k = 0; k < cp->n_gpus; k++) {
		bool done = false;
		for (size_t s = 0; s < n_settled; s++)
			done |= strcmp(settled[s], cp->gpus[k].uuid) == 0;
		size_t i = gpu_by_uuid(node, cp->gpus[k].uuid);
		if (done || i == node->n_gpus)
			continue; /* settled, or gone from the node: nothing to undo */
		struct migctl_gpu_report *rep = &r->report->gpus[i];
		struct migctl_gpu_plan plan;
		if ((rc = migctl_checkpoint_target(node, i, cp, &plan, err)))
			return rc;
		rep->mig_enabled = plan.target.mig_enabled;
		rc = migctl_apply_reach(r, i, &plan.target, migctl_gpu_target_model(&node->gpus[i]),
					r->opts->force, rep, &rep->error);
		if (rc) {
			rep->outcome = MIGCTL_GPU_FAILED;
			if (err)
				*err = rep->error;
			return rc;
		}
		rep->outcome = MIGCTL_GPU_ROLLED_BACK;
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_recover(struct migctl_node *node, const char *journal_path,
			       migctl_evict_fn evict, void *evict_ctx, bool *found,
			       struct migctl_apply_report *report, struct migctl_error *err)
{
	/* Busy instances may go only when the caller can stop processes. */
	struct migctl_apply_options opts = {
		.force = evict != NULL, .evict = evict, .evict_ctx = evict_ctx,
	};
	struct migctl_run r = {node, &opts, report, {.fd = -1}};
	struct migctl_checkpoint cp = {0};
	char (*settled)[96] = NULL;
	size_t n_settled = 0;
	enum migctl_err rc;

	*found = false;
	if ((rc = migctl_journal_set_path(&r.journal, journal_path, err)))
		return rc;
	migctl_journal_remove_stale(&r.journal);
	if (access(r.journal.path, F_OK) != 0)
		return errno == ENOENT ? MIGCTL_ERR_OK
				       : migctl_fail(err, MIGCTL_ERR_IO, "cannot check the journal %s: %s",
						     r.journal.path, strerror(errno));
	*found = true;
	long owner;
	if (migctl_journal_owner_alive(r.journal.path, &owner))
		return migctl_fail(err, MIGCTL_ERR_LOCKED,
				   "the journal %s belongs to process %ld, an apply that is still "
				   "running: it is no crash to recover; wait for it to finish",
				   r.journal.path, owner);
	if ((rc = migctl_journal_read(r.journal.path, &cp, &settled, &n_settled, err)))
		return rc;
	if ((rc = migctl_node_refresh(node, err)) ||
	    (rc = migctl_apply_report_reset(report, node, err)))
		goto out;
	report->recovered = true;
	if ((rc = roll_back_unsettled(&r, &cp, settled, n_settled, err)))
		goto out;
	rc = migctl_journal_remove(r.journal.path, err);
out:
	free(settled);
	migctl_checkpoint_release(&cp);
	return rc;
}
