/*
 * forge = init + add-command for each command + build + smoke, for CI: the
 * same operations the commands run, called in this process on one
 * workspace handle that keeps the lock from init to the end of smoke. Each
 * .qapi file is read once, nothing is re-parsed from a child's output, and
 * a failure names its step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "agent/qga.h"
#include "util/banned.h"

#define OP "forge"

/*
 * The steps' own progress lines are not forge's: like a user's `-q` run of
 * each step, only warnings, timings and the build's stages get through.
 */
static void forward(const struct ws_event *ev, void *payload)
{
	const struct ws_progress *to = payload;

	if (ev->kind == WS_EVENT_INFO && strcmp(ev->op, OP) && strcmp(ev->op, "build"))
		return;
	to->fn(ev, to->payload);
}

static char *command_label(const struct ws_forge_command *c)
{
	return c->handler ? xasprintf("%s:%s", c->qapi, c->handler) : xstrdup(c->qapi);
}

static struct json_object *file_entry(const char *path, const char *role)
{
	struct json_object *e = json_object_new_object();
	char hex[65] = "";
	char *abs = fs_abspath(path);

	hash_sha256_file(hex, path);
	json_object_object_add(e, "path", json_object_new_string(abs));
	json_object_object_add(e, "role", json_object_new_string(role));
	json_object_object_add(e, "sha256", json_object_new_string(hex));
	free(abs);
	return e;
}

/* Every --command file must be readable before anything starts. */
static int check_inputs(struct json_object *files, const struct ws_forge_opts *o)
{
	size_t i;

	for (i = 0; i < o->ncommands; i++) {
		const struct ws_forge_command *c = &o->commands[i];

		if (!fs_is_file(c->qapi) || (c->handler && !fs_is_file(c->handler))) {
			char *label = command_label(c);
			int ret = error_set(ERR_INPUT, "--command '%s': cannot read '%s'", label,
					    !fs_is_file(c->qapi) ? c->qapi : c->handler);

			free(label);
			return ret;
		}
		json_object_array_add(files, file_entry(c->qapi, "schema"));
		if (c->handler)
			json_object_array_add(files, file_entry(c->handler, "handlers"));
	}
	return 0;
}

/* The error of step `step` (already set) becomes "step 'STEP' failed: ...". */
static int fail_step(struct ws_forge_result *out, const char *step, int ret, bool prefixed)
{
	if (!out->failed_step)
		out->failed_step = xstrdup(step);
	if (!prefixed)
		error_prefix(ret, "step '%s' failed", step);
	return ret;
}

static int add_commands(struct ws *ws, struct ws_forge_result *out, const struct ws_forge_opts *o,
			const struct ws_progress *pr)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < o->ncommands && !ret; i++) {
		struct ws_add_opts ao = { 0 };
		struct ws_add_result ar = { 0 };
		char *label = command_label(&o->commands[i]), *step;

		ao.fragment_path = o->commands[i].qapi;
		ao.handler_path = o->commands[i].handler;
		ao.qmp = o->commands[i].qmp;
		ao.hmp = o->commands[i].hmp;
		ao.datadir = o->datadir;
		ao.progress = *pr;
		ws_info_event(&o->progress, OP, "forge: add-command %s", label);
		ret = ws_op_add_command(ws, &ar, &ao);
		ws_add_result_release(&ar);
		if (ret) {
			step = xasprintf("add-command %s", label);
			fail_step(out, step, ret, false);
			free(step);
		}
		free(label);
	}
	return ret;
}

/* The smoke run; its result goes into the manifest when the agent started. */
static int smoke(struct ws *ws, struct json_object *m, const struct ws_forge_opts *o,
		 const struct ws_progress *pr)
{
	struct qga_smoke_result res = QGA_SMOKE_RESULT_INIT;
	struct ws_smoke_opts so = { 0 };
	struct json_object *tm, *report = NULL;
	double t0 = clock_now();
	int ret;

	so.calls = o->calls;
	so.strict = o->strict;
	so.progress = *pr;
	/* as-installed hook: the agent as the rpm's own unit starts it */
	so.as_installed = true;
	so.vm = o->smoke_vm;
	so.datadir = o->datadir;
	ws_info_event(&o->progress, OP, "forge: smoke");
	ret = ws_op_smoke_report(ws, &res, &report, &so);
	if (res.started) {
		struct json_object *j = qga_smoke_result_json(&res);

		json_object_object_foreach(report, k, v)
			json_object_object_add(j, k, json_object_get(v));
		json_object_object_add(m, "smoke", j);
	}
	json_object_put(report);
	if (json_object_object_get_ex(m, "timings", &tm))
		ws_add_timing(tm, "smoke", clock_now() - t0);
	qga_smoke_result_release(&res);
	return ret;
}

