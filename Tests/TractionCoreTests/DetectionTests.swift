import Testing

@testable import TractionCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite struct DetectionTests {
  /// Basic rep: rise 0→18° over 1.5 s at t=5, hold 10 s, lower over 2 s.
  func basicTrack(ripple: Double = 0, hz: Double = 0.25) -> ThetaTrack {
    var tr = ThetaTrack()
    tr.move(5, 1.5, by: 18)
    tr.move(16.5, 2, by: -18)
    tr.rippleAmp = ripple
    tr.rippleHz = hz
    tr.noiseSigma = 0.05
    return tr
  }

  /// The axis can be taken just as a roll read as a rep comes down, before that rep has ended:
  /// it is withdrawn when it ends, with its hold, and a later rep is not.
  @Test func aRepWithdrawnWhileOpenGoesWhenItEnds() {
    var d = ExerciseDetector(config: .angle)
    var rng = TestRNG(seed: 2)
    var track = basicTrack()
    track.move(30, 1.5, by: 18)
    track.move(41.5, 2, by: -18)
    var withdrawnAt: Double? = nil
    for k in 0...5000 {
      let t = Double(k) / 100
      d.push(t: t, value: track.theta(t, rng: &rng), load: nil)
      if abs(t - 17.5) < 1e-9 {
        #expect(d.reps.isEmpty, "the first rep is still open at 17.5 s")
        #expect(d.withdrawReps(overlapping: 5...17.5) == 0)
      }
      for case .repsWithdrawn(let n) in d.takeEvents() {
        #expect(n == 1)
        withdrawnAt = t
      }
    }
    d.finish()
    #expect(withdrawnAt.map { $0 > 17.5 && $0 < 19.5 } == true, "\(String(describing: withdrawnAt))")
    #expect(d.reps.count == 1 && d.holds.count == 1)
    #expect(d.reps.first.map { $0.rep.start > 30 } == true)
    #expect(d.holds.first?.repIndex == 0)
  }

  @Test func basicRepGivesOneTractionHold() {
    let (d, _) = runDetector(basicTrack(), duration: 25, rateHz: 100)
    #expect(d.reps.count == 1)
    #expect(d.holds.count == 1)
    #expect(d.breathSteps.isEmpty)
    guard let rep = d.reps.first, let hold = d.holds.first else { return }
    // θ crosses 5° where (1 - cos πu)/2 = 5/18.
    let u = acos(1 - 2 * 5.0 / 18) / .pi
    #expect(abs(rep.rep.start - (5 + 1.5 * u)) < 0.1)
    #expect(abs(rep.rep.end - (16.5 + 2 * (1 - u))) < 0.1)
    #expect(abs(rep.rep.peakDeg - 18) < 0.3)
    #expect(hold.hold.kind == .traction)
    #expect(abs(hold.hold.start - 6.5) < 0.3)
    #expect(abs(hold.hold.end - 16.5) < 0.3)
    #expect(abs(hold.hold.meanDeg - 18) < 0.2)
    #expect(!rep.completedTop)
  }

  @Test(arguments: [0.1, 0.25, 0.5])
  func rippleDoesNotBreakHolds(hz: Double) {
    let (d, _) = runDetector(basicTrack(ripple: 0.8, hz: hz), duration: 25, rateHz: 100)
    #expect(d.reps.count == 1)
    #expect(d.holds.count == 1, "\(d.holds)")
    guard let hold = d.holds.first else { return }
    #expect(hold.hold.kind == .traction)
    #expect(abs(hold.hold.start - 6.5) < 1.0)
    #expect(abs(hold.hold.end - 16.5) < 1.0)
    #expect(abs(hold.hold.meanDeg - 18) < 0.6)
  }

  /// A breath that runs 1.3° high mid-hold and settles back to 0.7° above where it began (less
  /// than a breath step) leaves one hold; one that settles 1.4° higher is a breath step. The
  /// plateau after the hump begins about 2 s after the one before was left.
  @Test(arguments: [(0.6, 1, 0), (-0.1, 2, 1)])
  func aHighBreathThatSettlesLessThanAStepUpIsOneHold(back: Double, holds: Int, steps: Int) {
    var tr = ThetaTrack()
    tr.move(5, 1.5, by: 18)
    tr.move(12, 1.5, by: 1.3)
    tr.move(13.8, 1.5, by: -back)
    tr.move(22, 2, by: -18 - 1.3 + back)
    tr.rippleAmp = 0.4
    tr.noiseSigma = 0.05
    let (d, _) = runDetector(tr, duration: 30, rateHz: 100)
    #expect(d.reps.count == 1)
    #expect(d.holds.count == holds, "\(d.holds.map(\.hold))")
    #expect(d.breathSteps.count == steps, "\(d.breathSteps)")
    guard let first = d.holds.first, let last = d.holds.last else { return }
    #expect(abs(first.hold.start - 6.5) < 0.5)
    #expect(abs(last.hold.end - 22) < 0.5)
  }

  /// A hold at 18° whose chest sinks by `sag` over 1 s at `at` and stays there until the lowering:
  /// one hold while both levels are within ±1.5° of their joint mean (the spec's hold), two when
  /// the lower level, long enough, is further from it. No breath step either way.
  @Test(arguments: [(1.3, 14.0, 17.5, 1), (1.6, 13.0, 19.0, 1), (2.5, 16.0, 21.0, 2)])
  func aSagWithinTheHoldBandIsNoNewHold(sag: Double, at: Double, lowerAt: Double, holds: Int) {
    var tr = ThetaTrack()
    tr.move(5, 1.5, by: 18)
    tr.move(at, 1, by: -sag)
    tr.move(lowerAt, 2, by: sag - 18)
    tr.rippleAmp = 0.4
    tr.noiseSigma = 0.05
    let (d, _) = runDetector(tr, duration: lowerAt + 6, rateHz: 100)
    #expect(d.reps.count == 1)
    #expect(d.holds.count == holds, "\(d.holds.map(\.hold))")
    #expect(d.breathSteps.isEmpty, "\(d.breathSteps)")
    guard let first = d.holds.first, let last = d.holds.last else { return }
    #expect(abs(first.hold.start - 6.5) < 0.5)
    #expect(abs(last.hold.end - lowerAt) < 0.5)
  }

  /// A slow breath step (starting at 15 s) whose first part the hold's band took in, because
  /// the breathing ran high as it began: the hold ends where the rise began, not where the rise
  /// left the band ~0.7–1.4 s later, and its mean is the level it held (a hold keeps the chest at
  /// one height). Before, it ended at 15.73 / 16.43 s (IoU with a 2.2 s labelled step hold < 0.5).
  @Test(arguments: [(2.5, 0.6, 0.15, 0.0, 0.35), (4.0, 0.4, 0.25, 1.5, 1.0)])
  func aHoldEndsWhereASlowStepBeganInsideItsBand(
    seconds: Double, ripple: Double, hz: Double, phase: Double, tolerance: Double
  ) {
    var tr = ThetaTrack()
    tr.move(5, 1.5, by: 18)
    tr.move(15, seconds, by: 1.3)
    tr.move(20 + seconds, 2, by: -19.3)
    tr.rippleAmp = ripple
    tr.rippleHz = hz
    tr.ripplePhase = phase
    tr.noiseSigma = 0.05
    let (d, events) = runDetector(tr, duration: 27 + seconds, rateHz: 100)
    #expect(d.reps.count == 1)
    #expect(d.breathSteps.count == 1, "\(d.breathSteps)")
    // A listener keeping the last `holdEnded` per index has the summary's holds (kinds aside:
    // `holdKindRevised` makes the top): the new end is announced again when the step's own hold
    // ends and the step stands.
    var ended: [Int: HoldRecord] = [:]
    for e in events { if case .holdEnded(let i, let r) = e.event { ended[i] = r } }
    #expect(ended.keys.sorted() == Array(d.holds.indices))
    let heard = ended.sorted { $0.key < $1.key }.map {
      [$0.value.hold.start, $0.value.hold.end, $0.value.hold.meanDeg]
    }
    #expect(heard == d.holds.map { [$0.hold.start, $0.hold.end, $0.hold.meanDeg] })
    #expect(d.holds.count == 2, "\(d.holds.map(\.hold))")
    guard d.holds.count == 2, let step = d.breathSteps.first else { return }
    #expect(abs(d.holds[0].hold.end - 15) <= tolerance, "\(d.holds[0].hold)")
    #expect(abs(d.holds[0].hold.meanDeg - 18) < 0.15, "\(d.holds[0].hold)")
    #expect(d.holds[0].hold.end < step.step.t && step.step.t < d.holds[1].hold.start)
    #expect(abs(step.step.riseDeg - 1.3) < 0.35, "\(step.step)")
  }

  func checkAnchored(
    _ plan: AnchoredPlan, ripple: Double, hz: Double, rate: Double, tol: Double = 0.3,
    seed: UInt64 = 1
  ) {
    var tr = ThetaTrack()
    tr.rippleAmp = ripple
    tr.rippleHz = hz
    tr.noiseSigma = 0.05
    let truth = plan.add(to: &tr)
    let (d, _) = runDetector(tr, duration: truth.end + 5, rateHz: rate, seed: seed)
    #expect(d.reps.count == 1)
    #expect(d.holds.map(\.hold.kind) == [.traction, .step, .step, .top], "\(d.holds)")
    #expect(d.breathSteps.count == 3, "\(d.breathSteps)")
    guard d.holds.count == 4, d.breathSteps.count == 3 else { return }
    for (h, e) in zip(d.holds, truth.holds) {
      #expect(abs(h.hold.start - e.start) <= tol, "start \(h.hold) vs \(e)")
      #expect(abs(h.hold.end - e.end) <= tol, "end \(h.hold) vs \(e)")
      #expect(abs(h.hold.meanDeg - e.meanDeg) <= 0.5, "mean \(h.hold) vs \(e)")
    }
    for (s, e) in zip(d.breathSteps, truth.steps) {
      #expect(abs(s.step.t - e.t) <= tol, "step \(s.step) vs \(e)")
      #expect(abs(s.step.riseDeg - e.riseDeg) <= 0.5, "rise \(s.step) vs \(e)")
    }
    #expect(d.reps.first?.completedTop == true)
    #expect(d.reps.first?.breathStepCount == 3)
    #expect(d.breathSteps[0].keptExhale == true)
    #expect(d.breathSteps[1].keptExhale == true)
    #expect(d.breathSteps[2].keptExhale == nil)
  }

  @Test func anchoredRepClean() {
    checkAnchored(AnchoredPlan(), ripple: 0, hz: 0.25, rate: 100)
  }

  @Test(arguments: [0.1, 0.25, 0.5])
  func anchoredRepWithRipple(hz: Double) {
    // A ripple half as fast as the steps blurs their edges: a wider tolerance.
    checkAnchored(AnchoredPlan(), ripple: 0.4, hz: hz, rate: 100, tol: 0.65)
  }

  /// Breathing at the spec's ±0.8° after every step, at four phases: a step hold that starts on
  /// an inhale's crest drops a whole breath on its exhale, which is no sink. A rep whose chest
  /// sinks a further `sink` degrees on the exhale after its first step (phase 0: that step ends
  /// on a crest, as a step rises during an inhale) did not keep that exhale.
  @Test(arguments: [(0.0, 0.0), (0.0, 0.5), (0.0, 1.0), (0.0, 1.5), (1.5, 0.0), (2.0, 0.0)])
  func aKeptExhaleSetsTheBreathingAside(sink: Double, phaseTurns: Double) {
    var tr = ThetaTrack()
    tr.rippleAmp = 0.8
    tr.rippleHz = 0.25
    tr.ripplePhase = phaseTurns * .pi
    tr.noiseSigma = 0.05
    let truth = AnchoredPlan().add(to: &tr)
    if sink > 0 {
      tr.move(truth.holds[1].start, 2, by: -sink)
      tr.move(truth.end + 1, 1, by: sink)
    }
    let (d, _) = runDetector(tr, duration: truth.end + 6, rateHz: 100)
    #expect(d.reps.count == 1)
    guard let first = d.breathSteps.first else {
      Issue.record("no breath step: \(d.holds.map(\.hold))")
      return
    }
    #expect(first.keptExhale == (sink == 0), "\(d.breathSteps) \(d.holds.map(\.hold))")
    if sink == 0 {
      #expect(d.breathSteps.dropLast().allSatisfy { $0.keptExhale == true }, "\(d.breathSteps)")
    }
  }

  /// A step hold interrupted (a jolt up out of its band) and continued a little lower: the two
  /// pieces are one hold, and its exhale is judged on the whole of it. A continuation lower by
  /// less than the spec's 1° is not a sink; one lower by more is.
  @Test(arguments: [(0.3, true), (0.5, true), (2.0, false), (2.5, false)])
  func aStepHoldContinuedLowerIsJudgedByItsSink(drop: Double, kept: Bool) {
    var tr = ThetaTrack()
    tr.rippleAmp = 0.2
    tr.rippleHz = 0.25
    tr.noiseSigma = 0.05
    var plan = AnchoredPlan()
    plan.steps[0].hold = 7
    let truth = plan.add(to: &tr)
    let jolt = truth.holds[1].start + 3.5
    tr.move(jolt, 0.8, by: 1.4)
    tr.move(jolt + 0.8, 1.0, by: -1.4 - drop)
    // The next step rises from the lower level: the same height above the plateau it left.
    tr.move(truth.holds[1].end, 0.5, by: drop)
    let (d, _) = runDetector(tr, duration: truth.end + 6, rateHz: 100)
    #expect(d.reps.count == 1)
    #expect(d.holds.count == 4, "\(d.holds.map(\.hold))")
    guard let first = d.breathSteps.first else {
      Issue.record("no breath step: \(d.holds.map(\.hold))")
      return
    }
    #expect(first.keptExhale == kept, "\(d.breathSteps) \(d.holds.map(\.hold))")
  }

  @Test func anchoredRepSmallSteps() {
    var p = AnchoredPlan()
    p.steps = [(1.5, 1.0, 3), (1.5, 2.5, 3), (1.8, 3.0, 6)]
    checkAnchored(p, ripple: 0, hz: 0.25, rate: 200)
  }
}
