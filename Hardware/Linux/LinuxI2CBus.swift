import HAL

#if LinuxHardware && os(Linux)
  import CI2C
  import Glibc
#endif

/// An I2C adapter through the kernel's i2c-dev interface (`/dev/i2c-N`).
///
/// Transactions go out as one `ioctl(I2C_RDWR)` with one `struct i2c_msg` per operation, so a
/// register write and the following read are joined by a repeated start and a burst is never
/// torn. An adapter that reports no plain-I2C support in `I2C_FUNCS` (SMBus-only, such as
/// `i2c-stub`) gets SMBus calls from libi2c instead, in 32-byte chunks.
///
/// Every failure is an ``I2CError`` carrying the kernel errno, the device address, the bus path
/// and what was attempted. Not thread-safe: one bus value per thread of control (the kernel
/// serialises the adapter itself between processes).
public final class LinuxI2CBus: I2CBus {
  /// How transactions reach the adapter.
  public enum Mode: String, Sendable, Equatable {
    /// `ioctl(I2C_RDWR)`: any sequence of reads and writes with repeated starts.
    case plainI2C = "I2C_RDWR"
    /// libi2c SMBus calls: register reads and writes only, 32 bytes at a time.
    case smbus = "SMBus"
  }

  /// The device node, for example `/dev/i2c-1`.
  public let path: String
  /// The adapter's `I2C_FUNCS` bit mask (`I2C_FUNC_I2C` is bit 0).
  public let functionality: UInt
  /// The mode in use.
  public let mode: Mode
  /// Whether SMBus mode cuts transfers over 32 bytes into chunks (see the initialiser).
  public let splitLongSMBusTransfers: Bool

  /// The longest single SMBus transfer, for drivers that size their bursts (a FIFO read):
  /// 32 in SMBus mode, nil when `I2C_RDWR` takes any length.
  public var maxSingleTransferBytes: Int? { mode == .smbus ? SMBusCall.maxBlock : nil }

  #if LinuxHardware && os(Linux)
    private let fd: Int32
    /// The address last set with `I2C_SLAVE` (SMBus mode only).
    private var selectedAddress: UInt8?
  #endif

  /// Opens `/dev/i2c-<busNumber>`.
  public convenience init(
    busNumber: Int, forceSMBus: Bool = false, splitLongSMBusTransfers: Bool = true
  ) throws(I2CError) {
    try self.init(
      path: "/dev/i2c-\(busNumber)", forceSMBus: forceSMBus,
      splitLongSMBusTransfers: splitLongSMBusTransfers)
  }

  /// Opens an i2c-dev node and asks the adapter what it can do.
  /// - Parameters:
  ///   - forceSMBus: use SMBus calls even when the adapter supports `I2C_RDWR`.
  ///   - splitLongSMBusTransfers: in SMBus mode, cut transfers over 32 bytes into chunks that
  ///     start at `register + 32·k` (right for register blocks, which auto-increment); false
  ///     refuses them with `.notSupported` instead, for devices read through a FIFO port
  ///     register that does not advance.
  public init(path: String, forceSMBus: Bool = false, splitLongSMBusTransfers: Bool = true)
    throws(I2CError)
  {
    self.path = path
    self.splitLongSMBusTransfers = splitLongSMBusTransfers
    #if LinuxHardware && os(Linux)
      let fd = open(path, O_RDWR | O_CLOEXEC)
      guard fd >= 0 else {
        let code = errno
        throw I2CError(errno: code, detail: "\(path): open failed")
      }
      var funcs: UInt = 0
      guard ioctl(fd, UInt(I2C_FUNCS), &funcs) >= 0 else {
        let code = errno
        close(fd)
        throw I2CError(
          errno: code, detail: "\(path): ioctl(I2C_FUNCS) failed (is this an i2c-dev node?)")
      }
      self.fd = fd
      self.functionality = funcs
      if funcs & UInt(I2C_FUNC_I2C) != 0 && !forceSMBus {
        mode = .plainI2C
      } else if funcs & UInt(I2C_FUNC_SMBUS_BYTE_DATA) != 0 {
        mode = .smbus
      } else {
        close(fd)
        throw I2CError(
          .notSupported,
          detail: "\(path): the adapter offers neither I2C_RDWR nor SMBus byte-data transfers "
            + "(I2C_FUNCS 0x\(String(funcs, radix: 16)))")
      }
    #else
      _ = forceSMBus
      throw I2CError(.notSupported, detail: "\(path): \(LinuxHardwareSupport.unavailableMessage)")
    #endif
  }

