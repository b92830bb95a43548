/* migctl internal — a growable string builder with printf-style appends.
 *
 * An allocation failure is remembered (oom) instead of reported at each
 * append, so that a writer appends freely and checks once at the end.
 */
#ifndef MIGCTL_UTIL_STRBUF_H
#define MIGCTL_UTIL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct mu_strbuf {
	char *p;                      /* NUL-terminated once anything was added */
	size_t len, cap;
	bool oom;                     /* an append failed; the text is incomplete */
};

/* An empty builder; `{0}` is one too. */
void mu_sb_init(struct mu_strbuf *b);
/* Free the text and empty the builder. */
void mu_sb_release(struct mu_strbuf *b);
/* Append `n` bytes of `s`. */
void mu_sb_append(struct mu_strbuf *b, const char *s, size_t n);
/* Append formatted text. */
__attribute__((format(printf, 2, 3)))
void mu_sb_printf(struct mu_strbuf *b, const char *fmt, ...);
void mu_sb_vprintf(struct mu_strbuf *b, const char *fmt, va_list ap);
/* The text, handed to the caller (free it), "" when nothing was added;
 * NULL, with the builder released, when an append ran out of memory. */
char *mu_sb_take(struct mu_strbuf *b);

#endif
