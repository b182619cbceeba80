#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent/qga.h"
#include "agent/json-compat.h"
#include "util/util.h"
#include "util/banned.h"

#define DELIM 0xff
#define READ_CHUNK 65536

struct qga {
	int fd;
	char *what;
	int timeout_ms;
	size_t cap;
	bool synced;            /* the stream is known to be clean */
	uint64_t rng;
	int64_t fixed_id;       /* qga_set_id_sequence(): the next id, 0 when random */
	unsigned char rbuf[READ_CHUNK];
	size_t rpos, rlen;      /* unread bytes are rbuf[rpos..rlen) */
	struct json_tokener *tok;
	size_t value_bytes;     /* bytes fed into the value being parsed */
	size_t consumed;        /* bytes consumed since the connection opened */
	/* the last parse error, for messages */
	const char *parse_err;
	char near[48];
};

static int timeout_or_default(int ms)
{
	return ms > 0 ? ms : QGA_DEFAULT_TIMEOUT_MS;
}

static void timeout_text(char *out, size_t n, int ms)
{
	snprintf(out, n, "%g s", ms / 1000.0);
}

/*
 * Seeded from the kernel where possible; ids need to be unlikely to repeat
 * on a channel, not unpredictable. getrandom() is not used: CentOS 7's libc
 * lacks it.
 */
static uint64_t seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	struct timespec ts;

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	s ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec ^
	     ((uint64_t)getpid() << 32);
	return s ? s : 0x2545f4914f6cdd1dull;
}

/* A positive id below 2^53, so that any JSON reader keeps it exact. */
static int64_t next_id(struct qga *q)
{
	uint64_t x = q->rng;
	int64_t id;

	if (q->fixed_id > 0)
		return q->fixed_id++;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	q->rng = x;
	id = (int64_t)(x & ((1ull << 53) - 1));
	return id ? id : 1;
}

static void reset_parser(struct qga *q)
{
	json_tokener_reset(q->tok);
	q->value_bytes = 0;
}

static int qga_new(struct qga **out, int fd, const char *what, int timeout_ms)
{
	struct qga *q = xcalloc(1, sizeof(*q));

	q->fd = fd;
	q->what = xstrdup(what ? what : "agent");
	q->timeout_ms = timeout_or_default(timeout_ms);
	q->cap = QGA_REPLY_MAX;
	q->rng = seed();
	q->tok = json_tokener_new_ex(QGA_JSON_DEPTH);
	if (!q->tok) {
		qga_free(q);
		*out = NULL;
		return error_set(ERR_GENERIC, "out of memory");
	}
	*out = q;
	return 0;
}

void qga_free(struct qga *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	if (q->tok)
		json_tokener_free(q->tok);
	free(q->what);
	free(q);
}

void qga_set_timeout(struct qga *q, int timeout_ms)
{
	q->timeout_ms = timeout_or_default(timeout_ms);
}

void qga_set_reply_cap(struct qga *q, size_t cap)
{
	q->cap = cap ? cap : QGA_REPLY_MAX;
}

void qga_set_id_sequence(struct qga *q, int64_t first)
{
	q->fixed_id = first > 0 ? first : 0;
}

int qga_from_fd(struct qga **out, int fd, const char *what, int timeout_ms)
{
	int fl;

	*out = NULL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int ret = error_set_errno(ERR_GENERIC, "'%s': cannot use the connection",
					  what ? what : "agent");

		close(fd);
		return ret;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return qga_new(out, fd, what, timeout_ms);
}

/* ---- connecting ---- */

static int connect_error(const char *path, int e)
{
	switch (e) {
	case ENOENT:
		return error_set(ERR_NOTFOUND, "'%s': no such socket (is the agent running?)", path);
	case ECONNREFUSED:
		return error_set(ERR_GENERIC, "'%s': connection refused (no agent listens on it)", path);
	case ENOTSOCK:
		return error_set(ERR_INPUT, "'%s': not a socket", path);
	default:
		errno = e;
		return error_set_errno(ERR_GENERIC, "'%s': cannot connect", path);
	}
}

