#!/usr/bin/env bash
# The code hpcc inserts is clean under any warning flag (issue 13, item 14):
# an instrumented compile must not fail where the plain one succeeds, or
# nothing gets measured (hpcc falls back to the plain compile with a
# warning).  Frame-size warnings stay off in measured functions, whose
# frames the guard enlarges.  And -H lists the headers of the plain
# compile, no hotpath.h.
. "$(dirname "$0")/lib.sh"

# Every kind of guard: a function, main with options, a block.
write_source() {
	cat >w.c <<'EOF'
#include <stdio.h>

/* @hotpath */
static int twice(int x)
{
	return 2 * x;
}

/* @hotpath main(percentiles = [50, 99]) */
int main(void)
{
	/* @hotpath measure_block("blk") */
	{
		printf("%d\n", twice(21));
	}
	return 0;
}
EOF
}

GCC_WARNINGS="-Wall -Wextra -pedantic -Wshadow -Wconversion -Wsign-conversion -Wcast-qual
-Wredundant-decls -Wnested-externs -Wmissing-declarations -Wmissing-prototypes
-Wstrict-prototypes -Wold-style-definition -Wdeclaration-after-statement -Wc++-compat
-Wjump-misses-init -Wpadded -Waggregate-return -Wbad-function-cast -Wcast-align=strict
-Wunused-macros -Wlogical-op -Wduplicated-cond -Wnull-dereference -Wswitch-default
-Wstack-protector -Wundef -Wwrite-strings -Winline -Wvla -Wsuggest-attribute=pure
-Wsuggest-attribute=const -Wsuggest-attribute=noreturn -Wmissing-noreturn -Walloca
-Wdouble-promotion -Wformat=2 -Wfloat-equal -Wtraditional-conversion -Wlong-long -Werror"

# clean_compile FLAGS...: plain and hpcc both succeed, silently, and the
# object is instrumented.
clean_compile() {
	rm -f w.o
	$cc "$@" -c w.c 2>plain.err || { fail "plain $cc $* failed: $(head -3 plain.err)"; return; }
	"$HPCC" $cc "$@" -c w.c 2>hpcc.err || fail "hpcc failed: $(head -5 hpcc.err)"
	assert_same_file plain.err hpcc.err
	assert_instrumented w.o
}

every_warning() {
	enter_workdir
	write_source
	local std alloc
	for alloc in "" --alloc; do
		for std in c89 gnu99 c11 gnu2x; do
			case $cc in
			*clang*) HPCC_ALLOC=${alloc:+1} clean_compile -std=$std -Weverything -Werror ;;
			*) HPCC_ALLOC=${alloc:+1} clean_compile -std=$std $GCC_WARNINGS ;;
			esac
			HPCC_ALLOC=${alloc:+1} clean_compile -std=$std -O2 -Wall -Wextra -Werror
		done
	done
}

# -H: the header tree of the plain compile, without hotpath.h.
header_tree() {
	enter_workdir
	write_source
	$cc -H -c w.c 2>plain.err || fail "plain -H failed"
	"$HPCC" $cc -H -c w.c 2>hpcc.err || fail "hpcc -H failed"
	assert_same_file plain.err hpcc.err
	assert_instrumented w.o
}

# -nostartfiles: the link works as the plain one does (no _start: ld says
# so in both), and the program is instrumented.
nostartfiles() {
	enter_workdir
	write_source
	$cc -nostartfiles -o plain w.c 2>plain.err
	local ps=$?
	"$HPCC" $cc -nostartfiles -o prog w.c 2>hpcc.err
	assert_status $ps $? "exit status"
	sed 's/0000000000[0-9a-f]*/ADDR/' plain.err >plain.txt
	sed 's/0000000000[0-9a-f]*/ADDR/' hpcc.err >hpcc.txt
	assert_same_file plain.txt hpcc.txt
	assert_instrumented prog
}

# Frame-size warnings: the guard makes a leaf function a caller (gcc -O2:
# 8 bytes of stack become 64), so they are off inside measured functions
# and as before everywhere else.
frame_size() {
	enter_workdir
	cat >fr.c <<'EOF'
#include <string.h>

int sink(char *p);

/* @hotpath */
int fill(int x)
{
	char buf[80];
	memset(buf, x, sizeof buf);
	return buf[x & 63];
}
#ifndef NO_BIG
int big(int x)
{
	char buf[400];
	memset(buf, x, sizeof buf);
	return sink(buf);
}
#endif
EOF
	local w
	case $cc in
	*clang*) w="-Wframe-larger-than=48" ;;
	*) w="-Wstack-usage=48 -Wframe-larger-than=48" ;;
	esac
	rm -f fr.o
	$cc -O2 $w -DNO_BIG -Werror -c fr.c 2>plain.err || fail "plain failed: $(head -3 plain.err)"
	"$HPCC" $cc -O2 $w -DNO_BIG -Werror -c fr.c 2>hpcc.err || fail "hpcc failed"
	assert_same_file plain.err hpcc.err
	assert_instrumented fr.o
	# big's warnings are the plain compile's, fill has none
	$cc -O2 $w -c fr.c 2>plain.err
	"$HPCC" $cc -O2 $w -c fr.c 2>hpcc.err
	assert_contains plain.err "big"
	assert_same_file plain.err hpcc.err
	assert_instrumented fr.o
}

for cc in $COMPILERS; do
	check "$cc: the guards compile under every warning flag" every_warning
	check "$cc: -H lists no hotpath.h" header_tree
	check "$cc: -nostartfiles" nostartfiles
	check "$cc: -Wstack-usage= and -Wframe-larger-than=" frame_size
done
finish
