import Foundation

/// Paths of the files that may sit beside a recording `NAME.csv` (recording-format.md,
/// "Companion files"): `NAME.labels.json` and `NAME.truth.csv`.
public enum RecordingCompanions {
  /// `NAME` of `NAME.csv` (the path is kept; a name without `.csv` is used whole).
  public static func stem(ofRecording path: String) -> String {
    path.hasSuffix(".csv") ? String(path.dropLast(4)) : path
  }

  public static func labelsPath(forRecording path: String) -> String {
    stem(ofRecording: path) + ".labels.json"
  }

  public static func truthPath(forRecording path: String) -> String {
    stem(ofRecording: path) + ".truth.csv"
  }

  /// The paths that belong to recording `path`: itself and its companions, under the name given
  /// and, when that is a symbolic link, under the name of the file it leads to (`lnk.csv` →
  /// `s.csv` has `s.truth.csv` too). What an output must not overwrite.
  public static func family(ofRecording path: String) -> [(path: String, what: String)] {
    var names = [path]
    if let real = realpath(path, nil) {
      let resolved = String(cString: real)
      free(real)
      if resolved != path { names.append(resolved) }
    }
    return names.flatMap { name in
      [
        (name, "the recording"), (labelsPath(forRecording: name), "the recording's labels"),
        (truthPath(forRecording: name), "the recording's true angle"),
      ]
    }
  }

  /// True when `a` and `b` are the same existing file: the same device and inode once symbolic
  /// links are followed, so `./x.csv`, `x.csv`, a symlink to it and a hard link all match. False
  /// when either does not exist. Checked before opening an output (which truncates it) that must
  /// not be one of the inputs.
  public static func isSameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat()
    var sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
  }

  /// Why `stem` (the NAME of `NAME.csv`, `NAME.labels.json`, `NAME.truth.csv`, as given to
  /// `simulate --out` or `run --record`, with or without `.csv`) names no file, or nil when it is
  /// usable: empty, or a folder ("runs/", ".", "..") would write hidden files `.csv`, `.labels.json`.
  public static func stemProblem(_ path: String) -> String? {
    let stem = stem(ofRecording: path)
    let last = stem.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? ""
    if stem.isEmpty || (last.isEmpty && path.hasSuffix(".csv")) { return "needs a name" }
    if last.isEmpty || last == "." || last == ".." { return "names a folder, not a file" }
    return nil
  }

  /// Creates folder `path` and any missing parents (mode 0755), like `mkdir -p`. The error names
  /// the part that failed: `runs/s7.csv: cannot create folder s7.csv: a file of that name exists`
  /// (`for` is the file that was to be written there, used as the error's file).
  public static func createDirectory(_ path: String, for target: String? = nil) throws(RecordingError) {
    guard !path.isEmpty else { return }
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
      if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
      prefix += part
      if mkdir(prefix, 0o755) == 0 { continue }
      let e = errno
      var st = stat()
      if stat(prefix, &st) == 0 {
        if (st.st_mode & S_IFMT) == S_IFDIR { continue }
        throw RecordingError(
          .writeFailed, file: target ?? path, reason: "cannot create folder \(prefix): a file of that name exists")
      }
      throw RecordingError(
        .writeFailed, file: target ?? path,
        reason: "cannot create folder \(prefix): \(RecordingError.errnoText(e))")
    }
  }

  /// The directory part of `path` ("" for a bare file name, "/" at the root), to create before
  /// writing there. (Foundation's `deletingLastPathComponent` traps on a bare name on Linux.)
  public static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// What is at `path` when something is there that is not a regular file once symbolic links
  /// are followed ("a named pipe", "a folder", …); nil for a regular file or nothing. Such
  /// a thing is never opened unasked: `open` on a FIFO waits for its other end (the stop signals'
  /// handlers only set a flag, so Ctrl-C does not end that wait), and `/dev/zero` never ends.
  public static func notRegularFile(_ path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return kind(of: st)
  }

  /// "a named pipe", "a folder", … for what `st` describes; nil for a regular file.
  private static func kind(of st: stat) -> String? {
    switch st.st_mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFIFO: return "a named pipe"
    case S_IFDIR: return "a folder"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFSOCK: return "a socket"
    default: return "a special file"
    }
  }

  /// True when there is anything at `path`, a symbolic link to nothing included: a companion
  /// that is there but cannot be read is an error, not an absent file.
  public static func isPresent(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  /// Checks that `path`, a file found by listing a folder (or a companion found beside one),
  /// is a regular file that can be opened, before anything opens it. Throws `.unreadable` naming
  /// it: "not a regular file but a named pipe", or why it cannot be opened (a symbolic link to
  /// nothing).
  public static func checkRegularInput(_ path: String) throws(RecordingError) {
    var st = stat()
    if stat(path, &st) != 0 {
      let e = errno
      if e == ENOENT && isPresent(path) {
        throw RecordingError(.unreadable, file: path, reason: "cannot open: a symbolic link to a missing file")
      }
      throw RecordingError(.unreadable, file: path, reason: "cannot open: \(RecordingError.errnoText(e))")
    }
    if let kind = kind(of: st) {
      throw RecordingError(
        .unreadable, file: path,
        reason: "not a regular file but \(kind) (only regular files found in a folder are read)")
    }
  }
}

