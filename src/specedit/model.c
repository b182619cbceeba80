#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "specedit/model.h"
#include "util/error.h"
#include "util/banned.h"

#define MAX_NUMBER 99999999

#define GROW(arr, n, alloc) \
	do { \
		if ((n) == (alloc)) { \
			(alloc) = (alloc) ? 2 * (alloc) : 16; \
			(arr) = xrealloc((arr), (alloc) * sizeof(*(arr))); \
		} \
	} while (0)

/*
 * Section names as rpm's parser knows them (4.11 to 4.20). A section header
 * must start its line; rpm compares case-insensitively.
 */
static const struct {
	const char *name;
	enum sm_section_kind kind;
} section_names[] = {
	{ "%package", SEC_PACKAGE },
	{ "%description", SEC_DESCRIPTION },
	{ "%prep", SEC_PREP },
	{ "%changelog", SEC_CHANGELOG },
	{ "%patchlist", SEC_PATCHLIST },
	{ "%sourcelist", SEC_SOURCELIST },
	{ "%files", SEC_FILES },
	{ "%build", SEC_SCRIPT },
	{ "%install", SEC_SCRIPT },
	{ "%check", SEC_SCRIPT },
	{ "%clean", SEC_SCRIPT },
	{ "%conf", SEC_SCRIPT },
	{ "%generate_buildrequires", SEC_SCRIPT },
	{ "%pre", SEC_SCRIPT },
	{ "%post", SEC_SCRIPT },
	{ "%preun", SEC_SCRIPT },
	{ "%postun", SEC_SCRIPT },
	{ "%pretrans", SEC_SCRIPT },
	{ "%posttrans", SEC_SCRIPT },
	{ "%preuntrans", SEC_SCRIPT },
	{ "%postuntrans", SEC_SCRIPT },
	{ "%verifyscript", SEC_SCRIPT },
	{ "%sepolicy", SEC_SCRIPT },
	{ "%trigger", SEC_SCRIPT },
	{ "%triggerin", SEC_SCRIPT },
	{ "%triggerun", SEC_SCRIPT },
	{ "%triggerpostun", SEC_SCRIPT },
	{ "%triggerprein", SEC_SCRIPT },
	{ "%filetriggerin", SEC_SCRIPT },
	{ "%filetrigger", SEC_SCRIPT },
	{ "%filetriggerun", SEC_SCRIPT },
	{ "%filetriggerpostun", SEC_SCRIPT },
	{ "%transfiletriggerin", SEC_SCRIPT },
	{ "%transfiletrigger", SEC_SCRIPT },
	{ "%transfiletriggerun", SEC_SCRIPT },
	{ "%transfiletriggerpostun", SEC_SCRIPT },
	{ "%end", SEC_SCRIPT },
};

static const char *const if_words[] = { "%if", "%ifarch", "%ifnarch", "%ifos", "%ifnos", NULL };
static const char *const else_words[] = { "%else", "%elif", "%elifarch", "%elifos", NULL };

bool sm_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

size_t sm_skip_blanks(const char *s, size_t i, size_t n)
{
	while (i < n && sm_is_blank((unsigned char)s[i]))
		i++;
	return i;
}

/* `word` at s[i], followed by the end, a blank, or a character that cannot continue a name. */
bool sm_word_at(const char *s, size_t n, size_t i, const char *word)
{
	size_t wl = strlen(word);
	unsigned char c;

	if (i + wl > n || strncasecmp(s + i, word, wl) != 0)
		return false;
	if (i + wl == n)
		return true;
	c = (unsigned char)s[i + wl];
	return !(isalnum(c) || c == '_');
}

unsigned sm_visual_col(const char *s, size_t n)
{
	unsigned col = 0;
	size_t i;

	for (i = 0; i < n; i++)
		col = s[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
	return col;
}

void sm_pad_to(struct buf *b, const char *line_start, unsigned col, const char *ws, size_t ws_len,
	       bool aligned)
{
	unsigned cur = sm_visual_col(line_start, strlen(line_start));
	bool tabs = memchr(ws, '\t', ws_len) != NULL;

	if (!aligned) {
		if (ws_len)
			buf_put(b, ws, ws_len);
		else
			buf_putc(b, ' ');
		return;
	}
	if (cur >= col) {
		buf_putc(b, tabs ? '\t' : ' ');
		return;
	}
	if (tabs) {
		while ((cur / 8 + 1) * 8 <= col) {
			buf_putc(b, '\t');
			cur = (cur / 8 + 1) * 8;
		}
	}
	while (cur < col) {
		buf_putc(b, ' ');
		cur++;
	}
}

static size_t tag_ws(const struct sm_tag *t)
{
	return t->value_off - t->colon - 1;
}

bool sm_tag_aligned(const struct sm *sm, const struct sm_tag *t)
{
	unsigned col;
	size_t i;

	if (t->listed)
		return false;
	if (tag_ws(t) >= 2 || memchr(sm->text + t->colon + 1, '\t', tag_ws(t)))
		return true;
	/* One blank can still line up with tags padded to the same column. */
	col = sm_visual_col(sm_line_ptr(sm, t->line), t->value_off - sm->lines[t->line].off);
	for (i = 0; i < sm->ntags; i++) {
		const struct sm_tag *o = &sm->tags[i];

		if (o == t || o->commented || o->listed || !o->value_len || tag_ws(o) < 2)
			continue;
		if (sm_visual_col(sm_line_ptr(sm, o->line), o->value_off - sm->lines[o->line].off) == col)
			return true;
	}
	return false;
}

void sm_put_escaped(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%')
			buf_putc(b, '%');
		buf_putc(b, s[i]);
	}
}

