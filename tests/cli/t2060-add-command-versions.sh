#!/usr/bin/env bash
# qga-forge add-command on the qga sources of four QEMU releases (Debian's 5.2, 7.2,
# 10.0 and 10.2 trees, unchanged, in small src.rpms made by tests/fixtures/mk-tree-srpm.sh):
# the examples go in unchanged, written in the form each release wants, and commands of
# every argument kind are declared; the tree's own generator cross-checks every
# prototype (add-command fails otherwise). A name the tree already has is refused.
. "$(dirname "$0")/lib.sh"

EX="$SRC_ROOT/examples"

srpm_of() {
	"$SRC_ROOT/tests/fixtures/mk-tree-srpm.sh" --release "$1" 2>/dev/null
}

for rel in 5.2 7.2 10.0 10.2; do
	if ! SRPM=$(srpm_of "$rel"); then
		test_skip "QEMU $rel" "no QEMU $rel tree (tests/fixtures/qemu-source.sh --release $rel)"
		continue
	fi
	ws="ws-$rel"
	export SRPM ws rel

	test_expect_success "$rel: init" '
		qga-forge init -q -w "$ws" "$SRPM" >/dev/null &&
		test_grep "^$rel\." "$ws/src/VERSION"
	'

	test_expect_success "$rel: both examples, unchanged files, generator agrees" '
		qga-forge add-command -w "$ws" "$EX/watchdog/watchdog.qapi" \
			--handler "$EX/watchdog/watchdog.c" >out 2>err &&
		qga-forge add-command -w "$ws" "$EX/statvfs/statvfs.qapi" \
			--handler "$EX/statvfs/statvfs.c" >>out 2>>err &&
		test_grep "^  void qmp_guest_set_watchdog_timeout(int64_t timeout, Error \*\*errp);$" out &&
		test_grep "^  GuestFileSystemStatistics \*qmp_guest_get_statvfs(const char \*path, Error \*\*errp);$" out &&
		test_grep -v "generator check skipped" err &&
		git -C "$ws/src" log --format=%s upstream..forge >log &&
		printf "qga: add guest-get-statvfs\nqga: add guest-set-watchdog-timeout\n" >expect &&
		test_cmp expect log
	'

	test_expect_success "$rel: commands of every argument kind" '
		qga-forge add-command -w "$ws" --name guest-fx-opt-str --arg "*name:str" >out &&
		qga-forge add-command -w "$ws" --name guest-fx-opt-int --arg "*count:int" >>out &&
		qga-forge add-command -w "$ws" --name guest-fx-list --arg "names:[str]" --arg "*sizes:[int]" >>out &&
		qga-forge add-command -w "$ws" --name guest-fx-enum --arg "bus:GuestDiskBusType" >>out &&
		qga-forge add-command -w "$ws" --name guest-fx-struct --returns GuestAgentInfo >>out &&
		qga-forge add-command -w "$ws" --name guest-fx-int --arg "*path:str" --returns int >>out &&
		qga-forge add-command -w "$ws" --name guest-fx-none >>out &&
		test_grep "^  void qmp_guest_fx_enum(GuestDiskBusType bus, Error \*\*errp);$" out &&
		test_grep "^  GuestAgentInfo \*qmp_guest_fx_struct(Error \*\*errp);$" out &&
		test_grep "^  void qmp_guest_fx_none(Error \*\*errp);$" out &&
		test_grep "guest-fx-int" "$ws/src/qga/qapi-schema.json" &&
		qga-forge commands -w "$ws" >cmds &&
		test_grep "guest-fx-list" cmds
	'
done

# A handler written against one release's include paths goes into every tree.
cat >dict.qapi <<'EOT'
##
# @guest-fx-dict:
#
# Make and drop a dictionary.
#
# Since: 1.0
##
{ 'command': 'guest-fx-dict' }
EOT
cat >dict.c <<'EOT'
#include "qemu/osdep.h"
#include "qapi/qmp/qdict.h"
#include "qga-qapi-commands.h"

void qmp_guest_fx_dict(Error **errp)
{
    QDict *d = qdict_new();

    qobject_unref(d);
}
EOT
sed 's|"qapi/qmp/qdict.h"|"qobject/qdict.h"|' dict.c >dict-new.c

if [ -d ws-10.0 ]; then
	test_expect_success '10.0: a qapi/qmp/ include is written as qobject/' '
		qga-forge add-command -w ws-10.0 dict.qapi --handler dict.c 2>err &&
		test_grep "^#include \"qobject/qdict.h\"$" ws-10.0/src/qga/commands-linux.c &&
		test_grep "^qga-forge: add-command: dict.c:2: #include \"qapi/qmp/qdict.h\" written as \"qobject/qdict.h\" (QEMU 10.0)$" err
	'
