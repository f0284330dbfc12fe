import Foundation
import Testing

@testable import TractionCore

/// The detector's streaming rules: latency, rate independence, gaps, what must stay silent.
@Suite struct DetectionStreamingTests {
  func basic(ripple: Double = 0.3) -> ThetaTrack {
    var tr = ThetaTrack()
    tr.move(5, 1.5, by: 18)
    tr.move(16.5, 2, by: -18)
    tr.rippleAmp = ripple
    tr.rippleHz = 0.3
    tr.noiseSigma = 0.05
    return tr
  }

  func anchored() -> (ThetaTrack, AnchoredPlan, [Hold], [BreathStep], Double) {
    var tr = ThetaTrack()
    tr.noiseSigma = 0.05
    tr.rippleAmp = 0.2
    tr.rippleHz = 0.3
    let p = AnchoredPlan()
    let truth = p.add(to: &tr)
    return (tr, p, truth.holds, truth.steps, truth.end)
  }

  @Test func eventsComeWithinTheLatencyRules() {
    let (tr, _, _, _, end) = anchored()
    let (d, events) = runDetector(tr, duration: end + 5, rateHz: 100)
    #expect(d.holds.count == 4)
    var started = 0
    var ended = 0
    for e in events {
      switch e.event {
      case .holdStarted(_, let hold):
        started += 1
        // Announced at most 0.5 s after the hold has lasted its 2 s.
        #expect(e.t <= hold.start + 2.0 + 0.5 + 1e-9, "announced at \(e.t) for \(hold)")
        #expect(e.t >= hold.start + 2.0 - 1e-9)
      case .holdEnded(_, let record):
        ended += 1
        // The lowering ends the top hold within 0.5 s; a breath step (a slower move of 2–3°)
        // must first rise out of the plateau's band, which takes longer.
        let limit = record.hold.kind == .top ? 0.5 : 2.5
        #expect(e.t <= record.hold.end + limit, "ended at \(e.t) for \(record.hold)")
        #expect(e.t >= record.hold.end)
      case .repEnded(_, let rec):
        #expect(e.t <= rec.rep.end + 0.6)
      default:
        break
      }
    }
    #expect(started == 4)
    #expect(ended == 4)
    // The last hold is announced as a step and revised to top at the rep end.
    #expect(
      events.contains { if case .holdKindRevised(3, .top) = $0.event { true } else { false } })
    // Each live hold end carried its final timing.
    let finals = events.compactMap { e -> Hold? in
      if case .holdEnded(_, let r) = e.event { return r.hold }
      return nil
    }
    for (live, final) in zip(finals, d.holds.map(\.hold)) {
      #expect(live.start == final.start && live.end == final.end && live.meanDeg == final.meanDeg)
    }
  }

  @Test func basicHoldEndsWithinHalfASecondOfTheLowering() {
    let (d, events) = runDetector(basic(), duration: 25, rateHz: 200)
    #expect(d.holds.count == 1)
    let endEvent = events.first { if case .holdEnded = $0.event { true } else { false } }
    #expect(endEvent != nil)
    if let e = endEvent { #expect(e.t <= 16.5 + 0.5, "hold end announced at \(e.t)") }
  }

  @Test func ratesFrom50To400HzGiveTheSameEvents() {
    let (tr, _, _, _, end) = anchored()
    let (a, _) = runDetector(tr, duration: end + 5, rateHz: 50)
    let (b, _) = runDetector(tr, duration: end + 5, rateHz: 400)
    #expect(a.reps.count == b.reps.count)
    #expect(a.holds.map(\.hold.kind) == b.holds.map(\.hold.kind))
    #expect(a.breathSteps.count == b.breathSteps.count)
    for (x, y) in zip(a.holds, b.holds) {
      #expect(abs(x.hold.start - y.hold.start) <= 0.2)
      #expect(abs(x.hold.end - y.hold.end) <= 0.2)
      #expect(abs(x.hold.meanDeg - y.hold.meanDeg) <= 0.1)
    }
    for (x, y) in zip(a.breathSteps, b.breathSteps) {
      #expect(abs(x.step.t - y.step.t) <= 0.1)
    }
  }

  @Test func gapsUpTo5sAreBridgedLongerOnesReset() {
    // A 0.4 s gap inside the hold: still one hold, nothing to report.
    let (d, _) = runDetector(basic(), duration: 25, rateHz: 100, skip: { $0 > 10 && $0 < 10.4 })
    #expect(d.reps.count == 1)
    #expect(d.holds.count == 1)
    #expect(d.bridgedGaps == 1)
    #expect(d.longBridgedGaps == 0)
    #expect(d.resetGaps == 0)
    // Just over 2 s: its 40 empty bins of 0.05 s say 2.0 s, the samples 2.08 s. Reported.
    let (g, _) = runDetector(basic(), duration: 25, rateHz: 100, skip: { $0 > 10 && $0 < 12.08 })
    #expect(g.longBridgedGaps == 1)
    #expect(g.reps.count == 1)
    // A 4 s gap inside the 15 s hold: the rep and the hold go on across it, reported.
    let (e, _) = runDetector(basic(), duration: 25, rateHz: 100, skip: { $0 > 8 && $0 < 12 })
    #expect(e.resetGaps == 0)
    #expect(e.longBridgedGaps == 1)
    #expect(e.reps.count == 1)
    #expect(e.reps.first?.cutShort == false)
    #expect(e.reps.first?.rep.end == d.reps.first?.rep.end, "\(e.reps) vs \(d.reps)")
    #expect(e.holds.count == 1)
    #expect(e.holds.first.map { $0.hold.start < 7.5 && $0.hold.end > 15.5 } == true, "\(e.holds)")
    // A 6 s gap could hide the rest between two reps: the detector restarts; the rep is cut at
    // the gap.
    let (f, _) = runDetector(basic(), duration: 30, rateHz: 100, skip: { $0 > 10 && $0 < 16 })
    #expect(f.resetGaps == 1)
    #expect(f.reps.count == 1)
    #expect(f.reps.first?.cutShort == true)
    #expect(f.reps.first.map { abs($0.rep.end - 10) < 0.2 } == true)
  }

  @Test func shortExcursionsCoughsAndFidgetsAreNothing() {
    var tr = ThetaTrack()
    tr.noiseSigma = 0.05
    // A glance: up to 12° and back within 2.5 s.
    tr.move(5, 0.7, by: 12)
    tr.move(6.5, 0.8, by: -12)
    // A cough: a 3° jolt for 0.3 s.
    tr.move(12, 0.1, by: 3)
    tr.move(12.2, 0.2, by: -3)
    // A fidget: 4° for 5 s.
    tr.move(18, 1, by: 4)
    tr.move(23, 1, by: -4)
    // A long low excursion (7.5° for 6 s) peaks below 8°.
    tr.move(30, 1, by: 7.5)
    tr.move(36, 1, by: -7.5)
    let (d, events) = runDetector(tr, duration: 45, rateHz: 100)
    #expect(d.reps.isEmpty)
    #expect(d.holds.isEmpty)
    #expect(events.isEmpty)
  }
}

