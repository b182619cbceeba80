/* init: a src.rpm becomes a workspace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "rpm/srpm.h"
#include "specedit/spec.h"
#include "util/banned.h"

#define OP "init"

struct init_run {
	const struct ws_init_opts *o;
	struct srpm_info info;
	char sha256[65];
	char baseline[41];
	char *qemu_version;
	int npatches;
	double t;
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

static void fill_state(struct ws *ws, const char *srpm_abs, const char *spec_rel,
		       const struct init_run *r)
{
	struct ws_state *st = ws_edit(ws);

	st->has_srpm = true;
	ws_state_set_str(&st->srpm.path, srpm_abs);
	ws_state_set_str(&st->srpm.sha256, r->sha256);
	ws_state_set_str(&st->srpm.name, r->info.name);
	ws_state_set_str(&st->srpm.epoch, r->info.epoch);
	ws_state_set_str(&st->srpm.version, r->info.version);
	ws_state_set_str(&st->srpm.release, r->info.release);
	ws_state_set_str(&st->srpm.nevr, r->info.nevr);
	ws_state_set_str(&st->spec, spec_rel);
	ws_state_set_str(&st->qemu_version, r->qemu_version);
	ws_state_set_str(&st->baseline, r->baseline);
	{
		struct strvec defs = STRVEC_INIT;

		strvec_free_list(st->defines);
		strvec_pushv(&defs, r->o->defines);
		st->ndefines = defs.n;
		st->defines = strvec_detach(&defs);
	}
	st->distribution_patches = r->npatches;
	st->has_patches = true;
	ws_state_set_str(&st->qga_forge_version, QGA_FORGE_VERSION);
}

int ws_check_defines(const char *const *defines)
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

/* %prep failed: its log must outlive the workspace that failed, and the message name it. */
static void keep_prep_log(struct init_run *r, const char *log, int ret)
{
	const char *tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *keep = xasprintf("%s/qga-forge-%s-prep.log", tmpdir, r->info.nvr);
	struct buf msg = BUF_INIT;

	buf_puts(&msg, error_last());
	if (fs_copy_file(log, keep) == 0) {
		char *at = strstr(msg.ptr, log);

		if (at)
			buf_splice(&msg, (size_t)(at - msg.ptr), strlen(log), keep, strlen(keep));
	}
	error_set(ret, "%s", msg.ptr);
	buf_release(&msg);
	free(keep);
}

