/* migctl — applying per-GPU targets to a node with a checkpoint, a journal,
 * rollback and recovery (see include/migctl/apply.h for the contract).
 *
 * Shape of an apply:
 *   validate all GPUs (plan every transition; refuse before any change)
 *   -> journal header (checkpoint of every GPU that will change), synced
 *   -> mode phase (only GPUs whose mode differs; resets only if needed)
 *   -> config phase (the planned steps, GPU by GPU, each step journaled)
 *   -> journal removed.
 * A failed step rolls its GPU back to the checkpoint and stops the apply;
 * a crash leaves the journal, and migctl_recover (also run at the start of
 * every apply) rolls each unfinished GPU back to its checkpoint.
 *
 * The journal is in lib/journal.c, checkpoints in lib/checkpoint.c,
 * recovery in lib/recover.c; what they share is in lib/apply_impl.h.
 * Processes are never stopped here: under `force` the caller's eviction
 * callback does it (the CLI's sends SIGTERM, then SIGKILL).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply_impl.h"

/* How often the node is re-read while evicted processes go away. */
#define POLL_MS 100

/* --- small helpers ----------------------------------------------------- */

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Whether busy instances may go: only under `force`, and only when the
 * caller can stop the processes on them. */
static bool can_evict(const struct migctl_apply_options *o)
{
	return o->force && o->evict;
}

static struct migctl_gpu_state *gpu_at(struct migctl_node *node, size_t i)
{
	return i < node->n_gpus ? &node->gpus[i] : NULL;
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const char *migctl_gpu_outcome_name(enum migctl_gpu_outcome o)
{
	static const char *const names[] = {
		[MIGCTL_GPU_UNMANAGED] = "unmanaged",
		[MIGCTL_GPU_UNCHANGED] = "unchanged",
		[MIGCTL_GPU_PLANNED] = "planned",
		[MIGCTL_GPU_APPLIED] = "applied",
		[MIGCTL_GPU_PENDING] = "pending",
		[MIGCTL_GPU_ROLLED_BACK] = "rolled-back",
		[MIGCTL_GPU_FAILED] = "failed",
		[MIGCTL_GPU_NOT_REACHED] = "not-reached",
		[MIGCTL_GPU_REFUSED] = "refused",
	};
	return (size_t)o < sizeof(names) / sizeof(names[0]) && names[o] ? names[o] : "unknown";
}

void migctl_apply_report_init(struct migctl_apply_report *r)
{
	memset(r, 0, sizeof(*r));
}

void migctl_apply_report_release(struct migctl_apply_report *r)
{
	free(r->gpus);
	memset(r, 0, sizeof(*r));
}
enum migctl_err migctl_apply_report_reset(struct migctl_apply_report *r,
					  const struct migctl_node *node,
					  struct migctl_error *err)
{
	bool recovered = r->recovered;

	migctl_apply_report_release(r);
	r->recovered = recovered;
	r->gpus = calloc(node->n_gpus ? node->n_gpus : 1, sizeof(*r->gpus));
	if (!r->gpus)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	r->n_gpus = node->n_gpus;
	for (size_t i = 0; i < node->n_gpus; i++) {
		r->gpus[i].index = node->gpus[i].index;
		copy_str(r->gpus[i].uuid, sizeof(r->gpus[i].uuid), node->gpus[i].uuid);
		r->gpus[i].mig_enabled = node->gpus[i].mig_current;
	}
	return MIGCTL_ERR_OK;
}

/* Move a target's profile indices from one model to another by profile
 * ID (the catalog's table before MIG is on, the driver's after). */
static enum migctl_err retarget(const struct migctl_gpu_model *from,
				const struct migctl_gpu_model *to,
				const struct migctl_gpu_target *in,
				struct migctl_gpu_target *out, struct migctl_error *err)
{
	*out = *in;
	if (from == to)
		return MIGCTL_ERR_OK;
	for (size_t i = 0; i < in->n_items; i++) {
		const struct migctl_gi_profile *gp = &from->gi[in->items[i].gi];
		long g = migctl_gi_index_by_id(to, gp->id);
		long c = g < 0 ? -1 : migctl_ci_index_by_id(&to->gi[g], gp->ci[in->items[i].ci].id);
		if (c < 0)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "profile %s is not in the driver's profile list of this GPU; "
					   "check the driver version against 'migctl catalog check'",
					   gp->ci[in->items[i].ci].name);
		out->items[i].gi = (size_t)g;
		out->items[i].ci = (size_t)c;
	}
	for (size_t i = 0; i < in->n_pins; i++) {
		long g = migctl_gi_index_by_id(to, from->gi[in->pins[i].gi].id);
		if (g < 0)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "profile %s is not in the driver's profile list of this GPU",
					   from->gi[in->pins[i].gi].name);
		out->pins[i].gi = (size_t)g;
		for (size_t k = 0; k < in->pins[i].n_cis; k++) {
			const struct migctl_gi_profile *gp = &from->gi[in->pins[i].gi];
			long c = migctl_ci_index_by_id(&to->gi[g], gp->ci[in->pins[i].cis[k].ci].id);
			if (c < 0)
				return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
						   "profile %s is not in the driver's profile list of this GPU",
						   gp->ci[in->pins[i].cis[k].ci].name);
			out->pins[i].cis[k].ci = (size_t)c;
		}
	}
	return MIGCTL_ERR_OK;
}

