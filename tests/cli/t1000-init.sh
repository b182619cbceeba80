#!/usr/bin/env bash
# qga-forge init: a workspace from a src.rpm, and every bad input refused
# cleanly with nothing left behind.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
SRPM212="$FX/qemu-guest-agent-2.12.0-1.el7.src.rpm"

# listing DIR: what is in the directory, for "nothing left behind" checks
listing() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort); }

test_expect_success 'fixtures exist' '
	test -f "$SRPM72" && test -f "$SRPM212"
'

test_expect_success 'init creates the workspace in ./NAME-VERSION-RELEASE' '
	mkdir t1 && (cd t1 && qga-forge init "$SRPM72" >../out) &&
	test_grep "^package: *qemu-guest-agent-10:7.2.0-1.el7" out &&
	test_grep "^qemu: *7.2.0" out &&
	test_grep "^patches: *1 distribution patch applied" out &&
	ws=t1/qemu-guest-agent-7.2.0-1.el7 &&
	test -f $ws/.qga-forge/state.json &&
	test -f $ws/src/qga/qapi-schema.json &&
	test -f $ws/rpmbuild/SPECS/qemu-guest-agent.spec &&
	test ! -e $ws/rpmbuild/BUILD
'

test_expect_success 'the tree is a git repository with upstream and forge' '
	ws=t1/qemu-guest-agent-7.2.0-1.el7/src &&
	git -C $ws rev-parse --abbrev-ref HEAD >head &&
	echo forge >expect && test_cmp expect head &&
	git -C $ws rev-parse upstream >u && git -C $ws rev-parse forge >f && test_cmp u f &&
	git -C $ws status --porcelain >st && test ! -s st &&
	git -C $ws fsck --full --strict --no-progress 2>fsck.err &&
	git verify-pack $ws/.git/objects/pack/pack-*.idx
'

# init writes the baseline pack and its index itself: git indexing the same
# pack must produce the very same index, byte for byte.
test_expect_success 'the baseline pack index is the one git computes' '
	pack=$(echo t1/qemu-guest-agent-7.2.0-1.el7/src/.git/objects/pack/pack-*.pack) &&
	test -f "$pack" &&
	cp "$pack" re.pack &&
	git index-pack -o re.idx re.pack >/dev/null &&
	cmp re.idx "${pack%.pack}.idx" &&
	rm -f re.pack re.idx
'

test_expect_success 'state records package, version, spec and baseline' '
	ws=t1/qemu-guest-agent-7.2.0-1.el7 &&
	(cd $ws/src/qga && qga-forge status --json) >state &&
	test_grep "\"nevr\": \"qemu-guest-agent-10:7.2.0-1.el7\"" state &&
	test_grep "\"qemu_version\": \"7.2.0\"" state &&
	test_grep "\"spec\": \"rpmbuild/SPECS/qemu-guest-agent.spec\"" state &&
	test_grep "\"sha256\": \"$(sha256sum <"$SRPM72" | cut -d" " -f1)\"" state &&
	git -C $ws/src rev-parse upstream >b &&
	test_grep "\"baseline\": \"$(cat b)\"" state
'

test_expect_success 'the prepared tree equals what rpmbuild -bp produces' '
	mkdir rb &&
	rpm -i --define "_topdir $TRASH/rb" "$SRPM72" 2>/dev/null &&
	if rpm_rejects_patchn; then
		# as init does where rpm rejects %patchN
		patchn_to_p <rb/SPECS/qemu-guest-agent.spec >conv.spec &&
		mv conv.spec rb/SPECS/qemu-guest-agent.spec
	fi &&
	rpmbuild -bp --nodeps --define "_topdir $TRASH/rb" rb/SPECS/qemu-guest-agent.spec >/dev/null 2>&1 &&
	tree_digest "$(prep_tree rb)" >expect &&
	(cd t1/qemu-guest-agent-7.2.0-1.el7/src && find . -path ./.git -prune -o \( -type f -o -type l \) -print |
		LC_ALL=C sort) >files &&
	tree_digest t1/qemu-guest-agent-7.2.0-1.el7/src | grep -v "^\./\.git/" >actual &&
	test_cmp expect actual
'

