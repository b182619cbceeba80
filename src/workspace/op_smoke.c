/*
 * smoke: which calls to make (each added command with its doc example,
 * the --call requests) and with which agent, then the run itself
 * (agent/qga.h's smoke runner).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "agent/qga.h"
#include "smoke_installed.h"
#include "smoke_vm.h"
#include "util/banned.h"

/*
 * The calls of one run. Strings are owned here (the workspace is closed
 * before the agent starts, so that other commands are not kept waiting).
 */
struct call_list {
	struct qga_smoke_call *v;
	size_t n;
	struct strvec owned;
};

static const char *keep(struct call_list *l, char *s)
{
	if (s)
		strvec_push_nodup(&l->owned, s);
	return s;
}

static struct qga_smoke_call *add_call(struct call_list *l, const char *name, const char *args,
				       const char *source)
{
	struct qga_smoke_call *c;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->args_json = args;
	c->source = source;
	return c;
}

/*
 * Why a command with required arguments and no request is not called, or
 * NULL when it has none (or the workspace does not say: "required" is
 * recorded by add-command).
 */
static char *not_called_reason(const char *name, struct json_object *required)
{
	struct buf b = BUF_INIT;
	size_t i, n;

	if (!required || !json_object_is_type(required, json_type_array))
		return NULL;
	n = json_object_array_length(required);
	if (!n)
		return NULL;
	buf_printf(&b, "'%s' has required arguments (", name);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "",
			   json_object_get_string(json_object_array_get_idx(required, i)));
	buf_printf(&b, ") and no example in its documentation; give --call '%s {...}'", name);
	return buf_detach(&b, NULL);
}

static void call_list_release(struct call_list *l)
{
	strvec_clear(&l->owned);
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

/*
 * The HMP command line of a QMP request: HMP takes the arguments by
 * position, in the order of the declaration ("hmp_args", recorded by
 * add-command), up to the first one the request leaves out. NULL when a
 * value has no HMP spelling.
 */
static char *hmp_line(const char *name, const char *args_json, struct json_object *order)
{
	struct json_object *args = args_json ? json_tokener_parse(args_json) : NULL, *v;
	struct json_object *keys = NULL;
	struct buf b = BUF_INIT;
	size_t i;
	bool ok = true;

	buf_puts(&b, name);
	if (!order && args && json_object_is_type(args, json_type_object)) {
		/* an entry recorded without the order: the request's own */
		keys = json_object_new_array();
		json_object_object_foreach(args, k, kv) {
			(void)kv;
			json_object_array_add(keys, json_object_new_string(k));
		}
		order = keys;
	}
	for (i = 0; ok && args && order && i < json_object_array_length(order); i++) {
		const char *key = json_object_get_string(json_object_array_get_idx(order, i));
		const char *s, *p;

		if (!json_object_object_get_ex(args, key, &v))
			break;
		switch (json_object_get_type(v)) {
		case json_type_boolean:
			buf_puts(&b, json_object_get_boolean(v) ? " on" : " off");
			break;
		case json_type_int:
			buf_printf(&b, " %" PRId64, json_object_get_int64(v));
			break;
		case json_type_double:
			buf_printf(&b, " %.17g", json_object_get_double(v));
			break;
		case json_type_string:
			s = json_object_get_string(v);
			if (*s && !strpbrk(s, " \t\"'\\")) {
				buf_printf(&b, " %s", s);
				break;
			}
			buf_puts(&b, " \"");
			for (p = s; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_puts(&b, "\\");
				buf_put(&b, p, 1);
			}
			buf_puts(&b, "\"");
			break;
		default:
			ok = false;
		}
	}
	json_object_put(args);
	json_object_put(keys);
	if (!ok) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* After a monitor command's call: the same request through HMP, when it has a wrapper. */
static void add_hmp_call(struct call_list *l, const struct ws_command *c, const char *args_json,
			 bool stub)
{
	struct json_object *order = NULL, *req;
	char *line;
	bool hmp;

	if (!ws_command_is_qmp(c, &hmp) || !hmp)
		return;
	if (c->raw)
		json_object_object_get_ex(c->raw, "hmp_args", &order);
	line = hmp_line(c->name, args_json, order);
	if (!line)
		return;
	req = json_object_new_object();
	json_object_object_add(req, "command-line", json_object_new_string(line));
	add_call(l, "human-monitor-command",
		 keep(l, xstrdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE))),
		 keep(l, xasprintf("HMP '%s'", line)))->stub = stub;
	json_object_put(req);
	free(line);
}