/* --- executing steps ------------------------------------------------------ */

static const struct migctl_gi_state *gi_at(const struct migctl_gpu_state *gpu,
					   size_t profile, struct migctl_placement p)
{
	const struct migctl_gpu_model *m = &gpu->model;
	for (size_t g = 0; g < gpu->n_gis; g++)
		if (profile < m->n_gi && gpu->gis[g].profile_id == m->gi[profile].id &&
		    gpu->gis[g].placement.start == p.start && gpu->gis[g].placement.size == p.size)
			return &gpu->gis[g];
	return NULL;
}

/* Processes on the instances a transition destroys. */
static size_t doomed_pids(const struct migctl_gpu_state *gpu, const struct migctl_transition *t,
			  struct migctl_process *pids, size_t cap)
{
	size_t n = 0;
	for (size_t s = 0; s < t->n_steps; s++) {
		const struct migctl_step *st = &t->steps[s];
		if (!st->busy)
			continue;
		for (size_t p = 0; p < gpu->n_procs && n < cap; p++) {
			const struct migctl_process *pr = &gpu->procs[p];
			bool hit = pr->gi == st->gi_id &&
				   (st->kind == MIGCTL_STEP_DESTROY_GI || pr->ci == st->ci_id);
			for (size_t k = 0; hit && k < n; k++)
				hit = pids[k].pid != pr->pid;
			if (hit)
				pids[n++] = *pr;
		}
	}
	return n;
}

/* --force: the processes on instances that must go are stopped by the
 * caller's eviction callback (the driver cannot destroy an instance a
 * process holds); the library only watches them go. */
static enum migctl_err evict(struct migctl_run *r, size_t gi, const struct migctl_transition *t,
			     struct migctl_error *err)
{
	const struct migctl_apply_options *o = r->opts;
	struct migctl_process pids[MIGCTL_NODE_MAX_PROCS];
	size_t n = doomed_pids(gpu_at(r->node, gi), t, pids, MIGCTL_NODE_MAX_PROCS);
	enum migctl_err rc;

