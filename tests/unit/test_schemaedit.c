/*
 * Unit tests of src/schemaedit: the QAPI parser, checker, prototypes,
 * edits and handler files. Tests that need QEMU 7.2 sources get them
 * through tests/fixtures/qemu-source.sh --tree (unpacked once, cached);
 * they are skipped when it cannot provide them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schemaedit/qapi.h"
#include "util/util.h"
#include "util/banned.h"

static const struct qapi_version v212 = { 2, 12, 0 };
static const struct qapi_version v62 = { 6, 2, 0 };
static const struct qapi_version v72 = { 7, 2, 0 };
static const struct qapi_version v81 = { 8, 1, 0 };
static const struct qapi_version v91 = { 9, 1, 0 };

/* ---- helpers ---- */

static const char *src_root(void)
{
	const char *r = getenv("QGA_FORGE_SRC_ROOT");

	return r && *r ? r : ".";
}

static char *data_path(const char *rel)
{
	return xasprintf("%s/tests/data/qapi/%s", src_root(), rel);
}

static void read_data(struct buf *b, const char *rel)
{
	char *p = data_path(rel);

	if (fs_read_file(b, p))
		fail_msg("cannot read %s: %s", p, error_last());
	free(p);
}

static struct qapi_schema *parse_text(const char *name, const char *text,
				      const struct qapi_version *v)
{
	struct qapi_schema *s = NULL;

	if (qapi_schema_parse(&s, name, text, strlen(text), v))
		fail_msg("parse %s: %s", name, error_last());
	return s;
}

static struct qapi_schema *parse_data(const char *rel, const struct qapi_version *v)
{
	struct buf b = BUF_INIT;
	struct qapi_schema *s = NULL;

	read_data(&b, rel);
	if (qapi_schema_parse(&s, rel, b.ptr, b.len, v))
		fail_msg("parse %s: %s", rel, error_last());
	buf_release(&b);
	return s;
}

static char *proto_of(const struct qapi_schema *s, const char *cmd, const struct qapi_version *v)
{
	struct qapi_proto p;
	char *str;

	if (qapi_proto_derive(&p, s, cmd, v))
		fail_msg("derive %s: %s", cmd, error_last());
	str = qapi_proto_string(&p);
	qapi_proto_release(&p);
	return str;
}

static void assert_proto(const struct qapi_schema *s, const char *cmd, const struct qapi_version *v,
			 const char *want)
{
	char *got = proto_of(s, cmd, v);

	assert_string_equal(got, want);
	free(got);
}

/*
 * The 7.2 tree (VERSION, qga/, scripts/), read only: the one
 * tests/fixtures/qemu-source.sh --tree unpacked and caches, or extracted
 * here from $QGA_FORGE_QEMU_TARBALL. NULL when unavailable.
 */
static char *tree72_dir;
static bool tree72_tried, tree72_ours;

