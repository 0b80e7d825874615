#!/usr/bin/env bash
# A real project's own test suite, profiled whole (issue 11, item 8): jq
# 1.6 (Debian bookworm's source package), whose shtest compares jq's
# stderr with expected text.  jq is built twice, with plain gcc and with
#
#     CC="hpcc --instrument=all --report=json:$DIR/%p.json gcc"
#
# and `make check` runs unchanged on both.  It must give the same result
# test by test (all passing); DIR must hold one report per jq process the
# suite ran (strace counts the processes, inotifywait sees each file
# written once); `hpcc --merge DIR/*.json` must give the suite's profile:
# calls of a few jq functions equal to the sums over the files, main's
# calls one per process.  Then the same instrumented jq runs the suite
# with HOTPATH_FORMAT=table in the environment (the run-time variables win
# over the built-in default, so the report goes to stderr as in a build
# without --report): shtest must fail.  That is what --report is for.
#
#     HPCC=build/bin/hpcc bash tests/projects/suite.sh
#
# Needs root: it adds a deb-src entry and installs the build dependencies
# (as tests/projects/run.sh does).  Without root, or when the download
# fails, it skips (status 77), except in CI (CI=true), where both fail.
# JQ_TESTS picks jq's tests (make check's TESTS): by default all but
# jqtest and onigtest, which run jq's 400 filter tests inside one jq
# process and, with every jq function measured, cost minutes of CPU
# (jq's interpreter makes tens of millions of tiny calls) where the CI
# has about 5; JQ_TESTS=all runs the whole suite.
# PROJECTS_WORK (default ./suite-work) holds downloads, trees and logs.
set -u
: "${HPCC:?HPCC must name the hpcc binary}"
HPCC=$(cd "$(dirname "$HPCC")" && pwd)/$(basename "$HPCC")
WORK=${PROJECTS_WORK:-$PWD/suite-work}
JOBS=${JOBS:-$(nproc)}
JQ_TESTS=${JQ_TESTS:-tests/optionaltest tests/mantest tests/shtest tests/utf8test tests/base64test}
tests=(TESTS="$JQ_TESTS")
[ "$JQ_TESTS" = all ] && tests=()
. "$(dirname "$0")/lib.sh"
failed=0
bad() { say "FAIL $*"; failed=$((failed + 1)); }
cannot() {
	if [ "${CI:-}" = true ]; then
		say "FAIL $* (CI=true: not skipped)"
		exit 1
	fi
	say "SKIP $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || cannot "needs root for apt-get (deb-src, build dependencies)"
mkdir -p "$WORK"
ensure_deb_src || cannot "no deb-src entry"
apt_install autoconf automake libtool make libonig-dev inotify-tools strace python3 ||
	cannot "build dependencies"
fetch jq plain || cannot "jq's source"

# One autoreconf (jq's tarball has no configure) and one configure (with
# gcc: its 200 probe compiles under hpcc would take minutes and test
# nothing the other tests do not), then a copy of the tree per variant,
# each built with its own CC.  No shared library: the tests then run the
# jq binary itself, not a libtool script.
(cd "$WORK/plain/jq" && autoreconf -fi &&
 ./configure --disable-maintainer-mode --disable-docs --disable-valgrind \
	--disable-shared --with-oniguruma CC=gcc) >"$WORK/configure.log" 2>&1 ||
	{ bad "autoreconf, configure: $(tail -3 "$WORK/configure.log")"; exit 1; }
rm -rf "$WORK/hpcc/jq"
mkdir -p "$WORK/hpcc"
cp -a "$WORK/plain/jq" "$WORK/hpcc/jq"

# build VARIANT CC: make in $WORK/VARIANT/jq with that compiler.
build() {
	cd "$WORK/$1/jq" && make -j"$JOBS" CC="$2"
}

# results VARIANT: "test result" per test of the last make check.
results() {
	(cd "$WORK/$1/jq" && grep -H '^:test-result:' tests/*.trs |
		sed 's/\.trs::test-result://' | sort)
}

reports=$WORK/reports
rm -rf "$reports"
mkdir -p "$reports"
start=$SECONDS
(build plain gcc) >"$WORK/plain.log" 2>&1 || { bad "plain build (see $WORK/plain.log)"; exit 1; }
(cd "$WORK/plain/jq" && make check "${tests[@]}") >>"$WORK/plain.log" 2>&1
ps=$?
say "plain: make check status $ps ($((SECONDS - start)) s with the build)"
results plain | sed 's/^/plain: /'
[ $ps -eq 0 ] || bad "the plain build's test suite failed (see $WORK/plain.log)"

start=$SECONDS
cc="$HPCC --instrument=all --report=json:$reports/%p.json gcc"
(build hpcc "$cc") >"$WORK/hpcc.log" 2>&1 || { bad "hpcc build (see $WORK/hpcc.log)"; exit 1; }
n=$(grep -c 'hpcc: \|: warning: hotpath: \|: error: hotpath: ' "$WORK/hpcc.log")
[ "$n" -eq 0 ] || { bad "hpcc printed $n messages:"; grep 'hpcc: \|hotpath: ' "$WORK/hpcc.log" | head; }
nm "$WORK/hpcc/jq/jq" | grep -q hp_site_ || bad "jq holds no instrumented code"
watch_start "$reports" "$WORK/writes" || exit 1
rm -rf "$WORK/execs"
mkdir -p "$WORK/execs"
# a file per process (-ff): no execve line split by another's
(cd "$WORK/hpcc/jq" &&
 strace -ff -qq --seccomp-bpf -e trace=execve -e signal=none -o "$WORK/execs/p" \
	make check "${tests[@]}" CC="$cc") \
	>>"$WORK/hpcc.log" 2>&1
hs=$?
watch_stop
say "hpcc: make check status $hs ($((SECONDS - start)) s with the build)"
[ $hs -eq $ps ] || bad "the instrumented build's test suite status differs: $ps vs $hs"
results plain >"$WORK/plain.results"
results hpcc >"$WORK/hpcc.results"
cmp -s "$WORK/plain.results" "$WORK/hpcc.results" ||
	bad "results differ: $(diff "$WORK/plain.results" "$WORK/hpcc.results" | grep '^[<>]' | xargs)"
[ -s "$WORK/plain.results" ] || bad "no test results"

# One report per jq process: the successful execs of the built jq.
jq_bin=$(readlink -f "$WORK/hpcc/jq/jq")
procs=$(cat "$WORK"/execs/p.* | sed -n 's/^execve("\([^"]*\)".* = 0$/\1/p' |
	while read -r p; do [ "$(readlink -f "$p")" = "$jq_bin" ] && echo; done | wc -l)
n=$(ls "$reports" | wc -l)
say "hpcc: jq processes $procs, reports $n"
[ "$procs" -gt 50 ] || bad "only $procs jq processes seen"
[ "$n" -eq "$procs" ] || bad "$n reports for $procs jq processes"
n=$(ls "$reports" | grep -cv '^[0-9][0-9]*\.json$')
[ "$n" -eq 0 ] || bad "$n report files not named <pid>.json"
n=$(sort "$WORK/writes" | uniq -d | wc -l)
[ "$n" -eq 0 ] || bad "$n processes wrote their report more than once"
n=$(grep -c '{"program":\|^| Function ' "$WORK/hpcc.log")
[ "$n" -eq 0 ] || bad "$n reports went to stderr or stdout"

# The suite's profile.
"$HPCC" --merge "$reports"/*.json -o "$WORK/merged.json" 2>"$WORK/merge.err" ||
	bad "hpcc --merge: $(cat "$WORK/merge.err")"
"$HPCC" --merge "$reports"/*.json --format=table >"$WORK/merged.txt" 2>>"$WORK/merge.err" ||
	bad "hpcc --merge --format=table: $(cat "$WORK/merge.err")"
python3 - "$WORK/merged.json" "$reports"/*.json <<'PY' || bad "the merged profile"
import json, sys
merged = json.load(open(sys.argv[1]))
runs = [json.load(open(p)) for p in sys.argv[2:]]
fns = {(f["name"], f["file"]): f for f in merged["functions"]}
names = {n for n, _ in fns}
need = ["main", "jq_next", "jq_compile_args", "jv_parse_sized", "jq_init", "jq_teardown"]
missing = [n for n in need if n not in names]
assert not missing, "merged profile lacks %s" % missing
assert merged["merged_reports"] == len(runs)
for name in need:
    keys = [k for k in fns if k[0] == name]
    for k in keys:
        want = sum(f["calls"] for r in runs for f in r["functions"]
                   if (f["name"], f["file"]) == k)
        assert fns[k]["calls"] == want, (k, fns[k]["calls"], want)
        assert want > 0
main = [f for f in merged["functions"] if f["kind"] == "main"]
assert len(main) == 1 and main[0]["calls"] == len(runs), main
print("merged: %d reports, %d functions; jq_next %d calls, main %d" % (
    len(runs), len(names), sum(fns[k]["calls"] for k in fns if k[0] == "jq_next"),
    main[0]["calls"]))
PY

# Without --report the report goes to stderr: shtest (and any test that
# compares stderr) fails.
(cd "$WORK/hpcc/jq" && HOTPATH_FORMAT=table make check "${tests[@]}" CC="$cc") >"$WORK/stderr.log" 2>&1
ss=$?
results hpcc >"$WORK/stderr.results"
say "report on stderr: make check status $ss; failing: $(grep -v ' PASS$' "$WORK/stderr.results" | xargs)"
grep -q '^tests/shtest FAIL$' "$WORK/stderr.results" ||
	bad "shtest did not fail with the report on stderr"
[ $ss -ne 0 ] || bad "make check passed with the report on stderr"

say "$failed failures"
[ $failed -eq 0 ]
