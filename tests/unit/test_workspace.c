#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>

#include <git2.h>
#include <json-c/json.h>

#include "util/util.h"
#include "workspace/ws.h"
#include "patchgen/patchgen.h"
#include "testutil.h"

#define CRASH_ENV "QGA_FORGE_TXN_CRASH_AT"

static const struct patchgen_sig test_sig = { "A U Thor", "author@example.com", 1700000000 };

/* ---- fixtures ---- */

/* Make `dir` a workspace and close it again. */
static void make_ws(const char *dir)
{
	struct ws *ws = NULL;

	tu_mkdirs(dir);
	assert_int_equal(ws_create(&ws, dir), 0);
	ws_free(ws);
}

static struct ws *open_ws(const char *dir)
{
	struct ws *ws = NULL;
	int ret = ws_open(&ws, dir);

	if (ret)
		fail_msg("ws_open('%s'): %s", dir ? dir : "(null)", error_last());
	return ws;
}

/* Integer `key` of WS/.qga-forge/state.json as stored on disk; -1 if absent. */
static int disk_state_int(const char *wsdir, const char *key)
{
	char path[PATH_MAX];
	struct json_object *o, *v;
	int n = -1;

	tu_fmt(path, "%s/.qga-forge/state.json", wsdir);
	o = json_object_from_file(path);
	if (!o)
		fail_msg("'%s' is not valid JSON", path);
	if (json_object_object_get_ex(o, key, &v))
		n = json_object_get_int(v);
	json_object_put(o);
	return n;
}

static int mem_state_int(struct ws *ws, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(ws_state(ws), key, &v))
		return -1;
	return json_object_get_int(v);
}

static void set_state_int(struct ws *ws, const char *key, int n)
{
	json_object_object_add(ws_state(ws), key, json_object_new_int(n));
}

static const char *at(const char *wsdir, const char *rel)
{
	static char p[PATH_MAX];

	tu_fmt(p, "%s/%s", wsdir, rel);
	return p;
}

