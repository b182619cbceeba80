#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>

#include "util/util.h"
#include "patchgen/patchgen.h"
#include "testutil.h"

static const struct patchgen_sig test_sig = { "A U Thor", "author@example.com", 1700000000 };
static const struct patchgen_sig other_sig = { "Other Person", "other@example.com", 1700000100 };

/*
 * A small prepared tree: plain files, an executable, a symlink, an empty
 * file, files in subdirectories, and files a .gitignore matches.
 */
static void make_tree(const char *dir)
{
	char p[PATH_MAX];

#define W(rel, text, mode) do { \
		tu_fmt(p, "%s/%s", dir, rel); \
		tu_write_mode(p, text, mode); \
	} while (0)
	W("README", "readme v1\n", 0644);
	W("a.txt", "alpha\n", 0644);
	W("b.txt", "beta\n", 0644);
	W("empty", "", 0644);
	W("lib/code.c", "int x;\n", 0644);
	W("scripts/run.sh", "#!/bin/sh\necho run\n", 0755);
	W(".gitignore", "*.o\nbuild/\n", 0644);
	W("obj.o", "object\n", 0644);
	W("build/out.txt", "generated\n", 0644);
	W("sub/.gitignore", "*\n", 0644);
	W("sub/hidden.txt", "ignored by sub/.gitignore\n", 0644);
#undef W
	tu_fmt(p, "%s/link", dir);
	if (symlink("a.txt", p) < 0)
		fail_msg("symlink '%s': %s", p, strerror(errno));
}

/* The tree of make_tree() with a baseline; base receives its id. */
static void make_repo(const char *dir, char base[41])
{
	tu_mkdirs(dir);
	make_tree(dir);
	assert_int_equal(patchgen_init_baseline(base, dir, &test_sig, "baseline\n"), 0);
}

/* Mode of `path` in the tree of `rev`, or -1 when absent. */
static int tree_mode(const char *repo_dir, const char *rev, const char *path)
{
	git_repository *repo = NULL;
	git_object *tree = NULL;
	git_tree_entry *e = NULL;
	char spec[256];
	int mode = -1;

	tu_fmt(spec, "%s^{tree}", rev);
	git_libgit2_init();
	assert_int_equal(git_repository_open(&repo, repo_dir), 0);
	assert_int_equal(git_revparse_single(&tree, repo, spec), 0);
	if (git_tree_entry_bypath(&e, (git_tree *)tree, path) == 0) {
		mode = (int)git_tree_entry_filemode(e);
		git_tree_entry_free(e);
	}
	git_object_free(tree);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return mode;
}

/* Number of entries (files, recursively) in the tree of `rev`. */
static int tree_walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
		(*(int *)payload)++;
	return 0;
}

static int tree_count(const char *repo_dir, const char *rev)
{
	git_repository *repo = NULL;
	git_object *tree = NULL;
	char spec[256];
	int n = 0;

	tu_fmt(spec, "%s^{tree}", rev);
	git_libgit2_init();
	assert_int_equal(git_repository_open(&repo, repo_dir), 0);
	assert_int_equal(git_revparse_single(&tree, repo, spec), 0);
	assert_int_equal(git_tree_walk((git_tree *)tree, GIT_TREEWALK_PRE, tree_walk_cb, &n), 0);
	git_object_free(tree);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return n;
}

static void assert_blob(const char *repo, const char *hex, const char *path, const char *want)
{
	struct buf b = BUF_INIT;
	int r = patchgen_read_blob(&b, repo, hex, path);

	if (r)
		fail_msg("read_blob '%s': %s", path, error_last());
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.ptr, want, b.len);
	buf_release(&b);
}

