#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <rpm/rpmbuild.h>

#include "deploy/deploy.h"
#include "internal.h"
#include "rpm/srpm.h"
#include "specedit/spec.h"
#include "util/banned.h"

#define OP "build"

/*
 * Live progress: the rpm stage the log has reached, and how long each took.
 * A phase is reported when it ends (the next "Executing(...)" or the end of
 * the stage), with its own duration: "%build (158 s)".
 */
struct progress {
	const struct ws_progress *to;
	const char *log;
	const char *step;
	double start;
	char phase[64];
	double phase_start;
	off_t scanned;      /* where the next read starts */
	off_t seen;         /* just past the last phase marker taken */
};

static void phase_done(struct progress *p, double now)
{
	if (p->phase[0])
		ws_emit(p->to, WS_EVENT_PHASE, OP, p->step, p->phase, now - p->phase_start);
}

/* Read what the log gained since the last call; each phase begun ends the one before. */
static void progress_scan(struct progress *p, double now)
{
	struct buf b = BUF_INIT;
	int fd;
	const char *ex;

	fd = open(p->log, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char chunk[65536];
		ssize_t n;

		if (lseek(fd, p->scanned, SEEK_SET) >= 0) {
			while ((n = read(fd, chunk, sizeof(chunk))) > 0)
				buf_put(&b, chunk, (size_t)n);
		}
		close(fd);
	}
	/* rpm announces each phase as "Executing(%build): ..." */
	for (ex = b.ptr; (ex = strstr(ex, "Executing(")); ex++) {
		const char *end = strchr(ex, ')');

		if (!end || end - ex - 10 >= (long)sizeof(p->phase))
			continue;
		/* The overlap below shows a marker already taken again. */
		if (p->scanned + (off_t)(ex - b.ptr) < p->seen)
			continue;
		p->seen = p->scanned + (off_t)(end - b.ptr);
		phase_done(p, now);
		snprintf(p->phase, sizeof(p->phase), "%.*s", (int)(end - ex - 10), ex + 10);
		p->phase_start = now;
	}
	/* Keep a little overlap so a marker split across reads is seen. */
	if (b.len > 64)
		p->scanned += (off_t)(b.len - 64);
	buf_release(&b);
}

static void progress_tick(void *arg)
{
	struct progress *p = arg;
	double now = clock_now();

	if (!p->to || !p->to->fn)
		return;
	progress_scan(p, now);
	ws_emit(p->to, WS_EVENT_TICK, OP, p->step, p->phase[0] ? p->phase : NULL, now - p->start);
}

/* The end of the stage ends its last phase. */
static void progress_end(struct progress *p)
{
	double now = clock_now();

	if (!p->to || !p->to->fn)
		return;
	progress_scan(p, now);
	phase_done(p, now);
}

void ws_add_timing(struct json_object *timings, const char *step, double seconds)
{
	char text[32];

	snprintf(text, sizeof(text), "%.3f", seconds);
	json_object_object_add(timings, step, json_object_new_double_s(seconds, text));
}

/* Defines: reproducibility first, then the workspace's, then this build's. */
static void collect_defines(struct strvec *out, struct ws *ws, const struct ws_build_opts *o,
			    const char *extra)
{
	static const char *const repro[] = {
		"use_source_date_epoch_as_buildtime 1",
		"clamp_mtime_to_source_date_epoch 1",
		"source_date_epoch_from_changelog 1",
		"_buildhost qga-forge.localdomain",
		/* rpm 4.11 (CentOS 7) reads gzip payloads, not zstd. */
		"_source_payload w9.gzdio",
		"_binary_payload w9.gzdio",
		NULL
	};

	strvec_clear(out);
	strvec_pushv(out, repro);
	strvec_pushv(out, (const char *const *)ws_info(ws)->defines);
	if (o->jobs > 0) {
		strvec_pushf(out, "_smp_mflags -j%d", o->jobs);
		strvec_pushf(out, "_smp_build_ncpus %d", o->jobs);
	}
	strvec_pushv(out, o->defines);
	if (extra)
		strvec_push(out, extra);
}

/* Every file below `dir` ending in `suffix`, as absolute paths, in directory order. */
static void find_files(struct json_object *out, const char *dir, const char *suffix)
{
	struct strvec found = STRVEC_INIT;
	size_t i;

	if (fs_find_files(&found, dir, suffix) < 0)
		error_clear();
	for (i = 0; i < found.n; i++) {
		char *p = fs_path_join(dir, found.v[i]);

		json_object_array_add(out, json_object_new_string(p));
		free(p);
	}
	strvec_clear(&found);
}

