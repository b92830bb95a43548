/* migctl — applying per-GPU targets to a node with a checkpoint, a journal,
 * rollback and recovery (see include/migctl/apply.h for the contract).
 *
 * Shape of an apply:
 *   validate all GPUs (plan every transition; refuse before any change)
 *   -> journal header (checkpoint of every GPU that will change), synced
 *   -> mode phase (only GPUs whose mode differs; resets only if needed)
 *   -> config phase (the planned steps, GPU by GPU, each step journaled)
 *   -> journal removed.
 * A failed step rolls its GPU back to the checkpoint and stops the apply;
 * a crash leaves the journal, and migctl_recover (also run at the start of
 * every apply) rolls each unfinished GPU back to its checkpoint.
 *
 * The journal is JSON lines, appended and fdatasync'ed one line at a time,
 * so a crash can at most cut the last line short; the reader stops there.
 * Recovery does not replay steps: it plans a fresh transition from what
 * the GPU holds now to its checkpoint, which is correct whatever step the
 * crash interrupted (a create that happened but was not marked done is
 * simply an instance that the rollback removes).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "migctl/apply.h"

#define KILL_WAIT_MS 10000

/* --- small helpers ----------------------------------------------------- */

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

const struct migctl_gpu_model *migctl_gpu_target_model(const struct migctl_gpu_state *gpu)
{
	if (gpu->model.n_gi > 0 || !gpu->catalog_model)
		return &gpu->model;
	return gpu->catalog_model;
}


void migctl_config_gpus_of_node(const struct migctl_node *node, struct migctl_config_gpu *out)
{
	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		out[i] = (struct migctl_config_gpu){
			.index = g->index, .uuid = g->uuid, .bus_id = g->bus_id,
			.pci_id = (uint32_t)g->pci_device_id << 16 | 0x10DEu,
			.subsystem_id = g->pci_subsystem_id, .mig_capable = g->mig_capable,
			.model = migctl_gpu_target_model(g),
		};
	}
}

static struct migctl_gpu_state *gpu_at(struct migctl_node *node, size_t i)
{
	return i < node->n_gpus ? &node->gpus[i] : NULL;
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const char *migctl_gpu_outcome_name(enum migctl_gpu_outcome o)
{
	static const char *const names[] = {
		[MIGCTL_GPU_UNMANAGED] = "unmanaged",
		[MIGCTL_GPU_UNCHANGED] = "unchanged",
		[MIGCTL_GPU_PLANNED] = "planned",
		[MIGCTL_GPU_APPLIED] = "applied",
		[MIGCTL_GPU_PENDING] = "pending",
		[MIGCTL_GPU_ROLLED_BACK] = "rolled-back",
		[MIGCTL_GPU_FAILED] = "failed",
		[MIGCTL_GPU_NOT_REACHED] = "not-reached",
		[MIGCTL_GPU_REFUSED] = "refused",
	};
	return (size_t)o < sizeof(names) / sizeof(names[0]) && names[o] ? names[o] : "unknown";
}

void migctl_apply_report_init(struct migctl_apply_report *r)
{
	memset(r, 0, sizeof(*r));
}

void migctl_apply_report_release(struct migctl_apply_report *r)
{
	free(r->gpus);
	memset(r, 0, sizeof(*r));
}

static enum migctl_err report_reset(struct migctl_apply_report *r,
				    const struct migctl_node *node,
				    struct migctl_error *err)
{
	bool recovered = r->recovered;

	migctl_apply_report_release(r);
	r->recovered = recovered;
	r->gpus = calloc(node->n_gpus ? node->n_gpus : 1, sizeof(*r->gpus));
	if (!r->gpus)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	r->n_gpus = node->n_gpus;
	for (size_t i = 0; i < node->n_gpus; i++) {
		r->gpus[i].index = node->gpus[i].index;
		copy_str(r->gpus[i].uuid, sizeof(r->gpus[i].uuid), node->gpus[i].uuid);
		r->gpus[i].mig_enabled = node->gpus[i].mig_current;
	}
	return MIGCTL_ERR_OK;
}

void migctl_default_journal_path(const struct migctl_node *node, char *buf, size_t len)
{
	const char *env = getenv("MIGCTL_JOURNAL");

	if (node && node->simulated) {
		const char *dir = getenv("MIGSIM_STATE");
		const char *run = getenv("XDG_RUNTIME_DIR");
		if (dir && *dir)
			snprintf(buf, len, "%s/migctl-journal.jsonl", dir);
		else if (run && *run)
			snprintf(buf, len, "%s/migsim/migctl-journal.jsonl", run);
		else
			snprintf(buf, len, "/tmp/migsim-%u/migctl-journal.jsonl", (unsigned)getuid());
		return;
	}
	snprintf(buf, len, "%s", env && *env ? env : "/var/lib/migctl/journal.jsonl");
}

/* --- layouts of live GPUs ------------------------------------------------ */

static long index_of_gi(const struct migctl_gpu_model *m, unsigned profile_id)
{
	for (size_t i = 0; i < m->n_gi; i++)
		if (m->gi[i].id == profile_id)
			return (long)i;
	return -1;
}

static long index_of_ci(const struct migctl_gi_profile *gp, unsigned ci_profile_id)
{
	for (size_t i = 0; i < gp->n_ci; i++)
		if (gp->ci[i].id == ci_profile_id)
			return (long)i;
	return -1;
}

void migctl_layout_of_gpu(const struct migctl_gpu_state *gpu, struct migctl_layout *out)
{
	const struct migctl_gpu_model *m = &gpu->model;

	memset(out, 0, sizeof(*out));
	for (size_t g = 0; g < gpu->n_gis && out->n_gis < MIGCTL_LAYOUT_MAX_GIS; g++) {
		const struct migctl_gi_state *gs = &gpu->gis[g];
		long gp = index_of_gi(m, gs->profile_id);
		if (gp < 0)
			continue;
		struct migctl_layout_gi *li = &out->gis[out->n_gis++];
		li->profile = (size_t)gp;
		li->placement = gs->placement;
		li->id = gs->id;
		for (size_t c = 0; c < gs->n_cis && li->n_cis < MIGCTL_LAYOUT_MAX_CIS; c++) {
			const struct migctl_ci_state *cs = &gs->cis[c];
			long cp = index_of_ci(&m->gi[gp], cs->profile_id);
			if (cp < 0)
				continue;
			struct migctl_layout_ci *lc = &li->cis[li->n_cis++];
			lc->profile = (size_t)cp;
			lc->placement = cs->placement;
			lc->id = cs->id;
			lc->busy = cs->n_procs > 0;
			li->busy |= lc->busy;
		}
		for (size_t p = 0; p < gpu->n_procs; p++)
			if (gpu->procs[p].gi == gs->id)
				li->busy = true;
	}
}

/* Move a target's profile indices from one model to another by profile
 * ID (the catalog's table before MIG is on, the driver's after). */
static enum migctl_err retarget(const struct migctl_gpu_model *from,
				const struct migctl_gpu_model *to,
				const struct migctl_gpu_target *in,
				struct migctl_gpu_target *out, struct migctl_error *err)
{
	*out = *in;
	if (from == to)
		return MIGCTL_ERR_OK;
	for (size_t i = 0; i < in->n_items; i++) {
		const struct migctl_gi_profile *gp = &from->gi[in->items[i].gi];
		long g = index_of_gi(to, gp->id);
		long c = g < 0 ? -1 : index_of_ci(&to->gi[g], gp->ci[in->items[i].ci].id);
		if (c < 0)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "profile %s is not in the driver's profile list of this GPU; "
					   "check the driver version against 'migctl catalog check'",
					   gp->ci[in->items[i].ci].name);
		out->items[i].gi = (size_t)g;
		out->items[i].ci = (size_t)c;
	}
	for (size_t i = 0; i < in->n_pins; i++) {
		long g = index_of_gi(to, from->gi[in->pins[i].gi].id);
		if (g < 0)
			return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
					   "profile %s is not in the driver's profile list of this GPU",
					   from->gi[in->pins[i].gi].name);
		out->pins[i].gi = (size_t)g;
		for (size_t k = 0; k < in->pins[i].n_cis; k++) {
			const struct migctl_gi_profile *gp = &from->gi[in->pins[i].gi];
			long c = index_of_ci(&to->gi[g], gp->ci[in->pins[i].cis[k].ci].id);
			if (c < 0)
				return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
						   "profile %s is not in the driver's profile list of this GPU",
						   gp->ci[in->pins[i].cis[k].ci].name);
			out->pins[i].cis[k].ci = (size_t)c;
		}
	}
	return MIGCTL_ERR_OK;
}

