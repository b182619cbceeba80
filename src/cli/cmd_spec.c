#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "specedit/spec.h"
#include "util/banned.h"

#define PATCH_CAP (256u << 20)

static const char spec_usage[] =
	"usage: qga-forge spec add-patch SPEC PATCHFILE [--comment TEXT]\n"
	"   or: qga-forge spec renumber SPEC\n"
	"   or: qga-forge spec bump SPEC [--changelog TEXT] [--packager 'NAME <EMAIL>'] [--suffix SUFFIX]\n"
	"   or: qga-forge spec check SPEC [--no-spec-code]\n"
	"\n"
	"Edits an rpm spec file in its own style, checked by rpm before it is written:\n"
	"  add-patch  declare PATCHFILE as the next patch and apply it last in %prep\n"
	"  renumber   number the patches in declaration order, references included\n"
	"  bump       bump Release (or add a local suffix) and add a %changelog entry\n"
	"  check      parse with rpm; print the package and the patches %prep applies\n";

/*
 * The file we are about to replace must not be a symbolic link: writing
 * through it could land anywhere, and replacing it would quietly turn the
 * user's link into a file.
 */
static int refuse_link(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return error_set(ERR_INPUT, "'%s' is a symbolic link; qga-forge does not write "
				 "through links: give the path of the file itself", path);
	return 0;
}

/*
 * The journal that makes a spec edit and its patch file one change
 * (util/fs.h): ".SPEC.qga-forge-journal" beside the spec. Every spec
 * subcommand finishes or drops an interrupted one before reading the spec.
 */
static char *journal_of(const char *spec)
{
	char *dir = fs_dirname(spec), *base = fs_basename(spec);
	char *name = xasprintf(".%s.qga-forge-journal", base), *j = fs_path_join(dir, name);

	free(dir);
	free(base);
	free(name);
	return j;
}

static int recover_spec(const char *spec)
{
	char *j = journal_of(spec), *dir = fs_dirname(spec), *base = fs_basename(spec);
	char *prefix = xasprintf("%s" FS_TEMP_INFIX, base);
	int ret = fs_journal_recover(j);

	/* And the temporary copy a killed bump or renumber left (locked while it is written). */
	if (scratch_sweep_files(dir, prefix, cli_report_leftover, NULL) < 0)
		error_clear();
	free(prefix);
	free(base);
	free(dir);
	free(j);
	return ret;
}

/* --convert-patch-macros, shared by every spec subcommand. */
static int convert_patch_macros;

#define CONVERT_OPTION \
	{ "convert-patch-macros", '\0', POPT_ARG_NONE, &convert_patch_macros, 0, \
	  "where this rpm rejects %patchN (4.20 and later), first rewrite those lines as " \
	  "%patch -P N (written on their own)", NULL }

/*
 * rpm 4.20 and later reject %patchN. Such a spec is rewritten to
 * "%patch -P N" (which every rpm from 4.11 reads) only when asked, as a write
 * of its own before the command's edit; otherwise the command fails at the
 * first such line and names the flag.
 */
static int convert_patchn_step(const char *path)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct spec_patchn_result res;
	int ret, v = spec_rpm_version();

	memset(&res, 0, sizeof(res));
	buf_set_cap(&in, SPEC_CAP);
	if (!spec_rpm_rejects_patchn(0) || (ret = fs_read_file(&in, path)) < 0 ||
	    (ret = spec_convert_patchn(&out, &res, path, &in)) < 0 || !res.count) {
		ret = 0;
		goto done;
	}
	if (!convert_patch_macros) {
		ret = error_set(ERR_INPUT, "%s:%u:%u: rpm %d.%d rejects %%patchN (%zu such line%s); "
				"rerun with --convert-patch-macros to rewrite them as '%%patch -P N', "
				"which every rpm from 4.11 on reads", path, res.lines[0], res.cols[0],
				v / 10000, v / 100 % 100, res.count, res.count == 1 ? "" : "s");
		goto done;
	}
	{
		struct fs_journal_file f = { path, out.ptr, out.len, 0644 };
		char *j = journal_of(path);

		ret = fs_journal_commit(j, &f, 1);
		free(j);
		if (ret < 0)
			goto done;
	}
	cli_info("%s: rewrote %zu %%patchN line%s as '%%patch -P N' (rpm %d.%d rejects %%patchN)",
		 path, res.count, res.count == 1 ? "" : "s", v / 10000, v / 100 % 100);
