#!/usr/bin/env bash
# Sources from several folders in one command (issue 13, item 1): each
# rewritten source finds its quoted includes exactly where it would in
# place.  a/x.c and b/y.c both include "h.h", "p.h" (#pragma once, twice)
# and "f.h" (__FILE__), and each folder has its own; they also include
# "m.h", which only b/ has: a/x.c gets it from -Iinc1, whose m.h has
# #include_next "m.h" for the one in -Iinc2.  The program prints what each
# source saw; plain and hpcc must agree.
. "$(dirname "$0")/lib.sh"

# make_tree: a/, b/, inc1/, inc2/ and main.c in the current directory.
make_tree() {
	local d v
	mkdir -p a b inc1 inc2
	for d in a b; do
		case $d in a) v=1 ;; b) v=2 ;; esac
		printf '#define V %s\n' $v >$d/h.h
		printf '#pragma once\nstatic const int p_once = %s;\n' $v >$d/p.h
		printf 'static const char f_file[] = __FILE__;\n' >$d/f.h
	done
	printf '#define M 7\n' >b/m.h
	printf '#include_next "m.h"\n' >inc1/m.h
	printf '#define M 4\n' >inc2/m.h
	local f=x s=a
	for d in a b; do
		[ $d = b ] && f=y s=b
		cat >$d/$f.c <<EOF
#include "h.h"
#include "p.h"
#include "p.h"
#include "m.h"
#include "f.h"

/* @hotpath */
int v_$s(void) { return V * 100 + p_once * 10 + M; }

const char *file_$s(void) { return f_file; }
EOF
	done
	cat >main.c <<'EOF'
#include <stdio.h>
int v_a(void), v_b(void);
const char *file_a(void), *file_b(void);
int main(void)
{
	printf("a=%d b=%d %s %s\n", v_a(), v_b(), file_a(), file_b());
	return 0;
}
EOF
	# no annotation: --instrument=all must measure it all the same
	sed 's|/\* @hotpath \*/||' a/x.c >a/plainx.c
	sed 's|/\* @hotpath \*/||' b/y.c >b/plainy.c
}

# same_run PROG: the program's output is what the plain build printed.
same_run() {
	"./$1" >"$1.out" 2>/dev/null || fail "$1 failed"
	assert_eq "a=114 b=227 a/f.h b/f.h" "$(cat "$1.out")" "$1 prints"
}

compile_two_objects() {
	enter_workdir
	make_tree
	$cc -Iinc1 -Iinc2 -c a/x.c b/y.c main.c 2>plain.err || fail "plain compile failed"
	$cc -o plain x.o y.o main.o
	same_run plain
	rm -f x.o y.o main.o
	"$HPCC" $cc -Iinc1 -Iinc2 -c a/x.c b/y.c main.c 2>hpcc.err || fail "hpcc failed: $(cat hpcc.err)"
	assert_same_file plain.err hpcc.err
	assert_instrumented x.o
	assert_instrumented y.o
	"$HPCC" $cc -o prog x.o y.o main.o || fail "link failed"
	same_run prog
}

compile_and_link() {
	enter_workdir
	make_tree
	$cc -Iinc1 -Iinc2 -o plain a/x.c main.c b/y.c 2>plain.err || fail "plain build failed"
	same_run plain
	"$HPCC" $cc -Iinc1 -Iinc2 -o prog a/x.c main.c b/y.c 2>hpcc.err || fail "hpcc failed: $(cat hpcc.err)"
	assert_same_file plain.err hpcc.err
	assert_instrumented prog
	same_run prog
	ls ./*.o a/*.o b/*.o >/dev/null 2>&1 && fail "object files left behind"
	return 0
}

instrument_all() {
	enter_workdir
	make_tree
	"$HPCC" --instrument=all $cc -Iinc1 -Iinc2 -c a/plainx.c b/plainy.c 2>hpcc.err ||
		fail "hpcc -c failed: $(cat hpcc.err)"
	assert_instrumented plainx.o
	assert_instrumented plainy.o
	"$HPCC" $cc -o prog plainx.o plainy.o main.c || fail "link failed"
	same_run prog
	"$HPCC" --instrument=all $cc -Iinc1 -Iinc2 -o prog2 a/plainx.c b/plainy.c main.c 2>hpcc.err ||
		fail "hpcc link failed: $(cat hpcc.err)"
	same_run prog2
}

# Each folder's own headers also under -MMD: the .d files are the plain ones.
depfiles() {
	enter_workdir
	make_tree
	$cc -Iinc1 -Iinc2 -MMD -MP -c a/x.c b/y.c || fail "plain compile failed"
	mv x.d plain-x.d
	mv y.d plain-y.d
	"$HPCC" $cc -Iinc1 -Iinc2 -MMD -MP -c a/x.c b/y.c || fail "hpcc failed"
	assert_same_file plain-x.d x.d
	assert_same_file plain-y.d y.d
	assert_contains y.d "b/h.h"
	rm -f ./*.d
	$cc -Iinc1 -Iinc2 -MMD -o plain a/x.c b/y.c main.c || fail "plain link failed"
	mv plain.d plain-link.d
	"$HPCC" $cc -Iinc1 -Iinc2 -MMD -o plain a/x.c b/y.c main.c || fail "hpcc link failed"
	assert_same_file plain-link.d plain.d
}

# The source's folder is for the source's own quoted includes only: a
# header from elsewhere (inc/lib.h, through -Iinc) that includes "conf.h"
# finds conf/conf.h through -Iconf, as in place, not src/conf.h (hpcc
# used to add -iquote src for the whole compile: CONF 1 instead of 2,
# silently).  The source's own includes still find its folder first,
# with __FILE__, #pragma once, __has_include and what those headers
# include in turn seen as in place.
make_elsewhere_tree() {
	mkdir -p src inc conf
	cat >src/main.c <<'EOF'
#include <stdio.h>
#include "own.h"
#include "own.h"
#include "lib.h"
#if __has_include("only.h")
#define HAS_ONLY 1
#else
#define HAS_ONLY 0
#endif

/* @hotpath */
static int f(void) { return CONF * 100 + OWN * 10 + HAS_ONLY; }

int main(void)
{
	printf("%d %s %s\n", f(), own_file, nest_file);
	return 0;
}
EOF
	printf '#pragma once\n#define OWN 3\nstatic const char *own_file = __FILE__;\n#include "nest.h"\nstatic int unused_v;\n' >src/own.h
	printf 'static const char *nest_file = __FILE__;\n' >src/nest.h
	printf '\n' >src/only.h
	printf '#define CONF 1\n' >src/conf.h
	printf '#include "conf.h"\n' >inc/lib.h
	printf '#define CONF 2\n' >conf/conf.h
}

