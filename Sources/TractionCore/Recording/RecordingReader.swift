#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// Reads a version-1 recording sample by sample, in constant memory: the file goes through one
/// fixed-size buffer (64 KiB by default, also the longest line accepted) and numbers are parsed
/// in place, so `next()` allocates nothing.
///
/// The initializer reads the format line, the metadata and the header, and throws if any is
/// wrong. `next()` then returns samples until the end, or throws on the first malformed line;
/// nothing after a fault is returned. Every error names the file, the line and the column.
///
/// Choices the spec leaves open: unknown columns are kept in `layout.columns` and their values
/// ignored (with a notice); a second IMU needs the first; a cut-short last line (no newline and
/// fewer fields, or whose last field is not a number) is dropped with a notice; lines may end in
/// CRLF; spaces around fields are allowed; a UTF-8 byte-order mark is skipped.
///
/// The reader is a value, but its input is shared: copies advance the same stream.
public struct RecordingReader {
  /// The path (or in-memory name) used in errors and notices.
  public let name: String
  public private(set) var metadata = RecordingMetadata()
  public private(set) var layout: RecordingLayout
  /// Things handled without failing (a dropped last line, ignored columns).
  public private(set) var notices: [RecordingNotice] = []
  /// Samples returned so far.
  public private(set) var sampleCount = 0
  /// Time of the last sample returned.
  public private(set) var lastTime: Double?
  /// Physical line number of the last line read.
  public private(set) var lineNumber = 0

  private let source: ByteSource
  private let scratch: Scratch
  private var tracker: GapTracker
  private var finished = false

  public static let defaultBufferSize = 1 << 16
  /// Ignored columns named one by one; the rest share one notice.
  static let unknownColumnNotices = 5

  /// Gaps seen so far. Without `rate_hz` the first 32 steps are judged once the period is
  /// estimated (or at the end of the file), so read this after `next()` returned nil.
  public var gaps: GapReport { tracker.report }

  /// Opens a recording file and reads its metadata and header.
  public init(path: String, bufferSize: Int = defaultBufferSize) throws(RecordingError) {
    try self.init(source: ByteSource(path: path, bufferSize: bufferSize))
  }

  /// Reads a recording from an open descriptor (a pipe, stdin); `name` is used in messages.
  /// The descriptor is closed when the reader goes away only if `closeWhenDone`.
  public init(
    fileDescriptor: Int32, name: String, closeWhenDone: Bool = false,
    bufferSize: Int = defaultBufferSize
  ) throws(RecordingError) {
    try self.init(
      source: ByteSource(
        fileDescriptor: fileDescriptor, name: name, bufferSize: bufferSize, owned: closeWhenDone))
  }

  /// Reads a recording held in memory (tests, tools), through the same fixed buffer as a file.
  public init(bytes: [UInt8], name: String, bufferSize: Int = defaultBufferSize)
    throws(RecordingError)
  {
    try self.init(source: ByteSource(bytes: bytes, name: name, bufferSize: bufferSize))
  }

  public init(text: String, name: String, bufferSize: Int = defaultBufferSize)
    throws(RecordingError)
  {
    try self.init(bytes: Array(text.utf8), name: name, bufferSize: bufferSize)
  }

