#!/usr/bin/env bash
# Fleet monitoring with the real thing (issue 11, item 7): a real
# Prometheus server (Debian's prometheus) scrapes an instrumented
# program's /metrics (HOTPATH_HTTP) every second, found through a file_sd
# target file as the README's fleet set-up has it, and its HTTP API then
# answers with the exact count the program made and with a result for
# each PromQL query the README documents (rate of calls, p95 from the
# histogram, self-time share).  Before that, Prometheus reads back, label
# for label, a metrics file whose block label and file paths hold quotes,
# backslashes, newlines, UTF-8 and a Latin-1 byte (served by Python's
# http.server: the escaping, checked against Prometheus's own parser).
#
# The program makes N calls of work() and says "ready"; then, until the
# test writes to its FIFO, it calls tick() about every millisecond, so
# the rates and the quantile have something to show.  Nothing here
# asserts a duration: the waits are bounded polls (a minute at most)
# for Prometheus to have scraped.  Prometheus and the program are killed
# on every exit path, and their temporary folder removed.
#
# prometheus and promtool (Debian package prometheus) are test
# dependencies (.ci/deps.sh): without them this test fails.
. "$(dirname "$0")/lib.sh"

for v in $(compgen -e | grep '^HOTPATH_'); do unset "$v"; done
unset HPCC_ALLOC HPCC_INSTRUMENT HPCC_EXCLUDE HPCC_EXCLUDE_FILE HPCC_STRICT HPCC_REPORT
INC=$HPCC_SRC/runtime/include
N=1234
cc=${COMPILERS%% *}
WEIRD=$'w"q\\ b\n\xc3\xa9'
LATIN=$'lat\xe9'

PROM_PID=
PROG_PID=
RUN=
# Kills what this test started (by pid) and removes its folder.
cleanup() {
	local p
	for p in $PROG_PID $PROM_PID; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PROG_PID=
	PROM_PID=
	[ -n "$RUN" ] && rm -rf "$RUN"
	RUN=
	cd "$E2E_SCRATCH" || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

write_prog() {
	cat >live.c <<'C'
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;
static volatile unsigned long sink;

/* @hotpath */
static int work(int x) { return x * 2 + 1; }

/* @hotpath */
static void tick(void)
{
	int i;

	for (i = 0; i < 2000; i++)
		sink += (unsigned long)i;
}

/* Blocks until the test writes to the FIFO. */
static void *wait_fifo(void *path)
{
	char c;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		(void)read(fd, &c, 1);
		close(fd);
	}
	atomic_store(&stop, 1);
	return NULL;
}

/* @hotpath main */
int main(int argc, char **argv)
{
	struct timespec ms = { 0, 1000000 };
	pthread_t t;
	int i, s = 0, n = atoi(argv[1]);

	if (argc != 3)
		return 2;
	for (i = 0; i < n; i++)
		s += work(i);
	printf("ready %d\n", s);
	fflush(stdout);
	if (pthread_create(&t, NULL, wait_fifo, argv[2]))
		return 1;
	while (!atomic_load(&stop)) {
		tick();
		nanosleep(&ms, NULL);
	}
	pthread_join(t, NULL);
	return 0;
}
C
}

# A TCP port nobody listens on now (the kernel's pick, then released).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# query EXPR: Prometheus's instant vector for EXPR as lines
# "function value" (the API's JSON, read with Python).
query() {
	python3 - "http://127.0.0.1:$PROM_PORT" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + '/api/v1/query?' + urllib.parse.urlencode({'query': sys.argv[2]})
try:
    r = json.load(urllib.request.urlopen(url, timeout=10))
except Exception as e:
    print('error %s' % e)
    sys.exit(0)
if r.get('status') != 'success':
    print('error %s' % r)
    sys.exit(0)
for s in r['data']['result']:
    print(s['metric'].get('function', '-'), s['value'][1])
PY
}