/* --- the journal ------------------------------------------------------- */

struct journal {
	char path[512];
	int fd;                       /* -1 while no journal is open */
	unsigned long seq;
};

static enum migctl_err sync_dir_of(const char *path, struct migctl_error *err)
{
	char dir[512];
	copy_str(dir, sizeof(dir), path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot open directory %s: %s", dir,
				   strerror(errno));
	fsync(fd);
	close(fd);
	return MIGCTL_ERR_OK;
}

static enum migctl_err journal_line(struct journal *j, json_t *obj, struct migctl_error *err)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	enum migctl_err rc = MIGCTL_ERR_OK;

	json_decref(obj);
	if (!text)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	size_t n = strlen(text);
	text[n] = '\n'; /* json_dumps leaves room only for the NUL: rewrite it */
	if (write(j->fd, text, n + 1) != (ssize_t)(n + 1) || fdatasync(j->fd) != 0)
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot write the journal %s: %s; nothing "
				 "more is changed", j->path, strerror(errno));
	free(text);
	return rc;
}

static json_t *checkpoint_json(const struct migctl_checkpoint *c);

/* Create the journal with its header: written to a temporary file,
 * synced, renamed into place, directory synced, so that the journal
 * either does not exist or has a complete header. */
static enum migctl_err journal_open(struct journal *j, const struct migctl_checkpoint *cp,
				    struct migctl_error *err)
{
	char tmp[600];
	enum migctl_err rc;
	json_t *hdr = json_pack("{s:s,s:i,s:i,s:I,s:o}", "journal", "migctl", "version", 1,
				"pid", (int)getpid(), "time", (json_int_t)time(NULL),
				"checkpoint", checkpoint_json(cp));

	if (!hdr)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	char *slash = strrchr(j->path, '/');
	if (slash && slash != j->path) {
		*slash = '\0';
		mkdir(j->path, 0755); /* one level; an error shows at open */
		*slash = '/';
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	j->fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (j->fd < 0) {
		json_decref(hdr);
		return migctl_fail(err, errno == EACCES ? MIGCTL_ERR_NO_PERMISSION : MIGCTL_ERR_IO,
				   "cannot create the journal %s: %s; give another path with "
				   "--journal or run as root", tmp, strerror(errno));
	}
	if ((rc = journal_line(j, hdr, err)))
		goto fail;
	if (rename(tmp, j->path) != 0) {
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot create the journal %s: %s", j->path,
				 strerror(errno));
		goto fail;
	}
	if ((rc = sync_dir_of(j->path, err)))
		goto fail;
	return MIGCTL_ERR_OK;
fail:
	close(j->fd);
	j->fd = -1;
	unlink(tmp);
	return rc;
}

/* The apply ended with every GPU settled: the journal has served. */
static void journal_close(struct journal *j, bool remove)
{
	if (j->fd < 0)
		return;
	close(j->fd);
	j->fd = -1;
	if (remove) {
		unlink(j->path);
		sync_dir_of(j->path, NULL);
	}
}

static enum migctl_err journal_event(struct journal *j, const char *uuid, const char *what,
				     struct migctl_error *err)
{
	if (j->fd < 0)
		return MIGCTL_ERR_OK;
	return journal_line(j, json_pack("{s:s,s:s}", "gpu", uuid, "event", what), err);
}

/* --- checkpoints --------------------------------------------------------- */

void migctl_checkpoint_init(struct migctl_checkpoint *c)
{
	memset(c, 0, sizeof(*c));
}

void migctl_checkpoint_release(struct migctl_checkpoint *c)
{
	free(c->gpus);
	memset(c, 0, sizeof(*c));
}

static void capture_gpu(const struct migctl_gpu_state *gpu, struct migctl_gpu_checkpoint *out)
{
	memset(out, 0, sizeof(*out));
	copy_str(out->uuid, sizeof(out->uuid), gpu->uuid);
	out->mig_enabled = gpu->mig_current;
	migctl_layout_of_gpu(gpu, &out->layout);
	for (size_t g = 0; g < out->layout.n_gis; g++) {
		const struct migctl_gi_profile *gp = &gpu->model.gi[out->layout.gis[g].profile];
		out->gi_profile_id[g] = gp->id;
		for (size_t c = 0; c < out->layout.gis[g].n_cis; c++)
			out->ci_profile_id[g][c] = gp->ci[out->layout.gis[g].cis[c].profile].id;
	}
}

enum migctl_err migctl_checkpoint_capture(const struct migctl_node *node,
					  struct migctl_checkpoint *c,
					  struct migctl_error *err)
{
	migctl_checkpoint_release(c);
	c->gpus = calloc(node->n_gpus ? node->n_gpus : 1, sizeof(*c->gpus));
	if (!c->gpus)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < node->n_gpus; i++)
		if (node->gpus[i].mig_capable)
			capture_gpu(&node->gpus[i], &c->gpus[c->n_gpus++]);
	return MIGCTL_ERR_OK;
}

static json_t *placement_json(struct migctl_placement p)
{
	return json_pack("{s:i,s:i}", "Start", (int)p.start, "Size", (int)p.size);
}

static json_t *checkpoint_json(const struct migctl_checkpoint *c)
{
	json_t *devs = json_array();

	for (size_t i = 0; devs && i < c->n_gpus; i++) {
		const struct migctl_gpu_checkpoint *g = &c->gpus[i];
		json_t *gis = json_array();
		for (size_t k = 0; gis && k < g->layout.n_gis; k++) {
			const struct migctl_layout_gi *li = &g->layout.gis[k];
			json_t *cis = json_array();
			for (size_t n = 0; cis && n < li->n_cis; n++)
				json_array_append_new(cis, json_pack("{s:i,s:i,s:o}",
					"ProfileID", (int)g->ci_profile_id[k][n], "EngProfileID", 0,
					"Placement", placement_json(li->cis[n].placement)));
			json_array_append_new(gis, json_pack("{s:i,s:o,s:o}",
				"ProfileID", (int)g->gi_profile_id[k],
				"Placement", placement_json(li->placement),
				"ComputeInstances", cis ? cis : json_null()));
		}
		json_array_append_new(devs, json_pack("{s:s,s:i,s:o}", "UUID", g->uuid,
			"MigMode", g->mig_enabled ? 1 : 0, "GpuInstances", gis ? gis : json_null()));
	}
	return json_pack("{s:s,s:{s:o}}", "Version", "v1", "MigState", "Devices",
			 devs ? devs : json_null());
}

