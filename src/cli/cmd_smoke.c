#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "agent/qga.h"
#include "workspace/ws.h"
#include "util/banned.h"

/*
 * The calls of one run. Strings are owned here (the workspace is closed
 * before the agent starts, so that other commands are not kept waiting).
 */
struct call_list {
	struct qga_smoke_call *v;
	char **owned;
	size_t n, nowned;
};

static const char *keep(struct call_list *l, char *s)
{
	if (!s)
		return NULL;
	l->owned = xrealloc(l->owned, (l->nowned + 1) * sizeof(*l->owned));
	l->owned[l->nowned++] = s;
	return s;
}

static void add_call(struct call_list *l, const char *name, const char *args, const char *source)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].name = name;
	l->v[l->n].args_json = args;
	l->v[l->n].source = source;
	l->n++;
}

static void call_list_release(struct call_list *l)
{
	size_t i;

	for (i = 0; i < l->nowned; i++)
		free(l->owned[i]);
	free(l->owned);
	free(l->v);
}

struct given_call {
	char *name;
	char *args;   /* JSON text or NULL */
	bool used;
};

static void given_release(struct given_call *g, size_t n)
{
	size_t i;

	for (i = 0; g && i < n; i++) {
		free(g[i].name);
		free(g[i].args);
	}
	free(g);
}

static int parse_given(struct given_call **out, size_t *nout, const char *const *specs)
{
	struct given_call *g = NULL;
	size_t n = 0;
	int ret = 0;

	for (; specs && *specs; specs++) {
		struct json_object *args = NULL;
		char *name = NULL;

		ret = qga_parse_call(&name, &args, *specs);
		if (ret < 0) {
			error_prefix(ret, "--call");
			break;
		}
		g = xrealloc(g, (n + 1) * sizeof(*g));
		g[n].name = name;
		g[n].args = args ? xstrdup(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE))
				 : NULL;
		g[n].used = false;
		json_object_put(args);
		n++;
	}
	*out = g;
	*nout = n;
	return ret;
}

/* Each workspace command: its doc Example, its --call requests, or a bare call. */
static int workspace_calls(struct call_list *l, char **agent_out, const char *dir,
			   struct given_call *given, size_t ngiven)
{
	struct ws *ws = NULL;
	struct json_object *st, *cmds = NULL, *agent;
	size_t i, j, n;
	int ret;

	*agent_out = NULL;
	ret = ws_open(&ws, dir);
	if (ret < 0)
		return ret;
	st = ws_state(ws);
	if (json_object_object_get_ex(st, "agent", &agent) &&
	    json_object_is_type(agent, json_type_string) && *json_object_get_string(agent)) {
		const char *a = json_object_get_string(agent);

		*agent_out = a[0] == '/' ? xstrdup(a) : ws_path(ws, a);
	}
	if (json_object_object_get_ex(st, "commands", &cmds) &&
	    !json_object_is_type(cmds, json_type_array)) {
		ret = error_set(ERR_INPUT, "'%s': \"commands\" in the workspace state is not a list",
				ws_root(ws));
		goto out;
	}
	n = cmds ? json_object_array_length(cmds) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cmds, i), *v;
		const char *name;
		bool any = false;

		if (!json_object_object_get_ex(c, "name", &v) ||
		    !json_object_is_type(v, json_type_string)) {
			ret = error_set(ERR_INPUT, "'%s': command %zu of the workspace state has no name",
					ws_root(ws), i + 1);
			goto out;
		}
		name = keep(l, xstrdup(json_object_get_string(v)));
		if (json_object_object_get_ex(c, "example", &v) && v) {
			char *args = NULL;

			ret = qga_request_args(&args, name, v);
			if (ret < 0)
				goto out;
			add_call(l, name, keep(l, args), "example");
			any = true;
		}
		for (j = 0; j < ngiven; j++) {
			if (strcmp(given[j].name, name))
				continue;
			add_call(l, name, given[j].args, "--call");
			given[j].used = true;
			any = true;
		}
		if (!any)
			add_call(l, name, NULL, "no arguments");
	}
	if (!n)
		cli_warn("the workspace has no added commands; checking the agent only");
