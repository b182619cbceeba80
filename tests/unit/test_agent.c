/*
 * Unit tests of the agent module: command names, argument parsing, and the
 * protocol reader against a scripted peer on the other end of a socketpair.
 *
 * The peer is a forked child that parses each request it receives (0xFF
 * bytes reset its parser, as in qemu-ga) and answers request N with
 * script[N]: literal bytes where "%ID%" stands for the request's
 * arguments.id, "" for no answer, "@close" to hang up, "@silent" to read on
 * without answering, "@split:TEXT" to send TEXT one byte per write,
 * "@big:N" for a reply holding a string of N bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent/qga.h"
#include "agent/json-compat.h"
#include "util/util.h"
#include "util/banned.h"

#define SYNC_OK "\xff" "{\"return\": %ID%}\n"
#define T_MS 2000   /* generous: only failing tests wait for it */
#define SHORT_MS 200

/* ---- the scripted peer ---- */

struct peer {
	pid_t pid;
	struct qga *q;
};

static void peer_write(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(0);
		}
		data += n;
		len -= (size_t)n;
	}
}

static void peer_answer(int fd, const char *action, int64_t id)
{
	struct buf b = BUF_INIT;
	const char *p;
	char num[32];

	if (!strcmp(action, "@close"))
		_exit(0);
	if (!strcmp(action, "@silent")) {
		char tmp[4096];

		while (read(fd, tmp, sizeof(tmp)) > 0)
			;
		_exit(0);
	}
	if (!strncmp(action, "@big:", 5)) {
		size_t n = strtoul(action + 5, NULL, 10);

		buf_puts(&b, "{\"return\": \"");
		while (n--)
			buf_putc(&b, 'x');
		buf_puts(&b, "\"}\n");
		peer_write(fd, b.ptr, b.len);
		buf_release(&b);
		return;
	}
	snprintf(num, sizeof(num), "%" PRId64, id);
	p = !strncmp(action, "@split:", 7) ? action + 7 : action;
	for (; *p; p++) {
		if (!strncmp(p, "%ID%", 4)) {
			buf_puts(&b, num);
			p += 3;
		} else {
			buf_putc(&b, *p);
		}
	}
	if (!strncmp(action, "@split:", 7)) {
		size_t i;

		for (i = 0; i < b.len; i++) {
			peer_write(fd, b.ptr + i, 1);
			usleep(300);
		}
	} else {
		peer_write(fd, b.ptr, b.len);
	}
	buf_release(&b);
}

static void peer_main(int fd, const char *const *script)
{
	struct json_tokener *tok = json_tokener_new();
	size_t n = 0;
	char chunk[4096];
	ssize_t got;

	signal(SIGPIPE, SIG_IGN);
	while ((got = read(fd, chunk, sizeof(chunk))) > 0) {
		ssize_t i = 0;

		while (i < got) {
			struct json_object *req, *args, *idv;
			int64_t id = 0;
			size_t used;
			char *ff = memchr(chunk + i, 0xff, (size_t)(got - i));
			int len = ff ? (int)(ff - (chunk + i)) : (int)(got - i);

			if (len == 0) {
				json_tokener_reset(tok);
				i++;
				continue;
			}
			req = json_tokener_parse_ex(tok, chunk + i, len);
			used = qga_json_parse_end(tok);
			i += (ssize_t)(used ? used : (size_t)len);
			if (json_tokener_get_error(tok) == json_tokener_continue)
				continue;
			if (!req) {
				json_tokener_reset(tok);
				continue;
			}
			json_tokener_reset(tok);
			if (json_object_object_get_ex(req, "arguments", &args) &&
			    json_object_object_get_ex(args, "id", &idv))
				id = json_object_get_int64(idv);
			json_object_put(req);
			if (!script[n]) {
				char tmp[4096];

				while (read(fd, tmp, sizeof(tmp)) > 0)
					;
				_exit(0);
			}
			peer_answer(fd, script[n++], id);
		}
	}
	_exit(0);
}

