#ifndef QGA_FORGE_FS_H
#define QGA_FORGE_FS_H

/*
 * Files and directories. Every function returns 0 on success or a negative
 * error code with a message naming the path (error.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Read a whole file into `out` (appended). `out->cap` bounds the size. */
int fs_read_file(struct buf *out, const char *path);

/*
 * Replace `path` crash-safely: write a temporary file in the same directory,
 * fsync it, rename it over `path`, fsync the directory. A reader (or a
 * process after a crash) sees the old file or the new one, never a mix.
 * `mode` is used for a new file; an existing file keeps its mode.
 */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * The temporary files of fs_write_atomic and fs_write_temp are named
 * PATH + FS_TEMP_INFIX + six random characters, and fs_write_atomic holds
 * an flock on its file until it is renamed into place, so that what a
 * killed writer left can be told from a live writer's file
 * (util/scratch.h scratch_sweep_files).
 */
#define FS_TEMP_INFIX ".qga-forge-"

/* Write a new temporary file next to `path`, fsynced; *tmp_out is its name. */
int fs_write_temp(char **tmp_out, const char *path, const void *data, size_t len, mode_t mode);

/* fsync the directory that contains `path`. */
int fs_fsync_parent(const char *path);
int fs_fsync_dir(const char *dir);

/* write() all of data, through short writes and EINTR; -1 with errno set on failure. */
int fs_write_all(int fd, const void *data, size_t len);

/* mkdir -p; existing directories are fine. */
int fs_mkdirs(const char *path, mode_t mode);

/* rm -rf; a missing path is fine. Never follows symlinks. */
int fs_remove_tree(const char *path);

/* cp -a of a directory tree (files, directories, symlinks, modes, mtimes). */
int fs_copy_tree(const char *src, const char *dst);

/* Copy one regular file (data and mode). A symbolic link at dst is refused, not followed. */
int fs_copy_file(const char *src, const char *dst);

bool fs_exists(const char *path);
bool fs_is_dir(const char *path);
bool fs_is_file(const char *path);

/* 1 if `path` is a directory with no entries, 0 if it has some, <0 on error. */
int fs_dir_is_empty(const char *path);

/* a + "/" + b, without doubling slashes. Caller frees. */
char *fs_path_join(const char *a, const char *b);

/* Absolute, normalized path ("." and ".." resolved lexically; symlinks kept). */
char *fs_abspath(const char *path);

/* The directory part / last component of a path. Caller frees. */
char *fs_dirname(const char *path);
char *fs_basename(const char *path);

/*
 * True when `name` is a plain file name: non-empty, no '/', not "." or "..",
 * no control characters. Used for names taken from untrusted input.
 */
bool fs_is_safe_name(const char *name);

/*
 * The crash-safe journal: several files replaced or removed together, all
 * or nothing, also across a crash. It serves `spec add-patch` (the patch and
 * the spec) and every workspace transaction (files, state.json, then the git
 * ref and index through `after_files`).
 *
 * `journal` is a directory of our own (".NAME.qga-forge-journal" beside the
 * spec, WS/.qga-forge/txn): the new contents are staged and fsynced in it, a
 * record renamed into place is the commit point, then each file is renamed
 * over its target (its directory made when missing; copied when the target
 * is on another file system) or removed, `after_files` runs, and the
 * directory goes. fs_journal_recover() finishes a committed change that was
 * interrupted (running `after_files` again) or drops one that never reached
 * the commit point: run it before reading the files. fs_journal_commit()
 * recovers first. Applying is idempotent, so a crash at any point is redone.
 *
 * Modes: an existing target keeps its mode and `mode` is for a new one,
 * unless `exact_mode` makes `mode` the file's mode either way.
 * For tests, QGA_FORGE_TXN_CRASH_AT=N exits at step N: 0 before the commit
 * point, 1 right after it, 10+i after file i (the hook has its own steps).
 */
struct fs_journal_file {
	const char *path;
	const void *data;
	size_t len;
	mode_t mode;
	bool remove;       /* remove `path` instead (data unused) */
	bool exact_mode;
};

struct fs_journal_opts {
	const char *record;   /* name of the commit record in the journal (default "commit") */
	const char *label;    /* where, for messages: "in '/ws'" (default: the journal's path) */
	const char *payload;  /* text kept in the record and handed to after_files */
	/* Runs after the files are in place, at commit and at recovery. */
	int (*after_files)(void *arg, const char *payload);
	void *arg;
};

int fs_journal_commit(const char *journal, const struct fs_journal_file *files, size_t n);
int fs_journal_recover(const char *journal);
int fs_journal_commit_opts(const char *journal, const struct fs_journal_file *files, size_t n,
			   const struct fs_journal_opts *o);
int fs_journal_recover_opts(const char *journal, const struct fs_journal_opts *o);

/*
 * The crash hook of journals and workspace transactions, for tests: _exit(99)
 * when QGA_FORGE_TXN_CRASH_AT is `step`.
 */
void fs_crash_point(int step);

/*
 * Every file below `dir` whose name ends in `suffix` (".rpm"), depth first
 * in directory order, entries starting with '.' skipped, appended to `out`
 * as paths relative to `dir`. ERR_NOTFOUND when `dir` cannot be read;
 * unreadable subdirectories are skipped.
 */
struct strvec;
int fs_find_files(struct strvec *out, const char *dir, const char *suffix);

/* Directory of the running executable (from /proc/self/exe). Caller frees. */
char *fs_self_dir(void);

#endif
