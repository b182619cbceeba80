/*
 * Regression tests for what fuzzing, the kill tests and the security
 * review found, one or more per fix, across modules: the readers of
 * untrusted text (schema, handler file, spec), the journal that makes a
 * spec edit and its patch one change, the spec-code scan, and the
 * workspace's refusal to write through links.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>

#include "util/util.h"
#include "workspace/ws.h"
#include "schemaedit/qapi.h"
#include "specedit/spec.h"
#include "testutil.h"

/* ---- schemaedit ---- */

/* An empty handler file gave a text buffer without storage (fuzz_cfile). */
static void test_robustness__cfile_empty_text(void **state)
{
	static const char target_text[] = "#include \"qemu/osdep.h\"\n\nint x;\n";
	struct qapi_cfile *f = NULL, *target = NULL;
	struct buf out = BUF_INIT;

	assert_int_equal(qapi_cfile_parse(&f, "empty.c", "", 0), 0);
	assert_non_null(f->text.ptr);
	assert_int_equal(f->text.len, 0);
	assert_int_equal(qapi_cfile_parse(&target, "t.c", target_text, strlen(target_text)), 0);
	assert_int_equal(qapi_cfile_add_handlers(&out, target, f, "nothing"), 0);
	assert_non_null(strstr(out.ptr, "/* nothing */"));
	buf_release(&out);
	qapi_cfile_free(f);
	qapi_cfile_free(target);
}

/* A NUL byte cut a signature short and an empty one was read past (fuzz_cfile). */
static void test_robustness__cfile_nul_byte(void **state)
{
	static const char text[] = "#include \"qemu/osdep.h\"\n\nint64_t qmp_guest_x(\0Error **errp)\n{\n}\n";
	struct qapi_cfile *f = NULL;

	assert_int_equal(qapi_cfile_parse(&f, "x.c", text, sizeof(text) - 1), ERR_INPUT);
	assert_null(f);
	assert_string_equal(error_last(), "x.c:3:21: a NUL byte: not a C source file");
}

/* The NUL check ran before the line table existed: a crash (fuzz_qapi). */
static void test_robustness__qapi_nul_byte(void **state)
{
	static const char text[] = "{ 'command': 'guest-x\0' }\n";
	struct qapi_schema *s = NULL;

	assert_int_equal(qapi_schema_parse(&s, "f.json", text, sizeof(text) - 1, NULL), ERR_INPUT);
	assert_null(s);
	assert_string_equal(error_last(), "f.json:1:22: NUL byte in schema");
}

/* A lexical error right after a value leaked the value (fuzz_qapi, LeakSanitizer). */
static void test_robustness__qapi_error_after_value(void **state)
{
	static const char *const texts[] = {
		"[ 'guest-x' $ ]\n",
		"{ 'command': 'guest-x' $ }\n",
		"{ 'command': 'guest-x', 'data': { 'a': 'int' $ } }\n",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct qapi_schema *s = NULL;

		assert_int_equal(qapi_schema_parse(&s, "f.json", texts[i], strlen(texts[i]), NULL),
				 ERR_INPUT);
		assert_null(s);
		assert_non_null(strstr(error_last(), "stray '$'"));
	}
}

/* ---- specedit ---- */

static const char spec_head[] =
	"Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\nSource0: x.tar.gz\n";

/* Adds new.patch to the spec text; patch data, when given, as its exact-size copy. */
static int add_patch_with(struct buf *out, const char *text, const char *comment,
			  const void *data, size_t len)
{
	struct spec_add_patch_opts o;
	struct spec_add_patch_result res;
	struct buf in = BUF_INIT;
	int ret;

	memset(&o, 0, sizeof(o));
	o.name = "new.patch";
	o.comment = comment;
	o.patch_data = data;
	o.patch_len = len;
	o.rpm_version = 41800;
	buf_puts(&in, text);
	ret = spec_add_patch(out, &res, "x.spec", &in, &o);
	spec_add_patch_result_release(&res);
	buf_release(&in);
	return ret;
}

