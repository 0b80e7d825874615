#!/usr/bin/env bash
# Real projects under `hpcc --instrument=all` (opt-in: it downloads Debian
# source packages and needs root for apt).  For each project the upstream
# source is built twice, with plain gcc and with CC="hpcc --instrument=all
# gcc", and its own test suite is run on both: the results must be the
# same (and passing), no file may fall back to an unmodified compile, and
# the reports the instrumented test programs leave (HOTPATH_OUTPUT with %p)
# must list the project's functions, one report per process: each report
# file is written once (inotifywait watches the directory), holds one
# report, and none goes to stderr instead.
#
#     HPCC=build/bin/hpcc bash tests/projects/run.sh [bzip2] [zlib] [lz4] [tcl8.6]
#
# tcl8.6 is not run by default (about 10 minutes on 2 cores): a shared
# library (libtcl8.6.so, which tcltest links) and plugins that its test
# suite loads with dlopen and unloads with dlclose (unix/dltest/pkg*.so, via
# Tcl's load and unload commands); TCL_TESTS picks the test files (a
# tcltest -file pattern; '*.test' for the whole suite).
#
# PROJECTS_WORK (default ./projects-work) holds downloads, trees and logs.
set -u
: "${HPCC:?HPCC must name the hpcc binary}"
HPCC=$(cd "$(dirname "$HPCC")" && pwd)/$(basename "$HPCC")
WORK=${PROJECTS_WORK:-$PWD/projects-work}
JOBS=${JOBS:-$(nproc)}
projects=${*:-bzip2 zlib lz4}
TCL_TESTS=${TCL_TESTS:-load.test unload.test basic.test compile.test \
	namespace.test proc.test interp.test package.test info.test dict.test}
failed=0
mkdir -p "$WORK/dl"

say() { printf '%s\n' "$*"; }
bad() { say "FAIL $*"; failed=$((failed + 1)); }

# ensure_deb_src (shared with bench/real/run.sh)
. "$(dirname "$0")/deb_src.sh"

ensure_tools() {
	ensure_deb_src || exit 2
	command -v inotifywait >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq inotify-tools >/dev/null ||
		{ say "cannot install inotify-tools"; exit 2; }
}

# fetch NAME: the upstream tarball, unpacked as $WORK/<variant>/NAME.
fetch() {
	local name=$1 tarball v
	(cd "$WORK/dl" && ls "${name}"_*.orig.tar.* >/dev/null 2>&1 ||
		apt-get source -qq --download-only "$name") >"$WORK/dl/$name.log" 2>&1 ||
		{ bad "$name: apt-get source failed: $(tail -3 "$WORK/dl/$name.log")"; return 1; }
	tarball=$(ls "$WORK/dl/${name}"_*.orig.tar.* | head -1)
	for v in plain hpcc; do
		rm -rf "$WORK/$v/$name"
		mkdir -p "$WORK/$v/$name"
		tar xf "$tarball" -C "$WORK/$v/$name" --strip-components=1 || return 1
	done
}

# build_test NAME VARIANT CC: builds and runs the test suite in
# $WORK/VARIANT/NAME; log in $WORK/NAME.VARIANT.log; returns the tests' status.
build_test() {
	local name=$1 v=$2 cc=$3
	cd "$WORK/$v/$name" || return 99
	case $name in
	bzip2)
		make -j"$JOBS" CC="$cc" bzip2 bzip2recover libbz2.a && make CC="$cc" test ;;
	zlib)
		CC="$cc" ./configure && make -j"$JOBS" && make test ;;
	lz4)
		make -j"$JOBS" CC="$cc" lib lz4 &&
		make -C tests CC="$cc" test-lz4-basic test-lz4-dict test-lz4-contentSize \
			test-lz4-frame-concatenation test-lz4-multiple test-lz4-sparse ;;
	tcl8.6)
		# the plugins (dltest/pkg*.so) link libtclstub8.6.a, not
		# libtcl8.6.so; unload.test dlcloses pkgua.so long before exit
		cd unix && CC="$cc" ./configure &&
		make -j"$JOBS" binaries && make -j"$JOBS" tcltest &&
		ERROR_ON_FAILURES=1 make test-tcl TESTFLAGS="-file '$TCL_TESTS'" ;;
	*)
		echo "unknown project $name"; return 99 ;;
	esac
}

# functions that must appear in the reports of the instrumented tests
expected_functions() {
	case $1 in
	bzip2) echo "main BZ2_bzCompress BZ2_compressBlock BZ2_decompress BZ2_blockSort" ;;
	zlib) echo "main deflate inflate crc32_z" ;;
	lz4) echo "main LZ4_compress_generic LZ4_decompress_safe LZ4F_compressFrame_usingCDict" ;;
	# tcltest's main; libtcl8.6.so; the plugins pkga.so (loaded by
	# load.test) and pkgua.so (unloaded by unload.test before the report)
	tcl8.6) echo "main Tcl_EvalObjv Tcl_LoadObjCmd TclpDlopen Pkga_Init Pkga_EqObjCmd" \
		"Pkgua_Init Pkgua_Unload" ;;
	esac
}

# functions that one process must report together (the executable's, the
# shared library's and a plugin's, all in the same report)
together_functions() {
	case $1 in
	tcl8.6) echo "main Tcl_LoadObjCmd Pkga_EqObjCmd" ;;
	esac
}

