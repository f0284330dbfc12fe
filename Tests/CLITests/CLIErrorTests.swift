import ArgumentParser
import ExerciseSimulator
import Foundation
import Testing
import TractionCore

@testable import TractionCLI

/// What the command line prints and returns for bad input: runtime failures are one clear line and
/// exit 1; only option and argument errors print the usage and exit 64.
@Suite struct CLIErrorTests {
  /// Runs `traction ARGS` in process; nil on success, else the exit code and the full message
  /// the executable would print.
  static func failure(_ args: [String]) async -> (code: Int32, message: String)? {
    do {
      let command = try TractionCommand.parseAsRoot(args)
      if var a = command as? AsyncParsableCommand {
        try await a.run()
      } else {
        var c = command
        try c.run()
      }
      return nil
    } catch {
      return (TractionCommand.exitCode(for: error).rawValue, TractionCommand.fullMessage(for: error))
    }
  }

  @Test func runtimeFailuresExitOneWithoutUsage() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/a.csv"
    try "# format: traction-recording/1\nt_s,load_n\n0,1\n".write(toFile: file, atomically: true, encoding: .utf8)
    for args in [
      ["history", dir + "/missing"], ["history", file], ["eval", "detection", dir + "/missing"],
      ["eval", "detection", file], ["eval", "detection", dir], ["bench", "fusion", "--data", dir + "/missing.csv"],
      ["eval", "orientation", dir + "/missing"],
    ] {
      let f = try #require(await Self.failure(args), "\(args)")
      #expect(f.code == 1, "\(args): \(f.message)")
      #expect(!f.message.contains("Usage"), "\(args): \(f.message)")
    }
    let history = try #require(await Self.failure(["history", file]))
    #expect(history.message.contains("a.csv is a file, not a folder"), "\(history.message)")
    #expect(history.message.contains("traction replay"), "\(history.message)")
    let missing = try #require(await Self.failure(["history", dir + "/missing"]))
    #expect(missing.message.contains("missing: no such folder"), "\(missing.message)")
  }

  @Test func optionErrorsExit64WithTheSubcommandsUsage() async throws {
    for (args, usage) in [
      (["bench", "fusion", "--data", "x.csv", "--runs", "0"], "traction bench fusion"),
      (["eval", "orientation", "dir", "--latency", "3"], "traction eval orientation"),
      (["bench", "fusion", "--data", "x.csv", "--estimator", "kalman"], "traction bench fusion"),
    ] {
      let f = try #require(await Self.failure(args), "\(args)")
      #expect(f.code == 64, "\(args): \(f.message)")
      #expect(f.message.contains("Usage: \(usage)"), "\(args): \(f.message)")
    }
  }
}
