#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/tap-summary counts every recorded TAP fixture as its .expect says.
set -uo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
summary=$dir/../tap-summary
n=0
failures=0

echo "TAP version 13"
echo "1..$(find "$dir/fixtures" -name '*.tap' | wc -l)"
for tap in "$dir"/fixtures/*.tap; do
	n=$((n + 1))
	want=$(cat "${tap%.tap}.expect")
	got=$("$summary" "$tap")
	if [ "$got" = "$want" ]; then
		echo "ok $n tap_summary: ${tap##*/} counts $got"
	else
		echo "not ok $n tap_summary: ${tap##*/} counts '$got', expected '$want'"
		failures=$((failures + 1))
	fi
done
[ "$failures" = 0 ]