/*
 * sun_path holds 108 bytes; a longer path is reached as
 * /proc/self/fd/N/NAME through an O_PATH descriptor of its directory.
 */
static int fill_addr(struct sockaddr_un *sa, int *dirfd, const char *path)
{
	char *dir = NULL, *base = NULL;
	int n, ret = 0;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	*dirfd = -1;
	if (strlen(path) < sizeof(sa->sun_path)) {
		memcpy(sa->sun_path, path, strlen(path) + 1);
		return 0;
	}
	dir = fs_dirname(path);
	base = fs_basename(path);
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0) {
		ret = error_set_errno(ERR_NOTFOUND, "'%s': cannot open the socket's directory", path);
		goto cleanup;
	}
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, base);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		ret = error_set(ERR_INPUT, "'%s': socket path too long", path);
cleanup:
	free(dir);
	free(base);
	return ret;
}

static int wait_connected(int fd, const char *path, long long deadline)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	int err = 0;
	socklen_t len = sizeof(err);

	for (;;) {
		long long left = deadline - clock_now_ms();
		int r;

		if (left <= 0)
			return error_set(ERR_GENERIC, "'%s': connection timed out", path);
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return error_set_errno(ERR_GENERIC, "'%s': cannot connect", path);
		if (r > 0)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return error_set_errno(ERR_GENERIC, "'%s': cannot connect", path);
	return err ? connect_error(path, err) : 0;
}

int qga_connect(struct qga **out, const char *path, int timeout_ms)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd = -1, dirfd = -1, ret;
	long long deadline = clock_now_ms() + timeout_or_default(timeout_ms);

	*out = NULL;
	if (!path || !*path)
		return error_set(ERR_INPUT, "empty socket path");
	if (stat(path, &st) < 0)
		return connect_error(path, errno);
	if (!S_ISSOCK(st.st_mode))
		return error_set(ERR_INPUT, "'%s': not a socket", path);
	ret = fill_addr(&sa, &dirfd, path);
	if (ret < 0)
		goto cleanup;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a socket");
		goto cleanup;
	}
	/* A full listen backlog answers EAGAIN: wait for room until the deadline. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EINPROGRESS) {
			ret = wait_connected(fd, path, deadline);
			if (ret < 0)
				goto cleanup;
			break;
		}
		if (errno == EAGAIN && clock_now_ms() < deadline) {
			clock_sleep_ms(10);
			continue;
		}
		ret = errno == EAGAIN ? error_set(ERR_GENERIC, "'%s': connection timed out "
						  "(the agent does not accept)", path)
				      : connect_error(path, errno);
		goto cleanup;
	}
	ret = qga_new(out, fd, path, timeout_ms);
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

/* ---- writing ---- */

static int write_all(struct qga *q, const char *data, size_t len, const char *ctx)
{
	long long deadline = clock_now_ms() + q->timeout_ms;
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(q->fd, data + done, len - done, MSG_NOSIGNAL);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { q->fd, POLLOUT, 0 };
			long long left = deadline - clock_now_ms();

			if (left <= 0) {
				char t[32];

				timeout_text(t, sizeof(t), q->timeout_ms);
				return error_set(ERR_GENERIC, "'%s': the agent did not take %s within %s",
						 q->what, ctx, t);
			}
			poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return error_set(ERR_GENERIC, "'%s': the agent closed the connection "
					 "before it took %s", q->what, ctx);
		return error_set_errno(ERR_GENERIC, "'%s': cannot send %s", q->what, ctx);
	}
	return 0;
}

