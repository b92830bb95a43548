/* migctl — CDI specs: generating the nvidia.com/gpu spec of a node, writing
 * it atomically, reading one back (include/migctl/cdi.h). JSON through
 * jansson: CDI reads JSON and YAML alike, and JSON needs no emitter rules. */
#include "migctl/cdi.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migctl/caps.h"
#include "migctl/migdev.h"

/* --- generating ----------------------------------------------------------- */

/* The nodes of one device: container paths, host paths under the root. */
struct gen {
	const char *root;            /* without a trailing '/'; "" for "/" */
	json_t *all;                 /* deviceNodes of "all" */
	json_t *devices;
};

static json_t *node_entry(const struct gen *g, const char *path)
{
	char host[PATH_MAX];

	snprintf(host, sizeof(host), "%s%s", g->root, path);
	return json_pack("{s:s,s:s}", "path", path, "hostPath", host);
}

/* Add `path` to "all" unless it is there already (a GPU node is shared
 * by its MIG devices). */
static void add_to_all(struct gen *g, const char *path)
{
	size_t i;
	json_t *v;

	json_array_foreach(g->all, i, v)
		if (strcmp(json_string_value(json_object_get(v, "path")), path) == 0)
			return;
	json_array_append_new(g->all, node_entry(g, path));
}

/* One device entry under each of `names` (NULL-ended; invalid CDI names
 * are left out) with the nodes `paths`. */
static void add_device(struct gen *g, const char *const *names, const char *const *paths,
		       size_t n)
{
	for (const char *const *name = names; *name; name++) {
		if (!migctl_cdi_valid_name(*name))
			continue;
		json_t *nodes = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(nodes, node_entry(g, paths[i]));
		json_array_append_new(g->devices, json_pack("{s:s,s:{s:o}}", "name", *name,
							    "containerEdits", "deviceNodes", nodes));
	}
	for (size_t i = 0; i < n; i++)
		add_to_all(g, paths[i]);
}

/* The GPU, then each of its MIG devices: the three nodes of a MIG device
 * (parent, GI capability, CI capability) come from the driver root's
 * mig-minors. */
static enum migctl_err add_gpu(struct gen *g, const struct migctl_caps *caps,
			       struct migctl_gpu_state *gpu, struct migctl_error *err)
{
	struct migctl_migdev_ref devs[MIGCTL_GPU_MAX_MIG_DEVICES];
	struct migctl_caps_node nodes[3];
	char index[16], mig[32], dev[64];
	enum migctl_err rc;
	size_t n;

	snprintf(index, sizeof(index), "%u", gpu->index);
	snprintf(dev, sizeof(dev), "/dev/nvidia%u", gpu->minor);
	add_device(g, (const char *const[]){index, gpu->uuid, NULL}, (const char *const[]){dev}, 1);
	n = migctl_gpu_mig_devices(gpu, devs, MIGCTL_GPU_MAX_MIG_DEVICES);
	for (size_t i = 0; i < n; i++) {
		rc = migctl_caps_mig_device(caps, gpu->minor, devs[i].gi->id, devs[i].ci->id,
					    nodes, err);
		if (rc) {
			migctl_error_prefix_gpu(err, gpu->index);
			return rc;
		}
		snprintf(mig, sizeof(mig), "%u:%u", gpu->index, devs[i].ci->mig_index);
		add_device(g, (const char *const[]){mig, devs[i].ci->uuid, NULL},
			   (const char *const[]){nodes[0].path, nodes[1].path, nodes[2].path}, 3);
	}
	return MIGCTL_ERR_OK;
}

/* The control nodes every GPU process needs, those the root has. */
static json_t *common_nodes(const struct gen *g)
{
	static const char *const paths[] = {"/dev/nvidiactl", "/dev/nvidia-uvm",
					    "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"};
	json_t *a = json_array();
	char host[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(host, sizeof(host), "%s%s", g->root, paths[i]);
		if (stat(host, &st) == 0)
			json_array_append_new(a, node_entry(g, paths[i]));
	}
	return a;
}

enum migctl_err migctl_cdi_generate(const struct migctl_node *node,
				    const struct migctl_cdi_options *opts, char **out,
				    struct migctl_error *err)
{
	struct migctl_caps *caps = malloc(sizeof(*caps)); /* 17 KB */
	struct gen g = {0};
	enum migctl_err rc;
	json_t *spec = NULL;

	*out = NULL;
	if (!caps)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	if ((rc = migctl_caps_load(caps, opts ? opts->driver_root : NULL, err)))
		goto out;
	g = (struct gen){caps->root, json_array(), json_array()};
	for (size_t i = 0; i < node->n_gpus; i++)
		if ((rc = add_gpu(&g, caps, &node->gpus[i], err)))
			goto out;
	json_array_append_new(g.devices, json_pack("{s:s,s:{s:O}}", "name", "all",
						   "containerEdits", "deviceNodes", g.all));
	spec = json_pack("{s:s,s:s,s:O,s:{s:[s],s:o}}", "cdiVersion", MIGCTL_CDI_VERSION,
			 "kind", MIGCTL_CDI_KIND, "devices", g.devices, "containerEdits",
			 "env", "NVIDIA_VISIBLE_DEVICES=void", "deviceNodes", common_nodes(&g));
	*out = spec ? json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!*out)
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory writing the CDI spec");
out:
	json_decref(spec);
	json_decref(g.all);
	json_decref(g.devices);
	free(caps);
	return rc;
}

