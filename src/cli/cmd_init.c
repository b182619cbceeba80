#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "patchgen/patchgen.h"
#include "rpm/srpm.h"
#include "spec_policy.h"
#include "workspace/ws.h"
#include "util/banned.h"

/* --no-spec-code: refuse a spec that runs code while rpm parses it. */
static int no_spec_code;

/* With -v: how long each step took, on stderr. NULL starts the clock. */
static void step_time(const char *what)
{
	static double last;
	double now = clock_now();

	if (what && cli_opts.verbose)
		fprintf(stderr, "qga-forge: init: %7.1f ms %s\n", (now - last) * 1e3, what);
	last = now;
}

struct init_result {
	struct srpm_info info;
	char sha256[65];
	char baseline[41];
	char *qemu_version;
	int npatches;
};

static char *read_version(const char *tree)
{
	char *path = fs_path_join(tree, "VERSION");
	struct buf b = BUF_INIT;

	buf_set_cap(&b, 4096);
	if (fs_read_file(&b, path) < 0) {
		error_clear();
		buf_release(&b);
		free(path);
		return xstrdup("unknown");
	}
	free(path);
	buf_rtrim(&b);
	return buf_detach(&b, NULL);
}

static struct json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void fill_state(struct ws *ws, const char *srpm_abs, const char *spec_rel,
		       const char *const *defines, const struct init_result *r)
{
	struct json_object *st = ws_state(ws), *srpm = json_object_new_object(), *defs;
	size_t i;

	json_object_object_add(srpm, "path", json_object_new_string(srpm_abs));
	json_object_object_add(srpm, "sha256", json_object_new_string(r->sha256));
	json_object_object_add(srpm, "name", json_object_new_string(r->info.name));
	json_object_object_add(srpm, "epoch", json_str_or_null(r->info.epoch));
	json_object_object_add(srpm, "version", json_object_new_string(r->info.version));
	json_object_object_add(srpm, "release", json_object_new_string(r->info.release));
	json_object_object_add(srpm, "nevr", json_object_new_string(r->info.nevr));
	json_object_object_add(st, "srpm", srpm);
	json_object_object_add(st, "spec", json_object_new_string(spec_rel));
	json_object_object_add(st, "qemu_version", json_object_new_string(r->qemu_version));
	json_object_object_add(st, "baseline", json_object_new_string(r->baseline));
	defs = json_object_new_array();
	for (i = 0; defines && defines[i]; i++)
		json_object_array_add(defs, json_object_new_string(defines[i]));
	json_object_object_add(st, "defines", defs);
	json_object_object_add(st, "distribution_patches", json_object_new_int(r->npatches));
	json_object_object_add(st, "commands", json_object_new_array());
	json_object_object_add(st, "patches", json_object_new_array());
	json_object_object_add(st, "qga_forge_version", json_object_new_string(QGA_FORGE_VERSION));
}

static int check_defines(const char *const *defines)
{
	size_t i;

	for (i = 0; defines && defines[i]; i++) {
		const char *d = defines[i];
		size_t n = strcspn(d, " \t");

		if (!n || !d[n] || (d[0] != '_' && !((d[0] | 0x20) >= 'a' && (d[0] | 0x20) <= 'z')))
			return error_set(ERR_USAGE, "--define '%s': expected 'MACRO VALUE'", d);
	}
	return 0;
}

/*
 * Everything happens in a temporary sibling directory that is renamed to
 * DIR only when the workspace is complete, so a failure at any step leaves
 * nothing behind (and --force keeps the old workspace until the new one is
 * ready).
 */
