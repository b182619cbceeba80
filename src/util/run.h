#ifndef QGA_FORGE_RUN_H
#define QGA_FORGE_RUN_H

/*
 * Child processes. Programs are always run from an argv vector (execvp),
 * never through a shell, so user text can never become a command.
 *
 * The child gets its own process group; on timeout the whole group is
 * killed (SIGTERM, then SIGKILL after a grace period).
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct run_opts {
	const char *const *argv;   /* argv[0] is looked up in PATH; NULL-terminated */
	const char *cwd;           /* NULL: inherit */
	const char *const *env;    /* extra "NAME=VALUE" entries (NULL-terminated), or NULL */
	const void *input;         /* written to the child's stdin; NULL: /dev/null */
	size_t input_len;
	int timeout_ms;            /* 0: none */
	bool capture;              /* capture stdout and stderr into the result */
	size_t capture_cap;        /* bytes kept of each stream (0: 16 MiB); the rest is dropped */
	const char *log_path;      /* when set (and !capture): stdout+stderr appended to this file */
	bool inherit_output;       /* when neither capture nor log: keep our stdout/stderr (else /dev/null) */
	void (*tick)(void *arg);   /* when set: called about every 200 ms while the child runs */
	void *tick_arg;
};

struct run_result {
	int status;        /* exit code; 128+N when killed by signal N; -1 when not started */
	bool timed_out;
	struct buf out;    /* captured stdout (capture only) */
	struct buf err;    /* captured stderr (capture only) */
};

#define RUN_RESULT_INIT { -1, false, BUF_INIT, BUF_INIT }

void run_result_release(struct run_result *r);

/*
 * Run a program and wait for it. Returns 0 when the child ran (whatever its
 * exit status: look at out->status), or a negative code when it could not be
 * started (a message names the program).
 */
int run_command(struct run_result *out, const struct run_opts *opts);

/*
 * Run fn(arg) in a forked child with the same redirections as run_command
 * (opts->argv is only used for messages and may be NULL); the child exits
 * with fn's return value. Used to run library code with global state (rpm
 * macros, %prep scripts) isolated from this process.
 */
int run_function(struct run_result *out, const struct run_opts *opts,
		 int (*fn)(void *arg), void *arg);

/* "prog arg1 'arg 2'" for messages. Caller frees. */
char *run_argv_string(const char *const *argv);

/* True when `prog` is found in PATH (or is an executable path). */
bool run_have_program(const char *prog);

#endif
