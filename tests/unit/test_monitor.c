/*
 * QEMU monitor commands (src/schemaedit/monitor.c): the placement table by
 * version, the HMP wrapper written from a command's QAPI arguments
 * (args_type letters, params, the hmp-commands.hx entry, the C wrapper),
 * the arguments and results HMP cannot express, the edits of
 * hmp-commands.hx and include/monitor/hmp.h (collisions refused with
 * FILE:LINE:COL), and the rule that new QMP commands return objects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "schemaedit/qapi.h"
#include "util/util.h"
#include "util/banned.h"

static const struct qapi_version v72 = { 7, 2, 0 };
static const struct qapi_version v100 = { 10, 0, 0 };
static const struct qapi_version v62 = { 6, 2, 0 };

#define DOC(name, extra) "##\n# @" name ":\n#\n# Do it.\n#\n" extra "# Since: 7.2\n##\n"

static struct qapi_schema *schema_of(const char *text, const struct qapi_version *v)
{
	struct qapi_schema *s = NULL;

	assert_int_equal(qapi_schema_parse(&s, "t.json", text, strlen(text), v), 0);
	if (qapi_schema_check(s, v))
		fail_msg("%s", error_last());
	return s;
}

/* The HMP wrapper of `command` in `text`, or the error code. */
static int hmp_of(struct qapi_hmp *h, const char *text, const char *command,
		  const struct qapi_version *v)
{
	struct qapi_schema *s = schema_of(text, v);
	struct qapi_proto p;
	int ret;

	assert_int_equal(qapi_proto_derive(&p, s, command, v), 0);
	ret = qapi_hmp_generate(h, s, &p, v);
	qapi_proto_release(&p);
	qapi_schema_free(s);
	return ret;
}

static void test_monitor__placement_by_version(void **state)
{
	struct qapi_monitor_placement pl;

	(void)state;
	assert_int_equal(qapi_monitor_placement_for(&pl, &v72), 0);
	assert_string_equal(pl.schema_file, "qapi/misc.json");
	assert_string_equal(pl.handler_file, "monitor/qmp-cmds.c");
	assert_string_equal(pl.hmp_file, "monitor/hmp-cmds.c");
	assert_string_equal(pl.commands_header, "qapi/qapi-commands-misc.h");
	assert_int_equal(qapi_monitor_placement_for(&pl, &v100), 0);
	assert_string_equal(pl.hmp_table, "hmp-commands.hx");
	assert_string_equal(pl.hmp_header, "include/monitor/hmp.h");
	assert_int_equal(qapi_monitor_placement_for(&pl, &v62), ERR_INPUT);
	assert_non_null(strstr(error_last(), "6.2 is older than 7.2"));
}

static void test_monitor__args_type_letters(void **state)
{
	const char *text =
		"##\n# @Colour:\n#\n# @red: x\n#\n# @blue: x\n#\n# Since: 7.2\n##\n"
		"{ 'enum': 'Colour', 'data': [ 'red', 'blue' ] }\n"
		DOC("do-it", "# @s: x\n#\n# @i: x\n#\n# @n: x\n#\n# @b: x\n#\n# @z: x\n#\n# @h: x\n#\n"
		    "# @c: x\n#\n# @w: x\n#\n")
		"{ 'command': 'do-it', 'data': { 's': 'str', '*i': 'int', 'n': 'number', '*b': 'bool',"
		" 'z': 'size', 'h': 'int32', '*c': 'Colour', 'w': 'uint64' } }\n";
	struct qapi_hmp h;

	(void)state;
	assert_int_equal(hmp_of(&h, text, "do-it", &v72), 0);
	assert_string_equal(h.args_type, "s:s,i:l?,n:T,b:b?,z:o,h:i,c:s?,w:l");
	assert_string_equal(h.params, "s [i] n [b] z h [c] w");
	assert_string_equal(h.func, "hmp_do_it");
	assert_string_equal(h.decl, "void hmp_do_it(Monitor *mon, const QDict *qdict);\n");
	assert_non_null(strstr(h.hx_entry, ".args_type  = \"s:s,i:l?,n:T,b:b?,z:o,h:i,c:s?,w:l\","));
	assert_non_null(strstr(h.hx_entry, ".cmd        = hmp_do_it,"));
	assert_non_null(strstr(h.hx_entry, ".help       = \"Do it.\","));
	assert_non_null(strstr(h.code, "qdict_get_try_double(qdict, \"n\", 0)"));
	assert_non_null(strstr(h.code, "qdict_get_try_bool(qdict, \"b\", false)"));
	assert_non_null(strstr(h.code, "qapi_enum_parse(&Colour_lookup, c_str, -1, &err)"));
	/* 7.2: every optional has its flag, the enum included */
	assert_non_null(strstr(h.code, "qmp_do_it(s, has_i, i, n, has_b, b, z, h, has_c, c, w, &err);"));
	assert_non_null(strstr(h.code, "hmp_handle_error(mon, err);"));
	qapi_hmp_release(&h);
}

