import ArgumentParser
import Foundation
import TractionCore

public struct ReplayCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Run a recording through the monitor's pipeline and summarise the session.",
    discussion: """
      Reads a recording (format: ../shared/spec/recording-format.md), fuses the IMU into the \
      extension angle θ (or uses the elbow force when there is no IMU), and reports each rep with \
      its peak, each hold with its kind, duration, mean angle and steadiness, and the breath steps. \
      It is the same pipeline the live monitor runs.

      Examples:
        traction replay s7.csv
        traction replay s7.csv --json > s7.result.json
        traction replay s7.csv --trace s7.theta.csv     θ for every sample (t_s,theta_deg)
        traction replay s7.csv --events                 what the monitor announced, and when

      A malformed recording stops with file:line: column and the reason; a last line cut short by \
      a power loss is dropped with a notice and the rest is processed.

      FILE is read as a stream, so it may be a named pipe (FIFO) with a writer: replay waits for \
      the writer and reads until it closes. Files found by listing a folder (history, eval) are \
      read only when they are regular files.
      """)

  @Argument(help: "The recording to replay (NAME.csv).")
  var file: String

  @Flag(help: "Print one JSON object (reps, holds, breath_steps, …) instead of the summary.")
  var json = false

  @Option(
    help: ArgumentHelp(
      "Write the estimated angle for every sample to this CSV file (never the recording or its companions).",
      valueName: "file"))
  var trace: String?

  @Flag(
    help: ArgumentHelp(
      "Also list every live event with the stream time it was announced at, as the person on the mat heard it.",
      discussion: "The events carry their final timing; the time before each is when it became certain."))
  var events = false

  public init() {}

  struct Announcement: Encodable {
    var atS: Double
    var event: DetectionEvent
    /// "°" for θ, " N" when the detector ran on the elbow force.
    var unit = "°"
    var text: String { event.text(unit: unit) }
    enum CodingKeys: String, CodingKey {
      case atS = "at_s"
      case event
    }
    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(atS, forKey: .atS)
      try c.encode(text, forKey: .event)
    }
  }

  struct Output: Encodable {
    var report: SessionReport
    var events: [Announcement]?
    func encode(to encoder: any Encoder) throws {
      try report.encode(to: encoder)
      enum Key: String, CodingKey { case events }
      var c = encoder.container(keyedBy: Key.self)
      try c.encodeIfPresent(events, forKey: .events)
    }
  }

  /// The pipeline's report and, with `events`, every live event with the stream time it came at.
  static func analyze(
    path: String, tracer: ThetaTraceWriter? = nil, events: Bool
  ) throws -> (SessionReport, [Announcement]) {
    var announced: [Announcement] = []
    let report = try RecordingAnalysis.analyze(path: path) { sample, out in
      // Before θ = 0 is known the person is lying still by definition: 0.
      // A named pipe's layout is known only here: on the force alone there is no angle to trace.
      if out.mode != .load { try tracer?.write(t: out.t, thetaDeg: out.thetaDeg ?? 0) }
      if events {
        for e in out.events { announced.append(Announcement(atS: sample.t, event: e)) }
      }
    } atEnd: { lastTime, final in
      if events {
        for e in final { announced.append(Announcement(atS: lastTime, event: e)) }
      }
    }
    if report.summary.mode == .load {
      for i in announced.indices { announced[i].unit = " N" }
    }
    return (report, announced)
  }

  /// Without an IMU no angle is estimated: a column of zeros would read as lying flat throughout.
  static func noAngleToTrace(trace: String, file: String, written: Bool) -> String {
    escapingControlCharacters(
      "warning: --trace \(trace): \(written ? "holds its header only" : "not written"); \(file) has no IMU "
        + "columns (the elbow force alone), so there is no angle to trace")
  }

  public func validate() throws {
    guard let trace else { return }
    // Opening the trace truncates it: it must not be the recording or one of its companions, by
    // whatever name (./s7.csv, a symlink, a hard link) it is given.
    if trace.isEmpty { throw ValidationError("--trace needs a file name, e.g. --trace s7.theta.csv") }
    // A trace is kept in a regular file (new or existing); a FIFO or device is refused by name,
    // not written to or waited on.
    if let kind = RecordingCompanions.notRegularFile(trace) {
      throw ValidationError("--trace \(trace) is not a regular file but \(kind); give a new or regular file")
    }
    for (path, what) in RecordingCompanions.family(ofRecording: file)
    where trace == path || RecordingCompanions.isSameFile(trace, path) {
      let stem = RecordingCompanions.stem(ofRecording: file)
      throw ValidationError(
        "--trace \(trace) is \(what) (\(path)); writing the trace there would destroy it. "
          + "Choose another file, e.g. --trace \(stem).theta.csv")
    }
  }

  public func run() throws {
    var tracer: ThetaTraceWriter? = nil
    if let trace {
      // A recording that cannot be opened is said before the trace is created, so a mistyped
      // name leaves no empty trace behind; not tried on a named pipe, whose data it would consume.
      var st = stat()
      var hasIMU = true
      if stat(file, &st) != 0 || (st.st_mode & S_IFMT) != S_IFIFO {
        hasIMU = try RecordingReader(path: file).layout.hasIMU
      }
      if hasIMU {
        // Every digit the recording's t_s has: one row per sample even where samples are less
        // than 1 µs apart.
        tracer = try ThetaTraceWriter(path: trace, timeDigits: .asNeeded)
      } else {
        Console.err(Self.noAngleToTrace(trace: trace, file: file, written: false))
      }
    }
    let report: SessionReport
    let announced: [Announcement]
    do {
      (report, announced) = try Self.analyze(path: file, tracer: tracer, events: events)
      try tracer?.close()
    } catch let error as RecordingError where tracer != nil && error.file != trace {
      // The trace is written in place, as the recording is read: what it holds is the rows up to
      // the fault. Said, so it is not taken for the whole recording's.
      try? tracer?.close()
      throw CommandFailure(
        "\(error.description)\n--trace \(trace ?? ""): holds only the \(tracer?.pointCount ?? 0) samples before that")
    }
    if let trace, tracer != nil, report.summary.mode == .load {
      Console.err(Self.noAngleToTrace(trace: trace, file: file, written: true))
    }
    if json {
      print(try jsonString(Output(report: report, events: events ? announced : nil)))
    } else {
      if events {
        for a in announced { print(String(format: "%8.2f s  ", a.atS) + a.text) }
        print("")
      }
      print(report.text())
      if let trace, tracer != nil, report.summary.mode != .load { print("θ trace written to \(trace)") }
    }
  }
}