  private init(source: ByteSource) throws(RecordingError) {
    self.source = source
    name = source.name
    var lineNo = 0
    var md = RecordingMetadata()
    var header: (names: [String], line: Int)? = nil
    var seenKeys: Set<String> = []

    func readLine() throws(RecordingError) -> RawLine? {
      do throws(RecordingError) {
        let l = try source.nextLine()
        if l != nil { lineNo += 1 }
        return l
      } catch {
        var e = error
        if e.kind == .lineTooLong { e.line = lineNo + 1 }
        throw e
      }
    }

    // Line 1: the format line.
    guard var first = try readLine() else {
      if source.bytesRead == 0 {
        throw RecordingError(.empty, file: source.name, reason: "the file is empty")
      }
      throw RecordingError(.notARecording, file: source.name, line: 1, reason: "no format line")
    }
    let bom = byteOrderMarkLength(UnsafeBufferPointer(start: first.base, count: first.count))
    if bom > 0 {
      first = RawLine(base: first.base + bom, count: first.count - bom, terminated: first.terminated)
    }
    if UnsafeBufferPointer(start: first.base, count: first.count).contains(0x0D) {
      var e = source.crOnlyError()
      e.line = 1
      throw e
    }
    let firstText = try Self.text(first, file: source.name, line: 1)
    let expected = RecordingMetadata.formatLine
    if let (key, value) = Self.splitMetadata(firstText), key == "format" {
      let prefix = RecordingMetadata.formatName + "/"
      if value != "\(prefix)\(RecordingMetadata.formatVersion)" {
        if value.hasPrefix(prefix) {
          throw RecordingError(
            .unsupportedVersion, file: source.name, line: 1,
            reason: "format '\(value)' is not supported; this reader reads '\(prefix)1'")
        }
        throw RecordingError(
          .notARecording, file: source.name, line: 1,
          reason: "format '\(value)' is not a traction recording; expected '\(expected)'")
      }
    } else {
      throw RecordingError(
        .notARecording, file: source.name, line: 1,
        reason: "the first line must be '\(expected)', found '\(Self.excerpt(firstText))'")
    }

    // Metadata, blank lines, then the header.
    while header == nil {
      guard let l = try readLine() else {
        throw RecordingError(
          .missingHeader, file: source.name, line: lineNo,
          reason: "the file ends before the header line")
      }
      if Self.isBlank(l) { continue }
      let text = try Self.text(l, file: source.name, line: lineNo)
      if l.base[0] == UInt8(ascii: "#") {
        guard let (key, value) = Self.splitMetadata(text) else {
          throw RecordingError(
            .badMetadata, file: source.name, line: lineNo,
            reason: "metadata lines must be '# key: value', found '\(Self.excerpt(text))'")
        }
        if key == "format" || !seenKeys.insert(key).inserted {
          throw RecordingError(
            .badMetadata, file: source.name, line: lineNo,
            reason: "metadata key '\(key)' appears twice")
        }
        if let problem = RecordingMetadata.numericProblem(key: key, value: value) {
          throw RecordingError(.badMetadata, file: source.name, line: lineNo, reason: problem)
        }
        md.appendNew(key: key, value: value)
        continue
      }
      let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
        String($0.trimmingSpaces)
      }
      if let f = names.first {
        var f = f
        if case .value = f.withUTF8({ DecimalParser.parse($0) }) {
          throw RecordingError(
            .missingHeader, file: source.name, line: lineNo,
            reason: "this line holds numbers; the header line naming the columns is missing")
        }
      }
      header = (names, lineNo)
    }
    guard let header else {
      throw RecordingError(.missingHeader, file: source.name, reason: "no header line")
    }
    layout = try RecordingLayout(columns: header.names, file: source.name, line: header.line)
    metadata = md
    lineNumber = lineNo
    // One notice per ignored column, but not thousands of them.
    let unknown = header.names.indices.filter { ColumnID(name: header.names[$0]) == nil }
    for i in unknown.prefix(Self.unknownColumnNotices) {
      notices.append(
        RecordingNotice(
          .unknownColumnIgnored, file: source.name, line: header.line, column: i + 1,
          message: "column '\(Self.excerpt(header.names[i]))' is not part of the format; its values are ignored"))
    }
    if unknown.count > Self.unknownColumnNotices {
      let i = unknown[Self.unknownColumnNotices]
      notices.append(
        RecordingNotice(
          .unknownColumnIgnored, file: source.name, line: header.line, column: i + 1,
          message:
            "\(unknown.count - Self.unknownColumnNotices) more columns from here on are not part of the format; their values are ignored"
        ))
    }
    scratch = Scratch(columns: header.names)
    tracker = GapTracker(rateHz: md.rateHz)
  }

  /// The next sample, or nil at the end of the recording. Throws on a malformed line; after an
  /// error or the end it keeps returning nil.
  public mutating func next() throws(RecordingError) -> Sample? {
    if finished { return nil }
    do throws(RecordingError) {
      while true {
        let line: RawLine
        do throws(RecordingError) {
          guard let l = try source.nextLine() else {
            finish()
            return nil
          }
          line = l
        } catch {
          var e = error
          if e.kind == .lineTooLong { e.line = lineNumber + 1 }
          throw e
        }
        lineNumber += 1
        if line.count == 0 || Self.isBlank(line) { continue }
        if line.base[0] == UInt8(ascii: "#") {
          try checkUTF8(line.bytes)
          continue
        }
        if !line.terminated, let drop = truncationReason(line) {
          notices.append(
            RecordingNotice(
              .truncatedLastLineDropped, file: name, line: lineNumber,
              message: "the last line is cut short (\(drop)), probably by a power loss; dropped it")
          )
          finish()
          return nil
        }
        let sample = try parseSample(line)
        sampleCount += 1
        lastTime = sample.t
        tracker.add(t: sample.t, seq: sample.seq, line: lineNumber)
        return sample
      }
    } catch {
      finished = true
      throw error
    }
  }

  private mutating func finish() {
    finished = true
    tracker.settle()
  }

  /// How many comma-separated fields the line has, and where its last one starts.
  private static func fields(_ line: RawLine) -> (count: Int, lastStart: Int) {
    var count = 1
    var lastStart = 0
    for k in 0..<line.count where line.base[k] == UInt8(ascii: ",") {
      count += 1
      lastStart = k + 1
    }
    return (count, lastStart)
  }

  /// Why an unterminated last line counts as cut short, or nil if it is a whole sample.
  private func truncationReason(_ line: RawLine) -> String? {
    let (fields, lastStart) = Self.fields(line)
    let expected = scratch.count
    if fields < expected { return "\(fields) of \(expected) fields" }
    if fields > expected { return nil }  // too many: a real error, reported by the parser
    let last = UnsafeBufferPointer(start: line.base + lastStart, count: line.count - lastStart)
    let id = scratch.slots[expected - 1]
    if id == ColumnID.seq.rawValue {
      return DecimalParser.parseInt64(last) == nil ? "its last field is incomplete" : nil
    }
    if id == Scratch.unknown { return nil }
    if case .invalid = DecimalParser.parse(last) { return "its last field is incomplete" }
    return nil
  }

  @inline(__always)
  private mutating func parseSample(_ line: RawLine) throws(RecordingError) -> Sample {
    let base = line.base
    let n = line.count
    let values = scratch.values
    var p = 0
    var field = 0
    let expected = scratch.count
    var seq: Int64? = nil
    while true {
      var e = n
      if p < n, let hit = memchr(base + p, Int32(UInt8(ascii: ",")), n - p) {
        e = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
      }
      if field >= expected {
        throw RecordingError(
          .wrongFieldCount, file: name, line: lineNumber,
          reason: "more fields than the \(expected) columns of the header")
      }
      let bytes = UnsafeBufferPointer(start: base + p, count: e - p)
      let id = scratch.slots[field]
      if id == ColumnID.seq.rawValue {
        guard let s = DecimalParser.parseInt64(bytes) else {
          let whole = DecimalParser.isWholeNumber(bytes)
          throw fieldError(
            bytes, line: line, field: field,
            reason: whole ? "is too large for a sample counter (at most 2^63 − 1)" : "is not a whole number")
        }
        seq = s
      } else if id != Scratch.unknown {
        switch DecimalParser.parse(bytes) {
        case .value(let v): values[Int(id)] = v
        case .notFinite:
          throw fieldError(
            bytes, line: line, field: field, reason: "is not a valid sample value", kind: .notFinite
          )
        case .invalid:
          throw fieldError(bytes, line: line, field: field, reason: "is not a number")
        }
      } else {
        // Only this field's bytes: checking the whole line per ignored column is quadratic in
        // the number of columns (a comma never splits a UTF-8 sequence).
        try checkUTF8(bytes, field: field)
      }
      field += 1
      if e >= n { break }
      p = e + 1
    }
    if field != expected {
      throw RecordingError(
        .wrongFieldCount, file: name, line: lineNumber,
        reason: "\(field) fields but the header has \(expected) columns")
    }
    let t = values[Int(ColumnID.t.rawValue)]
    guard abs(t) < Sample.timeLimitSeconds else {
      throw RecordingError(
        .timeOutOfRange, file: name, line: lineNumber, column: scratch.tColumn + 1,
        columnName: "t_s",
        reason:
          "time \(t) is not seconds since the first sample (the limit is 4e9 s; nanoseconds or an epoch clock?)"
      )
    }
    if let lastTime, !(t > lastTime) {
      throw RecordingError(
        .timeNotIncreasing, file: name, line: lineNumber, column: scratch.tColumn + 1,
        columnName: "t_s",
        reason: "time \(t) is not after the previous sample's \(lastTime)")
    }
    var s = Sample(t: t, seq: seq)
    if layout.hasIMU { s.imu = Self.imu(values, from: .accX) }
    if layout.hasIMU2 { s.imu2 = Self.imu(values, from: .acc2X) }
    if layout.hasLoad { s.loadN = values[Int(ColumnID.load.rawValue)] }
    if layout.hasSqueeze { s.squeezeN = values[Int(ColumnID.squeeze.rawValue)] }
    return s
  }

  @inline(__always)
  private static func imu(_ v: UnsafeMutablePointer<Double>, from first: ColumnID) -> IMUReading {
    let i = Int(first.rawValue)
    return IMUReading(
      acc: SIMD3(v[i], v[i + 1], v[i + 2]), gyr: SIMD3(v[i + 3], v[i + 4], v[i + 5]))
  }

  /// The error for one bad field: invalid UTF-8 if that is the cause, else `kind`.
  private func fieldError(
    _ bytes: UnsafeBufferPointer<UInt8>, line: RawLine, field: Int, reason: String,
    kind: RecordingError.Kind = .notANumber
  ) -> RecordingError {
    // A value split by a comma (a decimal comma) shifts every field after it: the count is the
    // real error. (A line with too few fields keeps the field's own message: it shows the text.)
    let fields = Self.fields(line).count
    if fields > scratch.count {
      return RecordingError(
        .wrongFieldCount, file: name, line: lineNumber,
        reason: "\(fields) fields but the header has \(scratch.count) columns")
    }
    let colName = layout.columns[field]
    if String(validating: line.bytes, as: UTF8.self) == nil {
      return RecordingError(
        .invalidUTF8, file: name, line: lineNumber, column: field + 1, columnName: colName,
        reason: "the line is not valid UTF-8")
    }
    let text = String(decoding: bytes, as: UTF8.self)
    let shown =
      text.trimmingSpaces.isEmpty
      ? "an empty field" : "'\(Self.excerpt(String(text.trimmingSpaces)))'"
    return RecordingError(
      kind, file: name, line: lineNumber, column: field + 1, columnName: colName,
      reason: "\(shown) \(reason)")
  }

  /// Rejects invalid UTF-8 in a line or one field of it (only bytes with non-ASCII characters are
  /// checked in full).
  private func checkUTF8(_ bytes: UnsafeBufferPointer<UInt8>, field: Int? = nil)
    throws(RecordingError)
  {
    guard bytes.contains(where: { $0 >= 0x80 }) else { return }
    if String(validating: bytes, as: UTF8.self) == nil {
      throw RecordingError(
        .invalidUTF8, file: name, line: lineNumber, column: field.map { $0 + 1 },
        columnName: field.map { layout.columns[$0] }, reason: "the line is not valid UTF-8")
    }
  }

  private static func isBlank(_ l: RawLine) -> Bool {
    for k in 0..<l.count where !DecimalParser.isSpace(l.base[k]) { return false }
    return true
  }

  private static func text(_ l: RawLine, file: String, line: Int) throws(RecordingError) -> String {
    guard let s = String(validating: l.bytes, as: UTF8.self) else {
      throw RecordingError(
        .invalidUTF8, file: file, line: line, reason: "the line is not valid UTF-8")
    }
    return s
  }

  /// `# key: value` → (key, value); nil when the line has another shape.
  static func splitMetadata(_ s: String) -> (String, String)? {
    guard s.hasPrefix("#") else { return nil }
    let body = s.dropFirst().trimmingSpaces
    guard let colon = body.firstIndex(of: ":") else { return nil }
    let key = body[..<colon]
    guard !key.isEmpty, !key.contains(where: { $0 == " " || $0 == "\t" }) else { return nil }
    let value = body[body.index(after: colon)...].trimmingSpaces
    return (String(key), String(value))
  }

  static func excerpt(_ s: String) -> String {
    s.count <= 40 ? s : String(s.prefix(40)) + "…"
  }
}

