#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rpm/header.h>
#include <rpm/rpmarchive.h>
#include <rpm/rpmbuild.h>
#include <rpm/rpmds.h>
#include <rpm/rpmfi.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmps.h>
#include <rpm/rpmts.h>

#include "srpm.h"
#include "util/compat.h"
#include "util/util.h"
#include "util/banned.h"

#define LOG_TAIL_LINES 20

/* rpm's own messages (rpmlog) are collected here instead of printed. */
static struct buf rpm_messages = BUF_INIT;

static int log_cb(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)data;
	if (rpmlogRecPriority(rec) <= RPMLOG_WARNING) {
		const char *m = rpmlogRecMessage(rec);

		if (rpm_messages.len < 8192)
			buf_puts(&rpm_messages, m);
	}
	return 0;
}

int srpm_setup(void)
{
	static int done;

	if (done)
		return 0;
	if (rpmcfg_setup(log_cb, NULL) < 0)
		return ERR_GENERIC;
	done = 1;
	return 0;
}

/* The last rpm message, trimmed, or `fallback`. */
static const char *rpm_message(const char *fallback)
{
	buf_rtrim(&rpm_messages);
	if (!rpm_messages.len)
		return fallback;
	{
		char *nl = strrchr(rpm_messages.ptr, '\n');
		const char *m = nl ? nl + 1 : rpm_messages.ptr;

		if (!strncmp(m, "error: ", 7))
			m += 7;
		return m;
	}
}

const char *srpm_rpm_version(void)
{
	return RPMVERSION;
}

char *srpm_expand(const char *expr)
{
	if (srpm_setup() < 0)
		return xstrdup("");
	return rpmExpand(expr, NULL);
}

void srpm_info_release(struct srpm_info *info)
{
	free(info->name);
	free(info->epoch);
	free(info->version);
	free(info->release);
	free(info->arch);
	free(info->nevr);
	free(info->nvr);
	free(info->payload_compressor);
	free(info->nevra);
	free(info->hdrid);
	memset(info, 0, sizeof(*info));
}

static char *hstr(Header h, rpmTagVal tag)
{
	const char *s = headerGetString(h, tag);

	return s ? xstrdup(s) : NULL;
}

