/* lib/util/suggest.c — "did you mean": close names by edit distance or by
 * a case-insensitive substring, for mistyped commands, models and
 * profiles. */
#include "util/suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define KEY_MAX 64

void mu_suggest_init(struct mu_suggest *s, const char *query)
{
	memset(s, 0, sizeof(*s));
	s->query = query;
}

unsigned mu_edit_distance(const char *a, const char *b, unsigned cap)
{
	unsigned row[KEY_MAX + 1];
	size_t la = strnlen(a, KEY_MAX - 1), lb = strnlen(b, KEY_MAX - 1);

	/* The distance is at least the difference in length: most candidates
	 * are settled without the table (a mistyped model is compared with
	 * every name and alias of the catalog). */
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0], best;
		row[0] = (unsigned)i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) !=
					tolower((unsigned char)b[j - 1]);
			unsigned v = diag + cost;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

/* Lower case without separators: "NVIDIA A100-SXM4-40GB" -> "nvidiaa100sxm440gb". */
static void squash(const char *in, char *out)
{
	size_t n = 0;
	for (; *in && n < KEY_MAX - 1; in++)
		if (!strchr("-_ .", *in))
			out[n++] = (char)tolower((unsigned char)*in);
	out[n] = '\0';
}

/* Whether every word of `query` (split at separators) is in `cand`
 * (squashed). */
static bool words_in(const char *query, const char *cand)
{
	char word[KEY_MAX], c[KEY_MAX];
	size_t n = 0, words = 0;

	squash(cand, c);
	for (const char *p = query;; p++) {
		if (*p && !strchr("-_ .", *p)) {
			if (n < KEY_MAX - 1)
				word[n++] = (char)tolower((unsigned char)*p);
			continue;
		}
		if (n) {
			word[n] = '\0';
			if (!strstr(c, word))
				return false;
			words++;
			n = 0;
		}
		if (!*p)
			return words > 1;
	}
}

/* How close `cand` is to the query, lower is closer: 0 the same but for
 * case and separators, 1 one contains the other, 2 it holds every word of
 * the query, 3..5 an edit distance of 1..3; -1 not close. */
static int closeness(const char *query, const char *cand)
{
	char q[KEY_MAX], c[KEY_MAX];
	size_t lq;
	unsigned cap, d;

	squash(query, q);
	squash(cand, c);
	lq = strlen(q);
	if (!lq || !c[0])
		return -1;
	if (strcmp(q, c) == 0)
		return 0;
	if (lq >= 2 && (strstr(c, q) || strstr(q, c)))
		return 1;
	if (words_in(query, cand))
		return 2;
	cap = (unsigned)(lq / 3);
	if (cap < 1)
		cap = 1;
	if (cap > 3)
		cap = 3;
	d = mu_edit_distance(query, cand, cap);
	if (d > cap)
		d = mu_edit_distance(q, c, cap);
	return d <= cap ? 2 + (int)d : -1;
}

void mu_suggest_add(struct mu_suggest *s, const char *candidate)
{
	mu_suggest_add_keyed(s, candidate, candidate);
}

void mu_suggest_add_keyed(struct mu_suggest *s, const char *key, const char *candidate)
{
	int score = closeness(s->query, key);
	size_t at;

	if (score < 0)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (strcasecmp(s->found[i], candidate) == 0) {
			if ((unsigned)score >= s->score[i])
				return;
			/* closer through another key: move it up */
			s->n--;
			memmove(&s->found[i], &s->found[i + 1], (s->n - i) * sizeof(s->found[0]));
			memmove(&s->score[i], &s->score[i + 1], (s->n - i) * sizeof(s->score[0]));
			break;
		}
	/* Keep the list sorted by score, stable for equal scores. */
	for (at = s->n; at > 0 && s->score[at - 1] > (unsigned)score; at--)
		;
	if (at == MU_SUGGEST_MAX)
		return;
	if (s->n == MU_SUGGEST_MAX)
		s->n--;
	memmove(&s->found[at + 1], &s->found[at], (s->n - at) * sizeof(s->found[0]));
	memmove(&s->score[at + 1], &s->score[at], (s->n - at) * sizeof(s->score[0]));
	s->found[at] = candidate;
	s->score[at] = (unsigned)score;
	s->n++;
}

size_t mu_suggest_format(const struct mu_suggest *s, char quote, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < s->n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == s->n ? " or " : ", ";
		int w = snprintf(buf + used, len - used, "%s%c%s%c", sep, quote, s->found[i], quote);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return s->n;
}
