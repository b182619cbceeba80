#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <rpm/rpmbuild.h>

#include "build.h"
#include "cli.h"
#include "patch_sync.h"
#include "rpm/srpm.h"
#include "workspace/ws.h"
#include "util/banned.h"

/* Live progress: the rpm stage the log has reached, and the time so far. */
struct progress {
	const char *log;
	const char *step;
	double start;
	bool tty, quiet;
	char phase[64];
	off_t scanned;
};

static void progress_tick(void *arg)
{
	struct progress *p = arg;
	struct buf b = BUF_INIT;
	int fd;
	const char *ex;
	char phase[64] = "";
	double t = clock_now() - p->start;

	if (p->quiet)
		return;
	fd = open(p->log, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char chunk[65536];
		ssize_t n;

		if (lseek(fd, p->scanned, SEEK_SET) >= 0) {
			while ((n = read(fd, chunk, sizeof(chunk))) > 0)
				buf_put(&b, chunk, (size_t)n);
		}
		close(fd);
	}
	/* rpm announces each stage as "Executing(%build): ..." */
	for (ex = b.ptr; (ex = strstr(ex, "Executing(")); ex++) {
		const char *end = strchr(ex, ')');

		if (end && end - ex - 10 < (long)sizeof(phase))
			snprintf(phase, sizeof(phase), "%.*s", (int)(end - ex - 10), ex + 10);
	}
	/* Keep a little overlap so a marker split across reads is seen. */
	if (b.len > 64)
		p->scanned += (off_t)(b.len - 64);
	buf_release(&b);
	if (phase[0] && strcmp(phase, p->phase)) {
		snprintf(p->phase, sizeof(p->phase), "%s", phase);
		if (!p->tty)
			fprintf(stderr, "qga-forge: %s: %s (%.0f s)\n", p->step, p->phase, t);
	}
	if (p->tty) {
		fprintf(stderr, "\r\033[K[%s] %s %d:%02d", p->step, p->phase[0] ? p->phase : "starting",
			(int)t / 60, (int)t % 60);
		fflush(stderr);
	}
}

static void progress_end(struct progress *p)
{
	if (p->tty && !p->quiet)
		fprintf(stderr, "\r\033[K");
}

void build_add_timing(struct json_object *timings, const char *step, double seconds)
{
	char text[32];

	snprintf(text, sizeof(text), "%.3f", seconds);
	json_object_object_add(timings, step, json_object_new_double_s(seconds, text));
}

/* Defines: reproducibility first, then the workspace's, then this build's. */
static char **collect_defines(struct ws *ws, const struct build_opts *o, const char *extra1,
			      const char *extra2)
{
	static const char *const repro[] = {
		"use_source_date_epoch_as_buildtime 1",
		"clamp_mtime_to_source_date_epoch 1",
		"source_date_epoch_from_changelog 1",
		"_buildhost qga-forge.localdomain",
		/* rpm 4.11 (CentOS 7) reads gzip payloads, not zstd. */
		"_source_payload w9.gzdio",
		"_binary_payload w9.gzdio",
		NULL
	};
	struct json_object *defs;
	size_t n = 0, i, cap = 32;
	char **out = xcalloc(cap, sizeof(*out));

#define PUSH(s) do { if (n + 2 >= cap) { cap *= 2; out = xrealloc(out, cap * sizeof(*out)); } \
		     out[n++] = xstrdup(s); } while (0)
	for (i = 0; repro[i]; i++)
		PUSH(repro[i]);
	if (json_object_object_get_ex(ws_state(ws), "defines", &defs))
		for (i = 0; i < json_object_array_length(defs); i++)
			PUSH(json_object_get_string(json_object_array_get_idx(defs, i)));
	if (o->jobs > 0) {
		char *j = xasprintf("_smp_mflags -j%d", o->jobs);

		PUSH(j);
		free(j);
		j = xasprintf("_smp_build_ncpus %d", o->jobs);
		PUSH(j);
		free(j);
	}
	for (i = 0; o->defines && o->defines[i]; i++)
		PUSH(o->defines[i]);
	if (extra1)
		PUSH(extra1);
	if (extra2)
		PUSH(extra2);
#undef PUSH
	out[n] = NULL;
	return out;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The only file of `dir` ending in `suffix` (recursively), newest first. */
