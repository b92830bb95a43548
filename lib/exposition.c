/* migctl — the Prometheus text exposition of a node (migctl/exposition.h):
 * label sets in dcgm-exporter's order, the memory and capacity metrics
 * that the node's own read gives, the exporter's counters, and the
 * parser of --listen. The sampler's DCGM fields are in
 * lib/exposition_dcgm.c. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "exposition_impl.h"
#include "migctl/geometry.h"

/* --- text ---------------------------------------------------------------- */

void expo_printf(struct mu_strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mu_sb_vprintf(b, fmt, ap);
	va_end(ap);
}

/* A label value with Prometheus' escapes: backslash, quote, newline. */
static void put_value(char *dst, size_t len, const char *src)
{
	size_t o = 0;

	for (; *src && o + 3 < len; src++) {
		char c = *src;
		if (c == '\\' || c == '"' || c == '\n') {
			dst[o++] = '\\';
			c = c == '\n' ? 'n' : c;
		}
		dst[o++] = c;
	}
	dst[o] = '\0';
}

void expo_family(struct mu_strbuf *b, const char *name, const char *type, const char *help)
{
	expo_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void expo_labels(char *dst, size_t len, unsigned index, const char *uuid, const char *bus_id,
		 unsigned minor, const char *model, const char *gi_profile, unsigned gi_id)
{
	char u[200], bus[80], m[200], prof[80];
	int n;

	put_value(u, sizeof(u), uuid);
	put_value(bus, sizeof(bus), bus_id);
	put_value(m, sizeof(m), model);
	n = snprintf(dst, len, "gpu=\"%u\",UUID=\"%s\",pci_bus_id=\"%s\",device=\"nvidia%u\",modelName=\"%s\"",
		     index, u, bus, minor, m);
	if (gi_profile && n > 0 && (size_t)n < len) {
		put_value(prof, sizeof(prof), gi_profile);
		snprintf(dst + n, len - (size_t)n, ",GPU_I_PROFILE=\"%s\",GPU_I_ID=\"%u\"", prof, gi_id);
	}
}

/* The labels of a GPU: gpu, UUID, pci_bus_id, device, modelName. */
void expo_gpu_labels(char *dst, size_t len, const struct migctl_gpu_state *gpu)
{
	expo_labels(dst, len, gpu->index, gpu->uuid, gpu->bus_id, gpu->minor, gpu->name, NULL, 0);
}

/* A GPU instance adds its profile name and NVML GI ID. */
void expo_gi_labels(char *dst, size_t len, const struct migctl_gpu_state *gpu,
		    const struct migctl_gi_state *gi)
{
	expo_labels(dst, len, gpu->index, gpu->uuid, gpu->bus_id, gpu->minor, gpu->name,
		    gi->profile ? gi->profile->name : "", gi->id);
}

void expo_suffix(char *dst, size_t len, const struct migctl_node *node,
		 const struct migctl_expo_info *info)
{
	char host[200] = "", drv[120];
	size_t o = 0;

	if (info->hostname)
		put_value(host, sizeof(host), info->hostname);
	put_value(drv, sizeof(drv), node->driver_version);
	dst[0] = '\0';
	if (info->hostname)
		o = (size_t)snprintf(dst, len, ",Hostname=\"%s\"", host);
	if (drv[0] && o < len)
		snprintf(dst + o, len - o, ",DCGM_FI_DRIVER_VERSION=\"%s\"", drv);
}

/* --- memory (DCGM_FI_DEV_FB_*) --------------------------------------------
 * dcgm-exporter reports a MIG GPU per GPU instance; a GI's memory is what
 * its MIG devices report (every CI of a GI shares the GI's memory). A GI
 * without a CI has no MIG device, so nothing to report. */

static void render_fb(struct mu_strbuf *b, const struct migctl_node *node, const char *sfx,
		      bool used)
{
	char lab[EXPO_LABELS];

	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		if (!g->mig_current) {
			if (!g->memory_total_mib)
				continue;
			expo_gpu_labels(lab, sizeof(lab), g);
			uint64_t v = used ? g->memory_used_mib
					  : g->memory_total_mib - g->memory_used_mib;
			expo_printf(b, "%s{%s%s} %" PRIu64 "\n",
				    used ? "DCGM_FI_DEV_FB_USED" : "DCGM_FI_DEV_FB_FREE", lab, sfx, v);
			continue;
		}
		for (size_t j = 0; j < g->n_gis; j++) {
			const struct migctl_gi_state *gi = &g->gis[j];
			if (!gi->n_cis || !gi->cis[0].memory_total_mib)
				continue;
			const struct migctl_ci_state *c = &gi->cis[0];
			expo_gi_labels(lab, sizeof(lab), g, gi);
			uint64_t v = used ? c->memory_used_mib : c->memory_total_mib - c->memory_used_mib;
			expo_printf(b, "%s{%s%s} %" PRIu64 "\n",
				    used ? "DCGM_FI_DEV_FB_USED" : "DCGM_FI_DEV_FB_FREE", lab, sfx, v);
		}
	}
}