fi
if [ -d ws-5.2 ]; then
	test_expect_success '5.2: a qobject/ include is written as qapi/qmp/' '
		qga-forge add-command -w ws-5.2 dict.qapi --handler dict-new.c 2>err &&
		test_grep "^#include \"qapi/qmp/qdict.h\"$" ws-5.2/src/qga/commands-posix.c &&
		test_grep "dict-new.c:2: #include \"qobject/qdict.h\" written as \"qapi/qmp/qdict.h\" (QEMU 5.2)$" err
	'
fi

# The forms each release wants.
if [ -d ws-5.2 ]; then
	test_expect_success '5.2: handlers in commands-posix.c, a Windows stub and the blacklist' '
		test_grep "^GuestFileSystemStatistics \*qmp_guest_get_statvfs" ws-5.2/src/qga/commands-posix.c &&
		test_grep "guest-get-statvfs" ws-5.2/src/qga/commands-win32.c &&
		sed -n "/returns-whitelist/,/\]/p" ws-5.2/src/qga/qapi-schema.json >list &&
		test_grep "guest-fx-int" list &&
		qga-forge commands -w ws-5.2 >c &&
		test_grep "qmp_guest_fx_int(bool has_path, const char \*path, Error \*\*errp)" c &&
		test_grep "qmp_guest_fx_opt_str(bool has_name, const char \*name, Error \*\*errp)" c
	'
fi
if [ -d ws-10.0 ]; then
	test_expect_success '10.0: Example: written as a qmp-example directive' '
		sed -n "/^# @guest-get-statvfs:$/,/^##$/p" ws-10.0/src/qga/qapi-schema.json >doc &&
		test_grep "^# \.\. qmp-example::$" doc &&
		test_grep "^#     -> { \"execute\": \"guest-get-statvfs\", \"arguments\": { \"path\": \"/\" } }$" doc &&
		test_grep -v "^# Example:$" doc
	'
	test_expect_success '10.0: the notes name the lines rewritten' '
		rm -rf ws-n && qga-forge init -q -w ws-n "$(srpm_of 10.0)" >/dev/null &&
		qga-forge add-command -w ws-n "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c" >out 2>err &&
		test_grep "^qga-forge: add-command: .*statvfs.qapi:48: '\''Example:'\'' written as '\''.. qmp-example::'\'' with the example indented (QEMU 10.0)$" err
	'
	test_expect_success '10.0: handlers in commands-linux.c under CONFIG_LINUX' '
		test_grep "^void qmp_guest_set_watchdog_timeout" ws-10.0/src/qga/commands-linux.c &&
		test_grep "CONFIG_LINUX" ws-10.0/src/qga/qapi-schema.json &&
		qga-forge commands -w ws-10.0 >c &&
		test_grep "qmp_guest_fx_opt_str(const char \*name, Error \*\*errp)" c &&
		test_grep "qmp_guest_fx_opt_int(bool has_count, int64_t count, Error \*\*errp)" c
	'
	test_expect_success '10.0: a name of the tree is refused, naming its definition' '
		grep -n "^{ '\''command'\'': '\''guest-get-load'\''" ws-10.0/src/qga/qapi-schema.json | cut -d: -f1 >line &&
		test -s line &&
		tree_digest ws-10.0 | grep -v "^\./\.qga-forge/lock " >before &&
		test_expect_code 1 qga-forge add-command -w ws-10.0 --name guest-get-load 2>err &&
		echo "qga-forge: error: --name: '\''guest-get-load'\'' is already defined in qga/qapi-schema.json:$(cat line):1 (command '\''guest-get-load'\'' of the tree)" >expect &&
		test_cmp expect err &&
		printf "##\n# @GuestLoadAverage:\n#\n# @x: x\n#\n# Since: 10.0\n##\n{ '\''struct'\'': '\''GuestLoadAverage'\'', '\''data'\'': { '\''x'\'': '\''int'\'' } }\n" >load.qapi &&
		grep -n "^{ '\''struct'\'': '\''GuestLoadAverage'\''" ws-10.0/src/qga/qapi-schema.json | cut -d: -f1 >tline &&
		test_expect_code 1 qga-forge add-command -w ws-10.0 load.qapi 2>err &&
		echo "qga-forge: error: load.qapi:8:1: '\''GuestLoadAverage'\'' is already defined in qga/qapi-schema.json:$(cat tline):1 (struct '\''GuestLoadAverage'\'' of the tree)" >expect &&
		test_cmp expect err &&
		tree_digest ws-10.0 | grep -v "^\./\.qga-forge/lock " >after &&
		test_cmp before after
	'
fi

test_done
