#!/usr/bin/env bash
# Diagnostics are the compiler's own, unchanged by hpcc: same text, same
# file:line:col, same exit status, for warnings (from the instrumented
# compile) and errors (from the original command hpcc falls back to).
. "$(dirname "$0")/lib.sh"

# same_diagnostics FLAGS... FILE: plain and hpcc stderr and status equal.
same_diagnostics() {
	$cc "$@" 2>plain.err
	local ps=$?
	"$HPCC" $cc "$@" 2>hpcc.err
	assert_status $ps $? "exit status"
	assert_same_file plain.err hpcc.err
}

# Line 6 of warn.c starts with a tab: gcc counts it to column 9 (so the
# variable is at 13), clang counts bytes (6).
tab_col() { case $cc in *clang*) echo 6 ;; *) echo 13 ;; esac; }

warning_in_source() {
	enter_workdir
	same_diagnostics -Wall -Wextra -c warn.c
	assert_contains hpcc.err "warn.c:6:$(tab_col): warning: unused variable"
	assert_contains hpcc.err "warn.c:11:30: warning: unused variable"
	assert_instrumented warn.o
}

warning_in_source_subdir() {
	enter_workdir
	mkdir src
	mv warn.c src/
	same_diagnostics -Wall -Wextra -I. -c src/warn.c -o warn.o
	assert_contains hpcc.err "src/warn.c:6:$(tab_col): warning: unused variable"
}

warning_in_header() {
	enter_workdir
	same_diagnostics -Wall -c hdrwarn.c
	assert_contains hpcc.err "hdrwarn.h:1:12: warning:"
}

warning_in_header_subdir() {
	enter_workdir
	mkdir src
	mv hdrwarn.c hdrwarn.h src/
	same_diagnostics -Wall -c src/hdrwarn.c
	assert_contains hpcc.err "src/hdrwarn.h:1:12: warning:"
}

error_in_source() {
	enter_workdir
	same_diagnostics -c error.c
	assert_contains hpcc.err "error.c:6:"
	assert_missing error.o
}

error_with_werror() {
	enter_workdir
	same_diagnostics -Wall -Werror -c warn.c
	assert_missing warn.o
}

fallback_warning() {
	enter_workdir
	# -Dhp_site_0=1 breaks only the instrumented compile (the guard's
	# site variable), so hpcc must compile the original and say so
	"$HPCC" $cc -Dhp_site_0=1 -c annotated.c 2>err || fail "hpcc failed: $(cat err)"
	$cc -Dhp_site_0=1 -c annotated.c -o plain.o
	assert_same_file plain.o annotated.o
	assert_eq "hpcc: warning: instrumented compile of annotated.c failed; compiled it unmodified" \
		"$(cat err)" "stderr"
}

file_and_line_macros() {
	enter_workdir
	"$HPCC" $cc -o prog annotated.c || fail "hpcc failed"
	./prog >out 2>/dev/null
	$cc -o plainprog annotated.c
	./plainprog >pout
	assert_same_file pout out
}

write_attributes() {
	cat >attrs.c <<'EOF'
#include <stdio.h>

[[hotpath::measure]] static int twice(int x) { return 2 * x; }

static int sum [[hotpath::measure]] (int n)
{
	int s = 0;

	[[hotpath::measure_block("loop")]] {
		for (int i = 0; i < n; i++)
			s += twice(i);
	}
	return s;
}

[[gnu::cold, hotpath::main(percentiles = [50, 99])]]
int main(void)
{
	printf("%d\n", sum(4));
	return 0;
}
EOF
}

# hpcc's own attributes are blanked in the instrumented compile (issue 12,
# item 9): where the compiler takes [[ns::attr]], an hpcc build prints
# nothing (plain gcc says "'hotpath::measure' scoped attribute directive
# ignored", clang "unknown attribute 'measure' ignored"), even under
# -Werror, and every site is measured.
own_attributes_not_warned() {
	enter_workdir
	write_attributes
	local std stds="-std=c2x -std=gnu2x"
	[ "$cc" = gcc ] && stds="$stds -std=gnu17 -std=gnu99 none"
	for std in $stds; do
		[ "$std" = none ] && std=
		$cc $std -Wall -Wextra -c attrs.c -o plain.o 2>plain.err ||
			fail "plain $cc $std failed: $(cat plain.err)"
		grep -q hotpath plain.err || fail "plain $cc $std gave no warning to remove"
		"$HPCC" $cc $std -Wall -Wextra -Werror attrs.c -o attrs 2>err ||
			fail "hpcc $cc $std failed: $(cat err)"
		assert_eq "" "$(cat err)" "stderr with $cc $std"
		HOTPATH_FORMAT=json ./attrs >out 2>rep || fail "program failed ($std)"
		assert_eq 12 "$(cat out)" "program output"
		local name
		for name in main twice sum loop; do
			grep -q "\"name\":\"$name\"" rep || fail "no $name in the report ($std): $(cat rep)"
		done
		grep -q '"percentiles":\[50,99\]' rep || fail "not main's percentiles ($std)"
	done
}

# Where the compiler rejects [[ns::attr]] (gcc's strict ISO modes before
# C2x, clang before C2x), the attributes stay: the same errors as plain.
own_attributes_rejected() {
	enter_workdir
	write_attributes
	local std
	for std in -std=c11 -std=c17; do
		same_diagnostics $std -c attrs.c
		assert_missing attrs.o
	done
	if [ "$cc" = clang ]; then
		same_diagnostics -std=gnu17 -c attrs.c
		assert_missing attrs.o
	fi
}

