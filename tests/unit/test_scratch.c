#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <utime.h>

#include "util/util.h"
#include "testutil.h"

/*
 * Owner-marked scratch directories (util/scratch.h) and the lifetime of
 * child processes (util/run.h run_child_guard): what an interrupted run
 * leaves, and what the next run removes.
 */

struct seen {
	int n;
	long pid[8];
	char path[8][PATH_MAX];
	char restored[8][PATH_MAX];
};

static void note(const struct scratch_leftover *l, void *payload)
{
	struct seen *s = payload;

	if (s->n < 8) {
		s->pid[s->n] = l->pid;
		tu_fmt(s->path[s->n], "%s", l->path);
		tu_fmt(s->restored[s->n], "%s", l->restored_to ? l->restored_to : "");
	}
	s->n++;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Gone, or a zombie nobody reaped yet (an orphan's new parent may be slow). */
static bool gone(pid_t pid)
{
	char path[64], data[512], *p;
	FILE *f;
	size_t n;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	tu_fmt(path, "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	n = fread(data, 1, sizeof(data) - 1, f);
	fclose(f);
	data[n] = '\0';
	p = strrchr(data, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');
}

static bool wait_gone(pid_t pid, int ms)
{
	for (; ms > 0; ms -= 20) {
		if (gone(pid))
			return true;
		usleep(20 * 1000);
	}
	return gone(pid);
}

/* How many of a and b outlived their parent; those are killed, so a failed test leaves none. */
static int survivors_killed(pid_t a, pid_t b)
{
	int n = 0;

	if (!wait_gone(a, 5000)) {
		kill(a, SIGKILL);
		n++;
	}
	if (!wait_gone(b, 5000)) {
		kill(b, SIGKILL);
		n++;
	}
	return n;
}

/*
 * A child that makes a scratch directory in "." and sends its path: then
 * `how` 'x' _exit()s without cleaning up, 'k' waits to be killed, 'c'
 * removes it and exits.
 */
static pid_t owner(char *path, size_t size, const char *prefix, char how)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct scratch s = SCRATCH_INIT;

		close(p[0]);
		if (scratch_create(&s, ".", prefix) < 0)
			_exit(2);
		if (write(p[1], s.path, strlen(s.path) + 1) < 0)
			_exit(3);
		close(p[1]);
		if (how == 'c') {
			scratch_remove(&s);
			_exit(0);
		}
		if (how == 'k')
			for (;;)
				pause();
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], path, size);
	close(p[0]);
	assert_true(n > 0);
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static void test_scratch__create_marks_owner(void **state)
{
	struct scratch s = SCRATCH_INIT;
	char lock[PATH_MAX], want[64];
	char *text;
	struct stat st;

	assert_int_equal(scratch_create(&s, ".", "qga-forge-test."), 0);
	assert_non_null(s.path);
	assert_true(!strncmp(s.path, "./qga-forge-test.", 17));
	assert_int_equal(strlen(s.path), 17 + 6);
	assert_int_equal(stat(s.path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	tu_fmt(lock, "%s.lock", s.path);
	assert_string_equal(s.lock, lock);
	text = tu_read(lock);
	tu_fmt(want, "%ld %llu\n", (long)getpid(), scratch_proc_start_time(getpid()));
	assert_string_equal(text, want);
	free(text);
	/* The descriptor is close-on-exec: programs we run never hold the lock. */
	assert_true(fcntl(s.fd, F_GETFD) & FD_CLOEXEC);
	scratch_remove(&s);
	assert_null(s.path);
	assert_int_equal(s.fd, -1);
	assert_false(exists(lock));
	assert_int_equal(tu_count_entries("."), 0);
}

static void test_scratch__proc_start_time(void **state)
{
	unsigned long long a = scratch_proc_start_time(getpid());
	pid_t pid = fork();

	assert_true(a > 0);
	assert_int_equal(scratch_proc_start_time(getpid()), a);
	assert_int_equal(scratch_proc_start_time(0), 0);
	assert_int_equal(scratch_proc_start_time(-1), 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_true(scratch_proc_start_time(pid) >= a);
	kill(pid, SIGKILL);
	reap(pid);
	assert_int_equal(scratch_proc_start_time(pid), 0);
}

static void test_scratch__sweep_keeps_own_live_directory(void **state)
{
	struct scratch s = SCRATCH_INIT;
	struct seen seen = { 0 };

	assert_int_equal(scratch_create(&s, ".", "qga-forge-gen."), 0);
	tu_write("./qga-forge-gen.keep", "");
	assert_int_equal(scratch_sweep(".", "qga-forge-gen.", false, NULL, note, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_true(exists(s.path));
	assert_true(exists(s.lock));
	scratch_remove(&s);
}

static void test_scratch__sweep_removes_dead_owner(void **state)
{
	char path[PATH_MAX], lock[PATH_MAX], file[PATH_MAX];
	struct seen seen = { 0 };
	pid_t pid = owner(path, sizeof(path), "qga-forge-gen.", 'x');

	reap(pid);
	tu_fmt(lock, "%s.lock", path);
	tu_fmt(file, "%s/qga", path);
	tu_mkdirs(file);
	tu_fmt(file, "%s/qga/qapi-schema.json", path);
	tu_write(file, "{}");
	assert_true(exists(path) && exists(lock));
	assert_int_equal(scratch_sweep(".", "qga-forge-gen.", false, NULL, note, &seen), 1);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.pid[0], pid);
	assert_string_equal(seen.path[0], path);
	assert_string_equal(seen.restored[0], "");
	assert_false(exists(path));
	assert_false(exists(lock));
	/* Once is enough. */
	assert_int_equal(scratch_sweep(".", "qga-forge-gen.", false, NULL, note, &seen), 0);
	assert_int_equal(seen.n, 1);
}

static void test_scratch__sweep_removes_killed_owner_keeps_live_one(void **state)
{
	char dead[PATH_MAX], live[PATH_MAX];
	struct seen seen = { 0 };
	pid_t d = owner(dead, sizeof(dead), "qga-forge-smoke.", 'k');
	pid_t l = owner(live, sizeof(live), "qga-forge-smoke.", 'k');

	kill(d, SIGKILL);
	reap(d);
	assert_int_equal(scratch_sweep(".", "qga-forge-smoke.", false, NULL, note, &seen), 1);
	assert_int_equal(seen.pid[0], d);
	assert_false(exists(dead));
	/* The live owner's directory, in another process, is never touched. */
	assert_true(exists(live));
	kill(l, SIGKILL);
	reap(l);
	assert_int_equal(scratch_sweep(".", "qga-forge-smoke.", false, NULL, note, &seen), 1);
	assert_int_equal(seen.pid[1], l);
	assert_false(exists(live));
	assert_int_equal(tu_count_entries("."), 0);
}

static void test_scratch__lock_held_by_forked_child(void **state)
{
	/* A child forked without exec (run_function) still holds its parent's lock. */
	char path[PATH_MAX];
	int p[2];
	pid_t pid, keeper;
	struct seen seen = { 0 };

	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct scratch s = SCRATCH_INIT;
		pid_t k;

		if (scratch_create(&s, ".", "qga-forge-gen.") < 0)
			_exit(2);
		k = fork();
		if (k == 0) {
			for (;;)
				pause();
		}
		if (write(p[1], &k, sizeof(k)) < 0 || write(p[1], s.path, strlen(s.path) + 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &keeper, sizeof(keeper)), sizeof(keeper));
	assert_true(read(p[0], path, sizeof(path)) > 0);
	close(p[0]);
	reap(pid);
	assert_int_equal(scratch_sweep(".", "qga-forge-gen.", false, NULL, note, &seen), 0);
	assert_true(exists(path));
	kill(keeper, SIGKILL);
	assert_true(wait_gone(keeper, 3000));
	assert_int_equal(scratch_sweep(".", "qga-forge-gen.", false, NULL, note, &seen), 1);
	assert_false(exists(path));
}

static void test_scratch__sweep_names_and_kinds(void **state)
{
	struct seen seen = { 0 };
	struct utimbuf old = { time(NULL) - 3 * 86400, time(NULL) - 3 * 86400 };
	char path[PATH_MAX];
	pid_t pid;

	/* Not ours by name: another prefix, a wrong random part, a file. */
	tu_mkdirs("qga-forge-gen.abc");
	tu_mkdirs("qga-forge-gen.abcdefg");
	tu_mkdirs("qga-forge-gen.ab-def");
	tu_mkdirs("other.abcdef");
	tu_write("qga-forge-gen.zzzzzz.txt", "");
	utime("qga-forge-gen.abc", &old);
	/* A lock file left alone (killed between removing the directory and the lock). */
	pid = owner(path, sizeof(path), "qga-forge-gen.", 'x');
	reap(pid);
	assert_int_equal(rmdir(path), 0);
	/* A directory without a lock file: an older qga-forge's; removed only when a day old. */
	tu_mkdirs("qga-forge-gen.Unmark");
	tu_mkdirs("qga-forge-gen.OldOne/sub");
	utime("qga-forge-gen.OldOne", &old);
	/* A symbolic link is never followed nor removed, even with an old lock name. */
	tu_mkdirs("target");
	tu_write("target/keep", "x");
	assert_int_equal(symlink("target", "qga-forge-gen.Linked"), 0);
	assert_int_equal(scratch_sweep(".", "qga-forge-gen.", false, NULL, note, &seen), 2);
	assert_int_equal(seen.n, 2);
	assert_true(exists("qga-forge-gen.abc"));
	assert_true(exists("qga-forge-gen.abcdefg"));
	assert_true(exists("qga-forge-gen.ab-def"));
	assert_true(exists("other.abcdef"));
	assert_true(exists("qga-forge-gen.zzzzzz.txt"));
	assert_true(exists("qga-forge-gen.Unmark"));
	assert_false(exists("qga-forge-gen.OldOne"));
	assert_true(exists("qga-forge-gen.Linked"));
	assert_true(exists("target/keep"));
	{
		char lock[PATH_MAX];

		tu_fmt(lock, "%s.lock", path);
		assert_false(exists(lock));
	}
	/* A missing parent is fine; an unreadable one is an error. */
	assert_int_equal(scratch_sweep("no-such-dir", "x", false, NULL, NULL, NULL), 0);
}

static void test_scratch__claim_and_restore(void **state)
{
	/* init --force moves the old workspace aside; killed before the new one is in place. */
	struct seen seen = { 0 };
	int p[2];
	pid_t pid;
	char path[PATH_MAX];

	tu_mkdirs("ws/.qga-forge");
	tu_write("ws/.qga-forge/state.json", "{}");
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct scratch s = SCRATCH_INIT;

		if (scratch_claim(&s, "ws", ".", "ws.qga-forge-old-") < 0)
			_exit(2);
		if (write(p[1], s.path, strlen(s.path) + 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	assert_true(read(p[0], path, sizeof(path)) > 0);
	close(p[0]);
	reap(pid);
	assert_false(exists("ws"));
	assert_true(exists(path));
	assert_int_equal(scratch_sweep(".", "ws.qga-forge-old-", false, "./ws", note, &seen), 1);
	assert_string_equal(seen.restored[0], "./ws");
	tu_assert_file("ws/.qga-forge/state.json", "{}");
	assert_false(exists(path));
	assert_int_equal(tu_count_entries("."), 1);

	/* When the new one is in place, the old one is removed. */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct scratch s = SCRATCH_INIT;

		if (scratch_claim(&s, "ws", ".", "ws.qga-forge-old-") < 0 || mkdir("ws", 0755) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	reap(pid);
	assert_int_equal(scratch_sweep(".", "ws.qga-forge-old-", false, "./ws", note, &seen), 1);
	assert_string_equal(seen.restored[1], "");
	assert_false(exists("ws/.qga-forge"));
	assert_int_equal(tu_count_entries("."), 1);

	/* A claim of nothing fails and leaves nothing. */
	{
		struct scratch s = SCRATCH_INIT;

		assert_true(scratch_claim(&s, "missing", ".", "m.") < 0);
		assert_null(s.path);
		assert_int_equal(tu_count_entries("."), 1);
	}
}

static void test_scratch__release_keeps_directory(void **state)
{
	struct scratch s = SCRATCH_INIT;
	char lock[PATH_MAX];

	assert_int_equal(scratch_create(&s, ".", "dir.qga-forge-new-"), 0);
	tu_fmt(lock, "%s", s.lock);
	assert_int_equal(rename(s.path, "dir"), 0);
	scratch_release(&s);
	assert_true(exists("dir"));
	assert_false(exists(lock));
	assert_int_equal(tu_count_entries("."), 1);
}

static void test_scratch__fixed_name(void **state)
{
	struct scratch s = SCRATCH_INIT;
	struct seen seen = { 0 };
	pid_t pid;
	int p[2];
	char c;

	/* A dead build left its directory and lock: the next one takes both over. */
	pid = fork();
	if (pid == 0) {
		struct scratch t = SCRATCH_INIT;

		if (scratch_create_fixed(&t, ".", "pkg-1.0-1", NULL, NULL) < 0)
			_exit(2);
		_exit(mkdir("pkg-1.0-1/BUILD", 0755) < 0 ? 3 : 0);
	}
	reap(pid);
	assert_true(exists("pkg-1.0-1/BUILD"));
	assert_int_equal(scratch_create_fixed(&s, ".", "pkg-1.0-1", note, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.pid[0], pid);
	assert_false(exists("pkg-1.0-1/BUILD"));
	assert_true(exists("pkg-1.0-1"));
	/* Live: a sweep of the private directory leaves it alone. */
	assert_int_equal(scratch_sweep(".", "", true, NULL, note, &seen), 0);
	scratch_remove(&s);
	assert_int_equal(tu_count_entries("."), 0);

	/* A second owner waits for the first. */
	assert_int_equal(scratch_create_fixed(&s, ".", "pkg", NULL, NULL), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		struct scratch t = SCRATCH_INIT;

		/* Our copy of the first owner's lock would be its lock too. */
		close(s.fd);
		close(p[0]);
		if (scratch_create_fixed(&t, ".", "pkg", NULL, NULL) < 0)
			_exit(2);
		if (write(p[1], "y", 1) < 0)
			_exit(3);
		scratch_remove(&t);
		_exit(0);
	}
	close(p[1]);
	usleep(200 * 1000);
	assert_true(exists("pkg"));
	{
		int fl = fcntl(p[0], F_GETFL);

		fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
		assert_int_equal(read(p[0], &c, 1), -1);
		fcntl(p[0], F_SETFL, fl);
	}
	/* Removing dir and lock while the other waits: it must lock a file that exists. */
	scratch_remove(&s);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	reap(pid);
	assert_int_equal(tu_count_entries("."), 0);
}

static void test_scratch__sweep_files(void **state)
{
	struct seen seen = { 0 };
	int p[2], fd;
	pid_t pid;
	char c;

	tu_write("manifest.json.qga-forge-AbC123", "{");
	tu_write("manifest.json.qga-forge-AbC12", "{");
	tu_write("manifest.json", "{}");
	tu_write("other.qga-forge-XyZ789", "x");
	tu_write("live.qga-forge-LiVe00", "x");
	/* A writer still at work holds its lock. */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		fd = open("live.qga-forge-LiVe00", O_RDONLY);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(p[1], "y", 1) < 0)
			_exit(2);
		for (;;)
			pause();
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(scratch_sweep_files(".", "manifest.json", note, &seen), 1);
	assert_string_equal(seen.path[0], "./manifest.json.qga-forge-AbC123");
	assert_false(exists("manifest.json.qga-forge-AbC123"));
	assert_true(exists("manifest.json.qga-forge-AbC12"));
	assert_true(exists("manifest.json"));
	assert_true(exists("other.qga-forge-XyZ789"));
	assert_int_equal(scratch_sweep_files(".", "", note, &seen), 1);
	assert_false(exists("other.qga-forge-XyZ789"));
	assert_true(exists("live.qga-forge-LiVe00"));
	kill(pid, SIGKILL);
	reap(pid);
	close(p[0]);
	close(p[1]);
	assert_int_equal(scratch_sweep_files(".", "", note, &seen), 1);
	assert_false(exists("live.qga-forge-LiVe00"));
	assert_int_equal(scratch_sweep_files("missing", "", NULL, NULL), 0);
}

/* ---- children die with qga-forge ---- */

static int family_fn(void *arg)
{
	int fd = *(int *)arg;
	pid_t pids[2];

	pids[0] = getpid();
	pids[1] = fork();
	if (pids[1] == 0) {
		/* A plain grandchild in the group, as make is under rpmbuild. */
		for (;;)
			pause();
	}
	if (write(fd, pids, sizeof(pids)) < 0)
		return 1;
	for (;;)
		pause();
	return 0;
}

/*
 * A process (standing for qga-forge) runs family_fn through run_function and
 * is killed with SIGKILL: the child and its grandchild must die too.
 */
static void test_scratch__children_die_with_sigkilled_parent(void **state)
{
	pid_t m, pids[2];
	int p[2];

	assert_int_equal(pipe(p), 0);
	m = fork();
	if (m == 0) {
		struct run_opts o = { 0 };
		struct run_result r = RUN_RESULT_INIT;

		close(p[0]);
		o.inherit_output = true;
		run_function(&r, &o, family_fn, &p[1]);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], pids, sizeof(pids)), sizeof(pids));
	close(p[0]);
	assert_false(gone(pids[0]));
	assert_false(gone(pids[1]));
	kill(m, SIGKILL);
	reap(m);
	assert_true(survivors_killed(pids[0], pids[1]) == 0);
}

/* The same through a program: run_command of a shell whose child sleeps. */
static void test_scratch__program_children_die_with_parent(void **state)
{
	pid_t m;
	char text[64] = "";
	long sh = 0, sleeper = 0;
	int i;

	m = fork();
	if (m == 0) {
		const char *argv[] = { "sh", "-c", "sleep 60 & echo $$ $! >pids.tmp && mv pids.tmp pids; wait",
				       NULL };
		struct run_opts o = { .argv = argv };
		struct run_result r = RUN_RESULT_INIT;

		run_command(&r, &o);
		_exit(0);
	}
	for (i = 0; i < 250 && !exists("pids"); i++)
		usleep(20 * 1000);
	{
		FILE *f = fopen("pids", "r");

		assert_non_null(f);
		assert_non_null(fgets(text, sizeof(text), f));
		fclose(f);
	}
	assert_int_equal(sscanf(text, "%ld %ld", &sh, &sleeper), 2);
	assert_false(gone((pid_t)sleeper));
	kill(m, SIGTERM);
	reap(m);
	assert_true(survivors_killed((pid_t)sh, (pid_t)sleeper) == 0);
}

/*
 * PR_SET_PDEATHSIG fires when the forking thread ends: a child started from
 * a thread that then exits must keep running while the process lives.
 */
static void *start_from_thread(void *arg)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		run_child_guard(parent);
		execlp("sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	*(pid_t *)arg = pid;
	return NULL;
}

static void test_scratch__thread_end_is_not_parent_death(void **state)
{
	pthread_t t;
	pid_t pid = 0;
	int st;

	assert_int_equal(pthread_create(&t, NULL, start_from_thread, &pid), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(pid > 0);
	usleep(300 * 1000);
	assert_false(gone(pid));
	/* SIGTERM to the watchdog alone reaches the program, and its status comes back. */
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
}

static void test_scratch__exit_status_passes_through(void **state)
{
	const char *argv[] = { "sh", "-c", "exit 7", NULL };
	const char *argv2[] = { "sh", "-c", "kill -KILL $$", NULL };
	struct run_opts o = { .argv = argv, .capture = true };
	struct run_result r = RUN_RESULT_INIT;

	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 7);
	run_result_release(&r);
	o.argv = argv2;
	assert_int_equal(run_command(&r, &o), 0);
	assert_int_equal(r.status, 128 + SIGKILL);
	run_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TEST(test_scratch__create_marks_owner),
		TU_TEST(test_scratch__proc_start_time),
		TU_TEST(test_scratch__sweep_keeps_own_live_directory),
		TU_TEST(test_scratch__sweep_removes_dead_owner),
		TU_TEST(test_scratch__sweep_removes_killed_owner_keeps_live_one),
		TU_TEST(test_scratch__lock_held_by_forked_child),
		TU_TEST(test_scratch__sweep_names_and_kinds),
		TU_TEST(test_scratch__claim_and_restore),
		TU_TEST(test_scratch__release_keeps_directory),
		TU_TEST(test_scratch__fixed_name),
		TU_TEST(test_scratch__sweep_files),
		TU_TEST(test_scratch__children_die_with_sigkilled_parent),
		TU_TEST(test_scratch__program_children_die_with_parent),
		TU_TEST(test_scratch__thread_end_is_not_parent_death),
		TU_TEST(test_scratch__exit_status_passes_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
