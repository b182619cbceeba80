#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "clock.h"
#include "error.h"
#include "fs.h"
#include "banned.h"

#define DEFAULT_CAPTURE_CAP (16u << 20)
#define KILL_GRACE_MS 2000

void run_result_release(struct run_result *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
	r->status = -1;
	r->timed_out = false;
}

char *run_argv_string(const char *const *argv)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; argv && argv[i]; i++) {
		const char *a = argv[i];

		if (i)
			buf_putc(&b, ' ');
		if (*a && !strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~")) {
			buf_puts(&b, a);
			continue;
		}
		buf_putc(&b, '\'');
		for (; *a; a++) {
			if (*a == '\'')
				buf_puts(&b, "'\\''");
			else
				buf_putc(&b, *a);
		}
		buf_putc(&b, '\'');
	}
	return buf_detach(&b, NULL);
}

bool run_have_program(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *full = fs_path_join(dir, prog);

		found = access(full, X_OK) == 0 && fs_is_file(full);
		free(full);
	}
	free(copy);
	return found;
}

struct child_spec {
	const struct run_opts *opts;
	int (*fn)(void *);
	void *arg;
	pid_t parent;
};

/* Every descriptor: the watchdog must not keep the child's pipes open. */
static void close_all_fds(void)
{
	long max, fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 0u, ~0u, 0u) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 0; fd < max; fd++)
		close((int)fd);
}

/* End the watchdog the way the program ended: its exit code, or its signal. */
static void exit_like(int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit none = { 0, 0 };
		sigset_t one;

		setrlimit(RLIMIT_CORE, &none);
		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

void run_child_guard(pid_t parent)
{
	sigset_t all, old;
	pid_t self, pid;

	setpgid(0, 0);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	prctl(PR_SET_PDEATHSIG, RUN_GUARD_SIGNAL);
	/* The parent died before prctl: nobody is left to run for. */
	if (getppid() != parent)
		_exit(127);
	signal(SIGCHLD, SIG_DFL);
	self = getpid();
	pid = fork();
	if (pid < 0) {
		/* No watchdog: at least the program itself dies with us. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != self)
			_exit(127);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	close_all_fds();
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), status;

		if (sig == SIGCHLD) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				exit_like(status);
		} else if (sig == RUN_GUARD_SIGNAL) {
			/* Anyone may send the signal: only the parent's death counts. */
			if (getppid() != parent)
				kill(0, SIGKILL);
		} else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) {
			/* Sent to us alone (a caller stopping "the child"): pass it on. */
			kill(pid, sig);
		}
	}
}

static void child_setup_and_run(const struct child_spec *c, int in_fd, int out_fd, int err_fd,
				int report_fd)
{
	const struct run_opts *o = c->opts;
	size_t i;
	int e;

	run_child_guard(c->parent);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto fail;
	if (o->cwd && chdir(o->cwd) < 0)
		goto fail;
	for (i = 0; o->env && o->env[i]; i++)
		putenv((char *)o->env[i]);
	if (c->fn) {
		close(report_fd);
		fflush(NULL);
		/* _exit() skips stdio: flush what fn printed, or it is lost. */
		e = c->fn(c->arg);
		fflush(NULL);
		_exit(e & 0xff);
	}
	execvp(o->argv[0], (char *const *)o->argv);
fail:
	e = errno;
	if (write(report_fd, &e, sizeof(e)) < 0) {
		/* nothing more to do in a failed child */
	}
	_exit(127);
}

static int drain(int fd, struct buf *b, size_t cap)
{
	char chunk[16384];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (b->len < cap) {
		size_t keep = (size_t)n;

		if (keep > cap - b->len)
			keep = cap - b->len;
		buf_put(b, chunk, keep);
	}
	return 1;
}

/*
 * write() to the child's stdin without dying of SIGPIPE when the child has
 * exited without reading it: SIGPIPE is blocked for this thread during the
 * call and a signal it raised is consumed, so the process-wide disposition
 * (which the caller owns) is never changed.
 */
static ssize_t write_input(int fd, const void *data, size_t len)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	ssize_t n;
	int e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, data, len);
	e = errno;
	if (n < 0 && e == EPIPE && !sigismember(&old, SIGPIPE))
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

