#!/usr/bin/env bash
# Report defaults built into the program (issue 11, item 8): hpcc
# --report=FORMAT[:PATH] and HPCC_REPORT.  A test suite that compares
# stderr runs unchanged; the run-time HOTPATH_* variables still win.
. "$(dirname "$0")/lib.sh"

write_suite() {
	cat >suite.c <<'C'
#include <stdio.h>

/* @hotpath */
static int sq(int x) { return x * x; }

int main(int argc, char **argv)
{
	int i, s = 0;

	(void)argv;
	for (i = 0; i < 5; i++)
		s += sq(i);
	fprintf(stderr, "suite: checked %d\n", s + argc);
	printf("%d\n", s);
	return 0;
}
C
}

stderr_unchanged() {
	enter_workdir
	write_suite
	$cc suite.c -o plain && ./plain >plain.out 2>plain.err || { fail "plain build"; return; }
	mkdir R
	"$HPCC" --report=json:"$PWD"/R/%p.json $cc suite.c -o baked 2>err ||
		{ fail "build: $(cat err)"; return; }
	assert_eq "" "$(cat err)" "hpcc's stderr"
	./baked >baked.out 2>baked.err &
	pid=$!
	wait $pid
	assert_status 0 $? "baked's status"
	assert_same_file plain.err baked.err
	assert_same_file plain.out baked.out
	assert_exists "R/$pid.json"
	assert_eq 5 "$(calls R/$pid.json sq)" "sq's calls"
}

runtime_wins() {
	enter_workdir
	write_suite
	mkdir R
	"$HPCC" --report=json:"$PWD"/R/%p.json $cc suite.c -o baked 2>err ||
		{ fail "build: $(cat err)"; return; }
	HOTPATH_FORMAT=table ./baked >/dev/null 2>table.err
	assert_contains table.err "[hotpath] Performance summary"
	assert_contains table.err "| sq "
	HOTPATH_OUTPUT=mine.txt ./baked >/dev/null 2>out.err
	assert_contains mine.txt "| sq "
	assert_contains out.err "[hotpath] wrote mine.txt"
	HOTPATH_QUIET=0 ./baked >/dev/null 2>quiet.err &
	pid=$!
	wait $pid
	assert_contains quiet.err "[hotpath] wrote $PWD/R/$pid.json"
	assert_eq "R/$pid.json" "$(ls R/*)" "files in R"
}

env_form_and_no_path() {
	enter_workdir
	write_suite
	HPCC_REPORT=json-pretty "$HPCC" $cc suite.c -o baked 2>err ||
		{ fail "build: $(cat err)"; return; }
	./baked >/dev/null 2>report
	assert_contains report '"functions":'
	[ "$(wc -l <report)" -gt 10 ] || fail "not json-pretty: $(head -c 300 report)"
}

bad_value() {
	enter_workdir
	write_suite
	NO_COLOR=1 "$HPCC" --report=xml:r.xml $cc suite.c -o baked 2>err
	assert_status 2 $? "hpcc's status (a usage error)"
	assert_eq "hpcc: error: --report: unknown report format 'xml' in 'xml:r.xml' (table, json, json-pretty, folded, trace, html, metrics, none)" \
		"$(cat err)" "stderr"
	NO_COLOR=1 HPCC_REPORT=":x" "$HPCC" $cc suite.c -o baked 2>err
	assert_status 2 $? "hpcc's status (a usage error)"
	assert_contains err "hpcc: error: HPCC_REPORT: no format in ':x'"
}

# A library built with --report, a program built without hpcc: the
# library's default applies (the runtime starts lazily, main is not
# annotated); a path with a quote and a backslash survives the -D.
shared_library() {
	enter_workdir
	cat >lib.c <<'C'
/* @hotpath */
int lib_sq(int x) { return x * x; }
C
	cat >use.c <<'C'
int lib_sq(int);
int main(void) { int i, s = 0; for (i = 0; i < 4; i++) s += lib_sq(i); return s != 14; }
C
	mkdir 'L"\'
	"$HPCC" --report=json:"$PWD"/'L"\'/lib-%p.json $cc -shared -fPIC lib.c -o libsq.so 2>err ||
		{ fail "build: $(cat err)"; return; }
	$cc use.c -L. -lsq -Wl,-rpath,"$PWD" -o use || { fail "link"; return; }
	./use 2>err &
	pid=$!
	wait $pid
	assert_status 0 $? "use's status"
	assert_eq "" "$(cat err)" "stderr"
	assert_eq 4 "$(calls 'L"\'/lib-$pid.json lib_sq)" "lib_sq's calls"
}

# make check of a project whose test compares stderr, built through hpcc
# with a default: passes unchanged, every process leaves its report.
make_check() {
	enter_workdir
	write_suite
	printf 'suite: checked 31\n' >expected.err
	cat >Makefile <<'MK'
CC = cc
suite: suite.c
	$(CC) suite.c -o suite
check: suite
	./suite >/dev/null 2>got.err && cmp expected.err got.err
	./suite x >/dev/null 2>got.err && printf 'suite: checked 32\n' | cmp - got.err
MK
	mkdir R
	make -s CC="$HPCC --report=json:$PWD/R/%p.json $cc" check >make.out 2>&1 ||
		{ fail "make check: $(cat make.out)"; return; }
	assert_instrumented suite
	assert_eq 2 "$(ls R | grep -c '^[0-9]*\.json$')" "reports in R"
}

for cc in $COMPILERS; do
	check "$cc: --report keeps stderr the program's own" stderr_unchanged
	check "$cc: run-time HOTPATH_* variables win" runtime_wins
	check "$cc: HPCC_REPORT, format only" env_form_and_no_path
	check "$cc: a bad --report value is named" bad_value
	check "$cc: a library's built-in default" shared_library
	check "$cc: make check runs unchanged" make_check
done
finish
