#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of the VM runner itself, as TAP: it refuses bad input
# clearly, passes a command's exit status through, fails a run whose guest
# kernel log shows a splat, and kills a guest that hangs.
#
#   tests/host/vm_runner_test.sh [KVER]    default: the newest supported kernel
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/vm/memlab-vm
kver=${1:-$("$top/tools/kernels" --bootable | tail -n 1)}
n=0
failures=0

ok() {
	n=$((n + 1))
	echo "ok $n vm_runner: $*"
}

not_ok() {
	n=$((n + 1))
	failures=$((failures + 1))
	echo "not ok $n vm_runner: $*"
}

# expect DESCRIPTION STATUS PATTERN -- memlab-vm ARGS...: the runner exits
# with STATUS and its output matches the extended regex PATTERN.
expect() {
	local what=$1 want=$2 pattern=$3 out status
	shift 4

	out=$("$vm" "$@" 2>&1)
	status=$?
	if [ "$status" = "$want" ] && grep -Eq -- "$pattern" <<<"$out"; then
		ok "$what (exit $status)"
	else
		not_ok "$what: exit $status, expected $want and output matching '$pattern'"
		echo "$out" | tail -n 20 | sed 's/^/# /'
	fi
}

echo "TAP version 13"
echo "1..8"

expect "an unknown kernel version is refused" 2 'vmlinuz-9\.9\.9-nope: not installed' \
	-- --kernel 9.9.9-nope true
expect "an unknown kernel line is refused" 2 '4\.19: not a supported kernel line' \
	-- --kernel 4.19 true
expect "a missing module is refused" 2 '/nonexistent/memlab\.ko: not built' \
	-- --kernel "$kver" --module /nonexistent/memlab.ko true
expect "a bad option value is refused" 2 '--la57 takes on or off' \
	-- --kernel "$kver" --la57 maybe true

expect "a failing command's status comes back" 3 '^' \
	-- --kernel "$kver" -t 300 -- sh -c 'exit 3'
expect "a command missing in the guest fails with 127" 127 'No such file' \
	-- --kernel "$kver" -t 300 -- /nonexistent/command

# A real WARN() taken in module code, through memlab's test-only parameter.
expect "a guest WARN makes the run fail" 126 'splat.*|selftest_warn written' \
	-- --kernel "$kver" -t 300 -- sh -c 'echo 1 > /sys/module/memlab/parameters/selftest_warn'

start=$(date +%s)
expect "a hung guest is killed by the timeout" 124 'timed out after 30s' \
	-- --kernel "$kver" -t 30 -- sleep 3600
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 90 ] || not_ok "the timeout took ${elapsed}s to kill the guest"

[ "$failures" = 0 ]
