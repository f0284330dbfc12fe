/// The thresholds of the exercise model (exercise-model.md), in the unit of the detected signal
/// (degrees of θ; newtons for the load-only detector) and in seconds, never in samples.
public struct DetectorConfig: Sendable, Equatable {
  /// Width of the time bins the signal is averaged into (s); the detector works on these, so the
  /// sample rate (50–400 Hz) does not change its behaviour.
  public var binSeconds = 0.05
  /// A rep starts when the signal rises through this and ends when it falls back through it.
  public var repThreshold = 5.0
  /// A rep must peak above this…
  public var repMinPeak = 8.0
  /// …and last at least this long (s).
  public var repMinSeconds = 3.0
  /// A fall below the rep threshold must last this long (s) to end the rep (brief dips merge).
  public var repEndConfirmSeconds = 0.3
  /// Shortest hold (s).
  public var holdMinSeconds = 2.0
  /// A hold keeps within this of its own mean, ripple set aside: two plateaus of a rep whose means
  /// are both this close to their joint mean can be one hold (a sag that is not a new height).
  public var holdBand = 1.5
  /// A hold ends when the smoothed signal leaves its mean by more than the exit band: at least
  /// `holdExitMin`, widened by half the swing (ripple) seen so far in the hold, at most `holdExitMax`.
  public var holdExitMin = 1.0
  public var holdExitMax = 2.0
  /// A movement has come to rest when its slope falls below this (unit/s)…
  public var calmSlope = 0.8
  /// …or it has turned back by more than this from its extreme.
  public var retreat = 0.3
  /// A breath step rises at least this much from one plateau to the next…
  public var stepMinRise = 1.0
  /// …within this time (s), with a little tolerance for the detection of the plateau edges. The
  /// lower bound is tested on a rise found inside the breathing (trough to top) and before merging
  /// two plateaus; between two plateaus their bands take in part of the rise, so there only the
  /// upper bound is.
  public var stepMinSeconds = 0.4
  public var stepMaxSeconds = 4.5
  /// An exhale is kept when the chest sinks no more than this below the new plateau.
  public var keptExhaleMaxSink = 1.0
  /// A top hold of at least this long is completed (s).
  public var topCompleteSeconds = 5.0
  /// Gaps in time up to this long (s) are bridged by interpolation between the readings either
  /// side; longer ones reset the detector. A hold or a rep the sensor lost for a few seconds (a
  /// bus fault, a loose cable) goes on across the gap when the signal after it says so; a longer
  /// gap could hide the rest between two reps (lowering, lying, rising: over 5 s in every corpus).
  public var maxBridgedGapSeconds = 5.0
  /// Bridged gaps longer than this (s) are reported (`SessionWarning.gapBridged`): what the
  /// detector found across them is inferred. Shorter ones are a few dropped readings.
  public var reportedBridgedGapSeconds = 2.0
  /// Whether a rise out of a plateau ends it (a breath step does). On the elbow force it does
  /// not: driving the elbows into the floor (the traction) raises the force during the hold.
  public var risesEndHolds = true

  public init() {}

  /// The detector on θ in degrees, exactly the spec's definitions.
  public static let angle = DetectorConfig()

  /// The detector on the elbow force alone (N above the lying baseline). The force tells when the
  /// elbows carry the chest (a rep) and when it is steady (a hold), but not how high the chest is,
  /// so it finds no breath steps; and it rises during a hold as the elbows are driven (traction),
  /// so only a fall ends a hold. A rep needs 25 N over the baseline and a peak above 40 N.
  public static func load() -> DetectorConfig {
    var c = DetectorConfig()
    c.repThreshold = 25
    c.repMinPeak = 40
    c.holdExitMin = 6
    c.holdExitMax = 15
    c.calmSlope = 6
    c.retreat = 3
    c.stepMinRise = .infinity
    c.keptExhaleMaxSink = 8
    c.risesEndHolds = false
    return c
  }
}

