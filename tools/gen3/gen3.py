#!/usr/bin/env python3
"""gen3 -- labelled-recording generator for the prone lumbar-extension monitor.

Written only from the project's specs (recording-format.md, exercise-model.md)
and the shared references.  Standard library only.  See README.md beside this
file for the model and every modelling choice.

    python3 gen3.py --out DIR --count 48 --seed N      generate a corpus
    python3 gen3.py --check DIR                         self-check a corpus

Per recording NAME: NAME.csv (traction-recording/1), NAME.labels.json,
NAME.truth.csv (t_s,theta_deg at the recording's sample times).
"""

import argparse
import bisect
import json
import math
import os
import random
import sys
import time

G0 = 9.80665
DEG = math.pi / 180.0
TWO_PI = 2.0 * math.pi


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def minjerk(u):
    return u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)


def smoothstep(x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    return x * x * (3.0 - 2.0 * x)


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


def loguniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def wchoice(rng, items):
    """items: list of (value, weight)."""
    tot = sum(w for _, w in items)
    x = rng.random() * tot
    for v, w in items:
        x -= w
        if x <= 0:
            return v
    return items[-1][0]


def mat_mul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def mat_t(a):
    return [[a[j][i] for j in range(3)] for i in range(3)]


def flat(a):
    """A 3x3 matrix as 9 numbers, row by row."""
    return [a[0][0], a[0][1], a[0][2], a[1][0], a[1][1], a[1][2], a[2][0], a[2][1], a[2][2]]


def rot9(q, v):
    """The flat 3x3 matrix q applied to the vector v."""
    return (q[0] * v[0] + q[1] * v[1] + q[2] * v[2],
            q[3] * v[0] + q[4] * v[1] + q[5] * v[2],
            q[6] * v[0] + q[7] * v[1] + q[8] * v[2])


def mat_vec(a, v):
    return [a[0][0] * v[0] + a[0][1] * v[1] + a[0][2] * v[2],
            a[1][0] * v[0] + a[1][1] * v[1] + a[1][2] * v[2],
            a[2][0] * v[0] + a[2][1] * v[1] + a[2][2] * v[2]]


def rot_axis(axis, ang):
    x, y, z = axis
    n = math.sqrt(x * x + y * y + z * z)
    x, y, z = x / n, y / n, z / n
    c, s = math.cos(ang), math.sin(ang)
    C = 1 - c
    return [[c + x * x * C, x * y * C - z * s, x * z * C + y * s],
            [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
            [z * x * C - y * s, z * y * C + x * s, c + z * z * C]]


def rot_x(a):
    return rot_axis((1, 0, 0), a)


def rot_y(a):
    return rot_axis((0, 1, 0), a)


def rot_z(a):
    return rot_axis((0, 0, 1), a)


def random_rotation(rng):
    q = [rng.gauss(0, 1) for _ in range(4)]
    n = math.sqrt(sum(v * v for v in q))
    w, x, y, z = (v / n for v in q)
    return [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]


def random_unit(rng):
    v = [rng.gauss(0, 1) for _ in range(3)]
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def trunk_R(th, ph, ps):
    """R = Rz(ps) * Ry(-th) * Rx(ph), angles in rad.  Columns: trunk axes in
    floor frame.  Trunk frame: x toward the head, y to the left, z out of the
    back (up when lying prone)."""
    ca = math.cos(th)
    sa = -math.sin(th)
    cf = math.cos(ph)
    sf = math.sin(ph)
    cp = math.cos(ps)
    sp = math.sin(ps)
    return (cp * ca, cp * sa * sf - sp * cf, cp * sa * cf + sp * sf,
            sp * ca, sp * sa * sf + cp * cf, sp * sa * cf - cp * sf,
            -sa, ca * sf, ca * cf)


def euler_body_rate(th, ph, dth, dph, dps):
    """Body angular velocity (trunk frame) of R = Rz(ps) Ry(-th) Rx(ph)."""
    a_dot = -dth
    ca = math.cos(th)
    sa = -math.sin(th)
    cf = math.cos(ph)
    sf = math.sin(ph)
    v0 = -sa * dps
    v1 = a_dot
    v2 = ca * dps
    return (v0 + dph, cf * v1 + sf * v2, -sf * v1 + cf * v2)


# ---------------------------------------------------------------------------
# signal building blocks (all times in TRUE seconds, session time base)
# ---------------------------------------------------------------------------

class Channel:
    """A scalar signal = min-jerk knot path + raised-cosine bumps + windowed
    sinusoids."""

    def __init__(self, v0=0.0):
        self.v0 = v0
        self.kt = []
        self.kv = []
        self.bumps = []     # (t0, tp, t1, amp)
        self.windows = []   # (t0, t1, ramp, [(amp, f, phase), ...])

    def last(self):
        return self.kv[-1] if self.kv else self.v0

    def last_t(self):
        return self.kt[-1] if self.kt else -1e9

    def add(self, t, v):
        if self.kt and t < self.kt[-1] - 1e-12:
            raise ValueError("knot out of order")
        self.kt.append(t)
        self.kv.append(v)

    def move(self, t0, t1, v):
        """min-jerk from the current level at t0 to v at t1."""
        self.add(t0, self.last())
        self.add(t1, v)

    def bump(self, t0, tp, t1, amp):
        self.bumps.append((t0, tp, t1, amp))

    def window(self, t0, t1, ramp, comps):
        self.windows.append((t0, t1, ramp, comps))

    def is_const(self):
        return not self.kt and not self.bumps and not self.windows

    def knot_eval(self, ts):
        kt, kv = self.kt, self.kv
        n = len(kt)
        if n == 0:
            return [self.v0] * len(ts)
        out = [0.0] * len(ts)
        i = 0
        for idx, t in enumerate(ts):
            while i < n and kt[i] <= t:
                i += 1
            if i == 0:
                out[idx] = kv[0]
            elif i == n:
                out[idx] = kv[-1]
            else:
                a = kv[i - 1]
                b = kv[i]
                if a == b:
                    out[idx] = a
                else:
                    t0 = kt[i - 1]
                    u = (t - t0) / (kt[i] - t0)
                    out[idx] = a + (b - a) * minjerk(u)
        return out

    def add_transients(self, ts, out):
        cos = math.cos
        for (t0, tp, t1, amp) in self.bumps:
            lo = bisect.bisect_left(ts, t0)
            hi = bisect.bisect_right(ts, t1)
            for idx in range(lo, hi):
                t = ts[idx]
                if t < tp:
                    v = 0.5 - 0.5 * cos(math.pi * (t - t0) / (tp - t0))
                else:
                    v = 0.5 + 0.5 * cos(math.pi * (t - tp) / (t1 - tp))
                out[idx] += amp * v
        sin = math.sin
        for (t0, t1, ramp, comps) in self.windows:
            lo = bisect.bisect_left(ts, t0)
            hi = bisect.bisect_right(ts, t1)
            for idx in range(lo, hi):
                t = ts[idx]
                if t < t0 + ramp:
                    env = 0.5 - 0.5 * cos(math.pi * (t - t0) / ramp)
                elif t > t1 - ramp:
                    env = 0.5 - 0.5 * cos(math.pi * (t1 - t) / ramp)
                else:
                    env = 1.0
                s = 0.0
                for (a, f, p) in comps:
                    s += a * sin(TWO_PI * f * t + p)
                out[idx] += env * s
        return out

    def eval(self, ts):
        return self.add_transients(ts, self.knot_eval(ts))


class Breathing:
    """Breathing ripple: a phase process with smoothly varying rate and a
    per-cycle waveform; amplitude set from posture."""

    def __init__(self, rng, style):
        self.style = style
        self.rng = rng
        if style == "harmonic":
            self.f0 = rng.uniform(0.14, 0.40)
            cmax = 0.06
        elif style == "asym":
            self.f0 = rng.uniform(0.14, 0.40)
            cmax = 0.12
        elif style == "irregular":
            self.f0 = rng.uniform(0.15, 0.36)
            cmax = 0.35
        else:  # pausey
            self.f0 = rng.uniform(0.11, 0.22)
            cmax = 0.2
        cmax = min(cmax, 0.5 / self.f0 - 1.0 - 0.01, 1.0 - 0.1 / self.f0 - 0.01)
        cmax = max(cmax, 0.0)
        nc = rng.randint(1, 3)
        tot = rng.uniform(0.3, 1.0) * cmax
        ws = [rng.random() + 0.2 for _ in range(nc)]
        sw = sum(ws)
        self.mods = [(tot * w / sw, rng.uniform(0.01, 0.12), rng.uniform(0, TWO_PI)) for w in ws]
        self.phi0 = rng.uniform(0.0, 1.0)
        # harmonic shape coefficients
        if style == "harmonic":
            for _ in range(50):
                c2 = rng.uniform(0.0, 0.3)
                c3 = rng.uniform(0.0, 0.15)
                p2 = rng.uniform(0, TWO_PI)
                p3 = rng.uniform(0, TWO_PI)
                raw = [(-math.cos(TWO_PI * u) + c2 * math.cos(2 * TWO_PI * u + p2)
                        + c3 * math.cos(3 * TWO_PI * u + p3)) for u in [i / 2000.0 for i in range(2000)]]
                # unimodal check: derivative sign changes == 2
                d = [raw[(i + 1) % 2000] - raw[i] for i in range(2000)]
                ch = sum(1 for i in range(2000) if (d[i] > 0) != (d[i - 1] > 0))
                if ch == 2:
                    break
            self.h = (c2, p2, c3, p3)
            lo = min(raw)
            hi = max(raw)
            self.h_mid = 0.5 * (lo + hi)
            self.h_half = 0.5 * (hi - lo)
            itr = raw.index(lo)
            ipk = raw.index(hi)
            rise = (ipk - itr) % 2000
            # upward mid crossing
            umid = None
            for j in range(rise):
                i = (itr + j) % 2000
                if raw[i] >= self.h_mid:
                    umid = i / 2000.0
                    break
            self.h_umid = umid
            self.h_rise = rise / 2000.0
        if style == "asym":
            self.base_ui = rng.uniform(0.25, 0.5)
            self.base_ue = rng.uniform(0.9, 1.0)
        self.cycles = []

    def cycle(self, k):
        rng = self.rng
        while len(self.cycles) <= k:
            st = self.style
            if st == "harmonic":
                c = (None, None, 1.0)
            elif st == "asym":
                c = (self.base_ui * rng.uniform(0.95, 1.05), self.base_ue, rng.uniform(0.9, 1.0))
            elif st == "irregular":
                ui = rng.uniform(0.28, 0.55)
                ue = min(1.0, ui + rng.uniform(0.35, 0.72))
                m = rng.uniform(0.55, 0.9)
                if rng.random() < 0.1:
                    m = 1.0  # a sigh
                c = (ui, ue, m)
            else:
                ui = rng.uniform(0.18, 0.35)
                ue = ui + rng.uniform(0.25, 0.42)
                ue = min(ue, 0.85)
                c = (ui, ue, rng.uniform(0.8, 1.0))
            self.cycles.append(c)
        return self.cycles[k]

    def phase(self, t):
        s = t
        for (c, nu, p) in self.mods:
            s += c * (math.cos(p) - math.cos(TWO_PI * nu * t + p)) / (TWO_PI * nu)
        return self.phi0 + self.f0 * s

    def freq(self, t):
        s = 1.0
        for (c, nu, p) in self.mods:
            s += c * math.sin(TWO_PI * nu * t + p)
        return self.f0 * s

    def inv_phase(self, target):
        lo, hi = 0.0, 10.0
        while self.phase(hi) < target:
            hi *= 2
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if self.phase(mid) < target:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    def shape(self, phi):
        k = int(math.floor(phi))
        u = phi - k
        if self.style == "harmonic":
            c2, p2, c3, p3 = self.h
            raw = (-math.cos(TWO_PI * u) + c2 * math.cos(2 * TWO_PI * u + p2)
                   + c3 * math.cos(3 * TWO_PI * u + p3))
            w = (raw - self.h_mid) / self.h_half
            m = 1.0
        else:
            ui, ue, m0 = self.cycle(k)
            if u < ui:
                w = -math.cos(math.pi * u / ui)
            elif u < ue:
                w = math.cos(math.pi * (u - ui) / (ue - ui))
            else:
                w = -1.0
            m1 = self.cycle(k + 1)[2]
            m = m0 + (m1 - m0) * (0.5 - 0.5 * math.cos(math.pi * u))
        return w, m

    def inhale_info(self, k):
        """(phase of inhale midpoint, inhale length in phase units)."""
        if self.style == "harmonic":
            return k + self.h_umid, self.h_rise
        ui, ue, m = self.cycle(k)
        return k + ui / 2.0, ui

    def max_m(self):
        return 1.0


# ---------------------------------------------------------------------------
# the session model
# ---------------------------------------------------------------------------

# Pitch excursions that are no rep: ranges of peak (deg), rise, hold and return (s).
PITCH_EXCURSIONS = {
    "glance": ((6.0, 13.0), (0.3, 0.8), (0.0, 0.5), (0.3, 0.9)),
    "halfrise": ((5.7, 6.6), (0.8, 2.0), (3.0, 7.0), (0.8, 2.0)),
    "falsestart": ((2.0, 3.6), (0.5, 1.5), (0.2, 1.5), (0.4, 1.2)),
}


def excursion(th, t, peak, d1, hold, d2):
    """A pitch excursion that is no rep: up to `peak` over d1 s, held `hold` s, back over d2 s.
    Returns its end."""
    base = th.last()
    th.move(t, t + d1, peak)
    if hold > 0:
        th.add(t + d1 + hold, peak)
    th.move(t + d1 + hold, t + d1 + hold + d2, base)
    return t + d1 + hold + d2


class Session:
    def __init__(self, rng, cfg):
        self.rng = rng
        self.cfg = cfg
        self.th = Channel(0.0)     # extension angle, deg (knots = base posture)
        self.ph = Channel(0.0)     # roll about the long axis, deg
        self.ps = Channel(0.0)     # yaw (heading), deg
        self.x = Channel(0.0)      # whole-body translation, m (floor frame)
        self.y = Channel(0.0)
        self.z = Channel(0.0)
        self.beta = Channel(0.0)   # extra pelvic tilt, deg
        self.bh = Channel(1.0)     # breath amplitude factor (breath holding)
        self.push = Channel(0.0)   # traction push on the elbows, N
        self.sq = Channel(cfg["sq_rest"])  # knee squeeze, N
        self.ld = Channel(0.0)     # load transients, N
        self.taps = []
        self.reps = []             # dicts with variant, rise_t, end_t, holds, steps
        self.rests = []            # (t0, t1) lying intervals after the first rep
        self.breath = Breathing(random.Random(cfg["breath_seed"]), cfg["breath_style"])
        self.A_lie = cfg["A_lie"]
        self.A_up = cfg["A_up"]
        self.excursions = []       # deliberate non-rep excursions (kind, t0, t1)

    # ---- lying distractors ------------------------------------------------
    def lie_level(self):
        return self.th.last()

    def fill_rest(self, ta, tb):
        rng = self.rng
        p_event = self.cfg["p_event"]
        cur = ta + rng.uniform(0.8, 2.0)
        while cur < tb - 1.5:
            if rng.random() > p_event:
                cur += rng.uniform(2.0, 6.0)
                continue
            kind = wchoice(rng, self.cfg["event_weights"])
            used = self.place_event(kind, cur, tb - 1.0)
            if used is None:
                cur += rng.uniform(1.0, 3.0)
                continue
            cur = used + rng.uniform(1.0, 5.0)

    def place_event(self, kind, t, tmax):
        rng = self.rng
        th, ph, ps = self.th, self.ph, self.ps
        if kind == "fidget":
            d = rng.uniform(0.5, 2.5)
            if t + d > tmax:
                return None
            tp = t + d * rng.uniform(0.3, 0.6)
            th.bump(t, tp, t + d, rng.uniform(-1.0, 1.2))
            ph.bump(t, tp, t + d, rng.choice([-1, 1]) * rng.uniform(0.5, 4.0))
            ps.bump(t, tp, t + d, rng.choice([-1, 1]) * rng.uniform(0.5, 6.0))
            for ch in (self.x, self.y, self.z):
                ch.bump(t, tp, t + d, rng.uniform(-0.02, 0.02))
            self.beta.bump(t, tp, t + d, rng.uniform(-1.0, 1.0))
            self.ld.bump(t, tp, t + d, rng.uniform(-20, 20))
            if rng.random() < 0.5:
                th.move(t, t + d, clamp(th.last() + rng.uniform(-0.5, 0.5), -1.2, 1.2))
                ph.move(t, t + d, clamp(ph.last() + rng.uniform(-1.5, 1.5), -2.5, 2.5))
                ps.move(t, t + d, ps.last() + rng.uniform(-6, 6))
            return t + d
        if kind == "cough":
            n = rng.randint(1, 3)
            c = t
            for _ in range(n):
                r = rng.uniform(0.04, 0.10)
                f = rng.uniform(0.12, 0.30)
                if c + r + f > tmax:
                    break
                a = rng.uniform(0.3, 2.0)
                th.bump(c, c + r, c + r + f, a)
                self.z.bump(c, c + r, c + r + f, rng.uniform(0.002, 0.008))
                self.x.bump(c, c + r, c + r + f, rng.uniform(-0.004, 0.004))
                self.beta.bump(c, c + r, c + r + f, rng.uniform(-0.5, 0.5))
                self.ld.bump(c, c + r, c + r + f, rng.uniform(5, 40))
                c += r + f + rng.uniform(0.15, 0.6)
            if c == t:
                return None
            return c
        if kind == "roll":
            ang = rng.choice([-1, 1]) * rng.uniform(5.0, 15.0)
            d1 = rng.uniform(0.8, 3.0)
            hold = rng.uniform(1.5, 10.0)
            d2 = rng.uniform(0.8, 3.0)
            if t + d1 + hold + d2 > tmax:
                return None
            base = ph.last()
            ph.move(t, t + d1, base + ang)
            ph.move(t + d1 + hold, t + d1 + hold + d2, clamp(base + rng.uniform(-1, 1), -2.5, 2.5))
            k = rng.uniform(-0.03, 0.03)
            th.bump(t, t + d1, t + d1 + hold + d2, abs(ang) * k)  # tiny coupled pitch
            self.beta.bump(t, t + d1, t + d1 + hold + d2, rng.uniform(-0.8, 0.8))
            self.ld.bump(t, t + d1, t + d1 + hold + d2, rng.uniform(-10, 10))
            return t + d1 + hold + d2
        if kind in PITCH_EXCURSIONS:
            # Drawn in this order: peak, rise, hold, return.
            peak, d1, hold, d2 = (rng.uniform(lo, hi) for lo, hi in PITCH_EXCURSIONS[kind])
            if t + d1 + hold + d2 > tmax:
                return None
            end = excursion(th, t, peak, d1, hold, d2)
            if kind != "falsestart":
                self.excursions.append((kind, t, end))
            return end
        if kind == "yaw":
            d = rng.uniform(0.5, 2.0)
            if t + d > tmax:
                return None
            ps.move(t, t + d, ps.last() + rng.choice([-1, 1]) * rng.uniform(3, 12))
            return t + d
        if kind == "slide":
            d = rng.uniform(0.4, 1.5)
            if t + d > tmax:
                return None
            self.x.move(t, t + d, self.x.last() + rng.uniform(-0.08, 0.08))
            self.y.move(t, t + d, self.y.last() + rng.uniform(-0.03, 0.03))
            return t + d
        if kind == "legshift":
            d = rng.uniform(0.6, 2.0)
            if t + d > tmax:
                return None
            tp = t + d * rng.uniform(0.3, 0.7)
            self.beta.bump(t, tp, t + d, rng.uniform(-2.0, 2.0))
            ph.bump(t, tp, t + d, rng.uniform(-2.0, 2.0))
            th.bump(t, tp, t + d, rng.uniform(-0.4, 0.4))
            self.z.bump(t, tp, t + d, rng.uniform(-0.005, 0.005))
            return t + d
        raise ValueError(kind)

    # ---- hold decorations ------------------------------------------------
    def decorate_hold(self, h0, h1):
        rng = self.rng
        cfg = self.cfg
        d = h1 - h0
        if d >= 4.0 and rng.random() < cfg["p_sway"]:
            ramp = min(1.0, d / 4)
            self.ph.window(h0 + 0.3, h1 - 0.3, ramp,
                           [(rng.uniform(0.5, 2.0), rng.uniform(0.05, 0.25), rng.uniform(0, TWO_PI))])
        if d >= 4.0 and rng.random() < cfg["p_sway"]:
            ramp = min(1.0, d / 4)
            self.ps.window(h0 + 0.3, h1 - 0.3, ramp,
                           [(rng.uniform(0.3, 2.5), rng.uniform(0.05, 0.2), rng.uniform(0, TWO_PI))])
        if cfg["tremor"] and d >= 3.0 and rng.random() < 0.7:
            f = rng.uniform(6.0, 10.5)
            df = rng.uniform(0.3, 1.5)
            a = rng.uniform(0.01, 0.05)
            t0 = h0 + rng.uniform(0.2, 0.4 * d)
            t1 = h1 - rng.uniform(0.2, 0.3 * d)
            ramp = min(0.8, (t1 - t0) / 3)
            self.th.window(t0, t1, ramp, [(a, f, rng.uniform(0, TWO_PI)), (a * 0.5, f + df, rng.uniform(0, TWO_PI))])
            self.ph.window(t0, t1, ramp, [(rng.uniform(0.02, 0.10), f, rng.uniform(0, TWO_PI))])
            self.ps.window(t0, t1, ramp, [(rng.uniform(0.02, 0.10), f + df, rng.uniform(0, TWO_PI))])

    # ---- one rep ---------------------------------------------------------
    def rise(self, t, level):
        """rise from the current lying level to `level`; returns the time the
        posture is settled on the plateau."""
        rng = self.rng
        th = self.th
        b = th.last()
        over = rng.uniform(0.4, 2.0) if rng.random() < self.cfg["p_overshoot"] else 0.0
        if rng.random() < self.cfg["p_staged"]:
            m = b + rng.uniform(0.35, 0.7) * (level - b)
            d1 = rng.uniform(0.5, 2.0)
            p = rng.uniform(0.2, 1.0)
            d2 = rng.uniform(0.5, 2.0)
            th.move(t, t + d1, m)
            th.add(t + d1 + p, m)
            th.move(t + d1 + p, t + d1 + p + d2, level + over)
            t = t + d1 + p + d2
        else:
            d = loguniform(rng, 0.6, 4.5)
            th.move(t, t + d, level + over)
            t = t + d
        if over > 0:
            ds = rng.uniform(0.4, 1.2)
            th.move(t, t + ds, level)
            t += ds
        return t

    def lower(self, t):
        rng = self.rng
        th = self.th
        top = th.last()
        b2 = clamp(self.lying_level * rng.uniform(0.3, 1.0) + rng.uniform(-0.8, 0.8), -1.2, 1.2)
        if rng.random() < self.cfg["p_staged"]:
            m = top + rng.uniform(0.3, 0.65) * (b2 - top)
            d1 = rng.uniform(0.4, 2.0)
            p = rng.uniform(0.2, 1.0)
            d2 = rng.uniform(0.5, 2.5)
            th.move(t, t + d1, m)
            th.add(t + d1 + p, m)
            th.move(t + d1 + p, t + d1 + p + d2, b2)
            t = t + d1 + p + d2
        else:
            d = loguniform(self.rng, 0.6, 5.0)
            th.move(t, t + d, b2)
            t += d
        self.lying_level = b2
        return t

    def next_inhale(self, tmin):
        """first inhale whose step (centred on the inhale middle) starts at or
        after tmin: returns (t_mid, D, inhale_duration)."""
        br = self.breath
        k = max(0, int(math.floor(br.phase(tmin))) - 1)
        while True:
            pmid, plen = br.inhale_info(k)
            tm = br.inv_phase(pmid)
            f = br.freq(tm)
            idur = plen / f
            D = clamp(idur * self.rng.uniform(0.75, 1.2), 0.6, 3.7)
            if tm - D / 2 >= tmin:
                return tm, D, idur
            k += 1

    def rep(self, t, variant):
        rng = self.rng
        cfg = self.cfg
        th = self.th
        rec = {"variant": variant, "rise_t": t, "holds": [], "steps": []}
        if variant == "basic":
            level = rng.uniform(9.5, 35.0)
            if rng.random() < 0.15:
                self.sq.move(t - rng.uniform(0.3, 1.5), t, rng.uniform(5, 30))
            h0 = self.rise(t, level)
            hd = loguniform(rng, 3.0, 60.0) if rng.random() < 0.85 else rng.uniform(60.0, 100.0)
            drift = rng.uniform(-0.9, 0.9) if rng.random() < 0.5 else 0.0
            th.move(h0, h0 + hd, level + drift)
            h1 = h0 + hd
            rec["holds"].append((h0, h1, "traction"))
            self.decorate_hold(h0, h1)
            push = rng.uniform(15, 90)
            a = h0 + rng.uniform(0.0, 0.8)
            self.push.move(a, a + rng.uniform(0.3, 1.2), push)
            e = max(self.push.last_t() + 0.1, h1 - rng.uniform(0.3, 1.0))
            self.push.move(e, e + 0.3, 0.0)
            t = self.lower(h1)
            if self.sq.last() != cfg["sq_rest"]:
                self.sq.move(t, t + rng.uniform(0.3, 1.0), cfg["sq_rest"])
        else:
            # squeeze the knees (pelvis anchor) before rising
            ts = t - rng.uniform(0.6, 2.0)
            fsq = rng.uniform(100, 350)
            self.sq.move(ts, ts + rng.uniform(0.3, 0.8), fsq)
            self.beta.move(ts, ts + 0.8, rng.uniform(-2.5, 1.0))
            level = rng.uniform(7.0, 22.0)
            h0 = self.rise(t, level)
            # traction hold, then three breath steps
            hmin = rng.uniform(2.5, 10.0)
            tm, D, idur = self.next_inhale(h0 + hmin)
            drift = rng.uniform(-0.5, 0.5) if rng.random() < 0.4 else 0.0
            th.move(h0, tm - D / 2, level + drift)
            rec["holds"].append((h0, tm - D / 2, "traction"))
            self.decorate_hold(h0, tm - D / 2)
            a = h0 + rng.uniform(0.0, 0.8)
            self.push.move(a, a + rng.uniform(0.3, 1.2), rng.uniform(15, 70))
            maxsag = max(0.0, 0.9 - cfg["A_up_max"])
            for i in range(3):
                s = rng.uniform(1.2, 4.0)
                L = th.last()
                th.move(tm - D / 2, tm + D / 2, L + s)
                rec["steps"].append((tm, D))
                self.sq.bump(tm - D / 2, tm, tm + D / 2, rng.uniform(-10, 25))
                hs = tm + D / 2
                sag_end = hs
                if rng.random() < 0.6 and maxsag > 0.02:
                    g = rng.uniform(0.0, maxsag)
                    se = hs + rng.uniform(0.8, 2.5)
                    th.move(hs + rng.uniform(0.0, 0.3), se, L + s - g)
                    sag_end = se
                if self.push.last_t() < hs:
                    self.push.move(hs, hs + 0.5, self.push.last() + rng.uniform(-5, 15))
                if i < 2:
                    hmin = rng.uniform(2.5, 8.0)
                    tm2, D2, idur2 = self.next_inhale(max(hs + hmin, sag_end + 0.3))
                    rec["holds"].append((hs, tm2 - D2 / 2, "step"))
                    self.decorate_hold(hs, tm2 - D2 / 2)
                    tm, D = tm2, D2
                else:
                    if rng.random() < 0.88:
                        htop = rng.uniform(5.2, 12.0)
                    else:
                        htop = rng.uniform(2.6, 4.7)
                    htop = max(htop, sag_end - hs + 0.5)
                    h1 = hs + htop
                    if th.last_t() < h1:
                        th.add(h1, th.last())
                    rec["holds"].append((hs, h1, "top"))
                    self.decorate_hold(hs, h1)
                    if htop > 3.0 and rng.random() < cfg["p_breathhold"]:
                        q = rng.uniform(0.1, 0.4)
                        self.bh.move(hs + 0.3, hs + 1.1, q)
                        self.bh.move(h1 - 0.8, h1, 1.0)
            e = max(self.push.last_t() + 0.1, h1 - rng.uniform(0.3, 1.0))
            self.push.move(e, e + 0.3, 0.0)
            t = self.lower(h1)
            te = t + rng.uniform(0.0, 1.0)
            self.sq.move(te, te + rng.uniform(0.3, 1.0), cfg["sq_rest"])
            self.beta.move(te, te + 1.0, 0.0)
        rec["end_t"] = t
        self.reps.append(rec)
        return t

    def build(self):
        rng = self.rng
        cfg = self.cfg
        self.lying_level = 0.0
        t = cfg["still0"]
        pre = cfg["pre_rest"]
        if pre > 0:
            self.fill_rest(t, t + pre)
            t += pre
        t = max(t, self.th.last_t() + 0.5, self.ph.last_t() + 0.5, cfg["still0"] + 2.1)
        for i, variant in enumerate(cfg["variants"]):
            t = max(t, self.th.last_t() + 0.3, self.sq.last_t() + 2.2, self.beta.last_t() + 2.2,
                    self.push.last_t() + 0.3, self.bh.last_t() + 0.3)
            t = self.rep(t, variant)
            rest = cfg["rests"][i]
            r0 = t
            self.fill_rest(t, t + rest)
            t += rest
            t = max(t, self.th.last_t() + 0.8, self.ph.last_t() + 0.8, self.ps.last_t() + 0.3,
                    self.x.last_t() + 0.3, self.beta.last_t() + 0.3)
            self.rests.append((r0, t))
        self.t_end = t
        # taps on the sensor: anywhere after the still start
        for _ in range(cfg["n_taps"]):
            tt = rng.uniform(cfg["still0"] + 0.5, self.t_end - 0.5)
            self.taps.append(self.make_tap(tt))
        return self

    def make_tap(self, t):
        rng = self.rng
        return {
            "t": t,
            "acc_amp": loguniform(rng, 4.0, 120.0),
            "acc_f": rng.uniform(25.0, 80.0),
            "acc_tau": rng.uniform(0.008, 0.04),
            "acc_dir_mix": rng.uniform(0.0, 0.4),
            "acc_rand": random_unit(rng),
            "wob_amp": rng.uniform(0.2, 4.0) * DEG,
            "wob_f": rng.uniform(4.0, 12.0),
            "wob_tau": rng.uniform(0.03, 0.15),
            "wob_axis": random_unit(rng),
            "imu": 2 if (self.cfg["sacrum"] and rng.random() < 0.2) else 1,
        }

    # ---- evaluation ------------------------------------------------------
    def eval_theta(self, ts, want_parts=False):
        thk = self.th.knot_eval(ts)
        thv = self.th.add_transients(ts, list(thk))
        bh = self.bh.eval(ts)
        br = self.breath
        A_lie, A_up = self.A_lie, self.A_up
        rip = [0.0] * len(ts)
        for i, t in enumerate(ts):
            w, m = br.shape(br.phase(t))
            A = (A_lie + (A_up - A_lie) * smoothstep((thk[i] - 2.0) / 6.0)) * m * bh[i]
            if A > 0.8:
                A = 0.8
            rip[i] = A * w
        tot = [a + b for a, b in zip(thv, rip)]
        if want_parts:
            return tot, thk, rip
        return tot


# ---------------------------------------------------------------------------
# configuration of one recording
# ---------------------------------------------------------------------------

RATES = [(50.0, "50"), (60.0, "60"), (100.0, "100"), (104.0, "104"), (125.0, "125"),
         (200.0, "200"), (208.0, "208"), (250.0, "250"), (1000.0 / 3.5, "285.714"),
         (1000.0 / 3.0, "333.333"), (400.0, "400")]

SENSORS = ["mpu6050", "mpu6500", "mpu9250", "icm20600", "icm20948", "lsm6ds3", "lsm6dsox", "bmi160"]


def make_mount(rng):
    style = wchoice(rng, [("near-canonical", 3), ("upside-down", 2), ("on-side", 2), ("uniform", 3)])
    small = rot_axis(random_unit(rng), rng.uniform(0, 20) * DEG)
    yaw = rot_z(rng.uniform(0, TWO_PI))
    if style == "near-canonical":
        R = mat_mul(yaw, small)
    elif style == "upside-down":
        R = mat_mul(mat_mul(yaw, rot_x(math.pi)), small)
    elif style == "on-side":
        side = rng.choice([rot_x(math.pi / 2), rot_x(-math.pi / 2), rot_y(math.pi / 2), rot_y(-math.pi / 2)])
        R = mat_mul(mat_mul(yaw, side), small)
    else:
        R = random_rotation(rng)
    return style, R


def make_imu_params(rng, rate):
    p = {}
    p["acc_noise"] = loguniform(rng, 0.006, 0.09)
    p["gyr_noise"] = loguniform(rng, 0.0004, 0.005)
    ba = rng.uniform(0.02, 0.45)
    p["acc_bias"] = [rng.uniform(-ba, ba) for _ in range(3)]
    p["acc_bias_drift"] = [rng.uniform(-0.03, 0.03) for _ in range(3)]
    sa = rng.uniform(0.0, 0.035)
    p["acc_M"] = [[1 + rng.uniform(-sa, sa) if i == j else rng.uniform(-0.01, 0.01) for j in range(3)] for i in range(3)]
    bg = loguniform(rng, 0.001, 0.035)
    p["gyr_bias"] = [rng.uniform(-bg, bg) for _ in range(3)]
    p["gyr_warm"] = [rng.uniform(-0.006, 0.006) for _ in range(3)]
    p["gyr_warm_tau"] = rng.uniform(30, 200)
    p["gyr_rw"] = rng.uniform(0.0, 2e-4)
    sg = rng.uniform(0.0, 0.04)
    p["gyr_M"] = [[1 + rng.uniform(-sg, sg) if i == j else rng.uniform(-0.01, 0.01) for j in range(3)] for i in range(3)]
    return p


def make_config(rng, idx, flags):
    cfg = {}
    cfg["flags"] = flags
    rate, rate_str = rng.choice(RATES)
    cfg["rate_nom"] = rate
    cfg["rate_str"] = rate_str
    cfg["rate_err"] = rng.uniform(-0.025, 0.025)
    modes = [("host", 45), ("counter", 30)]
    if rate >= 100:
        modes.append(("burst", 25))
    cfg["ts_mode"] = wchoice(rng, modes)
    cfg["host_ppm"] = rng.uniform(-1e-4, 1e-4)
    T = 1.0 / rate
    cfg["jitter"] = loguniform(rng, 1e-6, 0.15 * T)
    cfg["p_late"] = rng.choice([0.0, 0.0, 0.002, 0.01])
    cfg["burst_n"] = rng.randint(4, 10)
    cfg["sensor"] = rng.choice(SENSORS)
    cfg["quantize"] = rng.random() < 0.85
    cfg["acc_range_g"] = wchoice(rng, [(2, 2), (4, 3), (8, 3), (16, 2)])
    cfg["gyr_range_dps"] = wchoice(rng, [(250, 2), (500, 3), (1000, 3), (2000, 2)])
    dl = [f for f in (5, 10, 21, 44, 94, 184) if f < 0.45 * rate]
    cfg["dlpf"] = rng.choice([None, None] + dl)
    cfg["g"] = rng.uniform(9.78, 9.835)
    az = rng.uniform(0, TWO_PI)
    cfg["floor_tilt"] = rot_axis((math.cos(az), math.sin(az), 0.0), rng.uniform(0, 1.5) * DEG)
    cfg["mount_style"], cfg["R_ts"] = make_mount(rng)
    cfg["imu1"] = make_imu_params(rng, rate)
    cfg["lever"] = (rng.uniform(0.22, 0.5), rng.uniform(-0.08, 0.08), rng.uniform(0.06, 0.2))
    cfg["pivot_c"] = (rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05))
    cfg["breath_lift"] = rng.uniform(0.0005, 0.004)     # m per degree of ripple
    cfg["sacrum"] = flags["sacrum"]
    if cfg["sacrum"]:
        cfg["mount2_style"], cfg["R_ts2"] = make_mount(rng)
        cfg["imu2"] = make_imu_params(rng, rate)
        cfg["pelvis_k"] = rng.uniform(-0.08, 0.12)     # pelvic tilt per degree of extension
        cfg["pelvis_roll_k"] = rng.uniform(0.6, 1.0)
        cfg["pelvis_breath_k"] = rng.uniform(0.0, 0.1)
        cfg["lever2"] = (rng.uniform(0.06, 0.14), rng.uniform(-0.03, 0.03), rng.uniform(0.14, 0.22))
    # session
    cfg["n_reps"] = flags["n_reps"]
    vm = flags["variant_mode"]
    if vm == "basic":
        cfg["variants"] = ["basic"] * cfg["n_reps"]
    elif vm == "anchored":
        cfg["variants"] = ["anchored"] * cfg["n_reps"]
    else:
        cfg["variants"] = [rng.choice(["basic", "anchored"]) for _ in range(cfg["n_reps"])]
        if cfg["n_reps"] > 1 and len(set(cfg["variants"])) == 1:
            cfg["variants"][rng.randrange(cfg["n_reps"])] = "basic" if cfg["variants"][0] == "anchored" else "anchored"
    cfg["still0"] = rng.uniform(3.3, 9.0)
    intensity = wchoice(rng, [("clean", 25), ("moderate", 45), ("busy", 30)])
    cfg["intensity"] = intensity
    cfg["p_event"] = {"clean": 0.0, "moderate": 0.4, "busy": 0.8}[intensity]
    cfg["pre_rest"] = 0.0 if rng.random() < 0.4 else rng.uniform(2.0, 14.0)
    rmax = 35.0 if intensity == "busy" else 25.0
    cfg["rests"] = [rng.uniform(3.5, rmax) for _ in range(cfg["n_reps"] - 1)] + [rng.uniform(3.0, 15.0)]
    cfg["event_weights"] = [("fidget", 3), ("cough", 2), ("roll", 2), ("glance", 1), ("halfrise", 0.6),
                            ("falsestart", 0.8), ("yaw", 1), ("slide", 0.8), ("legshift", 1)]
    cfg["n_taps"] = {"clean": 0, "moderate": rng.randint(0, 3), "busy": rng.randint(1, 6)}[intensity]
    cfg["p_sway"] = {"clean": 0.0, "moderate": 0.25, "busy": 0.5}[intensity]
    cfg["tremor"] = rng.random() < 0.3
    cfg["p_overshoot"] = rng.uniform(0.0, 0.6)
    cfg["p_staged"] = rng.uniform(0.0, 0.35)
    cfg["p_breathhold"] = rng.uniform(0.0, 0.6)
    cfg["breath_style"] = wchoice(rng, [("harmonic", 1), ("asym", 1), ("irregular", 1), ("pausey", 1)])
    cfg["breath_seed"] = "%s|breath" % rng.random()
    cfg["A_lie"] = rng.uniform(0.0, 0.35) if rng.random() < 0.85 else 0.0
    cfg["A_up"] = rng.uniform(0.1, 0.8)
    cfg["A_up_max"] = cfg["A_up"]
    cfg["sq_rest"] = rng.uniform(0.0, 5.0)
    # dropped samples and gaps
    cfg["p_drop"] = 0.0 if rng.random() < 0.5 else loguniform(rng, 1e-4, 5e-3)
    cfg["n_gaps"] = wchoice(rng, [(0, 55), (1, 25), (2, 13), (3, 7)])
    cfg["gap_lens"] = [rng.uniform(0.05, 2.0) for _ in range(cfg["n_gaps"])]
    # load cell
    cfg["load"] = flags["load"]
    if cfg["load"]:
        cfg["mass"] = rng.uniform(50, 110)
        cfg["support"] = rng.uniform(0.2, 0.45)
        cfg["f_rest"] = rng.uniform(8, 45)
        cfg["hx_rate"] = rng.choice([10.0, 80.0]) * (1 + rng.uniform(-0.02, 0.02))
        cfg["hx_noise"] = rng.uniform(0.2, 2.0)
        cfg["hx_cpn"] = rng.uniform(50, 500)
        cfg["hx_off"] = rng.randint(20000, 400000)
        cfg["hx_tare_err"] = rng.uniform(-5, 5)
        cfg["hx_drift"] = rng.uniform(-2, 2)
        cfg["hx_glitch"] = rng.choice([0.0, loguniform(rng, 5e-4, 1e-2)])
        cfg["load_breath"] = rng.uniform(0.0, 6.0)
    cfg["squeeze"] = flags["squeeze"]
    if cfg["squeeze"]:
        cfg["sq_rate"] = rng.choice([10.0, 80.0]) * (1 + rng.uniform(-0.02, 0.02))
        cfg["sq_noise"] = rng.uniform(0.5, 3.0)
    # surface of the CSV
    cfg["seq"] = rng.random() < 0.45
    cfg["seq_start"] = rng.choice([0, 0, rng.randint(0, 65535)])
    cfg["seq_wrap"] = rng.random() < 0.3
    cfg["order"] = wchoice(rng, [("plain", 50), ("shuffled", 35), ("gyro-first", 15)])
    cfg["numstyle"] = wchoice(rng, [("fixed", 55), ("g", 20), ("sci", 10), ("mixed", 15)])
    cfg["acc_dec"] = rng.randint(4, 6)
    cfg["gyr_dec"] = rng.randint(5, 7)
    cfg["t_style"] = wchoice(rng, [("f6", 80), ("f5", 8), ("f9", 7), ("e", 5)])
    cfg["comments"] = rng.random() < 0.3
    cfg["blank_lines"] = rng.random() < 0.25
    cfg["nospace_comment"] = flags["nospace_comment"]
    cfg["power_loss"] = flags["power_loss"]
    cfg["no_final_newline"] = flags["no_final_newline"]
    cfg["omit_rate"] = rng.random() < 0.1
    cfg["extra_meta"] = rng.random() < 0.6
    return cfg


# ---------------------------------------------------------------------------
# physics: sample the IMU(s)
# ---------------------------------------------------------------------------

def simulate(sess, cfg, taus, h):
    """Return per-sample physical specific force / angular rate in the sensor
    frame(s), theta truth, and helper channels, at instants taus."""
    n = len(taus)
    ts3 = []
    for t in taus:
        ts3.append(t - h)
        ts3.append(t)
        ts3.append(t + h)
    th3, thk3, rip3 = sess.eval_theta(ts3, want_parts=True)
    ph3 = sess.ph.eval(ts3)
    ps3 = sess.ps.eval(ts3)
    x3 = sess.x.eval(ts3)
    y3 = sess.y.eval(ts3)
    z3 = sess.z.eval(ts3)
    Rf = cfg["floor_tilt"]
    gvec = mat_vec(mat_t(Rf), [0.0, 0.0, cfg["g"]])
    gx, gy, gz = gvec
    L, y0, hs = cfg["lever"]
    cxp, czp = cfg["pivot_c"]
    lift = cfg["breath_lift"]
    q = flat(mat_t(cfg["R_ts"]))  # sensor <- trunk
    inv_h2 = 1.0 / (h * h)
    inv_2h = 0.5 / h
    acc = [None] * n
    gyr = [None] * n
    truth = [0.0] * n
    thk_c = [0.0] * n
    rip_c = [0.0] * n

    def pos(j):
        th = th3[j] * DEG
        R = trunk_R(th, ph3[j] * DEG, ps3[j] * DEG)
        px = cxp * th + R[0] * L + R[1] * y0 + R[2] * hs + x3[j]
        py = R[3] * L + R[4] * y0 + R[5] * hs + y3[j]
        pz = czp * th + R[6] * L + R[7] * y0 + R[8] * hs + z3[j] + lift * rip3[j]
        return px, py, pz, R

    def specific_force(pos, j, q):
        """Accelerometer reading at grid point j+1 (central differences of the
        sensor position over j..j+2, plus gravity), in the sensor frame."""
        pm = pos(j)
        pc = pos(j + 1)
        pp = pos(j + 2)
        ax = (pp[0] - 2 * pc[0] + pm[0]) * inv_h2
        ay = (pp[1] - 2 * pc[1] + pm[1]) * inv_h2
        az = (pp[2] - 2 * pc[2] + pm[2]) * inv_h2
        R = pc[3]
        vx, vy, vz = ax + gx, ay + gy, az + gz
        ftx = R[0] * vx + R[3] * vy + R[6] * vz
        fty = R[1] * vx + R[4] * vy + R[7] * vz
        ftz = R[2] * vx + R[5] * vy + R[8] * vz
        return rot9(q, (ftx, fty, ftz))

    for k in range(n):
        j = 3 * k
        acc[k] = specific_force(pos, j, q)
        thc = th3[j + 1] * DEG
        phc = ph3[j + 1] * DEG
        dth = (th3[j + 2] - th3[j]) * DEG * inv_2h
        dph = (ph3[j + 2] - ph3[j]) * DEG * inv_2h
        dps = (ps3[j + 2] - ps3[j]) * DEG * inv_2h
        gyr[k] = rot9(q, euler_body_rate(thc, phc, dth, dph, dps))
        truth[k] = th3[j + 1]
        thk_c[k] = thk3[j + 1]
        rip_c[k] = rip3[j + 1]
    out = {"acc": acc, "gyr": gyr, "truth": truth, "thk": thk_c, "rip": rip_c}

    if cfg["sacrum"]:
        be3 = sess.beta.eval(ts3)
        kp = cfg["pelvis_k"]
        kr = cfg["pelvis_roll_k"]
        kb = cfg["pelvis_breath_k"]
        L2x, L2y, L2z = cfg["lever2"]
        q2 = flat(mat_t(cfg["R_ts2"]))
        bet = [kp * a + b + kb * c for a, b, c in zip(thk3, be3, rip3)]
        acc2 = [None] * n
        gyr2 = [None] * n

        def pos2(j):
            b = bet[j] * DEG
            R = trunk_R(b, ph3[j] * DEG * kr, ps3[j] * DEG)
            px = -0.18 + R[0] * L2x + R[1] * L2y + R[2] * L2z + x3[j]
            py = R[3] * L2x + R[4] * L2y + R[5] * L2z + y3[j]
            pz = R[6] * L2x + R[7] * L2y + R[8] * L2z + z3[j]
            return px, py, pz, R

        for k in range(n):
            j = 3 * k
            acc2[k] = specific_force(pos2, j, q2)
            dbe = (bet[j + 2] - bet[j]) * DEG * inv_2h
            dph = (ph3[j + 2] - ph3[j]) * DEG * inv_2h * kr
            dps = (ps3[j + 2] - ps3[j]) * DEG * inv_2h
            gyr2[k] = rot9(q2, euler_body_rate(bet[j + 1] * DEG, ph3[j + 1] * DEG * kr, dbe, dph, dps))
        out["acc2"] = acc2
        out["gyr2"] = gyr2
    return out


def add_taps(sess, cfg, taus, out):
    """Taps: sensor-local ringing (accelerometer) and strap wobble (gyro plus
    the small re-orientation of gravity it causes).  Not trunk motion."""
    for tap in sess.taps:
        imu = tap["imu"]
        acc = out["acc"] if imu == 1 else out["acc2"]
        gyr = out["gyr"] if imu == 1 else out["gyr2"]
        R = cfg["R_ts"] if imu == 1 else cfg["R_ts2"]
        normal = [R[2][0], R[2][1], R[2][2]]  # trunk z (out of the back) in the sensor frame
        mix = tap["acc_dir_mix"]
        d = [-(1 - mix) * normal[i] + mix * tap["acc_rand"][i] for i in range(3)]
        nd = math.sqrt(sum(v * v for v in d))
        d = [v / nd for v in d]
        ax = tap["wob_axis"]
        t0 = tap["t"]
        tend = t0 + max(6 * tap["acc_tau"], 6 * tap["wob_tau"])
        lo = bisect.bisect_left(taus, t0)
        hi = bisect.bisect_right(taus, tend)
        for k in range(lo, hi):
            s = taus[k] - t0
            ea = tap["acc_amp"] * math.exp(-s / tap["acc_tau"]) * math.sin(TWO_PI * tap["acc_f"] * s)
            ew = math.exp(-s / tap["wob_tau"])
            wf = TWO_PI * tap["wob_f"]
            ang = tap["wob_amp"] * ew * math.sin(wf * s)
            rate = tap["wob_amp"] * ew * (wf * math.cos(wf * s) - math.sin(wf * s) / tap["wob_tau"])
            f = acc[k]
            # gravity seen by a sensor rotated by `ang` about `ax`: f - ang * (ax x f)
            cx = ax[1] * f[2] - ax[2] * f[1]
            cy = ax[2] * f[0] - ax[0] * f[2]
            cz = ax[0] * f[1] - ax[1] * f[0]
            acc[k] = (f[0] - ang * cx + ea * d[0], f[1] - ang * cy + ea * d[1], f[2] - ang * cz + ea * d[2])
            g = gyr[k]
            gyr[k] = (g[0] + rate * ax[0], g[1] + rate * ax[1], g[2] + rate * ax[2])


def sensor_model(rng, p, cfg, taus, acc, gyr):
    """Scale/misalignment, bias (with warm-up drift and random walk),
    saturation, chip low-pass, noise, int16 quantisation."""
    n = len(taus)
    T = 1.0 / (cfg["rate_nom"] * (1 + cfg["rate_err"]))
    arange = cfg["acc_range_g"] * G0
    grange = cfg["gyr_range_dps"] * DEG
    alsb = arange / 32768.0
    glsb = grange / 32768.0
    dur = max(taus[-1], 1.0)
    Ma = p["acc_M"]
    Mg = p["gyr_M"]
    fc = cfg["dlpf"]
    alpha = 1.0 - math.exp(-TWO_PI * fc * T) if fc else 1.0
    rw = [0.0, 0.0, 0.0]
    srw = p["gyr_rw"] * math.sqrt(T)
    fa = [0.0, 0.0, 0.0]
    fg = [0.0, 0.0, 0.0]
    acc_o = [None] * n
    gyr_o = [None] * n
    quant = cfg["quantize"]
    an = p["acc_noise"]
    gn = p["gyr_noise"]
    for k in range(n):
        t = taus[k]
        a = mat_vec(Ma, acc[k])
        g = mat_vec(Mg, gyr[k])
        warm = 1.0 - math.exp(-t / p["gyr_warm_tau"])
        for i in range(3):
            rw[i] += srw * rng.gauss(0, 1)
            a[i] += p["acc_bias"][i] + p["acc_bias_drift"][i] * t / dur
            g[i] += p["gyr_bias"][i] + p["gyr_warm"][i] * warm + rw[i]
            a[i] = clamp(a[i], -arange, arange)
            g[i] = clamp(g[i], -grange, grange)
        if k == 0:
            fa = list(a)
            fg = list(g)
        else:
            for i in range(3):
                fa[i] += alpha * (a[i] - fa[i])
                fg[i] += alpha * (g[i] - fg[i])
        ao = [fa[i] + an * rng.gauss(0, 1) for i in range(3)]
        go = [fg[i] + gn * rng.gauss(0, 1) for i in range(3)]
        if quant:
            ao = [clamp(round(v / alsb), -32768, 32767) * alsb for v in ao]
            go = [clamp(round(v / glsb), -32768, 32767) * glsb for v in go]
        acc_o[k] = ao
        gyr_o[k] = go
    return acc_o, gyr_o


def load_cell(rng, sess, cfg, taus, truth_parts):
    thk, rip = truth_parts
    n = len(taus)
    push = sess.push.eval(taus)
    ldt = sess.ld.eval(taus)
    M = cfg["mass"]
    W = M * G0 * cfg["support"]
    Fc = [0.0] * n
    for k in range(n):
        th = thk[k]
        up = smoothstep((th - 1.5) / 5.0)
        F = cfg["f_rest"] + W * (0.75 + 0.25 * min(th / 25.0, 1.4)) * up + push[k] + ldt[k]
        F += cfg["load_breath"] * rip[k] / 0.8
        Fc[k] = F
    # HX711: own clock, sample-and-hold, counts, glitches
    fh = cfg["hx_rate"]
    cpn = cfg["hx_cpn"]
    off = cfg["hx_off"]
    off_cal = off + cfg["hx_tare_err"] * cpn
    dur = max(taus[-1], 1.0)
    lat = rng.uniform(0.05, 0.5) / fh
    t_h = rng.uniform(0, 1.0 / fh)
    readings = []  # (available time, value)
    k = 0
    while t_h < taus[-1] + 1.0:
        while k + 1 < n and taus[k + 1] <= t_h:
            k += 1
        F = Fc[k] + cfg["hx_noise"] * rng.gauss(0, 1) + cfg["hx_drift"] * t_h / dur
        raw = int(round(off + F * cpn))
        raw = clamp(raw, -(1 << 23), (1 << 23) - 1)
        if cfg["hx_glitch"] and rng.random() < cfg["hx_glitch"]:
            if rng.random() < 0.5:
                raw = -1
            else:
                raw = raw ^ (1 << rng.randint(14, 22))
        readings.append((t_h + lat, (raw - off_cal) / cpn))
        t_h += 1.0 / fh
    out = [0.0] * n
    j = 0
    cur = readings[0][1]
    for k in range(n):
        while j < len(readings) and readings[j][0] <= taus[k]:
            cur = readings[j][1]
            j += 1
        out[k] = cur
    return out


def squeeze_cell(rng, sess, cfg, taus):
    sq = sess.sq.eval(taus)
    fh = cfg["sq_rate"]
    t_h = rng.uniform(0, 1.0 / fh)
    out = [0.0] * len(taus)
    cur = sq[0]
    k = 0
    n = len(taus)
    nxt = t_h
    for k in range(n):
        if taus[k] >= nxt:
            cur = sq[k] + cfg["sq_noise"] * rng.gauss(0, 1)
            while nxt <= taus[k]:
                nxt += 1.0 / fh
        out[k] = cur
    return out


# ---------------------------------------------------------------------------
# labels
# ---------------------------------------------------------------------------

def grid(a, b, step):
    n = max(2, int(math.ceil((b - a) / step)) + 1)
    return [a + (b - a) * i / (n - 1) for i in range(n)]


def theta_at(sess, t):
    return sess.eval_theta([t])[0]


def crossing(sess, a, b, up):
    """bisection of theta - 5 between a (below/above) and b."""
    for _ in range(40):
        m = 0.5 * (a + b)
        v = theta_at(sess, m)
        if (v >= 5.0) == up:
            b = m
        else:
            a = m
    return 0.5 * (a + b)


class Reject(Exception):
    pass


def true_labels(sess, t_limit):
    """Labels in TRUE time, computed from the continuous angle; raises Reject
    when the scheduled session would give ambiguous labels."""
    step = 0.002
    ts = grid(0.0, t_limit, step)
    th = sess.eval_theta(ts)
    # excursions above 5 deg
    exc = []
    above = th[0] >= 5.0
    if above:
        raise Reject("starts above 5")
    start = None
    for i in range(1, len(ts)):
        a = th[i] >= 5.0
        if a and not above:
            start = crossing(sess, ts[i - 1], ts[i], True)
            i0 = i
        elif above and not a:
            end = crossing(sess, ts[i - 1], ts[i], False)
            exc.append([start, end, max(th[i0:i])])
        above = a
    if above:
        exc.append([start, None, max(th[i0:])])
    reps_sched = [r for r in sess.reps if r["end_t"] <= t_limit]
    reps = []
    for r in reps_sched:
        inside = [e for e in exc if e[1] is not None and e[0] <= r["holds"][0][0] <= e[1]]
        if len(inside) != 1:
            raise Reject("rep not one excursion")
        e = inside[0]
        if not (e[0] >= r["rise_t"] - 0.01 and e[1] <= r["end_t"] + 0.01):
            raise Reject("rep excursion outside its schedule")
        for (h0, h1, kind) in r["holds"]:
            if not (e[0] < h0 and h1 < e[1]):
                raise Reject("hold outside rep")
        if e[1] - e[0] < 3.5 or e[2] < 8.8:
            raise Reject("rep too close to the rep definition limits")
        reps.append((r, e))
    rep_exc = [id(e) for _, e in reps]
    for e in exc:
        if id(e) in rep_exc:
            continue
        if e[1] is None:
            raise Reject("open excursion")
        dur = e[1] - e[0]
        if dur >= 2.6 and e[2] > 7.5:
            raise Reject("non-rep excursion too close to rep definition")
        for _, re in reps:
            if abs(e[1] - re[0]) < 1.5 or abs(e[0] - re[1]) < 1.5:
                raise Reject("excursion adjacent to rep (dithering)")
    # holds and steps
    labels = {"reps": [], "holds": [], "steps": [], "variants": []}
    for r, e in reps:
        labels["variants"].append(r["variant"])
        labels["reps"].append((e[0], e[1], e[2]))
        hmeans = []
        for (h0, h1, kind) in r["holds"]:
            g = grid(h0, h1, 0.005)
            tot, thk, rip = sess.eval_theta(g, want_parts=True)
            mean = sum(tot) / len(tot)
            base = [a - b for a, b in zip(tot, rip)]
            bmean = sum(base) / len(base)
            if max(abs(v - bmean) for v in base) > 1.4:
                raise Reject("hold base not within 1.5 deg")
            if h1 - h0 < 2.4:
                raise Reject("hold short")
            labels["holds"].append((h0, h1, kind, mean))
            hmeans.append((mean, min(tot)))
        for i, (tm, D) in enumerate(r["steps"]):
            rise = hmeans[i + 1][0] - hmeans[i][0]
            if rise < 1.1:
                raise Reject("step rise < 1.1")
            if hmeans[i + 1][1] < hmeans[i + 1][0] - 0.95:
                raise Reject("exhale not kept")
            # the step is in an inhale: the ripple rises at tm
            _, _, rp = sess.eval_theta([tm - 0.05, tm + 0.05], want_parts=True)
            if rp[1] < rp[0] - 1e-9:
                raise Reject("step not in inhale")
            labels["steps"].append((tm, rise))
    # still start
    g = grid(0.0, 3.0, 0.01)
    if max(abs(v) for v in sess.eval_theta(g)) > 0.5:
        raise Reject("start not still")
    return labels


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def make_fmt(rng, style, dec):
    if style == "fixed":
        f = "%%.%df" % dec
        return lambda v: f % v
    if style == "g":
        return lambda v: "%.7g" % v
    if style == "sci":
        return lambda v: "%.5e" % v
    f = "%%.%df" % dec

    def mixed(v):
        return ("%.4e" % v) if rng.random() < 0.3 else (f % v)
    return mixed


def fmt_time_factory(style):
    if style == "f6":
        return lambda v: "%.6f" % v
    if style == "f5":
        return lambda v: "%.5f" % v
    if style == "f9":
        return lambda v: "%.9f" % v
    return lambda v: "%.10e" % v


def generate_one(seed, idx, flags, outdir, name):
    last_err = None
    for attempt in range(60):
        rng = random.Random("gen3|%d|%d|%d" % (seed, idx, attempt))
        cfg = make_config(rng, idx, flags)
        sess = Session(rng, cfg).build()
        try:
            res = render(rng, sess, cfg, outdir, name)
            res["attempts"] = attempt + 1
            return res
        except Reject as e:
            last_err = str(e)
            continue
    raise RuntimeError("could not generate %s: %s" % (name, last_err))


def render(rng, sess, cfg, outdir, name):
    rate_act = cfg["rate_nom"] * (1 + cfg["rate_err"])
    T = 1.0 / rate_act
    Tn = 1.0 / cfg["rate_nom"]
    tau0 = rng.uniform(0.0, T)
    n_full = int((sess.t_end - tau0) / T) + 1
    taus_full = [tau0 + k * T for k in range(n_full)]

    # ---- power loss: cut in a lying rest after >=1 rep ----
    cut_k = None
    if cfg["power_loss"]:
        r0, r1 = rng.choice(sess.rests)
        tcut = rng.uniform(r0 + 0.3 * (r1 - r0), r1 - 0.2)
        cut_k = bisect.bisect_left(taus_full, tcut)
        cut_k = min(cut_k, n_full - 1)
    # labels are checked on the whole planned session first (fails fast)
    t_limit = taus_full[cut_k - 1] if cut_k is not None else taus_full[-1]
    lab = true_labels(sess, t_limit)

    # ---- timestamps (device clock) for every planned sample ----
    mode = cfg["ts_mode"]
    tts = [0.0] * n_full
    if mode == "counter":
        for k in range(n_full):
            tts[k] = k * Tn
    elif mode == "host":
        kap = 1.0 + cfg["host_ppm"]
        sj = cfg["jitter"]
        js = []
        for k in range(n_full):
            j = abs(rng.gauss(0, sj))
            if cfg["p_late"] and rng.random() < cfg["p_late"]:
                j += rng.uniform(0.1, 0.3) * T
            js.append(min(j, 0.42 * T))
        for k in range(n_full):
            tts[k] = kap * (taus_full[k] - tau0) + js[k] - js[0]
    else:
        kap = 1.0 + cfg["host_ppm"]
        nb = cfg["burst_n"]
        for b0 in range(0, n_full, nb):
            last = min(b0 + nb, n_full) - 1
            Lb = rng.uniform(0.0, 0.3) * T
            R = kap * (taus_full[last] - tau0) + Lb
            for i in range(b0, last + 1):
                tts[i] = R - (last - i) * Tn
        t0 = tts[0]
        tts = [v - t0 for v in tts]

    # ---- which samples survive ----
    keep = [True] * n_full
    n_use = cut_k + 1 if cut_k is not None else n_full   # +1: the partial line
    start_ok = cfg["still0"] + 0.2
    for gl in cfg["gap_lens"]:
        tg = rng.uniform(start_ok, max(start_ok + 0.1, sess.t_end - gl - 0.5))
        a = bisect.bisect_left(taus_full, tg)
        b = bisect.bisect_left(taus_full, tg + gl)
        for k in range(a, min(b, n_full)):
            keep[k] = False
    if cfg["p_drop"]:
        k0 = bisect.bisect_left(taus_full, start_ok)
        for k in range(k0, n_full):
            if rng.random() < cfg["p_drop"]:
                keep[k] = False
    keep[0] = True
    if cut_k is not None:
        keep[cut_k] = True
        keep[cut_k - 1] = True
    else:
        keep[n_full - 1] = True
    idx = [k for k in range(n_use) if keep[k]]
    taus = [taus_full[k] for k in idx]

    # ---- physics ----
    h = min(0.0005, 0.2 * T)
    sim = simulate(sess, cfg, taus, h)
    add_taps(sess, cfg, taus, sim)
    acc, gyr = sensor_model(rng, cfg["imu1"], cfg, taus, sim["acc"], sim["gyr"])
    if cfg["sacrum"]:
        acc2, gyr2 = sensor_model(rng, cfg["imu2"], cfg, taus, sim["acc2"], sim["gyr2"])
    load = load_cell(rng, sess, cfg, taus, (sim["thk"], sim["rip"])) if cfg["load"] else None
    squeeze = squeeze_cell(rng, sess, cfg, taus) if cfg["squeeze"] else None

    # ---- format columns ----
    ft = fmt_time_factory(cfg["t_style"])
    tstr = [ft(tts[k]) for k in idx]
    for i in range(1, len(tstr)):
        if float(tstr[i]) <= float(tstr[i - 1]):
            raise Reject("time not increasing after formatting")
    if float(tstr[0]) != 0.0:
        raise Reject("first time not zero")
    fa = make_fmt(rng, cfg["numstyle"], cfg["acc_dec"])
    fg = make_fmt(rng, cfg["numstyle"], cfg["gyr_dec"])
    cols = {"t_s": tstr}
    for i, ax in enumerate("xyz"):
        cols["acc_" + ax] = [fa(v[i]) for v in acc]
        cols["gyr_" + ax] = [fg(v[i]) for v in gyr]
    if cfg["sacrum"]:
        for i, ax in enumerate("xyz"):
            cols["acc2_" + ax] = [fa(v[i]) for v in acc2]
            cols["gyr2_" + ax] = [fg(v[i]) for v in gyr2]
    if load is not None:
        cols["load_n"] = ["%.2f" % v for v in load]
    if squeeze is not None:
        cols["squeeze_n"] = ["%.1f" % v for v in squeeze]
    if cfg["seq"]:
        s0 = cfg["seq_start"]
        if cfg["seq_wrap"]:
            cols["seq"] = [str((s0 + k) % 65536) for k in idx]
        else:
            cols["seq"] = [str(s0 + k) for k in idx]
    names = list(cols.keys())
    imu = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    imu2 = [c for c in names if c.startswith("acc2_") or c.startswith("gyr2_")]
    extra = [c for c in ("load_n", "squeeze_n") if c in cols]
    if cfg["order"] == "plain":
        order = ["t_s"] + (["seq"] if "seq" in cols else []) + imu + imu2 + extra
    elif cfg["order"] == "gyro-first":
        order = (["seq"] if "seq" in cols else []) + ["t_s"] + imu[3:] + imu[:3] + extra + imu2
    else:
        order = list(names)
        rng.shuffle(order)
    assert sorted(order) == sorted(names)

    # ---- metadata ----
    meta = [("format", "traction-recording/1")]
    opt = []
    if not cfg["omit_rate"]:
        opt.append(("rate_hz", cfg["rate_str"]))
    opt.append(("sensor", cfg["sensor"]))
    opt.append(("placement", "upper-back"))
    y = 2026 + rng.randint(0, 1)
    mo = rng.randint(1, 12)
    d = rng.randint(1, 28)
    hh, mm, ss = rng.randint(6, 22), rng.randint(0, 59), rng.randint(0, 59)
    started = rng.choice(["%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, mo, d, hh, mm, ss),
                          "%04d-%02d-%02dT%02d:%02d:%02d.%03d+01:00" % (y, mo, d, hh, mm, ss, rng.randint(0, 999))])
    opt.append(("started", started))
    if cfg["quantize"] and rng.random() < 0.8:
        opt.append(("accel_range_g", str(cfg["acc_range_g"])))
        opt.append(("gyro_range_dps", str(cfg["gyr_range_dps"])))
    if cfg["extra_meta"]:
        opt.append(("note", rng.choice(["home session", "evening, mat on wooden floor",
                                         "strap re-fitted before start", "trial recording"])))
        opt.append(("subject", "S%02d" % rng.randint(1, 40)))
        opt.append(("firmware", "%d.%d.%d" % (rng.randint(0, 3), rng.randint(0, 9), rng.randint(0, 20))))
        if cfg["sacrum"]:
            opt.append(("placement2", "sacrum"))
        if cfg["load"]:
            opt.append(("load_cell", "hx711 %d Hz" % int(round(cfg["hx_rate"]))))
        opt.append(("host", "pi-%d" % rng.randint(1, 9)))
    rng.shuffle(opt)
    meta += opt

    # ---- lines ----
    lines = ["# %s: %s" % kv for kv in meta]
    lines.append(",".join(order))
    colv = [cols[c] for c in order]
    m = len(idx)
    n_whole = m - 1 if cut_k is not None else m
    inserts = {}
    if cfg["comments"] or cfg["blank_lines"] or cfg["nospace_comment"]:
        nins = rng.randint(1, 8)
        for _ in range(nins):
            pos = rng.randint(1, max(1, n_whole - 1))
            kinds = []
            if cfg["comments"]:
                kinds.append("c")
            if cfg["blank_lines"]:
                kinds.append("b")
            if cfg["nospace_comment"]:
                kinds.append("n")
            kd = rng.choice(kinds)
            if kd == "c":
                txt = rng.choice(["# event: i2c retry (EREMOTEIO)", "# note: bus reset", "# marker",
                                  "# fifo overflow, %d samples lost" % rng.randint(1, 9),
                                  "# battery: 3.71 V"])
            elif kd == "b":
                txt = ""
            else:
                txt = rng.choice(["#resync", "#---"])
            inserts.setdefault(pos, []).append(txt)
    for r in range(n_whole):
        if r in inserts:
            lines.extend(inserts[r])
        lines.append(",".join(cv[r] for cv in colv))
    text = "\n".join(lines)
    if cut_k is not None:
        fields = [cv[m - 1] for cv in colv]
        j = rng.randint(1, len(fields) - 1)
        part = fields[:j]
        last = part[-1]
        if rng.random() < 0.2:
            part[-1] = ""
        else:
            part[-1] = last[:rng.randint(1, len(last))]
        text += "\n" + ",".join(part)
    elif not cfg["no_final_newline"]:
        text += "\n"

    # ---- mapping true time -> device clock (least squares over whole lines) ----
    xs = taus[:n_whole]
    ys = [float(s) for s in tstr[:n_whole]]
    mx = sum(xs) / len(xs)
    my = sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    a = sxy / sxx
    c = my - a * mx

    def tm(t):
        return a * t + c

    out_labels = {
        "variant_per_rep": lab["variants"],
        "reps": [{"start": round(tm(s), 3), "end": round(tm(e), 3), "peak_deg": round(p, 2)}
                 for (s, e, p) in lab["reps"]],
        "holds": [{"start": round(tm(s), 3), "end": round(tm(e), 3), "kind": k, "mean_deg": round(mn, 2)}
                  for (s, e, k, mn) in lab["holds"]],
        "breath_steps": [{"t": round(tm(t), 3), "rise_deg": round(r, 2)} for (t, r) in lab["steps"]],
    }
    truth = sim["truth"][:n_whole]
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, name + ".csv"), "w", newline="") as f:
        f.write(text)
    with open(os.path.join(outdir, name + ".labels.json"), "w") as f:
        json.dump(out_labels, f, indent=1)
        f.write("\n")
    with open(os.path.join(outdir, name + ".truth.csv"), "w", newline="") as f:
        f.write("t_s,theta_deg\n")
        f.write("".join("%s,%.4f\n" % (tstr[r], truth[r]) for r in range(n_whole)))
    summary = {
        "name": name, "rate": cfg["rate_str"], "samples": n_whole, "dur": round(float(tstr[n_whole - 1]), 1),
        "reps": len(lab["reps"]), "variants": "".join(v[0] for v in lab["variants"]),
        "mount": cfg["mount_style"], "ts": cfg["ts_mode"], "breath": cfg["breath_style"],
        "intensity": cfg["intensity"], "load": cfg["load"], "sacrum": cfg["sacrum"],
        "power_loss": cut_k is not None, "gaps": cfg["n_gaps"], "order": cfg["order"],
        "num": cfg["numstyle"], "excursions": len(sess.excursions),
    }
    return summary


