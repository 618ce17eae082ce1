#!/bin/sh
# Builds Accord with AddressSanitizer + UndefinedBehaviorSanitizer in its own
# build folder (asan_tree.sh: clang, the tree the fuzzers use too) and runs
# the whole test suite against that build, but for the
# browser tests: they drive the web client through the same requests the
# integration tests send, and under ASan they cost minutes of CI for no
# server path of their own.  Fails if
# any test fails or any sanitizer wrote a report (leaks included).
# The integration tests labelled plain_only (tests/CMakeLists.txt: they
# time answers or kill servers, over code other tests walk too) run on the
# plain build only.
# Two tests at a time (-j2: under the sanitizers they are bound by the
# CPU; -j4 made the run longer), but for those marked RUN_SERIAL in
# tests/CMakeLists.txt (memory, killed servers, races), which run alone.
# usage: sanitized_suite.sh SOURCE_DIR BUILD_DIR [--build-only]
set -eu
src=$1 build=$2
logs=$build/sanitizer-logs
sh "$(dirname "$0")/asan_tree.sh" "$src" "$build"
[ "${3:-}" = "--build-only" ] && exit 0
rm -rf "$logs" && mkdir -p "$logs"
# Plugins stay mapped at exit so that leak reports can name their code.
ACCORD_KEEP_PLUGINS_LOADED=1 ACCORD_CRASH_LOOPS=20 \
ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1" \
UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=0" \
	ctest --test-dir "$build" --output-on-failure -j2 -E '^(sanitized_suite|browser_.*)$' -LE plain_only
if [ -n "$(ls -A "$logs")" ]; then
	echo "sanitizer reports:"
	cat "$logs"/*
	exit 1
fi
echo "sanitized suite: no sanitizer reports"
