#!/usr/bin/env bash
# The forge image (containers/forge/Containerfile), built with podman on a
# Debian 12 base image made here with debootstrap, runs `qga-forge forge` on
# the el7 fixture; its packages are compared with a host forge of the same
# inputs by rpm payload digest. `build --container el7` is run with a stand-in
# for the CentOS 7 image (the forge image with containers/el7/rebuild.sh as its
# entry point), which must give the container forge's payload again.
#
# The debootstrap root file system is cached outside the tree
# ($QGA_FORGE_TEST_CACHE/debian12-rootfs/KEY/) and imported once as
# localhost/qga-forge-test/debian12:KEY; podman's layer cache keeps the
# package layer of the forge image between runs.
. "$(dirname "$0")/../cli/lib.sh"
# shellcheck source=../fixtures/lib.sh
. "$SRC_ROOT/tests/fixtures/lib.sh"

EX="$SRC_ROOT/examples"
FORGE_IMAGE=localhost/qga-forge-test/forge:latest
EL7_STANDIN=localhost/qga-forge-test/el7-standin:latest
# One fixed date for every commit and changelog entry of both forges.
export SOURCE_DATE_EPOCH=1700000000
export QGA_FORGE_AUTHOR_NAME='qga-forge test' QGA_FORGE_AUTHOR_EMAIL=test@example.invalid
# The host rebuild directory is ${TMPDIR:-/var/tmp}/...: the container's is /var/tmp/...
unset TMPDIR

# podman on hosts like this one runs containers only with runc and capped
# ulimits; this file says so without touching the machine's configuration.
export CONTAINERS_CONF="$TRASH/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF

skip_all() {
	test_skip 'container tests' "$1"
	test_done
}

command -v podman >/dev/null 2>&1 || skip_all 'podman is not installed (scripts/deps.sh --containers)'
command -v debootstrap >/dev/null 2>&1 || skip_all 'debootstrap is not installed (scripts/deps.sh --containers)'
[ "$(id -u)" -eq 0 ] || skip_all 'debootstrap needs root to make the Debian 12 base image'
podman info >podman-info.log 2>&1 || skip_all "podman cannot run here: $(tail -n 1 podman-info.log)"

# The machine's own apt sources for Debian 12: "deb URI SUITE COMPONENT" lines
# for bookworm, bookworm-updates and bookworm-security, as apt has them.
apt_lines() {
	apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' 2>/dev/null |
		awk '$1 == "deb" && $5 == "Packages" && $3 ~ /^bookworm(-updates|-security)?$/ {
			print "deb " $2 " " $3 " " $4 }' | LC_ALL=C sort -u
}
apt_lines >apt.lines || true
MIRROR=$(awk '$3 == "bookworm" { print $2; exit }' apt.lines)
[ -n "$MIRROR" ] || skip_all 'no Debian 12 (bookworm) apt source on this machine to debootstrap from'

# build_rootfs OUTDIR: a minbase Debian 12 root file system as OUTDIR/rootfs.tar,
# with the machine's apt lines so the image sees the same package versions.
build_rootfs() {
	local out="$1" root="$1/root"
	debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$out/debootstrap.log" 2>&1 || {
		tail -n 20 "$out/debootstrap.log" >&2
		return 1
	}
	cp apt.lines "$root/etc/apt/sources.list" || return 1
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	tar -C "$root" --numeric-owner -cf "$out/rootfs.tar" . || return 1
	rm -rf "$root"
}