static void test_monitor__optional_str_by_version(void **state)
{
	const char *text = DOC("hello-world", "# @message: x\n#\n")
		"{ 'command': 'hello-world', 'data': { '*message': 'str' } }\n";
	struct qapi_hmp h;

	(void)state;
	assert_int_equal(hmp_of(&h, text, "hello-world", &v72), 0);
	assert_string_equal(h.args_type, "message:s?");
	assert_string_equal(h.params, "[message]");
	assert_non_null(strstr(h.code, "qmp_hello_world(has_message, message, &err);"));
	qapi_hmp_release(&h);
	/* 8.0 dropped has_ for optional pointers */
	assert_int_equal(hmp_of(&h, text, "hello-world", &v100), 0);
	assert_non_null(strstr(h.code, "qmp_hello_world(message, &err);"));
	assert_null(strstr(h.code, "has_message"));
	qapi_hmp_release(&h);
}

static void test_monitor__prints_struct_and_list(void **state)
{
	const char *text =
		"##\n# @Info:\n#\n# @value: x\n#\n# @even: x\n#\n# @name: x\n#\n# Since: 7.2\n##\n"
		"{ 'struct': 'Info', 'data': { 'value': 'int', 'even': 'bool', '*name': 'str' } }\n"
		DOC("query-info", "# @value: x\n#\n# Returns: x\n#\n")
		"{ 'command': 'query-info', 'data': { 'value': 'int' }, 'returns': 'Info' }\n"
		DOC("query-infos", "# Returns: x\n#\n")
		"{ 'command': 'query-infos', 'returns': [ 'Info' ] }\n";
	struct qapi_hmp h;

	(void)state;
	assert_int_equal(hmp_of(&h, text, "query-info", &v72), 0);
	assert_string_equal(h.args_type, "value:l");
	assert_non_null(strstr(h.code, "monitor_printf(mon, \"value: %\" PRId64 \"\\n\", ret->value);"));
	assert_non_null(strstr(h.code, "monitor_printf(mon, \"even: %s\\n\", ret->even ? \"true\" : \"false\");"));
	assert_non_null(strstr(h.code, "if (ret->has_name) {"));
	assert_non_null(strstr(h.code, "qapi_free_Info(ret);"));
	qapi_hmp_release(&h);
	assert_int_equal(hmp_of(&h, text, "query-info", &v100), 0);
	assert_non_null(strstr(h.code, "if (ret->name) {"));
	qapi_hmp_release(&h);
	assert_int_equal(hmp_of(&h, text, "query-infos", &v100), 0);
	assert_string_equal(h.args_type, "");
	assert_non_null(strstr(h.code, "for (e = ret; e; e = e->next) {"));
	assert_non_null(strstr(h.code, "e->value->value"));
	assert_non_null(strstr(h.code, "qapi_free_InfoList(ret);"));
	qapi_hmp_release(&h);
}

static void test_monitor__refusals(void **state)
{
	const char *text =
		"##\n# @Info:\n#\n# @value: x\n#\n# Since: 7.2\n##\n"
		"{ 'struct': 'Info', 'data': { 'value': 'int' } }\n"
		DOC("take-list", "# @names: x\n#\n") "{ 'command': 'take-list', 'data': { 'names': [ 'str' ] } }\n"
		DOC("take-struct", "# @info: x\n#\n") "{ 'command': 'take-struct', 'data': { 'info': 'Info' } }\n"
		DOC("take-any", "# @v: x\n#\n") "{ 'command': 'take-any', 'data': { 'v': 'any' } }\n"
		DOC("take-boxed", "") "{ 'command': 'take-boxed', 'data': 'Info', 'boxed': true }\n";
	struct qapi_hmp h;

	(void)state;
	assert_int_equal(hmp_of(&h, text, "take-list", &v72), ERR_INPUT);
	assert_non_null(strstr(error_last(), "argument 'names' of 'take-list' is a list: HMP cannot express it"));
	assert_int_equal(hmp_of(&h, text, "take-struct", &v72), ERR_INPUT);
	assert_non_null(strstr(error_last(), "argument 'info' of 'take-struct' is of type 'Info'"));
	assert_int_equal(hmp_of(&h, text, "take-any", &v72), ERR_INPUT);
	assert_non_null(strstr(error_last(), "of type 'any'"));
	assert_int_equal(hmp_of(&h, text, "take-boxed", &v72), ERR_INPUT);
	assert_non_null(strstr(error_last(), "takes its arguments as one type"));
}

