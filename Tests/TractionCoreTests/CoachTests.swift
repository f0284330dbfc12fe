import Testing

@testable import TractionCore

@Suite struct CoachTests {
  func output(_ t: Double, theta: Double? = 0, _ events: [DetectionEvent] = []) -> SampleOutput {
    var batch = EventBatch()
    for e in events { batch.append(e) }
    return SampleOutput(t: t, thetaDeg: theta, hasAxis: true, events: batch)
  }

  /// Runs the coach over 100 Hz outputs; `events` maps a time to what the detector emits then.
  func run(_ coach: inout Coach, from t0: Double, to t1: Double, events: [Double: [DetectionEvent]]) -> [Cue] {
    var cues: [Cue] = []
    var k = Int((t0 * 100).rounded())
    while Double(k) / 100 <= t1 {
      let t = Double(k) / 100
      let key = events.keys.first { abs($0 - t) < 0.005 }
      if let c = coach.process(output(t, key.map { events[$0] ?? [] } ?? [])) { cues.append(c) }
      k += 1
    }
    return cues
  }

  @Test func readyOnceThetaIsKnownThenRepAndHoldInTurn() {
    var coach = Coach()
    let hold = Hold(start: 5, end: 5, kind: .traction, meanDeg: 15)
    let cues = run(
      &coach, from: 0, to: 12,
      events: [7.0: [.repStarted(index: 0, start: 4), .holdStarted(index: 0, hold: hold)]])
    #expect(cues.map(\.kind) == [.ready, .repStarted, .holding])
    // The hold's cue waited for the cooldown instead of talking over the rep's.
    #expect(abs(cues[2].t - (7.0 + coach.cooldownSeconds)) < 0.02)
  }

  /// With the elbow force only there is no θ: the coach still says it is ready, and a rep's peak
  /// (a force) is not read out as degrees. A force of 1e302 N (a wrong `--load-scale`) used to trap
  /// converting the peak to Int.
  @Test func aForceOnlySessionIsCoachedWithoutDegrees() {
    var coach = Coach()
    var cues: [Cue] = []
    let rep = Rep(start: 2, end: 9, peakDeg: 1e302)
    let done = RepRecord(rep: rep, holdCount: 1, breathStepCount: 0, completedTop: false, cutShort: false)
    for k in 0...1000 {
      let t = Double(k) / 100
      var batch = EventBatch()
      if k == 250 { batch.append(.repStarted(index: 0, start: 2)) }
      if k == 900 { batch.append(.repEnded(index: 0, record: done)) }
      var out = SampleOutput(t: t, loadAboveBaselineN: k < 200 ? 0.3 : 1e302, events: batch)
      out.mode = .load
      if let c = coach.process(out) { cues.append(c) }
    }
    #expect(cues.map(\.kind) == [.ready, .repStarted, .repDone])
    #expect(cues.last?.text == "Rep 1 done. Rest, then go again.")
    #expect(Coach.degrees(1e302) == "1e+302 degrees")
    // With an IMU beside the load cell, "Ready" still waits for θ (the force's baseline comes
    // first when the IMU has no θ yet).
    var imuCoach = Coach()
    var withIMU = SampleOutput(t: 5, loadAboveBaselineN: 0.2)
    withIMU.mode = .imu
    #expect(imuCoach.process(withIMU) == nil)
    withIMU.thetaDeg = 0
    withIMU.t = 6
    #expect(imuCoach.process(withIMU)?.kind == .ready)
    #expect(Coach.degrees(12.04) == "12 degrees")
    #expect(Coach.degrees(12.26) == "12.3 degrees")
  }

  @Test func topHoldIsCountedOutAfterTheThirdStep() {
    var coach = Coach()
    let top = Hold(start: 20, end: 20, kind: .step, meanDeg: 20)
    var events: [Double: [DetectionEvent]] = [1: [.repStarted(index: 0, start: 0.5)]]
    events[5] = [.breathStep(index: 0, step: BreathStep(t: 4.5, riseDeg: 2))]
    events[10] = [.breathStep(index: 1, step: BreathStep(t: 9.5, riseDeg: 2))]
    events[19] = [.breathStep(index: 2, step: BreathStep(t: 18.5, riseDeg: 3))]
    events[22] = [.holdStarted(index: 3, hold: top)]
    let cues = run(&coach, from: 0, to: 30, events: events)
    let counts = cues.filter { $0.kind == .topCountdown || $0.kind == .topDone }
    #expect(counts.map(\.text.first) == ["3", "4", "5"])
    // Counted from the hold's own start (20 s), not from when it was announced.
    #expect(counts.map { ($0.t * 10).rounded() / 10 } == [23, 24, 25])
  }