/// The vertical from the accelerometer alone: a stand-in estimator for tests of the pipeline.
struct AccelerometerVertical: InclinationEstimator {
  var up = SIMD3<Double>(0, 0, 1)
  var isSettled: Bool { true }
  mutating func update(gyr: SIMD3<Double>, acc: SIMD3<Double>, dt: Double) {
    let n = (acc * acc).sum().squareRoot()
    if n > 0 { up = acc / n }
  }
}

@Suite struct SessionAnalyzerTests {
  /// IMU samples for θ(t) on the upper back and φ(t) (pelvis tilt) on the sacrum, random mounts.
  func samples(
    theta: (Double) -> Double, roll: (Double) -> Double = { _ in 0 },
    sacrum: ((Double) -> Double)? = nil, load: ((Double) -> Double)?, duration: Double,
    rate: Double = 100, imu: Bool = true, gapAt: ClosedRange<Double>? = nil
  ) -> [Sample] {
    var r = TestRNG(seed: 3)
    let m1 = Mat3.random(&r).transposed
    let m2 = Mat3.random(&r).transposed
    var out: [Sample] = []
    for k in 0...Int(duration * rate) {
      let t = Double(k) / rate
      if let g = gapAt, g.contains(t) { continue }
      var s = Sample(t: t)
      if imu {
        let up = m1 * trunkUp(thetaDeg: theta(t), rollDeg: roll(t))
        s.imu = IMUReading(acc: up * 9.81, gyr: SIMD3(repeating: r.normal(sigma: 0.001)))
        if let sacrum {
          let up2 = m2 * trunkUp(thetaDeg: sacrum(t), rollDeg: 0)
          s.imu2 = IMUReading(acc: up2 * 9.81, gyr: SIMD3(repeating: r.normal(sigma: 0.001)))
        }
      }
      if let load { s.loadN = load(t) + r.normal(sigma: 0.5) }
      out.append(s)
    }
    return out
  }

