/* The baseline: the prepared tree hashed and packed in parallel, the pack
 * and its index written directly, the git index filled from the results. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <zlib.h>

#include "patchgen.h"
#include "internal.h"
#include "util/compat.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/banned.h"

/*
 * The baseline records tens of thousands of files. Hashing and packing
 * them is the cost of `init`, so it is spread over threads (which touch no
 * libgit2 object); the pack, its index and the git index are then written
 * from the results.
 */
struct base_file {
	char *path;       /* relative to the work tree */
	struct stat st;
	git_oid id;
	unsigned char *packed; /* pack entry: object header + deflated content */
	size_t packed_len;
	uint32_t crc;          /* CRC-32 of the pack entry, for the pack index */
	uint64_t offset;       /* where the entry starts in the pack */
};

struct base_list {
	struct base_file *v;
	size_t n, alloc;
};

struct base_pool {
	const char *root;
	int level;              /* compression of the pack entries */
	struct base_list *list;
	size_t next;
	pthread_mutex_t lock;
	int failed;
	struct buf err;
};

static int scan(struct base_list *l, const char *root, const char *rel)
{
	char *dir = rel[0] ? fs_path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d) {
		ret = error_set_errno(ERR_GENERIC, "cannot read directory '%s'", dir);
		free(dir);
		return ret;
	}
	while (!ret && (e = readdir(d))) {
		char *r, *abs;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (!rel[0] && !strcmp(e->d_name, ".git")))
			continue;
		r = rel[0] ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		abs = fs_path_join(root, r);
		if (lstat(abs, &st) < 0) {
			ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", abs);
		} else if (S_ISDIR(st.st_mode)) {
			char *sub = fs_path_join(abs, ".git");

			/* A nested repository would be a submodule: record its files plainly. */
			ret = scan(l, root, r);
			free(sub);
		} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
			if (l->n == l->alloc) {
				l->alloc = l->alloc ? l->alloc * 2 : 1024;
				l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
			}
			l->v[l->n].path = r;
			l->v[l->n].st = st;
			l->n++;
			r = NULL;
		}
		free(r);
		free(abs);
	}
	closedir(d);
	free(dir);
	return ret;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct base_file *)a)->path, ((const struct base_file *)b)->path);
}

/*
 * The baseline pack is stored without compression by default: compressing
 * a QEMU tree costs more than all the rest of recording it. `git gc`
 * compacts it whenever the user likes. QGA_FORGE_BASELINE_COMPRESSION=1..9
 * trades time for space.
 */
static int pack_level(void)
{
	const char *l = getenv("QGA_FORGE_BASELINE_COMPRESSION");
	int v = l && *l ? atoi(l) : 0;

	return v < 0 ? 0 : v > 9 ? 9 : v;
}

/*
 * One pack entry: the object header (type and size in git's varint form)
 * followed by the zlib stream of the content at `level`.
 */
static int pack_entry(struct base_file *f, const void *data, size_t len, int level)
{
	unsigned char hdr[16];
	size_t h = 0, n = len;
	uLongf zlen = compressBound((uLong)len);
	unsigned char *out;

	hdr[h] = (unsigned char)((GIT_OBJECT_BLOB << 4) | (n & 15));
	n >>= 4;
	while (n) {
		hdr[h++] |= 0x80;
		hdr[h] = (unsigned char)(n & 0x7f);
		n >>= 7;
	}
	h++;
	out = xmalloc(h + zlen);
	memcpy(out, hdr, h);
	if (compress2(out + h, &zlen, data, (uLong)len, level) != Z_OK) {
		free(out);
		return -1;
	}
	f->packed = out;
	f->packed_len = h + zlen;
	f->crc = (uint32_t)crc32_z(0, out, f->packed_len);
	return 0;
}

/* Ends a SHA-1 digest into out; -1 when the digest is not 20 bytes. */
static int sha1_final(DIGEST_CTX ctx, unsigned char out[20])
{
	void *sum = NULL;
	size_t len = 0;

	rpmDigestFinal(ctx, &sum, &len, 0);
	if (!sum || len != 20) {
		free(sum);
		return -1;
	}
	memcpy(out, sum, 20);
	free(sum);
	return 0;
}

