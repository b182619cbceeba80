#ifndef QGA_FORGE_QGA_H
#define QGA_FORGE_QGA_H

/*
 * The agent module: a client of the QEMU guest agent protocol, and the
 * smoke runner that starts an agent binary and checks its commands.
 *
 * Protocol: JSON objects over a stream socket (the host side of the
 * virtio-serial channel, libvirt's channel socket, or `qemu-ga -m
 * unix-listen`). A session starts with `guest-sync-delimited`: the agent
 * answers a 0xFF byte and then {"return": ID}. Everything before that is
 * stale (replies to an earlier client, half a reply) and is discarded.
 * A 0xFF byte never occurs inside JSON text (it is not valid UTF-8), so the
 * reader treats every 0xFF as a delimiter.
 *
 * Bounds: every exchange has a deadline (the connection's timeout, default
 * QGA_DEFAULT_TIMEOUT_MS), a reply may hold at most the reply cap (default
 * QGA_REPLY_MAX bytes), and a handshake discards at most four times the cap
 * of stale data. Garbage, a closed connection, silence or an oversized
 * reply end the exchange with a negative code and a message naming the
 * socket; nothing blocks past the deadline.
 *
 * Like every library module this one never prints and never exits. It is
 * not thread safe: one connection per thread. Writes use MSG_NOSIGNAL, so a
 * closed socket never raises SIGPIPE.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define QGA_DEFAULT_TIMEOUT_MS 10000
#define QGA_REPLY_MAX (16u << 20)
#define QGA_NAME_MAX 128

/* ---- names and arguments ---- */

/*
 * A command name QEMU's QAPI generator accepts in any version: an optional
 * downstream prefix `__RFQDN_`, then a letter, then letters, digits, '-'
 * and '_' (at most QGA_NAME_MAX bytes). qga_check_command_name() sets a
 * message naming the name and returns ERR_INPUT when it is not one.
 */
bool qga_valid_command_name(const char *name);
int qga_check_command_name(const char *name);

/*
 * Parse command arguments given as JSON text. The text must be one JSON
 * object (json-c's strict mode; valid UTF-8 where json-c checks it; nothing
 * after it but whitespace). On error: ERR_INPUT and "LABEL:LINE:COL:
 * problem" (LABEL says where the text came from; NULL: "arguments").
 * *out is a new reference.
 */
int qga_parse_args(struct json_object **out, const char *text, const char *label);

/*
 * Parse "NAME [JSON-ARGS]" (as given to `smoke --call`): the name, then
 * optionally whitespace and a JSON object. *name_out is malloc()ed;
 * *args_out is a new reference or NULL when no arguments were given.
 */
int qga_parse_call(char **name_out, struct json_object **args_out, const char *spec);

/*
 * A timeout given in seconds ("10", "0.5"; above 0, at most a day) to ms.
 * NULL text gives 0 (the default). ERR_INPUT with "LABEL 'TEXT': ..." else.
 */
int qga_parse_timeout(int *out_ms, const char *text, const char *label);

/* ---- a connection ---- */

struct qga;

/*
 * Connect to the agent socket at `path` (a unix socket; paths longer than
 * sun_path are reached through their directory). timeout_ms bounds the
 * connect and becomes the connection's timeout (0: QGA_DEFAULT_TIMEOUT_MS).
 * Errors name the path: missing socket, refused (no agent listening),
 * not a socket, timeout.
 */
int qga_connect(struct qga **out, const char *path, int timeout_ms);

/*
 * Use an already connected stream socket (ownership passes to the
 * connection, also on failure). `what` names it in messages.
 */
int qga_from_fd(struct qga **out, int fd, const char *what, int timeout_ms);

/* Close and free. NULL is fine. */
void qga_free(struct qga *q);

/* The deadline of each later exchange, in ms (0: QGA_DEFAULT_TIMEOUT_MS). */
void qga_set_timeout(struct qga *q, int timeout_ms);

/* The largest reply accepted, in bytes (0: QGA_REPLY_MAX). */
void qga_set_reply_cap(struct qga *q, size_t cap);

/*
 * For tests and fuzzing only (qga-forge itself never calls it): make the
 * ids of later handshakes and trailers first, first+1, ... instead of
 * random ones, so that a scripted peer can answer without reading the
 * requests (tests/fuzz/fuzz_reply.c). `first` must be positive.
 */
void qga_set_id_sequence(struct qga *q, int64_t first);

/*
 * Handshake: send 0xFF (so the agent drops a half-read request of an
 * earlier client) and guest-sync-delimited with a random id, then discard
 * everything up to a 0xFF followed by {"return": id}. qga_execute() does
 * this itself when the stream is not known to be clean (a new connection,
 * or after a failed exchange); calling it first separates "the agent does
 * not answer at all" from "the command failed".
 */
