#!/usr/bin/env bash
# Malformed inputs and hostile environments: each gets one clear message,
# the compiler's exit status and no temp file left behind (lib.sh's check
# runs each case with a fresh TMPDIR and fails if anything is left there).
# Already covered elsewhere and not repeated here (test_arguments.sh):
# missing compiler, -o in a missing directory, nonexistent TMPDIR, missing
# @response file; test_diagnostics.sh: errors inside annotated bodies.
. "$(dirname "$0")/lib.sh"

# plain and hpcc: same status and same stderr.
same_as_plain() { # HPCC-OPTIONS-WORD COMPILER-ARGS...
	local hopts=$1
	shift
	$cc "$@" >plain.out 2>plain.err
	local ps=$?
	"$HPCC" $hopts $cc "$@" >hpcc.out 2>hpcc.err
	assert_status $ps $? "exit status"
	assert_same_file plain.err hpcc.err
}

write_bad_annotations() {
	cat >bad.c <<'EOF'
#include <stdio.h>

/* @hotpath mesure */
static int twice(int x)
{
	return 2 * x;
}

/* @hotpath main(percentiles = [101]) */
int main(void)
{
	/* @hotpath measure_block("loop") */
	int n = twice(21);
	printf("%d\n", n);
	return 0;
}
EOF
}

BAD_LINES="bad.c:3:13: %s: hotpath: unknown annotation '@hotpath mesure' (expected main or measure_block)
bad.c:9:33: %s: hotpath: percentile 101 is outside 0..100; main keeps the default percentiles
bad.c:12:5: %s: hotpath: measure_block marker not followed by a block '{ ... }'"

annotation_errors_warn() {
	enter_workdir
	write_bad_annotations
	"$HPCC" $cc bad.c -o bad 2>err || fail "build failed"
	assert_eq "$(printf "$BAD_LINES" warning warning warning)" "$(cat err)" "warnings"
	[ "$(./bad 2>/dev/null)" = 42 ] || fail "program output"
}

annotation_errors_strict() {
	enter_workdir
	write_bad_annotations
	"$HPCC" --strict $cc bad.c -o bad 2>err
	assert_status 1 $? "status"
	assert_eq "$(printf "$BAD_LINES" error error error)" "$(cat err)" "errors"
	assert_missing bad
	HPCC_STRICT=1 "$HPCC" $cc -c bad.c 2>err
	assert_status 1 $? "status with HPCC_STRICT=1"
	assert_missing bad.o
	# a clean file is not affected by --strict
	"$HPCC" --strict $cc -c annotated.c 2>err || fail "--strict on a clean file failed"
	assert_eq "" "$(cat err)" "stderr on a clean file"
	assert_instrumented annotated.o
}

# A bad option of main is ignored, main is not (issue 12, item 8): with
# main the only annotation, the program still prints its report, with the
# default percentile (95); the comment and the attribute spellings.
bad_option_keeps_main() {
	enter_workdir
	local spelling std= i=0
	for spelling in '/* @hotpath main(percentiles = [99.9]) */' \
		'/* @hotpath main(percentiles = [50, 50]) */' \
		'/* @hotpath main(pct = [50]) */' \
		'/* @hotpath main(percentiles = [50] */' \
		'[[hotpath::main(percentiles = [0, 101])]]'; do
		i=$((i + 1))
		case $spelling in \[*) std=-std=gnu2x ;; esac
		printf '#include <stdio.h>\n%s\nint main(void)\n{\n\tputs("hi");\n\treturn 0;\n}\n' \
			"$spelling" >m$i.c
		"$HPCC" $cc $std m$i.c -o m$i 2>err || fail "build $i failed: $(cat err)"
		grep -q "^m$i.c:2:[0-9]*: warning: hotpath: .*; main keeps the default percentiles\$" err ||
			fail "no warning for $spelling: $(cat err)"
		[ "$(wc -l <err)" = 1 ] || fail "stderr of $spelling: $(cat err)"
		HOTPATH_FORMAT=json ./m$i >out 2>rep || fail "program $i failed"
		assert_eq hi "$(cat out)" "program output"
		grep -q '"name":"main","file":"m'$i'.c","line":3,"kind":"main"' rep ||
			fail "no main in the report of $spelling: $(cat rep)"
		grep -q '^{"program":"m'$i'",.*"percentiles":\[95\],"functions"' rep ||
			fail "not the default percentile for $spelling: $(cat rep)"
		"$HPCC" --strict $cc $std m$i.c -o s$i 2>err
		assert_status 1 $? "--strict status for $spelling"
		grep -q "^m$i.c:2:[0-9]*: error: hotpath: " err || fail "--strict: $(cat err)"
		assert_missing s$i
	done
}