def corpus_flags(seed, count):
    rng = random.Random("gen3|%d|corpus" % seed)
    def pick(frac):
        k = int(round(frac * count))
        s = set(rng.sample(range(count), k))
        return s
    load = pick(0.2)
    sacrum = pick(0.1)
    squeeze = pick(0.15)
    power = pick(0.0625)
    nonl = set(rng.sample([i for i in range(count) if i not in power], min(1, count)))
    nospace = pick(0.04)
    nreps = [(i % 4) + 1 for i in range(count)]
    rng.shuffle(nreps)
    vmodes = [["basic", "anchored", "mixed"][i % 3] for i in range(count)]
    rng.shuffle(vmodes)
    out = []
    for i in range(count):
        f = {"load": i in load, "sacrum": i in sacrum, "squeeze": i in squeeze,
             "power_loss": i in power, "no_final_newline": i in nonl, "nospace_comment": i in nospace,
             "n_reps": nreps[i], "variant_mode": vmodes[i]}
        if f["power_loss"] and f["n_reps"] == 1:
            f["n_reps"] = 2  # a cut after rep 1 still leaves a rep
        out.append(f)
    return out


# ---------------------------------------------------------------------------
# self-check (reads the files back; independent of the generator's state)
# ---------------------------------------------------------------------------

