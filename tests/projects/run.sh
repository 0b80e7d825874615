#!/usr/bin/env bash
# Real projects under `hpcc --instrument=all` (opt-in: it downloads Debian
# source packages and needs root for apt).  For each project the upstream
# source is built twice, with plain gcc and with CC="hpcc --instrument=all
# gcc", and its own test suite is run on both: the results must be the
# same (and passing), no file may fall back to an unmodified compile, and
# the reports the instrumented test programs leave (HOTPATH_OUTPUT with %p,
# one per process) must list the project's functions.
#
#     HPCC=build/bin/hpcc bash tests/projects/run.sh [bzip2] [zlib] [lz4]
#
# PROJECTS_WORK (default ./projects-work) holds downloads, trees and logs.
set -u
: "${HPCC:?HPCC must name the hpcc binary}"
HPCC=$(cd "$(dirname "$HPCC")" && pwd)/$(basename "$HPCC")
WORK=${PROJECTS_WORK:-$PWD/projects-work}
JOBS=${JOBS:-$(nproc)}
projects=${*:-bzip2 zlib lz4}
failed=0
mkdir -p "$WORK/dl"

say() { printf '%s\n' "$*"; }
bad() { say "FAIL $*"; failed=$((failed + 1)); }

# A deb-src entry beside the existing Debian list (deb822 format).
ensure_deb_src() {
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
	   ! grep -qs '^deb-src' /etc/apt/sources.list; then
		[ -f /etc/apt/sources.list.d/debian.sources ] ||
			{ say "no /etc/apt/sources.list.d/debian.sources to copy"; exit 2; }
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>/etc/apt/sources.list.d/hpcc-deb-src.sources
		apt-get update -qq || exit 2
	fi
	command -v dpkg-source >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null
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
	esac
}

run_project() {
	local name=$1 ps hs reports n f start=$SECONDS
	say "== $name"
	fetch "$name" || return
	(build_test "$name" plain gcc) >"$WORK/$name.plain.log" 2>&1
	ps=$?
	reports=$WORK/reports/$name
	rm -rf "$reports"
	mkdir -p "$reports"
	(export HOTPATH_OUTPUT=$reports/%p.json HOTPATH_FORMAT=json
	 build_test "$name" hpcc "$HPCC --instrument=all gcc") >"$WORK/$name.hpcc.log" 2>&1
	hs=$?
	say "$name: test suite status: plain $ps, hpcc $hs ($((SECONDS - start)) s)"
	[ $ps -eq 0 ] || bad "$name: the plain build or its tests failed (see $WORK/$name.plain.log)"
	[ $ps -eq $hs ] || bad "$name: hpcc changed the result (see $WORK/$name.hpcc.log)"
	# any hpcc message means a file was not (fully) instrumented
	n=$(grep -c 'hpcc: \|: warning: hotpath: \|: error: hotpath: ' "$WORK/$name.hpcc.log")
	say "$name: hpcc messages in the build: $n"
	[ "$n" -eq 0 ] || { bad "$name: hpcc printed messages:"; grep 'hpcc: \|hotpath: ' "$WORK/$name.hpcc.log" | sort | uniq -c | head; }
	n=$(find "$WORK/hpcc/$name" -name '*.o' | wc -l)
	f=$(find "$WORK/hpcc/$name" -name '*.o' -exec sh -c 'nm "$1" 2>/dev/null | grep -q hp_site_' _ {} \; -print | wc -l)
	say "$name: instrumented objects: $f of $n"
	n=$(ls "$reports" | wc -l)
	say "$name: reports written: $n"
	[ "$n" -gt 0 ] || bad "$name: no report written"
	for f in $(expected_functions "$name"); do
		grep -qs "\"name\":\"$f\"" "$reports"/*.json ||
			bad "$name: no report lists $f"
	done
	say "$name: distinct functions in reports: $(cat "$reports"/*.json 2>/dev/null |
		grep -o '"name":"[^"]*","file"' | sort -u | wc -l)"
}

ensure_deb_src
for p in $projects; do
	run_project "$p"
done
say "$failed failures"
[ $failed -eq 0 ]
