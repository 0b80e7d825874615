#!/usr/bin/env bash
# layout.sh - the per-call cost of a measured call with the runtime linked
# statically, from libhotpath.so.1, and from a measured shared library
# (bench/overhead/layout.c), run alternately ROUNDS times so that the
# machine's drift hits all three alike; prints each run and the medians.
#
#     bash bench/overhead/layout.sh [BUILD_DIR] [ROUNDS] [N]
set -eu
build=${1:-build}
rounds=${2:-7}
n=${3:-10000000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for r in $(seq "$rounds"); do
	for l in static shared lib; do
		HOTPATH_FORMAT=none "$build/bin/bench_layout_$l" "$n" 5 |
			sed "s/^/$l /" | tee -a "$out"
	done
done
python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    w = line.split()
    rows.setdefault(w[0], []).append({w[i]: float(w[i + 1]) for i in range(1, len(w), 2)})
base = statistics.median(r["ratio"] for r in rows["static"])
print("median over %d rounds:" % len(rows["static"]))
for l in ("static", "shared", "lib"):
    med = {k: statistics.median(r[k] for r in rows[l]) for k in ("overhead", "floor", "ratio")}
    print("  %-6s overhead %6.2f ns  floor %6.2f ns  ratio %.3f  (%.3f x static's ratio)"
          % (l, med["overhead"], med["floor"], med["ratio"], med["ratio"] / base))
PY
