import ArgumentParser
import Foundation
import TractionCore

public struct EvalDetectionCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "detection",
    abstract: "Score reps, holds, breath steps and θ against labelled recordings.",
    discussion: """
      For every NAME.csv in DIR that has NAME.labels.json beside it (and NAME.truth.csv, when \
      present, for the angle), replays the recording through the monitor's pipeline and scores it \
      as ../shared/spec/exercise-model.md defines: reps and holds matched one to one at IoU ≥ 0.5 \
      (precision, recall, F1, median start/end error), breath steps within ±1 s (F1), exact rep \
      count, θ RMSE over all samples and inside reps. Prints each recording and the overall figures, \
      with the live latency: how long after the labelled instant each hold's start (its 2 s \
      minimum) and end were announced, the end split by what ended the hold (lowering or breath \
      step). NAME.truth.csv must hold one point per sample, at the sample's t_s (within 1 µs); \
      a truth that does not line up is an error naming its first point that does not. A \
      NAME.truth.csv that is there but cannot be read (a link to nothing) is an error, never a \
      score without truth. The recording and its companions must be regular files, and \
      NAME.labels.json at most 16 MiB.

      Examples:
        traction simulate --corpus corpus --count 40 --seed 1000
        traction eval detection corpus
        traction eval detection corpus --json > scores.json
      """)

  @Argument(help: "A directory of recordings with NAME.labels.json (and NAME.truth.csv) beside them.")
  var directory: String

  @Flag(help: "Print one JSON object {recordings: […], overall: {…}} instead of the table.")
  var json = false

  public init() {}

  struct Output: Encodable {
    var recordings: [RecordingDetectionScore]
    var overall: DetectionScoreAggregate
  }

  public func run() throws {
    let recordings = try Self.labelledRecordings(in: directory)
    var scores: [RecordingDetectionScore] = []
    for (i, path) in recordings.enumerated() {
      let score = try Self.score(recording: path)
      scores.append(score)
      if !json {
        print(Self.line(score))
      } else if isatty(STDERR_FILENO) != 0 {
        Console.errPartial("\r[\(i + 1)/\(recordings.count)] \(score.name)\u{1B}[K")
      }
    }
    if json && isatty(STDERR_FILENO) != 0 { Console.errPartial("\r\u{1B}[K") }
    let overall = DetectionScoreAggregate(scores)
    if json {
      print(try jsonString(Output(recordings: scores, overall: overall)))
    } else {
      print(Self.overallText(overall))
    }
  }

  /// The recordings in `dir` that have labels, sorted by name.
  /// A labels file that is there but cannot be read (a link to nothing) counts: reading it says why.
  static func labelledRecordings(in dir: String) throws -> [String] {
    let names = try FolderCheck.contents(dir).sorted()
    let paths = names.filter { $0.hasSuffix(".csv") && !$0.hasSuffix(".truth.csv") }
      .map { (dir as NSString).appendingPathComponent($0) }
      .filter { RecordingCompanions.isPresent(RecordingCompanions.labelsPath(forRecording: $0)) }
    guard !paths.isEmpty else {
      throw CommandFailure("\(dir): no recording with a NAME.labels.json beside it")
    }
    return paths
  }

  /// How far a truth point's `t_s` may be from its sample's: the 1 µs of the 6 decimals the
  /// recording and truth writers use. Truth and samples are paired in order, one to one, so a
  /// finer step between samples does not make the pairing ambiguous.
  static let truthTimeTolerance = 1e-6

  /// Replays one recording and scores it against its labels (and truth, when present). The truth
  /// must have one point per sample at the sample's time (recording-format.md); anything else is
  /// an error naming the truth file and the first point that does not line up. The files were
  /// found by listing a folder: each must be a regular file (a FIFO would wait for ever), and a
  /// truth that is there but cannot be read is an error, not a score without truth.
  static func score(recording path: String) throws -> RecordingDetectionScore {
    try RecordingCompanions.checkRegularInput(path)
    let labels = try SessionLabels.read(path: RecordingCompanions.labelsPath(forRecording: path))
    let truthPath = RecordingCompanions.truthPath(forRecording: path)
    let hasTruth = RecordingCompanions.isPresent(truthPath)
    if hasTruth { try RecordingCompanions.checkRegularInput(truthPath) }
    var truth: TruthReader? = hasTruth ? try TruthReader(path: truthPath) : nil
    var theta = ThetaErrorAccumulator(reps: labels.reps)
    var latency = LiveLatencyRecorder(labels: labels)
    var samples = 0
    /// Samples that had a truth point, and the time of the last sample.
    var paired = 0
    var lastSampleT: Double?
    var lastTruthT: Double?
    var truthNotices: [RecordingNotice] = []
    let report = try RecordingAnalysis.analyze(path: path) { sample, out in
      latency.observe(at: sample.t, out.events)
      samples += 1
      lastSampleT = sample.t
      guard truth != nil else { return }
      // One truth point per sample, in order.
      guard let p = try truth?.next() else {
        truthNotices = truth?.notices ?? []
        truth = nil
        return
      }
      guard abs(p.t - sample.t) <= truthTimeTolerance else {
        let line = truth?.lineNumber ?? 0
        throw CommandFailure(
          "\(truthPath):\(line): t_s \(p.t) matches no sample: it is the truth's point \(paired + 1), "
            + "and the recording's sample \(samples) is at t_s \(sample.t) (the truth must have one point "
            + "per sample, at the sample's t_s within 1 µs)")
      }
      paired += 1
      lastTruthT = p.t
      latency.observeTruth(t: p.t, thetaDeg: p.thetaDeg)
      // θ is scored only where there is an IMU to estimate it (a load-only recording has none).
      if sample.imu != nil {
        theta.add(t: sample.t, estimatedDeg: out.thetaDeg ?? 0, truthDeg: p.thetaDeg)
      }
    }
    if hasTruth {
      if paired < samples {
        throw CommandFailure(
          "\(truthPath): \(paired) of \(samples) samples have a true angle: "
            + (paired == 0 ? "the truth has no points" : "the truth ends at t_s \(lastTruthT ?? 0)")
            + (truthNotices.isEmpty ? "" : " (its cut-short last line was dropped)")
            + ", while the recording runs to t_s \(lastSampleT ?? 0) (the truth must have one point per sample)")
      }
      if var rest = truth, let extra = try rest.next() {
        throw CommandFailure(
          "\(truthPath):\(rest.lineNumber): t_s \(extra.t) matches no sample: the recording ends after "
            + "\(samples) samples at t_s \(lastSampleT ?? 0) (the truth must have one point per sample)")
      }
    }
    let name = RecordingCompanions.stem(ofRecording: path)
    let thetaSummary = theta.summary.sampleCount > 0 ? theta.summary : nil
    var score = DetectionScoring.score(
      name: (name as NSString).lastPathComponent, detected: report.summary.labels, labelled: labels,
      theta: thetaSummary)
    score.latency = latency.measure()
    return score
  }

  static func line(_ s: RecordingDetectionScore) -> String {
    var l =
      "\(s.name.padding(toLength: 16, withPad: " ", startingAt: 0)) reps \(s.detectedRepCount)/\(s.labelledRepCount)"
    l += "  holds F1 \(fmt(s.holds.f1, 2))  steps F1 \(fmt(s.breathSteps.f1, 2))"
    if let r = s.theta?.rmseInRepsDeg { l += "  θ RMSE in reps \(fmt(r, 2))°" }
    return l
  }

  static func overallText(_ a: DetectionScoreAggregate) -> String {
    var lines = ["overall (\(a.recordingCount) recordings):"]
    lines.append("  rep count exact: \(fmt(a.repCountAccuracy * 100, 1)) % of recordings; reps F1 \(fmt(a.reps.f1, 3))")
    var holds =
      "  holds: F1 \(fmt(a.holds.f1, 3)) (precision \(fmt(a.holds.precision, 3)), recall \(fmt(a.holds.recall, 3)))"
    if let s = a.holds.medianStartAbsError, let e = a.holds.medianEndAbsError {
      holds += ", median start error \(fmt(s, 2)) s, end error \(fmt(e, 2)) s"
    }
    lines.append(holds)
    lines.append("  breath steps: F1 \(fmt(a.breathSteps.f1, 3))")
    if let r = a.theta.rmseDeg, let rr = a.theta.rmseInRepsDeg {
      lines.append("  θ RMSE: \(fmt(r, 2))° over all samples, \(fmt(rr, 2))° inside reps")
    }
    lines.append("  live latency (stream time, against the labels; the rule is 0.5 s):")
    for (what, stats) in a.latency.summary.described {
      if let stats { lines.append("    \(what): \(stats.description)") }
    }
    return lines.joined(separator: "\n")
  }
}
