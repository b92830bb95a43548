/* migctl access — who may configure MIG, who may monitor, who may use each
 * MIG device: list, grant and revoke read access to the capability device
 * nodes (include/migctl/access.h). */
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "migctl/access.h"
#include "migctl/caps.h"

#define MAX_WHO 64
#define MAX_NODES (2 + 2 * MIGCTL_NODE_MAX_GPUS * MIGCTL_NODE_MAX_GIS * MIGCTL_NODE_MAX_CIS)

const char *cli_driver_root(const struct cli *cli, const char *root, char *buf, size_t len)
{
	if (root)
		return root;
	if (!cli->simulate)
		return "/";
	char state[PATH_MAX];
	migctl_caps_sim_root(cli_sim_state_dir(cli, state, sizeof(state)), buf, len);
	return buf;
}

struct access_run {
	struct cli *cli;
	const char *root;
	struct migctl_caps *caps;
	struct migctl_access_principal who[MAX_WHO];
	size_t n_who;
	bool config, monitor, unmanage;
	const char *devices[32];
	size_t n_devices;
	struct migctl_caps_node *nodes;
	size_t n_nodes;
};

/* --- names ------------------------------------------------------------ */

static const char *user_name(unsigned uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid((uid_t)uid);
	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", uid);
	return buf;
}

static const char *group_name(unsigned gid, char *buf, size_t len)
{
	struct group *gr = getgrgid((gid_t)gid);
	if (gr)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%u", gid);
	return buf;
}

/* A user or group by name or number. */
static bool lookup_id(const char *item, bool group, unsigned *id)
{
	char *end;
	unsigned long v = strtoul(item, &end, 10);

	if (item[0] >= '0' && item[0] <= '9' && !*end && v < 0xffffffffUL) {
		*id = (unsigned)v;
		return true;
	}
	if (group) {
		struct group *gr = getgrnam(item);
		if (gr)
			*id = (unsigned)gr->gr_gid;
		return gr != NULL;
	}
	struct passwd *pw = getpwnam(item);
	if (pw)
		*id = (unsigned)pw->pw_uid;
	return pw != NULL;
}

static int add_who(struct access_run *r, const char *opt, const char *list,
		   enum migctl_access_who who)
{
	const char *p = list;
	char item[128];
	enum mu_list_item k;
	bool group = who == MIGCTL_ACCESS_GROUP || who == MIGCTL_ACCESS_OWNING_GROUP;

	while ((k = mu_list_next(&p, item, sizeof(item))) != MU_LIST_END) {
		unsigned id;
		if (k != MU_LIST_ITEM)
			return cli_usage_error(r->cli, "access", "%s: expected %s names or numbers "
					       "separated by commas, got \"%s\"", opt,
					       group ? "group" : "user", list);
		if (!lookup_id(item, group, &id))
			return cli_usage_error(r->cli, "access", "%s: no %s \"%s\" on this host",
					       opt, group ? "group" : "user", item);
		if (r->n_who == MAX_WHO)
			return cli_usage_error(r->cli, "access", "at most %d users and groups at once",
					       MAX_WHO);
		r->who[r->n_who++] = (struct migctl_access_principal){who, id};
	}
	return 0;
}

/* --- MIG devices -> capability nodes ------------------------------------- */

static enum migctl_err add_node(struct access_run *r, enum migctl_caps_kind kind,
				unsigned minor, unsigned gi, unsigned ci,
				struct migctl_error *err)
{
	struct migctl_caps_node n;
	enum migctl_err rc = migctl_caps_node(r->caps, kind, minor, gi, ci, &n, err);

	if (rc)
		return rc;
	for (size_t i = 0; i < r->n_nodes; i++)
		if (strcmp(r->nodes[i].path, n.path) == 0)
			return MIGCTL_ERR_OK;
	r->nodes[r->n_nodes++] = n;
	return MIGCTL_ERR_OK;
}

