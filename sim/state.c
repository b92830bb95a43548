/* migsim — persistent machine state shared by every process.
 *
 * The machine lives in DIR/machine.json. Every access holds an flock on
 * DIR/lock (shared to read, exclusive to change); a change is written to a
 * temporary file, fsync'd and renamed over machine.json, then the directory
 * is fsync'd. A process killed at any moment therefore leaves either the
 * old or the new file, never a torn one, and its lock goes with it.
 *
 * Parsing is strict: a state that does not describe a machine the driver
 * could be in (overlapping instances, wrong GI IDs, unknown profiles) is
 * rejected rather than half-used.
 *
 * The file is a little over 1,000 lines because the loader and the writer
 * of one JSON format stay together: each field is read and written next to
 * its twin, so that a change to the format changes both in one place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

#define STATE_FILE "machine.json"
#define LOCK_FILE "lock"
#define TMP_PREFIX "machine.json.tmp."
#define DEFAULT_MODEL "NVIDIA A100-SXM4-80GB"
#define DEFAULT_COUNT 2

void sim_state_dir(const char *override, char *buf, size_t len)
{
	const char *env = getenv("MIGSIM_STATE");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (override && *override)
		snprintf(buf, len, "%s", override);
	else if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/migsim", xdg);
	else
		snprintf(buf, len, "/tmp/migsim-%u", (unsigned)getuid());
}

/* --- JSON out ------------------------------------------------------------ */

static json_t *placement_json(struct migctl_placement p)
{
	return json_pack("{s:i,s:i}", "start", (int)p.start, "size", (int)p.size);
}

/* GI/CI IDs of a process: null when it runs on the whole GPU. */
static json_t *id_or_null(unsigned id)
{
	return id == NVML_VALUE_NOT_AVAILABLE_UINT ? json_null() : json_integer(id);
}

/* The load as {"sm": 0.8, ...}, in struct order. */
#define LOAD_FIELDS(X) X(sm) X(occupancy) X(tensor) X(fp64) X(fp32) X(fp16) \
	X(dram) X(pcie_tx) X(pcie_rx)

static json_t *load_json(const struct sim_load *l)
{
	json_t *o = json_object();
#define LOAD_SET(f) json_object_set_new(o, #f, json_real(l->f));
	LOAD_FIELDS(LOAD_SET)
#undef LOAD_SET
	return o;
}

/* {"seq": last seq, "list": [{seq, gpu, gi, ci, type, data}...]} */
static json_t *events_json(const struct sim_machine *m)
{
	json_t *list = json_array();

	for (unsigned i = 0; i < m->n_events; i++) {
		const struct sim_event *e = &m->events[i];
		json_array_append_new(list, json_pack("{s:I,s:i,s:o,s:o,s:I,s:I}",
			"seq", (json_int_t)e->seq, "gpu", (int)e->gpu,
			"gi", id_or_null(e->gi), "ci", id_or_null(e->ci),
			"type", (json_int_t)e->type, "data", (json_int_t)e->data));
	}
	return json_pack("{s:I,s:o}", "seq", (json_int_t)m->event_seq, "list", list);
}

/* The nonzero CI creation counts of a GPU as [[gi, ci, count], ...];
 * NULL if there are none, so that such a GPU's JSON keeps its old form. */
static json_t *ci_made_json(const struct sim_gpu *g)
{
	json_t *a = NULL;

	for (unsigned gi = 0; gi < SIM_MAX_GIS; gi++)
		for (unsigned ci = 0; ci < SIM_MAX_CIS; ci++) {
			if (!g->ci_made[gi][ci])
				continue;
			if (!a)
				a = json_array();
			json_array_append_new(a, json_pack("[i,i,i]", (int)gi, (int)ci,
							   (int)g->ci_made[gi][ci]));
		}
	return a;
}

