#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What went wrong on an I2C bus, in the terms a caller can act on.
public struct I2CError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// Nothing answered at the address: wrong address, unplugged, or not powered. Check wiring.
    case noAcknowledgeAddress = "no acknowledge of the address"
    /// The device answered its address but refused a byte. Often a glitch: retry.
    case noAcknowledgeData = "no acknowledge of data"
    /// Another controller won the bus. Retry.
    case arbitrationLost = "arbitration lost"
    /// A bus-level fault (I/O error, busy adapter, bad message). Retry, then reopen.
    case bus = "bus error"
    /// The bus is stuck (SDA held low, clock stretching too long). Reopen or power-cycle.
    case timeout = "bus timed out"
    /// The adapter itself is gone (device node removed, adapter unplugged). Reopen later.
    case deviceGone = "bus adapter gone"
    /// The adapter cannot do what was asked (for example plain I2C on an SMBus-only adapter).
    case notSupported = "operation not supported by the adapter"
    /// Data arrived torn or implausible (a FIFO overrun, a frame that fails its checks).
    case overrun = "data overrun or torn read"
    /// Anything else.
    case other = "other error"
  }

  public var kind: Kind
  /// The 7-bit address of the transaction, when there was one.
  public var address: UInt8?
  /// The kernel errno behind the error, when it came from the kernel.
  public var errno: Int32?
  /// Where and what, for a person: the bus path, the register, the driver's view.
  public var detail: String

  public init(_ kind: Kind, address: UInt8? = nil, errno: Int32? = nil, detail: String = "") {
    self.kind = kind
    self.address = address
    self.errno = errno
    self.detail = detail
  }

  /// Maps a kernel errno from an i2c-dev call to a kind, as linux-embedded-hal does.
  public static func kind(forErrno code: Int32) -> Kind {
    switch code {
    case ENXIO: return .noAcknowledgeAddress
    case ENODEV, EREMOTEIO: return .noAcknowledgeData
    case EAGAIN: return .arbitrationLost
    case EBUSY, EINVAL, EIO, EPROTO: return .bus
    case ETIMEDOUT: return .timeout
    case ENOENT, ESHUTDOWN, EBADF: return .deviceGone
    case EOPNOTSUPP: return .notSupported
    case EOVERFLOW: return .overrun
    default: return .other
    }
  }

  public init(errno code: Int32, address: UInt8? = nil, detail: String = "") {
    self.init(Self.kind(forErrno: code), address: address, errno: code, detail: detail)
  }

  public var description: String {
    var s = "I2C \(kind.rawValue)"
    if let address { s += " at 0x" + String(address, radix: 16, uppercase: true) }
    if let errno { s += " (errno \(errno): \(HALStrings.errnoName(errno)))" }
    if !detail.isEmpty { s += ": \(detail)" }
    return s
  }
}

/// What went wrong with a GPIO line.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// No such chip or line offset.
    case notFound = "no such GPIO chip or line"
    /// The line is held by another process ("Device or resource busy").
    case busy = "line busy (held by another process)"
    /// No permission on /dev/gpiochipN: add the user to the gpio group.
    case permission = "permission denied"
    /// An I/O error on the line or its chip.
    case io = "I/O error"
    /// Waiting for an edge or level took longer than allowed.
    case timeout = "timed out"
    /// The chip went away (unplugged expander, unloaded driver).
    case deviceGone = "GPIO chip gone"
    /// Not available in this build or on this platform (no libgpiod).
    case notSupported = "not supported"
    /// Anything else.
    case other = "other error"
  }

  public var kind: Kind
  public var errno: Int32?
  public var detail: String

  public init(_ kind: Kind, errno: Int32? = nil, detail: String = "") {
    self.kind = kind
    self.errno = errno
    self.detail = detail
  }

  public static func kind(forErrno code: Int32) -> Kind {
    switch code {
    case ENOENT, ENXIO, EINVAL: return .notFound
    case EBUSY: return .busy
    case EACCES, EPERM: return .permission
    case EIO: return .io
    case ETIMEDOUT: return .timeout
    case ENODEV, ESHUTDOWN: return .deviceGone
    case ENOSYS, EOPNOTSUPP: return .notSupported
    default: return .other
    }
  }

  public init(errno code: Int32, detail: String = "") {
    self.init(Self.kind(forErrno: code), errno: code, detail: detail)
  }

  public var description: String {
    var s = "GPIO \(kind.rawValue)"
    if let errno { s += " (errno \(errno): \(HALStrings.errnoName(errno)))" }
    if !detail.isEmpty { s += ": \(detail)" }
    return s
  }
}

enum HALStrings {
  static func errnoName(_ code: Int32) -> String {
    guard let p = strerror(code) else { return "unknown" }
    return String(cString: p)
  }
}
