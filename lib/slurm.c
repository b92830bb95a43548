/* migctl — Slurm's view of a node's MIG layout (see migctl/slurm.h): the
 * gres.conf lines and Gres= of the live MIG devices, the TaskProlog's map
 * from GRES indices to MIG UUIDs, and the edit of a node's Gres= in
 * slurm.conf. */
#include "migctl/slurm.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migctl/geometry.h"
#include "migctl/planner.h"
#include "util/strbuf.h"

#define MARK "# migctl: "

void migctl_slurm_layout_init(struct migctl_slurm_layout *l)
{
	memset(l, 0, sizeof(*l));
}

void migctl_slurm_layout_release(struct migctl_slurm_layout *l)
{
	free(l->devs);
	migctl_slurm_layout_init(l);
}

/* --- the live layout -------------------------------------------------------- */

/* gres.conf order, the same for a live node and a plan: bigger slices
 * first (GI slices, CI slices, memory), then the type's name; within a
 * type by GPU, GI ID and CI ID. */
static int cmp_dev(const void *a, const void *b)
{
	const struct migctl_slurm_dev *x = a, *y = b;
	int t;

	if (x->gi_slices != y->gi_slices)
		return x->gi_slices > y->gi_slices ? -1 : 1;
	if (x->ci_slices != y->ci_slices)
		return x->ci_slices > y->ci_slices ? -1 : 1;
	if (x->memory_mib != y->memory_mib)
		return x->memory_mib > y->memory_mib ? -1 : 1;
	if ((t = strcmp(x->type, y->type)) != 0)
		return t;
	if (x->gpu != y->gpu)
		return x->gpu < y->gpu ? -1 : 1;
	if (x->gi != y->gi)
		return x->gi < y->gi ? -1 : 1;
	return x->ci < y->ci ? -1 : x->ci > y->ci;
}

static void sort_devs(struct migctl_slurm_layout *l)
{
	if (l->n)
		qsort(l->devs, l->n, sizeof(*l->devs), cmp_dev);
}

static enum migctl_err add_gpu(struct migctl_slurm_layout *l, const struct migctl_gpu_state *gpu,
			       const struct migctl_caps *caps, struct migctl_error *err)
{
	enum migctl_err rc;

	for (size_t a = 0; a < gpu->n_gis; a++)
		for (size_t b = 0; b < gpu->gis[a].n_cis; b++) {
			const struct migctl_gi_state *gi = &gpu->gis[a];
			const struct migctl_ci_state *ci = &gi->cis[b];
			struct migctl_slurm_dev *d = &l->devs[l->n];
			struct migctl_caps_node nodes[3];
			if ((rc = migctl_caps_mig_device(caps, gpu->minor, gi->id, ci->id, nodes, err)))
				return rc;
			snprintf(d->type, sizeof(d->type), "%s", ci->profile_name);
			for (char *c = d->type; *c; c++)
				if (*c == '+')
					*c = '.';
			snprintf(d->uuid, sizeof(d->uuid), "%s", ci->uuid);
			d->gpu = gpu->index;
			d->gi = gi->id;
			d->ci = ci->id;
			d->gi_slices = gi->profile ? gi->profile->compute_slices : 0;
			d->ci_slices = ci->placement.size ? ci->placement.size : d->gi_slices;
			d->memory_mib = gi->profile ? gi->profile->memory_mib : 0;
			for (size_t k = 0; k < 3; k++)
				snprintf(d->files[k], sizeof(d->files[k]), "%s", nodes[k].host_path);
			l->n++;
		}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_slurm_layout_of(struct migctl_gpu_state *const *gpus, size_t n,
				       const struct migctl_caps *caps,
				       struct migctl_slurm_layout *out, struct migctl_error *err)
{
	size_t cap = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;

	migctl_slurm_layout_release(out);
	for (size_t g = 0; g < n; g++)
		for (size_t a = 0; a < gpus[g]->n_gis; a++)
			cap += gpus[g]->gis[a].n_cis;
	if (!(out->devs = calloc(cap + 1, sizeof(*out->devs))))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t g = 0; g < n && !rc; g++)
		if (gpus[g]->mig_current)
			rc = add_gpu(out, gpus[g], caps, err);
	if (rc)
		migctl_slurm_layout_release(out);
	else
		sort_devs(out);
	return rc;
}

