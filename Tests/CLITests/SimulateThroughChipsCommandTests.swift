import ArgumentParser
import ExerciseSimulator
import Foundation
import Testing
import TractionCore

@testable import TractionCLI

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

  @Test func replayOfAThroughChipsRecordingFindsTheLabelledRepsHoldsAndSteps() async throws {
    let dir = NSTemporaryDirectory() + "simulate-chips-replay-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try await SimulateCommand.parse([
      "--seed", "8", "--reps", "2", "--out", dir + "/r8", "--through-chips", "--sacrum", "--faults", "bus,overrun",
      "--quiet",
    ]).run()
    let report = try RecordingAnalysis.analyze(path: dir + "/r8.csv")
    let labels = try SessionLabels.read(path: dir + "/r8.labels.json")
    let score = DetectionScoring.score(name: "r8", detected: report.summary.labels, labelled: labels)
    #expect(score.reps.truePositives == labels.reps.count && score.reps.falsePositives == 0)
    #expect(score.holds.truePositives == labels.holds.count && score.holds.falsePositives == 0)
    #expect(score.breathSteps.truePositives == labels.breathSteps.count && score.breathSteps.falsePositives == 0)
    // The faults are in the file as notes; the MPU-6050's FIFO kept the samples across the bus
    // errors, so nothing was lost.
    let text = try String(contentsOfFile: dir + "/r8.csv", encoding: .utf8)
    #expect(text.contains("\n# fault: t=") && text.contains("imu: I2C bus error"))
    #expect(report.recording.seqJumps == 0 && report.recording.gaps == 0)
  }

  @Test func optionsThatDoNotFitAreRefusedByName() {
    #expect(message(["--out", "x", "--faults", "bus"]).contains("--through-chips"))
    #expect(message(["--out", "x", "--through-chips", "--faults", "meteor"]).contains("'meteor'"))
    #expect(message(["--out", "x", "--through-chips", "--squeeze"]).contains("--squeeze"))
    #expect(message(["--corpus", "d", "--through-chips"]).contains("--corpus"))
    #expect(message(["--out", "x", "--through-chips", "--faults", "sacrum-vanish"]).contains("--sacrum"))
    #expect(message(["--out", "x", "--through-chips", "--no-load", "--faults", "overrun"]).contains("--no-load"))
    #expect(message(["--out", "x", "--through-chips", "--imu-chip", "bmi160"]).contains("--imu-chip"))
    // Chips named without the chips path were silently ignored before.
    #expect(message(["--out", "x", "--imu-chip", "lsm6ds"]).contains("--imu-chip needs --through-chips"))
    #expect(message(["--out", "x", "--load-chip", "hx711"]).contains("--load-chip needs --through-chips"))
    #expect(
      message([
        "--out", "x", "--through-chips", "--imu-chip", "lsm6ds", "--load-chip", "hx711", "--faults", "all", "--sacrum",
      ]).isEmpty)
  }

  /// `--faults all` is every fault that can hit a sensor the session simulates: without --sacrum
  /// it leaves sacrum-vanish out (the user never typed it), with --no-imu the IMU faults. A fault
  /// named on its own must still fit.
  @Test func allFaultsAreThoseThatFitTheSensors() throws {
    for (extra, expected) in [
      ([String](), Set<ChipFault>([.bus, .overrun, .vanish, .loadVanish])),
      (["--sacrum"], Set(ChipFault.allCases)),
      (["--no-imu"], [.overrun, .loadVanish]),
      (["--no-load"], [.bus, .vanish]),
    ] {
      let args = ["--out", "x", "--through-chips", "--faults", "all"] + extra
      #expect(message(args).isEmpty, "\(extra): \(message(args))")
      let (named, all) = try SimulateCommand.parse(args).chosenFaults()
      #expect(named.isEmpty && all == expected, "\(extra)")
    }
    #expect(message(["--out", "x", "--through-chips", "--faults", "all,sacrum-vanish"]).contains("--sacrum"))
    #expect(message(["--out", "x", "--through-chips", "--no-imu", "--faults", "all,bus"]).contains("--no-imu"))
  }
}
