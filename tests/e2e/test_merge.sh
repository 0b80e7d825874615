#!/usr/bin/env bash
# hpcc --merge on reports of real runs (issue 11, item 6): an instrumented
# program run 3 times with different arguments writes HOTPATH_OUTPUT=r-%p.json;
# the merged report's counts, totals, self, recursive, min, max, edges and
# allocation figures must be the exact sums (or min / max) of the three,
# each percentile must come from the three histograms added up, one report
# merged alone must keep the runtime's own percentiles, and --diff must read
# the merged report.  Percentiles against hp_hist itself, on crafted
# values: tests/hpcc/test_merge.c.
. "$(dirname "$0")/lib.sh"

write_prog() {
	cat >prog.c <<'SRC'
#include <stdio.h>
#include <stdlib.h>

/* @hotpath */
static unsigned long leaf(unsigned long n)
{
	unsigned long s = 0;

	for (unsigned long i = 0; i < n; i++)
		s += (i * i) ^ (s >> 3);
	return s;
}

/* @hotpath */
static unsigned long fact(unsigned long n)
{
	return n <= 1 ? leaf(n + 10) : n * fact(n - 1);
}

/* @hotpath */
static unsigned long keep(int k)
{
	char *p = malloc(100 + (size_t)k);
	unsigned long s;

	if (!p)
		return 0;
	p[0] = (char)k;
	s = (unsigned long)p[0] + leaf(50);
	free(p);
	return s;
}

/* @hotpath main */
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	unsigned long s = 0;

	for (int i = 0; i < n; i++)
		s += leaf(1000u * (unsigned)(i % 7 + 1)) + fact((unsigned long)(i % 5 + 1)) + keep(i);
	printf("%lu\n", s & 1);
	return 0;
}
SRC
}