enum migctl_err migctl_checkpoint_to_json(const struct migctl_checkpoint *c, char **text,
					  struct migctl_error *err)
{
	json_t *j = checkpoint_json(c);

	*text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!*text)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	return MIGCTL_ERR_OK;
}

/* An unsigned field of a JSON object, range-checked. */
static bool get_uint(json_t *obj, const char *key, unsigned max, unsigned *out)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)max)
		return false;
	*out = (unsigned)json_integer_value(v);
	return true;
}

static bool get_placement(json_t *obj, struct migctl_placement *p)
{
	json_t *pl = json_object_get(obj, "Placement");
	return json_is_object(pl) && get_uint(pl, "Start", MIGCTL_MAX_UNITS - 1, &p->start) &&
	       get_uint(pl, "Size", MIGCTL_MAX_UNITS, &p->size) && p->size > 0 &&
	       p->start + p->size <= MIGCTL_MAX_UNITS;
}

static enum migctl_err parse_device(json_t *d, size_t i, const char *origin,
				    struct migctl_gpu_checkpoint *g, struct migctl_error *err)
{
	json_t *uuid = json_object_get(d, "UUID"), *gis = json_object_get(d, "GpuInstances");
	unsigned mode;

	if (!json_is_string(uuid) || strlen(json_string_value(uuid)) >= sizeof(g->uuid))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: device %zu: missing or bad UUID",
				   origin, i);
	copy_str(g->uuid, sizeof(g->uuid), json_string_value(uuid));
	if (!get_uint(d, "MigMode", 1, &mode))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: %s: MigMode must be 0 or 1", origin,
				   g->uuid);
	g->mig_enabled = mode == 1;
	if (!json_is_null(gis) && gis && !json_is_array(gis))
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: %s: GpuInstances must be a list",
				   origin, g->uuid);
	if (json_array_size(gis) > MIGCTL_LAYOUT_MAX_GIS)
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s: %s: more than %d GPU instances",
				   origin, g->uuid, MIGCTL_LAYOUT_MAX_GIS);
	size_t k;
	json_t *gi;
	json_array_foreach(gis, k, gi) {
		struct migctl_layout_gi *li = &g->layout.gis[k];
		json_t *cis = json_object_get(gi, "ComputeInstances");
		if (!json_is_object(gi) || !get_uint(gi, "ProfileID", 1000, &g->gi_profile_id[k]) ||
		    !get_placement(gi, &li->placement))
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "%s: %s: GPU instance %zu needs ProfileID and "
					   "Placement {Start, Size}", origin, g->uuid, k);
		if ((cis && !json_is_null(cis) && !json_is_array(cis)) ||
		    json_array_size(cis) > MIGCTL_LAYOUT_MAX_CIS)
			return migctl_fail(err, MIGCTL_ERR_PARSE,
					   "%s: %s: GPU instance %zu: ComputeInstances must be a "
					   "list of at most %d", origin, g->uuid, k, MIGCTL_LAYOUT_MAX_CIS);
		li->id = MIGCTL_ID_UNKNOWN;
		size_t n;
		json_t *ci;
		json_array_foreach(cis, n, ci) {
			struct migctl_layout_ci *lc = &li->cis[n];
			if (!json_is_object(ci) ||
			    !get_uint(ci, "ProfileID", 1000, &g->ci_profile_id[k][n]))
				return migctl_fail(err, MIGCTL_ERR_PARSE,
						   "%s: %s: GPU instance %zu, compute instance %zu "
						   "needs a ProfileID", origin, g->uuid, k, n);
			/* mig-parted's checkpoints have no CI placement: the
			 * driver's choice is taken then. */
			if (!get_placement(ci, &lc->placement))
				lc->placement = (struct migctl_placement){0, 0};
			lc->id = MIGCTL_ID_UNKNOWN;
			li->n_cis++;
		}
		g->layout.n_gis++;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err checkpoint_parse(struct migctl_checkpoint *c, const char *origin,
					json_t *root, struct migctl_error *err)
{
	enum migctl_err rc = MIGCTL_ERR_OK;
	json_t *devs;

	migctl_checkpoint_release(c);
	json_t *ver = json_object_get(root, "Version");
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "v1") != 0) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: unknown or missing Version (want \"v1\")",
				 origin);
		goto out;
	}
	devs = json_object_get(json_object_get(root, "MigState"), "Devices");
	if (!json_is_array(devs)) {
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: MigState.Devices must be a list", origin);
		goto out;
	}
	c->gpus = calloc(json_array_size(devs) + 1, sizeof(*c->gpus));
	if (!c->gpus) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		goto out;
	}
	size_t i;
	json_t *d;
	json_array_foreach(devs, i, d) {
		if (!json_is_object(d)) {
			rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: device %zu is not an object",
					 origin, i);
			goto out;
		}
		if ((rc = parse_device(d, i, origin, &c->gpus[i], err)))
			goto out;
		c->n_gpus++;
	}
out:
	if (rc)
		migctl_checkpoint_release(c);
	return rc;
}

enum migctl_err migctl_checkpoint_from_json(struct migctl_checkpoint *c, const char *origin,
					    const char *text, size_t len,
					    struct migctl_error *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	enum migctl_err rc;

	migctl_checkpoint_release(c);
	if (!root)
		return migctl_fail(err, MIGCTL_ERR_PARSE, "%s:%d: %s; is this a file written by "
				   "'migctl checkpoint'?", origin, je.line, je.text);
	rc = checkpoint_parse(c, origin, root, err);
	json_decref(root);
	return rc;
}

