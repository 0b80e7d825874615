# chromium.sh - sourced by the HTML tests: finds headless Chromium (or
# skips the test, exit 77, without it: Debian package chromium), makes the
# scratch folder $dir (removed at exit) and the flags every run takes in
# the array chrome_flags (no network, no sync, a profile inside $dir).
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then
	echo "SKIP: chromium not installed (Debian package: chromium)"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chrome_flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
	      --disable-component-update --disable-sync --no-first-run
	      --user-data-dir="$dir/profile")
