/*
 * build --agent-only: the qemu-guest-agent subpackage of a qemu or qemu-kvm
 * src.rpm, alone. Which package holds the agent is rpm's answer (the
 * packages its spec parser makes); the spec built is derived from the
 * vendor's by specedit (spec_derive_agent_only) and kept in OUT.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "specedit/spec.h"
#include "util/run.h"
#include "util/banned.h"

#define OP "build"
#define AGENT_PACKAGE "qemu-guest-agent"

void ws_agent_only_plan_release(struct ws_agent_only_plan *p)
{
	free(p->vendor_name);
	free(p->evr);
	memset(p, 0, sizeof(*p));
}

int ws_agent_only_plan(struct ws *ws, struct ws_agent_only_plan *out)
{
	const struct ws_state *st = ws_info(ws);
	const char *spec = ws_spec_path(ws);
	struct spec_query_opts q;
	struct spec_info info;
	struct buf names = BUF_INIT;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&q, 0, sizeof(q));
	q.defines = (const char *const *)st->defines;
	if ((ret = spec_query(&info, spec, NULL, &q)) < 0)
		return ret;
	out->vendor_name = xstrdup(info.name);
	for (i = 0; i < info.npackages; i++) {
		const struct spec_pkg *p = &info.packages[i];

		buf_printf(&names, "%s'%s'", i ? ", " : "", p->name ? p->name : "");
		if (!p->name || strcmp(p->name, AGENT_PACKAGE))
			continue;
		out->evr = xasprintf("%s%s%s-%s", p->epoch ? p->epoch : "", p->epoch ? ":" : "",
				     p->version ? p->version : "", p->release ? p->release : "");
		out->mode = i == 0 ? WS_AGENT_ONLY_WHOLE : WS_AGENT_ONLY_SUBPACKAGE;
	}
	if (!out->mode) {
		ret = error_set(ERR_INPUT, "%s: no '%s' package (the spec makes %s): --agent-only needs a "
				"qemu or qemu-kvm src.rpm whose spec has '%%package -n %s'", spec,
				AGENT_PACKAGE, names.ptr, AGENT_PACKAGE);
	} else if (out->mode == WS_AGENT_ONLY_SUBPACKAGE) {
		ret = spec_agent_only_supported(st->qemu_version);
	}
	buf_release(&names);
	spec_info_release(&info);
	if (ret < 0)
		ws_agent_only_plan_release(out);
	return ret;
}

int ws_agent_only_spec(char **spec_out, struct ws *ws, const struct ws_agent_only_plan *plan,
		       const char *vendor_spec, const char *outdir, const struct ws_progress *pr)
{
	struct spec_agent_only_opts so;
	struct spec_agent_only_result res;
	struct buf in = BUF_INIT, out = BUF_INIT;
	char *base = fs_basename(vendor_spec), *dir = fs_dirname(vendor_spec), *name = NULL;
	char *path = NULL, *kept = NULL;
	int ret;

	*spec_out = NULL;
	memset(&res, 0, sizeof(res));
	buf_set_cap(&in, SPEC_CAP);
	if ((ret = fs_read_file(&in, vendor_spec)) < 0)
		goto out;
	so.main_name = plan->vendor_name;
	so.subpackage = AGENT_PACKAGE;
	so.qemu_version = ws_info(ws)->qemu_version;
	if ((ret = spec_derive_agent_only(&out, &res, base, &in, &so)) < 0)
		goto out;
	if (strlen(base) > 5 && !strcmp(base + strlen(base) - 5, ".spec"))
		base[strlen(base) - 5] = '\0';
	name = xasprintf("%s.agent-only.spec", base);
	path = fs_path_join(dir, name);
	kept = fs_path_join(outdir, name);
	if ((ret = fs_write_atomic(path, out.ptr, out.len, 0644)) < 0 ||
	    (ret = fs_write_atomic(kept, out.ptr, out.len, 0644)) < 0)
		goto out;
	ws_info_event(pr, OP, "agent-only: %s %s from %s.spec (%%package -n %s at line %u, %%files at "
		      "line %u; %zu BuildRequires kept, %zu dropped; %zu sections of other packages "
		      "dropped); the spec built is %s", AGENT_PACKAGE, plan->evr, base, AGENT_PACKAGE,
		      res.package_line, res.files_line, res.kept_buildrequires,
		      res.dropped_buildrequires, res.dropped_sections, kept);
	if (res.docs && !run_have_program("sphinx-build"))
		ws_warn_event(pr, OP, "agent-only: '%%files -n %s' lists qemu-ga.8, so the build makes "
			      "QEMU's man pages with sphinx, and this host has no sphinx-build: install "
			      "python3-sphinx and its Read the Docs theme first", AGENT_PACKAGE);
	*spec_out = path;
	path = NULL;
out:
	spec_agent_only_result_release(&res);
	buf_release(&in);
	buf_release(&out);
	free(base);
	free(dir);
	free(name);
	free(path);
	free(kept);
	return ret;
}

void ws_agent_only_sweep(const char *outdir)
{
	static const char suffix[] = ".agent-only.spec";
	DIR *d = opendir(outdir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char *p;

		if (n <= sizeof(suffix) - 1 || strcmp(e->d_name + n - (sizeof(suffix) - 1), suffix))
			continue;
		p = fs_path_join(outdir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
}