enum migctl_err migctl_checkpoint_plans(const struct migctl_node *node,
					const struct migctl_checkpoint *c,
					struct migctl_gpu_plan *plans,
					struct migctl_error *err)
{
	memset(plans, 0, node->n_gpus * sizeof(*plans));
	for (size_t i = 0; i < c->n_gpus; i++) {
		const struct migctl_gpu_checkpoint *g = &c->gpus[i];
		const struct migctl_gpu_state *gpu = NULL;
		for (size_t n = 0; n < node->n_gpus; n++)
			if (strcmp(node->gpus[n].uuid, g->uuid) == 0)
				gpu = &node->gpus[n];
		if (!gpu)
			return migctl_fail(err, MIGCTL_ERR_NOT_FOUND,
					   "GPU %s of the checkpoint is not on this node; restore "
					   "on the node it was taken on", g->uuid);
		struct migctl_gpu_plan *pl = &plans[gpu - node->gpus];
		const struct migctl_gpu_model *m = migctl_gpu_target_model(gpu);
		pl->matched = pl->managed = true;
		pl->target.mig_enabled = g->mig_enabled;
		/* CI placements too, when every GI has CIs and all of their
		 * placements are known: the target is then exact. */
		bool exact = true;
		for (size_t k = 0; k < g->layout.n_gis; k++) {
			exact &= g->layout.gis[k].n_cis > 0;
			for (size_t n = 0; n < g->layout.gis[k].n_cis; n++)
				exact &= g->layout.gis[k].cis[n].placement.size > 0;
		}
		for (size_t k = 0; g->mig_enabled && k < g->layout.n_gis; k++) {
			long gp = index_of_gi(m, g->gi_profile_id[k]);
			if (gp < 0)
				return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
						   "GPU %u: GI profile ID %u of the checkpoint is not "
						   "a profile of %s", gpu->index, g->gi_profile_id[k],
						   gpu->name);
			struct migctl_target_pin *pin = &pl->target.pins[pl->target.n_pins++];
			*pin = (struct migctl_target_pin){.gi = (size_t)gp,
							  .placement = g->layout.gis[k].placement};
			for (size_t n = 0; n < g->layout.gis[k].n_cis; n++) {
				long cp = index_of_ci(&m->gi[gp], g->ci_profile_id[k][n]);
				if (cp < 0)
					return migctl_fail(err, MIGCTL_ERR_UNKNOWN_PROFILE,
							   "GPU %u: CI profile ID %u of the checkpoint "
							   "is not a profile of %s", gpu->index,
							   g->ci_profile_id[k][n], m->gi[gp].name);
				enum migctl_err rc = migctl_target_add(&pl->target, (size_t)gp,
								       (size_t)cp, 1, err);
				if (rc)
					return rc;
				if (exact)
					pin->cis[pin->n_cis++] = (struct migctl_target_ci_pin){
						(size_t)cp, g->layout.gis[k].cis[n].placement};
			}
		}
	}
	return MIGCTL_ERR_OK;
}

/* --- executing steps ------------------------------------------------------ */

struct run {
	struct migctl_node *node;
	const struct migctl_apply_options *opts;
	struct migctl_apply_report *report;
	struct journal journal;
};

static const struct migctl_gi_state *gi_at(const struct migctl_gpu_state *gpu,
					   size_t profile, struct migctl_placement p)
{
	const struct migctl_gpu_model *m = &gpu->model;
	for (size_t g = 0; g < gpu->n_gis; g++)
		if (profile < m->n_gi && gpu->gis[g].profile_id == m->gi[profile].id &&
		    gpu->gis[g].placement.start == p.start && gpu->gis[g].placement.size == p.size)
			return &gpu->gis[g];
	return NULL;
}

/* Processes on the instances a transition destroys. */
static size_t doomed_pids(const struct migctl_gpu_state *gpu, const struct migctl_transition *t,
			  unsigned *pids, size_t cap)
{
	size_t n = 0;
	for (size_t s = 0; s < t->n_steps; s++) {
		const struct migctl_step *st = &t->steps[s];
		if (!st->busy)
			continue;
		for (size_t p = 0; p < gpu->n_procs && n < cap; p++) {
			const struct migctl_process *pr = &gpu->procs[p];
			bool hit = pr->gi == st->gi_id &&
				   (st->kind == MIGCTL_STEP_DESTROY_GI || pr->ci == st->ci_id);
			for (size_t k = 0; hit && k < n; k++)
				hit = pids[k] != pr->pid;
			if (hit)
				pids[n++] = pr->pid;
		}
	}
	return n;
}

/* --force: the processes on instances that must go are stopped, SIGTERM
 * first and SIGKILL after a grace period, as an operator would; the
 * driver cannot destroy an instance a process holds. */
static enum migctl_err evict(struct run *r, size_t gi, const struct migctl_transition *t,
			     struct migctl_error *err)
{
	unsigned pids[MIGCTL_NODE_MAX_PROCS];
	size_t n = doomed_pids(gpu_at(r->node, gi), t, pids, MIGCTL_NODE_MAX_PROCS);
	enum migctl_err rc;

	for (int sig = SIGTERM, round = 0; n > 0 && round < 2; sig = SIGKILL, round++) {
		for (size_t k = 0; k < n; k++)
			kill((pid_t)pids[k], sig);
		for (long waited = 0; waited < KILL_WAIT_MS / 2; waited += 100) {
			msleep(100);
			if ((rc = migctl_node_refresh(r->node, err)))
				return rc;
			n = doomed_pids(gpu_at(r->node, gi), t, pids, MIGCTL_NODE_MAX_PROCS);
			if (n == 0)
				break;
		}
	}
	if (n > 0)
		return migctl_fail(err, MIGCTL_ERR_BUSY,
				   "GPU %zu: process %u still runs on an instance to destroy after "
				   "SIGKILL; stop it and run again", gi, pids[0]);
	return MIGCTL_ERR_OK;
}

static enum migctl_err run_step(struct run *r, size_t gi, const struct migctl_step *st,
				struct migctl_error *err)
{
	struct migctl_gpu_state *gpu = gpu_at(r->node, gi);
	const struct migctl_gpu_model *m = &gpu->model;
	const struct migctl_gi_state *gs;
	unsigned id = 0;
	enum migctl_err rc;

	if (st->gi_profile >= m->n_gi)
		return migctl_fail(err, MIGCTL_ERR_INTERNAL, "step names a profile the GPU lacks");
	if (r->journal.fd >= 0) {
		json_t *line = json_pack("{s:s,s:I,s:s,s:i,s:i,s:i,s:s}", "gpu", gpu->uuid,
					 "seq", (json_int_t)++r->journal.seq, "op", migctl_step_kind_name(st->kind),
					 "profile", (int)m->gi[st->gi_profile].id,
					 "start", (int)st->gi_placement.start,
					 "size", (int)st->gi_placement.size, "phase", "begin");
		if ((rc = journal_line(&r->journal, line, err)))
			return rc;
	}
	switch (st->kind) {
	case MIGCTL_STEP_DESTROY_CI:
		rc = migctl_node_destroy_ci(r->node, gpu, st->gi_id, st->ci_id, err);
		break;
	case MIGCTL_STEP_DESTROY_GI:
		rc = migctl_node_destroy_gi(r->node, gpu, st->gi_id, err);
		break;
	case MIGCTL_STEP_CREATE_GI:
		rc = migctl_node_create_gi(r->node, gpu, m->gi[st->gi_profile].id,
					   &st->gi_placement, &id, err);
		break;
	case MIGCTL_STEP_CREATE_CI:
		gs = gi_at(gpu, st->gi_profile, st->gi_placement);
		if (!gs)
			return migctl_fail(err, MIGCTL_ERR_INTERNAL,
					   "GPU %u: no GI at %u:%u for a new compute instance",
					   gpu->index, st->gi_placement.start, st->gi_placement.size);
		if (st->ci_profile >= m->gi[st->gi_profile].n_ci)
			return migctl_fail(err, MIGCTL_ERR_INTERNAL, "step names a CI profile the GI lacks");
		rc = migctl_node_create_ci(r->node, gpu, gs->id,
					   m->gi[st->gi_profile].ci[st->ci_profile].id,
					   st->ci_placement.size ? &st->ci_placement : NULL, &id, err);
		break;
	default:
		rc = migctl_fail(err, MIGCTL_ERR_INTERNAL, "unknown step");
	}
	if (rc)
		return rc;
	if (r->journal.fd >= 0)
		rc = journal_line(&r->journal, json_pack("{s:I,s:s}", "seq",
				  (json_int_t)r->journal.seq, "phase", "done"), err);
	return rc;
}

