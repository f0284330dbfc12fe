import GPIOShim
import HAL

#if canImport(Glibc)
  import Glibc
#endif

/// A GPIO chip character device (`/dev/gpiochipN`), through libgpiod (API v1 or v2, whichever the
/// build found) behind the C shim. Lines are requested one at a time and released when their
/// value is dropped (the kernel then returns them to their default state).
public struct LinuxGPIOChip: Sendable {
  /// The device node, for example `/dev/gpiochip0`.
  public let path: String

  /// The libgpiod API the shim was compiled against: 1, 2, or 0 (built without libgpiod).
  public static var libgpiodAPIVersion: Int { Int(traction_gpio_api_version()) }

  /// Opens `/dev/gpiochip<number>`.
  public init(number: Int) throws(GPIOError) {
    try self.init(path: "/dev/gpiochip\(number)")
  }

  /// Checks that the chip exists and is reachable; lines are requested with the methods below.
  public init(path: String) throws(GPIOError) {
    self.path = path
    #if LinuxHardware && os(Linux)
      guard access(path, R_OK | W_OK) == 0 else {
        let code = errno
        throw GPIOError(errno: code, detail: "\(path): cannot open the GPIO chip")
      }
    #else
      throw GPIOError(.notSupported, detail: "\(path): \(LinuxHardwareSupport.unavailableMessage)")
    #endif
  }

  /// Requests line `offset` as an output, driven to `initialHigh` at once.
  public func requestOutput(
    offset: UInt32, initialHigh: Bool = false, consumer: String = "traction"
  )
    throws(GPIOError) -> LinuxGPIOOutputLine
  {
    #if LinuxHardware && os(Linux)
      var err: Int32 = 0
      let handle = traction_gpio_request_output(path, offset, initialHigh ? 1 : 0, consumer, &err)
      guard let handle else {
        throw GPIOError(
          errno: err == 0 ? EIO : err, detail: "\(path) line \(offset): request as output failed")
      }
      return LinuxGPIOOutputLine(handle: handle, chipPath: path, offset: offset)
    #else
      _ = (offset, initialHigh, consumer)
      throw GPIOError(
        .notSupported, detail: "\(path) line \(offset): \(LinuxHardwareSupport.unavailableMessage)")
    #endif
  }

  /// Requests line `offset` as an input reporting `edges` (``GPIOInputLine/waitForEdge(timeoutNanoseconds:)``
  /// needs an edge kind other than `.none`).
  public func requestInput(
    offset: UInt32, edges: GPIOEdgeDetection = .none, consumer: String = "traction"
  )
    throws(GPIOError) -> LinuxGPIOInputLine
  {
    #if LinuxHardware && os(Linux)
      let code: Int32
      switch edges {
      case .none: code = 0
      case .rising: code = 1
      case .falling: code = 2
      case .both: code = 3
      }
      var err: Int32 = 0
      let handle = traction_gpio_request_input(path, offset, code, consumer, &err)
      guard let handle else {
        throw GPIOError(
          errno: err == 0 ? EIO : err, detail: "\(path) line \(offset): request as input failed")
      }
      return LinuxGPIOInputLine(handle: handle, chipPath: path, offset: offset, edges: edges)
    #else
      _ = (offset, edges, consumer)
      throw GPIOError(
        .notSupported, detail: "\(path) line \(offset): \(LinuxHardwareSupport.unavailableMessage)")
    #endif
  }
}

/// Owns one shim handle and releases it exactly once.
final class GPIOLineHandle {
  let raw: OpaquePointer
  init(_ raw: OpaquePointer) { self.raw = raw }
  deinit { traction_gpio_release(raw) }
}

/// A line requested as an output. Not thread-safe (libgpiod is not): one owner at a time.
public struct LinuxGPIOOutputLine: GPIOOutputLine {
  private let handle: GPIOLineHandle
  public let chipPath: String
  public let offset: UInt32

  init(handle: OpaquePointer, chipPath: String, offset: UInt32) {
    self.handle = GPIOLineHandle(handle)
    self.chipPath = chipPath
    self.offset = offset
  }

  public mutating func set(high: Bool) throws(GPIOError) {
    let rc = traction_gpio_set(handle.raw, high ? 1 : 0)
    guard rc >= 0 else {
      throw GPIOError(errno: -rc, detail: "\(chipPath) line \(offset): set \(high ? 1 : 0) failed")
    }
  }
}

/// A line requested as an input. Edge timestamps are `CLOCK_MONOTONIC` (libgpiod v2 is asked for
/// it; the v1 uAPI uses it on kernels from 5.7), the time base of ``SystemClock``.
public struct LinuxGPIOInputLine: GPIOInputLine {
  private let handle: GPIOLineHandle
  public let chipPath: String
  public let offset: UInt32
  public let edges: GPIOEdgeDetection

  init(handle: OpaquePointer, chipPath: String, offset: UInt32, edges: GPIOEdgeDetection) {
    self.handle = GPIOLineHandle(handle)
    self.chipPath = chipPath
    self.offset = offset
    self.edges = edges
  }

  public mutating func isHigh() throws(GPIOError) -> Bool {
    let rc = traction_gpio_get(handle.raw)
    guard rc >= 0 else {
      throw GPIOError(errno: -rc, detail: "\(chipPath) line \(offset): read failed")
    }
    return rc == 1
  }

  public mutating func waitForEdge(timeoutNanoseconds: UInt64) throws(GPIOError) -> GPIOEdgeEvent? {
    guard edges != .none else {
      throw GPIOError(
        .other,
        detail:
          "\(chipPath) line \(offset): requested without edge detection, cannot wait for an edge")
    }
    var rising: Int32 = 0
    var timestamp: UInt64 = 0
    let timeout = Int64(clamping: timeoutNanoseconds)
    let rc = traction_gpio_wait_edge(handle.raw, timeout, &rising, &timestamp)
    guard rc >= 0 else {
      throw GPIOError(errno: -rc, detail: "\(chipPath) line \(offset): waiting for an edge failed")
    }
    if rc == 0 { return nil }
    return GPIOEdgeEvent(edge: rising != 0 ? .rising : .falling, timestampNanoseconds: timestamp)
  }
}
