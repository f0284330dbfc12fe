#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a numeric CSV file (a BROAD trial, or the IMU columns of a recording) could not be read.
/// Every case names the file; row problems also name the 1-based line and the column.
public enum NumericCSVError: Error, Equatable, Sendable, CustomStringConvertible {
  case cannotRead(path: String, reason: String)
  case noHeader(path: String)
  /// `line` is the header line's.
  case missingColumn(path: String, line: Int, column: String)
  case wrongFieldCount(path: String, line: Int, expected: Int, found: Int)
  /// `columnIndex` is the 1-based field number (here and below).
  case badNumber(path: String, line: Int, columnIndex: Int, column: String, text: String)
  /// `nan` (where the column does not allow it), `inf`, or a number too large for a Double.
  case notFinite(path: String, line: Int, columnIndex: Int, column: String, text: String)
  case noRows(path: String)
  /// `t_s` that does not increase strictly (`value` after `previous`).
  case timeNotIncreasing(path: String, line: Int, columnIndex: Int, column: String, value: Double, previous: Double)

  /// The message; control characters quoted from the file are shown escaped (`'\0'`).
  public var description: String { escapingControlCharacters(message) }

  private var message: String {
    switch self {
    case .cannotRead(let path, let reason): return "\(path): cannot read (\(reason))"
    case .noHeader(let path): return "\(path): no header line"
    case .missingColumn(let path, let line, let column):
      return "\(path):\(line): missing column '\(column)' in the header"
    case .wrongFieldCount(let path, let line, let expected, let found):
      return "\(path):\(line): expected \(expected) fields, found \(found)"
    case .badNumber(let path, let line, let index, let column, let text):
      return "\(path):\(line): column \(index) (\(column)): '\(text)' is not a number"
    case .notFinite(let path, let line, let index, let column, let text):
      return "\(path):\(line): column \(index) (\(column)): '\(text)' is not a finite number"
    case .noRows(let path): return "\(path): no data rows"
    case .timeNotIncreasing(let path, let line, let index, let column, let value, let previous):
      return
        "\(path):\(line): column \(index) (\(column)): time \(value) is not after the previous sample's \(previous)"
    }
  }
}

/// Selected columns of a numeric CSV file, column-major. A UTF-8 byte-order mark, lines starting
/// with `#` and blank lines are skipped; the first other line is the header; columns are found by
/// name. A last line cut short (no final newline, too few fields: a recording interrupted by a
/// power loss) is dropped and counted in `droppedPartialLastLine`.
struct NumericCSV {
  var columns: [[Double]]
  var droppedPartialLastLine = false

  /// Reads `path` and keeps the columns named `wanted`, in that order. `nan` is accepted only in
  /// the columns listed in `nanAllowed`; `inf` (or a number that overflows) in none. The column
  /// named `increasing` (time) must increase strictly from row to row.
  init(path: String, wanted: [String], nanAllowed: Set<String> = [], increasing: String? = nil)
    throws(NumericCSVError)
  {
    let bytes = try Self.readFile(path)
    columns = Array(repeating: [], count: wanted.count)
    var result: NumericCSVError? = nil
    let increasingSlot = increasing.flatMap { wanted.firstIndex(of: $0) }
    bytes.withUnsafeBufferPointer { buf in
      do throws(NumericCSVError) {
        try parse(buf, path: path, wanted: wanted, nanAllowed: nanAllowed, increasingSlot: increasingSlot)
      } catch {
        result = error
      }
    }
    if let result { throw result }
  }