# The base image is a precondition, not the subject: where it cannot be made
# (no mirror answers) or run (no container runs here), the tests are skipped.
make_base_image() {
	local key dir base
	key=$(printf '%s\n' "$(dpkg-query -W -f='${Version}' debootstrap)" rootfs-v1 "$(cat apt.lines)" |
		sha256sum | cut -c1-16) || return 1
	dir=$(fixture_cached debian12-rootfs "$key" build_rootfs) || return 1
	base=localhost/qga-forge-test/debian12:$key
	if ! podman image exists "$base"; then
		podman import "$dir/rootfs.tar" "$base" || return 1
	fi
	podman run --rm "$base" cat /etc/debian_version >version || return 1
	grep -q '^12\.' version || { echo "the base image is not Debian 12: $(cat version)"; return 1; }
	echo "$base" >base-image
}
if ! (make_base_image) >base-image.log 2>&1; then
	skip_all "no Debian 12 base image could be made or run here: $(tail -n 1 base-image.log)"
fi
BASE=$(cat base-image)

test_expect_success 'the forge image builds from this tree' '
	old=$(podman image inspect --format "{{.Id}}" "$FORGE_IMAGE" 2>/dev/null || true) &&
	{ podman build -f "$SRC_ROOT/containers/forge/Containerfile" --build-arg "BASE_IMAGE=$BASE" \
		-t "$FORGE_IMAGE" "$SRC_ROOT" >forge-build.log 2>&1 || { tail -n 40 forge-build.log; exit 1; }; } &&
	new=$(podman image inspect --format "{{.Id}}" "$FORGE_IMAGE") &&
	if [ -n "$old" ] && [ "$old" != "$new" ]; then podman rmi "$old" >/dev/null 2>&1 || true; fi &&
	podman run --rm "$FORGE_IMAGE" --version >v &&
	test_grep "^qga-forge [0-9]" v &&
	podman run --rm "$FORGE_IMAGE" help >h &&
	test_grep "^  forge " h
'

test_expect_success 'inputs: the el7 fixture and the statvfs example' '
	srpm=$("$SRC_ROOT/tests/fixtures/mk-el7-srpm.sh" 2>/dev/null) &&
	mkdir -p in cout &&
	cp "$srpm" "$EX/statvfs/statvfs.qapi" "$EX/statvfs/statvfs.c" in/ &&
	basename "$srpm" >srpm-name
'
SRPM_NAME=$(cat srpm-name 2>/dev/null)

test_expect_success 'forge in the container: build and smoke test inside it' '
	podman run --rm -e SOURCE_DATE_EPOCH -e QGA_FORGE_AUTHOR_NAME -e QGA_FORGE_AUTHOR_EMAIL -v "$TRASH/in:/in:ro,z" -v "$TRASH/cout:/out:z" \
		"$FORGE_IMAGE" forge "/in/$SRPM_NAME" --command /in/statvfs.qapi:/in/statvfs.c \
		-o /out/result --nodeps --json >cforge.json 2>cforge.err || { tail -n 30 cforge.err; exit 1; } &&
	test_grep "\"guest-get-statvfs\"" cforge.json &&
	ls cout/result/RPMS/*/*.rpm >crpms && test -s crpms &&
	ls cout/result/SRPMS/*.src.rpm >csrpm && test -s csrpm
'

test_expect_success 'forge on the host with the same inputs' '
	qga-forge forge "in/$SRPM_NAME" --command in/statvfs.qapi:in/statvfs.c \
		-o host --nodeps --json >hforge.json 2>hforge.err || { tail -n 30 hforge.err; exit 1; } &&
	ls host/RPMS/*/*.rpm >hrpms && test -s hrpms
'

# digests DIR: "path payload-digest" per rpm under DIR, paths relative to DIR.
digests() {
	(cd "$1" && for r in SRPMS/*.rpm RPMS/*/*.rpm; do
		[ -f "$r" ] || continue
		printf '%s %s\n' "$r" "$(rpm -qp --nosignature --qf '%{PAYLOADDIGEST}' "$r" 2>/dev/null)"
	done)
}

test_expect_success 'the src.rpm payloads are identical: same spec, patches and sources' '
	digests cout/result | grep "^SRPMS/" >c.src &&
	digests host | grep "^SRPMS/" >h.src &&
	test -s h.src &&
	test_cmp h.src c.src