# poll EXPR PYTHON-CONDITION WHAT: queries EXPR once a second, for at most
# a minute, until the condition holds for its result `rows` (a dict of
# function -> float); sets POLLED to the last result.
poll() {
	local i
	for i in $(seq 60); do
		POLLED=$(query "$1")
		if python3 -c 'import math, sys
rows = {}
for line in sys.argv[2].splitlines():
    f, _, v = line.partition(" ")
    if f != "error":
        rows[f] = float(v)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" "$POLLED"; then
			return 0
		fi
		kill -0 "$PROM_PID" 2>/dev/null || { fail "prometheus died: $(tail -c 600 "$RUN/prom.log")"; return 1; }
		sleep 1
	done
	fail "$3: '$1' gave '$POLLED' for a minute"
	return 1
}

# start_prometheus TARGET: Prometheus scraping TARGET (host:port) every
# second, from a file_sd target file, on a free port (tried thrice).
start_prometheus() {
	local try
	cat >"$RUN/targets.json" <<J
[ { "targets": [ "$1" ], "labels": { "service": "hpcc-test" } } ]
J
	cat >"$RUN/prometheus.yml" <<Y
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hotpath
    scrape_timeout: 1s
    file_sd_configs:
      - files: [ "$RUN/targets.json" ]
        refresh_interval: 1s
Y
	promtool check config "$RUN/prometheus.yml" >"$RUN/check.log" 2>&1 ||
		{ fail "promtool check config: $(cat "$RUN/check.log")"; return 1; }
	for try in 1 2 3; do
		PROM_PORT=$(free_port)
		prometheus --config.file="$RUN/prometheus.yml" \
			--storage.tsdb.path="$RUN/tsdb" \
			--web.listen-address=127.0.0.1:$PROM_PORT \
			>"$RUN/prom.log" 2>&1 &
		PROM_PID=$!
		for _ in $(seq 60); do
			curl -fs "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && return 0
			kill -0 "$PROM_PID" 2>/dev/null || break
			sleep 1
		done
		kill -KILL "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
		PROM_PID=
	done
	fail "prometheus did not start: $(tail -c 800 "$RUN/prom.log")"
	return 1
}

# need_tools: prometheus, promtool and curl are there (else fail).
need_tools() {
	local t
	for t in prometheus promtool curl; do
		command -v $t >/dev/null ||
			{ fail "$t is not installed (.ci/deps.sh installs prometheus and curl)"; return 1; }
	done
	RUN=$(mktemp -d "$E2E_SCRATCH/run.XXXXXX")
	cd "$RUN" || return 1
}

write_labels_prog() {
	mkdir -p "$WEIRD" "$LATIN"
	cat >"$WEIRD/labels.c" <<'C'
int helper_b(int n);

/* @hotpath */
static int work(int x) { return x * 2 + 1; }

/* @hotpath main */
int main(void)
{
	int i, s = 0;

	for (i = 0; i < 7; i++)
		s += work(i);
	for (i = 0; i < 3; i++) {
		/* @hotpath measure_block("step \"q\" \\ b\nc é") */
		{
			s += i;
		}
	}
	return helper_b(5) + s == 0;
}
C
	cat >"$LATIN/b.c" <<'C'
/* @hotpath */
static int helper(int x) { return x + 1; }

int helper_b(int n)
{
	int i, s = 0;

	for (i = 0; i < n; i++)
		s += helper(i);
	return s;
}
C
}

labels_read_back() {
	need_tools || return
	write_labels_prog
	"$HPCC" $cc "$WEIRD/labels.c" "$LATIN/b.c" -o labels 2>build.err ||
		{ fail "build: $(head -c 600 build.err)"; return; }
	mkdir srv
	HOTPATH_FORMAT=metrics HOTPATH_OUTPUT=srv/metrics ./labels >out 2>err
	assert_status 0 $? "the program's status ($(head -c 300 err))"
	# a plain file server for it: its line gives the port the kernel chose
	(cd srv && exec python3 -u -m http.server 0 --bind 127.0.0.1) >srv.log 2>&1 &
	PROG_PID=$!
	local port i
	for i in $(seq 60); do
		port=$(sed -n 's/^Serving HTTP on [0-9.]* port \([0-9]*\) .*/\1/p' srv.log)
		[ -n "$port" ] && break
		sleep 1
	done
	[ -n "$port" ] || { fail "http.server: $(head -c 300 srv.log)"; return; }
	start_prometheus "127.0.0.1:$port" || return
	poll 'count(hotpath_calls_total)' 'rows.get("-") == 4' "four series" || return
	python3 - "http://127.0.0.1:$PROM_PORT" >labels.out 2>&1 <<'PY' || fail "labels: $(head -c 1500 labels.out)"
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + '/api/v1/query?' + urllib.parse.urlencode({'query': 'hotpath_calls_total'})
got = {}
for s in json.load(urllib.request.urlopen(url, timeout=10))['data']['result']:
    m = s['metric']
    got[(m['function'], m['file'], m['line'], m['kind'])] = s['value'][1]
weird = 'w"q\\ b\n\u00e9/labels.c'
want = {
    ('work', weird, '4', 'function'): '7',
    ('main', weird, '7', 'main'): '1',
    ('step "q" \\ b\nc \u00e9', weird, '15', 'block'): '3',
    ('helper', 'lat\ufffd/b.c', '2', 'function'): '5',
}
if got != want:
    print('Prometheus has %r\nwanted %r' % (got, want))
    sys.exit(1)
PY
	cleanup
}

