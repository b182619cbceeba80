#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fs.h"
#include "strvec.h"
#include "error.h"
#include "banned.h"

int fs_read_file(struct buf *out, const char *path)
{
	int fd, ret = 0;
	char chunk[65536];
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(errno == ENOENT ? ERR_NOTFOUND : ERR_GENERIC,
				       "cannot read '%s'", path);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", path);
			break;
		}
		if (n == 0)
			break;
		if (buf_put(out, chunk, (size_t)n) < 0) {
			ret = error_prefix(ERR_INPUT, "'%s'", path);
			break;
		}
	}
	close(fd);
	return ret;
}

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return error_set_errno(ERR_GENERIC, "cannot open directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		close(fd);
		return error_set_errno(ERR_GENERIC, "cannot sync directory '%s'", dir);
	}
	close(fd);
	return 0;
}

int fs_fsync_parent(const char *path)
{
	char *dir = fs_dirname(path);
	int ret = fs_fsync_dir(dir);

	free(dir);
	return ret;
}

/*
 * A new temporary file beside `path` holding `data`, fsynced, and locked
 * (flock) for as long as *fd_out stays open: a sweep (util/scratch.h
 * scratch_sweep_files) tells a live writer's file from a killed one's by
 * that lock.
 */
static int write_temp_locked(char **tmp_out, int *fd_out, const char *path, const void *data,
			     size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s" FS_TEMP_INFIX "XXXXXX", path);
	int fd;

	*tmp_out = NULL;
	*fd_out = -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		error_set_errno(ERR_GENERIC, "cannot create a temporary file for '%s'", path);
		free(tmp);
		return ERR_GENERIC;
	}
	if (flock(fd, LOCK_EX) < 0 || fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		error_set_errno(ERR_GENERIC, "cannot write '%s'", tmp);
		unlink(tmp);
		close(fd);
		free(tmp);
		return ERR_GENERIC;
	}
	*tmp_out = tmp;
	*fd_out = fd;
	return 0;
}

int fs_write_temp(char **tmp_out, const char *path, const void *data, size_t len, mode_t mode)
{
	int fd, ret = write_temp_locked(tmp_out, &fd, path, data, len, mode);

	if (ret < 0)
		return ret;
	if (close(fd) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot write '%s'", *tmp_out);
		unlink(*tmp_out);
		free(*tmp_out);
		*tmp_out = NULL;
	}
	return ret;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct stat st;
	char *tmp = NULL;
	int fd, ret;

	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	ret = write_temp_locked(&tmp, &fd, path, data, len, mode);
	if (ret < 0)
		return ret;
	/* The lock is held until the name is gone: a sweep never takes a live file. */
	if (rename(tmp, path) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot replace '%s'", path);
		unlink(tmp);
		close(fd);
		free(tmp);
		return ret;
	}
	close(fd);
	free(tmp);
	return fs_fsync_parent(path);
}

int fs_mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = *p ? p + 1 : p; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				ret = error_set_errno(ERR_GENERIC, "cannot create directory '%s'", p);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!ret && !fs_is_dir(path))
		ret = error_set(ERR_EXISTS, "'%s' exists and is not a directory", path);
	free(p);
	return ret;
}

static int remove_at(int parent, const char *name)
{
	struct stat st;
	int fd, ret = 0;
	DIR *d;
	struct dirent *e;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (remove_at(dirfd(d), e->d_name) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(d);
	if (ret == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		ret = -1;
	return ret;
}

int fs_remove_tree(const char *path)
{
	if (remove_at(AT_FDCWD, path) < 0)
		return error_set_errno(ERR_GENERIC, "cannot remove '%s'", path);
	return 0;
}

int fs_copy_file(const char *src, const char *dst)
{
	int in = -1, out = -1, ret = 0;
	struct stat st;
	char chunk[65536];
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", src);
		goto cleanup;
	}
	/* Never through a link planted at dst (a predictable name in /tmp, say). */
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, st.st_mode & 07777);
	if (out < 0) {
		ret = errno == ELOOP ? error_set(ERR_GENERIC, "'%s' is a symbolic link; not writing "
						 "through it", dst)
				     : error_set_errno(ERR_GENERIC, "cannot create '%s'", dst);
		goto cleanup;
	}
	while ((n = read(in, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", src);
			goto cleanup;
		}
		if (fs_write_all(out, chunk, (size_t)n) < 0) {
			ret = error_set_errno(ERR_GENERIC, "cannot write '%s'", dst);
			goto cleanup;
		}
	}
	if (fchmod(out, st.st_mode & 07777) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot set the mode of '%s'", dst);
		goto cleanup;
	}
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		futimens(out, ts);
	}
cleanup:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && !ret)
		ret = error_set_errno(ERR_GENERIC, "cannot write '%s'", dst);
	return ret;
}

