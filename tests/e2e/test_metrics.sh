#!/usr/bin/env bash
# HOTPATH_FORMAT=metrics (issue 11, items 1 and 7): a real program built
# through hpcc with gcc and clang writes Prometheus text that
# `promtool check metrics` accepts, with the exact counts the program
# made, labels that survive quotes, backslashes, newlines, UTF-8 and a
# Latin-1 byte in a block label and in file paths, one series per site
# (two static helper()s of two files, one measure_block label at two
# lines), and a histogram that is the JSON report's histogram counted
# into the le bounds by metrics.h's rule.  It is a format like the others:
# HOTPATH_OUTPUT folders (.prom), HOTPATH_OUTPUT_METRICS,
# hotpath_snapshot("metrics", path), and --alloc's counters.
#
# promtool (Debian's prometheus package) is a test dependency
# (.ci/deps.sh): without it this test fails.
. "$(dirname "$0")/lib.sh"

for v in $(compgen -e | grep '^HOTPATH_'); do unset "$v"; done
unset HPCC_ALLOC HPCC_INSTRUMENT HPCC_EXCLUDE HPCC_EXCLUDE_FILE HPCC_STRICT HPCC_REPORT
INC=$HPCC_SRC/runtime/include
PROM="python3 $HPCC_SRC/tests/e2e/prom.py"
# Directory names that labels must carry: a quote, a backslash, a
# newline and UTF-8; and a Latin-1 byte, which is not UTF-8 (U+FFFD).
WEIRD=$'w"q\\ b\n\xc3\xa9'
LATIN=$'lat\xe9'
LATIN_LABEL=$'lat\xef\xbf\xbd'
BLOCK=$'step "q" \\ b\nc \xc3\xa9'

need_promtool() {
	command -v promtool >/dev/null ||
		fail "promtool is not installed (Debian package prometheus; .ci/deps.sh installs it)"
}

write_sources() {
	mkdir -p "$WEIRD" "$LATIN"
	cat >"$WEIRD/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <hotpath.h>

int helper_a(int n);
int helper_b(int n);

/* @hotpath */
static int work(int x) { return x * 2 + 1; }

/* @hotpath */
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* @hotpath */
static void grab(void)
{
	free(malloc(100));
	free(malloc(28));
}

/* @hotpath main */
int main(void)
{
	int i, s = 0;

	for (i = 0; i < 1000; i++)
		s += work(i);
	if (hotpath_snapshot("metrics", "snap.prom"))
		return 1;
	for (i = 0; i < 234; i++)
		s += work(i);
	s += fib(10);
	for (i = 0; i < 3; i++) {
		/* @hotpath measure_block("step \"q\" \\ b\nc é") */
		{
			s += i;
		}
	}
	for (i = 0; i < 2; i++) {
		/* @hotpath measure_block("step \"q\" \\ b\nc é") */
		{
			s -= i;
		}
	}
	for (i = 0; i < 10; i++)
		grab();
	s += helper_a(4) + helper_b(5);
	printf("%d\n", s);
	return 0;
}
C
	local f dir
	for f in a b; do
		dir=$WEIRD
		[ $f = b ] && dir=$LATIN
		cat >"$dir/$f.c" <<C
/* @hotpath */
static int helper(int x) { return x + 1; }

int helper_$f(int n)
{
	int i, s = 0;

	for (i = 0; i < n; i++)
		s += helper(i);
	return s;
}
C
	done
}

# build KIND [HPCC OPTIONS...]: prog from the three files, once per
# compiler and KIND, in $E2E_SCRATCH/$cc.KIND (its sources stay there:
# the labels name them as compiled).
build_once() {
	local d=$E2E_SCRATCH/$cc.$1
	shift
	rm -rf "$d"
	mkdir -p "$d"
	(cd "$d" && write_sources &&
		"$HPCC" "$@" $cc -I"$INC" "$WEIRD/prog.c" "$WEIRD/a.c" "$LATIN/b.c" \
			-o prog) >"$d.err" 2>&1 ||
		{ fail "build: $(head -c 600 "$d.err")"; return 1; }
	assert_instrumented "$d/prog"
}

# build KIND: a fresh work folder beside the build of KIND (same relative
# source names), entered
build() {
	local d=$E2E_SCRATCH/$cc.$1
	[ -x "$d/prog" ] || { fail "no $cc $1 build"; return 1; }
	rm -rf "$E2E_SCRATCH/w.$tmp_n"
	mkdir -p "$E2E_SCRATCH/w.$tmp_n"
	cd "$E2E_SCRATCH/w.$tmp_n" || return 1
	cp -r "$d"/. .
}