static void peer_start(struct peer *p, const char *const *script, int timeout_ms)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		close(sv[0]);
		peer_main(sv[1], script);
	}
	close(sv[1]);
	assert_int_equal(qga_from_fd(&p->q, sv[0], "test.sock", timeout_ms), 0);
}

static void peer_stop(struct peer *p)
{
	qga_free(p->q);
	p->q = NULL;
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
}

static void assert_error_has(const char *needle)
{
	if (!strstr(error_last(), needle))
		fail_msg("error '%s' does not contain '%s'", error_last(), needle);
}

/* ---- names, arguments, timeouts ---- */

static void test_agent__command_names(void **state)
{
	static const char *good[] = { "guest-ping", "guest_sync", "a", "guest-get-fsinfo2",
				      "__com.redhat_drive-mirror", "Guest-Ping", NULL };
	static const char *bad[] = { "", "1abc", "-x", "guest ping", "guest.ping", "__x",
				     "__com_", "guest-ping\n", "gu\xc3\xa9st", "q\"", NULL };
	char longname[QGA_NAME_MAX + 2];
	size_t i;

	for (i = 0; good[i]; i++)
		assert_true(qga_valid_command_name(good[i]));
	for (i = 0; bad[i]; i++) {
		assert_false(qga_valid_command_name(bad[i]));
		assert_int_equal(qga_check_command_name(bad[i]), ERR_INPUT);
	}
	assert_false(qga_valid_command_name(NULL));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(qga_check_command_name(longname), ERR_INPUT);
	assert_error_has("longer than");
	longname[QGA_NAME_MAX] = '\0';
	assert_int_equal(qga_check_command_name(longname), 0);
	assert_int_equal(qga_check_command_name("guest ping"), ERR_INPUT);
	assert_error_has("'guest ping': not a command name");
	/* control characters are shown escaped, not printed raw */
	assert_int_equal(qga_check_command_name("a\nb"), ERR_INPUT);
	assert_error_has("'a\\x0ab'");
}

static void expect_args_error(const char *text, const char *where)
{
	struct json_object *o = (struct json_object *)1;

	assert_int_equal(qga_parse_args(&o, text, "ARGS"), ERR_INPUT);
	assert_null(o);
	assert_error_has(where);
}

static void test_agent__parse_args(void **state)
{
	struct json_object *o = NULL, *v;

	assert_int_equal(qga_parse_args(&o, " {\"path\": \"/\", \"n\": [1, {\"x\": null}]}\n", NULL), 0);
	assert_true(json_object_is_type(o, json_type_object));
	assert_true(json_object_object_get_ex(o, "path", &v));
	assert_string_equal(json_object_get_string(v), "/");
	json_object_put(o);
	assert_int_equal(qga_parse_args(&o, "{}", NULL), 0);
	assert_int_equal(json_object_object_length(o), 0);
	json_object_put(o);

	expect_args_error("", "ARGS:1:1: expected a JSON object");
	expect_args_error("   ", "ARGS:1:4: expected a JSON object");
	expect_args_error("[1]", "ARGS:1:1: expected a JSON object");
	expect_args_error("\"x\"", "ARGS:1:1:");
	expect_args_error("{\"a\":}", "ARGS:1:6:");
	expect_args_error("{} x", "ARGS:1:4: unexpected text after the JSON object");
	expect_args_error("{}{}", "ARGS:1:3: unexpected text");
	expect_args_error("{\"a\": 1", "unexpected end");
	expect_args_error("{\n  \"a\": tru }", "ARGS:2:");
	expect_args_error("{\"a\": 01}", "ARGS:1:");
	expect_args_error("{\"a\": 1,}", "ARGS:1:");
	expect_args_error("{\"a\": \"\xff\"}", "ARGS:1:");
}

