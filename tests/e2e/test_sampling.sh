#!/usr/bin/env bash
# HOTPATH_SAMPLE=N (issue 14, item 1): every call counted exactly, about
# one in N per function and thread timed.  Real gcc and clang, a program
# of 4 threads whose calls and edges are known in advance
# (fixtures/sampling.c), and a statistical check that the sampled mean
# duration estimates the full one: no timing threshold.
. "$(dirname "$0")/lib.sh"

build() {
	enter_workdir
	"$HPCC" $cc -O2 -pthread -o prog sampling.c || fail "build failed"
}

# exact FILE N: every count and edge of the default run, and the
# estimator's invariants.
exact() {
	rm -f exact.err
	python3 - "$1" "$2" <<'PY' || fail "$1 at N=$2: $(cat exact.err 2>/dev/null)"
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
err = []
def check(what, got, want):
    if got != want:
        err.append("%s: expected %s, got %s" % (what, want, got))
if n > 1:
    check("sample", r.get("sample"), n)
else:
    check("sample key", "sample" in r, False)
f = {x["name"]: x for x in r["functions"]}
K, T = 100003, 4
want = {"main": 1, "work": T, "mid": T * K, "rec": T * 101 * 11,
        "leaf": T * (20000 * 10 + 3) + T * 33335 + 777}
for name, c in want.items():
    check(name + " calls", f[name]["calls"], c)
    x = f[name]
    if n > 1:
        t = x.get("timed_calls")
        if t is None or not 1 <= t <= x["calls"]:
            err.append("%s timed_calls %s" % (name, t))
        check(name + " timed = histogram", t, sum(c for _, c in x["histogram"]))
    else:
        check(name + " timed_calls key", "timed_calls" in x, False)
    if x["self_ns"] > x["total_ns"] + x["recursive_ns"]:
        err.append("%s self %d above total %d" % (name, x["self_ns"], x["total_ns"]))
# one timed call in about n (gaps uniform in 1..2n-1; per thread the first
# call is timed too): a count, not a time
for name in ("leaf", "mid"):
    t = f[name].get("timed_calls", -1) if n > 1 else f[name]["calls"]
    lo, hi = f[name]["calls"] / n * 0.9, f[name]["calls"] / n * 1.1 + 8
    if not lo <= t <= hi:
        err.append("%s timed %d of %d calls, not about 1 in %d" % (name, t, f[name]["calls"], n))
e = {(x["caller"], x["callee"]): x["calls"] for x in r["edges"]}
for k, c in {("work", "mid"): T * K, ("mid", "leaf"): T * 200003,
             ("work", "leaf"): T * 33335, ("main", "leaf"): 777,
             ("work", "rec"): T * 101, ("rec", "rec"): T * 101 * 10}.items():
    check("edge %s->%s" % k, e.get(k), c)
# edges into a function sum to its calls (work: started by pthread, no caller)
for name in want:
    into = sum(c for (a, b), c in e.items() if b == name)
    check(name + " calls from edges", into + (T if name == "work" else 1 if name == "main" else 0), f[name]["calls"])
open("exact.err", "w").write("; ".join(err))
sys.exit(1 if err else 0)
PY
}

# exact_sampled FILE: a report of HOTPATH_SAMPLE=16, leaf timed 1 in ~16
exact_sampled() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
f = [x for x in r["functions"] if x["name"] == "leaf"][0]
sys.exit(not (r.get("sample") == 16 and 0 < f.get("timed_calls", 0) <= f["calls"] and
              (f["calls"] < 100 or f["timed_calls"] < f["calls"] / 8)))' "$1" ||
		fail "$1: not a sampled report (sample 16, leaf timed about 1 in 16)"
}

counts_exact() { # N
	build
	HOTPATH_SAMPLE=$1 HOTPATH_FORMAT=json,table,html HOTPATH_OUTPUT_JSON=r.json \
		HOTPATH_OUTPUT_TABLE=r.txt HOTPATH_OUTPUT_HTML=r.html ./prog ||
		fail "prog failed"
	exact r.json "$1"
	assert_contains r.html "sampled (HOTPATH_SAMPLE=$1): calls are exact, times are estimated from about 1 call in $1"
	assert_contains r.txt "| leaf     | 934129 | ~"
	assert_contains r.txt "[hotpath] ~ estimated from the timed calls, about 1 in $1 per function and thread (HOTPATH_SAMPLE); Calls are exact"
}

