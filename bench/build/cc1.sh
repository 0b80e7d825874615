#!/usr/bin/env bash
# bench/build/cc1.sh - the guards' compile cost, counted rather than timed:
# instructions that gcc's cc1 -O2 executes under callgrind (deterministic,
# so a busy machine does not matter) for run.sh's (b) file, 4,003 lines
# with all 333 functions annotated, plain and rewritten by hpcc.  The
# rewritten file is compiled against each hotpath.h directory given
# (default: hpcc's own), so that two versions of the guards compare in one
# run.  Each count takes a minute or two.
#
# Usage: bench/build/cc1.sh [HPCC [INCLUDE_DIR...]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HPCC=${1:-$here/../../build/bin/hpcc}
[ $# -gt 0 ] && shift
command -v valgrind >/dev/null || { echo "cc1.sh: needs valgrind" >&2; exit 2; }
[ -x "$HPCC" ] || { echo "cc1.sh: no hpcc at $HPCC" >&2; exit 2; }
HPCC=$(cd "$(dirname "$HPCC")" && pwd)/$(basename "$HPCC")
incs=("$@")
[ ${#incs[@]} -gt 0 ] || incs=("$(dirname "$HPCC")/../include")
for i in "${!incs[@]}"; do incs[$i]=$(cd "${incs[$i]}" && pwd); done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# run.sh's (b) file
# shellcheck source=gen.sh
. "$here/gen.sh"
generate 1 >gen.c
kept=$(TMPDIR=$work "$HPCC" --keep gcc -O2 -c gen.c -o h.o 2>&1 | sed -n 's/^hpcc: kept temporary files in //p')
[ -n "$kept" ] && [ -f "$kept/1/gen.c" ] || { echo "cc1.sh: hpcc did not rewrite gen.c" >&2; exit 1; }
# the rewritten file names hpcc's header by path: name it by its bare name
sed '1s|^#include ".*hotpath.h"$|#include "hotpath.h"|' "$kept/1/gen.c" >rw.c
cc1=$(gcc -print-prog-name=cc1)
count() { # FILE [cc1 args]: instructions executed (callgrind's total)
	local f=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file=cg.out "$cc1" -quiet \
		-imultiarch "$(gcc -print-multiarch)" "$@" "$f" \
		-O2 -mtune=generic -march=x86-64 -fasynchronous-unwind-tables -o out.s >/dev/null 2>cg.log
	sed -n 's/^\(summary\|totals\): *//p' cg.out | head -1
}
plain=$(count gen.c)
printf 'cc1 -O2, %d lines, 333 functions: plain %.1f M instructions\n' "$(wc -l <gen.c)" "$(echo "$plain" | awk '{ print $1 / 1e6 }')"
for inc in "${incs[@]}"; do
	n=$(count rw.c -iquote "$inc")
	awk -v p="$plain" -v n="$n" -v inc="$inc" 'BEGIN {
		printf "  all annotated, %s: %.1f M (%+.1f%%)\n", inc, n / 1e6, (n - p) * 100 / p }'
done
