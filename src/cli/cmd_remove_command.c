#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "add_command.h"
#include "patchgen/patchgen.h"
#include "schemaedit/qapi.h"
#include "workspace/ws.h"
#include "util/banned.h"

/*
 * remove-command: take back what add-command did, by dropping its commit
 * from `forge` (later commits are replayed onto its parent) and moving the
 * branch and the work tree there in one transaction. Commands that came
 * with the vendor's tree are not ours to remove.
 */

#define SCHEMA_PATH "qga/qapi-schema.json"

static const char *str_field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Is `name` declared in the work tree's schema? (For a clearer refusal.) */
static bool in_schema(struct ws *ws, const char *name)
{
	char *p = fs_path_join(ws_src_dir(ws), SCHEMA_PATH);
	struct buf b = BUF_INIT;
	struct qapi_schema *s = NULL;
	struct qapi_version v;
	bool found = false;

	if (!fs_read_file(&b, p) &&
	    !qapi_version_parse(&v, ws_qemu_version(ws) ? ws_qemu_version(ws) : "99.0") &&
	    !qapi_schema_parse(&s, SCHEMA_PATH, b.ptr, b.len, &v))
		found = qapi_schema_find(s, name) != NULL;
	qapi_schema_free(s);
	buf_release(&b);
	free(p);
	error_clear();
	return found;
}

/* "qga: add a, b and c" names `name`? */
static bool subject_names(const char *subject, const char *name)
{
	const char *p = subject + 9, *end;
	size_t n = strlen(name);

	if (strncmp(subject, "qga: add ", 9))
		return false;
	while (*p) {
		end = p + strcspn(p, ", ");
		if ((size_t)(end - p) == n && !strncmp(p, name, n))
			return true;
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
		if (!strncmp(p, "and ", 4))
			p += 4;
	}
	return false;
}

/*
 * The commit that added the command: the recorded id when it is still on
 * upstream..forge, else (history rewritten with plain git) the commit whose
 * subject add-command wrote. *pos is its index in the list.
 */
static int find_commit(size_t *pos, char (*list)[41], size_t n, const char *repo,
		       const char *recorded, const char *name)
{
	char *want = xasprintf("qga: add %s", name);
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++)
		if (recorded && !strcmp(list[i], recorded)) {
			*pos = i;
			goto out;
		}
	for (i = 0; i < n; i++) {
		char *subject = NULL;
		bool match;

		if ((ret = patchgen_commit_subject(&subject, repo, list[i])) < 0)
			goto out;
		match = !strcmp(subject, want) || subject_names(subject, name);
		free(subject);
		if (match) {
			*pos = i;
			goto out;
		}
	}
	ret = error_set(ERR_NOTFOUND,
			"the commit that added '%s' (%.12s) is no longer on branch forge; "
			"remove it with git, then edit the workspace state",
			name, recorded ? recorded : "unknown");
out:
	free(want);
	return ret;
}

struct blob_source {
	const char *repo;
	const char *commit;
};

static int read_blob(struct buf *out, void *arg, const char *rel)
{
	const struct blob_source *b = arg;

	return patchgen_read_blob(out, b->repo, b->commit, rel);
}

/* The state entry of a command added by commit `hex` (the first one), or NULL. */
static struct json_object *entry_of_commit(struct json_object *cmds, const char *hex)
{
	size_t i;

	for (i = 0; i < json_object_array_length(cmds); i++) {
		struct json_object *e = json_object_array_get_idx(cmds, i);
		const char *c = str_field(e, "commit");

		if (c && !strcmp(c, hex))
			return e;
	}
	return NULL;
}

/*
 * Each add-command commit appends to the same places (the end of the
 * schema and of commands-*.c), so a later one touches an earlier one's
 * lines and a plain replay conflicts. When every later commit was made by
 * add-command, rebuild them instead: run the pipeline again on the new
 * parent with the inputs recorded in the state. new_ids[k] receives the
 * new id of later commit k.
 */
static int rebuild_later(char out_hex[41], char (*new_ids)[41], struct ws *ws,
			 struct json_object *cmds, char (*list)[41], size_t n, size_t pos,
			 const char *parent)
{
	struct qapi_version v;
	struct patchgen_sig sig;
	char cur[41];
	size_t k;
	int ret;

	if ((ret = qapi_version_parse(&v, ws_qemu_version(ws) ? ws_qemu_version(ws) : "")) < 0)
		return ret;
	for (k = pos + 1; k < n; k++) {
		struct json_object *e = entry_of_commit(cmds, list[k]);
		struct addcmd_input in;

		if (!e || !addcmd_input_from_entry(&in, e)) {
			char *subject = NULL;

			patchgen_commit_subject(&subject, ws_src_dir(ws), list[k]);
			ret = error_set(ERR_INPUT,
					"the later commits touch the same lines, and commit %.12s ('%s') was not made by add-command; rework it with git first",
					list[k], subject ? subject : "?");
			free(subject);
			return ret;
		}
	}
	memcpy(cur, parent, sizeof(cur));
	ws_default_sig(&sig);
	for (k = pos + 1; k < n; k++) {
		struct json_object *e = entry_of_commit(cmds, list[k]);
		struct blob_source src = { ws_src_dir(ws), cur };
		struct addcmd_result r;
		struct addcmd_input in;
		char next[41];

		addcmd_input_from_entry(&in, e);
		ret = addcmd_prepare(&r, &in, &v, read_blob, &src);
		if (ret) {
			error_prefix(ret, "cannot rebuild commit %.12s ('%s')", list[k], str_field(e, "name"));
			return ret;
		}
		ret = patchgen_make_commit(next, ws_src_dir(ws), cur, r.changes, r.n, r.message, &sig);
		addcmd_result_release(&r);
		if (ret)
			return ret;
		memcpy(cur, next, sizeof(cur));
		memcpy(new_ids[k], next, sizeof(cur));
	}
	memcpy(out_hex, cur, 41);
	return 0;
}

