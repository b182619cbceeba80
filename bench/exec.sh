#!/usr/bin/env bash
# Benchmark: a native guest-agent command against the usual workaround for a
# missing one, guest-exec of `df` followed by guest-exec-status polling until
# it has exited. Runs against QEMU 7.2's stock qemu-ga (built and cached by
# tests/fixtures/build-stock-agent.sh, or AGENT=PATH) listening on a unix
# socket in a private directory.
#
# Two levels, each with bounded loop counts:
#   protocol  one connection, the agent module's client (a small C driver
#             linked against build/libqgaforge.a): what a long-lived client
#             such as libvirt pays per request;
#   cli       one `qga-forge exec` process per request, as a shell script pays.
# The native command is guest-get-fsinfo (every mount with its used and total
# bytes: more work than one statvfs) and, as the protocol floor, guest-ping.
# Prints ms per operation and the ratio workaround/native.
#
# Environment: N (native calls, default 500), M (df runs, default 100),
# AGENT (qemu-ga to run), QGA_FORGE (the binary, default ./qga-forge).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
M=${M:-100}
QGA_FORGE=${QGA_FORGE:-$PWD/qga-forge}
AGENT=${AGENT:-$(tests/fixtures/build-stock-agent.sh 2>/dev/null)}
CC=${CC:-cc}

[ -x "$QGA_FORGE" ] || { echo "bench/exec.sh: build qga-forge first (make)" >&2; exit 1; }
[ -f build/libqgaforge.a ] || { echo "bench/exec.sh: build/libqgaforge.a is missing (make)" >&2; exit 1; }
[ -x "$AGENT" ] || { echo "bench/exec.sh: no agent to run (set AGENT=PATH)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-bench-exec.XXXXXX")
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

sock="$work/qga.sock"
mkdir -p "$work/state"
"$AGENT" -m unix-listen -p "$sock" -t "$work/state" -l "$work/agent.log" -f "$work/agent.pid" &
agent_pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || { echo "bench/exec.sh: the agent did not listen" >&2; exit 1; }

# ---- protocol level: a driver on the agent module's API ----
cat >"$work/driver.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "agent/qga.h"
#include "util/util.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct json_object *call(struct qga *q, const char *name, struct json_object *args)
{
	struct qga_reply r = QGA_REPLY_INIT;
	struct json_object *v;

	if (qga_execute(&r, q, name, args) < 0 || r.kind != QGA_REPLY_RETURN) {
		fprintf(stderr, "driver: %s: %s\n", name,
			r.kind == QGA_REPLY_ERROR ? r.error_desc : error_last());
		exit(1);
	}
	v = json_object_get(r.value);
	qga_reply_release(&r);
	return v;
}

static double native(struct qga *q, const char *name, int n)
{
	double t0 = now_ms();

	for (int i = 0; i < n; i++)
		json_object_put(call(q, name, NULL));
	return (now_ms() - t0) / n;
}

static double workaround(struct qga *q, int m, double *polls)
{
	struct json_object *args = json_tokener_parse(
		"{\"path\": \"df\", \"arg\": [\"-P\", \"/\"], \"capture-output\": true}");
	long npolls = 0;
	double t0 = now_ms();

	for (int i = 0; i < m; i++) {
		struct json_object *r = call(q, "guest-exec", args), *pid, *st, *ex;
		struct json_object *sa = json_object_new_object();

		json_object_object_get_ex(r, "pid", &pid);
		json_object_object_add(sa, "pid", json_object_get(pid));
		for (;;) {
			npolls++;
			st = call(q, "guest-exec-status", sa);
			if (json_object_object_get_ex(st, "exited", &ex) && json_object_get_boolean(ex)) {
				json_object_put(st);
				break;
			}
			json_object_put(st);
		}
		json_object_put(sa);
		json_object_put(r);
	}
	json_object_put(args);
	*polls = (double)npolls / m;
	return (now_ms() - t0) / m;
}

int main(int argc, char **argv)
{
	struct qga *q = NULL;
	int n = atoi(argv[2]), m = atoi(argv[3]);
	double ping, fsinfo, df, polls;

	if (qga_connect(&q, argv[1], 10000) < 0 || qga_sync(q) < 0) {
		fprintf(stderr, "driver: %s\n", error_last());
		return 1;
	}
	ping = native(q, "guest-ping", n);
	fsinfo = native(q, "guest-get-fsinfo", n);
	df = workaround(q, m, &polls);
	printf("%.4f %.4f %.4f %.2f\n", ping, fsinfo, df, polls);
	qga_free(q);
	return 0;
}
EOF
# shellcheck disable=SC2046 # pkg-config prints several words
"$CC" -std=gnu11 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags json-c) -o "$work/driver" \
	"$work/driver.c" build/libqgaforge.a $(pkg-config --libs json-c)
read -r p_ping p_fsinfo p_df p_polls < <("$work/driver" "$sock" "$N" "$M")

# ---- CLI level: one qga-forge process per request ----
now() { date +%s%N; }
qx() { "$QGA_FORGE" exec -s "$sock" "$@"; }
cli_n=$(( N / 5 > 0 ? N / 5 : 1 ))
cli_m=$(( M / 5 > 0 ? M / 5 : 1 ))

t0=$(now)
for _ in $(seq "$cli_n"); do qx guest-get-fsinfo >/dev/null; done
t1=$(now)
c_fsinfo=$(awk "BEGIN {printf \"%.4f\", ($t1 - $t0) / 1e6 / $cli_n}")

polls=0
t0=$(now)
for _ in $(seq "$cli_m"); do
	pid=$(qx guest-exec '{"path": "df", "arg": ["-P", "/"], "capture-output": true}' |
		sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	while :; do
		polls=$((polls + 1))
		qx guest-exec-status "{\"pid\": $pid}" | grep -q '"exited": true' && break
	done
done
t1=$(now)
c_df=$(awk "BEGIN {printf \"%.4f\", ($t1 - $t0) / 1e6 / $cli_m}")
c_polls=$(awk "BEGIN {printf \"%.2f\", $polls / $cli_m}")

version=$("$AGENT" --version 2>&1 | sed -n 's/.*Agent \([0-9.]*\).*/\1/p')
echo "qemu-ga ${version:-?} over a unix socket; df = guest-exec + guest-exec-status polling"
echo
printf 'protocol, one connection (%d native calls, %d df runs):\n' "$N" "$M"
printf '  guest-ping            %8.3f ms\n' "$p_ping"
printf '  guest-get-fsinfo      %8.3f ms\n' "$p_fsinfo"
printf '  df via guest-exec     %8.3f ms  (%s status polls per run)\n' "$p_df" "$p_polls"
awk "BEGIN {printf \"  ratio df/fsinfo       %8.1f\n  ratio df/ping         %8.1f\n\", $p_df / $p_fsinfo, $p_df / $p_ping}"
echo
printf 'cli, one qga-forge exec per request (%d native calls, %d df runs):\n' "$cli_n" "$cli_m"
printf '  guest-get-fsinfo      %8.3f ms\n' "$c_fsinfo"
printf '  df via guest-exec     %8.3f ms  (%s status polls per run)\n' "$c_df" "$c_polls"
awk "BEGIN {printf \"  ratio df/fsinfo       %8.1f\n\", $c_df / $c_fsinfo}"
