/* migctl internal — the one comma-list splitter.
 *
 * Command-line values such as "-i 0,1", "--demand 1g.10gb=3,2g.20gb=1"
 * and "-cgi 9,14" are lists of items separated by commas; blanks around
 * an item do not count. Every list in the tree is split here, so that an
 * empty item (",," or a trailing comma) means the same everywhere.
 */
#ifndef MIGCTL_UTIL_LIST_H
#define MIGCTL_UTIL_LIST_H

#include <stdbool.h>
#include <stddef.h>

enum mu_list_item {
	MU_LIST_END = 0,              /* no more items */
	MU_LIST_ITEM = 1,             /* `item` holds the next one */
	MU_LIST_EMPTY = -1,           /* an empty item (only blanks) */
	MU_LIST_LONG = -2,            /* an item of `cap` bytes or more */
};

/* The next item of the list at *p, without the blanks (spaces, tabs)
 * around it, into `item` (`cap` bytes, NUL-terminated). *p moves past the
 * item and its comma; it becomes NULL after the last item, and a NULL *p
 * is the end. For an empty or overlong item, `item` holds what fitted
 * (empty for an empty one) and the walk can go on past it. */
enum mu_list_item mu_list_next(const char **p, char *item, size_t cap);

/* Number of items of `list` (commas + 1; 0 for NULL). */
size_t mu_list_count(const char *list);

/* Remove blanks (spaces, tabs) around `s`, in place. */
void mu_trim(char *s);

/* A whole number in 0..max written in decimal digits only (no sign, no
 * blanks) into *out; false, *out untouched, for anything else. */
bool mu_parse_count(const char *s, unsigned long max, unsigned *out);

#endif
