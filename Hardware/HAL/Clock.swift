#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A monotonic clock with delays, injected into every driver so that tests and the simulator run
/// on virtual time, faster than real time and deterministically.
public protocol DelayClock: AnyObject {
  /// Monotonic time in nanoseconds (arbitrary origin).
  var nowNanoseconds: UInt64 { get }
  /// Waits at least this long. The system clock sleeps; a virtual clock just advances.
  func delay(nanoseconds: UInt64)
}

extension DelayClock {
  public func delay(microseconds: UInt64) { delay(nanoseconds: microseconds &* 1_000) }
  public func delay(milliseconds: UInt64) { delay(nanoseconds: milliseconds &* 1_000_000) }
  public var nowSeconds: Double { Double(nowNanoseconds) / 1e9 }
}

/// The real monotonic clock (`CLOCK_MONOTONIC`).
public final class SystemClock: DelayClock, Sendable {
  public init() {}

  public var nowNanoseconds: UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }

  public func delay(nanoseconds: UInt64) {
    guard nanoseconds > 0 else { return }
    var req = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var rem = timespec()
    while nanosleep(&req, &rem) != 0 && errno == EINTR { req = rem }
  }
}

/// A clock that only moves when told to: `delay` advances it, and emulated hardware may advance it
/// to model the time a bus transfer takes (or jump it, to inject a scheduling hiccup).
///
/// Not thread-safe by design: one virtual clock belongs to one simulated system, driven from one
/// task. It is deliberately not `Sendable`.
public final class VirtualClock: DelayClock {
  public private(set) var nowNanoseconds: UInt64

  public init(startNanoseconds: UInt64 = 0) { nowNanoseconds = startNanoseconds }

  public func delay(nanoseconds: UInt64) { nowNanoseconds &+= nanoseconds }

  /// Moves time forward without anyone asking for a delay (a transfer's duration, a preemption).
  public func advance(nanoseconds: UInt64) { nowNanoseconds &+= nanoseconds }
}
