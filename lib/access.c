/* migctl — access to MIG capabilities: reading and changing who may read
 * the capability device nodes (owner, group, mode and POSIX ACL entries
 * through libacl), creating missing nodes as nvidia-modprobe does, and
 * refusing nodes the driver manages (include/migctl/access.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <acl/libacl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "migctl/access.h"

static enum migctl_err errno_fail(struct migctl_error *err, const char *what, const char *path)
{
	int e = errno;
	enum migctl_err code = e == EPERM || e == EACCES ? MIGCTL_ERR_NO_PERMISSION
							  : MIGCTL_ERR_IO;

	return migctl_fail(err, code, "cannot %s %s: %s%s", what, path, strerror(e),
			   code == MIGCTL_ERR_NO_PERMISSION ? "; run as root" : "");
}

/* The read permission of an ACL entry. */
static bool entry_reads(acl_entry_t e)
{
	acl_permset_t ps;

	return acl_get_permset(e, &ps) == 0 && acl_get_perm(ps, ACL_READ) == 1;
}

/* Fill the readers of `out` from the node's ACL (a file without one reads
 * as the three entries of its mode). */
static enum migctl_err read_acl(struct migctl_access_state *out, struct migctl_error *err)
{
	acl_t acl = acl_get_file(out->node.host_path, ACL_TYPE_ACCESS);
	acl_entry_t e;
	bool mask_read = true, group_obj = false;
	int r;

	if (!acl)
		return errno_fail(err, "read the ACL of", out->node.host_path);
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &e); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &e)) {
		acl_tag_t tag;
		if (acl_get_tag_type(e, &tag) != 0)
			continue;
		bool reads = entry_reads(e);
		if (tag == ACL_USER_OBJ) {
			out->owner_read = reads;
		} else if (tag == ACL_GROUP_OBJ) {
			group_obj = reads;
		} else if (tag == ACL_OTHER) {
			out->others_read = reads;
		} else if (tag == ACL_MASK) {
			mask_read = reads;
		} else if ((tag == ACL_USER || tag == ACL_GROUP) &&
			   out->n_named < MIGCTL_ACCESS_MAX_NAMED) {
			void *q = acl_get_qualifier(e);
			if (!q)
				continue;
			struct migctl_access_entry *n = &out->named[out->n_named++];
			n->who = tag == ACL_USER ? MIGCTL_ACCESS_USER : MIGCTL_ACCESS_GROUP;
			n->id = tag == ACL_USER ? (unsigned)*(uid_t *)q : (unsigned)*(gid_t *)q;
			n->read = reads;
			acl_free(q);
		}
	}
	acl_free(acl);
	/* The mask limits the owning group and the named entries. */
	out->acl = out->n_named > 0;
	out->group_read = group_obj && mask_read;
	for (size_t i = 0; i < out->n_named; i++)
		out->named[i].read = out->named[i].read && mask_read;
	return MIGCTL_ERR_OK;
}

enum migctl_err migctl_access_read(const struct migctl_caps_node *n,
				   struct migctl_access_state *out,
				   struct migctl_error *err)
{
	enum migctl_err rc;

	memset(out, 0, sizeof(*out));
	out->node = *n;
	rc = migctl_caps_capfile_read(n, &out->cap, err);
	if (rc == MIGCTL_ERR_OK)
		out->live = true;
	else if (rc != MIGCTL_ERR_NOT_FOUND)
		return rc;
	rc = migctl_caps_node_stat(n, &out->st, err);
	if (rc == MIGCTL_ERR_OK && out->st.exists)
		rc = read_acl(out, err);
	return rc;
}

/* Append the state of one capability to the list when it exists. */
static enum migctl_err list_one(const struct migctl_caps *c, enum migctl_caps_kind kind,
				unsigned g, unsigned i, unsigned ci,
				struct migctl_access_state **arr, size_t *n, size_t *cap,
				struct migctl_error *err)
{
	struct migctl_caps_node node;
	struct stat st;