static void assert_no_blob(const char *repo, const char *hex, const char *path)
{
	struct buf b = BUF_INIT;

	assert_int_equal(patchgen_read_blob(&b, repo, hex, path), ERR_NOTFOUND);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void commit(char out[41], const char *repo, const char *parent,
		   const struct patchgen_change *c, size_t n, const char *msg)
{
	int r = patchgen_make_commit(out, repo, parent, c, n, msg, &test_sig);

	if (r)
		fail_msg("make_commit: %s", error_last());
	assert_int_equal(strlen(out), 40);
}

static void assert_subject(const char *repo, const char *hex, const char *want)
{
	char *s = NULL;

	assert_int_equal(patchgen_commit_subject(&s, repo, hex), 0);
	assert_string_equal(s, want);
	free(s);
}

/* ---- baseline ---- */

static void test_patchgen__baseline_deterministic(void **state)
{
	char a[41], b[41], c[41], d[41];

	make_repo(tu_path("one"), a);
	make_repo(tu_path("two"), b);
	assert_int_equal(strlen(a), 40);
	assert_string_equal(a, b);

	/* Different message, author or time: a different commit. */
	tu_mkdirs(tu_path("three"));
	make_tree(tu_path("three"));
	assert_int_equal(patchgen_init_baseline(c, tu_path("three"), &other_sig, "baseline\n"), 0);
	assert_string_not_equal(c, a);
	tu_mkdirs(tu_path("four"));
	make_tree(tu_path("four"));
	assert_int_equal(patchgen_init_baseline(d, tu_path("four"), &test_sig, "other\n"), 0);
	assert_string_not_equal(d, a);
}

static void test_patchgen__baseline_matches_git(void **state)
{
	/* The same tree committed by git itself gets the same id. */
	const char *init[] = { "git", "init", "-q", "-b", "x", NULL };
	const char *add[] = { "git", "add", "-f", "-A", NULL };
	const char *ci[] = { "git", "-c", "user.name=A U Thor", "-c", "user.email=author@example.com",
			     "-c", "core.fileMode=true", "commit", "-q", "--no-verify", "-m", "baseline",
			     NULL };
	const char *env[] = { "GIT_AUTHOR_DATE=1700000000 +0000",
			      "GIT_COMMITTER_DATE=1700000000 +0000",
			      "GIT_COMMITTER_NAME=A U Thor", "GIT_COMMITTER_EMAIL=author@example.com",
			      "GIT_CONFIG_NOSYSTEM=1", "HOME=/nonexistent", NULL };
	const char *rev[] = { "git", "rev-parse", "HEAD", NULL };
	struct run_opts o = { .capture = true, .env = env };
	struct run_result r = RUN_RESULT_INIT;
	char ours[41];

	if (!run_have_program("git"))
		skip();
	make_repo(tu_path("ours"), ours);
	tu_mkdirs(tu_path("theirs"));
	make_tree(tu_path("theirs"));
	o.cwd = "theirs";
	o.argv = init;
	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 0);
	run_result_release(&r);
	o.argv = add;
	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 0);
	run_result_release(&r);
	o.argv = ci;
	assert_int_equal(run_command(&r, &o), 0);
	if (r.status)
		fail_msg("git commit: %s", r.err.ptr);
	run_result_release(&r);
	o.argv = rev;
	assert_int_equal(run_command(&r, &o), 0);
	buf_rtrim(&r.out);
	assert_string_equal(r.out.ptr, ours);
	run_result_release(&r);
}

static void test_patchgen__baseline_contents(void **state)
{
	char base[41], hex[41];
	const char *repo = tu_path("r");
	char rp[PATH_MAX];

	tu_fmt(rp, "%s", repo);
	repo = rp;
	make_repo(repo, base);

	/* Every file, ignored or not; .git itself is not recorded. */
	assert_int_equal(tree_count(repo, base), 12);
	assert_blob(repo, base, "README", "readme v1\n");
	assert_blob(repo, base, "empty", "");
	assert_blob(repo, base, "obj.o", "object\n");
	assert_blob(repo, base, "build/out.txt", "generated\n");
	assert_blob(repo, base, "sub/hidden.txt", "ignored by sub/.gitignore\n");
	assert_blob(repo, base, ".gitignore", "*.o\nbuild/\n");
	assert_no_blob(repo, base, ".git/HEAD");
	assert_int_equal(tree_mode(repo, base, ".git"), -1);

	/* Executable bits and symlinks. */
	assert_int_equal(tree_mode(repo, base, "scripts/run.sh"), GIT_FILEMODE_BLOB_EXECUTABLE);
	assert_int_equal(tree_mode(repo, base, "README"), GIT_FILEMODE_BLOB);
	assert_int_equal(tree_mode(repo, base, "link"), GIT_FILEMODE_LINK);
	assert_blob(repo, base, "link", "a.txt");

	/* Both branches at the baseline, forge checked out, the tree clean. */
	assert_int_equal(patchgen_resolve(hex, repo, PATCHGEN_UPSTREAM), 0);
	assert_string_equal(hex, base);
	assert_int_equal(patchgen_resolve(hex, repo, "refs/heads/" PATCHGEN_FORGE), 0);
	assert_string_equal(hex, base);
	assert_int_equal(patchgen_resolve(hex, repo, "HEAD"), 0);
	assert_string_equal(hex, base);
	assert_int_equal(patchgen_resolve(hex, repo, base), 0);
	assert_string_equal(hex, base);
	assert_int_equal(patchgen_is_clean(repo, NULL), 1);
	assert_subject(repo, base, "baseline");
}