char *sim_machine_to_json(const struct sim_machine *m)
{
	json_t *gpus = json_array(), *procs = json_array(), *faults = json_array();

	for (unsigned i = 0; i < m->n_gpus; i++) {
		const struct sim_gpu *g = &m->gpus[i];
		json_t *gis = json_array();
		for (unsigned j = 0; j < g->n_gis; j++) {
			const struct sim_gi *gi = &g->gis[j];
			json_t *cis = json_array();
			for (unsigned k = 0; k < gi->n_cis; k++) {
				json_t *cj = json_pack("{s:i,s:i,s:o}",
					"id", (int)gi->cis[k].id, "profile_id", (int)gi->cis[k].profile_id,
					"placement", placement_json(gi->cis[k].placement));
				if (cj && gi->cis[k].uuid_gen)
					json_object_set_new(cj, "uuid_gen",
							    json_integer(gi->cis[k].uuid_gen));
				json_array_append_new(cis, cj);
			}
			json_array_append_new(gis, json_pack("{s:i,s:i,s:o,s:o}",
				"id", (int)gi->id, "profile_id", (int)gi->profile_id,
				"placement", placement_json(gi->placement),
				"compute_instances", cis));
		}
		json_t *gj = json_pack("{s:s,s:s,s:s,s:i,s:i,s:b,s:b,s:b,s:b,s:o}",
			"model", g->model, "uuid", g->uuid, "serial", g->serial,
			"pci_bus", (int)g->pci_bus, "minor", (int)g->minor,
			"mig_current", g->mig_current, "mig_pending", g->mig_pending,
			"half_swapped", g->half_swapped,
			"mig_survives_reset", g->mig_survives_reset, "gpu_instances", gis);
		/* Only when there is something to keep: states stay as before. */
		if (gj && (g->ecc_corrected || g->ecc_uncorrected))
			json_object_set_new(gj, "ecc", json_pack("{s:I,s:I}",
				"corrected", (json_int_t)g->ecc_corrected,
				"uncorrected", (json_int_t)g->ecc_uncorrected));
		json_t *made = ci_made_json(g);
		if (made) /* json_object_set_new drops `made` if gj is NULL */
			json_object_set_new(gj, "ci_made", made);
		json_array_append_new(gpus, gj);
	}
	for (unsigned i = 0; i < m->n_procs; i++) {
		const struct sim_process *p = &m->procs[i];
		json_t *pj = json_pack("{s:I,s:i,s:o,s:o,s:I}",
			"pid", (json_int_t)p->pid, "gpu", (int)p->gpu,
			"gi", id_or_null(p->gi), "ci", id_or_null(p->ci),
			"used_mib", (json_int_t)p->used_mib);
		if (pj && sim_load_any(&p->load))
			json_object_set_new(pj, "load", load_json(&p->load));
		json_array_append_new(procs, pj);
	}
	for (unsigned i = 0; i < m->n_faults; i++)
		json_array_append_new(faults, json_pack("{s:s,s:i,s:i,s:i}",
			"call", m->faults[i].call, "error", m->faults[i].error,
			"remaining", m->faults[i].remaining, "skip", m->faults[i].skip));

	json_t *root = json_pack("{s:s,s:i,s:I,s:b,s:s,s:s,s:o,s:o,s:o}",
		"format", "migsim-machine", "version", SIM_FORMAT_VERSION,
		"generation", (json_int_t)m->generation, "non_root", m->non_root,
		"driver", m->driver, "catalog_file", m->catalog_file, "gpus", gpus,
		"processes", procs, "faults", faults);
	if (root && m->event_seq)
		json_object_set_new(root, "events", events_json(m));
	char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return text;
}

/* --- JSON in ------------------------------------------------------------- */

struct parse {
	const char *origin;
	struct migctl_error *err;
};

__attribute__((format(printf, 2, 3)))
static enum migctl_err bad(struct parse *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return migctl_fail(p->err, MIGCTL_ERR_STATE,
			   "%s: %s; run 'migsim init' to start a fresh machine",
			   p->origin, msg);
}

