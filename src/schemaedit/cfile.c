#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * Just enough of C to move handlers between files: comments, string and
 * character literals, preprocessor lines (with continuations), and the
 * file-scope items they separate (function definitions, declarations).
 * Macros are not expanded; a function whose signature is built by a macro
 * is seen as a declaration, which is the safe side (it is still copied).
 */

enum ctok { C_IDENT, C_PUNCT, C_OTHER, C_PP, C_COMMENT };

struct ctoken {
	enum ctok type;
	size_t start, end;
};

struct ctoks {
	struct ctoken *v;
	size_t n;
};

static void ctok_add(struct ctoks *t, enum ctok type, size_t start, size_t end)
{
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n].type = type;
	t->v[t->n].start = start;
	t->v[t->n].end = end;
	t->n++;
}

static void tokenize(struct ctoks *t, const char *s, size_t len)
{
	size_t i = 0;
	bool line_start = true;

	while (i < len) {
		char c = s[i];
		size_t st = i;

		if (c == '\n') {
			line_start = true;
			i++;
			continue;
		}
		if (isspace((unsigned char)c)) {
			i++;
			continue;
		}
		if (c == '#' && line_start) {
			while (i < len && s[i] != '\n') {
				if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\n')
					i += 2;
				else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
					/* a block comment inside a directive may span lines */
					const char *e = memmem(s + i + 2, len - i - 2, "*/", 2);

					i = e ? (size_t)(e - s) + 2 : len;
				} else
					i++;
			}
			ctok_add(t, C_PP, st, i);
			continue;
		}
		line_start = false;
		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			const char *e = memmem(s + i + 2, len - i - 2, "*/", 2);

			i = e ? (size_t)(e - s) + 2 : len;
			ctok_add(t, C_COMMENT, st, i);
			continue;
		}
		if (c == '/' && i + 1 < len && s[i + 1] == '/') {
			while (i < len && s[i] != '\n')
				i++;
			ctok_add(t, C_COMMENT, st, i);
			continue;
		}
		if (c == '"' || c == '\'') {
			i++;
			while (i < len && s[i] != c && s[i] != '\n') {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				i++;
			}
			if (i < len && s[i] == c)
				i++;
			ctok_add(t, C_OTHER, st, i);
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_') {
			while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
			ctok_add(t, C_IDENT, st, i);
			continue;
		}
		if (isdigit((unsigned char)c)) {
			while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_'))
				i++;
			ctok_add(t, C_OTHER, st, i);
			continue;
		}
		i++;
		ctok_add(t, C_PUNCT, st, i);
	}
}

static bool tok_is(const char *s, const struct ctoken *t, const char *text)
{
	size_t n = strlen(text);

	return t->end - t->start == n && !memcmp(s + t->start, text, n);
}

/* "#  include <x>" → "include"; the directive word of a PP line. */
static size_t pp_word(const char *s, const struct ctoken *t, const char **word)
{
	size_t i = t->start + 1, st;

	while (i < t->end && (s[i] == ' ' || s[i] == '\t'))
		i++;
	st = i;
	while (i < t->end && isalpha((unsigned char)s[i]))
		i++;
	*word = s + st;
	return i - st;
}

static bool word_is(const char *w, size_t n, const char *what)
{
	return strlen(what) == n && !memcmp(w, what, n);
}

/* Join the tokens of a text with single spaces ("Error **errp" → "Error * * errp"). */
char *qapi_c_join_tokens(const char *text, size_t len)
{
	struct ctoks t = { NULL, 0 };
	struct buf b = BUF_INIT;
	size_t i;

	tokenize(&t, text, len);
	for (i = 0; i < t.n; i++) {
		if (t.v[i].type == C_COMMENT)
			continue;
		if (b.len)
			buf_putc(&b, ' ');
		buf_put(&b, text + t.v[i].start, t.v[i].end - t.v[i].start);
	}
	free(t.v);
	return buf_detach(&b, NULL);
}

static void add_top_name(struct qapi_cfile *f, const char *s, const struct ctoken *t)
{
	size_t i;
	char *name = xstrndup(s + t->start, t->end - t->start);

	for (i = 0; i < f->n_top_names; i++)
		if (!strcmp(f->top_names[i], name)) {
			free(name);
			return;
		}
	f->top_names = xrealloc(f->top_names, (f->n_top_names + 1) * sizeof(*f->top_names));
	f->top_names[f->n_top_names++] = name;
}

