#!/usr/bin/env bash
# Runs each libFuzzer harness for a bounded time (FUZZ_SECONDS, default
# 180; the finder gets twice as long: it is slow) on a copy of its seed
# corpus, and lists what it found.  Crash inputs land in
# $FUZZ_WORK/crashes/<target>/; copy the ones you fixed to
# tests/fuzz/regress/<target>/ so the normal suite replays them.
#
#     FUZZ_BIN=build-fuzz/bin bash tests/fuzz/run.sh [TARGET...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${FUZZ_BIN:?FUZZ_BIN must name the directory of the fuzz_* binaries}"
FUZZ_BIN=$(cd "$FUZZ_BIN" && pwd)
secs=${FUZZ_SECONDS:-180}
work=${FUZZ_WORK:-$PWD/fuzz-work}
targets=${*:-annot rewrite args finder}
status=0

for t in $targets; do
	mkdir -p "$work/corpus/$t" "$work/crashes/$t" "$work/cwd/$t"
	cp -n "$here/corpus/$t"/* "$work/corpus/$t"/ 2>/dev/null
	extra=()
	time=$secs
	if [ "$t" = finder ]; then
		time=$((secs * 2))
		# libclang is chatty on stderr and keeps caches: no leak check
		extra=(-close_fd_mask=2 -detect_leaks=0)
	fi
	[ -f "$here/$t.dict" ] && extra+=(-dict="$here/$t.dict")
	# libFuzzer stops at a corpus directory that does not exist: regress/
	# has one only for the targets that ever found something
	dirs=("$work/corpus/$t")
	[ -d "$here/regress/$t" ] && dirs+=("$here/regress/$t")
	echo "== fuzz_$t for ${time}s"
	(cd "$work/cwd/$t" &&
		"$FUZZ_BIN/fuzz_$t" -max_total_time="$time" -max_len=4096 -timeout=20 \
			-rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix="$work/crashes/$t/" "${extra[@]}" \
			"${dirs[@]}" </dev/null) >"$work/$t.log" 2>&1
	rc=$?
	grep -E "^stat::(number_of_executed_units|average_exec_per_sec)" "$work/$t.log"
	found=$(ls -A "$work/crashes/$t" | wc -l)
	echo "fuzz_$t: exit $rc, $found crash/timeout/leak inputs in $work/crashes/$t"
	[ "$found" -eq 0 ] && [ $rc -eq 0 ] || status=1
done
exit $status
