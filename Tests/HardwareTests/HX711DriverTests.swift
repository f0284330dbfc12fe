import ChipEmulators
import HAL
import SensorDrivers
import XCTest

/// PD_SCK and DOUT as a script: DOUT answers come from a list (the last one repeats), every
/// PD_SCK edge is recorded, and a chosen rising edge can jump the clock (a preemption).
final class ScriptedHX711Wire {
  let clock = VirtualClock(startNanoseconds: 5_000)
  var doutAnswers: [Bool]
  var doutReads = 0
  var edges: [Bool] = []
  /// Rising edge number (1-based, counted over the whole run) → nanoseconds to jump.
  var jumps: [Int: UInt64] = [:]
  var failSetAt: Int?

  init(doutAnswers: [Bool]) { self.doutAnswers = doutAnswers }

  var risingEdges: Int { edges.filter { $0 }.count }

  struct SCK: GPIOOutputLine {
    let wire: ScriptedHX711Wire
    mutating func set(high: Bool) throws(GPIOError) {
      if let n = wire.failSetAt, wire.edges.count + 1 == n {
        throw GPIOError(.io, errno: 5, detail: "scripted failure")
      }
      wire.edges.append(high)
      if high, let jump = wire.jumps[wire.risingEdges] { wire.clock.advance(nanoseconds: jump) }
    }
  }

  struct DOUT: GPIOInputLine {
    let wire: ScriptedHX711Wire
    mutating func isHigh() throws(GPIOError) -> Bool {
      defer { wire.doutReads += 1 }
      return wire.doutAnswers[min(wire.doutReads, wire.doutAnswers.count - 1)]
    }
    mutating func waitForEdge(timeoutNanoseconds: UInt64) throws(GPIOError) -> GPIOEdgeEvent? {
      nil
    }
  }

  func driver(_ configuration: HX711Configuration = .init()) -> HX711Driver<VirtualClock, SCK, DOUT> {
    HX711Driver(
      clock: clock, clockLine: SCK(wire: self), dataLine: DOUT(wire: self),
      configuration: configuration)
  }

  /// DOUT answers for one conversion: ready, the 24 bits MSB first, then high after the readout.
  static func conversion(_ raw: UInt32) -> [Bool] {
    [false] + (0..<24).map { raw >> UInt32(23 - $0) & 1 == 1 } + [true]
  }
}

final class HX711DriverTests: XCTestCase {
  func testReadsTwentyFourBitsMSBFirstAndSignExtends() throws {
    let cases: [(UInt32, Int32)] = [
      (0x00_0001, 1), (0x7F_FFFE, 8_388_606), (0x80_0001, -8_388_607), (0xFF_FFFE, -2),
      (0x12_3456, 0x12_3456),
    ]
    for (raw, expected) in cases {
      let wire = ScriptedHX711Wire(doutAnswers: ScriptedHX711Wire.conversion(raw))
      var driver = wire.driver()
      XCTAssertEqual(try driver.readRaw(), expected, "0x\(String(raw, radix: 16))")
    }
  }

  func testPulseCountSelectsGainForTheNextConversion() throws {
    for (gain, pulses) in [
      (HX711Configuration.Gain.channelA128, 25), (.channelB32, 26), (.channelA64, 27),
    ] {
      let wire = ScriptedHX711Wire(doutAnswers: ScriptedHX711Wire.conversion(0x00_1000))
      var driver = wire.driver(HX711Configuration(gain: gain))
      _ = try driver.readRaw()
      XCTAssertEqual(wire.risingEdges, pulses, "\(gain)")
      XCTAssertEqual(wire.edges.count, 2 * pulses, "every pulse returns low")
      XCTAssertEqual(wire.edges.last, false, "PD_SCK must end low or the chip powers down")
    }
  }