  static func ramp(_ t: Double, _ a: Double, _ b: Double) -> Double {
    min(1, max(0, (t - a) / (b - a)))
  }

  /// One basic rep: rise 5–6.5 s to 20°, hold to 16.5 s, lower by 18.5 s.
  static func theta(_ t: Double) -> Double { 20 * (ramp(t, 5, 6.5) - ramp(t, 16.5, 18.5)) }
  /// Elbow force: 2 N lying, 90 N on the elbows, +25 N of drive from 8 to 9 s.
  static func load(_ t: Double) -> Double {
    2 + 90 * (ramp(t, 5, 6.5) - ramp(t, 16.5, 18.5)) + 25 * (ramp(t, 8, 9) - ramp(t, 16.5, 17))
  }

  @Test func imuPipelineWithLoadAndSacrum() throws {
    var a = SessionAnalyzer<AccelerometerVertical>(makeEstimator: { AccelerometerVertical() })
    var emitted = 0
    var lastTheta: Double? = nil
    var lumbar: Double? = nil
    for s in samples(
      theta: Self.theta, sacrum: { t in -3 * (Self.ramp(t, 5, 6.5) - Self.ramp(t, 16.5, 18.5)) },
      load: Self.load, duration: 25)
    {
      let out = a.process(s)
      emitted += out.events.count
      if s.t > 10 && s.t < 10.015 {
        lastTheta = out.thetaDeg
        lumbar = out.lumbarDeg
      }
    }
    let summary = a.finish()
    #expect(summary.mode == .imu)
    #expect(summary.reference == .initialStillness)
    #expect(summary.warnings.isEmpty, "\(summary.warnings)")
    #expect(lastTheta.map { abs($0 - 20) < 0.3 } == true)
    // The sacrum tilts 3° the other way (anterior pelvic tilt): lumbar extension is 20 − (−3).
    #expect(lumbar.map { abs($0 - 23) < 0.3 } == true, "\(String(describing: lumbar))")
    #expect(summary.repCount == 1)
    #expect(summary.holdCount == 1)
    guard let h = summary.holds.first else { return }
    #expect(h.kind == .traction)
    #expect(abs(h.start - 6.5) < 0.3 && abs(h.end - 16.5) < 0.3)
    #expect(abs((h.meanDeg ?? .nan) - 20) < 0.3)
    #expect((h.sdDeg ?? .nan) < 0.2)
    // Drive: 25 N rise between the first and the last second of the hold.
    #expect(
      h.tractionDriveN.map { abs($0 - 25) < 3 } == true, "\(String(describing: h.tractionDriveN))")
    #expect(h.lumbarMeanDeg.map { abs($0 - 23) < 0.3 } == true)
    #expect(emitted >= 4)
  }

  /// Times a reader accepts but no clock gives (a first step of 1e-300 s, then a gap) and times
  /// beyond the limit (handed to the core directly) neither trap nor stall the stream.
  @Test func absurdTimeStepsDoNotTrap() {
    var a = SessionAnalyzer<AccelerometerVertical>(makeEstimator: { AccelerometerVertical() })
    let session = samples(theta: Self.theta, load: nil, duration: 25)
    var head = [session[0], session[0], session[0]]
    head[1].t = 1e-300
    head[2].t = 0.5
    for s in head { _ = a.process(s) }
    for var s in session.dropFirst() {
      s.t += 1
      _ = a.process(s)
    }
    var late = session[session.count - 1]
    late.t = 1.7e18
    _ = a.process(late)
    let summary = a.finish()
    #expect(summary.repCount == 1, "\(summary.reps)")
    var d = ExerciseDetector()
    d.push(t: 1.7e18, value: 20)
    d.push(t: -.greatestFiniteMagnitude, value: 20)
    d.finish()
    #expect(d.reps.isEmpty)
  }

  @Test func loadOnlyFindsRepsAndHolds() {
    var a = SessionAnalyzer<AccelerometerVertical>(makeEstimator: { AccelerometerVertical() })
    // Two reps from the force alone; the second 30 s later.
    let twoReps: (Double) -> Double = { t in Self.load(t) + Self.load(t - 30) - 2 }
    var started: [(t: Double, hold: Hold)] = []
    for s in samples(theta: { _ in 0 }, load: twoReps, duration: 55, imu: false) {
      for e in a.process(s).events {
        if case .holdStarted(_, let hold) = e { started.append((s.t, hold)) }
      }
    }
    let summary = a.finish()
    // Announced once per rep, within 0.5 s of the force having been steady for 2 s (from 6.5 s):
    // the drive's rise from 8 to 9 s goes on within the hold instead of starting a new one.
    #expect(started.count == 2, "\(started)")
    for (i, s) in started.enumerated() {
      #expect(s.t <= 6.5 + 2.5 + Double(i) * 30, "announced at \(s.t)")
    }
    #expect(summary.mode == .load)
    #expect(summary.repCount == 2)
    #expect(summary.breathSteps.isEmpty)
    // The hold is the steady force after the drive has come on.
    #expect(summary.holdCount == 2, "\(summary.holds)")
    for (i, h) in summary.holds.enumerated() {
      let off = Double(i) * 30
      #expect(h.start >= 6.3 + off && h.start <= 9.3 + off, "\(h)")
      #expect(abs(h.end - (16.5 + off)) < 0.4, "\(h)")
    }
  }

  /// Counts the turn it is given about x (the test's view into what the analyzer integrates).
  final class TurnBox { var turned = 0.0 }
  struct TurnCounter: InclinationEstimator {
    let box: TurnBox
    var up: SIMD3<Double> { SIMD3(0, 0, 1) }
    var isSettled: Bool { true }
    mutating func update(gyr: SIMD3<Double>, acc: SIMD3<Double>, dt: Double) {
      box.turned += gyr.x * dt
    }
  }

  /// A short gap while the trunk turns: the turn made meanwhile still reaches the estimator
  /// (interpolated readings); a long gap is skipped, as the motion during it is unknown.
  @Test(arguments: [(1.0...1.4, true), (1.0...2.6, false)])
  func shortGapsAreBridgedForTheEstimator(gap: ClosedRange<Double>, bridged: Bool) {
    let box = TurnBox()
    var a = SessionAnalyzer<TurnCounter>(makeEstimator: { TurnCounter(box: box) })
    let rate = 0.5  // rad/s about x, steady
    var last = 0.0
    var longestStep = 0.0
    for k in 0...400 {
      let t = Double(k) / 100
      if gap.contains(t) { continue }
      _ = a.process(Sample(t: t, imu: IMUReading(acc: SIMD3(0, 0, 9.81), gyr: SIMD3(rate, 0, 0))))
      longestStep = max(longestStep, t - last)
      last = t
    }
    // Unbridged, the gap counts as one nominal period (0.01 s).
    let expected = bridged ? rate * last : rate * (last - (longestStep - 0.01))
    #expect(abs(box.turned - expected) < 0.01 * rate, "turned \(box.turned), expected \(expected)")
  }

  /// A gap that ends on a tap's rate spike: the spike is not spread over the gap as a turn.
  @Test func gapEndingOnARateSpikeIsNotBridgedAsATurn() {
    let box = TurnBox()
    var a = SessionAnalyzer<TurnCounter>(makeEstimator: { TurnCounter(box: box) })
    for k in 0...400 {
      let t = Double(k) / 100
      if t > 2.0 && t < 2.5 { continue }
      // Still, but the first reading after the gap carries a 0.3 rad/s spike.
      let spike = abs(t - 2.5) < 0.001 ? 0.3 : 0.0
      _ = a.process(Sample(t: t, imu: IMUReading(acc: SIMD3(0, 0, 9.81), gyr: SIMD3(spike, 0, 0))))
    }
    // Only the spike's own sample (0.01 s) is integrated, not a ramp over the 0.5 s gap (0.075 rad).
    #expect(box.turned < 0.01, "turned \(box.turned)")
  }

  /// A tap just after a dropout: the first readings after the gap have a specific force of about
  /// 1 g in a wild direction and a rate spike. θ must not follow (it did by 6° before taps were
  /// also recognised by direction).
  @Test func tapAfterAGapDoesNotMoveTheta() throws {
    /// θ after the gap, per sample, with or without the tap.
    func thetaAfterGap(tap: Bool) -> [Double] {
      var a = SessionAnalyzer<InclinationFilter>(
        makeEstimator: { InclinationFilter(parameters: .trunkWorn) })
      var out: [Double] = []
      for var s in samples(theta: Self.theta, load: nil, duration: 14, gapAt: 10.0...10.5) {
        if tap && s.t > 10.5 && s.t < 10.53, let imu = s.imu {
          // 1 g, turned far from the vertical, with a 0.25 rad/s rate spike.
          let g = (imu.acc * imu.acc).sum().squareRoot()
          s.imu = IMUReading(
            acc: SIMD3(g * 0.2, -g * 0.8, -g * 0.566), gyr: SIMD3(-0.2, -0.14, 0.1))
        }
        let o = a.process(s)
        if s.t > 10.5, let th = o.thetaDeg { out.append(th) }
      }
      return out
    }
    let clean = thetaAfterGap(tap: false)
    let tapped = thetaAfterGap(tap: true)
    try #require(clean.count == tapped.count && !clean.isEmpty)
    let worst = zip(clean, tapped).map { abs($0 - $1) }.max() ?? 99
    #expect(worst < 0.2, "the tap moved θ by \(worst)°")
  }

  /// A 1.3 s gap over most of the second rep's rise (longer than a turn is bridged): θ after it is
  /// within 1° of the truth 0.7 s later (18° off before), not drifting in over the estimator's
  /// time constant (the next step or hold edge came 1.5–2 s late on the second generator's files).
  @Test func aLongGapDuringARiseIsCaughtUpQuickly() throws {
    func theta(_ t: Double) -> Double { Self.theta(t) + 20 * (Self.ramp(t, 25, 26.5) - Self.ramp(t, 33, 35)) }
    var a = SessionAnalyzer<InclinationFilter>(
      makeEstimator: { InclinationFilter(parameters: .trunkWorn) })
    var worstAfter = 0.0
    var sawGap = false
    for s in samples(theta: theta, load: nil, duration: 33, gapAt: 25.2...26.5) {
      let o = a.process(s)
      sawGap = sawGap || o.afterGap
      if s.t >= 27.2, let th = o.thetaDeg {
        worstAfter = max(worstAfter, abs(th - theta(s.t)))
      }
    }
    #expect(sawGap)
    #expect(worstAfter < 1, "θ was \(worstAfter)° off after the gap")
  }

  @Test func gapsAreCountedAndSummarised() {
    var a = SessionAnalyzer<ComplementaryFilter>(makeEstimator: { ComplementaryFilter() })
    var sawGap = false
    for s in samples(theta: Self.theta, load: nil, duration: 25, gapAt: 10.0...10.5) {
      let out = a.process(s)
      if out.afterGap { sawGap = true }
    }
    let summary = a.finish()
    #expect(sawGap)
    #expect(summary.gaps == 1)
    #expect(abs(summary.gapSeconds - 0.5) < 0.05)
    #expect(summary.repCount == 1)
    #expect(summary.holdCount == 1)
  }

  /// A gap right after the first sample came before any rate was known: it was taken as the
  /// sampling period and the gyro integrated through it (an hour's gap lost every rep, 600 s
  /// read the peaks 6° low). Now it is a gap like any other and the next interval gives the rate.
  @Test(arguments: [2.0, 600, 3600, 1e6])
  func aGapAfterTheFirstSampleIsAGap(gap: Double) throws {
    func run(gap: Double) -> (SessionSummary, sawGap: Bool) {
      var a = SessionAnalyzer<InclinationFilter>(
        makeEstimator: { InclinationFilter(parameters: .trunkWorn) })
      var all = samples(theta: Self.theta, load: nil, duration: 25)
      for k in 1..<all.count {
        all[k].t += gap
        all[k].imu?.gyr += SIMD3(0.002, -0.001, 0.0015)  // a small uncorrected gyro bias
      }
      var sawGap = false
      for s in all { sawGap = a.process(s).afterGap || sawGap }
      return (a.finish(), sawGap)
    }
    let (plain, _) = run(gap: 0)
    let (gapped, sawGap) = run(gap: gap)
    #expect(sawGap)
    #expect(gapped.gaps == 1)
    #expect(gapped.repCount == 1)
    #expect(gapped.holdCount == 1)
    let a = try #require(plain.reps.first)
    if let b = gapped.reps.first {
      #expect(abs(b.peak - a.peak) < 0.5, "peak \(b.peak)° after a gap of \(gap) s")
      #expect(abs(b.start - gap - a.start) < 0.2)
      #expect(abs(b.end - gap - a.end) < 0.2)
    }
  }

  @Test func recordingWithoutStillStartWarns() {
    var a = SessionAnalyzer<AccelerometerVertical>(makeEstimator: { AccelerometerVertical() })
    // Moving from the first sample.
    for s in samples(theta: { t in 3 + 2 * sin(3 * t) }, load: nil, duration: 4) {
      _ = a.process(s)
    }
    let summary = a.finish()
    #expect(summary.warnings.contains(.referenceFromFirstSamples))
    #expect(summary.reference == .firstSamples)
  }

  /// An IMU that reads 0 (unpowered, or a driver reading a dead bus) gives no angle at all, not
  /// reps at 180°; one that comes alive later is measured from its first plausible reading.
  @Test(arguments: [nil, 1.0])
  func aDeadAccelerometerDefinesNoAngle(aliveFrom: Double?) {
    var a = SessionAnalyzer<InclinationFilter>(makeEstimator: { InclinationFilter() })
    var maxTheta = 0.0
    for var s in samples(theta: Self.theta, load: nil, duration: 25) {
      if s.t < aliveFrom ?? .infinity {
        s.imu = IMUReading(acc: .zero, gyr: .zero)
      }
      if let th = a.process(s).thetaDeg { maxTheta = max(maxTheta, th) }
    }
    let summary = a.finish()
    if aliveFrom == nil {
      #expect(summary.warnings == [.accelerometerImplausible])
      #expect(summary.repCount == 0 && summary.holdCount == 0)
      #expect(maxTheta == 0)
    } else {
      #expect(!summary.warnings.contains(.accelerometerImplausible))
      #expect(summary.reference == .initialStillness)
      #expect(summary.repCount == 1)
      #expect(summary.holdCount == 1)
      #expect(abs(maxTheta - 20) < 1.5, "peak θ \(maxTheta)")
    }
  }

  /// A movement that rises, holds and comes back: `size` degrees from `start`, rising for
  /// `rise` s, held for `hold` s, back in `rise` s.
  struct Excursion: Sendable {
    var start: Double, rise: Double, hold: Double, size: Double
    func value(_ t: Double) -> Double {
      let up = SessionAnalyzerTests.ramp(t, start, start + rise)
      let down = SessionAnalyzerTests.ramp(t, start + rise + hold, end)
      return size * (up - down)
    }
    var end: Double { start + 2 * rise + hold }
  }

  /// Rolls about the long axis and reps about the left–right axis. The first excursion to reach
  /// 16° took the axis for good, so a large roll before the first rise cost every rep; now a
  /// clearly larger rise takes it over. The guards are orders a rule by degree-seconds got wrong
  /// (long rolls, short holds) or where a larger roll must not take the axis from confirmed reps.
  @Test(arguments: [
    // Before: the roll took the axis, both reps read as nothing and the roll was the one rep.
    (
      "an 18° roll before the first rise",
      [Excursion(start: 5, rise: 1, hold: 5, size: 18)],
      [Excursion(start: 16, rise: 2, hold: 16, size: 22), Excursion(start: 42, rise: 2, hold: 14, size: 24)]
    ),
    // Before: no axis was ever taken, and the roll counted as a second rep.
    (
      "a 12° rep and a 12° roll",
      [Excursion(start: 30, rise: 1, hold: 3, size: 12)],
      [Excursion(start: 5, rise: 2, hold: 16, size: 12)]
    ),
    // Guards.
    (
      "an 8° roll held 20 s, then four 11° reps held 3 s",
      [Excursion(start: 5, rise: 1, hold: 20, size: 8)],
      [
        Excursion(start: 32, rise: 1.5, hold: 3, size: 11), Excursion(start: 44, rise: 1.5, hold: 3, size: 11),
        Excursion(start: 56, rise: 1.5, hold: 3, size: 11), Excursion(start: 68, rise: 1.5, hold: 3, size: 11),
      ]
    ),
    (
      "two reps of 14° and 11°, an 18° roll, a third rep",
      [Excursion(start: 50, rise: 1, hold: 6, size: 18)],
      [
        Excursion(start: 5, rise: 2, hold: 20, size: 14), Excursion(start: 32, rise: 2, hold: 10, size: 11),
        Excursion(start: 64, rise: 2, hold: 20, size: 13),
      ]
    ),
    (
      "a short 24° rep, then a longer 9° roll",
      [Excursion(start: 15, rise: 1, hold: 6, size: 9)],
      [Excursion(start: 5, rise: 1.5, hold: 4, size: 24), Excursion(start: 28, rise: 2, hold: 14, size: 26)]
    ),
  ])
  func theRisesKeepTheirRepsWhateverTheRolls(
    _ name: String, rolls: [Excursion], reps: [Excursion]
  ) {
    var a = SessionAnalyzer<AccelerometerVertical>(makeEstimator: { AccelerometerVertical() })
    let duration = (rolls + reps).map(\.end).max()! + 5
    for s in samples(
      theta: { t in reps.reduce(0) { $0 + $1.value(t) } },
      roll: { t in rolls.reduce(0) { $0 + $1.value(t) } }, load: nil, duration: duration)
    {
      _ = a.process(s)
    }
    let summary = a.finish()
    #expect(summary.repCount == reps.count, "\(name): \(summary.reps)")
    guard summary.repCount == reps.count else { return }
    for (found, rep) in zip(summary.reps, reps) {
      // A rep that began while a roll held the axis is found from when it took the axis over.
      let through5 = rep.rise * 5 / rep.size
      #expect(found.start > rep.start + through5 - 0.3, "\(name): \(found)")
      #expect(found.start < rep.end - 3, "\(name): \(found)")
      #expect(abs(found.end - (rep.end - through5)) < 0.3, "\(name): \(found)")
      #expect(abs((found.peakDeg ?? .nan) - rep.size) < 1, "\(name): \(found)")
    }
  }

  @Test func summaryJSONUsesTheSpecNames() throws {
    var a = SessionAnalyzer<AccelerometerVertical>(makeEstimator: { AccelerometerVertical() })
    for s in samples(theta: Self.theta, load: nil, duration: 25) { _ = a.process(s) }
    let summary = a.finish()
    let data = try JSONEncoder().encode(summary)
    let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let reps = obj?["reps"] as? [[String: Any]]
    let holds = obj?["holds"] as? [[String: Any]]
    #expect(obj?["breath_steps"] is [Any])
    #expect(reps?.first?["peak_deg"] is Double)
    #expect(reps?.first?["start"] is Double)
    #expect(holds?.first?["mean_deg"] is Double)
    #expect(holds?.first?["kind"] as? String == "traction")
    // And back, and as the scorer reads it.
    let back = try JSONDecoder().decode(SessionSummary.self, from: data)
    #expect(back == summary)
    let labels = try JSONDecoder().decode(SessionLabels.self, from: data)
    #expect(labels.reps.count == 1 && labels.holds.count == 1)
  }
}