static int do_init(struct init_result *r, const char *srpm, const char *dir,
		   const char *const *defines, int *made_tmp, char **tmp_out, char **log_keep)
{
	struct ws *ws = NULL;
	char *tmp = NULL, *topdir = NULL, *spec = NULL, *tree = NULL, *log = NULL, *spec_label = NULL;
	char *src = NULL, *schema = NULL, *gitdir = NULL, *builddir = NULL, *spec_rel = NULL;
	char *srpm_abs = fs_abspath(srpm);
	struct srpm_build b = { 0 };
	struct patchgen_sig sig;
	int ret;

	step_time(NULL);
	if ((ret = hash_sha256_file(r->sha256, srpm)) < 0)
		goto cleanup;
	tmp = xasprintf("%s.qga-forge-new-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a directory beside '%s'", dir);
		goto cleanup;
	}
	*made_tmp = 1;
	*tmp_out = xstrdup(tmp);
	{
		mode_t mask = umask(0);

		umask(mask);
		chmod(tmp, 0777 & ~mask);
	}
	if ((ret = ws_create(&ws, tmp)) < 0)
		goto cleanup;
	topdir = fs_path_join(ws_root(ws), "rpmbuild");
	if ((ret = srpm_install(&spec, srpm, topdir)) < 0)
		goto cleanup;
	step_time("installing the src.rpm");
	/* Before rpm parses a line of it (%prep below). */
	{
		char *base = fs_basename(spec);

		spec_label = xasprintf("%s: %s", srpm, base);
		free(base);
		/* The workspace being built is removed on failure: name the spec by its src.rpm. */
		if ((ret = spec_policy_check(spec, spec_label, no_spec_code)) < 0)
			goto cleanup;
	}
	log = fs_path_join(ws_meta_dir(ws), "logs/prep.log");
	b.spec = spec;
	b.label = spec_label;
	b.topdir = topdir;
	b.defines = defines;
	b.log_path = log;
	ret = srpm_prep(&tree, &r->npatches, &b);
	step_time("running %prep");
	if (ret < 0) {
		/* The log must outlive the workspace that failed. */
		char *keep = xasprintf("%s/qga-forge-%s-prep.log",
				       getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
				       r->info.nvr);
		struct buf msg = BUF_INIT;

		buf_puts(&msg, error_last());
		if (fs_copy_file(log, keep) == 0) {
			char *at = strstr(msg.ptr, log);

			if (at)
				buf_splice(&msg, (size_t)(at - msg.ptr), strlen(log), keep, strlen(keep));
			*log_keep = keep;
		} else {
			free(keep);
		}
		error_set(ret, "%s", msg.ptr);
		buf_release(&msg);
		goto cleanup;
	}
	schema = fs_path_join(tree, "qga/qapi-schema.json");
	if (!fs_is_file(schema)) {
		ret = error_set(ERR_INPUT, "'%s': the prepared tree has no qga/qapi-schema.json; "
				"not a QEMU guest agent source package", srpm);
		goto cleanup;
	}
	/* %autosetup -S git leaves rpm's own repository; ours replaces it. */
	gitdir = fs_path_join(tree, ".git");
	if (fs_exists(gitdir) && (ret = fs_remove_tree(gitdir)) < 0)
		goto cleanup;
	src = fs_path_join(ws_root(ws), "src");
	if (rename(tree, src) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot move the prepared tree to '%s'", src);
		goto cleanup;
	}
	builddir = fs_path_join(topdir, "BUILD");
	fs_remove_tree(builddir);
	r->qemu_version = read_version(src);
	ws_default_sig(&sig);
	sig.name = "qga-forge";
	sig.email = "qga-forge@localhost";
	if (!getenv("SOURCE_DATE_EPOCH") || !*getenv("SOURCE_DATE_EPOCH"))
		sig.when = r->info.buildtime;
	{
		char *msg = xasprintf("%s as prepared by its spec\n\nBaseline of qga-forge: the tree "
				      "after %%prep of %s (%d distribution patches).\n",
				      r->info.nevr, r->info.nevr, r->npatches);

		step_time("placing the tree");
		ret = patchgen_init_baseline(r->baseline, src, &sig, msg);
		step_time("recording the baseline commit");
		free(msg);
		if (ret < 0)
			goto cleanup;
	}
	spec_rel = xstrdup(spec + strlen(ws_root(ws)) + 1);
	fill_state(ws, srpm_abs, spec_rel, defines, r);
	ret = ws_save_state(ws);
cleanup:
	ws_free(ws);
	free(spec_rel);
	free(builddir);
	free(gitdir);
	free(schema);
	free(src);
	free(log);
	free(tree);
	free(spec);
	free(spec_label);
	free(topdir);
	free(tmp);
	free(srpm_abs);
	return ret;
}

