import ExerciseSimulator
import Testing
import TractionCore

/// The lumbar angle (upper back − sacrum) against the simulator's truth (θ minus the pelvis angle,
/// which tilts anteriorly, 1–4°, as the trunk rises): its sign comes from `SacrumAxisLearner`.
@Suite struct LumbarAngleTests {
  @Test(arguments: [UInt64(11), 12, 13, 14])
  func lumbarAngleFollowsTruthWithItsSign(seed: UInt64) throws {
    let config = ScenarioConfig(
      seed: seed, repCount: 2, variant: .anchored, rateHz: 100, includeLoad: false,
      includeSacrum: true, sensorErrors: .noisy)
    let gen = try SessionGenerator(config)
    let plan = gen.plan
    var analyzer = SessionAnalyzer<InclinationFilter>(
      makeEstimator: { InclinationFilter(parameters: .trunkWorn) })
    var sumSq = 0.0
    var n = 0
    var sumDiff = 0.0
    let firstRise = try #require(plan.labels.reps.first).start
    for s in gen {
      let out = analyzer.process(s.sample)
      let t = s.sample.t
      // Inside reps, once the first rise (which teaches the sacrum's axis) is over.
      guard t > firstRise + 3, plan.labels.reps.contains(where: { t > $0.start && t < $0.end }),
        let lumbar = out.lumbarDeg, let theta = out.thetaDeg
      else { continue }
      let truth = s.thetaDeg - plan.pelvisDeg(at: t)
      sumSq += (lumbar - truth) * (lumbar - truth)
      sumDiff += lumbar - theta
      n += 1
    }
    try #require(n > 100)
    let rmse = (sumSq / Double(n)).squareRoot()
    let meanDiff = sumDiff / Double(n)
    print("seed \(seed): lumbar RMSE in reps \(rmse)°, lumbar − θ \(meanDiff)° (tilt \(plan.pelvisTiltDeg)°)")
    #expect(rmse < 1.0)
    // Anterior tilt: the lumbar angle exceeds θ by about the tilt, not falls short of it.
    #expect(meanDiff > 0.5 * plan.pelvisTiltDeg)
    let summary = analyzer.finish()
    #expect(!summary.warnings.contains(.sacrumAxisNotLearned))
  }
}