static enum migctl_err add_mig(struct access_run *r, const struct migctl_gpu_state *gpu,
			       const struct migctl_gi_state *gi, const struct migctl_ci_state *ci,
			       struct migctl_error *err)
{
	enum migctl_err rc = add_node(r, MIGCTL_CAPS_GI, gpu->minor, gi->id, 0, err);

	return rc ? rc : add_node(r, MIGCTL_CAPS_CI, gpu->minor, gi->id, ci->id, err);
}

/* The CI a -d item names: "N:M", a MIG UUID, "MIG-GPU-<uuid>/<gi>/<ci>". */
static bool find_mig(struct migctl_node *node, const char *item, struct migctl_gpu_state **g,
		     struct migctl_gi_state **gi, struct migctl_ci_state **ci)
{
	unsigned a, b, c;
	char tail;

	for (size_t i = 0; i < node->n_gpus; i++) {
		struct migctl_gpu_state *gpu = &node->gpus[i];
		for (size_t j = 0; j < gpu->n_gis; j++)
			for (size_t k = 0; k < gpu->gis[j].n_cis; k++) {
				struct migctl_ci_state *x = &gpu->gis[j].cis[k];
				bool hit = strcasecmp(x->uuid, item) == 0;
				if (sscanf(item, "%u:%u%c", &a, &b, &tail) == 2)
					hit = gpu->index == a && x->mig_index == b;
				if (strncmp(item, "MIG-GPU-", 8) == 0) {
					size_t ul = strlen(gpu->uuid);
					hit = strncasecmp(item + 4, gpu->uuid, ul) == 0 &&
					      sscanf(item + 4 + ul, "/%u/%u%c", &b, &c, &tail) == 2 &&
					      gpu->gis[j].id == b && x->id == c;
				}
				if (hit) {
					*g = gpu;
					*gi = &gpu->gis[j];
					*ci = x;
					return true;
				}
			}
	}
	return false;
}

static enum migctl_err resolve_one(struct access_run *r, const char *item,
				   struct migctl_error *err);

static enum migctl_err resolve(struct access_run *r, struct migctl_error *err)
{
	enum migctl_err rc = MIGCTL_ERR_OK;

	if (r->config)
		rc = add_node(r, MIGCTL_CAPS_CONFIG, 0, 0, 0, err);
	if (!rc && r->monitor)
		rc = add_node(r, MIGCTL_CAPS_MONITOR, 0, 0, 0, err);
	if (rc || r->n_devices == 0)
		return rc;
	if ((rc = cli_node(r->cli, err)))
		return rc;
	for (size_t d = 0; d < r->n_devices && !rc; d++) {
		const char *list = r->devices[d];
		char item[160];
		enum mu_list_item k;
		while (!rc && (k = mu_list_next(&list, item, sizeof(item))) != MU_LIST_END) {
			if (k != MU_LIST_ITEM)
				return migctl_fail(err, MIGCTL_ERR_USAGE,
						   "-d: expected MIG devices separated by commas, "
						   "got \"%s\"", r->devices[d]);
			rc = resolve_one(r, item, err);
		}
	}
	return rc;
}

/* One -d item: its GI and CI capability nodes. */
static enum migctl_err resolve_one(struct access_run *r, const char *item,
				   struct migctl_error *err)
{
	struct migctl_node *node = &r->cli->node;
	struct migctl_gpu_state *gpu;
	struct migctl_gi_state *gi;
	struct migctl_ci_state *ci;
	enum migctl_err rc = MIGCTL_ERR_OK;

	if (strcmp(item, "all") == 0) {
		for (size_t i = 0; i < node->n_gpus && !rc; i++)
			for (size_t j = 0; j < node->gpus[i].n_gis && !rc; j++)
				for (size_t k = 0; k < node->gpus[i].gis[j].n_cis && !rc; k++)
					rc = add_mig(r, &node->gpus[i], &node->gpus[i].gis[j],
						     &node->gpus[i].gis[j].cis[k], err);
		return rc;
	}
	if (!find_mig(node, item, &gpu, &gi, &ci))
		return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
				   "-d %s: no such MIG device; give GPU:MIG (as 'migctl%s list' "
				   "numbers them), a MIG UUID, MIG-GPU-<uuid>/<gi>/<ci> or all",
				   item, cli_sim_flag(r->cli));
	return add_mig(r, gpu, gi, ci, err);
}

