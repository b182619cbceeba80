/*
 * remove-command: take back what add-command did, by dropping its commit
 * from `forge` (later commits are replayed onto its parent) and moving the
 * branch and the work tree there in one transaction. Commands that came
 * with the vendor's tree are not ours to remove.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/banned.h"

/* Is `name` declared in the work tree's schema? (For a clearer refusal.) */
static bool in_schema(struct ws *ws, const char *name)
{
	char *p = fs_path_join(ws_src_dir(ws), WS_SCHEMA_PATH);
	struct buf b = BUF_INIT;
	struct qapi_schema *s = NULL;
	struct qapi_version v;
	bool found = false;

	if (!fs_read_file(&b, p) &&
	    !qapi_version_parse(&v, ws_info(ws)->qemu_version ? ws_info(ws)->qemu_version : "99.0") &&
	    !qapi_schema_parse(&s, WS_SCHEMA_PATH, b.ptr, b.len, &v))
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
static const struct ws_command *entry_of_commit(const struct ws_state *st, const char *hex)
{
	size_t i;

	for (i = 0; i < st->ncommands; i++)
		if (st->commands[i].commit && !strcmp(st->commands[i].commit, hex))
			return &st->commands[i];
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
			 const struct ws_remove_opts *o, char (*list)[41], size_t n, size_t pos,
			 const char *parent)
{
	struct qapi_version v;
	struct patchgen_sig sig;
	char cur[41];
	size_t k;
	int ret;
	const struct ws_state *st = ws_info(ws);

	if ((ret = qapi_version_parse(&v, st->qemu_version ? st->qemu_version : "")) < 0)
		return ret;
	for (k = pos + 1; k < n; k++) {
		const struct ws_command *e = entry_of_commit(st, list[k]);
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
		const struct ws_command *e = entry_of_commit(st, list[k]);
		struct blob_source src = { ws_src_dir(ws), cur };
		struct addcmd_result r;
		struct addcmd_input in;
		char next[41];

		addcmd_input_from_entry(&in, e);
		in.datadir = o->datadir;
		in.progress = &o->progress;
		ret = addcmd_prepare(&r, &in, &v, read_blob, &src);
		if (ret) {
			error_prefix(ret, "cannot rebuild commit %.12s ('%s')", list[k], e->name);
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

int ws_op_remove_command(struct ws *ws, struct ws_remove_result *out, const struct ws_remove_opts *o)
{
	const char *name = o->name;
	struct ws_txn *t = NULL;
	const struct ws_command *entry;
	struct ws_command *keep = NULL;
	struct ws_state *st;
	char (*list)[41] = NULL, (*new_ids)[41] = NULL;
	size_t n = 0, i, pos = 0, nkeep = 0;
	char head[41], new_head[41], dropped[41], parent[41];
	const char *src = ws_src_dir(ws);
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = ws_require_clean(ws, NULL, 0)) < 0)
		goto out;
	/* The last entry of that name (an edited state may name it twice). */
	entry = NULL;
	for (i = 0; i < ws_info(ws)->ncommands; i++)
		if (!strcmp(ws_info(ws)->commands[i].name, name))
			entry = &ws_info(ws)->commands[i];
	if (!entry) {
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
	    (ret = find_commit(&pos, list, n, src, entry->commit, name)) < 0)
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
		ret = rebuild_later(new_head, new_ids, ws, o, list, n, pos, parent);
		if (ret)
			error_prefix(ret, "cannot remove '%s'", name);
	}
	if (ret)
		goto out;
	if ((ret = ws_txn_begin(&t, ws)) < 0 || (ret = ws_stage_head_move(ws, t, new_head)) < 0)
		goto out;

	/* The state: entries of the dropped commit go, later ones get their new ids. */
	st = ws_edit(ws);
	keep = xcalloc(st->ncommands + 1, sizeof(*keep));
	out->removed = xcalloc(st->ncommands + 1, sizeof(*out->removed));
	for (i = 0; i < st->ncommands; i++) {
		struct ws_command *e = &st->commands[i];
		size_t k;

		if (e->commit && !strcmp(e->commit, dropped)) {
			out->removed[out->n++] = *e;
			continue;
		}
		for (k = pos + 1; e->commit && k < n; k++)
			if (!strcmp(list[k], e->commit)) {
				ws_state_set_str(&e->commit, new_ids[k]);
				break;
			}
		keep[nkeep++] = *e;
	}
	free(st->commands);
	st->commands = keep;
	st->ncommands = nkeep;
	keep = NULL;
	ret = ws_txn_commit(t);
	t = NULL;
out:
	if (t)
		ws_txn_abort(t);
	if (ret)
		ws_remove_result_release(out);
	free(keep);
	free(list);
	free(new_ids);
	return ret;
}

void ws_remove_result_release(struct ws_remove_result *r)
{
	ws_commands_free(r->removed, r->n);
	memset(r, 0, sizeof(*r));
}
