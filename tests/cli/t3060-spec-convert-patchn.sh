#!/usr/bin/env bash
# %patchN where this host's rpm rejects it (4.20 and later): spec commands
# refuse such a spec at its first %patchN line and name --convert-patch-macros;
# with the flag the lines become %patch -P N (a write of its own, every other
# byte kept), then the command runs. Where rpm still takes %patchN, the flag
# changes nothing.
. "$(dirname "$0")/lib.sh"

SPECS="$SRC_ROOT/tests/data/specs"
PATCH=qga-forge-0001-qga-add-guest-foo.patch
EL7=el7-qemu-guest-agent

# fixture NAME: TOPDIR NAME with the original fixture spec, sources made from
# the converted one (mksources.sh asks rpmspec, which may reject %patchN)
fixture() {
	patchn_to_p <"$SPECS/$1.spec" >"$1.conv.spec" &&
	"$SPECS/mksources.sh" "$PWD/$1.conv.spec" "$1" &&
	rm "$1/SPECS/$1.conv.spec" &&
	cp "$SPECS/$1.spec" "$1/SPECS/$1.spec"
}

if rpm_rejects_patchn; then
	test_expect_success 'add-patch without the flag: refused at the first %patchN line, flag named' '
		fixture $EL7 &&
		cp $EL7/SPECS/$EL7.spec before.spec &&
		line=$(grep -n "^%patch[0-9]" before.spec | head -n 1 | cut -d: -f1) &&
		test_expect_code 1 qga-forge spec add-patch $EL7/SPECS/$EL7.spec $EL7/$PATCH 2>err &&
		test_grep "^qga-forge: error: $EL7/SPECS/$EL7.spec:$line:1: rpm [0-9.]* rejects %patchN (6 such lines); rerun with --convert-patch-macros" err &&
		test_cmp before.spec $EL7/SPECS/$EL7.spec &&
		test_must_fail test -e $EL7/SOURCES/$PATCH
	'
	test_expect_success 'add-patch --convert-patch-macros: converted, then the patch added' '
		qga-forge spec add-patch --convert-patch-macros $EL7/SPECS/$EL7.spec $EL7/$PATCH --comment "qga-forge: $PATCH" \
			>out 2>err &&
		test_grep "$EL7.spec: rewrote 6 %patchN lines as .%patch -P N. (rpm [0-9.]* rejects %patchN)" err &&
		patchn_to_p <"$SPECS/expected/$EL7.add-patch.spec" >expect &&
		test_cmp expect $EL7/SPECS/$EL7.spec &&
		qga-forge spec check $EL7/SPECS/$EL7.spec >check &&
		test_grep "^patch 8 $PATCH" check
	'
	test_expect_success 'spec check, renumber and bump refuse too; the flag converts' '
		for cmd in check renumber bump; do
			fixture others-fix &&
			cp others-fix/SPECS/others-fix.spec before.spec &&
			test_expect_code 1 qga-forge spec $cmd others-fix/SPECS/others-fix.spec 2>err &&
			test_grep "others-fix.spec:[0-9]*:[0-9]*: rpm [0-9.]* rejects %patchN (1 such line); rerun with --convert-patch-macros" err &&
			test_cmp before.spec others-fix/SPECS/others-fix.spec &&
			qga-forge spec $cmd --convert-patch-macros others-fix/SPECS/others-fix.spec >out 2>err &&
			test_grep "rewrote 1 %patchN line as" err &&
			grep "%{?with_extra:%patch -P 0 -p1}" others-fix/SPECS/others-fix.spec || return 1
			rm -rf others-fix
		done
	'
	test_expect_success 'a converted spec is left alone the next time' '
		fixture opensuse-qemu &&
		qga-forge spec check --convert-patch-macros opensuse-qemu/SPECS/opensuse-qemu.spec >out 2>err &&
		patchn_to_p <"$SPECS/opensuse-qemu.spec" >expect &&
		test_cmp expect opensuse-qemu/SPECS/opensuse-qemu.spec &&
		qga-forge spec check --convert-patch-macros opensuse-qemu/SPECS/opensuse-qemu.spec >out 2>err &&
		test_grep -v rewrote err &&
		test_cmp expect opensuse-qemu/SPECS/opensuse-qemu.spec
	'
	test_expect_success 'a %patchN that only a macro makes: rpm refuses it, the message has its line' '
		cat >m.spec <<-\EOF &&
		Name: m
		Version: 1
		Release: 1
		Summary: s
		License: MIT
		Patch1: a.patch
		%define apply_one %%patch1 -p1

		%description
		d

		%prep
		%{apply_one}
		EOF
		echo x >a.patch &&
		test_expect_code 1 qga-forge spec check --convert-patch-macros m.spec 2>err &&
		test_grep "m.spec:7:20: rpm: %patchN is obsolete" err
	'
else
	test_expect_success 'this rpm takes %patchN: the flag changes nothing' '
		fixture $EL7 &&
		qga-forge spec add-patch --convert-patch-macros $EL7/SPECS/$EL7.spec $EL7/$PATCH --comment "qga-forge: $PATCH" \
			>out 2>err &&
		test_grep -v rewrote err &&
		test_cmp "$SPECS/expected/$EL7.add-patch.spec" $EL7/SPECS/$EL7.spec
	'
	test_expect_success 'the converted spec means the same to this rpm: same patches, same order' '
		fixture opensuse-qemu &&
		qga-forge spec check opensuse-qemu/SPECS/opensuse-qemu.spec >before &&
		patchn_to_p <opensuse-qemu/SPECS/opensuse-qemu.spec >conv.spec &&
		cp conv.spec opensuse-qemu/SPECS/opensuse-qemu.spec &&
		qga-forge spec check opensuse-qemu/SPECS/opensuse-qemu.spec >after &&
		test_cmp before after
	'
fi

test_done
