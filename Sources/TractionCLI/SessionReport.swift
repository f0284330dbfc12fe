import Foundation
import TractionCore

/// Facts about a recording file, reported beside the session's results.
struct RecordingFacts: Sendable, Equatable, Encodable {
  var file: String
  var samples: Int
  var durationS: Double
  /// Nominal rate from the metadata, else measured from the samples.
  var rateHz: Double?
  var channels: [String]
  var gaps: Int
  var gapMissingS: Double
  var seqJumps: Int
  /// The longest gap in `t_s`, to find it in the file.
  var longestGap: LongestGap? = nil
  var notices: [String]

  struct LongestGap: Sendable, Equatable, Encodable {
    /// The last sample's time before it, and the gap (s).
    var afterS: Double
    var durationS: Double
    /// The file line of the first sample after it.
    var line: Int

    enum CodingKeys: String, CodingKey {
      case line
      case afterS = "after_s"
      case durationS = "duration_s"
    }
  }

  enum CodingKeys: String, CodingKey {
    case file, samples, channels, gaps, notices
    case longestGap = "longest_gap"
    case durationS = "duration_s"
    case rateHz = "rate_hz"
    case gapMissingS = "gap_missing_s"
    case seqJumps = "seq_jumps"
  }
}

/// One analysed recording: what `replay --json` prints. The summary's fields (reps, holds,
/// breath_steps, …) sit at the top level as the spec requires; the file's facts under `recording`.
struct SessionReport: Sendable, Encodable {
  var recording: RecordingFacts
  var summary: SessionSummary

  func encode(to encoder: any Encoder) throws {
    try summary.encode(to: encoder)
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(recording, forKey: .recording)
  }

  enum CodingKeys: String, CodingKey { case recording }
}

/// The pipeline a recording goes through in `replay` and `eval detection`: the same one the live
/// monitor runs, so what replay finds is what the person on the mat was told.
enum RecordingAnalysis {
  typealias Analyzer = SessionAnalyzer<InclinationFilter>

  /// The estimator is tuned for a sensor worn on the trunk (`InclinationFilter.Parameters
  /// .trunkWorn`, docs/detection.md).
  static func makeAnalyzer(calibration: AngleCalibration? = nil) -> Analyzer {
    Analyzer(
      makeEstimator: { InclinationFilter(parameters: .trunkWorn) }, calibration: calibration)
  }

  /// Reads `path` sample by sample through the analyzer. `perSample` sees every sample's output
  /// (for a trace or truth comparison); `atEnd` the events that closing the stream gave (a hold
  /// or rep still running when the recording ended). Throws the reader's error, which names file,
  /// line and column.
  static func analyze(
    path: String, calibration: AngleCalibration? = nil,
    perSample: (Sample, SampleOutput) throws -> Void = { _, _ in },
    atEnd: (_ lastTime: Double, EventBatch) throws -> Void = { _, _ in }
  ) throws -> SessionReport {
    var reader = try RecordingReader(path: path)
    var analyzer = makeAnalyzer(calibration: calibration)
    var first: Double?
    while let sample = try reader.next() {
      if first == nil { first = sample.t }
      let out = analyzer.process(sample)
      try perSample(sample, out)
    }
    var last = EventBatch()
    let summary = analyzer.finish(finalEvents: &last)
    try atEnd(reader.lastTime ?? 0, last)
    let channels = channelNames(reader.layout)
    let duration = (reader.lastTime ?? 0) - (first ?? 0)
    let gaps = reader.gaps
    var rate = reader.metadata.rateHz
    if rate == nil, let p = gaps.nominalPeriod, p > 0 { rate = 1 / p }
    let facts = RecordingFacts(
      file: path, samples: reader.sampleCount, durationS: duration, rateHz: rate,
      channels: channels, gaps: gaps.count, gapMissingS: gaps.totalMissingSeconds,
      seqJumps: gaps.seqJumpCount,
      longestGap: gaps.longest.map {
        RecordingFacts.LongestGap(afterS: $0.after, durationS: $0.duration, line: $0.line)
      }, notices: reader.notices.map(\.description))
    return SessionReport(recording: facts, summary: summary)
  }
}

