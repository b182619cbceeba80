#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <rpm/rpmbuild.h>

#include "internal.h"
#include "rpm/srpm.h"
#include "specedit/spec.h"
#include "util/banned.h"

/*
 * The developer's fast loop: the spec's own %build runs on a mirror of the
 * work tree (WS/.qga-forge/agent-build), so the tree itself and its baseline
 * are never touched and the build directory survives between runs: after a
 * one-line handler change only what depends on it is compiled again.
 *
 * The mirror is brought up to date by copying the files whose size or
 * modification time differ, keeping their times, which is what make and
 * ninja look at.
 */
static int sync_tree(const char *src, const char *dst, unsigned *copied)
{
	DIR *d = opendir(src);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return error_set_errno(ERR_GENERIC, "cannot read directory '%s'", src);
	if ((ret = fs_mkdirs(dst, 0755)) < 0) {
		closedir(d);
		return ret;
	}
	while (!ret && (e = readdir(d))) {
		char *s, *t;
		struct stat ss, ts;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git"))
			continue;
		s = fs_path_join(src, e->d_name);
		t = fs_path_join(dst, e->d_name);
		/* Defined bytes throughout, also where lstat() fills less (memcheck follows them). */
		memset(&ss, 0, sizeof(ss));
		memset(&ts, 0, sizeof(ts));
		if (lstat(s, &ss) < 0) {
			ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", s);
		} else if (S_ISDIR(ss.st_mode)) {
			ret = sync_tree(s, t, copied);
		} else if (S_ISREG(ss.st_mode) || S_ISLNK(ss.st_mode)) {
			bool same = lstat(t, &ts) == 0 && ts.st_size == ss.st_size &&
				    ts.st_mtim.tv_sec == ss.st_mtim.tv_sec &&
				    ts.st_mtim.tv_nsec == ss.st_mtim.tv_nsec &&
				    (ts.st_mode & S_IFMT) == (ss.st_mode & S_IFMT);

			if (!same) {
				if (fs_exists(t))
					unlink(t);
				ret = fs_copy_tree(s, t);
				if (!ret && S_ISLNK(ss.st_mode)) {
					struct timespec tv[2] = { ss.st_atim, ss.st_mtim };

					utimensat(AT_FDCWD, t, tv, AT_SYMLINK_NOFOLLOW);
				}
				(*copied)++;
			}
		}
		free(s);
		free(t);
	}
	closedir(d);
	return ret;
}

static bool is_elf(const char *path)
{
	FILE *f = fopen(path, "rb");
	char magic[4] = { 0 };
	bool ok;

	if (!f)
		return false;
	ok = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
	fclose(f);
	return ok;
}

/* The newest executable ELF file named qemu-ga below `dir`. */
static void find_agent(char **best, struct timespec *when, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *p;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = fs_path_join(dir, e->d_name);
		if (lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				find_agent(best, when, p);
			} else if (S_ISREG(st.st_mode) && !strcmp(e->d_name, "qemu-ga") &&
				   (st.st_mode & 0111) && is_elf(p) &&
				   (!*best || st.st_mtim.tv_sec > when->tv_sec ||
				    (st.st_mtim.tv_sec == when->tv_sec &&
				     st.st_mtim.tv_nsec > when->tv_nsec))) {
				free(*best);
				*best = xstrdup(p);
				*when = st.st_mtim;
			}
		}
		free(p);
	}
	closedir(d);
}

int ws_op_agent(struct ws *ws, struct ws_agent_result *out, const struct ws_agent_opts *o)
{
	char *mirror = NULL, *subdir = NULL, *log = NULL, *agent = NULL;
	struct strvec defs = STRVEC_INIT;
	struct srpm_build b;
	struct timespec when = { 0, 0 };
	unsigned copied = 0;
	double t0 = clock_now();
	int ret;

	memset(out, 0, sizeof(*out));
	mirror = fs_path_join(ws_meta_dir(ws), "agent-build");
	log = fs_path_join(ws_meta_dir(ws), "logs/agent.log");
	if (o->clean)
		fs_remove_tree(mirror);
	strvec_pushv(&defs, (const char *const *)ws_info(ws)->defines);
	strvec_pushv(&defs, o->defines);
	if (o->jobs > 0) {
		strvec_pushf(&defs, "_smp_mflags -j%d", o->jobs);
		strvec_pushf(&defs, "_smp_build_ncpus %d", o->jobs);
	}
	strvec_pushf(&defs, "_builddir %s", mirror);
	memset(&b, 0, sizeof(b));
	b.spec = ws_spec_path(ws);
	b.topdir = ws_topdir(ws);
	b.defines = strvec_list(&defs);
	b.log_path = log;
	b.amount = RPMBUILD_BUILD;
	b.nodeps = true;
	unlink(log);
	if (!b.spec) {
		ret = error_set(ERR_INPUT, "the workspace '%s' has no spec yet: run 'qga-forge init'",
				ws_root(ws));
		goto out;
	}
	if ((ret = spec_policy_check(b.spec, NULL, false)) < 0 ||
	    (ret = srpm_build_subdir(&subdir, &b)) < 0)
		goto out;
	if (strncmp(subdir, mirror, strlen(mirror))) {
		ret = error_set(ERR_GENERIC, "the spec builds in '%s', outside '%s'; cannot build it "
				"incrementally", subdir, mirror);
		goto out;
	}
	if ((ret = sync_tree(ws_src_dir(ws), subdir, &copied)) < 0)
		goto out;
	ws_info_event(&o->progress, "agent", "agent: %u file%s synced; running %%build", copied,
		      copied == 1 ? "" : "s");
	if ((ret = srpm_build(&b)) < 0)
		goto out;
	find_agent(&agent, &when, subdir);
	if (!agent) {
		ret = error_set(ERR_NOTFOUND, "%%build finished but produced no qemu-ga below '%s' (log: %s)",
				subdir, log);
		goto out;
	}
	ws_state_set_str(&ws_edit(ws)->agent, agent);
	if ((ret = ws_save_state(ws)) < 0)
		goto out;
	out->agent = agent;
	agent = NULL;
	out->files_synced = copied;
	out->seconds = clock_now() - t0;
out:
	strvec_clear(&defs);
	free(agent);
	free(subdir);
	free(log);
	free(mirror);
	return ret;
}

void ws_agent_result_release(struct ws_agent_result *r)
{
	free(r->agent);
	memset(r, 0, sizeof(*r));
}
