/// A spoken or shown cue for the person on the mat, whose eyes are on the floor: short, one at a
/// time, worded to be heard.
public struct Cue: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable, Codable {
    case ready, repStarted, holding, breathStep, keepHeight, sank, topCountdown, topDone, repDone, rest
    case sessionDone, repWithdrawn
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
/// at a time, a routine cue only once the one before has been said, and a countdown of the 5 s top
/// hold. Streaming: `process` per sample; it allocates only when a cue is made (a few per minute).
public struct Coach: Sendable {
  /// The least time between two non-urgent cues; a longer cue takes the time it takes to say
  /// (`spokenSeconds`).
  public var cooldownSeconds = 0.8
  /// The top hold the anchored variant asks for.
  public var topHoldSeconds = 5.0

  /// When the last cue said will have been spoken.
  private var quietAt = -Double.infinity
  private var repsDone = 0
  private var stepsThisRep = 0
  private var inRep = false
  private var holdStart: Double?
  private var holdIndex = -1
  private var countdownNext = 0
  private var readyAnnounced = false
  /// Routine cues that came while another was being said, in order: each is said when the one
  /// before has been, if still fresh. (One slot, the newest winning, lost step cues: a step cue
  /// and the verdict on the exhale before it come together.)
  private var pending: [Cue] = []
  /// The most cues held back; the oldest goes first when more come.
  public var pendingCapacity = 4
  /// How long a held-back cue stays worth saying.
  public var pendingMaxAgeSeconds = 3.0
  /// A breath step announced later than this after it happened is not said (on time, it comes
  /// when the plateau it reached has lasted 2 s: up to ~4.5 s after the middle of a slow rise).
  public var lateStepSeconds = 5.0

  public init() {}

  /// Feeds one sample's pipeline output; returns the cue to give now, if any.
  public mutating func process(_ out: SampleOutput) -> Cue? {
    var cue: Cue?
    var held: [Cue] = []
    func offer(_ c: Cue) {
      // Urgent cues win over routine ones that came with the same sample; the other is held.
      guard let current = cue else {
        cue = c
        return
      }
      if c.urgent && !current.urgent {
        held.append(current)
        cue = c
      } else {
        held.append(c)
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
        // Short, so the hold's cue, which usually comes a moment later, is not kept waiting.
        offer(Cue(t: out.t, kind: .repStarted, text: "Rep \(repsDone + 1)."))
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
        // A step's hold was cued with its step ("keep the height"); whether it was kept is known
        // only at the next step (`exhaleResult`).
        if hold.kind == .traction {
          offer(Cue(t: out.t, kind: .holding, text: "Holding. Drive the elbows down and back, breathe."))
        }
      case .holdEnded(let index, _):
        if index == holdIndex { holdStart = nil }
      case .breathStep(_, let step):
        stepsThisRep += 1
        // A step found only when its plateau ended is counted but not said: the moment is past.
        if out.t - step.t > lateStepSeconds { continue }
        let next = stepsThisRep >= 3 ? "Hold it." : "Keep it."
        // The verdict on the exhale before comes with the step: one cue, so neither waits.
        let keptBefore = out.events.contains {
          if case .exhaleResult(_, true) = $0 { return true } else { return false }
        }
        offer(
          Cue(
            t: out.t, kind: .breathStep,
            text: (keptBefore ? "Height kept. " : "")
              + "Step \(stepsThisRep), up \(Self.degrees(step.riseDeg)). \(next)"))
      case .exhaleResult(_, let kept):
        // Folded into a step cue only when that step is said (not found too late).
        let withStep = out.events.contains {
          if case .breathStep(_, let step) = $0 { return out.t - step.t <= lateStepSeconds }
          return false
        }
        if kept {
          if !withStep { offer(Cue(t: out.t, kind: .keepHeight, text: "Height kept.")) }
        } else {
          offer(Cue(t: out.t, kind: .sank, text: "The chest sank on that exhale. Keep the height.", urgent: true))
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
      case .repsWithdrawn(let count):
        // A roll read as a rep before the left–right axis was known: the count said was wrong.
        guard count > 0 else { break }
        repsDone = max(0, repsDone - count)
        let word = count == 1 ? "That was not a rep" : "Those were not reps"
        offer(Cue(t: out.t, kind: .repWithdrawn, text: "\(word). \(repsDone) so far.", urgent: true))
      case .holdKindRevised:
        break
      }
    }
    // The top hold's countdown: a hold reached by the third breath step is the top one.
    if inRep, stepsThisRep >= 3, let start = holdStart {
      let held = out.t - start
      // Counted out loud at 3, 4 and 5 s (the hold is announced once it has lasted 2 s).
      func mark(_ n: Int) -> Double { topHoldSeconds - 2 + Double(n) }
      // Marks passed together (the signal came back after a bridged gap) are said as the last.
      while countdownNext < 2, held >= mark(countdownNext + 1) { countdownNext += 1 }
      let due = mark(countdownNext)
      if countdownNext < 3, held >= due {
        countdownNext += 1
        if due >= topHoldSeconds {
          offer(Cue(t: out.t, kind: .topDone, text: "\(Int(due)). Exhale and relax down.", urgent: true))
        } else {
          offer(Cue(t: out.t, kind: .topCountdown, text: "\(Int(due))", urgent: true))
        }
      }
    }
    let speaking = out.t < quietAt
    if let c = cue, c.urgent || (!speaking && pending.isEmpty) {
      hold(held)
      return say(c)
    }
    if let c = cue { hold([c]) }
    hold(held)
    guard !speaking else { return nil }
    while !pending.isEmpty {
      var p = pending.removeFirst()
      if out.t - p.t <= pendingMaxAgeSeconds {
        p.t = out.t
        return say(p)
      }
    }
    return nil
  }

  private mutating func hold(_ cues: [Cue]) {
    for c in cues {
      if pending.count >= pendingCapacity { pending.removeFirst() }
      pending.append(c)
    }
  }

  private mutating func say(_ c: Cue) -> Cue {
    quietAt = c.t + max(cooldownSeconds, Self.spokenSeconds(c.text))
    return c
  }

  /// About how long a cue takes to say: 15 characters a second and a breath after it.
  public static func spokenSeconds(_ text: String) -> Double {
    0.3 + Double(text.count) / 15
  }

  static func degrees(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    // Whole degrees without ".0", through Int only where it fits (an absurd value must not trap).
    guard r == r.rounded(), abs(r) < 1e9 else { return "\(r) degrees" }
    return "\(Int(r)) degrees"
  }
}