int fs_copy_tree(const char *src, const char *dst)
{
	struct stat st;
	DIR *d = NULL;
	struct dirent *e;
	int ret = 0;

	if (lstat(src, &st) < 0)
		return error_set_errno(ERR_GENERIC, "cannot read '%s'", src);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			return error_set_errno(ERR_GENERIC, "cannot read link '%s'", src);
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return error_set_errno(ERR_GENERIC, "cannot create link '%s'", dst);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return fs_copy_file(src, dst);
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(dst, 0700) < 0 && errno != EEXIST)
		return error_set_errno(ERR_GENERIC, "cannot create directory '%s'", dst);
	d = opendir(src);
	if (!d)
		return error_set_errno(ERR_GENERIC, "cannot read directory '%s'", src);
	while (!ret && (e = readdir(d))) {
		char *s, *t;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		s = fs_path_join(src, e->d_name);
		t = fs_path_join(dst, e->d_name);
		ret = fs_copy_tree(s, t);
		free(s);
		free(t);
	}
	closedir(d);
	if (!ret) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		chmod(dst, st.st_mode & 07777);
		utimensat(AT_FDCWD, dst, ts, 0);
	}
	return ret;
}

bool fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool fs_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int fs_dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return error_set_errno(ERR_GENERIC, "cannot read directory '%s'", path);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

char *fs_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (!la)
		return xstrdup(b);
	while (*b == '/')
		b++;
	if (a[la - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

char *fs_abspath(const char *path)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	char cwd[PATH_MAX];
	const char *p, *seg;

	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return xstrdup(path);
		buf_printf(&in, "%s/%s", cwd, path);
	} else {
		buf_puts(&in, path);
	}
	for (p = in.ptr; *p; ) {
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			char *slash = strrchr(out.ptr, '/');

			buf_truncate(&out, slash ? (size_t)(slash - out.ptr) : 0);
			continue;
		}
		buf_putc(&out, '/');
		buf_put(&out, seg, n);
	}
	if (!out.len)
		buf_putc(&out, '/');
	buf_release(&in);
	return buf_detach(&out, NULL);
}

char *fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *fs_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrdup(slash ? slash + 1 : path);
}

bool fs_is_safe_name(const char *name)
{
	const unsigned char *p;

	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

char *fs_self_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	return fs_dirname(exe);
}

static void find_below(struct strvec *out, const char *base, const char *rel, const char *suffix)
{
	char *dir = rel ? fs_path_join(base, rel) : xstrdup(base);
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t m = strlen(suffix);

	free(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char *r, *p;

		if (e->d_name[0] == '.')
			continue;
		r = rel ? fs_path_join(rel, e->d_name) : xstrdup(e->d_name);
		p = fs_path_join(base, r);
		if (fs_is_dir(p))
			find_below(out, base, r, suffix);
		else if (n > m && !strcmp(e->d_name + n - m, suffix) && fs_is_file(p))
			strvec_push(out, r);
		free(p);
		free(r);
	}
	closedir(d);
}

int fs_find_files(struct strvec *out, const char *dir, const char *suffix)
{
	if (!fs_is_dir(dir))
		return error_set(ERR_NOTFOUND, "cannot read the directory '%s'", dir);
	find_below(out, dir, NULL, suffix);
	return 0;
}
