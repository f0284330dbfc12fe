import HAL

/// The NAU7802's registers and bits (Nuvoton NAU7802 datasheet, register map).
public enum NAU7802Register {
  public static let address: UInt8 = 0x2A

  /// PU_CTRL: RR(0) PUD(1) PUA(2) PUR(3, read-only) CS(4) CR(5, read-only) OSCS(6) AVDDS(7).
  public static let puCtrl: UInt8 = 0x00
  /// CTRL1: GAINS(2:0) VLDO(5:3) DRDY_SEL(6) CRP(7).
  public static let ctrl1: UInt8 = 0x01
  /// CTRL2: CALMOD(1:0) CALS(2) CAL_ERR(3) CRS(6:4) CHS(7).
  public static let ctrl2: UInt8 = 0x02
  /// OCAL1_B2…B0: channel 1 offset calibration, 24-bit.
  public static let ocal1: UInt8 = 0x03
  /// ADCO_B2…B0: the conversion result, 24-bit two's complement, MSB first.
  public static let adco: UInt8 = 0x12
  /// ADC: REG_CHPS(5:4), 0b11 turns the chopper clock off.
  public static let adc: UInt8 = 0x15
  /// PGA: LDOMODE(6) and friends.
  public static let pga: UInt8 = 0x1B
  /// PWR_CTRL: PGA_CAP_EN(7), the decoupling capacitor on the unused channel 2 inputs.
  public static let pwrCtrl: UInt8 = 0x1C
  /// DEVICE_REV: REVISION_ID in bits 3:0, 0xF.
  public static let deviceRev: UInt8 = 0x1F

  public static let rr: UInt8 = 1 << 0
  public static let pud: UInt8 = 1 << 1
  public static let pua: UInt8 = 1 << 2
  public static let pur: UInt8 = 1 << 3
  public static let cs: UInt8 = 1 << 4
  public static let cr: UInt8 = 1 << 5
  public static let avdds: UInt8 = 1 << 7

  public static let cals: UInt8 = 1 << 2
  public static let calErr: UInt8 = 1 << 3
  public static let chs: UInt8 = 1 << 7

  public static let regChpsOff: UInt8 = 0b11 << 4
  public static let pgaCapEnable: UInt8 = 1 << 7

  public static let revisionID: UInt8 = 0x0F
}

/// NAU7802 settings.
public struct NAU7802Configuration: Sendable, Equatable {
  /// PGA gain, CTRL1 GAINS.
  public enum Gain: Int, Sendable, Equatable, CaseIterable {
    case x1 = 1
    case x2 = 2
    case x4 = 4
    case x8 = 8
    case x16 = 16
    case x32 = 32
    case x64 = 64
    case x128 = 128

    /// GAINS field: log2 of the gain.
    public var bits: UInt8 { UInt8(rawValue.trailingZeroBitCount) }
  }

  /// Conversion rate, CTRL2 CRS.
  public enum Rate: Int, Sendable, Equatable, CaseIterable {
    case sps10 = 10
    case sps20 = 20
    case sps40 = 40
    case sps80 = 80
    case sps320 = 320

    public var bits: UInt8 {
      switch self {
      case .sps10: return 0
      case .sps20: return 1
      case .sps40: return 2
      case .sps80: return 3
      case .sps320: return 7
      }
    }

    public var periodNanoseconds: UInt64 { 1_000_000_000 / UInt64(rawValue) }
  }

  /// The internal LDO's output (AVDD for the bridge), CTRL1 VLDO. Keep it at least 0.3 V below
  /// the supply.
  public enum LDOVoltage: Int, Sendable, Equatable, CaseIterable {
    case mV2400 = 2400
    case mV2700 = 2700
    case mV3000 = 3000
    case mV3300 = 3300
    case mV3600 = 3600
    case mV3900 = 3900
    case mV4200 = 4200
    case mV4500 = 4500

    public var bits: UInt8 {
      switch self {
      case .mV4500: return 0
      case .mV4200: return 1
      case .mV3900: return 2
      case .mV3600: return 3
      case .mV3300: return 4
      case .mV3000: return 5
      case .mV2700: return 6
      case .mV2400: return 7
      }
    }

