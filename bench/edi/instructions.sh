#!/usr/bin/env bash
# Instructions executed (valgrind callgrind, user space, all threads) by one
# run of BenchmarkReader, BenchmarkScanner, BenchmarkValidateParallel and
# BenchmarkValidateParallelReadingSide (where the version has it) on
# FILE, for the working tree and for the commit BASE. Unlike times, these
# counts do not depend on what else the machine runs, so two versions can be
# compared on a busy machine (the garbage collector is off: its background
# work would vary with timing). Each count includes the test binary's start and
# the reading of FILE (the same for every benchmark), and is about 50 times
# slower to take than the run itself: use a file of a few MB.
#
#   bench/edi/instructions.sh FILE [BASE]     (BASE defaults to main)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
file=$(realpath "$1")
base=${2:-main}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
go test -c -o "$tmp/head.test" ./edi
mkdir "$tmp/base"
git archive "$base" | tar -x -C "$tmp/base"
(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./edi)
echo "file $(basename "$file"), $(stat -c %s "$file") bytes; base $base ($(git rev-parse --short "$base")), head $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + changes')"
printf '| benchmark | %s | head | head ÷ base |\n|---|---:|---:|---:|\n' "$base"
for bench in Reader Scanner ValidateParallel ValidateParallelReadingSide; do
	count() {
		if [ -z "$("$1" -test.list "^Benchmark$bench\$")" ]; then
			echo n/a # not in that version
			return
		fi
		GOGC=off GODEBUG=asyncpreemptoff=1 EDI_BENCH_FILE="$file" valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
			"$1" -test.run '^$' -test.bench "^Benchmark$bench\$" -test.benchtime 1x -test.cpu 2 2>&1 |
			awk '/refs:/ { gsub(/,/, "", $NF); print $NF }'
	}
	a=$(count "$tmp/base.test")
	b=$(count "$tmp/head.test")
	r=n/a
	if [ "$a" != n/a ] && [ "$b" != n/a ]; then r=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b/a}'); fi
	printf '| %s | %s | %s | %s |\n' "$bench" "$a" "$b" "$r"
done
