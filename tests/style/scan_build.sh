#!/bin/sh
# The clang static analyzer (scan-build) over the server and its plugins,
# the actions plugin included (its Makefile's $(CC) is the analyzer's too),
# built in a folder of their own: target accord and what it depends on,
# neither the tests nor the benchmarks.  A Debug build, so that asserts
# tell the analyzer the invariants.  Any bug report fails; the HTML reports
# are left in BUILD_DIR/reports.
# usage: scan_build.sh [SOURCE_DIR [BUILD_DIR]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
build=${2:-$src/build-scan}
sb=${SCAN_BUILD:-$(command -v scan-build-14 || command -v scan-build || true)}
[ -n "$sb" ] || { echo "scan_build.sh: scan-build not found (apt-get install clang-tools-14)"; exit 1; }
# A fresh tree each time: scan-build analyses only what it sees compiled.
rm -rf "$build"
mkdir -p "$build"
# The compiler stays the project's (cc); clang only analyses.
set -- --status-bugs -o "$build/reports"
"$sb" "$@" cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DACCORD_TESTS=OFF \
	>"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
if "$sb" "$@" cmake --build "$build" -j2 --target accord >"$build/build.log" 2>&1; then
	grep -E '^scan-build: ' "$build/build.log" || true
	echo "scan_build: no bugs found"
else
	grep -E -A4 ': warning: |: error: ' "$build/build.log" || true
	grep -E '^scan-build: ' "$build/build.log" || tail -30 "$build/build.log"
	echo "scan_build: failed (bugs found, or the build broke; see $build/build.log)"
	exit 1
fi
