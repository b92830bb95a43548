/* migctl internal — the one PCI bus-ID grammar.
 *
 * NVML writes bus IDs as "00000000:07:00.0" (and the legacy form
 * "0000:07:00.0"); people write "07:00.0" or "7:0.0". All of them name
 * the same function, so a GPU given any way on the command line, in a
 * config or by the driver compares equal here.
 */
#ifndef MIGCTL_UTIL_BUS_ID_H
#define MIGCTL_UTIL_BUS_ID_H

#include <stdbool.h>
#include <stdint.h>

struct mu_bus_id {
	uint32_t domain;
	unsigned bus, device, function;
};

/* [DOMAIN:]BUS:DEVICE.FUNCTION in hex, any case: a domain of 1 to 8
 * digits (0 when absent), a bus of 1 or 2, a device of 1 or 2 (at most
 * 0x1f), a function of 1 (at most 7); nothing else, no blanks. False,
 * `out` untouched, for anything else. */
bool mu_bus_id_parse(const char *s, struct mu_bus_id *out);

/* Do `a` and `b` both parse and name the same function? */
bool mu_bus_id_same(const char *a, const char *b);

#endif
