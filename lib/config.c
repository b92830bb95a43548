/* migctl — nvidia-mig-parted `version: v1` configs and hooks files:
 * parsing, selection, per-GPU resolution and generation.
 *
 * Parsing uses libyaml's document API, like the catalog loader, and builds
 * the whole result in a scratch struct that replaces the caller's only when
 * every check passed, so an error never leaves half a config behind. The
 * checks mirror mig-parted's parse-time checks and reuse its wording, so a
 * user who searches for a message finds mig-parted's documentation too;
 * each message then says what to change.
 *
 * Resolution happens per GPU against that GPU's own profile table, because
 * one profile name may be another profile ID, or absent, on another model
 * (mig-parted issue #157).
 */
#include "migctl/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <yaml.h>

#include "migctl/geometry.h"

/* Limits that keep hostile input (aliases multiply nodes) bounded; real
 * configs stay far below them. */
#define MAX_LABELS 4096
#define MAX_SPECS_PER_LABEL 256
#define MAX_SPECS_TOTAL 16384
#define MAX_DEVICES 256
#define MAX_FILTERS 64
#define MAX_MIG_DEVICES 64
#define MAX_COUNT 1024
#define MAX_HOOK_COMMANDS 256
#define MAX_HOOK_ITEMS 256
/* Items (devices, filters, counts, pins, hook commands, args, envs) in one
 * file, counting each use of an alias again. */
#define MAX_ITEMS 65536

#define PROFILE_FORMAT "[<C>c.]<G>g.<GB>gb[+attr[,attr]][-me], e.g. 1g.10gb, 1c.3g.40gb, 1g.24gb+me.all"

/* --- YAML walking ------------------------------------------------------ */

struct ctx {
	yaml_document_t *doc;
	const char *origin;
	struct migctl_error *err;
	size_t total_specs;
	size_t items;                 /* against MAX_ITEMS */
};

static unsigned line_of(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 0;
}

__attribute__((format(printf, 3, 4)))
static enum migctl_err fail_at(struct ctx *c, const yaml_node_t *n,
			       const char *fmt, ...)
{
	char msg[448];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return migctl_fail(c->err, MIGCTL_ERR_PARSE, "%s:%u: %s", c->origin,
			   line_of(n), msg);
}

/* Count `n` more items; aliases let a small file name a list many times,
 * so the total, not only each list, is bounded. */
static enum migctl_err spend(struct ctx *c, const yaml_node_t *n, size_t count)
{
	c->items += count;
	if (c->items > MAX_ITEMS)
		return migctl_fail(c->err, MIGCTL_ERR_PARSE,
				   "%s:%u: the file has more than %d items (aliases count each time they are used); split it",
				   c->origin, n ? (unsigned)n->start_mark.line + 1 : 0, MAX_ITEMS);
	return MIGCTL_ERR_OK;
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A YAML null: an empty plain value, "~" or "null". */
static bool is_null(const yaml_node_t *n)
{
	if (!n)
		return true;
	if (!is_plain(n))
		return false;
	const char *s = sval(n);
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a single value";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "empty";
	}
}

static size_t seq_len(const yaml_node_t *seq)
{
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

static yaml_node_t *seq_item(struct ctx *c, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(c->doc, seq->data.sequence.items.start[i]);
}

static size_t map_len(const yaml_node_t *map)
{
	return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

/* A scalar usable as text: libyaml allows NUL bytes inside quoted
 * scalars, which C strings would silently cut. */
static enum migctl_err text_scalar(struct ctx *c, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(c, n, "%s must be a single value, not %s", what, node_kind(n));
	if (strlen(sval(n)) != n->data.scalar.length)
		return fail_at(c, n, "%s contains a NUL byte; remove it", what);
	return MIGCTL_ERR_OK;
}

/* Check a mapping's keys: scalars, no duplicates, each in `allowed`. An
 * unknown key gets mig-parted's "unexpected field" wording plus `hint`. */
static enum migctl_err check_keys(struct ctx *c, yaml_node_t *map,
				  const char *const *allowed, const char *hint)
{
	enum migctl_err rc;

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		bool ok = false;

		if (!k || (rc = text_scalar(c, k, "a key")))
			return k ? rc : fail_at(c, map, "unreadable key");
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, sval(k)) == 0;
		if (!ok)
			return fail_at(c, k, "unexpected field: %s; %s", sval(k), hint);
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(c->doc, q->key);
			if (strcmp(sval(k2), sval(k)) == 0)
				return fail_at(c, k, "duplicate key \"%s\"; keep only one",
					       sval(k));
		}
	}
	return MIGCTL_ERR_OK;
}

/* Value of `key` in a mapping whose keys check_keys accepted. */
static yaml_node_t *map_get(struct ctx *c, yaml_node_t *map, const char *key,
			    yaml_node_t **key_node)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		if (strcmp(sval(k), key) == 0) {
			if (key_node)
				*key_node = k;
			return yaml_document_get_node(c->doc, p->value);
		}
	}
	return NULL;
}

/* --- profile names, filters, device references ------------------------- */

/* A decimal number >= 1 without leading zeros; at most 6 digits. */
static bool take_num(const char **p, unsigned *out)
{
	unsigned v = 0;
	int digits = 0;

	if (**p < '1' || **p > '9')
		return false;
	while (isdigit((unsigned char)**p)) {
		if (++digits > 6)
			return false;
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
	}
	*out = v;
	return true;
}

static bool take_word(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncasecmp(*p, word, n) != 0)
		return false;
	*p += n;
	return true;
}

enum migctl_err migctl_profile_name_parse(const char *text,
					  struct migctl_profile_name *out,
					  struct migctl_error *err)
{
	static const char *const attr_names[] = {"me.all", "me", "gfx"};
	const char *p = text;
	unsigned first, seen = 0;
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	if (!take_num(&p, &first))
		goto bad;
	if (*p == 'c' || *p == 'C') {
		p++;
		if (*p++ != '.')
			goto bad;
		out->ci_slices = first;
		if (!take_num(&p, &out->gi_slices))
			goto bad;
	} else {
		out->gi_slices = first;
	}
	if (!take_word(&p, "g.") || !take_num(&p, &out->memory_gb) || !take_word(&p, "gb"))
		goto bad;
	if (out->ci_slices && out->ci_slices >= out->gi_slices)
		return migctl_fail(err, MIGCTL_ERR_PARSE,
				   "\"%s\": a compute-instance profile must have fewer compute slices (%uc) than its GPU instance (%ug); write the GPU-instance name without the \"%uc.\" prefix for the whole instance",
				   text, out->ci_slices, out->gi_slices, out->ci_slices);
	if (*p == '+') {
		out->attrs[used++] = '+';
		do {
			size_t a;
			const char *at = ++p;
			for (a = 0; a < 3; a++, p = at)
				if (take_word(&p, attr_names[a]) &&
				    (*p == '\0' || *p == ',' || *p == '-'))
					break;
			if (a == 3)
				return migctl_fail(err, MIGCTL_ERR_PARSE,
						   "\"%s\": unknown attribute after '+'; the known ones are me, me.all and gfx",
						   text);
			if (seen & (1u << a))
				return migctl_fail(err, MIGCTL_ERR_PARSE,
						   "\"%s\": attribute %s is given twice; give it once",
						   text, attr_names[a]);
			seen |= 1u << a;
			used += (size_t)snprintf(out->attrs + used, sizeof(out->attrs) - used,
						 "%s%s", used > 1 ? "," : "", attr_names[a]);
		} while (*p == ',');
	}
	if (*p == '-') {
		p++;
		if (!take_word(&p, "me") || *p != '\0')
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "\"%s\": only \"-me\" may follow '-'", text);
		snprintf(out->attrs + used, sizeof(out->attrs) - used, "-me");
	}
	if (*p != '\0')
		goto bad;
	return MIGCTL_ERR_OK;
