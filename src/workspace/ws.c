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

char *ws_state_text(struct ws *ws, size_t *len)
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
	char *text = ws_state_text(ws, &len);
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
	if ((ret = take_lock(ws)) < 0 || (ret = ws_recover_journal(ws, true)) < 0 ||
	    (ret = load_state(ws)) < 0) {
		ws_free(ws);
		return ret;
	}
	/* Under the lock: a temporary file of an interrupted write (state.json) is a dead one's. */
	if (scratch_sweep_files(ws_meta_dir(ws), "", NULL, NULL) < 0)
		error_clear();
	*out = ws;
	return 0;
}

