#!/usr/bin/env bash
# hpcc's numeric settings (issue 13, item 2): HPCC_PARSE_TIMEOUT and
# HPCC_DEPTH with negative, huge, garbage and empty values.  Each gives one
# warning line naming the variable and the value, the default is used and
# the build goes on instrumented.  Real compiles, real programs.
. "$(dirname "$0")/lib.sh"

# bad_timeout VALUE: an annotated source still compiles instrumented, with
# exactly one warning on stderr
bad_timeout() {
	enter_workdir
	HPCC_PARSE_TIMEOUT=$1 NO_COLOR=1 "$HPCC" $cc -c annotated.c 2>err
	assert_status 0 $? "hpcc's status"
	assert_eq "hpcc: warning: HPCC_PARSE_TIMEOUT='$1' is not a whole number of seconds from 0 to 86400; using 120" \
		"$(cat err)" "stderr"
	assert_instrumented annotated.o
}

# ... and a program built so measures and reports.
bad_timeout_program() {
	enter_workdir
	HPCC_PARSE_TIMEOUT=-1 "$HPCC" $cc -O2 annotated.c -o prog 2>err
	assert_status 0 $? "hpcc's status"
	assert_contains err "HPCC_PARSE_TIMEOUT='-1'"
	./prog >out 2>report || fail "prog failed"
	assert_contains report "[hotpath] Performance summary"
	assert_contains report "| add "
}

good_timeout() {
	enter_workdir
	HPCC_PARSE_TIMEOUT=" 30 " "$HPCC" $cc -c annotated.c 2>err
	assert_status 0 $? "hpcc's status"
	assert_eq "" "$(cat err)" "stderr"
	assert_instrumented annotated.o
}

# Read when a file is parsed, once: not for a command hpcc passes through,
# once for a command with two annotated sources.
timeout_warned_once() {
	enter_workdir
	HPCC_PARSE_TIMEOUT=x "$HPCC" $cc -c plain.c 2>err
	assert_status 0 $? "plain: hpcc's status"
	assert_eq "" "$(cat err)" "plain: stderr"
	HPCC_PARSE_TIMEOUT=x NO_COLOR=1 "$HPCC" $cc helper.c usehelper.c -o prog 2>err
	assert_status 0 $? "two sources: hpcc's status"
	assert_eq "hpcc: warning: HPCC_PARSE_TIMEOUT='x' is not a whole number of seconds from 0 to 86400; using 120" \
		"$(cat err)" "two sources: stderr"
	assert_instrumented prog
}

# A value cannot break the warning's line.
timeout_control_chars() {
	enter_workdir
	HPCC_PARSE_TIMEOUT=$'5\n\033[2J' NO_COLOR=1 "$HPCC" $cc -c annotated.c 2>err
	assert_status 0 $? "hpcc's status"
	assert_eq 'hpcc: warning: HPCC_PARSE_TIMEOUT='"'"'5\x0a\x1b[2J'"'"' is not a whole number of seconds from 0 to 86400; using 120' \
		"$(cat err)" "stderr"
}

# HPCC_DEPTH is hpcc's own marker; a value it never sets counts as the top.
bad_depth() {
	enter_workdir
	HPCC_DEPTH=$1 NO_COLOR=1 "$HPCC" $cc -c annotated.c 2>err
	assert_status 0 $? "hpcc's status"
	assert_eq "hpcc: warning: HPCC_DEPTH='$1' is not a whole number from 0 to 8; using 0" \
		"$(cat err)" "stderr"
	assert_instrumented annotated.o
}

depth_limits() {
	enter_workdir
	HPCC_DEPTH=7 "$HPCC" $cc -c annotated.c 2>err
	assert_status 0 $? "depth 7: hpcc's status"
	assert_eq "" "$(cat err)" "depth 7: stderr"
	assert_instrumented annotated.o
	HPCC_DEPTH=8 NO_COLOR=1 "$HPCC" $cc -c annotated.c 2>err
	assert_status 127 $? "depth 8: hpcc's status"
	assert_contains err "hpcc: error: '$cc' leads back to hpcc 8 times over"
}

for cc in $COMPILERS; do
	for v in -1 18446744073709551616 1e3 '' 86401 abc; do
		check "$cc: HPCC_PARSE_TIMEOUT='$v' warns and uses 120" bad_timeout "$v"
	done
	check "$cc: ... and the program measures" bad_timeout_program
	check "$cc: HPCC_PARSE_TIMEOUT=' 30 ' is taken silently" good_timeout
	check "$cc: a bad HPCC_PARSE_TIMEOUT warns once, only when parsing" timeout_warned_once
	check "$cc: control characters in the value are escaped" timeout_control_chars
	for v in -1 9 ''; do
		check "$cc: HPCC_DEPTH='$v' warns and counts as the top" bad_depth "$v"
	done
	check "$cc: HPCC_DEPTH 7 runs, 8 stops" depth_limits
done
finish
