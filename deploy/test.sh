#!/usr/bin/env bash
# The second README command: install what is missing, build, and run every
# test with ctest: the normal build in build/, then an AddressSanitizer
# + UndefinedBehaviorSanitizer build in build-asan/ (browser tests off there),
# then the concurrency tests in a ThreadSanitizer build in build-tsan/, then
# a short run of each libFuzzer harness in build-fuzz/ (clang).
# Every phase always runs; the exit status is non-zero if anything failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs="$(nproc)"
declare -a phase_names=() phase_secs=() phase_status=()
failed=0
total_pass=0
total_fail=0

# phase NAME COMMAND...: runs COMMAND, records its time and status, and
# never stops the script.
phase() {
	local name="$1"; shift
	local t0=$EPOCHREALTIME rc=0
	echo
	echo "=== $name"
	"$@" || rc=$?
	local t1=$EPOCHREALTIME
	phase_names+=("$name")
	phase_secs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')")
	phase_status+=("$rc")
	[ "$rc" -eq 0 ] || failed=1
	return "$rc"
}

# run_ctest DIR [CTEST-ARGS...]: ctest with the output kept, so the totals
# can be summed.
# shellcheck disable=SC2317  # called through phase()
run_ctest() {
	local dir="$1" log rc=0
	shift
	rm -rf "$dir/test-tmp" "$dir/test-artifacts"
	log="$dir/ctest.log"
	ctest --test-dir "$dir" --output-on-failure --no-tests=error -j2 "$@" 2>&1 |
		tee "$log" || rc=$?
	local line
	line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)"
	if [[ "$line" =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
		total_fail=$((total_fail + BASH_REMATCH[1]))
		total_pass=$((total_pass + BASH_REMATCH[2] - BASH_REMATCH[1]))
	fi
	return "$rc"
}

phase "dependencies" bash deploy/deps.sh --test || {
	echo "test.sh: dependencies could not be installed" >&2
	exit 1
}

if phase "build (build/)" bash -c \
	"cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build -j$jobs"; then
	phase "ctest (build/)" run_ctest build || true
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if phase "build (build-asan/, ASan+UBSan)" bash -c \
	"cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAFEROOM_SANITIZE=ON -DSAFEROOM_BROWSER_TESTS=OFF && cmake --build build-asan -j$jobs"; then
	phase "ctest (build-asan/)" run_ctest build-asan || true
fi

# ThreadSanitizer: the tests labelled "concurrency" (worker pool, event
# loops, concurrent bookings and redemptions; see tests/CMakeLists.txt).
# The harness fails a test file whenever a server prints a sanitizer report.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
if phase "build (build-tsan/, TSan)" bash -c \
	"cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAFEROOM_TSAN=ON -DSAFEROOM_BROWSER_TESTS=OFF && cmake --build build-tsan -j$jobs"; then
	phase "ctest (build-tsan/, concurrency)" run_ctest build-tsan -L concurrency || true
fi

# The libFuzzer harnesses (tests/fuzz): each runs its regression inputs and
# seeds, then fuzzes for a few seconds. tests/fuzz/run.sh is for long runs.
if phase "build (build-fuzz/, libFuzzer)" bash -c \
	"CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAFEROOM_FUZZ=ON -DSAFEROOM_SANITIZE=ON && cmake --build build-fuzz -j$jobs"; then
	phase "fuzz (build-fuzz/)" run_ctest build-fuzz -R '^fuzz_' || true
fi

echo
echo "=== timings"
for i in "${!phase_names[@]}"; do
	if [ "${phase_status[$i]}" -eq 0 ]; then s=ok; else s="FAILED (${phase_status[$i]})"; fi
	printf '  %-36s %8ss  %s\n' "${phase_names[$i]}" "${phase_secs[$i]}" "$s"
done
echo
echo "total: $total_pass passed, $total_fail failed"
exit "$failed"
