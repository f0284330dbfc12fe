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
}

extension SessionLabels {
  /// Reads a `NAME.labels.json` file. Errors name the file and, for bad JSON, the field.
  public static func read(path: String) throws(RecordingError) -> SessionLabels {
    let bytes = try readWholeFile(path)
    return try decode(bytes, name: path)
  }

  /// Decodes labels JSON held in memory; `name` is used in errors.
  public static func decode(_ bytes: [UInt8], name: String) throws(RecordingError) -> SessionLabels {
    if bytes.isEmpty { throw RecordingError(.empty, file: name, reason: "the labels file is empty") }
    do {
      return try JSONDecoder().decode(SessionLabels.self, from: Data(bytes))
    } catch let e as DecodingError {
      throw RecordingError(.badJSON, file: name, reason: describe(e))
    } catch {
      throw RecordingError(.badJSON, file: name, reason: "\(error)")
    }
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
    let sink = try ByteSink(path: path, syncOnFlush: false)
    sink.buffer = bytes
    try sink.close()
  }

  private static func describe(_ e: DecodingError) -> String {
    func path(_ c: [any CodingKey]) -> String {
      c.isEmpty
        ? "top level"
        : c.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch e {
    case .dataCorrupted(let c):
      return "not valid JSON at \(path(c.codingPath)): \(c.debugDescription)"
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
func readWholeFile(_ path: String) throws(RecordingError) -> [UInt8] {
  let source = try ByteSource(path: path, bufferSize: 1 << 16)
  var out: [UInt8] = []
  while let chunk = try source.readChunk() { out.append(contentsOf: chunk) }
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
/// Times with 6 decimals, angles with 4 (0.0001°); buffered and flushed every second of time.
public final class ThetaTraceWriter {
  public static let header = "t_s,theta_deg"
  public static let thetaDecimals = 4

  public var name: String { sink.name }
  public private(set) var pointCount = 0
  private let sink: ByteSink
  private var lastT: Int64? = nil
  private var lastFlushT: Double? = nil
  private let flushInterval: Double

  public init(path: String, flushInterval: Double = 1.0) throws(RecordingError) {
    sink = try ByteSink(path: path, syncOnFlush: false)
    self.flushInterval = flushInterval
    try start()
  }

  public init(memoryNamed name: String) throws(RecordingError) {
    sink = ByteSink(memoryNamed: name)
    flushInterval = 1.0
    try start()
  }

  private func start() throws(RecordingError) {
    sink.buffer.append(contentsOf: (Self.header + "\n").utf8)
    try sink.flush()
  }

  public func write(_ p: ThetaPoint) throws(RecordingError) {
    try write(t: p.t, thetaDeg: p.thetaDeg)
  }

  /// Appends one point; nan/inf or a time that does not increase (at 1 µs) throw.
  public func write(t: Double, thetaDeg: Double) throws(RecordingError) {
    try sink.checkOpen()
    let n = pointCount + 1
    guard t.isFinite, let q = FixedFormatter.scaled(t, decimals: 6) else {
      throw RecordingError(
        .invalidSample, file: name, column: 1, columnName: "t_s",
        reason: "point \(n): time \(t) is not a finite number below 4e9 s")
    }
    guard thetaDeg.isFinite else {
      throw RecordingError(
        .invalidSample, file: name, column: 2, columnName: "theta_deg",
        reason: "point \(n): \(thetaDeg) is not a valid angle")
    }
    if let lastT, q <= lastT {
      throw RecordingError(
        .timeNotIncreasing, file: name, column: 1, columnName: "t_s",
        reason: "point \(n): t_s \(t) does not increase at 1 µs precision")
    }
    lastT = q
    FixedFormatter.appendScaled(q, decimals: 6, to: &sink.buffer)
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
