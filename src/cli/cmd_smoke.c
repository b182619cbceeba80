#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "agent/qga.h"
#include "workspace/workspace.h"
#include "util/banned.h"

static void print_text(const struct qga_smoke_result *r)
{
	size_t i;

	printf("agent: %s", r->agent ? r->agent : "?");
	if (r->agent_version)
		printf(" (version %s)", r->agent_version);
	putchar('\n');
	for (i = 0; i < r->ncommands; i++) {
		const struct qga_smoke_command *c = &r->commands[i];

		printf("command %s: %s\n", c->name,
		       !c->listed ? "NOT LISTED" : !c->enabled ? "DISABLED" : "listed, enabled");
	}
	for (i = 0; i < r->ncalls; i++) {
		const struct qga_smoke_call_result *c = &r->calls[i];

		printf("\ncall %zu: %s", i + 1, c->name);
		if (c->args)
			printf(" %s", json_object_to_json_string_ext(c->args, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
		if (c->source)
			printf(" (%s)", c->source);
		putchar('\n');
		if (c->ran && c->reply.raw)
			cli_print_json(c->reply.raw);
		else if (c->ran && !c->message)
			printf("(no reply: the command answers only on failure)\n");
		if (c->status == QGA_SMOKE_STUB || c->status == QGA_SMOKE_NOT_CALLED)
			printf("%s%s\n", c->ok ? "" : "FAILED: ", c->message);
		else
			printf("%s%s%s\n", c->ok ? "ok" : "FAILED", c->message ? ": " : "",
			       c->message ? c->message : "");
	}
}

/* What smoke --as-installed or --vm did, before the calls. */
static void print_report(struct json_object *rep, const struct qga_smoke_result *r)
{
	struct json_object *ai = NULL, *vm = NULL, *v;
	size_t i;

	json_object_object_get_ex(rep, "as_installed", &ai);
	json_object_object_get_ex(rep, "vm", &vm);
	if (vm) {
		printf("vm: kernel %s, %s (%s), initramfs %lld KiB",
		       json_object_get_string(json_object_object_get(vm, "release")),
		       json_object_get_string(json_object_object_get(vm, "accelerator")),
		       json_object_get_string(json_object_object_get(vm, "accelerator_reason")),
		       (long long)json_object_get_int64(json_object_object_get(vm, "initrd_bytes")) / 1024);
		if (json_object_object_get_ex(vm, "boot_seconds", &v) && v)
			printf(", first reply %.1f s after start", json_object_get_double(v));
		printf("\nguest: %s\n", json_object_get_string(json_object_object_get(vm, "guest_command")));
	} else if (ai) {
		printf("as installed: %s of %s\n", json_object_get_string(json_object_object_get(ai, "unit")),
		       json_object_get_string(json_object_object_get(ai, "rpm")));
		printf("command line:");
		for (i = 0; r->argv && r->argv[i]; i++)
			printf(" %s", r->argv[i]);
		putchar('\n');
	}
}

static void print_summary(const struct qga_smoke_result *r)
{
	size_t i, passed = 0, stubs = 0, not_called = 0;

	for (i = 0; i < r->ncalls; i++) {
		passed += r->calls[i].status == QGA_SMOKE_PASSED;
		stubs += r->calls[i].status == QGA_SMOKE_STUB;
		not_called += r->calls[i].status == QGA_SMOKE_NOT_CALLED;
	}
	printf("\nsmoke: %zu of %zu call%s passed", passed, r->ncalls, r->ncalls == 1 ? "" : "s");
	if (stubs)
		printf(", %zu stub%s", stubs, stubs == 1 ? "" : "s");
	if (not_called)
		printf(", %zu not called (give --call)", not_called);
	putchar('\n');
}

int cmd_smoke(int argc, const char **argv)
{
	char *agent_opt = NULL, *timeout_text = NULL; /* popt's copies: ours to free */
	char **call_specs = NULL, **rpm_opt = NULL;
	char *kernel_dir = NULL, *accel = NULL, *emulator_opt = NULL;
	int as_installed = 0, in_vm = 0, strict = 0, qmp = 0;
	struct poptOption table[] = {
		{ "as-installed", '\0', POPT_ARG_NONE, &as_installed, 0,
		  "start the agent as the package's systemd unit does (its ExecStart, the "
		  "EnvironmentFile= it ships, its qemu-ga.conf), on a socket", NULL },
		{ "vm", '\0', POPT_ARG_NONE, &in_vm, 0,
		  "boot a small VM holding the packages and call the agent started in it as its "
		  "unit starts it, over a virtio-serial port", NULL },
		{ "rpm", '\0', POPT_ARG_ARGV, &rpm_opt, 0,
		  "the packages for --as-installed and --vm (default: the workspace's build)", "RPM" },
		{ "kernel-dir", '\0', POPT_ARG_STRING, &kernel_dir, 0,
		  "the VM's kernel (made by scripts/vm-kernel.sh; default: that script's cache)", "DIR" },
		{ "accel", '\0', POPT_ARG_STRING, &accel, 0,
		  "the VM's accelerator (default: KVM when it boots a kernel here, else TCG)", "kvm|tcg" },
		{ "agent", '\0', POPT_ARG_STRING, &agent_opt, 0,
		  "run this qemu-ga instead of the workspace's build", "PATH" },
		{ "qmp", '\0', POPT_ARG_NONE, &qmp, 0,
		  "the monitor commands: start the build's QEMU system emulator with a QMP monitor "
		  "(-M none), call each command and its HMP wrapper", NULL },
		{ "emulator", '\0', POPT_ARG_STRING, &emulator_opt, 0,
		  "with --qmp: run this emulator instead of the workspace's build", "PATH" },
		{ "call", '\0', POPT_ARG_ARGV, &call_specs, 0,
		  "also call NAME with JSON-ARGS (repeatable)", "'NAME [JSON-ARGS]'" },
		{ "strict", '\0', POPT_ARG_NONE, &strict, 0,
		  "fail for a stub's \"not implemented\" and for a command not called (for CI)", NULL },
		{ "timeout", '\0', POPT_ARG_STRING, &timeout_text, 0,
		  "seconds to wait for the agent to listen and for each reply (default 10)",
		  "SECONDS" },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	int status, nargs, ret, timeout_ms = 0;
	poptContext ctx = cli_parse(&status, "smoke", argc, argv, table, NULL);
	struct qga_smoke_result res = QGA_SMOKE_RESULT_INIT;
	struct ws_smoke_opts o = { 0 };
	struct ws_smoke_plan *plan = NULL;
	struct cli_progress pr;
	struct ws *ws = NULL;
	struct json_object *report = NULL;
	size_t i;

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("smoke", "unexpected arguments");
		goto out;
	}
	if ((ret = qga_parse_timeout(&timeout_ms, timeout_text, "--timeout")) < 0 ||
	    (ret = ws_smoke_check_calls((const char *const *)call_specs)) < 0) {
		status = cli_fail(ERR_USAGE);
		goto out;
	}
	if ((kernel_dir || accel) && !in_vm) {
		status = cli_usage("smoke", "--kernel-dir and --accel are for --vm");
		goto out;
	}
	if (accel && strcmp(accel, "kvm") && strcmp(accel, "tcg")) {
		status = cli_usage("smoke", "--accel %s: expected kvm or tcg", accel);
		goto out;
	}
	if (emulator_opt && !qmp) {
		status = cli_usage("smoke", "--emulator goes with --qmp");
		goto out;
	}
	if (qmp && (as_installed || in_vm || agent_opt)) {
		status = cli_usage("smoke", "--qmp runs the emulator: not with --as-installed, --vm or --agent");
		goto out;
	}
	if (rpm_opt && !as_installed && !in_vm) {
		status = cli_usage("smoke", "--rpm is for --as-installed");
		goto out;
	}
	o.as_installed = as_installed;
	o.vm = in_vm;
	o.rpms = (const char *const *)rpm_opt;
	o.kernel_dir = kernel_dir;
	o.accel = accel;
	o.datadir = cli_datadir();
	o.agent = qmp ? emulator_opt : agent_opt;
	o.qmp = qmp;
	o.calls = (const char *const *)call_specs;
	o.timeout_ms = timeout_ms;
	o.strict = strict;
	o.progress = cli_progress(&pr, cli_opts.quiet, false);
	/* --agent alone tests a binary; otherwise the workspace says what to call. */
	if ((cli_opts.workspace || (!agent_opt && !rpm_opt && !emulator_opt)) &&
	    (ret = ws_open(&ws, cli_opts.workspace)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if ((ret = ws_smoke_prepare(&plan, ws, &o)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	/* The workspace is not needed while the agent runs: do not keep others waiting. */
	ws_free(ws);
	ws = NULL;
	ret = ws_smoke_run(&res, plan);
	report = ws_smoke_plan_report(plan, &res);
	if (ret < 0 && !res.started) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *j = qga_smoke_result_json(&res);

		json_object_object_foreach(report, k, v)
			json_object_object_add(j, k, json_object_get(v));
		cli_print_json(j);
		json_object_put(j);
	} else {
		print_report(report, &res);
		print_text(&res);
		if (ret == 0)
			print_summary(&res);
	}
	if (ret < 0) {
		if (res.agent_log && !cli_opts.json && !cli_opts.quiet) {
			fflush(stdout);
			fprintf(stderr, "%s\n", res.agent_log);
		}
		if (!cli_opts.json && !cli_opts.quiet) {
			struct json_object *vm, *t;

			if (json_object_object_get_ex(report, "vm", &vm) &&
			    json_object_object_get_ex(vm, "console_tail", &t) && t) {
				fflush(stdout);
				fprintf(stderr, "guest console (last lines):\n%s\n", json_object_get_string(t));
			}
		}
		status = cli_fail(ret);
		goto out;
	}
	status = cli_finish(0);
out:
	json_object_put(report);
	qga_smoke_result_release(&res);
	ws_smoke_plan_free(plan);
	ws_free(ws);
	if (call_specs) {
		for (i = 0; call_specs[i]; i++)
			free(call_specs[i]);
		free(call_specs);
	}
	poptFreeContext(ctx);
	free(agent_opt);
	free(timeout_text);
	free(kernel_dir);
	free(accel);
	free(emulator_opt);
	if (rpm_opt) {
		for (i = 0; rpm_opt[i]; i++)
			free(rpm_opt[i]);
		free(rpm_opt);
	}
	return status;
}