static int add_patch(struct buf *out, const char *text, const char *comment)
{
	return add_patch_with(out, text, comment, NULL, 0);
}

/* A %if that opens among the tags and closes in %changelog: the tag went there (fuzz_spec). */
static void test_robustness__spec_if_closes_in_other_section(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;

	buf_puts(&text, spec_head);
	buf_puts(&text, "%if 0%{?rhel}\nPatch1: a.patch\n\n%description\nx\n\n%prep\n%setup -q\n"
		     "%patch -P 1 -p1\n\n%changelog\n%endif\n");
	assert_int_equal(add_patch(&out, text.ptr, NULL), ERR_INPUT);
	/* The %patch line sits in that conditional too: refused either way. */
	assert_non_null(strstr(error_last(), "x.spec:7:1: this conditional ends in another section"));
	assert_int_equal(out.len, 0);
	buf_release(&text);
	buf_release(&out);
}

/* A refused add-patch handed back warnings nobody released (fuzz_spec, LeakSanitizer). */
static void test_robustness__spec_refusal_releases_warnings(void **state)
{
	struct spec_add_patch_opts o;
	struct spec_add_patch_result res;
	struct buf in = BUF_INIT, out = BUF_INIT;

	buf_puts(&in, spec_head);
	buf_puts(&in, "Patch1: a.patch\n\n%description\nx\n\n%prep\n%setup -q\n%if 1\n%patch1 -p1\n"
		   "\n%changelog\n%endif\n");
	memset(&o, 0, sizeof(o));
	o.name = "new.patch";
	o.rpm_version = 42000;   /* %patch1 must become %patch -P: a warning first */
	assert_int_equal(spec_add_patch(&out, &res, "x.spec", &in, &o), ERR_INPUT);
	assert_int_equal(res.warnings.len, 0);
	assert_int_equal(res.warnings.alloc, 0);
	buf_release(&in);
	buf_release(&out);
}

/*
 * The new tag copied what sat between a reference tag's name and colon:
 * "Requires(post):" gave "Patch1(post):", which rpm refuses (fuzz_spec).
 */
static void test_robustness__spec_tag_style_of_qualified_tag(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;

	buf_puts(&text, "Name: x\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\n"
		     "Requires(post): systemd\n\n%description\nx\n\n%prep\n%setup -q\n");
	assert_int_equal(add_patch(&out, text.ptr, NULL), 0);
	assert_non_null(strstr(out.ptr, "\nRequires(post): systemd\nPatch1: new.patch\n"));
	buf_release(&text);
	buf_release(&out);
}

/* Comment text with control characters or a final backslash became spec text (fuzz_patch). */
static void test_robustness__spec_comment_text(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;

	buf_puts(&text, spec_head);
	buf_puts(&text, "Patch1: a.patch\n\n%description\nx\n\n%prep\n%setup -q\n%patch -P 1 -p1\n");
	assert_int_equal(add_patch(&out, text.ptr, "bell\a"), ERR_INPUT);
	assert_string_equal(error_last(), "x.spec: the comment text holds a control character (0x07)");
	assert_int_equal(add_patch(&out, text.ptr, "first\nsecond \\  "), ERR_INPUT);
	assert_non_null(strstr(error_last(), "must not end with '\\'"));
	assert_int_equal(out.len, 0);
	assert_int_equal(add_patch(&out, text.ptr, "100% \\ fine\n%{name}"), 0);
	assert_non_null(strstr(out.ptr, "\n# 100%% \\ fine\n# %%{name}\nPatch2: new.patch\n"));
	buf_release(&text);
	buf_release(&out);
}

/* Adds a patch whose text is an exact-size heap copy, as a file read without a NUL would be. */
static int add_patch_data(struct buf *out, const char *text, const char *patch)
{
	size_t plen = strlen(patch);
	char *data = malloc(plen);
	int ret;

	assert_non_null(data);
	memcpy(data, patch, plen);
	ret = add_patch_with(out, text, NULL, data, plen);
	free(data);
	return ret;
}

