/// One step of an I2C transaction. Between steps the bus issues a repeated start; the whole
/// transaction ends with one stop (like embedded-hal 1.0's `transaction`).
public enum I2COperation: Sendable, Equatable {
  /// Write these bytes.
  case write([UInt8])
  /// Read this many bytes.
  case read(Int)
}

/// An I2C bus controller with 7-bit addressing.
///
/// One call, ``transaction(address:_:)``, does everything; the conveniences below build on it.
/// Implementations: the Linux i2c-dev backend (`LinuxHAL`), the emulated bus (`ChipEmulators`)
/// and the scripted mock bus used by driver unit tests.
public protocol I2CBus {
  /// Runs `operations` against the device at `address` as one transaction and returns the bytes
  /// of each `.read`, in order (one array per read operation).
  mutating func transaction(address: UInt8, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]]
}

extension I2CBus {
  public mutating func write(address: UInt8, _ bytes: [UInt8]) throws(I2CError) {
    _ = try transaction(address: address, [.write(bytes)])
  }

  public mutating func read(address: UInt8, count: Int) throws(I2CError) -> [UInt8] {
    try Self.single(transaction(address: address, [.read(count)]), count: count, address: address)
  }

  /// Write then read with a repeated start in between (the usual register read).
  public mutating func writeRead(address: UInt8, _ bytes: [UInt8], readCount: Int) throws(I2CError) -> [UInt8] {
    try Self.single(
      transaction(address: address, [.write(bytes), .read(readCount)]), count: readCount, address: address)
  }

  /// Reads `count` consecutive registers starting at `register` in one burst.
  public mutating func readRegisters(address: UInt8, from register: UInt8, count: Int) throws(I2CError) -> [UInt8] {
    try writeRead(address: address, [register], readCount: count)
  }

  public mutating func readRegister(address: UInt8, _ register: UInt8) throws(I2CError) -> UInt8 {
    try readRegisters(address: address, from: register, count: 1)[0]
  }

  public mutating func writeRegister(address: UInt8, _ register: UInt8, _ value: UInt8) throws(I2CError) {
    try write(address: address, [register, value])
  }

  private static func single(_ reads: [[UInt8]], count: Int, address: UInt8) throws(I2CError) -> [UInt8] {
    guard reads.count == 1, reads[0].count == count else {
      throw I2CError(
        .bus, address: address,
        detail: "the bus returned \(reads.map(\.count)) bytes where \(count) were asked for")
    }
    return reads[0]
  }
}
