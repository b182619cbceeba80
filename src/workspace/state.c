/*
 * The typed workspace state: state.json parsed into struct ws_state, and
 * written back into the object it was read from, so that keys qga-forge
 * does not know (a later version's, a user's) survive every write.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "util/util.h"
#include "util/banned.h"

static char *xmemdupz(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *dupz(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char *dup_str(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return xmemdupz(json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

static int get_int(struct json_object *o, const char *key, int dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return dflt;
	return json_object_get_int(v);
}

static char **str_list(struct json_object *o, const char *key, size_t *n)
{
	struct json_object *arr;
	char **out;
	size_t i, k = 0, len = 0;

	if (json_object_object_get_ex(o, key, &arr) && json_object_is_type(arr, json_type_array))
		len = json_object_array_length(arr);
	out = xcalloc(len + 1, sizeof(*out));
	for (i = 0; i < len; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (json_object_is_type(v, json_type_string))
			out[k++] = xstrdup(json_object_get_string(v));
	}
	*n = k;
	return out;
}

static void parse_command(struct ws_command *c, struct json_object *e)
{
	struct json_object *v;

	memset(c, 0, sizeof(*c));
	c->raw = json_object_get(e);
	c->name = dup_str(e, "name", NULL);
	c->commit = dup_str(e, "commit", NULL);
	c->prototype = dup_str(e, "prototype", NULL);
	if (json_object_object_get_ex(e, "example", &v) && v)
		c->example = json_object_get(v);
	c->files = str_list(e, "files", &c->nfiles);
	c->origin = dup_str(e, "origin", NULL);
	c->fragment = dup_str(e, "fragment", &c->fragment_len);
	c->handler_name = dup_str(e, "handler_name", NULL);
	c->handler = dup_str(e, "handler", &c->handler_len);
	c->after = dup_str(e, "after", NULL);
}

static void parse_patch(struct ws_patch *p, struct json_object *e)
{
	memset(p, 0, sizeof(*p));
	p->raw = json_object_get(e);
	p->name = dup_str(e, "name", NULL);
	p->number = get_int(e, "number", -1);
	p->commit = dup_str(e, "commit", NULL);
	p->subject = dup_str(e, "subject", NULL);
	p->sha256 = dup_str(e, "sha256", NULL);
}

int ws_state_parse(struct ws_state *st, struct json_object *j, const char *root)
{
	struct json_object *v, *arr;
	size_t i, n;

	memset(st, 0, sizeof(*st));
	st->format = get_int(j, "format", 1);
	if (json_object_object_get_ex(j, "srpm", &v) && json_object_is_type(v, json_type_object)) {
		st->has_srpm = true;
		st->srpm.path = dup_str(v, "path", NULL);
		st->srpm.sha256 = dup_str(v, "sha256", NULL);
		st->srpm.name = dup_str(v, "name", NULL);
		st->srpm.epoch = dup_str(v, "epoch", NULL);
		st->srpm.version = dup_str(v, "version", NULL);
		st->srpm.release = dup_str(v, "release", NULL);
		st->srpm.nevr = dup_str(v, "nevr", NULL);
	}
	st->spec = dup_str(j, "spec", NULL);
	st->qemu_version = dup_str(j, "qemu_version", NULL);
	st->baseline = dup_str(j, "baseline", NULL);
	st->defines = str_list(j, "defines", &st->ndefines);
	st->distribution_patches = get_int(j, "distribution_patches", 0);
	st->agent = dup_str(j, "agent", NULL);
	st->qga_forge_version = dup_str(j, "qga_forge_version", NULL);
	if (json_object_object_get_ex(j, "commands", &arr) && arr) {
		if (!json_object_is_type(arr, json_type_array))
			return error_set(ERR_INPUT, "'%s': \"commands\" in the workspace state is not a list",
					 root);
		n = json_object_array_length(arr);
		st->commands = xcalloc(n + 1, sizeof(*st->commands));
		for (i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(arr, i), *nm;

			if (!json_object_is_type(e, json_type_object) ||
			    !json_object_object_get_ex(e, "name", &nm) ||
			    !json_object_is_type(nm, json_type_string))
				return error_set(ERR_INPUT, "'%s': command %zu of the workspace state has no name",
						 root, i + 1);
			parse_command(&st->commands[st->ncommands++], e);
		}
	}
	if (json_object_object_get_ex(j, "patches", &arr) && json_object_is_type(arr, json_type_array)) {
		st->has_patches = true;
		n = json_object_array_length(arr);
		st->patches = xcalloc(n + 1, sizeof(*st->patches));
		for (i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);

			/* An entry without a name names no file: nothing of ours to track. */
			if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "name", &v) ||
			    !json_object_is_type(v, json_type_string))
				continue;
			parse_patch(&st->patches[st->npatches++], e);
		}
	}
	if (json_object_object_get_ex(j, "spec_sync", &v) && json_object_is_type(v, json_type_object)) {
		struct json_object *b;

		st->has_spec_sync = true;
		st->sync_bumped = json_object_object_get_ex(v, "bumped", &b) && json_object_get_boolean(b);
		st->sync_header = dup_str(v, "header", NULL);
		st->sync_changelog = dup_str(v, "changelog", NULL);
	}
	return 0;
}