static int find_files(struct json_object *out, const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *p;
		size_t n = strlen(e->d_name), m = strlen(suffix);

		if (e->d_name[0] == '.')
			continue;
		p = fs_path_join(dir, e->d_name);
		if (fs_is_dir(p))
			find_files(out, p, suffix);
		else if (n > m && !strcmp(e->d_name + n - m, suffix))
			json_object_array_add(out, json_object_new_string(p));
		free(p);
	}
	closedir(d);
	return 0;
}

static struct json_object *artifact(const char *path, const char *outdir)
{
	struct json_object *a = json_object_new_object();
	char hex[65] = "";
	const char *rel = path;

	if (!strncmp(path, outdir, strlen(outdir)) && path[strlen(outdir)] == '/')
		rel = path + strlen(outdir) + 1;
	hash_sha256_file(hex, path);
	json_object_object_add(a, "path", json_object_new_string(rel));
	json_object_object_add(a, "sha256", json_object_new_string(hex));
	return a;
}

static int run_stage(struct srpm_build *b, const char *step, bool quiet)
{
	struct progress p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.log = b->log_path;
	p.step = step;
	p.start = clock_now();
	p.tty = isatty(2);
	p.quiet = quiet;
	{
		struct stat st;

		if (stat(b->log_path, &st) == 0)
			p.scanned = st.st_size;
	}
	if (!quiet && !p.tty)
		fprintf(stderr, "qga-forge: %s\n", step);
	b->tick = progress_tick;
	b->tick_arg = &p;
	ret = srpm_build(b);
	progress_end(&p);
	if (ret < 0)
		error_prefix(ret, "step '%s' failed", step);
	return ret;
}

/*
 * A fixed rebuild directory per package: the compiler records build paths
 * (debug info, __FILE__), so the same path every time is what makes two
 * builds of the same inputs give the same payload. A lock keeps two builds
 * of one package from sharing it at once.
 */
static int rebuild_dir(char **dir_out, int *lock_out, const char *nvr)
{
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
	char *base = xasprintf("%s/qga-forge-rebuild-%ld", tmp, (long)getuid());
	char *dir = fs_path_join(base, nvr), *lock = xasprintf("%s.lock", dir);
	int fd, ret;

	*dir_out = NULL;
	*lock_out = -1;
	if ((ret = fs_mkdirs(base, 0700)) < 0)
		goto out;
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot lock '%s'", lock);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if ((ret = fs_remove_tree(dir)) < 0 || (ret = fs_mkdirs(dir, 0755)) < 0) {
		close(fd);
		goto out;
	}
	*lock_out = fd;
	*dir_out = dir;
	dir = NULL;
out:
	free(base);
	free(dir);
	free(lock);
	return ret;
}

