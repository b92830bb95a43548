/* migctl internal — the one YAML reader: configs, hooks files, catalogs
 * and demand files are loaded and walked through these helpers.
 *
 * A document is loaded whole with libyaml's document API and checked
 * before anyone walks it: the text is capped in size, the nesting depth
 * is capped, and the number of nodes the document has once every alias
 * is expanded is capped (a "billion laughs" file of a few hundred bytes
 * names 10^10 nodes; it is refused at load instead of being walked).
 *
 * One convention for positions and one phrasing for errors:
 *   ORIGIN:LINE: message
 * LINE is the 1-based line where the node starts; a missing node (an
 * empty document) is line 1. An error about a key that a mapping lacks
 * names the line of that mapping.
 */
#ifndef MIGCTL_UTIL_YAML_READ_H
#define MIGCTL_UTIL_YAML_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "migctl/error.h"

/* Defaults: far above any real file. */
#define MU_YAML_MAX_BYTES ((size_t)4 << 20)
#define MU_YAML_MAX_NODES ((size_t)1000000)   /* after alias expansion */
#define MU_YAML_MAX_DEPTH 64

struct mu_yaml {
	yaml_document_t doc;
	bool loaded;
	const char *origin;           /* borrowed; names the text in messages */
	struct migctl_error *err;
	enum migctl_err code;         /* the code of content errors (mu_yaml_fail) */
};

/* Load `text` (`len` bytes; `origin` names it in messages and must outlive
 * `y`). Content errors reported later through mu_yaml_fail carry `code`
 * (MIGCTL_ERR_PARSE or MIGCTL_ERR_CATALOG). MIGCTL_ERR_PARSE for a syntax
 * error ("ORIGIN:LINE: YAML syntax error: ...; fix the YAML" when `hint`
 * is true, without "; fix the YAML" otherwise), a text over
 * MU_YAML_MAX_BYTES, nesting over MU_YAML_MAX_DEPTH, an alias that
 * contains itself, or more than MU_YAML_MAX_NODES nodes with aliases
 * expanded. On error `y` holds nothing to release (release is harmless). */
enum migctl_err mu_yaml_load(struct mu_yaml *y, const char *origin, const char *text,
			     size_t len, enum migctl_err code, bool hint,
			     struct migctl_error *err);
void mu_yaml_release(struct mu_yaml *y);

/* The root node; NULL for an empty document. */
yaml_node_t *mu_yaml_root(struct mu_yaml *y);

/* 1-based line of `n`; 1 for NULL. */
unsigned long mu_yaml_line(const yaml_node_t *n);

/* Fail with y->code: "ORIGIN:LINE: message", LINE of `n`. */
__attribute__((format(printf, 3, 4)))
enum migctl_err mu_yaml_fail(struct mu_yaml *y, const yaml_node_t *n, const char *fmt, ...);
/* The same with another error code. */
__attribute__((format(printf, 4, 5)))
enum migctl_err mu_yaml_fail_code(struct mu_yaml *y, enum migctl_err code,
				  const yaml_node_t *n, const char *fmt, ...);

/* "a single value", "a list", "a mapping" or "empty" (NULL too). */
const char *mu_yaml_kind(const yaml_node_t *n);
/* The text of a scalar node. */
const char *mu_yaml_text(const yaml_node_t *n);
/* A scalar with a NUL byte inside (libyaml allows them in quoted
 * scalars; a C string would silently cut it)? */
bool mu_yaml_has_nul(const yaml_node_t *n);
/* A plain (unquoted) scalar? */
bool mu_yaml_is_plain(const yaml_node_t *n);
/* A YAML null: NULL, or an empty plain scalar, "~", "null", "Null", "NULL". */
bool mu_yaml_is_null(const yaml_node_t *n);

size_t mu_yaml_seq_len(const yaml_node_t *seq);
yaml_node_t *mu_yaml_seq_item(struct mu_yaml *y, const yaml_node_t *seq, size_t i);
size_t mu_yaml_map_len(const yaml_node_t *map);
yaml_node_t *mu_yaml_map_key(struct mu_yaml *y, const yaml_node_t *map, size_t i);
yaml_node_t *mu_yaml_map_value(struct mu_yaml *y, const yaml_node_t *map, size_t i);

/* The value of the first scalar key `key` of a mapping (NULL if none or
 * `map` is not a mapping); its key node in *key_node when not NULL. */
yaml_node_t *mu_yaml_map_get(struct mu_yaml *y, const yaml_node_t *map, const char *key,
			     yaml_node_t **key_node);

/* What is wrong with a mapping's keys, first problem in key order. */
enum mu_yaml_keys {
	MU_YAML_KEYS_OK,
	MU_YAML_KEY_NOT_TEXT,         /* not a scalar, or a NUL byte inside */
	MU_YAML_KEY_EMPTY,            /* "" (only when `allowed` is NULL) */
	MU_YAML_KEY_UNKNOWN,          /* not in `allowed` */
	MU_YAML_KEY_DUPLICATE,        /* the same as an earlier key */
};

/* Check the keys of mapping `map`: each is text, in `allowed` (NULL-
 * terminated; NULL allows any non-empty key), and given once. The first
 * offending key node goes to *bad; the caller phrases the message. */
enum mu_yaml_keys mu_yaml_check_keys(struct mu_yaml *y, const yaml_node_t *map,
				     const char *const *allowed, yaml_node_t **bad);

#endif
