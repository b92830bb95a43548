/* migctl — the NVIDIA driver's device nodes and MIG capabilities under a
 * driver root: the parsers of mig-minors, capability files, proc/devices
 * and the module's params, and the paths and numbers of each node
 * (include/migctl/caps.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "migctl/caps.h"
#include "util/file.h"

/* Device minors are 20 bits on Linux. */
#define MINOR_LIMIT ((1u << 20) - 1)
/* Character majors are 12 bits. */
#define MAJOR_LIMIT 4095u

/* Files of a driver root are small (mig-minors is about 110 KB). */
#define ROOT_FILE_MAX ((size_t)4 << 20)

/* One line of `text`: [*start, *end) without the newline; false at the
 * end. `pos` walks the text. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **start,
		      const char **end)
{
	if (*pos >= len)
		return false;
	const char *s = text + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	const char *e = nl ? nl : text + len;
	*pos = (size_t)(e - text) + (nl ? 1 : 0);
	while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*start = s;
	*end = e;
	return true;
}

static const char *skip_blanks(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* Decimal digits [s, e) as a number up to `max`; false otherwise. */
static bool parse_num(const char *s, const char *e, unsigned max, unsigned *out)
{
	unsigned long long v = 0;

	if (s >= e)
		return false;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

/* Match `prefix` then a number up to `max` at *s (before e); advances. */
static bool take_id(const char **s, const char *e, const char *prefix, unsigned max,
		    unsigned *out)
{
	size_t n = strlen(prefix);
	const char *p = *s, *d;

	if ((size_t)(e - p) < n || memcmp(p, prefix, n) != 0)
		return false;
	p += n;
	d = p;
	while (d < e && *d >= '0' && *d <= '9')
		d++;
	if (d == p || d - p > 6 || !parse_num(p, d, max, out))
		return false;
	*s = d;
	return true;
}

static bool take_lit(const char **s, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(e - *s) < n || memcmp(*s, lit, n) != 0)
		return false;
	*s += n;
	return true;
}

/* The slot of a mig-minors name in `m`, or NULL for a name this table
 * does not hold (another capability, an ID past the driver's tables). */
static int *minor_slot(struct migctl_caps_minors *m, const char *s, const char *e)
{
	unsigned g, i, c;

	if (e - s == 6 && memcmp(s, "config", 6) == 0)
		return &m->config;
	if (e - s == 7 && memcmp(s, "monitor", 7) == 0)
		return &m->monitor;
	if (!take_id(&s, e, "gpu", 999999, &g) || !take_id(&s, e, "/gi", 999999, &i) ||
	    g >= MIGCTL_CAPS_MAX_GPUS || i >= MIGCTL_CAPS_MAX_GIS)
		return NULL;
	if (take_lit(&s, e, "/access"))
		return s == e ? &m->gi[g][i] : NULL;
	if (!take_id(&s, e, "/ci", 999999, &c) || c >= MIGCTL_CAPS_MAX_CIS ||
	    !take_lit(&s, e, "/access") || s != e)
		return NULL;
	return &m->ci[g][i][c];
}

enum migctl_err migctl_caps_minors_parse(const char *text, size_t len, const char *origin,
					 struct migctl_caps_minors *out,
					 struct migctl_error *err)
{
	size_t pos = 0;
	unsigned lineno = 0;
	const char *s, *e;

	memset(out, 0xff, sizeof(*out)); /* every int -1 */
	while (next_line(text, len, &pos, &s, &e)) {
		lineno++;
		s = skip_blanks(s, e);
		if (s == e)
			continue;
		const char *name_end = s;
		while (name_end < e && *name_end != ' ' && *name_end != '\t')
			name_end++;
		const char *num = skip_blanks(name_end, e);
		unsigned minor;
		if (num == name_end || !parse_num(num, e, MINOR_LIMIT, &minor))
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "%s:%u: expected \"<capability> <minor>\", as the "
					   "driver writes it (e.g. \"gpu0/gi1/access 12\")",
					   origin, lineno);
		int *slot = minor_slot(out, s, name_end);
		if (!slot)
			continue;
		if (*slot >= 0)
			return migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%u: %.*s is listed twice",
					   origin, lineno, (int)(name_end - s), s);
		*slot = (int)minor;
	}
	return MIGCTL_ERR_OK;
}

/* "Key: value" with a decimal value: the value's number, for `key`. */
static int key_value(const char *s, const char *e, const char *key, unsigned max,
		     unsigned *out)
{
	size_t n = strlen(key);

	if ((size_t)(e - s) <= n || memcmp(s, key, n) != 0 || s[n] != ':')
		return 0;
	return parse_num(skip_blanks(s + n + 1, e), e, max, out) ? 1 : -1;
}

