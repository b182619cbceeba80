#ifndef QGA_FORGE_WORKSPACE_SMOKE_INSTALLED_H
#define QGA_FORGE_WORKSPACE_SMOKE_INSTALLED_H

/*
 * `smoke --as-installed`: the agent started as the package's own systemd
 * unit starts it (deploy_installed_read()), for the smoke runner.
 */

#include <stdbool.h>

#include "deploy/deploy.h"

struct json_object;
struct qga_smoke_opts;
struct ws_progress;

struct smoke_installed {
	struct deploy_installed inst;
	char *tmpdir;        /* where the packaged agent was extracted (removed at release) */
	char *agent;         /* that agent, or NULL */
	char **rpms;
	size_t nrpms;
};

/*
 * Read the packages: `rpms` (NULL-terminated) or, when NULL, every rpm of
 * OUT/RPMS where OUT is the directory holding `agent`'s agent/ directory.
 * `need_agent`: extract the unit's program from the package to run it.
 * Fills o->agent_args and o->config_text (pointing into *si). Warnings go
 * to `pr` (no unit: the agent runs as a plain unix-listen agent).
 */
int smoke_installed_setup(struct smoke_installed *si, struct qga_smoke_opts *o,
			  const char *const *rpms, const char *agent, bool need_agent,
			  const struct ws_progress *pr);

/* {"rpm", "unit", "exec_start", "environment_files", "config"} or NULL when no unit. */
struct json_object *smoke_installed_json(const struct smoke_installed *si);
void smoke_installed_release(struct smoke_installed *si);

#endif