int sm_error(const struct sm *sm, size_t line, size_t off, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	unsigned col = 1;
	va_list ap;

	if (off != (size_t)-1 && line < sm->nlines && off >= sm->lines[line].off)
		col = (unsigned)(off - sm->lines[line].off) + 1;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	error_set(ERR_INPUT, "%s:%zu:%u: %s", sm->path, line + 1, col, msg.ptr);
	buf_release(&msg);
	return ERR_INPUT;
}

static int split_lines(struct sm *sm)
{
	size_t alloc = 0, i = 0, start = 0;

	while (start < sm->size) {
		const char *nl = memchr(sm->text + start, '\n', sm->size - start);
		size_t end = nl ? (size_t)(nl - sm->text) : sm->size;
		struct sm_line *l;

		GROW(sm->lines, sm->nlines, alloc);
		l = &sm->lines[sm->nlines++];
		memset(l, 0, sizeof(*l));
		l->off = start;
		l->len = end - start;
		l->eol = nl ? 1 : 0;
		if (nl && l->len && sm->text[end - 1] == '\r') {
			l->len--;
			l->eol = 2;
		}
		for (i = l->off; i < l->off + l->len; i++) {
			unsigned char c = (unsigned char)sm->text[i];

			if (c < 0x20 && c != '\t' && c != '\f' && c != '\v' && c != '\r')
				return sm_error(sm, sm->nlines - 1, i,
						"binary data in the spec (byte 0x%02x)", c);
		}
		start = nl ? end + 1 : sm->size;
	}
	sm->nl = sm->nlines && sm->lines[0].eol == 2 ? "\r\n" : "\n";
	return 0;
}

static bool is_comment_line(const char *s, size_t n)
{
	size_t i = sm_skip_blanks(s, 0, n);

	return i < n && s[i] == '#';
}

static bool match_word_list(const char *s, size_t n, size_t i, const char *const *words)
{
	for (; *words; words++)
		if (sm_word_at(s, n, i, *words))
			return true;
	return false;
}

static bool is_endif_at(const char *s, size_t n, size_t b)
{
	return sm_word_at(s, n, b, "%endif") || (n - b > 6 && !strncmp(s + b, "%endif", 6) && s[b + 6] == '#');
}

/* %if..., %else, %elif..., %endif at the start of a physical line (after blanks). */
static bool is_cond_line(const char *s, size_t n)
{
	size_t b = sm_skip_blanks(s, 0, n);

	return match_word_list(s, n, b, if_words) || match_word_list(s, n, b, else_words) ||
	       is_endif_at(s, n, b);
}

/*
 * rpm joins a line with the next one when it ends in a backslash or leaves
 * a %{ or %( open. Track both, skipping %% escapes. Returns the first line
 * of a logical line that is still open at the end of the text (an unclosed
 * %{ or %(, or a final backslash), which rpm rejects; (size_t)-1 when there
 * is none.
 *
 * rpm evaluates %if/%else/%endif on every physical line, also between the
 * lines of a backslash-continued command (real specs put them among the
 * options of a configure call). Such a conditional line is a logical line
 * of its own; the command is split around it into pieces, each a logical
 * line, so that the conditional structure stays visible to the model. A
 * piece that continues a command is never taken for a comment line.
 */
