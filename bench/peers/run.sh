#!/usr/bin/env bash
# run.sh - per-call overhead of hpcc and its peers, side by side from one run.
#
# Builds bench/peers/peers.c once per variant into a temporary directory
# (removed at exit), runs the variants round-robin (the starting variant
# rotates each round, so machine noise and ordering hit all alike), and
# prints one markdown table of medians.  Every figure is measured inside
# the program around the call loop; nothing here is hard-coded.
#
# usage: bash bench/peers/run.sh [--calls N] [--rounds R] [--build-dir DIR]
#                                [--cc COMPILER] [--keep]
#   --calls N        timed calls per run (default 10000000; a warm-up of
#                    N/10 calls runs first)
#   --rounds R       runs per variant; the table shows the median (default 7)
#   --build-dir DIR  CMake build tree holding bin/hpcc and lib/libhotpath.a
#                    (default: <repo>/build)
#   --cc COMPILER    default gcc (-pg and -finstrument-functions as gcc has them)
#   --keep           keep the temporary directory and say where it is
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
calls=10000000
rounds=7
build_dir=$root/build
cc=gcc
keep=0

die() { echo "run.sh: error: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--calls) calls=${2:?}; shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--build-dir) build_dir=${2:?}; shift 2 ;;
	--cc) cc=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
done
case $calls in ''|*[!0-9]*|0) die "--calls wants a positive integer" ;; esac
case $rounds in ''|*[!0-9]*|0) die "--rounds wants a positive integer" ;; esac
build_dir=$(cd "$build_dir" 2>/dev/null && pwd || echo "$build_dir")
command -v "$cc" >/dev/null || die "compiler '$cc' not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpcc-peers.XXXXXX")
if [ "$keep" = 1 ]; then
	trap 'echo "run.sh: kept $tmp" >&2' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi
mkdir -p "$tmp/bin"

src=$here/peers.c
warn="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
opt="-O2"
expected=$((calls + calls / 10)) # timed calls + warm-up

# Variant bookkeeping: ids in table order; label, run command (an array
# literal, eval'd in the run directory), and why a variant is out.
ids=(plain rdtsc mono cyg gprof uftrace hpcc hpccj hand)
declare -A label run why
label[plain]="plain (gcc $opt, no instrumentation)"
label[rdtsc]="floor: rdtsc pair"
label[mono]="floor: clock_gettime(MONOTONIC) pair"
label[cyg]="-finstrument-functions + clock/totals hooks"
label[gprof]="gprof (-pg, mcount)"
label[uftrace]="uftrace record (-pg build)"
label[hpcc]="hpcc (hpcc $cc $opt, /* @hotpath */)"
label[hpccj]="hpcc, JSON report (via the worker)"
label[hand]="hpcc guard macros by hand + libhotpath.a"

# build ID CMD...: compile one variant, or record why it could not be.
build() {
	local id=$1; shift
	if ! "$@" >"$tmp/build-$id.log" 2>&1; then
		why[$id]="build failed: $(grep -m1 -i 'error' "$tmp/build-$id.log" ||
			head -n1 "$tmp/build-$id.log")"
		return 1
	fi
}

is_x86=0
case $(uname -m) in x86_64|i?86) is_x86=1 ;; esac

echo "run.sh: building variants in $tmp" >&2
build plain $cc $opt $warn "$src" -o "$tmp/bin/plain" &&
	run[plain]='"$tmp/bin/plain" $calls'
if [ $is_x86 = 1 ]; then
	build rdtsc $cc $opt $warn -DPEERS_FLOOR_RDTSC "$src" -o "$tmp/bin/rdtsc" &&
		run[rdtsc]='"$tmp/bin/rdtsc" $calls'
	build cyg sh -c "$cc $opt $warn -c '$here/cyg_hooks.c' -o '$tmp/cyg_hooks.o' &&
		$cc $opt $warn -finstrument-functions '$src' '$tmp/cyg_hooks.o' -o '$tmp/bin/cyg'" &&
		run[cyg]='PEERS_CYG_REPORT=1 "$tmp/bin/cyg" $calls'
else
	why[rdtsc]="rdtsc is x86 only (this is $(uname -m))"
	why[cyg]="the hooks read rdtsc: x86 only (this is $(uname -m))"
fi
build mono $cc $opt $warn -DPEERS_FLOOR_MONO "$src" -o "$tmp/bin/mono" &&
	run[mono]='"$tmp/bin/mono" $calls'
if build gprof $cc $opt $warn -pg "$src" -o "$tmp/bin/pg"; then
	run[gprof]='"$tmp/bin/pg" $calls'
	# uftrace records the very same -pg binary.
	if command -v uftrace >/dev/null; then
		run[uftrace]='uftrace record -d "$PWD/uftrace.data" "$tmp/bin/pg" $calls'
	else
		why[uftrace]="uftrace not installed (Debian: apt-get install uftrace)"
	fi