extension SessionLabels {
  /// The largest labels file read: a session's labels take a few KiB, so anything near this is
  /// not labels (a link to `/dev/zero`, a recording given the wrong name).
  public static let maxFileBytes = 16 << 20

  /// Reads a `NAME.labels.json` file: a regular file of at most `maxFileBytes`. Errors name the
  /// file and, for bad JSON, the line, column and field.
  public static func read(path: String) throws(RecordingError) -> SessionLabels {
    try RecordingCompanions.checkRegularInput(path)
    let bytes = try readWholeFile(path, limit: maxFileBytes)
    return try decode(bytes, name: path)
  }

  /// Decodes labels JSON held in memory; `name` is used in errors.
  public static func decode(_ bytes: [UInt8], name: String) throws(RecordingError) -> SessionLabels {
    if bytes.isEmpty {
      throw RecordingError(.empty, file: name, reason: "the labels file is empty")
    }
    // The decoder's own message has no position for this.
    if let offset = firstInvalidUTF8(bytes) {
      let (line, column) = position(ofByte: offset, in: bytes)
      throw RecordingError(
        .badJSON, file: name, line: line, column: column,
        reason: "not valid JSON: byte \(offset) (0x\(String(bytes[offset], radix: 16, uppercase: true))) is not UTF-8")
    }
    let labels: SessionLabels
    do {
      labels = try JSONDecoder().decode(SessionLabels.self, from: Data(bytes))
    } catch let e as DecodingError {
      if case .dataCorrupted(let c) = e, c.codingPath.isEmpty {
        throw syntaxError(bytes, name: name, underlying: c.underlyingError)
      }
      throw RecordingError(.badJSON, file: name, reason: describe(e))
    } catch {
      throw RecordingError(.badJSON, file: name, reason: "\(error)")
    }
    if let problem = labels.problem() {
      throw RecordingError(.badJSON, file: name, reason: problem)
    }
    // A key left out is taken as an empty list (a generator may omit `breath_steps` with none),
    // but an object with none of them (`{}`, or `"rep"` misspelt) is not labels: scored, it would
    // read as a session where nothing happened.
    if labels.reps.isEmpty && labels.holds.isEmpty && labels.breathSteps.isEmpty,
      let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
      !["reps", "holds", "breath_steps"].contains(where: { object[$0] != nil })
    {
      let found = object.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
      throw RecordingError(
        .badJSON, file: name,
        reason: "none of the keys 'reps', 'holds', 'breath_steps' is there (found: \(found.isEmpty ? "none" : found)); "
          + "not labels as exercise-model.md defines them")
    }
    return labels
  }

