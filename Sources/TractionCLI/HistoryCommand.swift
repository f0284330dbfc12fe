import ArgumentParser
import Foundation
import TractionCore

public struct HistoryCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "history",
    abstract: "List recorded sessions with their reps, holds and top holds, for the therapist.",
    discussion: """
      Replays every recording in DIR (default: sessions, where `traction run` records) and prints \
      one line per session: when, how long, reps, holds, breath steps, completed top holds, the \
      longest hold and the highest peak. A recording that cannot be read (damaged, or not a \
      regular file) has its error on standard error; the others are still listed, and the \
      exit status is then 1. Control characters in file names are shown escaped.

      Examples:
        traction history
        traction history /media/usb/sessions --json
      """)

  @Argument(help: "The folder of recordings.")
  var directory = "sessions"

  @Flag(help: "Print one JSON array of sessions instead of the table.")
  var json = false

  public init() {}

  struct Entry: Encodable {
    var file: String
    var started: String?
    var durationS: Double?
    var reps: Int?
    var holds: Int?
    var breathSteps: Int?
    var completedTopHolds: Int?
    var longestHoldS: Double?
    var peakDeg: Double?
    /// The highest peak of the elbow force, for a session recorded without the IMU (N).
    var peakN: Double?
    var error: String?

    enum CodingKeys: String, CodingKey {
      case file, started, reps, holds, error
      case durationS = "duration_s"
      case breathSteps = "breath_steps"
      case completedTopHolds = "completed_top_holds"
      case longestHoldS = "longest_hold_s"
      case peakDeg = "peak_deg"
      case peakN = "peak_n"
    }
  }

  /// One entry per recording in `directory`, oldest first (names sort by date); a recording that
  /// cannot be read is an entry with its error.
  static func entries(in directory: String) throws -> [Entry] {
    if let problem = FolderCheck.problem(directory) {
      if problem.isFile {
        // A recording given where its folder belongs.
        throw CommandFailure(
          "\(problem.message) of recordings (to summarise one recording: traction replay \(directory))")
      }
      throw CommandFailure("\(problem.message) (sessions are recorded by `traction run`)")
    }
    let names = try FolderCheck.contents(directory)
    let recordings = names.filter { $0.hasSuffix(".csv") && !$0.hasSuffix(".truth.csv") && !$0.hasSuffix(".theta.csv") }
      .sorted()
    var entries: [Entry] = []
    for name in recordings {
      let path = (directory as NSString).appendingPathComponent(name)
      var entry = Entry(file: path)
      do {
        // Listed, not named: a FIFO would wait for a writer for ever.
        try RecordingCompanions.checkRegularInput(path)
        entry.started = try RecordingReader(path: path).metadata.started
        let s = try RecordingAnalysis.analyze(path: path).summary
        entry.durationS = s.durationS
        entry.reps = s.repCount
        entry.holds = s.holdCount
        entry.breathSteps = s.breathStepCount
        entry.completedTopHolds = s.completedTopCount
        entry.longestHoldS = s.holds.map(\.durationS).max()
        entry.peakDeg = s.reps.compactMap(\.peakDeg).max()
        entry.peakN = s.reps.compactMap(\.peakN).max()
      } catch {
        entry.error = "\(error)"
      }
      entries.append(entry)
    }
    return entries
  }

  /// The table, or with `--json` the array (errors in it too); a recording that could not be read
  /// has its error on standard error and makes the command fail after listing the others.
  public func run() throws {
    let entries = try Self.entries(in: directory)
    if json {
      print(try jsonString(entries))
    } else {
      if entries.isEmpty { print(escapingControlCharacters("\(directory): no recordings yet")) }
      for e in entries where e.error == nil { print(Self.line(e)) }
    }
    let failed = entries.filter { $0.error != nil }
    guard !failed.isEmpty else { return }
    if !json {
      for e in failed {
        let error = e.error ?? ""
        Console.err(escapingControlCharacters(error.hasPrefix(e.file) ? error : "\(e.file): \(error)"))
      }
    }
    throw CommandFailure("\(failed.count) of \(entries.count) recordings in \(directory) could not be read")
  }

  /// One session's line of the table; a file name's control characters are shown escaped, never
  /// sent to the terminal (a name holding ESC [2J would clear the screen).
  static func line(_ e: Entry) -> String {
    var line = "\(e.started ?? e.file)  \(fmt((e.durationS ?? 0) / 60, 1)) min  \(e.reps ?? 0) reps"
    line += "  \(e.holds ?? 0) holds  \(e.breathSteps ?? 0) breath steps  \(e.completedTopHolds ?? 0) top holds done"
    if let h = e.longestHoldS { line += "  longest hold \(fmt(h, 1)) s" }
    if let p = e.peakDeg { line += "  peak \(fmt(p, 1))°" }
    if let p = e.peakN { line += "  peak force \(fmt(p, 1)) N" }
    return escapingControlCharacters(line)
  }
}