	for (unsigned round = 0; n > 0; round++) {
		long wait_ms = 0;
		if ((rc = o->evict(o->evict_ctx, round, pids, n, &wait_ms, err))) {
			char msg[sizeof(err->msg)];
			copy_str(msg, sizeof(msg), err ? err->msg : "");
			return migctl_fail(err, rc, "GPU %zu: %s", gi, msg);
		}
		for (long waited = 0; waited < wait_ms; waited += POLL_MS) {
			msleep(POLL_MS);
			if ((rc = migctl_node_refresh(r->node, err)))
				return rc;
			n = doomed_pids(gpu_at(r->node, gi), t, pids, MIGCTL_NODE_MAX_PROCS);
			if (n == 0)
				break;
		}
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err run_step(struct migctl_run *r, size_t gi, const struct migctl_step *st,
				struct migctl_error *err)
{
	struct migctl_gpu_state *gpu = gpu_at(r->node, gi);
	const struct migctl_gpu_model *m = &gpu->model;
	const struct migctl_gi_state *gs;
	unsigned id = 0;
	enum migctl_err rc;

	if (st->gi_profile >= m->n_gi)
		return migctl_fail(err, MIGCTL_ERR_INTERNAL, "step names a profile the GPU lacks");
	if ((rc = migctl_journal_step_begin(&r->journal, gpu->uuid, migctl_step_kind_name(st->kind),
					     m->gi[st->gi_profile].id, st->gi_placement, err)))
		return rc;
	switch (st->kind) {
	case MIGCTL_STEP_DESTROY_CI:
		rc = migctl_node_destroy_ci(r->node, gpu, st->gi_id, st->ci_id, err);
		break;
	case MIGCTL_STEP_DESTROY_GI:
		rc = migctl_node_destroy_gi(r->node, gpu, st->gi_id, err);
		break;
	case MIGCTL_STEP_CREATE_GI:
		rc = migctl_node_create_gi(r->node, gpu, m->gi[st->gi_profile].id,
					   &st->gi_placement, &id, err);
		break;
	case MIGCTL_STEP_CREATE_CI:
		gs = gi_at(gpu, st->gi_profile, st->gi_placement);
		if (!gs)
			return migctl_fail(err, MIGCTL_ERR_INTERNAL,
					   "GPU %u: no GI at %u:%u for a new compute instance",
					   gpu->index, st->gi_placement.start, st->gi_placement.size);
		if (st->ci_profile >= m->gi[st->gi_profile].n_ci)
			return migctl_fail(err, MIGCTL_ERR_INTERNAL, "step names a CI profile the GI lacks");
		rc = migctl_node_create_ci(r->node, gpu, gs->id,
					   m->gi[st->gi_profile].ci[st->ci_profile].id,
					   st->ci_placement.size ? &st->ci_placement : NULL, &id, err);
		break;
	default:
		rc = migctl_fail(err, MIGCTL_ERR_INTERNAL, "unknown step");
	}
	if (rc)
		return rc;
	return migctl_journal_step_done(&r->journal, err);
}

/* Plan a GPU's transition from what it holds now. */
static enum migctl_err plan_now(struct migctl_node *node, size_t gi,
				const struct migctl_gpu_target *target_in,
				const struct migctl_gpu_model *target_model, bool allow_busy,
				struct migctl_transition *t, struct migctl_error *err)
{
	struct migctl_gpu_state *gpu = gpu_at(node, gi);
	struct migctl_gpu_target target;
	struct migctl_layout cur;
	enum migctl_err rc;

	if (!target_in->mig_enabled || !gpu->mig_current) {
		memset(&target, 0, sizeof(target));
		if (!gpu->mig_current) { /* no instances exist with MIG off */
			memset(t, 0, sizeof(*t));
			return MIGCTL_ERR_OK;
		}
	} else if ((rc = retarget(target_model, &gpu->model, target_in, &target, err))) {
		return rc;
	}
	migctl_layout_of_gpu(gpu, &cur);
	rc = migctl_transition_plan(&gpu->model, &cur, &target, allow_busy, t, err);
	if (rc) {
		char msg[sizeof(err->msg)];
		copy_str(msg, sizeof(msg), err ? err->msg : "");
		migctl_fail(err, rc, "GPU %u (%s): %s", gpu->index, gpu->name, msg);
	}
	return rc;
}

/* Run a transition on one GPU (with eviction under --force). */
static enum migctl_err run_transition(struct migctl_run *r, size_t gi,
				      const struct migctl_transition *t, unsigned *done,
				      struct migctl_error *err)
{
	enum migctl_err rc;

	if (t->destroyed_busy > 0 && can_evict(r->opts) && (rc = evict(r, gi, t, err)))
		return rc;
	for (size_t s = 0; s < t->n_steps; s++) {
		if ((rc = run_step(r, gi, &t->steps[s], err)))
			return rc;
		if (done)
			(*done)++;
	}
	return MIGCTL_ERR_OK;
}

/* Whether a GPU has MIG mode `want` with no change pending. */
static bool same_mode(const struct migctl_gpu_state *gpu, bool want)
{
	return gpu->mig_current == want && gpu->mig_pending == want;
}

static bool needs_reset_for_mode(const struct migctl_gpu_state *gpu)
{
	/* From Hopper on the mode is driver-held and switches at once; the
	 * driver's own answer (pending or not) decides in the end. */
	return gpu->arch == MIGCTL_ARCH_AMPERE || gpu->arch == MIGCTL_ARCH_UNKNOWN;
}

/* Set a GPU's MIG mode, emptying it first when MIG goes off, resetting
 * it when the change stays pending and resets are allowed. */
static enum migctl_err set_mode(struct migctl_run *r, size_t gi, bool enable, bool allow_busy,
				struct migctl_gpu_report *rep, struct migctl_error *err)
{
	struct migctl_gpu_state *gpu = gpu_at(r->node, gi);
	struct migctl_mode_result res;
	enum migctl_err rc;

	if (!enable && gpu->mig_current) {
		struct migctl_transition *t = malloc(sizeof(*t));
		struct migctl_gpu_target none = {0};
		if (!t)
			return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		rc = plan_now(r->node, gi, &none, &gpu->model, allow_busy, t, err);
		if (!rc)
			rc = run_transition(r, gi, t, NULL, err);
		if (!rc) {
			r->report->destroyed += t->destroyed;
		}
		free(t);
		if (rc)
			return rc;
	}
	if ((rc = migctl_node_set_mig_mode(r->node, gpu, enable, &res, err)))
		return rc;
	if ((rc = migctl_journal_event(&r->journal, gpu->uuid,
					enable ? "mig-enabled" : "mig-disabled", err)))
		return rc;
	if (!res.pending)
		return MIGCTL_ERR_OK;
	if (res.activation == MIGCTL_ERR_REBOOT_REQUIRED)
		return migctl_fail(err, MIGCTL_ERR_REBOOT_REQUIRED,
				   "GPU %u (%s): MIG mode %s is pending: %s; reboot the machine",
				   gpu->index, gpu->name, enable ? "enable" : "disable",
				   res.activation_text);
	if (r->opts->skip_reset || !needs_reset_for_mode(gpu))
		return migctl_fail(err, MIGCTL_ERR_RESET_REQUIRED,
				   "GPU %u (%s): MIG mode %s is pending until the GPU is reset; "
				   "run again without --skip-reset, or reset it "
				   "(nvidia-smi --gpu-reset -i %s)", gpu->index, gpu->name,
				   enable ? "enable" : "disable", gpu->bus_id);
	if ((rc = migctl_node_reset_gpu(r->node, gpu, err))) {
		/* Take the pending change back (the mode is still the old one,
		 * so that needs no reset): a failed apply must leave no change
		 * for the next reset or reboot to make. The caller rolls back. */
		char msg[sizeof(err->msg)];
		struct migctl_error e2;
		copy_str(msg, sizeof(msg), err ? err->msg : "");
		gpu = gpu_at(r->node, gi);
		bool undone = migctl_node_set_mig_mode(r->node, gpu, !enable, &res, &e2) ==
			      MIGCTL_ERR_OK && !res.pending;
		if (!undone) /* pending it stays: a reset or reboot finishes it */
			return migctl_fail(err, rc == MIGCTL_ERR_BUSY ? rc : MIGCTL_ERR_REBOOT_REQUIRED,
					   "%s; MIG mode %s stays pending until a reset or reboot",
					   msg, enable ? "enable" : "disable");
		return migctl_fail(err, rc == MIGCTL_ERR_BUSY ? rc : MIGCTL_ERR_NVML,
				   "%s; the MIG mode change was taken back", msg);
	}
	rep->reset = true;
	gpu = gpu_at(r->node, gi);
	if ((rc = migctl_journal_event(&r->journal, gpu->uuid, "reset", err)))
		return rc;
	if (gpu->mig_current != enable)
		return migctl_fail(err, MIGCTL_ERR_REBOOT_REQUIRED,
				   "GPU %u (%s): MIG mode is still pending after a reset; reboot the "
				   "machine", gpu->index, gpu->name);
	return MIGCTL_ERR_OK;
}

/* Bring one GPU to a target: mode, then layout. */
enum migctl_err migctl_apply_reach(struct migctl_run *r, size_t gi,
				   const struct migctl_gpu_target *target,
				   const struct migctl_gpu_model *target_model,
				   bool allow_busy, struct migctl_gpu_report *rep,
				   struct migctl_error *err)
{
	struct migctl_transition *t;
	enum migctl_err rc;

	/* A pending change counts: left alone, the next reset would make
	 * it current (a kill between setting the mode and the reset). */
	if (!same_mode(gpu_at(r->node, gi), target->mig_enabled) &&
	    (rc = set_mode(r, gi, target->mig_enabled, allow_busy, rep, err)))
		return rc;
	if (!target->mig_enabled)
		return MIGCTL_ERR_OK;
	if (!(t = malloc(sizeof(*t))))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	rc = plan_now(r->node, gi, target, target_model, allow_busy, t, err);
	if (!rc)
		rc = run_transition(r, gi, t, &rep->steps_done, err);
	if (!rc) {
		r->report->destroyed += t->destroyed;
		r->report->created += t->created;
	}
	free(t);
	return rc;
}

/* Roll a GPU back to its checkpoint after a failure (`why`). */
static void roll_back(struct migctl_run *r, size_t gi, const struct migctl_checkpoint *cp,
		      struct migctl_gpu_report *rep, const struct migctl_error *why)
{
	struct migctl_gpu_plan plan;
	struct migctl_error e2 = {0};
	enum migctl_err rc;

	if (&rep->error != why)
		rep->error = *why;
	/* The failing call may have left the node's copy stale. */
	rc = migctl_node_refresh(r->node, &e2);
	if (!rc)
		rc = migctl_checkpoint_target(r->node, gi, cp, &plan, &e2);
	if (!rc)
		rc = migctl_apply_reach(r, gi, &plan.target,
					migctl_gpu_target_model(gpu_at(r->node, gi)), false, rep, &e2);
	if (!rc)
		rc = migctl_journal_event(&r->journal, rep->uuid, "rolled-back", &e2);
	if (rc) {
		rep->outcome = MIGCTL_GPU_FAILED;
		size_t n = strlen(rep->error.msg);
		snprintf(rep->error.msg + n, sizeof(rep->error.msg) - n,
			 "; the rollback failed too (%s); run 'migctl recover'", e2.msg);
		return;
	}
	rep->outcome = MIGCTL_GPU_ROLLED_BACK;
}

/* --- apply ------------------------------------------------------------- */

static const struct migctl_gpu_model *target_model(struct migctl_node *node, size_t i,
						   const bool *from_catalog)
{
	struct migctl_gpu_state *gpu = gpu_at(node, i);
	return from_catalog[i] && gpu->catalog_model ? gpu->catalog_model : &gpu->model;
}

/* "2 x 3g.40gb, 3 x 1c.3g.40gb" for messages. */
static void describe_target(const struct migctl_gpu_model *m, const struct migctl_gpu_target *t,
			    char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n_items && n < len; i++) {
		if (!t->items[i].count)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%u x %s", n ? ", " : "",
				      t->items[i].count,
				      m->gi[t->items[i].gi].ci[t->items[i].ci].name);
	}
	if (!buf[0])
		snprintf(buf, len, "no instances");
}

