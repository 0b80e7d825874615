#!/usr/bin/env bash
# run.sh - calls per second of a tiny measured function for 1..N threads,
# hpcc against a plain build of the same source (issue 14, item 2).
#
# Builds bench/threads/threads.c twice into a temporary directory (removed
# at exit): `CC -O2` (the reference) and `hpcc CC -O2` (its `work` is
# annotated /* @hotpath */).  Each run starts T threads that make CALLS
# calls each after WARM warm-up calls; the program times the parallel
# section alone (barrier release to the last join, CLOCK_MONOTONIC).  The
# plain build makes PLAIN_CALLS calls per thread (default 10 x CALLS), so
# that its runs last about as long as hpcc's: a run of a few milliseconds
# measures the scheduler's time slices on a shared machine, not the calls.
# The sampled build makes SAMPLED_CALLS (default 10 x CALLS too: its
# untimed calls cost a few ns, and 5M of them took ~25 ms).  Each
# round runs every thread count with every variant, the variants' order
# rotating from round to round, so load on a shared machine hits all
# alike; the table shows medians of the rounds.  The hpcc runs write the
# default report (the table) to a temporary file, as a user's would cost,
# and each one's Calls of `work` is checked against T x (CALLS + WARM).
# After the rounds one extra run per thread count writes JSON to check
# the count, `lost` and (sampled) `timed_calls`; that run is not timed.
# Numbers only: a benchmark, not a test; CTest does not run it.
#
# usage: bash bench/threads/run.sh [--calls N] [--warm N] [--rounds R]
#                                  [--threads LIST | --max-threads N]
#                                  [--plain-calls N] [--sampled-calls N]
#                                  [--sample N]
#                                  [--build-dir DIR]
#                                  [--cc COMPILER] [--keep]
# With 2 or more CPUs, each round also runs 1 thread pinned to each CPU
# in turn (taskset), and the report compares nproc threads' summed
# per-thread rates (threads.c's rate_sum) with the mean of those pinned
# rates: on a VM whose vCPUs differ in speed, the plain ratio compares a
# pair that finishes at its slower thread's pace with a single thread on
# whichever vCPU it landed.
#
#   --calls N        calls per thread in the timed section (default 5000000)
#   --warm N         warm-up calls per thread before the barrier
#                    (default CALLS/10)
#   --plain-calls N  calls per thread of the plain build (default 10 x
#                    CALLS; its warm-up is a tenth of that)
#   --sampled-calls N  the same for the HOTPATH_SAMPLE build (default 10 x
#                    CALLS)
#   --rounds R       runs per variant and thread count; medians (default 5)
#   --max-threads N  thread counts 1..N (default max(nproc, 4); past 8 the
#                    counts are 1, 2, 4, ..., nproc and N)
#   --threads LIST   thread counts, e.g. 1,2,4,8 (must include 1: scaling
#                    is relative to it)
#   --sample N       also time the hpcc build with HOTPATH_SAMPLE=N
#                    (default 64; 0 leaves the sampled rows out)
#   --build-dir DIR  CMake build tree holding bin/hpcc (default <repo>/build)
#   --cc COMPILER    default gcc
#   --keep           keep the temporary directory and say where it is
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
calls=5000000
warm=""
plain_calls=""
sampled_calls=""
rounds=5
max_threads=""
threads_list=""
sample=64
build_dir=$root/build
cc=gcc
keep=0

die() { echo "run.sh: error: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--calls) calls=${2:?}; shift 2 ;;
	--warm) warm=${2:?}; shift 2 ;;
	--plain-calls) plain_calls=${2:?}; shift 2 ;;
	--sampled-calls) sampled_calls=${2:?}; shift 2 ;;
	--rounds) rounds=${2:?}; shift 2 ;;
	--max-threads) max_threads=${2:?}; shift 2 ;;
	--threads) threads_list=${2:?}; shift 2 ;;
	--sample) sample=${2:?}; shift 2 ;;
	--build-dir) build_dir=${2:?}; shift 2 ;;
	--cc) cc=${2:?}; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
