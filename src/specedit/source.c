#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "specedit/internal.h"
#include "util/util.h"
#include "util/banned.h"

int spec_set_source(struct buf *out, const char *path, const struct buf *in, int number,
		    const char *value)
{
	struct sm sm;
	const struct sm_tag *t = NULL;
	size_t i;
	int ret;

	if ((ret = sm_parse(&sm, path, in->ptr, in->len)) < 0)
		return ret;
	for (i = 0; i < sm.ntags; i++) {
		const struct sm_tag *c = &sm.tags[i];

		if (c->kind != TAG_SOURCE || c->commented || !c->num_len || c->number != number)
			continue;
		if (t) {
			ret = sm_error(&sm, c->line, c->num_off, "Source%d is declared twice; "
				       "change it by hand", number);
			goto out;
		}
		t = c;
	}
	if (!t) {
		ret = error_set(ERR_NOTFOUND, "%s: no Source%d tag", path, number);
		goto out;
	}
	sm_splice_line(&sm, t->line, t->value_off - sm.lines[t->line].off, t->value_len, value,
		       strlen(value));
	buf_reset(out);
	sm_render(&sm, out);
out:
	sm_release(&sm);
	return ret;
}

/* A character that may continue a file name: the reference names another file. */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '+' || c == '~';
}

void spec_rename_source_refs(struct buf *out, const struct buf *in, const char *from, const char *to,
			     size_t *count)
{
	static const char *const dirs[] = { "%{_sourcedir}/", "%_sourcedir/", "$RPM_SOURCE_DIR/",
					     "${RPM_SOURCE_DIR}/", NULL };
	size_t flen = strlen(from), i = 0, k;

	*count = 0;
	buf_reset(out);
	while (i < in->len) {
		bool hit = false;

		for (k = 0; dirs[k] && !hit; k++) {
			size_t dlen = strlen(dirs[k]), end = i + dlen + flen;

			if (end > in->len || memcmp(in->ptr + i, dirs[k], dlen) ||
			    memcmp(in->ptr + i + dlen, from, flen) ||
			    (end < in->len && name_char(in->ptr[end])))
				continue;
			buf_put(out, dirs[k], dlen);
			buf_puts(out, to);
			i = end;
			(*count)++;
			hit = true;
		}
		if (!hit)
			buf_putc(out, in->ptr[i++]);
	}
}
