#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "publish/publish.h"
#include "util/banned.h"

static struct json_object *result_json(const struct publish_result *r)
{
	struct json_object *o = json_object_new_object(), *pkgs = json_object_new_array();
	size_t i;

	json_object_object_add(o, "repo", json_object_new_string(r->repo));
	for (i = 0; i < r->npkgs; i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "file", json_object_new_string(r->pkgs[i].file));
		json_object_object_add(p, "nevra", json_object_new_string(r->pkgs[i].nevra));
		json_object_object_add(p, "sha256", json_object_new_string(r->pkgs[i].sha256));
		json_object_object_add(p, "added", json_object_new_boolean(r->pkgs[i].added));
		json_object_object_add(p, "signed", json_object_new_boolean(r->pkgs[i].signed_here));
		json_object_array_add(pkgs, p);
	}
	json_object_object_add(o, "packages", pkgs);
	json_object_object_add(o, "repo_packages", json_object_new_int64((int64_t)r->total));
	json_object_object_add(o, "records_reused", json_object_new_int64((int64_t)r->reused));
	json_object_object_add(o, "packages_read", json_object_new_int64((int64_t)r->read));
	json_object_object_add(o, "repomd", json_object_new_string(r->repomd));
	json_object_object_add(o, "gpgkey", r->gpgkey ? json_object_new_string(r->gpgkey) : NULL);
	json_object_object_add(o, "repo_file", json_object_new_string(r->repo_file));
	return o;
}

int cmd_publish(int argc, const char **argv)
{
	/* popt allocates string arguments; they are freed at the end. */
	char *repo = NULL, *sign = NULL, *gpg_home = NULL, *repo_id = NULL, *baseurl = NULL;
	int status, nargs, ret;
	struct poptOption table[] = {
		{ "repo", '\0', POPT_ARG_STRING, &repo, 0,
		  "the yum repository directory (created when missing)", "DIR" },
		{ "sign", '\0', POPT_ARG_STRING, &sign, 0,
		  "sign each package with this gpg key before it enters the repository", "KEYID" },
		{ "gpg-home", '\0', POPT_ARG_STRING, &gpg_home, 0,
		  "gpg's home directory for --sign (default: gpg's own)", "DIR" },
		{ "repo-id", '\0', POPT_ARG_STRING, &repo_id, 0,
		  "the section name of the printed .repo file (default: qga-forge)", "ID" },
		{ "baseurl", '\0', POPT_ARG_STRING, &baseurl, 0,
		  "where clients find the repository (default: a placeholder to replace)", "URL" },
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext ctx = cli_parse(&status, "publish", argc, argv, table, "OUTDIR");
	struct publish_opts o;
	struct publish_result r = PUBLISH_RESULT_INIT;
	const char **args;
	size_t i;

	if (!ctx)
		goto out;
	args = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("publish", nargs ? "expected one OUTDIR" : "missing OUTDIR");
		goto out;
	}
	if (!repo || !*repo) {
		status = cli_usage("publish", "missing --repo DIR");
		goto out;
	}
	if (gpg_home && !sign) {
		status = cli_usage("publish", "--gpg-home is only for --sign");
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.outdir = args[0];
	o.repo = repo;
	o.sign_key = sign;
	o.gpg_home = gpg_home;
	o.repo_id = repo_id;
	o.baseurl = baseurl;
	/* What a killed publish left in the repository (cli.h, util/scratch.h). */
	scratch_sweep(repo, PUBLISH_FRESH_PREFIX, false, NULL, cli_report_leftover, NULL);
	{
		char *pkgs = fs_path_join(repo, PUBLISH_PACKAGES_DIR);

		scratch_sweep_files(pkgs, PUBLISH_TEMP_PREFIX, cli_report_leftover, NULL);
		free(pkgs);
	}
	error_clear();
	if ((ret = publish_run(&r, &o)) < 0) {
		status = cli_fail(ret);
		goto out;
	}
	if (cli_opts.json) {
		struct json_object *j = result_json(&r);

		cli_print_json(j);
		json_object_put(j);
	} else {
		/* stdout carries only the .repo file, so `publish ... > x.repo` works. */
		for (i = 0; i < r.npkgs; i++)
			cli_info("%-9s %s%s", r.pkgs[i].added ? "added" : "unchanged", r.pkgs[i].file,
				 r.pkgs[i].signed_here ? " (signed)" : "");
		cli_info("metadata: %s (%zu packages: %zu read, %zu records reused)", r.repomd,
			 r.total, r.read, r.reused);
		if (r.gpgkey)
			cli_info("gpg key:  %s", r.gpgkey);
		fputs(r.repo_file, stdout);
	}
	status = cli_finish(0);
out:
	publish_result_release(&r);
	poptFreeContext(ctx);
	free(repo);
	free(sign);
	free(gpg_home);
	free(repo_id);
	free(baseurl);
	return status;
}