	if (migctl_caps_node(c, kind, g, i, ci, &node, NULL) != MIGCTL_ERR_OK ||
	    stat(node.cap_host_path, &st) != 0)
		return MIGCTL_ERR_OK; /* not listed, or the instance does not exist */
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct migctl_access_state *na = realloc(*arr, ncap * sizeof(*na));
		if (!na)
			return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		*arr = na;
		*cap = ncap;
	}
	enum migctl_err rc = migctl_access_read(&node, &(*arr)[*n], err);
	if (rc == MIGCTL_ERR_OK)
		(*n)++;
	return rc;
}

enum migctl_err migctl_access_list(const struct migctl_caps *c,
				   struct migctl_access_state **out, size_t *n,
				   struct migctl_error *err)
{
	struct migctl_access_state *arr = NULL;
	size_t len = 0, cap = 0;
	char dir[MIGCTL_CAPS_PATH_MAX];
	enum migctl_err rc;

	rc = list_one(c, MIGCTL_CAPS_CONFIG, 0, 0, 0, &arr, &len, &cap, err);
	if (rc == MIGCTL_ERR_OK)
		rc = list_one(c, MIGCTL_CAPS_MONITOR, 0, 0, 0, &arr, &len, &cap, err);
	for (unsigned g = 0; rc == MIGCTL_ERR_OK && g < MIGCTL_CAPS_MAX_GPUS; g++) {
		struct stat st;
		/* Most GPU minors have no directory: skip their 135 lookups. */
		snprintf(dir, sizeof(dir), "%s/proc/driver/nvidia/capabilities/gpu%u/mig",
			 c->root, g);
		if (stat(dir, &st) != 0)
			continue;
		for (unsigned i = 0; rc == MIGCTL_ERR_OK && i < MIGCTL_CAPS_MAX_GIS; i++) {
			rc = list_one(c, MIGCTL_CAPS_GI, g, i, 0, &arr, &len, &cap, err);
			for (unsigned ci = 0; rc == MIGCTL_ERR_OK && ci < MIGCTL_CAPS_MAX_CIS; ci++)
				rc = list_one(c, MIGCTL_CAPS_CI, g, i, ci, &arr, &len, &cap, err);
		}
	}
	if (rc) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = len;
	return MIGCTL_ERR_OK;
}

/* --- changes ------------------------------------------------------------- */

/* The checks of one node before anything changes. */
static enum migctl_err check_node(const struct migctl_caps *c,
				  const struct migctl_caps_node *n, bool unmanage,
				  struct migctl_error *err)
{
	struct migctl_capfile cap;
	struct migctl_caps_node_state st;
	enum migctl_err rc;

	if (!n->cap_host_path[0])
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "%s is not a capability node; access changes only "
				   "/dev/nvidia-caps nodes", n->path);
	rc = migctl_caps_capfile_read(n, &cap, err);
	if (rc)
		return rc;
	if (cap.modify && !unmanage)
		return migctl_fail(err, MIGCTL_ERR_MANAGED,
				   "%s (%s) is managed by the NVIDIA driver: %s says "
				   "DeviceFileModify: 1 (new capabilities get it from "
				   "NVreg_ModifyDeviceFiles=%d, proc/driver/nvidia/params), so "
				   "nvidia-modprobe puts the node back to root and mode %04o; "
				   "pass --unmanage to write 'DeviceFileModify: 0' into it first, "
				   "or load the nvidia module with NVreg_ModifyDeviceFiles=0",
				   n->name, n->path, n->cap_path,
				   c->params.modify_device_files ? 1 : 0, cap.mode);
	if (cap.minor != n->minor)
		return migctl_fail(err, MIGCTL_ERR_STATE,
				   "%s says minor %u but mig-minors says %u for %s; the driver "
				   "root is inconsistent", n->cap_host_path, cap.minor, n->minor,
				   n->name);
	rc = migctl_caps_node_stat(n, &st, err);
	if (rc)
		return rc;
	if (st.exists && st.is_chr && (st.major != n->major || st.minor != n->minor))
		return migctl_fail(err, MIGCTL_ERR_STATE,
				   "%s is the character device %u:%u, not %u:%u (%s); remove it "
				   "and run again to have it made", n->host_path, st.major, st.minor,
				   n->major, n->minor, n->name);
	if (st.exists && !st.is_chr) {
		struct stat ls;
		if (lstat(n->host_path, &ls) != 0 || !S_ISREG(ls.st_mode))
			return migctl_fail(err, MIGCTL_ERR_STATE,
					   "%s is neither a character device nor a plain file; "
					   "remove it and run again", n->host_path);
	}
	return MIGCTL_ERR_OK;
}

