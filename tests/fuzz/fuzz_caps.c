/* libFuzzer target: the parsers of the driver's files (lib/caps.c):
 * proc/driver/nvidia-caps/mig-minors, capability files, proc/devices and
 * proc/driver/nvidia/params. The same bytes go to each. None may crash or
 * read past the input (it is not NUL-terminated); errors must be the
 * documented codes; what mig-minors yields is in range and every minor
 * found makes a node whose path names that minor. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl/caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct migctl_caps caps;

static void check_minors(void)
{
	const struct migctl_caps_minors *m = &caps.minors;
	struct migctl_caps_node n;
	struct migctl_error err;
	char want[64];

	for (unsigned g = 0; g < MIGCTL_CAPS_MAX_GPUS; g++)
		for (unsigned i = 0; i < MIGCTL_CAPS_MAX_GIS; i++)
			for (unsigned c = 0; c < MIGCTL_CAPS_MAX_CIS; c++) {
				int minor = m->ci[g][i][c];
				if (minor < -1 || minor > (1 << 20) - 1)
					abort();
				/* Absent entries are the rule: check one of them. */
				if (minor < 0 && (g | i | c) != 0)
					continue;
				enum migctl_err rc = migctl_caps_node(&caps, MIGCTL_CAPS_CI, g, i, c,
								      &n, &err);
				if ((minor < 0) != (rc == MIGCTL_ERR_NOT_FOUND) ||
				    (minor >= 0 && rc != MIGCTL_ERR_OK))
					abort();
				snprintf(want, sizeof(want), "/dev/nvidia-caps/nvidia-cap%d", minor);
				if (minor >= 0 && strcmp(n.path, want) != 0)
					abort();
			}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct migctl_capfile f;
	struct migctl_caps_params p;
	struct migctl_error err;
	enum migctl_err rc;
	unsigned major;

	/* The bytes live in a heap buffer of exactly `size`: ASan catches a
	 * read past the end. */
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, text, size);

	rc = migctl_caps_minors_parse(copy, size, "fuzz", &caps.minors, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE)
		abort();
	if (rc == MIGCTL_ERR_OK)
		check_minors();
	rc = migctl_caps_capfile_parse(copy, size, "fuzz", &f, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE)
		abort();
	if (rc == MIGCTL_ERR_OK && (f.mode > 07777 || f.minor > (1u << 20) - 1))
		abort();
	rc = migctl_caps_devices_major(copy, size, "fuzz", "nvidia-caps", &major, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE && rc != MIGCTL_ERR_NOT_FOUND)
		abort();
	if (rc == MIGCTL_ERR_OK && major > 4095)
		abort();
	rc = migctl_caps_params_parse(copy, size, "fuzz", &p, &err);
	if (rc != MIGCTL_ERR_OK && rc != MIGCTL_ERR_PARSE)
		abort();
	free(copy);
	return 0;
}
