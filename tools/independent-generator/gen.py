#!/usr/bin/env python3
"""Independent generator of labelled prone-extension recordings.

Written only from the project's specs (recording-format.md, exercise-model.md)
and references, not from the project's simulator, so the detector can be
measured on data whose modelling choices it was not tuned on.

Usage: python3 gen.py --out DIR --count N --seed S
Writes NAME.csv, NAME.labels.json and NAME.truth.csv per recording.
Standard library only; deterministic per seed.
"""

import argparse
import json
import math
import os
import random

DEG = math.pi / 180.0

# --stress: every choice at the hard edge of what the spec allows (full
# breathing ripple, small breath steps, short holds, steep mounting)
STRESS = False


# ----------------------------------------------------------------------------
# Small 3-vector / 3x3 matrix helpers (row-major tuples)
# ----------------------------------------------------------------------------

def rot_x(a):
  c, s = math.cos(a), math.sin(a)
  return (1.0, 0.0, 0.0, 0.0, c, -s, 0.0, s, c)


def rot_y(a):
  c, s = math.cos(a), math.sin(a)
  return (c, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, c)


def rot_z(a):
  c, s = math.cos(a), math.sin(a)
  return (c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0)


def rot_axis(ax, a):
  x, y, z = ax
  n = math.sqrt(x * x + y * y + z * z)
  x, y, z = x / n, y / n, z / n
  c, s = math.cos(a), math.sin(a)
  C = 1.0 - c
  return (c + x * x * C, x * y * C - z * s, x * z * C + y * s,
          y * x * C + z * s, c + y * y * C, y * z * C - x * s,
          z * x * C - y * s, z * y * C + x * s, c + z * z * C)


def mm(a, b):
  return (a[0] * b[0] + a[1] * b[3] + a[2] * b[6],
          a[0] * b[1] + a[1] * b[4] + a[2] * b[7],
          a[0] * b[2] + a[1] * b[5] + a[2] * b[8],
          a[3] * b[0] + a[4] * b[3] + a[5] * b[6],
          a[3] * b[1] + a[4] * b[4] + a[5] * b[7],
          a[3] * b[2] + a[4] * b[5] + a[5] * b[8],
          a[6] * b[0] + a[7] * b[3] + a[8] * b[6],
          a[6] * b[1] + a[7] * b[4] + a[8] * b[7],
          a[6] * b[2] + a[7] * b[5] + a[8] * b[8])


def mv(a, v):
  return (a[0] * v[0] + a[1] * v[1] + a[2] * v[2],
          a[3] * v[0] + a[4] * v[1] + a[5] * v[2],
          a[6] * v[0] + a[7] * v[1] + a[8] * v[2])


def mtv(a, v):
  """Transpose(a) * v."""
  return (a[0] * v[0] + a[3] * v[1] + a[6] * v[2],
          a[1] * v[0] + a[4] * v[1] + a[7] * v[2],
          a[2] * v[0] + a[5] * v[1] + a[8] * v[2])


# ----------------------------------------------------------------------------
# Movement profiles: monotone 0 -> 1 on u in [0, 1], zero speed at both ends
# ----------------------------------------------------------------------------

class Profile:
  """A monotone transition shape, tabulated from a velocity curve."""
  N = 400

  def __init__(self, velocity):
    vals = [max(0.0, velocity((i + 0.5) / self.N)) for i in range(self.N)]
    cum = [0.0]
    for v in vals:
      cum.append(cum[-1] + v)
    tot = cum[-1] if cum[-1] > 0 else 1.0
    self.tab = [c / tot for c in cum]

  def __call__(self, u):
    if u <= 0.0:
      return 0.0
    if u >= 1.0:
      return 1.0
    x = u * self.N
    i = int(x)
    f = x - i
    return self.tab[i] + (self.tab[i + 1] - self.tab[i]) * f


def minjerk(u):
  if u <= 0.0:
    return 0.0
  if u >= 1.0:
    return 1.0
  return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def random_profile(rng):
  """Human reaching/rising movements: bell-shaped, often skewed, sometimes
  in two overlapping sub-movements or with a near-constant-speed middle."""
  kind = rng.choices(["beta", "twophase", "trapezoid", "minjerk"],
                     [0.45, 0.2, 0.2, 0.15])[0]
  if kind == "beta":
    a = rng.uniform(1.7, 3.5)
    b = rng.uniform(1.7, 3.5)
    return Profile(lambda u: u ** (a - 1) * (1 - u) ** (b - 1)), kind
  if kind == "twophase":
    q = rng.uniform(0.6, 0.85)
    p = rng.uniform(0.5, 0.7)
    p2 = p - rng.uniform(0.05, 0.2)

    def vel(u):
      v = 0.0
      if u < p:
        x = u / p
        v += q / p * 30 * x * x * (1 - x) * (1 - x)
      if u > p2:
        x = (u - p2) / (1 - p2)
        v += (1 - q) / (1 - p2) * 30 * x * x * (1 - x) * (1 - x)
      return v
    return Profile(vel), kind
  if kind == "trapezoid":
    ra = rng.uniform(0.15, 0.35)
    rd = rng.uniform(0.15, 0.4)

    def vel(u):
      if u < ra:
        return 0.5 * (1 - math.cos(math.pi * u / ra))
      if u > 1 - rd:
        return 0.5 * (1 - math.cos(math.pi * (1 - u) / rd))
      return 1.0
    return Profile(vel), kind
  return Profile(lambda u: 30 * u * u * (1 - u) * (1 - u)), kind


def smooth_bump(t, t0, rise, flat, fall):
  """0 -> 1 -> 0 with min-jerk transitions; C2 everywhere."""
  x = t - t0
  if x <= 0.0:
    return 0.0
  if x < rise:
    return minjerk(x / rise)
  x -= rise
  if x < flat:
    return 1.0
  x -= flat
  if x < fall:
    return 1.0 - minjerk(x / fall)
  return 0.0