enum migctl_err migctl_caps_capfile_parse(const char *text, size_t len, const char *origin,
					  struct migctl_capfile *out, struct migctl_error *err)
{
	static const char *const keys[3] = {"DeviceFileMinor", "DeviceFileMode",
					    "DeviceFileModify"};
	static const unsigned max[3] = {MINOR_LIMIT, 07777, 1};
	unsigned v[3] = {0}, lineno = 0;
	bool seen[3] = {false};
	size_t pos = 0;
	const char *s, *e;

	while (next_line(text, len, &pos, &s, &e)) {
		lineno++;
		for (int k = 0; k < 3; k++) {
			int r = key_value(s, e, keys[k], max[k], &v[k]);
			if (r < 0)
				return migctl_fail(err, MIGCTL_ERR_PARSE,
						   "%s:%u: %s needs a number up to %u",
						   origin, lineno, keys[k], max[k]);
			if (r > 0)
				seen[k] = true;
		}
	}
	for (int k = 0; k < 3; k++)
		if (!seen[k])
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "%s: no %s line; a capability file has "
					   "DeviceFileMinor, DeviceFileMode and DeviceFileModify",
					   origin, keys[k]);
	out->minor = v[0];
	out->mode = v[1];
	out->modify = v[2] != 0;
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_caps_devices_major(const char *text, size_t len, const char *origin,
					  const char *name, unsigned *major,
					  struct migctl_error *err)
{
	size_t pos = 0, nlen = strlen(name);
	unsigned lineno = 0;
	bool in_chr = false;
	const char *s, *e;

	while (next_line(text, len, &pos, &s, &e)) {
		lineno++;
		if (e - s == 18 && memcmp(s, "Character devices:", 18) == 0) {
			in_chr = true;
			continue;
		}
		if (!in_chr)
			continue;
		s = skip_blanks(s, e);
		if (s == e || (*s < '0' || *s > '9'))
			break; /* the blank line, then "Block devices:" */
		const char *d = s;
		while (d < e && *d >= '0' && *d <= '9')
			d++;
		const char *dn = skip_blanks(d, e);
		unsigned num;
		if (dn == d || dn == e || !parse_num(s, d, MAJOR_LIMIT, &num))
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "%s:%u: expected \"<major> <driver>\"", origin, lineno);
		if ((size_t)(e - dn) == nlen && memcmp(dn, name, nlen) == 0) {
			*major = num;
			return MIGCTL_ERR_OK;
		}
	}
	return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
			   "%s lists no character device \"%s\"; is the nvidia module loaded?",
			   origin, name);
}

enum migctl_err migctl_caps_params_parse(const char *text, size_t len, const char *origin,
					 struct migctl_caps_params *out, struct migctl_error *err)
{
	static const char *const keys[4] = {"ModifyDeviceFiles", "DeviceFileUID",
					    "DeviceFileGID", "DeviceFileMode"};
	unsigned v[4] = {1, 0, 0, 0666}, lineno = 0;
	size_t pos = 0;
	const char *s, *e;

	while (next_line(text, len, &pos, &s, &e)) {
		lineno++;
		for (int k = 0; k < 4; k++)
			if (key_value(s, e, keys[k], 0xffffffffu, &v[k]) < 0)
				return migctl_fail(err, MIGCTL_ERR_PARSE,
						   "%s:%u: %s needs a number", origin, lineno,
						   keys[k]);
	}
	out->modify_device_files = v[0] != 0;
	out->uid = v[1];
	out->gid = v[2];
	out->mode = v[3] & 07777;
	return MIGCTL_ERR_OK;
}

/* --- a driver root ------------------------------------------------------ */

void migctl_caps_sim_root(const char *state_dir, char *buf, size_t len)
{
	/* The simulator's SIM_DRIVER_ROOT (sim/sim.h); a test checks both. */
	snprintf(buf, len, "%s/driver", state_dir);
}

/* ROOT + rel ("/proc/devices") into buf. */
static void under_root(const struct migctl_caps *c, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", c->root, rel);
}

/* Read ROOT/rel; MIGCTL_ERR_NOT_FOUND (with no message) when absent. */
static enum migctl_err read_root_file(const struct migctl_caps *c, const char *rel,
				      char **text, size_t *len, char *path, size_t plen,
				      struct migctl_error *err)
{
	struct stat st;

	under_root(c, rel, path, plen);
	if (stat(path, &st) != 0 && errno == ENOENT)
		return MIGCTL_ERR_NOT_FOUND;
	return mu_file_read(path, "driver file", ROOT_FILE_MAX, text, len, err);
}

enum migctl_err migctl_caps_load(struct migctl_caps *c, const char *root,
				 struct migctl_error *err)
{
	char path[MIGCTL_CAPS_PATH_MAX + 64];
	char *text = NULL;
	size_t len;
	enum migctl_err rc;

