#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "patch_sync.h"
#include "patchgen/patchgen.h"
#include "specedit/spec.h"
#include "spec_policy.h"
#include "workspace/ws.h"
#include "util/util.h"
#include "util/banned.h"

#define RELEASE_SUFFIX ".qga"
#define MARK "qga-forge: "

struct owned {
	char **names;
	size_t n;
};

static void owned_release(struct owned *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->names[i]);
	free(o->names);
	memset(o, 0, sizeof(*o));
}

/*
 * The names become paths in SOURCES that are deleted when a patch goes
 * away: a name that is not a plain file name (a damaged or edited
 * state.json) is refused rather than followed.
 */
static int load_owned(struct owned *o, struct json_object *st)
{
	struct json_object *arr, *e, *v;
	size_t i;

	memset(o, 0, sizeof(*o));
	if (!json_object_object_get_ex(st, "patches", &arr) || !json_object_is_type(arr, json_type_array))
		return 0;
	o->names = xcalloc(json_object_array_length(arr) + 1, sizeof(*o->names));
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(e, "name", &v) || !json_object_is_type(v, json_type_string))
			continue;
		if (!fs_is_safe_name(json_object_get_string(v)))
			return error_set(ERR_INPUT, "the workspace state names a patch '%s', which is "
					 "not a plain file name; state.json was damaged or edited",
					 json_object_get_string(v));
		o->names[o->n++] = xstrdup(json_object_get_string(v));
	}
	return 0;
}

/* The changelog items: one per command the workspace added. */
static char *changelog_text(struct json_object *st, const struct patchgen_patch *p, size_t n)
{
	struct json_object *cmds, *v;
	struct buf b = BUF_INIT;
	size_t i;

	if (json_object_object_get_ex(st, "commands", &cmds) && json_object_is_type(cmds, json_type_array))
		for (i = 0; i < json_object_array_length(cmds); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(cmds, i), "name", &v))
				buf_printf(&b, "- Add guest agent command '%s' (qga-forge)\n",
					   json_object_get_string(v));
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

static bool same_list(const struct owned *o, const struct patchgen_patch *p, size_t n)
{
	size_t i;

	if (o->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(o->names[i], p[i].name) != 0)
			return false;
	return true;
}

static void swap_text(struct buf *text, struct buf *next)
{
	buf_swap(text, next);
	buf_reset(next);
}