/* --- output ---------------------------------------------------------------- */

/* "0:1,0:2": the MIG devices behind a GI or CI capability, from the node. */
static void mig_devices_of(const struct cli *cli, const struct migctl_caps_node *n, char *buf,
			   size_t len, const char **uuid)
{
	size_t used = 0;

	buf[0] = '\0';
	*uuid = NULL;
	if (!cli->node_open || (n->kind != MIGCTL_CAPS_GI && n->kind != MIGCTL_CAPS_CI))
		return;
	for (size_t i = 0; i < cli->node.n_gpus; i++) {
		const struct migctl_gpu_state *gpu = &cli->node.gpus[i];
		if (gpu->minor != n->gpu)
			continue;
		for (size_t j = 0; j < gpu->n_gis; j++) {
			if (gpu->gis[j].id != n->gi)
				continue;
			for (size_t k = 0; k < gpu->gis[j].n_cis; k++) {
				const struct migctl_ci_state *ci = &gpu->gis[j].cis[k];
				if ((n->kind == MIGCTL_CAPS_CI && ci->id != n->ci) ||
				    ci->mig_index == MIGCTL_ID_NONE)
					continue;
				if (n->kind == MIGCTL_CAPS_CI)
					*uuid = ci->uuid;
				int w = snprintf(buf + used, len - used, "%s%u:%u", used ? "," : "",
						 gpu->index, ci->mig_index);
				if (w > 0 && (size_t)w < len - used)
					used += (size_t)w;
			}
		}
	}
}

/* "root, group:video, user:alice" or "everyone". */
static void readers_text(const struct migctl_access_state *s, char *buf, size_t len)
{
	char name[64];
	size_t used = 0;

#define APPEND(...) do { int w_ = snprintf(buf + used, len - used, __VA_ARGS__); \
	if (w_ > 0 && (size_t)w_ < len - used) used += (size_t)w_; } while (0)
	buf[0] = '\0';
	if (!s->st.exists) {
		APPEND("-");
		return;
	}
	if (s->others_read) {
		APPEND("everyone");
		return;
	}
	if (s->owner_read)
		APPEND("%s", user_name(s->st.uid, name, sizeof(name)));
	if (s->group_read)
		APPEND("%sgroup:%s", used ? ", " : "", group_name(s->st.gid, name, sizeof(name)));
	for (size_t i = 0; i < s->n_named; i++)
		if (s->named[i].read)
			APPEND("%s%s:%s", used ? ", " : "",
			       s->named[i].who == MIGCTL_ACCESS_USER ? "user" : "group",
			       s->named[i].who == MIGCTL_ACCESS_USER
			       ? user_name(s->named[i].id, name, sizeof(name))
			       : group_name(s->named[i].id, name, sizeof(name)));
	if (!used)
		APPEND("nobody (root only)");
#undef APPEND
}

static void notes_text(const struct migctl_access_state *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", s->cap.modify ? "managed " : "",
		 !s->st.exists ? "no-node " : !s->st.is_chr ? "plain-file " : "",
		 s->st.exists && s->st.is_chr && (s->st.major != s->node.major ||
						  s->st.minor != s->node.minor)
		 ? "wrong-number " : "");
	size_t n = strlen(buf);
	if (n && buf[n - 1] == ' ')
		buf[n - 1] = '\0';
}

