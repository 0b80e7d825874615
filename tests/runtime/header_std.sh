#!/bin/bash
# header_std.sh INCLUDE_DIR SAMPLE.c - hotpath.h and the guard macros compile
# warning-free (-Werror) under every -std from gnu89 to c2x, with gcc and
# clang, in every mode (plain, -DHOTPATH_ALLOC=1 as hpcc --alloc, and
# -DHOTPATH_REPORT_DEFAULT as hpcc --report).
set -u
inc=$1 sample=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for cc in gcc clang; do
	if ! command -v $cc >/dev/null; then
		echo "FAIL $cc not found"; fail=1; continue
	fi
	for std in c89 gnu89 c99 gnu99 c11 gnu11 c17 gnu17 c2x gnu2x; do
	for mode in -DHOTPATH_PLAIN -DHOTPATH_ALLOC=1 '-DHOTPATH_REPORT_DEFAULT="json:/tmp/%p.json"'; do
		if $cc $mode -std=$std -Wall -Wextra -pedantic -Wdeclaration-after-statement \
			-Wshadow -Werror -I"$inc" -c "$sample" -o "$tmp/s.o" 2>"$tmp/err"; then
			echo "ok   $cc -std=$std $mode"
		else
			echo "FAIL $cc -std=$std $mode"; cat "$tmp/err"; fail=1
		fi
	done
	done
done
# The guard does not force a frame pointer on the measured function
# (__builtin_dwarf_cfa, not __builtin_frame_address): at -O2 on x86-64
# gcc's leaf() sets up no %rbp frame.
if [ "$(uname -m)" = x86_64 ]; then
	if gcc -O2 -fno-inline -I"$inc" -S "$sample" -o "$tmp/s.s" 2>"$tmp/err"; then
		sed -n '/^leaf:/,/\.cfi_endproc/p' "$tmp/s.s" >"$tmp/leaf.s"
		if [ ! -s "$tmp/leaf.s" ]; then
			echo "FAIL gcc -O2 -S: no leaf in the assembly"; fail=1
		elif grep -q 'movq[[:space:]]*%rsp, %rbp' "$tmp/leaf.s"; then
			echo "FAIL gcc -O2: the guard forces a frame pointer on leaf()"; cat "$tmp/leaf.s"; fail=1
		else
			echo "ok   gcc -O2: no frame pointer forced by the guard"
		fi
		# The entry gets the site and the CFA only, and the guard (the
		# depth) stays in a register once the inline cleanup reads it:
		# nothing is loaded from or stored to leaf()'s frame (the
		# earlier guard loaded the return address and kept the depth on
		# the stack, work for gcc in every measured function).
		if grep -E -q 'mov[a-z]*[[:space:]]+[^#]*\(%rsp\)' "$tmp/leaf.s"; then
			echo "FAIL gcc -O2: leaf() moves data to or from its frame for the guard"; cat "$tmp/leaf.s"; fail=1
		else
			echo "ok   gcc -O2: the guard lives in a register, the entry reads nothing from the frame"
		fi
	else
		echo "FAIL gcc -O2 -S"; cat "$tmp/err"; fail=1
	fi
fi
exit $fail
