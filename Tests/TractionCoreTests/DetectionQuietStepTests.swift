import Testing

@testable import TractionCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Breath steps of about 1° in a breathing of about that size, as the spec's anchored variant has
/// them: each step is an inhale that lifts the chest by the step plus a little more, and the
/// exhale after it gives back only the little more. The ripple is one-sided (the chest rises from
/// where each exhale ends), so the plateaus' means depend on how much of a breath each one holds,
/// and the step often stays inside the hold's band until the next breath (docs/detection.md,
/// "Steps that stay inside the breathing").
@Suite struct DetectionQuietStepTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var period: Double
    var swing: Double
    var rise: Double
    var overshoot: Double
    /// The breath of the last step is held on the top plateau, to the lowering.
    var heldAtTop = false
    var testDescription: String {
      "breaths of \(period) s and \(swing)°, steps of \(rise)° (+\(overshoot)°)"
        + (heldAtTop ? ", breath held at the top" : "")
    }
  }

  /// The breathing: 0 where an exhale ends, 1 at the top of the inhale (40% of the breath).
  static func breath(_ t: Double, period: Double) -> Double {
    let inhale = 0.4 * period
    let u = (t / period - (t / period).rounded(.down)) * period
    if u < inhale { return (1 - cos(.pi * u / inhale)) / 2 }
    return (1 + cos(.pi * (u - inhale) / (period - inhale))) / 2
  }

  /// Rise to 15° at 2 breaths, steps at the starts of breaths 4, 6 and 8, lowering at 10.5.
  static func run(_ c: Case) -> (ExerciseDetector, [BreathStep]) {
    let p = c.period
    let inhale = 0.4 * p
    let riseAt = 2 * p
    let stepsAt = [4.0, 6.0, 8.0].map { $0 * p }
    let lowerAt = 10.5 * p
    func smooth(_ u: Double) -> Double { u >= 1 ? 1 : u <= 0 ? 0 : (1 - cos(.pi * u)) / 2 }
    func level(_ t: Double) -> Double {
      var v = 15 * smooth((t - riseAt) / 1.5)
      for s in stepsAt where t > s {
        let u = t - s
        v +=
          u < inhale
          ? (c.rise + c.overshoot) * smooth(u / inhale)
          : c.rise
            + c.overshoot * (c.heldAtTop && s == stepsAt[2] ? 1 : 1 - smooth((u - inhale) / (p - inhale)))
      }
      return v - (15 + 3 * c.rise) * smooth((t - lowerAt) / 2)
    }
    var d = ExerciseDetector()
    var k = 0
    while Double(k) / 100 < lowerAt + 6 {
      let t = Double(k) / 100
      let l = level(t)
      // The step's own breath is the step; the breathing grows as the chest leaves the floor.
      let stepping =
        stepsAt.contains { t >= $0 && t < $0 + p } || (c.heldAtTop && t >= stepsAt[2])
      let ripple = stepping ? 0 : min(1, max(0, l / 8)) * c.swing * breath(t, period: p)
      d.push(t: t, value: l + ripple)
      k += 1
    }
    d.finish()
    return (d, stepsAt.map { BreathStep(t: $0 + inhale / 2, riseDeg: c.rise) })
  }

  @Test(arguments: [
    Case(period: 4, swing: 1.0, rise: 1.05, overshoot: 0.5),
    Case(period: 4, swing: 1.0, rise: 1.2, overshoot: 0.2),
    Case(period: 5, swing: 1.0, rise: 1.2, overshoot: 0.2),
    Case(period: 5, swing: 1.3, rise: 1.2, overshoot: 0.5),
    Case(period: 6, swing: 1.0, rise: 1.2, overshoot: 0.2),
    Case(period: 6, swing: 1.3, rise: 1.2, overshoot: 0.5),
    // No exhale after the last step, and no overshoot to lose: the top plateau shows no breath.
    Case(period: 4, swing: 1.0, rise: 1.2, overshoot: 0, heldAtTop: true),
    Case(period: 4, swing: 1.3, rise: 1.4, overshoot: 0, heldAtTop: true),
    Case(period: 5, swing: 1.0, rise: 1.2, overshoot: 0, heldAtTop: true),
    Case(period: 5, swing: 1.3, rise: 1.4, overshoot: 0, heldAtTop: true),
  ])
  func everyStepIsFound(_ c: Case) {
    let (d, truth) = Self.run(c)
    #expect(d.reps.count == 1)
    #expect(d.holds.map(\.hold.kind) == [.traction, .step, .step, .top], "\(d.holds)")
    let m = matchSteps(detected: d.breathSteps.map(\.step), truth: truth)
    #expect(m.tp == 3 && m.fp == 0, "\(d.breathSteps.map(\.step)) vs \(truth)")
  }

  /// The same breathing on a basic hold of 30 s, with breaths that vary in depth, exhales that end
  /// up to 0.3° higher or lower from one breath to the next, and a slow drift of 0.5°, has no
  /// step: one hold.
  @Test(arguments: [4.0, 5.0, 6.0], [1.0, 1.6])
  func breathingAloneIsNoStep(period: Double, swing: Double) {
    var d = ExerciseDetector()
    var k = 0
    while Double(k) / 100 < 45 {
      let t = Double(k) / 100
      let up = min(1, max(0, (t - 5) / 1.5))
      let down = min(1, max(0, (t - 37) / 2))
      let level = 18 * (1 - cos(.pi * up)) / 2 * (1 + cos(.pi * down)) / 2
      let drift = 0.5 * min(1, max(0, (t - 7) / 30)) * (level / 18)
      // Every third breath is 30% deeper, the next one 30% shallower.
      let depth = [1.0, 1.3, 0.7][Int((t / period).rounded(.down)) % 3]
      let ripple = min(1, level / 8) * swing * depth * Self.breath(t, period: period)
      // Where the exhales end wanders by ±0.3°, out of step with the breaths.
      let wander = 0.3 * sin(2 * .pi * t / (2.7 * period)) * (level / 18)
      d.push(t: t, value: level + drift + ripple + wander)
      k += 1
    }
    d.finish()
    #expect(d.reps.count == 1)
    #expect(d.holds.count == 1, "\(d.holds)")
    #expect(d.breathSteps.isEmpty, "\(d.breathSteps)")
  }
}
