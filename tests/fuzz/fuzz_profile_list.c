/* libFuzzer target: command-line parsers that take user text — GPU model
 * lookup, GI profile lists ("9,3g.40gb,MIG 3g.40gb") and placement lists
 * ("{0,2,4}:2") — against the built-in catalog. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct migctl_catalog cat;
static bool loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migctl_error err;
	char *text = malloc(size + 1);
	size_t idx[MIGCTL_MAX_PROFILES], n;
	struct migctl_placement_set set;

	if (!loaded) {
		if (migctl_catalog_load_builtin(&cat, &err) != MIGCTL_ERR_OK)
			abort();
		loaded = true;
	}
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	migctl_catalog_find_model(&cat, text, &err);
	for (size_t i = 0; i < cat.n_models; i += 7) {
		const struct migctl_gpu_model *m = &cat.models[i];
		if (migctl_model_parse_gi_profile_list(m, text, idx, MIGCTL_MAX_PROFILES,
						       &n, &err) == MIGCTL_ERR_OK)
			for (size_t k = 0; k < n; k++)
				if (idx[k] >= m->n_gi)
					abort();
	}
	if (migctl_placement_set_parse(text, MIGCTL_MAX_UNITS, &set, &err) == MIGCTL_ERR_OK) {
		char buf[256];
		struct migctl_placement_set again;
		migctl_placement_set_format(&set, buf, sizeof(buf));
		/* Formatting and parsing again gives the same set. */
		if (migctl_placement_set_parse(buf, MIGCTL_MAX_UNITS, &again, &err) != MIGCTL_ERR_OK ||
		    memcmp(&set, &again, sizeof(set)) != 0)
			abort();
	}
	free(text);
	return 0;
}
