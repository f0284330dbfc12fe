import ArgumentParser
import ExerciseSimulator
import Foundation
import Testing
import TractionCore

@testable import TractionCLI

/// `traction run` when things go wrong around it: an existing recording, a pipe or terminal that
/// goes away, a signal, a full disk, a sensor named that is not there. The signal and output
/// cases run the built `traction` as a subprocess (a signal or a closed stdout in the test
/// process would hit the test runner).
@Suite struct RunRobustnessTests {
  // MARK: Existing recordings are never overwritten

  @Test func anExistingRecordingNamedByRecordIsRefusedAndKept() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/keep.csv"
    let earlier = "# format: traction-recording/1\nt_s,load_n\n0.0,1.0\n"
    try earlier.write(toFile: path, atomically: false, encoding: .utf8)
    let error = try #require(throws: RunError.self) {
      try RunCommand.parse(["--simulate", "--quiet", "--record", path]).run()
    }
    #expect(error.description.contains(path) && error.description.contains("already exists"))
    #expect(error.description.contains("keep-2.csv"))
    #expect(try String(contentsOfFile: path, encoding: .utf8) == earlier)
  }

  @Test func theDefaultNameTakesANumberWhenTheSecondIsTaken() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/20261121T093000Z.csv"
    try "first\n".write(toFile: path, atomically: false, encoding: .utf8)
    try "second\n".write(toFile: dir + "/20261121T093000Z-2.csv", atomically: false, encoding: .utf8)
    let (writer, name) = try RunCommand.createNumbered(
      path, metadata: RecordingMetadata(), layout: RecordingLayout(imu: true))
    try writer.close()
    #expect(name == dir + "/20261121T093000Z-3.csv")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
    #expect(try String(contentsOfFile: dir + "/20261121T093000Z-2.csv", encoding: .utf8) == "second\n")
    // A name given without `.csv` is numbered without one too.
    #expect(RunCommand.numberedNames(dir + "/a").dropFirst().first == dir + "/a-2")
  }

  // MARK: Standard output, signals, a full disk (subprocess)

  @Test func jsonKeepsStandardOutputForTheJSONAlone() throws {
    let r = try Traction.run(["run", "--simulate", "--seed", "2", "--reps", "1", "--json", "--no-record"])
    #expect(r.status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
    #expect(object?["reps"] != nil)
    // The cues still show, on standard error.
    #expect(r.err.contains("REP 1"))
  }

  /// `--duration` stops a simulated session too (it used to run the whole scripted session).
  @Test func durationStopsASimulatedSession() throws {
    let r = try Traction.run([
      "run", "--simulate", "--seed", "2", "--reps", "3", "--json", "--quiet", "--no-record", "--duration", "12",
    ])
    #expect(r.status == 0, "\(r.err)")
    let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
    let seconds = try #require(object?["duration_s"] as? Double, "\(r.out.prefix(400))")
    #expect(seconds >= 11.9 && seconds < 12.5, "\(seconds) s")
  }

  /// Ctrl-C, kill and a dropped SSH session (SIGHUP) all end the session cleanly: the file is
  /// closed with its end line, and the summary counts the samples the file holds.
  @Test(arguments: [SIGINT, SIGQUIT, SIGTERM, SIGHUP])
  func aStopSignalEndsCleanlyAndTheSummaryMatchesTheFile(signal: Int32) throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/x.csv"
    let r = try Traction.run(
      ["run", "--simulate", "--realtime", "--quiet", "--json", "--record", path], signals: [signal],
      once: path)
    #expect(r.reason == .exit && r.status == 0, "stderr: \(r.err)")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lastLine = text.split(separator: "\n").last.map(String.init) ?? ""
    #expect(lastLine.hasPrefix("# end: "))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    let claimed = (object["recording"] as? [String: Any])?["samples"] as? Int
    let held = try RecordingAnalysis.analyze(path: path).recording.samples
    #expect(held > 0 && claimed == held)
    #expect(lastLine.hasPrefix("# end: \(held) samples"))
  }

  /// `nohup traction run &` must outlive the SSH session: a SIGHUP the caller ignores stays
  /// ignored (the session goes on), and SIGTERM still ends it cleanly. Likewise SIGQUIT, which a
  /// shell ignores in its background jobs (it was reset to quit before `run` could see that).
  @Test(arguments: [SIGHUP, SIGQUIT])
  func anIgnoredSignalStaysIgnored(signal: Int32) throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/n.csv"
    let r = try Traction.run(
      ["run", "--simulate", "--realtime", "--quiet", "--json", "--record", path], signals: [signal, SIGTERM],
      once: path, ignoring: signal)
    #expect(r.runningAfterFirstSignal)
    #expect(r.reason == .exit && r.status == 0, "stderr: \(r.err)")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.split(separator: "\n").last?.hasPrefix("# end: ") == true)
  }

  /// `traction run --record x.csv | head -1`: the reader is gone, so printing stops, but the
  /// process is not killed and the recording is closed whole; the exit status says the output
  /// failed.
  @Test func aClosedStandardOutputStopsPrintingButNotTheRecording() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/y.csv"
    let r = try Traction.run(["run", "--simulate", "--reps", "1", "--record", path], closedStdout: true)
    #expect(r.reason == .exit && r.status != 0)
    #expect(r.err.contains("standard output") && r.err.contains("Broken pipe"))
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.split(separator: "\n").last?.hasPrefix("# end: ") == true)
  }

  /// A write error mid-session (here the file-size limit, as a full disk would): said at once
  /// naming the file, the session and its summary go on to the end, what was written stays
  /// readable, and the exit status is non-zero because the recording is incomplete.
  @Test func aWriteErrorMidSessionKeepsTheSessionAndExitsNonZero() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/full.csv"
    let r = try Traction.run(
      ["run", "--simulate", "--seed", "3", "--quiet", "--record", path], fileSizeLimitBlocks: 200)
    #expect(r.reason == .exit && r.status != 0)
    #expect(r.err.contains(path) && r.err.contains("write failed"))
    #expect(r.err.contains("incomplete"))
    // The whole session's summary: every rep of the scenario, not only the recorded part, and
    // its counts are not put under the file's name.
    #expect(r.out.contains("3 reps"))
    #expect(r.out.contains("session (the recording \(path) is incomplete"))
    #expect(!r.out.split(separator: "\n").contains { $0.hasPrefix(path + ":") })
    let report = try RecordingAnalysis.analyze(path: path)
    #expect(report.recording.samples > 100)
  }

  /// `simulate` on a full disk (here the file-size limit): the error names the file, and the
  /// recording that could not be written whole goes with its companions, rather than a cut
  /// recording staying beside whole labels to be scored against them. An earlier simulation it
  /// was replacing is gone too: the error says so, with the seed that makes it again.
  @Test func aSimulationThatCannotBeWrittenWholeLeavesNothing() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for extra in [[String](), ["--through-chips"]] {
      let r = try Traction.run(
        ["simulate", "--out", dir + "/s", "--seed", "3", "--quiet"] + extra, fileSizeLimitBlocks: 40)
      #expect(r.reason == .exit && r.status == 1, "\(extra): \(r.status) \(r.err)")
      #expect(r.err.contains(dir + "/s.") && r.err.contains("write"), "\(extra): \(r.err)")
      #expect(!r.err.contains("earlier simulated"), "\(extra): \(r.err)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "\(extra)")
      let first = try Traction.run(["simulate", "--out", dir + "/s", "--seed", "5", "--quiet"] + extra)
      #expect(first.status == 0, "\(extra): \(first.err)")
      let again = try Traction.run(
        ["simulate", "--out", dir + "/s", "--seed", "3", "--quiet"] + extra, fileSizeLimitBlocks: 40)
      #expect(again.status == 1, "\(extra): \(again.err)")
      #expect(again.err.contains("the earlier simulated \(dir)/s (traction simulate"), "\(extra): \(again.err)")
      #expect(again.err.contains(" seed=5 ") && again.err.contains("was removed"), "\(extra): \(again.err)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "\(extra)")
    }
  }

  /// Every command, not only `run`: output `print` buffered that cannot be written (a full disk)
  /// is an error with status 74, not a silent 0 with the JSON missing.
  @Test func anyCommandsUnwritableOutputIsAnError() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = ScenarioConfig(seed: 7, repCount: 1, variant: .basic, rateHz: 50)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    for args in [
      ["replay", dir + "/s.csv", "--json"], ["eval", "detection", dir, "--json"], ["replay", dir + "/s.csv"],
    ] {
      let r = try Traction.run(args, stdoutPath: "/dev/full")
      #expect(r.reason == .exit && r.status == 74, "\(args): \(r.status) \(r.err)")
      #expect(r.err.contains("standard output: write failed"), "\(args): \(r.err)")
      let fine = try Traction.run(args)
      #expect(fine.status == 0 && !fine.out.isEmpty, "\(args): \(fine.err)")
    }
  }

  /// Ctrl-\\ quits a command at once, without a crash report (the runtime's backtrace, after
  /// which the command ran on to its end).
  @Test func quitEndsACommandWithoutACrashReport() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let marker = dir + "/started"
    _ = FileManager.default.createFile(atPath: marker, contents: nil)
    let r = try Traction.run(
      ["simulate", "--corpus", dir + "/c", "--count", "2000"], signals: [SIGQUIT], once: marker, timeout: 60)
    let stillRunning = r.timedOut
    #expect(!stillRunning, "still running 60 s after the quit")
    #expect(r.reason == .uncaughtSignal && r.status == SIGQUIT, "\(r.reason) \(r.status)")
    let crashReport = r.err.contains("Backtracing") || r.err.contains("crashed")
    #expect(!crashReport, "\(r.err.prefix(300))")
  }

  // MARK: A sensor named by option must be there

  @Test func aNamedBusOrHX711ThatGaveNothingIsUnmet() throws {
    var rig = DetectedRig()
    rig.sensorsOnBus = ["/dev/i2c-1": 2]
    rig.looked = [
      "/dev/i2c-10: cannot open: No such file or directory",
      "HX711 on /dev/gpiochip0 lines 5/6: DOUT never went low",
    ]
    let wiring = try #require(HX711Wiring(argument: "gpiochip0:5:6"))
    let unmet = rig.unmet(buses: ["/dev/i2c-1", "/dev/i2c-10", "/dev/i2c-1"], hx711: wiring)
    #expect(unmet.count == 2)
    #expect(unmet.first == "--bus /dev/i2c-10: no sensor: /dev/i2c-10: cannot open: No such file or directory")
    #expect(unmet.last?.contains("--hx711") == true && unmet.last?.contains("DOUT never went low") == true)
    rig.hx711Found = true
    rig.sensorsOnBus["/dev/i2c-10"] = 1
    #expect(rig.unmet(buses: ["/dev/i2c-1", "/dev/i2c-10"], hx711: wiring).isEmpty)
    // A bus left unprobed because every usable sensor was found before it is not missing anything.
    rig.skippedBuses = ["/dev/i2c-3"]
    #expect(rig.unmet(buses: ["/dev/i2c-1", "/dev/i2c-3"], hx711: wiring).isEmpty)
    // Nothing named, nothing required.
    #expect(DetectedRig().unmet(buses: [], hx711: nil).isEmpty)
  }

  @Test func aMissingNamedSensorIsAnErrorNamingItAndWhatWasFound() {
    let e = RunError.namedSensorMissing(
      ["--hx711 /dev/gpiochip0:5:6: HX711 on /dev/gpiochip0 lines 5/6: busy"],
      found: ["upper-back IMU: MPU-6050 on /dev/i2c-1 at 0x68"])
    #expect(e.description.contains("--hx711 /dev/gpiochip0:5:6") && e.description.contains("busy"))
    #expect(e.description.contains("upper-back IMU"))
  }
}

