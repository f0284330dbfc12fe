import Foundation
import Testing
import TractionCore

@testable import TractionCLI

/// The detector on recordings it was not tuned on: `tools/independent-generator` and `tools/gen3`
/// were each written only from the specs, by two helpers who never read the project's simulator or
/// detector (their READMEs). The issue's targets, on small corpora the tests generate (16
/// recordings each; about 25 s each with Python 3).
@Suite struct IndependentCorpusTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let generator = root.appendingPathComponent("tools/independent-generator/gen.py").path
  static let gen3 = root.appendingPathComponent("tools/gen3/gen3.py").path
  static let gen4 = root.appendingPathComponent("tools/gen4/gen4.py").path

  /// The first python3 on the usual paths, or nil.
  static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// Generates `count` recordings (with `extra` options) and scores them; nil without python3.
  /// With `imuOnly`, the load-cell-only recordings are left out of the scores (they cannot show
  /// breath steps: docs/detection.md, "Known limits").
  static func scoreGenerated(
    count: Int, seed: Int, extra: [String] = [], generator: String = generator, imuOnly: Bool = false
  ) throws -> DetectionScoreAggregate? {
    guard let python = Self.python else {
      print("skipped: no python3 (scripts/install-deps installs it) to run \(generator)")
      return nil
    }
    let dir = NSTemporaryDirectory() + "independent-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [generator, "--out", dir, "--count", "\(count)", "--seed", "\(seed)"] + extra
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "the generator failed")
    let recordings = try EvalDetectionCommand.labelledRecordings(in: dir)
    try #require(recordings.count == count)
    let scores = try recordings.map { try EvalDetectionCommand.score(recording: $0) }
    let overall = DetectionScoreAggregate(imuOnly ? scores.filter { $0.theta != nil } : scores)
    print(EvalDetectionCommand.overallText(overall))
    return overall
  }

  /// The issue's targets; live, holds announced within 0.5 s (of their 2 s, or of when they became
  /// certain: `announced`) and the lowering's end within 0.5 s of leaving the breathing
  /// (docs/detection.md, "Events and their latency").
  static func expectIssueTargets(
    _ overall: DetectionScoreAggregate, announced: KeyPath<LatencySummary, LatencyStatistics?>
  ) {
    #expect(overall.repCountAccuracy >= 0.98)
    #expect(overall.holds.f1 >= 0.98)
    #expect(overall.breathSteps.f1 >= 0.95)
    #expect((overall.holds.medianStartAbsError ?? 99) <= 0.3)
    #expect((overall.holds.medianEndAbsError ?? 99) <= 0.3)
    #expect((overall.theta.rmseInRepsDeg ?? 99) <= 1.0)
    let latency = overall.latency.summary
    #expect((latency[keyPath: announced]?.withinHalfSecond ?? 0) >= 0.95)
    #expect((latency.holdEndAfterEvidentLowering?.withinHalfSecond ?? 0) >= 0.95)
  }

  @Test func issueTargetsOnIndependentRecordings() throws {
    guard let overall = try Self.scoreGenerated(count: 16, seed: 1) else { return }
    Self.expectIssueTargets(overall, announced: \.holdAnnounced)
  }

  /// The second generator's own choices (a sensor at any orientation, upside down or on its side;
  /// four breathing waveforms; traction holds below 8° that only a breath step makes a rep; a CSV
  /// surface that uses all the format allows). Its 48-recording corpora of seeds 1–3 score hold F1
  /// 0.995–0.997 and step F1 0.989–1.000.
  /// Its quick rises and low traction holds make reps certain late: announcements are held to the
  /// rule from when the hold and its rep were certain (docs/detection.md, "Measuring the latency").
  @Test func issueTargetsOnTheSecondGeneratorsRecordings() throws {
    guard let overall = try Self.scoreGenerated(count: 16, seed: 2, generator: Self.gen3) else { return }
    Self.expectIssueTargets(overall, announced: \.holdAnnouncedAfterCertain)
  }

  /// A third generator (`tools/gen4`), also written only from the specs: lognormal movements
  /// that overshoot and correct, breath by breath breathing with sighs and pauses, taps as ringing,
  /// sensor noise drawn from densities measured on BROAD, a strap that wobbles after fast moves,
  /// and hold edges where the movement's speed falls to 5 % of its peak. Its 48-recording corpora
  /// of seeds 1 and 2 score, on the IMU recordings, hold F1 0.998 and step F1 0.997 with every rep
  /// count exact. Its sacrum recordings take lumbar extension as the truth, which we report beside θ
  /// (θ stays the upper back's, as the issue asks), so θ RMSE there carries the pelvis's tilt.
  @Test func issueTargetsOnTheThirdGeneratorsRecordings() throws {
    guard let overall = try Self.scoreGenerated(count: 16, seed: 3, generator: Self.gen4, imuOnly: true) else {
      return
    }
    Self.expectIssueTargets(overall, announced: \.holdAnnouncedAfterCertain)
  }

  /// Its `--stress` mode: breathing of ±0.55–0.8° on every hold, as deep after the steps as
  /// before, and breath steps of 1.0–1.8° into holds of 2.0–2.6 s, so a step often stays inside
  /// the breathing (docs/detection.md, "Steps that stay inside the breathing"). Before those were
  /// looked for, the 16 recordings of seed 1 scored hold F1 0.88 and breath-step F1 0.67.
  /// Seed 5: slow steps whose rise the earlier plateau's band took in almost whole, leaving a gap
  /// of 0.3 s between the plateaus; these were dropped as too quick, or timed at that gap (breath-
  /// step F1 0.909 before, 1.000 now).
  @Test(arguments: [1, 5]) func breathStepsInsideDeepBreathing(seed: Int) throws {
    guard let overall = try Self.scoreGenerated(count: 16, seed: seed, extra: ["--stress"]) else {
      return
    }
    #expect(overall.repCountAccuracy >= 0.98)
    #expect(overall.holds.f1 >= 0.95)
    #expect(overall.breathSteps.f1 >= 0.95)
  }
}
