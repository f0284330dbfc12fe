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

  /// A number option with a leading '-' is taken as its value, so the range check says what is
  /// wrong with it, naming the option (it used to be read as an unknown flag: "missing value").
  @Test func negativeNumbersReachTheRangeChecks() async throws {
    for (args, message) in [
      (["simulate", "--out", "x", "--rate", "-5"], "--rate must be between 50 and 400 Hz (got -5.0)"),
      (["simulate", "--out", "x", "--reps", "-1"], "--reps must be 1, 2, 3 or 4 (got -1)"),
      (["simulate", "--corpus", "c", "--count", "-3"], "--count must be between 1 and 100000 (got -3)"),
      (["simulate", "--out", "x", "--seed", "-1"], "'-1' is invalid for '--seed <seed>'"),
      (["run", "--simulate", "--no-record", "--duration", "-1"], "--duration -1.0: must be positive"),
      (["run", "--simulate", "--no-record", "--rate", "-100"], "--rate -100.0: must be 50–400 Hz"),
      (["run", "--simulate", "--no-record", "--reps", "-2"], "--reps -2: must be 1–4"),
      (["run", "--simulate", "--no-record", "--seed", "-7"], "'-7' is invalid for '--seed <seed>'"),
      (["run", "--no-record", "--load-scale", "-2"], "--load-scale -2.0: must be non-zero newtons per count"),
      (["bench", "fusion", "--data", "x.csv", "--runs", "-3"], "--runs must be between 1 and 1000 (got -3)"),
      (["eval", "orientation", "d", "--latency", "-0.5"], "--latency must be between 0 and 1 s"),
      (["eval", "orientation", "d", "--acc-time-constant", "-1"], "--acc-time-constant must be a positive number"),
      (["bench", "fusion", "--data", "x", "--bias-time-constant-motion", "-2"], "--bias-time-constant-motion must be"),
      (["bench", "fusion", "--data", "x", "--bias-time-constant-rest", "-2"], "--bias-time-constant-rest must be"),
    ] {
      let f = try #require(await Self.failure(args), "\(args)")
      #expect(f.code == 64, "\(args): \(f.message)")
      #expect(f.message.contains(message), "\(args): \(f.message)")
      #expect(!f.message.contains("Missing value"), "\(args): \(f.message)")
    }
    // A negative load-cell scale is a valid calibration (the cell mounted the other way).
    #expect(try RunCommand.parse(["--load-scale", "-0.002"]).loadScale == -0.002)
  }

  /// Values that parse but cannot be meant (a review's finds): a scale that makes a 24-bit count
  /// a force of 1e300 N (the coach then trapped reading the peak), an empty bus path, a distractor
  /// list that contradicts itself, a corpus whose seeds would wrap round to sim-0.
  @Test func implausibleOrContradictoryValuesAreRefused() async throws {
    for (args, message) in [
      (["run", "--no-record", "--load-scale", "1e300"], "--load-scale 1e+300: must be non-zero newtons per count"),
      (["run", "--no-record", "--bus", ""], "--bus needs a device path"),
      (["simulate", "--out", "x", "--distractors", "all,none"], "--distractors: 'all' stands alone"),
      (["simulate", "--corpus", "c", "--count", "3", "--seed", "18446744073709551614"], "runs past the largest seed"),
    ] {
      let f = try #require(await Self.failure(args), "\(args)")
      #expect(f.code == 64, "\(args): \(f.message)")
      #expect(f.message.contains(message), "\(args): \(f.message)")
    }
    #expect(try SimulateCommand.parseDistractors("all") == Set(Distractor.allCases))
    #expect(try SimulateCommand.parseDistractors("none").isEmpty)
  }

  /// `bench fusion --runs` has a range, like `simulate --count`: a huge count would run for ever.
  @Test func benchRunsHasARange() async throws {
    for runs in ["0", "1001", "9223372036854775807"] {
      let f = try #require(await Self.failure(["bench", "fusion", "--data", "x.csv", "--runs", runs]), "\(runs)")
      #expect(f.code == 64, "\(runs): \(f.message)")
      #expect(f.message.contains("--runs must be between 1 and 1000 (got \(runs))"), "\(f.message)")
    }
  }

  /// `replay --trace` truncates its output: it must refuse, before opening anything, a trace that
  /// is the recording (by another spelling, a symlink or a hard link) or one of its companions.
  @Test func replayRefusesATraceThatIsTheRecordingByAnyName() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 7, repCount: 1, variant: .basic, rateHz: 50)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    let fm = FileManager.default
    try fm.createSymbolicLink(atPath: dir + "/link.csv", withDestinationPath: dir + "/s.csv")
    try fm.linkItem(atPath: dir + "/s.csv", toPath: dir + "/hard.csv")
    let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.csv"))
    let truthBefore = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.truth.csv"))
    for trace in [
      dir + "/./s.csv", dir + "/link.csv", dir + "/hard.csv", dir + "//s.csv", dir + "/s.truth.csv",
      dir + "/s.labels.json",
    ] {
      let f = try #require(await Self.failure(["replay", dir + "/s.csv", "--trace", trace]), "\(trace)")
      #expect(f.code == 64, "\(trace): \(f.message)")
      #expect(f.message.contains("would destroy it"), "\(trace): \(f.message)")
    }
    // Replayed through the symlink, the companions of the file it leads to are guarded too.
    for trace in [dir + "/s.truth.csv", dir + "/s.labels.json"] {
      let f = try #require(await Self.failure(["replay", dir + "/link.csv", "--trace", trace]), "\(trace)")
      #expect(f.code == 64, "\(trace): \(f.message)")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/s.csv")) == before)
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/s.truth.csv")) == truthBefore)
    // A recording that does not open leaves no trace file behind.
    let missing = try #require(await Self.failure(["replay", dir + "/none.csv", "--trace", dir + "/t.csv"]))
    #expect(missing.code == 1)
    #expect(!fm.fileExists(atPath: dir + "/t.csv"))
  }

  /// `simulate --out a` replaces an earlier simulated `a` (the seed gives it again) but never a
  /// recorded session `a.csv` (no labels beside it).
  @Test func simulateNeverReplacesARecordedSession() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let stem = dir + "/a"
    #expect(await Self.failure(["simulate", "--out", stem, "--quiet", "--reps", "1"]) == nil)
    #expect(await Self.failure(["simulate", "--out", stem, "--quiet", "--reps", "1", "--seed", "9"]) == nil)
    try FileManager.default.removeItem(atPath: stem + ".labels.json")
    let recorded = try Data(contentsOf: URL(fileURLWithPath: stem + ".csv"))
    for extra in [[String](), ["--through-chips"]] {
      let f = try #require(await Self.failure(["simulate", "--out", stem, "--quiet", "--reps", "1"] + extra))
      #expect(f.code == 1, "\(f.message)")
      #expect(f.message.contains("not a simulated session") && f.message.contains("a.csv"), "\(f.message)")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: stem + ".csv")) == recorded)
    #expect(!FileManager.default.fileExists(atPath: stem + ".labels.json"))
  }

  /// Nor any other file it would write: a `NAME.truth.csv` or `NAME.labels.json` without a
  /// simulated `NAME.csv`, or a recording with hand-made labels (its note does not say
  /// `traction simulate`), is refused by name and kept as it is; nothing is written.
  @Test func simulateNeverReplacesAnyFileThatIsNotAnEarlierSimulation() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fm = FileManager.default
    for name in ["o.truth.csv", "o.labels.json"] {
      try "precious\n".write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
      for extra in [[String](), ["--through-chips"]] {
        let f = try #require(await Self.failure(["simulate", "--out", dir + "/o", "--quiet", "--reps", "1"] + extra))
        #expect(f.code == 1, "\(f.message)")
        #expect(f.message.contains("\(dir)/\(name): already exists"), "\(f.message)")
        #expect(try String(contentsOfFile: dir + "/" + name, encoding: .utf8) == "precious\n")
        #expect(!fm.fileExists(atPath: dir + "/o.csv"))
      }
      try fm.removeItem(atPath: dir + "/" + name)
    }
    // A recorded session with labels made by hand.
    let recorded = "# format: traction-recording/1\n# rate_hz: 50\nt_s,load_n\n0,1\n0.02,2\n"
    try recorded.write(toFile: dir + "/r.csv", atomically: true, encoding: .utf8)
    try "{}\n".write(toFile: dir + "/r.labels.json", atomically: true, encoding: .utf8)
    let f = try #require(await Self.failure(["simulate", "--out", dir + "/r", "--quiet", "--reps", "1"]))
    #expect(f.code == 1 && f.message.contains("r.csv: already exists and is not a simulated session"), "\(f.message)")
    #expect(try String(contentsOfFile: dir + "/r.csv", encoding: .utf8) == recorded)
    #expect(try String(contentsOfFile: dir + "/r.labels.json", encoding: .utf8) == "{}\n")
    #expect(!fm.fileExists(atPath: dir + "/r.truth.csv"))
  }

  /// Replacing an earlier simulation removes its files rather than writing through them: a
  /// companion that was made a link to a file of the user's is replaced, and that file is kept.
  @Test func replacingASimulationNeverWritesThroughALink() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fm = FileManager.default
    let stem = dir + "/s"
    #expect(await Self.failure(["simulate", "--out", stem, "--quiet", "--reps", "1"]) == nil)
    for name in ["s.truth.csv", "s.labels.json"] {
      let precious = dir + "/precious-" + name
      try "precious\n".write(toFile: precious, atomically: true, encoding: .utf8)
      try fm.removeItem(atPath: dir + "/" + name)
      try fm.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: precious)
      #expect(await Self.failure(["simulate", "--out", stem, "--quiet", "--reps", "1", "--seed", "4"]) == nil)
      #expect(try String(contentsOfFile: precious, encoding: .utf8) == "precious\n")
      #expect((try? fm.destinationOfSymbolicLink(atPath: dir + "/" + name)) == nil, "\(name) is still a link")
    }
  }

  /// A `NAME.truth.csv` that is there but cannot be read (a link to nothing) is an error naming
  /// it, never a score without truth.
  @Test func evalDetectionRefusesATruthThatIsThereButUnreadable() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 3, repCount: 1, variant: .basic, rateHz: 50)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    try FileManager.default.removeItem(atPath: dir + "/s.truth.csv")
    try FileManager.default.createSymbolicLink(atPath: dir + "/s.truth.csv", withDestinationPath: dir + "/gone.csv")
    let error = try #require(throws: (any Error).self) { try EvalDetectionCommand.score(recording: dir + "/s.csv") }
    #expect("\(error)" == "\(dir)/s.truth.csv: cannot open: a symbolic link to a missing file", "\(error)")
    // Without the link it scores, without θ.
    try FileManager.default.removeItem(atPath: dir + "/s.truth.csv")
    #expect(try EvalDetectionCommand.score(recording: dir + "/s.csv").theta == nil)
  }

  /// A truth file saved with a byte-order mark scores like one without.
  @Test func evalDetectionReadsATruthWithAByteOrderMark() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 3, repCount: 1, variant: .basic, rateHz: 50)
    let sim = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    let truth = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.truth.csv"))
    try (Data([0xEF, 0xBB, 0xBF]) + truth).write(to: URL(fileURLWithPath: dir + "/s.truth.csv"))
    #expect(try EvalDetectionCommand.score(recording: dir + "/s.csv").theta?.sampleCount == sim.samples)
  }

  /// `simulate --out` with no name, or a folder, would write hidden `.csv`, `.labels.json`,
  /// `.truth.csv`: an option error instead, saying what a valid value looks like.
  @Test func simulateOutMustNameAFile() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for out in ["", dir + "/", dir + "/.csv", dir + "/.", ".csv"] {
      let f = try #require(await Self.failure(["simulate", "--out", out, "--quiet"]), "'\(out)'")
      #expect(f.code == 64, "'\(out)': \(f.message)")
      #expect(f.message.contains("--out '\(out)'"), "\(f.message)")
      #expect(f.message.contains("e.g. --out s7"), "\(f.message)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: ".labels.json"))
    let corpus = try #require(await Self.failure(["simulate", "--corpus", "", "--count", "1"]))
    #expect(corpus.code == 64 && corpus.message.contains("--corpus needs a folder name"), "\(corpus.message)")
  }

  /// A file where a folder of the output path should be: one clear line, not an NSError dump.
  @Test func aFileInTheWayOfAnOutputFolderIsNamed() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "x\n".write(toFile: dir + "/s7.csv", atomically: true, encoding: .utf8)
    for args in [
      ["simulate", "--out", dir + "/s7.csv/x", "--quiet"], ["simulate", "--out", dir + "/s7.csv/y/z", "--quiet"],
      ["simulate", "--corpus", dir + "/s7.csv/c", "--count", "1", "--quiet"],
    ] {
      let f = try #require(await Self.failure(args), "\(args)")
      #expect(f.code == 1, "\(args): \(f.message)")
      #expect(f.message.contains("cannot create folder \(dir)/s7.csv: a file of that name exists"), "\(f.message)")
      #expect(!f.message.contains("NSCocoaErrorDomain"), "\(f.message)")
    }
    #expect(try String(contentsOfFile: dir + "/s7.csv", encoding: .utf8) == "x\n")
    // Missing parents are still created.
    #expect(await Self.failure(["simulate", "--out", dir + "/new/deep/a", "--quiet", "--rate", "50"]) == nil)
    #expect(FileManager.default.fileExists(atPath: dir + "/new/deep/a.truth.csv"))
  }

  /// `eval detection` pairs NAME.truth.csv with the samples one to one: a truth that is shifted,
  /// short, empty or too long is an error naming the truth file, never a silently smaller RMSE.
  @Test func evalDetectionRejectsATruthThatDoesNotLineUp() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 3, repCount: 1, variant: .basic, rateHz: 50)
    let sim = try SimulatedRecordingFiles.write(config: config, stem: dir + "/sim-3")
    let truthPath = dir + "/sim-3.truth.csv"
    let good = try String(contentsOfFile: truthPath, encoding: .utf8)
    let score = try EvalDetectionCommand.score(recording: dir + "/sim-3.csv")
    #expect(score.theta?.sampleCount == sim.samples)

    let lines = good.split(separator: "\n").map(String.init)
    let shifted =
      [lines[0]]
      + lines.dropFirst().map { l -> String in
        let f = l.split(separator: ",")
        return String(format: "%.6f,", Double(f[0])! + 0.0005) + f[1]
      }
    let cases: [(String, String)] = [
      (shifted.joined(separator: "\n") + "\n", "sim-3.truth.csv:2: t_s 0.0005 matches no sample"),
      (
        lines.prefix(11).joined(separator: "\n") + "\n",
        "sim-3.truth.csv: 10 of \(sim.samples) samples have a true angle"
      ),
      (lines[0] + "\n", "sim-3.truth.csv: 0 of \(sim.samples) samples have a true angle"),
      (good + "999,1\n", "sim-3.truth.csv:\(lines.count + 1): t_s 999.0 matches no sample"),
      (
        (lines.prefix(5) + lines.dropFirst(6)).joined(separator: "\n") + "\n",
        "sim-3.truth.csv:6: t_s 0.1 matches no sample"
      ),
    ]
    for (text, message) in cases {
      try text.write(toFile: truthPath, atomically: true, encoding: .utf8)
      let error = try #require(throws: (any Error).self) {
        try EvalDetectionCommand.score(recording: dir + "/sim-3.csv")
      }
      #expect("\(error)".contains(message), "\(error)")
    }
  }

  /// A valid recording whose t_s steps by less than 1 µs replays, and its trace keeps one row per
  /// sample with the sample's exact t_s.
  @Test func traceOfSubMicrosecondStepsHasEverySample() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var text = "# format: traction-recording/1\nt_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
    for k in 0..<300 {
      text += String(format: "%.7f,0,%.2f,9.8,0,0,0\n", 1 + Double(k) * 5e-7, 0.1 * Double(k % 7))
    }
    try text.write(toFile: dir + "/sub.csv", atomically: true, encoding: .utf8)
    #expect(await Self.failure(["replay", dir + "/sub.csv", "--trace", dir + "/sub.theta.csv"]) == nil)
    var reader = try TruthReader(path: dir + "/sub.theta.csv")
    var times: [Double] = []
    while let p = try reader.next() { times.append(p.t) }
    var recording = try RecordingReader(path: dir + "/sub.csv")
    var expected: [Double] = []
    while let s = try recording.next() { expected.append(s.t) }
    #expect(times == expected)
    #expect(times.count == 300)
  }

  /// BROAD-like trials: `inf` in an IMU column is an error with file, line and column; a trial
  /// with no ground truth says so (never "rmse nan°") and is left out of the mean.
  @Test func orientationAndBenchRejectInfinityAndNameTrialsWithoutTruth() async throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let header = "t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z,gt_qw,gt_qx,gt_qy,gt_qz,movement\n"
    func trial(movement: Int, gt: String = "1,0,0,0", inf: Bool = false) -> String {
      var text = header
      for k in 0..<200 {
        let acc = inf && k == 100 ? "inf" : "0"
        text += String(format: "%.6f", Double(k) * 0.0035) + ",\(acc),0,9.81,0,0,0,\(gt),\(movement)\n"
      }
      return text
    }
    try trial(movement: 1).write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
    try trial(movement: 1, gt: "nan,nan,nan,nan").write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
    let b = try BROADTrial.load(path: dir + "/b.csv")
    let score = OrientationEvaluation.score(b, estimator: ComplementaryFilter())
    let line = EvalOrientationCommand.textLine(score)
    #expect(line.contains("no ground truth") && !line.contains("nan"), "\(line)")
    #expect(await Self.failure(["eval", "orientation", dir]) == nil)
    let json = EvalOrientationCommand.jsonReport([
      OrientationEvaluation.TrialScore(name: "a", rmseDegrees: 0.5, maxErrorDegrees: 1, scoredSamples: 10), score,
    ])
    #expect(json.hasSuffix("\"mean_rmse_deg\": 0.5}"), "\(json)")

    // Only trials without ground truth: nothing to score is an error.
    try FileManager.default.removeItem(atPath: dir + "/a.csv")
    let none = try #require(await Self.failure(["eval", "orientation", dir]))
    #expect(none.code == 1 && none.message.contains("no trial has ground truth"), "\(none.message)")

    // A byte-order mark is read past; a missing column is named with the header's line.
    try ("\u{FEFF}" + trial(movement: 1)).write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
    #expect(await Self.failure(["eval", "orientation", dir]) == nil)
    #expect(await Self.failure(["bench", "fusion", "--data", dir + "/a.csv", "--runs", "1"]) == nil)
    try ("# a comment\n" + trial(movement: 1).replacingOccurrences(of: "gyr_z,", with: "gyr_q,"))
      .write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
    for args in [["eval", "orientation", dir], ["bench", "fusion", "--data", dir + "/a.csv", "--runs", "1"]] {
      let f = try #require(await Self.failure(args), "\(args)")
      #expect(f.message.contains("a.csv:2: missing column 'gyr_z'"), "\(f.message)")
    }
    try FileManager.default.removeItem(atPath: dir + "/a.csv")

    try trial(movement: 1, inf: true).write(toFile: dir + "/c.csv", atomically: true, encoding: .utf8)
    for args in [["eval", "orientation", dir], ["bench", "fusion", "--data", dir + "/c.csv", "--runs", "1"]] {
      let f = try #require(await Self.failure(args), "\(args)")
      #expect(f.code == 1, "\(args): \(f.message)")
      #expect(f.message.contains("c.csv:102: column 2 (acc_x): 'inf' is not a finite number"), "\(f.message)")
    }
  }
}