static struct json_object *artifact(const char *path, const char *outdir)
{
	struct json_object *a = json_object_new_object();
	char hex[65] = "";
	const char *rel = path;

	if (!strncmp(path, outdir, strlen(outdir)) && path[strlen(outdir)] == '/')
		rel = path + strlen(outdir) + 1;
	hash_sha256_file(hex, path);
	json_object_object_add(a, "path", json_object_new_string(rel));
	json_object_object_add(a, "sha256", json_object_new_string(hex));
	return a;
}

static int run_stage(struct srpm_build *b, const char *step, const struct ws_progress *to)
{
	struct progress p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.to = to;
	p.log = b->log_path;
	p.step = step;
	p.start = clock_now();
	{
		struct stat st;

		if (stat(b->log_path, &st) == 0)
			p.scanned = p.seen = st.st_size;
	}
	ws_emit(to, WS_EVENT_STAGE, OP, step, NULL, 0);
	b->tick = progress_tick;
	b->tick_arg = &p;
	ret = srpm_build(b);
	progress_end(&p);
	ws_emit(to, WS_EVENT_STAGE_END, OP, step, NULL, clock_now() - p.start);
	if (ret < 0)
		error_prefix(ret, "step '%s' failed", step);
	return ret;
}

/*
 * A fixed rebuild directory per package: the compiler records build paths
 * (debug info, __FILE__), so the same path every time is what makes two
 * builds of the same inputs give the same payload. Its lock keeps two
 * builds of one package from sharing it at once, and marks it as ours: a
 * killed build's directory is removed by the next qga-forge command
 * (util/scratch.h). It is removed at the end of every build.
 */
static int rebuild_dir(struct scratch *out, const char *nvr, const struct ws_progress *progress)
{
	struct ws_leftover_report rep = { progress, OP };
	char *base = scratch_rebuild_base();
	int ret = 0, attempt;

	/* Another command may remove the base directory when it is empty: make it again. */
	for (attempt = 0; attempt < 10; attempt++) {
		if ((ret = fs_mkdirs(base, 0700)) < 0)
			break;
		ret = scratch_create_fixed(out, base, nvr, ws_report_leftover, &rep);
		if (ret != ERR_NOTFOUND)
			break;
	}
	free(base);
	return ret;
}

static void rebuild_dir_done(struct scratch *s)
{
	char *base = scratch_rebuild_base();

	scratch_remove(s);
	rmdir(base);
	free(base);
}