  /// The first entry that cannot describe what happened in a recording, as
  /// `holds[2]: end 3.1 s is before start 5.0 s`, or nil when all are sound: every time finite and
  /// not negative, every end at or after its start, every angle finite.
  public func problem() -> String? {
    func time(_ what: String, _ name: String, _ t: Double) -> String? {
      t.isFinite && t >= 0 ? nil : "\(what): \(name) \(t) s is not a time in the recording (seconds from 0)"
    }
    func times(_ what: String, _ start: Double, _ end: Double) -> String? {
      if let p = time(what, "start", start) ?? time(what, "end", end) { return p }
      return end < start ? "\(what): end \(end) s is before start \(start) s" : nil
    }
    func angle(_ what: String, _ key: String, _ v: Double) -> String? {
      v.isFinite ? nil : "\(what): \(key) \(v) is not an angle"
    }
    // A rep's peak and a hold's mean may be null (NaN): not measured, a session on the force alone.
    func angleOrNull(_ what: String, _ key: String, _ v: Double) -> String? {
      v.isNaN ? nil : angle(what, key, v)
    }
    for (i, r) in reps.enumerated() {
      if let p = times("reps[\(i)]", r.start, r.end) ?? angleOrNull("reps[\(i)]", "peak_deg", r.peakDeg) {
        return p
      }
    }
    for (i, h) in holds.enumerated() {
      if let p = times("holds[\(i)]", h.start, h.end) ?? angleOrNull("holds[\(i)]", "mean_deg", h.meanDeg) {
        return p
      }
    }
    for (i, s) in breathSteps.enumerated() {
      if let p = time("breath_steps[\(i)]", "t", s.t) ?? angle("breath_steps[\(i)]", "rise_deg", s.riseDeg) {
        return p
      }
    }
    return nil
  }

  /// Text that is not JSON: the parser's reason with the line and column it points at. Foundation
  /// gives "around line 8, column 3" on Darwin, "around character 27" (a 0-based byte offset)
  /// elsewhere, and nothing when the decoder drops the underlying error; then the text is parsed
  /// again by `JSONSerialization` for its reason.
  private static func syntaxError(_ bytes: [UInt8], name: String, underlying: (any Error)?) -> RecordingError {
    var reason = (underlying as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
    if reason == nil {
      do {
        _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
      } catch {
        reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
      }
    }
    guard var text = reason else {
      // JSONSerialization reads a number that underflows (1e-400) as 0; the decoder refuses it
      // without a reason.
      if let (at, number) = firstUnrepresentableNumber(bytes) {
        let (line, column) = position(ofByte: at, in: bytes)
        return RecordingError(
          .badJSON, file: name, line: line, column: column,
          reason: "not valid JSON: number \(number) is too small for a Double (it underflows; write 0)")
      }
      return RecordingError(.badJSON, file: name, reason: "not valid JSON")
    }
    var line: Int? = nil
    var column: Int? = nil
    if let (l, c) = Self.lineAndColumn(in: text) {
      (line, column) = (l, c)
    } else if let offset = Self.number(after: "around character ", in: text) {
      (line, column) = Self.position(ofByte: offset, in: bytes)
    } else if text.hasPrefix("Unexpected end of file") {
      (line, column) = Self.position(ofByte: bytes.count, in: bytes)
    } else if text.hasPrefix("Number "), let end = text.range(of: " is not representable")?.lowerBound {
      // "Number 1e999 is not representable in Swift.": found by its text.
      let number = Array(text[text.index(text.startIndex, offsetBy: 7)..<end].utf8)
      if !number.isEmpty, let at = Self.firstIndex(of: number, in: bytes) {
        (line, column) = Self.position(ofByte: at, in: bytes)
      }
    }
    // The location is in the error's line and column; drop Foundation's own wording of it.
    for marker in [" around line", " around character"] {
      if line != nil, let r = text.range(of: marker) { text = String(text[..<r.lowerBound]) }
    }
    if text.hasSuffix(".") { text.removeLast() }
    return RecordingError(.badJSON, file: name, line: line, column: column, reason: "not valid JSON: \(text)")
  }

  private static func number(after marker: String, in text: String) -> Int? {
    guard let r = text.range(of: marker) else { return nil }
    return Int(text[r.upperBound...].prefix { $0.isNumber })
  }

  private static func lineAndColumn(in text: String) -> (Int, Int)? {
    guard let l = number(after: "line ", in: text), let c = number(after: "column ", in: text) else { return nil }
    return (l, c)
  }

  /// 1-based line and column (in characters) of byte `offset`.
  private static func position(ofByte offset: Int, in bytes: [UInt8]) -> (Int, Int) {
    let end = min(max(offset, 0), bytes.count)
    var line = 1
    var lineStart = 0
    for k in 0..<end where bytes[k] == 0x0A {
      line += 1
      lineStart = k + 1
    }
    let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
    return (line, column)
  }

  /// Byte offset of the first byte that is not part of valid UTF-8, or nil.
  static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var input = bytes.makeIterator()
    var offset = 0
    while true {
      switch parser.parseScalar(from: &input) {
      case .valid(let scalar): offset += scalar.count
      case .emptyInput: return nil
      case .error: return offset
      }
    }
  }

