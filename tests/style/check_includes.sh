#!/bin/sh
# The core's modules must form layers: no circle among them.
#
# A module is a name in core/: foo.c and foo.h together (a header without
# its .c, such as context.h, is a module of its own).  Module A depends on
# module B when a file of A has #include "B.h".  This script builds that
# graph, prints it by layer (a module's layer is one above the highest of
# its dependencies) and exits 1, naming the circle, when there is one.
#
# With the core's static library as second argument it also checks what
# the headers cannot show: the graph of calls between the object files
# (A calls a function B defines, read with nm), which must have no circle
# either, so a function declared in one module's header but defined in
# another's file cannot hide a circle.
#
# usage: check_includes.sh CORE_DIR [LIBACCORD_CORE.a]
#        check_includes.sh --self-test   (the check finds circles it must)
set -eu

# Reads "from to" edges on stdin; prints the layers, or the circle and
# exits 1.  $1 names the graph in messages.
layers() {
	out=$(awk -v what="$1" '
	{
		if ($1 == $2)
			next
		nodes[$1] = 1
		nodes[$2] = 1
		if (!(($1, $2) in seen)) {
			seen[$1, $2] = 1
			deps[$1] = deps[$1] " " $2
		}
	}
	# 0 unvisited, 1 on the path, 2 done
	function visit(n,    i, k, list, d) {
		if (state[n] == 2)
			return 0
		if (state[n] == 1) {
			cyc = n
			for (i = depth; i >= 1 && path[i] != n; i--)
				cyc = path[i] " -> " cyc
			cyc = n " -> " cyc
			return 1
		}
		state[n] = 1
		path[++depth] = n
		level[n] = 0
		k = split(deps[n], list, " ")
		for (i = 1; i <= k; i++) {
			d = list[i]
			if (visit(d))
				return 1
			if (level[d] + 1 > level[n])
				level[n] = level[d] + 1
		}
		depth--
		state[n] = 2
		return 0
	}
	END {
		for (n in nodes)
			if (visit(n)) {
				print what ": circle " cyc > "/dev/stderr"
				exit 1
			}
		for (n in nodes)
			print level[n], n
	}') || return 1
	# one line per layer, its names sorted, for a stable listing
	printf '%s\n' "$out" | sort -k1,1n -k2,2 | awk -v what="$1" '
	NR == 1 || $1 != layer { if (NR > 1) print line; layer = $1; line = what " layer " $1 ":" }
	{ line = line " " $2 }
	END { if (NR) print line }'
}

# The include graph of the directory $1.
include_edges() {
	# the files of the directory, so that only its own headers count
	# (not accord/plugin.h and the like)
	files=$(cd "$1" && ls)
	(cd "$1" && awk -v files="$files" '
	BEGIN {
		n = split(files, f, "\n")
		for (i = 1; i <= n; i++)
			here[f[i]] = 1
	}
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		inc = $0
		sub(/^[^"]*"/, "", inc)
		sub(/".*/, "", inc)
		if (!(inc in here))
			next
		m = FILENAME
		sub(/\.[ch]$/, "", m)
		sub(/\.[ch]$/, "", inc)
		print m, inc
	}' *.c *.h 2>/dev/null)
}

# The call graph between the members of the archive $1.
call_edges() {
	nm -A "$1" 2>/dev/null | awk '
	{
		# "lib.a:member.c.o:  U name" or "lib.a:member.c.o:0000 T name"
		split($1, parts, ":")
		m = parts[2]
		sub(/\.c\.o$/, "", m)
		sub(/\.o$/, "", m)
		if ($2 == "U")
			use[m, $3] = 1
		else if ($2 ~ /^[TDRBCG]$/)
			def[$3] = m
	}
	END {
		for (key in use) {
			split(key, k, SUBSEP)
			if (k[2] in def && def[k[2]] != k[1])
				print k[1], def[k[2]]
		}
	}'
}

check() {
	dir=$1
	status=0
	edges=$(include_edges "$dir")
	printf '%s\n' "$edges" | layers includes || status=1
	if [ $# -ge 2 ]; then
		edges=$(call_edges "$2")
		[ -n "$edges" ] || { echo "calls: no symbols read from $2" >&2; exit 1; }
		printf '%s\n' "$edges" | layers calls || status=1
	fi
	return $status
}

if [ "${1:-}" = "--self-test" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	touch "$tmp/a.h" "$tmp/b.h"
	printf '#include "b.h"\n' >"$tmp/a.c"
	printf '#include "c.h"\n' >"$tmp/b.c"
	printf '#include "accord/plugin.h"\n' >"$tmp/c.h"
	check "$tmp" >/dev/null || { echo "self-test: a layered graph was refused"; exit 1; }
	printf '#include "a.h"\n' >"$tmp/c.c" # c -> a -> b -> c
	if check "$tmp" 2>"$tmp/err" >/dev/null; then
		echo "self-test: the circle a -> b -> c -> a was not found"
		exit 1
	fi
	grep -q 'circle' "$tmp/err" || { echo "self-test: no circle named"; exit 1; }
	cat "$tmp/err"
	echo "self-test: ok"
	exit 0
fi

[ $# -ge 1 ] || { echo "usage: $0 CORE_DIR [LIBACCORD_CORE.a] | --self-test" >&2; exit 2; }
check "$@"
