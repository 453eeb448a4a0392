#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload memlab many times while it is in use (SPEC section 11):
#  - background readers read /proc/memlab/version, summary, maps and vtop
#    (and write target and vtop) in loops the whole time;
#  - every cycle a /proc/memlab file is held open across rmmod and read
#    again afterwards: EIO, not a crash;
#  - every fourth cycle a program holds /dev/memlab open: rmmod must refuse
#    and memlab keep working, then succeed once the program has closed it;
#  - every cycle a fault is armed (write-deny) on a page of a sleeping
#    process before rmmod: the unload restores it (the kernel log says
#    so, and a forced write through /proc/PID/mem, refused while armed,
#    goes through after), and the process lives on;
#  - after each rmmod /proc/memlab, /dev/memlab and /sys/module/memlab are
#    gone, after each insmod they are back;
#  - at the end the kernel is tainted by nothing but the out-of-tree (O,
#    4096) and unsigned-module (E, 8192) flags, kmemleak (when the kernel
#    has it) found no new leak, and memlab is loaded if it was at the start.
#
#   load_unload_stress.sh [CYCLES]     default 20, or $MEMLAB_STRESS_CYCLES
. "$(dirname "$0")/lib.sh"

need_root
need_module_file

cycles=${1:-${MEMLAB_STRESS_CYCLES:-20}}
[[ "$cycles" =~ ^[0-9]+$ ]] && [ "$cycles" -ge 1 ] ||
	fail "the number of cycles must be a positive integer, not '$cycles'"

allowed_taint=$((4096 | 8192))
taint_before=$(cat /proc/sys/kernel/tainted)
was_loaded=0
memlab_loaded && was_loaded=1
kmemleak=/sys/kernel/debug/kmemleak
[ -w "$kmemleak" ] || kmemleak=

work=$(mktemp -d)
readers=()
holder=
victim=

cleanup() {
	touch "$work/stop"
	[ -z "$holder" ] || kill "$holder" 2>/dev/null
	[ -z "$victim" ] || kill "$victim" 2>/dev/null
	for pid in "${readers[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# A reader: read one /proc/memlab file in a loop, counting what worked.
# Errors are expected (the files come and go); crashes and hangs are not.
reader() {
	local file=$1 n=0 out addr

	while [ ! -e "$work/stop" ]; do
		case "$file" in
		vtop)
			# An address of this very shell, read by the builtin "read"
			# so that "self" is this process.
			read -r addr _ 2>/dev/null </proc/$BASHPID/maps
			echo self 2>/dev/null >/proc/memlab/target
			echo "0x${addr%%-*}" 2>/dev/null >/proc/memlab/vtop
			read -r -d '' out 2>/dev/null </proc/memlab/vtop
			;;
		*)
			read -r -d '' out 2>/dev/null </proc/memlab/"$file"
			;;
		esac
		case "$out" in
		Version:*|Rss:*|Address*) n=$((n + 1)) ;;
		esac
		out=
	done
	echo "$n" >"$work/count.$file"
}

# The process faults are armed in, and the top page of its stack.
sleep 3600 &
victim=$!
for _ in $(seq 100); do	# until the fork has become sleep
	case $(readlink /proc/$victim/exe) in */sleep) break ;; esac
	sleep 0.1
done
victim_page=$(awk '/\[stack\]/ { split($1, a, "-"); print a[2] }' /proc/$victim/maps)
[ -n "$victim_page" ] || fail "no [stack] in /proc/$victim/maps"
victim_page=$((0x$victim_page - 4096))

# Write a byte of the victim's page back as it is, through /proc/PID/mem.
poke_victim() {
	local byte
	byte=$(dd if=/proc/$victim/mem bs=1 skip=$((victim_page + 100)) count=1 2>/dev/null | od -An -tx1) &&
		[ -n "$byte" ] &&
		printf "\\x${byte// /}" | dd of=/proc/$victim/mem bs=1 seek=$((victim_page + 100)) \
			conv=notrunc 2>/dev/null
}

# The kernel log from here on: every cycle must say it loaded and unloaded.
mark=$(dmesg_mark)

if [ -n "$kmemleak" ]; then
	# What was there before (reported once the objects are 5 s old).
	echo clear >"$kmemleak"
fi

memlab_loaded || memlab_insmod

for file in version summary maps vtop; do
	reader "$file" &
	readers+=($!)
done
log "$cycles cycles, readers of version, summary, maps and vtop running"

