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
    # allocation percentiles: the same rule on the allocation histograms
    with_alloc = [f for f in fs if "alloc_bytes_total" in f]
    expect(k[0] + " allocation histograms", bool(with_alloc), "alloc_histograms" in m)
    for metric in ("bytes_total", "bytes_max", "count_total", "count_max"):
        if not with_alloc:
            break
        hs = [f["alloc_histograms"][metric] for f in with_alloc]
        ah = {}
        for h in hs:
            for v, c in h["histogram"]:
                ah[v] = ah.get(v, 0) + c
        apairs = sorted(ah.items())
        lo, hi = min(h["min"] for h in hs), max(h["max"] for h in hs)
        mh = m["alloc_histograms"][metric]
        expect("%s %s histogram" % (k[0], metric), [list(p) for p in apairs], mh["histogram"])
        expect("%s %s min, max" % (k[0], metric), [lo, hi], [mh["min"], mh["max"]])
        n = sum(c for _, c in apairs)
        for p in merged["percentiles"]:
            expect("%s %s p%d" % (k[0], metric, p), pct(apairs, n, lo, hi, p),
                   m["alloc_percentiles"][metric]["p%d" % p])

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
    assert f.get("alloc_percentiles") == g.get("alloc_percentiles"), \
        (f["name"], f.get("alloc_percentiles"), g.get("alloc_percentiles"))
assert any("alloc_percentiles" in g for g in b["functions"]), "no allocation percentiles"
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

# Call paths: the JSON's tree, merged alone, renders as the runtime's own
# folded stacks and HTML page of the same run, to the byte, and survives a
# second merge; three runs' trees add up path by path (the runtimes' own
# folded outputs summed per stack line); HOTPATH_TREE_LIMIT bounds the
# JSON's tree as it bounds the folded one, "[truncated]" and all.
write_paths_checker() {
	cat >paths.py <<'PY'
import json, sys

def stacks(report):
    fns, paths = report["functions"], report["paths"]
    names, out = [""], {}
    for parent, fn, calls, total, self in paths:
        name = "[truncated]" if fn is None else fns[fn]["name"] if isinstance(fn, int) else fn[0]
        names.append(name if parent == 0 else names[parent] + ";" + name)
        t = out.setdefault(names[-1], [0, 0, 0])
        t[0] += calls; t[1] += total; t[2] += self
    return out

merged = stacks(json.load(open(sys.argv[1])))
want = {}
for p in sys.argv[2:]:
    for k, v in stacks(json.load(open(p))).items():
        t = want.setdefault(k, [0, 0, 0])
        for i in range(3):
            t[i] += v[i]
if merged != want:
    print("merged paths differ:", sorted(set(merged.items()) ^ set(want.items()))[:5])
    sys.exit(1)
PY
}

# sums per stack line of folded files
folded_sums() {
	awk '{ s[$1] += $2 } END { for (k in s) if (s[k] || 1) print k, s[k] }' "$@" | sort
}

