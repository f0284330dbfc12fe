/// How late the live events came, against the labels. The rule: a hold is announced at
/// most 0.5 s after it has lasted its 2 s minimum, and its end at most 0.5 s after it ends.
///
/// `LiveLatencyRecorder` watches the event stream with the stream time each event came out at;
/// `measure()` then pairs events with the labelled holds by overlap:
/// - announced: the first `holdStarted` whose hold overlaps this labelled hold more than any
///   other, minus the labelled start + 2 s;
/// - ended: of the `holdEnded` events paired the same way, the first at or after the labelled end
///   (what the person heard; a plateau split early and merged back is ended again later), minus
///   the labelled end. It is split by what ended the hold: the lowering (the rep's last hold) or
///   a breath step (any earlier hold).
/// Negative values are events that came before the labelled instant (an early split, or a start
/// detected before the labelled one). A labelled hold the detector did not find has no latency:
/// the shares cover the holds that were found (hold recall says how many were not).
///
/// With the true angle (`observeTruth`), each end is also measured from the moment the move became
/// evident: the first instant after the labelled end at which the true θ left the range it
/// spanned over the hold's last 4 s (its breathing), upward for a breath step, downward for the
/// lowering. Before that, no detector can tell the move from one more breath; the time from there
/// is the detector's own delay. How long after the labelled end that moment came is recorded for
/// every labelled hold, found or not: where it is over 0.5 s, no causal detector could have
/// announced the end within 0.5 s of the labelled end.
///
/// A hold is certain only once its rep is: 3 s after the rep's rise through 5°, and once θ has
/// passed 8° (a shorter or lower excursion is not a rep). With the truth, each announcement is
/// also measured from the moment both the hold's 2 s and its rep were certain, and how long after
/// the labelled start + 2 s that moment came is recorded for every labelled hold: the bound for
/// announcements (a quick rise onto a hold just above 8°, or a traction hold below 8°, is not a
/// hold yet 2 s after it began).
public struct LiveLatencyRecorder: Sendable {
  private struct Seen: Sendable {
    var t: Double
    var hold: Hold
  }
  private struct Range: Sendable {
    var lo = Double.infinity
    var hi = -Double.infinity
    var evident: Double?
    /// A breath step leaves upward, the lowering downward (an exhale dipping below the range
    /// is not the move).
    var endsUp = false
  }
  private let labels: SessionLabels
  private var started: [Seen] = []
  private var ended: [Seen] = []
  private var ranges: [Range]
  private var firstOpen = 0
  /// Per labelled rep, when the truth first passed the spec's 8° peak inside it.
  private var repPassedPeak: [Double?]
  private var repCursor = 0
  /// How far past the range the truth must go (°): above the rounding of the truth file.
  static let evidenceMargin = 0.05
  static let breathingWindow = 4.0
  /// The longest a breath step takes (the spec's 4 s) and a little more.
  static let evidenceHorizon = 5.0
  /// The spec's rep: at least 3 s above 5°, peaking above 8°.
  static let repMinSeconds = 3.0
  static let repPeak = 8.0

  public init(labels: SessionLabels) {
    self.labels = labels
    ranges = labels.holds.indices.map { Range(endsUp: !Self.isLastInRep($0, labels)) }
    repPassedPeak = Array(repeating: nil, count: labels.reps.count)
  }

  /// The rep a labelled hold lies in.
  static func repIndex(of hold: Hold, _ labels: SessionLabels) -> Int? {
    labels.reps.firstIndex { $0.start <= hold.start && hold.start < $0.end }
  }

  /// Whether labelled hold `i` is its rep's last (ended by the lowering, not a breath step).
  static func isLastInRep(_ i: Int, _ labels: SessionLabels) -> Bool {
    let l = labels.holds[i]
    guard let rep = labels.reps.first(where: { $0.start <= l.start && l.start < $0.end }) else { return true }
    return !labels.holds[(i + 1)...].contains { $0.start < rep.end }
  }

