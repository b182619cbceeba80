#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "specedit/internal.h"
#include "util/error.h"
#include "util/banned.h"

#define DEFAULT_PACKAGER "qga-forge <qga-forge@localhost>"
#define DEFAULT_ENTRY "- rebuilt"
/* Stands for %{dist} while rpm expands Release: only characters rpm allows there. */
#define DIST_MARK "XqgaforgedistX"

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

static bool contains_word(const char *s, size_t n, const char *macro)
{
	size_t ml = strlen(macro), i;

	for (i = 0; i + ml + 1 <= n; i++) {
		size_t j = i + 1;

		if (s[i] != '%')
			continue;
		if (j < n && s[j] == '{')
			j++;
		while (j < n && (s[j] == '?' || s[j] == '!'))
			j++;
		if (j + ml <= n && !strncmp(s + j, macro, ml) &&
		    (j + ml == n || !(isalnum((unsigned char)s[j + ml]) || s[j + ml] == '_')))
			return true;
	}
	return false;
}

/* Release tags of the main package, in every branch of every conditional. */
static size_t release_tags(const struct sm *sm, const struct sm_tag **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < sm->ntags && n < max; i++) {
		const struct sm_tag *t = &sm->tags[i];

		if (t->commented || t->listed || t->kind != TAG_OTHER || t->num_len ||
		    sm->lines[t->line].section != 0)
			continue;
		if (t->name_len == 7 && !strncasecmp(sm->text + t->name_off, "release", 7))
			out[n++] = t;
	}
	return n;
}

/* "3" -> "4", "03" -> "04", "0.3.rc1" -> "0.4.rc1" (rpmdev-bumpspec's pre-release rule). */
static int bump_number(struct buf *outv, const char *v, size_t n)
{
	size_t i = 0, d;
	long num = 0;
	int width;

	if (n > 2 && v[0] == '0' && v[1] == '.' && isdigit((unsigned char)v[2]))
		i = 2;
	if (i >= n || !isdigit((unsigned char)v[i]))
		return -1;
	for (d = i; d < n && isdigit((unsigned char)v[d]); d++) {
		num = num * 10 + (v[d] - '0');
		if (num > 999999999)
			return -1;
	}
	width = d - i > 1 && v[i] == '0' ? (int)(d - i) : 0;
	buf_put(outv, v, i);
	buf_printf(outv, "%0*ld", width, num + 1);
	buf_put(outv, v + d, n - d);
	return 0;
}

static int check_suffix(const char *suffix)
{
	const unsigned char *p = (const unsigned char *)suffix;
	bool alpha = false;

	if (!*p)
		return error_set(ERR_USAGE, "empty release suffix");
	if (*p == '.' || *p == '_' || *p == '+')
		p++;
	for (; *p; p++) {
		if (isalpha(*p))
			alpha = true;
		else if (!(isdigit(*p) || *p == '_' || *p == '.'))
			return error_set(ERR_USAGE, "release suffix '%s': only letters, digits, '.', '_' "
					 "(and a leading '+') are allowed", suffix);
	}
	if (!alpha || isdigit((unsigned char)suffix[strlen(suffix) - 1]))
		return error_set(ERR_USAGE, "release suffix '%s' must contain a letter and not end in a "
				 "digit (the build number follows it)", suffix);
	return 0;
}

/* V + SUFFIX1, or V ending in SUFFIXn -> SUFFIX(n+1). */
static void bump_suffix(struct buf *outv, const char *v, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix), d = n;

	while (d > 0 && isdigit((unsigned char)v[d - 1]))
		d--;
	if (d < n && d >= sl && !strncmp(v + d - sl, suffix, sl)) {
		long num = strtol(v + d, NULL, 10);

		buf_put(outv, v, d);
		buf_printf(outv, "%ld", num + 1);
		return;
	}
	buf_put(outv, v, n);
	buf_printf(outv, "%s1", suffix);
}

