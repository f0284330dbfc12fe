import Foundation
import Testing
import TractionCore

/// Expected values below are worked out by hand from the spec's definitions (see comments).
@Suite struct DetectionScoringTests {
  private func rep(_ s: Double, _ e: Double) -> Rep { Rep(start: s, end: e, peakDeg: 20) }
  private func hold(_ s: Double, _ e: Double, _ k: HoldKind = .traction) -> Hold {
    Hold(start: s, end: e, kind: k, meanDeg: 15)
  }

  @Test func intersectionOverUnion() {
    // [0,10] ∩ [5,15] = 5, ∪ = 15.
    #expect(abs(DetectionScoring.intersectionOverUnion((0, 10), (5, 15)) - 1.0 / 3) < 1e-12)
    // [0,10] ∩ [2,10] = 8, ∪ = 10.
    #expect(abs(DetectionScoring.intersectionOverUnion((0, 10), (2, 10)) - 0.8) < 1e-12)
    #expect(DetectionScoring.intersectionOverUnion((0, 1), (2, 3)) == 0)
    #expect(DetectionScoring.intersectionOverUnion((0, 1), (1, 2)) == 0)
    #expect(DetectionScoring.intersectionOverUnion((4, 4), (4, 4)) == 0)
  }

  @Test func repsPrecisionRecallF1AndErrors() {
    // L0 [0,10], L1 [20,30]. D0 [1,10]: IoU 9/10 with L0. D1 [24,34]: ∩ 6, ∪ 14, 0.43 < 0.5.
    // D2 [50,55]: nothing. TP 1, FP 2, FN 1: P 1/3, R 1/2, F1 2/(2+2+1) = 0.4.
    let labelled = SessionLabels(reps: [rep(0, 10), rep(20, 30)])
    let detected = SessionLabels(reps: [rep(1, 10), rep(24, 34), rep(50, 55)])
    let s = DetectionScoring.score(name: "a", detected: detected, labelled: labelled)
    #expect(s.reps.truePositives == 1)
    #expect(s.reps.falsePositives == 2)
    #expect(s.reps.falseNegatives == 1)
    #expect(abs(s.reps.precision - 1.0 / 3) < 1e-12)
    #expect(abs(s.reps.recall - 0.5) < 1e-12)
    #expect(abs(s.reps.f1 - 0.4) < 1e-12)
    #expect(s.reps.medianStartAbsError == 1)
    #expect(s.reps.medianEndAbsError == 0)
    #expect(!s.repCountExact)
    #expect(s.labelledRepCount == 2 && s.detectedRepCount == 3)
  }

  @Test func bestOverlapFirstIsOneToOne() {
    // L0 [0,10]; D0 [0,9] IoU 0.9, D1 [0,10] IoU 1.0 → D1 takes L0, D0 is a false positive.
    let m = DetectionScoring.matchIntervals(detected: [(0, 9), (0, 10)], labelled: [(0, 10)])
    #expect(m == [IntervalMatch(detected: 1, labelled: 0, iou: 1)])
    let s = DetectionScoring.scoreIntervals(detected: [(0, 9), (0, 10)], labelled: [(0, 10)]).score
    #expect(s.truePositives == 1 && s.falsePositives == 1 && s.falseNegatives == 0)
    #expect(abs(s.f1 - 2.0 / 3) < 1e-12)

    // A detection overlapping two labels goes to the better one. L0 [0,10], L1 [10,20];
    // D0 [2,12]: IoU 8/12 with L0, 2/18 with L1. D1 [9,19]: 1/19 with L0, 9/11 with L1.
    // Start errors 2 and 1, end errors 2 and 1: both medians 1.5.
    let r = DetectionScoring.scoreIntervals(
      detected: [(2, 12), (9, 19)], labelled: [(0, 10), (10, 20)])
    #expect(r.matches.map(\.detected) == [0, 1])
    #expect(r.matches.map(\.labelled) == [0, 1])
    #expect(abs(r.matches[0].iou - 8.0 / 12) < 1e-12)
    #expect(abs(r.matches[1].iou - 9.0 / 11) < 1e-12)
    #expect(r.score.medianStartAbsError == 1.5)
    #expect(r.score.medianEndAbsError == 1.5)
  }

