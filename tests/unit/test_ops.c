/*
 * The workspace operations (workspace.h) on the tiny fixture src.rpms the
 * CLI tests use (tests/fixtures/mk-tiny-srpm.sh, cached): init, add-command,
 * remove-command, patch, commands, build, agent, smoke and forge, called as
 * a library, with their typed results, progress events and state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>

#include <json-c/json.h>

#include "util/util.h"
#include "workspace/workspace.h"
#include "agent/qga.h"
#include "testutil.h"

static char src_root[PATH_MAX];
static char fixtures[PATH_MAX];

static const char *srpm72(void)
{
	static char p[PATH_MAX];

	tu_fmt(p, "%s/qemu-guest-agent-7.2.0-1.el7.src.rpm", fixtures);
	return p;
}

static const char *example(const char *rel)
{
	static char p[2][PATH_MAX];
	static int k;

	k ^= 1;
	tu_fmt(p[k], "%s/examples/%s", src_root, rel);
	return p[k];
}

/* ---- progress: every event kept ---- */

struct events {
	struct strvec lines;
};

static void record(const struct ws_event *ev, void *payload)
{
	struct events *e = payload;
	static const char *const kinds[] = { "info", "warning", "timing", "stage", "phase", "tick",
					     "stage-end" };

	strvec_pushf(&e->lines, "%s %s %s%s%s", kinds[ev->kind], ev->op, ev->step ? ev->step : "",
		     ev->message ? " " : "", ev->message ? ev->message : "");
}

static bool saw(const struct events *e, const char *prefix)
{
	size_t i;

	for (i = 0; i < e->lines.n; i++)
		if (!strncmp(e->lines.v[i], prefix, strlen(prefix)))
			return true;
	return false;
}

/* ---- fixtures ---- */

/* A workspace "ws" of the 7.2 fixture, open. */
static struct ws *init_ws(struct events *ev)
{
	struct ws_init_opts o = { 0 };
	struct ws_init_result r = { 0 };
	struct ws *ws = NULL;
	int ret;

	o.srpm = srpm72();
	o.dir = "ws";
	if (ev) {
		o.progress.fn = record;
		o.progress.payload = ev;
	}
	ret = ws_op_init(&ws, &r, &o);
	if (ret)
		fail_msg("init: %s", error_last());
	ws_init_result_release(&r);
	return ws;
}

static int add(struct ws *ws, const char *qapi, const char *handler)
{
	struct ws_add_opts o = { 0 };
	struct ws_add_result r = { 0 };
	int ret;

	o.fragment_path = qapi;
	o.handler_path = handler;
	o.no_generator = true;
	o.datadir = src_root;
	ret = ws_op_add_command(ws, &r, &o);
	ws_add_result_release(&r);
	return ret;
}

static void add_ok(struct ws *ws, const char *qapi, const char *handler)
{
	if (add(ws, qapi, handler))
		fail_msg("add-command %s: %s", qapi, error_last());
}

/* ---- init ---- */