def jolt(t, t0, tau):
  """Fast smooth impulse-like bump peaking at t0 + tau with value 1."""
  x = t - t0
  if x <= 0.0:
    return 0.0
  r = x / tau
  if r > 12:
    return 0.0
  return r * r * math.exp(2.0 - 2.0 * r)


# ----------------------------------------------------------------------------
# Breathing: a sequence of irregular breaths; some are replaced by the
# exercise's own controlled inhales (breath steps) or held breath.
# ----------------------------------------------------------------------------

class Breather:
  def __init__(self, rng):
    self.rng = rng
    self.period = rng.uniform(2.3, 8.0)  # person's typical breath period
    self.var = rng.uniform(0.08, 0.25)  # breath-to-breath variability
    self.breaths = []  # dicts: start, dur, kind ('n' normal / 'none'), fi, fp, a
    self.end = 0.0

  def _new(self, start):
    rng = self.rng
    dur = self.period * math.exp(rng.gauss(0.0, self.var))
    dur = min(10.0, max(2.0, dur))
    b = {"start": start, "dur": dur, "kind": "n",
         "fi": rng.uniform(0.3, 0.45),  # inhale fraction
         "fp": rng.uniform(0.0, 0.2),  # end-expiratory pause fraction
         "m": math.exp(rng.gauss(0.0, 0.25))}  # amplitude multiplier
    self.breaths.append(b)
    self.end = start + dur

  def extend_to(self, t):
    while self.end < t:
      self._new(self.end)

  def next_onset(self, t_min):
    """First normal breath onset at or after t_min."""
    self.extend_to(t_min + 25.0)
    for b in self.breaths:
      if b["start"] >= t_min - 1e-9 and b["kind"] == "n":
        return b["start"]
    return self.end

  def replace(self, ts, dur):
    """Breaths from ts on are replaced by a controlled segment of length dur
    (no free ripple); free breathing resumes after it."""
    self.breaths = [b for b in self.breaths if b["start"] < ts - 1e-9]
    if self.breaths:
      last = self.breaths[-1]
      if last["start"] + last["dur"] > ts:
        last["dur"] = ts - last["start"]
    self.breaths.append({"start": ts, "dur": dur, "kind": "none"})
    self.end = ts + dur



def add_jolt(d, a, tau, th, z):
  """A cough's jolt at time a: th degrees of trunk pitch and z metres of vertical shift."""
  d.theta.append(lambda t: th * jolt(t, a, tau))
  d.trans.append(lambda t: (0.0, 0.0, z * jolt(t, a, tau)))

def breath_wave(x, fi, fp):
  """Normalised breath shape over x in [0, 1]: inhale up, exhale down, pause."""
  if x < fi:
    return 0.5 * (1.0 - math.cos(math.pi * x / fi))
  ex = 1.0 - fp - fi
  x -= fi
  if x < ex:
    c = 0.5 * (1.0 + math.cos(math.pi * x / ex))
    return c ** 1.5
  return 0.0


# ----------------------------------------------------------------------------
# Session builder: the intended trunk angle as contiguous segments
# ----------------------------------------------------------------------------

