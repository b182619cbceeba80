#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "agent/qga.h"
#include "internal.h"
#include "smoke_installed.h"
#include "util/banned.h"

void smoke_installed_release(struct smoke_installed *si)
{
	size_t i;

	deploy_installed_release(&si->inst);
	if (si->tmpdir && fs_remove_tree(si->tmpdir) < 0)
		error_clear();
	free(si->tmpdir);
	free(si->agent);
	for (i = 0; i < si->nrpms; i++)
		free(si->rpms[i]);
	free(si->rpms);
	memset(si, 0, sizeof(*si));
}

static void add_rpm(struct smoke_installed *si, const char *path)
{
	si->rpms = xrealloc(si->rpms, (si->nrpms + 2) * sizeof(*si->rpms));
	si->rpms[si->nrpms++] = xstrdup(path);
	si->rpms[si->nrpms] = NULL;
}

/* OUT/agent/qemu-ga -> OUT/RPMS/<arch>/<name>.rpm */
static int rpms_beside(struct smoke_installed *si, const char *agent)
{
	char *agentdir = fs_dirname(agent), *out = fs_dirname(agentdir);
	char *pattern = xasprintf("%s/RPMS/*/*.rpm", out);
	glob_t g;
	size_t i;
	int ret = 0;

	memset(&g, 0, sizeof(g));
	if (glob(pattern, 0, NULL, &g) != 0 || !g.gl_pathc)
		ret = error_set(ERR_NOTFOUND, "no binary rpm in '%s/RPMS' for --as-installed; "
				"give --rpm RPM", out);
	for (i = 0; !ret && i < g.gl_pathc; i++)
		add_rpm(si, g.gl_pathv[i]);
	globfree(&g);
	free(pattern);
	free(agentdir);
	free(out);
	return ret;
}

int smoke_installed_setup(struct smoke_installed *si, struct qga_smoke_opts *o,
			  const char *const *rpms, const char *agent, bool need_agent,
			  const struct ws_progress *pr)
{
	char *extract = NULL;
	size_t i;
	int ret;

	memset(si, 0, sizeof(*si));
	for (i = 0; rpms && rpms[i]; i++)
		add_rpm(si, rpms[i]);
	if (!si->nrpms && (!agent || (ret = rpms_beside(si, agent)) < 0))
		return agent ? ret : error_set(ERR_USAGE, "--as-installed needs the packages: "
					      "--rpm RPM or a workspace's build");
	if (need_agent) {
		char tmpl[] = "/tmp/qga-forge-installed.XXXXXX";

		if (!mkdtemp(tmpl))
			return error_set_errno(ERR_GENERIC, "cannot create a temporary directory");
		si->tmpdir = xstrdup(tmpl);
		extract = fs_path_join(si->tmpdir, "qemu-ga");
	}
	ret = deploy_installed_read(&si->inst, (const char *const *)si->rpms, si->nrpms, extract);
	if (ret < 0)
		goto out;
	if (!si->inst.rpm) {
		ws_warn_event(pr, "smoke", "no systemd unit of the packages starts qemu-ga: the agent runs as a plain "
			 "'qemu-ga -m unix-listen'");
		if (need_agent)
			ret = error_set(ERR_NOTFOUND, "no agent to run: give --agent PATH");
		goto out;
	}
	for (i = 0; i < si->inst.nmissing_env; i++)
		ws_warn_event(pr, "smoke", "%s: EnvironmentFile=%s is not in the packages; its variables are empty",
			 si->inst.unit, si->inst.missing_env[i]);
	if (need_agent) {
		if (!si->inst.program_rpm) {
			ret = error_set(ERR_NOTFOUND, "%s starts '%s', which no package ships; give "
					"--agent PATH", si->inst.unit, si->inst.argv[0]);
			goto out;
		}
		si->agent = extract;
		extract = NULL;
		o->agent = si->agent;
	}
	o->agent_args = si->inst.argc ? (const char *const *)si->inst.argv + 1 : NULL;
	o->config_text = si->inst.conf_path ? si->inst.conf.ptr : NULL;
out:
	free(extract);
	return ret;
}

struct json_object *smoke_installed_json(const struct smoke_installed *si)
{
	struct json_object *o, *files;
	size_t i;

	if (!si->inst.rpm)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "rpm", json_object_new_string(si->inst.rpm));
	json_object_object_add(o, "unit", json_object_new_string(si->inst.unit));
	json_object_object_add(o, "exec_start", json_object_new_string(si->inst.exec_start));
	files = json_object_new_array();
	for (i = 0; i < si->inst.nenv_files; i++)
		json_object_array_add(files, json_object_new_string(si->inst.env_files[i]));
	json_object_object_add(o, "environment_files", files);
	json_object_object_add(o, "config", si->inst.conf_path ?
				json_object_new_string(si->inst.conf_path) : NULL);
	return o;
}
