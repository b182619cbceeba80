#!/usr/bin/env bash
# Benchmark: `build --agent-only` on a qemu-kvm src.rpm in the RHEL 9 layout (QEMU 7.2) and
# a qemu src.rpm in the Fedora layout (QEMU 10.0), beside a plain `build` of the same
# workspace (the vendor's whole spec: every emulator, the tools, the docs), in the same
# run. Where the whole build cannot run here (its BuildRequires are not installed, so its
# configure stops), it says so, with configure's own reason and how long it took to get
# there; where it can, the ratio agent-only/full is printed.
#   bench/agent-only.sh [rhel9|fedora]...   (default: both)
set -uo pipefail
cd "$(dirname "$0")/.."
QGA_FORGE=${QGA_FORGE:-$PWD/qga-forge}
work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
layouts=("$@")
[ "${#layouts[@]}" -gt 0 ] || layouts=(rhel9 fedora)

defs=()
[ -n "$(rpm --eval '%{?_unitdir}')" ] || defs+=(--define "_unitdir /usr/lib/systemd/system")
[ -n "$(rpm --eval '%{?_udevrulesdir}')" ] || defs+=(--define "_udevrulesdir /usr/lib/udev/rules.d")
[ -n "$(rpm --eval '%{?__python3}')" ] || defs+=(--define "__python3 /usr/bin/python3")
# The whole spec's configure line takes these from redhat-rpm-config; given as a user
# would, so that it stops where the build really cannot go on here.
[ -n "$(rpm --eval '%{?build_ldflags}')" ] || defs+=(--define "build_ldflags -Wl,-z,relro")
[ -n "$(rpm --eval '%{?__meson}')" ] || defs+=(--define "__meson /usr/bin/meson")

for layout in "${layouts[@]}"; do
	if [ "$layout" = fedora ]; then
		# QEMU 10.0 needs meson >= 1.5: the one from the release's backports, for this layout only.
		if ! env_lines=$(tests/fixtures/meson-backports.sh --env 2>"$work/meson.log"); then
			echo "$layout: skipped: no meson >= 1.5 could be set up (see tests/fixtures/meson-backports.sh)"
			continue
		fi
		saved_path=$PATH saved_pythonpath=${PYTHONPATH:-}
		while IFS= read -r line; do export "${line?}"; done \
			<<<"$(printf '%s\n' "$env_lines" | grep -E '^(PATH|PYTHONPATH)=')"
	fi
	srpm=$(tests/fixtures/mk-qemu-srpm.sh --layout "$layout" 2>"$work/fixture.log") ||
		{ echo "$layout: the fixture src.rpm cannot be built:"; tail -5 "$work/fixture.log"; exit 1; }
	ws="$work/ws-$layout"
	"$QGA_FORGE" init -q -w "$ws" "${defs[@]}" "$srpm" >/dev/null 2>"$work/init.err" ||
		{ cat "$work/init.err"; exit 1; }
	"$QGA_FORGE" add-command -q -w "$ws" examples/statvfs/statvfs.qapi \
		--handler examples/statvfs/statvfs.c >/dev/null

	t0=$(now)
	"$QGA_FORGE" build -q -w "$ws" --agent-only --nodeps -o "$work/ao-$layout" >/dev/null 2>&1 ||
		{ echo "$layout: build --agent-only failed:"; tail -20 "$work/ao-$layout/build.log"; exit 1; }
	t1=$(now)
	ao=$(awk "BEGIN {printf \"%.1f\", $t1 - $t0}")
	objs=$(grep -c "Compiling C object" "$work/ao-$layout/build.log")

	t0=$(now)
	if "$QGA_FORGE" build -q -w "$ws" --nodeps -o "$work/full-$layout" >/dev/null 2>"$work/full.err"; then
		t1=$(now)
		full=$(awk "BEGIN {printf \"%.1f\", $t1 - $t0}")
		printf '%s: build --agent-only %7.1f s (%s C objects) | whole spec %7.1f s | ratio %.3f\n' \
			"$layout" "$ao" "$objs" "$full" "$(awk "BEGIN {print $ao / $full}")"
	else
		t1=$(now)
		full=$(awk "BEGIN {printf \"%.1f\", $t1 - $t0}")
		# configure's own reason (meson's "ERROR: Dependency ... not found"), not its summary
		why=$(grep -a -E "ERROR: |: error: " "$work/full-$layout/build.log" 2>/dev/null |
			grep -v "meson setup failed" | head -1)
		# (rpm discards a script's stdout unless verbose: meson's reason may be missing)
		[ -n "$why" ] || why=$(grep -a -m1 "ERROR: " "$work/full-$layout/build.log" 2>/dev/null)
		[ -n "$why" ] || why=$(tail -1 "$work/full.err")
		printf '%s: build --agent-only %7.1f s (%s C objects) | whole spec not feasible here: it stopped after %.1f s: %s\n' \
			"$layout" "$ao" "$objs" "$full" "$why"
	fi
	if [ "$layout" = fedora ]; then
		export PATH=$saved_path PYTHONPATH=$saved_pythonpath
	fi
done
