import HAL

/// HX711 settings. The sample rate is not programmable: the chip's RATE pin is wired low (10/s)
/// or high (80/s); tell the driver which so it can size its timeouts.
public struct HX711Configuration: Sendable, Equatable {
  /// Input channel and gain, chosen by the number of clock pulses after the 24 data bits; it
  /// applies to the next conversion.
  public enum Gain: Sendable, Equatable, CaseIterable {
    /// Channel A, gain 128: 25 pulses (the chip's state after reset).
    case channelA128
    /// Channel B, gain 32: 26 pulses.
    case channelB32
    /// Channel A, gain 64: 27 pulses.
    case channelA64

    /// Clock pulses per readout: 24 data bits plus 1–3 selecting this gain.
    public var pulses: Int {
      switch self {
      case .channelA128: return 25
      case .channelB32: return 26
      case .channelA64: return 27
      }
    }

    public var factor: Int {
      switch self {
      case .channelA128: return 128
      case .channelB32: return 32
      case .channelA64: return 64
      }
    }

    public var channel: String { self == .channelB32 ? "B" : "A" }
  }

  /// The RATE pin: 10 or 80 conversions per second.
  public enum Rate: Int, Sendable, Equatable, CaseIterable {
    case sps10 = 10
    case sps80 = 80

    public var periodNanoseconds: UInt64 { 1_000_000_000 / UInt64(rawValue) }
  }

  /// The chip powers down when PD_SCK stays high this long (datasheet: > 60 µs).
  public static let powerDownNanoseconds: UInt64 = 60_000
  /// The default limit on one high phase: 60 µs less a 10 µs margin. The driver brackets each
  /// high phase by clock readings taken before the rising edge and after the falling edge, so
  /// the measurement is an upper bound; the margin covers the clock's granularity and the part
  /// of a GPIO call that happens after the edge itself, so that a phase that really reached
  /// 60 µs is never accepted.
  public static let defaultHighPhaseLimitNanoseconds: UInt64 = 50_000

  public var gain: Gain
  public var rate: Rate
  /// Read three conversions and return their median: one spike (a preemption that stayed under
  /// the limit, a glitch) cannot pass. Triples the time per reading.
  public var medianOfThree: Bool
  /// A high phase at or above this is an overrun and the sample is discarded. Must be below
  /// ``powerDownNanoseconds``.
  public var highPhaseLimitNanoseconds: UInt64
  /// How long to wait for DOUT to go low. nil: six conversion periods (and at least 100 ms),
  /// which covers the four-period settling after a reset.
  public var readyTimeoutNanoseconds: UInt64?
  /// Time between DOUT polls while waiting for data.
  public var pollIntervalNanoseconds: UInt64
  /// Extra time to hold PD_SCK high in each pulse. 0 on Linux: a GPIO call already lasts far
  /// longer than the 0.2 µs the chip needs, and a sleep that short would overshoot by tens of
  /// microseconds.
  public var pulseHoldNanoseconds: UInt64

  public init(
    gain: Gain = .channelA128, rate: Rate = .sps10, medianOfThree: Bool = false,
    highPhaseLimitNanoseconds: UInt64 = HX711Configuration.defaultHighPhaseLimitNanoseconds,
    readyTimeoutNanoseconds: UInt64? = nil, pollIntervalNanoseconds: UInt64 = 500_000,
    pulseHoldNanoseconds: UInt64 = 0
  ) {
    self.gain = gain
    self.rate = rate
    self.medianOfThree = medianOfThree
    self.highPhaseLimitNanoseconds = highPhaseLimitNanoseconds
    self.readyTimeoutNanoseconds = readyTimeoutNanoseconds
    self.pollIntervalNanoseconds = pollIntervalNanoseconds
    self.pulseHoldNanoseconds = pulseHoldNanoseconds
  }

  /// The timeout in force.
  public var effectiveReadyTimeoutNanoseconds: UInt64 {
    readyTimeoutNanoseconds ?? max(6 * rate.periodNanoseconds, 100_000_000)
  }
}

/// What the HX711 driver has seen so far, for logs and benchmarks.
public struct HX711Statistics: Sendable, Equatable {
  /// Conversions read out completely (good or not).
  public var readouts = 0
  /// Samples discarded for an overlong high phase.
  public var timingOverruns = 0
  /// All-ones samples rejected.
  public var invalidSamples = 0
  /// Conversions dropped on purpose (taken at the wrong gain after a reset or gain change).
  public var settlingDiscards = 0
  /// Waits for DOUT that timed out.
  public var readyTimeouts = 0
  /// The longest high phase measured, ns.
  public var longestHighPhaseNanoseconds: UInt64 = 0

  public init() {}
}

