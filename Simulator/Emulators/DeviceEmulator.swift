import HAL

/// A chip on an emulated I2C bus, seen from the wire: it receives the bytes of write operations
/// and serves the bytes of read operations. The bus calls ``advance(toNanoseconds:)`` before every
/// operation so the chip can produce whatever became due (new samples, FIFO entries, the end of a
/// reset) on the shared virtual clock.
///
/// Chips are classes because a chip is one piece of state shared by the bus and the test that
/// sets its physical inputs.
public protocol I2CDeviceEmulator: AnyObject {
  /// Produces everything that became due up to `nowNanoseconds` (monotonic, never goes back).
  func advance(toNanoseconds now: UInt64)
  /// One write operation's bytes. Register chips take the first byte as the register pointer.
  /// Throwing `.noAcknowledgeData` models a chip that refuses a byte (busy resetting, say).
  func receive(_ bytes: [UInt8], nowNanoseconds: UInt64) throws(I2CError)
  /// One read operation: `count` bytes from the current pointer on.
  func transmit(count: Int, nowNanoseconds: UInt64) throws(I2CError) -> [UInt8]
  /// Power returned: every register back to its power-on value, all internal state cleared.
  func powerOnReset(nowNanoseconds: UInt64)
}

/// 256 byte-wide registers with power-on values and per-register write masks, plus the register
/// pointer that I2C register chips keep between transactions.
///
/// Device-side code writes through the subscript (no mask); host writes go through
/// ``hostWrite(_:_:)``, which keeps read-only bits as they were.
public struct RegisterFile: Sendable, Equatable {
  public private(set) var values: [UInt8]
  /// The values after power-on or reset.
  public let powerOnValues: [UInt8]
  /// Bits the host may change, per register (0xFF: fully writable, 0x00: read-only).
  public var writeMasks: [UInt8]
  /// The register the next read or write byte goes to.
  public var pointer: UInt8 = 0

  /// - Parameters:
  ///   - powerOn: registers whose power-on value is not zero.
  ///   - readOnly: registers the host cannot change at all.
  public init(powerOn: [UInt8: UInt8] = [:], readOnly: Set<UInt8> = []) {
    var v = [UInt8](repeating: 0, count: 256)
    for (r, x) in powerOn { v[Int(r)] = x }
    values = v
    powerOnValues = v
    var m = [UInt8](repeating: 0xFF, count: 256)
    for r in readOnly { m[Int(r)] = 0 }
    writeMasks = m
  }

  public subscript(register: UInt8) -> UInt8 {
    get { values[Int(register)] }
    set { values[Int(register)] = newValue }
  }

  /// A host write: only the bits of the register's write mask change.
  public mutating func hostWrite(_ register: UInt8, _ value: UInt8) {
    let m = writeMasks[Int(register)]
    values[Int(register)] = (values[Int(register)] & ~m) | (value & m)
  }

  /// Back to the power-on values; the pointer goes to 0.
  public mutating func reset() {
    values = powerOnValues
    pointer = 0
  }

  public func bit(_ register: UInt8, _ bit: Int) -> Bool { values[Int(register)] & (1 << bit) != 0 }

  public mutating func setBit(_ register: UInt8, _ bit: Int, _ on: Bool) {
    if on { values[Int(register)] |= UInt8(1 << bit) } else { values[Int(register)] &= ~UInt8(1 << bit) }
  }

  /// Stores a signed 16-bit value big-endian (high byte at `register`), as InvenSense chips do.
  public mutating func setInt16BigEndian(_ value: Int16, at register: UInt8) {
    let u = UInt16(bitPattern: value)
    values[Int(register)] = UInt8(u >> 8)
    values[(Int(register) + 1) & 0xFF] = UInt8(u & 0xFF)
  }

  /// Stores a signed 16-bit value little-endian (low byte at `register`), as ST chips do.
  public mutating func setInt16LittleEndian(_ value: Int16, at register: UInt8) {
    let u = UInt16(bitPattern: value)
    values[Int(register)] = UInt8(u & 0xFF)
    values[(Int(register) + 1) & 0xFF] = UInt8(u >> 8)
  }
}

/// A chip modelled as its register file: writes set the pointer then store bytes with
/// auto-increment, reads serve bytes with auto-increment; the hooks below add the side effects.
public protocol RegisterMappedEmulator: I2CDeviceEmulator {
  var registers: RegisterFile { get set }
  /// The byte the host gets when reading `register`. Put clear-on-read and FIFO pops here.
  func hostRead(register: UInt8, nowNanoseconds: UInt64) -> UInt8
  /// Applies a byte the host wrote to `register`. Put resets and mode changes here.
  func hostWrite(register: UInt8, value: UInt8, nowNanoseconds: UInt64)
  /// Whether the pointer moves on after `register` is accessed (a FIFO data port does not, and
  /// some chips make auto-increment a setting).
  func pointerAdvances(after register: UInt8) -> Bool
}

extension RegisterMappedEmulator {
  public func hostRead(register: UInt8, nowNanoseconds: UInt64) -> UInt8 { registers[register] }

  public func hostWrite(register: UInt8, value: UInt8, nowNanoseconds: UInt64) {
    registers.hostWrite(register, value)
  }

  public func pointerAdvances(after register: UInt8) -> Bool { true }

  public func receive(_ bytes: [UInt8], nowNanoseconds: UInt64) throws(I2CError) {
    guard let first = bytes.first else { return }
    registers.pointer = first
    for b in bytes.dropFirst() {
      let r = registers.pointer
      hostWrite(register: r, value: b, nowNanoseconds: nowNanoseconds)
      if pointerAdvances(after: r) { registers.pointer = r &+ 1 }
    }
  }

  public func transmit(count: Int, nowNanoseconds: UInt64) throws(I2CError) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(max(0, count))
    for _ in 0..<max(0, count) {
      let r = registers.pointer
      out.append(hostRead(register: r, nowNanoseconds: nowNanoseconds))
      if pointerAdvances(after: r) { registers.pointer = r &+ 1 }
    }
    return out
  }
}