/* The emulator of the workspace's last build (its manifest's "emulator"), or NULL. */
static char *built_emulator(const char *agent)
{
	char *agentdir = agent ? fs_dirname(agent) : NULL, *out = agentdir ? fs_dirname(agentdir) : NULL;
	char *mpath = out ? fs_path_join(out, "manifest.json") : NULL, *found = NULL;
	struct json_object *m = mpath && fs_is_file(mpath) ? json_object_from_file(mpath) : NULL, *v;

	if (m && json_object_object_get_ex(m, "emulator", &v) && json_object_is_type(v, json_type_string))
		found = xstrdup(json_object_get_string(v));
	json_object_put(m);
	free(agentdir);
	free(out);
	free(mpath);
	return found;
}

/* Each workspace command: its --call requests, else its doc Example, else a bare call. */
static int workspace_calls(struct call_list *l, char **agent_out, struct ws *ws,
			   struct given_call *given, size_t ngiven, const struct ws_progress *pr,
			   bool qmp)
{
	const struct ws_state *st = ws_info(ws);
	size_t i, j, n = st->ncommands, counted = 0;
	int ret = 0;

	*agent_out = NULL;
	if (st->agent && *st->agent)
		*agent_out = st->agent[0] == '/' ? xstrdup(st->agent) : ws_path(ws, st->agent);
	for (i = 0; i < n; i++) {
		const struct ws_command *c = &st->commands[i];
		struct json_object *v;
		const char *name;
		bool any = false, stub;

		/* Agent commands for the agent, monitor commands for the emulator. */
		if (ws_command_is_qmp(c, NULL) != qmp)
			continue;
		counted++;
		name = keep(l, xstrdup(c->name));
		/* Recorded by add-command: the handler is the generated stub; the required arguments. */
		stub = c->raw && json_object_object_get_ex(c->raw, "stub", &v) && json_object_get_boolean(v);
		/* --call always wins over the doc's example. */
		for (j = 0; j < ngiven; j++) {
			if (strcmp(given[j].name, name))
				continue;
			add_call(l, name, given[j].args, "--call")->stub = stub;
			add_hmp_call(l, c, given[j].args, stub);
			given[j].used = true;
			any = true;
		}
		if (!any && c->example) {
			char *args = NULL;

			ret = qga_request_args(&args, name, c->example);
			if (ret < 0)
				goto out;
			add_call(l, name, keep(l, args), "example")->stub = stub;
			add_hmp_call(l, c, args, stub);
			any = true;
		}
		if (!any) {
			struct json_object *req = NULL;
			struct qga_smoke_call *call = add_call(l, name, NULL, "no arguments");

			if (c->raw)
				json_object_object_get_ex(c->raw, "required", &req);
			call->stub = stub;
			call->not_called = keep(l, not_called_reason(name, req));
			if (call->not_called)
				call->source = qmp ? "query-commands only" : "guest-info only";
			else
				add_hmp_call(l, c, NULL, stub);
		}
	}
	if (qmp) {
		char *emulator = built_emulator(*agent_out);

		free(*agent_out);
		*agent_out = emulator;
	}
	if (!counted)
		ws_warn_event(pr, "smoke", qmp ? "the workspace has no added monitor commands; checking "
				  "the emulator only" : "the workspace has no added commands; checking the agent only");
out:
	if (ret < 0)
		error_prefix(ret, "smoke");
	return ret;
}