static size_t line_end_after(const char *s, size_t len, size_t pos)
{
	while (pos < len && s[pos] != '\n')
		pos++;
	return pos < len ? pos + 1 : len;
}

static size_t line_start_of(const char *s, size_t pos)
{
	while (pos > 0 && s[pos - 1] != '\n')
		pos--;
	return pos;
}

/* The names a declaration defines: "static int x = 1, y;" → x, y (not prototypes' params). */
static void decl_names(struct qapi_cfile *f, const char *s, const struct ctoken *v, size_t a, size_t b)
{
	int paren = 0, brace = 0, bracket = 0;
	size_t i;
	bool is_typedef = false, is_extern = false;

	for (i = a; i < b; i++) {
		if (v[i].type == C_IDENT && tok_is(s, &v[i], "typedef"))
			is_typedef = true;
		if (v[i].type == C_IDENT && tok_is(s, &v[i], "extern"))
			is_extern = true;
	}
	if (is_extern)
		return;
	for (i = a; i < b; i++) {
		const struct ctoken *t = &v[i];

		if (t->type == C_PUNCT) {
			char c = s[t->start];

			paren += (c == '(') - (c == ')');
			brace += (c == '{') - (c == '}');
			bracket += (c == '[') - (c == ']');
			continue;
		}
		if (t->type != C_IDENT || paren || brace || bracket || i + 1 > b)
			continue;
		if (i + 1 < b && v[i + 1].type == C_PUNCT && strchr("=;,[(", s[v[i + 1].start])) {
			/* In "static void f(void);" the name before '(' is a prototype: still a name. */
			if (!is_typedef || s[v[i + 1].start] != '(')
				add_top_name(f, s, t);
		}
	}
}

static int parse_func(struct qapi_cfile *f, const char *s, const struct ctoken *v, size_t a,
		      size_t rparen, size_t body_end, size_t item_start)
{
	struct qapi_cfunc fn;
	size_t i, lparen = rparen, depth = 0;

	/* The '(' that matches the signature's last ')'. */
	for (i = rparen + 1; i-- > a;) {
		if (v[i].type != C_PUNCT)
			continue;
		if (s[v[i].start] == ')')
			depth++;
		else if (s[v[i].start] == '(' && --depth == 0) {
			lparen = i;
			break;
		}
	}
	if (lparen == rparen || lparen == a || v[lparen - 1].type != C_IDENT)
		return 0;
	memset(&fn, 0, sizeof(fn));
	fn.name = xstrndup(s + v[lparen - 1].start, v[lparen - 1].end - v[lparen - 1].start);
	for (i = a; i < lparen - 1; i++)
		if (v[i].type == C_IDENT && tok_is(s, &v[i], "static"))
			fn.is_static = true;
	fn.start = item_start;
	fn.sig_start = v[a].start;
	fn.end = line_end_after(s, f->text.len, v[body_end].end);
	fn.signature = qapi_c_join_tokens(s + v[a].start, v[rparen].end - v[a].start);
	f->funcs = xrealloc(f->funcs, (f->n_funcs + 1) * sizeof(*f->funcs));
	f->funcs[f->n_funcs++] = fn;
	add_top_name(f, s, &v[lparen - 1]);
	return 0;
}

