#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "util/error.h"
#include "util/banned.h"

/* Which rpm rejects %patchN is the form table's row (forms.c). */
bool spec_rpm_rejects_patchn(int rpm_version)
{
	return !sm_form_accepted(sm_form(SPEC_FORM_PATCHN),
				 rpm_version ? rpm_version : spec_rpm_version());
}

static void add_site(struct spec_patchn_result *res, unsigned line, unsigned col)
{
	if (!res)
		return;
	res->lines = xrealloc(res->lines, (res->count + 1) * sizeof(*res->lines));
	res->cols = xrealloc(res->cols, (res->count + 1) * sizeof(*res->cols));
	res->lines[res->count] = line;
	res->cols[res->count] = col;
	res->count++;
}

/* "%patch -P N", the form every rpm reads the same, written by the table; padding dropped. */
static void put_patch_p(struct buf *b, int number)
{
	sm_form_write(b, sm_form(SPEC_FORM_PATCH_P), number, 0, -1, false);
}

/*
 * %patchN in a comment of %prep: rpm 4.20 expands macros in %prep's comments
 * too (the section is an ordinary script), so "# %patch3 -p1" fails the
 * build there. "#%%patch3" is rpm's escape and stays as it is.
 */
static void convert_comment(struct sm *sm, size_t line, struct spec_patchn_result *res)
{
	const char *s = sm_line_ptr(sm, line);
	size_t n = sm->lines[line].len, i;
	size_t *offs = NULL, noffs = 0;

	for (i = 0; i + 7 <= n; i++) {
		if (s[i] != '%')
			continue;
		if (i + 1 < n && s[i + 1] == '%') {
			i++;
			continue;
		}
		if (strncmp(s + i, "%patch", 6) || !isdigit((unsigned char)s[i + 6]))
			continue;
		offs = xrealloc(offs, (noffs + 1) * sizeof(*offs));
		offs[noffs++] = i;
		add_site(res, (unsigned)line + 1, (unsigned)i + 1);
	}
	/* Right to left, so the earlier offsets stay valid. */
	while (noffs-- > 0) {
		size_t at = offs[noffs], k = at + 6;
		struct buf b = BUF_INIT;
		int v = 0;

		while (k < n && isdigit((unsigned char)s[k])) {
			if (v < 100000000)
				v = v * 10 + (s[k] - '0');
			k++;
		}
		put_patch_p(&b, v);
		sm_splice_line(sm, line, at, k - at, b.ptr, b.len);
		buf_release(&b);
	}
	free(offs);
}

int spec_convert_patchn(struct buf *out, struct spec_patchn_result *res, const char *path,
			const struct buf *in)
{
	struct sm sm;
	size_t i;
	int ret;

	if (res)
		memset(res, 0, sizeof(*res));
	if ((ret = sm_parse(&sm, path, in->ptr, in->len)) < 0)
		return ret;
	/* Sites in text order, for the result; edits right to left within a line. */
	for (i = 0; i < sm.nrefs; i++) {
		const struct sm_ref *r = &sm.refs[i];

		if (r->form == SPEC_FORM_PATCHN)
			add_site(res, (unsigned)r->line + 1,
				 (unsigned)(r->off - 6 - sm.lines[r->line].off) + 1);
	}
	for (i = sm.nrefs; i-- > 0;) {
		const struct sm_ref *r = &sm.refs[i];
		struct buf b = BUF_INIT;

		if (r->form != SPEC_FORM_PATCHN)
			continue;
		put_patch_p(&b, r->number);
		sm_splice_line(&sm, r->line, r->off - 6 - sm.lines[r->line].off, r->len + 6, b.ptr,
			       b.len);
		buf_release(&b);
	}
	if (sm.prep >= 0) {
		const struct sm_section *sec = &sm.sections[sm.prep];

		for (i = sec->begin; i < sec->end; i++)
			if (sm.lines[i].kind == SM_COMMENT)
				convert_comment(&sm, i, res);
	}
	sm_render(&sm, out);
	sm_release(&sm);
	return 0;
}

void spec_patchn_result_release(struct spec_patchn_result *res)
{
	if (!res)
		return;
	free(res->lines);
	free(res->cols);
	memset(res, 0, sizeof(*res));
}
