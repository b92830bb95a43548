/* migsim — the driver branches the simulator models (`migsim init
 * --driver`): the versions each reports through NVML, and the check of a
 * GPU model's minimum driver. Which entry points each branch exports is
 * the era column of lib/nvml_entries.h; build/sim-<branch>/ holds that
 * branch's library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* One release per branch, from transcripts where there are some: 515 and
 * 535 are the drivers of the seed walkthroughs (515.43.04 with CUDA 11.7,
 * 535.230.02 with CUDA 12.2), 450.80.02 is the first driver with MIG on
 * every A100 (reference mig-profiles.md §1), 580 is the simulator's
 * default. The CUDA version is the one each branch ships with. */
static const struct {
	unsigned branch;
	const char *release;
	int cuda;
} branches[] = {
	{450, "450.80.02", 11000},
	{515, "515.43.04", 11070},
	{535, "535.230.02", 12020},
	{SIM_NEWEST_BRANCH, SIM_DRIVER_VERSION, SIM_CUDA_VERSION},
};
#define N_BRANCHES (sizeof(branches) / sizeof(branches[0]))

const char sim_driver_branches[] = "450, 515, 535, 580";

/* Up to three dot-separated numbers; how many in *n. */
static bool parse_numbers(const char *s, unsigned long v[3], int *n)
{
	*n = 0;
	while (*n < 3) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		v[(*n)++] = strtoul(s, &end, 10);
		if (*end == '\0')
			return true;
		if (*end != '.')
			return false;
		s = end + 1;
	}
	return false;
}

bool sim_driver_parse(const char *text, struct sim_driver *out)
{
	unsigned long v[3];
	int n;

	if (!text || strlen(text) >= sizeof(out->version) || !parse_numbers(text, v, &n))
		return false;
	for (size_t i = 0; i < N_BRANCHES; i++) {
		if (v[0] != branches[i].branch)
			continue;
		out->branch = branches[i].branch;
		snprintf(out->version, sizeof(out->version), "%s",
			 n == 1 ? branches[i].release : text);
		out->cuda = branches[i].cuda;
		/* NVML's version is the CUDA major before the driver's. */
		snprintf(out->nvml, sizeof(out->nvml), "%d.%s", out->cuda / 1000, out->version);
		return true;
	}
	return false;
}

void sim_driver_of(const struct sim_machine *m, struct sim_driver *out)
{
	if (!sim_driver_parse(m->driver, out))
		sim_driver_parse(SIM_DRIVER_VERSION, out);
}

bool sim_driver_at_least(const char *version, const char *min_driver)
{
	unsigned long a[3] = {0}, b[3] = {0};
	int na, nb;

	if (!min_driver || !min_driver[0] || !parse_numbers(min_driver, b, &nb))
		return true;
	if (!parse_numbers(version, a, &na))
		return false;
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] > b[i];
	return true;
}