static void locate(const struct qapi_cfile *f, size_t offset, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset && i < f->text.len; i++) {
		if (f->text.ptr[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (f->text.ptr[i] == '\t') {
			*col = ((*col - 1) / 8 + 1) * 8 + 1;
		} else {
			(*col)++;
		}
	}
}

int qapi_cfile_parse(struct qapi_cfile **out, const char *fname, const char *text, size_t len)
{
	struct qapi_cfile *f = xcalloc(1, sizeof(*f));
	struct ctoks t = { NULL, 0 };
	const char *s;
	size_t i, pending_comment = (size_t)-1;
	int if_depth = 0, brace = 0;
	bool code_seen = false;

	f->fname = xstrdup(fname);
	buf_init(&f->text, len);
	buf_put(&f->text, text, len);
	s = f->text.ptr;
	/* Names and signatures are C strings: a NUL byte would cut them short. */
	if (memchr(s, '\0', len)) {
		unsigned line, col;

		locate(f, (size_t)((const char *)memchr(s, '\0', len) - s), &line, &col);
		qapi_cfile_free(f);
		return error_set(ERR_INPUT, "%s:%u:%u: a NUL byte: not a C source file", fname, line,
				 col);
	}
	tokenize(&t, s, len);

	for (i = 0; i < t.n; i++) {
		struct ctoken *tk = &t.v[i];

		if (tk->type == C_COMMENT) {
			if (brace == 0 && pending_comment == (size_t)-1)
				pending_comment = tk->start;
			continue;
		}
		if (tk->type == C_PP) {
			const char *w;
			size_t wn = pp_word(s, tk, &w);

			pending_comment = (size_t)-1;
			if (word_is(w, wn, "if") || word_is(w, wn, "ifdef") || word_is(w, wn, "ifndef"))
				if_depth++;
			else if (word_is(w, wn, "endif"))
				if_depth--;
			else if (word_is(w, wn, "include") && brace == 0) {
				struct qapi_cinclude inc;
				size_t p = (size_t)(w - s) + wn, e;

				while (p < tk->end && (s[p] == ' ' || s[p] == '\t'))
					p++;
				e = p;
				if (p < tk->end && s[p] == '<')
					while (e < tk->end && s[e] != '>')
						e++;
				else if (p < tk->end && s[p] == '"')
					while (++e < tk->end && s[e] != '"')
						;
				if (e < tk->end) {
					inc.target = xstrndup(s + p, e + 1 - p);
					inc.start = line_start_of(s, tk->start);
					inc.end = line_end_after(s, len, tk->end);
					inc.conditional = if_depth > 0;
					f->includes = xrealloc(f->includes,
							       (f->n_includes + 1) * sizeof(*f->includes));
					f->includes[f->n_includes++] = inc;
					if (!code_seen && !inc.conditional)
						f->include_block_end = inc.end;
				}
			}
			if (!code_seen)
				f->body_start = line_end_after(s, len, tk->end);
			continue;
		}
		code_seen = true;
		if (brace == 0) {
			size_t a = i, j, item_start;
			int depth = 0, paren = 0;

			item_start = pending_comment != (size_t)-1 ? line_start_of(s, pending_comment) :
				line_start_of(s, tk->start);
			pending_comment = (size_t)-1;
			/* Find the end: ';' at depth 0, or a function body. */
			for (j = a; j < t.n; j++) {
				struct ctoken *u = &t.v[j];
				char c;

				if (u->type == C_PP) {
					const char *w;
					size_t wn = pp_word(s, u, &w);

					if (word_is(w, wn, "if") || word_is(w, wn, "ifdef") ||
					    word_is(w, wn, "ifndef"))
						if_depth++;
					else if (word_is(w, wn, "endif"))
						if_depth--;
					continue;
				}
				if (u->type != C_PUNCT)
					continue;
				c = s[u->start];
				if (c == '(')
					paren++;
				else if (c == ')')
					paren--;
				else if (c == '{') {
					if (depth == 0 && paren == 0 && j > a &&
					    t.v[j - 1].type == C_PUNCT && s[t.v[j - 1].start] == ')') {
						/* a function definition: find its closing brace */
						size_t k;
						int d = 0;

						for (k = j; k < t.n; k++) {
							if (t.v[k].type != C_PUNCT)
								continue;
							if (s[t.v[k].start] == '{')
								d++;
							else if (s[t.v[k].start] == '}' && --d == 0)
								break;
						}
						if (k == t.n)
							goto unterminated;
						parse_func(f, s, t.v, a, j - 1, k, item_start);
						j = k;
						break;
					}
					depth++;
				} else if (c == '}') {
					depth--;
				} else if (c == ';' && depth == 0 && paren == 0) {
					decl_names(f, s, t.v, a, j);
					break;
				}
			}
			if (j >= t.n) {
				if (depth > 0 || paren > 0)
					goto unterminated;
				break;
			}
			i = j;
			continue;
		}
	}
	f->ends_at_top_level = if_depth == 0 && brace == 0;
	free(t.v);
	*out = f;
	return 0;
unterminated:
	free(t.v);
	qapi_cfile_free(f);
	return error_set(ERR_INPUT, "%s: unbalanced braces or parentheses at end of file", fname);
}

void qapi_cfile_free(struct qapi_cfile *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_funcs; i++) {
		free(f->funcs[i].name);
		free(f->funcs[i].signature);
	}
	for (i = 0; i < f->n_includes; i++)
		free(f->includes[i].target);
	for (i = 0; i < f->n_top_names; i++)
		free(f->top_names[i]);
	free(f->top_names);
	free(f->funcs);
	free(f->includes);
	free(f->fname);
	buf_release(&f->text);
	free(f);
}

