#!/usr/bin/env bash
# Live reports (issue 11, item 5): HOTPATH_INTERVAL's numbered files and
# the public hotpath_snapshot(format, path).  Real gcc and clang, real
# programs; counts are exact (one thread, known calls), timing is never
# asserted (only that at least one interval file appeared).
. "$(dirname "$0")/lib.sh"

INC=$HPCC_SRC/runtime/include

write_snap_c() {
	cat >snap.c <<'C'
#include <stdio.h>
#include <hotpath.h>

/* @hotpath */
static int work(int x) { return x * 2 + 1; }

/* @hotpath main */
int main(void)
{
	int i, s = 0, e;

	for (i = 0; i < 3; i++)
		s += work(i);
	e = hotpath_snapshot("json", "first-%p.json");
	if (e) { printf("first: %d\n", e); return 1; }
	for (i = 0; i < 4; i++)
		s += work(i);
	e = hotpath_snapshot("json-pretty", "second.json");
	if (e) { printf("second: %d\n", e); return 1; }
	printf("table %d\n", hotpath_snapshot("table", "third.txt"));
	printf("unknown %d\n", hotpath_snapshot("xml", "x.xml"));
	printf("nodir %d\n", hotpath_snapshot("json", "no/such/dir/x.json"));
	printf("sum %d\n", s);
	return 0;
}
C
}

write_loop_c() {
	cat >loop.c <<'C'
#include <time.h>

/* @hotpath */
static void tick(void)
{
	struct timespec t = { 0, 10000000 };
	nanosleep(&t, 0);
}

/* @hotpath main */
int main(void)
{
	int i;

	for (i = 0; i < 150; i++) /* about 1.5 s */
		tick();
	return 0;
}
C
}

snapshot_counts() {
	enter_workdir
	write_snap_c
	"$HPCC" $cc -I"$INC" snap.c -o snap 2>err || { fail "build: $(cat err)"; return; }
	./snap >out 2>report
	assert_status 0 $? "snap's status"
	pid=$(ls first-*.json 2>/dev/null | sed 's/first-\(.*\)\.json/\1/')
	assert_exists "first-$pid.json"
	assert_eq 3 "$(calls first-$pid.json work)" "work's calls at the first snapshot"
	assert_eq 7 "$(calls second.json work)" "work's calls at the second snapshot"
	[ "$(wc -l <second.json)" -gt 10 ] || fail "second.json is not json-pretty"
	assert_contains third.txt "| work "
	assert_eq "table 0
unknown 22
nodir 2
sum 25" "$(cat out)" "stdout"
	assert_missing x.xml
	# the exit report is still the table on stderr, and nothing else
	assert_contains report "[hotpath] Performance summary"
	assert_contains report "| work     | 7 "
	assert_not_contains report "first-"
	assert_not_contains report "cannot write"
}

# Built without hpcc, the header's call links and returns ENOSYS.
no_runtime() {
	enter_workdir
	write_snap_c
	$cc -std=c89 -Wall -Wextra -pedantic -Werror -I"$INC" snap.c -o plain 2>err ||
		{ fail "plain build: $(cat err)"; return; }
	./plain >out 2>report
	assert_status 1 $? "plain's status"
	assert_eq "first: 38" "$(cat out)" "stdout"
	assert_eq "" "$(cat report)" "stderr"
}

# interval_files PREFIX: hotpath files PREFIX-0001.json ... numbered from 1
# without gaps, each a JSON report whose tick count never goes down.
check_interval_files() {
	python3 - "$@" <<'PY' || fail "interval files: $(ls)"
import glob, json, re, sys
prefix, final = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(prefix + "-[0-9][0-9][0-9][0-9].json"))
assert files, "no interval file"
seqs = [int(re.search(r"-(\d{4})\.json$", f).group(1)) for f in files]
assert seqs == list(range(1, len(files) + 1)), seqs
last = 0
for f in files:
    r = json.load(open(f))
    assert r["program"] == "loop" and isinstance(r["functions"], list), f
    n = sum(x["calls"] for x in r["functions"] if x["name"] == "tick")
    assert last <= n <= final, (f, last, n)
    last = n
PY
}

interval_files() {
	enter_workdir
	write_loop_c
	"$HPCC" $cc loop.c -o loop 2>err || { fail "build: $(cat err)"; return; }
	HOTPATH_INTERVAL=0.5 HOTPATH_FORMAT=json ./loop 2>report &
	pid=$!
	wait $pid
	assert_status 0 $? "loop's status"
	check_interval_files "hotpath-$pid" 150
	# the exit report as before: JSON on stderr, all 150 calls
	python3 -c 'import json, sys; json.load(open("report"))' || fail "stderr is not the JSON report: $(head -c 300 report)"
	assert_eq 150 "$(calls report tick)" "tick's calls at exit"
}

