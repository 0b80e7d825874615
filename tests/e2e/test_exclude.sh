#!/usr/bin/env bash
# --instrument=all with --exclude / --exclude-file (and their HPCC_
# variables): the report lists exactly the functions that were not excluded.
. "$(dirname "$0")/lib.sh"

write_sources() {
	cat >main.c <<'SRC'
int tiny_add(int a, int b);
int work(int n);
int gen_table(int i);
int tiny_add(int a, int b) { return a + b; }
int work(int n) { int s = 0, i; for (i = 0; i < n; i++) s = tiny_add(s, gen_table(i)); return s; }
int main(void) { return work(10) == 45 ? 0 : 1; }
SRC
	cat >gen_lookup.c <<'SRC'
int gen_table(int i);
int gen_table(int i) { return i; }
SRC
}

# names FILE: the function names of a JSON report, sorted, one line
names() {
	python3 -c 'import json,sys; print(" ".join(sorted(f["name"] for f in json.load(open(sys.argv[1]))["functions"])))' "$1"
}

run_report() {
	HOTPATH_FORMAT=json HOTPATH_OUTPUT=report.json ./prog || fail "prog failed"
}

everything() {
	enter_workdir
	write_sources
	"$HPCC" --instrument=all $cc -o prog main.c gen_lookup.c || fail "build failed"
	run_report
	assert_eq "gen_table main tiny_add work" "$(names report.json)" "functions"
}

by_flags() {
	enter_workdir
	write_sources
	"$HPCC" --instrument=all --exclude='tiny_*' --exclude-file='gen_*.c' \
		$cc -o prog main.c gen_lookup.c || fail "build failed"
	run_report
	assert_eq "main work" "$(names report.json)" "functions"
}

by_environment() {
	enter_workdir
	write_sources
	HPCC_INSTRUMENT=all HPCC_EXCLUDE='nothing,tiny_?dd' HPCC_EXCLUDE_FILE='*/none.c' \
		"$HPCC" $cc -o prog main.c gen_lookup.c || fail "build failed"
	run_report
	assert_eq "gen_table main work" "$(names report.json)" "functions"
}

# main starts the session: a glob matching everything still leaves it
main_is_never_excluded() {
	enter_workdir
	write_sources
	"$HPCC" --instrument=all --exclude='*' $cc -o prog main.c gen_lookup.c ||
		fail "build failed"
	run_report
	assert_eq "main" "$(names report.json)" "functions"
}

for cc in $COMPILERS; do
	check "$cc: --instrument=all measures every function" everything
	check "$cc: --exclude and --exclude-file" by_flags
	check "$cc: HPCC_EXCLUDE and HPCC_EXCLUDE_FILE" by_environment
	check "$cc: main is never excluded" main_is_never_excluded
done
finish
