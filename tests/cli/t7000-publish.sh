#!/usr/bin/env bash
# publish: binary rpms into a yum repository, signed with a throwaway gpg key,
# metadata written with libcreaterepo_c and updated incrementally. The
# packages are trivial ones built here with rpmbuild (a fraction of a second).
. "$(dirname "$0")/lib.sh"

if ! command -v gpg >/dev/null 2>&1 || ! command -v rpmbuild >/dev/null 2>&1 ||
   ! command -v rpmkeys >/dev/null 2>&1; then
	test_skip 'publish tests' 'gpg, rpmbuild or rpmkeys is not installed'
	test_done
fi

export GNUPGHOME="$TRASH/gnupg"
R="$TRASH/rpmroot"

cat >pkg.spec <<'EOF'
Name: %{pname}
Version: 1.0
Release: 1
Summary: test package %{pname}
License: MIT
BuildArch: noarch
%description
A trivial package for the publish tests.
%install
mkdir -p %{buildroot}/usr/share/%{name}
echo '%{name} %{variant}' > %{buildroot}/usr/share/%{name}/file
%files
/usr/share/%{name}/file
%changelog
* Mon Oct 02 2023 Test Packager <test@example.invalid> - 1.0-1
- a test package
EOF

# mkpkg NAME OUTDIR [VARIANT]: OUTDIR/RPMS/noarch/NAME-1.0-1.noarch.rpm
mkpkg() {
	rpmbuild -bb --quiet --define "_topdir $TRASH/top" --define "pname $1" \
		--define "_rpmdir $2/RPMS" --define "variant ${3:-v1}" \
		--define '_binary_payload w9.gzdio' pkg.spec >/dev/null
}

# primary_list REPO: "href sha256" per package, from repodata/*primary.xml.gz
primary_list() {
	python3 - "$1" <<'PY'
import glob, gzip, sys, xml.etree.ElementTree as ET
repo = sys.argv[1]
ns = {"c": "http://linux.duke.edu/metadata/common", "r": "http://linux.duke.edu/metadata/repo"}
md = ET.parse(repo + "/repodata/repomd.xml").getroot()
href = [d.find("c:location", {"c": ns["r"]}).get("href") for d in md.findall("r:data", ns)
        if d.get("type") == "primary"][0]
root = ET.fromstring(gzip.open(repo + "/" + href).read())
assert int(root.get("packages")) == len(root.findall("c:package", ns))
for p in root.findall("c:package", ns):
    print(p.find("c:location", ns).get("href"), p.find("c:checksum", ns).text)
PY
}