/* --- writing -------------------------------------------------------------- */

enum migctl_err migctl_cdi_write(const char *path, const char *text,
				 struct migctl_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16];
	const char *slash = strrchr(path, '/');
	size_t len = strlen(text), done = 0;
	int fd, dfd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	/* /var/run/cdi is on tmpfs and gone after a boot: make it again. */
	if (strcmp(dir, MIGCTL_CDI_DIR) == 0 && mkdir(dir, 0755) != 0 && errno != EEXIST)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, slash ? slash + 1 : path);
	if ((fd = mkstemp(tmp)) < 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot write CDI spec %s: %s; check "
				   "that %s exists and is writable (or give --output)", path,
				   strerror(errno), dir);
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done < len || fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot write CDI spec %s: %s", path, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot replace CDI spec %s: %s", path,
				   strerror(e));
	}
	/* The rename is durable only once the directory is synced. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return MIGCTL_ERR_OK;
}

/* --- reading -------------------------------------------------------------- */

/* isalnum without the locale: CDI names are ASCII. */
static bool isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool migctl_cdi_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || !isalnum_ascii(name[0]) || !isalnum_ascii(name[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!isalnum_ascii(name[i]) && !strchr("_-.:", name[i]))
			return false;
	return true;
}

/* "vendor/class": each part non-empty, letters, digits and '_', '-', '.'
 * (the CDI kind rule, loosely: runtimes check it exactly). */
static bool valid_kind(const char *kind)
{
	const char *slash = strchr(kind, '/');

	if (!slash || slash == kind || !slash[1] || strchr(slash + 1, '/'))
		return false;
	for (const char *p = kind; *p; p++)
		if (p != slash && !isalnum_ascii(*p) && !strchr("_-.", *p))
			return false;
	return true;
}

static char *dup_or_fail(const char *s, bool *ok)
{
	char *d = strdup(s);

	if (!d)
		*ok = false;
	return d;
}

/* One element of "devices". */
static enum migctl_err parse_device(json_t *v, size_t i, const char *origin,
				    struct migctl_cdi_device *out, struct migctl_error *err)
{
	const char *name = json_string_value(json_object_get(v, "name"));
	json_t *edits = json_object_get(v, "containerEdits");
	json_t *nodes = edits ? json_object_get(edits, "deviceNodes") : NULL;
	bool ok = true;
	size_t k;
	json_t *n;

	if (!json_is_object(v) || !name || !migctl_cdi_valid_name(name))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: devices[%zu] has no valid \"name\" "
				   "(letters, digits, '_', '-', '.', ':')", origin, i);
	if ((edits && !json_is_object(edits)) || (nodes && !json_is_array(nodes)))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: device %s: containerEdits.deviceNodes "
				   "is not a list", origin, name);
	out->name = dup_or_fail(name, &ok);
	out->nodes = calloc(json_array_size(nodes) + 1, sizeof(*out->nodes));
	if (!out->nodes)
		ok = false;
	json_array_foreach(nodes, k, n) {
		const char *path = json_string_value(json_object_get(n, "path"));
		if (!json_is_object(n) || !path || path[0] != '/')
			return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: device %s: deviceNodes[%zu] has "
					   "no absolute \"path\"", origin, name, k);
		if (ok)
			out->nodes[out->n_nodes++] = dup_or_fail(path, &ok);
	}
	return ok ? MIGCTL_ERR_OK : migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %s", origin);
}

enum migctl_err migctl_cdi_parse(const char *text, size_t len, const char *origin,
				 struct migctl_cdi_spec *out, struct migctl_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), *devs, *v;
	const char *version, *kind;
	enum migctl_err rc = MIGCTL_ERR_OK;
	bool ok = true;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!root)
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%d: not a JSON CDI spec: %s", origin,
				   jerr.line, jerr.text);
	version = json_string_value(json_object_get(root, "cdiVersion"));
	kind = json_string_value(json_object_get(root, "kind"));
	devs = json_object_get(root, "devices");
	if (!json_is_object(root) || !version || !kind || !valid_kind(kind) || !json_is_array(devs)) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: a CDI spec needs \"cdiVersion\", "
				 "\"kind\" (vendor/class) and a \"devices\" list", origin);
		goto out;
	}
	out->version = dup_or_fail(version, &ok);
	out->kind = dup_or_fail(kind, &ok);
	out->devices = calloc(json_array_size(devs) + 1, sizeof(*out->devices));
	if (!ok || !out->devices) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %s", origin);
		goto out;
	}
	json_array_foreach(devs, i, v) {
		rc = parse_device(v, i, origin, &out->devices[out->n_devices++], err);
		if (rc)
			goto out;
	}
out:
	json_decref(root);
	if (rc)
		migctl_cdi_spec_release(out);
	return rc;
}

void migctl_cdi_spec_release(struct migctl_cdi_spec *spec)
{
	for (size_t i = 0; i < spec->n_devices; i++) {
		for (size_t k = 0; k < spec->devices[i].n_nodes; k++)
			free(spec->devices[i].nodes[k]);
		free(spec->devices[i].nodes);
		free(spec->devices[i].name);
	}
	free(spec->devices);
	free(spec->version);
	free(spec->kind);
	memset(spec, 0, sizeof(*spec));
}
