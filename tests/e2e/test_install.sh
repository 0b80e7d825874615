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
}

check "installed, then moved prefix" relocated_install
check "runtime missing: compiled unmodified with an error line" missing_runtime
finish
