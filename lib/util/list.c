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
