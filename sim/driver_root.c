/* migsim — the simulated driver's files: the procfs entries and device
 * nodes a real node has for its live MIG layout, kept under a driver root
 * in the state directory (DIR/driver, SIM_DRIVER_ROOT).
 *
 * What a real node shows (reference/nvml-mig.md §3, k8s-cdi.md §1.4):
 *   proc/driver/nvidia-caps/mig-minors   the static minor table of every
 *                                        capability ("config 1", ...)
 *   proc/driver/nvidia/capabilities/mig/config, mig/monitor
 *   proc/driver/nvidia/capabilities/gpuN/mig/giX/access
 *   proc/driver/nvidia/capabilities/gpuN/mig/giX/ciY/access
 *                                        one per live GI / CI, three lines
 *                                        DeviceFileMinor/Mode/Modify
 *   proc/devices                         the majors, with nvidia-caps
 *   proc/driver/nvidia/params            the module's device-file policy
 *   dev/nvidiaN, dev/nvidiactl, dev/nvidia-uvm, dev/nvidia-caps/nvidia-capM
 *
 * The minors are computed here from the driver's walk of its static tables
 * (nv-caps.c), independently of migctl's parser of mig-minors, so the
 * tests of one check the other.
 *
 * Device nodes are character devices made with mknod when the process may
 * (root); otherwise plain files with the same names and modes (`migsim
 * root` says which). Like on a real node, nodes stay when their instance
 * goes (nvidia-modprobe creates them, nobody removes them); when an
 * instance appears, its node is created or, while its capability says
 * DeviceFileModify: 1, reset to root and the capability's mode, as
 * nvidia-modprobe does. Files that describe static facts (mig-minors,
 * proc/devices, params) are written once, so a test may edit params to
 * model a driver loaded with NVreg_ModifyDeviceFiles=0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sim.h"
#include "util/strbuf.h"

/* The driver's walk of its capability tables: fabric-mgmt 0, config 1,
 * monitor 2, then per GPU 15 GIs of (access, 8 CI accesses). */
#define MINOR_GI(g, i) (3u + 135u * (g) + 9u * (i))
#define MINOR_CI(g, i, c) (4u + 135u * (g) + 9u * (i) + (c))
#define MINOR_CONFIG 1u
#define MINOR_MONITOR 2u
#define CAPS_GPUS 32u

#define MODE_CONFIG 0400u    /* DeviceFileMode 256 */
#define MODE_MONITOR 0444u   /* 292 */
#define MODE_ACCESS 0444u

struct root {
	char path[700];
	bool mknod_ok;           /* still trying real character devices */
	bool modify_default;     /* params ModifyDeviceFiles */
};

static int mkdirs(const char *path)
{
	char buf[900];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Write `text` to ROOT/rel atomically (temp file and rename), creating
 * the directories on the way. */
static int write_file(const struct root *r, const char *rel, const char *text, mode_t mode)
{
	char path[900], tmp[920];
	size_t len = strlen(text);
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", r->path, rel);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdirs(path) != 0)
		return -1;
	*slash = '/';
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0)
		rc = 0;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static bool exists(const struct root *r, const char *rel)
{
	char path[900];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", r->path, rel);
	return lstat(path, &st) == 0;
}

/* The static table, as the driver prints it: one "<name> <minor>" line per
 * capability, in table order. */
static int write_mig_minors(const struct root *r)
{
	struct mu_strbuf b = {0};
	int rc;

	if (exists(r, "proc/driver/nvidia-caps/mig-minors"))
		return 0;
	mu_sb_printf(&b, "config %u\nmonitor %u\n", MINOR_CONFIG, MINOR_MONITOR);
	for (unsigned g = 0; g < CAPS_GPUS; g++)
		for (unsigned i = 0; i < SIM_MAX_GIS; i++) {
			mu_sb_printf(&b, "gpu%u/gi%u/access %u\n", g, i, MINOR_GI(g, i));
			for (unsigned c = 0; c < SIM_MAX_CIS; c++)
				mu_sb_printf(&b, "gpu%u/gi%u/ci%u/access %u\n", g, i, c,
					     MINOR_CI(g, i, c));
		}
	char *text = mu_sb_take(&b);
	if (!text)
		return -1;
	rc = write_file(r, "proc/driver/nvidia-caps/mig-minors", text, 0444);
	free(text);
	return rc;
}

static int write_static(const struct root *r)
{
	int rc = 0;

	if (!exists(r, "proc/devices"))
		rc |= write_file(r, "proc/devices",
				 "Character devices:\n"
				 "  1 mem\n"
				 "195 nvidia\n"
				 SIM_CAPS_MAJOR_TEXT " nvidia-caps\n"
				 SIM_UVM_MAJOR_TEXT " nvidia-uvm\n"
				 "\n"
				 "Block devices:\n", 0444);
	/* A driver loaded with the defaults: it manages /dev/nvidia* (uid 0,
	 * gid 0, mode 0666) and its capabilities start managed. */
	if (!exists(r, "proc/driver/nvidia/params"))
		rc |= write_file(r, "proc/driver/nvidia/params",
				 "ModifyDeviceFiles: 1\n"
				 "DeviceFileUID: 0\n"
				 "DeviceFileGID: 0\n"
				 "DeviceFileMode: 438\n", 0444);
	return rc | write_mig_minors(r);
}

/* ModifyDeviceFiles of the params file (1 when unreadable, the default). */
static bool read_modify_default(const struct root *r)
{
	char path[900], line[128];
	bool modify = true;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/driver/nvidia/params", r->path);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		unsigned v;
		if (sscanf(line, "ModifyDeviceFiles: %u", &v) == 1)
			modify = v != 0;
	}
	fclose(f);
	return modify;
}