/// Every hold announced live is ended (or merged) before the stream ends, and lasts 2 s, also
/// when the rep ends right after the announcement: a fall to a level just above the rep
/// threshold, held for about the 2 s, then a slow sink below the threshold (a review found 64 of
/// 2400 such cases where the hold was announced from the newest bins and then silently dropped).
@Suite struct AnnouncedHoldsEndTests {
  @Test func everyAnnouncedHoldEnds() {
    var failures: [String] = []
    for level in [5.6, 6.0, 6.2, 6.5] {
      for heldFor in stride(from: 1.0, through: 2.5, by: 0.025) {
        for offset in [0.0, 0.013, 0.026, 0.039] {
          func theta(_ t: Double) -> Double {
            if t < 1 { return 0 }
            if t < 2 { return 10 * (t - 1) }
            if t < 5.5 { return 10 }
            if t < 6.5 { return 10 - (10 - level) * (t - 5.5) }
            let sink = 6.5 + heldFor
            return t < sink ? level : level - (level - 4.6) * min(1, (t - sink) / 0.8)
          }
          var d = ExerciseDetector()
          var open = Set<Int>()
          var short: [Hold] = []
          func take() {
            for e in d.takeEvents() {
              switch e {
              case .holdStarted(let i, _): open.insert(i)
              case .holdEnded(let i, let r):
                open.remove(i)
                if r.hold.duration < 2 - 1e-9 { short.append(r.hold) }
              case .holdMerged(let i, _): open.remove(i)
              case .repsWithdrawn: open.removeAll()
              default: break
              }
            }
          }
          for k in 0...1200 {
            let t = Double(k) / 100
            d.push(t: offset + t, value: theta(t))
            take()
          }
          d.finish()
          take()
          if !open.isEmpty || !short.isEmpty {
            failures.append("level \(level) held \(heldFor) s offset \(offset): open \(open), short \(short)")
          }
        }
      }
    }
    #expect(failures.count == 0, "e.g. \(failures.prefix(3))")
  }
}

