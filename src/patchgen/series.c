#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "patchgen.h"
#include "internal.h"
#include "util/error.h"
#include "util/banned.h"

#define DEFAULT_PREFIX "qga-forge"
#define DEFAULT_SIGNATURE "qga-forge"
#define SLUG_MAX 52

static bool lib_ready;

static int resolve_commit(git_commit **out, git_repository *repo, const char *rev)
{
	git_object *obj = NULL;
	int ret = 0;

	if (git_revparse_single(&obj, repo, rev) < 0)
		return patchgen_git_fail(ERR_NOTFOUND, "no revision '%s'", rev);
	if (git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT) < 0)
		ret = patchgen_git_fail(ERR_INPUT, "'%s' is not a commit", rev);
	git_object_free(obj);
	return ret;
}

/* git format-patch's file name rule: keep [A-Za-z0-9._], one '-' for any run of others. */
static void put_slug(struct buf *b, const char *subject)
{
	size_t start = b->len;
	bool dash = false;
	const char *p;

	for (p = subject; *p && b->len - start < SLUG_MAX; p++) {
		unsigned char c = (unsigned char)*p;

		if (isalnum(c) || c == '_' || (c == '.' && b->len > start && b->ptr[b->len - 1] != '.')) {
			if (dash && b->len > start)
				buf_putc(b, '-');
			dash = false;
			buf_putc(b, (char)c);
		} else {
			dash = true;
		}
	}
	while (b->len > start && (b->ptr[b->len - 1] == '-' || b->ptr[b->len - 1] == '.'))
		buf_truncate(b, b->len - 1);
	if (b->len == start)
		buf_puts(b, "patch");
}

