#!/usr/bin/env bash
# The manual page qga-forge(1) renders with man(1) without a warning, and
# documents every command of the dispatch table and every option that a
# command's --help lists.
. "$(dirname "$0")/lib.sh"

PAGE="$SRC_ROOT/doc/qga-forge.1"

if ! command -v man >/dev/null 2>&1 || ! command -v groff >/dev/null 2>&1; then
	test_skip 'manual page' 'man or groff is not installed (scripts/deps.sh installs man-db and groff-base)'
	test_done
fi

test_expect_success 'man -l renders the page without warnings' '
	MANWIDTH=80 man --warnings -l "$PAGE" 2>warnings >rendered &&
	test_must_be_empty() { if [ -s "$1" ]; then cat "$1" >&2; return 1; fi; } &&
	test_must_be_empty warnings &&
	test_grep "^NAME" rendered &&
	test_grep "^SYNOPSIS" rendered &&
	test_grep "^EXIT STATUS" rendered
'

test_expect_success 'the page carries the version of the Makefile' '
	version=$(sed -n "s/^VERSION *:= *//p" "$SRC_ROOT/Makefile") &&
	test_grep "^\.TH QGA\\\\-FORGE 1 .* \"qga-forge $version\"" "$PAGE"
'

MANWIDTH=200 man -l "$PAGE" >wide 2>/dev/null
# An entry's head line: indented 7 columns by groff up to 1.23, 5 by 1.24
# (Debian sid); its text is indented further.
HEAD=' {3,8}'
commands=$(qga-forge help | sed -n "s/^  \([a-z][a-z-]*\) .*/\1/p")

test_expect_success 'the dispatch table is not empty' '
	test -n "$commands"
'

for c in $commands; do
	test_expect_success "command '$c' has an entry (add it to doc/qga-forge.1)" "
		grep -Eq '^$HEAD$c( |\$)' wide || { echo \"no entry for '$c' in doc/qga-forge.1\" >&2; exit 1; }
	"
done
for a in add-patch renumber bump check; do
	test_expect_success "'spec $a' has an entry" "
		grep -Eq '^${HEAD}spec $a( |\$)' wide
	"
done

test_expect_success "every option in the commands' --help is documented" '
	: >missing &&
	for c in $commands "spec add-patch" "spec renumber" "spec bump" "spec check"; do
		qga-forge $c --help 2>/dev/null |
		grep -oE "^ +(-[a-zA-Z?], )?--[a-z][a-z0-9-]*" | grep -oE -- "--[a-z][a-z0-9-]*" |
		sort -u | while read -r o; do
			case $o in --help|--usage|--workspace|--json|--quiet|--verbose) continue ;; esac
			grep -q -e "$o\\b" wide || echo "$c: $o" >>missing
		done
	done &&
	if [ -s missing ]; then echo "not in doc/qga-forge.1:" >&2; cat missing >&2; exit 1; fi
'

test_done