static int find_agent(char **rpm_out, char **path_out, struct json_object *rpms)
{
	size_t i;

	*rpm_out = *path_out = NULL;
	for (i = 0; i < json_object_array_length(rpms); i++) {
		const char *rpm = json_object_get_string(json_object_array_get_idx(rpms, i));
		struct buf list = BUF_INIT;
		char *line, *save = NULL;

		if (srpm_list_files(&list, rpm) < 0) {
			buf_release(&list);
			return ERR_GENERIC;
		}
		for (line = strtok_r(list.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *base = strrchr(line, '/');

			if (base && !strcmp(base, "/qemu-ga") &&
			    (strstr(line, "/bin/") || strstr(line, "/libexec/"))) {
				*rpm_out = xstrdup(rpm);
				*path_out = xstrdup(line);
				break;
			}
		}
		buf_release(&list);
		if (*rpm_out)
			return 0;
	}
	return error_set(ERR_NOTFOUND, "no binary rpm of this build contains qemu-ga");
}

int ws_write_manifest(const char *outdir, struct json_object *m)
{
	char *path = fs_path_join(outdir, "manifest.json");
	char *text = xasprintf("%s\n", json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_SPACED |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	int ret = fs_write_atomic(path, text, strlen(text), 0644);

	free(text);
	free(path);
	return ret;
}

/* inputs.command_files of a workspace build: the inputs add-command recorded. */
static struct json_object *command_files(const struct ws_state *st)
{
	struct json_object *files = json_object_new_array();
	struct strvec seen = STRVEC_INIT;
	size_t i, k;

	for (i = 0; i < st->ncommands; i++) {
		const struct ws_command *c = &st->commands[i];
		struct {
			const char *name, *role, *text;
			size_t len;
		} in[2] = { { c->origin, "schema", c->fragment, c->fragment_len },
			    { c->handler_name, "handlers", c->handler, c->handler_len } };

		for (k = 0; k < 2; k++) {
			struct json_object *e;
			char hex[65], *key;
			size_t j;

			if (!in[k].name || !in[k].text)
				continue;
			hash_sha256_hex(hex, in[k].text, in[k].len);
			key = xasprintf("%s %s", in[k].name, hex);
			for (j = 0; j < seen.n && strcmp(seen.v[j], key); j++)
				;
			if (j < seen.n) {
				free(key);
				continue;
			}
			strvec_push(&seen, key);
			free(key);
			e = json_object_new_object();
			json_object_object_add(e, "path", json_object_new_string(in[k].name));
			json_object_object_add(e, "role", json_object_new_string(in[k].role));
			json_object_object_add(e, "sha256", json_object_new_string(hex));
			json_object_array_add(files, e);
		}
	}
	strvec_clear(&seen);
	return files;
}

/*
 * Record deploy_check() of the binary rpms as manifest.deploy. A package
 * built here from a vendor spec has no dist tag (this host has no %dist):
 * the vendor src.rpm's Release names the target then.
 */
static int check_deploy(struct json_object *m, struct json_object *rpms, struct ws *ws)
{
	const struct ws_state *st = ws_info(ws);
	struct json_object *d = NULL;
	struct deploy_opts o = { NULL, NULL, true };
	size_t i, n = json_object_array_length(rpms);
	const char **paths = xcalloc(n + 1, sizeof(*paths));
	int ret;

	for (i = 0; i < n; i++)
		paths[i] = json_object_get_string(json_object_array_get_idx(rpms, i));
	if (st->has_srpm)
		o.fallback_release = st->srpm.release;
	if ((ret = deploy_check_json(&d, paths, n, &o)) < 0)
		error_prefix(ret, "step 'check-rpm' failed");
	else
		json_object_object_add(m, "deploy", d);
	free(paths);
	return ret;
}

/* The manifest: what went in, what came out, and how long it took. */
static struct json_object *manifest(struct ws *ws, const struct ws_build_opts *o, const char *out,
				    const char *srpm, struct json_object *found, const char *agent,
				    const char *log)
{
	const struct ws_state *st = ws_info(ws);
	struct json_object *m = json_object_new_object(), *inputs = json_object_new_object();
	struct json_object *cmds = json_object_new_array(), *full = ws_state_json(ws), *v, *arts;
	size_t i;

	json_object_object_add(m, "qga_forge_version", json_object_new_string(QGA_FORGE_VERSION));
	if (!o->srpm_only) {
		char *how = o->container ? xasprintf("container %s", o->container) :
			    o->mock_config ? xasprintf("mock %s", o->mock_config) : xstrdup("host");

		json_object_object_add(m, "rebuild", json_object_new_string(how));
		free(how);
	}
	if (json_object_object_get_ex(full, "srpm", &v))
		json_object_object_add(inputs, "srpm", json_object_get(v));
	for (i = 0; i < st->ncommands; i++) {
		const struct ws_command *c = &st->commands[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(c->name));
		if (c->prototype)
			json_object_object_add(e, "prototype", json_object_new_string(c->prototype));
		if (c->commit)
			json_object_object_add(e, "commit", json_object_new_string(c->commit));
		json_object_array_add(cmds, e);
	}
	json_object_object_add(inputs, "command_files", command_files(st));
	json_object_object_add(m, "inputs", inputs);
	if (st->qemu_version)
		json_object_object_add(m, "qemu_version", json_object_new_string(st->qemu_version));
	json_object_object_add(m, "commands", cmds);
	if (st->has_patches) {
		struct json_object *pl = json_object_new_array();

		for (i = 0; i < st->npatches; i++)
			json_object_array_add(pl, ws_patch_json(&st->patches[i]));
		json_object_object_add(m, "patches", pl);
	}
	arts = json_object_new_array();
	json_object_array_add(arts, artifact(srpm, out));
	if (!o->srpm_only) {
		for (i = 0; i < json_object_array_length(found); i++)
			json_object_array_add(arts, artifact(json_object_get_string(
				json_object_array_get_idx(found, i)), out));
		json_object_array_add(arts, artifact(agent, out));
	}
	json_object_object_add(m, "artifacts", arts);
	json_object_object_add(m, "srpm", json_object_new_string(srpm));
	if (agent)
		json_object_object_add(m, "agent", json_object_new_string(agent));
	json_object_object_add(m, "outdir", json_object_new_string(out));
	json_object_object_add(m, "log", json_object_new_string(log));
	json_object_put(full);
	return m;
}

/* Rebuild the src.rpm on this host, in a fixed private topdir. */
static int rebuild_on_host(struct scratch *rdir, struct ws *ws, const struct ws_build_opts *o,
			   const char *srpm, const char *rpmsdir, const char *log,
			   const struct ws_agent_only_plan *plan, const char *out, char **derived)
{
	struct srpm_info info;
	struct strvec defines = STRVEC_INIT;
	struct srpm_build b;
	char *rspec = NULL, *d = NULL;
	int ret;

	if ((ret = srpm_read_info(&info, srpm)) < 0)
		return ret;
	ret = rebuild_dir(rdir, info.nvr, &o->progress);
	srpm_info_release(&info);
	if (ret < 0 || (ret = srpm_install(&rspec, srpm, rdir->path)) < 0) {
		error_prefix(ret, "step 'rebuild' failed");
		goto out;
	}
	if (plan->mode == WS_AGENT_ONLY_SUBPACKAGE) {
		/* The vendor's package stays whole in SRPMS; the binary build is the derived spec's. */
		if ((ret = ws_agent_only_spec(derived, ws, plan, rspec, out, &o->progress)) < 0) {
			error_prefix(ret, "step 'agent-only spec' failed");
			goto out;
		}
		free(rspec);
		rspec = xstrdup(*derived);
	}
	d = xasprintf("_rpmdir %s", rpmsdir);
	collect_defines(&defines, ws, o, d);
	memset(&b, 0, sizeof(b));
	b.spec = rspec;
	b.topdir = rdir->path;
	b.defines = strvec_list(&defines);
	b.log_path = log;
	b.amount = RPMBUILD_PREP | RPMBUILD_BUILD | RPMBUILD_INSTALL | RPMBUILD_CHECK |
		   RPMBUILD_FILECHECK | RPMBUILD_PACKAGEBINARY | RPMBUILD_CLEAN;
	b.nodeps = o->nodeps;
	ret = run_stage(&b, "rebuild", &o->progress);
out:
	strvec_clear(&defines);
	free(rspec);
	free(d);
	return ret;
}

/*
 * The macros init found the host lacks ("missing_macros" of the state),
 * where the spec uses them now: the rpm about to be built carries them
 * unexpanded. Only reported; what a build does about it is the deployment
 * checks' business.
 */
static void warn_missing_macros(struct ws *ws, const struct ws_progress *pr)
{
	struct json_object *mm;
	struct spec_info info;
	struct spec_macro_use *uses = NULL;
	struct buf text = BUF_INIT;
	const char *spec = ws_spec_path(ws);
	size_t i, n = 0;

	if (!spec || !json_object_object_get_ex(ws_state(ws), "missing_macros", &mm) ||
	    !json_object_is_type(mm, json_type_array) || !json_object_array_length(mm))
		return;
	memset(&info, 0, sizeof(info));
	info.undefined = xcalloc(json_object_array_length(mm) + 1, sizeof(*info.undefined));
	for (i = 0; i < json_object_array_length(mm); i++) {
		struct json_object *name;
		size_t k;

		if (!json_object_object_get_ex(json_object_array_get_idx(mm, i), "name", &name))
			continue;
		for (k = 0; k < info.nundefined; k++)
			if (!strcmp(info.undefined[k], json_object_get_string(name)))
				break;
		if (k == info.nundefined)
			info.undefined[info.nundefined++] = xstrdup(json_object_get_string(name));
	}
	buf_set_cap(&text, SPEC_CAP);
	if (fs_read_file(&text, spec) == 0 && spec_find_undefined_macros(&uses, &n, spec, &text, &info) == 0) {
		const char *rel = spec + strlen(ws_root(ws)) + 1;

		for (i = 0; i < n; i++)
			ws_warn_event(pr, OP, "%s:%u:%u: '%%%s' is not defined on this host (it comes "
				      "from %s); the rpm built here carries it unexpanded", rel,
				      uses[i].line, uses[i].col, uses[i].name, uses[i].package);
	}
	error_clear();
	free(uses);
	buf_release(&text);
	spec_info_release(&info);
}

int ws_build_run(struct ws *ws, const struct ws_build_opts *o, struct json_object *extra_timings,
		 struct json_object **manifest_out, const char **step_out)
{
	const char *step = "build";
	char *out = NULL, *srpms = NULL, *rpmsdir = NULL, *log = NULL, *agentdir = NULL;
	char *emulator = NULL;
	struct scratch rdir = SCRATCH_INIT;
	char *agent = NULL, *d1 = NULL;
	char *agent_rpm = NULL, *agent_in_rpm = NULL;
	struct strvec defines = STRVEC_INIT;
	struct json_object *m = NULL, *timings = json_object_new_object();
	struct json_object *found = json_object_new_array();
	struct ws_patch_result patched = { 0 };
	struct srpm_build b;
	struct ws_agent_only_plan plan = { 0 };
	int ret;
	double t0, tall = clock_now();
	char *srpm = NULL, *derived = NULL;

	if (manifest_out)
		*manifest_out = NULL;
	if (o->agent_only) {
		/* Before anything changes: is there an agent package to build alone? */
		step = "agent-only";
		if (o->container || o->mock_config || o->srpm_only) {
			ret = error_set(ERR_USAGE, "--agent-only builds on this host: not with --container, "
					"--mock or --srpm-only");
			goto cleanup;
		}
		if ((ret = ws_agent_only_plan(ws, &plan)) < 0)
			goto cleanup;
		if (plan.mode == WS_AGENT_ONLY_WHOLE)
			ws_info_event(&o->progress, OP, "agent-only: the src.rpm is %s itself: it is built "
				      "as it is", plan.vendor_name);
	}
	out = o->outdir ? fs_abspath(o->outdir) : ws_path(ws, "out");
	srpms = fs_path_join(out, "SRPMS");
	rpmsdir = fs_path_join(out, "RPMS");
	agentdir = fs_path_join(out, "agent");
	log = fs_path_join(out, "build.log");
	/* OUT's subdirectories are ours: start them empty so OUT holds this build only. */
	if ((ret = fs_mkdirs(out, 0755)) < 0 || (ret = fs_remove_tree(srpms)) < 0 ||
	    (ret = fs_remove_tree(rpmsdir)) < 0 || (ret = fs_remove_tree(agentdir)) < 0 ||
	    (ret = fs_mkdirs(srpms, 0755)) < 0)
		goto cleanup;
	unlink(log);
	/* An earlier --agent-only build's derived spec would describe another build. */
	ws_agent_only_sweep(out);
	{
		/* Under the workspace lock: what a killed build's atomic writes left (manifest.json). */
		struct ws_leftover_report rep = { &o->progress, OP };

		if (scratch_sweep_files(out, "", ws_report_leftover, &rep) < 0)
			error_clear();
	}

	t0 = clock_now();
	step = "patch";
	ws_emit(&o->progress, WS_EVENT_STAGE, OP, "patch", NULL, 0);
	ret = ws_op_patch(ws, &patched);
	ws_emit(&o->progress, WS_EVENT_STAGE_END, OP, "patch", NULL, clock_now() - t0);
	if (ret < 0) {
		error_prefix(ret, "step 'patch' failed");
		goto cleanup;
	}
	if (patched.patchn_converted)
		ws_info_event(&o->progress, OP, "qga-forge: rpm %d.%d rejects %%patchN: rewrote %zu line%s "
			      "of the spec as '%%patch -P N' (recorded in the workspace state)",
			      spec_rpm_version() / 10000, spec_rpm_version() / 100 % 100,
			      patched.patchn_converted, patched.patchn_converted == 1 ? "" : "s");
	warn_missing_macros(ws, &o->progress);
	ws_add_timing(timings, "patch", clock_now() - t0);

	t0 = clock_now();
	step = "srpm";
	d1 = xasprintf("_srcrpmdir %s", srpms);
	collect_defines(&defines, ws, o, d1);
	memset(&b, 0, sizeof(b));
	b.spec = ws_spec_path(ws);
	b.topdir = ws_topdir(ws);
	b.defines = strvec_list(&defines);
	b.log_path = log;
	b.amount = RPMBUILD_PACKAGESOURCE;
	b.nodeps = true;
	if ((ret = run_stage(&b, "srpm", &o->progress)) < 0)
		goto cleanup;
	find_files(found, srpms, ".src.rpm");
	if (json_object_array_length(found) != 1) {
		ret = error_set(ERR_GENERIC, "step 'srpm': expected one src.rpm in '%s', found %zu",
				srpms, json_object_array_length(found));
		goto cleanup;
	}
	srpm = xstrdup(json_object_get_string(json_object_array_get_idx(found, 0)));
	ws_add_timing(timings, "srpm", clock_now() - t0);

	if (!o->srpm_only) {
		t0 = clock_now();
		step = "rebuild";
		if (o->container || o->mock_config) {
			collect_defines(&defines, ws, o, NULL);
			ret = ws_build_external(o, srpm, out, rpmsdir, log, strvec_list(&defines));
		} else {
			ret = rebuild_on_host(&rdir, ws, o, srpm, rpmsdir, log, &plan, out, &derived);
		}
		if (ret < 0)
			goto cleanup;
		ws_add_timing(timings, "rebuild", clock_now() - t0);

		t0 = clock_now();
		step = "agent";
		json_object_put(found);
		found = json_object_new_array();
		find_files(found, rpmsdir, ".rpm");
		if ((ret = find_agent(&agent_rpm, &agent_in_rpm, found)) < 0 ||
		    (ret = fs_mkdirs(agentdir, 0755)) < 0)
			goto cleanup;
		agent = fs_path_join(agentdir, "qemu-ga");
		if ((ret = srpm_extract_file(agent_rpm, agent_in_rpm, agent)) < 0) {
			error_prefix(ret, "step 'agent' failed");
			goto cleanup;
		}
		ws_add_timing(timings, "agent", clock_now() - t0);
		step = "emulator";
		if ((ret = ws_extract_emulator(&emulator, out, found)) < 0)
			goto cleanup;
	}

	step = "manifest";
	m = manifest(ws, o, out, srpm, found, agent, log);
	if (plan.mode) {
		struct json_object *ao = json_object_new_object();

		json_object_object_add(ao, "vendor_package", json_object_new_string(plan.vendor_name));
		json_object_object_add(ao, "evr", json_object_new_string(plan.evr));
		json_object_object_add(ao, "derived", json_object_new_boolean(derived != NULL));
		if (derived) {
			char *base = fs_basename(derived), *kept = fs_path_join(out, base);

			json_object_object_add(ao, "spec", json_object_new_string(kept));
			free(kept);
			free(base);
		}
		json_object_object_add(m, "agent_only", ao);
	}
	if (emulator)
		json_object_object_add(m, "emulator", json_object_new_string(emulator));
	/* check-rpm hook: is what was built deployable on its target? */
	if (!o->srpm_only && (ret = check_deploy(m, found, ws)) < 0)
		goto cleanup;
	if (extra_timings) {
		json_object_object_foreach(extra_timings, k, tv)
			json_object_object_add(timings, k, json_object_get(tv));
	}
	ws_add_timing(timings, "build_total", clock_now() - tall);
	json_object_object_add(m, "timings", json_object_get(timings));
	if ((ret = ws_write_manifest(out, m)) < 0)
		goto cleanup;
	/* Remember the agent for `smoke -w`. */
	if (agent) {
		ws_state_set_str(&ws_edit(ws)->agent, agent);
		if ((ret = ws_save_state(ws)) < 0)
			goto cleanup;
	}
	if (manifest_out)
		*manifest_out = json_object_get(m);
cleanup:
	if (step_out)
		*step_out = ret ? step : NULL;
	if (rdir.path)
		rebuild_dir_done(&rdir);
	ws_patch_result_release(&patched);
	ws_agent_only_plan_release(&plan);
	free(derived);
	json_object_put(found);
	json_object_put(timings);
	json_object_put(m);
	strvec_clear(&defines);
	free(srpm);
	free(agent_rpm);
	free(agent_in_rpm);
	free(d1);
	free(agent);
	free(emulator);
	free(agentdir);
	free(log);
	free(rpmsdir);
	free(srpms);
	free(out);
	return ret;
}

int ws_op_build(struct ws *ws, const struct ws_build_opts *o, struct json_object **manifest_out)
{
	return ws_build_run(ws, o, NULL, manifest_out, NULL);
}