static int find_agent(char **rpm_out, char **path_out, struct json_object *rpms)
{
	size_t i;

	*rpm_out = *path_out = NULL;
	for (i = 0; i < json_object_array_length(rpms); i++) {
		const char *rpm = json_object_get_string(json_object_array_get_idx(rpms, i));
		struct buf list = BUF_INIT;
		char *line, *save = NULL;

		if (srpm_list_files(&list, rpm) < 0) {
			buf_release(&list);
			return ERR_GENERIC;
		}
		for (line = strtok_r(list.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *base = strrchr(line, '/');

			if (base && !strcmp(base, "/qemu-ga") &&
			    (strstr(line, "/bin/") || strstr(line, "/libexec/"))) {
				*rpm_out = xstrdup(rpm);
				*path_out = xstrdup(line);
				break;
			}
		}
		buf_release(&list);
		if (*rpm_out)
			return 0;
	}
	return error_set(ERR_NOTFOUND, "no binary rpm of this build contains qemu-ga");
}

int build_write_manifest(const char *outdir, struct json_object *m)
{
	char *path = fs_path_join(outdir, "manifest.json");
	char *text = xasprintf("%s\n", json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_SPACED |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	int ret = fs_write_atomic(path, text, strlen(text), 0644);

	free(text);
	free(path);
	return ret;
}

int build_run(struct ws *ws, const struct build_opts *o, struct json_object *extra_timings,
	      struct json_object **manifest_out)
{
	char *out = NULL, *srpms = NULL, *rpmsdir = NULL, *log = NULL, *agentdir = NULL;
	char *agent = NULL, *rdir = NULL, *rspec = NULL, *d1 = NULL, *d2 = NULL;
	char *agent_rpm = NULL, *agent_in_rpm = NULL;
	char **defines = NULL;
	struct json_object *m = json_object_new_object(), *timings = json_object_new_object();
	struct json_object *found = json_object_new_array(), *patch_report = NULL, *arts;
	struct srpm_build b;
	int ret, lockfd = -1;
	double t0, tall = clock_now();
	char *srpm = NULL;

	out = o->outdir ? fs_abspath(o->outdir) : ws_path(ws, "out");
	srpms = fs_path_join(out, "SRPMS");
	rpmsdir = fs_path_join(out, "RPMS");
	agentdir = fs_path_join(out, "agent");
	log = fs_path_join(out, "build.log");
	/* OUT's subdirectories are ours: start them empty so OUT holds this build only. */
	if ((ret = fs_mkdirs(out, 0755)) < 0 || (ret = fs_remove_tree(srpms)) < 0 ||
	    (ret = fs_remove_tree(rpmsdir)) < 0 || (ret = fs_remove_tree(agentdir)) < 0 ||
	    (ret = fs_mkdirs(srpms, 0755)) < 0)
		goto cleanup;
	unlink(log);

	t0 = clock_now();
	if (!o->quiet && !isatty(2))
		fprintf(stderr, "qga-forge: patch\n");
	if ((ret = patch_sync(ws, &patch_report)) < 0) {
		error_prefix(ret, "step 'patch' failed");
		goto cleanup;
	}
	build_add_timing(timings, "patch", clock_now() - t0);

	t0 = clock_now();
	d1 = xasprintf("_srcrpmdir %s", srpms);
	defines = collect_defines(ws, o, d1, NULL);
	memset(&b, 0, sizeof(b));
	b.spec = ws_spec_path(ws);
	b.topdir = ws_topdir(ws);
	b.defines = (const char *const *)defines;
	b.log_path = log;
	b.amount = RPMBUILD_PACKAGESOURCE;
	b.nodeps = true;
	if ((ret = run_stage(&b, "srpm", o->quiet)) < 0)
		goto cleanup;
	find_files(found, srpms, ".src.rpm");
	if (json_object_array_length(found) != 1) {
		ret = error_set(ERR_GENERIC, "step 'srpm': expected one src.rpm in '%s', found %zu",
				srpms, json_object_array_length(found));
		goto cleanup;
	}
	srpm = xstrdup(json_object_get_string(json_object_array_get_idx(found, 0)));
	build_add_timing(timings, "srpm", clock_now() - t0);

	if (!o->srpm_only && (o->container || o->mock_config)) {
		t0 = clock_now();
		free_strv(defines);
		defines = collect_defines(ws, o, NULL, NULL);
		if ((ret = build_external(o, srpm, out, rpmsdir, log, (const char *const *)defines)) < 0)
			goto cleanup;
		build_add_timing(timings, "rebuild", clock_now() - t0);
	}
	if (!o->srpm_only && !o->container && !o->mock_config) {
		struct srpm_info info;

		t0 = clock_now();
		if ((ret = srpm_read_info(&info, srpm)) < 0)
			goto cleanup;
		ret = rebuild_dir(&rdir, &lockfd, info.nvr);
		srpm_info_release(&info);
		if (ret < 0 || (ret = srpm_install(&rspec, srpm, rdir)) < 0) {
			error_prefix(ret, "step 'rebuild' failed");
			goto cleanup;
		}
		free_strv(defines);
		d2 = xasprintf("_rpmdir %s", rpmsdir);
		defines = collect_defines(ws, o, d2, NULL);
		memset(&b, 0, sizeof(b));
		b.spec = rspec;
		b.topdir = rdir;
		b.defines = (const char *const *)defines;
		b.log_path = log;
		b.amount = RPMBUILD_PREP | RPMBUILD_BUILD | RPMBUILD_INSTALL | RPMBUILD_CHECK |
			   RPMBUILD_FILECHECK | RPMBUILD_PACKAGEBINARY | RPMBUILD_CLEAN;
		b.nodeps = o->nodeps;
		if ((ret = run_stage(&b, "rebuild", o->quiet)) < 0)
			goto cleanup;
		build_add_timing(timings, "rebuild", clock_now() - t0);
	}
	if (!o->srpm_only) {
		t0 = clock_now();
		json_object_put(found);
		found = json_object_new_array();
		find_files(found, rpmsdir, ".rpm");
		if ((ret = find_agent(&agent_rpm, &agent_in_rpm, found)) < 0 ||
		    (ret = fs_mkdirs(agentdir, 0755)) < 0)
			goto cleanup;
		agent = fs_path_join(agentdir, "qemu-ga");
		if ((ret = srpm_extract_file(agent_rpm, agent_in_rpm, agent)) < 0) {
			error_prefix(ret, "step 'agent' failed");
			goto cleanup;
		}
		build_add_timing(timings, "agent", clock_now() - t0);
	}

	/* The manifest: what went in, what came out, and how long it took. */
	{
		struct json_object *st = ws_state(ws), *v, *inputs = json_object_new_object();
		struct json_object *cmds = json_object_new_array();
		size_t i;

		json_object_object_add(m, "qga_forge_version", json_object_new_string(QGA_FORGE_VERSION));
		if (!o->srpm_only) {
			char *how = o->container ? xasprintf("container %s", o->container) :
				    o->mock_config ? xasprintf("mock %s", o->mock_config) : xstrdup("host");

			json_object_object_add(m, "rebuild", json_object_new_string(how));
			free(how);
		}
		if (json_object_object_get_ex(st, "srpm", &v))
			json_object_object_add(inputs, "srpm", json_object_get(v));
		if (json_object_object_get_ex(st, "commands", &v)) {
			struct json_object *files = json_object_new_array();

			for (i = 0; i < json_object_array_length(v); i++) {
				struct json_object *c = json_object_array_get_idx(v, i), *x;
				struct json_object *e = json_object_new_object();

				if (json_object_object_get_ex(c, "name", &x))
					json_object_object_add(e, "name", json_object_get(x));
				if (json_object_object_get_ex(c, "prototype", &x))
					json_object_object_add(e, "prototype", json_object_get(x));
				if (json_object_object_get_ex(c, "commit", &x))
					json_object_object_add(e, "commit", json_object_get(x));
				json_object_array_add(cmds, e);
				if (json_object_object_get_ex(c, "inputs", &x))
					for (size_t k = 0; k < json_object_array_length(x); k++)
						json_object_array_add(files,
							json_object_get(json_object_array_get_idx(x, k)));
			}
			json_object_object_add(inputs, "command_files", files);
		}
		json_object_object_add(m, "inputs", inputs);
		if (json_object_object_get_ex(st, "qemu_version", &v))
			json_object_object_add(m, "qemu_version", json_object_get(v));
		json_object_object_add(m, "commands", cmds);
		if (json_object_object_get_ex(st, "patches", &v))
			json_object_object_add(m, "patches", json_object_get(v));
		arts = json_object_new_array();
		json_object_array_add(arts, artifact(srpm, out));
		if (!o->srpm_only) {
			for (i = 0; i < json_object_array_length(found); i++)
				json_object_array_add(arts, artifact(json_object_get_string(
					json_object_array_get_idx(found, i)), out));
			json_object_array_add(arts, artifact(agent, out));
		}
		json_object_object_add(m, "artifacts", arts);
		json_object_object_add(m, "srpm", json_object_new_string(srpm));
		if (agent)
			json_object_object_add(m, "agent", json_object_new_string(agent));
		json_object_object_add(m, "outdir", json_object_new_string(out));
		json_object_object_add(m, "log", json_object_new_string(log));
		if (extra_timings) {
			json_object_object_foreach(extra_timings, k, tv)
				json_object_object_add(timings, k, json_object_get(tv));
		}
		build_add_timing(timings, "build_total", clock_now() - tall);
		json_object_object_add(m, "timings", json_object_get(timings));
	}
	if ((ret = build_write_manifest(out, m)) < 0)
		goto cleanup;
	/* Remember the agent for `smoke -w`. */
	if (agent) {
		json_object_object_add(ws_state(ws), "agent", json_object_new_string(agent));
		if ((ret = ws_save_state(ws)) < 0)
			goto cleanup;
	}
	if (manifest_out)
		*manifest_out = json_object_get(m);
cleanup:
	if (rdir && !ret)
		fs_remove_tree(rdir);
	if (lockfd >= 0)
		close(lockfd);
	json_object_put(patch_report);
	json_object_put(found);
	json_object_put(timings);
	json_object_put(m);
	free_strv(defines);
	free(srpm);
	free(agent_rpm);
	free(agent_in_rpm);
	free(d1);
	free(d2);
	free(rspec);
	free(rdir);
	free(agent);
	free(agentdir);
	free(log);
	free(rpmsdir);
	free(srpms);
	free(out);
	return ret;
}