/*
 * A "+++ " line at the very end of the patch text: telling the -p level read
 * past the end of the data looking for "+++ /dev/null" (fuzz_patch, AddressSanitizer).
 */
static void test_robustness__patch_strip_at_end_of_data(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;

	buf_puts(&text, spec_head);
	buf_puts(&text, "Patch1: a.patch\n\n%description\nx\n\n%prep\n%setup -q\n%patch -P 1 -p0\n");
	/* The level cannot be told: the spec's own -p0 is kept. */
	assert_int_equal(add_patch_data(&out, text.ptr, "--- a\n+++ b"), 0);
	assert_non_null(strstr(out.ptr, "\n%patch -P 2 -p0\n"));
	buf_reset(&out);
	assert_int_equal(add_patch_data(&out, text.ptr, "--- a/x\n+++ b/x"), 0);
	assert_non_null(strstr(out.ptr, "\n%patch -P 2 -p1\n"));
	buf_reset(&out);
	assert_int_equal(add_patch_data(&out, text.ptr, "--- /dev/null\n+++ /dev/null"), 0);
	assert_non_null(strstr(out.ptr, "\n%patch -P 2 -p0\n"));
	buf_release(&text);
	buf_release(&out);
}

/* rpm rejects a line still open at the end of the spec; the model did not (fuzz_spec). */
static void test_robustness__spec_unclosed_at_end(void **state)
{
	struct spec_layout l;
	struct buf text = BUF_INIT;

	buf_puts(&text, spec_head);
	buf_puts(&text, "\n%description\nx %{?foo\n");
	assert_int_equal(spec_layout(&l, "x.spec", &text), ERR_INPUT);
	assert_string_equal(error_last(), "x.spec:9:1: unclosed macro or bad line continuation "
			    "(the line goes on to the end of the spec)");
	buf_reset(&text);
	buf_puts(&text, spec_head);
	buf_puts(&text, "\n%description\nx \\\n");
	assert_int_equal(spec_layout(&l, "x.spec", &text), ERR_INPUT);
	buf_release(&text);
}

