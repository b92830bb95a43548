/* migctl — internal: what the config files (config_parse.c,
 * config_resolve.c, config_export.c, hooks.c) share: the YAML walking
 * context of configs and hooks files, with their wording of errors, and
 * profile-name helpers. Not part of the API. */
#ifndef MIGCTL_CONFIG_PRIV_H
#define MIGCTL_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "migctl/config.h"
#include "util/yaml_read.h"

/* Items (devices, filters, counts, pins, hook commands, args, envs) in one
 * file, counting each use of an alias again. */
#define MIGCTL_CONFIG_MAX_ITEMS 65536

/* One walk over a config or hooks file. */
struct cfg_ctx {
	struct mu_yaml *y;
	const char *origin;
	struct migctl_error *err;
	size_t total_specs;
	size_t items;                 /* against MIGCTL_CONFIG_MAX_ITEMS */
};

/* Short names for the shared reader, as the walkers use them. */
#define fail_at(c, n, ...) mu_yaml_fail((c)->y, (n), __VA_ARGS__)

static inline unsigned line_of(const yaml_node_t *n)
{
	return (unsigned)mu_yaml_line(n);
}
static inline const char *sval(const yaml_node_t *n) { return mu_yaml_text(n); }
static inline bool is_plain(const yaml_node_t *n) { return mu_yaml_is_plain(n); }
static inline bool is_null(const yaml_node_t *n) { return mu_yaml_is_null(n); }
static inline const char *node_kind(const yaml_node_t *n) { return mu_yaml_kind(n); }
static inline size_t seq_len(const yaml_node_t *n) { return mu_yaml_seq_len(n); }
static inline size_t map_len(const yaml_node_t *n) { return mu_yaml_map_len(n); }
static inline yaml_node_t *seq_item(struct cfg_ctx *c, const yaml_node_t *seq, size_t i)
{
	return mu_yaml_seq_item(c->y, seq, i);
}
static inline yaml_node_t *map_get(struct cfg_ctx *c, yaml_node_t *map, const char *key,
				   yaml_node_t **key_node)
{
	return mu_yaml_map_get(c->y, map, key, key_node);
}

/* Count `count` more items; aliases let a small file name a list many
 * times, so the total, not only each list, is bounded. */
enum migctl_err migctl_cfg_spend(struct cfg_ctx *c, const yaml_node_t *n, size_t count);
/* A scalar usable as text (no NUL byte inside), else an error naming `what`. */
enum migctl_err migctl_cfg_text(struct cfg_ctx *c, yaml_node_t *n, const char *what);
/* A mapping's keys: text, no duplicates, each in `allowed`; an unknown key
 * gets mig-parted's "unexpected field" wording plus `hint`. */
enum migctl_err migctl_cfg_check_keys(struct cfg_ctx *c, yaml_node_t *map,
				      const char *const *allowed, const char *hint);
/* version: v1, as both file kinds require. */
enum migctl_err migctl_cfg_check_version(struct cfg_ctx *c, yaml_node_t *root);

/* The GI part of a profile string: "3g.40gb" of "1c.3g.40gb". */
const char *migctl_config_gi_part(const char *profile, const struct migctl_profile_name *pn);
/* Index of the GI profile called `name` (any case) in `m`, or -1. */
long migctl_config_find_gi(const struct migctl_gpu_model *m, const char *name);

#endif