extension SessionReport {
  /// The readable summary `traction replay` prints.
  func text() -> String {
    let r = recording
    var lines: [String] = []
    var head = "\(r.file): \(fmt(r.durationS, 1)) s, \(r.samples) samples"
    if let rate = r.rateHz { head += " at \(fmt(rate, rate < 10 ? 1 : 0)) Hz" }
    head += " (\(r.channels.joined(separator: " + ")))"
    lines.append(head)
    if r.gaps > 0 || r.seqJumps > 0 {
      lines.append(
        "gaps: \(r.gaps) in time (\(fmt(r.gapMissingS, 3)) s without samples)"
          + (r.seqJumps > 0 ? ", \(r.seqJumps) jumps in seq" : "")
          + (r.longestGap.map {
            "; the longest \(fmt($0.durationS, 2)) s, after t = \(fmt($0.afterS, 2)) s (line \($0.line))"
          } ?? ""))
    } else {
      lines.append("gaps: none")
    }
    for n in r.notices { lines.append("notice: \(n)") }
    for w in summary.warnings { lines.append("warning: \(Self.explain(w))") }
    let s = summary
    lines.append(
      "\(s.repCount) rep\(s.repCount == 1 ? "" : "s"), \(s.holdCount) hold\(s.holdCount == 1 ? "" : "s"), "
        + "\(s.breathStepCount) breath step\(s.breathStepCount == 1 ? "" : "s")"
        + (s.reps.contains { $0.breathStepCount > 0 }
          ? ", \(s.completedTopCount) completed top hold\(s.completedTopCount == 1 ? "" : "s")" : "")
        + " (detected on \(s.mode == .load ? "the elbow force" : s.mode == .imu ? "the extension angle θ" : "nothing usable"))"
    )
    let unit = s.mode == .load ? " N" : "°"
    for (i, rep) in s.reps.enumerated() {
      var line =
        "rep \(i + 1): \(fmt(rep.start, 2))–\(fmt(rep.end, 2)) s (\(fmt(rep.end - rep.start, 1)) s), "
        + "peak \(fmt(rep.peak, 1))\(unit)"
      if rep.breathStepCount > 0 {
        line += ", \(rep.breathStepCount) breath steps, top hold " + (rep.completedTop ? "completed" : "short of 5 s")
      }
      if rep.cutShort { line += ", cut short (the recording ended, or the signal was lost for over 5 s)" }
      lines.append(line)
      for h in s.holds where h.rep == i {
        var hl =
          "  \(h.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) hold "
          + "\(fmt(h.start, 2))–\(fmt(h.end, 2)) s  \(fmt(h.durationS, 1)) s  mean \(fmt(h.mean, 1))\(unit)"
          + "  steadiness ±\(fmt(h.sd, 2))\(unit)"
        if let d = h.tractionDriveN { hl += "  traction drive \(d >= 0 ? "+" : "")\(fmt(d, 1)) N" }
        if let l = h.lumbarMeanDeg { hl += "  lumbar \(fmt(l, 1))°" }
        lines.append(hl)
      }
      for b in s.breathSteps where b.rep == i {
        var bl = "  breath step at \(fmt(b.t, 2)) s: +\(fmt(b.riseDeg, 1))\(unit)"
        if let kept = b.keptExhale { bl += kept ? ", height kept through the exhale" : ", sank on the exhale" }
        lines.append(bl)
      }
    }
    return lines.joined(separator: "\n")
  }

  static func explain(_ w: SessionWarning) -> String {
    switch w {
    case .referenceFromFirstSamples:
      return "the recording did not start with 3 s of lying still; θ = 0 was taken from its first samples"
    case .axisNotLearned:
      return "no rise was seen, so the left–right axis is unknown; θ is the unsigned angle from lying"
    case .sacrumReferenceFromFirstSamples:
      return "the sacrum sensor's reference was taken from its first samples"
    case .sacrumAxisNotLearned:
      return "the sacrum barely tilted, so the sign of its angle is assumed (anterior pelvic tilt)"
    case .longGap:
      return
        "the signal was lost for over 5 s, which could hide a rest between reps: a rep running into the gap ends there"
    case .gapBridged:
      return
        "the signal was lost for over 2 s inside the session (the sensor silent, and its angle settling after it); the reps and holds across that gap are inferred from the readings either side"
    case .repCutShort: return "a rep was still running when the recording ended"
    case .accelerometerImplausible:
      return
        "the accelerometer never read close to 1 g (is the IMU powered and its range right?); θ was never defined"
    }
  }
}

/// The sensor channels a layout holds, for people.
func channelNames(_ layout: RecordingLayout) -> [String] {
  var channels: [String] = []
  if layout.hasIMU { channels.append("imu") }
  if layout.hasIMU2 { channels.append("imu2") }
  if layout.hasLoad { channels.append("load") }
  if layout.hasSqueeze { channels.append("squeeze") }
  return channels
}

/// Fixed decimals for people (not the hot path).
func fmt(_ x: Double, _ decimals: Int) -> String {
  String(format: "%.\(decimals)f", x)
}

/// Pretty, stable JSON for `--json` outputs.
func jsonString(_ value: some Encodable) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  encoder.nonConformingFloatEncodingStrategy = .convertToString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}
