import ChipEmulators
import HAL
import SensorDrivers
import XCTest

/// One emulated load cell with its driver, as the conformance suite sees it.
protocol LoadCellRig: AnyObject {
  var name: String { get }
  var clock: VirtualClock { get }
  /// Counts per newton at the gain the rig's driver configures, from the bridge model's
  /// figures (sensitivity at gain 128 scaled by gain/128), not from the driver.
  var countsPerNewtonAtDriverGain: Double { get }
  var expectedGain: Int { get }
  var expectedSamplesPerSecond: Int { get }
  func setForce(_ newtons: Double)
  func makeDriver() -> any LoadCellDriver
  /// Faults for this chip: each injected before a read, with the error kind the next read must
  /// throw, the kinds tolerated while recovering, and how to take the fault away.
  var faults: [RigFault] { get }
}

struct RigFault {
  var name: String
  var expected: LoadCellError.Kind
  var toleratedWhileRecovering: Set<LoadCellError.Kind> = []
  var inject: () -> Void
  var clear: () -> Void = {}
}

final class HX711Rig: LoadCellRig {
  let name = "HX711"
  let clock = VirtualClock(startNanoseconds: 1_000_000)
  let chip: EmulatedHX711
  let bridge = LoadCellBridgeModel(countsPerNewton: 500, offsetCounts: 20_000, noiseCountsRMS: 0)
  let gain: HX711Configuration.Gain
  private var newtons = 0.0

  init(gain: HX711Configuration.Gain = .channelA64, rate: HX711Configuration.Rate = .sps80) {
    self.gain = gain
    chip = EmulatedHX711(clock: clock, samplesPerSecond: rate.rawValue, bridge: bridge)
    chip.forceSource = ClosureForce { [unowned self] _ in self.newtons }
  }

  var countsPerNewtonAtDriverGain: Double { bridge.countsPerNewton * Double(gain.factor) / 128 }
  var expectedGain: Int { gain.factor }
  var expectedSamplesPerSecond: Int { chip.samplesPerSecond }
  func setForce(_ newtons: Double) { self.newtons = newtons }

  func makeDriver() -> any LoadCellDriver {
    HX711Driver(
      clock: clock, clockLine: chip.clockLine, dataLine: chip.dataLine,
      configuration: HX711Configuration(
        gain: gain, rate: chip.samplesPerSecond == 80 ? .sps80 : .sps10))
  }

  var faults: [RigFault] {
    [
      RigFault(
        name: "preempted 70 µs with PD_SCK high (chip powers down)", expected: .timingOverrun,
        inject: { self.chip.injectPreemption(atPulse: 12, nanoseconds: 70_000) }),
      RigFault(
        name: "preempted 55 µs with PD_SCK high (inside the safety margin)",
        expected: .timingOverrun,
        inject: { self.chip.injectPreemption(atPulse: 3, nanoseconds: 55_000) }),
      RigFault(
        name: "all-ones conversion", expected: .invalidSample,
        inject: { self.chip.injectAllOnes(count: 1) }),
      RigFault(
        name: "DOUT stuck high", expected: .dataReadyTimeout,
        inject: { self.chip.injectStuckDOUT() }, clear: { self.chip.releaseStuckDOUT() }),
      RigFault(
        name: "unplugged, DOUT pulled high", expected: .dataReadyTimeout,
        inject: { self.chip.vanish(doutFloatsHigh: true) }, clear: { self.chip.reconnect() }),
      RigFault(
        name: "unplugged, DOUT pulled low", expected: .noResponse,
        inject: { self.chip.vanish(doutFloatsHigh: false) }, clear: { self.chip.reconnect() }),
    ]
  }
}

final class NAU7802Rig: LoadCellRig {
  let name = "NAU7802"
  let clock = VirtualClock(startNanoseconds: 1_000_000)
  let bus: EmulatedI2CBus
  let chip: EmulatedNAU7802
  let bridge = LoadCellBridgeModel(countsPerNewton: 800, offsetCounts: -15_000, noiseCountsRMS: 0)
  let configuration: NAU7802Configuration
  private var newtons = 0.0

  init(configuration: NAU7802Configuration = NAU7802Configuration(gain: .x64, rate: .sps80)) {
    self.configuration = configuration
    bus = EmulatedI2CBus(clock: clock)
    chip = EmulatedNAU7802(bridge: bridge)
    chip.forceSource = ClosureForce { [unowned self] _ in self.newtons }
    bus.attach(chip, at: 0x2A)
  }

  var countsPerNewtonAtDriverGain: Double {
    bridge.countsPerNewton * Double(configuration.gain.rawValue) / 128
  }
  var expectedGain: Int { configuration.gain.rawValue }
  var expectedSamplesPerSecond: Int { configuration.rate.rawValue }
  func setForce(_ newtons: Double) { self.newtons = newtons }

  func makeDriver() -> any LoadCellDriver {
    NAU7802Driver(bus: bus, clock: clock, configuration: configuration)
  }