static void test_agent__parse_call(void **state)
{
	struct json_object *args = NULL, *v;
	char *name = NULL;

	assert_int_equal(qga_parse_call(&name, &args, "guest-ping"), 0);
	assert_string_equal(name, "guest-ping");
	assert_null(args);
	free(name);

	assert_int_equal(qga_parse_call(&name, &args, "  guest-get-statvfs  {\"path\": \"/\"} "), 0);
	assert_string_equal(name, "guest-get-statvfs");
	assert_true(json_object_object_get_ex(args, "path", &v));
	free(name);
	json_object_put(args);

	assert_int_equal(qga_parse_call(&name, &args, "fake-echo{\"a\":1}"), 0);
	assert_string_equal(name, "fake-echo");
	assert_non_null(args);
	free(name);
	json_object_put(args);

	assert_int_equal(qga_parse_call(&name, &args, ""), ERR_INPUT);
	assert_null(name);
	assert_int_equal(qga_parse_call(&name, &args, "1x"), ERR_INPUT);
	assert_error_has("not a command name");
	assert_int_equal(qga_parse_call(&name, &args, "x [1]"), ERR_INPUT);
	assert_error_has("arguments of 'x':1:3:");
	assert_int_equal(qga_parse_call(&name, &args, "x {\"a\": }"), ERR_INPUT);
	assert_error_has(":1:9:");
	assert_null(name);
	assert_null(args);
}

