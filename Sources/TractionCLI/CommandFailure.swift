import Foundation
import TractionCore

/// A failure while a command runs (a missing folder, an unreadable or mismatched file), as
/// opposed to a bad option: the argument parser prints just "Error: <message>" and exits 1,
/// without the usage text it prints for a `ValidationError` (exit 64).
///
/// Option errors belong in a command's `validate()`, where the parser knows which subcommand
/// failed; a `ValidationError` thrown from `run()` would print the top-level usage instead.
struct CommandFailure: Error, CustomStringConvertible {
  var description: String

  /// Control characters in `message` (from a file or folder name) are shown escaped.
  init(_ message: String) { description = escapingControlCharacters(message) }
}

/// Checks that a path given as a folder of recordings is one, with the reason when it is not.
enum FolderCheck {
  /// Why `path` cannot be listed as a folder ("no such folder", "is a file, not a folder", the
  /// system's reason), or nil when it is a folder.
  static func problem(_ path: String) -> String? {
    var st = stat()
    if stat(path, &st) != 0 {
      let e = errno
      if e == ENOENT { return "\(path): no such folder" }
      return "\(path): cannot open the folder: \(String(cString: strerror(e)))"
    }
    if (st.st_mode & S_IFMT) != S_IFDIR { return "\(path) is a file, not a folder" }
    return nil
  }

  /// The names in folder `path`, or a `CommandFailure` saying why it cannot be listed.
  static func contents(_ path: String) throws -> [String] {
    if let problem = problem(path) { throw CommandFailure(problem) }
    do {
      return try FileManager.default.contentsOfDirectory(atPath: path)
    } catch {
      throw CommandFailure("\(path): cannot list the folder: \(describeSystemError(error))")
    }
  }
}

/// The reason in a Foundation file error, without the NSError dump ("Permission denied").
func describeSystemError(_ error: any Error) -> String {
  let ns = error as NSError
  if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
    return String(cString: strerror(Int32(underlying.code)))
  }
  if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
  return ns.localizedDescription
}
