#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent/qga.h"
#include "util/util.h"
#include "util/banned.h"

#define STOP_GRACE_MS 3000
#define LOG_TAIL 8192
#define POLL_MS 20
#define DEATH_WAIT_MS 1000

struct agent_proc {
	pid_t pid;             /* also its process group */
	bool exited;           /* it has exited (a zombie until reaped) */
	bool reaped;
	int status;            /* 128+N for signal N */
	struct scratch own;    /* private directory (owner-marked), removed at the end */
	char *dir;             /* own.path */
	char *sock;
	char *state;
	char *logfile;         /* -l */
	char *outfile;         /* stdout and stderr */
	char *pidfile;         /* -f */
	char *conf;            /* $QGA_CONF: a file that is never created */
};

static int wait_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/*
 * True when the agent has exited. It is left a zombie (WNOWAIT) so that its
 * pid, which is also its process group, cannot be reused before
 * reap_agent() has killed what is left of the group.
 */
static bool agent_exited(struct agent_proc *a)
{
	siginfo_t si;
	int r;

	if (a->exited)
		return true;
	memset(&si, 0, sizeof(si));
	do
		r = waitid(P_PID, (id_t)a->pid, &si, WEXITED | WNOHANG | WNOWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == ECHILD) {
		/* someone else reaped it: nothing more to learn or kill */
		a->exited = a->reaped = true;
		return true;
	}
	if (r < 0 || si.si_pid != a->pid)
		return false;
	a->exited = true;
	a->status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
	return true;
}

/* Kill the rest of the agent's process group (guest-exec children) and reap it. */
static void reap_agent(struct agent_proc *a)
{
	int st;
	pid_t r;

	if (a->pid <= 0 || a->reaped)
		return;
	kill(-a->pid, SIGKILL);
	do
		r = waitpid(a->pid, &st, 0);
	while (r < 0 && errno == EINTR);
	a->reaped = true;
	a->exited = true;
	if (r == a->pid)
		a->status = wait_status(st);
	/*
	 * The agent is the child of its watchdog (util/run.h), killed with it:
	 * until init reaps it, it is still there. Gone means gone.
	 */
	for (int i = 0; i < 5000 / POLL_MS && kill(-a->pid, 0) == 0; i++)
		clock_sleep_ms(POLL_MS);
}

static void describe_status(struct buf *b, int status)
{
	if (status > 128 && status < 128 + 65)
		buf_printf(b, "signal %d (%s)", status - 128, strsignal(status - 128));
	else if (status >= 0)
		buf_printf(b, "status %d", status);
	else
		buf_puts(b, "an unknown status");
}

/*
 * A private directory for the socket, state, log and pid file. sun_path
 * holds 108 bytes: a $TMPDIR too deep for PARENT/qga-forge-smoke.XXXXXX/qga.sock
 * falls back to /tmp.
 */
#define SMOKE_SOCK_TAIL "/" SCRATCH_SMOKE_PREFIX "XXXXXX/qga.sock"
static int make_dir(struct agent_proc *a, const char *tmpdir)
{
	const char *parent = tmpdir;
	int ret;

	if (!parent || !*parent)
		parent = getenv("TMPDIR");
	if (!parent || !*parent ||
	    strlen(parent) + sizeof(SMOKE_SOCK_TAIL) > sizeof(((struct sockaddr_un *)0)->sun_path))
		parent = "/tmp";
	/* A killed run's directory is removed by the next qga-forge command (util/scratch.h). */
	if ((ret = scratch_create(&a->own, parent, SCRATCH_SMOKE_PREFIX)) < 0)
		return ret;
	a->dir = xstrdup(a->own.path);
	a->sock = fs_path_join(a->dir, "qga.sock");
	a->state = fs_path_join(a->dir, "state");
	a->logfile = fs_path_join(a->dir, "agent.log");
	a->outfile = fs_path_join(a->dir, "agent.out");
	a->pidfile = fs_path_join(a->dir, "agent.pid");
	a->conf = fs_path_join(a->dir, "no-qemu-ga.conf");
	if (mkdir(a->state, 0700) < 0)
		return error_set_errno(ERR_GENERIC, "cannot create '%s'", a->state);
	return 0;
}