static enum migctl_err unpack(struct parse *p, json_t *obj, const char *what,
			      const char *fmt, ...)
{
	json_error_t je;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = json_vunpack_ex(obj, &je, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (rc)
		return bad(p, "%s: %s", what, je.text);
	return MIGCTL_ERR_OK;
}

static enum migctl_err get_placement(struct parse *p, json_t *obj, const char *what,
				     struct migctl_placement *out)
{
	json_int_t start, size;
	enum migctl_err rc = unpack(p, obj, what, "{s:I,s:I}", "start", &start,
				    "size", &size);
	if (rc)
		return rc;
	if (start < 0 || size <= 0 || start + size > MIGCTL_MAX_UNITS)
		return bad(p, "%s: placement %lld:%lld is out of range", what,
			   (long long)start, (long long)size);
	out->start = (unsigned)start;
	out->size = (unsigned)size;
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_cis(struct parse *p, json_t *cis, struct sim_gpu *g,
				 struct sim_gi *gi, const struct migctl_gi_profile *gp,
				 const char *what)
{
	struct migctl_grid grid;
	struct migctl_slot slots[SIM_MAX_CIS];
	size_t i;
	json_t *c;

	(void)g;
	migctl_grid_of_gi(&grid, gp);
	if (json_array_size(cis) > SIM_MAX_CIS)
		return bad(p, "%s has more than %d compute instances", what, SIM_MAX_CIS);
	json_array_foreach(cis, i, c) {
		struct sim_ci *ci = &gi->cis[gi->n_cis];
		json_int_t id, pid, gen = 0;
		json_t *pl;
		enum migctl_err rc = unpack(p, c, what, "{s:I,s:I,s:o,s?I}", "id", &id,
					    "profile_id", &pid, "placement", &pl,
					    "uuid_gen", &gen);
		if (rc || (rc = get_placement(p, pl, what, &ci->placement)))
			return rc;
		if (id < 0 || id >= SIM_MAX_CIS || pid < 0 || pid > 255 || gen < 0 ||
		    gen > UINT16_MAX)
			return bad(p, "%s: compute instance ID %lld, profile %lld or uuid_gen out of range",
				   what, (long long)id, (long long)pid);
		ci->uuid_gen = (unsigned)gen;
		ci->id = (unsigned)id;
		ci->profile_id = (unsigned)pid;
		int idx = migctl_grid_profile_index(&grid, ci->profile_id);
		if (idx < 0)
			return bad(p, "%s: no compute-instance profile %u in GI profile %s",
				   what, ci->profile_id, gp->name);
		if (!migctl_grid_can_place(&grid, slots, gi->n_cis, (size_t)idx, ci->placement))
			return bad(p, "%s: compute instance %u at %u:%u overlaps another or is not a valid placement",
				   what, ci->id, ci->placement.start, ci->placement.size);
		for (unsigned k = 0; k < gi->n_cis; k++)
			if (gi->cis[k].id == ci->id)
				return bad(p, "%s: compute instance ID %u appears twice", what, ci->id);
		slots[gi->n_cis] = (struct migctl_slot){(size_t)idx, ci->placement};
		gi->n_cis++;
	}
	return MIGCTL_ERR_OK;
}

/* "ci_made" of a GPU (optional): [[gi, ci, count], ...]. */
static enum migctl_err parse_ci_made(struct parse *p, json_t *made, struct sim_gpu *g,
				     const char *what)
{
	size_t i;
	json_t *e;

	if (!made)
		return MIGCTL_ERR_OK;
	if (!json_is_array(made))
		return bad(p, "%s: ci_made is not a list", what);
	json_array_foreach(made, i, e) {
		json_int_t gi, ci, n;
		json_error_t je;
		if (json_unpack_ex(e, &je, JSON_STRICT, "[I,I,I]", &gi, &ci, &n) ||
		    gi < 0 || gi >= SIM_MAX_GIS || ci < 0 || ci >= SIM_MAX_CIS || n < 0 ||
		    n > UINT16_MAX)
			return bad(p, "%s: ci_made entry #%zu is malformed", what, i);
		g->ci_made[gi][ci] = (uint16_t)n;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_gpu(struct parse *p, json_t *obj, struct sim_machine *m,
				 unsigned index)
{
	struct sim_gpu *g = &m->gpus[index];
	const char *model, *uuid, *serial;
	json_int_t bus, minor;
	int cur, pend, swapped, survives = 0;
	json_t *gis, *gj, *made = NULL;
	struct migctl_grid grid;
	struct migctl_slot slots[SIM_MAX_GIS];
	struct migctl_error lookup;
	char what[64];
	size_t i;
	enum migctl_err rc;

	snprintf(what, sizeof(what), "GPU %u", index);
	json_int_t ecc_c = 0, ecc_u = 0;
	/* "ecc" is optional: states from before it load with no errors;
	 * mig_survives_reset and ci_made too: states written before them
	 * lose the mode on reset, as the default does, and count no CIs. */
	rc = unpack(p, obj, what, "{s:s,s:s,s:s,s:I,s:I,s:b,s:b,s:b,s?b,s:o,s?{s:I,s:I},s?o}",
		    "model", &model, "uuid", &uuid, "serial", &serial,
		    "pci_bus", &bus, "minor", &minor, "mig_current", &cur,
		    "mig_pending", &pend, "half_swapped", &swapped,
		    "mig_survives_reset", &survives, "gpu_instances", &gis,
		    "ecc", "corrected", &ecc_c, "uncorrected", &ecc_u, "ci_made", &made);
	if (rc || (rc = parse_ci_made(p, made, g, what)))
		return rc;
	if (ecc_c < 0 || ecc_u < 0)
		return bad(p, "%s: negative ECC counts", what);
	g->ecc_corrected = (unsigned long long)ecc_c;
	g->ecc_uncorrected = (unsigned long long)ecc_u;
	/* Every GPU has a UUID (clients find GPUs, and checkpoints name them,
	 * by it): an empty one is malformed. */
	if (!uuid[0] || strlen(model) >= sizeof(g->model) || strlen(uuid) >= sizeof(g->uuid) ||
	    strlen(serial) >= sizeof(g->serial) || bus < 0 || bus > 255 ||
	    minor < 0 || minor > 255 || !json_is_array(gis))
		return bad(p, "%s: a field is malformed or out of range", what);
	g->m = migctl_catalog_find_model(&m->catalog, model, &lookup);
	if (!g->m)
		return bad(p, "%s: model \"%s\" is not in the catalog", what, model);
	snprintf(g->model, sizeof(g->model), "%s", model);
	snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
	snprintf(g->serial, sizeof(g->serial), "%s", serial);
	g->pci_bus = (unsigned)bus;
	g->minor = (unsigned)minor;
	g->mig_current = cur;
	g->mig_pending = pend;
	g->half_swapped = swapped;
	g->mig_survives_reset = survives;

	migctl_grid_of_model(&grid, g->m);
	if (json_array_size(gis) > SIM_MAX_GIS)
		return bad(p, "%s has more than %d GPU instances", what, SIM_MAX_GIS);
	if (json_array_size(gis) > 0 && !g->mig_current)
		return bad(p, "%s has GPU instances while MIG mode is disabled", what);
	json_array_foreach(gis, i, gj) {
		struct sim_gi *gi = &g->gis[g->n_gis];
		json_int_t id, pid;
		json_t *pl, *cis;
		char giwhat[128];

		snprintf(giwhat, sizeof(giwhat), "%s GPU instance #%u", what, (unsigned)i);
		rc = unpack(p, gj, giwhat, "{s:I,s:I,s:o,s:o}", "id", &id, "profile_id", &pid,
			    "placement", &pl, "compute_instances", &cis);
		if (rc || (rc = get_placement(p, pl, giwhat, &gi->placement)))
			return rc;
		if (pid < 0 || pid > 255 || !json_is_array(cis))
			return bad(p, "%s: profile or compute instances malformed", giwhat);
		gi->profile_id = (unsigned)pid;
		int idx = migctl_grid_profile_index(&grid, gi->profile_id);
		if (idx < 0)
			return bad(p, "%s: %s has no GPU-instance profile %u", giwhat,
				   g->m->name, gi->profile_id);
		if (!migctl_grid_can_place(&grid, slots, g->n_gis, (size_t)idx, gi->placement))
			return bad(p, "%s: %u:%u overlaps another instance or is not a placement of profile %u",
				   giwhat, gi->placement.start, gi->placement.size, gi->profile_id);
		int want = migctl_gi_id(g->m->units, gi->placement,
					g->half_swapped ? MIGCTL_GI_ID_HALF_SWAPPED : MIGCTL_GI_ID_IDENTITY);
		if (id != want)
			return bad(p, "%s: ID %lld does not match its placement %u:%u (expected %d)",
				   giwhat, (long long)id, gi->placement.start, gi->placement.size, want);
		gi->id = (unsigned)id;
		rc = parse_cis(p, cis, g, gi, &g->m->gi[idx], giwhat);
		if (rc)
			return rc;
		slots[g->n_gis] = (struct migctl_slot){(size_t)idx, gi->placement};
		g->n_gis++;
	}
	return MIGCTL_ERR_OK;
}

/* A process's load: every field optional, each a number in 0..1. */
static enum migctl_err parse_load(struct parse *p, json_t *obj, struct sim_load *l)
{
	enum migctl_err rc;

	memset(l, 0, sizeof(*l));
	rc = unpack(p, obj, "process load", "{s?F,s?F,s?F,s?F,s?F,s?F,s?F,s?F,s?F}",
		    "sm", &l->sm, "occupancy", &l->occupancy, "tensor", &l->tensor,
		    "fp64", &l->fp64, "fp32", &l->fp32, "fp16", &l->fp16, "dram", &l->dram,
		    "pcie_tx", &l->pcie_tx, "pcie_rx", &l->pcie_rx);
	if (rc)
		return rc;
#define LOAD_CHECK(f) if (!(l->f >= 0.0 && l->f <= 1.0)) return bad(p, "load %s out of 0..1", #f);
	LOAD_FIELDS(LOAD_CHECK)
#undef LOAD_CHECK
	return MIGCTL_ERR_OK;
}

/* Events: optional (states from before them have none). Each must name a
 * GPU of the machine; seq strictly increasing, at most the last seq. */
static enum migctl_err parse_events(struct parse *p, json_t *obj, struct sim_machine *m)
{
	json_int_t seq = 0, prev = 0;
	json_t *list, *o;
	size_t i;
	enum migctl_err rc = unpack(p, obj, "events", "{s:I,s:o}", "seq", &seq, "list", &list);

	if (rc)
		return rc;
	if (seq < 0 || !json_is_array(list) || json_array_size(list) > SIM_MAX_EVENTS)
		return bad(p, "events: malformed (at most %d events)", SIM_MAX_EVENTS);
	m->event_seq = (unsigned long long)seq;
	json_array_foreach(list, i, o) {
		struct sim_event *e = &m->events[m->n_events];
		json_int_t es, gpu, type, data;
		json_t *gi, *ci;
		rc = unpack(p, o, "event", "{s:I,s:I,s:o,s:o,s:I,s:I}", "seq", &es, "gpu", &gpu,
			    "gi", &gi, "ci", &ci, "type", &type, "data", &data);
		if (rc)
			return rc;
		/* A GPU's event has no instance (both null); a MIG device's has
		 * both IDs in range (the instance may be gone since). */
		if (es <= prev || es > seq || gpu < 0 || gpu >= m->n_gpus || type <= 0 ||
		    data < 0 || json_is_null(gi) != json_is_null(ci) ||
		    (!json_is_null(gi) &&
		     (!json_is_integer(gi) || !json_is_integer(ci) ||
		      json_integer_value(gi) < 0 || json_integer_value(gi) >= SIM_MAX_GIS ||
		      json_integer_value(ci) < 0 || json_integer_value(ci) >= SIM_MAX_CIS)))
			return bad(p, "event #%zu is malformed", i);
		prev = es;
		e->seq = (unsigned long long)es;
		e->gpu = (unsigned)gpu;
		e->gi = json_is_null(gi) ? NVML_VALUE_NOT_AVAILABLE_UINT : (unsigned)json_integer_value(gi);
		e->ci = json_is_null(ci) ? NVML_VALUE_NOT_AVAILABLE_UINT : (unsigned)json_integer_value(ci);
		e->type = (unsigned long long)type;
		e->data = (unsigned long long)data;
		m->n_events++;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_procs(struct parse *p, json_t *procs, struct sim_machine *m)
{
	size_t i;
	json_t *o;

	if (json_array_size(procs) > SIM_MAX_PROCS)
		return bad(p, "more than %d processes", SIM_MAX_PROCS);
	json_array_foreach(procs, i, o) {
		struct sim_process *pr = &m->procs[m->n_procs];
		json_int_t pid, gpu, used;
		json_t *gi, *ci, *load = NULL;
		/* "load" is optional: states from before it, and idle processes. */
		enum migctl_err rc = unpack(p, o, "process", "{s:I,s:I,s:o,s:o,s:I,s?o}",
					    "pid", &pid, "gpu", &gpu, "gi", &gi, "ci", &ci,
					    "used_mib", &used, "load", &load);
		if (rc)
			return rc;
		if (load && (rc = parse_load(p, load, &pr->load)))
			return rc;
		if (pid <= 0 || pid > 0x7fffffff || gpu < 0 || gpu >= m->n_gpus || used < 0 ||
		    json_is_null(gi) != json_is_null(ci) ||
		    (!json_is_null(gi) && (!json_is_integer(gi) || !json_is_integer(ci))))
			return bad(p, "process #%zu is malformed", i);
		pr->pid = (unsigned)pid;
		pr->gpu = (unsigned)gpu;
		pr->used_mib = (unsigned long long)used;
		pr->gi = pr->ci = NVML_VALUE_NOT_AVAILABLE_UINT;
		if (!json_is_null(gi)) {
			struct sim_gi *g = NULL;
			json_int_t gv = json_integer_value(gi), cv = json_integer_value(ci);
			if (gv >= 0 && gv < SIM_MAX_GIS)
				g = sim_gi_find(&m->gpus[pr->gpu], (unsigned)gv);
			if (!g || cv < 0 || cv >= SIM_MAX_CIS || !sim_ci_find(g, (unsigned)cv))
				return bad(p, "process %u runs on a MIG device that does not exist", pr->pid);
			pr->gi = (unsigned)gv;
			pr->ci = (unsigned)cv;
		}
		m->n_procs++;
	}
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_faults(struct parse *p, json_t *faults, struct sim_machine *m)
{
	size_t i;
	json_t *o;

	if (json_array_size(faults) > SIM_MAX_FAULTS)
		return bad(p, "more than %d faults", SIM_MAX_FAULTS);
	json_array_foreach(faults, i, o) {
		struct sim_fault *f = &m->faults[m->n_faults];
		const char *call;
		int error, remaining;
		json_int_t skip = 0;
		/* "skip" is optional: states from before it load with 0. */
		enum migctl_err rc = unpack(p, o, "fault", "{s:s,s:i,s:i,s?I}", "call", &call,
					    "error", &error, "remaining", &remaining,
					    "skip", &skip);
		if (rc)
			return rc;
		if (!*call || strlen(call) >= sizeof(f->call) ||
		    (error <= 0 && error != SIM_FAULT_KILL) || remaining == 0 ||
		    skip < 0 || skip > INT_MAX)
			return bad(p, "fault #%zu is malformed", i);
		snprintf(f->call, sizeof(f->call), "%s", call);
		f->error = error;
		f->remaining = remaining;
		f->skip = (int)skip;
		m->n_faults++;
	}
	return MIGCTL_ERR_OK;
}

/* Parse into `m`. If `m->catalog` is already loaded it is kept when the
 * machine names the same catalog file (a reload need not re-read YAML). */
/* The machine's catalog: the one already loaded (`kept`, taken over) when
 * the state names the same file, else the built-in one plus that file. */
static enum migctl_err machine_catalog(struct parse *p, struct sim_machine *m,
				       struct migctl_catalog *kept, const char *kept_file)
{
	struct migctl_error cerr;
	enum migctl_err rc;

	if (kept->n_models > 0 && strcmp(kept_file, m->catalog_file) == 0) {
		m->catalog = *kept;
		migctl_catalog_init(kept);
		return MIGCTL_ERR_OK;
	}
	rc = migctl_catalog_load_builtin(&m->catalog, &cerr);
	if (rc == MIGCTL_ERR_OK && m->catalog_file[0])
		rc = migctl_catalog_load_file(&m->catalog, m->catalog_file, &cerr);
	/* Only the file's name and the kind of error: a state may name any
	 * file as its catalog, and its content is not ours to show. */
	if (rc)
		return bad(p, "its GPU catalog %s does not load (%s); check it with "
			   "'migctl --catalog FILE catalog list'",
			   m->catalog_file[0] ? m->catalog_file : "(built-in)", migctl_err_name(rc));
	return MIGCTL_ERR_OK;
}

static enum migctl_err parse_machine(struct sim_machine *m, const char *text, size_t len,
				     struct parse *p)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	const char *format = NULL, *catalog_file = "", *driver = SIM_DRIVER_VERSION;
	json_int_t version = 0, generation = 0;
	int non_root = 0;
	json_t *gpus = NULL, *procs = NULL, *faults = NULL, *events = NULL;
	struct migctl_catalog kept = m->catalog;
	char kept_file[sizeof(m->catalog_file)];
	enum migctl_err rc;
	size_t i;
	json_t *o;

	snprintf(kept_file, sizeof(kept_file), "%s", m->catalog_file);
	memset(m, 0, sizeof(*m));
	migctl_catalog_init(&m->catalog);
	if (!root) {
		rc = bad(p, "line %d: %s", je.line, je.text);
		goto out;
	}
	/* Check the format and version first, so that a newer state is named
	 * as such instead of as a list of unknown keys. */
	if (json_unpack(root, "{s:s,s:I}", "format", &format, "version", &version) ||
	    strcmp(format, "migsim-machine") != 0) {
		rc = bad(p, "not a migsim machine file");
		goto out;
	}
	if (version != SIM_FORMAT_VERSION) {
		rc = migctl_fail(p->err, MIGCTL_ERR_STATE,
				 "%s: state format version %lld, this migsim reads version %d; %s",
				 p->origin, (long long)version, SIM_FORMAT_VERSION,
				 version > SIM_FORMAT_VERSION
				 ? "it was written by a newer migsim: use that one, or 'migsim init' to start over"
				 : "run 'migsim init' to start a fresh machine");
		goto out;
	}
	/* "driver" is optional: states written before it ran the default. */
	rc = unpack(p, root, "machine", "{s:s,s:I,s:I,s:b,s?s,s:s,s:o,s:o,s:o,s?o}",
		    "format", &format, "version", &version, "generation", &generation,
		    "non_root", &non_root, "driver", &driver, "catalog_file", &catalog_file,
		    "gpus", &gpus, "processes", &procs, "faults", &faults,
		    "events", &events);
	if (rc)
		goto out;
	if (!json_is_array(gpus) || !json_is_array(procs) || !json_is_array(faults) ||
	    json_array_size(gpus) == 0 || json_array_size(gpus) > SIM_MAX_GPUS ||
	    strlen(catalog_file) >= sizeof(m->catalog_file) || generation < 0) {
		rc = bad(p, "the machine needs 1 to %d GPUs and well-formed lists", SIM_MAX_GPUS);
		goto out;
	}
	struct sim_driver drv;
	if (!sim_driver_parse(driver, &drv)) {
		rc = bad(p, "driver \"%s\" is not one the simulator models (%s)", driver,
			 sim_driver_branches);
		goto out;
	}
	m->generation = (uint64_t)generation;
	m->non_root = non_root;
	snprintf(m->driver, sizeof(m->driver), "%s", driver);
	snprintf(m->catalog_file, sizeof(m->catalog_file), "%s", catalog_file);

	if ((rc = machine_catalog(p, m, &kept, kept_file)))
		goto out;
	json_array_foreach(gpus, i, o) {
		if ((rc = parse_gpu(p, o, m, (unsigned)i)))
			goto out;
		/* NVML clients find GPUs by UUID; two alike would alias. */
		for (size_t k = 0; k < i; k++)
			if (strcmp(m->gpus[k].uuid, m->gpus[i].uuid) == 0) {
				rc = bad(p, "GPUs %zu and %zu have the same UUID %s", k, i,
					 m->gpus[i].uuid);
				goto out;
			}
		m->n_gpus++;
	}
	if ((rc = parse_procs(p, procs, m)) || (rc = parse_faults(p, faults, m)))
		goto out;
	if (events && (rc = parse_events(p, events, m)))
		goto out;
out:
	migctl_catalog_release(&kept);
	if (rc)
		migctl_catalog_release(&m->catalog);
	json_decref(root);
	return rc;
}

enum migctl_err sim_machine_from_json(struct sim_machine *m, const char *text,
				      size_t len, const char *origin,
				      struct migctl_error *err)
{
	struct parse p = {origin, err};
	migctl_catalog_init(&m->catalog);
	m->catalog_file[0] = '\0';
	return parse_machine(m, text, len, &p);
}

/* --- files --------------------------------------------------------------- */

/* Read the whole of `fd` (named `path` in messages). */
static enum migctl_err read_fd(int fd, const char *path, char **text, size_t *len,
			       struct migctl_error *err)
{
	struct stat st;
	size_t done = 0;

	*text = NULL;
	if (fstat(fd, &st) != 0 || st.st_size > (16 << 20))
		return migctl_fail(err, MIGCTL_ERR_STATE, "%s is not a plausible state file", path);
	*text = malloc((size_t)st.st_size + 1);
	if (!*text)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory reading %s", path);
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, *text + done, (size_t)st.st_size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	(*text)[done] = '\0';
	*len = done;
	return MIGCTL_ERR_OK;
}

/* Under the exclusive lock. The generation goes up first: a writer
 * killed after that costs the other processes one needless look at the
 * file, while one killed between its rename and a later bump would leave
 * them reading the old machine. */
static enum migctl_err write_atomically(const char *dir, const struct sim_machine *m,
					struct migctl_error *err)
{
	char tmp[600], path[600];
	char *text = sim_machine_to_json(m);
	enum migctl_err rc = MIGCTL_ERR_OK;
	int fd = -1;

	if (!text)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory saving the machine");
	if (!sim_gen_bump(dir)) {
		free(text);
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot count a change in %s/" LOCK_FILE
				   ": %s", dir, strerror(errno));
	}
	snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%ld", dir, (long)getpid());
	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	unlink(tmp); /* a leftover of a killed writer with a reused pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t len = strlen(text), done = 0;
	while (fd >= 0 && done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (fd < 0 || done != len || fsync(fd) != 0 || close(fd) != 0) {
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = migctl_fail(err, MIGCTL_ERR_IO, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* Make the rename itself durable. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	free(text);
	return rc;
}

/* Temporary files of writers that were killed before their rename. */
static void remove_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[800];
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/* --- per-process cache --------------------------------------------------- */

/* The last machine this process loaded, and the identity of the file it
 * came from. The file is kept open so that its inode cannot be reused by a
 * later state file, which makes (device, inode) a reliable identity. */
static struct {
	struct sim_machine *m;
	char dir[512];
	int fd;
	dev_t dev;
	ino_t ino;
	/* The shared generation (sim/generation.c) when `m` was last known
	 * to be the file's content, read under a lock. */
	uint64_t gen;
	bool gen_known;
} cache = {.fd = -1};

static void cache_drop(void)
{
	if (cache.m) {
		sim_machine_release(cache.m);
		free(cache.m);
	}
	if (cache.fd >= 0)
		close(cache.fd);
	cache.m = NULL;
	cache.fd = -1;
	cache.dir[0] = '\0';
	cache.gen_known = false;
}

void sim_forget(void)
{
	cache_drop();
	sim_gen_unmap();
}

/* Load DIR/machine.json through the cache. */
static enum migctl_err load(const char *dir, struct sim_machine **out,
			    struct migctl_error *err)
{
	char path[600];
	struct stat st;
	enum migctl_err rc;

	snprintf(path, sizeof(path), "%s/" STATE_FILE, dir);
	if (stat(path, &st) != 0)
		return migctl_fail(err, errno == ENOENT ? MIGCTL_ERR_NOT_FOUND : MIGCTL_ERR_IO,
				   "cannot read %s: %s", path, strerror(errno));
	if (cache.m && strcmp(cache.dir, dir) == 0 && cache.dev == st.st_dev &&
	    cache.ino == st.st_ino) {
		*out = cache.m;
		return MIGCTL_ERR_OK;
	}

	char *text;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return migctl_fail(err, errno == ELOOP ? MIGCTL_ERR_STATE : MIGCTL_ERR_IO,
				   "cannot read %s: %s", path, errno == ELOOP ?
				   "it is a symbolic link" : strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return migctl_fail(err, MIGCTL_ERR_STATE, "%s is not a regular file", path);
	}
	if ((rc = read_fd(fd, path, &text, &len, err))) {
		free(text);
		close(fd);
		return rc;
	}
	struct sim_machine *m = calloc(1, sizeof(*m));
	struct parse p = {path, err};
	if (!m) {
		rc = migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory loading %s", path);
	} else {
		/* Reuse the cached catalog: parse_machine keeps it if it fits. */
		if (cache.m) {
			m->catalog = cache.m->catalog;
			snprintf(m->catalog_file, sizeof(m->catalog_file), "%s", cache.m->catalog_file);
			migctl_catalog_init(&cache.m->catalog);
		}
		rc = parse_machine(m, text, len, &p);
	}
	free(text);
	cache_drop();
	if (rc) {
		free(m);
		close(fd);
		return rc;
	}
	cache.m = m;
	cache.fd = fd;
	cache.dev = st.st_dev;
	cache.ino = st.st_ino;
	snprintf(cache.dir, sizeof(cache.dir), "%s", dir);
	*out = m;
	return MIGCTL_ERR_OK;
}

/* Forget processes whose PID no longer exists (a killed `migsim exec`). */
static void prune_processes(struct sim_machine *m)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < m->n_procs; i++) {
		if (kill((pid_t)m->procs[i].pid, 0) != 0 && errno == ESRCH)
			continue;
		m->procs[kept++] = m->procs[i];
	}
	m->n_procs = kept;
}

static enum migctl_err create_default(const char *dir, struct migctl_error *err)
{
	struct sim_machine *m = calloc(1, sizeof(*m));
	enum migctl_err rc;

	if (!m)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory");
	migctl_catalog_init(&m->catalog);
	rc = migctl_catalog_load_builtin(&m->catalog, err);
	if (rc == MIGCTL_ERR_OK) {
		struct sim_gpu_spec spec = {
			migctl_catalog_find_model(&m->catalog, DEFAULT_MODEL, err), DEFAULT_COUNT};
		rc = spec.model ? sim_machine_build(m, &spec, 1, 0, false, err)
				: MIGCTL_ERR_INTERNAL;
	}
	if (rc == MIGCTL_ERR_OK)
		rc = write_atomically(dir, m, err);
	if (rc == MIGCTL_ERR_OK)
		sim_driver_root_sync(dir, m, NULL); /* best effort: the state is written */
	sim_machine_release(m);
	free(m);
	return rc;
}

/* Whether `dir` holds only what a migsim directory holds (or nothing), so
 * that a state path such as /etc is never written into. */
static bool migsim_dir_or_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool ok = true, ours = false;

	if (!d)
		return true; /* the open below reports it */
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (strcmp(e->d_name, STATE_FILE) == 0 || strcmp(e->d_name, LOCK_FILE) == 0)
			ours = true;
		else if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0 &&
			 strncmp(e->d_name, "migctl", 6) != 0 && /* its lock, its journal */
			 strcmp(e->d_name, SIM_DRIVER_ROOT) != 0)
			ok = false;
	}
	closedir(d);
	return ok || ours;
}

/* The state directory must be a directory of the user (not a link), that
 * no one else can write to: the default one under /tmp may have been
 * created by another user to plant links or read the state. */
static enum migctl_err check_dir(const char *dir, struct migctl_error *err)
{
	struct stat st;

	if (lstat(dir, &st) != 0)
		return migctl_fail(err, errno == ENOENT ? MIGCTL_ERR_STATE : MIGCTL_ERR_IO,
				   "cannot use state directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return migctl_fail(err, MIGCTL_ERR_STATE,
				   "state directory %s is %s; remove it or give another "
				   "with MIGSIM_STATE", dir, !S_ISDIR(st.st_mode)
				   ? "not a directory" : st.st_uid != geteuid()
				   ? "owned by another user" : "writable by other users");
	/* A directory with a state is a migsim one: no need to list it on
	 * every call (which slowed concurrent clients down). */
	char state[600];
	snprintf(state, sizeof(state), "%s/" STATE_FILE, dir);
	if (lstat(state, &st) == 0)
		return MIGCTL_ERR_OK;
	if (!migsim_dir_or_empty(dir))
		return migctl_fail(err, MIGCTL_ERR_STATE,
				   "%s is neither empty nor a migsim state directory; give "
				   "another with MIGSIM_STATE", dir);
	return MIGCTL_ERR_OK;
}

static enum migctl_err lock_dir(const char *dir, int op, bool create, int *fd_out,
				struct migctl_error *err)
{
	char path[600];
	int fd;
	enum migctl_err rc;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot create state directory %s: %s",
				   dir, strerror(errno));
	struct stat st;
	if ((create || lstat(dir, &st) == 0) && (rc = check_dir(dir, err)))
		return rc;
	snprintf(path, sizeof(path), "%s/" LOCK_FILE, dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return migctl_fail(err, errno == ENOENT ? MIGCTL_ERR_STATE : MIGCTL_ERR_IO,
				   "cannot open %s: %s%s", path, strerror(errno),
				   errno == ENOENT ? "; run 'migsim init' to create a machine" : "");
	while (flock(fd, op) != 0) {
		if (errno == EINTR)
			continue;
		close(fd);
		return migctl_fail(err, MIGCTL_ERR_IO, "cannot lock %s: %s", path, strerror(errno));
	}
	if (sim_gen_map(dir, fd))
		cache.gen_known = false;
	*fd_out = fd;
	return MIGCTL_ERR_OK;
}

enum migctl_err sim_open(struct sim_session *s, const char *dir,
			 enum sim_lock mode, bool create_default_machine,
			 struct migctl_error *err)
{
	enum migctl_err rc;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->mode = mode;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	/* The fast path: nothing changed since this process last looked
	 * under a lock, so its copy is the file's content; no lock, no
	 * system call (but one kill(pid, 0) per registered process). */
	uint64_t gen;
	if (mode == SIM_SHARED && cache.m && cache.gen_known && strcmp(cache.dir, dir) == 0 &&
	    sim_gen_read(dir, &gen) && gen == cache.gen) {
		s->m = cache.m;
		prune_processes(s->m);
		return MIGCTL_ERR_OK;
	}
	rc = lock_dir(dir, mode == SIM_EXCLUSIVE ? LOCK_EX : LOCK_SH,
		      create_default_machine, &s->lock_fd, err);
	if (rc)
		return rc;
	rc = load(dir, &s->m, err);
	if (rc == MIGCTL_ERR_NOT_FOUND && create_default_machine) {
		/* First use: create the default machine under an exclusive
		 * lock, then go back to the mode asked for. */
		if (mode == SIM_SHARED)
			flock(s->lock_fd, LOCK_EX);
		rc = load(dir, &s->m, err);
		if (rc == MIGCTL_ERR_NOT_FOUND) {
			rc = create_default(dir, err);
			if (rc == MIGCTL_ERR_OK)
				rc = load(dir, &s->m, err);
		}
		if (mode == SIM_SHARED)
			flock(s->lock_fd, LOCK_SH);
	} else if (rc == MIGCTL_ERR_NOT_FOUND) {
		rc = migctl_fail(err, MIGCTL_ERR_STATE,
				 "no simulated machine in %s; run 'migsim init' to create one", dir);
	}
	if (rc) {
		sim_close(s);
		return rc;
	}
	/* Under the lock, so no writer moves it between the load and here. */
	cache.gen_known = sim_gen_read(dir, &cache.gen);
	if (mode == SIM_EXCLUSIVE)
		remove_stale_temps(dir);
	prune_processes(s->m);
	return MIGCTL_ERR_OK;
}

enum migctl_err sim_commit(struct sim_session *s, struct migctl_error *err)
{
	enum migctl_err rc;

	if (s->mode != SIM_EXCLUSIVE || !s->m)
		return migctl_fail(err, MIGCTL_ERR_INTERNAL,
				   "internal: the state was changed without an exclusive lock");
	s->m->generation++;
	rc = write_atomically(s->dir, s->m, err);
	/* The driver's files follow every change; the state is the truth, so
	 * a failure to write them does not undo the commit. */
	if (rc == MIGCTL_ERR_OK)
		sim_driver_root_sync(s->dir, s->m, NULL);
	/* Re-identify the cache with the file just written (keeps the catalog). */
	if (rc == MIGCTL_ERR_OK) {
		char path[600];
		struct stat st;
		int fd;
		snprintf(path, sizeof(path), "%s/" STATE_FILE, s->dir);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0) {
			close(cache.fd);
			cache.fd = fd;
			cache.dev = st.st_dev;
			cache.ino = st.st_ino;
			cache.gen_known = sim_gen_read(s->dir, &cache.gen);
			s->committed = true;
			return MIGCTL_ERR_OK;
		}
		if (fd >= 0)
			close(fd);
	}
	cache_drop();
	s->m = NULL;
	return rc ? rc : migctl_fail(err, MIGCTL_ERR_IO, "cannot reopen the state in %s", s->dir);
}

void sim_close(struct sim_session *s)
{
	/* Uncommitted changes must not survive in the cache. */
	if (s->mode == SIM_EXCLUSIVE && s->m && !s->committed)
		cache_drop();
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	s->m = NULL;
}

enum migctl_err sim_store_new(const char *dir, const struct sim_machine *m,
			      struct migctl_error *err)
{
	int fd;
	enum migctl_err rc = lock_dir(dir, LOCK_EX, true, &fd, err);

	if (rc)
		return rc;
	cache_drop();
	remove_stale_temps(dir);
	rc = write_atomically(dir, m, err);
	if (rc == MIGCTL_ERR_OK) {
		sim_driver_root_reset(dir, true); /* a new machine, a new node */
		sim_driver_root_sync(dir, m, NULL); /* best effort: the state is written */
	}
	close(fd);
	return rc;
}
