#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# memlab(1) end to end, in the VM with memlab loaded: every subcommand
# against the demo workload (tools/demo-workload, stopped so that its memory
# holds still), its numbers compared with the kernel's own /proc/PID/smaps,
# smaps_rollup and pagemap; every --json output checked with jq; the map's
# SVG checked with xmllint and drawn with rsvg-convert; every error message
# triggered and checked (one line, the right words, the right exit status;
# with --json, one {"error": ...} document on stdout).
#
# Each check prints a TAP line, so that each one is counted; the test exits
# 0 when all passed, 1 when one failed, 4 (skip) without memlab or the tools.
#
# MEMLAB_TOOLS  the directory with memlab and demo-workload (default: the
#               repository's .output/tools, found from where this test is:
#               tests/ or the installed .output/selftests/memlab/)
. "$(dirname "$0")/lib.sh"

need_root
need_memlab

find_tools memlab demo-workload
command -v jq >/dev/null || skip "jq is not installed"

tmp=$(mktemp -d)
chmod 755 "$tmp"
cp "$tools/memlab" "$tmp/memlab"	# also runnable by nobody, below
chmod 755 "$tmp/memlab"
memlab=$tmp/memlab
pids=()
cleanup() {
	[ ${#pids[@]} = 0 ] || kill -KILL "${pids[@]}" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# run ARGS...: memlab ARGS, with $status and the output in $tmp/out, $tmp/err;
# with the variables of run_env set and under the command in run_as
run_env=()
run_as=()
run() {
	env "${run_env[@]}" "${run_as[@]}" "$memlab" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# jqe ARGS...: jq -e, quietly: is the filter true?
jqe() {
	jq -e "$@" >/dev/null
}

no_colour() {
	! grep -q $'\e' "$1"
}

# hex addresses of the regions of scan --json: "start end" per line
regions_in_order() {
	jq -r '.regions[] | "\(.start) \(.end)"' "$1" | {
		local prev=0 pages=0 start end
		while read -r start end; do
			((start < end && start >= prev)) || return 1
			pages=$((pages + (end - start) / 4096))
			prev=$end
		done
		[ "$pages" = "$(jq .pages "$1")" ]
	}
}

# run_ok NAME ARGS...: memlab ARGS must succeed, silently on stderr
run_ok() {
	local name=$1
	shift
	run "$@"
	if [ "$status" = 0 ] && [ ! -s "$tmp/err" ]; then
		ok "$name"
		return 0
	fi
	not_ok "$name (exit $status)"
	diag "$tmp/err"
	return 1
}

# json_ok NAME FILE: exactly one JSON document
json_ok() {
	local count
	count=$(jq -s length "$2" 2>"$tmp/jq.err")
	if [ "$count" = 1 ]; then
		ok "$1: --json is one valid JSON document"
	else
		not_ok "$1: --json is one valid JSON document (jq: ${count:-error})"
		diag "$tmp/jq.err"
	fi
}

# same NAME GOT WANT: two values that must be equal
same() {
	if [ "$2" = "$3" ]; then
		ok "$1 ($2)"
	else
		not_ok "$1: memlab says '$2', the kernel '$3'"
		return 1
	fi
}

# expect_error NAME STATUS PATTERN ARGS...: memlab ARGS fails with STATUS
# and one line on stderr matching PATTERN; with --json, stdout is then one
# JSON document whose "error" is that line.
expect_error() {
	local name=$1 want=$2 pattern=$3 lines msg
	shift 3
	run "$@"
	lines=$(wc -l <"$tmp/err")
	msg=$(cat "$tmp/err")
	if [ "$status" = "$want" ] && [ "$lines" = 1 ] && [ ! -s "$tmp/out" ] &&
		grep -Eq "^memlab: .*($pattern)" "$tmp/err"; then
		ok "error: $name: exit $want, '$msg'"
	else
		not_ok "error: $name: exit $status (want $want), $lines line(s) on stderr, want /$pattern/"
		diag "$tmp/err"
		diag "$tmp/out"
	fi
	run --json "$@"
	if [ "$status" = "$want" ] && [ "$(jq -s length "$tmp/out" 2>/dev/null)" = 1 ] &&
		jq -e --arg m "${msg#memlab: }" --argjson s "$want" \
			'.error == $m and .exit_status == $s' "$tmp/out" >/dev/null; then
		ok "error: $name: with --json, one {\"error\": ...} document"
	else
		not_ok "error: $name: with --json, one {\"error\": ...} document (exit $status)"
		diag "$tmp/out"
	fi
}

# kB of a smaps_rollup field
rollup() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/smaps_rollup"
}

# --- the workload ----------------------------------------------------------

"$tools/demo-workload" >"$tmp/workload" &
pids+=($!)
disown	# killed at the end: no "Killed" job message then
for _ in $(seq 300); do
	[ -s "$tmp/workload" ] && break
	sleep 0.1
done
read -r pid child _ swap_addr _ thp_addr _ cow_addr <"$tmp/workload"
[ -n "${cow_addr:-}" ] || fail "demo-workload did not start"
pids+=("$pid" "$child")
# Both stop themselves: wait until the parent has.
for _ in $(seq 100); do
	grep -q '^State:.*stopped' "/proc/$pid/status" && break
	sleep 0.1
done
log "workload pid $pid (child $child), swap $swap_addr, thp $thp_addr, cow $cow_addr"

# --- help and usage ----------------------------------------------------------

run_ok "help: memlab help" help
for cmd in summary maps scan vtop map inject restore faults version help; do
	grep -q "^  $cmd" "$tmp/out" || not_ok "help: memlab help does not list $cmd"
done
for cmd in summary maps scan vtop map inject restore faults version help; do
	run "$cmd" --help
	if [ "$status" = 0 ] && head -n 1 "$tmp/out" | grep -q "^usage: memlab $cmd"; then
		ok "help: memlab $cmd --help"
	else
		not_ok "help: memlab $cmd --help (exit $status)"
	fi
done
run help scan
check "help: memlab help scan is memlab scan --help" \
	grep -q '^usage: memlab scan' "$tmp/out"
run map --help --json
json_ok "help: map --help" "$tmp/out"
check "help: with --json, the help is {\"help\": text}" \
	jqe '.help | startswith("usage: memlab map")' "$tmp/out"

# --- version -----------------------------------------------------------------

run_ok "version" version && check "version: names the module" grep -q '^module: *[0-9]' "$tmp/out"
run version --json
json_ok version "$tmp/out"
abi=$(jq -r .module.abi_version "$tmp/out")
features=$(jq -r '.module.features | join(" ")' "$tmp/out")
levels=$(jq -r .module.pgtable_levels "$tmp/out")
same "version: the module's ABI" "$abi" \
	"$(awk '$1 == "AbiVersion:" { print $2 }' /proc/memlab/version)"
same "version: paging levels" "$levels" \
	"$(awk '$1 == "PagingLevels:" { print $2 }' /proc/memlab/version)"

# --- summary -----------------------------------------------------------------

run_ok "summary: text" summary "$pid" &&
	check "summary: text has Rss, Pss, Swap and the segment table" \
		grep -qE '^Rss .*' "$tmp/out"
for key in Pss Swap AnonHugePages Segment total Walk; do
	grep -q "^$key " "$tmp/out" || not_ok "summary: no '$key' line"
done
# The kernel may change a stopped process's memory (reclaim, khugepaged,
# compaction): memlab's summary is compared with a smaps_rollup whose
# fields compared here were the same just before it and just after, which
# takes a few tries at most. (Pss moves with every process that maps libc.)
compared='^(Rss|Swap|AnonHugePages|Shared_Dirty|Private_Dirty|Referenced):'
for try in 1 2 3 4 5; do
	grep -E "$compared" "/proc/$pid/smaps_rollup" >"$tmp/rollup.before"
	run summary "$pid" --json
	grep -E "$compared" "/proc/$pid/smaps_rollup" >"$tmp/rollup"
	cmp -s "$tmp/rollup.before" "$tmp/rollup" && break
done
check "summary: smaps_rollup held still across memlab's summary (try $try)" \
	cmp -s "$tmp/rollup.before" "$tmp/rollup"
json_ok summary "$tmp/out"
cp "$tmp/out" "$tmp/summary.json"
sum() { jq -r "$1" "$tmp/summary.json"; }
snap() { awk -v k="$1:" '$1 == k { print $2 }' "$tmp/rollup"; }
same "summary: Rss equals smaps_rollup" "$(sum '.rss / 1024')" "$(snap Rss)"
same "summary: Swap + ShmemSwap equals smaps_rollup Swap" \
	"$(sum '(.swap + .shmem_swap) / 1024')" "$(snap Swap)"
same "summary: AnonHugePages equals smaps_rollup" "$(sum '.anon_huge / 1024')" \
	"$(snap AnonHugePages)"
same "summary: Dirty equals smaps_rollup Shared_Dirty + Private_Dirty" \
	"$(sum '.dirty / 1024')" "$(($(snap Shared_Dirty) + $(snap Private_Dirty)))" || {
	"$memlab" maps "$pid" | diag
	awk '/^[0-9a-f]+-/ { vma = $1 } $1 == "Shared_Dirty:" { sd = $2 }
	     $1 == "Private_Dirty:" && sd + $2 { print vma, "Dirty:", sd + $2, "kB" }' \
		"/proc/$pid/smaps" | diag
}
same "summary: Referenced equals smaps_rollup" "$(sum '.referenced / 1024')" \
	"$(snap Referenced)"
same "summary: the segments add up to Rss" "$(sum '[.segments[].rss] | add')" \
	"$(sum .rss)"
run summary "$pid" --json --no-sharing
check "summary: --no-sharing leaves Pss, Uss and Locked null" \
	jqe '.pss == null and .uss == null and .locked == null and .sharing == false' \
	"$tmp/out"
run summary "$pid" --json --page-tables-only
check "summary: --page-tables-only says so, and leaves Pss, Uss and Locked null" \
	jqe '.page_tables_only == true and .sharing == false and
	     .pss == null and .uss == null and .locked == null' "$tmp/out"
same "summary: --page-tables-only Rss equals smaps_rollup" \
	"$(jq -r '.rss / 1024' "$tmp/out")" "$(rollup Rss)"
check "summary: --page-tables-only Dirty and Referenced are at most smaps_rollup's" \
	jqe ".dirty / 1024 <= $(($(rollup Shared_Dirty) + $(rollup Private_Dirty))) and
	     .referenced / 1024 <= $(rollup Referenced)" "$tmp/out"
run summary self --json
check "summary: self is memlab itself" jqe '.comm == "memlab" and .rss > 0' "$tmp/out"

# --- maps --------------------------------------------------------------------

# start size rss pss uss anon swap anonhuge, in kB, one line per mapping.
# Pss and Uss count the other processes that map the same pages - and
# memlab, awk and jq map libc as they run - so they are compared for
# anonymous memory only ("-" for file mappings, inode not 0).
smaps_table() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { split($1, a, "-"); start = a[1]; sub(/^0+/, "", start)
				     file = $5 != 0 }
	     $1 == "Size:" { size = $2 } $1 == "Rss:" { rss = $2 } $1 == "Pss:" { pss = $2 }
	     $1 == "Private_Clean:" { pc = $2 } $1 == "Private_Dirty:" { pd = $2 }
	     $1 == "Anonymous:" { anon = $2 } $1 == "Swap:" { swap = $2 }
	     $1 == "AnonHugePages:" { ahp = $2 }
	     $1 == "VmFlags:" && start != "ffffffffff600000" {
		print start, size, rss, file ? "-" : pss, file ? "-" : pc + pd, anon, swap, ahp }' \
		"/proc/$pid/smaps"
}

run_ok "maps: text" maps "$pid"
check "maps: the pmap -X columns" grep -Eq \
	'^Address +Perm +Segment +Size +Rss +Pss +Anon +File +Shmem +Swap +AnonHuge +Dirty +Mapping$' \
	"$tmp/out"
for name in '\[heap\]' '\[stack\]' 'libc\.so\.6' 'demo-workload'; do
	grep -Eq "$name\$" "$tmp/out" || not_ok "maps: no mapping named $name"
done
check "maps: a total line" grep -q '^total (' "$tmp/out"
# The workload is stopped, but khugepaged still collapses its child's
# half-copied THP now and then: compare only a read that smaps saw the
# same before and after.
for attempt in 1 2 3 4 5; do
	smaps_table >"$tmp/maps.before"
	run maps "$pid" --json
	smaps_table >"$tmp/maps.smaps"
	cmp -s "$tmp/maps.before" "$tmp/maps.smaps" && break
	log "maps: the workload changed while memlab read it (attempt $attempt)"
done
json_ok maps "$tmp/out"
cp "$tmp/out" "$tmp/maps.json"
jq -r '.vmas[] | (.inode != 0) as $file |
	"\(.start | ltrimstr("0x")) \(.size / 1024) \(.rss / 1024)" +
	" \(if $file then "-" else .pss / 1024 | floor end)" +
	" \(if $file then "-" else .uss / 1024 end)" +
	" \(.anon / 1024) \(.swap / 1024) \(.anon_huge / 1024)"' "$tmp/out" >"$tmp/maps.memlab"
if diff "$tmp/maps.smaps" "$tmp/maps.memlab" >"$tmp/maps.diff"; then
	ok "maps: every mapping's Size, Rss, Anonymous, Swap, AnonHugePages (and Pss, Uss of anonymous ones) equal /proc/PID/smaps ($(wc -l <"$tmp/maps.smaps") mappings)"
else
	not_ok "maps: per-mapping numbers differ from /proc/PID/smaps (- smaps, + memlab)"
	diag "$tmp/maps.diff"
fi
# The table itself, with exact numbers: start and Rss of each row.
run maps "$pid" --bytes
awk '/^[0-9a-f]+-[0-9a-f]+ / { split($1, a, "-"); s = a[1]; sub(/^0+/, "", s); print s, $5 / 1024 }' \
	"$tmp/out" >"$tmp/maps.table"
awk '{ print $1, $3 }' "$tmp/maps.smaps" >"$tmp/maps.rss"
check "maps --bytes: the Rss column equals smaps Rss, row by row" \
	diff -q "$tmp/maps.rss" "$tmp/maps.table"
same "maps: as many mappings as summary's Vmas" "$(jq '.vmas | length' "$tmp/maps.json")" \
	"$(sum .vmas)"

# --- scan --------------------------------------------------------------------

pages_kb() {	# kB of the pages memlab scan ARGS reports
	"$memlab" scan "$pid" "$@" --json | jq '.pages * 4'
}

run_ok "scan: text" scan "$pid" --require present
check "scan: text ends with the count" grep -Eq '^[0-9]+ regions?, [0-9]+ pages?' "$tmp/out"
run scan "$pid" --json
json_ok scan "$tmp/out"
check "scan: regions in order, not overlapping, their pages add up" \
	regions_in_order "$tmp/out"
same "scan: present pages are smaps_rollup Rss" "$(pages_kb --require present)" "$(rollup Rss)"
same "scan: swapped pages are smaps_rollup Swap" "$(pages_kb --require swapped)" "$(rollup Swap)"
same "scan: huge pages are smaps_rollup AnonHugePages" "$(pages_kb --require huge)" \
	"$(rollup AnonHugePages)"
same "scan: --exclude present --require swapped is --require swapped" \
	"$(pages_kb --exclude present --require swapped)" "$(rollup Swap)"
same "scan: --any present,swapped is present + swapped" "$(pages_kb --any present,swapped)" \
	"$(($(rollup Rss) + $(rollup Swap)))"
# kB of [START, END) that /proc/PID/pagemap says are in swap (bit 62).
# MADV_PAGEOUT may leave a page or two of the 4 MiB in memory.
pagemap_swapped_kb() {
	local n=0 v
	for v in $(dd if="/proc/$pid/pagemap" bs=8 skip=$(($1 / 4096)) \
		      count=$((($2 - $1) / 4096)) 2>/dev/null | od -An -v -tx8); do
		((0x$v >> 62 & 1)) && n=$((n + 1))
	done
	echo $((n * 4))
}

swap_end=$(printf '0x%x' $((swap_addr + 4 * 1024 * 1024)))
same "scan: --start/--end over the swapped 4 MiB is pagemap's swap there" \
	"$(pages_kb --start "$swap_addr" --end "$swap_end" --require swapped)" \
	"$(pagemap_swapped_kb "$swap_addr" "$swap_end")"
run scan "$pid" --require present --max-pages 3 --json
check "scan: --max-pages 3 stops after 3 pages" \
	jqe '.pages == 3 and .walk_end != .end' "$tmp/out"
run scan "$pid" --require present --return present --json
check "scan: --return present gives regions with only present" \
	jqe '[.regions[].categories] | unique == [["present"]]' "$tmp/out"
expect_error "scan: unknown category" 2 "unknown category 'bogus'" scan "$pid" --require present,bogus
expect_error "scan: required and excluded" 2 "both required and excluded" \
	scan "$pid" --require present --exclude present
expect_error "scan: bad --start" 2 "bad --start 'xyz'" scan "$pid" --start xyz
expect_error "scan: --end past user space" 2 "past the top of the user address space" \
	scan "$pid" --end 0xffffffffffff0000

# --- vtop --------------------------------------------------------------------

# The PFN /proc/PID/pagemap gives for ADDR (root sees it).
pagemap_pfn() {
	local hex
	hex=$(dd if="/proc/$pid/pagemap" bs=8 skip=$(($1 / 4096)) count=1 2>/dev/null |
		od -An -tx8 | tr -d ' ')
	echo $((0x$hex & ((1 << 55) - 1)))
}

run_ok "vtop: text, a swapped page" vtop "$pid" "$swap_addr" &&
	check "vtop: text says swap" grep -Eq '^Result: +swap type [0-9]+ offset 0x' "$tmp/out"
levels_shown=$(grep -Ec '^(pgd|p4d|pud|pmd|pte) ' "$tmp/out")
same "vtop: one line per level the walk read ($levels-level paging)" "$levels_shown" \
	"$((levels))"
run vtop "$pid" "$swap_addr" --json
json_ok vtop "$tmp/out"
check "vtop: a swapped page is swap" jqe '.result == "swap" and .privileged' "$tmp/out"
run vtop "$pid" "$thp_addr" --json
check "vtop: a THP page is present, 2 MiB" jqe '.result == "present" and .page_shift == 21' \
	"$tmp/out"
same "vtop: its PFN is pagemap's" "$(jq .pfn "$tmp/out")" "$(pagemap_pfn "$thp_addr")"
run vtop "$pid" "$cow_addr" --json
same "vtop: a copy-on-write page's PFN is pagemap's" "$(jq .pfn "$tmp/out")" \
	"$(pagemap_pfn "$cow_addr")"
expect_error "vtop: address not mapped" 1 "0x1000 is not mapped in process $pid" vtop "$pid" 0x1000
expect_error "vtop: bad address" 2 "bad address 'nowhere'" vtop "$pid" nowhere
expect_error "vtop: kernel address" 2 "outside the user address space" vtop "$pid" 0xffffffff81000000

# --- map ---------------------------------------------------------------------

vmas=$(sum .vmas)
run_ok "map: text" map "$pid"
check "map: one row per mapping" test "$(grep -Ec '^[0-9a-f]{12,} +[r-][w-][x-][sp] ' "$tmp/out")" = "$vmas"
check "map: a legend and a scale" grep -q '^Legend: # present' "$tmp/out"
check "map: gaps marked" grep -Eq '~~ [0-9.]+ [kMGT]?B unmapped ~~' "$tmp/out"
check "map: not a terminal, no colour" no_colour "$tmp/out"
check "map: the THP rows show huge cells" grep -Eq '^[0-9a-f]+ +rw-p +anon .*HHHH' "$tmp/out"
check "map: the swapped range shows swapped cells" grep -Eq '^[0-9a-f]+ +rw-p +anon .*ssss' "$tmp/out"
run map "$pid" --color always
check "map: --color always colours" grep -q $'\e\\[' "$tmp/out"
run_env=(NO_COLOR=1)
run map "$pid" --color auto
run_env=()
check "map: NO_COLOR, no colour" no_colour "$tmp/out"
run map "$pid" --json
json_ok map "$tmp/out"
check "map: a row per mapping, cells within the width" \
	jqe --argjson n "$vmas" '(.rows | length) == $n and
		all(.rows[]; (.cells | length) <= 64 and (.cells | length) >= 1)' "$tmp/out"
same "map: present adds up to smaps_rollup Rss" "$(jq '.present / 1024' "$tmp/out")" "$(rollup Rss)"
same "map: swapped adds up to smaps_rollup Swap" "$(jq '.swapped / 1024' "$tmp/out")" "$(rollup Swap)"
run_ok "map: --svg FILE" map "$pid" --svg "$tmp/map.svg"
check "map: the SVG is written" test -s "$tmp/map.svg"
if command -v xmllint >/dev/null; then
	check "map: the SVG is well-formed XML (xmllint)" xmllint --noout "$tmp/map.svg"
else
	skip_check "map: the SVG is well-formed XML" "xmllint is not installed"
fi
if command -v rsvg-convert >/dev/null; then
	rsvg-convert -o "$tmp/map.png" "$tmp/map.svg"
	check "map: rsvg-convert draws the SVG" test -s "$tmp/map.png"
else
	skip_check "map: rsvg-convert draws the SVG" "librsvg2-bin is not installed"
fi
run map "$pid" --svg -
check "map: --svg - writes only the SVG to stdout" \
	test "$(head -n 1 "$tmp/out" | cut -c1-5)$(tail -n 1 "$tmp/out")" = "<?xml</svg>"
expect_error "map: --width too small" 2 "--width 3 is not between" map "$pid" --width 3
expect_error "map: SVG not writable" 1 "cannot write /nonexistent/map.svg" \
	map "$pid" --svg /nonexistent/map.svg

# --- inject, restore, faults -------------------------------------------------

case " $features " in
*" inject "*)
	# The workload is stopped: arm pages of it, and read them back.
	# Its swapped-out pages are small pages, not THPs shared with its
	# child (which nobody can split).
	armed=$(printf '0x%x' $((swap_addr + 8192)))
	armed_end=$(printf '0x%x' $((swap_addr + 16384)))
	run_ok "inject: two pages, deny w" inject "$pid" "$armed" 8192 --deny w &&
		check "inject: says what it armed" grep -Eq \
			"^fault [0-9]+ armed: pid $pid 0*${armed#0x}-0*${armed_end#0x} deny w, persistent\$" "$tmp/out"
	fault_id=$(sed -n 's/^fault \([0-9]*\) armed.*/\1/p' "$tmp/out")
	run_ok "inject --json: deny r --oneshot" --json inject "$pid" "$swap_addr" 4096 --deny r --oneshot
	json_ok "inject" "$tmp/out"
	check "inject --json: deny r is enforced as rwx" \
		jqe '.faults[0] | .deny == "r" and .enforced == "rwx" and .mode == "oneshot" and .state == "armed"' "$tmp/out"
	run_ok "faults --json" --json faults
	json_ok "faults" "$tmp/out"
	check "faults: both, with their ranges and no hits" jqe --arg s "$armed" \
		'(.faults | length) == 2 and (.faults[0] | .start == $s and .hits == 0 and .pid > 0)' "$tmp/out"
	run_ok "faults: a table" faults
	check "faults: the table has a header and two rows" \
		test "$(grep -c . "$tmp/out")" = 3
	same "scan --require armed: the armed pages" \
		"$(pages_kb --require armed)" 12
	run_ok "map: shows armed pages" map "$pid" --color never
	check "map: '!' cells and the legend say armed" grep -q '!.*armed fault' "$tmp/out"
	expect_error "inject: overlap" 1 "overlaps a fault armed already" \
		inject "$pid" "$armed" 4096 --deny x
	expect_error "inject: not mapped" 1 "is not wholly mapped in process $pid" \
		inject "$pid" 0x1000 4096 --deny w
	expect_error "inject: init" 1 "will not arm faults in init" inject 1 0x1000 4096 --deny w
	expect_error "restore: unknown id" 1 "no fault with that id" restore 999999
	run_ok "restore: one" restore "$fault_id" &&
		check "restore: says so" grep -qx 'restored 1 fault' "$tmp/out"
	run_ok "restore --all --json" --json restore --all &&
		check "restore --all: the other one" jqe '.restored == 1' "$tmp/out"
	run_ok "faults: none left" --json faults &&
		check "faults: an empty list" jqe '.faults == []' "$tmp/out"
	;;
*)
	expect_error "inject: module without fault injection" 1 \
		"cannot inject faults" inject "$pid" "$swap_addr" 4096 --deny w
	;;
