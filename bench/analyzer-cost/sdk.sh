#!/usr/bin/env bash
# UringSafe's analyzers against the SDK's own (NetAnalyzers, default rules), in one process, on the compilation a real
# build makes: generates the project (generate.py METHODS [PLAIN]), builds it once with -v:n to take the csc command line
# that `dotnet build` passes (sources, references, /analyzerconfig with the SDK's default AnalysisLevel globalconfig,
# /analyzer), then runs `compare --build` on it (compare/BuildMode.cs). Extra arguments (UringSafe.Analyzers.dll builds)
# replace the UringSafe build on the command line, for before/after in the same rounds.
# Usage: bench/analyzer-cost/sdk.sh ROUNDS METHODS [PLAIN] [-- UringSafe.Analyzers.dll ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rounds="$1"; methods="$2"; shift 2
plain=""
if [[ $# -gt 0 && "$1" != "--" ]]; then plain="$1"; shift; fi
[[ $# -gt 0 && "$1" == "--" ]] && shift
python3 "$here/generate.py" "$methods" $plain
project="$here/out/AnalyzerCost.csproj"
log="$here/out/csc-build.log"
dotnet build "$project" -c Release -nologo --no-incremental -v:n -p:UringSafeAnalyzers=true >"$log" 2>&1
# The Csc task's command line for AnalyzerCost (the only one naming its generated editorconfig).
grep -E '/Roslyn/bincore/csc(\.dll)? .*AnalyzerCost\.GeneratedMSBuildEditorConfig' "$log" | tail -1 >"$here/out/csc.cmdline"
[[ -s "$here/out/csc.cmdline" ]] || { echo "no csc command line in $log" >&2; exit 1; }
echo "load: $(uptime)"
dotnet build "$here/compare" -c Release -nologo -v q >/dev/null
dotnet "$here/compare/bin/Release/net10.0/AnalyzerCostCompare.dll" --build "$rounds" "$here/out/csc.cmdline" "$here/out" "$@"
echo "load: $(uptime)"
