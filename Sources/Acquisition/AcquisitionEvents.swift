import HAL
import SensorDrivers
import TractionCore

/// The sensors one acquisition loop reads, named as the recording's columns are grouped.
public enum AcquisitionSensor: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
  /// The primary IMU (upper back): `acc_*`, `gyr_*`.
  case imu
  /// The second IMU (sacrum): `acc2_*`, `gyr2_*`.
  case imu2
  /// The load cell: `load_n`.
  case load

  public var description: String { rawValue }
}

/// What kind of fault, in the terms a person can act on; used for the statistics.
public enum AcquisitionFaultKind: String, Sendable, Equatable, CaseIterable {
  /// The bus or a GPIO line failed (no acknowledge, I/O error, adapter gone).
  case bus
  /// The sensor gave nothing in time (no new IMU sample, no conversion ready).
  case noData
  /// A FIFO overflowed: samples were lost inside the chip.
  case overflow
  /// A value no working chip produces (torn or garbage read, all-ones conversion).
  case corruptData
  /// An HX711 readout was too slow (the thread was preempted) and was discarded.
  case timing
  /// The chip lost its configuration (brown-out, replug) and was set up again.
  case deviceReset
  /// Another chip, or none, answers where the sensor should be.
  case wrongChip
  /// The driver refused a request or was not set up (configuration, calibration, state).
  case configuration
  /// The driver's timestamp did not move forward: the sample was dropped.
  case timestamp
}

/// Why one read of one sensor failed.
public enum SensorFailure: Error, Sendable, Equatable, CustomStringConvertible {
  case imu(IMUDriverError)
  case loadCell(LoadCellError)
  /// The IMU produced no new sample in this long.
  case noData(waitedMicroseconds: UInt64)
  /// The driver's timestamp is not after the previous sample's.
  case timestampNotIncreasing(previousNanoseconds: UInt64, nanoseconds: UInt64)

  public var kind: AcquisitionFaultKind {
    switch self {
    case .imu(let e):
      switch e {
      case .bus: return .bus
      case .wrongChip: return .wrongChip
      case .notConfigured, .invalidConfiguration: return .configuration
      case .fifoOverflow: return .overflow
      case .implausibleData: return .corruptData
      case .deviceReset: return .deviceReset
      case .timeout: return .noData
      }
    case .loadCell(let e):
      switch e.kind {
      case .dataReadyTimeout, .noResponse, .powerUpTimeout: return .noData
      case .timingOverrun: return .timing
      case .invalidSample: return .corruptData
      case .unexpectedChip: return .wrongChip
      case .calibrationFailed, .invalidState: return .configuration
      case .chipReset: return .deviceReset
      case .i2c, .gpio: return .bus
      }
    case .noData: return .noData
    case .timestampNotIncreasing: return .timestamp
    }
  }

  public var description: String {
    switch self {
    case .imu(let e): return e.description
    case .loadCell(let e): return e.description
    case .noData(let us): return "no new sample in \(us / 1_000) ms"
    case .timestampNotIncreasing(let p, let n):
      return "timestamp \(n) ns is not after the previous sample's \(p) ns; sample dropped"
    }
  }
}

/// Whether a fault happened while reading or while trying to bring the sensor back.
public enum AcquisitionPhase: String, Sendable, Equatable {
  case reading
  case recovery
}

/// One failed read (or recovery attempt) of one sensor. The loop goes on; when an IMU read
/// fails, that sample slot is skipped, so `seq` jumps over it.
public struct AcquisitionFault: Sendable, Equatable, CustomStringConvertible {
  public var sensor: AcquisitionSensor
  public var failure: SensorFailure
  /// Seconds on the samples' time base (since the first sample; since the start before it).
  public var t: Double
  /// The sample slot the fault hit.
  public var seq: Int64
  public var phase: AcquisitionPhase
  /// Failures of this sensor in a row, this one included.
  public var consecutive: Int

  public var kind: AcquisitionFaultKind { failure.kind }

  public init(
    sensor: AcquisitionSensor, failure: SensorFailure, t: Double, seq: Int64, phase: AcquisitionPhase,
    consecutive: Int
  ) {
    self.sensor = sensor
    self.failure = failure
    self.t = t
    self.seq = seq
    self.phase = phase
    self.consecutive = consecutive
  }

  /// `t=12.345000 imu: I2C no acknowledge of the address at 0x68 …`
  public var description: String {
    "t=\(AcquisitionText.fixed6(t)) \(sensor): \(failure)"
      + (phase == .recovery ? " (recovery attempt failed)" : "")
  }
}

/// A sensor that was being recovered works again.
public struct AcquisitionRecovery: Sendable, Equatable, CustomStringConvertible {
  public var sensor: AcquisitionSensor
  public var t: Double
  /// Seconds from its first failure to now.
  public var downSeconds: Double
  /// Recovery attempts it took (the successful one included).
  public var attempts: Int

  public init(sensor: AcquisitionSensor, t: Double, downSeconds: Double, attempts: Int) {
    self.sensor = sensor
    self.t = t
    self.downSeconds = downSeconds
    self.attempts = attempts
  }

  public var description: String {
    "t=\(AcquisitionText.fixed6(t)) \(sensor): back after \(AcquisitionText.fixed6(downSeconds)) s, "
      + "\(attempts) recovery attempt\(attempts == 1 ? "" : "s")"
  }
}

