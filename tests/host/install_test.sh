#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install, into a scratch DESTDIR: the two programs and their man
# pages land where PREFIX says, run, and the man pages render without a
# warning from groff.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
n=0
failures=0

check() {	# check NAME COMMAND...
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $n install: $name"
	else
		echo "not ok $n install: $name"
		failures=$((failures + 1))
	fi
}

echo "TAP version 13"
echo "1..8"
make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr >"$dest.log" 2>&1
status=$?
check "make install DESTDIR=... PREFIX=/usr succeeds" [ "$status" = 0 ]
check "memlab in bin, executable" [ -x "$dest/usr/bin/memlab" ]
check "memlab-trace in sbin, executable" [ -x "$dest/usr/sbin/memlab-trace" ]
check "memlab --help runs" "$dest/usr/bin/memlab" --help
check "memlab-trace --help runs" "$dest/usr/sbin/memlab-trace" --help
for page in man1/memlab.1 man8/memlab-trace.8; do
	# groff -ww: every warning; -z: no output, only the checks
	check "$page renders without a warning" \
		bash -c "[ -f '$dest/usr/share/man/$page' ] &&
			 [ -z \"\$(groff -man -ww -z '$dest/usr/share/man/$page' 2>&1)\" ]"
done
check "nothing else installed" \
	[ "$(cd "$dest" && find . -type f | sort | tr '\n' ' ')" = \
	  "./usr/bin/memlab ./usr/sbin/memlab-trace ./usr/share/man/man1/memlab.1 ./usr/share/man/man8/memlab-trace.8 " ]
rm -f "$dest.log"
[ "$failures" = 0 ]