/* Open and read a package header; *fd_out is left at the payload. */
static int read_header(Header *h_out, FD_t *fd_out, const char *path)
{
	rpmts ts = NULL;
	FD_t fd = NULL;
	rpmRC rc;
	int ret = 0;
	struct stat st;

	*h_out = NULL;
	if (stat(path, &st) < 0)
		return error_set_errno(errno == ENOENT ? ERR_NOTFOUND : ERR_GENERIC,
				       "cannot read '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(ERR_INPUT, "'%s' is not a regular file", path);
	if ((ret = srpm_setup()) < 0)
		return ret;
	fd = Fopen(path, "r.ufdio");
	if (!fd || Ferror(fd)) {
		ret = error_set(ERR_GENERIC, "cannot read '%s': %s", path, fd ? Fstrerror(fd) : "open failed");
		goto cleanup;
	}
	ts = rpmtsCreate();
	/* Signatures from keys we do not have are fine; digests still count. */
	rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
	buf_reset(&rpm_messages);
	rc = rpmReadPackageFile(ts, fd, path, h_out);
	switch (rc) {
	case RPMRC_OK:
	case RPMRC_NOKEY:
	case RPMRC_NOTTRUSTED:
		break;
	case RPMRC_NOTFOUND:
		ret = error_set(ERR_INPUT, "'%s': not an rpm package", path);
		goto cleanup;
	default:
		ret = error_set(ERR_INPUT, "'%s': damaged rpm package (%s)", path,
				rpm_message("cannot read its header"));
		goto cleanup;
	}
	if (fd_out) {
		*fd_out = fd;
		fd = NULL;
	}
cleanup:
	if (ret && *h_out) {
		headerFree(*h_out);
		*h_out = NULL;
	}
	if (fd)
		Fclose(fd);
	rpmtsFree(ts);
	return ret;
}

/*
 * Packages from rpm 4.14 on carry the digest of the compressed payload:
 * checking it catches a truncated or damaged download before anything is
 * installed from it.
 */
static int check_payload(Header h, FD_t fd, const char *path)
{
	struct rpmtd_s td;
	const char *want = NULL;
	/*
	 * No ALGO tag means SHA-256, as rpm itself reads it (rpm 6 names the
	 * digest tag after it and marks the ALGO tag obsolete): a package
	 * without the tag is checked, never skipped.
	 */
	uint32_t algo = PGPHASHALGO_SHA256;
	DIGEST_CTX ctx;
	char chunk[65536];
	ssize_t n;
	char *hex = NULL;
	int ret = 0;

	if (headerGet(h, QGA_RPMTAG_PAYLOAD_DIGEST_ALGO, &td, HEADERGET_MINMEM)) {
		algo = rpmtdGetNumber(&td);
		rpmtdFreeData(&td);
	}
	if (headerGet(h, QGA_RPMTAG_PAYLOAD_DIGEST, &td, HEADERGET_MINMEM)) {
		want = rpmtdNextString(&td);
		rpmtdFreeData(&td);
	}
	if (!want)
		return 0;
	if (!(ctx = rpmDigestInit(algo, RPMDIGEST_NONE)))
		return error_set(ERR_INPUT, "'%s': the payload digest uses an unknown algorithm (%u)",
				 path, (unsigned)algo);
	while ((n = Fread(chunk, 1, sizeof(chunk), fd)) > 0)
		rpmDigestUpdate(ctx, chunk, (size_t)n);
	rpmDigestFinal(ctx, (void **)&hex, NULL, 1);
	if (!hex || strcmp(hex, want))
		ret = error_set(ERR_INPUT, "'%s': the package payload is truncated or damaged "
				"(its digest does not match the header)", path);
	free(hex);
	return ret;
}

static int read_info(struct srpm_info *out, const char *path, bool payload)
{
	Header h = NULL;
	FD_t fd = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = read_header(&h, &fd, path)) < 0)
		return ret;
	if (payload && (ret = check_payload(h, fd, path)) < 0)
		goto cleanup;
	out->name = hstr(h, RPMTAG_NAME);
	out->version = hstr(h, RPMTAG_VERSION);
	out->release = hstr(h, RPMTAG_RELEASE);
	out->arch = hstr(h, RPMTAG_ARCH);
	out->payload_compressor = hstr(h, RPMTAG_PAYLOADCOMPRESSOR);
	if (headerIsEntry(h, RPMTAG_EPOCH))
		out->epoch = xasprintf("%llu", (unsigned long long)headerGetNumber(h, RPMTAG_EPOCH));
	out->is_source = headerIsSource(h);
	out->buildtime = (int64_t)headerGetNumber(h, RPMTAG_BUILDTIME);
	out->is_signed = qga_rpm_header_signed(h);
	out->nevra = headerGetAsString(h, RPMTAG_NEVRA);
	out->hdrid = hstr(h, RPMTAG_SHA256HEADER);
	if (!out->hdrid)
		out->hdrid = hstr(h, RPMTAG_SHA1HEADER);
	if (!out->hdrid) {
		char hex[65];

		if ((ret = hash_sha256_file(hex, path)) < 0)
			goto cleanup;
		out->hdrid = xstrdup(hex);
	}
	if (!out->name || !out->version || !out->release) {
		ret = error_set(ERR_INPUT, "'%s': the package header has no name, version or release",
				path);
		goto cleanup;
	}
	out->nvr = xasprintf("%s-%s-%s", out->name, out->version, out->release);
	out->nevr = out->epoch ? xasprintf("%s-%s:%s-%s", out->name, out->epoch, out->version,
					   out->release)
			       : xstrdup(out->nvr);
cleanup:
	if (ret)
		srpm_info_release(out);
	if (fd)
		Fclose(fd);
	headerFree(h);
	return ret;
}

int srpm_read_info(struct srpm_info *out, const char *path)
{
	return read_info(out, path, true);
}

int srpm_read_header(struct srpm_info *out, const char *path)
{
	return read_info(out, path, false);
}