paths_render_as_the_runtimes() {
	enter_workdir
	write_prog
	write_paths_checker
	"$HPCC" $cc prog.c -o prog 2>err || fail "build failed: $(cat err)" || return 1
	mkdir one all
	HOTPATH_FORMAT=json,folded,html HOTPATH_OUTPUT=one/ ./prog 12 >/dev/null 2>err ||
		fail "run: $(cat err)" || return 1
	"$HPCC" --merge one/*.json --format=folded >m.folded 2>err
	assert_status 0 $? "merge --format=folded: $(cat err)"
	assert_same_file one/*.folded m.folded
	grep -q '^main;fact;fact;leaf [0-9]*$' m.folded || fail "no fact;fact;leaf stack: $(cat m.folded)"
	"$HPCC" --merge one/*.json --format=html -o m.html 2>err
	assert_status 0 $? "merge --format=html: $(cat err)"
	assert_same_file one/*.html m.html
	"$HPCC" --merge one/*.json -o m.json 2>err || fail "merge: $(cat err)"
	"$HPCC" --merge m.json --format=folded >again.folded 2>err || fail "remerge: $(cat err)"
	assert_same_file one/*.folded again.folded
	python3 paths.py m.json one/*.json || fail "one report's paths merged alone"
	# three runs: the merged stacks are the sums of the runtimes' own
	for n in 3 8 21; do
		HOTPATH_FORMAT=json,folded HOTPATH_OUTPUT=all/ ./prog $n >/dev/null 2>err ||
			fail "run $n: $(cat err)" || return 1
	done
	"$HPCC" --merge all/*.json -o all.json 2>err || fail "merge of 3: $(cat err)"
	python3 paths.py all.json all/*.json || fail "3 runs' paths"
	"$HPCC" --merge all/*.json --format=folded >all.folded 2>err || fail "folded of 3: $(cat err)"
	folded_sums all/*.folded >want.txt
	folded_sums all.folded >got.txt
	assert_same_file want.txt got.txt
	grep -q '^main;keep;leaf ' all.folded || fail "no keep;leaf stack: $(cat all.folded)"
}

paths_are_bounded_as_folded() {
	enter_workdir
	cat >deep.c <<'SRC'
#include <stdio.h>
#include <stdlib.h>

/* @hotpath */
static unsigned leaf(unsigned n) { return n * 7 + 1; }

/* @hotpath */
static unsigned down(unsigned n) { return n ? leaf(n) + down(n - 1) : 0; }

/* @hotpath main */
int main(int argc, char **argv)
{
	printf("%u\n", down(argc > 1 ? (unsigned)atoi(argv[1]) : 40));
	return 0;
}
SRC
	"$HPCC" $cc deep.c -o deep 2>err || fail "build failed: $(cat err)" || return 1
	mkdir out
	HOTPATH_TREE_LIMIT=16 HOTPATH_FORMAT=json,folded,html HOTPATH_OUTPUT=out/ ./deep 40 \
		>/dev/null 2>err || fail "run: $(cat err)" || return 1
	assert_contains err "calls merged into [truncated] past HOTPATH_TREE_LIMIT=16"
	grep -q '\[truncated\]' out/*.folded || fail "no [truncated] stack: $(cat out/*.folded)"
	python3 - out/*.json <<'PY' || fail "the JSON's tree is not the bounded one"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["paths_truncated"] > 0, r["paths_truncated"]
assert len(r["paths"]) <= 2 * 16 + 2, len(r["paths"])
assert any(p[1] is None and p[2] > 0 for p in r["paths"]), r["paths"]
PY
	"$HPCC" --merge out/*.json --format=folded >m.folded 2>err || fail "folded: $(cat err)"
	assert_same_file out/*.folded m.folded
	"$HPCC" --merge out/*.json --format=html >m.html 2>err || fail "html: $(cat err)"
	assert_same_file out/*.html m.html
	HOTPATH_TREE_LIMIT=16 HOTPATH_FORMAT=json HOTPATH_OUTPUT=json-only.json ./deep 40 \
		>/dev/null 2>err || fail "run: $(cat err)" || return 1
	assert_contains err "calls merged into [truncated] past HOTPATH_TREE_LIMIT=16"
}

# A report from before "paths": table and json still merge (no "paths" in
# the result); html and folded say so in one error line and write nothing.
old_reports_lack_paths() {
	enter_workdir
	write_prog
	"$HPCC" $cc prog.c -o prog 2>err || fail "build failed: $(cat err)" || return 1
	HOTPATH_FORMAT=json HOTPATH_OUTPUT=new.json ./prog 5 >/dev/null 2>err || fail "run: $(cat err)"
	python3 -c '
import json, sys
r = json.load(open("new.json"))
del r["paths"], r["paths_truncated"]
json.dump(r, open("old.json", "w"))' || fail "old.json"
	"$HPCC" --merge new.json old.json -o m.json 2>err
	assert_status 0 $? "json merge of an old report: $(cat err)"
	assert_eq "" "$(cat err)" "json merge's stderr"
	python3 -c 'import json; r = json.load(open("m.json")); assert "paths" not in r and r["functions"]' ||
		fail "merged json: $(head -c 300 m.json)"
	"$HPCC" --merge old.json new.json --format=table >t.txt 2>err
	assert_status 0 $? "table merge of an old report: $(cat err)"
	grep -q '^| keep *| 10 ' t.txt || fail "keep's calls: $(cat t.txt)"
	local f
	for f in html folded; do
		"$HPCC" --merge new.json old.json --format=$f -o m.$f >out 2>err
		assert_status 2 $? "--format=$f of an old report"
		assert_eq "hpcc: error: old.json has no call paths (a report from a runtime before they were in the JSON): --format=$f needs them; table and json still merge" \
			"$(cat err)" "--format=$f's message"
		assert_missing m.$f
	done
}

# Sampled reports (HOTPATH_SAMPLE): merged alone, the table is the
# runtime's, "~" marks and note included; the JSON keeps "sample" and each
# function's timed_calls; merged with others, timed_calls add up, calls
# stay exact, and a report that timed every call counts all its calls as
# timed, under the largest rate with a note of the smallest.
sampled_reports_stay_estimates() {
	enter_workdir
	write_prog
	"$HPCC" $cc prog.c -o prog 2>err || fail "build failed: $(cat err)" || return 1
	mkdir s4 s8 all
	HOTPATH_SAMPLE=4 HOTPATH_FORMAT=table,json HOTPATH_OUTPUT=s4/ ./prog 40 >/dev/null 2>err ||
		fail "run: $(cat err)" || return 1
	HOTPATH_SAMPLE=8 HOTPATH_FORMAT=json HOTPATH_OUTPUT=s8/ ./prog 30 >/dev/null 2>err ||
		fail "run: $(cat err)" || return 1
	HOTPATH_FORMAT=json HOTPATH_OUTPUT=all/ ./prog 20 >/dev/null 2>err ||
		fail "run: $(cat err)" || return 1
	grep -q '^\[hotpath\] ~ estimated' s4/*.txt || fail "no estimate note: $(cat s4/*.txt)"
	"$HPCC" --merge s4/*.json --format=table >table.txt 2>err
	assert_status 0 $? "merge --format=table: $(cat err)"
	head -n -1 table.txt >merged.txt
	assert_same_file s4/*.txt merged.txt
	"$HPCC" --merge s4/*.json -o one.json 2>err || fail "one: $(cat err)"
	"$HPCC" --merge s4/*.json s8/*.json all/*.json -o three.json 2>err ||
		fail "three: $(cat err)"
	"$HPCC" --merge s4/*.json s8/*.json all/*.json --format=table >t3.txt 2>err ||
		fail "three, table: $(cat err)"
	grep -q '^\[hotpath\] ~ estimated .* about 1 in 8 ' t3.txt || fail "rate: $(cat t3.txt)"
	assert_contains t3.txt "[hotpath] the reports were sampled at different rates, 1 in 1 to 1 in 8"
	python3 - s4/*.json one.json s8/*.json all/*.json three.json <<'PY' || fail "sampled figures"
import json, sys
s4, one, s8, full, three = (json.load(open(p)) for p in sys.argv[1:])
assert s4["sample"] == 4 and one["sample"] == 4 and three["sample"] == 8, \
    (s4.get("sample"), one.get("sample"), three.get("sample"))
assert "sample" not in full
def fns(r):
    return {f["name"]: f for f in r["functions"]}
a, b = fns(s4), fns(one)
for n, f in a.items():
    assert f["timed_calls"] == b[n]["timed_calls"], (n, f["timed_calls"], b[n]["timed_calls"])
# leaf is called 1,000s of times: some timed, not all
assert 0 < a["leaf"]["timed_calls"] < a["leaf"]["calls"], a["leaf"]
c, d, t = fns(s8), fns(full), fns(three)
for n in t:
    parts = [r[n] for r in (a, c, d) if n in r]
    assert t[n]["calls"] == sum(f["calls"] for f in parts), n
    want = sum(f.get("timed_calls", sum(h[1] for h in f["histogram"])) for f in parts)
    assert t[n]["timed_calls"] == want, (n, t[n]["timed_calls"], want)
    assert t[n]["timed_calls"] == sum(h[1] for h in t[n]["histogram"]), n
assert d["leaf"]["calls"] == sum(h[1] for h in d["leaf"]["histogram"]), "unsampled: all timed"
PY
	# a malformed rate is an error, not a guess
	sed 's/"sample": *4/"sample": 0/' s4/*.json >bad.json
	grep -q '"sample": *0' bad.json || fail "no sample to spoil: $(head -c 300 bad.json)"
	"$HPCC" --merge bad.json -o x.json >out 2>err
	assert_status 2 $? "sample 0"
	assert_eq "hpcc: error: bad.json: \"sample\" is not a whole number from 1 to 4294967295" \
		"$(cat err)" "sample 0's message"
	assert_missing x.json
}

# The merged JSON is UTF-8 whatever the reports hold: a raw byte in a
# name (a report of a runtime that passed bytes through) becomes U+FFFD,
# in functions, edges and call paths alike, and merged again it stays so.
json_is_utf8() {
	build || return 1
	local one
	one=$(ls reports/*.json | head -1)
	sed 's/"name":"leaf"/"name":"le\xffaf"/g; s/"callee":"leaf"/"callee":"le\xffaf"/g' \
		"$one" >raw.json
	grep -q "$(printf 'le\377af')" raw.json || fail "no raw byte in raw.json" || return 1
	"$HPCC" --merge raw.json reports/*.json -o m.json 2>err
	assert_status 0 $? "merge: $(cat err)"
	"$HPCC" --merge m.json -o again.json 2>err
	assert_status 0 $? "merge again: $(cat err)"
	python3 - raw.json m.json again.json <<'PY' || fail "the merged JSON is not UTF-8"
import json, sys
raw = json.load(open(sys.argv[1], encoding="latin-1"))
m, again = (json.load(open(p, encoding="utf-8", errors="strict")) for p in sys.argv[2:])
for r in (m, again):
    names = {f["name"] for f in r["functions"]}
    assert "le\ufffdaf" in names and "leaf" in names, names
    assert any(e["callee"] == "le\ufffdaf" for e in r["edges"]), r["edges"]
want = sum(f["calls"] for f in raw["functions"] if f["name"] == "le\xffaf")
got = sum(f["calls"] for f in m["functions"] if f["name"] == "le\ufffdaf")
assert want == got and want > 0, (want, got)
PY
}

for cc in $COMPILERS; do
	check "$cc: 3 runs merged: exact sums, percentiles from the merged histograms" sums_are_exact
	check "$cc: --format=table is the runtime's table" table_is_the_runtimes
	check "$cc: call paths: --format=folded|html are the runtime's, paths add up" \
		paths_render_as_the_runtimes
	check "$cc: call paths are bounded as the folded output, [truncated] and all" \
		paths_are_bounded_as_folded
	check "$cc: a report without call paths: table/json merge, html/folded refuse" \
		old_reports_lack_paths
	check "$cc: sampled reports: timed_calls add up, the table marks estimates" \
		sampled_reports_stay_estimates
	check "$cc: the merged JSON is UTF-8 (raw bytes in names)" json_is_utf8
done
check "bad input, no input, unwritable output: one error line, nothing written" errors_write_nothing
finish