  func testAllOnesIsRejected() {
    let wire = ScriptedHX711Wire(doutAnswers: ScriptedHX711Wire.conversion(0xFF_FFFF))
    var driver = wire.driver()
    XCTAssertThrowsError(try driver.readRaw()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .invalidSample)
    }
    XCTAssertEqual(driver.statistics.invalidSamples, 1)
  }

  func testFullScaleIsRejectedAsOverRange() {
    for raw: UInt32 in [0x7F_FFFF, 0x80_0000] {
      let wire = ScriptedHX711Wire(doutAnswers: ScriptedHX711Wire.conversion(raw))
      var driver = wire.driver()
      XCTAssertThrowsError(try driver.readRaw()) { error in
        guard case .invalidSample(let r, let reason)? = error as? LoadCellError else {
          return XCTFail("\(error)")
        }
        XCTAssertEqual(r, raw)
        XCTAssertTrue(reason.contains("full scale"), reason)
      }
    }
  }

  func testAHighPhaseAtTheLimitDiscardsTheSampleWithTheMeasuredTime() {
    // The scripted lines take no time, so the measured phase is exactly the injected jump.
    let wire = ScriptedHX711Wire(doutAnswers: ScriptedHX711Wire.conversion(0x00_0100))
    wire.jumps[7] = 50_000
    var driver = wire.driver()
    XCTAssertThrowsError(try driver.readRaw()) { error in
      guard case .timingOverrun(let measured, let limit)? = error as? LoadCellError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(measured, 50, accuracy: 1e-9)
      XCTAssertEqual(limit, 50, accuracy: 1e-9)
    }
    XCTAssertEqual(wire.risingEdges, 25, "the remaining pulses still go out so the gain is set")
    XCTAssertEqual(driver.statistics.timingOverruns, 1)
    XCTAssertEqual(driver.statistics.longestHighPhaseNanoseconds, 50_000)
  }

  func testAHighPhaseJustUnderTheLimitIsAccepted() throws {
    let wire = ScriptedHX711Wire(doutAnswers: ScriptedHX711Wire.conversion(0x00_0100))
    wire.jumps[7] = 49_999
    var driver = wire.driver()
    XCTAssertEqual(try driver.readRaw(), 0x100)
  }

  func testALimitAtOrAboveThePowerDownTimeIsRefused() {
    let wire = ScriptedHX711Wire(doutAnswers: [false])
    var driver = wire.driver(HX711Configuration(highPhaseLimitNanoseconds: 60_000))
    XCTAssertThrowsError(try driver.start()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .invalidState)
    }
  }

  func testDOUTNeverLowTimesOutAfterTheConfiguredWait() {
    let wire = ScriptedHX711Wire(doutAnswers: [true])
    var driver = wire.driver(HX711Configuration(readyTimeoutNanoseconds: 30_000_000))
    XCTAssertThrowsError(try driver.readRaw()) { error in
      guard case .dataReadyTimeout(let chip, let waited)? = error as? LoadCellError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(chip, "HX711")
      XCTAssertEqual(waited, 30_000, "the wait stops exactly at the timeout on a virtual clock")
    }
    XCTAssertEqual(wire.risingEdges, 0, "no pulse while the chip is not ready")
  }

  func testDOUTStuckLowReadsAsNoResponse() {
    let wire = ScriptedHX711Wire(doutAnswers: [false])
    var driver = wire.driver()
    XCTAssertThrowsError(try driver.readRaw()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .noResponse)
    }
  }

  func testAGPIOFailureIsReportedAsGPIOError() {
    let wire = ScriptedHX711Wire(doutAnswers: ScriptedHX711Wire.conversion(5))
    wire.failSetAt = 9
    var driver = wire.driver()
    XCTAssertThrowsError(try driver.readRaw()) { error in
      guard case .gpio(let e)? = error as? LoadCellError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.kind, .io)
    }
  }

  func testMedianOfThreeIgnoresOneSpike() throws {
    let answers =
      ScriptedHX711Wire.conversion(1_000) + ScriptedHX711Wire.conversion(900_000)
      + ScriptedHX711Wire.conversion(1_010)
    // Each conversion script ends with one "high" that the driver reads only for all-zero data;
    // remove those so the three conversions follow each other.
    let wire = ScriptedHX711Wire(
      doutAnswers: answers.enumerated().filter { ($0.offset + 1) % 26 != 0 }.map(\.element))
    var driver = wire.driver(HX711Configuration(medianOfThree: true))
    XCTAssertEqual(try driver.readRaw(), 1_010)
  }

  // MARK: On the emulated chip

  func testStartPowerCyclesAndProgramsTheGainOnTheEmulatedChip() throws {
    for gain in HX711Configuration.Gain.allCases {
      let clock = VirtualClock()
      let chip = EmulatedHX711(clock: clock, samplesPerSecond: 80)
      var driver = HX711Driver(
        clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
        configuration: HX711Configuration(gain: gain, rate: .sps80))
      let report = try driver.start()
      XCTAssertEqual(chip.resetCount, 1, "start holds PD_SCK high past 60 µs, then low")
      XCTAssertEqual(chip.selectedGainFactor, gain.factor)
      XCTAssertEqual(report.gain, gain.factor)
      XCTAssertTrue(
        report.configured.contains { $0.contains("\(gain.pulses) pulses") }, "\(report)")
    }
  }

  func testRawCodesMatchTheBridgeAtEachGain() throws {
    let clock = VirtualClock()
    let bridge = LoadCellBridgeModel(countsPerNewton: 300, offsetCounts: 5_000)
    let chip = EmulatedHX711(
      clock: clock, samplesPerSecond: 10, bridge: bridge, force: ConstantForce(newtons: 25))
    var driver = HX711Driver(
      clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
      configuration: .init(gain: .channelA128))
    try driver.start()
    for gain in [HX711Configuration.Gain.channelA64, .channelB32, .channelA128] {
      driver.setGain(gain)
      XCTAssertNil(try driver.readRaw(), "the conversion after a gain change is dropped")
      // (5000 + 25 × 300) × gain / 128
      let expected = Int32((12_500 * Double(gain.factor) / 128).rounded())
      XCTAssertEqual(try driver.readRaw(), expected, "\(gain)")
    }
  }

  func testEightySamplesPerSecondPaceOnTheVirtualClock() throws {
    let clock = VirtualClock()
    let chip = EmulatedHX711(clock: clock, samplesPerSecond: 80)
    var driver = HX711Driver(
      clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
      configuration: HX711Configuration(rate: .sps80, pollIntervalNanoseconds: 100_000))
    try driver.start()
    _ = try driver.readRaw()
    let t0 = clock.nowNanoseconds
    for _ in 0..<8 { _ = try driver.readRaw() }
    // 8 conversions at 12.5 ms; polling at 0.1 ms adds at most 0.1 ms each.
    let perSample = Double(clock.nowNanoseconds - t0) / 8
    XCTAssertEqual(perSample, 12_500_000, accuracy: 150_000)
  }

  func testPowerDownAndUp() throws {
    let clock = VirtualClock()
    let chip = EmulatedHX711(clock: clock, samplesPerSecond: 80, force: ConstantForce(newtons: 1))
    var driver = HX711Driver(
      clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
      configuration: .init(gain: .channelB32, rate: .sps80))
    try driver.start()
    try driver.powerDown()
    XCTAssertTrue(driver.isPoweredDown)
    XCTAssertTrue(chip.isPoweredDown, "PD_SCK held high past 60 µs")
    XCTAssertThrowsError(try driver.readRaw()) { error in
      XCTAssertEqual((error as? LoadCellError)?.kind, .invalidState)
    }
    try driver.powerUp()
    XCTAssertFalse(chip.isPoweredDown)
    XCTAssertEqual(chip.selectedGainFactor, 128, "a reset returns the chip to channel A gain 128")
    XCTAssertNil(
      try driver.readRaw(), "the first conversion after the reset is at gain 128 and dropped")
    XCTAssertEqual(chip.selectedGainFactor, 32)
    XCTAssertNotNil(try driver.readRaw())
  }

  func testPreemptionPastSixtyMicrosecondsResetsTheChipAndTheDriverDropsTheWrongGainSample() throws {
    let clock = VirtualClock()
    let chip = EmulatedHX711(clock: clock, samplesPerSecond: 80, force: ConstantForce(newtons: 10))
    var driver = HX711Driver(
      clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
      configuration: .init(gain: .channelA64, rate: .sps80))
    try driver.start()
    let good = try XCTUnwrap(driver.readRaw())
    chip.injectPreemption(atPulse: 20, nanoseconds: 65_000)
    XCTAssertThrowsError(try driver.readRaw()) { error in
      guard case .timingOverrun(let measured, _)? = error as? LoadCellError else {
        return XCTFail("\(error)")
      }
      // 65 µs jump plus the GPIO calls of one pulse (1 µs each in the emulator).
      XCTAssertGreaterThanOrEqual(measured, 65)
      XCTAssertLessThan(measured, 70)
    }
    XCTAssertEqual(chip.resetCount, 2, "the chip powered down and reset")
    XCTAssertNil(try driver.readRaw())
    XCTAssertEqual(try driver.readRaw(), good)
    XCTAssertEqual(driver.statistics.timingOverruns, 1)
  }

  func testTareOnANoisyCellConvergesOnTheTrueOffset() throws {
    let clock = VirtualClock()
    let bridge = LoadCellBridgeModel(countsPerNewton: 100, offsetCounts: 8_000, noiseCountsRMS: 60)
    let chip = EmulatedHX711(clock: clock, samplesPerSecond: 80, bridge: bridge, seed: 42)
    var driver = HX711Driver(
      clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
      configuration: .init(rate: .sps80))
    try driver.start()
    try driver.tare(samples: 64)
    // The mean of 64 draws with σ = 60 lies within 4σ/√64 = 30 counts of the truth.
    XCTAssertEqual(driver.calibration.offsetCounts, 8_000, accuracy: 30)
    let codes = chip.recentCodes.suffix(64).map(Double.init)
    let mean = codes.reduce(0, +) / Double(codes.count)
    let sd = (codes.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(codes.count - 1))
      .squareRoot()
    XCTAssertEqual(sd, 60, accuracy: 20, "the emulator's noise has the configured spread")
  }

  func testMedianOfThreeOnTheEmulatorRejectsAForceSpike() throws {
    let clock = VirtualClock()
    let period: UInt64 = 12_500_000
    // A 2 ms spike of 500 N lands on exactly one conversion, about 0.3 s in.
    let chip = EmulatedHX711(
      clock: clock, samplesPerSecond: 80,
      bridge: LoadCellBridgeModel(countsPerNewton: 100, offsetCounts: 0))
    let spikeAt = Double(24 * period) / 1e9
    chip.forceSource = ClosureForce { t in abs(t - spikeAt) < 0.001 ? 500 : 10 }
    var driver = HX711Driver(
      clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
      configuration: .init(rate: .sps80, medianOfThree: true))
    try driver.start()
    var values: [Int32] = []
    while clock.nowNanoseconds < 40 * period {
      if let v = try driver.readRaw() { values.append(v) }
    }
    XCTAssertTrue(chip.recentCodes.contains(50_000), "the spike was converted")
    XCTAssertEqual(Set(values), [1_000], "but no median shows it")
  }

  func testTheEmulatedDOUTLineReportsTheDataReadyEdge() throws {
    let clock = VirtualClock()
    let chip = EmulatedHX711(clock: clock, samplesPerSecond: 10)
    var dout = chip.dataLine
    XCTAssertTrue(try dout.isHigh(), "not ready during the settling after power-on")
    let edge = try XCTUnwrap(dout.waitForEdge(timeoutNanoseconds: 1_000_000_000))
    XCTAssertEqual(edge.edge, .falling)
    // First data four periods (400 ms) after power-on, seen within the 10 µs polling step.
    XCTAssertEqual(Double(edge.timestampNanoseconds), 400_000_000, accuracy: 20_000)
    XCTAssertNil(try dout.waitForEdge(timeoutNanoseconds: 50_000_000), "DOUT stays low until read")
  }
}