enum migctl_err migctl_slurm_gres(const struct migctl_slurm_layout *l, char *buf, size_t len,
				  struct migctl_error *err)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < l->n;) {
		size_t k = i;
		while (k < l->n && strcmp(l->devs[k].type, l->devs[i].type) == 0)
			k++;
		int w = snprintf(buf + used, len > used ? len - used : 0, "%sgpu:%s:%zu",
				 used ? "," : "", l->devs[i].type, k - i);
		if (w < 0 || (size_t)w >= (len > used ? len - used : 0))
			return migctl_fail(err, MIGCTL_ERR_USAGE, "the node's Gres= is longer than %zu bytes", len);
		used += (size_t)w;
		i = k;
	}
	return MIGCTL_ERR_OK;
}

char *migctl_slurm_gres_conf(const struct migctl_slurm_layout *l)
{
	struct mu_strbuf b = {0};

	mu_sb_printf(&b,
		"# gres.conf of this node's MIG devices, written by migctl slurm gres.\n"
		"# Jobs see them as indices in the order of the node's Gres= (migctl slurm\n"
		"# nodes), then of these lines; migctl slurm prolog maps an index to the\n"
		"# MIG UUID of the '# migctl:' comment above its line.\n"
		"# A Slurm built with NVML (a gpu_nvml plugin; Debian's has none) can\n"
		"# instead find the devices itself: 'AutoDetect=nvml' alone, the Gres=\n"
		"# types matching or within the names 'slurmd -G' prints, and no\n"
		"# migctl slurm prolog (it maps only lines written here).\n");
	for (size_t i = 0; i < l->n; i++) {
		const struct migctl_slurm_dev *d = &l->devs[i];
		mu_sb_printf(&b, MARK "%s gpu=%u gi=%u ci=%u\nName=gpu Type=%s MultipleFiles=%s,%s,%s\n",
			     d->uuid, d->gpu, d->gi, d->ci, d->type, d->files[0], d->files[1], d->files[2]);
	}
	if (b.oom) {
		mu_sb_release(&b);
		return NULL;
	}
	return mu_sb_take(&b);
}

/* --- gres.conf: Slurm's index order ---------------------------------------- */

struct gres_line {
	char type[MIGCTL_NAME_MAX];
	char uuid[96];                /* "" on a line migctl did not write */
	bool placed;
};

/* The next line of text[*pos, len) into [*s, *e) (no newline). */
static bool next_line(const char *text, size_t len, size_t *pos, const char **s, const char **e)
{
	if (*pos >= len)
		return false;
	*s = text + *pos;
	const char *nl = memchr(*s, '\n', len - *pos);
	*e = nl ? nl : text + len;
	*pos = (size_t)(*e - text) + (nl != NULL);
	return true;
}

/* The value of key `key` among the blank-separated words of [s, e), into
 * `out` (cut to fit); false when absent. Keys compare case-insensitively. */