  var faults: [RigFault] {
    [
      RigFault(
        name: "no acknowledge of the address", expected: .i2c,
        inject: { self.bus.inject(.noAcknowledgeAddress, address: 0x2A) }),
      RigFault(
        name: "bus error burst", expected: .i2c, toleratedWhileRecovering: [.i2c],
        inject: { self.bus.inject(.error(.bus), address: 0x2A, count: 3) }),
      RigFault(
        name: "brown-out (chip away 30 ms, back with power-on registers)", expected: .i2c,
        toleratedWhileRecovering: [.i2c, .chipReset],
        inject: { self.bus.inject(.vanish(nanoseconds: 30_000_000), address: 0x2A) }),
      RigFault(
        name: "conversions stall (CR never set)", expected: .dataReadyTimeout,
        inject: { self.chip.stallConversions = true }, clear: { self.chip.stallConversions = false }
      ),
    ]
  }
}

/// The same behaviour asked of every emulated load cell: configure, read a known force, convert
/// it, and survive each injected fault with the right typed error, then recover.
final class LoadCellConformanceTests: XCTestCase {
  func rigs() -> [any LoadCellRig] {
    [
      HX711Rig(), HX711Rig(gain: .channelA128, rate: .sps10), NAU7802Rig(),
      NAU7802Rig(configuration: NAU7802Configuration(gain: .x128, rate: .sps320, ldo: .mV3000)),
    ]
  }

  func testStartReportsWhatWasConfigured() throws {
    for rig in rigs() {
      var driver = rig.makeDriver()
      let report = try driver.start()
      XCTAssertEqual(report.chip, rig.name)
      XCTAssertEqual(report.gain, rig.expectedGain, rig.name)
      XCTAssertEqual(report.samplesPerSecond, rig.expectedSamplesPerSecond, rig.name)
      XCTAssertFalse(report.detected.isEmpty, rig.name)
      XCTAssertFalse(report.configured.isEmpty, rig.name)
      XCTAssertTrue(report.description.contains(rig.name))
    }
  }

  func testKnownForceConvertsThroughTareAndScale() throws {
    for rig in rigs() {
      var driver = rig.makeDriver()
      try driver.start()
      rig.setForce(0)
      try driver.tare(samples: 4)
      rig.setForce(200)
      let span = try driver.averageRaw(samples: 4) - driver.calibration.offsetCounts
      // The bridge gives countsPerNewton × gain/128 per newton; codes round to whole counts.
      XCTAssertEqual(span, 200 * rig.countsPerNewtonAtDriverGain, accuracy: 1.5, rig.name)

      try driver.calibrateScale(knownForceNewtons: 200, samples: 4)
      rig.setForce(73.5)
      let force = try XCTUnwrap(readValue(&driver), rig.name)
      XCTAssertEqual(force, 73.5, accuracy: 2 / rig.countsPerNewtonAtDriverGain, rig.name)

      rig.setForce(-40)  // compression
      let negative = try XCTUnwrap(readValue(&driver), rig.name)
      XCTAssertEqual(negative, -40, accuracy: 2 / rig.countsPerNewtonAtDriverGain, rig.name)
    }
  }

  func testEveryInjectedFaultGivesItsTypedErrorAndTheDriverRecovers() throws {
    for rig in rigs() {
      var driver = rig.makeDriver()
      try driver.start()
      driver.calibration = LoadCellCalibration(
        offsetCounts: 0, newtonsPerCount: 1 / rig.countsPerNewtonAtDriverGain)
      rig.setForce(0)
      try driver.tare(samples: 2)
      rig.setForce(120)
      for fault in rig.faults {
        let label = "\(rig.name): \(fault.name)"
        fault.inject()
        var thrown: LoadCellError?
        for _ in 0..<4 {
          do {
            _ = try driver.readForce()
          } catch {
            thrown = error
            break
          }
        }
        XCTAssertEqual(
          thrown?.kind, fault.expected,
          "\(label): \(thrown.map(String.init(describing:)) ?? "no error")")
        fault.clear()
        var recovered: Double?
        var attempts = 0
        while recovered == nil && attempts < 40 {
          attempts += 1
          do {
            recovered = try driver.readForce()
          } catch {
            XCTAssertTrue(
              fault.toleratedWhileRecovering.contains(error.kind),
              "\(label): while recovering: \(error)")
            rig.clock.advance(nanoseconds: 5_000_000)  // a caller backing off before retrying
          }
        }
        let value = try XCTUnwrap(recovered, "\(label): no good reading after \(attempts) attempts")
        XCTAssertEqual(value, 120, accuracy: 2 / rig.countsPerNewtonAtDriverGain, label)
      }
    }
  }

  private func readValue(_ driver: inout any LoadCellDriver) throws -> Double? {
    for _ in 0..<4 { if let v = try driver.readForce() { return v } }
    return nil
  }
}
