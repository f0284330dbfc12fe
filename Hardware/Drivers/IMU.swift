import HAL

/// One IMU sample in SI units, in the sensor's own frame (as the chip's axes are printed).
public struct IMUMeasurement: Sendable, Equatable {
  /// Specific force, m/s² (+9.81 on the axis pointing up when still).
  public var acc: SIMD3<Double>
  /// Angular rate, rad/s.
  public var gyr: SIMD3<Double>
  /// Die temperature, °C, when the driver reads it.
  public var temperatureC: Double?
  /// The sample's number on the chip's sample clock since configuration, when the driver can
  /// tell: gaps in it are samples that were lost (a FIFO overflow, a slow reader).
  public var sampleIndex: Int64?
  /// When the sample was taken, on the driver's `DelayClock` time base (estimated for samples
  /// that waited in a FIFO).
  public var timestampNanoseconds: UInt64

  public init(
    acc: SIMD3<Double>, gyr: SIMD3<Double>, temperatureC: Double? = nil, sampleIndex: Int64? = nil,
    timestampNanoseconds: UInt64 = 0
  ) {
    self.acc = acc
    self.gyr = gyr
    self.temperatureC = temperatureC
    self.sampleIndex = sampleIndex
    self.timestampNanoseconds = timestampNanoseconds
  }
}

/// How the driver learns that a sample is ready.
public enum IMUReadMode: String, Sendable, Equatable, CaseIterable {
  /// Poll the chip's data-ready status, then read the newest sample in one burst. Samples are lost
  /// if the caller polls slower than the rate.
  case dataReady
  /// Let the chip queue samples in its FIFO and read them in bursts: no loss while the caller
  /// keeps up on average; an overflow is reported and the FIFO restarted.
  case fifo
}

/// What the caller would like; the driver picks the nearest the chip can do and reports it.
public struct IMUConfigurationRequest: Sendable, Equatable {
  /// Samples per second.
  public var sampleRateHz: Double
  /// Accelerometer full scale, ±g. The smallest range at least this large is used.
  public var accelRangeG: Double
  /// Gyroscope full scale, ±°/s. The smallest range at least this large is used.
  public var gyroRangeDPS: Double
  /// Low-pass filter bandwidth, Hz; nil lets the driver pick one below half the rate.
  public var lowPassHz: Double?
  public var mode: IMUReadMode

  public init(
    sampleRateHz: Double = 100, accelRangeG: Double = 4, gyroRangeDPS: Double = 500, lowPassHz: Double? = nil,
    mode: IMUReadMode = .dataReady
  ) {
    self.sampleRateHz = sampleRateHz
    self.accelRangeG = accelRangeG
    self.gyroRangeDPS = gyroRangeDPS
    self.lowPassHz = lowPassHz
    self.mode = mode
  }
}

/// What the driver found and set up.
public struct IMUConfigurationReport: Sendable, Equatable {
  /// The chip's name as identified (or "unknown …" for an id not in the driver's list).
  public var chipName: String
  /// The identity register's value.
  public var chipID: UInt8
  /// False when the id is not in the driver's list (a clone, a new part): it may still work;
  /// tell the user.
  public var isKnownChip: Bool
  public var address: UInt8
  public var accelRangeG: Double
  public var gyroRangeDPS: Double
  /// The rate the chip actually runs at.
  public var sampleRateHz: Double
  /// The low-pass bandwidth set, Hz (nil: the chip's rate-dependent default).
  public var lowPassHz: Double?
  public var mode: IMUReadMode
  /// Things the caller should know: unknown id, request clamped, mode fallback.
  public var warnings: [String]
}

/// A driver error: a bus failure, or what the driver concluded about the chip.
public enum IMUDriverError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The bus failed; the I2C error says how (retry, reopen, check wiring).
  case bus(I2CError)
  /// The identity register does not name a chip this driver can drive.
  case wrongChip(address: UInt8, id: UInt8, detail: String)
  /// `readSample()` before a successful `configure`.
  case notConfigured
  /// The chip's FIFO overflowed and was restarted; `lostBytes` bytes (about that /14 samples)
  /// were discarded. Reading resumes with the next call.
  case fifoOverflow(lostBytes: Int)
  /// A read delivered values no working chip produces (garbage on the bus, a torn FIFO frame).
  /// The sample was dropped.
  case implausibleData(String)
  /// The chip had lost its configuration (a power glitch or it was replugged); the driver set it
  /// up again. Samples in between were lost.
  case deviceReset(String)
  /// The request cannot be met at all (a non-positive rate, say).
  case invalidConfiguration(String)
  /// The chip did not finish something in time (a reset).
  case timeout(String)

  /// The underlying bus error, when there is one.
  public var busError: I2CError? {
    if case .bus(let e) = self { return e }
    return nil
  }

  public var description: String {
    switch self {
    case .bus(let e): return e.description
    case .wrongChip(let a, let id, let d):
      return
        "wrong chip at 0x\(String(a, radix: 16, uppercase: true)): id 0x\(String(id, radix: 16, uppercase: true)) (\(d))"
    case .notConfigured: return "IMU not configured: call configure first"
    case .fifoOverflow(let n): return "IMU FIFO overflow: \(n) bytes lost, FIFO restarted"
    case .implausibleData(let d): return "implausible IMU data: \(d)"
    case .deviceReset(let d): return "IMU lost its configuration and was set up again: \(d)"
    case .invalidConfiguration(let d): return "invalid IMU configuration: \(d)"
    case .timeout(let d): return "IMU timed out: \(d)"
    }
  }
}