int srpm_install(char **spec_out, const char *path, const char *topdir)
{
	rpmts ts = NULL;
	FD_t fd = NULL;
	char *spec = NULL, *cookie = NULL;
	rpmRC rc;
	int ret = 0;

	*spec_out = NULL;
	if ((ret = srpm_setup()) < 0)
		return ret;
	rpmPushMacro(NULL, "_topdir", NULL, topdir, RMIL_CMDLINE);
	fd = Fopen(path, "r.ufdio");
	if (!fd || Ferror(fd)) {
		ret = error_set(ERR_GENERIC, "cannot read '%s'", path);
		goto cleanup;
	}
	ts = rpmtsCreate();
	rpmtsSetRootDir(ts, "/");
	rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
	buf_reset(&rpm_messages);
	rc = rpmInstallSourcePackage(ts, fd, &spec, &cookie);
	if (rc != RPMRC_OK || !spec) {
		ret = error_set(ERR_INPUT, "'%s': cannot install the source package (%s)", path,
				rpm_message("damaged or truncated payload"));
		goto cleanup;
	}
	*spec_out = xstrdup(spec);
cleanup:
	free(spec);
	free(cookie);
	if (fd)
		Fclose(fd);
	rpmtsFree(ts);
	rpmPopMacro(NULL, "_topdir");
	return ret;
}

char *srpm_log_tail(const char *log_path, int lines)
{
	struct buf b = BUF_INIT;
	const char *p;
	int seen = 0;

	if (fs_read_file(&b, log_path) < 0) {
		buf_release(&b);
		return xstrdup("");
	}
	buf_rtrim(&b);
	for (p = b.ptr + b.len; p > b.ptr; p--) {
		if (p[-1] == '\n' && ++seen == lines)
			break;
	}
	{
		char *out = xstrdup(p);

		buf_release(&b);
		return out;
	}
}

struct stage_ctx {
	const struct srpm_build *b;
	const char *result_path;
	bool prep_only;
	bool query_only;
};

static void write_result(const char *path, const char *text)
{
	fs_write_atomic(path, text, strlen(text), 0644);
}

/* Runs in the forked child: rpm's global state is ours to change. */

/*
 * rpm 6 starts each build script by sourcing %{builddir}/rpmbuild.env,
 * which the step that makes the build directory writes (rpm 4.20's
 * RPMBUILD_MKBUILDDIR). A %build of a tree prepared earlier (the agent's
 * incremental build) must not remake the directory, which removes it first:
 * the file is written here as that step writes it, where rpm has the macro.
 */
static int write_build_env(void)
{
	char *env = rpmExpand("%{?___build_pre_env}", NULL);
	char *dir = rpmExpand("%{?builddir}", NULL);
	char *path = NULL;
	int ret = 0;

	if (env && *env && dir && *dir) {
		path = fs_path_join(dir, "rpmbuild.env");
		if (!fs_is_file(path) && ((ret = fs_mkdirs(dir, 0755)) < 0 ||
					  (ret = fs_write_atomic(path, env, strlen(env), 0644)) < 0))
			error_prefix(ret, "cannot write '%s'", path);
	}
	free(path);
	free(dir);
	free(env);
	return ret;
}

