/// Scoring of detected reps, holds and breath steps against labels, exactly as
/// `exercise-model.md` ("Scoring") defines it:
///
/// - Holds and reps are matched one to one, best overlap first; a pair counts when its
///   intersection over union is at least 0.5. Holds match whatever their kind (kind agreement is
///   reported beside).
/// - Breath steps match one to one, nearest first, when within ±1.0 s.
/// - Precision, recall and F1 from the matches; median absolute start and end errors of the
///   matched pairs.
/// - Rep count: whether the number of detected reps is exactly the labelled number.
/// - θ: RMSE against the truth over all samples and over samples inside labelled reps
///   (`ThetaErrorAccumulator`, streaming).
///
/// Conventions for empty sets: precision is 1 when nothing was detected, recall is 1 when
/// nothing was labelled, and F1 = 2TP / (2TP + FP + FN) is 1 when both are empty.
public enum DetectionScoring {
  public static let minimumIoU = 0.5
  public static let breathStepToleranceSeconds = 1.0

  /// Length of the overlap over length of the union; 0 when they do not overlap or are empty.
  public static func intersectionOverUnion(
    _ a: (start: Double, end: Double), _ b: (start: Double, end: Double)
  ) -> Double {
    let inter = min(a.end, b.end) - max(a.start, b.start)
    if !(inter > 0) { return 0 }
    let union = (a.end - a.start) + (b.end - b.start) - inter
    return union > 0 ? inter / union : 0
  }

  /// One-to-one matching, best overlap first (ties: lower labelled index, then lower detected
  /// index); only pairs with IoU ≥ `minimumIoU` are kept. Sorted by labelled index.
  public static func matchIntervals(
    detected: [(start: Double, end: Double)], labelled: [(start: Double, end: Double)],
    minimumIoU: Double = DetectionScoring.minimumIoU
  ) -> [IntervalMatch] {
    var candidates: [IntervalMatch] = []
    for (li, l) in labelled.enumerated() {
      for (di, d) in detected.enumerated() {
        let iou = intersectionOverUnion(d, l)
        if iou >= minimumIoU && iou > 0 {
          candidates.append(IntervalMatch(detected: di, labelled: li, iou: iou))
        }
      }
    }
    candidates.sort {
      if $0.iou != $1.iou { return $0.iou > $1.iou }
      if $0.labelled != $1.labelled { return $0.labelled < $1.labelled }
      return $0.detected < $1.detected
    }
    var usedD = Set<Int>()
    var usedL = Set<Int>()
    var out: [IntervalMatch] = []
    for c in candidates where !usedD.contains(c.detected) && !usedL.contains(c.labelled) {
      usedD.insert(c.detected)
      usedL.insert(c.labelled)
      out.append(c)
    }
    return out.sorted { $0.labelled < $1.labelled }
  }

  /// One-to-one matching of instants, nearest first (ties: lower labelled, then lower detected
  /// index), within ±`tolerance` seconds. Sorted by labelled index.
  public static func matchTimes(
    detected: [Double], labelled: [Double],
    tolerance: Double = DetectionScoring.breathStepToleranceSeconds
  ) -> [TimeMatch] {
    var candidates: [TimeMatch] = []
    for (li, l) in labelled.enumerated() {
      for (di, d) in detected.enumerated() where abs(d - l) <= tolerance {
        candidates.append(TimeMatch(detected: di, labelled: li, error: d - l))
      }
    }
    candidates.sort {
      if abs($0.error) != abs($1.error) { return abs($0.error) < abs($1.error) }
      if $0.labelled != $1.labelled { return $0.labelled < $1.labelled }
      return $0.detected < $1.detected
    }
    var usedD = Set<Int>()
    var usedL = Set<Int>()
    var out: [TimeMatch] = []
    for c in candidates where !usedD.contains(c.detected) && !usedL.contains(c.labelled) {
      usedD.insert(c.detected)
      usedL.insert(c.labelled)
      out.append(c)
    }
    return out.sorted { $0.labelled < $1.labelled }
  }

