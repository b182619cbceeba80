/* Helpers shared by the workspace operations: progress events, data files, defines. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/banned.h"

#define MAX_DATA_FILE (16u << 20)

void ws_emit(const struct ws_progress *p, enum ws_event_kind kind, const char *op, const char *step,
	     const char *message, double seconds)
{
	struct ws_event ev;

	if (!p || !p->fn)
		return;
	ev.kind = kind;
	ev.op = op;
	ev.step = step;
	ev.message = message;
	ev.seconds = seconds;
	p->fn(&ev, p->payload);
}

static void emit_v(const struct ws_progress *p, enum ws_event_kind kind, const char *op,
		   const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	if (!p || !p->fn)
		return;
	buf_vprintf(&b, fmt, ap);
	ws_emit(p, kind, op, NULL, b.ptr, 0);
	buf_release(&b);
}

void ws_info_event(const struct ws_progress *p, const char *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_v(p, WS_EVENT_INFO, op, fmt, ap);
	va_end(ap);
}

void ws_report_leftover(const struct scratch_leftover *left, void *payload)
{
	const struct ws_leftover_report *r = payload;
	char *line = scratch_leftover_describe(left);

	ws_info_event(r->progress, r->op, "%s", line);
	free(line);
}

void ws_warn_event(const struct ws_progress *p, const char *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_v(p, WS_EVENT_WARNING, op, fmt, ap);
	va_end(ap);
}

void ws_step_time(const struct ws_progress *p, const char *op, double *t, const char *what)
{
	double now = clock_now();

	ws_emit(p, WS_EVENT_TIMING, op, what, NULL, now - *t);
	*t = now;
}

int ws_read_data(struct buf *b, const char *datadir, const char *name)
{
	char *path;
	int ret;

	if (!datadir)
		return error_set(ERR_BUG, "no data directory to read '%s' from", name);
	path = fs_path_join(datadir, name);
	buf_set_cap(b, MAX_DATA_FILE);
	ret = fs_read_file(b, path);
	if (ret)
		error_prefix(ret, "templates");
	free(path);
	return ret;
}

int ws_require_clean(struct ws *ws, const char *const *paths, size_t n)
{
	struct buf what = BUF_INIT;
	size_t i;
	int ret = 1;

	if (!n)
		ret = patchgen_is_clean(ws_src_dir(ws), &what);
	/* One pathspec at a time: libgit2 then walks only below that path. */
	for (i = 0; i < n && ret > 0; i++)
		ret = patchgen_paths_clean(ws_src_dir(ws), &paths[i], 1, &what);
	if (ret == 0) {
		buf_rtrim(&what);
		ret = error_set(ERR_INPUT,
				"the work tree '%s' has uncommitted changes (%s); commit or discard them first",
				ws_src_dir(ws), what.len ? what.ptr : "see git status");
	} else if (ret > 0) {
		ret = 0;
	}
	buf_release(&what);
	return ret;
}