/* Create a missing node as nvidia-modprobe does: the capability's minor
 * and mode, owned by root, in a directory of mode 0755. */
static enum migctl_err make_node(const struct migctl_caps_node *n, unsigned mode,
				 struct migctl_error *err)
{
	char dir[MIGCTL_CAPS_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", n->host_path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return errno_fail(err, "create", dir);
	}
	if (mknod(n->host_path, S_IFCHR | (mode & 07777), makedev(n->major, n->minor)) != 0)
		return errno_fail(err, "create the device node", n->host_path);
	if (chmod(n->host_path, mode & 07777) != 0 || lchown(n->host_path, 0, 0) != 0)
		return errno_fail(err, "set the owner and mode of", n->host_path);
	return MIGCTL_ERR_OK;
}

/* Write "DeviceFileModify: 0" into the capability file. The driver's
 * procfs file takes the line; a copy of a driver root (the simulator's)
 * holds plain files with a size, rewritten whole instead. */
static enum migctl_err unmanage_cap(const struct migctl_caps_node *n,
				    const struct migctl_capfile *cap, struct migctl_error *err)
{
	char text[128], tmp[MIGCTL_CAPS_PATH_MAX + 8];
	const char *path = n->cap_host_path;
	struct stat st;
	int fd;

	if (stat(path, &st) != 0)
		return errno_fail(err, "stat", path);
	if (st.st_size == 0) {
		snprintf(text, sizeof(text), "DeviceFileModify: 0\n");
		snprintf(tmp, sizeof(tmp), "%s", path);
		fd = open(path, O_WRONLY | O_CLOEXEC);
	} else {
		snprintf(text, sizeof(text),
			 "DeviceFileMinor: %u\nDeviceFileMode: %u\nDeviceFileModify: 0\n",
			 cap->minor, cap->mode);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
	}
	if (fd < 0)
		return errno_fail(err, "open for writing", tmp);
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len;
	int e = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && st.st_size != 0 && rename(tmp, path) != 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		if (st.st_size != 0)
			unlink(tmp);
		errno = e;
		return errno_fail(err, "write DeviceFileModify: 0 into", path);
	}
	return MIGCTL_ERR_OK;
}

/* The ACL entry with `tag` (and qualifier `id` for ACL_USER/ACL_GROUP). */
static bool find_entry(acl_t acl, acl_tag_t tag, unsigned id, acl_entry_t *out)
{
	acl_entry_t e;

	for (int r = acl_get_entry(acl, ACL_FIRST_ENTRY, &e); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &e)) {
		acl_tag_t t;
		if (acl_get_tag_type(e, &t) != 0 || t != tag)
			continue;
		if (tag == ACL_USER || tag == ACL_GROUP) {
			void *q = acl_get_qualifier(e);
			bool same = q && (tag == ACL_USER ? (unsigned)*(uid_t *)q
							  : (unsigned)*(gid_t *)q) == id;
			acl_free(q);
			if (!same)
				continue;
		}
		*out = e;
		return true;
	}
	return false;
}

/* Set or clear the read permission of an entry. */
static int set_read(acl_entry_t e, bool read)
{
	acl_permset_t ps;

	if (acl_get_permset(e, &ps) != 0)
		return -1;
	if ((read ? acl_add_perm(ps, ACL_READ) : acl_delete_perm(ps, ACL_READ)) != 0)
		return -1;
	return acl_set_permset(e, ps);
}

/* Add a named entry user:<id> / group:<id> with read, or give read to the
 * one there is. */
