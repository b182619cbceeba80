/*
 * Rebuilding the src.rpm somewhere other than this host's rpmbuild: in a
 * container image with another distribution's rpm and compiler (`build
 * --container el7`), or with mock (`build --mock CONFIG`). Either way the
 * binary rpms end up in OUT/RPMS/<arch>/, as a host rebuild leaves them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "rpm/srpm.h"
#include "util/banned.h"

#define ENGINE_PROBE_MS (60 * 1000)
#define LOG_TAIL_LINES 20

/* The image `--container NAME` runs; an environment variable may name another. */
static const char *container_image(const char *name)
{
	const char *env = getenv("QGA_FORGE_EL7_IMAGE");

	if (!strcmp(name, "el7") && env && *env)
		return env;
	return "qga-forge-el7";
}

/* Run argv quietly and keep its output; 0 when it ran (see r->status). */
static int probe(struct run_result *r, const char *const *argv)
{
	struct run_opts o;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.capture = true;
	o.capture_cap = 8192;
	o.timeout_ms = ENGINE_PROBE_MS;
	return run_command(r, &o);
}

/* The first line of a child's complaint, for messages. */
static char *first_line(const struct run_result *r)
{
	const char *s = r->err.len ? r->err.ptr : r->out.ptr;
	size_t n;

	while (*s == '\n' || *s == ' ')
		s++;
	n = strcspn(s, "\n");
	if (!n)
		return xasprintf("exit status %d", r->status);
	return xstrndup(s, n > 200 ? 200 : n);
}

/*
 * The container engine to use: QGA_FORGE_CONTAINER_ENGINE when set, else
 * podman, else docker; an engine counts when `ENGINE info` succeeds.
 */
static int pick_engine(const char **out)
{
	static const char *const engines[] = { "podman", "docker", NULL };
	const char *env = getenv("QGA_FORGE_CONTAINER_ENGINE");
	const char *only[2] = { env, NULL };
	const char *const *list = env && *env ? only : engines;
	struct buf why = BUF_INIT;
	size_t i;
	int ret;

	for (i = 0; list[i]; i++) {
		struct run_result r = RUN_RESULT_INIT;
		const char *argv[] = { list[i], "info", NULL };

		if (!run_have_program(list[i])) {
			buf_printf(&why, "%s'%s' is not installed", why.len ? "; " : "", list[i]);
			continue;
		}
		ret = probe(&r, argv);
		if (ret == 0 && r.status == 0) {
			run_result_release(&r);
			buf_release(&why);
			*out = list[i];
			return 0;
		}
		{
			char *l = first_line(&r);

			buf_printf(&why, "%s'%s info' failed: %s", why.len ? "; " : "", list[i], l);
			free(l);
		}
		run_result_release(&r);
	}
	ret = error_set(ERR_NOTFOUND, "--container needs a working container engine (podman or "
			"docker) and none works here: %s", why.ptr);
	buf_release(&why);
	return ret;
}

/* Where a user finds the image's Containerfile: installed, or in the source tree. */
static char *containerfile_dir(const char *datadir, const char *name)
{
	char *dir = xasprintf("%s/containers/%s", datadir ? datadir : ".", name);
	char *cf = fs_path_join(dir, "Containerfile");
	bool there = fs_is_file(cf);

	free(cf);
	if (there)
		return dir;
	free(dir);
	return xasprintf("containers/%s (in qga-forge's source tree)", name);
}

static int check_image(const char *engine, const char *image, const char *name, const char *datadir)
{
	struct run_result r = RUN_RESULT_INIT;
	const char *argv[] = { engine, "image", "inspect", image, NULL };
	int ret = probe(&r, argv);

	if (ret == 0 && r.status != 0) {
		char *dir = containerfile_dir(datadir, name);

		ret = error_set(ERR_NOTFOUND, "%s has no image '%s'; build it once with: "
				"%s build -t %s %s", engine, image, engine, image, dir);
		free(dir);
	}
	run_result_release(&r);
	return ret;
}

static int run_logged(const char *const *argv, const char *log, const char *what)
{
	struct run_result r = RUN_RESULT_INIT;
	struct run_opts o;
	int ret;

	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.log_path = log;
	if ((ret = run_command(&r, &o)) == 0 && r.status != 0) {
		char *tail = srpm_log_tail(log, LOG_TAIL_LINES);

		ret = error_set(ERR_GENERIC, "%s exited with status %d; last lines of the log:\n%s\n"
				"(full log: %s)", what, r.status, tail, log);
		free(tail);
	}
	run_result_release(&r);
	return ret;
}

static size_t count_rpms(const char *dir)
{
	struct strvec found = STRVEC_INIT;
	size_t n;

	if (fs_find_files(&found, dir, ".rpm") < 0)
		error_clear();
	n = found.n;
	strvec_clear(&found);
	return n;
}