static void test_agent__parse_timeout(void **state)
{
	int ms = -1;

	assert_int_equal(qga_parse_timeout(&ms, NULL, "--timeout"), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(qga_parse_timeout(&ms, "10", "--timeout"), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(qga_parse_timeout(&ms, "0.25", "--timeout"), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(qga_parse_timeout(&ms, "0.0001", "--timeout"), 0);
	assert_int_equal(ms, 1);
	assert_int_equal(qga_parse_timeout(&ms, "0", "--timeout"), ERR_INPUT);
	assert_error_has("--timeout '0'");
	assert_int_equal(qga_parse_timeout(&ms, "-1", "--timeout"), ERR_INPUT);
	assert_int_equal(qga_parse_timeout(&ms, "", "--timeout"), ERR_INPUT);
	assert_int_equal(qga_parse_timeout(&ms, "5s", "--timeout"), ERR_INPUT);
	assert_int_equal(qga_parse_timeout(&ms, "nan", "--timeout"), ERR_INPUT);
	assert_int_equal(qga_parse_timeout(&ms, "inf", "--timeout"), ERR_INPUT);
	assert_int_equal(qga_parse_timeout(&ms, "1e9", "--timeout"), ERR_INPUT);
}

static void test_agent__request_args(void **state)
{
	struct json_object *req;
	char *args = NULL;

	req = json_tokener_parse("{\"execute\": \"guest-get-statvfs\", \"arguments\": {\"path\": \"/\"}}");
	assert_int_equal(qga_request_args(&args, "guest-get-statvfs", req), 0);
	assert_string_equal(args, "{\"path\":\"/\"}");
	free(args);
	assert_int_equal(qga_request_args(&args, "guest-other", req), ERR_INPUT);
	assert_error_has("executes 'guest-get-statvfs'");
	json_object_put(req);

	req = json_tokener_parse("{\"execute\": \"guest-ping\"}");
	assert_int_equal(qga_request_args(&args, "guest-ping", req), 0);
	assert_null(args);
	json_object_put(req);

	req = json_tokener_parse("{\"execute\": \"guest-ping\", \"arguments\": [1]}");
	assert_int_equal(qga_request_args(&args, "guest-ping", req), ERR_INPUT);
	json_object_put(req);
	req = json_tokener_parse("[1]");
	assert_int_equal(qga_request_args(&args, "guest-ping", req), ERR_INPUT);
	json_object_put(req);
}

/* ---- the handshake ---- */

static void test_agent__sync_clean(void **state)
{
	const char *script[] = { SYNC_OK, NULL };
	struct peer p;

	peer_start(&p, script, T_MS);
	assert_int_equal(qga_sync(p.q), 0);
	peer_stop(&p);
}

/* After a handshake the next reply must be the command's, not leftovers. */
static void assert_next_reply_is_ours(struct peer *p)
{
	struct qga_reply r = QGA_REPLY_INIT;

	assert_int_equal(qga_execute(&r, p->q, "guest-ping", NULL), 0);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_string_equal(json_object_get_string(r.value), "ours");
	qga_reply_release(&r);
}

#define OURS "{\"return\": \"ours\"}\n"

static void test_agent__sync_discards_stale_data(void **state)
{
	/* What earlier clients left: replies, garbage, half a reply, another
	 * client's delimited reply, a delimited half reply. */
	const char *script[] = {
		"{\"return\": {}}\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"old\"}}\n"
		"garbage \x01\x02 {\"retu" "\xff" "{\"return\": 4242}\n"
		"\xff" "{\"return\": {\"half\": " "\xff" "\xff" "[1,2]" "\xff" "{\"return\": %ID%}\n",
		OURS, SYNC_OK, NULL
	};
	struct peer p;

	peer_start(&p, script, T_MS);
	assert_int_equal(qga_sync(p.q), 0);
	assert_next_reply_is_ours(&p);
	peer_stop(&p);
}

static void test_agent__sync_ignores_other_ids(void **state)
{
	const char *script[] = { "\xff" "{\"return\": 1}\n" "\xff" "{\"return\": \"%ID%\"}\n"
				 "\xff" "{\"return\": %ID%, \"x\": 1}\n" "{\"return\": %ID%}\n" SYNC_OK,
				 OURS, SYNC_OK, NULL };
	struct peer p;

	peer_start(&p, script, T_MS);
	assert_int_equal(qga_sync(p.q), 0);
	assert_next_reply_is_ours(&p);
	peer_stop(&p);
}

static void test_agent__sync_split_reads(void **state)
{
	const char *script[] = { "@split:junk" "\xff" "{\"return\": 7}\n" SYNC_OK, OURS, SYNC_OK,
				 NULL };
	struct peer p;

	peer_start(&p, script, T_MS);
	assert_int_equal(qga_sync(p.q), 0);
	assert_next_reply_is_ours(&p);
	peer_stop(&p);
}

static void test_agent__sync_timeout(void **state)
{
	const char *script[] = { "{\"return\": 1}\n", NULL };
	struct peer p;

	peer_start(&p, script, SHORT_MS);
	assert_int_equal(qga_sync(p.q), ERR_GENERIC);
	assert_error_has("'test.sock': no answer to the handshake");
	assert_error_has("0.2 s");
	peer_stop(&p);
}

static void test_agent__sync_eof(void **state)
{
	const char *script[] = { "@close", NULL };
	struct peer p;

	peer_start(&p, script, T_MS);
	assert_int_equal(qga_sync(p.q), ERR_GENERIC);
	assert_error_has("closed the connection");
	peer_stop(&p);
}

static void test_agent__sync_stale_data_is_bounded(void **state)
{
	const char *script[] = { "@big:20000", NULL };
	struct peer p;

	peer_start(&p, script, T_MS);
	qga_set_reply_cap(p.q, 1024);
	assert_int_equal(qga_sync(p.q), ERR_GENERIC);
	assert_error_has("stale data");
	peer_stop(&p);
}

/* ---- replies ---- */

static void run_one(struct peer *p, const char *reply, struct qga_reply *out, int want,
		    int timeout_ms)
{
	const char *script[] = { SYNC_OK, reply, SYNC_OK, NULL };

	peer_start(p, script, timeout_ms);
	assert_int_equal(qga_sync(p->q), 0);
	assert_int_equal(qga_execute(out, p->q, "guest-ping", NULL), want);
}

static void test_agent__reply_return(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "{\"return\": {\"a\": [1, \"\\u00e9\"]}}\n", &r, 0, T_MS);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_true(json_object_is_type(r.value, json_type_object));
	assert_string_equal(json_object_to_json_string_ext(r.value, JSON_C_TO_STRING_PLAIN),
			    "{\"a\":[1,\"\xc3\xa9\"]}");
	qga_reply_release(&r);
	/* the connection is in sync again: another command needs no handshake */
	peer_stop(&p);
}

static void test_agent__reply_null_and_scalar(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "{\"return\": null}", &r, 0, T_MS);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_null(r.value);
	qga_reply_release(&r);
	peer_stop(&p);

	run_one(&p, "{\"return\": 42}", &r, 0, T_MS);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_int_equal(json_object_get_int64(r.value), 42);
	qga_reply_release(&r);
	peer_stop(&p);
}

static void test_agent__reply_error(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no such\"}}\n", &r, 0,
		T_MS);
	assert_int_equal(r.kind, QGA_REPLY_ERROR);
	assert_string_equal(r.error_class, "CommandNotFound");
	assert_string_equal(r.error_desc, "no such");
	qga_reply_release(&r);
	peer_stop(&p);

	run_one(&p, "{\"error\": {}}\n", &r, 0, T_MS);
	assert_int_equal(r.kind, QGA_REPLY_ERROR);
	assert_string_equal(r.error_class, "");
	assert_string_equal(r.error_desc, "");
	qga_reply_release(&r);
	peer_stop(&p);
}

