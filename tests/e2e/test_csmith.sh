#!/usr/bin/env bash
# Differential test with csmith: random C programs from fixed seeds, each
# built plain and with `hpcc --instrument=all`, with gcc and clang, at -O0
# and -O2.  A csmith program prints a checksum of its global state; the
# instrumented build must print the same stdout and exit the same way.
#
# A seed whose PLAIN program does not finish within 10 s is skipped (its
# builds are counted as skipped, not passed); the instrumented program gets
# 60 s, so a hang caused by hpcc shows up as a difference.
#
# Environment: HPCC_CSMITH_COUNT (default 40 programs), HPCC_CSMITH_SEED
# (first seed, default 1), HPCC_CSMITH_JOBS (default 2).  The programs and
# the outputs of every difference are kept under $E2E_SCRATCH/csmith/.
set -u

# csmith options that keep programs small and quick to compile and run.
CSMITH_OPTS=(--max-funcs 8 --max-block-depth 3 --max-expr-complexity 6
	     --no-packed-struct)
CSMITH_INC=${CSMITH_INC:-/usr/include/csmith}

# One seed (run by xargs in parallel): prints one line per build,
# "SEED CC OPT ok|differ|skip WHY".
one_seed() {
	local seed=$1 dir cc opt tag ps hs skip_rest=0
	dir=$E2E_SCRATCH/csmith/$seed
	mkdir -p "$dir" && cd "$dir" || exit 1
	if ! csmith --seed "$seed" "${CSMITH_OPTS[@]}" -o p.c >/dev/null 2>csmith.err; then
		echo "$seed - - differ csmith itself failed: $(head -c 200 csmith.err)"
		return
	fi
	for cc in gcc clang; do
		for opt in -O0 -O2; do
			tag=$cc$opt
			if [ $skip_rest = 1 ]; then
				echo "$seed $cc $opt skip plain run timed out (other build)"
				continue
			fi
			if ! $cc $opt -w -I"$CSMITH_INC" p.c -o plain$tag 2>plain$tag.err; then
				echo "$seed $cc $opt skip plain build failed"
				continue
			fi
			timeout 10 ./plain$tag >plain$tag.out 2>/dev/null
			ps=$?
			if [ $ps -eq 124 ]; then
				# it loops long whatever the build: skip the seed
				echo "$seed $cc $opt skip plain run timed out"
				skip_rest=1
				continue
			fi
			if ! "$HPCC" --instrument=all $cc $opt -w -I"$CSMITH_INC" p.c \
				-o hp$tag 2>hp$tag.err; then
				echo "$seed $cc $opt differ hpcc build failed: $(head -c 300 hp$tag.err)"
				continue
			fi
			# with -w, anything hpcc says (a fall-back, a warning) is a failure
			if [ -s hp$tag.err ]; then
				echo "$seed $cc $opt differ hpcc said: $(head -c 300 hp$tag.err)"
				continue
			fi
			if ! nm hp$tag | grep -q hp_site_; then
				echo "$seed $cc $opt differ not instrumented"
				continue
			fi
			HOTPATH_FORMAT=none timeout 60 ./hp$tag >hp$tag.out 2>hp$tag.run.err
			hs=$?
			if [ $ps -ne $hs ]; then
				echo "$seed $cc $opt differ exit status $ps plain, $hs instrumented"
			elif ! cmp -s plain$tag.out hp$tag.out; then
				echo "$seed $cc $opt differ stdout: $(diff plain$tag.out hp$tag.out | head -c 300)"
			else
				echo "$seed $cc $opt ok"
				rm -f plain$tag hp$tag plain$tag.out hp$tag.out ./*$tag*.err
			fi
		done
	done
}

if [ "${1:-}" = --one ]; then
	one_seed "$2"
	exit 0
fi

. "$(dirname "$0")/lib.sh"
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
COUNT=${HPCC_CSMITH_COUNT:-40}
FIRST=${HPCC_CSMITH_SEED:-1}
JOBS=${HPCC_CSMITH_JOBS:-2}
export E2E_SCRATCH CSMITH_INC

have_csmith() {
	command -v csmith >/dev/null || fail "csmith is not installed (Debian package csmith)"
	[ -f "$CSMITH_INC/csmith.h" ] ||
		fail "$CSMITH_INC/csmith.h missing (Debian package libcsmith-dev)"
}

differential() {
	local start=$SECONDS results=$E2E_SCRATCH/csmith-results.txt
	local ran differed skipped builds
	mkdir -p "$E2E_SCRATCH/csmith"
	seq "$FIRST" $((FIRST + COUNT - 1)) |
		xargs -P "$JOBS" -n 1 bash "$SELF" --one | sort -n >"$results"
	builds=$(wc -l <"$results")
	differed=$(awk '$4 == "differ"' "$results" | wc -l)
	skipped=$(awk '$4 == "skip"' "$results" | wc -l)
	ran=$(awk '$4 == "ok" || $4 == "differ" { print $1 }' "$results" | sort -u | wc -l)
	echo "csmith: $COUNT programs (seeds $FIRST..$((FIRST + COUNT - 1))), $builds builds" \
		"(gcc, clang x -O0, -O2): $((builds - differed - skipped)) identical," \
		"$differed differed, $skipped skipped; $ran programs compared;" \
		"$((SECONDS - start)) s"
	awk '$4 != "ok"' "$results"
	assert_eq $((COUNT * 4)) "$builds" "build results"
	assert_eq 0 "$differed" "builds that differed"
	# a set where nearly everything is skipped proves nothing
	[ "$ran" -ge $((COUNT * 3 / 4)) ] || fail "only $ran of $COUNT programs compared"
}

# The instrumented program's report names csmith's functions.
json_report() {
	local dir=$E2E_SCRATCH/csmith-json
	mkdir -p "$dir" && cd "$dir" || return 1
	csmith --seed 1 "${CSMITH_OPTS[@]}" -o p.c >/dev/null || fail "csmith failed"
	"$HPCC" --instrument=all gcc -O0 -w -I"$CSMITH_INC" p.c -o hp || fail "hpcc build failed"
	HOTPATH_FORMAT=json timeout 60 ./hp >out 2>report.json || fail "instrumented run failed"
	assert_contains report.json '"name":"main"'
	assert_contains report.json '"name":"func_1"'
	assert_contains report.json '"file":"p.c"'
	cd "$E2E_SCRATCH" || return 1
}

check "csmith and its headers are installed" have_csmith
check "csmith: instrumented programs print what plain ones print" differential
check "csmith: the report lists func_1" json_report
finish
