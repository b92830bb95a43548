/* migctl — the multi-GPU create transaction (see include/migctl/create.h):
 * check every GPU, create GIs and CIs, roll everything back on the first
 * failure. IDs, not pointers into a GPU's instances, are kept across the
 * operations, since each operation re-reads the GPU it changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/catalog.h"
#include "migctl/create.h"
#include "migctl/geometry.h"
#include "util/list.h"

void migctl_create_result_init(struct migctl_create_result *r)
{
	memset(r, 0, sizeof(*r));
}

void migctl_create_result_release(struct migctl_create_result *r)
{
	free(r->gis);
	memset(r, 0, sizeof(*r));
}

/* CI profile IDs for GI profile `gp` from `list` (NULL: its default). */
static enum migctl_err ci_profiles(const struct migctl_gi_profile *gp, const char *list,
				   unsigned *ids, size_t *n, struct migctl_error *err)
{
	const char *p = list;
	char item[MIGCTL_NAME_MAX + 8];
	int r;

	*n = 0;
	if (!list) {
		const struct migctl_ci_profile *c = migctl_gi_profile_default_ci(gp);
		if (!c)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "GI profile %s has no default compute-instance profile; name one with --ci",
					   gp->name);
		ids[(*n)++] = c->id;
		return MIGCTL_ERR_OK;
	}
	while ((r = mu_list_next(&p, item, sizeof(item))) != 0) {
		if (r < 0)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "--ci: empty or overlong item in \"%s\"; separate profiles with single commas",
					   list);
		const struct migctl_ci_profile *c = migctl_gi_profile_find_ci_profile(gp, item, err);
		if (!c)
			return MIGCTL_ERR_UNKNOWN_PROFILE;
		if (*n == MIGCTL_NODE_MAX_CIS)
			return migctl_fail(err, MIGCTL_ERR_INSUFFICIENT_RESOURCES,
					   "--ci: more than %d compute instances per GPU instance",
					   MIGCTL_NODE_MAX_CIS);
		ids[(*n)++] = c->id;
	}
	return MIGCTL_ERR_OK;
}

/* --- checking ------------------------------------------------------------ */

/* Whether the GPU can take instances now: MIG supported and on. */
static enum migctl_err check_mode(const struct migctl_create_request *req,
				  const struct migctl_gpu_state *gpu, struct migctl_error *err)
{
	const char *cmd = req->command ? req->command : "migctl";

	if (gpu->mig_current && gpu->model.n_gi > 0)
		return MIGCTL_ERR_OK;
	if (!gpu->mig_capable)
		return migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
				   "GPU %u (%s) does not support MIG; choose MIG GPUs with -i",
				   gpu->index, gpu->name);
	if (gpu->mig_pending)
		return migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
				   "GPU %u (%s): MIG mode is disabled and enabling it is pending a reset; run '%s mode enable -i %u --reset'",
				   gpu->index, gpu->name, cmd, gpu->index);
	return migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
			   "GPU %u (%s): MIG mode is disabled; enable it with '%s mode enable -i %u' (or choose other GPUs with -i)",
			   gpu->index, gpu->name, cmd, gpu->index);
}

/* The existing GIs of the request on one GPU, and their CI profiles. */
static enum migctl_err check_gis(const struct migctl_create_request *req,
				 struct migctl_gpu_state *gpu, struct migctl_error *err)
{
	for (size_t g = 0; g < req->n_gi_ids; g++) {
		struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, req->gi_ids[g]);
		unsigned cp[MIGCTL_NODE_MAX_CIS];
		size_t ncp;
		if (!gi) {
			char list[200] = "";
			size_t used = 0;
			for (size_t k = 0; k < gpu->n_gis && used < sizeof(list); k++)
				used += (size_t)snprintf(list + used, sizeof(list) - used,
							 "%s%u", k ? ", " : "", gpu->gis[k].id);
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "GPU %u has no GPU instance %u; its GPU instances: %s",
					   gpu->index, req->gi_ids[g], gpu->n_gis ? list : "none");
		}
		if (!gi->profile)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "GPU %u: GPU instance %u has profile %u, which the driver does not describe",
					   gpu->index, gi->id, gi->profile_id);
		enum migctl_err rc = ci_profiles(gi->profile, req->ci_profiles, cp, &ncp, err);
		if (rc) {
			migctl_error_prefix_gpu(err, gpu->index);
			return rc;
		}
	}
	return MIGCTL_ERR_OK;
}

/* The GI profiles of the request on one GPU (indices into its model in
 * `prof`), their CI profiles and the placement. */