/*
 * The container of a rebuild is named after its owner, CONTAINER_PREFIX +
 * "PID-STARTTIME": the engine keeps running a container whose client was
 * killed with qga-forge, and the next rebuild in a container removes those
 * whose owner is gone (one line each through `progress`).
 */
#define CONTAINER_PREFIX "qga-forge-build-"

static char *container_name(void)
{
	long pid = (long)getpid();

	return xasprintf(CONTAINER_PREFIX "%ld-%llu", pid, scratch_proc_start_time(pid));
}

static void remove_dead_containers(const char *engine, const struct ws_progress *progress)
{
	const char *ps[] = { engine, "ps", "-a", "--filter", "name=" CONTAINER_PREFIX,
			     "--format", "{{.Names}}", NULL };
	struct run_result r = RUN_RESULT_INIT;
	char *line, *save = NULL;

	if (probe(&r, ps) < 0 || r.status != 0) {
		error_clear();
		run_result_release(&r);
		return;
	}
	for (line = strtok_r(r.out.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *rm[] = { engine, "rm", "-f", line, NULL };
		struct run_result rr = RUN_RESULT_INIT;
		unsigned long long start;
		long pid;
		int used = 0;

		if (sscanf(line, CONTAINER_PREFIX "%ld-%llu%n", &pid, &start, &used) != 2 ||
		    line[used] || scratch_proc_start_time(pid) == start)
			continue;
		if (probe(&rr, rm) == 0 && rr.status == 0)
			ws_info_event(progress, "build", "removed container '%s', left by an interrupted "
				      "run (pid %ld)", line, pid);
		error_clear();
		run_result_release(&rr);
	}
	run_result_release(&r);
}

static int rebuild_in_container(const struct ws_build_opts *o, const char *srpm, const char *rpmsdir,
				const char *log, const char *const *defines)
{
	const char *engine = NULL, *image = container_image(o->container);
	char *srpmdir = fs_dirname(srpm), *base = fs_basename(srpm);
	char *in = NULL, *outv = NULL, *inside = NULL, *what = NULL, *name = NULL;
	const char **argv = NULL;
	size_t n = 0, i, cap;
	int ret;

	if ((ret = pick_engine(&engine)) < 0)
		goto cleanup;
	remove_dead_containers(engine, &o->progress);
	if ((ret = check_image(engine, image, o->container, o->datadir)) < 0 ||
	    (ret = fs_mkdirs(rpmsdir, 0755)) < 0)
		goto cleanup;
	name = container_name();
	in = xasprintf("%s:/in:ro,z", srpmdir);
	outv = xasprintf("%s:/out:z", rpmsdir);
	inside = xasprintf("/in/%s", base);
	for (cap = 18; defines && defines[n]; n++)
		cap += 2;
	argv = xcalloc(cap, sizeof(*argv));
	n = 0;
	argv[n++] = engine;
	argv[n++] = "run";
	argv[n++] = "--rm";
	argv[n++] = "--name";
	argv[n++] = name;
	/* The image carries the build requirements: the build needs no network. */
	argv[n++] = "--network=none";
	/* A fixed build date reaches the container's rpmbuild as it reaches a host rebuild. */
	if (getenv("SOURCE_DATE_EPOCH") && *getenv("SOURCE_DATE_EPOCH")) {
		argv[n++] = "-e";
		argv[n++] = "SOURCE_DATE_EPOCH";
	}
	argv[n++] = "-v";
	argv[n++] = in;
	argv[n++] = "-v";
	argv[n++] = outv;
	argv[n++] = image;
	if (o->nodeps)
		argv[n++] = "--nodeps";
	for (i = 0; defines && defines[i]; i++) {
		argv[n++] = "--define";
		argv[n++] = defines[i];
	}
	argv[n++] = inside;
	argv[n] = NULL;
	ws_info_event(&o->progress, "build", "rebuild in %s image '%s'", engine, image);
	what = xasprintf("the rebuild in %s image '%s'", engine, image);
	if ((ret = run_logged(argv, log, what)) < 0)
		goto cleanup;
	if (!count_rpms(rpmsdir))
		ret = error_set(ERR_GENERIC, "%s left no rpm in '%s' (log: %s)", what, rpmsdir, log);
cleanup:
	free(argv);
	free(srpmdir);
	free(base);
	free(in);
	free(outv);
	free(inside);
	free(what);
	free(name);
	return ret;
}

/* "name-1.0-1.el7.x86_64.rpm" -> "x86_64"; NULL for a source package or no arch. */
static char *rpm_file_arch(const char *name)
{
	size_t n = strlen(name);
	const char *end, *dot;

	if (n < 5 || strcmp(name + n - 4, ".rpm") || (n > 8 && !strcmp(name + n - 8, ".src.rpm")))
		return NULL;
	end = name + n - 4;
	for (dot = end - 1; dot > name && *dot != '.'; dot--)
		;
	if (dot <= name || dot + 1 >= end)
		return NULL;
	return xstrndup(dot + 1, (size_t)(end - dot - 1));
}

/*
 * mock leaves everything flat in its result directory: binary rpms move to
 * RPMS/<arch>/ as a host build has them, its copy of the src.rpm goes (OUT
 * has SRPMS/), its logs move to OUT/mock/.
 */
static int sort_mock_results(const char *rpmsdir, const char *outdir)
{
	DIR *d = opendir(rpmsdir);
	struct dirent *e;
	char *logs = fs_path_join(outdir, "mock");
	int ret = 0;

	if (!d) {
		ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", rpmsdir);
		goto cleanup;
	}
	while (ret == 0 && (e = readdir(d))) {
		char *p = fs_path_join(rpmsdir, e->d_name), *arch = NULL, *dst = NULL;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || !fs_is_file(p)) {
			free(p);
			continue;
		}
		if (len > 8 && !strcmp(e->d_name + len - 8, ".src.rpm")) {
			unlink(p);
		} else if ((arch = rpm_file_arch(e->d_name))) {
			char *adir = fs_path_join(rpmsdir, arch);

			dst = fs_path_join(adir, e->d_name);
			if ((ret = fs_mkdirs(adir, 0755)) == 0 && rename(p, dst) < 0)
				ret = error_set_errno(ERR_GENERIC, "cannot move '%s' to '%s'", p, dst);
			free(adir);
		} else if (len > 4 && !strcmp(e->d_name + len - 4, ".log")) {
			dst = fs_path_join(logs, e->d_name);
			if ((ret = fs_mkdirs(logs, 0755)) == 0 && rename(p, dst) < 0)
				ret = error_set_errno(ERR_GENERIC, "cannot move '%s' to '%s'", p, dst);
		}
		free(arch);
		free(dst);
		free(p);
	}
	closedir(d);
cleanup:
	free(logs);
	return ret;
}

