import TractionCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Distributions on the shared test generator (`TestRNG`, RecordingTestSupport.swift).
extension TestRNG {
  mutating func uniform(_ a: Double, _ b: Double) -> Double {
    a + (b - a) * Double(next() >> 11) / Double(1 << 53)
  }
  mutating func normal(sigma: Double) -> Double {
    let u1 = max(uniform(0, 1), 1e-12)
    let u2 = uniform(0, 1)
    return sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
  }
}

/// A synthetic θ(t): a level track made of smooth (raised-cosine) moves, plus breathing ripple
/// and noise. The truth (reps, holds, steps) is written down by the test from the same plan, per
/// the spec's definitions, not taken from the detector.
struct ThetaTrack {
  struct Move {
    var start: Double
    var end: Double
    var delta: Double
  }
  var moves: [Move] = []
  var rippleAmp = 0.0
  var rippleHz = 0.25
  var ripplePhase = 0.0
  var noiseSigma = 0.0

  mutating func move(_ start: Double, _ duration: Double, by delta: Double) {
    moves.append(Move(start: start, end: start + duration, delta: delta))
  }

  /// The level without ripple.
  func level(_ t: Double) -> Double {
    var v = 0.0
    for m in moves {
      if t >= m.end {
        v += m.delta
      } else if t > m.start {
        let u = (t - m.start) / (m.end - m.start)
        v += m.delta * (1 - cos(.pi * u)) / 2
      }
    }
    return v
  }

  /// Ripple grows with elevation (breathing moves the chest more on the elbows).
  func theta(_ t: Double, rng: inout TestRNG) -> Double {
    let l = level(t)
    let e = min(1, max(0, l / 8))
    return l + e * rippleAmp * sin(2 * .pi * rippleHz * t + ripplePhase)
      + (noiseSigma > 0 ? rng.normal(sigma: noiseSigma) : 0)
  }
}

struct EmittedEvent {
  var t: Double
  var event: DetectionEvent
}

extension ExerciseDetector {
  /// The events that came out since the last call.
  mutating func takeEvents() -> EventBatch {
    var b = EventBatch()
    drainEvents(into: &b)
    return b
  }
}

/// Runs the detector over a track at a rate; returns the detector and each event with the sample
/// time at which it came out.
func runDetector(
  _ track: ThetaTrack, duration: Double, rateHz: Double, seed: UInt64 = 1,
  config: DetectorConfig = .angle, skip: (Double) -> Bool = { _ in false },
  load: ((Double) -> Double)? = nil
) -> (ExerciseDetector, [EmittedEvent]) {
  var d = ExerciseDetector(config: config)
  var rng = TestRNG(seed: seed)
  var emitted: [EmittedEvent] = []
  let n = Int(duration * rateHz)
  for k in 0...n {
    let t = Double(k) / rateHz
    let th = track.theta(t, rng: &rng)
    if skip(t) { continue }
    d.push(t: t, value: th, load: load?(t))
    for e in d.takeEvents() { emitted.append(EmittedEvent(t: t, event: e)) }
  }
  d.finish()
  for e in d.takeEvents() { emitted.append(EmittedEvent(t: duration, event: e)) }
  return (d, emitted)
}

/// Expected anchored rep: rise to `base` over `rise`, traction hold, three steps, top, lower.
struct AnchoredPlan {
  var riseStart = 5.0
  var riseDuration = 1.5
  var base = 15.0
  var tractionHold = 5.0
  var steps: [(rise: Double, duration: Double, hold: Double)] = [
    (2.5, 1.5, 4), (2.0, 2.0, 4), (3.0, 1.5, 6),
  ]
  var lowerDuration = 2.0

  /// Adds the moves; returns the true holds (start, end, kind, mean), steps (t, rise) and the time
  /// the lowering ends.
  func add(to track: inout ThetaTrack) -> (holds: [Hold], steps: [BreathStep], end: Double) {
    track.move(riseStart, riseDuration, by: base)
    var t = riseStart + riseDuration
    var level = base
    var holds = [Hold(start: t, end: t + tractionHold, kind: .traction, meanDeg: level)]
    var steps: [BreathStep] = []
    t += tractionHold
    for (i, s) in self.steps.enumerated() {
      track.move(t, s.duration, by: s.rise)
      steps.append(BreathStep(t: t + s.duration / 2, riseDeg: s.rise))
      t += s.duration
      level += s.rise
      let kind: HoldKind = i == self.steps.count - 1 ? .top : .step
      holds.append(Hold(start: t, end: t + s.hold, kind: kind, meanDeg: level))
      t += s.hold
    }
    track.move(t, lowerDuration, by: -level)
    return (holds, steps, t + lowerDuration)
  }
}

extension DetectionEvent {
  var isHoldStarted: Bool { if case .holdStarted = self { return true } else { return false } }
}

