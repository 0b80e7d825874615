#!/bin/bash
# html_chromium.sh TEST_BINARY - the HTML report renders in headless
# Chromium without console errors and shows the table (issue 6).
# Skips (exit 77) when chromium is not installed (Debian: chromium).
set -u
bin=$1
. "$(dirname "$0")/chromium.sh"
HPTEST_CHILD=tree HOTPATH_FORMAT=html HOTPATH_OUTPUT="$dir/r.html" "$bin" || {
	echo "FAIL: scenario exited $?"; exit 1; }
[ -s "$dir/r.html" ] || { echo "FAIL: no HTML written"; exit 1; }
# Nothing may be fetched: no URLs but the SVG namespace.
if grep -o 'https\?://[^"]*' "$dir/r.html" | grep -v '^http://www.w3.org/2000/svg$' | grep -q .; then
	echo "FAIL: the page refers to the network"; exit 1
fi
flags=("${chrome_flags[@]}" --enable-logging=stderr --v=0)
timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$dir/r.html" \
	> "$dir/dom.html" 2> "$dir/log.txt"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: chromium exited $rc"; cat "$dir/log.txt"; exit 1; }
if grep -E 'CONSOLE|Uncaught|ERROR:.*(console|javascript)' "$dir/log.txt"; then
	echo "FAIL: console messages"; exit 1
fi
for want in '<table id="summary">' '<td>top_a</td>' '<td>leaf_c</td>' \
	    '<svg id="bars"' '<svg id="icicle"' '<th>Self</th>'; do
	grep -qF "$want" "$dir/dom.html" || { echo "FAIL: no $want in the DOM"; exit 1; }
done
timeout 120 "$chrome" "${flags[@]}" --window-size=1100,900 \
	--screenshot="$dir/shot.png" "file://$dir/r.html" > /dev/null 2>&1
[ -s "$dir/shot.png" ] || { echo "FAIL: no screenshot"; exit 1; }
[ -n "${HPTEST_KEEP_SCREENSHOT:-}" ] && cp "$dir/shot.png" "$HPTEST_KEEP_SCREENSHOT"
echo "ok: rendered, table present, no console errors"