/// An IMU on a bus: configure once, then poll for samples.
public protocol IMUDriver {
  /// The clock the driver waits on (and timestamps with).
  var clock: any DelayClock { get }
  /// The current configuration, after a successful `configure`.
  var configuration: IMUConfigurationReport? { get }
  /// Identifies, resets and sets up the chip. Safe to call again to recover.
  mutating func configure(_ request: IMUConfigurationRequest) throws(IMUDriverError) -> IMUConfigurationReport
  /// The next sample, or nil when the chip has nothing new yet. Never blocks for long.
  mutating func readSample() throws(IMUDriverError) -> IMUMeasurement?
}

extension IMUDriver {
  /// Polls ``readSample()`` until a sample arrives or `timeoutNanoseconds` pass on the driver's
  /// clock, waiting a quarter of a sample period between polls. Returns nil on timeout.
  public mutating func nextSample(timeoutNanoseconds: UInt64) throws(IMUDriverError) -> IMUMeasurement? {
    guard let rate = configuration?.sampleRateHz else { throw IMUDriverError.notConfigured }
    let poll = UInt64(max(1e5, 0.25e9 / max(rate, 1e-3)))
    let deadline = clock.nowNanoseconds &+ timeoutNanoseconds
    while true {
      if let s = try readSample() { return s }
      if clock.nowNanoseconds >= deadline { return nil }
      clock.delay(nanoseconds: poll)
    }
  }
}

/// Unit conversions shared by the drivers.
enum Units {
  static let standardGravity = 9.806_65
  static let degreesToRadians = Double.pi / 180
}

/// Helpers for decoding register bytes.
enum Bytes {
  static func int16BigEndian(_ b: ArraySlice<UInt8>, _ i: Int) -> Int16 {
    Int16(bitPattern: UInt16(b[i]) << 8 | UInt16(b[i + 1]))
  }

  static func int16LittleEndian(_ b: ArraySlice<UInt8>, _ i: Int) -> Int16 {
    Int16(bitPattern: UInt16(b[i + 1]) << 8 | UInt16(b[i]))
  }

  static func hex(_ v: UInt8) -> String { "0x" + (v < 16 ? "0" : "") + String(v, radix: 16, uppercase: true) }

  /// True when every byte is the same: what a stuck bus or an unpowered chip returns.
  static func allEqual(_ b: ArraySlice<UInt8>) -> Bool {
    guard let f = b.first else { return true }
    return b.allSatisfy { $0 == f }
  }
}

/// The bookkeeping the register-level IMU drivers share, so that one piece of code counts bus
/// errors and sets a chip up again after it lost its configuration (a brown-out, a replug).
protocol RecoverableIMUDriver: IMUDriver {
  associatedtype Bus: I2CBus
  var bus: Bus { get set }
  var address: UInt8 { get }
  var statistics: IMUDriverStatistics { get set }
  /// The last configuration asked for, applied again on recovery.
  var request: IMUConfigurationRequest { get }
  /// A bus error happened: check the chip's configuration before the next read.
  var needsVerification: Bool { get set }
  var periodNanoseconds: UInt64 { get }
  var lastDataNanoseconds: UInt64 { get set }
  var sampleCounter: Int64 { get set }
}

extension RecoverableIMUDriver {
  /// Configures the chip again with the last request after it lost its setup, keeping the
  /// sample count running across the gap, and reports the loss.
  mutating func reconfigureAfterLoss(_ reason: String) throws(IMUDriverError) -> Never {
    let counter = sampleCounter
    let lastTime = lastDataNanoseconds
    _ = try configure(request)
    statistics.reconfigurations += 1
    let lost = Int64((Double(clock.nowNanoseconds &- lastTime) / Double(periodNanoseconds)).rounded())
    sampleCounter = counter + max(0, lost)
    lastDataNanoseconds = clock.nowNanoseconds
    throw .deviceReset(reason)
  }

  /// Runs bus work, counting failures and arranging a configuration check for the next read.
  mutating func io<T>(_ body: (inout Bus, UInt8) throws(I2CError) -> T) throws(IMUDriverError) -> T {
    do {
      return try body(&bus, address)
    } catch {
      statistics.busErrors += 1
      needsVerification = configuration != nil
      throw .bus(error)
    }
  }
}
