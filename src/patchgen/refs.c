/* Commits, refs, the index and the work tree's status. */
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

int patchgen_make_commit(char out_hex[41], const char *repo_dir, const char *parent_hex,
			 const struct patchgen_change *changes, size_t n, const char *message,
			 const struct patchgen_sig *sig)
{
	git_repository *repo = NULL;
	git_commit *parent = NULL;
	git_tree *ptree = NULL, *ntree = NULL;
	git_tree_update *upd = NULL;
	git_signature *s = NULL;
	git_oid tree_oid, oid;
	size_t i;
	int ret;

	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if ((ret = pg_lookup_commit(&parent, repo, parent_hex)) < 0)
		goto cleanup;
	if (git_commit_tree(&ptree, parent) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot read the tree of '%s'", parent_hex);
		goto cleanup;
	}
	upd = xcalloc(n ? n : 1, sizeof(*upd));
	for (i = 0; i < n; i++) {
		const struct patchgen_change *c = &changes[i];

		upd[i].path = c->path;
		if (c->remove) {
			upd[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		upd[i].action = GIT_TREE_UPDATE_UPSERT;
		if (c->mode)
			upd[i].filemode = (c->mode & 0111) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
		else {
			git_tree_entry *e = NULL;

			upd[i].filemode = GIT_FILEMODE_BLOB;
			if (git_tree_entry_bypath(&e, ptree, c->path) == 0) {
				upd[i].filemode = git_tree_entry_filemode(e);
				git_tree_entry_free(e);
			}
		}
		if (git_blob_create_from_buffer(&upd[i].id, repo, c->data, c->len) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot store '%s'", c->path);
			goto cleanup;
		}
	}
	if (git_tree_create_updated(&tree_oid, repo, ptree, n, upd) < 0 ||
	    git_tree_lookup(&ntree, repo, &tree_oid) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot build the tree of the new commit");
		goto cleanup;
	}
	if ((ret = pg_make_sig(&s, sig)) < 0)
		goto cleanup;
	if (git_commit_create(&oid, repo, NULL, s, s, NULL, message, ntree, 1,
			      (const git_commit **)&parent) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot create the commit");
		goto cleanup;
	}
	pg_oid_hex(out_hex, &oid);
cleanup:
	free(upd);
	git_signature_free(s);
	git_tree_free(ntree);
	git_tree_free(ptree);
	git_commit_free(parent);
	git_repository_free(repo);
	return ret;
}


int patchgen_resolve(char out_hex[41], const char *repo_dir, const char *rev)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	int ret;

	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if (git_revparse_single(&obj, repo, rev) < 0) {
		ret = patchgen_git_fail(ERR_NOTFOUND, "'%s' not found in '%s'", rev, repo_dir);
		goto cleanup;
	}
	{
		git_object *c = NULL;

		if (git_object_peel(&c, obj, GIT_OBJECT_COMMIT) < 0) {
			ret = patchgen_git_fail(ERR_NOTFOUND, "'%s' is not a commit", rev);
			goto cleanup;
		}
		pg_oid_hex(out_hex, git_object_id(c));
		git_object_free(c);
	}
cleanup:
	git_object_free(obj);
	git_repository_free(repo);
	return ret;
}

int patchgen_set_ref(const char *repo_dir, const char *refname, const char *old_hex,
		     const char *new_hex)
{
	git_repository *repo = NULL;
	git_reference *ref = NULL, *out = NULL;
	git_oid old_oid, new_oid;
	const git_oid *cur;
	int ret;

	if (pg_parse_oid(&old_oid, old_hex) < 0 || pg_parse_oid(&new_oid, new_hex) < 0)
		return ERR_BUG;
	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if (git_reference_lookup(&ref, repo, refname) < 0) {
		ret = patchgen_git_fail(ERR_NOTFOUND, "branch '%s' not found in '%s'", refname, repo_dir);
		goto cleanup;
	}
	cur = git_reference_target(ref);
	if (cur && git_oid_equal(cur, &new_oid))
		goto cleanup;
	if (!cur || !git_oid_equal(cur, &old_oid)) {
		ret = error_set(ERR_GENERIC, "branch '%s' in '%s' moved while qga-forge was working; "
				"expected it at %.12s", refname, repo_dir, old_hex);
		goto cleanup;
	}
	if (git_reference_create_matching(&out, repo, refname, &new_oid, 1, &old_oid,
					  "qga-forge") < 0)
		ret = patchgen_git_fail(ERR_GENERIC, "cannot move branch '%s'", refname);
cleanup:
	git_reference_free(out);
	git_reference_free(ref);
	git_repository_free(repo);
	return ret;
}

int patchgen_reset_index(const char *repo_dir)
{
	git_repository *repo = NULL;
	git_object *head = NULL;
	git_tree *tree = NULL;
	git_index *idx = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts = GIT_DIFF_OPTIONS_INIT;
	int ret;

	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if (git_revparse_single(&head, repo, "HEAD^{tree}") < 0 ||
	    git_tree_lookup(&tree, repo, git_object_id(head)) < 0 ||
	    git_repository_index(&idx, repo) < 0 ||
	    git_index_read_tree(idx, tree) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot update the index of '%s'", repo_dir);
		goto cleanup;
	}
	/*
	 * read_tree keeps the stat data of unchanged entries only; let the diff
	 * refresh it where the file on disk has the indexed content, so `git
	 * status` stays fast. A file that really differs (the user's own edit)
	 * must stay a work tree change, not be staged.
	 */
	dopts.flags = GIT_DIFF_UPDATE_INDEX;
	git_diff_index_to_workdir(&diff, repo, idx, &dopts);
	if (git_index_write(idx) < 0)
		ret = patchgen_git_fail(ERR_GENERIC, "cannot write the index of '%s'", repo_dir);
cleanup:
	git_diff_free(diff);
	git_index_free(idx);
	git_tree_free(tree);
	git_object_free(head);
	git_repository_free(repo);
	return ret;
}

int patchgen_update_index(const char *repo_dir, const char *const *paths, size_t n)
{
	git_repository *repo = NULL;
	git_object *head = NULL;
	git_tree *tree = NULL;
	git_index *idx = NULL;
	size_t i;
	int ret;

	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	if (git_revparse_single(&head, repo, "HEAD^{tree}") < 0 ||
	    git_tree_lookup(&tree, repo, git_object_id(head)) < 0 ||
	    git_repository_index(&idx, repo) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot update the index of '%s'", repo_dir);
		goto cleanup;
	}
	for (i = 0; i < n && !ret; i++) {
		git_tree_entry *te = NULL;
		char *abs;
		struct stat st;

		if (git_tree_entry_bypath(&te, tree, paths[i]) < 0) {
			/* Gone from HEAD: gone from the index. */
			git_error_clear();
			if (git_index_remove_bypath(idx, paths[i]) < 0)
				ret = patchgen_git_fail(ERR_GENERIC, "cannot update '%s' in the index", paths[i]);
			continue;
		}
		/*
		 * The entry takes its id from the tree, not from hashing the file
		 * through the repository's filters, so the index always names
		 * exactly the committed content.
		 */
		abs = fs_path_join(repo_dir, paths[i]);
		if (lstat(abs, &st) == 0) {
			git_index_entry e;

			memset(&e, 0, sizeof(e));
			e.ctime.seconds = (int32_t)st.st_ctim.tv_sec;
			e.ctime.nanoseconds = (uint32_t)st.st_ctim.tv_nsec;
			e.mtime.seconds = (int32_t)st.st_mtim.tv_sec;
			e.mtime.nanoseconds = (uint32_t)st.st_mtim.tv_nsec;
			e.dev = (uint32_t)st.st_dev;
			e.ino = (uint32_t)st.st_ino;
			e.uid = st.st_uid;
			e.gid = st.st_gid;
			e.file_size = (uint32_t)st.st_size;
			e.mode = git_tree_entry_filemode(te);
			e.id = *git_tree_entry_id(te);
			e.path = paths[i];
			if (git_index_add(idx, &e) < 0)
				ret = patchgen_git_fail(ERR_GENERIC, "cannot update '%s' in the index", paths[i]);
		}
		free(abs);
		git_tree_entry_free(te);
	}
	if (!ret && git_index_write(idx) < 0)
		ret = patchgen_git_fail(ERR_GENERIC, "cannot write the index of '%s'", repo_dir);
cleanup:
	git_index_free(idx);
	git_tree_free(tree);
	git_object_free(head);
	git_repository_free(repo);
	return ret;
}

/*
 * 1 when status (limited to `paths` when n > 0) shows nothing, 0 with the
 * first few paths in `what` when it does, <0 on error.
 */
static int status_clean(const char *repo_dir, const char *const *paths, size_t n,
			struct buf *what)
{
	git_repository *repo = NULL;
	git_status_list *st = NULL;
	git_status_options opts = GIT_STATUS_OPTIONS_INIT;
	size_t i, count;
	int ret;

	if ((ret = pg_open_repo(&repo, repo_dir)) < 0)
		return ret;
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (n) {
		opts.flags |= GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
		opts.pathspec.strings = (char **)paths;
		opts.pathspec.count = n;
	}
	if (git_status_list_new(&st, repo, &opts) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot read the status of '%s'", repo_dir);
		goto cleanup;
	}
	count = git_status_list_entrycount(st);
	ret = count == 0;
	for (i = 0; what && i < count && i < 5; i++) {
		const git_status_entry *e = git_status_byindex(st, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;

		buf_printf(what, "%s%s", i ? ", " : "", d ? d->new_file.path : "?");
	}
	if (what && count > 5)
		buf_printf(what, " and %zu more", count - 5);
cleanup:
	git_status_list_free(st);
	git_repository_free(repo);
	return ret;
}

int patchgen_paths_clean(const char *repo_dir, const char *const *paths, size_t n,
			 struct buf *what)
{
	if (!n)
		return 1;
	return status_clean(repo_dir, paths, n, what);
}

int patchgen_is_clean(const char *repo_dir, struct buf *what)
{
	return status_clean(repo_dir, NULL, 0, what);
}
