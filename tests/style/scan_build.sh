#!/bin/sh
# The clang static analyzer over the server and its plugins, the ones built
# by their own Makefile (actions, datacollect) included: analyze-build runs
# the analyzer alone over the compile commands of an existing build
# (BUILD_DIR/compile_commands.json, which CMakeLists.txt asks CMake for),
# without compiling anything; the tests and the benchmarks are left out.
# NDEBUG is taken out of the commands, so that asserts tell the analyzer
# the invariants.  Any bug report fails; the HTML reports are left in
# OUT_DIR/reports.  (It used to be scan-build over a Debug build of its own:
# the same analysis, plus a whole compile and link, 270 s of the suite.)
# usage: scan_build.sh [SOURCE_DIR [BUILD_DIR [OUT_DIR]]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${1:-$here/../..}" && pwd)
build=$(cd "${2:-$src/build}" && pwd)
out=${3:-$build/scan}
ab=${ANALYZE_BUILD:-$(command -v analyze-build-14 || command -v analyze-build || true)}
[ -n "$ab" ] || { echo "scan_build.sh: analyze-build not found (apt-get install clang-tools-14)"; exit 1; }
clang=$(command -v clang-14 || command -v clang || true)
[ -n "$clang" ] || { echo "scan_build.sh: clang not found (apt-get install clang-14)"; exit 1; }
[ -f "$build/compile_commands.json" ] ||
	{ echo "scan_build.sh: no $build/compile_commands.json (configure and build $build first)"; exit 1; }
rm -rf "$out"
mkdir -p "$out"
# The Makefile plugins' commands, as make would run them (one command
# compiles and links all of a plugin's files).
for mk in "$src"/plugins/*/Makefile; do
	d=$(dirname "$mk")
	echo "$d"
	PKG_CONFIG_PATH=$build/pkgconfig make -n -B -s -C "$d" OUT="$out/so" | grep -E '\.c( |$)' || true
done >"$out/makefile-commands.txt"
python3 - "$src" "$build/compile_commands.json" "$out/makefile-commands.txt" "$out/cdb.json" <<'PY'
import json, shlex, sys, os
src, cdb_in, mk, cdb_out = sys.argv[1:]
keep = (os.path.join(src, "core") + "/", os.path.join(src, "plugins") + "/")
def clean(args):
    return [a for a in args if a != "-DNDEBUG" and not a.startswith("-O")]
out = []
for e in json.load(open(cdb_in)):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if not f.startswith(keep):
        continue
    args = e.get("arguments") or shlex.split(e["command"])
    out.append({"directory": e["directory"], "file": f, "command": " ".join(map(shlex.quote, clean(args)))})
d = None
for line in open(mk):
    line = line.strip()
    if line.startswith("/"):
        d = line
        continue
    args = shlex.split(line)
    files = [a for a in args if a.endswith(".c")]
    flags, skip = [], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a.endswith(".c") or a.startswith(("-l", "-L", "-Wl,")) or a == "-shared":
            continue
        flags.append(a)
    for f in files:
        out.append({"directory": d, "file": os.path.join(d, f),
                    "command": " ".join(map(shlex.quote, [args[0]] + clean(flags) + ["-c", f]))})
if not out:
    sys.exit("scan_build.sh: no command of core/ or plugins/ in " + cdb_in)
json.dump(out, open(cdb_out, "w"), indent=1)
print("scan_build: %d files" % len(out))
PY
if "$ab" --cdb "$out/cdb.json" --use-analyzer "$clang" --status-bugs -o "$out/reports" \
	>"$out/analyze.log" 2>&1; then
	grep -E '^(analyze-build|scan-build)' "$out/analyze.log" || true
	echo "scan_build: no bugs found"
else
	# each report: file:line: what (from the HTML reports' header comments)
	for r in "$out"/reports/*/report-*.html; do
		[ -f "$r" ] || continue
		sed -n 's/^<!-- BUG\(FILE\|LINE\|DESC\) \(.*\) -->$/\2/p' "$r" | paste -sd'|' |
			awk -F'|' '{print $2 ":" $3 ": " $1}'
	done
	grep -E -A4 ': warning: |: error: ' "$out/analyze.log" || tail -30 "$out/analyze.log"
	echo "scan_build: failed (bugs found, or the analyzer broke; see $out/analyze.log and $out/reports)"
	exit 1
fi
