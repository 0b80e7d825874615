#!/usr/bin/env bash
# HOTPATH_HTTP's live page (issue 11, item 1) in headless Chromium: the
# page at / fetches /report.json from the running program, shows the
# table (function names, exact calls), sorts it by self time and polls
# again by itself; a second load after the program has made more calls
# shows the new counts.  No console errors, nothing fetched from another
# host.  Skips (77) without Chromium (Debian package chromium), as the
# runtime's HTML tests do.
. "$(dirname "$0")/lib.sh"
. "$HPCC_SRC/tests/runtime/chromium.sh"

write_live_c() {
	cat >live.c <<'C'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

/* @hotpath */
static unsigned leaf(unsigned x) { return x * 2654435761u; }

/* @hotpath */
static unsigned slow_branch(unsigned x)
{
	unsigned i, s = 0;

	for (i = 0; i < 200; i++)
		s += leaf(x + i);
	return s;
}

static void *busy(void *arg)
{
	unsigned i, s = 0;

	(void)arg;
	for (i = 0; i < 1000; i++)
		s += slow_branch(i);
	return (void *)(unsigned long)s;
}

/* @hotpath main */
int main(void)
{
	pthread_t t[2];
	int i, round;
	char c;

	for (round = 1;; round++) {
		for (i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, busy, NULL);
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		printf("ready %d\n", round);
		fflush(stdout);
		if (read(0, &c, 1) != 1)
			break;
	}
	return 7;
}
C
}

# dump URL OUT: the DOM after 5 s of the page's (virtual) time.
dump() {
	timeout 120 "$chrome" "${chrome_flags[@]}" --enable-logging=stderr --v=0 \
		--virtual-time-budget=5000 --dump-dom "$1" >"$2" 2>"$2.log" ||
		fail "chromium exited $?: $(tail -5 "$2.log")"
	if grep -E 'CONSOLE|Uncaught|ERROR:.*(console|javascript)' "$2.log"; then
		fail "console messages: $(grep -E 'CONSOLE|Uncaught' "$2.log" | head -3)"
	fi
}

# The rows of the dumped table: "name calls" in the page's order.
rows() {
	python3 - "$1" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
body = re.search(r'<tbody id="rows">(.*?)</tbody>', dom, re.S).group(1)
for tr in re.findall(r'<tr data-calls="(\d+)">(.*?)</tr>', body, re.S):
    cells = re.findall(r'<td>(.*?)</td>', tr[1])
    print(cells[0], cells[3])
PY
}

live_page() {
	enter_workdir
	write_live_c
	"$HPCC" $cc -O1 -pthread live.c -o live 2>build.err || { fail "build: $(cat build.err)"; return; }
	rm -f ctl; mkfifo ctl
	HOTPATH_HTTP=127.0.0.1:0 HOTPATH_FORMAT=none ./live <ctl >out 2>err &
	local pid=$!
	exec 7>ctl
	wait_for err "serving" && wait_for out "ready 1" || { exec 7>&-; wait $pid; return; }
	local url
	url=$(sed -n 's|^\[hotpath\] serving \(http://.*/\)$|\1|p' err)
	dump "$url" dom1.html
	# slow_branch has the most self time (its loop), then leaf
	assert_eq "slow_branch 2000
leaf 400000" "$(rows dom1.html)" "rows after round 1"
	grep -q '<th>Function</th><th>Self</th><th>Total</th><th>Calls</th><th>Avg</th><th>P95</th>' dom1.html ||
		fail "headings: $(grep -o '<thead>.*</thead>' dom1.html)"
	# it polled by itself (once a second of the page's time)
	python3 - dom1.html <<'PY' || fail "the page did not poll again: $(grep -o '<p id="status"[^<]*' dom1.html)"
import re, sys
n = int(re.search(r'data-polls="(\d+)"', open(sys.argv[1]).read()).group(1))
sys.exit(0 if n >= 2 else 1)
PY
	printf x >&7
	wait_for out "ready 2" || { exec 7>&-; wait $pid; return; }
	dump "$url" dom2.html
	assert_eq "slow_branch 4000
leaf 800000" "$(rows dom2.html)" "rows after round 2"
	timeout 120 "$chrome" "${chrome_flags[@]}" --virtual-time-budget=3000 \
		--window-size=1000,400 --screenshot="$dir/shot.png" "$url" >/dev/null 2>&1
	[ -s "$dir/shot.png" ] || fail "no screenshot"
	[ -n "${HPTEST_KEEP_SCREENSHOT:-}" ] && cp "$dir/shot.png" "$HPTEST_KEEP_SCREENSHOT"
	exec 7>&-
	wait $pid
	assert_status 7 $? "the program's own status"
}

for cc in $COMPILERS; do
	check "$cc: the live page shows and refreshes the running program's table" live_page
done
finish
