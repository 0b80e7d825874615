#!/usr/bin/env bash
# HOTPATH_HTTP (issue 11, items 1-3): the live server of a running
# program.  Real gcc and clang, real threaded programs, real HTTP over the
# loopback (http_probe.py).  The program makes a known number of calls,
# then waits on its stdin (a FIFO the test holds), so counts are exact;
# timing is never asserted, except a generous hang check on exit.
. "$(dirname "$0")/lib.sh"

PROBE=$HPCC_SRC/tests/e2e/http_probe.py
LIB=$HPCC_BUILD/lib/libhotpath.so.1

write_live_c() {
	cat >live.c <<'C'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define THREADS 4
#define CALLS 25000

/* @hotpath */
static unsigned leaf(unsigned x) { return x * 2654435761u; }

/* @hotpath */
static unsigned branch(unsigned x) { return leaf(x) + leaf(x + 1); }

static void *busy(void *arg)
{
	unsigned i, s = 0;

	(void)arg;
	for (i = 0; i < CALLS; i++)
		s += branch(i);
	return (void *)(unsigned long)s;
}

/* @hotpath main */
int main(void)
{
	pthread_t t[THREADS];
	int i, round;
	char c;

	for (round = 1;; round++) {
		for (i = 0; i < THREADS; i++)
			pthread_create(&t[i], NULL, busy, NULL);
		for (i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		printf("ready %d\n", round);
		fflush(stdout);
		if (read(0, &c, 1) != 1) /* the test closed the FIFO: done */
			break;
	}
	return 7;
}
C
}

build_live() {
	write_live_c
	"$HPCC" $cc -O1 -pthread live.c -o live 2>build.err ||
		{ fail "build: $(cat build.err)"; return 1; }
}

# start_live [VAR=VALUE...]: ./live in the background, stdin the FIFO ctl
# (the test's fd 7), stdout out, stderr err; $pid.
start_live() {
	rm -f ctl out err
	mkfifo ctl
	env "$@" ./live <ctl >out 2>err &
	pid=$!
	exec 7>ctl
}

# finish_live: closes the FIFO and waits; $status.
finish_live() {
	exec 7>&-
	wait "$pid"
	status=$?
}

# The port of the "[hotpath] serving http://HOST:PORT/" line.
port_of() {
	sed -n 's|^\[hotpath\] serving http://.*:\([0-9]*\)/$|\1|p' err | head -1
}

probe() { python3 "$PROBE" "$@"; }

# Exact counts at two moments, the exit report's schema, the exit status.
live_counts() {
	enter_workdir
	build_live || return
	start_live HOTPATH_HTTP=127.0.0.1:0 HOTPATH_FORMAT=json HOTPATH_OUTPUT=exit.json
	wait_for out "ready 1" || { finish_live; return; }
	wait_for err "[hotpath] serving http://127.0.0.1:" || { finish_live; return; }
	port=$(port_of)
	assert_eq "100000 200000" "$(probe calls "$port" branch leaf)" "branch's and leaf's calls after round 1"
	printf x >&7
	wait_for out "ready 2" || { finish_live; return; }
	probe get "$port" /report.json >r2 || fail "GET /report.json failed"
	assert_eq "200	application/json	" "$(head -1 r2)" "status line"
	tail -n +2 r2 >r2.json
	assert_eq 400000 "$(calls r2.json leaf)" "leaf's calls after round 2"
	finish_live
	assert_status 7 "$status" "the program's own status"
	assert_eq 400000 "$(calls exit.json leaf)" "leaf's calls at exit"
	# the same schema as the exit report: the same keys at every level
	python3 - r2.json exit.json <<'PY' || fail "the snapshot's schema is not the exit report's"
import json, sys
live, end = (json.load(open(p)) for p in sys.argv[1:3])
assert set(live) == set(end), (set(live) ^ set(end))
fl = {f["name"]: f for f in live["functions"]}
for f in end["functions"]:
    if f["name"] in fl:
        assert set(fl[f["name"]]) == set(f), (f["name"], set(fl[f["name"]]) ^ set(f))
assert live["edges"] and set(live["edges"][0]) == set(end["edges"][0])
PY
}

# Paths and methods: 404, 405 (with Allow), HEAD, the page.
paths_methods() {
	enter_workdir
	build_live || return
	start_live HOTPATH_HTTP=0 HOTPATH_FORMAT=none
	wait_for err "[hotpath] serving http://127.0.0.1:" || { finish_live; return; }
	port=$(port_of)
	probe batch "$port" >batch.out <<'REQ'
GET /nope
GET /report.jsonx
GET /report
GET /index.html
GET //report.json
GET /metrics
POST /report.json
PUT /report.json
DELETE /
PATCH /metrics
OPTIONS /report.json
HEAD /report.json
HEAD /
REQ
	sed 's/\t[0-9]*$//' batch.out >got
	cat >want <<'OUT'
GET /nope 404	text/plain	
GET /report.jsonx 404	text/plain	
GET /report 404	text/plain	
GET /index.html 404	text/plain	
GET //report.json 404	text/plain	
GET /metrics 200	text/plain; version=0.0.4; charset=utf-8	
POST /report.json 405	text/plain	GET, HEAD
PUT /report.json 405	text/plain	GET, HEAD
DELETE / 405	text/plain	GET, HEAD
PATCH /metrics 405	text/plain	GET, HEAD
OPTIONS /report.json 405	text/plain	GET, HEAD
HEAD /report.json 200	application/json	
HEAD / 200	text/html; charset=utf-8	
OUT
	assert_same_file want got
	assert_eq "0 0" "$(sed -n 's/^HEAD .*\t//p' batch.out | tr '\n' ' ' | sed 's/ $//')" "HEAD bodies"
	# /metrics: the "metrics" format (metrics.c), exact counts
	probe get "$port" /metrics >metrics.out
	assert_contains metrics.out 'hotpath_calls_total{function="branch",file="live.c",line="12",kind="function"} 100000'
	assert_contains metrics.out 'hotpath_calls_total{function="leaf",file="live.c",line="9",kind="function"} 200000'
	probe get "$port" / >page
	assert_eq "200	text/html; charset=utf-8	" "$(head -1 page)" "GET /"
	assert_contains page 'fetch("report.json"'
	if grep -Eo '(https?:)?//[A-Za-z0-9.-]+' page | grep -q .; then
		fail "the page refers to another host: $(grep -Eo '(https?:)?//[A-Za-z0-9.-]+' page | head -3)"
	fi
	finish_live
	assert_status 7 "$status"
}

# Loopback only: 0.0.0.0 and another host's address are refused without
# the opt-in, and the program runs on; with it, 0.0.0.0 serves.
remote_refused() {
	enter_workdir
	build_live || return
	for v in 0.0.0.0:0 192.0.2.1:8080 '[::]:0'; do
		start_live HOTPATH_HTTP="$v"
		wait_for out "ready 1" || { finish_live; return; }
		finish_live
		assert_status 7 "$status" "status with HOTPATH_HTTP=$v"
		assert_eq "[hotpath] HOTPATH_HTTP=$v is not a loopback address: no HTTP server (HOTPATH_HTTP_ALLOW_REMOTE=1 serves other hosts too)" \
			"$(grep -F 'HOTPATH_HTTP' err)" "stderr with HOTPATH_HTTP=$v"
		assert_not_contains err "serving"
	done
	start_live HOTPATH_HTTP=0.0.0.0:0 HOTPATH_HTTP_ALLOW_REMOTE=1 HOTPATH_FORMAT=none
	wait_for err "[hotpath] serving http://0.0.0.0:" || { finish_live; return; }
	assert_eq 100000 "$(probe calls "$(port_of)" branch)" "branch's calls through 0.0.0.0"
	finish_live
	assert_status 7 "$status"
}

# Good and bad values: localhost and [::1] listen on loopback; bad ones
# are one line each and the program runs on.
values() {
	enter_workdir
	build_live || return
	start_live HOTPATH_HTTP=localhost:0 HOTPATH_FORMAT=none
	wait_for err "[hotpath] serving http://127.0.0.1:" || { finish_live; return; }
	assert_eq 200 "$(probe get "$(port_of)" / | head -1 | cut -f1)" "GET / on localhost"
	finish_live
	# HOTPATH_QUIET=1: no serving line, the server all the same
	start_live HOTPATH_HTTP=0 HOTPATH_QUIET=1 HOTPATH_FORMAT=none
	wait_for out "ready 1" || { finish_live; return; }
	ls -l /proc/$pid/fd >fds.quiet
	finish_live
	assert_eq "" "$(cat err)" "stderr with HOTPATH_QUIET=1"
	assert_contains fds.quiet "socket:"
	start_live 'HOTPATH_HTTP=[::1]:0' HOTPATH_FORMAT=none
	if grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
		wait_for err "[hotpath] serving http://[::1]:" || { finish_live; return; }
		assert_eq 200 "$(probe get "$(port_of)" /report.json GET ::1 | head -1 | cut -f1)" "GET on [::1]"
	else
		wait_for out "ready 1"
		assert_contains err "[hotpath] HOTPATH_HTTP: cannot listen on [::1]:0: "
	fi
	finish_live
	assert_status 7 "$status"
	for v in abc 70000 -1 '[::1]' '::1:80' 1.2.3:80 'localhost:' 'host.example:80' '[::1]80' '99999999999999999999999' '[localhost]:0'; do
		start_live HOTPATH_HTTP="$v" HOTPATH_FORMAT=none
		wait_for out "ready 1" || { finish_live; return; }
		finish_live
		assert_status 7 "$status" "status with HOTPATH_HTTP=$v"
		assert_eq "[hotpath] ignored HOTPATH_HTTP=$v (expected [HOST:]PORT, PORT from 0 to 65535, HOST an IPv4 address, [IPv6 address] or localhost): no HTTP server" \
			"$(cat err)" "stderr with HOTPATH_HTTP=$v"
	done
	start_live HOTPATH_HTTP=0 HOTPATH_HTTP_ALLOW_REMOTE=yes HOTPATH_FORMAT=none
	wait_for err "[hotpath] serving" || { finish_live; return; }
	finish_live
	assert_eq "[hotpath] ignored HOTPATH_HTTP_ALLOW_REMOTE=yes (1 or 0): loopback only" \
		"$(head -1 err)" "stderr with HOTPATH_HTTP_ALLOW_REMOTE=yes"
	# a port taken: one line, the program runs on
	python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >taken &
	holder=$!
	wait_for taken "" || return
	busy_port=$(cat taken)
	start_live HOTPATH_HTTP="127.0.0.1:$busy_port" HOTPATH_FORMAT=none
	wait_for out "ready 1"
	finish_live
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	assert_status 7 "$status"
	assert_eq "[hotpath] HOTPATH_HTTP: cannot listen on 127.0.0.1:$busy_port: Address already in use: no HTTP server" \
		"$(cat err)" "stderr with a port in use"
}

# The library really missing: a mount namespace hides the file behind
# libmicrohttpd.so.12 (an empty file over it), so dlopen fails as on a
# machine without the package.
missing_library() {
	enter_workdir
	build_live || return
	local so
	so=$(ldconfig -p | sed -n 's/.*libmicrohttpd\.so\.12 (libc6,x86-64) => //p' | head -1)
	[ -n "$so" ] || { fail "libmicrohttpd.so.12 is not installed (Debian libmicrohttpd12)"; return; }
	so=$(readlink -f "$so")
	: >empty.so
	local ns=""
	for u in "unshare -m" "unshare -rm"; do
		if $u true 2>/dev/null; then ns=$u; break; fi
	done
	[ -n "$ns" ] || { fail "no mount namespace (unshare -m or -rm) to hide the library in"; return; }
	rm -f ctl; mkfifo ctl
	$ns sh -c 'mount --bind "$1" "$2" && exec env HOTPATH_HTTP=127.0.0.1:0 HOTPATH_FORMAT=json HOTPATH_OUTPUT=exit.json ./live' \
		sh "$PWD/empty.so" "$so" <ctl >out 2>err &
	pid=$!
	exec 7>ctl
	wait_for out "ready 1"
	finish_live
	assert_status 7 "$status"
	assert_eq 1 "$(grep -c HOTPATH_HTTP err)" "lines about HOTPATH_HTTP"
	grep -qE '^\[hotpath\] HOTPATH_HTTP: cannot load libmicrohttpd\.so\.12 \(.*\): no HTTP server \(Debian package libmicrohttpd12\)$' err ||
		fail "stderr: $(cat err)"
	assert_eq 200000 "$(calls exit.json leaf)" "leaf's calls at exit"
}

# Unset, nothing changes: no socket, no libmicrohttpd in the process, and
# the runtime links nothing new.  Set, both are there (so the checks can
# fail).
off_by_default() {
	enter_workdir
	build_live || return
	assert_eq "libc.so.6" "$(readelf -d "$LIB" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ' | sed 's/ $//')" \
		"libhotpath.so.1's DT_NEEDED"
	readelf -d live | grep -q microhttpd && fail "live needs libmicrohttpd"
	start_live HOTPATH_FORMAT=none
	wait_for out "ready 1" || { finish_live; return; }
	ls -l /proc/$pid/fd >fds.off
	cat /proc/$pid/maps >maps.off
	finish_live
	assert_status 7 "$status"
	assert_not_contains fds.off "socket:"
	assert_not_contains maps.off "microhttpd"
	assert_eq "" "$(cat err)" "stderr"
	start_live HOTPATH_HTTP=0 HOTPATH_FORMAT=none
	wait_for err "serving" || { finish_live; return; }
	ls -l /proc/$pid/fd >fds.on
	cat /proc/$pid/maps >maps.on
	finish_live
	assert_contains fds.on "socket:"
	assert_contains maps.on "libmicrohttpd.so.12"
}

# Exit with an idle client, a kept-alive one and a slowloris connected:
# the program still ends at once (hang check only: 5 s).
exit_with_clients() {
	enter_workdir
	build_live || return
	start_live HOTPATH_HTTP=127.0.0.1:0 HOTPATH_FORMAT=none
	wait_for err "serving" || { finish_live; return; }
	wait_for out "ready 1" || { finish_live; return; }
	# the probe holds the FIFO (fd 7) and closes it once its clients are
	# connected: the program then reads EOF and ends
	python3 "$PROBE" exit_with_clients "$(port_of)" "$pid" 7 >took 2>&1 &
	local prober=$!
	exec 7>&-
	wait "$prober" || fail "the probe failed: $(cat took)"
	wait "$pid"
	assert_status 7 $? "the program's own status"
	python3 -c 'import sys; sys.exit(float(sys.argv[1]) >= 5)' "$(cat took)" ||
		fail "took $(cat took) s to exit with clients connected"
	echo "    exit with 3 clients connected: $(cat took) s"
}

# Hostile clients: a NUL-led request, garbage, 1 MB headers, slowloris,
# 1,000 connections; then a normal request works, the program does its next round and exits
# with its own status and exact counts.
hostile() {
	enter_workdir
	build_live || return
	start_live HOTPATH_HTTP=127.0.0.1:0 HOTPATH_FORMAT=json HOTPATH_OUTPUT=exit.json
	wait_for err "serving" || { finish_live; return; }
	wait_for out "ready 1" || { finish_live; return; }
	probe hostile "$(port_of)" "$pid" >hostile.out 2>&1 || fail "$(grep problem hostile.out | head -3)"
	sed 's/^/    /' hostile.out
	printf x >&7
	wait_for out "ready 2" || { finish_live; return; }
	finish_live
	assert_status 7 "$status"
	assert_eq 400000 "$(calls exit.json leaf)" "leaf's calls at exit"
}

# main's pthread_exit: the process ends with its last thread; the server
# thread is ours and does not count (it did: the wait never ended).
pthread_exit_main() {
	enter_workdir
	cat >pexit.c <<'C'
#include <pthread.h>
#include <time.h>

/* @hotpath */
static void nap(void) { struct timespec t = { 0, 20000000 }; nanosleep(&t, 0); }

static void *worker(void *arg) { int i; (void)arg; for (i = 0; i < 10; i++) nap(); return 0; }

/* @hotpath main */
int main(void)
{
	pthread_t t;

	nap();
	pthread_create(&t, 0, worker, 0);
	pthread_exit(0);
}
C
	"$HPCC" $cc -pthread pexit.c -o pexit 2>build.err || { fail "build: $(cat build.err)"; return; }
	HOTPATH_HTTP=0 HOTPATH_FORMAT=json HOTPATH_OUTPUT=exit.json timeout 20 ./pexit 2>err
	assert_status 0 $? "status (124: hung)"
	assert_eq 11 "$(calls exit.json nap)" "nap's calls"
}

# A fork child does not serve, nor keep the parent's port: once the
# parent has ended (by _exit: the report would have shut the socket down
# for both), connecting is refused although the child lives on.
fork_child() {
	enter_workdir
	cat >forks.c <<'C'
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

/* @hotpath */
static int work(int x) { return x + 1; }

/* @hotpath main */
int main(void)
{
	char c;
	int p[2];

	work(1);
	if (pipe(p) || fork() == 0) { /* the child waits for the test */
		work(2);
		close(p[1]);
		if (read(0, &c, 1) < 0)
			return 1;
		return 0;
	}
	printf("forked\n");
	fflush(stdout);
	_exit(5); /* no report, so no server stop: the socket just goes */
}
C
	"$HPCC" $cc forks.c -o forks 2>build.err || { fail "build: $(cat build.err)"; return; }
	rm -f ctl; mkfifo ctl
	HOTPATH_HTTP=0 HOTPATH_FORMAT=none ./forks <ctl >out 2>err &
	pid=$!
	exec 7>ctl
	wait "$pid"
	assert_status 5 $? "the parent's status"
	port=$(port_of)
	[ -n "$port" ] || fail "no serving line: $(cat err)"
	python3 - "$port" <<'PY' || fail "the parent's port still answers after it ended"
import socket, sys
s = socket.socket()
s.settimeout(5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
PY
	exec 7>&-
	sleep 0.2
}

for cc in $COMPILERS; do
	check "$cc: /report.json holds the exact counts while the program waits" live_counts
	check "$cc: 404, 405 with Allow, HEAD, a page with no other host" paths_methods
	check "$cc: non-loopback addresses need HOTPATH_HTTP_ALLOW_REMOTE=1" remote_refused
	check "$cc: localhost, [::1], HOTPATH_QUIET, bad values, a port in use" values
	check "$cc: libmicrohttpd missing: one line, the program runs" missing_library
	check "$cc: unset: no socket, no libmicrohttpd mapped, nothing linked" off_by_default
	check "$cc: exits promptly with idle, kept-alive and slowloris clients" exit_with_clients
	check "$cc: hostile clients block neither the program nor the server" hostile
	check "$cc: pthread_exit from main still ends the process" pthread_exit_main
	check "$cc: a fork child neither serves nor holds the port" fork_child
done
finish
