/* migctl — the DEVICE argument of `migctl run -d`: parsing its four forms
 * and finding the MIG device it names on a node (include/migctl/migdev.h). */
#include "migctl/migdev.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/suggest.h"

#define FORMS "give GPU:MIG ('0:1', see 'migctl list'), a MIG UUID ('MIG-…'), " \
	"a legacy 'MIG-GPU-<uuid>/<gi>/<ci>' or a profile name ('1g.10gb')"

/* A decimal number below 2^16 filling [s, end); false otherwise. The
 * bound keeps "0:99999999999" from wrapping into a valid index. */
static bool parse_small(const char *s, const char *end, unsigned *out)
{
	unsigned long v = 0;

	if (s == end || end - s > 5)
		return false;
	for (const char *p = s; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Letters, digits and '-' only: what a UUID is made of. */
static bool uuid_chars(const char *s, const char *end)
{
	if (s == end)
		return false;
	for (const char *p = s; p < end; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

/* "MIG-GPU-<uuid>/<gi>/<ci>" after its "MIG-" prefix. */
static enum migctl_err parse_legacy(const char *text, struct migctl_migdev_spec *out,
				    struct migctl_error *err)
{
	const char *gpu = text + 4;               /* "GPU-…" */
	const char *s1 = strchr(gpu, '/');
	const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	if (!s1 || !s2 || !uuid_chars(gpu + 4, s1) || (size_t)(s1 - gpu) >= sizeof(out->text) ||
	    !parse_small(s1 + 1, s2, &out->gi) || !parse_small(s2 + 1, s2 + 1 + strlen(s2 + 1), &out->ci))
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "device '%s': a legacy MIG name is MIG-GPU-<uuid>/<gi>/<ci> "
				   "(as in MIG-GPU-9d676d4a-1a5a-e5e0-f4a0-ab9bc8d406e5/2/0)", text);
	out->form = MIGCTL_MIGDEV_LEGACY;
	memcpy(out->text, gpu, (size_t)(s1 - gpu));
	out->text[s1 - gpu] = '\0';
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_migdev_parse(const char *text, struct migctl_migdev_spec *out,
				    struct migctl_error *err)
{
	size_t len = strlen(text);
	const char *colon = strchr(text, ':');

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "empty device; %s", FORMS);
	if (len >= sizeof(out->text))
		return migctl_fail(err, MIGCTL_ERR_USAGE, "device '%.40s…' is too long; %s", text, FORMS);
	if (strncasecmp(text, "MIG-GPU-", 8) == 0)
		return parse_legacy(text, out, err);
	if (strncasecmp(text, "MIG-", 4) == 0) {
		if (!uuid_chars(text + 4, text + len))
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "device '%s' is no MIG UUID (letters, digits and '-' "
					   "after 'MIG-'); %s", text, FORMS);
		out->form = MIGCTL_MIGDEV_UUID;
		memcpy(out->text, text, len + 1);
		return MIGCTL_ERR_OK;
	}
	if (colon) {
		if (!parse_small(text, colon, &out->gpu) ||
		    !parse_small(colon + 1, text + len, &out->mig))
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "device '%s': GPU:MIG takes two indices, as in '0:1'", text);
		out->form = MIGCTL_MIGDEV_INDEX;
		return MIGCTL_ERR_OK;
	}
	if (isdigit((unsigned char)text[0]) && strspn(text, "0123456789") == len)
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "device '%s' names a whole GPU; migctl run takes a MIG device: "
				   "add its MIG index ('%s:0'), or %s", text, text, FORMS);
	for (const char *p = text; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".+-_", *p))
			return migctl_fail(err, MIGCTL_ERR_USAGE, "device '%s' is none of the forms; %s",
					   text, FORMS);
	out->form = MIGCTL_MIGDEV_PROFILE;
	memcpy(out->text, text, len + 1);
	return MIGCTL_ERR_OK;
}

/* --- resolving ------------------------------------------------------------ */

