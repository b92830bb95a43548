/* libFuzzer target: demand files and --demand lists of `migctl plan`
 * (lib/demand.c). The same bytes are read as a demand file and as a
 * --demand list. Neither may crash or leak; errors must be documented
 * codes; every item read has a profile, a count within the planner's
 * limit and, from a file, the line it came from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/catalog.h"
#include "migctl/demand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct migctl_catalog cat;
static int loaded;

static void check_items(const struct migctl_demand *d, int from_file)
{
	if (d->n > MIGCTL_DEMAND_MAX)
		abort();
	for (size_t i = 0; i < d->n; i++)
		if (!d->items[i].profile || d->items[i].count > MIGCTL_PLAN_MAX_COUNT ||
		    (from_file ? d->lines[i] == 0 : d->lines[i] != 0))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migctl_demand d;
	struct migctl_error err;
	enum migctl_err rc;

	if (!loaded) {
		migctl_catalog_init(&cat);
		if (migctl_catalog_load_builtin(&cat, &err))
			abort();
		loaded = 1;
	}
	migctl_demand_init(&d);
	rc = migctl_demand_parse(&d, "fuzz", (const char *)data, size, &cat, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_UNKNOWN_MODEL &&
	    rc != MIGCTL_ERR_NOMEM)
		abort();
	check_items(&d, 1);
	migctl_demand_release(&d);

	char *list = malloc(size + 1);
	if (!list)
		return 0;
	memcpy(list, data, size);
	list[size] = '\0';
	rc = migctl_demand_parse_list(&d, list, &cat, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_USAGE && rc != MIGCTL_ERR_UNKNOWN_MODEL &&
	    rc != MIGCTL_ERR_NOMEM)
		abort();
	check_items(&d, 0);
	migctl_demand_release(&d);
	free(list);
	return 0;
}