  /// Byte offset and text of the first JSON number outside strings that has a non-zero digit
  /// but reads as 0 (underflows a Double), or nil.
  static func firstUnrepresentableNumber(_ bytes: [UInt8]) -> (Int, String)? {
    var k = 0
    let n = bytes.count
    while k < n {
      let b = bytes[k]
      if b == UInt8(ascii: "\"") {
        k += 1
        while k < n && bytes[k] != UInt8(ascii: "\"") { k += bytes[k] == UInt8(ascii: "\\") ? 2 : 1 }
        k += 1
        continue
      }
      guard b == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else {
        k += 1
        continue
      }
      let start = k
      var nonZeroDigit = false
      var inExponent = false
      while k < n && "0123456789+-.eE".utf8.contains(bytes[k]) {
        let c = bytes[k]
        if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { inExponent = true }
        if !inExponent && c >= UInt8(ascii: "1") && c <= UInt8(ascii: "9") { nonZeroDigit = true }
        k += 1
      }
      let text = String(decoding: bytes[start..<k], as: UTF8.self)
      if nonZeroDigit, let v = Double(text), v == 0 { return (start, text) }
    }
    return nil
  }

  private static func firstIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
    guard needle.count <= bytes.count else { return nil }
    for k in 0...(bytes.count - needle.count) where bytes[k] == needle[0] {
      if Array(bytes[k..<(k + needle.count)]) == needle { return k }
    }
    return nil
  }

  /// The JSON text written by `write(path:)`: sorted keys, indented, newline at the end.
  public func encoded(name: String = "labels") throws(RecordingError) -> [UInt8] {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    do {
      var bytes = [UInt8](try enc.encode(self))
      bytes.append(0x0A)
      return bytes
    } catch {
      throw RecordingError(.badJSON, file: name, reason: "cannot encode labels: \(error)")
    }
  }

  /// Writes (replaces) a `NAME.labels.json` file.
  public func write(path: String) throws(RecordingError) {
    let bytes = try encoded(name: path)
    let sink = try ByteSink(path: path, syncOnFlush: false, replaceExisting: true)
    sink.buffer = bytes
    try sink.close()
  }

  private static func describe(_ e: DecodingError) -> String {
    func path(_ c: [any CodingKey]) -> String {
      c.isEmpty
        ? "top level"
        : c.enumerated().map { i, k in
          k.intValue.map { "[\($0)]" } ?? (i == 0 ? k.stringValue : ".\(k.stringValue)")
        }.joined()
    }
    switch e {
    case .dataCorrupted(let c):
      return "\(path(c.codingPath)): \(c.debugDescription)"
    case .keyNotFound(let k, let c):
      return "missing key '\(k.stringValue)' at \(path(c.codingPath))"
    case .typeMismatch(_, let c), .valueNotFound(_, let c):
      return "wrong value at \(path(c.codingPath)): \(c.debugDescription)"
    @unknown default:
      return "\(e)"
    }
  }
}

