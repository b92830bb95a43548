/* libFuzzer target: the parser of `migsim exec --load` specs. Any input
 * must be rejected as a usage error or give fractions in 0..1. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	struct sim_load l;
	struct migctl_error err;

	if (!spec)
		abort();
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (sim_load_parse(spec, &l, &err) == MIGCTL_ERR_OK) {
		const double v[] = {l.sm, l.occupancy, l.tensor, l.fp64, l.fp32,
				    l.fp16, l.dram, l.pcie_tx, l.pcie_rx};
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			if (!(v[i] >= 0.0 && v[i] <= 1.0))
				abort();
	} else if (err.code != MIGCTL_ERR_USAGE) {
		abort();
	}
	free(spec);
	return 0;
}
