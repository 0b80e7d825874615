# lib.sh - what the real-project tests share (sourced by run.sh and
# suite.sh): Debian source packages fetched with apt-get source, and a
# watch on a report directory that records every file written.
#
# The caller sets WORK (downloads, trees and logs go there) and may
# define bad() to count failures; each helper returns non-zero on failure
# and says why on stdout.

say() { printf '%s\n' "$*"; }

# apt_install PKG...: installs the packages that are missing (root).
apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null ||
		{ say "cannot install ${missing[*]}"; return 1; }
}

# A deb-src entry beside the existing Debian list (deb822 format), and
# dpkg-dev for apt-get source.  Needs root.
ensure_deb_src() {
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
	   ! grep -qs '^deb-src' /etc/apt/sources.list; then
		[ -f /etc/apt/sources.list.d/debian.sources ] ||
			{ say "no /etc/apt/sources.list.d/debian.sources to copy"; return 1; }
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>/etc/apt/sources.list.d/hpcc-deb-src.sources
		apt-get update -qq || { say "apt-get update failed"; return 1; }
	fi
	apt_install dpkg-dev
}

# fetch NAME [VARIANT...]: the upstream tarball, unpacked as
# $WORK/<variant>/NAME for each variant (default: plain hpcc).  When the
# candidate version cannot be downloaded (a mirror that lacks the newest
# security upload), the other versions apt-cache lists are tried in turn.
fetch() {
	local name=$1 tarball v
	shift
	[ $# -gt 0 ] || set -- plain hpcc
	mkdir -p "$WORK/dl"
	if ! ls "$WORK/dl/${name}"_*.orig.tar.* >/dev/null 2>&1; then
		(cd "$WORK/dl" && {
			apt-get source -qq --download-only "$name" ||
			for v in $(apt-cache showsrc "$name" | sed -n 's/^Version: //p'); do
				apt-get source -qq --download-only "$name=$v" && break
			done; }) >"$WORK/dl/$name.log" 2>&1
		ls "$WORK/dl/${name}"_*.orig.tar.* >/dev/null 2>&1 ||
			{ say "$name: apt-get source failed: $(tail -3 "$WORK/dl/$name.log")"; return 1; }
	fi
	tarball=$(ls "$WORK/dl/${name}"_*.orig.tar.* | head -1)
	for v in "$@"; do
		rm -rf "${WORK:?}/$v/$name"
		mkdir -p "$WORK/$v/$name"
		tar xf "$tarball" -C "$WORK/$v/$name" --strip-components=1 || return 1
	done
}

# watch_start DIR LOG: every close of a file written in DIR, its name a
# line in LOG (to find a process that writes its report twice: the second
# replaces the first); watch_stop ends it.
watch_start() {
	local n
	inotifywait -m -e close_write --format %f "$1" >"$2" 2>"$2.inotify" &
	WATCH_PID=$!
	for n in $(seq 100); do
		grep -qs 'Watches established' "$2.inotify" && return 0
		sleep 0.1
	done
	say "inotifywait did not start: $(cat "$2.inotify")"
	return 1
}

watch_stop() {
	sleep 1
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	return 0
}
