/* migctl — nvidia-mig-parted hooks files (`version: v1`, `hooks:`):
 * parsing into commands per hook point. Running them is the caller's job.
 */
#include "migctl/config.h"

#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "util/file.h"

/* Limits that keep hostile input bounded; real files stay far below. */
#define MAX_HOOK_COMMANDS 256
#define MAX_HOOK_ITEMS 256

static const char *const hook_names[MIGCTL_HOOK_POINTS] = {
	"apply-start", "pre-apply-mode", "pre-apply-config", "apply-exit",
};

const char *migctl_hook_point_name(enum migctl_hook_point p)
{
	return (unsigned)p < MIGCTL_HOOK_POINTS ? hook_names[p] : "unknown";
}

static void command_release(struct migctl_hook_command *h)
{
	free(h->command);
	for (size_t i = 0; i < h->n_args; i++)
		free(h->args[i]);
	free(h->args);
	for (size_t i = 0; i < h->n_envs; i++) {
		free(h->envs[i].name);
		free(h->envs[i].value);
	}
	free(h->envs);
	free(h->workdir);
	memset(h, 0, sizeof(*h));
}

void migctl_hooks_init(struct migctl_hooks *hooks)
{
	memset(hooks, 0, sizeof(*hooks));
}

void migctl_hooks_release(struct migctl_hooks *hooks)
{
	for (int p = 0; p < MIGCTL_HOOK_POINTS; p++) {
		for (size_t i = 0; i < hooks->n_commands[p]; i++)
			command_release(&hooks->commands[p][i]);
		free(hooks->commands[p]);
	}
	memset(hooks, 0, sizeof(*hooks));
}

