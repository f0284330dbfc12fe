import HAL

/// An NAU7802 load-cell ADC as its register file with side effects, for the ``EmulatedI2CBus``:
///
/// - PU_CTRL: RR resets every register (RR itself stays set until cleared); PUD powers the digital
///   part up and PUR follows ``powerUpDelayNanoseconds`` later; with PUD, PUA, PUR and CS set the
///   chip converts at the CTRL2 CRS rate, each finished conversion landing in ADCO and setting CR;
///   reading ADCO_B0 (the last byte of the burst) clears CR;
/// - CTRL2 CALS starts an internal offset calibration that ends ``calibrationPeriods`` conversion
///   periods later: CALS clears, OCAL1 holds the chip's own offset, which later conversions no
///   longer show (or CAL_ERR sets, when a failure is injected);
/// - the code is the ``LoadCellBridgeModel`` of the force at the CTRL1 gain (channel 1), plus the
///   chip's offset until calibrated; channel 2 is an input shorted by its capacitor.
///
/// Bus faults (no acknowledge, garbage, torn reads, a brown-out through `vanish`) come from the
/// bus's fault plan; the chip-level ones are below.
public final class EmulatedNAU7802: RegisterMappedEmulator {
  public typealias R = EmulatedNAU7802Registers

  public var registers: RegisterFile
  public var bridge: LoadCellBridgeModel
  public var forceSource: any ForceSource
  /// The ADC's own offset, counts at any gain, removed by the internal offset calibration.
  public var internalOffsetCounts: Double
  /// PUR follows PUD after this long (datasheet: about 200 µs).
  public var powerUpDelayNanoseconds: UInt64 = 200_000
  /// The internal offset calibration lasts this many conversion periods.
  public var calibrationPeriods: UInt64 = 4

  /// Conversions produced since power-on.
  public private(set) var conversions = 0
  /// The last code put into ADCO.
  public private(set) var lastCode: Int32 = 0
  /// Whether the internal offset calibration has run successfully since power-on.
  public private(set) var isOffsetCalibrated = false

  // Faults.
  /// The next calibration ends with CAL_ERR.
  public var failNextCalibration = false
  /// No conversion ever completes (CR never sets) while true.
  public var stallConversions = false
  /// What DEVICE_REV answers (0x0F for a real NAU7802).
  public var revisionRegister: UInt8 = 0x0F

  private var purAt: UInt64?
  private var calibrationEndsAt: UInt64?
  private var nextConversionAt: UInt64?
  private var random: SplitMix64

  public init(
    bridge: LoadCellBridgeModel = .init(), force: any ForceSource = ConstantForce(newtons: 0),
    internalOffsetCounts: Double = 3_000, seed: UInt64 = 0x7802
  ) {
    self.bridge = bridge
    self.forceSource = force
    self.internalOffsetCounts = internalOffsetCounts
    self.random = SplitMix64(seed: seed)
    registers = Self.makeRegisters()
  }

  static func makeRegisters() -> RegisterFile {
    // GCAL1 powers on as 0x00800000 (a gain of 1.0); DEVICE_REV is served by hostRead.
    var file = RegisterFile(
      powerOn: [0x07: 0x80], readOnly: [R.adco, R.adco + 1, R.adco + 2, R.deviceRev])
    file.writeMasks[Int(R.puCtrl)] = ~(R.pur | R.cr)
    file.writeMasks[Int(R.ctrl2)] = ~R.calErr
    return file
  }

  var periodNanoseconds: UInt64 {
    switch (registers[R.ctrl2] >> 4) & 0b111 {
    case 0: return 100_000_000
    case 1: return 50_000_000
    case 2: return 25_000_000
    case 3: return 12_500_000
    default: return 3_125_000
    }
  }

  public var gainFactor: Int { 1 << Int(registers[R.ctrl1] & 0b111) }
  public var samplesPerSecond: Int { Int(1_000_000_000 / periodNanoseconds) }

  public func powerOnReset(nowNanoseconds: UInt64) {
    registers = Self.makeRegisters()
    purAt = nil
    calibrationEndsAt = nil
    nextConversionAt = nil
    isOffsetCalibrated = false
  }

