#!/usr/bin/env bash
# A process made of several modules (an executable, a shared library with
# hidden insides, a dlopen'ed plugin) has one session and one report,
# whichever of them were built through hpcc: every link through hpcc that
# holds instrumented code needs the one shared runtime libhotpath.so.1
# (DT_NEEDED, found through a RUNPATH hpcc adds), -static links take
# libhotpath.a, -r links take nothing, --alloc links also need
# libhotpath_alloc.so.1.  Rows are keyed by (name, file, line, kind), so
# a plugin loaded again adds to its rows and an unloaded one keeps them.
#
# The fixtures are in fixtures/modules (see app.c); expect.py compares a
# JSON report with the real call tree, given which sources are
# instrumented: exact rows, exact edges from the nearest measured caller,
# nothing else.
. "$(dirname "$0")/lib.sh"

for v in $(compgen -e | grep '^HOTPATH_'); do unset "$v"; done
unset HPCC_ALLOC HPCC_INSTRUMENT HPCC_EXCLUDE HPCC_EXCLUDE_FILE HPCC_STRICT
N=10 # app_step calls in a run of app

# mods_dir: this compiler's build of the fixtures, shared by its checks
mods_dir() {
	cd "$E2E_SCRATCH/modules.$cc" || exit 1
}

# build inst|plain ARGS...: the compiler through hpcc, or plainly
build() {
	local how=$1
	shift
	if [ "$how" = inst ]; then
		"$HPCC" $cc "$@" 2>build.err
	else
		$cc "$@" 2>build.err
	fi || fail "$how build failed: $cc $*: $(tail -c 600 build.err | tr '\n' ' ')"
}

# run_json DIR COMMAND...: runs COMMAND in a fresh DIR with a JSON report
# per process (r-<pid>.json); DIR/out, DIR/err, DIR/status
run_json() {
	local d=$1
	shift
	rm -rf "$d"
	mkdir -p "$d"
	(cd "$d" && ulimit -c 0 && HOTPATH_FORMAT=json HOTPATH_OUTPUT=r-%p.json timeout 60 "$@" >out 2>err
		echo $? >status) 2>/dev/null # a crash is the status, not a line from bash
}

# run_table DIR COMMAND...: the same with the default report on stderr
run_table() {
	local d=$1
	shift
	rm -rf "$d"
	mkdir -p "$d"
	(cd "$d" && ulimit -c 0 && timeout 60 "$@" >out 2>err
		echo $? >status) 2>/dev/null
}

assert_ran() { # DIR: exit status 0
	[ "$(cat "$1/status")" = 0 ] ||
		fail "$1: exit status $(cat "$1/status"): $(head -c 600 "$1/err")"
}

reports() { # DIR: the number of report files
	ls "$1" | grep -c '^r-.*\.json$'
}

assert_reports() { # DIR N: exactly N report files
	assert_eq "$2" "$(reports "$1")" "report files in $1 ($(ls "$1" | tr '\n' ' '))"
}

# assert_report FILE SPEC: FILE is what SPEC (expect.py's model) says
assert_report() {
	[ -f "$1" ] || { fail "no report $1"; return; }
	python3 expect.py "$1" "$2" >"$2.diff" 2>&1 ||
		fail "$1 against $2: $(head -c 800 "$2.diff" | tr '\n' ';')"
}

assert_summaries() { # DIR N: N "Performance summary" lines on stderr
	assert_eq "$2" "$(grep -c '\[hotpath\] Performance summary' "$1/err")" \
		"summary lines in $1/err"
}

# needed FILE: its DT_NEEDED names; runpath FILE: its RUNPATH entries
needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}
runpath() {
	readelf -d "$1" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]$/\1/p' | tr ':' '\n'
}

