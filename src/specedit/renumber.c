/* renumber: patches numbered in declaration order, references included. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "specedit/internal.h"
#include "util/error.h"
#include "util/banned.h"

static int lookup(const int *old, const int *new_, size_t n, int number, bool *found)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (old[i] == number) {
			*found = true;
			return new_[i];
		}
	}
	*found = false;
	return number;
}

/* Rewrite digits, keeping a zero-padded width. */
static void put_number(struct buf *b, const char *old, size_t old_len, int v)
{
	int width = old_len > 1 && old[0] == '0' ? (int)old_len : 0;

	buf_printf(b, "%0*d", width, v);
}

/* The new -m/-M of an %autopatch range: the same patches, renumbered, or -1. */
static int map_range(const struct sm_dir *d, const int *old, const int *new_, size_t n,
		     bool is_min, int *out)
{
	int lo = d->has_min ? d->min : -1, hi = d->has_max ? d->max : 1 << 30;
	int first = -1, last = -1;
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		if (old[i] >= lo && old[i] <= hi) {
			if (first < 0 || new_[i] < first)
				first = new_[i];
			if (new_[i] > last)
				last = new_[i];
			count++;
		}
	}
	if (!count) {
		/* It applied nothing: keep it so, past either end of the new numbers. */
		int lo_new = n ? new_[0] : 0, hi_new = n ? new_[n - 1] : 0;

		*out = is_min ? hi_new + 1 : lo_new - 1;
		return *out < 0 ? -1 : 0;
	}
	if ((size_t)(last - first + 1) != count)
		return -1;
	/* contiguous in the new numbering; the other end must not pull more in */
	for (i = 0; i < n; i++) {
		bool in_old = old[i] >= lo && old[i] <= hi;
		bool in_new = new_[i] >= (d->has_min ? first : -1) &&
			      new_[i] <= (d->has_max ? last : 1 << 30);

		if (in_old != in_new)
			return -1;
	}
	*out = is_min ? first : last;
	return 0;
}

int spec_renumber(struct buf *out, struct spec_renumber_map **map, size_t *nmap,
		  const char *path, const struct buf *in)
{
	struct sm sm;
	struct sm_tag *tags = NULL;
	int *old = NULL, *new_ = NULL, start;
	size_t n, i, j;
	int ret;

	if (map)
		*map = NULL;
	if (nmap)
		*nmap = 0;
	ret = sp_parse_in(&sm, path, in);
	if (ret < 0)
		return ret;
	n = sm_patch_tags(&sm, &tags);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (tags[i].number == tags[j].number) {
				ret = sm_error(&sm, tags[i].line, tags[i].name_off,
					       "patch number %d is declared twice (also at line %zu); "
					       "renumbering cannot tell them apart",
					       tags[i].number, tags[j].line + 1);
				goto out;
			}
		}
	}
	old = xcalloc(n + 1, sizeof(*old));
	new_ = xcalloc(n + 1, sizeof(*new_));
	start = 1;
	for (i = 0; i < n; i++)
		if (tags[i].number == 0 || (i == 0 && !tags[i].num_len))
			start = 0;
	for (i = 0; i < n; i++) {
		old[i] = tags[i].number;
		new_[i] = start + (int)i;
	}
	for (i = 0; i < sm.nrefs; i++) {
		const struct sm_ref *r = &sm.refs[i];
		bool found;
		int v;

		if (sm_form(r->form)->bound) {
			const struct sm_dir *d = &sm.dirs[r->directive];

			if (map_range(d, old, new_, n, r->form == SPEC_FORM_AUTOPATCH_MIN, &v) < 0) {
				ret = sm_error(&sm, r->line, d->off,
					       "renumbering would change which patches '%.*s' applies",
					       (int)d->len, sm.text + d->off);
				goto out;
			}
		} else {
			lookup(old, new_, n, r->number, &found);
			if (!found) {
				ret = sm_error(&sm, r->line, r->off, "patch %d is used here but never declared",
					       r->number);
				goto out;
			}
		}
	}
	/* Apply right to left within each line so earlier offsets stay valid. */
	for (i = sm.nrefs; i-- > 0;) {
		const struct sm_ref *r = &sm.refs[i];
		struct buf b = BUF_INIT;
		bool found;
		int v;

		if (sm_form(r->form)->bound)
			map_range(&sm.dirs[r->directive], old, new_, n, r->form == SPEC_FORM_AUTOPATCH_MIN,
				  &v);
		else
			v = lookup(old, new_, n, r->number, &found);
		if (v == r->number)
			continue;
		put_number(&b, sm.text + r->off, r->len, v);
		sm_splice_line(&sm, r->line, r->off - sm.lines[r->line].off, r->len, b.ptr, b.len);
		buf_release(&b);
	}
	for (i = 0; i < n; i++) {
		const struct sm_tag *t = &tags[i];
		struct buf b = BUF_INIT;
		const char *lt = sm_line_ptr(&sm, t->line);
		size_t lo = sm.lines[t->line].off;
		unsigned col;

		if (!t->num_len || new_[i] == old[i])
			continue;
		/* Rebuild "PatchNN:<blanks>" keeping the value's column. */
		buf_put(&b, lt, t->num_off - lo);
		put_number(&b, sm.text + t->num_off, t->num_len, new_[i]);
		buf_put(&b, sm.text + t->num_off + t->num_len, t->colon + 1 - (t->num_off + t->num_len));
		col = sm_visual_col(lt, t->value_off - lo);
		sm_pad_to(&b, b.ptr, col, sm.text + t->colon + 1, t->value_off - t->colon - 1,
			  sm_tag_aligned(&sm, t));
		sm_splice_line(&sm, t->line, 0, t->value_off - lo, b.ptr, b.len);
		buf_release(&b);
	}
	if (map) {
		*map = xcalloc(n + 1, sizeof(**map));
		for (i = 0; i < n; i++) {
			(*map)[i].old_number = old[i];
			(*map)[i].new_number = new_[i];
			(*map)[i].line = (unsigned)tags[i].line + 1;
		}
		if (nmap)
			*nmap = n;
	}
	sm_render(&sm, out);
out:
	free(tags);
	free(old);
	free(new_);
	sm_release(&sm);
	return ret;
}
