import Testing

@testable import TractionCore

/// The detector on 40 random θ sessions (both variants, random ripple, distractors), scored as the
/// spec scores: the figures are printed and must meet the project's targets.
@Suite struct DetectionCorpusTests {
  @Test func randomSessionsMeetTargets() {
    var holds = MatchStats()
    var steps = MatchStats()
    var repsExact = 0
    let n = 40
    var worst: [String] = []
    for seed in 1...UInt64(n) {
      let (tr, truth, duration) = randomSession(seed: seed)
      let rate = [50.0, 100, 200, 400][Int(seed % 4)]
      let (d, _) = runDetector(tr, duration: duration, rateHz: rate, seed: seed)
      if d.reps.count == truth.reps.count {
        repsExact += 1
      } else {
        worst.append("seed \(seed) reps \(d.reps.count)/\(truth.reps.count)")
      }
      let h = matchIntervals(
        detected: d.holds.map { ($0.hold.start, $0.hold.end, $0.hold.kind) },
        truth: truth.holds.map { ($0.start, $0.end, $0.kind) })
      if h.fp + h.fn > 0 || h.kindRight < h.tp {
        worst.append("seed \(seed) holds fp \(h.fp) fn \(h.fn) kinds \(h.kindRight)/\(h.tp)")
      }
      holds.add(h)
      let s = matchSteps(detected: d.breathSteps.map(\.step), truth: truth.breathSteps)
      if s.fp + s.fn > 0 { worst.append("seed \(seed) steps fp \(s.fp) fn \(s.fn)") }
      steps.add(s)
    }
    let startMed = MatchStats.median(holds.startErrors)
    let endMed = MatchStats.median(holds.endErrors)
    print(
      "corpus: hold F1 \(holds.f1) (tp \(holds.tp) fp \(holds.fp) fn \(holds.fn)), kinds \(holds.kindRight)/\(holds.tp)"
    )
    print("corpus: median hold start err \(startMed) s, end err \(endMed) s")
    print(
      "corpus: step F1 \(steps.f1) (tp \(steps.tp) fp \(steps.fp) fn \(steps.fn)), median t err \(MatchStats.median(steps.startErrors))"
    )
    print("corpus: rep count exact \(repsExact)/\(n)")
    for w in worst { print("  ", w) }
    #expect(holds.f1 >= 0.98)
    #expect(steps.f1 >= 0.95)
    #expect(Double(repsExact) >= 0.98 * Double(n))
    #expect(startMed <= 0.3)
    #expect(endMed <= 0.3)
    #expect(Double(holds.kindRight) >= 0.98 * Double(holds.tp))
  }
}