static int stage_child(void *arg)
{
	struct stage_ctx *c = arg;
	const struct srpm_build *b = c->b;
	struct rpmBuildArguments_s ba;
	rpmSpec spec = NULL;
	rpmts ts = NULL;
	size_t i;
	int rc;

	if (rpmcfg_setup(NULL, NULL) < 0) {
		write_result(c->result_path, error_last());
		return 2;
	}
	rpmPushMacro(NULL, "_topdir", NULL, b->topdir, RMIL_CMDLINE);
	for (i = 0; b->defines && b->defines[i]; i++)
		rpmDefineMacro(NULL, b->defines[i], RMIL_CMDLINE);
	/* rpmbuild (the program, not the library) creates these. */
	{
		const char *dirs[] = { "%{_builddir}", "%{_rpmdir}", "%{_srcrpmdir}",
				       "%{_buildrootdir}", NULL };

		for (i = 0; dirs[i]; i++) {
			char *d = rpmExpand(dirs[i], NULL);

			if (d && d[0] == '/' && fs_mkdirs(d, 0755) < 0) {
				write_result(c->result_path, error_last());
				free(d);
				return 2;
			}
			free(d);
		}
	}
	spec = rpmSpecParse(b->spec, (c->prep_only || !(b->amount & RPMBUILD_PACKAGEBINARY)
				      ? RPMSPEC_ANYARCH : RPMSPEC_NONE) |
				     (!c->prep_only && (b->amount & (RPMBUILD_INSTALL | RPMBUILD_PACKAGEBINARY |
								    RPMBUILD_FILECHECK))
				      ? QGA_RPMSPEC_NOFINALIZE : 0), NULL);
	if (!spec) {
		write_result(c->result_path, "the spec does not parse");
		return 2;
	}
	if (c->query_only) {
		char *dir = rpmExpand("%{?builddir}%{!?builddir:%{_builddir}}/%{?buildsubdir}", NULL);

		write_result(c->result_path, dir);
		free(dir);
		return 0;
	}
	ts = rpmtsCreate();
	rpmtsSetRootDir(ts, "/");
	if (!c->prep_only && !b->nodeps) {
		rpmps ps = rpmSpecCheckDeps(ts, spec);

		if (ps) {
			struct buf m = BUF_INIT;
			rpmpsi psi = rpmpsInitIterator(ps);
			rpmProblem p;
			int k = 0;

			while ((p = rpmpsiNext(psi))) {
				char *s = rpmProblemString(p);

				buf_printf(&m, "%s%s", k++ ? ", " : "", s);
				free(s);
			}
			rpmpsFreeIterator(psi);
			write_result(c->result_path, m.ptr);
			buf_release(&m);
			return 3;
		}
	}
	memset(&ba, 0, sizeof(ba));
	ba.buildAmount = c->prep_only ? RPMBUILD_PREP : b->amount;
	if (ba.buildAmount & RPMBUILD_PREP)
		ba.buildAmount |= QGA_RPMBUILD_MKBUILDDIR;
	else if ((ba.buildAmount & RPMBUILD_BUILD) && write_build_env() < 0) {
		write_result(c->result_path, error_last());
		return 2;
	}
	ba.rootdir = "/";
	rc = rpmSpecBuild(ts, spec, &ba);
	if (c->prep_only && rc == 0) {
		char *dir = rpmExpand("%{?builddir}%{!?builddir:%{_builddir}}/%{?buildsubdir}", NULL);
		rpmSpecSrcIter si = rpmSpecSrcIterInit(spec);
		rpmSpecSrc src;
		int npatches = 0;
		char *text;

		while ((src = rpmSpecSrcIterNext(si)))
			if (rpmSpecSrcFlags(src) & RPMBUILD_ISPATCH)
				npatches++;
		rpmSpecSrcIterFree(si);
		text = xasprintf("%d\n%s", npatches, dir);
		write_result(c->result_path, text);
		free(text);
		free(dir);
	}
	return rc ? 1 : 0;
}

static int run_stage_ex(char **result, const struct srpm_build *b, bool prep_only,
			bool query_only, const char *what)
{
	struct stage_ctx ctx = { b, NULL, prep_only, query_only };
	struct run_opts o = { 0 };
	struct run_result r = RUN_RESULT_INIT;
	struct buf res = BUF_INIT;
	char *result_path = xasprintf("%s.result", b->log_path);
	int ret;

	if (result)
		*result = NULL;
	unlink(result_path);
	ctx.result_path = result_path;
	o.log_path = b->log_path;
	o.timeout_ms = b->timeout_ms;
	o.tick = b->tick;
	o.tick_arg = b->tick_arg;
	ret = run_function(&r, &o, stage_child, &ctx);
	if (ret < 0)
		goto cleanup;
	fs_read_file(&res, result_path);
	if (r.status == 3) {
		ret = error_set(ERR_INPUT, "missing build requirements: %s (install them, or pass "
				"--nodeps to build anyway)", res.ptr);
	} else if (r.status != 0) {
		char *tail = srpm_log_tail(b->log_path, LOG_TAIL_LINES);

		ret = error_set(ERR_GENERIC, "%s of '%s' failed%s; last lines of the log:\n%s\n"
				"(full log: %s)", what, b->label ? b->label : b->spec,
				r.timed_out ? " (timed out)" : "", tail, b->log_path);
		free(tail);
	} else if (result) {
		*result = buf_detach(&res, NULL);
	}
cleanup:
	unlink(result_path);
	free(result_path);
	buf_release(&res);
	run_result_release(&r);
	return ret;
}

