/// A spoken or shown cue for the person on the mat, whose eyes are on the floor: short, one at a
/// time, worded to be heard.
public struct Cue: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable, Codable {
    case ready, repStarted, holding, breathStep, keepHeight, sank, topCountdown, topDone, repDone, rest
    case sessionDone
  }
  public var t: Double
  public var kind: Kind
  public var text: String
  /// Worth saying even if another cue was just said (a rep's end, a correction).
  public var urgent: Bool

  public init(t: Double, kind: Kind, text: String, urgent: Bool = false) {
    self.t = t
    self.kind = kind
    self.text = text
    self.urgent = urgent
  }
}

/// Turns the detector's events into cues, with the pacing that camera coaching apps use: one cue
/// at a time, a cooldown between non-urgent cues, and a countdown of the 5 s top hold. Streaming:
/// `process` per sample; it allocates only when a cue is made (a few per minute).
public struct Coach: Sendable {
  /// Seconds between two non-urgent cues.
  public var cooldownSeconds = 2.5
  /// The top hold the anchored variant asks for.
  public var topHoldSeconds = 5.0

  private var lastCueT = -Double.infinity
  private var repsDone = 0
  private var stepsThisRep = 0
  private var inRep = false
  private var holdStart: Double?
  private var holdIndex = -1
  private var countdownNext = 0
  private var readyAnnounced = false
  /// A routine cue that came during the cooldown (or beside another cue): said when the
  /// cooldown ends, if it is still fresh. One slot; the newest wins.
  private var pending: Cue?
  /// How long a held-back cue stays worth saying.
  public var pendingMaxAgeSeconds = 3.0
  /// A breath step announced later than this after it happened is not said (on time, it comes
  /// when the plateau it reached has lasted 2 s: up to ~4.5 s after the middle of a slow rise).
  public var lateStepSeconds = 5.0

  public init() {}

  /// Feeds one sample's pipeline output; returns the cue to give now, if any.
  public mutating func process(_ out: SampleOutput) -> Cue? {
    var cue: Cue?
    var held: Cue?
    func offer(_ c: Cue) {
      // Urgent cues win over routine ones that came with the same sample; the other is held.
      guard let current = cue else {
        cue = c
        return
      }
      if c.urgent && !current.urgent {
        held = current
        cue = c
      } else {
        held = c
      }
    }
    // On the elbow force alone (no IMU) there is never a θ: ready once the force's lying
    // baseline is known. A rep's peak is then a force, not said in degrees.
    let forceOnly = out.mode == .load
    if !readyAnnounced, out.thetaDeg != nil || (forceOnly && out.loadAboveBaselineN != nil) {
      readyAnnounced = true
      offer(Cue(t: out.t, kind: .ready, text: "Ready. Rise onto your elbows when you like."))
    }
    for event in out.events {
      switch event {
      case .repStarted(let index, _):
        inRep = true
        stepsThisRep = 0
        offer(Cue(t: out.t, kind: .repStarted, text: "Rep \(index + 1). Drive the elbows down and back."))
      case .holdStarted(let index, let hold):
        // A hold found only as it ended (split off at a breath step found late) is not news for
        // the person on the mat, who has already moved on.
        let endedNow = out.events.contains {
          if case .holdEnded(index, _) = $0 { return true } else { return false }
        }
        if endedNow { continue }
        holdStart = hold.start
        holdIndex = index
        countdownNext = 0
        if hold.kind == .traction {
          offer(Cue(t: out.t, kind: .holding, text: "Holding. Keep the traction, breathe."))
        } else {
          offer(Cue(t: out.t, kind: .keepHeight, text: "Good, height kept."))
        }
      case .holdEnded(let index, _):
        if index == holdIndex { holdStart = nil }
      case .breathStep(_, let step):
        stepsThisRep += 1
        // A step found only when its plateau ended is counted but not said: the moment is past.
        if out.t - step.t > lateStepSeconds { continue }
        let next = stepsThisRep >= 3 ? "Hold it there." : "Exhale, keep the height."
        offer(
          Cue(t: out.t, kind: .breathStep, text: "Step \(stepsThisRep), up \(Self.degrees(step.riseDeg)). \(next)"))
      case .exhaleResult(_, let kept):
        if !kept {
          offer(Cue(t: out.t, kind: .sank, text: "The chest sank. Lift back up.", urgent: true))
        }
      case .repEnded(_, let record):
        inRep = false
        holdStart = nil
        repsDone += 1
        var text = "Rep \(repsDone) done."
        if !forceOnly { text += " Peak \(Self.degrees(record.rep.peakDeg))." }
        if record.breathStepCount > 0 {
          text += record.completedTop ? " Top hold complete." : " Top hold was short of \(Int(topHoldSeconds)) seconds."
        }
        text += repsDone >= 3 ? " That is \(repsDone) reps, well done." : " Rest, then go again."
        offer(Cue(t: out.t, kind: .repDone, text: text, urgent: true))
      case .breathStepWithdrawn:
        // Said already; the next step gets its number again, and the top-hold countdown waits.
        stepsThisRep = max(0, stepsThisRep - 1)
      case .holdMerged(let index, _):
        // The plateau announced as this hold continued the one before, and has ended.
        if index == holdIndex { holdStart = nil }
      case .holdKindRevised, .repsWithdrawn:
        break
      }
    }
    // The top hold's countdown: a hold reached by the third breath step is the top one.
    if inRep, stepsThisRep >= 3, let start = holdStart {
      let held = out.t - start
      // Counted out loud at 3, 4 and 5 s (the hold is announced once it has lasted 2 s).
      let mark = countdownNext == 0 ? topHoldSeconds - 2 : countdownNext == 1 ? topHoldSeconds - 1 : topHoldSeconds
      if countdownNext < 3, held >= mark {
        countdownNext += 1
        if mark >= topHoldSeconds {
          offer(Cue(t: out.t, kind: .topDone, text: "\(Int(mark)). Exhale and relax down.", urgent: true))
        } else {
          offer(Cue(t: out.t, kind: .topCountdown, text: "\(Int(mark))", urgent: true))
        }
      }
    }
    if let h = held { pending = h }
    let cooling = out.t - lastCueT < cooldownSeconds
    if let c = cue {
      if c.urgent || !cooling {
        lastCueT = out.t
        return c
      }
      pending = c
      return nil
    }
    if let p = pending, !cooling {
      pending = nil
      guard out.t - p.t <= pendingMaxAgeSeconds else { return nil }
      lastCueT = out.t
      return Cue(t: out.t, kind: p.kind, text: p.text, urgent: p.urgent)
    }
    return nil
  }

  static func degrees(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    // Whole degrees without ".0", through Int only where it fits (an absurd value must not trap).
    guard r == r.rounded(), abs(r) < 1e9 else { return "\(r) degrees" }
    return "\(Int(r)) degrees"
  }
}
