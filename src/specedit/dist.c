#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "specedit/spec.h"
#include "specedit/internal.h"
#include "util/error.h"
#include "util/util.h"
#include "util/banned.h"

/*
 * Stands for %{dist} while rpm expands Release: letters only, which rpm
 * allows there, and which no real Release contains.
 */
#define DIST_MARK "XqgaforgedistinferX"

int spec_infer_dist(char **out, const char *path, const char *built_release,
		    const struct spec_query_opts *opts)
{
	struct spec_info info;
	int ret = spec_infer_dist_info(out, &info, path, built_release, opts);

	spec_info_release(&info);
	return ret;
}

int spec_infer_dist_info(char **out, struct spec_info *info_out, const char *path,
			 const char *built_release, const struct spec_query_opts *opts)
{
	struct spec_query_opts q;
	struct spec_info info;
	const char *mark, *post;
	bool keep = false;
	size_t pre, pl, hl;
	int ret;

	*out = NULL;
	memset(info_out, 0, sizeof(*info_out));
	memset(&q, 0, sizeof(q));
	if (opts)
		q = *opts;
	q.dist = DIST_MARK;
	memset(&info, 0, sizeof(info));
	if ((ret = spec_query_internal(&info, NULL, path, NULL, &q)) < 0)
		return ret;
	mark = strstr(info.release, DIST_MARK);
	if (!mark)
		goto out;
	pre = (size_t)(mark - info.release);
	post = mark + strlen(DIST_MARK);
	pl = strlen(post);
	hl = strlen(built_release);
	if (strstr(post, DIST_MARK) || hl < pre + pl || strncmp(built_release, info.release, pre) != 0 ||
	    strcmp(built_release + hl - pl, post) != 0) {
		ret = error_set(ERR_NOTFOUND, "%s: the src.rpm's Release '%s' does not fit the spec's "
				"Release '%.*s%%{dist}%s'", path, built_release, (int)pre, info.release, post);
		goto out;
	}
	*out = xstrndup(built_release + pre, hl - pre - pl);
out:
	if (ret >= 0 || ret == ERR_NOTFOUND) {
		*info_out = info;
		keep = true;
	}
	if (!keep)
		spec_info_release(&info);
	return ret;
}

/*
 * Where each comes from: systemd's src/rpm/macros.systemd.in (packaged as
 * systemd-rpm-macros on Fedora and EL8+, inside systemd on CentOS 7);
 * redhat-rpm-config's macros (the build flags; %ldconfig_scriptlets since
 * Fedora 28); python-rpm-macros (%__python3 in python-srpm-macros,
 * %python3_sitelib/arch in python3-rpm-macros). Debian's rpm 4.18 defines
 * none of them (`rpm --eval` leaves each as it is).
 */
const struct spec_dist_macro spec_dist_macros[] = {
	{ "_unitdir", "systemd-rpm-macros" },
	{ "_userunitdir", "systemd-rpm-macros" },
	{ "_presetdir", "systemd-rpm-macros" },
	{ "_udevrulesdir", "systemd-rpm-macros" },
	{ "_udevhwdbdir", "systemd-rpm-macros" },
	{ "_tmpfilesdir", "systemd-rpm-macros" },
	{ "_sysusersdir", "systemd-rpm-macros" },
	{ "_sysctldir", "systemd-rpm-macros" },
	{ "_modulesloaddir", "systemd-rpm-macros" },
	{ "systemd_requires", "systemd-rpm-macros" },
	{ "systemd_ordering", "systemd-rpm-macros" },
	{ "systemd_post", "systemd-rpm-macros" },
	{ "systemd_preun", "systemd-rpm-macros" },
	{ "systemd_postun", "systemd-rpm-macros" },
	{ "systemd_postun_with_restart", "systemd-rpm-macros" },
	{ "systemd_user_post", "systemd-rpm-macros" },
	{ "udev_rules_update", "systemd-rpm-macros" },
	{ "tmpfiles_create", "systemd-rpm-macros" },
	{ "sysctl_apply", "systemd-rpm-macros" },
	{ "set_build_flags", "redhat-rpm-config" },
	{ "build_cflags", "redhat-rpm-config" },
	{ "build_cxxflags", "redhat-rpm-config" },
	{ "build_ldflags", "redhat-rpm-config" },
	{ "__global_ldflags", "redhat-rpm-config" },
	{ "__global_cflags", "redhat-rpm-config" },
	{ "_hardened_ldflags", "redhat-rpm-config" },
	{ "_hardened_cflags", "redhat-rpm-config" },
	{ "ldconfig_scriptlets", "redhat-rpm-config" },
	{ "__python3", "python-srpm-macros" },
	{ "python3_sitelib", "python3-rpm-macros" },
	{ "python3_sitearch", "python3-rpm-macros" },
	{ NULL, NULL }
};

static const struct spec_dist_macro *dist_macro(const char *name)
{
	size_t i;

	for (i = 0; spec_dist_macros[i].name; i++)
		if (!strcmp(spec_dist_macros[i].name, name))
			return &spec_dist_macros[i];
	return NULL;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool undefined(const struct spec_info *info, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < info->nundefined; i++)
		if (strlen(info->undefined[i]) == n && !strncmp(info->undefined[i], name, n))
			return true;
	return false;
}

int spec_find_undefined_macros(struct spec_macro_use **out, size_t *nout, const char *path,
			       const struct buf *text, const struct spec_info *info)
{
	struct spec_macro_use *v = NULL;
	size_t n = 0, alloc = 0, i = 0, line_start = 0;
	unsigned line = 1;

	(void)path;
	*out = NULL;
	*nout = 0;
	if (!info->nundefined)
		return 0;
	while (i < text->len) {
		size_t k = line_start;

		/* A comment line: rpm leaves it to the shell, or drops it. */
		if (i == line_start) {
			while (k < text->len && (text->ptr[k] == ' ' || text->ptr[k] == '\t'))
				k++;
			if (k < text->len && text->ptr[k] == '#') {
				while (i < text->len && text->ptr[i] != '\n')
					i++;
			}
		}
		if (i >= text->len)
			break;
		if (text->ptr[i] == '\n') {
			line++;
			line_start = ++i;
			continue;
		}
		if (text->ptr[i] == '%' && i + 1 < text->len && text->ptr[i + 1] == '%') {
			i += 2;
			continue;
		}
		if (text->ptr[i] == '%') {
			size_t b = i + 1, e;
			char name[64];
			const struct spec_dist_macro *m;

			if (b < text->len && text->ptr[b] == '{')
				b++;
			e = b;
			while (e < text->len && name_char(text->ptr[e]))
				e++;
			/* %{?x} and %{!?x} test for x; they are not uses. */
			if (e > b && e - b < sizeof(name) && undefined(info, text->ptr + b, e - b)) {
				memcpy(name, text->ptr + b, e - b);
				name[e - b] = '\0';
				m = dist_macro(name);
				if (m) {
					if (n == alloc) {
						alloc = alloc ? 2 * alloc : 8;
						v = xrealloc(v, alloc * sizeof(*v));
					}
					v[n].name = m->name;
					v[n].package = m->package;
					v[n].line = line;
					v[n].col = (unsigned)(i - line_start + 1);
					n++;
				}
			}
			i = e > i + 1 ? e : i + 1;
			continue;
		}
		i++;
	}
	*out = v;
	*nout = n;
	return 0;
}
