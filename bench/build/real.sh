#!/usr/bin/env bash
# bench/build/real.sh - what hpcc adds to the build of a real code base: a
# Debian source package built three ways, interleaved, medians of RUNS:
#
#   plain  CC=gcc                           the baseline
#   pass   CC="hpcc gcc"                    no annotations: every compile
#                                           passes through (exec, no libclang)
#   all    CC="hpcc --instrument=all gcc"   every function of every file
#                                           parsed, rewritten and measured
#
# Usage: bench/build/real.sh [HPCC]   (default: build/bin/hpcc)
# Environment: PKG (zstd or lz4; default zstd), RUNS (3), JOBS (nproc),
# WORK (a directory of its own; default /tmp/hpcc-bench-real), CC (gcc).
# Needs `apt-get source` (a deb-src line in /etc/apt/sources.list.d/) and
# dpkg-dev; the source is fetched once into $WORK and reused.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HPCC=${1:-${HPCC:-$here/../../build/bin/hpcc}}
PKG=${PKG:-zstd}
RUNS=${RUNS:-3}
JOBS=${JOBS:-$(nproc)}
WORK=${WORK:-/tmp/hpcc-bench-real}
CC=${CC:-gcc}
[ -x "$HPCC" ] || { echo "real.sh: no hpcc at $HPCC (build first, or pass its path)" >&2; exit 2; }
HPCC=$(cd "$(dirname "$HPCC")" && pwd)/$(basename "$HPCC")

# What to build, and the program that proves the build works.
case $PKG in
zstd)
	build() { make -j"$JOBS" -C programs zstd CC="$1"; }
	prog=programs/zstd
	roundtrip() { "$1" -q -f -o "$2.zst" "$2" && "$1" -q -d -f -o "$2.out" "$2.zst" && cmp -s "$2" "$2.out"; }
	;;
lz4)
	build() { make -j"$JOBS" -C programs lz4 CC="$1"; }
	prog=programs/lz4
	roundtrip() { "$1" -q -f "$2" "$2.lz4" && "$1" -q -d -f "$2.lz4" "$2.out" && cmp -s "$2" "$2.out"; }
	;;
*)
	echo "real.sh: PKG must be zstd or lz4" >&2
	exit 2
	;;
esac

mkdir -p "$WORK"
cd "$WORK"
if [ ! -d "src-$PKG" ]; then
	rm -rf fetch && mkdir fetch
	(cd fetch && apt-get source -qq "$PKG" >../fetch.log 2>&1) || {
		echo "real.sh: 'apt-get source $PKG' failed (see $WORK/fetch.log)." >&2
		echo "  Enable source packages: add 'Types: deb-src' with the URIs/Suites of" >&2
		echo "  /etc/apt/sources.list.d/debian.sources, run apt-get update, install dpkg-dev." >&2
		exit 1
	}
	mv "$(find fetch -mindepth 1 -maxdepth 1 -type d | head -1)" "src-$PKG"
	rm -rf fetch
fi
version=$(cd "src-$PKG" && dpkg-parsechangelog -S Version 2>/dev/null || echo "?")
nfiles=$(find "src-$PKG/lib" "src-$PKG/programs" -name '*.c' | wc -l)
nlines=$(find "src-$PKG/lib" "src-$PKG/programs" -name '*.c' -exec cat {} + | wc -l)

declare -A cc_of=([plain]="$CC" [pass]="$HPCC $CC" [all]="$HPCC --instrument=all $CC")
declare -A times
configs="plain pass all"

# One fresh copy per build, outside the timing.
one_build() { # CONFIG RUN
	local d=b-$1 t0 t1
	rm -rf "$d"
	cp -a "src-$PKG" "$d"
	t0=$(date +%s%N)
	(cd "$d" && build "${cc_of[$1]}") >"log-$1.txt" 2>&1 || {
		echo "real.sh: the $1 build failed: $(tail -5 "log-$1.txt")" >&2
		exit 1
	}
	t1=$(date +%s%N)
	times[$1]="${times[$1]:-} $(((t1 - t0) / 1000000))"
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "hpcc build overhead on Debian source package $PKG $version:"
echo "  $nfiles C files, $nlines lines under lib/ and programs/; make -j$JOBS, $RUNS runs each, interleaved"
echo "  $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
for run in $(seq "$RUNS"); do
	for c in $configs; do
		one_build "$c" "$run"
		printf '  run %d %-5s %6.2f s\n' "$run" "$c" \
			"$(echo "${times[$c]}" | awk '{ print $NF / 1000 }')"
	done
done

# The last builds are still there: check what each produced.
echo 'hello hotpath' >sample.txt
seq 1 20000 >>sample.txt
for c in $configs; do
	HOTPATH_FORMAT=none roundtrip "b-$c/$prog" sample.txt || { echo "real.sh: $c $prog does not round-trip" >&2; exit 1; }
done
same=no
cmp -s "b-plain/$prog" "b-pass/$prog" && same=yes
sites=$(nm "b-all/$prog" 2>/dev/null | grep -c ' hp_site_' || true)
HOTPATH_OUTPUT=report.txt "b-all/$prog" -q -f -o sample.zst sample.txt 2>/dev/null
rows=$(grep -c '^| ' report.txt 2>/dev/null || echo 0)

base=$(echo "${times[plain]}" | median)
echo
printf '%-44s %10s %10s %10s\n' "CC" "median s" "vs plain" "runs (s)"
for c in $configs; do
	m=$(echo "${times[$c]}" | median)
	printf '%-44s %10.2f %9.1f%% %s\n' "${cc_of[$c]/$HPCC/hpcc}" "$(awk -v m="$m" 'BEGIN { print m / 1000 }')" \
		"$(awk -v m="$m" -v b="$base" 'BEGIN { print (m - b) * 100 / b }')" \
		"$(echo "${times[$c]}" | awk '{ for (i = 1; i <= NF; i++) printf " %.1f", $i / 1000 }')"
done
echo
echo "pass-through $prog byte-identical to the plain one: $same"
echo "--instrument=all $prog: $sites measured sites; one compression run reported $((rows > 0 ? rows - 1 : 0)) table rows"
echo "reproduce: PKG=$PKG RUNS=$RUNS JOBS=$JOBS bench/build/real.sh <build>/bin/hpcc"
