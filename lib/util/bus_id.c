/* migctl internal — the PCI bus-ID grammar (see bus_id.h). */
#include "util/bus_id.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

/* 1 to `max` hex digits. */
static bool take_hex(const char **p, int max, unsigned long *out)
{
	unsigned long v = 0;
	int n = 0;

	while (isxdigit((unsigned char)**p)) {
		if (++n > max)
			return false;
		char c = (char)tolower((unsigned char)**p);
		v = v << 4 | (unsigned long)(isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10);
		(*p)++;
	}
	*out = v;
	return n > 0;
}

bool mu_bus_id_parse(const char *s, struct mu_bus_id *out)
{
	unsigned long dom = 0, bus, dev, fn;
	const char *p = s, *colon;

	if (!s || !(colon = strchr(s, ':')))
		return false;
	if (strchr(colon + 1, ':')) {
		if (!take_hex(&p, 8, &dom) || *p++ != ':')
			return false;
	}
	if (!take_hex(&p, 2, &bus) || *p++ != ':' || !take_hex(&p, 2, &dev) || dev > 0x1f ||
	    *p++ != '.' || !take_hex(&p, 1, &fn) || fn > 7 || *p != '\0')
		return false;
	out->domain = (uint32_t)dom;
	out->bus = (unsigned)bus;
	out->device = (unsigned)dev;
	out->function = (unsigned)fn;
	return true;
}

bool mu_bus_id_same(const char *a, const char *b)
{
	struct mu_bus_id x, y;

	return mu_bus_id_parse(a, &x) && mu_bus_id_parse(b, &y) && x.domain == y.domain &&
	       x.bus == y.bus && x.device == y.device && x.function == y.function;
}
