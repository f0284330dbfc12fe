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

      A malformed recording stops with file:line: column and the reason; a last line cut short by \
      a power loss is dropped with a notice and the rest is processed.
      """)

  @Argument(help: "The recording to replay (NAME.csv).")
  var file: String

  @Flag(help: "Print one JSON object (reps, holds, breath_steps, …) instead of the summary.")
  var json = false

  @Option(help: ArgumentHelp("Write the estimated angle for every sample to this CSV file.", valueName: "file"))
  var trace: String?

  public init() {}

  public func run() throws {
    let tracer: ThetaTraceWriter?
    if let trace {
      guard trace != file else { throw ValidationError("--trace must not overwrite the recording itself") }
      tracer = try ThetaTraceWriter(path: trace)
    } else {
      tracer = nil
    }
    let report = try RecordingAnalysis.analyze(path: file) { _, out in
      // Before θ = 0 is known the person is lying still by definition: 0.
      try tracer?.write(t: out.t, thetaDeg: out.thetaDeg ?? 0)
    }
    try tracer?.close()
    if json {
      print(try jsonString(report))
    } else {
      print(report.text())
      if let trace { print("θ trace written to \(trace)") }
    }
  }
}
