#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * Documentation blocks, read the way QEMU's QAPIDoc reads them: a body
 * whose first line names the symbol, "@member:" sections, an optional
 * "Features:" part, then tagged sections (Returns, Since, Note, ...).
 * Only the structure matters here (which sections exist, what they
 * document); the text is kept for the checker and for examples.
 */

enum doc_mode { MODE_BODY, MODE_ARGS, MODE_FEATURES, MODE_VARIOUS };

struct docp {
	const struct qapi_schema *s;
	struct qapi_doc *doc;
	enum doc_mode mode;
	/* the section being filled: -1 body, else index in the array of `kind` */
	int kind;            /* 0 body, 1 args, 2 features, 3 sections */
	size_t index;
	struct buf text;
	size_t indent;
	size_t offset;       /* of the current line, for messages */
	bool active;
	/* Continuation indentation of a named section (struct qapi_rules doc_*). */
	bool tag_line;       /* the next text is the rest of the "@name:"/"Tag:" line */
	bool indent_pending; /* the next non-blank line sets `indent` (8.1) */
	bool indent_just_set; /* the previous line set it: a de-indent now is an error (9.0) */
};

static bool is_section_tag(const char *name, size_t len)
{
	static const char *const tags[] = {
		"Returns:", "Since:", "Note:", "Notes:", "Example:", "Examples:", "TODO:", NULL
	};
	size_t i;

	for (i = 0; tags[i]; i++)
		if (strlen(tags[i]) == len && !memcmp(tags[i], name, len))
			return true;
	return false;
}

static size_t first_word_len(const char *line)
{
	const char *sp = strchr(line, ' ');

	return sp ? (size_t)(sp - line) : strlen(line);
}

static bool is_symbol_word(const char *line, size_t wlen)
{
	return wlen >= 2 && line[0] == '@' && line[wlen - 1] == ':';
}

static void strip_copy(char **dst, const struct buf *b)
{
	const char *p = b->ptr, *e = b->ptr + b->len;

	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	*dst = xstrndup(p, (size_t)(e - p));
}

static struct qapi_doc_section *cur_section(struct docp *d)
{
	switch (d->kind) {
	case 1: return &d->doc->args[d->index];
	case 2: return &d->doc->features[d->index];
	case 3: return &d->doc->sections[d->index];
	default: return NULL;
	}
}

/* Close the current section (empty tagged sections are errors). */
static int end_section(struct docp *d)
{
	struct qapi_doc_section *sec;
	char *text = NULL;

	if (!d->active)
		return 0;
	strip_copy(&text, &d->text);
	sec = cur_section(d);
	if (!sec) {
		free(d->doc->body);
		d->doc->body = text;
	} else {
		if (!*text && sec->name) {
			free(text);
			if (d->s->rules.doc_dedent_ends_section)
				return qapi_err_at(d->s, sec->loc.offset,
						   "text required after '%s%s:' (from QEMU 9.0 a section's text is on its line or indented below it)",
						   d->kind == 3 ? "" : "@", sec->name);
			return qapi_err_at(d->s, d->offset, "empty doc section '%s'", sec->name);
		}
		free(sec->text);
		sec->text = text;
	}
	buf_reset(&d->text);
	d->active = false;
	return 0;
}

static int switch_to(struct docp *d, int kind, const char *name, size_t indent)
{
	struct qapi_doc *doc = d->doc;
	struct qapi_doc_section **arr;
	size_t *n;
	int rc = end_section(d);

	if (rc)
		return rc;
	d->kind = kind;
	d->indent = indent;
	d->active = true;
	d->tag_line = name != NULL;
	d->indent_pending = name != NULL && d->s->rules.doc_indent_first_line;
	d->indent_just_set = false;
	if (d->indent_pending)
		d->indent = 0;
	if (kind == 0)
		return 0;
	arr = kind == 1 ? &doc->args : kind == 2 ? &doc->features : &doc->sections;
	n = kind == 1 ? &doc->n_args : kind == 2 ? &doc->n_features : &doc->n_sections;
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[*n].name = name ? xstrdup(name) : NULL;
	(*arr)[*n].text = NULL;
	(*arr)[*n].loc = qapi_schema_loc(d->s, d->offset);
	d->index = (*n)++;
	return 0;
}

