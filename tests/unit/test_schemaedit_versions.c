/*
 * The schema reader and checker by QEMU version, on the real trees of
 * four releases (Debian's QEMU 5.2, 7.2, 10.0 and 10.2 source packages,
 * unpacked once by tests/fixtures/qemu-source.sh --tree and cached):
 * each vendor schema is accepted by its own version's rules and printed
 * back byte for byte; every command's derived prototype equals the one
 * the tree's own generator declares; the examples and commands of every
 * argument kind go into each tree, in the form that version wants, and
 * the tree's generator agrees. The rules that changed between versions
 * (struct qapi_rules in src/schemaedit/version.c) are tested at their
 * cut-over. Real-tree tests are skipped when a tree cannot be had.
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

static const struct qapi_version v52 = { 5, 2, 0 };
static const struct qapi_version v80 = { 8, 0, 0 };
static const struct qapi_version v81 = { 8, 1, 0 };
static const struct qapi_version v82 = { 8, 2, 0 };
static const struct qapi_version v90 = { 9, 0, 0 };
static const struct qapi_version v91 = { 9, 1, 0 };
static const struct qapi_version v92 = { 9, 2, 0 };
static const struct qapi_version v100 = { 10, 0, 0 };

/* ---- helpers ---- */

static const char *src_root(void)
{
	const char *r = getenv("QGA_FORGE_SRC_ROOT");

	return r && *r ? r : ".";
}

struct tree {
	const char *release;     /* "5.2" */
	bool tried;
	char *dir;               /* NULL when unavailable */
	struct qapi_version v;
	char *gen_header;        /* the generator's qga-qapi-commands.h, once */
};

static struct tree trees[] = { { "5.2", false, NULL, { 0, 0, 0 }, NULL },
			       { "7.2", false, NULL, { 0, 0, 0 }, NULL },
			       { "10.0", false, NULL, { 0, 0, 0 }, NULL },
			       { "10.2", false, NULL, { 0, 0, 0 }, NULL } };
#define N_TREES (sizeof(trees) / sizeof(trees[0]))

/* The cached tree of a release (read only), or NULL. */
static struct tree *tree(size_t i)
{
	struct tree *t = &trees[i];
	struct run_result res = RUN_RESULT_INIT;
	struct run_opts opts = { 0 };
	char *script, *vpath;
	struct buf b = BUF_INIT;
	const char *argv[] = { NULL, "--release", t->release, "--tree", NULL };

	if (t->tried)
		return t->dir ? t : NULL;
	t->tried = true;
	script = xasprintf("%s/tests/fixtures/qemu-source.sh", src_root());
	argv[0] = script;
	opts.argv = argv;
	opts.capture = true;
	if (run_command(&res, &opts) == 0 && res.status == 0) {
		buf_rtrim(&res.out);
		t->dir = xstrdup(res.out.ptr);
	} else {
		fprintf(stderr, "qemu %s tree unavailable: %s\n", t->release, res.err.ptr);
	}
	run_result_release(&res);
	free(script);
	if (!t->dir)
		return NULL;
	vpath = fs_path_join(t->dir, "VERSION");
	if (fs_read_file(&b, vpath) || qapi_version_parse(&t->v, b.ptr))
		fail_msg("%s: %s", vpath, error_last());
	free(vpath);
	buf_release(&b);
	return t;
}

#define TREE_OR_SKIP(var, i) \
	struct tree *var = tree(i); \
	if (!var) \
		skip()

static void read_file(struct buf *b, const char *dir, const char *rel)
{
	char *p = fs_path_join(dir, rel);

	if (fs_read_file(b, p))
		fail_msg("cannot read %s: %s", p, error_last());
	free(p);
}

static struct qapi_schema *parse_ok(const char *name, const char *text, size_t len,
				    const struct qapi_version *v)
{
	struct qapi_schema *s = NULL;

	if (qapi_schema_parse(&s, name, text, len, v))
		fail_msg("parse %s: %s", name, error_last());
	return s;
}

static struct qapi_schema *tree_schema(const struct tree *t, struct buf *text)
{
	read_file(text, t->dir, "qga/qapi-schema.json");
	return parse_ok("qga/qapi-schema.json", text->ptr, text->len, &t->v);
}

/* Parse and check `text` with version v: 0, or the error message (caller frees). */
static char *check_text(const char *text, const struct qapi_version *v)
{
	struct qapi_schema *s = NULL;
	char *msg = NULL;

	if (qapi_schema_parse(&s, "x.json", text, strlen(text), v) || qapi_schema_check(s, v))
		msg = xstrdup(error_last());
	qapi_schema_free(s);
	return msg;
}

static void assert_accepts(const char *text, const struct qapi_version *v)
{
	char *msg = check_text(text, v);

	if (msg)
		fail_msg("QEMU %d.%d rejects it: %s", v->major, v->minor, msg);
}

static void assert_rejects(const char *text, const struct qapi_version *v, const char *want)
{
	char *msg = check_text(text, v);

	if (!msg)
		fail_msg("QEMU %d.%d accepts it; expected '%s'", v->major, v->minor, want);
	if (!strstr(msg, want))
		fail_msg("QEMU %d.%d: '%s' lacks '%s'", v->major, v->minor, msg, want);
	free(msg);
}

