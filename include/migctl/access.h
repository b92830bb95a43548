/* migctl — who may configure MIG, who may monitor, who may use each GPU
 * instance and compute instance: read access to the capability device
 * nodes /dev/nvidia-caps/nvidia-cap<m> (include/migctl/caps.h).
 *
 * The driver lets a process use a capability when it can open the
 * capability's node for reading (reference/nvml-mig.md §3: mig/config
 * creates and destroys instances, mig/monitor gives aggregate monitoring,
 * gpu<g>/gi<i>/access and gpu<g>/gi<i>/ci<c>/access use a MIG device).
 * Access is the node's owner, group and mode plus POSIX ACL entries for
 * further users and groups (libacl).
 *
 * A node whose capability says DeviceFileModify: 1 is managed: the driver
 * (through nvidia-modprobe) sets its owner and mode back whenever it
 * checks the node, so a change there does not last. Such nodes are
 * refused unless the caller asks to unmanage them, which writes
 * "DeviceFileModify: 0" into the capability file first, as the MIG user
 * guide describes. The module parameter NVreg_ModifyDeviceFiles
 * (proc/driver/nvidia/params ModifyDeviceFiles) decides what new
 * capabilities start with.
 *
 * A missing node of an existing capability is created as nvidia-modprobe
 * creates it: a character device with the capability's minor and mode,
 * owned by root.
 */
#ifndef MIGCTL_ACCESS_H
#define MIGCTL_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "migctl/caps.h"
#include "migctl/error.h"

/* Who is named. */
enum migctl_access_who {
	MIGCTL_ACCESS_USER,          /* an ACL entry user:<id>:r */
	MIGCTL_ACCESS_GROUP,         /* an ACL entry group:<id>:r */
	MIGCTL_ACCESS_OTHERS,        /* everyone else: the mode's other bits */
	MIGCTL_ACCESS_OWNER,         /* the node's owner (chown), with u+r */
	MIGCTL_ACCESS_OWNING_GROUP,  /* the node's group (chgrp), with g+r */
};

struct migctl_access_principal {
	enum migctl_access_who who;
	unsigned id;                 /* uid or gid; unused for OTHERS */
};

/* At most this many named ACL entries are reported per node. */
#define MIGCTL_ACCESS_MAX_NAMED 32

/* One named ACL entry and whether it may read (its permission masked by
 * the ACL mask). */
struct migctl_access_entry {
	enum migctl_access_who who;  /* USER or GROUP */
	unsigned id;
	bool read;
};

/* The access of one capability node. */
struct migctl_access_state {
	struct migctl_caps_node node;
	bool live;                   /* the capability file exists */
	struct migctl_capfile cap;   /* its contents, when live */
	struct migctl_caps_node_state st;  /* the node on disk */
	bool acl;                    /* it has named ACL entries */
	/* Who may read, as the kernel decides it: the owner, the owning group
	 * (masked), the named entries (masked), everyone else. */
	bool owner_read, group_read, others_read;
	struct migctl_access_entry named[MIGCTL_ACCESS_MAX_NAMED];
	size_t n_named;
};

/* Read the access of node `n` (a capability node of migctl_caps_node).
 * A missing capability file is live = false; a missing node exists =
 * false; both are not errors. MIGCTL_ERR_IO when the ACL cannot be read. */
enum migctl_err migctl_access_read(const struct migctl_caps_node *n,
				   struct migctl_access_state *out,
				   struct migctl_error *err);

/* Every capability that exists under the driver root, in mig-minors
 * order: config, monitor, then by GPU minor, GI ID, the GI before its
 * CIs. *out is malloc'd (caller frees), *n its length. */
enum migctl_err migctl_access_list(const struct migctl_caps *c,
				   struct migctl_access_state **out, size_t *n,
				   struct migctl_error *err);

/* A grant or a revocation on a set of nodes. */
struct migctl_access_change {
	bool grant;                  /* false: revoke */
	const struct migctl_access_principal *who;
	size_t n_who;
	bool unmanage;               /* write DeviceFileModify: 0 into managed
				      * capabilities instead of refusing them */
};

/* What happened to one node. */
struct migctl_access_outcome {
	bool created;                /* the node was missing and was made */
	bool unmanaged;              /* DeviceFileModify was set to 0 */
	bool changed;                /* owner, group, mode or ACL changed */
};

/* Apply `ch` to the capability nodes `nodes[0..n)`:
 *   grant USER/GROUP    add read to the user's / group's ACL entry
 *   grant OTHERS        set the other read bit
 *   grant OWNER/OWNING_GROUP  chown / chgrp the node, and u+r / g+r
 *   revoke USER/GROUP   remove the entry
 *   revoke OTHERS       clear the other read bit
 *   revoke OWNER/OWNING_GROUP  when the node has that owner / group:
 *                       give it back to root (uid / gid 0) and clear the
 *                       read bit
 * Everything is checked before anything changes: each capability exists
 * (MIGCTL_ERR_NOT_FOUND naming it), is not managed unless `unmanage`
 * (MIGCTL_ERR_MANAGED naming the capability file and both ways out), and
 * its node is missing, a plain file (the simulator's stand-in when it
 * runs without root) or the character device the capability names
 * (MIGCTL_ERR_STATE otherwise). A failure while changing (MIGCTL_ERR_NO_PERMISSION:
 * not root) stops at that node; `outcome` (n entries, may be NULL) says
 * what was done up to there. */
enum migctl_err migctl_access_apply(const struct migctl_caps *c,
				    const struct migctl_caps_node *nodes, size_t n,
				    const struct migctl_access_change *ch,
				    struct migctl_access_outcome *outcome,
				    struct migctl_error *err);

#endif
