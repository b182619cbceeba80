/*
 * Workspace transactions: files inside WS replaced or removed, the git ref
 * of the work tree moved and state.json saved, all or nothing, through
 * util's journal (see ws.h for the contract).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "internal.h"
#include "patchgen/patchgen.h"
#include "util/util.h"
#include "util/banned.h"

struct txn_item {
	char *target;  /* absolute */
	char *staged;  /* file name inside the txn dir, NULL for a delete */
	struct buf data;
	mode_t mode;
};

struct ws_txn {
	struct ws *ws;
	struct txn_item *items;
	size_t n, alloc;
	char *ref, *ref_old, *ref_new;
};


static char *txn_dir(const struct ws *ws)
{
	return fs_path_join(ws->meta, TXN_DIR);
}

static bool inside(const char *root, const char *path)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && path[n] == '/';
}

int ws_txn_begin(struct ws_txn **out, struct ws *ws)
{
	struct ws_txn *t;
	char *dir = txn_dir(ws);
	int ret;

	*out = NULL;
	/*
	 * A journal left by an earlier commit of this process whose applying
	 * failed: finish it (or drop it when it never reached the commit
	 * point), never silently discard a committed change.
	 */
	if (fs_exists(dir) && (ret = ws_recover_journal(ws, false)) < 0) {
		free(dir);
		return ret;
	}
	free(dir);
	t = xcalloc(1, sizeof(*t));
	t->ws = ws;
	*out = t;
	return 0;
}

static struct txn_item *txn_add(struct ws_txn *t, const char *path)
{
	char *abs = fs_abspath(path);
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (!strcmp(t->items[i].target, abs)) {
			free(abs);
			buf_release(&t->items[i].data);
			return &t->items[i];
		}
	}
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 8;
		t->items = xrealloc(t->items, t->alloc * sizeof(*t->items));
	}
	memset(&t->items[t->n], 0, sizeof(t->items[t->n]));
	t->items[t->n].target = abs;
	return &t->items[t->n++];
}

/*
 * The directory a file at `abs` really lands in: its parent with every
 * symbolic link resolved. A parent that does not exist yet is made by
 * mkdir when the transaction is applied, so its nearest existing ancestor
 * is resolved and the missing part appended. NULL (errno set) on failure.
 */
static char *real_parent(const char *abs)
{
	char *dir = fs_dirname(abs), *rest = NULL, *real = NULL;

	for (;;) {
		char *up, *base, *more;

		real = realpath(dir, NULL);
		if (real || errno != ENOENT || !strcmp(dir, "/"))
			break;
		up = fs_dirname(dir);
		base = fs_basename(dir);
		more = rest ? fs_path_join(base, rest) : xstrdup(base);
		free(rest);
		free(base);
		free(dir);
		rest = more;
		dir = up;
	}
	if (real && rest) {
		char *joined = fs_path_join(real, rest);

		free(real);
		real = joined;
	}
	free(dir);
	free(rest);
	return real;
}

/*
 * Paths are compared after resolving links: a link planted in the
 * workspace (WS/src/qga pointing elsewhere, SOURCES a link) must not carry
 * a write outside it. A target that is itself a link is refused for a put:
 * the rename would quietly replace the link the user (or someone) put there.
 */