static int rebuild_with_mock(const struct ws_build_opts *o, const char *srpm, const char *rpmsdir,
			     const char *outdir, const char *log)
{
	const char **argv = NULL;
	char *what = NULL, *logs = fs_path_join(outdir, "mock");
	size_t n = 0, i, cap = 16;
	int ret;

	if (!run_have_program("mock")) {
		ret = error_set(ERR_NOTFOUND, "--mock needs mock, which is not installed here (it runs "
				"on Fedora, RHEL with EPEL and CentOS: 'dnf install mock', and add "
				"your user to the 'mock' group); or build with --srpm-only and hand "
				"the src.rpm to mock, Koji or COPR elsewhere");
		goto cleanup;
	}
	if ((ret = fs_remove_tree(logs)) < 0 || (ret = fs_mkdirs(rpmsdir, 0755)) < 0)
		goto cleanup;
	for (i = 0; o->defines && o->defines[i]; i++)
		cap += 2;
	argv = xcalloc(cap, sizeof(*argv));
	argv[n++] = "mock";
	argv[n++] = "-r";
	argv[n++] = o->mock_config;
	argv[n++] = "--rebuild";
	argv[n++] = srpm;
	argv[n++] = "--resultdir";
	argv[n++] = rpmsdir;
	for (i = 0; o->defines && o->defines[i]; i++) {
		argv[n++] = "--define";
		argv[n++] = o->defines[i];
	}
	argv[n] = NULL;
	ws_info_event(&o->progress, "build", "rebuild with mock -r %s", o->mock_config);
	what = xasprintf("mock -r %s", o->mock_config);
	if ((ret = run_logged(argv, log, what)) < 0 || (ret = sort_mock_results(rpmsdir, outdir)) < 0)
		goto cleanup;
	if (!count_rpms(rpmsdir))
		ret = error_set(ERR_GENERIC, "%s left no binary rpm in '%s' (log: %s)", what, rpmsdir, log);
cleanup:
	free(argv);
	free(what);
	free(logs);
	return ret;
}

int ws_build_external(const struct ws_build_opts *o, const char *srpm, const char *outdir,
		   const char *rpmsdir, const char *log, const char *const *defines)
{
	int ret;

	if (o->container)
		ret = rebuild_in_container(o, srpm, rpmsdir, log, defines);
	else
		ret = rebuild_with_mock(o, srpm, rpmsdir, outdir, log);
	if (ret < 0)
		error_prefix(ret, "step 'rebuild' failed");
	return ret;
}
