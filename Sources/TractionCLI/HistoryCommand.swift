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
      longest hold and the highest peak. A damaged recording gets its error on its line; the \
      others are still listed.

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
    var error: String?

    enum CodingKeys: String, CodingKey {
      case file, started, reps, holds, error
      case durationS = "duration_s"
      case breathSteps = "breath_steps"
      case completedTopHolds = "completed_top_holds"
      case longestHoldS = "longest_hold_s"
      case peakDeg = "peak_deg"
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
        entry.started = try RecordingReader(path: path).metadata.started
        let s = try RecordingAnalysis.analyze(path: path).summary
        entry.durationS = s.durationS
        entry.reps = s.repCount
        entry.holds = s.holdCount
        entry.breathSteps = s.breathStepCount
        entry.completedTopHolds = s.completedTopCount
        entry.longestHoldS = s.holds.map(\.durationS).max()
        entry.peakDeg = s.reps.map(\.peakDeg).max()
      } catch {
        entry.error = "\(error)"
      }
      entries.append(entry)
    }
    return entries
  }

  public func run() throws {
    let entries = try Self.entries(in: directory)
    if json {
      print(try jsonString(entries))
      return
    }
    if entries.isEmpty { print("\(directory): no recordings yet") }
    for e in entries {
      if let error = e.error {
        print(error.hasPrefix(e.file) ? error : "\(e.file): \(error)")
        continue
      }
      var line = "\(e.started ?? e.file)  \(fmt((e.durationS ?? 0) / 60, 1)) min  \(e.reps ?? 0) reps"
      line += "  \(e.holds ?? 0) holds  \(e.breathSteps ?? 0) breath steps  \(e.completedTopHolds ?? 0) top holds done"
      if let h = e.longestHoldS { line += "  longest hold \(fmt(h, 1)) s" }
      if let p = e.peakDeg { line += "  peak \(fmt(p, 1))°" }
      print(line)
    }
  }
}