/* Whether a GPU holds its target now. Every node operation re-reads the
 * GPU it changed, so the node's copy is current: no full re-read. */
static enum migctl_err verify(struct migctl_node *node, size_t i,
			      const struct migctl_gpu_target *target,
			      const struct migctl_gpu_model *model, struct migctl_error *err)
{
	struct migctl_gpu_target live;
	struct migctl_layout now;
	enum migctl_err rc;

	struct migctl_gpu_state *gpu = gpu_at(node, i);
	if ((rc = retarget(model, &gpu->model, target, &live, err)))
		return rc;
	migctl_layout_of_gpu(gpu, &now);
	if (!migctl_layout_satisfies(&gpu->model, &now, &live)) {
		char want[256], have[256];
		struct migctl_gpu_target held;
		migctl_layout_to_target(&now, &held);
		describe_target(&gpu->model, &live, want, sizeof(want));
		describe_target(&gpu->model, &held, have, sizeof(have));
		return migctl_fail(err, MIGCTL_ERR_NOT_APPLIED,
				   "GPU %u (%s) holds %s%s, the config wants %s%s", gpu->index,
				   gpu->name, have,
				   now.n_gis && held.n_items == 0 ? " (empty GPU instances)" : "",
				   want, live.n_pins ? " at the pinned placements" : "");
	}
	return MIGCTL_ERR_OK;
}

