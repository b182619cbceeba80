/*
 * The C handler-file reader (qapi_cfile_parse) and what add-command does
 * with its result: check the handlers against a command's prototype, add
 * them to a commands-*.c file, add the Windows stub, and the same with the
 * input as the target file.
 *
 * Input: the C text.
 */

#include <string.h>

#include "fuzz.h"
#include "schemaedit/qapi.h"
#include "util/util.h"
#include "util/banned.h"

static const char schema_text[] =
	"{ 'struct': 'GuestFoo', 'data': { 'used': 'int', 'name': 'str' } }\n"
	"{ 'command': 'guest-foo', 'data': { 'path': 'str', '*count': 'int' },\n"
	"  'returns': 'GuestFoo' }\n";

static const char target_text[] =
	"#include \"qemu/osdep.h\"\n"
	"#include \"qga-qapi-commands.h\"\n"
	"\n"
	"void ga_command_init_blockedrpcs(GList *blockedrpcs)\n"
	"{\n"
	"    const char *list[] = { \"guest-suspend-hybrid\", NULL };\n"
	"    (void)list;\n"
	"}\n"
	"\n"
	"int64_t qmp_guest_get_time(Error **errp)\n"
	"{\n"
	"    return 0;\n"
	"}\n";

static const char handler_text[] =
	"#include <sys/statvfs.h>\n"
	"\n"
	"static int helper(void) { return 1; }\n"
	"\n"
	"GuestFoo *qmp_guest_foo(const char *path, bool has_count, int64_t count, Error **errp)\n"
	"{\n"
	"    return NULL;\n"
	"}\n";

static struct qapi_proto proto;
static struct qapi_cfile *target, *handlers;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct qapi_version v = { 7, 2, 0 };
	struct qapi_schema *s = NULL;

	if (qapi_schema_parse(&s, "fixed.json", schema_text, strlen(schema_text), &v) < 0 ||
	    qapi_proto_derive(&proto, s, "guest-foo", &v) < 0 ||
	    qapi_cfile_parse(&target, "commands-posix.c", target_text, strlen(target_text)) < 0 ||
	    qapi_cfile_parse(&handlers, "statvfs.c", handler_text, strlen(handler_text)) < 0 ||
	    qapi_handlers_check(handlers, &proto, 1) < 0)
		fuzz_fail("fixed inputs rejected: %s", error_last());
	qapi_schema_free(s);
	return 0;
}

/*
 * The handler's #include lines written as a release has them
 * (qapi_handler_adapt): line for line, and back again unchanged.
 */
static void adapt_includes(const char *text, size_t size)
{
	static const struct qapi_version old = { 9, 2, 0 }, neu = { 10, 0, 0 };
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	size_t i, na = 0, nt = 0;

	if (qapi_handler_adapt(&a, NULL, "fuzz.c", text, size, &neu) < 0 ||
	    qapi_handler_adapt(&b, NULL, "fuzz.c", a.ptr, a.len, &old) < 0 ||
	    qapi_handler_adapt(&c, NULL, "fuzz.c", b.ptr, b.len, &neu) < 0)
		fuzz_fail("adapting includes failed: %s", error_last());
	for (i = 0; i < size; i++)
		nt += text[i] == '\n';
	for (i = 0; i < a.len; i++)
		na += a.ptr[i] == '\n';
	if (na != nt)
		fuzz_fail("adapting includes changed the number of lines (%zu to %zu)", nt, na);
	if (c.len != a.len || memcmp(c.ptr, a.ptr, a.len) != 0)
		fuzz_fail("include spellings do not round-trip");
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qapi_cfile *f = NULL, *again = NULL;
	struct buf out = BUF_INIT;
	char *text = xmalloc(size ? size : 1);

	memcpy(text, data, size);
	if (qapi_cfile_parse(&f, "fuzz.c", text, size) == 0) {
		qapi_cfile_find(f, "qmp_guest_foo");
		qapi_handlers_check(f, &proto, 1);
		error_clear();
		if (qapi_cfile_add_handlers(&out, target, f, "guest-foo: added by qga-forge") == 0) {
			/* The target with the input's code added must read back. */
			if (qapi_cfile_parse(&again, "merged.c", out.ptr, out.len) < 0)
				fuzz_fail("merged file does not parse: %s", error_last());
			qapi_cfile_free(again);
			again = NULL;
		}
		error_clear();
		buf_reset(&out);
		if (qapi_cfile_add_handlers(&out, f, handlers, "guest-foo: added by qga-forge") == 0 &&
		    qapi_cfile_parse(&again, "merged.c", out.ptr, out.len) == 0) {
			qapi_cfile_free(again);
			again = NULL;
		}
		error_clear();
		buf_reset(&out);
		qapi_win32_add_stub(&out, f, &proto, "ga_command_init_blockedrpcs");
		error_clear();
		buf_reset(&out);
		qapi_win32_add_stub(&out, f, &proto, "ga_command_blacklist_init");
	}
	error_clear();
	qapi_cfile_free(f);
	buf_release(&out);
	adapt_includes(text, size);
	free(text);
	return 0;
}