/// A hold as the summary reports it: the spec's fields plus how steady it was and what drove it.
public struct HoldRecord: Sendable, Equatable, Codable {
  public var hold: Hold
  /// Index of the rep this hold belongs to (0-based).
  public var repIndex: Int
  /// Standard deviation of the signal within the hold (steadiness; ripple included).
  public var sdDeg: Double
  /// Rise of elbow force during the hold (N), when a load cell is present.
  public var tractionDriveN: Double?
  /// Mean lumbar angle (upper back − sacrum, degrees), when a second IMU is present.
  public var lumbarMeanDeg: Double?

  public init(
    hold: Hold, repIndex: Int, sdDeg: Double, tractionDriveN: Double? = nil,
    lumbarMeanDeg: Double? = nil
  ) {
    self.hold = hold
    self.repIndex = repIndex
    self.sdDeg = sdDeg
    self.tractionDriveN = tractionDriveN
    self.lumbarMeanDeg = lumbarMeanDeg
  }
}

/// A breath step and whether the exhale after it kept the new height.
public struct BreathStepRecord: Sendable, Equatable, Codable {
  public var step: BreathStep
  public var repIndex: Int
  /// Index (in the session's holds) of the plateau this step reached.
  public var holdIndex: Int
  /// nil until the plateau after the step has ended.
  public var keptExhale: Bool?

  public init(step: BreathStep, repIndex: Int, holdIndex: Int, keptExhale: Bool? = nil) {
    self.step = step
    self.repIndex = repIndex
    self.holdIndex = holdIndex
    self.keptExhale = keptExhale
  }
}

/// A rep as the summary reports it.
public struct RepRecord: Sendable, Equatable, Codable {
  public var rep: Rep
  public var holdCount: Int
  public var breathStepCount: Int
  /// The rep had breath steps and its top hold lasted at least 5 s.
  public var completedTop: Bool
  /// The recording ended (or a long gap came) before the signal fell back through the threshold.
  public var cutShort: Bool

  public init(rep: Rep, holdCount: Int, breathStepCount: Int, completedTop: Bool, cutShort: Bool) {
    self.rep = rep
    self.holdCount = holdCount
    self.breathStepCount = breathStepCount
    self.completedTop = completedTop
    self.cutShort = cutShort
  }
}

/// What the detector announces, as soon as it is certain. Indices count from 0 over the session.
///
/// Live versus final: `holdStarted` comes at most ~0.5 s after a plateau has lasted its 2 s
/// minimum, carrying its start and its provisional mean and kind; `holdEnded` carries the hold's
/// final start, end, mean and steadiness. A hold reached by a breath step is announced as `step`;
/// when its rep ends, the last hold of a rep that had breath steps becomes `top`, announced by
/// `holdKindRevised` just before `repEnded`. A `holdEnded` may be followed by `holdMerged` and
/// a second `holdEnded` for the same index when the plateau resumes at the same height, or by a
/// second `holdEnded` with an earlier end when the slow breath step after it began inside it
/// (announced when the step's own hold ends). The last `holdEnded` of an index is final.
/// `breathStep` comes when the plateau it reached has lasted 2 s (its `rise_deg` is refined when
/// that plateau ends; the summary has the final value). A breath step that stayed inside the
/// breathing is found only when its plateau ends (docs/detection.md): then its `breathStep`, and
/// for a plateau split at it the later hold's `holdStarted` and `holdEnded`, come together, late.
public enum DetectionEvent: Sendable, Equatable {
  /// A rep is certain (≥ 3 s above the threshold and peaked above 8°); its start is final.
  case repStarted(index: Int, start: Double)
  case repEnded(index: Int, record: RepRecord)
  case holdStarted(index: Int, hold: Hold)
  case holdEnded(index: Int, record: HoldRecord)
  case holdKindRevised(index: Int, kind: HoldKind)
  /// The plateau announced as hold `index` turned out to continue hold `into` (same height after
  /// a short interruption); `into` gets a new `holdEnded`, and `index` will be used by the next
  /// hold.
  case holdMerged(index: Int, into: Int)
  /// `count` finished reps (with their holds and steps) were withdrawn: they were a roll read
  /// before the left–right axis was known; the indices of later reps, holds and steps drop.
  case repsWithdrawn(count: Int)
  case breathStep(index: Int, step: BreathStep)
  /// Breath step `index`, announced when its plateau had lasted 2 s, was breathing: the plateau's
  /// full mean came out less than 90% of a step above the hold before. The next step takes its
  /// index.
  case breathStepWithdrawn(index: Int)
  /// The exhale after breath step `index` did or did not keep the new height.
  case exhaleResult(index: Int, kept: Bool)
}

