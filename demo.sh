#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a profile: installs the
# packages hpcc needs (if missing), builds hpcc and its runtime, compiles the
# seed example through `hpcc gcc` and runs it.  The report goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"
. .ci/deps.sh
hpcc_install_missing "${hpcc_packages[@]}"

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target hpcc
mkdir -p build/examples
build/bin/hpcc gcc -O2 -Wall examples/basic/basic.c -o build/examples/basic
echo "+ CC=\"hpcc gcc\" build of examples/basic/basic.c; running it:" >&2
exec build/examples/basic