static void test_patchgen__baseline_twice_fails(void **state)
{
	char base[41], again[41];
	char *want;

	make_repo(tu_path("r"), base);
	error_clear();
	assert_int_equal(patchgen_init_baseline(again, tu_path("r"), &test_sig, "x\n"), ERR_EXISTS);
	want = xasprintf("'%s' is already a git repository", tu_path("r"));
	assert_string_equal(error_last(), want);
	free(want);
}

static void test_patchgen__baseline_empty_dir(void **state)
{
	char base[41];

	tu_mkdirs(tu_path("e"));
	assert_int_equal(patchgen_init_baseline(base, tu_path("e"), &test_sig, "empty\n"), 0);
	assert_int_equal(tree_count(tu_path("e"), base), 0);
	assert_int_equal(patchgen_is_clean(tu_path("e"), NULL), 1);
}

/* Writes len bytes of a repeatable pseudo-random pattern to path. */
static unsigned char *write_pattern(const char *path, size_t len, unsigned seed)
{
	unsigned char *data = malloc(len ? len : 1);
	FILE *f = fopen(path, "wb");
	size_t i;

	assert_non_null(data);
	assert_non_null(f);
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = (unsigned char)(seed >> 16);
	}
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return data;
}

/*
 * The baseline's own pack and index: contents larger than a deflate block
 * and than the write buffer, shared contents stored once, every blob read
 * back by libgit2 (which checks each object's id against its content)
 * equal to the file.
 */
static void test_patchgen__baseline_pack_reads_back(void **state)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 200000, (3u << 20) + 7 };
	char base[41], p[PATH_MAX], name[32];
	unsigned char *data[6];
	struct buf b = BUF_INIT;
	size_t i, packs = 0;
	DIR *d;
	struct dirent *e;

	tu_mkdirs(tu_path("p/sub"));
	for (i = 0; i < 6; i++) {
		tu_fmt(p, "%s/f%zu.bin", tu_path("p"), i);
		data[i] = write_pattern(p, sizes[i], (unsigned)i + 1);
	}
	tu_write(tu_path("p/sub/same1"), "shared\n");
	tu_write(tu_path("p/sub/same2"), "shared\n");
	assert_int_equal(patchgen_init_baseline(base, tu_path("p"), &test_sig, "baseline\n"), 0);
	assert_int_equal(tree_count(tu_path("p"), base), 8);
	for (i = 0; i < 6; i++) {
		tu_fmt(name, "f%zu.bin", i);
		buf_reset(&b);
		assert_int_equal(patchgen_read_blob(&b, tu_path("p"), base, name), 0);
		assert_int_equal(b.len, sizes[i]);
		assert_memory_equal(b.ptr, data[i], sizes[i]);
		free(data[i]);
	}
	buf_reset(&b);
	assert_int_equal(patchgen_read_blob(&b, tu_path("p"), base, "sub/same2"), 0);
	assert_string_equal(b.ptr, "shared\n");
	buf_release(&b);
	/* One pack with its index, read-only; no temporary file left. */
	d = opendir(tu_path("p/.git/objects/pack"));
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		assert_true(!strncmp(e->d_name, "pack-", 5));
		tu_fmt(p, "%s/%s", tu_path("p/.git/objects/pack"), e->d_name);
		assert_int_equal(tu_mode(p) & 0777, 0444);
		packs++;
	}
	closedir(d);
	assert_int_equal(packs, 2);
	assert_int_equal(patchgen_is_clean(tu_path("p"), NULL), 1);
}

/* ---- commits ---- */