static int run_stage(char **result, const struct srpm_build *b, bool prep_only, const char *what)
{
	return run_stage_ex(result, b, prep_only, false, what);
}

int srpm_build_subdir(char **out, const struct srpm_build *b)
{
	return run_stage_ex(out, b, false, true, "reading the spec");
}

int srpm_prep(char **tree_out, int *npatches_out, const struct srpm_build *b)
{
	char *res = NULL, *nl;
	int ret = run_stage(&res, b, true, "%prep");

	*tree_out = NULL;
	if (!ret && res && (nl = strchr(res, '\n'))) {
		if (npatches_out)
			*npatches_out = atoi(res);
		*tree_out = xstrdup(nl + 1);
	}
	free(res);

	if (!ret && (!*tree_out || !fs_is_dir(*tree_out))) {
		ret = error_set(ERR_GENERIC, "%%prep of '%s' ran but left no source tree ('%s')",
				b->label ? b->label : b->spec, *tree_out ? *tree_out : "");
		free(*tree_out);
		*tree_out = NULL;
	}
	return ret;
}

int srpm_build(const struct srpm_build *b)
{
	return run_stage(NULL, b, false, "the build");
}

static const char *rpmio_flags_for(const char *compressor)
{
	if (!compressor || !strcmp(compressor, "gzip"))
		return "r.gzdio";
	if (!strcmp(compressor, "bzip2"))
		return "r.bzdio";
	if (!strcmp(compressor, "xz"))
		return "r.xzdio";
	if (!strcmp(compressor, "lzma"))
		return "r.lzdio";
	if (!strcmp(compressor, "zstd"))
		return "r.zstdio";
	return NULL;
}

/* Walk a package payload; for each file call fn (return 1 to stop, <0 error). */
static int walk_payload(const char *rpm_path,
			int (*fn)(rpmfi fi, const char *name, void *arg), void *arg)
{
	Header h = NULL;
	FD_t fd = NULL, payload = NULL;
	rpmfiles files = NULL;
	rpmfi fi = NULL;
	const char *flags;
	int ret, rc;

	if ((ret = read_header(&h, &fd, rpm_path)) < 0)
		return ret;
	flags = rpmio_flags_for(headerGetString(h, RPMTAG_PAYLOADCOMPRESSOR));
	if (!flags) {
		ret = error_set(ERR_INPUT, "'%s': unknown payload compression '%s'", rpm_path,
				headerGetString(h, RPMTAG_PAYLOADCOMPRESSOR));
		goto cleanup;
	}
	payload = Fdopen(fdDup(Fileno(fd)), flags);
	if (!payload || Ferror(payload)) {
		ret = error_set(ERR_GENERIC, "'%s': cannot read the payload", rpm_path);
		goto cleanup;
	}
	files = rpmfilesNew(NULL, h, 0, RPMFI_KEEPHEADER);
	fi = rpmfiNewArchiveReader(payload, files, RPMFI_ITER_READ_ARCHIVE);
	if (!fi) {
		ret = error_set(ERR_GENERIC, "'%s': cannot read the payload", rpm_path);
		goto cleanup;
	}
	while ((rc = rpmfiNext(fi)) >= 0) {
		int r = fn(fi, rpmfiFN(fi), arg);

		if (r < 0) {
			ret = r;
			goto cleanup;
		}
		if (r > 0)
			goto cleanup;
	}
	if (rc != RPMERR_ITER_END)
		ret = error_set(ERR_INPUT, "'%s': damaged payload (%s)", rpm_path, rpmfileStrerror(rc));
cleanup:
	rpmfiFree(fi);
	rpmfilesFree(files);
	if (payload)
		Fclose(payload);
	if (fd)
		Fclose(fd);
	headerFree(h);
	return ret;
}