static int place(const char *tmp, const char *dir, int force)
{
	char *trash = NULL;
	int ret = 0;

	if (fs_exists(dir)) {
		int empty = fs_is_dir(dir) ? fs_dir_is_empty(dir) : 0;

		if (empty == 1) {
			if (rmdir(dir) < 0)
				return error_set_errno(ERR_GENERIC, "cannot replace '%s'", dir);
		} else if (!force) {
			return error_set(ERR_EXISTS, "'%s' already exists and is not empty "
					 "(use --force to replace it)", dir);
		} else {
			trash = xasprintf("%s.qga-forge-old-%ld", dir, (long)getpid());
			if (rename(dir, trash) < 0) {
				ret = error_set_errno(ERR_GENERIC, "cannot replace '%s'", dir);
				free(trash);
				return ret;
			}
		}
	}
	if (rename(tmp, dir) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create '%s'", dir);
		if (trash)
			rename(trash, dir);
	} else if (trash) {
		fs_remove_tree(trash);
	}
	fs_fsync_parent(dir);
	free(trash);
	return ret;
}

int cmd_init(int argc, const char **argv)
{
	const char **defines = NULL;
	int force = 0, status, nargs, ret, made_tmp = 0;
	struct poptOption table[] = {
		{ "define", 'D', POPT_ARG_ARGV, &defines, 0,
		  "define an rpm macro for %prep (repeatable)", "'MACRO VALUE'" },
		{ "force", 'f', POPT_ARG_NONE, &force, 0,
		  "replace DIR when it exists and is not empty", NULL },
		{ "no-spec-code", '\0', POPT_ARG_NONE, &no_spec_code, 0,
		  "refuse a spec that runs code while rpm parses it (%(...), Lua, %include)", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "init", argc, argv, table, "SRPM");
	const char **args;
	struct init_result r;
	char *dir = NULL, *tmp = NULL, *log_keep = NULL;

	memset(&r, 0, sizeof(r));
	if (!ctx)
		return status;
	args = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("init", nargs ? "too many arguments" : "missing SRPM");
		goto out;
	}
	if ((ret = check_defines(defines)) < 0) {
		status = cli_usage("init", "%s", error_last());
		goto out;
	}
	if ((ret = srpm_read_info(&r.info, args[0])) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (!r.info.is_source) {
		error_set(ERR_INPUT, "'%s' is a binary package (%s), not a source package",
			  args[0], r.info.arch ? r.info.arch : "unknown arch");
		status = cli_fail(ERR_INPUT);
		goto out;
	}
	dir = fs_abspath(cli_opts.workspace ? cli_opts.workspace : r.info.nvr);
	if (fs_exists(dir) && !force && !(fs_is_dir(dir) && fs_dir_is_empty(dir) == 1)) {
		error_set(ERR_EXISTS, "'%s' already exists and is not empty (use --force to replace it)",
			  dir);
		status = cli_fail(ERR_EXISTS);
		goto out;
	}
	cli_info("qga-forge: preparing %s in %s", r.info.nevr, dir);
	ret = do_init(&r, args[0], dir, (const char *const *)defines, &made_tmp, &tmp, &log_keep);
	if (!ret)
		ret = place(tmp, dir, force);
	if (ret < 0) {
		if (made_tmp && tmp)
			fs_remove_tree(tmp);
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "workspace", json_object_new_string(dir));
		json_object_object_add(o, "package", json_object_new_string(r.info.nevr));
		json_object_object_add(o, "qemu_version", json_object_new_string(r.qemu_version));
		json_object_object_add(o, "distribution_patches", json_object_new_int(r.npatches));
		json_object_object_add(o, "baseline", json_object_new_string(r.baseline));
		cli_print_json(o);
		json_object_put(o);
	} else {
		printf("package:   %s\n", r.info.nevr);
		printf("qemu:      %s\n", r.qemu_version);
		printf("patches:   %d distribution patch%s applied by %%prep\n", r.npatches,
		       r.npatches == 1 ? "" : "es");
		printf("baseline:  %.12s (branch upstream; work on branch forge)\n", r.baseline);
		printf("workspace: %s\n", dir);
	}
	status = cli_finish(0);
out:
	srpm_info_release(&r.info);
	free(r.qemu_version);
	free(dir);
	free(tmp);
	free(log_keep);
	poptFreeContext(ctx);
	return status;
}
