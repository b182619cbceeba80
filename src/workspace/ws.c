#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "internal.h"
#include "patchgen/patchgen.h"
#include "util/util.h"
#include "util/banned.h"

#define META ".qga-forge"
#define STATE_FILE "state.json"
#define TXN_DIR "txn"
#define TXN_MANIFEST "manifest.json"

struct ws {
	char *root, *src, *topdir, *meta, *spec;
	int lock_fd;
	struct json_object *state;   /* as read: written back with unknown keys kept */
	struct ws_state info;        /* the typed state, parsed once */
	bool info_changed;           /* ws_edit() was called: store before writing */
};

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

static void set_paths(struct ws *ws, const char *root)
{
	ws->root = fs_abspath(root);
	ws->src = fs_path_join(ws->root, "src");
	ws->topdir = fs_path_join(ws->root, "rpmbuild");
	ws->meta = fs_path_join(ws->root, META);
}

const char *ws_root(const struct ws *ws) { return ws->root; }
const char *ws_src_dir(const struct ws *ws) { return ws->src; }
const char *ws_topdir(const struct ws *ws) { return ws->topdir; }
const char *ws_meta_dir(const struct ws *ws) { return ws->meta; }

const char *ws_spec_path(const struct ws *ws)
{
	struct json_object *v;

	if (!json_object_object_get_ex(ws->state, "spec", &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	free(((struct ws *)ws)->spec);
	((struct ws *)ws)->spec = fs_path_join(ws->root, json_object_get_string(v));
	return ws->spec;
}

const char *ws_qemu_version(const struct ws *ws)
{
	struct json_object *v;

	if (!json_object_object_get_ex(ws->state, "qemu_version", &v))
		return NULL;
	return json_object_get_string(v);
}

struct json_object *ws_state(struct ws *ws)
{
	return ws->state;
}

const struct ws_state *ws_info(const struct ws *ws)
{
	return &ws->info;
}

struct ws_state *ws_edit(struct ws *ws)
{
	ws->info_changed = true;
	return &ws->info;
}

static void store_info(struct ws *ws)
{
	if (ws->info_changed)
		ws_state_store(ws->state, &ws->info);
	ws->info_changed = false;
}

struct json_object *ws_state_json(struct ws *ws)
{
	store_info(ws);
	return json_object_get(ws->state);
}

void ws_relocate(struct ws *ws, const char *root)
{
	free(ws->root);
	free(ws->src);
	free(ws->topdir);
	free(ws->meta);
	set_paths(ws, root);
}

char *ws_path(const struct ws *ws, const char *rel)
{
	return fs_path_join(ws->root, rel);
}

static int lock_timeout_seconds(void)
{
	const char *s = getenv("QGA_FORGE_LOCK_TIMEOUT");

	return s && *s ? atoi(s) : 30;
}

static int take_lock(struct ws *ws)
{
	char *path = fs_path_join(ws->meta, "lock");
	int fd, waited = 0, limit = lock_timeout_seconds() * 10;
	struct buf who = BUF_INIT;
	int ret = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot open the workspace lock '%s'", path);
		goto cleanup;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			ret = error_set_errno(ERR_GENERIC, "cannot lock '%s'", path);
			goto cleanup;
		}
		if (waited++ >= limit) {
			fs_read_file(&who, path);
			buf_rtrim(&who);
			ret = error_set(ERR_LOCKED, "workspace '%s' is in use by another qga-forge "
					"process (%s); try again when it has finished",
					ws->root, who.len ? who.ptr : "unknown");
			goto cleanup;
		}
		usleep(100 * 1000);
	}
	/* Tell a waiting process who holds the lock; informational only. */
	{
		char line[128];
		int n = snprintf(line, sizeof(line), "pid %ld\n", (long)getpid());

		if (ftruncate(fd, 0) == 0 && write(fd, line, (size_t)n) < 0) {
			/* the lock is held either way */
		}
	}
	ws->lock_fd = fd;
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	buf_release(&who);
	free(path);
	return ret;
}

