#include <stdlib.h>
#include <string.h>

#include "specedit/spec.h"
#include "specedit/internal.h"
#include "util/error.h"
#include "util/util.h"
#include "util/banned.h"

/*
 * Stands for %{dist} while rpm expands Release: letters only, which rpm
 * allows there, and which no real Release contains.
 */
#define DIST_MARK "XqgaforgedistinferX"

int spec_infer_dist(char **out, const char *path, const char *built_release,
		    const struct spec_query_opts *opts)
{
	struct spec_query_opts q;
	struct spec_info info;
	const char *mark, *post;
	size_t pre, pl, hl;
	int ret;

	*out = NULL;
	memset(&q, 0, sizeof(q));
	if (opts)
		q = *opts;
	q.dist = DIST_MARK;
	memset(&info, 0, sizeof(info));
	if ((ret = spec_query_internal(&info, NULL, path, NULL, &q)) < 0)
		return ret;
	mark = strstr(info.release, DIST_MARK);
	if (!mark)
		goto out;
	pre = (size_t)(mark - info.release);
	post = mark + strlen(DIST_MARK);
	pl = strlen(post);
	hl = strlen(built_release);
	if (strstr(post, DIST_MARK) || hl < pre + pl || strncmp(built_release, info.release, pre) != 0 ||
	    strcmp(built_release + hl - pl, post) != 0) {
		ret = error_set(ERR_NOTFOUND, "%s: the src.rpm's Release '%s' does not fit the spec's "
				"Release '%.*s%%{dist}%s'", path, built_release, (int)pre, info.release, post);
		goto out;
	}
	*out = xstrndup(built_release + pre, hl - pre - pl);
out:
	spec_info_release(&info);
	return ret;
}
