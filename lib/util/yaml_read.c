/* migctl internal — the YAML reader (see yaml_read.h). */
#include "util/yaml_read.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MSG "%s:1: nested more than %d levels deep; flatten the file"

/* Per node while measuring: its depth and its expanded size. */
struct measure {
	struct mu_yaml *y;
	unsigned char *state;         /* 0 new, 1 being measured, 2 done */
	unsigned *depth;
	size_t *size;
};

enum { M_OK, M_DEEP, M_CYCLE, M_NOMEM };

/* Depth and size (aliases expanded, saturating above MU_YAML_MAX_NODES)
 * of node `id`, each node measured once: a DAG of aliases costs its
 * number of distinct nodes, not its expansion. */
static int measure(struct measure *m, int id, unsigned level)
{
	yaml_node_t *n = yaml_document_get_node(&m->y->doc, id);
	size_t k = (size_t)id - 1, size = 1;
	unsigned depth = 0;
	int rc;

	if (!n)
		return M_OK;
	if (m->state[k] == 2)
		goto check;
	if (m->state[k] == 1)
		return M_CYCLE;
	if (level > MU_YAML_MAX_DEPTH)
		return M_DEEP;
	m->state[k] = 1;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++) {
			if ((rc = measure(m, *i, level + 1)))
				return rc;
			size += m->size[*i - 1];
			if (m->depth[*i - 1] > depth)
				depth = m->depth[*i - 1];
			if (size > MU_YAML_MAX_NODES)
				size = MU_YAML_MAX_NODES + 1;
		}
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			int ids[2] = {p->key, p->value};
			for (int j = 0; j < 2; j++) {
				if ((rc = measure(m, ids[j], level + 1)))
					return rc;
				if (!yaml_document_get_node(&m->y->doc, ids[j]))
					continue;
				size += m->size[ids[j] - 1];
				if (m->depth[ids[j] - 1] > depth)
					depth = m->depth[ids[j] - 1];
				if (size > MU_YAML_MAX_NODES)
					size = MU_YAML_MAX_NODES + 1;
			}
		}
	}
	m->state[k] = 2;
	m->depth[k] = depth + 1;
	m->size[k] = size;
check:
	/* A node reached again deeper down (through an alias) nests deeper. */
	if (level + m->depth[k] > MU_YAML_MAX_DEPTH + 1)
		return M_DEEP;
	return M_OK;
}

static enum migctl_err check_shape(struct mu_yaml *y)
{
	size_t n = (size_t)(y->doc.nodes.top - y->doc.nodes.start);
	struct measure m = {.y = y};
	enum migctl_err rc = MIGCTL_ERR_OK;
	int r;

	if (n == 0)
		return MIGCTL_ERR_OK;
	m.state = calloc(n, 1);
	m.depth = calloc(n, sizeof(*m.depth));
	m.size = calloc(n, sizeof(*m.size));
	if (!m.state || !m.depth || !m.size) {
		r = M_NOMEM;
	} else {
		r = measure(&m, 1, 1);
		if (!r && m.size[0] > MU_YAML_MAX_NODES)
			r = -1;
	}
	switch (r) {
	case M_OK: break;
	case M_DEEP:
		rc = migctl_fail(y->err, MIGCTL_ERR_PARSE, DEPTH_MSG, y->origin, MU_YAML_MAX_DEPTH);
		break;
	case M_CYCLE:
		rc = migctl_fail(y->err, MIGCTL_ERR_PARSE,
				 "%s:1: an alias refers to the node that contains it; remove the alias",
				 y->origin);
		break;
	case M_NOMEM:
		rc = migctl_fail(y->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", y->origin);
		break;
	default:
		rc = migctl_fail(y->err, MIGCTL_ERR_PARSE,
				 "%s:1: the file has more than %zu nodes with its aliases expanded; use fewer aliases",
				 y->origin, MU_YAML_MAX_NODES);
	}
	free(m.state);
	free(m.depth);
	free(m.size);
	return rc;
}

/* Whether the text nests collections deeper than MU_YAML_MAX_DEPTH, found
 * from libyaml's events before any document is built. libyaml's scanner
 * does work in proportion to the nesting for each token, so a deeply
 * nested file took time quadratic in its size (200 KB of '[': 30 s) before
 * the shape check could refuse it; the events stop at the first level too
 * deep. Syntax errors are left to the load that follows, which names them.
 * A file refused here is refused by check_shape too: aliases only make
 * the nesting deeper. */
static bool too_deep(const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned depth = 0;
	bool deep = false, done = false;

	if (!yaml_parser_initialize(&parser))
		return false;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && !deep && yaml_parser_parse(&parser, &ev)) {
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
			deep = ++depth > MU_YAML_MAX_DEPTH;
		else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return deep;
}

enum migctl_err mu_yaml_load(struct mu_yaml *y, const char *origin, const char *text,
			     size_t len, enum migctl_err code, bool hint,
			     struct migctl_error *err)
{
	yaml_parser_t parser;
	enum migctl_err rc = MIGCTL_ERR_OK;