/* Plan a GPU's transition from what it holds now. */
static enum migctl_err plan_now(struct migctl_node *node, size_t gi,
				const struct migctl_gpu_target *target_in,
				const struct migctl_gpu_model *target_model, bool allow_busy,
				struct migctl_transition *t, struct migctl_error *err)
{
	struct migctl_gpu_state *gpu = gpu_at(node, gi);
	struct migctl_gpu_target target;
	struct migctl_layout cur;
	enum migctl_err rc;

	if (!target_in->mig_enabled || !gpu->mig_current) {
		memset(&target, 0, sizeof(target));
		if (!gpu->mig_current) { /* no instances exist with MIG off */
			memset(t, 0, sizeof(*t));
			return MIGCTL_ERR_OK;
		}
	} else if ((rc = retarget(target_model, &gpu->model, target_in, &target, err))) {
		return rc;
	}
	migctl_layout_of_gpu(gpu, &cur);
	rc = migctl_transition_plan(&gpu->model, &cur, &target, allow_busy, t, err);
	if (rc) {
		char msg[sizeof(err->msg)];
		copy_str(msg, sizeof(msg), err ? err->msg : "");
		migctl_fail(err, rc, "GPU %u (%s): %s", gpu->index, gpu->name, msg);
	}
	return rc;
}

/* Run a transition on one GPU (with eviction under --force). */
static enum migctl_err run_transition(struct run *r, size_t gi, const struct migctl_transition *t,
				      unsigned *done, struct migctl_error *err)
{
	enum migctl_err rc;

	if (t->destroyed_busy > 0 && r->opts->force && (rc = evict(r, gi, t, err)))
		return rc;
	for (size_t s = 0; s < t->n_steps; s++) {
		if ((rc = run_step(r, gi, &t->steps[s], err)))
			return rc;
		if (done)
			(*done)++;
	}
	return MIGCTL_ERR_OK;
}

static bool needs_reset_for_mode(const struct migctl_gpu_state *gpu)
{
	/* From Hopper on the mode is driver-held and switches at once; the
	 * driver's own answer (pending or not) decides in the end. */
	return gpu->arch == MIGCTL_ARCH_AMPERE || gpu->arch == MIGCTL_ARCH_UNKNOWN;
}

/* Set a GPU's MIG mode, emptying it first when MIG goes off, resetting
 * it when the change stays pending and resets are allowed. */
static enum migctl_err set_mode(struct run *r, size_t gi, bool enable, bool allow_busy,
				struct migctl_gpu_report *rep, struct migctl_error *err)
{
	struct migctl_gpu_state *gpu = gpu_at(r->node, gi);
	struct migctl_mode_result res;
	enum migctl_err rc;

	if (!enable && gpu->mig_current) {
		struct migctl_transition *t = malloc(sizeof(*t));
		struct migctl_gpu_target none = {0};
		if (!t)
			return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
		rc = plan_now(r->node, gi, &none, &gpu->model, allow_busy, t, err);
		if (!rc)
			rc = run_transition(r, gi, t, NULL, err);
		if (!rc) {
			r->report->destroyed += t->destroyed;
		}
		free(t);
		if (rc)
			return rc;
	}
	if ((rc = migctl_node_set_mig_mode(r->node, gpu, enable, &res, err)))
		return rc;
	if ((rc = journal_event(&r->journal, gpu->uuid, enable ? "mig-enabled" : "mig-disabled", err)))
		return rc;
	if (!res.pending)
		return MIGCTL_ERR_OK;
	if (res.activation == MIGCTL_ERR_REBOOT_REQUIRED)
		return migctl_fail(err, MIGCTL_ERR_REBOOT_REQUIRED,
				   "GPU %u (%s): MIG mode %s is pending: %s; reboot the machine",
				   gpu->index, gpu->name, enable ? "enable" : "disable",
				   res.activation_text);
	if (r->opts->skip_reset || !needs_reset_for_mode(gpu))
		return migctl_fail(err, MIGCTL_ERR_RESET_REQUIRED,
				   "GPU %u (%s): MIG mode %s is pending until the GPU is reset; "
				   "run again without --skip-reset, or reset it "
				   "(nvidia-smi --gpu-reset -i %s)", gpu->index, gpu->name,
				   enable ? "enable" : "disable", gpu->bus_id);
	if ((rc = migctl_node_reset_gpu(r->node, gpu, err))) {
		char msg[sizeof(err->msg)];
		copy_str(msg, sizeof(msg), err ? err->msg : "");
		return migctl_fail(err, rc == MIGCTL_ERR_BUSY ? rc : MIGCTL_ERR_REBOOT_REQUIRED,
				   "%s; MIG mode %s stays pending until a reset or reboot", msg,
				   enable ? "enable" : "disable");
	}
	rep->reset = true;
	gpu = gpu_at(r->node, gi);
	if ((rc = journal_event(&r->journal, gpu->uuid, "reset", err)))
		return rc;
	if (gpu->mig_current != enable)
		return migctl_fail(err, MIGCTL_ERR_REBOOT_REQUIRED,
				   "GPU %u (%s): MIG mode is still pending after a reset; reboot the "
				   "machine", gpu->index, gpu->name);
	return MIGCTL_ERR_OK;
}

/* Bring one GPU to a target: mode, then layout. */
static enum migctl_err reach(struct run *r, size_t gi, const struct migctl_gpu_target *target,
			     const struct migctl_gpu_model *target_model, bool allow_busy,
			     struct migctl_gpu_report *rep, struct migctl_error *err)
{
	struct migctl_transition *t;
	enum migctl_err rc;

	if (gpu_at(r->node, gi)->mig_current != target->mig_enabled &&
	    (rc = set_mode(r, gi, target->mig_enabled, allow_busy, rep, err)))
		return rc;
	if (!target->mig_enabled)
		return MIGCTL_ERR_OK;
	if (!(t = malloc(sizeof(*t))))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	rc = plan_now(r->node, gi, target, target_model, allow_busy, t, err);
	if (!rc)
		rc = run_transition(r, gi, t, &rep->steps_done, err);
	if (!rc) {
		r->report->destroyed += t->destroyed;
		r->report->created += t->created;
	}
	free(t);
	return rc;
}

/* The checkpoint of one GPU as a target (every GI pinned). */
static enum migctl_err checkpoint_target(const struct migctl_node *node, size_t gi,
					 const struct migctl_checkpoint *cp,
					 struct migctl_gpu_plan *plan, struct migctl_error *err)
{
	struct migctl_checkpoint one = {0};
	struct migctl_gpu_plan *plans = calloc(node->n_gpus, sizeof(*plans));
	enum migctl_err rc = MIGCTL_ERR_OK;

