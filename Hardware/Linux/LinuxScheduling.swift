#if canImport(Glibc)
  import Glibc
#endif

/// Why the scheduling request was refused.
public struct LinuxSchedulingError: Error, Sendable, Equatable, CustomStringConvertible {
  public var errno: Int32
  public var detail: String

  public var description: String {
    var s = detail
    #if canImport(Glibc)
      if let p = strerror(errno) { s += " (errno \(errno): \(String(cString: p)))" }
    #endif
    if errno == EPERM {
      s += "; needs root, CAP_SYS_NICE or an rtprio limit (ulimit -r)"
    }
    return s
  }
}

/// Real-time scheduling for the thread that bit-bangs the HX711: a `SCHED_FIFO` thread is not
/// preempted by ordinary processes, which makes clock high phases past 60 µs (and so discarded
/// samples) much rarer. It does not make them impossible (interrupts still run), so the driver's
/// timing check stays on.
public enum LinuxScheduling {
  /// Puts the calling thread under `SCHED_FIFO` at `priority` (1–99; keep it modest, the kernel's
  /// own threads run at 50).
  public static func useRealtimePriorityForCurrentThread(_ priority: Int32 = 20)
    throws(LinuxSchedulingError)
  {
    #if os(Linux)
      var param = sched_param()
      param.sched_priority = priority
      let rc = pthread_setschedparam(pthread_self(), Int32(SCHED_FIFO), &param)
      guard rc == 0 else {
        throw LinuxSchedulingError(errno: rc, detail: "SCHED_FIFO priority \(priority) refused")
      }
    #else
      throw LinuxSchedulingError(
        errno: ENOSYS, detail: "real-time scheduling is only set up on Linux")
    #endif
  }

  /// Back to the default time-sharing policy.
  public static func useNormalPriorityForCurrentThread() throws(LinuxSchedulingError) {
    #if os(Linux)
      var param = sched_param()
      param.sched_priority = 0
      let rc = pthread_setschedparam(pthread_self(), Int32(SCHED_OTHER), &param)
      guard rc == 0 else { throw LinuxSchedulingError(errno: rc, detail: "SCHED_OTHER refused") }
    #endif
  }
}
