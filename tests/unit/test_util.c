#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <rpm/rpmmacro.h>

#include "util/util.h"
#include "testutil.h"

/* The buffer invariants of buf.h, checked after every operation. */
#define assert_buf_ok(b) do { \
		assert_non_null((b)->ptr); \
		assert_int_equal((b)->ptr[(b)->len], '\0'); \
		if ((b)->alloc) \
			assert_true((b)->len < (b)->alloc); \
		else \
			assert_ptr_equal((b)->ptr, buf_slopbuf); \
		assert_int_equal(buf_slopbuf[0], '\0'); \
	} while (0)

#define assert_buf_equal(b, s) do { \
		assert_buf_ok(b); \
		assert_int_equal((b)->len, strlen(s)); \
		assert_memory_equal((b)->ptr, (s), strlen(s)); \
	} while (0)

/* ---- buf ---- */

static void test_util__buf_init_is_empty_string(void **state)
{
	struct buf b = BUF_INIT;

	assert_buf_equal(&b, "");
	assert_int_equal(b.alloc, 0);
	buf_init(&b, 100);
	assert_buf_equal(&b, "");
	assert_true(b.alloc >= 101);
	buf_release(&b);
	assert_buf_equal(&b, "");
	assert_int_equal(b.alloc, 0);
}

static void test_util__buf_growth(void **state)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < 100000; i++) {
		assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), 0);
		assert_int_equal(b.len, i + 1);
		assert_true(b.len < b.alloc);
		assert_int_equal(b.ptr[b.len], '\0');
	}
	for (i = 0; i < 100000; i++)
		assert_int_equal(b.ptr[i], 'a' + i % 26);
	assert_int_equal(buf_put(&b, "", 0), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(buf_puts(&b, "xyz"), 0);
	assert_string_equal(b.ptr + 100000, "xyz");
	buf_release(&b);
}

static void test_util__buf_put_embedded_nul(void **state)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_put(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "a\0b", 4);
	buf_release(&b);
}

static void test_util__buf_printf(void **state)
{
	struct buf b = BUF_INIT;
	char big[5000];

	assert_int_equal(buf_printf(&b, "%d-%s-%c", 42, "x y", 'z'), 0);
	assert_buf_equal(&b, "42-x y-z");
	assert_int_equal(buf_printf(&b, "|%05.1f|", 3.14159), 0);
	assert_buf_equal(&b, "42-x y-z|003.1|");
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, 15 + 2 + 4999);
	assert_int_equal(b.ptr[15], '<');
	assert_int_equal(b.ptr[b.len - 1], '>');
	assert_buf_ok(&b);
	buf_release(&b);

	/* An empty expansion still leaves a valid, terminated buffer. */
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_buf_equal(&b, "");
	buf_release(&b);
}

static void test_util__buf_splice_insert_remove(void **state)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "hello world");
	assert_int_equal(buf_splice(&b, 6, 5, "there", 5), 0);
	assert_buf_equal(&b, "hello there");
	assert_int_equal(buf_splice(&b, 0, 5, "hi", 2), 0);
	assert_buf_equal(&b, "hi there");
	assert_int_equal(buf_splice(&b, 2, 0, ", you", 5), 0);
	assert_buf_equal(&b, "hi, you there");
	assert_int_equal(buf_insert(&b, 0, ">> ", 3), 0);
	assert_buf_equal(&b, ">> hi, you there");
	assert_int_equal(buf_insert(&b, b.len, "!", 1), 0);
	assert_buf_equal(&b, ">> hi, you there!");
	buf_remove(&b, 0, 3);
	assert_buf_equal(&b, "hi, you there!");
	buf_remove(&b, 2, 5);
	assert_buf_equal(&b, "hi there!");
	buf_remove(&b, 8, 1);
	assert_buf_equal(&b, "hi there");
	/* Removing past the end stops at the end. */
	buf_remove(&b, 2, 100);
	assert_buf_equal(&b, "hi");
	/* A splice that grows the buffer a lot. */
	{
		char big[3000];

		memset(big, 'x', sizeof(big));
		assert_int_equal(buf_splice(&b, 1, 0, big, sizeof(big)), 0);
		assert_int_equal(b.len, 3002);
		assert_int_equal(b.ptr[0], 'h');
		assert_int_equal(b.ptr[1], 'x');
		assert_int_equal(b.ptr[3000], 'x');
		assert_int_equal(b.ptr[3001], 'i');
		assert_buf_ok(&b);
	}
	buf_release(&b);

	/* On a never-allocated buffer nothing is written to the shared empty string. */
	buf_remove(&b, 0, 5);
	assert_buf_equal(&b, "");
	assert_int_equal(buf_splice(&b, 0, 0, NULL, 0), 0);
	assert_buf_equal(&b, "");
	assert_int_equal(buf_insert(&b, 0, "ab", 2), 0);
	assert_buf_equal(&b, "ab");
	buf_release(&b);
}

static void test_util__buf_detach(void **state)
{
	struct buf b = BUF_INIT;
	size_t len = 99;
	char *p;

	buf_puts(&b, "owned");
	p = buf_detach(&b, &len);
	assert_string_equal(p, "owned");
	assert_int_equal(len, 5);
	assert_buf_equal(&b, "");
	assert_int_equal(b.alloc, 0);
	free(p);

	/* Detaching an empty buffer still gives a string the caller may free. */
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_ptr_not_equal(p, buf_slopbuf);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);

	/* The buffer is usable again afterwards. */
	buf_puts(&b, "again");
	assert_buf_equal(&b, "again");
	buf_release(&b);
}

