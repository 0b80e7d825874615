#!/usr/bin/env bash
# An installed hpcc finds its runtime and header relative to itself, and
# keeps finding them after the prefix is moved.
. "$(dirname "$0")/lib.sh"
: "${HPCC_BUILD:?HPCC_BUILD must name the build tree}"

relocated_install() {
	enter_workdir
	cmake --install "$HPCC_BUILD" --prefix "$PWD/prefix1" >install.out 2>&1 ||
		fail "install failed: $(tail -3 install.out)"
	mv prefix1 prefix2
	local h=$PWD/prefix2/bin/hpcc cc
	[ -x "$h" ] || { fail "no $h"; return; }
	for cc in $COMPILERS; do
		rm -f prog out
		"$h" $cc -o prog annotated.c 2>err || fail "$cc: installed hpcc failed: $(cat err)"
		./prog >out 2>&1 || fail "$cc: prog failed"
		assert_contains out "sum 4950"
		assert_contains out "hotpath"
		assert_instrumented prog
		assert_not_contains err "runtime not found"
	done
}

missing_runtime() {
	enter_workdir
	mkdir -p fake/bin
	cp "$HPCC" fake/bin/hpcc
	fake/bin/hpcc gcc -o prog annotated.c 2>err || fail "compile failed without runtime"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "sum 4950"
	assert_not_instrumented prog
	assert_contains err "hpcc: error: runtime not found at "
	fake/bin/hpcc gcc -c annotated.c 2>err2 || fail "-c failed without runtime"
	assert_not_instrumented annotated.o
	assert_contains err2 "hpcc: error: runtime not found at "
	# the message says how to get the runtime (issue 12, item 14): an
	# installed hpcc names its prefix ...
	local top
	top=$(pwd -P)/fake
	assert_contains err "hpcc: error: runtime not found at $top/bin/../lib/libhotpath.so.1; reinstall hpcc: cmake --install <build dir> --prefix $top"
	assert_contains err2 "hpcc: error: runtime not found at $top/bin/../include/hotpath.h; reinstall hpcc: cmake --install <build dir> --prefix $top"
	# ... one in a build tree names the tree; here the core runtime is
	# there but not the allocation tracker (what `--target hpcc` once left)
	mkdir -p tree/bin tree/lib tree/include
	cp "$HPCC" tree/bin/hpcc
	: >tree/CMakeCache.txt
	cp -P "$HPCC_BUILD"/lib/libhotpath.so* tree/lib/
	cp "$HPCC_BUILD"/include/hotpath.h tree/include/
	tree/bin/hpcc --alloc gcc -o prog2 annotated.c 2>err3 || fail "--alloc failed without the tracker"
	./prog2 >out3 2>&1 || fail "prog2 failed"
	assert_contains out3 "sum 4950"
	assert_contains err3 "hpcc: error: runtime not found at $(pwd -P)/tree/bin/../lib/libhotpath_alloc.so.1; build it with: cmake --build $(pwd -P)/tree"
	tree/bin/hpcc gcc -o prog3 annotated.c 2>err4 || fail "hpcc without --alloc failed"
	assert_eq "" "$(cat err4)" "stderr without --alloc"
	assert_instrumented prog3
}

check "installed, then moved prefix" relocated_install
check "runtime missing: compiled unmodified with an error line" missing_runtime
finish
