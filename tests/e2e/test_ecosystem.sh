#!/usr/bin/env bash
# hpcc among the tools a C project already uses (issue 7): the installed
# tree (pkg-config, the CMake package, man pages), ccache (which order is
# right, and that the cache never hands back a stale object), distcc, bear,
# meson, autotools, and colours on a terminal / NO_COLOR.  Real tools: .ci/
# deps.sh installs them, so a missing one fails here.
. "$(dirname "$0")/lib.sh"
: "${HPCC_BUILD:?HPCC_BUILD must name the build tree}"
ECO=$FIXTURES/eco
PREFIX=$E2E_SCRATCH/prefix-moved

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { fail "$t is not installed (.ci/deps.sh installs it)"; return 1; }
	done
}

sites() { # OBJECT: how many measured sites it has
	nm "$1" 2>/dev/null | grep -c ' hp_site_'
}

# --- the installed tree -------------------------------------------------

install_layout() {
	local f v
	rm -rf "$E2E_SCRATCH/prefix" "$PREFIX"
	cmake --install "$HPCC_BUILD" --prefix "$E2E_SCRATCH/prefix" >install.out 2>&1 ||
		{ fail "install failed: $(tail -3 install.out)"; return; }
	mv "$E2E_SCRATCH/prefix" "$PREFIX" # everything below must survive a move
	for f in bin/hpcc lib/libhotpath.a lib/libhotpath_alloc.a lib/libhotpath.so \
		lib/libhotpath.so.1 lib/libhotpath_alloc.so.1 include/hotpath.h lib/pkgconfig/hotpath.pc \
		lib/cmake/hotpath/hotpathConfig.cmake lib/cmake/hotpath/hotpathConfigVersion.cmake \
		share/man/man1/hpcc.1 share/man/man7/hotpath.7; do
		assert_exists "$PREFIX/$f"
	done
	! grep -rq "$E2E_SCRATCH" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake" ||
		fail "an absolute install path in the pkg-config or CMake files"
	# the shared runtime exports the API and nothing of its insides
	nm -D --defined-only "$PREFIX/lib/libhotpath.so" | grep -q ' hotpath_enter$' ||
		fail "libhotpath.so does not export hotpath_enter"
	! nm -D --defined-only "$PREFIX/lib/libhotpath.so" | grep -q ' hp_buf_' ||
		fail "libhotpath.so exports internals"
	# man pages: the sections a reader looks for, every HPCC_* and HOTPATH_*
	# variable the sources read, every report format
	for f in NAME SYNOPSIS OPTIONS ENVIRONMENT "EXIT STATUS" EXAMPLES; do
		assert_contains "$PREFIX/share/man/man1/hpcc.1" ".SH $f"
	done
	for v in $(grep -ho 'getenv("HPCC_[A-Z_]*")' "$HPCC_SRC"/hpcc/*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u) NO_COLOR; do
		assert_contains "$PREFIX/share/man/man1/hpcc.1" "$v"
	done
	for v in $(grep -rho 'getenv("HOTPATH_[A-Z_]*")\|"HOTPATH_[A-Z_]*"' "$HPCC_SRC"/runtime/src |
		grep -o 'HOTPATH_[A-Z_]*[A-Z]' | sort -u); do
		assert_contains "$PREFIX/share/man/man7/hotpath.7" "$v"
	done
	for v in $(sed -n 's/^\t{ "\([a-z-]*\)", HP_OUT_.*/\1/p' "$HPCC_SRC/runtime/src/settings.c"); do
		assert_contains "$PREFIX/share/man/man7/hotpath.7" "${v//-/\\-}" # roff's minus
	done
	if command -v groff >/dev/null; then
		groff -ww -man -z "$PREFIX/share/man/man1/hpcc.1" 2>groff.err
		groff -ww -man -z "$PREFIX/share/man/man7/hotpath.7" 2>>groff.err
		assert_eq "" "$(cat groff.err)" "groff warnings"
	fi
}

pkg_config_by_hand() {
	need pkg-config || return
	enter_workdir
	export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
	local cflags libs libdir
	cflags=$(pkg-config --cflags hotpath) || { fail "pkg-config --cflags failed"; return; }
	libs=$(pkg-config --libs hotpath) || { fail "pkg-config --libs failed"; return; }
	libdir=$(pkg-config --variable=libdir hotpath)
	assert_eq "$(cd "$PREFIX/lib" && pwd -P)" "$(cd "$libdir" && pwd -P)" "libdir"
	# shared: hotpath(7)'s recipe as written, and the program runs without
	# LD_LIBRARY_PATH (issue 12, item 15: the .pc's Libs carry the rpath)
	gcc $cflags eco/byhand.c $libs -o byhand 2>err ||
		fail "link against the shared runtime failed: $(cat err)"
	ldd byhand | grep -q "libhotpath.so.1 => $libdir" || fail "not linked to $libdir/libhotpath.so.1"
	env -u LD_LIBRARY_PATH ./byhand >out 2>&1 || fail "byhand failed: $(cat out)"
	assert_contains out "byhand 285"
	assert_contains out "| square"
	# static: --static adds -pthread (the runtime needs nothing else)
	gcc $cflags -o byhand-static eco/byhand.c "$libdir/libhotpath.a" \
		$(pkg-config --static --libs-only-other --libs-only-l hotpath | sed 's/-lhotpath//') 2>err ||
		fail "link against the static runtime failed: $(cat err)"
	./byhand-static >out2 2>&1 || fail "static byhand failed"
	assert_contains out2 "| square"
	unset PKG_CONFIG_PATH
}

cmake_package() {
	enter_workdir
	local gen=()
	command -v ninja >/dev/null && gen=(-G Ninja)
	cmake -S eco/consumer -B build "${gen[@]}" -DCMAKE_PREFIX_PATH="$PREFIX" >cmake.out 2>&1 ||
		{ fail "configure failed: $(tail -5 cmake.out)"; return; }
	cmake --build build >build.out 2>&1 || { fail "build failed: $(tail -5 build.out)"; return; }
	./build/app >out 2>&1 || fail "app failed"
	assert_contains out "app 45"
	assert_contains out "| calc_sum"
	assert_instrumented build/app
	./build/byhand >out2 2>&1 || fail "byhand failed"
	assert_contains out2 "byhand 285"
	assert_contains out2 "| square"
}

# --- ccache -------------------------------------------------------------

# A private cache per check; hits and misses from ccache's own counters.
ccache_setup() {
	export CCACHE_DIR=$PWD/ccache-dir
	unset CCACHE_PREFIX CCACHE_DISABLE CCACHE_RECACHE
	ccache -zC >/dev/null
}
ccache_stat() { # direct_cache_hit, preprocessed_cache_hit, cache_miss
	ccache --print-stats | awk -v k="$1" '$1 == k { print $2 }'
}

ccache_hpcc_first() {
	need ccache || return
	enter_workdir
	ccache_setup
	# a plain cached build must not stand in for the instrumented one ...
	ccache gcc -O1 -c annotated.c -o plain.o || fail "plain ccache build failed"
	assert_eq 0 "$(sites plain.o)" "sites in the plain object"
	"$HPCC" ccache gcc -O1 -c annotated.c -o inst.o || fail "hpcc ccache gcc failed"
	assert_eq 2 "$(sites inst.o)" "sites in the hpcc ccache object"
	assert_eq 0 "$(($(ccache_stat direct_cache_hit) + $(ccache_stat preprocessed_cache_hit)))" "hits so far"
	# ... and the same command again is a hit, with the same object
	cp inst.o inst.first.o
	"$HPCC" ccache gcc -O1 -c annotated.c -o inst.o || fail "second hpcc ccache gcc failed"
	assert_eq 1 "$(ccache_stat direct_cache_hit)" "direct hits after the second build"
	assert_same_file inst.first.o inst.o
	# ... nor the other way round
	ccache gcc -O1 -c annotated.c -o plain2.o || fail "plain ccache build failed"
	assert_eq 0 "$(sites plain2.o)" "sites in the second plain object"
	# an annotation edit alone is a miss with the new instrumentation
	sed -i 's|^/\* @hotpath \*/$|/* not measured */|' annotated.c
	"$HPCC" ccache gcc -O1 -c annotated.c -o edit.o || fail "hpcc ccache gcc after the edit failed"
	assert_eq 1 "$(sites edit.o)" "sites after removing an annotation"
	# so is --instrument=all from the environment, which ccache cannot see
	HPCC_INSTRUMENT=all "$HPCC" ccache gcc -O1 -c annotated.c -o all.o || fail "HPCC_INSTRUMENT=all failed"
	assert_eq 2 "$(sites all.o)" "sites with HPCC_INSTRUMENT=all"
}

# make -j2 with -g -MMD -MP through hpcc ccache gcc; a clean rebuild is all
# hits, the program reports, the .d files name the real sources.
ccache_make() {
	need ccache || return
	enter_workdir
	ccache_setup
	cd makeproj || return
	make -j2 CC="$HPCC ccache gcc" >make.out 2>&1 || { fail "make failed: $(tail -5 make.out)"; return; }
	cp main.o main.first.o
	make clean >/dev/null
	make -j2 CC="$HPCC ccache gcc" >make2.out 2>&1 || { fail "rebuild failed: $(tail -5 make2.out)"; return; }
	assert_eq 3 "$(ccache_stat direct_cache_hit)" "direct hits in the clean rebuild"
	assert_same_file main.first.o main.o
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "result 143"
	assert_contains out "| calc_sum"
	assert_instrumented prog
	assert_contains main.d "main.o: main.c include/proj.h"
	assert_not_contains main.d "hpcc-"
}

# The two other orders, and why they are wrong: ccache decides before hpcc
# has rewritten anything, from a hash that cannot see the annotations.
ccache_wrong_orders() {
	need ccache || return
	enter_workdir
	ccache_setup
	# ccache hpcc gcc: the preprocessor output has no comments, so removing
	# an annotation is a preprocessed-mode hit on the old object
	ccache "$HPCC" gcc -O1 -c annotated.c -o a.o || fail "ccache hpcc gcc failed"
	assert_eq 2 "$(sites a.o)" "sites, ccache hpcc gcc"
	sed -i 's|^/\* @hotpath \*/$|/* not measured */|' annotated.c
	ccache "$HPCC" gcc -O1 -c annotated.c -o a.o || fail "ccache hpcc gcc failed"
	assert_eq 1 "$(ccache_stat preprocessed_cache_hit)" "preprocessed hits, ccache hpcc gcc"
	assert_eq 2 "$(sites a.o)" "sites of the stale object, ccache hpcc gcc"
	# prefix_command: the hash is plain gcc's, so a plain build's object comes back
	ccache -zC >/dev/null
	ccache gcc -O1 -c annotated.c -o p.o || fail "plain ccache failed"
	CCACHE_PREFIX=$HPCC ccache gcc -O1 -c annotated.c -o p.o || fail "CCACHE_PREFIX=hpcc failed"
	assert_eq 1 "$(ccache_stat direct_cache_hit)" "direct hits, CCACHE_PREFIX=hpcc"
	assert_eq 0 "$(sites p.o)" "sites of the plain object returned for CCACHE_PREFIX=hpcc"
}

# --- distcc -------------------------------------------------------------

# A distccd of our own on loopback: the rewrite and the preprocessing happen
# here (distcc -E on the rewritten copy, which names hotpath.h by its
# absolute path), the compile goes to the server.
distcc_remote() {
	need distcc distccd || return
	enter_workdir
	local port pid
	port=$((20000 + RANDOM % 20000))
	TMPDIR=/tmp distccd --daemon --no-detach --listen 127.0.0.1 --port $port --allow 127.0.0.1 \
		--log-stderr --log-level info 2>distccd.log &
	pid=$!
	for _ in $(seq 50); do
		grep -q "listening on" distccd.log 2>/dev/null && break
		sleep 0.1
	done
	cd makeproj || return
	mkdir .distcc
	DISTCC_HOSTS="127.0.0.1:$port/2" DISTCC_FALLBACK=0 DISTCC_VERBOSE=1 DISTCC_DIR=$PWD/.distcc \
		make -j2 CC="$HPCC distcc gcc" >make.out 2>&1 || fail "make failed: $(grep -v '^distcc\[' make.out | tail -5)"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "result 143"
	assert_contains out "| calc_sum"
	assert_instrumented main.o
	assert_eq 3 "$(grep -c "exec on 127.0.0.1:$port" make.out)" "compiles sent to the server"
	assert_eq 3 "$(grep -c 'cpp .*/hpcc-[^ ]*\.c on localhost completed ok' make.out)" "rewritten sources preprocessed locally"
	grep -q "job complete\|compile.*succeeded\|COMPILE_OK" ../distccd.log ||
		fail "distccd logged no finished job: $(tail -3 ../distccd.log)"
	assert_contains main.d "main.o: main.c include/proj.h"
	rm -rf .distcc
}

distcc_localhost() {
	need distcc || return
	enter_workdir
	mkdir .distcc
	DISTCC_HOSTS=localhost DISTCC_DIR=$PWD/.distcc "$HPCC" distcc gcc -o prog annotated.c 2>err ||
		fail "hpcc distcc gcc failed: $(cat err)"
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "sum 4950"
	assert_instrumented prog
	rm -rf .distcc
}

# --- bear ---------------------------------------------------------------

# The entries name the user's sources; re-running one from its directory
# builds the same instrumented object.  bear knows compilers and its own
# list of wrappers (ccache, distcc) by name, so it needs hpcc named, in its
# config; in masquerade mode (gcc -> hpcc) it needs nothing.
check_compdb() { # FILE
	local n
	n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$1")
	assert_eq 3 "$n" "entries in $1"
	assert_not_contains "$1" "hpcc-"
	python3 - "$1" "$PWD" >entries <<'PY' || fail "bad entries: $(cat entries)"
import json, sys
for e in json.load(open(sys.argv[1])):
    assert e["directory"] == sys.argv[2], e
    assert e["file"] in [sys.argv[2] + "/" + s for s in ("main.c", "util.c", "calc.c")], e
    print(e["file"])
PY
	# re-run util.c's command as recorded
	rm -f util.o
	python3 - "$1" <<'PY' || fail "re-running an entry failed"
import json, os, subprocess, sys
e = [e for e in json.load(open(sys.argv[1])) if e["file"].endswith("/util.c")][0]
os.chdir(e["directory"])
sys.exit(subprocess.call(e["arguments"]))
PY
	assert_instrumented util.o
}

bear_config() {
	need bear python3 || return
	enter_workdir
	cd makeproj || return
	printf '{ "compilation": { "compilers_to_recognize": [ { "executable": "%s" } ] } }\n' "$HPCC" >bear.json
	bear --config bear.json --output compile_commands.json -- make CC="$HPCC gcc" >make.out 2>&1 ||
		{ fail "bear make failed: $(tail -5 make.out)"; return; }
	check_compdb compile_commands.json
}

bear_masquerade() {
	need bear python3 || return
	enter_workdir
	cd makeproj || return
	mkdir bin && ln -s "$HPCC" bin/gcc
	PATH=$PWD/bin:$PATH bear --output compile_commands.json -- make CC=gcc >make.out 2>&1 ||
		{ fail "bear make failed: $(tail -5 make.out)"; return; }
	PATH=$PWD/bin:$PATH check_compdb compile_commands.json
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "| calc_sum"
}

# --- meson, autotools ---------------------------------------------------

meson_project() {
	need meson ninja || return
	enter_workdir
	cd eco/mesonproj || return
	CC="$HPCC gcc" meson setup build >setup.out 2>&1 || { fail "meson setup failed: $(tail -5 setup.out)"; return; }
	ninja -C build >ninja.out 2>&1 || { fail "ninja failed: $(tail -5 ninja.out)"; return; }
	./build/prog >out 2>&1 || fail "prog failed"
	assert_contains out "meson 42"
	assert_contains out "| twice"
	assert_instrumented build/prog
	assert_not_contains build/meson-logs/meson-log.txt "hpcc:"
}

autotools_project() {
	need autoreconf automake make || return
	enter_workdir
	cd eco/autoproj || return
	autoreconf -fi >autoreconf.out 2>&1 || { fail "autoreconf failed: $(tail -5 autoreconf.out)"; return; }
	# the probes' answers: config.log's cache variables, CC's own aside
	probes() { sed -n '/^## Cache variables/,/^## Output variables/p' config.log |
		grep '^ac_cv_' | grep -v '^ac_cv_env_CC_\|^ac_cv_prog_CC=\|^ac_cv_prog_ac_ct_CC='; }
	./configure CC=gcc >configure.plain 2>&1 || { fail "plain configure failed"; return; }
	cp config.h config.h.plain
	probes >probes.plain
	make distclean >/dev/null 2>&1
	./configure CC="$HPCC gcc" >configure.hpcc 2>&1 || { fail "configure with hpcc failed: $(tail -5 config.log)"; return; }
	probes >probes.hpcc
	assert_same_file config.h.plain config.h
	assert_same_file probes.plain probes.hpcc
	[ "$(wc -l <probes.hpcc)" -gt 20 ] || fail "too few probes in config.log: $(wc -l <probes.hpcc)"
	assert_not_contains config.log "hpcc:"
	assert_not_contains config.log "hotpath"
	make >make.out 2>&1 || { fail "make failed: $(tail -5 make.out)"; return; }
	./prog >out 2>&1 || fail "prog failed"
	assert_contains out "autotools 42"
	assert_contains out "| twice"
	assert_instrumented prog
}

# --- colours ------------------------------------------------------------

# script(1) gives the command a terminal; its output is what the terminal got.
on_tty() { # COMMAND-STRING
	script -qec "$1" /dev/null
}

colours() {
	need script || return
	enter_workdir
	local esc=$'\033['
	# a terminal: hpcc's own warning as gcc colours its own, and the
	# instrumented compile asked for colours
	on_tty "TMPDIR=/nonexistent '$HPCC' gcc -c annotated.c -o a.o" >tty.out
	assert_contains tty.out "${esc}01m${esc}Khpcc:${esc}m${esc}K ${esc}01;35m${esc}Kwarning: ${esc}m${esc}Kcannot create a temporary directory"
	on_tty "'$HPCC' -v gcc -Wall -c warn.c" >tty2.out
	assert_contains tty2.out "-fdiagnostics-color=always"
	assert_contains tty2.out "${esc}01;35m${esc}Kwarning: "
	# NO_COLOR: plain text, nothing asked of the compiler
	on_tty "NO_COLOR=1 TMPDIR=/nonexistent '$HPCC' gcc -c annotated.c -o a.o" >nc.out
	assert_contains nc.out "hpcc: warning: cannot create a temporary directory"
	assert_not_contains nc.out "$esc"
	on_tty "NO_COLOR=1 '$HPCC' -v gcc -Wall -c warn.c" >nc2.out
	assert_not_contains nc2.out "-fdiagnostics-color"
	assert_not_contains nc2.out "$esc"
	assert_contains nc2.out "warning: unused variable"
	# an empty NO_COLOR is not set (no-color.org)
	on_tty "NO_COLOR= '$HPCC' -v gcc -Wall -c warn.c" >nc3.out
	assert_contains nc3.out "-fdiagnostics-color=always"
	# the user's choice wins
	on_tty "'$HPCC' -v gcc -Wall -fdiagnostics-color=never -c warn.c" >never.out
	assert_not_contains never.out "-fdiagnostics-color=always"
	assert_not_contains never.out "${esc}01;35m"
	# not a terminal: plain
	TMPDIR=/nonexistent "$HPCC" gcc -c annotated.c -o a.o 2>pipe.out
	assert_eq "hpcc: warning: cannot create a temporary directory in /nonexistent: No such file or directory; compiling annotated.c unmodified" \
		"$(cat pipe.out)" "hpcc's warning into a pipe"
	"$HPCC" gcc -Wall -c warn.c 2>pipe2.out
	assert_not_contains pipe2.out "$esc"
}

check "install: layout, moved prefix, man pages cover every variable" install_layout
check "pkg-config from the moved prefix: HP_FUNCTION by hand, shared and static" pkg_config_by_hand
check "find_package(hotpath): hotpath_instrument() and hotpath::hotpath" cmake_package
check "ccache: hpcc ccache gcc never returns a stale object, rebuild hits" ccache_hpcc_first
check "ccache: make -j2 -g -MMD through hpcc ccache gcc, clean rebuild all hits" ccache_make
check "ccache: ccache hpcc gcc and CCACHE_PREFIX=hpcc return stale objects" ccache_wrong_orders
check "distcc: hpcc distcc gcc to a loopback distccd, preprocessed here" distcc_remote
check "distcc: DISTCC_HOSTS=localhost" distcc_localhost
check "bear: hpcc named in its config, entries name the sources and re-run" bear_config
check "bear: masquerade (gcc -> hpcc), no config" bear_masquerade
check "meson + ninja with CC=\"hpcc gcc\"" meson_project
check "autotools: probes untouched (same config.h, no hpcc in config.log)" autotools_project
check "colours: terminal, NO_COLOR, the user's flag, a pipe" colours
finish
