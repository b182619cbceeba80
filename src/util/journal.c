#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "error.h"
#include "banned.h"

/*
 * Layout of a journal directory J:
 *   J/0000, J/0001, ...  the new contents, fsynced
 *   J/<record>           "0000\0/abs/target\0" pairs ("-\0/abs/target\0" for a
 *                        removal, "=\0payload\0" for the hook's text); renamed
 *                        into place last: the commit point
 * Applying renames each staged file that is still there over its target
 * and removes what goes, so it can run again after a crash at any point.
 */
#define RECORD "commit"
#define REMOVE_TAG "-"
#define PAYLOAD_TAG "="

static const char *record_of(const struct fs_journal_opts *o)
{
	return o && o->record ? o->record : RECORD;
}

void fs_crash_point(int step)
{
	const char *at = getenv("QGA_FORGE_TXN_CRASH_AT");

	if (at && *at && atoi(at) == step)
		_exit(99);
}

/* rename(), or when the target is on another file system a copy renamed into place. */
static int move_into_place(const char *from, const char *to)
{
	char *tmp = NULL;
	struct buf data = BUF_INIT;
	struct stat st;
	int ret;

	if (rename(from, to) == 0)
		return fs_fsync_parent(to);
	if (errno != EXDEV)
		return error_set_errno(ERR_GENERIC, "cannot move '%s' into place", to);
	/* The staged copy stays until the target is in place: a crash here is redone. */
	if (stat(from, &st) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot read '%s'", from);
		goto out;
	}
	if ((ret = fs_read_file(&data, from)) < 0 ||
	    (ret = fs_write_temp(&tmp, to, data.ptr, data.len, st.st_mode & 07777)) < 0)
		goto out;
	if (rename(tmp, to) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot move '%s' into place", to);
		unlink(tmp);
		goto out;
	}
	ret = fs_fsync_parent(to);
	unlink(from);
out:
	free(tmp);
	buf_release(&data);
	return ret;
}

static int apply(const char *journal, const struct buf *m, const struct fs_journal_opts *o)
{
	const char *payload = NULL;
	size_t pos = 0;
	int ret = 0, step = 10;

	while (pos < m->len && !ret) {
		const char *name = m->ptr + pos, *target;
		char *from, *parent;

		pos += strlen(name) + 1;
		if (pos >= m->len)
			return error_set(ERR_GENERIC, "'%s': damaged journal", journal);
		target = m->ptr + pos;
		pos += strlen(target) + 1;
		if (!strcmp(name, PAYLOAD_TAG)) {
			payload = target;
			continue;
		}
		if (!strcmp(name, REMOVE_TAG)) {
			if (unlink(target) < 0 && errno != ENOENT)
				ret = error_set_errno(ERR_GENERIC, "cannot remove '%s'", target);
			else
				fs_fsync_parent(target);
		} else if (!fs_is_safe_name(name)) {
			return error_set(ERR_GENERIC, "'%s': damaged journal", journal);
		} else {
			from = fs_path_join(journal, name);
			if (fs_exists(from)) {
				parent = fs_dirname(target);
				ret = fs_mkdirs(parent, 0755);
				free(parent);
				if (!ret)
					ret = move_into_place(from, target);
			}
			free(from);
		}
		if (!ret)
			fs_crash_point(step++);
	}
	if (!ret && o && o->after_files)
		ret = o->after_files(o->arg, payload);
	if (!ret)
		ret = fs_remove_tree(journal);
	return ret;
}

int fs_journal_recover_opts(const char *journal, const struct fs_journal_opts *o)
{
	char *commit;
	struct buf m = BUF_INIT;
	int ret = 0;

	if (!fs_exists(journal))
		return 0;
	commit = fs_path_join(journal, record_of(o));
	if (!fs_exists(commit)) {
		/* Stopped before the commit point: nothing was replaced. */
		ret = fs_remove_tree(journal);
	} else {
		buf_set_cap(&m, 1u << 20);
		ret = fs_read_file(&m, commit);
		if (!ret)
			ret = apply(journal, &m, o);
		if (ret && o && o->label)
			error_prefix(ret, "cannot finish an interrupted change %s", o->label);
		else if (ret)
			error_prefix(ret, "cannot finish an interrupted change ('%s')", journal);
	}
	buf_release(&m);
	free(commit);
	return ret;
}

int fs_journal_recover(const char *journal)
{
	return fs_journal_recover_opts(journal, NULL);
}

int fs_journal_commit(const char *journal, const struct fs_journal_file *files, size_t n)
{
	return fs_journal_commit_opts(journal, files, n, NULL);
}

/* Stage file i as J/NNNN and add its pair to the record. */
static int stage(struct buf *m, const char *journal, const struct fs_journal_file *f, size_t i)
{
	char name[32], *staged, *abs = fs_abspath(f->path), *tmp = NULL;
	struct stat st;
	mode_t mode = !f->exact_mode && stat(f->path, &st) == 0 ? st.st_mode & 07777 : f->mode;
	int ret = 0;

	if (f->remove) {
		buf_put(m, REMOVE_TAG, strlen(REMOVE_TAG) + 1);
		buf_put(m, abs, strlen(abs) + 1);
		free(abs);
		return 0;
	}
	snprintf(name, sizeof(name), "%04zu", i);
	staged = fs_path_join(journal, name);
	ret = fs_write_temp(&tmp, staged, f->data, f->len, mode);
	if (!ret && rename(tmp, staged) < 0)
		ret = error_set_errno(ERR_GENERIC, "cannot stage '%s'", f->path);
	if (ret && tmp)
		unlink(tmp);
	buf_put(m, name, strlen(name) + 1);
	buf_put(m, abs, strlen(abs) + 1);
	free(staged);
	free(tmp);
	free(abs);
	return ret;
}

int fs_journal_commit_opts(const char *journal, const struct fs_journal_file *files, size_t n,
			   const struct fs_journal_opts *o)
{
	struct buf m = BUF_INIT;
	char *commit = NULL, *tmp = NULL;
	size_t i;
	int ret;

	if ((ret = fs_journal_recover_opts(journal, o)) < 0)
		return ret;
	if (mkdir(journal, 0700) < 0)
		return error_set_errno(ERR_GENERIC, "cannot create '%s'", journal);
	for (i = 0; i < n; i++)
		if ((ret = stage(&m, journal, &files[i], i)) < 0)
			goto fail;
	if (o && o->payload) {
		buf_put(&m, PAYLOAD_TAG, strlen(PAYLOAD_TAG) + 1);
		buf_put(&m, o->payload, strlen(o->payload) + 1);
	}
	fs_crash_point(0);
	commit = fs_path_join(journal, record_of(o));
	if ((ret = fs_write_temp(&tmp, commit, m.ptr, m.len, 0600)) < 0 ||
	    (ret = fs_fsync_dir(journal)) < 0)
		goto fail;
	/* The commit point. */
	if (rename(tmp, commit) < 0) {
		ret = error_set_errno(ERR_GENERIC, "cannot commit the change (%s)",
				      o && o->label ? o->label : journal);
		goto fail;
	}
	free(tmp);
	tmp = NULL;
	if ((ret = fs_fsync_dir(journal)) < 0)
		goto out;
	fs_crash_point(1);
	ret = apply(journal, &m, o);
	if (ret)
		error_prefix(ret, "the change was committed but not fully applied; the next qga-forge "
			     "command %s finishes it", o && o->label ? o->label : "on it");
	goto out;
fail:
	if (tmp)
		unlink(tmp);
	fs_remove_tree(journal);
out:
	free(tmp);
	free(commit);
	buf_release(&m);
	return ret;
}
