#!/usr/bin/env bash
# Installs the Debian packages hpcc needs to build and test, if missing.
# Sourced by demo.sh and test.sh; safe to run again (does nothing then).
set -euo pipefail

hpcc_packages=(gcc clang cmake make pkg-config libclang-dev libcjson-dev
	       libmicrohttpd-dev binutils python3)
hpcc_test_packages=(chromium csmith libcsmith-dev ninja-build ccache distcc bear meson autoconf automake
		    valgrind prometheus)

hpcc_install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "hpcc: installing ${missing[*]}" >&2
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