out:
	if (ret < 0)
		error_prefix(ret, "smoke");
	ws_free(ws);
	return ret;
}

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
		printf("%s%s%s\n", c->ok ? "ok" : "FAILED", c->message ? ": " : "",
		       c->message ? c->message : "");
	}
}

static void print_summary(const struct qga_smoke_result *r)
{
	size_t i, passed = 0;

	for (i = 0; i < r->ncalls; i++)
		passed += r->calls[i].ok;
	printf("\nsmoke: %zu of %zu call%s passed\n", passed, r->ncalls, r->ncalls == 1 ? "" : "s");
}

int cmd_smoke(int argc, const char **argv)
{
	char *agent_opt = NULL, *timeout_text = NULL; /* popt's copies: ours to free */
	char **call_specs = NULL;
	struct poptOption table[] = {
		{ "agent", '\0', POPT_ARG_STRING, &agent_opt, 0,
		  "run this qemu-ga instead of the workspace's build", "PATH" },
		{ "call", '\0', POPT_ARG_ARGV, &call_specs, 0,
		  "also call NAME with JSON-ARGS (repeatable)", "'NAME [JSON-ARGS]'" },
		{ "timeout", '\0', POPT_ARG_STRING, &timeout_text, 0,
		  "seconds to wait for the agent to listen and for each reply (default 10)",
		  "SECONDS" },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	int status, nargs, ret, timeout_ms = 0;
	poptContext ctx = cli_parse(&status, "smoke", argc, argv, table, NULL);
	struct given_call *given = NULL;
	size_t ngiven = 0, i;
	struct call_list calls = { NULL, NULL, 0, 0 };
	struct qga_smoke_result res = QGA_SMOKE_RESULT_INIT;
	struct qga_smoke_opts opts = { NULL, NULL, 0, 0, NULL };
	char *ws_agent = NULL;
	bool use_ws;

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("smoke", "unexpected arguments");
		goto out;
	}
	if ((ret = qga_parse_timeout(&timeout_ms, timeout_text, "--timeout")) < 0 ||
	    (ret = parse_given(&given, &ngiven, (const char *const *)call_specs)) < 0) {
		status = cli_fail(ERR_USAGE);
		goto out;
	}
	/* --agent alone tests a binary; otherwise the workspace says what to call. */
	use_ws = cli_opts.workspace || !agent_opt;
	if (use_ws) {
		ret = workspace_calls(&calls, &ws_agent, cli_opts.workspace, given, ngiven);
		if (ret < 0) {
			status = cli_fail(ret);
			goto out;
		}
		if (!agent_opt && !ws_agent) {
			error_set(ERR_NOTFOUND, "the workspace has no built agent; run 'qga-forge "
				  "build' first, or give --agent PATH");
			status = cli_fail(ERR_NOTFOUND);
			goto out;
		}
	}
	for (i = 0; i < ngiven; i++)
		if (!given[i].used)
			add_call(&calls, given[i].name, given[i].args, "--call");
	opts.agent = agent_opt ? agent_opt : ws_agent;
	opts.calls = calls.v;
	opts.ncalls = calls.n;
	opts.timeout_ms = timeout_ms;
	ret = qga_smoke_run(&res, &opts);
	if (ret < 0 && !res.started) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *o = qga_smoke_result_json(&res);

		cli_print_json(o);
		json_object_put(o);
	} else {
		print_text(&res);
		if (ret == 0)
			print_summary(&res);
	}
	if (ret < 0) {
		if (res.agent_log && !cli_opts.json && !cli_opts.quiet) {
			fflush(stdout);
			fprintf(stderr, "%s\n", res.agent_log);
		}
		status = cli_fail(ret);
		goto out;
	}
	status = cli_finish(0);
out:
	qga_smoke_result_release(&res);
	call_list_release(&calls);
	given_release(given, ngiven);
	free(ws_agent);
	if (call_specs) {
		for (i = 0; call_specs[i]; i++)
			free(call_specs[i]);
		free(call_specs);
	}
	poptFreeContext(ctx);
	free(agent_opt);
	free(timeout_text);
	return status;
}