static int grant_named(acl_t *acl, acl_tag_t tag, unsigned id)
{
	acl_entry_t e;

	if (!find_entry(*acl, tag, id, &e)) {
		uid_t uid = (uid_t)id;
		gid_t gid = (gid_t)id;
		acl_permset_t ps;
		if (acl_create_entry(acl, &e) != 0 || acl_set_tag_type(e, tag) != 0 ||
		    acl_set_qualifier(e, tag == ACL_USER ? (void *)&uid : (void *)&gid) != 0 ||
		    acl_get_permset(e, &ps) != 0 || acl_clear_perms(ps) != 0 ||
		    acl_set_permset(e, ps) != 0)
			return -1;
	}
	return set_read(e, true);
}

/* The ACL after the change, with its mask recomputed (or dropped when no
 * named entry is left, so the node goes back to plain mode bits). */
static int finish_acl(acl_t *acl)
{
	acl_entry_t e;
	bool named = false;

	for (int r = acl_get_entry(*acl, ACL_FIRST_ENTRY, &e); r == 1;
	     r = acl_get_entry(*acl, ACL_NEXT_ENTRY, &e)) {
		acl_tag_t t;
		if (acl_get_tag_type(e, &t) == 0 && (t == ACL_USER || t == ACL_GROUP))
			named = true;
	}
	if (!named) {
		if (find_entry(*acl, ACL_MASK, 0, &e) && acl_delete_entry(*acl, e) != 0)
			return -1;
		return 0;
	}
	return acl_calc_mask(acl);
}

/* Apply the principals of `ch` to the node's ACL (owner and group changes
 * are done before, by chown). */
static int change_acl(acl_t *acl, const struct migctl_access_change *ch)
{
	acl_entry_t e;

	for (size_t i = 0; i < ch->n_who; i++) {
		const struct migctl_access_principal *p = &ch->who[i];
		acl_tag_t tag = p->who == MIGCTL_ACCESS_USER ? ACL_USER : ACL_GROUP;
		switch (p->who) {
		case MIGCTL_ACCESS_USER:
		case MIGCTL_ACCESS_GROUP:
			if (ch->grant) {
				if (grant_named(acl, tag, p->id) != 0)
					return -1;
			} else if (find_entry(*acl, tag, p->id, &e) &&
				   acl_delete_entry(*acl, e) != 0) {
				return -1;
			}
			break;
		case MIGCTL_ACCESS_OTHERS:
			if (!find_entry(*acl, ACL_OTHER, 0, &e) || set_read(e, ch->grant) != 0)
				return -1;
			break;
		case MIGCTL_ACCESS_OWNER:
		case MIGCTL_ACCESS_OWNING_GROUP:
			break; /* the caller set the read bit with the owner */
		}
	}
	return finish_acl(acl);
}

/* Owner and owning-group principals: chown / chgrp, and which of the
 * user / group read bits to set (1), clear (0) or keep (-1). */
static enum migctl_err change_owner(const struct migctl_caps_node *n,
				    const struct migctl_access_change *ch, int *u_read,
				    int *g_read, struct migctl_error *err)
{
	struct stat st;

	*u_read = *g_read = -1;
	if (lstat(n->host_path, &st) != 0)
		return errno_fail(err, "stat", n->host_path);
	for (size_t i = 0; i < ch->n_who; i++) {
		const struct migctl_access_principal *p = &ch->who[i];
		bool owner = p->who == MIGCTL_ACCESS_OWNER;
		if (!owner && p->who != MIGCTL_ACCESS_OWNING_GROUP)
			continue;
		unsigned now = owner ? (unsigned)st.st_uid : (unsigned)st.st_gid;
		if (!ch->grant && now != p->id)
			continue; /* not its owner: nothing to take back */
		uid_t uid = owner ? (uid_t)(ch->grant ? p->id : 0) : (uid_t)-1;
		gid_t gid = owner ? (gid_t)-1 : (gid_t)(ch->grant ? p->id : 0);
		if (lchown(n->host_path, uid, gid) != 0)
			return errno_fail(err, "change the owner of", n->host_path);
		*(owner ? u_read : g_read) = ch->grant ? 1 : 0;
	}
	return MIGCTL_ERR_OK;
}