# promtool_ok FILE: promtool accepts it, lint included, and prom.py parses it
promtool_ok() {
	promtool check metrics <"$1" >promtool.out 2>&1 ||
		fail "promtool check metrics $1: $(head -c 600 promtool.out)"
	[ -s promtool.out ] && fail "promtool said something on $1: $(head -c 600 promtool.out)"
	$PROM check "$1" 2>prom.err || fail "prom.py check $1: $(cat prom.err)"
}

# value FILE METRIC LABEL=VALUE...: the one matching series' value
value() {
	$PROM get "$@" 2>&1
}

exposition() {
	need_promtool || return
	build plain || return
	HOTPATH_FORMAT=metrics HOTPATH_OUTPUT=m.prom ./prog >out 2>err
	assert_status 0 $? "prog's status ($(head -c 300 err))"
	assert_eq "[hotpath] wrote m.prom" "$(cat err)" "stderr"
	promtool_ok m.prom
	promtool_ok snap.prom
	local prog=$WEIRD/prog.c l1 l2
	l1=$(($(grep -n 'measure_block' "$prog" | sed -n 1p | cut -d: -f1) + 1))
	l2=$(($(grep -n 'measure_block' "$prog" | sed -n 2p | cut -d: -f1) + 1))
	assert_eq 1234 "$(value m.prom hotpath_calls_total function=work "file=$prog" line=9 kind=function)" "work's calls"
	assert_eq 1000 "$(value snap.prom hotpath_calls_total function=work)" "work's calls at the snapshot"
	assert_eq 177 "$(value m.prom hotpath_calls_total function=fib)" "fib's calls"
	assert_eq 10 "$(value m.prom hotpath_calls_total function=grab)" "grab's calls"
	assert_eq 1 "$(value m.prom hotpath_calls_total function=main kind=main)" "main's calls"
	assert_eq 4 "$(value m.prom hotpath_calls_total function=helper "file=$WEIRD/a.c")" "a.c helper's calls"
	assert_eq 5 "$(value m.prom hotpath_calls_total function=helper "file=$LATIN_LABEL/b.c")" "b.c helper's calls"
	assert_eq 2 "$($PROM count m.prom hotpath_calls_total function=helper)" "helper series"
	assert_eq 3 "$(value m.prom hotpath_calls_total "function=$BLOCK" line=$l1 kind=block)" "first block's calls"
	assert_eq 2 "$(value m.prom hotpath_calls_total "function=$BLOCK" line=$l2 kind=block)" "second block's calls"
	assert_eq 8 "$($PROM count m.prom hotpath_calls_total)" "sites"
	assert_eq 1234 "$(value m.prom hotpath_call_duration_seconds_count function=work)" "work's _count"
	assert_eq 1234 "$(value m.prom hotpath_call_duration_seconds_bucket function=work le=+Inf)" "work's +Inf"
	assert_eq 0 "$(value m.prom hotpath_lost_total)" "lost"
	# no --alloc, no allocation families
	assert_not_contains m.prom "alloc"
	# the text is escaped, never raw: a label's newline is "\n"
	assert_contains m.prom 'function="step \"q\" \\ b\nc é",file="w\"q\\ b\né/prog.c"'
}

