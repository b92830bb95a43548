/* migctl — internal: the NVML binding (lib/nvml.c), the only code that
 * calls NVML. It loads libnvidia-ml.so.1 (or the library a caller names)
 * with dlopen, resolves the newest version of each symbol it uses and
 * falls back to older names where the driver lacks the newer one. Symbols
 * a driver lacks entirely are NULL; callers report the feature as
 * unavailable (NVML_ERROR_FUNCTION_NOT_FOUND from the wrappers). */
#ifndef MIGCTL_NVML_H
#define MIGCTL_NVML_H

#include "migctl/error.h"
#include "nvml_entries.h"

struct migctl_nvml;

/* Load `path` (NULL: "libnvidia-ml.so.1") and call nvmlInit. If
 * `sim_state` is non-NULL and the library is the simulator, it is told
 * that state directory (migsimSetStateDir) before nvmlInit; other
 * libraries ignore it. On failure MIGCTL_ERR_NO_DRIVER (library absent)
 * or the mapped init error. */
enum migctl_err migctl_nvml_open(struct migctl_nvml **out, const char *path,
				 const char *sim_state, struct migctl_error *err);

/* nvmlShutdown and dlclose. */
void migctl_nvml_close(struct migctl_nvml *nv);

/* The migctl error for an NVML return code. */
enum migctl_err migctl_nvml_error(nvmlReturn_t rc);

/* nvmlErrorString through the loaded library (its own texts). */
const char *migctl_nvml_text(const struct migctl_nvml *nv, nvmlReturn_t rc);

/* The resolved entry points (lib/nvml_entries.h, NVML_BINDINGS): each is a
 * pointer to the newest version the library exports, or NULL. The binding
 * owns the table. */
struct migctl_nvml_api {
#define MIGCTL_NVML_API_FIELD(field, ...) NVML_FN(NVML_FIRST(__VA_ARGS__)) *field;
	NVML_BINDINGS(MIGCTL_NVML_API_FIELD)
#undef MIGCTL_NVML_API_FIELD
};

const struct migctl_nvml_api *migctl_nvml_api(const struct migctl_nvml *nv);

#endif
