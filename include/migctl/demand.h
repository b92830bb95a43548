/* migctl — a demand for `migctl plan`: how many instances of which MIG
 * profiles, optionally tied to a GPU model, read from the command line
 * ("--demand 1g.10gb=13,A30/1g.6gb=2") or from a demand file:
 *
 *   demand:
 *     1g.10gb: 13                 # PROFILE: COUNT, for any model
 *     A100-SXM4-80GB:             # MODEL: {PROFILE: COUNT, ...}
 *       3g.40gb: 2
 *
 * (YAML, so JSON too). Items keep the order given; the result feeds
 * struct migctl_plan_request (items, n). Pure module: no I/O except
 * migctl_demand_load_file.
 */
#ifndef MIGCTL_DEMAND_H
#define MIGCTL_DEMAND_H

#include <stddef.h>

#include "migctl/catalog.h"
#include "migctl/error.h"
#include "migctl/planner.h"

#define MIGCTL_DEMAND_MAX 256

struct migctl_demand {
	struct migctl_plan_demand items[MIGCTL_DEMAND_MAX]; /* profile strings owned */
	unsigned long lines[MIGCTL_DEMAND_MAX]; /* line in the demand file; 0 from a list */
	size_t n;
};

void migctl_demand_init(struct migctl_demand *d);
void migctl_demand_release(struct migctl_demand *d);

/* Append the items of a --demand list "PROFILE=N,MODEL/PROFILE=N,...",
 * N a count up to MIGCTL_PLAN_MAX_COUNT, MODEL looked up in `cat` (which
 * may be NULL when the list names no model). MIGCTL_ERR_USAGE ("--demand:
 * ...") for a malformed item or too many items, the catalog's error for
 * an unknown model. On error `d` keeps the items before the bad one. */
enum migctl_err migctl_demand_parse_list(struct migctl_demand *d, const char *list,
					 const struct migctl_catalog *cat,
					 struct migctl_error *err);

/* Append the items of a demand file's text (`origin` names it in
 * messages, as ORIGIN:LINE). MIGCTL_ERR_PARSE for anything malformed,
 * the catalog's error (with ORIGIN:LINE) for an unknown model. */
enum migctl_err migctl_demand_parse(struct migctl_demand *d, const char *origin,
				    const char *text, size_t len,
				    const struct migctl_catalog *cat,
				    struct migctl_error *err);

/* The same from a file (MIGCTL_ERR_IO when it cannot be read). */
enum migctl_err migctl_demand_load_file(struct migctl_demand *d, const char *path,
					const struct migctl_catalog *cat,
					struct migctl_error *err);

#endif