    public var volts: Double { Double(rawValue) / 1_000 }
  }

  public var gain: Gain
  public var rate: Rate
  /// nil: AVDD comes from outside (AVDDS = 0).
  public var ldo: LDOVoltage?
  /// 1 or 2 (CTRL2 CHS).
  public var channel: Int
  /// Turns on the capacitor across the channel 2 inputs; recommended when only channel 1 is used.
  public var pgaCapacitorOnChannel2: Bool
  /// Runs the internal offset calibration (CALMOD 00, CALS) during ``NAU7802Driver/start()``.
  public var calibrateOffset: Bool
  /// How long to wait for PUR after PUD.
  public var powerUpTimeoutNanoseconds: UInt64
  /// How long to wait for CR. nil: eight conversion periods (and at least 50 ms).
  public var readyTimeoutNanoseconds: UInt64?
  /// How long to wait for CALS to clear. nil: twenty conversion periods (and at least 200 ms).
  public var calibrationTimeoutNanoseconds: UInt64?
  /// Time between polls of CR, PUR and CALS.
  public var pollIntervalNanoseconds: UInt64

  public init(
    gain: Gain = .x128, rate: Rate = .sps80, ldo: LDOVoltage? = .mV3300, channel: Int = 1,
    pgaCapacitorOnChannel2: Bool = true, calibrateOffset: Bool = true,
    powerUpTimeoutNanoseconds: UInt64 = 10_000_000, readyTimeoutNanoseconds: UInt64? = nil,
    calibrationTimeoutNanoseconds: UInt64? = nil, pollIntervalNanoseconds: UInt64 = 500_000
  ) {
    self.gain = gain
    self.rate = rate
    self.ldo = ldo
    self.channel = channel
    self.pgaCapacitorOnChannel2 = pgaCapacitorOnChannel2
    self.calibrateOffset = calibrateOffset
    self.powerUpTimeoutNanoseconds = powerUpTimeoutNanoseconds
    self.readyTimeoutNanoseconds = readyTimeoutNanoseconds
    self.calibrationTimeoutNanoseconds = calibrationTimeoutNanoseconds
    self.pollIntervalNanoseconds = pollIntervalNanoseconds
  }

  public var effectiveReadyTimeoutNanoseconds: UInt64 {
    readyTimeoutNanoseconds ?? max(8 * rate.periodNanoseconds, 50_000_000)
  }

  public var effectiveCalibrationTimeoutNanoseconds: UInt64 {
    calibrationTimeoutNanoseconds ?? max(20 * rate.periodNanoseconds, 200_000_000)
  }
}

/// The NAU7802 24-bit load-cell ADC on I2C (address 0x2A).
///
/// ``start()`` follows the datasheet's power-up sequence: RR reset, PUD, wait for PUR, check
/// REVISION_ID, PUA (with the internal LDO if configured), gain, rate, channel, chopper clock
/// off, PGA capacitor, internal offset calibration (CALS, then CAL_ERR), cycle start (CS).
/// ``readRaw()`` waits for CR and reads ADCO in one burst. A chip that lost power mid-run shows
/// PUR clear: the read throws ``LoadCellError/chipReset(chip:detail:)`` and the next one sets
/// the chip up again.
public struct NAU7802Driver<Bus: I2CBus, Clock: DelayClock>: LoadCellDriver {
  public private(set) var configuration: NAU7802Configuration
  public var calibration: LoadCellCalibration
  public private(set) var report: LoadCellReport
  public let address: UInt8
  /// Whether ``start()`` has to run (again) before the next read.
  public private(set) var needsStart = true
  /// Times the driver set the chip up again after a reset or a failed start.
  public private(set) var resetsRecovered = 0

  /// The bus the driver owns (for a scripted bus: check it with `finish()` after a test).
  public private(set) var bus: Bus
  private let clock: Clock

  public init(
    bus: Bus, clock: Clock, address: UInt8 = NAU7802Register.address,
    configuration: NAU7802Configuration = .init(), calibration: LoadCellCalibration = .init()
  ) {
    self.bus = bus
    self.clock = clock
    self.address = address
    self.configuration = configuration
    self.calibration = calibration
    self.report = LoadCellReport(
      chip: "NAU7802", interface: Self.interfaceName(address), gain: configuration.gain.rawValue,
      samplesPerSecond: configuration.rate.rawValue)
  }