/// A breath step is announced when its plateau has lasted 2 s; if the plateau then sinks back so
/// that its full mean is under 90% of a step above the hold before, the step was breathing and is
/// withdrawn. The event stream says so, so a listener's steps always match the summary's (a
/// review found the withdrawal silent: a listener kept the step, and the next one would have
/// come with the same index).
@Suite struct WithdrawnStepTests {
  /// Hold at 15°, a rise of `top` at 10 s, a sink of `sink` at 13.5 s, lowering at 22 s.
  @Test(arguments: [(0.3, 1.1, false), (0.5, 1.1, true), (0.7, 1.3, true)])
  func eventsFollowTheSummary(sink: Double, top: Double, withdrawn: Bool) {
    func smooth(_ u: Double) -> Double { u >= 1 ? 1 : u <= 0 ? 0 : (1 - cos(.pi * u)) / 2 }
    var d = ExerciseDetector()
    var steps: [BreathStep] = []
    var withdrawals = 0
    var outOfOrder: [DetectionEvent] = []
    func take() {
      for e in d.takeEvents() {
        switch e {
        case .breathStep(let i, let s):
          if i != steps.count { outOfOrder.append(e) }
          steps.append(s)
        case .breathStepWithdrawn(let i):
          if i != steps.count - 1 { outOfOrder.append(e) }
          steps.removeLast()
          withdrawals += 1
        default: break
        }
      }
    }
    for k in 0..<3000 {
      let t = Double(k) / 100
      var v = 15 * smooth((t - 2) / 1.5) + top * smooth((t - 10) / 1.0) - sink * smooth((t - 13.5) / 1.0)
      v -= (15 + top - sink) * smooth((t - 22) / 1.5)
      d.push(t: t, value: v + 0.1 * sin(2 * .pi * t / 4))
      take()
    }
    d.finish()
    take()
    #expect(outOfOrder.isEmpty)
    #expect(withdrawals == (withdrawn ? 1 : 0))
    #expect(steps.map(\.t) == d.breathSteps.map(\.step.t))
    #expect(d.breathSteps.count == (withdrawn ? 0 : 1))
  }
}