test_expect_success 'two inits of the same src.rpm give the same baseline commit' '
	qga-forge init -q -w again "$SRPM72" &&
	git -C again/src rev-parse upstream >b2 &&
	git -C t1/qemu-guest-agent-7.2.0-1.el7/src rev-parse upstream >b1 &&
	test_cmp b1 b2
'

test_expect_success 'SOURCE_DATE_EPOCH fixes the baseline date' '
	SOURCE_DATE_EPOCH=1234567890 qga-forge init -q -w sde "$SRPM72" &&
	git -C sde/src log -1 --format=%at upstream >at &&
	echo 1234567890 >expect && test_cmp expect at
'

test_expect_success 'a 2.12-era src.rpm initializes too' '
	qga-forge init -w old "$SRPM212" >out &&
	test_grep "^qemu: *2.12.0" out
'

test_expect_success 'an existing non-empty directory is refused' '
	mkdir busy && echo keep >busy/file &&
	listing busy >before &&
	test_expect_code 1 qga-forge init -w busy "$SRPM72" 2>err &&
	test_grep "already exists and is not empty" err &&
	test_grep "use --force" err &&
	listing busy >after && test_cmp before after
'

test_expect_success '--force replaces it' '
	qga-forge init -q --force -w busy "$SRPM72" &&
	test ! -e busy/file && test -f busy/.qga-forge/state.json
'

test_expect_success 'an existing empty directory is used' '
	mkdir empty && qga-forge init -q -w empty "$SRPM72" &&
	test -f empty/src/VERSION
'

test_expect_success '--define reaches %prep' '
	qga-forge init -q -w defd --define "_qga_forge_test_macro hello" "$SRPM72" &&
	test_grep "_qga_forge_test_macro hello" defd/.qga-forge/state.json
'

test_expect_success 'a malformed --define is a usage error' '
	test_expect_code 2 qga-forge init -w baddef --define "nospace" "$SRPM72" 2>err &&
	test_grep "expected .MACRO VALUE." err &&
	test ! -e baddef
'

# Each bad input: exit 1, a message naming the file and the reason, and no
# directory left behind (not even an empty one).
bad_input() {
	local file=$1 pattern=$2
	mkdir "bad.$3" && (cd "bad.$3" &&
		test_expect_code 1 qga-forge init "$file" 2>../err) &&
	test_grep "$pattern" err &&
	listing "bad.$3" >left && test ! -s left
}

test_expect_success 'a file that is not an rpm' '
	bad_input "$FX/bad/x.src.rpm" "x.src.rpm.: not an rpm package" text
'

test_expect_success 'an rpm truncated inside its header' '
	bad_input "$FX/bad/truncated-header.src.rpm" "truncated-header.src.rpm.: damaged rpm package" th
'

test_expect_success 'an rpm truncated inside its payload' '
	bad_input "$FX/bad/truncated-payload.src.rpm" "truncated-payload.src.rpm.: the package payload is truncated or damaged" tp
'

test_expect_success 'a binary rpm' '
	bad_input "$FX/bad/qemu-guest-agent-7.2.0-1.el7.noarch.rpm" "is a binary package (noarch), not a source package" bin
'

test_expect_success 'a src.rpm whose tree has no qga/' '
	bad_input "$FX/bad/hello-1.0-1.src.rpm" "has no qga/qapi-schema.json; not a QEMU guest agent source package" hello
'

test_expect_success 'a src.rpm whose %prep fails shows the log tail and keeps the log' '
	bad_input "$FX/bad/qemu-guest-agent-7.2.0-1.prepfail.src.rpm" "%prep of .* failed" prep &&
	test_grep "last lines of the log" err &&
	log=$(sed -n "s/^(full log: \(.*\))$/\1/p" err) &&
	test -n "$log" && test -f "$log" && rm -f "$log"
'

test_expect_success 'a missing file' '
	bad_input "$TRASH/does-not-exist.src.rpm" "cannot read .*does-not-exist.src.rpm" missing
'

test_expect_success 'no argument, two arguments: usage errors' '
	test_expect_code 2 qga-forge init 2>err && test_grep "missing SRPM" err &&
	test_expect_code 2 qga-forge init a b 2>err && test_grep "too many arguments" err
'

test_expect_success 'commands outside a workspace say so' '
	mkdir nows && (cd nows && test_expect_code 1 qga-forge status 2>../err) &&
	test_grep "not inside a qga-forge workspace" err
'

test_done