/* Wait for a child and return its exit status (or 128+signal). */
static int wait_child(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) != pid)
		fail_msg("waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- discovery and opening ---- */

static void test_workspace__create_layout(void **state)
{
	struct ws *ws = NULL;
	char *want;

	tu_mkdirs(tu_path("w"));
	assert_int_equal(ws_create(&ws, "w"), 0);
	assert_string_equal(ws_root(ws), tu_path("w"));
	assert_string_equal(ws_src_dir(ws), tu_path("w/src"));
	assert_string_equal(ws_topdir(ws), tu_path("w/rpmbuild"));
	assert_string_equal(ws_meta_dir(ws), tu_path("w/.qga-forge"));
	assert_null(ws_spec_path(ws));
	assert_null(ws_qemu_version(ws));
	assert_true(fs_is_dir("w/.qga-forge/logs"));
	assert_int_equal(disk_state_int(tu_path("w"), "format"), 1);
	assert_int_equal(mem_state_int(ws, "format"), 1);
	want = xasprintf("%s/x/y", tu_path("w"));
	{
		char *p = ws_path(ws, "x/y");

		assert_string_equal(p, want);
		free(p);
	}
	free(want);

	json_object_object_add(ws_state(ws), "spec", json_object_new_string("rpmbuild/SPECS/q.spec"));
	json_object_object_add(ws_state(ws), "qemu_version", json_object_new_string("8.2.0"));
	assert_string_equal(ws_spec_path(ws), tu_path("w/rpmbuild/SPECS/q.spec"));
	assert_string_equal(ws_qemu_version(ws), "8.2.0");
	assert_int_equal(ws_save_state(ws), 0);
	ws_free(ws);

	ws = open_ws("w");
	assert_string_equal(ws_spec_path(ws), tu_path("w/rpmbuild/SPECS/q.spec"));
	assert_string_equal(ws_qemu_version(ws), "8.2.0");
	ws_free(ws);
	ws_free(NULL);
}

static void test_workspace__open_from_subdirectory(void **state)
{
	struct ws *ws;
	char root[PATH_MAX];

	make_ws(tu_path("w"));
	tu_fmt(root, "%s", tu_path("w"));
	tu_mkdirs(tu_path("w/src/deep/er"));
	assert_int_equal(chdir("w/src/deep/er"), 0);
	ws = open_ws(NULL);
	assert_string_equal(ws_root(ws), root);
	ws_free(ws);

	/* From the root itself. */
	assert_int_equal(chdir(root), 0);
	ws = open_ws(NULL);
	assert_string_equal(ws_root(ws), root);
	ws_free(ws);
}

static void test_workspace__open_nested_takes_nearest(void **state)
{
	struct ws *ws;

	make_ws(tu_path("outer"));
	make_ws(tu_path("outer/sub/inner"));
	assert_int_equal(chdir("outer/sub/inner"), 0);
	ws = open_ws(NULL);
	assert_string_equal(ws_root(ws), tu_path("outer/sub/inner"));
	ws_free(ws);
	assert_int_equal(chdir(".."), 0);
	ws = open_ws(NULL);
	assert_string_equal(ws_root(ws), tu_path("outer"));
	ws_free(ws);
}

static void test_workspace__open_by_path(void **state)
{
	struct ws *ws;

	make_ws(tu_path("w"));
	tu_mkdirs(tu_path("elsewhere"));
	assert_int_equal(chdir("elsewhere"), 0);
	/* Relative (as given with -w) and absolute. */
	ws = open_ws("../w");
	assert_string_equal(ws_root(ws), tu_path("w"));
	assert_string_equal(ws_src_dir(ws), tu_path("w/src"));
	ws_free(ws);
	ws = open_ws(tu_path("w"));
	assert_string_equal(ws_root(ws), tu_path("w"));
	ws_free(ws);
}

static void test_workspace__open_not_a_workspace(void **state)
{
	struct ws *ws = (struct ws *)1;

	tu_mkdirs(tu_path("plain/sub"));
	error_clear();
	assert_int_equal(ws_open(&ws, "plain"), ERR_NOTFOUND);
	assert_null(ws);
	assert_string_equal(error_last(),
			    "'plain' is not a qga-forge workspace (no .qga-forge/state.json)");

	/* A .qga-forge directory alone does not make a workspace. */
	tu_mkdirs(tu_path("plain/.qga-forge"));
	assert_int_equal(ws_open(&ws, "plain"), ERR_NOTFOUND);

	assert_int_equal(chdir("plain/sub"), 0);
	ws = (struct ws *)1;
	assert_int_equal(ws_open(&ws, NULL), ERR_NOTFOUND);
	assert_null(ws);
	assert_string_equal(error_last(), "not inside a qga-forge workspace; "
			    "use -w DIR or run 'qga-forge init' first");
}

static void test_workspace__open_damaged_state(void **state)
{
	struct ws *ws = NULL;

	make_ws(tu_path("w"));
	tu_write("w/.qga-forge/state.json", "{ \"format\": ");
	assert_int_equal(ws_open(&ws, "w"), ERR_INPUT);
	assert_null(ws);
	assert_non_null(strstr(error_last(), "/w/.qga-forge/state.json': "
			       "not a valid workspace state file"));
	tu_write("w/.qga-forge/state.json", "[1, 2]\n");
	assert_int_equal(ws_open(&ws, "w"), ERR_INPUT);
	assert_null(ws);
}

/* ---- locking ---- */

static void test_workspace__lock_held_by_other_process(void **state)
{
	int up[2], down[2];
	pid_t pid;
	char c = 0, *want;
	struct ws *ws = NULL;
	long long t0, elapsed;
	int ret;

	make_ws(tu_path("w"));
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ws *held = NULL;

		alarm(20);  /* never outlive a failed parent for long */
		close(up[0]);
		close(down[1]);
		if (ws_open(&held, "w") < 0)
			_exit(1);
		if (write(up[1], "x", 1) != 1)
			_exit(2);
		/* Hold the lock until told; then die without unlocking. */
		if (read(down[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);

	setenv("QGA_FORGE_LOCK_TIMEOUT", "1", 1);
	error_clear();
	t0 = tu_now_ms();
	ret = ws_open(&ws, "w");
	elapsed = tu_now_ms() - t0;
	assert_int_equal(ret, ERR_LOCKED);
	assert_null(ws);
	want = xasprintf("workspace '%s' is in use by another qga-forge process (pid %ld); "
			 "try again when it has finished", tu_path("w"), (long)pid);
	assert_string_equal(error_last(), want);
	free(want);
	assert_true(elapsed >= 900);
	assert_true(elapsed < 3000);

	/* The holder exits without unlocking: the kernel drops the lock. */
	assert_int_equal(write(down[1], "x", 1), 1);
	assert_int_equal(wait_child(pid), 0);
	close(up[0]);
	close(down[1]);
	t0 = tu_now_ms();
	assert_int_equal(ws_open(&ws, "w"), 0);
	assert_true(tu_now_ms() - t0 < 500);
	ws_free(ws);
	unsetenv("QGA_FORGE_LOCK_TIMEOUT");
}

static void test_workspace__lock_waits_for_holder(void **state)
{
	int up[2];
	pid_t pid;
	char c = 0;
	struct ws *ws = NULL;
	long long t0, elapsed;

	make_ws(tu_path("w"));
	assert_int_equal(pipe(up), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ws *held = NULL;

		close(up[0]);
		if (ws_open(&held, "w") < 0)
			_exit(1);
		if (write(up[1], "x", 1) != 1)
			_exit(2);
		usleep(400 * 1000);
		ws_free(held);
		_exit(0);
	}
	close(up[1]);
	assert_int_equal(read(up[0], &c, 1), 1);
	close(up[0]);
	setenv("QGA_FORGE_LOCK_TIMEOUT", "10", 1);
	t0 = tu_now_ms();
	assert_int_equal(ws_open(&ws, "w"), 0);
	elapsed = tu_now_ms() - t0;
	unsetenv("QGA_FORGE_LOCK_TIMEOUT");
	assert_true(elapsed >= 200);
	assert_true(elapsed < 3000);
	ws_free(ws);
	assert_int_equal(wait_child(pid), 0);
}

static void test_workspace__lock_released_by_free(void **state)
{
	struct ws *a = NULL, *b = NULL;

	make_ws(tu_path("w"));
	setenv("QGA_FORGE_LOCK_TIMEOUT", "0", 1);
	a = open_ws("w");
	ws_free(a);
	b = open_ws("w");
	ws_free(b);
	unsetenv("QGA_FORGE_LOCK_TIMEOUT");
}

/* ---- transactions ---- */

/* w/a.txt, w/dir/b.txt, w/c.txt and state {"counter": 1}. */
static void fill_ws(const char *w)
{
	struct ws *ws;

	make_ws(w);
	tu_write(at(w, "a.txt"), "old a\n");
	tu_write(at(w, "dir/b.txt"), "old b\n");
	tu_write(at(w, "c.txt"), "old c\n");
	ws = open_ws(w);
	set_state_int(ws, "counter", 1);
	assert_int_equal(ws_save_state(ws), 0);
	ws_free(ws);
}

/* put a, put dir/b, put new/d (new directory), delete c, counter = 2. */
static int change_ws(struct ws *ws)
{
	struct ws_txn *t = NULL;
	char *p;
	int ret;

	if ((ret = ws_txn_begin(&t, ws)) < 0)
		return ret;
	p = ws_path(ws, "a.txt");
	ret = ws_txn_put(t, p, "new a\n", 6, 0644);
	free(p);
	p = ws_path(ws, "dir/b.txt");
	if (!ret)
		ret = ws_txn_put(t, p, "new b\n", 6, 0644);
	free(p);
	p = ws_path(ws, "new/d.txt");
	if (!ret)
		ret = ws_txn_put(t, p, "new d\n", 6, 0755);
	free(p);
	p = ws_path(ws, "c.txt");
	if (!ret)
		ret = ws_txn_delete(t, p);
	free(p);
	if (ret) {
		ws_txn_abort(t);
		return ret;
	}
	set_state_int(ws, "counter", 2);
	return ws_txn_commit(t);
}

static void assert_all_old(const char *w)
{
	tu_assert_file(at(w, "a.txt"), "old a\n");
	tu_assert_file(at(w, "dir/b.txt"), "old b\n");
	tu_assert_file(at(w, "c.txt"), "old c\n");
	assert_false(tu_exists(at(w, "new/d.txt")));
	assert_int_equal(disk_state_int(w, "counter"), 1);
}

static void assert_all_new(const char *w)
{
	tu_assert_file(at(w, "a.txt"), "new a\n");
	tu_assert_file(at(w, "dir/b.txt"), "new b\n");
	tu_assert_file(at(w, "new/d.txt"), "new d\n");
	assert_int_equal(tu_mode(at(w, "new/d.txt")), 0755);
	assert_false(tu_exists(at(w, "c.txt")));
	assert_int_equal(disk_state_int(w, "counter"), 2);
}

/* No journal and no temporary file left anywhere in the workspace. */
static void assert_no_leftovers(const char *w)
{
	assert_false(tu_exists(at(w, ".qga-forge/txn")));
	assert_false(tu_dir_has(w, "qga-forge-"));
	assert_false(tu_dir_has(at(w, "dir"), "qga-forge-"));
	assert_false(tu_dir_has(at(w, ".qga-forge"), "qga-forge-"));
}

static void test_workspace__txn_commit(void **state)
{
	const char *w;
	struct ws *ws;
	char wd[PATH_MAX];

	tu_fmt(wd, "%s", tu_path("w"));
	w = wd;
	fill_ws(w);
	ws = open_ws(w);
	assert_int_equal(change_ws(ws), 0);
	assert_int_equal(mem_state_int(ws, "counter"), 2);
	assert_all_new(w);
	assert_no_leftovers(w);
	ws_free(ws);

	/* And the state is what the next command sees. */
	ws = open_ws(w);
	assert_int_equal(mem_state_int(ws, "counter"), 2);
	assert_int_equal(mem_state_int(ws, "format"), 1);
	ws_free(ws);
}

static void test_workspace__txn_abort(void **state)
{
	char w[PATH_MAX];
	struct ws *ws;
	struct ws_txn *t = NULL;
	char *p;

	tu_fmt(w, "%s", tu_path("w"));
	fill_ws(w);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	p = ws_path(ws, "a.txt");
	assert_int_equal(ws_txn_put(t, p, "new a\n", 6, 0644), 0);
	free(p);
	p = ws_path(ws, "c.txt");
	assert_int_equal(ws_txn_delete(t, p), 0);
	free(p);
	p = ws_path(ws, "new/d.txt");
	assert_int_equal(ws_txn_put(t, p, "new d\n", 6, 0644), 0);
	free(p);
	/* Nothing is visible before the commit... */
	assert_all_old(w);
	ws_txn_abort(t);
	/* ...nor after an abort. */
	assert_all_old(w);
	assert_false(tu_exists(at(w, "new")));
	assert_no_leftovers(w);
	ws_free(ws);
	ws_txn_abort(NULL);
}

static void test_workspace__txn_modes(void **state)
{
	char w[PATH_MAX];
	struct ws *ws;
	struct ws_txn *t = NULL;
	char *p;

	tu_fmt(w, "%s", tu_path("w"));
	make_ws(w);
	tu_write_mode(at(w, "kept.sh"), "old\n", 0750);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	p = ws_path(ws, "kept.sh");
	/* 0 keeps the mode of an existing file. */
	assert_int_equal(ws_txn_put(t, p, "new\n", 4, 0), 0);
	free(p);
	p = ws_path(ws, "fresh");
	/* 0 gives a new file 0644. */
	assert_int_equal(ws_txn_put(t, p, "f\n", 2, 0), 0);
	free(p);
	p = ws_path(ws, "fresh-exec");
	assert_int_equal(ws_txn_put(t, p, "x\n", 2, 0755), 0);
	free(p);
	assert_int_equal(ws_txn_commit(t), 0);
	tu_assert_file(at(w, "kept.sh"), "new\n");
	assert_int_equal(tu_mode(at(w, "kept.sh")), 0750);
	assert_int_equal(tu_mode(at(w, "fresh")), 0644);
	assert_int_equal(tu_mode(at(w, "fresh-exec")), 0755);
	ws_free(ws);
}

static void test_workspace__txn_put_twice_last_wins(void **state)
{
	char w[PATH_MAX];
	struct ws *ws;
	struct ws_txn *t = NULL;
	char *p;

	tu_fmt(w, "%s", tu_path("w"));
	fill_ws(w);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	p = ws_path(ws, "a.txt");
	assert_int_equal(ws_txn_put(t, p, "first\n", 6, 0644), 0);
	assert_int_equal(ws_txn_put(t, p, "second\n", 7, 0644), 0);
	free(p);
	/* A delete, then a put of the same file: the put wins. */
	p = ws_path(ws, "c.txt");
	assert_int_equal(ws_txn_delete(t, p), 0);
	assert_int_equal(ws_txn_put(t, p, "back\n", 5, 0644), 0);
	free(p);
	/* A put, then a delete: the delete wins. */
	p = ws_path(ws, "dir/b.txt");
	assert_int_equal(ws_txn_put(t, p, "gone\n", 5, 0644), 0);
	assert_int_equal(ws_txn_delete(t, p), 0);
	free(p);
	assert_int_equal(ws_txn_commit(t), 0);
	tu_assert_file(at(w, "a.txt"), "second\n");
	tu_assert_file(at(w, "c.txt"), "back\n");
	assert_false(tu_exists(at(w, "dir/b.txt")));
	assert_no_leftovers(w);
	ws_free(ws);
}

static void test_workspace__txn_rejects_outside_paths(void **state)
{
	char w[PATH_MAX], *want;
	struct ws *ws;
	struct ws_txn *t = NULL;
	char *p;

	tu_fmt(w, "%s", tu_path("w"));
	fill_ws(w);
	tu_write("outside.txt", "keep\n");
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);

	error_clear();
	assert_int_equal(ws_txn_put(t, tu_path("outside.txt"), "x", 1, 0644), ERR_INPUT);
	want = xasprintf("'%s' is outside the workspace '%s'", tu_path("outside.txt"), w);
	assert_string_equal(error_last(), want);
	free(want);

	p = ws_path(ws, "../outside.txt");
	assert_int_equal(ws_txn_delete(t, p), ERR_INPUT);
	free(p);
	/* A sibling whose name starts like the workspace's is outside too. */
	tu_mkdirs(tu_path("w2"));
	assert_int_equal(ws_txn_put(t, tu_path("w2/f"), "x", 1, 0644), ERR_INPUT);
	/* The workspace root itself is not a file inside it. */
	assert_int_equal(ws_txn_delete(t, w), ERR_INPUT);

	p = ws_path(ws, ".qga-forge/state.json");
	assert_int_equal(ws_txn_put(t, p, "{}", 2, 0644), ERR_BUG);
	want = xasprintf("'%s' is qga-forge's own metadata", p);
	assert_string_equal(error_last(), want);
	free(want);
	free(p);
	p = ws_path(ws, ".qga-forge");
	assert_int_equal(ws_txn_delete(t, p), ERR_BUG);
	free(p);

	assert_int_equal(ws_txn_commit(t), 0);
	tu_assert_file("outside.txt", "keep\n");
	assert_all_old(w);
	ws_free(ws);
}

static void test_workspace__txn_empty_commit_saves_state(void **state)
{
	char w[PATH_MAX];
	struct ws *ws;
	struct ws_txn *t = NULL;

	tu_fmt(w, "%s", tu_path("w"));
	fill_ws(w);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	set_state_int(ws, "counter", 5);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_int_equal(disk_state_int(w, "counter"), 5);
	assert_no_leftovers(w);
	ws_free(ws);
}

/*
 * Run change_ws() in a child with QGA_FORGE_TXN_CRASH_AT=step; return its
 * exit status (99 when it stopped at the crash point).
 */
static int crash_child(const char *w, int step)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ws *ws = NULL;
		char s[16];

		snprintf(s, sizeof(s), "%d", step);
		setenv(CRASH_ENV, s, 1);
		if (ws_open(&ws, w) < 0)
			_exit(1);
		_exit(change_ws(ws) < 0 ? 2 : 0);
	}
	return wait_child(pid);
}