scraped_by_prometheus() {
	local port i
	need_tools || return
	write_prog
	"$HPCC" $cc -O0 live.c -o live -pthread 2>build.err ||
		{ fail "build: $(head -c 600 build.err)"; return; }
	assert_instrumented live
	mkfifo go
	HOTPATH_HTTP=127.0.0.1:0 HOTPATH_FORMAT=none ./live $N go >out 2>err &
	PROG_PID=$!
	# its port, from the line the server says when it listens
	for i in $(seq 60); do
		port=$(sed -n 's|^\[hotpath\] serving http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' err)
		[ -n "$port" ] && grep -q "^ready" out && break
		kill -0 "$PROG_PID" 2>/dev/null || break
		sleep 1
	done
	[ -n "$port" ] || { fail "no '[hotpath] serving' line: $(head -c 600 err)"; return; }
	grep -q "^ready" out || { fail "the program is not ready: $(head -c 300 out) $(head -c 300 err)"; return; }
	# /metrics itself passes promtool
	curl -fs "http://127.0.0.1:$port/metrics" >scrape.prom ||
		{ fail "GET /metrics failed"; return; }
	promtool check metrics <scrape.prom >promtool.out 2>&1 ||
		fail "promtool check metrics: $(head -c 600 promtool.out)"

	start_prometheus "127.0.0.1:$port" || return
	poll 'up{job="hotpath"}' 'rows.get("-") == 1' "the target is up" || return
	# the exact count, one series
	poll 'hotpath_calls_total{function="work"}' 'len(rows) == 1 and "work" in rows' \
		"work's series" || return
	assert_eq "work $N" "$POLLED" "Prometheus's hotpath_calls_total{function=\"work\"}"
	assert_eq "work $N" "$(query 'hotpath_call_duration_seconds_count{function="work"}')" "work's _count"
	# the README's queries (Fleet section), as written there
	poll 'sum by (function) (rate(hotpath_calls_total[1m]))' \
		'rows.get("tick", 0) > 0 and "work" in rows' "rate of calls" || return
	poll 'histogram_quantile(0.95, sum by (le, function) (rate(hotpath_call_duration_seconds_bucket[5m])))' \
		'0 < rows.get("tick", math.nan) < 10' "p95 from the histogram" || return
	poll 'sum by (function) (rate(hotpath_self_seconds_total[5m])) / scalar(sum(rate(hotpath_self_seconds_total[5m])))' \
		'0 < rows.get("tick", 0) <= 1 and abs(sum(v for v in rows.values() if v == v) - 1) < 1e-6' \
		"self-time share" || return
	poll 'topk(5, sum by (function) (rate(hotpath_self_seconds_total[5m])))' \
		'"tick" in rows' "top self time" || return

	# let the program go: it exits by itself, status 0
	echo x >go
	for i in $(seq 60); do
		kill -0 "$PROG_PID" 2>/dev/null || break
		sleep 1
	done
	wait "$PROG_PID"
	assert_status 0 $? "the program's status ($(head -c 300 err))"
	PROG_PID=
	cleanup
}

check "$cc: Prometheus reads every label back exactly (quotes, backslashes, newlines, UTF-8, Latin-1)" \
	labels_read_back
check "$cc: a real Prometheus scrapes /metrics; PromQL gives the exact count and the README's queries" \
	scraped_by_prometheus
finish
