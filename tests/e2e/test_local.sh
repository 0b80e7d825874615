#!/usr/bin/env bash
# Writer-side statistics (issue 14, item 2; runtime/src/local.h): with
# formats that need no order of calls (table, metrics), each thread keeps
# its own statistics and the reports merge them; with JSON the worker
# keeps them from the rings.  The same program (fixtures/local.c: threads,
# recursion, longjmp, pthread_exit inside calls, snapshots while threads
# run, a fork child, exit() inside a call) must give the same exact
# counts both ways, with gcc and clang, with and without sampling.
. "$(dirname "$0")/lib.sh"

T=4 K=20000 R=101 J=5
LEAF=$((T * (2 * K + R + 4 * J) + 1)) # at the final snapshot; finish() adds 1

build() {
	enter_workdir
	"$HPCC" $cc -O2 -pthread -o prog local.c || fail "build failed"
}

run() { # FORMAT OUTPUT [ENV...]: runs prog, which must exit with 3
	local fmt=$1 out=$2 rc
	shift 2
	env "$@" HOTPATH_FORMAT="$fmt" HOTPATH_OUTPUT="$out" ./prog >/dev/null 2>run.err
	rc=$?
	[ "$rc" = 3 ] || fail "prog ($fmt) exited with $rc, not 3: $(head -3 run.err)"
}

# figures FILE...: a canonical text of the exact figures of JSON reports
# or snapshots, and their invariants (failures go to figures.err).
figures() {
	python3 - "$@" <<'PY'
import json, sys
out, err = [], []
for path in sys.argv[1:]:
    r = json.load(open(path))
    f = {x["name"]: x for x in r["functions"]}
    for n, x in sorted(f.items()):
        out.append("%s %s calls=%d unfinished=%d" % (path, n, x["calls"], x["unfinished"]))
        if x["self_ns"] > x["total_ns"] + x["recursive_ns"]:
            err.append("%s: %s self %d above total %d" % (path, n, x["self_ns"], x["total_ns"]))
        if sum(c for _, c in x["histogram"]) != x.get("timed_calls", x["calls"]):
            err.append("%s: %s histogram does not hold its calls" % (path, n))
    for e in sorted(r.get("edges", []), key=lambda e: (e["caller"], e["callee"])):
        out.append("%s edge %s>%s %d" % (path, e["caller"], e["callee"], e["calls"]))
        if r.get("sample", 1) == 1 and e["self_ns"] > e["total_ns"]:
            err.append("%s: edge %s>%s self above total" % (path, e["caller"], e["callee"]))
    out.append("%s nonlocal=%d" % (path, r["nonlocal_exits"]))
open("figures.err", "a").write("".join(e + "\n" for e in err))
print("\n".join(out))
PY
}

# metrics FILE NAME: hotpath_calls_total of NAME
metric_calls() {
	sed -n "s/^hotpath_calls_total{function=\"$2\",.*} //p" "$1"
}

# The thread-kept figures (table and metrics at exit, JSON snapshots)
# equal the worker-kept ones (JSON at exit and in snapshots).
same_counts() { # N: HOTPATH_SAMPLE
	local n=$1
	set -- HOTPATH_SAMPLE=$n
	build
	rm -f figures.err
	run metrics r.prom "$@"
	mv final.json final.local.json
	for i in 0 1 2 3 4; do mv live.$i.json live.$i.local.json; done
	run table r.txt "$@"
	run json r.json "$@"
	[ -s figures.err ] && rm -f figures.err
	figures final.local.json >local.txt
	figures final.json >ring.txt
	sed -i 's/^final\.local\.json/final.json/' local.txt
	if [ "$n" != 1 ]; then
		# sampled: only timed calls are open on a thread's shadow
		# stack, so the non-local exits found vary with the draw
		sed -i '/ nonlocal=/d' local.txt ring.txt
	fi
	diff ring.txt local.txt >diff.txt || fail "snapshots differ: $(head -5 diff.txt)"
	figures live.*.local.json live.*.json >/dev/null
	[ ! -s figures.err ] || fail "inconsistent: $(head -3 figures.err)"
	# the final snapshot's counts are known in advance
	grep -q "^final.json leaf calls=$LEAF unfinished=0$" local.txt ||
		fail "leaf in the final snapshot: $(grep ' leaf ' local.txt)"
	[ "$n" != 1 ] || grep -q "^final.json nonlocal=$((T * 4 * J + 2))$" local.txt ||
		fail "non-local exits in the final snapshot: $(grep nonlocal local.txt)"
	grep -q "^final.json edge rec>rec $((T * R * 10))$" local.txt ||
		fail "rec>rec: $(grep 'rec>rec' local.txt)"
	# the exit reports: metrics (thread-kept) against JSON (worker-kept)
	local fn want
	for fn in leaf mid rec work finish main; do
		want=$(python3 -c 'import json,sys
r=json.load(open(sys.argv[1])); print([x["calls"] for x in r["functions"] if x["name"]==sys.argv[2]][0])' r.json $fn)
		assert_eq "$want" "$(metric_calls r.prom $fn)" "$fn's calls, metrics against JSON"
	done
	assert_eq $((LEAF + 1)) "$(metric_calls r.prom leaf)" "leaf's calls at exit"
	# thread 0's work() never returned: not a call, unless calls are
	# counted at their entry (sampling)
	assert_eq $((n == 1 ? T - 1 : T)) "$(metric_calls r.prom work)" "work's calls"
	assert_eq "$([ "$n" = 1 ] || echo $((T * 4 * J)))" "$(metric_calls r.prom jumper)" \
		"jumper's calls (all left by longjmp: counted at entry when sampled)"
	[ "$n" != 1 ] || assert_eq "$(sed -n 's/^hotpath_nonlocal_exits_total //p' r.prom)" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nonlocal_exits"])' r.json)" \
		"non-local exits, metrics against JSON"
	# exit() inside finish(): finish and main were closed then, both ways
	assert_contains r.txt "[hotpath] * 2 calls still open at exit were closed then and counted"
	assert_eq "1 1" "$(python3 -c 'import json,sys
f={x["name"]:x for x in json.load(open(sys.argv[1]))["functions"]}
print(f["finish"]["unfinished"], f["main"]["unfinished"])' r.json)" "unfinished in JSON"
}

# The fork child's report has its own 5 calls only, both ways.
fork_child() {
	build
	run metrics 'r.%p.prom'
	local f child=0 parent=0
	for f in r.*.prom; do
		case $(metric_calls "$f" leaf) in
		5) child=$((child + 1)) ;;
		$((LEAF + 1))) parent=$((parent + 1)) ;;
		*) fail "$f: leaf $(metric_calls "$f" leaf)" ;;
		esac
	done
	assert_eq "1 1" "$child $parent" "child and parent reports"
}

for cc in $COMPILERS; do
	check "$cc: thread-kept and worker-kept counts agree" same_counts 1
	check "$cc: the same with HOTPATH_SAMPLE=16" same_counts 16
	check "$cc: a fork child's report" fork_child
done
finish