	if (!plans)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < cp->n_gpus; i++) {
		if (strcmp(cp->gpus[i].uuid, node->gpus[gi].uuid) != 0)
			continue;
		one.gpus = &cp->gpus[i];
		one.n_gpus = 1;
		rc = migctl_checkpoint_plans(node, &one, plans, err);
		*plan = plans[gi];
	}
	free(plans);
	return rc;
}

/* Roll a GPU back to its checkpoint after a failure (`why`). */
static void roll_back(struct run *r, size_t gi, const struct migctl_checkpoint *cp,
		      struct migctl_gpu_report *rep, const struct migctl_error *why)
{
	struct migctl_gpu_plan plan;
	struct migctl_error e2 = {0};
	enum migctl_err rc;

	if (&rep->error != why)
		rep->error = *why;
	/* The failing call may have left the node's copy stale. */
	rc = migctl_node_refresh(r->node, &e2);
	if (!rc)
		rc = checkpoint_target(r->node, gi, cp, &plan, &e2);
	if (!rc)
		rc = reach(r, gi, &plan.target, migctl_gpu_target_model(gpu_at(r->node, gi)), false, rep, &e2);
	if (!rc)
		rc = journal_event(&r->journal, rep->uuid, "rolled-back", &e2);
	if (rc) {
		rep->outcome = MIGCTL_GPU_FAILED;
		size_t n = strlen(rep->error.msg);
		snprintf(rep->error.msg + n, sizeof(rep->error.msg) - n,
			 "; the rollback failed too (%s); run 'migctl recover'", e2.msg);
		return;
	}
	rep->outcome = MIGCTL_GPU_ROLLED_BACK;
}

/* --- apply ------------------------------------------------------------- */

static const struct migctl_gpu_model *target_model(struct migctl_node *node, size_t i,
						   const bool *from_catalog)
{
	struct migctl_gpu_state *gpu = gpu_at(node, i);
	return from_catalog[i] && gpu->catalog_model ? gpu->catalog_model : &gpu->model;
}

/* "2 x 3g.40gb, 3 x 1c.3g.40gb" for messages. */
static void describe_target(const struct migctl_gpu_model *m, const struct migctl_gpu_target *t,
			    char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n_items && n < len; i++) {
		if (!t->items[i].count)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%u x %s", n ? ", " : "",
				      t->items[i].count,
				      m->gi[t->items[i].gi].ci[t->items[i].ci].name);
	}
	if (!buf[0])
		snprintf(buf, len, "no instances");
}

/* Whether a GPU holds its target now. Every node operation re-reads the
 * GPU it changed, so the node's copy is current: no full re-read. */
static enum migctl_err verify(struct migctl_node *node, size_t i,
			      const struct migctl_gpu_target *target,
			      const struct migctl_gpu_model *model, struct migctl_error *err)
{
	struct migctl_gpu_target live;
	struct migctl_layout now;
	enum migctl_err rc;

	struct migctl_gpu_state *gpu = gpu_at(node, i);
	if ((rc = retarget(model, &gpu->model, target, &live, err)))
		return rc;
	migctl_layout_of_gpu(gpu, &now);
	if (!migctl_layout_satisfies(&gpu->model, &now, &live)) {
		char want[256], have[256];
		struct migctl_gpu_target held;
		migctl_layout_to_target(&now, &held);
		describe_target(&gpu->model, &live, want, sizeof(want));
		describe_target(&gpu->model, &held, have, sizeof(have));
		return migctl_fail(err, MIGCTL_ERR_NOT_APPLIED,
				   "GPU %u (%s) holds %s%s, the config wants %s%s", gpu->index,
				   gpu->name, have,
				   now.n_gis && held.n_items == 0 ? " (empty GPU instances)" : "",
				   want, live.n_pins ? " at the pinned placements" : "");
	}
	return MIGCTL_ERR_OK;
}

static bool same_mode(const struct migctl_gpu_state *gpu, bool want)
{
	return gpu->mig_current == want && gpu->mig_pending == want;
}

/* Validate and plan every managed GPU; nothing changes. */
static enum migctl_err validate(struct migctl_node *node, const struct migctl_gpu_plan *plans,
				bool allow_busy, struct migctl_apply_report *report,
				struct migctl_error *err)
{
	enum migctl_err first = MIGCTL_ERR_OK;

	for (size_t i = 0; i < node->n_gpus; i++) {
		struct migctl_gpu_state *gpu = &node->gpus[i];
		struct migctl_gpu_report *rep = &report->gpus[i];
		const struct migctl_gpu_target *t = &plans[i].target;
		enum migctl_err rc = MIGCTL_ERR_OK;

		if (!plans[i].managed)
			continue;
		rep->mig_enabled = t->mig_enabled;
		rep->outcome = MIGCTL_GPU_UNCHANGED;
		if (!gpu->mig_capable) {
			if (t->mig_enabled)
				rc = migctl_fail(&rep->error, MIGCTL_ERR_NOT_SUPPORTED,
						 "GPU %u (%s) does not support MIG; take it out of "
						 "the config's devices", gpu->index, gpu->name);
			goto next;
		}
		rep->mode_change = !same_mode(gpu, t->mig_enabled);
		if (t->mig_enabled && !gpu->mig_current) {
			/* Plan from an empty GPU: checks feasibility now. */
			struct migctl_layout empty = {0};
			rc = migctl_transition_plan(migctl_gpu_target_model(gpu), &empty, t, allow_busy,
						    &rep->transition, &rep->error);
			if (rc) {
				char msg[sizeof(rep->error.msg)];
				copy_str(msg, sizeof(msg), rep->error.msg);
				migctl_fail(&rep->error, rc, "GPU %u (%s): %s", gpu->index, gpu->name, msg);
			}
		} else {
			rc = plan_now(node, i, t, migctl_gpu_target_model(gpu), allow_busy, &rep->transition,
				      &rep->error);
		}
		rep->layout_change = rc == MIGCTL_ERR_OK && rep->transition.n_steps > 0;
		/* Kept instances, new ones and a rollback all rely on placing
		 * instances exactly; an early driver cannot. */
		if (!rc && (rep->layout_change || (rep->mode_change && gpu->n_gis > 0)) &&
		    !migctl_node_can_place(node))
			rc = migctl_fail(&rep->error, MIGCTL_ERR_NOT_SUPPORTED,
					 "GPU %u (%s): this driver cannot create instances at a "
					 "placement (its NVML lacks the ...WithPlacement calls of "
					 "CUDA 12.0), which apply needs to keep instances and to roll "
					 "back; upgrade the driver, or use `migctl create`/`destroy`",
					 gpu->index, gpu->name);
		if (!rc && (rep->mode_change || rep->layout_change))
			rep->outcome = MIGCTL_GPU_PLANNED;
next:
		if (rc == MIGCTL_ERR_BUSY) {
			/* Name the processes in the way, as `migctl destroy` does. */
			unsigned pids[MIGCTL_NODE_MAX_PROCS];
			size_t np = doomed_pids(gpu, &rep->transition, pids, MIGCTL_NODE_MAX_PROCS);
			size_t len = strlen(rep->error.msg);
			for (size_t k = 0; k < np && len < sizeof(rep->error.msg); k++) {
				const char *name = "";
				for (size_t p = 0; p < gpu->n_procs; p++)
					if (gpu->procs[p].pid == pids[k])
						name = gpu->procs[p].name;
				len += (size_t)snprintf(rep->error.msg + len, sizeof(rep->error.msg) - len,
							"%s%u%s%s%s", k ? ", " : " (processes ", pids[k],
							*name ? " (" : "", name, *name ? ")" : "");
			}
			if (np && len < sizeof(rep->error.msg))
				snprintf(rep->error.msg + len, sizeof(rep->error.msg) - len, ")");
		}
		if (rc) {
			rep->outcome = MIGCTL_GPU_REFUSED;
			if (!first) {
				first = rc;
				if (err)
					*err = rep->error;
			}
		}
	}
	return first;
}