static void replace_value(struct sm *sm, size_t line, size_t voff, size_t vlen, const struct buf *v)
{
	sm_splice_line(sm, line, voff - sm->lines[line].off, vlen, v->ptr, v->len);
}

static const char *const release_macros[] = { "baserelease", "release", "rel" };

/* Bump every definition of macro `name` that starts with a number; false if none does. */
static bool bump_macro(struct sm *sm, struct spec_bump_result *res, const char *name)
{
	size_t j, nl = strlen(name);
	bool bumped = false;

	for (j = 0; j < sm->ndefs; j++) {
		const struct sm_macrodef *e = &sm->defs[j];
		struct buf v = BUF_INIT;

		if (e->name_len != nl || strncmp(sm->text + e->name_off, name, nl) != 0)
			continue;
		if (bump_number(&v, sm->text + e->value_off, e->value_len) < 0) {
			buf_release(&v);
			continue;
		}
		if (!bumped) {
			res->old_release = xasprintf("%%{%s} = %.*s", name, (int)e->value_len,
						     sm->text + e->value_off);
			res->new_release = xasprintf("%%{%s} = %s", name, v.ptr);
		}
		replace_value(sm, e->line, e->value_off, e->value_len, &v);
		bumped = true;
		buf_release(&v);
	}
	return bumped;
}

/* The name of the macro a value starts with: %{name}, %{?name}, %name. Caller frees. */
static char *leading_macro(const char *v, size_t n)
{
	size_t i = 1, b;

	if (n < 2 || v[0] != '%')
		return NULL;
	if (v[i] == '{')
		i++;
	while (i < n && (v[i] == '?' || v[i] == '!'))
		i++;
	b = i;
	while (i < n && (isalnum((unsigned char)v[i]) || v[i] == '_'))
		i++;
	return i > b ? xstrndup(v + b, i - b) : NULL;
}

/* The release edit; res->old_release and res->new_release describe it for the user. */
static int bump_release(struct sm *sm, struct spec_bump_result *res, const char *suffix)
{
	const struct sm_tag *rel[16];
	size_t nrel = release_tags(sm, rel, 16), i, k;
	const char *rv;
	size_t rvl;

	if (!nrel)
		return error_set(ERR_INPUT, "%s: no Release tag", sm->path);
	rv = sm->text + rel[0]->value_off;
	rvl = rel[0]->value_len;
	if (contains_word(rv, rvl, "autorelease")) {
		res->release_managed = true;
		res->old_release = xstrndup(rv, rvl);
		res->new_release = xstrndup(rv, rvl);
		if (suffix)
			buf_puts(&res->warnings, "Release uses %autorelease: the suffix was not added\n");
		return 0;
	}
	if (suffix) {
		for (k = 0; k < nrel; k++) {
			struct buf v = BUF_INIT;

			bump_suffix(&v, sm->text + rel[k]->value_off, rel[k]->value_len, suffix);
			if (k == 0) {
				res->old_release = xstrndup(rv, rvl);
				res->new_release = xstrdup(v.ptr);
			}
			replace_value(sm, rel[k]->line, rel[k]->value_off, rel[k]->value_len, &v);
			buf_release(&v);
		}
		return 0;
	}
	/* rpmdev-bumpspec's release macros, where the Release tag uses them. */
	for (i = 0; i < sizeof(release_macros) / sizeof(release_macros[0]); i++) {
		for (k = 0; k < nrel; k++)
			if (contains_word(sm->text + rel[k]->value_off, rel[k]->value_len,
					  release_macros[i]))
				break;
		if (k < nrel && bump_macro(sm, res, release_macros[i]))
			return 0;
	}
	/* The leading number of Release:, else the macro it starts with. */
	if (!isdigit((unsigned char)rv[0])) {
		char *name = leading_macro(rv, rvl);
		bool bumped = name && bump_macro(sm, res, name);

		free(name);
		if (bumped)
			return 0;
	}
	for (k = 0; k < nrel; k++) {
		struct buf v = BUF_INIT;

		if (bump_number(&v, sm->text + rel[k]->value_off, rel[k]->value_len) < 0) {
			buf_release(&v);
			return sm_error(sm, rel[k]->line, rel[k]->value_off,
					"cannot bump Release '%.*s': it starts with no number and uses no "
					"macro the spec defines with one", (int)rel[k]->value_len,
					sm->text + rel[k]->value_off);
		}
		if (k == 0) {
			res->old_release = xstrndup(rv, rvl);
			res->new_release = xstrdup(v.ptr);
		}
		replace_value(sm, rel[k]->line, rel[k]->value_off, rel[k]->value_len, &v);
		buf_release(&v);
	}
	return 0;
}