esac
expect_error "inject: unaligned" 2 "must be whole pages" inject "$pid" 0x1001 4096 --deny w
expect_error "inject: bad --deny" 2 "--deny takes letters of rwx" inject "$pid" 0x1000 4096 --deny q
expect_error "restore: no ID" 2 "missing fault ID" restore

# --- errors ------------------------------------------------------------------

run_env=(MEMLAB_DEVICE=/nonexistent/memlab)
expect_error "module not loaded" 1 \
	"the memlab module is not loaded.*\\(load it: insmod memlab.ko, or try it safely in a VM: make vm\\)" \
	summary "$pid"
run_env=(MEMLAB_DEVICE=/dev/null)
expect_error "not a memlab device" 1 "/dev/null is not a memlab device" maps "$pid"
run_env=()

sh -c 'exit 0' &
dead=$!
wait "$dead"
expect_error "no such process" 1 "no such process: $dead" summary "$dead"

( sleep 0 & echo $! >"$tmp/zombie"; exec sleep 60 ) &
pids+=($!)
disown
for _ in $(seq 100); do
	[ -s "$tmp/zombie" ] && grep -q '^State:.*zombie' "/proc/$(cat "$tmp/zombie")/status" 2>/dev/null &&
		break
	sleep 0.1
done
expect_error "a zombie" 1 "is a zombie" maps "$(cat "$tmp/zombie")"
expect_error "a kernel thread" 1 "pid 2 is a kernel thread" summary 2
expect_error "not a pid" 2 "'abc' is not a process id" summary abc
expect_error "pid 0" 2 "'0' is not a process id" maps 0
expect_error "missing PID" 2 "missing PID" summary
expect_error "extra argument" 2 "unexpected argument 'extra'" summary "$pid" extra
expect_error "unknown command" 2 "unknown command 'frobnicate'" frobnicate
expect_error "unknown option" 2 "unknown option '--frob'" maps "$pid" --frob
expect_error "option without its value" 2 "needs a value" scan "$pid" --start