/// Reads a whole small file (labels JSON) with POSIX calls, so errors carry the errno text.
/// Keeps at most `limit` + 1 bytes: a longer file is an error naming it and the limit.
func readWholeFile(_ path: String, limit: Int) throws(RecordingError) -> [UInt8] {
  let source = try ByteSource(path: path, bufferSize: 1 << 16)
  var out: [UInt8] = []
  while let chunk = try source.readChunk() {
    out.append(contentsOf: chunk.prefix(limit + 1 - out.count))
    if out.count > limit {
      throw RecordingError(
        .tooLarge, file: path, reason: "larger than \(limit >> 20) MiB, the most read from this kind of file; not read")
    }
  }
  return out
}

/// One line of a truth or trace file.
public struct ThetaPoint: Sendable, Equatable {
  /// Seconds, on the recording's `t_s` clock.
  public var t: Double
  /// Extension angle, degrees.
  public var thetaDeg: Double

  public init(t: Double, thetaDeg: Double) {
    self.t = t
    self.thetaDeg = thetaDeg
  }
}

/// Streams a `t_s,theta_deg` CSV: the simulator's `NAME.truth.csv` and `replay --trace FILE`.
/// Times with 6 decimals (or as many as they need, see `TimeDigits`), angles with 4 (0.0001°);
/// buffered and flushed every second of time.
public final class ThetaTraceWriter {
  public static let header = "t_s,theta_deg"
  public static let thetaDecimals = 4

  /// How times are written.
  public enum TimeDigits: Sendable {
    /// Rounded to 6 decimals (1 µs), like the recording writer: times less than 1 µs apart throw.
    case microseconds
    /// Exactly: 6 decimals when that is the time (any time read from a file written with 6 or
    /// fewer), otherwise the shortest text that reads back as the same number (`1.0000005`,
    /// `5e-07`). One row per point for any strictly increasing times, e.g. a trace of a
    /// recording whose `t_s` steps by less than 1 µs.
    case asNeeded
  }

  public var name: String { sink.name }
  public private(set) var pointCount = 0
  private let sink: ByteSink
  private var lastT: Int64? = nil
  private var lastExactT: Double? = nil
  private var lastFlushT: Double? = nil
  private let flushInterval: Double
  public let timeDigits: TimeDigits

  public init(path: String, flushInterval: Double = 1.0, timeDigits: TimeDigits = .microseconds)
    throws(RecordingError)
  {
    sink = try ByteSink(path: path, syncOnFlush: false, replaceExisting: true)
    self.flushInterval = flushInterval
    self.timeDigits = timeDigits
    try start()
  }

  public init(memoryNamed name: String, timeDigits: TimeDigits = .microseconds) throws(RecordingError) {
    sink = ByteSink(memoryNamed: name)
    flushInterval = 1.0
    self.timeDigits = timeDigits
    try start()
  }

  private func start() throws(RecordingError) {
    sink.buffer.append(contentsOf: (Self.header + "\n").utf8)
    try sink.flush()
  }

  public func write(_ p: ThetaPoint) throws(RecordingError) {
    try write(t: p.t, thetaDeg: p.thetaDeg)
  }