	memset(c, 0, sizeof(*c));
	c->params = (struct migctl_caps_params){true, 0, 0, 0666};
	if (root && root[0] && strcmp(root, "/") != 0) {
		size_t n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			n--;
		if (n >= sizeof(c->root))
			return migctl_fail(err, MIGCTL_ERR_USAGE, "driver root %s is too long", root);
		memcpy(c->root, root, n);
		c->root[n] = '\0';
	}
	rc = read_root_file(c, "/proc/driver/nvidia-caps/mig-minors", &text, &len, path,
			    sizeof(path), err);
	if (rc == MIGCTL_ERR_NOT_FOUND)
		return migctl_fail(err, MIGCTL_ERR_NO_DRIVER,
				   "no %s: the NVIDIA driver is not loaded, or %s is not a "
				   "driver root (give the right one with --root)",
				   path, c->root[0] ? c->root : "/");
	if (rc == MIGCTL_ERR_OK)
		rc = migctl_caps_minors_parse(text, len, path, &c->minors, err);
	free(text);
	text = NULL;
	if (rc)
		return rc;

	rc = read_root_file(c, "/proc/devices", &text, &len, path, sizeof(path), err);
	if (rc == MIGCTL_ERR_NOT_FOUND)
		return migctl_fail(err, MIGCTL_ERR_NO_DRIVER, "no %s under the driver root %s",
				   path, c->root[0] ? c->root : "/");
	if (rc == MIGCTL_ERR_OK) {
		rc = migctl_caps_devices_major(text, len, path, "nvidia-caps", &c->caps_major, err);
		if (rc == MIGCTL_ERR_NOT_FOUND)
			rc = migctl_fail(err, MIGCTL_ERR_NO_DRIVER,
					 "%s lists no nvidia-caps: the NVIDIA driver is not loaded",
					 path);
		if (rc == MIGCTL_ERR_OK)
			c->have_uvm_major = migctl_caps_devices_major(text, len, path, "nvidia-uvm",
								      &c->uvm_major, NULL) == 0;
	}
	free(text);
	text = NULL;
	if (rc)
		return rc;

	rc = read_root_file(c, "/proc/driver/nvidia/params", &text, &len, path, sizeof(path),
			    err);
	if (rc == MIGCTL_ERR_NOT_FOUND)
		return MIGCTL_ERR_OK; /* an old driver: its defaults */
	if (rc == MIGCTL_ERR_OK)
		rc = migctl_caps_params_parse(text, len, path, &c->params, err);
	free(text);
	return rc;
}

const char *migctl_caps_kind_name(enum migctl_caps_kind kind)
{
	static const char *const names[] = {"gpu", "ctl", "uvm", "config", "monitor", "gi", "ci"};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

/* Fill a capability node from its mig-minors name and capability path. */
static void cap_node(const struct migctl_caps *c, struct migctl_caps_node *n, int minor,
		     const char *cap_rel)
{
	n->have_major = true;
	n->major = c->caps_major;
	n->minor = (unsigned)minor;
	snprintf(n->path, sizeof(n->path), "/dev/nvidia-caps/nvidia-cap%u", n->minor);
	snprintf(n->cap_path, sizeof(n->cap_path), "/proc/driver/nvidia/capabilities/%.48s",
		 cap_rel);
	under_root(c, n->cap_path, n->cap_host_path, sizeof(n->cap_host_path));
}

enum migctl_err migctl_caps_node(const struct migctl_caps *c, enum migctl_caps_kind kind,
				 unsigned gpu, unsigned gi, unsigned ci,
				 struct migctl_caps_node *out, struct migctl_error *err)
{
	char rel[48];
	int minor;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->gpu = gpu;
	out->gi = gi;
	out->ci = ci;
	if ((kind == MIGCTL_CAPS_GPU || kind == MIGCTL_CAPS_GI || kind == MIGCTL_CAPS_CI) &&
	    gpu >= MIGCTL_CAPS_MAX_GPUS)
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				   "GPU minor %u is past the driver's %d GPUs", gpu,
				   MIGCTL_CAPS_MAX_GPUS);
	if ((kind == MIGCTL_CAPS_GI || kind == MIGCTL_CAPS_CI) && gi >= MIGCTL_CAPS_MAX_GIS)
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND, "GPU instance ID %u is past %d", gi,
				   MIGCTL_CAPS_MAX_GIS - 1);
	if (kind == MIGCTL_CAPS_CI && ci >= MIGCTL_CAPS_MAX_CIS)
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND, "compute instance ID %u is past %d",
				   ci, MIGCTL_CAPS_MAX_CIS - 1);
	switch (kind) {
	case MIGCTL_CAPS_GPU:
	case MIGCTL_CAPS_CTL:
		out->have_major = true;
		out->major = MIGCTL_CAPS_NVIDIA_MAJOR;
		out->minor = kind == MIGCTL_CAPS_GPU ? gpu : MIGCTL_CAPS_NVIDIACTL_MINOR;
		if (kind == MIGCTL_CAPS_GPU)
			snprintf(out->name, sizeof(out->name), "nvidia%u", gpu);
		else
			snprintf(out->name, sizeof(out->name), "nvidiactl");
		snprintf(out->path, sizeof(out->path), "/dev/%s", out->name);
		break;
	case MIGCTL_CAPS_UVM:
		out->have_major = c->have_uvm_major;
		out->major = c->uvm_major;
		out->minor = 0;
		snprintf(out->name, sizeof(out->name), "nvidia-uvm");
		snprintf(out->path, sizeof(out->path), "/dev/nvidia-uvm");
		break;
	case MIGCTL_CAPS_CONFIG:
	case MIGCTL_CAPS_MONITOR:
		minor = kind == MIGCTL_CAPS_CONFIG ? c->minors.config : c->minors.monitor;
		snprintf(out->name, sizeof(out->name), "%s", migctl_caps_kind_name(kind));
		if (minor < 0)
			goto unlisted;
		snprintf(rel, sizeof(rel), "mig/%.8s", out->name);
		cap_node(c, out, minor, rel);
		break;
	case MIGCTL_CAPS_GI:
		minor = c->minors.gi[gpu][gi];
		snprintf(out->name, sizeof(out->name), "gpu%u/gi%u/access", gpu, gi);
		if (minor < 0)
			goto unlisted;
		snprintf(rel, sizeof(rel), "gpu%u/mig/gi%u/access", gpu, gi);
		cap_node(c, out, minor, rel);
		break;
	case MIGCTL_CAPS_CI:
		minor = c->minors.ci[gpu][gi][ci];
		snprintf(out->name, sizeof(out->name), "gpu%u/gi%u/ci%u/access", gpu, gi, ci);
		if (minor < 0)
			goto unlisted;
		snprintf(rel, sizeof(rel), "gpu%u/mig/gi%u/ci%u/access", gpu, gi, ci);
		cap_node(c, out, minor, rel);
		break;
	default:
		return migctl_fail(err, MIGCTL_ERR_USAGE, "unknown kind of device node %d",
				   (int)kind);
	}
	under_root(c, out->path, out->host_path, sizeof(out->host_path));
	return MIGCTL_ERR_OK;