/* One node: owner, then the ACL (with the owner's and group's read bits). */
static enum migctl_err change_node(const struct migctl_caps_node *n,
				   const struct migctl_access_change *ch,
				   struct migctl_error *err)
{
	int u_read, g_read;
	acl_entry_t e;
	enum migctl_err rc = change_owner(n, ch, &u_read, &g_read, err);

	if (rc)
		return rc;
	acl_t acl = acl_get_file(n->host_path, ACL_TYPE_ACCESS);
	if (!acl)
		return errno_fail(err, "read the ACL of", n->host_path);
	int r = 0;
	if (u_read >= 0)
		r |= !find_entry(acl, ACL_USER_OBJ, 0, &e) || set_read(e, u_read == 1) != 0;
	if (g_read >= 0)
		r |= !find_entry(acl, ACL_GROUP_OBJ, 0, &e) || set_read(e, g_read == 1) != 0;
	if (r == 0)
		r = change_acl(&acl, ch);
	if (r == 0 && acl_valid(acl) != 0)
		r = -1;
	if (r == 0 && acl_set_file(n->host_path, ACL_TYPE_ACCESS, acl) != 0)
		rc = errno_fail(err, "set the ACL of", n->host_path);
	else if (r != 0)
		rc = migctl_fail(err, MIGCTL_ERR_INTERNAL, "cannot build the ACL of %s",
				 n->host_path);
	acl_free(acl);
	return rc;
}

/* The access fingerprint of a node, to tell whether a change changed it. */
static void fingerprint(const struct migctl_caps_node *n, char *buf, size_t len)
{
	struct stat st;
	acl_t acl;
	char *text = NULL;

	buf[0] = '\0';
	if (lstat(n->host_path, &st) != 0)
		return;
	acl = acl_get_file(n->host_path, ACL_TYPE_ACCESS);
	if (acl)
		text = acl_to_any_text(acl, NULL, ',', TEXT_NUMERIC_IDS);
	snprintf(buf, len, "%u:%u:%o:%s", (unsigned)st.st_uid, (unsigned)st.st_gid,
		 (unsigned)st.st_mode & 07777, text ? text : "");
	acl_free(text);
	acl_free(acl);
}

enum migctl_err migctl_access_apply(const struct migctl_caps *c,
				    const struct migctl_caps_node *nodes, size_t n,
				    const struct migctl_access_change *ch,
				    struct migctl_access_outcome *outcome,
				    struct migctl_error *err)
{
	enum migctl_err rc = MIGCTL_ERR_OK;

	if (outcome)
		memset(outcome, 0, n * sizeof(*outcome));
	for (size_t i = 0; i < n && rc == MIGCTL_ERR_OK; i++)
		rc = check_node(c, &nodes[i], ch->unmanage, err);
	for (size_t i = 0; i < n && rc == MIGCTL_ERR_OK; i++) {
		const struct migctl_caps_node *node = &nodes[i];
		struct migctl_access_outcome o = {0};
		struct migctl_capfile cap;
		struct migctl_caps_node_state st;
		char before[512], after[512];

		rc = migctl_caps_capfile_read(node, &cap, err);
		if (rc == MIGCTL_ERR_OK && cap.modify) {
			rc = unmanage_cap(node, &cap, err);
			o.unmanaged = rc == MIGCTL_ERR_OK;
		}
		if (rc == MIGCTL_ERR_OK)
			rc = migctl_caps_node_stat(node, &st, err);
		if (rc == MIGCTL_ERR_OK && !st.exists) {
			rc = make_node(node, cap.mode, err);
			o.created = rc == MIGCTL_ERR_OK;
		}
		fingerprint(node, before, sizeof(before));
		if (rc == MIGCTL_ERR_OK)
			rc = change_node(node, ch, err);
		fingerprint(node, after, sizeof(after));
		o.changed = strcmp(before, after) != 0;
		if (outcome)
			outcome[i] = o;
	}
	return rc;
}