  /// Appends one point; nan/inf or a time that does not increase (at 1 µs with `.microseconds`)
  /// throw.
  public func write(t: Double, thetaDeg: Double) throws(RecordingError) {
    try sink.checkOpen()
    let n = pointCount + 1
    guard abs(t) < Sample.timeLimitSeconds, let q = FixedFormatter.scaled(t, decimals: 6) else {
      throw RecordingError(
        .invalidSample, file: name, column: 1, columnName: "t_s",
        reason: "point \(n): time \(t) is not a finite number below 4e9 s")
    }
    guard thetaDeg.isFinite else {
      throw RecordingError(
        .invalidSample, file: name, column: 2, columnName: "theta_deg",
        reason: "point \(n): \(thetaDeg) is not a valid angle")
    }
    switch timeDigits {
    case .microseconds:
      if let lastT, q <= lastT {
        throw RecordingError(
          .timeNotIncreasing, file: name, column: 1, columnName: "t_s",
          reason: "point \(n): t_s \(t) does not increase at 1 µs precision")
      }
      lastT = q
      FixedFormatter.appendScaled(q, decimals: 6, to: &sink.buffer)
    case .asNeeded:
      if let lastExactT, !(t > lastExactT) {
        throw RecordingError(
          .timeNotIncreasing, file: name, column: 1, columnName: "t_s",
          reason: "point \(n): t_s \(t) is not after the previous point's \(lastExactT)")
      }
      lastExactT = t
      // Both are exact integers below 2^53, so the division is the correctly rounded value of
      // the 6-decimal text: equal to `t` exactly when that text reads back as `t`.
      if Double(q) / 1e6 == t {
        FixedFormatter.appendScaled(q, decimals: 6, to: &sink.buffer)
      } else {
        sink.buffer.append(contentsOf: "\(t)".utf8)
      }
    }
    sink.buffer.append(UInt8(ascii: ","))
    FixedFormatter.append(thetaDeg, decimals: Self.thetaDecimals, to: &sink.buffer)
    sink.buffer.append(0x0A)
    pointCount += 1
    if lastFlushT == nil { lastFlushT = t }
    if let f = lastFlushT, t - f >= flushInterval || sink.buffer.count >= 1 << 15 {
      lastFlushT = t
      try sink.flush()
    }
  }

  public var writtenBytes: [UInt8] {
    try? sink.flush()
    return sink.memoryBytes
  }

  public var writtenText: String { String(decoding: writtenBytes, as: UTF8.self) }

  public func flush() throws(RecordingError) { try sink.flush() }
  public func close() throws(RecordingError) { try sink.close() }
}

/// Streams a `t_s,theta_deg` file (`NAME.truth.csv`, or a trace written by `replay --trace`).
/// Columns are found by name, others are ignored; blank and `#` lines are skipped; a cut-short
/// last line is dropped with a notice. Constant memory, like `RecordingReader`.
public struct TruthReader {
  public let name: String
  public private(set) var notices: [RecordingNotice] = []
  public private(set) var pointCount = 0
  public private(set) var lineNumber = 0
  private let source: ByteSource
  private let tColumn: Int
  private let thetaColumn: Int
  private let columnCount: Int
  private let columnNames: [String]
  private var lastT: Double?
  private var finished = false

  public init(path: String, bufferSize: Int = 1 << 16) throws(RecordingError) {
    try self.init(source: ByteSource(path: path, bufferSize: bufferSize))
  }

  public init(text: String, name: String, bufferSize: Int = 1 << 16) throws(RecordingError) {
    try self.init(source: ByteSource(bytes: Array(text.utf8), name: name, bufferSize: bufferSize))
  }

