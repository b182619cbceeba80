/* add-patch and remove-patch: a patch declared and applied in the spec's own style. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "specedit/internal.h"
#include "util/error.h"
#include "util/banned.h"

#define MARKER "# qga-forge:"

int sp_parse_in(struct sm *sm, const char *path, const struct buf *in)
{
	return sm_parse(sm, path, in->ptr, in->len);
}

/* Two tags in effect at once with one number: rpm refuses the spec. */
int sp_check_duplicates(const struct sm *sm)
{
	size_t i, j;

	for (i = 0; i < sm->ntags; i++) {
		const struct sm_tag *a = &sm->tags[i];

		if (a->kind != TAG_PATCH || a->commented || !a->num_len)
			continue;
		for (j = 0; j < i; j++) {
			const struct sm_tag *b = &sm->tags[j];

			if (b->kind != TAG_PATCH || b->commented || !b->num_len || b->number != a->number)
				continue;
			if (!sm_exclusive(sm, a->line, b->line))
				return sm_error(sm, a->line, a->name_off,
						"duplicate patch number %d (also at line %zu)",
						a->number, b->line + 1);
		}
	}
	return 0;
}

/* A %patch or %{PATCHn} naming no tag fails rpmbuild (rpm's parser lets it pass). */
static int check_references(const struct sm *sm)
{
	size_t i, j;

	for (i = 0; i < sm->nrefs; i++) {
		const struct sm_ref *r = &sm->refs[i];
		bool found = false;

		if (sm_form(r->form)->bound)
			continue;
		for (j = 0; j < sm->ntags && !found; j++)
			found = sm->tags[j].kind == TAG_PATCH && !sm->tags[j].commented &&
				sm->tags[j].number == r->number;
		if (!found)
			return sm_error(sm, r->line, r->off, "patch %d is used here but never declared",
					r->number);
	}
	return 0;
}

int sp_max_number(const struct sm *sm)
{
	int max = -1;
	size_t i;

	for (i = 0; i < sm->ntags; i++)
		if (sm->tags[i].kind == TAG_PATCH && sm->tags[i].number > max)
			max = sm->tags[i].number;
	for (i = 0; i < sm->nrefs; i++)
		if (!sm_form(sm->refs[i].form)->bound && sm->refs[i].number > max)
			max = sm->refs[i].number;
	return max;
}

static bool value_is(const struct sm *sm, const struct sm_tag *t, const char *name)
{
	size_t nl = strlen(name);
	const char *v = sm->text + t->value_off;

	if (t->value_len == nl && !memcmp(v, name, nl))
		return true;
	/* A URL or path whose file name is `name`. */
	return t->value_len > nl && v[t->value_len - nl - 1] == '/' &&
	       !memcmp(v + t->value_len - nl, name, nl);
}

static int check_name(const char *path, const char *name)
{
	const unsigned char *p;

	if (!name || !*name)
		return error_set(ERR_INPUT, "%s: empty patch file name", path);
	for (p = (const unsigned char *)name; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '%' || *p == '/' || *p == '#' ||
		    *p == '\'' || *p == '"' || *p == '\\' || *p == '{' || *p == '}')
			return error_set(ERR_INPUT, "'%s': a patch file name for a spec must not contain "
					 "'%c' (blanks, '%%', quotes, braces and slashes are not allowed)",
					 name, *p <= 0x20 || *p == 0x7f ? ' ' : *p);
	}
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return error_set(ERR_INPUT, "'%s' is not a file name", name);
	return 0;
}

/* Whether the line l of n bytes (not NUL-terminated) starts with lit. */
static bool line_starts(const char *l, size_t n, const char *lit)
{
	size_t ll = strlen(lit);

	return n >= ll && !memcmp(l, lit, ll);
}

/*
 * The -p level a patch needs: 1 for a/ b/ paths (git diff, diff -ru a b),
 * -1 when it cannot be told. The data need not be NUL-terminated.
 */
static int patch_strip(const char *data, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - data) - i : len - i;
		const char *l = data + i;

		if (n > 13 && line_starts(l, n, "diff --git a/"))
			return 1;
		if (n > 6 && line_starts(l, n, "+++ b/"))
			return 1;
		if (n > 4 && line_starts(l, n, "+++ ") && !line_starts(l, n, "+++ /dev/null"))
			return -1;
		i += n + 1;
	}
	return -1;
}

