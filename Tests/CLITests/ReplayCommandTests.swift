import ArgumentParser
import ExerciseSimulator
import Foundation
import Testing
import TractionCore

@testable import TractionCLI

/// `traction replay` end to end: simulated recordings of both variants through the real reader,
/// estimator, tracker and detector; the JSON against the spec's shape; bad input.
@Suite struct ReplayCommandTests {
  static func tempDir() throws -> String {
    let d = NSTemporaryDirectory() + "replay-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }

  @Test(arguments: [VariantChoice.basic, .anchored], [UInt64(11), 12])
  func findsEveryRepOfBothVariants(variant: VariantChoice, seed: UInt64) throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: seed, repCount: 3, variant: variant, rateHz: 100)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    let labels = try SessionLabels.read(path: dir + "/s.labels.json")
    let report = try RecordingAnalysis.analyze(path: dir + "/s.csv")
    let score = DetectionScoring.score(name: "s", detected: report.summary.labels, labelled: labels)
    #expect(score.detectedRepCount == labels.reps.count)
    #expect(score.reps.falseNegatives == 0 && score.reps.falsePositives == 0)
    #expect(score.holds.f1 >= 0.9, "holds: \(score.holds)")
    if variant == .anchored {
      #expect(report.summary.breathSteps.count == 3 * labels.reps.count)
      #expect(report.summary.holds.filter { $0.kind == .top }.count == labels.reps.count)
    } else {
      #expect(report.summary.breathSteps.isEmpty)
      #expect(report.summary.holds.allSatisfy { $0.kind == .traction })
    }
  }

  @Test func jsonHasTheSpecsFieldsAndTraceHasEverySample() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 5, repCount: 2, variant: .anchored, rateHz: 50)
    let sim = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    var samples = 0
    let report = try RecordingAnalysis.analyze(path: dir + "/s.csv") { _, _ in samples += 1 }
    let object = try JSONSerialization.jsonObject(with: Data(try jsonString(report).utf8))
    let json = try #require(object as? [String: Any])
    let reps = try #require(json["reps"] as? [[String: Any]])
    let holds = try #require(json["holds"] as? [[String: Any]])
    let steps = try #require(json["breath_steps"] as? [[String: Any]])
    #expect(reps.count == 2)
    for r in reps { #expect(r["start"] is Double && r["end"] is Double && r["peak_deg"] is Double) }
    for h in holds {
      #expect(h["start"] is Double && h["end"] is Double && h["mean_deg"] is Double)
      #expect(["traction", "step", "top"].contains(h["kind"] as? String ?? ""))
    }
    for s in steps { #expect(s["t"] is Double && s["rise_deg"] is Double) }
    let recording = try #require(json["recording"] as? [String: Any])
    #expect(recording["samples"] as? Int == samples)

    // --trace: one row per sample, the spec's columns.
    let trace = dir + "/theta.csv"
    try ReplayCommand.parse([dir + "/s.csv", "--trace", trace]).run()
    var reader = try TruthReader(path: trace)
    var rows = 0
    while try reader.next() != nil { rows += 1 }
    #expect(rows == samples)
    #expect(rows == sim.samples)
    let header = try String(contentsOfFile: trace, encoding: .utf8).prefix { $0 != "\n" }
    #expect(header == "t_s,theta_deg")
  }

  /// --events: every live event with the stream time it came at, in order; a hold is announced
  /// once it has lasted its 2 s, and its end carries the summary's final timing.
  @Test func eventsComeInStreamOrderWithTheirFinalTiming() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 21, repCount: 2, variant: .anchored, rateHz: 100)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    let (report, events) = try ReplayCommand.analyze(path: dir + "/s.csv", events: true)
    #expect(zip(events, events.dropFirst()).allSatisfy { $0.atS <= $1.atS })
    var ends: [Hold] = []
    for a in events {
      switch a.event {
      case .holdStarted(_, let hold): #expect(a.atS >= hold.start + 2)
      case .holdEnded(_, let record):
        #expect(a.atS >= record.hold.end)
        ends.removeAll { $0.start == record.hold.start }
        ends.append(record.hold)
      default: break
      }
    }
    #expect(ends.map(\.start) == report.summary.holds.map(\.start))
    #expect(ends.map(\.end) == report.summary.holds.map(\.end))
    #expect(events.filter { if case .repStarted = $0.event { true } else { false } }.count == 2)
    let object = try JSONSerialization.jsonObject(
      with: Data(try jsonString(ReplayCommand.Output(report: report, events: events)).utf8))
    let json = try #require(object as? [String: Any])
    let listed = try #require(json["events"] as? [[String: Any]])
    #expect(listed.count == events.count)
    #expect((listed.first?["event"] as? String)?.hasPrefix("rep 1 started at") == true)
    #expect(json["holds"] is [[String: Any]])
  }

  /// A recording that ends in the middle of a hold: closing the stream ends the hold and the rep
  /// (cut short), and --events lists those too, at the last sample's time.
  @Test func eventsIncludeWhatTheEndOfTheRecordingCloses() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 22, repCount: 1, variant: .basic, rateHz: 100)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    let labels = try SessionLabels.read(path: dir + "/s.labels.json")
    let hold = try #require(labels.holds.first)
    // Keep the header and the samples up to 3 s into the hold.
    let cut = hold.start + 3
    let text = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8)
    var kept: [Substring] = []
    var header = true
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if header || line.hasPrefix("#") || line.isEmpty {
        kept.append(line)
        if !line.hasPrefix("#") && !line.isEmpty { header = false }
        continue
      }
      guard let t = Double(line.prefix { $0 != "," }), t <= cut else { continue }
      kept.append(line)
    }
    try kept.joined(separator: "\n").write(toFile: dir + "/cut.csv", atomically: true, encoding: .utf8)
    let (report, events) = try ReplayCommand.analyze(path: dir + "/cut.csv", events: true)
    let rep = try #require(report.summary.reps.first)
    #expect(rep.cutShort)
    let last = try #require(events.last)
    guard case .repEnded(_, let record) = last.event else {
      Issue.record("the last event is \(last.event), not the rep's end")
      return
    }
    #expect(record.cutShort)
    #expect(abs(last.atS - cut) < 0.02)
    #expect(events.contains { if case .holdEnded = $0.event { true } else { false } })
  }

  @Test func malformedRecordingNamesFileLineAndColumn() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/bad.csv"
    try "# format: traction-recording/1\nt_s,load_n\n0.0,1.0\n0.1,abc\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    let error = try #require(throws: RecordingError.self) { try ReplayCommand.parse([path]).run() }
    #expect(error.line == 4)
    #expect(error.description.contains("bad.csv:4"))
    #expect(error.description.contains("load_n"))
  }

  /// The trace is written as the recording is read: when the recording turns out malformed
  /// half-way, the error says the trace holds only the samples before the fault, so a partial
  /// trace is not taken for the whole recording's. A whole recording gives a whole trace.
  @Test func aFailedReplaySaysTheTraceIsPartial() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/bad.csv"
    var text = "# format: traction-recording/1\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
    for k in 0..<500 { text += "\(Double(k) / 100),0,0,9.81,0,0,0\n" }
    text += "0.5,0,0,9.81,0,0,0\n"  // time runs backwards
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let trace = dir + "/theta.csv"
    let error = try #require(throws: CommandFailure.self) {
      try ReplayCommand.parse([path, "--trace", trace]).run()
    }
    #expect(error.description.contains("bad.csv:503"))
    #expect(error.description.contains("--trace \(trace): holds only the 500 samples before that"))
    #expect(try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").count == 501)
    // Without the bad line the trace is whole, one row per sample.
    try text.split(separator: "\n").dropLast().joined(separator: "\n").appending("\n")
      .write(toFile: path, atomically: true, encoding: .utf8)
    try ReplayCommand.parse([path, "--trace", trace]).run()
    let rows = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "t_s,theta_deg" && rows.count == 501)
  }

  /// A named pipe is read once: `--trace` no longer opens it first to check it (that consumed its
  /// first line, and the replay then failed on the next).
  @Test(.timeLimit(.minutes(1))) func aNamedPipeReplaysWithATrace() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fifo = dir + "/live.csv"
    try #require(mkfifo(fifo, 0o600) == 0)
    var text = "# format: traction-recording/1\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
    for k in 0..<300 { text += "\(Double(k) / 100),0,0,9.81,0,0,0\n" }
    let body = text
    let writer = Thread {
      if let h = FileHandle(forWritingAtPath: fifo) {
        h.write(Data(body.utf8))
        try? h.close()
      }
    }
    writer.start()
    try ReplayCommand.parse([fifo, "--trace", dir + "/theta.csv"]).run()
    let rows = try String(contentsOfFile: dir + "/theta.csv", encoding: .utf8).split(separator: "\n")
    #expect(rows.count == 301)
  }

  /// Without an IMU the detector runs on the elbow force: its peaks, means and steadiness are
  /// newtons, in `_n` fields, with the spec's degree fields null, never forces labelled degrees;
  /// there is no angle, so `--trace` writes no column of zeros; `history` shows the peak force.
  @Test func aLoadOnlyRecordingReportsForcesNotAngles() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 7, repCount: 2, variant: .basic, rateHz: 50, includeIMU: false)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/l")
    let report = try RecordingAnalysis.analyze(path: dir + "/l.csv")
    #expect(report.summary.mode == .load)
    #expect(report.summary.repCount == 2)
    let object = try JSONSerialization.jsonObject(with: Data(try jsonString(report).utf8))
    let json = try #require(object as? [String: Any])
    let reps = try #require(json["reps"] as? [[String: Any]])
    let holds = try #require(json["holds"] as? [[String: Any]])
    #expect(reps.count == 2 && !holds.isEmpty)
    for r in reps {
      #expect(r["peak_deg"] is NSNull, "\(r)")
      // The force's rise above lying, tens of newtons at least (a traction push on the elbows).
      #expect((r["peak_n"] as? Double ?? 0) > 20, "\(r)")
    }
    for h in holds {
      #expect(h["mean_deg"] is NSNull && h["sd_deg"] is NSNull, "\(h)")
      #expect(h["mean_n"] is Double && h["sd_n"] is Double, "\(h)")
    }
    // Still readable as labels (the spec's names), the angles not measured: NaN, written as null.
    let asLabels = try JSONDecoder().decode(SessionLabels.self, from: Data(try jsonString(report).utf8))
    #expect(asLabels.reps.count == 2 && asLabels.reps.allSatisfy { $0.peakDeg.isNaN })
    #expect(asLabels.holds.allSatisfy { $0.meanDeg.isNaN })
    #expect(asLabels.problem() == nil)
    #expect(try jsonString(asLabels).contains("\"peak_deg\" : null"))
    let text = report.text()
    #expect(text.contains(" N\n") || text.contains(" N "), "\(text)")
    #expect(!text.contains("°"), "\(text)")

    let trace = dir + "/l.theta.csv"
    try ReplayCommand.parse([dir + "/l.csv", "--trace", trace]).run()
    #expect(!FileManager.default.fileExists(atPath: trace))

    let entries = try HistoryCommand.entries(in: dir)
    #expect(entries.count == 1)
    #expect(entries.first?.peakDeg == nil)
    #expect(entries.first?.peakN == report.summary.reps.compactMap(\.peakN).max())
    #expect(HistoryCommand.line(try #require(entries.first)).contains(" N"))
  }

  /// A sensor silent for 3 s: replay names the longest gap (its length, the time before it and
  /// the file line after it) and warns that what spans it is inferred; the rep is still found.
  @Test func aGapOfSecondsIsNamedAndItsRepKept() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(
      seed: 5, repCount: 1, variant: .anchored, rateHz: 50, includeLoad: false)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    let labels = try SessionLabels.read(path: dir + "/s.labels.json")
    let first = try #require(labels.holds.first)
    let mid = (first.start + first.end) / 2
    // Cut the samples of (mid − 1.5, mid + 1.5) out of the file.
    let lines = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    var kept: [Substring] = []
    var lineAfter = 0
    for line in lines {
      if let t = Double(line.prefix { $0 != "," }), t > mid - 1.5, t < mid + 1.5 { continue }
      if lineAfter == 0, let t = Double(line.prefix { $0 != "," }), t >= mid + 1.5 {
        lineAfter = kept.count + 1
      }
      kept.append(line)
    }
    try kept.joined(separator: "\n").write(toFile: dir + "/s.csv", atomically: true, encoding: .utf8)
    let report = try RecordingAnalysis.analyze(path: dir + "/s.csv")
    #expect(report.summary.repCount == 1)
    #expect(report.summary.warnings.contains(.gapBridged))
    let gap = try #require(report.recording.longestGap)
    #expect(gap.line == lineAfter)
    #expect(abs(gap.durationS - 3) < 0.05)
    let text = report.text()
    #expect(text.contains("(line \(lineAfter))"), "\(text)")
    #expect(text.contains("inferred"), "\(text)")
  }

  @Test func truncatedLastLineIsReportedAndTheRestProcessed() throws {
    let dir = try Self.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/cut.csv"
    var text = "# format: traction-recording/1\n# rate_hz: 10\nt_s,load_n\n"
    for k in 0..<100 { text += "\(Double(k) / 10),\(k < 30 || k > 80 ? 2.0 : 120.0)\n" }
    text += "10.0"  // the power went out mid-line
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    let report = try RecordingAnalysis.analyze(path: path)
    #expect(report.recording.samples == 100)
    #expect(report.recording.notices.count == 1)
    #expect(report.recording.notices.first?.contains("cut.csv") == true)
  }

  @Test func missingFileIsAClearError() throws {
    let error = try #require(throws: RecordingError.self) {
      try ReplayCommand.parse(["/nonexistent/s.csv"]).run()
    }
    #expect(error.description.contains("/nonexistent/s.csv"))
  }
}

