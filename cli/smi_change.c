/* migctl smi — nvidia-smi's changing actions: mig -cgi (with -C), -cci,
 * -dgi and -dci, and -r (--gpu-reset), with nvidia-smi's messages and exit
 * codes (the parsing and the read-only actions are in cli/smi.c). */
#include <stdlib.h>
#include <string.h>

#include "smi.h"

/* --- creating and destroying ----------------------------------------------------- */

/* One item of a -cgi / -cci list: "9", "3g.40gb", "MIG 3g.40gb", each
 * optionally ":START". Returns false for an empty item. */
struct item {
	char text[MIGCTL_NAME_MAX + 16];   /* as typed, without ":START" */
	char raw[MIGCTL_NAME_MAX + 40];    /* as typed, with it */
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
	snprintf(it->raw, sizeof(it->raw), "%s", buf);
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

/* `as`: how a failure names the profile (-cci says "default"; NULL: its
 * ID). */
static int create_default_ci(struct smi *s, struct migctl_gpu_state *gpu, unsigned gi_id,
			     unsigned gi_profile_id, const char *as)
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
		char id[16];
		snprintf(id, sizeof(id), "%u", cp_id);
		printf("Unable to create a compute instance on GPU %2u GPU instance ID %2u using profile %s: %s\n",
		       gpu->index, gi_id, as ? as : id, t);
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

			if (!next_item(&p, &it) && !it.has_start) {
				if (done)
					break;
				continue; /* nvidia-smi skips empty items */
			}
			if (it.bad_start || !it.text[0])
				return cgi_fail(s, gpu, it.raw, MIGCTL_ERR_USAGE, false);
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
				return cgi_fail(s, gpu, it.raw, MIGCTL_ERR_UNKNOWN_PROFILE, false);
			}
			pl.start = it.start;
			migctl_error_clear(&err);
			rc = migctl_node_create_gi(&s->cli->node, gpu, profile_id,
						   it.has_start ? &pl : NULL, &gi_id, &err);
			if (rc)
				return cgi_fail(s, gpu, it.raw, rc, true);
			printf("Successfully created GPU instance ID %2u on GPU %2u using profile MIG %s (ID %2u)\n",
			       gi_id, gpu->index, name, profile_id);
			if (s->create_ci) {
				int r = create_default_ci(s, gpu, gi_id, profile_id, NULL);
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
	if (!smi_count_targets(s, want, n_want, NULL, 0, NULL))
		return smi_no_gis();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned ids[MIGCTL_NODE_MAX_GIS];
		size_t n = smi_target_gis(s, gpu, want, n_want, ids);

		for (size_t k = 0; k < n; k++) {
			struct migctl_gi_state *gi = migctl_gpu_find_gi(gpu, ids[k]);
			unsigned gi_id = ids[k];
			const char *p = s->cci;

			if (!s->cci) {
				int r = create_default_ci(s, gpu, gi_id, gi->profile_id, "default");
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

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	if (!smi_count_targets(s, want, n_want, NULL, 0, NULL))
		return smi_no_gis();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned ids[MIGCTL_NODE_MAX_GIS];
		size_t n = smi_target_gis(s, gpu, want, n_want, ids);

		for (size_t k = 0; k < n; k++) {
			struct migctl_error err;
			enum migctl_err rc;

			migctl_error_clear(&err);
			rc = migctl_node_destroy_gi(&s->cli->node, gpu, ids[k], &err);
			if (rc) {
				const char *t = smi_text(s, rc);
				printf("Unable to destroy GPU instance ID %2u from GPU %2u: %s\n", ids[k],
				       gpu->index, t);
				printf("Failed to destroy GPU instances: %s\n", t);
				return smi_exit(rc);
			}
			printf("Successfully destroyed GPU instance ID %2u from GPU %2u\n", ids[k],
			       gpu->index);
		}
	}
	return 0;
}

int smi_do_dci(struct smi *s)
{
	unsigned want[SMI_MAX_IDS], ci_want[SMI_MAX_IDS];
	size_t n_want, n_ci_want;
	size_t n_gis = 0;

	if (smi_parse_gi_ci_ids(s, want, &n_want, ci_want, &n_ci_want))
		return smi_bad_usage();
	if (!smi_count_targets(s, want, n_want, ci_want, n_ci_want, &n_gis))
		return n_gis ? smi_no_cis() : smi_no_gis();
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		unsigned gis[MIGCTL_NODE_MAX_GIS];
		size_t n = smi_target_gis(s, gpu, want, n_want, gis);

		for (size_t k = 0; k < n; k++) {
			unsigned cis[MIGCTL_NODE_MAX_CIS];
			size_t nc = smi_target_cis(s, migctl_gpu_find_gi(gpu, gis[k]), ci_want, n_ci_want, cis);

			for (size_t c = 0; c < nc; c++) {
				struct migctl_error err;
				enum migctl_err rc;

				migctl_error_clear(&err);
				rc = migctl_node_destroy_ci(&s->cli->node, gpu, gis[k], cis[c], &err);
				if (rc) {
					const char *t = smi_text(s, rc);
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
	return 0;
}

/* -r, --gpu-reset: the GPUs -i names, all without -i. Only the simulator
 * resets here (its own reset, as `migsim reset`); on a real driver the
 * reset is NVIDIA's nvidia-smi's to do. Messages are those of NVIDIA's
 * binary (its strings; it cannot reset a simulated GPU itself: it needs
 * calls and a private reset path that the simulator lacks). */
int smi_do_reset(struct smi *s)
{
	if (!s->cli->node.simulated) {
		fprintf(stderr, "%s: this nvidia-smi is migctl's personality and does not reset GPUs on a real driver; run NVIDIA's nvidia-smi --gpu-reset -i <GPU> as root\n",
			s->cli->prog);
		return smi_exit(MIGCTL_ERR_NOT_SUPPORTED);
	}
	for (size_t i = 0; i < s->n_gpus; i++) {
		struct migctl_gpu_state *gpu = s->gpus[i];
		struct migctl_error err;
		enum migctl_err rc;
		char bus[sizeof(gpu->bus_id)];

		snprintf(bus, sizeof(bus), "%s", gpu->bus_id);
		migctl_error_clear(&err);
		rc = migctl_node_reset_gpu(&s->cli->node, gpu, &err);
		if (rc == MIGCTL_ERR_BUSY) {
			printf("GPU %s is currently in use by another process.\n\n", bus);
			printf("1 device is currently being used by one or more other processes (e.g., Fabric Manager, CUDA application, graphics application such as an X server, or a monitoring application such as another instance of nvidia-smi). Please first kill all processes using this device and all compute applications running in the system.\n");
			return smi_exit(rc);
		}
		if (rc) {
			printf("Error encountered during reset of GPU %s: %s\n", bus, smi_text(s, rc));
			return smi_exit(rc);
		}
		printf("GPU %s was successfully reset.\n", bus);
	}
	printf("All done.\n");
	return 0;
}