  private init(source: ByteSource) throws(RecordingError) {
    self.source = source
    name = source.name
    var lineNo = 0
    while true {
      let l: RawLine?
      do throws(RecordingError) {
        l = try source.nextLine()
      } catch {
        var e = error
        if e.kind == .lineTooLong { e.line = lineNo + 1 }
        throw e
      }
      guard let l else {
        if source.bytesRead == 0 {
          throw RecordingError(.empty, file: name, reason: "the file is empty")
        }
        throw RecordingError(
          .missingHeader, file: name, line: lineNo, reason: "the file ends before the header line")
      }
      lineNo += 1
      var lineBytes = l.bytes
      if lineNo == 1 { lineBytes = UnsafeBufferPointer(rebasing: lineBytes[byteOrderMarkLength(lineBytes)...]) }
      guard let text = String(validating: lineBytes, as: UTF8.self) else {
        throw RecordingError(
          .invalidUTF8, file: name, line: lineNo, reason: "the line is not valid UTF-8")
      }
      let trimmed = text.trimmingSpaces
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
        String($0.trimmingSpaces)
      }
      for (i, n) in names.enumerated() where names[..<i].contains(n) {
        throw RecordingError(
          .duplicateColumn, file: name, line: lineNo, column: i + 1, columnName: n,
          reason: "column '\(n)' appears twice")
      }
      guard let tc = names.firstIndex(of: "t_s") else {
        throw RecordingError(
          .missingColumn, file: name, line: lineNo, columnName: "t_s",
          reason: "required column is missing")
      }
      guard let thc = names.firstIndex(of: "theta_deg") else {
        throw RecordingError(
          .missingColumn, file: name, line: lineNo, columnName: "theta_deg",
          reason: "required column is missing")
      }
      tColumn = tc
      thetaColumn = thc
      columnCount = names.count
      columnNames = names
      lineNumber = lineNo
      return
    }
  }

  /// The next point, or nil at the end.
  public mutating func next() throws(RecordingError) -> ThetaPoint? {
    if finished { return nil }
    do throws(RecordingError) {
      while true {
        let line: RawLine
        do throws(RecordingError) {
          guard let l = try source.nextLine() else {
            finished = true
            return nil
          }
          line = l
        } catch {
          var e = error
          if e.kind == .lineTooLong { e.line = lineNumber + 1 }
          throw e
        }
        lineNumber += 1
        var first = 0
        while first < line.count && DecimalParser.isSpace(line.base[first]) { first += 1 }
        if first == line.count || line.base[first] == UInt8(ascii: "#") { continue }
        var t = 0.0
        var theta = 0.0
        var field = 0
        var p = 0
        let n = line.count
        var failure: RecordingError? = nil
        while true {
          var e = p
          while e < n && line.base[e] != UInt8(ascii: ",") { e += 1 }
          let bytes = UnsafeBufferPointer(start: line.base + p, count: e - p)
          if failure == nil && field < columnCount && (field == tColumn || field == thetaColumn) {
            switch DecimalParser.parse(bytes) {
            case .value(let v):
              if field == tColumn { t = v } else { theta = v }
            case .notFinite, .invalid:
              let shown = String(decoding: bytes, as: UTF8.self)
              failure = RecordingError(
                DecimalParser.parse(bytes) == .notFinite ? .notFinite : .notANumber, file: name,
                line: lineNumber, column: field + 1,
                columnName: columnNames[field], reason: "'\(shown)' is not a number")
            }
          }
          field += 1
          if e >= n { break }
          p = e + 1
        }
        if !line.terminated {
          let incomplete: Bool
          if field < columnCount {
            incomplete = true
          } else if field == columnCount, failure?.column == columnCount {
            incomplete = true
          } else {
            incomplete = false
          }
          if incomplete {
            notices.append(
              RecordingNotice(
                .truncatedLastLineDropped, file: name, line: lineNumber,
                message: "the last line is cut short, probably by a power loss; dropped it"))
            finished = true
            return nil
          }
        }
        if let failure { throw failure }
        if field != columnCount {
          throw RecordingError(
            .wrongFieldCount, file: name, line: lineNumber,
            reason: "\(field) fields but the header has \(columnCount) columns")
        }
        if let lastT, !(t > lastT) {
          throw RecordingError(
            .timeNotIncreasing, file: name, line: lineNumber, column: tColumn + 1,
            columnName: "t_s",
            reason: "time \(t) is not after the previous point's \(lastT)")
        }
        // An extension angle lies within ±180°; 1e300 would make every RMSE infinite.
        guard abs(theta) <= 180 else {
          throw RecordingError(
            .notANumber, file: name, line: lineNumber, column: thetaColumn + 1, columnName: "theta_deg",
            reason: "\(theta) is not an angle in degrees (-180 to 180)")
        }
        lastT = t
        pointCount += 1
        return ThetaPoint(t: t, thetaDeg: theta)
      }
    } catch {
      finished = true
      throw error
    }
  }
}