	memset(y, 0, sizeof(*y));
	y->origin = origin;
	y->err = err;
	y->code = code;
	if (len > MU_YAML_MAX_BYTES)
		return migctl_fail(err, MIGCTL_ERR_PARSE,
				   "%s:1: the file is larger than %zu bytes; is it the right file?",
				   origin, MU_YAML_MAX_BYTES);
	if (too_deep(text, len))
		return migctl_fail(err, MIGCTL_ERR_PARSE, DEPTH_MSG, origin, MU_YAML_MAX_DEPTH);
	if (!yaml_parser_initialize(&parser))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", origin);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%lu: YAML syntax error: %s%s%s%s",
				 origin, (unsigned long)parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "unreadable",
				 parser.context ? " " : "", parser.context ? parser.context : "",
				 hint ? "; fix the YAML" : "");
		yaml_parser_delete(&parser);
		return rc;
	}
	yaml_parser_delete(&parser);
	y->loaded = true;
	if ((rc = check_shape(y)))
		mu_yaml_release(y);
	return rc;
}

void mu_yaml_release(struct mu_yaml *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
}

yaml_node_t *mu_yaml_root(struct mu_yaml *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

unsigned long mu_yaml_line(const yaml_node_t *n)
{
	return n ? (unsigned long)n->start_mark.line + 1 : 1UL;
}

static enum migctl_err vfail(struct mu_yaml *y, enum migctl_err code, const yaml_node_t *n,
			     const char *fmt, va_list ap)
{
	char msg[448];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return migctl_fail(y->err, code, "%s:%lu: %s", y->origin, mu_yaml_line(n), msg);
}

enum migctl_err mu_yaml_fail(struct mu_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	enum migctl_err rc;

	va_start(ap, fmt);
	rc = vfail(y, y->code, n, fmt, ap);
	va_end(ap);
	return rc;
}

enum migctl_err mu_yaml_fail_code(struct mu_yaml *y, enum migctl_err code,
				  const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	enum migctl_err rc;

	va_start(ap, fmt);
	rc = vfail(y, code, n, fmt, ap);
	va_end(ap);
	return rc;
}

const char *mu_yaml_kind(const yaml_node_t *n)
{
	switch (n ? n->type : YAML_NO_NODE) {
	case YAML_SCALAR_NODE: return "a single value";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "empty";
	}
}

const char *mu_yaml_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool mu_yaml_has_nul(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && strlen(mu_yaml_text(n)) != n->data.scalar.length;
}

bool mu_yaml_is_plain(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool mu_yaml_is_null(const yaml_node_t *n)
{
	if (!n)
		return true;
	if (!mu_yaml_is_plain(n))
		return false;
	const char *s = mu_yaml_text(n);
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

size_t mu_yaml_seq_len(const yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *mu_yaml_seq_item(struct mu_yaml *y, const yaml_node_t *seq, size_t i)
{
	if (i >= mu_yaml_seq_len(seq))
		return NULL;
	return yaml_document_get_node(&y->doc, seq->data.sequence.items.start[i]);
}

size_t mu_yaml_map_len(const yaml_node_t *map)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return 0;
	return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

yaml_node_t *mu_yaml_map_key(struct mu_yaml *y, const yaml_node_t *map, size_t i)
{
	if (i >= mu_yaml_map_len(map))
		return NULL;
	return yaml_document_get_node(&y->doc, map->data.mapping.pairs.start[i].key);
}

yaml_node_t *mu_yaml_map_value(struct mu_yaml *y, const yaml_node_t *map, size_t i)
{
	if (i >= mu_yaml_map_len(map))
		return NULL;
	return yaml_document_get_node(&y->doc, map->data.mapping.pairs.start[i].value);
}

yaml_node_t *mu_yaml_map_get(struct mu_yaml *y, const yaml_node_t *map, const char *key,
			     yaml_node_t **key_node)
{
	for (size_t i = 0; i < mu_yaml_map_len(map); i++) {
		yaml_node_t *k = mu_yaml_map_key(y, map, i);
		if (k && k->type == YAML_SCALAR_NODE && strcmp(mu_yaml_text(k), key) == 0) {
			if (key_node)
				*key_node = k;
			return mu_yaml_map_value(y, map, i);
		}
	}
	return NULL;
}

enum mu_yaml_keys mu_yaml_check_keys(struct mu_yaml *y, const yaml_node_t *map,
				     const char *const *allowed, yaml_node_t **bad)
{
	for (size_t i = 0; i < mu_yaml_map_len(map); i++) {
		yaml_node_t *k = mu_yaml_map_key(y, map, i);
		bool ok = allowed == NULL;

		*bad = k;
		if (!k || k->type != YAML_SCALAR_NODE || mu_yaml_has_nul(k))
			return MU_YAML_KEY_NOT_TEXT;
		if (!allowed && !mu_yaml_text(k)[0])
			return MU_YAML_KEY_EMPTY;
		for (const char *const *a = allowed; a && *a && !ok; a++)
			ok = strcmp(*a, mu_yaml_text(k)) == 0;
		if (!ok)
			return MU_YAML_KEY_UNKNOWN;
		for (size_t j = 0; j < i; j++) {
			yaml_node_t *k2 = mu_yaml_map_key(y, map, j);
			if (strcmp(mu_yaml_text(k2), mu_yaml_text(k)) == 0)
				return MU_YAML_KEY_DUPLICATE;
		}
	}
	*bad = NULL;
	return MU_YAML_KEYS_OK;
}