done
posint() { case $2 in ''|*[!0-9]*|0) die "$1 wants a positive integer" ;; esac; }
posint --calls "$calls"
posint --rounds "$rounds"
[ -z "$warm" ] && warm=$((calls / 10))
[ -z "$plain_calls" ] && plain_calls=$((calls * 10))
posint --plain-calls "$plain_calls"
plain_warm=$((plain_calls / 10))
[ -z "$sampled_calls" ] && sampled_calls=$((calls * 10))
posint --sampled-calls "$sampled_calls"
sampled_warm=$((sampled_calls / 10))
# calls_of ID: "CALLS WARM" of that variant's runs
calls_of() {
	case $1 in
	plain) echo "$plain_calls $plain_warm" ;;
	sampled) echo "$sampled_calls $sampled_warm" ;;
	*) echo "$calls $warm" ;;
	esac
}
case $warm in ''|*[!0-9]*) die "--warm wants a whole number" ;; esac
case $sample in ''|*[!0-9]*) die "--sample wants a whole number (0: off)" ;; esac
nproc=$(nproc)
if [ -n "$threads_list" ]; then
	IFS=, read -r -a counts <<<"$threads_list"
	for t in "${counts[@]}"; do posint --threads "$t"; done
	[[ ",$threads_list," == *,1,* ]] || die "--threads must include 1 (scaling is relative to it)"
else
	if [ -z "$max_threads" ]; then
		max_threads=$((nproc > 4 ? nproc : 4))
	fi
	posint --max-threads "$max_threads"
	counts=()
	if [ "$max_threads" -le 8 ]; then
		for ((t = 1; t <= max_threads; t++)); do counts+=("$t"); done
	else
		for ((t = 1; t < max_threads; t *= 2)); do counts+=("$t"); done
		[ "$nproc" -lt "$max_threads" ] && counts+=("$nproc")
		counts+=("$max_threads")
		mapfile -t counts < <(printf '%s\n' "${counts[@]}" | sort -nu)
	fi
fi
build_dir=$(cd "$build_dir" 2>/dev/null && pwd || echo "$build_dir")
command -v "$cc" >/dev/null || die "compiler '$cc' not found"
hpcc_bin=$build_dir/bin/hpcc
[ -x "$hpcc_bin" ] || die "$hpcc_bin not built (cmake --build ${build_dir#$root/} --target hpcc hotpath)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpcc-threads.XXXXXX")
if [ "$keep" = 1 ]; then
	trap 'echo "run.sh: kept $tmp" >&2' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi
mkdir -p "$tmp/bin"

src=$here/threads.c
warn="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
opt="-O2"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

echo "run.sh: building in $tmp" >&2
$cc $opt $warn -pthread "$src" -o "$tmp/bin/plain" >"$tmp/build-plain.log" 2>&1 ||
	die "the plain build failed: $(head -n3 "$tmp/build-plain.log")"
"$hpcc_bin" $cc $opt $warn -pthread "$src" -o "$tmp/bin/hpcc" >"$tmp/build-hpcc.log" 2>&1 ||
	die "the hpcc build failed: $(head -n3 "$tmp/build-hpcc.log")"
# hpcc falls back to an unmodified compile rather than fail: then there is
# nothing to measure.
grep -qi 'unchanged\|unmodified' "$tmp/build-hpcc.log" &&
	die "hpcc compiled threads.c unmodified: $(head -n1 "$tmp/build-hpcc.log")"

# Variants: run command prefix (environment) and binary.
ids=(plain hpcc)
declare -A env bin
env[plain]="HOTPATH_QUIET=1"; bin[plain]=plain
env[hpcc]="HOTPATH_QUIET=1"; bin[hpcc]=hpcc
if [ "$sample" != 0 ]; then
	ids+=(sampled)
	env[sampled]="HOTPATH_QUIET=1 HOTPATH_SAMPLE=$sample"; bin[sampled]=hpcc
fi

# calls_in_table FILE: Calls of the `work` row of a table report.
calls_in_table() {
	awk -F'|' '{ gsub(/ /, "", $2); gsub(/ /, "", $3) } $2 == "work" { print $3; exit }' "$1"
}