static char *request_text(const char *name, struct json_object *args)
{
	struct json_object *req = json_object_new_object();
	char *text;

	json_object_object_add(req, "execute", json_object_new_string(name));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	text = xasprintf("%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								QGA_JSON_NOSLASHESCAPE));
	json_object_put(req);
	return text;
}

static char *sync_text(int64_t id)
{
	return xasprintf("{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%" PRId64 "}}\n",
			 id);
}

/* ---- reading ---- */

/*
 * Wait for and read more bytes. `ctx` says what was awaited ("'guest-info'",
 * "the handshake ..."); `hint` is appended to a timeout message.
 */
static int fill(struct qga *q, long long deadline, const char *ctx, const char *hint)
{
	for (;;) {
		struct pollfd pfd = { q->fd, POLLIN, 0 };
		long long left = deadline - clock_now_ms();
		ssize_t n;
		int r;

		if (left <= 0) {
			char t[32];

			timeout_text(t, sizeof(t), q->timeout_ms);
			return error_set(ERR_GENERIC, "'%s': no answer to %s within %s%s", q->what,
					 ctx, t, hint ? hint : "");
		}
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return error_set_errno(ERR_GENERIC, "'%s': cannot wait for %s", q->what, ctx);
		if (r <= 0)
			continue;
		n = recv(q->fd, q->rbuf, sizeof(q->rbuf), 0);
		if (n > 0) {
			q->rpos = 0;
			q->rlen = (size_t)n;
			return 0;
		}
		if (n == 0 || errno == ECONNRESET)
			return error_set(ERR_GENERIC, "'%s': the agent closed the connection "
					 "before it answered %s", q->what, ctx);
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return error_set_errno(ERR_GENERIC, "'%s': cannot read %s", q->what, ctx);
	}
}

static void consume(struct qga *q, size_t n)
{
	q->rpos += n;
	q->consumed += n;
}

enum step {
	STEP_MORE,       /* all buffered bytes used; the value is not complete */
	STEP_VALUE,      /* a complete value (possibly JSON null) */
	STEP_DELIM,      /* a 0xFF between values (consumed) */
	STEP_CUT,        /* a 0xFF inside a value (not consumed) */
	STEP_BAD,        /* not JSON: q->parse_err, q->near */
	STEP_TOO_BIG     /* the value exceeds the cap */
};

static void remember_bad(struct qga *q, const unsigned char *p, size_t avail, const char *err)
{
	size_t i, o = 0;

	q->parse_err = err;
	for (i = 0; i < avail && o + 5 < sizeof(q->near) && p[i] != DELIM && p[i] != '\n'; i++) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
			q->near[o++] = (char)c;
		} else {
			snprintf(q->near + o, sizeof(q->near) - o, "\\x%02x", c);
			o += 4;
		}
	}
	q->near[o] = '\0';
}

/*
 * Advance through the buffered bytes by one step. The tokener only ever
 * sees bytes before the next 0xFF, so a delimiter always resets parsing.
 */
static enum step parse_step(struct qga *q, struct json_object **obj)
{
	const unsigned char *p, *end, *d;
	enum json_tokener_error jerr;
	struct json_object *o;
	size_t n, used;

	*obj = NULL;
	if (!q->value_bytes) {
		while (q->rpos < q->rlen && strchr(" \t\r\n", q->rbuf[q->rpos]) && q->rbuf[q->rpos])
			consume(q, 1);
	}
	if (q->rpos == q->rlen)
		return STEP_MORE;
	p = q->rbuf + q->rpos;
	if (*p == DELIM) {
		if (q->value_bytes)
			return STEP_CUT;
		consume(q, 1);
		return STEP_DELIM;
	}
	end = q->rbuf + q->rlen;
	d = memchr(p, DELIM, (size_t)(end - p));
	n = (size_t)((d ? d : end) - p);
	o = json_tokener_parse_ex(q->tok, (const char *)p, (int)n);
	jerr = json_tokener_get_error(q->tok);
	used = qga_json_parse_end(q->tok);
	if (jerr == json_tokener_success) {
		consume(q, used);
		if (q->value_bytes + used > q->cap) {
			json_object_put(o);
			reset_parser(q);
			return STEP_TOO_BIG;
		}
		reset_parser(q);
		*obj = o;
		return STEP_VALUE;
	}
	if (jerr == json_tokener_continue) {
		consume(q, n);
		q->value_bytes += n;
		return q->value_bytes > q->cap ? STEP_TOO_BIG : STEP_MORE;
	}
	if (used > n)
		used = n;
	/* Show the bad value from its start when it began in this chunk. */
	if (!q->value_bytes)
		remember_bad(q, p, n, json_tokener_error_desc(jerr));
	else
		remember_bad(q, p + used, n - used, json_tokener_error_desc(jerr));
	consume(q, used);
	reset_parser(q);
	return STEP_BAD;
}