static json_t *json_state(const struct cli *cli, const struct migctl_access_state *s,
			  const struct migctl_access_outcome *o)
{
	char name[64], devs[256], mode[8];
	const char *uuid;
	json_t *users = json_array(), *groups = json_array();

	for (size_t i = 0; i < s->n_named; i++) {
		bool u = s->named[i].who == MIGCTL_ACCESS_USER;
		json_array_append_new(u ? users : groups,
			json_pack("{s:i,s:s,s:b}", u ? "uid" : "gid", (int)s->named[i].id, "name",
				  u ? user_name(s->named[i].id, name, sizeof(name))
				    : group_name(s->named[i].id, name, sizeof(name)),
				  "read", s->named[i].read));
	}
	mig_devices_of(cli, &s->node, devs, sizeof(devs), &uuid);
	snprintf(mode, sizeof(mode), "%04o", s->st.mode);
	json_t *o_json = json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:b,s:b,s:b,s:s?,s:o,s:o,s:s,s:b,s:b,s:o,s:o}",
		"capability", s->node.name, "kind", migctl_caps_kind_name(s->node.kind),
		"node", s->node.path, "host_path", s->node.host_path,
		"capability_file", s->node.cap_path, "major", (int)s->node.major,
		"minor", (int)s->node.minor, "exists", s->st.exists,
		"char_device", s->st.is_chr, "managed", s->live && s->cap.modify,
		"mode", s->st.exists ? mode : NULL,
		"owner", s->st.exists ? json_pack("{s:i,s:s}", "uid", (int)s->st.uid, "name",
						  user_name(s->st.uid, name, sizeof(name)))
				      : json_null(),
		"group", s->st.exists ? json_pack("{s:i,s:s}", "gid", (int)s->st.gid, "name",
						  group_name(s->st.gid, name, sizeof(name)))
				      : json_null(),
		"mig_devices", devs, "owner_read", s->owner_read, "group_read", s->group_read,
		"others_read", json_boolean(s->others_read), "acl",
		json_pack("{s:o,s:o}", "users", users, "groups", groups));
	if (s->node.kind == MIGCTL_CAPS_GI || s->node.kind == MIGCTL_CAPS_CI) {
		json_object_set_new(o_json, "gpu_minor", json_integer(s->node.gpu));
		json_object_set_new(o_json, "gi", json_integer(s->node.gi));
		if (s->node.kind == MIGCTL_CAPS_CI)
			json_object_set_new(o_json, "ci", json_integer(s->node.ci));
	}
	if (uuid)
		json_object_set_new(o_json, "uuid", json_string(uuid));
	if (o) {
		json_object_set_new(o_json, "created", json_boolean(o->created));
		json_object_set_new(o_json, "unmanaged", json_boolean(o->unmanaged));
		json_object_set_new(o_json, "changed", json_boolean(o->changed));
	}
	return o_json;
}

static void print_header(void)
{
	printf("%-22s %-30s %-10s %-11s %-5s %s\n", "CAPABILITY", "NODE", "MIG", "OWNER:GROUP",
	       "MODE", "READERS");
}

static void print_row(const struct cli *cli, const struct migctl_access_state *s,
		      const char *extra)
{
	char readers[512], devs[256], og[128], u[64], g[64], notes[64], mode[8];
	const char *uuid;

	readers_text(s, readers, sizeof(readers));
	mig_devices_of(cli, &s->node, devs, sizeof(devs), &uuid);
	notes_text(s, notes, sizeof(notes));
	if (s->st.exists) {
		snprintf(og, sizeof(og), "%s:%s", user_name(s->st.uid, u, sizeof(u)),
			 group_name(s->st.gid, g, sizeof(g)));
		snprintf(mode, sizeof(mode), "%04o", s->st.mode);
	} else {
		snprintf(og, sizeof(og), "-");
		snprintf(mode, sizeof(mode), "-");
	}
	printf("%-22s %-30s %-10s %-11s %-5s %s%s%s%s%s\n", s->node.name, s->node.path,
	       devs[0] ? devs : "-", og, mode, readers, notes[0] ? "  [" : "", notes,
	       notes[0] ? "]" : "", extra);
}

/* --- subcommands --------------------------------------------------------- */

