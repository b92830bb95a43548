/* migctl — internal: the catalog files embedded at build time by
 * tools/embed.c (generated into build/gen/builtin_catalog.c). */
#ifndef MIGCTL_BUILTIN_H
#define MIGCTL_BUILTIN_H

#include <stddef.h>

struct migctl_builtin_file {
	const char *path;  /* "data/catalog/ampere.yaml" */
	const char *text;
	size_t len;
};

extern const struct migctl_builtin_file migctl_builtin_catalog[];
extern const size_t migctl_builtin_catalog_count;

#endif