# HOTPATH_SAMPLE=1 is the default: the same report as without it.
sample_one() {
	build
	HOTPATH_SAMPLE=1 HOTPATH_FORMAT=json HOTPATH_OUTPUT=r.json ./prog || fail "prog failed"
	exact r.json 1
	HOTPATH_SAMPLE=1 HOTPATH_FORMAT=table HOTPATH_OUTPUT=r.txt ./prog || fail "prog failed"
	assert_not_contains r.txt "~"
	assert_not_contains r.txt "HOTPATH_SAMPLE"
}

bad_value() { # VALUE
	build
	HOTPATH_SAMPLE=$1 HOTPATH_FORMAT=json HOTPATH_OUTPUT=r.json ./prog 2>err.txt ||
		fail "prog failed"
	exact r.json 1
	assert_eq 1 "$(grep -c HOTPATH_SAMPLE err.txt)" "lines naming HOTPATH_SAMPLE"
	assert_contains err.txt "(expected a whole number of calls from 1 to 1048576): 1 call in 1 is timed"
}

# main(sample = N) builds the period into the program, from its start
# (the threads' calls are counted exactly too); HOTPATH_SAMPLE wins.
annotation() {
	enter_workdir
	sed 's|/\* @hotpath main \*/|/* @hotpath main(percentiles = [50], sample = 16) */|' \
		sampling.c >annotated_sample.c
	grep -q 'sample = 16' annotated_sample.c || fail "fixture not edited"
	"$HPCC" $cc -O2 -Wall -Wextra -Werror -pthread -o prog annotated_sample.c ||
		fail "build failed"
	HOTPATH_FORMAT=json HOTPATH_OUTPUT=r.json ./prog || fail "prog failed"
	exact r.json 16
	HOTPATH_SAMPLE=64 HOTPATH_FORMAT=json HOTPATH_OUTPUT=r.json ./prog || fail "prog failed"
	exact r.json 64
	HOTPATH_SAMPLE=1 HOTPATH_FORMAT=json HOTPATH_OUTPUT=r.json ./prog || fail "prog failed"
	exact r.json 1
}

# A snapshot after the threads ended, then a fork child's own report.
snapshot_and_fork() {
	build
	HOTPATH_SAMPLE=16 HOTPATH_FORMAT=json HOTPATH_OUTPUT='r.%p.json' ./prog snap ||
		fail "prog failed"
	assert_eq 933352 "$(calls snap.json leaf)" "leaf's calls in the snapshot"
	exact_sampled snap.json
	assert_eq 400012 "$(calls snap.json mid)" "mid's calls in the snapshot"
	local files=(r.*.json)
	assert_eq 2 "${#files[@]}" "reports (parent and child)"
	local f total=0
	for f in "${files[@]}"; do
		total=$((total + $(calls "$f" leaf)))
		exact_sampled "$f"
	done
	assert_eq $((933352 + 5)) "$total" "leaf's calls, parent + child"
}

# A fork from inside a measured call, timed (the first) or untimed: the
# child's calls after it returns are main's, as without sampling (its
# exit in the child came before the thread's first record there, and
# left the child's innermost call at f).
fork_inside_call() { # AT
	enter_workdir
	"$HPCC" $cc -O2 -o prog sampling_fork.c || fail "build failed"
	HOTPATH_SAMPLE=1000 HOTPATH_FORMAT=json HOTPATH_OUTPUT='r.%p.json' \
		./prog "$1" 2>/dev/null || fail "prog failed"
	local f n=0
	for f in r.*.json; do
		n=$((n + 1))
		python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
e = sorted((x["caller"], x["callee"], x["calls"]) for x in r["edges"])
f = {x["name"]: x["calls"] for x in r["functions"]}
want = ([("main", "f", 10)] if "g" not in f else
        sorted([("main", "f", 10 - int(sys.argv[2]) - 1), ("main", "g", 3)]))
sys.exit("edges %s, expected %s" % (e, want) if e != want else 0)' "$f" "$1" ||
			fail "$f: wrong edges"
	done
	assert_eq 2 "$n" "reports (parent and child)"
}