static bool is_return_of(struct json_object *obj, int64_t id)
{
	struct json_object *r;

	return json_object_is_type(obj, json_type_object) &&
	       json_object_object_length(obj) == 1 &&
	       json_object_object_get_ex(obj, "return", &r) &&
	       json_object_is_type(r, json_type_int) && json_object_get_int64(r) == id;
}

static const char sync_hint[] =
	" (is another client connected to this channel, or is the agent not running?)";

/* Discard input up to the delimited {"return": id}. */
static int await_sync(struct qga *q, int64_t id, long long deadline)
{
	const char *ctx = "the handshake (guest-sync-delimited)";
	size_t start = q->consumed, limit = q->cap * 4;
	bool after_delim = false;

	reset_parser(q);
	for (;;) {
		struct json_object *obj = NULL;
		enum step st;
		int ret;

		if (q->consumed - start > limit)
			return error_set(ERR_GENERIC, "'%s': more than %zu bytes of stale data before "
					 "the handshake reply", q->what, limit);
		if (q->rpos == q->rlen) {
			ret = fill(q, deadline, ctx, sync_hint);
			if (ret < 0)
				return ret;
		}
		if (!after_delim) {
			const unsigned char *p = q->rbuf + q->rpos;
			const unsigned char *d = memchr(p, DELIM, q->rlen - q->rpos);

			if (!d) {
				consume(q, q->rlen - q->rpos);
				continue;
			}
			consume(q, (size_t)(d - p) + 1);
			after_delim = true;
			continue;
		}
		st = parse_step(q, &obj);
		switch (st) {
		case STEP_MORE:
			break;
		case STEP_VALUE:
			if (is_return_of(obj, id)) {
				json_object_put(obj);
				return 0;
			}
			json_object_put(obj);
			after_delim = false;
			break;
		case STEP_DELIM:
			break;
		case STEP_CUT:
			reset_parser(q);
			break;
		case STEP_BAD:
		case STEP_TOO_BIG:
			reset_parser(q);
			after_delim = false;
			break;
		}
	}
}

int qga_sync_id(struct qga *q, int64_t id)
{
	char *text = sync_text(id);
	struct buf req = BUF_INIT;
	int ret;

	q->synced = false;
	buf_putc(&req, (char)DELIM);
	buf_puts(&req, text);
	ret = write_all(q, req.ptr, req.len, "the handshake (guest-sync-delimited)");
	if (ret == 0)
		ret = await_sync(q, id, clock_now_ms() + q->timeout_ms);
	if (ret == 0)
		q->synced = true;
	free(text);
	buf_release(&req);
	return ret;
}

int qga_sync(struct qga *q)
{
	return qga_sync_id(q, next_id(q));
}

void qga_reply_release(struct qga_reply *r)
{
	json_object_put(r->raw);
	r->kind = QGA_REPLY_NONE;
	r->raw = NULL;
	r->value = NULL;
	r->error_class = NULL;
	r->error_desc = NULL;
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

/* Check the shape of a reply and fill `out` (taking the reference). */
static int take_reply(struct qga_reply *out, struct qga *q, struct json_object *obj,
		      const char *ctx)
{
	struct json_object *v;

	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return error_set(ERR_GENERIC, "'%s': the reply to %s is not a JSON object", q->what,
				 ctx);
	}
	if (json_object_object_get_ex(obj, "return", &v)) {
		out->kind = QGA_REPLY_RETURN;
		out->raw = obj;
		out->value = v;
		return 0;
	}
	if (json_object_object_get_ex(obj, "error", &v)) {
		out->kind = QGA_REPLY_ERROR;
		out->raw = obj;
		out->error_class = json_object_is_type(v, json_type_object) ?
					   member_string(v, "class") : "";
		out->error_desc = json_object_is_type(v, json_type_object) ?
					  member_string(v, "desc") : json_object_get_string(v);
		if (!out->error_desc)
			out->error_desc = "";
		return 0;
	}
	json_object_put(obj);
	return error_set(ERR_GENERIC, "'%s': the reply to %s has neither \"return\" nor \"error\"",
			 q->what, ctx);
}

