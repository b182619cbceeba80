#!/usr/bin/env bash
# build --mock CONFIG and build --container el7, with stand-ins for mock,
# podman and docker that record how they were called and produce what the
# real ones produce (t9500 runs a real container). Also the errors: no mock,
# no working container engine, no image.
. "$(dirname "$0")/lib.sh"

if ! command -v rpmbuild >/dev/null 2>&1; then
	test_skip 'build --mock/--container' 'rpmbuild is not installed'
	test_done
fi

FAKE="$TRASH/fakebin"
export FAKE_LOG="$TRASH/fake.argv" FAKE_RPM="$TRASH/fake-rpm/RPMS/noarch/qemu-guest-agent-7.2.0-1.qga1.noarch.rpm"
mkdir -p "$FAKE"

# A binary package with /usr/bin/qemu-ga, as a rebuild would give.
cat >fake.spec <<'EOF2'
Name: qemu-guest-agent
Version: 7.2.0
Release: 1.qga1
Summary: stand-in
License: GPLv2
BuildArch: noarch
%description
A stand-in for a rebuilt guest agent.
%install
mkdir -p %{buildroot}/usr/bin
printf '#!/bin/sh\necho stand-in agent\n' > %{buildroot}/usr/bin/qemu-ga
chmod 755 %{buildroot}/usr/bin/qemu-ga
%files
/usr/bin/qemu-ga
EOF2

# mock: -r CONFIG --rebuild SRPM --resultdir DIR; leaves rpms, the src.rpm and logs flat in DIR.
cat >"$FAKE/mock" <<'EOF2'
#!/bin/sh
printf '%s\n' "$@" >"$FAKE_LOG"
[ -n "${FAKE_MOCK_FAIL:-}" ] && { echo "ERROR: Command failed: rpmbuild"; exit 30; }
res= srpm=
while [ $# -gt 0 ]; do
	case $1 in
	--resultdir) res=$2; shift 2 ;;
	--rebuild) srpm=$2; shift 2 ;;
	*) shift ;;
	esac
done
echo "INFO: building $srpm"
cp "$srpm" "$res/" && cp "$FAKE_RPM" "$res/" &&
echo "build log" >"$res/build.log" && echo "root log" >"$res/root.log"
EOF2

# podman/docker: info and image inspect as FAKE_* say; run puts the rpm into the /out mount.
cat >"$FAKE/podman" <<'EOF2'
#!/bin/sh
me=$(basename "$0")
case $1 in
info)
	[ -n "${FAKE_ENGINE_OK:-}" ] && exit 0
	echo "Error: $me: cannot connect to the service" >&2
	exit 125
	;;
image)
	[ -n "${FAKE_IMAGE_OK:-}" ] && exit 0
	echo "Error: $3: image not known" >&2
	exit 1
	;;
ps)
	# A container of a run that died (no such process started at tick 1), and one not ours.
	printf '%s\n' qga-forge-build-999999-1 qga-forge-build-12-x
	;;
rm)
	printf '%s\n' "$*" >>"$FAKE_LOG.rm"
	;;
run)
	printf '%s\n' "$me" "$@" >"$FAKE_LOG"
	out=
	for a in "$@"; do
		case $a in *:/out:z) out=${a%:/out:z} ;; esac
	done
	mkdir -p "$out/noarch" && cp "$FAKE_RPM" "$out/noarch/"
	;;
esac
EOF2
cp "$FAKE/podman" "$FAKE/docker"
chmod +x "$FAKE/mock" "$FAKE/podman" "$FAKE/docker"

test_expect_success 'setup: a workspace and a stand-in binary rpm' '
	rpmbuild -bb --quiet --define "_topdir $TRASH/fake-rpm" fake.spec >/dev/null 2>&1 &&
	test -f "$FAKE_RPM" &&
	tiny=$(tiny_fixtures) &&
	qga-forge init -q "$tiny/qemu-guest-agent-7.2.0-1.el7.src.rpm" -w ws >/dev/null
'

test_expect_success 'usage: one known container, and no two ways to rebuild at once' '
	test_expect_code 2 qga-forge build -w ws --container el9 2>err &&
	test_grep "the one container known is el7" err &&
	test_expect_code 2 qga-forge build -w ws --container el7 --mock fedora-39-x86_64 2>err &&
	test_grep "exclude one another" err &&
	test_expect_code 2 qga-forge build -w ws --mock fedora-39-x86_64 --srpm-only 2>err &&
	test_grep "exclude one another" err
'

if [ -e /usr/bin/mock ] || [ -e /bin/mock ]; then
	test_skip '--mock without mock installed' 'mock is installed on this machine'
else
	test_expect_success '--mock without mock installed says so' '
		PATH=/usr/bin:/bin test_expect_code 1 "$QGA_FORGE" build -w ws --mock fedora-39-x86_64 -o out 2>err &&
		test_grep "step .rebuild. failed: --mock needs mock, which is not installed" err
	'
