#!/usr/bin/env bash
# Every argument case of issue 3 with real gcc and clang: what hpcc produces
# is what the plain compiler produces, instrumented where it should be.
. "$(dirname "$0")/lib.sh"

compile_c() {
	enter_workdir
	"$HPCC" $cc -c annotated.c 2>err || fail "hpcc failed: $(cat err)"
	assert_exists annotated.o
	assert_instrumented annotated.o
	assert_eq "" "$(cat err)" "stderr"
}

compile_S() {
	enter_workdir
	"$HPCC" $cc -S annotated.c || fail "hpcc failed"
	assert_exists annotated.s
	assert_contains annotated.s hp_site_
	assert_missing annotated.o
}

compile_and_link() {
	enter_workdir
	"$HPCC" $cc -o prog annotated.c || fail "hpcc failed"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "sum 4950 at annotated.c:18"
	assert_contains out "hotpath"
	assert_instrumented prog
}

several_sources_compile() {
	enter_workdir
	"$HPCC" $cc -c usehelper.c helper.c plain.c || fail "hpcc failed"
	assert_instrumented usehelper.o
	assert_instrumented helper.o
	assert_not_instrumented plain.o
}

several_sources_link() {
	enter_workdir
	mkdir lib
	mv helper.c lib/
	"$HPCC" $cc -I. -o prog usehelper.c lib/helper.c || fail "hpcc failed"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "helper 42"
	ls *.o lib/*.o >/dev/null 2>&1 && fail "object files left behind"
	return 0
}

link_only() {
	enter_workdir
	"$HPCC" $cc -c usehelper.c helper.c || fail "compile failed"
	"$HPCC" $cc -o prog usehelper.o helper.o || fail "link failed"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "helper 42"
	# linking without hpcc names the missing runtime
	$cc -o prog2 usehelper.o helper.o 2>lerr && fail "plain link of instrumented objects succeeded"
	assert_contains lerr "undefined reference to \`hotpath_enter"
}

preprocess() {
	enter_workdir
	$cc -E annotated.c >plain.i
	"$HPCC" $cc -E annotated.c >hpcc.i || fail "hpcc -E failed"
	assert_same_file plain.i hpcc.i
}

deps_only() {
	enter_workdir
	$cc -M annotated.c >plain.M
	"$HPCC" $cc -M annotated.c >hpcc.M || fail "hpcc -M failed"
	assert_same_file plain.M hpcc.M
	$cc -MM annotated.c >plain.MM
	"$HPCC" $cc -MM annotated.c >hpcc.MM || fail "hpcc -MM failed"
	assert_same_file plain.MM hpcc.MM
}

syntax_only() {
	enter_workdir
	"$HPCC" $cc -fsyntax-only annotated.c || fail "hpcc -fsyntax-only failed"
	"$HPCC" $cc -fsyntax-only error.c 2>err
	assert_status 1 $? "status of -fsyntax-only on an error"
	ls *.o >/dev/null 2>&1 && fail "object written"
	return 0
}

language_x() {
	enter_workdir
	cp annotated.c prog.txt
	"$HPCC" $cc -c -x c prog.txt -o a.o || fail "-x c failed"
	assert_instrumented a.o
	"$HPCC" $cc -c -xc prog.txt -o b.o || fail "-xc failed"
	assert_instrumented b.o
	"$HPCC" $cc -c -x c prog.txt -x none helper.c asm.s || fail "-x none failed"
	assert_instrumented prog.o
	assert_instrumented helper.o
	assert_exists asm.o
}

# Linking under -x c (issue 13, item 4): the runtime hpcc appends is a
# library, not C source (hpcc ends -x's scope first); with sources from
# two folders the objects hpcc compiles go to the link under -x none.
language_x_link() {
	enter_workdir
	"$HPCC" $cc -x c annotated.c -o prog 2>err || fail "-x c link failed: $(head -3 err)"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "sum 4950 at annotated.c:18"
	assert_instrumented prog
	mkdir lib
	cp helper.c lib/helper.txt
	cp usehelper.c use.txt
	"$HPCC" $cc -I. -o prog2 -x c use.txt lib/helper.txt 2>err ||
		fail "-x c link from two folders failed: $(head -3 err)"
	assert_eq "" "$(cat err)" "stderr"
	./prog2 >out 2>&1 || fail "prog2 failed"
	assert_contains out "helper 42"
	assert_instrumented prog2
}

non_c_inputs() {
	enter_workdir
	$cc -c helper.c -o plainhelper.o
	ar rcs libh.a plainhelper.o
	"$HPCC" $cc -o prog mixed.c asm.s asmpp.S libh.a || fail "link with .s .S .a failed"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "7 8 2"
	"$HPCC" $cc -c asmpp.S -o x.o || fail ".S alone failed"
	$cc -c asmpp.S -o y.o
	assert_same_file y.o x.o
	"$HPCC" $cc -c mixed.c asm.s || fail "-c of .c and .s failed"
	assert_instrumented mixed.o
	assert_exists asm.o
	"$HPCC" $cc -o prog3 mixed.o asm.o asmpp.S plainhelper.o || fail "link of .o failed"
}

output_spellings() {
	enter_workdir
	mkdir out
	"$HPCC" $cc -c annotated.c -o out/a.o || fail "-o x failed"
	assert_instrumented out/a.o
	"$HPCC" $cc -c annotated.c -oout/b.o || fail "-ox failed"
	assert_instrumented out/b.o
	"$HPCC" $cc -c annotated.c -o /dev/null || fail "-o /dev/null failed"
	"$HPCC" $cc annotated.c -o /dev/null || fail "link to /dev/null failed"
	assert_missing annotated.o
}

response_file() {
	enter_workdir
	mkdir "my dir"
	cp annotated.c local.h "my dir"/
	printf '%s\n' "-c '-Imy dir' \"my dir/annotated.c\"" "-o rsp.o" >args.rsp
	"$HPCC" $cc @args.rsp || fail "@file failed"
	assert_instrumented rsp.o
	"$HPCC" $cc -c @missing.rsp annotated.c 2>err
	local hs=$?
	$cc -c @missing.rsp annotated.c 2>perr
	assert_status $? $hs "status with a missing @file"
	assert_same_file perr err
}

stdin_input() {
	enter_workdir
	"$HPCC" $cc -x c -c - -o s.o <plain.c || fail "stdin failed"
	$cc -x c -c - -o p.o <plain.c
	assert_same_file p.o s.o
}

save_temps() {
	enter_workdir
	mkdir plain hp
	(cd plain && $cc -save-temps -c ../annotated.c -I..) || fail "plain failed"
	(cd hp && "$HPCC" $cc -save-temps -c ../annotated.c -I..) || fail "hpcc failed"
	assert_eq "$(ls plain)" "$(ls hp)" "files written by -save-temps"
	assert_instrumented hp/annotated.o
}

info_options() {
	enter_workdir
	local o
	for o in --version -v -dumpversion -dumpmachine -print-search-dirs \
		-print-prog-name=ld --help; do
		$cc $o >p.out 2>p.err
		local ps=$?
		"$HPCC" $cc $o >h.out 2>h.err
		assert_status $ps $? "status of $o"
		assert_same_file p.out h.out
		assert_same_file p.err h.err
	done
}

missing_compiler() {
	enter_workdir
	"$HPCC" no-such-compiler-xyz -c annotated.c 2>err
	assert_status 127 $? "status"
	assert_eq "hpcc: error: cannot find compiler 'no-such-compiler-xyz' in PATH" "$(cat err)"
}

unwritable_output() {
	enter_workdir
	$cc -c annotated.c -o /nonexistent/dir/a.o 2>perr
	local ps=$?
	"$HPCC" $cc -c annotated.c -o /nonexistent/dir/a.o 2>herr
	assert_status $ps $? "status"
	assert_same_file perr herr
}

no_recursion() {
	enter_workdir
	mkdir bin
	ln -s "$HPCC" bin/$cc
	# CC=hpcc earlier in PATH: hpcc must skip itself
	PATH=$PWD/bin:$PATH "$HPCC" $cc -c annotated.c || fail "hpcc via PATH failed"
	assert_instrumented annotated.o
	# masquerading: the symlink itself is the compiler
	rm annotated.o
	PATH=$PWD/bin:$PATH $cc -c annotated.c || fail "masquerade failed"
	assert_instrumented annotated.o
}

# `hpcc hpcc gcc` is `hpcc gcc` (issue 12, item 16): CC="hpcc gcc" under a
# CMake launcher set to hpcc gives it.  It used to exit 127 with "is hpcc
# itself".  The same object, and the inner hpcc's options count.
nested_hpcc() {
	enter_workdir
	"$HPCC" $cc -O1 -c annotated.c -o one.o || { fail "hpcc $cc failed"; return; }
	assert_instrumented one.o
	PATH=$(dirname "$HPCC"):$PATH "$HPCC" hpcc $cc -O1 -c annotated.c -o two.o 2>err ||
		fail "hpcc hpcc $cc failed: $(cat err)"
	assert_eq "" "$(cat err)" "stderr"
	assert_same_file one.o two.o
	"$HPCC" "$HPCC" hpcc $cc -O1 -c annotated.c -o three.o 2>err ||
		fail "hpcc hpcc hpcc $cc failed: $(cat err)"
	assert_same_file one.o three.o
	# a link, with --alloc given to the inner hpcc
	"$HPCC" hpcc --alloc $cc -o prog annotated.c 2>err ||
		{ fail "hpcc hpcc --alloc $cc link failed: $(cat err)"; return; }
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "sum 4950"
	assert_contains out "Allocation summary"
}

# A gcc -> hpcc symlink and a copy of hpcc named gcc later in PATH (issue 13,
# item 11) would exec each other forever: a clear error instead.
copy_in_path() {
	enter_workdir
	mkdir bin1 bin2
	ln -s "$HPCC" bin1/$cc
	cp "$HPCC" bin2/$cc
	local f st
	for f in annotated.c plain.c; do
		PATH=$PWD/bin1:$PWD/bin2:$PATH timeout 120 $cc -c $f 2>err
		st=$?
		[ $st -eq 124 ] && { fail "$f: still looping after 120 s"; return; }
		assert_status 127 $st "$f: exit status"
		assert_contains err "hpcc: error: '$cc' leads back to hpcc 8 times over"
	done
	# a nesting the user asked for still works
	printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$HPCC" "$cc" >bin1/mycc
	chmod +x bin1/mycc
	"$HPCC" bin1/mycc -c annotated.c || fail "hpcc of a script running hpcc failed"
	assert_instrumented annotated.o
}

tmpdir_unusable() {
	enter_workdir
	TMPDIR=/nonexistent/tmp "$HPCC" $cc -c annotated.c -o a.o 2>err ||
		fail "compile failed"
	$cc -c annotated.c -o p.o
	assert_same_file p.o a.o
	assert_contains err "hpcc: warning: cannot create a temporary directory in /nonexistent/tmp"
	assert_eq 1 "$(wc -l <err)" "warning lines"
}

alloc_option() {
	enter_workdir
	"$HPCC" --alloc $cc -o prog annotated.c 2>err || fail "hpcc --alloc failed: $(cat err)"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "sum 4950"
	# the interposer is a DT_NEEDED of the program (libhotpath_alloc.so.1),
	# before libc: its malloc is the process's
	needs() { readelf -d "$1" | grep -q "NEEDED.*\[$2\]"; }
	needs prog libhotpath_alloc.so.1 || fail "--alloc did not link the malloc interposer"
	"$HPCC" $cc -o prog2 annotated.c || fail "hpcc failed"
	! needs prog2 libhotpath_alloc.so.1 || fail "malloc interposed without --alloc"
	needs prog2 libhotpath.so.1 || fail "no runtime without --alloc"
	HPCC_ALLOC=1 "$HPCC" $cc -o prog3 annotated.c || fail "HPCC_ALLOC=1 failed"
	needs prog3 libhotpath_alloc.so.1 || fail "HPCC_ALLOC=1 did not link the interposer"
}

for cc in $COMPILERS; do
	check "$cc: --alloc and HPCC_ALLOC=1" alloc_option
	check "$cc: -c" compile_c
	check "$cc: -S" compile_S
	check "$cc: compile and link" compile_and_link
	check "$cc: several sources with -c" several_sources_compile
	check "$cc: several sources in two directories, linked" several_sources_link
	check "$cc: link only" link_only
	check "$cc: -E" preprocess
	check "$cc: -M and -MM" deps_only
	check "$cc: -fsyntax-only" syntax_only
	check "$cc: -x c, -xc, -x none" language_x
	check "$cc: -x c when linking" language_x_link
	check "$cc: .s .S .o .a inputs" non_c_inputs
	check "$cc: -o x, -ox, -o /dev/null" output_spellings
	check "$cc: @response files" response_file
	check "$cc: - (stdin)" stdin_input
	check "$cc: -save-temps" save_temps
	check "$cc: --version -v -dumpversion -print-*" info_options
	check "$cc: missing compiler" missing_compiler
	check "$cc: unwritable -o" unwritable_output
	check "$cc: no recursion through PATH" no_recursion
	check "$cc: a copy of hpcc named $cc in PATH" copy_in_path
	check "$cc: hpcc hpcc $cc is hpcc $cc" nested_hpcc
	check "$cc: unusable TMPDIR" tmpdir_unusable
done
check "hpcc --version" bash -c '"$HPCC" --version | grep -q "^hpcc [0-9]"'
check "hpcc --help" bash -c '"$HPCC" --help | grep -q "usage: hpcc \[hpcc options\] COMPILER"'
check "hpcc without a compiler" bash -c '"$HPCC" 2>&1 >/dev/null | grep -q "hpcc: error: no compiler given"; [ ${PIPESTATUS[0]} -eq 2 ]'
finish