mismatch=0
# run_one ID T ROUND: one timed run; appends calls/s to $tmp/cps-ID-T and,
# for hpcc runs, checks the table's count of `work`.
run_one() {
	local id=$1 t=$2 r=$3 out=$tmp/out rep=$tmp/report.txt st=0 cps n c w expected
	read -r c w < <(calls_of "$id")
	expected=$((t * (c + w)))
	rm -f "$rep"
	env ${env[$id]} HOTPATH_OUTPUT="$rep" "$tmp/bin/${bin[$id]}" "$t" "$c" "$w" \
		>"$out" 2>"$tmp/err" || st=$?
	[ $st = 0 ] || die "$id with $t threads exited with status $st in round $r: $(head -c 300 "$tmp/err")"
	read -r cps cores rsum < <(awk '$1 == "threads:" { for (i = 2; i < NF; i++) v[$i] = $(i + 1)
		if (v["ns"] > 0) print v["calls_per_s"], v["cpu_ns"] / v["ns"], v["rate_sum"] }' "$out") || true
	[ -n "${cps:-}" ] || die "$id with $t threads printed no calls_per_s line in round $r"
	echo "$cps" >>"$tmp/cps-$id-$t"
	echo "$cores" >>"$tmp/cores-$id-$t"
	echo "$rsum" >>"$tmp/rsum-$id-$t"
	if [ "$id" != plain ]; then
		n=$( [ -s "$rep" ] && calls_in_table "$rep" || true)
		if [ "$n" != "$expected" ]; then
			mismatch=$((mismatch + 1))
			echo "$id, $t threads, round $r: the table shows ${n:-no} calls of work, expected $expected" >>"$tmp/mismatches"
		fi
	fi
}