const struct qapi_cfunc *qapi_cfile_find(const struct qapi_cfile *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_funcs; i++)
		if (!strcmp(f->funcs[i].name, name))
			return &f->funcs[i];
	return NULL;
}

/*
 * Normalized "RET NAME ( T1 , T2 )" of a definition: parameter names
 * dropped, storage classes dropped, so that a definition matches its
 * declaration whatever it calls its parameters.
 */
static char *normalize_signature(const char *sig)
{
	struct ctoks t = { NULL, 0 };
	struct buf b = BUF_INIT;
	size_t i, len = strlen(sig), lparen = 0, rparen = 0, pstart;
	int depth = 0;
	bool *drop;

	tokenize(&t, sig, len);
	if (!t.n) {
		free(t.v);
		return xstrdup("");
	}
	drop = xcalloc(t.n + 1, sizeof(*drop));
	for (i = t.n; i-- > 0;)
		if (t.v[i].type == C_PUNCT && sig[t.v[i].start] == ')') {
			rparen = i;
			break;
		}
	for (i = rparen + 1; i-- > 0;) {
		if (t.v[i].type != C_PUNCT)
			continue;
		if (sig[t.v[i].start] == ')')
			depth++;
		else if (sig[t.v[i].start] == '(' && --depth == 0) {
			lparen = i;
			break;
		}
	}
	/* In each parameter of more than one token, a trailing identifier is its name. */
	depth = 0;
	pstart = lparen + 1;
	for (i = lparen + 1; rparen > lparen && i <= rparen; i++) {
		char c = t.v[i].type == C_PUNCT ? sig[t.v[i].start] : 0;

		if (c == '(' || c == '[')
			depth++;
		else if ((c == ')' || c == ']') && i != rparen)
			depth--;
		if ((c == ',' && depth == 0) || i == rparen) {
			if (i - pstart >= 2 && t.v[i - 1].type == C_IDENT)
				drop[i - 1] = true;
			pstart = i + 1;
		}
	}
	for (i = 0; i < t.n; i++) {
		const struct ctoken *k = &t.v[i];

		if (drop[i] || (i < lparen && k->type == C_IDENT &&
				(tok_is(sig, k, "static") || tok_is(sig, k, "inline") ||
				 tok_is(sig, k, "extern"))))
			continue;
		if (b.len)
			buf_putc(&b, ' ');
		buf_put(&b, sig + k->start, k->end - k->start);
	}
	free(drop);
	free(t.v);
	return buf_detach(&b, NULL);
}

static char *proto_signature(const struct qapi_proto *p)
{
	char *full = qapi_proto_string(p);
	size_t n = strlen(full);
	char *norm;

	if (n && full[n - 1] == ';')
		full[n - 1] = '\0';
	norm = normalize_signature(full);
	free(full);
	return norm;
}

int qapi_handlers_check(const struct qapi_cfile *h, const struct qapi_proto *protos, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct qapi_cfunc *fn = NULL;
		size_t count = 0;
		char *want, *got, *expect;
		unsigned line, col;

		for (j = 0; j < h->n_funcs; j++)
			if (!strcmp(h->funcs[j].name, protos[i].func)) {
				fn = &h->funcs[j];
				count++;
			}
		expect = qapi_proto_string(&protos[i]);
		if (!fn) {
			int rc = error_set(ERR_INPUT, "%s: no definition of '%s' (command '%s'); expected: %s",
					   h->fname, protos[i].func, protos[i].command, expect);

			free(expect);
			return rc;
		}
		locate(h, fn->sig_start, &line, &col);
		if (count > 1) {
			int rc = error_set(ERR_INPUT, "%s:%u:%u: '%s' is defined more than once", h->fname,
					   line, col, fn->name);

			free(expect);
			return rc;
		}
		want = proto_signature(&protos[i]);
		got = normalize_signature(fn->signature);
		if (strcmp(want, got) || fn->is_static) {
			int rc = error_set(ERR_INPUT,
					   "%s:%u:%u: '%s' does not match the prototype of command '%s'%s; expected: %s",
					   h->fname, line, col, fn->name, protos[i].command,
					   fn->is_static ? " (it must not be static)" : "", expect);

			free(want);
			free(got);
			free(expect);
			return rc;
		}
		free(want);
		free(got);
		free(expect);
	}
	for (j = 0; j < h->n_funcs; j++) {
		const struct qapi_cfunc *fn = &h->funcs[j];
		bool is_handler = false;
		unsigned line, col;

		for (i = 0; i < n && !is_handler; i++)
			is_handler = !strcmp(fn->name, protos[i].func);
		if (is_handler || fn->is_static)
			continue;
		locate(h, fn->sig_start, &line, &col);
		if (!strncmp(fn->name, "qmp_", 4))
			return error_set(ERR_INPUT,
					 "%s:%u:%u: '%s' is not the handler of a command being added",
					 h->fname, line, col, fn->name);
		return error_set(ERR_INPUT,
				 "%s:%u:%u: helper function '%s' must be static (only the qmp_ handlers are shared)",
				 h->fname, line, col, fn->name);
	}
	return 0;
}