  /// One sample of the true angle, in time order.
  public mutating func observeTruth(t: Double, thetaDeg: Double) {
    while repCursor < labels.reps.count, t > labels.reps[repCursor].end { repCursor += 1 }
    if repCursor < labels.reps.count, t >= labels.reps[repCursor].start, repPassedPeak[repCursor] == nil,
      thetaDeg > Self.repPeak
    {
      repPassedPeak[repCursor] = t
    }
    var k = firstOpen
    while k < ranges.count {
      let h = labels.holds[k]
      if t < max(h.start, h.end - Self.breathingWindow) { break }
      if t <= h.end {
        ranges[k].lo = min(ranges[k].lo, thetaDeg)
        ranges[k].hi = max(ranges[k].hi, thetaDeg)
      } else if t > h.end + Self.evidenceHorizon {
        // No move out of the breathing this soon after the end: none is taken (a later hold's
        // level is not this hold's move).
        if ranges[k].evident == nil { ranges[k].evident = .nan }
      } else if ranges[k].evident == nil,
        ranges[k].endsUp
          ? thetaDeg > ranges[k].hi + Self.evidenceMargin : thetaDeg < ranges[k].lo - Self.evidenceMargin
      {
        ranges[k].evident = t
      }
      k += 1
    }
    // Holds whose end is evident are done (they are in time order).
    while firstOpen < ranges.count, ranges[firstOpen].evident != nil { firstOpen += 1 }
  }

  /// The events that came out of the analyzer with the sample at stream time `t`.
  public mutating func observe(at t: Double, _ events: EventBatch) {
    for e in events {
      switch e {
      case .holdStarted(_, let hold): started.append(Seen(t: t, hold: hold))
      case .holdEnded(_, let record): ended.append(Seen(t: t, hold: record.hold))
      default: break
      }
    }
  }

  public func measure() -> LiveLatencies {
    func overlap(_ a: Hold, _ b: Hold) -> Double { max(0, min(a.end, b.end) - max(a.start, b.start)) }
    var out = LiveLatencies()
    for (li, l) in labels.holds.enumerated() {
      // Events pair with the labelled hold they overlap most (events are in stream order).
      func pairs(_ h: Hold) -> Bool {
        let o = overlap(h, l)
        // On a tie the earlier labelled hold takes the event.
        return o > 0
          && labels.holds.indices.allSatisfy { k in
            k == li || (k < li ? overlap(h, labels.holds[k]) < o : overlap(h, labels.holds[k]) <= o)
          }
      }
      let isLast = Self.isLastInRep(li, labels)
      let evident = ranges[li].evident.flatMap { $0.isFinite ? $0 : nil }
      if let evident {
        if isLast {
          out.loweringEvidentAfterEnd.append(evident - l.end)
        } else {
          out.stepEvidentAfterEnd.append(evident - l.end)
        }
      }
      // When the hold and its rep were certain (with the truth).
      var certain: Double? = nil
      if let r = Self.repIndex(of: l, labels), let peak = repPassedPeak[r] {
        let c = max(l.start + 2, labels.reps[r].start + Self.repMinSeconds, peak)
        certain = c
        out.holdCertainAfterTwoSeconds.append(c - (l.start + 2))
      }
      if let i = started.indices.first(where: { pairs(started[$0].hold) }) {
        out.holdAnnounced.append(started[i].t - (l.start + 2))
        if let certain { out.holdAnnouncedAfterCertain.append(started[i].t - certain) }
      }
      // The end the person heard: the first announced at or after the labelled end (a later
      // revision of the same end, after a short piece joined it, does not count); if every one
      // came before it (an early split), the last.
      let ends = ended.indices.filter { pairs(ended[$0].hold) }
      let bestEnd = ends.first { ended[$0].t >= l.end } ?? ends.last
      guard let i = bestEnd else { continue }
      if isLast {
        out.holdEndAfterLowering.append(ended[i].t - l.end)
      } else {
        out.holdEndAfterStep.append(ended[i].t - l.end)
      }
      if let evident {
        if isLast {
          out.holdEndAfterEvidentLowering.append(ended[i].t - evident)
        } else {
          out.holdEndAfterEvidentStep.append(ended[i].t - evident)
        }
      }
    }
    return out
  }
}