static char *tmpdir_make(void)
{
	const char *t = getenv("TMPDIR");
	char *dir = xasprintf("%s/qga-forge-test-versions.XXXXXX", t && *t ? t : "/tmp");

	if (!mkdtemp(dir))
		fail_msg("mkdtemp: %s", dir);
	return dir;
}

/* ---- the real trees ---- */

static void check_real_tree(size_t i)
{
	TREE_OR_SKIP(t, i);
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct qapi_schema *s = tree_schema(t, &text);

	assert_int_equal(qapi_schema_print(&out, s), 0);
	assert_int_equal(out.len, text.len);
	assert_memory_equal(out.ptr, text.ptr, text.len);
	if (qapi_schema_check(s, &t->v))
		fail_msg("the vendor's %s schema fails its own rules: %s", t->release, error_last());
	qapi_schema_free(s);
	buf_release(&text);
	buf_release(&out);
}

static void test_schemaedit_versions__real_52_accepted(void **state)
{
	(void)state;
	check_real_tree(0);
}

static void test_schemaedit_versions__real_72_accepted(void **state)
{
	(void)state;
	check_real_tree(1);
}

static void test_schemaedit_versions__real_100_accepted(void **state)
{
	(void)state;
	check_real_tree(2);
	/* What made 10.0 refused before: '@time:' continued by 4 spaces, and a
	 * union ('GuestDiskSmart') whose branch 'nvme' has no member doc. */
	{
		TREE_OR_SKIP(t, 2);
		struct buf text = BUF_INIT;

		read_file(&text, t->dir, "qga/qapi-schema.json");
		assert_non_null(strstr(text.ptr, "# @time: time of nanoseconds, relative to the Epoch of 1970-01-01 in\n#     UTC."));
		assert_non_null(strstr(text.ptr, "{ 'union': 'GuestDiskSmart'"));
		/* ... and the 7.2 rules (aligned continuation) would refuse it. */
		{
			struct qapi_schema *s = NULL;

			assert_true(qapi_schema_parse(&s, "qga/qapi-schema.json", text.ptr, text.len, &v80) < 0);
			assert_non_null(strstr(error_last(), "unexpected de-indent (expected at least 7 spaces)"));
		}
		buf_release(&text);
	}
}

/* The generator's header of tree i, made once. */
static const char *gen_header(struct tree *t)
{
	char *tmp, *schema, *out, *hp;
	struct buf b = BUF_INIT;

	if (t->gen_header)
		return t->gen_header;
	tmp = tmpdir_make();
	schema = fs_path_join(t->dir, "qga/qapi-schema.json");
	out = fs_path_join(tmp, "gen");
	if (qapi_gen_run(t->dir, schema, out))
		fail_msg("%s", error_last());
	hp = fs_path_join(out, "qga-qapi-commands.h");
	if (fs_read_file(&b, hp))
		fail_msg("%s", error_last());
	t->gen_header = buf_detach(&b, NULL);
	fs_remove_tree(tmp);
	free(tmp);
	free(schema);
	free(out);
	free(hp);
	return t->gen_header;
}

