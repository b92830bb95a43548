/* migctl — internal: what lib/exposition.c and lib/exposition_dcgm.c
 * share: the text builder and the label sets in dcgm-exporter's order
 * (gpu, UUID, pci_bus_id, device, modelName [, GPU_I_PROFILE, GPU_I_ID],
 * then the suffix: Hostname, DCGM_FI_DRIVER_VERSION). Not installed. */
#ifndef MIGCTL_EXPOSITION_IMPL_H
#define MIGCTL_EXPOSITION_IMPL_H

#include <stdarg.h>

#include "migctl/exposition.h"
#include "util/strbuf.h"

/* Room for one label set: escaped names and UUIDs stay far below it. */
#define EXPO_LABELS 1024

void expo_printf(struct mu_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The # HELP and # TYPE lines of a metric family. */
void expo_family(struct mu_strbuf *b, const char *name, const char *type, const char *help);
/* gpu, UUID, pci_bus_id, device, modelName and, with a `gi_profile`,
 * GPU_I_PROFILE and GPU_I_ID; values escaped. */
void expo_labels(char *dst, size_t len, unsigned index, const char *uuid, const char *bus_id,
		 unsigned minor, const char *model, const char *gi_profile, unsigned gi_id);
void expo_gpu_labels(char *dst, size_t len, const struct migctl_gpu_state *gpu);
void expo_gi_labels(char *dst, size_t len, const struct migctl_gpu_state *gpu,
		    const struct migctl_gi_state *gi);
/* ",Hostname=\"h\",DCGM_FI_DRIVER_VERSION=\"v\"" (parts omitted when unknown). */
void expo_suffix(char *dst, size_t len, const struct migctl_node *node,
		 const struct migctl_expo_info *info);
/* The sampler's DCGM fields (lib/exposition_dcgm.c). */
void expo_render_dcgm(struct mu_strbuf *b, const struct migctl_sample *sample,
		      const struct migctl_node *node, const char *sfx);

#endif
