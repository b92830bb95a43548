/* migctl — entity specs (migctl/sample.h): dcgmi's `-i` syntax parsed,
 * matched against a sample's entities, and checked so that an ID that
 * selects nothing is an error naming what exists.
 *
 * The grammar is DCGM's (reference/dcgm.md §1.2): comma-separated items;
 * an item is a GPU index, `PREFIX:ID`, `PREFIX:{RANGES}`, a hierarchy path
 * `GPU/GI[/CI]` with `*` for any part, or a GPU or MIG device UUID. The
 * prefix is recognised by its first letter, as dcgmi does: `g` a GPU, `i`
 * a GPU instance, `c` a compute instance (but `cpu`, `core` and `cx` are
 * other entity types). Entities that are not GPUs or MIG instances
 * (NVSwitches, vGPUs, CPUs, links) are refused by name. */
#include "migctl/sample.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounds that keep a hostile spec small: items, and the largest ID (DCGM's
 * entity IDs are small; GPU × stride + slot stays far below). */
#define SPEC_MAX_ITEMS 1024
#define SPEC_MAX_ID 1000000u

struct parse {
	struct migctl_entity_spec *spec;
	struct migctl_error *err;
	const char *text;                  /* the whole spec, for messages */
};

static enum migctl_err bad(struct parse *p, const char *item, size_t len, const char *why)
{
	return migctl_fail(p->err, MIGCTL_ERR_USAGE,
			   "entity '%.*s' in -i '%.100s': %s; give GPU indices (0), GPU "
			   "instances (i:7), compute instances (ci:8), ranges (i:{7-8}) or "
			   "GPU/GI/CI paths (1/2/0)",
			   (int)(len > 100 ? 100 : len), item, p->text, why);
}

static enum migctl_err add(struct parse *p, const struct migctl_spec_item *it)
{
	struct migctl_spec_item *items;

	if (p->spec->n_items >= SPEC_MAX_ITEMS)
		return migctl_fail(p->err, MIGCTL_ERR_USAGE,
				   "-i lists more than %d entities; use ranges ({0-9}) or '*'",
				   SPEC_MAX_ITEMS);
	items = realloc(p->spec->items, (p->spec->n_items + 1) * sizeof(*items));
	if (!items)
		return migctl_fail(p->err, MIGCTL_ERR_NOMEM, "out of memory");
	p->spec->items = items;
	items[p->spec->n_items++] = *it;
	return MIGCTL_ERR_OK;
}

/* A decimal number of s[0..len) in [0, SPEC_MAX_ID]; false otherwise. */
static bool number(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 7)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > SPEC_MAX_ID)
		return false;
	*out = (unsigned)v;
	return true;
}

/* "N" or "A-B". */
static bool range(const char *s, size_t len, unsigned *lo, unsigned *hi)
{
	const char *dash = memchr(s, '-', len);

	if (!dash)
		return number(s, len, lo) && (*hi = *lo, true);
	return number(s, (size_t)(dash - s), lo) &&
	       number(dash + 1, len - (size_t)(dash - s) - 1, hi) && *lo <= *hi;
}

/* The IDs after a prefix: "N", "A-B" or "{A-B,C,...}", one item each. */
static enum migctl_err ids(struct parse *p, enum migctl_spec_kind kind, const char *item,
			   size_t item_len, const char *s, size_t len)
{
	struct migctl_spec_item it;
	enum migctl_err rc;

	memset(&it, 0, sizeof(it));
	it.kind = kind;
	if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
		s++;
		len -= 2;
		if (len == 0)
			return bad(p, item, item_len, "empty range");
		for (;;) {
			const char *comma = memchr(s, ',', len);
			size_t part = comma ? (size_t)(comma - s) : len;
			if (!range(s, part, &it.lo, &it.hi))
				return bad(p, item, item_len, "not a number or range A-B");
			if ((rc = add(p, &it)))
				return rc;
			if (!comma)
				return MIGCTL_ERR_OK;
			s = comma + 1;
			len -= part + 1;
		}
	}
	if (!range(s, len, &it.lo, &it.hi))
		return bad(p, item, item_len, "not an entity ID");
	return add(p, &it);
}

/* "1/2", "1/2/0", "*", "0/ *" (any part may be "*"). */
static enum migctl_err path(struct parse *p, const char *s, size_t len)
{
	struct migctl_spec_item it;
	size_t start = 0;