/// A random session in θ: still start, reps of both variants with random levels, durations,
/// breathing ripple (0.1–0.5 Hz, up to ±0.8°), exhale sinks, and distractors between reps
/// (glances above 5° shorter than 3 s, coughs, small fidgets). Returns the track and its truth.
func randomSession(seed: UInt64, reps: Int = 3) -> (ThetaTrack, SessionLabels, Double) {
  var r = TestRNG(seed: seed)
  var tr = ThetaTrack()
  tr.rippleAmp = r.uniform(0.2, 0.8)
  tr.rippleHz = r.uniform(0.1, 0.5)
  tr.ripplePhase = r.uniform(0, 6.28)
  tr.noiseSigma = r.uniform(0.02, 0.15)
  var labels = SessionLabels()
  var t = r.uniform(4, 6)
  for _ in 0..<reps {
    // A distractor in the rest.
    switch Int(r.uniform(0, 3)) {
    case 0:
      tr.move(t, 0.6, by: r.uniform(6, 12))
      tr.move(t + r.uniform(0.8, 1.5), 0.6, by: 0)
      let last = tr.moves[tr.moves.count - 2].delta
      tr.moves[tr.moves.count - 1].delta = -last
      t += 4
    case 1:
      tr.move(t, 0.15, by: r.uniform(1, 3))
      let last = tr.moves[tr.moves.count - 1].delta
      tr.move(t + 0.15, 0.3, by: -last)
      t += 2
    default:
      let f = r.uniform(1, 3.5)
      tr.move(t, 0.8, by: f)
      tr.move(t + r.uniform(1, 4), 0.8, by: -f)
      t += 6
    }
    let anchored = r.uniform(0, 1) < 0.5
    let rise = r.uniform(1, 3)
    let base = r.uniform(10, 25)
    tr.move(t, rise, by: base)
    let repStartGuess = t
    t += rise
    var level = base
    if !anchored {
      let h = r.uniform(5, 20)
      labels.holds.append(Hold(start: t, end: t + h, kind: .traction, meanDeg: level))
      t += h
    } else {
      let h = r.uniform(3, 8)
      labels.holds.append(Hold(start: t, end: t + h, kind: .traction, meanDeg: level))
      t += h
      for j in 0..<3 {
        let rise = r.uniform(1.5, 4)
        let d = r.uniform(0.8, 3)
        tr.move(t, d, by: rise)
        labels.breathSteps.append(BreathStep(t: t + d / 2, riseDeg: rise))
        t += d
        level += rise
        if j < 2 {
          let sink = r.uniform(0, 0.7)
          let ex = r.uniform(1, 2.5)
          tr.move(t + r.uniform(0, 0.3), ex, by: -sink)
          let h = max(ex + 0.6, r.uniform(2, 4.5))
          labels.holds.append(Hold(start: t, end: t + h, kind: .step, meanDeg: level))
          level -= sink
          t += h
        } else {
          let h = r.uniform(5, 8)
          labels.holds.append(Hold(start: t, end: t + h, kind: .top, meanDeg: level))
          t += h
        }
      }
    }
    let lower = r.uniform(1, 3)
    tr.move(t, lower, by: -level)
    labels.reps.append(Rep(start: repStartGuess, end: t + lower, peakDeg: level))
    labels.variantPerRep.append(anchored ? .anchored : .basic)
    t += lower + r.uniform(4, 10)
  }
  return (tr, labels, t)
}

struct MatchStats {
  var tp = 0, fp = 0, fn = 0
  var startErrors: [Double] = []
  var endErrors: [Double] = []
  var kindRight = 0
  mutating func add(_ o: MatchStats) {
    tp += o.tp
    fp += o.fp
    fn += o.fn
    startErrors += o.startErrors
    endErrors += o.endErrors
    kindRight += o.kindRight
  }
  var f1: Double { tp == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn) }
  static func median(_ a: [Double]) -> Double {
    guard !a.isEmpty else { return 0 }
    let s = a.sorted()
    return s[s.count / 2]
  }
}

/// One-to-one matching, best overlap first, IoU ≥ 0.5 (the spec's scoring).
func matchIntervals(
  detected: [(Double, Double, HoldKind?)], truth: [(Double, Double, HoldKind?)]
) -> MatchStats {
  var pairs: [(Double, Int, Int)] = []
  for (i, d) in detected.enumerated() {
    for (j, e) in truth.enumerated() {
      let inter = max(0, min(d.1, e.1) - max(d.0, e.0))
      let uni = max(d.1, e.1) - min(d.0, e.0)
      let iou = uni > 0 ? inter / uni : 0
      if iou >= 0.5 { pairs.append((iou, i, j)) }
    }
  }
  pairs.sort { $0.0 > $1.0 }
  var usedD = Set<Int>()
  var usedT = Set<Int>()
  var m = MatchStats()
  for (_, i, j) in pairs where !usedD.contains(i) && !usedT.contains(j) {
    usedD.insert(i)
    usedT.insert(j)
    m.tp += 1
    m.startErrors.append(abs(detected[i].0 - truth[j].0))
    m.endErrors.append(abs(detected[i].1 - truth[j].1))
    if detected[i].2 == truth[j].2 { m.kindRight += 1 }
  }
  m.fp = detected.count - m.tp
  m.fn = truth.count - m.tp
  return m
}

func matchSteps(detected: [BreathStep], truth: [BreathStep]) -> MatchStats {
  var m = MatchStats()
  var used = Set<Int>()
  for d in detected {
    var best: Int? = nil
    for (j, e) in truth.enumerated() where !used.contains(j) && abs(e.t - d.t) <= 1.0 {
      if best == nil || abs(e.t - d.t) < abs(truth[best!].t - d.t) { best = j }
    }
    if let b = best {
      used.insert(b)
      m.tp += 1
      m.startErrors.append(abs(truth[b].t - d.t))
    } else {
      m.fp += 1
    }
  }
  m.fn = truth.count - m.tp
  return m
}