static int check_target(struct ws_txn *t, const char *path, bool put)
{
	char *abs = fs_abspath(path), *parent = NULL, *root = NULL, *meta = NULL;
	struct stat st;
	int ret = 0;

	if (!inside(t->ws->root, abs)) {
		ret = error_set(ERR_INPUT, "'%s' is outside the workspace '%s'", path, t->ws->root);
		goto out;
	}
	if (inside(t->ws->meta, abs) || !strcmp(abs, t->ws->meta)) {
		ret = error_set(ERR_BUG, "'%s' is qga-forge's own metadata", path);
		goto out;
	}
	root = realpath(t->ws->root, NULL);
	parent = real_parent(abs);
	if (!root || !parent) {
		ret = error_set_errno(ERR_GENERIC, "cannot resolve the directory of '%s'", path);
		goto out;
	}
	if (strcmp(parent, root) != 0 && !inside(root, parent)) {
		ret = error_set(ERR_INPUT, "'%s' would be written in '%s', outside the workspace "
				"'%s' (through a symbolic link)", path, parent, root);
		goto out;
	}
	meta = fs_path_join(root, META);
	if (!strcmp(parent, meta) || inside(meta, parent)) {
		ret = error_set(ERR_INPUT, "'%s' would be written in qga-forge's own metadata '%s' "
				"(through a symbolic link)", path, parent);
		goto out;
	}
	if (put && lstat(abs, &st) == 0 && S_ISLNK(st.st_mode))
		ret = error_set(ERR_INPUT, "'%s' is a symbolic link; qga-forge does not write "
				"through or replace links in the workspace", path);
out:
	free(meta);
	free(root);
	free(parent);
	free(abs);
	return ret;
}

int ws_txn_put(struct ws_txn *t, const char *path, const void *data, size_t len, mode_t mode)
{
	struct txn_item *it;
	int ret;

	if ((ret = check_target(t, path, true)) < 0)
		return ret;
	it = txn_add(t, path);
	buf_put(&it->data, data, len);
	it->mode = mode;
	it->staged = (char *)1; /* marked: a put; named at commit */
	return 0;
}

int ws_txn_delete(struct ws_txn *t, const char *path)
{
	struct txn_item *it;
	int ret;

	if ((ret = check_target(t, path, false)) < 0)
		return ret;
	it = txn_add(t, path);
	it->staged = NULL;
	return 0;
}

int ws_txn_set_ref(struct ws_txn *t, const char *refname, const char *old_hex, const char *new_hex)
{
	free(t->ref);
	free(t->ref_old);
	free(t->ref_new);
	t->ref = xstrdup(refname);
	t->ref_old = xstrdup(old_hex);
	t->ref_new = xstrdup(new_hex);
	return 0;
}

static void txn_free(struct ws_txn *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->items[i].target);
		if (t->items[i].staged && t->items[i].staged != (char *)1)
			free(t->items[i].staged);
		buf_release(&t->items[i].data);
	}
	free(t->items);
	free(t->ref);
	free(t->ref_old);
	free(t->ref_new);
	free(t);
}

void ws_txn_abort(struct ws_txn *t)
{
	txn_free(t);
}

/*
 * The journal (util/fs.h's, in WS/.qga-forge/txn with its record named
 * manifest.json): the files, state.json last, then the hook below moves the
 * ref and updates the index. Its payload is {"ref": {"name", "old", "new"},
 * "paths": [paths in WS/src the files changed]}.
 */
#define TXN_RECORD "manifest.json"

struct hook_arg {
	struct ws *ws;
	bool at_open;
};

/*
 * Lock files git leaves when the process writing a ref or the index dies
 * (libgit2 creates NAME.lock and renames it into place). When ws_open()
 * finds a committed transaction, the process that was applying it is gone
 * (we hold the workspace lock, and nothing before the commit point writes
 * to git), so these locks are its leftovers: without removing them the
 * change could never be finished.
 */
static void drop_stale_git_locks(struct ws *ws, const char *refname)
{
	static const char *const fixed[] = { "index.lock", "HEAD.lock", "logs/HEAD.lock", NULL };
	char *git = fs_path_join(ws->src, ".git");
	size_t i;

	for (i = 0; fixed[i]; i++) {
		char *p = fs_path_join(git, fixed[i]);

		unlink(p);
		free(p);
	}
	if (refname && !strncmp(refname, "refs/heads/", 11) && !strstr(refname, "..")) {
		char *a = xasprintf("%s/%s.lock", git, refname);
		char *b = xasprintf("%s/logs/%s.lock", git, refname);

		unlink(a);
		unlink(b);
		free(a);
		free(b);
	}
	free(git);
}

