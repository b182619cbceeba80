/*
 * Unit tests of the patch-series half of patchgen: the export of
 * upstream..forge as format-patch mails. Repositories are made with the git
 * program (the code under test uses libgit2 only), and the exported
 * patches are applied with `patch -p1` and `git am` to fresh copies of the
 * baseline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <sys/wait.h>

#include "patchgen/patchgen.h"
#include "util/util.h"
#include "testutil.h"
#include "util/banned.h"

/* Run argv in dir with fixed identities and dates; returns the exit status. */
static int run_in(const char *dir, const char *const *argv, const char *out_path)
{
	pid_t pid = fork();
	int status = 0;

	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || chdir(dir) < 0)
			_exit(126);
		dup2(fd, 1);
		if (!out_path)
			dup2(fd, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define RUN(dir, ...) do { \
		const char *argv_[] = { __VA_ARGS__, NULL }; \
		int rc_ = run_in((dir), argv_, NULL); \
		if (rc_ != 0) \
			fail_msg("'%s' in '%s' exited %d", argv_[0], (dir), rc_); \
	} while (0)

static void set_identity(const char *name, const char *email, const char *date)
{
	setenv("GIT_AUTHOR_NAME", name, 1);
	setenv("GIT_AUTHOR_EMAIL", email, 1);
	setenv("GIT_COMMITTER_NAME", name, 1);
	setenv("GIT_COMMITTER_EMAIL", email, 1);
	setenv("GIT_AUTHOR_DATE", date, 1);
	setenv("GIT_COMMITTER_DATE", date, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("HOME", tu_current->path, 1);
}

/*
 * repo/ with branch upstream (qga/a.c, README) and branch forge two commits
 * ahead: one editing qga/a.c with a message body, one adding qga/b.c.
 */
static void make_repo(void)
{
	char repo[PATH_MAX];

	tu_fmt(repo, "%s", tu_path("repo"));
	tu_write(tu_path("repo/qga/a.c"), "int a(void)\n{\n\treturn 1;\n}\n\nint z;\n");
	tu_write(tu_path("repo/README"), "readme\n");
	set_identity("Base Author", "base@example.com", "2023-11-14T22:13:20+0100");
	RUN(repo, "git", "init", "-q", "-b", "upstream");
	RUN(repo, "git", "add", "-A");
	RUN(repo, "git", "commit", "-q", "-m", "baseline");
	RUN(repo, "git", "checkout", "-q", "-b", "forge");
	set_identity("Jane Dev", "jane@example.com", "2023-11-15T10:00:00+0100");
	tu_write(tu_path("repo/qga/a.c"), "int a(void)\n{\n\treturn 2;\n}\n\nint z;\n");
	RUN(repo, "git", "commit", "-q", "-a", "-m",
	    "qga: add guest-foo\n\nThe body says why.\nSecond line.");
	set_identity("Doe, John", "john@example.com", "2023-11-16T09:30:00-0500");
	tu_write(tu_path("repo/qga/b.c"), "int b;\n");
	RUN(repo, "git", "add", "qga/b.c");
	RUN(repo, "git", "commit", "-q", "-m", "qga: add guest-bar (v2) & more!");
}

static void export(struct patchgen_patch **p, size_t *n, const struct patchgen_series_opts *o)
{
	int ret = patchgen_export_series(p, n, tu_path("repo"), "upstream", "forge", o);

	if (ret < 0)
		fail_msg("export failed: %s", error_last());
}

static void test_series__names_and_headers(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0;
	char head[41];
	char *expect;

	(void)state;
	make_repo();
	export(&p, &n, NULL);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].name, "qga-forge-0001-qga-add-guest-foo.patch");
	assert_string_equal(p[1].name, "qga-forge-0002-qga-add-guest-bar-v2-more.patch");
	assert_string_equal(p[0].subject, "qga: add guest-foo");
	assert_int_equal(patchgen_resolve(head, tu_path("repo"), "forge"), 0);
	assert_string_equal(p[1].commit, head);
	expect = xasprintf("From %s Mon Sep 17 00:00:00 2001\n"
			   "From: Jane Dev <jane@example.com>\n"
			   "Date: Wed, 15 Nov 2023 10:00:00 +0100\n"
			   "Subject: [PATCH 1/2] qga: add guest-foo\n"
			   "\n"
			   "The body says why.\n"
			   "Second line.\n"
			   "---\n"
			   "diff --git a/qga/a.c b/qga/a.c\n", p[0].commit);
	assert_true(p[0].len > strlen(expect));
	assert_memory_equal(p[0].data, expect, strlen(expect));
	free(expect);
	assert_non_null(strstr(p[1].data, "\nFrom: \"Doe, John\" <john@example.com>\n"));
	assert_non_null(strstr(p[1].data, "\nDate: Thu, 16 Nov 2023 09:30:00 -0500\n"));
	assert_non_null(strstr(p[1].data, "\nSubject: [PATCH 2/2] qga: add guest-bar (v2) & more!\n"));
	assert_non_null(strstr(p[1].data, "\n--- /dev/null\n+++ b/qga/b.c\n"));
	assert_int_equal(strlen(p[0].data), p[0].len);
	assert_string_equal(p[0].data + p[0].len - strlen("\n-- \nqga-forge\n\n"), "\n-- \nqga-forge\n\n");
	patchgen_series_free(p, n);
}

