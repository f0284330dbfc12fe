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
  /// Why `path` cannot be listed as a folder, and how to say it.
  struct Problem {
    /// A file is there (so it may be a recording given where its folder belongs).
    var isFile: Bool
    /// "no such folder", "is a file, not a folder", or the system's reason, after the path.
    var message: String
  }

  /// Why `path` cannot be listed as a folder, or nil when it is a folder.
  static func problem(_ path: String) -> Problem? {
    var st = stat()
    if stat(path, &st) != 0 {
      let e = errno
      if e == ENOENT { return Problem(isFile: false, message: "\(path): no such folder") }
      return Problem(isFile: false, message: "\(path): cannot open the folder: \(String(cString: strerror(e)))")
    }
    if (st.st_mode & S_IFMT) != S_IFDIR { return Problem(isFile: true, message: "\(path) is a file, not a folder") }
    return nil
  }

  /// The names in folder `path`, or a `CommandFailure` saying why it cannot be listed.
  static func contents(_ path: String) throws -> [String] {
    if let problem = problem(path) { throw CommandFailure(problem.message) }
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
