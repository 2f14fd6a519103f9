#!/usr/bin/env bash
# The short run of one harness for ctest (tests/fuzz/CMakeLists.txt):
#   ctest.sh HARNESS WORKDIR SECONDS REGRESSIONS CORPUS
# Runs every regression input and seed, then fuzzes for SECONDS. New inputs
# and crash files go to WORKDIR (made afresh), never into the source tree.
# Exit status: libFuzzer's, non-zero on any crash, leak or broken property.
set -euo pipefail

harness="$1" work="$2" secs="$3" regressions="$4" corpus="$5"

# A dictionary beside the seeds, if the harness has one.
dict="$(dirname "$corpus")/../$(basename "$corpus").dict"
args=()
[ -f "$dict" ] && args+=(-dict="$dict")

rm -rf "$work"
mkdir -p "$work/corpus" "$work/crashes"
exec "$harness" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$work/crashes/" "${args[@]}" \
	"$work/corpus" "$regressions" "$corpus"