bad:
	memset(out, 0, sizeof(*out));
	return migctl_fail(err, MIGCTL_ERR_PARSE,
			   "\"%s\" is not a MIG profile name; expected " PROFILE_FORMAT, text);
}

/* "0x" and exactly 8 hex digits. */
static bool take_hex8(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint32_t v = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	s += 2;
	for (int i = 0; i < 8; i++, s++) {
		if (!isxdigit((unsigned char)*s))
			return false;
		v = v << 4 | (uint32_t)(isdigit((unsigned char)*s) ? *s - '0'
						: tolower((unsigned char)*s) - 'a' + 10);
	}
	*out = v;
	*p = s;
	return true;
}

enum migctl_err migctl_device_filter_parse(const char *text,
					   struct migctl_device_filter *out,
					   struct migctl_error *err)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	if (!take_hex8(&p, &out->pci_id))
		goto bad;
	if (*p == ':') {
		p++;
		if (!take_hex8(&p, &out->subsystem_id))
			goto bad;
		out->has_subsystem = true;
	}
	if (*p == '\0')
		return MIGCTL_ERR_OK;
bad:
	memset(out, 0, sizeof(*out));
	return migctl_fail(err, MIGCTL_ERR_PARSE,
			   "\"%s\" is not a PCI ID filter; write the device and vendor IDs as 0xDDDDVVVV (e.g. 0x20B210DE), optionally followed by :0xSSSSVVVV for the subsystem",
			   text);
}

struct bus_id {
	uint32_t domain;
	unsigned bus, dev, fn;
};

/* Exactly `n` hex digits. */
static bool take_hexn(const char **p, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		char ch = (*p)[i];
		if (!isxdigit((unsigned char)ch))
			return false;
		v = v << 4 | (unsigned)(isdigit((unsigned char)ch) ? ch - '0'
						  : tolower((unsigned char)ch) - 'a' + 10);
	}
	*p += n;
	*out = v;
	return true;
}

/* "00000000:07:00.0", "0000:07:00.0" or "07:00.0", any case. */
static bool parse_bus_id(const char *s, struct bus_id *b)
{
	const char *colon = strchr(s, ':');
	const char *p = s;
	unsigned dom = 0;

	if (!colon)
		return false;
	if (strchr(colon + 1, ':')) {
		int n = (int)(colon - s);
		if ((n != 4 && n != 8) || !take_hexn(&p, n, &dom))
			return false;
		p++;
	}
	if (!take_hexn(&p, 2, &b->bus) || *p++ != ':' || !take_hexn(&p, 2, &b->dev) ||
	    *p++ != '.' || !take_hexn(&p, 1, &b->fn) || *p != '\0' ||
	    b->dev > 0x1f || b->fn > 7)
		return false;
	b->domain = dom;
	return true;
}

static bool same_bus_id(const char *a, const char *b)
{
	struct bus_id x, y;
	return a && b && parse_bus_id(a, &x) && parse_bus_id(b, &y) &&
	       x.domain == y.domain && x.bus == y.bus && x.dev == y.dev && x.fn == y.fn;
}