static const char *tree72(void)
{
	struct run_result res = RUN_RESULT_INIT;
	struct run_opts opts = { 0 };
	const char *env = getenv("QGA_FORGE_QEMU_TARBALL");
	char *dir;

	if (tree72_tried)
		return tree72_dir;
	tree72_tried = true;
	if (!env || !*env) {
		char *script = xasprintf("%s/tests/fixtures/qemu-source.sh", src_root());
		const char *argv[] = { script, "--release", "7.2", "--tree", NULL };

		opts.argv = argv;
		opts.capture = true;
		if (run_command(&res, &opts) == 0 && res.status == 0) {
			buf_rtrim(&res.out);
			tree72_dir = xstrdup(res.out.ptr);
		}
		run_result_release(&res);
		free(script);
		return tree72_dir;
	}
	dir = xasprintf("%s/qga-forge-test-q72.XXXXXX", getenv("TMPDIR") && *getenv("TMPDIR") ?
			getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	{
		const char *argv[] = { "tar", "-xJf", env, "-C", dir, "qemu-7.2.0/VERSION",
				       "qemu-7.2.0/qga", "qemu-7.2.0/scripts", NULL };

		opts.argv = argv;
		opts.capture = true;
		if (run_command(&res, &opts) == 0 && res.status == 0) {
			tree72_dir = xasprintf("%s/qemu-7.2.0", dir);
			tree72_ours = true;
		}
		run_result_release(&res);
	}
	if (!tree72_dir)
		fs_remove_tree(dir);
	free(dir);
	return tree72_dir;
}

static struct qapi_schema *schema72(struct buf *text)
{
	const char *t = tree72();
	char *p;
	struct qapi_schema *s;

	if (!t)
		return NULL;
	p = xasprintf("%s/qga/qapi-schema.json", t);
	if (fs_read_file(text, p))
		fail_msg("%s", error_last());
	free(p);
	if (qapi_schema_parse(&s, "qga/qapi-schema.json", text->ptr, text->len, &v72))
		fail_msg("%s", error_last());
	return s;
}

/* Each test runs in a fresh temporary directory. */
static int setup_tmp(void **state)
{
	char *dir = xasprintf("%s/qga-forge-test-schemaedit.XXXXXX",
			      getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

	if (!mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int teardown_tmp(void **state)
{
	fs_remove_tree(*state);
	free(*state);
	return 0;
}

/* ---- versions ---- */

static void test_schemaedit__version_parse(void **state)
{
	struct qapi_version v;

	(void)state;
	assert_int_equal(qapi_version_parse(&v, "7.2.0\n"), 0);
	assert_int_equal(v.major, 7);
	assert_int_equal(v.minor, 2);
	assert_int_equal(v.micro, 0);
	assert_int_equal(qapi_version_parse(&v, "2.12.0"), 0);
	assert_int_equal(v.minor, 12);
	assert_int_equal(qapi_version_parse(&v, "8.1.50"), 0);
	assert_int_equal(v.micro, 50);
	assert_int_equal(qapi_version_parse(&v, "9.1"), 0);
	assert_true(qapi_version_parse(&v, "seven") < 0);
	assert_string_equal(error_last(),
			    "'seven' is not a QEMU version (expected MAJOR.MINOR.MICRO)");
	assert_true(qapi_version_parse(&v, "7") < 0);
	assert_true(qapi_version_parse(&v, "7.x") < 0);
	assert_true(qapi_version_cmp(&v72, 6, 2) > 0);
	assert_true(qapi_version_cmp(&v212, 3, 0) < 0);
	assert_int_equal(qapi_version_cmp(&v72, 7, 2), 0);
}

/* The real trees' schemas and prototypes: tests/unit/test_schemaedit_versions.c. */

/* ---- 2.12 era ---- */

static void test_schemaedit__schema_212(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct qapi_schema *s = parse_data("schema-2.12.json", &v212);

	(void)state;
	read_data(&text, "schema-2.12.json");
	qapi_schema_print(&out, s);
	assert_int_equal(out.len, text.len);
	assert_memory_equal(out.ptr, text.ptr, text.len);
	if (qapi_schema_check(s, &v212))
		fail_msg("%s", error_last());
	/* Up to 7.2 every optional member has a has_ flag, pointers included. */
	assert_proto(s, "guest-sync", &v212, "int64_t qmp_guest_sync(int64_t id, Error **errp);");
	assert_proto(s, "guest-ping", &v212, "void qmp_guest_ping(Error **errp);");
	assert_proto(s, "guest-shutdown", &v212,
		     "void qmp_guest_shutdown(bool has_mode, const char *mode, Error **errp);");
	assert_proto(s, "guest-file-open", &v212,
		     "int64_t qmp_guest_file_open(const char *path, bool has_mode, const char *mode, Error **errp);");
	assert_proto(s, "guest-file-seek", &v212,
		     "GuestFileSeek *qmp_guest_file_seek(int64_t handle, int64_t offset, GuestFileWhence *whence, Error **errp);");
	assert_proto(s, "guest-fsfreeze-status", &v212,
		     "GuestFsfreezeStatus qmp_guest_fsfreeze_status(Error **errp);");
	assert_proto(s, "guest-exec", &v212,
		     "GuestExec *qmp_guest_exec(const char *path, bool has_arg, strList *arg, bool has_env, strList *env, bool has_input_data, const char *input_data, bool has_capture_output, bool capture_output, Error **errp);");
	/* The 2.12 rules reject what only later generators accept. */
	assert_int_equal(qapi_schema_check(s, &v72), ERR_INPUT);
	assert_string_equal(error_last(),
			    "schema-2.12.json:20:5: unknown pragma 'returns-whitelist' (QEMU 7.2 calls it 'command-returns-exceptions')");
	qapi_schema_free(s);
	buf_release(&text);
	buf_release(&out);
}

/* Pre-2.4 'type' definitions: parsed and printed losslessly, rejected by the checker. */
static void test_schemaedit__old_type_keyword(void **state)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct qapi_schema *s = parse_data("old-type.json", &v212);

	(void)state;
	read_data(&text, "old-type.json");
	qapi_schema_print(&out, s);
	assert_int_equal(out.len, text.len);
	assert_memory_equal(out.ptr, text.ptr, text.len);
	assert_int_equal(qapi_schema_def(s, 0)->meta, QAPI_META_NONE);
	assert_int_equal(qapi_schema_check(s, &v212), ERR_INPUT);
	assert_string_equal(error_last(),
			    "old-type.json:15:1: 'type' is the old spelling of 'struct', which QEMU 2.12 requires");
	qapi_schema_free(s);
	buf_release(&text);
	buf_release(&out);
}

/* ---- 8.x rules ---- */

static void test_schemaedit__schema_8x_has_flags(void **state)
{
	struct qapi_schema *s = parse_data("schema-8.1.json", &v81);

	(void)state;
	if (qapi_schema_check(s, &v81))
		fail_msg("%s", error_last());
	/* 8.0+: has_ only for non-pointers and lists */
	assert_proto(s, "guest-do-everything", &v81,
		     "void qmp_guest_do_everything(const char *name, bool has_count, int64_t count, "
		     "bool has_ratio, double ratio, bool has_flag, bool flag, bool has_mode, GuestMode mode, "
		     "bool has_names, strList *names, GuestOptions *options, QObject *value, "
		     "GuestAnything *thing, QNull *nothing, bool has_size, uint64_t size, Error **errp);");
	/* ... and up to 7.2 for every optional */
	assert_proto(s, "guest-do-everything", &v72,
		     "void qmp_guest_do_everything(bool has_name, const char *name, bool has_count, int64_t count, "
		     "bool has_ratio, double ratio, bool has_flag, bool flag, bool has_mode, GuestMode mode, "
		     "bool has_names, strList *names, bool has_options, GuestOptions *options, "
		     "bool has_value, QObject *value, bool has_thing, GuestAnything *thing, "
		     "bool has_nothing, QNull *nothing, bool has_size, uint64_t size, Error **errp);");
	/* 'data': 'Struct' is flattened, base members first */
	assert_proto(s, "guest-flat", &v81,
		     "void qmp_guest_flat(const char *origin, bool has_verbose, bool verbose, const char *label, Error **errp);");
	assert_proto(s, "guest-flat", &v72,
		     "void qmp_guest_flat(const char *origin, bool has_verbose, bool verbose, bool has_label, const char *label, Error **errp);");
	assert_proto(s, "guest-boxed", &v81, "void qmp_guest_boxed(GuestOptions *arg, Error **errp);");
	assert_proto(s, "guest-get-count", &v81, "uint32_t qmp_guest_get_count(Error **errp);");
	assert_proto(s, "guest-get-mode", &v81, "GuestMode qmp_guest_get_mode(Error **errp);");
	assert_proto(s, "guest-list-options", &v81,
		     "GuestOptionsList *qmp_guest_list_options(Error **errp);");
	/* c_name protects reserved words: 'linux' from 7.1 only */
	assert_proto(s, "guest-unix", &v81,
		     "void qmp_guest_unix(int64_t q_linux, bool has_q_errno, int64_t q_errno, Error **errp);");
	assert_proto(s, "guest-unix", &v62,
		     "void qmp_guest_unix(int64_t linux, bool has_q_errno, int64_t q_errno, Error **errp);");
	qapi_schema_free(s);
}

static void test_schemaedit__c_name(void **state)
{
	static const struct {
		const char *in;
		const struct qapi_version *v;
		const char *out;
	} cases[] = {
		{ "guest-get-fsinfo", &v72, "guest_get_fsinfo" },
		{ "__com.example_foo", &v72, "__com_example_foo" },
		{ "unix", &v212, "q_unix" },
		{ "i386", &v212, "i386" },
		{ "i386", &v72, "q_i386" },
		{ "linux", &v62, "linux" },
		{ "linux", &v72, "q_linux" },
		{ "int", &v212, "q_int" },
		{ "9p", &v212, "9p" },
		{ "9p", &v72, "q_9p" },
		{ "a+b", &v212, "a+b" },
		{ "a+b", &v72, "a_b" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = qapi_c_name(cases[i].in, true, cases[i].v);

		if (strcmp(got, cases[i].out))
			fail_msg("c_name('%s') = '%s', want '%s'", cases[i].in, got, cases[i].out);
		free(got);
	}
}

/* ---- rejected input, with exact messages ---- */

static void test_schemaedit__bad_inputs(void **state)
{
	static const struct {
		const char *file;
		const struct qapi_version *v;
		const char *msg;
	} cases[] = {
		{ "unterminated-string.json", &v72, "bad/unterminated-string.json:1:14: missing terminating \"'\"" },
		{ "stray-word.json", &v72, "bad/stray-word.json:1:14: stray 'guest'" },
		{ "missing-colon.json", &v72, "bad/missing-colon.json:1:13: expected ':'" },
		{ "duplicate-key.json", &v72, "bad/duplicate-key.json:2:14: duplicate key 'command'" },
		{ "top-level-list.json", &v72, "bad/top-level-list.json:1:1: top-level expression must be an object" },
		{ "unknown-type.json", &v72, "bad/unknown-type.json:1:40: 'data' member 'a' uses unknown type 'frob'" },
		{ "duplicate-definition.json", &v72, "bad/duplicate-definition.json:3:1: 'guest-x' is already defined (at line 1)" },
		{ "underscore-name.json", &v72, "bad/underscore-name.json:1:14: name of command 'guest_x' must not use uppercase or '_'" },
		{ "reserved-member.json", &v72, "bad/reserved-member.json:1:35: 'data' member '*has-foo' uses reserved name" },
		{ "q-prefix.json", &v72, "bad/q-prefix.json:1:14: command 'q-foo' has an invalid name" },
		{ "unknown-key.json", &v72, "bad/unknown-key.json:1:25: command 'guest-x' has unknown key 'retuns' (valid keys: 'command', 'data', 'returns', 'boxed', 'if', 'features', 'gen', 'success-response', 'allow-oob', 'allow-preconfig', 'coroutine')" },
		{ "doc-for-other.json", &v72, "bad/doc-for-other.json:6:1: documentation comment is for 'guest-y', not 'guest-x'" },
		{ "doc-missing.json", &v72, "bad/doc-missing.json:3:1: command 'guest-x' needs a documentation comment (pragma 'doc-required')" },
		{ "returns-int.json", &v72, "bad/returns-int.json:6:36: command's 'returns' cannot take built-in type 'int' unless the command is listed in pragma 'command-returns-exceptions'" },
		{ "returns-int.json", &v212, "bad/returns-int.json:6:36: command's 'returns' cannot take built-in type 'int' unless the command is listed in pragma 'returns-whitelist'" },
		{ "doc-bogus-member.json", &v72, "bad/doc-bogus-member.json:6:1: documented member 'b' does not exist" },
		{ "returns-on-struct.json", &v72, "bad/returns-on-struct.json:6:1: 'Returns:' is only valid for commands" },
		{ "type-ends-in-list.json", &v72, "bad/type-ends-in-list.json:1:13: struct 'GuestFooList' name should not end in 'List'" },
		{ "doc-not-closed.json", &v72, "bad/doc-not-closed.json:5:1: documentation comment must end with '##'" },
		{ "boxed-without-data.json", &v72, "bad/boxed-without-data.json:1:34: 'boxed': true requires 'data'" },
		{ "gen-true.json", &v72, "bad/gen-true.json:1:32: flag 'gen' may only use false value" },
		{ "old-pragma.json", &v72, "bad/old-pragma.json:1:15: unknown pragma 'returns-whitelist' (QEMU 7.2 calls it 'command-returns-exceptions')" },
		{ "if-before-3.0.json", &v212, "bad/if-before-3.0.json:1:25: command 'guest-x' has unknown key 'if' (valid keys: 'command', 'data', 'returns', 'boxed', 'gen', 'success-response', 'allow-oob')" },
		{ "doc-de-indent.json", &v72, "bad/doc-de-indent.json:5:1: unexpected de-indent (expected at least 4 spaces)" },
		{ "unknown-escape.json", &v72, "bad/unknown-escape.json:1:14: unknown escape \\x" },
		{ "non-ascii.json", &v72, "bad/non-ascii.json:1:14: funny character in string" },
		{ "doc-missing-space.json", &v72, "bad/doc-missing-space.json:2:1: missing space after #" },
		{ "union-data-unboxed.json", &v72, "bad/union-data-unboxed.json:5:33: command's 'data' cannot take union type 'GuestU' without 'boxed': true" },
		{ "upper-member.json", &v72, "bad/upper-member.json:1:47: name of 'data' member 'A' must not use uppercase or '_'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		struct qapi_schema *s = NULL;
		char *rel = xasprintf("bad/%s", cases[i].file);
		int rc;

		read_data(&b, rel);
		rc = qapi_schema_parse(&s, rel, b.ptr, b.len, cases[i].v);
		if (!rc) {
			rc = qapi_schema_check(s, cases[i].v);
			qapi_schema_free(s);
		}
		if (rc != ERR_INPUT)
			fail_msg("%s: expected a rejection, got %d", rel, rc);
		if (strcmp(error_last(), cases[i].msg))
			fail_msg("%s:\n got  %s\n want %s", rel, error_last(), cases[i].msg);
		free(rel);
		buf_release(&b);
	}
	assert_true(i >= 15);
}

/* ---- editing ---- */

static const char *small_schema =
	"{ 'pragma': { 'doc-required': true } }\n"
	"\n"
	"{ 'pragma': {\n"
	"    'command-returns-exceptions': [\n"
	"        'guest-b',\n"
	"        'guest-d' ] } }\n"
	"\n"
	"##\n# @guest-b:\n#\n# B.\n#\n# Returns: b\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-b',\n  'returns': 'int' }\n"
	"\n"
	"##\n# @guest-d:\n#\n# D.\n#\n# Returns: d\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-d',\n  'returns': 'int' }\n";

static const char *frag_c =
	"# a comment before the definition is not copied\n"
	"##\n# @guest-c:\n#\n# C.\n#\n# @n: a number\n#\n# Returns: c\n#\n# Since: 7.2\n##\n"
	"{ 'command': 'guest-c',\n  'data': { 'n': 'int' },\n  'returns': 'int' }\n";

static void test_schemaedit__insert_end_and_pragma(void **state)
{
	struct qapi_schema *s = parse_text("schema.json", small_schema, &v72);
	struct qapi_schema *f = parse_text("c.qapi", frag_c, &v72);
	struct qapi_schema *n;
	struct qapi_insert_opts opts = { NULL, NULL };
	struct buf out = BUF_INIT;
	const char *want =
		"{ 'pragma': { 'doc-required': true } }\n"
		"\n"
		"{ 'pragma': {\n"
		"    'command-returns-exceptions': [\n"
		"        'guest-b',\n"
		"        'guest-c',\n"
		"        'guest-d' ] } }\n"
		"\n"
		"##\n# @guest-b:\n#\n# B.\n#\n# Returns: b\n#\n# Since: 1.0\n##\n"
		"{ 'command': 'guest-b',\n  'returns': 'int' }\n"
		"\n"
		"##\n# @guest-d:\n#\n# D.\n#\n# Returns: d\n#\n# Since: 1.0\n##\n"
		"{ 'command': 'guest-d',\n  'returns': 'int' }\n"
		"\n"
		"##\n# @guest-c:\n#\n# C.\n#\n# @n: a number\n#\n# Returns: c\n#\n# Since: 7.2\n##\n"
		"{ 'command': 'guest-c',\n  'data': { 'n': 'int' },\n  'returns': 'int' }\n";

	(void)state;
	assert_int_equal(qapi_insert_fragment(&out, s, f, &v72, &opts), 0);
	assert_string_equal(out.ptr, want);
	assert_int_equal(qapi_schema_parse(&n, "schema.json", out.ptr, out.len, &v72), 0);
	assert_int_equal(qapi_schema_check(n, &v72), 0);
	qapi_schema_free(n);

	/* --after, and the 'if' of the version's placement */
	buf_reset(&out);
	opts.after = "guest-b";
	opts.schema_if = "CONFIG_POSIX";
	assert_int_equal(qapi_insert_fragment(&out, s, f, &v72, &opts), 0);
	assert_non_null(strstr(out.ptr,
			       "{ 'command': 'guest-b',\n  'returns': 'int' }\n"
			       "\n"
			       "##\n# @guest-c:\n"));
	assert_non_null(strstr(out.ptr,
			       "  'returns': 'int',\n  'if': 'CONFIG_POSIX' }\n\n##\n# @guest-d:"));
	assert_int_equal(qapi_schema_parse(&n, "schema.json", out.ptr, out.len, &v72), 0);
	assert_int_equal(qapi_schema_check(n, &v72), 0);
	qapi_schema_free(n);

	/* Unknown --after, and a name that exists */
	buf_reset(&out);
	opts.after = "guest-z";
	assert_int_equal(qapi_insert_fragment(&out, s, f, &v72, &opts), ERR_NOTFOUND);
	assert_string_equal(error_last(), "schema.json: no definition 'guest-z' to insert after");
	qapi_schema_free(f);
	f = parse_text("d.qapi", "##\n# @guest-d:\n#\n# again\n##\n{ 'command': 'guest-d' }\n", &v72);
	opts.after = NULL;
	assert_int_equal(qapi_insert_fragment(&out, s, f, &v72, &opts), ERR_EXISTS);
	assert_string_equal(error_last(), "d.qapi:6:1: 'guest-d' is already defined in schema.json:29:1 (command 'guest-d' of the tree)");
	qapi_schema_free(f);
	qapi_schema_free(s);
	buf_release(&out);
}

static void test_schemaedit__insert_pragma_created(void **state)
{
	struct qapi_schema *s, *f;
	struct qapi_insert_opts opts = { NULL, NULL };
	struct buf out = BUF_INIT;

	(void)state;
	/* No returns list yet: a key is added to the last pragma. */
	s = parse_text("s.json", "{ 'pragma': { 'doc-required': true } }\n\n{ 'command': 'guest-a' }\n", &v72);
	f = parse_text("f.qapi", "{ 'command': 'guest-n', 'returns': ['str'] }\n", &v72);
	assert_int_equal(qapi_insert_fragment(&out, s, f, &v72, &opts), 0);
	assert_string_equal(out.ptr,
			    "{ 'pragma': { 'doc-required': true, 'command-returns-exceptions': [ 'guest-n' ] } }\n"
			    "\n{ 'command': 'guest-a' }\n\n{ 'command': 'guest-n', 'returns': ['str'] }\n");
	qapi_schema_free(s);
	/* No pragma at all (2.12 name), CRLF line endings kept. */
	buf_reset(&out);
	s = parse_text("s.json", "{ 'command': 'guest-a' }\r\n", &v212);
	assert_int_equal(qapi_insert_fragment(&out, s, f, &v212, &opts), 0);
	assert_string_equal(out.ptr,
			    "{ 'pragma': { 'returns-whitelist': [ 'guest-n' ] } }\r\n\r\n"
			    "{ 'command': 'guest-a' }\r\n\r\n{ 'command': 'guest-n', 'returns': ['str'] }\r\n");
	qapi_schema_free(s);
	qapi_schema_free(f);
	/* A fragment may not carry pragmas. */
	buf_reset(&out);
	s = parse_text("s.json", "{ 'command': 'guest-a' }\n", &v72);
	f = parse_text("f.qapi", "{ 'pragma': { 'doc-required': false } }\n", &v72);
	assert_int_equal(qapi_insert_fragment(&out, s, f, &v72, &opts), ERR_INPUT);
	assert_string_equal(error_last(),
			    "f.qapi:1:1: a fragment may not contain 'pragma' (qga-forge keeps the schema's pragma lists itself)");
	qapi_schema_free(s);
	qapi_schema_free(f);
	buf_release(&out);
}

/* Both examples into the real 7.2 schema; the tree's generator agrees on the prototypes. */
static void test_schemaedit__examples_into_72_crosscheck(void **state)
{
	static const char *const examples[] = { "watchdog/watchdog", "statvfs/statvfs" };
	struct buf text = BUF_INIT, cur = BUF_INIT;
	struct qapi_schema *s = schema72(&text);
	struct qapi_placement pl;
	size_t e;

	(void)state;
	if (!s)
		skip();
	qapi_placement_for(&pl, &v72);
	assert_string_equal(pl.handler_file, "qga/commands-posix.c");
	assert_string_equal(pl.schema_if, "CONFIG_POSIX");
	assert_null(pl.win32_file);
	buf_put(&cur, text.ptr, text.len);
	for (e = 0; e < 2; e++) {
		struct buf ft = BUF_INIT, hb = BUF_INIT, out = BUF_INIT;
		char *fp = xasprintf("%s/examples/%s.qapi", src_root(), examples[e]);
		char *hp = xasprintf("%s/examples/%s.c", src_root(), examples[e]);
		struct qapi_schema *f, *n;
		struct qapi_insert_opts opts = { NULL, pl.schema_if };
		struct qapi_proto proto;
		struct qapi_cfile *h;
		const char *skip_reason = NULL;
		size_t i;

		assert_int_equal(fs_read_file(&ft, fp), 0);
		assert_int_equal(qapi_schema_parse(&f, fp, ft.ptr, ft.len, &v72), 0);
		assert_int_equal(qapi_schema_parse(&n, "qga/qapi-schema.json", cur.ptr, cur.len, &v72), 0);
		if (qapi_insert_fragment(&out, n, f, &v72, &opts))
			fail_msg("%s", error_last());
		qapi_schema_free(n);
		assert_int_equal(qapi_schema_parse(&n, "qga/qapi-schema.json", out.ptr, out.len, &v72), 0);
		if (qapi_schema_check(n, &v72))
			fail_msg("%s", error_last());
		for (i = 0; i < qapi_schema_ndefs(f); i++)
			if (qapi_schema_def(f, i)->meta == QAPI_COMMAND)
				break;
		assert_int_equal(qapi_proto_derive(&proto, n, qapi_schema_def(f, i)->name, &v72), 0);
		if (qapi_gen_crosscheck(&skip_reason, tree72(), out.ptr, out.len, &proto, 1))
			fail_msg("%s", error_last());
		assert_null(skip_reason);
		assert_int_equal(fs_read_file(&hb, hp), 0);
		assert_int_equal(qapi_cfile_parse(&h, hp, hb.ptr, hb.len), 0);
		if (qapi_handlers_check(h, &proto, 1))
			fail_msg("%s", error_last());
		qapi_cfile_free(h);
		qapi_proto_release(&proto);
		buf_swap(&cur, &out);
		qapi_schema_free(n);
		qapi_schema_free(f);
		buf_release(&out);
		buf_release(&ft);
		buf_release(&hb);
		free(fp);
		free(hp);
	}
	qapi_schema_free(s);
	buf_release(&text);
	buf_release(&cur);
}

/* A wrong prototype is reported as a qga-forge bug by the cross-check. */
static void test_schemaedit__crosscheck_detects_mismatch(void **state)
{
	struct buf text = BUF_INIT;
	struct qapi_schema *s = schema72(&text);
	struct qapi_proto p;
	const char *skip_reason;

	(void)state;
	if (!s)
		skip();
	assert_int_equal(qapi_proto_derive(&p, s, "guest-file-open", &v72), 0);
	free(p.params[1].name);
	p.params[1].name = xstrdup("has_wrong");
	assert_int_equal(qapi_gen_crosscheck(&skip_reason, tree72(), text.ptr, text.len, &p, 1), ERR_BUG);
	assert_non_null(strstr(error_last(), "prototype of command 'guest-file-open' differs from the generator's"));
	assert_non_null(strstr(error_last(), "has_wrong"));
	/* A schema the generator rejects is reported with its message. */
	assert_int_equal(qapi_gen_crosscheck(&skip_reason, tree72(), "{ 'command': 'guest-x' }\n{ 'command': 'guest-x' }\n",
					     50, &p, 0), ERR_INPUT);
	assert_non_null(strstr(error_last(), "the tree's QAPI generator rejected the schema"));
	assert_non_null(strstr(error_last(), "qga/qapi-schema.json"));
	/* Without a generator the check is skipped, with the reason. */
	assert_int_equal(qapi_gen_crosscheck(&skip_reason, *state, text.ptr, text.len, &p, 1), 1);
	assert_string_equal(skip_reason, "the tree has no scripts/qapi-gen.py");
	qapi_proto_release(&p);
	qapi_schema_free(s);
	buf_release(&text);
}

/* ---- fragments from the command line ---- */

static void test_schemaedit__fragment_from_spec(void **state)
{
	struct qapi_schema *s = parse_data("schema-2.12.json", &v212);
	struct buf tmpl = BUF_INIT, out = BUF_INIT, merged = BUF_INIT;
	char a1[] = "*path:str", a2[] = "limits:['int']:upper bounds, one per level", r[] = "GuestHostName";
	struct qapi_arg_spec args[2];
	struct qapi_command_spec spec = { 0 };
	struct qapi_schema *f, *n;
	struct qapi_insert_opts opts = { NULL, NULL };
	char *tp = xasprintf("%s/templates/doc-comment.qapi.in", src_root());
	const char *want =
		"##\n"
		"# @guest-frob:\n"
		"#\n"
		"# Frob the guest's widgets.\n"
		"#\n"
		"# @path: argument (optional) of type 'str'\n"
		"#\n"
		"# @limits: upper bounds, one per level\n"
		"#\n"
		"# Returns: a value of type 'GuestHostName'\n"
		"#\n"
		"# Since: 2.12\n"
		"##\n"
		"{ 'command': 'guest-frob',\n"
		"  'data': { '*path': 'str', 'limits': ['int'] },\n"
		"  'returns': 'GuestHostName' }\n";

	(void)state;
	assert_int_equal(fs_read_file(&tmpl, tp), 0);
	assert_int_equal(qapi_parse_arg_spec(&args[0], a1), 0);
	assert_true(args[0].optional);
	assert_string_equal(args[0].name, "path");
	assert_int_equal(qapi_parse_arg_spec(&args[1], a2), 0);
	assert_true(args[1].list);
	assert_string_equal(args[1].type, "int");
	spec.name = "guest-frob";
	spec.n_args = 2;
	spec.args = args;
	assert_int_equal(qapi_parse_type_spec(&spec.returns, &spec.returns_list, r), 0);
	spec.doc = "Frob the guest's widgets.";
	assert_int_equal(qapi_fragment_from_spec(&out, s, &spec, &v212, tmpl.ptr), 0);
	assert_string_equal(out.ptr, want);
	assert_int_equal(qapi_schema_parse(&f, "frob.qapi", out.ptr, out.len, &v212), 0);
	assert_int_equal(qapi_insert_fragment(&merged, s, f, &v212, &opts), 0);
	assert_int_equal(qapi_schema_parse(&n, "qga/qapi-schema.json", merged.ptr, merged.len, &v212), 0);
	if (qapi_schema_check(n, &v212))
		fail_msg("%s", error_last());
	assert_proto(n, "guest-frob", &v212,
		     "GuestHostName *qmp_guest_frob(bool has_path, const char *path, intList *limits, Error **errp);");
	qapi_schema_free(n);
	qapi_schema_free(f);

	/* Bad specs */
	buf_reset(&out);
	spec.name = "Guest_Frob";
	assert_int_equal(qapi_fragment_from_spec(&out, s, &spec, &v212, tmpl.ptr), ERR_USAGE);
	assert_string_equal(error_last(),
			    "'Guest_Frob' is not a valid command name (lower case letters, digits and '-', starting with a letter)");
	spec.name = "guest-frob";
	spec.doc = "line one\n@limits: looks like markup";
	assert_int_equal(qapi_fragment_from_spec(&out, s, &spec, &v212, tmpl.ptr), ERR_USAGE);
	assert_string_equal(error_last(), "--doc: a line may not start with '@' (QAPI doc markup)");
	spec.doc = "Returns: nothing";
	assert_int_equal(qapi_fragment_from_spec(&out, s, &spec, &v212, tmpl.ptr), ERR_USAGE);
	assert_string_equal(error_last(), "--doc: a line may not start with 'Returns:' (a doc section tag)");
	spec.doc = NULL;
	spec.returns = "GuestNothing";
	assert_int_equal(qapi_fragment_from_spec(&out, s, &spec, &v212, tmpl.ptr), ERR_USAGE);
	assert_non_null(strstr(error_last(), "--returns: unknown type 'GuestNothing'"));
	spec.returns = NULL;
	spec.since = "soon";
	assert_int_equal(qapi_fragment_from_spec(&out, s, &spec, &v212, tmpl.ptr), ERR_USAGE);
	assert_string_equal(error_last(), "--since 'soon': expected a version like 7.2");
	{
		char bad1[] = "timeout", bad2[] = "Has-x:int", bad3[] = "x:in t", bad4[] = "has-x:int";
		struct qapi_arg_spec a;

		assert_int_equal(qapi_parse_arg_spec(&a, bad1), ERR_USAGE);
		assert_string_equal(error_last(), "--arg 'timeout': expected NAME:TYPE");
		assert_int_equal(qapi_parse_arg_spec(&a, bad2), ERR_USAGE);
		assert_int_equal(qapi_parse_arg_spec(&a, bad3), ERR_USAGE);
		assert_string_equal(error_last(), "'in t' is not a type name (use NAME or ['NAME'])");
		assert_int_equal(qapi_parse_arg_spec(&a, bad4), ERR_USAGE);
	}
	qapi_schema_free(s);
	buf_release(&tmpl);
	buf_release(&out);
	buf_release(&merged);
	free(tp);
}

/* ---- C handler files ---- */

static const char *target_c =
	"/* commands */\n"
	"#include \"qemu/osdep.h\"\n"
	"#include <sys/ioctl.h>\n"
	"#include \"qapi/error.h\"\n"
	"\n"
	"#ifdef __linux__\n"
	"#include <sys/statvfs.h>\n"
	"#endif\n"
	"\n"
	"static int helper(void)\n"
	"{\n"
	"    return 1; /* } in a comment */\n"
	"}\n"
	"\n"
	"int64_t qmp_guest_sync(int64_t id, Error **errp)\n"
	"{\n"
	"    const char *s = \"{\";\n"
	"    return id + helper() + (s[0] == '}');\n"
	"}\n";

static void test_schemaedit__cfile_handlers(void **state)
{
	struct qapi_schema *s = parse_data("schema-2.12.json", &v212);
	struct qapi_cfile *t, *h;
	struct qapi_proto p;
	struct buf out = BUF_INIT;
	const char *handler =
		"/* license */\n"
		"#include \"qemu/osdep.h\"\n"
		"#include <sys/statvfs.h>\n"
		"#include \"qapi/error.h\"\n"
		"#include <sys/statvfs.h>\n"
		"\n"
		"static int64_t twice(int64_t x)\n"
		"{\n"
		"    return 2 * x;\n"
		"}\n"
		"\n"
		"/* the handler */\n"
		"int64_t\n"
		"qmp_guest_file_open(const char *p, bool has_m, const char *m, Error **err)\n"
		"{\n"
		"    return twice(has_m && p && m && err);\n"
		"}\n";

	(void)state;
	assert_int_equal(qapi_cfile_parse(&t, "commands-posix.c", target_c, strlen(target_c)), 0);
	assert_int_equal(t->n_funcs, 2);
	assert_true(t->funcs[0].is_static);
	assert_string_equal(t->funcs[1].name, "qmp_guest_sync");
	assert_true(t->ends_at_top_level);
	assert_int_equal(t->n_includes, 4);
	assert_true(t->includes[3].conditional);
	assert_int_equal(qapi_cfile_parse(&h, "h.c", handler, strlen(handler)), 0);
	assert_int_equal(qapi_proto_derive(&p, s, "guest-file-open", &v212), 0);
	if (qapi_handlers_check(h, &p, 1))
		fail_msg("%s", error_last());
	assert_int_equal(qapi_cfile_add_handlers(&out, t, h, "guest-file-open (h.c)"), 0);
	assert_string_equal(out.ptr,
			    "/* commands */\n"
			    "#include \"qemu/osdep.h\"\n"
			    "#include <sys/ioctl.h>\n"
			    "#include \"qapi/error.h\"\n"
			    "#include <sys/statvfs.h>\n"
			    "\n"
			    "#ifdef __linux__\n"
			    "#include <sys/statvfs.h>\n"
			    "#endif\n"
			    "\n"
			    "static int helper(void)\n"
			    "{\n"
			    "    return 1; /* } in a comment */\n"
			    "}\n"
			    "\n"
			    "int64_t qmp_guest_sync(int64_t id, Error **errp)\n"
			    "{\n"
			    "    const char *s = \"{\";\n"
			    "    return id + helper() + (s[0] == '}');\n"
			    "}\n"
			    "\n"
			    "/* guest-file-open (h.c) */\n"
			    "static int64_t twice(int64_t x)\n"
			    "{\n"
			    "    return 2 * x;\n"
			    "}\n"
			    "\n"
			    "/* the handler */\n"
			    "int64_t\n"
			    "qmp_guest_file_open(const char *p, bool has_m, const char *m, Error **err)\n"
			    "{\n"
			    "    return twice(has_m && p && m && err);\n"
			    "}\n");
	qapi_cfile_free(h);
	qapi_proto_release(&p);

	/* A definition that does not match says where and what was expected. */
	{
		const char *bad = "\n#include \"qemu/osdep.h\"\n\nint64_t qmp_guest_file_open(const char *path, const char *mode, Error **errp)\n{\n    return 0;\n}\n";

		assert_int_equal(qapi_cfile_parse(&h, "bad.c", bad, strlen(bad)), 0);
		assert_int_equal(qapi_proto_derive(&p, s, "guest-file-open", &v212), 0);
		assert_int_equal(qapi_handlers_check(h, &p, 1), ERR_INPUT);
		assert_string_equal(error_last(),
				    "bad.c:4:1: 'qmp_guest_file_open' does not match the prototype of command 'guest-file-open'; expected: int64_t qmp_guest_file_open(const char *path, bool has_mode, const char *mode, Error **errp);");
		qapi_cfile_free(h);
		qapi_proto_release(&p);
	}
	/* A missing handler, a non-static helper, a name the target has. */
	{
		const char *bad = "int helper(void)\n{\n    return 0;\n}\n";

		assert_int_equal(qapi_cfile_parse(&h, "bad.c", bad, strlen(bad)), 0);
		assert_int_equal(qapi_proto_derive(&p, s, "guest-ping", &v212), 0);
		assert_int_equal(qapi_handlers_check(h, &p, 1), ERR_INPUT);
		assert_string_equal(error_last(),
				    "bad.c: no definition of 'qmp_guest_ping' (command 'guest-ping'); expected: void qmp_guest_ping(Error **errp);");
		assert_int_equal(qapi_handlers_check(h, &p, 0), ERR_INPUT);
		assert_string_equal(error_last(),
				    "bad.c:1:1: helper function 'helper' must be static (only the qmp_ handlers are shared)");
		buf_reset(&out);
		assert_int_equal(qapi_cfile_add_handlers(&out, t, h, "x"), ERR_EXISTS);
		assert_string_equal(error_last(), "bad.c:1:1: 'helper' is already defined in commands-posix.c");
		qapi_cfile_free(h);
		qapi_proto_release(&p);
	}
	qapi_cfile_free(t);
	qapi_schema_free(s);
	buf_release(&out);
}

/* The stub compiles without warnings (against minimal stand-ins of QEMU's headers). */
static void test_schemaedit__stub_compiles(void **state)
{
	const char *dir = *state;
	struct qapi_schema *s = parse_data("schema-8.1.json", &v81);
	struct buf tmpl = BUF_INIT, stub = BUF_INIT, hdr = BUF_INIT;
	char *tp = xasprintf("%s/templates/handler-stub.c.in", src_root());
	static const char *const cmds[] = { "guest-do-everything", "guest-get-count", "guest-get-mode",
					    "guest-list-options", "guest-flat" };
	size_t i;

	assert_int_equal(fs_read_file(&tmpl, tp), 0);
	buf_puts(&hdr,
		 "#include <stdbool.h>\n#include <stdint.h>\n#include <stddef.h>\n"
		 "typedef struct Error Error;\ntypedef struct QObject QObject;\ntypedef struct QNull QNull;\n"
		 "typedef struct strList strList;\ntypedef struct GuestOptions GuestOptions;\n"
		 "typedef struct GuestOptionsList GuestOptionsList;\ntypedef struct GuestAnything GuestAnything;\n"
		 "typedef enum GuestMode { GUEST_MODE_FAST } GuestMode;\n"
		 "void error_setg(Error **errp, const char *fmt, ...);\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *p = proto_of(s, cmds[i], &v81);

		buf_printf(&hdr, "%s\n", p);
		free(p);
	}
	{
		char *d = xasprintf("%s/qemu", dir), *q = xasprintf("%s/qapi", dir);
		char *f1 = xasprintf("%s/qemu/osdep.h", dir), *f2 = xasprintf("%s/qapi/error.h", dir);
		char *f3 = xasprintf("%s/qga-qapi-commands.h", dir);

		fs_mkdirs(d, 0755);
		fs_mkdirs(q, 0755);
		assert_int_equal(fs_write_atomic(f1, "", 0, 0644), 0);
		assert_int_equal(fs_write_atomic(f2, "", 0, 0644), 0);
		assert_int_equal(fs_write_atomic(f3, hdr.ptr, hdr.len, 0644), 0);
		free(d);
		free(q);
		free(f1);
		free(f2);
		free(f3);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct qapi_proto p;
		struct qapi_cfile *h;
		char *cpath = xasprintf("%s/stub%zu.c", dir, i), *opath = xasprintf("%s/stub%zu.o", dir, i);
		char *inc = xasprintf("-I%s", dir);
		const char *argv[] = { "gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
				       "-Wmissing-prototypes", "-c", inc, "-o", opath, cpath, NULL };
		struct run_opts opts = { 0 };
		struct run_result res = RUN_RESULT_INIT;

		buf_reset(&stub);
		assert_int_equal(qapi_proto_derive(&p, s, cmds[i], &v81), 0);
		assert_int_equal(qapi_stub_generate(&stub, tmpl.ptr, &p), 0);
		assert_non_null(strstr(stub.ptr, "error_setg(errp, \"command '"));
		assert_non_null(strstr(stub.ptr, "' is not implemented\");"));
		/* The stub is a handler file like any other. */
		assert_int_equal(qapi_cfile_parse(&h, "stub.c", stub.ptr, stub.len), 0);
		if (qapi_handlers_check(h, &p, 1))
			fail_msg("%s", error_last());
		qapi_cfile_free(h);
		assert_int_equal(fs_write_atomic(cpath, stub.ptr, stub.len, 0644), 0);
		opts.argv = argv;
		opts.capture = true;
		if (!run_have_program("gcc"))
			skip();
		assert_int_equal(run_command(&res, &opts), 0);
		if (res.status != 0)
			fail_msg("stub for %s does not compile cleanly:\n%s\n%s", cmds[i], stub.ptr, res.err.ptr);
		run_result_release(&res);
		qapi_proto_release(&p);
		free(cpath);
		free(opath);
		free(inc);
	}
	qapi_schema_free(s);
	buf_release(&tmpl);
	buf_release(&stub);
	buf_release(&hdr);
	free(tp);
}

static void test_schemaedit__win32_stub_and_blocklist(void **state)
{
	struct qapi_schema *s = parse_data("schema-2.12.json", &v212);
	struct qapi_placement pl;
	struct qapi_cfile *w;
	struct qapi_proto p;
	struct buf out = BUF_INIT;
	const char *win32 =
		"#include \"qemu/osdep.h\"\n"
		"\n"
		"/* add unsupported commands to the blacklist */\n"
		"GList *ga_command_blacklist_init(GList *blacklist)\n"
		"{\n"
		"    const char *list_unsupported[] = {\n"
		"        \"guest-suspend-hybrid\",\n"
		"        NULL};\n"
		"    char **p = (char **)list_unsupported;\n"
		"\n"
		"    while (*p) {\n"
		"        blacklist = g_list_append(blacklist, g_strdup(*p++));\n"
		"    }\n"
		"\n"
		"    return blacklist;\n"
		"}\n";

	(void)state;
	qapi_placement_for(&pl, &v212);
	assert_string_equal(pl.win32_file, "qga/commands-win32.c");
	assert_string_equal(pl.blocklist_func, "ga_command_blacklist_init");
	assert_null(pl.schema_if);
	qapi_placement_for(&pl, &v91);
	assert_string_equal(pl.handler_file, "qga/commands-linux.c");
	assert_string_equal(pl.schema_if, "CONFIG_LINUX");
	assert_int_equal(qapi_cfile_parse(&w, "commands-win32.c", win32, strlen(win32)), 0);
	assert_int_equal(qapi_proto_derive(&p, s, "guest-file-read", &v212), 0);
	assert_int_equal(qapi_win32_add_stub(&out, w, &p, "ga_command_blacklist_init"), 0);
	assert_non_null(strstr(out.ptr,
			       "    }\n\n    blacklist = g_list_append(blacklist, g_strdup(\"guest-file-read\"));\n"
			       "    return blacklist;\n}\n"));
	assert_non_null(strstr(out.ptr,
			       "\nGuestFileRead *qmp_guest_file_read(int64_t handle, bool has_count, int64_t count, Error **errp)\n"
			       "{\n    error_setg(errp, QERR_UNSUPPORTED);\n    return NULL;\n}\n"));
	buf_reset(&out);
	assert_int_equal(qapi_win32_add_stub(&out, w, &p, "ga_command_init_blockedrpcs"), ERR_NOTFOUND);
	assert_string_equal(error_last(),
			    "commands-win32.c: no function 'ga_command_init_blockedrpcs' to add 'guest-file-read' to");
	qapi_proto_release(&p);
	qapi_cfile_free(w);
	qapi_schema_free(s);
	buf_release(&out);
}

static void test_schemaedit__doc_example(void **state)
{
	struct qapi_schema *s = parse_data("../../../examples/watchdog/watchdog.qapi", &v72);
	const struct qapi_def *d = qapi_schema_find(s, "guest-set-watchdog-timeout");
	char *ex = NULL;

	(void)state;
	assert_non_null(d);
	assert_int_equal(qapi_doc_example(&ex, d->doc), 0);
	assert_string_equal(ex, "{ \"execute\": \"guest-set-watchdog-timeout\", \"arguments\": { \"timeout\": 60 } }");
	free(ex);
	qapi_schema_free(s);
	s = parse_data("schema-2.12.json", &v212);
	assert_int_equal(qapi_doc_example(&ex, qapi_schema_find(s, "guest-sync")->doc), 0);
	assert_null(ex);
	qapi_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemaedit__version_parse),
		cmocka_unit_test(test_schemaedit__schema_212),
		cmocka_unit_test(test_schemaedit__old_type_keyword),
		cmocka_unit_test(test_schemaedit__schema_8x_has_flags),
		cmocka_unit_test(test_schemaedit__c_name),
		cmocka_unit_test(test_schemaedit__bad_inputs),
		cmocka_unit_test(test_schemaedit__insert_end_and_pragma),
		cmocka_unit_test(test_schemaedit__insert_pragma_created),
		cmocka_unit_test(test_schemaedit__examples_into_72_crosscheck),
		cmocka_unit_test_setup_teardown(test_schemaedit__crosscheck_detects_mismatch, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_schemaedit__fragment_from_spec),
		cmocka_unit_test(test_schemaedit__cfile_handlers),
		cmocka_unit_test_setup_teardown(test_schemaedit__stub_compiles, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_schemaedit__win32_stub_and_blocklist),
		cmocka_unit_test(test_schemaedit__doc_example),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (tree72_dir && tree72_ours) {
		char *parent = fs_dirname(tree72_dir);

		fs_remove_tree(parent);
		free(parent);
	}
	free(tree72_dir);
	return rc;
}
