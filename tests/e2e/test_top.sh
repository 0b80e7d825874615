#!/usr/bin/env bash
# hpcc top (issue 11, item 4) on real reports: a program built by hpcc with
# gcc and clang takes two snapshots of itself (hotpath_snapshot) around a
# known amount of work, so the calls between them are exact.  Checked:
# --once rows and their order for every sort key, the figures since the
# start (--interval 0) and over an interval (plain frames on a pipe, the
# file re-read and replaced between two reads), exact call deltas, the p95
# of an interval from the two histograms, reads over HTTP from a real
# server (python's http.server), the error lines and exit statuses, and
# the keys on a terminal (top_keys.py, a pty).  The expected rows come
# from top_expect.py, which computes them from the JSON files themselves.
. "$(dirname "$0")/lib.sh"

INC=$HPCC_SRC/runtime/include
EXPECT="python3 $HPCC_SRC/tests/e2e/top_expect.py"

write_prog() {
	cat >top.c <<'SRC'
#include <stdio.h>
#include <stdlib.h>
#include <hotpath.h>

static volatile unsigned long sink;

/* @hotpath */
static void heavy(unsigned long n)
{
	unsigned long s = 0;

	for (unsigned long i = 0; i < n; i++)
		s += (i * i) ^ (s >> 3);
	sink = s;
}

/* @hotpath */
static void mid(unsigned long n)
{
	heavy(n / 100);
	for (unsigned long i = 0; i < n / 10; i++)
		sink += i;
}

/* @hotpath */
static void light(unsigned long x)
{
	sink += x;
}

/* per round: 100 light, 10 mid (each one heavy), 1 heavy */
static void rounds(int k)
{
	for (int i = 0; i < k; i++) {
		for (int j = 0; j < 100; j++)
			light((unsigned long)j);
		for (int j = 0; j < 10; j++)
			mid(20000);
		heavy(2000000);
	}
}

/* @hotpath main */
int main(int argc, char **argv)
{
	int e;

	rounds(atoi(argv[1]));
	if ((e = hotpath_snapshot("json", "s1.json")))
		return e;
	rounds(atoi(argv[2]));
	if ((e = hotpath_snapshot("json", "s2.json")))
		return e;
	return 0;
}
SRC
}

# The Calls column of row NAME in hpcc top's plain output FILE (its last
# frame).
row_calls() { # FILE NAME
	awk -v n="$2" '$1 == n { c = $3 } END { print c }' "$1"
}

# two snapshots: 2 rounds, then 5 more
make_reports() { # CC
	enter_workdir
	write_prog
	"$HPCC" "$1" -O1 -I"$INC" top.c -o prog 2>build.err || {
		fail "$1: build failed: $(cat build.err)"; return 1; }
	HOTPATH_FORMAT=none ./prog 2 5 || { fail "$1: the program failed"; return 1; }
}

since_start_each_key() { # CC
	make_reports "$1" || return
	assert_eq 200 "$(calls s1.json light)" "light calls in s1"
	for key in self total calls avg p95 name; do
		"$HPCC" top --once --interval 0 --sort "$key" s2.json >out.$key 2>err.$key
		assert_status 0 $? "--sort $key"
		$EXPECT check out.$key "$key" s2.json >why.$key ||
			fail "--sort $key: $(cat why.$key out.$key)"
		assert_not_contains out.$key $'\033'
	done
	assert_contains out.self "since start,"
	assert_eq 700 "$(row_calls out.self light)" "light's calls since the start"
	assert_eq 77 "$(row_calls out.self heavy)" "heavy's calls since the start"
	# the orders differ, so each key is seen to work
	[ "$(awk '$1 ~ /^(heavy|mid|light)$/ {print $1}' out.self | tr '\n' ' ')" != \
	  "$(awk '$1 ~ /^(heavy|mid|light)$/ {print $1}' out.calls | tr '\n' ' ')" ] ||
		fail "self and calls orders are the same: $(cat out.self)"
}

# Plain frames on a pipe, the file replaced between two reads: the frame
# after the swap shows exactly the 5 rounds between the snapshots.
interval_deltas() { # CC
	make_reports "$1" || return
	local pid i
	cp s1.json cur.json
	"$HPCC" top --interval 0.2 cur.json >frames.txt 2>frames.err &
	pid=$!
	for i in $(seq 600); do grep -q '^since start' frames.txt && break; sleep 0.1; done
	cp s2.json next.json && mv next.json cur.json
	for i in $(seq 600); do grep -q '^last ' frames.txt && break; sleep 0.1; done
	sleep 0.5 # a frame after it too (no new snapshot)
	kill "$pid"
	wait "$pid"
	assert_status 143 $? "hpcc top killed by SIGTERM"
	if [ -s frames.err ]; then fail "stderr: $(cat frames.err)"; fi
	assert_not_contains frames.txt $'\033'
	$EXPECT check frames.txt self s2.json s1.json >why || fail "interval: $(cat why frames.txt)"
	$EXPECT check frames.txt self s1.json >why || fail "first frame: $(cat why frames.txt)"
	awk '/^last /{f=1} f && /^Function /{g=1} g && /^$/{exit} g' frames.txt >interval.txt
	assert_eq 500 "$(row_calls interval.txt light)" "light's calls over the interval"
	assert_eq 50 "$(row_calls interval.txt mid)" "mid's calls over the interval"
	assert_eq 55 "$(row_calls interval.txt heavy)" "heavy's calls over the interval"
	assert_contains frames.txt "no new snapshot: 3 functions"
}

