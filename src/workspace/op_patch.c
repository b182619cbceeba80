/*
 * patch: the commits upstream..forge become the spec's patch series (see
 * workspace.h). The spec is edited as text through specedit, checked by
 * rpm, and written with the patches and the state in one transaction.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "internal.h"
#include "rpc_policy.h"
#include "specedit/spec.h"
#include "util/banned.h"

#define RELEASE_SUFFIX ".qga"
#define MARK "qga-forge: "

/* What the Release bump and changelog entry look like after this run. */
struct sync {
	bool bumped;
	char *header, *changelog;
};

/*
 * The names become paths in SOURCES that are deleted when a patch goes
 * away: a name that is not a plain file name (a damaged or edited
 * state.json) is refused rather than followed.
 */
static int check_owned(const struct ws_state *st)
{
	size_t i;

	for (i = 0; i < st->npatches; i++)
		if (!fs_is_safe_name(st->patches[i].name))
			return error_set(ERR_INPUT, "the workspace state names a patch '%s', which is "
					 "not a plain file name; state.json was damaged or edited",
					 st->patches[i].name);
	return 0;
}

/* The changelog items: one per command the workspace added. */
static char *changelog_text(const struct ws_state *st, const struct patchgen_patch *p, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < st->ncommands; i++) {
		bool hmp;

		if (ws_command_is_qmp(&st->commands[i], &hmp))
			buf_printf(&b, "- Add QEMU monitor command '%s' (QMP%s, qga-forge)\n",
				   st->commands[i].name, hmp ? " and HMP" : "");
		else
			buf_printf(&b, "- Add guest agent command '%s' (qga-forge)\n", st->commands[i].name);
	}
	if (!b.len)
		for (i = 0; i < n; i++)
			buf_printf(&b, "- %s (qga-forge)\n", p[i].subject);
	if (!b.len)
		buf_puts(&b, "- Rebuilt by qga-forge without added commands\n");
	return buf_detach(&b, NULL);
}

static bool declared(const char *spec, const struct buf *text, const char *name)
{
	struct spec_layout l;
	bool found = false;
	size_t i;

	if (spec_layout(&l, spec, text) < 0)
		return false;
	for (i = 0; i < l.npatches; i++)
		if (!strcmp(l.patches[i].value, name))
			found = true;
	spec_layout_release(&l);
	return found;
}

static bool same_list(const struct ws_state *st, const struct patchgen_patch *p, size_t n)
{
	size_t i;

	if (st->npatches != n)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(st->patches[i].name, p[i].name) != 0)
			return false;
	return true;
}

static void swap_text(struct buf *text, struct buf *next)
{
	buf_swap(text, next);
	buf_reset(next);
}

/* Our patches out of the spec, then the series in, in order. */
static int sync_tags(struct buf *text, int *numbers, const char *spec, const struct ws_state *st,
		     const struct patchgen_patch *p, size_t n)
{
	struct buf next = BUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < st->npatches; i++) {
		if (!declared(spec, text, st->patches[i].name))
			continue;
		if ((ret = spec_remove_patch(&next, spec, text, st->patches[i].name)) < 0)
			goto out;
		swap_text(text, &next);
	}
	for (i = 0; i < n; i++) {
		struct spec_add_patch_opts ao;
		struct spec_add_patch_result res;
		char *comment = xasprintf(MARK "%s", p[i].name);

		memset(&ao, 0, sizeof(ao));
		ao.name = p[i].name;
		ao.comment = comment;
		ao.patch_data = p[i].data;
		ao.patch_len = p[i].len;
		ret = spec_add_patch(&next, &res, spec, text, &ao);
		free(comment);
		if (ret < 0)
			goto out;
		numbers[i] = res.number;
		spec_add_patch_result_release(&res);
		swap_text(text, &next);
	}
out:
	buf_release(&next);
	return ret;
}

/* Numbers of our patches as the spec declares them now (when the tags were kept). */
static void current_numbers(int *numbers, const char *spec, const struct buf *text,
			    const struct patchgen_patch *p, size_t n)
{
	struct spec_layout l;
	size_t i, j;

	for (i = 0; i < n; i++)
		numbers[i] = -1;
	if (spec_layout(&l, spec, text) < 0)
		return;
	for (i = 0; i < n; i++)
		for (j = 0; j < l.npatches; j++)
			if (!strcmp(l.patches[j].value, p[i].name))
				numbers[i] = l.patches[j].number;
	spec_layout_release(&l);
}