static size_t group_logical(struct sm *sm)
{
	size_t i = 0, open = (size_t)-1, pending_first = 0;
	bool pending = false;   /* a backslash continuation interrupted by conditional lines */

	while (i < sm->nlines) {
		size_t first = i, j;
		int depth = 0;
		bool cont, continuing = pending;

		if (pending && is_cond_line(sm_line_ptr(sm, i), sm->lines[i].len)) {
			sm->lines[i].first = sm->lines[i].last = i;
			i++;
			continue;
		}
		pending = false;
		do {
			const char *s = sm_line_ptr(sm, i);
			size_t n = sm->lines[i].len, k;

			if (i > first && depth == 0 && is_cond_line(s, n)) {
				pending = true;
				pending_first = first;
				break;
			}
			cont = false;
			if (!(i == first && !continuing && is_comment_line(s, n))) {
				for (k = 0; k < n; k++) {
					if (s[k] == '%' && k + 1 < n && s[k + 1] == '%') {
						k++;
					} else if (s[k] == '%' && k + 1 < n && (s[k + 1] == '{' || s[k + 1] == '(')) {
						depth++;
						k++;
					} else if (depth > 0 && (s[k] == '{' || s[k] == '(')) {
						depth++;
					} else if (depth > 0 && (s[k] == '}' || s[k] == ')')) {
						depth--;
					} else if (s[k] == '\\' && k + 1 < n) {
						k++;
					}
				}
				cont = depth > 0 || (n > 0 && s[n - 1] == '\\');
			}
			i++;
		} while (cont && i < sm->nlines);
		if (cont && !pending)
			open = first;
		for (j = first; j < i; j++) {
			sm->lines[j].first = first;
			sm->lines[j].last = i - 1;
		}
	}
	if (pending)
		open = pending_first;
	return open;
}

static int section_at(const char *s, size_t n, enum sm_section_kind *kind)
{
	size_t k;

	if (!n || s[0] != '%')
		return 0;
	for (k = 0; k < sizeof(section_names) / sizeof(section_names[0]); k++) {
		size_t wl = strlen(section_names[k].name);

		if (n >= wl && !strncasecmp(s, section_names[k].name, wl) &&
		    (n == wl || isspace((unsigned char)s[wl]))) {
			*kind = section_names[k].kind;
			return 1;
		}
	}
	return 0;
}

static int parse_number(const char *s, size_t n, int *out)
{
	long v = 0;
	size_t i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > MAX_NUMBER)
			return -1;
	}
	*out = (int)v;
	return 0;
}

/*
 * A preamble tag: Name[digits][(qualifier)] [blanks] ':' value. Only the
 * numbered Patch and Source tags matter to the edits; the others are kept
 * for lookups (Release, Epoch...).
 */
static int parse_tag(struct sm *sm, size_t line, size_t from, bool commented, struct sm_tag *t)
{
	const char *base = sm->text;
	size_t off = sm->lines[line].off, end = off + sm->lines[line].len, i = from, e;

	memset(t, 0, sizeof(*t));
	t->line = line;
	t->commented = commented;
	t->number = -1;
	if (i >= end || !isalpha((unsigned char)base[i]))
		return 0;
	t->name_off = i;
	while (i < end && isalpha((unsigned char)base[i]))
		i++;
	t->name_len = i - t->name_off;
	t->num_off = i;
	while (i < end && isdigit((unsigned char)base[i]))
		i++;
	t->num_len = i - t->num_off;
	if (i < end && base[i] == '(') {
		while (i < end && base[i] != ')')
			i++;
		if (i == end)
			return 0;
		i++;
	}
	i = sm_skip_blanks(base, i, end);
	if (i >= end || base[i] != ':')
		return 0;
	t->colon = i;
	i = sm_skip_blanks(base, i + 1, end);
	e = end;
	while (e > i && isspace((unsigned char)base[e - 1]))
		e--;
	t->value_off = i;
	t->value_len = e - i;
	if (t->name_len == 5 && !strncasecmp(base + t->name_off, "patch", 5))
		t->kind = TAG_PATCH;
	else if (t->name_len == 6 && !strncasecmp(base + t->name_off, "source", 6))
		t->kind = TAG_SOURCE;
	else if (t->num_len)
		return 0;
	if (t->num_len && parse_number(base + t->num_off, t->num_len, &t->number) < 0) {
		if (commented)
			return 0;
		return sm_error(sm, line, t->num_off, "number '%.*s' is out of range",
				(int)t->num_len, base + t->num_off);
	}
	return 1;
}

static void add_tag(struct sm *sm, size_t *alloc, const struct sm_tag *t)
{
	GROW(sm->tags, sm->ntags, *alloc);
	sm->tags[sm->ntags++] = *t;
}

static void parse_macrodef(struct sm *sm, size_t *alloc, size_t line, size_t i)
{
	const char *base = sm->text;
	size_t end = sm->lines[line].off + sm->lines[line].len, e;
	struct sm_macrodef d;

	memset(&d, 0, sizeof(d));
	d.line = line;
	i = sm_skip_blanks(base, i, end);
	d.name_off = i;
	while (i < end && (isalnum((unsigned char)base[i]) || base[i] == '_'))
		i++;
	d.name_len = i - d.name_off;
	if (i < end && base[i] == '(') {
		while (i < end && base[i] != ')')
			i++;
		if (i < end)
			i++;
	}
	i = sm_skip_blanks(base, i, end);
	e = end;
	while (e > i && isspace((unsigned char)base[e - 1]))
		e--;
	d.value_off = i;
	d.value_len = e - i;
	if (!d.name_len)
		return;
	GROW(sm->defs, sm->ndefs, *alloc);
	sm->defs[sm->ndefs++] = d;
}

