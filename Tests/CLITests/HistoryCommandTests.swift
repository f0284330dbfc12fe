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
    try HistoryCommand.parse([dir, "--json"]).run()
  }

  @Test func aMissingFolderIsAClearError() {
    #expect(throws: (any Error).self) { try HistoryCommand.parse(["/nonexistent/sessions"]).run() }
  }
}
