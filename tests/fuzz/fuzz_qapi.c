/*
 * The QAPI schema reader: parse, print back (byte-identical), check with
 * the rules of one QEMU version, derive the prototypes of the commands,
 * read the doc examples, and insert the input as a fragment into a small
 * schema, as add-command does with a user's FILE.qapi.
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
	buf_release(&out);
	free(text);
	return 0;
}
