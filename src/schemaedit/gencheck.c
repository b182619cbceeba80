#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/run.h"
#include "util/scratch.h"
#include "util/banned.h"

/*
 * The tree's own generator is the ground truth for prototypes. It runs on
 * a copy of the schema in a temporary directory, so the tree is never
 * written to and a failed run leaves nothing behind; python3 -B writes no
 * __pycache__ beside the tree's scripts/qapi.
 */

#define GEN_TIMEOUT_MS (120 * 1000)

static int gen_run(const char *tree_dir, const char *schema_path, const char *outdir, bool qga)
{
	char *script = fs_path_join(tree_dir, "scripts/qapi-gen.py");
	const char *argv[] = { "python3", "-B", script, "-o", outdir, "-p", "qga-", schema_path, NULL };
	const char *argv_qmp[] = { "python3", "-B", script, "-o", outdir, schema_path, NULL };
	struct run_opts opts = { 0 };
	struct run_result res = RUN_RESULT_INIT;
	int rc;

	opts.argv = qga ? argv : argv_qmp;
	opts.capture = true;
	opts.capture_cap = 64 * 1024;
	opts.timeout_ms = GEN_TIMEOUT_MS;
	rc = run_command(&res, &opts);
	if (!rc && (res.status != 0 || res.timed_out)) {
		buf_rtrim(&res.err);
		rc = error_set(ERR_INPUT, "the tree's QAPI generator rejected the schema%s: %s",
			       res.timed_out ? " (timed out)" : "",
			       res.err.len ? res.err.ptr : "(no message)");
	}
	run_result_release(&res);
	free(script);
	return rc;
}

int qapi_gen_run(const char *tree_dir, const char *schema_path, const char *outdir)
{
	return gen_run(tree_dir, schema_path, outdir, true);
}

/* Copy the tree's other qga/ .json files (includes) next to the schema copy. */
static int copy_json_siblings(const char *qga_dir, const char *dst_dir, const char *except)
{
	DIR *d = opendir(qga_dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return 0;
	while (!rc && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char *src, *dst;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") || !strcmp(e->d_name, except))
			continue;
		src = fs_path_join(qga_dir, e->d_name);
		dst = fs_path_join(dst_dir, e->d_name);
		rc = fs_copy_file(src, dst);
		free(src);
		free(dst);
	}
	closedir(d);
	return rc;
}

/* The declaration line of `func` in the generated header, trimmed; NULL if absent. */
static char *find_decl(const struct buf *hdr, const char *func)
{
	char *want = xasprintf("%s(", func);
	const char *p = hdr->ptr;
	char *found = NULL;

	while ((p = strstr(p, want))) {
		const char *ls = p, *le;

		if (p > hdr->ptr && p[-1] != ' ' && p[-1] != '*') {
			p += strlen(want);
			continue;
		}
		while (ls > hdr->ptr && ls[-1] != '\n')
			ls--;
		le = strchr(p, '\n');
		if (!le)
			le = hdr->ptr + hdr->len;
		while (le > ls && (le[-1] == ' ' || le[-1] == '\r'))
			le--;
		if (le > ls && le[-1] == ';') {
			found = xstrndup(ls, (size_t)(le - ls));
			break;
		}
		p += strlen(want);
	}
	free(want);
	return found;
}

static int compare_protos(const struct buf *hdr, const struct qapi_proto *protos, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		char *ours = qapi_proto_string(&protos[i]);
		char *theirs = find_decl(hdr, protos[i].func);

		if (!theirs || strcmp(ours, theirs))
			rc = error_set(ERR_BUG,
				       "prototype of command '%s' differs from the generator's: qga-forge derived '%s', the tree's generator declares '%s' (a qga-forge bug; please report it)",
				       protos[i].command, ours, theirs ? theirs : "(nothing)");
		free(ours);
		free(theirs);
	}
	return rc;
}

/* Name the schema as the user knows it, not by its temporary copy. */
static void rename_in_error(int rc, const char *tmp_path, const char *user_path)
{
	struct buf msg = BUF_INIT;
	const char *m = error_last(), *hit;

	while ((hit = strstr(m, tmp_path))) {
		buf_put(&msg, m, (size_t)(hit - m));
		buf_puts(&msg, user_path);
		m = hit + strlen(tmp_path);
	}
	buf_puts(&msg, m);
	error_set(rc, "%s", msg.ptr);
	buf_release(&msg);
}

static int can_run(const char **skip_reason, const char *script)
{
	if (!fs_is_file(script)) {
		*skip_reason = "the tree has no scripts/qapi-gen.py";
		return 1;
	}
	if (!run_have_program("python3")) {
		*skip_reason = "python3 is not installed";
		return 1;
	}
	return 0;
}

