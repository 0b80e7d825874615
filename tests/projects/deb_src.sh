# deb_src.sh - sourced by tests/projects/run.sh and bench/real/run.sh.
# ensure_deb_src: a deb-src entry beside the existing Debian list (deb822
# format) and dpkg-source, so that `apt-get source` works; needs root the
# first time.  Returns non-zero with a message on stderr when it cannot.
ensure_deb_src() {
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
	   ! grep -qs '^deb-src' /etc/apt/sources.list; then
		[ -f /etc/apt/sources.list.d/debian.sources ] ||
			{ echo "no /etc/apt/sources.list.d/debian.sources to copy" >&2; return 2; }
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>/etc/apt/sources.list.d/hpcc-deb-src.sources || return 2
		apt-get update -qq || return 2
	fi
	command -v dpkg-source >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null ||
		{ echo "cannot install dpkg-dev" >&2; return 2; }
}