int qga_sync(struct qga *q);

/* qga_sync() with a given id (tests; an id must be new on the channel). */
int qga_sync_id(struct qga *q, int64_t id);

enum qga_reply_kind {
	QGA_REPLY_RETURN,  /* {"return": VALUE} */
	QGA_REPLY_ERROR,   /* {"error": {"class": ..., "desc": ...}} */
	QGA_REPLY_NONE     /* the command sent nothing (success-response false) */
};

/*
 * One reply. `raw` is the reply object (a reference the reply owns; NULL
 * for QGA_REPLY_NONE); `value` (the "return" member, NULL for JSON null),
 * `error_class` and `error_desc` point into it. error_class and error_desc
 * are never NULL for QGA_REPLY_ERROR (a missing member reads as "").
 */
struct qga_reply {
	enum qga_reply_kind kind;
	struct json_object *raw;
	struct json_object *value;
	const char *error_class;
	const char *error_desc;
};
#define QGA_REPLY_INIT { QGA_REPLY_NONE, NULL, NULL, NULL, NULL }

void qga_reply_release(struct qga_reply *r);

/*
 * Run one command: send {"execute": NAME, "arguments": ARGS} (no
 * "arguments" when args is NULL; args is borrowed), followed by a
 * guest-sync-delimited with a fresh id, and read the reply. The trailing
 * handshake is how a command that answers nothing on success (guest-shutdown,
 * the guest-suspend-* family: 'success-response': false) is told apart from
 * silence: its delimiter arrives with no reply before it (QGA_REPLY_NONE).
 *
 * Returns 0 when the agent answered, whatever the answer (look at out->kind:
 * an error reply is not a failure of this function), or a negative code when
 * the exchange failed (no answer in time, connection closed before the
 * reply, garbage, a reply over the cap, a reply that is not a JSON object,
 * has neither "return" nor "error", or comes twice). A reply followed by the
 * end of the connection still counts. ERR_INPUT for an invalid name or
 * arguments that are not an object (nothing is sent then). After a failure
 * the next call handshakes again first.
 */
int qga_execute(struct qga_reply *out, struct qga *q, const char *name,
		struct json_object *args);

/* ---- QMP (the QEMU monitor) ---- */

/*
 * A QEMU monitor socket (-qmp unix:SOCK,server=on, or libvirt's monitor
 * socket) reached with qga_connect(): read the {"QMP": ...} greeting and
 * negotiate qmp_capabilities. Errors name the socket; a peer that greets
 * otherwise is "not a QMP monitor".
 */
int qmp_handshake(struct qga *q);

/*
 * One QMP command after qmp_handshake(): {"execute", "arguments", "id"},
 * asynchronous events skipped, the reply with our id taken (no 0xFF
 * framing in QMP). Same reply and error contract as qga_execute().
 */
int qmp_execute(struct qga_reply *out, struct qga *q, const char *name, struct json_object *args);

/* ---- the smoke runner ---- */

/*
 * One call to make. `name` is the command; `args_json` a JSON object text
 * or NULL for no arguments; `source` says where the request came from (for
 * the report: "example", "--call", ...; may be NULL). All borrowed.
 *
 * `not_called`: no request is made (the command has required arguments and
 * nothing says what to pass); guest-info must still list it as enabled, and
 * the call is reported "not called: " followed by this text.
 * `stub`: the handler is qga-forge's generated stub; its answer "command
 * 'NAME' is not implemented" is reported as a stub, not as a failure.
 * Both count as failures with qga_smoke_opts.strict.
 */
struct qga_smoke_call {
	const char *name;
	const char *args_json;
	const char *source;
	const char *not_called;
	bool stub;
};

struct qga_smoke_opts {
	const char *agent;                   /* the qemu-ga binary to start */
	const struct qga_smoke_call *calls;  /* the calls, in order */
	size_t ncalls;
	int timeout_ms;       /* per exchange, and for the agent to listen (0: default) */
	const char *tmpdir;   /* parent of the private directory (NULL: $TMPDIR or /tmp) */
	/*
	 * As installed: the arguments the package's unit gives the agent
	 * (ExecStart after the program, variables expanded; NULL-terminated,
	 * or NULL). Its channel options (-m/--method, -p/--path), and those
	 * naming files of a real host (-t/--statedir, -l/--logfile,
	 * -f/--pidfile, -d/--daemonize) are replaced by the run's own; the
	 * rest (--blacklist, --block-rpcs, --allow-rpcs, -F...) are kept, so
	 * the vendor's RPC policy applies.
	 */
	const char *const *agent_args;
	const char *config_text;  /* the package's qemu-ga.conf ($QGA_CONF), or NULL: none */
	/*
	 * An agent that runs elsewhere (in a VM): connect to this socket
	 * instead of starting `agent`, and wait up to boot_timeout_ms for it
	 * to answer guest-sync-delimited (reconnecting as needed).
	 */
	const char *socket;
	int boot_timeout_ms;
	bool strict;          /* a stub's answer and a call not made are failures (for CI) */
	/*
	 * QMP: `agent` is a QEMU system emulator, started as `-M none
	 * -nodefaults -display none -qmp unix:SOCK,server=on,wait=off`;
	 * qmp_capabilities is negotiated, query-commands must list every
	 * command called, and a call of human-monitor-command whose output is
	 * an HMP error ("Error: ...", "unknown command") fails.
	 */
	bool qmp;
};

