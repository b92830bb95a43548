/* migctl smi — nvidia-smi mig's changing actions: -cgi (with -C), -cci,
 * -dgi and -dci, with nvidia-smi's messages and exit codes (the parsing and
 * the read-only actions are in cli/smi.c). */
#include <stdlib.h>
#include <string.h>

#include "smi.h"

/* --- creating and destroying ----------------------------------------------------- */

/* One item of a -cgi / -cci list: "9", "3g.40gb", "MIG 3g.40gb", each
 * optionally ":START". Returns false for an empty item. */
struct item {
	char text[MIGCTL_NAME_MAX + 16];   /* as typed, without ":START" */
	bool has_start;
	unsigned start;
	bool bad_start;
};

static bool next_item(const char **pp, struct item *it)
{
	char buf[sizeof(it->text) + 24];
	const char *p = *pp, *end = strchr(*pp, ',');
	size_t len;
	char *colon;

	/* The callers test for the end themselves: *pp stays a string. */
	mu_list_next(&p, buf, sizeof(buf));
	*pp = end ? end + 1 : *pp + strlen(*pp);
	memset(it, 0, sizeof(*it));
	colon = strchr(buf, ':');
	if (colon) {
		char *e;
		unsigned long v = strtoul(colon + 1, &e, 10);
		it->has_start = true;
		it->start = (unsigned)v;
		it->bad_start = e == colon + 1 || *e != '\0' || v > 64;
		*colon = '\0';
		mu_trim(buf);
	}
	len = strlen(buf);
	if (len >= sizeof(it->text))
		len = sizeof(it->text) - 1;
	memcpy(it->text, buf, len);
	it->text[len] = '\0';
	return len > 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int create_default_ci(struct smi *s, struct migctl_gpu_state *gpu, unsigned gi_id,
			     unsigned gi_profile_id)
{
	struct migctl_error err;
	const struct migctl_gi_profile *gp = migctl_model_gi_profile_by_id(&gpu->model, gi_profile_id);
	const struct migctl_ci_profile *cp = gp ? migctl_gi_profile_default_ci(gp) : NULL;
	char name[MIGCTL_NAME_MAX];
	unsigned ci_id = 0, cp_id;
	enum migctl_err rc;

	if (!cp) {
		printf("Unable to create a compute instance on GPU %2u GPU instance ID %2u: %s\n",
		       gpu->index, gi_id, "Not Found");
		printf("Failed to create compute instances: %s\n", "Not Found");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	snprintf(name, sizeof(name), "%s", cp->name);
	cp_id = cp->id;
	migctl_error_clear(&err);
	rc = migctl_node_create_ci(&s->cli->node, gpu, gi_id, cp_id, NULL, &ci_id, &err);
	if (rc) {
		const char *t = smi_text(s, rc);
		printf("Unable to create a compute instance on GPU %2u GPU instance ID %2u using profile %u: %s\n",
		       gpu->index, gi_id, cp_id, t);
		printf("Failed to create compute instances: %s\n", t);
		return smi_exit(rc);
	}
	printf("Successfully created compute instance ID %2u on GPU %2u GPU instance ID %2u using profile MIG %s (ID %2u)\n",
	       ci_id, gpu->index, gi_id, name, cp_id);
	return 0;
}

/* `asked` says whether the node ran (and failed) the operation. */
static int cgi_fail(struct smi *s, const struct migctl_gpu_state *gpu, const char *item,
		    enum migctl_err rc, bool asked)
{
	const char *t = asked ? smi_text(s, rc) : smi_plain_text(rc);

	printf("Unable to create a GPU instance on GPU %2u using profile %s: %s\n", gpu->index,
	       item, t);
	printf("Failed to create GPU instances: %s\n", t);
	return smi_exit(rc);
}

int smi_do_cgi(struct smi *s)
{
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		const char *p = s->cgi;

		for (;;) {
			struct item it;
			bool done = strchr(p, ',') == NULL;
			struct migctl_error err;
			size_t idx = 0, n = 0;
			unsigned profile_id, gi_id = 0;
			char name[MIGCTL_NAME_MAX];
			struct migctl_placement pl;
			enum migctl_err rc;

			if (!next_item(&p, &it) || it.bad_start)
				return cgi_fail(s, gpu, it.text, MIGCTL_ERR_USAGE, false);
			migctl_error_clear(&err);
			if (migctl_model_parse_gi_profile_list(&gpu->model, it.text, &idx, 1, &n,
							       &err) == MIGCTL_ERR_OK) {
				const struct migctl_gi_profile *gp = &gpu->model.gi[idx];
				profile_id = gp->id;
				snprintf(name, sizeof(name), "%s", gp->name);
				pl.size = gp->placements.size;
			} else if (all_digits(it.text)) {
				/* An ID this GPU does not offer: nvidia-smi asks the
				 * driver anyway, which says Invalid Argument. */
				profile_id = (unsigned)strtoul(it.text, NULL, 10);
				name[0] = '\0';
				pl.size = 0;
			} else {
				return cgi_fail(s, gpu, it.text, MIGCTL_ERR_UNKNOWN_PROFILE, false);
			}
			pl.start = it.start;
			migctl_error_clear(&err);
			rc = migctl_node_create_gi(&s->cli->node, gpu, profile_id,
						   it.has_start ? &pl : NULL, &gi_id, &err);
			if (rc)
				return cgi_fail(s, gpu, it.text, rc, true);
			printf("Successfully created GPU instance ID %2u on GPU %2u using profile MIG %s (ID %2u)\n",
			       gi_id, gpu->index, name, profile_id);
			if (s->create_ci) {
				int r = create_default_ci(s, gpu, gi_id, profile_id);
				if (r)
					return r;
			}
			if (done)
				break;
		}
	}
	return 0;
}

int smi_do_cci(struct smi *s)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned ids[MIGCTL_NODE_MAX_GIS];
		size_t n = smi_target_gis(s, gpu, want, n_want, ids);

		/* On several GPUs, -gi picks the GIs each has. */
		for (size_t k = 0; k < n_want && s->n_gpus == 1; k++)
			if (!migctl_gpu_find_gi(gpu, want[k])) {
				printf("Unable to create a compute instance on GPU %2u GPU instance ID %2u: %s\n",
				       gpu->index, want[k], "Not Found");
				printf("Failed to create compute instances: %s\n", "Not Found");
				return smi_exit(MIGCTL_ERR_NOT_FOUND);
			}
		for (size_t k = 0; k < n; k++) {
			struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, ids[k]);
			unsigned gi_id = ids[k];
			const char *p = s->cci;

			if (!s->cci) {
				int r = create_default_ci(s, gpu, gi_id, gi->profile_id);
				if (r)
					return r;
				continue;
			}
			for (;;) {
				struct item it;
				bool done = strchr(p, ',') == NULL;
				struct migctl_error err;
				const struct migctl_gi_profile *gp;
				const struct migctl_ci_profile *cp = NULL;
				struct migctl_placement pl = {0, 0};
				unsigned ci_id = 0, cp_id;
				char name[MIGCTL_NAME_MAX];
				enum migctl_err rc = MIGCTL_ERR_UNKNOWN_PROFILE;

				gi = migctl_gpu_find_gi(gpu, gi_id);
				gp = gi ? gi->profile : NULL;
				if (gi && !gp)
					gp = migctl_model_gi_profile_by_id(&gpu->model, gi->profile_id);
				migctl_error_clear(&err);
				if (next_item(&p, &it) && !it.bad_start && gp)
					cp = migctl_gi_profile_find_ci_profile(gp, it.text, &err);
				if (cp) {
					snprintf(name, sizeof(name), "%s", cp->name);
					cp_id = cp->id;
					pl.start = it.start;
					pl.size = cp->placements.size;
					migctl_error_clear(&err);
					rc = migctl_node_create_ci(&s->cli->node, gpu, gi_id, cp_id,
								   it.has_start ? &pl : NULL, &ci_id,
								   &err);
				}
				if (rc) {
					const char *t = cp ? smi_text(s, rc) : smi_plain_text(rc);
					printf("Unable to create a compute instance on GPU %2u GPU instance ID %2u using profile %s: %s\n",
					       gpu->index, gi_id, it.text, t);
					printf("Failed to create compute instances: %s\n", t);
					return smi_exit(rc);
				}
				printf("Successfully created compute instance ID %2u on GPU %2u GPU instance ID %2u using profile MIG %s (ID %2u)\n",
				       ci_id, gpu->index, gi_id, name, cp_id);
				if (done)
					break;
			}
		}
	}
	return 0;
}

