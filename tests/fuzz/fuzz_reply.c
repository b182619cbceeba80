/*
 * The agent reply reader (src/agent/client.c): the bytes of an agent's
 * side of the conversation go through a real socket into a connection made
 * with qga_from_fd(); the client handshakes and runs commands against them.
 * The peer's end is shut after the input, so every exchange ends at once
 * (a reply, garbage, or "closed the connection") and nothing waits.
 * Handshake ids are 1, 2, 3... (qga_set_id_sequence()), so an input can
 * answer them. Also the argument parsers of `exec` and `smoke --call`.
 *
 * Input: byte 0 selects the mode and a small reply cap; the rest is what
 * the agent sends (or, in mode 3, the argument text).
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "agent/qga.h"
#include "util/util.h"
#include "util/banned.h"

/* Stays well below a unix socket's buffer, so the write never blocks. */
#define MAX_INPUT 65536

static void use_reply(const struct qga_reply *r)
{
	if (r->kind == QGA_REPLY_RETURN) {
		if (!r->raw)
			fuzz_fail("a return reply without its object");
		json_object_to_json_string(r->value);
	} else if (r->kind == QGA_REPLY_ERROR) {
		if (!r->error_class || !r->error_desc)
			fuzz_fail("an error reply with a NULL class or desc");
		(void)strlen(r->error_class);
		(void)strlen(r->error_desc);
	} else if (r->raw) {
		fuzz_fail("no reply, but an object");
	}
}

static void execute(struct qga *q, const char *name, struct json_object *args)
{
	struct qga_reply r = QGA_REPLY_INIT;

	if (qga_execute(&r, q, name, args) == 0)
		use_reply(&r);
	qga_reply_release(&r);
	error_clear();
}

static void conversation(unsigned mode, size_t cap, const uint8_t *data, size_t size)
{
	struct json_object *args = NULL;
	struct qga *q = NULL;
	size_t done = 0;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		fuzz_fail("socketpair: %s", strerror(errno));
	while (done < size) {
		ssize_t n = write(sv[1], data + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fuzz_fail("write: %s", strerror(errno));
		done += (size_t)n;
	}
	shutdown(sv[1], SHUT_WR);
	if (qga_from_fd(&q, sv[0], "fuzz", 2000) < 0)
		fuzz_fail("qga_from_fd: %s", error_last());
	qga_set_id_sequence(q, 1);
	if (cap)
		qga_set_reply_cap(q, cap);
	switch (mode) {
	case 0:
		/* handshake, then a command */
		if (qga_sync(q) == 0)
			execute(q, "guest-info", NULL);
		error_clear();
		break;
	case 1:
		/* a command that handshakes first, then another one */
		execute(q, "guest-ping", NULL);
		execute(q, "guest-get-time", NULL);
		break;
	default:
		args = json_object_new_object();
		json_object_object_add(args, "id", json_object_new_int(7));
		execute(q, "guest-sync-delimited", args);
		json_object_put(args);
		break;
	}
	qga_free(q);
	close(sv[1]);
}

static void arguments(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *name = NULL;
	struct json_object *obj = NULL;
	int ms;

	if (qga_parse_args(&obj, text, "fuzz") == 0 && !json_object_is_type(obj, json_type_object))
		fuzz_fail("qga_parse_args accepted a non-object");
	json_object_put(obj);
	obj = NULL;
	error_clear();
	if (qga_parse_call(&name, &obj, text) == 0) {
		if (!qga_valid_command_name(name))
			fuzz_fail("qga_parse_call accepted the name '%s'", name);
		if (obj && !json_object_is_type(obj, json_type_object))
			fuzz_fail("qga_parse_call accepted non-object arguments");
	}
	json_object_put(obj);
	free(name);
	error_clear();
	qga_parse_timeout(&ms, text, "--timeout");
	error_clear();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode;
	size_t cap;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	mode = data[0] & 3;
	/* Half the inputs run with a cap of 32..2032 bytes, to reach the limits. */
	cap = data[0] & 4 ? 32 + (size_t)(data[0] >> 3) * 64 : 0;
	if (mode == 3)
		arguments(data + 1, size - 1);
	else
		conversation(mode, cap, data + 1, size - 1);
	return 0;
}