static void test_util__buf_reset_truncate_swap(void **state)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t alloc;

	buf_puts(&a, "some text");
	alloc = a.alloc;
	buf_truncate(&a, 4);
	assert_buf_equal(&a, "some");
	buf_truncate(&a, 10);
	assert_buf_equal(&a, "some");
	buf_reset(&a);
	assert_buf_equal(&a, "");
	assert_int_equal(a.alloc, alloc);
	buf_truncate(&b, 0);
	assert_buf_equal(&b, "");

	buf_puts(&a, "A");
	buf_puts(&b, "BB");
	buf_swap(&a, &b);
	assert_buf_equal(&a, "BB");
	assert_buf_equal(&b, "A");
	buf_release(&a);
	buf_release(&b);
}

static void test_util__buf_cap_exceeded(void **state)
{
	struct buf b = BUF_INIT;

	buf_set_cap(&b, 8);
	error_clear();
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_buf_equal(&b, "12345678");

	assert_int_equal(buf_putc(&b, 'x'), ERR_INPUT);
	assert_string_equal(error_last(), "data exceeds the limit of 8 bytes");
	assert_int_equal(error_last_code(), ERR_INPUT);
	assert_buf_equal(&b, "12345678");

	error_clear();
	assert_int_equal(buf_printf(&b, "%d", 1), ERR_INPUT);
	assert_string_equal(error_last(), "data exceeds the limit of 8 bytes");
	assert_buf_equal(&b, "12345678");

	assert_int_equal(buf_insert(&b, 0, "y", 1), ERR_INPUT);
	assert_buf_equal(&b, "12345678");

	/* Replacing without growing stays within the cap. */
	assert_int_equal(buf_splice(&b, 0, 2, "ab", 2), 0);
	assert_buf_equal(&b, "ab345678");

	buf_reset(&b);
	assert_int_equal(buf_put(&b, "0123456789", 10), ERR_INPUT);
	assert_buf_equal(&b, "");
	buf_release(&b);
}

static void test_util__buf_rtrim(void **state)
{
	struct buf b = BUF_INIT;

	buf_rtrim(&b);
	assert_buf_equal(&b, "");

	buf_puts(&b, " keep leading \t\r\n\n ");
	buf_rtrim(&b);
	assert_buf_equal(&b, " keep leading");
	buf_rtrim(&b);
	assert_buf_equal(&b, " keep leading");

	buf_reset(&b);
	buf_puts(&b, "\n\n \t");
	buf_rtrim(&b);
	assert_buf_equal(&b, "");

	buf_reset(&b);
	buf_puts(&b, "a\nb\n");
	buf_rtrim(&b);
	assert_buf_equal(&b, "a\nb");
	buf_release(&b);
}

static void test_util__xasprintf(void **state)
{
	char *s = xasprintf("%s=%d", "n", 7);

	assert_string_equal(s, "n=7");
	free(s);
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = xstrndup("ab", 10);
	assert_string_equal(s, "ab");
	free(s);
}

/* ---- error ---- */

static void test_util__error_set_and_last(void **state)
{
	error_clear();
	assert_string_equal(error_last(), "unknown error");
	assert_int_equal(error_last_code(), 0);

	assert_int_equal(error_set(ERR_INPUT, "'%s': bad value %d", "x.spec", 3), ERR_INPUT);
	assert_string_equal(error_last(), "'x.spec': bad value 3");
	assert_int_equal(error_last_code(), ERR_INPUT);

	/* A new error replaces the old one. */
	assert_int_equal(error_set(ERR_NOTFOUND, "gone"), ERR_NOTFOUND);
	assert_string_equal(error_last(), "gone");
	assert_int_equal(error_last_code(), ERR_NOTFOUND);

	error_clear();
	assert_string_equal(error_last(), "unknown error");
	assert_int_equal(error_last_code(), 0);
}

static void test_util__error_prefix(void **state)
{
	error_clear();
	error_set(ERR_INPUT, "unknown type 'frob'");
	assert_int_equal(error_prefix(ERR_INPUT, "'%s'", "foo.qapi"), ERR_INPUT);
	assert_string_equal(error_last(), "'foo.qapi': unknown type 'frob'");
	assert_int_equal(error_prefix(ERR_GENERIC, "init"), ERR_GENERIC);
	assert_string_equal(error_last(), "init: 'foo.qapi': unknown type 'frob'");
	/* The code of the first error stays. */
	assert_int_equal(error_last_code(), ERR_INPUT);
}

static void test_util__error_errno(void **state)
{
	error_clear();
	errno = ENOENT;
	assert_int_equal(error_set_errno(ERR_NOTFOUND, "cannot open '%s'", "f"), ERR_NOTFOUND);
	assert_string_equal(error_last(), "cannot open 'f': No such file or directory");
	errno = EACCES;
	error_set_errno(ERR_GENERIC, "cannot write '%s'", "g");
	assert_string_equal(error_last(), "cannot write 'g': Permission denied");
	assert_int_equal(error_last_code(), ERR_GENERIC);
}

static void test_util__error_long_message(void **state)
{
	char big[10000];

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set(ERR_GENERIC, "%s", big);
	assert_int_equal(strlen(error_last()), sizeof(big) - 1);
	error_prefix(ERR_GENERIC, "p");
	assert_int_equal(strlen(error_last()), sizeof(big) - 1 + 3);
	assert_memory_equal(error_last(), "p: mmm", 6);
}

static void test_util__error_exit_status(void **state)
{
	assert_int_equal(error_exit_status(0), 0);
	assert_int_equal(error_exit_status(ERR_USAGE), 2);
	assert_int_equal(error_exit_status(ERR_GENERIC), 1);
	assert_int_equal(error_exit_status(ERR_INPUT), 1);
	assert_int_equal(error_exit_status(ERR_NOTFOUND), 1);
	assert_int_equal(error_exit_status(ERR_EXISTS), 1);
	assert_int_equal(error_exit_status(ERR_LOCKED), 1);
	assert_int_equal(error_exit_status(ERR_BUG), 1);
}

/* ---- fs ---- */