/* What git am accepts: mail headers with From: and Subject: before the body. */
static bool is_mailbox(const char *data, size_t len)
{
	bool from = false, subject = false;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - data) - i : len - i;
		const char *l = data + i;

		if (n && l[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (i == 0 && n > 5 && line_starts(l, n, "From ")) {
			/* the mbox separator line */
		} else if (n > 5 && !strncasecmp(l, "From:", 5)) {
			from = true;
		} else if (n > 8 && !strncasecmp(l, "Subject:", 8)) {
			subject = true;
		} else if (!(sm_is_blank((unsigned char)l[0]) ||
			     (memchr(l, ':', n) && !memchr(l, ' ', (size_t)((const char *)memchr(l, ':', n) - l))))) {
			return false;
		}
		i += n + 1 + (nl && l[n] == '\r');
	}
	return from && subject;
}

bool sp_spec_uses_git_am(const struct sm *sm)
{
	size_t i;

	for (i = 0; i < sm->ndefs; i++) {
		const struct sm_macrodef *d = &sm->defs[i];

		if (d->name_len == 5 && !strncmp(sm->text + d->name_off, "__scm", 5) &&
		    d->value_len >= 6 && !strncmp(sm->text + d->value_off, "git_am", 6))
			return true;
	}
	for (i = 0; i < sm->ndirs; i++)
		if (sm->dirs[i].git_am)
			return true;
	return false;
}

/* Leading blanks of line i, as written. */
static size_t indent_len(const struct sm *sm, size_t i)
{
	return sm_skip_blanks(sm->text, sm->lines[i].off, sm->lines[i].off + sm->lines[i].len) -
	       sm->lines[i].off;
}

/* The new tag line, in the style of tag `ref` (a Patch or Source tag). */
static void format_tag(struct buf *line, const struct sm *sm, const struct sm_tag *ref,
		       bool numbered, int number, const char *name)
{
	const char *lt = sm_line_ptr(sm, ref->line);
	size_t lead = indent_len(sm, ref->line);
	unsigned col;

	buf_put(line, lt, lead);
	if (ref->listed) {
		buf_puts(line, name);
		return;
	}
	if (ref->kind == TAG_PATCH)
		buf_put(line, sm->text + ref->name_off, ref->name_len);
	else
		buf_puts(line, "Patch");
	if (numbered) {
		int width = 0;

		if (ref->kind == TAG_PATCH && ref->num_len > 1 && sm->text[ref->num_off] == '0')
			width = (int)ref->num_len;
		buf_printf(line, "%0*d", width, number);
	}
	/*
	 * The blanks between the number and the colon ("Patch1 :"); not a
	 * qualifier such as Requires(post): a Patch tag has none.
	 */
	{
		size_t from = ref->num_off + ref->num_len, n = ref->colon - from, i;

		for (i = 0; i < n && sm_is_blank((unsigned char)sm->text[from + i]); i++)
			;
		if (i == n)
			buf_put(line, sm->text + from, n);
	}
	buf_putc(line, ':');
	col = sm_visual_col(lt, ref->value_off - sm->lines[ref->line].off);
	sm_pad_to(line, line->ptr, col, sm->text + ref->colon + 1, ref->value_off - ref->colon - 1,
		  sm_tag_aligned(sm, ref));
	buf_puts(line, name);
}

static void put_comment(struct sm *sm, size_t at, const char *comment)
{
	const char *p = comment;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		struct buf l = BUF_INIT;

		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		buf_putc(&l, '#');
		if (n) {
			buf_putc(&l, ' ');
			sm_put_escaped(&l, p, n);
		}
		sm_insert_after(sm, at, l.ptr, l.len);
		buf_release(&l);
		p = nl ? nl + 1 : NULL;
	}
}

/*
 * Comment text becomes "# ..." lines: no control characters (the model and
 * rpm would read them as binary data), and no line may end with a backslash
 * (rpm joins the next line, the new tag, to it).
 */
