#!/usr/bin/env bash
# Long fuzzing runs of the harnesses in tests/fuzz (the short ones are the
# fuzz_<name> ctests).
#
#   tests/fuzz/run.sh [--time SECONDS] [--jobs N] [--fresh] [NAMES...]
#
#   --time SECONDS  how long each harness fuzzes (default 60)
#   --jobs N        how many harnesses run at once (default 1)
#   --fresh         start from the seeds again instead of the corpus that
#                   earlier runs grew
#   NAMES           harnesses to run (default: all), e.g. request cookie
#
# Builds build-fuzz/ with clang first if needed. Each harness works in
# build-fuzz/fuzz-work/<name>/: corpus/ (the seeds merged into what earlier
# runs found; never the repository's seeds), crashes/ and log. At the end a
# table gives per harness the executions, exec/s, coverage and features,
# corpus size and findings. Exit status 1 if any harness found a crash, a
# leak, a timeout or a broken property; keep such an input in
# tests/fuzz/regressions/<name>/ once it is fixed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$root/build-fuzz"
all=(json form query cookie token voucher ticket config request)

secs=60 jobs=1 fresh=0 names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--time) secs="$2"; shift 2 ;;
	--jobs) jobs="$2"; shift 2 ;;
	--fresh) fresh=1; shift ;;
	-h|--help) sed -n '2,19p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1"); shift ;;
	esac
done
[ "${#names[@]}" -gt 0 ] || names=("${all[@]}")
for n in "${names[@]}"; do
	[ -f "$here/fuzz_$n.c" ] || { echo "run.sh: no harness $n" >&2; exit 2; }
done
[[ "$secs" =~ ^[0-9]+$ && "$jobs" =~ ^[1-9][0-9]*$ ]] ||
	{ echo "run.sh: --time and --jobs take whole numbers" >&2; exit 2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
	CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DSAFEROOM_FUZZ=ON -DSAFEROOM_SANITIZE=ON >/dev/null
fi
targets=()
for n in "${names[@]}"; do targets+=(--target "fuzz_$n"); done
cmake --build "$build" -j2 "${targets[@]}" >/dev/null

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# run_one NAME: fuzz one harness for $secs seconds in its work directory.
run_one() {
	local n="$1" work="$build/fuzz-work/$1"
	[ "$fresh" = 1 ] && rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crashes"
	cp -n "$here/corpus/$n/"* "$work/corpus/" 2>/dev/null || true
	date +%s >"$work/started"
	local args=()
	[ -f "$here/$n.dict" ] && args+=(-dict="$here/$n.dict")
	# ASan's quarantine and caches make a long run's memory creep up (the
	# form and query harnesses pass 1 GB in minutes without leaking): more
	# room than libFuzzer's 2 GB before it calls that a finding.
	"$build/tests/fuzz/fuzz_$n" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$work/crashes/" \
		"${args[@]}" "$work/corpus" "$here/regressions/$n" \
		>"$work/log" 2>&1 || true
}

echo "fuzzing ${names[*]} for ${secs}s each, $jobs at a time; logs in $build/fuzz-work/"
running=0
for n in "${names[@]}"; do
	run_one "$n" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait

found=0
printf '\n%-8s %12s %8s %7s %8s %8s  %s\n' harness execs exec/s cov ft corpus findings
for n in "${names[@]}"; do
	work="$build/fuzz-work/$n" log="$build/fuzz-work/$n/log"
	execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
	rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
	last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
	[ -n "$execs" ] || execs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")"
	cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")"
	ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")"
	corp="$(find "$work/corpus" -type f | wc -l)"
	crashes=()
	while IFS= read -r f; do crashes+=("$f"); done < <(find "$work/crashes" \
		-type f -newer "$work/started" 2>/dev/null | sort)
	if [ "${#crashes[@]}" -gt 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|property broken' "$log"; then
		found=1
		what="${crashes[*]:-see $log}"
	else
		what="none"
	fi
	printf '%-8s %12s %8s %7s %8s %8s  %s\n' "$n" "${execs:-?}" "${rate:-?}" \
		"${cov:-?}" "${ft:-?}" "$corp" "$what"
done
exit "$found"