done:
	spec_patchn_result_release(&res);
	buf_release(&in);
	buf_release(&out);
	return ret;
}

/*
 * Read a spec and check it as it is, first with the model (which says where,
 * to the column), then with rpm, so that complaints about the spec itself
 * point at its own lines rather than at lines of the edited text.
 */
static int read_spec(struct buf *b, const char *path)
{
	struct spec_layout layout;
	struct spec_info info;
	int ret;

	buf_set_cap(b, SPEC_CAP);
	if ((ret = refuse_link(path)) < 0 || (ret = recover_spec(path)) < 0 ||
	    (ret = spec_policy_check(path, NULL, false)) < 0 ||
	    (ret = convert_patchn_step(path)) < 0 ||
	    (ret = fs_read_file(b, path)) < 0)
		return ret;
	if ((ret = spec_layout(&layout, path, b)) < 0)
		return ret;
	spec_layout_release(&layout);
	if ((ret = spec_query(&info, path, NULL, NULL)) < 0)
		return ret;
	spec_info_release(&info);
	return 0;
}

static void print_warnings(const struct buf *w)
{
	const char *p = w->ptr;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		cli_warn("%.*s", n, p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static json_object *warnings_json(const struct buf *w)
{
	json_object *a = json_object_new_array();
	const char *p = w->ptr;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		json_object_array_add(a, json_object_new_string_len(p, (int)n));
		if (!nl)
			break;
		p = nl + 1;
	}
	return a;
}

/* Line n (1-based) of text, without its line ending. Caller frees. */
static char *line_of(const struct buf *text, unsigned n)
{
	const char *p = text->ptr, *end = text->ptr + text->len, *nl;

	while (--n > 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		nl = end;
	if (nl > p && nl[-1] == '\r')
		nl--;
	return xstrndup(p, (size_t)(nl - p));
}

/*
 * Where the patch goes in the spec's source directory: *write_out is set
 * unless the same bytes are there already (the file written with the spec,
 * in one journaled change).
 */
static int place_patch(char **dest_out, bool *write_out, const char *spec, const char *patchfile,
		       const struct buf *data, const char *name)
{
	char *dir = spec_sourcedir(spec), *dest = fs_path_join(dir, name);
	struct buf cur = BUF_INIT;
	struct stat a, b;
	int ret = 0;

	*dest_out = dest;
	*write_out = false;
	if ((ret = refuse_link(dest)) < 0)
		goto out;
	if (stat(patchfile, &a) == 0 && stat(dest, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		goto out;
	if (fs_exists(dest)) {
		buf_set_cap(&cur, PATCH_CAP);
		ret = fs_read_file(&cur, dest);
		if (ret < 0)
			goto out;
		if (cur.len != data->len || memcmp(cur.ptr, data->ptr, cur.len) != 0)
			ret = error_set(ERR_EXISTS, "'%s' already exists with other content; "
					"rename the patch or remove that file", dest);
		goto out;
	}
	ret = fs_mkdirs(dir, 0755);
	*write_out = ret == 0;
out:
	buf_release(&cur);
	free(dir);
	return ret;
}

static int spec_add_patch_cmd(int argc, const char **argv)
{
	char *comment = NULL;
	struct poptOption table[] = {
		{ "comment", 'c', POPT_ARG_STRING, &comment, 0,
		  "comment line(s) to put above the new Patch tag", "TEXT" },
		CONVERT_OPTION,
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct buf in = BUF_INIT, out = BUF_INIT, patch = BUF_INIT;
	struct spec_add_patch_result res;
	struct spec_add_patch_opts opts;
	int status, nargs, ret;
	poptContext ctx = cli_parse(&status, "spec add-patch", argc, argv, table, "SPEC PATCHFILE");
	const char **args, *spec, *patchfile, *names[1];
	char *name = NULL, *dest = NULL;
	bool write_patch = false;

	memset(&res, 0, sizeof(res));
	if (!ctx)
		return status;
	args = cli_args(ctx, &nargs);
	if (nargs != 2) {
		status = cli_usage("spec add-patch", "expected SPEC and PATCHFILE");
		goto done;
	}
	spec = args[0];
	patchfile = args[1];
	if ((ret = read_spec(&in, spec)) < 0)
		goto fail;
	buf_set_cap(&patch, PATCH_CAP);
	if ((ret = fs_read_file(&patch, patchfile)) < 0)
		goto fail;
	if (!patch.len) {
		ret = error_set(ERR_INPUT, "'%s' is empty", patchfile);
		goto fail;
	}
	if (memchr(patch.ptr, '\0', patch.len)) {
		ret = error_set(ERR_INPUT, "'%s' is not a text patch (it holds NUL bytes)", patchfile);
		goto fail;
	}
	name = fs_basename(patchfile);
	memset(&opts, 0, sizeof(opts));
	opts.name = name;
	opts.comment = comment;
	opts.patch_data = patch.ptr;
	opts.patch_len = patch.len;
	if ((ret = spec_add_patch(&out, &res, spec, &in, &opts)) < 0)
		goto fail;
	names[0] = name;
	if ((ret = spec_verify_patches(spec, &out, names, 1, NULL)) < 0) {
		error_prefix(ret, "not written");
		goto fail;
	}
	if ((ret = place_patch(&dest, &write_patch, spec, patchfile, &patch, name)) < 0)
		goto fail;
	{
		/* The patch and the spec: all old or all new, also after a crash. */
		struct fs_journal_file files[2] = {
			{ dest, patch.ptr, patch.len, 0644 },
			{ spec, out.ptr, out.len, 0644 },
		};
		char *j = journal_of(spec);

		ret = write_patch ? fs_journal_commit(j, files, 2) : fs_journal_commit(j, files + 1, 1);
		free(j);
		if (ret < 0)
			goto fail;
	}
	if (cli_opts.json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "spec", json_object_new_string(spec));
		json_object_object_add(o, "patch", json_object_new_string(dest));
		json_object_object_add(o, "number", json_object_new_int(res.number));
		json_object_object_add(o, "numbered", json_object_new_boolean(res.numbered));
		json_object_object_add(o, "tag_line", json_object_new_int((int)res.tag_line));
		json_object_object_add(o, "prep_line", res.prep_line ?
				       json_object_new_int((int)res.prep_line) : NULL);
		json_object_object_add(o, "warnings", warnings_json(&res.warnings));
		cli_print_json(o);
		json_object_put(o);
	} else {
		char *tag = line_of(&out, res.tag_line);

		print_warnings(&res.warnings);
		printf("%s:%u: %s\n", spec, res.tag_line, tag);
		free(tag);
		if (res.prep_line) {
			char *prep = line_of(&out, res.prep_line);

			printf("%s:%u: %s\n", spec, res.prep_line, prep);
			free(prep);
		} else {
			printf("%s: %%autosetup/%%autopatch applies patch %d\n", spec, res.number);
		}
		printf("%s\n", dest);
	}
	status = cli_finish(0);
	goto done;
fail:
	status = cli_fail(ret);
done:
	spec_add_patch_result_release(&res);
	buf_release(&in);
	buf_release(&out);
	buf_release(&patch);
	free(name);
	free(dest);
	free(comment); /* popt's copy */
	if (ctx)
		poptFreeContext(ctx);
	return status;
}

/* The order %prep applies patches in must survive a renumbering. */
static int same_application(const char *spec, const struct buf *before, const struct buf *after)
{
	struct spec_info a, b;
	size_t i;
	int ret;

	if ((ret = spec_query(&a, spec, before, NULL)) < 0)
		return ret;
	if ((ret = spec_query(&b, spec, after, NULL)) < 0) {
		spec_info_release(&a);
		return ret;
	}
	if (a.napplied != b.napplied)
		ret = error_set(ERR_BUG, "%s: renumbering changed the patches %%prep applies", spec);
	for (i = 0; !ret && i < a.napplied; i++)
		if (strcmp(a.applied[i].file, b.applied[i].file) != 0)
			ret = error_set(ERR_BUG, "%s: renumbering changed the order %%prep applies "
					"patches in ('%s' where '%s' was)", spec,
					b.applied[i].file, a.applied[i].file);
	spec_info_release(&a);
	spec_info_release(&b);
	return ret;
}

static int spec_renumber_cmd(int argc, const char **argv)
{
	struct poptOption table[] = {
		CONVERT_OPTION,
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct spec_renumber_map *map = NULL;
	size_t nmap = 0, i, changed = 0;
	int status, nargs, ret;
	poptContext ctx = cli_parse(&status, "spec renumber", argc, argv, table, "SPEC");
	const char **args, *spec;

	if (!ctx)
		return status;
	args = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("spec renumber", "expected SPEC");
		goto done;
	}
	spec = args[0];
	if ((ret = read_spec(&in, spec)) < 0)
		goto fail;
	if ((ret = spec_renumber(&out, &map, &nmap, spec, &in)) < 0)
		goto fail;
	if ((ret = same_application(spec, &in, &out)) < 0) {
		error_prefix(ret, "not written");
		goto fail;
	}
	for (i = 0; i < nmap; i++)
		changed += map[i].old_number != map[i].new_number;
	if (changed && (ret = fs_write_atomic(spec, out.ptr, out.len, 0644)) < 0)
		goto fail;
	if (cli_opts.json) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();

		for (i = 0; i < nmap; i++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "line", json_object_new_int((int)map[i].line));
			json_object_object_add(e, "old", json_object_new_int(map[i].old_number));
			json_object_object_add(e, "new", json_object_new_int(map[i].new_number));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "spec", json_object_new_string(spec));
		json_object_object_add(o, "changed", json_object_new_boolean(changed > 0));
		json_object_object_add(o, "patches", a);
		cli_print_json(o);
		json_object_put(o);
	} else if (!changed) {
		printf("%s: patches already numbered in order\n", spec);
	} else {
		for (i = 0; i < nmap; i++)
			if (map[i].old_number != map[i].new_number)
				printf("%s:%u: patch %d -> %d\n", spec, map[i].line,
				       map[i].old_number, map[i].new_number);
	}
	status = cli_finish(0);
	goto done;
fail:
	status = cli_fail(ret);
done:
	free(map);
	buf_release(&in);
	buf_release(&out);
	poptFreeContext(ctx);
	return status;
}

static int spec_bump_cmd(int argc, const char **argv)
{
	char *changelog = NULL, *packager = NULL, *suffix = NULL;
	struct poptOption table[] = {
		{ "changelog", 'c', POPT_ARG_STRING, &changelog, 0,
		  "changelog entry text, one item per line (default: \"- rebuilt\")", "TEXT" },
		{ "packager", 'p', POPT_ARG_STRING, &packager, 0,
		  "entry author (default: %packager, $QGA_FORGE_PACKAGER)", "'NAME <EMAIL>'" },
		{ "suffix", 's', POPT_ARG_STRING, &suffix, 0,
		  "add or bump a local release suffix (e.g. .qga) instead of the release number",
		  "SUFFIX" },
		CONVERT_OPTION,
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct spec_bump_result res;
	struct spec_bump_opts opts;
	struct spec_info info;
	int status, nargs, ret;
	poptContext ctx = cli_parse(&status, "spec bump", argc, argv, table, "SPEC");
	const char **args, *spec;

	memset(&res, 0, sizeof(res));
	memset(&info, 0, sizeof(info));
	if (!ctx)
		return status;
	args = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("spec bump", "expected SPEC");
		goto done;
	}
	spec = args[0];
	if ((ret = read_spec(&in, spec)) < 0)
		goto fail;
	memset(&opts, 0, sizeof(opts));
	opts.changelog = changelog;
	opts.packager = packager;
	opts.suffix = suffix;
	/* Reproducible builds fix "now" with SOURCE_DATE_EPOCH. */
	if (getenv("SOURCE_DATE_EPOCH") && *getenv("SOURCE_DATE_EPOCH")) {
		char *end;
		long long v = strtoll(getenv("SOURCE_DATE_EPOCH"), &end, 10);

		if (*end || v <= 0) {
			ret = error_set(ERR_USAGE, "SOURCE_DATE_EPOCH '%s' is not a positive number "
					"of seconds", getenv("SOURCE_DATE_EPOCH"));
			goto fail;
		}
		opts.now = v;
	}
	if ((ret = spec_bump(&out, &res, spec, &in, &opts)) < 0)
		goto fail;
	if ((ret = spec_query(&info, spec, &out, NULL)) < 0) {
		error_prefix(ret, "not written");
		goto fail;
	}
	if ((ret = fs_write_atomic(spec, out.ptr, out.len, 0644)) < 0)
		goto fail;
	if (cli_opts.json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "spec", json_object_new_string(spec));
		json_object_object_add(o, "old_release", json_object_new_string(res.old_release));
		json_object_object_add(o, "new_release", json_object_new_string(res.new_release));
		json_object_object_add(o, "release", json_object_new_string(info.release));
		json_object_object_add(o, "changelog", res.header ?
				       json_object_new_string(res.header) : NULL);
		json_object_object_add(o, "warnings", warnings_json(&res.warnings));
		cli_print_json(o);
		json_object_put(o);
	} else {
		print_warnings(&res.warnings);
		if (res.release_managed)
			printf("%s: Release uses %%autorelease: left alone\n", spec);
		else
			printf("%s: release %s -> %s (%s)\n", spec, res.old_release, res.new_release,
			       info.release);
		if (res.header)
			printf("%s: %s\n", spec, res.header);
		else if (res.changelog_managed)
			printf("%s: %%changelog uses %%autochangelog: left alone\n", spec);
	}
	status = cli_finish(0);
	goto done;
fail:
	status = cli_fail(ret);
done:
	spec_bump_result_release(&res);
	spec_info_release(&info);
	buf_release(&in);
	buf_release(&out);
	free(changelog); /* popt's copies */
	free(packager);
	free(suffix);
	poptFreeContext(ctx);
	return status;
}

/*
 * Uses of macros from a distribution's macro packages (systemd-rpm-macros,
 * redhat-rpm-config) that this host's rpm lacks: warned about, and as JSON.
 */
static json_object *missing_macros(const char *spec, const struct spec_info *info)
{
	json_object *a = json_object_new_array();
	struct spec_macro_use *uses = NULL;
	struct buf text = BUF_INIT;
	size_t i, n = 0;

	buf_set_cap(&text, SPEC_CAP);
	if (fs_read_file(&text, spec) == 0 && spec_find_undefined_macros(&uses, &n, spec, &text, info) == 0) {
		for (i = 0; i < n; i++) {
			json_object *e = json_object_new_object();

			if (!cli_opts.json)
				cli_warn("%s:%u:%u: '%%%s' is not defined on this host (it comes from %s); "
					 "an rpm built here carries it unexpanded", spec, uses[i].line,
					 uses[i].col, uses[i].name, uses[i].package);
			json_object_object_add(e, "name", json_object_new_string(uses[i].name));
			json_object_object_add(e, "package", json_object_new_string(uses[i].package));
			json_object_object_add(e, "line", json_object_new_int((int)uses[i].line));
			json_object_object_add(e, "col", json_object_new_int((int)uses[i].col));
			json_object_array_add(a, e);
		}
	}
	error_clear();
	free(uses);
	buf_release(&text);
	return a;
}

static int spec_check_cmd(int argc, const char **argv)
{
	int no_spec_code = 0;
	struct poptOption table[] = {
		{ "no-spec-code", '\0', POPT_ARG_NONE, &no_spec_code, 0,
		  "refuse a spec that runs code while rpm parses it (%(...), Lua, %include)", NULL },
		CONVERT_OPTION,
		CLI_COMMON_OPTIONS,
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct spec_info info;
	int status, nargs, ret;
	poptContext ctx = cli_parse(&status, "spec check", argc, argv, table, "SPEC");
	const char **args, *spec;
	char *nevr = NULL;
	size_t i, j;

	json_object *missing = NULL;

	memset(&info, 0, sizeof(info));
	if (!ctx)
		return status;
	args = cli_args(ctx, &nargs);
	if (nargs != 1) {
		status = cli_usage("spec check", "expected SPEC");
		goto done;
	}
	spec = args[0];
	if (!fs_is_file(spec)) {
		ret = error_set(ERR_NOTFOUND, "'%s': no such file", spec);
		goto fail;
	}
	if ((ret = recover_spec(spec)) < 0 || (ret = spec_policy_check(spec, NULL, no_spec_code)) < 0 ||
	    (ret = convert_patchn_step(spec)) < 0 ||
	    (ret = spec_query(&info, spec, NULL, NULL)) < 0)
		goto fail;
	nevr = xasprintf("%s-%s%s%s-%s", info.name, info.epoch ? info.epoch : "",
			 info.epoch ? ":" : "", info.version, info.release);
	missing = missing_macros(spec, &info);
	if (cli_opts.json) {
		json_object *o = json_object_new_object(), *a = json_object_new_array();
		json_object *na = json_object_new_array();

		json_object_object_add(o, "missing_macros", json_object_get(missing));
		json_object_object_add(o, "name", json_object_new_string(info.name));
		json_object_object_add(o, "epoch", info.epoch ? json_object_new_string(info.epoch) : NULL);
		json_object_object_add(o, "version", json_object_new_string(info.version));
		json_object_object_add(o, "release", json_object_new_string(info.release));
		json_object_object_add(o, "nevr", json_object_new_string(nevr));
		for (i = 0; i < info.napplied; i++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "number", json_object_new_int(info.applied[i].number));
			json_object_object_add(e, "file", json_object_new_string(info.applied[i].file));
			json_object_array_add(a, e);
		}
		for (i = 0; i < info.npatches; i++) {
			for (j = 0; j < info.napplied; j++)
				if (!strcmp(info.patches[i].file, info.applied[j].file))
					break;
			if (j == info.napplied)
				json_object_array_add(na, json_object_new_string(info.patches[i].file));
		}
		json_object_object_add(o, "applied", a);
		json_object_object_add(o, "not_applied", na);
		cli_print_json(o);
		json_object_put(o);
	} else {
		printf("%s\n", nevr);
		for (i = 0; i < info.napplied; i++)
			printf("patch %d %s\n", info.applied[i].number, info.applied[i].file);
		for (i = 0; i < info.npatches; i++) {
			for (j = 0; j < info.napplied; j++)
				if (!strcmp(info.patches[i].file, info.applied[j].file))
					break;
			if (j == info.napplied)
				cli_warn("%s: patch %d '%s' is declared but %%prep does not apply it here",
					 spec, info.patches[i].number, info.patches[i].file);
		}
	}
	status = cli_finish(0);
	goto done;
fail:
	status = cli_fail(ret);
done:
	free(nevr);
	json_object_put(missing);
	spec_info_release(&info);
	poptFreeContext(ctx);
	return status;
}

int cmd_spec(int argc, const char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, const char **);
	} subs[] = {
		{ "add-patch", spec_add_patch_cmd },
		{ "renumber", spec_renumber_cmd },
		{ "bump", spec_bump_cmd },
		{ "check", spec_check_cmd },
	};
	size_t i;

	if (argc < 2) {
		fputs(spec_usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(spec_usage, stdout);
		return cli_finish(0);
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return cli_usage("spec", "unknown subcommand '%s' (add-patch, renumber, bump, check)", argv[1]);
}
