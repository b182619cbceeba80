#ifndef QGA_FORGE_SPEC_INTERNAL_H
#define QGA_FORGE_SPEC_INTERNAL_H

/* Internal to src/specedit: shared between the edit files and the rpm side. */

#include <stdbool.h>
#include <stddef.h>

#include "specedit/spec.h"

/* spec_query() that also returns rpm's %packager (NULL when undefined). */
int spec_query_internal(struct spec_info *out, char **packager, const char *path,
			const struct buf *text, const struct spec_query_opts *opts);


/* ---- shared by patches.c, renumber.c and layout.c (model.h's types) ---- */
struct sm;
struct sm_dir;
struct prep_plan {
	const struct sm_dir *cover;     /* applies the new patch by itself */
	const struct sm_dir *excluded;  /* an %autopatch whose range leaves it out */
	const struct sm_dir *explicit_; /* the last line applying named patches */
	const struct sm_dir *setup;     /* the last %setup/%autosetup */
	size_t last_applying;           /* line of the last directive applying patches */
	bool any_applying;
};
int sp_parse_in(struct sm *sm, const char *path, const struct buf *in);
/* Two tags in effect at once with one number: rpm refuses the spec. */
int sp_check_duplicates(const struct sm *sm);
int sp_max_number(const struct sm *sm);
bool sp_spec_uses_git_am(const struct sm *sm);
/* Where %prep applies patch `num`: the directives that cover, exclude or name it. */
void sp_plan_prep(struct prep_plan *p, const struct sm *sm, int num);

#endif
