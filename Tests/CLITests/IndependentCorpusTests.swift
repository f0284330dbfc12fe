import Foundation
import Testing
import TractionCore

@testable import TractionCLI

/// The detector on recordings it was not tuned on: `tools/independent-generator` was written only
/// from the specs, never from the project's simulator (its README). The issue's targets, on a
/// small corpus the test generates (16 recordings, seed 1; about 25 s with Python 3).
@Suite struct IndependentCorpusTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let generator = root.appendingPathComponent("tools/independent-generator/gen.py").path

  /// The first python3 on the usual paths, or nil.
  static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// Generates `count` recordings (with `extra` options) and scores them; nil without python3.
  static func scoreGenerated(count: Int, seed: Int, extra: [String] = []) throws
    -> DetectionScoreAggregate?
  {
    guard let python = Self.python else {
      print("skipped: no python3 (scripts/install-deps installs it) to run \(Self.generator)")
      return nil
    }
    let dir = NSTemporaryDirectory() + "independent-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [Self.generator, "--out", dir, "--count", "\(count)", "--seed", "\(seed)"] + extra
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "the generator failed")
    let recordings = try EvalDetectionCommand.labelledRecordings(in: dir)
    try #require(recordings.count == count)
    let scores = try recordings.map { try EvalDetectionCommand.score(recording: $0) }
    let overall = DetectionScoreAggregate(scores)
    print(EvalDetectionCommand.overallText(overall))
    return overall
  }

  @Test func issueTargetsOnIndependentRecordings() throws {
    guard let overall = try Self.scoreGenerated(count: 16, seed: 1) else { return }
    #expect(overall.repCountAccuracy >= 0.98)
    #expect(overall.holds.f1 >= 0.98)
    #expect(overall.breathSteps.f1 >= 0.95)
    #expect((overall.holds.medianStartAbsError ?? 99) <= 0.3)
    #expect((overall.holds.medianEndAbsError ?? 99) <= 0.3)
    #expect((overall.theta.rmseInRepsDeg ?? 99) <= 1.0)
    // Live: holds announced within 0.5 s of their 2 s, and the lowering's end within 0.5 s of
    // leaving the breathing (docs/detection.md, "Events and their latency").
    let latency = overall.latency.summary
    #expect((latency.holdAnnounced?.withinHalfSecond ?? 0) >= 0.95)
    #expect((latency.holdEndAfterEvidentLowering?.withinHalfSecond ?? 0) >= 0.95)
  }

  /// Its `--stress` mode: breathing of ±0.55–0.8° on every hold, as deep after the steps as
  /// before, and breath steps of 1.0–1.8° into holds of 2.0–2.6 s, so a step often stays inside
  /// the breathing (docs/detection.md, "Steps that stay inside the breathing"). Before those were
  /// looked for, these 16 recordings scored hold F1 0.88 and breath-step F1 0.67.
  @Test func breathStepsInsideDeepBreathing() throws {
    guard let overall = try Self.scoreGenerated(count: 16, seed: 1, extra: ["--stress"]) else {
      return
    }
    #expect(overall.repCountAccuracy >= 0.98)
    #expect(overall.holds.f1 >= 0.95)
    #expect(overall.breathSteps.f1 >= 0.95)
  }
}
