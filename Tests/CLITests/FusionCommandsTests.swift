import Foundation
import Testing

@testable import TractionCLI
@testable import TractionCore

@Suite struct FusionCommandsTests {
  @Test func jsonReportIsOneObjectWithTheAgreedKeys() throws {
    let scores = [
      OrientationEvaluation.TrialScore(
        name: "a \"quoted\" name", rmseDegrees: 0.5, maxErrorDegrees: 1, scoredSamples: 10),
      OrientationEvaluation.TrialScore(
        name: "b", rmseDegrees: 1.5, maxErrorDegrees: 2, scoredSamples: 10),
    ]
    let text = EvalOrientationCommand.jsonReport(scores)
    #expect(!text.contains("\n"))
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(Set(object.keys) == ["trials", "mean_rmse_deg"])
    #expect(object["mean_rmse_deg"] as? Double == 1.0)
    let trials = try #require(object["trials"] as? [[String: Any]])
    #expect(trials.count == 2)
    #expect(trials[0]["name"] as? String == "a \"quoted\" name")
    #expect(trials[1]["rmse_deg"] as? Double == 1.5)
    #expect(Set(trials[0].keys) == ["name", "rmse_deg"])
  }

  @Test func badOptionsAreRejectedBeforeAnyWork() async throws {
    // Option errors are found while parsing (validate()), so they print this command's usage.
    #expect(throws: (any Error).self) {
      try EvalOrientationCommand.parseAsRoot(["/nonexistent", "--acc-time-constant=-1"])
    }
    #expect(throws: (any Error).self) {
      try EvalOrientationCommand.parseAsRoot(["/nonexistent", "--estimator", "kalman"])
    }
    let missing = try EvalOrientationCommand.parseAsRoot(["/nonexistent"])
    await #expect(throws: NumericCSVError.self) {
      if let command = missing as? EvalOrientationCommand { try await command.run() }
    }
    #expect(throws: (any Error).self) {
      try BenchFusionCommand.parseAsRoot(["--runs", "3"])  // --data is required
    }
  }

  @Test func benchRunsOnARecording() async throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("fusion-bench-\(UUID().uuidString).csv").path
    var text = "# format: traction-recording/1\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
    for k in 0..<500 { text += "\(Double(k) * 0.005),0,0,9.81,0.01,0,0\n" }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let parsed = try BenchFusionCommand.parseAsRoot(["--data", path, "--runs", "2", "--json"])
    let command = try #require(parsed as? BenchFusionCommand)
    try await command.run()
  }
}
