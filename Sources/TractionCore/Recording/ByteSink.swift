#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// Buffered output to a file descriptor or to memory, shared by the recording and trace writers.
/// One growing byte buffer, reused: after the first flush the per-line path does not allocate.
final class ByteSink {
  enum Target {
    case file(Int32)
    case memory
  }

  let name: String
  private var target: Target?
  /// Bytes not yet handed to the kernel (file) or everything written so far (memory).
  var buffer: [UInt8] = []
  private(set) var memoryBytes: [UInt8] = []
  let syncOnFlush: Bool

  /// Creates `path` (mode 0644). With `replaceExisting` an existing file is truncated; without
  /// it an existing regular file is left untouched and `.alreadyExists` is thrown. The check is
  /// the `open` itself (`O_EXCL`), so two writers racing for one name cannot both get it. A pipe
  /// or device that exists (`/dev/stdout`, `/dev/fd/N`) holds nothing to lose and is opened;
  /// a named pipe only while something reads it: with no reader it is an error at once, never a
  /// wait in `open` that no signal ends (the commands refuse any such path before this).
  init(path: String, syncOnFlush: Bool, replaceExisting: Bool) throws(RecordingError) {
    name = path
    self.syncOnFlush = syncOnFlush
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | (replaceExisting ? O_TRUNC : O_EXCL)
    var fd = open(path, flags, 0o644)
    var e = fd < 0 ? errno : 0
    let exists = RecordingError(
      .alreadyExists, file: path, reason: "already exists; it is left as it is (nothing was written)")
    if e == EEXIST && !replaceExisting {
      // Something is there: a pipe or device is written to, judged on what was opened, without
      // O_TRUNC (a regular file, even one that appeared since, is refused, not written over).
      fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK)
      e = fd < 0 ? errno : 0
      var st = stat()
      if fd >= 0 && (fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) == S_IFREG) {
        _ = posixClose(fd)
        throw exists
      }
    }
    if fd < 0 {
      let why = e == ENXIO ? "a named pipe that nothing reads" : RecordingError.errnoText(e)
      throw RecordingError(.writeFailed, file: path, reason: "cannot create: \(why)")
    }
    // Writes block as usual (O_NONBLOCK was only for the open).
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    target = .file(fd)
    buffer.reserveCapacity(1 << 16)
  }

  init(memoryNamed name: String) {
    self.name = name
    self.syncOnFlush = false
    target = .memory
    buffer.reserveCapacity(1 << 12)
  }

  var isClosed: Bool {
    if case .none = target { return true }
    return false
  }

  func checkOpen() throws(RecordingError) {
    if isClosed { throw RecordingError(.closed, file: name, reason: "writer already closed") }
  }

  /// Hands the buffer to the kernel (and to the disk with `syncOnFlush`).
  func flush() throws(RecordingError) {
    guard let target else { return }
    switch target {
    case .memory:
      memoryBytes.append(contentsOf: buffer)
      buffer.removeAll(keepingCapacity: true)
    case .file(let fd):
      var done = 0
      let total = buffer.count
      var failure: Int32 = 0
      buffer.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        while done < total {
          let n = write(fd, base + done, total - done)
          if n < 0 {
            if errno == EINTR { continue }
            failure = errno
            return
          }
          done += n
        }
      }
      if failure != 0 {
        buffer.removeFirst(done)
        throw RecordingError(
          .writeFailed, file: name, reason: "write failed: \(RecordingError.errnoText(failure))")
      }
      buffer.removeAll(keepingCapacity: true)
      if syncOnFlush && fsync(fd) != 0 {
        let e = errno
        if e != EINVAL && e != EROFS {  // pipes and special files cannot sync
          throw RecordingError(
            .writeFailed, file: name, reason: "fsync failed: \(RecordingError.errnoText(e))")
        }
      }
    }
  }

  /// Flushes, syncs and closes; later writes throw `.closed`. Closing twice is harmless. The
  /// descriptor is closed even when the last flush fails (a full disk), and that failure thrown.
  func close() throws(RecordingError) {
    guard let t = target else { return }
    var failure: RecordingError? = nil
    do { try flush() } catch { failure = error }
    target = nil
    if case .file(let fd) = t {
      _ = fsync(fd)
      if posixClose(fd) != 0 && failure == nil {
        let e = errno
        failure = RecordingError(
          .writeFailed, file: name, reason: "close failed: \(RecordingError.errnoText(e))")
      }
    }
    if let failure { throw failure }
  }

  deinit {
    if case .file(let fd)? = target {
      try? flush()
      _ = posixClose(fd)
    }
  }
}

@inline(__always)
func posixClose(_ fd: Int32) -> Int32 {
  #if canImport(Glibc)
    Glibc.close(fd)
  #elseif canImport(Darwin)
    Darwin.close(fd)
  #elseif canImport(Musl)
    Musl.close(fd)
  #endif
}