header_elsewhere() {
	local want="231 src/own.h src/nest.h"
	enter_workdir
	make_elsewhere_tree
	$cc -Wall -Iinc -Iconf -o plain src/main.c 2>plain.err || fail "plain build failed"
	assert_eq "$want" "$(./plain)" "plain prints"
	"$HPCC" $cc -Wall -Iinc -Iconf -o prog src/main.c 2>hpcc.err || fail "hpcc failed: $(cat hpcc.err)"
	assert_same_file plain.err hpcc.err
	assert_instrumented prog
	assert_eq "$want" "$(HOTPATH_FORMAT=none ./prog)" "hpcc prints"
	# -c, -MMD -MP, -g: the same .d, no temp path in the object
	$cc -Wall -Iinc -Iconf -MMD -MP -g -c src/main.c 2>plain.err || fail "plain -c failed"
	mv main.d plain.d
	"$HPCC" $cc -Wall -Iinc -Iconf -MMD -MP -g -c src/main.c 2>hpcc.err || fail "hpcc -c failed"
	assert_same_file plain.err hpcc.err
	assert_same_file plain.d main.d
	assert_instrumented main.o
	assert_not_contains <(strings -a main.o) "hpcc-"
	# -H lists the headers as in place
	$cc -H -Iinc -Iconf -fsyntax-only src/main.c 2>&1 | grep -v '^\.* /usr' >plain.h
	"$HPCC" $cc -H -Iinc -Iconf -fsyntax-only src/main.c 2>&1 | grep -v '^\.* /usr' >hpcc.h
	assert_same_file plain.h hpcc.h
	# the source named without a folder: its headers are "own.h", not "./own.h"
	cd src || return 1
	$cc -Wall -I../inc -I../conf -o ../plain2 main.c 2>../plain2.err || fail "plain build in src/ failed"
	"$HPCC" $cc -Wall -I../inc -I../conf -o ../prog2 main.c 2>../hpcc2.err ||
		fail "hpcc in src/ failed: $(cat ../hpcc2.err)"
	cd .. || return 1
	assert_same_file plain2.err hpcc2.err
	assert_eq "$(./plain2)" "$(HOTPATH_FORMAT=none ./prog2)" "hpcc in src/ prints"
}

# A folder named with '=': -ffile-prefix-map=OLD=NEW cannot name it back
# with gcc (it splits at the last '='), so no temp path may be left in
# __FILE__ of its headers.  (Not -g: gcc's debug info still names the
# source's temp copy there, README "Limitations".)
folder_with_equals() {
	enter_workdir
	mkdir -p a=b || return 1
	printf 'static const char *hfile(void) { return __FILE__; }\n' >a=b/conf.h
	printf '#include <stdio.h>\n#include "conf.h"\n/* @hotpath measure */\nstatic int f(void) { return 1; }\nint main(void) { printf("%%d %%s %%s\\n", f(), __FILE__, hfile()); return 0; }\n' >a=b/m.c
	$cc -o plain a=b/m.c 2>plain.err || fail "plain build failed"
	"$HPCC" $cc -o prog a=b/m.c 2>hpcc.err || fail "hpcc failed: $(cat hpcc.err)"
	assert_same_file plain.err hpcc.err
	assert_instrumented prog
	assert_eq "$(./plain)" "$(HOTPATH_FORMAT=none ./prog)" "hpcc prints"
	assert_not_contains <(strings -a prog) "hpcc-"
}

for cc in $COMPILERS; do
	check "$cc: a source folder named with '='" folder_with_equals
	check "$cc: -c of sources from two folders" compile_two_objects
	check "$cc: compile and link of sources from two folders" compile_and_link
	check "$cc: --instrument=all with sources from two folders" instrument_all
	check "$cc: dependency files with sources from two folders" depfiles
	check "$cc: a header from elsewhere does not see the source's folder" header_elsewhere
done
finish
