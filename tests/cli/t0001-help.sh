#!/usr/bin/env bash
# Every command of the dispatch table answers --help with exit 0; unknown
# commands and options are usage errors (exit 2).
. "$(dirname "$0")/lib.sh"

test_expect_success 'help lists the commands' '
	qga-forge help >out &&
	test_grep "^  init " out &&
	test_grep "^  help " out
'

commands=$(qga-forge help | sed -n "s/^  \([a-z][a-z-]*\) .*/\1/p")

test_expect_success 'the table is not empty' '
	test -n "$commands"
'

for c in $commands; do
	test_expect_success "'$c --help' exits 0 and shows usage" "
		qga-forge $c --help >out 2>err &&
		test_grep 'sage: qga-forge' out
	"
	test_expect_success "'help $c' shows the same help" "
		qga-forge help $c >out2 &&
		qga-forge $c --help >out3 &&
		test_cmp out3 out2
	"
done

test_expect_success '--version prints the version' '
	qga-forge --version >out &&
	test_grep "^qga-forge [0-9]" out
'

test_expect_success 'an unknown command is a usage error' '
	test_expect_code 2 qga-forge frobnicate 2>err &&
	test_grep "not a qga-forge command" err
'

test_expect_success 'no command at all is a usage error' '
	test_expect_code 2 qga-forge 2>err &&
	test_grep "usage" err
'

test_expect_success 'an unknown option is a usage error' '
	test_expect_code 2 qga-forge init --frob x.src.rpm 2>err &&
	test_grep "unknown option" err
'

test_done
