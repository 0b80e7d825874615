#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a profile: installs the
# packages hpcc needs (if missing), builds hpcc, its runtime and benchmarks, compiles the
# seed example through `hpcc gcc` and runs it.  The report goes to stderr.
set -euo pipefail
cd "$(dirname "$0")"
. .ci/deps.sh
hpcc_install_missing "${hpcc_packages[@]}"

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# everything (no --target): hpcc, the runtime's libraries, the benchmarks
# and tests the README runs afterwards (tests/e2e/test_docs.sh checks)
cmake --build build -j"$(nproc)"
mkdir -p build/examples
build/bin/hpcc gcc -O2 -Wall examples/basic/basic.c -o build/examples/basic
echo "+ CC=\"hpcc gcc\" build of examples/basic/basic.c; running it:" >&2
exec build/examples/basic
