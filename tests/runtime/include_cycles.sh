#!/bin/bash
# include_cycles.sh SRC_DIR - fails if the modules of SRC_DIR (the
# runtime's sources) depend on each other in a cycle.
#
# A module is a file name without its extension: buf.c and buf.h are the
# module buf.  Module a depends on module b when a.c or a.h has the line
# #include "b.h" and b.h is in SRC_DIR (other headers, such as the public
# hotpath.h, are not modules here).  The layers must form a DAG (record ->
# session -> worker -> buffers ...), so any cycle, of any length, fails;
# the cycle's modules are printed.  tsort(1) finds the cycles.  The script
# first checks itself on two made-up trees, one with a cycle.
set -u

# "a b" per dependency, and "a a" per module (so that tsort sees them all).
edges() {
	local dir=$1 f m inc
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -e "$f" ] || continue
		m=${f##*/}
		m=${m%.*}
		echo "$m $m"
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"/]*\)\.h".*/\1/p' "$f" |
			while read -r inc; do
				if [ "$inc" != "$m" ] && [ -e "$dir/$inc.h" ]; then
					echo "$m $inc"
				fi
			done
	done
}

# 0 when SRC_DIR has no cycle; else 1, with the modules of a cycle on
# stderr.
check() {
	local out
	if out=$(edges "$1" | LC_ALL=C tsort 2>&1 >/dev/null); then
		return 0
	fi
	echo "include cycle among the modules of $1:" >&2
	echo "$out" | sed -n 's/^tsort: \([a-z_0-9]*\)$/  \1/p' >&2
	return 1
}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/dag" "$tmp/cycle"
printf '#include "b.h"\n' >"$tmp/dag/a.c"
printf '#include <stdio.h>\n#include "c.h"\n' >"$tmp/dag/b.h"
printf '#include "hotpath.h"\n' >"$tmp/dag/c.c"
: >"$tmp/dag/c.h"
cp "$tmp/dag/"* "$tmp/cycle/"
printf '#include "c.h"\n#include "a.h"\n' >"$tmp/cycle/b.c"
printf '/* a.h */\n' >"$tmp/cycle/a.h"
check "$tmp/dag" || { echo "self-check: a tree without a cycle failed" >&2; exit 2; }
if check "$tmp/cycle" 2>"$tmp/err"; then
	echo "self-check: a -> b -> a was not found" >&2
	exit 2
fi
grep -q '^  a$' "$tmp/err" && grep -q '^  b$' "$tmp/err" ||
	{ echo "self-check: the cycle's modules were not named:" >&2; cat "$tmp/err" >&2; exit 2; }

[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 SRC_DIR" >&2; exit 2; }
check "$1" || exit 1
echo "no include cycle among $(edges "$1" | awk '$1 == $2' | sort -u | wc -l) modules"