  deinit {
    #if LinuxHardware && os(Linux)
      close(fd)
    #endif
  }

  public func transaction(address: UInt8, _ operations: [I2COperation]) throws(I2CError)
    -> [[UInt8]]
  {
    try Self.validate(address: address, operations, path: path)
    #if LinuxHardware && os(Linux)
      switch mode {
      case .plainI2C: return try rdwr(address: address, operations)
      case .smbus: return try smbus(address: address, operations)
      }
    #else
      throw I2CError(
        .notSupported, address: address,
        detail: "\(path): \(LinuxHardwareSupport.unavailableMessage)")
    #endif
  }

  /// Refuses what no adapter can send: addresses past 7 bits, negative reads, messages longer
  /// than the 16-bit length of an `i2c_msg`.
  static func validate(address: UInt8, _ operations: [I2COperation], path: String) throws(I2CError) {
    guard address <= 0x7F else {
      throw I2CError(
        .other, address: address,
        detail: "\(path): 0x\(String(address, radix: 16)) is not a 7-bit address")
    }
    // One i2c_msg carries at most 65535 bytes (its length is 16 bits).
    for case .read(let count) in operations where count < 0 || count > Int(UInt16.max) {
      throw I2CError(
        .other, address: address, detail: "\(path): cannot read \(count) bytes in one message")
    }
    for case .write(let bytes) in operations where bytes.count > Int(UInt16.max) {
      throw I2CError(
        .other, address: address,
        detail: "\(path): cannot write \(bytes.count) bytes in one message")
    }
  }

  static func describe(_ operations: [I2COperation]) -> String {
    operations.map { op -> String in
      switch op {
      case .write(let bytes):
        return "write "
          + bytes.prefix(4).map { "0x" + String($0, radix: 16) }.joined(separator: " ")
          + (bytes.count > 4 ? " …(\(bytes.count) bytes)" : "")
      case .read(let count): return "read \(count)"
      }
    }.joined(separator: ", ")
  }

