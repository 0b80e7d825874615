#!/usr/bin/env bash
# hpcc's temporary directory never outlives it: success, compile error,
# link error, fallback, signals; --keep keeps it and says where.
. "$(dirname "$0")/lib.sh"

# (check itself fails when TMPDIR is not empty afterwards)
after_success() {
	enter_workdir
	"$HPCC" $cc -o prog annotated.c || fail "hpcc failed"
	"$HPCC" $cc -c -MMD annotated.c helper.c || fail "hpcc -c failed"
}

after_compile_error() {
	enter_workdir
	"$HPCC" $cc -c error.c 2>/dev/null
	assert_status 1 $? "hpcc's status" # the compiler's, not a crash's
}

after_link_error() {
	enter_workdir
	"$HPCC" $cc -o prog usehelper.c 2>/dev/null
	assert_status 1 $? "hpcc's status"
}

after_fallback() {
	enter_workdir
	"$HPCC" $cc -Dhp_site_0=1 -c annotated.c 2>/dev/null || fail "fallback failed"
}

keep() {
	enter_workdir
	"$HPCC" --keep $cc -c annotated.c 2>err || fail "hpcc --keep failed"
	local kept
	kept=$(sed -n 's/^hpcc: kept temporary files in //p' err)
	[ -n "$kept" ] || fail "no 'kept' line in: $(cat err)"
	[ -f "$kept/1/annotated.c" ] || fail "$kept/1/annotated.c missing"
	assert_contains err "hpcc: annotated.c: rewritten source kept at $kept/1/annotated.c"
	head -5 "$kept/1/annotated.c" | grep -q '#line 1 "annotated.c"' ||
		fail "no #line in the kept source"
	rm -rf "$kept"
}

# A "compiler" that sleeps, so hpcc is killed while it waits.
killed_by() {
	local sig=$1
	enter_workdir
	printf '#!/bin/sh\necho $$ >"%s/child.pid"\nexec sleep 30\n' "$PWD" >slowcc
	chmod +x slowcc
	"$HPCC" ./slowcc -c annotated.c &
	local pid=$! i
	for i in $(seq 100); do
		[ -f child.pid ] && break
		sleep 0.1
	done
	[ -f child.pid ] || fail "the compiler never started"
	[ -n "$(ls -A "$TMPDIR")" ] || fail "no temporary directory while compiling"
	kill -$sig $pid
	wait $pid 2>/dev/null
	local st=$?
	assert_status $((128 + $(kill -l $sig))) $st "hpcc's status after SIG$sig"
	sleep 0.2
	# (a zombie is dead: whoever adopted it may not reap it at once)
	case $(ps -o stat= -p "$(cat child.pid)" 2>/dev/null) in
	"" | Z*) ;;
	*) fail "the compiler still runs" ;;
	esac
	return 0
}

for cc in $COMPILERS; do
	check "$cc: nothing left after success" after_success
	check "$cc: nothing left after a compile error" after_compile_error
	check "$cc: nothing left after a link error" after_link_error
	check "$cc: nothing left after a fallback" after_fallback
	check "$cc: --keep keeps and prints" keep
done
check "nothing left after SIGTERM, compiler stopped" killed_by TERM
check "nothing left after SIGHUP, compiler stopped" killed_by HUP
finish