# The same run's JSON and metrics agree figure for figure: calls, total
# and self to the ns, and every bucket is the JSON histogram counted by
# metrics.h's rule (each pair under every le at or above its value_ns).
agrees_with_json() {
	need_promtool || return
	build plain || return
	HOTPATH_FORMAT=json,metrics HOTPATH_OUTPUT=out/ ./prog >out.txt 2>err
	assert_status 0 $? "prog's status ($(head -c 300 err))"
	local prom json
	prom=$(ls out/hotpath-*.prom 2>/dev/null)
	json=$(ls out/hotpath-*.json 2>/dev/null)
	[ -n "$prom" ] && [ -n "$json" ] || { fail "out/ holds $(ls out)"; return; }
	assert_eq "${prom%.prom}" "${json%.json}" "the two files' names"
	promtool_ok "$prom"
	python3 - "$json" "$prom" "$HPCC_SRC/tests/e2e" >cmp.out 2>&1 <<'PY' || fail "json vs metrics: $(head -c 1500 cmp.out)"
import json, sys
sys.path.insert(0, sys.argv[3])
import prom
LE = [100, 300, 1000, 3000, 10000, 30000, 100000, 300000, 1000000, 3000000,
      10000000, 30000000, 100000000, 300000000, 1000000000, 3000000000, 10000000000]
def secs(ns):
    s = '%d.%09d' % (ns // 10**9, ns % 10**9)
    return s.rstrip('0').rstrip('.')
# both say U+FFFD for what is not UTF-8 (the Latin-1 directory): the
# JSON is read strictly, one bad byte fails it
r = json.load(open(sys.argv[1], encoding='utf-8', errors='strict'))
if not any(f['file'].startswith('lat\ufffd/') for f in r['functions']):
    print('no lat\\ufffd/ file: %r' % sorted({f['file'] for f in r['functions']}))
    sys.exit(1)
series = {}
for name, labels, v in prom.parse(sys.argv[2]):
    series[(name, labels.get('function'), labels.get('file'), labels.get('line'),
            labels.get('le'))] = v
# each bound as the exposition spells it
le_text = {round(float(k[4]) * 1e9): k[4] for k in series
           if k[4] not in (None, '+Inf')}
if sorted(le_text) != LE:
    print('le bounds %r' % sorted(le_text))
    sys.exit(1)
bad = []
def want(metric, f, le, expect):
    got = series.get((metric, f['name'], f['file'], str(f['line']), le))
    if got != expect:
        bad.append('%s %s:%s %s le=%s: metrics %r, json %r' % (
            metric, f['file'], f['line'], f['name'], le, got, expect))
for f in r['functions']:
    want('hotpath_calls_total', f, None, str(f['calls']))
    want('hotpath_time_seconds_total', f, None, secs(f['total_ns']))
    want('hotpath_self_seconds_total', f, None, secs(f['self_ns']))
    want('hotpath_call_duration_seconds_sum', f, None,
         secs(f['total_ns'] + f['recursive_ns']))
    want('hotpath_call_duration_seconds_count', f, None, str(f['calls']))
    pairs = f['histogram']
    for le in LE:
        n = sum(c for v, c in pairs if v <= le)
        want('hotpath_call_duration_seconds_bucket', f, le_text.get(le),
             str(min(n, f['calls'])))
    want('hotpath_call_duration_seconds_bucket', f, '+Inf', str(f['calls']))
if len(r['functions']) != 8:
    bad.append('%d rows in the JSON' % len(r['functions']))
if bad:
    print('\n'.join(bad))
    sys.exit(1)
PY
}

# HOTPATH_OUTPUT_METRICS names its file; the table stays on stderr.
output_variable() {
	need_promtool || return
	build plain || return
	HOTPATH_FORMAT=table,metrics HOTPATH_OUTPUT_METRICS=m-%p.prom ./prog >out 2>err
	assert_status 0 $? "prog's status"
	local f
	f=$(ls m-*.prom 2>/dev/null)
	[ -n "$f" ] || { fail "no m-PID.prom: $(ls)"; return; }
	promtool_ok "$f"
	assert_contains err "| work "
	assert_contains err "[hotpath] wrote $f"
	assert_eq 1234 "$(value "$f" hotpath_calls_total function=work)" "work's calls"
}

# hpcc --alloc: the allocation counters, exact for grab's own mallocs.
alloc_counters() {
	need_promtool || return
	build alloc || return
	HOTPATH_FORMAT=metrics HOTPATH_OUTPUT=m.prom ./prog >out 2>err
	assert_status 0 $? "prog's status ($(head -c 300 err))"
	promtool_ok m.prom
	assert_eq 20 "$(value m.prom hotpath_allocations_total function=grab)" "grab's allocations"
	assert_eq 20 "$(value m.prom hotpath_self_allocations_total function=grab)" "grab's own allocations"
	assert_eq 1280 "$(value m.prom hotpath_alloc_bytes_total function=grab)" "grab's bytes"
	assert_eq 1280 "$(value m.prom hotpath_self_alloc_bytes_total function=grab)" "grab's own bytes"
	assert_eq 100 "$(value m.prom hotpath_alloc_peak_bytes function=grab)" "grab's peak bytes"
	assert_eq 1 "$(value m.prom hotpath_alloc_peak_blocks function=grab)" "grab's peak blocks"
	assert_eq 0 "$(value m.prom hotpath_allocations_total function=work)" "work's allocations"
}

for cc in $COMPILERS; do
	check "$cc: build" build_once plain
	check "$cc: build --alloc" build_once alloc --alloc
	check "$cc: metrics pass promtool with exact counts and escaped labels" exposition
	check "$cc: metrics agree with the JSON report, histogram included" agrees_with_json
	check "$cc: HOTPATH_OUTPUT_METRICS" output_variable
	check "$cc: --alloc counters" alloc_counters
done
finish