void ws_command_release(struct ws_command *c)
{
	size_t i;

	if (!c)
		return;
	free(c->name);
	free(c->commit);
	free(c->prototype);
	json_object_put(c->example);
	for (i = 0; c->files && i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->origin);
	free(c->fragment);
	free(c->handler_name);
	free(c->handler);
	free(c->after);
	json_object_put(c->raw);
	memset(c, 0, sizeof(*c));
}

void ws_commands_free(struct ws_command *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		ws_command_release(&v[i]);
	free(v);
}

void ws_command_copy(struct ws_command *dst, const struct ws_command *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->name = dupz(src->name);
	dst->commit = dupz(src->commit);
	dst->prototype = dupz(src->prototype);
	dst->example = json_object_get(src->example);
	dst->files = xcalloc(src->nfiles + 1, sizeof(*dst->files));
	for (i = 0; i < src->nfiles; i++)
		dst->files[i] = xstrdup(src->files[i]);
	dst->nfiles = src->nfiles;
	dst->origin = dupz(src->origin);
	dst->fragment = src->fragment ? xmemdupz(src->fragment, src->fragment_len) : NULL;
	dst->fragment_len = src->fragment_len;
	dst->handler_name = dupz(src->handler_name);
	dst->handler = src->handler ? xmemdupz(src->handler, src->handler_len) : NULL;
	dst->handler_len = src->handler_len;
	dst->after = dupz(src->after);
	dst->raw = json_object_get(src->raw);
}

static void patch_release(struct ws_patch *p)
{
	free(p->name);
	free(p->commit);
	free(p->subject);
	free(p->sha256);
	json_object_put(p->raw);
}

void ws_patch_copy(struct ws_patch *dst, const struct ws_patch *src)
{
	dst->name = dupz(src->name);
	dst->number = src->number;
	dst->commit = dupz(src->commit);
	dst->subject = dupz(src->subject);
	dst->sha256 = dupz(src->sha256);
	dst->raw = json_object_get(src->raw);
}

void ws_patches_free(struct ws_patch *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		patch_release(&v[i]);
	free(v);
}

void ws_state_release(struct ws_state *st)
{
	size_t i;

	free(st->srpm.path);
	free(st->srpm.sha256);
	free(st->srpm.name);
	free(st->srpm.epoch);
	free(st->srpm.version);
	free(st->srpm.release);
	free(st->srpm.nevr);
	free(st->spec);
	free(st->qemu_version);
	free(st->baseline);
	for (i = 0; st->defines && st->defines[i]; i++)
		free(st->defines[i]);
	free(st->defines);
	ws_commands_free(st->commands, st->ncommands);
	ws_patches_free(st->patches, st->npatches);
	free(st->sync_header);
	free(st->sync_changelog);
	free(st->agent);
	free(st->qga_forge_version);
	memset(st, 0, sizeof(*st));
}

const struct ws_command *ws_find_command(const struct ws_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->ncommands; i++)
		if (st->commands[i].name && !strcmp(st->commands[i].name, name))
			return &st->commands[i];
	return NULL;
}

/* ---- writing back ---- */

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *strn_or_null(const char *s, size_t len)
{
	return s ? json_object_new_string_len(s, (int)len) : NULL;
}

/* A copy of `raw` (or a new object) to write known keys into. */
static struct json_object *base_of(struct json_object *raw)
{
	struct json_object *copy = NULL;

	if (raw && json_object_is_type(raw, json_type_object) &&
	    json_object_deep_copy(raw, &copy, NULL) == 0)
		return copy;
	return json_object_new_object();
}

struct json_object *ws_command_json(const struct ws_command *c)
{
	struct json_object *e = base_of(c->raw), *files = json_object_new_array();
	size_t i;