static int section_append(struct docp *d, const char *line)
{
	size_t len = strlen(line);

	if (len) {
		size_t indent = 0;

		while (line[indent] && isspace((unsigned char)line[indent]))
			indent++;
		if (d->tag_line && d->s->rules.doc_indent_first_line) {
			line += indent;
		} else if (d->s->rules.doc_indent) {
			if (d->indent_pending) {
				d->indent = indent;
				d->indent_pending = false;
				d->indent_just_set = true;
			} else {
				d->indent_just_set = false;
			}
			if (indent < d->indent)
				return qapi_err_at(d->s, d->offset,
						   "unexpected de-indent (expected at least %zu spaces)",
						   d->indent);
			line += d->indent;
		} else {
			line += indent;
		}
	} else if (!d->tag_line) {
		d->indent_just_set = false;
	}
	d->tag_line = false;
	len = strlen(line);
	while (len && isspace((unsigned char)line[len - 1]))
		len--;
	buf_put(&d->text, line, len);
	buf_putc(&d->text, '\n');
	return 0;
}

static int freeform(struct docp *d, const char *line)
{
	size_t w = 0;

	if (line[0] == '@') {
		while (line[w] && !isspace((unsigned char)line[w]))
			w++;
		/* "@\S+:" at the start of a free-form line: QEMU's regex is greedy. */
		{
			size_t k = w;

			while (k > 2 && line[k - 1] != ':')
				k--;
			if (k > 2 && line[k - 1] == ':')
				return qapi_err_at(d->s, d->offset,
						   "'%.*s' not allowed in free-form documentation",
						   (int)k, line);
		}
	}
	return section_append(d, line);
}

static bool has_section(const struct qapi_doc *doc, const char *name)
{
	size_t i;

	for (i = 0; i < doc->n_sections; i++)
		if (doc->sections[i].name && !strcmp(doc->sections[i].name, name))
			return true;
	return false;
}

static int start_symbol(struct docp *d, int kind, const char *name, size_t nlen, size_t indent)
{
	struct qapi_doc_section *arr = kind == 1 ? d->doc->args : d->doc->features;
	size_t n = kind == 1 ? d->doc->n_args : d->doc->n_features, i;
	char *nm;
	int rc;

	if (!nlen)
		return qapi_err_at(d->s, d->offset, "invalid parameter name");
	nm = xstrndup(name, nlen);
	for (i = 0; i < n; i++) {
		if (!strcmp(arr[i].name, nm)) {
			rc = qapi_err_at(d->s, d->offset, "'%s' parameter name duplicated", nm);
			free(nm);
			return rc;
		}
	}
	if (d->doc->n_sections && !(kind == 2 && d->s->rules.doc_features_anywhere)) {
		rc = qapi_err_at(d->s, d->offset, "'@%s:' can't follow '%s' section", nm,
				 d->doc->sections[0].name ? d->doc->sections[0].name : "untagged");
		free(nm);
		return rc;
	}
	rc = switch_to(d, kind, nm, indent);
	free(nm);
	return rc;
}

static int start_section(struct docp *d, const char *name, size_t indent)
{
	if (name && (!strcmp(name, "Returns") || !strcmp(name, "Since")) &&
	    has_section(d->doc, name))
		return qapi_err_at(d->s, d->offset, "duplicated '%s' section", name);
	return switch_to(d, 3, name, indent);
}

/* "Tag:   text" → the text, padded so it keeps its column; sets *indent. */
static char *strip_tag(const char *line, size_t tag_len, size_t *indent)
{
	size_t i = tag_len;
	char *out;

	while (line[i] && isspace((unsigned char)line[i]))
		i++;
	if (!line[i]) {
		*indent = 0;
		return xstrdup("");
	}
	*indent = i;
	out = xmalloc(strlen(line) + 1);
	memset(out, ' ', i);
	memcpy(out + i, line + i, strlen(line + i) + 1);
	return out;
}

/*
 * From 9.0, a line indented less than a named section's text ends the
 * section (QEMU's get_doc_indented()): an unindented first continuation
 * line, or a de-indented one after the line that set the indentation.
 * The line then starts a paragraph of its own.
 */
