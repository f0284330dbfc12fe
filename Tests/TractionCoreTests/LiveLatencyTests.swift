import Testing

@testable import TractionCore

/// `LiveLatencyRecorder`: events paired with labelled holds, ends split by what ended them, and
/// the moment a move left the hold's breathing taken from the truth, in the move's direction.
@Suite struct LiveLatencyTests {
  let labels = SessionLabels(
    variantPerRep: [.anchored],
    reps: [Rep(start: 1, end: 18, peakDeg: 12.5)],
    holds: [
      Hold(start: 2, end: 8, kind: .traction, meanDeg: 10.2),
      Hold(start: 10, end: 16, kind: .top, meanDeg: 12.1),
    ],
    breathSteps: [BreathStep(t: 9, riseDeg: 1.9)])

  func batch(_ events: DetectionEvent...) -> EventBatch {
    var b = EventBatch()
    for e in events { b.append(e) }
    return b
  }

  func record(_ start: Double, _ end: Double, _ kind: HoldKind = .step) -> HoldRecord {
    HoldRecord(hold: Hold(start: start, end: end, kind: kind, meanDeg: 0), repIndex: 0, sdDeg: 0)
  }

  /// The true angle: breathing 10.0–10.4° on the first hold, an exhale dipping below it right
  /// after its end (8.0–8.25 s, not the step), the step out of it at 8.3 s; 12.0–12.2° on the
  /// second hold and the lowering out of it below 12.0° at 16.2 s.
  func truth(_ t: Double) -> Double {
    switch t {
    case ..<8.0: return t < 4 ? 10.2 : 10.2 + 0.2 * (t.truncatingRemainder(dividingBy: 2) < 1 ? 1 : -1)
    case ..<8.25: return 9.9
    case ..<8.3: return 10.3
    case ..<16.0: return t < 9 ? 10.6 : 12.1 + 0.1 * (t.truncatingRemainder(dividingBy: 2) < 1 ? 1 : -1)
    case ..<16.2: return 12.0
    default: return 11.5
    }
  }

  @Test func pairsEventsWithLabelledHoldsAndMeasuresFromTheEvidentMove() {
    var r = LiveLatencyRecorder(labels: labels)
    // Announcements and ends as the detector would send them, and a split piece of the second
    // hold that was merged back (its early end must not count).
    r.observe(at: 4.3, batch(.holdStarted(index: 0, hold: Hold(start: 2.0, end: 4.0, kind: .traction, meanDeg: 10))))
    r.observe(at: 8.45, batch(.holdEnded(index: 0, record: record(2.0, 8.1, .traction))))
    // The same end revised later (a short piece joined it): the person heard the first.
    r.observe(at: 9.5, batch(.holdEnded(index: 0, record: record(2.0, 9.2, .traction))))
    r.observe(at: 12.2, batch(.holdStarted(index: 1, hold: Hold(start: 10.1, end: 12.1, kind: .step, meanDeg: 12))))
    r.observe(at: 13.0, batch(.holdEnded(index: 1, record: record(10.1, 12.8))))
    r.observe(at: 16.6, batch(.holdMerged(index: 2, into: 1), .holdEnded(index: 1, record: record(10.1, 16.05))))
    var t = 0.0
    while t < 18 {
      r.observeTruth(t: t, thetaDeg: truth(t))
      t += 0.05
    }
    let l = r.measure()
    #expect(l.holdAnnounced.count == 2)
    #expect(abs(l.holdAnnounced[0] - 0.3) < 1e-9)
    #expect(abs(l.holdAnnounced[1] - 0.2) < 1e-9)
    #expect(l.holdEndAfterStep.count == 1)
    #expect(abs(l.holdEndAfterStep[0] - 0.45) < 1e-9)
    #expect(l.holdEndAfterLowering.count == 1)
    #expect(abs(l.holdEndAfterLowering[0] - 0.6) < 1e-9, "the merged end, not the split piece's")
    // The exhale dip below the range at 8.0 s is not the step: it left upward at 8.3 s.
    #expect(l.holdEndAfterEvidentStep.count == 1)
    #expect(abs(l.holdEndAfterEvidentStep[0] - 0.15) < 0.051)
    #expect(l.holdEndAfterEvidentLowering.count == 1)
    #expect(abs(l.holdEndAfterEvidentLowering[0] - 0.4) < 0.051)
    // The bound: the step left the breathing 0.3 s after the labelled end, the lowering 0.2 s.
    #expect(l.stepEvidentAfterEnd.count == 1)
    #expect(abs(l.stepEvidentAfterEnd[0] - 0.3) < 0.051)
    #expect(l.loweringEvidentAfterEnd.count == 1)
    #expect(abs(l.loweringEvidentAfterEnd[0] - 0.2) < 0.051)
  }

