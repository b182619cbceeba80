#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * A command file written once must go into every tree. Where a release
 * wants another form of the same documentation or include line (struct
 * qapi_rules), the text is rewritten into that form line by line, so
 * every line keeps its number and messages still point at the user's
 * lines. Each rewrite is reported in `notes`.
 */

struct line {
	const char *p;
	size_t len;      /* without the line ending */
	size_t eol;      /* bytes of the line ending (0, 1 or 2) */
};

struct lines {
	struct line *v;
	size_t n;
};

static void split_lines(struct lines *out, const char *text, size_t len)
{
	size_t i = 0;

	out->v = NULL;
	out->n = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		struct line l = { text + i, end - i, nl ? 1 : 0 };

		if (l.len && l.p[l.len - 1] == '\r' && nl) {
			l.len--;
			l.eol = 2;
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = l;
		i = nl ? end + 1 : len;
	}
}

/* Edited text of each line (NULL: unchanged). */
struct edits {
	char **text;
	size_t n;
};

static void set_line(struct edits *e, size_t i, char *text)
{
	free(e->text[i]);
	e->text[i] = text;
}

static const char *line_text(const struct lines *ls, const struct edits *e, size_t i, size_t *len)
{
	if (e->text[i]) {
		*len = strlen(e->text[i]);
		return e->text[i];
	}
	*len = ls->v[i].len;
	return ls->v[i].p;
}

/* Doc comment content: "# text" -> "text", "#" -> "", else NULL (not a doc line). */
static bool doc_content(const struct line *l, const char **c, size_t *clen)
{
	if (!l->len || l->p[0] != '#' || (l->len >= 2 && l->p[1] == '#'))
		return false;
	if (l->len == 1) {
		*c = l->p + 1;
		*clen = 0;
		return true;
	}
	if (l->p[1] != ' ')
		return false;
	*c = l->p + 2;
	*clen = l->len - 2;
	return true;
}

static size_t indent_of(const char *c, size_t len)
{
	size_t i = 0;

	while (i < len && c[i] == ' ')
		i++;
	return i;
}

enum tag { TAG_NONE, TAG_MEMBER, TAG_SECTION, TAG_NOTE, TAG_EXAMPLE };

/* What a section-starting line is, and the column of its text (0: none on the line). */
static enum tag tag_of(const char *c, size_t len, size_t *col)
{
	static const char *const sections[] = { "Returns:", "Since:", "Errors:", "TODO:", NULL };
	static const char *const notes[] = { "Note:", "Notes:", NULL };
	static const char *const examples[] = { "Example:", "Examples:", NULL };
	size_t w = 0, i;
	enum tag t = TAG_NONE;

	while (w < len && c[w] != ' ')
		w++;
	if (w >= 2 && c[0] == '@' && c[w - 1] == ':')
		t = TAG_MEMBER;
	for (i = 0; t == TAG_NONE && sections[i]; i++)
		if (strlen(sections[i]) == w && !memcmp(c, sections[i], w))
			t = TAG_SECTION;
	for (i = 0; t == TAG_NONE && notes[i]; i++)
		if (strlen(notes[i]) == w && !memcmp(c, notes[i], w))
			t = TAG_NOTE;
	for (i = 0; t == TAG_NONE && examples[i]; i++)
		if (strlen(examples[i]) == w && !memcmp(c, examples[i], w))
			t = TAG_EXAMPLE;
	if (t == TAG_NONE)
		return t;
	i = w;
	while (i < len && c[i] == ' ')
		i++;
	*col = i < len ? i : 0;
	return t;
}

/* Prefix `add` spaces to the content of doc line i. */
static void indent_line(const struct lines *ls, struct edits *e, size_t i, size_t add)
{
	size_t len;
	const char *t = line_text(ls, e, i, &len);
	struct buf b = BUF_INIT;

	if (len <= 2) {
		return;
	}
	buf_put(&b, t, 2);
	for (size_t k = 0; k < add; k++)
		buf_putc(&b, ' ');
	buf_put(&b, t + 2, len - 2);
	set_line(e, i, buf_detach(&b, NULL));
}

static void note(struct buf *notes, const char *fname, size_t line, const char *fmt, const char *a,
		 const struct qapi_version *v)
{
	if (!notes)
		return;
	buf_printf(notes, "%s:%zu: ", fname, line + 1);
	buf_printf(notes, fmt, a);
	buf_printf(notes, " (QEMU %d.%d)\n", v->major, v->minor);
}

/* Lines [from, *end) are a paragraph of unindented doc lines (no tag); false when none. */
static bool unindented_paragraph(const struct lines *ls, size_t from, size_t to, size_t *end)
{
	size_t k;

	for (k = from; k < to; k++) {
		const char *d;
		size_t dlen, dummy;

		if (!doc_content(&ls->v[k], &d, &dlen) || !dlen || indent_of(d, dlen) ||
		    tag_of(d, dlen, &dummy))
			break;
	}
	*end = k;
	return k > from;
}

