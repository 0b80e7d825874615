#!/usr/bin/env bash
# Diagnostics are the compiler's own, unchanged by hpcc: same text, same
# file:line:col, same exit status, for warnings (from the instrumented
# compile) and errors (from the original command hpcc falls back to).
. "$(dirname "$0")/lib.sh"

# same_diagnostics FLAGS... FILE: plain and hpcc stderr and status equal.
same_diagnostics() {
	$cc "$@" 2>plain.err
	local ps=$?
	"$HPCC" $cc "$@" 2>hpcc.err
	assert_status $ps $? "exit status"
	assert_same_file plain.err hpcc.err
}

# Line 6 of warn.c starts with a tab: gcc counts it to column 9 (so the
# variable is at 13), clang counts bytes (6).
tab_col() { case $cc in *clang*) echo 6 ;; *) echo 13 ;; esac; }

warning_in_source() {
	enter_workdir
	same_diagnostics -Wall -Wextra -c warn.c
	assert_contains hpcc.err "warn.c:6:$(tab_col): warning: unused variable"
	assert_contains hpcc.err "warn.c:11:30: warning: unused variable"
	assert_instrumented warn.o
}

warning_in_source_subdir() {
	enter_workdir
	mkdir src
	mv warn.c src/
	same_diagnostics -Wall -Wextra -I. -c src/warn.c -o warn.o
	assert_contains hpcc.err "src/warn.c:6:$(tab_col): warning: unused variable"
}

warning_in_header() {
	enter_workdir
	same_diagnostics -Wall -c hdrwarn.c
	assert_contains hpcc.err "hdrwarn.h:1:12: warning:"
}

warning_in_header_subdir() {
	enter_workdir
	mkdir src
	mv hdrwarn.c hdrwarn.h src/
	same_diagnostics -Wall -c src/hdrwarn.c
	assert_contains hpcc.err "src/hdrwarn.h:1:12: warning:"
}

error_in_source() {
	enter_workdir
	same_diagnostics -c error.c
	assert_contains hpcc.err "error.c:6:"
	assert_missing error.o
}

error_with_werror() {
	enter_workdir
	same_diagnostics -Wall -Werror -c warn.c
	assert_missing warn.o
}

fallback_warning() {
	enter_workdir
	# -Dhp_site_0=1 breaks only the instrumented compile (the guard's
	# site variable), so hpcc must compile the original and say so
	"$HPCC" $cc -Dhp_site_0=1 -c annotated.c 2>err || fail "hpcc failed: $(cat err)"
	$cc -Dhp_site_0=1 -c annotated.c -o plain.o
	assert_same_file plain.o annotated.o
	assert_eq "hpcc: warning: instrumented compile of annotated.c failed; compiled it unmodified" \
		"$(cat err)" "stderr"
}

file_and_line_macros() {
	enter_workdir
	"$HPCC" $cc -o prog annotated.c || fail "hpcc failed"
	./prog >out 2>/dev/null
	$cc -o plainprog annotated.c
	./plainprog >pout
	assert_same_file pout out
}

for cc in $COMPILERS; do
	check "$cc: warning in the source" warning_in_source
	check "$cc: warning in a source in a subdirectory" warning_in_source_subdir
	check "$cc: warning in a header beside the source" warning_in_header
	check "$cc: warning in a header in a subdirectory" warning_in_header_subdir
	check "$cc: error in the source" error_in_source
	check "$cc: -Werror" error_with_werror
	check "$cc: failed instrumented compile falls back with one warning" fallback_warning
	check "$cc: __FILE__ and __LINE__" file_and_line_macros
done
finish
