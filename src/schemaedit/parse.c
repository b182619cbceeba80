#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * The lexer follows QEMU's scripts/qapi/parser.py token for token, so that
 * what it accepts, and where it complains, is what the generator does. It
 * records every token with the space and plain comments before it: the
 * token list covers the text completely, which is what makes printing
 * lossless and edits local.
 */

struct parser {
	struct qapi_schema *s;
	size_t cursor;
	enum qapi_tok_type tok;
	size_t pos;        /* start of the current token */
	size_t trivia;     /* where the current token's leading space began */
	char *val;         /* STRING: unescaped; COMMENT: the line */
	bool val_bool;
};

struct qapi_loc qapi_schema_loc(const struct qapi_schema *s, size_t offset)
{
	struct qapi_loc loc = { offset, 1, 1 };
	size_t lo = 0, hi = s->n_lines, i;
	unsigned col = 1;

	if (offset > s->lex_len)
		offset = loc.offset = s->lex_len;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->line_starts[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	loc.line = (unsigned)lo + 1;
	for (i = s->line_starts[lo]; i < offset; i++) {
		if (s->src[i] == '\t')
			col = ((col - 1) / 8 + 1) * 8 + 1;
		else if (((unsigned char)s->src[i] & 0xc0) != 0x80)
			col++;
	}
	loc.col = col;
	return loc;
}

int qapi_err_at(const struct qapi_schema *s, size_t offset, const char *fmt, ...)
{
	struct qapi_loc loc = qapi_schema_loc(s, offset);
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = error_set(ERR_INPUT, "%s:%u:%u: %s", s->fname, loc.line, loc.col, b.ptr);
	buf_release(&b);
	return rc;
}

static void push_token(struct parser *p, enum qapi_tok_type type, size_t start, size_t end)
{
	struct qapi_schema *s = p->s;

	if (s->n_toks == s->alloc_toks) {
		s->alloc_toks = s->alloc_toks ? 2 * s->alloc_toks : 256;
		s->toks = xrealloc(s->toks, s->alloc_toks * sizeof(*s->toks));
	}
	s->toks[s->n_toks].type = type;
	s->toks[s->n_toks].trivia = p->trivia;
	s->toks[s->n_toks].start = start;
	s->toks[s->n_toks].end = end;
	s->n_toks++;
	p->tok = type;
	p->pos = start;
}

static size_t cur_tok(const struct parser *p)
{
	return p->s->n_toks - 1;
}

static int lex_string(struct parser *p)
{
	const char *src = p->s->src;
	struct buf str = BUF_INIT;
	bool old = p->s->rules.old_lexer;

	for (;;) {
		unsigned char ch = (unsigned char)src[p->cursor++];

		if (ch == '\n' || p->cursor > p->s->lex_len) {
			buf_release(&str);
			return qapi_err_at(p->s, p->pos, "missing terminating \"'\"");
		}
		if (ch == '\\') {
			unsigned char e = (unsigned char)src[p->cursor++];

			if (!old) {
				if (e != '\\') {
					buf_release(&str);
					return qapi_err_at(p->s, p->pos, "unknown escape \\%c", e);
				}
				buf_putc(&str, '\\');
				continue;
			}
			switch (e) {
			case 'b': buf_putc(&str, '\b'); break;
			case 'f': buf_putc(&str, '\f'); break;
			case 'n': buf_putc(&str, '\n'); break;
			case 'r': buf_putc(&str, '\r'); break;
			case 't': buf_putc(&str, '\t'); break;
			case '\\': case '/': case '\'': case '"': buf_putc(&str, (char)e); break;
			case 'u': {
				unsigned value = 0;
				int i;

				for (i = 0; i < 4; i++) {
					unsigned char h = (unsigned char)src[p->cursor++];

					if (!isxdigit(h)) {
						buf_release(&str);
						return qapi_err_at(p->s, p->pos, "\\u escape needs 4 hex digits");
					}
					value = value * 16 + (unsigned)(isdigit(h) ? h - '0' : (tolower(h) - 'a' + 10));
				}
				if (!value || value > 0x7f) {
					buf_release(&str);
					return qapi_err_at(p->s, p->pos,
							   "\\u escape only supports non-zero values up to \\u007f");
				}
				buf_putc(&str, (char)value);
				break;
			}
			default:
				buf_release(&str);
				return qapi_err_at(p->s, p->pos, "unknown escape \\%c", e);
			}
			continue;
		}
		if (ch == '\'') {
			free(p->val);
			p->val = buf_detach(&str, NULL);
			return 0;
		}
		if (!old && (ch < 32 || ch >= 127)) {
			buf_release(&str);
			return qapi_err_at(p->s, p->pos, "funny character in string");
		}
		buf_putc(&str, (char)ch);
	}
}

/* Read the next token; with skip_comment false, comment lines are tokens too. */
static int accept(struct parser *p, bool skip_comment)
{
	struct qapi_schema *s = p->s;
	const char *src = s->src;
	int rc;

	p->trivia = p->cursor;
	for (;;) {
		size_t start = p->cursor;
		char ch;

		if (p->cursor >= s->lex_len) {
			push_token(p, TOK_EOF, s->len < p->cursor ? s->len : p->cursor,
				   s->len < p->cursor ? s->len : p->cursor);
			return 0;
		}
		ch = src[p->cursor++];
		p->pos = start;
		if (ch == '#') {
			const char *nl;
			size_t end;

			if (src[p->cursor] == '#')
				skip_comment = false;
			nl = memchr(src + p->cursor, '\n', s->lex_len - p->cursor);
			p->cursor = (size_t)(nl - src);
			if (skip_comment)
				continue;
			end = p->cursor;
			free(p->val);
			/* Python reads the schema with universal newlines: \r\n is \n. */
			p->val = xstrndup(src + start, end - start - (end > start && src[end - 1] == '\r'));
			push_token(p, TOK_COMMENT, start, end);
			return 0;
		}
		if (strchr("{}:,[]", ch)) {
			push_token(p, (enum qapi_tok_type)ch, start, p->cursor);
			return 0;
		}
		if (ch == '\'') {
			rc = lex_string(p);
			if (rc)
				return rc;
			push_token(p, TOK_STRING, start, p->cursor);
			return 0;
		}
		if (!strncmp(src + start, "true", 4)) {
			p->cursor = start + 4;
			p->val_bool = true;
			push_token(p, TOK_TRUE, start, p->cursor);
			return 0;
		}
		if (!strncmp(src + start, "false", 5)) {
			p->cursor = start + 5;
			p->val_bool = false;
			push_token(p, TOK_FALSE, start, p->cursor);
			return 0;
		}
		if (s->rules.old_lexer && !strncmp(src + start, "null", 4)) {
			p->cursor = start + 4;
			push_token(p, TOK_NULL, start, p->cursor);
			return 0;
		}
		if (ch == '\n') {
			if (p->cursor >= s->lex_len) {
				push_token(p, TOK_EOF, s->len, s->len);
				return 0;
			}
			continue;
		}
		if (isspace((unsigned char)ch))
			continue;
		{
			size_t e = start;

			while (e < s->lex_len && !strchr("[]{}:,'\"", src[e]) &&
			       !isspace((unsigned char)src[e]))
				e++;
			if (e == start)
				e = start + 1;
			return qapi_err_at(s, start, "stray '%.*s'", (int)(e - start), src + start);
		}
	}
}

static struct qapi_value *new_value(struct parser *p, enum qapi_value_type type)
{
	struct qapi_value *v = xcalloc(1, sizeof(*v));