static void test_ops__init(void **state)
{
	struct events ev = { STRVEC_INIT };
	struct ws_init_opts o = { 0 };
	struct ws_init_result r = { 0 };
	const char *defs[] = { "_qga_test_macro hello", NULL };
	const struct ws_state *st;
	struct ws *ws = NULL;

	o.srpm = srpm72();
	o.dir = "ws";
	o.defines = defs;
	o.progress.fn = record;
	o.progress.payload = &ev;
	assert_int_equal(ws_op_init(&ws, &r, &o), 0);
	assert_string_equal(r.workspace, tu_path("ws"));
	assert_string_equal(r.nevr, "qemu-guest-agent-10:7.2.0-1.el7");
	assert_string_equal(r.qemu_version, "7.2.0");
	assert_int_equal(strlen(r.baseline), 40);
	assert_int_equal(r.distribution_patches, 1);
	/* The handle stays open on the renamed directory, and the state is typed. */
	assert_string_equal(ws_root(ws), tu_path("ws"));
	st = ws_info(ws);
	assert_string_equal(st->srpm.name, "qemu-guest-agent");
	assert_string_equal(st->baseline, r.baseline);
	assert_string_equal(st->spec, "rpmbuild/SPECS/qemu-guest-agent.spec");
	/* The vendor's dist tag, inferred from the src.rpm's Release, is defined for every rpm call. */
	assert_int_equal(st->ndefines, 2);
	assert_string_equal(st->defines[0], "_qga_test_macro hello");
	assert_string_equal(st->defines[1], "dist .el7");
	assert_string_equal(r.dist, ".el7");
	assert_true(r.dist_inferred);
	assert_int_equal(st->ncommands, 0);
	assert_true(saw(&ev, "info init  preparing qemu-guest-agent-10:7.2.0-1.el7 in "));
	assert_true(saw(&ev, "timing init running %prep"));
	assert_true(tu_exists("ws/src/qga/qapi-schema.json"));
	/* Nothing is left beside the workspace. */
	assert_int_equal(tu_count_entries("."), 1);
	ws_free(ws);
	ws_init_result_release(&r);
	strvec_clear(&ev.lines);
}

static void test_ops__init_refusals_change_nothing(void **state)
{
	struct ws_init_opts o = { 0 };
	struct ws_init_result r = { 0 };
	const char *bad_define[] = { "nospace", NULL };
	char binary[PATH_MAX];

	o.srpm = srpm72();
	o.dir = "busy";
	tu_write("busy/file", "x\n");
	assert_int_equal(ws_op_init(NULL, &r, &o), ERR_EXISTS);
	assert_non_null(strstr(error_last(), "already exists and is not empty"));

	o.dir = "ws";
	o.defines = bad_define;
	assert_int_equal(ws_op_init(NULL, &r, &o), ERR_USAGE);
	assert_string_equal(error_last(), "--define 'nospace': expected 'MACRO VALUE'");

	o.defines = NULL;
	tu_fmt(binary, "%s/bad/qemu-guest-agent-7.2.0-1.el7.noarch.rpm", fixtures);
	o.srpm = binary;
	assert_int_equal(ws_op_init(NULL, &r, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "is a binary package"));
	assert_null(r.workspace);
	assert_int_equal(tu_count_entries("."), 1);
	assert_int_equal(tu_count_entries("busy"), 1);
}

/* ---- add-command ---- */

static void test_ops__add_command(void **state)
{
	struct events ev = { STRVEC_INIT };
	struct ws *ws = init_ws(NULL);
	struct ws_add_opts o = { 0 };
	struct ws_add_result r = { 0 };
	const struct ws_command *c;

	o.fragment_path = example("statvfs/statvfs.qapi");
	o.handler_path = example("statvfs/statvfs.c");
	o.no_generator = true;
	o.datadir = src_root;
	o.progress.fn = record;
	o.progress.payload = &ev;
	assert_int_equal(ws_op_add_command(ws, &r, &o), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.added[0].name, "guest-get-statvfs");
	assert_int_equal(strlen(r.added[0].commit), 40);
	assert_non_null(strstr(r.added[0].prototype, "qmp_guest_get_statvfs("));
	assert_non_null(r.added[0].example);
	assert_true(saw(&ev, "timing add-command committing the transaction"));
	/* The state records the inputs, the handler by its base name. */
	c = ws_find_command(ws_info(ws), "guest-get-statvfs");
	assert_non_null(c);
	assert_string_equal(c->commit, r.added[0].commit);
	assert_string_equal(c->origin, "statvfs.qapi");
	assert_string_equal(c->handler_name, "statvfs.c");
	assert_non_null(c->fragment);
	assert_true(c->nfiles >= 2);
	ws_add_result_release(&r);
	ws_free(ws);

	/* ... and on disk: a new handle parses the same. */
	ws = NULL;
	assert_int_equal(ws_open(&ws, "ws"), 0);
	assert_int_equal(ws_info(ws)->ncommands, 1);
	assert_string_equal(ws_info(ws)->commands[0].handler_name, "statvfs.c");
	ws_free(ws);
	strvec_clear(&ev.lines);
}