static void test_workspace__crash_before_commit_point(void **state)
{
	char w[PATH_MAX];
	struct ws *ws;

	tu_fmt(w, "%s", tu_path("w"));
	fill_ws(w);
	assert_int_equal(crash_child(w, 0), 99);
	/* The journal was being written when the process died. */
	assert_true(tu_exists(at(w, ".qga-forge/txn")));
	assert_all_old(w);

	ws = open_ws(w);
	assert_all_old(w);
	assert_int_equal(mem_state_int(ws, "counter"), 1);
	assert_no_leftovers(w);

	/* The workspace is usable: the same change now goes through. */
	assert_int_equal(change_ws(ws), 0);
	assert_all_new(w);
	assert_no_leftovers(w);
	ws_free(ws);
}

static void test_workspace__crash_after_commit_point(void **state)
{
	/* 1: right after the commit point; 10+i: after file i (state.json is the
	 * last, i = 4); 2: after the ref step; 3: after the index step. */
	static const int steps[] = { 1, 10, 11, 12, 13, 14, 2, 3 };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char w[PATH_MAX];
		struct ws *ws;

		tu_fmt(w, "%s/w%d", tu_current->path, steps[i]);
		fill_ws(w);
		if (crash_child(w, steps[i]) != 99)
			fail_msg("step %d: the child did not stop at the crash point", steps[i]);
		/* It did stop half way. */
		assert_true(tu_exists(at(w, ".qga-forge/txn")));
		if (steps[i] == 1 || steps[i] == 10)
			assert_true(tu_exists(at(w, "c.txt")));
		if (steps[i] == 11)
			tu_assert_file(at(w, "a.txt"), "new a\n");
		if (steps[i] == 11)
			tu_assert_file(at(w, "c.txt"), "old c\n");
		if (steps[i] < 14 && steps[i] >= 10)
			assert_int_equal(disk_state_int(w, "counter"), 1);

		ws = open_ws(w);
		assert_all_new(w);
		assert_int_equal(mem_state_int(ws, "counter"), 2);
		assert_no_leftovers(w);
		ws_free(ws);
	}
}

