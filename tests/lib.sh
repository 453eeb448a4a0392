# SPDX-License-Identifier: GPL-2.0
#
# Helpers for memlab's shell tests, in the kselftest style: each test is a
# script that exits 0 (pass), 1 (fail) or 4 (skip) and says why.

ksft_pass=0
ksft_fail=1
ksft_skip=4

test_name=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

log() {
	echo "$test_name: $*"
}

fail() {
	echo "$test_name: FAIL: $*" >&2
	exit $ksft_fail
}

skip() {
	echo "$test_name: SKIP: $*"
	exit $ksft_skip
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "must run as root"
}

# The memlab.ko the VM loaded (set by tests/run-suite).
need_module_file() {
	[ -n "${MEMLAB_MODULE:-}" ] && [ -f "$MEMLAB_MODULE" ] ||
		skip "MEMLAB_MODULE does not name the memlab.ko to load"
}

memlab_loaded() {
	[ -d /sys/module/memlab ]
}

need_memlab() {
	memlab_loaded || skip "memlab is not loaded"
}

# Kernel log lines printed since the mark was taken. The mark is a line
# of its own in the log: counting lines fails once the ring buffer is full.
dmesg_mark() {
	local mark="memlab-test-mark-$$-$RANDOM$RANDOM"

	echo "$mark" >/dev/kmsg
	echo "$mark"
}

dmesg_since() {
	dmesg | sed -n "/$1/,\$p" | tail -n +2
}

# Load and unload memlab, failing the test with the kernel's reason.
memlab_insmod() {
	insmod "$MEMLAB_MODULE" "$@" || fail "insmod $MEMLAB_MODULE failed"
}

memlab_rmmod() {
	rmmod memlab || fail "rmmod memlab failed"
}

# find_tools PROG...: $tools, the directory with the programs of tools/:
# $MEMLAB_TOOLS, else the repository's .output/tools (found from tests/ or
# from the installed .output/selftests/memlab/). Skips without one of them.
find_tools() {
	local d prog

	tools=${MEMLAB_TOOLS:-}
	if [ -z "$tools" ]; then
		for d in "$here/../../tools" "$here/../.output/tools"; do
			if [ -x "$d/$1" ]; then
				tools=$(cd "$d" && pwd)
				break
			fi
		done
	fi
	for prog in "$@"; do
		[ -n "$tools" ] && [ -x "$tools/$prog" ] ||
			skip "$prog is not built (make tools), or set MEMLAB_TOOLS"
	done
}

# --- TAP, for a test that reports each of its checks -----------------------

n=0
failures=0

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n $*"
	failures=$((failures + 1))
}

skip_check() {	# skip_check NAME WHY
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

diag() {
	sed 's/^/#   /' "$@" | head -n 20
}

check() {	# check NAME COMMAND...: ok if COMMAND succeeds
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
	fi
}