	for (i = 0; i < c->nfiles; i++)
		json_object_array_add(files, json_object_new_string(c->files[i]));
	json_object_object_add(e, "name", str_or_null(c->name));
	json_object_object_add(e, "prototype", str_or_null(c->prototype));
	json_object_object_add(e, "example", json_object_get(c->example));
	json_object_object_add(e, "files", files);
	json_object_object_add(e, "origin", str_or_null(c->origin));
	json_object_object_add(e, "fragment", strn_or_null(c->fragment, c->fragment_len));
	json_object_object_add(e, "handler_name", str_or_null(c->handler_name));
	json_object_object_add(e, "handler", strn_or_null(c->handler, c->handler_len));
	json_object_object_add(e, "after", str_or_null(c->after));
	json_object_object_add(e, "commit", str_or_null(c->commit));
	return e;
}

struct json_object *ws_patch_json(const struct ws_patch *p)
{
	struct json_object *e = base_of(p->raw);

	json_object_object_add(e, "name", str_or_null(p->name));
	json_object_object_add(e, "number", json_object_new_int(p->number));
	json_object_object_add(e, "commit", str_or_null(p->commit));
	json_object_object_add(e, "subject", str_or_null(p->subject));
	json_object_object_add(e, "sha256", str_or_null(p->sha256));
	return e;
}

/* Set `key` to `v` (a new reference); NULL removes a key that is there, or adds nothing. */
static void put(struct json_object *j, const char *key, struct json_object *v)
{
	if (v)
		json_object_object_add(j, key, v);
	else
		json_object_object_del(j, key);
}

void ws_state_store(struct json_object *j, const struct ws_state *st)
{
	struct json_object *arr, *v;
	size_t i;

	json_object_object_add(j, "format", json_object_new_int(st->format ? st->format : 1));
	if (st->has_srpm) {
		struct json_object *s = json_object_object_get_ex(j, "srpm", &v) ? base_of(v) :
					json_object_new_object();

		json_object_object_add(s, "path", str_or_null(st->srpm.path));
		json_object_object_add(s, "sha256", str_or_null(st->srpm.sha256));
		json_object_object_add(s, "name", str_or_null(st->srpm.name));
		json_object_object_add(s, "epoch", str_or_null(st->srpm.epoch));
		json_object_object_add(s, "version", str_or_null(st->srpm.version));
		json_object_object_add(s, "release", str_or_null(st->srpm.release));
		json_object_object_add(s, "nevr", str_or_null(st->srpm.nevr));
		json_object_object_add(j, "srpm", s);
	}
	put(j, "spec", str_or_null(st->spec));
	put(j, "qemu_version", str_or_null(st->qemu_version));
	put(j, "baseline", str_or_null(st->baseline));
	if (st->ndefines || st->has_srpm || json_object_object_get_ex(j, "defines", NULL)) {
		arr = json_object_new_array();
		for (i = 0; i < st->ndefines; i++)
			json_object_array_add(arr, json_object_new_string(st->defines[i]));
		json_object_object_add(j, "defines", arr);
	}
	if (st->has_srpm || json_object_object_get_ex(j, "distribution_patches", NULL))
		json_object_object_add(j, "distribution_patches",
				       json_object_new_int(st->distribution_patches));
	if (st->ncommands || json_object_object_get_ex(j, "commands", NULL) || st->has_srpm) {
		arr = json_object_new_array();
		for (i = 0; i < st->ncommands; i++)
			json_object_array_add(arr, ws_command_json(&st->commands[i]));
		json_object_object_add(j, "commands", arr);
	}
	if (st->has_patches) {
		arr = json_object_new_array();
		for (i = 0; i < st->npatches; i++)
			json_object_array_add(arr, ws_patch_json(&st->patches[i]));
		json_object_object_add(j, "patches", arr);
	}
	put(j, "qga_forge_version", str_or_null(st->qga_forge_version));
	if (st->has_spec_sync) {
		struct json_object *s = json_object_object_get_ex(j, "spec_sync", &v) ? base_of(v) :
					json_object_new_object();

		json_object_object_add(s, "bumped", json_object_new_boolean(st->sync_bumped));
		json_object_object_add(s, "header", str_or_null(st->sync_header));
		json_object_object_add(s, "changelog", str_or_null(st->sync_changelog));
		json_object_object_add(j, "spec_sync", s);
	}
	put(j, "agent", str_or_null(st->agent));
}

void ws_state_set_str(char **field, const char *value)
{
	char *v = value ? xstrdup(value) : NULL;

	free(*field);
	*field = v;
}