static int check_comment(const char *path, const char *comment)
{
	const char *p = comment;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), i;

		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];

			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return error_set(ERR_INPUT, "%s: the comment text holds a control "
						 "character (0x%02x)", path, c);
		}
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n && p[n - 1] == '\\')
			return error_set(ERR_INPUT, "%s: a comment line must not end with '\\' "
					 "(rpm would read the next line as part of it)", path);
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static size_t count_comment_lines(const char *comment)
{
	size_t n = 0;
	const char *p = comment;

	while (p && *p) {
		n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* Start and end of the %{PATCHn} / %PATCHn macro whose digits a ref points at. */
static void macro_span(const struct sm *sm, const struct sm_ref *r, size_t *b, size_t *e)
{
	const char *s = sm->text;
	size_t i = r->off;

	while (i > sm->lines[r->line].off && s[i - 1] != '%')
		i--;
	*b = i ? i - 1 : 0;
	*e = r->off + r->len;
	if (s[*b + 1] == '{' && *e < sm->lines[r->line].off + sm->lines[r->line].len && s[*e] == '}')
		(*e)++;
}

/* A line like the template DIR_MACROLINE, naming patch `num` alone. */
static int format_macro_line(struct buf *l, const struct sm *sm, const struct sm_dir *d, int num)
{
	size_t first = (size_t)-1, i, b, e, fb = 0, le = 0;
	const char *s = sm->text;
	size_t off = sm->lines[d->line].off, end = off + sm->lines[d->line].len;

	if (sm->lines[d->line].first != sm->lines[d->line].last)
		return sm_error(sm, d->line, d->off,
				"cannot copy a patch command that spans several lines; "
				"add the %%prep line by hand");
	for (i = 0; i < sm->nrefs; i++) {
		if (sm->refs[i].line != d->line || sm->refs[i].form != SPEC_FORM_MACRO)
			continue;
		macro_span(sm, &sm->refs[i], &b, &e);
		if (first == (size_t)-1) {
			first = i;
			fb = b;
		}
		le = e;
	}
	if (first == (size_t)-1)
		return sm_error(sm, d->line, d->off, "no patch reference to copy");
	macro_span(sm, &sm->refs[first], &b, &e);
	buf_put(l, s + off, fb - off);
	buf_put(l, s + b, sm->refs[first].off - b);
	buf_printf(l, "%d", num);
	buf_put(l, s + sm->refs[first].off + sm->refs[first].len, e - (sm->refs[first].off + sm->refs[first].len));
	buf_put(l, s + le, end - le);
	return 0;
}

static bool is_applying(const struct sm_dir *d)
{
	switch (d->kind) {
	case DIR_PATCH:
	case DIR_AUTOPATCH:
		return true;
	case DIR_AUTOSETUP:
		return !d->no_patches;
	case DIR_MACROLINE:
		return d->nrefs > 0 || d->all_patches;
	default:
		return false;
	}
}

/* Last non-blank line of the %prep body, or its header when the body is empty. */
static size_t prep_end(const struct sm *sm)
{
	const struct sm_section *s = &sm->sections[sm->prep];
	size_t i;

	for (i = s->end; i > s->begin; i--)
		if (sm->lines[i - 1].kind != SM_BLANK)
			return sm->lines[i - 1].first;
	return s->header;
}


void sp_plan_prep(struct prep_plan *p, const struct sm *sm, int num)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sm->ndirs; i++) {
		const struct sm_dir *d = &sm->dirs[i];

		if (sm->lines[d->line].section != sm->prep)
			continue;
		if (is_applying(d)) {
			p->any_applying = true;
			p->last_applying = d->line;
		}
		switch (d->kind) {
		case DIR_SETUP:
			p->setup = d;
			break;
		case DIR_AUTOSETUP:
			p->setup = d;
			if (!d->no_patches)
				p->cover = d;
			break;
		case DIR_AUTOPATCH:
			if (d->nrefs > 0)
				p->explicit_ = d;
			else if (d->range_unknown || ((!d->has_min || num >= d->min) &&
						      (!d->has_max || num <= d->max)))
				p->cover = d;
			else
				p->excluded = d;
			break;
		case DIR_PATCH:
			p->explicit_ = d;
			break;
		case DIR_MACROLINE:
			if (d->all_patches)
				p->cover = d;
			else if (d->nrefs > 0)
				p->explicit_ = d;
			break;
		}
	}
}