static int access_list(struct access_run *r)
{
	struct migctl_access_state *states = NULL;
	struct migctl_error err = {0};
	size_t n = 0;
	enum migctl_err rc;

	/* The node names the MIG devices; listing works from the files alone. */
	if (cli_node(r->cli, &err) != MIGCTL_ERR_OK)
		migctl_error_clear(&err);
	rc = migctl_access_list(r->caps, &states, &n, &err);
	if (rc)
		return cli_report(r->cli, &err);
	if (r->cli->output == CLI_JSON) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_state(r->cli, &states[i], NULL));
		free(states);
		return cli_print_json(json_pack("{s:s,s:o}", "root", r->root, "capabilities", a));
	}
	print_header();
	for (size_t i = 0; i < n; i++)
		print_row(r->cli, &states[i], "");
	free(states);
	return 0;
}

static int access_change(struct access_run *r, bool grant)
{
	struct migctl_error err = {0};
	struct migctl_access_change ch = {grant, r->who, r->n_who, r->unmanage};
	struct migctl_access_outcome *out = calloc(r->n_nodes ? r->n_nodes : 1, sizeof(*out));
	enum migctl_err rc = MIGCTL_ERR_OK;
	json_t *a = NULL;

	if (!out)
		return cli_report(r->cli, &(struct migctl_error){MIGCTL_ERR_NOMEM, "out of memory"});
	/* Under the node lock when there is a node: two grants at once would
	 * each write the ACL they read. */
	if (cli_node(r->cli, &err) == MIGCTL_ERR_OK)
		rc = cli_lock(r->cli, &err);
	else
		migctl_error_clear(&err);
	if (rc == MIGCTL_ERR_OK)
		rc = migctl_access_apply(r->caps, r->nodes, r->n_nodes, &ch, out, &err);
	if (rc)
		cli_report(r->cli, &err);
	if (r->cli->output == CLI_JSON)
		a = json_array();
	else if (rc == MIGCTL_ERR_OK)
		print_header();
	for (size_t i = 0; i < r->n_nodes && (rc == MIGCTL_ERR_OK || out[i].changed ||
					      out[i].created || out[i].unmanaged); i++) {
		struct migctl_access_state s;
		struct migctl_error e2 = {0};
		if (migctl_access_read(&r->nodes[i], &s, &e2))
			continue;
		if (a) {
			json_array_append_new(a, json_state(r->cli, &s, &out[i]));
			continue;
		}
		char extra[64];
		snprintf(extra, sizeof(extra), "%s%s%s", out[i].created ? "  (node created)" : "",
			 out[i].unmanaged ? "  (unmanaged)" : "",
			 out[i].changed ? "" : "  (unchanged)");
		print_row(r->cli, &s, extra);
		bool named = false;
		for (size_t w = 0; w < r->n_who; w++)
			named |= r->who[w].who == MIGCTL_ACCESS_USER ||
				 r->who[w].who == MIGCTL_ACCESS_GROUP;
		if (!grant && named && s.others_read)
			fprintf(stderr, "%s: note: everyone may still read %s (mode %04o); "
				"'revoke --others' closes it\n", r->cli->prog, s.node.path,
				s.st.mode);
	}
	free(out);
	if (a) {
		json_t *o = json_pack("{s:s,s:s,s:o}", "action", grant ? "grant" : "revoke",
				      "root", r->root, "nodes", a);
		if (rc)
			json_object_set_new(o, "error", cli_json_error(&err));
		cli_print_json(o);
	}
	return (int)rc;
}

enum { OPT_CONFIG = 1000, OPT_MONITOR, OPT_OTHERS, OPT_OWNER, OPT_GROUP_OWNER, OPT_UNMANAGE,
       OPT_ROOT };

