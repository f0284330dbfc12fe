#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// Outcome of parsing one field.
enum ParsedNumber: Equatable {
  case value(Double)
  /// `nan`, `inf`, `infinity` (any case, any sign) or a number too large for a Double.
  case notFinite
  case invalid
}

/// Decimal text to Double, in place on the bytes of a field, with no allocation. Most fields
/// take the exact fast path (at most 15 significant digits and a power of ten up to 1e22, where
/// one IEEE multiplication or division rounds correctly); the rest go to `strtod` through a
/// stack buffer, so every result is the correctly rounded double.
enum DecimalParser {
  static let exactPowers: [Double] = (0...22).map { e in
    var p = 1.0
    for _ in 0..<e { p *= 10 }
    return p
  }

  @inline(__always)
  static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }

  /// Parses `bytes` (surrounding spaces and tabs allowed) as a decimal number with optional sign,
  /// fraction and exponent.
  static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ParsedNumber {
    guard let base = bytes.baseAddress else { return .invalid }
    var lo = 0
    var hi = bytes.count
    while lo < hi && isSpace(base[lo]) { lo += 1 }
    while hi > lo && isSpace(base[hi - 1]) { hi -= 1 }
    if lo == hi { return .invalid }
    var i = lo
    var negative = false
    if base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "+") {
      negative = base[i] == UInt8(ascii: "-")
      i += 1
    }
    var mantissa: UInt64 = 0
    var sigDigits = 0
    var digits = 0
    var exp10 = 0
    var exact = true
    while i < hi, base[i] &- 0x30 < 10 {
      let d = UInt64(base[i] &- 0x30)
      digits += 1
      if mantissa != 0 || d != 0 {
        if sigDigits < 19 {
          mantissa = mantissa &* 10 &+ d
          sigDigits += 1
        } else {
          exp10 += 1
          exact = false
        }
      }
      i += 1
    }
    if i < hi && base[i] == UInt8(ascii: ".") {
      i += 1
      while i < hi, base[i] &- 0x30 < 10 {
        let d = UInt64(base[i] &- 0x30)
        digits += 1
        if mantissa != 0 || d != 0 {
          if sigDigits < 19 {
            mantissa = mantissa &* 10 &+ d
            sigDigits += 1
            exp10 -= 1
          } else {
            exact = false
          }
        } else {
          exp10 -= 1
        }
        i += 1
      }
    }
    if digits == 0 { return wordValue(base + lo, hi - lo) }
    if i < hi && (base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E")) {
      i += 1
      var expNegative = false
      if i < hi && (base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "+")) {
        expNegative = base[i] == UInt8(ascii: "-")
        i += 1
      }
      var e = 0
      var expDigits = 0
      while i < hi, base[i] &- 0x30 < 10 {
        if e < 100_000 { e = e * 10 + Int(base[i] &- 0x30) }
        expDigits += 1
        i += 1
      }
      if expDigits == 0 { return .invalid }
      exp10 += expNegative ? -e : e
    }
    if i != hi { return .invalid }
    if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
    if exact && mantissa < (1 << 53) && exp10 >= -22 && exp10 <= 22 {
      var v = Double(mantissa)
      if exp10 >= 0 { v *= exactPowers[exp10] } else { v /= exactPowers[-exp10] }
      return .value(negative ? -v : v)
    }
    return slowPath(base + lo, hi - lo)
  }

  /// `strtod` on a NUL-terminated stack copy, for the rare fields outside the fast path.
  static func slowPath(_ p: UnsafePointer<UInt8>, _ n: Int) -> ParsedNumber {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
      guard let b = buf.baseAddress else { return .invalid }
      for k in 0..<n { b[k] = CChar(bitPattern: p[k]) }
      b[n] = 0
      var end: UnsafeMutablePointer<CChar>? = nil
      let v = strtod(b, &end)
      guard let end, end - b == n else { return .invalid }
      return v.isFinite ? .value(v) : .notFinite
    }
  }

  /// Tells `nan`/`inf` apart from other non-numbers, for a clearer error.
  static func wordValue(_ p: UnsafePointer<UInt8>, _ n: Int) -> ParsedNumber {
    var s = 0
    if n > 0 && (p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+")) { s = 1 }
    let len = n - s
    guard len == 3 || len == 8 else { return .invalid }
    var lower: [UInt8] = []  // only on the error path
    for k in s..<n { lower.append(p[k] | 0x20) }
    let word = String(decoding: lower, as: UTF8.self)
    return ["nan", "inf", "infinity"].contains(word) ? .notFinite : .invalid
  }

  /// Digits only (with an optional sign and surrounding spaces), of any length: a `seq` that
  /// `parseInt64` refuses but is a whole number is only too large.
  static func isWholeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var s = bytes[...]
    while let f = s.first, isSpace(f) { s = s.dropFirst() }
    while let l = s.last, isSpace(l) { s = s.dropLast() }
    if let f = s.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { s = s.dropFirst() }
    return !s.isEmpty && s.allSatisfy { $0 &- 0x30 < 10 }
  }

  /// A whole number (for `seq`): optional sign and digits only.
  static func parseInt64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard let base = bytes.baseAddress else { return nil }
    var lo = 0
    var hi = bytes.count
    while lo < hi && isSpace(base[lo]) { lo += 1 }
    while hi > lo && isSpace(base[hi - 1]) { hi -= 1 }
    var i = lo
    var negative = false
    if i < hi && (base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "+")) {
      negative = base[i] == UInt8(ascii: "-")
      i += 1
    }
    if i == hi { return nil }
    var v: Int64 = 0
    while i < hi {
      let d = base[i] &- 0x30
      guard d < 10 else { return nil }
      let (m, o1) = v.multipliedReportingOverflow(by: 10)
      // Accumulate negatively, so Int64.min fits.
      let (a, o2) = m.subtractingReportingOverflow(Int64(d))
      if o1 || o2 { return nil }
      v = a
      i += 1
    }
    if negative { return v }
    return v == Int64.min ? nil : -v
  }
}