# Runs a command with stderr on a pseudo-terminal; prints what it wrote.
on_pty() {
	python3 - "$@" <<'EOF'
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
out = b""
while True:
    try:
        d = os.read(m, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
p.wait()
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
EOF
}

ESC=$(printf '\033')

# The decoration of the first "LOCUS: warning: " line of a stderr file,
# with the locus and the message taken out: what colours it has.
decoration() { # FILE LOCUS-REGEX
	grep -a -m1 "$2" "$1" | sed -e "s/$2/LOCUS/" -e "s/\(warning: \($ESC\[[0-9;]*[mK]\)*\).*/\1/"
}

write_colored() {
	printf '/* @hotpath main(percentiles = [101]) */\nint main(void)\n{\n\tint unused;\n\treturn 0;\n}\n' >col.c
}

# hpcc's warning lines are coloured like the compiler's own (issue 12,
# item 9), and when the compiler would colour: -fdiagnostics-color=always
# and never, or on a terminal unless NO_COLOR, TERM=dumb or (gcc) an empty
# GCC_COLORS say no; the last one even with =always, as gcc has it.
warnings_coloured() {
	enter_workdir
	write_colored
	"$HPCC" $cc -Wall -fdiagnostics-color=always -c col.c 2>err || fail "build failed"
	local ours theirs
	ours=$(decoration err 'col.c:1:33:')
	theirs=$(decoration err 'col.c:4:[0-9]*:')
	[ -n "$theirs" ] && [ "$ours" = "$theirs" ] || fail "not the compiler's colours: '$ours' vs '$theirs'"
	case $ours in *"$ESC["*) ;; *) fail "no colour: $(cat -v err)" ;; esac
	grep -a 'hotpath: percentile 101' err | grep -q "main keeps the default percentiles" || fail "text"
	"$HPCC" $cc -Wall -fdiagnostics-color=never -c col.c 2>err
	grep -q "$ESC" err && fail "colour with =never: $(cat -v err)"
	"$HPCC" $cc -Wall -c col.c 2>err # a file: no colour
	grep -q "$ESC" err && fail "colour into a file: $(cat -v err)"
	on_pty "$HPCC" $cc -Wall -c col.c >pty.err
	ours=$(decoration pty.err 'col.c:1:33:')
	theirs=$(decoration pty.err 'col.c:4:[0-9]*:')
	[ -n "$theirs" ] && [ "$ours" = "$theirs" ] || fail "pty: not the compiler's colours: $(cat -v pty.err)"
	case $ours in *"$ESC["*) ;; *) fail "pty: no colour: $(cat -v pty.err)" ;; esac
	on_pty "$HPCC" $cc -Wall -fdiagnostics-color=never -c col.c >pty.err
	grep -q "$ESC" pty.err && fail "pty: colour with =never: $(cat -v pty.err)"
	NO_COLOR=1 on_pty "$HPCC" $cc -Wall -c col.c >pty.err
	grep -a "hotpath:" pty.err | grep -q "$ESC" && fail "pty: colour with NO_COLOR: $(cat -v pty.err)"
	TERM=dumb on_pty "$HPCC" $cc -Wall -c col.c >pty.err
	grep -a "hotpath:" pty.err | grep -q "$ESC" && fail "pty: colour with TERM=dumb: $(cat -v pty.err)"
	if [ "$cc" = gcc ]; then
		GCC_COLORS= on_pty "$HPCC" $cc -Wall -c col.c >pty.err
		grep -q "$ESC" pty.err && fail "pty: colour with GCC_COLORS=: $(cat -v pty.err)"
		# gcc itself: an empty GCC_COLORS wins over =always
		GCC_COLORS= "$HPCC" $cc -Wall -fdiagnostics-color=always -c col.c 2>err
		grep -q "$ESC" err && fail "colour with GCC_COLORS= and =always: $(cat -v err)"
		GCC_COLORS='warning=01;33:locus=04' "$HPCC" $cc -Wall -fdiagnostics-color -c col.c 2>err
		ours=$(decoration err 'col.c:1:33:')
		theirs=$(decoration err 'col.c:4:[0-9]*:')
		[ "$ours" = "$theirs" ] && [ "$ours" = "${ESC}[04m${ESC}[KLOCUS${ESC}[m${ESC}[K ${ESC}[01;33m${ESC}[Kwarning: ${ESC}[m${ESC}[K" ] ||
			fail "GCC_COLORS: $(cat -v err)"
	fi
	return 0
}

for cc in $COMPILERS; do
	check "$cc: hpcc's warnings are coloured like the compiler's" warnings_coloured
	check "$cc: hpcc's own attributes are not warned about" own_attributes_not_warned
	check "$cc: hpcc's own attributes where [[ ]] is an error" own_attributes_rejected
	check "$cc: warning in the source" warning_in_source
	check "$cc: warning in a source in a subdirectory" warning_in_source_subdir
	check "$cc: warning in a header beside the source" warning_in_header
	check "$cc: warning in a header in a subdirectory" warning_in_header_subdir
	check "$cc: error in the source" error_in_source
	check "$cc: -Werror" error_with_werror
	check "$cc: failed instrumented compile falls back with one warning" fallback_warning
	check "$cc: __FILE__ and __LINE__" file_and_line_macros
done
finish