static void add_ref(struct sm *sm, size_t *alloc, size_t line, size_t off, size_t len, int number,
		    enum spec_patch_form form, int dir)
{
	struct sm_ref *r;

	GROW(sm->refs, sm->nrefs, *alloc);
	r = &sm->refs[sm->nrefs++];
	r->line = line;
	r->off = off;
	r->len = len;
	r->number = number;
	r->form = form;
	r->directive = dir;
}

struct scan_ctx {
	size_t ref_alloc, dir_alloc;
};

/* End of a directive at offset i: the end of the line, or the '}' closing the macro it sits in. */
static size_t directive_end(const char *s, size_t i, size_t end, int depth)
{
	int d = depth;

	for (; i < end; i++) {
		if (s[i] == '{')
			d++;
		else if (s[i] == '}' && --d < depth)
			return i;
	}
	return end;
}

/* Next blank-separated token of s[*i, end); returns its length (0 at the end). */
static size_t next_token(const char *s, size_t *i, size_t end, size_t *tok)
{
	size_t j;

	*i = sm_skip_blanks(s, *i, end);
	*tok = *i;
	j = *i;
	while (j < end && !sm_is_blank((unsigned char)s[j]))
		j++;
	*i = j;
	return j - *tok;
}

static bool token_is_number(const char *s, size_t n, int *v)
{
	return parse_number(s, n, v) == 0;
}

/* Options of %patch/%autopatch/%autosetup that take a value. */
static bool option_takes_value(enum sm_dir_kind kind, char opt)
{
	switch (kind) {
	case DIR_PATCH:
		return strchr("PpbzdoF", opt) != NULL;
	case DIR_AUTOPATCH:
		return strchr("pmM", opt) != NULL;
	case DIR_AUTOSETUP:
		return strchr("Spnab", opt) != NULL;
	default:
		return false;
	}
}

/* A number of directive d, in the form of the row the table has for where it sits. */
static void directive_number(struct sm *sm, struct scan_ctx *c, struct sm_dir *d, int di,
			     const struct sm_form_row *row, size_t off, size_t len, int v)
{
	add_ref(sm, &c->ref_alloc, d->line, off, len, v, row->form, di);
	if (row->bound)
		return;
	d->nrefs++;
	d->form = row->form;
}

static void parse_directive_args(struct sm *sm, struct scan_ctx *c, struct sm_dir *d, int di,
				 size_t i, size_t end)
{
	const char *s = sm->text;
	const struct sm_form_row *row;
	size_t tok, n;
	bool seen_number = false;

	while ((n = next_token(s, &i, end, &tok)) > 0) {
		const char *t = s + tok;
		int v;

		if (t[0] == '-' && n >= 2 && t[1] != '-') {
			char opt = t[1];
			size_t voff, vlen;

			if (!option_takes_value(d->kind, opt)) {
				if (d->kind == DIR_AUTOSETUP && opt == 'N')
					d->no_patches = true;
				continue;
			}
			if (n > 2) {
				voff = tok + 2;
				vlen = n - 2;
			} else {
				vlen = next_token(s, &i, end, &voff);
			}
			row = sm_form_find(d->kind, n > 2 ? AT_OPT_GLUED : AT_OPT, opt);
			if (opt == 'p') {
				if (token_is_number(s + voff, vlen, &v)) {
					d->strip = v;
					d->strip_first = !seen_number;
				}
			} else if (row && token_is_number(s + voff, vlen, &v)) {
				directive_number(sm, c, d, di, row, voff, vlen, v);
				if (row->form == SPEC_FORM_AUTOPATCH_MIN) {
					d->has_min = true;
					d->min = v;
				} else if (row->form == SPEC_FORM_AUTOPATCH_MAX) {
					d->has_max = true;
					d->max = v;
				}
				seen_number = seen_number || !row->bound;
			} else if (row && row->bound) {
				d->range_unknown = true;
			} else if (d->kind == DIR_AUTOSETUP && opt == 'S') {
				if (vlen == 6 && !strncmp(s + voff, "git_am", 6))
					d->git_am = true;
			}
			continue;
		}
		row = sm_form_find(d->kind, AT_ARG, 0);
		if (row && token_is_number(t, n, &v)) {
			directive_number(sm, c, d, di, row, tok, n, v);
			seen_number = true;
		}
	}
	if (!d->nrefs && (row = sm_form_find(d->kind, AT_NONE, 0)))
		d->form = row->form;
}