static const char *dir_name(const struct sm_dir *d)
{
	switch (d->kind) {
	case DIR_AUTOSETUP:
		return "%autosetup";
	case DIR_AUTOPATCH:
		return "%autopatch";
	case DIR_SETUP:
		return "%setup";
	case DIR_PATCH:
		return "%patch";
	default:
		return "%{patches}";
	}
}

static int check_cover(const struct sm *sm, const struct sm_dir *cover, bool git_am,
		       const struct spec_add_patch_opts *opts)
{
	int need, eff;

	if (!opts->patch_data)
		return 0;
	if (git_am && cover->kind != DIR_MACROLINE &&
	    !is_mailbox(opts->patch_data, opts->patch_len))
		return sm_error(sm, cover->line, cover->off,
				"'%s' is not a mailbox patch (From: and Subject: headers, as git "
				"format-patch writes): this %%prep applies patches with git am",
				opts->name);
	need = patch_strip(opts->patch_data, opts->patch_len);
	eff = cover->strip >= 0 ? cover->strip : git_am ? 1 : -1;
	if (need >= 0 && cover->kind != DIR_MACROLINE && eff != need) {
		if (eff < 0)
			return sm_error(sm, cover->line, cover->off,
					"'%s' applies patches without -p but '%s' needs -p%d",
					dir_name(cover), opts->name, need);
		return sm_error(sm, cover->line, cover->off,
				"'%s' applies patches with -p%d but '%s' needs -p%d",
				dir_name(cover), eff, opts->name, need);
	}
	return 0;
}

/* Zero padding of the number a directive writes ("%patch00012" pads to 5). */
static int ref_width(const struct sm *sm, const struct sm_dir *d)
{
	size_t i;

	for (i = 0; i < sm->nrefs; i++) {
		const struct sm_ref *r = &sm->refs[i];

		if (r->directive == (int)(d - sm->dirs) && r->len > 1 && sm->text[r->off] == '0')
			return (int)r->len;
	}
	return 0;
}