struct ws_smoke_plan {
	struct call_list calls;
	struct given_call *given;
	size_t ngiven;
	char *agent;
	int timeout_ms;
	/* as installed, in a VM */
	bool as_installed, vm;
	char *ws_agent;                 /* the workspace's build (its OUT/RPMS are the packages) */
	struct strvec rpms;
	char *kernel_dir, *accel, *datadir;
	struct ws_progress progress;
	struct smoke_installed si;
	struct smoke_vm sv;
	long long run_start;
	bool strict;
	bool qmp;                       /* `agent` is a system emulator, the calls go to its QMP monitor */
};

int ws_smoke_check_calls(const char *const *calls)
{
	struct given_call *g = NULL;
	size_t n = 0;
	int ret = parse_given(&g, &n, calls);

	given_release(g, n);
	return ret < 0 ? ERR_USAGE : 0;
}

void ws_smoke_plan_free(struct ws_smoke_plan *p)
{
	if (!p)
		return;
	call_list_release(&p->calls);
	given_release(p->given, p->ngiven);
	free(p->agent);
	smoke_vm_stop(&p->sv);
	smoke_installed_release(&p->si);
	free(p->ws_agent);
	strvec_clear(&p->rpms);
	free(p->kernel_dir);
	free(p->accel);
	free(p->datadir);
	free(p);
}

int ws_smoke_prepare(struct ws_smoke_plan **out, struct ws *ws, const struct ws_smoke_opts *o)
{
	struct ws_smoke_plan *p = xcalloc(1, sizeof(*p));
	char *ws_agent = NULL;
	size_t i;
	int ret;

	strvec_init(&p->rpms);
	*out = NULL;
	strvec_init(&p->calls.owned);
	if ((ret = parse_given(&p->given, &p->ngiven, o->calls)) < 0) {
		ret = ERR_USAGE;
		goto fail;
	}
	if (ws) {
		if ((ret = workspace_calls(&p->calls, &ws_agent, ws, p->given, p->ngiven, &o->progress,
					   o->qmp)) < 0)
			goto fail;
		if (o->qmp && !o->agent && !ws_agent) {
			ret = error_set(ERR_NOTFOUND, "the workspace's build has no QEMU system emulator "
					"(qemu-kvm or qemu-system-*); build a qemu or qemu-kvm package, or "
					"give --emulator PATH");
			goto fail;
		}
		if (!o->agent && !ws_agent) {
			ret = error_set(ERR_NOTFOUND, "the workspace has no built agent; run 'qga-forge "
					"build' first, or give --agent PATH");
			goto fail;
		}
	} else if (!o->agent && !(o->rpms && (o->as_installed || o->vm))) {
		/* (as installed, the packages can bring the agent) */
		ret = error_set(ERR_USAGE, "smoke needs a workspace or an agent");
		goto fail;
	}
	for (i = 0; i < p->ngiven; i++) {
		const struct ws_command *c = ws ? ws_find_command(ws_info(ws), p->given[i].name) : NULL;

		/* A --call of the other kind's command (forge passes them to both runs) is not ours. */
		if (!p->given[i].used && !(c && ws_command_is_qmp(c, NULL) != o->qmp))
			add_call(&p->calls, p->given[i].name, p->given[i].args, "--call");
	}
	p->agent = o->agent ? xstrdup(o->agent) : ws_agent ? xstrdup(ws_agent) : NULL;
	p->ws_agent = ws_agent;
	ws_agent = NULL;
	p->timeout_ms = o->timeout_ms;
	p->vm = o->vm;
	p->as_installed = o->as_installed || o->vm;
	for (i = 0; o->rpms && o->rpms[i]; i++)
		strvec_push(&p->rpms, o->rpms[i]);
	p->kernel_dir = o->kernel_dir ? xstrdup(o->kernel_dir) : NULL;
	p->accel = o->accel ? xstrdup(o->accel) : NULL;
	p->datadir = o->datadir ? xstrdup(o->datadir) : NULL;
	p->progress = o->progress;
	p->strict = o->strict;
	p->qmp = o->qmp;
	*out = p;
	return 0;
fail:
	free(ws_agent);
	ws_smoke_plan_free(p);
	return ret;
}