	memset(&it, 0, sizeof(it));
	it.kind = MIGCTL_SPEC_PATH;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (it.depth == 3)
			return bad(p, s, len, "a path has at most three parts, GPU/GI/CI");
		if (i - start == 1 && s[start] == '*')
			it.path[it.depth] = MIGCTL_SPEC_ANY;
		else if (!number(s + start, i - start, &it.path[it.depth]))
			return bad(p, s, len, "a path part is a number or '*'");
		it.depth++;
		start = i + 1;
	}
	return add(p, &it);
}

static enum migctl_err uuid_item(struct parse *p, const char *s, size_t len)
{
	struct migctl_spec_item it;

	memset(&it, 0, sizeof(it));
	it.kind = MIGCTL_SPEC_UUID;
	if (len >= sizeof(it.uuid))
		return bad(p, s, len, "UUID too long");
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return bad(p, s, len, "not a UUID");
	memcpy(it.uuid, s, len);
	return add(p, &it);
}

/* The kind a prefix names, by dcgmi's first-letter rule; -1 (with `why`)
 * for entity types migctl does not sample. */
static int prefix_kind(const char *s, size_t len, const char **why)
{
	*why = "not a GPU, GPU instance or compute instance (NVSwitches, vGPUs, CPUs and "
	       "links are not sampled)";
	if (len == 0)
		return -1;
	if ((len == 3 && strncasecmp(s, "cpu", 3) == 0) ||
	    (len == 4 && strncasecmp(s, "core", 4) == 0) ||
	    (len == 2 && strncasecmp(s, "cx", 2) == 0))
		return -1;
	if (len == 8 && strncasecmp(s, "gpu_link", 8) == 0)
		return -1;
	switch (tolower((unsigned char)s[0])) {
	case 'g':
		return MIGCTL_SPEC_GPU;
	case 'i':
		return MIGCTL_SPEC_GI;
	case 'c':
		return MIGCTL_SPEC_CI;
	default:
		return -1;
	}
}

static enum migctl_err item(struct parse *p, const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	struct migctl_spec_item it;
	const char *why;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	colon = memchr(s, ':', len);
	if (len == 0)
		return bad(p, s, len, "empty entity");
	if ((len > 4 && strncmp(s, "GPU-", 4) == 0) || (len > 4 && strncmp(s, "MIG-", 4) == 0))
		return uuid_item(p, s, len);
	if (colon) {
		int kind = prefix_kind(s, (size_t)(colon - s), &why);
		if (kind < 0)
			return bad(p, s, len, why);
		return ids(p, (enum migctl_spec_kind)kind, s, len, colon + 1,
			   len - (size_t)(colon - s) - 1);
	}
	if (memchr(s, '/', len) || (len == 1 && s[0] == '*'))
		return path(p, s, len);
	if (s[0] == '{')
		return ids(p, MIGCTL_SPEC_GPU, s, len, s, len);
	memset(&it, 0, sizeof(it));
	it.kind = MIGCTL_SPEC_GPU;
	if (!number(s, len, &it.lo))
		return bad(p, s, len, "not a GPU index or entity");
	it.hi = it.lo;
	return add(p, &it);
}

enum migctl_err migctl_entity_spec_parse(const char *text, struct migctl_entity_spec *spec,
					 struct migctl_error *err)
{
	struct parse p = {spec, err, text ? text : ""};
	const char *s = p.text;
	enum migctl_err rc = MIGCTL_ERR_OK;
	int depth = 0;
	size_t start = 0, len = strlen(s);

	memset(spec, 0, sizeof(*spec));
	if (len == 0 || strcmp(s, "-1") == 0) {
		spec->all = true;
		return MIGCTL_ERR_OK;
	}
	/* Split at commas outside braces: "i:{7-8},0". */
	for (size_t i = 0; i <= len && !rc; i++) {
		if (i < len && s[i] == '{')
			depth++;
		else if (i < len && s[i] == '}')
			depth--;
		if (depth < 0 || depth > 1)
			rc = bad(&p, s, len, "unbalanced braces");
		else if (i == len || (s[i] == ',' && depth == 0)) {
			if (i == len && depth)
				rc = bad(&p, s + start, len - start, "unbalanced braces");
			else
				rc = item(&p, s + start, i - start);
			start = i + 1;
		}
	}
	if (rc)
		migctl_entity_spec_release(spec);
	return rc;
}

void migctl_entity_spec_release(struct migctl_entity_spec *spec)
{
	free(spec->items);
	memset(spec, 0, sizeof(*spec));
}

static bool part(unsigned want, unsigned have)
{
	return want == MIGCTL_SPEC_ANY || want == have;
}