class Session:
  def __init__(self, rng):
    self.rng = rng
    self.t = 0.0
    self.level = 0.0
    self.segs = []  # (t0, t1, f(t))
    self.breather = Breather(rng)
    self.holds = []  # dict start end kind
    self.steps = []  # dict t, prev_hold, next_hold
    self.reps = []  # dict variant, rise_start, lower_end
    self.rests = []  # (t0, t1) intervals at rest
    self.settle_spans = []

  def _add(self, dur, f):
    self.segs.append((self.t, self.t + dur, f))
    self.t += dur

  def rest(self, dur):
    t0, lvl = self.t, self.level
    wander = self.rng.uniform(-0.15, 0.15)
    self._add(dur, lambda t: lvl + wander * minjerk((t - t0) / dur))
    self.level = lvl + wander
    self.rests.append((t0, self.t))

  def move(self, dur, target, prof=None):
    if prof is None:
      prof, _ = random_profile(self.rng)
    t0, lvl = self.t, self.level
    d = target - lvl
    self._add(dur, lambda t: lvl + d * prof((t - t0) / dur))
    self.level = target

  def hold(self, dur, drift, overshoot=0.0, settle=0.0, sink=0.0,
           sink_dur=0.0):
    """Plateau: optional overshoot settle, optional kept-exhale sink, slow
    drift. Value continuous with the movement before it."""
    t0, lvl = self.t, self.level
    base = lvl - overshoot

    def f(t):
      x = t - t0
      v = base + drift * minjerk(x / dur)
      if settle > 0:
        v += overshoot * (1.0 - minjerk(x / settle))
      if sink_dur > 0:
        v -= sink * minjerk(x / sink_dur)
      return v
    self._add(dur, f)
    self.level = base + drift - sink

  def rep_basic(self):
    rng = self.rng
    start = self.t
    L = self.level + rng.uniform(10.0, 30.0)
    self._rise(L)
    h0 = self.t
    hd = rng.uniform(3.0, 25.0) if rng.random() < 0.85 else rng.uniform(25, 45)
    self._plateau(hd)
    self.holds.append({"start": h0, "end": self.t, "kind": "traction"})
    self.move(rng.uniform(1.0, 3.0), rng.uniform(-0.5, 0.5))
    self.reps.append({"variant": "basic", "rise_start": start,
                      "lower_end": self.t})

  def _rise(self, L):
    rng = self.rng
    if rng.random() < 0.3:
      o = rng.uniform(0.2, 0.7)
      self.move(rng.uniform(1.0, 3.0), L + o)
      self._pending_overshoot = (o, rng.uniform(0.3, 0.8))
    else:
      self.move(rng.uniform(1.0, 3.0), L)
      self._pending_overshoot = (0.0, 0.0)

  def _plateau(self, dur, sink=0.0, sink_dur=0.0):
    o, st = getattr(self, "_pending_overshoot", (0.0, 0.0))
    self._pending_overshoot = (0.0, 0.0)
    drift = self.rng.uniform(-0.5, 0.5) * min(1.0, dur / 10.0)
    self.hold(dur, drift, overshoot=o, settle=min(st, dur), sink=sink,
              sink_dur=min(sink_dur, dur))

  def rep_anchored(self):
    rng = self.rng
    br = self.breather
    start = self.t
    L = self.level + rng.uniform(10.0, 24.0)
    self._rise(L)
    # traction plateau until the next inhale after a minimum time
    h0 = self.t
    ts = br.next_onset(self.t + (rng.uniform(2.0, 3.0) if STRESS
                                 else rng.uniform(2.0, 7.0)))
    self._plateau(ts - self.t)
    self.holds.append({"start": h0, "end": self.t, "kind": "traction"})
    prev_hold = len(self.holds) - 1
    for k in range(3):
      ts = self.t
      D = rng.uniform(0.6, 3.5) if rng.random() < 0.85 else rng.uniform(0.5, 4.0)
      R = rng.uniform(1.0, 1.8) if STRESS else rng.uniform(1.0, 4.0)
      top = (k == 2)
      held = top and rng.random() < 0.5
      s = 0.0 if held else rng.uniform(0.1, 0.85)
      E = rng.uniform(2.0, 2.6) if STRESS else rng.uniform(2.0, 4.0)
      if held:
        Htop = rng.uniform(5.3, 10.0)
        br.replace(ts, D + Htop + 3.0)  # breath held, exhaled while lowering
      else:
        br.replace(ts, D + E)
      prof = Profile(lambda u, a=rng.uniform(1.8, 3.0), b=rng.uniform(1.8, 3.2):
                     u ** (a - 1) * (1 - u) ** (b - 1))
      self.move(D, self.level + R + s, prof)
      self.steps.append({"t": ts + D / 2.0, "prev_hold": prev_hold,
                         "next_hold": len(self.holds)})
      h0 = self.t
      if top:
        if held:
          dur = Htop
        else:
          # free breathing resumes; the lowering starts with an exhale, so
          # the hold ends where the next inhale would have begun
          nxt = br.next_onset(self.t + max(rng.uniform(5.1, 10.0), E + 0.5))
          dur = nxt - self.t
          br.replace(nxt, 3.5)
        self._plateau(dur, sink=s, sink_dur=E)
        self.holds.append({"start": h0, "end": self.t, "kind": "top"})
      else:
        tmin = self.t + E
        if rng.random() < 0.3:
          tmin += 0.5  # one more free breath before the next step
        nxt = br.next_onset(tmin)
        self._plateau(nxt - self.t, sink=s, sink_dur=E)
        self.holds.append({"start": h0, "end": self.t, "kind": "step"})
      prev_hold = len(self.holds) - 1
    self.move(rng.uniform(1.0, 3.0), rng.uniform(-0.5, 0.5))
    self.reps.append({"variant": "anchored", "rise_start": start,
                      "lower_end": self.t})


def evaluate_segments(segs, grid):
  out = [0.0] * len(grid)
  j = 0
  n = len(segs)
  for i, t in enumerate(grid):
    while j < n - 1 and t > segs[j][1]:
      j += 1
    out[i] = segs[j][2](min(max(t, segs[j][0]), segs[j][1]))
  return out


# ----------------------------------------------------------------------------
# One recording
# ----------------------------------------------------------------------------

RATES = [50, 100, 104, 125, 200, 208, 250, 400]


def smooth_noise(rng, grid, f_lo, f_hi, ncomp=8):
  """Unit-RMS smooth random process: a sum of sinusoids with random
  frequencies in a band and slowly wandering amplitudes. Smooth (unlike
  filtered white noise on a grid), so its derivatives are physical."""
  comps = []
  for _ in range(ncomp):
    comps.append((2 * math.pi * rng.uniform(f_lo, f_hi), rng.uniform(0, 2 * math.pi),
                  2 * math.pi * rng.uniform(0.02, 0.15), rng.uniform(0, 2 * math.pi)))
  scale = math.sqrt(2.0 / ncomp) / math.sqrt(1.0 + 0.5 * 0.16)
  out = [0.0] * len(grid)
  for (w, ph, wm, pm) in comps:
    for i, t in enumerate(grid):
      out[i] += (1.0 + 0.4 * math.sin(wm * t + pm)) * math.sin(w * t + ph)
  return [v * scale for v in out]


def build_session(rng):
  s = Session(rng)
  nreps = rng.choices([1, 2, 3, 4], [0.2, 0.35, 0.3, 0.15])[0]
  mode = rng.choices(["anchored", "basic", "mixed"], [0.4, 0.3, 0.3])[0]
  variants = []
  for _ in range(nreps):
    if mode == "mixed":
      variants.append(rng.choice(["anchored", "basic"]))
    else:
      variants.append(mode)
  s.rest(rng.uniform(3.5, 9.0))
  for k, v in enumerate(variants):
    if v == "anchored":
      s.rep_anchored()
    else:
      s.rep_basic()
    s.rest(rng.uniform(4.0, 14.0) if k < nreps - 1 else rng.uniform(3.0, 8.0))
  return s, variants


def pick_distractors(rng):
  kinds = []
  if rng.random() < 0.75:
    pool = ["fidget", "cough", "glance", "roll", "tap", "drops", "gap",
            "cough_hold", "tap_hold"]
    n = rng.choices([1, 2, 3, 4], [0.35, 0.35, 0.2, 0.1])[0]
    kinds = rng.sample(pool, n)
  return kinds


