/* migctl — nvidia-mig-parted `version: v1` configs: parsing (profile
 * names, device filters and references, the config file itself).
 *
 * Parsing walks the document through the shared YAML reader
 * (util/yaml_read.h) and builds the whole result in a scratch struct that
 * replaces the caller's only when every check passed, so an error never
 * leaves half a config behind. The checks mirror mig-parted's parse-time
 * checks and reuse its wording, so a user who searches for a message finds
 * mig-parted's documentation too; each message then says what to change.
 * Selection and per-GPU resolution are in config_resolve.c, generation and
 * export in config_export.c, hooks files in hooks.c.
 */
#include "migctl/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "migctl/geometry.h"
#include "util/bus_id.h"
#include "util/file.h"

/* Limits that keep hostile input (aliases multiply nodes) bounded; real
 * configs stay far below them. */
#define MAX_LABELS 4096
#define MAX_SPECS_PER_LABEL 256
#define MAX_SPECS_TOTAL 16384
#define MAX_DEVICES 256
#define MAX_FILTERS 64
#define MAX_MIG_DEVICES 64
#define MAX_COUNT 1024

#define PROFILE_FORMAT "[<C>c.]<G>g.<GB>gb[+attr[,attr]][-me], e.g. 1g.10gb, 1c.3g.40gb, 1g.24gb+me.all"

/* --- the walk shared with hooks.c (config_priv.h) ---------------------- */

enum migctl_err migctl_cfg_spend(struct cfg_ctx *c, const yaml_node_t *n, size_t count)
{
	c->items += count;
	if (c->items > MIGCTL_CONFIG_MAX_ITEMS)
		return fail_at(c, n, "the file has more than %d items (aliases count each time they are used); split it",
			       MIGCTL_CONFIG_MAX_ITEMS);
	return MIGCTL_ERR_OK;
}

/* libyaml allows NUL bytes inside quoted scalars, which C strings would
 * silently cut. */
enum migctl_err migctl_cfg_text(struct cfg_ctx *c, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(c, n, "%s must be a single value, not %s", what, node_kind(n));
	if (mu_yaml_has_nul(n))
		return fail_at(c, n, "%s contains a NUL byte; remove it", what);
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_cfg_check_keys(struct cfg_ctx *c, yaml_node_t *map,
				      const char *const *allowed, const char *hint)
{
	yaml_node_t *k;

	switch (mu_yaml_check_keys(c->y, map, allowed, &k)) {
	case MU_YAML_KEYS_OK:
		return MIGCTL_ERR_OK;
	case MU_YAML_KEY_NOT_TEXT:
	case MU_YAML_KEY_EMPTY:
		return k ? migctl_cfg_text(c, k, "a key") : fail_at(c, map, "unreadable key");
	case MU_YAML_KEY_UNKNOWN:
		return fail_at(c, k, "unexpected field: %s; %s", sval(k), hint);
	case MU_YAML_KEY_DUPLICATE:
		break;
	}
	return fail_at(c, k, "duplicate key \"%s\"; keep only one", sval(k));
}

enum migctl_err migctl_cfg_check_version(struct cfg_ctx *c, yaml_node_t *root)
{
	yaml_node_t *v = map_get(c, root, "version", NULL);
	enum migctl_err rc;

	if (!v)
		return fail_at(c, root, "unable to parse with missing 'version' field; add \"version: v1\" at the top");
	if ((rc = migctl_cfg_text(c, v, "'version'")))
		return rc;
	if (strcmp(sval(v), "v1") != 0)
		return fail_at(c, v, "unknown version: %s; this format is \"version: v1\"", sval(v));
	return MIGCTL_ERR_OK;
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
	case MIGCTL_DEVICE_BUS_ID: return mu_bus_id_same(a->text, b->text);
	}
	return false;
}

const char *migctl_config_gi_part(const char *profile, const struct migctl_profile_name *pn)
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

static enum migctl_err parse_device_item(struct cfg_ctx *c, yaml_node_t *n,
					 struct migctl_device_ref *ref, bool *ext)
{
	enum migctl_err rc;
	const char *s;

	if ((rc = migctl_cfg_text(c, n, "an item of 'devices'")))
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
		struct mu_bus_id b;
		if (!mu_bus_id_parse(s, &b))
			return fail_at(c, n, "invalid device \"%s\" in 'devices'; write a GPU index (0), a GPU UUID (GPU-...) or a PCI bus ID (00000000:07:00.0)",
				       s);
		ref->kind = MIGCTL_DEVICE_BUS_ID;
	}
	memcpy(ref->text, s, n->data.scalar.length + 1);
	*ext = true;
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_devices(struct cfg_ctx *c, yaml_node_t *v,
				     struct migctl_config_spec *s, bool *ext)
{
	enum migctl_err rc;