  @Test func aSunkExhaleIsSaidAtOnceEvenDuringTheCooldown() {
    var coach = Coach()
    let cues = run(
      &coach, from: 0, to: 8,
      events: [
        4.0: [.breathStep(index: 0, step: BreathStep(t: 3.5, riseDeg: 2))],
        4.5: [.exhaleResult(index: 0, kept: false)],
      ])
    #expect(cues.map(\.kind) == [.ready, .breathStep, .sank])
    #expect(cues.last?.urgent == true)
    #expect(abs((cues.last?.t ?? 0) - 4.5) < 0.02)
  }

  @Test func aStaleHeldBackCueIsDropped() {
    var coach = Coach()
    coach.cooldownSeconds = 5
    coach.pendingMaxAgeSeconds = 1
    let hold = Hold(start: 1, end: 1, kind: .traction, meanDeg: 10)
    let cues = run(&coach, from: 0, to: 12, events: [3.5: [.holdStarted(index: 0, hold: hold)]])
    // Ready at 3.0 s; the hold at 3.5 s falls in the 5 s cooldown and is 4.5 s old after it.
    #expect(cues.map(\.kind) == [.ready])
  }

  /// A breath step that stayed inside the breathing is found when its plateau ends: its hold
  /// comes with its own end, and the step seconds late. Neither is said (the person has moved
  /// on), but the step still counts toward the top hold's countdown.
  @Test func stepsAndHoldsFoundLateAreCountedNotSaid() {
    var coach = Coach()
    let late = Hold(start: 9, end: 12, kind: .step, meanDeg: 17)
    let top = Hold(start: 20, end: 20, kind: .step, meanDeg: 20)
    var events: [Double: [DetectionEvent]] = [1: [.repStarted(index: 0, start: 0.5)]]
    events[5] = [.breathStep(index: 0, step: BreathStep(t: 4.5, riseDeg: 2))]
    events[12.5] = [
      .exhaleResult(index: 0, kept: true),
      .breathStep(index: 1, step: BreathStep(t: 6.5, riseDeg: 1.1)),
      .holdStarted(index: 1, hold: late),
      .holdEnded(index: 1, record: HoldRecord(hold: late, repIndex: 0, sdDeg: 0.3)),
    ]
    events[19] = [.breathStep(index: 2, step: BreathStep(t: 18.5, riseDeg: 3))]
    events[22] = [.holdStarted(index: 3, hold: top)]
    let cues = run(&coach, from: 0, to: 30, events: events)
    let steps = cues.filter { $0.kind == .breathStep }
    #expect(
      steps.map(\.text) == ["Step 1, up 2 degrees. Keep it.", "Step 3, up 3 degrees. Hold it."])
    // A step's hold is not praised when it is announced: only the exhale's verdict says "kept".
    // The verdict that came with the late step is said on its own (before, it was folded into the
    // step's cue, which was not said, and so lost).
    #expect(cues.filter { $0.kind == .keepHeight }.map(\.text) == ["Height kept."])
    let counts = cues.filter { $0.kind == .topCountdown || $0.kind == .topDone }
    #expect(counts.map(\.text.first) == ["3", "4", "5"])
  }

  /// The signal lost for 4 s in the top hold (a bridged gap): the marks it passed meanwhile are
  /// not counted out in a burst when it comes back; the last one is said.
  @Test func aCountdownResumedAfterAGapSaysOnlyWhereItIs() {
    var coach = Coach()
    var events: [Double: [DetectionEvent]] = [1: [.repStarted(index: 0, start: 0.5)]]
    for (i, t) in [3.0, 6.0, 9.0].enumerated() {
      events[t] = [.breathStep(index: i, step: BreathStep(t: t - 0.5, riseDeg: 2))]
    }
    let top = Hold(start: 10, end: 10, kind: .step, meanDeg: 22)
    events[12] = [.holdStarted(index: 3, hold: top)]
    var cues = run(&coach, from: 0, to: 12.5, events: events)
    // Nothing comes from 12.5 s to 16.5 s; then the hold has lasted 6.5 s.
    cues += run(&coach, from: 16.5, to: 18, events: [:])
    let counts = cues.filter { $0.kind == .topCountdown || $0.kind == .topDone }
    #expect(counts.map(\.text) == ["5. Exhale and relax down."])
    #expect(counts.first.map { abs($0.t - 16.5) < 0.02 } == true)
  }

  /// A step cue and the verdict on the exhale before it come out together: one cue says both.
  /// Before, one slot held back routine cues and the newer overwrote the older, so steps went
  /// unsaid. A verdict that comes alone is its own cue.
  @Test func aStepAndTheVerdictBeforeItAreBothSaid() {
    var coach = Coach()
    let cues = run(
      &coach, from: 0, to: 20,
      events: [
        4.0: [.breathStep(index: 0, step: BreathStep(t: 3.5, riseDeg: 2))],
        9.0: [
          .exhaleResult(index: 0, kept: true), .breathStep(index: 1, step: BreathStep(t: 8.5, riseDeg: 2)),
        ],
        9.2: [.holdStarted(index: 2, hold: Hold(start: 9.2, end: 9.2, kind: .step, meanDeg: 19))],
        15.0: [.exhaleResult(index: 1, kept: true)],
      ])
    #expect(cues.map(\.kind) == [.ready, .breathStep, .breathStep, .keepHeight])
    #expect(cues.map(\.text).dropFirst(2).first == "Height kept. Step 2, up 2 degrees. Keep it.")
    #expect(cues.dropFirst().map { ($0.t * 10).rounded() / 10 } == [4, 9, 15])
  }

  /// The hold's cue, which comes a moment after the rep's, waits only for "Rep 1." to be said.
  /// (It waited out a 2.5 s cooldown after a longer rep cue, and was said after some holds had
  /// ended.)
  @Test func theHoldsCueFollowsTheRepsWithoutWaiting() {
    var coach = Coach()
    let hold = Hold(start: 5, end: 5, kind: .traction, meanDeg: 12)
    let cues = run(
      &coach, from: 0, to: 12,
      events: [7.0: [.repStarted(index: 0, start: 4)], 7.2: [.holdStarted(index: 0, hold: hold)]])
    #expect(cues.map(\.kind) == [.ready, .repStarted, .holding])
    #expect(cues.map(\.text).dropFirst().first == "Rep 1.")
    #expect((cues.last?.t ?? 99) - 7.2 <= 0.65, "\(cues)")
  }

  /// A roll read as a rep before the first rise is withdrawn: the person hears the correction and
  /// the next rep has the right number.
  @Test func aWithdrawnRepIsCorrectedAloud() {
    var coach = Coach()
    let rep = RepRecord(
      rep: Rep(start: 4, end: 9, peakDeg: 10), holdCount: 0, breathStepCount: 0, completedTop: false, cutShort: false)
    let cues = run(
      &coach, from: 0, to: 30,
      events: [
        5.0: [.repStarted(index: 0, start: 4)], 9.0: [.repEnded(index: 0, record: rep)],
        20.0: [.repsWithdrawn(count: 1)], 24.0: [.repStarted(index: 0, start: 21)],
      ])
    #expect(cues.map(\.kind) == [.ready, .repStarted, .repDone, .repWithdrawn, .repStarted])
    #expect(cues.map(\.text).suffix(2) == ["That was not a rep. 0 so far.", "Rep 1."])
  }

  /// A step the detector withdraws (its plateau's full mean did not bear it out) no longer counts:
  /// the next one is said with its number again, and the top hold waits for a real third step.
  @Test func aWithdrawnStepNoLongerCounts() {
    var coach = Coach()
    let top = Hold(start: 20, end: 20, kind: .step, meanDeg: 20)
    var events: [Double: [DetectionEvent]] = [1: [.repStarted(index: 0, start: 0.5)]]
    events[5] = [.breathStep(index: 0, step: BreathStep(t: 4.5, riseDeg: 2))]
    events[9] = [.breathStep(index: 1, step: BreathStep(t: 8.5, riseDeg: 1.1))]
    events[12] = [.breathStepWithdrawn(index: 1)]
    events[15] = [.breathStep(index: 1, step: BreathStep(t: 14.5, riseDeg: 2))]
    events[22] = [.holdStarted(index: 2, hold: top)]
    let cues = run(&coach, from: 0, to: 30, events: events)
    #expect(cues.filter { $0.kind == .breathStep }.map { String($0.text.prefix(6)) } == ["Step 1", "Step 2", "Step 2"])
    // Two steps stand: the hold at 20 s is not the top one.
    #expect(cues.filter { $0.kind == .topCountdown || $0.kind == .topDone }.isEmpty)
  }

  /// A hold that turns out to continue the one before (`holdMerged`) has ended: its countdown
  /// stops (a review found the coach counting on from the merged hold's start).
  @Test func aMergedHoldIsNoLongerCountedOut() {
    var coach = Coach()
    let top = Hold(start: 20, end: 20, kind: .step, meanDeg: 20)
    var events: [Double: [DetectionEvent]] = [1: [.repStarted(index: 0, start: 0.5)]]
    for (k, t) in [5.0, 10, 15].enumerated() {
      events[t] = [.breathStep(index: k, step: BreathStep(t: t - 0.5, riseDeg: 2))]
    }
    events[22] = [.holdStarted(index: 3, hold: top)]
    events[22.5] = [.holdMerged(index: 3, into: 2)]
    let cues = run(&coach, from: 0, to: 30, events: events)
    #expect(cues.filter { $0.kind == .topCountdown || $0.kind == .topDone }.isEmpty)
  }
}
