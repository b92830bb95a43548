/* libFuzzer target: the catalog YAML loader (migctl_catalog_load_buffer).
 * Whatever the input, loading must not crash or leak, must leave the
 * catalog unchanged on error, and must report an error code it documents. */
#include <stdint.h>
#include <stdlib.h>

#include "migctl/catalog.h"
#include "migctl/geometry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migctl_catalog cat;
	struct migctl_error err;

	migctl_catalog_init(&cat);
	enum migctl_err rc = migctl_catalog_load_buffer(&cat, "fuzz", (const char *)data,
							size, true, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_CATALOG &&
	    rc != MIGCTL_ERR_NOMEM)
		abort();
	if (rc != MIGCTL_ERR_OK && cat.n_models != 0)
		abort();
	/* A catalog that loads must be usable by the geometry engine. */
	for (size_t i = 0; i < cat.n_models; i++) {
		struct migctl_grid grid;
		struct migctl_placement p;
		migctl_grid_of_model(&grid, &cat.models[i]);
		for (size_t j = 0; j < grid.n_profiles; j++) {
			migctl_grid_remaining_capacity(&grid, NULL, 0, j);
			if (migctl_grid_choose_placement(&grid, NULL, 0, j, &p) == MIGCTL_ERR_OK &&
			    migctl_gi_id(grid.units, p, MIGCTL_GI_ID_IDENTITY) < 0)
				abort();
		}
	}
	migctl_catalog_release(&cat);
	return 0;
}
