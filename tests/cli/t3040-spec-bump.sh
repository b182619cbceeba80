#!/usr/bin/env bash
# qga-forge spec bump on every layout: Release bumped as rpmdev-bumpspec
# would, a changelog entry in the style of the existing ones, rpm agrees.
. "$(dirname "$0")/lib.sh"

SPECS=$(spec_fixtures)
export SOURCE_DATE_EPOCH=1704067200 # Mon Jan 01 2024
export HOME="$TRASH"
unset QGA_FORGE_PACKAGER

# changelog dates of a spec as rpm reads them, newest first: must not increase
dates_in_order() {
	rpmspec -q --srpm --qf '[%{CHANGELOGTIME}\n]' "$1" >dates &&
	sort -rn dates >sorted && test_cmp sorted dates
}

for spec in "$SPECS"/*.spec; do
	name=$(basename "$spec" .spec)
	test_expect_success "$name: release bumped, changelog entry added, rpm agrees" '
		"$SPECS/mksources.sh" "$spec" $name &&
		s=$name/SPECS/$name.spec &&
		old=$(rpmspec -q --srpm --qf "%{RELEASE}" $s) &&
		qga-forge spec bump $s --packager "Jane Packager <jane@example.com>" \
			--changelog "Add guest agent command guest-foo" >$name.out &&
		test_cmp "$SPECS/expected/$name.bump.spec" $s &&
		new=$(rpmspec -q --srpm --qf "%{RELEASE}" $s) &&
		test "$old" != "$new" &&
		rpmdev_newer=$(rpm --eval "%{lua: print(rpm.vercmp(\"$new\", \"$old\"))}") &&
		test "$rpmdev_newer" = 1 &&
		dates_in_order $s &&
		rpmbuild -bp --nodeps --define "_topdir $PWD/$name" --define "_tmppath $PWD/$name/tmp" \
			$s >$name.bp 2>&1
	'
done

test_expect_success 'a local suffix sorts above the vendor release and counts up' '
	cp "$SPECS/el7-qemu-guest-agent.spec" s.spec &&
	qga-forge spec bump s.spec --suffix .qga -p "A <a@b>" -c one >out &&
	test_grep "^Release: 3%{?dist}.qga1$" s.spec &&
	test_grep "^\* Mon Jan 01 2024 A <a@b> - 10:2.12.0-3.el7.qga1$" s.spec &&
	qga-forge spec bump s.spec --suffix .qga -p "A <a@b>" -c two >out &&
	test_grep "^Release: 3%{?dist}.qga2$" s.spec &&
	test $(rpm --eval "%{lua: print(rpm.vercmp(\"3.el7.qga1\", \"3.el7\"))}") = 1 &&
	test $(rpm --eval "%{lua: print(rpm.vercmp(\"3.el7.qga1\", \"4.el7\"))}") = -1 &&
	dates_in_order s.spec
'

test_expect_success 'the packager: %packager, then QGA_FORGE_PACKAGER, then a default' '
	cp "$SPECS/nopatches.spec" p.spec &&
	qga-forge spec bump p.spec >out &&
	test_grep "^\* Mon Jan 08 2024 qga-forge <qga-forge@localhost> - 7.2.0-2$" p.spec &&
	QGA_FORGE_PACKAGER="Env Person <env@example.com>" qga-forge spec bump p.spec >out &&
	test_grep "^\* Mon Jan 08 2024 Env Person <env@example.com> - 7.2.0-3$" p.spec &&
	echo "%packager Macro Person <macro@example.com>" >"$HOME/.rpmmacros" &&
	QGA_FORGE_PACKAGER="Env Person <env@example.com>" qga-forge spec bump p.spec >out &&
	rm "$HOME/.rpmmacros" &&
	test_grep "^\* Mon Jan 08 2024 Macro Person <macro@example.com> - 7.2.0-4$" p.spec &&
	test_grep "^- rebuilt$" p.spec
'

test_expect_success '%autorelease and %autochangelog are left alone' '
	sed -e "s/^Release:.*/Release:        %autorelease/" -e "/^%changelog/,\$d" \
		"$SPECS/autosetup-plain.spec" >a.spec &&
	printf "%%changelog\n%%autochangelog\n" >>a.spec &&
	cp a.spec a.orig &&
	qga-forge spec bump a.spec >out &&
	test_grep "autorelease: left alone" out &&
	test_grep "autochangelog: left alone" out &&
	test_cmp a.orig a.spec
'

test_expect_success 'a Release with nothing to bump is refused, untouched' '
	sed "s/^Release:.*/Release:        %{myrel}%{?dist}/" "$SPECS/nopatches.spec" >r.spec &&
	sed -i "1i %global myrel %(echo 5)" r.spec &&
	cp r.spec r.orig &&
	test_expect_code 1 qga-forge spec bump r.spec 2>err &&
	test_grep "r.spec:4:17: cannot bump Release" err &&
	test_cmp r.orig r.spec
'

test_done