/*
 * One doc block, lines [from, to) between its "##" lines. A section runs
 * from its tag line to the next tag line, or to an unindented line after a
 * blank one; its continuation lines are the indented and blank ones.
 */
static void adapt_block(const struct lines *ls, struct edits *e, size_t from, size_t to,
			const struct qapi_rules *r, const char *fname, struct buf *notes)
{
	size_t i = from;
	const char *c0;
	size_t c0len;

	/* The symbol line "@guest-x:" names the definition; it is not a section. */
	if (i < to && doc_content(&ls->v[i], &c0, &c0len) && c0len >= 2 && c0[0] == '@' &&
	    c0[c0len - 1] == ':' && !memchr(c0, ' ', c0len))
		i++;
	while (i < to) {
		const char *c;
		size_t clen, col = 0, j, end, min = (size_t)-1, tl;
		enum tag t;

		if (!doc_content(&ls->v[i], &c, &clen)) {
			i++;
			continue;
		}
		if (!r->doc_example_rejected && clen == 16 && !memcmp(c, ".. qmp-example::", 16)) {
			set_line(e, i, xasprintf("%.*sExample:", (int)(c - ls->v[i].p), ls->v[i].p));
			note(notes, fname, i, "'%s' written as 'Example:'", ".. qmp-example::", &r->v);
			i++;
			continue;
		}
		if (!(t = tag_of(c, clen, &col))) {
			i++;
			continue;
		}
		/* the section's continuation lines: [i + 1, end) */
		for (end = i + 1; end < to; end++) {
			const char *d;
			size_t dlen, dummy;

			if (!doc_content(&ls->v[end], &d, &dlen))
				break;
			if (!dlen)
				continue;
			if (tag_of(d, dlen, &dummy) || (dlen == 9 && !memcmp(d, "Features:", 9)))
				break;
			if (!indent_of(d, dlen)) {
				const char *prev;
				size_t plen;

				if (t == TAG_EXAMPLE) {
					min = 0;    /* examples are at column 0 in older trees */
					continue;
				}
				if (!doc_content(&ls->v[end - 1], &prev, &plen) || !plen)
					break;      /* unindented after a blank line: a paragraph */
				if (r->doc_dedent_ends_section)
					break;
			}
			if (indent_of(d, dlen) < min)
				min = indent_of(d, dlen);
		}
		while (end > i + 1 && doc_content(&ls->v[end - 1], &c, &clen) && !clen)
			end--;
		doc_content(&ls->v[i], &c, &clen);
		tl = (size_t)(c - ls->v[i].p);
		if (t == TAG_EXAMPLE && r->doc_dedent_ends_section && !col) {
			char *word = xstrndup(c, (size_t)(strchr(c, ':') - c));

			if (min == 0)
				for (j = i + 1; j < end; j++)
					indent_line(ls, e, j, 4);
			if (r->doc_example_rejected) {
				set_line(e, i, xasprintf("%.*s.. qmp-example::", (int)tl, ls->v[i].p));
				note(notes, fname, i, min == 0 ?
				     "'%s:' written as '.. qmp-example::' with the example indented" :
				     "'%s:' written as '.. qmp-example::'", word, &r->v);
			} else if (min == 0) {
				note(notes, fname, i, "the example of '%s:' indented, as this release wants",
				     word, &r->v);
			}
			free(word);
		} else if (t != TAG_EXAMPLE && !(t == TAG_NOTE && r->doc_note_rejected) &&
			   r->doc_dedent_ends_section && !col && min == (size_t)-1 &&
			   unindented_paragraph(ls, i + 1, to, &end)) {
			char *word = xstrndup(c, (size_t)(strchr(c, ':') - c + 1));

			for (j = i + 1; j < end; j++)
				indent_line(ls, e, j, 4);
			note(notes, fname, i, "the text of '%s' indented below it, as this release wants", word,
			     &r->v);
			free(word);
		} else if (t == TAG_NOTE && r->doc_note_rejected) {
			size_t w = (size_t)(strchr(c, ':') - c);
			char *word = xstrndup(c, w);

			/* "Notes:" alone, then its text unindented: that text is the note's */
			if (!col && min == (size_t)-1 && unindented_paragraph(ls, i + 1, to, &end))
				min = 0;

			set_line(e, i, xasprintf("%.*s.. note::%s%.*s", (int)tl, ls->v[i].p,
						 col ? " " : "", (int)(col ? clen - col : 0), c + col));
			if (min != (size_t)-1 && min < 3)
				for (j = i + 1; j < end; j++)
					indent_line(ls, e, j, 3 - min);
			note(notes, fname, i, "'%s:' written as '.. note::'", word, &r->v);
			free(word);
		} else if (r->doc_indent && !r->doc_indent_first_line && col && min != (size_t)-1 &&
			   min < col && t != TAG_EXAMPLE) {
			char *word = xstrndup(c, col);

			while (*word && word[strlen(word) - 1] == ' ')
				word[strlen(word) - 1] = '\0';
			for (j = i + 1; j < end; j++)
				indent_line(ls, e, j, col - min);
			note(notes, fname, i,
			     "continuation lines of '%s' aligned with its text, as this release wants", word,
			     &r->v);
			free(word);
		}
		i = end > i + 1 ? end : i + 1;
	}
}

