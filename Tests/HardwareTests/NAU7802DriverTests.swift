import ChipEmulators
import HAL
import SensorDrivers
import XCTest

final class NAU7802DriverTests: XCTestCase {
  typealias E = ScriptedI2CBus.Expectation
  let a: UInt8 = 0x2A

  /// The datasheet's power-up sequence, byte for byte, for gain 128, 80 SPS, LDO 3.3 V, channel 1.
  func powerUpScript(revision: UInt8 = 0x0F, ctrl2AfterCalibration: UInt8 = 0x30) -> [E] {
    [
      .writeRegister(a, 0x00, 0x01),  // RR
      .writeRegister(a, 0x00, 0x02),  // RR = 0, PUD
      .readRegisters(a, from: 0x00, returns: [0x02]),  // PUR not yet
      .readRegisters(a, from: 0x00, returns: [0x0A]),  // PUD | PUR
      .readRegisters(a, from: 0x1F, returns: [revision]),
      .writeRegister(a, 0x00, 0x86),  // AVDDS | PUA | PUD
      .writeRegister(a, 0x01, 0x27),  // VLDO 3.3 V = 0b100, GAINS 128 = 0b111
      .writeRegister(a, 0x02, 0x30),  // CRS 80 SPS = 0b011, channel 1
      .readRegisters(a, from: 0x15, returns: [0x00]),
      .writeRegister(a, 0x15, 0x30),  // REG_CHPS = 0b11: chopper clock off
      .readRegisters(a, from: 0x1C, returns: [0x00]),
      .writeRegister(a, 0x1C, 0x80),  // PGA_CAP_EN
      .writeRegister(a, 0x02, 0x34),  // CALS
      .readRegisters(a, from: 0x02, returns: [0x34]),  // still calibrating
      .readRegisters(a, from: 0x02, returns: [ctrl2AfterCalibration]),
    ]
  }

  func afterCalibrationScript() -> [E] {
    [
      .readRegisters(a, from: 0x03, returns: [0xFF, 0xFF, 0x9C]),  // OCAL1 = −100
      .writeRegister(a, 0x00, 0x96),  // CS
      .readRegisters(a, from: 0x00, returns: [0x9E]),  // no CR yet
      .readRegisters(a, from: 0x00, returns: [0xBE]),  // CR
      .readRegisters(a, from: 0x12, returns: [0x00, 0x10, 0x00]),
    ]
  }

  func testPowerUpSequenceFollowsTheDatasheet() throws {
    var bus = ScriptedI2CBus(powerUpScript() + afterCalibrationScript())
    bus.expect([
      .readRegisters(a, from: 0x00, returns: [0xBE]),
      .readRegisters(a, from: 0x12, returns: [0xFF, 0xFF, 0xFE]),
    ])
    let clock = VirtualClock()
    var driver = NAU7802Driver(
      bus: bus, clock: clock, configuration: NAU7802Configuration(gain: .x128, rate: .sps80))
    let report = try driver.start()
    XCTAssertTrue(report.detected.contains("REVISION_ID 0xF"), "\(report)")
    XCTAssertTrue(report.detected.contains { $0.contains("OCAL1 -100") }, "\(report)")
    XCTAssertTrue(report.detected.contains("first conversion 4096 counts"), "\(report)")
    XCTAssertTrue(report.configured.contains("internal LDO 3.3 V"), "\(report)")
    XCTAssertEqual(try driver.readRaw(), -2, "ADCO is 24-bit two's complement")
    XCTAssertNoThrow(try driver.bus.finish(), "every scripted transaction was made, in order")
  }

  func testWrongRevisionIsAnotherChip() {
    let bus = ScriptedI2CBus(Array(powerUpScript(revision: 0x05).prefix(5)))
    var driver = NAU7802Driver(bus: bus, clock: VirtualClock())
    XCTAssertThrowsError(try driver.start()) { error in
      guard case .unexpectedChip(_, let detail)? = error as? LoadCellError else {
        return XCTFail("\(error)")
      }
      XCTAssertTrue(detail.contains("0x5"), detail)
      XCTAssertTrue(detail.contains("0x2A"), detail)
    }
  }