  @Test func holdsMatchWhateverTheKindAndCountKindAgreement() {
    // L: traction [5,15], step [17,20]. D: traction [5.5,15] (IoU 0.95), top [17,20.5]
    // (IoU 3/3.5 = 0.857, kinds differ). TP 2, kind agreements 1.
    let labelled = SessionLabels(holds: [hold(5, 15), hold(17, 20, .step)])
    let detected = SessionLabels(holds: [hold(5.5, 15), hold(17, 20.5, .top)])
    let s = DetectionScoring.score(name: "h", detected: detected, labelled: labelled)
    #expect(
      s.holds.truePositives == 2 && s.holds.falsePositives == 0 && s.holds.falseNegatives == 0)
    #expect(s.holdKindAgreements == 1)
    // Start errors {0.5, 0}, end errors {0, 0.5}: medians 0.25 each.
    #expect(s.holds.medianStartAbsError == 0.25)
    #expect(s.holds.medianEndAbsError == 0.25)
  }

  @Test func breathStepsNearestFirstWithinOneSecond() {
    // Labelled 10, 12, 20. Detected 10.4, 11.5, 25, 12.9. Pairs within 1 s: (10.4,10) 0.4,
    // (11.5,12) 0.5, (12.9,12) 0.9. Nearest first: 10.4→10, 11.5→12; 12.9 finds 12 taken.
    // TP 2, FP 2, FN 1: F1 = 4/7. Errors 0.4, 0.5: median 0.45.
    let l = [10.0, 12, 20].map { BreathStep(t: $0, riseDeg: 2) }
    let d = [10.4, 11.5, 25, 12.9].map { BreathStep(t: $0, riseDeg: 2) }
    let s = DetectionScoring.scoreBreathSteps(detected: d, labelled: l)
    #expect(s.truePositives == 2 && s.falsePositives == 2 && s.falseNegatives == 1)
    #expect(abs(s.f1 - 4.0 / 7) < 1e-12)
    #expect(abs((s.medianStartAbsError ?? -1) - 0.45) < 1e-12)
    // Nearest wins even when it comes second: 10.5 (0.5 s) beats 9.2 (0.8 s).
    let m = DetectionScoring.matchTimes(detected: [9.2, 10.5], labelled: [10])
    #expect(m.count == 1 && m[0].detected == 1)
    // Exactly 1.0 s counts; 1.01 s does not.
    #expect(DetectionScoring.matchTimes(detected: [11], labelled: [10]).count == 1)
    #expect(DetectionScoring.matchTimes(detected: [11.01], labelled: [10]).isEmpty)
  }

  @Test func emptySetsFollowTheConventions() {
    let none = EventScore()
    #expect(none.precision == 1 && none.recall == 1 && none.f1 == 1)
    #expect(none.medianStartAbsError == nil)
    let missed = EventScore(truePositives: 0, falsePositives: 0, falseNegatives: 2)
    #expect(missed.precision == 1 && missed.recall == 0 && missed.f1 == 0)
    let spurious = EventScore(truePositives: 0, falsePositives: 3, falseNegatives: 0)
    #expect(spurious.precision == 0 && spurious.recall == 1 && spurious.f1 == 0)
  }

  @Test func thetaRMSEAllAndInsideReps() {
    // Rep [1,3]; samples t = 0…4 with errors 1, 2, 0, 2, 3 (estimate − truth).
    // All: √((1+4+0+4+9)/5) = √3.6. Inside (t = 1, 2, 3): √(8/3).
    var acc = ThetaErrorAccumulator(reps: [rep(1, 3)])
    let errors = [1.0, 2, 0, -2, 3]
    for (i, e) in errors.enumerated() {
      acc.add(t: Double(i), estimatedDeg: 10 + e, truthDeg: 10)
    }
    #expect(acc.summary.sampleCount == 5 && acc.summary.repSampleCount == 3)
    #expect(abs((acc.summary.rmseDeg ?? 0) - 3.6.squareRoot()) < 1e-12)
    #expect(abs((acc.summary.rmseInRepsDeg ?? 0) - (8.0 / 3).squareRoot()) < 1e-12)
    #expect(ThetaErrorSummary().rmseDeg == nil)
  }

  @Test func thetaAccumulatorWalksSeveralReps() {
    // Reps [2,4] and [6,8] given out of order; t = 0…9, error 1 inside reps and 0 outside.
    var acc = ThetaErrorAccumulator(reps: [rep(6, 8), rep(2, 4)])
    for i in 0...9 {
      let inside = (2...4).contains(i) || (6...8).contains(i)
      acc.add(t: Double(i), estimatedDeg: inside ? 1 : 0, truthDeg: 0)
    }
    #expect(acc.summary.repSampleCount == 6)
    #expect(acc.summary.rmseInRepsDeg == 1)
    #expect(abs((acc.summary.rmseDeg ?? 0) - (6.0 / 10).squareRoot()) < 1e-12)
  }

  @Test func aggregateSumsCountsAndPoolsMedians() throws {
    // A: reps TP1 FP2 FN1, errors start [1] end [0], count 2 vs 3 (wrong).
    let a = DetectionScoring.score(
      name: "a", detected: SessionLabels(reps: [rep(1, 10), rep(24, 34), rep(50, 55)]),
      labelled: SessionLabels(reps: [rep(0, 10), rep(20, 30)]),
      theta: ThetaErrorSummary(
        sampleCount: 2, sumSquaredErrors: 2, repSampleCount: 1, repSumSquaredErrors: 1))
    // B: reps TP1, start error 3, end error 2, count 1 vs 1 (right).
    let b = DetectionScoring.score(
      name: "b", detected: SessionLabels(reps: [rep(3, 22)]),
      labelled: SessionLabels(reps: [rep(0, 20)]),
      theta: ThetaErrorSummary(
        sampleCount: 2, sumSquaredErrors: 16, repSampleCount: 1, repSumSquaredErrors: 9))
    let agg = DetectionScoreAggregate([a, b])
    // Sums: TP 2, FP 2, FN 1 → F1 = 4/7. Start errors {1,3} → 2; end {0,2} → 1.
    #expect(
      agg.reps.truePositives == 2 && agg.reps.falsePositives == 2 && agg.reps.falseNegatives == 1)
    #expect(abs(agg.reps.f1 - 4.0 / 7) < 1e-12)
    #expect(agg.reps.medianStartAbsError == 2)
    #expect(agg.reps.medianEndAbsError == 1)
    #expect(agg.repCountAccuracy == 0.5)
    // θ pooled: √(18/4) = √4.5 over all, √(10/2) = √5 inside reps.
    #expect(abs((agg.theta.rmseDeg ?? 0) - 4.5.squareRoot()) < 1e-12)
    #expect(abs((agg.theta.rmseInRepsDeg ?? 0) - 5.0.squareRoot()) < 1e-12)

    // JSON round trip keeps the counts and shows the derived figures.
    let data = try JSONEncoder().encode(agg)
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains("\"rep_count_accuracy\":0.5"))
    #expect(text.contains("\"f1\""))
    #expect(try JSONDecoder().decode(DetectionScoreAggregate.self, from: data) == agg)
    let one = try JSONEncoder().encode(a)
    #expect(try JSONDecoder().decode(RecordingDetectionScore.self, from: one) == a)
  }

  @Test func perfectDetectionScoresOne() {
    let l = SessionLabels(
      variantPerRep: [.anchored], reps: [rep(4, 40)],
      holds: [hold(7, 12), hold(14, 17, .step), hold(19, 22, .step), hold(24, 30, .top)],
      breathSteps: [13, 18, 23].map { BreathStep(t: $0, riseDeg: 2) })
    let s = DetectionScoring.score(name: "p", detected: l, labelled: l)
    #expect(s.reps.f1 == 1 && s.holds.f1 == 1 && s.breathSteps.f1 == 1)
    #expect(s.holdKindAgreements == 4 && s.repCountExact)
    #expect(s.holds.medianStartAbsError == 0)
  }
}