int qapi_fragment_adapt(struct buf *out, struct buf *notes, const char *fname, const char *text,
			size_t len, const struct qapi_version *v)
{
	struct qapi_rules r;
	struct lines ls;
	struct edits e;
	size_t i, open = (size_t)-1;

	qapi_rules_init(&r, v);
	split_lines(&ls, text, len);
	e.n = ls.n;
	e.text = xcalloc(ls.n + 1, sizeof(*e.text));
	for (i = 0; i < ls.n; i++) {
		const struct line *l = &ls.v[i];

		if (l->len >= 2 && l->p[0] == '#' && l->p[1] == '#') {
			if (open == (size_t)-1) {
				open = i;
			} else {
				adapt_block(&ls, &e, open + 1, i, &r, fname, notes);
				open = (size_t)-1;
			}
		}
	}
	for (i = 0; i < ls.n; i++) {
		size_t n;
		const char *t = line_text(&ls, &e, i, &n);

		buf_put(out, t, n);
		buf_put(out, ls.v[i].p + ls.v[i].len, ls.v[i].eol);
		free(e.text[i]);
	}
	free(e.text);
	free(ls.v);
	return 0;
}

/*
 * QEMU 10.0 moved the QObject headers from include/qapi/qmp/ to
 * include/qobject/, and qapi/qmp/dispatch.h became qapi/qmp-registry.h.
 */
static const char *const moved[][2] = {
	{ "qapi/qmp/json-parser.h", "qobject/json-parser.h" },
	{ "qapi/qmp/json-writer.h", "qobject/json-writer.h" },
	{ "qapi/qmp/qbool.h", "qobject/qbool.h" },
	{ "qapi/qmp/qdict.h", "qobject/qdict.h" },
	{ "qapi/qmp/qjson.h", "qobject/qjson.h" },
	{ "qapi/qmp/qlist.h", "qobject/qlist.h" },
	{ "qapi/qmp/qlit.h", "qobject/qlit.h" },
	{ "qapi/qmp/qnull.h", "qobject/qnull.h" },
	{ "qapi/qmp/qnum.h", "qobject/qnum.h" },
	{ "qapi/qmp/qobject.h", "qobject/qobject.h" },
	{ "qapi/qmp/qstring.h", "qobject/qstring.h" },
	{ "qapi/qmp/dispatch.h", "qapi/qmp-registry.h" },
};

int qapi_handler_adapt(struct buf *out, struct buf *notes, const char *fname, const char *text,
		       size_t len, const struct qapi_version *v)
{
	struct qapi_rules r;
	struct lines ls;
	size_t i, k;

	qapi_rules_init(&r, v);
	split_lines(&ls, text, len);
	for (i = 0; i < ls.n; i++) {
		const struct line *l = &ls.v[i];
		const char *p = l->p, *e = l->p + l->len, *q;
		bool done = false;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (e - p > 8 && *p == '#') {
			q = p + 1;
			while (q < e && (*q == ' ' || *q == '\t'))
				q++;
			if (e - q > 9 && !memcmp(q, "include", 7)) {
				q += 7;
				while (q < e && (*q == ' ' || *q == '\t'))
					q++;
				for (k = 0; q < e && *q == '"' && k < sizeof(moved) / sizeof(moved[0]); k++) {
					const char *from = moved[k][r.qobject_includes ? 0 : 1];
					const char *to = moved[k][r.qobject_includes ? 1 : 0];
					size_t fl = strlen(from);

					if ((size_t)(e - q) > fl + 1 && !memcmp(q + 1, from, fl) && q[fl + 1] == '"') {
						buf_put(out, l->p, (size_t)(q + 1 - l->p));
						buf_puts(out, to);
						buf_put(out, q + 1 + fl, (size_t)(e - (q + 1 + fl)));
						if (notes)
							buf_printf(notes, "%s:%zu: #include \"%s\" written as \"%s\" (QEMU %d.%d)\n",
								   fname, i + 1, from, to, r.v.major, r.v.minor);
						done = true;
						break;
					}
				}
			}
		}
		if (!done)
			buf_put(out, l->p, l->len);
		buf_put(out, l->p + l->len, l->eol);
	}
	free(ls.v);
	return 0;
}
