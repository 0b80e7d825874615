#!/usr/bin/env bash
# Dependency files written during an instrumented compile name the original
# source (never a temporary path), do not mention hotpath.h, land where the
# plain compiler puts them and list the same dependencies.
. "$(dirname "$0")/lib.sh"

# same_deps DEPFILE FLAGS...: the plain and hpcc runs write DEPFILE with the
# same facts (and bytes).
same_deps() {
	local dep=$1
	shift
	rm -f "$dep"
	$cc "$@" || fail "plain compile failed"
	[ -f "$dep" ] || { fail "plain $cc wrote no $dep"; return; }
	mv "$dep" plain.deps
	"$HPCC" $cc "$@" 2>err || fail "hpcc failed: $(cat err)"
	[ -f "$dep" ] || { fail "hpcc wrote no $dep"; return; }
	assert_eq "$(normalize_deps plain.deps)" "$(normalize_deps "$dep")" "dependencies in $dep"
	# and byte for byte: hpcc re-wraps lines the way the compiler does
	assert_same_file plain.deps "$dep"
	assert_not_contains "$dep" "hpcc-"
	assert_not_contains "$dep" "hotpath.h"
	assert_not_contains "$dep" "$TMPDIR"
}

md() {
	enter_workdir
	same_deps annotated.d -c -MD annotated.c
	assert_instrumented annotated.o
}

mmd_mp() {
	enter_workdir
	same_deps annotated.d -c -MMD -MP annotated.c
	assert_contains annotated.d "local.h:"
}

with_output() {
	enter_workdir
	mkdir obj
	same_deps obj/a.d -c -MMD annotated.c -o obj/a.o
	same_deps obj/b.d -c -MMD annotated.c -oobj/b.o
}

mf_mt_mq() {
	enter_workdir
	mkdir deps
	same_deps deps/x.d -c -MMD -MF deps/x.d annotated.c
	same_deps deps/y.d -c -MMD -MFdeps/y.d -MT custom.o annotated.c
	assert_contains deps/y.d "custom.o:"
	same_deps deps/z.d -c -MD -MF deps/z.d -MQ '$(OBJ)/a.o' -MT extra annotated.c
	assert_contains deps/z.d '$$(OBJ)/a.o'
}

subdirectory() {
	enter_workdir
	mkdir -p src build
	mv annotated.c local.h src/
	same_deps build/annotated.d -c -MMD -MP src/annotated.c -o build/annotated.o
	assert_contains build/annotated.d "src/annotated.c"
	assert_contains build/annotated.d "src/local.h"
}

absolute_path() {
	enter_workdir
	same_deps annotated.d -c -MD "$PWD/annotated.c"
	assert_contains annotated.d "$PWD/annotated.c"
}

several_sources() {
	enter_workdir
	"$HPCC" $cc -c -MMD usehelper.c helper.c || fail "hpcc failed"
	assert_contains usehelper.d "usehelper.o: usehelper.c"
	assert_contains helper.d "helper.o: helper.c"
	assert_not_contains usehelper.d "hpcc-"
	assert_not_contains helper.d "hpcc-"
}

compile_and_link() {
	enter_workdir
	same_deps prog.d -MMD -o prog annotated.c
	./prog >/dev/null 2>&1 || fail "prog failed"
}

# A guarded header included directly and through another header (issue 13,
# item 10): gcc lists a header once per cached lookup, and hpcc's lookups
# from the temp dir differ from the plain ones.
guarded_twice() {
	enter_workdir
	mkdir src
	printf '#include "b.h"\n#include "c.h"\nint f(void) { return B + C; }\n' >src/a.c
	printf '#ifndef B_H\n#define B_H\n#include "c.h"\n#define B 1\n#endif\n' >src/b.h
	printf '#ifndef C_H\n#define C_H\n#define C 2\n#endif\n' >src/c.h
	same_deps a.d -c -MMD -MP src/a.c -o a.o
	HPCC_INSTRUMENT=all same_deps a.d -c -MMD -MP src/a.c -o a.o
	assert_instrumented a.o
	HPCC_INSTRUMENT=all same_deps a.d -MMD -MP src/a.c -o a -Df=main
}

# The same folder as -I: gcc itself lists c.h twice (<b.h> through -I.,
# then "c.h" from b.h and from the source), or not (e.c).
include_dir_dot() {
	enter_workdir
	printf '#ifndef B_H\n#define B_H\n#include "c.h"\n#define B 1\n#endif\n' >b.h
	printf '#ifndef C_H\n#define C_H\n#define C 2\n#endif\n' >c.h
	printf '#include <b.h>\n#include "c.h"\n/* @hotpath */\nint g(void) { return C; }\n' >g.c
	printf '#include "c.h"\n#include <c.h>\n/* @hotpath */\nint e(void) { return C; }\n' >e.c
	same_deps g.d -I. -c -MMD -MP g.c
	assert_instrumented g.o
	same_deps e.d -I. -c -MD e.c
	same_deps e.d -I "$PWD" -c -MMD -MP -MT 'custom target' e.c
}

for cc in $COMPILERS; do
	check "$cc: -MD" md
	check "$cc: -MMD -MP" mmd_mp
	check "$cc: -MMD with -o x / -ox" with_output
	check "$cc: -MF -MT -MQ" mf_mt_mq
	check "$cc: source in a subdirectory" subdirectory
	check "$cc: absolute source path" absolute_path
	check "$cc: several sources with -c" several_sources
	check "$cc: -MMD on compile and link" compile_and_link
	check "$cc: a guarded header included twice" guarded_twice
	check "$cc: the source's folder also in -I" include_dir_dot
done
finish