/* --- capacity ------------------------------------------------------------- */

static void render_profiles(struct mu_strbuf *b, const struct migctl_node *node,
			    const char *sfx, bool placements)
{
	char lab[EXPO_LABELS], prof[80];

	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		struct migctl_grid grid;
		struct migctl_slot slots[MIGCTL_NODE_MAX_GIS];

		if (!g->mig_current)
			continue;
		migctl_grid_of_model(&grid, &g->model);
		size_t n = migctl_gpu_gi_slots(&grid, g, slots);
		expo_gpu_labels(lab, sizeof(lab), g);
		for (size_t k = 0; k < g->model.n_gi && k < MIGCTL_MAX_PROFILES; k++) {
			const struct migctl_gi_profile *gp = &g->model.gi[k];
			int gk = migctl_grid_profile_index(&grid, gp->id);
			size_t v = g->gi_free[k];
			if (placements)
				v = gk < 0 ? 0 : migctl_grid_free_placements(&grid, slots, n,
									     (size_t)gk, NULL, 0);
			put_value(prof, sizeof(prof), gp->name);
			expo_printf(b, "%s{%s,profile=\"%s\",profile_id=\"%u\"%s} %zu\n",
				    placements ? "migctl_gi_profile_free_placements"
					       : "migctl_gi_profile_remaining",
				    lab, prof, gp->id, sfx, v);
		}
	}
}

/* The largest profile (compute slices, then memory) that can still be
 * created; its slices, 0 with profile="" when nothing fits. */
static void render_largest(struct mu_strbuf *b, const struct migctl_node *node, const char *sfx)
{
	char lab[EXPO_LABELS], prof[80];

	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		const struct migctl_gi_profile *best = NULL;

		if (!g->mig_current)
			continue;
		for (size_t k = 0; k < g->model.n_gi && k < MIGCTL_MAX_PROFILES; k++) {
			const struct migctl_gi_profile *gp = &g->model.gi[k];
			if (!g->gi_free[k])
				continue;
			if (!best || gp->compute_slices > best->compute_slices ||
			    (gp->compute_slices == best->compute_slices &&
			     gp->memory_mib > best->memory_mib))
				best = gp;
		}
		expo_gpu_labels(lab, sizeof(lab), g);
		put_value(prof, sizeof(prof), best ? best->name : "");
		expo_printf(b, "migctl_largest_free_profile_slices{%s,profile=\"%s\"%s} %u\n", lab,
			    prof, sfx, best ? best->compute_slices : 0);
	}
}

static bool ci_in_use(const struct migctl_ci_state *c)
{
	return c->n_procs > 0;
}

/* GIs and CIs by state. Every state is rendered, 0 included, so that a
 * series does not come and go with the layout. */
static void render_instances(struct mu_strbuf *b, const struct migctl_node *node, const char *sfx)
{
	char lab[EXPO_LABELS];

	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		unsigned gi_busy = 0, gi_idle = 0, gi_empty = 0, ci_busy = 0, ci_idle = 0;

		if (!g->mig_current)
			continue;
		for (size_t j = 0; j < g->n_gis; j++) {
			const struct migctl_gi_state *gi = &g->gis[j];
			bool busy = false;
			for (size_t c = 0; c < gi->n_cis; c++) {
				busy |= ci_in_use(&gi->cis[c]);
				ci_busy += ci_in_use(&gi->cis[c]);
				ci_idle += !ci_in_use(&gi->cis[c]);
			}
			if (!gi->n_cis)
				gi_empty++;
			else if (busy)
				gi_busy++;
			else
				gi_idle++;
		}
		expo_gpu_labels(lab, sizeof(lab), g);
		expo_printf(b,
			    "migctl_instances{%s,level=\"gi\",state=\"in_use\"%s} %u\n"
			    "migctl_instances{%s,level=\"gi\",state=\"idle\"%s} %u\n"
			    "migctl_instances{%s,level=\"gi\",state=\"empty\"%s} %u\n"
			    "migctl_instances{%s,level=\"ci\",state=\"in_use\"%s} %u\n"
			    "migctl_instances{%s,level=\"ci\",state=\"idle\"%s} %u\n",
			    lab, sfx, gi_busy, lab, sfx, gi_idle, lab, sfx, gi_empty,
			    lab, sfx, ci_busy, lab, sfx, ci_idle);
	}
}

