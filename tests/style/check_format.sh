#!/bin/sh
# Checks that every tracked C source and header is formatted as
# .clang-format says (clang-format --dry-run -Werror); lists the files that
# are not and the first differences in each.  Fix them with format_tree.sh.
# usage: check_format.sh [SOURCE_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
cf=$(sh "$here/clang_format.sh")
cd "$src"
bad=0 total=0
for f in $(sh "$here/sources.sh" "$src"); do
	total=$((total + 1))
	if ! "$cf" --style=file --dry-run -Werror --ferror-limit=3 "$f" 2>"${TMPDIR:-/tmp}/check_format.$$"; then
		bad=$((bad + 1))
		head -20 "${TMPDIR:-/tmp}/check_format.$$"
	fi
done
rm -f "${TMPDIR:-/tmp}/check_format.$$"
if [ "$bad" -ne 0 ]; then
	echo "check_format: $bad of $total files are not formatted as .clang-format says; run tests/style/format_tree.sh"
	exit 1
fi
echo "check_format: $total files formatted as .clang-format says"