  public func advance(toNanoseconds now: UInt64) {
    if let t = purAt, now >= t {
      registers.setBit(R.puCtrl, 3, true)
      purAt = nil
    }
    if let t = calibrationEndsAt, now >= t {
      calibrationEndsAt = nil
      registers.setBit(R.ctrl2, 2, false)
      if failNextCalibration {
        failNextCalibration = false
        registers.setBit(R.ctrl2, 3, true)
      } else {
        registers.setBit(R.ctrl2, 3, false)
        isOffsetCalibrated = true
        let code =
          UInt32(bitPattern: LoadCellBridgeModel.saturate24(internalOffsetCounts)) & 0xFF_FFFF
        registers[R.ocal1] = UInt8(code >> 16)
        registers[R.ocal1 + 1] = UInt8(code >> 8 & 0xFF)
        registers[R.ocal1 + 2] = UInt8(code & 0xFF)
      }
    }
    guard isConverting else {
      nextConversionAt = nil
      return
    }
    if nextConversionAt == nil { nextConversionAt = now &+ periodNanoseconds }
    while let t = nextConversionAt, now >= t {
      if !stallConversions { convert(at: t) }
      nextConversionAt = t &+ periodNanoseconds
    }
  }

  /// PUD, PUA, PUR and CS all set, and no calibration running.
  var isConverting: Bool {
    let pu = registers[R.puCtrl]
    let on = R.pud | R.pua | R.pur | R.cs
    return pu & on == on && calibrationEndsAt == nil && pu & R.rr == 0
  }

  private func convert(at t: UInt64) {
    let channel2 = registers[R.ctrl2] & R.chs != 0
    let newtons = channel2 ? 0 : forceSource.force(atSeconds: Double(t) / 1e9)
    var model = bridge
    if channel2 { model.offsetCounts = 0 }
    let chipOffset = isOffsetCalibrated ? 0 : internalOffsetCounts
    let code = model.code(
      newtons: newtons, gain: gainFactor, extraOffsetCounts: chipOffset, random: &random)
    lastCode = code
    let u = UInt32(bitPattern: code) & 0xFF_FFFF
    registers[R.adco] = UInt8(u >> 16)
    registers[R.adco + 1] = UInt8(u >> 8 & 0xFF)
    registers[R.adco + 2] = UInt8(u & 0xFF)
    registers.setBit(R.puCtrl, 5, true)
    conversions += 1
  }

  public func hostRead(register: UInt8, nowNanoseconds: UInt64) -> UInt8 {
    switch register {
    case R.deviceRev: return revisionRegister
    case R.adco + 2:
      let v = registers[register]
      registers.setBit(R.puCtrl, 5, false)
      return v
    default: return registers[register]
    }
  }

  public func hostWrite(register: UInt8, value: UInt8, nowNanoseconds: UInt64) {
    switch register {
    case R.puCtrl:
      if value & R.rr != 0 {
        // Register reset: everything to power-on values, RR stays set.
        registers = Self.makeRegisters()
        registers[R.puCtrl] = R.rr
        purAt = nil
        calibrationEndsAt = nil
        nextConversionAt = nil
        isOffsetCalibrated = false
        return
      }
      let wasPUD = registers.bit(R.puCtrl, 1)
      let wasCS = registers.bit(R.puCtrl, 4)
      registers.hostWrite(register, value)
      let pud = value & R.pud != 0
      if pud && !wasPUD {
        purAt = nowNanoseconds &+ powerUpDelayNanoseconds
      } else if !pud {
        registers.setBit(R.puCtrl, 3, false)
        purAt = nil
      }
      if value & R.cs != 0 && !wasCS {
        // Cycle start: conversions run from here.
        nextConversionAt = nowNanoseconds &+ periodNanoseconds
      }
    case R.ctrl2:
      registers.hostWrite(register, value)
      if value & R.cals != 0 && calibrationEndsAt == nil {
        calibrationEndsAt = nowNanoseconds &+ calibrationPeriods * periodNanoseconds
        registers.setBit(R.ctrl2, 3, false)
      }
    default:
      registers.hostWrite(register, value)
    }
  }

  /// The code a noise-free, calibrated conversion of `newtons` gives at the configured gain.
  public func expectedCode(newtons: Double) -> Int32 {
    LoadCellBridgeModel.saturate24(
      (bridge.offsetCounts + newtons * bridge.countsPerNewton) * Double(gainFactor) / 128)
  }
}

/// The register addresses and bits the emulator uses (the same datasheet map as the driver's,
/// kept separate so that the emulator does not trust the code it tests).
public enum EmulatedNAU7802Registers {
  public static let puCtrl: UInt8 = 0x00
  public static let ctrl1: UInt8 = 0x01
  public static let ctrl2: UInt8 = 0x02
  public static let ocal1: UInt8 = 0x03
  public static let adco: UInt8 = 0x12
  public static let deviceRev: UInt8 = 0x1F
  public static let rr: UInt8 = 0x01
  public static let pud: UInt8 = 0x02
  public static let pua: UInt8 = 0x04
  public static let pur: UInt8 = 0x08
  public static let cs: UInt8 = 0x10
  public static let cr: UInt8 = 0x20
  public static let cals: UInt8 = 0x04
  public static let calErr: UInt8 = 0x08
  public static let chs: UInt8 = 0x80
}
