/* migctl — internal: the built-in catalog as C tables, generated at build
 * time by tools/catalog_gen.c from data/catalog/ YAML files (into
 * build/gen/builtin_catalog.c) and copied into a catalog by
 * migctl_catalog_load_builtin (lib/catalog_builtin.c). The generator
 * validates the YAML with lib/catalog.c, so these tables are what that
 * parser gives for the files; they are read-only. */
#ifndef MIGCTL_BUILTIN_H
#define MIGCTL_BUILTIN_H

#include <stddef.h>

#include "migctl/catalog.h"

extern const struct migctl_gpu_model migctl_builtin_models[];
extern const size_t migctl_builtin_model_count;

#endif