  #if LinuxHardware && os(Linux)
    private func rdwr(address: UInt8, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
      if operations.isEmpty { return [] }
      guard operations.count <= Int(I2C_RDWR_IOCTL_MAX_MSGS) else {
        throw I2CError(
          .notSupported, address: address,
          detail:
            "\(path): \(operations.count) messages exceed the kernel's \(I2C_RDWR_IOCTL_MAX_MSGS) per I2C_RDWR"
        )
      }
      // One buffer per message; reads are copied out after the ioctl.
      var buffers: [UnsafeMutableBufferPointer<UInt8>] = []
      buffers.reserveCapacity(operations.count)
      defer { for b in buffers { b.deallocate() } }
      var messages: [i2c_msg] = []
      messages.reserveCapacity(operations.count)
      for op in operations {
        switch op {
        case .write(let bytes):
          let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
          _ = buffer.initialize(from: bytes)
          buffers.append(buffer)
          messages.append(
            i2c_msg(
              addr: UInt16(address), flags: 0, len: UInt16(bytes.count), buf: buffer.baseAddress))
        case .read(let count):
          let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(count, 1))
          buffer.initialize(repeating: 0)
          buffers.append(buffer)
          messages.append(
            i2c_msg(
              addr: UInt16(address), flags: UInt16(I2C_M_RD), len: UInt16(count),
              buf: buffer.baseAddress))
        }
      }
      let rc = messages.withUnsafeMutableBufferPointer { msgs -> Int32 in
        var data = i2c_rdwr_ioctl_data(msgs: msgs.baseAddress, nmsgs: UInt32(msgs.count))
        return ioctl(fd, UInt(I2C_RDWR), &data)
      }
      guard rc >= 0 else {
        let code = errno
        throw I2CError(
          errno: code, address: address,
          detail: "\(path): I2C_RDWR [\(Self.describe(operations))] failed")
      }
      var reads: [[UInt8]] = []
      for (index, op) in operations.enumerated() {
        if case .read(let count) = op { reads.append(Array(buffers[index].prefix(count))) }
      }
      return reads
    }

    private func select(_ address: UInt8) throws(I2CError) {
      if selectedAddress == address { return }
      guard ioctl(fd, UInt(I2C_SLAVE), Int32(address)) >= 0 else {
        let code = errno
        throw I2CError(
          errno: code, address: address,
          detail: "\(path): ioctl(I2C_SLAVE) failed"
            + (code == EBUSY ? " (a kernel driver owns this address)" : ""))
      }
      selectedAddress = address
    }

    private func smbus(address: UInt8, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
      let calls: [SMBusCall]
      switch SMBusCall.plan(operations, splitLong: splitLongSMBusTransfers) {
      case .success(let planned): calls = planned
      case .failure(let why):
        throw I2CError(
          .notSupported, address: address, detail: "\(path) is SMBus-only: \(why.reason)")
      }
      if calls.isEmpty { return [] }
      try select(address)
      var read: [UInt8] = []
      var didRead = false
      for call in calls {
        let rc: Int32
        let what: String
        switch call {
        case .quick:
          what = "SMBus quick write"
          rc = i2c_smbus_write_quick(fd, 0)
        case .writeByte(let b):
          what = "SMBus write byte 0x\(String(b, radix: 16))"
          rc = i2c_smbus_write_byte(fd, b)
        case .readByte:
          what = "SMBus read byte"
          didRead = true
          rc = i2c_smbus_read_byte(fd)
          if rc >= 0 { read.append(UInt8(truncatingIfNeeded: rc)) }
        case .writeByteData(let register, let value):
          what = "SMBus write byte data to register 0x\(String(register, radix: 16))"
          rc = i2c_smbus_write_byte_data(fd, register, value)
        case .readByteData(let register):
          what = "SMBus read byte data from register 0x\(String(register, radix: 16))"
          didRead = true
          rc = i2c_smbus_read_byte_data(fd, register)
          if rc >= 0 { read.append(UInt8(truncatingIfNeeded: rc)) }
        case .writeBlockData(let register, let bytes):
          what = "SMBus write of \(bytes.count) bytes to register 0x\(String(register, radix: 16))"
          rc = bytes.withUnsafeBufferPointer { p in
            i2c_smbus_write_i2c_block_data(fd, register, UInt8(bytes.count), p.baseAddress)
          }
        case .readBlockData(let register, let count):
          what = "SMBus read of \(count) bytes from register 0x\(String(register, radix: 16))"
          didRead = true
          var chunk = [UInt8](repeating: 0, count: SMBusCall.maxBlock)
          rc = chunk.withUnsafeMutableBufferPointer { p in
            i2c_smbus_read_i2c_block_data(fd, register, UInt8(count), p.baseAddress)
          }
          if rc >= 0 {
            guard Int(rc) == count else {
              throw I2CError(
                .overrun, address: address, detail: "\(path): \(what) returned \(rc) bytes")
            }
            read.append(contentsOf: chunk.prefix(count))
          }
        }
        // libi2c returns a negative errno (and also sets errno).
        guard rc >= 0 else {
          throw I2CError(errno: -rc, address: address, detail: "\(path): \(what) failed")
        }
      }
      return didRead ? [read] : []
    }
  #endif
}