  /// Scores interval events (reps or holds) of one recording.
  public static func scoreIntervals(
    detected: [(start: Double, end: Double)], labelled: [(start: Double, end: Double)]
  ) -> (score: EventScore, matches: [IntervalMatch]) {
    let m = matchIntervals(detected: detected, labelled: labelled)
    var s = EventScore(
      truePositives: m.count, falsePositives: detected.count - m.count,
      falseNegatives: labelled.count - m.count)
    for p in m {
      s.startAbsErrors.append(abs(detected[p.detected].start - labelled[p.labelled].start))
      s.endAbsErrors.append(abs(detected[p.detected].end - labelled[p.labelled].end))
    }
    return (s, m)
  }

  /// Scores breath steps of one recording; the time errors go in `startAbsErrors`.
  public static func scoreBreathSteps(detected: [BreathStep], labelled: [BreathStep]) -> EventScore {
    let m = matchTimes(detected: detected.map(\.t), labelled: labelled.map(\.t))
    var s = EventScore(
      truePositives: m.count, falsePositives: detected.count - m.count,
      falseNegatives: labelled.count - m.count)
    s.startAbsErrors = m.map { abs($0.error) }
    return s
  }

  /// Scores one recording's detected events (as `replay --json` reports them, decodable as
  /// `SessionLabels`) against its labels. `theta` is the summary of a `ThetaErrorAccumulator`
  /// fed with the recording's samples, when an angle trace was scored.
  public static func score(
    name: String, detected: SessionLabels, labelled: SessionLabels, theta: ThetaErrorSummary? = nil
  ) -> RecordingDetectionScore {
    let reps = scoreIntervals(
      detected: detected.reps.map { ($0.start, $0.end) }, labelled: labelled.reps.map { ($0.start, $0.end) })
    let holds = scoreIntervals(
      detected: detected.holds.map { ($0.start, $0.end) },
      labelled: labelled.holds.map { ($0.start, $0.end) })
    let kindAgree = holds.matches.filter {
      detected.holds[$0.detected].kind == labelled.holds[$0.labelled].kind
    }.count
    return RecordingDetectionScore(
      name: name, reps: reps.score, holds: holds.score, holdKindAgreements: kindAgree,
      breathSteps: scoreBreathSteps(detected: detected.breathSteps, labelled: labelled.breathSteps),
      labelledRepCount: labelled.reps.count, detectedRepCount: detected.reps.count, theta: theta)
  }

  /// The median (mean of the two middle values for an even count); nil when empty.
  public static func median(_ values: [Double]) -> Double? {
    if values.isEmpty { return nil }
    let s = values.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
  }
}

/// A detected interval paired with a labelled one.
public struct IntervalMatch: Sendable, Equatable, Codable {
  public var detected: Int
  public var labelled: Int
  public var iou: Double

  public init(detected: Int, labelled: Int, iou: Double) {
    self.detected = detected
    self.labelled = labelled
    self.iou = iou
  }
}

/// A detected instant paired with a labelled one; `error` is detected minus labelled, seconds.
public struct TimeMatch: Sendable, Equatable, Codable {
  public var detected: Int
  public var labelled: Int
  public var error: Double

  public init(detected: Int, labelled: Int, error: Double) {
    self.detected = detected
    self.labelled = labelled
    self.error = error
  }
}

/// Counts and matched-pair errors for one kind of event; adds up over recordings.
public struct EventScore: Sendable, Equatable, Codable {
  public var truePositives: Int
  public var falsePositives: Int
  public var falseNegatives: Int
  /// |detected − labelled| start times of the matched pairs, seconds (breath steps: their times).
  public var startAbsErrors: [Double]
  /// |detected − labelled| end times of the matched pairs, seconds (empty for breath steps).
  public var endAbsErrors: [Double]

  public init(
    truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0,
    startAbsErrors: [Double] = [], endAbsErrors: [Double] = []
  ) {
    self.truePositives = truePositives
    self.falsePositives = falsePositives
    self.falseNegatives = falseNegatives
    self.startAbsErrors = startAbsErrors
    self.endAbsErrors = endAbsErrors
  }

  public var precision: Double {
    let d = truePositives + falsePositives
    return d == 0 ? 1 : Double(truePositives) / Double(d)
  }