/* RFC 2822 needs quotes around a display name with specials in it. */
static void put_name(struct buf *b, const char *name)
{
	const char *p;

	if (!strpbrk(name, "()<>[]:;@\\,.\"")) {
		buf_puts(b, name);
		return;
	}
	buf_putc(b, '"');
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void put_date(struct buf *b, const git_time *t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t local = (time_t)t->time + (time_t)t->offset * 60;
	int off = t->offset < 0 ? -t->offset : t->offset;
	struct tm tm;

	gmtime_r(&local, &tm);
	buf_printf(b, "%s, %d %s %d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday], tm.tm_mday,
		   months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		   t->offset < 0 ? '-' : '+', off / 60, off % 60);
}

/* Refuse what `patch -p1` cannot apply from a spec: binary files, links, submodules. */
static int check_diff(git_diff *diff, const char *what)
{
	size_t i, n = git_diff_num_deltas(diff);
	int ret = 0;

	if (n == 0)
		return error_set(ERR_INPUT, "%s changes no file: an empty patch cannot be applied", what);
	for (i = 0; i < n && !ret; i++) {
		git_patch *p = NULL;
		const git_diff_delta *d;
		const char *path;

		if (git_patch_from_diff(&p, diff, i) < 0)
			return patchgen_git_fail(ERR_GENERIC, "%s: cannot diff", what);
		d = git_patch_get_delta(p);
		path = d->new_file.path ? d->new_file.path : d->old_file.path;
		if (d->flags & GIT_DIFF_FLAG_BINARY)
			ret = error_set(ERR_INPUT, "%s: binary change to '%s' cannot go into a spec "
					"patch", what, path);
		else if (d->old_file.mode == GIT_FILEMODE_LINK || d->new_file.mode == GIT_FILEMODE_LINK)
			ret = error_set(ERR_INPUT, "%s: symbolic link '%s' cannot go into a spec patch",
					what, path);
		else if (d->old_file.mode == GIT_FILEMODE_COMMIT ||
			 d->new_file.mode == GIT_FILEMODE_COMMIT)
			ret = error_set(ERR_INPUT, "%s: submodule '%s' cannot go into a spec patch",
					what, path);
		git_patch_free(p);
	}
	return ret;
}

static int tree_diff(git_diff **out, git_repository *repo, git_tree *a, git_tree *b)
{
	git_diff_options o = GIT_DIFF_OPTIONS_INIT;

	o.context_lines = 3;
	if (git_diff_tree_to_tree(out, repo, a, b, &o) < 0)
		return patchgen_git_fail(ERR_GENERIC, "cannot diff two trees");
	return 0;
}

struct mail {
	const git_oid *id;
	const git_signature *author;
	const char *subject;
	const char *body;
	size_t nr, total;
	bool diffstat;
	const char *signature;
};

static int format_mail(struct buf *out, git_diff *diff, const struct mail *m)
{
	git_buf stat = { 0 }, patch = { 0 };
	git_diff_stats *stats = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int ret = 0;

	git_oid_tostr(hex, sizeof(hex), m->id);
	buf_printf(out, "From %s Mon Sep 17 00:00:00 2001\n", hex);
	buf_puts(out, "From: ");
	put_name(out, m->author->name);
	buf_printf(out, " <%s>\nDate: ", m->author->email);
	put_date(out, &m->author->when);
	if (m->total > 1)
		buf_printf(out, "\nSubject: [PATCH %zu/%zu] %s\n\n", m->nr, m->total, m->subject);
	else
		buf_printf(out, "\nSubject: [PATCH] %s\n\n", m->subject);
	if (m->body && *m->body) {
		size_t bl = strlen(m->body);

		while (bl && isspace((unsigned char)m->body[bl - 1]))
			bl--;
		buf_put(out, m->body, bl);
		buf_putc(out, '\n');
	}
	buf_puts(out, "---\n");
	if (m->diffstat) {
		if (git_diff_get_stats(&stats, diff) < 0 ||
		    git_diff_stats_to_buf(&stat, stats, GIT_DIFF_STATS_FULL |
					  GIT_DIFF_STATS_INCLUDE_SUMMARY, 72) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot count the changes of %s", hex);
			goto out;
		}
		buf_put(out, stat.ptr, stat.size);
		buf_putc(out, '\n');
	}
	if (git_diff_to_buf(&patch, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot write the diff of %s", hex);
		goto out;
	}
	buf_put(out, patch.ptr, patch.size);
	buf_printf(out, "-- \n%s\n\n", m->signature);
out:
	git_diff_stats_free(stats);
	git_buf_dispose(&stat);
	git_buf_dispose(&patch);
	return ret;
}

/*
 * Apply one patch's text (as a reader of the file would) to `*tree` in
 * memory: libgit2 applies with exact context, which is fuzz 0.
 */
static int apply_check(git_tree **tree, git_repository *repo, const struct patchgen_patch *p)
{
	const char *start = NULL, *s = p->data;
	git_diff *diff = NULL;
	git_index *idx = NULL;
	git_tree *next = NULL;
	git_oid oid;
	size_t len;
	int ret = 0;

	if (!strncmp(s, "diff --git ", 11))
		start = s;
	else if ((s = strstr(p->data, "\ndiff --git ")) != NULL)
		start = s + 1;
	if (!start)
		return error_set(ERR_BUG, "'%s' holds no diff", p->name);
	len = p->len - (size_t)(start - p->data);
	if (git_diff_from_buffer(&diff, start, len) < 0) {
		ret = patchgen_git_fail(ERR_BUG, "'%s' cannot be read back as a patch", p->name);
		goto out;
	}
	if (git_apply_to_tree(&idx, repo, *tree, diff, NULL) < 0) {
		ret = patchgen_git_fail(ERR_INPUT, "'%s' does not apply without fuzz to the tree "
				      "before it", p->name);
		goto out;
	}
	if (git_index_write_tree_to(&oid, idx, repo) < 0 || git_tree_lookup(&next, repo, &oid) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot write the tree after '%s'", p->name);
		goto out;
	}
	git_tree_free(*tree);
	*tree = next;
out:
	git_index_free(idx);
	git_diff_free(diff);
	return ret;
}

/* upstream..forge, oldest first; every commit has one parent, the one before it. */
static int linear_range(git_commit ***out, size_t *n, git_repository *repo, git_commit *base,
			git_commit *head)
{
	git_revwalk *walk = NULL;
	git_commit **list = NULL;
	size_t count = 0, alloc = 0, i;
	git_oid oid;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, git_commit_id(head)) < 0 ||
	    git_revwalk_hide(walk, git_commit_id(base)) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot walk the commits");
		goto out;
	}
	while (git_revwalk_next(&oid, walk) == 0) {
		if (count == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			list = xrealloc(list, alloc * sizeof(*list));
		}
		if (git_commit_lookup(&list[count], repo, &oid) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot read a commit");
			goto out;
		}
		count++;
	}
	for (i = 0; i < count; i++) {
		const git_oid *want = i ? git_commit_id(list[i - 1]) : git_commit_id(base);
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), git_commit_id(list[i]));
		if (git_commit_parentcount(list[i]) != 1 ||
		    !git_oid_equal(git_commit_parent_id(list[i], 0), want)) {
			ret = error_set(ERR_INPUT, "commit %.12s ('%s') is a merge or does not follow "
					"the one before it: the series must be a straight line on "
					"top of the baseline", hex, git_commit_summary(list[i]));
			goto out;
		}
	}
