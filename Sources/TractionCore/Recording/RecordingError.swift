#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// Everything that can go wrong reading or writing a recording or one of its companion files.
/// Each error names the file, the line (1-based) and the column (1-based field number and name)
/// when they are known, so a user can open the file and find the fault.
public struct RecordingError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What went wrong, for callers (and tests) that branch on it.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// The file could not be opened or read (the message carries the errno text).
    case unreadable
    /// The file has no bytes at all.
    case empty
    /// The first line is not `# format: traction-recording/...`.
    case notARecording
    /// The first line names a format version this reader does not know.
    case unsupportedVersion
    /// A metadata line before the header is not `# key: value`, repeats a key, or has a bad value.
    case badMetadata
    /// The file ends (or samples start) before a header line.
    case missingHeader
    /// The header has an empty column name.
    case badHeader
    /// The header names a column twice.
    case duplicateColumn
    /// A required column (or one of a set that must come together) is absent.
    case missingColumn
    /// A column the writer cannot fill (writers only; readers ignore unknown columns).
    case unknownColumn
    /// A field is not a decimal number (or not an integer for `seq`).
    case notANumber
    /// A field is `nan`, `inf`, or overflows to infinity.
    case notFinite
    /// `t_s` does not increase strictly.
    case timeNotIncreasing
    /// `t_s` is beyond `Sample.timeLimitSeconds`: not seconds since the first sample.
    case timeOutOfRange
    /// A sample line in the middle of the file has more or fewer fields than the header.
    case wrongFieldCount
    /// A line is not valid UTF-8.
    case invalidUTF8
    /// A line is longer than the reader's buffer.
    case lineTooLong
    /// A sample handed to a writer lacks a value its layout needs, or holds nan/inf.
    case invalidSample
    /// The file could not be created or written (the message carries the errno text).
    case writeFailed
    /// A writer asked not to replace an existing file found one there (nothing was written).
    case alreadyExists
    /// A companion JSON file could not be decoded or encoded.
    case badJSON
    /// A companion file is larger than its reader accepts (labels: 16 MiB); nothing was kept.
    case tooLarge
    /// The reader or writer was used after `close()`.
    case closed
  }

  public var kind: Kind
  /// The path (or in-memory name) of the file concerned, as the caller gave it.
  public var file: String
  /// 1-based physical line number, when the fault is on a line.
  public var line: Int?
  /// 1-based field number within the line, when the fault is in one field.
  public var column: Int?
  /// The header name of that field, when known.
  public var columnName: String?
  /// Human-readable reason, e.g. `'abc' is not a number`.
  public var reason: String

  public init(
    _ kind: Kind, file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil,
    reason: String
  ) {
    self.kind = kind
    self.file = file
    self.line = line
    self.column = column
    self.columnName = columnName
    self.reason = reason
  }

  /// `s7.csv:12: column 3 (acc_y): 'abc' is not a number`. Control characters quoted from the
  /// file (a line of NUL bytes, an escape sequence) are shown escaped, `'\0\0'`, never sent to
  /// the terminal.
  public var description: String {
    var s = file
    if let line { s += ":\(line)" }
    s += ": "
    if let column {
      s += "column \(column)"
      if let columnName { s += " (\(columnName))" }
      s += ": "
    } else if let columnName {
      s += "column \(columnName): "
    }
    return escapingControlCharacters(s + reason)
  }

  /// The text of a C `errno`, e.g. "No such file or directory".
  static func errnoText(_ code: Int32) -> String {
    guard let p = strerror(code) else { return "errno \(code)" }
    return String(cString: p)
  }
}

/// Something a reader noticed and handled without failing, e.g. a cut-short last line it dropped.
/// Kept so the user is told rather than the fault being hidden.
public struct RecordingNotice: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Equatable {
    /// The last line had no newline and was incomplete (a power loss); it was dropped.
    case truncatedLastLineDropped
    /// A header column with a name the format does not define; its values are ignored.
    case unknownColumnIgnored
  }

  public var kind: Kind
  public var file: String
  public var line: Int
  public var column: Int?
  public var message: String

  public init(_ kind: Kind, file: String, line: Int, column: Int? = nil, message: String) {
    self.kind = kind
    self.file = file
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String {
    var s = "\(file):\(line): "
    if let column { s += "column \(column): " }
    return escapingControlCharacters(s + message)
  }
}

/// `text` with control characters written as Swift escapes (`\0`, `\t`, `\r`, `\n`, `\u{1B}`,
/// and `\u{7F}` and the C1 controls `\u{80}`…`\u{9F}`), so an error that quotes a damaged line
/// prints as plain text. A backslash itself is kept as it is.
public func escapingControlCharacters(_ text: String) -> String {
  func isControl(_ v: UInt32) -> Bool { v < 0x20 || (0x7F...0x9F).contains(v) }
  guard text.unicodeScalars.contains(where: { isControl($0.value) }) else { return text }
  var out = ""
  out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
  for scalar in text.unicodeScalars {
    switch scalar.value {
    case 0: out += "\\0"
    case 0x09: out += "\\t"
    case 0x0A: out += "\\n"
    case 0x0D: out += "\\r"
    case let v where isControl(v): out += "\\u{\(String(v, radix: 16, uppercase: true))}"
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out
}
