#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

/*
 * Edits are computed as splices of the original text (offset, bytes to
 * insert) and applied from the end backwards, so every byte outside the
 * splices stays as it was.
 */

struct splice {
	size_t at;
	char *text;
	unsigned order;   /* ties at one offset keep the order they were added */
};

struct splices {
	struct splice *v;
	size_t n;
};

static void splice_add(struct splices *sp, size_t at, char *text)
{
	sp->v = xrealloc(sp->v, (sp->n + 1) * sizeof(*sp->v));
	sp->v[sp->n].at = at;
	sp->v[sp->n].text = text;
	sp->v[sp->n].order = (unsigned)sp->n;
	sp->n++;
}

static int splice_cmp(const void *a, const void *b)
{
	const struct splice *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

/* Apply in order: the text between splices is copied unchanged. */
static void splice_apply(struct buf *out, const char *text, size_t len, struct splices *sp)
{
	size_t pos = 0, i;

	if (sp->n)
		qsort(sp->v, sp->n, sizeof(*sp->v), splice_cmp);
	for (i = 0; i < sp->n; i++) {
		buf_put(out, text + pos, sp->v[i].at - pos);
		buf_puts(out, sp->v[i].text);
		pos = sp->v[i].at;
	}
	buf_put(out, text + pos, len - pos);
}

static void splices_release(struct splices *sp)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		free(sp->v[i].text);
	free(sp->v);
	sp->v = NULL;
	sp->n = 0;
}

/* ---- the file's style ---- */

static bool uses_crlf(const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);

	return nl && nl > text && nl[-1] == '\r';
}

/* "\n" -> eol throughout (text is LF-only). */
static char *with_eol(const char *text, const char *eol)
{
	struct buf b = BUF_INIT;

	for (; *text; text++) {
		if (*text == '\n')
			buf_puts(&b, eol);
		else
			buf_putc(&b, *text);
	}
	return buf_detach(&b, NULL);
}

/* The blank lines the schema puts between definitions (most common count; default 1). */
static int blank_lines_between(const struct qapi_schema *s)
{
	int counts[4] = { 0, 0, 0, 0 };
	size_t i;
	int best = 1;

	for (i = 0; i + 1 < s->n_items; i++) {
		const struct qapi_item *a = &s->items[i], *b = &s->items[i + 1];
		size_t from, to, k;
		int nl = 0;

		if (a->is_doc)
			continue;
		from = s->toks[a->last_tok].end;
		to = s->toks[b->first_tok].start;
		for (k = from; k < to; k++) {
			if (s->src[k] == '\n')
				nl++;
			else if (!isspace((unsigned char)s->src[k]))
				break;
		}
		if (k == to && nl >= 1 && nl - 1 < 4)
			counts[nl - 1]++;
	}
	for (i = 0; i < 4; i++)
		if (counts[i] > counts[best])
			best = (int)i;
	return best;
}

/* Indent of continuation keys in multi-line commands ("  'data': ..."); default 2. */
static size_t continuation_indent(const struct qapi_schema *s)
{
	size_t i;

	for (i = s->n_defs; i-- > 0;) {
		const struct qapi_def *d = &s->defs[i];

		if (d->meta != QAPI_COMMAND || d->expr->n < 2)
			continue;
		if (d->expr->key_locs[1].line != d->expr->key_locs[0].line) {
			size_t off = d->expr->key_locs[1].offset, k = off;

			while (k > 0 && (s->src[k - 1] == ' '))
				k--;
			if (k == 0 || s->src[k - 1] == '\n')
				return off - k;
		}
	}
	return 2;
}

/* ---- pragma list ---- */

static bool list_sorted(const struct qapi_value *l)
{
	size_t i;

	for (i = 0; i + 1 < l->n; i++)
		if (l->items[i]->type != QAPI_STRING || l->items[i + 1]->type != QAPI_STRING ||
		    strcmp(l->items[i]->str, l->items[i + 1]->str) > 0)
			return false;
	return true;
}