/* Our patches out of the spec, then the series in, in order. */
static int sync_tags(struct buf *text, int *numbers, const char *spec, const struct owned *o,
		     const struct patchgen_patch *p, size_t n)
{
	struct buf next = BUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < o->n; i++) {
		if (!declared(spec, text, o->names[i]))
			continue;
		if ((ret = spec_remove_patch(&next, spec, text, o->names[i])) < 0)
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

static int sync_release(struct buf *text, struct json_object *sync, const char *spec,
			const char *items, int64_t when, const struct spec_query_opts *q,
			struct json_object *report)
{
	struct json_object *v;
	struct buf next = BUF_INIT;
	bool bumped = json_object_object_get_ex(sync, "bumped", &v) && json_object_get_boolean(v);
	const char *header = json_object_object_get_ex(sync, "header", &v) ? json_object_get_string(v) : NULL;
	const char *old_items = json_object_object_get_ex(sync, "changelog", &v) ?
				json_object_get_string(v) : NULL;
	int ret = 0;

	if (!bumped) {
		struct spec_bump_opts bo;
		struct spec_bump_result br;

		memset(&bo, 0, sizeof(bo));
		bo.changelog = items;
		bo.suffix = RELEASE_SUFFIX;
		bo.now = when;
		bo.query = q;
		if ((ret = spec_bump(&next, &br, spec, text, &bo)) < 0)
			goto out;
		json_object_object_add(sync, "bumped", json_object_new_boolean(true));
		json_object_object_add(sync, "header", br.header ? json_object_new_string(br.header) : NULL);
		json_object_object_add(sync, "changelog", json_object_new_string(items));
		json_object_object_add(report, "changelog", br.header ? json_object_new_string(br.header) : NULL);
		spec_bump_result_release(&br);
		swap_text(text, &next);
		goto out;
	}
	json_object_object_add(report, "changelog", header ? json_object_new_string(header) : NULL);
	if (header && (!old_items || strcmp(old_items, items) != 0)) {
		ret = spec_changelog_set_entry(&next, spec, text, header, items);
		if (ret == ERR_NOTFOUND) {
			/* The entry was edited by hand: it is the user's now. */
			error_clear();
			ret = 0;
			goto out;
		}
		if (ret < 0)
			goto out;
		json_object_object_add(sync, "changelog", json_object_new_string(items));
		swap_text(text, &next);
	}
out:
	buf_release(&next);
	return ret;
}

static const char **state_defines(struct json_object *st)
{
	struct json_object *defs;
	const char **out;
	size_t i, n;

	if (!json_object_object_get_ex(st, "defines", &defs) || !json_object_is_type(defs, json_type_array))
		return NULL;
	n = json_object_array_length(defs);
	out = xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = json_object_get_string(json_object_array_get_idx(defs, i));
	return out;
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

int patch_sync(struct ws *ws, struct json_object **report_out)
{
	struct json_object *st = ws_state(ws), *v, *sync = NULL, *report = json_object_new_object();
	struct json_object *plist = NULL, *removed = json_object_new_array(), *rpatches;
	const char *spec = ws_spec_path(ws), *base;
	struct patchgen_series_opts so;
	struct patchgen_patch *p = NULL;
	struct spec_query_opts q;
	struct spec_info info;
	struct owned owned;
	struct buf orig = BUF_INIT, text = BUF_INIT;
	struct ws_txn *t = NULL;
	const char **defines = NULL, **names = NULL;
	char *sourcedir = NULL, *items = NULL;
	int *numbers = NULL, ret;
	size_t n = 0, i;
	int64_t when = 0;
	bool files_changed = false, changed;
	struct stat sst;

	memset(&owned, 0, sizeof(owned));
	memset(&info, 0, sizeof(info));
	if (report_out)
		*report_out = NULL;
	if (!spec) {
		ret = error_set(ERR_INPUT, "the workspace '%s' has no spec yet: run 'qga-forge init'",
				ws_root(ws));
		goto out;
	}
	if ((ret = spec_policy_check(spec, NULL, false)) < 0)
		goto out;
	base = json_object_object_get_ex(st, "baseline", &v) ? json_object_get_string(v) :
	       "refs/heads/" PATCHGEN_UPSTREAM;
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
	if ((ret = load_owned(&owned, st)) < 0)
		goto out;
	numbers = xcalloc(n + 1, sizeof(*numbers));
	names = xcalloc(n + 1, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = p[i].name;
	defines = state_defines(st);
	memset(&q, 0, sizeof(q));
	q.defines = defines;
	if (n == 0 && owned.n == 0) {
		/* No commits and nothing of ours in the spec: nothing to do. */
		json_object_object_add(report, "patches", json_object_new_array());
		json_object_object_add(report, "removed", removed);
		removed = NULL;
		json_object_object_add(report, "changed", json_object_new_boolean(false));
		json_object_object_add(report, "changelog", NULL);
		if (report_out) {
			*report_out = report;
			report = NULL;
		}
		ret = 0;
		goto out;
	}

	/* Tags and %prep lines: rewritten only when the list of patches changed. */
	current_numbers(numbers, spec, &text, p, n);
	for (i = 0; i < n; i++)
		if (numbers[i] < 0)
			break;
	if (!same_list(&owned, p, n) || i < n) {
		if ((ret = sync_tags(&text, numbers, spec, &owned, p, n)) < 0)
			goto out;
	}
	if (!json_object_object_get_ex(st, "spec_sync", &sync) || !json_object_is_type(sync, json_type_object))
		sync = NULL;
	sync = sync ? json_object_get(sync) : json_object_new_object();
	/* work on a copy: the state changes only when the transaction commits */
	{
		struct json_object *copy = NULL;

		json_object_deep_copy(sync, &copy, NULL);
		json_object_put(sync);
		sync = copy;
	}
	if (n > 0 || owned.n > 0) {
		items = changelog_text(st, p, n);
		if ((ret = sync_release(&text, sync, spec, items, when, &q, report)) < 0)
			goto out;
	}
	if (n > 0 && (ret = spec_verify_patches(spec, &text, names, n, &q)) < 0) {
		error_prefix(ret, "the spec would not apply the series");
		goto out;
	}
	if ((ret = spec_query(&info, spec, &text, &q)) < 0)
		goto out;

	sourcedir = spec_sourcedir(spec);
	if ((ret = ws_txn_begin(&t, ws)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		char *path = fs_path_join(sourcedir, p[i].name);

		if (!same_file(path, p[i].data, p[i].len)) {
			ret = ws_txn_put(t, path, p[i].data, p[i].len, 0644);
			files_changed = true;
		}
		free(path);
		if (ret < 0)
			goto out;
	}
	for (i = 0; i < owned.n; i++) {
		size_t j;
		char *path;

		for (j = 0; j < n; j++)
			if (!strcmp(owned.names[i], p[j].name))
				break;
		if (j < n)
			continue;
		json_object_array_add(removed, json_object_new_string(owned.names[i]));
		path = fs_path_join(sourcedir, owned.names[i]);
		if (fs_exists(path)) {
			ret = ws_txn_delete(t, path);
			files_changed = true;
		}
		free(path);
		if (ret < 0)
			goto out;
	}
	changed = files_changed || text.len != orig.len || memcmp(text.ptr, orig.ptr, orig.len) != 0 ||
		  !same_list(&owned, p, n);
	plist = json_object_new_array();
	rpatches = json_object_new_array();
	json_object_object_add(report, "patches", rpatches);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		char sha[65];

		hash_sha256_hex(sha, p[i].data, p[i].len);
		json_object_object_add(e, "name", json_object_new_string(p[i].name));
		json_object_object_add(e, "number", json_object_new_int(numbers[i]));
		json_object_object_add(e, "commit", json_object_new_string(p[i].commit));
		json_object_object_add(e, "subject", json_object_new_string(p[i].subject));
		json_object_object_add(e, "sha256", json_object_new_string(sha));
		json_object_array_add(plist, json_object_get(e));
		json_object_array_add(rpatches, e);
	}
	if (!json_object_equal(plist, json_object_object_get_ex(st, "patches", &v) ? v : NULL) ||
	    !json_object_equal(sync, json_object_object_get_ex(st, "spec_sync", &v) ? v : NULL))
		changed = true;
	if (changed) {
		if (text.len != orig.len || memcmp(text.ptr, orig.ptr, orig.len) != 0) {
			if ((ret = ws_txn_put(t, spec, text.ptr, text.len,
					      stat(spec, &sst) == 0 ? sst.st_mode & 07777 : 0644)) < 0)
				goto out;
		}
		json_object_object_add(st, "patches", plist);
		json_object_object_add(st, "spec_sync", sync);
		plist = NULL;
		sync = NULL;
		ret = ws_txn_commit(t);
		t = NULL;
		if (ret < 0)
			goto out;
	}
	json_object_object_add(report, "removed", removed);
	removed = NULL;
	json_object_object_add(report, "changed", json_object_new_boolean(changed));
	{
		char *evr = xasprintf("%s%s%s-%s", info.epoch ? info.epoch : "", info.epoch ? ":" : "",
				      info.version, info.release);

		json_object_object_add(report, "release", json_object_new_string(evr));
		free(evr);
	}
	if (!json_object_object_get_ex(report, "changelog", &v))
		json_object_object_add(report, "changelog", NULL);
	if (report_out) {
		*report_out = report;
		report = NULL;
	}
	ret = 0;
out:
	if (t)
		ws_txn_abort(t);
	json_object_put(report);
	json_object_put(removed);
	json_object_put(plist);
	json_object_put(sync);
	spec_info_release(&info);
	owned_release(&owned);
	patchgen_series_free(p, n);
	buf_release(&orig);
	buf_release(&text);
	free(defines);
	free(names);
	free(numbers);
	free(sourcedir);
	free(items);
	return ret;
}