/// The live latencies by what they measure: the raw values (s of stream time) of one recording
/// or pooled over many (`LiveLatencies`), or their statistics (`LatencySummary`).
public struct LatencyKinds<Value: Sendable & Equatable & Codable>: Sendable, Equatable, Codable {
  /// Hold announced, after the labelled start + 2 s…
  public var holdAnnounced: Value
  /// …and after the hold and its rep were certain (with the truth).
  public var holdAnnouncedAfterCertain: Value
  /// Hold end announced, after the labelled end, for a rep's last hold (ended by the lowering)…
  public var holdEndAfterLowering: Value
  /// …and for a hold ended by a breath step.
  public var holdEndAfterStep: Value
  /// The same two, from the moment the move left the hold's breathing range (with the truth).
  public var holdEndAfterEvidentLowering: Value
  public var holdEndAfterEvidentStep: Value
  /// When the lowering or the breath step left the breathing, after the labelled end, for every
  /// labelled hold (with the truth): what no detector can beat.
  public var loweringEvidentAfterEnd: Value
  public var stepEvidentAfterEnd: Value
  /// When the hold and its rep were certain, after the labelled start + 2 s, for every labelled
  /// hold (with the truth): what no announcement can beat.
  public var holdCertainAfterTwoSeconds: Value

  public init(
    holdAnnounced: Value, holdAnnouncedAfterCertain: Value, holdEndAfterLowering: Value,
    holdEndAfterStep: Value, holdEndAfterEvidentLowering: Value, holdEndAfterEvidentStep: Value,
    loweringEvidentAfterEnd: Value, stepEvidentAfterEnd: Value, holdCertainAfterTwoSeconds: Value
  ) {
    self.holdAnnounced = holdAnnounced
    self.holdAnnouncedAfterCertain = holdAnnouncedAfterCertain
    self.holdCertainAfterTwoSeconds = holdCertainAfterTwoSeconds
    self.holdEndAfterLowering = holdEndAfterLowering
    self.holdEndAfterStep = holdEndAfterStep
    self.holdEndAfterEvidentLowering = holdEndAfterEvidentLowering
    self.holdEndAfterEvidentStep = holdEndAfterEvidentStep
    self.loweringEvidentAfterEnd = loweringEvidentAfterEnd
    self.stepEvidentAfterEnd = stepEvidentAfterEnd
  }

  public func map<T>(_ f: (Value) -> T) -> LatencyKinds<T> {
    LatencyKinds<T>(
      holdAnnounced: f(holdAnnounced), holdAnnouncedAfterCertain: f(holdAnnouncedAfterCertain),
      holdEndAfterLowering: f(holdEndAfterLowering), holdEndAfterStep: f(holdEndAfterStep),
      holdEndAfterEvidentLowering: f(holdEndAfterEvidentLowering),
      holdEndAfterEvidentStep: f(holdEndAfterEvidentStep), loweringEvidentAfterEnd: f(loweringEvidentAfterEnd),
      stepEvidentAfterEnd: f(stepEvidentAfterEnd), holdCertainAfterTwoSeconds: f(holdCertainAfterTwoSeconds))
  }

  /// Each kind with a line saying what it measures, for a report.
  public var described: [(what: String, value: Value)] {
    [
      ("hold announced after its 2 s", holdAnnounced),
      ("hold announced after its 2 s and its rep were certain", holdAnnouncedAfterCertain),
      ("hold end after a lowering", holdEndAfterLowering),
      ("hold end after a breath step", holdEndAfterStep),
      ("hold end after the lowering left the breathing", holdEndAfterEvidentLowering),
      ("hold end after the breath step left the breathing", holdEndAfterEvidentStep),
      ("the bound: lowering left the breathing, after the labelled end", loweringEvidentAfterEnd),
      ("the bound: breath step left the breathing, after the labelled end", stepEvidentAfterEnd),
      ("the bound: hold and rep certain, after the labelled start + 2 s", holdCertainAfterTwoSeconds),
    ]
  }