/* Install, check the spec, run %prep, move the tree to WS/src and record the baseline. */
static int prepare(struct init_run *r, struct ws *ws)
{
	const struct ws_init_opts *o = r->o;
	char *topdir = NULL, *spec = NULL, *tree = NULL, *log = NULL, *spec_label = NULL;
	char *src = NULL, *schema = NULL, *gitdir = NULL, *builddir = NULL, *spec_rel = NULL;
	char *srpm_abs = fs_abspath(o->srpm), *base = NULL, *msg = NULL;
	struct srpm_build b = { 0 };
	struct patchgen_sig sig;
	int ret;

	topdir = fs_path_join(ws_root(ws), "rpmbuild");
	if ((ret = srpm_install(&spec, o->srpm, topdir)) < 0)
		goto cleanup;
	ws_step_time(&o->progress, OP, &r->t, "installing the src.rpm");
	/* Before rpm parses a line of it (%prep below). The workspace being
	 * built is removed on failure: name the spec by its src.rpm. */
	base = fs_basename(spec);
	spec_label = xasprintf("%s: %s", o->srpm, base);
	if ((ret = spec_policy_check(spec, spec_label, o->no_spec_code)) < 0)
		goto cleanup;
	/* rpm >= 4.20 rejects %patchN: a step of its own, before %prep. */
	{
		size_t nconv = 0;
		int v = spec_rpm_version();

		if ((ret = ws_convert_patchn(ws, spec, OP, &nconv)) < 0)
			goto cleanup;
		if (nconv)
			ws_info_event(&o->progress, OP, "qga-forge: rpm %d.%d rejects %%patchN: rewrote %zu "
				      "line%s of the spec as '%%patch -P N' before %%prep (recorded in the "
				      "workspace state)", v / 10000, v / 100 % 100, nconv, nconv == 1 ? "" : "s");
	}
	log = fs_path_join(ws_meta_dir(ws), "logs/prep.log");
	b.spec = spec;
	b.label = spec_label;
	b.topdir = topdir;
	b.defines = o->defines;
	b.log_path = log;
	ret = srpm_prep(&tree, &r->npatches, &b);
	ws_step_time(&o->progress, OP, &r->t, "running %prep");
	if (ret < 0) {
		keep_prep_log(r, log, ret);
		goto cleanup;
	}
	schema = fs_path_join(tree, WS_SCHEMA_PATH);
	if (!fs_is_file(schema)) {
		ret = error_set(ERR_INPUT, "'%s': the prepared tree has no qga/qapi-schema.json; "
				"not a QEMU guest agent source package", o->srpm);
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
	msg = xasprintf("%s as prepared by its spec\n\nBaseline of qga-forge: the tree "
			"after %%prep of %s (%d distribution patches).\n",
			r->info.nevr, r->info.nevr, r->npatches);
	ws_step_time(&o->progress, OP, &r->t, "placing the tree");
	ret = patchgen_init_baseline(r->baseline, src, &sig, msg);
	ws_step_time(&o->progress, OP, &r->t, "recording the baseline commit");
	if (ret < 0)
		goto cleanup;
	spec_rel = xstrdup(spec + strlen(ws_root(ws)) + 1);
	fill_state(ws, srpm_abs, spec_rel, r);
	ret = ws_save_state(ws);
cleanup:
	free(msg);
	free(base);
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
	free(srpm_abs);
	return ret;
}

/* The finished workspace in `tmp` becomes `dir` (the old one goes only now). */
static int place(const char *tmp, const char *dir, bool force)
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

/*
 * Everything happens in a temporary sibling directory that is renamed to
 * DIR only when the workspace is complete, so a failure at any step leaves
 * nothing behind (and --force keeps the old workspace until the new one is
 * ready).
 */
int ws_op_init(struct ws **ws_out, struct ws_init_result *out, const struct ws_init_opts *o)
{
	struct init_run r;
	struct ws *ws = NULL;
	char *dir = NULL, *tmp = NULL;
	bool made_tmp = false;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (ws_out)
		*ws_out = NULL;
	r.o = o;
	r.t = clock_now();
	if ((ret = ws_check_defines(o->defines)) < 0 || (ret = srpm_read_info(&r.info, o->srpm)) < 0)
		goto cleanup;
	if (!r.info.is_source) {
		ret = error_set(ERR_INPUT, "'%s' is a binary package (%s), not a source package",
				o->srpm, r.info.arch ? r.info.arch : "unknown arch");
		goto cleanup;
	}
	dir = fs_abspath(o->dir ? o->dir : r.info.nvr);
	if (fs_exists(dir) && !o->force && !(fs_is_dir(dir) && fs_dir_is_empty(dir) == 1)) {
		ret = error_set(ERR_EXISTS, "'%s' already exists and is not empty (use --force to "
				"replace it)", dir);
		goto cleanup;
	}
	ws_info_event(&o->progress, OP, "preparing %s in %s", r.info.nevr, dir);
	r.t = clock_now();
	if ((ret = hash_sha256_file(r.sha256, o->srpm)) < 0)
		goto cleanup;
	tmp = xasprintf("%s.qga-forge-new-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a directory beside '%s'", dir);
		goto cleanup;
	}
	made_tmp = true;
	{
		mode_t mask = umask(0);

		umask(mask);
		chmod(tmp, 0777 & ~mask);
	}
	if ((ret = ws_create(&ws, tmp)) < 0 || (ret = prepare(&r, ws)) < 0 ||
	    (ret = place(tmp, dir, o->force)) < 0)
		goto cleanup;
	made_tmp = false;
	ws_relocate(ws, dir);
	out->workspace = dir;
	dir = NULL;
	out->nevr = xstrdup(r.info.nevr);
	out->qemu_version = r.qemu_version;
	r.qemu_version = NULL;
	memcpy(out->baseline, r.baseline, sizeof(out->baseline));
	out->distribution_patches = r.npatches;
	if (ws_out) {
		*ws_out = ws;
		ws = NULL;
	}
cleanup:
	ws_free(ws);
	if (made_tmp)
		fs_remove_tree(tmp);
	srpm_info_release(&r.info);
	free(r.qemu_version);
	free(tmp);
	free(dir);
	return ret;
}

void ws_init_result_release(struct ws_init_result *r)
{
	free(r->workspace);
	free(r->nevr);
	free(r->qemu_version);
	memset(r, 0, sizeof(*r));
}