/*
 * A blob's object id: SHA-1 of "blob LEN\0" and the content. rpm's digest
 * (its crypto library's SHA-1, with the CPU's SHA instructions where there
 * are any) is several times faster than libgit2's collision-detecting one,
 * and the ids are the same for any content that is not a crafted collision.
 */
static int blob_id(git_oid *id, const void *data, size_t len)
{
	char hdr[32];
	int hl = snprintf(hdr, sizeof(hdr), "blob %zu", len);
	DIGEST_CTX ctx = rpmDigestInit(PGPHASHALGO_SHA1, RPMDIGEST_NONE);
	unsigned char raw[GIT_OID_RAWSZ];

	if (!ctx)
		return -1;
	rpmDigestUpdate(ctx, hdr, (size_t)hl + 1);
	rpmDigestUpdate(ctx, data, len);
	if (sha1_final(ctx, raw) < 0)
		return -1;
	git_oid_fromraw(id, raw);
	return 0;
}

/*
 * Reads a file whole into data (reused from file to file). Plain read()
 * rather than mmap(): unmapping in a process with several threads costs a
 * TLB flush on every core and serializes on the address-space lock, which
 * was most of the time spent here.
 */
static int read_whole(int fd, struct buf *data, size_t len)
{
	size_t got = 0;

	buf_reset(data);
	if (buf_grow(data, len + 1) < 0)
		return -1;
	while (got <= len) {
		ssize_t n = read(fd, data->ptr + got, len + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != len) {
		errno = EAGAIN;   /* changed since it was listed */
		return -1;
	}
	data->len = len;
	return 0;
}

static int hash_one(const struct base_pool *p, struct base_file *f, struct buf *data,
		    struct buf *err)
{
	char *abs = fs_path_join(p->root, f->path);
	int ret = 0;

	if (S_ISLNK(f->st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(abs, target, sizeof(target));

		if (n < 0 || blob_id(&f->id, target, (size_t)n) < 0 ||
		    pack_entry(f, target, (size_t)n, p->level) < 0) {
			buf_printf(err, "cannot record link '%s'", abs);
			ret = -1;
		}
	} else {
		int fd = open(abs, O_RDONLY | O_CLOEXEC);
		size_t len = (size_t)f->st.st_size;

		if (fd < 0 || read_whole(fd, data, len) < 0) {
			buf_printf(err, "cannot read '%s': %s", abs,
				   errno == EAGAIN ? "it changed while being recorded" : strerror(errno));
			ret = -1;
		} else if (blob_id(&f->id, data->ptr, len) < 0 || pack_entry(f, data->ptr, len, p->level) < 0) {
			buf_printf(err, "cannot record '%s'", abs);
			ret = -1;
		}
		if (fd >= 0)
			close(fd);
	}
	free(abs);
	return ret;
}

static void *hash_worker(void *arg)
{
	struct base_pool *p = arg;
	struct buf err = BUF_INIT, data = BUF_INIT;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->failed ? p->list->n : p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->list->n)
			break;
		if (hash_one(p, &p->list->v[i], &data, &err) < 0)
			break;
	}
	if (err.len) {
		pthread_mutex_lock(&p->lock);
		if (!p->failed++)
			buf_swap(&p->err, &err);
		pthread_mutex_unlock(&p->lock);
	}
	buf_release(&err);
	buf_release(&data);
	return NULL;
}

static int hash_all(const char *root, struct base_list *l)
{
	struct base_pool p = { root, pack_level(), l, 0, PTHREAD_MUTEX_INITIALIZER, 0, BUF_INIT };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu, i, started = 0;
	pthread_t t[8];
	git_oid warm;
	int ret = 0;

	/* The crypto library initializes itself on first use: let that happen here, once. */
	rpmInitCrypto();
	if (blob_id(&warm, "", 0) < 0)
		return error_set(ERR_GENERIC, "cannot compute SHA-1 digests");
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, hash_worker, &p) == 0)
			started++;
	if (!started)
		hash_worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (p.failed)
		ret = error_set(ERR_GENERIC, "%s", p.err.len ? p.err.ptr : "cannot record the files");
	buf_release(&p.err);
	return ret;
}