/* Builds the %prep line for an explicit layout; *warn gets a note when the form changed. */
static int explicit_line(struct buf *line, struct buf *warn, const struct sm *sm,
			 const struct sm_dir *t, int num, int strip, int rpmver,
			 const struct spec_add_patch_opts *opts)
{
	const struct sm_form_row *row = sm_form(t ? t->form : SPEC_FORM_PATCH_P);
	const struct sm_form_row *every = sm_form(SPEC_FORM_PATCH_P);

	if (t && t->kind == DIR_MACROLINE) {
		if (t->git_am && opts->patch_data && !is_mailbox(opts->patch_data, opts->patch_len))
			return sm_error(sm, t->line, t->off,
					"'%s' is not a mailbox patch (From: and Subject: headers, as "
					"git format-patch writes): this %%prep applies patches with git am",
					opts->name);
		return format_macro_line(line, sm, t, num);
	}
	if (!row || !row->name)
		row = every;
	if (!sm_form_accepted(row, rpmver)) {
		/* The row's text is a format of our own table, not of the input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		buf_printf(warn, row->refused, rpmver / 10000, rpmver / 100 % 100);
#pragma GCC diagnostic pop
		buf_puts(warn, ": writing '");
		sm_form_write(warn, every, num, 0, -1, false);
		buf_puts(warn, "' instead\n");
		row = every;
	}
	sm_form_write(line, row, num, t ? ref_width(sm, t) : 0, strip, t ? t->strip_first : false);
	return 0;
}

/*
 * sm_after_outside(), refused when the conditional around line i closes in
 * another section than `section`: a line after its %endif would no longer be
 * read as a tag (or run as part of %prep).
 */
static int place_after(size_t *out, const struct sm *sm, size_t i, int section, const char *what)
{
	size_t at = sm_after_outside(sm, i);
	int c = sm_outer_cond(sm, i);

	if (sm->lines[at].section != section)
		return sm_error(sm, c >= 0 ? sm->conds[c].if_line : i, 0,
				"this conditional ends in another section: there is no place after "
				"it for the new %s", what);
	*out = at;
	return 0;
}

/*
 * The edited text must read back as the model reads specs, with the new
 * tag in effect: a reference line odd enough to make the copied style
 * swallow the next lines is refused rather than written.
 */
static int check_added(const char *text, size_t len, const char *path, const char *name, int num,
		       unsigned tag_line)
{
	struct sm sm;
	size_t i;
	bool found = false;

	if (sm_parse(&sm, path, text, len) < 0)
		goto refused;
	for (i = 0; i < sm.ntags && !found; i++) {
		const struct sm_tag *t = &sm.tags[i];

		found = t->kind == TAG_PATCH && !t->commented && t->number == num &&
			t->value_len == strlen(name) && !memcmp(text + t->value_off, name, t->value_len);
	}
	sm_release(&sm);
	if (found)
		return 0;
refused:
	return error_set(ERR_INPUT, "%s:%u:1: the new Patch tag, written in the style of this "
			 "spec's tags, would not read as a tag; add it by hand", path, tag_line);
}

static const struct sm_tag *tag_reference(const struct sm *sm)
{
	const struct sm_tag *patch = NULL, *source = NULL, *any = NULL;
	size_t i;

	for (i = 0; i < sm->ntags; i++) {
		const struct sm_tag *t = &sm->tags[i];

		if (t->commented)
			continue;
		if (t->kind == TAG_PATCH)
			patch = t;
		if (sm->lines[t->line].section != 0)
			continue;
		if (t->kind == TAG_SOURCE)
			source = t;
		any = t;
	}
	return patch ? patch : source ? source : any;
}

int spec_add_patch(struct buf *out, struct spec_add_patch_result *res, const char *path,
		   const struct buf *in, const struct spec_add_patch_opts *opts)
{
	struct sm sm;
	struct buf tag = BUF_INIT, line = BUF_INIT;
	const struct sm_tag *ref;
	struct prep_plan plan;
	size_t i, tag_at, prep_at = 0, ncomment;
	int num, strip, rpmver, ret;
	bool numbered, git_am, add_line = false;

	memset(res, 0, sizeof(*res));
	buf_init(&res->warnings, 0);
	ret = check_name(path, opts->name);
	if (ret == 0)
		ret = check_comment(path, opts->comment);
	if (ret < 0)
		return ret;
	ret = sp_parse_in(&sm, path, in);
	if (ret < 0)
		return ret;
	rpmver = opts->rpm_version ? opts->rpm_version : spec_rpm_version();
	if (sm.prep < 0) {
		ret = error_set(ERR_INPUT, "%s: no %%prep section", path);
		goto out;
	}
	ret = sp_check_duplicates(&sm);
	if (ret == 0)
		ret = check_references(&sm);
	if (ret < 0)
		goto out;
	for (i = 0; i < sm.ntags; i++) {
		const struct sm_tag *t = &sm.tags[i];

		if (t->kind == TAG_PATCH && !t->commented && value_is(&sm, t, opts->name)) {
			ret = sm_error(&sm, t->line, t->value_off, "'%s' is already declared as patch %d",
				       opts->name, t->number);
			goto out;
		}
	}
	ref = tag_reference(&sm);
	if (!ref) {
		ret = error_set(ERR_INPUT, "%s: no preamble tags (Name:, Source0:...)", path);
		goto out;
	}
	num = sp_max_number(&sm) + 1;
	if (num == 0)
		num = 1;
	numbered = !(ref->kind == TAG_PATCH && (ref->listed || !ref->num_len));

	git_am = sp_spec_uses_git_am(&sm);
	sp_plan_prep(&plan, &sm, num);
	strip = opts->patch_data ? patch_strip(opts->patch_data, opts->patch_len) : -1;
	if (plan.cover) {
		ret = check_cover(&sm, plan.cover, git_am && plan.cover->kind != DIR_SETUP, opts);
		if (ret < 0)
			goto out;
	} else if (plan.explicit_) {
		if (strip < 0)
			strip = plan.explicit_->strip >= 0 ? plan.explicit_->strip : 1;
		ret = explicit_line(&line, &res->warnings, &sm, plan.explicit_, num, strip, rpmver, opts);
		if (ret < 0)
			goto out;
		ret = place_after(&prep_at, &sm, plan.last_applying > plan.explicit_->line ?
				  plan.last_applying : plan.explicit_->line, sm.prep, "%prep line");
		if (ret < 0)
			goto out;
		add_line = true;
	} else if (plan.excluded) {
		const struct sm_dir *d = plan.excluded;

		ret = sm_error(&sm, d->line, d->off,
			       "'%.*s' does not apply the new patch %d (its range leaves it out); "
			       "widen the range or add the %%prep line by hand",
			       (int)d->len, sm.text + d->off, num);
		goto out;
	} else {
		if (strip < 0)
			strip = 1;
		ret = explicit_line(&line, &res->warnings, &sm, NULL, num, strip, rpmver, opts);
		if (ret < 0)
			goto out;
		ret = place_after(&prep_at, &sm, plan.setup ? plan.setup->line : prep_end(&sm), sm.prep,
				  "%prep line");
		if (ret < 0)
			goto out;
		add_line = true;
	}

	format_tag(&tag, &sm, ref, numbered, num, opts->name);
	ret = place_after(&tag_at, &sm, ref->line, sm.lines[ref->line].section, "Patch tag");
	if (ret < 0)
		goto out;
	ncomment = 0;
	if (opts->comment && *opts->comment && !ref->listed) {
		put_comment(&sm, tag_at, opts->comment);
		ncomment = count_comment_lines(opts->comment);
	} else if (opts->comment && *opts->comment) {
		buf_puts(&res->warnings, "a %patchlist line takes no comment: the comment was left out\n");
	}
	sm_insert_after(&sm, tag_at, tag.ptr, tag.len);
	if (add_line)
		sm_insert_after(&sm, prep_at, line.ptr, line.len);

	res->number = num;
	res->numbered = numbered;
	res->tag_line = sm_rendered_line(&sm, tag_at, true, ncomment);
	if (add_line)
		res->prep_line = sm_rendered_line(&sm, prep_at, true, 0);
	{
		size_t start = out->len;

		sm_render(&sm, out);
		ret = check_added(out->ptr + start, out->len - start, path, opts->name, num,
				  res->tag_line);
		if (ret < 0)
			buf_truncate(out, start);
	}
out:
	/* A refused edit hands back nothing to release (warnings included). */
	if (ret < 0)
		buf_release(&res->warnings);
	buf_release(&tag);
	buf_release(&line);
	sm_release(&sm);
	return ret;
}

void spec_add_patch_result_release(struct spec_add_patch_result *res)
{
	buf_release(&res->warnings);
}

static void delete_logical(struct sm *sm, size_t i)
{
	size_t j;

	for (j = sm->lines[i].first; j <= sm->lines[i].last; j++)
		sm_delete_line(sm, j);
}

int spec_remove_patch(struct buf *out, const char *path, const struct buf *in, const char *name)
{
	struct sm sm;
	const struct sm_tag *t = NULL;
	size_t i;
	int ret;

	ret = sp_parse_in(&sm, path, in);
	if (ret < 0)
		return ret;
	for (i = 0; i < sm.ntags; i++)
		if (sm.tags[i].kind == TAG_PATCH && !sm.tags[i].commented &&
		    value_is(&sm, &sm.tags[i], name))
			t = &sm.tags[i];
	if (!t) {
		ret = error_set(ERR_NOTFOUND, "%s: no Patch tag for '%s'", path, name);
		goto out;
	}
	for (i = 0; i < sm.nrefs; i++) {
		const struct sm_ref *r = &sm.refs[i];
		const struct sm_dir *d = r->directive >= 0 ? &sm.dirs[r->directive] : NULL;

		if (r->number != t->number || sm_form(r->form)->bound)
			continue;
		if (!d || d->nrefs != 1 || !d->at_start) {
			ret = sm_error(&sm, r->line, r->off,
				       "patch %d is used here together with other text; "
				       "remove it by hand", t->number);
			goto out;
		}
		delete_logical(&sm, r->line);
	}
	delete_logical(&sm, t->line);
	/* The comment block qga-forge wrote above the tag, marker first. */
	for (i = t->line; i > 0 && sm.lines[i - 1].kind == SM_COMMENT; i--) {
		const char *l = sm_line_ptr(&sm, i - 1);

		if (sm.lines[i - 1].len >= strlen(MARKER) && !strncmp(l, MARKER, strlen(MARKER))) {
			size_t j;

			for (j = i - 1; j < t->line; j++)
				sm_delete_line(&sm, j);
			break;
		}
	}
	sm_render(&sm, out);
out:
	sm_release(&sm);
	return ret;
}