static void test_series__same_commits_same_bytes(void **state)
{
	struct patchgen_patch *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i;

	(void)state;
	make_repo();
	export(&a, &na, NULL);
	export(&b, &nb, NULL);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_int_equal(a[i].len, b[i].len);
		assert_memory_equal(a[i].data, b[i].data, a[i].len);
	}
	patchgen_series_free(a, na);
	patchgen_series_free(b, nb);
}

/* The file of `dir` whose name starts with `prefix`, read whole (NULL if none). */
static char *read_prefixed(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *text = NULL;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			char path[PATH_MAX];

			tu_fmt(path, "%s/%s", dir, e->d_name);
			text = tu_read(path);
		}
	}
	closedir(d);
	return text;
}

/* With a diffstat, the bytes are git format-patch's own. */
static void test_series__matches_git_format_patch(void **state)
{
	struct patchgen_series_opts o = { NULL, false, NULL, true, NULL };
	struct patchgen_patch *p = NULL;
	size_t n = 0, i;
	char outdir[PATH_MAX];

	(void)state;
	make_repo();
	export(&p, &n, &o);
	tu_fmt(outdir, "%s", tu_path("gitout"));
	RUN(tu_path("repo"), "git", "format-patch", "-q", "--signature=qga-forge", "-o", outdir,
	    "upstream..forge");
	for (i = 0; i < n; i++) {
		char prefix[16];
		char *git;

		tu_fmt(prefix, "%04zu-", i + 1);
		git = read_prefixed(outdir, prefix);
		assert_non_null(git);
		assert_string_equal(p[i].data, git);
		free(git);
	}
	patchgen_series_free(p, n);
}

static void write_series(struct patchgen_patch *p, size_t n, const char *dir)
{
	size_t i;

	tu_mkdirs(dir);
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];

		tu_fmt(path, "%s/%s", dir, p[i].name);
		tu_write(path, p[i].data);
	}
}

/* A fresh copy of the baseline: git archive of upstream, unpacked. */
static void baseline_copy(const char *dir)
{
	char tar[PATH_MAX];

	tu_mkdirs(dir);
	tu_fmt(tar, "%s", tu_path("base.tar"));
	RUN(tu_path("repo"), "git", "archive", "-o", tar, "upstream");
	RUN(dir, "tar", "-xf", tar);
}

