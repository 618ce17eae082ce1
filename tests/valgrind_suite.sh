#!/bin/sh
# Runs integration suites with the server under valgrind memcheck (through
# the harness's ACCORD_WRAPPER hook) and fails on any valgrind error,
# definite leaks included, or any failing test.
# usage: valgrind_suite.sh SOURCE_DIR BUILD_DIR [SUITE...]
#   (default suites: membership consensus groups portal; ctest runs
#   consensus, the busiest C: every suite runs under ASan)
set -eu
src=$1 build=$2
shift 2
suites=${*:-membership consensus groups portal}
command -v valgrind >/dev/null || { echo "valgrind_suite: valgrind is not installed (apt-get install valgrind)"; exit 1; }
logs=$build/valgrind-logs
rm -rf "$logs" && mkdir -p "$logs"
export ACCORD_BIN=$build/accord ACCORD_PLUGIN_DIR=$build/plugins ACCORD_SOURCE_DIR=$src
# Plugins stay mapped at exit so that leak reports can name their code.
export ACCORD_KEEP_PLUGINS_LOADED=1
export ACCORD_WRAPPER="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=no --num-callers=30 --log-file=$logs/vg-%p.log"
status=0
cd "$src/tests/integration"
for s in $suites; do
	echo "== $s under valgrind"
	node --test "$s.test.js" >"$logs/$s.out" 2>&1 || { tail -40 "$logs/$s.out"; echo "valgrind_suite: $s failed"; status=1; }
done
n=0
for f in "$logs"/vg-*.log; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if grep -q "ERROR SUMMARY: [1-9]" "$f"; then
		echo "valgrind errors in $f:"
		cat "$f"
		status=1
	fi
done
[ "$n" -gt 0 ] || { echo "valgrind_suite: no valgrind logs: the server did not run under valgrind"; exit 1; }
complete=$(grep -l "ERROR SUMMARY" "$logs"/vg-*.log | wc -l)
echo "valgrind_suite: $n server processes under valgrind ($complete exited and reported)"
[ $status -eq 0 ] && echo "valgrind_suite: no valgrind errors"
exit $status