static int sync_release(struct buf *text, struct sync *sync, const char *spec, const char *items,
			int64_t when, const struct spec_query_opts *q, struct ws_patch_result *res)
{
	struct buf next = BUF_INIT;
	int ret = 0;

	if (!sync->bumped) {
		struct spec_bump_opts bo;
		struct spec_bump_result br;

		memset(&bo, 0, sizeof(bo));
		bo.changelog = items;
		bo.suffix = RELEASE_SUFFIX;
		bo.now = when;
		bo.query = q;
		if ((ret = spec_bump(&next, &br, spec, text, &bo)) < 0)
			goto out;
		sync->bumped = true;
		ws_state_set_str(&sync->header, br.header);
		ws_state_set_str(&sync->changelog, items);
		ws_state_set_str(&res->changelog, br.header);
		spec_bump_result_release(&br);
		swap_text(text, &next);
		goto out;
	}
	ws_state_set_str(&res->changelog, sync->header);
	if (sync->header && (!sync->changelog || strcmp(sync->changelog, items) != 0)) {
		ret = spec_changelog_set_entry(&next, spec, text, sync->header, items);
		if (ret == ERR_NOTFOUND) {
			/* The entry was edited by hand: it is the user's now. */
			error_clear();
			ret = 0;
			goto out;
		}
		if (ret < 0)
			goto out;
		ws_state_set_str(&sync->changelog, items);
		swap_text(text, &next);
	}
out:
	buf_release(&next);
	return ret;
}

static bool same_file(const char *path, const char *data, size_t len)
{
	struct buf cur = BUF_INIT;
	bool same;

	buf_set_cap(&cur, len + 1);
	same = fs_read_file(&cur, path) == 0 && cur.len == len && !memcmp(cur.ptr, data, len);
	buf_release(&cur);
	error_clear();
	return same;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_patches(const struct ws_state *st, const struct ws_patch *v, size_t n)
{
	size_t i;

	if (!st->has_patches || st->npatches != n)
		return false;
	for (i = 0; i < n; i++)
		if (!str_eq(st->patches[i].name, v[i].name) || st->patches[i].number != v[i].number ||
		    !str_eq(st->patches[i].commit, v[i].commit) ||
		    !str_eq(st->patches[i].subject, v[i].subject) ||
		    !str_eq(st->patches[i].sha256, v[i].sha256))
			return false;
	return true;
}

static bool same_sync(const struct ws_state *st, const struct sync *s)
{
	return st->has_spec_sync && st->sync_bumped == s->bumped &&
	       str_eq(st->sync_header, s->header) && str_eq(st->sync_changelog, s->changelog);
}

static void add_removed(struct ws_patch_result *r, const char *name)
{
	r->removed = xrealloc(r->removed, (r->nremoved + 2) * sizeof(*r->removed));
	r->removed[r->nremoved++] = xstrdup(name);
	r->removed[r->nremoved] = NULL;
}

/* The patches for the state and the result, numbered as the spec has them now. */
static struct ws_patch *series_entries(const struct patchgen_patch *p, const int *numbers, size_t n)
{
	struct ws_patch *v = xcalloc(n + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++) {
		char sha[65];

		hash_sha256_hex(sha, p[i].data, p[i].len);
		v[i].name = xstrdup(p[i].name);
		v[i].number = numbers[i];
		v[i].commit = xstrdup(p[i].commit);
		v[i].subject = xstrdup(p[i].subject);
		v[i].sha256 = xstrdup(sha);
	}
	return v;
}

/* Stage the patch files that changed and the deletion of ours that went. */
static int stage_files(struct ws_txn *t, bool *changed, struct ws_patch_result *res,
		       const char *sourcedir, const struct ws_state *st,
		       const struct patchgen_patch *p, size_t n)
{
	size_t i, j;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		char *path = fs_path_join(sourcedir, p[i].name);

		if (!same_file(path, p[i].data, p[i].len)) {
			ret = ws_txn_put(t, path, p[i].data, p[i].len, 0644);
			*changed = true;
		}
		free(path);
	}
	for (i = 0; i < st->npatches && !ret; i++) {
		char *path;

		for (j = 0; j < n; j++)
			if (!strcmp(st->patches[i].name, p[j].name))
				break;
		if (j < n)
			continue;
		add_removed(res, st->patches[i].name);
		path = fs_path_join(sourcedir, st->patches[i].name);
		if (fs_exists(path)) {
			ret = ws_txn_delete(t, path);
			*changed = true;
		}
		free(path);
	}
	return ret;
}

/* The commands the workspace added, for rpc_policy_sync(). */
static int policy_hook(struct rpc_policy_result *pol, const struct ws_state *st, const char *spec,
		       struct buf *text, struct json_object *prev, const struct spec_query_opts *q)
{
	const char **names = xcalloc(st->ncommands + 1, sizeof(*names));
	char *sourcedir = spec_sourcedir(spec);
	size_t i, n = 0;
	int ret;