static bool valid_gpu_uuid(const char *s)
{
	if (strncmp(s, "GPU-", 4) != 0 || s[4] == '\0')
		return false;
	for (s += 4; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static bool same_ref(const struct migctl_device_ref *a, const struct migctl_device_ref *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case MIGCTL_DEVICE_INDEX: return a->index == b->index;
	case MIGCTL_DEVICE_UUID: return strcasecmp(a->text, b->text) == 0;
	case MIGCTL_DEVICE_BUS_ID: return same_bus_id(a->text, b->text);
	}
	return false;
}

/* The GI part of a profile string: "3g.40gb" of "1c.3g.40gb". */
static const char *gi_part(const char *profile, const struct migctl_profile_name *pn)
{
	const char *dot = strchr(profile, '.');
	return pn->ci_slices && dot ? dot + 1 : profile;
}

/* --- config parsing ---------------------------------------------------- */

static void spec_release(struct migctl_config_spec *s)
{
	free(s->devices);
	free(s->filters);
	free(s->mig_devices);
	free(s->pins);
	memset(s, 0, sizeof(*s));
}

void migctl_config_init(struct migctl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

void migctl_config_release(struct migctl_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entries; i++) {
		for (size_t j = 0; j < cfg->entries[i].n_specs; j++)
			spec_release(&cfg->entries[i].specs[j]);
		free(cfg->entries[i].specs);
	}
	free(cfg->entries);
	memset(cfg, 0, sizeof(*cfg));
}

static enum migctl_err parse_device_item(struct ctx *c, yaml_node_t *n,
					 struct migctl_device_ref *ref, bool *ext)
{
	enum migctl_err rc;
	const char *s;

	if ((rc = text_scalar(c, n, "an item of 'devices'")))
		return rc;
	s = sval(n);
	memset(ref, 0, sizeof(*ref));
	if (is_plain(n) && (isdigit((unsigned char)s[0]) || s[0] == '-')) {
		const char *p = s;
		unsigned long v = 0;
		if (s[0] == '-')
			return fail_at(c, n, "device index %s is negative; GPU indices start at 0",
				       s);
		bool ok = isdigit((unsigned char)*p) && !(p[0] == '0' && p[1] != '\0');
		for (; ok && *p; p++) {
			ok = isdigit((unsigned char)*p) && v < 100000;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (ok) {
			ref->kind = MIGCTL_DEVICE_INDEX;
			ref->index = (unsigned)v;
			return MIGCTL_ERR_OK;
		}
		/* Not a plain index: it may still be a bus ID like 07:00.0. */
	}
	if (n->data.scalar.length >= sizeof(ref->text))
		return fail_at(c, n, "device \"%.40s...\" is too long; name a GPU by index, UUID or PCI bus ID",
			       s);
	if (strncasecmp(s, "MIG-", 4) == 0)
		return fail_at(c, n, "device \"%s\" is a MIG device UUID; 'devices' names whole GPUs: use the parent GPU's UUID (GPU-...), index or bus ID",
			       s);
	if (valid_gpu_uuid(s)) {
		ref->kind = MIGCTL_DEVICE_UUID;
	} else {
		struct bus_id b;
		if (!parse_bus_id(s, &b))
			return fail_at(c, n, "invalid device \"%s\" in 'devices'; write a GPU index (0), a GPU UUID (GPU-...) or a PCI bus ID (00000000:07:00.0)",
				       s);
		ref->kind = MIGCTL_DEVICE_BUS_ID;
	}
	memcpy(ref->text, s, n->data.scalar.length + 1);
	*ext = true;
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_devices(struct ctx *c, yaml_node_t *v,
				     struct migctl_config_spec *s, bool *ext)
{
	enum migctl_err rc;

	if (v->type == YAML_SCALAR_NODE) {
		if ((rc = text_scalar(c, v, "'devices'")))
			return rc;
		if (strcmp(sval(v), "all") == 0) {
			s->all_devices = true;
			return MIGCTL_ERR_OK;
		}
		return fail_at(c, v, "invalid string input for 'devices': %s; write \"all\" or a list of GPU indices such as [%s]",
			       sval(v), is_plain(v) && isdigit((unsigned char)sval(v)[0]) ? sval(v) : "0, 1");
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return fail_at(c, v, "'devices' must be \"all\" or a list of GPU indices, not %s",
			       node_kind(v));
	if (seq_len(v) > MAX_DEVICES)
		return fail_at(c, v, "'devices' lists more than %d GPUs", MAX_DEVICES);
	if ((rc = spend(c, v, seq_len(v))))
		return rc;
	s->devices = calloc(seq_len(v) + 1, sizeof(*s->devices));
	if (!s->devices)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	for (size_t i = 0; i < seq_len(v); i++) {
		yaml_node_t *it = seq_item(c, v, i);
		struct migctl_device_ref *ref = &s->devices[s->n_devices];
		if ((rc = parse_device_item(c, it, ref, ext)))
			return rc;
		for (size_t j = 0; j < s->n_devices; j++)
			if (same_ref(&s->devices[j], ref))
				return fail_at(c, it, "device %s is listed twice in 'devices'; list each GPU once",
					       sval(it));
		s->n_devices++;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_filter_item(struct ctx *c, yaml_node_t *n,
					 struct migctl_device_filter *f)
{
	struct migctl_error ferr;
	enum migctl_err rc = text_scalar(c, n, "a 'device-filter'");

	if (rc)
		return rc;
	if (migctl_device_filter_parse(sval(n), f, &ferr))
		return fail_at(c, n, "invalid 'device-filter': %s", ferr.msg);
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_filters(struct ctx *c, yaml_node_t *v,
				     struct migctl_config_spec *s)
{
	size_t n = v->type == YAML_SEQUENCE_NODE ? seq_len(v) : 1;
	enum migctl_err rc;

	if (is_null(v))
		return MIGCTL_ERR_OK; /* as mig-parted: a null filter is no filter */
	if (v->type == YAML_MAPPING_NODE)
		return fail_at(c, v, "'device-filter' must be a PCI ID or a list of them, not a mapping");
	if (v->type == YAML_SEQUENCE_NODE && n == 0)
		return fail_at(c, v, "'device-filter' is an empty list; remove it to match every GPU, or list PCI IDs");
	if (n > MAX_FILTERS)
		return fail_at(c, v, "'device-filter' lists more than %d PCI IDs", MAX_FILTERS);
	if ((rc = spend(c, v, n)))
		return rc;
	s->filters = calloc(n, sizeof(*s->filters));
	if (!s->filters)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = v->type == YAML_SEQUENCE_NODE ? seq_item(c, v, i) : v;
		if ((rc = parse_filter_item(c, it, &s->filters[i])))
			return rc;
		s->n_filters++;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_bool(struct ctx *c, yaml_node_t *v, const char *key,
				  bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};

	if (is_plain(v))
		for (int i = 0; i < 3; i++) {
			if (strcmp(sval(v), yes[i]) == 0) {
				*out = true;
				return MIGCTL_ERR_OK;
			}
			if (strcmp(sval(v), no[i]) == 0) {
				*out = false;
				return MIGCTL_ERR_OK;
			}
		}
	if (v->type != YAML_SCALAR_NODE)
		return fail_at(c, v, "'%s' must be true or false, not %s", key, node_kind(v));
	return fail_at(c, v, "'%s' must be true or false (unquoted), not %s%s%s", key,
		       is_plain(v) ? "\"" : "the string \"", sval(v), "\"");
}

static enum migctl_err parse_count(struct ctx *c, yaml_node_t *k, yaml_node_t *v,
				   unsigned *out)
{
	const char *s;
	unsigned long n = 0;

	if (v->type != YAML_SCALAR_NODE)
		return fail_at(c, v, "the count for '%s' must be a whole number, not %s",
			       sval(k), node_kind(v));
	s = sval(v);
	if (is_plain(v) && s[0] == '-' && isdigit((unsigned char)s[1]))
		return fail_at(c, v, "the count for '%s' is %s; counts must be 0 or more",
			       sval(k), s);
	bool ok = is_plain(v) && isdigit((unsigned char)s[0]) && !(s[0] == '0' && s[1]);
	for (const char *p = s; ok && *p; p++) {
		ok = isdigit((unsigned char)*p) && n <= MAX_COUNT;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (!ok)
		return fail_at(c, v, "the count for '%s' must be a whole number (unquoted), not \"%s\"",
			       sval(k), s);
	if (n > MAX_COUNT)
		return fail_at(c, v, "the count for '%s' is %s; no GPU holds more than %d instances of a profile",
			       sval(k), s, MAX_COUNT);
	*out = (unsigned)n;
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_mig_devices(struct ctx *c, yaml_node_t *v,
					 struct migctl_config_spec *s)
{
	size_t n = map_len(v);
	bool any = false;
	enum migctl_err rc;

	if (n > MAX_MIG_DEVICES)
		return fail_at(c, v, "'mig-devices' has more than %d profiles", MAX_MIG_DEVICES);
	if ((rc = spend(c, v, n)))
		return rc;
	s->mig_devices = calloc(n + 1, sizeof(*s->mig_devices));
	if (!s->mig_devices)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	for (size_t i = 0; i < n; i++) {
		yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(c->doc, p->value);
		struct migctl_config_count *cnt = &s->mig_devices[s->n_mig_devices];
		struct migctl_error perr;

		if ((rc = text_scalar(c, k, "a profile in 'mig-devices'")))
			return rc;
		if (migctl_profile_name_parse(sval(k), &cnt->parsed, &perr))
			return fail_at(c, k, "error validating values in 'mig-devices' field: invalid format for '%s': %s",
				       sval(k), perr.msg);
		if (k->data.scalar.length >= sizeof(cnt->profile))
			return fail_at(c, k, "profile name '%.32s...' is too long", sval(k));
		for (size_t j = 0; j < s->n_mig_devices; j++)
			if (strcasecmp(s->mig_devices[j].profile, sval(k)) == 0)
				return fail_at(c, k, "profile '%s' appears twice in 'mig-devices'; give it once with the total count",
					       sval(k));
		memcpy(cnt->profile, sval(k), k->data.scalar.length + 1);
		cnt->line = line_of(k);
		if ((rc = parse_count(c, k, val, &cnt->count)))
			return rc;
		any |= cnt->count > 0;
		s->n_mig_devices++;
	}
	if (n > 0 && !any)
		return fail_at(c, v, "all counts for all MigProfiles are 0; give a profile a count above 0, or write \"mig-devices: {}\" for MIG mode without instances");
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_pins(struct ctx *c, yaml_node_t *v,
				  struct migctl_config_spec *s)
{
	enum migctl_err rc;

	if (v->type != YAML_SEQUENCE_NODE)
		return fail_at(c, v, "'migctl-placements' must be a list such as [\"3g.40gb@4\"], not %s",
			       node_kind(v));
	if (!s->mig_enabled)
		return fail_at(c, v, "'migctl-placements' needs 'mig-enabled: true'; remove it or enable MIG");
	if (seq_len(v) > MIGCTL_LAYOUT_MAX_GIS)
		return fail_at(c, v, "'migctl-placements' pins more than %d GPU instances",
			       MIGCTL_LAYOUT_MAX_GIS);
	if ((rc = spend(c, v, seq_len(v))))
		return rc;
	s->pins = calloc(seq_len(v) + 1, sizeof(*s->pins));
	if (!s->pins)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	for (size_t i = 0; i < seq_len(v); i++) {
		yaml_node_t *it = seq_item(c, v, i);
		struct migctl_config_pin *pin = &s->pins[s->n_pins];
		struct migctl_profile_name pn;
		struct migctl_error perr;
		const char *at, *p;
		unsigned start = 0;
		bool known = false;

		if ((rc = text_scalar(c, it, "an item of 'migctl-placements'")))
			return rc;
		at = strrchr(sval(it), '@');
		if (!at || (size_t)(at - sval(it)) >= sizeof(pin->profile))
			return fail_at(c, it, "placement \"%s\" must read PROFILE@START, e.g. \"3g.40gb@4\"",
				       sval(it));
		memcpy(pin->profile, sval(it), (size_t)(at - sval(it)));
		pin->profile[at - sval(it)] = '\0';
		p = at + 1;
		bool ok = isdigit((unsigned char)*p) && !(p[0] == '0' && p[1]);
		for (; ok && *p; p++) {
			ok = isdigit((unsigned char)*p) && start < MIGCTL_MAX_UNITS;
			start = start * 10 + (unsigned)(*p - '0');
		}
		if (!ok || start >= MIGCTL_MAX_UNITS)
			return fail_at(c, it, "placement \"%s\": the start must be a placement unit number such as 0 or 4 (see `migctl profiles`)",
				       sval(it));
		if (migctl_profile_name_parse(pin->profile, &pn, &perr))
			return fail_at(c, it, "placement \"%s\": %s", sval(it), perr.msg);
		for (size_t j = 0; j < s->n_mig_devices && !known; j++) {
			const struct migctl_config_count *cnt = &s->mig_devices[j];
			known = strcasecmp(cnt->profile, pin->profile) == 0 ||
				strcasecmp(gi_part(cnt->profile, &cnt->parsed), pin->profile) == 0;
		}
		if (!known)
			return fail_at(c, it, "placement \"%s\" names profile '%s', which this spec's 'mig-devices' does not ask for; add it there or fix the name",
				       sval(it), pin->profile);
		pin->start = start;
		pin->line = line_of(it);
		for (size_t j = 0; j < s->n_pins; j++)
			if (s->pins[j].start == start &&
			    strcasecmp(s->pins[j].profile, pin->profile) == 0)
				return fail_at(c, it, "placement \"%s\" is listed twice; list it once",
					       sval(it));
		s->n_pins++;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_spec(struct ctx *c, yaml_node_t *n,
				  struct migctl_config_spec *s, bool *ext)
{
	static const char *const allowed[] = {"devices", "device-filter", "mig-enabled",
		"mig-devices", "migctl-placements", NULL};
	yaml_node_t *v;
	enum migctl_err rc;

	s->line = line_of(n);
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(c, n, "each config spec must be a mapping with 'devices' and 'mig-enabled', not %s",
			       node_kind(n));
	if ((rc = check_keys(c, n, allowed,
			     "a config spec takes devices, device-filter, mig-enabled, mig-devices (and migctl-placements)")))
		return rc;
	v = map_get(c, n, "devices", NULL);
	if (is_null(v))
		return fail_at(c, n, "missing required field: devices; add \"devices: all\" or a list of GPU indices");
	if ((rc = parse_devices(c, v, s, ext)))
		return rc;
	v = map_get(c, n, "mig-enabled", NULL);
	if (is_null(v))
		return fail_at(c, n, "missing required field: mig-enabled; add \"mig-enabled: true\" or \"mig-enabled: false\"");
	if ((rc = parse_bool(c, v, "mig-enabled", &s->mig_enabled)))
		return rc;
	v = map_get(c, n, "device-filter", NULL);
	if (v && (rc = parse_filters(c, v, s)))
		return rc;
	v = map_get(c, n, "mig-devices", NULL);
	if (is_null(v)) {
		if (s->mig_enabled)
			return fail_at(c, n, "missing required field 'mig-devices' when 'mig-enabled' is true; list profiles and counts, or write \"mig-devices: {}\" for MIG mode without instances");
	} else if (v->type != YAML_MAPPING_NODE) {
		return fail_at(c, v, "'mig-devices' must be a mapping of profile to count such as {\"1g.10gb\": 7}, not %s",
			       node_kind(v));
	} else if (!s->mig_enabled && map_len(v) > 0) {
		return fail_at(c, v, "MIG devices included when 'mig-enabled' is false; remove 'mig-devices' or set 'mig-enabled: true'");
	} else if ((rc = parse_mig_devices(c, v, s))) {
		return rc;
	}
	v = map_get(c, n, "migctl-placements", NULL);
	if (v) {
		*ext = true;
		if ((rc = parse_pins(c, v, s)))
			return rc;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_entry(struct ctx *c, yaml_node_t *k, yaml_node_t *v,
				   struct migctl_config_entry *e, bool *ext)
{
	enum migctl_err rc;

	e->line = line_of(k);
	if ((rc = text_scalar(c, k, "a config label")))
		return rc;
	if (k->data.scalar.length == 0 || k->data.scalar.length >= sizeof(e->label))
		return fail_at(c, k, "config labels must be 1 to %zu characters long",
			       sizeof(e->label) - 1);
	memcpy(e->label, sval(k), k->data.scalar.length + 1);
	if (v->type != YAML_SEQUENCE_NODE || seq_len(v) == 0) {
		if (v->type == YAML_SEQUENCE_NODE || is_null(v))
			return fail_at(c, k, "at least one entry in '%s' is required; add a spec such as \"- devices: all\" with \"mig-enabled: false\"",
				       e->label);
		return fail_at(c, v, "'%s' must be a list of config specs (\"- devices: ...\"), not %s",
			       e->label, node_kind(v));
	}
	if (seq_len(v) > MAX_SPECS_PER_LABEL || c->total_specs + seq_len(v) > MAX_SPECS_TOTAL)
		return fail_at(c, v, "'%s' has too many config specs (at most %d per label and %d in a file)",
			       e->label, MAX_SPECS_PER_LABEL, MAX_SPECS_TOTAL);
	c->total_specs += seq_len(v);
	e->specs = calloc(seq_len(v), sizeof(*e->specs));
	if (!e->specs)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	for (size_t i = 0; i < seq_len(v); i++) {
		e->n_specs++;
		if ((rc = parse_spec(c, seq_item(c, v, i), &e->specs[i], ext)))
			return rc;
	}
	return MIGCTL_ERR_OK;
}

/* version: v1, as both file kinds require. */
static enum migctl_err check_version(struct ctx *c, yaml_node_t *root)
{
	yaml_node_t *v = map_get(c, root, "version", NULL);
	enum migctl_err rc;

	if (!v)
		return fail_at(c, root, "unable to parse with missing 'version' field; add \"version: v1\" at the top");
	if ((rc = text_scalar(c, v, "'version'")))
		return rc;
	if (strcmp(sval(v), "v1") != 0)
		return fail_at(c, v, "unknown version: %s; this format is \"version: v1\"", sval(v));
	return MIGCTL_ERR_OK;
}

/* Load one YAML document; the root is NULL for an empty text. */
static enum migctl_err load_doc(yaml_document_t *doc, const char *origin,
				const char *text, size_t len, struct migctl_error *err)
{
	yaml_parser_t parser;
	enum migctl_err rc = MIGCTL_ERR_OK;

	if (!yaml_parser_initialize(&parser))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", origin);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc))
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%lu: YAML syntax error: %s%s%s; fix the YAML",
				 origin, (unsigned long)parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "unreadable",
				 parser.context ? " " : "",
				 parser.context ? parser.context : "");
	yaml_parser_delete(&parser);
	return rc;
}

/* --- YAML as JSON ----------------------------------------------------- */

#define YAML_JSON_MAX_NODES 100000 /* aliases can share nodes: a budget */

static json_t *plain_scalar(const char *s)
{
	char *end;
	long long v;

	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
		return json_true();
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
		return json_false();
	if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || *s == '\0')
		return json_null();
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s != '+' && !isspace((unsigned char)*s) && *end == '\0' && errno == 0)
		return json_integer(v);
	return json_string(s);
}

static json_t *node_json(yaml_document_t *doc, yaml_node_t *n, unsigned depth, long *budget,
			 const char *origin, struct migctl_error *err)
{
	json_t *out = NULL;

	if (!n || --*budget < 0 || depth > 64) {
		migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%lu: nested or aliased too deeply for JSON",
			    origin, n ? (unsigned long)n->start_mark.line + 1 : 0UL);
		return NULL;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)n->data.scalar.value;
		out = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? plain_scalar(s)
								       : json_string(s);
		break;
	}
	case YAML_SEQUENCE_NODE:
		out = json_array();
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     out && i < n->data.sequence.items.top; i++) {
			json_t *v = node_json(doc, yaml_document_get_node(doc, *i), depth + 1,
					      budget, origin, err);
			if (!v || json_array_append_new(out, v)) {
				json_decref(out);
				return NULL;
			}
		}
		break;
	case YAML_MAPPING_NODE:
		out = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     out && p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			if (!k || k->type != YAML_SCALAR_NODE) {
				migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%lu: a key that is not a scalar "
					    "has no JSON form", origin,
					    k ? (unsigned long)k->start_mark.line + 1 : 0UL);
				json_decref(out);
				return NULL;
			}
			json_t *v = node_json(doc, yaml_document_get_node(doc, p->value), depth + 1,
					      budget, origin, err);
			if (!v || json_object_set_new(out, (const char *)k->data.scalar.value, v)) {
				json_decref(out);
				return NULL;
			}
		}
		break;
	default:
		break;
	}
	if (!out && err && !err->code)
		migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory converting %s", origin);
	return out;
}

enum migctl_err migctl_yaml_to_json(const char *text, size_t len, const char *origin,
				    char **out, struct migctl_error *err)
{
	yaml_document_t doc;
	long budget = YAML_JSON_MAX_NODES;
	enum migctl_err rc;
	json_t *j;

	*out = NULL;
	if (err)
		migctl_error_clear(err);
	if ((rc = load_doc(&doc, origin, text, len, err)))
		return rc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	j = root ? node_json(&doc, root, 0, &budget, origin, err) : json_null();
	yaml_document_delete(&doc);
	if (!j)
		return err ? err->code : MIGCTL_ERR_PARSE;
	*out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(j);
	if (!*out)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory converting %s", origin);
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_config_parse(struct migctl_config *cfg,
				    const char *origin, const char *text,
				    size_t len, struct migctl_error *err)
{
	static const char *const top_keys[] = {"version", "mig-configs",
		"migctl-unmatched", NULL};
	yaml_document_t doc;
	struct ctx c = {.doc = &doc, .origin = origin, .err = err};
	struct migctl_config tmp;
	yaml_node_t *root, *configs, *v, *vk = NULL;
	enum migctl_err rc;
	bool ext = false;

	migctl_config_release(cfg);
	migctl_config_init(&tmp);
	snprintf(tmp.origin, sizeof(tmp.origin), "%s", origin);
	if ((rc = load_doc(&doc, origin, text, len, err)))
		return rc;
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root)) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE,
				 "%s:1: empty config: unable to parse with missing 'version' field; start with \"version: v1\" and \"mig-configs:\"",
				 origin);
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = fail_at(&c, root, "a config file must be a mapping with \"version: v1\" and \"mig-configs:\", not %s",
			     node_kind(root));
		goto out;
	}
	if ((rc = check_keys(&c, root, top_keys,
			     "a config file takes version and mig-configs (and migctl-unmatched)")) ||
	    (rc = check_version(&c, root)))
		goto out;
	v = map_get(&c, root, "migctl-unmatched", &vk);
	if (v) {
		ext = true;
		tmp.unmatched_set = true;
		if ((rc = text_scalar(&c, v, "'migctl-unmatched'")))
			goto out;
		if (strcmp(sval(v), "leave") == 0) {
			tmp.unmatched = MIGCTL_UNMATCHED_LEAVE;
		} else if (strcmp(sval(v), "disable") == 0) {
			tmp.unmatched = MIGCTL_UNMATCHED_DISABLE;
		} else {
			rc = fail_at(&c, v, "'migctl-unmatched' must be leave or disable, not \"%s\"",
				     sval(v));
			goto out;
		}
	}
	configs = map_get(&c, root, "mig-configs", &vk);
	if (is_null(configs) || (configs->type == YAML_MAPPING_NODE && map_len(configs) == 0)) {
		rc = fail_at(&c, configs ? vk : root,
			     "at least one entry in 'mig-configs' is required; add a label such as \"all-disabled:\" with its specs");
		goto out;
	}
	if (configs->type != YAML_MAPPING_NODE) {
		rc = fail_at(&c, configs, "'mig-configs' must be a mapping from label to specs, not %s",
			     node_kind(configs));
		goto out;
	}
	if (map_len(configs) > MAX_LABELS) {
		rc = fail_at(&c, configs, "'mig-configs' has more than %d labels", MAX_LABELS);
		goto out;
	}
	tmp.entries = calloc(map_len(configs), sizeof(*tmp.entries));
	if (!tmp.entries) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", origin);
		goto out;
	}
	for (size_t i = 0; i < map_len(configs); i++) {
		yaml_node_pair_t *p = &configs->data.mapping.pairs.start[i];
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		struct migctl_config_entry *e = &tmp.entries[i];

		tmp.n_entries++;
		if ((rc = parse_entry(&c, k, yaml_document_get_node(&doc, p->value), e, &ext)))
			goto out;
		for (size_t j = 0; j < i; j++)
			if (strcmp(tmp.entries[j].label, e->label) == 0) {
				rc = fail_at(&c, k, "duplicate label \"%s\" (first at line %u); rename or remove one",
					     e->label, tmp.entries[j].line);
				goto out;
			}
	}
	tmp.uses_extensions = ext;
	*cfg = tmp;
	migctl_config_init(&tmp);
out:
	migctl_config_release(&tmp);
	yaml_document_delete(&doc);
	return rc;
}

/* Read a whole file ("-": standard input) into a malloc'ed buffer. */
static enum migctl_err read_all(const char *path, const char *what, char **out,
				size_t *out_len, struct migctl_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;

	if (!f)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot open %s %s: %s; check the path",
				   what, path, strerror(errno));
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb) {
				rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %s", path);
				goto out;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot read %s %s", what, path);
out:
	if (!is_stdin)
		fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = len;
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_config_load_file(struct migctl_config *cfg,
					const char *path,
					struct migctl_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum migctl_err rc;

	migctl_config_release(cfg);
	if ((rc = read_all(path, "config file", &buf, &len, err)))
		return rc;
	rc = migctl_config_parse(cfg, strcmp(path, "-") == 0 ? "<stdin>" : path, buf, len, err);
	free(buf);
	return rc;
}

/* "a, b, c" of the labels, cut with "..." to fit a message. */
static void label_list(const struct migctl_config *cfg, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cfg->n_entries; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 cfg->entries[i].label);
		if (n < 0 || used + (size_t)n >= len) {
			if (len > 4)
				snprintf(buf + (used < len - 4 ? used : len - 4), 4, "...");
			return;
		}
		used += (size_t)n;
	}
}