# A syntax error libclang sees too (file scope): exactly the compiler's
# own diagnostics and status (hpcc's fall-back note is only said when the
# unmodified compile succeeds).
syntax_error_file_scope() {
	enter_workdir
	printf 'int broken = ;\nint f(int x) { return x; }\nint main(void) { return f(0); }\n' >syn.c
	$cc -c syn.c 2>plain.err
	local ps=$?
	"$HPCC" --instrument=all $cc -c syn.c 2>hpcc.err
	assert_status $ps $? "exit status"
	assert_same_file plain.err hpcc.err
	assert_missing syn.o
}

# Code gcc accepts but libclang cannot parse (a GNU nested function, with a
# block marker forcing a full parse): one warning line, the unmodified
# compile, and a program that runs.
libclang_rejects_gnu_c() {
	[ "$cc" = gcc ] || return 0 # clang has no nested functions
	enter_workdir
	printf '/* @hotpath */\nint f(void) { int n(int x) { return x; }\n/* @hotpath measure_block("b") */\n{ n(2); }\nreturn n(1) - 1; }\nint main(void) { return f(); }\n' >gnu.c
	"$HPCC" $cc gnu.c -o gnu 2>err || fail "build failed: $(cat err)"
	assert_eq "gnu.c: warning: hotpath: libclang cannot parse this file (gnu.c:2:28: function definition is not allowed here); compiling it unmodified" \
		"$(cat err)" "stderr"
	./gnu || fail "program failed"
	$cc gnu.c -o plain
	cmp -s gnu plain || fail "not the plain program"
}

syntax_error_in_body_all() {
	enter_workdir
	printf 'int f(int x) { return x }\nint main(void) { return f(0); }\n' >syn.c
	same_as_plain --instrument=all -c syn.c
	assert_missing syn.o
}

missing_include_all() {
	enter_workdir
	printf '#include "nope.h"\nint main(void) { return 0; }\n' >inc.c
	$cc -c inc.c 2>plain.err
	local ps=$?
	"$HPCC" --instrument=all $cc -c inc.c 2>hpcc.err
	assert_status $ps $? "exit status"
	assert_same_file plain.err hpcc.err
}

missing_source() {
	enter_workdir
	same_as_plain --instrument=all -c nonexistent.c
	same_as_plain "" nonexistent.c -o prog
	assert_missing prog
}

directory_as_source() {
	enter_workdir
	mkdir dir.c
	same_as_plain --instrument=all -c dir.c
}

# Unreadable for the user running hpcc (root reads anything: drop to nobody).
unreadable_source() {
	enter_workdir
	local run=()
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || { echo "  (no setpriv: skipped)"; return 0; }
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		chmod 777 . "$TMPDIR"
	fi
	chmod 000 annotated.c
	"${run[@]}" $cc -c annotated.c 2>plain.err
	local ps=$?
	"${run[@]}" env TMPDIR="$TMPDIR" "$HPCC" $cc -c annotated.c 2>hpcc.err
	assert_status $ps $? "exit status"
	assert_same_file plain.err hpcc.err
	chmod 644 annotated.c
	assert_missing annotated.o
}

output_is_a_directory() {
	enter_workdir
	mkdir out
	same_as_plain "" -c annotated.c -o out
	same_as_plain "" annotated.c -o out
	same_as_plain --instrument=all plain.c -o out
}