static enum migctl_err dup_text(struct cfg_ctx *c, yaml_node_t *n, const char *what,
				bool nonempty, char **out)
{
	enum migctl_err rc = migctl_cfg_text(c, n, what);

	if (rc)
		return rc;
	if (nonempty && n->data.scalar.length == 0)
		return fail_at(c, n, "%s must not be empty", what);
	*out = strdup(sval(n));
	if (!*out)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_hook_command(struct cfg_ctx *c, yaml_node_t *n,
					  struct migctl_hook_command *h)
{
	static const char *const allowed[] = {"command", "args", "envs", "workdir", NULL};
	yaml_node_t *v;
	enum migctl_err rc;

	h->line = line_of(n);
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(c, n, "each hook must be a mapping with 'command', not %s",
			       node_kind(n));
	if ((rc = migctl_cfg_check_keys(c, n, allowed, "a hook takes command, args, envs and workdir")))
		return rc;
	v = map_get(c, n, "command", NULL);
	if (is_null(v))
		return fail_at(c, n, "missing required field: command; name the program to run, e.g. \"command: /bin/bash\"");
	if ((rc = dup_text(c, v, "'command'", true, &h->command)))
		return rc;
	v = map_get(c, n, "args", NULL);
	if (v && !is_null(v)) {
		if (v->type != YAML_SEQUENCE_NODE)
			return fail_at(c, v, "'args' must be a list of strings, not %s", node_kind(v));
		if (seq_len(v) > MAX_HOOK_ITEMS)
			return fail_at(c, v, "'args' has more than %d items", MAX_HOOK_ITEMS);
		if ((rc = migctl_cfg_spend(c, v, seq_len(v))))
			return rc;
		h->args = calloc(seq_len(v) + 1, sizeof(*h->args));
		if (!h->args)
			return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
		for (size_t i = 0; i < seq_len(v); i++) {
			if ((rc = dup_text(c, seq_item(c, v, i), "an item of 'args'", false,
					   &h->args[i])))
				return rc;
			h->n_args++;
		}
	}
	v = map_get(c, n, "envs", NULL);
	if (v && !is_null(v)) {
		if (v->type != YAML_MAPPING_NODE)
			return fail_at(c, v, "'envs' must be a mapping of NAME: value, not %s",
				       node_kind(v));
		if (map_len(v) > MAX_HOOK_ITEMS)
			return fail_at(c, v, "'envs' has more than %d items", MAX_HOOK_ITEMS);
		if ((rc = migctl_cfg_spend(c, v, map_len(v))))
			return rc;
		h->envs = calloc(map_len(v) + 1, sizeof(*h->envs));
		if (!h->envs)
			return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
		for (size_t i = 0; i < map_len(v); i++) {
			yaml_node_t *k = mu_yaml_map_key(c->y, v, i);
			struct migctl_hook_env *e = &h->envs[h->n_envs];
			if ((rc = migctl_cfg_text(c, k, "an environment variable name")))
				return rc;
			if (k->data.scalar.length == 0 || strchr(sval(k), '='))
				return fail_at(c, k, "environment variable name \"%s\" must be non-empty and without '='",
					       sval(k));
			for (size_t j = 0; j < h->n_envs; j++)
				if (strcmp(h->envs[j].name, sval(k)) == 0)
					return fail_at(c, k, "environment variable %s is set twice; keep one",
						       sval(k));
			h->n_envs++;
			if ((rc = dup_text(c, k, "an environment variable name", true, &e->name)) ||
			    (rc = dup_text(c, mu_yaml_map_value(c->y, v, i),
					   "an environment variable value", false, &e->value)))
				return rc;
		}
	}
	v = map_get(c, n, "workdir", NULL);
	if (v && !is_null(v) && (rc = dup_text(c, v, "'workdir'", true, &h->workdir)))
		return rc;
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_hook_list(struct cfg_ctx *c, yaml_node_t *k, yaml_node_t *v,
				       struct migctl_hooks *tmp, bool *seen)
{
	enum migctl_err rc;
	int point = -1;

	if ((rc = migctl_cfg_text(c, k, "a hook name")))
		return rc;
	for (int p = 0; p < MIGCTL_HOOK_POINTS; p++)
		if (strcmp(sval(k), hook_names[p]) == 0)
			point = p;
	if (point < 0)
		return fail_at(c, k, "unknown hook \"%s\"; the hooks are apply-start, pre-apply-mode, pre-apply-config and apply-exit",
			       sval(k));
	if (seen[point])
		return fail_at(c, k, "duplicate key \"%s\"; list all its commands under one key",
			       sval(k));
	seen[point] = true;
	if (is_null(v))
		return MIGCTL_ERR_OK;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail_at(c, v, "hook %s must be a list of commands (\"- command: ...\"), not %s",
			       sval(k), node_kind(v));
	if (seq_len(v) > MAX_HOOK_COMMANDS)
		return fail_at(c, v, "hook %s has more than %d commands", sval(k), MAX_HOOK_COMMANDS);
	if ((rc = migctl_cfg_spend(c, v, seq_len(v))))
		return rc;
	tmp->commands[point] = calloc(seq_len(v) + 1, sizeof(**tmp->commands));
	if (!tmp->commands[point])
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	for (size_t i = 0; i < seq_len(v); i++) {
		tmp->n_commands[point]++;
		if ((rc = parse_hook_command(c, seq_item(c, v, i), &tmp->commands[point][i])))
			return rc;
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_hooks_parse(struct migctl_hooks *hooks,
				   const char *origin, const char *text,
				   size_t len, struct migctl_error *err)
{
	static const char *const top_keys[] = {"version", "hooks", NULL};
	struct mu_yaml y;
	struct cfg_ctx c = {.y = &y, .origin = origin, .err = err};
	struct migctl_hooks tmp;
	yaml_node_t *root, *v;
	enum migctl_err rc;

	migctl_hooks_release(hooks);
	migctl_hooks_init(&tmp);
	if ((rc = mu_yaml_load(&y, origin, text, len, MIGCTL_ERR_PARSE, true, err)))
		return rc;
	root = mu_yaml_root(&y);
	if (!root || is_null(root)) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE,
				 "%s:1: empty hooks file: unable to parse with missing 'version' field; start with \"version: v1\" and \"hooks:\"",
				 origin);
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = fail_at(&c, root, "a hooks file must be a mapping with \"version: v1\" and \"hooks:\", not %s",
			     node_kind(root));
		goto out;
	}
	if ((rc = migctl_cfg_check_keys(&c, root, top_keys, "a hooks file takes version and hooks")) ||
	    (rc = migctl_cfg_check_version(&c, root)))
		goto out;
	v = map_get(&c, root, "hooks", NULL);
	if (v && !is_null(v)) {
		if (v->type != YAML_MAPPING_NODE) {
			rc = fail_at(&c, v, "'hooks' must be a mapping from hook name to commands, not %s",
				     node_kind(v));
			goto out;
		}
		bool seen[MIGCTL_HOOK_POINTS] = {false};
		for (size_t i = 0; i < map_len(v); i++)
			if ((rc = parse_hook_list(&c, mu_yaml_map_key(&y, v, i),
						  mu_yaml_map_value(&y, v, i), &tmp, seen)))
				goto out;
	}
	*hooks = tmp;
	migctl_hooks_init(&tmp);
out:
	migctl_hooks_release(&tmp);
	mu_yaml_release(&y);
	return rc;
}

enum migctl_err migctl_hooks_load_file(struct migctl_hooks *hooks,
				       const char *path,
				       struct migctl_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum migctl_err rc;

	migctl_hooks_release(hooks);
	if ((rc = mu_file_read(path, "hooks file", 0, &buf, &len, err)))
		return rc;
	rc = migctl_hooks_parse(hooks, mu_file_origin(path), buf, len, err);
	free(buf);
	return rc;
}

