#ifndef QGA_FORGE_SPEC_INTERNAL_H
#define QGA_FORGE_SPEC_INTERNAL_H

/* Internal to src/specedit: shared between the edit files and the rpm side. */

#include "specedit/spec.h"

/* spec_query() that also returns rpm's %packager (NULL when undefined). */
int spec_query_internal(struct spec_info *out, char **packager, const char *path,
			const struct buf *text, const struct spec_query_opts *opts);

#endif
