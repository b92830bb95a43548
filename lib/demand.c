/* migctl — demand lists and demand files for the planner (see
 * include/migctl/demand.h). The file is walked through the shared YAML
 * reader (util/yaml_read.h). */
#include "migctl/demand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "util/list.h"
#include "util/yaml_read.h"

void migctl_demand_init(struct migctl_demand *d)
{
	memset(d, 0, sizeof(*d));
}

void migctl_demand_release(struct migctl_demand *d)
{
	for (size_t i = 0; i < d->n; i++)
		free((char *)d->items[i].profile);
	migctl_demand_init(d);
}

static enum migctl_err add(struct migctl_demand *d, const char *profile, unsigned count,
			   const struct migctl_gpu_model *model, unsigned long line,
			   struct migctl_error *err)
{
	if (d->n == MIGCTL_DEMAND_MAX)
		return migctl_fail(err, MIGCTL_ERR_USAGE, "more than %d demand items",
				   MIGCTL_DEMAND_MAX);
	char *copy = strdup(profile);
	if (!copy)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	d->lines[d->n] = line;
	d->items[d->n++] = (struct migctl_plan_demand){
		.profile = copy, .count = count, .model = model};
	return MIGCTL_ERR_OK;
}

static const struct migctl_gpu_model *find_model(const struct migctl_catalog *cat,
						 const char *name, struct migctl_error *err)
{
	if (!cat) {
		migctl_fail(err, MIGCTL_ERR_UNKNOWN_MODEL,
			    "unknown GPU model \"%s\": no catalog to look it up in", name);
		return NULL;
	}
	return migctl_catalog_find_model(cat, name, err);
}

/* --- --demand PROFILE=N,MODEL/PROFILE=N ----------------------------------- */

enum migctl_err migctl_demand_parse_list(struct migctl_demand *d, const char *list,
					 const struct migctl_catalog *cat,
					 struct migctl_error *err)
{
	char item[MIGCTL_NAME_MAX * 3];
	const char *s = list;
	enum mu_list_item r;
	enum migctl_err rc;

	while ((r = mu_list_next(&s, item, sizeof(item))) != MU_LIST_END) {
		const struct migctl_gpu_model *model = NULL;
		char given[sizeof(item)];
		unsigned count;
		char *eq, *slash, *prof = item;

		if (r != MU_LIST_ITEM)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "--demand: empty or overlong item in \"%s\"; write PROFILE=N,PROFILE=N",
					   list);
		memcpy(given, item, sizeof(given));
		eq = strrchr(item, '=');
		if (eq) {
			*eq = '\0';
			mu_trim(item);
			mu_trim(eq + 1);
		}
		slash = strrchr(item, '/');
		if (slash) {
			*slash = '\0';
			prof = slash + 1;
			mu_trim(item);
			mu_trim(prof);
		}
		if (!eq || !prof[0] || (slash && !item[0]) ||
		    !mu_parse_count(eq + 1, MIGCTL_PLAN_MAX_COUNT, &count))
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "--demand: bad item \"%s\"; write PROFILE=N (e.g. 1g.10gb=13) or MODEL/PROFILE=N, N a count up to %u",
					   given, MIGCTL_PLAN_MAX_COUNT);
		if (slash && !(model = find_model(cat, item, err)))
			return err ? err->code : MIGCTL_ERR_UNKNOWN_MODEL;
		if ((rc = add(d, prof, count, model, 0, err)))
			return rc == MIGCTL_ERR_USAGE
				? migctl_fail(err, rc, "--demand: more than %d demand items",
					      MIGCTL_DEMAND_MAX)
				: rc;
	}
	return MIGCTL_ERR_OK;
}

/* --- demand files -------------------------------------------------------- */

struct dfile {
	struct migctl_demand *d;
	struct mu_yaml *y;
	const struct migctl_catalog *cat;
};

/* Keys of a mapping: plain names, each once. */
static enum migctl_err check_map(struct dfile *f, const yaml_node_t *map, const char *what)
{
	yaml_node_t *k;

	switch (mu_yaml_check_keys(f->y, map, NULL, &k)) {
	case MU_YAML_KEYS_OK:
	case MU_YAML_KEY_UNKNOWN:
		return MIGCTL_ERR_OK;
	case MU_YAML_KEY_NOT_TEXT:
	case MU_YAML_KEY_EMPTY:
		return mu_yaml_fail(f->y, k ? k : map, "%s: keys must be plain names", what);
	case MU_YAML_KEY_DUPLICATE:
		break;
	}
	return mu_yaml_fail(f->y, k, "duplicate key \"%s\" in %s", mu_yaml_text(k), what);
}

