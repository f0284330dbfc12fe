#!/usr/bin/env bash
# Inclination estimator vs VQF (real-time, 6D, default parameters) on the same BROAD files, in one
# go: accuracy (inclination RMSE per trial and mean, scored as shared/datasets/broad/README.md) and
# single-core throughput (best of several runs over the same samples, parsing excluded).
#
# Usage: Benchmarks/fusion-vs-vqf.sh [BROAD_DIR] [--runs N]
#   BROAD_DIR defaults to $TRACTION_SHARED/datasets/broad, else <repo>/../shared/datasets/broad.
# Needs python3 with venv and network access for the first `pip install vqf numpy` into
# .bench/venv (git-ignored). Builds `traction` in release mode.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The lead's checkout sits beside shared/; a helper worktree one level deeper.
if [ -n "${TRACTION_SHARED:-}" ]; then shared="$TRACTION_SHARED"
elif [ -d "$root/../shared" ]; then shared="$root/../shared"
else shared="$root/../../shared"; fi
dir="$shared/datasets/broad"
runs=20
# BROAD's IMU latency, BROADTrial.imuLatency (the default of `traction eval orientation --latency`).
latency=0.0025
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) dir="$1"; shift ;;
  esac
done
[ -d "$dir" ] || { echo "error: no BROAD directory at $dir" >&2; exit 1; }

cd "$root"
echo "== building traction (release)" >&2
swift build -c release --product traction >&2
bin="$(swift build -c release --show-bin-path)/traction"

venv="$root/.bench/venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv" >&2
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import vqf, numpy" 2>/dev/null || "$venv/bin/pip" install -q vqf numpy >&2

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Throughput input: the trials' IMU samples one after another, repeated up to 1,000,000 samples
# (the size of the reference figures in shared/reference/fusion.md), written once as a BROAD-style
# CSV both sides read.
bench_file="$root/.bench/broad-1M.csv"
if [ ! -s "$bench_file" ]; then
  echo "== writing $bench_file" >&2
  "$venv/bin/python" - "$dir" "$bench_file" <<'PY'
import glob, os, sys
import numpy as np
src, out = sys.argv[1], sys.argv[2]
parts = [np.loadtxt(p, delimiter=",", skiprows=1, usecols=range(1, 7))
         for p in sorted(glob.glob(os.path.join(src, "*.csv")))]
data = np.concatenate(parts)
data = np.tile(data, (1_000_000 // len(data) + 1, 1))[:1_000_000]
t = np.arange(len(data)) * 0.0035
np.savetxt(out + ".tmp", np.column_stack([t, data]), delimiter=",", fmt="%.7g",
           header="t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z", comments="")
os.replace(out + ".tmp", out)
PY
fi
# Also one trial file as it is: its runs are short enough to dodge preemption on a busy machine.
small_file="$(ls "$dir"/*.csv | head -n 1)"
echo "== ours: eval, and bench best of $runs" >&2
"$bin" eval orientation "$dir" --json > "$tmp/ours_eval.json"
"$bin" eval orientation "$dir" --json --latency 0 > "$tmp/ours_eval_nolat.json"
"$bin" bench fusion --data "$bench_file" --runs "$runs" --json > "$tmp/ours_bench.json"
"$bin" bench fusion --data "$small_file" --runs "$runs" --json > "$tmp/ours_bench_small.json"
echo "== VQF: updateBatch on the same files" >&2
"$venv/bin/python" "$root/Benchmarks/vqf_peer.py" --dir "$dir" --bench-file "$bench_file" --bench-file "$small_file" --runs "$runs" \
  --latency "$latency" > "$tmp/vqf.json"

"$venv/bin/python" - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
ours = json.load(open(os.path.join(tmp, "ours_eval.json")))
nolat = {t["name"]: t["rmse_deg"] for t in json.load(open(os.path.join(tmp, "ours_eval_nolat.json")))["trials"]}
nolat_mean = sum(nolat.values()) / len(nolat)
ours_rates = [json.load(open(os.path.join(tmp, f)))["samples_per_s"]
              for f in ("ours_bench.json", "ours_bench_small.json")]
vqf = json.load(open(os.path.join(tmp, "vqf.json")))
peer = {t["name"]: t["rmse_deg"] for t in vqf["trials"]}
peer_lat = {t["name"]: t["rmse_deg_latency"] for t in vqf["trials"]}
print("inclination RMSE [deg]. ours: traction's InclinationFilter predicting by BROAD's IMU latency (the")
print("eval default); VQF: real-time 6D, defaults; lat=0: ours without prediction; VQF+lat: VQF's")
print("output with the same prediction; diff: ours - VQF")
print(f"{'trial':46} {'ours':>7} {'VQF':>7} {'diff':>7} {'lat=0':>7} {'VQF+lat':>7}")
worst = -1e9
for t in ours["trials"]:
    p = peer.get(t["name"], float("nan"))
    worst = max(worst, t["rmse_deg"] - p)
    print(f"{t['name']:46} {t['rmse_deg']:7.3f} {p:7.3f} {t['rmse_deg'] - p:+7.3f} "
          f"{nolat.get(t['name'], float('nan')):7.3f} {peer_lat.get(t['name'], float('nan')):7.3f}")
print(f"{'mean':46} {ours['mean_rmse_deg']:7.3f} {vqf['mean_rmse_deg']:7.3f} "
      f"{ours['mean_rmse_deg'] - vqf['mean_rmse_deg']:+7.3f} {nolat_mean:7.3f} {vqf['mean_rmse_deg_latency']:7.3f}")
print(f"accuracy ratio (ours/VQF mean RMSE): {ours['mean_rmse_deg'] / vqf['mean_rmse_deg']:.3f} "
      f"(both without prediction: {nolat_mean / vqf['mean_rmse_deg']:.3f}, both with: "
      f"{ours['mean_rmse_deg'] / vqf['mean_rmse_deg_latency']:.3f}); "
      f"worst per-trial difference: {worst:+.3f} deg")
print("throughput, one core, best of runs (parsing excluded):")
for ours_rate, b in zip(ours_rates, vqf["bench"]):
    print(f"  {os.path.basename(b['file'])} ({b['samples']} samples): ours {ours_rate / 1e6:.2f} M samples/s, "
          f"VQF updateBatch {b['samples_per_s'] / 1e6:.2f} M samples/s, ratio {ours_rate / b['samples_per_s']:.1f}x")
print(f"load average: {open('/proc/loadavg').read().split()[0] if os.path.exists('/proc/loadavg') else '?'} "
      f"({os.cpu_count()} cores)")
PY
