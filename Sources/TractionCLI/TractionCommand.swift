import ArgumentParser
import TractionCore

/// `traction`: the monitor's command line.
public struct TractionCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "traction",
    abstract: "Monitor prone lumbar extension with elbow traction: reps, holds, breath steps.",
    discussion: """
      With no subcommand, `traction` runs the monitor (`traction run`): it reads the attached \
      sensors, or simulates a session when none is attached, and prints the summary.

      Examples:
        traction run                          monitor a session (simulated when no sensor)
        traction simulate --seed 7 --out s7   write s7.csv, s7.labels.json, s7.truth.csv
        traction replay s7.csv                summarise a recording
        traction replay s7.csv --json         the same, as JSON for machines
        traction eval orientation ../shared/datasets/broad
      """,
    version: "0.1.0",
    subcommands: [
      RunCommand.self, ReplayCommand.self, HistoryCommand.self, SimulateCommand.self, EvalCommand.self,
      BenchCommand.self,
    ],
    defaultSubcommand: RunCommand.self)

  public init() {}
}

/// `traction eval …`: scores against ground truth.
public struct EvalCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score the monitor against ground truth.",
    subcommands: [EvalOrientationCommand.self, EvalDetectionCommand.self])

  public init() {}
}

/// `traction bench …`: throughput figures.
public struct BenchCommand: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure throughput.",
    subcommands: [BenchFusionCommand.self])

  public init() {}
}

extension TractionCommand {
  /// Parses the process's arguments and runs the command, as `main()` would, but an error is
  /// printed with control characters escaped line by line: a file name holding an escape
  /// sequence (`--record $'\e[31m…'`) is shown, not obeyed by the terminal. Help and version go
  /// to standard output with status 0, errors to standard error, as ArgumentParser does.
  public static func runFromCommandLine() async -> Int32 {
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      return 0
    } catch {
      let code = exitCode(for: error)
      let message = fullMessage(for: error)
      if code == .success {
        if !message.isEmpty { Console.out(message) }
      } else if !message.isEmpty {
        Console.err(
          message.split(separator: "\n", omittingEmptySubsequences: false)
            .map { escapingControlCharacters(String($0)) }.joined(separator: "\n"))
      }
      return code.rawValue
    }
  }
}