	v->type = type;
	v->loc = qapi_schema_loc(p->s, p->pos);
	v->first_tok = cur_tok(p);
	return v;
}

static void finish_value(struct parser *p, struct qapi_value *v)
{
	v->last_tok = cur_tok(p);
	v->end = p->s->toks[v->last_tok].end;
}

static int get_expr(struct qapi_value **out, struct parser *p, bool nested);

static void dict_add(struct qapi_value *d, char *key, struct qapi_loc kloc, struct qapi_value *val)
{
	d->keys = xrealloc(d->keys, (d->n + 1) * sizeof(*d->keys));
	d->key_locs = xrealloc(d->key_locs, (d->n + 1) * sizeof(*d->key_locs));
	d->items = xrealloc(d->items, (d->n + 1) * sizeof(*d->items));
	d->keys[d->n] = key;
	d->key_locs[d->n] = kloc;
	d->items[d->n] = val;
	d->n++;
}

static int get_members(struct parser *p, struct qapi_value *d)
{
	int rc;

	if (p->tok == TOK_RBRACE)
		return 0;
	if (p->tok != TOK_STRING)
		return qapi_err_at(p->s, p->pos, "expected string or '}'");
	for (;;) {
		char *key = p->val;
		struct qapi_loc kloc = qapi_schema_loc(p->s, p->pos);
		struct qapi_value *val = NULL;
		size_t i;

		p->val = NULL;
		rc = accept(p, true);
		if (rc) {
			free(key);
			return rc;
		}
		if (p->tok != TOK_COLON) {
			free(key);
			return qapi_err_at(p->s, p->pos, "expected ':'");
		}
		rc = accept(p, true);
		if (rc) {
			free(key);
			return rc;
		}
		for (i = 0; i < d->n; i++) {
			if (!strcmp(d->keys[i], key)) {
				rc = qapi_err_at(p->s, p->pos, "duplicate key '%s'", key);
				free(key);
				return rc;
			}
		}
		rc = get_expr(&val, p, true);
		if (rc) {
			free(key);
			return rc;
		}
		dict_add(d, key, kloc, val);
		if (p->tok == TOK_RBRACE)
			return 0;
		if (p->tok != TOK_COMMA)
			return qapi_err_at(p->s, p->pos, "expected ',' or '}'");
		rc = accept(p, true);
		if (rc)
			return rc;
		if (p->tok != TOK_STRING)
			return qapi_err_at(p->s, p->pos, "expected string");
	}
}

static int get_values(struct parser *p, struct qapi_value *l)
{
	int rc;

	if (p->tok == TOK_RBRACKET)
		return 0;
	if (!strchr(p->s->rules.old_lexer ? "{['tfn" : "{['tf", (int)p->tok) || p->tok == TOK_EOF)
		return qapi_err_at(p->s, p->pos, "expected '{', '[', ']', string, or boolean");
	for (;;) {
		struct qapi_value *v = NULL;

		rc = get_expr(&v, p, true);
		if (rc)
			return rc;
		l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
		l->items[l->n++] = v;
		if (p->tok == TOK_RBRACKET)
			return 0;
		if (p->tok != TOK_COMMA)
			return qapi_err_at(p->s, p->pos, "expected ',' or ']'");
		rc = accept(p, true);
		if (rc)
			return rc;
	}
}

static int get_expr(struct qapi_value **out, struct parser *p, bool nested)
{
	struct qapi_value *v = NULL;
	int rc = 0;

	*out = NULL;
	if (!nested && p->s->rules.first_must_be_brace && p->tok != TOK_LBRACE)
		return qapi_err_at(p->s, p->pos, "expected '{'");
	switch (p->tok) {
	case TOK_LBRACE:
		v = new_value(p, QAPI_DICT);
		rc = accept(p, true);
		if (!rc)
			rc = get_members(p, v);
		break;
	case TOK_LBRACKET:
		v = new_value(p, QAPI_LIST);
		rc = accept(p, true);
		if (!rc)
			rc = get_values(p, v);
		break;
	case TOK_STRING:
		v = new_value(p, QAPI_STRING);
		v->str = p->val;
		p->val = NULL;
		break;
	case TOK_TRUE:
	case TOK_FALSE:
		v = new_value(p, QAPI_BOOL);
		v->boolean = p->tok == TOK_TRUE;
		break;
	case TOK_NULL:
		v = new_value(p, QAPI_NULL);
		break;
	default:
		return qapi_err_at(p->s, p->pos, "expected '{', '[', string, or boolean");
	}
	if (rc) {
		qapi_value_free(v);
		return rc;
	}
	finish_value(p, v);
	/* A lexical error right after the value: the caller never takes it. */
	rc = accept(p, true);
	if (rc) {
		qapi_value_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

void qapi_value_free(struct qapi_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		qapi_value_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->key_locs);
	free(v->str);
	free(v);
}

const struct qapi_value *qapi_dict_get(const struct qapi_value *v, const char *key)
{
	size_t i;

	if (!v || v->type != QAPI_DICT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	return NULL;
}

static struct qapi_item *new_item(struct qapi_schema *s)
{
	if (s->n_items == s->alloc_items) {
		s->alloc_items = s->alloc_items ? 2 * s->alloc_items : 64;
		s->items = xrealloc(s->items, s->alloc_items * sizeof(*s->items));
	}
	memset(&s->items[s->n_items], 0, sizeof(s->items[0]));
	return &s->items[s->n_items++];
}

static int get_doc(struct parser *p, struct qapi_doc **out)
{
	struct qapi_schema *s = p->s;
	struct qapi_doc_line *lines = NULL;
	size_t n = 0, first = cur_tok(p);
	struct qapi_doc *doc = NULL;
	struct qapi_item *item;
	int rc;

	*out = NULL;
	if (strcmp(p->val, "##"))
		return qapi_err_at(s, p->pos, "junk after '##' at start of documentation comment");
	doc = xcalloc(1, sizeof(*doc));
	doc->loc = qapi_schema_loc(s, p->pos);
	rc = accept(p, false);
	while (!rc && p->tok == TOK_COMMENT) {
		if (!strncmp(p->val, "##", 2)) {
			if (strcmp(p->val, "##")) {
				rc = qapi_err_at(s, p->pos, "junk after '##' at end of documentation comment");
				goto out;
			}
			doc->end = s->toks[cur_tok(p)].end;
			if (doc->end < s->len && s->src[doc->end] == '\n')
				doc->end++;
			rc = qapi_doc_parse(doc, s, lines, n);
			if (rc)
				goto out;
			item = new_item(s);
			item->is_doc = true;
			item->first_tok = first;
			item->last_tok = cur_tok(p);
			item->doc = doc;
			if (s->n_docs == s->alloc_docs) {
				s->alloc_docs = s->alloc_docs ? 2 * s->alloc_docs : 64;
				s->docs = xrealloc(s->docs, s->alloc_docs * sizeof(*s->docs));
			}
			s->docs[s->n_docs++] = doc;
			*out = doc;
			doc = NULL;
			rc = accept(p, true);
			goto out;
		}
		lines = xrealloc(lines, (n + 1) * sizeof(*lines));
		lines[n].text = s->src + p->pos;
		lines[n].len = strlen(p->val);
		lines[n].offset = p->pos;
		n++;
		rc = accept(p, false);
	}
	if (!rc)
		rc = qapi_err_at(s, p->pos, "documentation comment must end with '##'");
out:
	if (doc) {
		qapi_doc_release(doc);
		free(doc);
	}
	free(lines);
	return rc;
}

const char *qapi_meta_name(enum qapi_meta meta)
{
	switch (meta) {
	case QAPI_COMMAND: return "command";
	case QAPI_STRUCT: return "struct";
	case QAPI_ENUM: return "enum";
	case QAPI_UNION: return "union";
	case QAPI_ALTERNATE: return "alternate";
	case QAPI_EVENT: return "event";
	case QAPI_INCLUDE: return "include";
	case QAPI_PRAGMA: return "pragma";
	default: return "expression";
	}
}

static enum qapi_meta meta_of(const struct qapi_value *expr, const char **name)
{
	static const enum qapi_meta metas[] = {
		QAPI_COMMAND, QAPI_STRUCT, QAPI_ENUM, QAPI_UNION, QAPI_ALTERNATE, QAPI_EVENT,
		QAPI_INCLUDE, QAPI_PRAGMA
	};
	enum qapi_meta found = QAPI_META_NONE;
	size_t i, count = 0;

	*name = NULL;
	for (i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		const struct qapi_value *v = qapi_dict_get(expr, qapi_meta_name(metas[i]));

		if (!v)
			continue;
		count++;
		found = metas[i];
		*name = v->type == QAPI_STRING ? v->str : NULL;
	}
	if (count != 1) {
		*name = NULL;
		return QAPI_META_NONE;
	}
	if (found == QAPI_PRAGMA)
		*name = NULL;
	return found;
}

static void add_def(struct qapi_schema *s, struct qapi_value *expr, const struct qapi_doc *doc)
{
	struct qapi_def *d;
	size_t e;

	if (s->n_defs == s->alloc_defs) {
		s->alloc_defs = s->alloc_defs ? 2 * s->alloc_defs : 64;
		s->defs = xrealloc(s->defs, s->alloc_defs * sizeof(*s->defs));
	}
	d = &s->defs[s->n_defs++];
	memset(d, 0, sizeof(*d));
	d->expr = expr;
	d->doc = doc;
	d->meta = meta_of(expr, &d->name);
	d->start = expr->loc.offset;
	d->end = expr->end;
	/* The line the expression ends on, if nothing but space or a comment follows. */
	e = d->end;
	while (e < s->len && (s->src[e] == ' ' || s->src[e] == '\t' || s->src[e] == '\r'))
		e++;
	if (e < s->len && s->src[e] == '#')
		while (e < s->len && s->src[e] != '\n')
			e++;
	if (e < s->len && s->src[e] == '\n')
		d->line_end = e + 1;
	else if (e >= s->len)
		d->line_end = s->len;
	else
		d->line_end = d->end;
}

static int parse_top(struct parser *p)
{
	struct qapi_schema *s = p->s;
	struct qapi_doc *cur_doc = NULL;
	int rc = accept(p, true);

	while (!rc && p->tok != TOK_EOF) {
		struct qapi_value *expr = NULL;
		struct qapi_item *item;
		size_t pos = p->pos;

		if (p->tok == TOK_COMMENT) {
			if (cur_doc && cur_doc->symbol)
				return qapi_err_at(s, cur_doc->loc.offset,
						   "documentation for '%s' is not followed by the definition",
						   cur_doc->symbol);
			rc = get_doc(p, &cur_doc);
			continue;
		}
		rc = get_expr(&expr, p, false);
		if (rc)
			return rc;
		item = new_item(s);
		item->expr = expr;
		item->first_tok = expr->first_tok;
		item->last_tok = expr->last_tok;
		if (expr->type != QAPI_DICT)
			return qapi_err_at(s, pos, "top-level expression must be an object");
		if (qapi_dict_get(expr, "include") || qapi_dict_get(expr, "pragma")) {
			const char *what = qapi_dict_get(expr, "include") ? "include" : "pragma";

			if (cur_doc && cur_doc->symbol)
				return qapi_err_at(s, cur_doc->loc.offset,
						   "documentation for '%s' is not followed by the definition",
						   cur_doc->symbol);
			if (expr->n != 1)
				return qapi_err_at(s, pos, "invalid '%s' directive", what);
			if (!strcmp(what, "include") && expr->items[0]->type != QAPI_STRING)
				return qapi_err_at(s, pos, "value of 'include' must be a string");
			if (!strcmp(what, "pragma") && expr->items[0]->type != QAPI_DICT)
				return qapi_err_at(s, pos, "value of 'pragma' must be an object");
			add_def(s, expr, NULL);
		} else {
			if (cur_doc && !cur_doc->symbol)
				return qapi_err_at(s, cur_doc->loc.offset, "definition documentation required");
			add_def(s, expr, cur_doc);
		}
		cur_doc = NULL;
	}
	if (!rc && cur_doc && cur_doc->symbol)
		return qapi_err_at(s, cur_doc->loc.offset,
				   "documentation for '%s' is not followed by the definition",
				   cur_doc->symbol);
	return rc;
}

int qapi_schema_parse(struct qapi_schema **out, const char *fname, const char *text, size_t len,
		      const struct qapi_version *v)
{
	struct qapi_schema *s = xcalloc(1, sizeof(*s));
	struct parser p = { 0 };
	size_t i;
	int rc;

	*out = NULL;
	s->fname = xstrdup(fname);
	s->len = len;
	s->src = xmalloc(len + 2);
	if (len)        /* an empty file may come as NULL: memcpy's source must not be */
		memcpy(s->src, text, len);
	s->lex_len = len;
	if (len == 0 || text[len - 1] != '\n')
		s->src[s->lex_len++] = '\n';
	s->src[s->lex_len] = '\0';
	qapi_rules_init(&s->rules, v);

	s->n_lines = 1;
	for (i = 0; i < s->lex_len; i++)
		if (s->src[i] == '\n' && i + 1 < s->lex_len)
			s->n_lines++;
	s->line_starts = xmalloc(s->n_lines * sizeof(*s->line_starts));
	s->line_starts[0] = 0;
	s->n_lines = 1;
	for (i = 0; i < s->lex_len; i++)
		if (s->src[i] == '\n' && i + 1 < s->lex_len)
			s->line_starts[s->n_lines++] = i + 1;
	/* After the line table: the message needs it for the line and column. */
	if (len && memchr(text, '\0', len)) {
		rc = qapi_err_at(s, (size_t)((const char *)memchr(text, '\0', len) - text),
				 "NUL byte in schema");
		goto fail;
	}

	p.s = s;
	rc = parse_top(&p);
	free(p.val);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	qapi_schema_free(s);
	return rc;
}

void qapi_schema_free(struct qapi_schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_items; i++)
		qapi_value_free(s->items[i].expr);
	for (i = 0; i < s->n_docs; i++) {
		qapi_doc_release(s->docs[i]);
		free(s->docs[i]);
	}
	for (i = 0; i < s->n_includes; i++) {
		free(s->includes[i].name);
		qapi_schema_free(s->includes[i].schema);
	}
	free(s->includes);
	free(s->docs);
	free(s->items);
	free(s->defs);
	free(s->toks);
	free(s->line_starts);
	free(s->src);
	free(s->fname);
	free(s);
}

const char *qapi_schema_text(const struct qapi_schema *s, size_t *len)
{
	if (len)
		*len = s->len;
	return s->src;
}

const char *qapi_schema_fname(const struct qapi_schema *s)
{
	return s->fname;
}

size_t qapi_schema_ndefs(const struct qapi_schema *s)
{
	return s->n_defs;
}

const struct qapi_def *qapi_schema_def(const struct qapi_schema *s, size_t i)
{
	return i < s->n_defs ? &s->defs[i] : NULL;
}

size_t qapi_schema_ndocs(const struct qapi_schema *s)
{
	return s->n_docs;
}

const struct qapi_doc *qapi_schema_doc(const struct qapi_schema *s, size_t i)
{
	return i < s->n_docs ? s->docs[i] : NULL;
}

const struct qapi_def *qapi_schema_find(const struct qapi_schema *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_defs; i++) {
		const struct qapi_def *d = &s->defs[i];

		if (d->meta != QAPI_INCLUDE && d->meta != QAPI_PRAGMA && d->name &&
		    !strcmp(d->name, name))
			return d;
	}
	return NULL;
}

const struct qapi_def *qapi_lookup(const struct qapi_schema *s, const char *name,
				   const struct qapi_schema **where)
{
	const struct qapi_def *d = qapi_schema_find(s, name);
	size_t i;

	if (d) {
		if (where)
			*where = s;
		return d;
	}
	for (i = 0; i < s->n_includes; i++) {
		if (!s->includes[i].schema)
			continue;
		d = qapi_lookup(s->includes[i].schema, name, where);
		if (d)
			return d;
	}
	return NULL;
}

int qapi_schema_add_include(struct qapi_schema *s, const char *name, struct qapi_schema *inc)
{
	s->includes = xrealloc(s->includes, (s->n_includes + 1) * sizeof(*s->includes));
	s->includes[s->n_includes].name = xstrdup(name);
	s->includes[s->n_includes].schema = inc;
	s->n_includes++;
	return 0;
}

static void print_token(struct buf *out, const struct qapi_schema *s, size_t t)
{
	const struct qapi_token *tok = &s->toks[t];
	size_t end = tok->end < s->len ? tok->end : s->len;

	if (end > tok->trivia)
		buf_put(out, s->src + tok->trivia, end - tok->trivia);
}

static void print_value(struct buf *out, const struct qapi_schema *s, const struct qapi_value *v)
{
	size_t t, i = 0;

	for (t = v->first_tok; t <= v->last_tok; t++) {
		if (i < v->n && v->items[i]->first_tok == t) {
			print_value(out, s, v->items[i]);
			t = v->items[i]->last_tok;
			i++;
			continue;
		}
		print_token(out, s, t);
	}
}

int qapi_schema_print(struct buf *out, const struct qapi_schema *s)
{
	size_t i, t;

	for (i = 0; i < s->n_items; i++) {
		const struct qapi_item *it = &s->items[i];

		if (it->is_doc)
			for (t = it->first_tok; t <= it->last_tok; t++)
				print_token(out, s, t);
		else
			print_value(out, s, it->expr);
	}
	/* The end-of-file token carries the space and comments after the last item. */
	if (s->n_toks)
		print_token(out, s, s->n_toks - 1);
	return 0;
}