const struct migctl_config_entry *
migctl_config_select(const struct migctl_config *cfg, const char *label,
		     struct migctl_error *err)
{
	char list[300];

	label_list(cfg, list, sizeof(list));
	if (!label) {
		if (cfg->n_entries == 1)
			return &cfg->entries[0];
		if (cfg->n_entries == 0) {
			migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				    "the config has no labels; parse a config file first");
			return NULL;
		}
		migctl_fail(err, MIGCTL_ERR_USAGE,
			    "missing required flag 'selected-config' when more than one config available; choose one of: %s",
			    list);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_entries; i++)
		if (strcmp(cfg->entries[i].label, label) == 0)
			return &cfg->entries[i];
	migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
		    "selected mig-config not present: %s; the labels are: %s", label, list);
	return NULL;
}

/* --- resolution -------------------------------------------------------- */

static bool filter_matches(const struct migctl_config_spec *s,
			   const struct migctl_config_gpu *g)
{
	if (s->n_filters == 0)
		return true;
	for (size_t i = 0; i < s->n_filters; i++)
		if (s->filters[i].pci_id == g->pci_id &&
		    (!s->filters[i].has_subsystem || s->filters[i].subsystem_id == g->subsystem_id))
			return true;
	return false;
}

static bool ref_names(const struct migctl_device_ref *r, const struct migctl_config_gpu *g)
{
	switch (r->kind) {
	case MIGCTL_DEVICE_INDEX: return r->index == g->index;
	case MIGCTL_DEVICE_UUID: return g->uuid && strcasecmp(g->uuid, r->text) == 0;
	case MIGCTL_DEVICE_BUS_ID: return same_bus_id(g->bus_id, r->text);
	}
	return false;
}

