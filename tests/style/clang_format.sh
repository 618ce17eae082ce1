#!/bin/sh
# Finds the clang-format the project's .clang-format is tuned for and prints
# its path: $CLANG_FORMAT, else clang-format-14 (Debian 12), else
# clang-format.  Another major version lays some lines out differently, so
# it is named on stderr.
set -eu
cf=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format || true)}
if [ -z "$cf" ]; then
	echo "clang-format not found: apt-get install clang-format-14" >&2
	exit 1
fi
case $("$cf" --version) in
*" version 14."*) ;;
*) echo "note: $("$cf" --version) is not clang-format 14, which .clang-format is tuned for" >&2 ;;
esac
echo "$cf"