static void test_patchgen__make_commit(void **state)
{
	char base[41], c1[41], hex[41], rp[PATH_MAX];
	const char *repo = rp;
	const struct patchgen_change ch[] = {
		{ "new/dir/file.txt", "hello\n", 6, 0, false },
		{ "README", "readme v2\n", 10, 0, false },
		{ "b.txt", NULL, 0, 0, true },
		{ "bin/tool", "#!/bin/sh\n", 10, 0755, false },
		{ "scripts/run.sh", "#!/bin/sh\necho changed\n", 23, 0, false },
		{ "a.txt", "alpha\n", 6, 0755, false },
	};
	char (*list)[41] = NULL;
	size_t n = 0;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(repo, base);
	commit(c1, repo, base, ch, 6, "change things\n\nWith a body.\n");
	assert_string_not_equal(c1, base);

	assert_blob(repo, c1, "new/dir/file.txt", "hello\n");
	assert_int_equal(tree_mode(repo, c1, "new/dir/file.txt"), GIT_FILEMODE_BLOB);
	assert_blob(repo, c1, "README", "readme v2\n");
	assert_no_blob(repo, c1, "b.txt");
	assert_blob(repo, c1, "bin/tool", "#!/bin/sh\n");
	assert_int_equal(tree_mode(repo, c1, "bin/tool"), GIT_FILEMODE_BLOB_EXECUTABLE);
	/* Mode 0 keeps an executable executable. */
	assert_int_equal(tree_mode(repo, c1, "scripts/run.sh"), GIT_FILEMODE_BLOB_EXECUTABLE);
	/* A mode change alone is a change. */
	assert_int_equal(tree_mode(repo, c1, "a.txt"), GIT_FILEMODE_BLOB_EXECUTABLE);
	/* Untouched entries stay. */
	assert_blob(repo, c1, "lib/code.c", "int x;\n");
	assert_int_equal(tree_mode(repo, c1, "link"), GIT_FILEMODE_LINK);
	assert_int_equal(tree_count(repo, c1), 12 - 1 + 2);
	assert_subject(repo, c1, "change things");

	/* The parent is the base; no ref moved, the work tree is untouched. */
	assert_int_equal(patchgen_list_commits(&list, &n, repo, base, c1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], c1);
	free(list);
	assert_int_equal(patchgen_resolve(hex, repo, "HEAD"), 0);
	assert_string_equal(hex, base);
	assert_int_equal(patchgen_resolve(hex, repo, PATCHGEN_FORGE), 0);
	assert_string_equal(hex, base);
	tu_assert_file(tu_path("r/README"), "readme v1\n");
	assert_true(tu_exists(tu_path("r/b.txt")));
	assert_int_equal(patchgen_is_clean(repo, NULL), 1);

	/* Same parent, changes, message and author: same commit. */
	commit(hex, repo, base, ch, 6, "change things\n\nWith a body.\n");
	assert_string_equal(hex, c1);
}

static void test_patchgen__make_commit_errors(void **state)
{
	char base[41], out[41], rp[PATH_MAX];
	const struct patchgen_change ch[] = { { "x", "x", 1, 0, false } };

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	error_clear();
	assert_int_equal(patchgen_make_commit(out, rp, "0123456789012345678901234567890123456789",
					      ch, 1, "m\n", &test_sig), ERR_NOTFOUND);
	assert_non_null(strstr(error_last(),
			       "commit '0123456789012345678901234567890123456789' not found"));
	assert_int_equal(patchgen_make_commit(out, rp, "nothex", ch, 1, "m\n", &test_sig), ERR_BUG);
	assert_string_equal(error_last(), "'nothex' is not a commit id");
	assert_int_equal(patchgen_make_commit(out, tu_path("nowhere"), base, ch, 1, "m\n",
					      &test_sig), ERR_GENERIC);
	assert_non_null(strstr(error_last(), "cannot open the git repository in '"));
}

static void test_patchgen__resolve_errors(void **state)
{
	char base[41], hex[41], rp[PATH_MAX], *want;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	error_clear();
	assert_int_equal(patchgen_resolve(hex, rp, "no-such-branch"), ERR_NOTFOUND);
	want = xasprintf("'no-such-branch' not found in '%s': ", rp);
	assert_memory_equal(error_last(), want, strlen(want));
	free(want);
}

static void test_patchgen__set_ref(void **state)
{
	char base[41], c1[41], c2[41], hex[41], rp[PATH_MAX], *want;
	const struct patchgen_change ch[] = { { "x", "x\n", 2, 0, false } };
	const struct patchgen_change ch2[] = { { "y", "y\n", 2, 0, false } };

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	commit(c1, rp, base, ch, 1, "x\n");
	commit(c2, rp, c1, ch2, 1, "y\n");
	assert_int_equal(patchgen_set_ref(rp, "refs/heads/forge", base, c1), 0);
	assert_int_equal(patchgen_resolve(hex, rp, "forge"), 0);
	assert_string_equal(hex, c1);
	/* Already at the new id: fine (a replayed journal). */
	assert_int_equal(patchgen_set_ref(rp, "refs/heads/forge", base, c1), 0);
	/* Not at the old id: someone else moved it. */
	error_clear();
	assert_int_equal(patchgen_set_ref(rp, "refs/heads/forge", base, c2), ERR_GENERIC);
	want = xasprintf("branch 'refs/heads/forge' in '%s' moved while qga-forge was working; "
			 "expected it at %.12s", rp, base);
	assert_string_equal(error_last(), want);
	free(want);
	assert_int_equal(patchgen_resolve(hex, rp, "forge"), 0);
	assert_string_equal(hex, c1);
	assert_int_equal(patchgen_set_ref(rp, "refs/heads/nope", base, c1), ERR_NOTFOUND);
	/* upstream stays at the baseline. */
	assert_int_equal(patchgen_resolve(hex, rp, "upstream"), 0);
	assert_string_equal(hex, base);
}