# As nobody: another process needs CAP_SYS_PTRACE; its own, nothing, but
# the physical side of vtop is hidden.
if command -v setpriv >/dev/null && command -v setarch >/dev/null; then
	nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	expect_error "permission denied" 1 "permission denied: .*pid $pid.* needs CAP_SYS_PTRACE" \
		summary "$pid"
	expect_error "permission denied (scan)" 1 "needs CAP_SYS_PTRACE" scan "$pid"
	case " $features " in
	*" inject "*)
		expect_error "inject: unprivileged" 1 \
			"arming and restoring faults needs CAP_SYS_ADMIN" \
			inject "$pid" "$cow_addr" 4096 --deny w
		;;
	esac
	run_as=()
	nobody "$memlab" summary self --json >"$tmp/out" 2>"$tmp/err"
	check "unprivileged: summary self works" jqe '.rss > 0' "$tmp/out"
	# Without address randomisation, the stack ends at the same place in
	# every run: ask for the top page of memlab's own stack.
	stack_end=$(nobody setarch "$(uname -m)" -R "$memlab" maps self --json |
		jq -r '.vmas[] | select(.segment == "stack") | .end')
	top=$(printf '0x%x' $((stack_end - 4096)))
	nobody setarch "$(uname -m)" -R "$memlab" vtop self "$top" --json >"$tmp/out" 2>"$tmp/err"
	check "unprivileged: vtop self hides PFNs and raw entries (CAP_SYS_ADMIN)" \
		jqe '.result == "present" and .pfn == null and .privileged == false and
			all(.levels[]; .value == null)' "$tmp/out"
	nobody setarch "$(uname -m)" -R "$memlab" vtop self "$top" >"$tmp/out" 2>&1
	check "unprivileged: vtop text says why" grep -q 'hidden without CAP_SYS_ADMIN' "$tmp/out"
else
	skip_check "permission denied" "setpriv or setarch is not installed"
fi

echo "1..$n"
[ "$failures" = 0 ] || fail "$failures of $n checks failed"
log "$n checks passed"