# assert_runtime_needed FILE SONAME: FILE needs SONAME, has a RUNPATH whose
# entries find it, and the dynamic loader resolves it
assert_runtime_needed() {
	local f=$1 so=$2 dir found=
	needed "$f" | grep -qx "$so" || fail "$f does not need $so: $(needed "$f" | tr '\n' ' ')"
	[ -n "$(runpath "$f")" ] || fail "$f has no RUNPATH"
	while read -r dir; do
		dir=${dir//\$ORIGIN/$(dirname "$f")}
		[ -e "$dir/$so" ] && found=$dir
	done < <(runpath "$f")
	[ -n "$found" ] || fail "no RUNPATH entry of $f holds $so: $(runpath "$f" | tr '\n' ' ')"
	! ldd "$f" | grep -q 'not found' || fail "ldd $f: $(ldd "$f" | grep 'not found')"
}

# assert_no_runtime_copy FILE: the module does not carry a runtime of its own
assert_no_runtime_copy() {
	! nm --defined-only "$1" 2>/dev/null | grep -q ' hotpath_enter$' ||
		fail "$1 defines hotpath_enter: a runtime copy of its own"
}

# The call tree of `app PLUGIN N` (see app.c), for expect.py.
app_tree() {
	cat <<EOF
call main main app.c - 1
call app_step function app.c main $N
call core_api function core.c app_step $N
call core_helper function core.c core_api $((2 * N))
call plug_entry function plug.c core_api $N
call plug_inner function plug.c plug_entry $N
call core_callback function core.c plug_entry $N
call core_hidden function core.c core_callback $N
EOF
}

# inst_files EXE LIB PLUGIN (each inst or plain): the instrumented sources
inst_files() {
	local files=
	[ "$1" = inst ] && files="$files app.c"
	[ "$2" = inst ] && files="$files core.c"
	[ "$3" = inst ] && files="$files plug.c"
	echo "inst$files"
}

# --- the fixtures -------------------------------------------------------

# Objects, plain and instrumented, of each module, for this compiler's
# other checks; each kind of object is what it should be.
fixtures() {
	local d=$E2E_SCRATCH/modules.$cc how f
	rm -rf "$d"
	mkdir -p "$d"
	cp -r "$FIXTURES"/modules/. "$FIXTURES"/annotated.c "$FIXTURES"/local.h "$d"/
	mods_dir
	for how in plain inst; do
		build $how -O2 -fPIC -fvisibility=hidden -c core.c -o core.$how.o
		build $how -O2 -fPIC -c plug.c -o plug.$how.o
		build $how -O2 -c app.c -o app.$how.o
	done
	for f in core plug app; do
		assert_instrumented $f.inst.o
		assert_not_instrumented $f.plain.o
	done
}

# c.EXE.LIB.PLUGIN/: app, libcore.so and plug.so, each linked through hpcc
# from instrumented objects or plainly from plain ones.
link_combo() { # EXE LIB PLUGIN
	local d=c.$1.$2.$3
	rm -rf $d
	mkdir $d
	build $2 -shared -o $d/libcore.so core.$2.o \
		-Wl,--version-script=core.map -Wl,-soname,libcore.so || return
	build $3 -shared -o $d/plug.so plug.$3.o -L$d -lcore -Wl,-rpath,'$ORIGIN' || return
	build $1 -o $d/app app.$1.o -L$d -lcore -Wl,-rpath,'$ORIGIN' || return
	# the version script and -fvisibility=hidden hold: only the API is out
	assert_eq "core_api core_callback core_set_hook" \
		"$(nm -D --defined-only $d/libcore.so | awk '$2 == "T" { print $3 }' | sed 's/@.*//' | sort | tr '\n' ' ' | sed 's/ $//')" \
		"functions exported by $d/libcore.so"
}

# --- 2. every plain/instrumented mix ------------------------------------

combo() { # EXE LIB PLUGIN
	local d=c.$1.$2.$3 n=0 f
	mods_dir
	link_combo "$@" || return
	[ "$*" != "plain plain plain" ] && n=1
	{ inst_files "$@"; app_tree; } >$d.spec
	run_json $d.json "$PWD/$d/app" "$PWD/$d/plug.so" $N
	assert_ran $d.json
	assert_eq "app sum 480" "$(cat $d.json/out)" "app's output"
	assert_reports $d.json $n
	for f in $d.json/r-*.json; do
		[ $n = 1 ] && assert_report "$f" $d.spec
	done
	run_table $d.table "$PWD/$d/app" "$PWD/$d/plug.so" $N
	assert_ran $d.table
	assert_summaries $d.table $n
}

# --- 3. a plugin loaded and unloaded 1,000 times by two threads ---------

# churn.c: one warm-up load in main, then 2 threads x 500 loads of plug.so
# (which brings libcore.so with it), all instrumented.
churn() { # EXE: inst or plain
	local d=churn.$1 f
	mods_dir
	[ -f c.inst.inst.inst/plug.so ] || link_combo inst inst inst || return
	build $1 -O2 -o churn.$1.bin churn.c -pthread || return
	{
		echo "inst plug.c core.c"
		[ $1 = inst ] && echo "inst churn.c"
		cat <<EOF
call main main churn.c - 1
call churn function churn.c - 2 # thread start routines are roots
call plug_entry function plug.c main 1
call plug_entry function plug.c churn 1000
call plug_inner function plug.c plug_entry 1001
call core_callback function core.c plug_entry 1001
call core_hidden function core.c core_callback 1001
EOF
	} >$d.spec
	run_json $d "$PWD/churn.$1.bin" "$PWD/c.inst.inst.inst/plug.so"
	assert_ran $d
	assert_contains $d/out "churn sums 503000 503000"
	local before after
	read -r before after < <(sed -n 's/^threads before \([0-9-]*\) after \([0-9-]*\)$/\1 \2/p' $d/out)
	[ -n "$before" ] || fail "no thread counts in $d/out: $(cat $d/out)"
	assert_eq "$before" "$after" "threads after the 1,000 loads (before them: $before)"
	assert_reports $d 1
	for f in $d/r-*.json; do assert_report "$f" $d.spec; done
}

# --- 4. a plugin unloaded before the report -----------------------------

# app dlcloses plug.so before main returns; the plugin is the only
# instrumented module (or the executable is too).
unloaded_plugin() { # EXE: inst or plain
	local d=closed.$1 f
	mods_dir
	[ -f c.$1.plain.inst/app ] || link_combo $1 plain inst || return
	{ inst_files $1 plain inst; app_tree; } >$d.spec
	run_json $d "$PWD/c.$1.plain.inst/app" "$PWD/c.$1.plain.inst/plug.so" $N close
	assert_ran $d
	assert_eq "app sum 480" "$(cat $d/out)" "app's output"
	assert_reports $d 1
	for f in $d/r-*.json; do assert_report "$f" $d.spec; done
	run_table $d.table "$PWD/c.$1.plain.inst/app" "$PWD/c.$1.plain.inst/plug.so" $N close
	assert_ran $d.table
	assert_summaries $d.table 1
	assert_contains $d.table/err "plug_entry"
}

# --- 5. fork: one report per process ------------------------------------

forked() { # EXE: inst or plain (libcore is instrumented)
	local d=fork.$1 parent child
	mods_dir
	[ -f c.plain.inst.plain/libcore.so ] || link_combo plain inst plain || return
	build $1 -O2 -o forker.$1.bin forker.c -L"$PWD/c.plain.inst.plain" -lcore \
		-Wl,-rpath,"$PWD/c.plain.inst.plain" || return
	echo "inst core.c" >$d.parent.spec
	[ $1 = inst ] && echo "inst forker.c" >>$d.parent.spec
	cp $d.parent.spec $d.child.spec
	cat >>$d.parent.spec <<EOF
call parent_work function forker.c - 2
call core_api function core.c parent_work 10
call core_helper function core.c core_api 20
EOF
	cat >>$d.child.spec <<EOF
call child_work function forker.c - 1
call core_api function core.c child_work 3
call core_helper function core.c core_api 6
EOF
	run_json $d "$PWD/forker.$1.bin"
	assert_ran $d
	read -r parent child < <(sed -n 's/^parent \([0-9]*\) child \([0-9]*\) sum 120$/\1 \2/p' $d/out)
	[ -n "$child" ] || { fail "unexpected output: $(cat $d/out)"; return; }
	assert_reports $d 2
	assert_report $d/r-$parent.json $d.parent.spec
	assert_report $d/r-$child.json $d.child.spec
}

# --- 6. -static and -r --------------------------------------------------

static_link() {
	local f
	mods_dir
	build inst -O2 -static -o static.bin annotated.c || return
	readelf -d static.bin 2>&1 | grep -q 'no dynamic section' ||
		fail "static.bin has a dynamic section: $(needed static.bin | tr '\n' ' ')"
	cat >static.spec <<EOF
inst annotated.c
call main main annotated.c - 1
call add function annotated.c main 100
EOF
	run_json static.run "$PWD/static.bin"
	assert_ran static.run
	assert_contains static.run/out "sum 4950"
	assert_reports static.run 1
	for f in static.run/r-*.json; do assert_report "$f" static.spec; done
}

# ld -r of instrumented objects adds no runtime: the same bytes as a plain
# ld -r; the final link through hpcc adds it.
partial_link() {
	local f
	mods_dir
	build inst -O2 -c annotated.c -o part-in.o || return
	$cc -r -o part-ref.o part-in.o || { fail "plain -r failed"; return; }
	build inst -r -o part.o part-in.o || return
	assert_same_file part-ref.o part.o
	# ld's own spellings: -Wl,-r and -Xlinker --relocatable
	$cc -no-pie -nostdlib -Wl,-r -o part-ref2.o part-in.o || { fail "plain -Wl,-r failed"; return; }
	build inst -no-pie -nostdlib -Wl,-r -o part2.o part-in.o || return
	assert_same_file part-ref2.o part2.o
	build inst -no-pie -nostdlib -Xlinker --relocatable -o part3.o part-in.o || return
	assert_same_file part-ref2.o part3.o
	build inst -o part.bin part.o || return
	cat >part.spec <<EOF
inst annotated.c
call main main annotated.c - 1
call add function annotated.c main 100
EOF
	run_json part.run "$PWD/part.bin"
	assert_ran part.run
	assert_reports part.run 1
	for f in part.run/r-*.json; do assert_report "$f" part.spec; done
}

# --- 7. --alloc across a shared library ---------------------------------

alloc_shared() {
	local f
	mods_dir
	"$HPCC" --alloc $cc -O0 -fPIC -shared -o liballoclib.so alloclib.c 2>build.err ||
		{ fail "--alloc -shared failed: $(tail -c 600 build.err | tr '\n' ' ')"; return; }
	"$HPCC" --alloc $cc -O0 -o allocapp.bin allocapp.c -L. -lalloclib \
		-Wl,-rpath,'$ORIGIN' 2>build.err ||
		{ fail "--alloc link failed: $(tail -c 600 build.err | tr '\n' ' ')"; return; }
	assert_runtime_needed "$PWD/allocapp.bin" libhotpath.so.1
	assert_runtime_needed "$PWD/allocapp.bin" libhotpath_alloc.so.1
	assert_runtime_needed "$PWD/liballoclib.so" libhotpath.so.1
	assert_runtime_needed "$PWD/liballoclib.so" libhotpath_alloc.so.1
	cat >alloc.spec <<EOF
inst allocapp.c alloclib.c
call main main allocapp.c - 1
call lib_alloc function alloclib.c main 3
call exe_alloc function allocapp.c main 2
field lib_alloc alloc_bytes_total 3000
field lib_alloc alloc_count_total 30
field lib_alloc alloc_bytes_max 1000
field lib_alloc alloc_count_max 10
field exe_alloc alloc_bytes_total 400
field exe_alloc alloc_count_total 8
field exe_alloc alloc_bytes_max 200
field exe_alloc alloc_count_max 4
EOF
	run_json alloc.run "$PWD/allocapp.bin"
	assert_ran alloc.run
	assert_contains alloc.run/out "allocapp done"
	assert_reports alloc.run 1
	for f in alloc.run/r-*.json; do assert_report "$f" alloc.spec; done
	# the same program with its own objects plain, linked with --alloc,
	# and with an explicit -lc before the runtime: the interposer still
	# comes first and the library's figures are there
	$cc -O0 -c allocapp.c -o allocapp.plain.o || { fail "plain compile"; return; }
	"$HPCC" --alloc $cc -O0 -o allocplain.bin allocapp.plain.o -lc -L. -lalloclib \
		-Wl,-rpath,'$ORIGIN' 2>build.err ||
		{ fail "--alloc link of plain objects failed: $(tail -c 600 build.err)"; return; }
	[ "$(needed allocplain.bin | head -1)" = libhotpath_alloc.so.1 ] ||
		fail "the interposer is not the first needed library: $(needed allocplain.bin | tr '\n' ' ')"
	grep -v '^call exe_alloc\|^field exe_alloc\|^call main' alloc.spec |
		sed 's/^inst allocapp.c alloclib.c/inst alloclib.c/; s/alloclib.c main 3/alloclib.c - 3/' >allocplain.spec
	run_json allocplain.run "$PWD/allocplain.bin"
	assert_ran allocplain.run
	assert_reports allocplain.run 1
	for f in allocplain.run/r-*.json; do assert_report "$f" allocplain.spec; done
}

# --- 8. what the links say ----------------------------------------------

# Instrumented modules need the shared runtime and carry none of it.
dynamic_section() {
	local f
	mods_dir
	[ -f c.inst.inst.inst/app ] || link_combo inst inst inst || return
	for f in app libcore.so plug.so; do
		assert_runtime_needed "$PWD/c.inst.inst.inst/$f" libhotpath.so.1
		assert_no_runtime_copy "c.inst.inst.inst/$f"
		# the user's own -rpath stays
		[ $f = libcore.so ] || runpath c.inst.inst.inst/$f | grep -qxF '$ORIGIN' ||
			fail "c.inst.inst.inst/$f lost its \$ORIGIN: $(runpath c.inst.inst.inst/$f | tr '\n' ' ')"
	done
}

# A link through hpcc with nothing instrumented in it is the plain link,
# byte for byte and without a word from hpcc: no NEEDED, no RUNPATH added,
# even next to an instrumented library, and -static needs no libcjson.a.
plain_links_identical() {
	mods_dir
	[ -f c.inst.inst.inst/libcore.so ] || link_combo inst inst inst || return
	sed '/@hotpath/d' plug.c >noannot.c
	sed '/@hotpath/d' annotated.c >noannot-main.c
	$cc -c noannot-main.c -o noannot-main.o || { fail "cannot compile noannot-main.c"; return; }
	same_link -shared core.plain.o -Wl,--version-script=core.map -Wl,-soname,libcore.so
	same_link app.plain.o -Lc.inst.inst.inst -lcore -Wl,-rpath,'$ORIGIN'
	same_link -fPIC -shared noannot.c
	same_link -static noannot-main.o
	same_link -static noannot-main.c
}

same_link() { # LINK ARGS...: plainly and through hpcc, compared
	rm -f ref.out hp.out
	$cc -o ref.out "$@" || { fail "plain link failed: $cc $*"; return; }
	"$HPCC" $cc -o hp.out "$@" 2>hp.err || { fail "hpcc link failed: $cc $*: $(tr '\n' ' ' <hp.err)"; return; }
	assert_eq "" "$(cat hp.err)" "hpcc's messages for $cc $*"
	cmp -s ref.out hp.out || fail "hpcc $cc $* differs from the plain link"
}

# --- found by review: first calls in a signal handler, DEEPBIND, non-PIE

# A site's first call registers it; in a signal handler that interrupted
# malloc that must not need malloc (it used to deadlock).
signal_first_calls() {
	mods_dir
	sh sigfirst.sh 300
	build inst -O1 -o sigfirst sigfirst.c || return
	run_json sig.run "$PWD/sigfirst"
	assert_ran sig.run
	assert_contains sig.run/out "k=300"
	python3 - sig.run/r-*.json <<'PY' || fail "sigfirst: $(cat sig.run/r-*.json | head -c 300)"
import json, sys
r = json.load(open(sys.argv[1]))
calls = sum(f["calls"] for f in r["functions"] if f["name"].startswith("f"))
# a call that interrupts the runtime itself is counted lost, never hidden
sys.exit(0 if calls + r["lost"] == 300 and calls > 0 else 1)
PY
}

# An --alloc plugin in an RTLD_DEEPBIND scope gets the interposer's malloc
# while the program frees with libc's: the interposer must then hand out
# plain glibc blocks (it used to abort with "double free or corruption").
deepbind_alloc_plugin() {
	mods_dir
	"$HPCC" --alloc $cc -O1 -fPIC -shared -o deepplug.so deepplug.c 2>build.err ||
		{ fail "deepplug: $(cat build.err)"; return; }
	$cc -o deepapp deepapp.c -ldl || { fail "deepapp"; return; }
	run_table deep.run "$PWD/deepapp" "$PWD/deepplug.so" deep
	assert_ran deep.run
	assert_contains deep.run/out "ok"
	run_table local.run "$PWD/deepapp" "$PWD/deepplug.so"
	assert_ran local.run
	assert_contains local.run/out "ok"
}

# A non-PIE program that takes malloc's address: the interposer is the
# process's malloc all the same, and counts.
nopie_alloc() {
	mods_dir
	"$HPCC" --alloc $cc -O2 -fno-pie -no-pie -o nopie nopie.c 2>build.err ||
		{ fail "nopie: $(cat build.err)"; return; }
	run_json nopie.run "$PWD/nopie"
	assert_ran nopie.run
	python3 - nopie.run/r-*.json <<'PY' || fail "nopie: $(cat nopie.run/r-*.json | head -c 400)"
import json, sys
r = json.load(open(sys.argv[1]))
w = [f for f in r["functions"] if f["name"] == "work"][0]
sys.exit(0 if w["calls"] == 1000 and w.get("alloc_bytes_total") == 100000
         and w.get("alloc_count_total") == 1000 else 1)
PY
}

# hpcc's own lib/ in a path with a comma: the RUNPATH must reach ld whole
# (-Wl,-rpath,<dir> would split it).
comma_prefix() {
	local p="$E2E_SCRATCH/pre,fix"
	mods_dir
	rm -rf "$p"
	mkdir -p "$p/bin" "$p/lib" "$p/include"
	cp "$HPCC" "$p/bin/hpcc"
	cp -P "$(dirname "$HPCC")"/../lib/libhotpath* "$p/lib/"
	cp "$(dirname "$HPCC")"/../include/hotpath.h "$p/include/"
	"$p/bin/hpcc" $cc -O2 -o comma.bin annotated.c 2>build.err ||
		{ fail "build: $(cat build.err)"; return; }
	assert_eq "" "$(cat build.err)" "hpcc's messages"
	assert_eq "$p/lib" "$(runpath comma.bin)" "RUNPATH"
	run_json comma.run "$PWD/comma.bin"
	assert_ran comma.run
	assert_reports comma.run 1
}

for cc in $COMPILERS; do
	check "$cc: the module fixtures build plainly and through hpcc" fixtures
	check "$cc: hpcc installed under a path with a comma" comma_prefix
	check "$cc: first calls inside a signal handler that interrupted malloc" signal_first_calls
	check "$cc: --alloc plugin under RTLD_DEEPBIND and RTLD_LOCAL" deepbind_alloc_plugin
	check "$cc: --alloc non-PIE program taking malloc's address" nopie_alloc
	for e in plain inst; do
		for l in plain inst; do
			for p in plain inst; do
				check "$cc: exe $e, libcore $l, plugin $p: one report, exact rows and edges" combo $e $l $p
			done
		done
	done
	check "$cc: instrumented modules need libhotpath.so.1 and carry no runtime" dynamic_section
	check "$cc: links with nothing instrumented are byte-identical to plain ones" plain_links_identical
	check "$cc: plugin unloaded before exit by a plain exe keeps its rows" unloaded_plugin plain
	check "$cc: plugin unloaded before main returns keeps its rows" unloaded_plugin inst
	check "$cc: -static links the static runtime" static_link
	check "$cc: --alloc with a shared library: exact figures for both" alloc_shared
done
# the slower ones with the first compiler only (gcc unless E2E_COMPILERS says)
cc=${COMPILERS%% *}
check "$cc: plugin loaded 1,000 times by 2 threads, instrumented exe" churn inst
check "$cc: plugin loaded 1,000 times by 2 threads, plain exe" churn plain
check "$cc: fork: one report per process, instrumented exe" forked inst
check "$cc: fork: one report per process, plain exe" forked plain
check "$cc: -r adds no runtime" partial_link
finish