static int cmp_oid_ptr(const void *a, const void *b)
{
	const struct base_file *x = *(struct base_file *const *)a, *y = *(struct base_file *const *)b;

	return git_oid_cmp(&x->id, &y->id);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Buffered writes to the pack, with its running SHA-1. */
struct pack_out {
	int fd;
	DIGEST_CTX ctx;
	struct buf b;
	uint64_t written;
};

static int pack_flush(struct pack_out *o)
{
	if (o->b.len && fs_write_all(o->fd, o->b.ptr, o->b.len) < 0)
		return -1;
	buf_reset(&o->b);
	return 0;
}

static int pack_put(struct pack_out *o, const void *data, size_t len)
{
	rpmDigestUpdate(o->ctx, data, len);
	o->written += len;
	if (len >= (1u << 20)) {
		if (pack_flush(o) < 0 || fs_write_all(o->fd, data, len) < 0)
			return -1;
		return 0;
	}
	buf_put(&o->b, data, len);
	return o->b.len >= (1u << 20) ? pack_flush(o) : 0;
}

/*
 * The version 2 pack index of the unique objects (sorted by id): fan-out
 * table, ids, CRC-32s, offsets (31 bits, larger ones in a 64-bit table),
 * the pack's checksum and the index's own.
 */
static void pack_index(struct buf *idx, struct base_file **u, size_t n, const unsigned char packsum[20])
{
	unsigned char w[8];
	uint32_t fan[256] = { 0 }, nlarge = 0;
	unsigned char sum[20];
	DIGEST_CTX ctx;
	size_t i;

	buf_put(idx, "\377tOc\0\0\0\2", 8);
	for (i = 0; i < n; i++)
		fan[u[i]->id.id[0]]++;
	for (i = 1; i < 256; i++)
		fan[i] += fan[i - 1];
	for (i = 0; i < 256; i++) {
		put32(w, fan[i]);
		buf_put(idx, w, 4);
	}
	for (i = 0; i < n; i++)
		buf_put(idx, u[i]->id.id, GIT_OID_RAWSZ);
	for (i = 0; i < n; i++) {
		put32(w, u[i]->crc);
		buf_put(idx, w, 4);
	}
	for (i = 0; i < n; i++) {
		put32(w, u[i]->offset < 0x80000000u ? (uint32_t)u[i]->offset : 0x80000000u | nlarge++);
		buf_put(idx, w, 4);
	}
	for (i = 0; i < n; i++) {
		if (u[i]->offset < 0x80000000u)
			continue;
		put32(w, (uint32_t)(u[i]->offset >> 32));
		put32(w + 4, (uint32_t)u[i]->offset);
		buf_put(idx, w, 8);
	}
	buf_put(idx, packsum, 20);
	ctx = rpmDigestInit(PGPHASHALGO_SHA1, RPMDIGEST_NONE);
	rpmDigestUpdate(ctx, idx->ptr, idx->len);
	if (sha1_final(ctx, sum) == 0)
		buf_put(idx, sum, 20);
}

/*
 * Store every blob in one pack with its index, written here rather than
 * through libgit2's pack writer: that writer's indexer inflates and hashes
 * every object again, single-threaded, which was more than half the time
 * of recording a QEMU tree; the ids, entries and CRCs were all computed
 * already, in parallel. The files are written under temporary names and
 * renamed, the pack before its index, as git does; libgit2 reads them like
 * any other pack (t1000-init runs `git fsck` on the result). Identical
 * contents are stored once.
 */
static int write_pack(git_repository *repo, struct base_list *l, const char *dir)
{
	git_odb *odb = NULL;
	git_oid packid;
	struct base_file **u = NULL;
	struct pack_out o = { -1, NULL, BUF_INIT, 0 };
	struct buf idx = BUF_INIT;
	unsigned char head[12], sum[20];
	char hex[41], *packdir = fs_path_join(git_repository_path(repo), "objects/pack");
	char *tmp_pack = fs_path_join(packdir, "tmp_pack_XXXXXX");
	char *tmp_idx = fs_path_join(packdir, "tmp_idx_XXXXXX");
	char *final_pack = NULL, *final_idx = NULL;
	int idx_fd = -1;
	size_t i, n = 0;
	int ret = 0;

	u = xcalloc(l->n ? l->n : 1, sizeof(*u));
	for (i = 0; i < l->n; i++)
		u[i] = &l->v[i];
	if (l->n)
		qsort(u, l->n, sizeof(*u), cmp_oid_ptr);
	for (i = 0; i < l->n; i++) {
		if (!n || git_oid_cmp(&u[i]->id, &u[n - 1]->id)) {
			u[n++] = u[i];
		} else if (u[i]->packed_len != u[n - 1]->packed_len ||
			   memcmp(u[i]->packed, u[n - 1]->packed, u[i]->packed_len)) {
			/* What libgit2's collision-detecting SHA-1 would have refused. */
			ret = error_set(ERR_INPUT, "'%s' and '%s' in '%s' differ but have the same "
					"SHA-1 (a crafted collision): refusing to record them",
					u[n - 1]->path, u[i]->path, dir);
			goto cleanup;
		}
	}

	if ((ret = fs_mkdirs(packdir, 0755)) < 0)
		goto cleanup;
	o.fd = mkstemp(tmp_pack);
	if (o.fd < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a pack in '%s'", packdir);
		goto cleanup;
	}
	o.ctx = rpmDigestInit(PGPHASHALGO_SHA1, RPMDIGEST_NONE);
	memcpy(head, "PACK\0\0\0\2", 8);
	put32(head + 8, (uint32_t)n);
	if (pack_put(&o, head, sizeof(head)) < 0)
		goto write_fail;
	for (i = 0; i < n; i++) {
		u[i]->offset = o.written;
		if (pack_put(&o, u[i]->packed, u[i]->packed_len) < 0)
			goto write_fail;
	}
	ret = sha1_final(o.ctx, sum);
	o.ctx = NULL;
	if (ret < 0) {
		ret = error_set(ERR_GENERIC, "cannot compute the checksum of the pack in '%s'", packdir);
		goto cleanup;
	}
	buf_put(&o.b, sum, 20);
	if (pack_flush(&o) < 0 || fchmod(o.fd, 0444) < 0 || close(o.fd) < 0) {
		o.fd = -1;
		goto write_fail;
	}
	o.fd = -1;

	pack_index(&idx, u, n, sum);
	idx_fd = mkstemp(tmp_idx);
	if (idx_fd < 0 || fs_write_all(idx_fd, idx.ptr, idx.len) < 0 || fchmod(idx_fd, 0444) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot write the pack index in '%s'", packdir);
		goto cleanup;
	}
	if (close(idx_fd) < 0) {
		idx_fd = -1;
		ret = error_set_errno(ERR_GENERIC, "cannot write the pack index in '%s'", packdir);
		goto cleanup;
	}
	idx_fd = -1;

	git_oid_fromraw(&packid, sum);
	pg_oid_hex(hex, &packid);
	final_pack = xasprintf("%s/pack-%s.pack", packdir, hex);
	final_idx = xasprintf("%s/pack-%s.idx", packdir, hex);
	if (rename(tmp_pack, final_pack) < 0 || rename(tmp_idx, final_idx) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot store the pack in '%s'", packdir);
		goto cleanup;
	}
	if (git_repository_odb(&odb, repo) < 0 || git_odb_refresh(odb) < 0)
		ret = patchgen_git_fail(ERR_GENERIC, "cannot store the files of '%s'", dir);
	goto cleanup;
write_fail:
	ret = error_set_errno(ERR_GENERIC, "cannot write the pack in '%s'", packdir);
cleanup:
	if (o.ctx)
		rpmDigestFinal(o.ctx, NULL, NULL, 0);
	if (o.fd >= 0)
		close(o.fd);
	if (idx_fd >= 0)
		close(idx_fd);
	if (ret < 0) {
		unlink(tmp_pack);
		unlink(tmp_idx);
	}
	buf_release(&o.b);
	buf_release(&idx);
	git_odb_free(odb);
	free(final_pack);
	free(final_idx);
	free(tmp_pack);
	free(tmp_idx);
	free(packdir);
	free(u);
	return ret;
}

static int fill_index(git_index *idx, const struct base_list *l)
{
	size_t i;

	if (git_index_clear(idx) < 0)
		return patchgen_git_fail(ERR_GENERIC, "cannot reset the index");
	for (i = 0; i < l->n; i++) {
		const struct base_file *f = &l->v[i];
		git_index_entry e;

		memset(&e, 0, sizeof(e));
		e.ctime.seconds = (int32_t)f->st.st_ctim.tv_sec;
		e.ctime.nanoseconds = (uint32_t)f->st.st_ctim.tv_nsec;
		e.mtime.seconds = (int32_t)f->st.st_mtim.tv_sec;
		e.mtime.nanoseconds = (uint32_t)f->st.st_mtim.tv_nsec;
		e.dev = (uint32_t)f->st.st_dev;
		e.ino = (uint32_t)f->st.st_ino;
		e.uid = f->st.st_uid;
		e.gid = f->st.st_gid;
		e.file_size = (uint32_t)f->st.st_size;
		e.mode = S_ISLNK(f->st.st_mode) ? GIT_FILEMODE_LINK
			 : (f->st.st_mode & 0111) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
		e.id = f->id;
		e.path = f->path;
		if (git_index_add(idx, &e) < 0)
			return patchgen_git_fail(ERR_GENERIC, "cannot record '%s'", f->path);
	}
	return 0;
}

int patchgen_init_baseline(char out_hex[41], const char *dir, const struct patchgen_sig *sig,
			   const char *message)
{
	git_repository *repo = NULL;
	git_repository_init_options iopts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	git_index *idx = NULL;
	git_oid tree_oid, commit_oid;
	git_tree *tree = NULL;
	git_signature *s = NULL;
	git_reference *ref = NULL;
	struct base_list files = { NULL, 0, 0 };
	char *gitdir = fs_path_join(dir, ".git");
	size_t i;
	int ret = 0;

	pg_lib_init();
	if (fs_exists(gitdir)) {
		ret = error_set(ERR_EXISTS, "'%s' is already a git repository", dir);
		goto cleanup;
	}
	if ((ret = scan(&files, dir, "")) < 0)
		goto cleanup;
	if (files.n)
		qsort(files.v, files.n, sizeof(*files.v), cmp_path);
	iopts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	iopts.initial_head = PATCHGEN_FORGE;
	if (git_repository_init_ext(&repo, dir, &iopts) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot create a git repository in '%s'", dir);
		goto cleanup;
	}
	if ((ret = hash_all(dir, &files)) < 0 || (ret = write_pack(repo, &files, dir)) < 0)
		goto cleanup;
	if (git_repository_index(&idx, repo) < 0 || fill_index(idx, &files) < 0 ||
	    git_index_write_tree(&tree_oid, idx) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot record the files of '%s'", dir);
		goto cleanup;
	}
	if ((ret = pg_make_sig(&s, sig)) < 0)
		goto cleanup;
	if (git_tree_lookup(&tree, repo, &tree_oid) < 0 ||
	    git_commit_create(&commit_oid, repo, NULL, s, s, NULL, message, tree, 0, NULL) < 0 ||
	    git_reference_create(&ref, repo, "refs/heads/" PATCHGEN_UPSTREAM, &commit_oid, 0,
				 "qga-forge: baseline") < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot commit the baseline of '%s'", dir);
		goto cleanup;
	}
	git_reference_free(ref);
	ref = NULL;
	if (git_reference_create(&ref, repo, "refs/heads/" PATCHGEN_FORGE, &commit_oid, 0,
				 "qga-forge: baseline") < 0 ||
	    git_repository_set_head(repo, "refs/heads/" PATCHGEN_FORGE) < 0 ||
	    git_index_write(idx) < 0) {
		ret = patchgen_git_fail(ERR_GENERIC, "cannot create branch '%s' in '%s'", PATCHGEN_FORGE, dir);
		goto cleanup;
	}
	pg_oid_hex(out_hex, &commit_oid);
cleanup:
	for (i = 0; i < files.n; i++) {
		free(files.v[i].path);
		free(files.v[i].packed);
	}
	free(files.v);
	git_reference_free(ref);
	git_signature_free(s);
	git_tree_free(tree);
	git_index_free(idx);
	git_repository_free(repo);
	free(gitdir);
	return ret;
}
