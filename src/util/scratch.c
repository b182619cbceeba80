#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scratch.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "banned.h"

#define LOCK_SUFFIX ".lock"
#define LOCK_SUFFIX_LEN 5
#define RANDOM_LEN 6
/* A directory without an owner's mark is older than any run: see scratch.h. */
#define UNMARKED_AGE_S (24 * 3600)

const char *scratch_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

unsigned long long scratch_proc_start_time(long pid)
{
	char path[64], data[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	data[n] = '\0';
	/* The command name (field 2) may hold spaces and parentheses: start after the last ')'. */
	p = strrchr(data, ')');
	if (!p)
		return 0;
	p++;
	/* Field 3 follows; field 22 is 19 fields later. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

static void release_fields(struct scratch *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->lock);
	s->path = s->lock = NULL;
	s->fd = -1;
}

/* "PID STARTTIME\n" into the held lock file. */
static int write_owner(int fd, const char *lock)
{
	char line[64];
	long pid = (long)getpid();
	int n = snprintf(line, sizeof(line), "%ld %llu\n", pid, scratch_proc_start_time(pid));

	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n)
		return error_set_errno(ERR_GENERIC, "cannot write '%s'", lock);
	return 0;
}

static void read_owner(int fd, long *pid, unsigned long long *start)
{
	char line[64];
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);

	*pid = 0;
	*start = 0;
	if (n <= 0)
		return;
	line[n] = '\0';
	if (sscanf(line, "%ld %llu", pid, start) < 1)
		*pid = 0;
}

/*
 * A new lock file PARENT/PREFIXxxxxxx.lock, locked and marked; *stem_out
 * is its name without ".lock".
 */
static int new_lock(int *fd_out, char **stem_out, const char *parent, const char *prefix)
{
	char *tmpl = xasprintf("%s/%sXXXXXX" LOCK_SUFFIX, parent, prefix);
	int fd, ret;

	*fd_out = -1;
	*stem_out = NULL;
	fd = mkostemps(tmpl, LOCK_SUFFIX_LEN, O_CLOEXEC);
	if (fd < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create a file in '%s'", parent);
		free(tmpl);
		return ret;
	}
	if (flock(fd, LOCK_EX) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot lock '%s'", tmpl);
		goto fail;
	}
	if ((ret = write_owner(fd, tmpl)) < 0)
		goto fail;
	*fd_out = fd;
	tmpl[strlen(tmpl) - LOCK_SUFFIX_LEN] = '\0';
	*stem_out = tmpl;
	return 0;
fail:
	unlink(tmpl);
	close(fd);
	free(tmpl);
	return ret;
}

/* Take the new lock; on EEXIST of the directory name (not ours), try another name. */
static int make_owned(struct scratch *s, const char *from, const char *parent, const char *prefix)
{
	int attempt, ret = 0;

	*s = (struct scratch)SCRATCH_INIT;
	for (attempt = 0; attempt < 100; attempt++) {
		char *stem = NULL;
		int fd, r;

		if ((ret = new_lock(&fd, &stem, parent, prefix)) < 0)
			return ret;
		r = from ? rename(from, stem) : mkdir(stem, 0700);
		if (r == 0) {
			s->path = stem;
			s->lock = xasprintf("%s" LOCK_SUFFIX, stem);
			s->fd = fd;
			return 0;
		}
		r = errno;
		{
			char *lock = xasprintf("%s" LOCK_SUFFIX, stem);

			unlink(lock);
			free(lock);
		}
		close(fd);
		errno = r;
		if (r != EEXIST && r != ENOTEMPTY) {
			ret = from ? error_set_errno(ERR_GENERIC, "cannot move '%s' to '%s'", from, stem)
				   : error_set_errno(ERR_GENERIC, "cannot create '%s'", stem);
			free(stem);
			return ret;
		}
		free(stem);
	}
	return error_set(ERR_GENERIC, "cannot find a free name for '%s/%sXXXXXX'", parent, prefix);
}

int scratch_create(struct scratch *s, const char *parent, const char *prefix)
{
	return make_owned(s, NULL, parent, prefix);
}

int scratch_claim(struct scratch *s, const char *from, const char *parent, const char *prefix)
{
	return make_owned(s, from, parent, prefix);
}

/*
 * Lock `lock` (created when missing) and make sure the file locked is the
 * one at that path: a sweeper may have removed it between our open and our
 * flock. `wait`: block; else 1 is returned when another process holds it.
 */