static enum migctl_err hook(const struct migctl_apply_options *o, enum migctl_hook_point p,
			    struct migctl_error *err)
{
	return o->hook ? o->hook(p, o->hook_ctx, err) : MIGCTL_ERR_OK;
}

enum migctl_err migctl_apply(struct migctl_node *node, const struct migctl_gpu_plan *plans,
			     const struct migctl_apply_options *opts,
			     struct migctl_apply_report *report, struct migctl_error *err)
{
	struct run r = {node, opts, report, {.fd = -1}};
	struct migctl_checkpoint cp = {0};
	bool *from_catalog = NULL;
	bool any_mode = false, any_layout = false, stop = false;
	enum migctl_err rc, first = MIGCTL_ERR_OK;

	copy_str(r.journal.path, sizeof(r.journal.path), opts->journal_path);
	if (!opts->journal_path)
		migctl_default_journal_path(node, r.journal.path, sizeof(r.journal.path));
	if (!opts->dry_run) {
		bool found = false;
		if ((rc = migctl_recover(node, r.journal.path, false, &found, report, err)))
			return rc;
		report->recovered = found;
	}
	if ((rc = migctl_node_refresh(node, err)) || (rc = report_reset(report, node, err)))
		return rc;
	if ((rc = validate(node, plans, opts->force, report, err)))
		return rc;
	/* --mode-only: the layouts stay as they are, except on GPUs whose
	 * MIG goes off (their instances go with it). */
	for (size_t i = 0; opts->mode_only && i < node->n_gpus; i++) {
		struct migctl_gpu_report *g = &report->gpus[i];
		if (!plans[i].managed || !plans[i].target.mig_enabled)
			continue;
		g->layout_change = false;
		if (g->outcome == MIGCTL_GPU_PLANNED && !g->mode_change)
			g->outcome = MIGCTL_GPU_UNCHANGED;
	}
	/* The targets' profile indices refer to the model each GPU was
	 * resolved on: the catalog's while the driver lists no profiles
	 * (MIG off on some drivers), the live one otherwise. Once MIG is on
	 * the live one takes over (retarget). */
	if (!(from_catalog = calloc(node->n_gpus + 1, sizeof(*from_catalog))))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < node->n_gpus; i++)
		from_catalog[i] = migctl_gpu_target_model(&node->gpus[i]) != &node->gpus[i].model;
	for (size_t i = 0; i < node->n_gpus; i++) {
		any_mode |= report->gpus[i].mode_change;
		any_layout |= report->gpus[i].layout_change;
	}
	if (opts->dry_run || (!any_mode && !any_layout))
		goto out;

	/* Checkpoint just the GPUs that change, then open the journal. */
	if ((rc = migctl_checkpoint_capture(node, &cp, err)))
		return rc;
	size_t keep = 0;
	for (size_t k = 0; k < cp.n_gpus; k++)
		for (size_t i = 0; i < node->n_gpus; i++)
			if (strcmp(cp.gpus[k].uuid, node->gpus[i].uuid) == 0 &&
			    (report->gpus[i].mode_change || report->gpus[i].layout_change))
				cp.gpus[keep++] = cp.gpus[k];
	cp.n_gpus = keep;
	if ((rc = journal_open(&r.journal, &cp, err)))
		goto out;

	/* Mode phase. */
	if (any_mode && (rc = hook(opts, MIGCTL_HOOK_PRE_APPLY_MODE, err)))
		goto out;
	for (size_t i = 0; i < node->n_gpus && !stop; i++) {
		struct migctl_gpu_report *rep = &report->gpus[i];
		if (!rep->mode_change)
			continue;
		rc = set_mode(&r, i, plans[i].target.mig_enabled, opts->force, rep, &rep->error);
		if (rc == MIGCTL_ERR_RESET_REQUIRED || rc == MIGCTL_ERR_REBOOT_REQUIRED) {
			/* Not a failure to undo: the mode is set, it waits. */
			rep->outcome = MIGCTL_GPU_PENDING;
			journal_event(&r.journal, rep->uuid, "pending", NULL);
		} else if (rc) {
			roll_back(&r, i, &cp, rep, &rep->error);
			stop = true;
		}
		if (rc && !first) {
			first = rc == MIGCTL_ERR_RESET_REQUIRED || rc == MIGCTL_ERR_REBOOT_REQUIRED
					? rc : MIGCTL_ERR_ROLLED_BACK;
			if (err)
				*err = rep->error;
		}
	}

	/* Config phase. */
	if (!opts->mode_only && !stop && any_layout &&
	    (rc = hook(opts, MIGCTL_HOOK_PRE_APPLY_CONFIG, err)))
		goto out;
	for (size_t i = 0; i < node->n_gpus && !opts->mode_only; i++) {
		struct migctl_gpu_report *rep = &report->gpus[i];
		if (rep->outcome != MIGCTL_GPU_PLANNED)
			continue;
		if (stop) {
			rep->outcome = MIGCTL_GPU_NOT_REACHED;
			continue;
		}
		if (plans[i].target.mig_enabled) {
			rc = plan_now(node, i, &plans[i].target, target_model(node, i, from_catalog),
				      opts->force, &rep->transition, &rep->error);
			if (!rc)
				rc = run_transition(&r, i, &rep->transition, &rep->steps_done, &rep->error);
			if (!rc) {
				report->destroyed += rep->transition.destroyed;
				report->created += rep->transition.created;
			}
		} else {
			rc = MIGCTL_ERR_OK;
		}
		if (!rc && plans[i].target.mig_enabled)
			rc = verify(node, i, &plans[i].target, target_model(node, i, from_catalog),
				    &rep->error);
		if (rc) {
			roll_back(&r, i, &cp, rep, &rep->error);
			stop = true;
			if (!first) {
				first = MIGCTL_ERR_ROLLED_BACK;
				if (err)
					*err = rep->error;
			}
			continue;
		}
		rep->outcome = MIGCTL_GPU_APPLIED;
		if ((rc = journal_event(&r.journal, rep->uuid, "done", err)))
			goto out;
	}
	for (size_t i = 0; i < node->n_gpus; i++)
		if (report->gpus[i].outcome == MIGCTL_GPU_PLANNED && report->gpus[i].mode_change &&
		    (opts->mode_only || !report->gpus[i].layout_change))
			report->gpus[i].outcome = MIGCTL_GPU_APPLIED;
	rc = first;
out:
	/* Keep the journal only when a GPU is neither at its target nor at
	 * its checkpoint: recovery has work to do then. */
	{
		bool unsettled = false;
		for (size_t i = 0; i < report->n_gpus; i++)
			unsettled |= report->gpus[i].outcome == MIGCTL_GPU_FAILED;
		journal_close(&r.journal, !unsettled);
	}
	free(from_catalog);
	migctl_checkpoint_release(&cp);
	return rc;
}

