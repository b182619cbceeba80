#ifndef QGA_FORGE_TESTUTIL_H
#define QGA_FORGE_TESTUTIL_H

/*
 * Shared by the cmocka unit tests. Include after <cmocka.h>.
 *
 * tu_setup() gives each test a fresh directory made with mkdtemp() under
 * $TMPDIR (default /tmp) and makes it the current directory;
 * tu_teardown() goes back and removes it. The functions here deliberately
 * use plain libc rather than src/util, so that a bug in the code under
 * test cannot hide itself in the fixture.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tu_dir {
	char path[PATH_MAX];     /* physical path of the test directory */
	char old_cwd[PATH_MAX];
};

/* The test directory of the running test (set by tu_setup). */
static struct tu_dir *tu_current;

/* snprintf into a PATH_MAX buffer; a path that does not fit aborts the run. */
#define tu_fmt(dst, ...) do { \
		int tu_n_ = snprintf((dst), sizeof(dst), __VA_ARGS__); \
		if (tu_n_ < 0 || (size_t)tu_n_ >= sizeof(dst)) \
			abort(); \
	} while (0)

static inline void tu_make_writable(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	chmod(path, 0700);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		tu_fmt(sub, "%s/%s", path, e->d_name);
		tu_make_writable(sub);
	}
	closedir(d);
}

/* rm -rf without following symlinks; 0 or -1. */
static inline int tu_rmrf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		tu_fmt(sub, "%s/%s", path, e->d_name);
		if (tu_rmrf(sub) < 0)
			ret = -1;
	}
	closedir(d);
	if (rmdir(path) < 0)
		ret = -1;
	return ret;
}

static inline int tu_setup(void **state)
{
	struct tu_dir *d = calloc(1, sizeof(*d));
	const char *tmp = getenv("TMPDIR");
	char templ[PATH_MAX];

	if (!d)
		return -1;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	tu_fmt(templ, "%s/qga-forge-test.XXXXXX", tmp);
	if (!getcwd(d->old_cwd, sizeof(d->old_cwd)) || !mkdtemp(templ) || chdir(templ) < 0 ||
	    !getcwd(d->path, sizeof(d->path))) {
		free(d);
		return -1;
	}
	tu_current = d;
	*state = d;
	return 0;
}

static inline int tu_teardown(void **state)
{
	struct tu_dir *d = *state;
	int ret = 0;

	if (!d)
		return 0;
	if (chdir(d->old_cwd) < 0)
		ret = -1;
	tu_make_writable(d->path);
	if (tu_rmrf(d->path) < 0)
		ret = -1;
	free(d);
	tu_current = NULL;
	*state = NULL;
	return ret;
}

#define TU_TEST(f) cmocka_unit_test_setup_teardown(f, tu_setup, tu_teardown)

/* "<test dir>/rel" in a static buffer (one at a time; copy to keep). */
static inline const char *tu_path(const char *rel)
{
	static char p[PATH_MAX];

	tu_fmt(p, "%s/%s", tu_current->path, rel);
	return p;
}

/* mkdir -p of the directory part of `path`; aborts the test on failure. */
static inline void tu_mkdirs(const char *dir)
{
	char p[PATH_MAX];
	size_t i;

	tu_fmt(p, "%s", dir);
	for (i = 1; p[i]; i++) {
		if (p[i] == '/') {
			p[i] = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				fail_msg("mkdir '%s': %s", p, strerror(errno));
			p[i] = '/';
		}
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir '%s': %s", p, strerror(errno));
}

static inline void tu_write_mode(const char *path, const char *text, mode_t mode)
{
	char dir[PATH_MAX];
	char *slash;
	FILE *f;

	tu_fmt(dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		tu_mkdirs(dir);
	}
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write '%s': %s", path, strerror(errno));
	if (fputs(text, f) < 0 || fclose(f) != 0)
		fail_msg("cannot write '%s'", path);
	if (chmod(path, mode) < 0)
		fail_msg("chmod '%s': %s", path, strerror(errno));
}

static inline void tu_write(const char *path, const char *text)
{
	tu_write_mode(path, text, 0644);
}

/* Whole file as a malloc()ed string, NULL when it cannot be read. */
static inline char *tu_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		p = realloc(p, len + n + 1);
		memcpy(p + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!p)
		p = calloc(1, 1);
	else
		p[len] = '\0';
	return p;
}

/* Assert that `path` holds exactly `text`. */
#define tu_assert_file(path, text) do { \
		char *tu_got_ = tu_read(path); \
		if (!tu_got_) \
			fail_msg("'%s' cannot be read", (path)); \
		assert_string_equal(tu_got_, (text)); \
		free(tu_got_); \
	} while (0)

static inline int tu_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Permission bits of `path` (not following a symlink), -1 if missing. */
static inline int tu_mode(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

/* Entries of a directory other than "." and "..", -1 if unreadable. */
static inline int tu_count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* True when some entry of `dir` has `part` in its name. */
static inline int tu_dir_has(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strstr(e->d_name, part))
			found = 1;
	closedir(d);
	return found;
}

/* True when `prog` is an executable file in a directory of $PATH. */
static inline int tu_have_program(const char *prog)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[PATH_MAX];

	for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
		int n;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		n = snprintf(full, sizeof(full), "%.*s/%s", (int)(end - p), p, prog);
		if (end > p && n > 0 && (size_t)n < sizeof(full) && access(full, X_OK) == 0)
			return 1;
	}
	return 0;
}

/*
 * A package built by rpmbuild itself: `mode` ("-bb", "-ba") of `spec_text`,
 * written to <test dir>/t.spec, with the private topdir <test dir>/top, a
 * fast payload, and `defines` ("NAME VALUE" each, NULL-terminated, or NULL)
 * as more --define options. Skips the test where there is no rpmbuild; fails
 * it with rpmbuild's output when the build fails.
 */
static inline void tu_rpmbuild(const char *mode, const char *spec_text, const char *const *defines)
{
	char spec[PATH_MAX], top[PATH_MAX + 16], log[PATH_MAX];
	const char *argv[32] = { "rpmbuild", mode, "--quiet", "--nodeps", "--define", top,
				 "--define", "_binary_payload w9.gzdio" };
	size_t n = 8, i;
	int status, fd;
	pid_t pid;
	char *out;

	if (!tu_have_program("rpmbuild"))
		skip();
	tu_fmt(spec, "%s", tu_path("t.spec"));
	tu_fmt(top, "_topdir %s", tu_path("top"));
	tu_fmt(log, "%s", tu_path("rpmbuild.log"));
	tu_write(spec, spec_text);
	for (i = 0; defines && defines[i]; i++) {
		if (n + 4 > sizeof(argv) / sizeof(argv[0]))
			fail_msg("tu_rpmbuild: too many defines");
		argv[n++] = "--define";
		argv[n++] = defines[i];
	}
	argv[n++] = spec;
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		fail_msg("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		out = tu_read(log);
		fail_msg("rpmbuild %s failed (status 0x%x):\n%s", mode, (unsigned)status,
			 out ? out : "");
	}
}

static inline long long tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