static int new_dir(struct sm *sm, struct scan_ctx *c, enum sm_dir_kind kind, size_t line,
		   size_t off, size_t end, bool at_start)
{
	struct sm_dir *d;

	GROW(sm->dirs, sm->ndirs, c->dir_alloc);
	d = &sm->dirs[sm->ndirs];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->line = line;
	d->off = off;
	d->len = end - off;
	d->at_start = at_start;
	d->strip = -1;
	return (int)sm->ndirs++;
}

static bool has_git_am(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		size_t j;

		if (strncmp(s + i, "git", 3) != 0)
			continue;
		j = i + 3;
		if (j < n && s[j] == '}')
			j++;
		if (j >= n || !sm_is_blank((unsigned char)s[j]))
			continue;
		j = sm_skip_blanks(s, j, n);
		if (sm_word_at(s, n, j, "am"))
			return true;
	}
	return false;
}

/* %{PATCH3}, %{?PATCH3}, %PATCH3 anywhere on a line. Returns how many. */
static int scan_patch_macros(struct sm *sm, struct scan_ctx *c, size_t line, int dir,
			     bool *all_patches)
{
	const char *s = sm->text;
	size_t off = sm->lines[line].off, end = off + sm->lines[line].len, i;
	int count = 0;

	for (i = off; i < end; i++) {
		size_t j, k;
		int v;

		if (s[i] != '%')
			continue;
		if (i + 1 < end && s[i + 1] == '%') {
			i++;
			continue;
		}
		j = i + 1;
		if (j < end && s[j] == '{') {
			j++;
			while (j < end && (s[j] == '?' || s[j] == '!'))
				j++;
		}
		if (sm_word_at(s, end, j, "patches")) {
			if (all_patches)
				*all_patches = true;
			continue;
		}
		if (end - j < 6 || strncmp(s + j, "PATCH", 5) != 0 || !isdigit((unsigned char)s[j + 5]))
			continue;
		k = j + 5;
		while (k < end && isdigit((unsigned char)s[k]))
			k++;
		if (k < end && (isalpha((unsigned char)s[k]) || s[k] == '_'))
			continue;
		if (parse_number(s + j + 5, k - j - 5, &v) < 0)
			return sm_error(sm, line, j + 5, "number '%.*s' is out of range",
					(int)(k - j - 5), s + j + 5);
		add_ref(sm, &c->ref_alloc, line, j + 5, k - j - 5, v,
			sm_form_find(DIR_MACROLINE, AT_MACRO, 0)->form, dir);
		count++;
		i = k - 1;
	}
	return count;
}

static int scan_prep_line(struct sm *sm, struct scan_ctx *c, size_t line)
{
	const char *s = sm->text;
	size_t off = sm->lines[line].off, end = off + sm->lines[line].len, i;
	size_t first = sm_skip_blanks(s, off, end);
	int depth = 0, found = 0, r;
	size_t refs_before = sm->nrefs;
	bool all = false;

	for (i = off; i < end; i++) {
		enum sm_dir_kind kind;
		size_t wl, dend;
		int di;

		if (s[i] == '{') {
			depth++;
			continue;
		}
		if (s[i] == '}') {
			if (depth)
				depth--;
			continue;
		}
		if (s[i] != '%')
			continue;
		if (i + 1 < end && s[i + 1] == '%') {
			i++;
			continue;
		}
		if (sm_word_at(s, end, i, "%setup")) {
			kind = DIR_SETUP;
			wl = 6;
		} else if (sm_word_at(s, end, i, "%autosetup")) {
			kind = DIR_AUTOSETUP;
			wl = 10;
		} else if (sm_word_at(s, end, i, "%autopatch")) {
			kind = DIR_AUTOPATCH;
			wl = 10;
		} else if (end - i >= 6 && !strncmp(s + i, "%patch", 6) &&
			   (i + 6 == end || isdigit((unsigned char)s[i + 6]) ||
			    sm_is_blank((unsigned char)s[i + 6]) || s[i + 6] == '}')) {
			kind = DIR_PATCH;
			wl = 6;
		} else {
			continue;
		}
		dend = directive_end(s, i + wl, end, depth);
		di = new_dir(sm, c, kind, line, i, dend, depth == 0 && i == first);
		found++;
		if (kind == DIR_PATCH && i + 6 < end && isdigit((unsigned char)s[i + 6])) {
			size_t k = i + 6;
			int v;

			while (k < dend && isdigit((unsigned char)s[k]))
				k++;
			if (parse_number(s + i + 6, k - i - 6, &v) < 0)
				return sm_error(sm, line, i + 6, "number '%.*s' is out of range",
						(int)(k - i - 6), s + i + 6);
			directive_number(sm, c, &sm->dirs[di], di, sm_form_find(DIR_PATCH, AT_NAME, 0),
					 i + 6, k - i - 6, v);
			parse_directive_args(sm, c, &sm->dirs[di], di, k, dend);
			sm->dirs[di].strip_first = false;
		} else {
			parse_directive_args(sm, c, &sm->dirs[di], di, i + wl, dend);
		}
		i = dend ? dend - 1 : dend;
	}
	if (found)
		return 0;
	/* A shell line that names patches itself: "git am %{PATCH3}", "patch -p1 < %{PATCH3}". */
	r = scan_patch_macros(sm, c, line, -1, &all);
	if (r < 0)
		return r;
	if (r > 0 || all) {
		int di = new_dir(sm, c, DIR_MACROLINE, line, first, end, true);
		size_t k;

		sm->dirs[di].nrefs = r;
		sm->dirs[di].all_patches = all;
		sm->dirs[di].form = sm_form_find(DIR_MACROLINE, AT_MACRO, 0)->form;
		sm->dirs[di].git_am = has_git_am(s + off, end - off);
		for (k = refs_before; k < sm->nrefs; k++)
			sm->refs[k].directive = di;
	}
	return 0;
}

