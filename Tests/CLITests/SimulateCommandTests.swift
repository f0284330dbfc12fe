import ArgumentParser
import ExerciseSimulator
import Foundation
import Testing
import TractionCLI
import TractionCore

@Suite struct SimulateCommandTests {
  private func tempDir() throws -> String {
    let d = NSTemporaryDirectory() + "simulate-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }

  private func run(_ args: [String]) async throws {
    let cmd = try SimulateCommand.parse(args)
    try await cmd.run()
  }

  @Test func writesTheThreeFilesIntoNewDirectories() async throws {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let stem = dir + "/a/b/s7"
    try await run([
      "--seed", "7", "--out", stem, "--reps", "2", "--variant", "anchored", "--rate", "50", "--sacrum",
      "--squeeze", "--distractors", "roll,gap", "--quiet",
    ])
    let csv = try String(contentsOfFile: stem + ".csv", encoding: .utf8)
    let lines = csv.split(separator: "\n")
    #expect(lines.first == "# format: traction-recording/1")
    let header = try #require(lines.first { !$0.hasPrefix("#") })
    #expect(
      header
        == "t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,acc2_x,acc2_y,acc2_z,gyr2_x,gyr2_y,gyr2_z,load_n,squeeze_n,seq")
    let labels = try SessionLabels.read(path: stem + ".labels.json")
    #expect(labels.reps.count == 2)
    #expect(labels.variantPerRep == [.anchored, .anchored])
    #expect(labels.holds.count == 8 && labels.breathSteps.count == 6)
    let truth = try String(contentsOfFile: stem + ".truth.csv", encoding: .utf8).split(separator: "\n")
    #expect(truth.first == "t_s,theta_deg")
    // One truth line per sample line, at the same times.
    let samples = lines.filter { !$0.hasPrefix("#") }.dropFirst()
    #expect(truth.count - 1 == samples.count)
    for (s, t) in zip(samples, truth.dropFirst()).prefix(50) {
      #expect(s.split(separator: ",")[0] == t.split(separator: ",")[0])
    }
  }

  @Test func loadOnlyRecordingHasNoIMUColumns() async throws {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try await run(["--seed", "3", "--out", dir + "/l3.csv", "--no-imu", "--reps", "1", "--quiet"])
    let csv = try String(contentsOfFile: dir + "/l3.csv", encoding: .utf8)
    #expect(csv.contains("\nt_s,load_n,seq\n"))
    #expect(csv.contains("# placement: elbow-platform"))
  }

  @Test func badOptionsNameTheOptionAndTheAllowedValues() {
    func message(_ args: [String]) -> String {
      do {
        _ = try SimulateCommand.parse(args)
        return ""
      } catch {
        return SimulateCommand.message(for: error)
      }
    }
    let d = message(["--out", "x", "--distractors", "roll,sneeze"])
    #expect(d.contains("--distractors") && d.contains("sneeze") && d.contains("fidget"))
    let v = message(["--out", "x", "--variant", "hard"])
    #expect(v.contains("--variant") && v.contains("anchored"))
    #expect(message(["--out", "x", "--rate", "20"]).contains("--rate"))
    #expect(message(["--out", "x", "--reps", "0"]).contains("--reps"))
    #expect(message(["--out", "x", "--no-imu", "--no-load"]).contains("--no-imu"))
    #expect(message([]).contains("--out"))
    #expect(message(["--out", "x", "--corpus", "d"]).contains("--corpus"))
  }

  @Test func distractorListParsing() throws {
    #expect(try SimulateCommand.parseDistractors("none").isEmpty)
    #expect(try SimulateCommand.parseDistractors("all") == Set(Distractor.allCases))
    #expect(try SimulateCommand.parseDistractors("Tap, cough") == [.tap, .cough])
  }

  @Test func corpusCoversTheCasesAndIsReproducible() async throws {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // The configs alone show the coverage (cheap); two files show the writing.
    let configs = (0..<10).map { SimulatedCorpus.config(index: $0, firstSeed: 1000) }
    #expect(Set(configs.flatMap(\.distractors)) == Set(Distractor.allCases))
    #expect(configs.contains { $0.distractors.isEmpty })
    #expect(Set(configs.map(\.variant)) == Set(VariantChoice.allCases))
    #expect(configs.contains { !$0.includeIMU && $0.includeLoad })
    #expect(configs.contains { $0.includeIMU && $0.includeLoad })
    #expect(configs.contains { $0.includeSacrum })
    #expect(configs.contains { $0.includeSqueeze })
    #expect(configs.allSatisfy { ScenarioConfig.rateRange.contains($0.rateHz) })
    #expect(configs.map(\.rateHz).min() == 50 && configs.map(\.rateHz).max() == 400)
    #expect(configs.allSatisfy { (try? $0.validate()) != nil })

    try await run(["--corpus", dir, "--count", "2", "--seed", "1000", "--rate", "50", "--quiet"])
    let index = try Data(contentsOf: URL(fileURLWithPath: dir + "/index.json"))
    let text = String(decoding: index, as: UTF8.self)
    #expect(text.contains("\"sim-1000\"") && text.contains("\"sim-1001\""))
    let first = try Data(contentsOf: URL(fileURLWithPath: dir + "/sim-1000.csv"))
    try await run(["--corpus", dir + "/again", "--count", "1", "--seed", "1000", "--quiet"])
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/again/sim-1000.csv")) == first)
  }
}