  enum CodingKeys: String, CodingKey {
    case holdAnnounced = "hold_announced"
    case holdAnnouncedAfterCertain = "hold_announced_after_certain"
    case holdCertainAfterTwoSeconds = "hold_certain_after_2_s"
    case holdEndAfterLowering = "hold_end_after_lowering"
    case holdEndAfterStep = "hold_end_after_breath_step"
    case holdEndAfterEvidentLowering = "hold_end_after_evident_lowering"
    case holdEndAfterEvidentStep = "hold_end_after_evident_breath_step"
    case loweringEvidentAfterEnd = "lowering_evident_after_end"
    case stepEvidentAfterEnd = "breath_step_evident_after_end"
  }
}

/// Raw latencies (s).
public typealias LiveLatencies = LatencyKinds<[Double]>
/// Their statistics (nil where there were none).
public typealias LatencySummary = LatencyKinds<LatencyStatistics?>

extension LatencyKinds where Value == [Double] {
  public init() {
    self.init(
      holdAnnounced: [], holdAnnouncedAfterCertain: [], holdEndAfterLowering: [], holdEndAfterStep: [],
      holdEndAfterEvidentLowering: [], holdEndAfterEvidentStep: [], loweringEvidentAfterEnd: [],
      stepEvidentAfterEnd: [], holdCertainAfterTwoSeconds: [])
  }

  public static func + (a: Self, b: Self) -> Self {
    Self(
      holdAnnounced: a.holdAnnounced + b.holdAnnounced,
      holdAnnouncedAfterCertain: a.holdAnnouncedAfterCertain + b.holdAnnouncedAfterCertain,
      holdEndAfterLowering: a.holdEndAfterLowering + b.holdEndAfterLowering,
      holdEndAfterStep: a.holdEndAfterStep + b.holdEndAfterStep,
      holdEndAfterEvidentLowering: a.holdEndAfterEvidentLowering + b.holdEndAfterEvidentLowering,
      holdEndAfterEvidentStep: a.holdEndAfterEvidentStep + b.holdEndAfterEvidentStep,
      loweringEvidentAfterEnd: a.loweringEvidentAfterEnd + b.loweringEvidentAfterEnd,
      stepEvidentAfterEnd: a.stepEvidentAfterEnd + b.stepEvidentAfterEnd,
      holdCertainAfterTwoSeconds: a.holdCertainAfterTwoSeconds + b.holdCertainAfterTwoSeconds)
  }

  public var summary: LatencySummary { map(LatencyStatistics.init) }
}

/// Median, 95th percentile, maximum and the share within the rule's 0.5 s.
public struct LatencyStatistics: Sendable, Equatable, Codable {
  public var count: Int
  public var median: Double
  public var p95: Double
  public var max: Double
  public var withinHalfSecond: Double

  /// nil for no values.
  public init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    let v = values.sorted()
    count = v.count
    median = DetectionScoring.median(v) ?? 0
    p95 = v[Swift.min(v.count - 1, Int((0.95 * Double(v.count)).rounded(.up)) - 1)]
    max = v[v.count - 1]
    withinHalfSecond = Double(v.filter { $0 <= 0.5 }.count) / Double(v.count)
  }

  public var description: String {
    func f(_ x: Double) -> String {
      let r = (x * 100).rounded() / 100
      return "\(r)"
    }
    return "median \(f(median)) s, 95th percentile \(f(p95)) s, max \(f(max)) s, "
      + "\(Int((withinHalfSecond * 100).rounded())) % within 0.5 s (\(count))"
  }

  enum CodingKeys: String, CodingKey {
    case count
    case median = "median_s"
    case p95 = "p95_s"
    case max = "max_s"
    case withinHalfSecond = "within_0_5_s"
  }
}
