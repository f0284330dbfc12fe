import HAL

/// A mock bus for driver unit tests: an ordered list of expected transactions, each with the
/// bytes to return or an error to throw (like embedded-hal-mock).
///
/// A transaction that differs from the next expected one throws an `I2CError` of kind `.other`
/// whose detail names the index, what was expected and what came, and is also remembered, so a
/// driver that swallows errors cannot hide it: ``finish()`` reports it together with every
/// expectation left unused.
public struct ScriptedI2CBus: I2CBus, Sendable {
  /// One expected transaction.
  public struct Expectation: Sendable, Equatable, CustomStringConvertible {
    public enum Outcome: Sendable, Equatable {
      /// Return these bytes, one array per read operation.
      case reads([[UInt8]])
      /// Throw this error.
      case error(I2CError)
    }

    public var address: UInt8
    public var operations: [I2COperation]
    public var outcome: Outcome

    public init(address: UInt8, operations: [I2COperation], outcome: Outcome) {
      self.address = address
      self.operations = operations
      self.outcome = outcome
    }

    /// A transaction with any operations; `returns` holds the bytes of each read, in order.
    public static func transaction(_ address: UInt8, _ operations: [I2COperation], returns: [[UInt8]] = [])
      -> Expectation
    {
      Expectation(address: address, operations: operations, outcome: .reads(returns))
    }

    /// A plain write.
    public static func write(_ address: UInt8, _ bytes: [UInt8]) -> Expectation {
      Expectation(address: address, operations: [.write(bytes)], outcome: .reads([]))
    }

    /// A plain read returning `returns` (the read asks for `returns.count` bytes).
    public static func read(_ address: UInt8, returns: [UInt8]) -> Expectation {
      Expectation(address: address, operations: [.read(returns.count)], outcome: .reads([returns]))
    }

    /// Write then read with a repeated start (a register read); reads `returns.count` bytes.
    public static func writeRead(_ address: UInt8, _ bytes: [UInt8], returns: [UInt8]) -> Expectation {
      Expectation(
        address: address, operations: [.write(bytes), .read(returns.count)], outcome: .reads([returns]))
    }

    /// Reading `returns.count` registers from `register` in one burst.
    public static func readRegisters(_ address: UInt8, from register: UInt8, returns: [UInt8]) -> Expectation {
      writeRead(address, [register], returns: returns)
    }

    /// Writing one register.
    public static func writeRegister(_ address: UInt8, _ register: UInt8, _ value: UInt8) -> Expectation {
      write(address, [register, value])
    }

    /// These operations, answered with `error`.
    public static func failing(_ address: UInt8, _ operations: [I2COperation], with error: I2CError)
      -> Expectation
    {
      Expectation(address: address, operations: operations, outcome: .error(error))
    }

    public var description: String {
      ScriptedI2CBus.describe(address: address, operations)
        + {
          switch outcome {
          case .reads(let r) where r.isEmpty: return ""
          case .reads(let r): return " → " + r.map(ScriptedI2CBus.hex).joined(separator: ", ")
          case .error(let e): return " → throws \(e.kind.rawValue)"
          }
        }()
    }
  }

  public private(set) var expectations: [Expectation]
  /// Index of the next expectation to match.
  public private(set) var nextIndex = 0
  /// Every transaction that did not match, described.
  public private(set) var mismatches: [String] = []

  public init(_ expectations: [Expectation] = []) { self.expectations = expectations }

  /// Appends more expected transactions.
  public mutating func expect(_ more: [Expectation]) { expectations += more }

  /// Expectations not yet used.
  public var remaining: ArraySlice<Expectation> { expectations[nextIndex...] }

  public mutating func transaction(address: UInt8, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
    let got = Self.describe(address: address, operations)
    guard nextIndex < expectations.count else {
      let msg = "transaction #\(nextIndex): no more expected, got \(got)"
      mismatches.append(msg)
      throw I2CError(.other, address: address, detail: "scripted bus: " + msg)
    }
    let e = expectations[nextIndex]
    guard e.address == address, e.operations == operations else {
      let msg = "transaction #\(nextIndex): expected \(Self.describe(address: e.address, e.operations)), got \(got)"
      mismatches.append(msg)
      throw I2CError(.other, address: address, detail: "scripted bus: " + msg)
    }
    nextIndex += 1
    switch e.outcome {
    case .reads(let r): return r
    case .error(let err): throw err
    }
  }

  /// Checks the script ran exactly: no mismatch happened and every expectation was used.
  public func finish() throws(ScriptedBusError) {
    var problems = mismatches
    for (i, e) in expectations.enumerated().dropFirst(nextIndex) {
      problems.append("transaction #\(i) expected but never made: \(e)")
    }
    if !problems.isEmpty { throw ScriptedBusError(problems: problems) }
  }

  static func hex(_ bytes: [UInt8]) -> String {
    "[" + bytes.map { b in (b < 16 ? "0x0" : "0x") + String(b, radix: 16, uppercase: true) }.joined(separator: " ")
      + "]"
  }

  static func describe(address: UInt8, _ operations: [I2COperation]) -> String {
    let a = (address < 16 ? "0x0" : "0x") + String(address, radix: 16, uppercase: true)
    let ops = operations.map { op -> String in
      switch op {
      case .write(let b): return "write \(hex(b))"
      case .read(let n): return "read \(n)"
      }
    }
    return "@\(a): " + ops.joined(separator: ", ")
  }
}

/// What ``ScriptedI2CBus/finish()`` found wrong: mismatched and unused transactions.
public struct ScriptedBusError: Error, Sendable, Equatable, CustomStringConvertible {
  public var problems: [String]
  public var description: String { "scripted I2C bus: " + problems.joined(separator: "; ") }
}