static int open_cond(struct sm *sm, size_t *calloc_, size_t *balloc, int cur_cond, int cur_branch,
		     size_t line, int *new_cond, int *new_branch)
{
	GROW(sm->conds, sm->nconds, *calloc_);
	sm->conds[sm->nconds].if_line = line;
	sm->conds[sm->nconds].endif_line = (size_t)-1;
	sm->conds[sm->nconds].parent = cur_cond;
	*new_cond = (int)sm->nconds++;
	GROW(sm->branches, sm->nbranches, *balloc);
	sm->branches[sm->nbranches].parent = cur_branch;
	sm->branches[sm->nbranches].cond = *new_cond;
	sm->branches[sm->nbranches].index = 0;
	*new_branch = (int)sm->nbranches++;
	return 0;
}

/* Per logical line: conditionals, sections, tags, macro definitions, %prep directives. */
static int classify(struct sm *sm)
{
	size_t cond_alloc = 0, br_alloc = 0, sec_alloc = 0, tag_alloc = 0, def_alloc = 0;
	struct scan_ctx c = { 0, 0 };
	int cond = -1, branch = -1, section = 0, r;
	size_t i;

	GROW(sm->sections, sm->nsections, sec_alloc);
	memset(&sm->sections[0], 0, sizeof(sm->sections[0]));
	sm->sections[0].kind = SEC_PREAMBLE;
	sm->nsections = 1;
	sm->prep = sm->changelog = sm->patchlist = -1;

	for (i = 0; i < sm->nlines; i = sm->lines[i].last + 1) {
		const char *s = sm->text;
		size_t off = sm->lines[i].off, end = off + sm->lines[i].len;
		size_t b = sm_skip_blanks(s, off, end), j;
		enum sm_kind kind = SM_TEXT;
		enum sm_section_kind skind;
		enum sm_section_kind cur = sm->sections[section].kind;
		int line_cond = cond, line_branch = branch;

		if (b == end) {
			kind = SM_BLANK;
		} else if (match_word_list(s, end, b, if_words)) {
			kind = SM_IF;
			open_cond(sm, &cond_alloc, &br_alloc, cond, branch, i, &cond, &branch);
			line_cond = cond;
			line_branch = branch;
		} else if (match_word_list(s, end, b, else_words)) {
			int idx;

			kind = SM_ELSE;
			if (cond < 0) {
				size_t w = b;

				while (w < end && !isspace((unsigned char)s[w]))
					w++;
				return sm_error(sm, i, b, "'%.*s' without '%%if'", (int)(w - b), s + b);
			}
			idx = sm->branches[branch].index + 1;
			GROW(sm->branches, sm->nbranches, br_alloc);
			sm->branches[sm->nbranches].parent = sm->branches[branch].parent;
			sm->branches[sm->nbranches].cond = cond;
			sm->branches[sm->nbranches].index = idx;
			branch = (int)sm->nbranches++;
			line_cond = cond;
			line_branch = branch;
		} else if (is_endif_at(s, end, b)) {
			kind = SM_ENDIF;
			if (cond < 0)
				return sm_error(sm, i, b, "'%%endif' without '%%if'");
			sm->conds[cond].endif_line = i;
			line_cond = cond;
			line_branch = branch;
			branch = sm->branches[branch].parent;
			cond = sm->conds[cond].parent;
		} else if (section_at(s + off, end - off, &skind)) {
			kind = SM_SECTION;
			GROW(sm->sections, sm->nsections, sec_alloc);
			sm->sections[section].end = i;
			section = (int)sm->nsections++;
			memset(&sm->sections[section], 0, sizeof(sm->sections[section]));
			sm->sections[section].kind = skind;
			sm->sections[section].header = i;
			sm->sections[section].has_header = true;
			sm->sections[section].begin = sm->lines[i].last + 1;
			if (skind == SEC_PREP) {
				if (sm->prep >= 0)
					return sm_error(sm, i, off, "second '%%prep' section (the first is at line %zu)",
							sm->sections[sm->prep].header + 1);
				sm->prep = section;
			} else if (skind == SEC_CHANGELOG) {
				sm->changelog = section;
			} else if (skind == SEC_PATCHLIST) {
				sm->patchlist = section;
			}
		} else if (s[b] == '#' && cur != SEC_DESCRIPTION && cur != SEC_CHANGELOG) {
			struct sm_tag t;

			kind = SM_COMMENT;
			j = b + 1;
			while (j < end && (s[j] == '#' || sm_is_blank((unsigned char)s[j])))
				j++;
			if (cur == SEC_PREAMBLE || cur == SEC_PACKAGE) {
				if (parse_tag(sm, i, j, true, &t) > 0 && t.kind == TAG_PATCH)
					add_tag(sm, &tag_alloc, &t);
			}
		} else if (sm_word_at(s, end, b, "%global") || sm_word_at(s, end, b, "%define")) {
			kind = SM_MACRODEF;
			parse_macrodef(sm, &def_alloc, i, b + 7);
		} else if (cur == SEC_PREAMBLE || cur == SEC_PACKAGE) {
			struct sm_tag t;

			r = parse_tag(sm, i, b, false, &t);
			if (r < 0)
				return r;
			if (r > 0) {
				kind = SM_TAG;
				add_tag(sm, &tag_alloc, &t);
			}
		} else if (cur == SEC_PATCHLIST) {
			struct sm_tag t;

			memset(&t, 0, sizeof(t));
			t.line = i;
			t.kind = TAG_PATCH;
			t.listed = true;
			t.number = -1;
			t.value_off = b;
			j = end;
			while (j > b && isspace((unsigned char)s[j - 1]))
				j--;
			t.value_len = j - b;
			t.colon = b;
			add_tag(sm, &tag_alloc, &t);
			kind = SM_TAG;
		}
		for (j = i; j <= sm->lines[i].last; j++) {
			if (kind == SM_TEXT && cur == SEC_PREP)
				r = scan_prep_line(sm, &c, j);
			else if ((kind == SM_TEXT || kind == SM_TAG) && cur != SEC_CHANGELOG &&
				 cur != SEC_DESCRIPTION)
				r = scan_patch_macros(sm, &c, j, -1, NULL);
			else
				r = 0;
			if (r < 0)
				return r;
		}
		for (j = i; j <= sm->lines[i].last; j++) {
			sm->lines[j].kind = j == i ? kind : (kind == SM_BLANK ? SM_TEXT : kind);
			sm->lines[j].section = section;
			sm->lines[j].cond = line_cond;
			sm->lines[j].branch = line_branch;
		}
	}
	sm->sections[section].end = sm->nlines;
	if (cond >= 0) {
		size_t l = sm->conds[cond].if_line;

		return sm_error(sm, l, sm_skip_blanks(sm->text, sm->lines[l].off,
						      sm->lines[l].off + sm->lines[l].len),
				"'%%if' without '%%endif'");
	}
	return 0;
}