/* Validate and plan every managed GPU; nothing changes. */
static enum migctl_err validate(struct migctl_node *node, const struct migctl_gpu_plan *plans,
				bool allow_busy, struct migctl_apply_report *report,
				struct migctl_error *err)
{
	enum migctl_err first = MIGCTL_ERR_OK;

	for (size_t i = 0; i < node->n_gpus; i++) {
		struct migctl_gpu_state *gpu = &node->gpus[i];
		struct migctl_gpu_report *rep = &report->gpus[i];
		const struct migctl_gpu_target *t = &plans[i].target;
		enum migctl_err rc = MIGCTL_ERR_OK;

		if (!plans[i].managed)
			continue;
		rep->mig_enabled = t->mig_enabled;
		rep->outcome = MIGCTL_GPU_UNCHANGED;
		if (!gpu->mig_capable) {
			if (t->mig_enabled)
				rc = migctl_fail(&rep->error, MIGCTL_ERR_NOT_SUPPORTED,
						 "GPU %u (%s) does not support MIG; take it out of "
						 "the config's devices", gpu->index, gpu->name);
			goto next;
		}
		rep->mode_change = !same_mode(gpu, t->mig_enabled);
		if (t->mig_enabled && !gpu->mig_current) {
			/* Plan from an empty GPU: checks feasibility now. */
			struct migctl_layout empty = {0};
			rc = migctl_transition_plan(migctl_gpu_target_model(gpu), &empty, t, allow_busy,
						    &rep->transition, &rep->error);
			if (rc) {
				char msg[sizeof(rep->error.msg)];
				copy_str(msg, sizeof(msg), rep->error.msg);
				migctl_fail(&rep->error, rc, "GPU %u (%s): %s", gpu->index, gpu->name, msg);
			}
		} else {
			rc = plan_now(node, i, t, migctl_gpu_target_model(gpu), allow_busy, &rep->transition,
				      &rep->error);
		}
		rep->layout_change = rc == MIGCTL_ERR_OK && rep->transition.n_steps > 0;
		/* Kept instances, new ones and a rollback all rely on placing
		 * instances exactly; an early driver cannot. */
		if (!rc && (rep->layout_change || (rep->mode_change && gpu->n_gis > 0)) &&
		    !migctl_node_can_place(node))
			rc = migctl_fail(&rep->error, MIGCTL_ERR_NOT_SUPPORTED,
					 "GPU %u (%s): this driver cannot create instances at a "
					 "placement (its NVML lacks the ...WithPlacement calls of "
					 "CUDA 12.0), which apply needs to keep instances and to roll "
					 "back; upgrade the driver, or use `migctl create`/`destroy`",
					 gpu->index, gpu->name);
		if (!rc && (rep->mode_change || rep->layout_change))
			rep->outcome = MIGCTL_GPU_PLANNED;
next:
		if (rc == MIGCTL_ERR_BUSY) {
			/* Name the processes in the way, as `migctl destroy` does. */
			struct migctl_process pids[MIGCTL_NODE_MAX_PROCS];
			size_t np = doomed_pids(gpu, &rep->transition, pids, MIGCTL_NODE_MAX_PROCS);
			size_t len = strlen(rep->error.msg);
			for (size_t k = 0; k < np && len < sizeof(rep->error.msg); k++) {
				const char *name = pids[k].name;
				len += (size_t)snprintf(rep->error.msg + len, sizeof(rep->error.msg) - len,
							"%s%u%s%s%s", k ? ", " : " (processes ", pids[k].pid,
							*name ? " (" : "", name, *name ? ")" : "");
			}
			if (np && len < sizeof(rep->error.msg))
				snprintf(rep->error.msg + len, sizeof(rep->error.msg) - len, ")");
		}
		if (rc) {
			rep->outcome = MIGCTL_GPU_REFUSED;
			if (!first) {
				first = rc;
				if (err)
					*err = rep->error;
			}
		}
	}
	return first;
}

