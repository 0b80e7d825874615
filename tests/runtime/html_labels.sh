#!/bin/bash
# html_labels.sh TEST_BINARY - the HTML report's labels, as Chromium lays
# them out (issue 12, item 7): each bar of the self/total chart ends with
# both figures, each named ("self X / total Y", the figures of its
# tooltip); each icicle box shows its whole name, or its first characters
# and "…", or nothing, and a label never reaches past its box; a box of
# 40px or more always has a label.  The report is made by hand
# (test_present's html_fixed), so every box's width is known.  The page has no script: a copy gets
# one that measures the rendered text and writes its verdicts into the
# DOM, which --dump-dom prints.  Skips (77) without chromium.
set -u
bin=$1
. "$(dirname "$0")/chromium.sh"
HPTEST_CHILD=html_fixed "$bin" > "$dir/r.html" ||
	{ echo "FAIL: scenario exited $?"; exit 1; }
[ -s "$dir/r.html" ] || { echo "FAIL: no HTML written"; exit 1; }
grep -q '<script' "$dir/r.html" && { echo "FAIL: the report has a script"; exit 1; }

cat > "$dir/check.js" <<'EOF'
const out = [];
const px = (r) => r.getBoundingClientRect();
for (const g of document.querySelectorAll('#icicle g')) {
  const title = g.querySelector('title').textContent;
  const cut_at = title.search(/: \d+ calls, /);
  const name = cut_at >= 0 ? title.slice(0, cut_at) : title;
  const box = px(g.querySelector('rect'));
  const t = g.querySelector('text');
  if (!t || t.textContent === '') {
    out.push((box.width >= 40 ? 'BAD nolabel ' : 'OK nolabel ') +
             box.width.toFixed(1));
    continue;
  }
  const label = t.textContent, r = px(t);
  const fits = r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
  const chars = Array.from(label);
  const whole = label === name;
  const cut = label.endsWith('\u2026') && chars.length >= 3 &&
    name.startsWith(label.slice(0, -1));
  out.push((fits && (whole || cut) ? 'OK ' : 'BAD ') + JSON.stringify(label) +
           ' text ' + r.width.toFixed(1) + ' box ' + box.width.toFixed(1));
}
for (const g of document.querySelectorAll('#bars g')) {
  const title = g.querySelector('title').textContent;
  const m = title.match(/: self (\S+), total (\S+)$/);
  const texts = Array.from(g.querySelectorAll('text')).map(t => t.textContent);
  const fig = texts[texts.length - 1];
  const want = m ? 'self ' + m[1] + ' / total ' + m[2] : '?';
  out.push((fig === want ? 'OK bar ' : 'BAD bar ') + JSON.stringify(fig) +
           ' want ' + JSON.stringify(want));
}
const pre = document.createElement('pre');
pre.id = 'check';
pre.textContent = out.join('\n');
document.body.appendChild(pre);
EOF
{ sed 's|</body></html>||' "$dir/r.html"; printf '<script>'; cat "$dir/check.js";
  printf '</script></body></html>\n'; } > "$dir/check.html"

flags=("${chrome_flags[@]}" --window-size=1100,900)
timeout 120 "$chrome" "${flags[@]}" --dump-dom "file://$dir/check.html" \
	> "$dir/dom.html" 2> "$dir/log.txt"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: chromium exited $rc"; cat "$dir/log.txt"; exit 1; }
sed -n '/<pre id="check">/,/<\/pre>/p' "$dir/dom.html" > "$dir/verdicts.txt"
ok=$(grep -c 'OK' "$dir/verdicts.txt")
bad=$(grep -c 'BAD' "$dir/verdicts.txt")
labels=$(grep -c 'OK "' "$dir/verdicts.txt")
cut=$(grep -c 'OK "[^"]*…"' "$dir/verdicts.txt")
bars=$(grep -c 'OK bar' "$dir/verdicts.txt")
cat "$dir/verdicts.txt"
[ "$bad" -eq 0 ] || { echo "FAIL: $bad labels wrong or past their box"; exit 1; }
# the scenario's boxes (test_present.c, html_fixed): 3 names whole (main,
# the 600px one, "ab" in 20px), 4 cut (150, 60, 40, 30px), none in 25,
# 20 ("abc"), 10 and 3px; a bar for each function but main
[ "$labels" -eq 7 ] && [ "$cut" -eq 4 ] && [ "$bars" -eq 4 ] ||
	{ echo "FAIL: expected 7 labels, 4 cut, 4 bars; got $labels, $cut, $bars"; exit 1; }
for want in 'OK "ab" ' 'OK "MM…" ' 'OK "été…" '; do
	grep -qF "$want" "$dir/verdicts.txt" || { echo "FAIL: no $want"; exit 1; }
done
echo "ok: $ok verdicts, $labels labels ($cut cut), $bars bars, all inside their boxes"