static int spawn(struct run_result *out, const struct run_opts *o,
		 int (*fn)(void *), void *arg)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	int report[2] = { -1, -1 };
	int devnull = -1, logfd = -1, ret = 0, status = 0, e = 0;
	const char *name = o->argv && o->argv[0] ? o->argv[0] : "child process";
	size_t cap = o->capture_cap ? o->capture_cap : DEFAULT_CAPTURE_CAP;
	struct child_spec spec = { o, fn, arg, getpid() };
	size_t written = 0;
	long long deadline = o->timeout_ms ? clock_now_ms() + o->timeout_ms : 0, kill_at = 0;
	long long next_tick = 0;
	pid_t pid;
	bool out_open, err_open, exited = false;

	out->status = -1;
	out->timed_out = false;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return error_set_errno(ERR_GENERIC, "cannot open /dev/null");
	if (pipe2(report, O_CLOEXEC) < 0 ||
	    (o->input && pipe2(in_pipe, O_CLOEXEC) < 0) ||
	    (o->capture && (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0))) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a pipe for '%s'", name);
		goto cleanup;
	}
	if (!o->capture && o->log_path) {
		logfd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (logfd < 0) {
			ret = error_set_errno(ERR_GENERIC, "cannot open log file '%s'", o->log_path);
			goto cleanup;
		}
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot start '%s'", name);
		goto cleanup;
	}
	if (pid == 0) {
		int ofd = o->capture ? out_pipe[1] : logfd >= 0 ? logfd : o->inherit_output ? 1 : devnull;
		int efd = o->capture ? err_pipe[1] : logfd >= 0 ? logfd : o->inherit_output ? 2 : devnull;

		/*
		 * Our ends of the pipes: close-on-exec does not help a child that
		 * runs a function, and one holding the write end of its own stdin
		 * would never see end of file.
		 */
		if (in_pipe[1] >= 0)
			close(in_pipe[1]);
		if (out_pipe[0] >= 0)
			close(out_pipe[0]);
		if (err_pipe[0] >= 0)
			close(err_pipe[0]);
		child_setup_and_run(&spec, o->input ? in_pipe[0] : devnull, ofd, efd, report[1]);
	}
	setpgid(pid, pid);
	close(report[1]);
	report[1] = -1;
	if (read(report[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		errno = e;
		ret = error_set_errno(e == ENOENT ? ERR_NOTFOUND : ERR_GENERIC, "cannot run '%s'", name);
		goto cleanup;
	}
	if (o->input) {
		close(in_pipe[0]);
		in_pipe[0] = -1;
		fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
		if (!o->input_len) {
			close(in_pipe[1]);
			in_pipe[1] = -1;
		}
	}
	if (o->capture) {
		close(out_pipe[1]);
		close(err_pipe[1]);
		out_pipe[1] = err_pipe[1] = -1;
	}
	out_open = o->capture;
	err_open = o->capture;
	for (;;) {
		struct pollfd pfd[3];
		int n = 0, timeout = 100;
		pid_t w;

		if (!exited) {
			w = waitpid(pid, &status, WNOHANG);
			if (w == pid) {
				exited = true;
				/* Descendants that outlive the child must not hold the pipes open. */
				kill(-pid, SIGKILL);
			}
		}
		if (exited && !out_open && !err_open)
			break;
		if (deadline && !kill_at && clock_now_ms() >= deadline) {
			out->timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = clock_now_ms() + KILL_GRACE_MS;
		}
		if (kill_at && clock_now_ms() >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = clock_now_ms() + 3600 * 1000;
		}
		if (out_open) {
			pfd[n].fd = out_pipe[0];
			pfd[n++].events = POLLIN;
		}
		if (err_open) {
			pfd[n].fd = err_pipe[0];
			pfd[n++].events = POLLIN;
		}
		if (in_pipe[1] >= 0) {
			pfd[n].fd = in_pipe[1];
			pfd[n++].events = POLLOUT;
		}
		if (exited && n == 0)
			break;
		if (o->tick && clock_now_ms() >= next_tick) {
			o->tick(o->tick_arg);
			next_tick = clock_now_ms() + 200;
		}
		if (poll(pfd, (nfds_t)n, timeout) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (out_open && pfd[i].fd == out_pipe[0])
				out_open = drain(out_pipe[0], &out->out, cap);
			else if (err_open && pfd[i].fd == err_pipe[0])
				err_open = drain(err_pipe[0], &out->err, cap);
			else if (pfd[i].fd == in_pipe[1]) {
				ssize_t k = write_input(in_pipe[1], (const char *)o->input + written,
							o->input_len - written);

				if (k > 0)
					written += (size_t)k;
				if ((k < 0 && errno != EAGAIN && errno != EINTR) ||
				    written == o->input_len) {
					close(in_pipe[1]);
					in_pipe[1] = -1;
				}
			}
		}
	}
	if (WIFEXITED(status))
		out->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		out->status = 128 + WTERMSIG(status);
cleanup:
	for (int i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
		if (report[i] >= 0)
			close(report[i]);
	}
	if (devnull >= 0)
		close(devnull);
	if (logfd >= 0)
		close(logfd);
	return ret;
}

int run_command(struct run_result *out, const struct run_opts *opts)
{
	if (!opts->argv || !opts->argv[0])
		return error_set(ERR_BUG, "run_command: empty argv");
	return spawn(out, opts, NULL, NULL);
}

int run_function(struct run_result *out, const struct run_opts *opts,
		 int (*fn)(void *arg), void *arg)
{
	return spawn(out, opts, fn, arg);
}