static enum migctl_err check_profiles(const struct migctl_create_request *req,
				      struct migctl_gpu_state *gpu, size_t *prof, size_t *n_prof,
				      struct migctl_error *err)
{
	enum migctl_err rc;

	if ((rc = migctl_model_parse_gi_profile_list(&gpu->model, req->profiles, prof,
						     MIGCTL_CREATE_MAX_ITEMS, n_prof, err))) {
		migctl_error_prefix_gpu(err, gpu->index);
		return rc;
	}
	if (req->placement && *n_prof != 1)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "--placement needs exactly one PROFILE");
	for (size_t k = 0; k < *n_prof; k++) {
		const struct migctl_gi_profile *gp = &gpu->model.gi[prof[k]];
		unsigned cp[MIGCTL_NODE_MAX_CIS];
		size_t ncp;
		if (!req->no_ci && (rc = ci_profiles(gp, req->ci_profiles, cp, &ncp, err))) {
			migctl_error_prefix_gpu(err, gpu->index);
			return rc;
		}
		if (req->placement) {
			struct migctl_placement p = *req->placement;
			char set[256];
			if (!p.size)
				p.size = gp->placements.size;
			if (migctl_placement_set_has(&gp->placements, p))
				continue;
			migctl_placement_set_format(&gp->placements, set, sizeof(set));
			return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
					   "GPU %u: placement %u:%u is not one of MIG %s's placements %s (start:size); choose one of those starts",
					   gpu->index, p.start, p.size, gp->name, set);
		}
	}
	return MIGCTL_ERR_OK;
}

/* --- creating and rolling back ------------------------------------------- */

struct txn {
	struct migctl_node *node;
	const struct migctl_create_request *req;
	struct migctl_create_result *res;
};

/* Keep a failed destroy of the rollback, naming its GPU. */
static void undo_failed(struct migctl_create_result *res, struct migctl_error *e, unsigned gpu)
{
	if (res->n_undo_errors == MIGCTL_CREATE_MAX_UNDO_ERRORS)
		return;
	migctl_error_prefix_gpu(e, gpu);
	res->undo_errors[res->n_undo_errors++] = *e;
}

/* Destroy everything made so far, newest first. */
static void undo(struct txn *t)
{
	struct migctl_create_result *res = t->res;
	struct migctl_error e = {0};

	for (size_t i = res->n_gis; i-- > 0;) {
		struct migctl_create_gi *m = &res->gis[i];
		for (size_t c = m->n_cis; c-- > 0;)
			if (migctl_node_destroy_ci(t->node, m->gpu, m->gi, m->cis[c], &e))
				undo_failed(res, &e, m->gpu->index);
		if (m->new_gi && migctl_node_destroy_gi(t->node, m->gpu, m->gi, &e))
			undo_failed(res, &e, m->gpu->index);
	}
	res->n_gis = 0;
}

/* A create failed on GPU `gpu`: say what is undone, and undo it. */
static enum migctl_err fail(struct txn *t, struct migctl_error *e, unsigned gpu)
{
	size_t gis = 0, cis = 0;

	for (size_t i = 0; i < t->res->n_gis; i++) {
		gis += t->res->gis[i].new_gi;
		cis += t->res->gis[i].n_cis;
	}
	migctl_error_prefix_gpu(e, gpu);
	if (gis + cis) {
		size_t len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len,
			 "; what this command created before (%zu GPU and %zu compute instances) was destroyed again",
			 gis, cis);
	}
	undo(t);
	return e->code;
}

static enum migctl_err create_cis(struct txn *t, struct migctl_create_gi *m, const unsigned *ids,
				  size_t n, struct migctl_error *e)
{
	for (size_t i = 0; i < n; i++) {
		unsigned ci;
		if (migctl_node_create_ci(t->node, m->gpu, m->gi, ids[i], NULL, &ci, e))
			return fail(t, e, m->gpu->index);
		m->cis[m->n_cis++] = ci;
	}
	return MIGCTL_ERR_OK;
}

/* CIs in the request's existing GIs of one GPU. */
static enum migctl_err create_in_gis(struct txn *t, struct migctl_gpu_state *gpu,
				     struct migctl_error *e)
{
	const struct migctl_create_request *req = t->req;
	enum migctl_err rc = MIGCTL_ERR_OK;

	for (size_t g = 0; g < req->n_gi_ids && !rc; g++) {
		struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, req->gi_ids[g]);
		unsigned cp[MIGCTL_NODE_MAX_CIS];
		size_t ncp = 0;
		if (gi && gi->profile)
			ci_profiles(gi->profile, req->ci_profiles, cp, &ncp, e);
		struct migctl_create_gi *m = &t->res->gis[t->res->n_gis++];
		*m = (struct migctl_create_gi){.gpu = gpu, .gi = req->gi_ids[g]};
		rc = create_cis(t, m, cp, ncp, e);
	}
	return rc;
}