/// Fixed-decimal number text appended to a byte buffer, without `String(format:)` or any
/// per-call allocation once the buffer has grown to its working size.
enum FixedFormatter {
  static let scales: [Int64] = (0...9).map { e in
    var p: Int64 = 1
    for _ in 0..<e { p *= 10 }
    return p
  }

  /// Above this the scaled value no longer fits a Double's exact integers; such (absurd) values
  /// are written in Swift's shortest round-trip form instead, which readers accept.
  static let fixedLimit = 4.0e15

  /// The value the text will carry, in units of 10^-decimals, rounded half away from zero; nil
  /// when the value is too large for fixed notation.
  @inline(__always)
  static func scaled(_ v: Double, decimals: Int) -> Int64? {
    let s = (v * Double(scales[decimals])).rounded(.toNearestOrAwayFromZero)
    guard abs(s) < fixedLimit else { return nil }
    return Int64(s)
  }

  /// Longest text `write` produces: sign, 16 integer digits, point, 9 decimals, or the
  /// shortest round-trip form (at most 24 bytes).
  static let maxLength = 32

  /// Appends `v` (finite) with exactly `decimals` fraction digits.
  static func append(_ v: Double, decimals: Int, to out: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { tmp in
      guard let p = tmp.baseAddress else { return }
      let n = write(v, decimals: decimals, to: p)
      out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    }
  }

  /// Writes `v` (finite) with `decimals` fraction digits at `p` (room for `maxLength` bytes);
  /// returns the byte count.
  static func write(_ v: Double, decimals: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
    guard let q = scaled(v, decimals: decimals) else {
      var n = 0
      for u in String(v).utf8.prefix(maxLength) {
        p[n] = u
        n += 1
      }
      return n
    }
    return writeScaled(q, decimals: decimals, to: p)
  }

  /// Writes `q × 10^-decimals` at `p` (never a minus sign for zero); returns the byte count.
  static func writeScaled(_ q: Int64, decimals: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
    var m = q.magnitude
    // Count digits first, then fill from the right.
    var digits = 1
    var probe = m / 10
    while probe != 0 {
      digits += 1
      probe /= 10
    }
    if digits <= decimals { digits = decimals + 1 }
    let sign = q < 0 ? 1 : 0
    let total = sign + digits + (decimals > 0 ? 1 : 0)
    if sign == 1 { p[0] = UInt8(ascii: "-") }
    var k = total
    var written = 0
    while k > sign {
      k -= 1
      if decimals > 0 && written == decimals {
        p[k] = UInt8(ascii: ".")
        written += 1
        continue
      }
      p[k] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
      m /= 10
      written += 1
    }
    return total
  }

  static func appendScaled(_ q: Int64, decimals: Int, to out: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { tmp in
      guard let p = tmp.baseAddress else { return }
      let n = writeScaled(q, decimals: decimals, to: p)
      out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    }
  }

  static func appendInt(_ q: Int64, to out: inout [UInt8]) {
    appendScaled(q, decimals: 0, to: &out)
  }
}
