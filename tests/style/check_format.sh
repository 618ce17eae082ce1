#!/bin/sh
# Checks that every tracked C source and header is formatted as
# .clang-format says (clang-format --dry-run -Werror); lists the files that
# are not and the first differences in each.  Fix them with format_tree.sh.
# One clang-format process checks every file (one per file took 35 s of the
# suite, nearly all of it starting clang-format 200 times).
# usage: check_format.sh [SOURCE_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
cf=$(sh "$here/clang_format.sh")
cd "$src"
files=$(sh "$here/sources.sh" "$src")
total=$(echo "$files" | wc -l)
out=${TMPDIR:-/tmp}/check_format.$$
# shellcheck disable=SC2086 # one argument per file (no spaces in our paths)
if "$cf" --style=file --dry-run -Werror --ferror-limit=3 $files >"$out" 2>&1; then
	rm -f "$out"
	echo "check_format: $total files formatted as .clang-format says"
	exit 0
fi
# The differences of each file (at most three each, --ferror-limit), then
# the files.
head -200 "$out"
bad=$(grep -E '^[^ :]+:[0-9]+:[0-9]+: (error|warning):' "$out" | cut -d: -f1 | sort -u)
rm -f "$out"
if [ -z "$bad" ]; then
	echo "check_format: clang-format failed without naming a file (see above)"
	exit 1
fi
echo "check_format: $(echo "$bad" | wc -l) of $total files are not formatted as .clang-format says; run tests/style/format_tree.sh:"
echo "$bad" | sed 's/^/  /'
exit 1