# --once with an interval on a file that does not change: zero deltas
once_unchanged() {
	make_reports gcc || return
	"$HPCC" top --once --interval 0.1 s2.json >out 2>err
	assert_status 0 $?
	assert_contains out "no new snapshot"
	assert_eq 0 "$(row_calls out light)" "light's calls, nothing new"
	assert_eq 1 "$(grep -c '^Function ' out)" "one frame"
}

# HOTPATH_LIMIT=1: the report keeps one function (of the 3 with calls;
# main's call is still open) and says how many it left out.
limited_report() {
	enter_workdir
	write_prog
	"$HPCC" gcc -O1 -I"$INC" top.c -o prog 2>build.err || { fail "build: $(cat build.err)"; return; }
	HOTPATH_LIMIT=1 HOTPATH_FORMAT=none ./prog 2 5 || { fail "the program failed"; return; }
	"$HPCC" top --once --interval 0 s2.json >out 2>err
	assert_status 0 $?
	assert_contains out "(2 more functions left out of the report by HOTPATH_LIMIT)"
	assert_eq 1 "$(awk '/^Function /{f=1; next} f && NF' out | wc -l)" "rows shown"
}

# A real HTTP server (python's http.server, HTTP/1.0, close-delimited
# bodies) serving the reports.
over_http() {
	make_reports gcc || return
	local pid port i
	python3 -c 'import http.server, sys
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print(s.server_address[1], flush=True)
s.serve_forever()' >port.txt 2>server.log &
	pid=$!
	for i in $(seq 300); do [ -s port.txt ] && break; sleep 0.1; done
	port=$(head -1 port.txt)
	"$HPCC" top --once --interval 0 "http://127.0.0.1:$port/s2.json" >out 2>err
	assert_status 0 $? "over HTTP: $(cat err)"
	$EXPECT check out self s2.json >why || fail "over HTTP: $(cat why out)"
	assert_contains out "hpcc top - prog - http://127.0.0.1:$port/s2.json"
	"$HPCC" top --once --interval 0 "127.0.0.1:$port" >out 2>err
	assert_status 1 $? "no /report.json there"
	assert_eq "hpcc: error: http://127.0.0.1:$port/report.json: the server answered 404 File not found, not 200" \
		"$(cat err)"
	kill "$pid"
	wait "$pid" 2>/dev/null
	"$HPCC" top --once "127.0.0.1:$port" >out 2>err
	assert_status 1 $? "nothing listening"
	assert_eq "hpcc: error: http://127.0.0.1:$port/report.json: cannot connect to 127.0.0.1 port $port: Connection refused" \
		"$(cat err)"
	if [ -s out ]; then fail "stdout after an error: $(cat out)"; fi
}

errors() {
	enter_workdir
	local out err
	err=$("$HPCC" top --once nope.json 2>&1 >/dev/null)
	assert_status 1 $? "missing file"
	assert_eq "hpcc: error: cannot read nope.json: No such file or directory" "$err"
	echo 'garbage {' >bad.json
	err=$("$HPCC" top --once bad.json 2>&1 >/dev/null)
	assert_status 1 $? "garbage"
	assert_eq "hpcc: error: bad.json: not JSON (near byte 0)" "$err"
	echo '{"program": "x"}' >other.json
	err=$("$HPCC" top --once other.json 2>&1 >/dev/null)
	assert_status 1 $? "other JSON"
	assert_eq "hpcc: error: other.json: not a hotpath JSON report (no functions or total_ns)" "$err"
	err=$("$HPCC" top --interval 0 x.json 2>&1 >/dev/null)
	assert_status 2 $? "--interval 0 without --once"
	assert_eq "hpcc: error: --interval 0 is for --once only" "$err"
	err=$("$HPCC" top --interval 0.01 x.json 2>&1 >/dev/null)
	assert_status 2 $? "--interval 0.01"
	err=$("$HPCC" top --sort size x.json 2>&1 >/dev/null)
	assert_status 2 $? "--sort size"
	assert_eq "hpcc: error: --sort: 'size' is not self, total, calls, avg, p95 or name" "$err"
	err=$("$HPCC" top --bogus 2>&1 >/dev/null)
	assert_status 2 $? "unknown option"
	err=$("$HPCC" top --once https://127.0.0.1:1/ 2>&1 >/dev/null)
	assert_status 2 $? "https"
	assert_eq "hpcc: error: 'https://127.0.0.1:1/': only http:// URLs are supported" "$err"
	err=$("$HPCC" top a.json b.json 2>&1 >/dev/null)
	assert_status 2 $? "two targets"
	out=$("$HPCC" top --help)
	assert_status 0 $? "--help"
	case $out in "usage: hpcc top "*) ;; *) fail "--help: $out" ;; esac
	"$HPCC" --help | grep -q '^       hpcc top ' || fail "hpcc --help does not mention hpcc top"
}