static void test_workspace__crash_step_past_end_is_no_crash(void **state)
{
	char w[PATH_MAX];

	tu_fmt(w, "%s", tu_path("w"));
	fill_ws(w);
	/* Five files (0..4): there is no step 15, so the commit completes. */
	assert_int_equal(crash_child(w, 15), 0);
	assert_all_new(w);
	assert_no_leftovers(w);
}

/* ---- transactions on a git work tree ---- */

/* w/src with a baseline commit; returns the baseline id in base. */
static void git_ws(const char *w, char base[41])
{
	char src[PATH_MAX];

	tu_fmt(src, "%s/src", w);
	tu_write(at(w, "src/README"), "readme v1\n");
	tu_write(at(w, "src/lib/code.c"), "int x;\n");
	tu_write_mode(at(w, "src/scripts/run.sh"), "#!/bin/sh\necho run\n", 0755);
	tu_write(at(w, "src/.gitignore"), "*.o\n");
	tu_write(at(w, "src/build.o"), "object\n");
	assert_int_equal(patchgen_init_baseline(base, src, &test_sig, "baseline\n"), 0);
	make_ws(w);
}

static void assert_forge_at(const char *w, const char *want)
{
	char hex[41], src[PATH_MAX];

	tu_fmt(src, "%s/src", w);
	assert_int_equal(patchgen_resolve(hex, src, "refs/heads/" PATCHGEN_FORGE), 0);
	assert_string_equal(hex, want);
	assert_int_equal(patchgen_resolve(hex, src, "HEAD"), 0);
	assert_string_equal(hex, want);
}