static void test_monitor__table_and_header(void **state)
{
	const char *hx = "    {\n        .name       = \"quit|q\",\n        .args_type  = \"\",\n    },\n"
			 "    {\n        .name       = \"hello-world\",\n    },\n";
	const char *hdr = "#ifndef HMP_H\n#define HMP_H\n\nvoid hmp_quit(Monitor *mon, const QDict *qdict);\n\n#endif\n";
	struct qapi_hmp h = { 0 };
	struct buf out = BUF_INIT;

	(void)state;
	h.name = xstrdup("hello-world");
	h.func = xstrdup("hmp_hello_world");
	h.hx_entry = xstrdup("ENTRY\n");
	h.decl = xstrdup("void hmp_hello_world(Monitor *mon, const QDict *qdict);\n");
	assert_int_equal(qapi_hmp_add_table(&out, "hmp-commands.hx", hx, strlen(hx), &h), ERR_EXISTS);
	assert_string_equal(error_last(), "hmp-commands.hx:6:23: the tree already has an HMP command 'hello-world'");
	assert_int_equal(qapi_hmp_add_table(&out, "hmp-commands.hx", hx, 60, &h), 0);
	assert_non_null(strstr(out.ptr, "\n\nENTRY\n"));
	buf_reset(&out);
	assert_int_equal(qapi_hmp_add_decl(&out, "hmp.h", hdr, strlen(hdr), &h), 0);
	assert_string_equal(out.ptr, "#ifndef HMP_H\n#define HMP_H\n\nvoid hmp_quit(Monitor *mon, const QDict *qdict);\n\n"
			    "void hmp_hello_world(Monitor *mon, const QDict *qdict);\n\n#endif\n");
	buf_reset(&out);
	free(h.func);
	h.func = xstrdup("hmp_quit");
	assert_int_equal(qapi_hmp_add_decl(&out, "hmp.h", hdr, strlen(hdr), &h), ERR_EXISTS);
	assert_string_equal(error_last(), "hmp.h:4:6: the tree already declares 'hmp_quit'");
	buf_release(&out);
	qapi_hmp_release(&h);
}

static void test_monitor__returns_an_object(void **state)
{
	const char *base = "{ 'enum': 'Colour', 'data': [ 'red' ] }\n";
	const char *frag = DOC("count-it", "# Returns: x\n#\n") "{ 'command': 'count-it', 'returns': 'int' }\n";
	const char *frag2 = DOC("colour", "# Returns: x\n#\n") "{ 'command': 'colour', 'returns': 'Colour' }\n";
	struct qapi_schema *s = schema_of(base, &v72), *f = NULL;

	(void)state;
	assert_int_equal(qapi_schema_parse(&f, "c.qapi", frag, strlen(frag), &v72), 0);
	assert_int_equal(qapi_monitor_check_returns(f, s), ERR_INPUT);
	assert_non_null(strstr(error_last(), "c.qapi:10:37: a QMP command returns an object"));
	assert_non_null(strstr(error_last(), "not the builtin 'int'"));
	qapi_schema_free(f);
	f = NULL;
	assert_int_equal(qapi_schema_parse(&f, "c.qapi", frag2, strlen(frag2), &v72), 0);
	assert_int_equal(qapi_monitor_check_returns(f, s), ERR_INPUT);
	assert_non_null(strstr(error_last(), "not enum 'Colour'"));
	qapi_schema_free(f);
	qapi_schema_free(s);
}

/* 9.0's doc parser lets "Features:" follow an untagged paragraph (the 10.0
 * tree's qapi/net.json does); 7.2's rejected it. A member still may not. */
static void test_monitor__features_after_paragraph(void **state)
{
	const char *feat = "##\n# @Foo:\n#\n# Do x.\n#\n# @a: first\n#\n# Untagged.\n#\n# Features:\n#\n"
			   "# @unstable: new\n#\n# Since: 1.0\n##\n"
			   "{ 'struct': 'Foo', 'data': { 'a': 'int' }, 'features': [ 'unstable' ] }\n";
	const char *member = "##\n# @Foo:\n#\n# Do x.\n#\n# @a: first\n#\n# Untagged.\n#\n# @b: second\n#\n"
			     "# Since: 1.0\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int', 'b': 'int' } }\n";
	struct qapi_schema *s = NULL;

	(void)state;
	assert_int_equal(qapi_schema_parse(&s, "x.json", feat, strlen(feat), &v72), ERR_INPUT);
	assert_string_equal(error_last(), "x.json:12:1: '@unstable:' can't follow 'untagged' section");
	assert_int_equal(qapi_schema_parse(&s, "x.json", feat, strlen(feat), &v100), 0);
	qapi_schema_free(s);
	s = NULL;
	assert_int_equal(qapi_schema_parse(&s, "x.json", member, strlen(member), &v100), ERR_INPUT);
	assert_non_null(strstr(error_last(), "x.json:10:1: '@b:' can't follow"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monitor__placement_by_version),
		cmocka_unit_test(test_monitor__args_type_letters),
		cmocka_unit_test(test_monitor__optional_str_by_version),
		cmocka_unit_test(test_monitor__prints_struct_and_list),
		cmocka_unit_test(test_monitor__refusals),
		cmocka_unit_test(test_monitor__table_and_header),
		cmocka_unit_test(test_monitor__returns_an_object),
		cmocka_unit_test(test_monitor__features_after_paragraph),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