/* The spec-code scan: what it refuses, where, and what it lets pass. */
static void test_robustness__spec_find_code(void **state)
{
	static const struct {
		const char *text;
		const char *msg;   /* NULL: no code */
	} cases[] = {
		{ "Release: 1\n", NULL },
		{ "Release: %{?dist}\n%global x %{expand:%{name}}\n", NULL },
		{ "- 100%% of %%(text)\n", NULL },
		{ "# 100%%{lua: no}\n", NULL },
		{ "%define luaish 1\nVersion: %{luaish}\n", NULL },
		{ "Version: %(echo 1)\n", "s:1:10: '%(' runs a shell command" },
		{ "\n  x %%%(echo)\n", "s:2:7: '%(' runs a shell command" },
		{ "%global x %%(touch y)\n", "s:1:12: '%(' runs a shell command" },
		{ "%global x \\\n  %%(touch y)\n", "s:2:4: '%(' runs a shell command" },
		{ "Source: %{expand:%%(echo)}\n", "s:1:19: '%(' runs a shell command" },
		{ "%{lua: print(1)}\n", "s:1:1: '%{lua:' runs Lua code" },
		{ "%{?!lua: print(1)}\n", "s:1:1: '%{lua:' runs Lua code" },
		{ "%lua\n", "s:1:1: '%lua' runs Lua code" },
		{ "%{load:/tmp/m}\n", "s:1:1: '%{load:' runs a macro file" },
		{ "%include other.spec\n", "s:1:1: '%include' runs a file" },
		{ "# %(rm -rf ~)\n", "s:1:3: '%(' runs a shell command" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		int ret;

		buf_puts(&b, cases[i].text);
		ret = spec_find_code("s", &b);
		if (!cases[i].msg) {
			if (ret != 0)
				fail_msg("case %zu: refused: %s", i, error_last());
		} else if (ret != ERR_INPUT || strncmp(error_last(), cases[i].msg, strlen(cases[i].msg))) {
			fail_msg("case %zu: %d '%s', expected '%s'", i, ret, ret ? error_last() : "",
				 cases[i].msg);
		}
		buf_release(&b);
	}
}

/* ---- util: the journal, copies ---- */

/* char NAME[PATH_MAX] holding "<test dir>/REL" (tu_path() has one static buffer). */
#define TP(name, rel) char name[PATH_MAX]; tu_fmt(name, "%s/%s", tu_current->path, rel)

static void commit_pair(const char *journal)
{
	TP(patch, "SOURCES/new.patch");
	TP(spec, "SPECS/x.spec");
	struct fs_journal_file files[2] = {
		{ patch, "patch\n", 6, 0644 },
		{ spec, "new spec\n", 9, 0644 },
	};

	assert_int_equal(fs_journal_commit(journal, files, 2), 0);
}

static void test_robustness__journal_commit(void **state)
{
	char journal[PATH_MAX];
	char *t;

	tu_write(tu_path("SPECS/x.spec"), "old spec\n");
	chmod(tu_path("SPECS/x.spec"), 0600);
	tu_mkdirs(tu_path("SOURCES"));
	tu_fmt(journal, "%s", tu_path("SPECS/.x.spec.qga-forge-journal"));
	commit_pair(journal);
	t = tu_read(tu_path("SPECS/x.spec"));
	assert_string_equal(t, "new spec\n");
	free(t);
	t = tu_read(tu_path("SOURCES/new.patch"));
	assert_string_equal(t, "patch\n");
	free(t);
	{
		struct stat st;

		assert_int_equal(stat(tu_path("SPECS/x.spec"), &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	assert_int_equal(access(journal, F_OK), -1);
	assert_int_equal(fs_journal_recover(journal), 0);
}

/* A crash at step `step` in a child, then recovery: the files are `want`. */
static void crash_and_recover(int step, const char *want_spec, bool want_patch)
{
	char journal[PATH_MAX], at[16];
	pid_t pid;
	int st;
	char *t;

	tu_write(tu_path("SPECS/x.spec"), "old spec\n");
	unlink(tu_path("SOURCES/new.patch"));
	tu_mkdirs(tu_path("SOURCES"));
	tu_fmt(journal, "%s", tu_path("SPECS/.x.spec.qga-forge-journal"));
	tu_fmt(at, "%d", step);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("QGA_FORGE_TXN_CRASH_AT", at, 1);
		commit_pair(journal);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 99);
	assert_int_equal(access(journal, F_OK), 0);
	assert_int_equal(fs_journal_recover(journal), 0);
	assert_int_equal(access(journal, F_OK), -1);
	t = tu_read(tu_path("SPECS/x.spec"));
	assert_string_equal(t, want_spec);
	free(t);
	assert_int_equal(access(tu_path("SOURCES/new.patch"), F_OK), want_patch ? 0 : -1);
}

static void test_robustness__journal_crash(void **state)
{
	crash_and_recover(0, "old spec\n", false);   /* before the commit point */
	crash_and_recover(1, "new spec\n", true);    /* after it, nothing applied yet */
	crash_and_recover(10, "new spec\n", true);   /* the patch in place, not the spec */
	crash_and_recover(11, "new spec\n", true);   /* both in place, journal left */
}

/* A link planted at the destination of a copy was written through (init's kept log). */
static void test_robustness__copy_file_refuses_link(void **state)
{
	char *t;

	TP(src, "src");
	TP(victim, "victim");
	TP(dst, "dst");

	tu_write(src, "log\n");
	tu_write(victim, "keep\n");
	assert_int_equal(symlink(victim, dst), 0);
	assert_int_equal(fs_copy_file(src, dst), ERR_GENERIC);
	assert_non_null(strstr(error_last(), "is a symbolic link"));
	t = tu_read(tu_path("victim"));
	assert_string_equal(t, "keep\n");
	free(t);
}

/* ---- workspace: links ---- */

static void test_robustness__txn_refuses_links(void **state)
{
	struct ws *ws = NULL;
	struct ws_txn *t = NULL;
	char p[PATH_MAX];
	char *text;

	tu_mkdirs(tu_path("ws"));
	tu_mkdirs(tu_path("outside"));
	tu_write(tu_path("outside/f"), "keep\n");
	assert_int_equal(ws_create(&ws, tu_path("ws")), 0);
	{
		TP(outside, "outside");
		TP(outside_f, "outside/f");
		TP(meta, "ws/.qga-forge");
		TP(l1, "ws/out");
		TP(l2, "ws/f");
		TP(l3, "ws/meta");

		assert_int_equal(symlink(outside, l1), 0);
		assert_int_equal(symlink(outside_f, l2), 0);
		assert_int_equal(symlink(meta, l3), 0);
	}
	assert_int_equal(ws_txn_begin(&t, ws), 0);

	tu_fmt(p, "%s", tu_path("ws/out/f"));
	assert_int_equal(ws_txn_put(t, p, "x", 1, 0), ERR_INPUT);
	assert_non_null(strstr(error_last(), "outside the workspace"));
	tu_fmt(p, "%s", tu_path("ws/out/new/deeper/f"));
	assert_int_equal(ws_txn_put(t, p, "x", 1, 0), ERR_INPUT);
	assert_int_equal(ws_txn_delete(t, p), ERR_INPUT);
	tu_fmt(p, "%s", tu_path("ws/f"));
	assert_int_equal(ws_txn_put(t, p, "x", 1, 0), ERR_INPUT);
	assert_non_null(strstr(error_last(), "is a symbolic link"));
	tu_fmt(p, "%s", tu_path("ws/meta/state.json"));
	assert_int_equal(ws_txn_put(t, p, "x", 1, 0), ERR_INPUT);
	assert_non_null(strstr(error_last(), "qga-forge's own metadata"));

	/* What is fine: a new file in new directories, deleting a link. */
	tu_fmt(p, "%s", tu_path("ws/new/dir/f"));
	assert_int_equal(ws_txn_put(t, p, "ok\n", 3, 0), 0);
	tu_fmt(p, "%s", tu_path("ws/f"));
	assert_int_equal(ws_txn_delete(t, p), 0);
	assert_int_equal(ws_txn_commit(t), 0);
	text = tu_read(tu_path("ws/new/dir/f"));
	assert_string_equal(text, "ok\n");
	free(text);
	assert_int_equal(access(tu_path("ws/f"), F_OK), -1);
	text = tu_read(tu_path("outside/f"));
	assert_string_equal(text, "keep\n");
	free(text);
	ws_free(ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_robustness__cfile_empty_text),
		TU_TEST(test_robustness__cfile_nul_byte),
		TU_TEST(test_robustness__qapi_nul_byte),
		TU_TEST(test_robustness__qapi_error_after_value),
		TU_TEST(test_robustness__spec_if_closes_in_other_section),
		TU_TEST(test_robustness__spec_refusal_releases_warnings),
		TU_TEST(test_robustness__spec_tag_style_of_qualified_tag),
		TU_TEST(test_robustness__spec_comment_text),
		TU_TEST(test_robustness__patch_strip_at_end_of_data),
		TU_TEST(test_robustness__spec_unclosed_at_end),
		TU_TEST(test_robustness__spec_find_code),
		TU_TEST(test_robustness__journal_commit),
		TU_TEST(test_robustness__journal_crash),
		TU_TEST(test_robustness__copy_file_refuses_link),
		TU_TEST(test_robustness__txn_refuses_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