else
	why[uftrace]="needs the -pg build, which failed"
fi

hpcc_bin=$build_dir/bin/hpcc
libhotpath=$build_dir/lib/libhotpath.a
cjson_libs=$(pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
if [ -x "$hpcc_bin" ]; then
	build hpcc "$hpcc_bin" $cc $opt $warn "$src" -o "$tmp/bin/hpcc" &&
		run[hpcc]='HOTPATH_FORMAT=metrics HOTPATH_OUTPUT="$PWD/report.prom" "$tmp/bin/hpcc" $calls' &&
		run[hpccj]='HOTPATH_FORMAT=json HOTPATH_OUTPUT="$PWD/report.json" "$tmp/bin/hpcc" $calls'
else
	why[hpcc]="$hpcc_bin not built (cmake --build ${build_dir#$root/} --target hpcc hotpath)"
	why[hpccj]=${why[hpcc]}
fi
if [ -f "$libhotpath" ]; then
	build hand $cc $opt $warn -DPEERS_HAND_HOTPATH -I"$root/runtime/include" \
		"$src" "$libhotpath" $cjson_libs -pthread -lm -o "$tmp/bin/hand" &&
		run[hand]='HOTPATH_FORMAT=metrics HOTPATH_OUTPUT="$PWD/report.prom" "$tmp/bin/hand" $calls'
else
	why[hand]="$libhotpath not built (cmake --build ${build_dir#$root/} --target hotpath)"
fi

# run_one ID ROUND: one process of one variant in its own directory (gmon.out
# and uftrace.data land there); appends ns/call to $tmp/ns-ID.
run_one() {
	local id=$1 r=$2 dir=$tmp/run-$1 ns
	mkdir -p "$dir"
	rm -rf "$dir/uftrace.data" "$dir/gmon.out" "$dir/report.json" "$dir/report.prom"
	local st=0
	(cd "$dir" && eval "${run[$id]}") >"$dir/out" 2>"$dir/err" || st=$?
	if [ $st != 0 ]; then
		why[$id]="exited with status $st in round $r: $(head -c 300 "$dir/err" | tr '\n' ' ')"
		unset "run[$id]"
		return
	fi
	ns=$(sed -n 's/^peers: ns_per_call \([0-9.]*\) .*/\1/p' "$dir/out")
	if [ -z "$ns" ]; then
		why[$id]="no ns_per_call line in round $r: $(head -c 300 "$dir/err" | tr '\n' ' ')"
		unset "run[$id]"
		return
	fi
	echo "$ns" >>"$tmp/ns-$id"
	[ "$r" = 1 ] && evidence "$id" "$dir"
	if [ "$id" = uftrace ]; then # ~32 bytes per call: do not keep R copies
		du -sm "$dir/uftrace.data" | cut -f1 >"$dir/size-mb"
		grep -i 'lost' "$dir/err" >"$dir/lost" || true
		rm -rf "$dir/uftrace.data"
	fi
}

# evidence ID DIR: after round 1, check that the tool really saw every call
# (expected = timed calls + warm-up).  One line per variant in $tmp/evidence;
# a count that differs is flagged, since a row that dropped calls is unfair.
evidence() {
	local id=$1 dir=$2 n="" how="" extra=""
	case $id in
	cyg)
		n=$(sed -n 's/^cyg: fn .* calls \([0-9]*\) .*/\1/p' "$dir/err" | sort -n | tail -n1)
		how="the hooks' own table"
		extra=", dropped $(sed -n 's/^cyg: dropped //p' "$dir/err")" ;;
	gprof)
		how="gprof -b -p on gmon.out"
		[ -f "$dir/gmon.out" ] || extra=" (no gmon.out written)"
		n=$( (cd "$dir" && gprof -b -p "$tmp/bin/pg" gmon.out 2>/dev/null) |
			awk '$NF == "work" && NF >= 6 { print $4 }' | head -n1) ;;
	uftrace)
		how="uftrace report"
		n=$(uftrace report -d "$dir/uftrace.data" 2>/dev/null |
			awk '$NF == "work" { print $(NF-1) }' | head -n1) ;;
	hpcc|hand)
		how="the metrics report"
		if [ ! -s "$dir/report.prom" ]; then
			extra=" (no metrics report written: HOTPATH_OUTPUT ignored?)"
		else
			n=$(sed -n 's/^hotpath_calls_total{function="work",.*} //p' "$dir/report.prom")
			extra=", lost $(sed -n 's/^hotpath_lost_total //p' "$dir/report.prom")"
		fi ;;
	hpccj)
		how="the JSON report"
		if [ ! -s "$dir/report.json" ]; then
			extra=" (no JSON report written: HOTPATH_OUTPUT ignored?)"
		elif ! command -v jq >/dev/null; then
			extra=" (install jq to read report.json)"
		else
			n=$(jq -r '(.functions // []) | map(select(.name == "work")) | .[0].calls // empty' \
				"$dir/report.json" 2>/dev/null || true)
			extra=", lost $(jq -r '.lost // "?"' "$dir/report.json" 2>/dev/null || echo '?')"
		fi ;;
	*) return 0 ;;
	esac
	local verdict="ok"
	[ "$n" = "$expected" ] || verdict="MISMATCH: this row may not measure what it claims"
	echo "$id: ${n:-?} calls of work by $how (expected $expected)$extra: $verdict" >>"$tmp/evidence"
}