  /// The bound comes from the labels and the truth alone: holds the detector missed have it too.
  @Test func boundCoversHoldsTheDetectorMissed() {
    var r = LiveLatencyRecorder(labels: labels)
    var t = 0.0
    while t < 18 {
      r.observeTruth(t: t, thetaDeg: truth(t))
      t += 0.05
    }
    let l = r.measure()
    #expect(l.holdAnnounced.isEmpty && l.holdEndAfterStep.isEmpty && l.holdEndAfterEvidentStep.isEmpty)
    #expect(l.stepEvidentAfterEnd.count == 1)
    #expect(l.loweringEvidentAfterEnd.count == 1)
    // Without the truth there is no bound.
    #expect(LiveLatencyRecorder(labels: labels).measure().stepEvidentAfterEnd.isEmpty)
  }

  /// A hold is certain only once its rep is: 3 s after the rise through 5°, and once θ passed 8°.
  /// Rep 1 rises onto its hold at 10° in 0.2 s (its 2 s are up at 3.2 s, the rep is certain at
  /// 4.0 s); rep 2 holds at 6.5° until a breath step lifts it past 8° at 28.5 s.
  @Test func announcementsAreAlsoMeasuredFromWhenTheHoldWasCertain() throws {
    let labels = SessionLabels(
      variantPerRep: [.basic, .anchored],
      reps: [Rep(start: 1, end: 10, peakDeg: 10.2), Rep(start: 21, end: 40, peakDeg: 9.2)],
      holds: [
        Hold(start: 1.2, end: 9.5, kind: .traction, meanDeg: 10),
        Hold(start: 21.2, end: 28, kind: .traction, meanDeg: 6.5),
        Hold(start: 29.5, end: 39, kind: .top, meanDeg: 9),
      ],
      breathSteps: [BreathStep(t: 28.7, riseDeg: 2.5)])
    func truth(_ t: Double) -> Double {
      switch t {
      case ..<1: return 0
      case ..<9.8: return 10
      case ..<21: return 0
      case ..<28.5: return 6.5
      case ..<39.5: return 9
      default: return 0
      }
    }
    var r = LiveLatencyRecorder(labels: labels)
    r.observe(at: 4.1, batch(.holdStarted(index: 0, hold: Hold(start: 1.2, end: 3.2, kind: .traction, meanDeg: 10))))
    r.observe(at: 28.6, batch(.holdStarted(index: 1, hold: Hold(start: 21.2, end: 28, kind: .traction, meanDeg: 6.5))))
    r.observe(at: 31.7, batch(.holdStarted(index: 2, hold: Hold(start: 29.5, end: 31.5, kind: .step, meanDeg: 9))))
    for k in 0..<900 { r.observeTruth(t: Double(k) * 0.05, thetaDeg: truth(Double(k) * 0.05)) }
    let l = r.measure()
    try #require(l.holdAnnounced.count == 3 && l.holdAnnouncedAfterCertain.count == 3)
    #expect(l.holdCertainAfterTwoSeconds.count == 3)
    // Against the labelled start + 2 s: 0.9 s, 5.4 s and 0.2 s late…
    for (a, b) in zip(l.holdAnnounced, [0.9, 5.4, 0.2]) { #expect(abs(a - b) < 1e-9) }
    // …of which the bound is 0.8 s (the rep's 3 s), 5.3 s (the 8° peak) and nothing.
    for (a, b) in zip(l.holdCertainAfterTwoSeconds, [0.8, 5.3, 0]) { #expect(abs(a - b) < 0.051) }
    for (a, b) in zip(l.holdAnnouncedAfterCertain, [0.1, 0.1, 0.2]) { #expect(abs(a - b) < 0.051) }
    // Without the truth the 8° moment is not known: no bound.
    #expect(LiveLatencyRecorder(labels: labels).measure().holdCertainAfterTwoSeconds.isEmpty)
  }

  @Test func statisticsAndPooling() throws {
    var a = LiveLatencies()
    a.holdAnnounced = [0.1, 0.6, 0.2, 0.3]
    var b = LiveLatencies()
    b.holdAnnounced = [0.4]
    let s = try #require(LatencyStatistics((a + b).holdAnnounced))
    #expect(s.count == 5)
    #expect(s.median == 0.3)
    #expect(s.max == 0.6)
    #expect(s.p95 == 0.6)
    #expect(abs(s.withinHalfSecond - 0.8) < 1e-12)
    #expect(LatencyStatistics([]) == nil)
  }

  /// The event log's lines: hundredths for ordinary values, any value printed without trapping.
  @Test func eventTextPrintsAnyValue() {
    let ok = DetectionEvent.holdStarted(index: 0, hold: Hold(start: 7.478, end: 9.5, kind: .traction, meanDeg: -0.05))
    #expect(ok.description == "hold 1 started (traction) at 7.48 s, mean -0.05°")
    let huge = DetectionEvent.repEnded(
      index: 1,
      record: RepRecord(
        rep: Rep(start: 1, end: 9, peakDeg: 1e30), holdCount: 1, breathStepCount: 0, completedTop: false,
        cutShort: true))
    #expect(huge.text(unit: " N") == "rep 2 ended: 1.00–9.00 s, peak 1e+30 N (cut short)")
    let nan = DetectionEvent.breathStep(index: 0, step: BreathStep(t: 3, riseDeg: .nan))
    #expect(nan.description.hasSuffix("+nan°"))
  }
}