static void test_agent__reply_none(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "", &r, 0, T_MS);
	assert_int_equal(r.kind, QGA_REPLY_NONE);
	assert_null(r.raw);
	peer_stop(&p);
}

static void test_agent__reply_split_reads(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	const char *script[] = { SYNC_OK, "@split:{\"return\": {\"s\": \"a\\\"b\\u00e9\"}}\n",
				 "@split:" SYNC_OK, NULL };
	struct json_object *v;
	struct peer p;

	peer_start(&p, script, T_MS);
	assert_int_equal(qga_sync(p.q), 0);
	assert_int_equal(qga_execute(&r, p.q, "guest-ping", NULL), 0);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_true(json_object_object_get_ex(r.value, "s", &v));
	assert_string_equal(json_object_get_string(v), "a\"b\xc3\xa9");
	qga_reply_release(&r);
	peer_stop(&p);
}

static void test_agent__reply_garbage(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "hello world\n", &r, ERR_GENERIC, T_MS);
	assert_error_has("the reply to 'guest-ping' is not valid JSON");
	assert_error_has("near 'hello world'");
	assert_int_equal(r.kind, QGA_REPLY_NONE);
	peer_stop(&p);

	run_one(&p, "{\"return\": \x01}\n", &r, ERR_GENERIC, T_MS);
	assert_error_has("not valid JSON");
	assert_error_has("\\x01");
	peer_stop(&p);
}

static void test_agent__reply_shapes(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "[1, 2]\n", &r, ERR_GENERIC, T_MS);
	assert_error_has("is not a JSON object");
	peer_stop(&p);

	run_one(&p, "{\"other\": 1}\n", &r, ERR_GENERIC, T_MS);
	assert_error_has("neither \"return\" nor \"error\"");
	peer_stop(&p);

	run_one(&p, "{\"return\": 1}\n{\"return\": 2}\n", &r, ERR_GENERIC, T_MS);
	assert_error_has("more than one reply");
	peer_stop(&p);

	run_one(&p, "{\"return\": \"ab" "\xff", &r, ERR_GENERIC, T_MS);
	assert_error_has("cut short by a 0xFF");
	peer_stop(&p);
}

static void test_agent__reply_oversize(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	const char *script[] = { SYNC_OK, "@big:8192", SYNC_OK, NULL };
	struct peer p;

	peer_start(&p, script, T_MS);
	qga_set_reply_cap(p.q, 4096);
	assert_int_equal(qga_sync(p.q), 0);
	assert_int_equal(qga_execute(&r, p.q, "guest-ping", NULL), ERR_GENERIC);
	assert_error_has("exceeds the limit of 4096 bytes");
	peer_stop(&p);

	/* just under the cap is fine */
	{
		const char *ok[] = { SYNC_OK, "@big:4000", SYNC_OK, NULL };

		peer_start(&p, ok, T_MS);
		qga_set_reply_cap(p.q, 4096);
		assert_int_equal(qga_execute(&r, p.q, "guest-ping", NULL), 0);
		assert_int_equal(r.kind, QGA_REPLY_RETURN);
		assert_int_equal(json_object_get_string_len(r.value), 4000);
		qga_reply_release(&r);
		peer_stop(&p);
	}
}

