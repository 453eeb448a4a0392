#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module describes itself: licence, version and every parameter with
# its description, as modinfo shows them.
. "$(dirname "$0")/lib.sh"

need_module_file

info=$(modinfo "$MEMLAB_MODULE") || fail "modinfo $MEMLAB_MODULE failed"
echo "$info" | sed 's/^/  /'

expect_field() {
	echo "$info" | grep -Eq "$1" || fail "modinfo shows no line matching '$1'"
}

expect_field '^license: +GPL$'
expect_field '^version: +[0-9]+\.[0-9]+\.[0-9]+$'
expect_field '^description: +.+'
expect_field '^parm: +verbose:.+ \(bool\)$'
expect_field '^parm: +selftest_warn:.+'

version=$(awk '/^Version:/ { print $2 }' /proc/memlab/version 2>/dev/null)
if memlab_loaded; then
	modver=$(echo "$info" | awk '/^version:/ { print $2 }')
	[ "$version" = "$modver" ] ||
		fail "/proc/memlab/version says '$version', modinfo '$modver'"
fi
log "ok"
