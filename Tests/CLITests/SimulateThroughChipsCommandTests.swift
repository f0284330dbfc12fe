import ArgumentParser
import ExerciseSimulator
import Foundation
import Testing
import TractionCLI
import TractionCore

/// `traction simulate --through-chips`: options, checks, and the files it writes.
@Suite struct SimulateThroughChipsCommandTests {
  private func message(_ args: [String]) -> String {
    do {
      _ = try SimulateCommand.parse(args)
      return ""
    } catch {
      return SimulateCommand.message(for: error)
    }
  }

  @Test func writesARecordingReadThroughTheChipsThatIsTheSameForTheSameSeed() async throws {
    let dir = NSTemporaryDirectory() + "simulate-chips-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let args = [
      "--seed", "4", "--reps", "1", "--variant", "basic", "--through-chips", "--imu-chip", "lsm6ds",
      "--load-chip", "hx711", "--faults", "bus,overrun", "--quiet",
    ]
    try await SimulateCommand.parse(args + ["--out", dir + "/a"]).run()
    try await SimulateCommand.parse(args + ["--out", dir + "/b"]).run()
    let a = try String(contentsOfFile: dir + "/a.csv", encoding: .utf8)
    #expect(a == (try String(contentsOfFile: dir + "/b.csv", encoding: .utf8)))
    #expect(a.contains("# note: traction simulate --through-chips seed=4"))
    #expect(a.contains("imu-chip=lsm6ds load-chip=hx711 faults=bus,overrun"))
    #expect(a.contains("\n# fault: t=") && a.contains(" load: HX711: a clock high phase lasted"))
    var reader = try RecordingReader(path: dir + "/a.csv")
    var n = 0
    while try reader.next() != nil { n += 1 }
    #expect(n > 1000)
    #expect(reader.gaps.seqJumpCount > 0)
    let labels = try SessionLabels.read(path: dir + "/a.labels.json")
    #expect(labels.reps.count == 1)
    let truth = try String(contentsOfFile: dir + "/a.truth.csv", encoding: .utf8)
    #expect(truth.split(separator: "\n").count == n + 1)
  }

  @Test func optionsThatDoNotFitAreRefusedByName() {
    #expect(message(["--out", "x", "--faults", "bus"]).contains("--through-chips"))
    #expect(message(["--out", "x", "--through-chips", "--faults", "meteor"]).contains("'meteor'"))
    #expect(message(["--out", "x", "--through-chips", "--squeeze"]).contains("--squeeze"))
    #expect(message(["--corpus", "d", "--through-chips"]).contains("--corpus"))
    #expect(message(["--out", "x", "--through-chips", "--faults", "sacrum-vanish"]).contains("--sacrum"))
    #expect(message(["--out", "x", "--through-chips", "--no-load", "--faults", "overrun"]).contains("--no-load"))
    #expect(message(["--out", "x", "--through-chips", "--imu-chip", "bmi160"]).contains("--imu-chip"))
    #expect(message(["--out", "x", "--through-chips", "--imu-chip", "lsm6ds", "--load-chip", "hx711", "--faults", "all", "--sacrum"]).isEmpty)
  }
}
