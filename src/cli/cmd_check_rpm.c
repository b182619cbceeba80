#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check_rpm.h"
#include "cli.h"
#include "commands.h"
#include "deploy/deploy.h"
#include "util/banned.h"

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

void check_rpm_print(FILE *f, struct json_object *deploy, int only_problems)
{
	struct json_object *rpms, *probs;
	size_t i, j;

	if (!json_object_object_get_ex(deploy, "rpms", &rpms))
		return;
	for (i = 0; i < json_object_array_length(rpms); i++) {
		struct json_object *r = json_object_array_get_idx(rpms, i);
		const char *target = jstr(r, "target"), *need = jstr(r, "glibc_needed");
		size_t n;

		json_object_object_get_ex(r, "problems", &probs);
		n = probs ? json_object_array_length(probs) : 0;
		if (only_problems && !n)
			continue;
		if (target)
			fprintf(f, "%s: built for %s (%s), glibc %s there; needs glibc %s: %s\n",
				jstr(r, "nevra"), target, jstr(r, "target_source"), jstr(r, "target_glibc"),
				need ? need : "-",
				json_object_get_boolean(json_object_object_get(r, "ok")) ? "deployable"
											  : "NOT deployable");
		else
			fprintf(f, "%s: target unknown, needs glibc %s\n", jstr(r, "nevra"),
				need ? need : "-");
		for (j = 0; j < n; j++) {
			struct json_object *p = json_object_array_get_idx(probs, j);

			const char *rpm = jstr(r, "rpm"), *base = strrchr(rpm, '/');

			fprintf(f, "  %s: %s: %s: %s\n", jstr(p, "severity"), base ? base + 1 : rpm,
				jstr(p, "where"), jstr(p, "message"));
			fprintf(f, "    fix: %s\n", jstr(p, "fix"));
		}
	}
}

int cmd_check_rpm(int argc, const char **argv)
{
	char *target = NULL;  /* popt's copy */
	int no_payload = 0, status, nargs, ret;
	struct poptOption table[] = {
		{ "target", 't', POPT_ARG_STRING, &target, 0,
		  "the distribution the rpms are for (default: each rpm's dist tag)",
		  "el7|el8|el9|el10|fedora" },
		{ "no-payload", '\0', POPT_ARG_NONE, &no_payload, 0,
		  "check the headers only, without reading the ELF files of the payloads", NULL },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "check-rpm", argc, argv, table, "OUTDIR|RPM...");
	struct deploy_result r = DEPLOY_RESULT_INIT;
	struct deploy_opts o;
	struct json_object *j = NULL;
	const char **args;

	if (!ctx)
		goto out;
	args = cli_args(ctx, &nargs);
	if (nargs < 1) {
		status = cli_usage("check-rpm", "missing OUTDIR or RPM");
		goto out;
	}
	if (target && !deploy_baseline_find(target)) {
		status = cli_usage("check-rpm", "--target %s: expected el7, el8, el9, el10 or fedora",
				   target);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.target = target;
	o.read_payload = !no_payload;
	if ((ret = deploy_check(&r, args, (size_t)nargs, &o)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	j = deploy_result_json(&r);
	if (cli_opts.json)
		cli_print_json(j);
	else if (!cli_opts.quiet || r.nerrors)
		check_rpm_print(stdout, j, cli_opts.quiet);
	if (r.nerrors) {
		error_set(ERR_GENERIC, "%zu problem%s make%s %s not deployable on %s target", r.nerrors,
			  r.nerrors == 1 ? "" : "s", r.nerrors == 1 ? "s" : "",
			  r.nrpms == 1 ? "the rpm" : "rpms", r.nrpms == 1 ? "its" : "their");
		fflush(stdout);
		status = cli_fail(ERR_GENERIC);
		goto out;
	}
	status = cli_finish(0);
out:
	json_object_put(j);
	deploy_result_release(&r);
	poptFreeContext(ctx);
	free(target);
	return status;
}
