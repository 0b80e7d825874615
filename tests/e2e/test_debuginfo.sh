#!/usr/bin/env bash
# Debug info of an instrumented build names the original files and lines:
# the compile unit, addr2line on functions, and no temporary path anywhere.
. "$(dirname "$0")/lib.sh"

cu_name() { readelf --debug-dump=info "$1" | grep -m1 'DW_AT_name' | sed 's/.*: //'; }
cu_dir() { readelf --debug-dump=info "$1" | grep -m1 'DW_AT_comp_dir' | sed 's/.*: //'; }

# addr2line of symbol $2 in binary $1, as file:line
where() {
	local addr
	addr=$(nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }')
	[ -n "$addr" ] || { echo "no symbol $2"; return; }
	addr2line -e "$1" "0x$addr"
}

compile_unit_name() {
	enter_workdir
	mkdir src
	cp annotated.c local.h src/
	local path
	for path in annotated.c src/annotated.c "$PWD/src/annotated.c"; do
		$cc -g -c "$path" -o plain.o
		"$HPCC" $cc -g -c "$path" -o hp.o || fail "hpcc failed on $path"
		assert_instrumented hp.o
		assert_eq "$(cu_name plain.o)" "$(cu_name hp.o)" "DW_AT_name for $path"
		assert_eq "$(cu_dir plain.o)" "$(cu_dir hp.o)" "DW_AT_comp_dir for $path"
		assert_not_contains <(strings -a hp.o) "$TMPDIR"
		assert_not_contains <(strings -a hp.o) "hpcc-"
	done
}

addr2line_lines() {
	enter_workdir
	mkdir src
	cp annotated.c local.h src/
	$cc -g -O0 -o plain src/annotated.c
	"$HPCC" $cc -g -O0 -o prog src/annotated.c || fail "hpcc failed"
	assert_instrumented prog
	local sym
	for sym in add main; do
		assert_eq "$(where plain $sym)" "$(where prog $sym)" "addr2line of $sym"
	done
	assert_eq "$PWD/src/annotated.c:6" "$(where prog add)" "addr2line of add"
}

line_table_lines() {
	enter_workdir
	$cc -g -O0 -c annotated.c -o plain.o
	"$HPCC" $cc -g -O0 -c annotated.c -o hp.o || fail "hpcc failed"
	# every line the instrumented code is attributed to is a line of code
	# in annotated.c (not a comment, directive or blank line: the guard sits
	# on the brace's line, its cleanup on the closing brace's), and the
	# instrumented build keeps all the plain build's lines
	objdump --dwarf=decodedline plain.o | awk '$1 == "annotated.c" && $2 ~ /^[0-9]+$/ { print $2 }' | sort -u >plain.lines
	objdump --dwarf=decodedline hp.o | awk '$1 == "annotated.c" && $2 ~ /^[0-9]+$/ { print $2 }' | sort -u >hp.lines
	[ -s hp.lines ] || fail "no line table rows for annotated.c"
	assert_eq "" "$(comm -23 plain.lines hp.lines | tr '\n' ' ')" "lines lost by instrumenting"
	local n text
	for n in $(cat hp.lines); do
		text=$(sed -n "${n}p" annotated.c)
		case $text in
		"" | "#"* | "/*"*) fail "line $n is not code: '$text'" ;;
		esac
	done
	assert_not_contains <(objdump --dwarf=decodedline hp.o) "hpcc-"
}

for cc in $COMPILERS; do
	check "$cc: compile unit name and directory" compile_unit_name
	check "$cc: addr2line gives the original lines" addr2line_lines
	check "$cc: line table uses only original lines" line_table_lines
done
finish
