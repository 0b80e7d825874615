#!/usr/bin/env bash
# What hpcc must not change: a file without annotations compiles to the
# same bytes as without hpcc, and autoconf-style probes see the same
# compiler (outputs, statuses, diagnostics, files).
. "$(dirname "$0")/lib.sh"

identical_objects() {
	enter_workdir
	mkdir src
	cp plain.c local.h src/
	local flags
	for flags in "-c" "-c -g" "-O2 -c" "-c -g -O1 -Wall" "-c -MD" "-S"; do
		rm -f plain.o plain.s plain.d
		$cc $flags plain.c
		for f in plain.o plain.s plain.d; do [ -f $f ] && mv $f ref.$f; done
		"$HPCC" $cc $flags plain.c || fail "hpcc $flags failed"
		for f in plain.o plain.s plain.d; do
			[ -f ref.$f ] && assert_same_file ref.$f $f
			rm -f ref.$f
		done
	done
	$cc -g -c src/plain.c -o ref.o
	"$HPCC" $cc -g -c src/plain.c -o hp.o || fail "hpcc failed on src/plain.c"
	assert_same_file ref.o hp.o
	# the word hotpath in a comment makes hpcc look, but with nothing
	# annotated the object is still the plain one
	printf '/* not a hotpath marker */\nint f(void) { return 1; }\n' >mention.c
	$cc -c mention.c -o ref2.o
	"$HPCC" $cc -c mention.c -o hp2.o || fail "hpcc failed on mention.c"
	assert_same_file ref2.o hp2.o
}

identical_links() {
	enter_workdir
	$cc -o ref plain.c
	"$HPCC" $cc -o hp plain.c || fail "hpcc link failed"
	assert_same_file ref hp
	# helper.c is annotated: build the library from a plain copy
	sed '/@hotpath/d' helper.c >noannot.c
	$cc -shared -fPIC -o ref.so noannot.c
	"$HPCC" $cc -shared -fPIC -o hp.so noannot.c || fail "hpcc -shared failed"
	assert_same_file ref.so hp.so
}

# probe NAME COMMAND...: runs COMMAND with CC=$cc and then CC="$HPCC $cc"
# in the same fresh directory (debug info records it); stdout, stderr,
# status and the files made must match.
probe() {
	local name=$1 d
	shift
	for d in plain hp; do
		rm -rf probe probe.$d
		mkdir probe
		cp conftest*.c probe/ 2>/dev/null
		if [ $d = plain ]; then CC="$cc"; else CC="$HPCC $cc"; fi
		(cd probe && eval "$*" >stdout 2>stderr; echo $? >status)
		mv probe probe.$d
	done
	assert_same_file probe.plain/status probe.hp/status
	assert_same_file probe.plain/stdout probe.hp/stdout
	# diagnostics name the temporary conftest the same way
	assert_same_file probe.plain/stderr probe.hp/stderr
	assert_eq "$(cd probe.plain && ls)" "$(cd probe.hp && ls)" "files made by $name"
	local f
	for f in $(cd probe.plain && ls *.o 2>/dev/null); do
		assert_same_file probe.plain/$f probe.hp/$f
	done
}

configure_probes() {
	enter_workdir
	cat >conftest.c <<'C'
#include <stdio.h>
int main(void) { printf("probe\n"); return 0; }
C
	cat >conftest_hdr.c <<'C'
#include <no_such_header_hpcc.h>
int main(void) { return 0; }
C
	cat >conftest_fn.c <<'C'
char printf(void);
int main(void) { return printf(); }
C
	cat >conftest_size.c <<'C'
static int test_array[1 - 2 * !(sizeof(long) >= 4)];
int main(void) { return test_array[0]; }
C
	cat >conftest_bad.c <<'C'
static int test_array[1 - 2 * !(sizeof(char) == 2)];
int main(void) { return test_array[0]; }
C
	probe version '$CC --version'
	probe dumpversion '$CC -dumpversion'
	probe verbose '$CC -v'
	probe default-output '$CC conftest.c && ./a.out'
	probe exeext '$CC -o conftest conftest.c && ./conftest'
	probe objext '$CC -c conftest.c'
	probe cpp '$CC -E conftest.c'
	probe missing-header '$CC -E conftest_hdr.c'
	probe missing-header-cc '$CC -c conftest_hdr.c'
	probe function-link '$CC -o conftest conftest_fn.c'
	probe sizeof-true '$CC -c conftest_size.c'
	probe sizeof-false '$CC -c conftest_bad.c'
	probe missing-lib '$CC -o conftest conftest.c -lno_such_lib_hpcc'
	probe werror '$CC -Werror -Wall -c conftest_fn.c'
	probe g-O2 '$CC -g -O2 -c conftest.c -o conftest.o'
	probe stdin '$CC -E - <conftest.c'
}

# An option hpcc cannot handle runs the compiler unchanged; an annotated
# source (or any, with --instrument=all) is then named in one warning
# line, and a file without annotations gets the compiler's stderr only.
unsupported_options() {
	enter_workdir
	local opt
	local opts=("-Wp,-DUNUSED_HPCC" "-Xpreprocessor -DUNUSED_HPCC")
	[ "$cc" = gcc ] && opts+=("-I- -I.") # -I- drops the file's own folder
	for opt in "${opts[@]}"; do
		rm -f ref.o hp.o ref.err hp.err
		$cc $opt -c annotated.c -o ref.o 2>ref.err || fail "$cc $opt failed"
		"$HPCC" $cc $opt -c annotated.c -o hp.o 2>hp.err || fail "hpcc $cc $opt failed"
		assert_same_file ref.o hp.o
		assert_not_instrumented hp.o
		grep -v '^hpcc: ' hp.err >hp.rest
		assert_same_file ref.err hp.rest
		assert_eq 1 "$(grep -c '^hpcc: ' hp.err)" "hpcc lines for $opt"
		assert_contains hp.err "hpcc: warning: annotated.c is compiled unchanged (not instrumented): hpcc does not handle the option '${opt%% *}'"
		$cc $opt -c plain.c -o ref.o 2>ref.err
		"$HPCC" $cc $opt -c plain.c -o hp.o 2>hp.err
		assert_same_file ref.err hp.err
		"$HPCC" --instrument=all $cc $opt -c plain.c -o hp.o 2>hp.err
		assert_contains hp.err "hpcc: warning: plain.c is compiled unchanged (not instrumented): hpcc does not handle the option '${opt%% *}'"
	done
}

for cc in $COMPILERS; do
	check "$cc: a file without annotations gives identical objects" identical_objects
	check "$cc: an unsupported option says which annotated sources go uninstrumented" unsupported_options
	check "$cc: programs and shared libraries without annotations link identically" identical_links
	check "$cc: configure-style probes" configure_probes
done
finish
