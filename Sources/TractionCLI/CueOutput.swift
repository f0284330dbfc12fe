import Foundation
import TractionCore

/// Gives cues to the person on the mat: big on the terminal (eyes are on the floor, so the screen
/// must be readable from there) and, with `--speak`, out loud through espeak-ng.
///
/// Cues go to standard output, or to standard error when standard output is kept for a
/// machine-readable result (`run --json`): still on the screen, out of the JSON.
final class CueOutput {
  private let speak: Bool
  private let color: Bool
  private let toStandardError: Bool
  private var speaker: Process?
  private(set) var warnings: [String] = []

  init(speak: Bool, toStandardError: Bool = false) {
    self.toStandardError = toStandardError
    color = isatty(toStandardError ? STDERR_FILENO : STDOUT_FILENO) != 0
    if speak, let path = Self.find("espeak-ng") ?? Self.find("espeak") {
      self.speak = true
      speakerPath = path
    } else {
      self.speak = false
      speakerPath = nil
      if speak {
        warnings.append("--speak: espeak-ng is not installed (sudo apt-get install espeak-ng); cues are shown only")
      }
    }
  }

  private let speakerPath: String?

  func give(_ cue: Cue) {
    let stamp = "[\(fmt(cue.t, 1)) s]"
    let text = cue.text.uppercased()
    let line = color ? "\n  \u{1B}[1;7m \(text) \u{1B}[0m  \u{1B}[2m\(stamp)\u{1B}[0m" : "\(stamp) \(text)"
    // Written at once, unbuffered; a closed output is noted once by `Console`, not a trap.
    if toStandardError { Console.err(line) } else { Console.out(line) }
    guard speak, let speakerPath else { return }
    // A new cue cuts the previous one short: one voice at a time, and the newest matters.
    if let p = speaker, p.isRunning { p.terminate() }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: speakerPath)
    p.arguments = ["-s", "150", cue.text]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do {
      try p.run()
      speaker = p
    } catch {
      warnings.append("could not start \(speakerPath): \(error)")
    }
  }

  func waitForSpeech() {
    speaker?.waitUntilExit()
  }

  private static func find(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}
