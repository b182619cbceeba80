#!/bin/bash
# mksources.sh SPEC TOPDIR: what `rpmbuild -bp` needs for a fixture spec.
#
# Copies SPEC to TOPDIR/SPECS/ and fills TOPDIR/SOURCES/ with a tiny
# qemu-VERSION tarball (top directory qemu-VERSION) holding a file ORDER
# ("base"), and a mailbox patch for every patch rpm sees declared. The
# patches %prep applies (in the order `qga-forge spec check` reports) each
# append their own name to ORDER, with three lines of context: with fuzz 0
# they apply only in exactly that order. Declared patches %prep does not
# apply add a file of their own. TOPDIR/qga-forge-0001-qga-add-guest-foo.patch
# appends its name after all of them and changes qga/main.c: it applies
# only after every vendor patch. Needs qga-forge and rpmspec in PATH.
set -eu

spec=$1 top=$2
ours=qga-forge-0001-qga-add-guest-foo.patch
name=$(basename "$spec")
mkdir -p "$top/SPECS" "$top/SOURCES" "$top/BUILD" "$top/tmp"
cp "$spec" "$top/SPECS/$name"
version=$(rpmspec -q --srpm --qf '%{VERSION}' "$spec")
work=$(mktemp -d "${TMPDIR:-/tmp}/mksources.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/qemu-$version/qga"
printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$work/qemu-$version/qga/main.c"
printf 'QEMU %s\n' "$version" >"$work/qemu-$version/README"
printf 'base\n' >"$work/qemu-$version/ORDER"
tar -C "$work" -cJf "$top/SOURCES/qemu-$version.tar.xz" "qemu-$version"

rpmspec -q --srpm --qf '[%{SOURCE}\n]' "$spec" | while read -r src; do
	[ -e "$top/SOURCES/$src" ] || printf 'source %s\n' "$src" >"$top/SOURCES/$src"
done

# mail SUBJECT: a git format-patch style mail around the diff on stdin
mail() {
	printf 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n'
	printf 'From: Vendor <vendor@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'Subject: [PATCH] %s\n\n---\n' "$1"
	cat
	printf -- '-- \n2.39.2\n\n'
}

# udiff OLD NEW PATH: diff -u with a/ b/ labels (status 1 means "differs")
udiff() {
	diff -u --label "a/$3" --label "b/$3" "$1" "$2" || [ $? = 1 ]
}

qga-forge spec check "$spec" 2>/dev/null | sed -n 's/^patch [0-9]* //p' >"$work/applied"
printf 'base\n' >"$work/order"
while read -r p; do
	cp "$work/order" "$work/prev"
	printf '%s\n' "$p" >>"$work/order"
	udiff "$work/prev" "$work/order" ORDER | mail "vendor change $p" >"$top/SOURCES/$p"
done <"$work/applied"

rpmspec -q --srpm --qf '[%{PATCH}\n]' "$spec" | while read -r p; do
	[ -n "$p" ] && [ ! -e "$top/SOURCES/$p" ] || continue
	printf '%s\n' "$p" >"$work/one"
	udiff /dev/null "$work/one" "vendor/$p.txt" | sed '1s|^--- a/.*|--- /dev/null|' |
		mail "vendor change $p" >"$top/SOURCES/$p"
done

cp "$work/order" "$work/prev"
printf '%s\n' "$ours" >>"$work/order"
printf 'int main(void)\n{\n\treturn 42;\n}\n' >"$work/main.c"
{
	udiff "$work/qemu-$version/qga/main.c" "$work/main.c" qga/main.c
	udiff "$work/prev" "$work/order" ORDER
} | mail "qga: add guest-foo" >"$top/$ours"
