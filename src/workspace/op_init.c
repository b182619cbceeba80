/* init: a src.rpm becomes a workspace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

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
	const char *const *defines;     /* o->defines, plus the inferred dist */
	const char **with_dist;         /* owns the array when a dist was added */
	char *dist_define;              /* "dist .el7" */
	char *dist;                     /* the dist tag every rpm call gets, or NULL */
	bool dist_inferred;             /* from the src.rpm's Release (else the user's --define) */
	struct json_object *missing_macros;  /* uses of distribution macros the host lacks */
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
		strvec_pushv(&defs, r->defines);
		st->ndefines = defs.n;
		st->defines = strvec_detach(&defs);
	}
	st->distribution_patches = r->npatches;
	st->has_patches = true;
	ws_state_set_str(&st->qga_forge_version, QGA_FORGE_VERSION);
	/* Keys of the vendor's spec on this host, beside the typed state. */
	if (r->dist) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "value", json_object_new_string(r->dist));
		json_object_object_add(d, "from", json_object_new_string(r->dist_inferred ? "src.rpm"
									   : "define"));
		json_object_object_add(ws_state(ws), "dist", d);
	}
	if (r->missing_macros)
		json_object_object_add(ws_state(ws), "missing_macros", json_object_get(r->missing_macros));
}

/* The value of a --define of `name`, or NULL. */
static const char *define_value(const char *const *defines, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; defines && defines[i]; i++)
		if (!strncmp(defines[i], name, n) && (defines[i][n] == ' ' || defines[i][n] == '\t'))
			return defines[i] + n + strspn(defines[i] + n, " \t");
	return NULL;
}

/*
 * Macros the spec takes from its distribution's macro packages that this
 * host lacks (Debian's rpm has no %_unitdir or %systemd_post): an rpm built
 * here carries them unexpanded. Reported now and recorded in the state
 * ("missing_macros") for build and the deployment checks to use.
 */
static void init_missing_macros(struct init_run *r, const char *spec, const char *label,
				const struct spec_info *info)
{
	struct spec_macro_use *uses = NULL;
	struct buf text = BUF_INIT;
	size_t n = 0, i;

	buf_set_cap(&text, SPEC_CAP);
	if (fs_read_file(&text, spec) < 0 || spec_find_undefined_macros(&uses, &n, spec, &text, info) < 0) {
		error_clear();
		goto out;
	}
	r->missing_macros = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();

		ws_warn_event(&r->o->progress, OP, "%s:%u:%u: '%%%s' is not defined on this host (it "
			      "comes from %s); an rpm built here carries it unexpanded", label,
			      uses[i].line, uses[i].col, uses[i].name, uses[i].package);
		json_object_object_add(e, "name", json_object_new_string(uses[i].name));
		json_object_object_add(e, "package", json_object_new_string(uses[i].package));
		json_object_object_add(e, "line", json_object_new_int((int)uses[i].line));
		json_object_object_add(e, "col", json_object_new_int((int)uses[i].col));
		json_object_array_add(r->missing_macros, e);
	}
out:
	free(uses);
	buf_release(&text);
}

/*
 * The vendor's dist tag: a host without %dist (Debian) would rebuild
 * 5.2.0-7.el7 as 5.2.0-7.qga1. Inferred from the src.rpm's Release against
 * the spec's Release template, and defined for %prep and, through the
 * state's "defines", for every later rpm call. A --define of dist wins.
 */
