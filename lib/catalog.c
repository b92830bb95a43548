/* migctl — GPU model catalog: YAML loading, validation and lookup.
 *
 * libyaml's document API builds the node tree (and resolves anchors and
 * aliases, which the data files use to share profile tables). We walk it
 * with a few typed getters that reject unknown keys, so every mistake in a
 * catalog file is reported as FILE:LINE with what is wrong.
 */
#include "migctl/catalog.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "util/file.h"
#include "util/list.h"
#include "util/yaml_read.h"
#include "util/suggest.h"

#define CATALOG_VERSION 1

/* --- small helpers ----------------------------------------------------- */

/* Lower-case alphanumerics only: "NVIDIA A100 80GB PCIe" -> "nvidiaa10080gbpcie". */
static void normalize(const char *in, char *out, size_t len)
{
	size_t n = 0;
	for (; *in && n + 1 < len; in++)
		if (isalnum((unsigned char)*in))
			out[n++] = (char)tolower((unsigned char)*in);
	out[n] = '\0';
}

static const char *strip_prefix_ci(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncasecmp(s, prefix, n) == 0 ? s + n : s;
}

/* Parse a non-negative integer, decimal or 0x-hex, the whole string. */
static bool parse_uint(const char *s, uint64_t *out)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

const char *migctl_arch_name(enum migctl_arch arch)
{
	switch (arch) {
	case MIGCTL_ARCH_AMPERE: return "ampere";
	case MIGCTL_ARCH_HOPPER: return "hopper";
	case MIGCTL_ARCH_BLACKWELL: return "blackwell";
	case MIGCTL_ARCH_UNKNOWN: break;
	}
	return "unknown";
}

static enum migctl_arch arch_from_name(const char *s)
{
	for (int a = MIGCTL_ARCH_AMPERE; a <= MIGCTL_ARCH_BLACKWELL; a++)
		if (strcmp(s, migctl_arch_name((enum migctl_arch)a)) == 0)
			return (enum migctl_arch)a;
	return MIGCTL_ARCH_UNKNOWN;
}

/* --- placement notation ------------------------------------------------ */

enum migctl_err migctl_placement_set_parse(const char *text,
					   unsigned max_units,
					   struct migctl_placement_set *out,
					   struct migctl_error *err)
{
	const char *p = text;
	uint64_t v;
	char num[24];

	memset(out, 0, sizeof(*out));
	if (*p++ != '{')
		goto bad;
	for (;;) {
		size_t n = 0;
		while (*p == ' ')
			p++;
		while (isdigit((unsigned char)*p) && n + 1 < sizeof(num))
			num[n++] = *p++;
		num[n] = '\0';
		if (n == 0 || !parse_uint(num, &v) || v >= MIGCTL_MAX_UNITS)
			goto bad;
		if (out->n_starts == MIGCTL_MAX_UNITS)
			goto bad;
		if (out->n_starts > 0 && v <= out->starts[out->n_starts - 1])
			return migctl_fail(err, MIGCTL_ERR_CATALOG,
					   "placement starts in \"%s\" must be listed in ascending order without repeats",
					   text);
		out->starts[out->n_starts++] = (unsigned)v;
		while (*p == ' ')
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p++ == '}')
			break;
		goto bad;
	}
	if (*p++ != ':' || !isdigit((unsigned char)*p) || strlen(p) > 3 ||
	    !parse_uint(p, &v) || v == 0 || v > MIGCTL_MAX_UNITS)
		goto bad;
	out->size = (unsigned)v;
	for (unsigned i = 0; i < out->n_starts; i++)
		if (out->starts[i] + out->size > max_units)
			return migctl_fail(err, MIGCTL_ERR_CATALOG,
					   "placement %u:%u in \"%s\" goes beyond the %u available units",
					   out->starts[i], out->size, text, max_units);
	return MIGCTL_ERR_OK;
bad:
	return migctl_fail(err, MIGCTL_ERR_CATALOG,
			   "bad placement list \"%s\": expected nvidia-smi notation like \"{0,2,4}:2\"",
			   text);
}

int migctl_placement_set_format(const struct migctl_placement_set *set,
				char *buf, size_t len)
{
	size_t used = 0;
	int total = 0;

	for (unsigned i = 0; i <= set->n_starts; i++) {
		int n;
		if (i == set->n_starts)
			n = snprintf(buf + used, len - used, "}:%u", set->size);
		else
			n = snprintf(buf + used, len - used, "%s%u", i ? "," : "{",
				     set->starts[i]);
		if (n < 0)
			return n;
		total += n;
		used = (size_t)total < len ? (size_t)total : (len ? len - 1 : 0);
	}
	return total;
}