unlisted:
	return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
			   "%s/proc/driver/nvidia-caps/mig-minors has no line for %s",
			   c->root, out->name);
}

enum migctl_err migctl_caps_mig_device(const struct migctl_caps *c, unsigned gpu,
				       unsigned gi, unsigned ci,
				       struct migctl_caps_node out[3],
				       struct migctl_error *err)
{
	enum migctl_err rc = migctl_caps_node(c, MIGCTL_CAPS_GPU, gpu, 0, 0, &out[0], err);

	if (rc == MIGCTL_ERR_OK)
		rc = migctl_caps_node(c, MIGCTL_CAPS_GI, gpu, gi, 0, &out[1], err);
	if (rc == MIGCTL_ERR_OK)
		rc = migctl_caps_node(c, MIGCTL_CAPS_CI, gpu, gi, ci, &out[2], err);
	return rc;
}

enum migctl_err migctl_caps_capfile_read(const struct migctl_caps_node *n,
					 struct migctl_capfile *out, struct migctl_error *err)
{
	char *text = NULL;
	size_t len;
	struct stat st;
	enum migctl_err rc;

	if (!n->cap_host_path[0])
		return migctl_fail(err, MIGCTL_ERR_USAGE, "%s is not a capability", n->path);
	if (stat(n->cap_host_path, &st) != 0 && errno == ENOENT)
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				   "no capability %s (%s): the instance does not exist",
				   n->name, n->cap_host_path);
	rc = mu_file_read(n->cap_host_path, "capability file", ROOT_FILE_MAX, &text, &len, err);
	if (rc == MIGCTL_ERR_OK)
		rc = migctl_caps_capfile_parse(text, len, n->cap_host_path, out, err);
	free(text);
	return rc;
}

enum migctl_err migctl_caps_node_stat(const struct migctl_caps_node *n,
				      struct migctl_caps_node_state *out,
				      struct migctl_error *err)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (lstat(n->host_path, &st) != 0) {
		if (errno == ENOENT)
			return MIGCTL_ERR_OK;
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot stat %s: %s", n->host_path,
				   strerror(errno));
	}
	out->exists = true;
	out->is_chr = S_ISCHR(st.st_mode);
	if (out->is_chr) {
		out->major = major(st.st_rdev);
		out->minor = minor(st.st_rdev);
	}
	out->uid = st.st_uid;
	out->gid = st.st_gid;
	out->mode = st.st_mode & 07777;
	return MIGCTL_ERR_OK;
}