fi

test_expect_success '--mock runs mock -r CONFIG --rebuild SRPM --resultdir OUT/RPMS' '
	PATH="$FAKE:$PATH" qga-forge build -w ws --mock fedora-39-x86_64 -D "dist .fc39" -o out \
		--json >m.json 2>err &&
	srpm=$(ls "$TRASH"/out/SRPMS/*.src.rpm) &&
	printf "%s\n" -r fedora-39-x86_64 --rebuild "$srpm" --resultdir "$TRASH/out/RPMS" \
		--define "dist .fc39" >expect &&
	test_cmp expect "$FAKE_LOG" &&
	test_grep "\"rebuild\": \"mock fedora-39-x86_64\"" m.json
'

test_expect_success '--mock: rpms sorted by arch, logs in OUT/mock, the agent taken out' '
	test -f out/RPMS/noarch/qemu-guest-agent-7.2.0-1.qga1.noarch.rpm &&
	! ls out/RPMS/*.rpm 2>/dev/null &&
	test -f out/mock/build.log && test -f out/mock/root.log &&
	out/agent/qemu-ga >agent.out &&
	test_grep "stand-in agent" agent.out &&
	test_grep "RPMS/noarch/qemu-guest-agent-7.2.0-1.qga1.noarch.rpm" m.json
'

test_expect_success '--mock: a failing mock fails the build with its log' '
	FAKE_MOCK_FAIL=1 PATH="$FAKE:$PATH" test_expect_code 1 qga-forge build -w ws \
		--mock fedora-39-x86_64 -o out2 2>err &&
	test_grep "mock -r fedora-39-x86_64 exited with status 30" err &&
	test_grep "ERROR: Command failed: rpmbuild" err
'

test_expect_success '--container el7: no working engine is named as such' '
	PATH="$FAKE:$PATH" test_expect_code 1 qga-forge build -w ws --container el7 -o out3 2>err &&
	test_grep "none works here: .podman info. failed: Error: podman: cannot connect to the service; .docker info. failed: Error: docker: cannot connect" err
'

test_expect_success '--container el7: a missing image comes with the command to build it' '
	FAKE_ENGINE_OK=1 PATH="$FAKE:$PATH" test_expect_code 1 qga-forge build -w ws \
		--container el7 -o out3 2>err &&
	test_grep "podman has no image .qga-forge-el7.; build it once with: podman build -t qga-forge-el7 $SRC_ROOT/containers/el7" err
'

test_expect_success '--container el7: runs offline, mounts, is named after its owner; containers of dead runs go' '
	rm -f "$FAKE_LOG.rm" &&
	FAKE_ENGINE_OK=1 FAKE_IMAGE_OK=1 PATH="$FAKE:$PATH" qga-forge build -w ws --container el7 \
		--nodeps -D "dist .el7" -o out4 --json >c.json 2>err &&
	head -n 12 "$FAKE_LOG" |
		sed -e "s/^qga-forge-build-[0-9][0-9]*-[0-9][0-9]*$/qga-forge-build-PID-START/" >head &&
	printf "%s\n" podman run --rm --name qga-forge-build-PID-START --network=none \
		-v "$TRASH/out4/SRPMS:/in:ro,z" -v "$TRASH/out4/RPMS:/out:z" qga-forge-el7 --nodeps >expect &&
	test_cmp expect head &&
	echo "rm -f qga-forge-build-999999-1" >expect &&
	test_cmp expect "$FAKE_LOG.rm" &&
	test_grep "^dist .el7$" "$FAKE_LOG" &&
	test_grep "^_binary_payload w9.gzdio$" "$FAKE_LOG" &&
	tail -n 1 "$FAKE_LOG" >last &&
	echo "/in/$(basename "$(ls out4/SRPMS/*.src.rpm)")" >expect &&
	test_cmp expect last &&
	test_grep "\"rebuild\": \"container el7\"" c.json &&
	test -x out4/agent/qemu-ga
'

test_expect_success '--container el7: SOURCE_DATE_EPOCH is passed on, the engine can be chosen' '
	SOURCE_DATE_EPOCH=1700000000 QGA_FORGE_CONTAINER_ENGINE=docker FAKE_ENGINE_OK=1 \
		FAKE_IMAGE_OK=1 QGA_FORGE_EL7_IMAGE=registry.example.invalid/el7:1 PATH="$FAKE:$PATH" \
		qga-forge build -w ws --container el7 -o out5 >/dev/null 2>err &&
	head -n 1 "$FAKE_LOG" >engine && echo docker >expect && test_cmp expect engine &&
	test_grep "^SOURCE_DATE_EPOCH$" "$FAKE_LOG" &&
	test_grep "^registry.example.invalid/el7:1$" "$FAKE_LOG" &&
	test_grep "^qga-forge: removed container .qga-forge-build-999999-1., left by an interrupted run (pid 999999)$" err
'

test_done
