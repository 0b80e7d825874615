#!/usr/bin/env bash
# Files the compiler names after its input or output (issue 13, item 1's
# by-products): -save-temps, --coverage (.gcno, and the .gcda path the
# program writes to), -fstack-usage (.su), -fcallgraph-info (.ci) and
# -fdump-* get the names and places the plain build gives them, also when
# one command compiles and links sources from two folders (hpcc used to
# compile those to temporary objects: the files went to its temp dir and
# the program wrote its .gcda files there).
. "$(dirname "$0")/lib.sh"

make_tree() {
	mkdir -p a b
	cat >a/x.c <<'EOF'
#include <stdio.h>
#include "h.h"
int y(int);
/* @hotpath */
static int x(int v) { char buf[64]; snprintf(buf, sizeof buf, "%d", v); return buf[0] + y(v) + H; }
int main(void) { printf("%d\n", x(3)); return 0; }
EOF
	cat >b/y.c <<'EOF'
#include "h.h"
/* @hotpath */
int y(int v) { return v * 2 + H; }
EOF
	printf '#define H 1\n' >a/h.h
	printf '#define H 2\n' >b/h.h
}

tree=make_tree

# files ARGS...: builds in plain/ and in hpcc/, each a copy of the tree,
# and lists what each made in plain.files and hpcc.files.
files() {
	local d
	for d in plain hpcc; do
		rm -rf $d
		mkdir -p $d
		(cd $d && $tree)
	done
	(cd plain && $cc "$@") 2>plain.err || fail "plain: $cc $*: $(cat plain.err)"
	(cd hpcc && "$HPCC" $cc "$@") 2>hpcc.err || fail "hpcc: $cc $*: $(cat hpcc.err)"
	(cd plain && find . -type f | sort) >plain.files
	(cd hpcc && find . -type f | sort) >hpcc.files
}

same_names() { # FLAG...
	files "$@" a/x.c b/y.c -o prog
	assert_same_file plain.files hpcc.files
	assert_instrumented hpcc/prog
	files "$@" -c a/x.c b/y.c
	assert_same_file plain.files hpcc.files
	assert_instrumented hpcc/x.o
}

coverage() {
	enter_workdir
	same_names --coverage
	files --coverage a/x.c b/y.c -o prog
	# the program writes its .gcda files where the plain one does
	strings -a plain/prog | grep '\.gcda$' | sed "s|$PWD/plain/||" >plain.gcda
	strings -a hpcc/prog | grep '\.gcda$' | sed "s|$PWD/hpcc/||" >hpcc.gcda
	[ -s plain.gcda ] || fail "no .gcda path in the plain program"
	assert_same_file plain.gcda hpcc.gcda
	(cd plain && ./prog >/dev/null) || fail "plain program failed"
	(cd hpcc && HOTPATH_FORMAT=none ./prog >/dev/null) || fail "hpcc program failed"
	(cd plain && find . -type f | sort) >plain.files
	(cd hpcc && find . -type f | sort) >hpcc.files
	assert_same_file plain.files hpcc.files
}

stack_usage() {
	enter_workdir
	same_names -fstack-usage
	if [ "$cc" = gcc ]; then # clang names the temp copy there (README)
		files -fstack-usage a/x.c b/y.c -o prog
		cut -d: -f1 plain/prog-x.su plain/prog-y.su >plain.su
		cut -d: -f1 hpcc/prog-x.su hpcc/prog-y.su >hpcc.su
		assert_same_file plain.su hpcc.su
	fi
}

save_temps() {
	enter_workdir
	same_names -save-temps
	same_names -save-temps=obj
}

gcc_only() {
	enter_workdir
	same_names -fcallgraph-info
	same_names -fdump-tree-original
}

# a/x.c includes "h.h" through a macro: its folder goes to -iquote, so
# the sources compile apart; then a link that asks for such files warns
# in one line and compiles them unmodified, with the plain names.
make_macro_tree() {
	mkdir -p a b
	printf '#define HH "h.h"\n#include HH\nint y(void);\n/* @hotpath */\nint main(void) { return H + y() - 3; }\n' >a/x.c
	printf '#include "h.h"\n/* @hotpath */\nint y(void) { return H; }\n' >b/y.c
	printf '#define H 1\n' >a/h.h
	printf '#define H 2\n' >b/h.h
}

computed_include() {
	enter_workdir
	tree=make_macro_tree
	files --coverage a/x.c b/y.c -o prog
	assert_same_file plain.files hpcc.files
	assert_eq "hpcc: warning: --coverage with sources from several folders, one with a computed #include, cannot be instrumented in one link; compiling them unmodified" "$(cat hpcc.err)"
	assert_not_instrumented hpcc/prog
	(cd hpcc && ./prog) || fail "the program saw the wrong h.h"
	files a/x.c b/y.c -o prog
	assert_instrumented hpcc/prog
	(cd hpcc && HOTPATH_FORMAT=none ./prog) || fail "the instrumented program saw the wrong h.h"
	tree=make_tree
}

for cc in $COMPILERS; do
	check "$cc: a computed #include and --coverage" computed_include
	check "$cc: --coverage" coverage
	check "$cc: -fstack-usage" stack_usage
	check "$cc: -save-temps" save_temps
	[ "$cc" = gcc ] && check "$cc: -fcallgraph-info, -fdump-tree-original" gcc_only
done
finish
