#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# memlab-trace(8) end to end, in the VM with memlab loaded, against
# trace_workload, which takes no page fault but those a round asks for:
#
# - the faults it counts for a process add up to what /proc/PID/stat's
#   minflt + majflt grew by, and touching N new pages is at least N minor
#   faults, in the anon segment;
# - the injection hits it reports are exactly the hits /proc/memlab/faults
#   counts, one "hit" event each, at the address written;
# - a walk by memlab shows up as another process holding the mmap_lock;
# - --json is one valid JSON object per line, -d stops by itself, SIGINT
#   prints the total, the text output has its parts, all processes work;
# - bad arguments, a missing process and an unprivileged user get one
#   line and exit 2, 1 and 1.
#
# Each check prints a TAP line; the test exits 0 when all passed, 1 when
# one failed, 4 (skip) without memlab, the tools, BTF or jq.
. "$(dirname "$0")/lib.sh"

need_root
need_memlab

find_tools memlab-trace memlab
trace=$tools/memlab-trace
workload=$here/trace_workload
[ -x "$workload" ] || skip "$workload is not built (make tests)"
[ -r /sys/kernel/btf/vmlinux ] || skip "this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)"
command -v jq >/dev/null || skip "jq is not installed"
grep -q ' __tracepoint_memlab_fault_hit' /proc/kallsyms || skip "memlab was built without fault injection"

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
	[ ${#pids[@]} = 0 ] || kill -KILL "${pids[@]}" 2>/dev/null
	echo "restore all" >/proc/memlab/faults 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# all COMMAND [&& COMMAND...] as one string: for check, when one is not enough
all() {
	eval "$1"
}

# wait_for FILE PATTERN: until a line of FILE matches (60 s: TCG is slow)
wait_for() {
	local i

	for ((i = 0; i < 600; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# timed out waiting for '$2' in $1"
	diag "$1"
	return 1
}

# start_workload PAGES WRITES: sets $wl_pid and $wl_guard
start_workload() {
	"$workload" "$1" "$2" >"$tmp/workload.out" 2>&1 &
	pids+=($!)
	wait_for "$tmp/workload.out" '^[0-9]' || fail "trace_workload did not start"
	read -r wl_pid wl_guard <"$tmp/workload.out"
}

# stat_faults PID: minflt + majflt of /proc/PID/stat
stat_faults() {
	awk '{ print $10 + $12 }' "/proc/$1/stat"
}

# --- faults: the numbers of /proc/PID/stat ---------------------------------------

pages=2000
start_workload "$pages" 0
"$trace" -p "$wl_pid" -i 0.5 --json >"$tmp/faults.json" 2>"$tmp/faults.err" &
tracer=$!
pids+=("$tracer")
wait_for "$tmp/faults.json" '"type":"start"' || fail "memlab-trace did not start"
before=$(stat_faults "$wl_pid")
kill -USR1 "$wl_pid"
wait_for "$tmp/workload.out" '^round 1' || fail "trace_workload did not finish its round"
after=$(stat_faults "$wl_pid")
"$tools/memlab" summary "$wl_pid" >/dev/null ||
	echo "# memlab summary $wl_pid failed"
sleep 1
kill -INT "$tracer"
wait "$tracer"
status=$?
kill -TERM "$wl_pid"

check "faults: memlab-trace exits 0 on SIGINT" [ "$status" = 0 ]
check "faults: nothing on stderr" [ ! -s "$tmp/faults.err" ]
lines=$(wc -l <"$tmp/faults.json")
check "faults: --json is one valid JSON object per line ($lines lines)" \
	[ "$(jq -c . "$tmp/faults.json" 2>/dev/null | wc -l)" = "$lines" ]
check "faults: the last line is the total" \
	jq -e -s '.[-1].type == "total"' "$tmp/faults.json" >/dev/null
counted=$(jq -s '.[-1].faults.minor + .[-1].faults.major' "$tmp/faults.json")
echo "# /proc/$wl_pid/stat: minflt + majflt grew by $((after - before)); memlab-trace counted $counted"
check "faults: minor + major equal what /proc/PID/stat grew by" \
	[ "$counted" = "$((after - before))" ]
check "faults: touching $pages new pages is at least $pages minor faults" \
	jq -e -s ".[-1].faults.minor >= $pages" "$tmp/faults.json" >/dev/null
check "faults: ... in the anon segment" \
	jq -e -s ".[-1].faults.by_segment.anon.minor >= $pages" "$tmp/faults.json" >/dev/null
check "faults: the intervals add up to the total" \
	jq -e -s '([.[] | select(.type == "interval") | .faults.minor] | add) == .[-1].faults.minor' \
	"$tmp/faults.json" >/dev/null
check "mmap_lock: memlab's walk is another process holding it for read" \
	jq -e -s '.[-1].mmap_lock.others.read.holds >= 1' "$tmp/faults.json" >/dev/null

# --- memlab hits: exactly what /proc/memlab/faults counts -------------------------------

writes=5
start_workload 16 "$writes"
echo "inject $wl_pid $wl_guard 4096 w" >/proc/memlab/faults ||
	fail "could not arm a fault on $wl_pid at $wl_guard"
id=$(awk -v pid="$wl_pid" '$2 == pid { id = $1 } END { print id }' /proc/memlab/faults)
"$trace" -p "$wl_pid" -i 1 --json >"$tmp/hits.json" 2>"$tmp/hits.err" &
tracer=$!
pids+=("$tracer")
wait_for "$tmp/hits.json" '"type":"start"' || fail "memlab-trace did not start"
kill -USR1 "$wl_pid"
wait_for "$tmp/workload.out" '^round 1' || fail "trace_workload did not finish its round"
# The hit events are read from the ring buffer every 100 ms.
sleep 1
kill -INT "$tracer"
wait "$tracer"
status=$?
proc_hits=$(awk -v id="$id" '$1 == id { print $NF }' /proc/memlab/faults)
echo "restore $id" >/proc/memlab/faults
kill -TERM "$wl_pid"

check "hits: memlab-trace exits 0" [ "$status" = 0 ]
check "hits: the workload took $writes SIGSEGVs" \
	grep -q "^round 1: SEGV $writes\$" "$tmp/workload.out"
traced=$(jq -s '.[-1].memlab_hits' "$tmp/hits.json")
echo "# fault $id: /proc/memlab/faults counts $proc_hits hits, memlab-trace $traced"
check "hits: memlab-trace counts exactly the hits of /proc/memlab/faults ($proc_hits)" \
	all '[ "$traced" = "$proc_hits" ] && [ "$proc_hits" = "$writes" ]'
check "hits: one hit event each, a signalled write at the byte written" \
	[ "$(jq -c "select(.type == \"hit\" and .fault == $id and .access == \"write\" and
		.signalled and (.addr | ltrimstr(\"0x\")) == \"$(printf '%x' $((wl_guard + 8)))\")" \
		"$tmp/hits.json" | wc -l)" = "$writes" ]

# --- text, all processes ----------------------------------------------------------------

start_workload 64 0
t0=$(date +%s)
"$trace" -p "$wl_pid" -i 0.5 -d 2 >"$tmp/text.out" 2>&1
status=$?
t1=$(date +%s)
# Loading the program takes a while under TCG: -d counts from then on.
check "text: -d 2 stops by itself (after $((t1 - t0)) s)" [ $((t1 - t0)) -lt 120 ]
check "text: exit 0, a header, intervals and the total" \
	all '[ "$status" = 0 ] && grep -q "^Tracing pid $wl_pid (trace_workload)" "$tmp/text.out" &&
	grep -q "interval" "$tmp/text.out" && grep -q "total of" "$tmp/text.out" &&
	grep -q "memlab hits 0" "$tmp/text.out"'
"$trace" -i 0.5 -d 1.5 --json >"$tmp/all.json" 2>&1
check "all processes: a total with faults by process" \
	jq -e -s '.[-1].type == "total" and (.[-1].faults.by_process | type == "array")' \
	"$tmp/all.json" >/dev/null
kill -TERM "$wl_pid"

# --- errors -----------------------------------------------------------------------------

# error_case NAME STATUS PATTERN ARGS...: one line on stderr matching PATTERN
error_case() {
	local name=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" = "$want" ] && grep -q -- "$pattern" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "error: $name"
	else
		not_ok "error: $name (exit $got, want $want)"
		diag "$tmp/err"
	fi
}

error_case "no such process" 1 "no process 4194303" "$trace" -p 4194303
error_case "a pid too big for pid_t" 2 "bad pid" "$trace" -p 4294967297
python3 -c 'import threading, time
threading.Thread(target=time.sleep, args=(60,)).start()
time.sleep(60)' &
threaded=$!
disown	# killed by cleanup, without a job-control notice
pids+=("$threaded")
for _ in $(seq 100); do
	tid=$(ls "/proc/$threaded/task" 2>/dev/null | grep -vx "$threaded" | head -n 1)
	[ -n "$tid" ] && break
	sleep 0.1
done
error_case "a thread id: names its process" 1 "thread of process $threaded" "$trace" -p "$tid"
error_case "a bad pid is a usage error" 2 "bad pid" "$trace" -p abc
error_case "an interval under 0.1 s" 2 "bad interval" "$trace" -i 0
error_case "an unknown option" 2 "unrecognized option" "$trace" --bogus
cp "$trace" "$tmp/memlab-trace"
chmod 755 "$tmp/memlab-trace"
if command -v setpriv >/dev/null; then
	error_case "unprivileged: says it needs root" 1 "run it as root" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/memlab-trace" -d 1
fi

echo "# $n checks, $failures failed"
[ "$failures" = 0 ] || exit $ksft_fail
exit $ksft_pass