static void test_ops__add_command_from_options_with_stub(void **state)
{
	struct ws *ws = init_ws(NULL);
	struct ws_add_opts o = { 0 };
	struct ws_add_result r = { 0 };
	const char *args[] = { "path:str", NULL };

	o.name = "guest-frob";
	o.args = args;
	o.returns = "int";
	o.doc = "Frob a path.";
	o.no_generator = true;
	o.datadir = src_root;
	assert_int_equal(ws_op_add_command(ws, &r, &o), 0);
	assert_string_equal(r.added[0].name, "guest-frob");
	assert_string_equal(ws_info(ws)->commands[0].origin, "--name guest-frob");
	assert_null(ws_info(ws)->commands[0].handler_name);
	ws_add_result_release(&r);

	/* Without a data directory the stub template cannot be found. */
	o.name = "guest-frob-two";
	o.datadir = "/nonexistent";
	assert_true(ws_op_add_command(ws, &r, &o) < 0);
	assert_non_null(strstr(error_last(), "templates"));
	assert_int_equal(ws_info(ws)->ncommands, 1);
	ws_free(ws);
}

static void test_ops__add_command_rejected_changes_nothing(void **state)
{
	struct ws *ws = init_ws(NULL);
	char *before, *after;

	before = tu_read("ws/.qga-forge/state.json");
	tu_write("bad.qapi", "{ 'command': 'guest-bad', 'data': { 'x': 'frob' } }\n");
	assert_true(add(ws, tu_path("bad.qapi"), NULL) < 0);
	assert_int_equal(ws_info(ws)->ncommands, 0);
	after = tu_read("ws/.qga-forge/state.json");
	assert_string_equal(before, after);
	/* The same command twice: the second is refused. */
	add_ok(ws, example("watchdog/watchdog.qapi"), example("watchdog/watchdog.c"));
	assert_int_equal(add(ws, example("watchdog/watchdog.qapi"), example("watchdog/watchdog.c")),
			 ERR_EXISTS);
	assert_int_equal(ws_info(ws)->ncommands, 1);
	free(before);
	free(after);
	ws_free(ws);
}

/* ---- remove-command ---- */

static void test_ops__remove_command(void **state)
{
	struct ws *ws = init_ws(NULL);
	struct ws_remove_opts o = { 0 };
	struct ws_remove_result r = { 0 };
	char later[41];

	add_ok(ws, example("statvfs/statvfs.qapi"), example("statvfs/statvfs.c"));
	add_ok(ws, example("watchdog/watchdog.qapi"), example("watchdog/watchdog.c"));
	memcpy(later, ws_info(ws)->commands[1].commit, sizeof(later));
	o.datadir = src_root;
	o.name = "guest-get-statvfs";
	assert_int_equal(ws_op_remove_command(ws, &r, &o), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.removed[0].name, "guest-get-statvfs");
	ws_remove_result_release(&r);
	/* The later command stays, on a new commit. */
	assert_int_equal(ws_info(ws)->ncommands, 1);
	assert_string_equal(ws_info(ws)->commands[0].name, "guest-set-watchdog-timeout");
	assert_string_not_equal(ws_info(ws)->commands[0].commit, later);

	o.name = "guest-nothing";
	assert_int_equal(ws_op_remove_command(ws, &r, &o), ERR_NOTFOUND);
	o.name = "guest-ping";
	assert_int_equal(ws_op_remove_command(ws, &r, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "comes with the source package"));
	assert_int_equal(ws_info(ws)->ncommands, 1);
	ws_free(ws);
}