def parse_recording(path):
    """Strict reader per recording-format.md.  Returns (meta, header, rows,
    partial, lines)."""
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")
    ends_nl = text.endswith("\n")
    lines = text.split("\n")
    if ends_nl:
        lines = lines[:-1]
    if not lines or lines[0] != "# format: traction-recording/1":
        raise ValueError("%s:1: bad format line" % path)
    meta = {}
    i = 1
    while i < len(lines) and lines[i].startswith("# "):
        kv = lines[i][2:]
        if ": " not in kv:
            raise ValueError("%s:%d: metadata without key: value" % (path, i + 1))
        k, v = kv.split(": ", 1)
        meta[k] = v
        i += 1
    header = lines[i].split(",")
    if len(set(header)) != len(header):
        raise ValueError("duplicate column")
    for c in ["t_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]:
        if c not in header:
            raise ValueError("%s: missing column %s" % (path, c))
    rows = []
    partial = False
    ncol = len(header)
    for ln in range(i + 1, len(lines)):
        s = lines[ln]
        if s == "" or s.startswith("#"):
            continue
        parts = s.split(",")
        if len(parts) != ncol:
            if ln == len(lines) - 1 and not ends_nl and len(parts) < ncol:
                partial = True
                continue
            raise ValueError("%s:%d: field count" % (path, ln + 1))
        vals = []
        for c, p in zip(header, parts):
            v = float(p)
            if math.isnan(v) or math.isinf(v):
                raise ValueError("%s:%d: %s not finite" % (path, ln + 1, c))
            vals.append(v)
        rows.append((parts, vals))
    return meta, header, rows, partial


def check_corpus(d):
    names = sorted(f[:-4] for f in os.listdir(d)
                   if f.endswith(".csv") and not f.endswith(".truth.csv"))
    fails = []
    nchk = 0
    stats = {"recordings": 0, "reps": 0, "holds": 0, "steps": 0, "nonrep_excursions": 0,
             "partial": 0, "top_completed": 0, "top_short": 0, "gaps_over_0.5s": 0}

    def fail(name, msg):
        fails.append("%s: %s" % (name, msg))

    for name in names:
        stats["recordings"] += 1
        try:
            meta, header, rows, partial = parse_recording(os.path.join(d, name + ".csv"))
        except Exception as e:  # noqa
            fail(name, "parse: %s" % e)
            continue
        stats["partial"] += partial
        ti = header.index("t_s")
        t = [r[1][ti] for r in rows]
        tstr = [r[0][ti] for r in rows]
        nchk += 1
        if t[0] != 0.0:
            fail(name, "first t_s not 0")
        if any(t[i] <= t[i - 1] for i in range(1, len(t))):
            fail(name, "t_s not strictly increasing")
        dts = sorted(t[i] - t[i - 1] for i in range(1, len(t)))
        med = dts[len(dts) // 2]
        stats["gaps_over_0.5s"] += sum(1 for x in dts if x > 0.5)
        # truth
        with open(os.path.join(d, name + ".truth.csv")) as f:
            tl = f.read().split("\n")
        nchk += 1
        if tl[0] != "t_s,theta_deg":
            fail(name, "truth header")
        tl = [x for x in tl[1:] if x]
        if len(tl) != len(rows):
            fail(name, "truth rows %d != recording rows %d" % (len(tl), len(rows)))
            continue
        th = []
        for a, b in zip(tl, tstr):
            ts_, v = a.split(",")
            if ts_ != b:
                fail(name, "truth time mismatch %s %s" % (ts_, b))
                break
            th.append(float(v))
        with open(os.path.join(d, name + ".labels.json")) as f:
            lab = json.load(f)
        nchk += 1
        if set(lab.keys()) != {"variant_per_rep", "reps", "holds", "breath_steps"}:
            fail(name, "label keys")
        # still start
        nchk += 1
        st = [abs(v) for tt, v in zip(t, th) if tt <= 3.0]
        if max(st) > 0.5:
            fail(name, "first 3 s not still (max |theta| %.2f)" % max(st))
        # reps from truth, by the spec's definition
        exc = []
        above = False
        for i in range(len(t)):
            a = th[i] >= 5.0
            if a and not above:
                if i == 0:
                    s = t[0]
                else:
                    s = t[i - 1] + (5.0 - th[i - 1]) * (t[i] - t[i - 1]) / (th[i] - th[i - 1])
                gs = t[i] - t[i - 1] if i else 0
                i0 = i
            elif above and not a:
                e = t[i - 1] + (5.0 - th[i - 1]) * (t[i] - t[i - 1]) / (th[i] - th[i - 1])
                exc.append((s, e, max(th[i0:i]), gs, t[i] - t[i - 1]))
            above = a
        if above:
            exc.append((s, None, max(th[i0:]), 0, 0))
        reps_t = [x for x in exc if x[1] is not None and x[1] - x[0] >= 3.0 and x[2] > 8.0]
        others = [x for x in exc if x not in reps_t]
        stats["nonrep_excursions"] += len(others)
        nchk += 1
        if len(reps_t) != len(lab["reps"]):
            fail(name, "rep count from truth %d != labels %d" % (len(reps_t), len(lab["reps"])))
            continue
        if len(lab["variant_per_rep"]) != len(lab["reps"]):
            fail(name, "variant_per_rep length")
        stats["reps"] += len(reps_t)
        for (s, e, p, gs, ge), lr in zip(reps_t, lab["reps"]):
            nchk += 3
            tol_s = max(1.5 * gs, 2 * med) + 0.003
            tol_e = max(1.5 * ge, 2 * med) + 0.003
            if abs(lr["start"] - s) > tol_s:
                fail(name, "rep start %.3f vs truth %.3f" % (lr["start"], s))
            if abs(lr["end"] - e) > tol_e:
                fail(name, "rep end %.3f vs truth %.3f" % (lr["end"], e))
            if not (p <= lr["peak_deg"] + 0.02 and p >= lr["peak_deg"] - 0.2):
                fail(name, "rep peak %.2f vs truth samples %.2f" % (lr["peak_deg"], p))
            if lr["peak_deg"] <= 8.0 or lr["end"] - lr["start"] < 3.0:
                fail(name, "labelled rep violates definition")
        # holds
        holds = lab["holds"]
        for hd in holds:
            stats["holds"] += 1
            nchk += 4
            if hd["end"] - hd["start"] < 2.0:
                fail(name, "hold shorter than 2 s")
            inrep = [i for i, r in enumerate(lab["reps"]) if r["start"] <= hd["start"] and hd["end"] <= r["end"]]
            if len(inrep) != 1:
                fail(name, "hold not inside exactly one rep")
            a = bisect.bisect_left(t, hd["start"])
            b = bisect.bisect_right(t, hd["end"])
            seg = th[a:b]
            if b - a < 5:
                fail(name, "hold without samples")
                continue
            # time-weighted mean over covered stretches (gaps excluded)
            acc_w = 0.0
            acc_v = 0.0
            for i in range(a + 1, b):
                dt = t[i] - t[i - 1]
                if dt <= 5 * med:
                    acc_w += dt
                    acc_v += dt * 0.5 * (th[i] + th[i - 1])
            if acc_w > 0.9 * (hd["end"] - hd["start"]):
                mean = acc_v / acc_w
                if abs(mean - hd["mean_deg"]) > 0.12:
                    fail(name, "hold mean %.2f vs truth %.2f" % (hd["mean_deg"], mean))
            else:
                stats["hold_mean_skipped_gap"] = stats.get("hold_mean_skipped_gap", 0) + 1
            if max(abs(v - hd["mean_deg"]) for v in seg) > 1.5 + 0.85:
                fail(name, "hold leaves mean +- (1.5 + ripple)")
            if hd["kind"] == "top":
                if hd["end"] - hd["start"] >= 5.0:
                    stats["top_completed"] += 1
                else:
                    stats["top_short"] += 1
        # kinds per rep
        for i, (r, v) in enumerate(zip(lab["reps"], lab["variant_per_rep"])):
            kinds = [hd["kind"] for hd in holds if r["start"] <= hd["start"] and hd["end"] <= r["end"]]
            nchk += 1
            want = ["traction"] if v == "basic" else ["traction", "step", "step", "top"]
            if kinds != want:
                fail(name, "rep %d kinds %s" % (i, kinds))
        # breath steps
        steps = lab["breath_steps"]
        stats["steps"] += len(steps)
        for sp in steps:
            nchk += 4
            prev = [hd for hd in holds if hd["end"] <= sp["t"]]
            nxt = [hd for hd in holds if hd["start"] >= sp["t"]]
            if not prev or not nxt:
                fail(name, "step without holds around it")
                continue
            p, q = prev[-1], nxt[0]
            if q["kind"] not in ("step", "top"):
                fail(name, "step not followed by step/top hold")
            dur = q["start"] - p["end"]
            if not (0.5 <= dur <= 4.0):
                fail(name, "step rise duration %.2f" % dur)
            if abs(sp["rise_deg"] - (q["mean_deg"] - p["mean_deg"])) > 0.021:
                fail(name, "rise_deg != plateau difference")
            if sp["rise_deg"] < 1.0:
                fail(name, "rise < 1")
            a = bisect.bisect_left(t, q["start"])
            b = bisect.bisect_right(t, q["end"])
            if b > a and min(th[a:b]) < q["mean_deg"] - 1.0:
                fail(name, "exhale not kept after step at %.2f" % sp["t"])
        nanch = sum(1 for v in lab["variant_per_rep"] if v == "anchored")
        nchk += 1
        if len(steps) != 3 * nanch:
            fail(name, "step count")
    return stats, nchk, fails


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--count", type=int, default=48)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check")
    ap.add_argument("--only", type=int, default=None, help="generate only this index (debug)")
    a = ap.parse_args()
    if a.check:
        stats, nchk, fails = check_corpus(a.check)
        print("self-check %s: %s" % (a.check, json.dumps(stats)))
        print("checks: %d, failures: %d" % (nchk, len(fails)))
        for f in fails[:50]:
            print("  FAIL", f)
        sys.exit(1 if fails else 0)
    if not a.out:
        ap.error("--out or --check required")
    flags = corpus_flags(a.seed, a.count)
    t0 = time.time()
    for i in range(a.count):
        if a.only is not None and i != a.only:
            continue
        name = "g3s%d-%02d" % (a.seed, i)
        s = generate_one(a.seed, i, flags[i], a.out, name)
        print(json.dumps(s), flush=True)
    print("generated in %.1f s" % (time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
