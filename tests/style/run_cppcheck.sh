#!/bin/sh
# cppcheck over the server, the plugins, the SDK headers and the tests'
# C code, every preprocessor configuration (--force); any finding fails.
# A false positive is suppressed at its line, with the reason:
#   // cppcheck-suppress <id> -- why this is not a bug
# usage: run_cppcheck.sh [SOURCE_DIR [BUILD_DIR]]   (BUILD_DIR keeps the
#   analysis cache, so a second run checks only what changed)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
cache=${2:-}
command -v cppcheck >/dev/null || { echo "run_cppcheck.sh: cppcheck not found (apt-get install cppcheck)"; exit 1; }
cd "$src"
files=$(sh "$here/sources.sh" "$src" | grep -E '^(core|plugins|include|tests)/.*\.c$')
set -- --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
	--std=c11 -D_GNU_SOURCE --force -j2 -q \
	--library=posix --library=gnu --library=sqlite3 --library="$here/jansson.cfg" \
	-Iinclude -Icore --template='{file}:{line}: {severity}: {message} [{id}]'
if [ -n "$cache" ]; then
	mkdir -p "$cache"
	set -- "$@" --cppcheck-build-dir="$cache"
fi
cppcheck --version
# A finding fails the run whatever cppcheck's exit status says: the
# whole-program (CTU) findings of its last step are printed without
# setting it (cppcheck 2.10 with -j).
out=${TMPDIR:-/tmp}/run_cppcheck.$$
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086
cppcheck "$@" $files >"$out" 2>&1 && rc=0 || rc=$?
cat "$out"
if [ "$rc" -eq 0 ] && ! grep -q -E '^[^ :]+:[0-9]+: (error|warning|style|performance|portability|information): ' "$out"; then
	echo "cppcheck: no findings in $(echo "$files" | wc -l) files"
else
	echo "cppcheck: findings above (fix them, or suppress a false positive at its line)"
	exit 1
fi