static int step_error(struct qga *q, enum step st, const char *ctx)
{
	if (st == STEP_TOO_BIG)
		return error_set(ERR_GENERIC, "'%s': the reply to %s exceeds the limit of %zu bytes",
				 q->what, ctx, q->cap);
	if (st == STEP_CUT)
		return error_set(ERR_GENERIC, "'%s': the reply to %s was cut short by a 0xFF "
				 "delimiter", q->what, ctx);
	if (q->near[0])
		return error_set(ERR_GENERIC, "'%s': the reply to %s is not valid JSON (%s) near '%s'",
				 q->what, ctx, q->parse_err, q->near);
	return error_set(ERR_GENERIC, "'%s': the reply to %s is not valid JSON (%s)", q->what, ctx,
			 q->parse_err);
}

/*
 * Read the reply of a request (`ctx` names it: "'guest-info'") followed by
 * the delimited trailer `id`; *trailer_seen tells whether the stream is in
 * sync again. A value right after a delimiter may still be the reply: the
 * request may have been guest-sync-delimited itself. When the connection
 * ends after the reply but before the trailer, the reply still counts.
 */
static int await_reply(struct qga_reply *out, bool *trailer_seen, struct qga *q, int64_t id,
		       const char *ctx, long long deadline)
{
	struct json_object *reply = NULL;
	bool after_delim = false;
	int ret = 0;

	*trailer_seen = false;
	reset_parser(q);
	for (;;) {
		struct json_object *obj = NULL;
		enum step st;

		if (q->rpos == q->rlen) {
			ret = fill(q, deadline, ctx, NULL);
			if (ret < 0) {
				if (reply) {
					error_clear();
					ret = take_reply(out, q, reply, ctx);
					reply = NULL;
				}
				goto cleanup;
			}
		}
		st = parse_step(q, &obj);
		switch (st) {
		case STEP_MORE:
			continue;
		case STEP_DELIM:
			after_delim = true;
			continue;
		case STEP_VALUE:
			if (after_delim && is_return_of(obj, id)) {
				json_object_put(obj);
				*trailer_seen = true;
				if (reply) {
					ret = take_reply(out, q, reply, ctx);
					reply = NULL;
				}
				/* else: no reply at all, out stays QGA_REPLY_NONE */
				goto cleanup;
			}
			if (reply) {
				json_object_put(obj);
				ret = error_set(ERR_GENERIC, "'%s': more than one reply to %s", q->what,
						ctx);
				goto cleanup;
			}
			if (!json_object_is_type(obj, json_type_object)) {
				json_object_put(obj);
				ret = error_set(ERR_GENERIC, "'%s': the reply to %s is not a JSON object",
						q->what, ctx);
				goto cleanup;
			}
			reply = obj;
			after_delim = false;
			continue;
		default:
			ret = step_error(q, st, ctx);
			goto cleanup;
		}
	}
cleanup:
	json_object_put(reply);
	return ret;
}

int qga_execute(struct qga_reply *out, struct qga *q, const char *name, struct json_object *args)
{
	char *req = NULL, *trailer = NULL, *ctx = NULL;
	struct buf both = BUF_INIT;
	bool trailer_seen = false;
	int64_t id;
	int ret;

	*out = (struct qga_reply)QGA_REPLY_INIT;
	ret = qga_check_command_name(name);
	if (ret < 0)
		return ret;
	if (args && !json_object_is_type(args, json_type_object))
		return error_set(ERR_INPUT, "arguments of '%s' are not a JSON object", name);
	if (!q->synced) {
		ret = qga_sync(q);
		if (ret < 0)
			return ret;
	}
	q->synced = false;
	id = next_id(q);
	req = request_text(name, args);
	trailer = sync_text(id);
	buf_puts(&both, req);
	buf_puts(&both, trailer);
	ctx = xasprintf("'%s'", name);
	ret = write_all(q, both.ptr, both.len, ctx);
	if (ret < 0)
		goto cleanup;
	ret = await_reply(out, &trailer_seen, q, id, ctx, clock_now_ms() + q->timeout_ms);
	q->synced = ret == 0 && trailer_seen;
cleanup:
	free(req);
	free(trailer);
	free(ctx);
	buf_release(&both);
	return ret;
}