/// `traction run` on the simulator: the same path as a live session (emulated chips, real
/// drivers, acquisition loop, pipeline, coach, recording).
@Suite struct RunCommandTests {
  @Test func simulatedSessionRecordsAndFindsTheScenariosReps() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/run.csv"
    try RunCommand.parse(["--simulate", "--seed", "4", "--reps", "2", "--quiet", "--record", path]).run()
    let config = ScenarioConfig(seed: 4, repCount: 2, variant: .mixed, rateHz: 100)
    let planned = try SessionPlan(config).labels
    let report = try RecordingAnalysis.analyze(path: path)
    #expect(report.summary.repCount == planned.reps.count)
    #expect(report.recording.samples > 0)
  }

  @Test func badOptionsAreRejectedWithTheirName() {
    #expect(throws: (any Error).self) { try RunCommand.parse(["--rate", "1000"]) }
    #expect(throws: (any Error).self) { try RunCommand.parse(["--variant", "sideways"]) }
    #expect(throws: (any Error).self) { try RunCommand.parse(["--hx711", "gpiochip0:5"]) }
    #expect(throws: (any Error).self) { try RunCommand.parse(["--record", "a.csv", "--no-record"]) }
    do {
      _ = try RunCommand.parse(["--rate", "1000"])
    } catch {
      #expect(RunCommand.message(for: error).contains("--rate"))
    }
  }
}