static void test_patchgen__reset_index(void **state)
{
	char base[41], c1[41], rp[PATH_MAX];
	struct buf what = BUF_INIT;
	const struct patchgen_change ch[] = {
		{ "README", "readme v2\n", 10, 0, false },
		{ "b.txt", NULL, 0, 0, true },
	};

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	commit(c1, rp, base, ch, 2, "c1\n");
	assert_int_equal(patchgen_set_ref(rp, "refs/heads/forge", base, c1), 0);
	/* The ref moved, the index and work tree did not: staged differences. */
	assert_int_equal(patchgen_is_clean(rp, NULL), 0);
	tu_write(tu_path("r/README"), "readme v2\n");
	assert_int_equal(unlink(tu_path("r/b.txt")), 0);
	assert_int_equal(patchgen_reset_index(rp), 0);
	assert_int_equal(patchgen_is_clean(rp, &what), 1);
	assert_string_equal(what.ptr, "");
	buf_release(&what);
}

/* ---- history ---- */

/* base -> c1 (add x.txt) -> c2 (add y.txt) -> c3 (modify a.txt) */
static void make_history(const char *rp, char base[41], char c[3][41])
{
	const struct patchgen_change x[] = { { "x.txt", "x\n", 2, 0, false } };
	const struct patchgen_change y[] = { { "y.txt", "y\n", 2, 0, false } };
	const struct patchgen_change a[] = { { "a.txt", "alpha 2\n", 8, 0, false } };

	make_repo(rp, base);
	commit(c[0], rp, base, x, 1, "add x\n");
	commit(c[1], rp, c[0], y, 1, "add y\n");
	commit(c[2], rp, c[1], a, 1, "change a\n");
}

static void test_patchgen__list_commits_order(void **state)
{
	char base[41], c[3][41], rp[PATH_MAX];
	char (*list)[41] = NULL;
	size_t n = 99;

	tu_fmt(rp, "%s", tu_path("r"));
	make_history(rp, base, c);
	assert_int_equal(patchgen_list_commits(&list, &n, rp, base, c[2]), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0], c[0]);
	assert_string_equal(list[1], c[1]);
	assert_string_equal(list[2], c[2]);
	free(list);

	assert_int_equal(patchgen_list_commits(&list, &n, rp, c[0], c[2]), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], c[1]);
	assert_string_equal(list[1], c[2]);
	free(list);

	/* Refs work as well as ids; an empty range is empty. */
	assert_int_equal(patchgen_list_commits(&list, &n, rp, PATCHGEN_UPSTREAM, PATCHGEN_FORGE), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(patchgen_list_commits(&list, &n, rp, c[2], c[2]), 0);
	assert_int_equal(n, 0);
	free(list);

	assert_int_equal(patchgen_list_commits(&list, &n, rp, "nope", c[2]), ERR_NOTFOUND);
	assert_null(list);
	assert_int_equal(n, 0);
}

static void test_patchgen__drop_middle_commit(void **state)
{
	char base[41], c[3][41], rp[PATH_MAX], head[41];
	char (*list)[41] = NULL;
	size_t n = 0;

	tu_fmt(rp, "%s", tu_path("r"));
	make_history(rp, base, c);
	assert_int_equal(patchgen_drop_commit(head, rp, c[2], c[1]), 0);
	assert_string_not_equal(head, c[2]);

	assert_int_equal(patchgen_list_commits(&list, &n, rp, base, head), 0);
	assert_int_equal(n, 2);
	/* Commits below the dropped one are kept as they are... */
	assert_string_equal(list[0], c[0]);
	/* ...later ones are replayed with their message. */
	assert_string_not_equal(list[1], c[2]);
	assert_subject(rp, list[1], "change a");
	free(list);

	assert_blob(rp, head, "x.txt", "x\n");
	assert_no_blob(rp, head, "y.txt");
	assert_blob(rp, head, "a.txt", "alpha 2\n");
	assert_blob(rp, head, "README", "readme v1\n");
	assert_int_equal(tree_count(rp, head), 12 + 1);

	/* No ref moved. */
	{
		char hex[41];

		assert_int_equal(patchgen_resolve(hex, rp, PATCHGEN_FORGE), 0);
		assert_string_equal(hex, base);
	}
}