static void test_util__fs_read_file(void **state)
{
	struct buf b = BUF_INIT;

	tu_write("f", "line 1\nline 2\n");
	buf_puts(&b, "> ");
	assert_int_equal(fs_read_file(&b, "f"), 0);
	assert_buf_equal(&b, "> line 1\nline 2\n");
	buf_release(&b);

	error_clear();
	assert_int_equal(fs_read_file(&b, "missing"), ERR_NOTFOUND);
	assert_string_equal(error_last(), "cannot read 'missing': No such file or directory");

	/* The cap bounds what is read, and the message names the file. */
	buf_set_cap(&b, 5);
	assert_int_equal(fs_read_file(&b, "f"), ERR_INPUT);
	assert_string_equal(error_last(), "'f': data exceeds the limit of 5 bytes");
	buf_release(&b);
}

static void test_util__fs_write_atomic_new_file(void **state)
{
	assert_int_equal(fs_write_atomic("new.txt", "content\n", 8, 0600), 0);
	tu_assert_file("new.txt", "content\n");
	assert_int_equal(tu_mode("new.txt"), 0600);
	assert_int_equal(tu_count_entries("."), 1);

	/* Exactly the bytes given, including NULs. */
	assert_int_equal(fs_write_atomic("bin", "a\0b", 3, 0644), 0);
	{
		struct buf b = BUF_INIT;

		assert_int_equal(fs_read_file(&b, "bin"), 0);
		assert_int_equal(b.len, 3);
		assert_memory_equal(b.ptr, "a\0b", 3);
		buf_release(&b);
	}
	assert_int_equal(fs_write_atomic("empty", "", 0, 0644), 0);
	tu_assert_file("empty", "");
}

static void test_util__fs_write_atomic_keeps_mode(void **state)
{
	tu_write_mode("script.sh", "#!/bin/sh\nold\n", 0750);
	assert_int_equal(fs_write_atomic("script.sh", "#!/bin/sh\nnew\n", 14, 0644), 0);
	tu_assert_file("script.sh", "#!/bin/sh\nnew\n");
	assert_int_equal(tu_mode("script.sh"), 0750);
	/* No temporary file is left next to it. */
	assert_int_equal(tu_count_entries("."), 1);
	assert_false(tu_dir_has(".", "qga-forge-"));
}

static void test_util__fs_write_atomic_replaces_inode(void **state)
{
	struct stat before, after;

	tu_write("f", "old");
	assert_int_equal(link("f", "hardlink"), 0);
	assert_int_equal(stat("f", &before), 0);
	assert_int_equal(fs_write_atomic("f", "new", 3, 0644), 0);
	assert_int_equal(stat("f", &after), 0);
	/* A rename, not an overwrite in place: the other name keeps the old bytes. */
	assert_true(before.st_ino != after.st_ino);
	tu_assert_file("f", "new");
	tu_assert_file("hardlink", "old");
}

