/* migctl internal — the string builder (see strbuf.h). */
#include "util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mu_sb_init(struct mu_strbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void mu_sb_release(struct mu_strbuf *b)
{
	free(b->p);
	mu_sb_init(b);
}

/* Room for `more` bytes and a NUL. */
static bool reserve(struct mu_strbuf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	char *np = realloc(b->p, cap);
	if (!np) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void mu_sb_append(struct mu_strbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void mu_sb_vprintf(struct mu_strbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (b->oom)
		return;
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

void mu_sb_printf(struct mu_strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mu_sb_vprintf(b, fmt, ap);
	va_end(ap);
}

char *mu_sb_take(struct mu_strbuf *b)
{
	char *p;

	if (b->oom || !reserve(b, 0)) {
		mu_sb_release(b);
		return NULL;
	}
	b->p[b->len] = '\0';
	p = b->p;
	mu_sb_init(b);
	return p;
}