out:
	git_revwalk_free(walk);
	if (ret < 0) {
		for (i = 0; i < count; i++)
			git_commit_free(list[i]);
		free(list);
		return ret;
	}
	*out = list;
	*n = count;
	return 0;
}

static void add_patch(struct patchgen_patch **arr, size_t *n, const char *prefix, size_t nr,
		      const char *subject, const git_oid *id, int64_t when, struct buf *text)
{
	struct patchgen_patch *p;
	struct buf name = BUF_INIT;

	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	p = &(*arr)[(*n)++];
	memset(p, 0, sizeof(*p));
	buf_printf(&name, "%s-%04zu-", prefix, nr);
	put_slug(&name, subject);
	buf_puts(&name, ".patch");
	p->name = buf_detach(&name, NULL);
	p->subject = xstrdup(subject);
	git_oid_tostr(p->commit, sizeof(p->commit), id);
	p->data = buf_detach(text, &p->len);
	p->when = when;
}

static int check_prefix(const char *prefix)
{
	const char *p;

	for (p = prefix; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
			return error_set(ERR_INPUT, "patch name prefix '%s': use letters, digits, "
					 "'-', '_' and '.'", prefix);
	if (!*prefix)
		return error_set(ERR_INPUT, "empty patch name prefix");
	return 0;
}

int patchgen_export_series(struct patchgen_patch **out, size_t *n, const char *repo_dir,
			   const char *base_rev, const char *head_rev,
			   const struct patchgen_series_opts *opts)
{
	const char *prefix = opts && opts->prefix ? opts->prefix : DEFAULT_PREFIX;
	git_repository *repo = NULL;
	git_commit *base = NULL, *head = NULL, **commits = NULL;
	git_tree *cur = NULL, *a = NULL, *b = NULL, *want = NULL;
	git_diff *diff = NULL;
	struct patchgen_patch *arr = NULL;
	size_t count = 0, ncommits = 0, i;
	struct mail m;
	int ret;

	*out = NULL;
	*n = 0;
	if ((ret = check_prefix(prefix)) < 0)
		return ret;
	if (!lib_ready) {
		git_libgit2_init();
		lib_ready = true;
	}
	if (git_repository_open_ext(&repo, repo_dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot open the git repository in '%s'", repo_dir);
		goto out;
	}
	if ((ret = resolve_commit(&base, repo, base_rev)) < 0 ||
	    (ret = resolve_commit(&head, repo, head_rev)) < 0)
		goto out;
	if ((ret = linear_range(&commits, &ncommits, repo, base, head)) < 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.diffstat = opts ? opts->diffstat : false;
	m.signature = opts && opts->signature ? opts->signature : DEFAULT_SIGNATURE;
	if (ncommits == 0)
		goto check;
	if (opts && opts->squash) {
		struct buf body = BUF_INIT, text = BUF_INIT;
		const char *subject = opts->squash_subject ? opts->squash_subject :
				      git_commit_summary(commits[ncommits - 1]);

		if (ncommits > 1 || opts->squash_subject)
			for (i = 0; i < ncommits; i++)
				buf_printf(&body, "* %s\n", git_commit_summary(commits[i]));
		if (git_commit_tree(&a, base) < 0 || git_commit_tree(&b, head) < 0) {
			ret = patchgen_git_fail(ERR_GENERIC, "cannot read the trees of '%s..%s'",
					      base_rev, head_rev);
			buf_release(&body);
			goto out;
		}
		ret = tree_diff(&diff, repo, a, b);
		if (!ret)
			ret = check_diff(diff, "the squashed series");
		m.id = git_commit_id(head);
		m.author = git_commit_author(head);
		m.subject = subject;
		m.body = body.ptr;
		m.nr = m.total = 1;
		if (!ret)
			ret = format_mail(&text, diff, &m);
		if (!ret)
			add_patch(&arr, &count, prefix, 1, subject, git_commit_id(head),
				  (int64_t)git_commit_author(head)->when.time, &text);
		buf_release(&body);
		buf_release(&text);
		if (ret < 0)
			goto out;
		goto check;
	}
	for (i = 0; i < ncommits; i++) {
		struct buf text = BUF_INIT, what = BUF_INIT;
		char hex[GIT_OID_HEXSZ + 1];
		git_commit *parent = NULL;

		git_oid_tostr(hex, sizeof(hex), git_commit_id(commits[i]));
		buf_printf(&what, "commit %.12s ('%s')", hex, git_commit_summary(commits[i]));
		git_tree_free(a);
		git_tree_free(b);
		git_diff_free(diff);
		a = b = NULL;
		diff = NULL;
		if (git_commit_parent(&parent, commits[i], 0) < 0 || git_commit_tree(&a, parent) < 0 ||
		    git_commit_tree(&b, commits[i]) < 0) {
			git_commit_free(parent);
			ret = patchgen_git_fail(ERR_GENERIC, "cannot read %s", what.ptr);
			buf_release(&what);
			goto out;
		}
		git_commit_free(parent);
		ret = tree_diff(&diff, repo, a, b);
		if (!ret)
			ret = check_diff(diff, what.ptr);
		m.id = git_commit_id(commits[i]);
		m.author = git_commit_author(commits[i]);
		m.subject = git_commit_summary(commits[i]);
		m.body = git_commit_body(commits[i]);
		m.nr = i + 1;
		m.total = ncommits;
		if (!ret)
			ret = format_mail(&text, diff, &m);
		if (!ret)
			add_patch(&arr, &count, prefix, i + 1, m.subject, m.id,
				  (int64_t)m.author->when.time, &text);
		buf_release(&text);
		buf_release(&what);
		if (ret < 0)
			goto out;
	}
check:
	/* Each patch must apply, in order, to what the ones before it produced. */
	if (git_commit_tree(&cur, base) < 0 || git_commit_tree(&want, head) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot read the baseline tree");
		goto out;
	}
	for (i = 0; i < count; i++)
		if ((ret = apply_check(&cur, repo, &arr[i])) < 0)
			goto out;
	if (!git_oid_equal(git_tree_id(cur), git_tree_id(want))) {
		ret = error_set(ERR_BUG, "the exported patches do not rebuild '%s' from '%s'",
				head_rev, base_rev);
		goto out;
	}
	*out = arr;
	*n = count;
	arr = NULL;
	count = 0;
out:
	patchgen_series_free(arr, count);
	for (i = 0; i < ncommits; i++)
		git_commit_free(commits[i]);
	free(commits);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_tree_free(cur);
	git_tree_free(want);
	git_commit_free(base);
	git_commit_free(head);
	git_repository_free(repo);
	return ret;
}

void patchgen_series_free(struct patchgen_patch *p, size_t n)
{
	size_t i;

	for (i = 0; p && i < n; i++) {
		free(p[i].name);
		free(p[i].subject);
		free(p[i].data);
	}
	free(p);
}
