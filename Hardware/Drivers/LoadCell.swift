import HAL

/// Raw ADC counts to newtons: `force = (counts − offsetCounts) × newtonsPerCount`.
///
/// The offset comes from ``LoadCellDriver/tare(samples:)`` (nothing on the cell); the scale from
/// ``LoadCellDriver/calibrateScale(knownForceNewtons:samples:)`` (a known weight hung on it) or
/// from the cell's datasheet sensitivity.
public struct LoadCellCalibration: Sendable, Equatable, Codable {
  public var offsetCounts: Double
  public var newtonsPerCount: Double

  public init(offsetCounts: Double = 0, newtonsPerCount: Double = 1) {
    self.offsetCounts = offsetCounts
    self.newtonsPerCount = newtonsPerCount
  }

  public func newtons(fromCounts counts: Int32) -> Double {
    (Double(counts) - offsetCounts) * newtonsPerCount
  }
}

/// What a load-cell driver found and set up, for logs and `traction devices`.
public struct LoadCellReport: Sendable, Equatable, CustomStringConvertible {
  /// "HX711" or "NAU7802".
  public var chip: String
  /// How it is attached, for example "GPIO PD_SCK/DOUT" or "I2C 0x2A".
  public var interface: String
  /// The programmable gain in use (1…128).
  public var gain: Int
  /// Conversions per second.
  public var samplesPerSecond: Int
  /// What the driver observed (revision, time to first data, calibration result).
  public var detected: [String]
  /// What the driver configured.
  public var configured: [String]

  public init(
    chip: String, interface: String, gain: Int, samplesPerSecond: Int, detected: [String] = [],
    configured: [String] = []
  ) {
    self.chip = chip
    self.interface = interface
    self.gain = gain
    self.samplesPerSecond = samplesPerSecond
    self.detected = detected
    self.configured = configured
  }

  public var description: String {
    var s = "\(chip) on \(interface): gain \(gain), \(samplesPerSecond) samples/s"
    if !detected.isEmpty { s += "; detected: " + detected.joined(separator: ", ") }
    if !configured.isEmpty { s += "; configured: " + configured.joined(separator: ", ") }
    return s
  }
}

/// Everything a load-cell driver can report going wrong. Each case says what a caller can do:
/// retry the read (overrun, invalid sample, transient bus error), check wiring (timeout, no
/// response, not found), or restart the driver (reset, calibration failure).
public enum LoadCellError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The chip did not signal a finished conversion in time (HX711 DOUT never went low, NAU7802
  /// CR never set): unpowered, unwired, or stuck.
  case dataReadyTimeout(chip: String, waitedMicroseconds: UInt64)
  /// A clock high phase of the HX711 readout lasted too long (the thread was preempted); the
  /// sample was discarded because the chip may have powered down mid-read (at 60 µs).
  case timingOverrun(measuredMicroseconds: Double, limitMicroseconds: Double)
  /// A sample that cannot be a measurement (all ones: DOUT high throughout).
  case invalidSample(raw: UInt32, reason: String)
  /// The chip did not behave like one: HX711 DOUT stayed low after the readout.
  case noResponse(chip: String, detail: String)
  /// The chip is not the expected one (NAU7802 REVISION_ID).
  case unexpectedChip(chip: String, detail: String)
  /// The chip did not report power-up ready (NAU7802 PUR).
  case powerUpTimeout(chip: String, waitedMicroseconds: UInt64)
  /// Internal calibration failed or did not finish (NAU7802 CAL_ERR or CALS stuck).
  case calibrationFailed(chip: String, detail: String)
  /// The chip lost its configuration (a power glitch reset it). The driver sets it up again on
  /// the next read.
  case chipReset(chip: String, detail: String)
  /// The driver was asked for something its configuration forbids (a read while powered down,
  /// a rate the chip cannot do).
  case invalidState(String)
  /// An I2C transfer failed.
  case i2c(I2CError)
  /// A GPIO access failed.
  case gpio(GPIOError)

  /// The case without its payload, for callers and tests that branch on the kind.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    case dataReadyTimeout, timingOverrun, invalidSample, noResponse, unexpectedChip, powerUpTimeout
    case calibrationFailed, chipReset, invalidState, i2c, gpio
  }

  public var kind: Kind {
    switch self {
    case .dataReadyTimeout: return .dataReadyTimeout
    case .timingOverrun: return .timingOverrun
    case .invalidSample: return .invalidSample
    case .noResponse: return .noResponse
    case .unexpectedChip: return .unexpectedChip
    case .powerUpTimeout: return .powerUpTimeout
    case .calibrationFailed: return .calibrationFailed
    case .chipReset: return .chipReset
    case .invalidState: return .invalidState
    case .i2c: return .i2c
    case .gpio: return .gpio
    }
  }

  public var description: String {
    switch self {
    case .dataReadyTimeout(let chip, let us):
      return "\(chip): no conversion ready after \(us) µs (check power and wiring)"
    case .timingOverrun(let measured, let limit):
      return
        "HX711: a clock high phase lasted \(Self.format(measured)) µs (limit \(Self.format(limit)) µs; "
        + "the chip powers down at 60 µs): sample discarded"
    case .invalidSample(let raw, let reason):
      return "invalid sample 0x\(String(raw, radix: 16, uppercase: true)): \(reason)"
    case .noResponse(let chip, let detail): return "\(chip) not responding: \(detail)"
    case .unexpectedChip(let chip, let detail): return "not a \(chip): \(detail)"
    case .powerUpTimeout(let chip, let us): return "\(chip): not ready \(us) µs after power-up"
    case .calibrationFailed(let chip, let detail): return "\(chip): calibration failed: \(detail)"
    case .chipReset(let chip, let detail): return "\(chip) was reset: \(detail)"
    case .invalidState(let detail): return detail
    case .i2c(let e): return e.description
    case .gpio(let e): return e.description
    }
  }

  static func format(_ x: Double) -> String {
    let tenths = (x * 10).rounded()
    guard tenths.isFinite, abs(tenths) < 1e15 else { return "\(x)" }
    let t = Int64(tenths)
    return "\(t / 10).\(abs(t % 10))"
  }
}