'

# What QEMU's configure can see decides what gets compiled: a host with more
# headers or libraries than the image (valgrind's, say) builds a different
# agent, and only a host with the image's build environment can be compared.
podman run --rm --entrypoint sh "$FORGE_IMAGE" -c \
	'find /usr/include /usr/lib/x86_64-linux-gnu/pkgconfig /usr/share/pkgconfig -type f 2>/dev/null | LC_ALL=C sort;
	 gcc -dumpfullversion; dpkg-query -W -f "\${Package} \${Version}\n" gcc-12 binutils libc6-dev libglib2.0-dev meson ninja-build' \
	>env.image 2>/dev/null
{ find /usr/include /usr/lib/x86_64-linux-gnu/pkgconfig /usr/share/pkgconfig -type f 2>/dev/null | LC_ALL=C sort
  gcc -dumpfullversion; dpkg-query -W -f '${Package} ${Version}\n' gcc-12 binutils libc6-dev libglib2.0-dev meson ninja-build; } \
	>env.host 2>/dev/null
if [ -s env.image ] && cmp -s env.host env.image; then
	test_expect_success 'the binary rpm payloads are identical to the host build' '
		digests cout/result | grep "^RPMS/" >c.bin &&
		digests host | grep "^RPMS/" >h.bin &&
		test -s h.bin &&
		test_cmp h.bin c.bin
	'
else
	diff env.image env.host | sed -n 's/^> //p' >env.host-only
	diff env.image env.host | sed -n 's/^< //p' >env.image-only
	test_skip 'the binary rpm payloads are identical to the host build' \
		"this host's build environment differs from the image's ($(wc -l <env.host-only) headers, .pc files or toolchain versions only on the host, e.g. $(grep -m 1 valgrind env.host-only || head -n 1 env.host-only); $(wc -l <env.image-only) only in the image), so QEMU's configure sees other features and the agents differ; the two container builds are compared below"
fi

test_expect_success 'a stand-in for the el7 image: the forge image with rebuild.sh as entry point' '
	mkdir -p standin &&
	cp "$SRC_ROOT/containers/el7/rebuild.sh" standin/ &&
	printf "%s\n" "FROM $FORGE_IMAGE" \
		"COPY rebuild.sh /usr/local/bin/qga-forge-rebuild" \
		"ENTRYPOINT [\"/usr/local/bin/qga-forge-rebuild\"]" >standin/Containerfile &&
	podman build -t "$EL7_STANDIN" standin >standin.log 2>&1 || { tail -n 20 standin.log; exit 1; }
'

test_expect_success 'build --container el7 rebuilds the host src.rpm and gives the container payloads' '
	QGA_FORGE_EL7_IMAGE=$EL7_STANDIN QGA_FORGE_CONTAINER_ENGINE=podman \
		qga-forge build -w host/workspace --container el7 --nodeps -o viactr --json \
		>viactr.json 2>viactr.err || { tail -n 30 viactr.err; exit 1; } &&
	test_grep "\"rebuild\": \"container el7\"" viactr.json &&
	test -x viactr/agent/qemu-ga &&
	digests cout/result | grep "^RPMS/" >c.bin &&
	digests viactr | grep "^RPMS/" >v.bin &&
	test -s v.bin &&
	test_cmp c.bin v.bin
'

test_expect_success 'build --container el7 names the missing image and how to build it' '
	QGA_FORGE_EL7_IMAGE=localhost/qga-forge-test/no-such-image QGA_FORGE_CONTAINER_ENGINE=podman \
		test_expect_code 1 qga-forge build -w host/workspace --container el7 --nodeps -o missing 2>err &&
	test_grep "podman has no image .localhost/qga-forge-test/no-such-image.; build it once with: podman build -t localhost/qga-forge-test/no-such-image .*containers/el7" err
'

podman rmi "$EL7_STANDIN" >/dev/null 2>&1
test_done
