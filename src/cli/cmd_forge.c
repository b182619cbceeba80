#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "build.h"
#include "cli.h"
#include "commands.h"
#include "workspace/ws.h"
#include "util/banned.h"

/*
 * forge = init + add-command for each command + build + smoke, for CI.
 * init, add-command and smoke run as child processes of this same binary,
 * so each step is exactly the command a user would type, its output is
 * kept for the error message, and a failure names the step.
 */

struct step_out {
	struct buf out, err;
};

static int run_self(struct step_out *so, const char *step, const char *const *argv)
{
	struct run_opts o = { 0 };
	struct run_result r = RUN_RESULT_INIT;
	char *self = fs_self_dir(), *exe = NULL;
	const char **av = NULL;
	size_t n = 0, i;
	int ret = 0;

	exe = self ? fs_path_join(self, "qga-forge") : xstrdup("qga-forge");
	while (argv[n])
		n++;
	av = xcalloc(n + 2, sizeof(*av));
	av[0] = exe;
	for (i = 0; i < n; i++)
		av[i + 1] = argv[i];
	o.argv = av;
	o.capture = true;
	ret = run_command(&r, &o);
	if (ret < 0) {
		error_prefix(ret, "step '%s' failed", step);
		goto out;
	}
	buf_rtrim(&r.err);
	if (r.status != 0) {
		const char *msg = r.err.ptr;

		if (!strncmp(msg, "qga-forge: error: ", 18))
			msg += 18;
		ret = error_set(r.status == 2 ? ERR_USAGE : ERR_GENERIC, "step '%s' failed: %s", step,
				r.err.len ? msg : "no message");
	}
	if (so) {
		buf_swap(&so->out, &r.out);
		buf_swap(&so->err, &r.err);
	}
out:
	run_result_release(&r);
	free(av);
	free(exe);
	free(self);
	return ret;
}