static bool word_value(const char *s, const char *e, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	while (s < e) {
		while (s < e && isspace((unsigned char)*s))
			s++;
		const char *w = s;
		while (s < e && !isspace((unsigned char)*s))
			s++;
		if ((size_t)(s - w) > kl && strncasecmp(w, key, kl) == 0 && w[kl] == '=') {
			size_t n = (size_t)(s - w) - kl - 1;
			if (n >= len)
				n = len - 1;
			memcpy(out, w + kl + 1, n);
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

static enum migctl_err parse_gres_conf(const char *text, size_t len, struct gres_line **lines,
				       size_t *n, struct migctl_error *err)
{
	size_t pos = 0, cap = 0;
	const char *s, *e;
	char uuid[96] = "", name[16];

	*lines = NULL;
	*n = 0;
	while (next_line(text, len, &pos, &s, &e)) {
		while (s < e && isspace((unsigned char)*s))
			s++;
		if ((size_t)(e - s) > strlen(MARK) && memcmp(s, MARK, strlen(MARK)) == 0) {
			const char *u = s + strlen(MARK), *ue = u;
			while (ue < e && !isspace((unsigned char)*ue))
				ue++;
			size_t ul = (size_t)(ue - u) < sizeof(uuid) ? (size_t)(ue - u) : sizeof(uuid) - 1;
			memcpy(uuid, u, ul);
			uuid[ul] = '\0';
			continue;
		}
		const char *hash = memchr(s, '#', (size_t)(e - s));
		if (hash)
			e = hash;
		if (!word_value(s, e, "Name", name, sizeof(name)) || strcasecmp(name, "gpu") != 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			struct gres_line *grown = realloc(*lines, cap * sizeof(**lines));
			if (!grown) {
				free(*lines);
				*lines = NULL;
				return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
			}
			*lines = grown;
		}
		struct gres_line *g = &(*lines)[(*n)++];
		memset(g, 0, sizeof(*g));
		if (!word_value(s, e, "Type", g->type, sizeof(g->type)))
			g->type[0] = '\0';
		snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
		uuid[0] = '\0';
	}
	return MIGCTL_ERR_OK;
}

/* Reorder `lines` into Slurm's index order: types as `gres` lists them. */
static enum migctl_err slurm_order(struct gres_line *lines, size_t n, const char *gres,
				   struct gres_line **out, struct migctl_error *err)
{
	size_t k = 0;
	const char *p = gres ? gres : "";

	if (!(*out = calloc(n + 1, sizeof(**out))))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	while (*p) {
		const char *end = strchr(p, ',');
		size_t il = end ? (size_t)(end - p) : strlen(p);
		char item[MIGCTL_NAME_MAX + 32], type[MIGCTL_NAME_MAX];
		snprintf(item, sizeof(item), "%.*s", (int)(il < sizeof(item) ? il : sizeof(item) - 1), p);
		p += il + (end != NULL);
		/* gpu:TYPE[:COUNT]; an untyped gpu[:COUNT] orders nothing. */
		char *c1 = strchr(item, ':');
		if (strncasecmp(item, "gpu:", 4) != 0 || !c1)
			continue;
		char *c2 = strchr(c1 + 1, ':');
		snprintf(type, sizeof(type), "%.*s", (int)(c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)), c1 + 1);
		for (size_t i = 0; i < n; i++)
			if (!lines[i].placed && strcmp(lines[i].type, type) == 0) {
				lines[i].placed = true;
				(*out)[k++] = lines[i];
			}
	}
	for (size_t i = 0; i < n; i++)
		if (!lines[i].placed)
			(*out)[k++] = lines[i];
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_slurm_map(const char *gres_conf, size_t len, const char *gres,
				 const char *indices, char *out, size_t out_len,
				 struct migctl_error *err)
{
	struct gres_line *lines = NULL, *ordered = NULL;
	size_t n = 0, used = 0;
	enum migctl_err rc;
	const char *p = indices;

	if (out_len)
		out[0] = '\0';
	if ((rc = parse_gres_conf(gres_conf, len, &lines, &n, err)) ||
	    (rc = slurm_order(lines, n, gres, &ordered, err)))
		goto out;
	while (*p && !rc) {
		char *end;
		unsigned long lo, hi;
		if (!isdigit((unsigned char)*p)) {
			rc = migctl_fail(err, MIGCTL_ERR_PARSE, "bad GRES index list \"%s\"; Slurm gives numbers such as 0,2", indices);
			break;
		}
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-' && isdigit((unsigned char)end[1]))
			hi = strtoul(end + 1, &end, 10);
		if ((*end && *end != ',') || hi < lo || hi - lo > 1024) {
			rc = migctl_fail(err, MIGCTL_ERR_PARSE, "bad GRES index list \"%s\"; Slurm gives numbers such as 0,2", indices);
			break;
		}
		p = *end ? end + 1 : end;
		for (unsigned long i = lo; i <= hi && !rc; i++) {
			if (i >= n || !ordered[i].uuid[0]) {
				rc = migctl_fail(err, MIGCTL_ERR_PARSE,
						 "GRES index %lu is %s; rewrite gres.conf with 'migctl slurm gres' and reconfigure Slurm",
						 i, i >= n ? "beyond the gpu lines of gres.conf" : "on a gres.conf line migctl did not write");
				break;
			}
			int w = snprintf(out + used, out_len > used ? out_len - used : 0, "%s%s",
					 used ? "," : "", ordered[i].uuid);
			if (w < 0 || (size_t)w >= (out_len > used ? out_len - used : 0))
				rc = migctl_fail(err, MIGCTL_ERR_USAGE, "too many GRES indices for %zu bytes", out_len);
			else
				used += (size_t)w;
		}
	}
out:
	free(lines);
	free(ordered);
	if (rc && out_len)
		out[0] = '\0';
	return rc;
}

/* --- slurm.conf: a node's Gres= ------------------------------------------- */

/* Whether [s, e) is a NodeName= line naming `node`. */
static bool names_node(const char *s, const char *e, const char *node)
{
	char list[1024];
	const char *hash = memchr(s, '#', (size_t)(e - s));

	if (hash)
		e = hash;
	while (s < e && isspace((unsigned char)*s))
		s++;
	if ((size_t)(e - s) < 9 || strncasecmp(s, "NodeName=", 9) != 0)
		return false;
	if (!word_value(s, e, "NodeName", list, sizeof(list)))
		return false;
	for (char *t = list, *save = NULL; (t = strtok_r(t, ",", &save)); t = NULL)
		if (strcmp(t, node) == 0)
			return true;
	return false;
}

enum migctl_err migctl_slurm_conf_gres(const char *text, size_t len, const char *node,
				       char *gres, size_t gres_len, struct migctl_error *err)
{
	size_t pos = 0;
	const char *s, *e;

	while (next_line(text, len, &pos, &s, &e)) {
		if (!names_node(s, e, node))
			continue;
		const char *hash = memchr(s, '#', (size_t)(e - s));
		if (!word_value(s, hash ? hash : e, "Gres", gres, gres_len))
			gres[0] = '\0';
		return MIGCTL_ERR_OK;
	}
	return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
			   "slurm.conf has no NodeName line naming %s (host ranges are not expanded); add the node or set its Gres= by hand",
			   node);
}

/* One NodeName line with its Gres= set to `gres` ("" removes it): the
 * first Gres= word takes the value, later ones go (a line that names
 * Gres= twice reads back as the value); none yet, it goes after the last
 * word, before blanks and a comment. */
static void set_line(struct mu_strbuf *b, const char *s, const char *e, const char *gres)
{
	const char *hash = memchr(s, '#', (size_t)(e - s));
	const char *body_end = hash ? hash : e, *w = s, *copied = s;
	bool done = false;

	while (w < body_end) {
		const char *ws = w;
		while (w < body_end && isspace((unsigned char)*w))
			w++;
		const char *t = w;
		while (w < body_end && !isspace((unsigned char)*w))
			w++;
		if (w - t < 5 || strncasecmp(t, "Gres=", 5) != 0)
			continue;
		/* Drop the word with the blanks before it; the first one is
		 * written again with the new value. */
		mu_sb_append(b, copied, (size_t)(ws - copied));
		if (!done && *gres)
			mu_sb_printf(b, " Gres=%s", gres);
		done = true;
		copied = w;
	}
	if (done) {
		mu_sb_append(b, copied, (size_t)(e - copied));
		return;
	}
	const char *last = body_end;
	while (last > s && isspace((unsigned char)last[-1]))
		last--;
	mu_sb_append(b, s, (size_t)(last - s));
	if (*gres)
		mu_sb_printf(b, " Gres=%s", gres);
	mu_sb_append(b, last, (size_t)(e - last));
}

enum migctl_err migctl_slurm_conf_set_gres(const char *text, size_t len, const char *node,
					   const char *gres, char **out, struct migctl_error *err)
{
	struct mu_strbuf b = {0};
	size_t pos = 0;
	const char *s, *e;
	bool found = false;

	*out = NULL;
	while (next_line(text, len, &pos, &s, &e)) {
		if (names_node(s, e, node)) {
			found = true;
			set_line(&b, s, e, gres);
		} else {
			mu_sb_append(&b, s, (size_t)(e - s));
		}
		if (e < text + len)
			mu_sb_append(&b, "\n", 1);
	}
	if (!found) {
		mu_sb_release(&b);
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				   "slurm.conf has no NodeName line naming %s (host ranges are not expanded); add the node or set its Gres= by hand",
				   node);
	}
	if (b.oom) {
		mu_sb_release(&b);
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	}
	if (!b.p)
		mu_sb_append(&b, "", 0);
	*out = b.p ? mu_sb_take(&b) : strdup("");
	if (!*out)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	return MIGCTL_ERR_OK;
}

/* The value of the State= token of `scontrol show node` text: false when
 * there is none. */
static bool show_node_state(const char *text, size_t len, size_t *start, size_t *end)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		if (memcmp(text + i, "State=", 6) != 0 || (i && !isspace((unsigned char)text[i - 1])))
			continue;
		*start = *end = i + 6;
		while (*end < len && !isspace((unsigned char)text[*end]))
			(*end)++;
		return true;
	}
	return false;
}