/*
 * After the files: move the ref, then bring the index to the new head for
 * the paths the transaction changed inside the work tree (a full reset
 * would stat and rewrite every entry of a large tree on every edit).
 */
static int after_files(void *arg, const char *payload)
{
	struct hook_arg *h = arg;
	struct ws *ws = h->ws;
	struct json_object *p = payload ? json_tokener_parse(payload) : NULL, *ref, *paths;
	struct json_object *name, *old, *new;
	const char **list = NULL;
	bool moved = false;
	size_t i, n;
	int ret = 0;

	if (payload && !p)
		return error_set(ERR_GENERIC, "'%s': damaged transaction journal", ws->meta);
	if (p && json_object_object_get_ex(p, "ref", &ref) &&
	    json_object_object_get_ex(ref, "name", &name) &&
	    json_object_object_get_ex(ref, "old", &old) && json_object_object_get_ex(ref, "new", &new)) {
		if (h->at_open)
			drop_stale_git_locks(ws, json_object_get_string(name));
		ret = patchgen_set_ref(ws->src, json_object_get_string(name), json_object_get_string(old),
				       json_object_get_string(new));
		if (ret)
			goto out;
		moved = true;
	}
	fs_crash_point(2);
	if (moved) {
		n = json_object_object_get_ex(p, "paths", &paths) ? json_object_array_length(paths) : 0;
		list = xcalloc(n + 1, sizeof(*list));
		for (i = 0; i < n; i++)
			list[i] = json_object_get_string(json_object_array_get_idx(paths, i));
		if ((ret = patchgen_update_index(ws->src, list, n)) < 0)
			goto out;
	}
	fs_crash_point(3);
out:
	free(list);
	json_object_put(p);
	return ret;
}

/*
 * A journal an earlier qga-forge left, its record written as JSON
 * ({"files": [{"target", "staged"}], "ref": {...}}): rewritten in util's
 * record form, with the same files and ref, so that it is finished too.
 */
