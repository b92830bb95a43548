/* migctl — the built-in catalog: a copy of the compiled tables.
 *
 * The tables (lib/builtin.h) are generated from data/catalog/ YAML files at
 * build time, so a process starts without parsing YAML. The catalog gets
 * its own heap copy of every model, because a catalog owns its models:
 * `--catalog FILE` may replace one, and release frees them all.
 */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "migctl/catalog.h"

/* Copy `src`'s GI and CI tables into `dst` (already a copy of the scalar
 * fields). On failure `dst` holds what was copied, for the caller's
 * release, and n_gi counts it. */
static bool copy_profiles(struct migctl_gpu_model *dst, const struct migctl_gpu_model *src)
{
	dst->gi = calloc(src->n_gi, sizeof(*dst->gi));
	dst->n_gi = 0;
	if (!dst->gi)
		return false;
	for (size_t g = 0; g < src->n_gi; g++) {
		const struct migctl_gi_profile *sg = &src->gi[g];
		struct migctl_gi_profile *dg = &dst->gi[g];
		*dg = *sg;
		dg->ci = malloc(sg->n_ci * sizeof(*dg->ci));
		if (!dg->ci)
			return false;
		memcpy(dg->ci, sg->ci, sg->n_ci * sizeof(*dg->ci));
		dst->n_gi++;
	}
	return true;
}

enum migctl_err migctl_catalog_load_builtin(struct migctl_catalog *cat,
					    struct migctl_error *err)
{
	size_t n = migctl_builtin_model_count;

	migctl_catalog_init(cat);
	cat->models = calloc(n, sizeof(*cat->models));
	if (!cat->models)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct migctl_gpu_model *m = &cat->models[i];
		*m = migctl_builtin_models[i];
		cat->n_models++; /* counted before the copy: release frees a partial one */
		if (!copy_profiles(m, &migctl_builtin_models[i]))
			goto nomem;
	}
	return MIGCTL_ERR_OK;
nomem:
	migctl_catalog_release(cat);
	return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory loading the built-in catalog");
}