static void test_util__fs_write_atomic_failure(void **state)
{
	error_clear();
	assert_int_equal(fs_write_atomic("nodir/f", "x", 1, 0644), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot create a temporary file for 'nodir/f': "
			    "No such file or directory");
	assert_int_equal(tu_count_entries("."), 0);

	/* Renaming over a directory fails, and the temporary file is removed. */
	tu_mkdirs(tu_path("d"));
	assert_int_equal(fs_write_atomic("d", "x", 1, 0644), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot replace 'd': Is a directory");
	assert_int_equal(tu_count_entries("."), 1);
}

static void test_util__fs_mkdirs(void **state)
{
	assert_int_equal(fs_mkdirs("a/b/c", 0755), 0);
	assert_true(fs_is_dir("a/b/c"));
	assert_int_equal(fs_mkdirs("a/b/c", 0755), 0);
	assert_int_equal(fs_mkdirs("a/b/c/", 0755), 0);
	assert_int_equal(fs_mkdirs(tu_path("x/y"), 0700), 0);
	assert_true(fs_is_dir("x/y"));
	assert_int_equal(fs_mkdirs("single", 0755), 0);
	assert_true(fs_is_dir("single"));

	tu_write("file", "");
	error_clear();
	assert_int_equal(fs_mkdirs("file", 0755), ERR_EXISTS);
	assert_string_equal(error_last(), "'file' exists and is not a directory");
	assert_int_equal(fs_mkdirs("file/sub", 0755), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot create directory 'file/sub': Not a directory");
	assert_int_equal(fs_mkdirs("", 0755), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot create directory '': No such file or directory");
}

static void test_util__fs_remove_tree_nested(void **state)
{
	tu_write("t/a", "a");
	tu_write("t/b/c/d", "d");
	tu_write_mode("t/b/ro", "r", 0444);
	tu_mkdirs(tu_path("t/empty/deeper"));
	assert_int_equal(symlink("a", "t/b/rel-link"), 0);
	assert_int_equal(symlink("/nonexistent/target", "t/dangling"), 0);

	assert_int_equal(fs_remove_tree("t"), 0);
	assert_false(tu_exists("t"));
	assert_int_equal(tu_count_entries("."), 0);

	/* A missing path is fine; a plain file or link is removed. */
	assert_int_equal(fs_remove_tree("t"), 0);
	tu_write("f", "x");
	assert_int_equal(fs_remove_tree("f"), 0);
	assert_false(tu_exists("f"));
}

static void test_util__fs_remove_tree_does_not_follow_symlinks(void **state)
{
	tu_write("outside/precious", "keep me");
	tu_write("outside/sub/also", "keep me too");
	tu_write("tree/file", "x");
	assert_int_equal(symlink(tu_path("outside"), "tree/to-dir"), 0);
	assert_int_equal(symlink("../outside/precious", "tree/to-file"), 0);

	assert_int_equal(fs_remove_tree("tree"), 0);
	assert_false(tu_exists("tree"));
	tu_assert_file("outside/precious", "keep me");
	tu_assert_file("outside/sub/also", "keep me too");

	/* The top itself being a link: the link goes, the target stays. */
	assert_int_equal(symlink("outside", "top-link"), 0);
	assert_int_equal(fs_remove_tree("top-link"), 0);
	assert_false(tu_exists("top-link"));
	tu_assert_file("outside/precious", "keep me");
}

static void test_util__fs_copy_tree(void **state)
{
	struct stat s1, s2;
	char target[256];
	ssize_t n;
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

	tu_write_mode("src/plain", "plain\n", 0640);
	tu_write_mode("src/run.sh", "#!/bin/sh\n", 0755);
	tu_write("src/sub/deep/file", "deep\n");
	tu_write("src/.hidden", "h\n");
	assert_int_equal(chmod(tu_path("src/sub"), 0750), 0);
	assert_int_equal(symlink("../plain", "src/sub/link"), 0);
	assert_int_equal(symlink("/nonexistent", "src/dangling"), 0);
	assert_int_equal(utimensat(AT_FDCWD, "src/plain", old, 0), 0);

	assert_int_equal(fs_copy_tree("src", "dst"), 0);

	tu_assert_file("dst/plain", "plain\n");
	tu_assert_file("dst/run.sh", "#!/bin/sh\n");
	tu_assert_file("dst/sub/deep/file", "deep\n");
	tu_assert_file("dst/.hidden", "h\n");
	assert_int_equal(tu_mode("dst/plain"), 0640);
	assert_int_equal(tu_mode("dst/run.sh"), 0755);
	assert_int_equal(tu_mode("dst/sub"), 0750);
	assert_int_equal(tu_mode("dst/sub/deep"), 0755);

	assert_int_equal(lstat("dst/sub/link", &s1), 0);
	assert_true(S_ISLNK(s1.st_mode));
	n = readlink("dst/sub/link", target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../plain");
	tu_assert_file("dst/sub/link", "plain\n");
	n = readlink("dst/dangling", target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "/nonexistent");

	assert_int_equal(stat("src/plain", &s1), 0);
	assert_int_equal(stat("dst/plain", &s2), 0);
	assert_int_equal(s2.st_mtim.tv_sec, 1000000000);
	assert_true(s1.st_ino != s2.st_ino);
	assert_int_equal(tu_count_entries("dst"), 5);
	assert_int_equal(tu_count_entries("dst/sub"), 2);

	/* The source is untouched. */
	tu_assert_file("src/plain", "plain\n");
	assert_int_equal(tu_count_entries("src"), 5);
}

static void test_util__fs_copy_tree_missing_source(void **state)
{
	error_clear();
	assert_int_equal(fs_copy_tree("nope", "dst"), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot read 'nope': No such file or directory");
	assert_false(tu_exists("dst"));
}

static void test_util__fs_copy_file(void **state)
{
	tu_write_mode("a", "data", 0751);
	assert_int_equal(fs_copy_file("a", "b"), 0);
	tu_assert_file("b", "data");
	assert_int_equal(tu_mode("b"), 0751);
	/* Over an existing file: replaced, mode from the source. */
	tu_write_mode("c", "longer old content", 0600);
	assert_int_equal(fs_copy_file("a", "c"), 0);
	tu_assert_file("c", "data");
	assert_int_equal(tu_mode("c"), 0751);
}

static void test_util__fs_dir_is_empty(void **state)
{
	tu_mkdirs(tu_path("e"));
	assert_int_equal(fs_dir_is_empty("e"), 1);
	tu_write("e/.hidden", "");
	assert_int_equal(fs_dir_is_empty("e"), 0);
	assert_int_equal(unlink("e/.hidden"), 0);
	tu_mkdirs(tu_path("e/sub"));
	assert_int_equal(fs_dir_is_empty("e"), 0);

	error_clear();
	assert_int_equal(fs_dir_is_empty("missing"), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot read directory 'missing': No such file or directory");
}

static void test_util__fs_exists_kinds(void **state)
{
	tu_write("f", "");
	tu_mkdirs(tu_path("d"));
	assert_int_equal(symlink("/nonexistent", "dangling"), 0);
	assert_int_equal(symlink("d", "dlink"), 0);

	assert_true(fs_exists("f"));
	assert_true(fs_is_file("f"));
	assert_false(fs_is_dir("f"));
	assert_true(fs_is_dir("d"));
	assert_false(fs_is_file("d"));
	assert_true(fs_exists("dangling"));
	assert_false(fs_is_file("dangling"));
	assert_true(fs_is_dir("dlink"));
	assert_false(fs_exists("missing"));
}

static void test_util__fs_path_join(void **state)
{
	char *p;

#define JOIN(a, b, want) do { \
		p = fs_path_join(a, b); \
		assert_string_equal(p, want); \
		free(p); \
	} while (0)
	JOIN("a", "b", "a/b");
	JOIN("a/", "b", "a/b");
	JOIN("a", "/b", "a/b");
	JOIN("a/", "//b", "a/b");
	JOIN("/", "b", "/b");
	JOIN("", "b", "b");
	JOIN("/x/y", "c/d", "/x/y/c/d");
#undef JOIN
}

static void test_util__fs_abspath(void **state)
{
	char *p, *want;

#define ABS(in, expected) do { \
		p = fs_abspath(in); \
		assert_string_equal(p, expected); \
		free(p); \
	} while (0)
	ABS("/", "/");
	ABS("/a/b", "/a/b");
	ABS("/a/./b/../c", "/a/c");
	ABS("//a//b/", "/a/b");
	ABS("/a/b/..", "/a");
	ABS("/a/b/../..", "/");
	ABS("/..", "/");
	ABS("/../../a", "/a");
	ABS("/a/../../b/./c/.", "/b/c");
	ABS("/a/..b/c..", "/a/..b/c..");
	ABS("/a/.b/./.", "/a/.b");
	ABS(".", tu_current->path);

	want = xasprintf("%s/y", tu_current->path);
	ABS("x/../y", want);
	ABS("./y/", want);
	free(want);
	want = fs_dirname(tu_current->path);
	ABS("..", want);
	free(want);
#undef ABS

	/* Symlinks are kept as they are (lexical only). */
	tu_mkdirs(tu_path("real/sub"));
	assert_int_equal(symlink("real/sub", "link"), 0);
	want = xasprintf("%s/link", tu_current->path);
	p = fs_abspath("link/x/..");
	assert_string_equal(p, want);
	free(p);
	free(want);
}

static void test_util__fs_dirname_basename(void **state)
{
	char *p;

#define CHECK(fn, in, want) do { \
		p = fn(in); \
		assert_string_equal(p, want); \
		free(p); \
	} while (0)
	CHECK(fs_dirname, "a/b/c", "a/b");
	CHECK(fs_dirname, "/a", "/");
	CHECK(fs_dirname, "a", ".");
	CHECK(fs_basename, "a/b/c", "c");
	CHECK(fs_basename, "c", "c");
	CHECK(fs_basename, "/c", "c");
#undef CHECK
}

static void test_util__fs_is_safe_name(void **state)
{
	assert_true(fs_is_safe_name("ok.txt"));
	assert_true(fs_is_safe_name(".hidden"));
	assert_true(fs_is_safe_name("..."));
	assert_true(fs_is_safe_name("with space"));
	assert_true(fs_is_safe_name("qemu-ga-\xc3\xa9"));
	assert_false(fs_is_safe_name(NULL));
	assert_false(fs_is_safe_name(""));
	assert_false(fs_is_safe_name("."));
	assert_false(fs_is_safe_name(".."));
	assert_false(fs_is_safe_name("a/b"));
	assert_false(fs_is_safe_name("/abs"));
	assert_false(fs_is_safe_name("../up"));
	assert_false(fs_is_safe_name("a\nb"));
	assert_false(fs_is_safe_name("tab\t"));
	assert_false(fs_is_safe_name("del\x7f"));
	assert_false(fs_is_safe_name("esc\x1b[0m"));
}

/* ---- run ---- */

static void test_util__run_exit_status(void **state)
{
	const char *argv[] = { "sh", "-c", "exit 7", NULL };
	struct run_opts o = { .argv = argv };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 7);
	assert_false(r.timed_out);
	run_result_release(&r);

	argv[2] = "kill -KILL $$";
	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 128 + SIGKILL);
	run_result_release(&r);

	argv[2] = "exit 0";
	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 0);
	run_result_release(&r);
}