  public var recall: Double {
    let d = truePositives + falseNegatives
    return d == 0 ? 1 : Double(truePositives) / Double(d)
  }

  public var f1: Double {
    let d = 2 * truePositives + falsePositives + falseNegatives
    return d == 0 ? 1 : Double(2 * truePositives) / Double(d)
  }

  public var medianStartAbsError: Double? { DetectionScoring.median(startAbsErrors) }
  public var medianEndAbsError: Double? { DetectionScoring.median(endAbsErrors) }

  /// Sums the counts and pools the errors (for an aggregate over recordings).
  public static func + (a: EventScore, b: EventScore) -> EventScore {
    EventScore(
      truePositives: a.truePositives + b.truePositives,
      falsePositives: a.falsePositives + b.falsePositives,
      falseNegatives: a.falseNegatives + b.falseNegatives,
      startAbsErrors: a.startAbsErrors + b.startAbsErrors, endAbsErrors: a.endAbsErrors + b.endAbsErrors)
  }

  enum CodingKeys: String, CodingKey {
    case truePositives = "tp"
    case falsePositives = "fp"
    case falseNegatives = "fn"
    case precision, recall, f1
    case medianStartAbsError = "median_start_abs_error_s"
    case medianEndAbsError = "median_end_abs_error_s"
    case startAbsErrors = "start_abs_errors_s"
    case endAbsErrors = "end_abs_errors_s"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    truePositives = try c.decode(Int.self, forKey: .truePositives)
    falsePositives = try c.decode(Int.self, forKey: .falsePositives)
    falseNegatives = try c.decode(Int.self, forKey: .falseNegatives)
    startAbsErrors = try c.decodeIfPresent([Double].self, forKey: .startAbsErrors) ?? []
    endAbsErrors = try c.decodeIfPresent([Double].self, forKey: .endAbsErrors) ?? []
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(truePositives, forKey: .truePositives)
    try c.encode(falsePositives, forKey: .falsePositives)
    try c.encode(falseNegatives, forKey: .falseNegatives)
    try c.encode(precision, forKey: .precision)
    try c.encode(recall, forKey: .recall)
    try c.encode(f1, forKey: .f1)
    try c.encodeIfPresent(medianStartAbsError, forKey: .medianStartAbsError)
    try c.encodeIfPresent(medianEndAbsError, forKey: .medianEndAbsError)
    try c.encode(startAbsErrors, forKey: .startAbsErrors)
    try c.encode(endAbsErrors, forKey: .endAbsErrors)
  }
}

/// Sums of squared angle errors, all samples and samples inside labelled reps.
public struct ThetaErrorSummary: Sendable, Equatable, Codable {
  public var sampleCount: Int
  public var sumSquaredErrors: Double
  public var repSampleCount: Int
  public var repSumSquaredErrors: Double

  public init(
    sampleCount: Int = 0, sumSquaredErrors: Double = 0, repSampleCount: Int = 0,
    repSumSquaredErrors: Double = 0
  ) {
    self.sampleCount = sampleCount
    self.sumSquaredErrors = sumSquaredErrors
    self.repSampleCount = repSampleCount
    self.repSumSquaredErrors = repSumSquaredErrors
  }

  /// RMSE over all samples, degrees; nil with no samples.
  public var rmseDeg: Double? {
    sampleCount == 0 ? nil : (sumSquaredErrors / Double(sampleCount)).squareRoot()
  }

  /// RMSE over the samples inside labelled reps, degrees; nil with none.
  public var rmseInRepsDeg: Double? {
    repSampleCount == 0 ? nil : (repSumSquaredErrors / Double(repSampleCount)).squareRoot()
  }

  /// Pools two summaries (the RMSE of the union of their samples).
  public static func + (a: ThetaErrorSummary, b: ThetaErrorSummary) -> ThetaErrorSummary {
    ThetaErrorSummary(
      sampleCount: a.sampleCount + b.sampleCount, sumSquaredErrors: a.sumSquaredErrors + b.sumSquaredErrors,
      repSampleCount: a.repSampleCount + b.repSampleCount,
      repSumSquaredErrors: a.repSumSquaredErrors + b.repSumSquaredErrors)
  }

