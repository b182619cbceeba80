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

#include "build.h"
#include "cli.h"
#include "commands.h"
#include "rpm/srpm.h"
#include "spec_policy.h"
#include "workspace/ws.h"
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

int cmd_agent(int argc, const char **argv)
{
	const char **defines = NULL;
	int jobs = 0, clean = 0, status, nargs, ret;
	struct poptOption table[] = {
		{ "define", 'D', POPT_ARG_ARGV, &defines, 0,
		  "define an rpm macro for %build (repeatable)", "'MACRO VALUE'" },
		{ "jobs", 'j', POPT_ARG_INT, &jobs, 0, "parallel make/ninja jobs", "N" },
		{ "clean", '\0', POPT_ARG_NONE, &clean, 0,
		  "start from an empty build directory", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "agent", argc, argv, table, NULL);
	struct ws *ws = NULL;
	char *mirror = NULL, *subdir = NULL, *log = NULL, *agent = NULL, *bd = NULL, *jd[3] = { 0 };
	const char **defs = NULL;
	struct srpm_build b;
	struct json_object *wsdefs;
	struct timespec when = { 0, 0 };
	size_t n = 0, i;
	unsigned copied = 0;
	double t0 = clock_now();

	if (!ctx)
		return status;
	cli_args(ctx, &nargs);
	if (nargs) {
		status = cli_usage("agent", "unexpected arguments");
		goto out;
	}
	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	mirror = fs_path_join(ws_meta_dir(ws), "agent-build");
	log = fs_path_join(ws_meta_dir(ws), "logs/agent.log");
	if (clean)
		fs_remove_tree(mirror);
	bd = xasprintf("_builddir %s", mirror);
	defs = xcalloc(64, sizeof(*defs));
	if (json_object_object_get_ex(ws_state(ws), "defines", &wsdefs))
		for (i = 0; i < json_object_array_length(wsdefs) && n < 40; i++)
			defs[n++] = json_object_get_string(json_object_array_get_idx(wsdefs, i));
	for (i = 0; defines && defines[i] && n < 56; i++)
		defs[n++] = defines[i];
	if (jobs > 0) {
		jd[0] = xasprintf("_smp_mflags -j%d", jobs);
		jd[1] = xasprintf("_smp_build_ncpus %d", jobs);
		defs[n++] = jd[0];
		defs[n++] = jd[1];
	}
	defs[n++] = bd;
	memset(&b, 0, sizeof(b));
	b.spec = ws_spec_path(ws);
	b.topdir = ws_topdir(ws);
	b.defines = defs;
	b.log_path = log;
	b.amount = RPMBUILD_BUILD;
	b.nodeps = true;
	unlink(log);
	if ((ret = spec_policy_check(b.spec, NULL, false)) < 0 ||
	    (ret = srpm_build_subdir(&subdir, &b)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (strncmp(subdir, mirror, strlen(mirror))) {
		error_set(ERR_GENERIC, "the spec builds in '%s', outside '%s'; cannot build it "
			  "incrementally", subdir, mirror);
		status = cli_fail(ERR_GENERIC);
		goto out;
	}
	if ((ret = sync_tree(ws_src_dir(ws), subdir, &copied)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	cli_info("qga-forge: agent: %u file%s synced; running %%build", copied, copied == 1 ? "" : "s");
	if ((ret = srpm_build(&b)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	find_agent(&agent, &when, subdir);
	if (!agent) {
		error_set(ERR_NOTFOUND, "%%build finished but produced no qemu-ga below '%s' (log: %s)",
			  subdir, log);
		status = cli_fail(ERR_NOTFOUND);
		goto out;
	}
	json_object_object_add(ws_state(ws), "agent", json_object_new_string(agent));
	if ((ret = ws_save_state(ws)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "agent", json_object_new_string(agent));
		json_object_object_add(o, "files_synced", json_object_new_int((int)copied));
		build_add_timing(o, "seconds", clock_now() - t0);
		cli_print_json(o);
		json_object_put(o);
	} else {
		printf("agent: %s (%.1f s)\n", agent, clock_now() - t0);
	}
	status = cli_finish(0);
out:
	free(jd[0]);
	free(jd[1]);
	free(defs);
	free(bd);
	free(agent);
	free(subdir);
	free(log);
	free(mirror);
	ws_free(ws);
	poptFreeContext(ctx);
	return status;
}