/* --- assert -------------------------------------------------------------- */

enum migctl_err migctl_assert(struct migctl_node *node, const struct migctl_gpu_plan *plans,
			      bool mode_only, struct migctl_apply_report *report,
			      struct migctl_error *err)
{
	enum migctl_err rc, first = MIGCTL_ERR_OK;

	if ((rc = migctl_node_refresh(node, err)) || (rc = report_reset(report, node, err)))
		return rc;
	/* Resolve-time models, fixed before anything is read again. */
	const struct migctl_gpu_model **models = calloc(node->n_gpus + 1, sizeof(*models));
	if (!models)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < node->n_gpus; i++)
		models[i] = migctl_gpu_target_model(&node->gpus[i]);
	for (size_t i = 0; i < node->n_gpus; i++) {
		struct migctl_gpu_state *gpu = gpu_at(node, i);
		struct migctl_gpu_report *rep = &report->gpus[i];
		const struct migctl_gpu_target *t = &plans[i].target;

		if (!plans[i].managed)
			continue;
		rep->outcome = MIGCTL_GPU_UNCHANGED;
		rep->mig_enabled = t->mig_enabled;
		rc = MIGCTL_ERR_OK;
		if (gpu->mig_current != t->mig_enabled && (gpu->mig_capable || t->mig_enabled)) {
			rep->mode_change = true;
			rc = migctl_fail(&rep->error, MIGCTL_ERR_NOT_APPLIED,
					 "GPU %u (%s): MIG mode is %s%s, the config wants it %s",
					 gpu->index, gpu->name,
					 gpu->mig_current ? "enabled" : "disabled",
					 gpu->mig_pending != gpu->mig_current ? " (a change is pending)" : "",
					 t->mig_enabled ? "enabled" : "disabled");
		} else if (!mode_only && t->mig_enabled) {
			rc = verify(node, i, t, models[i], &rep->error);
			rep->layout_change = rc != MIGCTL_ERR_OK;
			gpu = gpu_at(node, i);
		}
		if (rc) {
			rep->outcome = MIGCTL_GPU_PLANNED;
			if (!first) {
				first = rc;
				if (err)
					*err = rep->error;
			}
		}
	}
	free(models);
	return first;
}

/* --- recovery ------------------------------------------------------------ */

/* Read a journal: its checkpoint and the GPUs it settled ("done" or
 * "rolled-back"). A last line cut short by a crash is ignored. */
static enum migctl_err read_journal(const char *path, struct migctl_checkpoint *cp,
				    char (**settled)[96], size_t *n_settled,
				    struct migctl_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	enum migctl_err rc = MIGCTL_ERR_OK;
	bool header = false;

	*settled = NULL;
	*n_settled = 0;
	if (!f)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot read the journal %s: %s", path,
				   strerror(errno));
	for (unsigned no = 1; getline(&line, &cap, f) > 0; no++) {
		json_t *j = json_loads(line, 0, NULL);
		if (!j) {
			if (!header)
				rc = migctl_fail(err, MIGCTL_ERR_PARSE,
						 "%s:1: not a migctl journal; move the file away if "
						 "no apply was interrupted", path);
			break; /* a torn last line */
		}
		if (!header) {
			json_t *kind = json_object_get(j, "journal");
			header = true;
			if (!json_is_string(kind) || strcmp(json_string_value(kind), "migctl") != 0)
				rc = migctl_fail(err, MIGCTL_ERR_PARSE,
						 "%s:1: not a migctl journal; move the file away if "
						 "no apply was interrupted", path);
			else
				rc = checkpoint_parse(cp, path, json_object_get(j, "checkpoint"), err);
		} else {
			const char *ev = json_string_value(json_object_get(j, "event"));
			const char *uuid = json_string_value(json_object_get(j, "gpu"));
			if (ev && uuid && (!strcmp(ev, "done") || !strcmp(ev, "rolled-back"))) {
				void *grown = realloc(*settled, (*n_settled + 1) * sizeof(**settled));
				if (!grown) {
					rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
				} else {
					*settled = grown;
					copy_str((*settled)[(*n_settled)++], 96, uuid);
				}
			}
		}
		json_decref(j);
		if (rc)
			break;
		(void)no;
	}
	if (!header && !rc)
		rc = migctl_fail(err, MIGCTL_ERR_PARSE, "%s: empty journal; remove it", path);
	free(line);
	fclose(f);
	if (rc) {
		free(*settled);
		*settled = NULL;
		*n_settled = 0;
	}
	return rc;
}

enum migctl_err migctl_recover(struct migctl_node *node, const char *journal_path, bool force,
			       bool *found, struct migctl_apply_report *report,
			       struct migctl_error *err)
{
	struct migctl_apply_options opts = {.force = force};
	struct run r = {node, &opts, report, {.fd = -1}};
	struct migctl_checkpoint cp = {0};
	char (*settled)[96] = NULL;
	size_t n_settled = 0;
	enum migctl_err rc;

	*found = false;
	if (journal_path)
		copy_str(r.journal.path, sizeof(r.journal.path), journal_path);
	else
		migctl_default_journal_path(node, r.journal.path, sizeof(r.journal.path));
	if (access(r.journal.path, F_OK) != 0)
		return errno == ENOENT ? MIGCTL_ERR_OK
				       : migctl_fail(err, MIGCTL_ERR_IO, "cannot check the journal %s: %s",
						     r.journal.path, strerror(errno));
	*found = true;
	if ((rc = read_journal(r.journal.path, &cp, &settled, &n_settled, err)))
		return rc;
	if ((rc = migctl_node_refresh(node, err)) || (rc = report_reset(report, node, err)))
		goto out;
	report->recovered = true;
	for (size_t k = 0; k < cp.n_gpus; k++) {
		bool done = false;
		for (size_t s = 0; s < n_settled; s++)
			done |= strcmp(settled[s], cp.gpus[k].uuid) == 0;
		size_t i = 0;
		while (i < node->n_gpus && strcmp(node->gpus[i].uuid, cp.gpus[k].uuid) != 0)
			i++;
		if (done || i == node->n_gpus)
			continue; /* settled, or gone from the node: nothing to undo */
		struct migctl_gpu_report *rep = &report->gpus[i];
		struct migctl_gpu_plan plan;
		if ((rc = checkpoint_target(node, i, &cp, &plan, err)))
			goto out;
		rep->mig_enabled = plan.target.mig_enabled;
		rc = reach(&r, i, &plan.target, migctl_gpu_target_model(gpu_at(node, i)), force, rep, &rep->error);
		if (rc) {
			rep->outcome = MIGCTL_GPU_FAILED;
			if (err)
				*err = rep->error;
			goto out;
		}
		rep->outcome = MIGCTL_GPU_ROLLED_BACK;
	}
	if (unlink(r.journal.path) != 0 && errno != ENOENT) {
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot remove the journal %s: %s",
				 r.journal.path, strerror(errno));
		goto out;
	}
	sync_dir_of(r.journal.path, NULL);
out:
	free(settled);
	migctl_checkpoint_release(&cp);
	return rc;
}