static void assert_clean(const char *w)
{
	char src[PATH_MAX];
	struct buf what = BUF_INIT;
	int r;

	tu_fmt(src, "%s/src", w);
	r = patchgen_is_clean(src, &what);
	if (r != 1)
		fail_msg("'%s' is not clean (%d): %s", src, r, what.ptr);
	assert_string_equal(what.ptr, "");
	buf_release(&what);
}

/* Status flags of one path of w/src as libgit2 sees them. */
static unsigned int git_status_of(const char *w, const char *path)
{
	git_repository *repo = NULL;
	unsigned int flags = 0;
	char src[PATH_MAX];

	tu_fmt(src, "%s/src", w);
	git_libgit2_init();
	assert_int_equal(git_repository_open(&repo, src), 0);
	assert_int_equal(git_status_file(&flags, repo, path), 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return flags;
}

static const struct patchgen_change commit1[] = {
	{ "README", "readme v2\n", 10, 0, false },
	{ "lib/new.c", "int y;\n", 7, 0, false },
	{ "lib/code.c", NULL, 0, 0, true },
};

static void assert_commit1_files(const char *w)
{
	tu_assert_file(at(w, "src/README"), "readme v2\n");
	tu_assert_file(at(w, "src/lib/new.c"), "int y;\n");
	assert_int_equal(tu_mode(at(w, "src/lib/new.c")), 0644);
	assert_false(tu_exists(at(w, "src/lib/code.c")));
	tu_assert_file(at(w, "src/scripts/run.sh"), "#!/bin/sh\necho run\n");
	assert_int_equal(tu_mode(at(w, "src/scripts/run.sh")), 0755);
	tu_assert_file(at(w, "src/build.o"), "object\n");
}

static void assert_base_files(const char *w)
{
	tu_assert_file(at(w, "src/README"), "readme v1\n");
	tu_assert_file(at(w, "src/lib/code.c"), "int x;\n");
	assert_false(tu_exists(at(w, "src/lib/new.c")));
	tu_assert_file(at(w, "src/scripts/run.sh"), "#!/bin/sh\necho run\n");
	assert_int_equal(tu_mode(at(w, "src/scripts/run.sh")), 0755);
}

static void test_workspace__stage_commit(void **state)
{
	char w[PATH_MAX], base[41], hex[41] = "", src[PATH_MAX];
	struct ws *ws;
	struct ws_txn *t = NULL;
	struct buf b = BUF_INIT;
	char (*list)[41] = NULL;
	size_t n = 0;

	tu_fmt(w, "%s", tu_path("w"));
	tu_fmt(src, "%s/src", w);
	git_ws(w, base);
	assert_clean(w);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_commit(ws, t, commit1, 3, "add new.c\n\nBody.\n", hex), 0);
	assert_int_equal(strlen(hex), 40);
	/* Staged only: the branch and the files have not moved yet. */
	assert_forge_at(w, base);
	assert_base_files(w);
	set_state_int(ws, "counter", 7);
	assert_int_equal(ws_txn_commit(t), 0);

	assert_forge_at(w, hex);
	assert_commit1_files(w);
	assert_clean(w);
	assert_int_equal(disk_state_int(w, "counter"), 7);
	assert_no_leftovers(w);

	assert_int_equal(patchgen_read_blob(&b, src, hex, "README"), 0);
	assert_string_equal(b.ptr, "readme v2\n");
	buf_release(&b);
	assert_int_equal(patchgen_list_commits(&list, &n, src, PATCHGEN_UPSTREAM, PATCHGEN_FORGE), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], hex);
	free(list);
	/* The baseline branch stays where it was. */
	assert_int_equal(patchgen_resolve(hex, src, PATCHGEN_UPSTREAM), 0);
	assert_string_equal(hex, base);
	ws_free(ws);
}