/* Options into `r`; the subcommand's index, or -(exit status + 1). */
static int parse(struct access_run *r, int argc, char **argv)
{
	struct cli_parse p;
	int opt, bad = 0;

	cli_parse_init(&p, r->cli, &cli_cmd_access, argc, argv);
	while (!bad && (opt = cli_next_opt(&p)) > 0) {
		switch (opt) {
		case 'd':
			if (r->n_devices == sizeof(r->devices) / sizeof(r->devices[0]))
				bad = cli_usage_error(r->cli, "access", "at most 32 -d options");
			else
				r->devices[r->n_devices++] = p.arg;
			break;
		case 'u':
			bad = add_who(r, "-u", p.arg, MIGCTL_ACCESS_USER);
			break;
		case 'g':
			bad = add_who(r, "-g", p.arg, MIGCTL_ACCESS_GROUP);
			break;
		case OPT_OWNER:
			bad = add_who(r, "--owner", p.arg, MIGCTL_ACCESS_OWNER);
			break;
		case OPT_GROUP_OWNER:
			bad = add_who(r, "--group-owner", p.arg, MIGCTL_ACCESS_OWNING_GROUP);
			break;
		case OPT_OTHERS:
			if (r->n_who < MAX_WHO)
				r->who[r->n_who++] = (struct migctl_access_principal){MIGCTL_ACCESS_OTHERS, 0};
			break;
		case OPT_CONFIG:
			r->config = true;
			break;
		case OPT_MONITOR:
			r->monitor = true;
			break;
		case OPT_UNMANAGE:
			r->unmanage = true;
			break;
		case OPT_ROOT:
			r->root = p.arg;
			break;
		}
	}
	if (bad)
		return -(bad + 1);
	if (opt == CLI_PARSE_STOP)
		return -(p.rc + 1);
	return p.ind;
}

int cmd_access(struct cli *cli, int argc, char **argv)
{
	struct access_run r = {.cli = cli};
	struct migctl_error err = {0};
	char root[MIGCTL_CAPS_ROOT_MAX];
	int next = parse(&r, argc, argv), rc;

	if (next < 0)
		return -next - 1;
	if (next >= argc)
		return cli_usage_error(cli, "access", "missing subcommand (list, grant or revoke)");
	const char *sub = argv[next++];
	bool list = strcmp(sub, "list") == 0, grant = strcmp(sub, "grant") == 0;
	if (!list && !grant && strcmp(sub, "revoke") != 0)
		return cli_usage_error(cli, "access",
				       "unknown subcommand '%s' (use list, grant or revoke)", sub);
	if (next != argc)
		return cli_usage_error(cli, "access", "unexpected argument '%s'", argv[next]);
	if (list && (r.n_who || r.n_devices || r.config || r.monitor || r.unmanage))
		return cli_usage_error(cli, "access", "'access list' takes only --root");
	if (!list && !r.n_who)
		return cli_usage_error(cli, "access", "'access %s' needs whom: -u USER, -g GROUP, "
				       "--others, --owner USER or --group-owner GROUP", sub);
	if (!list && !r.n_devices && !r.config && !r.monitor)
		return cli_usage_error(cli, "access", "'access %s' needs what: -d DEVICE, --config "
				       "or --monitor", sub);
	r.root = cli_driver_root(cli, r.root, root, sizeof(root));
	/* On the simulator, opening the node makes the default machine, and
	 * with it the driver root, where there was none. */
	if (cli->simulate && cli_node(cli, &err) != MIGCTL_ERR_OK)
		migctl_error_clear(&err);
	r.caps = malloc(sizeof(*r.caps));
	r.nodes = malloc(MAX_NODES * sizeof(*r.nodes));
	if (!r.caps || !r.nodes)
		rc = cli_report(cli, &(struct migctl_error){MIGCTL_ERR_NOMEM, "out of memory"});
	else if (migctl_caps_load(r.caps, r.root, &err)) {
		/* A state written before the simulator kept a driver root. */
		if (err.code == MIGCTL_ERR_NO_DRIVER && cli->simulate && r.root == root) {
			char msg[sizeof(err.msg)];
			snprintf(msg, sizeof(msg), "%s", err.msg);
			migctl_fail(&err, err.code, "%s; 'migsim root' writes the simulator's", msg);
		}
		rc = cli_report(cli, &err);
	}
	else if (list)
		rc = access_list(&r);
	else if (resolve(&r, &err))
		rc = cli_report(cli, &err);
	else
		rc = access_change(&r, grant);
	free(r.caps);
	free(r.nodes);
	return rc;
}