/* ---- patch and commands ---- */

static void test_ops__patch(void **state)
{
	struct ws *ws = init_ws(NULL);
	struct ws_patch_result r = { 0 };
	struct json_object *j;
	char *spec;

	/* Nothing added: nothing to do. */
	assert_int_equal(ws_op_patch(ws, &r), 0);
	assert_false(r.changed);
	assert_int_equal(r.npatches, 0);
	ws_patch_result_release(&r);

	add_ok(ws, example("watchdog/watchdog.qapi"), example("watchdog/watchdog.c"));
	assert_int_equal(ws_op_patch(ws, &r), 0);
	assert_true(r.changed);
	assert_int_equal(r.npatches, 1);
	assert_non_null(strstr(r.release, ".qga"));
	assert_non_null(r.changelog);
	assert_int_equal(ws_info(ws)->npatches, 1);
	assert_string_equal(ws_info(ws)->patches[0].name, r.patches[0].name);
	assert_true(ws_info(ws)->sync_bumped);
	spec = tu_read("ws/rpmbuild/SPECS/qemu-guest-agent.spec");
	assert_non_null(strstr(spec, "# qga-forge: "));
	assert_non_null(strstr(spec, "Add guest agent command 'guest-set-watchdog-timeout'"));
	free(spec);
	j = ws_patch_result_json(&r);
	assert_non_null(strstr(json_object_to_json_string(j), "\"changed\": true"));
	json_object_put(j);
	ws_patch_result_release(&r);

	/* Again without new commits: nothing changes. */
	assert_int_equal(ws_op_patch(ws, &r), 0);
	assert_false(r.changed);
	assert_int_equal(r.npatches, 1);
	ws_patch_result_release(&r);
	ws_free(ws);
}

static void test_ops__commands(void **state)
{
	struct ws *ws = init_ws(NULL);
	struct ws_command_list l = { 0 };
	size_t i, ping = 0, wd = 0;

	add_ok(ws, example("watchdog/watchdog.qapi"), example("watchdog/watchdog.c"));
	assert_int_equal(ws_op_commands(ws, &l), 0);
	assert_string_equal(l.qemu_version, "7.2.0");
	assert_int_equal(l.n_added, 1);
	for (i = 0; i < l.n; i++) {
		if (!strcmp(l.v[i].name, "guest-ping")) {
			ping++;
			assert_null(l.v[i].commit);
			assert_non_null(l.v[i].prototype);
		}
		if (!strcmp(l.v[i].name, "guest-set-watchdog-timeout")) {
			wd++;
			assert_string_equal(l.v[i].commit, ws_info(ws)->commands[0].commit);
		}
	}
	assert_int_equal(ping, 1);
	assert_int_equal(wd, 1);
	ws_command_list_release(&l);
	ws_free(ws);
}

/* ---- the typed state ---- */

static void test_ops__state_keeps_unknown_keys(void **state)
{
	struct ws *ws = init_ws(NULL);
	struct json_object *o, *cmds, *v;
	char *text;

	ws_free(ws);
	/* Keys of a later version, at the top and in an entry, survive our writes. */
	o = json_object_from_file("ws/.qga-forge/state.json");
	json_object_object_add(o, "future_key", json_object_new_string("kept"));
	json_object_to_file("ws/.qga-forge/state.json", o);
	json_object_put(o);
	ws = NULL;
	assert_int_equal(ws_open(&ws, "ws"), 0);
	add_ok(ws, example("watchdog/watchdog.qapi"), example("watchdog/watchdog.c"));
	ws_free(ws);
	o = json_object_from_file("ws/.qga-forge/state.json");
	assert_true(json_object_object_get_ex(o, "future_key", &v));
	assert_string_equal(json_object_get_string(v), "kept");
	assert_true(json_object_object_get_ex(o, "commands", &cmds));
	json_object_object_add(json_object_array_get_idx(cmds, 0), "note", json_object_new_string("mine"));
	json_object_to_file("ws/.qga-forge/state.json", o);
	json_object_put(o);

	ws = NULL;
	assert_int_equal(ws_open(&ws, "ws"), 0);
	add_ok(ws, example("statvfs/statvfs.qapi"), example("statvfs/statvfs.c"));
	ws_free(ws);
	text = tu_read("ws/.qga-forge/state.json");
	assert_non_null(strstr(text, "\"future_key\": \"kept\""));
	assert_non_null(strstr(text, "\"note\": \"mine\""));
	free(text);

	/* A state whose commands are not a list is refused when opened. */
	tu_write("ws/.qga-forge/state.json", "{ \"format\": 1, \"commands\": { \"x\": 1 } }\n");
	ws = NULL;
	assert_int_equal(ws_open(&ws, "ws"), ERR_INPUT);
	assert_non_null(strstr(error_last(), "\"commands\" in the workspace state is not a list"));
}