/* Text between two items of a list, e.g. ",\n        " (NULL if it holds a comment). */
static char *item_separator(const struct qapi_schema *s, const struct qapi_value *l)
{
	size_t a, b;

	if (l->n < 2)
		return xstrdup(", ");
	a = l->items[l->n - 2]->end;
	b = l->items[l->n - 1]->loc.offset;
	if (memchr(s->src + a, '#', b - a))
		return xstrdup(", ");
	return xstrndup(s->src + a, b - a);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add names (sorted) to list `l` of schema s. */
static void list_add_names(struct splices *sp, const struct qapi_schema *s, const struct qapi_value *l,
			   char **names, size_t n, const char *eol)
{
	char *sep = item_separator(s, l);
	bool sorted = list_sorted(l);
	size_t i, k = 0;

	(void)eol;
	qsort(names, n, sizeof(*names), cmp_str);
	if (l->n == 0) {
		struct buf b = BUF_INIT;

		buf_puts(&b, " ");
		for (i = 0; i < n; i++)
			buf_printf(&b, "%s'%s'", i ? ", " : "", names[i]);
		buf_puts(&b, " ");
		splice_add(sp, s->toks[l->first_tok].end, buf_detach(&b, NULL));
		free(sep);
		return;
	}
	for (i = 0; i < n; i++) {
		if (sorted) {
			while (k < l->n && strcmp(l->items[k]->str, names[i]) < 0)
				k++;
		} else {
			k = l->n;
		}
		if (k < l->n)
			splice_add(sp, l->items[k]->loc.offset, xasprintf("'%s'%s", names[i], sep));
		else
			splice_add(sp, l->items[l->n - 1]->end, xasprintf("%s'%s'", sep, names[i]));
	}
	free(sep);
}

static void pragma_add(struct splices *sp, const struct qapi_schema *s, const char *pragma_name,
		       char **names, size_t n, const char *eol)
{
	const struct qapi_def *last_pragma = NULL;
	size_t i;

	for (i = s->n_defs; i-- > 0;) {
		const struct qapi_def *d = &s->defs[i];
		const struct qapi_value *l;

		if (d->meta != QAPI_PRAGMA)
			continue;
		if (!last_pragma)
			last_pragma = d;
		l = qapi_dict_get(d->expr->items[0], pragma_name);
		if (l && l->type == QAPI_LIST) {
			list_add_names(sp, s, l, names, n, eol);
			return;
		}
	}
	{
		struct buf list = BUF_INIT;

		qsort(names, n, sizeof(*names), cmp_str);
		buf_printf(&list, "'%s': [ ", pragma_name);
		for (i = 0; i < n; i++)
			buf_printf(&list, "%s'%s'", i ? ", " : "", names[i]);
		buf_puts(&list, " ]");
		if (last_pragma) {
			/* A new key in the last pragma's dictionary, laid out like its last key. */
			const struct qapi_value *p = last_pragma->expr->items[0];
			char *text;

			if (p->n && p->key_locs[p->n - 1].line != last_pragma->expr->loc.line) {
				size_t off = p->key_locs[p->n - 1].offset, k = off;

				while (k > 0 && s->src[k - 1] == ' ')
					k--;
				text = xasprintf(",%s%*s%s", eol, (int)(off - k), "", list.ptr);
			} else if (p->n) {
				text = xasprintf(", %s", list.ptr);
			} else {
				text = xasprintf(" %s ", list.ptr);
			}
			splice_add(sp, p->n ? p->items[p->n - 1]->end : s->toks[p->first_tok].end, text);
		} else {
			/* No pragma yet: one before the first definition (or at the end). */
			size_t at = s->len;
			char *text;

			for (i = 0; i < s->n_items; i++) {
				at = s->toks[s->items[i].first_tok].start;
				break;
			}
			text = xasprintf("{ 'pragma': { %s } }%s%s", list.ptr, eol, eol);
			if (at == s->len && s->len && s->src[s->len - 1] != '\n') {
				char *t = xasprintf("%s%s", eol, text);

				free(text);
				text = t;
			}
			splice_add(sp, at, text);
		}
		buf_release(&list);
	}
}

/* ---- 'if' for commands of the fragment ---- */

static void add_if(struct splices *sp, const struct qapi_schema *f, const struct qapi_def *d,
		   const char *cond)
{
	const struct qapi_value *e = d->expr;
	const struct qapi_value *last = e->items[e->n - 1];

	if (e->n >= 2 && e->key_locs[1].line != e->key_locs[0].line) {
		size_t off = e->key_locs[e->n - 1].offset, k = off;

		while (k > 0 && f->src[k - 1] == ' ')
			k--;
		splice_add(sp, last->end, xasprintf(",\n%*s'if': '%s'", (int)(off - k), "", cond));
	} else {
		splice_add(sp, last->end, xasprintf(", 'if': '%s'", cond));
	}
}

/*
 * The one returns rule (qapi_returns_needs_pragma()), with the return type
 * looked up in the fragment and in the schema it joins.
 */
static bool needs_pragma(const struct qapi_schema *schema, const struct qapi_schema *frag,
			 const struct qapi_def *cmd)
{
	return qapi_returns_needs_pragma(frag, cmd) && qapi_returns_needs_pragma(schema, cmd);
}

static bool in_pragma_list(const struct qapi_schema *s, const char *pragma, const char *name)
{
	size_t i, j;

	for (i = 0; i < s->n_defs; i++) {
		const struct qapi_value *l;

		if (s->defs[i].meta != QAPI_PRAGMA)
			continue;
		l = qapi_dict_get(s->defs[i].expr->items[0], pragma);
		for (j = 0; l && l->type == QAPI_LIST && j < l->n; j++)
			if (l->items[j]->type == QAPI_STRING && !strcmp(l->items[j]->str, name))
				return true;
	}
	return false;
}

int qapi_insert_fragment(struct buf *out, const struct qapi_schema *schema,
			 const struct qapi_schema *frag, const struct qapi_version *v,
			 struct qapi_insert_opts *opts)
{
	struct splices fsp = { NULL, 0 }, ssp = { NULL, 0 };
	struct buf ftext = BUF_INIT;
	const char *eol = uses_crlf(schema->src, schema->len) ? "\r\n" : "\n";
	const char *pragma = qapi_returns_pragma(v);
	char **names = NULL;
	size_t n_names = 0, i, at, from, to;
	char *converted = NULL;
	int rc = 0, blanks;

	if (!frag->n_defs)
		return error_set(ERR_INPUT, "%s: no definition to add", frag->fname);
	for (i = 0; i < frag->n_defs; i++) {
		const struct qapi_def *d = &frag->defs[i];
		const struct qapi_def *old;
		const struct qapi_schema *where = NULL;

		if (d->meta == QAPI_PRAGMA || d->meta == QAPI_INCLUDE) {
			rc = qapi_err_at(frag, d->start, "a fragment may not contain '%s' (qga-forge keeps %s)",
					 qapi_meta_name(d->meta),
					 d->meta == QAPI_PRAGMA ? "the schema's pragma lists itself" :
					 "everything in one schema file");
			goto out;
		}
		if (!d->name)
			continue;
		old = qapi_lookup(schema, d->name, &where);
		if (old) {
			struct qapi_loc l = qapi_schema_loc(where, old->start);
			struct qapi_loc fl = qapi_schema_loc(frag, d->start);

			rc = error_set(ERR_EXISTS, "%s:%u:%u: '%s' is already defined in %s:%u:%u (%s '%s' of the tree)",
				       frag->fname, fl.line, fl.col, d->name, where->fname, l.line, l.col,
				       qapi_meta_name(old->meta), old->name);
			goto out;
		}
		if (d->meta == QAPI_COMMAND && opts && opts->schema_if && !qapi_dict_get(d->expr, "if"))
			add_if(&fsp, frag, d, opts->schema_if);
		if (d->meta == QAPI_COMMAND && needs_pragma(schema, frag, d) &&
		    !in_pragma_list(schema, pragma, d->name)) {
			names = xrealloc(names, (n_names + 1) * sizeof(*names));
			names[n_names++] = xstrdup(d->name);
		}
	}

	/* The fragment's text: from its first doc block or definition to the end of its last line. */
	from = frag->toks[frag->items[0].first_tok].start;
	to = frag->defs[frag->n_defs - 1].line_end;
	if (to < frag->defs[frag->n_defs - 1].end)
		to = frag->defs[frag->n_defs - 1].end;
	{
		struct buf raw = BUF_INIT;
		struct splices local = { NULL, 0 };

		for (i = 0; i < fsp.n; i++)
			splice_add(&local, fsp.v[i].at - from, xstrdup(fsp.v[i].text));
		splice_apply(&raw, frag->src + from, to - from, &local);
		splices_release(&local);
		/* Normalise to LF, then to the schema's line ending. */
		for (i = 0; i < raw.len; i++)
			if (!(raw.ptr[i] == '\r' && i + 1 < raw.len && raw.ptr[i + 1] == '\n'))
				buf_putc(&ftext, raw.ptr[i]);
		buf_release(&raw);
		if (!ftext.len || ftext.ptr[ftext.len - 1] != '\n')
			buf_putc(&ftext, '\n');
	}

	/* Where it goes: after `after`'s line, or after the last definition. */
	if (opts && opts->after) {
		const struct qapi_def *d = qapi_schema_find(schema, opts->after);

		if (!d) {
			rc = error_set(ERR_NOTFOUND, "%s: no definition '%s' to insert after", schema->fname,
				       opts->after);
			goto out;
		}
		at = d->line_end;
	} else if (schema->n_defs) {
		at = schema->defs[schema->n_defs - 1].line_end;
	} else {
		at = schema->len;
	}

	blanks = blank_lines_between(schema);
	{
		struct buf ins = BUF_INIT;
		int k;

		if (at > 0 && schema->src[at - 1] != '\n')
			buf_puts(&ins, "\n");
		for (k = 0; k < blanks; k++)
			buf_puts(&ins, "\n");
		buf_put(&ins, ftext.ptr, ftext.len);
		/* Keep the blank line(s) before what follows, if it followed directly. */
		if (at < schema->len && schema->src[at] != '\n' && schema->src[at] != '\r')
			for (k = 0; k < blanks; k++)
				buf_puts(&ins, "\n");
		converted = with_eol(ins.ptr, eol);
		/* Where the fragment's own text lands (after the separating newlines). */
		{
			size_t lead = 0, k;

			for (k = 0; k < strlen(converted) && (converted[k] == '\n' || converted[k] == '\r'); k++)
				lead++;
			if (opts) {
				opts->frag_offset = at + lead;
				opts->frag_len = strlen(converted) - lead;
				opts->frag_src_offset = from;
			}
		}
		buf_release(&ins);
		splice_add(&ssp, at, converted);
		converted = NULL;
	}
	if (n_names)
		pragma_add(&ssp, schema, pragma, names, n_names, eol);
	/* A pragma edit before the fragment moves it by the bytes it adds. */
	if (opts)
		for (i = 0; i < ssp.n; i++)
			if (ssp.v[i].at < at)
				opts->frag_offset += strlen(ssp.v[i].text);
	splice_apply(out, schema->src, schema->len, &ssp);
out:
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(converted);
	buf_release(&ftext);
	splices_release(&fsp);
	splices_release(&ssp);
	return rc;
}

/* ---- fragments from the command line ---- */

static bool valid_type_ref(const char *t)
{
	const char *p = t;

	if (!*p || strlen(p) > 127 || !isalpha((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return false;
	return true;
}

int qapi_parse_type_spec(const char **type, bool *list, char *text)
{
	size_t n = strlen(text);

	*list = false;
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
		text[n - 1] = '\0';
		text++;
		n -= 2;
		if (n >= 2 && ((text[0] == '\'' && text[n - 1] == '\'') ||
			       (text[0] == '"' && text[n - 1] == '"'))) {
			text[n - 1] = '\0';
			text++;
		}
		*list = true;
	}
	if (!valid_type_ref(text))
		return error_set(ERR_USAGE, "'%s' is not a type name (use NAME or ['NAME'])", text);
	*type = text;
	return 0;
}

int qapi_parse_arg_spec(struct qapi_arg_spec *spec, char *arg)
{
	char *colon = strchr(arg, ':');
	char *type, *doc;

	memset(spec, 0, sizeof(*spec));
	if (!colon)
		return error_set(ERR_USAGE, "--arg '%s': expected NAME:TYPE", arg);
	*colon = '\0';
	type = colon + 1;
	doc = strchr(type, ':');
	if (doc) {
		*doc++ = '\0';
		spec->doc = doc;
	}
	if (*arg == '*') {
		spec->optional = true;
		arg++;
	}
	if (!qapi_valid_member_name(arg))
		return error_set(ERR_USAGE,
				 "--arg: '%s' is not a valid argument name (lower case letters, digits and '-', starting with a letter; not 'u' or 'has-...')",
				 arg);
	spec->name = arg;
	return qapi_parse_type_spec(&spec->type, &spec->list, type);
}

/* Doc text goes into "# " comment lines: it must not read as QAPI doc markup. */
static int check_doc_text(const char *what, const char *text)
{
	static const char *const tags[] = {
		"Returns:", "Since:", "Note:", "Notes:", "Example:", "Examples:", "TODO:", "Features:", NULL
	};
	const char *line = text;

	for (const char *p = text; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch < 32 && ch != '\n') || ch == 127)
			return error_set(ERR_USAGE, "%s: control characters are not allowed", what);
	}
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *p = line;
		size_t i;

		while (p < line + len && *p == ' ')
			p++;
		if (*p == '@' || *p == '=' || *p == '#')
			return error_set(ERR_USAGE, "%s: a line may not start with '%c' (QAPI doc markup)", what,
					 *p);
		for (i = 0; tags[i]; i++)
			if (!strncmp(p, tags[i], strlen(tags[i])))
				return error_set(ERR_USAGE, "%s: a line may not start with '%s' (a doc section tag)",
						 what, tags[i]);
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Append text as "# " lines wrapped at 70 columns; continuation indent `indent`. */
static void put_wrapped(struct buf *b, const char *first_prefix, size_t indent, const char *text)
{
	const char *p = text;
	size_t col;
	bool first_word = true;

	buf_printf(b, "# %s", first_prefix);
	col = 2 + strlen(first_prefix);
	while (*p) {
		const char *w;
		size_t wl;

		if (*p == '\n') {
			buf_puts(b, "\n#");
			p++;
			if (*p && *p != '\n') {
				buf_printf(b, " %*s", (int)indent, "");
				col = 2 + indent;
			} else {
				col = 1;
			}
			first_word = true;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		w = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
		wl = (size_t)(p - w);
		if (!first_word && col + 1 + wl > 70) {
			buf_printf(b, "\n# %*s", (int)indent, "");
			col = 2 + indent;
			first_word = true;
		}
		if (!first_word) {
			buf_putc(b, ' ');
			col++;
		}
		buf_put(b, w, wl);
		col += wl;
		first_word = false;
	}
	buf_putc(b, '\n');
}

static int check_type_known(const struct qapi_schema *s, const char *type, const char *what)
{
	if (qapi_is_builtin(type) || qapi_lookup(s, type, NULL))
		return 0;
	return error_set(ERR_USAGE, "%s: unknown type '%s' (built-in types: str, int, int8..int64, "
			 "uint8..uint64, size, number, bool, any; or a type of the schema)", what, type);
}

int qapi_fragment_from_spec(struct buf *out, const struct qapi_schema *schema,
			    const struct qapi_command_spec *spec, const struct qapi_version *v,
			    const char *doc_template)
{
	struct buf doc = BUF_INIT, members = BUF_INIT, returns = BUF_INIT, expr = BUF_INIT;
	const char *eol = uses_crlf(schema->src, schema->len) ? "\r\n" : "\n";
	size_t indent = continuation_indent(schema), i, j;
	char since[32];
	char *text = NULL;
	int rc = 0;

	if (!qapi_valid_command_name(spec->name)) {
		rc = error_set(ERR_USAGE,
			       "'%s' is not a valid command name (lower case letters, digits and '-', starting with a letter)",
			       spec->name);
		goto out;
	}
	if (spec->since) {
		const char *p = spec->since;

		if (!isdigit((unsigned char)*p) || strlen(p) > 20)
			goto bad_since;
		for (; *p; p++)
			if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
				goto bad_since;
		snprintf(since, sizeof(since), "%s", spec->since);
	} else {
		snprintf(since, sizeof(since), "%d.%d", v ? v->major : 0, v ? v->minor : 0);
	}
	if (spec->doc) {
		rc = check_doc_text("--doc", spec->doc);
		if (rc)
			goto out;
	}
	for (i = 0; i < spec->n_args; i++) {
		const struct qapi_arg_spec *a = &spec->args[i];
		char *prefix;

		if (!qapi_valid_member_name(a->name)) {
			rc = error_set(ERR_USAGE, "--arg: '%s' is not a valid argument name", a->name);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(spec->args[j].name, a->name)) {
				rc = error_set(ERR_USAGE, "--arg: '%s' is given twice", a->name);
				goto out;
			}
		rc = check_type_known(schema, a->type, "--arg");
		if (!rc && a->doc)
			rc = check_doc_text("--arg", a->doc);
		if (rc)
			goto out;
		prefix = xasprintf("@%s: ", a->name);
		if (a->doc && *a->doc) {
			put_wrapped(&members, prefix, strlen(prefix), a->doc);
		} else {
			char *t = xasprintf("%s%s of type '%s'", a->list ? "list" : "argument",
					    a->optional ? " (optional)" : "", a->type);

			put_wrapped(&members, prefix, strlen(prefix), t);
			free(t);
		}
		free(prefix);
		buf_puts(&members, "#\n");
	}
	if (spec->returns) {
		char *t;

		rc = check_type_known(schema, spec->returns, "--returns");
		if (rc)
			goto out;
		t = xasprintf("%s '%s'", spec->returns_list ? "a list of" : "a value of type",
			      spec->returns);
		put_wrapped(&returns, "Returns: ", 9, t);
		free(t);
		buf_puts(&returns, "#\n");
	}

	buf_puts(&doc, doc_template);
	{
		struct buf summary = BUF_INIT;

		put_wrapped(&summary, "", 0, spec->doc && *spec->doc ? spec->doc :
			    "Not documented yet.");
		buf_rtrim(&summary);
		buf_replace_all(&doc, "{{SUMMARY}}", summary.ptr);
		buf_release(&summary);
	}
	buf_replace_all(&doc, "{{NAME}}", spec->name);
	buf_replace_all(&doc, "{{MEMBERS}}", members.ptr);
	buf_replace_all(&doc, "{{RETURNS}}", returns.ptr);
	buf_replace_all(&doc, "{{SINCE}}", since);

	buf_printf(&expr, "{ 'command': '%s'", spec->name);
	if (spec->n_args) {
		buf_printf(&expr, ",\n%*s'data': { ", (int)indent, "");
		for (i = 0; i < spec->n_args; i++) {
			const struct qapi_arg_spec *a = &spec->args[i];

			buf_printf(&expr, "%s'%s%s': %s'%s'%s", i ? ", " : "", a->optional ? "*" : "",
				   a->name, a->list ? "[" : "", a->type, a->list ? "]" : "");
		}
		buf_puts(&expr, " }");
	}
	if (spec->returns)
		buf_printf(&expr, ",\n%*s'returns': %s'%s'%s", (int)indent, "",
			   spec->returns_list ? "[" : "", spec->returns, spec->returns_list ? "]" : "");
	buf_puts(&expr, " }\n");
	buf_put(&doc, expr.ptr, expr.len);
	text = with_eol(doc.ptr, eol);
	buf_puts(out, text);
	goto out;
bad_since:
	rc = error_set(ERR_USAGE, "--since '%s': expected a version like 7.2", spec->since);
out:
	free(text);
	buf_release(&doc);
	buf_release(&members);
	buf_release(&returns);
	buf_release(&expr);
	return rc;
}

static unsigned line_of(const char *text, size_t len, size_t offset)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < offset && i < len; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

void qapi_remap_error(const char *merged_name, const char *merged_text, size_t merged_len,
		      const struct qapi_insert_opts *opts, const struct qapi_schema *frag)
{
	const char *msg = error_last();
	size_t nlen = strlen(merged_name);
	unsigned line, col, first, last, fline;
	int consumed = 0;
	char *rest;

	if (!opts || !opts->frag_len || strncmp(msg, merged_name, nlen) || msg[nlen] != ':')
		return;
	if (sscanf(msg + nlen, ":%u:%u:%n", &line, &col, &consumed) != 2 || !consumed)
		return;
	first = line_of(merged_text, merged_len, opts->frag_offset);
	last = line_of(merged_text, merged_len, opts->frag_offset + opts->frag_len - 1);
	if (line < first || line > last)
		return;
	fline = line_of(frag->src, frag->len, opts->frag_src_offset) + (line - first);
	rest = xstrdup(msg + nlen + consumed);
	error_set(error_last_code(), "%s:%u:%u:%s", frag->fname, fline, col, rest);
	free(rest);
}