  func testCalibrationErrorIsReported() {
    let bus = ScriptedI2CBus(powerUpScript(ctrl2AfterCalibration: 0x38))  // CAL_ERR
    var driver = NAU7802Driver(
      bus: bus, clock: VirtualClock(), configuration: .init(gain: .x128, rate: .sps80))
    XCTAssertThrowsError(try driver.start()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .calibrationFailed)
    }
  }

  func testABusErrorNamesTheStep() {
    let bus = ScriptedI2CBus([
      .failing(
        a, [.write([0x00, 0x01])], with: I2CError(.noAcknowledgeAddress, address: a, errno: 6))
    ])
    var driver = NAU7802Driver(bus: bus, clock: VirtualClock())
    XCTAssertThrowsError(try driver.start()) { error in
      guard case .i2c(let e)? = error as? LoadCellError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.kind, .noAcknowledgeAddress)
      XCTAssertTrue(e.detail.contains("register reset"), e.detail)
    }
  }

  func testFullScaleConversionIsOverRange() throws {
    var bus = ScriptedI2CBus(powerUpScript() + afterCalibrationScript())
    bus.expect([
      .readRegisters(a, from: 0x00, returns: [0xBE]),
      .readRegisters(a, from: 0x12, returns: [0x7F, 0xFF, 0xFF]),
    ])
    var driver = NAU7802Driver(
      bus: bus, clock: VirtualClock(), configuration: .init(gain: .x128, rate: .sps80))
    try driver.start()
    XCTAssertThrowsError(try driver.readRaw()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .invalidSample)
    }
  }

  // MARK: On the emulated chip

  func makeRig(_ configuration: NAU7802Configuration, newtons: Double = 30)
    -> (VirtualClock, EmulatedI2CBus, EmulatedNAU7802, NAU7802Driver<EmulatedI2CBus, VirtualClock>)
  {
    let clock = VirtualClock()
    let bus = EmulatedI2CBus(clock: clock)
    let chip = EmulatedNAU7802(
      bridge: LoadCellBridgeModel(countsPerNewton: 1_000, offsetCounts: 4_000),
      force: ConstantForce(newtons: newtons),
      internalOffsetCounts: 2_500)
    bus.attach(chip, at: 0x2A)
    return (clock, bus, chip, NAU7802Driver(bus: bus, clock: clock, configuration: configuration))
  }

  func testEveryGainAndRateReachesTheChip() throws {
    for gain in NAU7802Configuration.Gain.allCases {
      for rate in NAU7802Configuration.Rate.allCases {
        var (_, _, chip, driver) = makeRig(NAU7802Configuration(gain: gain, rate: rate))
        let report = try driver.start()
        XCTAssertEqual(chip.gainFactor, gain.rawValue)
        XCTAssertEqual(chip.samplesPerSecond, rate.rawValue)
        XCTAssertEqual(report.samplesPerSecond, rate.rawValue)
        // (4000 + 30 × 1000) × gain / 128, the chip's own offset calibrated away
        let expected = Int32((34_000 * Double(gain.rawValue) / 128).rounded())
        XCTAssertEqual(
          try driver.readRaw(), expected, "gain \(gain.rawValue), \(rate.rawValue) SPS")
      }
    }
  }

  func testInternalOffsetCalibrationRemovesTheChipOffset() throws {
    var (_, _, chip, calibrated) = makeRig(NAU7802Configuration(gain: .x128, calibrateOffset: true))
    try calibrated.start()
    XCTAssertTrue(chip.isOffsetCalibrated)
    XCTAssertEqual(try calibrated.readRaw(), 34_000)

    var (_, _, rawChip, uncalibrated) = makeRig(
      NAU7802Configuration(gain: .x128, calibrateOffset: false))
    try uncalibrated.start()
    XCTAssertFalse(rawChip.isOffsetCalibrated)
    XCTAssertEqual(try uncalibrated.readRaw(), 34_000 + 2_500)
  }

  func testEachReadIsAFreshConversion() throws {
    var (_, _, chip, driver) = makeRig(NAU7802Configuration(rate: .sps320))
    try driver.start()
    let before = chip.conversions
    for _ in 0..<5 { _ = try driver.readRaw() }
    XCTAssertEqual(
      chip.conversions - before, 5, "CR clears on reading ADCO, so each read waits for a new one")
  }

  func testPowerUpNeverReadyTimesOut() {
    var (_, _, chip, driver) = makeRig(NAU7802Configuration())
    chip.powerUpDelayNanoseconds = 1_000_000_000
    XCTAssertThrowsError(try driver.start()) { error in
      guard case .powerUpTimeout(_, let waited)? = error as? LoadCellError else {
        return XCTFail("\(error)")
      }
      XCTAssertGreaterThanOrEqual(waited, 10_000)
    }
  }

  func testInjectedCalibrationFailureAndRecoveryOnRestart() throws {
    var (_, _, chip, driver) = makeRig(NAU7802Configuration())
    chip.failNextCalibration = true
    XCTAssertThrowsError(try driver.start()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .calibrationFailed)
    }
    XCTAssertTrue(driver.needsStart)
    XCTAssertNotNil(try driver.readRaw(), "the next read sets the chip up again")
    XCTAssertTrue(chip.isOffsetCalibrated)
  }

  func testAnotherDeviceAtTheAddressIsNotAccepted() {
    var (_, _, chip, driver) = makeRig(NAU7802Configuration())
    chip.revisionRegister = 0x68
    XCTAssertThrowsError(try driver.start()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .unexpectedChip)
    }
  }

  func testBrownOutIsDetectedAndTheChipSetUpAgain() throws {
    var (clock, bus, chip, driver) = makeRig(NAU7802Configuration(gain: .x64))
    try driver.start()
    bus.inject(.vanish(nanoseconds: 1_000_000))
    XCTAssertThrowsError(try driver.readRaw()) { error in  // no acknowledge while away
      XCTAssertEqual((error as? LoadCellError)?.kind, .i2c)
    }
    clock.advance(nanoseconds: 2_000_000)
    XCTAssertThrowsError(try driver.readRaw()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .chipReset)
    }
    XCTAssertEqual(chip.gainFactor, 1, "the chip is back with its power-on registers")
    XCTAssertEqual(try driver.readRaw(), 17_000)
    XCTAssertEqual(chip.gainFactor, 64)
    XCTAssertEqual(driver.resetsRecovered, 1)
  }

  func testReconfigureChangesGainAndRateAndCalibratesAgain() throws {
    var (_, _, chip, driver) = makeRig(NAU7802Configuration(gain: .x128, rate: .sps10))
    try driver.start()
    XCTAssertEqual(try driver.readRaw(), 34_000)
    let report = try driver.reconfigure(NAU7802Configuration(gain: .x16, rate: .sps320))
    XCTAssertEqual(report.gain, 16)
    XCTAssertEqual(chip.gainFactor, 16)
    XCTAssertEqual(chip.samplesPerSecond, 320)
    XCTAssertTrue(chip.isOffsetCalibrated)
    XCTAssertEqual(try driver.readRaw(), 4_250, "(4000 + 30 × 1000) × 16 / 128")
  }
}