/// Up to `capacity` events from one sample, stored inline (no allocation).
public struct EventBatch: Sendable, Equatable, RandomAccessCollection {
  public static let capacity = 8
  private var e0, e1, e2, e3, e4, e5, e6, e7: DetectionEvent?
  public private(set) var count = 0

  public init() {}

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }

  public subscript(position: Int) -> DetectionEvent {
    let e: DetectionEvent?
    switch position {
    case 0: e = e0
    case 1: e = e1
    case 2: e = e2
    case 3: e = e3
    case 4: e = e4
    case 5: e = e5
    case 6: e = e6
    default: e = e7
    }
    // Positions below `count` are always filled.
    return e ?? .repStarted(index: -1, start: 0)
  }

  /// Adds an event; false (and nothing stored) when the batch is full.
  @discardableResult
  mutating func append(_ e: DetectionEvent) -> Bool {
    switch count {
    case 0: e0 = e
    case 1: e1 = e
    case 2: e2 = e
    case 3: e3 = e
    case 4: e4 = e
    case 5: e5 = e
    case 6: e6 = e
    case 7: e7 = e
    default: return false
    }
    count += 1
    return true
  }
}

extension DetectionEvent: CustomStringConvertible {
  /// One line for a person reading the event log, with angles in degrees.
  public var description: String { text(unit: "°") }

  /// One line for a person reading the event log (`traction replay --events`); `unit` follows
  /// the detected signal's values ("°" for θ, " N" for the load-only detector's force).
  public func text(unit: String) -> String {
    func f(_ x: Double) -> String {
      // Hundredths through Int only where they fit (a force of 1e30 N is printed as it is).
      guard x.isFinite, abs(x) < 1e12 else { return "\(x)" }
      return String(Int((x * 100).rounded())).paddedHundredths
    }
    switch self {
    case .repStarted(let i, let start): return "rep \(i + 1) started at \(f(start)) s"
    case .repEnded(let i, let r):
      return "rep \(i + 1) ended: \(f(r.rep.start))–\(f(r.rep.end)) s, peak \(f(r.rep.peakDeg))\(unit)"
        + (r.cutShort ? " (cut short)" : "")
    case .holdStarted(let i, let h):
      return "hold \(i + 1) started (\(h.kind.rawValue)) at \(f(h.start)) s, mean \(f(h.meanDeg))\(unit)"
    case .holdEnded(let i, let r):
      return "hold \(i + 1) ended: \(r.hold.kind.rawValue) \(f(r.hold.start))–\(f(r.hold.end)) s, "
        + "mean \(f(r.hold.meanDeg))\(unit)"
    case .holdKindRevised(let i, let kind): return "hold \(i + 1) is a \(kind.rawValue) hold"
    case .holdMerged(let i, let into): return "hold \(i + 1) continues hold \(into + 1)"
    case .repsWithdrawn(let n): return "\(n) rep\(n == 1 ? "" : "s") withdrawn (a roll, not a rise)"
    case .breathStep(let i, let s): return "breath step \(i + 1) at \(f(s.t)) s, +\(f(s.riseDeg))\(unit)"
    case .breathStepWithdrawn(let i): return "breath step \(i + 1) withdrawn (breathing, not a step)"
    case .exhaleResult(let i, let kept):
      return "breath step \(i + 1): " + (kept ? "height kept through the exhale" : "sank on the exhale")
    }
  }
}

extension String {
  /// "1234" → "12.34", "-5" → "-0.05": hundredths as a decimal without Foundation.
  fileprivate var paddedHundredths: String {
    let negative = hasPrefix("-")
    var digits = negative ? String(dropFirst()) : self
    while digits.count < 3 { digits = "0" + digits }
    let cut = digits.index(digits.endIndex, offsetBy: -2)
    return (negative ? "-" : "") + digits[..<cut] + "." + digits[cut...]
  }
}