  static func interfaceName(_ address: UInt8) -> String {
    "I2C 0x" + String(address, radix: 16, uppercase: true)
  }

  @discardableResult
  public mutating func start() throws(LoadCellError) -> LoadCellReport {
    let c = configuration
    guard c.channel == 1 || c.channel == 2 else {
      throw .invalidState("NAU7802: channel \(c.channel) does not exist (1 or 2)")
    }
    needsStart = true
    var detected: [String] = []
    typealias R = NAU7802Register

    // Register reset, then digital power-up; PUR says the chip is ready.
    try write(R.puCtrl, R.rr, "register reset (RR)")
    try write(R.puCtrl, R.pud, "digital power-up (PUD)")
    let began = clock.nowNanoseconds
    while true {
      if try read(R.puCtrl, "PU_CTRL (waiting for PUR)") & R.pur != 0 { break }
      let waited = clock.nowNanoseconds &- began
      if waited >= c.powerUpTimeoutNanoseconds {
        throw .powerUpTimeout(chip: "NAU7802", waitedMicroseconds: waited / 1_000)
      }
      // PUR comes about 200 µs after PUD: poll finer than for conversions.
      clock.delay(nanoseconds: min(100_000, c.powerUpTimeoutNanoseconds - waited))
    }
    detected.append("power-up ready (PUR) after \((clock.nowNanoseconds &- began) / 1_000) µs")

    let rev = try read(R.deviceRev, "DEVICE_REV")
    guard rev & 0x0F == R.revisionID else {
      throw .unexpectedChip(
        chip: "NAU7802",
        detail: "REVISION_ID is 0x\(String(rev & 0x0F, radix: 16, uppercase: true)), expected 0xF "
          + "(another device answers at \(Self.interfaceName(address)))")
    }
    detected.append("REVISION_ID 0xF")

    // Analog power-up, with AVDD from the internal LDO when configured.
    var pu = R.pud | R.pua
    if c.ldo != nil { pu |= R.avdds }
    try write(R.puCtrl, pu, "analog power-up (PUA)")
    try write(R.ctrl1, (c.ldo?.bits ?? 0) << 3 | c.gain.bits, "CTRL1 (gain, LDO)")
    let ctrl2 = c.rate.bits << 4 | (c.channel == 2 ? R.chs : 0)
    try write(R.ctrl2, ctrl2, "CTRL2 (rate, channel)")
    let adc = try read(R.adc, "ADC register")
    try write(R.adc, adc | R.regChpsOff, "ADC register (chopper clock off)")
    let pwr = try read(R.pwrCtrl, "PWR_CTRL")
    let cap = c.pgaCapacitorOnChannel2 && c.channel == 1
    try write(
      R.pwrCtrl, cap ? pwr | R.pgaCapEnable : pwr & ~R.pgaCapEnable, "PWR_CTRL (PGA capacitor)")

    if c.calibrateOffset {
      let calBegan = clock.nowNanoseconds
      try write(R.ctrl2, ctrl2 | R.cals, "CTRL2 (start internal offset calibration, CALS)")
      var status: UInt8
      while true {
        status = try read(R.ctrl2, "CTRL2 (waiting for CALS to clear)")
        if status & R.cals == 0 { break }
        let waited = clock.nowNanoseconds &- calBegan
        if waited >= c.effectiveCalibrationTimeoutNanoseconds {
          throw .calibrationFailed(
            chip: "NAU7802", detail: "CALS still set after \(waited / 1_000_000) ms")
        }
        clock.delay(
          nanoseconds: min(
            c.pollIntervalNanoseconds, c.effectiveCalibrationTimeoutNanoseconds - waited))
      }
      guard status & R.calErr == 0 else {
        throw .calibrationFailed(
          chip: "NAU7802", detail: "CAL_ERR set after the internal offset calibration")
      }
      let ocal = try readBurst(R.ocal1, 3, "OCAL1")
      let offset = signExtend24(UInt32(ocal[0]) << 16 | UInt32(ocal[1]) << 8 | UInt32(ocal[2]))
      detected.append(
        "internal offset calibration in \((clock.nowNanoseconds &- calBegan) / 1_000_000) ms (OCAL1 \(offset))"
      )
    }

    try write(R.puCtrl, pu | R.cs, "cycle start (CS)")
    needsStart = false
    // The first conversion shows the chip converts; it is not returned.
    let first = try readConversion()
    detected.append("first conversion \(first) counts")

    var configured = [
      "gain \(c.gain.rawValue)", "\(c.rate.rawValue) samples/s", "channel \(c.channel)",
    ]
    if let ldo = c.ldo {
      configured.append("internal LDO \(ldo.volts) V")
    } else {
      configured.append("external AVDD")
    }
    configured.append("chopper clock off")
    configured.append(cap ? "PGA capacitor on channel 2" : "no PGA capacitor")
    if !c.calibrateOffset { configured.append("no offset calibration") }
    report = LoadCellReport(
      chip: "NAU7802", interface: Self.interfaceName(address), gain: c.gain.rawValue,
      samplesPerSecond: c.rate.rawValue, detected: detected, configured: configured)
    return report
  }