/// A hold longer than the detector's history (rings of ~100 s) is read, when it closes, only as
/// far back as the rings still hold it (its last minute). Before, a hold of 130 s with a slow
/// sag was split 102 s before its end, where the overwritten bins met the new ones.
@Suite struct LongHoldTests {
  @Test(arguments: [60.0, 105, 130, 160, 200])
  func aLongSaggingHoldStaysOne(seconds: Double) {
    func smooth(_ u: Double) -> Double { u >= 1 ? 1 : u <= 0 ? 0 : (1 - cos(.pi * u)) / 2 }
    let lowerAt = 6 + seconds
    var d = ExerciseDetector()
    var k = 0
    while Double(k) / 100 < lowerAt + 8 {
      let t = Double(k) / 100
      // Up to 15°, sagging 3° over the hold, breathing ±0.25° every 3.7 s.
      var v = 15 * smooth((t - 4) / 1.5) - 3 * min(1, max(0, (t - 6) / seconds))
      v += min(1, max(0, v / 8)) * 0.5 * DetectionQuietStepTests.breath(t, period: 3.7)
      d.push(t: t, value: v - 12 * smooth((t - lowerAt) / 0.8))
      k += 1
    }
    d.finish()
    #expect(d.reps.count == 1)
    #expect(d.holds.count == 1, "\(d.holds.map(\.hold))")
    #expect(d.breathSteps.isEmpty)
  }
}