/* rpm numbers an unnumbered Patch: one more than the highest number so far (from 0). */
static void number_patches(struct sm *sm)
{
	int max = -1;
	size_t i;

	for (i = 0; i < sm->ntags; i++) {
		struct sm_tag *t = &sm->tags[i];

		if (t->kind != TAG_PATCH || t->commented)
			continue;
		if (t->num_len == 0)
			t->number = max + 1;
		if (t->number > max)
			max = t->number;
	}
}

int sm_parse(struct sm *sm, const char *path, const char *text, size_t len)
{
	int ret;

	memset(sm, 0, sizeof(*sm));
	sm->path = path;
	sm->text = text;
	sm->size = len;
	ret = split_lines(sm);
	if (ret < 0)
		goto out;
	if (!sm->nlines) {
		ret = error_set(ERR_INPUT, "%s: the spec is empty", path);
		goto out;
	}
	{
		size_t open = group_logical(sm);

		if (open != (size_t)-1) {
			ret = sm_error(sm, open, sm->lines[open].off, "unclosed macro or bad line "
				       "continuation (the line goes on to the end of the spec)");
			goto out;
		}
	}
	ret = classify(sm);
	if (ret < 0)
		goto out;
	number_patches(sm);
	sm->replace = xcalloc(sm->nlines, sizeof(*sm->replace));
	sm->deleted = xcalloc(sm->nlines, sizeof(*sm->deleted));
	sm->after = xcalloc(sm->nlines, sizeof(*sm->after));
	for (size_t i = 0; i < sm->nlines; i++)
		buf_init(&sm->after[i], 0);
out:
	if (ret < 0)
		sm_release(sm);
	return ret;
}

