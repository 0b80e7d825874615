#!/usr/bin/env bash
# A program that is clean under valgrind stays clean when built through
# hpcc (issue 13, item 9: jq's `make check` runs its tests under valgrind,
# and every instrumented program failed it).  fixtures/valgrind/vgprog.c
# has threads (two alive across the forks), a fork child that measures
# calls, one that does not, one forked by a thread, and a dlopen'ed
# plugin.  Built plainly, through hpcc, and through hpcc --alloc, with gcc
# and clang, it runs under
#   valgrind -q --leak-check=full --error-exitcode=1
# (valgrind's defaults otherwise: "still reachable" is no error), with
# HOTPATH_FORMAT=none and with the default table report, and must exit 0
# with nothing in any process's valgrind log.  glibc.supp holds the one
# thing plain glibc does that valgrind calls a leak (see there).
#
# valgrind is a test dependency (.ci/deps.sh): without it this test fails.
. "$(dirname "$0")/lib.sh"

for v in $(compgen -e | grep '^HOTPATH_'); do unset "$v"; done
unset HPCC_ALLOC HPCC_INSTRUMENT HPCC_EXCLUDE HPCC_EXCLUDE_FILE HPCC_STRICT
SUPP=$FIXTURES/valgrind/glibc.supp
OUT="children failed 0 plugin 30"
PROCS=4 # vgprog and its three children: one valgrind log each

have_valgrind() {
	command -v valgrind >/dev/null ||
		fail "valgrind is not installed (.ci/deps.sh installs it)"
}

# build KIND: vgprog and vgplugin.so of this compiler in $E2E_SCRATCH/$cc.KIND,
# plainly (plain), through hpcc (inst) or hpcc --alloc (alloc).  valgrind
# 3.19 cannot read clang's default DWARF 5: -gdwarf-4.
build() {
	local d=$E2E_SCRATCH/$cc.$1 hp=()
	rm -rf "$d"
	mkdir -p "$d"
	case $1 in
	inst) hp=("$HPCC") ;;
	alloc) hp=("$HPCC" --alloc) ;;
	esac
	(cd "$d" &&
		"${hp[@]}" $cc -O2 -gdwarf-4 -fPIC -shared "$FIXTURES"/valgrind/vgplugin.c \
			-o vgplugin.so &&
		"${hp[@]}" $cc -O2 -gdwarf-4 "$FIXTURES"/valgrind/vgprog.c -o vgprog \
			-pthread -ldl) >"$d.build" 2>&1 ||
		{ fail "$cc $1 build failed: $(tail -c 600 "$d.build")"; return 1; }
	if [ "$1" = plain ]; then
		assert_not_instrumented "$d/vgprog"
	else
		assert_instrumented "$d/vgprog"
		assert_instrumented "$d/vgplugin.so"
	fi
}

# vg KIND NAME [VAR=VALUE...]: runs KIND's vgprog under valgrind in
# $cc.KIND/NAME/ (out, err, status, vg.<pid> logs) with the variables set.
vg() {
	local d=$E2E_SCRATCH/$cc.$1 r=$E2E_SCRATCH/$cc.$1/$2
	shift 2
	rm -rf "$r"
	mkdir -p "$r"
	(cd "$r" && ulimit -c 0 &&
		env "$@" timeout 300 valgrind -q --leak-check=full --error-exitcode=1 \
			--suppressions="$SUPP" --log-file=vg.%p \
			"$d/vgprog" "$d/vgplugin.so" >out 2>err
		echo $? >status) 2>/dev/null
	VG=$r
}

# assert_clean: the last run exited 0, printed the expected line, and
# every process's valgrind log is there and empty.
assert_clean() {
	local f
	for f in "$VG"/vg.*; do
		[ -s "$f" ] && fail "valgrind in $f: $(head -c 1500 "$f")"
	done
	assert_eq 0 "$(cat "$VG/status")" "exit status under valgrind ($(head -c 300 "$VG/err"))"
	assert_eq "$OUT" "$(cat "$VG/out")" "vgprog's output"
	assert_eq $PROCS "$(ls "$VG" | grep -c '^vg\.')" "valgrind logs (one a process)"
	return 0
}

# summaries N: the last run's stderr has N report titles.
assert_summaries() {
	assert_eq "$1" "$(grep -c '^\[hotpath\] Performance summary' "$VG/err")" \
		"report titles on stderr"
}

plain_clean() {
	build plain || return
	vg plain run
	assert_clean
	assert_summaries 0
}

inst_none_clean() {
	build inst || return
	vg inst none HOTPATH_FORMAT=none
	assert_clean
	assert_eq "" "$(cat "$VG/err")" "stderr with HOTPATH_FORMAT=none"
}

# The table report: written by main, by the child that measures calls
# and by the thread's child; not by the child that measures none.
inst_table_clean() {
	[ -x "$E2E_SCRATCH/$cc.inst/vgprog" ] || build inst || return
	vg inst table
	assert_clean
	assert_summaries 3
}

alloc_clean() {
	build alloc || return
	vg alloc table
	assert_clean
	assert_summaries 3
}

check "valgrind is installed" have_valgrind
for cc in $COMPILERS; do
	check "$cc: plain build, clean under valgrind (control)" plain_clean
	check "$cc: hpcc build, HOTPATH_FORMAT=none, clean under valgrind" inst_none_clean
	check "$cc: hpcc build, table report, clean under valgrind" inst_table_clean
	check "$cc: hpcc --alloc build, table report, clean under valgrind" alloc_clean
done
finish