static void test_util__run_capture(void **state)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; printf 'no newline'; exit 3",
			       NULL };
	struct run_opts o = { .argv = argv, .capture = true };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.out.ptr, "out\nno newline");
	assert_string_equal(r.err.ptr, "err\n");
	run_result_release(&r);
	assert_int_equal(r.status, -1);
	assert_int_equal(r.out.len, 0);
}

static void test_util__run_capture_large_both_streams(void **state)
{
	/* More than a pipe holds on both streams at once: must not deadlock. */
	const char *argv[] = { "sh", "-c",
			       "i=0; while [ $i -lt 3000 ]; do "
			       "echo 0123456789012345678901234567890123456789; "
			       "echo abcdefghijabcdefghijabcdefghijabcdefghij >&2; "
			       "i=$((i+1)); done", NULL };
	struct run_opts o = { .argv = argv, .capture = true, .timeout_ms = 20000 };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_command(&r, &o), 0);
	assert_false(r.timed_out);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, 3000 * 41);
	assert_int_equal(r.err.len, 3000 * 41);
	assert_memory_equal(r.out.ptr + 41 * 2999, "0123456789012345678901234567890123456789\n", 41);
	run_result_release(&r);
}

static void test_util__run_capture_cap(void **state)
{
	const char *argv[] = { "sh", "-c", "printf '%0100d' 0; printf '%0100d' 0 >&2", NULL };
	struct run_opts o = { .argv = argv, .capture = true, .capture_cap = 10 };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out.ptr, "0000000000");
	assert_string_equal(r.err.ptr, "0000000000");
	run_result_release(&r);
}

static void test_util__run_stdin_input(void **state)
{
	const char *argv[] = { "cat", NULL };
	struct run_opts o = { .argv = argv, .capture = true, .input = "hello\nworld",
			      .input_len = 11, .timeout_ms = 10000 };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out.ptr, "hello\nworld");
	run_result_release(&r);

	/* Empty input: the child sees end of file at once. */
	o.input = "";
	o.input_len = 0;
	assert_int_equal(run_command(&r, &o), 0);
	assert_false(r.timed_out);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out.ptr, "");
	run_result_release(&r);
}

static void test_util__run_stdin_large_input(void **state)
{
	size_t len = 1u << 20, i;
	char *data = malloc(len);
	const char *argv[] = { "cat", NULL };
	struct run_opts o = { .argv = argv, .capture = true, .timeout_ms = 20000 };
	struct run_result r = RUN_RESULT_INIT;

	for (i = 0; i < len; i++)
		data[i] = (char)('a' + i % 23);
	o.input = data;
	o.input_len = len;
	assert_int_equal(run_command(&r, &o), 0);
	assert_false(r.timed_out);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, len);
	assert_memory_equal(r.out.ptr, data, len);
	run_result_release(&r);
	free(data);
}

static void test_util__run_stdin_not_read(void **state)
{
	/* A child that exits without reading its input must not kill us (SIGPIPE). */
	size_t len = 1u << 20;
	char *data = calloc(1, len);
	const char *argv[] = { "true", NULL };
	struct run_opts o = { .argv = argv, .input = data, .input_len = len, .timeout_ms = 10000 };
	struct run_result r = RUN_RESULT_INIT;
	struct sigaction before, after;

	sigaction(SIGPIPE, NULL, &before);
	assert_int_equal(run_command(&r, &o), 0);
	assert_false(r.timed_out);
	assert_int_equal(r.status, 0);
	run_result_release(&r);
	/* ...and our own SIGPIPE disposition is left as it was. */
	sigaction(SIGPIPE, NULL, &after);
	assert_ptr_equal(before.sa_handler, after.sa_handler);
	free(data);
}