struct entry_style {
	bool found;
	bool shows_epoch;
	bool dash;              /* "... <email> - 1.0-1" rather than "... <email> 1.0-1" */
	char *release;          /* release part of its version-release */
	time_t day;             /* its date, 00:00 UTC */
	size_t header;          /* its line */
};

static int month_index(const char *s)
{
	int i;

	for (i = 0; i < 12; i++)
		if (!strncmp(s, months[i], 3))
			return i;
	return -1;
}

/* "* Www Mmm DD YYYY ..." or "* Www Mmm DD HH:MM:SS TZ YYYY ..." (rpm 4.14+). */
static bool parse_entry_date(const char *s, time_t *out)
{
	char w[8], m[8], tok[32];
	int day, year, n = 0, mi;
	struct tm tm;

	if (sscanf(s, "* %7s %7s %d %31s%n", w, m, &day, tok, &n) < 4)
		return false;
	mi = month_index(m);
	if (mi < 0 || day < 1 || day > 31)
		return false;
	if (strchr(tok, ':')) {
		char tz[16];

		if (sscanf(s + n, " %15s %d", tz, &year) < 2)
			return false;
	} else {
		year = atoi(tok);
	}
	if (year < 1970 || year > 9999)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mi;
	tm.tm_mday = day;
	*out = timegm(&tm);
	return true;
}

static void newest_entry(const struct sm *sm, struct entry_style *st)
{
	const struct sm_section *sec;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->dash = true;
	if (sm->changelog < 0)
		return;
	sec = &sm->sections[sm->changelog];
	for (i = sec->begin; i < sec->end; i++) {
		char *l, *last, *sp, *dash;

		if (sm->lines[i].len < 2 || sm_line_ptr(sm, i)[0] != '*')
			continue;
		l = xstrndup(sm_line_ptr(sm, i), sm->lines[i].len);
		st->found = true;
		st->header = i;
		parse_entry_date(l, &st->day);
		while (*l && isspace((unsigned char)l[strlen(l) - 1]))
			l[strlen(l) - 1] = '\0';
		sp = strrchr(l, ' ');
		last = sp ? sp + 1 : l;
		st->dash = sp && sp >= l + 2 && sp[-1] == '-' && sp[-2] == ' ';
		if (strchr(last, '-') && !strchr(last, '@') && !strchr(last, '>')) {
			const char *colon = strchr(last, ':');

			st->shows_epoch = colon && colon > last && strspn(last, "0123456789") ==
					  (size_t)(colon - last);
			dash = strrchr(last, '-');
			st->release = xstrdup(dash + 1);
		}
		free(l);
		return;
	}
}

static bool has_autochangelog(const struct sm *sm)
{
	const struct sm_section *sec;
	size_t i;

	if (sm->changelog < 0)
		return false;
	sec = &sm->sections[sm->changelog];
	for (i = sec->begin; i < sec->end; i++)
		if (contains_word(sm_line_ptr(sm, i), sm->lines[i].len, "autochangelog"))
			return true;
	return false;
}

/* Entry items: "- " before each line that has no dash or indent, '%' doubled. */
static void put_items(struct buf *b, const char *text, const char *nl)
{
	const char *p = text && *text ? text : DEFAULT_ENTRY;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n) {
			if (p[0] != '-' && !sm_is_blank((unsigned char)p[0]))
				buf_puts(b, "- ");
			sm_put_escaped(b, p, n);
			buf_puts(b, nl);
		}
		if (!e)
			break;
		p = e + 1;
	}
}