size_t migctl_gpu_mig_devices(struct migctl_gpu_state *gpu, struct migctl_migdev_ref *out,
			      size_t cap)
{
	size_t n = 0;

	for (size_t g = 0; g < gpu->n_gis; g++)
		for (size_t c = 0; c < gpu->gis[g].n_cis && n < cap; c++)
			out[n++] = (struct migctl_migdev_ref){gpu, &gpu->gis[g], &gpu->gis[g].cis[c]};
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1].ci->mig_index > out[j].ci->mig_index; j--) {
			struct migctl_migdev_ref t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

#define MAX_DEVS MIGCTL_GPU_MAX_MIG_DEVICES

/* "0:0 (MIG-…), 0:1 (MIG-…)" or "none", for not-found messages. */
static void list_devices(struct migctl_node *node, char *buf, size_t len)
{
	struct migctl_migdev_ref devs[MAX_DEVS];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t g = 0; g < node->n_gpus; g++) {
		size_t n = migctl_gpu_mig_devices(&node->gpus[g], devs, MAX_DEVS);
		for (size_t i = 0; i < n && used < len; i++) {
			int w = snprintf(buf + used, len - used, "%s%u:%u (%s)", used ? ", " : "",
					 node->gpus[g].index, devs[i].ci->mig_index, devs[i].ci->uuid);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	if (!buf[0])
		snprintf(buf, len, "none; create one with 'migctl create'");
}

static enum migctl_err not_found(struct migctl_node *node, const char *text,
				 struct migctl_error *err)
{
	char list[400];

	list_devices(node, list, sizeof(list));
	return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
			   "no MIG device '%s' on this node; MIG devices: %s", text, list);
}

/* Whether `name` is a GI or CI profile of any GPU (live or catalog). */
static bool known_profile(const struct migctl_node *node, const char *name,
			  struct mu_suggest *s)
{
	bool found = false;

	for (size_t g = 0; g < node->n_gpus; g++) {
		const struct migctl_gpu_model *m = &node->gpus[g].model;
		for (size_t i = 0; i < m->n_gi; i++) {
			mu_suggest_add(s, m->gi[i].name);
			found |= strcasecmp(m->gi[i].name, name) == 0;
			for (size_t c = 0; c < m->gi[i].n_ci; c++) {
				mu_suggest_add(s, m->gi[i].ci[c].name);
				found |= strcasecmp(m->gi[i].ci[c].name, name) == 0;
			}
		}
	}
	return found;
}

/* The first idle MIG device of a profile. */
static enum migctl_err by_profile(struct migctl_node *node, const char *name,
				  struct migctl_migdev_ref *out, struct migctl_error *err)
{
	struct migctl_migdev_ref devs[MAX_DEVS];
	struct mu_suggest s;
	size_t busy = 0;
	char hint[200];

	for (size_t g = 0; g < node->n_gpus; g++) {
		size_t n = migctl_gpu_mig_devices(&node->gpus[g], devs, MAX_DEVS);
		for (size_t i = 0; i < n; i++) {
			if (strcasecmp(devs[i].ci->profile_name, name) != 0)
				continue;
			if (devs[i].ci->n_procs == 0) {
				*out = devs[i];
				return MIGCTL_ERR_OK;
			}
			busy++;
		}
	}
	if (busy)
		return migctl_fail(err, MIGCTL_ERR_BUSY,
				   "every MIG device of profile %s is busy (%zu, each with processes); "
				   "wait for one, or name one by GPU:MIG or UUID", name, busy);
	mu_suggest_init(&s, name);
	if (!known_profile(node, name, &s)) {
		mu_suggest_format(&s, '\'', hint, sizeof(hint));
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "device '%s' is no MIG profile of these GPUs%s%s%s", name,
				   hint[0] ? "; did you mean " : "", hint, hint[0] ? "?" : "");
	}
	return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
			   "no MIG device of profile %s exists; create one with "
			   "'migctl create %s'", name, name);
}

/* The device a GPU:MIG, UUID or legacy spec names; NULL gpu when none. */
static void by_name(struct migctl_node *node, const struct migctl_migdev_spec *spec,
		    struct migctl_migdev_ref *out)
{
	struct migctl_migdev_ref devs[MAX_DEVS];

	for (size_t g = 0; g < node->n_gpus; g++) {
		struct migctl_gpu_state *gpu = &node->gpus[g];
		if (spec->form == MIGCTL_MIGDEV_INDEX && gpu->index != spec->gpu)
			continue;
		if (spec->form == MIGCTL_MIGDEV_LEGACY && strcasecmp(gpu->uuid, spec->text) != 0)
			continue;
		size_t n = migctl_gpu_mig_devices(gpu, devs, MAX_DEVS);
		for (size_t i = 0; i < n; i++) {
			const struct migctl_ci_state *ci = devs[i].ci;
			if ((spec->form == MIGCTL_MIGDEV_INDEX && ci->mig_index == spec->mig) ||
			    (spec->form == MIGCTL_MIGDEV_UUID && strcasecmp(ci->uuid, spec->text) == 0) ||
			    (spec->form == MIGCTL_MIGDEV_LEGACY && devs[i].gi->id == spec->gi &&
			     ci->id == spec->ci)) {
				*out = devs[i];
				return;
			}
		}
	}
}

enum migctl_err migctl_migdev_resolve(struct migctl_node *node, const char *text,
				      bool exclusive, struct migctl_migdev_ref *out,
				      struct migctl_error *err)
{
	struct migctl_migdev_spec spec;
	enum migctl_err rc;
	char pids[160];
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = migctl_migdev_parse(text, &spec, err)))
		return rc;
	if (spec.form == MIGCTL_MIGDEV_PROFILE)
		return by_profile(node, spec.text, out, err);
	by_name(node, &spec, out);
	if (!out->gpu)
		return not_found(node, text, err);
	if (!exclusive || out->ci->n_procs == 0)
		return MIGCTL_ERR_OK;
	pids[0] = '\0';
	for (size_t i = 0; i < out->gpu->n_procs && used < sizeof(pids); i++) {
		const struct migctl_process *p = &out->gpu->procs[i];
		if (p->gi != out->gi->id || p->ci != out->ci->id)
			continue;
		int w = snprintf(pids + used, sizeof(pids) - used, "%s%u", used ? ", " : "", p->pid);
		used += w > 0 ? (size_t)w : 0;
	}
	rc = migctl_fail(err, MIGCTL_ERR_BUSY,
			 "MIG device %u:%u (%s) is busy: processes %s run on it; run without "
			 "--exclusive to share it, or pick an idle one", out->gpu->index,
			 out->ci->mig_index, out->ci->uuid, pids);
	memset(out, 0, sizeof(*out));
	return rc;
}