static bool state_has(const char *text, size_t start, size_t end, const char *flag)
{
	size_t flen = strlen(flag);

	for (size_t k = start; k + flen <= end; k++)
		if (memcmp(text + k, flag, flen) == 0)
			return true;
	return false;
}

bool migctl_slurm_show_node_drained(const char *text, size_t len)
{
	size_t start, end;

	return show_node_state(text, len, &start, &end) && state_has(text, start, end, "DRAIN");
}

bool migctl_slurm_show_node_registered(const char *text, size_t len)
{
	size_t start, end;

	return show_node_state(text, len, &start, &end) && !state_has(text, start, end, "UNKNOWN") &&
	       !state_has(text, start, end, "NOT_RESPONDING");
}

bool migctl_slurm_show_node_gres(const char *text, size_t len, char *gres, size_t gres_len)
{
	for (size_t i = 0; i + 5 <= len; i++) {
		if (memcmp(text + i, "Gres=", 5) != 0 || (i && !isspace((unsigned char)text[i - 1])))
			continue;
		size_t e = i + 5;
		while (e < len && !isspace((unsigned char)text[e]))
			e++;
		if (e - i - 5 >= gres_len)
			return false;
		memcpy(gres, text + i + 5, e - i - 5);
		gres[e - i - 5] = '\0';
		/* "(null)" is what scontrol shows for none. */
		if (strcmp(gres, "(null)") == 0)
			gres[0] = '\0';
		return true;
	}
	return false;
}

