import ExerciseSimulator
import Foundation
import Testing
import TractionCore

@testable import TractionCLI

@Suite struct HistoryCommandTests {
  @Test func listsEachSessionAndKeepsGoingPastADamagedOne() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 21, repCount: 2, variant: .basic, rateHz: 50)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/2026-11-20")
    try "# format: traction-recording/1\nt_s,load_n\n0,1\n0,2\n".write(
      toFile: dir + "/2026-11-21.csv", atomically: true, encoding: .utf8)
    let labels = try SessionLabels.read(path: dir + "/2026-11-20.labels.json")
    let entries = try HistoryCommand.entries(in: dir)
    #expect(entries.map { ($0.file as NSString).lastPathComponent } == ["2026-11-20.csv", "2026-11-21.csv"])
    #expect(entries[0].error == nil)
    #expect(entries[0].reps == labels.reps.count)
    #expect(entries[0].holds == labels.holds.count)
    #expect(entries[1].reps == nil)
    #expect(entries[1].error?.contains("2026-11-21.csv:4") == true)
    // The JSON lists both (the error in its entry), and the command fails.
    let error = try #require(throws: CommandFailure.self) { try HistoryCommand.parse([dir, "--json"]).run() }
    #expect(error.description == "1 of 2 recordings in \(dir) could not be read")
  }

  /// A damaged recording: the others are listed on standard output, its error goes to standard
  /// error, and the exit status says something could not be read. A file name's control
  /// characters are shown escaped, never sent to the terminal.
  @Test func damagedRecordingsGoToStandardErrorAndFailTheCommand() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 21, repCount: 1, variant: .basic, rateHz: 50)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/e\u{1B}[2J")
    try "garbage\n".write(toFile: dir + "/g.csv", atomically: true, encoding: .utf8)
    let r = try Traction.run(["history", dir], timeout: 60)
    #expect(r.status == 1, "\(r.err)")
    #expect(r.err.contains("\(dir)/g.csv:1: the first line must be"), "\(r.err)")
    #expect(r.err.contains("1 of 2 recordings in \(dir) could not be read"), "\(r.err)")
    #expect(!r.out.contains("g.csv"), "\(r.out)")
    #expect(r.out.contains("\(dir)/e\\u{1B}[2J.csv  0."), "\(r.out)")
    #expect(!r.out.contains("\u{1B}"))
    // Only readable recordings: status 0.
    try FileManager.default.removeItem(atPath: dir + "/g.csv")
    #expect(try Traction.run(["history", dir], timeout: 60).status == 0)
  }

  @Test func aMissingFolderIsAClearError() {
    #expect(throws: (any Error).self) { try HistoryCommand.parse(["/nonexistent/sessions"]).run() }
  }
}