# Round-robin: each round runs every live variant once, starting one later.
n=${#ids[@]}
for ((r = 1; r <= rounds; r++)); do
	order=()
	for ((k = 0; k < n; k++)); do
		id=${ids[$(((k + r - 1) % n))]}
		[ -n "${run[$id]+x}" ] && order+=("$id")
	done
	echo "run.sh: round $r/$rounds: ${order[*]}" >&2
	for id in "${order[@]}"; do
		[ -n "${run[$id]+x}" ] && run_one "$id" "$r"
	done
done

# median MIN MAX of a file of numbers
stats() { sort -g "$1" | awk '{ a[NR] = $1 } END {
	m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
	printf "%s %s %s %d\n", m, a[1], a[NR], NR }'; }

declare -A med lo hi cnt
for id in "${ids[@]}"; do
	if [ -s "$tmp/ns-$id" ]; then
		read -r med[$id] lo[$id] hi[$id] cnt[$id] < <(stats "$tmp/ns-$id")
	fi
done

# ---- report ---------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)
echo
echo "## Per-call overhead: hpcc and its peers"
echo
echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores online, $(uname -sr), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
echo "- compiler: $($cc --version | head -n1)"
command -v uftrace >/dev/null && echo "- uftrace: $(uftrace --version 2>/dev/null | head -n1)"
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- workload: $calls timed calls of a noinline/noipa one-line function (after $((calls / 10)) warm-up calls), timed inside the program with CLOCK_MONOTONIC; $rounds rounds, variants interleaved round-robin; median and min..max of the rounds"
echo "- reproduce: (cd $root && bash bench/peers/run.sh --calls $calls --rounds $rounds --build-dir ${build_dir#$root/})"
echo
printf '| %-44s | %13s | %14s | %14s | %17s |\n' "variant" "ns/call (med)" "added vs plain" "x rdtsc floor" "min..max ns/call"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "$(printf -- '-%.0s' {1..14}):" \
	"$(printf -- '-%.0s' {1..15}):" "$(printf -- '-%.0s' {1..15}):" "$(printf -- '-%.0s' {1..18}):"
base=${med[plain]:-}
floor=""
[ -n "$base" ] && [ -n "${med[rdtsc]:-}" ] && floor=$(awk -v a="${med[rdtsc]}" -v b="$base" 'BEGIN { print a - b }')
for id in "${ids[@]}"; do
	if [ -z "${med[$id]:-}" ]; then
		printf '| %-44s | %13s | %14s | %14s | %17s |\n' "${label[$id]}" "n/a" "n/a" "n/a" "see below"
		continue
	fi
	added="n/a" ratio="n/a"
	if [ -n "$base" ]; then
		added=$(awk -v a="${med[$id]}" -v b="$base" 'BEGIN { printf "%.2f", a - b }')
		[ "$id" = plain ] && added="0 (baseline)"
		if [ -n "$floor" ] && [ "$id" != plain ]; then
			ratio=$(awk -v a="${med[$id]}" -v b="$base" -v f="$floor" \
				'BEGIN { if (f > 0) printf "%.2f", (a - b) / f; else print "n/a" }')
		elif [ "$id" = plain ]; then
			ratio="-"
		fi
	fi
	printf '| %-44s | %13.2f | %14s | %14s | %17s |\n' "${label[$id]}" "${med[$id]}" "$added" "$ratio" \
		"$(printf '%.2f..%.2f' "${lo[$id]}" "${hi[$id]}")"
done
echo
echo "\"added\" = median ns/call minus plain's; \"x rdtsc floor\" = added / (rdtsc floor's added): 1.00 means as cheap as just reading the TSC twice."
if [ "${cnt[uftrace]:-0}" != 0 ]; then
	echo "uftrace wrote $(cat "$tmp/run-uftrace/size-mb") MB of trace per run (the writer runs in the uftrace process, on another core when one is free)."
fi

echo
echo "Checks (round 1: did each tool record every call?):"
if [ -s "$tmp/evidence" ]; then sed 's/^/- /' "$tmp/evidence"; fi
if [ -s "$tmp/run-uftrace/lost" ]; then
	echo "- uftrace reported lost records: $(head -n1 "$tmp/run-uftrace/lost")"
fi
out=0
for id in "${ids[@]}"; do
	if [ -n "${why[$id]:-}" ]; then
		[ $out = 0 ] && { echo; echo "Not measured:"; out=1; }
		echo "- ${label[$id]}: ${why[$id]}"
	fi
done
exit 0