/* ---- build, agent, smoke, forge ---- */

static void test_ops__build_srpm_only_records_inputs(void **state)
{
	struct events ev = { STRVEC_INIT };
	struct ws *ws = init_ws(NULL);
	struct ws_build_opts o = { 0 };
	struct json_object *m = NULL, *v, *files;
	const char *s;

	add_ok(ws, example("statvfs/statvfs.qapi"), example("statvfs/statvfs.c"));
	o.outdir = "out";
	o.srpm_only = true;
	o.nodeps = true;
	o.progress.fn = record;
	o.progress.payload = &ev;
	assert_int_equal(ws_op_build(ws, &o, &m), 0);
	assert_true(saw(&ev, "stage build patch"));
	assert_true(saw(&ev, "stage build srpm"));
	assert_true(json_object_object_get_ex(m, "srpm", &v));
	assert_true(tu_exists(json_object_get_string(v)));
	/* The manifest names the command files the workspace was made from. */
	assert_true(json_object_object_get_ex(m, "inputs", &v));
	assert_true(json_object_object_get_ex(v, "command_files", &files));
	assert_int_equal(json_object_array_length(files), 2);
	s = json_object_to_json_string(files);
	assert_non_null(strstr(s, "\"statvfs.qapi\""));
	assert_non_null(strstr(s, "\"statvfs.c\""));
	assert_true(tu_exists("out/manifest.json"));
	json_object_put(m);
	ws_free(ws);
	strvec_clear(&ev.lines);
}

static void test_ops__agent_and_smoke_without_an_agent(void **state)
{
	struct ws *ws = init_ws(NULL);
	struct ws_agent_opts ao = { 0 };
	struct ws_agent_result ar = { 0 };
	struct ws_smoke_opts so = { 0 };
	struct qga_smoke_result sr = QGA_SMOKE_RESULT_INIT;
	const char *bad_call[] = { "not a name", NULL };

	/* The fixture's %build is `true`: it builds no qemu-ga, and says so. */
	assert_int_equal(ws_op_agent(ws, &ar, &ao), ERR_NOTFOUND);
	assert_non_null(strstr(error_last(), "produced no qemu-ga"));
	assert_null(ws_info(ws)->agent);

	assert_int_equal(ws_op_smoke(ws, &sr, &so), ERR_NOTFOUND);
	assert_non_null(strstr(error_last(), "no built agent"));
	assert_false(sr.started);
	so.calls = bad_call;
	assert_int_equal(ws_op_smoke(ws, &sr, &so), ERR_USAGE);
	assert_int_equal(ws_smoke_check_calls(bad_call), ERR_USAGE);
	qga_smoke_result_release(&sr);
	ws_free(ws);
}

static const char *const no_debuginfo[] = { "debug_package %{nil}", NULL };

