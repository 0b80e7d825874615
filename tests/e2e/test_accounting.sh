#!/usr/bin/env bash
# Issue 12's accounting, end to end with gcc and clang: recursion counted
# once in Total, calls open at exit() closed and counted, main's row in
# every output, allocation tables that say what they show.
. "$(dirname "$0")/lib.sh"

# field FILE FUNCTION KEY: a number of a function's row in a JSON report
field() {
	python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["functions"]:
    if f["name"] == sys.argv[2]:
        print(f.get(sys.argv[3], "none")); break
else:
    print("none")' "$1" "$2" "$3"
}

build() { # [hpcc options]
	enter_workdir
	"$HPCC" "$@" $cc -O2 -o prog accounting.c || fail "build failed"
}

# msort recurses 14 levels: each level's calls are inside the level
# above, so summing every call's time counted it ~15 times over.
recursion_once() {
	build
	HOTPATH_FORMAT=json HOTPATH_OUTPUT=r.json ./prog || fail "prog failed"
	local total rec main calls avg
	total=$(field r.json msort total_ns)
	rec=$(field r.json msort recursive_ns)
	main=$(field r.json main total_ns)
	calls=$(field r.json msort calls)
	avg=$(field r.json msort avg_ns)
	assert_eq 32767 "$calls" "msort calls"
	case "$total$rec$main$avg" in
	*[!0-9]*) fail "missing figures: total=$total recursive=$rec main=$main avg=$avg"
		return 1 ;;
	esac
	[ "$total" -le "$main" ] || fail "msort total $total > main's $main"
	[ "$rec" -gt "$total" ] || fail "recursive_ns $rec not above total $total"
	assert_eq $(((total + rec) / calls)) "$avg" "avg_ns per call"
	assert_eq 0 "$(field r.json msort unfinished)" "unfinished"
}

exit_counts_open_calls() {
	build
	HOTPATH_FORMAT=json,table HOTPATH_OUTPUT_JSON=r.json \
		HOTPATH_OUTPUT_TABLE=r.txt ./prog 7
	assert_status 7 $? "exit status"
	assert_eq 1 "$(field r.json finish calls)" "finish calls"
	assert_eq 1 "$(field r.json finish unfinished)" "finish unfinished"
	assert_eq 1 "$(field r.json quit unfinished)" "quit unfinished"
	assert_eq 1 "$(field r.json main unfinished)" "main unfinished"
	assert_eq 0 "$(field r.json keep unfinished)" "keep unfinished"
	assert_contains r.txt "| finish * | 1 "
	assert_contains r.txt "| quit *   | 1 "
	assert_contains r.txt "[hotpath] * 3 calls still open at exit were closed then and counted"
}

main_everywhere() {
	build
	HOTPATH_FORMAT=json,table,html HOTPATH_OUTPUT_JSON=r.json \
		HOTPATH_OUTPUT_TABLE=r.txt HOTPATH_OUTPUT_HTML=r.html \
		HOTPATH_LIMIT=1 ./prog || fail "prog failed"
	assert_eq main "$(field r.json main kind)" "JSON kind"
	assert_contains r.txt "| main     | 1 "
	assert_contains r.txt "| msort    | 32767 "
	assert_not_contains r.txt "| keep "
	assert_contains r.txt "[hotpath] % Total: Total (inclusive, recursion counted once) / main's wall time; threads run in parallel, so a row can exceed 100%"
	assert_contains r.html '<tr class="main"><td>main</td>'
	"$HPCC" --diff r.json r.json >diff.txt || fail "--diff failed"
	assert_contains diff.txt "| main "
}

alloc_tables() {
	build --alloc
	HOTPATH_FORMAT=table HOTPATH_OUTPUT=r.txt ./prog || fail "prog failed"
	# keep: 4 calls of 100 bytes; main allocates nothing itself
	assert_contains r.txt "[hotpath] Allocation summary (bytes-total: bytes allocated per call, callees included) from prog:"
	assert_contains r.txt "| Function | Calls | Avg  | P95  | Total | Self | % Total |"
	assert_contains r.txt "| keep     | 4     | 100B | 100B | 400B  | 400B | 100.00% |"
	assert_contains r.txt "| main     | 1     | 400B | 400B | 400B  | 0B   | 100.00% |"
	assert_contains r.txt "% Total: of the 400B allocated in measured code (the sum of Self)"
	assert_contains r.txt "[hotpath] Allocation summary (bytes-max: peak of live bytes per call, above those at its entry, callees included) from prog:"
	assert_contains r.txt "| Function | Calls | Avg  | P95  | Max  |"
	assert_not_contains r.txt "0.00B"
}

for cc in $COMPILERS; do
	check "recursion counted once in Total ($cc)" recursion_once
	check "calls open at exit() closed and counted ($cc)" exit_counts_open_calls
	check "main's row in table, JSON, HTML, --diff ($cc)" main_everywhere
	check "allocation tables say what they show ($cc)" alloc_tables
done
finish