static bool spec_matches(const struct migctl_config_spec *s,
			 const struct migctl_config_gpu *g)
{
	if (!filter_matches(s, g))
		return false;
	if (s->all_devices)
		return true;
	for (size_t i = 0; i < s->n_devices; i++)
		if (ref_names(&s->devices[i], g))
			return true;
	return false;
}

/* Every GPU that a spec names must be on the node. */
static enum migctl_err check_refs(const struct migctl_config_entry *e,
				  const struct migctl_config_gpu *gpus, size_t n_gpus,
				  struct migctl_error *err)
{
	for (size_t s = 0; s < e->n_specs; s++) {
		const struct migctl_config_spec *sp = &e->specs[s];
		for (size_t d = 0; d < sp->n_devices; d++) {
			const struct migctl_device_ref *r = &sp->devices[d];
			bool found = false;
			for (size_t i = 0; i < n_gpus && !found; i++)
				found = ref_names(r, &gpus[i]);
			if (found)
				continue;
			if (r->kind != MIGCTL_DEVICE_INDEX)
				return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
						   "config '%s', spec at line %u: no GPU with %s %s on this node; `migctl list` shows the GPUs",
						   e->label, sp->line,
						   r->kind == MIGCTL_DEVICE_UUID ? "UUID" : "bus ID",
						   r->text);
			if (n_gpus == 0)
				return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
						   "config '%s', spec at line %u: device index %u is not on this node, which has no GPUs",
						   e->label, sp->line, r->index);
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "config '%s', spec at line %u: device index %u is not on this node, which has %zu GPU%s (indices 0 to %zu); fix 'devices' or use a config for this node",
					   e->label, sp->line, r->index, n_gpus,
					   n_gpus == 1 ? "" : "s", n_gpus - 1);
		}
	}
	return MIGCTL_ERR_OK;
}