static bool is_commands_header(const char *target)
{
	return !strcmp(target, "\"qga-qapi-commands.h\"") || !strcmp(target, "\"qga-qmp-commands.h\"");
}

static bool has_include(const struct qapi_cfile *f, const char *target, bool unconditional_only)
{
	size_t i;

	for (i = 0; i < f->n_includes; i++) {
		const char *t = f->includes[i].target;

		if (unconditional_only && f->includes[i].conditional)
			continue;
		if (!strcmp(t, target) || (is_commands_header(t) && is_commands_header(target)))
			return true;
	}
	return false;
}

static const char *eol_of(const struct buf *text)
{
	const char *nl = memchr(text->ptr, '\n', text->len);

	return nl && nl > text->ptr && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Put `text` (LF line ends) into `b` with line ending `eol`. */
static void put_eol(struct buf *b, const char *text, size_t len, const char *eol)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue;
		if (text[i] == '\n')
			buf_puts(b, eol);
		else
			buf_putc(b, text[i]);
	}
}

int qapi_cfile_add_handlers(struct buf *out, const struct qapi_cfile *target,
			    const struct qapi_cfile *h, const char *origin)
{
	const char *eol = eol_of(&target->text);
	struct buf includes = BUF_INIT, code = BUF_INIT;
	size_t i, j, pos;

	if (!target->include_block_end)
		return error_set(ERR_INPUT, "%s: no #include block to add includes to", target->fname);
	if (!target->ends_at_top_level)
		return error_set(ERR_INPUT, "%s: does not end at file scope (unbalanced #if or braces)",
				 target->fname);
	for (i = 0; i < h->n_top_names; i++)
		for (j = 0; j < target->n_top_names; j++)
			if (!strcmp(h->top_names[i], target->top_names[j])) {
				const struct qapi_cfunc *fn = qapi_cfile_find(h, h->top_names[i]);
				unsigned line = 1, col = 1;

				if (fn)
					locate(h, fn->sig_start, &line, &col);
				return error_set(ERR_EXISTS, "%s:%u:%u: '%s' is already defined in %s",
						 h->fname, line, col, h->top_names[i], target->fname);
			}

	for (i = 0; i < h->n_includes; i++) {
		const struct qapi_cinclude *inc = &h->includes[i];
		bool dup = false;

		if (inc->conditional || inc->end > h->include_block_end)
			continue;
		for (j = 0; j < i && !dup; j++)
			dup = !strcmp(h->includes[j].target, inc->target);
		if (dup || has_include(target, inc->target, true))
			continue;
		buf_printf(&includes, "#include %s%s", inc->target, eol);
	}

	/* The handler code: everything after its leading #include block. */
	pos = h->include_block_end;
	while (pos < h->text.len && (h->text.ptr[pos] == '\n' || h->text.ptr[pos] == '\r'))
		pos++;
	put_eol(&code, h->text.ptr + pos, h->text.len - pos, eol);
	buf_rtrim(&code);

	buf_put(out, target->text.ptr, target->include_block_end);
	buf_put(out, includes.ptr, includes.len);
	buf_put(out, target->text.ptr + target->include_block_end,
		target->text.len - target->include_block_end);
	if (out->len && out->ptr[out->len - 1] != '\n')
		buf_puts(out, eol);
	buf_printf(out, "%s/* %s */%s", eol, origin, eol);
	buf_put(out, code.ptr, code.len);
	buf_puts(out, eol);
	buf_release(&includes);
	buf_release(&code);
	return 0;
}