# Python reads the reports: sums and percentiles from the pairs, computed
# independently of hpcc.
write_checker() {
	cat >check.py <<'PY'
import json, os, sys

merged = json.load(open(sys.argv[1]))
runs = [json.load(open(p)) for p in sys.argv[2:]]
errors = []

def expect(what, want, got):
    if want != got:
        errors.append("%s: expected %r, got %r" % (what, want, got))

def key(f):
    return (f["name"], f["file"], f["kind"])

expect("merged_reports", len(runs), merged["merged_reports"])
for fig in ("total_ns", "lost", "omitted", "nonlocal_exits"):
    expect(fig, sum(r[fig] for r in runs), merged[fig])

byname = {}
for r in runs:
    for f in r["functions"]:
        byname.setdefault(key(f), []).append(f)
mfns = {key(f): f for f in merged["functions"]}
expect("functions", sorted(byname), sorted(mfns))
expect("main first", "main", merged["functions"][0]["kind"])

def pct(pairs, calls, lo, hi, p):
    if calls == 0:
        return 0
    if p == 0:
        return lo
    if p >= 100:
        return hi
    n = sum(c for _, c in pairs)
    rank = max(1, -(-n * p // 100))
    seen = 0
    for v, c in pairs:
        seen += c
        if seen >= rank:
            return min(max(v, lo), hi)
    return hi

for k, fs in byname.items():
    m = mfns[k]
    for fig in ("calls", "unfinished", "total_ns", "recursive_ns", "self_ns"):
        expect("%s %s" % (k[0], fig), sum(f[fig] for f in fs), m[fig])
    expect(k[0] + " min_ns", min(f["min_ns"] for f in fs), m["min_ns"])
    expect(k[0] + " max_ns", max(f["max_ns"] for f in fs), m["max_ns"])
    expect(k[0] + " avg_ns", (m["total_ns"] + m["recursive_ns"]) // m["calls"], m["avg_ns"])
    for fig in ("alloc_bytes_total", "alloc_count_total", "alloc_bytes_self", "alloc_count_self"):
        if fig in fs[0]:
            expect("%s %s" % (k[0], fig), sum(f[fig] for f in fs), m[fig])
    for fig in ("alloc_bytes_max", "alloc_count_max"):
        if fig in fs[0]:
            expect("%s %s" % (k[0], fig), max(f[fig] for f in fs), m[fig])
    hist = {}
    for f in fs:
        expect(k[0] + " histogram holds every call", f["calls"], sum(c for _, c in f["histogram"]))
        for v, c in f["histogram"]:
            hist[v] = hist.get(v, 0) + c
    pairs = sorted(hist.items())
    expect(k[0] + " histogram", [list(p) for p in pairs], m["histogram"])
    for p in merged["percentiles"]:
        expect("%s p%d" % (k[0], p), pct(pairs, m["calls"], m["min_ns"], m["max_ns"], p),
               m["percentiles"]["p%d" % p])

edges = {}
for r in runs:
    for e in r["edges"]:
        k = (e["caller"], e["caller_file"], e["callee"], e["callee_file"])
        t = edges.setdefault(k, [0, 0, 0])
        t[0] += e["calls"]; t[1] += e["total_ns"]; t[2] += e["self_ns"]
medges = {(e["caller"], e["caller_file"], e["callee"], e["callee_file"]):
          [e["calls"], e["total_ns"], e["self_ns"]] for e in merged["edges"]}
expect("edges", edges, medges)

# the calls the program makes, known from its arguments
if os.environ.get("RUN_ARGS"):
    ns = [int(a) for a in os.environ["RUN_ARGS"].split(",")]
    expect("main calls", len(runs), mfns[("main", "prog.c", "main")]["calls"])
    expect("keep calls", sum(ns), mfns[("keep", "prog.c", "function")]["calls"])
if errors:
    print("\n".join(errors))
    sys.exit(1)
PY
}

build() {
	enter_workdir
	write_prog
	write_checker
	"$HPCC" --alloc $cc prog.c -o prog 2>err || fail "build failed: $(cat err)" || return 1
	mkdir reports
	for n in 7 20 33; do
		HOTPATH_FORMAT=json HOTPATH_OUTPUT=reports/r-%p.json ./prog $n >/dev/null 2>err ||
			fail "run $n: $(cat err)" || return 1
	done
	[ "$(ls reports | wc -l)" = 3 ] || fail "expected 3 reports: $(ls reports)"
}

sums_are_exact() {
	build || return 1
	"$HPCC" --merge reports/*.json -o merged.json >out 2>err
	assert_status 0 $? "merge: $(cat err)"
	assert_eq "" "$(cat out err)" "merge output"
	RUN_ARGS=7,20,33 python3 check.py merged.json reports/*.json || fail "merged figures" || return 1
	# a merged report merges again, and a single report merged alone keeps
	# the runtime's own percentiles, any listed with --percentiles
	"$HPCC" --merge merged.json -o again.json 2>err || fail "remerge: $(cat err)"
	python3 check.py again.json merged.json || fail "merged report merged again"
	local one
	one=$(ls reports/*.json | head -1)
	"$HPCC" --merge "$one" --percentiles 10,50,95 -o one.json 2>err || fail "one: $(cat err)"
	python3 check.py one.json "$one" || fail "one report merged alone"
	python3 - "$one" one.json <<'PY' || fail "--percentiles 10,50,95 of one report"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert b["percentiles"] == [10, 50, 95], b["percentiles"]
for f, g in zip(a["functions"], b["functions"]):
    assert f["name"] == g["name"]
    assert f["percentiles"]["p95"] == g["percentiles"]["p95"], (f, g)
    assert sorted(g["percentiles"]) == ["p10", "p50", "p95"], g["percentiles"]
PY
	"$HPCC" --merge "$one" -o default.json 2>err || fail "default: $(cat err)"
	python3 - "$one" default.json <<'PY' || fail "a report merged alone lost its percentiles"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["percentiles"] == b["percentiles"]
for f, g in zip(a["functions"], b["functions"]):
    assert f["percentiles"] == g["percentiles"], (f["name"], f["percentiles"], g["percentiles"])
PY
	# --diff reads a merged report
	"$HPCC" --diff "$one" merged.json >out 2>err
	assert_status 0 $? "--diff of a merged report: $(cat err)"
	assert_contains out "| keep "
}

errors_write_nothing() {
	build || return 1
	echo '{"functions": [' >bad.json
	local args
	for args in "reports/*.json bad.json" "reports/*.json missing.json" "" \
		"reports/*.json --percentiles 200"; do
		# shellcheck disable=SC2086
		"$HPCC" --merge $args -o out.json >out 2>err
		assert_status 2 $? "merge $args"
		assert_eq 1 "$(wc -l <err)" "one line for '$args': $(cat err)"
		grep -q '^hpcc: error: ' err || fail "not an hpcc error: $(cat err)"
		assert_missing out.json
		assert_eq "" "$(cat out)" "stdout"
	done
	# an unwritable path: an error, and no partial or temporary file
	"$HPCC" --merge reports/*.json -o prog.c/merged.json >out 2>err
	assert_status 2 $? "unwritable -o"
	assert_contains err "hpcc: error: cannot write prog.c/merged.json"
	"$HPCC" --merge reports/*.json -o reports >out 2>err
	assert_status 2 $? "-o a directory"
	[ "$(ls reports | wc -l)" = 3 ] || fail "files left: $(ls reports)"
}

# One formatter: a report merged alone renders as the runtime's own table
# of the same run, to the byte, but for the line that says it was merged.
table_is_the_runtimes() {
	enter_workdir
	write_prog
	"$HPCC" $cc prog.c -o prog 2>err || fail "build failed: $(cat err)" || return 1
	mkdir out
	HOTPATH_FORMAT=table,json HOTPATH_OUTPUT=out/ ./prog 12 >/dev/null 2>err ||
		fail "run: $(cat err)" || return 1
	"$HPCC" --merge out/*.json --format=table >table.txt 2>err
	assert_status 0 $? "merge --format=table: $(cat err)"
	assert_eq "[hotpath] 1 report merged: times are summed over the processes" \
		"$(tail -1 table.txt)" "the merged note"
	head -n -1 table.txt >merged.txt
	assert_same_file out/*.txt merged.txt
	grep -q '^| keep ' merged.txt || fail "no keep row: $(cat merged.txt)"
	# and several, with any percentile as a column
	"$HPCC" --merge out/*.json out/*.json --format=table --percentiles 50,99.9 >t2.txt 2>err
	assert_status 0 $? "merge of two: $(cat err)"
	grep -q '^| Function | Calls | Avg *| P50 *| P99.9 *| Total' t2.txt || fail "columns: $(cat t2.txt)"
	grep -q '^| keep *| 24 ' t2.txt || fail "keep's calls of two runs: $(cat t2.txt)"
}

for cc in $COMPILERS; do
	check "$cc: 3 runs merged: exact sums, percentiles from the merged histograms" sums_are_exact
	check "$cc: --format=table is the runtime's table" table_is_the_runtimes
done
check "bad input, no input, unwritable output: one error line, nothing written" errors_write_nothing
finish