/* ---- QMP: the QEMU monitor's protocol over the same reader ---- */

/* The next complete JSON value that is not an event ({"event": ...}), or an error. */
static int qmp_next(struct json_object **out, struct qga *q, const char *ctx, long long deadline)
{
	*out = NULL;
	for (;;) {
		struct json_object *obj = NULL, *ev;
		enum step st;
		int ret;

		if (q->rpos == q->rlen && (ret = fill(q, deadline, ctx, NULL)) < 0)
			return ret;
		st = parse_step(q, &obj);
		if (st == STEP_MORE)
			continue;
		if (st != STEP_VALUE)
			return step_error(q, st, ctx);
		if (!json_object_is_type(obj, json_type_object)) {
			json_object_put(obj);
			return error_set(ERR_GENERIC, "'%s': the reply to %s is not a JSON object", q->what,
					 ctx);
		}
		if (json_object_object_get_ex(obj, "event", &ev)) {
			json_object_put(obj);
			continue;
		}
		*out = obj;
		return 0;
	}
}

static int qmp_exchange(struct qga_reply *out, struct qga *q, const char *name,
			struct json_object *args)
{
	struct json_object *req = json_object_new_object(), *obj = NULL, *idv;
	long long deadline = clock_now_ms() + q->timeout_ms;
	char *text, *ctx = xasprintf("'%s'", name);
	int64_t id = next_id(q);
	int ret;

	json_object_object_add(req, "execute", json_object_new_string(name));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	json_object_object_add(req, "id", json_object_new_int64(id));
	text = xasprintf("%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
								QGA_JSON_NOSLASHESCAPE));
	ret = write_all(q, text, strlen(text), ctx);
	while (!ret && !(ret = qmp_next(&obj, q, ctx, deadline))) {
		/* A reply without our id belongs to nobody here (an earlier client's): skip it. */
		if (json_object_object_get_ex(obj, "id", &idv) && json_object_is_type(idv, json_type_int) &&
		    json_object_get_int64(idv) == id) {
			json_object_object_del(obj, "id");
			ret = take_reply(out, q, obj, ctx);
			break;
		}
		json_object_put(obj);
		obj = NULL;
	}
	json_object_put(req);
	free(text);
	free(ctx);
	return ret;
}

int qmp_handshake(struct qga *q)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct json_object *greeting = NULL, *v;
	int ret;

	reset_parser(q);
	ret = qmp_next(&greeting, q, "the QMP greeting", clock_now_ms() + q->timeout_ms);
	if (!ret && !json_object_object_get_ex(greeting, "QMP", &v))
		ret = error_set(ERR_GENERIC, "'%s': not a QMP monitor (its first message has no \"QMP\" "
				"greeting)", q->what);
	json_object_put(greeting);
	if (!ret)
		ret = qmp_exchange(&r, q, "qmp_capabilities", NULL);
	if (!ret && r.kind == QGA_REPLY_ERROR)
		ret = error_set(ERR_GENERIC, "'%s': qmp_capabilities failed: %s: %s", q->what,
				r.error_class, r.error_desc);
	qga_reply_release(&r);
	q->synced = ret == 0;
	return ret;
}

int qmp_execute(struct qga_reply *out, struct qga *q, const char *name, struct json_object *args)
{
	*out = (struct qga_reply)QGA_REPLY_INIT;
	if (!qga_valid_command_name(name))
		return qga_check_command_name(name);
	if (args && !json_object_is_type(args, json_type_object))
		return error_set(ERR_INPUT, "arguments of '%s' are not a JSON object", name);
	if (!q->synced)
		return error_set(ERR_GENERIC, "'%s': the QMP session is not negotiated", q->what);
	return qmp_exchange(out, q, name, args);
}
