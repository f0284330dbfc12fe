#!/usr/bin/env python3
"""gen4 -- an independent generator of synthetic prone lumbar-extension recordings.

Written only from the binding specs (recording-format.md, exercise-model.md),
the reference notes and noise figures measured on the BROAD trials.
Python 3 standard library only.

    python3 gen4.py --out DIR --count N --seed S [--jobs J]
    python3 gen4.py --check DIR

See README.md beside this file for the model and the labelling conventions.
"""

import argparse
import bisect
import hashlib
import json
import math
import os
import random
import sys

D2R = math.pi / 180.0
R2D = 180.0 / math.pi
G_STD = 9.80665
SQ2PI = 2.5066282746310002

# --------------------------------------------------------------------------
# Labelling constants (see README "Labelling conventions")
# --------------------------------------------------------------------------
REP_LEVEL = 5.0          # deg, rep is from rising through to falling through this
REP_MIN_DUR = 3.0        # s
REP_MIN_PEAK = 8.0       # deg
HOLD_MIN_DUR = 2.0       # s
HOLD_BAND = 1.5          # deg, +- around the hold's own mean (ripple set aside)
ONSET_FRAC = 0.05        # movement onset/offset = 5 % of the movement's peak speed
STEP_MIN_RISE = 1.0      # deg
STEP_DUR = (0.5, 4.0)    # s

# generator-side safety margins (labels must be unambiguous, not borderline)
M_REP_DUR = 3.4
M_REP_PEAK = 8.7
M_EXC_DUR = 2.4
M_EXC_PEAK = 7.3
M_HOLD_DUR = 2.25
M_HOLD_BAND = 1.3
M_HOLD_SPEED = 2.0
M_STEP_RISE = 1.15
M_STEP_DUR = (0.6, 3.8)


def phi_cdf(z):
    return 0.5 * (1.0 + math.erf(z * 0.7071067811865476))


# --------------------------------------------------------------------------
# Trajectory components.  Each has support [a, e], value 0 before a and
# `final` after e.  Channels are sums of components.
# --------------------------------------------------------------------------
class LN(object):
    """Lognormal (sigma-lognormal) submovement of amplitude D.

    `dur` is the time between 0.5 % and 99.5 % of the displacement; t_start is
    the 0.5 % point before alignment.  Velocity is a lognormal pdf: fast
    acceleration, longer deceleration (Plamondon's kinematic theory)."""
    __slots__ = ('D', 't0', 'mu', 'sig', 'a', 'e', 'final')

    def __init__(self, D, t_start, dur, sig):
        k = 2.5758
        em = dur / (2.0 * math.sinh(k * sig))
        self.mu = math.log(em)
        self.sig = sig
        self.D = D
        self.t0 = t_start - em * math.exp(-k * sig)
        self.a = self.t0 + em * math.exp(-5.0 * sig)
        self.e = self.t0 + em * math.exp(5.0 * sig)
        self.final = D

    def shift(self, dt):
        self.t0 += dt
        self.a += dt
        self.e += dt

    def val(self, t):
        if t <= self.a:
            return 0.0
        if t >= self.e:
            return self.D
        return self.D * phi_cdf((math.log(t - self.t0) - self.mu) / self.sig)

    def vel(self, t):
        if t <= self.a or t >= self.e:
            return 0.0
        x = t - self.t0
        z = (math.log(x) - self.mu) / self.sig
        return self.D * math.exp(-0.5 * z * z) / (SQ2PI * self.sig * x)


class RC(object):
    """Raised-cosine ramp of D between ta and tb (slow drifts, force ramps)."""
    __slots__ = ('D', 'a', 'e', 'final')

    def __init__(self, D, ta, tb):
        self.D = D
        self.a = ta
        self.e = max(tb, ta + 1e-3)
        self.final = D

    def val(self, t):
        if t <= self.a:
            return 0.0
        if t >= self.e:
            return self.D
        return self.D * (0.5 - 0.5 * math.cos(math.pi * (t - self.a) / (self.e - self.a)))


class OSC(object):
    """Sum of sinusoids with raised-cosine fade in/out, optional growth."""
    __slots__ = ('parts', 'a', 'e', 'fade', 'grow', 'final')

    def __init__(self, parts, ta, tb, fade, grow=False):
        self.parts = parts  # list of (amp, omega, phase)
        self.a = ta
        self.e = tb
        self.fade = max(fade, 1e-3)
        self.grow = grow
        self.final = 0.0

    def val(self, t):
        if t <= self.a or t >= self.e:
            return 0.0
        x = min((t - self.a) / self.fade, (self.e - t) / self.fade, 1.0)
        env = 0.5 - 0.5 * math.cos(math.pi * x)
        if self.grow:
            env *= (t - self.a) / (self.e - self.a)
        s = 0.0
        tt = t - self.a
        for amp, w, ph in self.parts:
            s += amp * math.sin(w * tt + ph)
        return env * s


class DOSC(object):
    """Damped oscillation (soft-tissue wobble of the strap after a movement)."""
    __slots__ = ('A', 'w', 'tr', 'td', 'a', 'e', 'final')

    def __init__(self, A, f, tr, td, ta):
        self.A = A
        self.w = 2 * math.pi * f
        self.tr = tr
        self.td = td
        self.a = ta
        self.e = ta + 7 * td
        self.final = 0.0

    def val(self, t):
        if t <= self.a or t >= self.e:
            return 0.0
        x = t - self.a
        return self.A * (1 - math.exp(-x / self.tr)) * math.exp(-x / self.td) * math.sin(self.w * x)


class Chan(object):
    def __init__(self):
        self.comps = []
        self.level = 0.0  # sum of finals (the settled level after all comps)
        self.ready = False

    def add(self, c):
        self.comps.append(c)
        self.level += c.final
        return c

    def finalize(self, t_end, bs=0.25):
        nb = int(t_end / bs) + 3
        self.inv = 1.0 / bs
        self.nb = nb
        diff = [0.0] * (nb + 1)
        act = [[] for _ in range(nb)]
        for c in self.comps:
            ia = max(0, int(c.a * self.inv)) if c.a > 0 else 0
            ie = int(c.e * self.inv) if c.e > 0 else -1
            if ie >= nb:
                ie = nb - 1
            for b in range(ia, ie + 1):
                act[b].append(c)
            if ie + 1 < nb:
                diff[max(ie + 1, 0)] += c.final
        base = []
        acc = 0.0
        for b in range(nb):
            acc += diff[b]
            base.append(acc)
        self.base = base
        self.act = [tuple(x) for x in act]
        self.ready = True

    def __call__(self, t):
        b = bucket(t, self.inv, self.nb)
        v = self.base[b]
        for c in self.act[b]:
            v += c.val(t)
        return v

    def slow(self, t):
        return sum(c.val(t) for c in self.comps)


def bucket(t, inv, nb):
    """The time bucket of t, clamped to the channel's nb buckets."""
    return min(max(int(t * inv), 0), nb - 1)


class Multi(object):
    """Evaluates several finalized channels at once (one bucket lookup)."""

    def __init__(self, chans):
        nb = chans[0].nb
        self.inv = chans[0].inv
        self.nb = nb
        self.base = [tuple(c.base[b] for c in chans) for b in range(nb)]
        self.act = [tuple((k, comp) for k, c in enumerate(chans) for comp in c.act[b]) for b in range(nb)]

    def __call__(self, t):
        b = bucket(t, self.inv, self.nb)
        v = list(self.base[b])
        for k, c in self.act[b]:
            v[k] += c.val(t)
        return v


