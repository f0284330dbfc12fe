import ExerciseSimulator
import Foundation
import Testing
import TractionCore

@testable import TractionCLI

/// Paths that are not regular files: a named pipe (FIFO) or a device where a command writes, or
/// among the files it finds by listing a folder. `open` on a FIFO waits for the other end (and
/// a writer's wait ignores Ctrl-C), and `/dev/zero` never ends, so each is refused by name
/// before it is opened. These run the built `traction` with a time limit, so a command that
/// waits fails the test instead of hanging it.
@Suite struct SpecialFileTests {
  /// A folder with a small simulated session `s` (`s.csv`, `s.labels.json`, `s.truth.csv`).
  static func sessionFolder() throws -> String {
    let dir = try ReplayCommandTests.tempDir()
    let config = ScenarioConfig(seed: 21, repCount: 1, variant: .basic, rateHz: 50)
    _ = try SimulatedRecordingFiles.write(config: config, stem: dir + "/s")
    return dir
  }

  static func fifo(_ path: String) throws {
    try? FileManager.default.removeItem(atPath: path)
    #expect(mkfifo(path, 0o644) == 0, "mkfifo \(path)")
  }

  /// `traction ARGS`, killed after 30 s (10 s with `short`).
  static func traction(_ args: [String], short: Bool = false) throws -> Traction.Outcome {
    try Traction.run(args, timeout: short ? 10 : 30)
  }

  // MARK: Outputs

  @Test func outputsThatAreNotRegularFilesAreRefusedBeforeOpening() throws {
    let dir = try Self.sessionFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let pipe = dir + "/p.csv"
    try Self.fifo(pipe)
    let record = try Self.traction(["run", "--simulate", "--quiet", "--record", pipe])
    #expect(!record.timedOut && record.status == 1, "\(record.err)")
    #expect(record.err.contains("--record \(pipe) is not a regular file but a named pipe"), "\(record.err)")
    // A device is no place for a recording either.
    let device = try Self.traction(["run", "--simulate", "--quiet", "--record", "/dev/null"])
    #expect(device.status == 1 && device.err.contains("/dev/null is not a regular file but a character device"))

    let trace = try Self.traction(["replay", dir + "/s.csv", "--trace", pipe])
    #expect(!trace.timedOut && trace.status == 64, "\(trace.err)")
    #expect(trace.err.contains("--trace \(pipe) is not a regular file but a named pipe"), "\(trace.err)")

    // Any of the three files `simulate --out` writes.
    for name in ["o.csv", "o.labels.json", "o.truth.csv"] {
      try Self.fifo(dir + "/" + name)
      for extra in [[String](), ["--through-chips"]] {
        let out = try Self.traction(["simulate", "--out", dir + "/o", "--quiet", "--reps", "1"] + extra)
        #expect(!out.timedOut && out.status == 1, "\(name) \(extra): \(out.err)")
        #expect(out.err.contains("\(dir)/\(name): not a regular file but a named pipe"), "\(out.err)")
      }
      try FileManager.default.removeItem(atPath: dir + "/" + name)
    }
    try FileManager.default.createDirectory(atPath: dir + "/c", withIntermediateDirectories: false)
    try Self.fifo(dir + "/c/index.json")
    let corpus = try Self.traction(["simulate", "--corpus", dir + "/c", "--count", "1", "--quiet"])
    #expect(!corpus.timedOut && corpus.status == 1, "\(corpus.err)")
    #expect(corpus.err.contains("index.json: not a regular file but a named pipe"), "\(corpus.err)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/c/sim-1.csv"))
  }

  /// The live default name `sessions/DATE-TIME.csv` takes the next number when a FIFO holds it,
  /// as when a file does. (A reader opened 5 s later frees a writer stuck in `open`.)
  @Test func theDefaultNameSkipsANamedPipe() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/20261121T093000Z.csv"
    try Self.fifo(path)
    freeAWriterWaitingOn(path, after: 5)
    let (writer, name) = try RunCommand.createNumbered(
      path, metadata: RecordingMetadata(), layout: RecordingLayout(imu: true))
    try writer.close()
    #expect(name == dir + "/20261121T093000Z-2.csv")
  }

  // MARK: Inputs found by listing a folder

  @Test func historyReportsANamedPipeAndListsTheRest() throws {
    let dir = try Self.sessionFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.fifo(dir + "/t.csv")
    let r = try Self.traction(["history", dir])
    #expect(!r.timedOut && r.status == 1, "\(r.err)")
    #expect(r.err.contains("\(dir)/t.csv: not a regular file but a named pipe"), "\(r.err)")
    #expect(r.out.contains("\(dir)/s.csv") && r.out.contains("1 reps"), "\(r.out)")
  }

  @Test func evalDetectionNamesANamedPipeAmongItsFiles() throws {
    for name in ["s.csv", "s.labels.json", "s.truth.csv"] {
      let dir = try Self.sessionFolder()
      defer { try? FileManager.default.removeItem(atPath: dir) }
      try Self.fifo(dir + "/" + name)
      let r = try Self.traction(["eval", "detection", dir])
      #expect(!r.timedOut && r.status == 1, "\(name): \(r.err)")
      #expect(r.err.contains("\(dir)/\(name): not a regular file but a named pipe"), "\(name): \(r.err)")
    }
  }

  /// `s.labels.json` → /dev/zero: refused, not read for ever.
  @Test func evalDetectionRefusesLabelsThatAreADevice() throws {
    let dir = try Self.sessionFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.removeItem(atPath: dir + "/s.labels.json")
    try FileManager.default.createSymbolicLink(atPath: dir + "/s.labels.json", withDestinationPath: "/dev/zero")
    let r = try Self.traction(["eval", "detection", dir], short: true)
    #expect(!r.timedOut && r.status == 1, "\(r.err)")
    #expect(r.err.contains("s.labels.json: not a regular file but a character device"), "\(r.err)")
  }

  @Test func evalOrientationNamesANamedPipe() throws {
    let dir = try ReplayCommandTests.tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try Self.fifo(dir + "/01.csv")
    let r = try Self.traction(["eval", "orientation", dir])
    #expect(!r.timedOut && r.status == 1, "\(r.err)")
    #expect(r.err.contains("\(dir)/01.csv is not a regular file but a named pipe"), "\(r.err)")
  }

  /// A recording named on the command line is read as a stream: a FIFO with a writer is replayed.
  @Test func replayReadsANamedPipeItIsGiven() throws {
    let dir = try Self.sessionFolder()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let pipe = dir + "/live.csv"
    try Self.fifo(pipe)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.csv"))
    let writer = Thread {
      guard let handle = FileHandle(forWritingAtPath: pipe) else { return }
      try? handle.write(contentsOf: bytes)
      try? handle.close()
    }
    writer.start()
    let r = try Self.traction(["replay", pipe, "--json"])
    #expect(!r.timedOut && r.status == 0, "\(r.err)")
    #expect(r.out.contains("\"reps\""))
  }
}

/// After `seconds`, opens the read end of named pipe `path` and leaves it open: code that waits in
/// `open` for a reader is freed, so a test of it fails instead of hanging the run.
func freeAWriterWaitingOn(_ path: String, after seconds: Double) {
  DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { _ = open(path, O_RDONLY | O_NONBLOCK) }
}