  private mutating func parse(
    _ buf: UnsafeBufferPointer<UInt8>, path: String, wanted: [String], nanAllowed: Set<String>,
    increasingSlot: Int?
  ) throws(NumericCSVError) {
    let n = buf.count
    var pos = byteOrderMarkLength(buf)
    var line = 0
    var slots: [Int] = []  // header field index -> wanted slot, or -1
    var allowNaN: [Bool] = []
    var fieldCount = 0
    var haveHeader = false
    var increasingField = 0
    var values = [Double](repeating: 0, count: wanted.count)
    let reserve = max(16, n / 90)
    for i in columns.indices { columns[i].reserveCapacity(reserve) }

    while pos < n {
      line += 1
      var end = pos
      while end < n && buf[end] != UInt8(ascii: "\n") { end += 1 }
      let hasNewline = end < n
      var stop = end
      if stop > pos && buf[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
      let start = pos
      pos = end + 1
      if stop == start || buf[start] == UInt8(ascii: "#") { continue }

      if !haveHeader {
        let names = String(
          decoding: UnsafeBufferPointer(rebasing: buf[start..<stop]), as: UTF8.self
        )
        .split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingASCIISpaces() }
        fieldCount = names.count
        slots = Array(repeating: -1, count: fieldCount)
        allowNaN = Array(repeating: false, count: fieldCount)
        for (slot, name) in wanted.enumerated() {
          guard let index = names.firstIndex(of: name) else {
            throw .missingColumn(path: path, line: line, column: name)
          }
          slots[index] = slot
          allowNaN[index] = nanAllowed.contains(name)
          if slot == increasingSlot { increasingField = index }
        }
        haveHeader = true
        continue
      }

      var field = 0
      var fieldStart = start
      var i = start
      while true {
        if i == stop || buf[i] == UInt8(ascii: ",") {
          if field < fieldCount {
            let slot = slots[field]
            if slot >= 0 {
              let value = parseDecimal(buf, fieldStart, i)
              guard let value, value.isFinite || (allowNaN[field] && value.isNaN) else {
                if !hasNewline {
                  droppedPartialLastLine = true
                  return
                }
                let text = String(
                  decoding: UnsafeBufferPointer(rebasing: buf[fieldStart..<i]), as: UTF8.self
                )[...].trimmingASCIISpaces()
                if value == nil {
                  throw .badNumber(path: path, line: line, columnIndex: field + 1, column: wanted[slot], text: text)
                }
                throw .notFinite(path: path, line: line, columnIndex: field + 1, column: wanted[slot], text: text)
              }
              values[slot] = value
            }
          }
          field += 1
          if i == stop { break }
          fieldStart = i + 1
        }
        i += 1
      }
      if field != fieldCount {
        if !hasNewline && field < fieldCount {
          droppedPartialLastLine = true
          return
        }
        throw .wrongFieldCount(path: path, line: line, expected: fieldCount, found: field)
      }
      if let s = increasingSlot, let previous = columns[s].last, !(values[s] > previous) {
        throw .timeNotIncreasing(
          path: path, line: line, columnIndex: increasingField + 1, column: wanted[s], value: values[s],
          previous: previous)
      }
      for slot in values.indices { columns[slot].append(values[slot]) }
    }
    if !haveHeader { throw .noHeader(path: path) }
    if columns.first?.isEmpty ?? true { throw .noRows(path: path) }
  }

  static func readFile(_ path: String) throws(NumericCSVError) -> [UInt8] {
    guard let file = fopen(path, "rb") else {
      throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      if got > 0 { bytes.append(contentsOf: chunk[0..<got]) }
      if got < chunk.count {
        if ferror(file) != 0 { throw .cannotRead(path: path, reason: "read error") }
        break
      }
    }
    return bytes
  }
}

extension Substring {
  fileprivate func trimmingASCIISpaces() -> String {
    var s = self[...]
    while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
    return String(s)
  }
}

/// Parses a plain decimal number (`-1.25`, `3e-4`, `nan`, `inf`) from `buf[start..<end]`, with
/// surrounding spaces allowed; nil when the text is not a number. The recording reader's exact
/// parser does the work; BROAD marks missing ground truth `nan`, so non-finite words are values here.
func parseDecimal(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
  switch DecimalParser.parse(UnsafeBufferPointer(rebasing: buf[start..<end])) {
  case .value(let v): return v
  case .invalid: return nil
  case .notFinite:
    var i = start
    while i < end && DecimalParser.isSpace(buf[i]) { i += 1 }
    let negative = i < end && buf[i] == UInt8(ascii: "-")
    if i < end && (buf[i] == UInt8(ascii: "-") || buf[i] == UInt8(ascii: "+")) { i += 1 }
    if i < end && buf[i] | 0x20 == UInt8(ascii: "n") { return .nan }
    return negative ? -.infinity : .infinity
  }
}