static void test_series__applies_with_patch(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0, i;
	char dir[PATH_MAX];

	(void)state;
	make_repo();
	export(&p, &n, NULL);
	write_series(p, n, tu_path("out"));
	tu_fmt(dir, "%s", tu_path("plain"));
	baseline_copy(dir);
	for (i = 0; i < n; i++) {
		char in[PATH_MAX];
		const char *argv[] = { "patch", "-p1", "--fuzz=0", "-s", "-i", in, NULL };

		tu_fmt(in, "%s/%s", tu_path("out"), p[i].name);
		assert_int_equal(run_in(dir, argv, NULL), 0);
	}
	tu_assert_file(tu_path("plain/qga/a.c"), "int a(void)\n{\n\treturn 2;\n}\n\nint z;\n");
	tu_assert_file(tu_path("plain/qga/b.c"), "int b;\n");
	patchgen_series_free(p, n);
}

static void test_series__applies_with_git_am(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0, i;
	char dir[PATH_MAX], log[PATH_MAX];
	char *subjects;

	(void)state;
	make_repo();
	export(&p, &n, NULL);
	write_series(p, n, tu_path("out"));
	tu_fmt(dir, "%s", tu_path("am"));
	baseline_copy(dir);
	set_identity("Other", "other@example.com", "2024-01-01T00:00:00+0000");
	RUN(dir, "git", "init", "-q");
	RUN(dir, "git", "add", "-A");
	RUN(dir, "git", "commit", "-q", "-m", "base");
	for (i = 0; i < n; i++) {
		char in[PATH_MAX];

		tu_fmt(in, "%s/%s", tu_path("out"), p[i].name);
		RUN(dir, "git", "am", "-q", in);
	}
	tu_fmt(log, "%s", tu_path("log.txt"));
	{
		const char *argv[] = { "git", "log", "--format=%an|%ad|%s", "--date=iso", "-2", NULL };

		assert_int_equal(run_in(dir, argv, log), 0);
	}
	subjects = tu_read(log);
	assert_string_equal(subjects,
			    "Doe, John|2023-11-16 09:30:00 -0500|qga: add guest-bar (v2) & more!\n"
			    "Jane Dev|2023-11-15 10:00:00 +0100|qga: add guest-foo\n");
	free(subjects);
	tu_assert_file(tu_path("am/qga/b.c"), "int b;\n");
	patchgen_series_free(p, n);
}

static void test_series__squash(void **state)
{
	struct patchgen_series_opts o = { "local", true, "qga: add two commands", false, NULL };
	struct patchgen_patch *p = NULL;
	size_t n = 0;
	char dir[PATH_MAX], in[PATH_MAX];

	(void)state;
	make_repo();
	export(&p, &n, &o);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].name, "local-0001-qga-add-two-commands.patch");
	assert_non_null(strstr(p[0].data, "\nSubject: [PATCH] qga: add two commands\n\n"
				"* qga: add guest-foo\n* qga: add guest-bar (v2) & more!\n---\n"));
	write_series(p, n, tu_path("out"));
	tu_fmt(dir, "%s", tu_path("plain"));
	baseline_copy(dir);
	tu_fmt(in, "%s/%s", tu_path("out"), p[0].name);
	RUN(dir, "patch", "-p1", "--fuzz=0", "-s", "-i", in);
	tu_assert_file(tu_path("plain/qga/b.c"), "int b;\n");
	patchgen_series_free(p, n);
}

static void test_series__empty_range(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 7;

	(void)state;
	make_repo();
	assert_int_equal(patchgen_export_series(&p, &n, tu_path("repo"), "forge", "forge", NULL), 0);
	assert_int_equal(n, 0);
	patchgen_series_free(p, n);
}