	/* The agent's allow-list is for agent commands; monitor commands are QEMU's. */
	for (i = 0; i < st->ncommands; i++)
		if (!ws_command_is_qmp(&st->commands[i], NULL))
			names[n++] = st->commands[i].name;
	ret = rpc_policy_sync(pol, spec, text, sourcedir, names, n, prev, q);
	free(sourcedir);
	free(names);
	return ret;
}

/* The policy files rpc_policy_sync() wrote or took back, into the transaction. */
static int stage_policy_files(struct ws_txn *t, bool *changed, const struct rpc_policy_result *pol)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < pol->nfiles && ret == 0; i++) {
		const struct rpc_policy_file *f = &pol->files[i];

		if (f->remove ? !fs_exists(f->path) : same_file(f->path, f->data.ptr, f->data.len))
			continue;
		ret = f->remove ? ws_txn_delete(t, f->path)
				: ws_txn_put(t, f->path, f->data.ptr, f->data.len, 0644);
		*changed = true;
	}
	return ret;
}

int ws_op_patch(struct ws *ws, struct ws_patch_result *out)
{
	const struct ws_state *st = ws_info(ws);
	const char *spec = ws_spec_path(ws), *base;
	struct patchgen_series_opts so;
	struct patchgen_patch *p = NULL;
	struct ws_patch *entries = NULL;
	struct spec_query_opts q;
	struct spec_info info;
	struct sync sync = { false, NULL, NULL };
	struct buf orig = BUF_INIT, text = BUF_INIT;
	struct ws_txn *t = NULL;
	const char **names = NULL;
	char *sourcedir = NULL, *items = NULL;
	int *numbers = NULL, ret;
	size_t n = 0, i;
	int64_t when = 0;
	bool changed = false, spec_changed;
	struct stat sst;
	struct rpc_policy_result pol;
	struct json_object *prev_pol = NULL;

	memset(&pol, 0, sizeof(pol));
	memset(out, 0, sizeof(*out));
	memset(&info, 0, sizeof(info));
	if (!spec) {
		ret = error_set(ERR_INPUT, "the workspace '%s' has no spec yet: run 'qga-forge init'",
				ws_root(ws));
		goto out;
	}
	if ((ret = spec_policy_check(spec, NULL, false)) < 0)
		goto out;
	/* rpm >= 4.20 rejects %patchN: a step of its own, saved before the sync. */
	if ((ret = ws_convert_patchn(ws, spec, "patch", &out->patchn_converted)) < 0 ||
	    (out->patchn_converted && (ret = ws_save_state(ws)) < 0))
		goto out;
	if (out->patchn_converted) {
		int v = spec_rpm_version();

		out->patchn_note = xasprintf("qga-forge: rpm %d.%d rejects %%patchN: rewrote %zu line%s "
					     "of the spec as '%%patch -P N' (recorded in the workspace "
					     "state)", v / 10000, v / 100 % 100, out->patchn_converted,
					     out->patchn_converted == 1 ? "" : "s");
	}
	base = st->baseline ? st->baseline : "refs/heads/" PATCHGEN_UPSTREAM;
	memset(&so, 0, sizeof(so));
	so.diffstat = true;
	if ((ret = patchgen_export_series(&p, &n, ws_src_dir(ws), base, "refs/heads/" PATCHGEN_FORGE,
					  &so)) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (p[i].when > when)
			when = p[i].when;
	buf_set_cap(&orig, SPEC_CAP);
	if ((ret = fs_read_file(&orig, spec)) < 0)
		goto out;
	buf_put(&text, orig.ptr, orig.len);
	if ((ret = check_owned(st)) < 0)
		goto out;
	numbers = xcalloc(n + 1, sizeof(*numbers));
	names = xcalloc(n + 1, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = p[i].name;
	memset(&q, 0, sizeof(q));
	q.defines = (const char *const *)st->defines;
	if (n == 0 && st->npatches == 0) {
		/* No commits and nothing of ours in the spec: nothing to do. */
		ret = 0;
		goto out;
	}

	/* Tags and %prep lines: rewritten only when the list of patches changed. */
	current_numbers(numbers, spec, &text, p, n);
	for (i = 0; i < n; i++)
		if (numbers[i] < 0)
			break;
	if (!same_list(st, p, n) || i < n) {
		if ((ret = sync_tags(&text, numbers, spec, st, p, n)) < 0)
			goto out;
	}
	/* Work on a copy: the state changes only when the transaction commits. */
	sync.bumped = st->sync_bumped;
	ws_state_set_str(&sync.header, st->sync_header);
	ws_state_set_str(&sync.changelog, st->sync_changelog);
	/* RPC policy hook: the policy the package ships lets the added commands through. */
	json_object_object_get_ex(ws_state(ws), "rpc_policy", &prev_pol);
	if ((ret = policy_hook(&pol, st, spec, &text, prev_pol, &q)) < 0)
		goto out;
	items = changelog_text(st, p, n);
	if (pol.changelog) {
		char *all = xasprintf("%s%s", items, pol.changelog);

		free(items);
		items = all;
	}
	if ((ret = sync_release(&text, &sync, spec, items, when, &q, out)) < 0)
		goto out;
	if (n > 0 && (ret = spec_verify_patches(spec, &text, names, n, &q)) < 0) {
		error_prefix(ret, "the spec would not apply the series");
		goto out;
	}
	if ((ret = spec_query(&info, spec, &text, &q)) < 0)
		goto out;

	sourcedir = spec_sourcedir(spec);
	if ((ret = ws_txn_begin(&t, ws)) < 0 ||
	    (ret = stage_files(t, &changed, out, sourcedir, st, p, n)) < 0 ||
	    (ret = stage_policy_files(t, &changed, &pol)) < 0)
		goto out;
	if (!json_object_equal(pol.state, prev_pol))
		changed = true;
	spec_changed = text.len != orig.len || memcmp(text.ptr, orig.ptr, orig.len) != 0;
	entries = series_entries(p, numbers, n);
	if (spec_changed || !same_list(st, p, n) || !same_patches(st, entries, n) || !same_sync(st, &sync))
		changed = true;
	out->patches = xcalloc(n + 1, sizeof(*out->patches));
	for (i = 0; i < n; i++)
		ws_patch_copy(&out->patches[out->npatches++], &entries[i]);
	if (changed) {
		struct ws_state *w = ws_edit(ws);

		if (spec_changed &&
		    (ret = ws_txn_put(t, spec, text.ptr, text.len,
				      stat(spec, &sst) == 0 ? sst.st_mode & 07777 : 0644)) < 0)
			goto out;
		ws_patches_free(w->patches, w->npatches);
		w->patches = entries;
		w->npatches = n;
		w->has_patches = true;
		entries = NULL;
		w->has_spec_sync = true;
		w->sync_bumped = sync.bumped;
		free(w->sync_header);
		free(w->sync_changelog);
		w->sync_header = sync.header;
		w->sync_changelog = sync.changelog;
		sync.header = sync.changelog = NULL;
		/* state "rpc_policy": a key of its own, beside the typed state */
		if (pol.state)
			json_object_object_add(ws_state(ws), "rpc_policy", json_object_get(pol.state));
		else
			json_object_object_del(ws_state(ws), "rpc_policy");
		ret = ws_txn_commit(t);
		t = NULL;
		if (ret < 0)
			goto out;
	}
	out->changed = changed;
	out->release = xasprintf("%s%s%s-%s", info.epoch ? info.epoch : "", info.epoch ? ":" : "",
				 info.version, info.release);
	ret = 0;
out:
	if (t)
		ws_txn_abort(t);
	rpc_policy_result_release(&pol);
	if (ret)
		ws_patch_result_release(out);
	ws_patches_free(entries, n);
	free(sync.header);
	free(sync.changelog);
	spec_info_release(&info);
	patchgen_series_free(p, n);
	buf_release(&orig);
	buf_release(&text);
	free(names);
	free(numbers);
	free(sourcedir);
	free(items);
	return ret;
}

void ws_patch_result_release(struct ws_patch_result *r)
{
	size_t i;

	ws_patches_free(r->patches, r->npatches);
	for (i = 0; i < r->nremoved; i++)
		free(r->removed[i]);
	free(r->removed);
	free(r->release);
	free(r->changelog);
	free(r->patchn_note);
	memset(r, 0, sizeof(*r));
}

struct json_object *ws_patch_result_json(const struct ws_patch_result *r)
{
	struct json_object *j = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < r->npatches; i++)
		json_object_array_add(arr, ws_patch_json(&r->patches[i]));
	json_object_object_add(j, "patches", arr);
	arr = json_object_new_array();
	for (i = 0; i < r->nremoved; i++)
		json_object_array_add(arr, json_object_new_string(r->removed[i]));
	json_object_object_add(j, "removed", arr);
	json_object_object_add(j, "changed", json_object_new_boolean(r->changed));
	if (r->release)
		json_object_object_add(j, "release", json_object_new_string(r->release));
	json_object_object_add(j, "changelog", r->changelog ? json_object_new_string(r->changelog) : NULL);
	return j;
}
