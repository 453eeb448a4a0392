#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading memlab creates /proc/memlab and /dev/memlab and says so in the
# kernel log; unloading removes both and says so too. Five rounds, each
# checked, and the module is left loaded as it was found.
. "$(dirname "$0")/lib.sh"

need_root
need_module_file

rounds=5
was_loaded=0
memlab_loaded && was_loaded=1

for ((round = 1; round <= rounds; round++)); do
	mark=$(dmesg_mark)
	memlab_loaded && memlab_rmmod
	[ ! -e /proc/memlab ] || fail "round $round: /proc/memlab is left after rmmod"
	[ ! -e /dev/memlab ] || fail "round $round: /dev/memlab is left after rmmod"
	[ ! -d /sys/module/memlab ] || fail "round $round: /sys/module/memlab is left"

	memlab_insmod
	[ -r /proc/memlab/version ] || fail "round $round: no /proc/memlab/version"
	[ -c /dev/memlab ] || fail "round $round: no /dev/memlab character device"
	grep -q '^Version:' /proc/memlab/version ||
		fail "round $round: /proc/memlab/version has no Version line"

	log=$(dmesg_since "$mark")
	if [ "$round" -gt 1 ] || [ "$was_loaded" = 1 ]; then
		echo "$log" | grep -q 'memlab: unloaded' ||
			fail "round $round: no 'memlab: unloaded' in the kernel log"
	fi
	echo "$log" | grep -Eq 'memlab: version [0-9.]+ \(ABI [0-9]+\) loaded' ||
		fail "round $round: no 'memlab: version ... loaded' in the kernel log"
done

[ "$was_loaded" = 1 ] || memlab_rmmod
log "$rounds load/unload rounds ok"
