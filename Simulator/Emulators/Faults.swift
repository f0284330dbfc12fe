import HAL

/// A fault the emulated bus can inject into one transaction, in the spirit of Zephyr's emulator
/// transfer overrides: the chip model stays honest and the bus misbehaves around it.
public enum I2CFault: Sendable, Equatable, CustomStringConvertible {
  /// Nothing answers the address (a loose cable for one transaction). The chip sees nothing.
  case noAcknowledgeAddress
  /// The chip answers its address but a data byte is not acknowledged. The chip sees nothing.
  case noAcknowledgeData
  /// The transaction fails with this kind (an I/O error burst when repeated). The chip sees nothing.
  case error(I2CError.Kind)
  /// The first read longer than `afterBytes` is split: the rest of its bytes are read
  /// `gapNanoseconds` later, after the chip has produced its next sample — a torn sample.
  case tornRead(afterBytes: Int, gapNanoseconds: UInt64)
  /// The reads return random bytes (the chip still sees the reads and their side effects).
  case garbageRead
  /// The chip disappears for `nanoseconds` (every transaction gets no acknowledge), then returns
  /// with its power-on registers, as after a brown-out.
  case vanish(nanoseconds: UInt64)
  /// Time jumps forward before the transaction (the process was preempted); the transaction runs.
  case clockJump(nanoseconds: UInt64)

  public var description: String {
    switch self {
    case .noAcknowledgeAddress: return "no acknowledge of the address"
    case .noAcknowledgeData: return "no acknowledge of data"
    case .error(let k): return "error (\(k.rawValue))"
    case .tornRead(let n, let gap): return "torn read after \(n) bytes (\(gap) ns gap)"
    case .garbageRead: return "garbage read"
    case .vanish(let ns): return "device vanishes for \(ns) ns"
    case .clockJump(let ns): return "clock jumps \(ns) ns"
    }
  }
}

extension I2CFault {
  func canAct(on operations: [I2COperation]) -> Bool {
    switch self {
    case .tornRead(let n, _):
      return operations.contains { if case .read(let k) = $0 { return k > n } else { return false } }
    case .garbageRead:
      return operations.contains { if case .read(let k) = $0 { return k > 0 } else { return false } }
    default: return true
    }
  }
}

/// One planned fault: which transactions it hits (torn and garbage reads count only
/// transactions with a read they can spoil).
public struct FaultRule: Sendable, Equatable {
  public var fault: I2CFault
  /// Only transactions to this address count (nil: any address).
  public var address: UInt8?
  /// Matching transactions to let through before the fault starts.
  public var skip: Int
  /// Matching transactions the fault still hits.
  public var remaining: Int

  public init(_ fault: I2CFault, address: UInt8? = nil, skip: Int = 0, count: Int = 1) {
    self.fault = fault
    self.address = address
    self.skip = max(0, skip)
    self.remaining = max(0, count)
  }
}

/// The faults planned for a bus, consumed as transactions run.
public struct FaultPlan: Sendable, Equatable {
  public private(set) var rules: [FaultRule] = []

  public init(_ rules: [FaultRule] = []) { self.rules = rules }

  public mutating func add(_ rule: FaultRule) { rules.append(rule) }

  /// Whether every planned fault has been used.
  public var isExhausted: Bool { rules.allSatisfy { $0.remaining == 0 } }

  public mutating func removeAll() { rules.removeAll() }

  /// The faults that hit a transaction to `address`, in the order they were planned; counts
  /// the transaction against every matching rule. Torn and garbage reads only match
  /// transactions they can act on (a long enough read, any read).
  mutating func faults(forTransactionTo address: UInt8, operations: [I2COperation]) -> [I2CFault] {
    var hit: [I2CFault] = []
    for i in rules.indices where rules[i].remaining > 0 {
      if let a = rules[i].address, a != address { continue }
      guard rules[i].fault.canAct(on: operations) else { continue }
      if rules[i].skip > 0 {
        rules[i].skip -= 1
        continue
      }
      rules[i].remaining -= 1
      hit.append(rules[i].fault)
    }
    if rules.allSatisfy({ $0.remaining == 0 }) { rules.removeAll() }
    return hit
  }
}
