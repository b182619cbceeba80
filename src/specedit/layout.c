/* layout: what the model sees of a spec's patches and %prep (read only). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "specedit/spec.h"
#include "specedit/model.h"
#include "specedit/internal.h"
#include "util/error.h"
#include "util/banned.h"

int spec_layout(struct spec_layout *out, const char *path, const struct buf *in)
{
	struct sm sm;
	struct sm_tag *tags = NULL;
	struct prep_plan plan;
	size_t n, i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sp_parse_in(&sm, path, in);
	if (ret < 0)
		return ret;
	if ((ret = sp_check_duplicates(&sm)) < 0) {
		sm_release(&sm);
		return ret;
	}
	n = sm_patch_tags(&sm, &tags);
	out->patches = xcalloc(n + 1, sizeof(*out->patches));
	out->npatches = n;
	for (i = 0; i < n; i++) {
		out->patches[i].number = tags[i].number;
		out->patches[i].numbered = tags[i].num_len > 0;
		out->patches[i].conditional = sm.lines[tags[i].line].cond >= 0;
		out->patches[i].line = (unsigned)tags[i].line + 1;
		out->patches[i].value = xstrndup(sm.text + tags[i].value_off, tags[i].value_len);
	}
	out->max_number = sp_max_number(&sm);
	if (sm.prep >= 0) {
		sp_plan_prep(&plan, &sm, out->max_number + 1);
		if (plan.cover)
			out->prep = SPEC_PREP_AUTO;
		else if (plan.explicit_)
			out->prep = SPEC_PREP_PATCH;
		if (plan.explicit_)
			out->form = plan.explicit_->form;
		out->git_am = sp_spec_uses_git_am(&sm);
	}
	free(tags);
	sm_release(&sm);
	return 0;
}

void spec_layout_release(struct spec_layout *l)
{
	size_t i;

	for (i = 0; i < l->npatches; i++)
		free(l->patches[i].value);
	free(l->patches);
	memset(l, 0, sizeof(*l));
}