# A live program (HOTPATH_HTTP=0: a free port, named on stderr) makes
# 1000 work and 100 other calls (each two more work) per round and waits on
# a FIFO between rounds, so the counts are exact.
write_live() {
	cat >live.c <<'SRC'
#include <stdio.h>
#include <unistd.h>

static volatile unsigned sink;

/* @hotpath */
static void work(unsigned x) { sink += x * 2654435761u; }

/* @hotpath */
static void other(unsigned x) { work(x); work(x + 1); }

/* @hotpath main */
int main(void)
{
	char c;

	for (int round = 1;; round++) {
		for (unsigned i = 0; i < 1000; i++)
			work(i);
		for (unsigned i = 0; i < 100; i++)
			other(i);
		printf("ready %d\n", round);
		fflush(stdout);
		if (read(0, &c, 1) != 1) /* the FIFO closed: done */
			break;
	}
	return 0;
}
SRC
}

wait_for() { # FILE PATTERN: up to 60 s (a guard against a hang)
	local i
	for i in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	fail "'$2' never appeared in $1: $(head -c 600 "$1")"
}

live_over_http() { # CC
	enter_workdir
	write_live
	"$HPCC" "$1" -O1 live.c -o live 2>build.err || { fail "build: $(cat build.err)"; return; }
	local pid top port url sum n i
	rm -f ctl
	mkfifo ctl
	HOTPATH_FORMAT=none HOTPATH_HTTP=0 ./live <ctl >out 2>err &
	pid=$!
	exec 7>ctl
	wait_for out '^ready 1$'
	wait_for err 'serving http://127.0.0.1:'
	port=$(sed -n 's|^\[hotpath\] serving http://127.0.0.1:\([0-9]*\)/$|\1|p' err)
	url=http://127.0.0.1:$port/
	"$HPCC" top --once --interval 0 "$url" >once.txt 2>once.err
	assert_status 0 $? "--once --interval 0: $(cat once.err)"
	assert_contains once.txt "hpcc top - live - ${url}report.json"
	assert_contains once.txt "since start,"
	assert_eq 1200 "$(row_calls once.txt work)" "work's calls since the start"
	assert_eq 100 "$(row_calls once.txt other)" "other's calls since the start"
	# the program idle: an interval of nothing
	"$HPCC" top --once --interval 0.2 "127.0.0.1:$port" >idle.txt 2>idle.err
	assert_status 0 $? "--once: $(cat idle.err)"
	assert_contains idle.txt "last "
	assert_eq 0 "$(row_calls idle.txt work)" "work's calls while the program waits"
	# frames while two more rounds run: their deltas add up to them exactly
	"$HPCC" top --interval 0.2 "$url" >frames.txt 2>frames.err &
	top=$!
	wait_for frames.txt '^since start'
	printf x >&7
	wait_for out '^ready 2$'
	printf x >&7
	wait_for out '^ready 3$'
	# two frames more: the last one read after round 3

	n=$(grep -c '^hpcc top' frames.txt)
	for i in $(seq 600); do
		[ "$(grep -c '^hpcc top' frames.txt)" -ge $((n + 2)) ] && break
		sleep 0.1
	done
	kill "$top"
	wait "$top"
	assert_status 143 $? "hpcc top killed by SIGTERM"
	sum=$(awk '/^hpcc top/ { f = 0 } /^last / { f = 1 } f && $1 == "work" { s += $3 }
		END { print s + 0 }' frames.txt)
	assert_eq 2400 "$sum" "work's calls over the frames of two rounds"
	exec 7>&-
	wait "$pid"
	assert_status 0 $? "the program"
}

on_a_terminal() {
	make_reports gcc || return
	python3 "$HPCC_SRC/tests/e2e/top_keys.py" "$HPCC" s2.json >keys.log 2>&1 ||
		fail "$(cat keys.log)"
}

for cc in $COMPILERS; do
	command -v "$cc" >/dev/null || continue
	check "since the start, every sort key ($cc)" since_start_each_key "$cc"
	check "an interval: exact call deltas and p95 ($cc)" interval_deltas "$cc"
	check "a live program over HOTPATH_HTTP ($cc)" live_over_http "$cc"
done
check "--once on an unchanged file" once_unchanged
check "a report cut by HOTPATH_LIMIT" limited_report
check "over HTTP (python http.server)" over_http
check "errors and usage" errors
check "keys, resize and every exit on a terminal (pty)" on_a_terminal
finish