static void test_patchgen__drop_keeps_author(void **state)
{
	char base[41], c1[41], c2[41], head[41], rp[PATH_MAX];
	const struct patchgen_change x[] = { { "x.txt", "x\n", 2, 0, false } };
	const struct patchgen_change y[] = { { "y.txt", "y\n", 2, 0, false } };
	git_repository *repo = NULL;
	git_commit *cm = NULL;
	git_oid oid;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	commit(c1, rp, base, x, 1, "add x\n");
	assert_int_equal(patchgen_make_commit(c2, rp, c1, y, 1, "add y\n\nDetails.\n", &other_sig), 0);
	assert_int_equal(patchgen_drop_commit(head, rp, c2, c1), 0);

	git_libgit2_init();
	assert_int_equal(git_repository_open(&repo, rp), 0);
	assert_int_equal(git_oid_fromstr(&oid, head), 0);
	assert_int_equal(git_commit_lookup(&cm, repo, &oid), 0);
	assert_string_equal(git_commit_author(cm)->name, "Other Person");
	assert_string_equal(git_commit_author(cm)->email, "other@example.com");
	assert_int_equal(git_commit_author(cm)->when.time, 1700000100);
	assert_string_equal(git_commit_message(cm), "add y\n\nDetails.\n");
	assert_string_equal(git_oid_tostr_s(git_commit_parent_id(cm, 0)), base);
	git_commit_free(cm);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

static void test_patchgen__drop_head_and_first(void **state)
{
	char base[41], c[3][41], rp[PATH_MAX], head[41];
	char (*list)[41] = NULL;
	size_t n = 0;

	tu_fmt(rp, "%s", tu_path("r"));
	make_history(rp, base, c);
	/* Dropping the head gives its parent. */
	assert_int_equal(patchgen_drop_commit(head, rp, c[2], c[2]), 0);
	assert_string_equal(head, c[1]);
	/* Dropping the first: both later ones replayed onto the baseline. */
	assert_int_equal(patchgen_drop_commit(head, rp, c[2], c[0]), 0);
	assert_int_equal(patchgen_list_commits(&list, &n, rp, base, head), 0);
	assert_int_equal(n, 2);
	assert_subject(rp, list[0], "add y");
	assert_subject(rp, list[1], "change a");
	free(list);
	assert_no_blob(rp, head, "x.txt");
	assert_blob(rp, head, "y.txt", "y\n");
	assert_blob(rp, head, "a.txt", "alpha 2\n");
}

static void test_patchgen__drop_dependent_fails(void **state)
{
	char base[41], c1[41], c2[41], c3[41], head[41] = "", rp[PATH_MAX], *want;
	const struct patchgen_change add[] = { { "f.c", "one\ntwo\nthree\n", 14, 0, false } };
	const struct patchgen_change mod[] = { { "f.c", "one\n2\nthree\n", 12, 0, false } };
	const struct patchgen_change other[] = { { "g.c", "g\n", 2, 0, false } };

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	commit(c1, rp, base, add, 1, "add f\n");
	commit(c2, rp, c1, other, 1, "add g\n");
	commit(c3, rp, c2, mod, 1, "modify f\n");
	error_clear();
	assert_int_equal(patchgen_drop_commit(head, rp, c3, c1), ERR_INPUT);
	want = xasprintf("commit %.12s ('modify f') depends on the commit being removed; "
			 "remove it first", c3);
	assert_string_equal(error_last(), want);
	free(want);
	assert_string_equal(head, "");
}

static void test_patchgen__drop_not_on_branch(void **state)
{
	char base[41], c[3][41], side[41], rp[PATH_MAX], head[41], *want;
	const struct patchgen_change s[] = { { "side", "s\n", 2, 0, false } };

	tu_fmt(rp, "%s", tu_path("r"));
	make_history(rp, base, c);
	commit(side, rp, base, s, 1, "side\n");
	error_clear();
	assert_int_equal(patchgen_drop_commit(head, rp, c[2], side), ERR_NOTFOUND);
	want = xasprintf("commit %.12s is not on the current branch", side);
	assert_string_equal(error_last(), want);
	free(want);
	/* The baseline has no parent to replay onto. */
	assert_int_equal(patchgen_drop_commit(head, rp, c[2], base), ERR_INPUT);
	want = xasprintf("commit %.12s is not a plain commit with one parent", base);
	assert_string_equal(error_last(), want);
	free(want);
}

/* ---- trees and blobs ---- */

static int find_change(const struct patchgen_change *c, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(c[i].path, path))
			return (int)i;
	fail_msg("no change for '%s'", path);
	return -1;
}