static void child_exec(const char *const *argv, char *const *envp, int outfd, int report_fd,
		       pid_t parent)
{
	int e, devnull;

	/* The agent and what it starts (guest-exec) must not outlive us, whatever ends this process. */
	run_child_guard(parent);
	signal(SIGPIPE, SIG_DFL);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		goto fail;
	execvpe(argv[0], (char *const *)argv, envp);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0) {
		/* nothing more to do in a failed child */
	}
	_exit(127);
}

/*
 * The environment with `conf_var` ("QGA_CONF=PATH" of a file that does not
 * exist): the host's /etc/qemu/qemu-ga.conf (block lists, daemon mode,
 * hooks) must not change what a smoke run sees. Agents that predate
 * QGA_CONF ignore it. `smoke_var` is "QGA_FORGE_SMOKE_DIR=PATH", a scratch
 * directory inside the private one: a handler with side effects (the
 * watchdog example writes a modprobe.d file) can keep them there when it
 * runs under test on a build host. The strings are borrowed; free() the array.
 */
static char **agent_env(char *conf_var, char *smoke_var)
{
	extern char **environ;
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 3, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "QGA_CONF=", 9) != 0 &&
		    strncmp(environ[i], "QGA_FORGE_SMOKE_DIR=", 20) != 0)
			env[j++] = environ[i];
	env[j++] = conf_var;
	env[j] = smoke_var;
	return env;
}

/* qemu-ga options the run replaces: with their argument (1) or without (0). */
static const struct {
	char s;
	const char *l;
	int arg;
} replaced_opts[] = {
	{ 'm', "method", 1 }, { 'p', "path", 1 }, { 't', "statedir", 1 }, { 'l', "logfile", 1 },
	{ 'f', "pidfile", 1 }, { 'd', "daemonize", 0 }, { 'D', "dump-conf", 0 },
};

/* How many words of args[i..] option i takes when it is one the run replaces (else 0). */
static int replaced_words(const char *const *args, size_t i)
{
	const char *w = args[i];
	size_t k;

	for (k = 0; k < sizeof(replaced_opts) / sizeof(replaced_opts[0]); k++) {
		size_t ll = strlen(replaced_opts[k].l);

		if (w[0] == '-' && w[1] == '-' && !strncmp(w + 2, replaced_opts[k].l, ll)) {
			if (w[2 + ll] == '=')
				return 1;
			if (!w[2 + ll])
				return replaced_opts[k].arg && args[i + 1] ? 2 : 1;
		}
		if (w[0] == '-' && w[1] == replaced_opts[k].s) {
			if (!w[2])
				return replaced_opts[k].arg && args[i + 1] ? 2 : 1;
			if (replaced_opts[k].arg)
				return 1;  /* "-pPATH" */
		}
	}
	return 0;
}

/* The agent's command line: the unit's arguments minus what the run replaces, then ours. */
static char **agent_argv(const struct agent_proc *a, const char *agent, const char *const *args)
{
	const char *ours[] = { "-m", "unix-listen", "-p", a->sock, "-t", a->state,
			       "-l", a->logfile, "-f", a->pidfile, NULL };
	size_t n = 0, i, j = 0;
	char **argv;

	while (args && args[n])
		n++;
	argv = xcalloc(n + sizeof(ours) / sizeof(ours[0]) + 2, sizeof(*argv));
	argv[j++] = xstrdup(agent);
	for (i = 0; i < n;) {
		int skip = replaced_words(args, i);

		if (skip) {
			i += (size_t)skip;
			continue;
		}
		argv[j++] = xstrdup(args[i++]);
	}
	for (i = 0; ours[i]; i++)
		argv[j++] = xstrdup(ours[i]);
	return argv;
}

/* The system emulator with nothing but a QMP monitor: no machine, no devices, no display. */
static char **emulator_argv(const struct agent_proc *a, const char *emulator)
{
	char **argv = xcalloc(10, sizeof(*argv));

	argv[0] = xstrdup(emulator);
	argv[1] = xstrdup("-M");
	argv[2] = xstrdup("none");
	argv[3] = xstrdup("-nodefaults");
	argv[4] = xstrdup("-display");
	argv[5] = xstrdup("none");
	argv[6] = xstrdup("-qmp");
	argv[7] = xasprintf("unix:%s,server=on,wait=off", a->sock);
	return argv;
}