struct qga_smoke_command {
	char *name;
	bool listed;          /* guest-info lists it */
	bool enabled;         /* ... as enabled */
	bool success_response; /* ... and it answers on success */
};

/* What became of one call. */
enum qga_smoke_status {
	QGA_SMOKE_NOT_RUN = 0,   /* not sent: the command is not enabled, or an earlier exchange failed */
	QGA_SMOKE_PASSED,        /* answered without an error */
	QGA_SMOKE_FAILED,        /* an error answer, no answer, or a broken exchange */
	QGA_SMOKE_STUB,          /* the generated stub's "not implemented" */
	QGA_SMOKE_NOT_CALLED     /* checked through guest-info only (qga_smoke_call.not_called) */
};

/* "not-run", "passed", "failed", "stub", "not-called" */
const char *qga_smoke_status_name(enum qga_smoke_status s);

struct qga_smoke_call_result {
	char *name;
	enum qga_smoke_status status;
	char *source;                /* NULL when the call had none */
	struct json_object *args;    /* the arguments sent (owned), or NULL */
	bool ran;                    /* the request was sent */
	bool ok;                     /* passed; or stub / not called without strict */
	struct qga_reply reply;      /* when ran */
	char *message;               /* why it failed, or NULL */
};

/*
 * What a smoke run found, filled as far as the run got (also when it
 * failed). The agent is always stopped and its directory removed before
 * qga_smoke_run() returns.
 */
struct qga_smoke_result {
	bool started;                      /* the agent was started */
	char *agent;                       /* the agent run (a path made absolute) */
	char *agent_version;               /* guest-info "version", or NULL */
	struct qga_smoke_command *commands; /* one per distinct command called */
	size_t ncommands;
	struct qga_smoke_call_result *calls;
	size_t ncalls;
	int agent_status;                  /* exit status: 128+N for signal N; -1 unknown */
	bool agent_died;                   /* the agent exited before it was stopped */
	char *agent_log;                   /* the agent's output and log (last 8 KiB) */
	bool ok;                           /* every check passed */
	char **argv;                       /* the command line the agent ran with */
	long long first_reply_ms;          /* opts->socket: from the start to the first reply; else -1 */
};
#define QGA_SMOKE_RESULT_INIT { false, NULL, NULL, NULL, 0, NULL, 0, -1, false, NULL, false, NULL, -1 }

/*
 * Start `opts->agent -m unix-listen -p SOCK -t STATE -l LOG -f PIDFILE` in
 * a private directory, wait (bounded) for it to listen, handshake, check
 * with guest-info that every command of the calls is listed and enabled,
 * then make each call. A call is made even when an earlier one got an error
 * reply; after an exchange that failed (no reply in time, garbage, the agent
 * died) the remaining calls are reported as not run.
 *
 * Returns 0 when every check passed (out->ok), else a negative code with a
 * message that says what failed first (bad arguments of a call are ERR_INPUT
 * and nothing is started). The agent is stopped (SIGTERM, then SIGKILL) and
 * reaped on every path; it also gets SIGKILL if this process dies first.
 * *out is always set: release it with qga_smoke_result_release().
 */
int qga_smoke_run(struct qga_smoke_result *out, const struct qga_smoke_opts *opts);

void qga_smoke_result_release(struct qga_smoke_result *r);

/*
 * The result as JSON (a new reference):
 * {"ok", "agent", "agent_version", "agent_status", "commands": [{"name",
 *  "listed", "enabled", "success-response"}], "calls": [{"name", "source",
 *  "arguments", "ok", "return" | "error": {"class", "desc"} | "no-reply": true,
 *  "message"}], "agent_log" (only when not ok)}
 */
struct json_object *qga_smoke_result_json(const struct qga_smoke_result *r);

/*
 * The arguments of a request object as the doc Examples of a command give it
 * ({"execute": NAME, "arguments": {...}}), for qga_smoke_call.args_json:
 * *out is a malloc()ed JSON text or NULL when the request has no arguments.
 * ERR_INPUT when `request` is not such an object or executes another command
 * than `name`.
 */
int qga_request_args(char **out, const char *name, struct json_object *request);

#endif
