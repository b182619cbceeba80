#!/usr/bin/env bash
# qga-forge spec: help, usage errors (status 2) and missing files (status 1).
. "$(dirname "$0")/lib.sh"

SPECS=$(spec_fixtures)

test_expect_success 'spec --help lists the subcommands' '
	qga-forge spec --help >out &&
	for sub in add-patch renumber bump check; do test_grep "qga-forge spec $sub" out || return 1; done
'

test_expect_success 'every subcommand answers --help' '
	for sub in add-patch renumber bump check; do
		qga-forge spec $sub --help >out &&
		test_grep "qga-forge spec $sub" out || return 1
	done &&
	qga-forge spec add-patch --help >out && test_grep "\-\-comment" out &&
	qga-forge spec bump --help >out && test_grep "\-\-suffix" out && test_grep "\-\-packager" out
'

test_expect_success 'no subcommand, unknown subcommand, bad arguments: status 2' '
	test_expect_code 2 qga-forge spec 2>err &&
	test_expect_code 2 qga-forge spec frob x.spec 2>err && test_grep "unknown subcommand .frob." err &&
	test_expect_code 2 qga-forge spec add-patch only-one.spec 2>err && test_grep "expected SPEC and PATCHFILE" err &&
	test_expect_code 2 qga-forge spec renumber 2>err &&
	test_expect_code 2 qga-forge spec check a.spec b.spec 2>err &&
	test_expect_code 2 qga-forge spec bump a.spec --nosuch 2>err
'

test_expect_success 'missing files: status 1 with the path' '
	test_expect_code 1 qga-forge spec check nosuch.spec 2>err && test_grep "nosuch.spec" err &&
	test_expect_code 1 qga-forge spec renumber nosuch.spec 2>err && test_grep "cannot read .nosuch.spec." err &&
	cp "$SPECS/nopatches.spec" a.spec &&
	test_expect_code 1 qga-forge spec add-patch a.spec nosuch.patch 2>err &&
	test_grep "cannot read .nosuch.patch." err &&
	test_cmp "$SPECS/nopatches.spec" a.spec
'

test_expect_success 'a bad suffix or SOURCE_DATE_EPOCH is a usage error, nothing written' '
	cp "$SPECS/nopatches.spec" a.spec &&
	test_expect_code 2 qga-forge spec bump a.spec --suffix "~qga" 2>err && test_grep "suffix" err &&
	test_expect_code 2 qga-forge spec bump a.spec --suffix ".qga1" 2>err &&
	SOURCE_DATE_EPOCH=yesterday test_expect_code 2 qga-forge spec bump a.spec 2>err &&
	test_grep "SOURCE_DATE_EPOCH" err &&
	test_cmp "$SPECS/nopatches.spec" a.spec
'

test_done