/* --- YAML walking ------------------------------------------------------ */

/* The walk goes through the shared reader (util/yaml_read.h); these thin
 * wrappers keep the catalog's own messages. */
struct ctx {
	struct mu_yaml *y;
	const char *origin;
};

static unsigned long line_of(const yaml_node_t *n)
{
	return mu_yaml_line(n);
}

#define fail_at(c, n, ...) mu_yaml_fail((c)->y, (n), __VA_ARGS__)

static const char *node_kind(const yaml_node_t *n)
{
	return mu_yaml_kind(n);
}

static const char *scalar(const yaml_node_t *n)
{
	return mu_yaml_text(n);
}

/* Check a mapping's keys: all scalars, no duplicates, all in `allowed`
 * (NULL-terminated), and every `required` one present (an error about a
 * missing key names the line of the mapping). */
static enum migctl_err check_keys(struct ctx *c, yaml_node_t *map,
				  const char *what,
				  const char *const *allowed,
				  const char *const *required)
{
	yaml_node_t *k;

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(c, map, "%s must be a mapping, not %s", what,
			       node_kind(map));
	switch (mu_yaml_check_keys(c->y, map, allowed, &k)) {
	case MU_YAML_KEYS_OK:
		break;
	case MU_YAML_KEY_NOT_TEXT:
	case MU_YAML_KEY_EMPTY:
		return fail_at(c, k ? k : map, "%s: keys must be plain names", what);
	case MU_YAML_KEY_UNKNOWN:
		return fail_at(c, k, "unknown key \"%s\" in %s (see docs/catalog-format.md)",
			       scalar(k), what);
	case MU_YAML_KEY_DUPLICATE:
		return fail_at(c, k, "duplicate key \"%s\" in %s", scalar(k), what);
	}
	for (const char *const *r = required; r && *r; r++)
		if (!mu_yaml_map_get(c->y, map, *r, NULL))
			return fail_at(c, map, "%s is missing the required key \"%s\"",
				       what, *r);
	return MIGCTL_ERR_OK;
}

static yaml_node_t *get(struct ctx *c, yaml_node_t *map, const char *key)
{
	return mu_yaml_map_get(c->y, map, key, NULL);
}

static enum migctl_err get_scalar(struct ctx *c, yaml_node_t *map,
				  const char *key, yaml_node_t **out)
{
	yaml_node_t *v = get(c, map, key);
	*out = v;
	if (v && v->type != YAML_SCALAR_NODE)
		return fail_at(c, v, "\"%s\" must be a single value, not %s", key,
			       node_kind(v));
	return MIGCTL_ERR_OK;
}