int smi_do_dgi(struct smi *s)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want;
	bool any = false;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned ids[SMI_MAX_IDS];
		size_t n = smi_requested_gis(s, gpu, want, n_want, ids);
		for (size_t k = 0; k < n; k++) {
			struct migctl_error err;
			enum migctl_err rc = MIGCTL_ERR_NOT_FOUND;
			bool asked = false;

			if (s->n_gpus > 1 && !migctl_gpu_find_gi(gpu, ids[k]))
				continue;      /* -gi on several GPUs: those that have it */
			any = true;
			migctl_error_clear(&err);
			if (migctl_gpu_find_gi(gpu, ids[k])) {
				asked = true;
				rc = migctl_node_destroy_gi(&s->cli->node, gpu, ids[k], &err);
			}
			if (rc) {
				const char *t = asked ? smi_text(s, rc) : smi_plain_text(rc);
				printf("Unable to destroy GPU instance ID %2u from GPU %2u: %s\n", ids[k],
				       gpu->index, t);
				printf("Failed to destroy GPU instances: %s\n", t);
				return smi_exit(rc);
			}
			printf("Successfully destroyed GPU instance ID %2u from GPU %2u\n", ids[k],
			       gpu->index);
		}
	}
	if (!any) {
		printf("No GPU instances found: Not Found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	return 0;
}

int smi_do_dci(struct smi *s)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want;
	bool any_gi = false, any = false;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned gis[SMI_MAX_IDS];
		size_t n = smi_requested_gis(s, gpu, want, n_want, gis);
		for (size_t k = 0; k < n; k++) {
			struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, gis[k]);
			unsigned cis[SMI_MAX_IDS];
			size_t nc = 0;

			if (!gi && s->n_gpus > 1)
				continue;      /* -gi on several GPUs: those that have it */
			if (!gi) {
				printf("Unable to destroy compute instances from GPU %2u GPU instance ID %2u: %s\n",
				       gpu->index, gis[k], "Not Found");
				printf("Failed to destroy compute instances: %s\n", "Not Found");
				return smi_exit(MIGCTL_ERR_NOT_FOUND);
			}
			any_gi = true;
			if (s->ci_ids) {
				memcpy(cis, ci_want, n_ci_want * sizeof(ci_want[0]));
				nc = n_ci_want;
			} else {
				for (size_t c = 0; c < gi->n_cis; c++)
					cis[nc++] = gi->cis[c].id;
				for (size_t a = 1; a < nc; a++)
					for (size_t b = a; b > 0 && cis[b - 1] > cis[b]; b--) {
						unsigned t = cis[b];
						cis[b] = cis[b - 1];
						cis[b - 1] = t;
					}
			}
			for (size_t c = 0; c < nc; c++) {
				struct migctl_error err;
				enum migctl_err rc = MIGCTL_ERR_NOT_FOUND;
				bool asked = false;

				any = true;
				gi = migctl_gpu_find_gi(gpu, gis[k]);
				migctl_error_clear(&err);
				if (gi && migctl_gi_find_ci(gi, cis[c])) {
					asked = true;
					rc = migctl_node_destroy_ci(&s->cli->node, gpu, gis[k], cis[c],
								    &err);
				}
				if (rc) {
					const char *t = asked ? smi_text(s, rc) : smi_plain_text(rc);
					printf("Unable to destroy compute instance ID %2u from GPU %2u GPU instance ID %2u: %s\n",
					       cis[c], gpu->index, gis[k], t);
					printf("Failed to destroy compute instances: %s\n", t);
					return smi_exit(rc);
				}
				printf("Successfully destroyed compute instance ID %2u from GPU %2u GPU instance ID %2u\n",
				       cis[c], gpu->index, gis[k]);
			}
		}
	}
	if (!any_gi) {
		printf("No GPU instances found: Not Found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	if (!any) {
		printf("No compute instances found: Not Found\n");
		return smi_exit(MIGCTL_ERR_NOT_FOUND);
	}
	return 0;
}