/* DeviceFileModify of an existing capability file. */
static bool read_cap_modify(const struct root *r, const char *rel)
{
	char path[900], line[128];
	bool modify = true;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", r->path, rel);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		unsigned v;
		if (sscanf(line, "DeviceFileModify: %u", &v) == 1)
			modify = v != 0;
	}
	fclose(f);
	return modify;
}

/* Make ROOT/rel a character device major:minor with `mode`, owned by
 * root, or a plain file when mknod is not allowed. An existing node is
 * kept unless `reset`, which puts owner and mode back (nvidia-modprobe on
 * a managed node). */
static int make_node(struct root *r, const char *rel, unsigned major, unsigned minor,
		     mode_t mode, bool reset)
{
	char path[900];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", r->path, rel);
	if (lstat(path, &st) == 0) {
		if (!reset)
			return 0;
		if (geteuid() == 0 && (st.st_uid != 0 || st.st_gid != 0) && lchown(path, 0, 0) != 0)
			return -1;
		return (st.st_mode & 07777) != mode ? chmod(path, mode) : 0;
	}
	if (r->mknod_ok) {
		if (mknod(path, S_IFCHR | mode, makedev(major, minor)) == 0)
			return chmod(path, mode); /* past the umask */
		if (errno != EPERM)
			return -1;
		r->mknod_ok = false;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	close(fd);
	return chmod(path, mode);
}

/* A capability of a live instance (or config/monitor): its proc file
 * (written when missing, with the driver's default Modify) and its node. */
static int ensure_cap(struct root *r, const char *rel, unsigned minor, mode_t mode)
{
	char text[128], node[64];
	bool fresh = !exists(r, rel);
	bool modify = r->modify_default;

	if (fresh) {
		snprintf(text, sizeof(text),
			 "DeviceFileMinor: %u\nDeviceFileMode: %u\nDeviceFileModify: %u\n",
			 minor, (unsigned)mode, modify ? 1u : 0u);
		if (write_file(r, rel, text, 0444) != 0)
			return -1;
	} else {
		modify = read_cap_modify(r, rel);
	}
	snprintf(node, sizeof(node), "dev/nvidia-caps/nvidia-cap%u", minor);
	return make_node(r, node, SIM_CAPS_MAJOR, minor, mode, fresh && modify);
}

/* Remove ROOT/rel and everything under it (a capability directory of an
 * instance that is gone). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[2048];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

/* Whether a "giX" / "ciY" directory name names an existing instance. */
static bool live_name(const char *name, const char *prefix, unsigned max, unsigned *id)
{
	size_t n = strlen(prefix);
	char *end;

	if (strncmp(name, prefix, n) != 0 || name[n] < '0' || name[n] > '9')
		return false;
	unsigned long v = strtoul(name + n, &end, 10);
	if (*end || v >= max)
		return false;
	*id = (unsigned)v;
	return true;
}

/* Drop the capability files of instances that no longer exist on GPU
 * minor `minor` (g NULL: the GPU is gone or has MIG off). */
static void prune_gpu(const struct root *r, unsigned minor, const struct sim_gpu *g)
{
	char dir[900];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/proc/driver/nvidia/capabilities/gpu%u", r->path, minor);
	if (!g) {
		remove_tree(dir);
		return;
	}
	strcat(dir, "/mig");
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned gi_id, ci_id;
		char sub[2048];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		struct sim_gi *gi = live_name(e->d_name, "gi", SIM_MAX_GIS, &gi_id)
			? sim_gi_find((struct sim_gpu *)g, gi_id) : NULL;
		if (!gi) {
			remove_tree(sub);
			continue;
		}
		DIR *cd = opendir(sub);
		struct dirent *ce;
		while (cd && (ce = readdir(cd)) != NULL) {
			char cs[2400];
			if (strcmp(ce->d_name, ".") == 0 || strcmp(ce->d_name, "..") == 0 ||
			    strcmp(ce->d_name, "access") == 0)
				continue;
			snprintf(cs, sizeof(cs), "%s/%s", sub, ce->d_name);
			if (!live_name(ce->d_name, "ci", SIM_MAX_CIS, &ci_id) ||
			    !sim_ci_find(gi, ci_id))
				remove_tree(cs);
		}
		if (cd)
			closedir(cd);
	}
	closedir(d);
}

