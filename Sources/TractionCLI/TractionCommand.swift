import ArgumentParser
import TractionCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

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
    // Ctrl-\ (SIGQUIT) quits, as in any Unix tool, without the Swift runtime's crash report,
    // which also let the command run on (`run` treats it as a stop, like Ctrl-C). Ignored when
    // inherited ignored, as a shell starts background jobs (SIG_IGN is the handler value 1).
    let previous = signal(SIGQUIT, nil)
    if let previous, unsafeBitCast(previous, to: Int.self) == 1 { signal(SIGQUIT, previous) }
    let code = await runCommand()
    return checkStandardOutput(code: code)
  }

  /// What `print` wrote sits in the C library's buffer until exit, where a failure to write it
  /// (a full disk, `> /dev/full`, a closed descriptor) would pass unnoticed with status 0: the
  /// JSON a script waits for would simply be missing. It is flushed here, and a failure (or one
  /// `Console.out` met) is said on standard error with status 74 (EX_IOERR), unless the command
  /// already failed.
  static func checkStandardOutput(code: Int32) -> Int32 {
    // fflush(NULL) flushes every output stream, standard output among them (naming `stdout`, a C
    // global, is refused by strict concurrency checking). A failure that persists (a full disk, a
    // closed descriptor) fails again here even if `print` met it first.
    errno = 0
    let flushFailed = fflush(nil) != 0
    let e = errno
    guard flushFailed || Console.stdoutFailure != nil else { return code }
    if flushFailed {
      let why = e != 0 ? String(cString: strerror(e)) : "an I/O error"
      Console.err("error: standard output: write failed (\(why)): the output is incomplete")
    }
    return code == 0 ? 74 : code
  }

  private static func runCommand() async -> Int32 {
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