  /// Applies new settings by setting the chip up again: the datasheet asks for a fresh offset
  /// calibration after any change of gain, rate or channel.
  @discardableResult
  public mutating func reconfigure(_ configuration: NAU7802Configuration) throws(LoadCellError)
    -> LoadCellReport
  {
    self.configuration = configuration
    return try start()
  }

  public mutating func readRaw() throws(LoadCellError) -> Int32? {
    if needsStart {
      let recovering = report.detected.isEmpty == false
      try start()
      if recovering { resetsRecovered += 1 }
    }
    return try readConversion()
  }

  private mutating func readConversion() throws(LoadCellError) -> Int32 {
    typealias R = NAU7802Register
    let timeout = configuration.effectiveReadyTimeoutNanoseconds
    let began = clock.nowNanoseconds
    while true {
      let pu = try read(R.puCtrl, "PU_CTRL (waiting for CR)")
      // After a brown-out every register is back at its power-on value: PUD and PUR clear.
      if pu & (R.pud | R.pur) != (R.pud | R.pur) {
        needsStart = true
        throw .chipReset(
          chip: "NAU7802",
          detail:
            "PU_CTRL reads 0x\(String(pu, radix: 16, uppercase: true)) (PUD/PUR clear): power was lost; "
            + "setting it up again on the next read")
      }
      if pu & R.cr != 0 { break }
      let waited = clock.nowNanoseconds &- began
      if waited >= timeout {
        throw .dataReadyTimeout(chip: "NAU7802", waitedMicroseconds: waited / 1_000)
      }
      clock.delay(nanoseconds: min(configuration.pollIntervalNanoseconds, timeout - waited))
    }
    let b = try readBurst(R.adco, 3, "ADCO")
    let raw = UInt32(b[0]) << 16 | UInt32(b[1]) << 8 | UInt32(b[2])
    if let reason = saturationReason(raw) { throw .invalidSample(raw: raw, reason: reason) }
    return signExtend24(raw)
  }

  // MARK: Register access, every failure naming the register and the step

  private mutating func write(_ register: UInt8, _ value: UInt8, _ what: String)
    throws(LoadCellError)
  {
    do {
      try bus.writeRegister(address: address, register, value)
    } catch {
      throw .i2c(Self.annotate(error, "writing \(what)"))
    }
  }

  private mutating func read(_ register: UInt8, _ what: String) throws(LoadCellError) -> UInt8 {
    try readBurst(register, 1, what)[0]
  }

  private mutating func readBurst(_ register: UInt8, _ count: Int, _ what: String)
    throws(LoadCellError) -> [UInt8]
  {
    do {
      return try bus.readRegisters(address: address, from: register, count: count)
    } catch {
      throw .i2c(Self.annotate(error, "reading \(what)"))
    }
  }

  static func annotate(_ error: I2CError, _ step: String) -> I2CError {
    var e = error
    e.detail = e.detail.isEmpty ? "NAU7802 \(step)" : "NAU7802 \(step): \(e.detail)"
    return e
  }
}
