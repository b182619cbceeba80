/*
 * The QAPI schema reader: parse, print back (byte-identical), check with
 * the rules of one QEMU version, derive the prototypes of the commands,
 * read the doc examples, and insert the input as a fragment into a small
 * schema, as add-command does with a user's FILE.qapi, and rewrite it into
 * the form the version wants (qapi_fragment_adapt).
 *
 * Input: byte 0 picks the QEMU version, the rest is the schema text.
 */

#include <string.h>

#include "fuzz.h"
#include "schemaedit/qapi.h"
#include "util/util.h"
#include "util/banned.h"

static const struct qapi_version versions[] = {
	{ 2, 12, 0 }, { 5, 2, 0 }, { 6, 2, 0 }, { 7, 2, 0 }, { 8, 1, 0 }, { 9, 1, 0 },
	{ 8, 0, 0 }, { 9, 0, 0 }, { 9, 2, 0 }, { 10, 0, 0 },
};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

static const char base_text[] =
	"# -*- Mode: Python -*-\n"
	"\n"
	"{ 'pragma': { 'doc-required': true } }\n"
	"{ 'pragma': { 'command-returns-exceptions': [ 'guest-get-time' ] } }\n"
	"\n"
	"##\n"
	"# @guest-ping:\n"
	"#\n"
	"# Ping the guest agent.\n"
	"#\n"
	"# Since: 0.15.0\n"
	"##\n"
	"{ 'command': 'guest-ping' }\n"
	"\n"
	"##\n"
	"# @guest-get-time:\n"
	"#\n"
	"# Get the guest's time.\n"
	"#\n"
	"# Returns: nanoseconds since the epoch\n"
	"#\n"
	"# Since: 1.5\n"
	"##\n"
	"{ 'command': 'guest-get-time',\n"
	"  'returns': 'int' }\n";

static void derive_all(const struct qapi_schema *s, const struct qapi_version *v)
{
	size_t i;

	for (i = 0; i < qapi_schema_ndefs(s); i++) {
		const struct qapi_def *d = qapi_schema_def(s, i);
		struct qapi_proto p;

		if (d->meta != QAPI_COMMAND || !d->name)
			continue;
		memset(&p, 0, sizeof(p));
		if (qapi_proto_derive(&p, s, d->name, v) == 0) {
			char *str = qapi_proto_string(&p);

			if (!str || strncmp(str, p.ret, strlen(p.ret)) != 0)
				fuzz_fail("prototype '%s' does not start with its return type '%s'",
					  str ? str : "(null)", p.ret);
			free(str);
		}
		qapi_proto_release(&p);
		error_clear();
	}
}

static void examples(const struct qapi_schema *s)
{
	size_t i;

	for (i = 0; i < qapi_schema_ndocs(s); i++) {
		char *ex = NULL;

		qapi_doc_example(&ex, qapi_schema_doc(s, i));
		free(ex);
		error_clear();
	}
}

static void insert_into_base(const struct qapi_schema *frag, const struct qapi_version *v)
{
	struct qapi_schema *base = NULL, *merged = NULL;
	struct qapi_insert_opts io;
	struct buf out = BUF_INIT;

	if (qapi_schema_parse(&base, "base.json", base_text, strlen(base_text), v) < 0)
		fuzz_fail("the built-in base schema does not parse: %s", error_last());
	memset(&io, 0, sizeof(io));
	io.schema_if = "CONFIG_POSIX";
	if (qapi_insert_fragment(&out, base, frag, v, &io) == 0) {
		if (io.frag_offset > out.len || io.frag_len > out.len - io.frag_offset)
			fuzz_fail("fragment span %zu+%zu outside the merged text (%zu bytes)",
				  io.frag_offset, io.frag_len, out.len);
		if (qapi_schema_parse(&merged, "merged.json", out.ptr, out.len, v) == 0 &&
		    qapi_schema_check(merged, v) == 0)
			derive_all(merged, v);
		qapi_remap_error("merged.json", out.ptr, out.len, &io, frag);
	}
	error_clear();
	qapi_schema_free(merged);
	qapi_schema_free(base);
	buf_release(&out);
}

static size_t count_newlines(const char *p, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += p[i] == '\n';
	return n;
}

/*
 * add-command rewrites a declaration into the form the release wants
 * (qapi_fragment_adapt): every line keeps its number, and what the
 * rewrite gives is read like any declaration.
 */
static void adapt(const char *text, size_t len, const struct qapi_version *v)
{
	static const struct qapi_version newest = { 99, 0, 0 };
	struct buf out = BUF_INIT, notes = BUF_INIT;
	struct qapi_schema *s = NULL;

	if (qapi_fragment_adapt(&out, &notes, "fuzz.qapi", text, len, v ? v : &newest) < 0)
		fuzz_fail("adapting failed: %s", error_last());
	if (count_newlines(out.ptr, out.len) != count_newlines(text, len))
		fuzz_fail("adapting changed the number of lines (%zu to %zu)",
			  count_newlines(text, len), count_newlines(out.ptr, out.len));
	if (!notes.len && (out.len != len || memcmp(out.ptr, text, len) != 0))
		fuzz_fail("the text changed without a note");
	if (qapi_schema_parse(&s, "fuzz.qapi", out.ptr, out.len, v) == 0)
		qapi_schema_check(s, v);
	error_clear();
	qapi_schema_free(s);
	buf_release(&out);
	buf_release(&notes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct qapi_version *v;
	struct qapi_schema *s = NULL;
	struct buf out = BUF_INIT;
	char *text;
	size_t len;

	if (size < 1)
		return 0;
	v = data[0] % (NVERSIONS + 1) < NVERSIONS ? &versions[data[0] % (NVERSIONS + 1)] : NULL;
	len = size - 1;
	/* An exact-size copy: the parser must not read past `len`. */
	text = xmalloc(len ? len : 1);
	memcpy(text, data + 1, len);
	if (qapi_schema_parse(&s, "fuzz.json", text, len, v) == 0) {
		if (qapi_schema_print(&out, s) < 0)
			fuzz_fail("a parsed schema does not print: %s", error_last());
		if (out.len != len || memcmp(out.ptr, text, len) != 0)
			fuzz_fail("print is not byte-identical (%zu bytes in, %zu out)", len, out.len);
		examples(s);
		if (qapi_schema_check(s, v) == 0)
			derive_all(s, v);
		error_clear();
		insert_into_base(s, v);
	}
	error_clear();
	qapi_schema_free(s);
	adapt(text, len, v);
	buf_release(&out);
	free(text);
	return 0;
}