static int load_state(struct ws *ws)
{
	char *path = fs_path_join(ws->meta, STATE_FILE);
	struct buf b = BUF_INIT;
	struct json_tokener *tok = NULL;
	int ret;

	if ((ret = fs_read_file(&b, path)) < 0)
		goto cleanup;
	tok = json_tokener_new();
	ws->state = json_tokener_parse_ex(tok, b.ptr, (int)b.len);
	if (!ws->state || !json_object_is_type(ws->state, json_type_object)) {
		ret = error_set(ERR_INPUT, "'%s': not a valid workspace state file (%s)", path,
				json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(ws->state);
		ws->state = NULL;
		goto cleanup;
	}
	ret = ws_state_parse(&ws->info, ws->state, ws->root);
cleanup:
	if (tok)
		json_tokener_free(tok);
	buf_release(&b);
	free(path);
	return ret;
}

static char *state_text(struct ws *ws, size_t *len)
{
	const char *s;

	store_info(ws);
	s = json_object_to_json_string_ext(ws->state, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = xasprintf("%s\n", s);

	*len = strlen(out);
	return out;
}

int ws_save_state(struct ws *ws)
{
	char *path = fs_path_join(ws->meta, STATE_FILE);
	size_t len;
	char *text = state_text(ws, &len);
	int ret = fs_write_atomic(path, text, len, 0644);

	free(text);
	free(path);
	return ret;
}

static struct ws *ws_alloc(const char *root)
{
	struct ws *ws = xcalloc(1, sizeof(*ws));

	ws->lock_fd = -1;
	set_paths(ws, root);
	return ws;
}

void ws_free(struct ws *ws)
{
	if (!ws)
		return;
	if (ws->lock_fd >= 0)
		close(ws->lock_fd);
	json_object_put(ws->state);
	ws_state_release(&ws->info);
	free(ws->root);
	free(ws->src);
	free(ws->topdir);
	free(ws->meta);
	free(ws->spec);
	free(ws);
}

int ws_create(struct ws **out, const char *dir)
{
	struct ws *ws = ws_alloc(dir);
	char *logs = NULL;
	int ret;

	*out = NULL;
	logs = fs_path_join(ws->meta, "logs");
	if ((ret = fs_mkdirs(logs, 0755)) < 0 || (ret = take_lock(ws)) < 0)
		goto fail;
	ws->state = json_object_new_object();
	json_object_object_add(ws->state, "format", json_object_new_int(1));
	if ((ret = ws_state_parse(&ws->info, ws->state, ws->root)) < 0 ||
	    (ret = ws_save_state(ws)) < 0)
		goto fail;
	free(logs);
	*out = ws;
	return 0;
fail:
	free(logs);
	ws_free(ws);
	return ret;
}

static int recover(struct ws *ws);
static int recover_journal(struct ws *ws, bool at_open);

static char *find_root(const char *start)
{
	char *dir = fs_abspath(start);

	for (;;) {
		char *meta = fs_path_join(dir, META "/" STATE_FILE);
		bool found = fs_is_file(meta);

		free(meta);
		if (found)
			return dir;
		if (!strcmp(dir, "/")) {
			free(dir);
			return NULL;
		}
		{
			char *up = fs_dirname(dir);

			free(dir);
			dir = up;
		}
	}
}

int ws_open(struct ws **out, const char *dir)
{
	struct ws *ws = NULL;
	char *root = NULL;
	int ret;

	*out = NULL;
	if (dir) {
		char *meta = fs_path_join(dir, META "/" STATE_FILE);

		if (!fs_is_file(meta)) {
			free(meta);
			return error_set(ERR_NOTFOUND, "'%s' is not a qga-forge workspace "
					 "(no " META "/" STATE_FILE ")", dir);
		}
		free(meta);
		root = xstrdup(dir);
	} else {
		root = find_root(".");
		if (!root)
			return error_set(ERR_NOTFOUND, "not inside a qga-forge workspace; "
					 "use -w DIR or run 'qga-forge init' first");
	}
	ws = ws_alloc(root);
	free(root);
	if ((ret = take_lock(ws)) < 0 || (ret = recover_journal(ws, true)) < 0 ||
	    (ret = load_state(ws)) < 0) {
		ws_free(ws);
		return ret;
	}
	*out = ws;
	return 0;
}

/* ---- transactions ---- */

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
	if (fs_exists(dir) && (ret = recover(ws)) < 0) {
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
 * The journal: txn/NNNN files hold the new contents; txn/manifest.json,
 * renamed into place last, is the commit point. It lists
 * {"files": [{"target", "staged" (or null: delete)}], "ref": {...}}.
 * Applying it is idempotent, so recovery can run it again after a crash
 * at any point.
 */
/*
 * Bring the index to the new head for the files the transaction changed
 * inside the work tree: a full reset would stat and rewrite every entry
 * of a large tree on every edit.
 */
static int update_index(struct ws *ws, struct json_object *files)
{
	size_t i, n = json_object_array_length(files), k = 0, len = strlen(ws->src);
	const char **paths = xcalloc(n ? n : 1, sizeof(*paths));
	int ret;

	for (i = 0; i < n; i++) {
		struct json_object *tv;
		const char *t;

		if (!json_object_object_get_ex(json_object_array_get_idx(files, i), "target", &tv))
			continue;
		t = json_object_get_string(tv);
		if (!strncmp(t, ws->src, len) && t[len] == '/' && strncmp(t + len + 1, ".git/", 5))
			paths[k++] = t + len + 1;
	}
	ret = patchgen_update_index(ws->src, paths, k);
	free(paths);
	return ret;
}

static int apply_manifest(struct ws *ws, const char *dir, struct json_object *m)
{
	struct json_object *files, *ref;
	size_t i, n;
	int ret = 0;
	bool moved_ref = false;

	if (!json_object_object_get_ex(m, "files", &files) ||
	    !json_object_is_type(files, json_type_array))
		return error_set(ERR_GENERIC, "'%s': damaged transaction journal", dir);
	n = json_object_array_length(files);
	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(files, i), *tv, *sv;
		const char *target, *staged;

		if (!json_object_object_get_ex(f, "target", &tv) ||
		    !json_object_object_get_ex(f, "staged", &sv))
			return error_set(ERR_GENERIC, "'%s': damaged transaction journal", dir);
		target = json_object_get_string(tv);
		staged = json_object_is_type(sv, json_type_string) ? json_object_get_string(sv) : NULL;
		if (staged) {
			char *from = fs_path_join(dir, staged);

			if (fs_exists(from)) {
				char *parent = fs_dirname(target);

				ret = fs_mkdirs(parent, 0755);
				if (!ret && rename(from, target) < 0)
					ret = error_set_errno(ERR_GENERIC, "cannot move '%s' into place", target);
				if (!ret)
					ret = fs_fsync_dir(parent);
				free(parent);
			}
			free(from);
		} else if (unlink(target) < 0 && errno != ENOENT) {
			ret = error_set_errno(ERR_GENERIC, "cannot remove '%s'", target);
		} else {
			fs_fsync_parent(target);
		}
		if (ret)
			return ret;
		fs_crash_point(10 + (int)i);
	}
	if (json_object_object_get_ex(m, "ref", &ref) && json_object_is_type(ref, json_type_object)) {
		struct json_object *name, *old, *new;

		if (json_object_object_get_ex(ref, "name", &name) &&
		    json_object_object_get_ex(ref, "old", &old) &&
		    json_object_object_get_ex(ref, "new", &new)) {
			ret = patchgen_set_ref(ws->src, json_object_get_string(name),
					       json_object_get_string(old), json_object_get_string(new));
			if (ret)
				return ret;
			moved_ref = true;
		}
	}
	fs_crash_point(2);
	if (moved_ref && (ret = update_index(ws, files)) < 0)
		return ret;
	fs_crash_point(3);
	return fs_remove_tree(dir);
}

/*
 * Lock files git leaves when the process writing a ref or the index dies
 * (libgit2 creates NAME.lock and renames it into place). When ws_open()
 * finds a committed transaction, the process that was applying it is gone
 * (we hold the workspace lock, and nothing before the commit point writes
 * to git), so these locks are its leftovers: without removing them the
 * change could never be finished.
 */
static void drop_stale_git_locks(struct ws *ws, struct json_object *m)
{
	static const char *const fixed[] = { "index.lock", "HEAD.lock", "logs/HEAD.lock", NULL };
	struct json_object *ref, *name;
	char *git = fs_path_join(ws->src, ".git");
	size_t i;

	for (i = 0; fixed[i]; i++) {
		char *p = fs_path_join(git, fixed[i]);

		unlink(p);
		free(p);
	}
	if (json_object_object_get_ex(m, "ref", &ref) && json_object_object_get_ex(ref, "name", &name) &&
	    !strncmp(json_object_get_string(name), "refs/heads/", 11) &&
	    !strstr(json_object_get_string(name), "..")) {
		char *a = xasprintf("%s/%s.lock", git, json_object_get_string(name));
		char *b = xasprintf("%s/logs/%s.lock", git, json_object_get_string(name));

		unlink(a);
		unlink(b);
		free(a);
		free(b);
	}
	free(git);
}

static int recover_journal(struct ws *ws, bool at_open)
{
	char *dir = txn_dir(ws), *mpath = NULL;
	struct json_object *m = NULL;
	struct buf b = BUF_INIT;
	int ret = 0;

	if (!fs_exists(dir))
		goto cleanup;
	mpath = fs_path_join(dir, TXN_MANIFEST);
	if (!fs_exists(mpath)) {
		/* The crash came before the commit point: nothing was applied. */
		ret = fs_remove_tree(dir);
		goto cleanup;
	}
	if ((ret = fs_read_file(&b, mpath)) < 0)
		goto cleanup;
	m = json_tokener_parse(b.ptr);
	if (!m) {
		ret = error_set(ERR_GENERIC, "'%s': damaged transaction journal", mpath);
		goto cleanup;
	}
	if (at_open)
		drop_stale_git_locks(ws, m);
	ret = apply_manifest(ws, dir, m);
	if (ret)
		error_prefix(ret, "cannot finish an interrupted change in '%s'", ws->root);
cleanup:
	json_object_put(m);
	buf_release(&b);
	free(mpath);
	free(dir);
	return ret;
}

static int recover(struct ws *ws)
{
	return recover_journal(ws, false);
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

int ws_txn_commit(struct ws_txn *t)
{
	struct ws *ws = t->ws;
	char *dir = txn_dir(ws), *mpath = NULL, *tmp = NULL, *state_path = NULL;
	struct json_object *m = json_object_new_object(), *files = json_object_new_array();
	size_t i, len;
	char *text = NULL;
	int ret;

	/* state.json rides along as the last file of every transaction. */
	state_path = fs_path_join(ws->meta, STATE_FILE);
	text = state_text(ws, &len);
	/*
	 * A ref that moved under us must fail the transaction here: once past
	 * the commit point the files are replaced and a failing ref move
	 * would leave a journal that recovery can never finish.
	 */
	if (t->ref && (ret = check_ref(ws, t)) < 0)
		goto cleanup;
	if ((ret = fs_mkdirs(dir, 0700)) < 0)
		goto cleanup;
	for (i = 0; i <= t->n; i++) {
		const char *target = i < t->n ? t->items[i].target : state_path;
		bool put = i < t->n ? t->items[i].staged != NULL : true;
		struct json_object *f = json_object_new_object();

		json_object_object_add(f, "target", json_object_new_string(target));
		if (put) {
			char name[32], *staged;
			const void *data = i < t->n ? (const void *)t->items[i].data.ptr : text;
			size_t dlen = i < t->n ? t->items[i].data.len : len;
			mode_t mode = i < t->n ? t->items[i].mode : 0;
			struct stat st;

			if (!mode)
				mode = stat(target, &st) == 0 ? st.st_mode & 07777 : 0644;
			snprintf(name, sizeof(name), "%04zu", i);
			staged = fs_path_join(dir, name);
			ret = fs_write_temp(&tmp, staged, data, dlen, mode);
			if (!ret && rename(tmp, staged) < 0)
				ret = error_set_errno(ERR_GENERIC, "cannot stage '%s'", target);
			free(staged);
			free(tmp);
			tmp = NULL;
			if (ret) {
				json_object_put(f);
				goto cleanup;
			}
			json_object_object_add(f, "staged", json_object_new_string(name));
		} else {
			json_object_object_add(f, "staged", NULL);
		}
		json_object_array_add(files, f);
	}
	json_object_object_add(m, "files", files);
	files = NULL;
	if (t->ref) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "name", json_object_new_string(t->ref));
		json_object_object_add(r, "old", json_object_new_string(t->ref_old));
		json_object_object_add(r, "new", json_object_new_string(t->ref_new));
		json_object_object_add(m, "ref", r);
	}
	fs_crash_point(0);
	{
		const char *mt = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN);

		mpath = fs_path_join(dir, TXN_MANIFEST);
		if ((ret = fs_write_temp(&tmp, mpath, mt, strlen(mt), 0600)) < 0)
			goto cleanup;
		if ((ret = fs_fsync_dir(dir)) < 0)
			goto cleanup;
		/* The commit point. */
		if (rename(tmp, mpath) < 0) {
			ret = error_set_errno(ERR_GENERIC, "cannot commit the change in '%s'", ws->root);
			goto cleanup;
		}
		if ((ret = fs_fsync_dir(dir)) < 0)
			goto cleanup;
	}
	fs_crash_point(1);
	ret = apply_manifest(ws, dir, m);
	if (ret)
		error_prefix(ret, "the change was committed but not fully applied; the next "
			     "qga-forge command in '%s' finishes it", ws->root);
cleanup:
	if (ret && !fs_exists(mpath ? mpath : "")) {
		/* Before the commit point: nothing changed; drop the journal. */
		fs_remove_tree(dir);
	}
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	json_object_put(files);
	json_object_put(m);
	free(text);
	free(state_path);
	free(mpath);
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
