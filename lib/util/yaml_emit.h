/* migctl internal — YAML output through libyaml's emitter.
 *
 * Every YAML document migctl writes (export, config generate, plan -o
 * config) goes through here, so quoting and escaping are libyaml's and
 * cannot produce a file that does not read back.
 *
 * The writer emits block style with an indent of 2 and no line wrapping.
 * libyaml 0.2.5 writes a block sequence that is the value of a mapping
 * key without indenting it ("key:\n- a"); mig-parted's files and migctl's
 * output have always indented it ("key:\n  - a"), which is the same YAML.
 * mu_yemit_end re-indents those sequences, line by line, in the finished
 * text (block output has one node per line, so this is exact).
 */
#ifndef MIGCTL_UTIL_YAML_EMIT_H
#define MIGCTL_UTIL_YAML_EMIT_H

#include <stdbool.h>
#include <yaml.h>

#include "migctl/error.h"
#include "util/strbuf.h"

struct mu_yemit {
	yaml_emitter_t e;
	struct mu_strbuf out;         /* what the emitter wrote so far */
	bool failed;                  /* an emit failed; mu_yemit_end reports it */
	bool bad_utf8;                /* ... because a value was not UTF-8: */
	char bad_value[48];           /* its valid beginning, for the message */
};

enum mu_yscalar {
	MU_YPLAIN,                    /* as is (libyaml quotes it if it must) */
	MU_YQUOTED,                   /* "double quoted" */
};

/* Start a document; `comment` (NULL for none) is written first, as is:
 * it must be whole lines, each starting with '#'. */
enum migctl_err mu_yemit_begin(struct mu_yemit *w, const char *comment,
			       struct migctl_error *err);
void mu_yemit_scalar(struct mu_yemit *w, const char *text, enum mu_yscalar style);
__attribute__((format(printf, 3, 4)))
void mu_yemit_scalarf(struct mu_yemit *w, enum mu_yscalar style, const char *fmt, ...);
void mu_yemit_map_start(struct mu_yemit *w, bool flow);
void mu_yemit_map_end(struct mu_yemit *w);
void mu_yemit_seq_start(struct mu_yemit *w, bool flow);
void mu_yemit_seq_end(struct mu_yemit *w);
/* A comment line ("# " + text) after the value just emitted, at the
 * indentation of the block mapping being written. Only between a value
 * and the next key. */
void mu_yemit_comment(struct mu_yemit *w, const char *text);
/* End the document; the text goes to *out (malloc'ed, caller frees).
 * The writer is released either way. */
enum migctl_err mu_yemit_end(struct mu_yemit *w, char **out, struct migctl_error *err);
/* Release a writer without finishing it (after an error of the caller). */
void mu_yemit_abort(struct mu_yemit *w);

#endif