/* PROFILE: N pairs of `map` (for `model`, or NULL) into the demand. */
static enum migctl_err file_profiles(struct dfile *f, const yaml_node_t *map,
				     const struct migctl_gpu_model *model, const char *what)
{
	enum migctl_err rc;

	if ((rc = check_map(f, map, what)))
		return rc;
	for (size_t i = 0; i < mu_yaml_map_len(map); i++) {
		yaml_node_t *k = mu_yaml_map_key(f->y, map, i);
		yaml_node_t *v = mu_yaml_map_value(f->y, map, i);
		const char *key = mu_yaml_text(k);
		bool scalar = v && v->type == YAML_SCALAR_NODE;
		unsigned count;

		if (v && v->type == YAML_MAPPING_NODE && !model) {
			struct migctl_error merr = {0};
			char sub[MIGCTL_NAME_MAX + 40];
			const struct migctl_gpu_model *m = find_model(f->cat, key, &merr);
			if (!m)
				return mu_yaml_fail_code(f->y, merr.code, k, "%s", merr.msg);
			snprintf(sub, sizeof(sub), "the demand for %s", m->name);
			if ((rc = file_profiles(f, v, m, sub)))
				return rc;
			continue;
		}
		if (!scalar || mu_yaml_has_nul(v) ||
		    !mu_parse_count(mu_yaml_text(v), MIGCTL_PLAN_MAX_COUNT, &count))
			return mu_yaml_fail(f->y, v ? v : k,
					    "the count of \"%s\" in %s must be a whole number up to %u%s, not %s%s%s",
					    key, what, MIGCTL_PLAN_MAX_COUNT,
					    model ? "" : " (or a mapping of profiles to counts, when the key is a model)",
					    scalar ? "\"" : "", scalar ? mu_yaml_text(v) : mu_yaml_kind(v),
					    scalar ? "\"" : "");
		if ((rc = add(f->d, key, count, model, mu_yaml_line(k), f->y->err)))
			return rc == MIGCTL_ERR_USAGE ? mu_yaml_fail(f->y, k, "%s", f->y->err->msg) : rc;
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_demand_parse(struct migctl_demand *d, const char *origin,
				    const char *text, size_t len,
				    const struct migctl_catalog *cat,
				    struct migctl_error *err)
{
	struct mu_yaml y;
	struct dfile f = {.d = d, .y = &y, .cat = cat};
	yaml_node_t *root, *dem = NULL;
	enum migctl_err rc;

	if ((rc = mu_yaml_load(&y, origin, text, len, MIGCTL_ERR_PARSE, false, err)))
		return rc;
	root = mu_yaml_root(&y);
	if (!root || root->type != YAML_MAPPING_NODE) {
		rc = mu_yaml_fail(&y, root,
				  "the file must be a mapping with the key \"demand\", e.g. demand: {1g.10gb: 13}, not %s",
				  mu_yaml_kind(root));
		goto out;
	}
	if ((rc = check_map(&f, root, "the file")))
		goto out;
	for (size_t i = 0; i < mu_yaml_map_len(root); i++) {
		yaml_node_t *k = mu_yaml_map_key(&y, root, i);
		if (strcmp(mu_yaml_text(k), "demand") != 0) {
			rc = mu_yaml_fail(&y, k,
					  "unknown key \"%s\"; the file has only \"demand\" (see 'migctl plan --help')",
					  mu_yaml_text(k));
			goto out;
		}
		dem = mu_yaml_map_value(&y, root, i);
	}
	if (!dem) {
		rc = mu_yaml_fail(&y, root, "the key \"demand\" is missing, e.g. demand: {1g.10gb: 13}");
		goto out;
	}
	if (dem->type != YAML_MAPPING_NODE || mu_yaml_map_len(dem) == 0) {
		rc = mu_yaml_fail(&y, dem,
				  "\"demand\" must be a mapping of profiles to counts, e.g. {1g.10gb: 13}, not %s",
				  dem->type == YAML_MAPPING_NODE ? "an empty one" : mu_yaml_kind(dem));
		goto out;
	}
	rc = file_profiles(&f, dem, NULL, "the demand");
out:
	mu_yaml_release(&y);
	return rc;
}

enum migctl_err migctl_demand_load_file(struct migctl_demand *d, const char *path,
					const struct migctl_catalog *cat,
					struct migctl_error *err)
{
	char *text = NULL;
	size_t len = 0;
	enum migctl_err rc;

	if ((rc = mu_file_read(path, "demand file", 0, &text, &len, err)))
		return rc;
	rc = migctl_demand_parse(d, mu_file_origin(path), text, len, cat, err);
	free(text);
	return rc;
}