class Disturbances:
  """Additive trunk-motion disturbances and sensor-level events."""

  def __init__(self):
    self.theta = []  # f(t) -> deg
    self.phi = []  # roll about the long axis, deg
    self.psi = []  # yaw on the floor, deg
    self.trans = []  # f(t) -> (x, y, z) m
    self.taps = []  # (t0, A, dir, f, tau, gA, gdir)
    self.drops = []  # times of single dropped samples
    self.gaps = []  # (t0, dur)
    self.log = []


def place_in_rest(rng, sess, dur, used, t_min=3.5, margin=1.0):
  cands = []
  for (a, b) in sess.rests:
    a2 = max(a + margin, t_min)
    b2 = b - margin - dur
    if b2 > a2:
      cands.append((a2, b2))
  rng.shuffle(cands)
  for (a, b) in cands:
    for _ in range(10):
      t0 = rng.uniform(a, b)
      if all(t0 + dur + 0.5 < u0 or t0 > u1 + 0.5 for (u0, u1) in used):
        used.append((t0, t0 + dur))
        return t0
  return None


def make_disturbances(rng, sess, kinds, total):
  d = Disturbances()
  used = []
  for k in kinds:
    if k == "fidget":
      dur = rng.uniform(1.0, 3.0)
      t0 = place_in_rest(rng, sess, dur, used)
      if t0 is None:
        continue
      for _ in range(rng.randint(1, 3)):
        a = t0 + rng.uniform(0, dur * 0.5)
        r, fl, fa = rng.uniform(0.2, 0.6), rng.uniform(0, 0.5), rng.uniform(0.2, 0.6)
        th, ph, ps = rng.uniform(-1.2, 1.5), rng.uniform(-4, 4), rng.uniform(-6, 6)
        tx, ty, tz = rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03), rng.uniform(0, 0.01)
        d.theta.append(lambda t, a=a, r=r, fl=fl, fa=fa, th=th: th * smooth_bump(t, a, r, fl, fa))
        d.phi.append(lambda t, a=a, r=r, fl=fl, fa=fa, ph=ph: ph * smooth_bump(t, a, r, fl, fa))
        d.psi.append(lambda t, a=a, r=r, fl=fl, fa=fa, ps=ps: ps * smooth_bump(t, a, r, fl, fa))
        d.trans.append(lambda t, a=a, r=r, fl=fl, fa=fa, v=(tx, ty, tz):
                       tuple(c * smooth_bump(t, a, r, fl, fa) for c in v))
      # a slightly different resting posture afterwards
      off, yoff, te = rng.uniform(-0.35, 0.35), rng.uniform(-3, 3), rng.uniform(0.5, 1.0)
      d.theta.append(lambda t, a=t0, te=te, off=off: off * minjerk((t - a) / te))
      d.psi.append(lambda t, a=t0, te=te, off=yoff: off * minjerk((t - a) / te))
      d.log.append(("fidget", round(t0, 2)))
    elif k == "cough":
      n = rng.randint(1, 3)
      dur = n * 0.6 + 0.6
      t0 = place_in_rest(rng, sess, dur, used)
      if t0 is None:
        continue
      for j in range(n):
        a = t0 + j * rng.uniform(0.4, 0.6)
        tau = rng.uniform(0.05, 0.1)
        th, z = rng.uniform(0.5, 2.0), rng.uniform(0.001, 0.004)
        add_jolt(d, a, tau, th, z)
      d.log.append(("cough", round(t0, 2)))
    elif k == "cough_hold":
      long_holds = [h for h in sess.holds if h["end"] - h["start"] > 6.0]
      if not long_holds:
        continue
      h = rng.choice(long_holds)
      a = rng.uniform(h["start"] + 2.0, h["end"] - 2.0)
      tau = rng.uniform(0.05, 0.1)
      th, z = rng.uniform(0.3, 0.8), rng.uniform(0.001, 0.003)
      add_jolt(d, a, tau, th, z)
      d.log.append(("cough_hold", round(a, 2)))
    elif k == "glance":
      r, fl, fa = rng.uniform(0.3, 0.7), rng.uniform(0.1, 1.0), rng.uniform(0.3, 0.8)
      dur = r + fl + fa
      t0 = place_in_rest(rng, sess, dur, used)
      if t0 is None:
        continue
      amp = rng.uniform(2.0, 6.0)
      d.theta.append(lambda t, a=t0, r=r, fl=fl, fa=fa, amp=amp: amp * smooth_bump(t, a, r, fl, fa))
      d.log.append(("glance", round(t0, 2), round(amp, 2)))
    elif k == "roll":
      r, fl, fa = rng.uniform(0.8, 2.0), rng.uniform(1.0, 6.0), rng.uniform(0.8, 2.0)
      dur = r + fl + fa
      t0 = place_in_rest(rng, sess, dur, used)
      if t0 is None:
        continue
      amp = rng.choice([-1, 1]) * rng.uniform(5.0, 20.0)
      # rolling also lets the chest settle slightly, never more than ~1 deg
      th = rng.uniform(-0.6, 0.6)
      d.phi.append(lambda t, a=t0, r=r, fl=fl, fa=fa, amp=amp: amp * smooth_bump(t, a, r, fl, fa))
      d.theta.append(lambda t, a=t0, r=r, fl=fl, fa=fa, th=th: th * smooth_bump(t, a, r, fl, fa))
      d.log.append(("roll", round(t0, 2), round(amp, 1)))
    elif k in ("tap", "tap_hold"):
      if k == "tap":
        t0 = place_in_rest(rng, sess, 1.0, used)
      else:
        h = rng.choice(sess.holds)
        if h["end"] - h["start"] < 3.0:
          continue
        t0 = rng.uniform(h["start"] + 0.8, h["end"] - 1.5)
      if t0 is None:
        continue
      for j in range(rng.randint(1, 3)):
        a = t0 + j * rng.uniform(0.15, 0.4)
        dv = (rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), -1.0)
        gd = (rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-0.3, 0.3))
        d.taps.append((a, rng.uniform(5.0, 40.0), dv, rng.uniform(12.0, 40.0),
                       rng.uniform(0.015, 0.06), rng.uniform(0.05, 0.6), gd))
      d.log.append((k, round(t0, 2)))
    elif k == "drops":
      for _ in range(rng.randint(1, 6)):
        d.drops.append(rng.uniform(0.5, total - 0.5))
      d.log.append(("drops", len(d.drops)))
    elif k == "gap":
      g = rng.uniform(0.15, 1.0)
      t0 = rng.uniform(3.5, total - 2.0)
      d.gaps.append((t0, g))
      d.log.append(("gap", round(t0, 2), round(g, 2)))
  return d