static void test_util__run_timeout_kills(void **state)
{
	const char *argv[] = { "sleep", "30", NULL };
	struct run_opts o = { .argv = argv, .timeout_ms = 200 };
	struct run_result r = RUN_RESULT_INIT;
	long long t0 = tu_now_ms(), elapsed;

	assert_int_equal(run_command(&r, &o), 0);
	elapsed = tu_now_ms() - t0;
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_true(elapsed >= 200);
	assert_true(elapsed < 1500);
	run_result_release(&r);
}

static void test_util__run_timeout_kills_group(void **state)
{
	/* A grandchild holding the capture pipes is killed with its parent. */
	const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30; echo never", NULL };
	struct run_opts o = { .argv = argv, .timeout_ms = 200, .capture = true };
	struct run_result r = RUN_RESULT_INIT;
	long long t0 = tu_now_ms(), elapsed;

	assert_int_equal(run_command(&r, &o), 0);
	elapsed = tu_now_ms() - t0;
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_string_equal(r.out.ptr, "");
	assert_true(elapsed < 1500);
	run_result_release(&r);
}

static void test_util__run_timeout_sigkill_after_grace(void **state)
{
	/* A child that ignores SIGTERM is killed with SIGKILL after the grace period. */
	const char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
	struct run_opts o = { .argv = argv, .timeout_ms = 100 };
	struct run_result r = RUN_RESULT_INIT;
	long long t0 = tu_now_ms(), elapsed;

	assert_int_equal(run_command(&r, &o), 0);
	elapsed = tu_now_ms() - t0;
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGKILL);
	assert_true(elapsed < 5000);
	run_result_release(&r);
}

static void test_util__run_missing_program(void **state)
{
	const char *argv[] = { "qga-forge-no-such-program", "arg", NULL };
	struct run_opts o = { .argv = argv, .capture = true };
	struct run_result r = RUN_RESULT_INIT;

	error_clear();
	assert_int_equal(run_command(&r, &o), ERR_NOTFOUND);
	assert_string_equal(error_last(),
			    "cannot run 'qga-forge-no-such-program': No such file or directory");
	assert_int_equal(r.status, -1);
	run_result_release(&r);

	/* A directory that does not exist as cwd is a failure to start too. */
	argv[0] = "true";
	o.cwd = "no-such-dir";
	assert_true(run_command(&r, &o) < 0);
	assert_int_equal(r.status, -1);
	run_result_release(&r);

	{
		const char *empty[] = { NULL };
		struct run_opts e = { .argv = empty };

		assert_int_equal(run_command(&r, &e), ERR_BUG);
	}
}

static void test_util__run_argv_verbatim(void **state)
{
	const char *argv[] = { "printf", "[%s]\n", "a b", "it's", "\"q\"", "$HOME", "*", "",
			       "x;y", NULL };
	struct run_opts o = { .argv = argv, .capture = true };
	struct run_result r = RUN_RESULT_INIT;

	tu_write("should-not-glob", "");
	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out.ptr, "[a b]\n[it's]\n[\"q\"]\n[$HOME]\n[*]\n[]\n[x;y]\n");
	run_result_release(&r);
}

static void test_util__run_cwd_and_env(void **state)
{
	const char *argv[] = { "sh", "-c", "pwd; printf '%s\\n' \"$QGA_T1\" \"$QGA_T2\"", NULL };
	const char *env[] = { "QGA_T1=x y", "QGA_T2='z'", NULL };
	struct run_opts o = { .argv = argv, .capture = true, .env = env, .cwd = "sub" };
	struct run_result r = RUN_RESULT_INIT;
	char *want;

	tu_mkdirs(tu_path("sub"));
	assert_int_equal(run_command(&r, &o), 0);
	want = xasprintf("%s/sub\nx y\n'z'\n", tu_current->path);
	assert_string_equal(r.out.ptr, want);
	free(want);
	/* Our own environment is not changed. */
	assert_null(getenv("QGA_T1"));
	run_result_release(&r);
}

static void test_util__run_log_path_appends(void **state)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	struct run_opts o = { .argv = argv, .log_path = "build.log" };
	struct run_result r = RUN_RESULT_INIT;

	tu_write("build.log", "first\n");
	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out.len, 0);
	tu_assert_file("build.log", "first\nout\nerr\n");
	run_result_release(&r);
	assert_int_equal(run_command(&r, &o), 0);
	tu_assert_file("build.log", "first\nout\nerr\nout\nerr\n");
	run_result_release(&r);

	/* A new log is created. */
	o.log_path = "new.log";
	assert_int_equal(run_command(&r, &o), 0);
	tu_assert_file("new.log", "out\nerr\n");
	run_result_release(&r);

	o.log_path = "no-such-dir/x.log";
	error_clear();
	assert_int_equal(run_command(&r, &o), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot open log file 'no-such-dir/x.log': "
			    "No such file or directory");
	run_result_release(&r);
}

struct fn_arg {
	int code;
	const char *text;
};

static int child_fn(void *arg)
{
	struct fn_arg *a = arg;

	printf("%s", a->text);
	fprintf(stderr, "to stderr\n");
	/* Global state changed here stays in the child. */
	setenv("QGA_T_CHILD", "1", 1);
	return a->code;
}

static void test_util__run_function(void **state)
{
	struct fn_arg a = { 7, "hi from child\n" };
	struct run_opts o = { .capture = true };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_function(&r, &o, child_fn, &a), 0);
	assert_int_equal(r.status, 7);
	assert_string_equal(r.out.ptr, "hi from child\n");
	assert_string_equal(r.err.ptr, "to stderr\n");
	assert_null(getenv("QGA_T_CHILD"));
	run_result_release(&r);

	a.code = 0;
	a.text = "";
	o.capture = false;
	o.log_path = "fn.log";
	assert_int_equal(run_function(&r, &o, child_fn, &a), 0);
	assert_int_equal(r.status, 0);
	tu_assert_file("fn.log", "to stderr\n");
	run_result_release(&r);
}