# file_list REPO: "href sha256" per rpm file actually there
file_list() {
	(cd "$1" && for f in Packages/*.rpm; do
		printf '%s %s\n' "$f" "$(sha256sum <"$f" | cut -d' ' -f1)"
	done)
}

# json_get FILE KEY: a top-level value of a JSON file
json_get() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

test_expect_success 'setup: packages and a throwaway signing key' '
	mkpkg alpha out1 && mkpkg beta out1 &&
	mkpkg gamma out2 && cp out1/RPMS/noarch/alpha-1.0-1.noarch.rpm out2/RPMS/noarch/ &&
	mkpkg alpha other v2 &&
	mkdir -m 700 "$GNUPGHOME" &&
	gpg --batch --passphrase "" --quick-gen-key "qga-forge test <test@example.invalid>" \
		rsa2048 sign never 2>gpg.err &&
	gpg --batch --with-colons --list-keys >keys &&
	sed -n "s/^fpr:*\([0-9A-F]*\):.*/\1/p" keys | head -n 1 >fpr &&
	test -s fpr
'
KEY=$(cat fpr 2>/dev/null)

test_expect_success 'first publish signs and adds every package' '
	qga-forge publish out1 --repo repo --sign "$KEY" --gpg-home "$GNUPGHOME" --json >pub1.json 2>pub1.err &&
	test "$(json_get pub1.json packages_read)" = 2 &&
	test "$(json_get pub1.json records_reused)" = 0 &&
	test "$(json_get pub1.json repo_packages)" = 2 &&
	test -f repo/Packages/alpha-1.0-1.noarch.rpm &&
	test -f repo/Packages/beta-1.0-1.noarch.rpm &&
	test_grep "\"signed\": true" pub1.json &&
	test_grep "gpgcheck=1" pub1.json
'

test_expect_success 'the sources in OUTDIR are left unsigned' '
	rpm -qp --qf "%{RSAHEADER:pgpsig}\n" out1/RPMS/noarch/alpha-1.0-1.noarch.rpm >sig 2>/dev/null &&
	test_grep "^(none)" sig
'

test_expect_success 'without the key, rpmkeys rejects the signatures' '
	mkdir -p "$R" && rpm --root "$R" --initdb &&
	test_must_fail rpmkeys --root "$R" -K repo/Packages/alpha-1.0-1.noarch.rpm >k0 2>&1 &&
	test_grep "SIGNATURES NOT OK" k0
'

test_expect_success 'the exported key is the signing key, and with it every package verifies' '
	gpg --batch --with-colons --show-keys repo/RPM-GPG-KEY-qga-forge >shown 2>/dev/null &&
	test_grep "^fpr:*$KEY:" shown &&
	rpmkeys --root "$R" --import repo/RPM-GPG-KEY-qga-forge &&
	for p in repo/Packages/*.rpm; do
		rpmkeys --root "$R" -K "$p" >k1 2>&1 &&
		test_grep "digests signatures OK" k1 || exit 1
	done
'

test_expect_success 'the metadata lists every package with its checksum' '
	primary_list repo | sort >listed &&
	file_list repo | sort >present &&
	test_cmp present listed &&
	test "$(wc -l <listed)" = 2
'

# Proof that existing packages are not read again: alpha's bytes change but
# its size and mtime do not; a re-read would record a new checksum.
test_expect_success 'second publish adds a package and reuses the other records' '
	cp -p repo/Packages/alpha-1.0-1.noarch.rpm alpha.saved &&
	primary_list repo | sort >before &&
	size=$(stat -c %s repo/Packages/alpha-1.0-1.noarch.rpm) &&
	printf "X" | dd of=repo/Packages/alpha-1.0-1.noarch.rpm bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null &&
	touch -r alpha.saved repo/Packages/alpha-1.0-1.noarch.rpm &&
	! cmp -s alpha.saved repo/Packages/alpha-1.0-1.noarch.rpm &&
	qga-forge publish out2 --repo repo --sign "$KEY" --gpg-home "$GNUPGHOME" --json >pub2.json 2>pub2.err &&
	test "$(json_get pub2.json packages_read)" = 1 &&
	test "$(json_get pub2.json records_reused)" = 2 &&
	test "$(json_get pub2.json repo_packages)" = 3 &&
	primary_list repo | sort >after &&
	grep alpha before >alpha.before && grep alpha after >alpha.after &&
	test_cmp alpha.before alpha.after &&
	grep beta before >beta.before && grep beta after >beta.after &&
	test_cmp beta.before beta.after &&
	test_grep "^Packages/gamma-1.0-1.noarch.rpm " after &&
	python3 -c "import json,sys; p=json.load(open(\"pub2.json\"))[\"packages\"]; \
		assert [(x[\"nevra\"], x[\"added\"]) for x in p] == \
		[(\"alpha-1.0-1.noarch\", False), (\"gamma-1.0-1.noarch\", True)], p"
'

test_expect_success 'after the second publish every package verifies and is listed' '
	cp -p alpha.saved repo/Packages/alpha-1.0-1.noarch.rpm &&
	for p in repo/Packages/*.rpm; do
		rpmkeys --root "$R" -K "$p" >k2 2>&1 &&
		test_grep "digests signatures OK" k2 || exit 1
	done &&
	primary_list repo | sort >listed &&
	file_list repo | sort >present &&
	test_cmp present listed &&
	test "$(wc -l <listed)" = 3 &&
	ls repo/repodata >mdfiles &&
	test "$(grep -c "primary.xml.gz$" mdfiles)" = 1
'

test_expect_success 'a different package under a published name is refused, nothing changes' '
	tree_digest repo >tree.before &&
	test_expect_code 1 qga-forge publish other --repo repo --sign "$KEY" --gpg-home "$GNUPGHOME" >out 2>err &&
	test_grep "alpha-1.0-1.noarch.rpm.* already in the repository with different contents" err &&
	tree_digest repo >tree.after &&
	test_cmp tree.before tree.after
'

test_expect_success 'an unknown key fails, and leaves no package or temporary file behind' '
	mkpkg delta out3 &&
	tree_digest repo >tree.before &&
	test_expect_code 1 qga-forge publish out3 --repo repo --sign 0123456789ABCDEF --gpg-home "$GNUPGHOME" >out 2>err &&
	test_grep "cannot sign .delta-1.0-1.noarch.rpm. with key .0123456789ABCDEF." err &&
	tree_digest repo >tree.after &&
	test_cmp tree.before tree.after
'

test_expect_success 'unsigned publish: gpgcheck=0, no key file, --repo-id and --baseurl used' '
	qga-forge publish out1 --repo plain --repo-id custom-qga --baseurl http://repo.example.invalid/qga/ >snippet 2>err &&
	test_grep "^\[custom-qga\]$" snippet &&
	test_grep "^baseurl=http://repo.example.invalid/qga/$" snippet &&
	test_grep "^gpgcheck=0$" snippet &&
	test_grep -v "gpgkey" snippet &&
	! test -e plain/RPM-GPG-KEY-qga-forge &&
	primary_list plain | sort >listed &&
	file_list plain | sort >present &&
	test_cmp present listed
'

test_expect_success '--sign over an unsigned published package is refused' '
	tree_digest plain >tree.before &&
	test_expect_code 1 qga-forge publish out1 --repo plain --sign "$KEY" --gpg-home "$GNUPGHOME" 2>err &&
	test_grep "alpha-1.0-1.noarch.rpm. is already in the repository without a signature" err &&
	tree_digest plain >tree.after &&
	test_cmp tree.before tree.after
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 qga-forge publish out1 2>err &&
	test_grep "missing --repo" err &&
	test_expect_code 2 qga-forge publish --repo x 2>err &&
	test_grep "missing OUTDIR" err &&
	test_expect_code 2 qga-forge publish out1 --repo x --gpg-home "$GNUPGHOME" 2>err &&
	test_grep "only for --sign" err
'

test_expect_success 'a directory without binary rpms is an error' '
	mkdir -p empty/RPMS &&
	test_expect_code 1 qga-forge publish empty --repo x 2>err &&
	test_grep "no binary rpms to publish" err &&
	test_expect_code 1 qga-forge publish out1 --repo x --repo-id "a b" 2>err &&
	test_grep "repository id" err
'

gpgconf --homedir "$GNUPGHOME" --kill gpg-agent >/dev/null 2>&1
test_done