/* Split FILE.qapi[:HANDLER.c]; the colon of a path with a colon needs the .qapi suffix before it. */
static void split_command(char **qapi, char **handler, const char *spec)
{
	const char *c = strstr(spec, ".qapi:");

	if (c) {
		*qapi = xstrndup(spec, (size_t)(c - spec) + 5);
		*handler = xstrdup(c + 6);
	} else {
		*qapi = xstrdup(spec);
		*handler = NULL;
	}
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

static void print_smoke(struct json_object *smoke)
{
	struct json_object *calls, *v;
	size_t i;

	if (!json_object_object_get_ex(smoke, "calls", &calls))
		return;
	for (i = 0; i < json_object_array_length(calls); i++) {
		struct json_object *c = json_object_array_get_idx(calls, i), *name;

		json_object_object_get_ex(c, "name", &name);
		if (json_object_object_get_ex(c, "return", &v))
			printf("smoke: %s -> %s\n", json_object_get_string(name),
			       json_object_to_json_string_ext(v, JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
		else if (json_object_object_get_ex(c, "error", &v))
			printf("smoke: %s -> error %s\n", json_object_get_string(name),
			       json_object_to_json_string(v));
		else
			printf("smoke: %s -> (no reply)\n", json_object_get_string(name));
	}
}

int cmd_forge(int argc, const char **argv)
{
	const char **commands = NULL, **defines = NULL, **calls = NULL;
	const char *outdir = NULL;
	int nodeps = 0, jobs = 0, force = 0, no_smoke = 0, status, nargs, ret = 0;
	struct poptOption table[] = {
		{ "command", 'c', POPT_ARG_ARGV, &commands, 0,
		  "a command to add: its QAPI fragment, and optionally its handlers (repeatable)",
		  "FILE.qapi[:HANDLER.c]" },
		{ "output", 'o', POPT_ARG_STRING, &outdir, 0,
		  "where the workspace, rpms, agent and manifest.json go (required)", "OUTDIR" },
		{ "nodeps", '\0', POPT_ARG_NONE, &nodeps, 0,
		  "do not check BuildRequires against the rpm database", NULL },
		{ "define", 'D', POPT_ARG_ARGV, &defines, 0,
		  "define an rpm macro for %prep and the build (repeatable)", "'MACRO VALUE'" },
		{ "jobs", 'j', POPT_ARG_INT, &jobs, 0, "parallel make/ninja jobs", "N" },
		{ "call", '\0', POPT_ARG_ARGV, &calls, 0,
		  "also call NAME with JSON-ARGS in the smoke test (repeatable)", "'NAME [JSON-ARGS]'" },
		{ "no-smoke", '\0', POPT_ARG_NONE, &no_smoke, 0,
		  "do not start the agent after the build", NULL },
		{ "force", 'f', POPT_ARG_NONE, &force, 0,
		  "replace the workspace directory when it exists", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "forge", argc, argv, table, "SRPM");
	const char **args;
	char *out = NULL, *wsdir = NULL;
	struct ws *ws = NULL;
	struct json_object *m = NULL, *timings = json_object_new_object(), *inputs;
	struct json_object *files = json_object_new_array(), *smoke = NULL;
	struct step_out so = { BUF_INIT, BUF_INIT };
	struct build_opts bo;
	size_t i;
	double t0, tall = clock_now();

	if (!ctx)
		return status;
	args = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("forge", nargs ? "too many arguments" : "missing SRPM");
		goto out;
	}
	if (!outdir) {
		status = cli_usage("forge", "-o OUTDIR is required");
		goto out;
	}
	for (i = 0; commands && commands[i]; i++) {
		char *q, *h;

		split_command(&q, &h, commands[i]);
		if (!fs_is_file(q) || (h && !fs_is_file(h))) {
			error_set(ERR_INPUT, "--command '%s': cannot read '%s'", commands[i],
				  !fs_is_file(q) ? q : h);
			free(q);
			free(h);
			status = cli_fail(ERR_INPUT);
			goto out;
		}
		json_object_array_add(files, file_entry(q, "schema"));
		if (h)
			json_object_array_add(files, file_entry(h, "handlers"));
		free(q);
		free(h);
	}
	out = fs_abspath(outdir);
	wsdir = cli_opts.workspace ? fs_abspath(cli_opts.workspace) : fs_path_join(out, "workspace");
	if ((ret = fs_mkdirs(out, 0755)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	/* A workspace an earlier forge left in OUT is ours to replace. */
	if (!cli_opts.workspace && fs_exists(wsdir))
		force = 1;

	t0 = clock_now();
	cli_info("qga-forge: forge: init %s", args[0]);
	{
		const char *av[64];
		size_t n = 0;

		av[n++] = "init";
		av[n++] = "-q";
		av[n++] = "-w";
		av[n++] = wsdir;
		if (force)
			av[n++] = "--force";
		for (i = 0; defines && defines[i] && n < 58; i++) {
			av[n++] = "--define";
			av[n++] = defines[i];
		}
		av[n++] = args[0];
		av[n] = NULL;
		if ((ret = run_self(NULL, "init", av)) < 0) {
			status = cli_fail(ret);
			goto out;
		}
	}
	build_add_timing(timings, "init", clock_now() - t0);

	t0 = clock_now();
	for (i = 0; commands && commands[i]; i++) {
		char *q, *h, *step;
		const char *av[10];
		size_t n = 0;

		split_command(&q, &h, commands[i]);
		av[n++] = "add-command";
		av[n++] = "-q";
		av[n++] = "-w";
		av[n++] = wsdir;
		if (h) {
			av[n++] = "--handler";
			av[n++] = h;
		}
		av[n++] = q;
		av[n] = NULL;
		cli_info("qga-forge: forge: add-command %s", commands[i]);
		step = xasprintf("add-command %s", commands[i]);
		ret = run_self(NULL, step, av);
		free(step);
		free(q);
		free(h);
		if (ret < 0) {
			status = cli_fail(ret);
			goto out;
		}
	}
	build_add_timing(timings, "add-command", clock_now() - t0);

	if ((ret = ws_open(&ws, wsdir)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	memset(&bo, 0, sizeof(bo));
	bo.outdir = out;
	bo.defines = (const char *const *)defines;
	bo.nodeps = nodeps;
	bo.jobs = jobs;
	bo.quiet = cli_opts.quiet || cli_opts.json;
	if ((ret = build_run(ws, &bo, timings, &m)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	/* smoke reads the workspace; let it have the lock. */
	ws_free(ws);
	ws = NULL;

	if (!no_smoke) {
		const char *av[40];
		size_t n = 0;

		t0 = clock_now();
		av[n++] = "smoke";
		av[n++] = "--json";
		av[n++] = "-w";
		av[n++] = wsdir;
		for (i = 0; calls && calls[i] && n < 36; i++) {
			av[n++] = "--call";
			av[n++] = calls[i];
		}
		av[n] = NULL;
		cli_info("qga-forge: forge: smoke");
		ret = run_self(&so, "smoke", av);
		smoke = json_tokener_parse(so.out.ptr);
		if (smoke)
			json_object_object_add(m, "smoke", json_object_get(smoke));
		json_object_object_get_ex(m, "timings", &inputs);
		if (inputs)
			build_add_timing(inputs, "smoke", clock_now() - t0);
	}
	if (json_object_object_get_ex(m, "inputs", &inputs))
		json_object_object_add(inputs, "command_files", json_object_get(files));
	{
		struct json_object *tm;

		if (json_object_object_get_ex(m, "timings", &tm))
			build_add_timing(tm, "total", clock_now() - tall);
	}
	json_object_object_add(m, "workspace", json_object_new_string(wsdir));
	if (build_write_manifest(out, m) < 0 && !ret)
		ret = ERR_GENERIC;
	if (ret < 0) {
		status = cli_fail(ret);
		if (cli_opts.json)
			cli_print_json(m);
		goto out;
	}
	if (cli_opts.json) {
		cli_print_json(m);
	} else {
		struct json_object *v;

		if (json_object_object_get_ex(m, "srpm", &v))
			printf("src.rpm:   %s\n", json_object_get_string(v));
		if (json_object_object_get_ex(m, "artifacts", &v)) {
			for (i = 0; i < json_object_array_length(v); i++) {
				struct json_object *p;
				const char *s;

				json_object_object_get_ex(json_object_array_get_idx(v, i), "path", &p);
				s = json_object_get_string(p);
				if (strstr(s, "RPMS/") == s)
					printf("rpm:       %s/%s\n", out, s);
			}
		}
		if (json_object_object_get_ex(m, "agent", &v))
			printf("agent:     %s\n", json_object_get_string(v));
		printf("manifest:  %s/manifest.json\n", out);
		if (smoke)
			print_smoke(smoke);
	}
	status = cli_finish(0);
out:
	buf_release(&so.out);
	buf_release(&so.err);
	json_object_put(smoke);
	json_object_put(files);
	json_object_put(timings);
	json_object_put(m);
	ws_free(ws);
	free(wsdir);
	free(out);
	poptFreeContext(ctx);
	return status;
}