void sm_release(struct sm *sm)
{
	size_t i;

	if (sm->replace)
		for (i = 0; i < sm->nlines; i++)
			free(sm->replace[i]);
	if (sm->after)
		for (i = 0; i < sm->nlines; i++)
			buf_release(&sm->after[i]);
	free(sm->replace);
	free(sm->deleted);
	free(sm->after);
	free(sm->lines);
	free(sm->conds);
	free(sm->branches);
	free(sm->sections);
	free(sm->tags);
	free(sm->defs);
	free(sm->refs);
	free(sm->dirs);
	memset(sm, 0, sizeof(*sm));
}

int sm_outer_cond(const struct sm *sm, size_t i)
{
	int c = sm->lines[i].cond;

	while (c >= 0 && sm->conds[c].parent >= 0)
		c = sm->conds[c].parent;
	return c;
}

size_t sm_after_outside(const struct sm *sm, size_t i)
{
	int c = sm_outer_cond(sm, i);

	if (c >= 0)
		i = sm->conds[c].endif_line;
	return sm->lines[i].last;
}

bool sm_exclusive(const struct sm *sm, size_t a, size_t b)
{
	int ba, bb;

	for (ba = sm->lines[a].branch; ba >= 0; ba = sm->branches[ba].parent)
		for (bb = sm->lines[b].branch; bb >= 0; bb = sm->branches[bb].parent)
			if (sm->branches[ba].cond == sm->branches[bb].cond &&
			    sm->branches[ba].index != sm->branches[bb].index)
				return true;
	return false;
}

size_t sm_patch_tags(const struct sm *sm, struct sm_tag **out)
{
	size_t i, n = 0;

	*out = xcalloc(sm->ntags + 1, sizeof(**out));
	for (i = 0; i < sm->ntags; i++)
		if (sm->tags[i].kind == TAG_PATCH && !sm->tags[i].commented)
			(*out)[n++] = sm->tags[i];
	return n;
}

void sm_delete_line(struct sm *sm, size_t i)
{
	sm->deleted[i] = true;
}

void sm_insert_after(struct sm *sm, size_t i, const char *text, size_t len)
{
	buf_put(&sm->after[i], text, len);
	buf_puts(&sm->after[i], sm->nl);
}

char *sm_line_text(const struct sm *sm, size_t i)
{
	if (sm->replace[i])
		return xstrdup(sm->replace[i]);
	return xstrndup(sm_line_ptr(sm, i), sm->lines[i].len);
}

void sm_splice_line(struct sm *sm, size_t i, size_t off_in_line, size_t len, const char *text,
		    size_t tlen)
{
	struct buf b = BUF_INIT;
	char *cur = sm_line_text(sm, i);

	buf_puts(&b, cur);
	buf_splice(&b, off_in_line, len, text, tlen);
	free(sm->replace[i]);
	sm->replace[i] = buf_detach(&b, NULL);
	free(cur);
}

static size_t count_lines(const struct buf *b)
{
	size_t n = 0, i;

	for (i = 0; i < b->len; i++)
		if (b->ptr[i] == '\n')
			n++;
	return n;
}

unsigned sm_rendered_line(const struct sm *sm, size_t i, bool after_it, size_t nth_inserted)
{
	size_t n = 0, j;

	for (j = 0; j < i; j++)
		n += (sm->deleted[j] ? 0 : 1) + count_lines(&sm->after[j]);
	if (!after_it)
		return (unsigned)(n + 1);
	n += sm->deleted[i] ? 0 : 1;
	return (unsigned)(n + nth_inserted + 1);
}

void sm_render(const struct sm *sm, struct buf *out)
{
	size_t i;

	for (i = 0; i < sm->nlines; i++) {
		const struct sm_line *l = &sm->lines[i];

		if (!sm->deleted[i]) {
			if (sm->replace[i])
				buf_puts(out, sm->replace[i]);
			else
				buf_put(out, sm->text + l->off, l->len);
			if (l->eol)
				buf_put(out, sm->text + l->off + l->len, l->eol);
			else if (sm->after[i].len)
				buf_puts(out, sm->nl);
		}
		buf_put(out, sm->after[i].ptr, sm->after[i].len);
	}
}