static bool ends_section(const struct docp *d, const char *line)
{
	size_t indent = 0;

	if (!d->s->rules.doc_dedent_ends_section || d->kind == 0 || !d->active || !*line ||
	    d->tag_line)
		return false;
	if (d->kind == 3 && !cur_section((struct docp *)d)->name)
		return false;
	while (line[indent] == ' ')
		indent++;
	if (d->indent_pending)
		return indent == 0;
	return indent < d->indent && !d->indent_just_set;
}

/*
 * From 9.0, the line right after the one that set a section's indentation
 * may not be indented less, even when it starts a new section (QEMU's
 * get_doc_indented() checks it before it looks for section tags); only
 * "@name:" lines are exempt.
 */
static int early_dedent(const struct docp *d, const char *line)
{
	size_t indent = 0;

	if (!d->s->rules.doc_dedent_ends_section || !d->active || !d->indent_just_set || !*line ||
	    line[0] == '@')
		return 0;
	while (line[indent] == ' ')
		indent++;
	if (indent >= d->indent)
		return 0;
	return qapi_err_at(d->s, d->offset, "unexpected de-indent (expected at least %zu spaces)",
			   d->indent);
}

static int various_line(struct docp *d, const char *line);

static int new_paragraph(struct docp *d, const char *line)
{
	int rc = start_section(d, NULL, 0);

	if (rc)
		return rc;
	d->mode = MODE_VARIOUS;
	return various_line(d, line);
}

static int various_line(struct docp *d, const char *line)
{
	size_t w = first_word_len(line);
	char *rest = NULL;
	int rc = early_dedent(d, line);

	if (rc)
		return rc;
	if (d->s->rules.doc_features_anywhere && !strcmp(line, "Features:")) {
		d->mode = MODE_FEATURES;
		return 0;
	}
	if (is_symbol_word(line, w))
		return qapi_err_at(d->s, d->offset, "'%.*s' can't follow '%s' section", (int)w, line,
				   d->doc->n_sections && d->doc->sections[0].name ?
				   d->doc->sections[0].name : "untagged");
	if (is_section_tag(line, w)) {
		size_t indent;
		char *tag = xstrndup(line, w - 1);

		rest = strip_tag(line, w, &indent);
		rc = start_section(d, tag, indent);
		free(tag);
		if (rc) {
			free(rest);
			return rc;
		}
		line = rest;
	} else if (ends_section(d, line)) {
		return new_paragraph(d, line);
	}
	rc = freeform(d, line);
	free(rest);
	return rc;
}

static bool text_ends_blank(const struct docp *d)
{
	return d->text.len >= 2 && d->text.ptr[d->text.len - 1] == '\n' &&
	       d->text.ptr[d->text.len - 2] == '\n';
}

static int symbol_line(struct docp *d, int kind, const char *line)
{
	size_t w = first_word_len(line);
	int early = early_dedent(d, line);

	if (early)
		return early;
	if (is_symbol_word(line, w)) {
		size_t indent = w;
		char *rest;
		int rc;

		while (line[indent] && isspace((unsigned char)line[indent]))
			indent++;
		if (!line[indent]) {
			rest = xstrdup("");
			indent = 0;
		} else {
			rest = xmalloc(strlen(line) + 1);
			memset(rest, ' ', indent);
			memcpy(rest + indent, line + indent, strlen(line + indent) + 1);
		}
		rc = start_symbol(d, kind, line + 1, w - 2, indent);
		if (!rc)
			rc = freeform(d, rest);
		free(rest);
		return rc;
	}
	if (is_section_tag(line, w)) {
		d->mode = MODE_VARIOUS;
		return various_line(d, line);
	}
	if ((text_ends_blank(d) && line[0] && !isspace((unsigned char)line[0])) ||
	    ends_section(d, line)) {
		if (kind == 1 && !strcmp(line, "Features:")) {
			d->mode = MODE_FEATURES;
			return 0;
		}
		return new_paragraph(d, line);
	}
	return freeform(d, line);
}

