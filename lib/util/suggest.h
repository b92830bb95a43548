/* lib/util/suggest.h — "did you mean": the names close to a mistyped one.
 * Internal helper layer (prefix mu_), shared by the library and the CLI. */
#ifndef MIGCTL_UTIL_SUGGEST_H
#define MIGCTL_UTIL_SUGGEST_H

#include <stddef.h>

/* At most this many suggestions are kept (the closest ones). */
#define MU_SUGGEST_MAX 8

/* Candidates offered for one query. The strings are borrowed: they must
 * outlive the struct. */
struct mu_suggest {
	const char *query;
	const char *found[MU_SUGGEST_MAX];
	unsigned score[MU_SUGGEST_MAX];    /* lower is closer */
	size_t n;
};

/* Start collecting suggestions for `query`. */
void mu_suggest_init(struct mu_suggest *s, const char *query);

/* Offer `candidate`: it is kept when it is close to the query, i.e. when
 * their edit distance, with or without case and the separators '-', '_',
 * ' ' and '.', is at most a third of the query's length (at least 1, at
 * most 3); or, ignoring case and separators, one contains the other; or
 * every separator-delimited word of the query is in it ("a100-40gb" and
 * "NVIDIA A100-SXM4-40GB"). Duplicates (ignoring case) are kept once. */
void mu_suggest_add(struct mu_suggest *s, const char *candidate);

/* The same, comparing the query with `key` but suggesting `shown` (a
 * model's alias as the key, its name as what is shown). */
void mu_suggest_add_keyed(struct mu_suggest *s, const char *key, const char *shown);

/* Write the suggestions, closest first, as "'a', 'b' or 'c'" (with `quote`
 * as the quote character) into `buf`; returns how many there are (0:
 * `buf` is ""). */
size_t mu_suggest_format(const struct mu_suggest *s, char quote, char *buf, size_t len);

/* Levenshtein distance between `a` and `b` ignoring case, capped at `cap`
 * (returned as cap + 1 when larger); strings longer than 63 characters
 * compare by their first 63. */
unsigned mu_edit_distance(const char *a, const char *b, unsigned cap);

#endif
