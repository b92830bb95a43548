/* migctl — Prometheus exposition of a node: what `migctl exporter` serves.
 *
 * One call renders the whole text exposition (format 0.0.4) of a node
 * that the caller has read: dcgm-exporter's metric names (DCGM_FI_*) and
 * labels (gpu, UUID, pci_bus_id, device, modelName, GPU_I_PROFILE,
 * GPU_I_ID, Hostname; reference/dcgm.md §3.3) for what the node knows,
 * plus migctl's own capacity metrics (free placements and remaining
 * capacity per GI profile, the largest profile that still fits, instances
 * by state) and the exporter's own counters. The exporter renders into a
 * buffer on its sampler thread and a scrape only copies that buffer.
 *
 * Pure: no NVML call, no I/O, no clock. The same node and info give the
 * same text.
 */
#ifndef MIGCTL_EXPOSITION_H
#define MIGCTL_EXPOSITION_H

#include <stddef.h>
#include <stdint.h>

#include "migctl/error.h"
#include "migctl/node.h"
#include "migctl/sample.h"

/* A text buffer the renderer reuses: its memory stays between renders.
 * Zero-initialise it; migctl_exposition_release frees it. */
struct migctl_exposition {
	char *text;                   /* NUL-terminated, `len` bytes */
	size_t len, cap;
};

/* What the exporter knows about itself, rendered as migctl_exporter_*. */
struct migctl_expo_info {
	const char *hostname;         /* the Hostname label; NULL: no label */
	uint64_t samples;             /* samples taken since start */
	uint64_t node_errors;         /* samples that could not read the node */
	uint64_t gpu_errors;          /* GPUs left out of a sample (NVML errors) */
	unsigned gpus_dropped;        /* GPUs left out of this sample */
	double sample_seconds;        /* how long this sample took */
	double timestamp;             /* when it was taken, Unix seconds; 0: omit */
	/* The sampler's sample of this node (migctl/sample.h), or NULL. With
	 * it every available value of every GPU and GI is rendered as
	 * DCGM_FI_<field name> (not-available values are left out, as
	 * dcgm-exporter leaves out blank ones); without it only the memory
	 * the node's own read gives (DCGM_FI_DEV_FB_FREE/USED). Borrowed. */
	const struct migctl_sample *sample;
};

/* Render the exposition of `node` (read by migctl_node_refresh or
 * migctl_node_refresh_tolerant) into `out`, replacing its text. Fails
 * only MIGCTL_ERR_NOMEM (the text is then empty). */
enum migctl_err migctl_exposition_render(struct migctl_exposition *out,
					 const struct migctl_node *node,
					 const struct migctl_expo_info *info,
					 struct migctl_error *err);

/* Free the text. */
void migctl_exposition_release(struct migctl_exposition *out);

/* --- the listen address of `migctl exporter --listen` --------------------- */

#define MIGCTL_LISTEN_DEFAULT "127.0.0.1:9400"

struct migctl_listen {
	char host[64];                /* a numeric IPv4 or IPv6 address */
	unsigned port;                /* 1..65535 */
	int family;                   /* AF_INET or AF_INET6 */
	unsigned char addr[16];       /* the address, network order */
};

/* Parse "ADDR:PORT" (IPv4 "127.0.0.1:9400", IPv6 "[::1]:9400"). Only
 * numeric addresses: a name would need a resolver at start-up. An empty
 * address (":9400", dcgm-exporter's default meaning every interface) is
 * refused with the two spellings to choose from, so that nobody exposes
 * the port by accident. MIGCTL_ERR_USAGE with a message naming the text. */
enum migctl_err migctl_listen_parse(const char *text, struct migctl_listen *out,
				    struct migctl_error *err);

/* Whether an HTTP Accept-Encoding value (RFC 9110 12.5.3; NULL: none)
 * takes gzip: "gzip" or "x-gzip" listed with a weight above 0, or else "*"
 * with one. A malformed weight counts as 0: plain text always works. */
bool migctl_accepts_gzip(const char *accept_encoding);

#endif