static int upgrade_record(struct ws *ws, const char *dir)
{
	char *path = fs_path_join(dir, TXN_RECORD), *payload = NULL;
	struct json_object *m = NULL, *files, *ref, *p = NULL, *paths;
	struct buf b = BUF_INIT, rec = BUF_INIT;
	size_t i, len = strlen(ws->src);
	int ret = 0;

	buf_set_cap(&b, 1u << 20);
	if (!fs_is_file(path) || fs_read_file(&b, path) < 0 || b.len == 0 || b.ptr[0] != '{') {
		error_clear();
		goto out;
	}
	m = json_tokener_parse(b.ptr);
	if (!m || !json_object_object_get_ex(m, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		ret = error_set(ERR_GENERIC, "'%s': damaged transaction journal", path);
		goto out;
	}
	paths = json_object_new_array();
	for (i = 0; i < json_object_array_length(files); i++) {
		struct json_object *f = json_object_array_get_idx(files, i), *tv, *sv;
		const char *target, *staged;

		if (!json_object_object_get_ex(f, "target", &tv) || !json_object_object_get_ex(f, "staged", &sv)) {
			json_object_put(paths);
			ret = error_set(ERR_GENERIC, "'%s': damaged transaction journal", path);
			goto out;
		}
		target = json_object_get_string(tv);
		staged = sv && json_object_is_type(sv, json_type_string) ? json_object_get_string(sv) : "-";
		buf_put(&rec, staged, strlen(staged) + 1);
		buf_put(&rec, target, strlen(target) + 1);
		if (!strncmp(target, ws->src, len) && target[len] == '/' && strncmp(target + len + 1, ".git/", 5))
			json_object_array_add(paths, json_object_new_string(target + len + 1));
	}
	if (json_object_object_get_ex(m, "ref", &ref) && json_object_is_type(ref, json_type_object)) {
		p = json_object_new_object();
		json_object_object_add(p, "ref", json_object_get(ref));
		json_object_object_add(p, "paths", paths);
		payload = xstrdup(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
		buf_put(&rec, "=", 2);
		buf_put(&rec, payload, strlen(payload) + 1);
	} else {
		json_object_put(paths);
	}
	ret = fs_write_atomic(path, rec.ptr, rec.len, 0600);
out:
	json_object_put(m);
	json_object_put(p);
	buf_release(&b);
	buf_release(&rec);
	free(payload);
	free(path);
	return ret;
}

int ws_recover_journal(struct ws *ws, bool at_open)
{
	char *dir = txn_dir(ws), *label = xasprintf("in '%s'", ws->root);
	struct hook_arg h = { ws, at_open };
	struct fs_journal_opts o = { 0 };
	int ret;

	if ((ret = upgrade_record(ws, dir)) < 0) {
		free(label);
		free(dir);
		return ret;
	}
	o.record = TXN_RECORD;
	o.label = label;
	o.after_files = after_files;
	o.arg = &h;
	ret = fs_journal_recover_opts(dir, &o);
	free(label);
	free(dir);
	return ret;
}

static int check_ref(struct ws *ws, const struct ws_txn *t)
{
	char cur[41];
	int ret = patchgen_resolve(cur, ws->src, t->ref);

	if (ret < 0)
		return ret;
	if (strcmp(cur, t->ref_old) && strcmp(cur, t->ref_new))
		return error_set(ERR_GENERIC, "branch '%s' in '%s' moved while qga-forge was "
				 "working; expected it at %.12s", t->ref, ws->src, t->ref_old);
	return 0;
}

/* The payload for after_files(): the ref move and the work-tree paths changed. */
static char *txn_payload(const struct ws_txn *t)
{
	struct json_object *p = json_object_new_object(), *r, *paths = json_object_new_array();
	size_t i, len = strlen(t->ws->src);
	char *text;

	if (!t->ref) {
		json_object_put(p);
		json_object_put(paths);
		return NULL;
	}
	r = json_object_new_object();
	json_object_object_add(r, "name", json_object_new_string(t->ref));
	json_object_object_add(r, "old", json_object_new_string(t->ref_old));
	json_object_object_add(r, "new", json_object_new_string(t->ref_new));
	json_object_object_add(p, "ref", r);
	for (i = 0; i < t->n; i++) {
		const char *target = t->items[i].target;

		if (!strncmp(target, t->ws->src, len) && target[len] == '/' &&
		    strncmp(target + len + 1, ".git/", 5))
			json_object_array_add(paths, json_object_new_string(target + len + 1));
	}
	json_object_object_add(p, "paths", paths);
	text = xstrdup(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
	json_object_put(p);
	return text;
}

int ws_txn_commit(struct ws_txn *t)
{
	struct ws *ws = t->ws;
	char *dir = txn_dir(ws), *state_path = NULL, *text = NULL, *payload = NULL, *label = NULL;
	struct fs_journal_file *files = xcalloc(t->n + 1, sizeof(*files));
	struct hook_arg h = { ws, false };
	struct fs_journal_opts o = { 0 };
	size_t i, len;
	int ret;

	/* state.json rides along as the last file of every transaction. */
	state_path = fs_path_join(ws->meta, STATE_FILE);
	text = ws_state_text(ws, &len);
	/*
	 * A ref that moved under us must fail the transaction here: once past
	 * the commit point the files are replaced and a failing ref move
	 * would leave a journal that recovery can never finish.
	 */
	if (t->ref && (ret = check_ref(ws, t)) < 0)
		goto cleanup;
	for (i = 0; i < t->n; i++) {
		const struct txn_item *it = &t->items[i];
		struct stat st;

		files[i].path = it->target;
		files[i].remove = it->staged == NULL;
		files[i].data = it->data.ptr;
		files[i].len = it->data.len;
		/* 0 keeps the mode of an existing file (0644 for a new one). */
		files[i].mode = it->mode ? it->mode : stat(it->target, &st) == 0 ? st.st_mode & 07777 : 0644;
		files[i].exact_mode = true;
	}
	files[t->n].path = state_path;
	files[t->n].data = text;
	files[t->n].len = len;
	files[t->n].mode = 0644;
	payload = txn_payload(t);
	label = xasprintf("in '%s'", ws->root);
	o.record = TXN_RECORD;
	o.label = label;
	o.payload = payload;
	o.after_files = after_files;
	o.arg = &h;
	ret = fs_journal_commit_opts(dir, files, t->n + 1, &o);
cleanup:
	free(files);
	free(text);
	free(state_path);
	free(payload);
	free(label);
	free(dir);
	txn_free(t);
	return ret;
}

void ws_default_sig(struct patchgen_sig *out)
{
	const char *name = getenv("QGA_FORGE_AUTHOR_NAME");
	const char *email = getenv("QGA_FORGE_AUTHOR_EMAIL");
	const char *epoch = getenv("SOURCE_DATE_EPOCH");

	if (!name || !*name)
		name = getenv("GIT_AUTHOR_NAME");
	if (!email || !*email)
		email = getenv("GIT_AUTHOR_EMAIL");
	out->name = name && *name ? name : "qga-forge";
	out->email = email && *email ? email : "qga-forge@localhost";
	out->when = epoch && *epoch ? strtoll(epoch, NULL, 10) : (int64_t)time(NULL);
}

int ws_stage_commit(struct ws *ws, struct ws_txn *t, const struct patchgen_change *changes,
		    size_t n, const char *message, char out_hex[41])
{
	char head[41], commit[41];
	struct patchgen_sig sig;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (changes[i].path[0] == '/' || strstr(changes[i].path, "..") ||
		    !*changes[i].path)
			return error_set(ERR_INPUT, "'%s' is not a path inside the source tree",
					 changes[i].path);
	}
	if ((ret = patchgen_resolve(head, ws->src, "refs/heads/" PATCHGEN_FORGE)) < 0)
		return ret;
	ws_default_sig(&sig);
	if ((ret = patchgen_make_commit(commit, ws->src, head, changes, n, message, &sig)) < 0)
		return ret;
	for (i = 0; i < n && !ret; i++) {
		char *path = fs_path_join(ws->src, changes[i].path);

		if (changes[i].remove)
			ret = ws_txn_delete(t, path);
		else
			ret = ws_txn_put(t, path, changes[i].data, changes[i].len, changes[i].mode);
		free(path);
	}
	if (ret)
		return ret;
	ws_txn_set_ref(t, "refs/heads/" PATCHGEN_FORGE, head, commit);
	if (out_hex)
		memcpy(out_hex, commit, 41);
	return 0;
}

int ws_stage_head_move(struct ws *ws, struct ws_txn *t, const char *new_hex)
{
	char head[41];
	struct patchgen_change *c = NULL;
	size_t n = 0, i;
	int ret;

	if ((ret = patchgen_resolve(head, ws->src, "refs/heads/" PATCHGEN_FORGE)) < 0)
		return ret;
	if ((ret = patchgen_tree_changes(&c, &n, ws->src, head, new_hex)) < 0)
		return ret;
	for (i = 0; i < n && !ret; i++) {
		char *path = fs_path_join(ws->src, c[i].path);

		if (c[i].remove)
			ret = ws_txn_delete(t, path);
		else
			ret = ws_txn_put(t, path, c[i].data, c[i].len, c[i].mode);
		free(path);
	}
	patchgen_changes_free(c, n);
	if (!ret)
		ws_txn_set_ref(t, "refs/heads/" PATCHGEN_FORGE, head, new_hex);
	return ret;
}