int qapi_gen_crosscheck_qmp(const char **skip_reason, const char *tree_dir, const char *module,
			    const char *schema_text, size_t len, const struct qapi_proto *protos,
			    size_t n)
{
	char *script = fs_path_join(tree_dir, "scripts/qapi-gen.py");
	char *tree_qapi = fs_path_join(tree_dir, "qapi");
	char *base = fs_basename(module), *qapi = NULL, *path = NULL, *main_schema = NULL;
	char *outdir = NULL, *hdr_name = NULL, *hdr_path = NULL, *tmp_root = NULL;
	struct scratch dir = SCRATCH_INIT;
	struct buf hdr = BUF_INIT;
	size_t bl = strlen(base);
	int rc;

	*skip_reason = NULL;
	if ((rc = can_run(skip_reason, script)) != 0)
		goto out;
	if ((rc = scratch_create(&dir, scratch_tmpdir(), SCRATCH_GEN_PREFIX)) < 0)
		goto out;
	qapi = fs_path_join(dir.path, "qapi");
	path = fs_path_join(qapi, base);
	main_schema = fs_path_join(qapi, "qapi-schema.json");
	outdir = fs_path_join(dir.path, "out");
	tmp_root = xasprintf("%s/", dir.path);
	rc = fs_mkdirs(qapi, 0700);
	if (!rc)
		rc = copy_json_siblings(tree_qapi, qapi, base);
	if (!rc)
		rc = fs_write_atomic(path, schema_text, len, 0644);
	if (!rc && (rc = gen_run(tree_dir, main_schema, outdir, false)) < 0)
		rename_in_error(rc, tmp_root, "");
	if (rc)
		goto out;
	if (bl > 5 && !strcmp(base + bl - 5, ".json"))
		bl -= 5;
	hdr_name = xasprintf("qapi-commands-%.*s.h", (int)bl, base);
	hdr_path = fs_path_join(outdir, hdr_name);
	if (!(rc = fs_read_file(&hdr, hdr_path)))
		rc = compare_protos(&hdr, protos, n);
out:
	scratch_remove(&dir);
	buf_release(&hdr);
	free(script);
	free(tree_qapi);
	free(base);
	free(qapi);
	free(path);
	free(main_schema);
	free(outdir);
	free(hdr_name);
	free(hdr_path);
	free(tmp_root);
	return rc;
}

int qapi_gen_crosscheck(const char **skip_reason, const char *tree_dir, const char *schema_text,
			size_t len, const struct qapi_proto *protos, size_t n)
{
	char *script = fs_path_join(tree_dir, "scripts/qapi-gen.py");
	struct scratch dir = SCRATCH_INIT;
	const char *tmp = NULL;
	char *qga = NULL, *schema = NULL, *outdir = NULL, *hdr_path = NULL;
	char *tree_qga = fs_path_join(tree_dir, "qga");
	struct buf hdr = BUF_INIT;
	int rc = 0;

	*skip_reason = NULL;
	if (!fs_is_file(script)) {
		*skip_reason = "the tree has no scripts/qapi-gen.py";
		rc = 1;
		goto out;
	}
	if (!run_have_program("python3")) {
		*skip_reason = "python3 is not installed";
		rc = 1;
		goto out;
	}
	/* Owner-marked: a killed run's copy is removed by the next qga-forge command. */
	if ((rc = scratch_create(&dir, scratch_tmpdir(), SCRATCH_GEN_PREFIX)) < 0)
		goto out;
	tmp = dir.path;
	qga = fs_path_join(tmp, "qga");
	schema = fs_path_join(qga, "qapi-schema.json");
	outdir = fs_path_join(tmp, "out");
	rc = fs_mkdirs(qga, 0700);
	if (!rc)
		rc = copy_json_siblings(tree_qga, qga, "qapi-schema.json");
	if (!rc)
		rc = fs_write_atomic(schema, schema_text, len, 0644);
	if (!rc) {
		rc = qapi_gen_run(tree_dir, schema, outdir);
		if (rc)
			rename_in_error(rc, schema, "qga/qapi-schema.json");
	}
	if (rc)
		goto out;
	hdr_path = fs_path_join(outdir, "qga-qapi-commands.h");
	if (!fs_exists(hdr_path)) {
		free(hdr_path);
		hdr_path = fs_path_join(outdir, "qga-qmp-commands.h");
	}
	rc = fs_read_file(&hdr, hdr_path);
	if (rc)
		goto out;
	rc = compare_protos(&hdr, protos, n);
out:
	scratch_remove(&dir);
	buf_release(&hdr);
	free(hdr_path);
	free(outdir);
	free(schema);
	free(qga);
	free(tree_qga);
	free(script);
	return rc;
}