static void test_patchgen__tree_changes(void **state)
{
	char base[41], c1[41], rp[PATH_MAX];
	const struct patchgen_change ch[] = {
		{ "new/file.txt", "hello\n", 6, 0, false },
		{ "README", "readme v2\n", 10, 0, false },
		{ "b.txt", NULL, 0, 0, true },
		{ "a.txt", "alpha\n", 6, 0755, false },
	};
	struct patchgen_change *out = NULL;
	size_t n = 0;
	int i;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	commit(c1, rp, base, ch, 4, "c1\n");

	assert_int_equal(patchgen_tree_changes(&out, &n, rp, base, c1), 0);
	assert_int_equal(n, 4);
	i = find_change(out, n, "new/file.txt");
	assert_false(out[i].remove);
	assert_int_equal(out[i].len, 6);
	assert_memory_equal(out[i].data, "hello\n", 6);
	assert_int_equal(out[i].mode, 0644);
	i = find_change(out, n, "README");
	assert_false(out[i].remove);
	assert_int_equal(out[i].len, 10);
	assert_memory_equal(out[i].data, "readme v2\n", 10);
	i = find_change(out, n, "b.txt");
	assert_true(out[i].remove);
	i = find_change(out, n, "a.txt");
	assert_false(out[i].remove);
	assert_int_equal(out[i].mode, 0755);
	assert_memory_equal(out[i].data, "alpha\n", 6);
	patchgen_changes_free(out, n);

	/* The other way round. */
	assert_int_equal(patchgen_tree_changes(&out, &n, rp, c1, base), 0);
	assert_int_equal(n, 4);
	assert_true(out[find_change(out, n, "new/file.txt")].remove);
	i = find_change(out, n, "b.txt");
	assert_false(out[i].remove);
	assert_memory_equal(out[i].data, "beta\n", 5);
	assert_int_equal(out[find_change(out, n, "a.txt")].mode, 0644);
	patchgen_changes_free(out, n);

	/* No difference. */
	assert_int_equal(patchgen_tree_changes(&out, &n, rp, c1, c1), 0);
	assert_int_equal(n, 0);
	patchgen_changes_free(out, n);
}

static void test_patchgen__tree_changes_symlink_refused(void **state)
{
	char base[41], rp[PATH_MAX], c1[41];
	const struct patchgen_change ch[] = { { "link", NULL, 0, 0, true } };
	struct patchgen_change *out = NULL;
	size_t n = 7;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	commit(c1, rp, base, ch, 1, "drop link\n");
	/* Removing it is fine; bringing it back would need a link, not a file. */
	assert_int_equal(patchgen_tree_changes(&out, &n, rp, base, c1), 0);
	assert_int_equal(n, 1);
	assert_true(out[0].remove);
	patchgen_changes_free(out, n);
	error_clear();
	assert_int_equal(patchgen_tree_changes(&out, &n, rp, c1, base), ERR_INPUT);
	assert_string_equal(error_last(), "'link' is not a regular file");
	assert_null(out);
	assert_int_equal(n, 0);
}

static void test_patchgen__read_blob(void **state)
{
	char base[41], rp[PATH_MAX], *want;
	struct buf b = BUF_INIT;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	buf_puts(&b, "prefix:");
	assert_int_equal(patchgen_read_blob(&b, rp, base, "lib/code.c"), 0);
	assert_string_equal(b.ptr, "prefix:int x;\n");
	buf_reset(&b);

	error_clear();
	assert_int_equal(patchgen_read_blob(&b, rp, base, "lib/missing.c"), ERR_NOTFOUND);
	want = xasprintf("'lib/missing.c' does not exist at %.12s", base);
	assert_string_equal(error_last(), want);
	free(want);
	assert_int_equal(b.len, 0);

	/* A cap on the buffer bounds what is read. */
	buf_set_cap(&b, 4);
	assert_int_equal(patchgen_read_blob(&b, rp, base, "README"), ERR_INPUT);
	buf_release(&b);
}

static void test_patchgen__is_clean(void **state)
{
	char base[41], rp[PATH_MAX];
	struct buf what = BUF_INIT;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	assert_int_equal(patchgen_is_clean(rp, &what), 1);
	assert_string_equal(what.ptr, "");

	/* A modified file. */
	tu_write(tu_path("r/lib/code.c"), "int x = 1;\n");
	assert_int_equal(patchgen_is_clean(rp, &what), 0);
	assert_string_equal(what.ptr, "lib/code.c");
	buf_reset(&what);
	tu_write(tu_path("r/lib/code.c"), "int x;\n");
	assert_int_equal(patchgen_is_clean(rp, &what), 1);

	/* An untracked file. */
	tu_write(tu_path("r/untracked.txt"), "new\n");
	assert_int_equal(patchgen_is_clean(rp, &what), 0);
	assert_string_equal(what.ptr, "untracked.txt");
	buf_reset(&what);
	assert_int_equal(unlink(tu_path("r/untracked.txt")), 0);

	/* An ignored file does not count. */
	tu_write(tu_path("r/more.o"), "obj\n");
	tu_write(tu_path("r/build/other"), "gen\n");
	assert_int_equal(patchgen_is_clean(rp, &what), 1);
	assert_string_equal(what.ptr, "");

	/* A deleted file, a mode change. */
	assert_int_equal(unlink(tu_path("r/a.txt")), 0);
	assert_int_equal(chmod(tu_path("r/README"), 0755), 0);
	assert_int_equal(patchgen_is_clean(rp, &what), 0);
	assert_string_equal(what.ptr, "README, a.txt");
	buf_release(&what);

	assert_int_equal(patchgen_is_clean(tu_path("nowhere"), NULL), ERR_GENERIC);
}