static void test_agent__reply_eof(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "@close", &r, ERR_GENERIC, T_MS);
	assert_error_has("'test.sock': the agent closed the connection before it answered "
			 "'guest-ping'");
	peer_stop(&p);

	run_one(&p, "{\"return\": {\"a\": ", &r, ERR_GENERIC, SHORT_MS);
	peer_stop(&p);
}

static void test_agent__reply_then_eof_counts(void **state)
{
	const char *script[] = { SYNC_OK, "{\"return\": 7}\n", "@close", NULL };
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	peer_start(&p, script, T_MS);
	assert_int_equal(qga_execute(&r, p.q, "guest-ping", NULL), 0);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_int_equal(json_object_get_int64(r.value), 7);
	qga_reply_release(&r);
	peer_stop(&p);
}

static void test_agent__reply_timeout(void **state)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	run_one(&p, "@silent", &r, ERR_GENERIC, SHORT_MS);
	assert_error_has("no answer to 'guest-ping' within 0.2 s");
	peer_stop(&p);
}

static void test_agent__execute_handshakes_first(void **state)
{
	/* No explicit qga_sync(): the first execute does it, and again after
	 * a failed exchange. */
	const char *script[] = { SYNC_OK, "garbage\n", SYNC_OK,
				 SYNC_OK, "{\"return\": 1}\n", SYNC_OK, NULL };
	struct qga_reply r = QGA_REPLY_INIT;
	struct json_object *args = json_object_new_object();
	struct peer p;

	json_object_object_add(args, "n", json_object_new_int(3));
	peer_start(&p, script, T_MS);
	assert_int_equal(qga_execute(&r, p.q, "guest-ping", NULL), ERR_GENERIC);
	assert_int_equal(qga_execute(&r, p.q, "fake-echo", args), 0);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_int_equal(json_object_get_int64(r.value), 1);
	qga_reply_release(&r);
	json_object_put(args);
	peer_stop(&p);
}

static void test_agent__reply_to_sync_delimited_itself(void **state)
{
	/* exec guest-sync-delimited: its own delimited reply, then the trailer */
	const char *script[] = { SYNC_OK, SYNC_OK, SYNC_OK, NULL };
	struct json_object *args = json_object_new_object();
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	json_object_object_add(args, "id", json_object_new_int(99));
	peer_start(&p, script, T_MS);
	assert_int_equal(qga_execute(&r, p.q, "guest-sync-delimited", args), 0);
	assert_int_equal(r.kind, QGA_REPLY_RETURN);
	assert_int_equal(json_object_get_int64(r.value), 99);
	qga_reply_release(&r);
	json_object_put(args);
	peer_stop(&p);
}

static void test_agent__execute_rejects_bad_input(void **state)
{
	const char *script[] = { NULL };
	struct json_object *arr = json_object_new_array();
	struct qga_reply r = QGA_REPLY_INIT;
	struct peer p;

	peer_start(&p, script, SHORT_MS);
	assert_int_equal(qga_execute(&r, p.q, "bad name", NULL), ERR_INPUT);
	assert_int_equal(qga_execute(&r, p.q, "guest-ping", arr), ERR_INPUT);
	json_object_put(arr);
	peer_stop(&p);
}

/* ---- connecting ---- */

