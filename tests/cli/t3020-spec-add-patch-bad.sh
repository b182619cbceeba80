#!/usr/bin/env bash
# qga-forge spec add-patch refuses bad specs and bad patches: status 1, a
# message that says what and where, the spec and its SOURCES untouched.
. "$(dirname "$0")/lib.sh"

SPECS=$(spec_fixtures)
BAD="$SPECS/bad"
PATCH=qga-forge-0001-qga-add-guest-foo.patch

# refused SPECFILE PATCHFILE MESSAGE: add-patch fails with MESSAGE; nothing changes
refused() {
	mkdir -p w/SPECS w/SOURCES &&
	cp "$1" w/SPECS/x.spec &&
	tree_digest w >before.digest &&
	test_expect_code 1 qga-forge spec add-patch w/SPECS/x.spec "$2" 2>err &&
	test_grep "$3" err &&
	tree_digest w >after.digest &&
	test_cmp before.digest after.digest &&
	rm -rf w
}

test_expect_success 'setup: a good mailbox patch and a plain diff' '
	"$SPECS/mksources.sh" "$SPECS/nopatches.spec" src &&
	cp src/$PATCH . &&
	sed -n "/^--- a\/qga/,\$p" $PATCH | sed "/^-- \$/,\$d" >plain.patch &&
	test_grep "^+++ b/qga/main.c" plain.patch &&
	test_must_fail grep -q "^Subject:" plain.patch
'

test_expect_success 'no %prep section' '
	refused "$BAD/no-prep.spec" $PATCH "x.spec: no %prep section"
'

test_expect_success 'an %if without %endif' '
	refused "$BAD/unclosed-if.spec" $PATCH "x.spec:8:1: .%if. without .%endif."
'

test_expect_success 'an %endif without %if' '
	refused "$BAD/endif-without-if.spec" $PATCH "x.spec:9:1: .%endif. without .%if."
'

test_expect_success 'an %else without %if' '
	refused "$BAD/else-without-if.spec" $PATCH "x.spec:15:1: .%else. without .%if."
'

test_expect_success 'duplicate patch numbers' '
	refused "$BAD/duplicate-number.spec" $PATCH "x.spec:10:1: duplicate patch number 2 (also at line 9)"
'

test_expect_success 'binary junk in the spec' '
	{ cat "$SPECS/nopatches.spec" && printf "junk\000\001\002\n"; } >binary.spec &&
	refused binary.spec $PATCH "x.spec:23:5: binary data"
'

test_expect_success 'an empty spec' '
	: >empty.spec &&
	refused empty.spec $PATCH "the spec is empty"
'

test_expect_success 'an %autopatch -M range that leaves the new patch out' '
	refused "$BAD/autopatch-range.spec" $PATCH \
		"x.spec:16:1: .%autopatch -p1 -M 2. does not apply the new patch 3"
'

test_expect_success 'a range hidden in a macro: rpm itself says the patch is not applied' '
	refused "$BAD/autopatch-macro-range.spec" $PATCH \
		"not written: .*x.spec: the expanded %prep does not apply .$PATCH."
'

test_expect_success 'a plain diff where git am applies the patches' '
	refused "$BAD/git-am-plain.spec" plain.patch "x.spec:14:1: .plain.patch. is not a mailbox patch"
'

test_expect_success 'the same patch declared already' '
	refused "$BAD/already-declared.spec" $PATCH "x.spec:8:9: .$PATCH. is already declared as patch 1"
'

test_expect_success 'rpm refuses the spec: its message, at its line' '
	refused "$BAD/rpm-unknown-tag.spec" $PATCH "x.spec:9:1: rpm: Unknown tag: Frobnicate: yes"
'

test_expect_success '%autosetup -p0 cannot apply an a/ b/ patch' '
	refused "$BAD/strip-mismatch.spec" $PATCH \
		"x.spec:14:1: .%autosetup. applies patches with -p0 but .$PATCH. needs -p1"
'

test_expect_success 'a second %prep section' '
	refused "$BAD/second-prep.spec" $PATCH "x.spec:17:1: second .%prep. section (the first is at line 13)"
'

test_expect_success 'a patch number rpm cannot hold' '
	refused "$BAD/number-too-large.spec" $PATCH "x.spec:9:6: number .99999999999. is out of range"
'

test_expect_success '%prep names a patch no tag declares' '
	# the number sits after "%patch" (col 7), or after "%patch -P " where the
	# fixture is as --convert-patch-macros leaves it (col 11); rpm 6 refuses
	# the spec itself while parsing it (earlier rpm only when %prep runs)
	col=7 && { ! rpm_rejects_patchn || col=11; } &&
	want="x.spec:16:$col: patch 7 is used here but never declared" &&
	case $(rpm --version | sed "s/[^0-9.]//g") in
	[6-9].*) want="x.spec:16:1: rpm: No patch number 7" ;;
	esac &&
	refused "$BAD/undeclared-reference.spec" $PATCH "$want"
'

test_expect_success 'patch files: empty, binary, or a name a spec cannot hold' '
	: >empty.patch &&
	refused "$SPECS/nopatches.spec" empty.patch "empty.patch. is empty" &&
	printf "a\000b" >bin.patch &&
	refused "$SPECS/nopatches.spec" bin.patch "not a text patch" &&
	cp $PATCH "with space.patch" &&
	refused "$SPECS/nopatches.spec" "with space.patch" "must not contain" &&
	cp $PATCH "100%.patch" &&
	refused "$SPECS/nopatches.spec" "100%.patch" "must not contain"
'

test_done
