#!/usr/bin/env bash
# A libclang that never returns must not hang the build: after
# HPCC_PARSE_TIMEOUT seconds hpcc says so in one line, removes its temp
# files and runs the user's own command.  The hang is real: a stand-in
# libclang (HPCC_LIBCLANG) whose parse blocks forever.
. "$(dirname "$0")/lib.sh"

# Every libclang function the finder resolves, as stubs; the parse hangs.
make_hanging_libclang() {
	local names
	names=$(sed -n 's/^[[:space:]]*X(\(clang_[A-Za-z0-9_]*\)).*/\1/p' "$HPCC_SRC/hpcc/finder.c")
	[ -n "$names" ] || fail "no libclang functions found in finder.c"
	{
		echo '#include <unistd.h>'
		for n in $names; do
			case $n in
			clang_getCString) echo 'const char *clang_getCString(void) { return "clang version 14.0.6"; }' ;;
			clang_parseTranslationUnit2) echo 'int clang_parseTranslationUnit2(void) { for (;;) pause(); }' ;;
			clang_createIndex) echo 'void *clang_createIndex(void) { static int i; return &i; }' ;;
			*) echo "long $n(void) { return 0; }" ;;
			esac
		done
	} >hang.c
	gcc -shared -fPIC -o libhang.so hang.c || fail "cannot build the stand-in libclang"
}

hung_parse_falls_back() {
	enter_workdir
	make_hanging_libclang
	local start=$SECONDS
	HPCC_LIBCLANG=$PWD/libhang.so HPCC_PARSE_TIMEOUT=1 "$HPCC" $cc -c annotated.c 2>err
	assert_status 0 $? "hpcc's status"
	[ $((SECONDS - start)) -lt 30 ] || fail "took $((SECONDS - start)) s"
	assert_eq "hpcc: warning: libclang did not finish parsing annotated.c in 1 s; compiling unmodified" \
		"$(cat err)" "stderr"
	$cc -c annotated.c -o plain.o
	assert_same_file plain.o annotated.o
}

# The user's compile error still comes out, with the compiler's status.
hung_parse_keeps_errors() {
	enter_workdir
	make_hanging_libclang
	printf '/* @hotpath */\nint f(void) { return undeclared; }\n' >bad.c
	$cc -c bad.c 2>plain.err
	local ps=$?
	HPCC_LIBCLANG=$PWD/libhang.so HPCC_PARSE_TIMEOUT=1 "$HPCC" $cc -c bad.c 2>hpcc.err
	assert_status $ps $? "hpcc's status"
	assert_contains hpcc.err "hpcc: warning: libclang did not finish parsing bad.c"
	grep -v '^hpcc: warning: libclang did not finish' hpcc.err >rest.err
	assert_same_file plain.err rest.err
}

for cc in $COMPILERS; do
	check "$cc: a hung libclang falls back to the plain compile" hung_parse_falls_back
	check "$cc: ... and the compiler's own errors come through" hung_parse_keeps_errors
done
finish