static int lock_path(int *fd_out, const char *lock, bool create, bool wait)
{
	*fd_out = -1;
	for (;;) {
		struct stat a, b;
		int fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);

		if (fd < 0)
			return error_set_errno(errno == ENOENT ? ERR_NOTFOUND : ERR_GENERIC,
					       "cannot open '%s'", lock);
		if (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(fd);
			if (!wait && e == EWOULDBLOCK)
				return 1;
			errno = e;
			return error_set_errno(ERR_GENERIC, "cannot lock '%s'", lock);
		}
		if (fstat(fd, &a) == 0 && stat(lock, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			*fd_out = fd;
			return 0;
		}
		close(fd);
		if (!create)
			return error_set(ERR_NOTFOUND, "'%s' was removed", lock);
	}
}

int scratch_create_fixed(struct scratch *s, const char *parent, const char *name,
			 scratch_report_fn report, void *payload)
{
	char *path = fs_path_join(parent, name), *lock = xasprintf("%s" LOCK_SUFFIX, path);
	unsigned long long start;
	long pid;
	int fd = -1, ret;

	*s = (struct scratch)SCRATCH_INIT;
	if ((ret = lock_path(&fd, lock, true, true)) < 0)
		goto fail;
	if (fs_exists(path)) {
		struct scratch_leftover left = { path, 0, NULL };

		read_owner(fd, &pid, &start);
		left.pid = pid;
		if ((ret = fs_remove_tree(path)) < 0)
			goto fail;
		if (report)
			report(&left, payload);
	}
	if ((ret = write_owner(fd, lock)) < 0)
		goto fail;
	if (mkdir(path, 0700) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot create '%s'", path);
		goto fail;
	}
	s->path = path;
	s->lock = lock;
	s->fd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(path);
	free(lock);
	return ret;
}

void scratch_remove(struct scratch *s)
{
	if (s->path && fs_remove_tree(s->path) < 0)
		error_clear();
	scratch_release(s);
}

void scratch_release(struct scratch *s)
{
	if (s->lock && s->fd >= 0)
		unlink(s->lock);
	release_fields(s);
}

void scratch_abandon(struct scratch *s)
{
	release_fields(s);
}

char *scratch_leftover_describe(const struct scratch_leftover *left)
{
	if (left->restored_to)
		return xasprintf("moved '%s' back to '%s' (an interrupted run of pid %ld had moved it)",
				 left->path, left->restored_to, left->pid);
	if (left->pid)
		return xasprintf("removed '%s', left by an interrupted run (pid %ld)", left->path,
				 left->pid);
	return xasprintf("removed '%s', left by an interrupted run", left->path);
}