static void render_mig_mode(struct mu_strbuf *b, const struct migctl_node *node, const char *sfx,
			    bool pending)
{
	char lab[EXPO_LABELS];

	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		if (!g->mig_capable)
			continue;
		expo_gpu_labels(lab, sizeof(lab), g);
		expo_printf(b, "%s{%s%s} %d\n", pending ? "migctl_mig_mode_pending" : "migctl_mig_mode",
			    lab, sfx, pending ? g->mig_pending != g->mig_current : g->mig_current);
	}
}

/* Processes per GI (MIG) or per GPU. */
static void render_procs(struct mu_strbuf *b, const struct migctl_node *node, const char *sfx)
{
	char lab[EXPO_LABELS];

	for (size_t i = 0; i < node->n_gpus; i++) {
		const struct migctl_gpu_state *g = &node->gpus[i];
		if (g->procs_unknown)
			continue;
		if (!g->mig_current) {
			expo_gpu_labels(lab, sizeof(lab), g);
			expo_printf(b, "migctl_processes{%s%s} %zu\n", lab, sfx, g->n_procs);
			continue;
		}
		for (size_t j = 0; j < g->n_gis; j++) {
			size_t n = 0;
			for (size_t c = 0; c < g->gis[j].n_cis; c++)
				n += g->gis[j].cis[c].n_procs;
			expo_gi_labels(lab, sizeof(lab), g, &g->gis[j]);
			expo_printf(b, "migctl_processes{%s%s} %zu\n", lab, sfx, n);
		}
	}
}

static void render_self(struct mu_strbuf *b, const struct migctl_node *node,
			const struct migctl_expo_info *info, const char *host_sfx)
{
	expo_family(b, "migctl_exporter_samples_total", "counter", "Samples the exporter has taken since it started.");
	expo_printf(b, "migctl_exporter_samples_total{%s} %" PRIu64 "\n", host_sfx, info->samples);
	expo_family(b, "migctl_exporter_node_errors_total", "counter",
		    "Samples in which the node could not be read at all (NVML failed to count the GPUs).");
	expo_printf(b, "migctl_exporter_node_errors_total{%s} %" PRIu64 "\n", host_sfx, info->node_errors);
	expo_family(b, "migctl_exporter_gpu_errors_total", "counter",
		    "GPUs left out of a sample because NVML failed on them; their metrics are dropped from that sample.");
	expo_printf(b, "migctl_exporter_gpu_errors_total{%s} %" PRIu64 "\n", host_sfx, info->gpu_errors);
	expo_family(b, "migctl_exporter_gpus", "gauge", "GPUs in this sample.");
	expo_printf(b, "migctl_exporter_gpus{%s} %zu\n", host_sfx, node->n_gpus);
	expo_family(b, "migctl_exporter_gpus_dropped", "gauge", "GPUs left out of this sample (NVML errors).");
	expo_printf(b, "migctl_exporter_gpus_dropped{%s} %u\n", host_sfx, info->gpus_dropped);
	expo_family(b, "migctl_exporter_sample_duration_seconds", "gauge",
		    "Time the last sample took (NVML reads and rendering).");
	expo_printf(b, "migctl_exporter_sample_duration_seconds{%s} %f\n", host_sfx, info->sample_seconds);
	if (info->timestamp > 0) {
		expo_family(b, "migctl_exporter_last_sample_timestamp_seconds", "gauge",
			    "When the last sample was taken (Unix time).");
		expo_printf(b, "migctl_exporter_last_sample_timestamp_seconds{%s} %.3f\n", host_sfx,
			    info->timestamp);
	}
}

static void render_all(struct mu_strbuf *b, const struct migctl_node *node,
		       const struct migctl_expo_info *info)
{
	char sfx[EXPO_LABELS], host[EXPO_LABELS] = "", hv[200];

	expo_suffix(sfx, sizeof(sfx), node, info);
	if (info->hostname) {
		put_value(hv, sizeof(hv), info->hostname);
		snprintf(host, sizeof(host), "Hostname=\"%s\"", hv);
	}
	if (info->sample) {
		expo_render_dcgm(b, info->sample, node, sfx);
	} else {
		expo_family(b, "DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB); per GPU instance on a MIG GPU.");
		render_fb(b, node, sfx, false);
		expo_family(b, "DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB); per GPU instance on a MIG GPU.");
		render_fb(b, node, sfx, true);
	}
	expo_family(b, "migctl_mig_mode", "gauge", "1 if MIG mode is enabled on the GPU.");
	render_mig_mode(b, node, sfx, false);
	expo_family(b, "migctl_mig_mode_pending", "gauge", "1 if a MIG mode change waits for a GPU reset.");
	render_mig_mode(b, node, sfx, true);
	expo_family(b, "migctl_gi_profile_free_placements", "gauge",
		    "Placements at which a GPU instance of the profile could be created now.");
	render_profiles(b, node, sfx, true);
	expo_family(b, "migctl_gi_profile_remaining", "gauge",
		    "How many more GPU instances of the profile fit (nvidia-smi mig -lgip Free).");
	render_profiles(b, node, sfx, false);
	expo_family(b, "migctl_largest_free_profile_slices", "gauge",
		    "Compute slices of the largest GPU instance profile that still fits (label profile; 0 and profile=\"\" when none does).");
	render_largest(b, node, sfx);
	expo_family(b, "migctl_instances", "gauge",
		    "GPU instances (level=gi: in_use, idle, empty = no compute instance) and compute instances (level=ci: in_use, idle) by state.");
	render_instances(b, node, sfx);
	expo_family(b, "migctl_processes", "gauge", "Compute processes per GPU instance (MIG) or per GPU.");
	render_procs(b, node, sfx);
	render_self(b, node, info, host);
}

