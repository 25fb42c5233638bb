#!/usr/bin/env bash
# Side-by-side X12 parsing benchmark: the Go edi package against the npm
# packages node-x12 and x12-parser, on the same generated 867 files.
#
#   bench/edi/run.sh [SIZE_MB]        (default 100; a 10 MB file is always run too)
#
# Generates bench/data/867-<N>mb.edi (gitignored) with bench/edi/gen867,
# installs the npm packages from package-lock.json with `npm ci` when
# bench/edi/node_modules is missing, runs the Go benchmarks with one core
# (-cpu 1) and the Node scripts, and prints a table.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
size=${1:-100}
mkdir -p bench/data
files=()
for mb in 10 "$size"; do
	f=bench/data/867-${mb}mb.edi
	[ -f "$f" ] || go run ./bench/edi/gen867 -size "$mb" -out "$f" >&2
	case " ${files[*]-} " in *" $f "*) ;; *) files+=("$f") ;; esac
done
if [ ! -d bench/edi/node_modules ]; then
	(cd bench/edi && npm ci --no-audit --no-fund >&2)
fi
go test -c -o bench/data/edi.test ./edi >&2
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(go version | cut -d' ' -f3), node $(node --version), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| file | implementation | MB/s (median) | seconds (median) | ratio to IndexByte (median) | memory / allocs |\n|---|---|---:|---:|---:|---|\n'
for f in "${files[@]}"; do
	bytes=$(stat -c %s "$f")
	# -cpu 1: one core; 5 passes over the whole file per measurement, 7
	# measurements; the machine is shared, so the median and the best
	# (least disturbed) measurement are both shown.
	out=$(EDI_BENCH_FILE="$f" bench/data/edi.test -test.run '^$' -test.bench 'IndexByte|Reader|Scanner' -test.benchtime 5x -test.count 7 -test.cpu 1 -test.benchmem)
	echo "$out" | grep '^Benchmark' >"bench/data/go-$(basename "$f").txt"
	summary=$(echo "$out" | awk '
		/^Benchmark/ {
			name=$1; sub(/^Benchmark/, "", name)
			for (i=1;i<=NF;i++) { if ($(i+1)=="MB/s") mbs=$i; if ($(i+1)=="allocs/op") al=$i; if ($(i+1)=="B/op") bo=$i; if ($(i+1)=="segments/op") sg=$i }
			n[name]++; v[name, n[name]]=mbs; alloc[name]=al; bytes[name]=bo; segs[name]=sg
		}
		END {
			for (name in n) {
				# sort the measurements (insertion sort, small n)
				for (i=2;i<=n[name];i++) { x=v[name,i]; j=i-1; while (j>=1 && v[name,j]>x) { v[name,j+1]=v[name,j]; j-- } v[name,j+1]=x }
				med=v[name, int((n[name]+1)/2)]; best=v[name, n[name]]
				print name, med, best, alloc[name], bytes[name], segs[name]
			}
		}')
	base=$(echo "$summary" | awk '$1=="IndexByte" {print $2}')
	basebest=$(echo "$summary" | awk '$1=="IndexByte" {print $3}')
	for name in IndexByte Reader Scanner; do
		echo "$summary" | awk -v name="$name" -v f="$(basename "$f")" -v base="$base" -v basebest="$basebest" -v bytes="$bytes" '
			$1==name {
				impl = (name=="IndexByte") ? "Go bytes.IndexByte pass (ceiling)" : (name=="Reader") ? "Go edi.Reader (segments + elements)" : "Go edi.Scanner (+ envelopes, 867 definition, every element)"
				printf "| %s | %s | %.0f (best %.0f) | %.3f | %.2fx (best-to-best %.2fx) | %s allocs/op for %s segments (%s B/op) |\n", f, impl, $2, $3, bytes/$2/1e6, base/$2, basebest/$3, $4, $6, $5
			}'
	done
	# The Reader and the IndexByte pass interleaved in one benchmark (each
	# iteration runs one pass of each, alternating the order), so that both
	# see the same machine load: the ratio of the total times and of the
	# fastest passes, 5 measurements of 5 pass pairs.
	ratios=$(EDI_BENCH_FILE="$f" bench/data/edi.test -test.run '^$' -test.bench 'Ratio' -test.benchtime 5x -test.count 5 -test.cpu 1 | awk '
		/^BenchmarkRatio/ { for (i=1;i<=NF;i++) { if ($(i+1)=="ratio") r=r " " $i; if ($(i+1)=="best-ratio") b=b " " $i } }
		END { print r "|" b }')
	echo "| $(basename "$f") | interleaved Reader / IndexByte ratio, 5 runs | | | ${ratios%%|*} (best-pass ratios:${ratios#*|}) | |"
	for lib in x12-parser node-x12; do
		if res=$(node --max-old-space-size=8192 bench/edi/node/bench.js "$f" "$lib" 2>&1); then
			echo "$res" | node -e '
				const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
				const base = parseFloat(process.argv[1]), f = process.argv[2];
				console.log(`| ${f} | npm ${r.lib} | ${r.mb_per_s.toFixed(1)} | ${r.seconds.toFixed(3)} | ${(base / r.mb_per_s).toFixed(1)}x | max RSS ${r.max_rss_mb.toFixed(0)} MB, ${r.segments} segments |`);
			' "$base" "$(basename "$f")"
		else
			echo "| $(basename "$f") | npm $lib | failed | | | $(echo "$res" | grep -m1 -E 'Error|error' | cut -c1-120) |"
		fi
	done
done
