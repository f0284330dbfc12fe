#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// One line handed out by `ByteSource`: bytes without the newline (and without a trailing CR),
/// valid until the next call.
struct RawLine {
  var base: UnsafePointer<UInt8>
  var count: Int
  /// False only for a last line with no newline at the end.
  var terminated: Bool

  var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}

/// Fixed-size chunked input from a file descriptor or from memory. Memory use is the buffer
/// size, whatever the length of the input; a line longer than the buffer is an error.
final class ByteSource {
  private enum Origin {
    case fd(Int32, owned: Bool)
    case memory([UInt8], offset: Int)
  }

  let name: String
  let capacity: Int
  private let buf: UnsafeMutablePointer<UInt8>
  private var start = 0
  private var end = 0
  private(set) var atEOF = false
  /// Total bytes read so far, to tell an empty input apart.
  private(set) var bytesRead = 0
  private var origin: Origin

  /// Opens `path` read-only. `bufferSize` is also the longest line accepted.
  init(path: String, bufferSize: Int) throws(RecordingError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let e = errno
      throw RecordingError(
        .unreadable, file: path, reason: "cannot open: \(RecordingError.errnoText(e))")
    }
    name = path
    capacity = max(bufferSize, 16)
    buf = .allocate(capacity: capacity)
    origin = .fd(fd, owned: true)
  }

  /// Reads from an open descriptor (a pipe, stdin); closes it at the end only when `owned`.
  init(fileDescriptor fd: Int32, name: String, bufferSize: Int, owned: Bool) {
    self.name = name
    capacity = max(bufferSize, 16)
    buf = .allocate(capacity: capacity)
    origin = .fd(fd, owned: owned)
  }

  /// Reads from bytes in memory, through the same fixed-size buffer as a file.
  init(bytes: [UInt8], name: String, bufferSize: Int) {
    self.name = name
    capacity = max(bufferSize, 16)
    buf = .allocate(capacity: capacity)
    origin = .memory(bytes, offset: 0)
  }

  deinit {
    if case .fd(let fd, owned: true) = origin { _ = posixClose(fd) }
    buf.deallocate()
  }

  /// Reads more bytes into `buf[end...]`; sets `atEOF` when there are none.
  private func fill() throws(RecordingError) {
    let room = capacity - end
    guard room > 0, !atEOF else { return }
    switch origin {
    case .fd(let fd, _):
      while true {
        let n = read(fd, buf + end, room)
        if n < 0 {
          let e = errno
          if e == EINTR { continue }
          throw RecordingError(
            .unreadable, file: name, reason: "read failed: \(RecordingError.errnoText(e))")
        }
        if n == 0 {
          atEOF = true
        } else {
          end += n
          bytesRead += n
        }
        return
      }
    case .memory(let bytes, let offset):
      let n = min(room, bytes.count - offset)
      if n == 0 {
        atEOF = true
        return
      }
      bytes.withUnsafeBufferPointer { src in
        guard let s = src.baseAddress else { return }
        (buf + end).update(from: s + offset, count: n)
      }
      end += n
      bytesRead += n
      origin = .memory(bytes, offset: offset + n)
    }
  }

  /// The next raw chunk (whole-file reading of small companion files).
  func readChunk() throws(RecordingError) -> UnsafeBufferPointer<UInt8>? {
    start = 0
    end = 0
    try fill()
    if end == 0 { return nil }
    return UnsafeBufferPointer(start: buf, count: end)
  }

  /// The next line, or nil at the end of the input. Throws `.lineTooLong` (without a line number;
  /// the caller adds it) when a line does not fit the buffer.
  func nextLine() throws(RecordingError) -> RawLine? {
    var scanFrom = start
    while true {
      if scanFrom < end, let hit = memchr(buf + scanFrom, 0x0A, end - scanFrom) {
        let nl = hit.assumingMemoryBound(to: UInt8.self) - buf
        let line = makeLine(from: start, to: nl, terminated: true)
        start = nl + 1
        return line
      }
      if atEOF {
        if start < end {
          let line = makeLine(from: start, to: end, terminated: false)
          start = end
          return line
        }
        return nil
      }
      if start == 0 && end == capacity {
        if memchr(buf, 0x0D, end) != nil { throw crOnlyError() }
        throw RecordingError(
          .lineTooLong, file: name, reason: "line longer than the \(capacity)-byte read buffer")
      }
      if start > 0 {
        let keep = end - start
        if keep > 0 { memmove(buf, buf + start, keep) }
        start = 0
        end = keep
      }
      scanFrom = end
      try fill()
    }
  }

  /// Lines that end in a carriage return alone (classic Mac OS) read as one endless line.
  func crOnlyError() -> RecordingError {
    RecordingError(
      .lineTooLong, file: name,
      reason: "lines end in a carriage return (CR) alone; the format needs LF or CRLF line ends")
  }

  @inline(__always)
  private func makeLine(from a: Int, to b: Int, terminated: Bool) -> RawLine {
    var n = b - a
    if n > 0 && buf[a + n - 1] == 0x0D { n -= 1 }
    return RawLine(base: UnsafePointer(buf + a), count: n, terminated: terminated)
  }
}