  enum CodingKeys: String, CodingKey {
    case sampleCount = "samples"
    case sumSquaredErrors = "sum_sq_error_deg2"
    case repSampleCount = "rep_samples"
    case repSumSquaredErrors = "rep_sum_sq_error_deg2"
    case rmseDeg = "rmse_deg"
    case rmseInRepsDeg = "rmse_in_reps_deg"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    sampleCount = try c.decode(Int.self, forKey: .sampleCount)
    sumSquaredErrors = try c.decode(Double.self, forKey: .sumSquaredErrors)
    repSampleCount = try c.decode(Int.self, forKey: .repSampleCount)
    repSumSquaredErrors = try c.decode(Double.self, forKey: .repSumSquaredErrors)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(sampleCount, forKey: .sampleCount)
    try c.encode(sumSquaredErrors, forKey: .sumSquaredErrors)
    try c.encode(repSampleCount, forKey: .repSampleCount)
    try c.encode(repSumSquaredErrors, forKey: .repSumSquaredErrors)
    try c.encodeIfPresent(rmseDeg, forKey: .rmseDeg)
    try c.encodeIfPresent(rmseInRepsDeg, forKey: .rmseInRepsDeg)
  }
}

/// Streams (estimate, truth) pairs into squared-error sums. Allocation-free per sample: the
/// labelled reps are held once and walked with a cursor, since sample times only increase
/// (a time that goes back restarts the walk).
public struct ThetaErrorAccumulator: Sendable {
  private let reps: [Rep]
  private var cursor = 0
  private var lastT = -Double.infinity
  public private(set) var summary = ThetaErrorSummary()

  /// `reps`: the labelled reps (any order); a sample counts as inside when start ≤ t ≤ end.
  public init(reps: [Rep]) {
    self.reps = reps.sorted { $0.start < $1.start }
  }

  public mutating func add(t: Double, estimatedDeg: Double, truthDeg: Double) {
    if t < lastT { cursor = 0 }
    lastT = t
    while cursor < reps.count && reps[cursor].end < t { cursor += 1 }
    let e = estimatedDeg - truthDeg
    let e2 = e * e
    summary.sampleCount += 1
    summary.sumSquaredErrors += e2
    if cursor < reps.count && reps[cursor].start <= t {
      summary.repSampleCount += 1
      summary.repSumSquaredErrors += e2
    }
  }
}

/// The scores of one recording.
public struct RecordingDetectionScore: Sendable, Equatable, Codable {
  public var name: String
  public var reps: EventScore
  public var holds: EventScore
  /// Matched holds whose detected kind equals the labelled kind.
  public var holdKindAgreements: Int
  public var breathSteps: EventScore
  public var labelledRepCount: Int
  public var detectedRepCount: Int
  public var theta: ThetaErrorSummary?
  /// How late the live events came (when the recording was streamed through the analyzer).
  public var latency: LiveLatencies?

  public init(
    name: String, reps: EventScore, holds: EventScore, holdKindAgreements: Int,
    breathSteps: EventScore, labelledRepCount: Int, detectedRepCount: Int,
    theta: ThetaErrorSummary? = nil, latency: LiveLatencies? = nil
  ) {
    self.name = name
    self.reps = reps
    self.holds = holds
    self.holdKindAgreements = holdKindAgreements
    self.breathSteps = breathSteps
    self.labelledRepCount = labelledRepCount
    self.detectedRepCount = detectedRepCount
    self.theta = theta
    self.latency = latency
  }

  public var repCountExact: Bool { labelledRepCount == detectedRepCount }

