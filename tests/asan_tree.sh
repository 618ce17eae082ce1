#!/bin/sh
# Configures and builds the one sanitized tree that the suite uses twice:
# clang, AddressSanitizer + UndefinedBehaviorSanitizer, and the coverage
# hooks of libFuzzer (-fsanitize=fuzzer-no-link) with the fuzzing targets of
# tests/fuzz (ACCORD_FUZZ=ON).  sanitized_suite.sh runs the tests against it
# and run_fuzz.sh runs its fuzzers; one tree instead of two saves a whole
# sanitized build of the server and the plugins (about 100 s of the suite).
# usage: asan_tree.sh SOURCE_DIR BUILD_DIR [TARGET...]   (no target: all)
set -eu
src=$1 build=$2
shift 2
cc=${ASAN_CC:-$(command -v clang-14 || command -v clang || true)}
[ -n "$cc" ] || { echo "asan_tree.sh: clang not found (apt-get install clang-14)"; exit 1; }
mkdir -p "$build"
# Configured once (cmake --build configures again by itself when a
# CMakeLists.txt changes); a tree configured otherwise (gcc, no fuzzers) is
# configured anew.
if ! grep -q '^ACCORD_FUZZ:[A-Z]*=ON$' "$build/CMakeCache.txt" 2>/dev/null ||
	! grep -q "^CMAKE_C_COMPILER:[A-Z]*=$cc\$" "$build/CMakeCache.txt"; then
	rm -f "$build/CMakeCache.txt"
	cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER="$cc" -DACCORD_SANITIZE=ON -DACCORD_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link -g -O1" \
		>"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
fi
[ $# -eq 0 ] || set -- --target "$@"
cmake --build "$build" -j2 "$@" >"$build/build.log" 2>&1 ||
	{ grep -E -A3 ': error: ' "$build/build.log" | head -60; tail -20 "$build/build.log"; exit 1; }