# --------------------------------------------------------------------------
# Breathing: breath-by-breath, each breath = inhale (from the previous
# trough to +A/2), optional inspiratory hold, passive exhale (to -A/2),
# end-expiratory pause.
# --------------------------------------------------------------------------
class Breathing(object):
    def __init__(self, rng, A0):
        self.rng = rng
        self.starts = []
        self.br = []
        self.cursor = 0.0
        self.cur_lo = -A0 / 2.0
        self.first_lo = self.cur_lo

    def add(self, ts, Ti, Th, Te, Tp, A, pinned=False):
        hi = A / 2.0
        lo = -A / 2.0
        self.starts.append(ts)
        self.br.append((ts, self.cur_lo, hi, lo, Ti, Th, Te, Tp, pinned))
        self.cur_lo = lo
        self.cursor = ts + Ti + Th + Te + Tp

    def extend_pause(self, dt):
        if not self.br:
            return
        ts, l0, hi, lo, Ti, Th, Te, Tp, pn = self.br[-1]
        self.br[-1] = (ts, l0, hi, lo, Ti, Th, Te, Tp + dt, pn)
        self.cursor += dt

    def fill_until(self, t_to, period_fn, amp_fn):
        rng = self.rng
        while True:
            rem = t_to - self.cursor
            if rem <= 1e-9:
                return
            T = period_fn(self.cursor)
            sigh = rng.random() < 0.03
            if sigh:
                T *= 1.4
            if rem < 1.6 * T:
                if rem < 1.5 and self.br:
                    self.extend_pause(rem)
                    return
                T = rem
            A = amp_fn(self.cursor) * math.exp(rng.gauss(0, 0.18))
            if sigh:
                A *= 1.6
            A = min(A, 1.6)
            fi = rng.uniform(0.32, 0.45)
            fe = rng.uniform(0.36, 0.52)
            Ti = T * fi
            Te = T * fe
            Tp = max(0.0, T - Ti - Te)
            self.add(self.cursor, Ti, 0.0, Te, Tp, A)

    def val(self, t):
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return self.first_lo
        ts, lo0, hi, lo1, Ti, Th, Te, Tp, pn = self.br[i]
        x = t - ts
        if x < Ti:
            u = (x / Ti) ** 0.9
            return lo0 + (hi - lo0) * (0.5 - 0.5 * math.cos(math.pi * u))
        x -= Ti
        if x < Th:
            return hi
        x -= Th
        if x < Te:
            u = (x / Te) ** 0.6
            return hi + (lo1 - hi) * (0.5 - 0.5 * math.cos(math.pi * u))
        return lo1

    def phase(self, t):
        """'in' while inhaling, 'hold', 'ex', 'pause'."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return 'pause'
        ts, lo0, hi, lo1, Ti, Th, Te, Tp, pn = self.br[i]
        x = t - ts
        if x < Ti:
            return 'in'
        if x < Ti + Th:
            return 'hold'
        if x < Ti + Th + Te:
            return 'ex'
        return 'pause'


# --------------------------------------------------------------------------
# Small rotation helpers (3x3 as tuples of rows)
# --------------------------------------------------------------------------
def mmul(A, B):
    (a00, a01, a02), (a10, a11, a12), (a20, a21, a22) = A
    (b00, b01, b02), (b10, b11, b12), (b20, b21, b22) = B
    return ((a00 * b00 + a01 * b10 + a02 * b20, a00 * b01 + a01 * b11 + a02 * b21, a00 * b02 + a01 * b12 + a02 * b22),
            (a10 * b00 + a11 * b10 + a12 * b20, a10 * b01 + a11 * b11 + a12 * b21, a10 * b02 + a11 * b12 + a12 * b22),
            (a20 * b00 + a21 * b10 + a22 * b20, a20 * b01 + a21 * b11 + a22 * b21, a20 * b02 + a21 * b12 + a22 * b22))


def mT(A):
    return ((A[0][0], A[1][0], A[2][0]), (A[0][1], A[1][1], A[2][1]), (A[0][2], A[1][2], A[2][2]))


def rot_axis(ax, ang):
    x, y, z = ax
    n = math.sqrt(x * x + y * y + z * z)
    x, y, z = x / n, y / n, z / n
    c = math.cos(ang)
    s = math.sin(ang)
    C = 1 - c
    return ((c + x * x * C, x * y * C - z * s, x * z * C + y * s),
            (y * x * C + z * s, c + y * y * C, y * z * C - x * s),
            (z * x * C - y * s, z * y * C + x * s, c + z * z * C))


def zyx(psi, beta, rho):
    """Rz(psi) Ry(beta) Rx(rho)."""
    cp, sp = math.cos(psi), math.sin(psi)
    cb, sb = math.cos(beta), math.sin(beta)
    cr, sr = math.cos(rho), math.sin(rho)
    return ((cp * cb, cp * sb * sr - sp * cr, cp * sb * cr + sp * sr),
            (sp * cb, sp * sb * sr + cp * cr, sp * sb * cr - cp * sr),
            (-sb, cb * sr, cb * cr))


def random_rotation(rng):
    # uniform random unit quaternion
    u1, u2, u3 = rng.random(), rng.random(), rng.random()
    a = math.sqrt(1 - u1)
    b = math.sqrt(u1)
    w, x, y, z = (a * math.sin(2 * math.pi * u2), a * math.cos(2 * math.pi * u2),
                  b * math.sin(2 * math.pi * u3), b * math.cos(2 * math.pi * u3))
    return ((1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
            (2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
            (2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)))


def rel_rate(A, B, dt):
    """Body-frame angular rate taking orientation A to B in time dt."""
    Q = mmul(mT(A), B)
    vx = (Q[2][1] - Q[1][2]) * 0.5
    vy = (Q[0][2] - Q[2][0]) * 0.5
    vz = (Q[1][0] - Q[0][1]) * 0.5
    s = math.sqrt(vx * vx + vy * vy + vz * vz)
    c = (Q[0][0] + Q[1][1] + Q[2][2] - 1) * 0.5
    ang = math.atan2(s, c)
    k = (ang / s if s > 1e-12 else 1.0) / dt
    return (vx * k, vy * k, vz * k)


# --------------------------------------------------------------------------
# Transition helpers (movement groups on the angle channel)
# --------------------------------------------------------------------------
def group_vel(group, t):
    return sum(c.vel(t) for c in group)


def group_on_off(group, frac=ONSET_FRAC):
    a = min(c.a for c in group)
    e = max(c.e for c in group)
    dt = 0.001
    n = int((e - a) / dt) + 2
    vs = []
    pk = 0.0
    for i in range(n):
        v = abs(group_vel(group, a + i * dt))
        vs.append(v)
        if v > pk:
            pk = v
    th = frac * pk
    i0 = next(i for i in range(n) if vs[i] >= th)
    i1 = next(i for i in range(n - 1, -1, -1) if vs[i] >= th)

    # linear refinement of the crossings
    def cross(i, j):
        v0, v1 = vs[i], vs[j]
        if v1 == v0:
            return a + i * dt
        return a + (i + (th - v0) / (v1 - v0) * (j - i)) * dt
    on = cross(i0 - 1, i0) if i0 > 0 else a
    off = cross(i1 + 1, i1) if i1 < n - 1 else e
    return on, off, pk


# --------------------------------------------------------------------------
# Recording plan
# --------------------------------------------------------------------------
class Builder(object):
    def __init__(self, rng, cfg):
        self.rng = rng
        self.cfg = cfg
        names = ['P', 'trem', 'roll', 'yaw', 'phi', 'px', 'py', 'pz', 'wob',
                 'arm', 'trac', 'cload', 'squeeze']
        self.ch = dict((n, Chan()) for n in names)
        self.reps = []          # planned reps
        self.up = []            # [start, end] intervals on the elbows
        self.taps = []
        self.events = []        # (kind, t) for the README/stats
        self.t = 0.0

    def add(self, name, comp):
        return self.ch[name].add(comp)

    # ---------------- person-level draws ----------------
    def draw_person(self):
        r = self.rng
        p = {}
        p['mass'] = r.uniform(50, 100)
        p['speed'] = math.exp(r.gauss(0.12, 0.22))    # >1 = moves faster than demonstrated
        u = r.random()
        if u < 0.15:
            p['T_rest'] = r.uniform(7.5, 9.5)          # slow breather (~0.1-0.13 Hz)
        elif u < 0.3:
            p['T_rest'] = r.uniform(2.1, 2.9)          # fast breathing (0.35-0.48 Hz)
        else:
            p['T_rest'] = r.uniform(3.2, 6.5)
        p['T_up'] = min(9.5, max(2.05, p['T_rest'] * r.uniform(0.8, 1.2)))
        p['breath_cv'] = r.uniform(0.07, 0.22)
        p['A_rest'] = r.uniform(0.08, 0.45)          # peak-to-peak deg
        p['A_up'] = r.uniform(0.3, 1.3)
        p['A_deep'] = r.uniform(max(0.8, p['A_up']), 1.6)
        p['L_base'] = r.uniform(9.5, 27.0)
        p['trem_acc'] = r.uniform(0.02, 0.12)          # m/s2 rms of physiological tremor
        p['trem_f'] = r.uniform(7.0, 11.5)
        p['fatigue'] = r.random() < 0.5
        p['arms_on_platform_at_rest'] = r.random() < 0.6
        p['fidget'] = r.choice([0.4, 1.0, 1.0, 1.8])
        p['lever'] = r.uniform(0.25, 0.45)             # pivot (lumbar) to upper-back sensor, m
        p['hr'] = r.uniform(0.9, 1.5)                  # heart rate Hz
        self.p = p
        self._bm = 1.0

    def period_fn(self, t):
        p = self.p
        base = p['T_up'] if self.is_up(t) else p['T_rest']
        self._bm = 0.8 * self._bm + 0.2 * math.exp(self.rng.gauss(0, 0.15))
        T = base * self._bm * math.exp(self.rng.gauss(0, p['breath_cv']))
        return min(9.8, max(2.02, T))

    def amp_fn(self, t):
        return self.p['A_up'] if self.is_up(t) else self.p['A_rest']

    def is_up(self, t):
        for a, b in self.up:
            if a <= t <= b:
                return True
        return False

    # ---------------- movements ----------------
    def move(self, chname, D, t_on, dur, sig, overshoot=0.0, align=True):
        """Create a movement group on channel; returns (group, onset, offset, peak)."""
        r = self.rng
        grp = []
        if overshoot > 0 and abs(D) > 3:
            f = min(overshoot, 2.0 / abs(D))
            c1 = LN(D * (1 + f), t_on, dur, sig)
            c2 = LN(-D * f, t_on + dur * r.uniform(0.7, 0.92), r.uniform(0.4, 1.0) , r.uniform(0.2, 0.35))
            grp = [c1, c2]
        else:
            grp = [LN(D, t_on, dur, sig)]
        if align:
            on, off, pk = group_on_off(grp)
            for c in grp:
                c.shift(t_on - on)
            off += t_on - on
            on = t_on
        else:
            on, off, pk = group_on_off(grp)
        for c in grp:
            self.add(chname, c)
        return grp, on, off, pk

    def bump(self, chname, h, t, up, stay, down, back_frac=1.0, sig=0.3):
        self.add(chname, LN(h, t, up, sig))
        self.add(chname, LN(-h * back_frac, t + up + stay, down, sig))
        return t + up + stay + down

    def wobble(self, t, speed):
        r = self.rng
        A = min(0.25, 0.008 * speed) * r.uniform(0.5, 1.0)
        if A > 0.01:
            self.add('wob', DOSC(A, r.uniform(4, 9), 0.03, r.uniform(0.08, 0.22), t))

    # ---------------- rest distractors ----------------
    def rest_window(self, ta, tb):
        r = self.rng
        lvl = self.p['fidget']
        t = ta + r.uniform(0.5, 3.0) / lvl
        while True:
            kinds = ['roll', 'fidget', 'glance', 'cough', 'arm']
            w = [1.0, 1.3, 0.7, 0.5, 0.6]
            if self.cfg['sacrum']:
                kinds.append('hip')
                w.append(0.8)
            k = r.choices(kinds, w)[0]
            d = {'roll': 9.0, 'fidget': 4.5, 'glance': 2.6, 'cough': 2.6, 'arm': 6.0, 'hip': 6.0}[k]
            if t + d + 1.2 > tb:
                break
            if r.random() < 0.75:
                end = self.distractor(k, t)
                self.events.append((k, t))
                t = end
            t += r.uniform(1.5, 12.0) / lvl

    def distractor(self, k, t):
        r = self.rng
        sp = self.p['speed']
        sgn = r.choice([-1, 1])
        if k == 'roll':
            ang = r.uniform(3, 15) * sgn
            tout = r.uniform(0.8, 2.0) / sp
            stay = r.uniform(1.0, 5.0)
            tback = r.uniform(0.8, 2.0) / sp
            cur = self.ch['roll'].level
            new = max(-4.0, min(4.0, cur + r.uniform(-2, 2)))
            self.add('roll', LN(ang, t, tout, r.uniform(0.2, 0.4)))
            self.add('roll', LN(new - cur - ang, t + tout + stay, tback, r.uniform(0.2, 0.4)))
            self.bump('py', sgn * r.uniform(0.01, 0.04), t, tout, stay, tback)
            self.bump('P', r.uniform(-0.4, 0.4), t, tout, stay, tback)
            if self.p['arms_on_platform_at_rest'] or self.cfg['load']:
                self.bump('arm', -r.uniform(0, 8), t, tout, stay, tback)
            if self.cfg['sacrum']:
                self.bump('phi', r.uniform(-0.6, 0.6), t, tout, stay, tback)
            return t + tout + stay + tback
        if k == 'fidget':
            n = r.randint(2, 4)
            tt = t
            for i in range(n):
                du = r.uniform(0.3, 0.9) / sp
                self.bump('roll', r.uniform(-4, 4), tt, du, r.uniform(0, 0.5), du)
                self.bump('yaw', r.uniform(-8, 8), tt, du, r.uniform(0, 0.5), du * 1.2, back_frac=r.uniform(0.6, 1.0))
                self.bump('P', r.uniform(-1.2, 1.5), tt, du, r.uniform(0, 0.4), du)
                self.bump('px', r.uniform(-0.03, 0.03), tt, du, 0.1, du, back_frac=r.uniform(0, 1))
                tt += r.uniform(0.5, 1.0)
            return tt + 1.5
        if k == 'glance':
            h = r.uniform(2.0, 10.0)
            up = r.uniform(0.4, 0.85) / max(sp, 0.8)
            stay = r.uniform(0.0, 0.6)
            dn = r.uniform(0.45, 1.0) / max(sp, 0.8)
            self.bump('P', h, t, up, stay, dn, back_frac=1.0, sig=0.25)
            self.bump('yaw', r.uniform(-6, 6), t, up, stay, dn)
            self.bump('px', r.uniform(0.0, 0.02), t, up, stay, dn)
            self.events.append(('glance_peak', h))
            return t + up + stay + dn
        if k == 'cough':
            n = r.randint(1, 3)
            tt = t
            for i in range(n):
                self.bump('P', r.uniform(0.8, 3.0), tt, 0.12, 0.02, 0.28, sig=0.25)
                self.bump('pz', r.uniform(0.003, 0.008), tt, 0.10, 0.0, 0.22, sig=0.25)
                self.bump('cload', r.uniform(10, 50), tt, 0.10, 0.02, 0.25, sig=0.25)
                self.bump('roll', r.uniform(-0.6, 0.6), tt, 0.12, 0.0, 0.3)
                tt += r.uniform(0.35, 0.8)
            return tt + 0.5
        if k == 'arm':
            d = r.uniform(5, 25) * sgn
            du = r.uniform(0.3, 1.0)
            stay = r.uniform(1.0, 4.0)
            self.bump('arm', d if (self.cfg['load']) else 0.0, t, du, stay, du)
            self.bump('roll', r.uniform(-1.5, 1.5), t, du, stay, du)
            self.bump('P', r.uniform(-0.3, 0.3), t, du, stay, du)
            return t + 2 * du + stay
        if k == 'hip':
            a = r.uniform(1.0, 3.0)
            du = r.uniform(0.6, 1.5) / sp
            stay = r.uniform(1.0, 3.5)
            self.bump('phi', a, t, du, stay, du, back_frac=r.uniform(0.7, 1.0))
            self.bump('P', -a, t, du, stay, du, back_frac=r.uniform(0.7, 1.0))
            self.ch['P'].level  # keep
            return t + 2 * du + stay
        return t

    def hold_distractors(self, hs, he):
        """Roll/yaw/head turns while holding: never change the extension angle."""
        r = self.rng
        if he - hs < 7.0:
            return
        n = r.choice([0, 0, 1, 1, 2])
        for i in range(n):
            t = r.uniform(hs + 1.0, he - 5.0)
            if r.random() < 0.5:
                self.bump('roll', r.uniform(1.5, 5.0) * r.choice([-1, 1]), t, r.uniform(0.7, 1.5), r.uniform(0.5, 2.0), r.uniform(0.7, 1.5))
                self.events.append(('hold_roll', t))
            else:
                self.bump('yaw', r.uniform(3, 12) * r.choice([-1, 1]), t, r.uniform(0.5, 1.2), r.uniform(0.3, 1.5), r.uniform(0.5, 1.2))
                self.events.append(('hold_yaw', t))

    # ---------------- one repetition ----------------
    def rep(self, variant, k, rest_after):
        r = self.rng
        p = self.p
        sp = p['speed']
        t = self.t
        Pch = self.ch['P']
        info = {'variant': variant, 'plateaus': [], 'steps': []}
        # preparation: elbows placed under the shoulders, knees squeezed (anchored)
        prep = r.uniform(0.8, 2.2) / sp
        if not p['arms_on_platform_at_rest']:
            self.add('arm', RC(self.F_arm, t + 0.1, t + 0.1 + prep * 0.6))
        self.bump('roll', r.uniform(-2, 2), t + 0.1, 0.5, 0.1, 0.5)
        self.bump('P', r.uniform(-0.4, 0.4), t + 0.2, 0.5, 0.1, 0.6)
        if variant == 'anchored':
            S = r.uniform(80, 250)
            self.add('squeeze', RC(S, t, t + r.uniform(0.5, 1.5)))
        else:
            S = r.uniform(0, 20) if r.random() < 0.4 else 0.0
            if S:
                self.add('squeeze', RC(S, t, t + 1.0))
        rise_on = t + prep + r.uniform(0.1, 0.8)
        # levels
        L = p['L_base'] + k * r.uniform(0.0, 2.0) + r.gauss(0, 1.5)
        if variant == 'anchored':
            steps = [r.uniform(1.3, 4.2) for _ in range(3)]
            L = min(L, 24.0)
            if L + sum(steps) > 34.0:
                L = max(9.3, 34.0 - sum(steps))
            if L + sum(steps) > 34.0:
                f = (34.0 - L) / sum(steps)
                steps = [max(1.3, s * f) for s in steps]
        else:
            steps = []
            L = min(L, 33.0)
        L = max(L, 9.3)
        D = L - Pch.level
        dur = r.uniform(1.0, 3.2) / sp
        sig = r.uniform(0.18, 0.42)
        ov = r.uniform(0.04, 0.12) if r.random() < 0.35 else 0.0
        grp, on, off, pk = self.move('P', D, rise_on, dur, sig, ov)
        self.up.append([on - 0.2, 1e9])
        info['rise'] = grp
        # things that accompany the rise
        rr = r.uniform(-3, 3)
        self.add('roll', LN(rr, on, (off - on) * 0.6, 0.3))
        self.add('roll', LN(-rr + r.uniform(-0.5, 0.5), off - 0.2, r.uniform(0.6, 1.5), 0.3))
        dx = r.uniform(0.01, 0.05)
        self.add('px', LN(dx, on, off - on, sig))
        if self.cfg['sacrum']:
            ph = (r.uniform(0.3, 2.5) if variant == 'anchored' else -r.uniform(0.3, 2.0))
            self.add('phi', RC(ph, on, off))
        self.wobble(off, pk)
        hold_start = off
        # tremor for the whole time on the elbows (set later when the end is known)
        trem_start = on
        # ----- plateaus -----
        if variant == 'basic':
            u = r.random()
            if u < 0.1:
                Th = r.uniform(2.5, 4.0)
            elif u < 0.7:
                Th = r.uniform(5.0, 25.0)
            elif u < 0.95:
                Th = r.uniform(25.0, 50.0)
            else:
                Th = r.uniform(50.0, 90.0)
            hold_end = hold_start + Th
            self.sag(hold_start, hold_end)
            self.hold_distractors(hold_start, hold_end)
            info['plateaus'].append(('traction', grp, None))
            top_breath_hold = False
        else:
            Ttr = r.uniform(2.6, 7.0)
            hold_end = hold_start + Ttr
            self.sag(hold_start, hold_end, small=True)
            info['plateaus'].append(('traction', grp, None))
            prev_end = hold_end
            top_breath_hold = r.random() < 0.6
            delta = r.uniform(0.05, 0.35)
            for j in range(3):
                # the inhale starts `delta` before the chest starts to rise
                ts = prev_end - delta
                self.breath.fill_until(ts, self.period_fn, self.amp_fn)
                Ti = r.uniform(1.1, 3.2) / max(0.8, sp ** 0.5)
                Tm = min(3.4, max(0.75, Ti * r.uniform(0.65, 0.95)))
                if Tm > Ti - delta:
                    Tm = max(0.75, Ti - delta - 0.05)
                    if Tm > Ti - delta:
                        Ti = Tm + delta + 0.1
                sg = r.uniform(0.15, 0.3)
                sgrp, son, soff, spk = self.move('P', steps[j], prev_end, Tm, sg)
                info['steps'].append(sgrp)
                A = p['A_deep'] * math.exp(r.gauss(0, 0.1))
                A = min(A, 1.6)
                if j < 2:
                    Te = r.uniform(1.6, 4.0)
                    Tp = r.uniform(0.1, 0.8)
                    self.breath.add(ts, Ti, 0.0, Te, Tp, A, pinned=True)
                    bend = ts + Ti + Te + Tp
                    # kept exhale: the chest may sink a little (< 1 deg)
                    sink = -r.uniform(0.0, 0.8) if r.random() < 0.6 else r.uniform(0.0, 0.3)
                    self.add('P', RC(sink, soff + 0.1, soff + 0.1 + max(Te, 1.5)))
                    # sometimes one or two ordinary breaths before the next lift,
                    # but a step plateau is not kept for more than ~10 s
                    extra = r.choice([0, 0, 0, 1, 1, 2])
                    nxt = bend
                    for _ in range(extra):
                        T_ex = self.period_fn(bend)
                        if nxt + T_ex - soff > 10.0:
                            break
                        nxt += T_ex
                    d2 = r.uniform(0.05, 0.35)
                    nxt_on = max(nxt + d2, soff + r.uniform(2.4, 3.2))
                    self.hold_sway(soff, nxt_on)
                    info['plateaus'].append(('step', sgrp, None))
                    prev_end = nxt_on
                    delta = d2
                else:
                    if r.random() < 0.85:
                        Ttop = r.uniform(5.3, 12.0)
                    else:
                        Ttop = r.uniform(2.5, 4.6)
                    hold_end = soff + Ttop
                    if top_breath_hold:
                        Th_b = max(0.0, hold_end + r.uniform(-0.3, 0.2) - (ts + Ti))
                        self.breath.add(ts, Ti, Th_b, r.uniform(1.8, 3.5), r.uniform(0.2, 1.0), A, pinned=True)
                    else:
                        self.breath.add(ts, Ti, 0.0, r.uniform(1.6, 3.5), r.uniform(0.1, 0.6), A, pinned=True)
                    self.sag(soff, hold_end, small=True)
                    self.hold_distractors(soff, hold_end)
                    info['plateaus'].append(('top', sgrp, None))
                    hold_start = soff
        # ----- descent -----
        rest_new = max(-1.5, min(1.5, self.rest_level + r.gauss(0, 0.6)))
        self.rest_level = rest_new
        D = rest_new - Pch.level
        dur = r.uniform(0.8, 2.6) / sp
        dgrp, don, doff, dpk = self.move('P', D, hold_end, dur, r.uniform(0.2, 0.4))
        info['descent'] = dgrp
        self.up[-1][1] = doff + 0.3
        self.add('px', LN(-dx, don, doff - don, 0.3))
        if self.cfg['sacrum']:
            cur = self.ch['phi'].level
            self.add('phi', RC(-cur + r.uniform(-0.4, 0.4), don, doff))
        self.wobble(doff, dpk)
        # landing: small thud on the chest
        self.bump('pz', -r.uniform(0.0005, 0.002), doff - 0.05, r.uniform(0.07, 0.12), 0.0, 0.2, sig=0.25)
        # tremor on the elbows
        tf = p['trem_f']
        L_lev = p['lever']
        amp_deg = p['trem_acc'] / (L_lev * (2 * math.pi * tf) ** 2) * R2D * math.sqrt(2)
        parts = [(amp_deg / 2, 2 * math.pi * tf * m, r.uniform(0, 6.283)) for m in (1.0, 1.04, 0.965)]
        self.add('trem', OSC(parts, trem_start, doff, 0.5))
        if p['fatigue'] and hold_end - hold_start > 15:
            ff = r.uniform(4.0, 6.5)
            a_f = r.uniform(0.05, 0.15) / (L_lev * (2 * math.pi * ff) ** 2) * R2D
            self.add('trem', OSC([(a_f, 2 * math.pi * ff, 0.0), (a_f * 0.5, 2 * math.pi * ff * 1.07, 1.0)],
                                 hold_start, hold_end, 1.0, grow=True))
        # load: traction drive and release
        dT = r.uniform(15, 60) if variant == 'basic' else r.uniform(30, 90)
        hs0 = info['plateaus'][0][1]
        t_first_hold = off
        rs = t_first_hold + r.uniform(0.1, 0.8)
        re_ = rs + r.uniform(0.4, 1.2)
        rel = max(re_ + 0.1, don - r.uniform(0.1, 0.5))
        self.add('trac', RC(dT, rs, re_))
        self.add('trac', RC(-dT, rel, rel + r.uniform(0.3, 0.8)))
        # traction effort fluctuates slightly
        self.add('trac', OSC([(r.uniform(1, 4), 2 * math.pi * r.uniform(0.05, 0.2), r.uniform(0, 6.283))], re_, rel, 1.0))
        if S:
            sr = don + r.uniform(-0.3, 0.8)
            self.add('squeeze', RC(-S, sr, sr + r.uniform(0.3, 1.0)))
            self.add('squeeze', OSC([(S * 0.04, 2 * math.pi * r.uniform(0.1, 0.4), 0.0)], rise_on, sr, 1.0))
        if not p['arms_on_platform_at_rest']:
            t_off = doff + r.uniform(0.3, 1.5)
            self.add('arm', RC(-self.F_arm, t_off, t_off + r.uniform(0.3, 1.0)))
        info['top_breath_hold'] = top_breath_hold
        self.reps.append(info)
        self.t = doff
        return doff

    def sag(self, hs, he, small=False):
        """Slow settling during a hold (low back relaxing), plus postural sway."""
        r = self.rng
        ln = he - hs
        if ln > 3.0 and r.random() < 0.75:
            a = hs + r.uniform(0.3, 1.5)
            b = he - r.uniform(0.3, 1.5)
            if b - a > 1.5:
                cap = min(0.6 if small else 1.6, 0.5 * (b - a))
                self.add('P', RC(r.uniform(-cap, cap * 0.5), a, b))
        self.hold_sway(hs, he)

    def hold_sway(self, hs, he):
        r = self.rng
        if he - hs < 2.0:
            return
        parts = [(r.uniform(0.03, 0.12), 2 * math.pi * r.uniform(0.03, 0.12), r.uniform(0, 6.283)) for _ in range(2)]
        self.add('P', OSC(parts, hs, he, min(1.0, (he - hs) / 3)))

    # ---------------- whole recording ----------------
    def build(self):
        r = self.rng
        cfg = self.cfg
        self.draw_person()
        p = self.p
        self.breath = Breathing(r, p['A_rest'])
        self.rest_level = 0.0
        m_u = 0.5 * p['mass']
        self.F_arm = r.uniform(0.03, 0.05) * p['mass'] * G_STD
        init = r.uniform(3.3, 7.0)
        t = init
        variants = cfg['variants']
        for k, v in enumerate(variants):
            if k == 0:
                gap = r.uniform(0.0, 8.0) if r.random() < 0.6 else 0.0
            else:
                gap = r.uniform(3.0, 20.0)
            if gap > 3.5:
                self.rest_window(t, t + gap)
            t += gap
            self.t = t
            t = self.rep(v, k, None)
            t += 0.5
        fin = r.uniform(2.0, 10.0)
        if fin > 4.0:
            self.rest_window(t, t + fin)
        t_end = t + fin
        self.breath.fill_until(t_end + 20.0, self.period_fn, self.amp_fn)
        # heartbeat ballistocardiogram: tiny periodic jolts (translation, m)
        hr = p['hr']
        bcg = []
        for m, aa in ((1, 0.012), (2, 0.008), (3, 0.004)):
            w = 2 * math.pi * hr * m
            bcg.append((aa / (w * w) * r.uniform(0.5, 1.5), w, r.uniform(0, 6.283)))
        self.add('pz', OSC(bcg, -1.0, t_end + 2.0, 0.5))
        # taps on the sensor
        if cfg['imu'] and r.random() < 0.55:
            for _ in range(r.randint(1, 4)):
                self.taps.append(r.uniform(3.6, t_end - 0.3))
        self.t_end = t_end
        for c in self.ch.values():
            c.finalize(t_end + 2.0)
        return t_end

    # ---------------- evaluation ----------------
    def theta(self, t):
        return self.ch['P'](t) + self.breath.val(t) + self.ch['trem'](t)

    def post(self, t):
        return self.ch['P'](t)


# --------------------------------------------------------------------------
# Labels from the plan (see README for the conventions)
# --------------------------------------------------------------------------
def excursions(th, t_end, dt=0.002):
    """Intervals where theta > REP_LEVEL, crossing times refined by bisection."""
    out = []
    n = int(t_end / dt)
    prev = th(0.0)
    above = prev > REP_LEVEL
    start = 0.0 if above else None
    peak = prev
    tprev = 0.0

    def refine(a, b):
        fa = th(a) - REP_LEVEL
        for _ in range(12):
            m = 0.5 * (a + b)
            fm = th(m) - REP_LEVEL
            if (fm > 0) == (fa > 0):
                a, fa = m, fm
            else:
                b = m
        return 0.5 * (a + b)
    for i in range(1, n + 1):
        t = i * dt
        v = th(t)
        if not above and v > REP_LEVEL:
            start = refine(tprev, t)
            above = True
            peak = v
        elif above:
            if v > peak:
                peak = v
            if v <= REP_LEVEL:
                out.append((start, refine(tprev, t), peak))
                above = False
        tprev = t
    if above:
        out.append((start, t_end, peak))
    return out


def make_labels(B):
    """Returns (labels, problems)."""
    probs = []
    th = B.theta
    exc = excursions(th, B.t_end)
    reps = []
    for (a, b, pk) in exc:
        d = b - a
        if d >= REP_MIN_DUR and pk > REP_MIN_PEAK:
            if d < M_REP_DUR or pk < M_REP_PEAK:
                probs.append('borderline rep %.2f-%.2f pk %.2f' % (a, b, pk))
            # refine the peak on a 1 ms grid around the grid maximum
            reps.append([a, b, pk])
        elif d > M_EXC_DUR and pk > M_EXC_PEAK:
            probs.append('borderline excursion %.2f-%.2f pk %.2f' % (a, b, pk))
    if len(reps) != len(B.reps):
        probs.append('rep count %d vs planned %d' % (len(reps), len(B.reps)))
        return None, probs
    # exact peak: dense search near grid max
    for rp in reps:
        a, b = rp[0], rp[1]
        best_t, best = a, -1e9
        t = a
        while t < b:
            v = th(t)
            if v > best:
                best, best_t = v, t
            t += 0.004
        t = best_t - 0.004
        while t < best_t + 0.004:
            v = th(t)
            if v > best:
                best = v
            t += 0.0002
        rp[2] = best
    holds = []
    steps = []
    for i, info in enumerate(B.reps):
        ra, rb = reps[i][0], reps[i][1]
        pl = info['plateaus']
        trans = []  # movement groups: into each plateau, and descent
        for kind, grp, _ in pl:
            trans.append(grp)
        trans.append(info['descent'])
        oo = [group_on_off(g) for g in trans]
        for j, (kind, grp, _) in enumerate(pl):
            hs = oo[j][1]
            he = oo[j + 1][0]
            if not (ra + 0.1 < hs < he < rb - 0.1):
                probs.append('hold outside rep')
            if he - hs < M_HOLD_DUR:
                probs.append('short hold %s %.2f' % (kind, he - hs))
            # ripple-free posture band, speed, and truth mean
            n = max(20, int((he - hs) / 0.005))
            ps = []
            ts_ = []
            sp_max = 0.0
            tot = 0.0
            for q in range(n + 1):
                t = hs + (he - hs) * q / n
                ps.append(B.post(t))
                tot += th(t) * (0.5 if q in (0, n) else 1.0)
            mean_post = sum(ps) / len(ps)
            dev = max(abs(x - mean_post) for x in ps)
            dtq = (he - hs) / n
            for q in range(1, n):
                s = abs(ps[q + 1] - ps[q - 1]) / (2 * dtq)
                sp_max = max(sp_max, s)
            if dev > M_HOLD_BAND:
                probs.append('hold band %.2f' % dev)
            if sp_max > M_HOLD_SPEED:
                probs.append('hold speed %.2f' % sp_max)
            mean_truth = tot / n
            holds.append({'start': hs, 'end': he, 'kind': kind, 'mean_deg': mean_truth})
        for j, sg in enumerate(info['steps']):
            on, off, pk = oo[j + 1]
            tmid = 0.5 * (on + off)
            rise = B.post(off) - B.post(on)
            if not (M_STEP_DUR[0] <= off - on <= M_STEP_DUR[1]):
                probs.append('step dur %.2f' % (off - on))
            if rise < M_STEP_RISE:
                probs.append('step rise %.2f' % rise)
            if B.breath.phase(tmid) != 'in':
                probs.append('step not during inhale')
            steps.append({'t': tmid, 'rise_deg': rise})
    # nothing on the elbows outside reps may look like a hold: covered by the
    # excursion margins (every non-rep excursion is short or low).
    labels = {
        'variant_per_rep': [info['variant'] for info in B.reps],
        'reps': [{'start': round(a, 3), 'end': round(b, 3), 'peak_deg': round(pk, 2)} for a, b, pk in reps],
        'holds': [{'start': round(h['start'], 3), 'end': round(h['end'], 3), 'kind': h['kind'],
                   'mean_deg': round(h['mean_deg'], 2)} for h in holds],
        'breath_steps': [{'t': round(s['t'], 3), 'rise_deg': round(s['rise_deg'], 2)} for s in steps],
    }
    return labels, probs


# --------------------------------------------------------------------------
# Sensors
# --------------------------------------------------------------------------
SENSORS = ['mpu6050', 'mpu6050', 'mpu6500', 'icm20600', 'mpu9250']


def mount_rotation(rng):
    """Orientation of the sensor frame in the trunk frame (x head, y left, z dorsal)."""
    u = rng.random()
    if u < 0.15:
        return random_rotation(rng), 'arbitrary'
    yaw = rng.uniform(0, 2 * math.pi)
    tilt = rng.uniform(0, 30) * D2R
    az = rng.uniform(0, 2 * math.pi)
    R = mmul(rot_axis((math.cos(az), math.sin(az), 0.0), tilt), rot_axis((0, 0, 1), yaw))
    if rng.random() < 0.18:
        R = mmul(R, rot_axis((1, 0, 0), math.pi))  # board upside down in its case
        return R, 'flipped'
    return R, 'on-back'


class IMUModel(object):
    def __init__(self, rng, rate, t_end):
        self.rng = rng
        self.chip = rng.choice(SENSORS)
        self.acc_range = rng.choice([2, 4, 4, 8, 16])
        self.gyr_range = rng.choice([250, 500, 500, 1000, 2000])
        self.acc_lsb = self.acc_range * G_STD / 32768.0
        self.gyr_lsb = self.gyr_range / 32768.0 * D2R
        bw = min(rate / 2.0, 190.0)
        # noise densities chosen so that at 285.7 Hz the per-sample std lands in
        # the BROAD range (gyro 0.08-0.13 deg/s, acc 0.040-0.050 / 0.070 m/s2)
        gd = rng.uniform(0.0062, 0.0115) * D2R
        ad = rng.uniform(0.0033, 0.0043)
        self.g_sd = gd * math.sqrt(bw)
        self.a_sd = (ad * math.sqrt(bw), ad * math.sqrt(bw) * rng.uniform(0.95, 1.1), ad * math.sqrt(bw) * rng.uniform(1.45, 1.65))
        big = rng.random() < 0.1
        bmax = 1.2 if big else 0.5
        self.gb0 = [rng.uniform(-bmax, bmax) * D2R for _ in range(3)]
        self.warm = [0.0, 0.0, 0.0]
        self.warm_tau = rng.uniform(60, 300)
        self.t_on = rng.uniform(0, 60)
        if rng.random() < 0.3:
            # still warming up after power-on: bias settles by up to 0.08 deg/s
            self.warm = [rng.uniform(-0.08, 0.08) * D2R for _ in range(3)]
        self.rw_sd = rng.uniform(0.0005, 0.0015) * D2R   # bias random walk, rad/s/sqrt(s)
        self.rw = [0.0, 0.0, 0.0]
        self.ab = [rng.uniform(-0.08, 0.08) for _ in range(3)]
        self.aM = [[(1 + rng.uniform(-0.005, 0.005)) if i == j else rng.uniform(-0.003, 0.003) for j in range(3)] for i in range(3)]
        self.gM = [[(1 + rng.uniform(-0.01, 0.01)) if i == j else rng.uniform(-0.004, 0.004) for j in range(3)] for i in range(3)]
        self.last_t = 0.0

    def measure(self, f, w, t, extra_a=None, extra_g=None):
        g = self.rng.gauss
        dt = t - self.last_t
        self.last_t = t
        if dt > 0:
            s = self.rw_sd * math.sqrt(dt)
            self.rw = [x + g(0, s) for x in self.rw]
        wf = 1 - math.exp(-(t + self.t_on) / self.warm_tau)
        aM, gM = self.aM, self.gM
        acc = []
        gyr = []
        for i in range(3):
            a = aM[i][0] * f[0] + aM[i][1] * f[1] + aM[i][2] * f[2] + self.ab[i] + g(0, self.a_sd[i])
            if extra_a:
                a += extra_a[i]
            lim = self.acc_range * G_STD
            a = max(-lim, min(lim - self.acc_lsb, a))
            acc.append(round(a / self.acc_lsb) * self.acc_lsb)
            b = self.gb0[i] + self.warm[i] * wf + self.rw[i]
            q = gM[i][0] * w[0] + gM[i][1] * w[1] + gM[i][2] * w[2] + b + g(0, self.g_sd)
            if extra_g:
                q += extra_g[i]
            lim = self.gyr_range * D2R
            q = max(-lim, min(lim - self.gyr_lsb, q))
            gyr.append(round(q / self.gyr_lsb) * self.gyr_lsb)
        return acc, gyr


def fmt(x, nd):
    s = '%.*f' % (nd, x)
    if s.startswith('-') and float(s) == 0.0:
        s = s[1:]
    return s


def synthesize(B, cfg, rng, name):
    """Produce rows (list of dict) and truth list."""
    p = B.p
    ch = B.ch
    P, trem, roll, yaw, phi = ch['P'], ch['trem'], ch['roll'], ch['yaw'], ch['phi']
    px, py, pz, wob = ch['px'], ch['py'], ch['pz'], ch['wob']
    br = B.breath
    sac = cfg['sacrum']
    t_end = B.t_end
    rate = cfg['rate']
    # ---- time base ----
    eps = rng.uniform(-0.004, 0.004)
    ra = rate * (1 + eps)
    n = int(t_end * ra)
    jit = rng.choice([0.0, 0.0, 0.02, 0.05, 0.1]) / ra
    times = []
    last = -1.0
    for k in range(n):
        t = k / ra + (rng.gauss(0, jit) if jit else 0.0)
        if k == 0:
            t = 0.0
        if t <= last + 0.2 / ra:
            t = last + 0.2 / ra
        times.append(t)
        last = t
    keep = [True] * n
    # dropped samples (one or two) and gaps (bus hiccups)
    ndrop = rng.choice([0, 0, 1, 2, 3, 5])
    for _ in range(ndrop):
        k = rng.randint(int(1.0 * ra), n - 3)
        keep[k] = False
        if rng.random() < 0.35:
            keep[k + 1] = False
    gaps = []
    if rng.random() < 0.3:
        for _ in range(rng.randint(1, 2)):
            g = rng.uniform(0.1, 1.5)
            k = rng.randint(int(4.0 * ra), max(int(4.0 * ra) + 1, n - int((g + 1) * ra)))
            for j in range(k, min(n - 2, k + int(g * ra))):
                keep[j] = False
            gaps.append((times[k], g))
    idx = [k for k in range(n) if keep[k]]
    seq0 = rng.choice([0, 0, rng.randint(1, 50000)])
    # ---- geometry ----
    F = rot_axis((rng.uniform(-1, 1), rng.uniform(-1, 1), 0.0), rng.uniform(0, 1.0) * D2R)
    RBS, mount = mount_rotation(rng)
    wob_ax = (rng.uniform(-0.3, 0.3), 1.0, rng.uniform(-0.3, 0.3))
    rS = (p['lever'], rng.uniform(-0.04, 0.04), rng.uniform(0.06, 0.12))
    RBS2, mount2 = mount_rotation(rng)
    rS2 = (-0.08, rng.uniform(-0.03, 0.03), 0.12)
    gloc = G_STD * (1 + rng.uniform(-0.001, 0.001))
    imu = IMUModel(rng, rate, t_end) if cfg['imu'] else None
    imu2 = IMUModel(rng, rate, t_end) if (cfg['imu'] and sac) else None
    if imu2:
        imu2.chip = imu.chip
        imu2.acc_range = imu.acc_range
        imu2.acc_lsb = imu.acc_lsb
        imu2.gyr_range = imu.gyr_range
        imu2.gyr_lsb = imu.gyr_lsb
    # taps: damped ringing mostly along the board normal
    taps = []
    for tt in B.taps:
        A = rng.uniform(5, 40)
        f0 = rng.uniform(25, 70)
        fmax = 0.4 * rate
        if f0 > fmax:
            A *= (fmax / f0) ** 1.5
            f0 = rng.uniform(0.25, 0.4) * rate
        d = (rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.choice([-1, 1]))
        nn = math.sqrt(sum(x * x for x in d))
        d = tuple(x / nn for x in d)
        gk = (rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.uniform(-0.1, 0.1))
        taps.append((tt, A, 2 * math.pi * f0, rng.uniform(0.008, 0.025), d, gk))
    taps.sort()
    tap_times = [x[0] for x in taps]
    h = 0.002
    gvec = (0.0, 0.0, gloc)

    multi = Multi([P, trem, roll, yaw, phi, px, py, pz, wob])

    def state(t):
        v = multi(t)
        v.append(br.val(t))
        return v   # P, trem, roll, yaw, phi, px, py, pz, wob, ripple

    def upper(v):
        u = v[0] + v[9] + v[1]
        if sac:
            u += v[4]
        M = zyx(v[3] * D2R, -u * D2R, v[2] * D2R)
        Mw = mmul(F, M)
        wv = v[8]
        R = mmul(Mw, mmul(rot_axis(wob_ax, wv * D2R), RBS)) if wv != 0.0 else mmul(Mw, RBS)
        pos = (v[5] + Mw[0][0] * rS[0] + Mw[0][1] * rS[1] + Mw[0][2] * rS[2],
               v[6] + Mw[1][0] * rS[0] + Mw[1][1] * rS[1] + Mw[1][2] * rS[2],
               v[7] + Mw[2][0] * rS[0] + Mw[2][1] * rS[1] + Mw[2][2] * rS[2])
        return R, pos

    def lower(v):
        M = mmul(F, zyx(0.3 * v[3] * D2R, -v[4] * D2R, 0.8 * v[2] * D2R))
        R = mmul(M, RBS2)
        pos = (0.3 * v[5] + M[0][0] * rS2[0] + M[0][1] * rS2[1] + M[0][2] * rS2[2],
               0.3 * v[6] + M[1][0] * rS2[0] + M[1][1] * rS2[1] + M[1][2] * rS2[2],
               0.5 * v[7] + M[2][0] * rS2[0] + M[2][1] * rS2[1] + M[2][2] * rS2[2])
        return R, pos

    def imu_sample(fun, S0, S1, S2):
        R0, p0 = fun(S0)
        R1, p1 = fun(S1)
        R2, p2 = fun(S2)
        w = rel_rate(R0, R2, 2 * h)
        aw = tuple((p2[i] - 2 * p1[i] + p0[i]) / (h * h) + gvec[i] for i in range(3))
        f = (R1[0][0] * aw[0] + R1[1][0] * aw[1] + R1[2][0] * aw[2],
             R1[0][1] * aw[0] + R1[1][1] * aw[1] + R1[2][1] * aw[2],
             R1[0][2] * aw[0] + R1[1][2] * aw[1] + R1[2][2] * aw[2])
        return f, w

    # ---- load cell ----
    load = None
    if cfg['load']:
        adc = cfg['load_adc']
        adc_rate = {'hx711': 80.0, 'nau7802': 320.0}[adc]
        if not cfg['imu']:
            adc_rate = rate
        adc_rate *= (1 + rng.uniform(-0.01, 0.01))
        m_u = 0.5 * p['mass']
        ratio = rng.uniform(0.45, 0.65)
        W = m_u * G_STD * ratio
        u_full = rng.uniform(5.0, 9.0)
        k_b = rng.uniform(2.0, 6.0)
        k_push = rng.uniform(1.0, 3.0)
        k_t = rng.uniform(200, 400)
        rc = rng.uniform(0.25, 0.35)
        offs = rng.uniform(-2.0, 2.0)
        creep = rng.uniform(-3.0, 3.0) / max(t_end, 1.0)
        lsd = rng.uniform(0.2, 1.2)
        arms0 = B.F_arm if p['arms_on_platform_at_rest'] else 0.0
        glitches = set()
        if adc == 'hx711' and rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                glitches.add(rng.randint(int(5 * adc_rate), int(t_end * adc_rate) - 2))
        tare_raw = rng.uniform(5e4, 3e5)
        cpn = rng.uniform(100, 500)
        sq_sd = rng.uniform(0.3, 1.0)

        def uang(t):
            v = P(t) + br.val(t)
            if sac:
                v += phi(t)
            return v

        def force(t, k):
            u = uang(t)
            x = (u - 0.5) / (u_full - 0.5)
            x = 0.0 if x < 0 else (1.0 if x > 1 else x)
            s = x * x * (3 - 2 * x)
            hh = 0.02
            um, up_ = uang(t - hh), uang(t + hh)
            ud = (up_ - um) / (2 * hh)
            udd = (up_ - 2 * u + um) / (hh * hh) * D2R
            Fv = (arms0 + ch['arm'](t) + s * W * (1 + 0.006 * (u - 15)) + ch['trac'](t) + ch['cload'](t)
                  + k_b * br.val(t) * s + k_push * ud * s + m_u * ratio * rc * udd * s + k_t * trem(t)
                  + offs + creep * t + rng.gauss(0, lsd))
            if k in glitches:
                Fv = (-1 - tare_raw) / cpn
            return Fv
        load = (adc_rate, force, rng.uniform(0, 1.0 / adc_rate), sq_sd)

    # ---- rows ----
    rows = []
    truth = []
    tap_i = 0
    adc_state = [None, None, -1]  # value, squeeze, index
    for k in idx:
        t = times[k]
        row = {'t_s': t, 'seq': seq0 + k}
        if imu:
            S0, S1, S2 = state(t - h), state(t), state(t + h)
            th = S1[0] + S1[9] + S1[1]
        else:
            th = P(t) + br.val(t) + trem(t)
        truth.append((t, th))
        if imu:
            f, w = imu_sample(upper, S0, S1, S2)
            ea = eg = None
            j = bisect.bisect_right(tap_times, t) - 1
            while j >= 0 and t - taps[j][0] < 0.3:
                tt, A, om, tau, d, gk = taps[j]
                x = t - tt
                if x >= 0:
                    env = math.exp(-x / tau)
                    s1 = A * env * math.sin(om * x)
                    # rotational jolt with zero net rotation: d/dx of env*sin(wx)/w
                    s2 = env * (math.cos(om * 0.5 * x) - math.sin(om * 0.5 * x) / (om * 0.5 * tau))
                    ea = [(ea[i] if ea else 0.0) + d[i] * s1 for i in range(3)]
                    eg = [(eg[i] if eg else 0.0) + gk[i] * s2 for i in range(3)]
                j -= 1
            acc, gyr = imu.measure(f, w, t, ea, eg)
            row['acc'] = acc
            row['gyr'] = gyr
            if imu2:
                f2, w2 = imu_sample(lower, S0, S1, S2)
                acc2, gyr2 = imu2.measure(f2, w2, t)
                row['acc2'] = acc2
                row['gyr2'] = gyr2
        if load:
            adc_rate, force, ph0, sq_sd = load
            if not imu:
                ka = k
                ta = t
            else:
                ka = int((t - ph0) * adc_rate)
                ta = ka / adc_rate + ph0
            if ka != adc_state[2]:
                adc_state[2] = ka
                adc_state[0] = force(ta, ka)
                adc_state[1] = max(0.0, ch['squeeze'](ta) + rng.gauss(0, sq_sd))
            row['load_n'] = adc_state[0]
            row['squeeze_n'] = adc_state[1]
        rows.append(row)
    meta = {'mount': mount, 'gaps': gaps, 'ndrop': ndrop, 'chip': imu.chip if imu else None,
            'acc_range': imu.acc_range if imu else None, 'gyr_range': imu.gyr_range if imu else None}
    return rows, truth, meta


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------
def write_recording(path, cfg, rows, meta, rng, idx_name):
    cols = ['t_s']
    if cfg['seq']:
        cols.append('seq')
    imu_cols = []
    if cfg['imu']:
        imu_cols = ['acc_x', 'acc_y', 'acc_z', 'gyr_x', 'gyr_y', 'gyr_z']
        if cfg['sacrum']:
            imu_cols += ['acc2_x', 'acc2_y', 'acc2_z', 'gyr2_x', 'gyr2_y', 'gyr2_z']
    cols += imu_cols
    if cfg['load']:
        cols.append('load_n')
        if cfg['squeeze']:
            cols.append('squeeze_n')
    if cfg['shuffle_cols']:
        rest = cols[1:]
        rng.shuffle(rest)
        cols = [cols[0]] + rest if rng.random() < 0.5 else rest[:1] + [cols[0]] + rest[1:]
    sci = cfg['sci']
    lines = ['# format: traction-recording/1']
    rate = cfg['rate']
    lines.append('# rate_hz: %s' % (('%d' % rate) if abs(rate - round(rate)) < 1e-9 else ('%.3f' % rate)))
    if cfg['imu']:
        lines.append('# sensor: %s' % meta['chip'])
        lines.append('# placement: upper-back')
    else:
        lines.append('# sensor: %s' % cfg['load_adc'])
        lines.append('# placement: elbow-platform')
    lines.append('# started: %s' % cfg['started'])
    if cfg['imu']:
        lines.append('# accel_range_g: %d' % meta['acc_range'])
        lines.append('# gyro_range_dps: %d' % meta['gyr_range'])
        if cfg['sacrum']:
            lines.append('# placement2: sacrum')
        if cfg['load']:
            lines.append('# load_cell: %s elbow-platform' % cfg['load_adc'])
    lines.append('# note: synthetic recording %s' % idx_name)
    lines.append(','.join(cols))
    comment_after = set()
    for (tg, g) in meta['gaps']:
        if rng.random() < 0.5:
            comment_after.add(round(tg, 6))
    gyr_fmt = (lambda x: '%.4e' % x) if sci else (lambda x: fmt(x, 5))
    out = []
    prev_t = None
    for r in rows:
        vals = []
        for c in cols:
            if c == 't_s':
                vals.append('%.6f' % r['t_s'])
            elif c == 'seq':
                vals.append('%d' % r['seq'])
            elif c == 'load_n':
                vals.append(fmt(r['load_n'], 2))
            elif c == 'squeeze_n':
                vals.append(fmt(r['squeeze_n'], 1))
            else:
                grp = c[:3] + ('2' if c[3] == '2' else '')
                i = 'xyz'.index(c[-1])
                v = r[grp][i]
                vals.append(fmt(v, 4) if c.startswith('acc') else gyr_fmt(v))
        if comment_after and prev_t is not None:
            for tg in list(comment_after):
                if prev_t < tg <= r['t_s']:
                    out.append('# note: sensor bus reconnected')
                    comment_after.discard(tg)
        out.append(','.join(vals))
        prev_t = r['t_s']
    text = '\n'.join(lines) + '\n' + '\n'.join(out) + '\n'
    if cfg['truncate']:
        # a power loss while writing one more line
        last = out[-1].split(',')
        ti = cols.index('t_s')
        last[ti] = '%.6f' % (float(last[ti]) + 1.0 / cfg['rate'])
        if 'seq' in cols:
            si = cols.index('seq')
            last[si] = '%d' % (int(last[si]) + 1)
        full = ','.join(last)
        cut = rng.randint(len(last[0]) + 2, len(full) - 1)
        part = full[:cut]
        if part.count(',') + 1 >= len(cols):
            part = ','.join(full.split(',')[:len(cols) - 1])
        if part.endswith(','):
            part = part[:-1]
        text += part
    with open(path, 'w', encoding='utf-8', newline='\n') as fh:
        fh.write(text)


def write_truth(path, truth):
    with open(path, 'w', encoding='utf-8', newline='\n') as fh:
        fh.write('t_s,theta_deg\n')
        for t, th in truth:
            fh.write('%.6f,%s\n' % (t, fmt(th, 4)))


# --------------------------------------------------------------------------
# Corpus plan
# --------------------------------------------------------------------------
def rec_seed(seed, count, i):
    h = hashlib.sha256(('gen4:%d:%d:%d' % (seed, count, i)).encode()).hexdigest()
    return int(h[:16], 16)


def corpus_plan(seed, count):
    rng = random.Random(rec_seed(seed, count, -1))
    sens_cycle = ['imu', 'imu', 'imu', 'imu', 'imu+load', 'imu+load', 'imu+load',
                  'imu+sacrum', 'imu+sacrum+load', 'load', 'imu', 'imu+load']
    style_cycle = ['basic', 'anchored', 'mixed', 'anchored', 'basic', 'mixed']
    rates = [50, 100, 100, 104, 125, 200, 200, 250, 285.714, 400]
    sens = []
    while len(sens) < count:
        blk = sens_cycle[:]
        rng.shuffle(blk)
        sens += blk
    styles = []
    while len(styles) < count:
        blk = style_cycle[:]
        rng.shuffle(blk)
        styles += blk
    plans = []
    for i in range(count):
        s = sens[i]
        cfg = {'index': i}
        cfg['imu'] = 'imu' in s
        cfg['load'] = 'load' in s
        cfg['sacrum'] = 'sacrum' in s
        cfg['load_adc'] = rng.choice(['hx711', 'hx711', 'nau7802'])
        cfg['squeeze'] = cfg['load'] and rng.random() < 0.35
        if cfg['imu']:
            cfg['rate'] = rates[(i * 7 + rng.randint(0, 9)) % len(rates)]
        else:
            cfg['rate'] = 80 if cfg['load_adc'] == 'hx711' else 320
            cfg['load_adc'] = 'hx711' if cfg['rate'] == 80 else 'nau7802'
        nrep = rng.choice([1, 2, 2, 3, 3, 4])
        st = styles[i]
        if st == 'basic':
            v = ['basic'] * nrep
        elif st == 'anchored':
            nrep = max(nrep, 2) if rng.random() < 0.7 else nrep
            v = ['anchored'] * nrep
        else:
            nrep = max(2, nrep)
            v = [rng.choice(['basic', 'anchored']) for _ in range(nrep)]
            if len(set(v)) == 1:
                v[rng.randrange(nrep)] = 'basic' if v[0] == 'anchored' else 'anchored'
        cfg['variants'] = v
        cfg['seq'] = rng.random() < 0.5
        cfg['shuffle_cols'] = rng.random() < 0.1
        cfg['sci'] = rng.random() < 0.06
        cfg['truncate'] = rng.random() < 0.08
        day = rng.randint(1, 330)
        sec = rng.randint(6 * 3600, 22 * 3600)
        y, mo, d = 2026, 1, 1
        mdays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        dd = day
        while dd > mdays[mo - 1]:
            dd -= mdays[mo - 1]
            mo += 1
        cfg['started'] = '%04d-%02d-%02dT%02d:%02d:%02dZ' % (y, mo, dd, sec // 3600, (sec // 60) % 60, sec % 60)
        plans.append(cfg)
    return plans


def generate_one(args):
    seed, count, cfg, outdir = args
    i = cfg['index']
    name = 'g4s%d-%d' % (seed, i)
    rng = random.Random(rec_seed(seed, count, i))
    for attempt in range(40):
        B = Builder(rng, cfg)
        B.build()
        labels, probs = make_labels(B)
        if labels is not None and not probs:
            break
    else:
        raise RuntimeError('%s: could not build a valid plan: %s' % (name, probs))
    rows, truth, meta = synthesize(B, cfg, rng, name)
    write_recording(os.path.join(outdir, name + '.csv'), cfg, rows, meta, rng, name)
    write_truth(os.path.join(outdir, name + '.truth.csv'), truth)
    with open(os.path.join(outdir, name + '.labels.json'), 'w', encoding='utf-8') as fh:
        json.dump(labels, fh, indent=1)
        fh.write('\n')
    return name, attempt, len(rows), B.t_end


# --------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------
class CheckError(Exception):
    pass


KNOWN_COLS = {'t_s', 'acc_x', 'acc_y', 'acc_z', 'gyr_x', 'gyr_y', 'gyr_z',
              'acc2_x', 'acc2_y', 'acc2_z', 'gyr2_x', 'gyr2_y', 'gyr2_z',
              'load_n', 'squeeze_n', 'seq'}


def parse_number(s, path, ln, col):
    try:
        v = float(s)
    except ValueError:
        raise CheckError('%s:%d column %s: not a number %r' % (path, ln, col, s))
    if s.strip().lower() in ('nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity') or v != v or abs(v) == float('inf'):
        raise CheckError('%s:%d column %s: not a finite number %r' % (path, ln, col, s))
    if s != s.strip() or s == '':
        raise CheckError('%s:%d column %s: malformed %r' % (path, ln, col, s))
    return v


def read_recording(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        raise CheckError('%s: not UTF-8' % path)
    ends_nl = text.endswith('\n')
    lines = text.split('\n')
    if ends_nl:
        lines = lines[:-1]
    if not lines or lines[0].rstrip('\r') != '# format: traction-recording/1':
        raise CheckError('%s:1: first line must be "# format: traction-recording/1"' % path)
    meta = {}
    i = 0
    header = None
    while i < len(lines):
        ln = lines[i].rstrip('\r')
        i += 1
        if ln.strip() == '':
            continue
        if ln.startswith('#'):
            if ln.startswith('# ') and ':' in ln:
                k, v = ln[2:].split(':', 1)
                meta[k.strip()] = v.strip()
            continue
        header = ln.split(',')
        hline = i
        break
    if header is None:
        raise CheckError('%s: no header line' % path)
    if len(set(header)) != len(header):
        raise CheckError('%s:%d: duplicate column' % (path, hline))
    for c in header:
        if c not in KNOWN_COLS:
            raise CheckError('%s:%d: unexpected column %r' % (path, hline, c))
    if 't_s' not in header:
        raise CheckError('%s:%d: missing column t_s' % (path, hline))
    imu1 = ['acc_x', 'acc_y', 'acc_z', 'gyr_x', 'gyr_y', 'gyr_z']
    imu2 = ['acc2_x', 'acc2_y', 'acc2_z', 'gyr2_x', 'gyr2_y', 'gyr2_z']
    has1 = [c in header for c in imu1]
    has2 = [c in header for c in imu2]
    if any(has1) and not all(has1):
        raise CheckError('%s:%d: incomplete IMU columns' % (path, hline))
    if any(has2) and not all(has2):
        raise CheckError('%s:%d: incomplete second-IMU columns' % (path, hline))
    if not all(has1) and 'load_n' not in header:
        raise CheckError('%s:%d: neither IMU nor load_n' % (path, hline))
    if meta.get('format') != 'traction-recording/1':
        raise CheckError('%s: bad format metadata' % path)
    ncol = len(header)
    rows = []
    truncated = False
    last_t = None
    n_lines = len(lines)
    for j in range(i, n_lines):
        ln = lines[j].rstrip('\r')
        lno = j + 1
        if ln.strip() == '' or ln.startswith('#'):
            continue
        f = ln.split(',')
        if len(f) != ncol:
            if j == n_lines - 1 and not ends_nl and len(f) < ncol:
                truncated = True
                continue
            raise CheckError('%s:%d: %d fields, header has %d' % (path, lno, len(f), ncol))
        vals = [parse_number(f[c], path, lno, header[c]) for c in range(ncol)]
        t = vals[header.index('t_s')]
        if last_t is not None and not t > last_t:
            raise CheckError('%s:%d column t_s: time does not increase' % (path, lno))
        last_t = t
        rows.append(vals)
    if not rows:
        raise CheckError('%s: no samples' % path)
    if not ends_nl and not truncated:
        pass  # a final complete line without newline is still a whole line
    return meta, header, rows, truncated


def check_labels_schema(lab, path):
    for k in ('variant_per_rep', 'reps', 'holds', 'breath_steps'):
        if k not in lab:
            raise CheckError('%s: missing key %s' % (path, k))
    if len(lab['variant_per_rep']) != len(lab['reps']):
        raise CheckError('%s: variant_per_rep length' % path)
    for v in lab['variant_per_rep']:
        if v not in ('basic', 'anchored'):
            raise CheckError('%s: bad variant %r' % (path, v))
    for r in lab['reps']:
        if set(r) != {'start', 'end', 'peak_deg'}:
            raise CheckError('%s: rep keys %s' % (path, sorted(r)))
    for h in lab['holds']:
        if set(h) != {'start', 'end', 'kind', 'mean_deg'} or h['kind'] not in ('traction', 'step', 'top'):
            raise CheckError('%s: hold %r' % (path, h))
    for s in lab['breath_steps']:
        if set(s) != {'t', 'rise_deg'}:
            raise CheckError('%s: breath step %r' % (path, s))
    for k, key in (('reps', 'start'), ('holds', 'start'), ('breath_steps', 't')):
        xs = [x[key] for x in lab[k]]
        if xs != sorted(xs):
            raise CheckError('%s: %s not sorted' % (path, k))
    for x in lab['reps'] + lab['holds'] + lab['breath_steps']:
        for v in x.values():
            if isinstance(v, float) and (v != v or abs(v) == float('inf')):
                raise CheckError('%s: non-finite value' % path)


def interp(ts, ys, t):
    i = bisect.bisect_left(ts, t)
    if i <= 0:
        return ys[0]
    if i >= len(ts):
        return ys[-1]
    t0, t1 = ts[i - 1], ts[i]
    return ys[i - 1] + (ys[i] - ys[i - 1]) * (t - t0) / (t1 - t0)


def check_one(d, name):
    """Returns (errors, stats)."""
    errs = []
    st = {}
    path = os.path.join(d, name + '.csv')
    try:
        meta, header, rows, trunc = read_recording(path)
    except CheckError as e:
        return [str(e)], st
    st['truncated'] = trunc
    st['rate'] = meta.get('rate_hz')
    st['cols'] = ','.join(sorted(header))
    ti = header.index('t_s')
    ts = [r[ti] for r in rows]
    if ts[0] != 0.0:
        errs.append('%s: first t_s is %r, not 0' % (name, ts[0]))
    dts = sorted(ts[i + 1] - ts[i] for i in range(min(len(ts) - 1, 5000)))
    med = dts[len(dts) // 2]
    gaps = [(ts[i], ts[i + 1] - ts[i]) for i in range(len(ts) - 1) if ts[i + 1] - ts[i] > 1.8 * med]
    if 'rate_hz' in meta:
        try:
            rh = float(meta['rate_hz'])
        except ValueError:
            rh = None
            errs.append('%s: rate_hz %r is not a number' % (name, meta['rate_hz']))
        if rh and abs(1.0 / med - rh) > 0.05 * rh:
            errs.append('%s: rate_hz %s but median interval %.6f s' % (name, meta['rate_hz'], med))
    st['drops'] = sum(1 for g in gaps if g[1] < 0.05)
    st['gaps'] = sum(1 for g in gaps if g[1] >= 0.05)
    # first 3 s still: angular speed check from the truth later
    # ---- truth ----
    tpath = os.path.join(d, name + '.truth.csv')
    try:
        with open(tpath, encoding='utf-8') as fh:
            tl = fh.read().split('\n')
    except OSError as e:
        return errs + ['%s: %s' % (name, e)], st
    if tl[0] != 't_s,theta_deg':
        errs.append('%s: truth header %r' % (name, tl[0]))
    tt = []
    th = []
    for k, ln in enumerate(tl[1:]):
        if ln == '':
            continue
        a, b = ln.split(',')
        tt.append(float(a))
        th.append(float(b))
    if len(tt) != len(ts) or any(abs(a - b) > 5e-7 for a, b in zip(tt, ts)):
        errs.append('%s: truth times differ from recording times (%d vs %d rows)' % (name, len(tt), len(ts)))
        return errs, st
    # ---- labels ----
    try:
        with open(os.path.join(d, name + '.labels.json'), encoding='utf-8') as fh:
            lab = json.load(fh)
        check_labels_schema(lab, name)
    except (OSError, ValueError, CheckError) as e:
        return errs + ['%s: labels: %s' % (name, e)], st
    n = len(tt)
    # initial still period
    i3 = bisect.bisect_left(tt, 3.0)
    if max(abs(x) for x in th[:i3]) > 1.0:
        errs.append('%s: not still during the first 3 s' % name)

    def gap_tol(t):
        i = bisect.bisect_left(tt, t)
        lo = tt[max(0, i - 1)]
        hi = tt[min(n - 1, i)]
        return max(hi - lo, med) + 0.003
    # reps from the truth: crossings of 5 deg
    exc = []
    above = th[0] > REP_LEVEL
    s0 = 0.0
    pk = th[0]
    for i in range(1, n):
        if not above and th[i] > REP_LEVEL:
            above = True
            s0 = tt[i - 1] + (REP_LEVEL - th[i - 1]) / (th[i] - th[i - 1]) * (tt[i] - tt[i - 1])
            pk = th[i]
        elif above:
            pk = max(pk, th[i])
            if th[i] <= REP_LEVEL:
                e0 = tt[i - 1] + (th[i - 1] - REP_LEVEL) / (th[i - 1] - th[i]) * (tt[i] - tt[i - 1])
                exc.append((s0, e0, pk))
                above = False
    reps_truth = [x for x in exc if x[1] - x[0] >= REP_MIN_DUR and x[2] > REP_MIN_PEAK]
    L = lab['reps']
    if len(reps_truth) != len(L):
        errs.append('%s: %d reps in truth, %d labelled' % (name, len(reps_truth), len(L)))
    else:
        for a, b in zip(reps_truth, L):
            if abs(a[0] - b['start']) > gap_tol(b['start']) or abs(a[1] - b['end']) > gap_tol(b['end']):
                errs.append('%s: rep bounds %.3f-%.3f vs truth %.3f-%.3f' % (name, b['start'], b['end'], a[0], a[1]))
            if not (a[2] - 0.02 <= b['peak_deg'] <= a[2] + 0.25):
                errs.append('%s: rep peak %.2f vs truth max %.2f' % (name, b['peak_deg'], a[2]))
            if b['end'] - b['start'] < REP_MIN_DUR or b['peak_deg'] <= REP_MIN_PEAK:
                errs.append('%s: rep fails definition' % name)
    # holds
    H = lab['holds']
    kinds_per_rep = [[] for _ in L]
    for h in H:
        ri = [k for k, r in enumerate(L) if r['start'] < h['start'] and h['end'] < r['end']]
        if len(ri) != 1:
            errs.append('%s: hold %.2f-%.2f not inside exactly one rep' % (name, h['start'], h['end']))
            continue
        kinds_per_rep[ri[0]].append(h)
        if h['end'] - h['start'] < HOLD_MIN_DUR:
            errs.append('%s: hold shorter than 2 s' % name)
        i0 = bisect.bisect_left(tt, h['start'])
        i1 = bisect.bisect_right(tt, h['end'])
        seg_t = tt[i0:i1]
        seg = th[i0:i1]
        if len(seg) < 10:
            errs.append('%s: hold with too few samples' % name)
            continue
        # time-weighted (trapezoid) mean of the truth over the hold
        m = sum((seg[q] + seg[q + 1]) * (seg_t[q + 1] - seg_t[q]) for q in range(len(seg) - 1)) / (2 * (seg_t[-1] - seg_t[0]))
        holed = max(seg_t[q + 1] - seg_t[q] for q in range(len(seg) - 1)) > 0.05
        if abs(m - h['mean_deg']) > (0.6 if holed else 0.12):
            errs.append('%s: hold mean %.2f vs truth %.2f' % (name, h['mean_deg'], m))
        dev = max(abs(x - h['mean_deg']) for x in seg)
        if dev > HOLD_BAND + 0.8 + 0.2:
            errs.append('%s: hold %.2f-%.2f raw deviation %.2f' % (name, h['start'], h['end'], dev))
        # ripple set aside: centred 2 s moving average must stay within the band
        win = 1.0
        mx = 0.0
        spd = 0.0
        prev_sm = None
        k0 = 0
        k1 = 0
        csum = [0.0]
        for x in seg:
            csum.append(csum[-1] + x)
        sm_list = []
        for q, t in enumerate(seg_t):
            while seg_t[k0] < t - win:
                k0 += 1
            while k1 < len(seg_t) and seg_t[k1] <= t + win:
                k1 += 1
            sm_list.append((csum[k1] - csum[k0]) / (k1 - k0))
        for q in range(len(sm_list)):
            mx = max(mx, abs(sm_list[q] - h['mean_deg']))
        # smoothed speed over 1 s
        for q in range(len(seg_t)):
            q2 = bisect.bisect_left(seg_t, seg_t[q] + 1.0)
            if q2 < len(seg_t):
                spd = max(spd, abs(sm_list[q2] - sm_list[q]) / (seg_t[q2] - seg_t[q]))
        if mx > HOLD_BAND + 0.8:
            errs.append('%s: hold %.2f-%.2f smoothed deviation %.2f' % (name, h['start'], h['end'], mx))
        if spd > 3.0:
            errs.append('%s: hold %.2f-%.2f angular speed %.2f deg/s' % (name, h['start'], h['end'], spd))
    for k, (v, hs) in enumerate(zip(lab['variant_per_rep'], kinds_per_rep)):
        kinds = [h['kind'] for h in hs]
        want = ['traction'] if v == 'basic' else ['traction', 'step', 'step', 'top']
        if kinds != want:
            errs.append('%s: rep %d (%s) has holds %s' % (name, k, v, kinds))
        for a, b in zip(hs, hs[1:]):
            if b['start'] < a['end']:
                errs.append('%s: overlapping holds' % name)
    # breath steps: between consecutive holds of an anchored rep
    S = lab['breath_steps']
    used = 0
    for k, (v, hs) in enumerate(zip(lab['variant_per_rep'], kinds_per_rep)):
        if v != 'anchored' or len(hs) != 4:
            continue
        for a, b in zip(hs, hs[1:]):
            cand = [s for s in S if a['end'] <= s['t'] <= b['start']]
            if len(cand) != 1:
                errs.append('%s: %d breath steps between holds at %.2f and %.2f' % (name, len(cand), a['end'], b['start']))
                continue
            s = cand[0]
            used += 1
            gapd = b['start'] - a['end']
            if not (STEP_DUR[0] <= gapd <= STEP_DUR[1]):
                errs.append('%s: breath-step rise lasts %.2f s' % (name, gapd))
            if abs(s['t'] - 0.5 * (a['end'] + b['start'])) > 0.01:
                errs.append('%s: breath step time not the middle of the rise' % name)
            if s['rise_deg'] < STEP_MIN_RISE:
                errs.append('%s: breath step rise %.2f' % (name, s['rise_deg']))
            rise_truth = interp(tt, th, b['start']) - interp(tt, th, a['end'])
            if rise_truth < 0.5 * s['rise_deg']:
                errs.append('%s: truth rises only %.2f at breath step %.2f' % (name, rise_truth, s['t']))
            if b['mean_deg'] - a['mean_deg'] < 0.5:
                errs.append('%s: plateau after a breath step not higher' % name)
    if used != len(S):
        errs.append('%s: %d breath steps not between anchored holds' % (name, len(S) - used))
    st['reps'] = len(L)
    st['holds'] = dict((kk, sum(1 for h in H if h['kind'] == kk)) for kk in ('traction', 'step', 'top'))
    st['completed_top'] = sum(1 for h in H if h['kind'] == 'top' and h['end'] - h['start'] >= 5.0)
    st['steps'] = len(S)
    st['variants'] = lab['variant_per_rep']
    st['dur'] = ts[-1]
    st['peaks'] = [r['peak_deg'] for r in L]
    st['short_exc'] = len(exc) - len(reps_truth)
    return errs, st


def run_check(d):
    names = sorted(f[:-4] for f in os.listdir(d) if f.endswith('.csv') and not f.endswith('.truth.csv'))
    if not names:
        print('no recordings in %s' % d)
        return 1
    allerr = []
    stats = []
    for nm in names:
        e, s = check_one(d, nm)
        allerr += e
        stats.append((nm, s))
    ok = [s for _, s in stats if s.get('reps') is not None]
    tot = lambda k: sum(s.get(k, 0) for s in ok)
    print('checked %d recordings in %s' % (len(names), d))
    if ok:
        print('  reps %d (basic %d, anchored %d), holds %s, breath steps %d, completed tops %d' % (
            tot('reps'), sum(s['variants'].count('basic') for s in ok), sum(s['variants'].count('anchored') for s in ok),
            dict((k, sum(s['holds'][k] for s in ok)) for k in ('traction', 'step', 'top')), tot('steps'), tot('completed_top')))
        pk = [p for s in ok for p in s['peaks']]
        print('  peaks %.1f..%.1f deg, durations %.0f..%.0f s, rates %s' % (
            min(pk), max(pk), min(s['dur'] for s in ok), max(s['dur'] for s in ok),
            sorted(set(s['rate'] for s in ok), key=lambda x: float(x))))
        print('  recordings with dropped samples %d, with gaps >= 50 ms %d, truncated last line %d, '
              'short non-rep excursions above 5 deg %d' % (
                  sum(1 for s in ok if s['drops']), sum(1 for s in ok if s['gaps']),
                  sum(1 for s in ok if s['truncated']), tot('short_exc')))
        cs = {}
        for s in ok:
            cs[s['cols']] = cs.get(s['cols'], 0) + 1
        for k in sorted(cs):
            print('  %3d x columns %s' % (cs[k], k))
    if allerr:
        print('FAILED: %d problems' % len(allerr))
        for e in allerr[:200]:
            print('  ' + e)
        return 1
    print('OK')
    return 0


# --------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out')
    ap.add_argument('--count', type=int, default=48)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--jobs', type=int, default=0, help='worker processes (0 = all CPUs)')
    ap.add_argument('--check', metavar='DIR')
    a = ap.parse_args()
    if a.check:
        sys.exit(run_check(a.check))
    if not a.out:
        ap.error('--out DIR or --check DIR is required')
    os.makedirs(a.out, exist_ok=True)
    plans = corpus_plan(a.seed, a.count)
    jobs = [(a.seed, a.count, cfg, a.out) for cfg in plans]
    nj = a.jobs or (os.cpu_count() or 1)
    if nj > 1 and len(jobs) > 1:
        import multiprocessing
        # close() + join(), never terminate() (nor the context manager, which calls it):
        # terminate() stops the workers with SIGTERM, which never arrives when the caller has it
        # blocked (a Swift test run), and then hangs for ever. On an error the workers finish the
        # jobs already queued and exit.
        pool = multiprocessing.Pool(min(nj, len(jobs)))
        try:
            res = pool.map(generate_one, jobs, chunksize=1)
        finally:
            pool.close()
            pool.join()
    else:
        res = [generate_one(j) for j in jobs]
    for name, att, nrows, dur in res:
        print('%s  %6d rows  %6.1f s  (plan attempts %d)' % (name, nrows, dur, att + 1))


if __name__ == '__main__':
    main()