/* --- a planned layout ------------------------------------------------------ */

/* The driver's static capability table (reference/nvml-mig.md §3): the
 * minors of gpu<g>/gi<i>/access and gpu<g>/gi<i>/ci<c>/access. */
static void static_minors(struct migctl_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->minors.config = 1;
	caps->minors.monitor = 2;
	for (unsigned g = 0; g < MIGCTL_CAPS_MAX_GPUS; g++)
		for (unsigned i = 0; i < MIGCTL_CAPS_MAX_GIS; i++) {
			caps->minors.gi[g][i] = (int)(3 + 135 * g + 9 * i);
			for (unsigned c = 0; c < MIGCTL_CAPS_MAX_CIS; c++)
				caps->minors.ci[g][i][c] = (int)(4 + 135 * g + 9 * i + c);
		}
}

enum migctl_err migctl_slurm_plan_layout(const struct migctl_plan *plan, size_t first, size_t n,
					 struct migctl_slurm_layout *out, struct migctl_error *err)
{
	struct migctl_caps *caps = malloc(sizeof(*caps));
	enum migctl_err rc = MIGCTL_ERR_OK;
	size_t cap = 0;

	migctl_slurm_layout_release(out);
	if (first > plan->n_gpus || n > plan->n_gpus - first)
		n = 0;
	for (size_t g = first; g < first + n; g++)
		cap += plan->gpus[g].n_instances;
	if (!caps || !(out->devs = calloc(cap + 1, sizeof(*out->devs)))) {
		free(caps);
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	}
	static_minors(caps);
	for (size_t g = 0; g < n && !rc; g++) {
		const struct migctl_plan_gpu *gp = &plan->gpus[first + g];
		for (size_t i = 0; i < gp->n_instances && !rc; i++) {
			const struct migctl_plan_instance *in = &gp->instances[i];
			struct migctl_slurm_dev *d = &out->devs[out->n];
			struct migctl_caps_node nodes[3];
			int gi = migctl_gi_id(gp->model->units, in->placement, MIGCTL_GI_ID_IDENTITY);
			if (gi < 0) {
				rc = migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT, "planned placement %u:%u has no GI ID",
						 in->placement.start, in->placement.size);
				break;
			}
			if ((rc = migctl_caps_mig_device(caps, (unsigned)g, (unsigned)gi, 0, nodes, err)))
				break;
			snprintf(d->type, sizeof(d->type), "%s", gp->model->gi[in->profile].name);
			for (char *c = d->type; *c; c++)
				if (*c == '+')
					*c = '.';
			d->gpu = (unsigned)g;
			d->gi = (unsigned)gi;
			d->ci = 0;
			d->gi_slices = gp->model->gi[in->profile].compute_slices;
			d->ci_slices = d->gi_slices;
			d->memory_mib = gp->model->gi[in->profile].memory_mib;
			for (size_t k = 0; k < 3; k++)
				snprintf(d->files[k], sizeof(d->files[k]), "%s", nodes[k].path);
			out->n++;
		}
	}
	free(caps);
	if (rc)
		migctl_slurm_layout_release(out);
	else
		sort_devs(out);
	return rc;
}
