#!/usr/bin/env bash
# The README and the man pages against what they describe (issue 12, items
# 14 and 17), so they cannot drift: what ./demo.sh builds, the run-time
# settings the runtime reads, and the measured cost of a call.
. "$(dirname "$0")/lib.sh"
: "${HPCC_BUILD:?HPCC_BUILD must name the build tree}"
README=$HPCC_SRC/README.md
MAN7=$HPCC_SRC/doc/hotpath.7

# demo.sh is the README's one set-up command: its build must make every
# file the README then uses (it once built only hpcc's target, so `hpcc
# --alloc` and `cmake --install` failed after it).  It builds the default
# target, the one this tree was built with, and every build/… file the
# README and the benchmark scripts it quotes name is in this tree.
demo_builds_what_readme_uses() {
	local line f n=0
	grep -q 'cmake --build build' "$HPCC_SRC/demo.sh" || { fail "demo.sh has no cmake --build build"; return; }
	while IFS= read -r line; do
		case $line in
		*--target*) fail "demo.sh builds only some targets: $line" ;;
		esac
	done < <(grep 'cmake --build' "$HPCC_SRC/demo.sh")
	for f in $(grep -oh 'build/\(bin\|lib\|include\)/[A-Za-z0-9_.-]*[A-Za-z0-9]' \
			"$README" "$HPCC_SRC"/doc/*.[17] | sort -u) \
		build/bin/bench_layout_static build/bin/bench_layout_shared build/bin/bench_layout_lib \
		build/lib/libhotpath.a build/lib/libhotpath_alloc.a build/lib/libhotpath.so.1 \
		build/lib/libhotpath_alloc.so.1 build/include/hotpath.h; do
		assert_exists "$HPCC_BUILD/${f#build/}"
		n=$((n + 1))
	done
	[ $n -ge 11 ] || fail "only $n files checked"
}

# Every HOTPATH_* variable settings.c reads (its known[] list and the
# per-format HOTPATH_OUTPUT_* of formats[]) has a row in the README's
# settings table and is in hotpath(7).
settings_documented() {
	local src=$HPCC_SRC/runtime/src/settings.c v n=0 rows
	rows=$(sed -n '/^| variable | meaning |$/,/^$/p' "$README")
	[ -n "$rows" ] || { fail "no settings table in the README"; return; }
	for v in $(sed -n '/^static const char \*const known\[\] = {$/,/^};$/p' "$src" |
			grep -o '"HOTPATH_[A-Z_]*"' | tr -d '"') \
		$(grep -o '^	{ "[a-z-]*", HP_OUT_[A-Z_]*, "HOTPATH_[A-Z_]*" }' "$src" |
			grep -o 'HOTPATH_[A-Z_]*' | sort -u); do
		grep -q "^| .*\`$v\`" <<<"$rows" || fail "$v is not in the README's settings table"
		grep -q "$v" "$MAN7" || fail "$v is not in hotpath(7)"
		n=$((n + 1))
	done
	[ $n -ge 18 ] || fail "only $n variables found in settings.c"
}

# The per-call cost: the benchmark's figure in the README's Benchmarks
# table is the one the introduction and hotpath(7) quote, and both name
# the benchmark.
overhead_figure() {
	local fig
	fig=$(sed -n 's/^| overhead of a measured call | \([0-9.]* ns\) .*/\1/p' "$README")
	[ -n "$fig" ] || { fail "no overhead row in the README's Benchmarks"; return; }
	grep -q "costs $fig (\`build/bin/bench_overhead\`" "$README" ||
		fail "the README's introduction does not quote $fig from bench_overhead"
	tr '\n' ' ' <"$MAN7" | grep -q "a measured call costs ${fig} on the benchmark machine" ||
		fail "hotpath(7) does not quote $fig"
	grep -q 'bench_overhead' "$MAN7" || fail "hotpath(7) does not name the benchmark"
}

check "demo.sh builds every file the README uses" demo_builds_what_readme_uses
check "every HOTPATH_* setting in the README's table and hotpath(7)" settings_documented
check "the per-call cost quoted is the benchmark's" overhead_figure
finish