static int echo_stdin_fn(void *arg)
{
	char chunk[256];
	size_t n, total = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		fwrite(chunk, 1, n, stdout);
		total += n;
	}
	return total == *(size_t *)arg ? 0 : 1;
}

static void test_util__run_function_stdin(void **state)
{
	/* The child must see end of file once our input is written. */
	size_t len = 5;
	struct run_opts o = { .capture = true, .input = "hello", .input_len = 5,
			      .timeout_ms = 5000 };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_function(&r, &o, echo_stdin_fn, &len), 0);
	assert_false(r.timed_out);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out.ptr, "hello");
	run_result_release(&r);
}

static int timeout_fn(void *arg)
{
	sleep(30);
	return 0;
}

static void test_util__run_function_timeout(void **state)
{
	struct run_opts o = { .timeout_ms = 200 };
	struct run_result r = RUN_RESULT_INIT;
	long long t0 = tu_now_ms();

	assert_int_equal(run_function(&r, &o, timeout_fn, NULL), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	assert_true(tu_now_ms() - t0 < 1500);
	run_result_release(&r);
}

static void test_util__run_argv_string(void **state)
{
	const char *argv[] = { "prog", "arg1", "arg 2", "it's", "", "$x", NULL };
	char *s = run_argv_string(argv);

	assert_string_equal(s, "prog arg1 'arg 2' 'it'\\''s' '' '$x'");
	free(s);
	s = run_argv_string(NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_util__run_have_program(void **state)
{
	assert_true(run_have_program("sh"));
	assert_true(run_have_program("/bin/sh"));
	assert_false(run_have_program("qga-forge-no-such-program"));
	assert_false(run_have_program("/nonexistent/sh"));
	/* A directory named like a program is not one. */
	tu_mkdirs(tu_path("bin/fakeprog"));
	{
		char *old = xstrdup(getenv("PATH") ? getenv("PATH") : "");

		setenv("PATH", tu_path("bin"), 1);
		assert_false(run_have_program("fakeprog"));
		tu_write_mode("bin/realprog", "#!/bin/sh\n", 0755);
		assert_true(run_have_program("realprog"));
		setenv("PATH", old, 1);
		free(old);
	}
}

/* ---- hash ---- */

static void test_util__hash_sha256(void **state)
{
	char hex[65];

	hash_sha256_hex(hex, "abc", 3);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_sha256_hex(hex, "", 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_util__hash_sha256_file(void **state)
{
	char hex[65];
	size_t len = 200000, i;
	char *big = malloc(len + 1);

	tu_write("abc", "abc");
	assert_int_equal(hash_sha256_file(hex, "abc"), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	/* Longer than one read chunk: same digest as of the bytes in memory. */
	for (i = 0; i < len; i++)
		big[i] = (char)('0' + i % 10);
	big[len] = '\0';
	tu_write("big", big);
	{
		char want[65];

		hash_sha256_hex(want, big, len);
		assert_int_equal(hash_sha256_file(hex, "big"), 0);
		assert_string_equal(hex, want);
	}
	free(big);

	error_clear();
	assert_int_equal(hash_sha256_file(hex, "missing"), ERR_GENERIC);
	assert_string_equal(error_last(), "cannot read 'missing': No such file or directory");
}

/* ---- the journal's removals, payload and hook; strvec; the finder; replace_all ---- */

struct hook_seen {
	int calls;
	char payload[64];
};

static int record_hook(void *arg, const char *payload)
{
	struct hook_seen *h = arg;

	h->calls++;
	snprintf(h->payload, sizeof(h->payload), "%s", payload ? payload : "(none)");
	return 0;
}

static void test_util__journal_remove_payload_hook(void **state)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], j[PATH_MAX];
	struct hook_seen h = { 0, "" };
	struct fs_journal_opts o = { 0 };
	struct fs_journal_file files[3];
	pid_t pid;
	int st;

	tu_fmt(a, "%s", tu_path("a"));
	tu_fmt(b, "%s", tu_path("b"));
	tu_fmt(c, "%s", tu_path("new/dir/c"));
	tu_fmt(j, "%s", tu_path(".j"));
	tu_write(a, "old a\n");
	tu_write(b, "old b\n");
	memset(files, 0, sizeof(files));
	files[0].path = a;
	files[0].data = "new a\n";
	files[0].len = 6;
	files[0].mode = 0600;
	files[0].exact_mode = true;
	files[1].path = b;
	files[1].remove = true;
	files[2].path = c;
	files[2].data = "c\n";
	files[2].len = 2;
	files[2].mode = 0644;
	o.record = "record";
	o.payload = "the payload";
	o.after_files = record_hook;
	o.arg = &h;

	/* A crash right after the commit point: recovery finishes it, hook included. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("QGA_FORGE_TXN_CRASH_AT", "1", 1);
		_exit(fs_journal_commit_opts(j, files, 3, &o) < 0 ? 2 : 0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 99);
	tu_assert_file(a, "old a\n");
	assert_true(tu_exists(tu_path(".j/record")));
	assert_int_equal(fs_journal_recover_opts(j, &o), 0);
	tu_assert_file(a, "new a\n");
	assert_int_equal(tu_mode(a), 0600);
	assert_false(tu_exists(b));
	tu_assert_file(c, "c\n");
	assert_int_equal(h.calls, 1);
	assert_string_equal(h.payload, "the payload");
	assert_false(tu_exists(j));

	/* Straight through; a removal of a file that is gone is fine. */
	files[0].data = "third a\n";
	files[0].len = 8;
	assert_int_equal(fs_journal_commit_opts(j, files, 2, &o), 0);
	tu_assert_file(a, "third a\n");
	assert_int_equal(h.calls, 2);
	assert_false(tu_exists(j));
}

static void test_util__strvec_and_finder(void **state)
{
	struct strvec v = STRVEC_INIT;
	char **detached;

	assert_non_null(v.v);
	assert_null(v.v[0]);
	strvec_push(&v, "one");
	strvec_pushf(&v, "%s-%d", "two", 2);
	strvec_push_nodup(&v, xstrdup("three"));
	assert_int_equal(v.n, 3);
	assert_string_equal(v.v[1], "two-2");
	assert_null(v.v[3]);
	detached = strvec_detach(&v);
	assert_int_equal(v.n, 0);
	assert_string_equal(detached[2], "three");
	strvec_free_list(detached);

	tu_write(tu_path("d/x.rpm"), "");
	tu_write(tu_path("d/sub/y.rpm"), "");
	tu_write(tu_path("d/sub/z.src.rpm"), "");
	tu_write(tu_path("d/.hidden/w.rpm"), "");
	tu_write(tu_path("d/notes.txt"), "");
	assert_int_equal(fs_find_files(&v, tu_path("d"), ".rpm"), 0);
	assert_int_equal(v.n, 3);
	{
		size_t i, seen = 0;

		for (i = 0; i < v.n; i++)
			seen |= !strcmp(v.v[i], "x.rpm") ? 1 : !strcmp(v.v[i], "sub/y.rpm") ? 2 :
				!strcmp(v.v[i], "sub/z.src.rpm") ? 4 : 8;
		assert_int_equal(seen, 7);
	}
	strvec_clear(&v);
	assert_int_equal(fs_find_files(&v, tu_path("missing"), ".rpm"), ERR_NOTFOUND);
	assert_int_equal(v.n, 0);
}

static void test_util__buf_replace_all(void **state)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "{{X}} and {{X}}{{X}}; {{Y}}");
	buf_replace_all(&b, "{{X}}", "{{X}}x");
	assert_string_equal(b.ptr, "{{X}}x and {{X}}x{{X}}x; {{Y}}");
	buf_replace_all(&b, "{{Y}}", "");
	assert_string_equal(b.ptr, "{{X}}x and {{X}}x{{X}}x; ");
	buf_release(&b);
}

/* librpm's one set-up: its configuration read, its messages routed where asked. */
static int rpmcfg_seen;

static int rpmcfg_collect(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)rec;
	*(int *)data += 1;
	return 0;
}

static void test_util__rpmcfg_setup(void **state)
{
	char *v;

	(void)state;
	assert_int_equal(rpmcfg_setup(rpmcfg_collect, &rpmcfg_seen), 0);
	v = rpmExpand("%{_topdir}", NULL);
	assert_non_null(v);
	assert_true(v[0] == '/');
	free(v);
	rpmlog(RPMLOG_WARNING, "a message for the callback\n");
	assert_int_equal(rpmcfg_seen, 1);
	rpmlogSetCallback(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_util__rpmcfg_setup),
		TU_TEST(test_util__buf_init_is_empty_string),
		TU_TEST(test_util__buf_growth),
		TU_TEST(test_util__buf_put_embedded_nul),
		TU_TEST(test_util__buf_printf),
		TU_TEST(test_util__buf_splice_insert_remove),
		TU_TEST(test_util__buf_detach),
		TU_TEST(test_util__buf_reset_truncate_swap),
		TU_TEST(test_util__buf_cap_exceeded),
		TU_TEST(test_util__buf_rtrim),
		TU_TEST(test_util__xasprintf),
		TU_TEST(test_util__error_set_and_last),
		TU_TEST(test_util__error_prefix),
		TU_TEST(test_util__error_errno),
		TU_TEST(test_util__error_long_message),
		TU_TEST(test_util__error_exit_status),
		TU_TEST(test_util__fs_read_file),
		TU_TEST(test_util__fs_write_atomic_new_file),
		TU_TEST(test_util__fs_write_atomic_keeps_mode),
		TU_TEST(test_util__fs_write_atomic_replaces_inode),
		TU_TEST(test_util__fs_write_atomic_failure),
		TU_TEST(test_util__fs_mkdirs),
		TU_TEST(test_util__fs_remove_tree_nested),
		TU_TEST(test_util__fs_remove_tree_does_not_follow_symlinks),
		TU_TEST(test_util__fs_copy_tree),
		TU_TEST(test_util__fs_copy_tree_missing_source),
		TU_TEST(test_util__fs_copy_file),
		TU_TEST(test_util__fs_dir_is_empty),
		TU_TEST(test_util__fs_exists_kinds),
		TU_TEST(test_util__fs_path_join),
		TU_TEST(test_util__fs_abspath),
		TU_TEST(test_util__fs_dirname_basename),
		TU_TEST(test_util__fs_is_safe_name),
		TU_TEST(test_util__run_exit_status),
		TU_TEST(test_util__run_capture),
		TU_TEST(test_util__run_capture_large_both_streams),
		TU_TEST(test_util__run_capture_cap),
		TU_TEST(test_util__run_stdin_input),
		TU_TEST(test_util__run_stdin_large_input),
		TU_TEST(test_util__run_stdin_not_read),
		TU_TEST(test_util__run_timeout_kills),
		TU_TEST(test_util__run_timeout_kills_group),
		TU_TEST(test_util__run_timeout_sigkill_after_grace),
		TU_TEST(test_util__run_missing_program),
		TU_TEST(test_util__run_argv_verbatim),
		TU_TEST(test_util__run_cwd_and_env),
		TU_TEST(test_util__run_log_path_appends),
		TU_TEST(test_util__run_function),
		TU_TEST(test_util__run_function_stdin),
		TU_TEST(test_util__run_function_timeout),
		TU_TEST(test_util__run_argv_string),
		TU_TEST(test_util__run_have_program),
		TU_TEST(test_util__hash_sha256),
		TU_TEST(test_util__hash_sha256_file),
		TU_TEST(test_util__journal_remove_payload_hook),
		TU_TEST(test_util__strvec_and_finder),
		TU_TEST(test_util__buf_replace_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
