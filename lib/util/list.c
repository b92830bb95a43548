/* migctl internal — the comma-list splitter (see list.h). */
#include "util/list.h"

#include <string.h>

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

enum mu_list_item mu_list_next(const char **p, char *item, size_t cap)
{
	const char *s = *p;
	const char *end;
	size_t len;

	if (!s)
		return MU_LIST_END;
	end = strchr(s, ',');
	len = end ? (size_t)(end - s) : strlen(s);
	while (len && blank(*s))
		s++, len--;
	while (len && blank(s[len - 1]))
		len--;
	*p = end ? end + 1 : NULL;
	if (cap)
		item[0] = '\0';
	if (len == 0)
		return MU_LIST_EMPTY;
	if (len >= cap) {
		if (cap) {
			memcpy(item, s, cap - 1);
			item[cap - 1] = '\0';
		}
		return MU_LIST_LONG;
	}
	memcpy(item, s, len);
	item[len] = '\0';
	return MU_LIST_ITEM;
}

size_t mu_list_count(const char *list)
{
	size_t n = 1;

	if (!list)
		return 0;
	for (; *list; list++)
		n += *list == ',';
	return n;
}

void mu_trim(char *s)
{
	size_t len = strlen(s), k = 0;

	while (len && blank(s[len - 1]))
		s[--len] = '\0';
	while (blank(s[k]))
		k++;
	memmove(s, s + k, len - k + 1);
}

bool mu_parse_count(const char *s, unsigned long max, unsigned *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}