static void free_argv(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static int start_agent(struct agent_proc *a, const char *agent, char **argv)
{
	int report[2] = { -1, -1 }, outfd = -1, e = 0, ret = 0;
	pid_t parent = getpid(), pid;
	char *conf_var = xasprintf("QGA_CONF=%s", a->conf);
	char *scratch = fs_path_join(a->dir, "scratch");
	char *smoke_var = xasprintf("QGA_FORGE_SMOKE_DIR=%s", scratch);
	char **env = agent_env(conf_var, smoke_var);

	if ((ret = fs_mkdirs(scratch, 0700)) < 0)
		goto cleanup;
	outfd = open(a->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (outfd < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create '%s'", a->outfile);
		goto cleanup;
	}
	if (pipe2(report, O_CLOEXEC) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a pipe");
		goto cleanup;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot start '%s'", agent);
		goto cleanup;
	}
	if (pid == 0)
		child_exec((const char *const *)argv, env, outfd, report[1], parent);
	a->pid = pid;
	setpgid(pid, pid);
	close(report[1]);
	report[1] = -1;
	if (read(report[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		reap_agent(a);
		errno = e;
		ret = error_set_errno(e == ENOENT ? ERR_NOTFOUND : ERR_GENERIC,
				      "cannot run the agent '%s'", agent);
	}
cleanup:
	if (report[0] >= 0)
		close(report[0]);
	if (report[1] >= 0)
		close(report[1]);
	if (outfd >= 0)
		close(outfd);
	free(env);
	free(conf_var);
	free(smoke_var);
	free(scratch);
	return ret;
}

/* SIGTERM, SIGKILL after a grace period; always reaps. */
static void stop_agent(struct agent_proc *a)
{
	long long until;

	if (a->pid <= 0 || a->reaped)
		return;
	if (!agent_exited(a)) {
		kill(a->pid, SIGTERM);
		until = clock_now_ms() + STOP_GRACE_MS;
		while (!agent_exited(a) && clock_now_ms() < until)
			clock_sleep_ms(POLL_MS);
	}
	reap_agent(a);
}

static void append_tail(struct buf *out, const char *path, const char *title)
{
	struct buf b = BUF_INIT;

	buf_set_cap(&b, 64u << 20);
	if (fs_read_file(&b, path) < 0 || !b.len) {
		buf_release(&b);
		error_clear();
		return;
	}
	if (out->len)
		buf_putc(out, '\n');
	buf_printf(out, "%s:\n", title);
	if (b.len > LOG_TAIL) {
		buf_puts(out, "...\n");
		buf_put(out, b.ptr + b.len - LOG_TAIL, LOG_TAIL);
	} else {
		buf_put(out, b.ptr, b.len);
	}
	buf_release(&b);
}

static void collect_log(struct qga_smoke_result *r, struct agent_proc *a)
{
	struct buf b = BUF_INIT;

	if (!a->dir)
		return;
	append_tail(&b, a->outfile, "agent output");
	append_tail(&b, a->logfile, "agent log");
	free(r->agent_log);
	r->agent_log = b.len ? buf_detach(&b, NULL) : NULL;
	buf_release(&b);
}

static void free_proc(struct agent_proc *a)
{
	if (a->own.path)
		scratch_remove(&a->own);
	free(a->dir);
	free(a->sock);
	free(a->state);
	free(a->logfile);
	free(a->outfile);
	free(a->pidfile);
	free(a->conf);
}

/* Wait until the agent accepts connections; fails early when it exits. */
static int connect_agent(struct qga **out, struct agent_proc *a, const char *agent, int timeout_ms)
{
	long long deadline = clock_now_ms() + timeout_ms;
	struct buf why = BUF_INIT;
	int ret;

	for (;;) {
		if (agent_exited(a)) {
			describe_status(&why, a->status);
			ret = error_set(ERR_GENERIC, "the agent '%s' exited with %s before it listened "
					"on its socket", agent, why.ptr);
			break;
		}
		if (fs_exists(a->sock)) {
			ret = qga_connect(out, a->sock, timeout_ms);
			if (ret == 0)
				break;
		}
		error_clear();
		if (clock_now_ms() >= deadline) {
			ret = error_set(ERR_GENERIC, "the agent '%s' did not listen on '%s' within %g s",
					agent, a->sock, timeout_ms / 1000.0);
			break;
		}
		clock_sleep_ms(POLL_MS);
	}
	buf_release(&why);
	return ret;
}

static struct qga_smoke_command *find_command(struct qga_smoke_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncommands; i++)
		if (!strcmp(r->commands[i].name, name))
			return &r->commands[i];
	return NULL;
}

/* Fill r->calls and r->commands from the options; nothing is started yet. */
static int prepare_calls(struct qga_smoke_result *r, const struct qga_smoke_opts *o)
{
	size_t i;
	int ret;

	r->calls = xcalloc(o->ncalls ? o->ncalls : 1, sizeof(*r->calls));
	r->commands = xcalloc(o->ncalls ? o->ncalls : 1, sizeof(*r->commands));
	for (i = 0; i < o->ncalls; i++) {
		const struct qga_smoke_call *c = &o->calls[i];
		struct qga_smoke_call_result *cr = &r->calls[r->ncalls];

		if (!c->name)
			return error_set(ERR_BUG, "qga_smoke_run: call %zu has no name", i + 1);
		ret = qga_check_command_name(c->name);
		if (ret < 0)
			return ret;
		cr->name = xstrdup(c->name);
		cr->source = c->source ? xstrdup(c->source) : NULL;
		r->ncalls++;
		if (c->args_json) {
			char *label = xasprintf("arguments of '%s'%s%s%s", c->name,
						c->source ? " (" : "", c->source ? c->source : "",
						c->source ? ")" : "");

			ret = qga_parse_args(&cr->args, c->args_json, label);
			free(label);
			if (ret < 0)
				return ret;
		}
		if (!find_command(r, c->name))
			r->commands[r->ncommands++].name = xstrdup(c->name);
	}
	return 0;
}

/* Keep the first failure's message; later ones only count. */
static void note_failure(char **first, const char *msg)
{
	if (!*first)
		*first = xstrdup(msg);
}

static int check_info(struct qga_smoke_result *r, struct qga_reply *info, char **first)
{
	struct json_object *v, *list;
	size_t i, n;

	if (info->kind == QGA_REPLY_ERROR)
		return error_set(ERR_GENERIC, "guest-info answered with an error: %s: %s",
				 info->error_class, info->error_desc);
	if (info->kind != QGA_REPLY_RETURN || !json_object_is_type(info->value, json_type_object))
		return error_set(ERR_GENERIC, "guest-info did not answer with an object");
	if (json_object_object_get_ex(info->value, "version", &v) &&
	    json_object_is_type(v, json_type_string))
		r->agent_version = xstrdup(json_object_get_string(v));
	if (!json_object_object_get_ex(info->value, "supported_commands", &list) ||
	    !json_object_is_type(list, json_type_array))
		return error_set(ERR_GENERIC, "guest-info has no \"supported_commands\" list");
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *f;
		struct qga_smoke_command *c;

		if (!json_object_object_get_ex(e, "name", &f) ||
		    !json_object_is_type(f, json_type_string))
			continue;
		c = find_command(r, json_object_get_string(f));
		if (!c)
			continue;
		c->listed = true;
		c->enabled = json_object_object_get_ex(e, "enabled", &f) && json_object_get_boolean(f);
		/* Agents before 1.7 do not say; they all answer on success. */
		c->success_response = !json_object_object_get_ex(e, "success-response", &f) ||
				      json_object_get_boolean(f);
	}
	for (i = 0; i < r->ncommands; i++) {
		struct qga_smoke_command *c = &r->commands[i];

		if (!c->listed)
			error_set(ERR_GENERIC, "'%s' is not among the agent's commands (guest-info)",
				  c->name);
		else if (!c->enabled)
			error_set(ERR_GENERIC, "'%s' is disabled in the agent (guest-info)", c->name);
		else
			continue;
		note_failure(first, error_last());
	}
	return 0;
}

/* QMP: query-commands lists every command the monitor has. */
static int check_qmp_commands(struct qga_smoke_result *r, struct qga_reply *list, char **first)
{
	size_t i, n;

	if (list->kind == QGA_REPLY_ERROR)
		return error_set(ERR_GENERIC, "query-commands answered with an error: %s: %s",
				 list->error_class, list->error_desc);
	if (list->kind != QGA_REPLY_RETURN || !json_object_is_type(list->value, json_type_array))
		return error_set(ERR_GENERIC, "query-commands did not answer with a list");
	n = json_object_array_length(list->value);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(list->value, i), *f;
		struct qga_smoke_command *c;

		if (!json_object_object_get_ex(e, "name", &f) || !json_object_is_type(f, json_type_string))
			continue;
		c = find_command(r, json_object_get_string(f));
		if (c)
			c->listed = c->enabled = c->success_response = true;
	}
	for (i = 0; i < r->ncommands; i++) {
		if (r->commands[i].listed)
			continue;
		error_set(ERR_GENERIC, "'%s' is not among the monitor's commands (query-commands)",
			  r->commands[i].name);
		note_failure(first, error_last());
	}
	return 0;
}

/*
 * human-monitor-command answers HMP's output as a string, errors included
 * ("Error: ..." from hmp_handle_error(), "unknown command: ..." from the
 * HMP parser): those are failures of the HMP call.
 */
static bool hmp_error(const struct qga_smoke_call_result *cr, bool *stub)
{
	const char *s;

	*stub = false;
	if (strcmp(cr->name, "human-monitor-command") || cr->reply.kind != QGA_REPLY_RETURN ||
	    !json_object_is_type(cr->reply.value, json_type_string))
		return false;
	s = json_object_get_string(cr->reply.value);
	if (strstr(s, "is not implemented"))
		*stub = true;
	/* monitor/hmp.c: a line it cannot parse ends with 'Try "help NAME" ...' */
	return !strncmp(s, "Error", 5) || strstr(s, "\nError") || strstr(s, "unknown command") ||
	       strstr(s, "Try \"help");
}

const char *qga_smoke_status_name(enum qga_smoke_status s)
{
	switch (s) {
	case QGA_SMOKE_PASSED:
		return "passed";
	case QGA_SMOKE_FAILED:
		return "failed";
	case QGA_SMOKE_STUB:
		return "stub";
	case QGA_SMOKE_NOT_CALLED:
		return "not-called";
	default:
		return "not-run";
	}
}

/* The answer of templates/handler-stub.c.in. */
static bool is_stub_answer(const struct qga_smoke_call_result *cr)
{
	char *want;
	bool same;

	if (cr->reply.kind != QGA_REPLY_ERROR || !cr->reply.error_desc)
		return false;
	want = xasprintf("command '%s' is not implemented", cr->name);
	same = !strcmp(cr->reply.error_desc, want);
	free(want);
	return same;
}

/* A stub or a call not made: reported as such, a failure only when strict. */
static void soft_outcome(struct qga_smoke_call_result *cr, enum qga_smoke_status st, char *msg,
			 bool strict, char **first)
{
	cr->status = st;
	cr->message = msg;
	cr->ok = !strict;
	if (strict) {
		char *why = xasprintf("'%s': %s (--strict)", cr->name, msg);

		note_failure(first, why);
		free(why);
	}
}

static void run_call(struct qga_smoke_call_result *cr, const struct qga_smoke_call *call,
		     const struct qga_smoke_command *c, struct qga *q, bool strict, char **first,
		     bool *transport_failed, bool qmp)
{
	struct buf msg = BUF_INIT;
	bool stub_hmp;
	int ret;

	if (!c->listed || !c->enabled) {
		cr->message = xstrdup(c->listed ? "not run: the command is disabled"
						: "not run: the agent does not know the command");
		return;
	}
	if (call->not_called) {
		soft_outcome(cr, QGA_SMOKE_NOT_CALLED, xasprintf("not called: %s", call->not_called),
			     strict, first);
		return;
	}
	cr->ran = true;
	ret = (qmp ? qmp_execute : qga_execute)(&cr->reply, q, cr->name, cr->args);
	if (ret < 0) {
		*transport_failed = true;
		cr->status = QGA_SMOKE_FAILED;
		cr->message = xstrdup(error_last());
		note_failure(first, error_last());
		return;
	}
	switch (cr->reply.kind) {
	case QGA_REPLY_RETURN:
		cr->ok = true;
		if (qmp && hmp_error(cr, &stub_hmp)) {
			if (call->stub && stub_hmp) {
				soft_outcome(cr, QGA_SMOKE_STUB, xstrdup("stub: the handler is the generated "
									 "stub; replace it with the implementation"),
					     strict, first);
				return;
			}
			cr->ok = false;
			buf_printf(&msg, "HMP '%s' answered with an error: %s",
				   json_object_get_string(json_object_object_get(cr->args, "command-line")),
				   json_object_get_string(cr->reply.value));
			buf_rtrim(&msg);
			buf_replace_all(&msg, "\r", "");
		}
		break;
	case QGA_REPLY_NONE:
		cr->ok = !c->success_response;
		if (!cr->ok)
			buf_printf(&msg, "'%s' sent no reply", cr->name);
		break;
	case QGA_REPLY_ERROR:
		if (call->stub && is_stub_answer(cr)) {
			soft_outcome(cr, QGA_SMOKE_STUB, xstrdup("stub: the handler is the generated "
								 "stub; replace it with the implementation"),
				     strict, first);
			return;
		}
		buf_printf(&msg, "'%s' answered with an error: %s: %s", cr->name,
			   cr->reply.error_class, cr->reply.error_desc);
		break;
	}
	cr->status = cr->ok ? QGA_SMOKE_PASSED : QGA_SMOKE_FAILED;
	if (msg.len) {
		cr->message = buf_detach(&msg, NULL);
		note_failure(first, cr->message);
	}
	buf_release(&msg);
}

static void agent_gone(struct qga_smoke_result *r, struct agent_proc *a, char **first)
{
	struct buf b = BUF_INIT;
	char *msg;

	long long until = clock_now_ms() + DEATH_WAIT_MS;

	if (a->pid <= 0)
		return;  /* an agent elsewhere (opts->socket): no process of ours */
	/* A closed connection often comes just before the exit status. */
	while (!agent_exited(a) && clock_now_ms() < until)
		clock_sleep_ms(POLL_MS);
	if (!a->exited)
		return;
	r->agent_died = true;
	r->agent_status = a->status;
	describe_status(&b, a->status);
	msg = xasprintf("the agent exited with %s", b.ptr);
	if (*first) {
		char *both = xasprintf("%s; %s", *first, msg);

		free(*first);
		*first = both;
	} else {
		*first = xstrdup(msg);
	}
	free(msg);
	buf_release(&b);
}

static int summarize(const struct qga_smoke_result *r, const char *first)
{
	size_t i, failed = 0;

	for (i = 0; i < r->ncalls; i++)
		failed += !r->calls[i].ok;
	if (failed > 1)
		return error_set(ERR_GENERIC, "%zu of %zu calls failed; the first: %s", failed,
				 r->ncalls, first);
	return error_set(ERR_GENERIC, "%s", first);
}

static int check_agent(const char *agent)
{
	if (!strchr(agent, '/')) {
		if (!run_have_program(agent))
			return error_set(ERR_NOTFOUND, "'%s': agent program not found in PATH", agent);
		return 0;
	}
	if (!fs_exists(agent))
		return error_set(ERR_NOTFOUND, "'%s': no such agent program", agent);
	if (!fs_is_file(agent) || access(agent, X_OK) < 0)
		return error_set(ERR_INPUT, "'%s': the agent is not an executable file", agent);
	return 0;
}

static char *absolute_agent(const char *agent)
{
	if (strchr(agent, '/'))
		return fs_abspath(agent);
	return xstrdup(agent);
}

/* An agent elsewhere: connect and handshake until it answers or the time is up. */
static int connect_external(struct qga **out, const char *sock, int boot_ms, long long *first_ms)
{
	long long t0 = clock_now_ms(), deadline = t0 + (boot_ms > 0 ? boot_ms : 60000);
	struct qga *q = NULL;

	for (;;) {
		if (fs_exists(sock) && qga_connect(&q, sock, 1000) == 0) {
			qga_set_timeout(q, 500);
			if (qga_sync(q) == 0) {
				*first_ms = clock_now_ms() - t0;
				*out = q;
				return 0;
			}
			qga_free(q);
			q = NULL;
		} else {
			clock_sleep_ms(POLL_MS);
		}
		error_clear();
		if (clock_now_ms() >= deadline)
			return error_set(ERR_GENERIC, "no agent answered on '%s' within %g s", sock,
					 (deadline - t0) / 1000.0);
	}
}

int qga_smoke_run(struct qga_smoke_result *out, const struct qga_smoke_opts *opts)
{
	struct agent_proc a = { .pid = -1, .status = -1 };
	struct qga_reply info = QGA_REPLY_INIT;
	struct qga *q = NULL;
	char *first = NULL;
	int timeout = opts->timeout_ms > 0 ? opts->timeout_ms : QGA_DEFAULT_TIMEOUT_MS;
	bool transport_failed = false;
	size_t i;
	int ret;

	*out = (struct qga_smoke_result)QGA_SMOKE_RESULT_INIT;
	if (opts->socket) {
		out->agent = xstrdup(opts->agent ? opts->agent : opts->socket);
		if ((ret = prepare_calls(out, opts)) < 0)
			goto cleanup;
		out->started = true;
		if ((ret = connect_external(&q, opts->socket, opts->boot_timeout_ms,
					    &out->first_reply_ms)) < 0)
			goto cleanup;
		goto connected;
	}
	if (!opts->agent || !*opts->agent)
		return error_set(ERR_INPUT, "no agent to run");
	out->agent = absolute_agent(opts->agent);
	ret = prepare_calls(out, opts);
	if (ret < 0)
		goto cleanup;
	ret = check_agent(out->agent);
	if (ret < 0)
		goto cleanup;
	ret = make_dir(&a, opts->tmpdir);
	if (ret < 0)
		goto cleanup;
	if (opts->config_text) {
		/* the package's qemu-ga.conf, where $QGA_CONF points */
		free(a.conf);
		a.conf = fs_path_join(a.dir, "qemu-ga.conf");
		if ((ret = fs_write_atomic(a.conf, opts->config_text, strlen(opts->config_text), 0600)) < 0)
			goto cleanup;
	}
	out->argv = opts->qmp ? emulator_argv(&a, out->agent) :
				agent_argv(&a, out->agent, opts->agent_args);
	ret = start_agent(&a, out->agent, out->argv);
	if (ret < 0)
		goto cleanup;
	out->started = true;
	ret = connect_agent(&q, &a, out->agent, timeout);
	if (ret < 0)
		goto cleanup;
connected:
	qga_set_timeout(q, timeout);
	if (opts->qmp) {
		ret = qmp_handshake(q);
		if (ret == 0)
			ret = qmp_execute(&info, q, "query-commands", NULL);
		if (ret == 0)
			ret = check_qmp_commands(out, &info, &first);
	} else {
		ret = qga_sync(q);
		if (ret == 0)
			ret = qga_execute(&info, q, "guest-info", NULL);
		if (ret == 0)
			ret = check_info(out, &info, &first);
	}
	if (ret < 0) {
		note_failure(&first, error_last());
		agent_gone(out, &a, &first);
		goto cleanup;
	}
	for (i = 0; i < out->ncalls; i++) {
		struct qga_smoke_call_result *cr = &out->calls[i];

		if (transport_failed) {
			cr->message = xstrdup("not run: an earlier call failed to get a reply");
			continue;
		}
		run_call(cr, &opts->calls[i], find_command(out, cr->name), q, opts->strict, &first,
			 &transport_failed, opts->qmp);
	}
	if (transport_failed)
		agent_gone(out, &a, &first);
	ret = 0;
cleanup:
	/* Stopping and cleaning up may set messages of their own: keep ours. */
	if (ret < 0)
		note_failure(&first, error_last());
	qga_free(q);
	qga_reply_release(&info);
	if (a.pid > 0) {
		if (ret == 0 && !out->agent_died && agent_exited(&a))
			agent_gone(out, &a, &first);
		stop_agent(&a);
		out->agent_status = a.status;
	}
	collect_log(out, &a);
	free_proc(&a);
	if (ret < 0)
		error_set(ret, "%s", first);
	else if (first)
		ret = summarize(out, first);
	out->ok = ret == 0;
	free(first);
	return ret;
}

void qga_smoke_result_release(struct qga_smoke_result *r)
{
	size_t i;

	free_argv(r->argv);
	r->argv = NULL;
	for (i = 0; i < r->ncommands; i++)
		free(r->commands[i].name);
	for (i = 0; i < r->ncalls; i++) {
		free(r->calls[i].name);
		free(r->calls[i].source);
		free(r->calls[i].message);
		json_object_put(r->calls[i].args);
		qga_reply_release(&r->calls[i].reply);
	}
	free(r->commands);
	free(r->calls);
	free(r->agent);
	free(r->agent_version);
	free(r->agent_log);
	*r = (struct qga_smoke_result)QGA_SMOKE_RESULT_INIT;
}

static struct json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *qga_smoke_result_json(const struct qga_smoke_result *r)
{
	struct json_object *o = json_object_new_object(), *cmds, *calls;
	size_t i;

	json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
	json_object_object_add(o, "agent", string_or_null(r->agent));
	json_object_object_add(o, "agent_version", string_or_null(r->agent_version));
	json_object_object_add(o, "agent_status", json_object_new_int(r->agent_status));
	if (r->first_reply_ms >= 0)
		json_object_object_add(o, "first_reply_seconds",
				       json_object_new_double((double)r->first_reply_ms / 1000.0));
	if (r->argv) {
		struct json_object *av = json_object_new_array();

		for (i = 0; r->argv[i]; i++)
			json_object_array_add(av, json_object_new_string(r->argv[i]));
		json_object_object_add(o, "argv", av);
	}
	cmds = json_object_new_array();
	for (i = 0; i < r->ncommands; i++) {
		const struct qga_smoke_command *c = &r->commands[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(c->name));
		json_object_object_add(e, "listed", json_object_new_boolean(c->listed));
		json_object_object_add(e, "enabled", json_object_new_boolean(c->enabled));
		json_object_object_add(e, "success-response",
				       json_object_new_boolean(c->success_response));
		json_object_array_add(cmds, e);
	}
	json_object_object_add(o, "commands", cmds);
	calls = json_object_new_array();
	for (i = 0; i < r->ncalls; i++) {
		const struct qga_smoke_call_result *c = &r->calls[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(c->name));
		json_object_object_add(e, "source", string_or_null(c->source));
		json_object_object_add(e, "arguments", json_object_get(c->args));
		json_object_object_add(e, "ok", json_object_new_boolean(c->ok));
		json_object_object_add(e, "status", json_object_new_string(qga_smoke_status_name(c->status)));
		if (c->ran && c->reply.kind == QGA_REPLY_RETURN) {
			json_object_object_add(e, "return", json_object_get(c->reply.value));
		} else if (c->ran && c->reply.kind == QGA_REPLY_ERROR) {
			struct json_object *err = json_object_new_object();

			json_object_object_add(err, "class",
					       json_object_new_string(c->reply.error_class));
			json_object_object_add(err, "desc", json_object_new_string(c->reply.error_desc));
			json_object_object_add(e, "error", err);
		} else if (c->ran && !c->message) {
			json_object_object_add(e, "no-reply", json_object_new_boolean(1));
		}
		if (c->message)
			json_object_object_add(e, "message", json_object_new_string(c->message));
		json_object_array_add(calls, e);
	}
	json_object_object_add(o, "calls", calls);
	if (!r->ok && r->agent_log)
		json_object_object_add(o, "agent_log", json_object_new_string(r->agent_log));
	return o;
}