# The CPUs to pin 1-thread runs to (taskset), when there are several:
# on a VM whose vCPUs run at different speeds, an unpinned 1-thread run
# lands on either, while T threads get all of them.
cpus=()
if [ "$nproc" -ge 2 ] && command -v taskset >/dev/null; then
	for part in $(tr ',' ' ' </sys/devices/system/cpu/online 2>/dev/null); do
		case $part in
		*-*) for ((c = ${part%-*}; c <= ${part#*-}; c++)); do cpus+=("$c"); done ;;
		*) cpus+=("$part") ;;
		esac
	done
fi
# run_pinned ID CPU ROUND: one timed 1-thread run on CPU; calls/s to
# $tmp/pin-ID-CPU (its count is checked as run_one's are not: the
# regular runs check the same binary).
run_pinned() {
	local id=$1 c=$2 r=$3 out=$tmp/out st=0 cps calls_ warm_
	read -r calls_ warm_ < <(calls_of "$id")
	env ${env[$id]} HOTPATH_OUTPUT=/dev/null taskset -c "$c" "$tmp/bin/${bin[$id]}" 1 \
		"$calls_" "$warm_" >"$out" 2>"$tmp/err" || st=$?
	[ $st = 0 ] || die "$id pinned to CPU $c exited with status $st in round $r: $(head -c 300 "$tmp/err")"
	cps=$(awk '$1 == "threads:" { for (i = 2; i < NF; i++) v[$i] = $(i + 1); print v["calls_per_s"] }' "$out")
	[ -n "$cps" ] || die "$id pinned to CPU $c printed no calls_per_s line in round $r"
	echo "$cps" >>"$tmp/pin-$id-$c"
}

nid=${#ids[@]}
for ((r = 1; r <= rounds; r++)); do
	order=()
	for ((k = 0; k < nid; k++)); do order+=("${ids[$(((k + r - 1) % nid))]}"); done
	echo "run.sh: round $r/$rounds: threads ${counts[*]}, ${order[*]}" >&2
	for t in "${counts[@]}"; do
		for id in "${order[@]}"; do run_one "$id" "$t" "$r"; done
	done
	for c in "${cpus[@]}"; do
		for id in plain hpcc; do run_pinned "$id" "$c" "$r"; done
	done
done

# One untimed run per thread count and hpcc variant with the JSON report:
# calls, lost and timed_calls of `work`.
json_check() {
	local id=$1 t=$2 js=$tmp/report.json c w expected
	read -r c w < <(calls_of "$id")
	expected=$((t * (c + w)))
	rm -f "$js"
	env ${env[$id]} HOTPATH_FORMAT=json HOTPATH_OUTPUT="$js" "$tmp/bin/${bin[$id]}" \
		"$t" "$c" "$w" >/dev/null 2>"$tmp/err" ||
		die "the JSON run of $id with $t threads failed: $(head -c 300 "$tmp/err")"
	python3 - "$js" "$expected" "$id" "$t" <<-'EOF'
	import json, sys
	path, expected, vid, t = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
	try:
	    r = json.load(open(path))
	except (OSError, ValueError) as e:
	    print(f"{vid}, {t} thread(s): no JSON report ({e}): MISMATCH")
	    sys.exit(1)
	w = [f for f in r.get("functions", []) if f.get("name") == "work"]
	n = w[0]["calls"] if w else None
	timed = w[0].get("timed_calls", "all") if w else "?"
	ok = n == expected
	print(f"{vid}, {t} thread(s): {n} calls of work (expected {expected}), "
	      f"timed {timed}, lost {r.get('lost', '?')}: {'ok' if ok else 'MISMATCH'}")
	sys.exit(0 if ok else 1)
	EOF
}
echo "run.sh: JSON checks (not timed)" >&2
: >"$tmp/json-checks"
for t in "${counts[@]}"; do
	for id in "${ids[@]}"; do
		[ "$id" = plain ] && continue
		json_check "$id" "$t" >>"$tmp/json-checks" || mismatch=$((mismatch + 1))
	done
done

# stats FILE: median, min and max of a file of numbers.
stats() { sort -g "$1" | awk '{ a[NR] = $1 } END {
	m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
	printf "%s %s %s\n", m, a[1], a[NR] }'; }
declare -A med lo hi cores
for id in "${ids[@]}"; do
	for t in "${counts[@]}"; do
		read -r med[$id-$t] lo[$id-$t] hi[$id-$t] < <(stats "$tmp/cps-$id-$t")
		read -r cores[$id-$t] _ _ < <(stats "$tmp/cores-$id-$t")
	done
done
mps() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# per_round ID T: the ratio calls/s(T) / calls/s(1) of each round
per_round() {
	paste -d' ' "$tmp/cps-$1-$2" "$tmp/cps-$1-1" |
		awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / $2 }'
}

# ---- report ---------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)
echo
echo "## Calls per second with 1..${counts[-1]} threads: hpcc and a plain build"
echo
echo "- machine: ${cpu:-unknown CPU}, $nproc cores online, $(uname -sr), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
echo "- compiler: $($cc --version | head -n1); hpcc: $hpcc_bin"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average at the start: $load_start, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- workload: each thread makes $warm warm-up calls, waits at a barrier, then makes $calls calls (plain: $plain_warm warm-up and $plain_calls calls, so that its runs last about as long$( [ "$sample" != 0 ] && echo "; HOTPATH_SAMPLE=$sample: $sampled_warm and $sampled_calls" )) of a noinline/noipa one-line function; calls/s = threads x calls / wall time from the barrier's release to the last join (CLOCK_MONOTONIC); hpcc runs write the default table report to a file"
echo "- $rounds rounds, variants interleaved (order rotating each round); medians of the rounds, M = 10^6 calls/s"
echo "- reproduce: (cd $root && bash bench/threads/run.sh --calls $calls --warm $warm --plain-calls $plain_calls --sampled-calls $sampled_calls --rounds $rounds --threads $(IFS=,; echo "${counts[*]}") --sample $sample --build-dir ${build_dir#$root/})"
echo
echo "| threads | plain calls/s | hpcc calls/s | hpcc scaling vs 1 thread | plain scaling vs 1 thread | hpcc min..max | cores used, plain / hpcc |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in "${counts[@]}"; do
	printf '| %d | %s M | %s M | %s | %s | %s..%s M | %.2f / %.2f |\n' "$t" \
		"$(mps "${med[plain-$t]}")" "$(mps "${med[hpcc-$t]}")" \
		"$(ratio "${med[hpcc-$t]}" "${med[hpcc-1]}")" \
		"$(ratio "${med[plain-$t]}" "${med[plain-1]}")" \
		"$(mps "${lo[hpcc-$t]}")" "$(mps "${hi[hpcc-$t]}")" \
		"${cores[plain-$t]}" "${cores[hpcc-$t]}"
done
echo
echo "Cores used: the process's CPU time in the parallel section (all its threads, hpcc's worker too) / its wall time, median of the rounds. Plain's at T threads is what the machine gave T threads that share nothing; below min(T, $nproc), other processes had the rest."
if [ "$sample" != 0 ]; then
	echo
	echo "The same hpcc binary with HOTPATH_SAMPLE=$sample (every call counted, about 1 in $sample timed):"
	echo
	echo "| threads | hpcc, sample $sample, calls/s | scaling vs 1 thread | min..max | cores used |"
	echo "| ---: | ---: | ---: | ---: | ---: |"
	for t in "${counts[@]}"; do
		printf '| %d | %s M | %s | %s..%s M | %.2f |\n' "$t" "$(mps "${med[sampled-$t]}")" \
			"$(ratio "${med[sampled-$t]}" "${med[sampled-1]}")" \
			"$(mps "${lo[sampled-$t]}")" "$(mps "${hi[sampled-$t]}")" \
			"${cores[sampled-$t]}"
	done
fi
echo
if [ -f "$tmp/cps-hpcc-2" ]; then
	echo "hpcc, 2 threads / 1 thread: $(ratio "${med[hpcc-2]}" "${med[hpcc-1]}")x (issue 14 wants >= 1.8x on a 2-core machine; this one has $nproc); per round: $(per_round hpcc 2)"
	echo "plain, 2 threads / 1 thread: $(ratio "${med[plain-2]}" "${med[plain-1]}")x; per round: $(per_round plain 2)"
	[ "$sample" != 0 ] &&
		echo "hpcc with HOTPATH_SAMPLE=$sample, 2 threads / 1 thread: $(ratio "${med[sampled-2]}" "${med[sampled-1]}")x; per round: $(per_round sampled 2)"	# The reference says whether this run can judge hpcc's ratio at all.
	if [ "$nproc" -ge 2 ] && awk -v a="${med[plain-2]}" -v b="${med[plain-1]}" 'BEGIN { exit !(a / b < 1.8) }'; then
		echo "NOTE: the plain build itself reached only $(ratio "${med[plain-2]}" "${med[plain-1]}")x with 2 threads (cores used: $(printf %.2f "${cores[plain-2]}")): the machine did not give this run 2 free cores, so hpcc's ratio cannot be judged against 1.8x from it; run again when the load average is below $((nproc - 1))."
	fi
fi
if [ "${#cpus[@]}" -ge 2 ] && [ -f "$tmp/rsum-hpcc-$nproc" ]; then
	# mean over the CPUs of the pinned 1-thread medians, per variant
	declare -A pin1
	for id in plain hpcc; do
		pin1[$id]=$(for c in "${cpus[@]}"; do stats "$tmp/pin-$id-$c" | cut -d' ' -f1; done |
			awk '{ s += $1 } END { printf "%.6g", s / NR }')
	done
	read -r rs_h _ _ < <(stats "$tmp/rsum-hpcc-$nproc")
	read -r rs_p _ _ < <(stats "$tmp/rsum-plain-$nproc")
	echo
	echo "Per CPU (1 thread pinned with taskset, median of the rounds):"
	for c in "${cpus[@]}"; do
		read -r mh _ _ < <(stats "$tmp/pin-hpcc-$c")
		read -r mp _ _ < <(stats "$tmp/pin-plain-$c")
		echo "- CPU $c: hpcc $(mps "$mh") M calls/s, plain $(mps "$mp") M"
	done
	echo "hpcc, $nproc threads, each thread's own calls/s summed / the mean of the pinned 1-thread rates: $(ratio "$rs_h" "${pin1[hpcc]}")x ($(mps "$rs_h") M / $(mps "${pin1[hpcc]}") M); plain: $(ratio "$rs_p" "${pin1[plain]}")x. Against the cores as they are: when the CPUs run at different speeds, the ratio above compares a pair that ends with its slower thread to one thread on whichever CPU it got."
fi
echo
echo "Checks (did the report count every call of work?):"
if [ -s "$tmp/mismatches" ]; then
	sed 's/^/- MISMATCH: /' "$tmp/mismatches"
else
	echo "- every timed hpcc run's table showed exactly threads x (calls + warm-up) calls of work"
fi
sed 's/^/- JSON run: /' "$tmp/json-checks"
[ "$mismatch" = 0 ] || echo "- $mismatch count(s) differ: those rows may not measure what they claim"
exit 0
