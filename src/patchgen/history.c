/* History: the commits upstream..forge, dropping one, tree changes, blobs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <zlib.h>

#include "patchgen.h"
#include "internal.h"
#include "util/compat.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

static int walk(char (**out)[41], size_t *count, git_repository *repo, const char *base_hex,
		const git_oid *head)
{
	git_revwalk *w = NULL;
	git_oid oid, base;
	char (*list)[41] = NULL;
	size_t n = 0, alloc = 0;
	int ret = 0;

	if (git_revwalk_new(&w, repo) < 0 || git_revwalk_push(w, head) < 0)
		return patchgen_git_fail(ERR_GENERIC, "cannot walk the history");
	if (base_hex) {
		if (pg_parse_oid(&base, base_hex) < 0 || git_revwalk_hide(w, &base) < 0) {
			git_revwalk_free(w);
			return patchgen_git_fail(ERR_GENERIC, "cannot walk the history from '%s'", base_hex);
		}
	}
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	while ((ret = git_revwalk_next(&oid, w)) == 0) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			list = xrealloc(list, alloc * sizeof(*list));
		}
		pg_oid_hex(list[n++], &oid);
	}
	git_revwalk_free(w);
	if (ret != GIT_ITEROVER) {
		free(list);
		return patchgen_git_fail(ERR_GENERIC, "cannot walk the history");
	}
	*out = list;
	*count = n;
	return 0;
}

int patchgen_list_commits(char (**out)[41], size_t *n, const char *repo_dir,
			  const char *base_rev, const char *head_rev)
{
	git_repository *repo = NULL;
	char base[41], head[41];
	git_oid h;
	int ret;

	*out = NULL;
	*n = 0;
	if ((ret = patchgen_resolve(base, repo_dir, base_rev)) < 0 ||
	    (ret = patchgen_resolve(head, repo_dir, head_rev)) < 0)
		return ret;
	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	git_oid_fromstr(&h, head);
	ret = walk(out, n, repo, base, &h);
	git_repository_free(repo);
	return ret;
}

int patchgen_commit_subject(char **out, const char *repo_dir, const char *hex)
{
	git_repository *repo = NULL;
	git_commit *c = NULL;
	int ret;

	*out = NULL;
	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if ((ret = pg_lookup_commit(&c, repo, hex)) == 0)
		*out = xstrdup(git_commit_summary(c) ? git_commit_summary(c) : "");
	git_commit_free(c);
	git_repository_free(repo);
	return ret;
}

int patchgen_drop_commit(char out_hex[41], const char *repo_dir, const char *head_hex,
			 const char *drop_hex)
{
	git_repository *repo = NULL;
	git_commit *drop = NULL, *onto = NULL, *pick = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	char (*later)[41] = NULL;
	size_t n = 0, i;
	git_oid head, dropped, tree_oid, new_oid;
	int ret;

	if (pg_parse_oid(&head, head_hex) < 0 || pg_parse_oid(&dropped, drop_hex) < 0)
		return ERR_BUG;
	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if ((ret = pg_lookup_commit(&drop, repo, drop_hex)) < 0)
		goto cleanup;
	if (!git_oid_equal(&head, &dropped) &&
	    git_graph_descendant_of(repo, &head, &dropped) != 1) {
		ret = error_set(ERR_NOTFOUND, "commit %.12s is not on the current branch", drop_hex);
		goto cleanup;
	}
	if (git_commit_parentcount(drop) != 1 || git_commit_parent(&onto, drop, 0) < 0) {
		ret = error_set(ERR_INPUT, "commit %.12s is not a plain commit with one parent",
				drop_hex);
		goto cleanup;
	}
	if ((ret = walk(&later, &n, repo, drop_hex, &head)) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		git_cherrypick_options copts = GIT_CHERRYPICK_OPTIONS_INIT;

		if ((ret = pg_lookup_commit(&pick, repo, later[i])) < 0)
			goto cleanup;
		if (git_commit_parentcount(pick) != 1) {
			ret = error_set(ERR_INPUT, "commit %.12s ('%s') is a merge; cannot rewrite past it",
					later[i], git_commit_summary(pick));
			goto cleanup;
		}
		if (git_cherrypick_commit(&idx, repo, pick, onto, 0, &copts.merge_opts) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot replay commit %.12s", later[i]);
			goto cleanup;
		}
		if (git_index_has_conflicts(idx)) {
			ret = error_set(ERR_INPUT, "commit %.12s ('%s') depends on the commit being "
					"removed; remove it first", later[i], git_commit_summary(pick));
			goto cleanup;
		}
		if (git_index_write_tree_to(&tree_oid, idx, repo) < 0 ||
		    git_tree_lookup(&tree, repo, &tree_oid) < 0 ||
		    git_commit_create(&new_oid, repo, NULL, git_commit_author(pick),
				      git_commit_committer(pick), git_commit_message_encoding(pick),
				      git_commit_message(pick), tree, 1,
				      (const git_commit **)&onto) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot rewrite commit %.12s", later[i]);
			goto cleanup;
		}
		git_commit_free(onto);
		onto = NULL;
		if (git_commit_lookup(&onto, repo, &new_oid) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot read back a rewritten commit");
			goto cleanup;
		}
		git_tree_free(tree);
		tree = NULL;
		git_index_free(idx);
		idx = NULL;
		git_commit_free(pick);
		pick = NULL;
	}
	pg_oid_hex(out_hex, git_commit_id(onto));
cleanup:
	free(later);
	git_tree_free(tree);
	git_index_free(idx);
	git_commit_free(pick);
	git_commit_free(onto);
	git_commit_free(drop);
	git_repository_free(repo);
	return ret;
}

void patchgen_changes_free(struct patchgen_change *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++) {
		free((char *)c[i].path);
		free((void *)c[i].data);
	}
	free(c);
}

int patchgen_tree_changes(struct patchgen_change **out, size_t *count, const char *repo_dir,
			  const char *from_hex, const char *to_hex)
{
	git_repository *repo = NULL;
	git_commit *from = NULL, *to = NULL;
	git_tree *ft = NULL, *tt = NULL;
	git_diff *diff = NULL;
	struct patchgen_change *list = NULL;
	size_t i, n = 0;
	int ret;

	*out = NULL;
	*count = 0;
	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if ((ret = pg_lookup_commit(&from, repo, from_hex)) < 0 ||
	    (ret = pg_lookup_commit(&to, repo, to_hex)) < 0)
		goto cleanup;
	if (git_commit_tree(&ft, from) < 0 || git_commit_tree(&tt, to) < 0 ||
	    git_diff_tree_to_tree(&diff, repo, ft, tt, NULL) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot compare %.12s and %.12s", from_hex, to_hex);
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	list = xcalloc(n ? n : 1, sizeof(*list));
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_blob *blob = NULL;

		if (d->status == GIT_DELTA_DELETED) {
			list[i].path = xstrdup(d->old_file.path);
			list[i].remove = true;
			continue;
		}
		list[i].path = xstrdup(d->new_file.path);
		list[i].mode = d->new_file.mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
		if (d->new_file.mode == GIT_FILEMODE_LINK || d->new_file.mode == GIT_FILEMODE_COMMIT) {
			ret = error_set(ERR_INPUT, "'%s' is not a regular file", d->new_file.path);
			goto cleanup;
		}
		if (git_blob_lookup(&blob, repo, &d->new_file.id) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot read '%s'", d->new_file.path);
			goto cleanup;
		}
		list[i].len = (size_t)git_blob_rawsize(blob);
		list[i].data = xmalloc(list[i].len + 1);
		memcpy((void *)list[i].data, git_blob_rawcontent(blob), list[i].len);
		git_blob_free(blob);
	}
	*out = list;
	*count = n;
	list = NULL;
cleanup:
	patchgen_changes_free(list, n);
	git_diff_free(diff);
	git_tree_free(ft);
	git_tree_free(tt);
	git_commit_free(from);
	git_commit_free(to);
	git_repository_free(repo);
	return ret;
}

int patchgen_read_blob(struct buf *out, const char *repo_dir, const char *hex, const char *path)
{
	git_repository *repo = NULL;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int ret;

	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if ((ret = pg_lookup_commit(&c, repo, hex)) < 0)
		goto cleanup;
	if (git_commit_tree(&t, c) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot read the tree of %.12s", hex);
		goto cleanup;
	}
	if (git_tree_entry_bypath(&e, t, path) < 0) {
		ret = error_set(ERR_NOTFOUND, "'%s' does not exist at %.12s", path, hex);
		goto cleanup;
	}
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(e)) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot read '%s'", path);
		goto cleanup;
	}
	ret = buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
cleanup:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	git_repository_free(repo);
	return ret;
}
