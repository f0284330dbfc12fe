import TractionCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A deterministic generator (SplitMix64) for the tests.
struct TestRNG {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
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
    var b = EventBatch()
    d.drainEvents(into: &b)
    for e in b { emitted.append(EmittedEvent(t: t, event: e)) }
  }
  d.finish()
  var b = EventBatch()
  d.drainEvents(into: &b)
  for e in b { emitted.append(EmittedEvent(t: duration, event: e)) }
  return (d, emitted)
}

/// Expected anchored rep: rise to `base` over `rise`, traction hold, three steps, top, lower.
struct AnchoredPlan {
  var riseStart = 5.0
  var riseDuration = 1.5
  var base = 15.0
  var tractionHold = 5.0
  var steps: [(rise: Double, duration: Double, hold: Double)] = [(2.5, 1.5, 4), (2.0, 2.0, 4), (3.0, 1.5, 6)]
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