compiler_not_executable() {
	enter_workdir
	printf '#!/bin/sh\nexit 0\n' >cc-not-exec
	chmod 644 cc-not-exec
	"$HPCC" ./cc-not-exec -c annotated.c 2>err
	local hs=$?
	# what a shell answers for a file it cannot execute
	assert_status 126 $hs "hpcc's status"
	assert_eq "hpcc: error: cannot run ./cc-not-exec: Permission denied" "$(cat err)"
}

tmpdir_is_a_file() {
	enter_workdir
	TMPDIR=$PWD/plain.c "$HPCC" $cc -pipe -c annotated.c -o a.o 2>err || fail "compile failed"
	$cc -pipe -c annotated.c -o p.o
	assert_same_file p.o a.o
	assert_eq "hpcc: warning: cannot create a temporary directory in $PWD/plain.c: Not a directory; compiling annotated.c unmodified" "$(cat err)"
}

# A full TMPDIR: a tiny tmpfs filled up (needs root and mount; else skipped).
tmpdir_full() {
	enter_workdir
	local full=$PWD/full
	mkdir "$full"
	if ! mount -t tmpfs -o size=8k tmpfs "$full" 2>/dev/null; then
		echo "  (cannot mount a tmpfs: skipped)"
		return 0
	fi
	dd if=/dev/zero of="$full/fill" bs=1k count=64 2>/dev/null
	# -pipe: the compiler needs no temp file, so the unmodified compile works
	TMPDIR=$full "$HPCC" $cc -pipe -c annotated.c -o a.o 2>err
	assert_status 0 $? "status with -pipe"
	$cc -pipe -c annotated.c -o p.o
	assert_same_file p.o a.o
	assert_eq 1 "$(wc -l <err)" "stderr lines"
	assert_contains err "No space left on device; compiling annotated.c unmodified"
	# without -pipe the compiler fails too, exactly as without hpcc
	TMPDIR=$full $cc -c annotated.c -o p2.o 2>/dev/null
	local ps=$?
	TMPDIR=$full "$HPCC" $cc -c annotated.c -o a2.o 2>err
	assert_status $ps $? "status without -pipe"
	assert_eq "fill" "$(ls -A "$full")" "left in the full TMPDIR"
	umount "$full"
}

# Read-only TMPDIR (as nobody when root, since root writes anywhere).
tmpdir_read_only() {
	enter_workdir
	local run=() ro=$PWD/ro
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || { echo "  (no setpriv: skipped)"; return 0; }
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		chmod 777 .
	fi
	mkdir "$ro"
	chmod 555 "$ro"
	"${run[@]}" env TMPDIR="$ro" "$HPCC" $cc -pipe -c annotated.c -o a.o 2>err ||
		fail "compile failed"
	assert_eq "hpcc: warning: cannot create a temporary directory in $ro: Permission denied; compiling annotated.c unmodified" "$(cat err)"
	assert_eq "" "$(ls -A "$ro")" "left in the read-only TMPDIR"
	assert_not_instrumented a.o
}

for cc in $COMPILERS; do
	check "$cc: bad annotations warn, build and run" annotation_errors_warn
	check "$cc: bad annotations with --strict fail" annotation_errors_strict
	check "$cc: a bad option of main keeps main" bad_option_keeps_main
	check "$cc: syntax error at file scope (--instrument=all)" syntax_error_file_scope
	check "$cc: syntax error in a body (--instrument=all)" syntax_error_in_body_all
	check "$cc: GNU C libclang rejects" libclang_rejects_gnu_c
	check "$cc: missing #include (--instrument=all)" missing_include_all
	check "$cc: missing source" missing_source
	check "$cc: a directory named like a source" directory_as_source
	check "$cc: unreadable source" unreadable_source
	check "$cc: -o names a directory" output_is_a_directory
	check "$cc: TMPDIR is a file" tmpdir_is_a_file
	check "$cc: TMPDIR is full" tmpdir_full
	check "$cc: TMPDIR is read-only" tmpdir_read_only
done
check "compiler that is not executable" compiler_not_executable
finish