/* Handler declarations in a generated header (qmp_X, not qmp_marshal_X). */
static size_t count_decls(const char *hdr)
{
	size_t n = 0;
	const char *line = hdr;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *q = strstr(line, "qmp_");

		if (q && (!nl || q < nl) && strncmp(q, "qmp_marshal_", 12) &&
		    q > line && (q[-1] == ' ' || q[-1] == '*'))
			n++;
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

static void protos_match(size_t i, size_t min_commands)
{
	TREE_OR_SKIP(t, i);
	struct buf text = BUF_INIT;
	struct qapi_schema *s = tree_schema(t, &text);
	const char *hdr = gen_header(t);
	size_t k, n = 0;

	for (k = 0; k < qapi_schema_ndefs(s); k++) {
		const struct qapi_def *d = qapi_schema_def(s, k);
		struct qapi_proto p;
		char *str, *line;

		if (d->meta != QAPI_COMMAND)
			continue;
		if (qapi_proto_derive(&p, s, d->name, &t->v))
			fail_msg("%s: %s", d->name, error_last());
		str = qapi_proto_string(&p);
		line = xasprintf("\n%s\n", str);
		if (!strstr(hdr, line))
			fail_msg("%s %s: '%s' is not in the generated header", t->release, d->name, str);
		free(line);
		free(str);
		qapi_proto_release(&p);
		n++;
	}
	assert_int_equal(count_decls(hdr), n);
	assert_true(n >= min_commands);
	qapi_schema_free(s);
	buf_release(&text);
}

static void test_schemaedit_versions__real_102_accepted(void **state)
{
	(void)state;
	check_real_tree(3);
}

static void test_schemaedit_versions__protos_52_match_generator(void **state)
{
	(void)state;
	protos_match(0, 40);
}

static void test_schemaedit_versions__protos_72_match_generator(void **state)
{
	(void)state;
	protos_match(1, 40);
}

static void test_schemaedit_versions__protos_100_match_generator(void **state)
{
	(void)state;
	protos_match(2, 40);
}

static void test_schemaedit_versions__protos_102_match_generator(void **state)
{
	(void)state;
	protos_match(3, 40);
}

/* ---- cut-overs ---- */

#define CMD_DOC(body) "##\n# @guest-x:\n#\n# Do x.\n#\n" body "#\n# Since: 1.0\n##\n"
#define CMD_TIME "{ 'command': 'guest-x', 'data': { '*time': 'int' } }\n"

/* 5.2 until 8.0: continuation at the column of the text after "@name: ";
 * 8.1 on: the first continuation line's indentation. */
static void test_schemaedit_versions__doc_indent_cutover(void **state)
{
	static const char *const aligned = CMD_DOC("# @time: time of nanoseconds, relative to the\n#        Epoch.\n") CMD_TIME;
	static const char *const four = CMD_DOC("# @time: time of nanoseconds, relative to the\n#     Epoch.\n") CMD_TIME;
	static const char *const next_line = CMD_DOC("# @time:\n#   time of nanoseconds,\n#   relative to the Epoch.\n") CMD_TIME;
	static const char *const deindent = CMD_DOC("# @time: time\n#     of nanoseconds,\n#   relative.\n") CMD_TIME;
	const struct qapi_version *const all[] = { &v52, &v80, &v81, &v90, &v92, &v100 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_accepts(aligned, all[i]);
		assert_accepts(next_line, all[i]);
	}
	assert_rejects(four, &v52, "x.json:7:1: unexpected de-indent (expected at least 7 spaces)");
	assert_rejects(four, &v80, "unexpected de-indent (expected at least 7 spaces)");
	assert_accepts(four, &v81);
	assert_accepts(four, &v90);
	assert_accepts(four, &v100);
	/* The first continuation line sets the indentation for the next. */
	assert_rejects(deindent, &v81, "x.json:8:1: unexpected de-indent (expected at least 4 spaces)");
	assert_rejects(deindent, &v100, "x.json:8:1: unexpected de-indent (expected at least 4 spaces)");
}

/* 9.0: an unindented line after "@name: text" ends the member's section
 * (a paragraph), so a member description after it is misplaced; before,
 * it continued the description. */
static void test_schemaedit_versions__doc_dedent_ends_section(void **state)
{
	static const char *const text =
		"##\n# @guest-x:\n#\n# Do x.\n#\n# @a: first\n# continued unindented\n# @b: second\n#\n# Since: 1.0\n##\n"
		"{ 'command': 'guest-x', 'data': { 'a': 'int', 'b': 'int' } }\n";

	(void)state;
	assert_accepts(text, &v81);
	assert_accepts(text, &v82);
	assert_rejects(text, &v90, "x.json:8:1: '@b:' can't follow");
	/* ... and a tag right below the line that set the indentation is a de-indent. */
	{
		static const char *const tag_below =
			"##\n# @guest-x:\n#\n# Do x.\n#\n# @a: first\n#     continued\n# Since: 1.0\n##\n"
			"{ 'command': 'guest-x', 'data': { 'a': 'int' } }\n";
		static const char *const tag_later =
			"##\n# @guest-x:\n#\n# Do x.\n#\n# @a: first\n#     continued\n#     twice\n# Since: 1.0\n##\n"
			"{ 'command': 'guest-x', 'data': { 'a': 'int' } }\n";

		assert_accepts(tag_below, &v82);
		assert_rejects(tag_below, &v90, "x.json:8:1: unexpected de-indent (expected at least 4 spaces)");
		assert_accepts(tag_later, &v90);
	}
}

/* 'Returns:' without a return (9.0), 'Note:' and 'Example:' (9.1). */
static void test_schemaedit_versions__doc_sections_cutover(void **state)
{
	static const char *const returns = CMD_DOC("# Returns: nothing\n") "{ 'command': 'guest-x' }\n";
	static const char *const note = CMD_DOC("# Note: careful\n") "{ 'command': 'guest-x' }\n";
	static const char *const dnote = CMD_DOC("# .. note:: careful\n") "{ 'command': 'guest-x' }\n";
	static const char *const example =
		"##\n# @guest-x:\n#\n# Do x.\n#\n# Since: 1.0\n#\n# Example:\n#\n# -> { \"execute\": \"guest-x\" }\n# <- { \"return\": {} }\n##\n"
		"{ 'command': 'guest-x' }\n";
	static const char *const indented_example =
		"##\n# @guest-x:\n#\n# Do x.\n#\n# Since: 1.0\n#\n# Example:\n#\n#     -> { \"execute\": \"guest-x\" }\n#     <- { \"return\": {} }\n##\n"
		"{ 'command': 'guest-x' }\n";
	static const char *const qmp_example =
		"##\n# @guest-x:\n#\n# Do x.\n#\n# Since: 1.0\n#\n# .. qmp-example::\n#\n#     -> { \"execute\": \"guest-x\" }\n#     <- { \"return\": {} }\n##\n"
		"{ 'command': 'guest-x' }\n";
	const struct qapi_version *const all[] = { &v52, &v80, &v90, &v91, &v92, &v100 };
	size_t i;

	(void)state;
	assert_accepts(returns, &v82);
	assert_rejects(returns, &v90, "x.json:6:1: 'Returns:' section, but command 'guest-x' doesn't return anything");
	assert_accepts(note, &v90);
	assert_rejects(note, &v91, "x.json:6:1: 'Note:' is no longer supported; use '.. note::'");
	/* 9.0 ends a section at an unindented line: the example must be indented. */
	assert_accepts(example, &v82);
	assert_rejects(example, &v90, "x.json:8:1: text required after 'Example:'");
	assert_accepts(indented_example, &v90);
	assert_rejects(indented_example, &v91, "x.json:8:1: 'Example:' is no longer supported from QEMU 9.1; use '.. qmp-example::'");
	assert_rejects(indented_example, &v92, "'.. qmp-example::'");
	assert_rejects(indented_example, &v100, "'.. qmp-example::'");
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		assert_accepts(dnote, all[i]);
	/* Before 8.1 the text after "Since: 1.0" belongs to that section and
	 * keeps its column; qga-forge writes 'Example:' for these releases. */
	assert_rejects(qmp_example, &v52, "x.json:8:1: unexpected de-indent (expected at least 7 spaces)");
	assert_rejects(qmp_example, &v80, "x.json:8:1: unexpected de-indent (expected at least 7 spaces)");
	assert_accepts(qmp_example, &v81);
	assert_accepts(qmp_example, &v90);
	assert_accepts(qmp_example, &v92);
	assert_accepts(qmp_example, &v100);
}

/* 9.0: every member documented; union branches and a named base's
 * members are not the definition's members (in every version). */
static void test_schemaedit_versions__member_docs_cutover(void **state)
{
	static const char *const types =
		"##\n# @Base:\n#\n# @type: the kind\n#\n# Since: 1.0\n##\n"
		"{ 'struct': 'Base', 'data': { 'type': 'Kinds' } }\n"
		"##\n# @Kinds:\n#\n# @one: one\n#\n# @two: two\n#\n# Since: 1.0\n##\n"
		"{ 'enum': 'Kinds', 'data': [ 'one', 'two' ] }\n"
		"##\n# @One:\n#\n# @x: x\n#\n# Since: 1.0\n##\n"
		"{ 'struct': 'One', 'data': { 'x': 'int' } }\n";
	/* A union with an implicit base: its member is documented, its branches are not. */
	char *implicit = xasprintf("%s%s", types,
		"##\n# @Uni:\n#\n# @type: the kind\n#\n# Since: 1.0\n##\n"
		"{ 'union': 'Uni', 'base': { 'type': 'Kinds' }, 'discriminator': 'type',\n"
		"  'data': { 'one': 'One', 'two': 'One' } }\n");
	/* A named base: its members are documented with the base. */
	char *named = xasprintf("%s%s", types,
		"##\n# @Vee:\n#\n# Since: 1.0\n##\n"
		"{ 'union': 'Vee', 'base': 'Base', 'discriminator': 'type',\n"
		"  'data': { 'one': 'One' } }\n"
		"##\n# @Ess:\n#\n# @y: y\n#\n# Since: 1.0\n##\n"
		"{ 'struct': 'Ess', 'base': 'One', 'data': { 'y': 'int' } }\n");
	char *inherited = xasprintf("%s%s", types,
		"##\n# @Ess:\n#\n# @x: inherited\n#\n# @y: y\n#\n# Since: 1.0\n##\n"
		"{ 'struct': 'Ess', 'base': 'One', 'data': { 'y': 'int' } }\n");
	char *branch = xasprintf("%s%s", types,
		"##\n# @Uni:\n#\n# @type: the kind\n#\n# @one: a branch\n#\n# Since: 1.0\n##\n"
		"{ 'union': 'Uni', 'base': { 'type': 'Kinds' }, 'discriminator': 'type',\n"
		"  'data': { 'one': 'One' } }\n");
	static const char *const undocumented =
		"##\n# @guest-x:\n#\n# Do x.\n#\n# @a: a\n#\n# Since: 1.0\n##\n"
		"{ 'command': 'guest-x', 'data': { 'a': 'int', 'b': 'int' } }\n";

	(void)state;
	assert_accepts(implicit, &v90);
	assert_accepts(implicit, &v100);
	assert_accepts(named, &v100);
	assert_rejects(inherited, &v52, "documented member 'x' does not exist");
	assert_rejects(inherited, &v100, "documented member 'x' does not exist");
	assert_rejects(branch, &v100, "documented member 'one' does not exist");
	/* Features, the definition's and its members', are documented (5.2 on). */
	{
		static const char *const feat =
			"##\n# @guest-x:\n#\n# Do x.\n#\n# @a: a\n#\n# Features:\n# @deprecated: old\n#\n# Since: 1.0\n##\n"
			"{ 'command': 'guest-x', 'data': { 'a': { 'type': 'int', 'features': [ 'unstable' ] } },\n"
			"  'features': [ 'deprecated' ] }\n";
		char *both = xasprintf("%.*s# @unstable: new\n%s", (int)(strstr(feat, "#\n# Since") - feat), feat,
				       strstr(feat, "#\n# Since"));

		assert_rejects(feat, &v52, "x.json:1:1: feature 'unstable' of command 'guest-x' lacks documentation");
		assert_rejects(feat, &v100, "feature 'unstable' of command 'guest-x' lacks documentation");
		assert_accepts(both, &v52);
		assert_accepts(both, &v100);
		free(both);
	}
	assert_accepts(undocumented, &v82);
	assert_rejects(undocumented, &v90, "x.json:1:1: member 'b' of command 'guest-x' lacks documentation");
	free(implicit);
	free(named);
	free(inherited);
	free(branch);
}

/* 'Kind' names reserved until 6.2; before 6.0 names are free of case rules. */
static void test_schemaedit_versions__naming_cutover(void **state)
{
	static const char *const kind = "##\n# @GuestFooKind:\n#\n# @a: a\n#\n# Since: 1.0\n##\n"
		"{ 'enum': 'GuestFooKind', 'data': [ 'a' ] }\n";
	static const char *const cmd_list = "##\n# @guest-xList:\n#\n# Do x.\n#\n# Since: 1.0\n##\n"
		"{ 'command': 'guest-xList' }\n";
	static const char *const upper = "##\n# @guest-X:\n#\n# Do x.\n#\n# Since: 1.0\n##\n"
		"{ 'command': 'guest-X' }\n";
	const struct qapi_version v61 = { 6, 1, 0 }, v62 = { 6, 2, 0 };

	(void)state;
	assert_rejects(kind, &v52, "x.json:8:11: enum 'GuestFooKind' name should not end in 'Kind'");
	assert_rejects(kind, &v61, "name should not end in 'Kind'");
	assert_accepts(kind, &v62);
	assert_accepts(kind, &v100);
	assert_rejects(cmd_list, &v52, "x.json:8:14: command 'guest-xList' name should not end in 'List'");
	assert_accepts(upper, &v52);
	assert_rejects(upper, &v62, "name of command 'guest-X' must not use uppercase or '_'");
}

/* ---- names of the tree ---- */

/* 10.0 has its own guest-get-load and GuestLoadAverage: a new one is refused, naming it. */
static void test_schemaedit_versions__collision_names_the_tree(void **state)
{
	TREE_OR_SKIP(t, 2);
	static const char *const frag =
		"##\n# @GuestLoadAverage:\n#\n# @load1: the load\n#\n# Since: 10.0\n##\n"
		"{ 'struct': 'GuestLoadAverage', 'data': { 'load1': 'number' } }\n";
	static const char *const cmd =
		"##\n# @guest-get-load:\n#\n# Get the load.\n#\n# Since: 10.0\n##\n"
		"{ 'command': 'guest-get-load' }\n";
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct qapi_schema *s = tree_schema(t, &text), *f;
	const struct qapi_def *old;
	struct qapi_loc l;
	char *want;

	(void)state;
	old = qapi_schema_find(s, "GuestLoadAverage");
	assert_non_null(old);
	l = qapi_schema_loc(s, old->start);
	f = parse_ok("load.qapi", frag, strlen(frag), &t->v);
	assert_int_equal(qapi_insert_fragment(&out, s, f, &t->v, NULL), ERR_EXISTS);
	want = xasprintf("load.qapi:8:1: 'GuestLoadAverage' is already defined in qga/qapi-schema.json:%u:1 (struct 'GuestLoadAverage' of the tree)",
			 l.line);
	assert_string_equal(error_last(), want);
	free(want);
	qapi_schema_free(f);
	old = qapi_schema_find(s, "guest-get-load");
	assert_non_null(old);
	l = qapi_schema_loc(s, old->start);
	f = parse_ok("load.qapi", cmd, strlen(cmd), &t->v);
	assert_int_equal(qapi_insert_fragment(&out, s, f, &t->v, NULL), ERR_EXISTS);
	want = xasprintf("qga/qapi-schema.json:%u:1 (command 'guest-get-load' of the tree)", l.line);
	assert_non_null(strstr(error_last(), want));
	free(want);
	qapi_schema_free(f);
	qapi_schema_free(s);
	buf_release(&text);
	buf_release(&out);
}

/* ---- one command file for every tree ---- */

static char *adapt(const char *text, const struct qapi_version *v, struct buf *notes)
{
	struct buf out = BUF_INIT;

	assert_int_equal(qapi_fragment_adapt(&out, notes, "f.qapi", text, strlen(text), v), 0);
	return buf_detach(&out, NULL);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_schemaedit_versions__adapt_doc(void **state)
{
	static const char *const four = CMD_DOC("# @time: time of nanoseconds, relative to the\n#     Epoch,\n#       indented more.\n") CMD_TIME;
	static const char *const example =
		"##\n# @guest-x:\n#\n# Do x.\n#\n# Since: 1.0\n#\n# Example:\n#\n# -> { \"execute\": \"guest-x\",\n#      \"arguments\": {} }\n# <- { \"return\": {} }\n##\n"
		"{ 'command': 'guest-x' }\n";
	static const char *const note = CMD_DOC("# Note: careful with\n#       this.\n") "{ 'command': 'guest-x' }\n";
	struct buf notes = BUF_INIT;
	char *a;

	(void)state;
	/* before 8.1: aligned with the text after "@time: ", relative indentation kept */
	a = adapt(four, &v80, &notes);
	assert_non_null(strstr(a, "# @time: time of nanoseconds, relative to the\n#        Epoch,\n#          indented more.\n"));
	assert_string_equal(notes.ptr, "f.qapi:6: continuation lines of '@time:' aligned with its text, as this release wants (QEMU 8.0)\n");
	assert_int_equal(count_lines(a), count_lines(four));
	assert_accepts(a, &v52);
	free(a);
	buf_reset(&notes);
	/* 8.1 on: unchanged */
	a = adapt(four, &v81, &notes);
	assert_string_equal(a, four);
	assert_int_equal(notes.len, 0);
	free(a);
	/* 9.1 on: the example becomes a qmp-example directive */
	a = adapt(example, &v100, &notes);
	assert_non_null(strstr(a, "# .. qmp-example::\n#\n#     -> { \"execute\": \"guest-x\",\n#          \"arguments\": {} }\n#     <- { \"return\": {} }\n##\n"));
	assert_string_equal(notes.ptr, "f.qapi:8: 'Example:' written as '.. qmp-example::' with the example indented (QEMU 10.0)\n");
	assert_int_equal(count_lines(a), count_lines(example));
	assert_accepts(a, &v100);
	{
		struct qapi_schema *s = parse_ok("f.qapi", a, strlen(a), &v100);
		char *ex = NULL;

		assert_int_equal(qapi_doc_example(&ex, qapi_schema_find(s, "guest-x")->doc), 0);
		assert_string_equal(ex, "{ \"execute\": \"guest-x\", \"arguments\": {} }");
		free(ex);
		qapi_schema_free(s);
	}
	free(a);
	buf_reset(&notes);
	/* 9.0: 'Example:' stays, its lines are indented; 9.1: the directive */
	a = adapt(example, &v90, &notes);
	assert_non_null(strstr(a, "# Example:\n#\n#     -> { \"execute\": \"guest-x\",\n"));
	assert_string_equal(notes.ptr, "f.qapi:8: the example of 'Example:' indented, as this release wants (QEMU 9.0)\n");
	assert_accepts(a, &v90);
	free(a);
	buf_reset(&notes);
	a = adapt(example, &v91, &notes);
	assert_non_null(strstr(a, "# .. qmp-example::\n#\n#     -> { \"execute\": \"guest-x\",\n"));
	assert_accepts(a, &v91);
	free(a);
	buf_reset(&notes);
	/* before 9.0: unchanged; and a qmp-example directive becomes 'Example:' */
	a = adapt(example, &v82, &notes);
	assert_string_equal(a, example);
	free(a);
	{
		char *b = adapt(example, &v100, NULL);

		a = adapt(b, &v52, &notes);
		assert_non_null(strstr(a, "# Since: 1.0\n#\n# Example:\n#\n#     -> {"));
		assert_string_equal(notes.ptr, "f.qapi:8: '.. qmp-example::' written as 'Example:' (QEMU 5.2)\n");
		assert_accepts(a, &v52);
		free(a);
		free(b);
	}
	buf_reset(&notes);
	/* The symbol line is no section: the body right below it stays. */
	{
		static const char *const tight = "##\n# @guest-x:\n# Do x.\n#\n# Since: 1.0\n##\n{ 'command': 'guest-x' }\n";

		a = adapt(tight, &v100, &notes);
		assert_string_equal(a, tight);
		assert_int_equal(notes.len, 0);
		free(a);
	}
	/* A tag alone, its text unindented below it: indented for 9.0 on. */
	{
		static const char *const below = CMD_DOC("# Returns:\n# the count\n") "{ 'command': 'guest-x', 'returns': 'GuestX' }\n";
		static const char *const notes_alone = CMD_DOC("# Notes:\n# - one\n# - two\n") "{ 'command': 'guest-x' }\n";

		a = adapt(below, &v90, &notes);
		assert_non_null(strstr(a, "# Returns:\n#     the count\n#\n"));
		assert_string_equal(notes.ptr, "f.qapi:6: the text of 'Returns:' indented below it, as this release wants (QEMU 9.0)\n");
		free(a);
		buf_reset(&notes);
		a = adapt(notes_alone, &v91, &notes);
		assert_non_null(strstr(a, "# .. note::\n#    - one\n#    - two\n#\n"));
		assert_accepts(a, &v91);
		free(a);
		buf_reset(&notes);
	}
	/* 9.1 on: Note: becomes a note directive */
	a = adapt(note, &v91, &notes);
	assert_non_null(strstr(a, "# .. note:: careful with\n#       this.\n"));
	assert_accepts(a, &v91);
	free(a);
	buf_release(&notes);
}

static void test_schemaedit_versions__adapt_includes(void **state)
{
	static const char *const old = "#include \"qemu/osdep.h\"\n#include \"qapi/qmp/qdict.h\"\n#include  \"qapi/qmp/qerror.h\"\r\nint x;\n";
	static const char *const neu = "#include \"qemu/osdep.h\"\n#include \"qobject/qdict.h\"\n#include  \"qapi/qmp/qerror.h\"\r\nint x;\n";
	struct buf out = BUF_INIT, notes = BUF_INIT;

	(void)state;
	assert_int_equal(qapi_handler_adapt(&out, &notes, "h.c", old, strlen(old), &v100), 0);
	assert_string_equal(out.ptr, neu);
	assert_string_equal(notes.ptr, "h.c:2: #include \"qapi/qmp/qdict.h\" written as \"qobject/qdict.h\" (QEMU 10.0)\n");
	buf_reset(&out);
	buf_reset(&notes);
	assert_int_equal(qapi_handler_adapt(&out, &notes, "h.c", neu, strlen(neu), &v92), 0);
	assert_string_equal(out.ptr, old);
	buf_reset(&out);
	assert_int_equal(qapi_handler_adapt(&out, NULL, "h.c", old, strlen(old), &v92), 0);
	assert_string_equal(out.ptr, old);
	buf_release(&out);
	buf_release(&notes);
}

/* Insert `frag` (adapted) into the tree's schema text `cur`; check, derive, cross-check. */
static void add_to_tree(struct tree *t, struct buf *cur, const char *name, const char *frag,
			const char *handler_path)
{
	struct qapi_placement pl;
	struct buf ft = BUF_INIT, out = BUF_INIT, notes = BUF_INIT;
	struct qapi_schema *f, *n;
	struct qapi_insert_opts opts = { 0 };
	struct qapi_proto protos[16];
	const char *skip_reason = NULL;
	size_t i, np = 0;

	qapi_placement_for(&pl, &t->v);
	opts.schema_if = pl.schema_if;
	assert_int_equal(qapi_fragment_adapt(&ft, &notes, name, frag, strlen(frag), &t->v), 0);
	f = parse_ok(name, ft.ptr, ft.len, &t->v);
	n = parse_ok("qga/qapi-schema.json", cur->ptr, cur->len, &t->v);
	if (qapi_insert_fragment(&out, n, f, &t->v, &opts))
		fail_msg("%s into %s: %s", name, t->release, error_last());
	qapi_schema_free(n);
	n = parse_ok("qga/qapi-schema.json", out.ptr, out.len, &t->v);
	if (qapi_schema_check(n, &t->v)) {
		qapi_remap_error("qga/qapi-schema.json", out.ptr, out.len, &opts, f);
		fail_msg("%s into %s: %s", name, t->release, error_last());
	}
	for (i = 0; i < qapi_schema_ndefs(f); i++) {
		const struct qapi_def *d = qapi_schema_def(f, i);

		if (d->meta != QAPI_COMMAND)
			continue;
		assert_true(np < 16);
		if (qapi_proto_derive(&protos[np], n, d->name, &t->v))
			fail_msg("%s", error_last());
		np++;
	}
	assert_true(np > 0);
	if (qapi_gen_crosscheck(&skip_reason, t->dir, out.ptr, out.len, protos, np))
		fail_msg("%s into %s: %s", name, t->release, error_last());
	assert_null(skip_reason);
	if (handler_path) {
		struct buf hb = BUF_INIT, ha = BUF_INIT;
		struct qapi_cfile *h;

		assert_int_equal(fs_read_file(&hb, handler_path), 0);
		assert_int_equal(qapi_handler_adapt(&ha, &notes, handler_path, hb.ptr, hb.len, &t->v), 0);
		assert_int_equal(qapi_cfile_parse(&h, handler_path, ha.ptr, ha.len), 0);
		if (qapi_handlers_check(h, protos, np))
			fail_msg("%s", error_last());
		qapi_cfile_free(h);
		buf_release(&hb);
		buf_release(&ha);
	}
	for (i = 0; i < np; i++)
		qapi_proto_release(&protos[i]);
	buf_swap(cur, &out);
	qapi_schema_free(n);
	qapi_schema_free(f);
	buf_release(&out);
	buf_release(&ft);
	buf_release(&notes);
}

static void examples_into(size_t i)
{
	static const char *const examples[] = { "watchdog/watchdog", "statvfs/statvfs" };
	TREE_OR_SKIP(t, i);
	struct buf cur = BUF_INIT;
	size_t e;

	read_file(&cur, t->dir, "qga/qapi-schema.json");
	for (e = 0; e < 2; e++) {
		struct buf ft = BUF_INIT;
		char *fp = xasprintf("%s/examples/%s.qapi", src_root(), examples[e]);
		char *hp = xasprintf("%s/examples/%s.c", src_root(), examples[e]);

		assert_int_equal(fs_read_file(&ft, fp), 0);
		add_to_tree(t, &cur, fp, ft.ptr, hp);
		buf_release(&ft);
		free(fp);
		free(hp);
	}
	buf_release(&cur);
}

static void test_schemaedit_versions__examples_into_52(void **state)
{
	(void)state;
	examples_into(0);
}

static void test_schemaedit_versions__examples_into_72(void **state)
{
	(void)state;
	examples_into(1);
}

static void test_schemaedit_versions__examples_into_100(void **state)
{
	(void)state;
	examples_into(2);
}

static void test_schemaedit_versions__examples_into_102(void **state)
{
	(void)state;
	examples_into(3);
}

/*
 * Commands of every argument kind, written once in the newer doc style
 * (continuations by 4 spaces, a "Note:" and an "Example:" section) and
 * adapted to each tree.
 */
static const char *const kinds_fragment =
	"##\n# @GuestFxMode:\n#\n# How to frob.\n#\n# @fast: quickly, with a description that goes on\n#     over two lines\n#\n# @slow: slowly\n#\n# Since: 1.0\n##\n"
	"{ 'enum': 'GuestFxMode', 'data': [ 'fast', 'slow' ] }\n\n"
	"##\n# @GuestFxInfo:\n#\n# What was frobbed.\n#\n# @count: how many\n#\n# @names: which ones\n#\n# @label: a label, if any\n#\n# Since: 1.0\n##\n"
	"{ 'struct': 'GuestFxInfo', 'data': { 'count': 'int', 'names': ['str'], '*label': 'str' } }\n\n"
	"##\n# @guest-fx-opt-str:\n#\n# Frob by name.\n#\n# @name: the name, or the default one when it is\n#     not given\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-fx-opt-str', 'data': { '*name': 'str' } }\n\n"
	"##\n# @guest-fx-opt-int:\n#\n# Frob a number of times.\n#\n# @count: how often\n#\n# Note: a count of 0 does\n#     nothing.\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-fx-opt-int', 'data': { '*count': 'int' } }\n\n"
	"##\n# @guest-fx-list:\n#\n# Frob several.\n#\n# @names: the names\n#\n# @sizes: their sizes\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-fx-list', 'data': { 'names': ['str'], '*sizes': ['int'] } }\n\n"
	"##\n# @guest-fx-enum:\n#\n# Frob in a mode.\n#\n# @mode: the mode\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-fx-enum', 'data': { 'mode': 'GuestFxMode', '*fallback': 'GuestFxMode' } }\n\n"
	"##\n# @guest-fx-struct:\n#\n# Report the frobbing.\n#\n# Returns: what was frobbed, with a description that\n#     goes on\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-fx-struct', 'returns': 'GuestFxInfo' }\n\n"
	"##\n# @guest-fx-int:\n#\n# Count the frobs.\n#\n# Returns: the count\n#\n# Since: 1.0\n#\n# Example:\n#\n# -> { \"execute\": \"guest-fx-int\" }\n# <- { \"return\": 3 }\n##\n"
	"{ 'command': 'guest-fx-int', 'returns': 'int' }\n\n"
	"##\n# @guest-fx-none:\n#\n# Frob.\n#\n# Since: 1.0\n##\n"
	"{ 'command': 'guest-fx-none' }\n";

static void kinds_into(size_t i)
{
	TREE_OR_SKIP(t, i);
	struct buf cur = BUF_INIT;
	char *frag = NULL;

	read_file(&cur, t->dir, "qga/qapi-schema.json");
	/* 9.0 wants every member documented: 'fallback' is not, so 9.0+ gets a doc line. */
	if (qapi_version_cmp(&t->v, 9, 0) >= 0) {
		const char *at = strstr(kinds_fragment, "# @mode: the mode\n");

		frag = xasprintf("%.*s# @mode: the mode\n#\n# @fallback: the mode to fall back to\n%s",
				 (int)(at - kinds_fragment), kinds_fragment, at + strlen("# @mode: the mode\n"));
	} else {
		frag = xstrdup(kinds_fragment);
	}
	add_to_tree(t, &cur, "kinds.qapi", frag, NULL);
	free(frag);
	buf_release(&cur);
}

static void test_schemaedit_versions__kinds_into_52(void **state)
{
	(void)state;
	kinds_into(0);
}

static void test_schemaedit_versions__kinds_into_72(void **state)
{
	(void)state;
	kinds_into(1);
}

static void test_schemaedit_versions__kinds_into_100(void **state)
{
	(void)state;
	kinds_into(2);
}

static void test_schemaedit_versions__kinds_into_102(void **state)
{
	(void)state;
	kinds_into(3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemaedit_versions__real_52_accepted),
		cmocka_unit_test(test_schemaedit_versions__real_72_accepted),
		cmocka_unit_test(test_schemaedit_versions__real_100_accepted),
		cmocka_unit_test(test_schemaedit_versions__real_102_accepted),
		cmocka_unit_test(test_schemaedit_versions__protos_52_match_generator),
		cmocka_unit_test(test_schemaedit_versions__protos_72_match_generator),
		cmocka_unit_test(test_schemaedit_versions__protos_100_match_generator),
		cmocka_unit_test(test_schemaedit_versions__protos_102_match_generator),
		cmocka_unit_test(test_schemaedit_versions__doc_indent_cutover),
		cmocka_unit_test(test_schemaedit_versions__doc_dedent_ends_section),
		cmocka_unit_test(test_schemaedit_versions__doc_sections_cutover),
		cmocka_unit_test(test_schemaedit_versions__member_docs_cutover),
		cmocka_unit_test(test_schemaedit_versions__naming_cutover),
		cmocka_unit_test(test_schemaedit_versions__collision_names_the_tree),
		cmocka_unit_test(test_schemaedit_versions__adapt_doc),
		cmocka_unit_test(test_schemaedit_versions__adapt_includes),
		cmocka_unit_test(test_schemaedit_versions__examples_into_52),
		cmocka_unit_test(test_schemaedit_versions__examples_into_72),
		cmocka_unit_test(test_schemaedit_versions__examples_into_100),
		cmocka_unit_test(test_schemaedit_versions__examples_into_102),
		cmocka_unit_test(test_schemaedit_versions__kinds_into_52),
		cmocka_unit_test(test_schemaedit_versions__kinds_into_72),
		cmocka_unit_test(test_schemaedit_versions__kinds_into_100),
		cmocka_unit_test(test_schemaedit_versions__kinds_into_102),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	size_t i;

	for (i = 0; i < N_TREES; i++) {
		free(trees[i].dir);
		free(trees[i].gen_header);
	}
	return rc;
}