static void test_workspace__stage_commit_rejects_bad_paths(void **state)
{
	char w[PATH_MAX], base[41];
	struct ws *ws;
	struct ws_txn *t = NULL;
	struct patchgen_change bad[] = { { "../escape", "x", 1, 0, false } };

	tu_fmt(w, "%s", tu_path("w"));
	git_ws(w, base);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	error_clear();
	assert_int_equal(ws_stage_commit(ws, t, bad, 1, "bad\n", NULL), ERR_INPUT);
	assert_string_equal(error_last(), "'../escape' is not a path inside the source tree");
	bad[0].path = "/etc/passwd";
	assert_int_equal(ws_stage_commit(ws, t, bad, 1, "bad\n", NULL), ERR_INPUT);
	assert_string_equal(error_last(), "'/etc/passwd' is not a path inside the source tree");
	bad[0].path = "";
	assert_int_equal(ws_stage_commit(ws, t, bad, 1, "bad\n", NULL), ERR_INPUT);
	ws_txn_abort(t);
	assert_forge_at(w, base);
	assert_false(tu_exists(at(w, "escape")));
	ws_free(ws);
}

static void test_workspace__stage_commit_mode_change(void **state)
{
	char w[PATH_MAX], base[41], hex[41];
	struct ws *ws;
	struct ws_txn *t = NULL;
	const struct patchgen_change c[] = {
		{ "README", "#!/bin/sh\n", 10, 0755, false },
		{ "scripts/run.sh", "#!/bin/sh\necho run\n", 19, 0644, false },
	};

	tu_fmt(w, "%s", tu_path("w"));
	git_ws(w, base);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_commit(ws, t, c, 2, "modes\n", hex), 0);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_forge_at(w, hex);
	/* The work tree has the modes of the commit. */
	assert_int_equal(tu_mode(at(w, "src/README")), 0755);
	assert_int_equal(tu_mode(at(w, "src/scripts/run.sh")), 0644);
	assert_clean(w);

	/* And back. */
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_head_move(ws, t, base), 0);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_forge_at(w, base);
	assert_int_equal(tu_mode(at(w, "src/README")), 0644);
	assert_int_equal(tu_mode(at(w, "src/scripts/run.sh")), 0755);
	assert_clean(w);
	ws_free(ws);
}

static void test_workspace__stage_commit_keeps_user_changes_unstaged(void **state)
{
	/* A file the commit does not touch, edited by the user, stays a work
	 * tree change: the index is HEAD's tree, not the user's edit. */
	char w[PATH_MAX], base[41], hex[41];
	struct ws *ws;
	struct ws_txn *t = NULL;
	const struct patchgen_change c[] = { { "README", "readme v2\n", 10, 0, false } };
	unsigned int flags;

	tu_fmt(w, "%s", tu_path("w"));
	git_ws(w, base);
	tu_write(at(w, "src/lib/code.c"), "int x; /* local edit */\n");
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_commit(ws, t, c, 1, "readme\n", hex), 0);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_forge_at(w, hex);
	tu_assert_file(at(w, "src/lib/code.c"), "int x; /* local edit */\n");
	flags = git_status_of(w, "lib/code.c");
	assert_int_equal(flags, GIT_STATUS_WT_MODIFIED);
	assert_int_equal(git_status_of(w, "README"), GIT_STATUS_CURRENT);
	ws_free(ws);
}

