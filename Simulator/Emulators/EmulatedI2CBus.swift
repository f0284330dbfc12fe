import HAL

/// An I2C bus in software: emulated chips at 7-bit addresses, a shared ``VirtualClock`` that each
/// transfer advances by its duration on the wire, and a ``FaultPlan`` for injected faults.
///
/// A class so that the driver that owns "its" bus and the test that attached the chips and plans
/// the faults share one bus. Not thread-safe, like the ``VirtualClock`` it drives.
public final class EmulatedI2CBus: I2CBus {
  public let clock: VirtualClock
  /// SCL frequency; sets how long each transfer takes on the virtual clock.
  public var busSpeedHz: Double
  /// Faults still to inject; add with ``inject(_:address:skip:count:)``.
  public var faultPlan = FaultPlan()
  /// Transactions started so far (including failed ones).
  public private(set) var transactionCount = 0
  /// Faults that actually hit a transaction, in order (for test assertions and fault reports).
  public private(set) var injectedFaults: [InjectedFaultRecord] = []

  private var devices: [UInt8: any I2CDeviceEmulator] = [:]
  private var absentUntil: [UInt8: UInt64] = [:]
  private var random: SplitMix64

  /// - Parameters:
  ///   - clock: the simulated system's clock (share it with the drivers' `DelayClock`).
  ///   - busSpeedHz: 100 kHz standard mode, 400 kHz fast mode (the default).
  ///   - seed: seeds garbage reads.
  public init(clock: VirtualClock, busSpeedHz: Double = 400_000, seed: UInt64 = 0x5EED) {
    self.clock = clock
    self.busSpeedHz = busSpeedHz
    self.random = SplitMix64(seed: seed)
  }

  /// Puts `device` at `address` (replacing whatever was there) and powers it on.
  public func attach(_ device: any I2CDeviceEmulator, at address: UInt8) {
    devices[address & 0x7F] = device
    absentUntil[address & 0x7F] = nil
    device.powerOnReset(nowNanoseconds: clock.nowNanoseconds)
  }

  /// Unplugs the device at `address`; transactions to it get no acknowledge.
  public func detach(address: UInt8) {
    devices[address & 0x7F] = nil
    absentUntil[address & 0x7F] = nil
  }

  public func device(at address: UInt8) -> (any I2CDeviceEmulator)? { devices[address & 0x7F] }

  /// Plans `fault` for `count` transactions (to `address`, or any) after letting `skip` through.
  public func inject(_ fault: I2CFault, address: UInt8? = nil, skip: Int = 0, count: Int = 1) {
    faultPlan.add(FaultRule(fault, address: address, skip: skip, count: count))
  }

  /// Time `bits` clock periods take at ``busSpeedHz``.
  public func wireNanoseconds(bits: Int) -> UInt64 {
    UInt64((Double(max(0, bits)) / busSpeedHz * 1e9).rounded())
  }

  /// Clock periods of one operation: a (repeated) start, the address byte and `dataBytes` bytes,
  /// each byte with its acknowledge bit. The transaction's stop adds one more.
  public static func operationBits(dataBytes: Int) -> Int { 1 + 9 * (1 + max(0, dataBytes)) }

  public func transaction(address rawAddress: UInt8, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
    let address = rawAddress & 0x7F
    transactionCount += 1
    let faults = faultPlan.faults(forTransactionTo: address, operations: operations)
    for f in faults {
      injectedFaults.append(InjectedFaultRecord(transaction: transactionCount, address: address, fault: f))
    }

    // Faults that act before anything reaches the wire.
    for f in faults {
      switch f {
      case .clockJump(let ns): clock.advance(nanoseconds: ns)
      case .vanish(let ns): absentUntil[address] = clock.nowNanoseconds &+ ns
      default: break
      }
    }
    // The start and address byte go out whatever happens next; a stop ends every transaction.
    clock.advance(nanoseconds: wireNanoseconds(bits: Self.operationBits(dataBytes: 0)))
    defer { clock.advance(nanoseconds: wireNanoseconds(bits: 1)) }

    if let until = absentUntil[address] {
      if clock.nowNanoseconds < until {
        throw I2CError(.noAcknowledgeAddress, address: address, detail: "emulated device is away (injected vanish)")
      }
      absentUntil[address] = nil
      devices[address]?.powerOnReset(nowNanoseconds: clock.nowNanoseconds)
    }
    guard let device = devices[address] else {
      throw I2CError(.noAcknowledgeAddress, address: address, detail: "no emulated device at this address")
    }
    for f in faults {
      switch f {
      case .noAcknowledgeAddress:
        throw I2CError(.noAcknowledgeAddress, address: address, detail: "injected fault")
      case .noAcknowledgeData:
        throw I2CError(.noAcknowledgeData, address: address, detail: "injected fault")
      case .error(let kind):
        throw I2CError(kind, address: address, detail: "injected fault")
      default: break
      }
    }
    var torn: (afterBytes: Int, gap: UInt64)? = nil
    var garbage = false
    for f in faults {
      if case .tornRead(let n, let gap) = f { torn = (n, gap) }
      if case .garbageRead = f { garbage = true }
    }

    var reads: [[UInt8]] = []
    for (i, op) in operations.enumerated() {
      // The first operation's start and address byte are already on the clock.
      if i > 0 { clock.advance(nanoseconds: wireNanoseconds(bits: Self.operationBits(dataBytes: 0))) }
      device.advance(toNanoseconds: clock.nowNanoseconds)
      switch op {
      case .write(let bytes):
        try device.receive(bytes, nowNanoseconds: clock.nowNanoseconds)
        clock.advance(nanoseconds: wireNanoseconds(bits: 9 * bytes.count))
      case .read(let count):
        var bytes: [UInt8]
        if let t = torn, t.afterBytes < count {
          torn = nil
          bytes = try device.transmit(count: t.afterBytes, nowNanoseconds: clock.nowNanoseconds)
          clock.advance(nanoseconds: t.gap)
          device.advance(toNanoseconds: clock.nowNanoseconds)
          bytes += try device.transmit(count: count - t.afterBytes, nowNanoseconds: clock.nowNanoseconds)
        } else {
          bytes = try device.transmit(count: count, nowNanoseconds: clock.nowNanoseconds)
        }
        if garbage {
          for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
        }
        clock.advance(nanoseconds: wireNanoseconds(bits: 9 * count))
        reads.append(bytes)
      }
    }
    return reads
  }
}

/// A fault that hit a transaction.
public struct InjectedFaultRecord: Sendable, Equatable {
  /// 1-based number of the transaction on its bus.
  public var transaction: Int
  public var address: UInt8
  public var fault: I2CFault
}
