# lib.sh - assertion helpers shared by the end-to-end tests.
#
# A test script sources this, then calls `check NAME COMMAND...` (or the
# assert_* helpers inside a function passed to check).  Each check prints one
# line; `finish` prints "N passed, N failed" and exits non-zero on failure.
# Every check runs with TMPDIR pointing at a fresh empty directory and fails
# if hpcc left anything in it.
#
# Environment (set by CTest, see CMakeLists.txt): HPCC (the binary),
# HPCC_SRC, HPCC_BUILD, E2E_SCRATCH (a directory this script owns).

set -u
: "${HPCC:?HPCC must name the hpcc binary}"
HPCC_SRC=${HPCC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
E2E_SCRATCH=${E2E_SCRATCH:-$(mktemp -d)}
HPCC=$(cd "$(dirname "$HPCC")" && pwd)/$(basename "$HPCC")
export HPCC
FIXTURES=$HPCC_SRC/tests/e2e/fixtures
COMPILERS=${E2E_COMPILERS:-gcc clang}

rm -rf "$E2E_SCRATCH"
mkdir -p "$E2E_SCRATCH"
cd "$E2E_SCRATCH" || exit 1

passed=0
failed=0
tmp_n=0
FAILMSG=

# Inside a check: record why it fails (the first reason is reported).
fail() {
	[ -z "$FAILMSG" ] && FAILMSG="$*"
	return 1
}

# check NAME COMMAND [ARGS...]: runs the command (usually a function made of
# assert_* calls, which all count: any `fail` fails the check) with a fresh
# TMPDIR; passes when nothing failed, it returned 0 and TMPDIR is empty.
check() {
	local name=$1 rc
	shift
	tmp_n=$((tmp_n + 1))
	export TMPDIR=$E2E_SCRATCH/tmp.$tmp_n
	rm -rf "$TMPDIR"
	mkdir -p "$TMPDIR"
	FAILMSG=
	"$@"
	rc=$?
	[ -n "$FAILMSG" ] && rc=1
	if [ $rc -eq 0 ] && [ -n "$(ls -A "$TMPDIR")" ]; then
		fail "files left in TMPDIR: $(ls -A "$TMPDIR" | tr '\n' ' ')"
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: ${FAILMSG:-exit status $rc}"
		failed=$((failed + 1))
	fi
	export TMPDIR=$E2E_SCRATCH
	return 0
}

finish() {
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	exit $?
}

# A fresh directory for one check holding copies of the fixtures; cd's
# into it (call it directly, not in $(...)).
enter_workdir() {
	local d=$E2E_SCRATCH/w.$tmp_n
	rm -rf "$d"
	mkdir -p "$d"
	cp -r "$FIXTURES"/. "$d"/
	cd "$d" || exit 1
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

assert_status() { # EXPECTED ACTUAL [WHAT]
	[ "$1" -eq "$2" ] || fail "${3:-exit status}: expected $1, got $2"
}

assert_same_file() { # A B
	cmp -s "$1" "$2" || fail "$1 and $2 differ: $(diff <(cat -v "$1") <(cat -v "$2") 2>&1 | head -c 600)"
}

assert_contains() { # FILE TEXT
	grep -qF -- "$2" "$1" || fail "'$2' not in $1: $(head -c 600 "$1")"
}

assert_not_contains() { # FILE TEXT
	! grep -qF -- "$2" "$1" || fail "'$2' unexpectedly in $1: $(grep -F -- "$2" "$1" | head -c 600)"
}

assert_exists() {
	[ -e "$1" ] || fail "$1 does not exist"
}

assert_missing() {
	[ ! -e "$1" ] || fail "$1 exists"
}

# The object/binary was instrumented: it has a site descriptor (hp_site_N,
# from hotpath.h's guard macros).
assert_instrumented() {
	nm "$1" 2>/dev/null | grep -q 'hp_site_' ||
		fail "$1 is not instrumented (no hp_site_ symbol)"
}

assert_not_instrumented() {
	! nm "$1" 2>/dev/null | grep -q ' hp_\|hotpath' ||
		fail "$1 is instrumented"
}

# wait_for FILE TEXT: until FILE holds TEXT (20 s at most).
wait_for() {
	local i
	for i in $(seq 200); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no '$2' in $1 after 20 s: $(head -c 400 "$1" 2>/dev/null)"
	return 1
}

# calls FILE NAME: the calls of row NAME in a JSON report
calls() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(sum(f["calls"] for f in r["functions"] if f["name"] == sys.argv[2]))' "$1" "$2"
}

# A .d file as a set of "target: prereq" facts: line continuations joined,
# one word per line, so wrapping differences do not matter.
normalize_deps() {
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" | tr -s ' \t' '\n' | sed '/^$/d'
}