static const char *default_return(const struct qapi_proto *p)
{
	if (!strcmp(p->ret, "void"))
		return "";
	if (p->ret_pointer)
		return "    return NULL;\n";
	if (!strcmp(p->ret, "bool"))
		return "    return false;\n";
	return "    return 0;\n";
}

static char *definition_head(const struct qapi_proto *p)
{
	char *s = qapi_proto_string(p);
	size_t n = strlen(s);

	if (n && s[n - 1] == ';')
		s[n - 1] = '\0';
	return s;
}

int qapi_stub_generate(struct buf *out, const char *tmpl, const struct qapi_proto *p)
{
	struct buf b = BUF_INIT, unused = BUF_INIT;
	char *head = definition_head(p);
	size_t i;

	for (i = 0; i + 1 < p->n; i++)
		buf_printf(&unused, "    (void)%s;\n", p->params[i].name);
	buf_puts(&b, tmpl);
	buf_replace_all(&b, "{{INCLUDES}}",
		    "#include \"qemu/osdep.h\"\n#include \"qapi/error.h\"\n#include \"qga-qapi-commands.h\"\n");
	buf_replace_all(&b, "{{PROTOTYPE}}", head);
	buf_replace_all(&b, "{{COMMAND}}", p->command);
	buf_replace_all(&b, "{{UNUSED}}", unused.ptr);
	buf_replace_all(&b, "{{RETURN}}", default_return(p));
	buf_put(out, b.ptr, b.len);
	buf_release(&b);
	buf_release(&unused);
	free(head);
	return 0;
}

int qapi_win32_add_stub(struct buf *out, const struct qapi_cfile *w, const struct qapi_proto *p,
			const char *blocklist_func)
{
	const struct qapi_cfunc *fn = qapi_cfile_find(w, blocklist_func);
	const char *eol = eol_of(&w->text);
	const char *s = w->text.ptr;
	char *param = NULL, *head;
	size_t ret_at = 0, i, indent_start;
	struct buf stub = BUF_INIT;

	if (!fn)
		return error_set(ERR_NOTFOUND, "%s: no function '%s' to add '%s' to", w->fname,
				 blocklist_func, p->command);
	if (qapi_cfile_find(w, p->func))
		return error_set(ERR_EXISTS, "%s: '%s' is already defined", w->fname, p->func);
	/* The list parameter's name: the identifier before the signature's last ')'. */
	{
		struct ctoks t = { NULL, 0 };
		const char *sig = fn->signature;

		tokenize(&t, sig, strlen(sig));
		for (i = t.n; i-- > 1;)
			if (t.v[i].type == C_PUNCT && sig[t.v[i].start] == ')') {
				if (t.v[i - 1].type == C_IDENT)
					param = xstrndup(sig + t.v[i - 1].start,
							 t.v[i - 1].end - t.v[i - 1].start);
				break;
			}
		free(t.v);
		if (!param)
			param = xstrdup("");
	}
	/* Before the function's last "return" line. */
	for (i = fn->sig_start; i + 6 < fn->end; i++) {
		if (!strncmp(s + i, "return", 6) && !isalnum((unsigned char)s[i + 6]) &&
		    (i == 0 || !isalnum((unsigned char)s[i - 1])))
			ret_at = i;
	}
	if (!ret_at || !*param) {
		free(param);
		return error_set(ERR_NOTFOUND, "%s: cannot find where '%s' returns its list", w->fname,
				 blocklist_func);
	}
	indent_start = line_start_of(s, ret_at);
	buf_put(out, s, indent_start);
	buf_put(out, s + indent_start, ret_at - indent_start);
	buf_printf(out, "%s = g_list_append(%s, g_strdup(\"%s\"));%s", param, param, p->command, eol);
	buf_put(out, s + indent_start, w->text.len - indent_start);
	if (out->len && out->ptr[out->len - 1] != '\n')
		buf_puts(out, eol);
	head = definition_head(p);
	buf_printf(&stub, "\n%s\n{\n    error_setg(errp, QERR_UNSUPPORTED);\n%s}\n", head,
		   default_return(p));
	put_eol(out, stub.ptr, stub.len, eol);
	buf_release(&stub);
	free(head);
	free(param);
	return 0;
}