# shared objects (paths in the tree) that must be linked by the hpcc
# command (the build log shows it) and hold instrumented code
shared_objects() {
	case $1 in
	tcl8.6) echo "unix/libtcl8.6.so unix/dltest/pkga.so unix/dltest/pkgua.so" ;;
	esac
}

# the test suite's own summary lines from both logs
test_summary() {
	local v
	for v in plain hpcc; do
		case $1 in
		tcl8.6) grep -h '^all.tcl:\|^Test file error\|^Files with failing' \
			"$WORK/$1.$v.log" | sed "s/^/$1: $v: /" ;;
		esac
	done
}

run_project() {
	local name=$1 ps hs pt ht reports n f watch start
	say "== $name"
	fetch "$name" || return
	start=$SECONDS
	(build_test "$name" plain gcc) >"$WORK/$name.plain.log" 2>&1
	ps=$?
	pt=$((SECONDS - start))
	reports=$WORK/reports/$name
	rm -rf "$reports"
	mkdir -p "$reports"
	# every close of a report file after writing, to find a process
	# that reports twice (the second report replaces the first)
	inotifywait -m -e close_write --format %f "$reports" \
		>"$WORK/$name.writes" 2>"$WORK/$name.inotify.log" &
	watch=$!
	for n in $(seq 100); do
		grep -qs 'Watches established' "$WORK/$name.inotify.log" && break
		sleep 0.1
	done
	start=$SECONDS
	(export HOTPATH_OUTPUT=$reports/hp-%p.json HOTPATH_FORMAT=json
	 build_test "$name" hpcc "$HPCC --instrument=all gcc") >"$WORK/$name.hpcc.log" 2>&1
	hs=$?
	ht=$((SECONDS - start))
	sleep 1
	kill "$watch" 2>/dev/null
	wait "$watch" 2>/dev/null
	say "$name: test suite status: plain $ps ($pt s), hpcc $hs ($ht s, build and tests)"
	test_summary "$name"
	[ $ps -eq 0 ] || bad "$name: the plain build or its tests failed (see $WORK/$name.plain.log)"
	[ $ps -eq $hs ] || bad "$name: hpcc changed the result (see $WORK/$name.hpcc.log)"
	# any hpcc message means a file was not (fully) instrumented
	n=$(grep -c 'hpcc: \|: warning: hotpath: \|: error: hotpath: ' "$WORK/$name.hpcc.log")
	say "$name: hpcc messages in the build: $n"
	[ "$n" -eq 0 ] || { bad "$name: hpcc printed messages:"; grep 'hpcc: \|hotpath: ' "$WORK/$name.hpcc.log" | sort | uniq -c | head; }
	n=$(find "$WORK/hpcc/$name" -name '*.o' | wc -l)
	f=$(find "$WORK/hpcc/$name" -name '*.o' -exec sh -c 'nm "$1" 2>/dev/null | grep -q hp_site_' _ {} \; -print | wc -l)
	say "$name: instrumented objects: $f of $n"
	for f in $(shared_objects "$name"); do
		if [ ! -f "$WORK/hpcc/$name/$f" ]; then
			bad "$name: $f was not built"
			continue
		fi
		grep -F -- "$HPCC --instrument=all gcc" "$WORK/$name.hpcc.log" |
			grep -q -- "-shared.* -o $(basename "$f") " ||
			bad "$name: $f was not linked by the hpcc command"
		nm "$WORK/hpcc/$name/$f" 2>/dev/null | grep -q hp_site_ ||
			bad "$name: $f holds no instrumented code"
	done
	n=$(ls "$reports" | wc -l)
	say "$name: reports written: $n"
	[ "$n" -gt 0 ] || bad "$name: no report written"
	# one report per process: files named after one pid each, each
	# written once and holding one report, no report on stderr instead
	n=$(ls "$reports" | grep -cv '^hp-[0-9][0-9]*\.json$')
	[ "$n" -eq 0 ] || bad "$name: $n report files not named hp-<pid>.json"
	n=$(grep -Hc '"program":' "$reports"/*.json 2>/dev/null | grep -cv ':1$')
	[ "$n" -eq 0 ] || bad "$name: $n report files do not hold exactly one report"
	n=$(sort "$WORK/$name.writes" | uniq -d | wc -l)
	[ "$n" -eq 0 ] || bad "$name: $n processes wrote their report file more than once" \
		"(e.g. $(sort "$WORK/$name.writes" | uniq -cd | head -3 | xargs))"
	n=$(grep -c '{"program":' "$WORK/$name.hpcc.log")
	[ "$n" -eq 0 ] || bad "$name: $n reports went to stderr instead of a file"
	for f in $(expected_functions "$name"); do
		grep -qs "\"name\":\"$f\"" "$reports"/*.json ||
			bad "$name: no report lists $f"
	done
	if [ -n "$(together_functions "$name")" ]; then
		set -- "$reports"/*.json
		for f in $(together_functions "$name"); do
			[ $# -gt 0 ] && set -- $(grep -l "\"name\":\"$f\"" "$@")
		done
		say "$name: reports listing all of $(together_functions "$name"): $#"
		[ $# -gt 0 ] || bad "$name: no single report lists all of: $(together_functions "$name")"
	fi
	say "$name: distinct functions in reports: $(cat "$reports"/*.json 2>/dev/null |
		grep -o '"name":"[^"]*","file"' | sort -u | wc -l)"
}

ensure_tools
for p in $projects; do
	run_project "$p"
done
say "$failed failures"
[ $failed -eq 0 ]