/* Like the transaction above, in a child that stops at `step`; the new
 * commit id is passed back through a pipe. */
static int crash_commit_child(const char *w, int step, char hex[41])
{
	int fds[2];
	pid_t pid;
	int status;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ws *ws = NULL;
		struct ws_txn *t = NULL;
		char s[16], out[41];

		close(fds[0]);
		snprintf(s, sizeof(s), "%d", step);
		setenv(CRASH_ENV, s, 1);
		if (ws_open(&ws, w) < 0 || ws_txn_begin(&t, ws) < 0)
			_exit(1);
		if (ws_stage_commit(ws, t, commit1, 3, "add new.c\n", out) < 0)
			_exit(2);
		if (write(fds[1], out, 41) != 41)
			_exit(3);
		set_state_int(ws, "counter", 9);
		_exit(ws_txn_commit(t) < 0 ? 4 : 0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], hex, 41), 41);
	close(fds[0]);
	status = wait_child(pid);
	return status;
}

static void test_workspace__stage_commit_crash(void **state)
{
	/* Files: README, lib/new.c, lib/code.c (delete), state.json = 10..13. */
	static const int steps[] = { 0, 1, 10, 12, 13, 2, 3 };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char w[PATH_MAX], base[41], hex[41];
		struct ws *ws;

		tu_fmt(w, "%s/w%d", tu_current->path, steps[i]);
		git_ws(w, base);
		if (crash_commit_child(w, steps[i], hex) != 99)
			fail_msg("step %d: the child did not stop at the crash point", steps[i]);
		if (steps[i] <= 1 || steps[i] >= 10)
			assert_forge_at(w, base);  /* the ref moves after the files */

		ws = open_ws(w);
		if (steps[i] == 0) {
			assert_forge_at(w, base);
			assert_base_files(w);
			assert_int_equal(disk_state_int(w, "counter"), -1);
		} else {
			assert_forge_at(w, hex);
			assert_commit1_files(w);
			assert_int_equal(disk_state_int(w, "counter"), 9);
			assert_int_equal(mem_state_int(ws, "counter"), 9);
		}
		assert_clean(w);
		assert_no_leftovers(w);
		ws_free(ws);
	}
}

static void test_workspace__stage_head_move_back(void **state)
{
	char w[PATH_MAX], base[41], c1[41], c2[41];
	struct ws *ws;
	struct ws_txn *t = NULL;
	const struct patchgen_change second[] = {
		{ "docs/new.txt", "doc\n", 4, 0, false },
		{ "README", "readme v3\n", 10, 0, false },
	};

	tu_fmt(w, "%s", tu_path("w"));
	git_ws(w, base);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_commit(ws, t, commit1, 3, "first\n", c1), 0);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_commit(ws, t, second, 2, "second\n", c2), 0);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_forge_at(w, c2);
	tu_assert_file(at(w, "src/README"), "readme v3\n");
	tu_assert_file(at(w, "src/docs/new.txt"), "doc\n");
	assert_clean(w);

	/* Back one commit. */
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_head_move(ws, t, c1), 0);
	assert_forge_at(w, c2);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_forge_at(w, c1);
	assert_commit1_files(w);
	assert_false(tu_exists(at(w, "src/docs/new.txt")));
	assert_clean(w);

	/* Back to the baseline. */
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_head_move(ws, t, base), 0);
	assert_int_equal(ws_txn_commit(t), 0);
	assert_forge_at(w, base);
	assert_base_files(w);
	assert_clean(w);
	assert_no_leftovers(w);
	ws_free(ws);
}

static void test_workspace__ref_moved_by_someone_else(void **state)
{
	char w[PATH_MAX], base[41], c1[41], src[PATH_MAX];
	struct ws *ws;
	struct ws_txn *t = NULL;
	const struct patchgen_change other[] = { { "OTHER", "o\n", 2, 0, false } };
	char oid[41], *want;

	tu_fmt(w, "%s", tu_path("w"));
	tu_fmt(src, "%s/src", w);
	git_ws(w, base);
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	assert_int_equal(ws_stage_commit(ws, t, commit1, 3, "first\n", c1), 0);
	set_state_int(ws, "counter", 3);
	/* The branch moves under us before the commit. */
	assert_int_equal(patchgen_make_commit(oid, src, base, other, 1, "other\n", &test_sig), 0);
	assert_int_equal(patchgen_set_ref(src, "refs/heads/" PATCHGEN_FORGE, base, oid), 0);
	error_clear();
	assert_int_equal(ws_txn_commit(t), ERR_GENERIC);
	want = xasprintf("branch 'refs/heads/forge' in '%s' moved while qga-forge was working; "
			 "expected it at %.12s", src, base);
	assert_string_equal(error_last(), want);
	free(want);
	/* Nothing was applied: the files are the baseline's, the branch is left
	 * where the other party put it, and the workspace opens again. */
	assert_base_files(w);
	assert_forge_at(w, oid);
	assert_int_equal(disk_state_int(w, "counter"), -1);
	assert_no_leftovers(w);
	ws_free(ws);
	ws = open_ws(w);
	assert_base_files(w);
	ws_free(ws);
}