static void test_ops__forge_names_the_failed_step(void **state)
{
	struct ws_forge_command cmds[] = { { NULL, NULL } };
	struct ws_forge_opts o = { 0 };
	struct ws_forge_result r = { 0 };
	struct ws *ws = NULL;

	cmds[0].qapi = example("watchdog/watchdog.qapi");
	cmds[0].handler = example("watchdog/watchdog.c");
	o.srpm = srpm72();
	o.commands = cmds;
	o.ncommands = 1;
	o.outdir = "out";
	o.nodeps = true;
	o.datadir = src_root;
	/*
	 * The fixture's tree builds no ELF file: where the host's rpm makes a
	 * debuginfo package by default (Debian 13 and later), its empty
	 * manifest would stop the rebuild before the step this test is about.
	 */
	o.defines = no_debuginfo;
	/* init and add-command run in process; the fixture's rpm has no qemu-ga. */
	assert_int_equal(ws_op_forge(&r, &o), ERR_NOTFOUND);
	assert_string_equal(r.failed_step, "agent");
	assert_null(r.manifest);
	assert_string_equal(r.workspace, tu_path("out/workspace"));
	ws_forge_result_release(&r);
	assert_int_equal(ws_open(&ws, "out/workspace"), 0);
	assert_int_equal(ws_info(ws)->ncommands, 1);
	ws_free(ws);

	/* A command file that cannot be read stops forge before anything runs. */
	cmds[0].handler = "missing.c";
	o.outdir = "out2";
	assert_int_equal(ws_op_forge(&r, &o), ERR_INPUT);
	assert_non_null(strstr(error_last(), "cannot read 'missing.c'"));
	assert_false(tu_exists("out2"));
	ws_forge_result_release(&r);

	/* A command that does not apply: the step is named by its file. */
	tu_write("bad.qapi", "{ 'command': 'guest-bad', 'data': { 'x': 'frob' } }\n");
	cmds[0].qapi = tu_path("bad.qapi");
	cmds[0].handler = NULL;
	o.outdir = "out3";
	assert_true(ws_op_forge(&r, &o) < 0);
	assert_non_null(strstr(r.failed_step, "add-command "));
	assert_non_null(strstr(error_last(), "step 'add-command "));
	ws_forge_result_release(&r);
}

static int find_fixtures(void)
{
	char cmd[PATH_MAX + 64];
	FILE *p;
	size_t n;

	if (!getcwd(src_root, sizeof(src_root)))
		return -1;
	if (getenv("QGA_FORGE_SRC_ROOT") && *getenv("QGA_FORGE_SRC_ROOT"))
		tu_fmt(src_root, "%s", getenv("QGA_FORGE_SRC_ROOT"));
	tu_fmt(cmd, "'%s/tests/fixtures/mk-tiny-srpm.sh' 2>/dev/null", src_root);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(fixtures, 1, sizeof(fixtures) - 1, p);
	fixtures[n] = '\0';
	while (n && fixtures[n - 1] == '\n')
		fixtures[--n] = '\0';
	return pclose(p) == 0 && n ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_ops__init),
		TU_TEST(test_ops__init_refusals_change_nothing),
		TU_TEST(test_ops__add_command),
		TU_TEST(test_ops__add_command_from_options_with_stub),
		TU_TEST(test_ops__add_command_rejected_changes_nothing),
		TU_TEST(test_ops__remove_command),
		TU_TEST(test_ops__patch),
		TU_TEST(test_ops__commands),
		TU_TEST(test_ops__state_keeps_unknown_keys),
		TU_TEST(test_ops__build_srpm_only_records_inputs),
		TU_TEST(test_ops__agent_and_smoke_without_an_agent),
		TU_TEST(test_ops__forge_names_the_failed_step),
	};

	if (find_fixtures() < 0) {
		fprintf(stderr, "test_ops: cannot build the tiny fixtures (tests/fixtures/mk-tiny-srpm.sh)\n");
		return 1;
	}
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	unsetenv("QGA_FORGE_REFUSE_SPEC_CODE");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