static bool item_match(const struct migctl_spec_item *it, const struct migctl_entity *e)
{
	switch (it->kind) {
	case MIGCTL_SPEC_GPU:
	case MIGCTL_SPEC_GI:
	case MIGCTL_SPEC_CI:
		return (unsigned)e->kind == (unsigned)it->kind && e->id >= it->lo && e->id <= it->hi;
	case MIGCTL_SPEC_PATH:
		if ((unsigned)e->kind != it->depth - 1 || !part(it->path[0], e->gpu_index))
			return false;
		return (it->depth < 2 || part(it->path[1], e->gi_id)) &&
		       (it->depth < 3 || part(it->path[2], e->ci_id));
	case MIGCTL_SPEC_UUID:
		if (strncmp(it->uuid, "MIG-", 4) == 0)
			return e->kind == MIGCTL_ENTITY_CI && strcmp(e->mig_uuid, it->uuid) == 0;
		return e->kind == MIGCTL_ENTITY_GPU && strcmp(e->gpu_uuid, it->uuid) == 0;
	}
	return false;
}

bool migctl_entity_spec_match(const struct migctl_entity_spec *spec,
			      const struct migctl_entity *e)
{
	if (spec->all)
		return e->kind == MIGCTL_ENTITY_GPU;
	for (size_t i = 0; i < spec->n_items; i++)
		if (item_match(&spec->items[i], e))
			return true;
	return false;
}

static const char *kind_word(enum migctl_spec_kind k)
{
	return k == MIGCTL_SPEC_GPU ? "GPU" : k == MIGCTL_SPEC_GI ? "GPU instance"
	       : k == MIGCTL_SPEC_CI ? "compute instance" : "entity";
}

/* "i:7 (GPU 1 GI 1 3g.40gb), i:8 (...)" for the entities of one kind. */
static void list_existing(const struct migctl_sample *s, enum migctl_spec_kind kind,
			  char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_entities && off < len; i++) {
		const struct migctl_entity *e = &s->entities[i];
		int n = 0;
		if ((unsigned)e->kind != (unsigned)kind)
			continue;
		if (kind == MIGCTL_SPEC_GPU)
			n = snprintf(buf + off, len - off, "%s%u", off ? ", " : "", e->id);
		else if (kind == MIGCTL_SPEC_GI)
			n = snprintf(buf + off, len - off, "%si:%u (GPU %u GI %u %s)", off ? ", " : "",
				     e->id, e->gpu_index, e->gi_id, e->gi_profile);
		else
			n = snprintf(buf + off, len - off, "%sci:%u (GPU %u GI %u CI %u)",
				     off ? ", " : "", e->id, e->gpu_index, e->gi_id, e->ci_id);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

enum migctl_err migctl_entity_spec_check(const struct migctl_entity_spec *spec,
					 const struct migctl_sample *s,
					 struct migctl_error *err)
{
	for (size_t i = 0; i < spec->n_items; i++) {
		const struct migctl_spec_item *it = &spec->items[i];
		bool wild = it->kind == MIGCTL_SPEC_PATH &&
			    (it->path[0] == MIGCTL_SPEC_ANY ||
			     (it->depth > 1 && it->path[1] == MIGCTL_SPEC_ANY) ||
			     (it->depth > 2 && it->path[2] == MIGCTL_SPEC_ANY));
		bool found = wild;
		char have[400];

		for (size_t j = 0; j < s->n_entities && !found; j++)
			found = item_match(it, &s->entities[j]);
		if (found)
			continue;
		if (it->kind == MIGCTL_SPEC_PATH) {
			size_t off = 0;
			for (unsigned d = 0; d < it->depth; d++)
				off += (size_t)snprintf(have + off, sizeof(have) - off, "%s%u",
							d ? "/" : "", it->path[d]);
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "no %s at %s on this node; `migctl dmon --identity` "
					   "lists the entities",
					   it->depth == 1 ? "GPU" : it->depth == 2 ? "GPU instance"
										   : "compute instance",
					   have);
		}
		if (it->kind == MIGCTL_SPEC_UUID)
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "no GPU or MIG device with UUID %s on this node; `migctl "
					   "list` shows the UUIDs", it->uuid);
		list_existing(s, it->kind, have, sizeof(have));
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				   "no %s %s%u%s%.0u on this node; %ss here: %s", kind_word(it->kind),
				   it->kind == MIGCTL_SPEC_GI ? "i:" : it->kind == MIGCTL_SPEC_CI ? "ci:" : "",
				   it->lo, it->hi != it->lo ? "-" : "", it->hi != it->lo ? it->hi : 0,
				   kind_word(it->kind), have);
	}
	return MIGCTL_ERR_OK;
}
