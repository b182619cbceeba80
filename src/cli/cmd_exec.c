#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "agent/qga.h"
#include "util/banned.h"

static int print_reply(const char *name, const struct qga_reply *r)
{
	if (cli_opts.json) {
		if (r->kind == QGA_REPLY_NONE) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "no-reply", json_object_new_boolean(1));
			cli_print_json(o);
			json_object_put(o);
		} else {
			cli_print_json(r->raw);
		}
	} else if (r->kind == QGA_REPLY_RETURN) {
		cli_print_json(r->value);
	} else if (r->kind == QGA_REPLY_NONE) {
		cli_info("'%s' sent no reply (the agent confirmed it took the request)", name);
	}
	if (r->kind == QGA_REPLY_ERROR) {
		error_set(ERR_GENERIC, "'%s' failed: %s: %s", name, r->error_class, r->error_desc);
		return cli_fail(ERR_GENERIC);
	}
	return cli_finish(0);
}

int cmd_exec(int argc, const char **argv)
{
	char *socket_path = NULL, *timeout_text = NULL; /* popt's copies: ours to free */
	int qmp = 0;
	struct poptOption table[] = {
		{ "socket", 's', POPT_ARG_STRING, &socket_path, 0,
		  "the agent's socket (libvirt channel, qemu-ga -m unix-listen)", "SOCKET" },
		{ "timeout", '\0', POPT_ARG_STRING, &timeout_text, 0,
		  "give up when the agent has not answered within SECONDS (default 10)", "SECONDS" },
		{ "qmp", '\0', POPT_ARG_NONE, &qmp, 0,
		  "SOCKET is a QEMU monitor (QMP: -qmp unix:SOCK,server=on, libvirt's monitor socket)", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	int status, nargs, ret, timeout_ms = 0;
	poptContext ctx = cli_parse(&status, "exec", argc, argv, table, "NAME [JSON-ARGS]");
	struct json_object *args = NULL;
	struct qga_reply reply = QGA_REPLY_INIT;
	struct qga *q = NULL;
	const char **pos;

	if (!ctx)
		return status;
	pos = cli_args(ctx, &nargs);
	if (!socket_path) {
		status = cli_usage("exec", "the agent's socket is required (-s SOCKET)");
		goto out;
	}
	if (nargs < 1 || nargs > 2) {
		status = cli_usage("exec", nargs ? "too many arguments" : "a command NAME is required");
		goto out;
	}
	if ((ret = qga_parse_timeout(&timeout_ms, timeout_text, "--timeout")) < 0 ||
	    (ret = qga_check_command_name(pos[0])) < 0 ||
	    (nargs == 2 && (ret = qga_parse_args(&args, pos[1], "JSON-ARGS")) < 0)) {
		status = cli_fail(ERR_USAGE);
		goto out;
	}
	if ((ret = qga_connect(&q, socket_path, timeout_ms)) < 0 ||
	    (ret = qmp ? qmp_handshake(q) : qga_sync(q)) < 0 ||
	    (ret = (qmp ? qmp_execute : qga_execute)(&reply, q, pos[0], args)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	status = print_reply(pos[0], &reply);
out:
	qga_reply_release(&reply);
	qga_free(q);
	json_object_put(args);
	poptFreeContext(ctx);
	free(socket_path);
	free(timeout_text);
	return status;
}
