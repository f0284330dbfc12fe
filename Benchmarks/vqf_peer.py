#!/usr/bin/env python3
"""VQF (Laidig & Seel 2023, package `vqf`) on BROAD CSV trials: the peer of `traction`'s
inclination estimator. Scores exactly as shared/datasets/broad/README.md (6D real-time VQF with
default parameters, output quat6D, inclination error over movement samples with ground truth)
and times VQF.updateBatch (C++) on the arrays of one file, best of several runs.

With --latency D (seconds) it also scores VQF's vertical predicted forward by D with its own
bias-corrected gyroscope, u + (u x (gyr - bias)) D (normalised): the same latency prediction as
traction's filter, to compare the algorithms on equal terms.

Prints one JSON object: {"samples_per_s": ... (first bench file), "bench": [{"file": ...,
"samples": ..., "samples_per_s": ...}], "trials":
[{"name": ..., "rmse_deg": ..., "rmse_deg_latency": ...}], "mean_rmse_deg": ...,
"mean_rmse_deg_latency": ...}.
"""
import argparse
import glob
import json
import os
import time

import numpy as np
from vqf import VQF


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=float)
    col = {name: data[:, i] for i, name in enumerate(header)}
    t = col["t_s"]
    ts = (t[-1] - t[0]) / (len(t) - 1)
    acc = np.ascontiguousarray(np.stack([col["acc_x"], col["acc_y"], col["acc_z"]], axis=1))
    gyr = np.ascontiguousarray(np.stack([col["gyr_x"], col["gyr_y"], col["gyr_z"]], axis=1))
    quat = np.stack([col[k] for k in ("gt_qw", "gt_qx", "gt_qy", "gt_qz")], axis=1) if "gt_qw" in col else None
    movement = col["movement"].astype(bool) if "movement" in col else None
    return ts, gyr, acc, quat, movement


def up_in_sensor_frame(q):
    """z_S(q) = R(q)^T (0,0,1) for sensor-to-earth quaternions [w,x,y,z] (rows)."""
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)


def inclination_rmse_deg(up_est, quat_gt, movement):
    valid = movement & np.all(np.isfinite(quat_gt), axis=1)
    a = up_est[valid]
    b = up_in_sensor_frame(quat_gt[valid])
    cos = np.clip(np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)), -1, 1)
    e = np.degrees(np.arccos(cos))
    return float(np.sqrt(np.mean(e**2)))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dir", required=True, help="directory of BROAD CSV trials")
    p.add_argument("--bench-file", required=True, action="append",
                   help="CSV file whose samples are timed (repeat for several)")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--latency", type=float, default=0.0)
    args = p.parse_args()

    trials = []
    for path in sorted(glob.glob(os.path.join(args.dir, "*.csv"))):
        ts, gyr, acc, quat, movement = load(path)
        out = VQF(ts).updateBatch(gyr, acc)
        name = os.path.splitext(os.path.basename(path))[0]
        up = up_in_sensor_frame(out["quat6D"])
        predicted = up + np.cross(up, gyr - out["bias"]) * args.latency
        trials.append({"name": name, "rmse_deg": inclination_rmse_deg(up, quat, movement),
                       "rmse_deg_latency": inclination_rmse_deg(predicted, quat, movement)})

    bench = []
    for path in args.bench_file:
        ts, gyr, acc, _, _ = load(path)
        best = float("inf")
        for _ in range(args.runs):
            start = time.perf_counter()
            VQF(ts).updateBatch(gyr, acc)
            best = min(best, time.perf_counter() - start)
        bench.append({"file": path, "samples": len(gyr), "samples_per_s": len(gyr) / best})

    mean = float(np.mean([t["rmse_deg"] for t in trials])) if trials else float("nan")
    mean_lat = float(np.mean([t["rmse_deg_latency"] for t in trials])) if trials else float("nan")
    print(json.dumps({"samples_per_s": bench[0]["samples_per_s"], "bench": bench,
                      "trials": trials, "mean_rmse_deg": mean, "mean_rmse_deg_latency": mean_lat}))


if __name__ == "__main__":
    main()
