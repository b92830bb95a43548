/* libFuzzer target: the simulator's state-file parser. Any input must be
 * rejected cleanly or yield a machine that serialises and parses back to
 * the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_machine *m = calloc(1, sizeof(*m)), *again = calloc(1, sizeof(*again));
	struct migctl_error err;

	if (!m || !again)
		abort();
	if (sim_machine_from_json(m, (const char *)data, size, "fuzz", &err) == MIGCTL_ERR_OK) {
		char *text = sim_machine_to_json(m);
		if (!text)
			abort();
		if (sim_machine_from_json(again, text, strlen(text), "fuzz-again", &err) != MIGCTL_ERR_OK)
			abort();
		char *text2 = sim_machine_to_json(again);
		if (!text2 || strcmp(text, text2) != 0)
			abort();
		free(text);
		free(text2);
		sim_machine_release(again);
		sim_machine_release(m);
	} else if (err.code != MIGCTL_ERR_STATE && err.code != MIGCTL_ERR_NOMEM) {
		abort();
	}
	free(m);
	free(again);
	return 0;
}