static int sync_gpu(struct root *r, const struct sim_gpu *g)
{
	char rel[160], node[64];
	int rc = 0;

	snprintf(node, sizeof(node), "dev/nvidia%u", g->minor);
	rc |= make_node(r, node, SIM_NVIDIA_MAJOR, g->minor, 0666, false);
	if (!g->mig_current || g->minor >= CAPS_GPUS)
		return rc;
	for (unsigned i = 0; i < g->n_gis; i++) {
		const struct sim_gi *gi = &g->gis[i];
		snprintf(rel, sizeof(rel), "proc/driver/nvidia/capabilities/gpu%u/mig/gi%u/access",
			 g->minor, gi->id);
		rc |= ensure_cap(r, rel, MINOR_GI(g->minor, gi->id), MODE_ACCESS);
		for (unsigned c = 0; c < gi->n_cis; c++) {
			unsigned ci = gi->cis[c].id;
			snprintf(rel, sizeof(rel),
				 "proc/driver/nvidia/capabilities/gpu%u/mig/gi%u/ci%u/access",
				 g->minor, gi->id, ci);
			rc |= ensure_cap(r, rel, MINOR_CI(g->minor, gi->id, ci), MODE_ACCESS);
		}
	}
	return rc;
}

void sim_driver_root_path(const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" SIM_DRIVER_ROOT, dir);
}

enum migctl_err sim_driver_root_sync(const char *dir, const struct sim_machine *m,
				     struct migctl_error *err)
{
	struct root r = {.mknod_ok = geteuid() == 0};
	int rc;

	sim_driver_root_path(dir, r.path, sizeof(r.path));
	rc = mkdirs(r.path);
	if (rc == 0) {
		char devs[760];
		snprintf(devs, sizeof(devs), "%s/dev/nvidia-caps", r.path);
		rc = mkdirs(devs);
	}
	if (rc == 0)
		rc = write_static(&r);
	if (rc != 0)
		goto out;
	r.modify_default = read_modify_default(&r);
	rc |= make_node(&r, "dev/nvidiactl", SIM_NVIDIA_MAJOR, SIM_NVIDIACTL_MINOR, 0666, false);
	rc |= make_node(&r, "dev/nvidia-uvm", SIM_UVM_MAJOR, 0, 0666, false);
	rc |= ensure_cap(&r, "proc/driver/nvidia/capabilities/mig/config", MINOR_CONFIG,
			 MODE_CONFIG);
	rc |= ensure_cap(&r, "proc/driver/nvidia/capabilities/mig/monitor", MINOR_MONITOR,
			 MODE_MONITOR);
	for (unsigned minor = 0; minor < CAPS_GPUS; minor++) {
		const struct sim_gpu *g = NULL;
		for (unsigned i = 0; i < m->n_gpus; i++)
			if (m->gpus[i].minor == minor && m->gpus[i].mig_current)
				g = &m->gpus[i];
		prune_gpu(&r, minor, g);
	}
	for (unsigned i = 0; i < m->n_gpus; i++)
		rc |= sync_gpu(&r, &m->gpus[i]);
out:
	if (rc != 0)
		return migctl_fail(err, MIGCTL_ERR_IO,
				   "cannot write the simulated driver's files under %s: %s",
				   r.path, strerror(errno));
	return MIGCTL_ERR_OK;
}

bool sim_driver_root_real_nodes(const char *dir)
{
	char path[760];
	struct stat st;

	sim_driver_root_path(dir, path, sizeof(path) - 16);
	strcat(path, "/dev/nvidiactl");
	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode);
}