/// A load-cell ADC driver: brings the chip up, reads conversions, converts them to newtons.
public protocol LoadCellDriver {
  /// What ``start()`` found and set up (updated on every restart).
  var report: LoadCellReport { get }
  /// Applied by ``readForce()``; set it from a stored calibration or with ``tare(samples:)``.
  var calibration: LoadCellCalibration { get set }
  /// Resets and configures the chip and waits for its first conversion.
  @discardableResult mutating func start() throws(LoadCellError) -> LoadCellReport
  /// Waits for the next conversion (up to the driver's timeout) and returns it in counts,
  /// sign-extended; nil when the driver deliberately dropped it (settling after a reset or a
  /// gain change): just call again.
  mutating func readRaw() throws(LoadCellError) -> Int32?
}

extension LoadCellDriver {
  /// The next conversion in newtons through ``calibration``; nil as for ``readRaw()``.
  public mutating func readForce() throws(LoadCellError) -> Double? {
    guard let raw = try readRaw() else { return nil }
    return calibration.newtons(fromCounts: raw)
  }

  /// The mean of `samples` conversions, skipping dropped ones (at most `samples + 8` tries).
  public mutating func averageRaw(samples: Int) throws(LoadCellError) -> Double {
    let wanted = max(1, samples)
    var sum = 0.0
    var got = 0
    var tries = 0
    while got < wanted {
      tries += 1
      if tries > wanted + 8 {
        throw .invalidState(
          "\(report.chip): only \(got) of \(wanted) conversions after \(tries - 1) tries")
      }
      if let raw = try readRaw() {
        sum += Double(raw)
        got += 1
      }
    }
    return sum / Double(wanted)
  }

  /// Zeroes the cell: the mean of `samples` conversions with nothing on it becomes the offset.
  public mutating func tare(samples: Int = 10) throws(LoadCellError) {
    calibration.offsetCounts = try averageRaw(samples: samples)
  }

  /// With `knownForceNewtons` applied (after ``tare(samples:)``), sets the scale so that the mean
  /// of `samples` conversions reads that force.
  public mutating func calibrateScale(knownForceNewtons: Double, samples: Int = 10)
    throws(LoadCellError)
  {
    let mean = try averageRaw(samples: samples)
    let span = mean - calibration.offsetCounts
    guard span != 0, knownForceNewtons.isFinite, knownForceNewtons != 0 else {
      throw .invalidState(
        "\(report.chip): cannot calibrate: \(knownForceNewtons) N changed the reading by \(span) counts"
      )
    }
    calibration.newtonsPerCount = knownForceNewtons / span
  }
}

/// Two's-complement 24-bit to Int32.
@inline(__always)
func signExtend24(_ raw: UInt32) -> Int32 {
  Int32(bitPattern: (raw & 0xFF_FFFF) << 8) >> 8
}

/// Why a 24-bit code is not a measurement: the ADC clips at its limits (overload, or a broken
/// bridge wire pulling an input to a rail). nil for a usable code.
func saturationReason(_ raw: UInt32) -> String? {
  switch raw & 0xFF_FFFF {
  case 0x7F_FFFF: return "positive full scale: input over range (overload or a broken bridge wire)"
  case 0x80_0000: return "negative full scale: input over range (overload or a broken bridge wire)"
  default: return nil
  }
}