static int remove_command(const char *name, struct json_object *removed)
{
	struct ws *ws = NULL;
	struct ws_txn *t = NULL;
	struct json_object *st, *cmds = NULL, *keep = NULL;
	char (*list)[41] = NULL, (*new_ids)[41] = NULL;
	size_t n = 0, i, pos = 0, idx = (size_t)-1;
	char head[41], new_head[41], dropped[41], parent[41];
	struct buf what = BUF_INIT;
	const char *src;
	int ret;

	if ((ret = ws_open(&ws, cli_opts.workspace)) < 0)
		goto out;
	src = ws_src_dir(ws);
	ret = patchgen_is_clean(src, &what);
	if (ret == 0) {
		buf_rtrim(&what);
		ret = error_set(ERR_INPUT,
				"the work tree '%s' has uncommitted changes (%s); commit or discard them first",
				src, what.len ? what.ptr : "see git status");
		goto out;
	}
	if (ret < 0)
		goto out;
	st = ws_state(ws);
	if (json_object_object_get_ex(st, "commands", &cmds) &&
	    json_object_is_type(cmds, json_type_array)) {
		for (i = 0; i < json_object_array_length(cmds); i++) {
			const char *nm = str_field(json_object_array_get_idx(cmds, i), "name");

			if (nm && !strcmp(nm, name))
				idx = i;
		}
	} else {
		cmds = NULL;
	}
	if (idx == (size_t)-1) {
		if (in_schema(ws, name))
			ret = error_set(ERR_INPUT,
					"'%s' was not added by qga-forge (it comes with the source package); refusing to remove it",
					name);
		else
			ret = error_set(ERR_NOTFOUND, "no command '%s' in the workspace", name);
		goto out;
	}
	if ((ret = patchgen_resolve(head, src, "refs/heads/" PATCHGEN_FORGE)) < 0 ||
	    (ret = patchgen_list_commits(&list, &n, src, PATCHGEN_UPSTREAM, head)) < 0 ||
	    (ret = find_commit(&pos, list, n, src,
			       str_field(json_object_array_get_idx(cmds, idx), "commit"), name)) < 0)
		goto out;
	memcpy(dropped, list[pos], sizeof(dropped));
	if (pos > 0)
		memcpy(parent, list[pos - 1], sizeof(parent));
	else if ((ret = patchgen_resolve(parent, src, "refs/heads/" PATCHGEN_UPSTREAM)) < 0)
		goto out;

	new_ids = xcalloc(n + 1, sizeof(*new_ids));
	ret = patchgen_drop_commit(new_head, src, head, dropped);
	if (ret == 0) {
		char (*after)[41] = NULL;
		size_t n_after = 0;

		ret = patchgen_list_commits(&after, &n_after, src, PATCHGEN_UPSTREAM, new_head);
		if (!ret && n_after + 1 != n)
			ret = error_set(ERR_BUG, "dropping %.12s left %zu commits of %zu", dropped, n_after, n);
		for (i = pos + 1; !ret && i < n; i++)
			memcpy(new_ids[i], after[i - 1], sizeof(new_ids[i]));
		free(after);
	} else {
		ret = rebuild_later(new_head, new_ids, ws, cmds, list, n, pos, parent);
		if (ret)
			error_prefix(ret, "cannot remove '%s'", name);
	}
	if (ret)
		goto out;

	/* The state: entries of the dropped commit go, later ones get their new ids. */
	keep = json_object_new_array();
	for (i = 0; i < json_object_array_length(cmds); i++) {
		struct json_object *e = json_object_array_get_idx(cmds, i);
		const char *cm = str_field(e, "commit");
		size_t k;

		if (cm && !strcmp(cm, dropped)) {
			json_object_array_add(removed, json_object_get(e));
			continue;
		}
		for (k = pos + 1; cm && k < n; k++)
			if (!strcmp(list[k], cm)) {
				json_object_object_add(e, "commit", json_object_new_string(new_ids[k]));
				break;
			}
		json_object_array_add(keep, json_object_get(e));
	}
	if ((ret = ws_txn_begin(&t, ws)) < 0 || (ret = ws_stage_head_move(ws, t, new_head)) < 0)
		goto out;
	json_object_object_add(st, "commands", keep);
	keep = NULL;
	ret = ws_txn_commit(t);
	t = NULL;
out:
	if (t)
		ws_txn_abort(t);
	json_object_put(keep);
	free(list);
	free(new_ids);
	buf_release(&what);
	ws_free(ws);
	return ret;
}

int cmd_remove_command(int argc, const char **argv)
{
	struct poptOption table[] = {
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct json_object *removed = json_object_new_array();
	const char **pos;
	poptContext ctx;
	int status, nargs, ret;

	ctx = cli_parse(&status, "remove-command", argc, argv, table, "NAME");
	if (!ctx) {
		json_object_put(removed);
		return status;
	}
	pos = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("remove-command", nargs ? "one NAME at a time" : "a command NAME is required");
		goto out;
	}
	ret = remove_command(pos[0], removed);
	if (ret < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "removed", json_object_get(removed));
		cli_print_json(r);
		json_object_put(r);
	} else if (!cli_opts.quiet) {
		size_t i;

		for (i = 0; i < json_object_array_length(removed); i++) {
			struct json_object *e = json_object_array_get_idx(removed, i);
			const char *c = str_field(e, "commit");

			printf("removed %s (commit %.12s)\n", str_field(e, "name"), c ? c : "?");
		}
	}
	status = cli_finish(0);
out:
	json_object_put(removed);
	poptFreeContext(ctx);
	return status;
}
