#!/bin/sh
# Builds and runs the recording throughput benchmark (release, whole module). Usage: [lines]
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/traction-recording-bench
swiftc -O -wmo -parse-as-library -module-name RecordingBench \
  "$root"/Sources/TractionCore/Model/*.swift "$root"/Sources/TractionCore/Recording/*.swift \
  "$root"/Benchmarks/RecordingBench.swift -o "$out"
"$out" "$@"