static bool random_part_ok(const char *p, size_t n)
{
	size_t i;

	if (n != RANDOM_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9')))
			return false;
	return true;
}

static bool ends_with_lock(const char *name)
{
	size_t n = strlen(name);

	return n > LOCK_SUFFIX_LEN && !strcmp(name + n - LOCK_SUFFIX_LEN, LOCK_SUFFIX);
}

/* A directory of ours: not a symbolic link, owned by this uid. */
static bool own_dir(const char *path, struct stat *st)
{
	return lstat(path, st) == 0 && S_ISDIR(st->st_mode) && st->st_uid == getuid();
}

/* Put a dead owner's directory away: back to `restore_to`, or removed. 1 when done. */
static int dispose(const char *dir, const char *restore_to, bool *restored)
{
	*restored = false;
	if (restore_to && !fs_exists(restore_to)) {
		if (rename(dir, restore_to) == 0) {
			*restored = true;
			fs_fsync_parent(restore_to);
			return 1;
		}
	}
	if (fs_remove_tree(dir) < 0) {
		error_clear();
		return 0;
	}
	return 1;
}

/* One STEM.lock: 1 when its dead owner's leftovers were removed, 0 when live or not ours. */
static int sweep_lock(const char *parent, const char *stem, const char *restore_to,
		      scratch_report_fn report, void *payload)
{
	char *dir = fs_path_join(parent, stem), *lock = xasprintf("%s" LOCK_SUFFIX, dir);
	struct scratch_leftover left = { NULL, 0, NULL };
	unsigned long long start;
	struct stat st;
	bool has_dir, restored = false;
	int fd = -1, done = 0;

	if (lock_path(&fd, lock, false, false) != 0) {
		error_clear();
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid())
		goto out;
	read_owner(fd, &left.pid, &start);
	/* The lock was free, yet its owner runs: flock does not work here. Leave it. */
	if (left.pid > 0 && start && scratch_proc_start_time(left.pid) == start)
		goto out;
	has_dir = lstat(dir, &st) == 0;
	if (has_dir && (!S_ISDIR(st.st_mode) || st.st_uid != getuid()))
		goto out;
	if (has_dir && !dispose(dir, restore_to, &restored))
		goto out;
	unlink(lock);
	left.path = has_dir ? dir : lock;
	left.restored_to = restored ? restore_to : NULL;
	if (report)
		report(&left, payload);
	done = 1;
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(lock);
	return done;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool listed(char **names, size_t n, const char *name)
{
	return bsearch(&name, names, n, sizeof(*names), cmp_str) != NULL;
}

int scratch_sweep(const char *parent, const char *prefix, bool any_name, const char *restore_to,
		  scratch_report_fn report, void *payload)
{
	size_t plen = strlen(prefix), n = 0, alloc = 0, i;
	char **names = NULL;
	struct dirent *e;
	int done = 0;
	DIR *d = opendir(parent);

	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return error_set_errno(ERR_GENERIC, "cannot read '%s'", parent);
	}
	/* Names first: the loop below removes entries. */
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		size_t len = strlen(name), stem_len;

		if (strncmp(name, prefix, plen) || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		stem_len = ends_with_lock(name) ? len - LOCK_SUFFIX_LEN : len;
		if (any_name ? stem_len <= plen : !random_part_ok(name + plen, stem_len - plen))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			names = xrealloc(names, alloc * sizeof(*names));
		}
		names[n++] = xstrdup(name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		char *name = names[i];

		if (ends_with_lock(name)) {
			name[strlen(name) - LOCK_SUFFIX_LEN] = '\0';
			done += sweep_lock(parent, name, restore_to, report, payload);
			name[strlen(name)] = '.';
		} else {
			char *lock = xasprintf("%s" LOCK_SUFFIX, name), *dir;
			struct stat st;
			bool restored;

			/* Owned: handled with its lock file (sorted names keep both in the list). */
			if (listed(names, n, lock)) {
				free(lock);
				continue;
			}
			free(lock);
			dir = fs_path_join(parent, name);
			if (own_dir(dir, &st) && st.st_mtime < time(NULL) - UNMARKED_AGE_S &&
			    dispose(dir, restore_to, &restored)) {
				struct scratch_leftover left = { dir, 0, restored ? restore_to : NULL };

				if (report)
					report(&left, payload);
				done++;
			}
			free(dir);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return done;
}

/* NAME ends in FS_TEMP_INFIX + six characters of mkstemp's alphabet. */
static bool temp_file_name(const char *name)
{
	size_t n = strlen(name), k = strlen(FS_TEMP_INFIX);

	return n > k + RANDOM_LEN && !strncmp(name + n - RANDOM_LEN - k, FS_TEMP_INFIX, k) &&
	       random_part_ok(name + n - RANDOM_LEN, RANDOM_LEN);
}

int scratch_sweep_files(const char *dir, const char *prefix, scratch_report_fn report,
			void *payload)
{
	size_t plen = strlen(prefix);
	struct dirent *e;
	int done = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
			error_set_errno(ERR_GENERIC, "cannot read '%s'", dir);
	while ((e = readdir(d))) {
		struct scratch_leftover left = { NULL, 0, NULL };
		struct stat st;
		char *path;
		int fd;

		if (strncmp(e->d_name, prefix, plen) || !temp_file_name(e->d_name))
			continue;
		path = fs_path_join(dir, e->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == getuid() &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    unlink(path) == 0) {
			left.path = path;
			if (report)
				report(&left, payload);
			done++;
		}
		if (fd >= 0)
			close(fd);
		free(path);
	}
	closedir(d);
	return done;
}

char *scratch_rebuild_base(void)
{
	const char *t = getenv("TMPDIR");

	return xasprintf("%s/qga-forge-rebuild-%ld", t && *t ? t : "/var/tmp", (long)getuid());
}

int scratch_sweep_tmp(scratch_report_fn report, void *payload)
{
	const char *tmp = scratch_tmpdir();
	char *base = scratch_rebuild_base();
	int n = 0, r;

	if ((r = scratch_sweep(tmp, SCRATCH_GEN_PREFIX, false, NULL, report, payload)) > 0)
		n += r;
	if ((r = scratch_sweep(tmp, SCRATCH_SMOKE_PREFIX, false, NULL, report, payload)) > 0)
		n += r;
	if (strcmp(tmp, "/tmp") &&
	    (r = scratch_sweep("/tmp", SCRATCH_SMOKE_PREFIX, false, NULL, report, payload)) > 0)
		n += r;
	/* smoke --vm's directories are always in /tmp (socket paths) */
	if ((r = scratch_sweep("/tmp", SCRATCH_VM_PREFIX, false, NULL, report, payload)) > 0)
		n += r;
	if ((r = scratch_sweep(base, "", true, NULL, report, payload)) > 0)
		n += r;
	/* Empty once nothing is left in it (another build may be starting: then it stays). */
	rmdir(base);
	free(base);
	error_clear();
	return n;
}