/// Per-column storage the parser writes into: allocated once per reader.
final class Scratch {
  static let unknown: UInt8 = 0xFF
  /// ColumnID raw value per file column, or `unknown`.
  let slots: UnsafeMutablePointer<UInt8>
  let count: Int
  /// Parsed values indexed by ColumnID raw value.
  let values: UnsafeMutablePointer<Double>
  let tColumn: Int

  init(columns: [String]) {
    count = columns.count
    slots = .allocate(capacity: max(count, 1))
    var tc = 0
    for (i, c) in columns.enumerated() {
      let id = ColumnID(name: c)
      slots[i] = id?.rawValue ?? Self.unknown
      if id == .t { tc = i }
    }
    tColumn = tc
    values = .allocate(capacity: ColumnID.allCases.count)
    values.initialize(repeating: 0, count: ColumnID.allCases.count)
  }

  deinit {
    slots.deallocate()
    values.deallocate()
  }
}

extension StringProtocol {
  /// Without leading and trailing spaces and tabs.
  var trimmingSpaces: Substring {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" { s.removeLast() }
    return s
  }
}

/// The length of a UTF-8 byte-order mark at the start of `bytes` (3), or 0. Some editors write one;
/// it is not part of the first line's text (every reader of the project's CSV files skips it).
func byteOrderMarkLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
  bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
}
