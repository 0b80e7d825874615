#!/usr/bin/env bash
# Runs the whole hpcc test suite: installs what is missing, builds with
# -Werror, runs every CTest test, builds the fuzz harnesses, then the
# runtime tests again under AddressSanitizer and ThreadSanitizer, and hpcc
# itself under AddressSanitizer+UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")"
. .ci/deps.sh
hpcc_install_missing "${hpcc_packages[@]}" "${hpcc_test_packages[@]}"

jobs=$(nproc)
cmake -S . -B build -DHPCC_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest -j"$jobs" --output-on-failure)

# The libFuzzer harnesses keep compiling and linking (build only: fuzzing
# itself is tests/fuzz/run.sh, and their inputs replay in hpcc_test_fuzz_regress).
CC=clang cmake -S . -B build-fuzz -DHPCC_WERROR=ON -DHPCC_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_build

for san in address thread; do
	cmake -S . -B "build-$san" -DHPCC_WERROR=ON -DHPCC_SANITIZE="$san" >/dev/null
	cmake --build "build-$san" -j"$jobs"
	(cd "build-$san" && ctest -j"$jobs" --output-on-failure -L sanitize)
done

# hpcc itself under ASan+UBSan (the runtime it links into the programs the
# tests build stays plain): its unit tests and the end-to-end tests that
# exercise the wrapper most (label wrapper-san, tests/e2e/CMakeLists.txt).
cmake -S . -B build-hsan -DHPCC_WERROR=ON -DHPCC_SANITIZE_HPCC=address,undefined >/dev/null
cmake --build build-hsan -j"$jobs"
(cd build-hsan && ctest -j"$jobs" --output-on-failure -L wrapper-san)