static void gi_names(const struct migctl_gpu_model *m, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < m->n_gi && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 m->gi[i].name);
}

static long find_gi(const struct migctl_gpu_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_gi; i++)
		if (strcasecmp(m->gi[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Resolve one profile string on a GPU's model to (GI profile, CI profile)
 * indices; the error names the GPU, the profile, the line and the fix. */
static enum migctl_err resolve_count(const struct migctl_config_gpu *g,
				     const struct migctl_config_spec *s,
				     const struct migctl_config_count *cnt,
				     size_t *gi, size_t *ci, struct migctl_error *err)
{
	const struct migctl_gpu_model *m = g->model;
	char list[300];
	long gix = find_gi(m, gi_part(cnt->profile, &cnt->parsed));

	if (gix < 0) {
		gi_names(m, list, sizeof(list));
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u (%s): profile '%s' (line %u, spec at line %u) does not exist on this model; its profiles are %s; fix the name or add a device-filter so that the spec skips this GPU",
				   g->index, m->name, cnt->profile, cnt->line, s->line, list);
	}
	const struct migctl_gi_profile *gp = &m->gi[gix];
	*gi = (size_t)gix;
	if (!cnt->parsed.ci_slices) {
		const struct migctl_ci_profile *def = migctl_gi_profile_default_ci(gp);
		if (!def)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "GPU %u (%s): profile '%s' (line %u) has no default compute-instance profile in the catalog; name a compute-instance profile such as 1c.%s",
					   g->index, m->name, cnt->profile, cnt->line, gp->name);
		*ci = (size_t)(def - gp->ci);
		return MIGCTL_ERR_OK;
	}
	for (size_t k = 0; k < gp->n_ci; k++)
		if (strcasecmp(gp->ci[k].name, cnt->profile) == 0) {
			*ci = k;
			return MIGCTL_ERR_OK;
		}
	size_t used = 0;
	list[0] = '\0';
	for (size_t k = 0; k < gp->n_ci && used < sizeof(list); k++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 k ? ", " : "", gp->ci[k].name);
	return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
			   "GPU %u (%s): profile '%s' (line %u, spec at line %u) does not exist on this model; the compute-instance profiles of %s are %s; fix the name",
			   g->index, m->name, cnt->profile, cnt->line, s->line, gp->name, list);
}

static enum migctl_err resolve_pin(const struct migctl_config_gpu *g,
				   const struct migctl_config_pin *pin,
				   struct migctl_gpu_target *t, struct migctl_error *err)
{
	const struct migctl_gpu_model *m = g->model;
	struct migctl_profile_name pn;
	char list[300];
	long gix;
	bool asked = false;

	if (migctl_profile_name_parse(pin->profile, &pn, err))
		return MIGCTL_ERR_INVALID_PLACEMENT; /* checked at parse time */
	gix = find_gi(m, gi_part(pin->profile, &pn));
	if (gix < 0) {
		gi_names(m, list, sizeof(list));
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u (%s): placement profile '%s' (line %u) does not exist on this model; its profiles are %s",
				   g->index, m->name, pin->profile, pin->line, list);
	}
	for (size_t i = 0; i < t->n_items; i++)
		asked |= t->items[i].gi == (size_t)gix && t->items[i].count > 0;
	if (!asked)
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "GPU %u (%s): placement %s@%u (line %u) pins a GPU instance of %s, but the spec asks for none; give %s a count above 0 or remove the pin",
				   g->index, m->name, pin->profile, pin->start, pin->line,
				   m->gi[gix].name, pin->profile);
	const struct migctl_gi_profile *gp = &m->gi[gix];
	struct migctl_placement pl = {pin->start, gp->placements.size};
	if (!migctl_placement_set_has(&gp->placements, pl)) {
		migctl_placement_set_format(&gp->placements, list, sizeof(list));
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "GPU %u (%s): %s cannot start at %u (line %u); its placements are %s; pick one of those starts",
				   g->index, m->name, gp->name, pin->start, pin->line, list);
	}
	if (t->n_pins == MIGCTL_LAYOUT_MAX_GIS)
		return migctl_fail(err, MIGCTL_ERR_INVALID_PLACEMENT,
				   "GPU %u: more than %d pinned GPU instances", g->index,
				   MIGCTL_LAYOUT_MAX_GIS);
	t->pins[t->n_pins++] = (struct migctl_target_pin){.gi = (size_t)gix, .placement = pl};
	return MIGCTL_ERR_OK;
}

static enum migctl_err resolve_spec(const struct migctl_config_spec *s,
				    const struct migctl_config_gpu *g,
				    struct migctl_gpu_target *t, struct migctl_error *err)
{
	enum migctl_err rc;

