import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// The terminal output of `traction run`, which must outlive its terminal: a pipe closed by the
/// reader (`| head -1`, SIGPIPE ignored) or a dropped SSH session (the tty gone) makes a write
/// fail, and a failed write must not end the session or lose its recording. `print` hides such
/// failures and `FileHandle.write` traps on them, so these write whole lines with `write(2)`.
///
/// Standard output: the first failure is remembered (`stdoutFailure`), said once on standard
/// error, and nothing more is written there; the command checks it at the end and exits
/// non-zero. Standard error: failures are ignored (there is nowhere left to report them).
enum Console {
  /// The errno of the first failed write to standard output; 0 while it works.
  static let stdoutErrno = Atomic<Int32>(0)

  /// Why standard output stopped working, or nil.
  static var stdoutFailure: String? {
    let e = stdoutErrno.load(ordering: .relaxed)
    return e == 0 ? nil : String(cString: strerror(e))
  }

  /// Writes `text` and a line break to standard output; false when it could not (then, and
  /// after an earlier failure, nothing is written).
  @discardableResult
  static func out(_ text: String) -> Bool {
    guard stdoutErrno.load(ordering: .relaxed) == 0 else { return false }
    let e = writeAll(STDOUT_FILENO, text + "\n")
    guard e != 0 else { return true }
    if stdoutErrno.compareExchange(expected: 0, desired: e, ordering: .relaxed).exchanged {
      err(
        "warning: standard output: write failed (\(String(cString: strerror(e)))); nothing more is printed there")
    }
    return false
  }

  /// Writes `text` and a line break to standard error.
  static func err(_ text: String) {
    _ = writeAll(STDERR_FILENO, text + "\n")
  }

  /// Writes `text` as it is to standard error (a progress line redrawn with `\r`).
  static func errPartial(_ text: String) {
    _ = writeAll(STDERR_FILENO, text)
  }

  /// Writes every byte (retrying interrupted and partial writes); the errno of a failure, or 0.
  private static func writeAll(_ fd: Int32, _ text: String) -> Int32 {
    let bytes = Array(text.utf8)
    let total = bytes.count
    return bytes.withUnsafeBytes { raw -> Int32 in
      guard let base = raw.baseAddress else { return 0 }
      var done = 0
      while done < total {
        let n = write(fd, base + done, total - done)
        if n < 0 {
          let e = errno
          if e == EINTR { continue }
          return e
        }
        done += n
      }
      return 0
    }
  }
}
