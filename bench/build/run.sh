#!/usr/bin/env bash
# bench/build/run.sh - what hpcc adds to a build.
#
#   (a) a pass-through invocation: `hpcc gcc -c` of a file without
#       annotations against `gcc -c` (target: <= 5 ms added);
#   (b) `hpcc gcc -O2 -c` of a generated, fully annotated 4,000-line file
#       against `gcc -O2 -c` (target: <= 25 % added);
#   (c) one annotated function after a run of 250,000 and of 1,000,000
#       comment lines: the annotation scan must stay linear (issue 13,
#       item 7: it was quadratic, 120 s at 1M lines); numbers only.
#
# Usage: bench/build/run.sh [HPCC] [COMPILER]   (defaults: build/bin/hpcc, gcc)
# Uses hyperfine when installed (BENCH_NO_HYPERFINE=1 to skip it), else N
# runs of each command and their medians.  Prints medians in milliseconds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HPCC=${1:-${HPCC:-$here/../../build/bin/hpcc}}
CC=${2:-gcc}
RUNS_FAST=${RUNS_FAST:-60}
RUNS_SLOW=${RUNS_SLOW:-10}
[ -x "$HPCC" ] || { echo "run.sh: no hpcc at $HPCC (build first, or pass its path)" >&2; exit 2; }
HPCC=$(cd "$(dirname "$HPCC")" && pwd)/$(basename "$HPCC")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat >plain.c <<'C'
#include <stdio.h>
static int twice(int x) { return 2 * x; }
int main(void) { printf("%d\n", twice(21)); return 0; }
C

# shellcheck source=gen.sh
. "$here/gen.sh"
generate 1 >gen.c
generate 10 >gen10.c
lines=$(wc -l <gen.c)

# median_ms RUNS COMMAND...: median wall time of the command, in ms.
median_ms() {
	local runs=$1 i t0 t1
	shift
	"$@" >/dev/null 2>&1 # warm-up
	for i in $(seq "$runs"); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f\n", m / 1000 }'
}

# hyperfine_ms RUNS A B: medians of A and B in ms, on one line.
hyperfine_ms() {
	local runs=$1
	shift
	hyperfine -N --warmup 3 --runs "$runs" --export-json hf.json "$@" >/dev/null 2>&1 || return 1
	grep '"median"' hf.json | sed 's/.*"median": *//; s/,.*//' |
		awk '{ printf "%.3f ", $1 * 1000 } END { print "" }'
}

measure() { # RUNS "PLAIN CMD" "HPCC CMD": prints "plain_ms hpcc_ms"
	local runs=$1 a=$2 b=$3 r
	if [ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null &&
		r=$(hyperfine_ms "$runs" "$a" "$b"); then
		echo "$r"
	else
		echo "$(median_ms "$runs" $a) $(median_ms "$runs" $b)"
	fi
}

tool=median-of-runs
[ -z "${BENCH_NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null && tool=hyperfine

cc_path=$(command -v "$CC")
echo "hpcc build benchmark ($tool; $CC = $cc_path; $(nproc) CPUs)"

read -r p h <<<"$(measure "$RUNS_FAST" "$cc_path -c plain.c -o plain.o" "$HPCC $CC -c plain.c -o plain.o")"
awk -v p="$p" -v h="$h" 'BEGIN { printf "(a) pass-through  %s -c plain.c: %.2f ms, hpcc %s -c: %.2f ms, added %.2f ms (target <= 5 ms)\n", "'"$CC"'", p, "'"$CC"'", h, h - p }'

read -r p h <<<"$(measure "$RUNS_FAST" "/bin/true -c plain.c" "$HPCC /bin/true -c plain.c")"
awk -v p="$p" -v h="$h" 'BEGIN { printf "    hpcc alone    (compiler = /bin/true): %.2f ms vs %.2f ms, added %.2f ms\n", p, h, h - p }'

# (b) interleaved: each round runs the plain compile, the hpcc compile and
# the compile of hpcc's rewritten file (kept with --keep) back to back, so
# load changes on a shared machine hit all three alike.  The rewritten
# file compiled directly is the compiler's extra work on the guards; the
# rest of the difference is hpcc itself (libclang parse, rewrite, exec).
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m / 1000 }'; }
for f in gen gen10; do
	sites=$(grep -c '@hotpath' $f.c)
	kept=$(TMPDIR=$work "$HPCC" --keep "$CC" -O2 -c $f.c -o $f.o 2>&1 | sed -n 's/^hpcc: kept temporary files in //p')
	[ -n "$kept" ] && [ -f "$kept/1/$f.c" ] || { echo "run.sh: hpcc did not rewrite $f.c" >&2; exit 1; }
	: >t.plain; : >t.hpcc; : >t.guards
	for i in $(seq "$RUNS_SLOW"); do
		ms "$cc_path" -O2 -c $f.c -o p.o >>t.plain
		ms "$HPCC" "$CC" -O2 -c $f.c -o h.o >>t.hpcc
		ms "$cc_path" -O2 -c "$kept/1/$f.c" -iquote . -o k.o >>t.guards
	done
	rm -rf "$kept"
	p=$(median <t.plain); h=$(median <t.hpcc); g=$(median <t.guards)
	awk -v p="$p" -v h="$h" -v g="$g" -v n="$lines" -v s="$sites" -v r="$RUNS_SLOW" 'BEGIN {
		printf "(b) annotated     %s -O2 -c of %d lines, %3d sites: %.1f ms, hpcc: %.1f ms, added %.1f%% (target <= 25%%; medians of %d interleaved runs)\n", "'"$CC"'", n, s, p, h, (h - p) * 100 / p, r
		printf "    of which: compiling the guards %+.1f ms (%+.1f%%), hpcc itself (libclang, rewrite) %+.1f ms (%+.1f%%)\n", g - p, (g - p) * 100 / p, h - g, (h - g) * 100 / p }'
	nm h.o | grep -c 'hp_site_' | awk '{ printf "    (check: %d site descriptors in the instrumented object)\n", $1 }'
done

# (c) a long run of comments before one annotated function
RUNS_COMMENTS=${RUNS_COMMENTS:-3}
for n in 250000 1000000; do
	awk -v n="$n" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "/* comment %d */\n", i
		print "/* @hotpath */\nint f(int x) { return x + 1; }"
	}' >comments.c
	: >t.plain; : >t.hpcc
	for i in $(seq "$RUNS_COMMENTS"); do
		ms "$cc_path" -c comments.c -o p.o >>t.plain
		ms "$HPCC" "$CC" -c comments.c -o h.o >>t.hpcc
	done
	p=$(median <t.plain); h=$(median <t.hpcc)
	sites=$(nm h.o | grep -c 'hp_site_' || true)
	awk -v p="$p" -v h="$h" -v n="$n" -v s="$sites" -v r="$RUNS_COMMENTS" 'BEGIN {
		printf "(c) comments      %s -c after %7d comment lines: %.1f ms, hpcc: %.1f ms, added %.1f ms (%d site; medians of %d runs)\n", "'"$CC"'", n, p, h, h - p, s, r }'
done