LOAD_FRACTION = 0.3


def load_signal(rng, grid, theta, ripple, sess, rate, traction_slide, slide):
  """Vertical force on the elbow platform: forearms resting when lying,
  a share of the upper body's weight on the elbows, plus the traction push,
  breathing and slow postural fluctuation; ADC noise and tare error."""
  f_rest = rng.uniform(3.0, 25.0)
  f_up = rng.uniform(150.0, 320.0)
  f_trac = rng.uniform(15.0, 70.0)
  k_breath = rng.uniform(2.0, 6.0)  # N per degree of chest lift
  tare = rng.uniform(-4.0, 4.0)
  noise = rng.uniform(0.3, 2.0)
  fluct = smooth_noise(rng, grid, 0.05, 0.5, 6)
  f_rms = rng.uniform(2.0, 6.0)
  adc_rate = min(rate, rng.choice([10, 80, 80, 320]))
  dt = grid[1] - grid[0]
  out = [0.0] * len(grid)
  for i, t in enumerate(grid):
    x = min(1.0, max(0.0, (theta[i] - 1.5) / 5.5))
    sup = x * x * (3 - 2 * x)
    tr = traction_slide(t) / slide if slide > 0 else 0.0
    # upward acceleration of the upper body is pushed through the elbows
    acc = 0.0
    if 0 < i < len(grid) - 1:
      acc = (theta[i + 1] - 2 * theta[i] + theta[i - 1]) / (dt * dt) * DEG * 0.4
    out[i] = (f_rest + (f_up - f_rest) * sup + f_trac * tr
              + sup * (k_breath * ripple[i] + f_rms * fluct[i])
              + 20.0 * sup * acc + tare + rng.gauss(0.0, noise))
  return out, adc_rate


def fmt_num(x, dec, style):
  if style == "g" and x != 0.0 and abs(x) < 1e-3:
    return "%.4e" % x
  return "%.*f" % (dec, x)


