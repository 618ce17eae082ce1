#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz in the sanitized tree
# (../asan_tree.sh: clang, -fsanitize=fuzzer,address,undefined for the
# targets, the core and the plugins built with
# -fsanitize=fuzzer-no-link,address,undefined for coverage; the suite's
# sanitized_build entry has built it already), replays the regression
# inputs, then runs each target for FUZZ_SECONDS (default 20) from its seed
# corpus with its dictionary.  Fails on any finding; the crashing input is
# left in BUILD_DIR/findings/<target>/.
#
# usage: run_fuzz.sh [SOURCE_DIR [BUILD_DIR]]
#   a longer run: FUZZ_SECONDS=3600 tests/fuzz/run_fuzz.sh
#   only some targets: FUZZ_TARGETS="envelope config" tests/fuzz/run_fuzz.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$(cd "$here/../.." && pwd)}
build=${2:-$src/build/asan}
seconds=${FUZZ_SECONDS:-20}
targets=${FUZZ_TARGETS:-envelope config dispatch}

# The whole tree (the dispatcher target loads the plugins): one make over
# every target checks a tree built already in seconds, where naming the
# targets one by one took make 14 s.
sh "$here/../asan_tree.sh" "$src" "$build"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
status=0
for t in $targets; do
	bin=$build/tests/fuzz/fuzz_$t
	corpus=$build/corpus/$t
	findings=$build/findings/$t
	mkdir -p "$corpus" "$findings"
	# Regressions first: every file under tests/fuzz/regressions/<target>/
	# must run clean (they are fixed findings, kept for ever).
	if [ -d "$here/regressions/$t" ] && [ -n "$(ls -A "$here/regressions/$t")" ]; then
		echo "== fuzz_$t: replaying regressions"
		if ! "$bin" -runs=1 "$here/regressions/$t"/* >"$findings/regressions.log" 2>&1; then
			tail -60 "$findings/regressions.log"
			echo "fuzz_$t: a regression input fails again"
			status=1
			continue
		fi
	fi
	echo "== fuzz_$t: ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -max_len=8192 \
		-print_final_stats=1 -dict="$here/$t.dict" -artifact_prefix="$findings/" \
		"$corpus" "$here/corpus/$t" >"$findings/run.log" 2>&1; then
		tail -80 "$findings/run.log"
		echo "fuzz_$t: FINDING, input saved in $findings/ (copy it to tests/fuzz/regressions/$t/)"
		status=1
	else
		grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$findings/run.log" | tr '\n' ' '
		echo
	fi
done
[ $status -eq 0 ] && echo "fuzzing: no findings"
exit $status