static void test_workspace__txn_apply_failure_finished_later(void **state)
{
	char w[PATH_MAX], *want, *p;
	struct ws *ws;
	struct ws_txn *t = NULL;

	tu_fmt(w, "%s", tu_path("w"));
	fill_ws(w);
	tu_write(at(w, "blocker"), "a file where a directory is needed\n");
	ws = open_ws(w);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	p = ws_path(ws, "a.txt");
	assert_int_equal(ws_txn_put(t, p, "new a\n", 6, 0), 0);
	free(p);
	p = ws_path(ws, "blocker/f.txt");
	assert_int_equal(ws_txn_put(t, p, "f\n", 2, 0), 0);
	free(p);
	p = ws_path(ws, "c.txt");
	assert_int_equal(ws_txn_put(t, p, "new c\n", 6, 0), 0);
	free(p);
	set_state_int(ws, "counter", 2);
	error_clear();
	assert_int_equal(ws_txn_commit(t), ERR_EXISTS);
	want = xasprintf("the change was committed but not fully applied; the next qga-forge "
			 "command in '%s' finishes it: '%s/blocker' exists and is not a directory",
			 w, w);
	assert_string_equal(error_last(), want);
	free(want);
	/* Half applied, with the journal kept. */
	tu_assert_file(at(w, "a.txt"), "new a\n");
	tu_assert_file(at(w, "c.txt"), "old c\n");
	assert_true(tu_exists(at(w, ".qga-forge/txn/manifest.json")));

	/* Once the obstacle is gone, the next transaction finishes the change
	 * first rather than dropping it. */
	assert_int_equal(unlink(at(w, "blocker")), 0);
	assert_int_equal(ws_txn_begin(&t, ws), 0);
	tu_assert_file(at(w, "a.txt"), "new a\n");
	tu_assert_file(at(w, "blocker/f.txt"), "f\n");
	tu_assert_file(at(w, "c.txt"), "new c\n");
	assert_int_equal(disk_state_int(w, "counter"), 2);
	assert_no_leftovers(w);
	ws_txn_abort(t);
	ws_free(ws);
}

static void test_workspace__default_sig(void **state)
{
	struct patchgen_sig s;

	setenv("QGA_FORGE_AUTHOR_NAME", "Forge Person", 1);
	setenv("QGA_FORGE_AUTHOR_EMAIL", "forge@example.com", 1);
	setenv("SOURCE_DATE_EPOCH", "1234567890", 1);
	ws_default_sig(&s);
	assert_string_equal(s.name, "Forge Person");
	assert_string_equal(s.email, "forge@example.com");
	assert_int_equal(s.when, 1234567890);
	unsetenv("QGA_FORGE_AUTHOR_NAME");
	unsetenv("QGA_FORGE_AUTHOR_EMAIL");
	unsetenv("SOURCE_DATE_EPOCH");
	setenv("GIT_AUTHOR_NAME", "Git Person", 1);
	unsetenv("GIT_AUTHOR_EMAIL");
	ws_default_sig(&s);
	assert_string_equal(s.name, "Git Person");
	assert_string_equal(s.email, "qga-forge@localhost");
	assert_true(s.when > 1600000000);
	unsetenv("GIT_AUTHOR_NAME");
	ws_default_sig(&s);
	assert_string_equal(s.name, "qga-forge");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_workspace__create_layout),
		TU_TEST(test_workspace__open_from_subdirectory),
		TU_TEST(test_workspace__open_nested_takes_nearest),
		TU_TEST(test_workspace__open_by_path),
		TU_TEST(test_workspace__open_not_a_workspace),
		TU_TEST(test_workspace__open_damaged_state),
		TU_TEST(test_workspace__lock_held_by_other_process),
		TU_TEST(test_workspace__lock_waits_for_holder),
		TU_TEST(test_workspace__lock_released_by_free),
		TU_TEST(test_workspace__txn_commit),
		TU_TEST(test_workspace__txn_abort),
		TU_TEST(test_workspace__txn_modes),
		TU_TEST(test_workspace__txn_put_twice_last_wins),
		TU_TEST(test_workspace__txn_rejects_outside_paths),
		TU_TEST(test_workspace__txn_empty_commit_saves_state),
		TU_TEST(test_workspace__txn_apply_failure_finished_later),
		TU_TEST(test_workspace__crash_before_commit_point),
		TU_TEST(test_workspace__crash_after_commit_point),
		TU_TEST(test_workspace__crash_step_past_end_is_no_crash),
		TU_TEST(test_workspace__stage_commit),
		TU_TEST(test_workspace__stage_commit_rejects_bad_paths),
		TU_TEST(test_workspace__stage_commit_mode_change),
		TU_TEST(test_workspace__stage_commit_keeps_user_changes_unstaged),
		TU_TEST(test_workspace__stage_commit_crash),
		TU_TEST(test_workspace__stage_head_move_back),
		TU_TEST(test_workspace__ref_moved_by_someone_else),
		TU_TEST(test_workspace__default_sig),
	};

	/* Tests fork: keep the environment of one test out of the next. */
	unsetenv(CRASH_ENV);
	unsetenv("QGA_FORGE_LOCK_TIMEOUT");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