struct extract_ctx {
	const char *want, *dest;
	bool found;
};

static int extract_one(rpmfi fi, const char *name, void *arg)
{
	struct extract_ctx *c = arg;
	FD_t out;
	int rc;

	if (strcmp(name, c->want))
		return 0;
	if (!rpmfiArchiveHasContent(fi))
		return error_set(ERR_INPUT, "'%s' has no content in the package", name);
	out = Fopen(c->dest, "w.ufdio");
	if (!out || Ferror(out)) {
		if (out)
			Fclose(out);
		return error_set(ERR_GENERIC, "cannot create '%s'", c->dest);
	}
	rc = rpmfiArchiveReadToFile(fi, out, 0);
	Fclose(out);
	if (rc)
		return error_set(ERR_INPUT, "cannot extract '%s': %s", name, rpmfileStrerror(rc));
	chmod(c->dest, rpmfiFMode(fi) & 07777);
	c->found = true;
	return 1;
}

int srpm_extract_file(const char *rpm_path, const char *path, const char *dest)
{
	struct extract_ctx c = { path, dest, false };
	int ret = walk_payload(rpm_path, extract_one, &c);

	if (!ret && !c.found)
		ret = error_set(ERR_NOTFOUND, "'%s' does not contain '%s'", rpm_path, path);
	return ret;
}

static int list_one(rpmfi fi, const char *name, void *arg)
{
	(void)fi;
	buf_printf(arg, "%s\n", name);
	return 0;
}

int srpm_list_files(struct buf *out, const char *rpm_path)
{
	return walk_payload(rpm_path, list_one, out);
}

/* The payload walk, for callers outside this file. */
struct srpm_payload_file {
	rpmfi fi;
	const char *name;
	int (*fn)(struct srpm_payload_file *f, void *arg);
	void *arg;
};

const char *srpm_payload_name(const struct srpm_payload_file *f)
{
	return f->name;
}

unsigned srpm_payload_mode(const struct srpm_payload_file *f)
{
	return (unsigned)rpmfiFMode(f->fi);
}

uint64_t srpm_payload_size(const struct srpm_payload_file *f)
{
	return (uint64_t)rpmfiFSize(f->fi);
}

long srpm_payload_read(struct srpm_payload_file *f, void *buf, size_t n)
{
	ssize_t got;

	if (!rpmfiArchiveHasContent(f->fi))
		return 0;
	got = rpmfiArchiveRead(f->fi, buf, n);
	if (got < 0)
		return error_set(ERR_INPUT, "cannot read '%s' from the payload: %s", f->name,
				 rpmfileStrerror((int)got));
	return (long)got;
}

static int payload_trampoline(rpmfi fi, const char *name, void *arg)
{
	struct srpm_payload_file *f = arg;

	f->fi = fi;
	f->name = name;
	return f->fn(f, f->arg);
}

int srpm_walk_payload(const char *rpm_path,
		      int (*fn)(struct srpm_payload_file *f, void *arg), void *arg)
{
	struct srpm_payload_file f = { NULL, NULL, fn, arg };

	return walk_payload(rpm_path, payload_trampoline, &f);
}

void srpm_pkg_release(struct srpm_pkg *pkg)
{
	size_t i;

	free(pkg->nevra);
	free(pkg->name);
	free(pkg->release);
	free(pkg->arch);
	for (i = 0; i < pkg->nscripts; i++) {
		free(pkg->scripts[i].label);
		free(pkg->scripts[i].prog);
		free(pkg->scripts[i].body);
	}
	free(pkg->scripts);
	for (i = 0; i < pkg->nfiles; i++)
		free(pkg->files[i]);
	free(pkg->files);
	free(pkg->modes);
	for (i = 0; i < pkg->nrequires; i++)
		free(pkg->requires[i]);
	free(pkg->requires);
	memset(pkg, 0, sizeof(*pkg));
}