/* The monitor commands: the build's emulator over QMP and HMP ("smoke_qmp" in the manifest). */
static int smoke_qmp(struct ws *ws, struct json_object *m, const struct ws_forge_opts *o,
		     const struct ws_progress *pr)
{
	struct qga_smoke_result res = QGA_SMOKE_RESULT_INIT;
	struct ws_smoke_opts so = { 0 };
	struct json_object *tm;
	double t0 = clock_now();
	size_t i;
	int ret;

	for (i = 0; i < o->ncommands && !o->commands[i].qmp; i++)
		;
	if (i == o->ncommands)
		return 0;
	so.calls = o->calls;
	so.strict = o->strict;
	so.progress = *pr;
	so.qmp = true;
	ws_info_event(&o->progress, OP, "forge: smoke --qmp");
	ret = ws_op_smoke(ws, &res, &so);
	if (res.started)
		json_object_object_add(m, "smoke_qmp", qga_smoke_result_json(&res));
	if (json_object_object_get_ex(m, "timings", &tm))
		ws_add_timing(tm, "smoke_qmp", clock_now() - t0);
	qga_smoke_result_release(&res);
	return ret;
}

int ws_op_forge(struct ws_forge_result *out, const struct ws_forge_opts *o)
{
	struct json_object *timings = json_object_new_object(), *files = json_object_new_array();
	struct json_object *m = NULL, *v;
	struct ws_progress pr = { NULL, NULL };
	struct ws_init_opts io = { 0 };
	struct ws_init_result ir = { 0 };
	struct ws_build_opts bo = { 0 };
	const char *build_step = NULL;
	struct ws *ws = NULL;
	double t0, tall = clock_now();
	int ret;

	memset(out, 0, sizeof(*out));
	if (o->progress.fn) {
		pr.fn = forward;
		pr.payload = (void *)&o->progress;
	}
	if (!o->outdir) {
		ret = error_set(ERR_USAGE, "-o OUTDIR is required");
		goto out;
	}
	if ((ret = check_inputs(files, o)) < 0)
		goto out;
	out->outdir = fs_abspath(o->outdir);
	out->workspace = o->workspace ? fs_abspath(o->workspace) : fs_path_join(out->outdir, "workspace");
	if ((ret = fs_mkdirs(out->outdir, 0755)) < 0)
		goto out;

	t0 = clock_now();
	ws_info_event(&o->progress, OP, "forge: init %s", o->srpm);
	io.srpm = o->srpm;
	io.dir = out->workspace;
	io.defines = o->defines;
	/* A workspace an earlier forge left in OUT is ours to replace. */
	io.force = o->force || (!o->workspace && fs_exists(out->workspace));
	io.progress = pr;
	if ((ret = ws_op_init(&ws, &ir, &io)) < 0) {
		fail_step(out, "init", ret, false);
		goto out;
	}
	ws_add_timing(timings, "init", clock_now() - t0);

	/* --agent-only needs an agent package: refused before any command is added. */
	if (o->agent_only) {
		struct ws_agent_only_plan plan;

		if ((ret = ws_agent_only_plan(ws, &plan)) < 0) {
			fail_step(out, "init", ret, false);
			goto out;
		}
		ws_agent_only_plan_release(&plan);
	}

	t0 = clock_now();
	if ((ret = add_commands(ws, out, o, &pr)) < 0)
		goto out;
	ws_add_timing(timings, "add-command", clock_now() - t0);

	bo.outdir = out->outdir;
	bo.defines = o->defines;
	bo.nodeps = o->nodeps;
	bo.agent_only = o->agent_only;
	bo.jobs = o->jobs;
	bo.datadir = o->datadir;
	bo.progress = o->progress;
	if ((ret = ws_build_run(ws, &bo, timings, &m, &build_step)) < 0) {
		/* The build's messages already say "step '...' failed". */
		fail_step(out, build_step ? build_step : "build", ret, true);
		goto out;
	}
	if (!o->no_smoke && (ret = smoke(ws, m, o, &pr)) < 0)
		fail_step(out, "smoke", ret, false);
	if (!o->no_smoke && !ret && (ret = smoke_qmp(ws, m, o, &pr)) < 0)
		fail_step(out, "smoke --qmp", ret, false);
	if (json_object_object_get_ex(m, "inputs", &v))
		json_object_object_add(v, "command_files", json_object_get(files));
	if (json_object_object_get_ex(m, "timings", &v))
		ws_add_timing(v, "total", clock_now() - tall);
	json_object_object_add(m, "workspace", json_object_new_string(out->workspace));
	if (out->failed_step)
		json_object_object_add(m, "failed_step", json_object_new_string(out->failed_step));
	{
		int wret = ws_write_manifest(out->outdir, m);

		if (wret < 0 && !ret)
			ret = fail_step(out, "manifest", wret, false);
	}
	out->manifest = m;
	m = NULL;
out:
	ws_free(ws);
	ws_init_result_release(&ir);
	json_object_put(m);
	json_object_put(files);
	json_object_put(timings);
	return ret;
}

void ws_forge_result_release(struct ws_forge_result *r)
{
	free(r->workspace);
	free(r->outdir);
	free(r->failed_step);
	json_object_put(r->manifest);
	memset(r, 0, sizeof(*r));
}
