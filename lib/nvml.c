/* migctl — the NVML binding: the only code that calls NVML (see nvml.h).
 *
 * The library is loaded with dlopen, never linked, so that migctl starts
 * (and can say what is wrong, or run on the simulator) on a host without
 * a driver. Every entry point is resolved once, newest name first; one
 * that the driver lacks stays NULL and callers treat it as a feature the
 * driver does not have.
 */
#include "nvml.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIB "libnvidia-ml.so.1"

/* dlsym returns an object pointer; POSIX guarantees that it converts to a
 * function pointer of the same size. */
_Static_assert(sizeof(void *) == sizeof(nvmlReturn_t (*)(void)),
	       "function pointers and void * differ in size");

struct migctl_nvml {
	void *dl;
	bool initialised;
	struct migctl_nvml_api api;
};

/* The first name in `names` (NULL-terminated) that the library exports. */
static void *resolve(void *dl, const char *const *names)
{
	for (; *names; names++) {
		void *p = dlsym(dl, *names);
		if (p)
			return p;
	}
	return NULL;
}

/* One NVML_BINDINGS line: refuse at compile time an older name whose type
 * differs from the newest's, then resolve the first name exported. */
#define SAME_TYPE(newest, name)                                                   \
	_Static_assert(__builtin_types_compatible_p(NVML_FN(newest), NVML_FN(name)), \
		       #name " has another signature than " #newest);
#define NAME_STR(ctx, name) #name,
#define RESOLVE(field, ...)                                                       \
	NVML_EACH(SAME_TYPE, NVML_FIRST(__VA_ARGS__), __VA_ARGS__)                    \
	{                                                                             \
		static const char *const names_[] = {                                 \
			NVML_EACH(NAME_STR, ~, __VA_ARGS__) NULL};                    \
		void *p_ = resolve(nv->dl, names_);                                   \
		memcpy(&nv->api.field, &p_, sizeof(p_));                              \
	}

static void resolve_all(struct migctl_nvml *nv)
{
	NVML_BINDINGS(RESOLVE)
}

#undef RESOLVE
#undef NAME_STR
#undef SAME_TYPE

enum migctl_err migctl_nvml_open(struct migctl_nvml **out, const char *path,
				 const char *sim_state, struct migctl_error *err)
{
	struct migctl_nvml *nv;
	enum migctl_err rc;
	nvmlReturn_t r;

	*out = NULL;
	if (!path || !*path)
		path = DEFAULT_LIB;
	nv = calloc(1, sizeof(*nv));
	if (!nv)
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory loading %s", path);

	dlerror();
	nv->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!nv->dl) {
		const char *why = dlerror();
		rc = migctl_fail(err, MIGCTL_ERR_NO_DRIVER,
				 "no NVIDIA driver: cannot load %s (%s); install the driver, or use --sim to run on the bundled simulator",
				 path, why ? why : "unknown reason");
		goto fail;
	}
	resolve_all(nv);
	if (!nv->api.Init || !nv->api.Shutdown) {
		rc = migctl_fail(err, MIGCTL_ERR_NO_DRIVER,
				 "%s is not an NVML library (it has no nvmlInit or nvmlShutdown); install the NVIDIA driver, or use --sim to run on the bundled simulator",
				 path);
		goto fail;
	}
	if (sim_state && nv->api.SimSetStateDir &&
	    (r = (nvmlReturn_t)nv->api.SimSetStateDir(sim_state)) != NVML_SUCCESS) {
		rc = migctl_fail(err, MIGCTL_ERR_STATE,
				 "the simulator in %s refuses the state directory %s: %s", path,
				 sim_state, migctl_nvml_text(nv, r));
		goto fail;
	}
	r = nv->api.Init();
	if (r != NVML_SUCCESS && nv->api.SimLastStateError &&
	    nv->api.SimLastStateError(err ? err->msg : NULL, err ? sizeof(err->msg) : 0)) {
		/* The simulator's state, not a driver: the README's exit 12. */
		rc = err ? err->code = MIGCTL_ERR_STATE : MIGCTL_ERR_STATE;
		goto fail;
	}
	if (r != NVML_SUCCESS) {
		rc = migctl_nvml_error(r);
		if (rc == MIGCTL_ERR_NO_DRIVER)
			migctl_fail(err, rc,
				    "no NVIDIA driver: NVML from %s cannot start: %s; load the driver (is the kernel module in place and matching?), or use --sim to run on the bundled simulator",
				    path, migctl_nvml_text(nv, r));
		else
			migctl_fail(err, rc, "cannot initialise NVML from %s: %s", path,
				    migctl_nvml_text(nv, r));
		goto fail;
	}
	nv->initialised = true;
	*out = nv;
	return MIGCTL_ERR_OK;

fail:
	if (nv->dl)
		dlclose(nv->dl);
	free(nv);
	return rc;
}

