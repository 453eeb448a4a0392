#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of memlab(1)'s pure code - sizes, parsing, tables, JSON and
# the address-space picture (tools/memlab/format.c, output.c, map.c) - with
# cmocka, on ioctl answers recorded from the demo workload
# (tests/host/cli/fixtures.c), compared with tests/host/cli/expected/.
#
# Builds the tests into .output/host-cli, runs them, and prints TAP: one line
# per cmocka test, then one per JSON document they wrote (checked with jq)
# and per SVG (checked with xmllint, rendered with rsvg-convert to
# .output/host-cli/png/). Exits 1 if anything failed.
#
#   tests/host/cli_test.sh
#   MEMLAB_CLI_UPDATE=1 tests/host/cli_test.sh   rewrite expected/ from what
#                                                the code prints now (then
#                                                read git diff)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/tests/host/cli
tools=$top/tools/memlab
out=$top/.output/host-cli
cc=${CC:-cc}

lines=()
n=0
failed=0

result() {	# result ok|"not ok" DESCRIPTION
	n=$((n + 1))
	lines+=("$1 $n $2")
	[ "$1" = ok ] || failed=$((failed + 1))
}

comment() {
	# "# ok ..." would count as a nested result: keep diagnostics plain.
	lines+=("# ${1#\# }")
}

finish() {
	echo "TAP version 13"
	echo "1..$n"
	printf '%s\n' "${lines[@]}"
	[ "$failed" = 0 ]
	exit
}

rm -rf "$out"
mkdir -p "$out/got" "$out/png"

if ! echo '#include <cmocka.h>' | "$cc" -E -x c - >/dev/null 2>&1; then
	result ok "cli: host tests # SKIP libcmocka-dev is not installed"
	finish
fi

progs=(test_format test_output test_map)
for prog in "${progs[@]}"; do
	if ! "$cc" -O2 -g -Wall -Wextra -Werror -I"$top/include/uapi" -I"$tools" -I"$src" \
		"$tools/format.c" "$tools/output.c" "$tools/map.c" \
		"$src/golden.c" "$src/fixtures.c" "$src/$prog.c" \
		-lcmocka -lm -o "$out/$prog" 2>"$out/$prog.build.log"; then
		result "not ok" "cli: build $prog"
		while IFS= read -r l; do comment "$l"; done <"$out/$prog.build.log"
		continue
	fi

	tap=$(CMOCKA_MESSAGE_OUTPUT=TAP MEMLAB_CLI_EXPECTED="$src/expected" \
		MEMLAB_CLI_OUT="$out/got" "$out/$prog" 2>&1)
	status=$?
	plan=0 seen=0
	while IFS= read -r l; do
		case "$l" in
		1..*)
			plan=${l#1..}
			;;
		"ok "*|"not ok "*)
			seen=$((seen + 1))
			verdict=ok
			[ "${l#not ok }" = "$l" ] || verdict="not ok"
			name=${l#*- }
			result "$verdict" "cli: ${prog#test_}: $name"
			;;
		"# ok - "*|"# not ok - "*)
			;;	# cmocka's line for the whole group
		"#"*)
			comment "$l"
			;;
		esac
	done <<<"$tap"
	# A crash loses the lines of the tests after it.
	if [ "$seen" -lt "$plan" ] || [ "$status" -gt 128 ]; then
		result "not ok" "cli: ${prog#test_}: stopped after $seen of $plan tests (exit $status)"
	fi
done

# What the tests wrote: every JSON document valid, every SVG well-formed
# and drawable.
for f in "$out"/got/*.json; do
	[ -e "$f" ] || continue
	name=${f##*/}
	if ! command -v jq >/dev/null; then
		result ok "cli: jq accepts $name # SKIP jq is not installed"
	elif jq -e . "$f" >/dev/null 2>"$out/jq.log"; then
		result ok "cli: jq accepts $name"
	else
		result "not ok" "cli: jq accepts $name"
		comment "$(head -n 1 "$out/jq.log")"
	fi
done
for f in "$out"/got/*.svg; do
	[ -e "$f" ] || continue
	name=${f##*/}
	if ! command -v xmllint >/dev/null; then
		result ok "cli: $name is well-formed XML # SKIP xmllint is not installed"
	elif xmllint --noout "$f" 2>"$out/xmllint.log"; then
		result ok "cli: $name is well-formed XML"
	else
		result "not ok" "cli: $name is well-formed XML"
		comment "$(head -n 1 "$out/xmllint.log")"
	fi
	if ! command -v rsvg-convert >/dev/null; then
		result ok "cli: rsvg-convert draws $name # SKIP librsvg2-bin is not installed"
	elif rsvg-convert -o "$out/png/${name%.svg}.png" "$f" 2>"$out/rsvg.log" &&
		[ -s "$out/png/${name%.svg}.png" ]; then
		result ok "cli: rsvg-convert draws $name"
	else
		result "not ok" "cli: rsvg-convert draws $name"
		comment "$(head -n 1 "$out/rsvg.log")"
	fi
done

finish