/// The HX711 24-bit load-cell ADC, bit-banged on two GPIO lines: PD_SCK (an output the host
/// drives) and DOUT (an input, low when a conversion is ready).
///
/// Timing policy: every high phase of PD_SCK is timed with the injected clock; one that reaches
/// ``HX711Configuration/highPhaseLimitNanoseconds`` makes the readout fail with
/// ``LoadCellError/timingOverrun(measuredMicroseconds:limitMicroseconds:)`` (the chip may have
/// powered down mid-read and shifted out garbage), after which the next conversion is dropped if
/// it may have been taken at the post-reset gain. All-ones samples are rejected, and an optional
/// median of three removes single spikes.
public struct HX711Driver<Clock: DelayClock, ClockLine: GPIOOutputLine, DataLine: GPIOInputLine>:
  LoadCellDriver
{
  public private(set) var configuration: HX711Configuration
  public var calibration: LoadCellCalibration
  public private(set) var report: LoadCellReport
  public private(set) var statistics = HX711Statistics()
  /// Whether PD_SCK is held high (the chip is in power-down).
  public private(set) var isPoweredDown = false

  private let clock: Clock
  private var sck: ClockLine
  private var dout: DataLine
  /// Conversions to drop before returning data (taken at a gain other than the configured one).
  private var pendingDiscards = 0

  /// - Parameters:
  ///   - clockLine: PD_SCK, requested as an output, initially low.
  ///   - dataLine: DOUT, requested as an input (edge detection is not needed).
  public init(
    clock: Clock, clockLine: ClockLine, dataLine: DataLine,
    configuration: HX711Configuration = .init(),
    calibration: LoadCellCalibration = .init(), interface: String = "GPIO PD_SCK/DOUT"
  ) {
    self.clock = clock
    self.sck = clockLine
    self.dout = dataLine
    self.configuration = configuration
    self.calibration = calibration
    self.report = LoadCellReport(
      chip: "HX711", interface: interface, gain: configuration.gain.factor,
      samplesPerSecond: configuration.rate.rawValue)
  }

  /// Power-cycles the chip (PD_SCK high for 120 µs, then low: a reset to channel A gain 128),
  /// waits for the first conversion and clocks it out with the configured gain's pulses.
  @discardableResult
  public mutating func start() throws(LoadCellError) -> LoadCellReport {
    guard configuration.highPhaseLimitNanoseconds < HX711Configuration.powerDownNanoseconds else {
      throw .invalidState(
        "HX711: high-phase limit \(configuration.highPhaseLimitNanoseconds) ns must be below the 60 µs power-down time"
      )
    }
    try powerDown()
    try powerUp()
    let began = clock.nowNanoseconds
    try waitForDataReady()
    let readyAfter = clock.nowNanoseconds &- began
    // The first conversion after reset is at channel A gain 128; this readout sets the gain.
    let first = try readConversion()
    var detected = ["DOUT low \(readyAfter / 1_000_000) ms after reset"]
    if let first { detected.append("first conversion \(first) counts") }
    report = LoadCellReport(
      chip: "HX711", interface: report.interface, gain: configuration.gain.factor,
      samplesPerSecond: configuration.rate.rawValue, detected: detected,
      configured: [
        "channel \(configuration.gain.channel), gain \(configuration.gain.factor) (\(configuration.gain.pulses) pulses)",
        "\(configuration.rate.rawValue) samples/s (RATE pin)",
        "high phase limit \(configuration.highPhaseLimitNanoseconds / 1_000) µs",
        configuration.medianOfThree ? "median of 3" : "single conversions",
      ])
    return report
  }

  /// Holds PD_SCK high past 60 µs: the chip stops converting and draws under 1 µA.
  public mutating func powerDown() throws(LoadCellError) {
    do {
      try sck.set(high: true)
    } catch {
      throw .gpio(error)
    }
    clock.delay(nanoseconds: 2 * HX711Configuration.powerDownNanoseconds)
    isPoweredDown = true
  }

  /// Brings PD_SCK low: the chip resets to channel A gain 128 and starts converting; the
  /// conversion after the next readout uses the configured gain again.
  public mutating func powerUp() throws(LoadCellError) {
    do {
      try sck.set(high: false)
    } catch {
      throw .gpio(error)
    }
    isPoweredDown = false
    pendingDiscards = configuration.gain == .channelA128 ? 0 : 1
  }

  /// Changes channel and gain; the conversion already under way is dropped.
  public mutating func setGain(_ gain: HX711Configuration.Gain) {
    guard gain != configuration.gain else { return }
    configuration.gain = gain
    pendingDiscards = max(pendingDiscards, 1)
    report.gain = gain.factor
  }

  public mutating func readRaw() throws(LoadCellError) -> Int32? {
    guard configuration.medianOfThree else { return try readOne() }
    var values: (Int32, Int32, Int32) = (0, 0, 0)
    var got = 0
    var tries = 0
    while got < 3 {
      tries += 1
      if tries > 6 { return nil }
      guard let v = try readOne() else { continue }
      switch got {
      case 0: values.0 = v
      case 1: values.1 = v
      default: values.2 = v
      }
      got += 1
    }
    return Self.median(values.0, values.1, values.2)
  }

  /// After a reset the chip converts at channel A gain 128 until a readout selects the gain
  /// again, so with another gain configured the next conversion is dropped.
  private mutating func assumeChipMayHaveReset() {
    if configuration.gain != .channelA128 { pendingDiscards = max(pendingDiscards, 1) }
  }

  static func median(_ a: Int32, _ b: Int32, _ c: Int32) -> Int32 {
    max(min(a, b), min(max(a, b), c))
  }

  private mutating func readOne() throws(LoadCellError) -> Int32? {
    guard !isPoweredDown else { throw .invalidState("HX711 is powered down: call powerUp() first") }
    try waitForDataReady()
    return try readConversion()
  }

  private mutating func waitForDataReady() throws(LoadCellError) {
    let timeout = configuration.effectiveReadyTimeoutNanoseconds
    let began = clock.nowNanoseconds
    while true {
      let high: Bool
      do {
        high = try dout.isHigh()
      } catch {
        throw .gpio(error)
      }
      if !high { return }
      let waited = clock.nowNanoseconds &- began
      if waited >= timeout {
        statistics.readyTimeouts += 1
        // A chip that comes back (power restored, cable reseated) has reset to channel A
        // gain 128: its first conversion may be at the wrong gain.
        assumeChipMayHaveReset()
        throw .dataReadyTimeout(chip: "HX711", waitedMicroseconds: waited / 1_000)
      }
      clock.delay(nanoseconds: min(configuration.pollIntervalNanoseconds, timeout - waited))
    }
  }

  /// Clocks out one conversion (DOUT is already low) and checks it.
  private mutating func readConversion() throws(LoadCellError) -> Int32? {
    let pulses = configuration.gain.pulses
    let limit = configuration.highPhaseLimitNanoseconds
    var raw: UInt32 = 0
    var longest: UInt64 = 0
    let began = clock.nowNanoseconds
    do {
      for pulse in 0..<pulses {
        let rise = clock.nowNanoseconds
        try sck.set(high: true)
        if configuration.pulseHoldNanoseconds > 0 {
          clock.delay(nanoseconds: configuration.pulseHoldNanoseconds)
        }
        // Each rising edge shifts the next bit out, MSB first; it is valid 0.1 µs later.
        if pulse < 24 {
          let bit: UInt32 = try dout.isHigh() ? 1 : 0
          raw = raw << 1 | bit
        }
        try sck.set(high: false)
        longest = max(longest, clock.nowNanoseconds &- rise)
      }
    } catch {
      // A failed GPIO call may leave PD_SCK high: the chip then powers down and resets.
      assumeChipMayHaveReset()
      throw .gpio(error)
    }
    let duration = clock.nowNanoseconds &- began
    statistics.readouts += 1
    statistics.longestHighPhaseNanoseconds = max(statistics.longestHighPhaseNanoseconds, longest)

    // The pulses go out in full even after an overrun, so a chip that did not power down gets
    // its gain; one that did has reset to channel A gain 128, so the next conversion may be at
    // the wrong gain.
    if longest >= limit {
      statistics.timingOverruns += 1
      assumeChipMayHaveReset()
      throw .timingOverrun(
        measuredMicroseconds: Double(longest) / 1_000, limitMicroseconds: Double(limit) / 1_000)
    }
    if raw == 0xFF_FFFF {
      statistics.invalidSamples += 1
      throw .invalidSample(
        raw: raw,
        reason: "all ones: DOUT was high throughout (chip powered down, reset or disconnected)")
    }
    if let reason = saturationReason(raw) {
      statistics.invalidSamples += 1
      throw .invalidSample(raw: raw, reason: reason)
    }
    // The 25th pulse pulls DOUT high until the next conversion, which is at least a period
    // away after a quick readout. DOUT still low after an all-zero readout is a floating or
    // grounded line, not a chip.
    if raw == 0 && duration < configuration.rate.periodNanoseconds / 2 {
      let stillLow: Bool
      do {
        stillLow = try !dout.isHigh()
      } catch {
        throw .gpio(error)
      }
      if stillLow {
        assumeChipMayHaveReset()
        throw .noResponse(
          chip: "HX711",
          detail: "DOUT stayed low through and after the readout (line floating low or chip absent)"
        )
      }
    }
    if pendingDiscards > 0 {
      pendingDiscards -= 1
      statistics.settlingDiscards += 1
      return nil
    }
    return signExtend24(raw)
  }
}