/// A sensor that stayed gone through several recovery attempts. The others go on; its columns
/// are missing (nil) from the samples until a later attempt brings it back (`.recovered`).
public struct AcquisitionSensorLoss: Sendable, Equatable, CustomStringConvertible {
  public var sensor: AcquisitionSensor
  public var t: Double
  public var downSeconds: Double
  public var attempts: Int
  public var lastFailure: SensorFailure

  public init(
    sensor: AcquisitionSensor, t: Double, downSeconds: Double, attempts: Int, lastFailure: SensorFailure
  ) {
    self.sensor = sensor
    self.t = t
    self.downSeconds = downSeconds
    self.attempts = attempts
    self.lastFailure = lastFailure
  }

  public var description: String {
    "t=\(AcquisitionText.fixed6(t)) \(sensor): gone for \(AcquisitionText.fixed6(downSeconds)) s after "
      + "\(attempts) recovery attempts (last: \(lastFailure)); still retrying"
  }
}

/// What one step of the loop produced.
public enum AcquisitionEvent: Sendable, Equatable {
  case sample(Sample)
  case fault(AcquisitionFault)
  case recovered(AcquisitionRecovery)
  case sensorLost(AcquisitionSensorLoss)

  /// The `key: value` note for a recording (`RecordingWriter.writeComment`), nil for a sample.
  public var recordingNote: String? {
    switch self {
    case .sample: return nil
    case .fault(let f): return "fault: \(f)"
    case .recovered(let r): return "recovered: \(r)"
    case .sensorLost(let l): return "sensor_lost: \(l)"
    }
  }
}

/// Where a sensor stands.
public enum SensorStatus: String, Sendable, Equatable {
  /// Not part of this loop.
  case absent
  case ok
  /// Failed recently but still read every slot.
  case failing
  /// Failed too often: not read; set up again after a back-off.
  case recovering
  /// Recovery keeps failing (reported once with `.sensorLost`); still retried at the longest
  /// back-off.
  case lost
}

/// Counts since the loop started.
public struct AcquisitionStatistics: Sendable, Equatable {
  /// Samples produced.
  public var samples = 0
  /// Sample slots skipped (gaps in `seq`).
  public var skippedSlots: Int64 = 0
  /// Faults of every kind and sensor.
  public var faults = 0
  /// Faults by kind, indexed like `AcquisitionFaultKind.allCases`; see `faults(of:)`.
  public private(set) var faultsByKind = [Int](repeating: 0, count: AcquisitionFaultKind.allCases.count)
  /// Faults by sensor, indexed like `AcquisitionSensor.allCases`; see `faults(of:)`.
  public private(set) var faultsBySensor = [Int](repeating: 0, count: AcquisitionSensor.allCases.count)
  public var recoveryAttempts = 0
  /// Sensors brought back by a recovery.
  public var recoveries = 0
  /// `.sensorLost` events.
  public var sensorsLost = 0
  /// Load-cell conversions read.
  public var loadConversions = 0

  public init() {}

  public func faults(of kind: AcquisitionFaultKind) -> Int {
    faultsByKind[AcquisitionFaultKind.allCases.firstIndex(of: kind) ?? 0]
  }

  public func faults(of sensor: AcquisitionSensor) -> Int {
    faultsBySensor[AcquisitionSensor.allCases.firstIndex(of: sensor) ?? 0]
  }

  mutating func count(_ kind: AcquisitionFaultKind, _ sensor: AcquisitionSensor) {
    faults += 1
    if let i = AcquisitionFaultKind.allCases.firstIndex(of: kind) { faultsByKind[i] += 1 }
    if let i = AcquisitionSensor.allCases.firstIndex(of: sensor) { faultsBySensor[i] += 1 }
  }
}

/// How hard the loop tries before it calls a sensor failing, recovering, lost.
public struct AcquisitionPolicy: Sendable, Equatable {
  /// Failures in a row before the driver is set up again (`configure` / `start`).
  public var faultsBeforeRecovery: Int
  /// Failed recovery attempts before `.sensorLost` is reported (retries go on).
  public var attemptsBeforeLost: Int
  /// Wait before the first recovery attempt; doubles after each failed one.
  public var initialBackoffSeconds: Double
  public var maxBackoffSeconds: Double
  /// How long the pacing IMU may stay silent before the slot counts as a `noData` fault, in
  /// sample periods.
  public var imuTimeoutPeriods: Double
  /// How long the last load value is still given after the load cell stops answering, in its
  /// conversion periods; then `loadN` is nil until it is back.
  public var loadHoldPeriods: Double

  public init(
    faultsBeforeRecovery: Int = 3, attemptsBeforeLost: Int = 3, initialBackoffSeconds: Double = 0.05,
    maxBackoffSeconds: Double = 2, imuTimeoutPeriods: Double = 3, loadHoldPeriods: Double = 3
  ) {
    self.faultsBeforeRecovery = faultsBeforeRecovery
    self.attemptsBeforeLost = attemptsBeforeLost
    self.initialBackoffSeconds = initialBackoffSeconds
    self.maxBackoffSeconds = maxBackoffSeconds
    self.imuTimeoutPeriods = imuTimeoutPeriods
    self.loadHoldPeriods = loadHoldPeriods
  }
}

/// A loop that cannot start: the message names the argument.
public struct AcquisitionSetupError: Error, Sendable, Equatable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

enum AcquisitionText {
  /// `x` with six decimals, without Foundation.
  static func fixed6(_ x: Double) -> String {
    guard x.isFinite, abs(x) < 9e12 else { return "\(x)" }
    let us = Int64((x * 1e6).rounded())
    let whole = abs(us) / 1_000_000
    let frac = String(abs(us) % 1_000_000)
    return (us < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: 6 - frac.count) + frac
  }
}