	t->mig_enabled = s->mig_enabled;
	if (!s->mig_enabled || (s->n_mig_devices == 0 && s->n_pins == 0))
		return MIGCTL_ERR_OK;
	if (!g->model)
		return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
				   "GPU %u: its MIG profiles are unknown, so the profiles of the spec at line %u cannot be resolved; add the model with --catalog",
				   g->index, s->line);
	for (size_t i = 0; i < s->n_mig_devices; i++) {
		size_t gi, ci;
		if ((rc = resolve_count(g, s, &s->mig_devices[i], &gi, &ci, err)))
			return rc;
		if (s->mig_devices[i].count == 0)
			continue;
		if ((rc = migctl_target_add(t, gi, ci, s->mig_devices[i].count, err)))
			return rc;
	}
	for (size_t i = 0; i < s->n_pins; i++)
		if ((rc = resolve_pin(g, &s->pins[i], t, err)))
			return rc;
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_config_resolve(const struct migctl_config_entry *entry,
				      enum migctl_unmatched unmatched,
				      const struct migctl_config_gpu *gpus,
				      size_t n_gpus,
				      struct migctl_gpu_plan *out,
				      struct migctl_error *err)
{
	enum migctl_err rc;

	if (n_gpus)
		memset(out, 0, n_gpus * sizeof(*out));
	if ((rc = check_refs(entry, gpus, n_gpus, err)))
		goto out;
	for (size_t i = 0; i < n_gpus; i++) {
		const struct migctl_config_gpu *g = &gpus[i];
		const struct migctl_config_spec *dec = NULL;

		for (size_t s = 0; s < entry->n_specs; s++)
			if (spec_matches(&entry->specs[s], g))
				dec = &entry->specs[s];
		if (!dec) {
			/* mig-parted leaves unlisted GPUs alone; `disable`
			 * asks for MIG off, which only means something on a
			 * GPU that has MIG. */
			if (unmatched == MIGCTL_UNMATCHED_DISABLE && g->mig_capable)
				out[i].managed = true;
			continue;
		}
		if (!g->mig_capable) {
			if (dec->mig_enabled && !dec->all_devices) {
				rc = migctl_fail(err, MIGCTL_ERR_NOT_SUPPORTED,
						 "GPU %u%s%s%s: cannot set MIG mode on non MIG-capable GPU (config '%s', spec at line %u); remove it from 'devices'",
						 g->index, g->model ? " (" : "",
						 g->model ? g->model->name : "", g->model ? ")" : "",
						 entry->label, dec->line);
				goto out;
			}
			continue; /* skipped, as mig-parted does */
		}
		out[i].matched = true;
		out[i].managed = true;
		out[i].spec_line = dec->line;
		if ((rc = resolve_spec(dec, g, &out[i].target, err)))
			goto out;
	}
out:
	if (rc && n_gpus)
		memset(out, 0, n_gpus * sizeof(*out));
	return rc;
}

/* --- hooks ------------------------------------------------------------- */

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

static enum migctl_err dup_text(struct ctx *c, yaml_node_t *n, const char *what,
				bool nonempty, char **out)
{
	enum migctl_err rc = text_scalar(c, n, what);

	if (rc)
		return rc;
	if (nonempty && n->data.scalar.length == 0)
		return fail_at(c, n, "%s must not be empty", what);
	*out = strdup(sval(n));
	if (!*out)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_hook_command(struct ctx *c, yaml_node_t *n,
					  struct migctl_hook_command *h)
{
	static const char *const allowed[] = {"command", "args", "envs", "workdir", NULL};
	yaml_node_t *v;
	enum migctl_err rc;

	h->line = line_of(n);
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(c, n, "each hook must be a mapping with 'command', not %s",
			       node_kind(n));
	if ((rc = check_keys(c, n, allowed, "a hook takes command, args, envs and workdir")))
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
		if ((rc = spend(c, v, seq_len(v))))
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
		if ((rc = spend(c, v, map_len(v))))
			return rc;
		h->envs = calloc(map_len(v) + 1, sizeof(*h->envs));
		if (!h->envs)
			return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
		for (size_t i = 0; i < map_len(v); i++) {
			yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
			yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
			struct migctl_hook_env *e = &h->envs[h->n_envs];
			if ((rc = text_scalar(c, k, "an environment variable name")))
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
			    (rc = dup_text(c, yaml_document_get_node(c->doc, p->value),
					   "an environment variable value", false, &e->value)))
				return rc;
		}
	}
	v = map_get(c, n, "workdir", NULL);
	if (v && !is_null(v) && (rc = dup_text(c, v, "'workdir'", true, &h->workdir)))
		return rc;
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_hook_list(struct ctx *c, yaml_node_t *k, yaml_node_t *v,
				       struct migctl_hooks *tmp, bool *seen)
{
	enum migctl_err rc;
	int point = -1;

	if ((rc = text_scalar(c, k, "a hook name")))
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
	if ((rc = spend(c, v, seq_len(v))))
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
	yaml_document_t doc;
	struct ctx c = {.doc = &doc, .origin = origin, .err = err};
	struct migctl_hooks tmp;
	yaml_node_t *root, *v;
	enum migctl_err rc;

	migctl_hooks_release(hooks);
	migctl_hooks_init(&tmp);
	if ((rc = load_doc(&doc, origin, text, len, err)))
		return rc;
	root = yaml_document_get_root_node(&doc);
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
	if ((rc = check_keys(&c, root, top_keys, "a hooks file takes version and hooks")) ||
	    (rc = check_version(&c, root)))
		goto out;
	v = map_get(&c, root, "hooks", NULL);
	if (v && !is_null(v)) {
		if (v->type != YAML_MAPPING_NODE) {
			rc = fail_at(&c, v, "'hooks' must be a mapping from hook name to commands, not %s",
				     node_kind(v));
			goto out;
		}
		bool seen[MIGCTL_HOOK_POINTS] = {false};
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
		     p < v->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			if ((rc = parse_hook_list(&c, k, yaml_document_get_node(&doc, p->value),
						  &tmp, seen)))
				goto out;
		}
	}
	*hooks = tmp;
	migctl_hooks_init(&tmp);
out:
	migctl_hooks_release(&tmp);
	yaml_document_delete(&doc);
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
	if ((rc = read_all(path, "hooks file", &buf, &len, err)))
		return rc;
	rc = migctl_hooks_parse(hooks, strcmp(path, "-") == 0 ? "<stdin>" : path, buf, len, err);
	free(buf);
	return rc;
}

/* --- generate ---------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* One GPU model of the input, with its PCI IDs (in input order). */
struct kind {
	const struct migctl_gpu_model *model;
	uint32_t *pci;
	size_t n_pci;
};

struct gen_item {
	const char *profile;
	unsigned count;
};

/* A spec to write: its mig-devices and the kinds it applies to. */
struct gen_spec {
	struct gen_item items[4];
	size_t n_items;
	bool *kinds;                  /* n_kinds flags */
};

struct gen {
	struct kind *kinds;
	size_t n_kinds;
	bool filters;                 /* more than one PCI ID: write filters */
	struct gen_spec *specs;       /* of the label being built */
	size_t n_specs;
	struct sbuf out;
};

static bool profile_ok(const char *name)
{
	struct migctl_profile_name pn;
	return migctl_profile_name_parse(name, &pn, NULL) == MIGCTL_ERR_OK && !pn.ci_slices;
}

/* Add kind k's spec, merging it into an identical one of the label so that
 * models with the same layout share one spec (as mig-parted's file does). */
