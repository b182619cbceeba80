# Helpers for the kill tests (t6000, t6020, t6030): what an interrupted run
# may leave, and the processes it must not leave. Source after lib.sh.
#
#   env "$KILL_MARK" CMD...   run CMD with the mark in its environment; every
#                     process it starts inherits it (the test shell itself does
#                     not). Alone on its line with "&", $! is CMD itself (env execs it)
#   survivors         the processes that carry the mark, one "PID CMDLINE" line each
#   no_survivors      none within 5 s (orphans take a moment to be reaped), else
#                     print and kill them and fail
#   litter DIR...     qga-forge's temporary and staging entries: in $TMPDIR, and
#                     anywhere below each DIR (staging beside a workspace, temporary
#                     files of interrupted writes)
#   no_litter DIR...  litter prints nothing, else fail showing it
#   kill_fixture SRPM the tiny fixture src.rpm with a spec that packages a file as
#                     %{_bindir}/qemu-ga (so build and forge run to the end in a
#                     second) and sleeps in %prep or %build while the file
#                     $TRASH/slow-prep or $TRASH/slow-build exists

KILL_MARK="QGA_FORGE_KILL_MARK=$TEST_NAME-$$"

survivors() {
	local f pid
	# grep reads every environ at once; it does not carry the mark itself.
	for f in $(env -u QGA_FORGE_KILL_MARK grep -lsxzF "$KILL_MARK" /proc/[0-9]*/environ); do
		pid=${f#/proc/}
		pid=${pid%/environ}
		printf '%s %s\n' "$pid" "$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)"
	done
}

no_survivors() {
	local i s
	for i in $(seq 50); do
		s=$(survivors)
		[ -z "$s" ] && return 0
		sleep 0.1
	done
	echo "processes left running:" >&2
	echo "$s" >&2
	for pid in $(echo "$s" | cut -d' ' -f1); do kill -9 "$pid" 2>/dev/null; done
	return 1
}

litter() {
	ls -d "$TMPDIR"/qga-forge-* 2>/dev/null
	find "$@" \( -name '*.qga-forge-new-*' -o -name '*.qga-forge-old-*' \
		-o -name '*.qga-forge-[a-zA-Z0-9][a-zA-Z0-9][a-zA-Z0-9][a-zA-Z0-9][a-zA-Z0-9][a-zA-Z0-9]' \) \
		-print 2>/dev/null
	true
}

no_litter() {
	local l
	l=$(litter "$@")
	if [ -n "$l" ]; then
		echo "left behind:" >&2
		echo "$l" >&2
		return 1
	fi
}

# A private TMPDIR, short enough for the smoke runner's socket path.
KILL_TMPDIR="$TRASH/t"
mkdir -p "$KILL_TMPDIR"
export TMPDIR="$KILL_TMPDIR"

kill_fixture() {
	local fx spec
	fx=$(tiny_fixtures) &&
	"$QGA_FORGE" init -q -w "$TRASH/kf" "$fx/qemu-guest-agent-7.2.0-1.el7.src.rpm" >/dev/null &&
	spec="$TRASH/kf/rpmbuild/SPECS/qemu-guest-agent.spec" &&
	# %patch1 is written %patch -P 1 where this rpm rejects %patchN (init converts
	# it); rpm 4.20 and later make debuginfo packages by default, and the
	# packaged file is not an ELF binary.
	sed -i -e "1i %global debug_package %{nil}" \
		-e "/^%patch\(1\| -P 1\) -p1/a if [ -e $TRASH/slow-prep ]; then sleep 30; fi" \
		-e "/^%build/a if [ -e $TRASH/slow-build ]; then sleep 30; fi" \
		-e "/^%install/a install -D -p -m 0755 qga/qapi-schema.json %{buildroot}%{_bindir}/qemu-ga" \
		-e "/^%files/a %{_bindir}/qemu-ga" "$spec" &&
	grep -q slow-prep "$spec" &&
	"$QGA_FORGE" build -q -w "$TRASH/kf" --srpm-only -o "$TRASH/kf-out" >/dev/null &&
	cp "$TRASH"/kf-out/SRPMS/*.src.rpm "$1" &&
	rm -rf "$TRASH/kf" "$TRASH/kf-out"
}