refused=0
armed=0
for ((cycle = 1; cycle <= cycles; cycle++)); do
	memlab_loaded || fail "cycle $cycle: memlab is not loaded"

	if ((cycle % 4 == 0)); then
		# A program holds /dev/memlab: the module is in use.
		exec {devfd}</dev/memlab || fail "cycle $cycle: cannot open /dev/memlab"
		sleep 3600 <&$devfd &
		holder=$!
		exec {devfd}<&-
		if rmmod memlab 2>/dev/null; then
			fail "cycle $cycle: rmmod succeeded while /dev/memlab was open"
		fi
		memlab_loaded || fail "cycle $cycle: memlab is gone after a refused rmmod"
		grep -q '^Version:' /proc/memlab/version ||
			fail "cycle $cycle: memlab stopped working after a refused rmmod"
		[ -c /dev/memlab ] || fail "cycle $cycle: /dev/memlab is gone after a refused rmmod"
		kill "$holder"
		wait "$holder" 2>/dev/null
		holder=
		refused=$((refused + 1))
	fi

	# A file held open across the unload.
	exec {procfd}</proc/memlab/summary ||
		fail "cycle $cycle: cannot open /proc/memlab/summary"

	# A fault armed across the unload.
	if grep -qw inject /proc/memlab/version; then
		echo "inject $victim $victim_page 4096 w" >/proc/memlab/faults ||
			fail "cycle $cycle: cannot arm a fault in pid $victim"
		! poke_victim || fail "cycle $cycle: a write to the armed page went through"
		armed=$((armed + 1))
	fi

	memlab_rmmod
	[ ! -e /proc/memlab ] || fail "cycle $cycle: /proc/memlab is left after rmmod"
	[ ! -e /dev/memlab ] || fail "cycle $cycle: /dev/memlab is left after rmmod"
	[ ! -d /sys/module/memlab ] || fail "cycle $cycle: /sys/module/memlab is left after rmmod"

	if err=$(cat <&$procfd 2>&1 >/dev/null); then
		fail "cycle $cycle: a read of summary, opened before rmmod, succeeded after it"
	fi
	echo "$err" | grep -qi 'input/output error' ||
		fail "cycle $cycle: a read after rmmod failed with '$err', expected EIO"
	exec {procfd}<&-
	poke_victim || fail "cycle $cycle: the page is still write-denied after rmmod"

	memlab_insmod
	[ -r /proc/memlab/version ] || fail "cycle $cycle: no /proc/memlab/version after insmod"
	[ -c /dev/memlab ] || fail "cycle $cycle: no /dev/memlab after insmod"
done

touch "$work/stop"
for pid in "${readers[@]}"; do
	wait "$pid"
done
readers=()
counts=
for file in version summary maps vtop; do
	n=$(cat "$work/count.$file" 2>/dev/null || echo 0)
	counts="$counts $file=$n"
	# vtop may fail every time (the target is global and shared).
	[ "$file" = vtop ] || [ "$n" -gt 0 ] ||
		fail "the $file reader never read the file while memlab was loaded"
done
log "$cycles cycles, $refused refused rmmods, $armed faults restored by rmmod; successful reads:$counts"
kill -0 "$victim" || fail "the process faults were armed in died"
restored=$(dmesg_since "$mark" | grep -c 'memlab: unload: restored 1 faults')
[ "$restored" -ge "$armed" ] ||
	fail "the kernel log shows $restored unloads that restored a fault, for $armed armed"

# Every cycle said it loaded and unloaded.
loads=$(dmesg_since "$mark" | grep -Ec 'memlab: version [0-9.]+ \(ABI [0-9]+\) loaded')
unloads=$(dmesg_since "$mark" | grep -c 'memlab: unloaded')
[ "$unloads" -ge "$cycles" ] && [ "$loads" -ge "$cycles" ] ||
	fail "the kernel log shows $loads loads and $unloads unloads for $cycles cycles"

# Unloaded for good: nothing left behind.
memlab_rmmod
[ ! -e /proc/memlab ] && [ ! -e /dev/memlab ] || fail "/proc/memlab or /dev/memlab is left"

if [ -n "$kmemleak" ]; then
	# Objects count as leaked once unreferenced and 5 s old.
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	leaks=$(grep -c '^unreferenced object' "$kmemleak")
	if [ "$leaks" -gt 0 ]; then
		head -n 60 "$kmemleak" | while IFS= read -r line; do log "kmemleak: $line"; done
		fail "kmemleak found $leaks unreferenced objects after $cycles cycles"
	fi
	log "kmemleak: no leak"
fi

taint=$(cat /proc/sys/kernel/tainted)
new=$(((taint & ~taint_before) & ~allowed_taint))
old=$(((taint & taint_before) & ~allowed_taint))
[ "$old" = 0 ] || log "taint bits $old were set before this test started (not ours)"
[ "$new" = 0 ] || fail "the kernel is tainted with bits $new (tainted: $taint)"
log "tainted: $taint (O=4096 and E=8192 are allowed)"

[ "$was_loaded" = 0 ] || memlab_insmod
log "ok"
