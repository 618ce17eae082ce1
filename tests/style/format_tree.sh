#!/bin/sh
# Formats every tracked C source and header in place with .clang-format
# (the same files check_format.sh checks), then says how many changed.
# usage: format_tree.sh [SOURCE_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
cf=$(sh "$here/clang_format.sh")
cd "$src"
# shellcheck disable=SC2046
"$cf" --style=file -i $(sh "$here/sources.sh" "$src")
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git diff --stat -- '*.c' '*.h' | tail -1
fi
