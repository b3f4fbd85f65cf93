#!/usr/bin/env bash
# What UringSafe's analyzers add to compile time: generates a project of N async methods that lend buffers to UringSafe
# operations (generate.py), then compiles it RUNS times with and without the analyzers, alternating, and prints the
# medians of the wall-clock time of `dotnet build` and of the Csc task, and UringSafe's share of analyzer time as
# -p:ReportAnalyzer=true reports it. Usage: bench/analyzer-cost/run.sh [RUNS=5] [METHODS=1000]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${1:-5}"
methods="${2:-1000}"
project="$here/out/AnalyzerCost.csproj"
logs="$here/out/logs"

python3 "$here/generate.py" "$methods"
mkdir -p "$logs"
# Restore and build the dependencies (runtime, analyzers) once; the timed builds compile only the generated project.
dotnet build "$project" -c Release -nologo -v q -p:UringSafeAnalyzers=true >/dev/null
dotnet build "$project" -c Release -nologo -v q -p:UringSafeAnalyzers=false >/dev/null

build() { # $1 = true|false, $2 = run number; prints "wall_seconds csc_seconds"
  local log="$logs/$1-$2.log" start end
  start=$(date +%s.%N)
  dotnet build "$project" -c Release -nologo --no-restore --no-dependencies --no-incremental \
    -p:UringSafeAnalyzers="$1" -p:ReportAnalyzer=true -v:d -clp:PerformanceSummary >"$log" 2>&1
  end=$(date +%s.%N)
  local csc
  csc=$(grep -E '^\s+[0-9]+ ms\s+Csc\s+[0-9]+ calls' "$log" | awk '{print $1/1000}' | tail -1)
  echo "$(echo "$end - $start" | bc -l) ${csc:-0}"
}

for i in $(seq 1 "$runs"); do
  for mode in true false; do
    read -r wall csc < <(build "$mode" "$i")
    echo "$mode $wall $csc" >>"$logs/times.txt.$$"
    echo "run $i analyzers=$mode: build ${wall}s, Csc ${csc}s" >&2
  done
done

python3 - "$logs/times.txt.$$" "$logs" <<'PY'
import re, statistics, sys, glob
rows = [line.split() for line in open(sys.argv[1])]
def med(mode, col): return statistics.median(float(r[col]) for r in rows if r[0] == mode)
on_wall, off_wall, on_csc, off_csc = med("true", 1), med("false", 1), med("true", 2), med("false", 2)
# ReportAnalyzer: per-assembly analyzer time in the builds with the analyzers.
uring = []
for log in glob.glob(sys.argv[2] + "/true-*.log"):
    text = open(log).read()
    m = re.search(r"^\s+([0-9.]+)\s+\d+\s+UringSafe\.Analyzers,", text, re.M)
    total = re.search(r"Total analyzer execution time: ([0-9.]+) seconds", text)
    if m and total:
        uring.append((float(m.group(1)), float(total.group(1))))
print(f"| | with UringSafe analyzers | without | added |")
print(f"| --- | --- | --- | --- |")
print(f"| dotnet build wall clock (median of {len(rows)//2}) | {on_wall:.2f} s | {off_wall:.2f} s | {100*(on_wall/off_wall-1):+.1f}% |")
print(f"| Csc task (median) | {on_csc:.2f} s | {off_csc:.2f} s | {100*(on_csc/off_csc-1):+.1f}% |")
if uring:
    print(f"| UringSafe.Analyzers time per ReportAnalyzer (median) | {statistics.median(u for u, _ in uring):.3f} s of {statistics.median(t for _, t in uring):.3f} s for all analyzers | | |")
PY
rm -f "$logs/times.txt.$$"