void migctl_nvml_close(struct migctl_nvml *nv)
{
	if (!nv)
		return;
	if (nv->initialised && nv->api.Shutdown)
		nv->api.Shutdown();
	if (nv->dl)
		dlclose(nv->dl);
	free(nv);
}

enum migctl_err migctl_nvml_error(nvmlReturn_t rc)
{
	switch (rc) {
	case NVML_SUCCESS:
		return MIGCTL_ERR_OK;
	case NVML_ERROR_NO_PERMISSION:
		return MIGCTL_ERR_NO_PERMISSION;
	case NVML_ERROR_IN_USE:
		return MIGCTL_ERR_BUSY;
	case NVML_ERROR_INSUFFICIENT_RESOURCES:
		return MIGCTL_ERR_INSUFFICIENT_RESOURCES;
	case NVML_ERROR_NOT_SUPPORTED:
	case NVML_ERROR_FUNCTION_NOT_FOUND: /* the driver lacks the feature */
		return MIGCTL_ERR_NOT_SUPPORTED;
	case NVML_ERROR_NOT_FOUND:
		return MIGCTL_ERR_NOT_FOUND;
	case NVML_ERROR_RESET_REQUIRED:
		return MIGCTL_ERR_RESET_REQUIRED;
	case NVML_ERROR_DRIVER_NOT_LOADED:
	case NVML_ERROR_LIBRARY_NOT_FOUND:
	case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
		return MIGCTL_ERR_NO_DRIVER;
	case NVML_ERROR_MEMORY:
		return MIGCTL_ERR_NOMEM;
	/* INVALID_ARGUMENT means an unknown profile or a bad placement
	 * depending on the call: node.c translates it in context. */
	case NVML_ERROR_INVALID_ARGUMENT:
	case NVML_ERROR_UNINITIALIZED:
	case NVML_ERROR_ALREADY_INITIALIZED:
	case NVML_ERROR_INSUFFICIENT_SIZE:
	case NVML_ERROR_INSUFFICIENT_POWER:
	case NVML_ERROR_TIMEOUT:
	case NVML_ERROR_IRQ_ISSUE:
	case NVML_ERROR_CORRUPTED_INFOROM:
	case NVML_ERROR_GPU_IS_LOST:
	case NVML_ERROR_OPERATING_SYSTEM:
	case NVML_ERROR_NO_DATA:
	case NVML_ERROR_VGPU_ECC_NOT_SUPPORTED:
	case NVML_ERROR_FREQ_NOT_SUPPORTED:
	case NVML_ERROR_ARGUMENT_VERSION_MISMATCH:
	case NVML_ERROR_DEPRECATED:
	case NVML_ERROR_NOT_READY:
	case NVML_ERROR_GPU_NOT_FOUND:
	case NVML_ERROR_INVALID_STATE:
	case NVML_ERROR_RESET_TYPE_NOT_SUPPORTED:
	case NVML_ERROR_UNKNOWN:
	default:
		return MIGCTL_ERR_NVML;
	}
}

/* NVML's texts (nvml_abi.h), for codes the library does not know and for
 * when no library is loaded. */
static const char *builtin_text(nvmlReturn_t rc)
{
	switch (rc) {
#define TEXT_CASE(code, text) \
	case code:            \
		return text;
		NVML_ERROR_STRINGS(TEXT_CASE)
#undef TEXT_CASE
	default:
		return "Unknown Error";
	}
}

const char *migctl_nvml_text(const struct migctl_nvml *nv, nvmlReturn_t rc)
{
	const char *s = NULL;

	if (nv && nv->api.ErrorString)
		s = nv->api.ErrorString(rc);
	return s && *s ? s : builtin_text(rc);
}

const struct migctl_nvml_api *migctl_nvml_api(const struct migctl_nvml *nv)
{
	return &nv->api;
}