/* A string or string-array tag joined with spaces ("" when absent). */
static char *tag_joined(Header h, rpmTagVal tag)
{
	struct rpmtd_s td;
	struct buf b = BUF_INIT;
	const char *s;

	if (headerGet(h, tag, &td, HEADERGET_MINMEM)) {
		while ((s = rpmtdNextString(&td))) {
			if (b.len)
				buf_putc(&b, ' ');
			buf_puts(&b, s);
		}
		rpmtdFreeData(&td);
	}
	return buf_detach(&b, NULL);
}

/* The i-th string of an array tag, or NULL. */
static char *tag_string_at(Header h, rpmTagVal tag, uint32_t i)
{
	struct rpmtd_s td;
	char *r = NULL;

	if (headerGet(h, tag, &td, HEADERGET_MINMEM)) {
		if (rpmtdSetIndex(&td, (int)i) >= 0 && rpmtdGetString(&td))
			r = xstrdup(rpmtdGetString(&td));
		rpmtdFreeData(&td);
	}
	return r;
}

static void add_script(struct srpm_pkg *p, char *label, char *prog, char *body)
{
	p->scripts = xrealloc(p->scripts, (p->nscripts + 1) * sizeof(*p->scripts));
	p->scripts[p->nscripts].label = label;
	p->scripts[p->nscripts].prog = prog ? prog : xstrdup("");
	p->scripts[p->nscripts].body = body ? body : xstrdup("");
	p->nscripts++;
}

static const struct {
	rpmTagVal script, prog;
	const char *label;
} scriptlet_tags[] = {
	{ RPMTAG_PRETRANS, RPMTAG_PRETRANSPROG, "%pretrans" },
	{ RPMTAG_PREIN, RPMTAG_PREINPROG, "%pre" },
	{ RPMTAG_POSTIN, RPMTAG_POSTINPROG, "%post" },
	{ RPMTAG_PREUN, RPMTAG_PREUNPROG, "%preun" },
	{ RPMTAG_POSTUN, RPMTAG_POSTUNPROG, "%postun" },
	{ RPMTAG_POSTTRANS, RPMTAG_POSTTRANSPROG, "%posttrans" },
	{ RPMTAG_VERIFYSCRIPT, RPMTAG_VERIFYSCRIPTPROG, "%verifyscript" },
};

/* Triggers and file triggers share one layout: scripts, progs, and conditions pointing at them. */
static const struct {
	rpmTagVal scripts, progs, names, index, flags;
	const char *kind;  /* "trigger", "filetrigger", "transfiletrigger" */
} trigger_tags[] = {
	{ RPMTAG_TRIGGERSCRIPTS, RPMTAG_TRIGGERSCRIPTPROG, RPMTAG_TRIGGERNAME, RPMTAG_TRIGGERINDEX,
	  RPMTAG_TRIGGERFLAGS, "trigger" },
	{ RPMTAG_FILETRIGGERSCRIPTS, RPMTAG_FILETRIGGERSCRIPTPROG, RPMTAG_FILETRIGGERNAME,
	  RPMTAG_FILETRIGGERINDEX, RPMTAG_FILETRIGGERFLAGS, "filetrigger" },
	{ RPMTAG_TRANSFILETRIGGERSCRIPTS, RPMTAG_TRANSFILETRIGGERSCRIPTPROG,
	  RPMTAG_TRANSFILETRIGGERNAME, RPMTAG_TRANSFILETRIGGERINDEX, RPMTAG_TRANSFILETRIGGERFLAGS,
	  "transfiletrigger" },
};

static const char *trigger_when(rpmsenseFlags f)
{
	if (f & RPMSENSE_TRIGGERPREIN)
		return "prein";
	if (f & RPMSENSE_TRIGGERUN)
		return "un";
	if (f & RPMSENSE_TRIGGERPOSTUN)
		return "postun";
	return "in";
}

