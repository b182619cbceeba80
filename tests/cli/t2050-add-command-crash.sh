#!/usr/bin/env bash
# add-command is one transaction: killed at any step, the workspace is found
# afterwards with every file, the branch and the state all old or all new.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"

# outcome WS: "old" or "new" when consistent, anything else when not
outcome() {
	local ws=$1 s=0 p=0 st=0 br=0
	grep -q "guest-get-statvfs" "$ws/src/qga/qapi-schema.json" && s=1
	grep -q "qmp_guest_get_statvfs" "$ws/src/qga/commands-posix.c" && p=1
	grep -q "guest-get-statvfs" "$ws/.qga-forge/state.json" && st=1
	[ "$(git -C "$ws/src" rev-parse forge)" != "$(git -C "$ws/src" rev-parse upstream)" ] && br=1
	case "$s$p$st$br" in
	0000) echo old ;;
	1111) echo new ;;
	*) echo "mixed schema=$s posix=$p state=$st branch=$br" ;;
	esac
}

test_expect_success 'setup' '
	qga-forge init -q -w ws0 "$SRPM72" >/dev/null
'

step=0
while [ $step -lt 12 ]; do
	test_expect_success "killed at step $step: all old or all new after recovery" "
		rm -rf ws && cp -a ws0 ws &&
		rc=0 && QGA_FORGE_TXN_CRASH_AT=$step qga-forge add-command -q -w ws \
			\"\$EX/statvfs/statvfs.qapi\" --handler \"\$EX/statvfs/statvfs.c\" 2>/dev/null || rc=\$? &&
		echo \$rc >rc.$step &&
		qga-forge commands -w ws >/dev/null &&
		o=\$(outcome ws) &&
		case \$o in old|new) ;; *) echo \"step $step: \$o\"; false ;; esac &&
		echo \$rc \$o >outcome.$step &&
		if [ \$rc = 0 ]; then test \$o = new; fi &&
		git -C ws/src status --porcelain >st && test ! -s st
	"
	[ "$(cat "$TRASH/rc.$step" 2>/dev/null)" = 0 ] && break
	step=$((step + 1))
done

test_expect_success 'crashes before the commit point left it old, after it new' '
	cat outcome.* >all &&
	test_grep "^99 old$" all &&
	test_grep "^99 new$" all &&
	test_grep "^0 new$" all
'

test_done