def generate_one(seed, index, attempt=0):
  rng = random.Random("indgen-%s%d-%d-%d" % ("stress-" if STRESS else "",
                                              seed, index, attempt))
  sess, variants = build_session(rng)
  # --- sampling setup
  rate = rng.choice(RATES)
  clock_err = rng.uniform(-0.01, 0.01)
  k = max(2, math.ceil(400.0 / rate))
  dt_s = (1.0 + clock_err) / rate  # true sample period
  dt = dt_s / k  # internal grid step
  total = sess.t
  n = int(total / dt) + 1
  grid = [i * dt for i in range(n)]

  kinds = pick_distractors(rng)
  dist = make_disturbances(rng, sess, kinds, total)

  # --- intended angle, breathing ripple, sway, tremor
  intent = evaluate_segments(sess.segs, grid)
  br = sess.breather
  br.extend_to(total + 1.0)
  a_rest = rng.uniform(0.08, 0.5)  # peak-to-peak ripple lying flat
  a_up = rng.uniform(1.1, 1.6) if STRESS else rng.uniform(0.3, 1.3)
  # at high lung volume (after breath steps) tidal breaths are shallower
  shallow = 1.0 if STRESS else rng.uniform(0.4, 0.8)
  high_spans = [(h["start"], h["end"]) for h in sess.holds
                if h["kind"] in ("step", "top")]
  ripple = [0.0] * n
  j = 0
  bl = br.breaths
  for i, t in enumerate(grid):
    while j < len(bl) - 1 and t >= bl[j]["start"] + bl[j]["dur"]:
      j += 1
    b = bl[j]
    if b["kind"] != "n" or t < b["start"]:
      continue
    if "amp" not in b:
      mid = b["start"] + 0.5 * b["dur"]
      ii = min(n - 1, int(mid / dt))
      pf = min(1.0, max(0.0, intent[ii] / 10.0))
      amp = (a_rest + (a_up - a_rest) * pf) * b["m"]
      if any(h0 <= mid <= h1 for (h0, h1) in high_spans):
        amp *= shallow
      b["amp"] = min(1.6, amp)
    x = (t - b["start"]) / b["dur"]
    ripple[i] = b["amp"] * breath_wave(min(1.0, x), b["fi"], b["fp"])

  sway_rms = rng.uniform(0.04, 0.18)
  sway = smooth_noise(rng, grid, 0.1, 1.2)
  # physiological tremor of the trunk: ~0.01-0.1 m/s^2 at the sensor
  trem_rms = rng.uniform(0.0005, 0.003)
  ftr = rng.uniform(7.0, 11.0)
  trem = smooth_noise(rng, grid, ftr, ftr + 2.0, 5)
  roll_sway = smooth_noise(rng, grid, 0.1, 1.0)
  roll_rms = rng.uniform(0.05, 0.3)

  theta = [0.0] * n
  phi = [0.0] * n
  psi = [0.0] * n
  for i in range(n):
    pf = min(1.0, max(0.0, intent[i] / 10.0))
    post = 0.25 + 0.75 * pf
    theta[i] = (intent[i] + ripple[i] + post * (sway_rms * sway[i])
                + post * trem_rms * trem[i])
    phi[i] = post * roll_rms * roll_sway[i]
  for f in dist.theta:
    for i in range(n):
      theta[i] += f(grid[i])
  for f in dist.phi:
    for i in range(n):
      phi[i] += f(grid[i])
  for f in dist.psi:
    for i in range(n):
      psi[i] += f(grid[i])

  # --- labels from the true motion
  labels, ok, why = make_labels(sess, variants, grid, theta, intent, ripple, dt)
  if not ok:
    if attempt < 20:
      return generate_one(seed, index, attempt + 1)
    raise RuntimeError("could not build a valid session: " + why)

  # --- body and sensor geometry
  r_len = rng.uniform(0.32, 0.48)  # pivot to sensor along the trunk
  h_off = rng.uniform(0.06, 0.14)  # back surface above the pivot axis
  lat = rng.uniform(-0.03, 0.03)
  kp = rng.uniform(-0.03, 0.06)  # pivot slides headward with extension (m/rad)
  slide = rng.uniform(0.004, 0.015)  # traction: trunk pulled headward (m)
  skin = rng.uniform(-0.03, 0.03)  # strap rotates a little with the skin
  m_yaw = rng.uniform(0, 2 * math.pi)
  m_tilt = rng.uniform(15.0 if STRESS else 0.0, 20.0) * DEG
  ta = rng.uniform(0, 2 * math.pi)
  R_M = mm(rot_axis((math.cos(ta), math.sin(ta), 0.0), m_tilt), rot_z(m_yaw))
  g = rng.uniform(9.78, 9.83)
  ft = rng.uniform(0, 1.0) * DEG
  fa = rng.uniform(0, 2 * math.pi)
  g_up = mv(rot_axis((math.cos(fa), math.sin(fa), 0.0), ft), (0.0, 0.0, g))

  hold_spans = [(h["start"], h["end"]) for h in sess.holds]
  trac = [h for h in sess.holds if h["kind"] == "traction"]
  reps = sess.reps

  def traction_slide(t):
    for rp, h in zip(reps, trac):
      if rp["rise_start"] <= t <= rp["lower_end"] + 1.0:
        return slide * (minjerk((t - h["start"]) / 1.0)
                        - minjerk((t - (rp["lower_end"] - 1.0)) / 1.5))
    return 0.0

  R_list = [None] * n
  P_list = [None] * n
  for i in range(n):
    t = grid[i]
    th = theta[i] * DEG
    RT = mm(rot_z(psi[i] * DEG), mm(rot_x(th), rot_y(phi[i] * DEG)))
    RS = mm(RT, mm(rot_x(skin * th), R_M))
    R_list[i] = RS
    p = mv(RT, (lat, r_len, h_off))
    py = kp * th + traction_slide(t)
    tx = ty = tz = 0.0
    for f in dist.trans:
      v = f(t)
      tx += v[0]
      ty += v[1]
      tz += v[2]
    P_list[i] = (p[0] + tx, p[1] + py + ty, p[2] + tz)

  # kinematics by central differences on the fine grid
  acc = [None] * n
  gyr = [None] * n
  inv2 = 1.0 / (2 * dt)
  invsq = 1.0 / (dt * dt)
  for i in range(n):
    i0 = max(0, i - 1)
    i1 = min(n - 1, i + 1)
    if i1 - i0 < 2:
      i0, i1 = (0, 2) if i == 0 else (n - 3, n - 1)
    ic = (i0 + i1) // 2
    Ra, Rb, R = R_list[i0], R_list[i1], R_list[i]
    Rd = tuple((Rb[q] - Ra[q]) * inv2 for q in range(9))
    # W = R^T * Rdot (skew in the body frame)
    W = mm((R[0], R[3], R[6], R[1], R[4], R[7], R[2], R[5], R[8]), Rd)
    w = (0.5 * (W[7] - W[5]), 0.5 * (W[2] - W[6]), 0.5 * (W[3] - W[1]))
    pa, pc, pb = P_list[i0], P_list[ic], P_list[i1]
    aw = ((pa[0] - 2 * pc[0] + pb[0]) * invsq,
          (pa[1] - 2 * pc[1] + pb[1]) * invsq,
          (pa[2] - 2 * pc[2] + pb[2]) * invsq)
    f = mtv(R, (aw[0] + g_up[0], aw[1] + g_up[1], aw[2] + g_up[2]))
    acc[i] = list(f)
    gyr[i] = list(w)

  # taps: a short damped ringing of the sensor on its strap (sensor frame)
  for (a, A, dv, fr, tau, gA, gd) in dist.taps:
    nd = math.sqrt(sum(c * c for c in dv))
    ng = math.sqrt(sum(c * c for c in gd)) or 1.0
    i_start = max(0, int(a / dt))
    i_end = min(n, int((a + 8 * tau) / dt) + 1)
    for i in range(i_start, i_end):
      x = grid[i] - a
      if x < 0:
        continue
      e = math.exp(-x / tau) * math.sin(2 * math.pi * fr * x)
      for q in range(3):
        acc[i][q] += A * e * dv[q] / nd
        gyr[i][q] += gA * e * gd[q] / ng

  # sensor anti-alias low-pass (two first-order stages) then decimation
  fc = min(100.0, rng.uniform(0.2, 0.45) * rate)
  al = 1.0 - math.exp(-2 * math.pi * fc * dt)
  sa = [acc[0][:], acc[0][:]]
  sg = [gyr[0][:], gyr[0][:]]
  for i in range(n):
    for q in range(3):
      sa[0][q] += al * (acc[i][q] - sa[0][q])
      sa[1][q] += al * (sa[0][q] - sa[1][q])
      sg[0][q] += al * (gyr[i][q] - sg[0][q])
      sg[1][q] += al * (sg[0][q] - sg[1][q])
    acc[i] = (sa[1][0], sa[1][1], sa[1][2])
    gyr[i] = (sg[1][0], sg[1][1], sg[1][2])

  # sensor errors
  sensor = rng.choice(["mpu6050", "mpu6500", "icm20600", "lsm6dsox"])
  arange = rng.choice([2, 4, 8])
  grange = rng.choice([250, 500, 1000, 2000])
  a_lsb = arange * 9.80665 / 32768.0
  g_lsb = grange * DEG / 32768.0
  Sa = [[1 + rng.uniform(-0.02, 0.02) if r == c else rng.uniform(-0.01, 0.01)
         for c in range(3)] for r in range(3)]
  Sg = [[1 + rng.uniform(-0.02, 0.02) if r == c else rng.uniform(-0.01, 0.01)
         for c in range(3)] for r in range(3)]
  ba = [rng.uniform(-0.25, 0.25) for _ in range(3)]
  ba_drift = [rng.uniform(-0.05, 0.05) for _ in range(3)]
  bg = [rng.uniform(-3.0, 3.0) * DEG for _ in range(3)]
  bg_drift = [rng.uniform(-0.3, 0.3) * DEG for _ in range(3)]
  bg_rw = rng.uniform(0.002, 0.01) * DEG  # per sqrt(s)
  na = rng.uniform(0.015, 0.05)
  ng = rng.uniform(0.03, 0.1) * DEG
  rw = [0.0, 0.0, 0.0]

  # elbow-platform load cell (own random stream, so the IMU data of a seed
  # does not depend on whether the recording has one)
  lrng = random.Random("indgen-load-%s%d-%d-%d" % ("stress-" if STRESS else "",
                                                   seed, index, attempt))
  load = None
  if lrng.random() < LOAD_FRACTION:
    load = load_signal(lrng, grid, theta, ripple, sess, rate, traction_slide,
                       slide)
    load_sens = load[1]
    load = load[0]

  # which samples survive
  nsamp = (n - 1) // k + 1
  keep = [True] * nsamp
  for td in dist.drops:
    j0 = int(td / dt_s)
    for j in range(j0, min(nsamp, j0 + rng.choice([1, 1, 1, 2]))):
      if j > 0:
        keep[j] = False
  for (t0, gl) in dist.gaps:
    for j in range(int(t0 / dt_s), min(nsamp, int((t0 + gl) / dt_s) + 1)):
      if j > 0:
        keep[j] = False

  use_seq = rng.random() < 0.85
  seq0 = 0 if rng.random() < 0.7 else rng.randint(1, 30000)
  style = "g" if rng.random() < 0.2 else "f"
  cols = ["t_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
  if use_seq:
    cols.append("seq")
  if rng.random() < 0.15:
    rest = cols[1:]
    rng.shuffle(rest)
    cols = ["t_s"] + rest
  extra_comment = rng.random() < 0.1
  if load is not None:
    cols.insert(lrng.randint(1, len(cols)), "load_n")
    load_spikes = set(lrng.randrange(nsamp) for _ in range(
        lrng.randint(1, 5))) if lrng.random() < 0.3 else set()

  rows = []
  truth_rows = []
  sq_dt = math.sqrt(dt_s)
  last_t = -1.0
  t_first = None
  for j in range(nsamp):
    i = j * k
    t_true = grid[i]
    frac = t_true / max(total, 1e-9)
    for q in range(3):
      rw[q] += bg_rw * sq_dt * rng.gauss(0, 1)
    a = acc[i]
    w = gyr[i]
    am = [sum(Sa[r][c] * a[c] for c in range(3)) + ba[r] + ba_drift[r] * frac
          + rng.gauss(0, na) for r in range(3)]
    wm = [sum(Sg[r][c] * w[c] for c in range(3)) + bg[r] + bg_drift[r] * frac
          + rw[r] + rng.gauss(0, ng) for r in range(3)]
    am = [max(-32768, min(32767, round(v / a_lsb))) * a_lsb for v in am]
    wm = [max(-32768, min(32767, round(v / g_lsb))) * g_lsb for v in wm]
    if not keep[j]:
      continue
    jitter = rng.gauss(0.0, 5e-5) if j > 0 else 0.0
    if t_first is None:
      t_first = t_true
    ts = t_true - t_first + jitter
    if ts <= last_t + 1e-5:
      ts = last_t + 1e-5
    ts = round(ts, 6)
    last_t = ts
    vals = {"t_s": "%.6f" % ts,
            "acc_x": fmt_num(am[0], 5, style), "acc_y": fmt_num(am[1], 5, style),
            "acc_z": fmt_num(am[2], 5, style),
            "gyr_x": fmt_num(wm[0], 7, style), "gyr_y": fmt_num(wm[1], 7, style),
            "gyr_z": fmt_num(wm[2], 7, style), "seq": str(seq0 + j)}
    if load is not None:
      # sample-and-hold of the slower load-cell ADC
      li = int(int(t_true * load_sens) / load_sens / dt)
      lv = load[min(n - 1, li)]
      if j in load_spikes:  # a bit-bang glitch of the HX711
        lv += lrng.choice([-1, 1]) * lrng.uniform(100.0, 800.0)
      vals["load_n"] = "%.2f" % lv
    rows.append(",".join(vals[c] for c in cols))
    truth_rows.append("%.6f,%.4f" % (ts, theta[i]))

  header = ["# format: traction-recording/1",
            "# rate_hz: %d" % rate,
            "# sensor: %s" % sensor,
            "# placement: upper-back",
            "# started: 2026-%02d-%02dT%02d:%02d:%02dZ" % (
                rng.randint(1, 12), rng.randint(1, 28), rng.randint(6, 21),
                rng.randint(0, 59), rng.randint(0, 59)),
            "# accel_range_g: %d" % arange,
            "# gyro_range_dps: %d" % grange,
            "# note: independent generator seed %d index %d" % (seed, index)]
  if extra_comment:
    m = len(rows) // 2
    rows.insert(m, "# note: mid-file comment line")
    rows.insert(m, "")
    # keep truth aligned to samples only (comment/blank lines are not samples)
  meta = {"rate_hz": rate, "clock_err": clock_err, "sensor": sensor,
          "mount_yaw_deg": m_yaw / DEG, "mount_tilt_deg": m_tilt / DEG,
          "distractors": dist.log, "columns": cols, "attempt": attempt,
          "duration_s": total,
          "load_rate_hz": load_sens if load is not None else None}
  return header, cols, rows, truth_rows, labels, meta


# ----------------------------------------------------------------------------
# Labels following exercise-model.md
# ----------------------------------------------------------------------------

def crossings_reps(grid, theta, thr=5.0, min_dur=3.0, min_peak=8.0):
  reps = []
  above = theta[0] > thr
  start = None
  for i in range(1, len(grid)):
    a, b = theta[i - 1], theta[i]
    if not above and b > thr >= a:
      t = grid[i - 1] + (thr - a) / (b - a) * (grid[i] - grid[i - 1])
      start = (t, i)
      above = True
    elif above and b <= thr < a:
      t = grid[i - 1] + (a - thr) / (a - b) * (grid[i] - grid[i - 1])
      if start is not None:
        pk = max(theta[start[1]:i])
        if t - start[0] >= min_dur and pk > min_peak:
          reps.append({"start": start[0], "end": t, "peak_deg": pk})
      above = False
      start = None
  return reps


def span_mean(grid, vals, t0, t1, dt):
  i0 = max(0, int(math.ceil(t0 / dt)))
  i1 = min(len(grid) - 1, int(t1 / dt))
  seg = vals[i0:i1 + 1]
  return sum(seg) / max(1, len(seg)), seg


def make_labels(sess, variants, grid, theta, intent, ripple, dt):
  reps = crossings_reps(grid, theta)
  if len(reps) != len(sess.reps):
    return None, False, "rep count %d != %d" % (len(reps), len(sess.reps))
  for r, pr in zip(reps, sess.reps):
    if not (pr["rise_start"] <= r["start"] and r["end"] <= pr["lower_end"]):
      return None, False, "rep outside its planned span"
  holds = []
  means = []
  flat = [theta[i] - ripple[i] for i in range(len(theta))]
  for h in sess.holds:
    if h["end"] - h["start"] < 2.0:
      return None, False, "hold too short"
    m, seg = span_mean(grid, theta, h["start"], h["end"], dt)
    # within +-1.5 deg of its mean once ripple is set aside
    mi, segi = span_mean(grid, flat, h["start"], h["end"], dt)
    if max(abs(v - mi) for v in segi) > 1.5:
      return None, False, "hold not flat"
    if h["kind"] == "top" and h["end"] - h["start"] < 5.0:
      return None, False, "top too short"
    inside = any(r["start"] < h["start"] and h["end"] < r["end"] for r in reps)
    if not inside:
      return None, False, "hold outside rep"
    means.append(m)
    holds.append({"start": round(h["start"], 3), "end": round(h["end"], 3),
                  "kind": h["kind"], "mean_deg": round(m, 3)})
  steps = []
  for s in sess.steps:
    rise = means[s["next_hold"]] - means[s["prev_hold"]]
    if rise < 1.05:
      return None, False, "step rise too small"
    steps.append({"t": round(s["t"], 3), "rise_deg": round(rise, 3)})
  lab = {"variant_per_rep": variants,
         "reps": [{"start": round(r["start"], 3), "end": round(r["end"], 3),
                   "peak_deg": round(r["peak_deg"], 3)} for r in reps],
         "holds": holds,
         "breath_steps": steps}
  return lab, True, ""


# ----------------------------------------------------------------------------

def main():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--out", required=True)
  ap.add_argument("--count", type=int, default=48)
  ap.add_argument("--seed", type=int, default=1)
  ap.add_argument("--prefix", default="ind")
  ap.add_argument("--meta", action="store_true",
                  help="also write NAME.meta.json (generator parameters)")
  ap.add_argument("--load-fraction", type=float, default=0.3,
                  help="share of recordings with a load_n column (default 0.3)")
  ap.add_argument("--stress", action="store_true",
                  help="hard edge of the spec: full ripple, 1-1.8 deg steps, "
                  "2-2.6 s step holds, 15-20 deg mount tilt")
  args = ap.parse_args()
  global STRESS, LOAD_FRACTION
  STRESS = args.stress
  LOAD_FRACTION = args.load_fraction
  os.makedirs(args.out, exist_ok=True)
  for idx in range(args.count):
    name = "%s_s%d_%03d" % (args.prefix, args.seed, idx)
    header, cols, rows, truth, labels, meta = generate_one(args.seed, idx)
    base = os.path.join(args.out, name)
    with open(base + ".csv", "w") as f:
      f.write("\n".join(header) + "\n" + ",".join(cols) + "\n")
      f.write("\n".join(rows) + "\n")
    with open(base + ".truth.csv", "w") as f:
      f.write("t_s,theta_deg\n" + "\n".join(truth) + "\n")
    with open(base + ".labels.json", "w") as f:
      json.dump(labels, f, indent=1)
      f.write("\n")
    if args.meta:
      with open(base + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print("%s  %3d Hz  %5.1f s  reps=%d  %s  %s" % (
        name, meta["rate_hz"], meta["duration_s"], len(labels["reps"]),
        ",".join(labels["variant_per_rep"]),
        " ".join(str(x[0]) for x in meta["distractors"])), flush=True)


if __name__ == "__main__":
  main()
