#ifndef QGA_FORGE_RUN_H
#define QGA_FORGE_RUN_H

/*
 * Child processes. Programs are always run from an argv vector (execvp),
 * never through a shell, so user text can never become a command.
 *
 * The child gets its own process group; on timeout the whole group is
 * killed (SIGTERM, then SIGKILL after a grace period), and when the child
 * ends, whatever it left running in its group is killed too.
 *
 * Nothing started here outlives qga-forge, even when qga-forge is killed
 * with SIGKILL (see run_child_guard): not the program, and not what the
 * program starts in its process group (rpmbuild's shells, make, gcc; a
 * qga-forge child's own children). A descendant that leaves the group on
 * purpose (setsid, a daemon) is out of reach; nothing qga-forge runs does.
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
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

/*
 * Called in a child right after fork() by every process qga-forge starts
 * (run_command, run_function, the smoke runner's agent); `parent` is
 * getpid() from before the fork. It returns in the process that goes on to
 * exec the program (or run the function); the process qga-forge forked
 * stays behind as a watchdog and never returns:
 *
 *   qga-forge ── watchdog W (leader of a new process group, pid = pgid)
 *                  └── the program P ── its children (same group)
 *
 * The kernel kills a process whose parent dies only when asked
 * (PR_SET_PDEATHSIG), and nothing kills a process group by itself: a
 * program given SIGKILL as its parent-death signal would die with
 * qga-forge, but its children would not. So W asks for RUN_GUARD_SIGNAL on
 * its parent's death and answers it with kill(0, SIGKILL): the whole group,
 * W included. P gets SIGKILL on W's death (a lone SIGKILL of W). Each
 * prctl() is followed by a getppid() check, which closes the race with a
 * parent that died before the prctl.
 *
 * PR_SET_PDEATHSIG fires when the parent *thread* that forked ends, not the
 * parent process. W acts only when getppid() has changed, i.e. when the
 * whole process is gone: a signal from the end of a forking thread (the
 * child is then handed to another thread of the same process, and getppid()
 * still names qga-forge) is ignored, so any thread may start children.
 * run_command and run_function wait for their child anyway; the smoke
 * runner starts and stops its agent in one call.
 *
 * W blocks every signal and waits for them with sigwaitinfo(): when P ends,
 * W ends the same way (its exit code, or its signal), so the caller's
 * waitpid() sees P's status; SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to W
 * alone are passed on to P (a signal sent to the group reaches P directly).
 * W closes every descriptor, so it never holds a pipe of P's open.
 */
#define RUN_GUARD_SIGNAL SIGUSR1
void run_child_guard(pid_t parent);

/* "prog arg1 'arg 2'" for messages. Caller frees. */
char *run_argv_string(const char *const *argv);

/* True when `prog` is found in PATH (or is an executable path). */
bool run_have_program(const char *prog);

#endif
