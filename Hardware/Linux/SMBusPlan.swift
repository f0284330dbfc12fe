import HAL

/// How a transaction is carried out on an adapter that cannot do plain I2C (`I2C_RDWR`) and
/// only speaks SMBus: each shape of transaction that a register-based sensor uses maps onto
/// SMBus calls; anything else is refused with `.notSupported` rather than approximated.
///
/// Block transfers are cut into 32-byte SMBus chunks, each starting at the next register
/// (`register + 32·k`): this relies on the device auto-incrementing its register pointer in a
/// burst, which every sensor this project drives does.
enum SMBusCall: Equatable, Sendable {
  case quick
  case writeByte(UInt8)
  case readByte
  case writeByteData(register: UInt8, value: UInt8)
  case writeBlockData(register: UInt8, bytes: [UInt8])
  case readByteData(register: UInt8)
  case readBlockData(register: UInt8, count: Int)

  /// The SMBus limit on one block transfer.
  static let maxBlock = 32

  /// Plans `operations` as SMBus calls, or explains why they cannot be.
  /// - Parameter splitLong: cut transfers over 32 bytes into chunks at `register + 32·k`;
  ///   when false they are refused instead (right for a FIFO port, which does not advance).
  static func plan(_ operations: [I2COperation], splitLong: Bool = true)
    -> Result<[SMBusCall], SMBusPlanError>
  {
    for op in operations {
      let n: Int
      switch op {
      case .write(let bytes): n = bytes.count - 1
      case .read(let count): n = count
      }
      if !splitLong && n > maxBlock {
        return .failure(
          SMBusPlanError(
            "SMBus block transfers stop at \(maxBlock) bytes and splitting is off: "
              + "transfer at most \(maxBlock) bytes at a time (cap FIFO bursts)"))
      }
    }
    switch operations.count {
    case 0:
      return .success([])
    case 1:
      switch operations[0] {
      case .write(let bytes):
        return planWrite(bytes)
      case .read(let count):
        if count == 1 { return .success([.readByte]) }
        return .failure(
          SMBusPlanError(
            "a bare read of \(count) bytes (without a register write first) has no SMBus form"))
      }
    case 2:
      guard case .write(let head) = operations[0], case .read(let count) = operations[1] else {
        break
      }
      guard head.count == 1 else {
        return .failure(
          SMBusPlanError("a write of \(head.count) bytes before a read has no SMBus form"))
      }
      guard count >= 1 else { return .failure(SMBusPlanError("a read of \(count) bytes")) }
      if count == 1 { return .success([.readByteData(register: head[0])]) }
      var calls: [SMBusCall] = []
      var done = 0
      while done < count {
        let n = min(maxBlock, count - done)
        guard let register = UInt8(exactly: Int(head[0]) + done) else {
          return .failure(
            SMBusPlanError("a burst of \(count) bytes from register \(head[0]) runs past 0xFF"))
        }
        calls.append(.readBlockData(register: register, count: n))
        done += n
      }
      return .success(calls)
    default:
      break
    }
    let shape = operations.map { op -> String in
      switch op {
      case .write(let b): return "write \(b.count)"
      case .read(let n): return "read \(n)"
      }
    }
    return .failure(
      SMBusPlanError("the transaction [\(shape.joined(separator: ", "))] has no SMBus form"))
  }

  private static func planWrite(_ bytes: [UInt8]) -> Result<[SMBusCall], SMBusPlanError> {
    switch bytes.count {
    case 0: return .success([.quick])
    case 1: return .success([.writeByte(bytes[0])])
    case 2: return .success([.writeByteData(register: bytes[0], value: bytes[1])])
    default:
      var calls: [SMBusCall] = []
      let data = bytes.dropFirst()
      var start = data.startIndex
      while start < data.endIndex {
        let end = min(start + maxBlock, data.endIndex)
        guard let register = UInt8(exactly: Int(bytes[0]) + (start - data.startIndex)) else {
          return .failure(
            SMBusPlanError(
              "a write of \(data.count) bytes from register \(bytes[0]) runs past 0xFF"))
        }
        calls.append(.writeBlockData(register: register, bytes: Array(data[start..<end])))
        start = end
      }
      return .success(calls)
    }
  }
}

struct SMBusPlanError: Error, Equatable, Sendable {
  var reason: String
  init(_ reason: String) { self.reason = reason }
}