static int check_packager(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return error_set(ERR_INPUT, "the packager must be one line of text");
	return 0;
}

/* The release rpm will build, with the dist part the newest entry shows. */
static int entry_evr(struct buf *evr, const char *path, const struct buf *old_text,
		     const struct buf *new_text, const struct entry_style *st,
		     const struct spec_query_opts *qopts, bool shows_epoch, char **packager)
{
	struct spec_query_opts q;
	struct spec_info oldi, newi;
	const char *dist = "";
	char shown[128];
	char *mark;
	int ret;

	memset(&q, 0, sizeof(q));
	if (qopts)
		q = *qopts;
	q.dist = "." DIST_MARK;
	ret = spec_query_internal(&oldi, NULL, path, old_text, &q);
	if (ret < 0)
		return error_prefix(ret, "%s: before the bump", path);
	ret = spec_query_internal(&newi, packager, path, new_text, &q);
	if (ret < 0) {
		spec_info_release(&oldi);
		return ret;
	}
	mark = strstr(oldi.release, "." DIST_MARK);
	if (mark && st->release) {
		size_t pre = (size_t)(mark - oldi.release);
		const char *post = mark + strlen("." DIST_MARK);
		size_t rl = strlen(st->release), pl = strlen(post);

		if (rl >= pre + pl && !strncmp(st->release, oldi.release, pre) &&
		    !strcmp(st->release + rl - pl, post)) {
			size_t dl = rl - pre - pl;

			if (dl < sizeof(shown)) {
				memcpy(shown, st->release + pre, dl);
				shown[dl] = '\0';
				dist = shown;
			}
		}
	}
	if (shows_epoch && newi.epoch)
		buf_printf(evr, "%s:", newi.epoch);
	buf_printf(evr, "%s-", newi.version);
	mark = strstr(newi.release, "." DIST_MARK);
	if (mark) {
		buf_put(evr, newi.release, (size_t)(mark - newi.release));
		buf_puts(evr, dist);
		buf_puts(evr, mark + strlen("." DIST_MARK));
	} else {
		buf_puts(evr, newi.release);
	}
	spec_info_release(&oldi);
	spec_info_release(&newi);
	return 0;
}

static void format_date(struct buf *b, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(b, "%s %s %02d %04d", days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday,
		   tm.tm_year + 1900);
}