static int init_dist(struct init_run *r, const char *spec, const char *label)
{
	const char *const *defines = r->o->defines;
	struct spec_query_opts q = { .defines = defines };
	const char *user = define_value(defines, "dist");
	struct spec_info info;
	size_t n = 0;
	char *dist = NULL;
	int ret;

	r->defines = defines;
	ret = spec_infer_dist_info(&dist, &info, spec, r->info.release, &q);
	if (ret == 0 || ret == ERR_NOTFOUND)
		init_missing_macros(r, spec, label, &info);
	spec_info_release(&info);
	if (user) {
		free(dist);
		r->dist = xstrdup(user);
		if (ret == ERR_NOTFOUND) {
			error_clear();
			ret = 0;
		}
		return ret;
	}
	if (ret == ERR_NOTFOUND) {
		ws_warn_event(&r->o->progress, OP, "%s; %%{dist} is left as the host defines it",
			      error_last());
		error_clear();
		return 0;
	}
	if (ret < 0 || !dist)
		return ret;
	r->dist = dist;
	r->dist_inferred = true;
	r->dist_define = xasprintf("dist %s", *dist ? dist : "%{nil}");
	while (defines && defines[n])
		n++;
	r->with_dist = xcalloc(n + 2, sizeof(*r->with_dist));
	if (n)
		memcpy(r->with_dist, defines, n * sizeof(*r->with_dist));
	r->with_dist[n] = r->dist_define;
	r->defines = r->with_dist;
	return 0;
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
	if ((ret = init_dist(r, spec, spec_label)) < 0)
		goto cleanup;
	ws_step_time(&o->progress, OP, &r->t, "reading the dist tag");
	log = fs_path_join(ws_meta_dir(ws), "logs/prep.log");
	b.spec = spec;
	b.label = spec_label;
	b.topdir = topdir;
	b.defines = r->defines;
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

/* Beside DIR while init runs: the workspace being made, and the one --force replaces. */
#define INIT_NEW_SUFFIX ".qga-forge-new-"
#define INIT_OLD_SUFFIX ".qga-forge-old-"

/* A scratch directory beside `dir`: DIR + suffix + six characters (util/scratch.h). */
static int beside(struct scratch *s, const char *from, const char *dir, const char *suffix)
{
	char *parent = fs_dirname(dir), *base = fs_basename(dir);
	char *prefix = xasprintf("%s%s", base, suffix);
	int ret = from ? scratch_claim(s, from, parent, prefix) : scratch_create(s, parent, prefix);

	free(prefix);
	free(base);
	free(parent);
	return ret;
}

/*
 * What an interrupted init of DIR left beside it: the old workspace first
 * (a --force run killed between its two renames: it goes back to DIR),
 * then the staging trees.
 */
static void init_sweep(const char *dir, const struct ws_progress *progress)
{
	struct ws_leftover_report rep = { progress, OP };
	char *parent = fs_dirname(dir), *base = fs_basename(dir);
	char *old = xasprintf("%s" INIT_OLD_SUFFIX, base), *new = xasprintf("%s" INIT_NEW_SUFFIX, base);

	if (scratch_sweep(parent, old, false, dir, ws_report_leftover, &rep) < 0 ||
	    scratch_sweep(parent, new, false, NULL, ws_report_leftover, &rep) < 0)
		error_clear();
	free(old);
	free(new);
	free(base);
	free(parent);
}

/*
 * The finished workspace in `staging` becomes `dir`. With --force the old
 * one is moved aside under an owner-marked name and goes only now; after a
 * kill between the two renames, the next init of DIR moves it back.
 */
static int place(struct scratch *staging, const char *dir, bool force)
{
	struct scratch trash = SCRATCH_INIT;
	int ret = 0;

	if (fs_exists(dir)) {
		int empty = fs_is_dir(dir) ? fs_dir_is_empty(dir) : 0;

		if (empty == 1) {
			if (rmdir(dir) < 0)
				return error_set_errno(ERR_GENERIC, "cannot replace '%s'", dir);
		} else if (!force) {
			return error_set(ERR_EXISTS, "'%s' already exists and is not empty "
					 "(use --force to replace it)", dir);
		} else if ((ret = beside(&trash, dir, dir, INIT_OLD_SUFFIX)) < 0) {
			return error_prefix(ret, "cannot replace '%s'", dir);
		}
	}
	if (rename(staging->path, dir) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create '%s'", dir);
		if (trash.path && rename(trash.path, dir) == 0)
			scratch_release(&trash);
		else
			scratch_abandon(&trash);   /* the next init of DIR moves it back */
	} else {
		/* The staging name is gone: only its lock file is left to drop. */
		scratch_release(staging);
	}
	scratch_remove(&trash);
	fs_fsync_parent(dir);
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
	struct scratch staging = SCRATCH_INIT;
	char *dir = NULL;
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
	init_sweep(dir, &o->progress);
	if (fs_exists(dir) && !o->force && !(fs_is_dir(dir) && fs_dir_is_empty(dir) == 1)) {
		ret = error_set(ERR_EXISTS, "'%s' already exists and is not empty (use --force to "
				"replace it)", dir);
		goto cleanup;
	}
	ws_info_event(&o->progress, OP, "preparing %s in %s", r.info.nevr, dir);
	r.t = clock_now();
	if ((ret = hash_sha256_file(r.sha256, o->srpm)) < 0)
		goto cleanup;
	/* Owner-marked: a killed init's tree is removed by the next init of DIR. */
	if ((ret = beside(&staging, NULL, dir, INIT_NEW_SUFFIX)) < 0)
		goto cleanup;
	{
		mode_t mask = umask(0);

		umask(mask);
		chmod(staging.path, 0777 & ~mask);
	}
	if ((ret = ws_create(&ws, staging.path)) < 0 || (ret = prepare(&r, ws)) < 0 ||
	    (ret = place(&staging, dir, o->force)) < 0)
		goto cleanup;
	ws_relocate(ws, dir);
	out->workspace = dir;
	dir = NULL;
	out->nevr = xstrdup(r.info.nevr);
	out->qemu_version = r.qemu_version;
	r.qemu_version = NULL;
	memcpy(out->baseline, r.baseline, sizeof(out->baseline));
	out->distribution_patches = r.npatches;
	if (r.dist) {
		out->dist = r.dist;
		out->dist_inferred = r.dist_inferred;
		r.dist = NULL;
	}
	out->release = xstrdup(r.info.release);
	if (ws_out) {
		*ws_out = ws;
		ws = NULL;
	}
cleanup:
	ws_free(ws);
	scratch_remove(&staging);
	srpm_info_release(&r.info);
	free(r.qemu_version);
	free(r.with_dist);
	free(r.dist_define);
	free(r.dist);
	json_object_put(r.missing_macros);
	free(dir);
	return ret;
}

void ws_init_result_release(struct ws_init_result *r)
{
	free(r->workspace);
	free(r->nevr);
	free(r->qemu_version);
	free(r->dist);
	free(r->release);
	memset(r, 0, sizeof(*r));
}