	if (v->type == YAML_SCALAR_NODE) {
		if ((rc = migctl_cfg_text(c, v, "'devices'")))
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
	if ((rc = migctl_cfg_spend(c, v, seq_len(v))))
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

static enum migctl_err parse_filter_item(struct cfg_ctx *c, yaml_node_t *n,
					 struct migctl_device_filter *f)
{
	struct migctl_error ferr;
	enum migctl_err rc = migctl_cfg_text(c, n, "a 'device-filter'");

	if (rc)
		return rc;
	if (migctl_device_filter_parse(sval(n), f, &ferr))
		return fail_at(c, n, "invalid 'device-filter': %s", ferr.msg);
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_filters(struct cfg_ctx *c, yaml_node_t *v,
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
	if ((rc = migctl_cfg_spend(c, v, n)))
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

static enum migctl_err parse_bool(struct cfg_ctx *c, yaml_node_t *v, const char *key,
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

static enum migctl_err parse_count(struct cfg_ctx *c, yaml_node_t *k, yaml_node_t *v,
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

static enum migctl_err parse_mig_devices(struct cfg_ctx *c, yaml_node_t *v,
					 struct migctl_config_spec *s)
{
	size_t n = map_len(v);
	bool any = false;
	enum migctl_err rc;

	if (n > MAX_MIG_DEVICES)
		return fail_at(c, v, "'mig-devices' has more than %d profiles", MAX_MIG_DEVICES);
	if ((rc = migctl_cfg_spend(c, v, n)))
		return rc;
	s->mig_devices = calloc(n + 1, sizeof(*s->mig_devices));
	if (!s->mig_devices)
		return migctl_fail(c->err, MIGCTL_ERR_NOMEM, "out of memory parsing %s", c->origin);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = mu_yaml_map_key(c->y, v, i);
		yaml_node_t *val = mu_yaml_map_value(c->y, v, i);
		struct migctl_config_count *cnt = &s->mig_devices[s->n_mig_devices];
		struct migctl_error perr;

		if ((rc = migctl_cfg_text(c, k, "a profile in 'mig-devices'")))
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

static enum migctl_err parse_pins(struct cfg_ctx *c, yaml_node_t *v,
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
	if ((rc = migctl_cfg_spend(c, v, seq_len(v))))
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

		if ((rc = migctl_cfg_text(c, it, "an item of 'migctl-placements'")))
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
				strcasecmp(migctl_config_gi_part(cnt->profile, &cnt->parsed), pin->profile) == 0;
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

static enum migctl_err parse_spec(struct cfg_ctx *c, yaml_node_t *n,
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
	if ((rc = migctl_cfg_check_keys(c, n, allowed,
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

static enum migctl_err parse_entry(struct cfg_ctx *c, yaml_node_t *k, yaml_node_t *v,
				   struct migctl_config_entry *e, bool *ext)
{
	enum migctl_err rc;

	e->line = line_of(k);
	if ((rc = migctl_cfg_text(c, k, "a config label")))
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

enum migctl_err migctl_config_parse(struct migctl_config *cfg,
				    const char *origin, const char *text,
				    size_t len, struct migctl_error *err)
{
	static const char *const top_keys[] = {"version", "mig-configs",
		"migctl-unmatched", NULL};
	struct mu_yaml y;
	struct cfg_ctx c = {.y = &y, .origin = origin, .err = err};
	struct migctl_config tmp;
	yaml_node_t *root, *configs, *v, *vk = NULL;
	enum migctl_err rc;
	bool ext = false;

	migctl_config_release(cfg);
	migctl_config_init(&tmp);
	snprintf(tmp.origin, sizeof(tmp.origin), "%s", origin);
	if ((rc = mu_yaml_load(&y, origin, text, len, MIGCTL_ERR_PARSE, true, err)))
		return rc;
	root = mu_yaml_root(&y);
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
	if ((rc = migctl_cfg_check_keys(&c, root, top_keys,
			     "a config file takes version and mig-configs (and migctl-unmatched)")) ||
	    (rc = migctl_cfg_check_version(&c, root)))
		goto out;
	v = map_get(&c, root, "migctl-unmatched", &vk);
	if (v) {
		ext = true;
		tmp.unmatched_set = true;
		if ((rc = migctl_cfg_text(&c, v, "'migctl-unmatched'")))
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
		yaml_node_t *k = mu_yaml_map_key(&y, configs, i);
		struct migctl_config_entry *e = &tmp.entries[i];

		tmp.n_entries++;
		if ((rc = parse_entry(&c, k, mu_yaml_map_value(&y, configs, i), e, &ext)))
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
	mu_yaml_release(&y);
	return rc;
}

enum migctl_err migctl_config_load_file(struct migctl_config *cfg,
					const char *path,
					struct migctl_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum migctl_err rc;

	migctl_config_release(cfg);
	if ((rc = mu_file_read(path, "config file", 0, &buf, &len, err)))
		return rc;
	rc = migctl_config_parse(cfg, mu_file_origin(path), buf, len, err);
	free(buf);
	return rc;
}

