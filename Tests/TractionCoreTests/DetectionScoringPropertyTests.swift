import Testing
import TractionCore

/// Properties of the scoring that must hold for any event lists, checked over many seeded cases
/// (deterministic, so a failure shows up the same on every run).
@Suite struct DetectionScoringPropertyTests {
  /// A few random numbers from one seed (SplitMix64), so each case is built from one input.
  struct Numbers {
    var state: UInt64
    mutating func unit() -> Double {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53
    }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }
  }

  /// Disjoint intervals, 0.5–5 s apart, 3–30 s long.
  static func intervals(_ n: Int, _ r: inout Numbers) -> [(start: Double, end: Double)] {
    var t = r.uniform(0, 5)
    var out: [(start: Double, end: Double)] = []
    for _ in 0..<n {
      let s = t + r.uniform(0.5, 5)
      let e = s + r.uniform(3, 30)
      out.append((s, e))
      t = e
    }
    return out
  }

  @Test func shiftedByLessThanAThirdAllMatchWithTheShiftAsError() {
    for seed in 0..<300 as Range<UInt64> {
      var r = Numbers(state: seed &* 0x2545_F491_4F6C_DD1D)
      let n = Int(r.unit() * 9)
      let f = r.uniform(-1, 1)
      let labelled = Self.intervals(n, &r)
      // IoU of an interval of length L shifted by δ is (L − δ)/(L + δ) ≥ 0.5 while |δ| ≤ L/3;
      // the shortest is 3 s and the gaps are ≥ 0.5 s, so |δ| ≤ 0.99 s matches each to its own.
      let delta = f * 0.99
      let detected = labelled.map { (start: $0.start + delta, end: $0.end + delta) }
      let (s, m) = DetectionScoring.scoreIntervals(detected: detected, labelled: labelled)
      #expect(s.truePositives == n && s.falsePositives == 0 && s.falseNegatives == 0)
      #expect(m.allSatisfy { $0.detected == $0.labelled })
      #expect(s.startAbsErrors.allSatisfy { abs($0 - abs(delta)) < 1e-9 })
      #expect(s.endAbsErrors.allSatisfy { abs($0 - abs(delta)) < 1e-9 })
      #expect(s.f1 == 1)
    }
  }

  @Test func countsAreConsistentForArbitraryLists() {
    for seed in 0..<300 as Range<UInt64> {
      var r = Numbers(state: seed &* 0x9E37_79B9_7F4A_7C15 &+ 17)
      let nl = Int(r.unit() * 7)
      let nd = Int(r.unit() * 7)
      let labelled = Self.intervals(nl, &r)
      // Detections anywhere, overlapping each other and the labels at random.
      let detected: [(start: Double, end: Double)] = (0..<nd).map { _ in
        let s = r.uniform(0, 100)
        return (s, s + r.uniform(0.5, 40))
      }
      let (s, m) = DetectionScoring.scoreIntervals(detected: detected, labelled: labelled)
      #expect(s.truePositives + s.falsePositives == nd)
      #expect(s.truePositives + s.falseNegatives == nl)
      #expect(Set(m.map(\.detected)).count == m.count)
      #expect(Set(m.map(\.labelled)).count == m.count)
      #expect(m.allSatisfy { $0.iou >= 0.5 })
      #expect((0...1).contains(s.precision) && (0...1).contains(s.recall) && (0...1).contains(s.f1))
      // F1 is the harmonic mean of precision and recall whenever both are non-zero.
      if s.precision > 0 && s.recall > 0 {
        #expect(abs(s.f1 - 2 * s.precision * s.recall / (s.precision + s.recall)) < 1e-12)
      }
      // Scoring a list against itself matches everything.
      let selfScore = DetectionScoring.scoreIntervals(detected: labelled, labelled: labelled).score
      #expect(selfScore.f1 == 1 && selfScore.truePositives == nl)
    }
  }

  @Test func breathStepsWithinHalfASecondAllMatch() {
    for seed in 0..<300 as Range<UInt64> {
      var r = Numbers(state: seed &+ 12345)
      let n = Int(r.unit() * 10)
      var t = 0.0
      var labelled: [BreathStep] = []
      var detected: [BreathStep] = []
      for _ in 0..<n {
        t += r.uniform(2.1, 8)  // steps ≥ 2.1 s apart: a ±0.5 s shift cannot reach a neighbour
        labelled.append(BreathStep(t: t, riseDeg: 2))
        detected.append(BreathStep(t: t + r.uniform(-0.5, 0.5), riseDeg: 2))
      }
      detected.reverse()  // order must not matter
      let s = DetectionScoring.scoreBreathSteps(detected: detected, labelled: labelled)
      #expect(s.truePositives == n && s.falsePositives == 0 && s.falseNegatives == 0)
      #expect(s.startAbsErrors.allSatisfy { $0 <= 0.5 })
    }
  }
}