static int body_line(struct docp *d, const char *line)
{
	size_t w = first_word_len(line);
	struct qapi_doc *doc = d->doc;

	if (!doc->symbol && !d->text.len && line[0] == '@') {
		size_t len = strlen(line);

		if (line[len - 1] != ':')
			return qapi_err_at(d->s, d->offset, "line should end with ':'");
		if (len == 2)
			return qapi_err_at(d->s, d->offset, "name required after '@'");
		doc->symbol = xstrndup(line + 1, len - 2);
		return 0;
	}
	if (doc->symbol) {
		if (is_symbol_word(line, w)) {
			d->mode = MODE_ARGS;
			return symbol_line(d, 1, line);
		}
		if (!strcmp(line, "Features:")) {
			d->mode = MODE_FEATURES;
			return 0;
		}
		if (is_section_tag(line, w)) {
			d->mode = MODE_VARIOUS;
			return various_line(d, line);
		}
	}
	return freeform(d, line);
}

int qapi_doc_parse(struct qapi_doc *doc, const struct qapi_schema *s,
		   const struct qapi_doc_line *lines, size_t n)
{
	struct docp d = { s, doc, MODE_BODY, 0, 0, BUF_INIT, 0, 0, true };
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		char *raw = xstrndup(lines[i].text, lines[i].len);
		const char *line = raw + 1;

		d.offset = lines[i].offset;
		if (s->rules.doc_indent && !strncmp(raw, "# =", 3) && doc->symbol) {
			rc = qapi_err_at(s, d.offset, "unexpected '=' markup in definition documentation");
		} else if (!*line) {
			rc = freeform(&d, line);
		} else if (*line != ' ') {
			rc = qapi_err_at(s, d.offset, "missing space after #");
		} else {
			line++;
			switch (d.mode) {
			case MODE_BODY: rc = body_line(&d, line); break;
			case MODE_ARGS: rc = symbol_line(&d, 1, line); break;
			case MODE_FEATURES: rc = symbol_line(&d, 2, line); break;
			case MODE_VARIOUS: rc = various_line(&d, line); break;
			}
		}
		free(raw);
	}
	if (!rc)
		rc = end_section(&d);
	buf_release(&d.text);
	if (!doc->body)
		doc->body = xstrdup("");
	return rc;
}

static void release_sections(struct qapi_doc_section *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].text);
	}
	free(a);
}

void qapi_doc_release(struct qapi_doc *doc)
{
	if (!doc)
		return;
	free(doc->symbol);
	free(doc->body);
	release_sections(doc->args, doc->n_args);
	release_sections(doc->features, doc->n_features);
	release_sections(doc->sections, doc->n_sections);
	doc->symbol = doc->body = NULL;
	doc->args = doc->features = doc->sections = NULL;
	doc->n_args = doc->n_features = doc->n_sections = 0;
}

/* Scan text for "-> {" and copy the object, across lines, until its braces balance. */
static char *example_in(const char *text)
{
	const char *p = text;

	while (text && (p = strstr(p, "->"))) {
		const char *q = p + 2;
		struct buf b = BUF_INIT;
		int depth = 0;
		bool in_str = false, esc = false;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '{' || (p > text && p[-1] != '\n' && p[-1] != ' ')) {
			p += 2;
			continue;
		}
		for (; *q; q++) {
			char c = *q;

			buf_putc(&b, c == '\n' ? ' ' : c);
			if (in_str) {
				if (esc)
					esc = false;
				else if (c == '\\')
					esc = true;
				else if (c == '"')
					in_str = false;
				continue;
			}
			if (c == '"')
				in_str = true;
			else if (c == '{')
				depth++;
			else if (c == '}' && --depth == 0)
				break;
		}
		if (depth == 0 && *q) {
			/* collapse the runs of spaces left by joined lines */
			struct buf c = BUF_INIT;
			size_t i;

			for (i = 0; i < b.len; i++)
				if (!(b.ptr[i] == ' ' && c.len && c.ptr[c.len - 1] == ' '))
					buf_putc(&c, b.ptr[i]);
			buf_release(&b);
			return buf_detach(&c, NULL);
		}
		buf_release(&b);
		p += 2;
	}
	return NULL;
}

int qapi_doc_example(char **out, const struct qapi_doc *doc)
{
	size_t i;

	*out = NULL;
	if (!doc)
		return 0;
	for (i = 0; i < doc->n_sections && !*out; i++)
		*out = example_in(doc->sections[i].text);
	if (!*out)
		*out = example_in(doc->body);
	return 0;
}