static const struct cli_opt access_opts[] = {
	{"device", 'd', 0, "DEVICE", "MIG devices, comma-separated: GPU:MIG index\n"
	 "('migctl list' numbers them), MIG UUID,\n"
	 "MIG-GPU-<uuid>/<gi>/<ci>, or all: the capabilities of\n"
	 "their GPU and compute instances (repeatable)",
	 CLI_V_NONE, NULL, false},
	{"config", 0, OPT_CONFIG, NULL, "the mig/config capability: create and destroy\ninstances",
	 CLI_V_NONE, NULL, false},
	{"monitor", 0, OPT_MONITOR, NULL, "the mig/monitor capability: monitor the whole GPU",
	 CLI_V_NONE, NULL, false},
	{"user", 'u', 0, "USERS", "users by name or uid, comma-separated: ACL entries",
	 CLI_V_NONE, NULL, false},
	{"group", 'g', 0, "GROUPS", "groups by name or gid, comma-separated: ACL entries",
	 CLI_V_NONE, NULL, false},
	{"others", 0, OPT_OTHERS, NULL, "everyone else: the mode's other read bit",
	 CLI_V_NONE, NULL, false},
	{"owner", 0, OPT_OWNER, "USER", "make USER the node's owner with read (grant), or\n"
	 "give a node USER owns back to root (revoke)", CLI_V_NONE, NULL, false},
	{"group-owner", 0, OPT_GROUP_OWNER, "GROUP", "the same for the node's group",
	 CLI_V_NONE, NULL, false},
	{"unmanage", 0, OPT_UNMANAGE, NULL, "write 'DeviceFileModify: 0' into a managed\n"
	 "capability first, so that the driver keeps the change", CLI_V_NONE, NULL, false},
	{"root", 0, OPT_ROOT, "DIR", "the driver root (default /, with --sim the\n"
	 "simulator's: 'migsim root' prints it)", CLI_V_FILE, NULL, false},
	{0},
};

static const char *const access_forms[] = {
	"list [--root DIR] [-o text|json]",
	"grant (-d DEVICE | --config | --monitor)... (-u USERS | -g GROUPS | --others | --owner USER | --group-owner GROUP)... [--unmanage] [--root DIR] [-o text|json]",
	"revoke (-d DEVICE | --config | --monitor)... (-u USERS | -g GROUPS | --others | --owner USER | --group-owner GROUP)... [--unmanage] [--root DIR] [-o text|json]",
	NULL,
};

const struct cli_command cli_cmd_access = {
	.name = "access",
	.summary = "who may configure MIG, monitor, or use each MIG device",
	.forms = access_forms,
	.description =
		"The NVIDIA driver lets a process use a MIG device when it may read the\n"
		"capability nodes of the device's GPU instance and compute instance\n"
		"(/dev/nvidia-caps/nvidia-capN, listed in\n"
		"/proc/driver/nvidia-caps/mig-minors); mig/config lets it create and\n"
		"destroy instances, mig/monitor monitor the whole GPU. Access is the\n"
		"node's owner, group and mode, and POSIX ACL entries for more users and\n"
		"groups.\n"
		"\n"
		"  list     every capability that exists: its node, the MIG devices behind\n"
		"           it, owner, group, mode and who may read it\n"
		"  grant    give read access to the users, groups or everyone named\n"
		"  revoke   take it back (a user that everyone-else access still lets in\n"
		"           is noted: revoke --others closes it)\n"
		"\n"
		"The capability nodes of new instances are world-readable (0444), so\n"
		"handing a slice to one user is: revoke --others on it, grant -u USER.\n"
		"A missing node is created as nvidia-modprobe creates it. A node whose\n"
		"capability says DeviceFileModify: 1 (the default of a driver loaded with\n"
		"NVreg_ModifyDeviceFiles=1) is refused, because nvidia-modprobe puts its\n"
		"owner and mode back; --unmanage writes DeviceFileModify: 0 first. All\n"
		"nodes are checked before any changes.\n",
	.formats = "text json",
	.opts = access_opts,
	.operand_values = CLI_V_WORDS,
	.operand_words = "list grant revoke",
	.run = cmd_access,
};