int spec_bump(struct buf *out, struct spec_bump_result *res, const char *path,
	      const struct buf *in, const struct spec_bump_opts *opts)
{
	struct sm sm;
	struct buf mid = BUF_INIT, evr = BUF_INIT, header = BUF_INIT, entry = BUF_INIT;
	struct entry_style st;
	char *rpm_packager = NULL;
	const char *packager;
	time_t now, day;
	int ret;

	memset(res, 0, sizeof(*res));
	buf_init(&res->warnings, 0);
	memset(&st, 0, sizeof(st));
	if (opts->suffix && (ret = check_suffix(opts->suffix)) < 0)
		return ret;
	if (opts->packager && (ret = check_packager(opts->packager)) < 0)
		return ret;
	ret = sm_parse(&sm, path, in->ptr, in->len);
	if (ret < 0)
		return ret;
	ret = bump_release(&sm, res, opts->suffix);
	if (ret < 0)
		goto out;
	if (has_autochangelog(&sm)) {
		res->changelog_managed = true;
		sm_render(&sm, out);
		goto out;
	}
	sm_render(&sm, &mid);
	newest_entry(&sm, &st);
	ret = entry_evr(&evr, path, in, &mid, &st, opts->query,
			st.found ? st.shows_epoch : true, &rpm_packager);
	if (ret < 0)
		goto out;
	packager = opts->packager;
	if (!packager || !*packager)
		packager = rpm_packager;
	if (!packager || !*packager)
		packager = getenv("QGA_FORGE_PACKAGER");
	if (!packager || !*packager)
		packager = DEFAULT_PACKAGER;
	if ((ret = check_packager(packager)) < 0)
		goto out;

	now = opts->now ? (time_t)opts->now : time(NULL);
	day = now - (now % 86400);
	if (st.found && st.day > day)
		day = st.day;
	buf_puts(&header, "* ");
	format_date(&header, day);
	buf_putc(&header, ' ');
	sm_put_escaped(&header, packager, strlen(packager));
	buf_puts(&header, st.dash ? " - " : " ");
	sm_put_escaped(&header, evr.ptr, evr.len);
	res->header = xstrdup(header.ptr);

	buf_puts(&entry, header.ptr);
	buf_puts(&entry, sm.nl);
	put_items(&entry, opts->changelog, sm.nl);
	if (sm.changelog >= 0) {
		const struct sm_section *sec = &sm.sections[sm.changelog];
		bool blank_next = sec->begin < sec->end && sm.lines[sec->begin].kind == SM_BLANK;

		if (st.found && !blank_next)
			buf_puts(&entry, sm.nl);
		/* sm_insert_after adds a line ending: drop ours from the end */
		buf_truncate(&entry, entry.len - strlen(sm.nl));
		sm_insert_after(&sm, sec->header, entry.ptr, entry.len);
	} else {
		struct buf tail = BUF_INIT;

		buf_puts(&tail, sm.nl);
		buf_puts(&tail, "%changelog");
		buf_puts(&tail, sm.nl);
		buf_put(&tail, entry.ptr, entry.len - strlen(sm.nl));
		if (sm.lines[sm.nlines - 1].kind == SM_BLANK)
			buf_remove(&tail, 0, strlen(sm.nl));
		sm_insert_after(&sm, sm.nlines - 1, tail.ptr, tail.len);
		buf_release(&tail);
	}
	sm_render(&sm, out);
out:
	free(st.release);
	free(rpm_packager);
	buf_release(&mid);
	buf_release(&evr);
	buf_release(&header);
	buf_release(&entry);
	sm_release(&sm);
	if (ret < 0) {
		spec_bump_result_release(res);
		buf_init(&res->warnings, 0);
	}
	return ret;
}

void spec_bump_result_release(struct spec_bump_result *res)
{
	free(res->old_release);
	free(res->new_release);
	free(res->header);
	buf_release(&res->warnings);
	memset(res, 0, sizeof(*res));
}

int spec_changelog_set_entry(struct buf *out, const char *path, const struct buf *in,
			     const char *header, const char *text)
{
	struct sm sm;
	struct buf items = BUF_INIT;
	const struct sm_section *sec;
	size_t i, hl = strlen(header), body, end;
	int ret;

	ret = sm_parse(&sm, path, in->ptr, in->len);
	if (ret < 0)
		return ret;
	if (sm.changelog < 0) {
		ret = error_set(ERR_NOTFOUND, "%s: no %%changelog section", path);
		goto out;
	}
	sec = &sm.sections[sm.changelog];
	for (i = sec->begin; i < sec->end; i++)
		if (sm.lines[i].len == hl && !memcmp(sm_line_ptr(&sm, i), header, hl))
			break;
	if (i == sec->end) {
		ret = error_set(ERR_NOTFOUND, "%s: no changelog entry '%s'", path, header);
		goto out;
	}
	body = i + 1;
	for (end = body; end < sec->end; end++)
		if (sm.lines[end].kind == SM_BLANK || (sm.lines[end].len && sm_line_ptr(&sm, end)[0] == '*'))
			break;
	for (i = body; i < end; i++)
		sm_delete_line(&sm, i);
	put_items(&items, text, sm.nl);
	if (items.len)
		buf_truncate(&items, items.len - strlen(sm.nl));
	sm_insert_after(&sm, body - 1, items.ptr, items.len);
	sm_render(&sm, out);
out:
	buf_release(&items);
	sm_release(&sm);
	return ret;
}