static void test_patchgen__update_index_paths(void **state)
{
	char base[41], c1[41], rp[PATH_MAX];
	struct buf what = BUF_INIT;
	const struct patchgen_change ch[] = {
		{ "README", "readme v2\n", 10, 0, false },
		{ "b.txt", NULL, 0, 0, true },
		{ "new/file.txt", "new\n", 4, 0, false },
	};
	const char *paths[] = { "README", "b.txt", "new/file.txt" };

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	commit(c1, rp, base, ch, 3, "c1\n");
	assert_int_equal(patchgen_set_ref(rp, "refs/heads/forge", base, c1), 0);
	tu_write(tu_path("r/README"), "readme v2\n");
	assert_int_equal(unlink(tu_path("r/b.txt")), 0);
	tu_write(tu_path("r/new/file.txt"), "new\n");
	/* A user's own edit elsewhere stays a work tree change. */
	tu_write(tu_path("r/lib/code.c"), "int y;\n");
	assert_int_equal(patchgen_update_index(rp, paths, 3), 0);
	assert_int_equal(patchgen_is_clean(rp, &what), 0);
	assert_string_equal(what.ptr, "lib/code.c");
	buf_reset(&what);
	tu_write(tu_path("r/lib/code.c"), "int x;\n");
	assert_int_equal(patchgen_is_clean(rp, &what), 1);
	buf_release(&what);
}

static void test_patchgen__paths_clean(void **state)
{
	char base[41], rp[PATH_MAX];
	struct buf what = BUF_INIT;
	const char *lib[] = { "lib" }, *readme[] = { "README" };

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	assert_int_equal(patchgen_paths_clean(rp, lib, 1, &what), 1);
	/* A change outside the paths does not count... */
	tu_write(tu_path("r/README"), "changed\n");
	assert_int_equal(patchgen_paths_clean(rp, lib, 1, &what), 1);
	assert_int_equal(patchgen_paths_clean(rp, readme, 1, &what), 0);
	assert_string_equal(what.ptr, "README");
	buf_reset(&what);
	/* ...one inside does, and so does an untracked file there. */
	tu_write(tu_path("r/lib/extra.c"), "int z;\n");
	assert_int_equal(patchgen_paths_clean(rp, lib, 1, &what), 0);
	assert_string_equal(what.ptr, "lib/extra.c");
	buf_release(&what);
	assert_int_equal(patchgen_paths_clean(rp, lib, 0, NULL), 1);
}

static void test_patchgen__is_clean_many(void **state)
{
	char base[41], rp[PATH_MAX];
	struct buf what = BUF_INIT;
	int i;

	tu_fmt(rp, "%s", tu_path("r"));
	make_repo(rp, base);
	for (i = 0; i < 7; i++) {
		char p[64];

		snprintf(p, sizeof(p), "r/u%d", i);
		tu_write(tu_path(p), "x\n");
	}
	assert_int_equal(patchgen_is_clean(rp, &what), 0);
	assert_string_equal(what.ptr, "u0, u1, u2, u3, u4 and 2 more");
	buf_release(&what);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_patchgen__baseline_deterministic),
		TU_TEST(test_patchgen__baseline_matches_git),
		TU_TEST(test_patchgen__baseline_contents),
		TU_TEST(test_patchgen__baseline_twice_fails),
		TU_TEST(test_patchgen__baseline_empty_dir),
		TU_TEST(test_patchgen__baseline_pack_reads_back),
		TU_TEST(test_patchgen__make_commit),
		TU_TEST(test_patchgen__make_commit_errors),
		TU_TEST(test_patchgen__resolve_errors),
		TU_TEST(test_patchgen__set_ref),
		TU_TEST(test_patchgen__reset_index),
		TU_TEST(test_patchgen__list_commits_order),
		TU_TEST(test_patchgen__drop_middle_commit),
		TU_TEST(test_patchgen__drop_keeps_author),
		TU_TEST(test_patchgen__drop_head_and_first),
		TU_TEST(test_patchgen__drop_dependent_fails),
		TU_TEST(test_patchgen__drop_not_on_branch),
		TU_TEST(test_patchgen__tree_changes),
		TU_TEST(test_patchgen__tree_changes_symlink_refused),
		TU_TEST(test_patchgen__read_blob),
		TU_TEST(test_patchgen__is_clean),
		TU_TEST(test_patchgen__update_index_paths),
		TU_TEST(test_patchgen__paths_clean),
		TU_TEST(test_patchgen__is_clean_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