static enum migctl_err hook(const struct migctl_apply_options *o, enum migctl_hook_point p,
			    struct migctl_error *err)
{
	return o->hook ? o->hook(p, o->hook_ctx, err) : MIGCTL_ERR_OK;
}

/* One apply in progress: the run, the plans, the checkpoint of the GPUs
 * it changes, and how far it got. */
struct apply_state {
	struct migctl_run r;
	const struct migctl_gpu_plan *plans;
	struct migctl_checkpoint cp;
	bool *from_catalog;           /* per GPU: target resolved on the catalog */
	bool stop;                    /* a GPU failed: touch no other */
	enum migctl_err first;        /* the apply's result */
};

/* Record a GPU's failure as the apply's result unless one came first. */
static void note_failure(struct apply_state *a, enum migctl_err rc,
			 const struct migctl_gpu_report *rep, struct migctl_error *err)
{
	if (a->first)
		return;
	a->first = rc;
	if (err)
		*err = rep->error;
}

/* The apply's result for a GPU that failed and was rolled back: a
 * permission error stays one (a non-root user: exit 16 and "run as
 * root" say what to do; the GPU is as it was). */
static enum migctl_err rolled_back_code(const struct migctl_gpu_report *rep)
{
	return rep->error.code == MIGCTL_ERR_NO_PERMISSION ? MIGCTL_ERR_NO_PERMISSION
							   : MIGCTL_ERR_ROLLED_BACK;
}

/* Validate every GPU and fix what the apply will change; nothing changes
 * on the node. */
static enum migctl_err prepare(struct apply_state *a, struct migctl_error *err)
{
	struct migctl_node *node = a->r.node;
	const struct migctl_apply_options *opts = a->r.opts;
	struct migctl_apply_report *report = a->r.report;
	enum migctl_err rc;

	if ((rc = migctl_node_refresh(node, err)) ||
	    (rc = migctl_apply_report_reset(report, node, err)))
		return rc;
	if ((rc = validate(node, a->plans, can_evict(opts), report, err)))
		return rc;
	/* --mode-only: the layouts stay as they are, except on GPUs whose
	 * MIG goes off (their instances go with it). */
	for (size_t i = 0; opts->mode_only && i < node->n_gpus; i++) {
		struct migctl_gpu_report *g = &report->gpus[i];
		if (!a->plans[i].managed || !a->plans[i].target.mig_enabled)
			continue;
		g->layout_change = false;
		if (g->outcome == MIGCTL_GPU_PLANNED && !g->mode_change)
			g->outcome = MIGCTL_GPU_UNCHANGED;
	}
	/* The targets' profile indices refer to the model each GPU was
	 * resolved on: the catalog's while the driver lists no profiles
	 * (MIG off on some drivers), the live one otherwise. Once MIG is on
	 * the live one takes over (retarget). */
	if (!(a->from_catalog = calloc(node->n_gpus + 1, sizeof(*a->from_catalog))))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < node->n_gpus; i++)
		a->from_catalog[i] = migctl_gpu_target_model(&node->gpus[i]) != &node->gpus[i].model;
	return MIGCTL_ERR_OK;
}

/* Checkpoint just the GPUs that change, then open the journal. */
static enum migctl_err open_journal(struct apply_state *a, struct migctl_error *err)
{
	struct migctl_node *node = a->r.node;
	const struct migctl_gpu_report *reps = a->r.report->gpus;
	enum migctl_err rc;

	if ((rc = migctl_checkpoint_capture(node, &a->cp, err)))
		return rc;
	size_t keep = 0;
	for (size_t k = 0; k < a->cp.n_gpus; k++)
		for (size_t i = 0; i < node->n_gpus; i++)
			if (strcmp(a->cp.gpus[k].uuid, node->gpus[i].uuid) == 0 &&
			    (reps[i].mode_change || reps[i].layout_change))
				a->cp.gpus[keep++] = a->cp.gpus[k];
	a->cp.n_gpus = keep;
	return migctl_journal_open(&a->r.journal, &a->cp, err);
}