static void test_series__binary_refused(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	make_repo();
	f = fopen(tu_path("repo/blob.bin"), "wb");
	assert_non_null(f);
	fwrite("\0\1\2\3binary\0", 1, 11, f);
	fclose(f);
	RUN(tu_path("repo"), "git", "add", "blob.bin");
	RUN(tu_path("repo"), "git", "commit", "-q", "-m", "add a blob");
	assert_int_equal(patchgen_export_series(&p, &n, tu_path("repo"), "upstream", "forge", NULL),
			 ERR_INPUT);
	assert_non_null(strstr(error_last(), "binary change to 'blob.bin'"));
	assert_non_null(strstr(error_last(), "add a blob"));
	assert_null(p);
	assert_int_equal(n, 0);
}

static void test_series__empty_commit_refused(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0;

	(void)state;
	make_repo();
	RUN(tu_path("repo"), "git", "commit", "-q", "--allow-empty", "-m", "nothing here");
	assert_int_equal(patchgen_export_series(&p, &n, tu_path("repo"), "upstream", "forge", NULL),
			 ERR_INPUT);
	assert_non_null(strstr(error_last(), "nothing here"));
	assert_non_null(strstr(error_last(), "changes no file"));
}

static void test_series__merge_refused(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0;

	(void)state;
	make_repo();
	RUN(tu_path("repo"), "git", "checkout", "-q", "-b", "side", "upstream");
	tu_write(tu_path("repo/README"), "readme 2\n");
	RUN(tu_path("repo"), "git", "commit", "-q", "-a", "-m", "side change");
	RUN(tu_path("repo"), "git", "checkout", "-q", "forge");
	RUN(tu_path("repo"), "git", "merge", "-q", "--no-edit", "side");
	assert_int_equal(patchgen_export_series(&p, &n, tu_path("repo"), "upstream", "forge", NULL),
			 ERR_INPUT);
	assert_non_null(strstr(error_last(), "straight line"));
}

static void test_series__bad_revision(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0;

	(void)state;
	make_repo();
	assert_int_equal(patchgen_export_series(&p, &n, tu_path("repo"), "nosuch", "forge", NULL),
			 ERR_NOTFOUND);
	assert_non_null(strstr(error_last(), "'nosuch'"));
	assert_true(patchgen_export_series(&p, &n, tu_path("nodir"), "upstream", "forge", NULL) < 0);
}

static void test_series__single_commit_unnumbered(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0;

	(void)state;
	make_repo();
	assert_int_equal(patchgen_export_series(&p, &n, tu_path("repo"), "forge~1", "forge", NULL), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(p[0].data, "\nSubject: [PATCH] qga: add guest-bar (v2) & more!\n"));
	assert_string_equal(p[0].name, "qga-forge-0001-qga-add-guest-bar-v2-more.patch");
	patchgen_series_free(p, n);
}

static void test_series__long_subject_name(void **state)
{
	struct patchgen_patch *p = NULL;
	size_t n = 0;

	(void)state;
	make_repo();
	tu_write(tu_path("repo/README"), "changed\n");
	RUN(tu_path("repo"), "git", "commit", "-q", "-a", "-m",
	    "...A very long subject line: that goes on / and on, well past the fifty-two "
	    "characters git keeps...");
	export(&p, &n, NULL);
	assert_int_equal(n, 3);
	assert_string_equal(p[2].name,
			    "qga-forge-0003-A-very-long-subject-line-that-goes-on-and-on-well-pa.patch");
	patchgen_series_free(p, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_series__names_and_headers),
		TU_TEST(test_series__same_commits_same_bytes),
		TU_TEST(test_series__matches_git_format_patch),
		TU_TEST(test_series__applies_with_patch),
		TU_TEST(test_series__applies_with_git_am),
		TU_TEST(test_series__squash),
		TU_TEST(test_series__empty_range),
		TU_TEST(test_series__binary_refused),
		TU_TEST(test_series__empty_commit_refused),
		TU_TEST(test_series__merge_refused),
		TU_TEST(test_series__bad_revision),
		TU_TEST(test_series__single_commit_unnumbered),
		TU_TEST(test_series__long_subject_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