static void read_triggers(struct srpm_pkg *p, Header h, size_t k)
{
	struct rpmtd_s scripts, index, flags;
	const char *body;
	uint32_t i = 0;

	if (!headerGet(h, trigger_tags[k].scripts, &scripts, HEADERGET_MINMEM))
		return;
	if (!headerGet(h, trigger_tags[k].index, &index, HEADERGET_MINMEM))
		rpmtdReset(&index);
	if (!headerGet(h, trigger_tags[k].flags, &flags, HEADERGET_MINMEM))
		rpmtdReset(&flags);
	while ((body = rpmtdNextString(&scripts))) {
		char *cond = NULL, *prog = tag_string_at(h, trigger_tags[k].progs, i);
		const char *when = "in";
		uint32_t *ix;
		int c = 0;

		/* The first condition that points at this script names it. */
		rpmtdInit(&index);
		while ((ix = rpmtdNextUint32(&index))) {
			if (*ix == i) {
				uint32_t *fl;

				cond = tag_string_at(h, trigger_tags[k].names, (uint32_t)c);
				if (rpmtdSetIndex(&flags, c) >= 0 && (fl = rpmtdGetUint32(&flags)))
					when = trigger_when(*fl);
				break;
			}
			c++;
		}
		add_script(p, xasprintf("%%%s%s%s%s", trigger_tags[k].kind, when, cond ? " -- " : "",
					cond ? cond : ""), prog, xstrdup(body));
		free(cond);
		i++;
	}
	rpmtdFreeData(&scripts);
	rpmtdFreeData(&index);
	rpmtdFreeData(&flags);
}

int srpm_read_package(struct srpm_pkg *out, const char *path)
{
	Header h = NULL;
	rpmfiles files = NULL;
	rpmds ds = NULL;
	size_t k;
	int ret, i, n;

	memset(out, 0, sizeof(*out));
	if ((ret = read_header(&h, NULL, path)) < 0)
		return ret;
	out->nevra = headerGetAsString(h, RPMTAG_NEVRA);
	out->name = hstr(h, RPMTAG_NAME);
	out->release = hstr(h, RPMTAG_RELEASE);
	out->arch = hstr(h, RPMTAG_ARCH);
	out->is_source = headerIsSource(h);
	if (!out->name || !out->release || !out->nevra) {
		ret = error_set(ERR_INPUT, "'%s': the package header has no name or release", path);
		goto cleanup;
	}
	if (!out->arch)
		out->arch = xstrdup(out->is_source ? "src" : "noarch");
	for (k = 0; k < sizeof(scriptlet_tags) / sizeof(scriptlet_tags[0]); k++) {
		if (!headerIsEntry(h, scriptlet_tags[k].script) &&
		    !headerIsEntry(h, scriptlet_tags[k].prog))
			continue;
		add_script(out, xstrdup(scriptlet_tags[k].label), tag_joined(h, scriptlet_tags[k].prog),
			   tag_joined(h, scriptlet_tags[k].script));
	}
	for (k = 0; k < sizeof(trigger_tags) / sizeof(trigger_tags[0]); k++)
		read_triggers(out, h, k);

	files = rpmfilesNew(NULL, h, 0, 0);
	n = files ? rpmfilesFC(files) : 0;
	out->files = xcalloc((size_t)n + 1, sizeof(*out->files));
	out->modes = xcalloc((size_t)n + 1, sizeof(*out->modes));
	for (i = 0; i < n; i++) {
		char *fn = rpmfilesFN(files, i);

		out->files[out->nfiles] = xstrdup(fn ? fn : "");
		out->modes[out->nfiles++] = (unsigned)rpmfilesFMode(files, i);
		free(fn);
	}

	ds = rpmdsNew(h, RPMTAG_REQUIRENAME, 0);
	out->requires = xcalloc((size_t)rpmdsCount(ds) + 1, sizeof(*out->requires));
	while (rpmdsNext(ds) >= 0) {
		const char *name = rpmdsN(ds);

		if (!name || (rpmdsFlags(ds) & RPMSENSE_RPMLIB) || !strncmp(name, "rpmlib(", 7))
			continue;
		out->requires[out->nrequires++] = xstrdup(name);
	}
cleanup:
	if (ret)
		srpm_pkg_release(out);
	rpmdsFree(ds);
	rpmfilesFree(files);
	headerFree(h);
	return ret;
}