/* Mode phase: the GPUs whose MIG mode differs. A pending change is not a
 * failure to undo (the mode is set, it waits); any other failure rolls
 * that GPU back and stops the apply. */
static enum migctl_err mode_phase(struct apply_state *a, struct migctl_error *err)
{
	struct migctl_run *r = &a->r;
	enum migctl_err rc;

	if ((rc = hook(r->opts, MIGCTL_HOOK_PRE_APPLY_MODE, err)))
		return rc;
	for (size_t i = 0; i < r->node->n_gpus && !a->stop; i++) {
		struct migctl_gpu_report *rep = &r->report->gpus[i];
		if (!rep->mode_change)
			continue;
		rc = set_mode(r, i, a->plans[i].target.mig_enabled, can_evict(r->opts), rep,
			      &rep->error);
		if (rc == MIGCTL_ERR_RESET_REQUIRED || rc == MIGCTL_ERR_REBOOT_REQUIRED) {
			rep->outcome = MIGCTL_GPU_PENDING;
			migctl_journal_event(&r->journal, rep->uuid, "pending", NULL);
			note_failure(a, rc, rep, err);
		} else if (rc) {
			roll_back(r, i, &a->cp, rep, &rep->error);
			a->stop = true;
			note_failure(a, rolled_back_code(rep), rep, err);
		}
	}
	return MIGCTL_ERR_OK;
}

/* Bring GPU `i` to its planned layout and check that it holds it. */
static enum migctl_err config_gpu(struct apply_state *a, size_t i, struct migctl_gpu_report *rep)
{
	struct migctl_node *node = a->r.node;
	const struct migctl_gpu_target *target = &a->plans[i].target;
	const struct migctl_gpu_model *model = target_model(node, i, a->from_catalog);
	enum migctl_err rc;

	if (!target->mig_enabled)
		return MIGCTL_ERR_OK;
	rc = plan_now(node, i, target, model, can_evict(a->r.opts), &rep->transition, &rep->error);
	if (!rc)
		rc = run_transition(&a->r, i, &rep->transition, &rep->steps_done, &rep->error);
	if (rc)
		return rc;
	a->r.report->destroyed += rep->transition.destroyed;
	a->r.report->created += rep->transition.created;
	/* The steps re-read the GPU: look its model up again. */
	return verify(node, i, target, target_model(node, i, a->from_catalog), &rep->error);
}

/* Config phase: the planned transitions, GPU by GPU; a failed GPU is
 * rolled back and the GPUs after it are not reached. */
static enum migctl_err config_phase(struct apply_state *a, bool any_layout,
				    struct migctl_error *err)
{
	struct migctl_run *r = &a->r;
	enum migctl_err rc;

	if (!a->stop && any_layout && (rc = hook(r->opts, MIGCTL_HOOK_PRE_APPLY_CONFIG, err)))
		return rc;
	for (size_t i = 0; i < r->node->n_gpus; i++) {
		struct migctl_gpu_report *rep = &r->report->gpus[i];
		if (rep->outcome != MIGCTL_GPU_PLANNED)
			continue;
		if (a->stop) {
			rep->outcome = MIGCTL_GPU_NOT_REACHED;
			continue;
		}
		if (config_gpu(a, i, rep)) {
			roll_back(r, i, &a->cp, rep, &rep->error);
			a->stop = true;
			note_failure(a, rolled_back_code(rep), rep, err);
			continue;
		}
		rep->outcome = MIGCTL_GPU_APPLIED;
		if ((rc = migctl_journal_event(&r->journal, rep->uuid, "done", err)))
			return rc;
	}
	return MIGCTL_ERR_OK;
}

/* After a failure: a GPU whose MIG mode the apply changed (or left
 * pending) but that did not reach its target goes back to its checkpoint
 * too, so that a failed apply changes no mode (finding 5). Its journal
 * events ("rolled-back", or none when that fails) keep the journal until
 * it has. */
static void undo_mode_changes(struct apply_state *a)
{
	struct migctl_run *r = &a->r;

	for (size_t i = 0; i < r->report->n_gpus; i++) {
		struct migctl_gpu_report *rep = &r->report->gpus[i];
		struct migctl_error why;
		if (!rep->mode_change ||
		    (rep->outcome != MIGCTL_GPU_NOT_REACHED && rep->outcome != MIGCTL_GPU_PENDING))
			continue;
		migctl_fail(&why, MIGCTL_ERR_ROLLED_BACK,
			    "GPU %u: the apply failed on another GPU; its MIG mode change was undone",
			    rep->index);
		roll_back(r, i, &a->cp, rep, &why);
	}
}

/* Run the phases of an apply that changes something. */
static enum migctl_err change(struct apply_state *a, bool any_mode, bool any_layout,
			      struct migctl_error *err)
{
	const struct migctl_apply_options *opts = a->r.opts;
	struct migctl_apply_report *report = a->r.report;
	enum migctl_err rc;

