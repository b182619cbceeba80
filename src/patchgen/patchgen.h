#ifndef QGA_FORGE_PATCHGEN_H
#define QGA_FORGE_PATCHGEN_H

/*
 * Git work with libgit2: the baseline commit of a prepared tree, commits of
 * qga-forge's edits, history rewrites (dropping a command's commit), and the
 * export of `upstream..forge` as a format-patch series.
 *
 * Commit ids are passed as 40-character lowercase hex strings. Functions
 * return 0 or a negative error code with a message (util/error.h).
 * No function here moves a ref or touches the work tree unless it says so:
 * the workspace module does that inside its crash-safe transactions.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"

#define PATCHGEN_UPSTREAM "upstream"
#define PATCHGEN_FORGE "forge"

struct patchgen_sig {
	const char *name;
	const char *email;
	int64_t when;    /* seconds since the epoch, UTC */
};

/*
 * Make `dir` a git repository whose single commit on branch `upstream` holds
 * every file below it (ignore files do not apply: the baseline is the whole
 * prepared tree), create branch `forge` at the same commit, check it out
 * (HEAD, index). Same tree + same sig + same message = same commit id.
 */
int patchgen_init_baseline(char out_hex[41], const char *dir, const struct patchgen_sig *sig,
			   const char *message);

/* One file change of a commit: path relative to the repo root. */
struct patchgen_change {
	const char *path;
	const void *data;  /* new content (ignored when remove) */
	size_t len;
	mode_t mode;       /* 0644 or 0755; 0 keeps the current mode (new: 0644) */
	bool remove;
};

/*
 * Write a commit (objects only, no ref moved) whose parent is `parent_hex`
 * and whose tree is the parent's tree with `changes` applied.
 */
int patchgen_make_commit(char out_hex[41], const char *repo_dir, const char *parent_hex,
			 const struct patchgen_change *changes, size_t n, const char *message,
			 const struct patchgen_sig *sig);

/* Resolve a ref or revision ("forge", "refs/heads/upstream", hex) to a commit id. */
int patchgen_resolve(char out_hex[41], const char *repo_dir, const char *rev);

/*
 * Move `refname` from old_hex to new_hex, failing when it is no longer at
 * old_hex (someone else moved it); a ref already at new_hex is fine.
 */
int patchgen_set_ref(const char *repo_dir, const char *refname, const char *old_hex,
		     const char *new_hex);

/* Make the index equal to HEAD's tree (after a ref move). */
int patchgen_reset_index(const char *repo_dir);

/*
 * After a ref move that changed only `paths` (relative to the repo root),
 * bring just those index entries to HEAD's tree, with the stat data of the
 * files on disk (which hold that content). Much cheaper than a full reset
 * on a large tree; other entries, including anything the user staged,
 * are left alone.
 */
int patchgen_update_index(const char *repo_dir, const char *const *paths, size_t n);

/*
 * 1 when the work tree and index match HEAD (untracked files count as
 * changes, ignored ones do not), 0 when not, with a description of the
 * first few changed paths in `what` (may be NULL); <0 on error.
 */
int patchgen_is_clean(const char *repo_dir, struct buf *what);

/*
 * The same check limited to `paths` (git pathspecs relative to the repo
 * root: a file, or a directory for everything below it): 1 when all of it
 * matches HEAD in the index and on disk, untracked files included, 0 when
 * not, <0 on error.
 */
int patchgen_paths_clean(const char *repo_dir, const char *const *paths, size_t n,
			 struct buf *what);

/* Commit ids of base..head, oldest first; caller frees the array. */
int patchgen_list_commits(char (**out)[41], size_t *n, const char *repo_dir,
			  const char *base_rev, const char *head_rev);

/* The commit's message summary line (caller frees). */
int patchgen_commit_subject(char **out, const char *repo_dir, const char *hex);

/*
 * Rewrite base..head without commit `drop_hex`: the later commits are
 * replayed (cherry-picked in memory, keeping author and message) onto its
 * parent. A conflict fails with a message naming the commit. *out_hex is the
 * new head (objects written, no ref moved).
 */
int patchgen_drop_commit(char out_hex[41], const char *repo_dir, const char *head_hex,
			 const char *drop_hex);

/*
 * Files that differ between the trees of two commits, for updating a work
 * tree: for each, the new content (or removal) as a change list. Caller
 * frees with patchgen_changes_free().
 */
int patchgen_tree_changes(struct patchgen_change **out, size_t *n, const char *repo_dir,
			  const char *from_hex, const char *to_hex);
void patchgen_changes_free(struct patchgen_change *c, size_t n);

/* Content of `path` at commit `hex` (appended to out). ERR_NOTFOUND if absent. */
int patchgen_read_blob(struct buf *out, const char *repo_dir, const char *hex, const char *path);

/* ---- patch series (series.c) ---- */

/* One exported patch: a git format-patch mail. */
struct patchgen_patch {
	char *name;       /* "qga-forge-0001-qga-add-guest-foo.patch" (PREFIX-NNNN-subject) */
	char *subject;    /* the commit's summary line (or the squash subject) */
	char commit[41];  /* the commit it was made from (the head for a squash) */
	char *data;       /* the patch text, NUL-terminated */
	size_t len;
	int64_t when;     /* the commit's author time, seconds since the epoch */
};

struct patchgen_series_opts {
	const char *prefix;          /* file names start PREFIX-NNNN-; NULL: "qga-forge" */
	bool squash;                 /* one patch for the whole range */
	const char *squash_subject;  /* its subject; NULL: the last commit's */
	bool diffstat;               /* a diffstat after "---" */
	const char *signature;       /* text after the "-- " line; NULL: "qga-forge" (no version,
	                                so a new qga-forge does not change the bytes) */
};

/*
 * Export base_rev..head_rev (which must be a straight line of commits on top
 * of base_rev) as git format-patch mails, oldest first: "From <id> Mon Sep 17
 * 00:00:00 2001", From: (author), Date: (author date, RFC 2822), Subject:
 * [PATCH n/m] (or [PATCH] alone), the message body, "---", optional
 * diffstat, the diff with a/ and b/ paths and 3 lines of context, and a
 * "-- " trailer. The same commits give the same bytes. Binary files,
 * symbolic links, submodules and commits that change nothing are refused
 * with a message naming the commit. Before returning, every patch is read
 * back and applied in memory, in order, to the baseline tree with exact
 * context (fuzz 0), and the result must be head_rev's tree. An empty range
 * gives *n == 0. Free with patchgen_series_free().
 */
int patchgen_export_series(struct patchgen_patch **out, size_t *n, const char *repo_dir,
			   const char *base_rev, const char *head_rev,
			   const struct patchgen_series_opts *opts);
void patchgen_series_free(struct patchgen_patch *p, size_t n);

#endif