/* Optional unsigned in [min, max]; `out` keeps its value when absent. */
static enum migctl_err get_uint(struct ctx *c, yaml_node_t *map,
				const char *key, uint64_t min, uint64_t max,
				uint64_t *out)
{
	yaml_node_t *v;
	uint64_t x;
	enum migctl_err rc = get_scalar(c, map, key, &v);

	if (rc || !v)
		return rc;
	if (!parse_uint(scalar(v), &x))
		return fail_at(c, v, "\"%s\" must be a non-negative integer, not \"%s\"",
			       key, scalar(v));
	if (x < min || x > max)
		return fail_at(c, v, "\"%s\" is %llu; it must be between %llu and %llu",
			       key, (unsigned long long)x,
			       (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return MIGCTL_ERR_OK;
}

static enum migctl_err get_unsigned(struct ctx *c, yaml_node_t *map,
				    const char *key, unsigned min, unsigned max,
				    unsigned *out)
{
	uint64_t v = *out;
	enum migctl_err rc = get_uint(c, map, key, min, max, &v);
	*out = (unsigned)v;
	return rc;
}

static enum migctl_err get_str(struct ctx *c, yaml_node_t *map, const char *key,
			       char *buf, size_t len)
{
	yaml_node_t *v;
	enum migctl_err rc = get_scalar(c, map, key, &v);

	if (rc || !v)
		return rc;
	if (v->data.scalar.length == 0 || v->data.scalar.length >= len)
		return fail_at(c, v, "\"%s\" must be 1 to %zu characters long", key,
			       len - 1);
	if (strlen(scalar(v)) != v->data.scalar.length)
		return fail_at(c, v, "\"%s\" contains a NUL byte", key);
	memcpy(buf, scalar(v), v->data.scalar.length + 1);
	return MIGCTL_ERR_OK;
}

static enum migctl_err get_bool(struct ctx *c, yaml_node_t *map, const char *key,
				bool *out)
{
	yaml_node_t *v;
	enum migctl_err rc = get_scalar(c, map, key, &v);

	if (rc || !v)
		return rc;
	if (strcmp(scalar(v), "true") == 0)
		*out = true;
	else if (strcmp(scalar(v), "false") == 0)
		*out = false;
	else
		return fail_at(c, v, "\"%s\" must be true or false, not \"%s\"", key,
			       scalar(v));
	return MIGCTL_ERR_OK;
}

static enum migctl_err get_placements(struct ctx *c, yaml_node_t *map,
				      unsigned max_units,
				      struct migctl_placement_set *out)
{
	yaml_node_t *v;
	struct migctl_error perr;
	enum migctl_err rc = get_scalar(c, map, "placements", &v);

	if (rc)
		return rc;
	if (migctl_placement_set_parse(scalar(v), max_units, out, &perr))
		return fail_at(c, v, "%s", perr.msg);
	return MIGCTL_ERR_OK;
}

static enum migctl_err get_seq(struct ctx *c, yaml_node_t *map, const char *key,
			       yaml_node_t **out)
{
	yaml_node_t *v = get(c, map, key);
	*out = v;
	if (v && v->type != YAML_SEQUENCE_NODE)
		return fail_at(c, v, "\"%s\" must be a list, not %s", key, node_kind(v));
	return MIGCTL_ERR_OK;
}

static size_t seq_len(const yaml_node_t *seq)
{
	return mu_yaml_seq_len(seq);
}

static yaml_node_t *seq_item(struct ctx *c, const yaml_node_t *seq, size_t i)
{
	return mu_yaml_seq_item(c->y, seq, i);
}

/* --- models ------------------------------------------------------------ */

static void model_release(struct migctl_gpu_model *m)
{
	for (size_t i = 0; i < m->n_gi; i++)
		free(m->gi[i].ci);
	free(m->gi);
	m->gi = NULL;
	m->n_gi = 0;
}

static enum migctl_err parse_ci(struct ctx *c, yaml_node_t *n,
				const struct migctl_gi_profile *gi,
				struct migctl_ci_profile *ci)
{
	static const char *const allowed[] = {"name", "id", "slices", "sm", "max",
		"placements", "default", "confirmed", "note", NULL};
	static const char *const required[] = {"name", "id", "slices", "sm", "max",
		"placements", NULL};
	enum migctl_err rc;

	ci->confirmed = true;
	if ((rc = check_keys(c, n, "a compute-instance profile", allowed, required)) ||
	    (rc = get_str(c, n, "name", ci->name, sizeof(ci->name))) ||
	    (rc = get_unsigned(c, n, "id", 0, 255, &ci->id)) ||
	    (rc = get_unsigned(c, n, "slices", 1, gi->compute_slices, &ci->slices)) ||
	    (rc = get_unsigned(c, n, "sm", 0, 100000, &ci->sm)) ||
	    (rc = get_unsigned(c, n, "max", 1, MIGCTL_MAX_UNITS, &ci->max)) ||
	    (rc = get_bool(c, n, "default", &ci->is_default)) ||
	    (rc = get_bool(c, n, "confirmed", &ci->confirmed)) ||
	    (rc = get_placements(c, n, gi->compute_slices, &ci->placements)))
		return rc;
	if (ci->placements.size != ci->slices)
		return fail_at(c, n, "compute-instance profile %s: placement size %u differs from its %u slices",
			       ci->name, ci->placements.size, ci->slices);
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_gi(struct ctx *c, yaml_node_t *n,
				const struct migctl_gpu_model *m,
				struct migctl_gi_profile *gi)
{
	static const char *const allowed[] = {"name", "id", "nvml-index",
		"compute-slices", "memory-mib", "sm", "ce", "dec", "enc", "jpg",
		"ofa", "max", "placements", "confirmed", "note",
		"compute-instance-profiles", NULL};
	static const char *const required[] = {"name", "id", "nvml-index",
		"compute-slices", "memory-mib", "sm", "ce", "dec", "enc", "jpg",
		"ofa", "max", "placements", "compute-instance-profiles", NULL};
	const struct migctl_placement_set *pl = &gi->placements;
	yaml_node_t *cis;
	enum migctl_err rc;
	size_t n_default = 0;

	gi->confirmed = true;
	if ((rc = check_keys(c, n, "a GPU-instance profile", allowed, required)) ||
	    (rc = get_str(c, n, "name", gi->name, sizeof(gi->name))) ||
	    (rc = get_unsigned(c, n, "id", 0, 255, &gi->id)) ||
	    (rc = get_unsigned(c, n, "nvml-index", 0, 255, &gi->nvml_index)) ||
	    (rc = get_unsigned(c, n, "compute-slices", 1, MIGCTL_MAX_UNITS,
			       &gi->compute_slices)) ||
	    (rc = get_uint(c, n, "memory-mib", 1, UINT32_MAX, &gi->memory_mib)) ||
	    (rc = get_unsigned(c, n, "sm", 0, 100000, &gi->sm)) ||
	    (rc = get_unsigned(c, n, "ce", 0, 255, &gi->ce)) ||
	    (rc = get_unsigned(c, n, "dec", 0, 255, &gi->dec)) ||
	    (rc = get_unsigned(c, n, "enc", 0, 255, &gi->enc)) ||
	    (rc = get_unsigned(c, n, "jpg", 0, 255, &gi->jpg)) ||
	    (rc = get_unsigned(c, n, "ofa", 0, 255, &gi->ofa)) ||
	    (rc = get_unsigned(c, n, "max", 1, MIGCTL_MAX_UNITS, &gi->max)) ||
	    (rc = get_bool(c, n, "confirmed", &gi->confirmed)) ||
	    (rc = get_placements(c, n, m->units, &gi->placements)) ||
	    (rc = get_seq(c, n, "compute-instance-profiles", &cis)))
		return rc;

	/* GI IDs are nodes of a binary heap over the units (migctl_gi_id):
	 * that needs aligned placements whose size divides the unit count. */
	if (m->units % pl->size)
		return fail_at(c, n, "profile %s: placement size %u does not divide the %u placement units",
			       gi->name, pl->size, m->units);
	for (unsigned i = 0; i < pl->n_starts; i++)
		if (pl->starts[i] % pl->size)
			return fail_at(c, n, "profile %s: placement start %u is not a multiple of its size %u",
				       gi->name, pl->starts[i], pl->size);

	if (seq_len(cis) == 0 || seq_len(cis) > MIGCTL_MAX_PROFILES)
		return fail_at(c, cis ? cis : n, "profile %s needs 1 to %d compute-instance profiles",
			       gi->name, MIGCTL_MAX_PROFILES);
	gi->ci = calloc(seq_len(cis), sizeof(*gi->ci));
	if (!gi->ci)
		return migctl_fail(c->y->err, MIGCTL_ERR_NOMEM, "out of memory loading %s",
				   c->origin);
	for (size_t i = 0; i < seq_len(cis); i++) {
		yaml_node_t *cn = seq_item(c, cis, i);
		struct migctl_ci_profile *ci = &gi->ci[i];
		if ((rc = parse_ci(c, cn, gi, ci)))
			return rc;
		gi->n_ci++;
		n_default += ci->is_default;
		for (size_t j = 0; j < i; j++)
			if (gi->ci[j].id == ci->id || strcasecmp(gi->ci[j].name, ci->name) == 0)
				return fail_at(c, cn, "profile %s: compute-instance profile %s (ID %u) is defined twice",
					       gi->name, ci->name, ci->id);
	}
	if (n_default != 1)
		return fail_at(c, cis, "profile %s has %zu default compute-instance profiles; exactly one must say \"default: true\"",
			       gi->name, n_default);
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_pci_ids(struct ctx *c, yaml_node_t *n,
				     struct migctl_gpu_model *m)
{
	yaml_node_t *seq;
	enum migctl_err rc = get_seq(c, n, "pci-device-ids", &seq);

	if (rc)
		return rc;
	if (seq_len(seq) == 0 || seq_len(seq) > MIGCTL_MAX_PCI_IDS)
		return fail_at(c, seq ? seq : n, "model %s needs 1 to %d PCI device IDs",
			       m->name, MIGCTL_MAX_PCI_IDS);
	for (size_t i = 0; i < seq_len(seq); i++) {
		yaml_node_t *v = seq_item(c, seq, i);
		uint64_t id;
		if (v->type != YAML_SCALAR_NODE || !parse_uint(scalar(v), &id) ||
		    id == 0 || id > 0xFFFF)
			return fail_at(c, v, "PCI device IDs are 16-bit numbers like 0x20B5");
		m->pci_device_ids[m->n_pci_device_ids++] = (unsigned)id;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_aliases(struct ctx *c, yaml_node_t *n,
				     struct migctl_gpu_model *m)
{
	yaml_node_t *seq;
	enum migctl_err rc = get_seq(c, n, "aliases", &seq);

	if (rc)
		return rc;
	if (seq_len(seq) > MIGCTL_MAX_ALIASES)
		return fail_at(c, seq, "model %s has more than %d aliases", m->name,
			       MIGCTL_MAX_ALIASES);
	for (size_t i = 0; i < seq_len(seq); i++) {
		yaml_node_t *v = seq_item(c, seq, i);
		if (v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0 ||
		    v->data.scalar.length >= MIGCTL_NAME_MAX)
			return fail_at(c, v, "aliases must be names of 1 to %d characters",
				       MIGCTL_NAME_MAX - 1);
		memcpy(m->aliases[m->n_aliases++], scalar(v), v->data.scalar.length + 1);
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_model(struct ctx *c, yaml_node_t *n,
				   struct migctl_gpu_model *m)
{
	static const char *const allowed[] = {"name", "aliases", "pci-device-ids",
		"architecture", "memory-mib", "sm-count", "placement-units",
		"min-driver", "confirmed", "note", "gpu-instance-profiles", NULL};
	static const char *const required[] = {"name", "pci-device-ids",
		"architecture", "memory-mib", "sm-count", "placement-units",
		"gpu-instance-profiles", NULL};
	char arch[16] = "";
	yaml_node_t *gis;
	enum migctl_err rc;

	m->confirmed = true;
	snprintf(m->source, sizeof(m->source), "%s:%lu", c->origin, line_of(n));
	if ((rc = check_keys(c, n, "a model", allowed, required)) ||
	    (rc = get_str(c, n, "name", m->name, sizeof(m->name))) ||
	    (rc = parse_aliases(c, n, m)) ||
	    (rc = parse_pci_ids(c, n, m)) ||
	    (rc = get_str(c, n, "architecture", arch, sizeof(arch))) ||
	    (rc = get_uint(c, n, "memory-mib", 1, UINT32_MAX, &m->memory_mib)) ||
	    (rc = get_unsigned(c, n, "sm-count", 1, 100000, &m->sm_count)) ||
	    (rc = get_unsigned(c, n, "placement-units", 1, MIGCTL_MAX_UNITS, &m->units)) ||
	    (rc = get_str(c, n, "min-driver", m->min_driver, sizeof(m->min_driver))) ||
	    (rc = get_bool(c, n, "confirmed", &m->confirmed)) ||
	    (rc = get_seq(c, n, "gpu-instance-profiles", &gis)))
		return rc;
	m->arch = arch_from_name(arch);
	if (m->arch == MIGCTL_ARCH_UNKNOWN)
		return fail_at(c, get(c, n, "architecture"),
			       "architecture \"%s\" is not one of ampere, hopper, blackwell", arch);
	if (seq_len(gis) == 0 || seq_len(gis) > MIGCTL_MAX_PROFILES)
		return fail_at(c, gis ? gis : n, "model %s needs 1 to %d GPU-instance profiles",
			       m->name, MIGCTL_MAX_PROFILES);
	m->gi = calloc(seq_len(gis), sizeof(*m->gi));
	if (!m->gi)
		return migctl_fail(c->y->err, MIGCTL_ERR_NOMEM, "out of memory loading %s",
				   c->origin);
	for (size_t i = 0; i < seq_len(gis); i++) {
		yaml_node_t *gn = seq_item(c, gis, i);
		struct migctl_gi_profile *gi = &m->gi[i];
		rc = parse_gi(c, gn, m, gi);
		m->n_gi++; /* count it even on error so that release frees its CIs */
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++) {
			const struct migctl_gi_profile *o = &m->gi[j];
			if (o->id == gi->id || o->nvml_index == gi->nvml_index ||
			    strcasecmp(o->name, gi->name) == 0)
				return fail_at(c, gn, "model %s: profile %s (ID %u, NVML index %u) clashes with profile %s (ID %u, NVML index %u)",
					       m->name, gi->name, gi->id, gi->nvml_index,
					       o->name, o->id, o->nvml_index);
		}
		if (gi->compute_slices > m->compute_slices)
			m->compute_slices = gi->compute_slices;
	}
	return MIGCTL_ERR_OK;
}

/* --- catalog ----------------------------------------------------------- */

void migctl_catalog_init(struct migctl_catalog *cat)
{
	cat->models = NULL;
	cat->n_models = 0;
}

void migctl_catalog_release(struct migctl_catalog *cat)
{
	for (size_t i = 0; i < cat->n_models; i++)
		model_release(&cat->models[i]);
	free(cat->models);
	migctl_catalog_init(cat);
}

static bool same_name(const char *a, const char *b)
{
	char na[MIGCTL_NAME_MAX], nb[MIGCTL_NAME_MAX];
	normalize(a, na, sizeof(na));
	normalize(b, nb, sizeof(nb));
	return na[0] && strcmp(na, nb) == 0;
}

/* Does `query` name model `m` (name, name without "NVIDIA ", alias)? */
static bool names_model(const struct migctl_gpu_model *m, const char *query)
{
	if (same_name(m->name, query) ||
	    same_name(strip_prefix_ci(m->name, "NVIDIA "), query))
		return true;
	for (size_t i = 0; i < m->n_aliases; i++)
		if (same_name(m->aliases[i], query))
			return true;
	return false;
}

/* Would adding `m` clash with model `o` (name, aliases or PCI IDs)? */
static bool models_clash(const struct migctl_gpu_model *m,
			 const struct migctl_gpu_model *o, char *what, size_t len)
{
	if (names_model(o, m->name)) {
		snprintf(what, len, "name \"%s\"", m->name);
		return true;
	}
	for (size_t i = 0; i < m->n_aliases; i++)
		if (names_model(o, m->aliases[i])) {
			snprintf(what, len, "alias \"%s\"", m->aliases[i]);
			return true;
		}
	for (size_t i = 0; i < m->n_pci_device_ids; i++)
		for (size_t j = 0; j < o->n_pci_device_ids; j++)
			if (m->pci_device_ids[i] == o->pci_device_ids[j]) {
				snprintf(what, len, "PCI device ID 0x%04X", m->pci_device_ids[i]);
				return true;
			}
	return false;
}

/* Index of the existing model a new model replaces (same name), or -1. */
static long replaced_index(const struct migctl_catalog *cat,
			   const struct migctl_gpu_model *m)
{
	for (size_t i = 0; i < cat->n_models; i++)
		if (same_name(cat->models[i].name, m->name))
			return (long)i;
	return -1;
}

static enum migctl_err check_new_models(const struct migctl_catalog *cat,
					const struct migctl_gpu_model *nm,
					size_t n_new, bool override,
					struct migctl_error *err)
{
	char what[MIGCTL_NAME_MAX + 32];

	for (size_t i = 0; i < n_new; i++) {
		const struct migctl_gpu_model *m = &nm[i];
		long replaced = override ? replaced_index(cat, m) : -1;
		for (size_t j = 0; j < i; j++)
			if (models_clash(m, &nm[j], what, sizeof(what)))
				return migctl_fail(err, MIGCTL_ERR_CATALOG,
						   "%s: model %s: %s is already used by model %s at %s",
						   m->source, m->name, what, nm[j].name, nm[j].source);
		for (size_t j = 0; j < cat->n_models; j++)
			if ((long)j != replaced &&
			    models_clash(m, &cat->models[j], what, sizeof(what)))
				return migctl_fail(err, MIGCTL_ERR_CATALOG,
						   "%s: model %s: %s is already used by model %s (%s)%s",
						   m->source, m->name, what, cat->models[j].name,
						   cat->models[j].source,
						   override ? "" : "; give it another name or drop the duplicate");
	}
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_catalog_load_buffer(struct migctl_catalog *cat,
					   const char *origin,
					   const char *text, size_t len,
					   bool override,
					   struct migctl_error *err)
{
	struct mu_yaml y;
	struct ctx c = {.y = &y, .origin = origin};
	struct migctl_gpu_model *nm = NULL;
	size_t n_new = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;
	yaml_node_t *root, *models;
	uint64_t version = 0;

	if ((rc = mu_yaml_load(&y, origin, text, len, MIGCTL_ERR_CATALOG, false, err)))
		return rc;
	root = mu_yaml_root(&y);
	if (!root) {
		rc = migctl_fail(err, MIGCTL_ERR_CATALOG, "%s:1: empty catalog file; expected \"version: 1\" and \"models:\"",
				 origin);
		goto out;
	}
	static const char *const top_keys[] = {"version", "models", NULL};
	if ((rc = check_keys(&c, root, "the catalog file", top_keys, top_keys)) ||
	    (rc = get_uint(&c, root, "version", 0, UINT32_MAX, &version)) ||
	    (rc = get_seq(&c, root, "models", &models)))
		goto out;
	if (version != CATALOG_VERSION) {
		rc = fail_at(&c, get(&c, root, "version"),
			     "catalog version %llu is not supported; this migctl reads version %d",
			     (unsigned long long)version, CATALOG_VERSION);
		goto out;
	}
	nm = calloc(seq_len(models) + 1, sizeof(*nm));
	if (!nm) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory loading %s", origin);
		goto out;
	}
	for (size_t i = 0; i < seq_len(models); i++) {
		rc = parse_model(&c, seq_item(&c, models, i), &nm[i]);
		n_new++;
		if (rc)
			goto out;
	}
	if ((rc = check_new_models(cat, nm, n_new, override, err)))
		goto out;

	/* All checks passed: merge. Replacements keep their slot. */
	struct migctl_gpu_model *grown =
		realloc(cat->models, (cat->n_models + n_new) * sizeof(*grown));
	if (!grown && cat->n_models + n_new > 0) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory loading %s", origin);
		goto out;
	}
	cat->models = grown;
	for (size_t i = 0; i < n_new; i++) {
		long r = override ? replaced_index(cat, &nm[i]) : -1;
		if (r >= 0) {
			model_release(&cat->models[r]);
			cat->models[r] = nm[i];
		} else {
			cat->models[cat->n_models++] = nm[i];
		}
	}
	n_new = 0; /* ownership moved */
out:
	for (size_t i = 0; i < n_new; i++)
		model_release(&nm[i]);
	free(nm);
	mu_yaml_release(&y);
	return rc;
}

enum migctl_err migctl_catalog_load_file(struct migctl_catalog *cat,
					 const char *path,
					 struct migctl_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum migctl_err rc;

	if ((rc = mu_file_read(path, "catalog file", 0, &buf, &len, err)))
		return rc;
	rc = migctl_catalog_load_buffer(cat, path, buf, len, true, err);
	free(buf);
	return rc;
}

/* --- lookup ------------------------------------------------------------ */

const struct migctl_gpu_model *
migctl_catalog_find_pci(const struct migctl_catalog *cat, unsigned device_id)
{
	for (size_t i = 0; i < cat->n_models; i++)
		for (size_t j = 0; j < cat->models[i].n_pci_device_ids; j++)
			if (cat->models[i].pci_device_ids[j] == device_id)
				return &cat->models[i];
	return NULL;
}

/* "0x20B5", "20b5", or the NVML form "0x20B510DE" (device << 16 | vendor). */
static bool parse_pci_query(const char *q, unsigned *id)
{
	uint64_t v;
	char buf[16];
	size_t n = strlen(q);

	if (n > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		if (!parse_uint(q, &v))
			return false;
	} else {
		if (n == 0 || n >= sizeof(buf) - 2)
			return false;
		snprintf(buf, sizeof(buf), "0x%s", q);
		if (!parse_uint(buf, &v))
			return false;
	}
	if (v > 0xFFFF && (v & 0xFFFF) == 0x10DE && v <= 0xFFFFFFFFu)
		v >>= 16;
	if (v == 0 || v > 0xFFFF)
		return false;
	*id = (unsigned)v;
	return true;
}

const struct migctl_gpu_model *
migctl_catalog_find_model(const struct migctl_catalog *cat, const char *query,
			  struct migctl_error *err)
{
	char hint[400] = "";
	size_t used;
	unsigned pci;

	/* A full NVML name first, then an alias, then a name without "NVIDIA ":
	 * the alias "H100" names the common H100 80GB HBM3 although a rarer
	 * board's NVML name is "NVIDIA H100". */
	for (size_t i = 0; i < cat->n_models; i++)
		if (same_name(cat->models[i].name, query))
			return &cat->models[i];
	for (size_t i = 0; i < cat->n_models; i++)
		for (size_t a = 0; a < cat->models[i].n_aliases; a++)
			if (same_name(cat->models[i].aliases[a], query))
				return &cat->models[i];
	for (size_t i = 0; i < cat->n_models; i++)
		if (names_model(&cat->models[i], query))
			return &cat->models[i];
	if (parse_pci_query(query, &pci)) {
		const struct migctl_gpu_model *m = migctl_catalog_find_pci(cat, pci);
		if (m)
			return m;
	}
	/* Suggest every model close to what was typed: by name, by name
	 * without "NVIDIA ", by alias. */
	struct mu_suggest sg;
	mu_suggest_init(&sg, query);
	for (size_t i = 0; i < cat->n_models; i++) {
		const struct migctl_gpu_model *m = &cat->models[i];
		mu_suggest_add_keyed(&sg, m->name, m->name);
		mu_suggest_add_keyed(&sg, strip_prefix_ci(m->name, "NVIDIA "), m->name);
		for (size_t a = 0; a < m->n_aliases; a++)
			mu_suggest_add_keyed(&sg, m->aliases[a], m->name);
	}
	used = mu_suggest_format(&sg, '"', hint, sizeof(hint));
	migctl_fail(err, MIGCTL_ERR_UNKNOWN_MODEL,
		    "unknown GPU model \"%s\"; %s%s%s", query,
		    used ? "did you mean " : "",
		    used ? hint : "run 'migctl catalog list' for the known models",
		    used ? "?" : "");
	return NULL;
}

const struct migctl_gi_profile *
migctl_model_gi_profile_by_id(const struct migctl_gpu_model *model, unsigned id)
{
	for (size_t i = 0; i < model->n_gi; i++)
		if (model->gi[i].id == id)
			return &model->gi[i];
	return NULL;
}

/* Shared by GI and CI lookup: match a numeric ID or a (MIG-prefixed) name. */
static bool profile_matches(const char *query, unsigned id, const char *name)
{
	uint64_t v;
	if (isdigit((unsigned char)query[0]) && parse_uint(query, &v))
		return v == id;
	query = strip_prefix_ci(query, "MIG ");
	while (*query == ' ')
		query++;
	return strcasecmp(query, name) == 0;
}

void migctl_model_profile_hint(const struct migctl_gpu_model *model, const char *query,
			       char *buf, size_t len)
{
	struct mu_suggest sg;
	char names[160];

	mu_suggest_init(&sg, strip_prefix_ci(query, "MIG "));
	for (size_t i = 0; i < model->n_gi; i++)
		mu_suggest_add(&sg, model->gi[i].name);
	if (mu_suggest_format(&sg, '"', names, sizeof(names)))
		snprintf(buf, len, "; did you mean %s?", names);
	else if (len)
		buf[0] = '\0';
}

const struct migctl_gi_profile *
migctl_model_find_gi_profile(const struct migctl_gpu_model *model,
			     const char *query, struct migctl_error *err)
{
	char list[400] = "";
	size_t used = 0;

	for (size_t i = 0; i < model->n_gi; i++)
		if (profile_matches(query, model->gi[i].id, model->gi[i].name))
			return &model->gi[i];
	for (size_t i = 0; i < model->n_gi && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s (%u)",
					 i ? ", " : "", model->gi[i].name, model->gi[i].id);
	char hint[200];
	migctl_model_profile_hint(model, query, hint, sizeof(hint));
	migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
		    "unknown GPU-instance profile \"%s\" for %s; valid profiles: %s%s",
		    query, model->name, list, hint);
	return NULL;
}

enum migctl_err migctl_model_parse_gi_profile_list(const struct migctl_gpu_model *model,
						   const char *list, size_t *out,
						   size_t cap, size_t *n,
						   struct migctl_error *err)
{
	const char *p = list;
	char item[MIGCTL_NAME_MAX + 8];
	enum mu_list_item r;

	*n = 0;
	while ((r = mu_list_next(&p, item, sizeof(item))) != MU_LIST_END) {
		if (r == MU_LIST_EMPTY)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "empty item in profile list \"%s\"; separate profiles with single commas",
					   list);
		if (r == MU_LIST_LONG)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "profile name \"%.*s...\" is too long", 16, item);
		if (*n == cap)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "profile list \"%.32s...\" has more than %zu items",
					   list, cap);
		const struct migctl_gi_profile *gi =
			migctl_model_find_gi_profile(model, item, err);
		if (!gi)
			return MIGCTL_ERR_UNKNOWN_PROFILE;
		out[(*n)++] = (size_t)(gi - model->gi);
	}
	return MIGCTL_ERR_OK;
}

const struct migctl_ci_profile *
migctl_gi_profile_find_ci_profile(const struct migctl_gi_profile *gi,
				  const char *query, struct migctl_error *err)
{
	char list[400] = "";
	size_t used = 0;

	for (size_t i = 0; i < gi->n_ci; i++)
		if (profile_matches(query, gi->ci[i].id, gi->ci[i].name))
			return &gi->ci[i];
	for (size_t i = 0; i < gi->n_ci && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s (%u)",
					 i ? ", " : "", gi->ci[i].name, gi->ci[i].id);
	migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
		    "unknown compute-instance profile \"%s\" for GPU-instance profile %s; valid profiles: %s",
		    query, gi->name, list);
	return NULL;
}

const struct migctl_ci_profile *
migctl_gi_profile_default_ci(const struct migctl_gi_profile *gi)
{
	for (size_t i = 0; i < gi->n_ci; i++)
		if (gi->ci[i].is_default)
			return &gi->ci[i];
	return NULL;
}
