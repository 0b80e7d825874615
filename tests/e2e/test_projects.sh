#!/usr/bin/env bash
# Build systems drive hpcc as they drive ccache: make with CC="hpcc gcc"
# (-MMD -MP, a local header, three files) and CMake with both launchers.
. "$(dirname "$0")/lib.sh"

make_project() {
	enter_workdir
	cd makeproj || return 1
	make CC="$HPCC $cc" >make.out 2>&1 || fail "make failed: $(tail -5 make.out)"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "result 143"
	assert_contains out "hotpath"
	local o
	for o in main util calc; do
		assert_instrumented $o.o
		assert_contains $o.d "$o.o: $o.c include/proj.h"
		assert_contains $o.d "include/proj.h:"
		assert_not_contains $o.d "hpcc-"
		assert_not_contains $o.d "hotpath.h"
	done
	make -q CC="$HPCC $cc" prog || fail "second make would rebuild"
	sleep 1
	touch include/proj.h
	assert_eq 3 "$(make -n CC="$HPCC $cc" | grep -c -- ' -c ')" "objects rebuilt after touching the header"
	make CC="$HPCC $cc" >make2.out 2>&1 || fail "rebuild failed"
	./prog >out2 2>&1 || fail "rebuilt prog failed"
	assert_contains out2 "result 143"
}

cmake_project() {
	enter_workdir
	cd cmakeproj || return 1
	local gen=()
	[ "${1:-}" = ninja ] && gen=(-G Ninja)
	cmake -S . -B build "${gen[@]}" -DCMAKE_C_COMPILER=$cc \
		-DCMAKE_C_COMPILER_LAUNCHER="$HPCC" -DCMAKE_C_LINKER_LAUNCHER="$HPCC" \
		>cmake.out 2>&1 || fail "cmake configure failed: $(tail -5 cmake.out)"
	cmake --build build >build.out 2>&1 || fail "cmake build failed: $(tail -5 build.out)"
	./build/prog >out 2>&1 || fail "prog failed"
	assert_contains out "result 143"
	assert_contains out "hotpath"
	assert_instrumented build/prog
	# the compiler-generated dependency files name the real sources
	local d
	for d in $(find build -name '*.o.d'); do
		assert_not_contains "$d" "hpcc-"
		assert_not_contains "$d" "hotpath.h"
	done
	touch proj.h
	cmake --build build >build2.out 2>&1 || fail "rebuild failed"
	assert_contains build2.out "main.c.o"
}

for cc in $COMPILERS; do
	check "$cc: make project with -MMD -MP" make_project
	check "$cc: CMake project with compiler and linker launchers" cmake_project
	if command -v ninja >/dev/null; then
		check "$cc: CMake project with Ninja" cmake_project ninja
	fi
done
finish
