#!/bin/sh
# Prints the C sources and headers that the style and static-analysis
# checks cover, one per line, relative to SOURCE_DIR: the tracked *.c and
# *.h files (git ls-files), or every such file under the project's folders
# when SOURCE_DIR is not a git checkout.  Fuzzing inputs are data, not code.
# usage: sources.sh SOURCE_DIR
set -eu
cd "$1"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -- '*.c' '*.h'
else
	find bench core include plugins tests -name node_modules -prune -o \
		\( -name '*.c' -o -name '*.h' \) -print
fi | grep -v -E '^tests/fuzz/(corpus|regressions)/' | sort
