#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check_rpm.h"
#include "cli.h"
#include "commands.h"
#include "workspace/workspace.h"
#include "util/banned.h"

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

static void print_smoke(struct json_object *smoke)
{
	struct json_object *calls, *v;
	size_t i;

	if (json_object_object_get_ex(smoke, "as_installed", &v) && v &&
	    json_object_object_get_ex(v, "unit", &calls))
		printf("smoke:     as installed (%s)\n", json_object_get_string(calls));
	if (!json_object_object_get_ex(smoke, "calls", &calls))
		return;
	for (i = 0; i < json_object_array_length(calls); i++) {
		struct json_object *c = json_object_array_get_idx(calls, i), *name;

		json_object_object_get_ex(c, "name", &name);
		if (json_object_object_get_ex(c, "status", &v) &&
		    (!strcmp(json_object_get_string(v), "stub") ||
		     !strcmp(json_object_get_string(v), "not-called")) &&
		    json_object_object_get_ex(c, "message", &v))
			printf("smoke: %s -> %s\n", json_object_get_string(name), json_object_get_string(v));
		else if (json_object_object_get_ex(c, "return", &v))
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

static void print_text(const struct ws_forge_result *r)
{
	struct json_object *m = r->manifest, *v;
	size_t i;

	if (json_object_object_get_ex(m, "srpm", &v))
		printf("src.rpm:   %s\n", json_object_get_string(v));
	if (json_object_object_get_ex(m, "artifacts", &v)) {
		for (i = 0; i < json_object_array_length(v); i++) {
			struct json_object *p;
			const char *s;

			json_object_object_get_ex(json_object_array_get_idx(v, i), "path", &p);
			s = json_object_get_string(p);
			if (strstr(s, "RPMS/") == s)
				printf("rpm:       %s/%s\n", r->outdir, s);
		}
	}
	if (json_object_object_get_ex(m, "agent", &v))
		printf("agent:     %s\n", json_object_get_string(v));
	printf("manifest:  %s/manifest.json\n", r->outdir);
	if (json_object_object_get_ex(m, "deploy", &v))
		check_rpm_print(stdout, v, 0);
	if (json_object_object_get_ex(m, "smoke", &v))
		print_smoke(v);
}

/* --json after a failure before the manifest exists: the step and the message. */
static void print_failure_json(const struct ws_forge_result *r)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "failed_step", json_object_new_string(r->failed_step));
	json_object_object_add(j, "error", json_object_new_string(error_last()));
	cli_print_json(j);
	json_object_put(j);
}