/* New GIs of profiles `prof` (model indices) on one GPU, with their CIs. */
static enum migctl_err create_gis(struct txn *t, struct migctl_gpu_state *gpu, const size_t *prof,
				  size_t n_prof, struct migctl_error *e)
{
	const struct migctl_create_request *req = t->req;
	unsigned ids_by_k[MIGCTL_CREATE_MAX_ITEMS];

	for (size_t k = 0; k < n_prof; k++)
		ids_by_k[k] = gpu->model.gi[prof[k]].id;
	for (size_t k = 0; k < n_prof; k++) {
		struct migctl_placement place;
		unsigned gi_id;
		if (req->placement) {
			place = *req->placement;
			if (!place.size)
				place.size = gpu->model.gi[prof[k]].placements.size;
		}
		if (migctl_node_create_gi(t->node, gpu, ids_by_k[k], req->placement ? &place : NULL,
					  &gi_id, e))
			return fail(t, e, gpu->index);
		struct migctl_create_gi *m = &t->res->gis[t->res->n_gis++];
		*m = (struct migctl_create_gi){.gpu = gpu, .gi = gi_id, .new_gi = true};
		if (req->no_ci)
			continue;
		struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, gi_id);
		const struct migctl_gi_profile *gp =
			gi && gi->profile ? gi->profile : migctl_model_gi_profile_by_id(&gpu->model, ids_by_k[k]);
		unsigned cp[MIGCTL_NODE_MAX_CIS];
		size_t ncp = 0;
		if (!gp || ci_profiles(gp, req->ci_profiles, cp, &ncp, e)) {
			if (!gp)
				migctl_fail(e, MIGCTL_ERR_INTERNAL,
					    "GPU instance %u: its profile is unknown", gi_id);
			return fail(t, e, gpu->index);
		}
		enum migctl_err rc = create_cis(t, m, cp, ncp, e);
		if (rc)
			return rc;
	}
	return MIGCTL_ERR_OK;
}

/* --- the transaction ------------------------------------------------------ */

/* Check every GPU; `prof` gets MIGCTL_CREATE_MAX_ITEMS entries per GPU
 * and `*total` the number of GIs the request will touch. */
static enum migctl_err check_all(const struct migctl_create_request *req, size_t *prof,
				 size_t *n_prof, size_t *total, struct migctl_error *e)
{
	enum migctl_err rc;

	*total = 0;
	for (size_t i = 0; i < req->n_gpus; i++) {
		struct migctl_gpu_state *gpu = req->gpus[i];
		n_prof[i] = 0;
		if ((rc = check_mode(req, gpu, e)))
			return rc;
		if (req->gi_ids)
			rc = check_gis(req, gpu, e);
		else
			rc = check_profiles(req, gpu, prof + i * MIGCTL_CREATE_MAX_ITEMS, &n_prof[i], e);
		if (rc)
			return rc;
		*total += req->gi_ids ? req->n_gi_ids : n_prof[i];
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_create(struct migctl_node *node, const struct migctl_create_request *req,
			      struct migctl_create_result *res, struct migctl_error *err)
{
	struct migctl_error e = {0};
	struct txn t = {node, req, res};
	size_t *prof = NULL, *n_prof = NULL, total = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;

	migctl_create_result_release(res);
	if (!req->gpus || (!req->profiles == !req->gi_ids) ||
	    req->n_gi_ids > MIGCTL_CREATE_MAX_ITEMS || (req->no_ci && req->ci_profiles)) {
		rc = migctl_fail(&e, MIGCTL_ERR_USAGE,
				 "a create request needs GPUs and either profiles or GI IDs");
		goto out;
	}
	prof = calloc(req->n_gpus * MIGCTL_CREATE_MAX_ITEMS + 1, sizeof(*prof));
	n_prof = calloc(req->n_gpus + 1, sizeof(*n_prof));
	if (!prof || !n_prof) {
		rc = migctl_fail(&e, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = check_all(req, prof, n_prof, &total, &e)))
		goto out;
	if (!(res->gis = calloc(total + 1, sizeof(*res->gis)))) {
		rc = migctl_fail(&e, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < req->n_gpus && !rc; i++) {
		if (req->gi_ids)
			rc = create_in_gis(&t, req->gpus[i], &e);
		else
			rc = create_gis(&t, req->gpus[i], prof + i * MIGCTL_CREATE_MAX_ITEMS,
					n_prof[i], &e);
	}
out:
	free(prof);
	free(n_prof);
	if (rc && err)
		*err = e;
	return rc;
}