  enum CodingKeys: String, CodingKey {
    case name, reps, holds
    case holdKindAgreements = "hold_kind_agreements"
    case breathSteps = "breath_steps"
    case labelledRepCount = "labelled_rep_count"
    case detectedRepCount = "detected_rep_count"
    case repCountExact = "rep_count_exact"
    case theta, latency
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    reps = try c.decode(EventScore.self, forKey: .reps)
    holds = try c.decode(EventScore.self, forKey: .holds)
    holdKindAgreements = try c.decode(Int.self, forKey: .holdKindAgreements)
    breathSteps = try c.decode(EventScore.self, forKey: .breathSteps)
    labelledRepCount = try c.decode(Int.self, forKey: .labelledRepCount)
    detectedRepCount = try c.decode(Int.self, forKey: .detectedRepCount)
    theta = try c.decodeIfPresent(ThetaErrorSummary.self, forKey: .theta)
    latency = try c.decodeIfPresent(LiveLatencies.self, forKey: .latency)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(reps, forKey: .reps)
    try c.encode(holds, forKey: .holds)
    try c.encode(holdKindAgreements, forKey: .holdKindAgreements)
    try c.encode(breathSteps, forKey: .breathSteps)
    try c.encode(labelledRepCount, forKey: .labelledRepCount)
    try c.encode(detectedRepCount, forKey: .detectedRepCount)
    try c.encode(repCountExact, forKey: .repCountExact)
    try c.encodeIfPresent(theta, forKey: .theta)
    try c.encodeIfPresent(latency, forKey: .latency)
  }
}

/// Scores over many recordings: TP/FP/FN summed (so F1 is over all events), medians over all
/// matched pairs, the share of recordings with the exact rep count, θ RMSE pooled over samples.
public struct DetectionScoreAggregate: Sendable, Equatable, Codable {
  public var recordingCount = 0
  public var reps = EventScore()
  public var holds = EventScore()
  public var holdKindAgreements = 0
  public var breathSteps = EventScore()
  public var exactRepCountRecordings = 0
  public var theta = ThetaErrorSummary()
  public var recordingsWithTheta = 0
  public var latency = LiveLatencies()

  public init() {}

  public init(_ recordings: [RecordingDetectionScore]) {
    for r in recordings { add(r) }
  }

  public mutating func add(_ r: RecordingDetectionScore) {
    recordingCount += 1
    reps = reps + r.reps
    holds = holds + r.holds
    holdKindAgreements += r.holdKindAgreements
    breathSteps = breathSteps + r.breathSteps
    if r.repCountExact { exactRepCountRecordings += 1 }
    if let t = r.theta {
      theta = theta + t
      recordingsWithTheta += 1
    }
    if let l = r.latency { latency = latency + l }
  }

  /// Share of recordings whose rep count is exactly right (1 with no recordings).
  public var repCountAccuracy: Double {
    recordingCount == 0 ? 1 : Double(exactRepCountRecordings) / Double(recordingCount)
  }

  enum CodingKeys: String, CodingKey {
    case recordingCount = "recordings"
    case reps, holds
    case holdKindAgreements = "hold_kind_agreements"
    case breathSteps = "breath_steps"
    case exactRepCountRecordings = "exact_rep_count_recordings"
    case repCountAccuracy = "rep_count_accuracy"
    case theta
    case recordingsWithTheta = "recordings_with_theta"
    case latency
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    recordingCount = try c.decode(Int.self, forKey: .recordingCount)
    reps = try c.decode(EventScore.self, forKey: .reps)
    holds = try c.decode(EventScore.self, forKey: .holds)
    holdKindAgreements = try c.decode(Int.self, forKey: .holdKindAgreements)
    breathSteps = try c.decode(EventScore.self, forKey: .breathSteps)
    exactRepCountRecordings = try c.decode(Int.self, forKey: .exactRepCountRecordings)
    theta = try c.decode(ThetaErrorSummary.self, forKey: .theta)
    recordingsWithTheta = try c.decode(Int.self, forKey: .recordingsWithTheta)
    // `latency` stays empty: the JSON holds only its statistics, not the pooled values.
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(recordingCount, forKey: .recordingCount)
    try c.encode(reps, forKey: .reps)
    try c.encode(holds, forKey: .holds)
    try c.encode(holdKindAgreements, forKey: .holdKindAgreements)
    try c.encode(breathSteps, forKey: .breathSteps)
    try c.encode(exactRepCountRecordings, forKey: .exactRepCountRecordings)
    try c.encode(repCountAccuracy, forKey: .repCountAccuracy)
    try c.encode(theta, forKey: .theta)
    try c.encode(recordingsWithTheta, forKey: .recordingsWithTheta)
    // The pooled live latencies as statistics.
    try c.encode(latency.summary, forKey: .latency)
  }
}