/// The built `traction`, run as a subprocess with its output in files.
enum Traction {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// Beside the test bundle (the same build), else in the package's `.build/debug`.
  static let binary: String? = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("traction").path
    let debug = root.appendingPathComponent(".build/debug/traction").path
    return [beside, debug].first { FileManager.default.isExecutableFile(atPath: $0) }
  }()

  struct Outcome {
    var status: Int32
    var reason: Process.TerminationReason
    var out: String
    var err: String
    /// With several signals: whether it was still running 1 s after the first.
    var runningAfterFirstSignal = false
    /// With `timeout`: it was still running then, and was killed.
    var timedOut = false
  }

  /// Runs `traction args`: with `signals`, sends them 1 s apart, the first 0.5 s after file
  /// `once` appears (the handlers are installed before the recording is created), so a slow
  /// machine does not get the signal before it can handle it; with `ignoring`, that signal is
  /// ignored by the parent as `nohup` does; with `closedStdout`, its standard output is a pipe
  /// nobody reads (the read end closed); with `fileSizeLimitBlocks`, under `ulimit -f`; with
  /// `timeout`, killed (SIGKILL) when still running that many seconds after the start.
  static func run(
    _ args: [String], signals: [Int32] = [], once path: String? = nil, ignoring: Int32? = nil,
    closedStdout: Bool = false, stdoutPath: String? = nil, fileSizeLimitBlocks: Int? = nil,
    timeout: Double? = nil
  ) throws -> Outcome {
    let binary = try #require(Self.binary, "build traction first (swift build --build-tests)")
    let dir = NSTemporaryDirectory() + "traction-sub-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outPath = dir + "/out"
    let errPath = dir + "/err"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let outFile = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let errFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    defer {
      try? outFile.close()
      try? errFile.close()
    }
    let p = Process()
    if let blocks = fileSizeLimitBlocks {
      p.executableURL = URL(fileURLWithPath: "/bin/sh")
      p.arguments = ["-c", "ulimit -f \(blocks) && exec \"$0\" \"$@\"", binary] + args
    } else if let ignoring {
      p.executableURL = URL(fileURLWithPath: "/bin/sh")
      p.arguments = ["-c", "trap '' \(ignoring) && exec \"$0\" \"$@\"", binary] + args
    } else {
      p.executableURL = URL(fileURLWithPath: binary)
      p.arguments = args
    }
    var pipe: Pipe? = nil
    if closedStdout {
      let pp = Pipe()
      try pp.fileHandleForReading.close()
      p.standardOutput = pp
      pipe = pp
    } else if let stdoutPath {
      p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
    } else {
      p.standardOutput = outFile
    }
    p.standardError = errFile
    try p.run()
    if closedStdout { try pipe?.fileHandleForWriting.close() }
    var running = false
    if !signals.isEmpty {
      if let path {
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: path) && p.isRunning {
          Thread.sleep(forTimeInterval: 0.1)
        }
      }
      Thread.sleep(forTimeInterval: 0.5)
      for (k, signal) in signals.enumerated() {
        if k > 0 {
          Thread.sleep(forTimeInterval: 1)
          if k == 1 { running = p.isRunning }
        }
        kill(p.processIdentifier, signal)
      }
    }
    var timedOut = false
    if let timeout {
      let deadline = Date().addingTimeInterval(timeout)
      while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
      if p.isRunning {
        timedOut = true
        kill(p.processIdentifier, SIGKILL)
      }
    }
    p.waitUntilExit()
    return Outcome(
      status: p.terminationStatus, reason: p.terminationReason,
      out: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
      err: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", runningAfterFirstSignal: running,
      timedOut: timedOut)
  }
}
