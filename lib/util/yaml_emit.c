/* migctl internal — YAML output through libyaml's emitter (see
 * yaml_emit.h). */
#include "util/yaml_emit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_out(void *data, unsigned char *buf, size_t size)
{
	struct mu_strbuf *sb = data;

	mu_sb_append(sb, (const char *)buf, size);
	return !sb->oom;
}

/* Once an emit failed, later events are still initialized by the
 * callers; they are deleted here, as the emitter only frees what it
 * accepted (yaml_emitter_emit deletes a refused event itself). */
static void emit(struct mu_yemit *w, yaml_event_t *ev, int ok)
{
	if (ok && w->failed)
		yaml_event_delete(ev);
	else if (!ok || !yaml_emitter_emit(&w->e, ev))
		w->failed = true;
}

/* Length of the valid UTF-8 prefix of text (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), which is what libyaml accepts. */
static size_t utf8_valid_prefix(const unsigned char *text)
{
	size_t i = 0;

	while (text[i]) {
		unsigned c = text[i], n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1
			: c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 4;
		unsigned lo = 0x80, hi = 0xbf;

		if (n == 4)
			return i;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		for (unsigned k = 1; k <= n; k++) {
			unsigned b = text[i + k];
			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
				return i;
		}
		i += n + 1;
	}
	return i;
}

enum migctl_err mu_yemit_begin(struct mu_yemit *w, const char *comment,
			       struct migctl_error *err)
{
	yaml_event_t ev;

	memset(w, 0, sizeof(*w));
	if (!yaml_emitter_initialize(&w->e))
		return migctl_fail(err, MIGCTL_ERR_NOMEM, "out of memory writing YAML");
	yaml_emitter_set_output(&w->e, write_out, &w->out);
	yaml_emitter_set_indent(&w->e, 2);
	yaml_emitter_set_width(&w->e, -1);
	yaml_emitter_set_unicode(&w->e, 1);
	if (comment)
		mu_sb_printf(&w->out, "%s", comment);
	emit(w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	return MIGCTL_ERR_OK;
}

void mu_yemit_scalar(struct mu_yemit *w, const char *text, enum mu_yscalar style)
{
	yaml_event_t ev;
	bool plain = style == MU_YPLAIN;
	size_t valid = utf8_valid_prefix((const unsigned char *)text);

	if (text[valid] && !w->failed) {
		/* Name the value: it is the caller's input (a label, a file
		 * name), and libyaml would only refuse the event. */
		snprintf(w->bad_value, sizeof(w->bad_value), "%.*s",
			 (int)(valid < 40 ? valid : 40), text);
		w->failed = w->bad_utf8 = true;
		return;
	}
	emit(w, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text,
						 (int)strlen(text), plain, 1,
						 plain ? YAML_PLAIN_SCALAR_STYLE
						       : YAML_DOUBLE_QUOTED_SCALAR_STYLE));
}

void mu_yemit_scalarf(struct mu_yemit *w, enum mu_yscalar style, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mu_yemit_scalar(w, buf, style);
}

void mu_yemit_map_start(struct mu_yemit *w, bool flow)
{
	yaml_event_t ev;

	emit(w, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

void mu_yemit_map_end(struct mu_yemit *w)
{
	yaml_event_t ev;

	emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

void mu_yemit_seq_start(struct mu_yemit *w, bool flow)
{
	yaml_event_t ev;

	emit(w, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

void mu_yemit_seq_end(struct mu_yemit *w)
{
	yaml_event_t ev;

	emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

void mu_yemit_comment(struct mu_yemit *w, const char *text)
{
	/* A value that closes its node has been written out whole (libyaml
	 * holds back only collection starts); it ends without a newline, and
	 * the emitter starts its next line itself, as the column is past the
	 * indentation. libyaml has no comment events; its current indentation
	 * (a field of yaml_emitter_t, in yaml.h) places the line. */
	if (w->failed || !yaml_emitter_flush(&w->e)) {
		w->failed = true;
		return;
	}
	mu_sb_printf(&w->out, "\n%*s# %s", w->e.indent > 0 ? w->e.indent : 0, "", text);
}

static size_t lead(const char *line, size_t len)
{
	size_t n = 0;

	while (n < len && line[n] == ' ')
		n++;
	return n;
}

/* Column of the key a line starts, past any "- " of sequence items. */
static size_t key_column(const char *line, size_t len)
{
	size_t n = lead(line, len);

	while (n + 1 < len && line[n] == '-' && line[n + 1] == ' ')
		n += 2;
	return n;
}

/* Indent the block sequences libyaml wrote at their key's column (see
 * yaml_emit.h): a "- " line at the column of the key on the line before,
 * which ends with ':', starts one; its lines are the following ones at
 * that column that are "- " items, and all deeper lines. */
static char *indent_sequences(const char *text, struct mu_strbuf *out)
{
	struct { size_t base, shift; } stack[64];
	size_t depth = 0, prev_key = (size_t)-1;
	bool prev_opens = false;

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t ind = lead(line, len);
		bool item = ind + 1 < len && line[ind] == '-' && line[ind + 1] == ' ';
		bool comment = ind < len && line[ind] == '#';

		while (depth && (ind < stack[depth - 1].base ||
				 (ind == stack[depth - 1].base && !item)))
			depth--;
		if (item && prev_opens && prev_key == ind && depth < 64) {
			stack[depth].base = ind;
			stack[depth].shift = (depth ? stack[depth - 1].shift : 0) + 2;
			depth++;
		}
		mu_sb_printf(out, "%*s", (int)(depth ? stack[depth - 1].shift : 0), "");
		mu_sb_append(out, line, len);
		if (nl)
			mu_sb_append(out, "\n", 1);
		if (!comment) {
			prev_key = key_column(line, len);
			prev_opens = len > 0 && line[len - 1] == ':';
		}
		line += len + (nl ? 1 : 0);
	}
	return mu_sb_take(out);
}

enum migctl_err mu_yemit_end(struct mu_yemit *w, char **out, struct migctl_error *err)
{
	struct mu_strbuf fixed = {0};
	yaml_event_t ev;

	*out = NULL;
	emit(w, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(w, &ev, yaml_stream_end_event_initialize(&ev));
	if (!w->failed && !yaml_emitter_flush(&w->e))
		w->failed = true;
	if (!w->failed && !w->out.oom) {
		char *raw = mu_sb_take(&w->out);
		if (raw)
			*out = indent_sequences(raw, &fixed);
		free(raw);
	}
	bool failed = w->failed;
	mu_yemit_abort(w);
	if (!*out && w->bad_utf8)
		return migctl_fail(err, MIGCTL_ERR_PARSE,
				   "cannot write YAML: the value starting \"%s\" is not valid "
				   "UTF-8; give that text in UTF-8", w->bad_value);
	if (!*out)
		return migctl_fail(err, failed ? MIGCTL_ERR_INTERNAL : MIGCTL_ERR_NOMEM,
				   failed ? "cannot write YAML: %s" : "out of memory writing YAML%s",
				   failed ? "the emitter refused the document" : "");
	return MIGCTL_ERR_OK;
}

void mu_yemit_abort(struct mu_yemit *w)
{
	yaml_emitter_delete(&w->e);
	mu_sb_release(&w->out);
}