static bool gen_add(struct gen *g, size_t k, const struct gen_item *items, size_t n)
{
	for (size_t s = 0; s < g->n_specs; s++) {
		struct gen_spec *sp = &g->specs[s];
		bool same = sp->n_items == n;
		for (size_t i = 0; same && i < n; i++)
			same = strcmp(sp->items[i].profile, items[i].profile) == 0 &&
			       sp->items[i].count == items[i].count;
		if (same) {
			sp->kinds[k] = true;
			return true;
		}
	}
	struct gen_spec *sp = &g->specs[g->n_specs];
	sp->kinds = calloc(g->n_kinds, sizeof(bool));
	if (!sp->kinds)
		return false;
	memcpy(sp->items, items, n * sizeof(*items));
	sp->n_items = n;
	sp->kinds[k] = true;
	g->n_specs++;
	return true;
}

static void gen_flush(struct gen *g, const char *label)
{
	if (g->n_specs)
		sb_printf(&g->out, "  %s:\n", label);
	for (size_t s = 0; s < g->n_specs; s++) {
		struct gen_spec *sp = &g->specs[s];
		const char *lead = "    - ";
		if (g->filters) {
			bool first = true;
			sb_printf(&g->out, "%sdevice-filter: [", lead);
			for (size_t k = 0; k < g->n_kinds; k++)
				for (size_t i = 0; sp->kinds[k] && i < g->kinds[k].n_pci; i++) {
					sb_printf(&g->out, "%s\"0x%08X\"", first ? "" : ", ",
						  (unsigned)g->kinds[k].pci[i]);
					first = false;
				}
			sb_printf(&g->out, "]\n");
			lead = "      ";
		}
		sb_printf(&g->out, "%sdevices: all\n      mig-enabled: true\n      mig-devices:\n", lead);
		for (size_t i = 0; i < sp->n_items; i++)
			sb_printf(&g->out, "        %s: %u\n", sp->items[i].profile, sp->items[i].count);
		free(sp->kinds);
	}
	g->n_specs = 0;
}

/* For balanced: the GI profile with `slices` compute slices and the most
 * instances; ties go to the lowest ID, the base profile. */
static const struct migctl_gi_profile *best_of_size(const struct migctl_gpu_model *m,
						    unsigned slices)
{
	const struct migctl_gi_profile *best = NULL;
	for (size_t i = 0; i < m->n_gi; i++) {
		const struct migctl_gi_profile *p = &m->gi[i];
		if (p->compute_slices != slices || !profile_ok(p->name) || p->max == 0)
			continue;
		if (!best || p->max > best->max || (p->max == best->max && p->id < best->id))
			best = p;
	}
	return best;
}

/* Order profiles by their label, in which '+' reads as '.'. */
static int cmp_label(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	for (;; x++, y++) {
		int cx = *x == '+' ? '.' : (unsigned char)*x;
		int cy = *y == '+' ? '.' : (unsigned char)*y;
		if (cx != cy || !cx)
			return cx - cy;
	}
}

enum migctl_err migctl_config_generate(const struct migctl_generate_gpu *gpus,
				       size_t n_gpus, char **out,
				       struct migctl_error *err)
{
	struct gen g = {0};
	const char **names = NULL;
	size_t n_names = 0, n_distinct_pci = 0, max_names = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;

	*out = NULL;
	g.kinds = calloc(n_gpus + 1, sizeof(*g.kinds));
	g.specs = calloc(n_gpus + 1, sizeof(*g.specs));
	if (!g.kinds || !g.specs)
		goto oom;
	for (size_t i = 0; i < n_gpus; i++) {
		const struct migctl_gpu_model *m = gpus[i].model;
		bool seen_pci = false;
		size_t k;
		if (!m) {
			rc = migctl_fail(err, MIGCTL_ERR_USAGE,
					 "GPU kind %zu has no model; give each GPU its catalog model", i);
			goto out;
		}
		for (size_t j = 0; j < g.n_kinds; j++)
			for (size_t q = 0; q < g.kinds[j].n_pci; q++)
				seen_pci |= g.kinds[j].pci[q] == gpus[i].pci_id;
		for (k = 0; k < g.n_kinds; k++)
			if (strcmp(g.kinds[k].model->name, m->name) == 0)
				break;
		if (k == g.n_kinds) {
			g.kinds[k].model = m;
			g.kinds[k].pci = calloc(n_gpus, sizeof(uint32_t));
			if (!g.kinds[k].pci)
				goto oom;
			g.n_kinds++;
			max_names += m->n_gi;
		}
		if (!seen_pci) {
			g.kinds[k].pci[g.kinds[k].n_pci++] = gpus[i].pci_id;
			n_distinct_pci++;
		}
	}
	g.filters = n_distinct_pci > 1;

	sb_printf(&g.out, "# Generated by migctl from its GPU catalog; see docs/config-format.md.\n"
			  "version: v1\nmig-configs:\n"
			  "  all-disabled:\n    - devices: all\n      mig-enabled: false\n"
			  "  all-enabled:\n    - devices: all\n      mig-enabled: true\n      mig-devices: {}\n");

	/* all-balanced: 2 x 1g + 1 x 2g (+ 1 x 3g on 7-slice GPUs). */
	for (size_t k = 0; k < g.n_kinds; k++) {
		const struct migctl_gpu_model *m = g.kinds[k].model;
		static const unsigned per_size[] = {2, 1, 1};
		struct gen_item items[3];
		size_t n = 0, sizes = m->compute_slices == 7 ? 3 : m->compute_slices == 4 ? 2 : 0;
		for (size_t s = 0; s < sizes; s++) {
			const struct migctl_gi_profile *p = best_of_size(m, (unsigned)s + 1);
			if (p)
				items[n++] = (struct gen_item){p->name, per_size[s]};
		}
		if (n && !gen_add(&g, k, items, n))
			goto oom;
	}
	gen_flush(&g, "all-balanced");

	/* all-<profile>: every GI profile at its limit, labels sorted. */
	names = calloc(max_names + 1, sizeof(*names));
	if (!names)
		goto oom;
	for (size_t k = 0; k < g.n_kinds; k++)
		for (size_t i = 0; i < g.kinds[k].model->n_gi; i++) {
			const char *nm = g.kinds[k].model->gi[i].name;
			bool dup = false;
			for (size_t j = 0; j < n_names && !dup; j++)
				dup = strcmp(names[j], nm) == 0;
			if (!dup && profile_ok(nm) && g.kinds[k].model->gi[i].max > 0)
				names[n_names++] = nm;
		}
	qsort(names, n_names, sizeof(*names), cmp_label);
	for (size_t j = 0; j < n_names; j++) {
		char label[MIGCTL_NAME_MAX + 8];
		snprintf(label, sizeof(label), "all-%s", names[j]);
		for (char *p = label; *p; p++)
			if (*p == '+')
				*p = '.';
		for (size_t k = 0; k < g.n_kinds; k++) {
			long gi = find_gi(g.kinds[k].model, names[j]);
			if (gi < 0 || strcmp(g.kinds[k].model->gi[gi].name, names[j]) != 0)
				continue;
			struct gen_item it = {names[j], g.kinds[k].model->gi[gi].max};
			if (!gen_add(&g, k, &it, 1))
				goto oom;
		}
		gen_flush(&g, label);
	}
	if (g.out.oom)
		goto oom;
	*out = g.out.p;
	g.out.p = NULL;
	goto out;
oom:
	rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory generating a config");
out:
	for (size_t s = 0; s < g.n_specs; s++)
		free(g.specs[s].kinds);
	for (size_t k = 0; k < g.n_kinds; k++)
		free(g.kinds[k].pci);
	free(g.kinds);
	free(g.specs);
	free(names);
	free(g.out.p);
	return rc;
}