enum migctl_err migctl_exposition_render(struct migctl_exposition *out,
					 const struct migctl_node *node,
					 const struct migctl_expo_info *info,
					 struct migctl_error *err)
{
	/* The builder takes over the buffer, so its memory is reused. */
	struct mu_strbuf b = {.p = out->text, .len = 0, .cap = out->cap};

	if (b.p)
		b.p[0] = '\0';
	render_all(&b, node, info);
	if (b.oom) {
		mu_sb_release(&b);
		out->text = NULL;
		out->len = out->cap = 0;
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory rendering the metrics");
	}
	if (!b.p)
		mu_sb_append(&b, "", 0);
	out->text = b.p;
	out->len = b.len;
	out->cap = b.cap;
	return MIGCTL_ERR_OK;
}

void migctl_exposition_release(struct migctl_exposition *out)
{
	free(out->text);
	out->text = NULL;
	out->len = out->cap = 0;
}

/* --- --listen ---------------------------------------------------------- */

enum migctl_err migctl_listen_parse(const char *text, struct migctl_listen *out,
				    struct migctl_error *err)
{
	const char *colon, *host = text, *port;
	size_t hlen;
	char *end = NULL;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "listen address '%s': an IPv6 address is written [ADDR]:PORT, e.g. [::1]:9400",
					   text);
		host = text + 1;
		hlen = (size_t)(close - host);
		port = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "listen address '%s' has no port; write ADDR:PORT, e.g. 127.0.0.1:9400",
					   text);
		hlen = (size_t)(colon - text);
		port = colon + 1;
		if (memchr(text, ':', hlen))
			return migctl_fail(err, MIGCTL_ERR_USAGE,
					   "listen address '%s': an IPv6 address is written [ADDR]:PORT, e.g. [::1]:9400",
					   text);
	}
	if (hlen == 0)
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "listen address '%s' has no address; write 127.0.0.1%s for loopback only or 0.0.0.0%s for every interface",
				   text, port - 1, port - 1);
	if (hlen >= sizeof(out->host))
		return migctl_fail(err, MIGCTL_ERR_USAGE, "listen address '%s': the address is too long", text);
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	unsigned long p = port[0] >= '0' && port[0] <= '9' ? strtoul(port, &end, 10) : 0;
	if (!p || p > 65535 || *end)
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "listen address '%s': the port must be a number from 1 to 65535", text);
	out->port = (unsigned)p;
	if (inet_pton(AF_INET, out->host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, out->host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return migctl_fail(err, MIGCTL_ERR_USAGE,
				   "listen address '%s': '%s' is not a numeric IPv4 or IPv6 address (IPv6 goes in brackets: [::1]:9400)",
				   text, out->host);
	return MIGCTL_ERR_OK;
}

/* --- Accept-Encoding -------------------------------------------------------- */

/* Whether a weight ("q=0.5") is above 0: "1", "1.0", "0.001" are, "0",
 * "0.000" and anything malformed are not (plain text always works). */
static bool weight_positive(const char *p, const char *end)
{
	if (p < end && *p == '1')
		return true;
	if (p >= end || *p != '0')
		return false;
	for (p++; p < end && *p != ' ' && *p != '\t'; p++)
		if (*p >= '1' && *p <= '9')
			return true;
	return false;
}

/* One element of the list, "gzip;q=0.5": its weight is above 0. */
static bool element_wanted(const char *p, const char *end)
{
	while ((p = memchr(p, ';', (size_t)(end - p))) != NULL) {
		p++;
		p += strspn(p, " \t");
		if (p + 2 <= end && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return weight_positive(p + 2, end);
	}
	return true;
}

bool migctl_accepts_gzip(const char *accept_encoding)
{
	bool star = false;

	for (const char *p = accept_encoding; p && *p;) {
		const char *end = p + strcspn(p, ",");
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t;,");
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			return element_wanted(p, end);
		if (n == 1 && *p == '*')
			star = element_wanted(p, end);
		p = *end ? end + 1 : end;
	}
	return star;
}
