#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "deploy/deploy.h"
#include "rpc_policy.h"
#include "specedit/spec.h"
#include "util/util.h"
#include "util/banned.h"

#define SUFFIX ".qga-forge"
#define POLICY_FILE_CAP (256u << 10)

void rpc_policy_result_release(struct rpc_policy_result *r)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++) {
		free(r->files[i].path);
		buf_release(&r->files[i].data);
	}
	free(r->files);
	free(r->changelog);
	json_object_put(r->state);
	memset(r, 0, sizeof(*r));
}

static struct rpc_policy_file *add_file(struct rpc_policy_result *r, char *path, bool remove)
{
	struct rpc_policy_file *f;

	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof(*r->files));
	f = &r->files[r->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->remove = remove;
	return f;
}

/* What qga-forge pointed SourceN at before (prev entry), or NULL. */
static struct json_object *prev_entry(struct json_object *prev, int number)
{
	size_t i;

	for (i = 0; prev && json_object_is_type(prev, json_type_array) &&
		    i < json_object_array_length(prev); i++) {
		struct json_object *e = json_object_array_get_idx(prev, i), *v;

		if (json_object_object_get_ex(e, "number", &v) && json_object_get_int(v) == number)
			return e;
	}
	return NULL;
}

static const char *entry_str(struct json_object *e, const char *key)
{
	struct json_object *v;

	return e && json_object_object_get_ex(e, key, &v) ? json_object_get_string(v) : NULL;
}

static bool looks_binary_name(const char *name)
{
	static const char *const ext[] = { ".tar", ".tar.gz", ".tar.xz", ".tar.bz2", ".tgz", ".zip",
					   ".rpm", ".patch", ".diff", ".gz", ".xz", ".bz2", NULL };
	size_t n = strlen(name), i;

	for (i = 0; ext[i]; i++)
		if (n >= strlen(ext[i]) && !strcmp(name + n - strlen(ext[i]), ext[i]))
			return true;
	return false;
}

static char *describe(const struct deploy_policy *p)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < p->nlists; i++)
		if (p->lists[i].kind == DEPLOY_POLICY_ALLOW)
			buf_printf(&b, "%s%s (%s)", b.len ? ", " : "", p->lists[i].key, p->lists[i].option);
	return buf_detach(&b, NULL);
}

int rpc_policy_sync(struct rpc_policy_result *out, const char *spec, struct buf *text,
		    const char *sourcedir, const char *const *cmds, size_t ncmds,
		    struct json_object *prev, const struct spec_query_opts *q)
{
	struct spec_info info;
	struct buf content = BUF_INIT, edited = BUF_INIT, next = BUF_INIT, notes = BUF_INIT;
	struct json_object *state = json_object_new_array();
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&info, 0, sizeof(info));
	if ((ret = spec_query(&info, spec, text, q)) < 0)
		goto out;
	for (i = 0; i < info.nsources; i++) {
		struct json_object *pe = prev_entry(prev, info.sources[i].number);
		const char *vendor = pe ? entry_str(pe, "vendor") : info.sources[i].file;
		char *vpath = NULL, *gen = NULL;
		struct deploy_policy pol;
		size_t added = 0, refs = 0;

		memset(&pol, 0, sizeof(pol));
		if (!vendor || !fs_is_safe_name(vendor) || looks_binary_name(vendor))
			continue;
		vpath = fs_path_join(sourcedir, vendor);
		buf_reset(&content);
		buf_set_cap(&content, POLICY_FILE_CAP);
		if (fs_read_file(&content, vpath) < 0 ||
		    deploy_policy_parse(&pol, vpath, content.ptr, content.len) < 0) {
			/* missing, too big or not text: not a policy file */
			error_clear();
			goto next_source;
		}
		if (!pol.nlists)
			goto next_source;
		if ((ret = deploy_policy_allow(&edited, &added, &pol, content.ptr, content.len, cmds,
					       ncmds)) < 0)
			goto next_source;
		gen = xasprintf("%s" SUFFIX, vendor);
		if (added) {
			struct json_object *e = json_object_new_object();
			struct rpc_policy_file *f = add_file(out, fs_path_join(sourcedir, gen), false);
			char *how = describe(&pol);

			buf_put(&f->data, edited.ptr, edited.len);
			if ((ret = spec_set_source(&next, spec, text, info.sources[i].number, gen)) < 0) {
				free(how);
				json_object_put(e);
				goto next_source;
			}
			buf_swap(text, &next);
			spec_rename_source_refs(&next, text, vendor, gen, &refs);
			buf_swap(text, &next);
			json_object_object_add(e, "number", json_object_new_int(info.sources[i].number));
			json_object_object_add(e, "vendor", json_object_new_string(vendor));
			json_object_object_add(e, "file", json_object_new_string(gen));
			json_object_array_add(state, e);
			buf_printf(&notes, "- Allow the added commands in %s's %s (Source%d is now %s",
				   vendor, how, info.sources[i].number, gen);
			if (refs)
				buf_printf(&notes, ", and so %s %zu line%s that install%s it by name", refs == 1 ?
					   "is the" : "are the", refs, refs == 1 ? "" : "s", refs == 1 ? "s" : "");
			buf_printf(&notes, "); it is %%config(noreplace): a host that changed its copy "
				   "keeps it and needs the commands added by hand\n");
			free(how);
		} else if (pe) {
			/* nothing to add any more: the vendor's file again */
			if ((ret = spec_set_source(&next, spec, text, info.sources[i].number, vendor)) < 0)
				goto next_source;
			buf_swap(text, &next);
			spec_rename_source_refs(&next, text, gen, vendor, &refs);
			buf_swap(text, &next);
			add_file(out, fs_path_join(sourcedir, gen), true);
		}
next_source:
		deploy_policy_release(&pol);
		free(vpath);
		free(gen);
		if (ret < 0)
			goto out;
	}
	if (notes.len)
		out->changelog = buf_detach(&notes, NULL);
	if (json_object_array_length(state)) {
		out->state = state;
		state = NULL;
	}
out:
	if (ret < 0)
		rpc_policy_result_release(out);
	json_object_put(state);
	spec_info_release(&info);
	buf_release(&content);
	buf_release(&edited);
	buf_release(&next);
	buf_release(&notes);
	return ret;
}
