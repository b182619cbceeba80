#!/usr/bin/env bash
# qga-forge add-command --qmp in a workspace made from a qemu-kvm style src.rpm of a
# real QEMU tree (Debian's 7.2 and 10.0, unchanged, in small src.rpms made by
# tests/fixtures/mk-qemu-kvm-srpm.sh --parts): the declaration goes into qapi/misc.json,
# the handler into monitor/qmp-cmds.c, the HMP wrapper into hmp-commands.hx,
# include/monitor/hmp.h and monitor/hmp-cmds.c; the tree's own generator (qapi-gen.py on
# qapi/qapi-schema.json) agrees with every prototype. Agent commands still go in beside
# them, commands lists both kinds, remove-command and patch know monitor commands.
. "$(dirname "$0")/lib.sh"

EX="$SRC_ROOT/examples"

for rel in 7.2 10.0; do
	if ! SRPM=$("$SRC_ROOT/tests/fixtures/mk-qemu-kvm-srpm.sh" --release "$rel" --parts 2>/dev/null); then
		test_skip "QEMU $rel" "no QEMU $rel source (tests/fixtures/qemu-source.sh --release $rel)"
		continue
	fi
	ws="ws-$rel"
	export SRPM ws rel

	test_expect_success "$rel: init from a qemu-kvm src.rpm" '
		qga-forge init -q -w "$ws" "$SRPM" >/dev/null 2>&1 &&
		test -f "$ws/src/qapi/qapi-schema.json" &&
		test -f "$ws/src/hmp-commands.hx"
	'

	# From 8.0 an optional str comes without its has_ flag: the handler says so.
	if [ "$rel" = 7.2 ]; then
		cp "$EX/monitor/hello-world.c" hello-world-$rel.c
	else
		sed "s/bool has_message, const char \*message/const char *message/; s/has_message && message/message/" \
			"$EX/monitor/hello-world.c" >hello-world-$rel.c
	fi

	test_expect_success "$rel: QMP commands with HMP wrappers, generator agrees" '
		qga-forge add-command --qmp --hmp -w "$ws" "$EX/monitor/hello-world.qapi" \
			--handler hello-world-$rel.c >out 2>err &&
		qga-forge add-command --qmp --hmp -w "$ws" "$EX/monitor/int-info.qapi" \
			--handler "$EX/monitor/int-info.c" >>out 2>>err &&
		test_grep -v "generator check skipped" err &&
		test_grep "^  IntInfo \*qmp_query_int_info(int64_t value, Error \*\*errp);$" out &&
		git -C "$ws/src" log --format=%s upstream..forge >log &&
		printf "qmp: add query-int-info\nqmp: add hello-world\n" >expect &&
		test_cmp expect log &&
		git -C "$ws/src" diff --name-only upstream forge >files &&
		printf "hmp-commands.hx\ninclude/monitor/hmp.h\nmonitor/hmp-cmds.c\nmonitor/qmp-cmds.c\nqapi/misc.json\n" >expect &&
		test_cmp expect files &&
		test_grep "^        .args_type  = \"message:s?\",$" "$ws/src/hmp-commands.hx" &&
		test_grep "^        .params     = \"\[message\]\",$" "$ws/src/hmp-commands.hx" &&
		test_grep "^        .args_type  = \"value:l\",$" "$ws/src/hmp-commands.hx" &&
		test_grep "^        .cmd        = hmp_query_int_info,$" "$ws/src/hmp-commands.hx" &&
		test_grep "^void hmp_hello_world(Monitor \*mon, const QDict \*qdict);$" "$ws/src/include/monitor/hmp.h" &&
		test_grep "^    if (hmp_handle_error(mon, err)) {$" "$ws/src/monitor/hmp-cmds.c" &&
		test_grep "^    monitor_printf(mon, \"square: %\" PRId64 \"\\\\n\", ret->square);$" "$ws/src/monitor/hmp-cmds.c" &&
		test_grep "^HelloWorld \*qmp_hello_world(" "$ws/src/monitor/qmp-cmds.c"
	'

	test_expect_success "$rel: optional str: has_ flag up to 7.2, none from 8.0" '
		if [ "$rel" = 7.2 ]; then
			test_grep "qmp_hello_world(has_message, message, &err);" "$ws/src/monitor/hmp-cmds.c"
		else
			test_grep "qmp_hello_world(message, &err);" "$ws/src/monitor/hmp-cmds.c"
		fi
	'

	test_expect_success "$rel: the flag form, and an agent command in the same workspace" '
		qga-forge add-command --qmp --hmp -w "$ws" --name query-fx-count \
			--arg "*count:int:how many" --arg "verbose:bool" --doc "Count things." >out &&
		test_grep "qmp_query_fx_count(" out &&
		test_grep "^        .args_type  = \"count:l?,verbose:b\",$" "$ws/src/hmp-commands.hx" &&
		test_grep "{ .command.: .query-fx-count." "$ws/src/qapi/misc.json" &&
		qga-forge add-command -w "$ws" "$EX/watchdog/watchdog.qapi" \
			--handler "$EX/watchdog/watchdog.c" >out &&
		test_grep "guest-set-watchdog-timeout" "$ws/src/qga/qapi-schema.json"
	'

	test_expect_success "$rel: commands lists both kinds" '
		qga-forge commands -w "$ws" >cmds &&
		test_grep "^+ hello-world .*\[QMP, HMP\]$" cmds &&
		test_grep "^+ guest-set-watchdog-timeout " cmds &&
		qga-forge commands -w "$ws" --json >cmds.json &&
		python3 -c "import json,sys; c={x[\"name\"]: x for x in json.load(open(\"cmds.json\"))[\"commands\"]}; sys.exit(not (c[\"query-int-info\"][\"kind\"] == \"qmp\" and c[\"query-int-info\"][\"hmp\"] and \"kind\" not in c[\"guest-set-watchdog-timeout\"]))"
	'

	test_expect_success "$rel: remove-command takes a monitor command out again" '
		qga-forge remove-command -w "$ws" query-fx-count >out &&
		test_grep -v "query-fx-count" "$ws/src/qapi/misc.json" &&
		test_grep -v "query-fx-count" "$ws/src/hmp-commands.hx" &&
		test_grep -v "hmp_query_fx_count" "$ws/src/include/monitor/hmp.h" &&
		qga-forge commands -w "$ws" >cmds &&
		test_grep -v "query-fx-count" cmds &&
		test_grep "^+ query-int-info " cmds
	'

	test_expect_success "$rel: patch writes the series into the qemu-kvm spec" '
		qga-forge patch -w "$ws" >out 2>&1 &&
		ls "$ws"/rpmbuild/SOURCES/*.patch >patches &&
		test_grep "qmp-add-hello-world" patches &&
		test_grep "qga-add-guest-set-watchdog-timeout" patches &&
		test_grep "^- Add QEMU monitor command .hello-world. (QMP and HMP, qga-forge)$" "$ws"/rpmbuild/SPECS/*.spec &&
		test_grep "^- Add guest agent command .guest-set-watchdog-timeout. (qga-forge)$" "$ws"/rpmbuild/SPECS/*.spec
	'
done

test_done