# A file pattern of HOTPATH_OUTPUT (%p) gets the number before its
# extension; the exit report keeps the name itself.
interval_output_pattern() {
	enter_workdir
	write_loop_c
	"$HPCC" $cc loop.c -o loop 2>err || { fail "build: $(cat err)"; return; }
	mkdir out
	HOTPATH_INTERVAL=1 HOTPATH_FORMAT=json,trace HOTPATH_OUTPUT=out/prof-%p.json ./loop 2>report &
	pid=$!
	wait $pid
	assert_status 0 $? "loop's status"
	check_interval_files "out/prof-$pid" 150
	# the second format goes where the exit report's goes (output.h rule 4)
	assert_exists "hotpath-$pid-0001.trace.json"
	assert_exists "out/prof-$pid.json"
	assert_exists "hotpath-$pid.trace.json"
	assert_eq 150 "$(calls out/prof-$pid.json tick)" "tick's calls at exit"
	# a device gets no numbered siblings: they go to the current directory
	HOTPATH_INTERVAL=1 HOTPATH_FORMAT=json HOTPATH_OUTPUT=/dev/null ./loop 2>report &
	pid=$!
	wait $pid
	check_interval_files "hotpath-$pid" 150
	assert_eq "" "$(ls /dev | grep -- '^null-')" "files beside /dev/null"
}

# Snapshots from several threads at once, while other threads record and
# the interval ticks: every call returns 0, every file is a whole JSON
# report, and the exit report still counts every call exactly.
threads() {
	enter_workdir
	cat >threads.c <<'C'
#include <pthread.h>
#include <stdio.h>
#include <hotpath.h>

#define CALLS 200000

/* @hotpath */
static unsigned leaf(unsigned x) { return x * 2654435761u; }

static void *busy(void *arg)
{
	unsigned i, s = 0;

	for (i = 0; i < CALLS; i++)
		s += leaf(i);
	return (void *)(unsigned long)(s | 1);
}

static void *snapper(void *arg)
{
	char path[64];
	int i, bad = 0;

	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof path, "s-%d-%02d.json", (int)(long)arg, i);
		bad += hotpath_snapshot(i % 2 ? "json" : NULL, path) != 0;
	}
	return (void *)(long)bad;
}

/* @hotpath main */
int main(void)
{
	pthread_t b[4], s[3];
	void *r;
	int i, bad = 0;

	(void)leaf(0); /* the session has started: no ESRCH below */
	for (i = 0; i < 4; i++)
		pthread_create(&b[i], NULL, busy, NULL);
	for (i = 0; i < 3; i++)
		pthread_create(&s[i], NULL, snapper, (void *)(long)i);
	for (i = 0; i < 3; i++) {
		pthread_join(s[i], &r);
		bad += (int)(long)r;
	}
	for (i = 0; i < 4; i++)
		pthread_join(b[i], NULL);
	printf("failed %d\n", bad);
	return 0;
}
C
	"$HPCC" $cc -O2 -pthread -I"$INC" threads.c -o threads 2>err || { fail "build: $(cat err)"; return; }
	HOTPATH_INTERVAL=0.01 HOTPATH_FORMAT=json ./threads >out 2>report
	assert_status 0 $? "threads' status"
	assert_eq "failed 0" "$(cat out)" "stdout"
	assert_eq 60 "$(ls s-*.json | wc -l)" "snapshot files"
	python3 - <<'PY' || fail "a snapshot is not a whole report"
import glob, json
for f in glob.glob("s-*.json") + glob.glob("hotpath-*-[0-9]*.json"):
    r = json.load(open(f))
    assert isinstance(r["functions"], list), f
    for x in r["functions"]:
        assert x["name"] != "leaf" or x["calls"] <= 800001, f
PY
	assert_eq 800001 "$(calls report leaf)" "leaf's calls at exit"
}

bad_interval() {
	enter_workdir
	write_loop_c
	"$HPCC" $cc loop.c -o loop 2>err || { fail "build: $(cat err)"; return; }
	for v in -1 0.001 abc 1.2345 99999999; do
		HOTPATH_INTERVAL=$v ./loop 2>report
		assert_contains report "[hotpath] ignored HOTPATH_INTERVAL=$v (expected seconds from 0.010 to 86400, at most three decimals, or 0): no interval reports"
	done
	assert_eq "" "$(ls hotpath-* 2>/dev/null)" "files written"
}

for cc in $COMPILERS; do
	check "$cc: two snapshots hold the exact counts of their moments" snapshot_counts
	check "$cc: without the runtime hotpath_snapshot is ENOSYS" no_runtime
	check "$cc: HOTPATH_INTERVAL writes numbered JSON reports" interval_files
	check "$cc: HOTPATH_INTERVAL with an HOTPATH_OUTPUT pattern" interval_output_pattern
	check "$cc: bad HOTPATH_INTERVAL values are named" bad_interval
	check "$cc: snapshots from several threads while others record" threads
done
finish