int cmd_forge(int argc, const char **argv)
{
	const char **commands = NULL, **defines = NULL, **calls = NULL, **qmp_commands = NULL;
	const char *outdir = NULL;
	int nodeps = 0, jobs = 0, force = 0, no_smoke = 0, smoke_vm = 0, strict = 0, status, nargs;
	int agent_only = 0, hmp = 0;
	int ret = 0;
	struct poptOption table[] = {
		{ "command", 'c', POPT_ARG_ARGV, &commands, 0,
		  "a command to add: its QAPI fragment, and optionally its handlers (repeatable)",
		  "FILE.qapi[:HANDLER.c]" },
		{ "qmp-command", '\0', POPT_ARG_ARGV, &qmp_commands, 0,
		  "a QEMU monitor command to add (a qemu or qemu-kvm src.rpm): add-command --qmp; "
		  "smoked with smoke --qmp (repeatable)", "FILE.qapi[:HANDLER.c]" },
		{ "hmp", '\0', POPT_ARG_NONE, &hmp, 0,
		  "give each --qmp-command its HMP wrapper", NULL },
		{ "output", 'o', POPT_ARG_STRING, &outdir, 0,
		  "where the workspace, rpms, agent and manifest.json go (required)", "OUTDIR" },
		{ "nodeps", '\0', POPT_ARG_NONE, &nodeps, 0,
		  "do not check BuildRequires against the rpm database", NULL },
		{ "define", 'D', POPT_ARG_ARGV, &defines, 0,
		  "define an rpm macro for %prep and the build (repeatable)", "'MACRO VALUE'" },
		{ "jobs", 'j', POPT_ARG_INT, &jobs, 0, "parallel make/ninja jobs", "N" },
		{ "call", '\0', POPT_ARG_ARGV, &calls, 0,
		  "also call NAME with JSON-ARGS in the smoke test (repeatable)", "'NAME [JSON-ARGS]'" },
		{ "strict", '\0', POPT_ARG_NONE, &strict, 0,
		  "smoke: fail for a stub's \"not implemented\" and for a command not called", NULL },
		{ "no-smoke", '\0', POPT_ARG_NONE, &no_smoke, 0,
		  "do not start the agent after the build", NULL },
		{ "vm", '\0', POPT_ARG_NONE, &smoke_vm, 0,
		  "smoke-test in a small VM over a virtio-serial port (smoke --vm)", NULL },
		{ "agent-only", '\0', POPT_ARG_NONE, &agent_only, 0,
		  "a qemu or qemu-kvm src.rpm: build its qemu-guest-agent subpackage alone", NULL },
		{ "force", 'f', POPT_ARG_NONE, &force, 0,
		  "replace the workspace directory when it exists", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "forge", argc, argv, table, "SRPM");
	struct ws_forge_command *cmds = NULL;
	struct ws_forge_result r = { 0 };
	struct ws_forge_opts o = { 0 };
	struct cli_progress pr;
	const char **args;
	size_t i, n = 0;

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
	if (ws_check_defines(defines) < 0) {
		status = cli_usage("forge", "%s", error_last());
		goto out;
	}
	if (hmp && !qmp_commands) {
		status = cli_usage("forge", "--hmp goes with --qmp-command");
		goto out;
	}
	if (agent_only && qmp_commands) {
		status = cli_usage("forge", "--qmp-command needs the emulator: not with --agent-only");
		goto out;
	}
	for (n = 0; commands && commands[n]; n++)
		;
	for (i = 0; qmp_commands && qmp_commands[i]; i++)
		;
	cmds = xcalloc(n + i + 1, sizeof(*cmds));
	for (i = 0; i < n; i++)
		split_command((char **)&cmds[i].qapi, (char **)&cmds[i].handler, commands[i]);
	for (i = 0; qmp_commands && qmp_commands[i]; i++, n++) {
		split_command((char **)&cmds[n].qapi, (char **)&cmds[n].handler, qmp_commands[i]);
		cmds[n].qmp = true;
		cmds[n].hmp = hmp;
	}
	o.srpm = args[0];
	o.commands = cmds;
	o.ncommands = n;
	o.outdir = outdir;
	o.workspace = cli_opts.workspace;
	o.defines = defines;
	o.calls = calls;
	o.nodeps = nodeps;
	o.force = force;
	o.no_smoke = no_smoke;
	o.smoke_vm = smoke_vm;
	o.agent_only = agent_only;
	o.strict = strict;
	o.jobs = jobs;
	o.datadir = cli_datadir();
	o.progress = cli_progress(&pr, cli_opts.quiet, cli_opts.json);
	ret = ws_op_forge(&r, &o);
	if (ret < 0) {
		status = cli_fail(ret);
		if (cli_opts.json && r.manifest)
			cli_print_json(r.manifest);
		else if (cli_opts.json && r.failed_step)
			print_failure_json(&r);
		goto out;
	}
	if (cli_opts.json)
		cli_print_json(r.manifest);
	else
		print_text(&r);
	status = cli_finish(0);
out:
	for (i = 0; cmds && i < n; i++) {
		free((char *)cmds[i].qapi);
		free((char *)cmds[i].handler);
	}
	free(cmds);
	ws_forge_result_release(&r);
	poptFreeContext(ctx);
	return status;
}