static char *tmpdir_new(void)
{
	char *d = xstrdup("/tmp/qga-forge-test-agent.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void test_agent__connect_errors(void **state)
{
	char *dir = tmpdir_new();
	char *missing = fs_path_join(dir, "missing.sock");
	char *file = fs_path_join(dir, "file");
	char *dead = fs_path_join(dir, "dead.sock");
	struct qga *q = NULL;
	int fd;

	assert_int_equal(qga_connect(&q, missing, SHORT_MS), ERR_NOTFOUND);
	assert_error_has("no such socket");
	assert_null(q);
	assert_int_equal(fs_write_atomic(file, "x", 1, 0644), 0);
	assert_int_equal(qga_connect(&q, file, SHORT_MS), ERR_INPUT);
	assert_error_has("not a socket");
	fd = listen_at(dead);
	close(fd);
	assert_int_equal(qga_connect(&q, dead, SHORT_MS), ERR_GENERIC);
	assert_error_has("connection refused");
	assert_int_equal(qga_connect(&q, "", SHORT_MS), ERR_INPUT);
	fs_remove_tree(dir);
	free(missing);
	free(file);
	free(dead);
	free(dir);
}

static void test_agent__connect_long_path(void **state)
{
	char *dir = tmpdir_new(), *deep = xstrdup(dir), *sock, *cwd;
	struct qga *q = NULL;
	int fd, i;

	for (i = 0; i < 6; i++) {
		char *next = fs_path_join(deep, "a-rather-long-directory-name");

		free(deep);
		deep = next;
	}
	assert_int_equal(fs_mkdirs(deep, 0700), 0);
	sock = fs_path_join(deep, "agent.sock");
	assert_true(strlen(sock) > sizeof(((struct sockaddr_un *)0)->sun_path));
	/* bind relative to the directory: the full path does not fit */
	cwd = getcwd(NULL, 0);
	assert_int_equal(chdir(deep), 0);
	fd = listen_at("agent.sock");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(qga_connect(&q, sock, SHORT_MS), 0);
	qga_free(q);
	close(fd);
	fs_remove_tree(dir);
	free(cwd);
	free(sock);
	free(deep);
	free(dir);
}

/* ---- the smoke runner (what needs no agent; the CLI tests run agents) ---- */

static void test_agent__smoke_rejects_bad_calls(void **state)
{
	struct qga_smoke_call calls[] = { { "guest-ping", NULL, NULL },
					  { "fake-echo", "{\"a\": ", "example" } };
	struct qga_smoke_opts o = { "/bin/true", calls, 2, SHORT_MS, NULL };
	struct qga_smoke_result r;

	assert_int_equal(qga_smoke_run(&r, &o), ERR_INPUT);
	assert_error_has("arguments of 'fake-echo' (example):1:7:");
	assert_false(r.started);
	assert_false(r.ok);
	qga_smoke_result_release(&r);

	calls[1].name = "bad name";
	calls[1].args_json = NULL;
	assert_int_equal(qga_smoke_run(&r, &o), ERR_INPUT);
	assert_false(r.started);
	qga_smoke_result_release(&r);
}

static void test_agent__smoke_missing_agent(void **state)
{
	struct qga_smoke_opts o = { "/nonexistent/qemu-ga", NULL, 0, SHORT_MS, NULL };
	struct qga_smoke_result r;

	assert_int_equal(qga_smoke_run(&r, &o), ERR_NOTFOUND);
	assert_error_has("'/nonexistent/qemu-ga': no such agent program");
	assert_false(r.started);
	qga_smoke_result_release(&r);

	o.agent = "/etc/passwd";
	assert_int_equal(qga_smoke_run(&r, &o), ERR_INPUT);
	assert_error_has("not an executable file");
	qga_smoke_result_release(&r);
}

static void test_agent__smoke_agent_exits_early(void **state)
{
	char *dir = tmpdir_new();
	struct qga_smoke_opts o = { "/bin/true", NULL, 0, T_MS, dir };
	struct qga_smoke_result r;

	assert_int_equal(qga_smoke_run(&r, &o), ERR_GENERIC);
	assert_error_has("exited with status 0 before it listened");
	assert_true(r.started);
	assert_false(r.ok);
	assert_int_equal(r.agent_status, 0);
	qga_smoke_result_release(&r);
	/* the private directory is gone */
	assert_int_equal(fs_dir_is_empty(dir), 1);
	fs_remove_tree(dir);
	free(dir);
}

static void test_agent__smoke_result_json(void **state)
{
	struct qga_smoke_result r = QGA_SMOKE_RESULT_INIT;
	struct json_object *o, *calls, *c, *v;

	r.agent = xstrdup("/x/qemu-ga");
	r.ncalls = 2;
	r.calls = xcalloc(2, sizeof(*r.calls));
	r.calls[0].name = xstrdup("guest-ping");
	r.calls[0].ran = true;
	r.calls[0].ok = true;
	r.calls[0].reply.kind = QGA_REPLY_RETURN;
	r.calls[0].reply.raw = json_tokener_parse("{\"return\": {\"x\": 1}}");
	json_object_object_get_ex(r.calls[0].reply.raw, "return", &r.calls[0].reply.value);
	r.calls[1].name = xstrdup("guest-boom");
	r.calls[1].source = xstrdup("--call");
	r.calls[1].ran = true;
	r.calls[1].message = xstrdup("boom");
	r.calls[1].reply.kind = QGA_REPLY_ERROR;
	r.calls[1].reply.raw = json_tokener_parse("{\"error\": {\"class\": \"C\", \"desc\": \"D\"}}");
	r.calls[1].reply.error_class = "C";
	r.calls[1].reply.error_desc = "D";
	r.agent_log = xstrdup("log");

	o = qga_smoke_result_json(&r);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "agent_log", &v));
	assert_true(json_object_object_get_ex(o, "calls", &calls));
	assert_int_equal(json_object_array_length(calls), 2);
	c = json_object_array_get_idx(calls, 0);
	assert_true(json_object_object_get_ex(c, "return", &v));
	assert_true(json_object_object_get_ex(v, "x", &v));
	c = json_object_array_get_idx(calls, 1);
	assert_true(json_object_object_get_ex(c, "error", &v));
	assert_true(json_object_object_get_ex(v, "class", &v));
	assert_string_equal(json_object_get_string(v), "C");
	assert_true(json_object_object_get_ex(c, "message", &v));
	json_object_put(o);
	qga_smoke_result_release(&r);
	assert_null(r.calls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent__command_names),
		cmocka_unit_test(test_agent__parse_args),
		cmocka_unit_test(test_agent__parse_call),
		cmocka_unit_test(test_agent__parse_timeout),
		cmocka_unit_test(test_agent__request_args),
		cmocka_unit_test(test_agent__sync_clean),
		cmocka_unit_test(test_agent__sync_discards_stale_data),
		cmocka_unit_test(test_agent__sync_ignores_other_ids),
		cmocka_unit_test(test_agent__sync_split_reads),
		cmocka_unit_test(test_agent__sync_timeout),
		cmocka_unit_test(test_agent__sync_eof),
		cmocka_unit_test(test_agent__sync_stale_data_is_bounded),
		cmocka_unit_test(test_agent__reply_return),
		cmocka_unit_test(test_agent__reply_null_and_scalar),
		cmocka_unit_test(test_agent__reply_error),
		cmocka_unit_test(test_agent__reply_none),
		cmocka_unit_test(test_agent__reply_split_reads),
		cmocka_unit_test(test_agent__reply_garbage),
		cmocka_unit_test(test_agent__reply_shapes),
		cmocka_unit_test(test_agent__reply_oversize),
		cmocka_unit_test(test_agent__reply_eof),
		cmocka_unit_test(test_agent__reply_then_eof_counts),
		cmocka_unit_test(test_agent__reply_timeout),
		cmocka_unit_test(test_agent__execute_handshakes_first),
		cmocka_unit_test(test_agent__reply_to_sync_delimited_itself),
		cmocka_unit_test(test_agent__execute_rejects_bad_input),
		cmocka_unit_test(test_agent__connect_errors),
		cmocka_unit_test(test_agent__connect_long_path),
		cmocka_unit_test(test_agent__smoke_rejects_bad_calls),
		cmocka_unit_test(test_agent__smoke_missing_agent),
		cmocka_unit_test(test_agent__smoke_agent_exits_early),
		cmocka_unit_test(test_agent__smoke_result_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
