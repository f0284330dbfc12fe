#!/usr/bin/env python3
"""Self-check of generated recordings: labels against the truth file.

For every NAME.csv in DIR: reps from 5-degree crossings of NAME.truth.csv
(at the recording's samples) must match the labelled reps; each hold's
mean_deg must match the truth's mean over the hold; every hold lies in a rep;
breath steps lie between their holds with rise_deg >= 1; truth rows match the
recording's t_s. If NAME.est.csv exists (from `traction replay --trace`), the
angle RMSE is printed too.

Usage: python3 check.py DIR
"""

import json
import math
import os
import sys


def read_csv(path):
  cols = None
  rows = []
  with open(path) as f:
    for line in f:
      line = line.strip()
      if not line or line.startswith("#"):
        continue
      if cols is None:
        cols = line.split(",")
        continue
      rows.append([float(x) for x in line.split(",")])
  return cols, rows


def crossings(ts, th, thr=5.0):
  out = []
  start = None
  for i in range(1, len(ts)):
    a, b = th[i - 1], th[i]
    if start is None and a <= thr < b:
      start = (ts[i - 1] + (thr - a) / (b - a) * (ts[i] - ts[i - 1]), i)
    elif start is not None and a > thr >= b:
      t = ts[i - 1] + (a - thr) / (a - b) * (ts[i] - ts[i - 1])
      pk = max(th[start[1]:i])
      if t - start[0] >= 3.0 and pk > 8.0:
        out.append((start[0], t, pk))
      start = None
  return out


def main():
  d = sys.argv[1]
  names = sorted(f[:-4] for f in os.listdir(d)
                 if f.endswith(".csv") and not f.endswith(".truth.csv")
                 and not f.endswith(".est.csv"))
  bad = 0
  worst_t = worst_m = 0.0
  rmses = []
  for name in names:
    base = os.path.join(d, name)
    cols, rows = read_csv(base + ".csv")
    _, truth = read_csv(base + ".truth.csv")
    lab = json.load(open(base + ".labels.json"))
    ti = cols.index("t_s")
    ts = [r[0] for r in truth]
    th = [r[1] for r in truth]
    probs = []
    if len(rows) != len(truth) or any(abs(r[ti] - t) > 1e-9 for r, t in zip(rows, ts)):
      probs.append("truth times differ from recording times")
    reps = crossings(ts, th)
    if len(reps) != len(lab["reps"]):
      probs.append("rep count truth %d labels %d" % (len(reps), len(lab["reps"])))
    else:
      for (a, b, pk), r in zip(reps, lab["reps"]):
        dt = max(abs(a - r["start"]), abs(b - r["end"]))
        worst_t = max(worst_t, dt)
        # a gap may hide the exact crossing: allow the gap length
        if dt > 1.05 or abs(pk - r["peak_deg"]) > 0.5:
          probs.append("rep %.2f-%.2f vs truth %.2f-%.2f" % (r["start"], r["end"], a, b))
    if len(lab["variant_per_rep"]) != len(lab["reps"]):
      probs.append("variant_per_rep length")
    for h in lab["holds"]:
      seg = [v for t, v in zip(ts, th) if h["start"] <= t <= h["end"]]
      if not seg:
        probs.append("empty hold")
        continue
      m = sum(seg) / len(seg)
      worst_m = max(worst_m, abs(m - h["mean_deg"]))
      # labels use the continuous truth; a gap or a low rate shifts the
      # sample mean a little
      if abs(m - h["mean_deg"]) > 0.15:
        probs.append("hold mean %.2f vs truth %.2f" % (h["mean_deg"], m))
      if h["end"] - h["start"] < 2.0:
        probs.append("hold shorter than 2 s")
      if h["kind"] == "top" and h["end"] - h["start"] < 5.0:
        probs.append("top hold shorter than 5 s")
      if not any(r["start"] < h["start"] and h["end"] < r["end"] for r in lab["reps"]):
        probs.append("hold outside reps")
    for s in lab["breath_steps"]:
      if s["rise_deg"] < 1.0:
        probs.append("step rise < 1")
      if not any(a["end"] <= s["t"] <= b["start"]
                 for a, b in zip(lab["holds"], lab["holds"][1:])):
        probs.append("step at %.2f not between holds" % s["t"])
    nanch = lab["variant_per_rep"].count("anchored")
    nbas = lab["variant_per_rep"].count("basic")
    if len(lab["holds"]) != 4 * nanch + nbas or len(lab["breath_steps"]) != 3 * nanch:
      probs.append("hold/step counts do not fit the variants")
    rm = ""
    if os.path.exists(base + ".est.csv"):
      _, est = read_csv(base + ".est.csv")
      if len(est) == len(th):
        e = math.sqrt(sum((a[1] - b) ** 2 for a, b in zip(est, th)) / len(th))
        rmses.append(e)
        rm = " rmse %.2f" % e
    if probs:
      bad += 1
      print(name, "FAIL:", "; ".join(probs))
    else:
      print(name, "ok" + rm)
  print("%d recordings, %d with problems; worst rep-time diff %.3f s, worst hold-mean diff %.3f deg"
        % (len(names), bad, worst_t, worst_m))
  if rmses:
    print("angle RMSE mean %.2f max %.2f" % (sum(rmses) / len(rmses), max(rmses)))
  return 1 if bad else 0


if __name__ == "__main__":
  sys.exit(main())