# The sampled mean of spin() against the mean of every call, from runs
# of the same binary: full, 1/16, 1/64, full again, all four at once so
# that they share the machine's conditions.  Runs still go at different
# speeds, so each run's mean is taken relative to that of ref(), a
# constant loop called after each spin() (as slow as the run is): the
# estimand is the ratio of the two means, which the timed
# calls estimate without bias when which calls are timed does not depend
# on their length.  Means come from the histograms (the same buckets in
# every run), over the calls shorter than 30 times ref()'s median (the
# longest spin() is about 12 times ref()): a call preempted by another
# process says nothing about the estimator, and a few of them (rare, so
# the sampled runs catch one or none) would swamp the standard error.
# The tolerance comes from the data: 4 standard errors of the
# difference (each ratio's by the delta method, from its run's
# histograms), plus the difference between the two full runs (what is
# left of the drift between runs).  A fixed sampling period would alias
# with spin()'s long call every 16th call and miss by far more.
unbiased() {
	build
	local n k=0 pids=() p
	for n in 1 16 64 1; do
		k=$((k + 1))
		HOTPATH_SAMPLE=$n HOTPATH_FORMAT=json HOTPATH_OUTPUT=d$n.$k.json \
			./prog dist &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || fail "prog dist failed"
	done
	rm -f unbiased.err
	python3 - d1.1.json d16.2.json d64.3.json d1.4.json <<'PY' || fail "sampled means: $(cat unbiased.err 2>/dev/null)"
import json, math, sys
def median(f):
    h = f["histogram"]; half = sum(c for _, c in h) / 2; run = 0
    for v, c in h:
        run += c
        if run >= half:
            return v
def mean_se(f, cap):
    h = [(v, c) for v, c in f["histogram"] if v < cap]
    t = sum(c for _, c in h)
    m = sum(v * c for v, c in h) / t
    var = sum(c * (v - m) ** 2 for v, c in h) / (t - 1)
    return m, math.sqrt(var / t)
def stats(path):
    f = {x["name"]: x for x in json.load(open(path))["functions"]}
    cap = 30 * median(f["ref"]) # the longest spin() is ~12 ref()s
    (ms, ss), (mr, sr) = mean_se(f["spin"], cap), mean_se(f["ref"], cap)
    q = ms / mr
    return q, q * math.hypot(ss / ms, sr / mr), f["spin"].get("timed_calls", -1), f["spin"]["calls"]
a, s16, s64, b = (stats(p) for p in sys.argv[1:])
full = (a[0] + b[0]) / 2
se_full = math.hypot(a[1], b[1]) / 2
drift = abs(a[0] - b[0])
err = []
for n, s in ((16, s16), (64, s64)):
    if s[3] != 200000 or not 0 < s[2] < s[3]:
        err.append("N=%d: %d calls, %d timed" % (n, s[3], s[2]))
    tol = 4 * math.sqrt(s[1] ** 2 + se_full ** 2 + drift ** 2)
    msg = ("N=%d: spin/ref %.4f (%d timed, SE %.4f) vs full %.4f (SE %.4f, "
           "drift %.4f): |diff| %.4f, tolerance %.4f" % (
        n, s[0], s[2], s[1], full, se_full, drift, abs(s[0] - full), tol))
    print(msg)
    if abs(s[0] - full) > tol:
        err.append(msg)
open("unbiased.err", "w").write("; ".join(err))
sys.exit(1 if err else 0)
PY
}

for cc in $COMPILERS; do
	check "exact counts and edges, 4 threads, HOTPATH_SAMPLE=16 ($cc)" counts_exact 16
	check "exact counts and edges, 4 threads, HOTPATH_SAMPLE=64 ($cc)" counts_exact 64
	check "HOTPATH_SAMPLE=1: nothing estimated ($cc)" sample_one
	check "snapshot and fork child count exactly ($cc)" snapshot_and_fork
	check "main(sample = 16) built in, HOTPATH_SAMPLE wins ($cc)" annotation
	check "fork inside a timed call: the child's edges are main's ($cc)" fork_inside_call 0
	check "fork inside an untimed call: the child's edges are main's ($cc)" fork_inside_call 5
done
cc=gcc
check "HOTPATH_SAMPLE=0: one line, default used" bad_value 0
check "HOTPATH_SAMPLE=abc: one line, default used" bad_value abc
check "HOTPATH_SAMPLE=1048577: one line, default used" bad_value 1048577
check "sampled mean duration unbiased, N = 16 and 64" unbiased
finish