int ws_smoke_run(struct qga_smoke_result *out, struct ws_smoke_plan *p)
{
	struct qga_smoke_opts opts = { 0 };
	int ret;

	*out = (struct qga_smoke_result)QGA_SMOKE_RESULT_INIT;
	opts.agent = p->agent;
	opts.strict = p->strict;
	opts.calls = p->calls.v;
	opts.ncalls = p->calls.n;
	opts.timeout_ms = p->timeout_ms;
	opts.qmp = p->qmp;
	/* as-installed hook: the unit's command line and the vendor's policy files */
	if (p->as_installed &&
	    (ret = smoke_installed_setup(&p->si, &opts, p->rpms.n ? strvec_list(&p->rpms) : NULL,
					 p->ws_agent, !opts.agent && !p->vm, &p->progress)) < 0)
		return ret;
	/* VM hook: the packages in a VM, the agent on its virtio-serial port */
	if (p->vm) {
		struct smoke_vm_opts vo = { p->kernel_dir, NULL, p->accel,
					    (const char *const *)p->si.rpms, p->si.nrpms, &p->si.inst,
					    p->datadir, &p->progress };
		const char *bt = getenv("QGA_FORGE_VM_BOOT_TIMEOUT");

		ws_info_event(&p->progress, "smoke", "smoke --vm: booting");
		if ((ret = smoke_vm_boot(&p->sv, &vo)) < 0)
			return ret;
		opts.agent_args = NULL;
		opts.config_text = NULL;
		opts.socket = p->sv.socket;
		opts.boot_timeout_ms = bt && atoi(bt) > 0 ? atoi(bt) * 1000 : 120000;
		opts.agent = p->si.inst.argc ? p->si.inst.argv[0] : "/usr/bin/qemu-ga";
		p->run_start = clock_now_ms();
	}
	ret = qga_smoke_run(out, &opts);
	if (p->vm)
		smoke_vm_halt(&p->sv);  /* every VM is stopped, whatever the run found */
	return ret;
}

struct json_object *ws_smoke_plan_report(const struct ws_smoke_plan *p,
					 const struct qga_smoke_result *res)
{
	struct json_object *o = json_object_new_object();

	if (p->as_installed)
		json_object_object_add(o, "as_installed", smoke_installed_json(&p->si));
	if (p->vm && p->sv.release) {
		struct json_object *v = smoke_vm_json(&p->sv, !res->ok);

		json_object_object_add(v, "boot_seconds", res->first_reply_ms < 0 ? NULL :
			json_object_new_double((double)(res->first_reply_ms + p->run_start -
							 p->sv.started_ms) / 1000.0));
		json_object_object_add(o, "vm", v);
	}
	return o;
}

int ws_op_smoke(struct ws *ws, struct qga_smoke_result *out, const struct ws_smoke_opts *o)
{
	struct ws_smoke_plan *p = NULL;
	int ret = ws_smoke_prepare(&p, ws, o);

	if (ret == 0)
		ret = ws_smoke_run(out, p);
	ws_smoke_plan_free(p);
	return ret;
}

int ws_op_smoke_report(struct ws *ws, struct qga_smoke_result *out, struct json_object **report,
		       const struct ws_smoke_opts *o)
{
	struct ws_smoke_plan *p = NULL;
	int ret = ws_smoke_prepare(&p, ws, o);

	*report = NULL;
	if (ret == 0) {
		ret = ws_smoke_run(out, p);
		*report = ws_smoke_plan_report(p, out);
	}
	ws_smoke_plan_free(p);
	return ret;
}