	if ((rc = open_journal(a, err)))
		return rc;
	if (any_mode && (rc = mode_phase(a, err)))
		return rc;
	if (!opts->mode_only && (rc = config_phase(a, any_layout, err))) {
		/* The pre-apply-config hook failed: no layout changed, but
		 * modes may have. */
		for (size_t i = 0; i < report->n_gpus; i++)
			if (report->gpus[i].outcome == MIGCTL_GPU_PLANNED)
				report->gpus[i].outcome = MIGCTL_GPU_NOT_REACHED;
		a->stop = true;
	}
	if (a->stop)
		undo_mode_changes(a);
	if (rc)
		return rc;
	/* GPUs whose only change was the mode are done with it. */
	for (size_t i = 0; i < report->n_gpus; i++)
		if (report->gpus[i].outcome == MIGCTL_GPU_PLANNED && report->gpus[i].mode_change &&
		    (opts->mode_only || !report->gpus[i].layout_change))
			report->gpus[i].outcome = MIGCTL_GPU_APPLIED;
	return a->first;
}

enum migctl_err migctl_apply(struct migctl_node *node, const struct migctl_gpu_plan *plans,
			     const struct migctl_apply_options *opts,
			     struct migctl_apply_report *report, struct migctl_error *err)
{
	struct apply_state a = {.r = {node, opts, report, {.fd = -1}}, .plans = plans};
	bool any_mode = false, any_layout = false;
	enum migctl_err rc;

	if (!opts->dry_run) {
		bool found = false;
		if ((rc = migctl_journal_set_path(&a.r.journal, opts->journal_path, err)))
			return rc;
		/* A journal left by a crash is dealt with first; busy
		 * instances then block, whatever `force` says. */
		if ((rc = migctl_recover(node, a.r.journal.path, NULL, NULL, &found, report, err)))
			return rc;
		report->recovered = found;
	}
	if ((rc = prepare(&a, err)))
		goto out;
	for (size_t i = 0; i < node->n_gpus; i++) {
		any_mode |= report->gpus[i].mode_change;
		any_layout |= report->gpus[i].layout_change;
	}
	if (!opts->dry_run && (any_mode || any_layout))
		rc = change(&a, any_mode, any_layout, err);
out:
	/* Keep the journal only when a GPU is neither at its target nor at
	 * its checkpoint: recovery has work to do then. */
	{
		bool unsettled = false;
		for (size_t i = 0; i < report->n_gpus; i++)
			unsettled |= report->gpus[i].outcome == MIGCTL_GPU_FAILED;
		migctl_journal_close(&a.r.journal, !unsettled);
	}
	free(a.from_catalog);
	migctl_checkpoint_release(&a.cp);
	return rc;
}

/* --- assert -------------------------------------------------------------- */

enum migctl_err migctl_assert(struct migctl_node *node, const struct migctl_gpu_plan *plans,
			      bool mode_only, struct migctl_apply_report *report,
			      struct migctl_error *err)
{
	enum migctl_err rc, first = MIGCTL_ERR_OK;

	if ((rc = migctl_node_refresh(node, err)) || (rc = migctl_apply_report_reset(report, node, err)))
		return rc;
	/* Resolve-time models, fixed before anything is read again. */
	const struct migctl_gpu_model **models = calloc(node->n_gpus + 1, sizeof(*models));
	if (!models)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < node->n_gpus; i++)
		models[i] = migctl_gpu_target_model(&node->gpus[i]);
	for (size_t i = 0; i < node->n_gpus; i++) {
		struct migctl_gpu_state *gpu = gpu_at(node, i);
		struct migctl_gpu_report *rep = &report->gpus[i];
		const struct migctl_gpu_target *t = &plans[i].target;

		if (!plans[i].managed)
			continue;
		rep->outcome = MIGCTL_GPU_UNCHANGED;
		rep->mig_enabled = t->mig_enabled;
		rc = MIGCTL_ERR_OK;
		if (gpu->mig_current != t->mig_enabled && (gpu->mig_capable || t->mig_enabled)) {
			rep->mode_change = true;
			rc = migctl_fail(&rep->error, MIGCTL_ERR_NOT_APPLIED,
					 "GPU %u (%s): MIG mode is %s%s, the config wants it %s",
					 gpu->index, gpu->name,
					 gpu->mig_current ? "enabled" : "disabled",
					 gpu->mig_pending != gpu->mig_current ? " (a change is pending)" : "",
					 t->mig_enabled ? "enabled" : "disabled");
		} else if (!mode_only && t->mig_enabled) {
			rc = verify(node, i, t, models[i], &rep->error);
			rep->layout_change = rc != MIGCTL_ERR_OK;
			gpu = gpu_at(node, i);
		}
		if (rc) {
			rep->outcome = MIGCTL_GPU_PLANNED;
			if (!first) {
				first = rc;
				if (err)
					*err = rep->error;
			}
		}
	}
	free(models);
	return first;
}
